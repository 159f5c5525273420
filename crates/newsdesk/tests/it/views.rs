//! 浏览量: counting rules and durability across a clean restart.

use futures::future::join_all;
use reqwest::StatusCode;

use crate::support::{CRAWLER_UA, TestApp, article_link, shown_views, texts};

async fn any_article(app: &TestApp) -> String {
    let (_, home) = app.page("/channels/storage").await;
    article_link(&home, "储能").expect("a storage article")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_views_count_exactly_and_survive_a_restart() {
    let app = TestApp::builder().count_every_view().start().await;
    let path = any_article(&app).await;
    let before = shown_views(&app, &path).await;

    let url = app.url(&path);
    let requests = (0..1000).map(|_| {
        let client = app.client.clone();
        let url = url.clone();
        async move { client.get(url).send().await.map(|r| r.status()) }
    });
    let statuses = join_all(requests).await;
    assert!(statuses.iter().all(|s| matches!(s, Ok(StatusCode::OK))));
    assert_eq!(shown_views(&app, &path).await, before + 1000);

    let data = app.stop().await;
    let app = TestApp::builder()
        .data(data)
        .count_every_view()
        .start()
        .await;
    assert_eq!(shown_views(&app, &path).await, before + 1000);
    app.stop().await;
}

#[tokio::test]
async fn head_requests_crawlers_and_repeat_visits_do_not_count() {
    let app = TestApp::start().await;
    let path = any_article(&app).await;
    let before = shown_views(&app, &path).await;

    let head = app.client.head(app.url(&path)).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(shown_views(&app, &path).await, before);

    // The first browser view counts; the same visitor again within 30 minutes does not.
    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    assert_eq!(shown_views(&app, &path).await, before + 1);

    // Another browser (User-Agent) from the same address is another visitor.
    let phone = app
        .client
        .get(app.url(&path))
        .header(
            "user-agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(phone.status(), StatusCode::OK);
    assert_eq!(shown_views(&app, &path).await, before + 2);
    app.stop().await;
}

/// Article pages are served from a cache; a change made by another process (here `newsdesk
/// import` beside the running server) reaches the page within about a second, and the live view
/// count keeps counting across cached responses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_pages_follow_changes_made_by_other_processes() {
    let app = TestApp::builder().count_every_view().start().await;
    let (_, channel) = app.page("/channels/nev").await;
    let path = article_link(&channel, "合肥丨").unwrap();
    let before = shown_views(&app, &path).await;
    for _ in 0..3 {
        assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    }
    assert_eq!(shown_views(&app, &path).await, before + 3);

    // The same page (same headline and time) with a corrected first paragraph.
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/good/seed-article-hefei-nev-2024.txt"
    ))
    .unwrap();
    let corrected = seed.replacen(
        "2024年2月6日,合肥市人民政府办公室发布",
        "【更正】2024年2月6日,合肥市人民政府办公室发布",
        1,
    );
    let file = app.data_dir().join("corrected.txt");
    std::fs::write(&file, corrected).unwrap();
    crate::support::import_beside(&app, "nev", &file);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, doc) = app.page(&path).await;
        if texts(&doc, ".article-body p")
            .iter()
            .any(|p| p.starts_with("【更正】"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the corrected text never reached the page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn browsers_get_the_cached_page_gzip_compressed_with_the_live_count() {
    use std::io::Read;
    let app = builder_counting_every_view().await;
    let path = any_article(&app).await;
    let get = |encoding: &'static str| {
        app.client
            .get(app.url(&path))
            .header("user-agent", CRAWLER_UA)
            .header("accept-encoding", encoding)
            .send()
    };
    let plain = get("identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let vary = plain.headers()["vary"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        vary.contains("accept-encoding") && vary.contains("user-agent"),
        "{vary}"
    );
    let plain = plain.text().await.unwrap();

    // The first requests after a render go out plain while the page is compressed.
    let mut compressed = None;
    for _ in 0..50 {
        let r = get("gzip, deflate, br").await.unwrap();
        if r.headers()
            .get("content-encoding")
            .is_some_and(|v| v == "gzip")
        {
            compressed = Some(r.bytes().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let compressed = compressed.expect("a gzip response");
    assert!(
        compressed.len() * 2 < plain.len(),
        "{} of {}",
        compressed.len(),
        plain.len()
    );
    let mut html = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut html)
        .expect("valid gzip: checksum and length agree");
    assert_eq!(
        html, plain,
        "the same page, same count (crawlers do not count)"
    );

    // A view counted by a reader shows in the compressed page too.
    let before = shown_views(&app, &path).await;
    let r = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = get("gzip").await.unwrap();
    let mut html = String::new();
    flate2::read::GzDecoder::new(&r.bytes().await.unwrap()[..])
        .read_to_string(&mut html)
        .unwrap();
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(texts(&doc, ".views-count"), [(before + 1).to_string()]);
    app.stop().await;
}

async fn builder_counting_every_view() -> TestApp {
    TestApp::builder().count_every_view().start().await
}
