//! The store for several nodes: one PostgreSQL database (`--database-url postgres://…`),
//! migrations from `migrations/postgres` applied at open (under sqlx's advisory lock, so nodes
//! started together migrate one at a time). The same behaviour as `sqlite`, checked by the same
//! tests run against both (`tests/it`, `NEWSDESK_TEST_BACKEND=postgres`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tracing::instrument;

#[path = "postgres_newsroom.rs"]
mod newsroom;

use super::{ChangeCursor, Store, StoreError, StoreResult, Upserted, db_time};
use crate::domain::{
    Article, ArticleInput, ArticleStamp, ArticleStatus, ArticleSummary, ArticleTarget, Channel,
    Page, PageRequest, SiteSettings, TargetFacets, TargetFilter,
};
use crate::targets::Extracted;

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

fn other(e: sqlx::Error) -> StoreError {
    StoreError::Other(e.into())
}

/// Maps a uniqueness violation to `Conflict` naming the table and column as SQLite does
/// (`articles.slug`), a foreign-key violation to `Conflict`, everything else to `Other`.
fn on_write(e: sqlx::Error) -> StoreError {
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

    async fn claim_lease(&self, key: &str, until: DateTime<Utc>) -> StoreResult<bool> {
        todo!("PostgreSQL: claim_lease")
    }

    async fn release_lease(&self, key: &str) -> StoreResult<()> {
        todo!("PostgreSQL: release_lease")
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
