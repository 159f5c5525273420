//! PostgreSQL implementation of [`crate::store::PagesStore`] (the shared body in
//! `store::pages`). A child module of `postgres`.

use chrono::Utc;

use super::{PgStore, on_write, other};
use crate::domain::{
    ArticleSummary, Page, PageRequest, SitePage, SitePageInput, Tag, Topic, TopicInput,
};
use crate::store::db_time;
use crate::store::pages::{
    PAGE_COLUMNS, PUBLIC_NOW, PageRow, SUMMARY_COLUMNS, TOPIC_COLUMNS, TagRow, TopicRow, marks,
    pages_store_impl,
};
use crate::store::rows::SummaryRow;
use crate::store::{StoreError, StoreResult};

/// The shared SQL's `?` placeholders as PostgreSQL's `$1, $2 …` (the SQL holds no `?` in text).
pub(super) fn sql(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 16);
    let mut n = 0;
    for ch in q.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

impl PgStore {
    async fn pages_tx(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool.begin().await.map_err(other)
    }
}

pages_store_impl!(PgStore);

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(
            super::sql("a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
    }
}
