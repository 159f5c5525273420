//! The embedded default store: one SQLite file in the data folder, WAL mode, foreign keys on,
//! migrations from `migrations/sqlite` applied at open.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tracing::instrument;

#[path = "sqlite_corrections.rs"]
mod corrections;
#[path = "sqlite_desk.rs"]
mod desk;
#[path = "sqlite_media.rs"]
mod media;
#[path = "sqlite_newsroom.rs"]
mod newsroom;
#[path = "sqlite_origin.rs"]
mod origin;
#[path = "sqlite_pages.rs"]
mod pages;
#[path = "sqlite_push.rs"]
mod push;
#[path = "sqlite_reading.rs"]
mod reading;
#[path = "sqlite_review.rs"]
mod review;

use super::readers::{InlineReaders, InlineReads, KeptReaders};
use super::rows::{ArticleRow, ChannelRow, DocumentRow, IndicatorRow, SummaryRow, TargetRow};
use super::{ChangeCursor, Store, StoreError, StoreResult, Upserted, db_time};
use crate::domain::{
    Article, ArticleInput, ArticleStamp, ArticleStatus, ArticleSummary, ArticleTarget, Channel,
    IndicatorCount, Page, PageRequest, PolicyDocument, SiteSettings, TargetFacets, TargetFilter,
    TargetSort,
};
use crate::domain::{ChannelViews, DayViews, ViewedArticle};
use crate::targets::{self, Extraction};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "newsdesk.db";

/// SQLite implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Moves on after every committed content write; see [`Store::content_version`].
    version: Arc<AtomicU64>,
    /// The trigger-kept `content_version` row as last read, to notice other writers' changes.
    db_version: Arc<AtomicI64>,
    /// Zero connections kept for article pages' reads outside the pool (`page_read!` asks the
    /// pool): the reads that gained from them (PostgreSQL keeps two) run on `inline` here.
    readers: KeptReaders<sqlx::Sqlite>,
    /// Connections for the link reads of article pages, on the request's thread (see `readers`).
    inline: Arc<InlineReaders>,
}

impl InlineReads for SqliteStore {
    fn inline_readers(&self) -> Option<&InlineReaders> {
        Some(&self.inline)
    }
}

impl SqliteStore {
    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// transaction that reads before it writes waits for other writers (busy timeout) instead of
    /// failing with "database is locked" when it tries to upgrade.
    pub(super) async fn write_tx(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(other)
    }

    /// Marks a committed content write: pages rendered before it are out of date.
    pub(super) fn touch(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Opens (creating if needed) `newsdesk.db` in `data_dir` and applies pending migrations.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating data folder {}", data_dir.display()))?;
        Self::connect(data_dir, true, false).await
    }

    /// [`SqliteStore::open`] for a bulk writer (`import`, `crawl`, `gen-corpus`): statement
    /// journals and temporary b-trees are kept in memory. In a transaction every INSERT that may
    /// fail midway journals the pages it touches first, and in a file that was a write system
    /// call per page (about a third of an import's time). A server keeps them in files: there a
    /// sort over a large table (the 量化目标 pages of 100,000 articles) would hold its whole
    /// temporary b-tree in memory — 1.7 GiB, measured.
    pub async fn open_bulk(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating data folder {}", data_dir.display()))?;
        Self::connect(data_dir, true, true).await
    }

