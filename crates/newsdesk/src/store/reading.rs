//! The reading part of the store: what an article page shows beside the article and links on to
//! — its desk fields, origin facts, document facts and 量化目标 panel choice; 上一篇/下一篇 in its
//! channel, and the articles sharing its tags or its channel that fill 相关文章 after the search
//! index's similar articles. Read once per render of a page (pages are cached per content
//! version), each in one query: a render's reads are round trips to the database's threads, and
//! their number, not their work, was most of a cold render. A supertrait of [`super::Store`] like
//! the desk's; one implementation for both backends (`reading_store_impl!`).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Article, ArticleOrigin, ArticleSummary, DeskFields, Panel, PolicyDocument};

/// Where an article page leads on to.
#[derive(Debug, Clone, Default)]
pub struct ReadingLinks {
    /// 上一篇: the public article of the same channel published just before (ties by id).
    pub previous: Option<ArticleSummary>,
    /// 下一篇: the public article of the same channel published just after.
    pub next: Option<ArticleSummary>,
    /// Public articles sharing tags with it, most shared tags first, then newest.
    pub by_tags: Vec<ArticleSummary>,
    /// The newest other public articles of its channel.
    pub in_channel: Vec<ArticleSummary>,
}

/// What an article page shows beside the article's own row.
#[derive(Debug, Clone, Default)]
pub struct PageFacts {
    /// Flags and SEO fields.
    pub desk: DeskFields,
    /// Facts of an imported page (editor, notice issuer and number…).
    pub origin: ArticleOrigin,
    /// The document facts read from its text, when read.
    pub document: Option<PolicyDocument>,
    /// The editors' choice for the 量化目标 panel.
    pub panel: Panel,
}

/// The reading operations.
#[async_trait]
pub trait ReadingStore: Send + Sync {
    /// Neighbours and related candidates of `article` (a public article), up to `limit` of each
    /// list, the article itself never among them.
    async fn reading_links(&self, article: &Article, limit: u32) -> StoreResult<ReadingLinks>;
    /// The facts an article page shows beside article `id`; `NotFound` for an unknown id.
    async fn page_facts(&self, id: i64) -> StoreResult<PageFacts>;
}

/// A row of [`READING_LINKS`]: which list (`part`) and the article.
#[derive(sqlx::FromRow)]
pub(super) struct ReadingRow {
    pub(super) part: i64,
    #[sqlx(flatten)]
    pub(super) summary: super::rows::SummaryRow,
}

/// Tags of an article that 相关文章 reads (the first ones, by name).
pub(super) const RELATED_TAGS: usize = 8;
/// Newest articles read per tag: the candidates are counted by tags shared, and a tag on tens of
/// thousands of articles must not make a page read them all.
const RELATED_PER_TAG: u32 = 200;

/// The four lists of [`ReadingLinks`] in one query, told apart by `part`: 0 previous, 1 next,
/// 2 by tags, 3 in the channel; for an article with `tags` tags (at most [`RELATED_TAGS`]).
/// Placeholders, in order: now, channel, at, at, id (previous); now, channel, at, at, id (next);
/// name, id for each tag, then now, limit (tags); now, channel, id, limit (channel). The
/// neighbours walk the (channel_id, status, published_at) index from the article's place (its
/// time a range bound, not inside an OR); the tags part reads each tag's newest articles from the
/// (tag_id, article_id) index and looks up only those (the CROSS JOIN keeps SQLite from walking
/// every public article and probing the candidates: 290 ms against 1 ms at 100,000 articles).
pub(super) fn reading_links_sql(tags: usize) -> String {
    let per_tag: Vec<String> = (0..tags.min(RELATED_TAGS))
        .map(|n| {
            format!(
                "SELECT * FROM (SELECT o.article_id AS id FROM article_tags o \
                 WHERE o.tag_id = (SELECT g.id FROM tags g WHERE g.name = ?) AND o.article_id <> ? \
                 ORDER BY o.article_id DESC LIMIT {RELATED_PER_TAG}) b{n}"
            )
        })
        .collect();
    let candidates = if per_tag.is_empty() {
        "SELECT CAST(NULL AS BIGINT) AS id WHERE 1 = 0".to_string()
    } else {
        per_tag.join(" UNION ALL ")
    };
    let columns = super::pages::SUMMARY_COLUMNS;
    let from = "articles a JOIN channels c ON c.id = a.channel_id";
    let public = super::pages::PUBLIC_NOW;
    format!(
        "SELECT part, id, slug, title, summary, channel_name, channel_slug, published_at, views \
         FROM ( \
         SELECT * FROM (SELECT CAST(0 AS BIGINT) AS part, CAST(0 AS BIGINT) AS shared, {columns} \
           FROM {from} WHERE {public} AND a.channel_id = ? \
           AND a.published_at <= ? AND (a.published_at < ? OR a.id < ?) \
           ORDER BY a.published_at DESC, a.id DESC LIMIT 1) p \
         UNION ALL SELECT * FROM (SELECT CAST(1 AS BIGINT) AS part, CAST(0 AS BIGINT) AS shared, \
           {columns} FROM {from} WHERE {public} AND a.channel_id = ? \
           AND a.published_at >= ? AND (a.published_at > ? OR a.id > ?) \
           ORDER BY a.published_at ASC, a.id ASC LIMIT 1) n \
         UNION ALL SELECT * FROM (SELECT CAST(2 AS BIGINT) AS part, s.shared, {columns} \
           FROM (SELECT id, count(*) AS shared FROM ({candidates}) u GROUP BY id) s \
           CROSS JOIN articles a JOIN channels c ON c.id = a.channel_id \
           WHERE a.id = s.id AND {public} ORDER BY s.shared DESC, a.published_at DESC, a.id DESC LIMIT ?) t \
         UNION ALL SELECT * FROM (SELECT CAST(3 AS BIGINT) AS part, CAST(0 AS BIGINT) AS shared, \
           {columns} FROM {from} WHERE {public} AND a.channel_id = ? AND a.id <> ? \
           ORDER BY a.published_at DESC, a.id DESC LIMIT ?) c2 \
         ) links ORDER BY part, shared DESC, published_at DESC, id DESC"
    )
}

