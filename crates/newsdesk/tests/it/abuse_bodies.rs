//! Hostile article bodies and fields over HTTP, through the API (bearer token), the admin form
//! and the preview: bodies nested thousands of levels deep (which once overflowed a worker's stack
//! and aborted the server), publish years past 9999 (which once published at once, as times were
//! compared as text), fields without length limits, and a large save that once held the
//! database's write lock while its targets were extracted.

use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use scraper::Html;
use serde_json::json;

use crate::support::{TestApp, attr, cookie_value, texts};

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in editor: session cookie, CSRF token, and an API token made through the admin.
struct Editor<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
    bearer: String,
}

async fn editor(app: &TestApp) -> Editor<'_> {
    let store = crate::support::open_store_at(app.data_path()).await;
    newsdesk::auth::create_user(store.as_ref(), "gao", Role::Editor, PASSWORD)
        .await
        .unwrap();
    let page = app.get("/admin/login").await;
    let login_csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    let r = app
        .client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={login_csrf}"))
        .form(&[
            ("name", "gao"),
            ("password", PASSWORD),
            ("_csrf", &login_csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = format!(
        "newsdesk_session={}",
        cookie_value(&r, "newsdesk_session").unwrap()
    );
    let r = app
        .client
        .get(app.url("/admin/articles"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let doc = Html::parse_document(&r.text().await.unwrap());
    let csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    let mut e = Editor {
        app,
        cookie,
        csrf,
        bearer: String::new(),
    };
    let r = e.form("/admin/tokens", &[("name", "压力测试")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = Html::parse_document(&r.text().await.unwrap());
    e.bearer = format!("Bearer {}", texts(&doc, "#new-token")[0]);
    assert_eq!(store.list_api_tokens(None).await.unwrap().len(), 1);
    e
}

impl Editor<'_> {
    /// POSTs an admin form with the CSRF token.
    async fn form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &self.csrf));
        self.app
            .client
            .post(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// An API call with the bearer token.
    async fn api(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("authorization", &self.bearer)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/v1/articles` with `body`; the status and the JSON error (or the article).
    async fn api_create(&self, title: &str, body: &str, format: &str) -> (StatusCode, String) {
        let r = self
            .api(
                "/api/v1/articles",
                &json!({"title": title, "channel": "nev", "body": body, "body_format": format}),
            )
            .await;
        (r.status(), r.text().await.unwrap())
    }

    /// The admin editor's create form with `body`; the status and the page.
    async fn admin_create(&self, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let mut all = vec![("channel", "nev")];
        if !fields.iter().any(|(k, _)| *k == "action") {
            all.push(("action", "draft"));
        }
        all.extend_from_slice(fields);
        let r = self.form("/admin/articles", &all).await;
        (r.status(), r.text().await.unwrap())
    }

    async fn preview(&self, body: &str, format: &str) -> (StatusCode, String) {
        let r = self
            .app
            .client
            .post(self.app.url("/admin/preview"))
            .header(COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .form(&[("body", body), ("format", format)])
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

async fn alive(app: &TestApp) {
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

async fn article_count(app: &TestApp) -> i64 {
    let store = crate::support::open_store_at(app.data_path()).await;
    newsdesk::store::Store::count_articles(store.as_ref())
        .await
        .unwrap()
}

/// The error page's message (admin) or the JSON error (API) must name the line and the limit.
fn assert_names_depth(status: StatusCode, text: &str, what: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {text:.300}");
    assert!(
        text.contains("正文第 1 行嵌套层级过深") || text.contains("格式嵌套过深"),
        "{what}: {text:.300}"
    );
}

#[tokio::test]
async fn deeply_nested_bodies_are_refused_everywhere_and_the_server_lives() {
    let app = TestApp::start().await;
    let e = editor(&app).await;
    let before = article_count(&app).await;
    let hostile: Vec<(String, &str, &str)> = vec![
        ("* ".repeat(10_000), "markdown", "bullets"),
        ("1. ".repeat(10_000), "markdown", "numbers"),
        ("> ".repeat(50_000), "markdown", "quotes"),
        ("<span>".repeat(20_000), "markdown", "inline spans"),
        ("<span>".repeat(20_000), "html", "spans"),
        ("<b><i>".repeat(20_000), "html", "formatting"),
    ];
    for (body, format, what) in &hostile {
        let (status, text) = e.api_create("嵌套", body, format).await;
        assert_names_depth(status, &text, &format!("API {what}"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(v["error"].as_str().is_some(), "{text:.300}");
        alive(&app).await;

        let (status, page) = e
            .admin_create(&[("title", "嵌套"), ("body", body), ("format", format)])
            .await;
        assert_names_depth(status, &page, &format!("admin {what}"));
        // The editor keeps what was typed.
        let doc = Html::parse_document(&page);
        assert_eq!(
            texts(&doc, "textarea[name=body]")[0].len(),
            body.trim().len()
        );
        alive(&app).await;

        let (status, text) = e.preview(body, format).await;
        assert_names_depth(status, &text, &format!("preview {what}"));
        alive(&app).await;
    }
    assert_eq!(article_count(&app).await, before, "nothing was saved");
}

#[tokio::test]
async fn pathological_shapes_within_the_limits_save_and_render() {
    let app = TestApp::start().await;
    let e = editor(&app).await;
    let within: Vec<(String, &str)> = vec![
        (
            "* ".repeat(newsdesk::render::limits::MAX_NESTING),
            "markdown",
        ),
        ("- 项\n".repeat(5_000), "markdown"),
        ("*a**b*".repeat(20_000), "markdown"),
        ("`".repeat(50_000), "markdown"),
        ("[a](".repeat(20_000), "markdown"),
        ("<span>字</span>".repeat(10_000), "html"),
    ];
    for (body, format) in &within {
        let (status, text) = e.api_create("边界内的正文", body, format).await;
        assert_eq!(status, StatusCode::CREATED, "{format}: {text:.300}");
        let (status, _) = e.preview(body, format).await;
        assert_eq!(status, StatusCode::OK);
    }
    // A run of asterisks nests emphasis in the output only: refused after rendering.
    let stars = format!("{}字{}", "*".repeat(3_000), "*".repeat(3_000));
    let (status, text) = e.api_create("星号", &stars, "markdown").await;
    assert_names_depth(status, &text, "stars");
    alive(&app).await;
}

#[tokio::test]
async fn publish_years_past_9999_are_refused_by_the_api_and_the_admin() {
    let app = TestApp::start().await;
    let e = editor(&app).await;
    let (status, text) = e.api_create("万年之后", "正文。", "markdown").await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["id"]
        .as_i64()
        .unwrap();
    for at in ["+10000-01-01T00:00:00Z", "+262142-01-01T00:00:00Z"] {
        let r = e
            .api(
                &format!("/api/v1/articles/{id}/publish"),
                &json!({ "publish_at": at }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let v: serde_json::Value = r.json().await.unwrap();
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains("publish_at") && msg.contains("9999"), "{msg}");
    }
    let before = article_count(&app).await;
    let (status, page) = e
        .admin_create(&[
            ("title", "万年之后"),
            ("body", "正文。"),
            ("action", "schedule"),
            ("publish_at", "+262142-01-01T00:00"),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page:.300}");
    let shown = texts(&Html::parse_document(&page), "main").join(" ");
    assert!(shown.contains("定时发布时间无效"), "{shown}");
    assert_eq!(article_count(&app).await, before);
    // Past the scheduler's tick, the article is still a draft, not published.
    tokio::time::sleep(newsdesk::newsroom::SCHEDULER_TICK * 2).await;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/articles/{id}")))
        .header("authorization", &e.bearer)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], "draft");
}

#[tokio::test]
async fn overlong_fields_are_refused_naming_the_field() {
    let app = TestApp::start().await;
    let e = editor(&app).await;
    let author = "作".repeat(350_000);
    let tags: Vec<String> = (0..10_000).map(|i| format!("标签{i}")).collect();
    let cases = [
        (
            json!({"title": "字段", "channel": "nev", "body": "正文", "author": author}),
            "作者太长",
        ),
        (
            json!({"title": "字段", "channel": "nev", "body": "正文", "tags": tags}),
            "标签太多",
        ),
        (
            json!({"title": "字段", "channel": "nev", "body": "正文", "source": "源".repeat(200)}),
            "来源太长",
        ),
        (
            json!({"title": "字段", "channel": "nev", "body": "正文", "summary": "摘".repeat(600)}),
            "摘要太长",
        ),
        (
            json!({"title": "字段", "channel": "nev", "body": "正文", "tags": ["长".repeat(40)]}),
            "每个标签最多",
        ),
        (
            json!({"title": "字段", "channel": "nev", "body": "正文", "slug": "a".repeat(200)}),
            "slug",
        ),
        (
            json!({"title": "字段", "channel": "nev", "body": "x".repeat(1_600_000)}),
            "正文太长",
        ),
    ];
    for (body, expected) in cases {
        let r = e.api("/api/v1/articles", &body).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{expected}");
        let v: serde_json::Value = r.json().await.unwrap();
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains(expected), "{expected}: {msg}");
    }
    let (status, page) = e
        .admin_create(&[
            ("title", "字段"),
            ("body", "正文"),
            ("author", &"作".repeat(100)),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("作者太长"), "{page:.300}");
    alive(&app).await;
}

#[tokio::test]
async fn a_large_save_does_not_lock_out_other_writers() {
    let app = TestApp::start().await;
    let e = editor(&app).await;
    // About 1.4 MB of text (within the body limit) with tens of thousands of targets.
    let sentence = "到2025年，产量突破120万辆，充电桩新增2万个以上，占比达到30%左右。\n";
    let body = sentence.repeat(1_400_000 / sentence.len());
    let done = std::sync::atomic::AtomicBool::new(false);
    let big = async {
        let out = e.api_create("大量目标的长文", &body, "markdown").await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        out
    };
    // Another editor keeps writing for as long as the large save runs.
    let others = async {
        let mut statuses = Vec::new();
        let mut i = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            i += 1;
            let (status, text) = e
                .api_create(&format!("同时写入的短文{i}"), "短文。", "markdown")
                .await;
            statuses.push((status, text));
        }
        statuses
    };
    let ((status, text), others) = tokio::join!(big, others);
    assert_eq!(status, StatusCode::CREATED, "{text:.300}");
    assert!(!others.is_empty());
    for (status, text) in others {
        assert_eq!(status, StatusCode::CREATED, "{text:.300}");
    }
    let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["id"]
        .as_i64()
        .unwrap();
    let store = crate::support::open_store_at(app.data_path()).await;
    let stored = store.editable_article(id).await.unwrap();
    assert_eq!(stored.article.body_source.len(), body.len());
    alive(&app).await;
}
