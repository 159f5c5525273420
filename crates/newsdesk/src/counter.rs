//! 浏览量: the view counter.
//!
//! **What counts.** A `GET` of a public article page counts one view. `HEAD` requests do not, nor do
//! known crawlers (by User-Agent, see [`is_crawler`]), nor a repeat view of the same article by the
//! same visitor (client IP plus User-Agent) within the dedupe window, 30 minutes by default.
//!
//! **Durability.** Counts are added in memory (no database write on the request path) and written to
//! the store in one transaction per batch at least once a second, and once more on shutdown, so a
//! crash loses at most about a second of counts and a clean shutdown loses none. A batch the store
//! refuses is kept and retried with the next one.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::store::{Store, StoreResult};

/// How often pending counts are written to the store.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Remembered visitor/article pairs beyond which the oldest half is forgotten, bounding memory.
const MAX_RECENT: usize = 1_000_000;

/// Who is viewing, for de-duplication.
#[derive(Debug, Clone)]
pub struct Visitor<'a> {
    /// Client address.
    pub ip: IpAddr,
    /// User-Agent header, empty when absent.
    pub user_agent: &'a str,
}

/// Counts of one article held in memory.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    /// Views not yet written to the store.
    pending: u64,
    /// The article's live 浏览量 (stored plus counted since), once a page has shown it.
    total: Option<i64>,
}

/// Pending view counts, live totals and the recent-visitor memory.
#[derive(Debug)]
pub struct ViewCounter {
    counts: Mutex<HashMap<i64, Counts>>,
    recent: Mutex<HashMap<(i64, u64), Instant>>,
    dedupe_window: Option<Duration>,
}

/// Whether a User-Agent belongs to a known crawler or bot.
pub fn is_crawler(user_agent: &str) -> bool {
    const MARKERS: &[&str] = &[
        "bot",
        "spider",
        "crawl",
        "slurp",
        "mediapartners",
        "facebookexternalhit",
        "bingpreview",
        "headlesschrome",
        "lighthouse",
        "python-requests",
        "curl/",
        "wget/",
        "go-http-client",
    ];
    let ua = user_agent.to_ascii_lowercase();
    MARKERS.iter().any(|m| ua.contains(m))
}

impl ViewCounter {
    /// A counter that ignores repeat views within `dedupe_window` (`None`: count every view).
    pub fn new(dedupe_window: Option<Duration>) -> Self {
        Self {
            counts: Mutex::new(HashMap::new()),
            recent: Mutex::new(HashMap::new()),
            dedupe_window,
        }
    }

    /// Records a view of `article_id`; returns whether it counted.
    pub fn record(&self, article_id: i64, visitor: &Visitor<'_>) -> bool {
        if is_crawler(visitor.user_agent) {
            return false;
        }
        if let Some(window) = self.dedupe_window {
            let mut hasher = DefaultHasher::new();
            visitor.ip.hash(&mut hasher);
            visitor.user_agent.hash(&mut hasher);
            let key = (article_id, hasher.finish());
            let now = Instant::now();
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            if recent
                .get(&key)
                .is_some_and(|seen| now.duration_since(*seen) < window)
            {
                return false;
            }
            if recent.len() >= MAX_RECENT {
                recent.retain(|_, seen| now.duration_since(*seen) < window);
                if recent.len() >= MAX_RECENT {
                    recent.clear();
                }
            }
            recent.insert(key, now);
        }
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = counts.entry(article_id).or_default();
        entry.pending += 1;
        if let Some(total) = entry.total.as_mut() {
            *total = total.saturating_add(1);
        }
        true
    }

