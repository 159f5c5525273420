//! SQLite implementation of [`PushStore`]. A child module of `sqlite`. One writer at a time, so
//! a claim (one UPDATE … RETURNING) is never shared between processes on the same file.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SqliteStore, db_time, other};
use crate::store::StoreResult;
use crate::store::push::{PushItem, PushStore};

#[async_trait]
impl PushStore for SqliteStore {
    async fn claim_push(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PushItem>> {
        let mut tx = self.write_tx().await?;
        // Rows of articles no longer public have nothing to push.
        sqlx::query(
            "DELETE FROM site_push_queue WHERE article_id NOT IN (SELECT id FROM articles \
             WHERE status = 'published' AND deleted_at IS NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        let items: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "UPDATE site_push_queue SET claimed_until = ?, attempts = attempts + 1 \
             WHERE article_id IN (SELECT article_id FROM site_push_queue \
             WHERE (next_at IS NULL OR next_at <= ?) \
             AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY article_id LIMIT ?) \
             RETURNING article_id, generation, attempts, \
             (SELECT slug FROM articles WHERE id = article_id)",
        )
        .bind(db_time(lease_until))
        .bind(db_time(now))
        .bind(db_time(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(other)?;
        tx.commit().await.map_err(other)?;
        Ok(items
            .into_iter()
            .map(|(article_id, generation, attempts, slug)| PushItem {
                article_id,
                generation,
                slug,
                attempts,
            })
            .collect())
    }

    async fn finish_push(&self, items: &[PushItem]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for item in items {
            sqlx::query("DELETE FROM site_push_queue WHERE article_id = ? AND generation = ?")
                .bind(item.article_id)
                .bind(item.generation)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        tx.commit().await.map_err(other)
    }

    async fn retry_push(
        &self,
        items: &[PushItem],
        next_at: &[DateTime<Utc>],
        error: &str,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for (item, at) in items.iter().zip(next_at) {
            sqlx::query(
                "UPDATE site_push_queue SET next_at = ?, claimed_until = NULL, last_error = ? \
                 WHERE article_id = ? AND generation = ?",
            )
            .bind(db_time(*at))
            .bind(error)
            .bind(item.article_id)
            .bind(item.generation)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        }
        tx.commit().await.map_err(other)
    }

    async fn push_backlog(&self) -> StoreResult<(i64, Option<String>)> {
        let (count, error): (i64, Option<String>) = sqlx::query_as(
            "SELECT COUNT(*), (SELECT last_error FROM site_push_queue WHERE last_error != '' \
             ORDER BY next_at DESC LIMIT 1) FROM site_push_queue",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;
        Ok((count, error))
    }
}
