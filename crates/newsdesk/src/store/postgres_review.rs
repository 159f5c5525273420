//! PostgreSQL implementation of [`RevisionStore`]. A child module of `postgres`.

use async_trait::async_trait;
use chrono::Utc;
use tracing::instrument;

use super::{PgStore, db_time, other};
use crate::domain::{NewRevision, ReviewItem, ReviewState, Revision};
use crate::store::review::{
    REVIEW_QUEUE_SQL, REVISION_COLUMNS, ReviewRow, ReviewStateRow, RevisionRow, RevisionStore,
};
use crate::store::{STALE, StoreError, StoreResult};

/// Appends a revision on `conn` (inside the caller's write transaction).
async fn insert_revision(
    conn: &mut sqlx::PgConnection,
    article_id: i64,
    r: &NewRevision<'_>,
) -> StoreResult<Revision> {
    // Numbers are max + 1 per article: lock the article so two saves cannot take the same one.
    sqlx::query("SELECT 1 FROM articles WHERE id = $1 FOR UPDATE")
        .bind(article_id)
        .execute(&mut *conn)
        .await
        .map_err(other)?;
    let row: RevisionRow = sqlx::query_as(&format!(
        "INSERT INTO article_revisions (article_id, number, created_at, user_id, user_name, \
         title, summary, body_format, body_source, kind, note, fields) \
         VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM article_revisions \
         WHERE article_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING {REVISION_COLUMNS}"
    ))
    .bind(article_id)
    .bind(db_time(Utc::now()))
    .bind(r.user.map(|u| u.id))
    .bind(r.user.map_or("系统", |u| u.name.as_str()))
    .bind(r.title)
    .bind(r.summary)
    .bind(r.body_format.as_str())
    .bind(r.body_source)
    .bind(r.kind.as_str())
    .bind(&r.note)
    .bind(&r.fields)
    .fetch_one(&mut *conn)
    .await
    .map_err(other)?;
    row.try_into()
}

#[async_trait]
impl RevisionStore for PgStore {
    #[instrument(skip_all, fields(article.id = article_id))]
    async fn add_revision(&self, article_id: i64, r: &NewRevision<'_>) -> StoreResult<Revision> {
        let mut tx = self.write_tx().await?;
        let rev = insert_revision(&mut tx, article_id, r).await?;
        tx.commit().await.map_err(other)?;
        Ok(rev)
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn stage_revision(
        &self,
        article_id: i64,
        expected_version: i64,
        r: &NewRevision<'_>,
    ) -> StoreResult<(Revision, i64)> {
        let mut tx = self.write_tx().await?;
        let current: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM articles WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
        )
        .bind(article_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        match current {
            None => return Err(StoreError::NotFound),
            Some(v) if v != expected_version => {
                return Err(StoreError::Conflict {
                    what: format!("{STALE}: article {article_id} is now at version {v}"),
                });
            }
            Some(_) => {}
        }
        let rev = insert_revision(&mut tx, article_id, r).await?;
        let version: i64 = sqlx::query_scalar(
            "UPDATE articles SET pending_revision_id = $1, version = version + 1 WHERE id = $2 \
             RETURNING version",
        )
        .bind(rev.id)
        .bind(article_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(other)?;
        tx.commit().await.map_err(other)?;
        Ok((rev, version))
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn list_revisions(&self, article_id: i64) -> StoreResult<Vec<Revision>> {
        let rows: Vec<RevisionRow> = sqlx::query_as(&format!(
            "SELECT {REVISION_COLUMNS} FROM article_revisions WHERE article_id = $1 \
             ORDER BY number DESC"
        ))
        .bind(article_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(Revision::try_from).collect()
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn revision(&self, article_id: i64, number: i64) -> StoreResult<Revision> {
        let row: RevisionRow = sqlx::query_as(&format!(
            "SELECT {REVISION_COLUMNS} FROM article_revisions WHERE article_id = $1 AND number = $2"
        ))
        .bind(article_id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?
        .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    #[instrument(skip_all)]
    async fn revision_by_id(&self, id: i64) -> StoreResult<Revision> {
        let row: RevisionRow = sqlx::query_as(&format!(
            "SELECT {REVISION_COLUMNS} FROM article_revisions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?
        .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn review_state(&self, article_id: i64) -> StoreResult<ReviewState> {
        let row: ReviewStateRow = sqlx::query_as(
            "SELECT pending_revision_id, review_comment FROM articles WHERE id = $1",
        )
        .bind(article_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?
        .ok_or(StoreError::NotFound)?;
        Ok(ReviewState {
            pending_revision_id: row.pending_revision_id,
            review_comment: row.review_comment,
        })
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn clear_pending_revision(&self, article_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE articles SET pending_revision_id = NULL WHERE id = $1")
            .bind(article_id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn set_review_comment(&self, article_id: i64, comment: &str) -> StoreResult<()> {
        sqlx::query("UPDATE articles SET review_comment = $1 WHERE id = $2")
            .bind(comment)
            .bind(article_id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn review_queue(&self) -> StoreResult<Vec<ReviewItem>> {
        let rows: Vec<ReviewRow> = sqlx::query_as(REVIEW_QUEUE_SQL)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.into_iter().map(ReviewItem::try_from).collect()
    }
}
