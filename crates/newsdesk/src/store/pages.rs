//! The portal's pages in the store: channel trees, tag pages, 专题 (topics) and single pages. A
//! supertrait of [`super::Store`] like the newsroom's. Both backends share one implementation
//! ([`pages_store_impl`]): the SQL is the same but for placeholders, which each backend's
//! `sql()` rewrites.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{
    ArticleSummary, BodyFormat, Page, PageRequest, SitePage, SitePageInput, Tag, Topic, TopicInput,
};

/// The pages' operations.
#[async_trait]
pub trait PagesStore: Send + Sync {
    /// Sets a channel's parent and description (the two-level rule is the caller's);
    /// `NotFound` if there is no such channel.
    async fn set_channel_tree(
        &self,
        id: i64,
        parent_id: Option<i64>,
        description: &str,
    ) -> StoreResult<()>;
    /// Public articles of any of the channels, newest first, paginated (a parent channel's page
    /// lists its children's articles too).
    async fn list_published_in(
        &self,
        channel_ids: &[i64],
        page: PageRequest,
    ) -> StoreResult<Page<ArticleSummary>>;
    /// The most viewed public articles of the channels since the day `from` (`YYYY-MM-DD`, the
    /// site's zone), from `article_views_daily`; `views` holds the period's views.
    async fn top_viewed_in(
        &self,
        channel_ids: &[i64],
        from: &str,
        limit: u32,
    ) -> StoreResult<Vec<ArticleSummary>>;
    /// The tag whose slug, else whose name, is `segment`.
    async fn tag_by_segment(&self, segment: &str) -> StoreResult<Tag>;
    /// Public articles with the tag, newest first, paginated.
    async fn list_tagged(
        &self,
        tag_id: i64,
        page: PageRequest,
    ) -> StoreResult<Page<ArticleSummary>>;
    /// Tags that have at least one public article, by name (sitemaps).
    async fn public_tags(&self) -> StoreResult<Vec<Tag>>;
    /// All topics in index order.
    async fn list_topics(&self) -> StoreResult<Vec<Topic>>;
    /// The topic with this slug.
    async fn topic_by_slug(&self, slug: &str) -> StoreResult<Topic>;
    /// The topic with this id.
    async fn topic_by_id(&self, id: i64) -> StoreResult<Topic>;
    /// A topic's articles in its order: all of them (`public_only` false, for the admin), or the
    /// public ones.
    async fn topic_articles(&self, id: i64, public_only: bool) -> StoreResult<Vec<ArticleSummary>>;
    /// Creates (`id` None) or replaces a topic and its article list in one transaction;
    /// `Conflict` on a taken slug or an unknown article, `NotFound` for an unknown id.
    async fn save_topic(&self, id: Option<i64>, input: &TopicInput) -> StoreResult<Topic>;
    /// Deletes a topic (its article links go with it).
    async fn delete_topic(&self, id: i64) -> StoreResult<()>;
    /// All single pages in link order.
    async fn list_pages(&self) -> StoreResult<Vec<SitePage>>;
    /// The single page with this slug.
    async fn page_by_slug(&self, slug: &str) -> StoreResult<SitePage>;
    /// The single page with this id.
    async fn page_by_id(&self, id: i64) -> StoreResult<SitePage>;
    /// Creates (`id` None) or replaces a single page; `Conflict` on a taken slug.
    async fn save_page(&self, id: Option<i64>, input: &SitePageInput) -> StoreResult<SitePage>;
    /// Deletes a single page.
    async fn delete_page(&self, id: i64) -> StoreResult<()>;
}

#[derive(sqlx::FromRow)]
pub(super) struct TagRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) slug: Option<String>,
}

