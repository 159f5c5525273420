//! The publishing API answers every failure as JSON `{"error", "code"}` with the right status —
//! bad paths, ids and query strings, unknown routes and methods, bodies over the limit — while the
//! public site keeps its HTML error pages.

use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use crate::support::TestApp;

async fn api_token(app: &TestApp) -> String {
    let store = crate::support::open_store_at(app.data_path()).await;
    let user = newsdesk::auth::create_user(store.as_ref(), "api", Role::Editor, "api password 123")
        .await
        .unwrap();
    newsdesk::auth::create_api_token(store.as_ref(), &user, "测试")
        .await
        .unwrap()
        .1
}

/// Sends `method path` with the token and returns (status, parsed JSON body).
async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, serde_json::Value) {
    let mut req = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .header("authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        req = req.header(CONTENT_TYPE, "application/json").body(body);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let ct = r.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
    assert!(
        ct.starts_with("application/json"),
        "{method} {path}: {status} answered as {ct}"
    );
    let text = r.text().await.unwrap();
    let json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"));
    assert!(
        json["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{method} {path}: {json}"
    );
    (status, json)
}

#[tokio::test]
async fn api_errors_are_json_with_the_right_status() {
    let app = TestApp::start().await;
    let token = api_token(&app).await;

    let (status, json) = call(&app, &token, "GET", "/api/v1/articles?page=abc", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["code"], "bad_request");
    assert!(json["error"].as_str().unwrap().contains("page"), "{json}");

    let (status, json) = call(&app, &token, "GET", "/api/v1/articles/abc", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");
    assert_eq!(json["code"], "not_found");

    let (status, json) = call(&app, &token, "GET", "/api/v1/no-such-route", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");

    let (status, json) = call(&app, &token, "DELETE", "/api/v1/articles", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{json}");
    assert_eq!(json["code"], "method_not_allowed");

    // Bodies over the 2 MB limit are 413, not 400, on JSON and raw bodies alike.
    let big = serde_json::to_vec(&serde_json::json!({
        "title": "太大", "channel": "news", "body": "字".repeat(1_000_000)
    }))
    .unwrap();
    let (status, json) = call(&app, &token, "POST", "/api/v1/articles", Some(big.clone())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    assert_eq!(json["code"], "payload_too_large");
    let (status, json) = call(
        &app,
        &token,
        "POST",
        "/api/v1/articles/1/publish",
        Some(big),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");

    // A well-formed request still works, and the public site keeps HTML error pages.
    let (status, _) = call(&app, &token, "GET", "/api/v1/articles/999999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = app.get("/articles/no-such-article").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
