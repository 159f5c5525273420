//! The store for several nodes: one PostgreSQL database (`--database-url postgres://…`),
//! migrations from `migrations/postgres` applied at open (under sqlx's advisory lock, so nodes
//! started together migrate one at a time). The same behaviour as `sqlite`, checked by the same
//! tests run against both (`tests/it`, `NEWSDESK_TEST_BACKEND=postgres`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{FromRow, PgPool};
use tracing::instrument;

#[path = "postgres_newsroom.rs"]
mod newsroom;

use super::{ChangeCursor, Store, StoreError, StoreResult, Upserted, db_time};
use crate::domain::{
    Article, ArticleInput, ArticleStamp, ArticleStatus, ArticleSummary, ArticleTarget, BodyFormat,
    Channel, Page, PageRequest, SiteSettings, TargetFacets, TargetFilter, TargetSort,
};
use crate::targets::{self, Extracted};

/// PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Moves on after every committed content write; see [`Store::content_version`].
    version: Arc<AtomicU64>,
    /// The trigger-kept `content_version` row as last read, to notice other nodes' changes.
    db_version: Arc<AtomicI64>,
}

impl PgStore {
    /// Connects to `url` and applies pending migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let pool = Self::connect(url).await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .with_context(|| format!("migrating PostgreSQL database {}", redact(url)))?;
        Ok(Self::with_pool(pool))
    }

    /// Connects to the database of an existing site, refusing one without newsdesk's tables.
    pub async fn open_existing(url: &str) -> anyhow::Result<Self> {
        let pool = Self::connect(url).await?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name IN ('_sqlx_migrations', 'articles', 'settings')",
        )
        .fetch_one(&pool)
        .await?;
        if tables < 3 {
            anyhow::bail!(
                "PostgreSQL database {} holds no newsdesk tables; check --database-url",
                redact(url)
            );
        }
        Self::open(url).await
    }

    async fn connect(url: &str) -> anyhow::Result<PgPool> {
        let options: PgConnectOptions = url
            .parse()
            .with_context(|| format!("reading --database-url {}", redact(url)))?;
        let options = options.application_name("newsdesk");
        PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))
    }

    fn with_pool(pool: PgPool) -> Self {
        Self {
            pool,
            version: Arc::default(),
            db_version: Arc::default(),
        }
    }

    /// The connection pool (migrate-store, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Marks a committed content write: pages rendered before it are out of date.
    pub(super) fn touch(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Starts a write transaction. PostgreSQL locks rows, not the database, so a plain `BEGIN`
    /// (READ COMMITTED) is the counterpart of SQLite's `BEGIN IMMEDIATE`.
    pub(super) async fn write_tx(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool.begin().await.map_err(other)
    }

    /// Rows in every table of the current schema (migration bookkeeping left out).
    pub async fn table_counts(&self) -> anyhow::Result<BTreeMap<String, i64>> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut counts = BTreeMap::new();
        for name in names {
            // Names come from the catalogue, not from users; quoted all the same.
            let sql = format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\""));
            let n: i64 = sqlx::query_scalar(&sql).fetch_one(&self.pool).await?;
            counts.insert(name, n);
        }
        Ok(counts)
    }

    /// The newest migration applied.
    pub async fn schema_version(&self) -> anyhow::Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM _sqlx_migrations")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// `url` without its password, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(an unreadable URL)".to_string(),
    }
}

pub(super) fn other(e: sqlx::Error) -> StoreError {
    StoreError::Other(e.into())
}

/// Maps a uniqueness violation to `Conflict` naming the table and column as SQLite does
/// (`articles.slug`), a foreign-key violation to `Conflict`, everything else to `Other`.
pub(super) fn on_write(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let table = db.table().unwrap_or("");
            let column = db
                .constraint()
                .map(|c| {
                    let c = c.strip_suffix("_key").unwrap_or(c);
                    c.strip_prefix(table)
                        .map_or(c, |rest| rest.trim_start_matches('_'))
                })
                .unwrap_or("unique value");
            let what = if table.is_empty() {
                column.to_string()
            } else {
                format!("{table}.{column}")
            };
            return StoreError::Conflict { what };
        }
        if db.is_foreign_key_violation() {
            return StoreError::Conflict {
                what: "reference to a missing row".into(),
            };
        }
    }
    other(e)
}

#[derive(FromRow)]
struct ChannelRow {
    id: i64,
    name: String,
    slug: String,
    position: i64,
}

impl From<ChannelRow> for Channel {
    fn from(r: ChannelRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            slug: r.slug,
            position: r.position,
        }
    }
}

