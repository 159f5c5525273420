//! Editors in control of an article's policy intelligence, at `/admin/articles/{id}/targets`:
//! the document's type, issuer, region and year; whether the 量化目标 panel shows; its targets
//! hidden, restored, corrected or added. Every change is a stored correction (never an edit of the
//! derived rows), written to the audit log, after which the content layer derives the article's
//! rows anew (`crate::corrections`), so the change shows at once and survives re-extraction.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AdminLayout, CurrentUser, render_status, see_other, time};
use crate::corrections::Derivation;
use crate::domain::{
    AuditAction, CorrectionAction, DocumentCorrection, NewTargetCorrection, Panel,
    TargetCorrection, TargetFields, TargetMatch,
};
use crate::error::AppError;
use crate::render::views::TimeView;
use crate::store::AuditRecord;
use crate::targets::{self, Extracted};
use crate::web::AppState;
use crate::web::extract::{Form, Path, Query};

/// Longest clause (原文) an editor may give, in characters.
const MAX_TEXT_CHARS: usize = 500;
/// Longest indicator, unit, issuer or region, in characters.
const MAX_SHORT_CHARS: usize = 100;
/// Years a target or document may be for.
const YEARS: std::ops::RangeInclusive<i64> = 1900..=2100;

/// Errors by field name, shown beside the field.
type FieldErrors = BTreeMap<&'static str, String>;

/// A target's fields as typed (all text, so what was typed is shown back as it was).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TargetForm {
    /// The extracted target a correction applies to: clause, value, unit.
    #[serde(default)]
    m_text: String,
    #[serde(default)]
    m_value: String,
    #[serde(default)]
    m_unit: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    value_max: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    comparator: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    aspirational: Option<String>,
    #[serde(default)]
    year: String,
}

impl TargetForm {
    /// The form filled with a figure's values.
    fn of(figure: &Extracted, key: Option<&TargetMatch>) -> Self {
        let t = &figure.target;
        Self {
            m_text: key.map(|k| k.text.clone()).unwrap_or_default(),
            m_value: key.map(|k| k.value.to_string()).unwrap_or_default(),
            m_unit: key.map(|k| k.unit.clone()).unwrap_or_default(),
            text: t.text.clone(),
            indicator: t.indicator.clone(),
            value: t.value.to_string(),
            value_max: t.value_max.map(|v| v.to_string()).unwrap_or_default(),
            unit: t.unit.clone(),
            comparator: targets::comparator_name(t.comparator).to_string(),
            kind: targets::kind_name(t.kind).to_string(),
            aspirational: t.aspirational.then(|| "on".to_string()),
            year: figure.year.map(|y| y.to_string()).unwrap_or_default(),
        }
    }

    /// The extracted target named by the hidden fields.
    fn target(&self) -> Result<TargetMatch, AppError> {
        let value = self
            .m_value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        match value {
            Some(value) if !self.m_text.trim().is_empty() => Ok(TargetMatch {
                text: self.m_text.trim().to_string(),
                value,
                unit: self.m_unit.trim().to_string(),
            }),
            _ => Err(AppError::BadRequest(
                "表单缺少要更正的目标（m_text、m_value）；请从目标列表重新打开".into(),
            )),
        }
    }

