//! The link-push queue (百度普通收录): articles whose URL is new or changed, filled by triggers
//! while the push is on (migrations `0020_site_push.sql` / `0014_site_push.sql`) and drained by
//! [`crate::site_push`]. A supertrait of [`super::Store`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;

/// A queued article claimed for one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushItem {
    /// The article.
    pub article_id: i64,
    /// Which change of it was claimed: a later change stays queued after this push.
    pub generation: i64,
    /// Its slug (the URL is built from it).
    pub slug: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// The queue's operations.
#[async_trait]
pub trait PushStore: Send + Sync {
    /// Claims up to `limit` due articles (not claimed by anyone, or whose claim ran out) until
    /// `lease_until`, counting an attempt on each. Concurrent claims (other nodes) never get the
    /// same row. Rows of articles no longer public are dropped.
    async fn claim_push(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<PushItem>>;
    /// Pushed: removes each item unless its article changed again meanwhile.
    async fn finish_push(&self, items: &[PushItem]) -> StoreResult<()>;
    /// Not pushed: each item is due again at `next_at[i]`, with the error kept.
    async fn retry_push(
        &self,
        items: &[PushItem],
        next_at: &[DateTime<Utc>],
        error: &str,
    ) -> StoreResult<()>;
    /// How many articles are queued, and the last error recorded on any of them.
    async fn push_backlog(&self) -> StoreResult<(i64, Option<String>)>;
}
