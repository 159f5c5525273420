//! The reading part of the store: an article page's own data — the article, its tags, its desk
//! fields, origin and document facts, the 量化目标 panel choice and its targets, one query — and
//! what the page leads on to: 上一篇/下一篇 in its channel, and the articles sharing its tags or
//! its channel that fill 相关文章 after the search index's similar articles, another. Read once
//! per render of a page (pages are cached per content version): a render's reads are round trips
//! to the database's threads, and their number and rows, not their work, were most of a cold
//! render. A supertrait of [`super::Store`] like the desk's; one implementation for both backends
//! (`reading_store_impl!`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult};
use crate::domain::media::Attachment;
use crate::domain::{
    Article, ArticleOrigin, ArticleSummary, ArticleTarget, DeskFields, Panel, PolicyDocument, Tag,
};

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
    /// Those of the search index's similar articles that are public, most alike first.
    pub similar: Vec<ArticleSummary>,
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

/// An article page's own data, read in one query.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    /// The article's page stamp when this was read: it moves on with every change to anything
    /// below (triggers keep it; see `migrations/sqlite/0025_page_stamps.sql`), so what is made
    /// from this data can be kept by `(article id, stamp)`.
    pub stamp: i64,
    /// The article. Its `body_source` is empty: the page shows the rendered body only, and the
    /// source is as long again (read, copied and checked as UTF-8 for nothing).
    pub article: Article,
    /// Its tags with their addresses, by name (the names are also in `article.tags`).
    pub tags: Vec<Tag>,
    /// What the page shows beside the article.
    pub facts: PageFacts,
    /// Its 量化目标 and 实绩 in text order, each occurrence, without those an editor hid: what
    /// [`super::Store::list_targets`] gives for the article with `each_occurrence`.
    pub targets: Vec<ArticleTarget>,
    /// Its attachments, in the order shown under it.
    pub attachments: Vec<Attachment>,
}

/// The public article at a slug as an article page first asks for it: which article, its page
/// stamp (see [`ArticlePage::stamp`]) and its view count, which the stamp does not follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct PageStamp {
    /// Article id.
    pub id: i64,
    /// Its page stamp.
    pub stamp: i64,
    /// Its view count as stored (the counter adds what it has not flushed yet).
    pub views: i64,
}

/// The reading operations.
#[async_trait]
pub trait ReadingStore: Send + Sync {
    /// Neighbours and related candidates of `article` (a public article), up to `limit` of each
    /// list, the article itself never among them; `similar` are the ids the search index found
    /// like it, most alike first (read here for their titles and addresses).
    async fn reading_links(
        &self,
        article: &Article,
        similar: &[i64],
        limit: u32,
    ) -> StoreResult<ReadingLinks>;
    /// The public article at `slug` with what its page shows beside it; `NotFound` when no
    /// public article has that slug.
    async fn article_page(&self, slug: &str) -> StoreResult<ArticlePage>;
    /// Which public article is at `slug`, with its page stamp and view count: one narrow row, so
    /// a page whose article has not changed since it was last read needs nothing else of it.
    /// `NotFound` when no public article has that slug.
    async fn page_stamp(&self, slug: &str) -> StoreResult<PageStamp>;
    /// [`Self::page_stamp`] of `slug` and, in the same read, [`Self::reading_links`] of
    /// `article`: a render that kept the parts it made of the article at `slug` needs both, and
    /// the links are right when the stamp says the kept article is current. One read instead of
    /// two (on PostgreSQL, round trips to the server; on SQLite it runs on the request's thread,
    /// see `readers::InlineReaders`).
    async fn page_stamp_and_links(
        &self,
        slug: &str,
        article: &Article,
        similar: &[i64],
        limit: u32,
    ) -> StoreResult<(PageStamp, ReadingLinks)>;
}

/// An article of [`reading_links_sql`]'s JSON, an array in this order: which list it is in, how
/// many tags it shares with the page's article, and its summary columns.
#[derive(serde::Deserialize)]
struct ReadingJson {
    /// 0 previous, 1 next, 2 by tags, 3 in the channel, 4 similar.
    part: i64,
    shared: i64,
    id: i64,
    slug: String,
    title: String,
    summary: String,
    channel_name: String,
    channel_slug: String,
    published_at: Option<DateTime<Utc>>,
    views: i64,
}