#[derive(FromRow)]
pub(super) struct ArticleRow {
    id: i64,
    slug: String,
    title: String,
    author: Option<String>,
    source: Option<String>,
    summary: String,
    body_format: String,
    body_source: String,
    body_html: String,
    status: String,
    published_at: Option<DateTime<Utc>>,
    views: i64,
    cover_image: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    channel_id: i64,
    channel_name: String,
    channel_slug: String,
    channel_position: i64,
}

impl ArticleRow {
    pub(super) fn into_article(self, tags: Vec<String>) -> StoreResult<Article> {
        let corrupt = |what: &str, value: &str| {
            StoreError::Other(anyhow::anyhow!(
                "article {}: unknown {what} {value:?}",
                self.id
            ))
        };
        let body_format = BodyFormat::parse(&self.body_format)
            .ok_or_else(|| corrupt("body format", &self.body_format))?;
        let status =
            ArticleStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        Ok(Article {
            id: self.id,
            slug: self.slug,
            title: self.title,
            author: self.author,
            source: self.source,
            channel: Channel {
                id: self.channel_id,
                name: self.channel_name,
                slug: self.channel_slug,
                position: self.channel_position,
            },
            tags,
            summary: self.summary,
            body_format,
            body_source: self.body_source,
            body_html: self.body_html,
            status,
            published_at: self.published_at,
            views: self.views,
            cover_image: self.cover_image,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    slug: String,
    title: String,
    summary: String,
    channel_name: String,
    channel_slug: String,
    published_at: Option<DateTime<Utc>>,
    views: i64,
}

impl From<SummaryRow> for ArticleSummary {
    fn from(r: SummaryRow) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            title: r.title,
            summary: r.summary,
            channel_name: r.channel_name,
            channel_slug: r.channel_slug,
            published_at: r.published_at,
            views: r.views,
        }
    }
}

pub(super) const ARTICLE_COLUMNS: &str = "a.id, a.slug, a.title, a.author, a.source, a.summary, a.body_format, \
     a.body_source, a.body_html, a.status, a.published_at, a.views, a.cover_image, a.created_at, \
     a.updated_at, \
     c.id AS channel_id, c.name AS channel_name, c.slug AS channel_slug, c.position AS channel_position";

/// Public articles: published, and their time has come (`$n` binds now).
fn public(n: u8) -> String {
    format!("a.status = 'published' AND a.published_at <= ${n}")
}
/// What the search index holds: public articles and those published for a time still ahead (the
/// index hides them until then). Keep in step with `public`.
const INDEXABLE: &str = "a.status = 'published'";

impl PgStore {
    async fn tags_of(&self, article_id: i64) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id \
             WHERE at.article_id = $1 ORDER BY t.name",
        )
        .bind(article_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)
    }
}

impl PgStore {
    /// The end of every article write, whoever writes: tags and targets (computed by the caller
    /// before the transaction began) replaced in the same transaction, commit, and pages rendered
    /// before it marked out of date.
    pub(super) async fn finish_article_write(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
        id: i64,
        input: &ArticleInput,
        targets: &[Extracted],
    ) -> StoreResult<()> {
        replace_tags(&mut tx, id, &input.tags).await?;
        write_targets(&mut tx, id, targets).await?;
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(())
    }
}

/// The id of the channel with `slug`, or a `Conflict` naming the slug.
pub(super) async fn channel_id(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    slug: &str,
) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM channels WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await
        .map_err(other)?
        .ok_or_else(|| StoreError::Conflict {
            what: format!("no channel with slug {slug:?}"),
        })
}

