//! SQLite implementation of [`crate::store::PagesStore`] (the shared body in `store::pages`). A
//! child module of `sqlite`.

use chrono::Utc;

use super::{SqliteStore, db_time, on_write, other};
use crate::domain::{
    ArticleSummary, Page, PageRequest, SitePage, SitePageInput, Tag, Topic, TopicInput,
};
use crate::store::pages::{
    PAGE_COLUMNS, PUBLIC_NOW, PageRow, SUMMARY_COLUMNS, TOPIC_COLUMNS, TagRow, TopicRow, marks,
    pages_store_impl,
};
use crate::store::rows::SummaryRow;
use crate::store::{StoreError, StoreResult};

/// SQLite takes `?` placeholders as they are.
pub(super) fn sql(q: &str) -> String {
    q.to_string()
}

impl SqliteStore {
    async fn pages_tx(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.write_tx().await
    }
}

pages_store_impl!(SqliteStore);
