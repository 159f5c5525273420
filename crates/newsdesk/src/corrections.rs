//! Editors in control of the policy intelligence: an article's derived rows are its extraction
//! with the editors' corrections applied (**derived = extraction ∘ corrections**), computed by the
//! content layer every time it extracts — save, import, re-extraction, a changed correction — so a
//! correction survives any number of re-extractions by construction. Pure: no I/O, no async.
//!
//! A hide or correct names the extracted target it applies to by clause, value and unit as read
//! from the text ([`TargetMatch`]), which stays true when other text moves; a correction whose
//! clause is no longer read from the text stays stored and comes back in
//! [`Derivation::unmatched`] (the admin lists it as 原文已无此句) instead of being dropped.

use policy::{Comparator, Kind};

use crate::domain::{
    ArticleCorrections, CorrectionAction, Panel, PolicyDocument, TargetCorrection, TargetFields,
    TargetMatch,
};
use crate::targets::{self, Extracted, Extraction, Record};

/// Where a derived row's values come from: the `origin` column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Origin {
    /// Read from the text as it is.
    #[default]
    Extracted,
    /// Read from the text, then corrected by an editor.
    Corrected,
    /// Added by an editor.
    Added,
}

impl Origin {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Extracted => "extracted",
            Self::Corrected => "corrected",
            Self::Added => "added",
        }
    }
}

/// What the corrections did to one derived row, for the admin's list.
#[derive(Debug, Clone, Default)]
pub struct RowSource {
    /// The extracted target this row is (`None`: added by an editor).
    pub extracted: Option<TargetMatch>,
    /// The hide correction applied.
    pub hide: Option<i64>,
    /// The correct correction applied.
    pub correct: Option<i64>,
    /// The add correction that made the row.
    pub add: Option<i64>,
    /// Whether its clause was found in the text (an added target may be anchored nowhere).
    pub anchored: bool,
}

/// An article's derived rows with what the corrections did.
#[derive(Debug, Clone, Default)]
pub struct Derivation {
    /// What the store writes: the document as corrected, the figures in text order with
    /// `hidden` and `origin` set (added targets whose clause is not in the text last).
    pub extraction: Extraction,
    /// The document as read from the text, before corrections.
    pub extracted_document: PolicyDocument,
    /// One per figure of `extraction`, in the same order.
    pub sources: Vec<RowSource>,
    /// Corrections whose target is no longer read from the text (原文已无此句).
    pub unmatched: Vec<TargetCorrection>,
    /// The panel setting.
    pub panel: Panel,
}

/// Whether the article page of a document of `kind` shows its 量化目标 under `panel`. A kind not
/// known (an article not read since document types were) counts as a policy document, as before.
pub fn panel_shows(panel: Panel, kind: Option<&str>) -> bool {
    let is_policy = kind
        .and_then(policy::DocKind::parse)
        .is_none_or(policy::DocKind::is_policy);
    panel.shows(is_policy)
}

/// The schema's comparator of a name ([`targets::comparator_name`]).
pub fn parse_comparator(name: &str) -> Option<Comparator> {
    [
        Comparator::Gt,
        Comparator::Ge,
        Comparator::Approx,
        Comparator::Le,
        Comparator::Range,
        Comparator::Eq,
    ]
    .into_iter()
    .find(|c| targets::comparator_name(*c) == name)
}

/// The schema's kind of a name ([`targets::kind_name`]).
pub fn parse_kind(name: &str) -> Option<Kind> {
    [Kind::Growth, Kind::Increment, Kind::Level, Kind::Share]
        .into_iter()
        .find(|k| targets::kind_name(*k) == name)
}

/// The match key of an extracted figure.
pub fn match_of(figure: &Extracted) -> TargetMatch {
    TargetMatch {
        text: figure.target.text.clone(),
        value: figure.target.value,
        unit: figure.target.unit.clone(),
    }
}

fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn matches(m: &TargetMatch, key: &TargetMatch) -> bool {
    m.text.trim() == key.text.trim() && same_value(m.value, key.value) && m.unit == key.unit
}

/// Puts an editor's values on a figure (values, not its place in the text).
fn put_fields(figure: &mut Extracted, f: &TargetFields) {
    let t = &mut figure.target;
    t.text = f.text.clone();
    t.indicator = f.indicator.clone();
    t.value = f.value;
    t.value_max = f.value_max;
    t.unit = f.unit.clone();
    if let Some(c) = parse_comparator(&f.comparator) {
        t.comparator = c;
    }
    if let Some(k) = parse_kind(&f.kind) {
        t.kind = k;
    }
    t.aspirational = f.aspirational;
    t.year = f.year.and_then(|y| u16::try_from(y).ok());
    if f.year.is_some() {
        figure.year = f.year;
    }
    figure.indicator_key = policy::indicator_key(&f.indicator);
    let (value_base, unit_base) = targets::normalize(f.value, &f.unit);
    figure.value_base = value_base;
    figure.unit_base = unit_base;
}

