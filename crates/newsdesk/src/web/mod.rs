//! The HTTP layer: application state, routes ([`routes`]), handlers by audience ([`public`]),
//! extractors ([`extract`]) and middleware. Handlers extract, call the store, build a view model and
//! render it; they never write SQL.

pub mod admin;
pub mod api;
pub mod article_parts;
pub mod client;
mod conditional;
pub mod extract;
pub mod feeds;
pub mod media;
pub mod middleware;
pub mod page_cache;
pub mod portal;
pub mod public;
pub mod routes;
pub mod search;
pub mod seo;
pub mod server;
pub mod targets;
pub mod wechat;

use std::sync::{Arc, PoisonError, RwLock};

use crate::counter::ViewCounter;
use crate::domain::{Channel, SiteSettings};
use crate::render::Renderer;
use crate::store::{Store, StoreResult};

/// Memory for rendered pages unless configured otherwise: with it a server over 100,000 articles
/// stays under DESIGN.md's 200 MiB resident (BENCHMARKS.md, `bench/serve-memory.sh`).
pub const DEFAULT_PAGE_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// What every page's header and footer need, cached in memory and reloaded when it changes.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// Site settings.
    pub site: SiteSettings,
    /// Channels in navigation order.
    pub channels: Vec<Channel>,
    /// The public pages' Content-Security-Policy with the analytics script's host (without and
    /// with WeChat's JS-SDK), when the site loads one.
    pub analytics_csp: Option<(axum::http::HeaderValue, axum::http::HeaderValue)>,
    /// 专题 in index order (channel sidebars, sitemaps).
    pub topics: Vec<crate::domain::Topic>,
    /// The store's content version read before loading this: the chrome holds every write up to
    /// it (see [`AppState::spawn_content_sync`]).
    pub version: u64,
    /// Which look of the site this is: a reload that reads the same settings, channels and 专题
    /// keeps the number, any change takes a new one. The version moves on with every write,
    /// this only when the chrome changed, so what was rendered with a chrome can be kept for
    /// as long as its look is current (`article_parts::PageFrame`).
    pub look: u64,
}

/// The source of [`Chrome::look`]s: each differing load takes the next.
static NEXT_LOOK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Chrome {
    /// Whether `other` shows the same settings, channels and 专题.
    fn looks_like(&self, other: &Self) -> bool {
        self.site == other.site && self.channels == other.channels && self.topics == other.topics
    }
}

/// Shared state of the web layer: one reference-counted pointer, so the clone that every request
/// makes of it is a single atomic increment (it was one per field).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] points to.
#[derive(Clone)]
pub struct Shared {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Templates and static assets.
    pub renderer: Arc<Renderer>,
    /// 浏览量 counter.
    pub counter: Arc<ViewCounter>,
    chrome: Arc<RwLock<Arc<Chrome>>>,
    /// Where uploaded images go, and their size limit.
    uploads: Arc<crate::images::Uploads>,
    /// The WeChat JS-SDK signer, when an AppID and AppSecret are configured.
    wechat: Option<Arc<crate::wechat::JsSdk>>,
    /// Article writes and the search index; set by [`AppState::with_articles`].
    articles: Option<crate::content::Articles>,
    /// URLs per sitemap before `/sitemap.xml` becomes an index (lowered in tests).
    sitemap_max_urls: u32,
    pages: Arc<page_cache::PageCache>,
    /// What article pages made of their own articles, per article version.
    article_parts: Arc<article_parts::ArticlePartsCache>,
    /// Rendered `/targets` pages (see [`targets::TargetPages`]).
    target_pages: Arc<targets::TargetPages>,
    /// Reverse proxies whose forwarded client address and scheme are believed.
    trusted_proxies: Arc<client::TrustedProxies>,
}