/// [`ReadingStore::page_facts`]'s query: the article's own columns, its document facts and the
/// editors' document corrections, one row.
pub(super) const PAGE_FACTS: &str = "SELECT a.flag_featured, a.flag_pinned, a.flag_headline, \
     a.seo_title, a.seo_keywords, a.seo_description, a.editor, a.notice_issuer, a.notice_number, \
     a.notice_written_on, a.source_url, d.kind AS doc_kind, d.issuer AS doc_issuer, \
     d.region AS doc_region, d.year AS doc_year, d.first_year AS doc_first_year, \
     d.covers AS doc_covers, dc.panel \
     FROM articles a LEFT JOIN article_documents d ON d.article_id = a.id \
     LEFT JOIN document_corrections dc ON dc.article_id = a.id WHERE a.id = ?";

#[derive(sqlx::FromRow)]
pub(super) struct PageFactsRow {
    flag_featured: bool,
    flag_pinned: bool,
    flag_headline: bool,
    seo_title: String,
    seo_keywords: String,
    seo_description: String,
    #[sqlx(flatten)]
    origin: super::origin::OriginRow,
    doc_kind: Option<String>,
    doc_issuer: Option<String>,
    doc_region: Option<String>,
    doc_year: Option<i64>,
    doc_first_year: Option<i64>,
    doc_covers: Option<String>,
    panel: Option<String>,
}

impl From<PageFactsRow> for PageFacts {
    fn from(r: PageFactsRow) -> Self {
        Self {
            desk: DeskFields {
                featured: r.flag_featured,
                pinned: r.flag_pinned,
                headline: r.flag_headline,
                seo_title: r.seo_title,
                seo_keywords: r.seo_keywords,
                seo_description: r.seo_description,
            },
            origin: r.origin.into(),
            document: r.doc_kind.map(|kind| PolicyDocument {
                kind,
                issuer: r.doc_issuer,
                region: r.doc_region,
                year: r.doc_year,
                first_year: r.doc_first_year,
                covers: r.doc_covers,
            }),
            panel: r
                .panel
                .as_deref()
                .and_then(Panel::parse)
                .unwrap_or_default(),
        }
    }
}

/// The one implementation of [`ReadingStore`], expanded in each backend's module, where `sql`
/// rewrites placeholders and `other` maps errors.
macro_rules! reading_store_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::ReadingStore for $store {
            #[tracing::instrument(skip_all, fields(article.id = article.id))]
            async fn reading_links(
                &self,
                article: &$crate::domain::Article,
                limit: u32,
            ) -> $crate::store::StoreResult<$crate::store::ReadingLinks> {
                use $crate::domain::ArticleSummary;
                use $crate::store::reading::{RELATED_TAGS, ReadingRow, reading_links_sql};
                let now = db_time(chrono::Utc::now());
                // No publish time (not public yet): no neighbours, the comparisons match nothing.
                let at = article.published_at.map(db_time);
                let (channel, id, limit) = (article.channel.id, article.id, i64::from(limit));
                let tags = &article.tags[..article.tags.len().min(RELATED_TAGS)];
                let sql = sql(&reading_links_sql(tags.len()));
                let mut q = sqlx::query_as::<_, ReadingRow>(&sql);
                for _newer in [false, true] {
                    q = q.bind(now).bind(channel).bind(at).bind(at).bind(id);
                }
                for tag in tags {
                    q = q.bind(tag).bind(id);
                }
                let rows = q
                    .bind(now)
                    .bind(limit)
                    .bind(now)
                    .bind(channel)
                    .bind(id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(other)?;
                let mut links = $crate::store::ReadingLinks::default();
                for row in rows {
                    let summary = ArticleSummary::from(row.summary);
                    match row.part {
                        0 => links.previous = Some(summary),
                        1 => links.next = Some(summary),
                        2 => links.by_tags.push(summary),
                        _ => links.in_channel.push(summary),
                    }
                }
                Ok(links)
            }

            #[tracing::instrument(skip_all, fields(article.id = id))]
            async fn page_facts(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<$crate::store::reading::PageFacts> {
                let row: Option<$crate::store::reading::PageFactsRow> =
                    sqlx::query_as(&sql($crate::store::reading::PAGE_FACTS))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(other)?;
                row.map(Into::into)
                    .ok_or($crate::store::StoreError::NotFound)
            }
        }
    };
}
pub(super) use reading_store_impl;
