//! WeChat JS-SDK over HTTP, against a stand-in of WeChat's API that the test starts on loopback:
//! the signed configuration, the credential cache under concurrency, refreshes and WeChat's errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::routing::get;
use futures::future::join_all;
use newsdesk::wechat::{Secret, WeChatConfig, signature};
use reqwest::StatusCode;

use crate::support::{TestApp, attr};

const APP_ID: &str = "wx0123456789abcdef";
const SECRET: &str = "stand-in-secret";
/// The ticket of WeChat's documented signature example.
const TICKET: &str =
    "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";

/// How the stand-in behaves, and what it saw.
#[derive(Default)]
struct Api {
    token_calls: AtomicUsize,
    ticket_calls: AtomicUsize,
    /// `expires_in` it answers.
    expires_in: u64,
    /// Answer the first ticket request with errcode 40001 (token revoked early).
    revoke_first_token: bool,
}

fn query(uri: &Uri) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://stand-in{uri}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(q: &[(String, String)], key: &str) -> String {
    q.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn token(State(api): State<Arc<Api>>, uri: Uri) -> String {
    let n = api.token_calls.fetch_add(1, Ordering::SeqCst) + 1;
    // Concurrent callers would all get here at once without single-flight refresh.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let q = query(&uri);
    if param(&q, "grant_type") != "client_credential" || param(&q, "appid") != APP_ID {
        return r#"{"errcode":40013,"errmsg":"invalid appid"}"#.into();
    }
    if param(&q, "secret") != SECRET {
        return r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#.into();
    }
    format!(
        r#"{{"access_token":"TOKEN-{n}","expires_in":{}}}"#,
        api.expires_in
    )
}

async fn ticket(State(api): State<Arc<Api>>, uri: Uri) -> String {
    api.ticket_calls.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let q = query(&uri);
    let token = param(&q, "access_token");
    if param(&q, "type") != "jsapi" || !token.starts_with("TOKEN-") {
        return r#"{"errcode":40001,"errmsg":"invalid credential"}"#.into();
    }
    if api.revoke_first_token && token == "TOKEN-1" {
        return r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}"#.into();
    }
    format!(
        r#"{{"errcode":0,"errmsg":"ok","ticket":"{TICKET}","expires_in":{}}}"#,
        api.expires_in
    )
}