    /// The editor's values, checked; each error names its field.
    fn fields(&self) -> Result<TargetFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = self.text.trim();
        if text.is_empty() {
            errors.insert("text", "原文：请填写目标所在的句子".into());
        } else if text.chars().count() > MAX_TEXT_CHARS {
            errors.insert(
                "text",
                format!(
                    "原文：最多 {MAX_TEXT_CHARS} 个字，现在有 {} 个",
                    text.chars().count()
                ),
            );
        }
        let indicator = self.indicator.trim();
        if indicator.is_empty() {
            errors.insert(
                "indicator",
                "指标：请填写指标名称，例如“新能源汽车产量”".into(),
            );
        } else if indicator.chars().count() > MAX_SHORT_CHARS {
            errors.insert("indicator", format!("指标：最多 {MAX_SHORT_CHARS} 个字"));
        }
        let number = |field: &'static str, label: &str, raw: &str, errors: &mut FieldErrors| {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    errors.insert(
                        field,
                        format!("{label}：“{raw}”不是数字，请填写例如 120 或 6.5"),
                    );
                    None
                }
            }
        };
        let value = number("value", "数值", &self.value, &mut errors);
        if self.value.trim().is_empty() {
            errors.insert("value", "数值：请填写数字，例如 120 或 6.5".into());
        }
        let value_max = number("value_max", "上限", &self.value_max, &mut errors);
        let unit = self.unit.trim();
        if unit.chars().count() > 20 {
            errors.insert("unit", "单位：最多 20 个字".into());
        }
        let comparator = self.comparator.trim();
        if crate::corrections::parse_comparator(comparator).is_none() {
            errors.insert(
                "comparator",
                "比较：请选择超过、以上、左右、以内、区间或等于".into(),
            );
        }
        if comparator == "range" && value_max.is_none() && !errors.contains_key("value_max") {
            errors.insert("value_max", "上限：比较为“区间”时请填写区间的上限".into());
        }
        if let (Some(v), Some(max)) = (value, value_max) {
            if max < v {
                errors.insert("value_max", format!("上限：{max} 小于数值 {v}"));
            }
        }
        let kind = self.kind.trim();
        if crate::corrections::parse_kind(kind).is_none() {
            errors.insert("kind", "类型：请选择增速、新增量、总量或比例".into());
        }
        let year = check_year(&self.year, &mut errors);
        match value {
            Some(value) if errors.is_empty() => Ok(TargetFields {
                text: text.to_string(),
                indicator: indicator.to_string(),
                value,
                value_max: value_max.filter(|_| comparator == "range"),
                unit: unit.to_string(),
                comparator: comparator.to_string(),
                kind: kind.to_string(),
                aspirational: self.aspirational.is_some(),
                year,
            }),
            _ => Err(errors),
        }
    }
}

/// A year field: empty, or a year in [`YEARS`].
fn check_year(raw: &str, errors: &mut FieldErrors) -> Option<i64> {
    let raw = raw.trim().trim_end_matches('年');
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(y) if YEARS.contains(&y) => Some(y),
        _ => {
            errors.insert(
                "year",
                format!(
                    "年份：“{raw}”无效，请填写 {}—{} 之间的四位年份，或留空",
                    YEARS.start(),
                    YEARS.end()
                ),
            );
            None
        }
    }
}

/// The document form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct DocumentForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    panel: String,
}

impl DocumentForm {
    fn of(c: &DocumentCorrection) -> Self {
        Self {
            kind: c.kind.clone().unwrap_or_default(),
            issuer: c.issuer.clone().unwrap_or_default(),
            region: c.region.clone().unwrap_or_default(),
            year: c.year.map(|y| y.to_string()).unwrap_or_default(),
            panel: c.panel.as_str().to_string(),
        }
    }

    fn checked(&self) -> Result<DocumentCorrection, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = self.kind.trim();
        if !kind.is_empty() && policy::DocKind::parse(kind).is_none() {
            errors.insert("kind", "文件类型：请从列表中选择".into());
        }
        let short = |field: &'static str, label: &str, raw: &str, errors: &mut FieldErrors| {
            let raw = raw.trim();
            if raw.chars().count() > MAX_SHORT_CHARS {
                errors.insert(field, format!("{label}：最多 {MAX_SHORT_CHARS} 个字"));
            }
            (!raw.is_empty()).then(|| raw.to_string())
        };
        let issuer = short("issuer", "发文机关", &self.issuer, &mut errors);
        let region = short("region", "地区", &self.region, &mut errors);
        let year = check_year(&self.year, &mut errors);
        let panel = Panel::parse(self.panel.trim());
        if panel.is_none() {
            errors.insert("panel", "量化目标栏：请选择自动、显示或隐藏".into());
        }
        match panel {
            Some(panel) if errors.is_empty() => Ok(DocumentCorrection {
                kind: (!kind.is_empty()).then(|| kind.to_string()),
                issuer,
                region,
                year,
                panel,
            }),
            _ => Err(errors),
        }
    }
}

