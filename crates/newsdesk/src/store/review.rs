//! The review part of the store: article revisions (修订版本), a published article's staged edit
//! (`articles.pending_revision_id`), the reviewer's comment and the review queue. A supertrait of
//! [`super::Store`]; kept apart so the newsroom trait stays about editing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{StoreError, StoreResult};
use crate::domain::{BodyFormat, ReviewItem, ReviewState, Revision, RevisionKind};

/// Revisions and review state.
#[async_trait]
pub trait RevisionStore: Send + Sync {
    /// Appends a revision of `article_id`, numbered one past its last; returns it.
    async fn add_revision(
        &self,
        article_id: i64,
        revision: &crate::domain::NewRevision<'_>,
    ) -> StoreResult<Revision>;
    /// Stages `revision` as the pending edit of a published article still at
    /// `expected_version` (`Conflict` starting with [`super::STALE`] otherwise): in one
    /// transaction, appends it, points `pending_revision_id` at it and bumps the version, so a
    /// second editor working from the old version is refused. Returns it and the new version.
    async fn stage_revision(
        &self,
        article_id: i64,
        expected_version: i64,
        revision: &crate::domain::NewRevision<'_>,
    ) -> StoreResult<(Revision, i64)>;
    /// An article's revisions, newest first.
    async fn list_revisions(&self, article_id: i64) -> StoreResult<Vec<Revision>>;
    /// One revision of an article by its number.
    async fn revision(&self, article_id: i64, number: i64) -> StoreResult<Revision>;
    /// One revision by id.
    async fn revision_by_id(&self, id: i64) -> StoreResult<Revision>;
    /// The staged edit and the reviewer's comment of an article.
    async fn review_state(&self, article_id: i64) -> StoreResult<ReviewState>;
    /// Forgets the staged edit (published or dropped); its revision stays in the history.
    async fn clear_pending_revision(&self, article_id: i64) -> StoreResult<()>;
    /// Sets (or, with "", clears) the reviewer's comment.
    async fn set_review_comment(&self, article_id: i64, comment: &str) -> StoreResult<()>;
    /// Articles waiting for a reviewer: submitted (待审) or published with a staged edit, oldest
    /// change first.
    async fn review_queue(&self) -> StoreResult<Vec<ReviewItem>>;
}

pub(super) const REVISION_COLUMNS: &str = "id, article_id, number, created_at, user_name, title, \
     summary, body_format, body_source, kind, note, fields";

#[derive(FromRow)]
pub(super) struct RevisionRow {
    id: i64,
    article_id: i64,
    number: i64,
    created_at: DateTime<Utc>,
    user_name: String,
    title: String,
    summary: String,
    body_format: String,
    body_source: String,
    kind: String,
    note: String,
    fields: String,
}

impl TryFrom<RevisionRow> for Revision {
    type Error = StoreError;

    fn try_from(r: RevisionRow) -> StoreResult<Self> {
        let body_format = BodyFormat::parse(&r.body_format).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!(
                "revision {}: unknown body format {:?}",
                r.id,
                r.body_format
            ))
        })?;
        Ok(Self {
            id: r.id,
            article_id: r.article_id,
            number: r.number,
            created_at: r.created_at,
            user_name: r.user_name,
            title: r.title,
            summary: r.summary,
            body_format,
            body_source: r.body_source,
            kind: RevisionKind::parse(&r.kind),
            note: r.note,
            fields: r.fields,
        })
    }
}

#[derive(FromRow)]
pub(super) struct ReviewRow {
    id: i64,
    title: String,
    author: Option<String>,
    channel_name: String,
    status: String,
    updated_at: DateTime<Utc>,
    staged: bool,
}

impl TryFrom<ReviewRow> for ReviewItem {
    type Error = StoreError;

    fn try_from(r: ReviewRow) -> StoreResult<Self> {
        let status = crate::domain::ArticleStatus::parse(&r.status).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("article {}: unknown status", r.id))
        })?;
        Ok(Self {
            id: r.id,
            title: r.title,
            author: r.author,
            channel_name: r.channel_name,
            status,
            updated_at: r.updated_at,
            staged: r.staged,
        })
    }
}

#[derive(FromRow)]
pub(super) struct ReviewStateRow {
    pub(super) pending_revision_id: Option<i64>,
    pub(super) review_comment: String,
}

pub(super) const REVIEW_QUEUE_SQL: &str = "SELECT a.id, a.title, a.author, c.name AS channel_name, \
     a.status, a.updated_at, (a.pending_revision_id IS NOT NULL) AS staged \
     FROM articles a JOIN channels c ON c.id = a.channel_id \
     WHERE a.deleted_at IS NULL \
       AND (a.status = 'pending' OR (a.status = 'published' AND a.pending_revision_id IS NOT NULL)) \
     ORDER BY a.updated_at, a.id LIMIT 500";