/// [`ReadingStore::reading_links`]'s lists from the JSON of [`reading_links_sql`], in order:
/// most shared tags then newest (an aggregate's order is not the query's), the similar ones as
/// the index ranked `similar`.
pub(super) fn reading_links_from_json(json: &str, similar: &[i64]) -> StoreResult<ReadingLinks> {
    let mut rows: Vec<ReadingJson> = serde_json::from_str(json)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("corrupt reading links: {e}")))?;
    rows.sort_by(|a, b| {
        let key = |r: &ReadingJson| (r.part, std::cmp::Reverse((r.shared, r.published_at, r.id)));
        key(a).cmp(&key(b))
    });
    let mut links = ReadingLinks::default();
    for row in rows {
        let summary = ArticleSummary {
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            channel_name: row.channel_name,
            channel_slug: row.channel_slug,
            published_at: row.published_at,
            views: row.views,
            cover_image: None,
        };
        match row.part {
            0 => links.previous = Some(summary),
            1 => links.next = Some(summary),
            2 => links.by_tags.push(summary),
            3 => links.in_channel.push(summary),
            _ => links.similar.push(summary),
        }
    }
    links
        .similar
        .sort_by_key(|a| similar.iter().position(|id| *id == a.id));
    Ok(links)
}

/// Tags of an article that 相关文章 reads (the first ones, by name).
pub(super) const RELATED_TAGS: usize = 8;
/// Newest articles read per tag: the candidates are counted by tags shared, and a tag on tens of
/// thousands of articles must not make a page read them all.
const RELATED_PER_TAG: u32 = 200;

/// The lists of [`ReadingLinks`] in one query, as one JSON value in one row (each row is a
/// message between the database's thread and the request's; twenty of them were a tenth of a
/// cold render): an array of [`ReadingJson`], told apart by `part`: 0 previous, 1 next,
/// 2 by tags, 3 in the channel, 4 similar; for an article with `tags` tags (at most
/// [`RELATED_TAGS`]) and `similar` similar ids.
/// Placeholders, in order: channel, the earlier of at and now, at, id (previous); now, channel,
/// at, at, id (next); name, id for each tag, then now, limit (tags); now, channel, id, limit
/// (channel); each similar id, then now (similar, when there are any).
///
/// Each part reads only what it shows, whatever the site's size (the CROSS JOINs make SQLite
/// start from the rows named, not from every public article; 100,000 articles: 28 → 2 ms):
/// - the neighbours walk the (channel_id, status, published_at) index from the article's place,
///   its time a range bound (not inside an OR). The previous one has one upper bound, the earlier
///   of the article's time and now: given both, SQLite took `now` and walked every newer article
///   of the channel (2.2 ms for an old article);
/// - the tags part reads each tag's newest articles from the (tag_id, article_id) index and looks
///   up only those (290 ms against 1 ms at 100,000 articles);
/// - the similar part looks up its ids (it walked every public article by publish time).
pub(super) fn reading_links_sql(json: Json, tags: usize, similar: usize) -> String {
    format!(
        "SELECT {} AS links",
        reading_links_json(json, tags, similar)
    )
}

/// [`ReadingStore::page_stamp_and_links`]'s query, one row: [`page_stamp_sql`]'s columns and
/// [`reading_links_sql`]'s JSON as `links`. Placeholders: those of [`reading_links_sql`], then
/// slug, now.
pub(super) fn page_stamp_and_links_sql(json: Json, tags: usize, similar: usize) -> String {
    let public = super::pages::PUBLIC_NOW;
    format!(
        "SELECT a.id, coalesce(ps.stamp, 0) AS stamp, a.views, {} AS links FROM articles a \
         LEFT JOIN page_stamps ps ON ps.article_id = a.id WHERE a.slug = ? AND {public}",
        reading_links_json(json, tags, similar)
    )
}

/// The values of [`reading_links_sql`]'s placeholders for an article (bound by
/// `bind_reading_links!`).
pub(super) struct LinkArgs<'a> {
    pub(super) now: DateTime<Utc>,
    /// The article's publish time; none (not public yet): no neighbours, the comparisons match
    /// nothing.
    pub(super) at: Option<DateTime<Utc>>,
    /// The earlier of `at` and now: the previous article's one upper bound.
    pub(super) before: Option<DateTime<Utc>>,
    pub(super) channel: i64,
    pub(super) id: i64,
    pub(super) limit: i64,
    pub(super) tags: &'a [String],
    /// The similar ids without the article itself.
    pub(super) similar: Vec<i64>,
}

