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
//!
//! **Per day.** The same transaction adds each batch to `article_views_daily` under the day of
//! the flush in the site's time zone ([`ViewCounter::set_zone`]), for 热门 and the statistics.
//!
//! **Live totals.** Pages show the stored total as this process last read it plus the views this
//! process counted since that read, so a cached page needs no query. Several servers can count the
//! same article (one database, several processes or nodes): after each flush the flusher re-reads
//! the stored totals of the articles shown in the last [`SHOWN_WINDOW`] (one query for all of them,
//! off the request path), so another server's views show here within about two seconds.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::store::{Store, StoreResult};

/// How often pending counts are written to the store.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Articles shown within this many flushes have their stored totals re-read after each flush.
pub const SHOWN_WINDOW: u64 = 10;
/// Remembered visitor/article pairs beyond which the oldest half is forgotten, bounding memory.
const MAX_RECENT: usize = 1_000_000;
/// Articles whose stored counts are read in one query.
const REFRESH_CHUNK: usize = 500;

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
    /// The stored 浏览量 as last read, once a page has shown the article.
    stored: Option<i64>,
    /// Views this process counted since `stored` was read (flushed or not).
    since_read: i64,
    /// The flush tick at which a page last showed the count.
    shown_tick: u64,
}

impl Counts {
    fn live(&self) -> Option<i64> {
        self.stored.map(|s| s.saturating_add(self.since_read))
    }
}

/// Pending view counts, live totals and the recent-visitor memory.
#[derive(Debug)]
pub struct ViewCounter {
    counts: Mutex<HashMap<i64, Counts>>,
    /// Flushes so far: a clock for [`SHOWN_WINDOW`] that costs no system call per request.
    tick: std::sync::atomic::AtomicU64,
    recent: Mutex<HashMap<(i64, u64), Instant>>,
    dedupe_window: Option<Duration>,
    /// The site's time zone: a flush adds its views to the day it happens in there.
    zone: Mutex<chrono_tz::Tz>,
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
            tick: std::sync::atomic::AtomicU64::new(0),
            recent: Mutex::new(HashMap::new()),
            dedupe_window,
            zone: Mutex::new(chrono_tz::Asia::Shanghai),
        }
    }

    /// Counts views per day in `zone` from now on (the site's zone; set when settings load).
    pub fn set_zone(&self, zone: chrono_tz::Tz) {
        *self.zone.lock().unwrap_or_else(PoisonError::into_inner) = zone;
    }

    /// Today in the site's zone, `YYYY-MM-DD`: the day a flush adds its views to.
    pub fn today(&self) -> String {
        let zone = *self.zone.lock().unwrap_or_else(PoisonError::into_inner);
        chrono::Utc::now()
            .with_timezone(&zone)
            .format("%Y-%m-%d")
            .to_string()
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
        entry.since_read = entry.since_read.saturating_add(1);
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
    /// tracked already) and returns it. From then on every counted view adds to it, and the
    /// flusher re-reads the stored count while pages show it, so cached pages show a current count
    /// without asking the store.
    pub fn track_total(&self, article_id: i64, stored: i64) -> i64 {
        let tick = self.tick.load(std::sync::atomic::Ordering::Relaxed);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = counts.entry(article_id).or_default();
        entry.shown_tick = tick;
        if entry.stored.is_none() {
            entry.stored = Some(stored);
            entry.since_read = i64::try_from(entry.pending).unwrap_or(i64::MAX);
        }
        entry.live().unwrap_or(stored)
    }

    /// The live 浏览量 of a tracked article: the stored count as last read plus this process's
    /// views since. Marks the article as shown, so its stored count keeps being re-read.
    pub fn live_total(&self, article_id: i64) -> Option<i64> {
        let tick = self.tick.load(std::sync::atomic::Ordering::Relaxed);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = counts.get_mut(&article_id)?;
        entry.shown_tick = tick;
        entry.live()
    }

    /// Re-reads the stored counts of the articles shown within the last [`SHOWN_WINDOW`] flushes,
    /// so views counted by other processes show here. Called by the flusher right after a flush
    /// (never during one), so a stored count read here includes every batch this process wrote.
    pub async fn refresh_totals(&self, store: &dyn Store) -> StoreResult<usize> {
        let tick = self.tick.load(std::sync::atomic::Ordering::Relaxed);
        let mut ids: Vec<i64> = {
            let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
            counts
                .iter()
                .filter(|(_, c)| {
                    c.stored.is_some() && tick.saturating_sub(c.shown_tick) <= SHOWN_WINDOW
                })
                .map(|(id, _)| *id)
                .collect()
        };
        if ids.is_empty() {
            return Ok(0);
        }
        ids.sort_unstable();
        let mut read = 0;
        for chunk in ids.chunks(REFRESH_CHUNK) {
            let totals = store.article_views(chunk).await?;
            let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
            for (id, views) in totals {
                if let Some(entry) = counts.get_mut(&id) {
                    // What is still pending was counted after the flush, so it is not stored yet.
                    entry.stored = Some(views);
                    entry.since_read = i64::try_from(entry.pending).unwrap_or(i64::MAX);
                    read += 1;
                }
            }
        }
        Ok(read)
    }

    /// Takes the pending counts, by article id: every writer updates rows in one order, so two
    /// processes flushing at once never wait on each other's locks in a cycle.
    fn take_batch(&self) -> Vec<(i64, u64)> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let mut batch: Vec<(i64, u64)> = counts
            .iter_mut()
            .filter(|(_, c)| c.pending > 0)
            .map(|(id, c)| (*id, std::mem::take(&mut c.pending)))
            .collect();
        batch.sort_unstable_by_key(|&(id, _)| id);
        batch
    }

    /// Writes pending counts to the store; on failure they are put back for the next flush.
    pub async fn flush(&self, store: &dyn Store) -> StoreResult<usize> {
        let batch = self.take_batch();
        if batch.is_empty() {
            return Ok(0);
        }
        // The day of the flush, not of each view: a view in the last second before midnight may
        // count for the next day, which per-day figures can bear; a per-view day would not be
        // worth its memory on the request path.
        match store.add_views(&self.today(), &batch).await {
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

    /// Flushes every [`FLUSH_INTERVAL`] and then re-reads the stored counts of the articles pages
    /// show, until `stop` changes; then flushes once more.
    pub fn spawn_flusher(
        self: Arc<Self>,
        store: Arc<dyn Store>,
        mut stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_INTERVAL);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => break,
                }
                if let Err(e) = self.flush(store.as_ref()).await {
                    tracing::warn!(error = %e, "writing view counts failed; will retry");
                }
                if let Err(e) = self.refresh_totals(store.as_ref()).await {
                    tracing::warn!(error = %e, "reading stored view counts failed; will retry");
                }
                let ticks = self.tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
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
    fn batches_are_taken_in_article_id_order() {
        let c = ViewCounter::new(None);
        for id in [907, 3, 41, 12, 3, 5000, 1] {
            assert!(c.record(id, &visitor("Mozilla/5.0")));
        }
        assert_eq!(
            c.take_batch(),
            vec![(1, 1), (3, 2), (12, 1), (41, 1), (907, 1), (5000, 1)]
        );
        assert!(c.take_batch().is_empty(), "taken once");
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
