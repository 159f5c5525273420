//! The editors' desk over HTTP (issue 13): 推荐/置顶/头条 flags and SEO fields (admin, API, the
//! public page's `<title>` and meta tags), back-dating in the admin and the API, default 作者/来源
//! per site and per user, bulk actions (each audited), the list's order and 浏览量, and forms
//! that come back with the error beside the field and what was typed.

use newsdesk::domain::{ArticleFlag, PageRequest, Role};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use scraper::Html;
use serde_json::{Value, json};

use crate::newsroom::{PASSWORD, add_user};
use crate::support::{TestApp, attr, cookie_value, texts};

/// A signed-in browser.
struct Desk<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

async fn sign_in<'a>(app: &'a TestApp, name: &str) -> Desk<'a> {
    let page = app.get("/admin/login").await;
    let login_csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    let doc = Html::parse_document(&page.text().await.unwrap());
    let csrf = attr(&doc, "input[name=_csrf]", "value").unwrap();
    let r = app
        .client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={login_csrf}"))
        .form(&[
            ("name", name),
            ("password", PASSWORD),
            ("_csrf", &csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = cookie_value(&r, "newsdesk_session").unwrap();
    let mut d = Desk {
        app,
        cookie: format!("newsdesk_session={token}"),
        csrf: String::new(),
    };
    let (_, doc) = d.page("/admin/articles").await;
    d.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    d
}

impl Desk<'_> {
    async fn page(&self, path: &str) -> (StatusCode, Html) {
        let r = self
            .app
            .client
            .get(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, Html::parse_document(&r.text().await.unwrap()))
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
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

    /// Posts and parses the page that comes back (a refused form).
    async fn post_page(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Html) {
        let r = self.post(path, fields).await;
        let status = r.status();
        (status, Html::parse_document(&r.text().await.unwrap()))
    }

    /// Creates an article from the editor; returns its id.
    async fn create(&self, fields: &[(&str, &str)]) -> i64 {
        let mut all: Vec<(&str, &str)> = [("channel", "nev"), ("body", "正文第一段。")]
            .into_iter()
            .filter(|(k, _)| !fields.iter().any(|(f, _)| f == k))
            .collect();
        all.extend_from_slice(fields);
        let r = self.post("/admin/articles", &all).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .trim_start_matches("/admin/articles/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

async fn api_token(app: &TestApp, name: &str) -> String {
    let store = crate::support::open_store_at(app.data_path()).await;
    let user = newsdesk::auth::create_user(store.as_ref(), name, Role::Editor, PASSWORD)
        .await
        .unwrap();
    newsdesk::auth::create_api_token(store.as_ref(), &user, "desk")
        .await
        .unwrap()
        .1
}

async fn api(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .header("authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The text of the `.field-error` right after the control named `name` (within its form).
fn error_beside(doc: &Html, name: &str) -> String {
    let control = format!("[name={name}][aria-invalid=true]");
    assert!(
        attr(doc, &control, "name").is_some(),
        "{name} is not marked invalid"
    );
    let id = attr(doc, &control, "aria-describedby").unwrap();
    texts(doc, &format!("#{id}")).join(" ")
}

#[tokio::test]
async fn flags_and_seo_fields_are_kept_in_admin_and_api_and_shape_the_public_page() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let d = sign_in(&app, "chief").await;
    let id = d
        .create(&[
            ("title", "储能电站并网"),
            ("tags", "储能，并网"),
            ("headline", "1"),
            ("featured", "1"),
            ("seo_title", "储能电站并网运行｜专题"),
            ("seo_keywords", "储能,电站,并网"),
            ("seo_description", "一座储能电站并网运行的经过。"),
            ("action", "publish"),
        ])
        .await;
    // The editor shows them as saved.
    let (_, doc) = d.page(&format!("/admin/articles/{id}")).await;
    assert!(attr(&doc, "input[name=headline][checked]", "name").is_some());
    assert!(attr(&doc, "input[name=featured][checked]", "name").is_some());
    assert!(attr(&doc, "input[name=pinned][checked]", "name").is_none());
    assert_eq!(
        attr(&doc, "input[name=seo_title]", "value").as_deref(),
        Some("储能电站并网运行｜专题")
    );
    // The public page's <title>, description and keywords.
    let token = api_token(&app, "robot").await;
    let (_, a) = api(&app, &token, "GET", &format!("/api/v1/articles/{id}"), None).await;
    let url = a["url"].as_str().unwrap().to_string();
    let (status, page) = app.page(&url).await;
    assert_eq!(status, StatusCode::OK);
    let title = texts(&page, "title").join("");
    assert!(title.starts_with("储能电站并网运行｜专题 - "), "{title}");
    assert_eq!(
        attr(&page, "meta[name=description]", "content").as_deref(),
        Some("一座储能电站并网运行的经过。")
    );
    assert_eq!(
        attr(&page, "meta[name=keywords]", "content").as_deref(),
        Some("储能,电站,并网")
    );
    // The API reads them and changes only what it names.
    assert_eq!(a["headline"], true);
    assert_eq!(a["featured"], true);
    assert_eq!(a["pinned"], false);
    assert_eq!(a["seo_keywords"], "储能,电站,并网");
    let (status, b) = api(
        &app,
        &token,
        "PUT",
        &format!("/api/v1/articles/{id}"),
        Some(
            json!({"title": "储能电站并网", "channel": "nev", "body": "正文第一段。",
            "version": a["version"], "pinned": true, "headline": false, "seo_title": ""}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(
        (
            b["headline"].clone(),
            b["featured"].clone(),
            b["pinned"].clone()
        ),
        (json!(false), json!(true), json!(true))
    );
    assert_eq!(b["seo_description"], "一座储能电站并网运行的经过。");
    // Without an SEO title the headline is the <title> again, at once (the page cache moves on).
    let (_, page) = app.page(&url).await;
    let title = texts(&page, "title").join("");
    assert!(title.starts_with("储能电站并网 - "), "{title}");
    // The home page's queries: latest published with a flag.
    let store = crate::support::open_store_at(app.data_path()).await;
    let featured = store
        .latest_flagged(ArticleFlag::Featured, 5)
        .await
        .unwrap();
    // Newest first: this one, then the demo's 推荐 articles (published in 2024).
    assert_eq!(featured.first().map(|s| s.id), Some(id), "{featured:?}");
    assert!(
        store
            .latest_flagged(ArticleFlag::Headline, 5)
            .await
            .unwrap()
            .iter()
            .all(|s| s.id != id)
    );
    // A draft with a flag is not on the home page.
    let draft = d.create(&[("title", "草稿置顶"), ("pinned", "1")]).await;
    let pinned = store.latest_flagged(ArticleFlag::Pinned, 5).await.unwrap();
    assert!(pinned.iter().all(|s| s.id != draft), "{pinned:?}");
    // The API list carries flags and 浏览量.
    let (_, list) = api(
        &app,
        &token,
        "GET",
        "/api/v1/articles?status=published",
        None,
    )
    .await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
        .clone();
    assert!(item["views"].is_i64(), "{item}");
    assert_eq!(item["flags"], json!(["featured", "pinned"]));
}

#[tokio::test]
async fn a_past_publish_time_is_kept_by_the_api_and_the_admin() {
    let app = TestApp::start().await;
    let token = api_token(&app, "robot").await;
    let (_, a) = api(
        &app,
        &token,
        "POST",
        "/api/v1/articles",
        Some(json!({"title": "旧闻迁移", "channel": "nev", "body": "二〇二三年的报道。"})),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    // Regression: this published with the current time, silently.
    let (status, p) = api(
        &app,
        &token,
        "POST",
        &format!("/api/v1/articles/{id}/publish"),
        Some(json!({"publish_at": "2023-01-01T02:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "published");
    assert_eq!(p["published_at"], "2023-01-01T02:00:00Z");
    let (status, page) = app.page(p["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let shown = texts(&page, ".article-meta time").join("");
    assert!(shown.contains("2023"), "{shown}");
    // A save keeps it.
    let (_, saved) = api(
        &app,
        &token,
        "PUT",
        &format!("/api/v1/articles/{id}"),
        Some(
            json!({"title": "旧闻迁移（更正）", "channel": "nev", "body": "二〇二三年的报道。",
            "version": p["version"]}),
        ),
    )
    .await;
    assert_eq!(saved["published_at"], "2023-01-01T02:00:00Z");

    // The admin: "按此时间发布" with a past time publishes back-dated (the site is in Asia/Shanghai).
    add_user(&app, "chief", Role::Admin).await;
    let d = sign_in(&app, "chief").await;
    let id2 = d
        .create(&[
            ("title", "二〇二〇年的通知"),
            ("action", "schedule"),
            ("publish_at", "2020-05-06T08:00"),
        ])
        .await;
    let (_, b) = api(
        &app,
        &token,
        "GET",
        &format!("/api/v1/articles/{id2}"),
        None,
    )
    .await;
    assert_eq!(b["status"], "published");
    assert_eq!(b["published_at"], "2020-05-06T00:00:00Z");
    // The editor shows the kept time, and saving leaves it alone.
    let (_, doc) = d.page(&format!("/admin/articles/{id2}")).await;
    assert_eq!(
        attr(&doc, "input[name=publish_at]", "value").as_deref(),
        Some("2020-05-06T08:00")
    );
    let version = attr(&doc, "input[name=version]", "value").unwrap();
    let r = d
        .post(
            &format!("/admin/articles/{id2}"),
            &[
                ("title", "二〇二〇年的通知"),
                ("channel", "nev"),
                ("body", "正文。"),
                ("version", &version),
                ("action", "publish"),
                ("publish_at", "2020-05-06T08:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, b) = api(
        &app,
        &token,
        "GET",
        &format!("/api/v1/articles/{id2}"),
        None,
    )
    .await;
    assert_eq!(b["published_at"], "2020-05-06T00:00:00Z");
    // The audit log says what was done.
    let store = crate::support::open_store_at(app.data_path()).await;
    let audit = store
        .list_audit(
            Some(id2),
            PageRequest {
                page: 1,
                per_page: 10,
            },
        )
        .await
        .unwrap();
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.action == "publish" && e.detail.contains("2020-05-06")),
        "{:?}",
        audit.items
    );
    // A future time still schedules.
    let (_, f) = api(
        &app,
        &token,
        "POST",
        &format!("/api/v1/articles/{id}/publish"),
        Some(json!({"publish_at": "2999-01-01T00:00:00Z", "version": saved["version"]})),
    )
    .await;
    assert_eq!(f["status"], "scheduled");
}

#[tokio::test]
async fn new_articles_take_the_users_default_byline_then_the_sites() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let d = sign_in(&app, "chief").await;
    let (_, settings) = d.page("/admin/settings").await;
    let value = |n: &str| attr(&settings, &format!("[name={n}]"), "value").unwrap_or_default();
    let r = d
        .post(
            "/admin/settings",
            &[
                ("site_name", &value("site_name")),
                ("base_url", &value("base_url")),
                ("timezone", "Asia/Shanghai"),
                ("default_author", "本站记者"),
                ("default_source", "新能源日报"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, doc) = d.page("/admin/articles/new").await;
    assert_eq!(
        attr(&doc, "input[name=author]", "value").as_deref(),
        Some("本站记者")
    );
    assert_eq!(
        attr(&doc, "input[name=source]", "value").as_deref(),
        Some("新能源日报")
    );
    // A user's own default wins over the site's; the other field still falls back.
    let store = crate::support::open_store_at(app.data_path()).await;
    let chief = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "chief")
        .unwrap();
    let (_, users) = d.page("/admin/users").await;
    let me = format!("/admin/users/{}/defaults", chief.id);
    assert!(attr(&users, &format!("form[action=\"{me}\"]"), "class").is_some());
    let r = d
        .post(&me, &[("default_author", "王记者"), ("default_source", "")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, doc) = d.page("/admin/articles/new").await;
    assert_eq!(
        attr(&doc, "input[name=author]", "value").as_deref(),
        Some("王记者")
    );
    assert_eq!(
        attr(&doc, "input[name=source]", "value").as_deref(),
        Some("新能源日报")
    );
    // The API: an absent 作者/来源 takes the defaults; an explicit one is kept.
    let token = api_token(&app, "robot").await;
    let (_, a) = api(
        &app,
        &token,
        "POST",
        "/api/v1/articles",
        Some(json!({"title": "默认署名", "channel": "nev", "body": "正文。"})),
    )
    .await;
    assert_eq!(
        (a["author"].clone(), a["source"].clone()),
        (json!("本站记者"), json!("新能源日报"))
    );
    let (_, a) = api(
        &app,
        &token,
        "POST",
        "/api/v1/articles",
        Some(json!({"title": "自带署名", "channel": "nev", "body": "正文。", "author": "赵六"})),
    )
    .await;
    assert_eq!(a["author"], "赵六");
}

#[tokio::test]
async fn bulk_actions_change_each_ticked_article_and_audit_each() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let d = sign_in(&app, "chief").await;
    let mut ids = Vec::new();
    for t in ["批量一", "批量二", "批量三"] {
        ids.push(d.create(&[("title", t)]).await);
    }
    let [a, b, c] = [ids[0].to_string(), ids[1].to_string(), ids[2].to_string()];
    let token = api_token(&app, "robot").await;
    let status_of = |id: i64| {
        let (app, token) = (&app, &token);
        async move {
            api(app, token, "GET", &format!("/api/v1/articles/{id}"), None)
                .await
                .1
        }
    };
    // The list offers the form, a checkbox per row.
    let (_, list) = d.page("/admin/articles").await;
    assert!(attr(&list, "form#bulk", "action").is_some());
    assert!(attr(&list, &format!("input[form=bulk][value=\"{a}\"]"), "name").is_some());

    let back = "/admin/articles?status=draft";
    let r = d
        .post(
            "/admin/articles/bulk",
            &[
                ("id", &a),
                ("id", &b),
                ("action", "publish"),
                ("back", back),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[LOCATION],
        "/admin/articles?status=draft&notice=bulk_done"
    );
    assert_eq!(status_of(ids[0]).await["status"], "published");
    assert_eq!(status_of(ids[1]).await["status"], "published");
    assert_eq!(status_of(ids[2]).await["status"], "draft");

    let r = d
        .post(
            "/admin/articles/bulk",
            &[
                ("id", &a),
                ("id", &c),
                ("action", "move"),
                ("channel", "solar"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(ids[0]).await["channel"], "solar");
    assert_eq!(status_of(ids[2]).await["channel"], "solar");
    // The moved, published article is found under its new channel.
    let (_, channel_page) = app.page("/channels/solar").await;
    assert!(texts(&channel_page, "main").join(" ").contains("批量一"));

    let r = d
        .post(
            "/admin/articles/bulk",
            &[
                ("id", &a),
                ("id", &b),
                ("id", &c),
                ("action", "tag"),
                ("tag", "批量标签"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for id in &ids {
        let tags = status_of(*id).await["tags"].clone();
        assert!(
            tags.as_array().unwrap().contains(&json!("批量标签")),
            "{tags}"
        );
    }

    let r = d
        .post(
            "/admin/articles/bulk",
            &[("id", &a), ("id", &c), ("action", "withdraw")],
        )
        .await;
    assert_eq!(
        r.headers()[LOCATION],
        "/admin/articles?notice=bulk_partly",
        "c was a draft"
    );
    assert_eq!(status_of(ids[0]).await["status"], "draft");

    let r = d
        .post(
            "/admin/articles/bulk",
            &[("id", &b), ("id", &c), ("action", "trash")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(status_of(ids[1]).await["deleted_at"].is_string());
    assert!(status_of(ids[2]).await["deleted_at"].is_string());

    // Each change is one audit line on its article.
    let store = crate::support::open_store_at(app.data_path()).await;
    let actions = |id: i64| {
        let store = store.clone();
        async move {
            store
                .list_audit(
                    Some(id),
                    PageRequest {
                        page: 1,
                        per_page: 50,
                    },
                )
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|e| format!("{} {}", e.action, e.detail))
                .collect::<Vec<_>>()
        }
    };
    let a_log = actions(ids[0]).await;
    for wanted in [
        "publish",
        "update 批量移到栏目 solar",
        "update 批量添加标签 批量标签",
        "unpublish",
    ] {
        assert!(
            a_log.iter().any(|l| l.trim() == wanted),
            "{wanted} in {a_log:?}"
        );
    }
    let c_log = actions(ids[2]).await;
    assert!(c_log.iter().any(|l| l.trim() == "trash"), "{c_log:?}");
    assert!(
        !c_log.iter().any(|l| l.starts_with("unpublish")),
        "{c_log:?}"
    );

    // Refusals come back on the list with the message: nothing ticked, an unknown channel.
    let (status, doc) = d
        .post_page("/admin/articles/bulk", &[("action", "publish")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(texts(&doc, ".error").join("").contains("请先勾选"));
    let (status, doc) = d
        .post_page(
            "/admin/articles/bulk",
            &[("id", &a), ("action", "move"), ("channel", "nowhere")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(texts(&doc, ".error").join("").contains("nowhere"));
    // `back` never leaves the list.
    let r = d
        .post(
            "/admin/articles/bulk",
            &[
                ("id", &a),
                ("action", "publish"),
                ("back", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.headers()[LOCATION], "/admin/articles?notice=bulk_done");
}

#[tokio::test]
async fn the_list_is_newest_published_first_and_sorts_by_any_column() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let d = sign_in(&app, "chief").await;
    // Made in one order, published (back-dated) in another, views apart.
    let titles = [
        ("排序测试乙", "2021-06-01T10:00"),
        ("排序测试甲", "2022-06-01T10:00"),
        ("排序测试丙", "2020-06-01T10:00"),
    ];
    for (t, at) in titles {
        d.create(&[
            ("title", t),
            ("channel", "storage"),
            ("action", "schedule"),
            ("publish_at", at),
        ])
        .await;
    }
    let order = |doc: &Html| texts(doc, ".admin-row .row-title");
    let (_, doc) = d.page("/admin/articles?channel=storage&q=排序测试").await;
    assert_eq!(order(&doc)[..3], ["排序测试甲", "排序测试乙", "排序测试丙"]);
    let (_, doc) = d
        .page("/admin/articles?channel=storage&q=排序测试&sort=published")
        .await;
    assert_eq!(order(&doc)[..3], ["排序测试丙", "排序测试乙", "排序测试甲"]);
    // Every column has a header link; the current one is marked.
    let links = texts(&doc, ".sort-bar a");
    for label in [
        "标题",
        "作者",
        "栏目",
        "状态",
        "发布时间",
        "更新时间",
        "浏览量",
    ] {
        assert!(
            links.iter().any(|l| l.starts_with(label)),
            "{label} in {links:?}"
        );
    }
    assert_eq!(
        attr(&doc, ".sort-bar a[aria-current]", "data-sort").as_deref(),
        Some("ascending")
    );
    let (status, doc) = d
        .page("/admin/articles?channel=storage&q=排序测试&sort=-title")
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut by_title = order(&doc);
    let mut sorted = by_title.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(by_title, sorted);
    // 浏览量: counted views show in the column and sort it.
    let store = crate::support::open_store_at(app.data_path()).await;
    let page = store
        .list_articles_for_editing(
            &newsdesk::domain::ArticleFilter {
                channel: Some("storage".into()),
                query: Some("排序测试".into()),
                ..Default::default()
            },
            PageRequest {
                page: 1,
                per_page: 50,
            },
        )
        .await
        .unwrap();
    let most = page
        .items
        .iter()
        .find(|i| i.title == "排序测试丙")
        .unwrap()
        .id;
    store.add_views("2026-11-30", &[(most, 7)]).await.unwrap();
    let (_, doc) = d
        .page("/admin/articles?channel=storage&q=排序测试&sort=-views")
        .await;
    by_title = order(&doc);
    assert_eq!(by_title[0], "排序测试丙");
    assert!(
        texts(&doc, ".admin-row .views")
            .iter()
            .any(|v| v.contains('7'))
    );
    // An unknown column falls back to the default order rather than failing.
    let (status, _) = d.page("/admin/articles?sort=password_hash").await;
    assert_eq!(status, StatusCode::OK);
    // The API sorts too and names a bad column.
    let token = api_token(&app, "robot").await;
    let (_, list) = api(
        &app,
        &token,
        "GET",
        "/api/v1/articles?q=排序测试&sort=-views",
        None,
    )
    .await;
    assert_eq!(list["items"][0]["title"], "排序测试丙");
    let (status, e) = api(&app, &token, "GET", "/api/v1/articles?sort=nope", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(e["error"].as_str().unwrap().contains("sort"), "{e}");
}

#[tokio::test]
async fn refused_forms_come_back_with_the_error_beside_the_field_and_the_input_kept() {
    let app = TestApp::start().await;
    add_user(&app, "chief", Role::Admin).await;
    let d = sign_in(&app, "chief").await;

    // The article editor.
    let long = "长".repeat(101);
    let (status, doc) = d
        .post_page(
            "/admin/articles",
            &[
                ("title", "保留我的标题"),
                ("channel", "nev"),
                ("body", "保留我的正文"),
                ("seo_title", &long),
                ("featured", "1"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_beside(&doc, "seo_title").contains("SEO 标题太长"));
    assert_eq!(
        attr(&doc, "input[name=title]", "value").as_deref(),
        Some("保留我的标题")
    );
    assert_eq!(texts(&doc, "textarea[name=body]").join(""), "保留我的正文");
    assert!(attr(&doc, "input[name=featured][checked]", "name").is_some());
    let (status, doc) = d
        .post_page(
            "/admin/articles",
            &[
                ("title", "时间写错"),
                ("channel", "nev"),
                ("body", "正文"),
                ("action", "schedule"),
                ("publish_at", "明天上午"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_beside(&doc, "publish_at").contains("明天上午"));
    assert_eq!(
        attr(&doc, "input[name=publish_at]", "value").as_deref(),
        Some("明天上午")
    );

    // Settings: a time zone outside the list; everything typed comes back.
    let (_, settings) = d.page("/admin/settings").await;
    assert!(attr(&settings, "select[name=timezone] option[selected]", "value").is_none());
    assert_eq!(
        texts(&settings, "select[name=timezone] option[selected]").join(""),
        "Asia/Shanghai"
    );
    assert!(texts(&settings, "select[name=timezone] option").len() > 300);
    let (status, doc) = d
        .post_page(
            "/admin/settings",
            &[
                ("site_name", "改过的站名"),
                ("base_url", "https://news.example.cn"),
                ("timezone", "Mars/Olympus"),
                ("icp_number", "京ICP备12345678号"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "timezone").contains("Mars/Olympus"));
    assert_eq!(
        attr(&doc, "input[name=site_name]", "value").as_deref(),
        Some("改过的站名")
    );
    assert_eq!(
        attr(&doc, "input[name=icp_number]", "value").as_deref(),
        Some("京ICP备12345678号")
    );
    let (status, doc) = d
        .post_page(
            "/admin/settings",
            &[("site_name", "站名"), ("base_url", "news.example.cn")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "base_url").contains("http"));
    // Nothing was saved.
    let (_, home) = app.page("/").await;
    assert!(!texts(&home, "title").join("").contains("改过的站名"));

    // Channels: a bad slug on create, a taken slug, and deleting one that has articles.
    let (status, doc) = d
        .post_page(
            "/admin/channels",
            &[
                ("name", "氢能新栏目"),
                ("slug", "Hydrogen Energy"),
                ("position", "3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "slug").contains("Hydrogen Energy"));
    assert_eq!(
        attr(&doc, "#new-channel input[name=name]", "value").as_deref(),
        Some("氢能新栏目")
    );
    assert_eq!(
        attr(&doc, "#new-channel input[name=position]", "value").as_deref(),
        Some("3")
    );
    let (status, doc) = d
        .post_page("/admin/channels", &[("name", "重名"), ("slug", "nev")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error_beside(&doc, "slug").contains("已存在"));
    let store = crate::support::open_store_at(app.data_path()).await;
    let nev = store
        .list_channels()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == "nev")
        .unwrap();
    let (status, doc) = d
        .post_page(&format!("/admin/channels/{}/delete", nev.id), &[])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let row = texts(&doc, &format!("#channel-{} .field-error", nev.id)).join("");
    assert!(row.contains("还有文章"), "{row}");
    assert!(
        store
            .list_channels()
            .await
            .unwrap()
            .iter()
            .any(|c| c.slug == "nev")
    );
    let (status, doc) = d
        .post_page(
            &format!("/admin/channels/{}", nev.id),
            &[("name", ""), ("slug", "nev"), ("position", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "name").contains("栏目名称"));
    assert_eq!(
        attr(
            &doc,
            &format!("#channel-{} input[name=position]", nev.id),
            "value"
        )
        .as_deref(),
        Some("x")
    );

    // Tags: an empty name.
    d.create(&[("title", "有标签的文章"), ("tags", "改名标签")])
        .await;
    let tags = store.list_tags().await.unwrap();
    let tag = tags.iter().find(|t| t.name == "改名标签").unwrap();
    let (status, doc) = d
        .post_page(&format!("/admin/tags/{}", tag.id), &[("name", "  ")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "name").contains("标签名称"));

    // Users: a bad name, a taken name, a short password (never echoed); a long default.
    let (status, doc) = d
        .post_page(
            "/admin/users",
            &[
                ("name", "张 三"),
                ("role", "admin"),
                ("password", "secret password 1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "name").contains("用户名"));
    assert_eq!(
        attr(&doc, "#new-user input[name=name]", "value").as_deref(),
        Some("张 三")
    );
    assert_eq!(texts(&doc, "#new-user option[selected]").join(""), "管理员");
    assert!(attr(&doc, "#new-user input[name=password]", "value").is_none());
    let (status, doc) = d
        .post_page("/admin/users", &[("name", "CHIEF"), ("role", "editor")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "name").contains("已被使用"));
    let (status, doc) = d
        .post_page(
            "/admin/users",
            &[
                ("name", "newbie"),
                ("role", "editor"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "password").contains("密码太短"));
    let me = store.list_users().await.unwrap()[0].id;
    let long_author = "作".repeat(51);
    let (status, doc) = d
        .post_page(
            &format!("/admin/users/{me}/defaults"),
            &[
                ("default_author", &long_author),
                ("default_source", "来源甲"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_beside(&doc, "default_author").contains("默认作者太长"));
    assert_eq!(
        attr(
            &doc,
            &format!("form[action=\"/admin/users/{me}/defaults\"] input[name=default_source]"),
            "value"
        )
        .as_deref(),
        Some("来源甲")
    );
}
