//! Several nodes on one PostgreSQL database behave as one site: three servers, each with its own
//! data folder (search index), on one database. A write on one shows on the others' pages and in
//! their search; views spread over the nodes add up exactly; a scheduled article goes out once; a
//! session and the login throttle are shared; a node killed under load loses nothing acknowledged.
//!
//! Needs the test PostgreSQL cluster (`.ci/postgres`); skipped with a message when it cannot be
//! reached, unless `NEWSDESK_REQUIRE_POSTGRES=1` (CI), which makes that a failure.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use futures::StreamExt;
use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::json;

use crate::support::{BROWSER_UA, TestApp, cookie_value, create_postgres_database, shown_views};

/// How long a change may take to reach the other nodes: they are told at once (`NOTIFY`), and
/// poll every second besides. The promise is 2 s; a wider bound only guards against a hang
/// on a loaded machine, and the time taken is printed.
const PROPAGATION_BOUND: Duration = Duration::from_secs(10);

const PASSWORD: &str = "node test password 1";

/// A fresh database on the test cluster, or `None` (test skipped) when there is no cluster.
async fn database() -> Option<String> {
    let admin = crate::support::postgres_cluster_url();
    let reachable = sqlx::PgPool::connect(&admin).await.map(drop).is_ok();
    if !reachable {
        assert!(
            std::env::var("NEWSDESK_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "NEWSDESK_REQUIRE_POSTGRES=1 but no PostgreSQL at {admin} (start it with .ci/postgres)"
        );
        eprintln!("skipped: no PostgreSQL at {admin} (start it with .ci/postgres)");
        return None;
    }
    Some(create_postgres_database(&admin).await)
}

/// A node on `url`: its own data folder, the demo loaded by whichever node claims it first, and
/// uploads in `uploads` (an S3 endpoint and bucket URL) when given.
async fn node(url: &str, uploads: Option<(String, String)>) -> TestApp {
    let url = url.to_string();
    TestApp::builder()
        .count_every_view()
        .config(move |c| {
            c.database_url = Some(url);
            if let Some((endpoint, bucket)) = uploads {
                c.uploads_url = Some(bucket);
                c.uploads_s3_options = crate::object_store::s3_options(&endpoint);
            }
        })
        .start()
        .await
}

async fn three_nodes() -> Option<(String, [TestApp; 3])> {
    let url = database().await?;
    // Started together, as a deployment would: migrations, the first admin and the demo race.
    let (a, b, c) = tokio::join!(node(&url, None), node(&url, None), node(&url, None));
    Some((url, [a, b, c]))
}

/// Polls `probe` until it holds, failing after [`PROPAGATION_BOUND`]; returns the time taken.
async fn within_bound<F, Fut>(what: &str, mut probe: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if probe().await {
            let took = started.elapsed();
            eprintln!("{what}: {} ms", took.as_millis());
            return took;
        }
        assert!(
            started.elapsed() < PROPAGATION_BOUND,
            "{what}: not within {PROPAGATION_BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The nodes' shared store, opened beside them.
async fn shared_store(url: &str) -> std::sync::Arc<dyn newsdesk::store::Store> {
    newsdesk::store::open(&newsdesk::store::Database::Postgres(url.to_string()))
        .await
        .unwrap()
}

async fn api_token(url: &str, name: &str) -> String {
    let store = shared_store(url).await;
    let user = newsdesk::auth::create_user(store.as_ref(), name, Role::Editor, PASSWORD)
        .await
        .unwrap();
    newsdesk::auth::create_api_token(store.as_ref(), &user, "nodes")
        .await
        .unwrap()
        .1
}

/// `POST path` on `app` with the API token and a JSON body; the status and the JSON answer.
async fn api_post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

/// Creates and publishes an article through `app`'s API; returns its slug.
async fn publish(app: &TestApp, token: &str, title: &str, body: &str) -> String {
    let (status, created) = api_post(
        app,
        token,
        "/api/v1/articles",
        &json!({"title": title, "channel": "nev", "body": body}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, published) = api_post(
        app,
        token,
        &format!("/api/v1/articles/{id}/publish"),
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    published["slug"].as_str().unwrap().to_string()
}

async fn search_finds(app: &TestApp, word: &str, slug: &str) -> bool {
    let r = app.get(&format!("/search?q={word}")).await;
    r.status() == StatusCode::OK
        && r.text()
            .await
            .unwrap()
            .contains(&format!("/articles/{slug}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_on_one_node_shows_on_the_others_pages_and_search() {
    let Some((url, [a, b, c])) = three_nodes().await else {
        return;
    };
    let token = api_token(&url, "writer").await;
    // Warm B's and C's caches of the home page, so a stale page would show.
    for n in [&b, &c] {
        assert_eq!(n.get("/").await.status(), StatusCode::OK);
    }
    let slug = publish(
        &a,
        &token,
        "三节点同步测试：氢能重卡示范线路开通",
        "氢能重卡示范线路今日开通。",
    )
    .await;
    for (name, n) in [("B", &b), ("C", &c)] {
        within_bound(&format!("article page on {name}"), || async {
            n.get(&format!("/articles/{slug}")).await.status() == StatusCode::OK
        })
        .await;
        within_bound(&format!("home page on {name}"), || async {
            n.get("/")
                .await
                .text()
                .await
                .unwrap()
                .contains("氢能重卡示范线路开通")
        })
        .await;
        within_bound(&format!("search on {name}"), || async {
            search_finds(n, "氢能重卡", &slug).await
        })
        .await;
    }
    // An edit and an unpublish follow the same way: all three answer the same search.
    let store = shared_store(&url).await;
    let id = newsdesk::store::Store::published_article(store.as_ref(), &slug)
        .await
        .unwrap()
        .id;
    let r = a
        .client
        .post(a.url(&format!("/api/v1/articles/{id}/unpublish")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    for (name, n) in [("A", &a), ("B", &b), ("C", &c)] {
        within_bound(
            &format!("unpublished gone from search on {name}"),
            || async { !search_finds(n, "氢能重卡", &slug).await },
        )
        .await;
        within_bound(&format!("unpublished page gone on {name}"), || async {
            n.get(&format!("/articles/{slug}")).await.status() == StatusCode::NOT_FOUND
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn views_spread_over_three_nodes_add_up_exactly() {
    let Some((url, nodes)) = three_nodes().await else {
        return;
    };
    let store = shared_store(&url).await;
    let page = newsdesk::store::Store::list_published(
        store.as_ref(),
        None,
        newsdesk::domain::PageRequest {
            page: 1,
            per_page: 1,
        },
    )
    .await
    .unwrap();
    let article = &page.items[0];
    let path = format!("/articles/{}", article.slug);
    let before = shown_views(&nodes[0], &path).await;
    // 1,000 views on each node, all at once, 32 in flight per node.
    let per_node = 1000;
    let loads = nodes.iter().map(|n| {
        let path = path.clone();
        async move {
            futures::stream::iter(0..per_node)
                .map(|_| {
                    let url = n.url(&path);
                    let client = n.client.clone();
                    async move { client.get(url).send().await.unwrap().status() }
                })
                .buffer_unordered(32)
                .filter(|s| std::future::ready(*s == StatusCode::OK))
                .count()
                .await
        }
    });
    let served: Vec<usize> = futures::future::join_all(loads).await;
    assert_eq!(served, vec![per_node; 3]);
    let want = before + 3 * per_node as u64;
    for (name, n) in ["A", "B", "C"].iter().zip(&nodes) {
        within_bound(&format!("3,000 views shown on {name}"), || async {
            shown_views(n, &path).await == want
        })
        .await;
    }
    let stored = newsdesk::store::Store::article_views(store.as_ref(), &[article.id])
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![(article.id, want as i64)],
        "no view lost or doubled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scheduled_article_is_published_once() {
    let Some((url, [a, b, c])) = three_nodes().await else {
        return;
    };
    let token = api_token(&url, "scheduler").await;
    let (status, created) = api_post(
        &a,
        &token,
        "/api/v1/articles",
        &json!({"title": "定时发布只发一次", "channel": "nev", "body": "定时发布的正文。"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let (status, scheduled) = api_post(
        &a,
        &token,
        &format!("/api/v1/articles/{id}/publish"),
        &json!({"publish_at": at}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    assert_eq!(scheduled["status"], "scheduled");
    let slug = scheduled["slug"].as_str().unwrap().to_string();
    // Three schedulers (one per node) race for it every two seconds.
    for (name, n) in [("A", &a), ("B", &b), ("C", &c)] {
        within_bound(&format!("scheduled article out on {name}"), || async {
            n.get(&format!("/articles/{slug}")).await.status() == StatusCode::OK
        })
        .await;
    }
    // Two more scheduler rounds on every node: still one publication.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let store = shared_store(&url).await;
    let audit = newsdesk::store::NewsroomStore::list_audit(
        store.as_ref(),
        Some(id),
        newsdesk::domain::PageRequest {
            page: 1,
            per_page: 50,
        },
    )
    .await
    .unwrap();
    let published: Vec<_> = audit
        .items
        .iter()
        .filter(|e| e.action == "publish_scheduled")
        .collect();
    assert_eq!(published.len(), 1, "{:?}", audit.items);
}

/// A browser on `127.0.0.X`, so its login attempts count for that address.
fn browser(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(BROWSER_UA)
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One login attempt on `app` from `client`: the response.
async fn attempt(
    client: &reqwest::Client,
    app: &TestApp,
    name: &str,
    password: &str,
) -> reqwest::Response {
    let page = client.get(app.url("/admin/login")).send().await.unwrap();
    let csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={csrf}"))
        .form(&[
            ("name", name),
            ("password", password),
            ("_csrf", &csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_and_the_login_throttle_are_shared() {
    let Some((url, [a, b, c])) = three_nodes().await else {
        return;
    };
    let store = shared_store(&url).await;
    newsdesk::auth::create_user(store.as_ref(), "shared", Role::Editor, PASSWORD)
        .await
        .unwrap();

    // A session made on A is good on B.
    let client = browser(21);
    let r = attempt(&client, &a, "shared", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = cookie_value(&r, "newsdesk_session").unwrap();
    let r = client
        .get(b.url("/admin/articles"))
        .header(COOKIE, format!("newsdesk_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the session made on A works on B"
    );

    // Five failures from one address through A: C then makes that address wait too, even with
    // the right password, while another address still signs in on C.
    let attacker = browser(22);
    for _ in 0..5 {
        let r = attempt(&attacker, &a, "shared", "wrong password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&attacker, &c, "shared", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "failures through A throttle the address on C"
    );
    let r = attempt(&browser(23), &c, "shared", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "another address is not held back"
    );
}

/// A node as its own process, so it can be killed: `newsdesk serve` on a free loopback port.
struct ProcessNode {
    child: std::process::Child,
    base: String,
    _data: tempfile::TempDir,
}

impl ProcessNode {
    async fn start(url: &str) -> Self {
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["serve", "--no-demo", "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(data.path())
            .env("NEWSDESK_DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let node = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        while !client
            .get(format!("{}/healthz", node.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "node did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        node
    }
}

impl Drop for ProcessNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_killed_under_load_loses_nothing_acknowledged() {
    let Some((url, [a, _b, c])) = three_nodes().await else {
        return;
    };
    let token = api_token(&url, "loader").await;
    let mut killed = ProcessNode::start(&url).await;
    let client = reqwest::Client::new();
    // Writers through the process node until it dies, each remembering what was acknowledged.
    let writers = (0..4).map(|w| {
        let client = client.clone();
        let base = killed.base.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0.. {
                let title = format!("负载写入 {w}-{i}");
                let sent = client
                    .post(format!("{base}/api/v1/articles"))
                    .bearer_auth(&token)
                    .json(&json!({"title": title, "channel": "nev", "body": "负载下写入的正文。"}))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        let body: serde_json::Value = r.json().await.unwrap_or_default();
                        if let Some(id) = body["id"].as_i64() {
                            acknowledged.push((id, title));
                        }
                    }
                    Ok(r) => panic!("write refused before the kill: {}", r.status()),
                    Err(_) => break,
                }
            }
            acknowledged
        })
    });
    let writers: Vec<_> = writers.collect();
    // Readers on A and C all along, through the kill and after it.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let readers = [a.url("/"), c.url("/")].map(|url| {
        let client = client.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            let mut answered = 0;
            while !*stop.borrow() {
                let r = client.get(&url).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{url} during the kill");
                answered += 1;
            }
            answered
        })
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    killed.child.kill().unwrap(); // SIGKILL
    killed.child.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop_tx.send(true).unwrap();
    for r in readers {
        assert!(r.await.unwrap() > 0, "A and C answered readers throughout");
    }
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }
    assert!(
        !acknowledged.is_empty(),
        "the load wrote something before the kill"
    );
    let store = shared_store(&url).await;
    for (id, title) in &acknowledged {
        let article = newsdesk::store::Store::article_by_id(store.as_ref(), *id)
            .await
            .unwrap_or_else(|e| panic!("acknowledged article {id} lost: {e}"));
        assert_eq!(&article.title, title);
    }
    for (name, n) in [("A", &a), ("C", &c)] {
        assert_eq!(n.get("/").await.status(), StatusCode::OK, "{name} answers");
        assert_eq!(
            n.get("/healthz").await.status(),
            StatusCode::OK,
            "{name} is healthy"
        );
    }
    eprintln!(
        "{} writes acknowledged before SIGKILL, all found",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_image_uploaded_through_one_node_is_served_by_another() {
    let Some(endpoint) = crate::object_store::endpoint("nodes") else {
        return;
    };
    let Some(url) = database().await else {
        return;
    };
    let bucket = format!(
        "s3://{}/{}",
        crate::object_store::BUCKET,
        crate::object_store::unique_prefix("nodes")
    );
    let uploads = || Some((endpoint.clone(), bucket.clone()));
    let (a, _b, c) = tokio::join!(
        node(&url, uploads()),
        node(&url, uploads()),
        node(&url, uploads())
    );
    // The editor's account lives in the shared database (not in A's data folder).
    newsdesk::auth::create_user(
        shared_store(&url).await.as_ref(),
        "zhou",
        Role::Editor,
        crate::newsroom::PASSWORD,
    )
    .await
    .unwrap();
    let urls = crate::object_store::upload_photo_as(&a, "zhou").await;
    for path in &urls {
        let from_a = a.get(path).await.bytes().await.unwrap();
        let r = c.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path} on C");
        assert_eq!(
            r.bytes().await.unwrap(),
            from_a,
            "{path}: C serves A's bytes"
        );
    }
    // The newsroom of C lists the image uploaded through A (its row is in the shared database).
    let store = shared_store(&url).await;
    let images = newsdesk::store::NewsroomStore::list_images(
        store.as_ref(),
        newsdesk::domain::PageRequest {
            page: 1,
            per_page: 10,
        },
    )
    .await
    .unwrap();
    assert_eq!(images.total, 1);
}
