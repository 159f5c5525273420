//! The newsroom over HTTP: accounts and sessions, CSRF, throttling, roles, the article life cycle
//! (draft, publish, stale save, schedule, unpublish, trash), preview, images, the publishing API,
//! and the `user` CLI.

use std::io::Cursor;
use std::process::Stdio;
use std::time::Duration;

use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use scraper::Html;

use crate::support::{TestApp, attr, cookie_value, texts};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// Adds an account through the real store of the running server's data folder.
pub(crate) async fn add_user(app: &TestApp, name: &str, role: Role) {
    let store = crate::support::open_store_at(app.data_path()).await;
    newsdesk::auth::create_user(store.as_ref(), name, role, PASSWORD)
        .await
        .unwrap();
}

/// A signed-in browser: the session cookie and the page's CSRF token.
pub(crate) struct Session<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

/// GETs the login page and posts the form; returns the response to the post.
async fn post_login(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    let page = app.get("/admin/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    let csrf_cookie = cookie_value(&page, "newsdesk_login_csrf").expect("login CSRF cookie");
    let doc = Html::parse_document(&page.text().await.unwrap());
    let csrf = attr(&doc, "input[name=_csrf]", "value").unwrap();
    assert_eq!(csrf, csrf_cookie);
    app.client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={csrf_cookie}"))
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

pub(crate) async fn login<'a>(app: &'a TestApp, name: &str) -> Session<'a> {
    let r = post_login(app, name, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "no Secure on http: {set}");
    let token = cookie_value(&r, "newsdesk_session").unwrap();
    let mut s = Session {
        app,
        cookie: format!("newsdesk_session={token}"),
        csrf: String::new(),
    };
    let (status, doc) = s.page("/admin/articles").await;
    assert_eq!(status, StatusCode::OK);
    s.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    s
}

