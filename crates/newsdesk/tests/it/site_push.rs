//! Link push (百度普通收录) against a stand-in submission API started here: off by default; once
//! switched on, new and changed article URLs are POSTed as text with the site and token, a failed
//! push is retried, each URL is pushed once, and two nodes never claim the same URL. Runs on
//! whichever backend the suite uses.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{TimeDelta, Utc};
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat};
use newsdesk::site_push::PushTiming;
use newsdesk::store::Store;
use newsdesk::web::extract::Query;

use crate::support::TestApp;

/// What the stand-in received: query, content type, body; and how many more requests to fail.
#[derive(Default)]
struct StandIn {
    received: Vec<(BTreeMap<String, String>, String, String)>,
    fail_next: usize,
}

async fn submit(
    State(api): State<Arc<Mutex<StandIn>>>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let mut api = api.lock().unwrap();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let urls = body.lines().count();
    api.received.push((query, content_type, body));
    if api.fail_next > 0 {
        api.fail_next -= 1;
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":500,"message":"server busy"}"#.into(),
        );
    }
    (
        StatusCode::OK,
        format!(r#"{{"remain":99990,"success":{urls},"not_same_site":[],"not_valid":[]}}"#),
    )
}

/// Starts the stand-in API; its endpoint URL and what it saw.
async fn stand_in(fail_first: usize) -> (String, Arc<Mutex<StandIn>>) {
    let api = Arc::new(Mutex::new(StandIn {
        fail_next: fail_first,
        ..StandIn::default()
    }));
    let app = axum::Router::new()
        .route("/urls", axum::routing::post(submit))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/urls"), api)
}

fn article(slug: &str, title: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: title.into(),
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
        published_at: Some(Utc::now() - TimeDelta::hours(1)),
        views: 0,
        import_key: Some(slug.into()),
    }
}

async fn write(store: &Arc<dyn Store>, slug: &str, title: &str) {
    store
        .upsert_article(&article(slug, title), &Default::default())
        .await
        .unwrap();
}

async fn switch_on(store: &Arc<dyn Store>, endpoint: &str) -> String {
    let mut site = store.site_settings().await.unwrap();
    site.baidu_push = true;
    site.baidu_push_endpoint = endpoint.into();
    site.baidu_push_token = "tok-123".into();
    store.save_site_settings(&site).await.unwrap();
    site.base_url
}

fn fast() -> PushTiming {
    PushTiming {
        interval: Duration::from_millis(100),
        base_backoff: Duration::from_millis(300),
        max_backoff: Duration::from_secs(2),
        lease: Duration::from_secs(30),
    }
}

