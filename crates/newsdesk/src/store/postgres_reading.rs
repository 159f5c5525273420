//! PostgreSQL implementation of [`ReadingStore`]. A child module of `postgres`.

use async_trait::async_trait;
use chrono::Utc;
use tracing::instrument;

use super::{PgStore, db_time, other, public};
use crate::domain::{Article, ArticleSummary};
use crate::store::StoreResult;
use crate::store::reading::{ReadingLinks, ReadingStore};
use crate::store::rows::SummaryRow;

const COLUMNS: &str = "a.id, a.slug, a.title, a.summary, c.name AS channel_name, \
     c.slug AS channel_slug, a.published_at, a.views";

#[async_trait]
impl ReadingStore for PgStore {
    #[instrument(skip_all, fields(article.id = article.id))]
    async fn reading_links(&self, article: &Article, limit: u32) -> StoreResult<ReadingLinks> {
        let now = db_time(Utc::now());
        let limit = i64::from(limit);
        let public = public(1);
        let mut conn = self.pool.acquire().await.map_err(other)?;
        let mut links = ReadingLinks::default();
        if let Some(at) = article.published_at.map(db_time) {
            // Both walk the (channel_id, status, published_at) index from the article's place.
            for newer in [false, true] {
                let (cmp, order) = if newer { (">", "ASC") } else { ("<", "DESC") };
                let row: Option<SummaryRow> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
                     WHERE {public} AND a.channel_id = $2 \
                     AND (a.published_at {cmp} $3 OR (a.published_at = $3 AND a.id {cmp} $4)) \
                     ORDER BY a.published_at {order}, a.id {order} LIMIT 1"
                ))
                .bind(now)
                .bind(article.channel.id)
                .bind(at)
                .bind(article.id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(other)?;
                let row = row.map(ArticleSummary::from);
                if newer {
                    links.next = row;
                } else {
                    links.previous = row;
                }
            }
        }
        let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM (SELECT o.article_id AS id, count(*) AS shared \
             FROM article_tags t JOIN article_tags o ON o.tag_id = t.tag_id \
             WHERE t.article_id = $2 AND o.article_id <> $2 GROUP BY o.article_id) s \
             JOIN articles a ON a.id = s.id JOIN channels c ON c.id = a.channel_id \
             WHERE {public} ORDER BY s.shared DESC, a.published_at DESC, a.id DESC LIMIT $3"
        ))
        .bind(now)
        .bind(article.id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(other)?;
        links.by_tags = rows.into_iter().map(ArticleSummary::from).collect();
        let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE {public} AND a.channel_id = $2 AND a.id <> $3 \
             ORDER BY a.published_at DESC, a.id DESC LIMIT $4"
        ))
        .bind(now)
        .bind(article.channel.id)
        .bind(article.id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(other)?;
        links.in_channel = rows.into_iter().map(ArticleSummary::from).collect();
        Ok(links)
    }
}
