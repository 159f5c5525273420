//! The store for several nodes: one PostgreSQL database (`--database-url postgres://…`),
//! migrations from `migrations/postgres` applied at open (under sqlx's advisory lock, so nodes
//! started together migrate one at a time). The same behaviour as `sqlite`, checked by the same
//! tests run against both (`tests/it`, `NEWSDESK_TEST_BACKEND=postgres`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tracing::instrument;

#[path = "postgres_corrections.rs"]
mod corrections;
#[path = "postgres_desk.rs"]
mod desk;
#[path = "postgres_media.rs"]
mod media;
#[path = "postgres_newsroom.rs"]
mod newsroom;
#[path = "postgres_origin.rs"]
mod origin;
#[path = "postgres_pages.rs"]
mod pages;
#[path = "postgres_push.rs"]
mod push;
#[path = "postgres_reading.rs"]
mod reading;
#[path = "postgres_review.rs"]
mod review;

use super::readers::{InlineReads, KeptReaders};
use super::rows::{ArticleRow, ChannelRow, DocumentRow, IndicatorRow, SummaryRow, TargetRow};
use super::{ChangeCursor, Store, StoreError, StoreResult, Upserted, db_time};
use crate::domain::{
    Article, ArticleInput, ArticleStamp, ArticleStatus, ArticleSummary, ArticleTarget, Channel,
    IndicatorCount, Page, PageRequest, PolicyDocument, SiteSettings, TargetFacets, TargetFilter,
    TargetSort,
};
use crate::domain::{ChannelViews, DayViews, ViewedArticle};
use crate::targets::{self, Extraction};

/// PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Moves on after every committed content write; see [`Store::content_version`].
    version: Arc<AtomicU64>,
    /// The trigger-kept `content_version` row as last read, to notice other nodes' changes.
    db_version: Arc<AtomicI64>,
    /// Connections for article pages' reads, outside the pool (see `readers`).
    readers: KeptReaders<sqlx::Postgres>,
}

/// PostgreSQL is across a network: its reads stay asynchronous.
impl InlineReads for PgStore {}

/// Connections kept for article pages' reads (see `readers`), beside the pool's 16: the ping
/// sqlx sends when a connection goes back to its pool is a round trip to the server.
const PAGE_READERS: usize = 2;

/// Fills the normalized value and unit family of targets written before those columns existed
/// (migration 0002): one update per distinct unit, with the factor from `targets::normalize`, so the
/// magnitudes are known in one place. Nodes starting together do the same idempotent updates.
async fn backfill_target_values(pool: &PgPool) -> anyhow::Result<()> {
    let units: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT unit FROM article_targets WHERE unit_base IS NULL")
            .fetch_all(pool)
            .await?;
    for unit in units {
        let (factor, family) = targets::normalize(1.0, &unit);
        sqlx::query(
            "UPDATE article_targets SET value_base = value * $1, unit_base = $2 \
             WHERE unit = $3 AND unit_base IS NULL",
        )
        .bind(factor)
        .bind(family)
        .bind(&unit)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Fills the canonical indicator key of targets written before that column existed (migration
/// 0003): one update per distinct indicator, with the key from `policy::indicator_key`, so the
/// synonyms are known in one place. Once filled, one scan finds nothing to do.
async fn backfill_indicator_keys(pool: &PgPool) -> anyhow::Result<()> {
    let indicators: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT indicator FROM article_targets WHERE indicator_key = '' AND indicator <> ''",
    )
    .fetch_all(pool)
    .await?;
    for indicator in indicators {
        sqlx::query(
            "UPDATE article_targets SET indicator_key = $1 WHERE indicator = $2 AND indicator_key = ''",
        )
        .bind(policy::indicator_key(&indicator))
        .bind(&indicator)
        .execute(pool)
        .await?;
    }
    Ok(())
}

impl PgStore {
    /// Connects to `url` and applies pending migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let pool = Self::connect(url).await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .with_context(|| format!("migrating PostgreSQL database {}", redact(url)))?;
        backfill_target_values(&pool)
            .await
            .with_context(|| format!("filling target values of {}", redact(url)))?;
        backfill_indicator_keys(&pool)
            .await
            .with_context(|| format!("filling indicator keys of {}", redact(url)))?;
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
            readers: KeptReaders::new(PAGE_READERS),
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

    /// [`PgStore::write_tx`] for a write that locks tag rows before it changes articles or tag
    /// links. Every article write locks the `content_version` row (its triggers bump it) and only
    /// then tags; a tag action that locked a tag first and `content_version` second could
    /// deadlock with it (an import holding `content_version` and waiting for that tag). Taking
    /// `content_version` first keeps one order for all.
    pub(super) async fn tag_write_tx(
        &self,
    ) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.write_tx().await?;
        sqlx::query("SELECT 1 FROM content_version WHERE id = 1 FOR UPDATE")
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        Ok(tx)
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

pub(super) const ARTICLE_COLUMNS: &str = "a.id, a.slug, a.title, a.author, a.source, a.summary, a.summary_auto, \
     a.body_format, a.body_source, a.body_html, a.status, a.published_at, a.views, a.cover_image, a.created_at, \
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
             WHERE at.article_id = $1 ORDER BY t.name COLLATE \"C\"",
        )
        .bind(article_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)
    }

    /// Articles from `rows`, each with its tags read in one query for all.
    async fn with_tags(&self, rows: Vec<ArticleRow>) -> StoreResult<Vec<Article>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let links: Vec<(i64, String)> = sqlx::query_as(
            "SELECT at.article_id, t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id \
             WHERE at.article_id = ANY($1) ORDER BY t.name COLLATE \"C\"",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        super::rows::articles_with_tags(rows, links)
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
        found: &Extraction,
    ) -> StoreResult<()> {
        replace_tags(&mut tx, id, &input.tags).await?;
        write_targets(&mut tx, id, found).await?;
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(())
    }
}

