//! PostgreSQL implementation of [`OriginStore`]. A child module of `postgres`.

use async_trait::async_trait;
use chrono::Utc;
use tracing::instrument;

use super::{PgStore, db_time, other, public};
use crate::domain::{ArticleOrigin, redirect_key};
use crate::store::origin::{ORIGIN_COLUMNS, OriginRow, OriginStore, RedirectRow, clean};
use crate::store::{StoreError, StoreResult};

#[async_trait]
impl OriginStore for PgStore {
    #[instrument(skip_all, fields(article.id = id))]
    async fn set_article_origin(&self, id: i64, origin: &ArticleOrigin) -> StoreResult<()> {
        let o = clean(origin);
        // Unchanged facts write nothing, so a re-import does not move the content version.
        let done = sqlx::query(
            "UPDATE articles SET editor = $1, notice_issuer = $2, notice_number = $3, \
             notice_written_on = $4, source_url = $5 WHERE id = $6 \
             AND (editor, notice_issuer, notice_number, notice_written_on, source_url) \
             IS DISTINCT FROM ($1, $2, $3, $4, $5)",
        )
        .bind(&o.editor)
        .bind(&o.notice_issuer)
        .bind(&o.notice_number)
        .bind(o.notice_written_on)
        .bind(&o.source_url)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        if done.rows_affected() == 0 {
            // Nothing changed, or no such article.
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
            return exists.map(|_| ()).ok_or(StoreError::NotFound);
        }
        self.touch();
        Ok(())
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn article_origin(&self, id: i64) -> StoreResult<ArticleOrigin> {
        let row: Option<OriginRow> = sqlx::query_as(&format!(
            "SELECT {ORIGIN_COLUMNS} FROM articles WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn add_redirect(&self, address: &str, article_id: i64) -> StoreResult<bool> {
        let Some(key) = redirect_key(address) else {
            return Ok(false);
        };
        let done = sqlx::query(
            // A path a channel holds is left to it: the update's WHERE matches nothing.
            "INSERT INTO redirects (path, article_id) VALUES ($1, $2) \
             ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id \
             WHERE redirects.article_id IS NOT NULL",
        )
        .bind(key)
        .bind(article_id)
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            _ => other(e),
        })?;
        Ok(done.rows_affected() > 0)
    }

    #[instrument(skip_all, fields(channel.id = channel_id))]
    async fn add_channel_redirect(&self, address: &str, channel_id: i64) -> StoreResult<bool> {
        let Some(key) = redirect_key(address) else {
            return Ok(false);
        };
        let done = sqlx::query(
            // A path an article holds is left to it.
            "INSERT INTO redirects (path, channel_id) VALUES ($1, $2) \
             ON CONFLICT (path) DO UPDATE SET channel_id = excluded.channel_id \
             WHERE redirects.channel_id IS NOT NULL",
        )
        .bind(key)
        .bind(channel_id)
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            _ => other(e),
        })?;
        Ok(done.rows_affected() > 0)
    }

    #[instrument(skip_all)]
    async fn redirect_for(&self, address: &str) -> StoreResult<Option<String>> {
        let Some(key) = redirect_key(address) else {
            return Ok(None);
        };
        let public = public(2);
        // One point query on the primary key; the joins read at most one row each.
        let row: Option<RedirectRow> = sqlx::query_as(&format!(
            "SELECT a.slug AS article, c.slug AS channel FROM redirects r \
             LEFT JOIN articles a ON a.id = r.article_id AND {public} \
             LEFT JOIN channels c ON c.id = r.channel_id WHERE r.path = $1"
        ))
        .bind(key)
        .bind(db_time(Utc::now()))
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        Ok(row.and_then(RedirectRow::path))
    }
}
