//! Security headers on every kind of response, and error pages that claim no canonical URL.

use newsdesk::wechat::{Secret, WeChatConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::support::{TestApp, attr};

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// The headers every response carries; returns the CSP.
fn assert_common(headers: &HeaderMap, what: &str) -> String {
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(
        header(headers, "referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
    assert!(headers.get("strict-transport-security").is_none(), "{what}");
    let csp = header(headers, "content-security-policy").to_string();
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert!(csp.contains("object-src 'none'"), "{what}: {csp}");
    csp
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::start().await;

    // Public pages may be framed by the site itself only.
    for path in ["/", "/search?q=氢能", "/targets"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = assert_common(r.headers(), path);
        assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
        assert!(!csp.contains("wx.qq.com"), "{path}: {csp}");
        assert_eq!(header(r.headers(), "x-frame-options"), "SAMEORIGIN");
    }
    // The newsroom and the API never.
    for path in ["/admin/login", "/admin", "/api/v1/search?q=氢能"] {
        let r = app.get(path).await;
        let csp = assert_common(r.headers(), path);
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header(r.headers(), "x-frame-options"), "DENY", "{path}");
    }
    // Error pages too.
    let r = app.get("/no-such-page").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_common(r.headers(), "404");
    let r = app.get("/static/style.css").await;
    assert_common(r.headers(), "stylesheet");
}

#[tokio::test]
async fn the_wechat_sdk_host_is_allowed_only_when_sharing_is_configured() {
    let app = TestApp::builder()
        .wechat(WeChatConfig {
            app_id: "wx0123456789abcdef".into(),
            app_secret: Secret::new("s"),
            // Never called: no page is opened in WeChat here.
            api_base: "http://127.0.0.1:9".into(),
        })
        .start()
        .await;
    let r = app.get("/").await;
    let csp = assert_common(r.headers(), "/");
    assert!(
        csp.contains("script-src 'self' https://res.wx.qq.com;"),
        "{csp}"
    );
    let r = app.get("/admin/login").await;
    let csp = assert_common(r.headers(), "/admin/login");
    assert!(!csp.contains("wx.qq.com"), "{csp}");
}

#[tokio::test]
async fn hsts_is_sent_only_for_an_https_site() {
    let data = tempfile::tempdir().unwrap();
    {
        let store = crate::support::open_store_at(data.path()).await;
        let mut site = store.site_settings().await.unwrap();
        site.base_url = "https://news.example.cn".into();
        store.save_site_settings(&site).await.unwrap();
    }
    let app = TestApp::builder().data(data).start().await;
    for path in ["/", "/admin/login", "/no-such-page"] {
        let r = app.get(path).await;
        assert_eq!(
            header(r.headers(), "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    }
}

#[tokio::test]
async fn error_pages_have_no_canonical_link_to_the_failed_url() {
    let app = TestApp::start().await;
    let (status, doc) = app.page("/articles/no-such-article").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(attr(&doc, "link[rel=canonical]", "href"), None);
    assert_eq!(attr(&doc, "meta[property='og:url']", "content"), None);
    // Real pages keep theirs.
    let (status, doc) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(attr(&doc, "link[rel=canonical]", "href").is_some());
}