impl Session<'_> {
    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.app
            .client
            .get(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn page(&self, path: &str) -> (StatusCode, Html) {
        let r = self.get(path).await;
        let status = r.status();
        (status, Html::parse_document(&r.text().await.unwrap()))
    }

    /// POSTs a form with the session's CSRF token.
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
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

    /// Creates an article with `action`; returns its id.
    async fn create(&self, title: &str, body: &str, action: &str) -> i64 {
        let r = self
            .post(
                "/admin/articles",
                &[
                    ("title", title),
                    ("channel", "nev"),
                    ("author", "李编辑"),
                    ("tags", "氢能，示范"),
                    ("body", body),
                    ("action", action),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        let location = r.headers()[LOCATION].to_str().unwrap().to_string();
        location
            .trim_start_matches("/admin/articles/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub(crate) async fn version(&self, id: i64) -> String {
        let (_, doc) = self.page(&format!("/admin/articles/{id}")).await;
        attr(&doc, "input[name=version]", "value").unwrap()
    }
}

/// The public URL of article `id`, from its editor page, if it is public.
async fn public_url(s: &Session<'_>, id: i64) -> Option<String> {
    let (_, doc) = s.page(&format!("/admin/articles/{id}")).await;
    attr(&doc, ".page-head a[target=_blank]", "href")
}

#[tokio::test]
async fn first_start_creates_one_admin_and_anonymous_clients_reach_nothing() {
    let app = TestApp::start().await;
    let store = crate::support::open_store_at(app.data_path()).await;
    let users = store.list_users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].name.as_str(), users[0].role),
        ("admin", Role::Admin)
    );

    for path in [
        "/admin",
        "/admin/articles",
        "/admin/articles/new",
        "/admin/users",
        "/admin/settings",
        "/admin/audit",
        "/admin/images",
        "/admin/tokens",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.headers()[LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/admin/login"),
            "{path}"
        );
    }
    for path in [
        "/admin/articles",
        "/admin/users",
        "/admin/settings",
        "/admin/preview",
        "/admin/images",
    ] {
        let r = app.client.post(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "POST {path}");
    }
    for (method, path) in [
        ("GET", "/api/v1/articles"),
        ("POST", "/api/v1/articles"),
        ("GET", "/api/v1/articles/1"),
        ("PUT", "/api/v1/articles/1"),
        ("POST", "/api/v1/articles/1/publish"),
        ("POST", "/api/v1/articles/1/unpublish"),
        ("GET", "/api/v1/channels"),
    ] {
        let r = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .header("authorization", "Bearer nd_not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"].is_string(), "{method} {path}: {body}");
    }
}

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session() {
    let app = TestApp::start().await;
    add_user(&app, "wang", Role::Editor).await;
    let bad = post_login(&app, "wang", "wrong password!").await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let doc = Html::parse_document(&bad.text().await.unwrap());
    assert_eq!(texts(&doc, ".error"), vec!["用户名或密码错误"]);

    let s = login(&app, "wang").await;
    assert_eq!(
        texts(
            &Html::parse_document(&s.get("/admin/articles").await.text().await.unwrap()),
            ".admin-user span"
        )[0],
        "wang（编辑）"
    );
    let r = s.post("/admin/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = s.get("/admin/articles").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "session must end");
}

#[tokio::test]
async fn logins_are_throttled_after_five_failures() {
    let app = TestApp::start().await;
    add_user(&app, "zhao", Role::Editor).await;
    for _ in 0..5 {
        let r = post_login(&app, "zhao", "wrong password!").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with a message that says why.
    let r = post_login(&app, "zhao", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(texts(&doc, ".error")[0].contains("15 分钟"));
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let app = TestApp::start().await;
    add_user(&app, "qian", Role::Editor).await;
    let s = login(&app, "qian").await;
    let r = app
        .client
        .post(app.url("/admin/articles"))
        .header(COOKIE, &s.cookie)
        .form(&[("title", "无令牌"), ("channel", "nev"), ("body", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client
        .post(app.url("/admin/articles"))
        .header(COOKIE, &s.cookie)
        .form(&[
            ("title", "错令牌"),
            ("channel", "nev"),
            ("body", "x"),
            ("_csrf", "0000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let list = s.page("/admin/articles?q=令牌").await.1;
    assert!(texts(&list, ".row-title").is_empty());
}

#[tokio::test]
async fn editors_cannot_reach_users_settings_channels_or_the_audit_log() {
    let app = TestApp::start().await;
    add_user(&app, "sun", Role::Editor).await;
    add_user(&app, "boss", Role::Admin).await;
    let editor = login(&app, "sun").await;
    for path in [
        "/admin/users",
        "/admin/settings",
        "/admin/channels",
        "/admin/audit",
    ] {
        assert_eq!(
            editor.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let r = editor
        .post("/admin/users", &[("name", "mallory"), ("role", "admin")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = editor
        .post(
            "/admin/settings",
            &[("site_name", "x"), ("base_url", "http://x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for path in ["/admin/articles", "/admin/images", "/admin/tokens"] {
        assert_eq!(editor.get(path).await.status(), StatusCode::OK, "{path}");
    }

    let admin = login(&app, "boss").await;
    for path in [
        "/admin/users",
        "/admin/settings",
        "/admin/channels",
        "/admin/audit",
    ] {
        assert_eq!(admin.get(path).await.status(), StatusCode::OK, "{path}");
    }
    // Settings reach every page at once.
    let r = admin
        .post(
            "/admin/settings",
            &[
                ("site_name", "氢能资讯"),
                ("copyright_holder", "某某公司"),
                ("icp_number", "沪ICP备12345678号"),
                ("public_security_number", "沪公网安备 31010402000001号"),
                ("base_url", "http://127.0.0.1:8080"),
                ("timezone", "Asia/Shanghai"),
                (
                    "footer_links",
                    "关于我们 /about\n坏链接 javascript:alert(1)",
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, home) = app.page("/").await;
    // The settings' link comes first (the demo's single pages follow); the bad one is dropped.
    assert_eq!(
        attr(&home, "footer .footer-links a", "href").as_deref(),
        Some("/about")
    );
    assert!(!texts(&home, "footer .footer-links a").contains(&"坏链接".to_string()));
    assert!(
        texts(&home, "footer")
            .join(" ")
            .contains("沪ICP备12345678号")
    );
    assert!(texts(&home, ".brand")[0].contains("氢能资讯"));
}

#[tokio::test]
async fn an_article_goes_from_draft_to_public_and_back_with_stale_saves_refused() {
    let app = TestApp::start().await;
    add_user(&app, "li", Role::Editor).await;
    add_user(&app, "chief", Role::Admin).await;
    let s = login(&app, "li").await;

    let id = s
        .create(
            "氢燃料电池汽车示范城市群扩容",
            "## 要点\n\n示范城市群**扩容**。",
            "draft",
        )
        .await;
    assert!(public_url(&s, id).await.is_none(), "a draft is not public");

    let v = s.version(id).await;
    let r = s
        .post(&format!("/admin/articles/{id}/publish"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let url = public_url(&s, id).await.expect("published");
    let (status, doc) = app.page(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), vec!["氢燃料电池汽车示范城市群扩容"]);
    assert_eq!(texts(&doc, ".article-body strong"), vec!["扩容"]);
    let (_, found) = app.page("/search?q=示范城市群").await;
    assert!(
        found.html().contains(&url),
        "published article found by search at once"
    );

    // Two editors open the same version; the second save is refused, not lost over the first.
    let v = s.version(id).await;
    let edit = |title: &'static str, version: String| {
        let s = &s;
        async move {
            s.post(
                &format!("/admin/articles/{id}"),
                &[
                    ("title", title),
                    ("channel", "nev"),
                    ("author", "李编辑"),
                    ("body", "示范城市群扩容。"),
                    ("version", &version),
                    ("action", "save"),
                ],
            )
            .await
        }
    };
    assert_eq!(
        edit("第一次修改", v.clone()).await.status(),
        StatusCode::SEE_OTHER
    );
    let stale = edit("第二次修改", v).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let doc = Html::parse_document(&stale.text().await.unwrap());
    assert!(texts(&doc, ".error p")[0].contains("已被他人修改"));
    assert_eq!(
        attr(&doc, "input[name=title]", "value").as_deref(),
        Some("第二次修改"),
        "the refused text stays in the form"
    );
    let (_, page) = app.page(&url).await;
    assert_eq!(
        texts(&page, "h1"),
        vec!["氢燃料电池汽车示范城市群扩容"],
        "an edit of a published article is staged, not live"
    );
    let v = s.version(id).await;
    let r = s
        .post(&format!("/admin/articles/{id}/publish"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "更新发布");
    let (_, page) = app.page(&url).await;
    assert_eq!(
        texts(&page, "h1"),
        vec!["第一次修改"],
        "published change is live"
    );

    let v = s.version(id).await;
    let r = s
        .post(
            &format!("/admin/articles/{id}/unpublish"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&url).await.status(), StatusCode::NOT_FOUND);
    let (_, found) = app.page("/search?q=示范城市群").await;
    assert!(
        !found.html().contains(&url),
        "unpublished article left search"
    );

    // Trash and restore.
    let r = s.post(&format!("/admin/articles/{id}/trash"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, trash) = s.page("/admin/articles?trash=1").await;
    assert_eq!(texts(&trash, ".row-title"), vec!["第一次修改"]);
    let (_, live) = s.page("/admin/articles?q=第一次修改").await;
    assert!(texts(&live, ".row-title").is_empty());
    let r = s.post(&format!("/admin/articles/{id}/restore"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = s.page("/admin/articles?status=draft&author=李编辑").await;
    assert_eq!(texts(&list, ".row-title"), vec!["第一次修改"]);

    // The audit log tells who did what (to articles: sign-ins are lines too).
    let admin = login(&app, "chief").await;
    let (_, audit) = admin.page("/admin/audit?kind=article").await;
    let actions: Vec<String> = texts(&audit, "tbody tr td:nth-child(3)");
    for a in ["创建", "发布", "保存", "撤回", "移入回收站", "恢复"] {
        assert!(
            actions.contains(&a.to_string()),
            "{a} missing from {actions:?}"
        );
    }
    assert!(
        texts(&audit, "tbody td:nth-child(2)")
            .iter()
            .all(|u| u == "li")
    );
}

#[tokio::test]
async fn a_scheduled_article_goes_out_on_time_even_across_a_restart() {
    let app = TestApp::start().await;
    add_user(&app, "zhou", Role::Editor).await;
    let s = login(&app, "zhou").await;
    let tz = chrono_tz::Asia::Shanghai;
    let at = |secs: i64| {
        (chrono::Utc::now() + chrono::Duration::seconds(secs))
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    let id = s.create("定时发布的文章", "正文", "draft").await;
    let v = s.version(id).await;
    let r = s
        .post(
            &format!("/admin/articles/{id}/schedule"),
            &[("version", &v), ("publish_at", &at(3))],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(public_url(&s, id).await.is_none());
    let mut public = None;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        public = public_url(&s, id).await;
        if public.is_some() {
            break;
        }
    }
    let url = public.expect("published by the scheduler");
    assert_eq!(app.get(&url).await.status(), StatusCode::OK);

    // Scheduled, then the server is down when the time comes: out as soon as it is back.
    let id2 = s.create("停机期间到期的文章", "正文", "draft").await;
    let v = s.version(id2).await;
    s.post(
        &format!("/admin/articles/{id2}/schedule"),
        &[("version", &v), ("publish_at", &at(2))],
    )
    .await;
    drop(s);
    let data = app.stop().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let app = TestApp::builder().data(data).start().await;
    let s = login(&app, "zhou").await;
    let url = public_url(&s, id2).await.expect("published at start");
    assert_eq!(app.get(&url).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_preview_is_the_public_rendering() {
    let app = TestApp::start().await;
    add_user(&app, "wu", Role::Editor).await;
    let s = login(&app, "wu").await;
    let body = "## 小标题\n\n2. 第二条\n\n<script>alert(1)</script>";
    let r = app
        .client
        .post(app.url("/admin/preview"))
        .header(COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .form(&[("body", body), ("format", "markdown")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert_eq!(
        html,
        newsdesk::render::body_html(newsdesk::domain::BodyFormat::Markdown, body)
    );
    assert!(!html.contains("<script"));
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A multipart body with one `file` field.
fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----newsdesk-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn upload(s: &Session<'_>, name: &str, bytes: &[u8]) -> reqwest::Response {
    let (ct, body) = multipart(name, bytes);
    s.app
        .client
        .post(s.app.url("/admin/images"))
        .header(COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("accept", "application/json")
        .header(CONTENT_TYPE, ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn upload_files(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.data_path().join("uploads")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn images_are_sniffed_resized_served_with_srcset_and_bad_ones_refused() {
    let app = TestApp::start().await;
    add_user(&app, "zheng", Role::Editor).await;
    let s = login(&app, "zheng").await;

    // Named .txt, but a PNG: the bytes decide.
    let r = upload(&s, "photo.txt", &png(1200, 600)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let j: serde_json::Value = r.json().await.unwrap();
    let url = j["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("/uploads/") && url.ends_with("_1200x600.png"),
        "{url}"
    );
    let srcset = j["srcset"].as_str().unwrap();
    assert!(srcset.contains("480w") && srcset.contains("960w") && srcset.contains("1200w"));
    assert!(!srcset.contains("1600w"), "no upscaling: {srcset}");
    let served = app.get(&url).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()[CONTENT_TYPE], "image/png");
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let variant = srcset
        .split(", ")
        .next()
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(app.get(variant).await.status(), StatusCode::OK);

    // An article using it carries the srcset on the public page.
    let markdown = j["markdown"].as_str().unwrap();
    let id = s
        .create("带图片的文章", &format!("导语。\n\n{markdown}"), "publish")
        .await;
    let public = public_url(&s, id).await.unwrap();
    let (_, doc) = app.page(&public).await;
    assert!(
        attr(&doc, ".article-body img", "srcset")
            .unwrap()
            .contains("480w")
    );

    let before = upload_files(&app);
    let r = upload(&s, "fake.png", b"<?php echo 'not an image'; ?>").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("JPEG、PNG、WebP 和 GIF")
    );

    let big = vec![0_u8; 11 * 1024 * 1024];
    let r = upload(&s, "big.jpg", &big).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("上限"), "{e}");

    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&60_000_u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000_u32.to_be_bytes());
    let r = upload(&s, "bomb.png", &bomb).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(upload_files(&app), before, "nothing half-written left");
    assert_eq!(
        app.get("/uploads/../newsdesk.db").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_publishing_api_works_with_tokens_and_describes_itself() {
    let app = TestApp::start().await;
    add_user(&app, "feng", Role::Editor).await;
    let s = login(&app, "feng").await;
    let r = s.post("/admin/tokens", &[("name", "稿件系统")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let token = texts(&doc, "#new-token")[0].clone();
    assert!(token.starts_with("nd_"));
    let store = crate::support::open_store_at(app.data_path()).await;
    let stored = store.list_api_tokens(None).await.unwrap();
    assert_eq!(stored.len(), 1);
    let auth = format!("Bearer {token}");
    let api = |method: &str, path: &str| {
        app.client
            .request(method.parse().unwrap(), app.url(path))
            .header("authorization", &auth)
    };

    let r = api("POST", "/api/v1/articles")
        .json(&serde_json::json!({
            "title": "接口发布的文章", "channel": "solar", "body": "来自**接口**。",
            "tags": ["接口"], "author": "系统"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: serde_json::Value = r.json().await.unwrap();
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["status"], "draft");
    assert!(a["url"].is_null());

    let r = api("POST", &format!("/api/v1/articles/{id}/publish"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    let url = a["url"].as_str().unwrap().to_string();
    assert_eq!(app.get(&url).await.status(), StatusCode::OK);

    let update = |version: i64| {
        api("PUT", &format!("/api/v1/articles/{id}")).json(&serde_json::json!({
            "title": "接口修改后的标题", "channel": "solar", "body": "改。", "version": version
        }))
    };
    let v = a["version"].as_i64().unwrap();
    let r = update(v).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = update(v).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "stale update refused");
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("已被他人修改"));
    let (_, page) = app.page(&url).await;
    assert_eq!(
        texts(&page, "h1"),
        vec!["接口发布的文章"],
        "an update of a published article is staged"
    );
    let r = api("POST", &format!("/api/v1/articles/{id}/publish"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "更新发布");
    let (_, page) = app.page(&url).await;
    assert_eq!(texts(&page, "h1"), vec!["接口修改后的标题"]);

    let r = api("POST", "/api/v1/articles")
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.json::<serde_json::Value>().await.unwrap()["error"].is_string());

    let list: serde_json::Value = api("GET", "/api/v1/articles?channel=solar&status=published")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id)
    );
    let channels: serde_json::Value = api("GET", "/api/v1/channels")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        channels
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["slug"] == "nev")
    );

    let r = api("POST", &format!("/api/v1/articles/{id}/unpublish"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.get(&url).await.status(), StatusCode::NOT_FOUND);

    // The OpenAPI document lists exactly the routes served.
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/articles", "get"),
        ("/api/v1/articles", "post"),
        ("/api/v1/articles/{id}", "get"),
        ("/api/v1/articles/{id}", "put"),
        ("/api/v1/articles/{id}/publish", "post"),
        ("/api/v1/articles/{id}/unpublish", "post"),
        ("/api/v1/channels", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }

    // Revoked in the admin: refused at once.
    let r = s
        .post(&format!("/admin/tokens/{}/revoke", stored[0].id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        api("GET", "/api/v1/channels")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_user_cli_adds_accounts_that_can_sign_in() {
    let app = TestApp::start().await;
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = crate::support::newsdesk_command(app.data_path())
            .arg("user")
            .args(args)
            .arg("--data")
            .arg(app.data_path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let out = run(
        &["add", "chen", "--role", "editor", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "no password printed when given");
    login(&app, "chen").await;

    let out = run(&["add", "chen", "--role", "admin"], None);
    assert!(!out.status.success(), "a second chen is refused");
    let out = run(&["add", "han", "--role", "admin"], None);
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout);
    let password = printed
        .trim()
        .strip_prefix("password: ")
        .unwrap()
        .to_string();
    assert_eq!(password.chars().count(), 20);
    assert_eq!(
        post_login(&app, "han", &password).await.status(),
        StatusCode::SEE_OTHER
    );

    let out = run(&["disable", "chen"], None);
    assert!(out.status.success());
    assert_eq!(
        post_login(&app, "chen", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let out = run(&["list"], None);
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("chen\teditor\tdisabled") && list.contains("han\tadmin\tactive"),
        "{list}"
    );
}

/// Titles of the search API's results for `query` (URL-encoded by the caller where needed).
async fn search_titles(app: &TestApp, query: &str) -> Vec<(String, String)> {
    let json: serde_json::Value = app
        .get(&format!("/api/v1/search?{query}"))
        .await
        .json()
        .await
        .unwrap();
    json["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{query}: {json}"))
        .iter()
        .map(|h| {
            (
                h["title"].as_str().unwrap().to_string(),
                h["channel"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The id in the action of the admin row form whose name field holds `name`.
fn row_id(doc: &Html, prefix: &str, name: &str) -> i64 {
    let forms = scraper::Selector::parse("form.row-form").unwrap();
    let input = scraper::Selector::parse("input[name=name]").unwrap();
    doc.select(&forms)
        .find(|f| {
            f.value().attr("action").unwrap().starts_with(prefix)
                && f.select(&input)
                    .next()
                    .and_then(|i| i.value().attr("value"))
                    == Some(name)
        })
        .and_then(|f| {
            f.value().attr("action").unwrap()[prefix.len()..]
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[tokio::test]
async fn renaming_or_deleting_tags_and_channels_reaches_search_at_once() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let s = login(&app, "chief").await;
    // Tagged 氢能，示范 in 新能源汽车 (nev); neither word is in the text.
    s.create("加氢站网络建设提速", "多地加氢站网络建设提速。", "publish")
        .await;
    let ours = |hits: &[(String, String)]| hits.iter().any(|h| h.0 == "加氢站网络建设提速");
    assert!(ours(&search_titles(&app, "q=示范").await));

    let (_, doc) = s.page("/admin/channels").await;
    let tag = row_id(&doc, "/admin/tags/", "示范");
    let r = s
        .post(&format!("/admin/tags/{tag}"), &[("name", "样板")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        ours(&search_titles(&app, "q=样板").await),
        "found by its new tag"
    );
    assert!(
        !ours(&search_titles(&app, "q=示范").await),
        "not by the old one"
    );

    let channel = row_id(&doc, "/admin/channels/", "新能源汽车");
    let r = s
        .post(
            &format!("/admin/channels/{channel}"),
            &[("name", "电动汽车"), ("slug", "ev"), ("position", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let hits = search_titles(&app, "q=加氢站&channel=ev").await;
    assert_eq!(
        hits,
        [("加氢站网络建设提速".to_string(), "电动汽车".to_string())]
    );
    // The old slug names no channel any more.
    let r = app.get("/api/v1/search?q=加氢站&channel=nev").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let r = s.post(&format!("/admin/tags/{tag}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        !ours(&search_titles(&app, "q=样板").await),
        "a deleted tag finds nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn paging_through_a_filtered_article_list_keeps_the_filter() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let s = login(&app, "chief").await;
    // One page holds 30; the demo articles are published, so only these are drafts.
    for i in 0..31 {
        s.create(&format!("分页草稿{i}"), "草稿正文。", "draft")
            .await;
    }
    let (status, doc) = s.page("/admin/articles?status=draft&q=").await;
    assert_eq!(status, StatusCode::OK);
    let next = attr(&doc, "a[rel=next]", "href").expect("a second page");
    assert_eq!(next, "/admin/articles?status=draft&page=2");
    let (status, second) = s.page(&next).await;
    assert_eq!(status, StatusCode::OK);
    let titles = texts(&second, ".admin-row .row-title");
    assert_eq!(titles.len(), 1, "{titles:?}");
    assert!(titles[0].contains("分页草稿"), "{titles:?}");
    let prev = attr(&second, "a[rel=prev]", "href").unwrap();
    assert_eq!(prev, "/admin/articles?status=draft");
    app.stop().await;
}

#[tokio::test]
async fn a_cover_image_shows_above_the_text_and_in_share_previews() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let s = login(&app, "chief").await;
    let reader = &app;
    let publish = |title: &'static str, cover: &'static str| {
        let s = &s;
        async move {
            let r = s
                .post(
                    "/admin/articles",
                    &[
                        ("title", title),
                        ("channel", "nev"),
                        ("body", "正文。"),
                        ("cover_image", cover),
                        ("action", "publish"),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            let id: i64 = r.headers()[LOCATION]
                .to_str()
                .unwrap()
                .trim_start_matches("/admin/articles/")
                .split('?')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let url = public_url(s, id).await.unwrap();
            reader.page(&url).await.1
        }
    };
    let doc = publish("带封面的文章", "/static/share.png").await;
    assert_eq!(
        attr(&doc, "figure.article-cover img", "src").as_deref(),
        Some("/static/share.png")
    );
    let og = attr(&doc, "meta[property='og:image']", "content").unwrap();
    assert!(
        og.starts_with("http") && og.ends_with("/static/share.png"),
        "{og}"
    );

    // Only web addresses are shown; anything else is left out rather than put in a src.
    let doc = publish("封面地址有误", "javascript:alert(1)").await;
    assert!(attr(&doc, "figure.article-cover img", "src").is_none());
    assert!(!doc.html().contains("javascript:alert"));
    app.stop().await;
}
