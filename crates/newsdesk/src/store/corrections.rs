//! Editors' corrections of the policy intelligence (`target_corrections`, `document_corrections`):
//! a supertrait of [`super::Store`], its row types read by both backends, and their conversion.
//! The store only keeps them; the content layer applies them (`crate::corrections`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{StoreError, StoreResult};
use crate::domain::{
    ArticleCorrections, CorrectionAction, DocumentCorrection, NewTargetCorrection, Panel,
    TargetCorrection, TargetFields, TargetMatch, User,
};
use crate::targets::Extraction;

/// The corrections' operations.
#[async_trait]
pub trait CorrectionStore: Send + Sync {
    /// Everything editors corrected of article `article_id` (nothing: the defaults).
    async fn article_corrections(&self, article_id: i64) -> StoreResult<ArticleCorrections>;
    /// Stores a target correction made by `user`; a hide or correct of a target that already has
    /// one of the same action replaces it. Returns its id.
    async fn add_target_correction(
        &self,
        article_id: i64,
        correction: &NewTargetCorrection,
        user: &User,
    ) -> StoreResult<i64>;
    /// Deletes target correction `id` of article `article_id` (`NotFound` if it has none such)
    /// and returns what it was.
    async fn delete_target_correction(
        &self,
        article_id: i64,
        id: i64,
    ) -> StoreResult<TargetCorrection>;
    /// Replaces the article's document correction.
    async fn save_document_correction(
        &self,
        article_id: i64,
        correction: &DocumentCorrection,
        user: &User,
    ) -> StoreResult<()>;
    /// `(import key, article id)` of the articles imported under these keys that editors
    /// corrected anything of: an import that updates one applies those corrections to what it
    /// extracts. One query for a whole chunk of pages.
    async fn corrected_imports(&self, import_keys: &[&str]) -> StoreResult<Vec<(String, i64)>>;
    /// Replaces article `id`'s derived rows (document facts, targets, results) with `found`,
    /// computed by the content layer from its text and the corrections `applied`, and marks
    /// cached pages out of date for every process and node. `NotFound` if the article is gone;
    /// a `Conflict` starting with [`CORRECTIONS_CHANGED`] if its corrections are no longer
    /// `applied` (another editor's change committed meanwhile: derive again), so the last write
    /// always holds every correction.
    async fn replace_derived(
        &self,
        article_id: i64,
        found: &Extraction,
        applied: &ArticleCorrections,
    ) -> StoreResult<()>;
    /// Ids of articles in any state (drafts, trash) above `after_id`, by id, at most `limit`:
    /// what a re-extraction of every article walks.
    async fn article_ids(&self, after_id: i64, limit: u32) -> StoreResult<Vec<i64>>;
}

/// The articles with an import key and corrections: `import_key` is the one bind.
pub(super) const CORRECTED_IMPORTS: &str = "SELECT a.import_key, a.id FROM articles a WHERE {} \
    AND (EXISTS (SELECT 1 FROM target_corrections c WHERE c.article_id = a.id) \
    OR EXISTS (SELECT 1 FROM document_corrections d WHERE d.article_id = a.id))";

/// Start of the `what` of the `Conflict` of a derivation from corrections that changed since.
pub const CORRECTIONS_CHANGED: &str = "corrections changed";

/// The columns of [`TargetCorrectionRow`].
pub(super) const TARGET_CORRECTION_COLUMNS: &str = "id, article_id, action, match_text, \
    match_value, match_unit, text, indicator, value, value_max, unit, comparator, kind, \
    aspirational, year, user_name, at";

#[derive(FromRow)]
pub(super) struct TargetCorrectionRow {
    pub(super) id: i64,
    pub(super) article_id: i64,
    pub(super) action: String,
    pub(super) match_text: Option<String>,
    pub(super) match_value: Option<f64>,
    pub(super) match_unit: Option<String>,
    pub(super) text: Option<String>,
    pub(super) indicator: Option<String>,
    pub(super) value: Option<f64>,
    pub(super) value_max: Option<f64>,
    pub(super) unit: Option<String>,
    pub(super) comparator: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) aspirational: Option<bool>,
    pub(super) year: Option<i64>,
    pub(super) user_name: String,
    pub(super) at: DateTime<Utc>,
}

impl TryFrom<TargetCorrectionRow> for TargetCorrection {
    type Error = StoreError;
    fn try_from(r: TargetCorrectionRow) -> StoreResult<Self> {
        let action = CorrectionAction::parse(&r.action).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!(
                "target correction {}: unknown action {:?}",
                r.id,
                r.action
            ))
        })?;
        let target = match (r.match_text, r.match_value, r.match_unit) {
            (Some(text), Some(value), Some(unit)) => Some(TargetMatch { text, value, unit }),
            _ => None,
        };
        let fields = match (r.text, r.indicator, r.value, r.unit, r.comparator, r.kind) {
            (
                Some(text),
                Some(indicator),
                Some(value),
                Some(unit),
                Some(comparator),
                Some(kind),
            ) => Some(TargetFields {
                text,
                indicator,
                value,
                value_max: r.value_max,
                unit,
                comparator,
                kind,
                aspirational: r.aspirational.unwrap_or(false),
                year: r.year,
            }),
            _ => None,
        };
        Ok(Self {
            id: r.id,
            article_id: r.article_id,
            action,
            target,
            fields,
            user_name: r.user_name,
            at: r.at,
        })
    }
}

#[derive(FromRow)]
pub(super) struct DocumentCorrectionRow {
    pub(super) kind: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) region: Option<String>,
    pub(super) year: Option<i64>,
    pub(super) panel: String,
}

impl From<DocumentCorrectionRow> for DocumentCorrection {
    fn from(r: DocumentCorrectionRow) -> Self {
        Self {
            kind: r.kind,
            issuer: r.issuer,
            region: r.region,
            year: r.year,
            panel: Panel::parse(&r.panel).unwrap_or_default(),
        }
    }
}