/// Inserts a new article row (imports, the demo, the newsroom) and returns its id.
pub(super) async fn insert_article(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    input: &ArticleInput,
    channel_id: i64,
    cover_image: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO articles (slug, title, author, source, channel_id, summary, body_format, \
         body_source, body_html, status, published_at, views, import_key, cover_image, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(&input.slug)
    .bind(&input.title)
    .bind(&input.author)
    .bind(&input.source)
    .bind(channel_id)
    .bind(&input.summary)
    .bind(input.body_format.as_str())
    .bind(&input.body_source)
    .bind(&input.body_html)
    .bind(input.status.as_str())
    .bind(input.published_at.map(db_time))
    .bind(input.views)
    .bind(&input.import_key)
    .bind(cover_image)
    .bind(now)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(on_write)
}

/// Replaces an article's tags, creating tags that do not exist yet.
pub(super) async fn replace_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    article_id: i64,
    tags: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM article_tags WHERE article_id = $1")
        .bind(article_id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    for tag in tags {
        let tag_id: i64 = sqlx::query_scalar(
            "INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = name \
             RETURNING id",
        )
        .bind(tag)
        .fetch_one(&mut **tx)
        .await
        .map_err(other)?;
        sqlx::query(
            "INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(article_id)
        .bind(tag_id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    }
    Ok(())
}

const TARGET_COLUMNS: &str = "t.article_id, a.slug AS article_slug, a.title AS article_title, \
     a.published_at, t.position, t.text, t.indicator, t.value, t.value_max, t.unit, t.comparator, \
     t.kind, t.aspirational, t.sector, t.region, t.year";

/// `SELECT {select}` over the targets of public articles matching `filter` (no order, no limit).
fn target_query(
    select: &str,
    filter: &TargetFilter,
) -> sqlx::QueryBuilder<'static, sqlx::Postgres> {
    // The builder numbers the placeholders as it binds.
    let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
        "SELECT {select} FROM article_targets t JOIN articles a ON a.id = t.article_id \
         WHERE a.status = 'published' AND a.published_at <= "
    ));
    q.push_bind(db_time(Utc::now()));
    if let Some(id) = filter.article_id {
        q.push(" AND t.article_id = ").push_bind(id);
    }
    if let Some(sector) = &filter.sector {
        q.push(" AND t.sector = ").push_bind(sector.clone());
    }
    if let Some(kind) = &filter.kind {
        q.push(" AND t.kind = ").push_bind(kind.clone());
    }
    if let Some(region) = &filter.region {
        q.push(" AND t.region = ").push_bind(region.clone());
    }
    if let Some(year) = filter.year {
        q.push(" AND t.year = ").push_bind(year);
    }
    if let Some(aspirational) = filter.aspirational {
        q.push(" AND t.aspirational = ").push_bind(aspirational);
    }
    q
}

fn push_target_order(q: &mut sqlx::QueryBuilder<'static, sqlx::Postgres>, filter: &TargetFilter) {
    q.push(match filter.sort {
        TargetSort::Document => " ORDER BY a.published_at DESC, a.id DESC, t.position",
        TargetSort::Sector => " ORDER BY t.sector, t.indicator, t.position",
        TargetSort::Indicator => " ORDER BY t.indicator, a.published_at DESC, t.position",
        TargetSort::Value => " ORDER BY t.unit, t.value DESC, t.position",
    });
}

