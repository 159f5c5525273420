//! The editors' desk in the admin: bulk actions on the article list, the list's sortable column
//! headers, the flags' labels, and each account's default 作者 / 来源.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::articles::{ListQuery, list_page};
use super::{CurrentUser, see_other};
use crate::desk::{self, BulkAction};
use crate::domain::{ArticleFlag, ArticleSort, SortColumn};
use crate::error::AppError;
use crate::newsroom::{MAX_AUTHOR_CHARS, MAX_SOURCE_CHARS, NewsroomError};
use crate::store::UserDefaults;
use crate::web::AppState;
use crate::web::extract::{Form, Path};

/// A refused admin form, shown again with the message beside the field and what was typed
/// (templates: `form_error.form` says which form on the page, `form_error.field` which field,
/// `form_error.values` the typed values by field name; passwords are never echoed).
#[derive(Debug, Default, Clone, Serialize)]
pub struct FormError {
    /// Which form on the page, e.g. `new`, `channel-3`, `user-5`.
    pub form: String,
    /// The field at fault (its `name`).
    pub field: String,
    /// What is wrong, in Chinese.
    pub message: String,
    /// What was typed, by field name.
    pub values: std::collections::BTreeMap<String, String>,
}

impl FormError {
    /// A refusal of `form`'s `field`, keeping `values`.
    pub fn new(
        form: &str,
        field: &str,
        message: impl Into<String>,
        values: &[(&str, &str)],
    ) -> Self {
        Self {
            form: form.into(),
            field: field.into(),
            message: message.into(),
            values: values
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }
}

/// 推荐 / 置顶 / 头条.
pub fn flag_label(flag: ArticleFlag) -> &'static str {
    match flag {
        ArticleFlag::Featured => "推荐",
        ArticleFlag::Pinned => "置顶",
        ArticleFlag::Headline => "头条",
    }
}

/// A column header of the list: its label, the URL that sorts by it (the other way round when it
/// is the current order), and the current direction for `aria-sort`.
#[derive(Debug, Serialize)]
pub struct SortLink {
    label: &'static str,
    url: String,
    /// `ascending` / `descending` on the current column, else empty.
    current: &'static str,
}

fn column_label(c: SortColumn) -> &'static str {
    match c {
        SortColumn::Title => "标题",
        SortColumn::Author => "作者",
        SortColumn::Channel => "栏目",
        SortColumn::Status => "状态",
        SortColumn::Published => "发布时间",
        SortColumn::Updated => "更新时间",
        SortColumn::Views => "浏览量",
    }
}

/// The headers for a list at `list_url` (its filters, its `sort` among them) sorted by `sort`.
pub fn sort_links(list_url: &str, _given: Option<&str>, sort: ArticleSort) -> Vec<SortLink> {
    // The list's URL without its sort, so each header sets its own.
    let (path, query) = list_url.split_once('?').unwrap_or((list_url, ""));
    let kept: Vec<(String, String)> = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "sort")
        .collect();
    SortColumn::ALL
        .into_iter()
        .map(|column| {
            let is_current = sort.column == column;
            // Text sorts A→Z first; times and counts newest / largest first.
            let natural_ascending = matches!(
                column,
                SortColumn::Title | SortColumn::Author | SortColumn::Channel | SortColumn::Status
            );
            let next = ArticleSort {
                column,
                ascending: if is_current {
                    !sort.ascending
                } else {
                    natural_ascending
                },
            };
            let mut pairs = kept.clone();
            pairs.push(("sort".into(), desk::sort_param(next)));
            let url = match serde_urlencoded::to_string(&pairs) {
                Ok(q) => format!("{path}?{q}"),
                Err(_) => path.to_string(),
            };
            SortLink {
                label: column_label(column),
                url,
                current: match (is_current, sort.ascending) {
                    (false, _) => "",
                    (true, true) => "ascending",
                    (true, false) => "descending",
                },
            }
        })
        .collect()
}

/// `POST /admin/articles/bulk`: `id` once per ticked article, `action` (publish, withdraw, move,
/// tag, trash), `channel` or `tag` for those that need one, `back` the list's URL to return to.
pub async fn bulk_articles(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    // Only ever back to the list (never an address someone else put in the form).
    let back = Some(value("back"))
        .filter(|b| b == "/admin/articles" || b.starts_with("/admin/articles?"))
        .unwrap_or_else(|| "/admin/articles".into());
    let query: ListQuery = back
        .split_once('?')
        .and_then(|(_, q)| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let refuse = |message: String| async {
        list_page(
            &state,
            &user,
            &query,
            StatusCode::BAD_REQUEST,
            Some(message),
        )
        .await
    };
    let mut ids = Vec::new();
    for (k, v) in &pairs {
        if k == "id" {
            match v.trim().parse::<i64>() {
                Ok(id) if !ids.contains(&id) => ids.push(id),
                Ok(_) => {}
                Err(_) => return refuse(format!("文章编号 {v:?} 无效")).await,
            }
        }
    }
    let action = match value("action").as_str() {
        "publish" => BulkAction::Publish,
        "withdraw" => BulkAction::Withdraw,
        "trash" => BulkAction::Trash,
        "move" => match value("channel") {
            c if c.is_empty() => return refuse("请选择要移到的栏目".into()).await,
            c => BulkAction::Move(c),
        },
        "tag" => BulkAction::Tag(value("tag")),
        "" => return refuse("请选择批量操作".into()).await,
        other => return refuse(format!("未知的批量操作 {other:?}")).await,
    };
    match desk::bulk(state.newsroom_articles()?, &user.user, &ids, &action).await {
        Ok(report) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            let notice = if report.skipped.is_empty() {
                "bulk_done"
            } else {
                "bulk_partly"
            };
            Ok(see_other(&format!("{back}{sep}notice={notice}")))
        }
        Err(NewsroomError::Invalid(m)) => refuse(m).await,
        Err(e) => Err(e.into()),
    }
}

/// The per-account defaults form.
#[derive(Debug, serde::Deserialize)]
pub struct DefaultsForm {
    #[serde(default)]
    default_author: String,
    #[serde(default)]
    default_source: String,
}

/// Checks a default 作者 / 来源 pair; the message names the field.
pub fn checked_defaults(author: &str, source: &str) -> Result<UserDefaults, (String, String)> {
    let (author, source) = (author.trim(), source.trim());
    if author.chars().count() > MAX_AUTHOR_CHARS {
        return Err((
            "default_author".into(),
            format!("默认作者太长：最多 {MAX_AUTHOR_CHARS} 个字符"),
        ));
    }
    if source.chars().count() > MAX_SOURCE_CHARS {
        return Err((
            "default_source".into(),
            format!("默认来源太长：最多 {MAX_SOURCE_CHARS} 个字符"),
        ));
    }
    Ok(UserDefaults {
        author: author.into(),
        source: source.into(),
    })
}

/// `POST /admin/users/{id}/defaults` (admins): an account's default 作者 / 来源.
pub async fn save_user_defaults(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<DefaultsForm>,
) -> Result<Response, AppError> {
    match checked_defaults(&form.default_author, &form.default_source) {
        Ok(defaults) => {
            state.store.set_user_defaults(id, &defaults).await?;
            Ok(see_other("/admin/users?notice=saved"))
        }
        Err((field, message)) => {
            let error = FormError::new(
                &format!("user-{id}"),
                &field,
                message,
                &[
                    ("default_author", &form.default_author),
                    ("default_source", &form.default_source),
                ],
            );
            super::users::users_page_with(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, error)
                .await
        }
    }
}