    async fn connect(data_dir: &Path, create: bool, bulk: bool) -> anyhow::Result<Self> {
        let path = data_dir.join(DB_FILE);
        let mut options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if bulk {
            options = options.pragma("temp_store", "memory");
        } else {
            // 1 MiB of pages per connection (SQLite's default is 2): the kernel's page cache
            // keeps the file's hot pages anyway, a read from it costs a copy. Over 4,000 article
            // pages at 100,000 articles, 18 MiB less resident with four connections, and the same
            // cold render (`bench/serve-memory.sh`, `bench/cold-render.sh`).
            options = options.pragma("cache_size", "-1024");
        }
        // A new database turns to WAL under an exclusive lock, which SQLite's busy handler does
        // not wait for: a server started at the same moment on the same new folder gets "database
        // is locked" at once. A few retries spanning a few seconds let the other finish.
        let mut attempt = 0;
        let pool = loop {
            match SqlitePoolOptions::new()
                .max_connections(pool_size() - inline_readers() as u32)
                // sqlx pings a connection before lending it, for servers across a network. Here
                // a connection is a thread of this process: the ping was one more round trip to
                // it per query (3% of a cold article render's samples) and checks nothing.
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await
            {
                Err(e) if is_busy(&e) && attempt < 50 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                opened => {
                    break opened
                        .with_context(|| format!("opening database {}", path.display()))?;
                }
            }
        };
        migrate(&pool)
            .await
            .with_context(|| format!("migrating database {}", path.display()))?;
        backfill_target_values(&pool)
            .await
            .with_context(|| format!("filling target values of {}", path.display()))?;
        backfill_indicator_keys(&pool)
            .await
            .with_context(|| format!("filling indicator keys of {}", path.display()))?;
        Ok(Self {
            pool,
            version: Arc::default(),
            db_version: Arc::default(),
            readers: KeptReaders::new(0),
            inline: Arc::new(InlineReaders::new(path, inline_readers())),
        })
    }
}

/// Connections of the pool: two per core, at least 4. Each is a thread with its own page cache,
/// prepared statements and malloc arena (about 7 MiB once warm); queries run on the cores, so
/// more connections than that only queue, and eight cost 29 MiB more than four over 4,000 article
/// pages on two cores (`bench/serve-memory.sh`).
fn pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(16).clamp(4, 16)
}

/// Of those, the connections for inline reads (`readers::InlineReads`, the link reads of article
/// pages): a quarter, taken from the pool, so the memory stays that of [`pool_size`] connections
/// with as many threads fewer; when they are busy, a render's link reads go to the pool.
fn inline_readers() -> usize {
    (pool_size() / 4) as usize
}

/// The targets' units still without a normalized value, from a partial index that stays empty
/// once filled (migration 0024), and indicators without a key, from the (indicator_key, record)
/// index: a start reads no target.
const UNFILLED_UNITS: &str = "SELECT DISTINCT unit FROM article_targets WHERE unit_base IS NULL";
const UNKEYED_INDICATORS: &str = "SELECT DISTINCT indicator FROM article_targets \
     WHERE indicator_key = '' AND indicator <> ''";