/// [`Store::upsert_article`]'s writes, inside the caller's transaction.
async fn upsert_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    input: &ArticleInput,
    channel_id: i64,
    found: &Extraction,
) -> StoreResult<Upserted> {
    let now = db_time(Utc::now());
    let published_at = input.published_at.map(db_time);
    let existing: Option<i64> = match &input.import_key {
        Some(key) => sqlx::query_scalar("SELECT id FROM articles WHERE import_key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await
            .map_err(other)?,
        None => None,
    };
    let outcome = if let Some(id) = existing {
        // An imported page keeps its URL on re-import; views never go down.
        sqlx::query(
                "UPDATE articles SET title = $1, author = $2, source = $3, channel_id = $4, summary = $5, \
                 body_format = $6, body_source = $7, body_html = $8, status = $9, published_at = $10, \
                 views = GREATEST(views, $11), updated_at = $12, version = version + 1, \
                 summary_auto = $14 WHERE id = $13",
            )
            .bind(&input.title)
            .bind(&input.author)
            .bind(&input.source)
            .bind(channel_id)
            .bind(&input.summary)
            .bind(input.body_format.as_str())
            .bind(&input.body_source)
            .bind(&input.body_html)
            .bind(input.status.as_str())
            .bind(published_at)
            .bind(input.views)
            .bind(now)
            .bind(id)
            .bind(input.summary_auto)
            .execute(&mut **tx)
            .await
            .map_err(on_write)?;
        Upserted::Updated(id)
    } else {
        let id = insert_article(tx, input, channel_id, None, now).await?;
        Upserted::Created(id)
    };
    match outcome {
        Upserted::Created(id) => {
            add_tags(tx, id, &input.tags).await?;
            write_figures(tx, id, found, false).await?;
        }
        Upserted::Updated(id) => {
            replace_tags(tx, id, &input.tags).await?;
            write_targets(tx, id, found).await?;
        }
    }
    Ok(outcome)
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
         created_at, updated_at, summary_auto) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         RETURNING id",
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
    .bind(input.summary_auto)
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
    add_tags(tx, article_id, tags).await
}

/// Tags an article that has none yet (created in this transaction), creating tags that do not
/// exist yet.
async fn add_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    article_id: i64,
    tags: &[String],
) -> StoreResult<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let ids = lock_tags(tx, tags).await?;
    sqlx::query(
        "INSERT INTO article_tags (article_id, tag_id) SELECT $1, unnest($2::bigint[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(article_id)
    .bind(&ids)
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(())
}

/// Creates the tags named that do not exist yet and returns the ids of all, each row locked
/// until commit. Every writer takes them in one order (by name, in one statement), so two saves
/// sharing tags wait for each other instead of deadlocking. `DO UPDATE` rather than `DO NOTHING` so that the id
/// comes back, and the row stays locked, even when the tag already exists (a tag deleted by an
/// editor meanwhile then waits for this transaction instead of leaving a link to nothing).
async fn lock_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tags: &[String],
) -> StoreResult<Vec<i64>> {
    sqlx::query_scalar(
        "INSERT INTO tags (name) SELECT DISTINCT n COLLATE \"C\" FROM unnest($1::text[]) AS u(n) \
         ORDER BY 1 ON CONFLICT (name) DO UPDATE SET name = tags.name RETURNING id",
    )
    .bind(tags)
    .fetch_all(&mut **tx)
    .await
    .map_err(other)
}