/// The char offset of `needle` in `text`, if it occurs.
fn char_offset(text: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    text.find(needle).map(|b| text[..b].chars().count())
}

/// A target added by an editor, anchored where its clause occurs in `text`.
fn added(f: &TargetFields, text: &str, document: &PolicyDocument) -> (Extracted, bool) {
    // The sector as the extractor would place the clause; 综合 when it reads nothing there.
    let sector = policy::extract(&f.text)
        .first()
        .map_or(policy::Sector::General, |t| t.sector);
    let start = char_offset(text, f.text.trim());
    let len = f.text.trim().chars().count();
    let target = policy::Target {
        start: start.unwrap_or(usize::MAX),
        end: start.map_or(usize::MAX, |s| s + len),
        text: f.text.clone(),
        indicator: f.indicator.clone(),
        value: f.value,
        value_max: f.value_max,
        unit: f.unit.clone(),
        comparator: parse_comparator(&f.comparator).unwrap_or(Comparator::Eq),
        kind: parse_kind(&f.kind).unwrap_or(Kind::Level),
        aspirational: f.aspirational,
        sector,
        year: None,
    };
    let (value_base, unit_base) = targets::normalize(f.value, &f.unit);
    let figure = Extracted {
        indicator_key: policy::indicator_key(&f.indicator),
        record: Record::Target,
        region: document.region.clone(),
        year: f.year.or(document.year),
        value_base,
        unit_base,
        hidden: false,
        origin: Origin::Added,
        target: policy::Target {
            year: f.year.and_then(|y| u16::try_from(y).ok()),
            ..target
        },
    };
    (figure, start.is_some())
}