impl<'a> LinkArgs<'a> {
    pub(super) fn new(article: &'a Article, similar: &[i64], limit: u32) -> Self {
        let utc_now = Utc::now();
        let id = article.id;
        Self {
            now: super::db_time(utc_now),
            at: article.published_at.map(super::db_time),
            before: article.published_at.map(|t| super::db_time(t.min(utc_now))),
            channel: article.channel.id,
            id,
            limit: i64::from(limit),
            tags: &article.tags[..article.tags.len().min(RELATED_TAGS)],
            similar: similar.iter().copied().filter(|s| *s != id).collect(),
        }
    }
}

/// Binds a [`LinkArgs`] to a query's placeholders of [`reading_links_sql`], in its order (a
/// macro: each backend's query has its own type).
macro_rules! bind_reading_links {
    ($query:expr, $args:expr) => {{
        let a = $args;
        let mut q = $query;
        q = q.bind(a.channel).bind(a.before).bind(a.at).bind(a.id);
        q = q
            .bind(a.now)
            .bind(a.channel)
            .bind(a.at)
            .bind(a.at)
            .bind(a.id);
        for tag in a.tags {
            q = q.bind(tag.as_str()).bind(a.id);
        }
        q = q.bind(a.now).bind(a.limit);
        q = q.bind(a.now).bind(a.channel).bind(a.id).bind(a.limit);
        if !a.similar.is_empty() {
            for id in &a.similar {
                q = q.bind(*id);
            }
            q = q.bind(a.now);
        }
        q
    }};
}
pub(super) use bind_reading_links;

/// [`reading_links_sql`]'s JSON, as an SQL expression.
fn reading_links_json(json: Json, tags: usize, similar: usize) -> String {
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
    let similar = if similar == 0 {
        String::new()
    } else {
        format!(
            "UNION ALL SELECT CAST(4 AS BIGINT) AS part, CAST(0 AS BIGINT) AS shared, {columns} \
             FROM (SELECT m.id FROM articles m WHERE m.id IN ({})) s \
             CROSS JOIN articles a JOIN channels c ON c.id = a.channel_id \
             WHERE a.id = s.id AND {public}",
            super::pages::marks(similar)
        )
    };
    let article = json.array(&[
        "part",
        "shared",
        "id",
        "slug",
        "title",
        "summary",
        "channel_name",
        "channel_slug",
        "published_at",
        "views",
    ]);
    let links = format!(
        "FROM ( \
         SELECT * FROM (SELECT CAST(0 AS BIGINT) AS part, CAST(0 AS BIGINT) AS shared, {columns} \
           FROM {from} WHERE a.status = 'published' AND a.deleted_at IS NULL AND a.channel_id = ? \
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
         {similar}) links"
    );
    json.array_of(&article, &links)
}

/// How a backend builds JSON in SQL: an article page's tags and targets come as one JSON value
/// each, inside the article's row, so that 100 targets are one value to copy out of the database
/// rather than 100 rows of 25 values handed over one by one between threads.
#[derive(Debug, Clone, Copy)]
pub(super) enum Json {
    Sqlite,
    Postgres,
}

impl Json {
    /// A JSON array of `value` over the rows of `from` (`[]` for none), as text.
    fn array_of(self, value: &str, from: &str) -> String {
        match self {
            Self::Sqlite => format!("(SELECT json_group_array({value}) {from})"),
            Self::Postgres => {
                format!("(SELECT coalesce(json_agg({value}), '[]'::json)::text {from})")
            }
        }
    }

    /// A JSON object of `(key, SQL value)` pairs.
    fn object(self, pairs: &[(&str, String)]) -> String {
        let args: Vec<String> = pairs.iter().map(|(k, v)| format!("'{k}', {v}")).collect();
        let f = match self {
            Self::Sqlite => "json_object",
            Self::Postgres => "json_build_object",
        };
        format!("{f}({})", args.join(", "))
    }

    /// A JSON array of SQL values.
    fn array(self, values: &[&str]) -> String {
        let f = match self {
            Self::Sqlite => "json_array",
            Self::Postgres => "json_build_array",
        };
        format!("{f}({})", values.join(", "))
    }