/// A form shown on the page: what it holds, its errors, whether it is open.
#[derive(Debug, Serialize)]
struct FormView<T> {
    values: T,
    errors: FieldErrors,
    open: bool,
}

impl<T> FormView<T> {
    fn fresh(values: T) -> Self {
        Self {
            values,
            errors: FieldErrors::new(),
            open: false,
        }
    }
}

#[derive(Debug, Serialize)]
struct RowView {
    indicator: String,
    value: String,
    kind: String,
    text: String,
    record: &'static str,
    year: Option<i64>,
    hidden: bool,
    origin: &'static str,
    anchored: bool,
    hide_id: Option<i64>,
    correct_id: Option<i64>,
    add_id: Option<i64>,
    form: FormView<TargetForm>,
}

#[derive(Debug, Serialize)]
struct UnmatchedView {
    id: i64,
    action: &'static str,
    text: String,
    detail: String,
    user_name: String,
    at: TimeView,
}

/// A form that failed, to be shown again with what was typed.
enum Failed {
    Document(DocumentForm, FieldErrors),
    Correct(TargetForm, FieldErrors),
    Add(TargetForm, FieldErrors),
}

fn action_label(a: CorrectionAction) -> &'static str {
    match a {
        CorrectionAction::Hide => "隐藏",
        CorrectionAction::Correct => "更正",
        CorrectionAction::Add => "添加",
    }
}

/// The value of a figure as a reader says it.
fn value_text(f: &Extracted) -> String {
    let t = &f.target;
    let target = crate::domain::ArticleTarget {
        value: t.value,
        value_max: t.value_max,
        unit: t.unit.clone(),
        comparator: targets::comparator_name(t.comparator).to_string(),
        ..crate::domain::ArticleTarget::default()
    };
    targets::value_label(&target)
}

fn row_view(figure: &Extracted, source: &crate::corrections::RowSource) -> RowView {
    RowView {
        indicator: figure.target.indicator.clone(),
        value: value_text(figure),
        kind: targets::kind_label(targets::kind_name(figure.target.kind)).to_string(),
        text: figure.target.text.clone(),
        record: if figure.record == targets::Record::Result {
            "实绩"
        } else {
            "目标"
        },
        year: figure.year,
        hidden: figure.hidden,
        origin: figure.origin.as_str(),
        anchored: source.anchored,
        hide_id: source.hide,
        correct_id: source.correct,
        add_id: source.add,
        form: FormView::fresh(TargetForm::of(figure, source.extracted.as_ref())),
    }
}

fn unmatched_view(state: &AppState, c: &TargetCorrection) -> UnmatchedView {
    let detail = c.fields.as_ref().map_or_else(String::new, |f| {
        format!("{} {}{}", f.indicator, f.value, f.unit)
    });
    UnmatchedView {
        id: c.id,
        action: action_label(c.action),
        text: c
            .target
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default(),
        detail,
        user_name: c.user_name.clone(),
        at: time(state, c.at),
    }
}