impl From<TagRow> for Tag {
    fn from(r: TagRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            slug: r.slug,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TopicRow {
    pub(super) id: i64,
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) intro: String,
    pub(super) cover_image: Option<String>,
    pub(super) position: i64,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl From<TopicRow> for Topic {
    fn from(r: TopicRow) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            title: r.title,
            intro: r.intro,
            cover_image: r.cover_image,
            position: r.position,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PageRow {
    pub(super) id: i64,
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) body_format: String,
    pub(super) body_source: String,
    pub(super) body_html: String,
    pub(super) show_in_footer: bool,
    pub(super) show_in_nav: bool,
    pub(super) position: i64,
    pub(super) updated_at: DateTime<Utc>,
}

impl From<PageRow> for SitePage {
    fn from(r: PageRow) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            title: r.title,
            // The column's CHECK allows only the two names.
            body_format: BodyFormat::parse(&r.body_format).unwrap_or(BodyFormat::Html),
            body_source: r.body_source,
            body_html: r.body_html,
            show_in_footer: r.show_in_footer,
            show_in_nav: r.show_in_nav,
            position: r.position,
            updated_at: r.updated_at,
        }
    }
}

pub(super) const TOPIC_COLUMNS: &str =
    "id, slug, title, intro, cover_image, position, created_at, updated_at";
pub(super) const PAGE_COLUMNS: &str = "id, slug, title, body_format, body_source, body_html, \
     show_in_footer, show_in_nav, position, updated_at";
pub(super) const SUMMARY_COLUMNS: &str = "a.id, a.slug, a.title, a.summary, \
     c.name AS channel_name, c.slug AS channel_slug, a.published_at, a.views";
/// Public now: published, publish time passed, not in the trash.
pub(super) const PUBLIC_NOW: &str =
    "a.status = 'published' AND a.published_at <= ? AND a.deleted_at IS NULL";

/// `?, ?, ?` for `n` values (at least one, so an empty list reads `IN (NULL)`, matching nothing).
pub(super) fn marks(n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    vec!["?"; n].join(", ")
}

