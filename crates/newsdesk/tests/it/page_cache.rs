//! The page cache beyond articles: home, channel pages (each page number) and feeds come from it
//! gzip-compressed like articles, and a content write anywhere (here through another connection to
//! the database, as another node would) shows on the next render.

use std::io::Read;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat};
use reqwest::StatusCode;

use crate::support::TestApp;

/// Pages of every cached kind but articles (their own tests are in `views.rs`).
const PAGES: [&str; 6] = [
    "/",
    "/channels/solar",
    "/feed.xml",
    "/atom.xml",
    "/channels/solar/feed.xml",
    "/channels/solar/atom.xml",
];

fn article(n: usize) -> ArticleInput {
    let slug = format!("cache-test-{n}");
    ArticleInput {
        slug: slug.clone(),
        title: format!("缓存测试文章第{n}篇"),
        author: None,
        source: None,
        channel_slug: "solar".into(),
        tags: Vec::new(),
        summary: String::new(),
        summary_auto: true,
        body_format: BodyFormat::Html,
        body_source: "<p>正文</p>".into(),
        body_html: "<p>正文</p>".into(),
        status: ArticleStatus::Published,
        // Newer than every demo article, and in order: article n+1 is newer than n.
        published_at: Some(Utc::now() - TimeDelta::minutes(100 - n as i64)),
        views: 0,
        import_key: Some(slug),
    }
}

/// `path` with `Accept-Encoding: encoding`: status, whether it came gzip, and the text.
async fn fetch(app: &TestApp, path: &str, encoding: &str) -> (StatusCode, bool, String) {
    let r = app
        .client
        .get(app.url(path))
        .header("accept-encoding", encoding)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let gzip = r
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let bytes = r.bytes().await.unwrap();
    let text = if gzip {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("valid gzip: checksum and length agree");
        text
    } else {
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    (status, gzip, text)
}

/// The gzip answer for `path`, once the cached page has been compressed (in the background).
async fn gzip_text(app: &TestApp, path: &str) -> String {
    for _ in 0..200 {
        let (status, gzip, text) = fetch(app, path, "gzip, deflate, br").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        if gzip {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never came gzip-compressed");
}

/// Waits (at most a minute, against hangs) until `path` contains `needle` in both encodings.
async fn until_shown(app: &TestApp, path: &str, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_, _, plain) = fetch(app, path, "identity").await;
        if plain.contains(needle) && gzip_text(app, path).await.contains(needle) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{needle} never showed on {path}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn listings_and_feeds_come_gzip_from_the_cache_and_follow_content_writes() {
    let app = TestApp::start().await;
    for path in PAGES {
        let (status, gzip, plain) = fetch(&app, path, "identity").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!gzip, "{path}: gzip although not accepted");
        let compressed = gzip_text(&app, path).await;
        assert_eq!(
            compressed, plain,
            "{path}: the same document in both encodings"
        );
        let r = app.get(path).await;
        let vary = r.headers()["vary"].to_str().unwrap().to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "{path}: {vary}");
        if !path.ends_with(".xml") {
            // Pages differ inside WeChat.
            assert!(vary.contains("user-agent"), "{path}: {vary}");
        }
    }

    // 21 new articles in 光伏 through another connection, as another node would write them: the
    // channel now has a second page, and every cached page shows the newest article.
    let store = app.open_store().await;
    for n in 0..21 {
        store
            .upsert_article(&article(n), &Default::default())
            .await
            .unwrap();
    }
    for path in PAGES {
        until_shown(&app, path, "缓存测试文章第20篇").await;
    }
    // Each page number of a channel is its own page: the oldest new article is on page 2 only.
    until_shown(&app, "/channels/solar?page=2", "缓存测试文章第0篇").await;
    let (_, _, first) = fetch(&app, "/channels/solar", "identity").await;
    assert!(!first.contains("缓存测试文章第0篇"));
    // Past the last page is still a 404, rendered each time and never cached.
    for _ in 0..2 {
        let (status, _, _) = fetch(&app, "/channels/solar?page=99", "gzip").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    app.stop().await;
}

#[tokio::test]
async fn cached_feeds_still_answer_conditional_requests() {
    let app = TestApp::start().await;
    for path in ["/feed.xml", "/channels/solar/atom.xml"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::OK);
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let modified = r.headers()["last-modified"].to_str().unwrap().to_string();
        assert!(
            r.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
        for (name, value) in [("if-none-match", &etag), ("if-modified-since", &modified)] {
            // From the cache too, compressed or not, the validators hold.
            for encoding in ["identity", "gzip"] {
                let r = app
                    .client
                    .get(app.url(path))
                    .header(name, value.as_str())
                    .header("accept-encoding", encoding)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{path} {name}");
                assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
                assert!(r.bytes().await.unwrap().is_empty());
            }
        }
        let r = app
            .client
            .get(app.url(path))
            .header("if-none-match", "\"other\"")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    // A new article changes the feed and its ETag.
    let before = app.get("/feed.xml").await.headers()["etag"].clone();
    let store = app.open_store().await;
    store
        .upsert_article(&article(50), &Default::default())
        .await
        .unwrap();
    until_shown(&app, "/feed.xml", "缓存测试文章第50篇").await;
    assert_ne!(app.get("/feed.xml").await.headers()["etag"], before);
    app.stop().await;
}
