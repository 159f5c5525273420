//! Rendered article pages kept in memory, so a warm article page costs a hash lookup, the view
//! count and a copy of bytes instead of two queries and a template render.
//!
//! A page is rendered once with a placeholder where the 浏览量 goes and stored as the parts between
//! placeholders; serving it joins the parts with the live count. Entries carry the store's content
//! version when they were rendered ([`crate::store::Store::content_version`]): any content write
//! (article, channel, settings) moves the version on, and older entries are re-rendered on their
//! next request. View-count flushes do not change the version. Memory is bounded by bytes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// The 浏览量 value pages are rendered with, replaced by the live count when served. Its digits
/// never occur in real pages.
pub const VIEWS_PLACEHOLDER: i64 = -9_182_736_455_463_728_190;

/// Which rendering of an article: pages differ inside WeChat (no QR code).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// Article slug.
    pub slug: String,
    /// Opened inside WeChat.
    pub in_wechat: bool,
}

/// A rendered page split at its view-count placeholders.
#[derive(Debug)]
pub struct CachedPage {
    /// Store content version the page was rendered at.
    pub version: u64,
    /// The article shown, for counting views on hits.
    pub article_id: i64,
    parts: Vec<Bytes>,
}

impl CachedPage {
    /// Splits a page rendered with [`VIEWS_PLACEHOLDER`].
    pub fn new(html: &str, version: u64, article_id: i64) -> Self {
        let placeholder = VIEWS_PLACEHOLDER.to_string();
        Self {
            version,
            article_id,
            parts: html
                .split(placeholder.as_str())
                .map(|p| Bytes::copy_from_slice(p.as_bytes()))
                .collect(),
        }
    }

    /// The page with `views` in place of each placeholder, as a response body that shares the
    /// cached bytes (no copy of the page per request) and states its exact length.
    pub fn body(&self, views: i64) -> Body {
        let views = Bytes::from(views.to_string());
        let mut parts = VecDeque::with_capacity(self.parts.len() * 2);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                parts.push_back(views.clone());
            }
            parts.push_back(part.clone());
        }
        let remaining = parts.iter().map(|p| p.len() as u64).sum();
        Body::new(Chunks { parts, remaining })
    }

    fn bytes(&self) -> u64 {
        self.parts.iter().map(|p| p.len() as u64).sum::<u64>() + 64
    }
}

/// Shared chunks of a page sent one after another.
struct Chunks {
    parts: VecDeque<Bytes>,
    remaining: u64,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        Poll::Ready(this.parts.pop_front().map(|part| {
            this.remaining = this.remaining.saturating_sub(part.len() as u64);
            Ok(Frame::data(part))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.parts.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[derive(Debug, Clone)]
struct ByBytes;

impl Weighter<PageKey, Arc<CachedPage>> for ByBytes {
    fn weight(&self, key: &PageKey, page: &Arc<CachedPage>) -> u64 {
        page.bytes() + key.slug.len() as u64
    }
}

/// The cache of rendered article pages.
#[derive(Debug)]
pub struct PageCache {
    pages: Option<Cache<PageKey, Arc<CachedPage>, ByBytes>>,
}

impl PageCache {
    /// A cache holding at most `max_bytes` of pages; 0 disables caching.
    pub fn new(max_bytes: u64) -> Self {
        // Pages are tens of kilobytes; the estimate only sizes the table up front.
        let estimated_pages = usize::try_from(max_bytes / 32_768)
            .unwrap_or(usize::MAX)
            .max(16);
        Self {
            pages: (max_bytes > 0)
                .then(|| Cache::with_weighter(estimated_pages, max_bytes, ByBytes)),
        }
    }

    /// The cached page for `key` if it was rendered at `version`.
    pub fn get(&self, key: &PageKey, version: u64) -> Option<Arc<CachedPage>> {
        self.pages
            .as_ref()?
            .get(key)
            .filter(|page| page.version == version)
    }

    /// Stores a rendered page.
    pub fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        if let Some(pages) = &self.pages {
            pages.insert(key, page);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn text(body: Body) -> Vec<u8> {
        axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn views_are_spliced_into_every_placeholder() {
        let html = format!("<p>{VIEWS_PLACEHOLDER}</p><script>{VIEWS_PLACEHOLDER}</script>");
        let page = CachedPage::new(&html, 1, 7);
        let body = page.body(42);
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(28));
        assert_eq!(text(body).await, b"<p>42</p><script>42</script>");
        let plain = CachedPage::new("<p>no count</p>", 1, 7);
        assert_eq!(text(plain.body(42)).await, b"<p>no count</p>");
    }

    #[test]
    fn stale_versions_miss_and_zero_capacity_disables() {
        let cache = PageCache::new(1 << 20);
        let key = PageKey {
            slug: "a".into(),
            in_wechat: false,
        };
        cache.insert(key.clone(), Arc::new(CachedPage::new("x", 3, 1)));
        assert!(cache.get(&key, 3).is_some());
        assert!(cache.get(&key, 4).is_none());
        let off = PageCache::new(0);
        off.insert(key.clone(), Arc::new(CachedPage::new("x", 3, 1)));
        assert!(off.get(&key, 3).is_none());
    }
}
