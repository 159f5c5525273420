//! 浏览量: counting rules and durability across a clean restart.

use futures::future::join_all;
use reqwest::StatusCode;

use crate::support::{TestApp, article_link, texts};

const CRAWLER_UA: &str =
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)";

async fn any_article(app: &TestApp) -> String {
    let (_, home) = app.page("/channels/storage").await;
    article_link(&home, "储能").expect("a storage article")
}

/// The count shown on the page, read as a crawler so the reading itself does not count.
async fn shown_views(app: &TestApp, path: &str) -> u64 {
    let r = app
        .client
        .get(app.url(path))
        .header("user-agent", CRAWLER_UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc = scraper::Html::parse_document(&r.text().await.unwrap());
    texts(&doc, ".views-count")[0].parse().unwrap()
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