    /// A boolean column as JSON `true`/`false` (SQLite keeps booleans as 0 and 1).
    fn boolean(self, column: &str) -> String {
        match self {
            Self::Sqlite => format!("CASE WHEN {column} THEN json('true') ELSE json('false') END"),
            Self::Postgres => column.to_string(),
        }
    }
}

/// The columns of an article target a page reads (the article's own columns come with the
/// article).
const PAGE_TARGET_COLUMNS: [&str; 15] = [
    "position",
    "text",
    "indicator",
    "value",
    "value_max",
    "unit",
    "comparator",
    "kind",
    "sector",
    "region",
    "year",
    "record",
    "indicator_key",
    "value_base",
    "unit_base",
];

/// [`ReadingStore::article_page`]'s query, one row: the article's columns (the body's source
/// left out), its desk, origin and document facts, the editors' panel choice, and its tags and
/// targets as JSON (see [`Json`]). One placeholder: now.
pub(super) fn article_page_sql(json: Json) -> String {
    let mut target: Vec<(&str, String)> = PAGE_TARGET_COLUMNS
        .iter()
        .map(|c| (*c, format!("t.{c}")))
        .collect();
    target.push(("aspirational", json.boolean("t.aspirational")));
    let targets = json.array_of(
        &json.object(&target),
        "FROM article_targets t WHERE t.article_id = a.id AND NOT t.hidden",
    );
    let tags = json.array_of(
        &json.array(&["g.id", "g.name", "g.slug"]),
        "FROM article_tags at JOIN tags g ON g.id = at.tag_id WHERE at.article_id = a.id",
    );
    // With their place in the list, sorted when read (an aggregate's order is not the query's).
    let attachments = json.array_of(
        &json.array(&[
            "l.position",
            "x.id",
            "x.file_name",
            "x.original_name",
            "x.mime",
            "x.bytes",
            "x.created_at",
        ]),
        "FROM article_attachments l JOIN attachments x ON x.id = l.attachment_id \
         WHERE l.article_id = a.id",
    );
    let public = super::pages::PUBLIC_NOW;
    format!(
        "SELECT a.id, a.slug, a.title, a.author, a.source, a.summary, a.summary_auto, \
         a.body_format, '' AS body_source, a.body_html, a.status, a.published_at, a.views, \
         a.cover_image, a.created_at, a.updated_at, c.id AS channel_id, c.name AS channel_name, \
         c.slug AS channel_slug, c.position AS channel_position, \
         a.flag_featured, a.flag_pinned, a.flag_headline, \
         a.seo_title, a.seo_keywords, a.seo_description, a.editor, a.notice_issuer, a.notice_number, \
         a.notice_written_on, a.source_url, d.kind AS doc_kind, d.issuer AS doc_issuer, \
         d.region AS doc_region, d.year AS doc_year, d.first_year AS doc_first_year, \
         d.covers AS doc_covers, dc.panel, {tags} AS tags_json, {targets} AS targets_json, \
         {attachments} AS attachments_json, coalesce(ps.stamp, 0) AS page_stamp \
         FROM articles a JOIN channels c ON c.id = a.channel_id \
         LEFT JOIN page_stamps ps ON ps.article_id = a.id \
         LEFT JOIN article_documents d ON d.article_id = a.id \
         LEFT JOIN document_corrections dc ON dc.article_id = a.id \
         WHERE a.slug = ? AND {public}"
    )
}

/// A row of [`article_page_sql`].
#[derive(sqlx::FromRow)]
pub(super) struct ArticlePageRow {
    #[sqlx(flatten)]
    article: super::rows::ArticleRow,
    #[sqlx(flatten)]
    facts: PageFactsRow,
    tags_json: String,
    targets_json: String,
    attachments_json: String,
    page_stamp: i64,
}

/// [`ReadingStore::page_stamp`]'s query. One placeholder: now.
pub(super) fn page_stamp_sql() -> String {
    let public = super::pages::PUBLIC_NOW;
    format!(
        "SELECT a.id, coalesce(ps.stamp, 0) AS stamp, a.views FROM articles a \
         LEFT JOIN page_stamps ps ON ps.article_id = a.id WHERE a.slug = ? AND {public}"
    )
}

/// A target of [`article_page_sql`]'s JSON.
#[derive(serde::Deserialize)]
struct PageTarget {
    position: i64,
    text: String,
    indicator: String,
    value: f64,
    value_max: Option<f64>,
    unit: String,
    comparator: String,
    kind: String,
    aspirational: bool,
    sector: String,
    region: Option<String>,
    year: Option<i64>,
    record: String,
    indicator_key: String,
    // NULL only for rows written before the columns existed, until the backfill at open.
    value_base: Option<f64>,
    unit_base: Option<String>,
}

