//! Persistence. `trait Store` is the only door to the database; `sqlite` (the embedded default)
//! and `postgres` (`--database-url`, for several nodes) implement it. Handlers, the importer and
//! the view counter hold an `Arc<dyn Store>` and never see SQL.

mod corrections;
mod desk;
mod media;
mod newsroom;
mod origin;
mod pages;
mod postgres;
mod push;
mod readers;
mod reading;
mod review;
mod rows;
mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

use crate::domain::{
    Article, ArticleInput, ArticleStamp, ArticleStatus, ArticleSummary, ArticleTarget, Channel,
    IndicatorCount, Page, PageRequest, PolicyDocument, SiteSettings, TargetFacets, TargetFilter,
};
use crate::domain::{ChannelViews, DayViews, ViewedArticle};
use crate::targets::Extraction;

pub use corrections::{CORRECTIONS_CHANGED, CorrectionStore};
pub use desk::{DeskStore, UserDefaults};
pub use media::{MediaStore, NewAttachment};
pub use newsroom::{
    AttemptCount, AuditRecord, LoginReservation, NewImage, NewsroomStore, STALE, SessionRecord,
    UserCredentials,
};
pub use newsroom::{AuditEvent, SCHEDULER_NAME};
pub use origin::OriginStore;
pub use pages::PagesStore;
pub use postgres::PgStore;
pub(crate) use postgres::redact as redact_url;
pub use push::{PushItem, PushStore};
pub use reading::{ArticlePage, PageFacts, PageStamp, ReadingLinks, ReadingStore};
pub use review::RevisionStore;
pub use sqlite::{DB_FILE, SqliteStore};

/// A position in the search index's change log (`index_changes`): the writing transaction's id
/// (PostgreSQL's `xid8`; always 0 on SQLite, which commits one writer at a time) and the entry's
/// sequence number. Entries are applied in this order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangeCursor {
    /// Transaction id of the change (0 on SQLite).
    pub xid: i64,
    /// Sequence number of the change.
    pub seq: i64,
}

/// What can go wrong in the store, as callers need to tell it apart.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule was broken.
    #[error("conflict: {what}")]
    Conflict {
        /// What conflicted, e.g. `channel slug`.
        what: String,
    },
    /// Anything else (I/O, corrupt data, database unavailable).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Whether an upsert created a row or changed an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// A new row was inserted.
    Created(i64),
    /// An existing row was updated.
    Updated(i64),
}

impl Upserted {
    /// The row id either way.
    pub fn id(self) -> i64 {
        match self {
            Self::Created(id) | Self::Updated(id) => id,
        }
    }
}