/// Applies `corrections` to `extraction`, the figures read from the article's plain `text`.
pub fn apply(extraction: Extraction, text: &str, corrections: &ArticleCorrections) -> Derivation {
    let Extraction {
        document: extracted_document,
        figures,
    } = extraction;
    let mut document = extracted_document.clone();
    let d = &corrections.document;
    if let Some(kind) = &d.kind {
        document.kind = kind.clone();
    }
    if let Some(issuer) = &d.issuer {
        document.issuer = Some(issuer.clone());
    }
    if let Some(region) = &d.region {
        document.region = Some(region.clone());
    }
    if let Some(year) = d.year {
        document.year = Some(year);
    }
    let mut rows: Vec<(Extracted, RowSource)> = figures
        .into_iter()
        .map(|mut figure| {
            if d.region.is_some() {
                figure.region = document.region.clone();
            }
            // Figures without a year of their own have the document's.
            if d.year.is_some() && figure.target.year.is_none() {
                figure.year = document.year;
            }
            let source = RowSource {
                extracted: Some(match_of(&figure)),
                anchored: true,
                ..RowSource::default()
            };
            (figure, source)
        })
        .collect();
    let mut unmatched = Vec::new();
    for c in &corrections.targets {
        match (c.action, &c.target, &c.fields) {
            (CorrectionAction::Hide | CorrectionAction::Correct, Some(m), fields) => {
                let mut hit = false;
                for (figure, source) in &mut rows {
                    if !source.extracted.as_ref().is_some_and(|key| matches(m, key)) {
                        continue;
                    }
                    hit = true;
                    if c.action == CorrectionAction::Hide {
                        figure.hidden = true;
                        source.hide = Some(c.id);
                    } else if let Some(f) = fields {
                        put_fields(figure, f);
                        figure.origin = Origin::Corrected;
                        source.correct = Some(c.id);
                    }
                }
                if !hit {
                    unmatched.push(c.clone());
                }
            }
            (CorrectionAction::Add, _, Some(f)) => {
                let (figure, anchored) = added(f, text, &document);
                rows.push((
                    figure,
                    RowSource {
                        add: Some(c.id),
                        anchored,
                        ..RowSource::default()
                    },
                ));
            }
            // A row that says too little to apply (never written by this code) is shown, not
            // applied, so an editor can delete it.
            _ => unmatched.push(c.clone()),
        }
    }
    // Text order, so positions (the page's #target-N) follow the text; unanchored rows last.
    rows.sort_by_key(|(f, _)| (f.target.start, f.target.end));
    let (figures, sources) = rows.into_iter().unzip();
    Derivation {
        extraction: Extraction { document, figures },
        extracted_document,
        sources,
        unmatched,
        panel: d.panel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DocumentCorrection;
    use chrono::Utc;

    const TEXT: &str = "到2025年，力争新能源汽车产量突破120万辆，新增百亿企业5家左右。";

    fn extraction() -> Extraction {
        let html = format!("<p>{TEXT}</p>");
        targets::extract(&html, &policy::Meta::default())
    }

    fn correction(id: i64, action: CorrectionAction, f: &Extracted) -> TargetCorrection {
        TargetCorrection {
            id,
            article_id: 1,
            action,
            target: Some(match_of(f)),
            fields: None,
            user_name: "编辑".into(),
            at: Utc::now(),
        }
    }

    fn fields(text: &str, indicator: &str, value: f64) -> TargetFields {
        TargetFields {
            text: text.into(),
            indicator: indicator.into(),
            value,
            value_max: None,
            unit: "家".into(),
            comparator: "approx".into(),
            kind: "increment".into(),
            aspirational: false,
            year: Some(2026),
        }
    }

    #[test]
    fn hide_correct_and_add_apply_and_follow_moved_text() {
        let ex = extraction();
        let first = ex.targets().next().unwrap().clone();
        let second = ex.targets().nth(1).unwrap().clone();
        let mut correct = correction(2, CorrectionAction::Correct, &second);
        correct.fields = Some(fields(&second.target.text, "百亿级企业", 6.0));
        let add = TargetCorrection {
            target: None,
            fields: Some(fields("新增百亿企业5家左右", "新增企业", 5.0)),
            ..correction(3, CorrectionAction::Add, &second)
        };
        let gone = TargetCorrection {
            target: Some(TargetMatch {
                text: "一句已删掉的话".into(),
                value: 1.0,
                unit: "个".into(),
            }),
            ..correction(4, CorrectionAction::Hide, &second)
        };
        let corrections = ArticleCorrections {
            document: DocumentCorrection {
                kind: Some("news".into()),
                region: Some("合肥市".into()),
                ..DocumentCorrection::default()
            },
            targets: vec![
                correction(1, CorrectionAction::Hide, &first),
                correct,
                add,
                gone,
            ],
        };
        // The clause moved: new text before it changes every offset, not the match.
        let moved = format!("<p>前言一段。</p><p>{TEXT}</p>");
        let text = targets::plain_text(&moved);
        let d = apply(
            targets::extract(&moved, &policy::Meta::default()),
            &text,
            &corrections,
        );
        assert_eq!(d.extraction.document.kind, "news");
        assert_eq!(d.extraction.document.region.as_deref(), Some("合肥市"));
        let hidden: Vec<_> = d
            .extraction
            .figures
            .iter()
            .filter(|f| f.hidden)
            .map(|f| f.target.text.as_str())
            .collect();
        assert_eq!(hidden, vec![first.target.text.as_str()]);
        let corrected = d
            .extraction
            .figures
            .iter()
            .find(|f| f.origin == Origin::Corrected)
            .unwrap();
        assert_eq!(corrected.target.indicator, "百亿级企业");
        assert_eq!(corrected.target.value, 6.0);
        assert_eq!(corrected.year, Some(2026));
        let added = d
            .extraction
            .figures
            .iter()
            .position(|f| f.origin == Origin::Added)
            .unwrap();
        assert!(d.sources[added].anchored);
        assert!(d.extraction.figures[added].target.start > 5);
        assert!(
            d.extraction
                .figures
                .iter()
                .all(|f| f.region.as_deref() == Some("合肥市"))
        );
        assert_eq!(
            d.unmatched.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![4]
        );
    }

    #[test]
    fn an_added_target_whose_clause_is_absent_is_kept_unanchored_last() {
        let add = TargetCorrection {
            id: 1,
            article_id: 1,
            action: CorrectionAction::Add,
            target: None,
            fields: Some(fields("文中没有这句", "企业", 3.0)),
            user_name: "编辑".into(),
            at: Utc::now(),
        };
        let d = apply(
            extraction(),
            TEXT,
            &ArticleCorrections {
                targets: vec![add],
                ..ArticleCorrections::default()
            },
        );
        let last = d.extraction.figures.last().unwrap();
        assert_eq!(last.origin, Origin::Added);
        assert!(!d.sources.last().unwrap().anchored);
    }

    #[test]
    fn the_panel_follows_the_kind_unless_set() {
        assert!(panel_shows(Panel::Auto, Some("plan")));
        assert!(!panel_shows(Panel::Auto, Some("news")));
        assert!(panel_shows(Panel::On, Some("news")));
        assert!(!panel_shows(Panel::Off, Some("plan")));
        assert!(panel_shows(Panel::Auto, None));
    }
}