    /// Views of `article_id` counted but not yet written to the store.
    pub fn pending(&self, article_id: i64) -> u64 {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&article_id)
            .map_or(0, |c| c.pending)
    }

    /// Starts tracking the live 浏览量 of an article whose stored count is `stored` (unless it is
    /// tracked already) and returns it. From then on every counted view adds to it, so cached
    /// pages show a current count without asking the store.
    pub fn track_total(&self, article_id: i64, stored: i64) -> i64 {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = counts.entry(article_id).or_default();
        *entry.total.get_or_insert_with(|| {
            stored.saturating_add(i64::try_from(entry.pending).unwrap_or(i64::MAX))
        })
    }

    /// The live 浏览量 of a tracked article.
    pub fn live_total(&self, article_id: i64) -> Option<i64> {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&article_id)
            .and_then(|c| c.total)
    }

    /// Writes pending counts to the store; on failure they are put back for the next flush.
    pub async fn flush(&self, store: &dyn Store) -> StoreResult<usize> {
        let batch: Vec<(i64, u64)> = {
            let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
            counts
                .iter_mut()
                .filter(|(_, c)| c.pending > 0)
                .map(|(id, c)| (*id, std::mem::take(&mut c.pending)))
                .collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        match store.add_views(&batch).await {
            Ok(()) => Ok(batch.len()),
            Err(e) => {
                let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
                for (id, n) in batch {
                    counts.entry(id).or_default().pending += n;
                }
                Err(e)
            }
        }
    }

    /// Forgets visitors older than the window, so memory follows the traffic of the last window.
    fn prune(&self) {
        if let Some(window) = self.dedupe_window {
            let now = Instant::now();
            self.recent
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|_, seen| now.duration_since(*seen) < window);
        }
    }

    /// Flushes every [`FLUSH_INTERVAL`] until `stop` changes, then flushes once more.
    pub fn spawn_flusher(
        self: Arc<Self>,
        store: Arc<dyn Store>,
        mut stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_INTERVAL);
            let mut ticks: u64 = 0;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => break,
                }
                if let Err(e) = self.flush(store.as_ref()).await {
                    tracing::warn!(error = %e, "writing view counts failed; will retry");
                }
                ticks += 1;
                if ticks % 60 == 0 {
                    self.prune();
                }
            }
            match self.flush(store.as_ref()).await {
                Ok(n) => tracing::debug!(articles = n, "final view count flush"),
                Err(e) => tracing::error!(error = %e, "final view count flush failed"),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor(ua: &str) -> Visitor<'_> {
        Visitor {
            ip: IpAddr::from([127, 0, 0, 1]),
            user_agent: ua,
        }
    }

    #[test]
    fn repeat_views_within_the_window_count_once() {
        let c = ViewCounter::new(Some(Duration::from_secs(1800)));
        assert!(c.record(1, &visitor("Mozilla/5.0")));
        assert!(!c.record(1, &visitor("Mozilla/5.0")));
        assert!(c.record(2, &visitor("Mozilla/5.0")));
        assert!(c.record(1, &visitor("Mozilla/5.0 (iPhone)")));
        assert_eq!(c.pending(1), 2);
    }

    #[test]
    fn live_totals_start_from_the_store_and_follow_views() {
        let c = ViewCounter::new(None);
        assert!(c.record(1, &visitor("Mozilla/5.0")));
        assert_eq!(c.live_total(1), None);
        assert_eq!(c.track_total(1, 10), 11, "stored plus pending");
        assert!(c.record(1, &visitor("Mozilla/5.0")));
        assert_eq!(c.live_total(1), Some(12));
        assert_eq!(
            c.track_total(1, 10),
            12,
            "tracking again keeps the live total"
        );
    }

    #[test]
    fn crawlers_do_not_count() {
        let c = ViewCounter::new(None);
        for ua in [
            "Baiduspider+(+http://www.baidu.com/search/spider.htm)",
            "Googlebot/2.1",
            "Sogou web spider/4.0",
        ] {
            assert!(!c.record(1, &visitor(ua)), "{ua}");
        }
        assert!(c.record(
            1,
            &visitor("Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0")
        ));
        assert_eq!(c.pending(1), 1);
    }
}