const TARGET_COLUMNS: &str = "t.article_id, t.article_slug, t.article_title, t.article_source, t.published_at, \
     t.position, t.text, t.indicator, t.value, t.value_max, t.unit, t.comparator, t.kind, \
     t.aspirational, t.sector, t.region, t.year, t.record, t.indicator_key, t.doc_kind, t.issuer, t.covers, \
     t.value_base, t.unit_base, t.occurrences";

/// The targets that are one in a listing: an article stating the same indicator, value, unit and
/// year twice (a summary repeating a sentence of its text) states one target.
const SAME_TARGET: &str =
    "PARTITION BY t.article_id, t.record, t.indicator, t.value, t.value_max, t.unit, t.year";

/// The select of the inner query of [`target_query`]: the target, its article, its repeats.
fn target_source(filter: &TargetFilter) -> String {
    let (occurrences, nth) = if filter.each_occurrence {
        ("1::bigint".to_string(), "1::bigint".to_string())
    } else {
        (
            format!("count(*) OVER ({SAME_TARGET})"),
            format!("row_number() OVER ({SAME_TARGET} ORDER BY t.position)"),
        )
    };
    format!(
        "SELECT t.*, a.slug AS article_slug, a.title AS article_title, \
         a.source AS article_source, a.published_at, d.kind AS doc_kind, d.issuer, d.covers, \
         {occurrences} AS occurrences, {nth} AS nth \
         FROM article_targets t JOIN articles a ON a.id = t.article_id \
         LEFT JOIN article_documents d ON d.article_id = t.article_id"
    )
}

/// `SELECT {select}` over the targets of public articles matching `filter` (no order, no limit).
fn target_query(
    select: &str,
    filter: &TargetFilter,
) -> sqlx::QueryBuilder<'static, sqlx::Postgres> {
    // The builder numbers the placeholders as it binds.
    let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
        "SELECT {select} FROM ({} WHERE a.status = 'published' AND a.published_at <= ",
        target_source(filter)
    ));
    q.push_bind(db_time(Utc::now()));
    // Targets hidden by an editor appear on no public page, count or export.
    q.push(" AND NOT t.hidden");
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
    if let Some(record) = &filter.record {
        q.push(" AND t.record = ").push_bind(record.clone());
    }
    if let Some(key) = &filter.indicator_key {
        q.push(" AND t.indicator_key = ").push_bind(key.clone());
    }
    if let Some(doc_kind) = &filter.doc_kind {
        q.push(" AND d.kind = ").push_bind(doc_kind.clone());
    }
    // Repeats are merged after the filters, so the row kept is the first that matches.
    q.push(") t WHERE t.nth = 1");
    q
}

/// Text is ordered by code point (`COLLATE "C"`), as SQLite orders it, whatever the database's
/// collation.
fn push_target_order(q: &mut sqlx::QueryBuilder<'static, sqlx::Postgres>, filter: &TargetFilter) {
    q.push(match filter.sort {
        TargetSort::Document => " ORDER BY t.published_at DESC, t.article_id DESC, t.position",
        TargetSort::Sector => {
            " ORDER BY t.sector COLLATE \"C\", t.indicator COLLATE \"C\", t.position"
        }
        TargetSort::Indicator => {
            " ORDER BY t.indicator COLLATE \"C\", t.published_at DESC, t.position"
        }
        TargetSort::Value => {
            " ORDER BY t.unit_base COLLATE \"C\", t.value_base DESC, t.published_at DESC, t.article_id DESC, \
             t.position"
        },
    });
}

/// Targets written by one INSERT: 21 values each stays far below either database's limit on
/// bound values (32,766 in SQLite, 65,535 in PostgreSQL).
const TARGET_ROWS_PER_INSERT: usize = 100;

/// Replaces an article's document facts, targets and results with those found in its new body:
/// derived data, computed before the transaction (never while it holds the write lock) and
/// written in the article's own transaction, so they can never be stale.
pub(super) async fn write_targets(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    article_id: i64,
    found: &Extraction,
) -> StoreResult<()> {
    write_figures(tx, article_id, found, true).await
}

