//! Run-time configuration of the server, from flags and `NEWSDESK_*` environment variables (see
//! [`crate::cli`]).

use std::path::PathBuf;
use std::time::Duration;

use crate::wechat::WeChatConfig;

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Data folder: the SQLite database (unless `database_url`), the search index, uploads.
    pub data_dir: PathBuf,
    /// A PostgreSQL database shared by several nodes; `None`: SQLite in the data folder.
    pub database_url: Option<String>,
    /// Folder whose `templates/` and `static/` override the embedded theme file by file.
    pub theme_dir: Option<PathBuf>,
    /// Repeat views by one visitor within this window count once; `None` counts every view.
    pub view_dedupe: Option<Duration>,
    /// Load the demo content on the first start with an empty database.
    pub demo: bool,
    /// Largest image upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Uploaded images in an S3-compatible bucket (`s3://BUCKET[/PREFIX]`, shared by several
    /// nodes); `None`: the folder `uploads/` in the data folder.
    pub uploads_url: Option<String>,
    /// object_store S3 settings (such as `aws_endpoint`, `aws_access_key_id`) applied over the
    /// `AWS_*` environment; empty in production, where the environment carries them.
    pub uploads_s3_options: Vec<(String, String)>,
    /// WeChat official account for JS-SDK sharing; `None` keeps WeChat's API out of it.
    pub wechat: Option<WeChatConfig>,
    /// URLs per sitemap before `/sitemap.xml` becomes a sitemap index (the protocol's 50,000;
    /// tests lower it).
    pub sitemap_max_urls: u32,
    /// Memory for rendered article pages, in bytes; 0 renders every request.
    pub page_cache_bytes: u64,
    /// Memory for what article pages make of their own articles (body with targets marked,
    /// 量化目标 panel), kept per article version, in bytes; 0 makes them on every render.
    pub article_cache_bytes: u64,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-*` headers are believed; none by default.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Connection limit and timeouts for slow or silent clients.
    pub connections: crate::web::server::ConnectionLimits,
    /// How the link push (百度普通收录) polls its queue and backs off (shortened in tests).
    pub site_push: crate::site_push::PushTiming,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// Let remote-image fetching reach loopback and private addresses (tests serving images
    /// from 127.0.0.1; never in production: see `crate::remote`).
    pub remote_images_allow_private: bool,
}

impl ServeConfig {
    /// The database this configuration names.
    pub fn database(&self) -> crate::store::Database {
        crate::store::Database::new(&self.data_dir, self.database_url.as_deref())
    }

    /// Defaults for a data folder: demo content on, 30-minute view dedupe.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            database_url: None,
            theme_dir: None,
            view_dedupe: Some(Duration::from_secs(30 * 60)),
            demo: true,
            max_upload_bytes: crate::images::DEFAULT_MAX_BYTES,
            uploads_url: None,
            uploads_s3_options: Vec::new(),
            wechat: None,
            sitemap_max_urls: crate::web::seo::SITEMAP_MAX_URLS,
            page_cache_bytes: crate::web::DEFAULT_PAGE_CACHE_BYTES,
            article_cache_bytes: crate::web::article_parts::DEFAULT_ARTICLE_CACHE_BYTES,
            trusted_proxies: Vec::new(),
            connections: crate::web::server::ConnectionLimits::default(),
            site_push: crate::site_push::PushTiming::default(),
            max_attachment_bytes: crate::attachments::DEFAULT_MAX_BYTES,
            remote_images_allow_private: false,
        }
    }
}

/// Whether the site's `base_url` names this machine only (`localhost`, `127.0.0.0/8`, `::1`)
/// while the server listens on an address others can reach: then canonical links, feeds,
/// sitemaps and share cards would send every visitor to their own machine. `serve` warns.
pub fn loopback_base_url_on_open_listener(base_url: &str, listen: std::net::SocketAddr) -> bool {
    if listen.ip().is_loopback() {
        return false;
    }
    let Ok(uri) = base_url.trim().parse::<axum::http::Uri>() else {
        return false;
    };
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod loopback_tests {
    use super::loopback_base_url_on_open_listener as warns;

    #[test]
    fn loopback_base_urls_are_flagged_only_on_open_listeners() {
        let open: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let public: std::net::SocketAddr = "203.0.113.5:80".parse().unwrap();
        let v6_open: std::net::SocketAddr = "[::]:8080".parse().unwrap();
        let local: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let local6: std::net::SocketAddr = "[::1]:8080".parse().unwrap();
        for base in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "https://localhost/",
            "http://LOCALHOST:8080/news",
            "http://app.localhost",
            "http://[::1]:8080",
        ] {
            assert!(warns(base, open), "{base}");
            assert!(warns(base, public), "{base}");
            assert!(warns(base, v6_open), "{base}");
            assert!(!warns(base, local), "{base} on loopback");
            assert!(!warns(base, local6), "{base} on loopback");
        }
        for base in [
            "https://news.example.cn",
            "http://203.0.113.5",
            "http://[2001:db8::1]:8080",
            "http://localhost.example.cn",
            "",
            "not a url",
        ] {
            assert!(!warns(base, open), "{base}");
        }
    }
}
