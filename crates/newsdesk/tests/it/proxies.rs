//! Behind a reverse proxy: the forwarded client address is believed from trusted proxies only.

use reqwest::StatusCode;

use crate::support::{TestApp, article_link, shown_views};

const WECHAT_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN";

/// Ten readers with the same WeChat User-Agent behind one proxy address.
async fn ten_readers_through_a_proxy(app: &TestApp) -> u64 {
    let (_, home) = app.page("/channels/storage").await;
    let path = article_link(&home, "储能").expect("a storage article");
    let before = shown_views(app, &path).await;
    for i in 1..=10 {
        let r = app
            .client
            .get(app.url(&path))
            .header("user-agent", WECHAT_UA)
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    shown_views(app, &path).await - before
}

#[tokio::test]
async fn readers_behind_a_trusted_proxy_count_one_view_each() {
    let app = TestApp::builder()
        .config(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .start()
        .await;
    assert_eq!(ten_readers_through_a_proxy(&app).await, 10);
}

#[tokio::test]
async fn forwarded_addresses_from_untrusted_peers_are_ignored() {
    // No trusted proxy: a client cannot pose as ten readers by writing the header itself.
    let app = TestApp::start().await;
    assert_eq!(ten_readers_through_a_proxy(&app).await, 1);
}