/// `?notice=`.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    failed: Option<Failed>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let articles = state.newsroom_articles()?;
    let (article, derivation) = articles.derivation(id).await?;
    let corrections = articles.store().article_corrections(id).await?;
    let Derivation {
        extraction,
        extracted_document,
        sources,
        unmatched,
        panel,
    } = derivation;
    let mut rows: Vec<RowView> = extraction
        .figures
        .iter()
        .zip(&sources)
        .map(|(f, s)| row_view(f, s))
        .collect();
    let mut document = FormView::fresh(DocumentForm::of(&corrections.document));
    let mut add = FormView::fresh(TargetForm {
        comparator: "eq".into(),
        kind: "level".into(),
        ..TargetForm::default()
    });
    let status = if failed.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match failed {
        Some(Failed::Document(values, errors)) => {
            document = FormView {
                values,
                errors,
                open: true,
            };
        }
        Some(Failed::Add(values, errors)) => {
            add = FormView {
                values,
                errors,
                open: true,
            };
        }
        Some(Failed::Correct(values, errors)) => {
            let key = values.target().ok();
            let row = rows.iter_mut().zip(&sources).find(|(_, s)| {
                s.extracted
                    .as_ref()
                    .zip(key.as_ref())
                    .is_some_and(|(a, b)| {
                        a.text.trim() == b.text && a.unit == b.unit && a.value == b.value
                    })
            });
            match row {
                Some((row, _)) => {
                    row.form = FormView {
                        values,
                        errors,
                        open: true,
                    }
                }
                None => {
                    return Err(AppError::BadRequest(
                        errors.into_values().collect::<Vec<_>>().join("；"),
                    ));
                }
            }
        }
        None => {}
    }
    let kinds: Vec<(&str, &str)> = policy::DocKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect();
    let effective = &extraction.document;
    let shown = crate::corrections::panel_shows(panel, Some(&effective.kind));
    let title = "量化目标与文件信息";
    let layout = AdminLayout::new(state, user, "articles", title).with_notice(notice);
    render_status(
        state,
        status,
        "admin/article_targets.html",
        context! {
            layout,
            title,
            article_id => id,
            article_title => article.title,
            public_url => format!("/articles/{}", article.slug),
            kinds,
            extracted => context! {
                kind => targets::doc_kind_label(&extracted_document.kind),
                issuer => extracted_document.issuer,
                region => extracted_document.region,
                year => extracted_document.year,
            },
            effective_kind => targets::doc_kind_label(&effective.kind),
            panel_shown => shown,
            document,
            rows,
            add,
            unmatched => unmatched.iter().map(|c| unmatched_view(state, c)).collect::<Vec<_>>(),
        },
    )
}

/// `GET /admin/articles/{id}/targets`.
pub async fn show_targets(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    page(&state, &user, id, None, q.notice.as_deref()).await
}

/// Writes the audit line of a correction, then derives the article's rows anew and goes back to
/// the page.
async fn done(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    detail: String,
    notice: &str,
) -> Result<Response, AppError> {
    let articles = state.newsroom_articles()?;
    let article = articles.store().article_by_id(id).await?;
    articles
        .store()
        .add_audit(&AuditRecord {
            user: Some(&user.user),
            action: AuditAction::CorrectTargets,
            article_id: Some(id),
            article_title: &article.title,
            detail,
        })
        .await?;
    articles.rederive(id).await?;
    Ok(see_other(&format!(
        "/admin/articles/{id}/targets?notice={notice}"
    )))
}

/// `POST /admin/articles/{id}/targets/document`.
pub async fn save_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DocumentForm>,
) -> Result<Response, AppError> {
    let c = match form.checked() {
        Ok(c) => c,
        Err(errors) => {
            return page(
                &state,
                &user,
                id,
                Some(Failed::Document(form, errors)),
                None,
            )
            .await;
        }
    };
    state
        .store
        .save_document_correction(id, &c, &user.user)
        .await?;
    let or_auto = |v: Option<String>| v.unwrap_or_else(|| "自动".into());
    let detail = format!(
        "文件信息：类型 {}，发文机关 {}，地区 {}，年份 {}，量化目标栏 {}",
        or_auto(c.kind.as_deref().map(targets::doc_kind_label)),
        or_auto(c.issuer.clone()),
        or_auto(c.region.clone()),
        or_auto(c.year.map(|y| y.to_string())),
        match c.panel {
            Panel::Auto => "自动",
            Panel::On => "显示",
            Panel::Off => "隐藏",
        }
    );
    done(&state, &user, id, detail, "saved").await
}