/// The operations newsdesk needs from a database.
#[async_trait]
pub trait Store:
    NewsroomStore
    + CorrectionStore
    + DeskStore
    + RevisionStore
    + MediaStore
    + ReadingStore
    + PagesStore
    + PushStore
    + OriginStore
    + Send
    + Sync
    + 'static
{
    /// A number that moves on after every committed write of content shown on pages (articles,
    /// channels, tags, settings; not view counts), so cached pages can tell they are out of date.
    fn content_version(&self) -> u64;
    /// Reads the database's own content version (kept by triggers, so it counts writes by other
    /// processes and nodes too) and moves [`Store::content_version`] on if it changed.
    async fn sync_content_version(&self) -> StoreResult<bool>;

    /// All channels in navigation order.
    async fn list_channels(&self) -> StoreResult<Vec<Channel>>;
    /// The channel with this slug.
    async fn channel_by_slug(&self, slug: &str) -> StoreResult<Channel>;
    /// Creates the channel, or renames/reorders the one with the same slug.
    async fn upsert_channel(&self, name: &str, slug: &str, position: i64) -> StoreResult<Channel>;

    /// Inserts an article, or updates the one with the same `import_key` when it is set (a slug
    /// already taken by another article is a `Conflict`), and replaces its document facts, targets and
    /// results with `found` (computed by the caller from `input.body_html`: the store does no
    /// content work), in the same transaction.
    async fn upsert_article(
        &self,
        input: &ArticleInput,
        found: &Extraction,
    ) -> StoreResult<Upserted>;
    /// [`Store::upsert_article`] for each item, all in one transaction: all are written or none
    /// (the first error is returned). Imports store their pages a chunk at a time this way.
    async fn upsert_articles(
        &self,
        items: &[(&ArticleInput, &Extraction)],
    ) -> StoreResult<Vec<Upserted>>;
    /// A published article whose time has come, by slug.
    async fn published_article(&self, slug: &str) -> StoreResult<Article>;
    /// Published articles, newest first, optionally in one channel.
    async fn list_published(
        &self,
        channel_id: Option<i64>,
        page: PageRequest,
    ) -> StoreResult<Page<ArticleSummary>>;
    /// How many articles exist in any status.
    async fn count_articles(&self) -> StoreResult<i64>;
    /// An article by id, in any status.
    async fn article_by_id(&self, id: i64) -> StoreResult<Article>;
    /// [`Store::article_by_id`] for many ids in two queries however many (ids not found are left
    /// out; any order): how imports and the search index read back a chunk they wrote.
    async fn articles_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Article>>;
    /// [`Store::published_article`] for many slugs in two queries (slugs not public are left out;
    /// any order): how an import finds which of a chunk's pages are already there.
    async fn published_articles(&self, slugs: &[&str]) -> StoreResult<Vec<Article>>;
    /// Deletes an article and its tag links.
    async fn delete_article(&self, id: i64) -> StoreResult<()>;
    /// Changes an article's status (e.g. unpublishes it).
    async fn set_status(&self, id: i64, status: ArticleStatus) -> StoreResult<()>;
    /// Published articles (whatever their publish time) with ids above `after_id`, by id, in full:
    /// what the search index holds, read in batches to rebuild it.
    async fn list_indexable(&self, after_id: i64, limit: u32) -> StoreResult<Vec<Article>>;
    /// How many articles [`Store::list_indexable`] would return in all.
    async fn count_indexable(&self) -> StoreResult<i64>;
    /// `(id, search stamp)` of every article [`Store::list_indexable`] would return, by id: what
    /// the search index must hold, compared with it at start and by `newsdesk check`. The database
    /// moves an article's stamp on with every change to what the index holds of it (columns,
    /// status, tags, channel), whoever writes.
    async fn indexable_stamps(&self) -> StoreResult<Vec<(i64, i64)>>;
    /// The search stamps of these articles, in any status (ids never written are left out). Read
    /// them before the articles: a document then never claims a newer stamp than its content.
    async fn search_stamps(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>>;
    /// The search index's change log after `after`, in log order, at most `limit` entries:
    /// `(position, article id)`. Only changes of finished transactions are returned (on
    /// PostgreSQL, of transactions older than every running one), so a node that moves its cursor
    /// to the last position returned never skips a change that commits late.
    async fn index_changes(
        &self,
        after: ChangeCursor,
        limit: u32,
    ) -> StoreResult<Vec<(ChangeCursor, i64)>>;
    /// Where a node that reads the articles now (to build its index from scratch, or to compare
    /// stamps) starts following the change log: every change after it may be missing from what
    /// it read; every change up to it is in it.
    async fn index_change_head(&self) -> StoreResult<ChangeCursor>;
    /// Deletes change-log entries written before `before` (applied by every running node long
    /// ago; a node started later compares stamps instead). Returns how many went.
    async fn prune_index_changes(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Wakes the caller when another connection commits a content change, as soon as the
    /// database says so (PostgreSQL's `LISTEN newsdesk_content`); `None` where the database
    /// cannot, and the one-second poll of [`Store::sync_content_version`] is all there is.
    async fn change_notifications(&self) -> StoreResult<Option<BoxStream<'static, ()>>> {
        Ok(None)
    }
    /// The newest public articles in full (bodies included), optionally in one channel: feeds.
    async fn latest_articles(
        &self,
        channel_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<Article>>;
    /// Slug, headline and times of public articles, newest first: sitemaps.
    async fn published_stamps(&self, page: PageRequest) -> StoreResult<Page<ArticleStamp>>;
    /// Adds view counts in one transaction: all of the batch or none of it, to the totals and
    /// to the views of `day` (`YYYY-MM-DD` in the site's zone) in `article_views_daily`. Rows
    /// are updated in ascending id order whatever the batch's order, so two processes flushing at
    /// once lock them in the same order.
    async fn add_views(&self, day: &str, batch: &[(i64, u64)]) -> StoreResult<()>;
    /// Views per day from `from` to `to` (inclusive, `YYYY-MM-DD`), days without views left out.
    async fn views_by_day(&self, from: &str, to: &str) -> StoreResult<Vec<DayViews>>;
    /// The most viewed public articles since `from` (inclusive, `YYYY-MM-DD`): 热门.
    async fn top_viewed(&self, from: &str, limit: u32) -> StoreResult<Vec<ViewedArticle>>;
    /// Views since `from` (inclusive) by the channel of the article, most viewed first.
    async fn views_by_channel(&self, from: &str) -> StoreResult<Vec<ChannelViews>>;
    /// The stored 浏览量 of these articles (ids that do not exist are left out).
    async fn article_views(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>>;

    /// Targets (量化目标) of public articles, at most `filter.limit` of them.
    async fn list_targets(&self, filter: &TargetFilter) -> StoreResult<Vec<ArticleTarget>>;
    /// How many targets match `filter` in each sector, most first (limit and order ignored).
    async fn count_targets_by_sector(
        &self,
        filter: &TargetFilter,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// The targets matching `filter`, one at a time as the database reads them: exports of any
    /// size in constant memory.
    fn stream_targets(
        &self,
        filter: &TargetFilter,
    ) -> BoxStream<'static, StoreResult<ArticleTarget>>;
    /// What an article is as a policy document, as its last save read it; `None` for articles
    /// saved before document facts were read.
    async fn article_document(&self, article_id: i64) -> StoreResult<Option<PolicyDocument>>;
    /// The canonical indicators of public articles' targets and results, most figures first, at
    /// most `limit` of them.
    async fn indicator_counts(&self, limit: u32) -> StoreResult<Vec<IndicatorCount>>;
    /// Sectors, regions and years present among public articles' targets.
    async fn target_facets(&self) -> StoreResult<TargetFacets>;

    /// The site settings (defaults for keys never saved).
    async fn site_settings(&self) -> StoreResult<SiteSettings>;
    /// Saves all site settings.
    async fn save_site_settings(&self, settings: &SiteSettings) -> StoreResult<()>;
    /// Finishes pending work and closes the database; for SQLite, a checkpoint moves the
    /// write-ahead log into the database file, so that after a clean stop `newsdesk.db` alone
    /// holds everything.
    async fn close(&self) {}
    /// An internal marker, such as when demo content was loaded.
    async fn marker(&self, key: &str) -> StoreResult<Option<String>>;
    /// Sets an internal marker.
    async fn set_marker(&self, key: &str, value: &str) -> StoreResult<()>;
    /// Takes the lease `key` until `until` if nobody holds it now (it was never taken, or its
    /// last holder's time has passed); returns whether this call took it. For work that one
    /// process of several should do at a time, such as fetching a WeChat access_token, without
    /// a lock that a crashed holder would keep forever.
    async fn claim_lease(&self, key: &str, until: DateTime<Utc>) -> StoreResult<bool>;
    /// Gives the lease `key` back before its time, once the work it guarded is done.
    async fn release_lease(&self, key: &str) -> StoreResult<()>;
    /// Sets an internal marker unless it is set already, in one statement; returns whether this
    /// call set it. Of several processes claiming the same marker at once, exactly one wins.
    async fn claim_marker(&self, key: &str, value: &str) -> StoreResult<bool>;
}

/// Where a site's database lives: `newsdesk.db` in the data folder (the default), or a
/// PostgreSQL database (`--database-url`), shared by any number of nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// SQLite in the data folder.
    Sqlite(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl Database {
    /// PostgreSQL when a URL is given, else SQLite in `data_dir`.
    pub fn new(data_dir: &Path, database_url: Option<&str>) -> Self {
        match database_url {
            Some(url) if !url.is_empty() => Self::Postgres(url.to_string()),
            _ => Self::Sqlite(data_dir.to_path_buf()),
        }
    }
}

/// Opens the store (creating an SQLite database if needed) and applies pending migrations.
pub async fn open(database: &Database) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match database {
        Database::Sqlite(dir) => Arc::new(SqliteStore::open(dir).await?),
        Database::Postgres(url) => Arc::new(PgStore::open(url).await?),
    })
}

/// [`open`] for a bulk writer (`import`, `crawl`, `gen-corpus`): on SQLite, statement journals
/// and temporary b-trees in memory ([`SqliteStore::open_bulk`]), which a server must not use.
pub async fn open_for_bulk_writes(database: &Database) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match database {
        Database::Sqlite(dir) => Arc::new(SqliteStore::open_bulk(dir).await?),
        Database::Postgres(url) => Arc::new(PgStore::open(url).await?),
    })
}

/// Opens the store of an existing site, refusing a folder or database that holds no newsdesk
/// schema (commands that work on a site — `user`, `reindex`, `backup` — must not create one).
pub async fn open_existing(database: &Database) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match database {
        Database::Sqlite(dir) => Arc::new(SqliteStore::open_existing(dir).await?),
        Database::Postgres(url) => Arc::new(PgStore::open_existing(url).await?),
    })
}

