//! Several servers on one data folder, as several nodes on one database: what one writes or
//! counts, the others show, and starting together on an empty folder works.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::{TestApp, article_link, shown_views, texts};

/// Generous bound that only guards against a hang; the changes show within about two seconds.
const DEADLINE: Duration = Duration::from_secs(30);

/// Two servers on one data folder: `a` owns it, `b` serves it too.
async fn two_servers() -> (TestApp, TestApp) {
    let a = TestApp::builder().count_every_view().start().await;
    let b = TestApp::builder()
        .count_every_view()
        .data_path(a.data_path().to_path_buf())
        .start()
        .await;
    (a, b)
}

/// Polls `app`'s page at `path` until it shows `want` views; returns what it showed last.
async fn wait_for_views(app: &TestApp, path: &str, want: u64) -> u64 {
    let started = Instant::now();
    loop {
        let shown = shown_views(app, path).await;
        if shown == want || started.elapsed() > DEADLINE {
            return shown;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_created_elsewhere_shows_on_every_server() {
    let (a, b) = two_servers().await;
    for app in [&a, &b] {
        assert_eq!(
            app.get("/channels/hydrogen").await.status(),
            StatusCode::NOT_FOUND
        );
    }
    // Another process (an editor's tool, another node) writes to the same database.
    let store = crate::support::open_store_at(a.data_path()).await;
    store.upsert_channel("氢能", "hydrogen", 9).await.unwrap();
    store.close().await;

    for app in [&b, &a] {
        let started = Instant::now();
        let status = loop {
            let status = app.get("/channels/hydrogen").await.status();
            if status == StatusCode::OK || started.elapsed() > DEADLINE {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(status, StatusCode::OK, "the channel page on {}", app.addr);
        let (_, home) = app.page("/").await;
        assert!(
            texts(&home, "a[href='/channels/hydrogen']").contains(&"氢能".to_string()),
            "the navigation on {} names the new channel",
            app.addr
        );
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_counted_on_one_server_show_on_the_other() {
    let (a, b) = two_servers().await;
    let (_, channel) = a.page("/channels/storage").await;
    let path = article_link(&channel, "储能").expect("a storage article");
    let before = shown_views(&a, &path).await;
    // Both have rendered and cached the page, and track its count, before any view.
    assert_eq!(shown_views(&b, &path).await, before);

    for _ in 0..5 {
        assert_eq!(a.get(&path).await.status(), StatusCode::OK);
    }
    assert_eq!(shown_views(&a, &path).await, before + 5);
    assert_eq!(wait_for_views(&b, &path, before + 5).await, before + 5);

    // And back: B's views join A's on both.
    for _ in 0..2 {
        assert_eq!(b.get(&path).await.status(), StatusCode::OK);
    }
    assert_eq!(wait_for_views(&a, &path, before + 7).await, before + 7);
    assert_eq!(wait_for_views(&b, &path, before + 7).await, before + 7);

    b.stop().await;
    let data = a.stop().await;
    let store = crate::support::open_store_at(data.path()).await;
    let slug = path.trim_start_matches("/articles/");
    assert_eq!(
        u64::try_from(store.published_article(slug).await.unwrap().views).unwrap(),
        before + 7,
        "every view stored once"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_started_together_on_an_empty_folder_both_come_up() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().to_path_buf();
    let (a, b) = tokio::join!(
        TestApp::builder().data(data).start(),
        TestApp::builder().data_path(path.clone()).start(),
    );
    for app in [&a, &b] {
        let (status, home) = app.page("/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!texts(&home, "a[href^='/articles/']").is_empty());
    }
    b.stop().await;
    let data = a.stop().await;

    // The demo was loaded once: every demo page is one article (`covers` holds their pictures,
    // `pages` the single pages).
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let pages: i64 = std::fs::read_dir(&demo)
        .unwrap()
        .map(|d| d.unwrap().path())
        .filter(|d| !d.ends_with("covers") && !d.ends_with("pages"))
        .map(|d| std::fs::read_dir(d).unwrap().count() as i64)
        .sum();
    let store = crate::support::open_store_at(data.path()).await;
    assert_eq!(store.count_articles().await.unwrap(), pages);
    store.close().await;
}