/// The one implementation of [`PagesStore`], expanded in each backend's module, where `sql`
/// rewrites placeholders, `other`/`on_write` map errors and `pages_tx` opens a write transaction.
macro_rules! pages_store_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::PagesStore for $store {
            async fn set_channel_tree(
                &self,
                id: i64,
                parent_id: Option<i64>,
                description: &str,
            ) -> StoreResult<()> {
                let done = sqlx::query(&sql(
                    "UPDATE channels SET parent_id = ?, description = ? WHERE id = ?",
                ))
                .bind(parent_id)
                .bind(description)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(on_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                self.touch();
                Ok(())
            }

            async fn list_published_in(
                &self,
                channel_ids: &[i64],
                page: PageRequest,
            ) -> StoreResult<Page<ArticleSummary>> {
                let now = db_time(Utc::now());
                let filter = format!(
                    "{PUBLIC_NOW} AND a.channel_id IN ({})",
                    marks(channel_ids.len())
                );
                let list_sql = sql(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
                     WHERE {filter} ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?"
                ));
                let mut list = sqlx::query_as::<_, SummaryRow>(&list_sql).bind(now);
                for id in channel_ids {
                    list = list.bind(*id);
                }
                let rows = list
                    .bind(i64::from(page.per_page))
                    .bind(page.offset())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(other)?;
                let count_sql = sql(&format!("SELECT count(*) FROM articles a WHERE {filter}"));
                let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(now);
                for id in channel_ids {
                    count = count.bind(*id);
                }
                let total = count.fetch_one(&self.pool).await.map_err(other)?;
                Ok(Page {
                    items: rows.into_iter().map(ArticleSummary::from).collect(),
                    total,
                })
            }

            async fn top_viewed_in(
                &self,
                channel_ids: &[i64],
                from: &str,
                limit: u32,
            ) -> StoreResult<Vec<ArticleSummary>> {
                let q = sql(&format!(
                    "SELECT a.id, a.slug, a.title, a.summary, c.name AS channel_name, \
                     c.slug AS channel_slug, a.published_at, d.views FROM \
                     (SELECT article_id, CAST(sum(views) AS BIGINT) AS views \
                      FROM article_views_daily WHERE day >= ? GROUP BY article_id) d \
                     JOIN articles a ON a.id = d.article_id JOIN channels c ON c.id = a.channel_id \
                     WHERE {PUBLIC_NOW} AND a.channel_id IN ({}) \
                     ORDER BY d.views DESC, a.id DESC LIMIT ?",
                    marks(channel_ids.len())
                ));
                let mut query = sqlx::query_as::<_, SummaryRow>(&q)
                    .bind(from)
                    .bind(db_time(Utc::now()));
                for id in channel_ids {
                    query = query.bind(*id);
                }
                let rows = query
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(other)?;
                Ok(rows.into_iter().map(ArticleSummary::from).collect())
            }

            async fn tag_by_segment(&self, segment: &str) -> StoreResult<Tag> {
                // A slug match wins over a name match.
                let row: Option<TagRow> = sqlx::query_as(&sql(
                    "SELECT id, name, slug FROM tags WHERE slug = ? OR name = ? \
                     ORDER BY CASE WHEN slug = ? THEN 0 ELSE 1 END LIMIT 1",
                ))
                .bind(segment)
                .bind(segment)
                .bind(segment)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
                row.map(Tag::from).ok_or(StoreError::NotFound)
            }

            async fn list_tagged(
                &self,
                tag_id: i64,
                page: PageRequest,
            ) -> StoreResult<Page<ArticleSummary>> {
                let now = db_time(Utc::now());
                let from = "FROM articles a JOIN channels c ON c.id = a.channel_id \
                     JOIN article_tags t ON t.article_id = a.id";
                let rows: Vec<SummaryRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {SUMMARY_COLUMNS} {from} WHERE t.tag_id = ? AND {PUBLIC_NOW} \
                     ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?"
                )))
                .bind(tag_id)
                .bind(now)
                .bind(i64::from(page.per_page))
                .bind(page.offset())
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
                let total: i64 = sqlx::query_scalar(&sql(&format!(
                    "SELECT count(*) {from} WHERE t.tag_id = ? AND {PUBLIC_NOW}"
                )))
                .bind(tag_id)
                .bind(now)
                .fetch_one(&self.pool)
                .await
                .map_err(other)?;
                Ok(Page {
                    items: rows.into_iter().map(ArticleSummary::from).collect(),
                    total,
                })
            }

            async fn public_tags(&self) -> StoreResult<Vec<Tag>> {
                let rows: Vec<TagRow> = sqlx::query_as(&sql(&format!(
                    "SELECT g.id, g.name, g.slug FROM tags g WHERE EXISTS (SELECT 1 FROM \
                     article_tags t JOIN articles a ON a.id = t.article_id \
                     WHERE t.tag_id = g.id AND {PUBLIC_NOW}) ORDER BY g.name"
                )))
                .bind(db_time(Utc::now()))
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
                Ok(rows.into_iter().map(Tag::from).collect())
            }

            async fn list_topics(&self) -> StoreResult<Vec<Topic>> {
                let rows: Vec<TopicRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {TOPIC_COLUMNS} FROM topics ORDER BY position, id DESC"
                )))
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
                Ok(rows.into_iter().map(Topic::from).collect())
            }

            async fn topic_by_slug(&self, slug: &str) -> StoreResult<Topic> {
                let row: Option<TopicRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {TOPIC_COLUMNS} FROM topics WHERE slug = ?"
                )))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
                row.map(Topic::from).ok_or(StoreError::NotFound)
            }

            async fn topic_by_id(&self, id: i64) -> StoreResult<Topic> {
                let row: Option<TopicRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {TOPIC_COLUMNS} FROM topics WHERE id = ?"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
                row.map(Topic::from).ok_or(StoreError::NotFound)
            }

            async fn topic_articles(
                &self,
                id: i64,
                public_only: bool,
            ) -> StoreResult<Vec<ArticleSummary>> {
                let filter = if public_only {
                    format!(" AND {PUBLIC_NOW}")
                } else {
                    // Both branches bind one time; this one ignores it.
                    " AND ? IS NOT NULL".to_string()
                };
                let rows: Vec<SummaryRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM topic_articles ta \
                     JOIN articles a ON a.id = ta.article_id JOIN channels c ON c.id = a.channel_id \
                     WHERE ta.topic_id = ?{filter} ORDER BY ta.position, a.id"
                )))
                .bind(id)
                .bind(db_time(Utc::now()))
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
                Ok(rows.into_iter().map(ArticleSummary::from).collect())
            }

            async fn save_topic(&self, id: Option<i64>, input: &TopicInput) -> StoreResult<Topic> {
                let now = db_time(Utc::now());
                let mut tx = self.pages_tx().await?;
                let row: Option<TopicRow> = match id {
                    None => sqlx::query_as(&sql(&format!(
                        "INSERT INTO topics (slug, title, intro, cover_image, position, \
                         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
                         RETURNING {TOPIC_COLUMNS}"
                    )))
                    .bind(&input.slug)
                    .bind(&input.title)
                    .bind(&input.intro)
                    .bind(&input.cover_image)
                    .bind(input.position)
                    .bind(now)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(on_write)?,
                    Some(id) => sqlx::query_as(&sql(&format!(
                        "UPDATE topics SET slug = ?, title = ?, intro = ?, cover_image = ?, \
                         position = ?, updated_at = ? WHERE id = ? RETURNING {TOPIC_COLUMNS}"
                    )))
                    .bind(&input.slug)
                    .bind(&input.title)
                    .bind(&input.intro)
                    .bind(&input.cover_image)
                    .bind(input.position)
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(on_write)?,
                };
                let topic = Topic::from(row.ok_or(StoreError::NotFound)?);
                sqlx::query(&sql("DELETE FROM topic_articles WHERE topic_id = ?"))
                    .bind(topic.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(other)?;
                for (position, article) in (0_i64..).zip(&input.articles) {
                    sqlx::query(&sql(
                        "INSERT INTO topic_articles (topic_id, article_id, position) \
                         VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    ))
                    .bind(topic.id)
                    .bind(*article)
                    .bind(position)
                    .execute(&mut *tx)
                    .await
                    .map_err(on_write)?;
                }
                tx.commit().await.map_err(on_write)?;
                self.touch();
                Ok(topic)
            }

            async fn delete_topic(&self, id: i64) -> StoreResult<()> {
                let done = sqlx::query(&sql("DELETE FROM topics WHERE id = ?"))
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

            async fn list_pages(&self) -> StoreResult<Vec<SitePage>> {
                let rows: Vec<PageRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {PAGE_COLUMNS} FROM pages ORDER BY position, id"
                )))
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
                Ok(rows.into_iter().map(SitePage::from).collect())
            }

            async fn page_by_slug(&self, slug: &str) -> StoreResult<SitePage> {
                let row: Option<PageRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {PAGE_COLUMNS} FROM pages WHERE slug = ?"
                )))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
                row.map(SitePage::from).ok_or(StoreError::NotFound)
            }

            async fn page_by_id(&self, id: i64) -> StoreResult<SitePage> {
                let row: Option<PageRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {PAGE_COLUMNS} FROM pages WHERE id = ?"
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
                row.map(SitePage::from).ok_or(StoreError::NotFound)
            }

            async fn save_page(
                &self,
                id: Option<i64>,
                input: &SitePageInput,
            ) -> StoreResult<SitePage> {
                let now = db_time(Utc::now());
                let (head, tail) = match id {
                    None => (
                        "INSERT INTO pages (slug, title, body_format, body_source, body_html, \
                         show_in_footer, show_in_nav, position, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        "",
                    ),
                    Some(_) => (
                        "UPDATE pages SET slug = ?, title = ?, body_format = ?, body_source = ?, \
                         body_html = ?, show_in_footer = ?, show_in_nav = ?, position = ?, \
                         updated_at = ?",
                        " WHERE id = ?",
                    ),
                };
                let q = sql(&format!("{head}{tail} RETURNING {PAGE_COLUMNS}"));
                let mut query = sqlx::query_as::<_, PageRow>(&q)
                    .bind(&input.slug)
                    .bind(&input.title)
                    .bind(input.body_format.as_str())
                    .bind(&input.body_source)
                    .bind(&input.body_html)
                    .bind(input.show_in_footer)
                    .bind(input.show_in_nav)
                    .bind(input.position)
                    .bind(now);
                if let Some(id) = id {
                    query = query.bind(id);
                }
                let row = query
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(on_write)?
                    .ok_or(StoreError::NotFound)?;
                self.touch();
                Ok(row.into())
            }

            async fn delete_page(&self, id: i64) -> StoreResult<()> {
                let done = sqlx::query(&sql("DELETE FROM pages WHERE id = ?"))
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
        }
    };
}
pub(super) use pages_store_impl;