/// `POST /admin/articles/{id}/targets/hide`.
pub async fn hide_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<TargetForm>,
) -> Result<Response, AppError> {
    let target = form.target()?;
    let detail = format!("隐藏目标：{}", target.text);
    state
        .store
        .add_target_correction(
            id,
            &NewTargetCorrection {
                action: CorrectionAction::Hide,
                target: Some(target),
                fields: None,
            },
            &user.user,
        )
        .await?;
    done(&state, &user, id, detail, "saved").await
}

/// `POST /admin/articles/{id}/targets/correct`.
pub async fn correct_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<TargetForm>,
) -> Result<Response, AppError> {
    let target = form.target()?;
    let fields = match form.fields() {
        Ok(f) => f,
        Err(errors) => {
            return page(&state, &user, id, Some(Failed::Correct(form, errors)), None).await;
        }
    };
    let detail = format!(
        "更正目标：{} → {} {}{}",
        target.text, fields.indicator, fields.value, fields.unit
    );
    state
        .store
        .add_target_correction(
            id,
            &NewTargetCorrection {
                action: CorrectionAction::Correct,
                target: Some(target),
                fields: Some(fields),
            },
            &user.user,
        )
        .await?;
    done(&state, &user, id, detail, "saved").await
}

/// `POST /admin/articles/{id}/targets/add`.
pub async fn add_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<TargetForm>,
) -> Result<Response, AppError> {
    let fields = match form.fields() {
        Ok(f) => f,
        Err(errors) => {
            return page(&state, &user, id, Some(Failed::Add(form, errors)), None).await;
        }
    };
    let detail = format!(
        "添加目标：{} {} {}{}",
        fields.text, fields.indicator, fields.value, fields.unit
    );
    state
        .store
        .add_target_correction(
            id,
            &NewTargetCorrection {
                action: CorrectionAction::Add,
                target: None,
                fields: Some(fields),
            },
            &user.user,
        )
        .await?;
    done(&state, &user, id, detail, "saved").await
}

/// `POST /admin/articles/{id}/targets/corrections/{correction}/delete`: 恢复 a hidden target,
/// 撤销 a correction, 删除 an added target or one whose clause is gone.
pub async fn delete_correction(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, correction)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let c = state.store.delete_target_correction(id, correction).await?;
    let text = c
        .target
        .as_ref()
        .map(|m| m.text.clone())
        .or_else(|| c.fields.as_ref().map(|f| f.text.clone()))
        .unwrap_or_default();
    let detail = match c.action {
        CorrectionAction::Hide => format!("恢复目标：{text}"),
        CorrectionAction::Correct => format!("撤销更正：{text}"),
        CorrectionAction::Add => format!("删除添加的目标：{text}"),
    };
    done(&state, &user, id, detail, "saved").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_fields_name_each_wrong_field() {
        let form = TargetForm {
            text: "句子".into(),
            indicator: String::new(),
            value: "abc".into(),
            comparator: "range".into(),
            kind: "nope".into(),
            year: "20250".into(),
            ..TargetForm::default()
        };
        let errors = form.fields().unwrap_err();
        assert!(errors["indicator"].starts_with("指标"));
        assert!(errors["value"].contains("abc"));
        assert!(errors["value_max"].starts_with("上限"));
        assert!(errors["kind"].starts_with("类型"));
        assert!(errors["year"].starts_with("年份"));
        assert!(!errors.contains_key("text"));
    }

    #[test]
    fn origin_names_are_the_schema_s() {
        assert_eq!(crate::corrections::Origin::Added.as_str(), "added");
    }
}