impl ArticlePageRow {
    /// The page's data; an error names the article whose JSON could not be read.
    pub(super) fn into_page(self) -> StoreResult<ArticlePage> {
        let id = self.article.id;
        let corrupt = |what: &str, e: serde_json::Error| {
            StoreError::Other(anyhow::anyhow!("article {id}: reading its {what}: {e}"))
        };
        let mut tags: Vec<Tag> =
            serde_json::from_str::<Vec<(i64, String, Option<String>)>>(&self.tags_json)
                .map_err(|e| corrupt("tags", e))?
                .into_iter()
                .map(|(id, name, slug)| Tag { id, name, slug })
                .collect();
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        let mut found: Vec<PageTarget> =
            serde_json::from_str(&self.targets_json).map_err(|e| corrupt("targets", e))?;
        found.sort_by_key(|t| t.position);
        // Both backends write times in RFC 3339, which is what serde reads.
        type AttachmentJson = (i64, i64, String, String, String, i64, DateTime<Utc>);
        let mut listed: Vec<AttachmentJson> =
            serde_json::from_str(&self.attachments_json).map_err(|e| corrupt("attachments", e))?;
        listed.sort_by_key(|a| (a.0, a.1));
        let attachments = listed
            .into_iter()
            .map(
                |(_, id, file_name, original_name, mime, bytes, created_at)| Attachment {
                    id,
                    file_name,
                    original_name,
                    mime,
                    bytes,
                    created_at,
                },
            )
            .collect();
        let facts = PageFacts::from(self.facts);
        let article = self
            .article
            .into_article(tags.iter().map(|t| t.name.clone()).collect())?;
        let document = facts.document.as_ref();
        let targets = found
            .into_iter()
            .map(|t| ArticleTarget {
                article_id: article.id,
                article_slug: article.slug.clone(),
                article_title: article.title.clone(),
                article_source: article.source.clone(),
                published_at: article.published_at,
                position: t.position,
                text: t.text,
                indicator: t.indicator,
                value_base: t.value_base.unwrap_or(t.value),
                value: t.value,
                value_max: t.value_max,
                unit_base: t.unit_base.unwrap_or_else(|| t.unit.clone()),
                unit: t.unit,
                comparator: t.comparator,
                kind: t.kind,
                aspirational: t.aspirational,
                sector: t.sector,
                region: t.region,
                year: t.year,
                record: t.record,
                indicator_key: t.indicator_key,
                doc_kind: document.map(|d| d.kind.clone()),
                issuer: document.and_then(|d| d.issuer.clone()),
                covers: document.and_then(|d| d.covers.clone()),
                occurrences: 1,
            })
            .collect();
        Ok(ArticlePage {
            stamp: self.page_stamp,
            article,
            tags,
            facts,
            targets,
            attachments,
        })
    }
}

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

/// Runs `$read` (a query made and fetched on `conn`) on a connection kept for page reads
/// ([`super::readers`]; PostgreSQL keeps two, SQLite none), or the pool's when all are busy (or
/// none are kept). A kept connection can have been cut
/// (a restarted PostgreSQL): when a read fails on one, it is opened again on its next use and
/// the read is asked again of the pool, so the page is not lost to it.
macro_rules! page_read {
    ($store:expr, |$conn:ident| $read:expr) => {{
        let mut held = $store.readers.get(&$store.pool).await.map_err(other)?;
        let read = {
            let $conn = &mut *held;
            $read.await
        };
        match read {
            Err(e) if held.is_kept() => {
                held.failed();
                drop(held);
                tracing::debug!("a page read failed on a kept connection, asked again: {e}");
                let mut pooled = $store.pool.acquire().await.map_err(other)?;
                let $conn = &mut *pooled;
                $read.await.map_err(other)
            }
            read => read.map_err(other),
        }
    }};
}
pub(super) use page_read;