/// Times are stored to the second, and within years 0000–9999, so that every stored time has the
/// same fixed-width text form (`2024-02-08T10:21:00+00:00`) and text comparison in SQLite orders
/// them correctly: `+10000-…` sorts before `2024-…` as text. PostgreSQL stores the same clamped
/// values, so both backends answer alike. The newsroom refuses such years with a message; clamping
/// here is the last guard for any other writer.
pub(crate) fn db_time(t: DateTime<Utc>) -> DateTime<Utc> {
    let min = chrono::NaiveDate::from_ymd_opt(0, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let max = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59));
    let t = match (min, max) {
        (Some(min), _) if t.naive_utc() < min => min.and_utc(),
        (_, Some(max)) if t.naive_utc() > max => max.and_utc(),
        _ => t,
    };
    chrono::SubsecRound::trunc_subsecs(t, 0)
}

/// A time as fixed-width text (milliseconds since 1970, 20 digits) whose text order is time
/// order, for leases kept in the settings table of either backend.
pub(crate) fn lease_text(t: DateTime<Utc>) -> String {
    format!("{:020}", t.timestamp_millis().max(0))
}

/// File in the data folder locked while a server starts up.
pub const STARTUP_LOCK: &str = "startup.lock";

/// Waits for and takes the data folder's start-up lock (an OS file lock, let go when the returned
/// file is dropped or the process ends), creating the folder if needed. Servers started together
/// on one folder then migrate, build the search index and load the demo one after another instead
/// of tearing down each other's half-built index.
pub async fn lock_startup(data_dir: &Path) -> anyhow::Result<std::fs::File> {
    use anyhow::Context;
    use fs4::fs_std::FileExt;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating data folder {}", data_dir.display()))?;
    let path = data_dir.join(STARTUP_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    if !file.try_lock_exclusive().unwrap_or(false) {
        tracing::info!(path = %path.display(), "waiting for another newsdesk starting on this folder");
        let file = tokio::task::spawn_blocking(move || file.lock_exclusive().map(|()| file))
            .await
            .context("start-up lock task")?
            .with_context(|| format!("locking {}", path.display()))?;
        return Ok(file);
    }
    Ok(file)
}

/// How often servers look for content changes made by other processes or nodes
/// (`web::AppState::spawn_content_sync` polls [`Store::sync_content_version`]).
pub const VERSION_SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