impl AppState {
    /// State over a store, with the site chrome loaded from it.
    pub async fn new(
        store: Arc<dyn Store>,
        renderer: Arc<Renderer>,
        counter: Arc<ViewCounter>,
    ) -> StoreResult<Self> {
        let state = Self(Arc::new(Shared {
            store,
            renderer,
            counter,
            chrome: Arc::default(),
            uploads: Arc::default(),
            wechat: None,
            articles: None,
            sitemap_max_urls: seo::SITEMAP_MAX_URLS,
            pages: Arc::new(page_cache::PageCache::new(DEFAULT_PAGE_CACHE_BYTES)),
            article_parts: Arc::default(),
            target_pages: Arc::default(),
            trusted_proxies: Arc::default(),
        }));
        state.reload_chrome().await?;
        Ok(state)
    }

    /// Signs WeChat JS-SDK configurations with `sdk`.
    #[must_use]
    pub fn with_wechat(mut self, sdk: Option<Arc<crate::wechat::JsSdk>>) -> Self {
        Arc::make_mut(&mut self.0).wechat = sdk;
        self
    }

    /// Believes the forwarded client address and scheme from these proxies only.
    #[must_use]
    pub fn with_trusted_proxies(mut self, proxies: client::TrustedProxies) -> Self {
        Arc::make_mut(&mut self.0).trusted_proxies = Arc::new(proxies);
        self
    }

    /// The proxies whose forwarding headers are believed.
    pub fn trusted_proxies(&self) -> &client::TrustedProxies {
        &self.trusted_proxies
    }

    /// Writes articles and searches through `articles`.
    #[must_use]
    pub fn with_articles(mut self, articles: crate::content::Articles) -> Self {
        Arc::make_mut(&mut self.0).articles = Some(articles);
        self
    }

    /// Article writes and the search index, when set up (always, in a running server).
    pub fn articles(&self) -> Option<&crate::content::Articles> {
        self.articles.as_ref()
    }

    /// Splits sitemaps at `limit` URLs instead of the protocol's 50,000.
    #[must_use]
    pub fn with_sitemap_max_urls(mut self, limit: u32) -> Self {
        Arc::make_mut(&mut self.0).sitemap_max_urls = limit.max(1);
        self
    }

    /// The WeChat JS-SDK signer, when configured.
    pub fn wechat(&self) -> Option<&crate::wechat::JsSdk> {
        self.wechat.as_deref()
    }

    /// URLs per sitemap.
    pub fn sitemap_max_urls(&self) -> u32 {
        self.sitemap_max_urls
    }

    /// Stores uploaded images as `uploads` says.
    #[must_use]
    pub fn with_uploads(mut self, uploads: crate::images::Uploads) -> Self {
        Arc::make_mut(&mut self.0).uploads = Arc::new(uploads);
        self
    }

    /// Where uploaded images go, and their size limit.
    pub fn uploads(&self) -> &crate::images::Uploads {
        &self.uploads
    }

    /// Uses a page cache of at most `max_bytes` (0: no caching).
    #[must_use]
    pub fn with_page_cache(mut self, max_bytes: u64) -> Self {
        Arc::make_mut(&mut self.0).pages = Arc::new(page_cache::PageCache::new(max_bytes));
        self
    }

    /// Keeps at most `max_bytes` of article parts (0: none; see [`article_parts`]).
    #[must_use]
    pub fn with_article_cache(mut self, max_bytes: u64) -> Self {
        Arc::make_mut(&mut self.0).article_parts =
            Arc::new(article_parts::ArticlePartsCache::new(max_bytes));
        self
    }

    /// Article pages' parts made from their own articles.
    pub fn article_parts(&self) -> &article_parts::ArticlePartsCache {
        &self.article_parts
    }

    /// Rendered article pages.
    pub fn pages(&self) -> &page_cache::PageCache {
        &self.pages
    }