/// [`write_targets`]; `replace` is false for an article created in this transaction, which has
/// no rows to delete (a round trip saved per imported page).
async fn write_figures(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    article_id: i64,
    found: &Extraction,
    replace: bool,
) -> StoreResult<()> {
    let doc = &found.document;
    sqlx::query(
        "INSERT INTO article_documents (article_id, kind, issuer, region, year, first_year, covers) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (article_id) DO UPDATE SET kind = excluded.kind, issuer = excluded.issuer, \
         region = excluded.region, year = excluded.year, first_year = excluded.first_year, \
         covers = excluded.covers",
    )
    .bind(article_id)
    .bind(&doc.kind)
    .bind(&doc.issuer)
    .bind(&doc.region)
    .bind(doc.year)
    .bind(doc.first_year)
    .bind(&doc.covers)
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    if replace {
        sqlx::query("DELETE FROM article_targets WHERE article_id = $1")
            .bind(article_id)
            .execute(&mut **tx)
            .await
            .map_err(other)?;
    }
    // One statement per hundred targets: a policy document states dozens, and each statement is
    // a round trip to the database.
    let rows: Vec<(i64, &targets::Extracted)> = (0_i64..).zip(&found.figures).collect();
    for chunk in rows.chunks(TARGET_ROWS_PER_INSERT) {
        let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "INSERT INTO article_targets (article_id, position, start_char, end_char, text, \
             indicator, value, value_max, unit, comparator, kind, aspirational, sector, region, year, \
             value_base, unit_base, record, indicator_key, hidden, origin) ",
        );
        q.push_values(chunk, |mut b, &(position, figure)| {
            let t = &figure.target;
            b.push_bind(article_id)
                .push_bind(position)
                .push_bind(i64::try_from(t.start).unwrap_or(i64::MAX))
                .push_bind(i64::try_from(t.end).unwrap_or(i64::MAX))
                .push_bind(t.text.clone())
                .push_bind(t.indicator.clone())
                .push_bind(t.value)
                .push_bind(t.value_max)
                .push_bind(t.unit.clone())
                .push_bind(targets::comparator_name(t.comparator))
                .push_bind(targets::kind_name(t.kind))
                .push_bind(t.aspirational)
                .push_bind(t.sector.as_str())
                .push_bind(figure.region.clone())
                .push_bind(figure.year)
                .push_bind(figure.value_base)
                .push_bind(figure.unit_base.clone())
                .push_bind(figure.record.as_str())
                .push_bind(figure.indicator_key.clone())
                .push_bind(figure.hidden)
                .push_bind(figure.origin.as_str());
        });
        q.build().execute(&mut **tx).await.map_err(other)?;
    }
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    #[instrument(skip_all)]
    async fn index_changes(
        &self,
        after: ChangeCursor,
        limit: u32,
    ) -> StoreResult<Vec<(ChangeCursor, i64)>> {
        // Only transactions older than every running one (`pg_snapshot_xmin`) are read: a change
        // of a transaction still open has a smaller xid than some already committed, and moving
        // the cursor past those would skip it for good once it commits.
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT xid::text::bigint, seq, article_id FROM index_changes \
             WHERE (xid, seq) > ($1::text::xid8, $2) \
             AND xid < pg_snapshot_xmin(pg_current_snapshot()) \
             ORDER BY xid, seq LIMIT $3",
        )
        .bind(after.xid.to_string())
        .bind(after.seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows
            .into_iter()
            .map(|(xid, seq, id)| (ChangeCursor { xid, seq }, id))
            .collect())
    }

    #[instrument(skip_all)]
    async fn index_change_head(&self) -> StoreResult<ChangeCursor> {
        // Every transaction below the oldest one running has finished: all its changes are at or
        // before this cursor, and visible to whoever reads the articles after this call.
        let xid: i64 =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1")
                .fetch_one(&self.pool)
                .await
                .map_err(other)?;
        Ok(ChangeCursor { xid, seq: i64::MAX })
    }

    #[instrument(skip_all)]
    async fn prune_index_changes(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM index_changes WHERE at < $1")
            .bind(db_time(before))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected())
    }

    #[instrument(skip_all)]
    async fn change_notifications(&self) -> StoreResult<Option<BoxStream<'static, ()>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool)
            .await
            .map_err(other)?;
        listener.listen("newsdesk_content").await.map_err(other)?;
        // The listener reconnects by itself after a lost connection (notifications meanwhile are
        // lost; the caller's poll catches up). Any other error ends the stream.
        let stream = listener.into_stream().scan((), |(), next| {
            futures::future::ready(match next {
                Ok(_) => Some(()),
                Err(e) => {
                    tracing::warn!(error = %e, "listening for content changes stopped");
                    None
                }
            })
        });
        Ok(Some(stream.boxed()))
    }

    #[instrument(skip_all)]
    async fn claim_lease(&self, key: &str, until: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value < $3",
        )
        .bind(format!("lease.{key}"))
        .bind(super::lease_text(until))
        .bind(super::lease_text(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    #[instrument(skip_all)]
    async fn release_lease(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(format!("lease.{key}"))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    fn content_version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    async fn close(&self) {
        self.readers.close().await;
        self.pool.close().await;
    }

    #[instrument(skip_all)]
    async fn sync_content_version(&self) -> StoreResult<bool> {
        let db: i64 = sqlx::query_scalar("SELECT version FROM content_version WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        let seen = self.db_version.swap(db, Ordering::AcqRel);
        if seen != db {
            self.touch();
        }
        Ok(seen != db)
    }

    #[instrument(skip_all)]
    async fn list_channels(&self) -> StoreResult<Vec<Channel>> {
        let rows: Vec<ChannelRow> =
            sqlx::query_as("SELECT id, name, slug, position, parent_id, description FROM channels ORDER BY position, id")
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
        Ok(rows.into_iter().map(Channel::from).collect())
    }

    #[instrument(skip_all)]
    async fn channel_by_slug(&self, slug: &str) -> StoreResult<Channel> {
        let row: Option<ChannelRow> = sqlx::query_as(
            "SELECT id, name, slug, position, parent_id, description FROM channels WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(Channel::from).ok_or(StoreError::NotFound)
    }

    #[instrument(skip_all)]
    async fn upsert_channel(&self, name: &str, slug: &str, position: i64) -> StoreResult<Channel> {
        let row: ChannelRow = sqlx::query_as(
            "INSERT INTO channels (name, slug, position) VALUES ($1, $2, $3) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, position = excluded.position \
             RETURNING id, name, slug, position, parent_id, description",
        )
        .bind(name)
        .bind(slug)
        .bind(position)
        .fetch_one(&self.pool)
        .await
        .map_err(on_write)?;
        self.touch();
        Ok(row.into())
    }

    #[instrument(skip_all, fields(article.slug = %input.slug))]
    async fn upsert_article(
        &self,
        input: &ArticleInput,
        found: &Extraction,
    ) -> StoreResult<Upserted> {
        let mut tx = self.write_tx().await?;
        let channel = channel_id(&mut tx, &input.channel_slug).await?;
        let outcome = upsert_in(&mut tx, input, channel, found).await?;
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(outcome)
    }

    #[instrument(skip_all, fields(articles = items.len()))]
    async fn upsert_articles(
        &self,
        items: &[(&ArticleInput, &Extraction)],
    ) -> StoreResult<Vec<Upserted>> {
        let mut tx = self.write_tx().await?;
        let mut outcomes = Vec::with_capacity(items.len());
        // A chunk's articles mostly share one channel: each slug is looked up once.
        let mut channels: HashMap<&str, i64> = HashMap::new();
        for (input, found) in items {
            let slug = input.channel_slug.as_str();
            let channel = match channels.get(slug) {
                Some(&id) => id,
                None => {
                    let id = channel_id(&mut tx, slug).await?;
                    channels.insert(slug, id);
                    id
                }
            };
            outcomes.push(upsert_in(&mut tx, input, channel, found).await?);
        }
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(outcomes)
    }

    #[instrument(skip_all)]
    async fn published_article(&self, slug: &str) -> StoreResult<Article> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE a.slug = $1 AND {}",
            public(2)
        );
        let row: Option<ArticleRow> = sqlx::query_as(&sql)
            .bind(slug)
            .bind(db_time(Utc::now()))
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let tags = self.tags_of(row.id).await?;
        row.into_article(tags)
    }

    #[instrument(skip_all)]
    async fn list_published(
        &self,
        channel_id: Option<i64>,
        page: PageRequest,
    ) -> StoreResult<Page<ArticleSummary>> {
        let now = db_time(Utc::now());
        let (channel_filter, next) = if channel_id.is_some() {
            (" AND a.channel_id = $2", 3)
        } else {
            ("", 2)
        };
        let public = public(1);
        let list_sql = format!(
            "SELECT a.id, a.slug, a.title, a.summary, c.name AS channel_name, c.slug AS channel_slug, \
             a.published_at, a.views, a.cover_image FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE {public}{channel_filter} ORDER BY a.published_at DESC, a.id DESC \
             LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let mut list = sqlx::query_as::<_, SummaryRow>(&list_sql).bind(now);
        if let Some(id) = channel_id {
            list = list.bind(id);
        }
        let rows = list
            .bind(i64::from(page.per_page))
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let count_sql = format!("SELECT count(*) FROM articles a WHERE {public}{channel_filter}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(now);
        if let Some(id) = channel_id {
            count = count.bind(id);
        }
        let total = count.fetch_one(&self.pool).await.map_err(other)?;
        Ok(Page {
            items: rows.into_iter().map(ArticleSummary::from).collect(),
            total,
        })
    }

    #[instrument(skip_all)]
    async fn count_articles(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT count(*) FROM articles")
            .fetch_one(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn article_by_id(&self, id: i64) -> StoreResult<Article> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE a.id = $1"
        );
        let row: Option<ArticleRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let tags = self.tags_of(row.id).await?;
        row.into_article(tags)
    }

    #[instrument(skip_all, fields(ids.len = ids.len()))]
    async fn articles_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Article>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE a.id = ANY($1)"
        );
        let rows: Vec<ArticleRow> = sqlx::query_as(&sql)
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        self.with_tags(rows).await
    }

    #[instrument(skip_all, fields(slugs.len = slugs.len()))]
    async fn published_articles(&self, slugs: &[&str]) -> StoreResult<Vec<Article>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE a.slug = ANY($1) AND {}",
            public(2)
        );
        let rows: Vec<ArticleRow> = sqlx::query_as(&sql)
            .bind(slugs)
            .bind(db_time(Utc::now()))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        self.with_tags(rows).await
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn delete_article(&self, id: i64) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM articles WHERE id = $1")
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
    async fn set_status(&self, id: i64, status: ArticleStatus) -> StoreResult<()> {
        let done = sqlx::query("UPDATE articles SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(db_time(Utc::now()))
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

    #[instrument(skip_all)]
    async fn list_indexable(&self, after_id: i64, limit: u32) -> StoreResult<Vec<Article>> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE {INDEXABLE} AND a.id > $1 ORDER BY a.id LIMIT $2"
        );
        let rows: Vec<ArticleRow> = sqlx::query_as(&sql)
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        // One query for the tags of the whole batch rather than one per article.
        let links: Vec<(i64, String)> = sqlx::query_as(
            "SELECT at.article_id, t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id \
             WHERE at.article_id BETWEEN $1 AND $2 ORDER BY t.name COLLATE \"C\"",
        )
        .bind(first.id)
        .bind(last.id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        super::rows::articles_with_tags(rows, links)
    }

    #[instrument(skip_all)]
    async fn count_indexable(&self) -> StoreResult<i64> {
        sqlx::query_scalar(&format!(
            "SELECT count(*) FROM articles a WHERE {INDEXABLE}"
        ))
        .fetch_one(&self.pool)
        .await
        .map_err(other)
    }

    #[instrument(skip_all)]
    async fn indexable_stamps(&self) -> StoreResult<Vec<(i64, i64)>> {
        // Ids come from the `articles_published` index and stamps from their own narrow table,
        // so 100,000 articles are read without touching a body; sorted here, not by a SQL sort.
        let mut stamps: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT a.id, coalesce(s.stamp, 0) FROM articles a \
             LEFT JOIN search_stamps s ON s.article_id = a.id WHERE {INDEXABLE}"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        stamps.sort_unstable();
        Ok(stamps)
    }

    #[instrument(skip_all, fields(ids.len = ids.len()))]
    async fn search_stamps(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // One array parameter rather than one per id: no limit on bound parameters.
        sqlx::query_as("SELECT article_id, stamp FROM search_stamps WHERE article_id = ANY($1)")
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all)]
    async fn latest_articles(
        &self,
        channel_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<Article>> {
        let (channel_filter, next) = if channel_id.is_some() {
            (" AND a.channel_id = $2", 3)
        } else {
            ("", 2)
        };
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE {}{channel_filter} ORDER BY a.published_at DESC, a.id DESC LIMIT ${next}",
            public(1)
        );
        let mut query = sqlx::query_as::<_, ArticleRow>(&sql).bind(db_time(Utc::now()));
        if let Some(id) = channel_id {
            query = query.bind(id);
        }
        let rows = query
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let mut articles = Vec::with_capacity(rows.len());
        for row in rows {
            let tags = self.tags_of(row.id).await?;
            articles.push(row.into_article(tags)?);
        }
        Ok(articles)
    }

    #[instrument(skip_all)]
    async fn published_stamps(&self, page: PageRequest) -> StoreResult<Page<ArticleStamp>> {
        let now = db_time(Utc::now());
        let rows: Vec<(String, String, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(&format!(
            "SELECT a.slug, a.title, a.published_at, a.updated_at FROM articles a \
             WHERE {} ORDER BY a.published_at DESC, a.id DESC LIMIT $2 OFFSET $3",
            public(1)
        ))
        .bind(now)
        .bind(i64::from(page.per_page))
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM articles a WHERE {}",
            public(1)
        ))
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(|(slug, title, published_at, updated_at)| ArticleStamp {
                    slug,
                    title,
                    published_at,
                    updated_at,
                })
                .collect(),
            total,
        })
    }

    #[instrument(skip_all, fields(batch.len = batch.len()))]
    async fn add_views(&self, day: &str, batch: &[(i64, u64)]) -> StoreResult<()> {
        let mut batch = batch.to_vec();
        batch.sort_unstable_by_key(|&(id, _)| id);
        let mut tx = self.write_tx().await?;
        for (id, n) in batch {
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            let updated = sqlx::query("UPDATE articles SET views = views + $1 WHERE id = $2")
                .bind(n)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
            // An article deleted since its view has no day row either (the foreign key).
            if updated.rows_affected() == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO article_views_daily (article_id, day, views) VALUES ($1, $2, $3) \
                 ON CONFLICT (article_id, day) DO UPDATE SET views = article_views_daily.views + excluded.views",
            )
            .bind(id)
            .bind(day)
            .bind(n)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        }
        tx.commit().await.map_err(other)
    }

    #[instrument(skip_all)]
    async fn views_by_day(&self, from: &str, to: &str) -> StoreResult<Vec<DayViews>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT day, CAST(sum(views) AS BIGINT) FROM article_views_daily WHERE day >= $1 AND day <= $2 \
             GROUP BY day ORDER BY day",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows
            .into_iter()
            .map(|(day, views)| DayViews { day, views })
            .collect())
    }

    #[instrument(skip_all)]
    async fn top_viewed(&self, from: &str, limit: u32) -> StoreResult<Vec<ViewedArticle>> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.slug, a.title, c.name, d.views FROM \
             (SELECT article_id, CAST(sum(views) AS BIGINT) AS views FROM article_views_daily WHERE day >= $1 \
              GROUP BY article_id) d \
             JOIN articles a ON a.id = d.article_id JOIN channels c ON c.id = a.channel_id \
             WHERE a.status = 'published' AND a.deleted_at IS NULL \
             ORDER BY d.views DESC, a.id DESC LIMIT $2",
        )
        .bind(from)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows
            .into_iter()
            .map(|(id, slug, title, channel_name, views)| ViewedArticle {
                id,
                slug,
                title,
                channel_name,
                views,
            })
            .collect())
    }

    #[instrument(skip_all)]
    async fn views_by_channel(&self, from: &str) -> StoreResult<Vec<ChannelViews>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT c.name, c.slug, CAST(sum(d.views) AS BIGINT) AS views FROM article_views_daily d \
             JOIN articles a ON a.id = d.article_id JOIN channels c ON c.id = a.channel_id \
             WHERE d.day >= $1 GROUP BY c.id, c.name, c.slug ORDER BY views DESC, c.name",
        )
        .bind(from)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows
            .into_iter()
            .map(|(name, slug, views)| ChannelViews { name, slug, views })
            .collect())
    }

    #[instrument(skip_all, fields(articles = ids.len()))]
    async fn article_views(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_as("SELECT id, views FROM articles WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all)]
    async fn list_targets(&self, filter: &TargetFilter) -> StoreResult<Vec<ArticleTarget>> {
        let mut q = target_query(TARGET_COLUMNS, filter);
        push_target_order(&mut q, filter);
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(i64::from(limit));
        }
        let rows: Vec<TargetRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        Ok(rows.into_iter().map(ArticleTarget::from).collect())
    }

    #[instrument(skip_all)]
    async fn count_targets_by_sector(
        &self,
        filter: &TargetFilter,
    ) -> StoreResult<Vec<(String, i64)>> {
        let mut q = target_query("t.sector, count(*) AS n", filter);
        q.push(" GROUP BY t.sector ORDER BY n DESC, t.sector COLLATE \"C\"");
        q.build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(other)
    }

    fn stream_targets(
        &self,
        filter: &TargetFilter,
    ) -> BoxStream<'static, StoreResult<ArticleTarget>> {
        /// What the reading task hands over: rows, then an end mark, so that a task that stops
        /// early (an error, a panic) is told apart from an export that is complete.
        #[expect(
            clippy::large_enum_variant,
            reason = "rows are nearly every message; boxing each would only add an allocation"
        )]
        enum Message {
            Row(StoreResult<ArticleTarget>),
            End,
        }
        // The rows come from a task that owns its connection and hands them over through a small
        // channel: the reader of the stream sets the pace, and no more than the channel's rows
        // are held at once. When the reader goes away (a client gone), the task stops at once,
        // even while the database is still sorting, and gives its connection back.
        let (tx, rx) = tokio::sync::mpsc::channel::<Message>(256);
        let pool = self.pool.clone();
        let filter = filter.clone();
        tokio::spawn(async move {
            let mut q = target_query(TARGET_COLUMNS, &filter);
            push_target_order(&mut q, &filter);
            if let Some(limit) = filter.limit {
                q.push(" LIMIT ").push_bind(i64::from(limit));
            }
            let mut rows = q.build_query_as::<TargetRow>().fetch(&pool);
            loop {
                let row = tokio::select! {
                    () = tx.closed() => return,
                    row = rows.next() => row,
                };
                let Some(row) = row else { break };
                let row = row.map(ArticleTarget::from).map_err(other);
                let failed = row.is_err();
                if tx.send(Message::Row(row)).await.is_err() || failed {
                    return;
                }
            }
            let _ = tx.send(Message::End).await;
        });
        futures::stream::unfold(Some(rx), |rx| async move {
            let mut rx = rx?;
            match rx.recv().await {
                Some(Message::Row(row)) => Some((row, Some(rx))),
                Some(Message::End) => None,
                None => Some((
                    Err(StoreError::Other(anyhow::anyhow!(
                        "reading the targets stopped before the end"
                    ))),
                    None,
                )),
            }
        })
        .boxed()
    }

    #[instrument(skip_all)]
    async fn article_document(&self, article_id: i64) -> StoreResult<Option<PolicyDocument>> {
        let row: Option<DocumentRow> = sqlx::query_as(
            "SELECT kind, issuer, region, year, first_year, covers FROM article_documents \
             WHERE article_id = $1",
        )
        .bind(article_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        Ok(row.map(PolicyDocument::from))
    }

    #[instrument(skip_all)]
    async fn indicator_counts(&self, limit: u32) -> StoreResult<Vec<IndicatorCount>> {
        // Over the merged rows, so an article's repeats count once, like the listings.
        let mut q = target_query(
            "t.indicator_key AS key, min(t.indicator) AS indicator, \
             sum(CASE WHEN t.record = 'target' THEN 1 ELSE 0 END) AS targets, \
             sum(CASE WHEN t.record = 'result' THEN 1 ELSE 0 END) AS results, \
             count(DISTINCT t.region) AS regions, count(DISTINCT t.year) AS years",
            &TargetFilter::default(),
        );
        q.push(" AND t.indicator_key <> '' GROUP BY t.indicator_key ORDER BY count(*) DESC, t.indicator_key LIMIT ")
            .push_bind(i64::from(limit));
        let rows: Vec<IndicatorRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        Ok(rows.into_iter().map(IndicatorCount::from).collect())
    }

    #[instrument(skip_all)]
    async fn target_facets(&self) -> StoreResult<TargetFacets> {
        let now = db_time(Utc::now());
        let from = format!(
            "FROM article_targets t JOIN articles a ON a.id = t.article_id WHERE t.record = 'target' AND NOT t.hidden AND {}",
            public(1)
        );
        let sectors = self
            .count_targets_by_sector(&TargetFilter {
                record: Some("target".into()),
                ..TargetFilter::default()
            })
            .await?;
        let regions: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT t.region {from} AND t.region IS NOT NULL \
             GROUP BY t.region ORDER BY t.region COLLATE \"C\""
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let years: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT t.year {from} AND t.year IS NOT NULL ORDER BY t.year DESC"
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(TargetFacets {
            sectors,
            regions,
            years,
        })
    }

    #[instrument(skip_all)]
    async fn site_settings(&self) -> StoreResult<SiteSettings> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'site.%'")
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
        let map: serde_json::Map<String, serde_json::Value> = rows
            .into_iter()
            .filter_map(|(k, v)| {
                // Values are stored as JSON; a bare string is read as itself.
                let value = serde_json::from_str(&v).unwrap_or(serde_json::Value::String(v));
                Some((k.strip_prefix("site.")?.to_string(), value))
            })
            .collect();
        serde_json::from_value(serde_json::Value::Object(map))
            .context("reading site settings")
            .map_err(StoreError::Other)
    }

    #[instrument(skip_all)]
    async fn save_site_settings(&self, settings: &SiteSettings) -> StoreResult<()> {
        let value = serde_json::to_value(settings).context("encoding site settings")?;
        let fields: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(value).context("encoding site settings")?;
        let mut tx = self.write_tx().await?;
        for (key, value) in fields {
            // JSON, so numbers, flags and lists read back with their types.
            let text = value.to_string();
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(format!("site.{key}"))
            .bind(text)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        }
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(())
    }

    #[instrument(skip_all)]
    async fn marker(&self, key: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(format!("marker.{key}"))
            .fetch_optional(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all)]
    async fn set_marker(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(format!("marker.{key}"))
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn claim_marker(&self, key: &str, value: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(format!("marker.{key}"))
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }
}