/// URLs the stand-in accepted (requests it answered 200), in order.
fn accepted(api: &Arc<Mutex<StandIn>>, failed: usize) -> Vec<String> {
    let api = api.lock().unwrap();
    api.received
        .iter()
        .skip(failed)
        .flat_map(|(_, _, body)| body.lines().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// Waits (at most a minute, against hangs) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn new_and_changed_urls_are_pushed_once_and_retried_after_a_failure() {
    let (endpoint, api) = stand_in(1).await;
    let app = TestApp::builder()
        .config(|c| c.site_push = fast())
        .start()
        .await;
    let store = app.open_store().await;

    // Off by default: articles written now are never queued.
    write(&store, "push-before", "开启推送前的文章").await;
    assert_eq!(store.push_backlog().await.unwrap().0, 0);

    let base = switch_on(&store, &endpoint).await;
    for n in 0..3 {
        write(&store, &format!("push-{n}"), &format!("推送测试第{n}篇")).await;
    }
    let want: Vec<String> = (0..3)
        .map(|n| format!("{base}/articles/push-{n}"))
        .collect();
    // The first request fails (HTTP 500) and the URLs go again after the backoff.
    until("the URLs pushed after the failure", || {
        accepted(&api, 1).len() >= 3
    })
    .await;
    {
        let seen = api.lock().unwrap();
        let (query, content_type, body) = &seen.received[0];
        assert_eq!(query.get("site"), Some(&base));
        assert_eq!(query.get("token").map(String::as_str), Some("tok-123"));
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        // The pusher may tick between two writes, so the failed request carries the first
        // one, two or three URLs; each of them must go again.
        let failed: Vec<&str> = body.lines().collect();
        assert!(!failed.is_empty(), "the failed request carried no URL");
        assert!(
            failed.iter().all(|url| want.iter().any(|w| w == url)),
            "the failed request carried {failed:?}"
        );
    }
    let mut pushed = accepted(&api, 1);
    pushed.sort();
    assert_eq!(pushed, want, "each URL pushed once after the retry");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while store.push_backlog().await.unwrap().0 > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "queue never emptied"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A changed article goes again; one not changed does not.
    write(&store, "push-1", "推送测试第1篇（更正）").await;
    until("the changed URL pushed again", || {
        accepted(&api, 1).len() >= 4
    })
    .await;
    assert_eq!(
        accepted(&api, 1)[3],
        format!("{base}/articles/push-1"),
        "only the changed article"
    );
    assert!(
        !accepted(&api, 0)
            .iter()
            .any(|u| u.ends_with("/push-before")),
        "written while the push was off"
    );
    app.stop().await;
}

#[tokio::test]
async fn two_nodes_never_claim_the_same_url_and_claims_survive_restarts() {
    let app = TestApp::builder()
        // This server never pushes within the test: the two stores below play the nodes.
        .config(|c| c.site_push.interval = Duration::from_secs(3600))
        .start()
        .await;
    let (node_a, node_b) = (app.open_store().await, app.open_store().await);
    switch_on(&node_a, "http://127.0.0.1:9/urls").await;
    for n in 0..40 {
        write(&node_a, &format!("claim-{n}"), &format!("认领测试第{n}篇")).await;
    }
    assert_eq!(node_b.push_backlog().await.unwrap().0, 40);
    let now = Utc::now();
    let lease = now + TimeDelta::seconds(60);
    let (a, b) = tokio::join!(
        node_a.claim_push(now, lease, 30),
        node_b.claim_push(now, lease, 30)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut all: Vec<i64> = a.iter().chain(&b).map(|i| i.article_id).collect();
    all.sort_unstable();
    let count = all.len();
    all.dedup();
    assert_eq!(all.len(), count, "an article claimed by both nodes");
    assert_eq!(count, 40, "every queued article claimed once");
    // Claimed rows are not handed out again while the lease holds.
    assert!(node_a.claim_push(now, lease, 100).await.unwrap().is_empty());

    // A failed push comes back after its backoff with the attempt counted; a pushed one is gone.
    node_a
        .retry_push(&a, &vec![now; a.len()], "HTTP 500")
        .await
        .unwrap();
    node_b.finish_push(&b).await.unwrap();
    // The queue is in the database: a store opened afresh (a restarted node) sees it.
    let restarted = app.open_store().await;
    let (left, error) = restarted.push_backlog().await.unwrap();
    assert_eq!(left, a.len() as i64);
    assert_eq!(error.as_deref(), Some("HTTP 500"));
    let again = restarted
        .claim_push(now + TimeDelta::seconds(1), lease, 100)
        .await
        .unwrap();
    assert_eq!(again.len(), a.len());
    assert!(again.iter().all(|i| i.attempts == 2));
    app.stop().await;
}

#[tokio::test]
async fn the_analytics_script_loads_and_only_its_host_joins_the_csp() {
    let app = TestApp::start().await;
    let csp = |r: &reqwest::Response| {
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string()
    };
    // None by default: scripts from the site only.
    let r = app.get("/").await;
    assert!(!csp(&r).contains("hm.baidu.com"));
    assert!(!r.text().await.unwrap().contains("hm.js"));

    let store = app.open_store().await;
    let mut site = store.site_settings().await.unwrap();
    site.analytics_script = "https://hm.baidu.com/hm.js?0123456789abcdef".into();
    store.save_site_settings(&site).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let r = app.get("/channels/solar").await;
        let policy = csp(&r);
        let html = r.text().await.unwrap();
        if html.contains(r#"<script src="https://hm.baidu.com/hm.js?0123456789abcdef" async>"#) {
            let script_src = policy
                .split(';')
                .find(|d| d.trim().starts_with("script-src"))
                .unwrap()
                .trim()
                .to_string();
            assert_eq!(script_src, "script-src 'self' https://hm.baidu.com");
            assert!(
                policy.contains("connect-src 'self' https://hm.baidu.com"),
                "{policy}"
            );
            assert!(!policy.contains("unsafe-inline"), "{policy}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "analytics never shown: {policy}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The newsroom keeps its own policy.
    let r = app.get("/admin/login").await;
    assert!(!csp(&r).contains("hm.baidu.com"));
    app.stop().await;
}