/// Starts the stand-in; returns its base URL.
async fn stand_in(api: Arc<Api>) -> String {
    let app = Router::new()
        .route("/cgi-bin/token", get(token))
        .route("/cgi-bin/ticket/getticket", get(ticket))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn newsdesk_with(api: Arc<Api>, secret: &str) -> TestApp {
    let api_base = stand_in(api).await;
    TestApp::builder()
        .wechat(WeChatConfig {
            app_id: APP_ID.into(),
            app_secret: Secret::new(secret),
            api_base,
        })
        .start()
        .await
}

/// The message of a JSON error, `{"error": "…"}` or `{"error": {"message": "…"}}`.
fn error_message(body: &serde_json::Value) -> &str {
    body["error"]
        .as_str()
        .or_else(|| body["error"]["message"].as_str())
        .unwrap()
}

async fn jssdk(app: &TestApp, page: &str) -> (StatusCode, serde_json::Value) {
    let r = app
        .client
        .get(app.url("/api/v1/wechat/jssdk-config"))
        .query(&[("url", page)])
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    (r.status(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_is_signed_and_credentials_are_fetched_once_under_concurrency() {
    let api = Arc::new(Api {
        expires_in: 7200,
        ..Api::default()
    });
    let app = newsdesk_with(api.clone(), SECRET).await;
    let page = "http://127.0.0.1:8080/articles/x?from=timeline";

    let answers = join_all((0..20).map(|_| jssdk(&app, page))).await;
    for (status, cfg) in &answers {
        assert_eq!(*status, StatusCode::OK, "{cfg}");
        assert_eq!(cfg["appId"], APP_ID);
        let nonce = cfg["nonceStr"].as_str().unwrap();
        let timestamp = cfg["timestamp"].as_i64().unwrap();
        assert_eq!(cfg["signature"], signature(TICKET, nonce, timestamp, page));
    }
    assert_eq!(api.token_calls.load(Ordering::SeqCst), 1);
    assert_eq!(api.ticket_calls.load(Ordering::SeqCst), 1);

    // The fragment is not part of what WeChat signs.
    let (_, cfg) = jssdk(&app, &format!("{page}#comments")).await;
    let expected = signature(
        TICKET,
        cfg["nonceStr"].as_str().unwrap(),
        cfg["timestamp"].as_i64().unwrap(),
        page,
    );
    assert_eq!(cfg["signature"], expected);
    assert_eq!(api.token_calls.load(Ordering::SeqCst), 1, "cached");

    // Pages carry the share script now.
    let (_, doc) = app.page("/").await;
    assert!(attr(&doc, "script[src^='/static/wechat-share.js']", "src").is_some());
    assert_eq!(
        app.get("/static/wechat-share.js").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn credentials_are_refreshed_before_they_expire() {
    // WeChat says two seconds: the cache refreshes at half that.
    let api = Arc::new(Api {
        expires_in: 2,
        ..Api::default()
    });
    let app = newsdesk_with(api.clone(), SECRET).await;
    let page = "http://127.0.0.1:8080/";
    assert_eq!(jssdk(&app, page).await.0, StatusCode::OK);
    assert_eq!(jssdk(&app, page).await.0, StatusCode::OK);
    assert_eq!(api.ticket_calls.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(jssdk(&app, page).await.0, StatusCode::OK);
    assert_eq!(api.token_calls.load(Ordering::SeqCst), 2);
    assert_eq!(api.ticket_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_token_revoked_early_is_fetched_again_once() {
    let api = Arc::new(Api {
        expires_in: 7200,
        revoke_first_token: true,
        ..Api::default()
    });
    let app = newsdesk_with(api.clone(), SECRET).await;
    let (status, cfg) = jssdk(&app, "http://127.0.0.1:8080/").await;
    assert_eq!(status, StatusCode::OK, "{cfg}");
    assert_eq!(api.token_calls.load(Ordering::SeqCst), 2);
    assert_eq!(api.ticket_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn wechat_errors_and_bad_requests_are_reported_clearly() {
    let api = Arc::new(Api {
        expires_in: 7200,
        ..Api::default()
    });
    let app = newsdesk_with(api.clone(), "wrong-secret").await;
    let (status, body) = jssdk(&app, "http://127.0.0.1:8080/").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let error = error_message(&body);
    assert!(
        error.contains("40125") && error.contains("invalid appsecret"),
        "{error}"
    );
    assert!(!error.contains("wrong-secret"), "secret leaked: {error}");

    let (status, body) = jssdk(&app, "javascript:alert(1)").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_message(&body).starts_with("url"), "{body}");
    let r = app.get("/api/v1/wechat/jssdk-config").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_on_one_database_share_one_token() {
    // Each fetch of an access_token revokes the one before: two servers fetching their own would
    // keep breaking each other's signatures. They share the credentials through the database.
    let api = Arc::new(Api {
        expires_in: 7200,
        ..Api::default()
    });
    let api_base = stand_in(api.clone()).await;
    let config = WeChatConfig {
        app_id: APP_ID.into(),
        app_secret: Secret::new(SECRET),
        api_base,
    };
    let a = TestApp::builder().wechat(config.clone()).start().await;
    let b = TestApp::builder()
        .wechat(config)
        .data_path(a.data_path().to_path_buf())
        .start()
        .await;
    let page = "http://127.0.0.1:8080/articles/x";
    let answers = join_all((0..20).map(|i| jssdk(if i % 2 == 0 { &a } else { &b }, page))).await;
    for (status, cfg) in &answers {
        assert_eq!(*status, StatusCode::OK, "{cfg}");
    }
    assert_eq!(
        api.token_calls.load(Ordering::SeqCst),
        1,
        "one token for both"
    );
    assert_eq!(
        api.ticket_calls.load(Ordering::SeqCst),
        1,
        "one ticket for both"
    );
}
