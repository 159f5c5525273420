//! Review (三审) and revisions over HTTP: roles enforced in the admin and the API alike, submit →
//! send back with a comment → resubmit → approve, the review queue, a published article's staged
//! edit that stays private until 更新发布, the history page's diff, and restore.

use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use scraper::Html;

use crate::newsroom::{PASSWORD, add_user};
use crate::support::{TestApp, attr, cookie_value, texts};

/// A signed-in browser.
struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

async fn sign_in<'a>(app: &'a TestApp, name: &str) -> Browser<'a> {
    let page = app.get("/admin/login").await;
    let login_csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    let r = app
        .client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={login_csrf}"))
        .form(&[
            ("name", name),
            ("password", PASSWORD),
            ("_csrf", &login_csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name} signs in");
    let token = cookie_value(&r, "newsdesk_session").unwrap();
    let mut b = Browser {
        app,
        cookie: format!("newsdesk_session={token}"),
        csrf: String::new(),
    };
    let (_, doc) = b.page("/admin/articles").await;
    b.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    b
}

impl Browser<'_> {
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
        let mut form = fields.to_vec();
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

    /// Creates an article with `action`; returns the response.
    async fn create(&self, title: &str, body: &str, action: &str) -> reqwest::Response {
        self.post(
            "/admin/articles",
            &[
                ("title", title),
                ("channel", "nev"),
                ("body", body),
                ("action", action),
            ],
        )
        .await
    }

    async fn version(&self, id: i64) -> String {
        let (_, doc) = self.page(&format!("/admin/articles/{id}")).await;
        attr(&doc, "#article-form input[name=version]", "value").unwrap()
    }

    async fn status_text(&self, id: i64) -> String {
        let (_, doc) = self.page(&format!("/admin/articles/{id}")).await;
        texts(&doc, "h1 .status")[0].clone()
    }

    async fn token(&self) -> String {
        let r = self.post("/admin/tokens", &[("name", "测试")]).await;
        let doc = Html::parse_document(&r.text().await.unwrap());
        format!("Bearer {}", texts(&doc, "#new-token")[0])
    }
}

