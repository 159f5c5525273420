//! Link push (百度普通收录): new and changed article URLs go to the search engine's submission
//! API — `POST {endpoint}?site={base_url}&token={token}`, the URLs as plain text, one per line.
//! Off until switched on in 站点设置. Triggers queue each article in the store (so the queue
//! survives restarts and every write path fills it); every node runs this task, and a claim in
//! the store ([`crate::store::PushStore::claim_push`]) gives each URL to one node. A failed push
//! is retried with exponential backoff.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::domain::SiteSettings;
use crate::store::{PushItem, Store};

/// URLs per request (Baidu takes up to 2,000).
const BATCH: u32 = 500;

/// How often the queue is looked at, and how retries back off.
#[derive(Debug, Clone)]
pub struct PushTiming {
    /// Between looks at the queue.
    pub interval: Duration,
    /// Wait after the first failure; doubled after each further one, up to `max_backoff`.
    pub base_backoff: Duration,
    /// Longest wait between retries.
    pub max_backoff: Duration,
    /// How long a claim holds before another node may take the URLs (a node that died mid-push).
    pub lease: Duration,
}

impl Default for PushTiming {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            base_backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(6 * 3600),
            lease: Duration::from_secs(120),
        }
    }
}

impl PushTiming {
    /// The wait before attempt `attempts + 1`.
    fn backoff(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        self.base_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

/// Runs the push until `stop` changes.
pub fn spawn(
    store: Arc<dyn Store>,
    settings: impl Fn() -> SiteSettings + Send + 'static,
    timing: PushTiming,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "link push: cannot make an HTTP client; no pushes");
                return;
            }
        };
        let mut tick = tokio::time::interval(timing.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            let site = settings();
            if !site.baidu_push || site.baidu_push_token.is_empty() {
                continue;
            }
            // Drain what is due, a batch at a time.
            loop {
                match push_once(&*store, &client, &site, &timing).await {
                    Ok(n) if n == BATCH as usize => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "link push: the queue could not be read; will retry");
                        break;
                    }
                }
            }
        }
    })
}

/// Claims a batch and pushes it; returns how many URLs were claimed.
async fn push_once(
    store: &dyn Store,
    client: &reqwest::Client,
    site: &SiteSettings,
    timing: &PushTiming,
) -> crate::store::StoreResult<usize> {
    let now = Utc::now();
    let lease = chrono::Duration::from_std(timing.lease).unwrap_or(chrono::Duration::minutes(2));
    let items = store.claim_push(now, now + lease, BATCH).await?;
    if items.is_empty() {
        return Ok(0);
    }
    match submit(client, site, &items).await {
        Ok(report) => {
            tracing::info!(urls = items.len(), %report, "link push: pushed");
            store.finish_push(&items).await?;
        }
        Err(error) => {
            tracing::warn!(urls = items.len(), %error, "link push failed; will retry");
            let next: Vec<_> = items
                .iter()
                .map(|i| {
                    now + chrono::Duration::from_std(timing.backoff(i.attempts))
                        .unwrap_or(chrono::Duration::hours(6))
                })
                .collect();
            store.retry_push(&items, &next, &error).await?;
        }
    }
    Ok(items.len())
}

/// One POST of the items' URLs; the API's answer on success, else what went wrong.
async fn submit(
    client: &reqwest::Client,
    site: &SiteSettings,
    items: &[PushItem],
) -> Result<String, String> {
    let body = items
        .iter()
        .map(|i| site.url(&format!("/articles/{}", i.slug)))
        .collect::<Vec<_>>()
        .join("\n");
    let response = client
        .post(site.baidu_push_endpoint.trim())
        .query(&[
            ("site", site.base_url.as_str()),
            ("token", site.baidu_push_token.as_str()),
        ])
        .header(reqwest::header::CONTENT_TYPE, "text/plain")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("reading the answer failed: {e}"))?;
    // Success is a 200 whose JSON counts the accepted URLs: {"remain":…,"success":…}.
    let accepted = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("success").and_then(serde_json::Value::as_i64));
    match (status.is_success(), accepted) {
        (true, Some(n)) => Ok(format!("accepted {n}")),
        _ => Err(format!(
            "HTTP {status}: {}",
            text.chars().take(200).collect::<String>()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_limit() {
        let t = PushTiming::default();
        assert_eq!(t.backoff(1), Duration::from_secs(60));
        assert_eq!(t.backoff(2), Duration::from_secs(120));
        assert_eq!(t.backoff(4), Duration::from_secs(480));
        assert_eq!(t.backoff(40), Duration::from_secs(6 * 3600));
    }
}
