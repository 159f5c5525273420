//! Rendered article pages kept in memory, so a warm article page costs a hash lookup, the view
//! count and a copy of bytes instead of two queries and a template render.
//!
//! A page is rendered once with a placeholder where the 浏览量 goes and stored as the parts between
//! placeholders; serving it joins the parts with the live count. Entries carry the store's content
//! version when they were rendered ([`crate::store::Store::content_version`]): any content write
//! (article, channel, settings) moves the version on, and older entries are re-rendered on their
//! next request. View-count flushes do not change the version. Memory is bounded by bytes.

use std::sync::Arc;

use axum::body::Bytes;
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

    /// The page with `views` in place of each placeholder.
    pub fn body(&self, views: i64) -> Bytes {
        if let [only] = self.parts.as_slice() {
            return only.clone();
        }
        let views = views.to_string();
        let len = self.parts.iter().map(Bytes::len).sum::<usize>() + views.len() * self.parts.len();
        let mut out = Vec::with_capacity(len);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(views.as_bytes());
            }
            out.extend_from_slice(part);
        }
        Bytes::from(out)
    }

    fn bytes(&self) -> u64 {
        self.parts.iter().map(|p| p.len() as u64).sum::<u64>() + 64
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

    #[test]
    fn views_are_spliced_into_every_placeholder() {
        let html = format!("<p>{VIEWS_PLACEHOLDER}</p><script>{VIEWS_PLACEHOLDER}</script>");
        let page = CachedPage::new(&html, 1, 7);
        assert_eq!(&page.body(42)[..], b"<p>42</p><script>42</script>");
        let plain = CachedPage::new("<p>no count</p>", 1, 7);
        assert_eq!(&plain.body(42)[..], b"<p>no count</p>");
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