fn id_of(r: &reqwest::Response) -> i64 {
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

async fn set_review_required(admin: &Browser<'_>, on: bool) {
    let mut form = vec![
        ("site_name", "审核测试站"),
        ("base_url", "http://127.0.0.1:8080"),
    ];
    if on {
        form.push(("review_required", "1"));
    }
    let r = admin.post("/admin/settings", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn h1_of_public(app: &TestApp, id: i64, admin: &Browser<'_>) -> Option<String> {
    let (_, doc) = admin.page(&format!("/admin/articles/{id}")).await;
    let url = texts(&doc, ".page-head a.button")
        .iter()
        .any(|t| t == "查看公开页面")
        .then(|| attr(&doc, ".page-head a[target=_blank]", "href").unwrap())?;
    let (status, page) = app.page(&url).await;
    (status == StatusCode::OK).then(|| texts(&page, "h1")[0].clone())
}

#[tokio::test]
async fn review_roles_are_enforced_in_the_admin_and_the_api() {
    let app = TestApp::start().await;
    add_user(&app, "tou", Role::Contributor).await;
    add_user(&app, "bian", Role::Editor).await;
    add_user(&app, "zhu", Role::Chief).await;
    add_user(&app, "guan", Role::Admin).await;
    let contributor = sign_in(&app, "tou").await;
    let editor = sign_in(&app, "bian").await;
    let chief = sign_in(&app, "zhu").await;
    let admin = sign_in(&app, "guan").await;

    // Review off: an editor publishes, a contributor never does.
    let r = editor.create("编辑直接发布", "正文。", "publish").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = contributor
        .create("投稿人想直接发布", "正文。", "publish")
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(
        texts(&doc, ".error p")[0].contains("提交审核"),
        "a Chinese reason"
    );
    assert_eq!(
        attr(&doc, "input[name=title]", "value").as_deref(),
        Some("投稿人想直接发布"),
        "what was typed is kept"
    );

    // A contributor changes and submits only their own articles.
    let r = editor.create("编辑的草稿", "编辑写的。", "save").await;
    let theirs = id_of(&r);
    let v = contributor.version(theirs).await;
    let r = contributor
        .post(
            &format!("/admin/articles/{theirs}"),
            &[
                ("title", "投稿人改别人的稿"),
                ("channel", "nev"),
                ("body", "改了。"),
                ("version", &v),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("自己写的稿件"));
    let r = contributor
        .post(
            &format!("/admin/articles/{theirs}/submit"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(editor.status_text(theirs).await, "草稿");

    set_review_required(&admin, true).await;
    let (_, settings) = admin.page("/admin/settings").await;
    assert!(attr(&settings, "input[name=review_required]", "checked").is_some());

    // submit → send back with a comment → resubmit → approve.
    let r = contributor
        .create("投稿：储能电站并网", "第一稿。", "save")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_of(&r);
    let (_, doc) = contributor.page(&format!("/admin/articles/{id}")).await;
    assert!(
        texts(&doc, "button[value=publish]").is_empty(),
        "no publish button for a contributor"
    );
    let v = contributor.version(id).await;
    let r = contributor
        .post(&format!("/admin/articles/{id}/publish"), &[("version", &v)])
        .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "refused on the server too"
    );
    let r = contributor
        .post(&format!("/admin/articles/{id}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(contributor.status_text(id).await, "待审");
    let (_, queue) = chief.page("/admin/review").await;
    assert!(texts(&queue, ".row-title").contains(&"投稿：储能电站并网".to_string()));

    // An editor cannot approve while review is required, nor can a contributor send back.
    let v = editor.version(id).await;
    let r = editor
        .post(&format!("/admin/articles/{id}/publish"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("三审"));
    let r = contributor
        .post(
            &format!("/admin/articles/{id}/return"),
            &[("version", &v), ("comment", "自己退回")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = editor
        .post(
            &format!("/admin/articles/{id}/return"),
            &[("version", &v), ("comment", " ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a comment is required");
    let r = editor
        .post(
            &format!("/admin/articles/{id}/return"),
            &[("version", &v), ("comment", "请补充装机容量的数据来源")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(contributor.status_text(id).await, "退回修改");
    let (_, doc) = contributor.page(&format!("/admin/articles/{id}")).await;
    assert!(texts(&doc, ".review-comment")[0].contains("请补充装机容量的数据来源"));

    let v = contributor.version(id).await;
    let r = contributor
        .post(
            &format!("/admin/articles/{id}"),
            &[
                ("title", "投稿：储能电站并网"),
                ("channel", "nev"),
                ("body", "第二稿，数据来自国家能源局。"),
                ("version", &v),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = contributor.version(id).await;
    let r = contributor
        .post(&format!("/admin/articles/{id}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        h1_of_public(&app, id, &chief).await.is_none(),
        "待审 is not public"
    );
    let v = chief.version(id).await;
    let r = chief
        .post(&format!("/admin/articles/{id}/publish"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        h1_of_public(&app, id, &chief).await.as_deref(),
        Some("投稿：储能电站并网")
    );
    let (_, doc) = chief.page(&format!("/admin/articles/{id}")).await;
    assert!(
        texts(&doc, ".review-comment").is_empty(),
        "approval clears the comment"
    );

    // The API is held to the same rules, with JSON errors.
    let token = contributor.token().await;
    let api = |method: &str, path: &str, auth: &str| {
        app.client
            .request(method.parse().unwrap(), app.url(path))
            .header("authorization", auth.to_string())
    };
    let r = api("POST", "/api/v1/articles", &token)
        .json(&serde_json::json!({"title": "接口投稿", "channel": "nev", "body": "接口正文。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: serde_json::Value = r.json().await.unwrap();
    let api_id = a["id"].as_i64().unwrap();
    let r = api(
        "POST",
        &format!("/api/v1/articles/{api_id}/publish"),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("主编"), "{e}");
    let r = api("POST", &format!("/api/v1/articles/{api_id}/submit"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["status"],
        "pending"
    );
    let editor_token = editor.token().await;
    let r = api(
        "POST",
        &format!("/api/v1/articles/{api_id}/publish"),
        &editor_token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "editors do not approve under 三审"
    );
    let r = api(
        "POST",
        &format!("/api/v1/articles/{api_id}/return"),
        &editor_token,
    )
    .json(&serde_json::json!({"comment": "标题太短"}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["status"], "returned");
    assert_eq!(a["review_comment"], "标题太短");
    api("POST", &format!("/api/v1/articles/{api_id}/submit"), &token)
        .send()
        .await
        .unwrap();
    let chief_token = chief.token().await;
    let r = api(
        "POST",
        &format!("/api/v1/articles/{api_id}/publish"),
        &chief_token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["status"], "published");
    assert_eq!(
        app.get(a["url"].as_str().unwrap()).await.status(),
        StatusCode::OK
    );

    // Each step is one audit line.
    let (_, audit) = admin.page("/admin/audit").await;
    let actions = texts(&audit, "tbody tr td:nth-child(3)");
    for a in ["提交审核", "退回", "发布"] {
        assert!(
            actions.contains(&a.to_string()),
            "{a} missing from {actions:?}"
        );
    }

    // A scheduled article goes out by itself, so changing it is publishing.
    let r = chief
        .post(
            "/admin/articles",
            &[
                ("title", "定时稿件"),
                ("channel", "nev"),
                ("body", "定时正文。"),
                ("action", "schedule"),
                ("publish_at", "2099-01-01T10:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let scheduled = id_of(&r);
    let v = editor.version(scheduled).await;
    let r = editor
        .post(
            &format!("/admin/articles/{scheduled}"),
            &[
                ("title", "编辑改了定时稿件"),
                ("channel", "nev"),
                ("body", "未经审核的正文。"),
                ("version", &v),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, doc) = chief.page(&format!("/admin/articles/{scheduled}")).await;
    assert_eq!(
        attr(&doc, "input[name=title]", "value").as_deref(),
        Some("定时稿件")
    );
}

#[tokio::test]
async fn a_published_edit_waits_for_update_publish_and_any_revision_can_be_restored() {
    let app = TestApp::start().await;
    add_user(&app, "guan", Role::Admin).await;
    let admin = sign_in(&app, "guan").await;
    let r = admin
        .create(
            "原来的标题",
            "第一段。\n\n第二段原文。\n\n第三段。",
            "publish",
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_of(&r);
    assert_eq!(
        h1_of_public(&app, id, &admin).await.as_deref(),
        Some("原来的标题")
    );

    // 保存 on a published article stages the edit.
    let v = admin.version(id).await;
    let r = admin
        .post(
            &format!("/admin/articles/{id}"),
            &[
                ("title", "修改后的标题"),
                ("channel", "nev"),
                ("body", "第一段。\n\n第二段新文。\n\n第三段。"),
                ("version", &v),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=staged")
    );
    assert_eq!(
        h1_of_public(&app, id, &admin).await.as_deref(),
        Some("原来的标题"),
        "the public page is unchanged until 更新发布"
    );
    let (_, found) = app.page("/search?q=修改后的标题").await;
    assert!(!found.html().contains(&format!("/admin/articles/{id}")));
    let (_, doc) = admin.page(&format!("/admin/articles/{id}")).await;
    assert_eq!(
        attr(&doc, "input[name=title]", "value").as_deref(),
        Some("修改后的标题"),
        "the editor opens the staged edit"
    );
    assert!(!texts(&doc, ".staged-note").is_empty());
    let (_, queue) = admin.page("/admin/review").await;
    assert_eq!(texts(&queue, ".row-title"), vec!["原来的标题"]);

    // The history shows both revisions and what changed, word by word.
    let (status, history) = admin.page(&format!("/admin/articles/{id}/revisions")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&history, ".revisions tbody tr").len(), 2);
    assert!(
        texts(&history, ".diff-delete del")
            .iter()
            .any(|t| t.contains("原"))
    );
    assert!(
        texts(&history, ".diff-insert ins")
            .iter()
            .any(|t| t.contains("新"))
    );
    assert!(
        texts(&history, ".diff-equal")
            .iter()
            .all(|t| !t.contains("第二段")),
        "the changed line is not shown as unchanged"
    );

    // 更新发布.
    let v = admin.version(id).await;
    let r = admin
        .post(&format!("/admin/articles/{id}/publish"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        h1_of_public(&app, id, &admin).await.as_deref(),
        Some("修改后的标题")
    );
    let (_, queue) = admin.page("/admin/review").await;
    assert!(texts(&queue, ".row-title").is_empty());

    // Restoring revision 1 of a published article is staged too; 更新发布 makes it live.
    let v = admin.version(id).await;
    let r = admin
        .post(
            &format!("/admin/articles/{id}/revisions/1/restore"),
            &[("version", &v)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        h1_of_public(&app, id, &admin).await.as_deref(),
        Some("修改后的标题")
    );
    let v = admin.version(id).await;
    admin
        .post(&format!("/admin/articles/{id}/publish"), &[("version", &v)])
        .await;
    assert_eq!(
        h1_of_public(&app, id, &admin).await.as_deref(),
        Some("原来的标题")
    );
    let (_, page) = app
        .page(&format!("/articles/{}", {
            let (_, doc) = admin.page(&format!("/admin/articles/{id}")).await;
            attr(&doc, "input[name=slug]", "value").unwrap()
        }))
        .await;
    assert!(page.html().contains("第二段原文"));
    let r = admin
        .post(
            &format!("/admin/articles/{id}/revisions/99/restore"),
            &[("version", &admin.version(id).await)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The API: a PUT on a published article is staged and reported; publish makes it live.
    let token = admin.token().await;
    let get: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/articles/{id}")))
        .header("authorization", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .put(app.url(&format!("/api/v1/articles/{id}")))
        .header("authorization", &token)
        .json(&serde_json::json!({
            "title": "接口修改的标题", "channel": "nev", "body": "接口正文。",
            "version": get["version"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["title"], "原来的标题", "the public fields are unchanged");
    assert!(a["pending_revision"].as_i64().is_some());
    assert_eq!(
        h1_of_public(&app, id, &admin).await.as_deref(),
        Some("原来的标题")
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/articles/{id}/publish")))
        .header("authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["title"], "接口修改的标题");
    assert!(a["pending_revision"].is_null());
    let revisions: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/articles/{id}/revisions")))
        .header("authorization", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = revisions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "published",
            "pending",
            "published",
            "restore",
            "published",
            "pending",
            "published"
        ]
    );
}
