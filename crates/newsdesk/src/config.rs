//! Run-time configuration of the server, from flags and `NEWSDESK_*` environment variables (see
//! [`crate::cli`]).

use std::path::PathBuf;
use std::time::Duration;

use crate::wechat::WeChatConfig;

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Data folder: database, later the search index and uploads.
    pub data_dir: PathBuf,
    /// Folder whose `templates/` and `static/` override the embedded theme file by file.
    pub theme_dir: Option<PathBuf>,
    /// Repeat views by one visitor within this window count once; `None` counts every view.
    pub view_dedupe: Option<Duration>,
    /// Load the demo content on the first start with an empty database.
    pub demo: bool,
    /// Largest image upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// WeChat official account for JS-SDK sharing; `None` keeps WeChat's API out of it.
    pub wechat: Option<WeChatConfig>,
    /// URLs per sitemap before `/sitemap.xml` becomes a sitemap index (the protocol's 50,000;
    /// tests lower it).
    pub sitemap_max_urls: u32,
    /// Memory for rendered article pages, in bytes; 0 renders every request.
    pub page_cache_bytes: u64,
    /// Connection limit and timeouts for slow or silent clients.
    pub connections: crate::web::server::ConnectionLimits,
}

impl ServeConfig {
    /// Defaults for a data folder: demo content on, 30-minute view dedupe.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            theme_dir: None,
            view_dedupe: Some(Duration::from_secs(30 * 60)),
            demo: true,
            max_upload_bytes: crate::images::DEFAULT_MAX_BYTES,
            wechat: None,
            sitemap_max_urls: crate::web::seo::SITEMAP_MAX_URLS,
            page_cache_bytes: crate::web::DEFAULT_PAGE_CACHE_BYTES,
            connections: crate::web::server::ConnectionLimits::default(),
        }
    }
}