/// Replaces an article's targets with those found in its new body: derived data, computed before
/// the transaction (never while it holds the write lock) and written in the article's own
/// transaction, so they can never be stale.
pub(super) async fn write_targets(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    article_id: i64,
    found_targets: &[Extracted],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM article_targets WHERE article_id = $1")
        .bind(article_id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    for (position, found) in (0_i64..).zip(found_targets) {
        let t = &found.target;
        sqlx::query(
            "INSERT INTO article_targets (article_id, position, start_char, end_char, text, \
             indicator, value, value_max, unit, comparator, kind, aspirational, sector, region, year) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(article_id)
        .bind(position)
        .bind(i64::try_from(t.start).unwrap_or(i64::MAX))
        .bind(i64::try_from(t.end).unwrap_or(i64::MAX))
        .bind(&t.text)
        .bind(&t.indicator)
        .bind(t.value)
        .bind(t.value_max)
        .bind(&t.unit)
        .bind(targets::comparator_name(t.comparator))
        .bind(targets::kind_name(t.kind))
        .bind(t.aspirational)
        .bind(t.sector.as_str())
        .bind(&found.region)
        .bind(found.year)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    }
    Ok(())
}

#[derive(FromRow)]
struct TargetRow {
    article_id: i64,
    article_slug: String,
    article_title: String,
    published_at: Option<DateTime<Utc>>,
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
}

impl From<TargetRow> for ArticleTarget {
    fn from(r: TargetRow) -> Self {
        Self {
            article_id: r.article_id,
            article_slug: r.article_slug,
            article_title: r.article_title,
            published_at: r.published_at,
            position: r.position,
            text: r.text,
            indicator: r.indicator,
            value: r.value,
            value_max: r.value_max,
            unit: r.unit,
            comparator: r.comparator,
            kind: r.kind,
            aspirational: r.aspirational,
            sector: r.sector,
            region: r.region,
            year: r.year,
        }
    }
}

#[async_trait]
impl Store for PgStore {
    async fn index_changes(
        &self,
        after: ChangeCursor,
        limit: u32,
    ) -> StoreResult<Vec<(ChangeCursor, i64)>> {
        todo!("PostgreSQL: index_changes")
    }

    async fn index_change_head(&self) -> StoreResult<ChangeCursor> {
        todo!("PostgreSQL: index_change_head")
    }

    async fn prune_index_changes(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        todo!("PostgreSQL: prune_index_changes")
    }

    fn content_version(&self) -> u64 {
        todo!("PostgreSQL: content_version")
    }

    async fn sync_content_version(&self) -> StoreResult<bool> {
        todo!("PostgreSQL: sync_content_version")
    }

    async fn list_channels(&self) -> StoreResult<Vec<Channel>> {
        todo!("PostgreSQL: list_channels")
    }

    async fn channel_by_slug(&self, slug: &str) -> StoreResult<Channel> {
        todo!("PostgreSQL: channel_by_slug")
    }

    async fn upsert_channel(&self, name: &str, slug: &str, position: i64) -> StoreResult<Channel> {
        todo!("PostgreSQL: upsert_channel")
    }

    async fn upsert_article(
        &self,
        input: &ArticleInput,
        targets: &[Extracted],
    ) -> StoreResult<Upserted> {
        todo!("PostgreSQL: upsert_article")
    }

    async fn published_article(&self, slug: &str) -> StoreResult<Article> {
        todo!("PostgreSQL: published_article")
    }

    async fn list_published(
        &self,
        channel_id: Option<i64>,
        page: PageRequest,
    ) -> StoreResult<Page<ArticleSummary>> {
        todo!("PostgreSQL: list_published")
    }

    async fn count_articles(&self) -> StoreResult<i64> {
        todo!("PostgreSQL: count_articles")
    }

    async fn article_by_id(&self, id: i64) -> StoreResult<Article> {
        todo!("PostgreSQL: article_by_id")
    }

    async fn delete_article(&self, id: i64) -> StoreResult<()> {
        todo!("PostgreSQL: delete_article")
    }

    async fn set_status(&self, id: i64, status: ArticleStatus) -> StoreResult<()> {
        todo!("PostgreSQL: set_status")
    }

    async fn list_indexable(&self, after_id: i64, limit: u32) -> StoreResult<Vec<Article>> {
        todo!("PostgreSQL: list_indexable")
    }

    async fn count_indexable(&self) -> StoreResult<i64> {
        todo!("PostgreSQL: count_indexable")
    }

    async fn indexable_stamps(&self) -> StoreResult<Vec<(i64, i64)>> {
        todo!("PostgreSQL: indexable_stamps")
    }

    async fn search_stamps(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
        todo!("PostgreSQL: search_stamps")
    }

    async fn latest_articles(
        &self,
        channel_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<Article>> {
        todo!("PostgreSQL: latest_articles")
    }

    async fn published_stamps(&self, page: PageRequest) -> StoreResult<Page<ArticleStamp>> {
        todo!("PostgreSQL: published_stamps")
    }

    async fn add_views(&self, batch: &[(i64, u64)]) -> StoreResult<()> {
        todo!("PostgreSQL: add_views")
    }

    async fn article_views(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
        todo!("PostgreSQL: article_views")
    }

    async fn list_targets(&self, filter: &TargetFilter) -> StoreResult<Vec<ArticleTarget>> {
        todo!("PostgreSQL: list_targets")
    }

    async fn count_targets_by_sector(
        &self,
        filter: &TargetFilter,
    ) -> StoreResult<Vec<(String, i64)>> {
        todo!("PostgreSQL: count_targets_by_sector")
    }

    fn stream_targets(
        &self,
        filter: &TargetFilter,
    ) -> BoxStream<'static, StoreResult<ArticleTarget>> {
        todo!("PostgreSQL: stream_targets")
    }

    async fn target_facets(&self) -> StoreResult<TargetFacets> {
        todo!("PostgreSQL: target_facets")
    }

    async fn site_settings(&self) -> StoreResult<SiteSettings> {
        todo!("PostgreSQL: site_settings")
    }

    async fn save_site_settings(&self, settings: &SiteSettings) -> StoreResult<()> {
        todo!("PostgreSQL: save_site_settings")
    }

    async fn marker(&self, key: &str) -> StoreResult<Option<String>> {
        todo!("PostgreSQL: marker")
    }

    async fn set_marker(&self, key: &str, value: &str) -> StoreResult<()> {
        todo!("PostgreSQL: set_marker")
    }

    async fn claim_marker(&self, key: &str, value: &str) -> StoreResult<bool> {
        todo!("PostgreSQL: claim_marker")
    }
}
