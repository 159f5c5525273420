//! PostgreSQL implementation of [`DeskStore`]. A child module of `postgres`.

use async_trait::async_trait;
use chrono::Utc;
use tracing::instrument;

use super::{PgStore, db_time, other};
use crate::domain::{ArticleFlag, ArticleSummary, DeskFields};
use crate::store::desk::{DeskStore, UserDefaults};
use crate::store::rows::SummaryRow;
use crate::store::{StoreError, StoreResult};

#[derive(sqlx::FromRow)]
struct DeskRow {
    flag_featured: bool,
    flag_pinned: bool,
    flag_headline: bool,
    seo_title: String,
    seo_keywords: String,
    seo_description: String,
}

#[async_trait]
impl DeskStore for PgStore {
    async fn article_desk(&self, id: i64) -> StoreResult<DeskFields> {
        let r: DeskRow = sqlx::query_as(
            "SELECT flag_featured, flag_pinned, flag_headline, seo_title, seo_keywords, \
             seo_description FROM articles WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?
        .ok_or(StoreError::NotFound)?;
        Ok(DeskFields {
            featured: r.flag_featured,
            pinned: r.flag_pinned,
            headline: r.flag_headline,
            seo_title: r.seo_title,
            seo_keywords: r.seo_keywords,
            seo_description: r.seo_description,
        })
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn set_article_desk(&self, id: i64, desk: &DeskFields) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE articles SET flag_featured = $1, flag_pinned = $2, flag_headline = $3, \
             seo_title = $4, seo_keywords = $5, seo_description = $6 WHERE id = $7",
        )
        .bind(desk.featured)
        .bind(desk.pinned)
        .bind(desk.headline)
        .bind(&desk.seo_title)
        .bind(&desk.seo_keywords)
        .bind(&desk.seo_description)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.touch();
        Ok(())
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn set_cover_image(&self, id: i64, cover: Option<&str>) -> StoreResult<()> {
        let done = sqlx::query("UPDATE articles SET cover_image = $1 WHERE id = $2")
            .bind(cover)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.touch();
        Ok(())
    }

    async fn latest_flagged(
        &self,
        flag: ArticleFlag,
        limit: u32,
    ) -> StoreResult<Vec<ArticleSummary>> {
        // The flag's column is a fixed name, never user text; the WHERE matches the partial
        // index of migration 0007.
        let sql = format!(
            "SELECT a.id, a.slug, a.title, a.summary, c.name AS channel_name, \
             c.slug AS channel_slug, a.published_at, a.views, a.cover_image \
             FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE a.{col} AND a.status = 'published' AND a.published_at <= $1 \
             AND a.deleted_at IS NULL ORDER BY a.published_at DESC, a.id DESC LIMIT $2",
            col = flag.column()
        );
        let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
            .bind(db_time(Utc::now()))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }

    #[instrument(skip_all, fields(articles = ids.len()))]
    async fn move_articles(&self, ids: &[i64], channel: &str) -> StoreResult<Vec<(i64, String)>> {
        let mut tx = self.write_tx().await?;
        let channel_id: i64 = sqlx::query_scalar("SELECT id FROM channels WHERE slug = $1")
            .bind(channel)
            .fetch_optional(&mut *tx)
            .await
            .map_err(other)?
            .ok_or(StoreError::NotFound)?;
        let now = db_time(Utc::now());
        let mut moved = Vec::new();
        for &id in ids {
            let row: Option<(i64, String)> = sqlx::query_as(
                "UPDATE articles SET channel_id = $1, version = version + 1, updated_at = $2 \
                 WHERE id = $3 AND deleted_at IS NULL AND channel_id <> $1 RETURNING id, title",
            )
            .bind(channel_id)
            .bind(now)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(other)?;
            moved.extend(row);
        }
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(moved)
    }

    #[instrument(skip_all, fields(articles = ids.len()))]
    async fn tag_articles(&self, ids: &[i64], tag: &str) -> StoreResult<Vec<(i64, String)>> {
        let mut tx = self.tag_write_tx().await?;
        let tag_id: i64 = sqlx::query_scalar(
            "INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name \
             RETURNING id",
        )
        .bind(tag)
        .fetch_one(&mut *tx)
        .await
        .map_err(other)?;
        let now = db_time(Utc::now());
        let mut tagged = Vec::new();
        for &id in ids {
            let added = sqlx::query(
                "INSERT INTO article_tags (article_id, tag_id) \
                 SELECT id, $1 FROM articles WHERE id = $2 AND deleted_at IS NULL \
                 ON CONFLICT DO NOTHING",
            )
            .bind(tag_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
            if added.rows_affected() == 0 {
                continue;
            }
            let row: (i64, String) = sqlx::query_as(
                "UPDATE articles SET version = version + 1, updated_at = $1 WHERE id = $2 \
                 RETURNING id, title",
            )
            .bind(now)
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(other)?;
            tagged.push(row);
        }
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(tagged)
    }

    async fn user_defaults(&self, user_id: i64) -> StoreResult<UserDefaults> {
        let (author, source): (String, String) =
            sqlx::query_as("SELECT default_author, default_source FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?
                .ok_or(StoreError::NotFound)?;
        Ok(UserDefaults { author, source })
    }

    async fn set_user_defaults(&self, user_id: i64, defaults: &UserDefaults) -> StoreResult<()> {
        let done =
            sqlx::query("UPDATE users SET default_author = $1, default_source = $2 WHERE id = $3")
                .bind(&defaults.author)
                .bind(&defaults.source)
                .bind(user_id)
                .execute(&self.pool)
                .await
                .map_err(other)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