/// Fills the normalized value and unit family of targets written before those columns existed
/// (migration 0009): one update per distinct unit, with the factor from `targets::normalize`, so the
/// magnitudes are known in one place. Once filled, one scan finds nothing to do.
async fn backfill_target_values(pool: &SqlitePool) -> anyhow::Result<()> {
    let units: Vec<String> = sqlx::query_scalar(UNFILLED_UNITS).fetch_all(pool).await?;
    for unit in units {
        let (factor, family) = targets::normalize(1.0, &unit);
        sqlx::query(
            "UPDATE article_targets SET value_base = value * ?, unit_base = ? \
             WHERE unit = ? AND unit_base IS NULL",
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
/// 0010): one update per distinct indicator, with the key from `policy::indicator_key`, so the
/// synonyms are known in one place. Once filled, one scan finds nothing to do.
async fn backfill_indicator_keys(pool: &SqlitePool) -> anyhow::Result<()> {
    let indicators: Vec<String> = sqlx::query_scalar(UNKEYED_INDICATORS)
        .fetch_all(pool)
        .await?;
    for indicator in indicators {
        sqlx::query(
            "UPDATE article_targets SET indicator_key = ? WHERE indicator = ? AND indicator_key = ''",
        )
        .bind(policy::indicator_key(&indicator))
        .bind(&indicator)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Whether SQLite answered "database is locked" (`SQLITE_BUSY` or one of its extended codes).
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| c & 0xff == 5)
}

/// Applies pending migrations under the write lock, taken before the applied ones are read: two
/// servers started together on a new folder would otherwise both apply the first migration and
/// the second would fail ("table channels already exists"); now the second waits, then finds
/// everything applied. sqlx nests each migration's own transaction as a savepoint. A plain
/// function returning a boxed `Send` future, so callers' futures stay provably `Send`.
fn migrate(pool: &SqlitePool) -> futures::future::BoxFuture<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::migrate!("./migrations/sqlite")
            .run_direct(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    })
}

impl SqliteStore {
    /// Opens the database of an existing site, refusing a folder that holds none (a mistyped
    /// `--data`, or a copy of `newsdesk.db` without its tables) instead of creating an empty one.
    pub async fn open_existing(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(DB_FILE);
        let not_ours = || {
            format!(
                "{} holds no newsdesk database ({DB_FILE} is missing or has no newsdesk tables); \
                 check --data",
                data_dir.display()
            )
        };
        if !path.is_file() {
            anyhow::bail!(not_ours());
        }
        {
            let options = SqliteConnectOptions::from_str("sqlite:")?
                .filename(&path)
                .read_only(true);
            let mut conn = sqlx::ConnectOptions::connect(&options)
                .await
                .with_context(not_ours)?;
            let tables: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
                 AND name IN ('_sqlx_migrations', 'articles', 'settings')",
            )
            .fetch_one(&mut conn)
            .await
            .with_context(not_ours)?;
            sqlx::Connection::close(conn).await.ok();
            if tables < 3 {
                anyhow::bail!(not_ours());
            }
        }
        Self::connect(data_dir, false, false).await
    }

    /// The connection pool (migrate-store reads the site through it).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Writes a consistent copy of the database to `path` (`VACUUM INTO`: one read transaction,
    /// so readers and, in WAL mode, writers go on meanwhile).
    pub async fn snapshot_into(&self, path: &Path) -> anyhow::Result<()> {
        let target = path
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", path.display()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await
            .with_context(|| format!("VACUUM INTO {}", path.display()))?;
        Ok(())
    }

    /// Rows in every table of the database (migration bookkeeping left out).
    pub async fn table_counts(&self) -> anyhow::Result<std::collections::BTreeMap<String, i64>> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut counts = std::collections::BTreeMap::new();
        for name in names {
            // Names come from sqlite_master, not from users; quoted all the same.
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

fn other(e: sqlx::Error) -> StoreError {
    StoreError::Other(e.into())
}

/// Maps a uniqueness violation to `Conflict` naming the column, everything else to `Other`.
fn on_write(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let what = db
                .message()
                .rsplit_once(": ")
                .map_or("unique value", |(_, cols)| cols)
                .to_string();
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

const ARTICLE_COLUMNS: &str = "a.id, a.slug, a.title, a.author, a.source, a.summary, a.summary_auto, \
     a.body_format, a.body_source, a.body_html, a.status, a.published_at, a.views, a.cover_image, a.created_at, \
     a.updated_at, \
     c.id AS channel_id, c.name AS channel_name, c.slug AS channel_slug, c.position AS channel_position";

const PUBLIC: &str = "a.status = 'published' AND a.published_at <= ?";
/// What the search index holds: public articles and those published for a time still ahead (the
/// index hides them until then). Keep in step with `PUBLIC`.
const INDEXABLE: &str = "a.status = 'published'";

impl SqliteStore {
    async fn tags_of(&self, article_id: i64) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id \
             WHERE at.article_id = ? ORDER BY t.name",
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
             WHERE at.article_id IN (SELECT value FROM json_each(?)) ORDER BY t.name",
        )
        .bind(serde_json::to_string(&ids).context("encoding ids")?)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        super::rows::articles_with_tags(rows, links)
    }
}

impl SqliteStore {
    /// The end of every article write, whoever writes: tags and targets (computed by the caller
    /// before the transaction began) replaced in the same transaction, commit, and pages rendered
    /// before it marked out of date.
    pub(super) async fn finish_article_write(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Sqlite>,
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
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    input: &ArticleInput,
    channel_id: i64,
    found: &Extraction,
) -> StoreResult<Upserted> {
    let now = db_time(Utc::now());
    let published_at = input.published_at.map(db_time);
    let existing: Option<i64> = match &input.import_key {
        Some(key) => sqlx::query_scalar("SELECT id FROM articles WHERE import_key = ?")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await
            .map_err(other)?,
        None => None,
    };
    let outcome = if let Some(id) = existing {
        // An imported page keeps its URL on re-import; views never go down.
        sqlx::query(
                "UPDATE articles SET title = ?, author = ?, source = ?, channel_id = ?, summary = ?, \
                 summary_auto = ?, body_format = ?, body_source = ?, body_html = ?, status = ?, published_at = ?, \
                 views = max(views, ?), updated_at = ?, version = version + 1 WHERE id = ?",
            )
            .bind(&input.title)
            .bind(&input.author)
            .bind(&input.source)
            .bind(channel_id)
            .bind(&input.summary)
            .bind(input.summary_auto)
            .bind(input.body_format.as_str())
            .bind(&input.body_source)
            .bind(&input.body_html)
            .bind(input.status.as_str())
            .bind(published_at)
            .bind(input.views)
            .bind(now)
            .bind(id)
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
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    slug: &str,
) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM channels WHERE slug = ?")
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
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    input: &ArticleInput,
    channel_id: i64,
    cover_image: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO articles (slug, title, author, source, channel_id, summary, summary_auto, \
         body_format, body_source, body_html, status, published_at, views, import_key, \
         cover_image, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&input.slug)
    .bind(&input.title)
    .bind(&input.author)
    .bind(&input.source)
    .bind(channel_id)
    .bind(&input.summary)
    .bind(input.summary_auto)
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
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    article_id: i64,
    tags: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM article_tags WHERE article_id = ?")
        .bind(article_id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    add_tags(tx, article_id, tags).await
}

/// Tags an article that has none yet (created in this transaction), creating tags that do not
/// exist yet.
async fn add_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    article_id: i64,
    tags: &[String],
) -> StoreResult<()> {
    if tags.is_empty() {
        return Ok(());
    }
    // Two statements however many tags: each statement is a round trip to the database thread.
    let names = serde_json::to_string(tags).context("encoding tags")?;
    sqlx::query("INSERT OR IGNORE INTO tags (name) SELECT value FROM json_each(?)")
        .bind(&names)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    sqlx::query(
        "INSERT OR IGNORE INTO article_tags (article_id, tag_id) \
         SELECT ?, id FROM tags WHERE name IN (SELECT value FROM json_each(?))",
    )
    .bind(article_id)
    .bind(&names)
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(())
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
        ("1".to_string(), "1".to_string())
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
fn target_query(select: &str, filter: &TargetFilter) -> sqlx::QueryBuilder<'static, sqlx::Sqlite> {
    // PUBLIC ends in its own `?`; the builder adds the placeholder with the bind.
    let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
        "SELECT {select} FROM ({} WHERE {}",
        target_source(filter),
        PUBLIC.trim_end_matches('?')
    ));
    q.push_bind(db_time(Utc::now()));
    // Targets hidden by an editor appear on no public page, count or export.
    q.push(" AND t.hidden = 0");
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

fn push_target_order(q: &mut sqlx::QueryBuilder<'static, sqlx::Sqlite>, filter: &TargetFilter) {
    q.push(match filter.sort {
        TargetSort::Document => " ORDER BY t.published_at DESC, t.article_id DESC, t.position",
        TargetSort::Sector => " ORDER BY t.sector, t.indicator, t.position",
        TargetSort::Indicator => " ORDER BY t.indicator, t.published_at DESC, t.position",
        TargetSort::Value => {
            " ORDER BY t.unit_base, t.value_base DESC, t.published_at DESC, t.article_id DESC, \
             t.position"
        }
    });
}

/// Targets written by one INSERT: 21 values each stays far below either database's limit on
/// bound values (32,766 in SQLite, 65,535 in PostgreSQL).
const TARGET_ROWS_PER_INSERT: usize = 100;

/// Replaces an article's document facts, targets and results with those found in its new body:
/// derived data, computed before the transaction (never while it holds the write lock) and
/// written in the article's own transaction, so they can never be stale.
pub(super) async fn write_targets(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    article_id: i64,
    found: &Extraction,
) -> StoreResult<()> {
    write_figures(tx, article_id, found, true).await
}

/// [`write_targets`]; `replace` is false for an article created in this transaction, which has
/// no rows to delete (a round trip saved per imported page).
async fn write_figures(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    article_id: i64,
    found: &Extraction,
    replace: bool,
) -> StoreResult<()> {
    let doc = &found.document;
    sqlx::query(
        "INSERT INTO article_documents (article_id, kind, issuer, region, year, first_year, covers) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
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
        sqlx::query("DELETE FROM article_targets WHERE article_id = ?")
            .bind(article_id)
            .execute(&mut **tx)
            .await
            .map_err(other)?;
    }
    // One statement per hundred targets: a policy document states dozens, and each statement is
    // a round trip to the database.
    let rows: Vec<(i64, &targets::Extracted)> = (0_i64..).zip(&found.figures).collect();
    for chunk in rows.chunks(TARGET_ROWS_PER_INSERT) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
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
impl Store for SqliteStore {
    #[instrument(skip_all)]
    async fn index_changes(
        &self,
        after: ChangeCursor,
        limit: u32,
    ) -> StoreResult<Vec<(ChangeCursor, i64)>> {
        // One writer commits at a time, so every visible entry is final and `seq` is commit order.
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT seq, article_id FROM index_changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after.seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows
            .into_iter()
            .map(|(seq, id)| (ChangeCursor { xid: 0, seq }, id))
            .collect())
    }

    #[instrument(skip_all)]
    async fn index_change_head(&self) -> StoreResult<ChangeCursor> {
        let seq: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM index_changes")
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(ChangeCursor { xid: 0, seq })
    }

    #[instrument(skip_all)]
    async fn prune_index_changes(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        // Entries' `at` is SQLite's own `strftime` text; compare in the same form.
        let before = before.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let done = sqlx::query("DELETE FROM index_changes WHERE at < ?")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected())
    }

    fn content_version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    async fn close(&self) {
        self.inline.close();
        self.readers.close().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "checkpointing the write-ahead log at close failed");
        }
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
            "SELECT id, name, slug, position, parent_id, description FROM channels WHERE slug = ?",
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
            "INSERT INTO channels (name, slug, position) VALUES (?, ?, ?) \
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
             WHERE a.slug = ? AND {PUBLIC}"
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
        let channel_filter = if channel_id.is_some() {
            " AND a.channel_id = ?"
        } else {
            ""
        };
        let list_sql = format!(
            "SELECT a.id, a.slug, a.title, a.summary, c.name AS channel_name, c.slug AS channel_slug, \
             a.published_at, a.views, a.cover_image FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE {PUBLIC}{channel_filter} ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?"
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
        let count_sql = format!("SELECT count(*) FROM articles a WHERE {PUBLIC}{channel_filter}");
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
             WHERE a.id = ?"
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
             WHERE a.id IN (SELECT value FROM json_each(?))"
        );
        let rows: Vec<ArticleRow> = sqlx::query_as(&sql)
            .bind(serde_json::to_string(ids).context("encoding ids")?)
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
             WHERE a.slug IN (SELECT value FROM json_each(?)) AND {PUBLIC}"
        );
        let rows: Vec<ArticleRow> = sqlx::query_as(&sql)
            .bind(serde_json::to_string(slugs).context("encoding slugs")?)
            .bind(db_time(Utc::now()))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        self.with_tags(rows).await
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn delete_article(&self, id: i64) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM articles WHERE id = ?")
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
        let done = sqlx::query("UPDATE articles SET status = ?, updated_at = ? WHERE id = ?")
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
        // `NOT INDEXED`: walk the table in id order. Left to itself SQLite filters by status
        // through `articles_published` and sorts every published row for each batch, which made a
        // rebuild quadratic (100,000 articles: 2,170/s; walking the table: 11,400/s).
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a NOT INDEXED JOIN channels c ON c.id = a.channel_id \
             WHERE {INDEXABLE} AND a.id > ? ORDER BY a.id LIMIT ?"
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
             WHERE at.article_id BETWEEN ? AND ? ORDER BY t.name",
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
        // One JSON array parameter rather than one per id: no limit on bound parameters.
        let ids = serde_json::to_string(ids).context("encoding ids")?;
        sqlx::query_as(
            "SELECT article_id, stamp FROM search_stamps \
             WHERE article_id IN (SELECT value FROM json_each(?))",
        )
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
        let channel_filter = if channel_id.is_some() {
            " AND a.channel_id = ?"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles a JOIN channels c ON c.id = a.channel_id \
             WHERE {PUBLIC}{channel_filter} ORDER BY a.published_at DESC, a.id DESC LIMIT ?"
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
             WHERE {PUBLIC} ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?"
        ))
        .bind(now)
        .bind(i64::from(page.per_page))
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM articles a WHERE {PUBLIC}"))
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
            let updated = sqlx::query("UPDATE articles SET views = views + ? WHERE id = ?")
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
                "INSERT INTO article_views_daily (article_id, day, views) VALUES (?, ?, ?) \
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
            "SELECT day, sum(views) FROM article_views_daily WHERE day >= ? AND day <= ? \
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
             (SELECT article_id, sum(views) AS views FROM article_views_daily WHERE day >= ? \
              GROUP BY article_id) d \
             JOIN articles a ON a.id = d.article_id JOIN channels c ON c.id = a.channel_id \
             WHERE a.status = 'published' AND a.deleted_at IS NULL \
             ORDER BY d.views DESC, a.id DESC LIMIT ?",
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
            "SELECT c.name, c.slug, sum(d.views) AS views FROM article_views_daily d \
             JOIN articles a ON a.id = d.article_id JOIN channels c ON c.id = a.channel_id \
             WHERE d.day >= ? GROUP BY c.id, c.name, c.slug ORDER BY views DESC, c.name",
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
        let mut q = sqlx::QueryBuilder::new("SELECT id, views FROM articles WHERE id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        q.push(")");
        q.build_query_as()
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
        q.push(" GROUP BY t.sector ORDER BY n DESC, t.sector");
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
             WHERE article_id = ?",
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
            "FROM article_targets t JOIN articles a ON a.id = t.article_id WHERE t.record = 'target' AND t.hidden = 0 AND {PUBLIC}"
        );
        let sectors = self
            .count_targets_by_sector(&TargetFilter {
                record: Some("target".into()),
                ..TargetFilter::default()
            })
            .await?;
        let regions: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT t.region {from} AND t.region IS NOT NULL ORDER BY t.region"
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
                "INSERT INTO settings (key, value) VALUES (?, ?) \
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
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(format!("marker.{key}"))
            .fetch_optional(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all)]
    async fn set_marker(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) \
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
    async fn claim_lease(&self, key: &str, until: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value < ?",
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
        sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(format!("lease.{key}"))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn claim_marker(&self, key: &str, value: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .bind(format!("marker.{key}"))
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only bulk writers keep temporary b-trees in memory; a server's large sorts go to files. A
    /// server's connections keep 1 MiB of pages each (memory budget), bulk writers SQLite's 2 MiB.
    #[tokio::test]
    async fn servers_and_bulk_writers_set_up_their_connections_apart() {
        let dir = tempfile::tempdir().unwrap();
        let pragmas = |store: SqliteStore| async move {
            let mut values = Vec::new();
            for pragma in ["PRAGMA temp_store", "PRAGMA cache_size"] {
                values.push(
                    sqlx::query_scalar::<_, i64>(pragma)
                        .fetch_one(&store.pool)
                        .await
                        .unwrap(),
                );
            }
            values
        };
        // temp_store 0: the default (files), 2: memory.
        let server = pragmas(SqliteStore::open(dir.path()).await.unwrap()).await;
        assert_eq!(server, [0, -1024]);
        let bulk = pragmas(SqliteStore::open_bulk(dir.path()).await.unwrap()).await;
        assert_eq!(bulk, [2, -2000]);
    }

    /// The steps of SQLite's plan for `sql` (`EXPLAIN QUERY PLAN`'s details).
    async fn query_plan(store: &SqliteStore, sql: &str) -> Vec<String> {
        sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
            .fetch_all(&store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
            .collect()
    }

    /// 相关文章 reads each tag's newest articles from the (tag_id, article_id) index and stops at
    /// its limit, never reading all the articles of a tag (over a second per page on a large site).
    #[tokio::test]
    async fn related_by_tags_reads_each_tag_from_the_index() {
        use crate::store::reading::{Json, page_stamp_and_links_sql, reading_links_sql};
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        related_by_tags_plan(&store, &reading_links_sql(Json::Sqlite, 2, 3)).await;
        // With the page stamp of a slug (the render of a kept article): the article found by
        // its slug's index, the links as alone.
        let sql = page_stamp_and_links_sql(Json::Sqlite, 2, 3);
        let plan = related_by_tags_plan(&store, &sql).await;
        assert!(
            plan.iter()
                .any(|d| d == "SEARCH a USING INDEX sqlite_autoindex_articles_1 (slug=?)"),
            "{plan:#?}"
        );
    }

    /// The plan of a query with [`reading_links_sql`]'s links of an article with 2 tags and 3
    /// similar ids, checked as above.
    async fn related_by_tags_plan(store: &SqliteStore, sql: &str) -> Vec<String> {
        let plan = query_plan(store, sql).await;
        let by_index = plan
            .iter()
            .filter(|d| d.contains("USING COVERING INDEX article_tags_tag_article (tag_id=?)"))
            .count();
        assert_eq!(by_index, 2, "{plan:#?}");
        assert!(!plan.iter().any(|d| d.starts_with("SCAN o")), "{plan:#?}");
        // The candidates drive: each is looked up, not every public article walked.
        assert!(!plan.iter().any(|d| d.contains("AUTOMATIC")), "{plan:#?}");
        // No part reads all articles: the similar ones are looked up by id, not found by walking
        // every public article by publish time (28 ms a page at 100,000 articles).
        assert!(!plan.iter().any(|d| d == "SCAN a"), "{plan:#?}");
        assert!(
            !plan.iter().any(|d| d.contains("articles_published")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|d| d == "SEARCH m USING INTEGER PRIMARY KEY (rowid=?)"),
            "{plan:#?}"
        );
        plan
    }

    /// The link reads that run on the request's thread (`readers::InlineReaders`) bind their
    /// parameters as sqlx does: the same query answers the same JSON on either connection,
    /// times compared as the text sqlx wrote. A failed inline read is `None` (the caller asks
    /// the pool) and leaves the next one working; a closed store's are `None`.
    #[tokio::test]
    async fn inline_link_reads_answer_as_the_pool_does() {
        use crate::domain::{ArticleInput, ArticleStatus, BodyFormat};
        use crate::store::ReadingStore;
        use crate::store::readers::InlineParams;
        use crate::store::reading::{Json, LinkArgs, bind_reading_links, page_stamp_and_links_sql};
        use chrono::TimeZone;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        store.upsert_channel("测试", "inline", 1).await.unwrap();
        let mut ids = Vec::new();
        for (day, tags) in [
            (1, &["甲", "乙"][..]),
            (2, &["甲"][..]),
            (3, &["甲", "乙"][..]),
        ] {
            let input = ArticleInput {
                slug: format!("inline-{day}"),
                title: format!("标题 {day}"),
                author: None,
                source: None,
                channel_slug: "inline".into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                summary: "摘要".into(),
                summary_auto: false,
                body_format: BodyFormat::Html,
                body_source: "<p>正文</p>".into(),
                body_html: "<p>正文</p>".into(),
                status: ArticleStatus::Published,
                published_at: chrono::Utc.with_ymd_and_hms(2020, 1, day, 2, 0, 0).single(),
                views: 0,
                import_key: None,
            };
            let written = store.upsert_article(&input, &Default::default()).await;
            ids.push(written.unwrap().id());
        }
        let article = store.article_page("inline-2").await.unwrap().article;
        let args = LinkArgs::new(&article, &[ids[2], ids[0]], 6);
        let sql = page_stamp_and_links_sql(Json::Sqlite, args.tags.len(), args.similar.len());
        let params = bind_reading_links!(InlineParams::default(), &args)
            .bind("inline-2")
            .bind(args.now);
        let inline = store
            .inline
            .query_row(&sql, &params, |row| row.get::<_, String>(3))
            .expect("an inline connection is free")
            .expect("the article's row");
        let query = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
        let pooled = bind_reading_links!(query, &args)
            .bind("inline-2")
            .bind(args.now)
            .fetch_one(&store.pool)
            .await
            .unwrap()
            .3;
        assert_eq!(inline, pooled);
        // Previous, next, by tags (2), in the channel (2), similar (2).
        let parts: Vec<serde_json::Value> = serde_json::from_str(&inline).unwrap();
        assert_eq!(parts.len(), 8, "{inline}");

        assert!(
            store
                .inline
                .query_row(
                    "SELECT nothing FROM nowhere",
                    &InlineParams::default(),
                    |r| r.get::<_, i64>(0)
                )
                .is_none()
        );
        let again = store
            .inline
            .query_row(&sql, &params, |row| row.get::<_, String>(3));
        assert_eq!(again, Some(Some(pooled)));
        store.close().await;
        assert!(
            store
                .inline
                .query_row(&sql, &params, |row| row.get::<_, String>(3))
                .is_none()
        );
    }

    /// The start-up backfills find their (normally no) rows in indexes: a start over a million
    /// targets scanned them all before.
    #[tokio::test]
    async fn startup_backfills_read_only_their_partial_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        for (sql, index) in [
            (UNFILLED_UNITS, "article_targets_unit_unfilled"),
            (
                UNKEYED_INDICATORS,
                "article_targets_indicator (indicator_key=?)",
            ),
        ] {
            let plan = query_plan(&store, sql).await;
            assert!(plan.iter().any(|d| d.contains(index)), "{sql}: {plan:#?}");
        }
    }

    #[tokio::test]
    async fn of_two_processes_claiming_a_marker_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = SqliteStore::open(dir.path()).await.unwrap();
        let b = SqliteStore::open(dir.path()).await.unwrap();
        let (x, y) = tokio::join!(a.claim_marker("m", "a"), b.claim_marker("m", "b"));
        assert!(x.unwrap() ^ y.unwrap(), "exactly one claim wins");
        assert!(!a.claim_marker("m", "again").await.unwrap());
        let value = b.marker("m").await.unwrap().unwrap();
        assert!(value == "a" || value == "b");
    }

    /// 0016 adds columns with defaults: audit lines and sessions written before it stay, the
    /// article lines gain their subject, sessions a last-seen time.
    #[tokio::test]
    async fn audit_lines_and_sessions_from_before_0016_survive_it() {
        use crate::store::NewsroomStore;
        let dir = tempfile::tempdir().unwrap();
        // The migrations up to 0015, applied as an older newsdesk would have.
        let older = tempfile::tempdir().unwrap();
        let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        for entry in std::fs::read_dir(&all).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.as_str() < "0016" {
                std::fs::copy(&path, older.path().join(&name)).unwrap();
            }
        }
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join(DB_FILE))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(older.path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        let now = "2026-11-30T01:02:03Z";
        for sql in [
            "INSERT INTO users (id, name, role, password_hash, disabled, created_at) \
             VALUES (7, 'old', 'editor', 'x', 0, '2026-11-30T01:02:03Z')",
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ('h', 7, 'c', '2026-11-30T01:02:03Z', '9999-01-01T00:00:00Z')",
            "INSERT INTO audit_log (at, user_id, user_name, action, article_id, article_title) \
             VALUES ('2026-11-30T01:02:03Z', 7, 'old', 'publish', 42, '旧文章')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = SqliteStore::open(dir.path()).await.unwrap();
        let page = store
            .list_audit(
                None,
                PageRequest {
                    page: 1,
                    per_page: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        let line = &page.items[0];
        assert_eq!(
            (
                line.subject_kind.as_str(),
                line.subject_id,
                line.subject_label.as_str()
            ),
            ("article", Some(42), "旧文章")
        );
        assert_eq!(line.ip, "");
        let sessions = store.list_sessions(7, Utc::now()).await.unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(
            sessions[0].last_seen_at.to_rfc3339(),
            "2026-11-30T01:02:03+00:00"
        );
        assert_eq!(
            sessions[0].created_at.to_rfc3339(),
            now.replace('Z', "+00:00")
        );
    }

    #[tokio::test]
    async fn stored_views_are_read_back_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        assert!(store.article_views(&[1, 2]).await.unwrap().is_empty());
    }

    #[test]
    fn stored_times_keep_one_fixed_width_form() {
        let y = |year, sec| {
            chrono::NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, sec))
                .unwrap()
                .and_utc()
        };
        // What sqlx writes for a `DateTime<Utc>`.
        let text =
            |t: DateTime<Utc>| db_time(t).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        assert_eq!(text(y(2024, 5)), "2024-01-01T00:00:05+00:00");
        assert_eq!(text(y(10_000, 0)), "9999-12-31T23:59:59+00:00");
        assert_eq!(text(y(-5, 0)), "0000-01-01T00:00:00+00:00");
        let mut all: Vec<String> = [y(262_142, 0), y(1, 0), y(2024, 0), y(-300, 0)]
            .into_iter()
            .map(text)
            .collect();
        assert!(all.iter().all(|t| t.len() == 25), "{all:?}");
        all.sort();
        assert_eq!(
            all.last().map(String::as_str),
            Some("9999-12-31T23:59:59+00:00")
        );
    }
}
