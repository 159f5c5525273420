//! Editors' corrections of what was read from a document (量化目标 and the document's facts),
//! kept apart from the derived rows: the content layer applies them every time it extracts, so they
//! survive any number of re-extractions (`crate::corrections`).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a target correction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionAction {
    /// Hides an extracted target everywhere public.
    Hide,
    /// Replaces an extracted target's values with the editor's.
    Correct,
    /// A target the extraction missed, added by the editor.
    Add,
}

impl CorrectionAction {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hide => "hide",
            Self::Correct => "correct",
            Self::Add => "add",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hide" => Some(Self::Hide),
            "correct" => Some(Self::Correct),
            "add" => Some(Self::Add),
            _ => None,
        }
    }
}

/// Which extracted target a correction applies to: its clause, value and unit as read from the
/// text. Stable when other text moves (positions are not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetMatch {
    /// The clause stating it.
    pub text: String,
    /// The value as extracted.
    pub value: f64,
    /// The unit as extracted.
    pub unit: String,
}

/// An editor's values of a target (a correction or an added target).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TargetFields {
    /// The clause (原文).
    pub text: String,
    /// What is measured.
    pub indicator: String,
    /// The number as written.
    pub value: f64,
    /// Upper bound of a range.
    pub value_max: Option<f64>,
    /// Unit with magnitude.
    pub unit: String,
    /// `gt`, `ge`, `approx`, `le`, `range` or `eq`.
    pub comparator: String,
    /// `growth`, `increment`, `level` or `share`.
    pub kind: String,
    /// Hedged by 力争, 争取…
    pub aspirational: bool,
    /// The year the target is for.
    pub year: Option<i64>,
}

/// A stored target correction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetCorrection {
    /// Store id.
    pub id: i64,
    /// The article it belongs to.
    pub article_id: i64,
    /// What it does.
    pub action: CorrectionAction,
    /// The extracted target it applies to (hide, correct); `None` for an added target.
    pub target: Option<TargetMatch>,
    /// The editor's values (correct, add); `None` for hide.
    pub fields: Option<TargetFields>,
    /// Who made it.
    pub user_name: String,
    /// When, UTC.
    pub at: DateTime<Utc>,
}

/// A new target correction.
#[derive(Debug, Clone)]
pub struct NewTargetCorrection {
    /// What it does.
    pub action: CorrectionAction,
    /// The extracted target it applies to (hide, correct).
    pub target: Option<TargetMatch>,
    /// The editor's values (correct, add).
    pub fields: Option<TargetFields>,
}

/// Whether an article page shows its 量化目标 panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Panel {
    /// Only when the document is a policy document (not news).
    #[default]
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

impl Panel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::On => "on",
            Self::Off => "off",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Self::Auto),
            "on" => Some(Self::On),
            "off" => Some(Self::Off),
            _ => None,
        }
    }

    /// Whether the panel shows for a document that is (or is not) a policy document.
    pub fn shows(self, is_policy: bool) -> bool {
        match self {
            Self::Auto => is_policy,
            Self::On => true,
            Self::Off => false,
        }
    }
}

/// An editor's corrections of what a document is; `None` keeps what was extracted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DocumentCorrection {
    /// Document type (`policy::DocKind::as_str`).
    pub kind: Option<String>,
    /// Who issued it.
    pub issuer: Option<String>,
    /// The region it is about.
    pub region: Option<String>,
    /// The year it is for.
    pub year: Option<i64>,
    /// Whether the article page shows the panel.
    pub panel: Panel,
}

/// The corrections of one article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleCorrections {
    /// Of the document.
    pub document: DocumentCorrection,
    /// Of its targets, oldest first.
    pub targets: Vec<TargetCorrection>,
}