    /// The cached site settings and channels.
    pub fn chrome(&self) -> Arc<Chrome> {
        self.chrome
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The site chrome holding every content write up to `version`, reloaded first if it is
    /// older: pages cached under `version` must not carry an older chrome. Only a render in the
    /// moment between the version moving and the chrome following pays for the reload.
    pub async fn chrome_at(&self, version: u64) -> StoreResult<Arc<Chrome>> {
        let chrome = self.chrome();
        if chrome.version >= version {
            return Ok(chrome);
        }
        self.reload_chrome().await?;
        Ok(self.chrome())
    }

    /// Re-reads site settings and channels from the store. Of two reloads racing, the one that
    /// started at the later content version is kept.
    pub async fn reload_chrome(&self) -> StoreResult<()> {
        // Read first: a write landing during the load leaves the chrome one version behind, so
        // the next check loads it again.
        let version = self.store.content_version();
        let mut site = self.store.site_settings().await?;
        // Single pages placed in the navigation or footer are part of the chrome.
        site.page_links = self
            .store
            .list_pages()
            .await?
            .into_iter()
            .filter(|p| p.show_in_nav || p.show_in_footer)
            .map(|p| crate::domain::PageLink {
                url: format!("/pages/{}", p.slug),
                title: p.title,
                nav: p.show_in_nav,
                footer: p.show_in_footer,
            })
            .collect();
        let analytics_csp = site.analytics_origin().and_then(|origin| {
            let csp = |wechat| {
                axum::http::HeaderValue::from_str(&middleware::public_csp_with_analytics(
                    &origin, wechat,
                ))
                .ok()
            };
            Some((csp(false)?, csp(true)?))
        });
        let mut chrome = Chrome {
            site,
            channels: self.store.list_channels().await?,
            topics: self.store.list_topics().await?,
            analytics_csp,
            version,
            look: 0,
        };
        let mut current = self.chrome.write().unwrap_or_else(PoisonError::into_inner);
        chrome.look = if chrome.looks_like(&current) {
            current.look
        } else {
            NEXT_LOOK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        };
        let chrome = Arc::new(chrome);
        if current.version <= version {
            // Views are kept per day in the site's zone, which a settings change may move.
            self.counter.set_zone(chrome.site.tz());
            *current = chrome;
        }
        Ok(())
    }

    /// Follows content writes made anywhere until `stop` changes: every
    /// [`crate::store::VERSION_SYNC_INTERVAL`] reads the database's content version (which counts
    /// other processes' and nodes' writes too), and when the version has moved past the one the
    /// site chrome was loaded at, reloads the chrome, once per change rather than per request;
    /// then applies the search change log after `cursor` to this node's index. So a channel, a
    /// setting or an article saved through another server shows here, in pages and in search,
    /// within about a second — at once on PostgreSQL, whose `NOTIFY` wakes the task.
    pub fn spawn_content_sync(
        &self,
        mut cursor: crate::store::ChangeCursor,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        use futures::StreamExt;
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(crate::store::VERSION_SYNC_INTERVAL);
            // PostgreSQL tells us of other nodes' commits at once; the poll stays as the fallback
            // (and is all there is on SQLite). A lost listener is asked for again now and then.
            let mut notifications = None;
            let mut listen_again_at = tokio::time::Instant::now();
            loop {
                if notifications.is_none() && tokio::time::Instant::now() >= listen_again_at {
                    listen_again_at = tokio::time::Instant::now() + LISTEN_RETRY;
                    match state.store.change_notifications().await {
                        Ok(stream) => notifications = stream,
                        Err(e) => {
                            tracing::warn!(error = %e, "listening for content changes failed; polling")
                        }
                    }
                }
                let notified = async {
                    match notifications.as_mut() {
                        Some(stream) => stream.next().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tick.tick() => {}
                    n = notified => if n.is_none() {
                        tracing::warn!("the content-change listener ended; polling until it is back");
                        notifications = None;
                    },
                    _ = stop.changed() => break,
                }
                if let Err(e) = state.store.sync_content_version().await {
                    tracing::warn!(error = %e, "reading the content version failed; will retry");
                    continue;
                }
                if state.chrome().version != state.store.content_version()
                    && let Err(e) = state.reload_chrome().await
                {
                    tracing::warn!(error = %e, "reloading site settings and channels failed; will retry");
                }
                if let Some(articles) = &state.articles {
                    match articles.follow_changes(cursor).await {
                        Ok(next) => cursor = next,
                        Err(e) => {
                            tracing::warn!(error = %e, "applying search changes failed; will retry")
                        }
                    }
                }
            }
        })
    }
}

/// How long the content sync waits before listening again after losing its listener.
const LISTEN_RETRY: std::time::Duration = std::time::Duration::from_secs(10);