/// The one implementation of [`ReadingStore`], expanded in each backend's module, where `sql`
/// rewrites placeholders and `other` maps errors; `$json` is the backend's [`Json`].
macro_rules! reading_store_impl {
    ($store:ty, $json:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::ReadingStore for $store {
            // Each read is an article page's: on a connection kept for them (`page_read!`), or,
            // for the link reads on SQLite, on the request's thread (`InlineReads`).
            #[tracing::instrument(skip_all, fields(article.id = article.id))]
            async fn reading_links(
                &self,
                article: &$crate::domain::Article,
                similar: &[i64],
                limit: u32,
            ) -> $crate::store::StoreResult<$crate::store::ReadingLinks> {
                use $crate::store::readers::{InlineParams, InlineReads};
                use $crate::store::reading::{
                    LinkArgs, bind_reading_links, reading_links_from_json, reading_links_sql,
                };
                let args = LinkArgs::new(article, similar, limit);
                let sql = sql(&reading_links_sql(
                    $json,
                    args.tags.len(),
                    args.similar.len(),
                ));
                let inline = self.inline_readers().and_then(|readers| {
                    let params = bind_reading_links!(InlineParams::default(), &args);
                    readers.query_row(&sql, &params, |row| row.get::<_, String>(0))
                });
                let json = match inline {
                    Some(json) => json.ok_or_else(|| {
                        $crate::store::StoreError::Other(anyhow::anyhow!("no reading links row"))
                    })?,
                    None => {
                        let query =
                            || bind_reading_links!(sqlx::query_scalar::<_, String>(&sql), &args);
                        $crate::store::reading::page_read!(self, |conn| query().fetch_one(conn))?
                    }
                };
                reading_links_from_json(&json, &args.similar)
            }

            #[tracing::instrument(skip_all, fields(article.id = article.id))]
            async fn page_stamp_and_links(
                &self,
                slug: &str,
                article: &$crate::domain::Article,
                similar: &[i64],
                limit: u32,
            ) -> $crate::store::StoreResult<($crate::store::PageStamp, $crate::store::ReadingLinks)>
            {
                use $crate::store::readers::{InlineParams, InlineReads};
                use $crate::store::reading::{
                    LinkArgs, bind_reading_links, page_stamp_and_links_sql, reading_links_from_json,
                };
                let args = LinkArgs::new(article, similar, limit);
                let sql = sql(&page_stamp_and_links_sql(
                    $json,
                    args.tags.len(),
                    args.similar.len(),
                ));
                let inline = self.inline_readers().and_then(|readers| {
                    let params = bind_reading_links!(InlineParams::default(), &args)
                        .bind(slug)
                        .bind(args.now);
                    readers.query_row(&sql, &params, |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                    })
                });
                let row = match inline {
                    Some(row) => row,
                    None => {
                        let query = || {
                            let q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
                            bind_reading_links!(q, &args).bind(slug).bind(args.now)
                        };
                        $crate::store::reading::page_read!(self, |conn| {
                            query().fetch_optional(conn)
                        })?
                    }
                };
                let (id, stamp, views, json) = row.ok_or($crate::store::StoreError::NotFound)?;
                let links = reading_links_from_json(&json, &args.similar)?;
                Ok(($crate::store::PageStamp { id, stamp, views }, links))
            }

            #[tracing::instrument(skip_all)]
            async fn article_page(
                &self,
                slug: &str,
            ) -> $crate::store::StoreResult<$crate::store::ArticlePage> {
                use $crate::store::reading::{ArticlePageRow, article_page_sql};
                static SQL: std::sync::LazyLock<String> =
                    std::sync::LazyLock::new(|| sql(&article_page_sql($json)));
                let now = db_time(chrono::Utc::now());
                let query = || sqlx::query_as(&SQL).bind(slug).bind(now);
                let row: Option<ArticlePageRow> =
                    $crate::store::reading::page_read!(self, |conn| query().fetch_optional(conn))?;
                row.ok_or($crate::store::StoreError::NotFound)?.into_page()
            }

            #[tracing::instrument(skip_all)]
            async fn page_stamp(
                &self,
                slug: &str,
            ) -> $crate::store::StoreResult<$crate::store::PageStamp> {
                static SQL: std::sync::LazyLock<String> =
                    std::sync::LazyLock::new(|| sql(&$crate::store::reading::page_stamp_sql()));
                let now = db_time(chrono::Utc::now());
                let query = || sqlx::query_as(&SQL).bind(slug).bind(now);
                $crate::store::reading::page_read!(self, |conn| query().fetch_optional(conn))?
                    .ok_or($crate::store::StoreError::NotFound)
            }
        }
    };
}
pub(super) use reading_store_impl;
