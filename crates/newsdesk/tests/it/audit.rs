//! Audit and account over HTTP (issue 13): every state-changing admin action, sign-in, failed
//! sign-in and sign-out is one audit line with the client's address (behind a trusted proxy); the
//! audit page filters and pages; changing one's password ends one's other sessions; ending a
//! session signs it out; views are kept per day and shown on the statistics page.

use std::time::{Duration, Instant};

use newsdesk::domain::{AuditAction, Role};
use newsdesk::store::AuditEvent;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use scraper::{Html, Selector};

use crate::newsroom::{PASSWORD, add_user, png};
use crate::support::{CRAWLER_UA, TestApp, article_link, attr, cookie_value, texts};

/// The address the test's "proxy" (127.0.0.1, trusted) forwards for.
const CLIENT: &str = "203.0.113.7";

async fn start() -> TestApp {
    TestApp::builder()
        .config(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .start()
        .await
}

/// A browser behind the trusted proxy at `ip`, signed in or not.
struct Browser<'a> {
    app: &'a TestApp,
    ip: String,
    user_agent: String,
    cookie: String,
    csrf: String,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp, ip: &str, user_agent: &str) -> Self {
        Self {
            app,
            ip: ip.to_string(),
            user_agent: user_agent.to_string(),
            cookie: String::new(),
            csrf: String::new(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .header("x-forwarded-for", &self.ip)
            .header("user-agent", &self.user_agent)
            .header(COOKIE, &self.cookie)
    }

    /// Posts the login form; returns the response.
    async fn try_login(&mut self, name: &str, password: &str) -> reqwest::Response {
        let page = self
            .request(reqwest::Method::GET, "/admin/login")
            .send()
            .await
            .unwrap();
        let csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
        let r = self
            .request(reqwest::Method::POST, "/admin/login")
            .header(COOKIE, format!("newsdesk_login_csrf={csrf}"))
            .form(&[
                ("name", name),
                ("password", password),
                ("_csrf", &csrf),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        if let Some(token) = cookie_value(&r, "newsdesk_session") {
            self.cookie = format!("newsdesk_session={token}");
            let (status, doc) = self.page("/admin/articles").await;
            assert_eq!(status, StatusCode::OK);
            self.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
        }
        r
    }

    async fn login(&mut self, name: &str, password: &str) {
        let r = self.try_login(name, password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {name}");
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> (StatusCode, Html) {
        let r = self.get(path).await;
        let status = r.status();
        (status, Html::parse_document(&r.text().await.unwrap()))
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &self.csrf));
        self.request(reqwest::Method::POST, path)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// POSTs and expects a redirect (303).
    async fn post_ok(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let r = self.post(path, fields).await;
        assert!(
            r.status() == StatusCode::SEE_OTHER || r.status() == StatusCode::OK,
            "{path}: {}",
            r.status()
        );
        r
    }

    /// Whether the session still opens admin pages.
    async fn signed_in(&self) -> bool {
        let r = self.get("/admin/articles").await;
        match r.status() {
            StatusCode::OK => true,
            StatusCode::SEE_OTHER => {
                assert!(
                    r.headers()[LOCATION]
                        .to_str()
                        .unwrap()
                        .starts_with("/admin/login")
                );
                false
            }
            other => panic!("unexpected {other}"),
        }
    }
}

/// One row of the audit page.
#[derive(Debug)]
struct Line {
    user: String,
    ip: String,
    action: String,
    subject: String,
    detail: String,
}

fn audit_lines(doc: &Html) -> Vec<Line> {
    let row = Selector::parse("table.audit tbody tr").unwrap();
    let cell = |r: scraper::ElementRef<'_>, class: &str| {
        let s = Selector::parse(&format!("td.{class}")).unwrap();
        r.select(&s)
            .next()
            .map(|c| c.text().collect::<String>().trim().to_string())
            .unwrap_or_default()
    };
    doc.select(&row)
        .map(|r| Line {
            user: cell(r, "audit-user"),
            ip: cell(r, "audit-ip"),
            action: cell(r, "audit-action"),
            subject: cell(r, "audit-subject"),
            detail: cell(r, "audit-detail"),
        })
        .collect()
}

fn find<'l>(lines: &'l [Line], action: &str, subject: &str) -> &'l Line {
    lines
        .iter()
        .find(|l| l.action == action && l.subject.contains(subject))
        .unwrap_or_else(|| panic!("no {action} line about {subject:?} in {lines:#?}"))
}

/// The id in the first `form[action^=prefix]` of the page whose action ends with `suffix`.
fn form_id(doc: &Html, prefix: &str, suffix: &str) -> i64 {
    let s = Selector::parse("form[action]").unwrap();
    doc.select(&s)
        .filter_map(|f| f.value().attr("action"))
        .filter_map(|a| a.strip_prefix(prefix))
        .filter_map(|a| a.strip_suffix(suffix))
        .find_map(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no form {prefix}…{suffix}"))
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----newsdesk-audit-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_action_is_one_audit_line_with_its_address() {
    let app = start().await;
    add_user(&app, "chief", Role::Admin).await;
    let mut admin = Browser::new(
        &app,
        CLIENT,
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    );

    // A refused sign-in is audited under the name typed.
    let r = admin.try_login("chief", "not the password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    admin.login("chief", PASSWORD).await;

    // Channels.
    admin
        .post_ok(
            "/admin/channels",
            &[
                ("name", "审计栏目"),
                ("slug", "audit-ch"),
                ("position", "9"),
            ],
        )
        .await;
    let (_, channels) = admin.page("/admin/channels").await;
    let channel_id = {
        let s = Selector::parse("form[action^='/admin/channels/']").unwrap();
        channels
            .select(&s)
            .find(|f| {
                f.select(&Selector::parse("input[name=slug]").unwrap())
                    .any(|i| i.value().attr("value") == Some("audit-ch"))
            })
            .and_then(|f| f.value().attr("action"))
            .and_then(|a| a.strip_prefix("/admin/channels/"))
            .and_then(|id| id.parse::<i64>().ok())
            .expect("the new channel's form")
    };
    admin
        .post_ok(
            &format!("/admin/channels/{channel_id}"),
            &[
                ("name", "审计频道"),
                ("slug", "audit-ch"),
                ("position", "9"),
            ],
        )
        .await;

    // An article with a tag, then the tag renamed and deleted.
    let r = admin
        .post_ok(
            "/admin/articles",
            &[
                ("title", "审计测试文章"),
                ("channel", "nev"),
                ("tags", "审计标签"),
                ("body", "正文。"),
                ("action", "draft"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, channels) = admin.page("/admin/channels").await;
    let tag_id = {
        let s = Selector::parse("form[action^='/admin/tags/']").unwrap();
        channels
            .select(&s)
            .find(|f| {
                f.select(&Selector::parse("input[name=name]").unwrap())
                    .any(|i| i.value().attr("value") == Some("审计标签"))
            })
            .and_then(|f| f.value().attr("action"))
            .and_then(|a| a.strip_prefix("/admin/tags/"))
            .and_then(|id| id.parse::<i64>().ok())
            .expect("the tag's form")
    };
    admin
        .post_ok(&format!("/admin/tags/{tag_id}"), &[("name", "审计标签二")])
        .await;
    admin
        .post_ok(&format!("/admin/tags/{tag_id}/delete"), &[])
        .await;
    admin
        .post_ok(&format!("/admin/channels/{channel_id}/delete"), &[])
        .await;

    // Settings: the ICP number changes, and the line says from what to what.
    let (_, settings) = admin.page("/admin/settings").await;
    let value =
        |name: &str| attr(&settings, &format!("[name={name}]"), "value").unwrap_or_default();
    let footer = texts(&settings, "textarea[name=footer_links]").join("");
    admin
        .post_ok(
            "/admin/settings",
            &[
                ("site_name", &value("site_name")),
                ("copyright_holder", &value("copyright_holder")),
                ("icp_number", "京ICP备12345678号"),
                ("public_security_number", &value("public_security_number")),
                ("base_url", &value("base_url")),
                ("timezone", &value("timezone")),
                ("footer_links", &footer),
            ],
        )
        .await;

    // Users: created, role changed, disabled, enabled, password reset.
    admin
        .post_ok(
            "/admin/users",
            &[("name", "newbie"), ("role", "editor"), ("password", "")],
        )
        .await;
    let (_, users) = admin.page("/admin/users").await;
    let newbie = {
        let s = Selector::parse("li.admin-row").unwrap();
        users
            .select(&s)
            .find(|r| r.text().any(|t| t.trim() == "newbie"))
            .and_then(|r| {
                r.select(&Selector::parse("form[action^='/admin/users/']").unwrap())
                    .next()
            })
            .and_then(|f| f.value().attr("action"))
            .and_then(|a| a.strip_prefix("/admin/users/"))
            .and_then(|id| id.parse::<i64>().ok())
            .expect("newbie's form")
    };
    let path = format!("/admin/users/{newbie}");
    admin
        .post_ok(&path, &[("action", "role"), ("role", "admin")])
        .await;
    admin.post_ok(&path, &[("action", "disable")]).await;
    admin.post_ok(&path, &[("action", "enable")]).await;
    admin.post_ok(&path, &[("action", "reset_password")]).await;

    // API tokens.
    admin
        .post_ok("/admin/tokens", &[("name", "审计令牌")])
        .await;
    let (_, tokens) = admin.page("/admin/tokens").await;
    let token_id = form_id(&tokens, "/admin/tokens/", "/revoke");
    admin
        .post_ok(&format!("/admin/tokens/{token_id}/revoke"), &[])
        .await;

    // An image.
    let (ct, body) = multipart("audit.png", &png(64, 48));
    let r = admin
        .request(reqwest::Method::POST, "/admin/images")
        .header("x-csrf-token", &admin.csrf)
        .header("accept", "application/json")
        .header(CONTENT_TYPE, ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Signing out, then in again (from elsewhere) to read the log.
    admin.post_ok("/admin/logout", &[]).await;
    assert!(!admin.signed_in().await);
    let mut reader = Browser::new(&app, "198.51.100.20", "Mozilla/5.0 Chrome/120.0");
    reader.login("chief", PASSWORD).await;
    let (status, doc) = reader.page("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    let lines = audit_lines(&doc);

    for (action, subject) in [
        ("登录失败", "chief"),
        ("登录", "chief"),
        ("创建栏目", "审计栏目"),
        ("修改栏目", "审计频道"),
        ("删除栏目", "审计频道"),
        ("创建", "审计测试文章"),
        ("重命名标签", "审计标签二"),
        ("删除标签", "审计标签二"),
        ("修改站点设置", "站点设置"),
        ("创建用户", "newbie"),
        ("修改角色", "newbie"),
        ("停用用户", "newbie"),
        ("启用用户", "newbie"),
        ("重置密码", "newbie"),
        ("创建 API 令牌", "审计令牌"),
        ("吊销 API 令牌", "审计令牌"),
        ("上传图片", "audit.png"),
        ("退出登录", "chief"),
    ] {
        find(&lines, action, subject);
        assert!(
            lines.iter().any(|l| l.action == action
                && l.subject.contains(subject)
                && l.ip == CLIENT
                && l.user == "chief"),
            "{action} {subject} by chief from {CLIENT}: {lines:#?}"
        );
    }
    // What changed, old → new.
    assert!(
        find(&lines, "修改站点设置", "站点设置")
            .detail
            .contains("→ 京ICP备12345678号"),
        "{lines:#?}"
    );
    assert!(
        find(&lines, "修改角色", "newbie")
            .detail
            .contains("编辑 → 管理员")
    );
    assert!(
        find(&lines, "修改栏目", "审计频道")
            .detail
            .contains("审计栏目 → 审计频道")
    );
    assert!(
        find(&lines, "重命名标签", "审计标签二")
            .detail
            .contains("审计标签 → 审计标签二")
    );
    // The reader's own sign-in, from its own address.
    assert!(
        lines
            .iter()
            .any(|l| l.action == "登录" && l.ip == "198.51.100.20")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_filters_by_user_action_kind_and_date_and_pages() {
    let app = start().await;
    add_user(&app, "chief", Role::Admin).await;
    let mut stranger = Browser::new(&app, "192.0.2.99", "Mozilla/5.0");
    let r = stranger.try_login("nobody", "guess-guess-guess").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let mut admin = Browser::new(&app, CLIENT, "Mozilla/5.0");
    admin.login("chief", PASSWORD).await;
    admin
        .post_ok(
            "/admin/channels",
            &[
                ("name", "筛选栏目"),
                ("slug", "filter-ch"),
                ("position", "3"),
            ],
        )
        .await;
    // Sixty lines by another account, written through the server's store.
    let store = app.open_store().await;
    for i in 0..60 {
        let mut e = AuditEvent::new(None, AuditAction::UploadImage).subject(
            "image",
            Some(i),
            &format!("bulk-{i}.png"),
        );
        e.user_name = "bulk".into();
        store.insert_audit(&e).await.unwrap();
    }

    // By action: only the failed sign-in, with the name typed and the address.
    let (_, doc) = admin.page("/admin/audit?action=login_failed").await;
    let lines = audit_lines(&doc);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0].user, "nobody");
    assert_eq!(lines[0].ip, "192.0.2.99");

    // By kind.
    let (_, doc) = admin.page("/admin/audit?kind=channel").await;
    let lines = audit_lines(&doc);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].subject.contains("筛选栏目"));

    // By user, paginated 50 a page, the filter kept in the page links.
    let (_, doc) = admin.page("/admin/audit?user=bulk").await;
    assert_eq!(audit_lines(&doc).len(), 50);
    assert!(texts(&doc, ".audit-total")[0].contains("60"));
    let next = attr(&doc, "a[rel=next]", "href").unwrap();
    assert!(
        next.contains("user=bulk") && next.contains("page=2"),
        "{next}"
    );
    let (_, doc) = admin.page(&next).await;
    let lines = audit_lines(&doc);
    assert_eq!(lines.len(), 10);
    assert!(lines.iter().all(|l| l.user == "bulk"));
    let (_, doc) = admin.page("/admin/audit?user=chief").await;
    assert!(audit_lines(&doc).iter().all(|l| l.user == "chief"));
    assert!(!audit_lines(&doc).is_empty());

    // By date, in the site's zone: today holds everything, tomorrow nothing.
    let zone: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let (_, doc) = admin
        .page(&format!("/admin/audit?user=chief&from={today}&to={today}"))
        .await;
    assert!(!audit_lines(&doc).is_empty());
    let (_, doc) = admin.page(&format!("/admin/audit?from={tomorrow}")).await;
    assert!(audit_lines(&doc).is_empty());
    let (_, doc) = admin
        .page(&format!("/admin/audit?to={}", today.pred_opt().unwrap()))
        .await;
    assert!(audit_lines(&doc).is_empty());

    // A date that cannot be read is said beside its field, what was typed kept.
    let (status, doc) = admin.page("/admin/audit?user=bulk&from=2026-13-40").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(texts(&doc, "#from-error")[0].contains("2026-13-40"));
    assert_eq!(
        attr(&doc, "input[name=user]", "value").as_deref(),
        Some("bulk")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_ones_password_ends_the_other_sessions() {
    let app = start().await;
    add_user(&app, "wang", Role::Editor).await;
    let mut laptop = Browser::new(&app, CLIENT, "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0");
    laptop.login("wang", PASSWORD).await;
    let mut phone = Browser::new(
        &app,
        "198.51.100.5",
        "Mozilla/5.0 (iPhone) MicroMessenger/8.0 Safari/604.1",
    );
    phone.login("wang", PASSWORD).await;

    // The account page lists both sessions: browser, address, times; the current one marked.
    let (status, doc) = laptop.page("/admin/account").await;
    assert_eq!(status, StatusCode::OK);
    let rows = texts(&doc, "table.sessions tbody tr");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.contains("微信（iPhone）") && r.contains("198.51.100.5"))
    );
    let current = texts(&doc, "tr.current-session");
    assert!(current[0].contains("Chrome（Windows）") && current[0].contains(CLIENT));

    // A wrong current password changes nothing, says so beside the field, and is audited.
    let new = "a brand new passphrase";
    let r = laptop
        .post(
            "/admin/account/password",
            &[
                ("current", "wrong password!"),
                ("new", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(!texts(&doc, "#current-error").is_empty());
    assert!(phone.signed_in().await);
    // New passwords that differ or are short are refused beside their fields.
    let r = laptop
        .post(
            "/admin/account/password",
            &[
                ("current", PASSWORD),
                ("new", "short"),
                ("confirm", "other"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(!texts(&doc, "#new-error").is_empty());
    assert!(!texts(&doc, "#confirm-error").is_empty());

    let r = laptop
        .post(
            "/admin/account/password",
            &[("current", PASSWORD), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        laptop.signed_in().await,
        "the session that changed it stays"
    );
    assert!(!phone.signed_in().await, "every other session ended");
    let r = phone.try_login("wang", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    phone.login("wang", new).await;

    // Audited, from the laptop's address.
    let store = app.open_store().await;
    let page = store
        .search_audit(
            &newsdesk::domain::AuditFilter {
                user_name: Some("wang".into()),
                ..Default::default()
            },
            newsdesk::domain::PageRequest {
                page: 1,
                per_page: 50,
            },
        )
        .await
        .unwrap();
    let changed = page
        .items
        .iter()
        .find(|e| e.action == "change_password")
        .expect("a change_password line");
    assert_eq!(changed.ip, CLIENT);
    assert!(changed.detail.contains('1'), "{changed:?}");
    let refused = page
        .items
        .iter()
        .find(|e| e.action == "change_password_failed")
        .expect("a refused change is audited");
    assert_eq!(refused.ip, CLIENT);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_session_signs_it_out() {
    let app = start().await;
    add_user(&app, "li", Role::Editor).await;
    let mut a = Browser::new(
        &app,
        CLIENT,
        "Mozilla/5.0 (Macintosh; Mac OS X) Safari/605.1",
    );
    a.login("li", PASSWORD).await;
    let mut b = Browser::new(
        &app,
        "198.51.100.6",
        "Mozilla/5.0 (Linux; Android 14) Chrome/120",
    );
    b.login("li", PASSWORD).await;
    let mut c = Browser::new(&app, "198.51.100.7", "Mozilla/5.0 Firefox/128.0");
    c.login("li", PASSWORD).await;

    // End B by its row.
    let (_, doc) = a.page("/admin/account").await;
    let row = Selector::parse("table.sessions tbody tr").unwrap();
    let key = doc
        .select(&row)
        .find(|r| r.text().any(|t| t.contains("198.51.100.6")))
        .and_then(|r| {
            r.select(&Selector::parse("input[name=session]").unwrap())
                .next()
        })
        .and_then(|i| i.value().attr("value"))
        .unwrap()
        .to_string();
    let r = a
        .post("/admin/account/sessions", &[("session", &key)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!b.signed_in().await);
    assert!(c.signed_in().await);
    assert!(a.signed_in().await);
    // Its key no longer names anything.
    let r = a
        .post("/admin/account/sessions", &[("session", &key)])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Another account cannot end li's sessions by key.
    add_user(&app, "zhao", Role::Editor).await;
    let mut z = Browser::new(&app, "198.51.100.8", "Mozilla/5.0");
    z.login("zhao", PASSWORD).await;
    let (_, doc) = a.page("/admin/account").await;
    let c_key = doc
        .select(&row)
        .find(|r| r.text().any(|t| t.contains("198.51.100.7")))
        .and_then(|r| {
            r.select(&Selector::parse("input[name=session]").unwrap())
                .next()
        })
        .and_then(|i| i.value().attr("value"))
        .unwrap()
        .to_string();
    let r = z
        .post("/admin/account/sessions", &[("session", &c_key)])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(c.signed_in().await);

    // All others at once.
    let r = a
        .post("/admin/account/sessions", &[("session", "others")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!c.signed_in().await);
    assert!(a.signed_in().await);

    // Ending one's own session signs out.
    let (_, doc) = a.page("/admin/account").await;
    let own = attr(&doc, "tr.current-session input[name=session]", "value").unwrap();
    let r = a
        .post("/admin/account/sessions", &[("session", &own)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/admin/login");
    assert!(!a.signed_in().await);

    let mut reader = Browser::new(&app, CLIENT, "Mozilla/5.0");
    add_user(&app, "boss", Role::Admin).await;
    reader.login("boss", PASSWORD).await;
    let (_, doc) = reader.page("/admin/audit?action=end_session").await;
    let lines = audit_lines(&doc);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines.iter().all(|l| l.user == "li" && l.ip == CLIENT));
    assert!(lines.iter().any(|l| l.subject.contains("198.51.100.6")));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_are_kept_per_day_and_shown_on_the_statistics_page() {
    let app = start().await;
    let (_, channel) = app.page("/channels/storage").await;
    let path = article_link(&channel, "储能").expect("a storage article");
    // Read as a crawler: only the visits below count.
    let r = app
        .client
        .get(app.url(&path))
        .header("user-agent", CRAWLER_UA)
        .send()
        .await
        .unwrap();
    let article = Html::parse_document(&r.text().await.unwrap());
    let title = texts(&article, "h1")[0].clone();

    // Two visitors count; one of them again, and a crawler, do not.
    for (ip, ua) in [
        ("198.51.100.1", "Mozilla/5.0 Firefox/128.0"),
        ("198.51.100.2", "Mozilla/5.0 Chrome/120.0"),
        ("198.51.100.1", "Mozilla/5.0 Firefox/128.0"),
        ("198.51.100.3", CRAWLER_UA),
    ] {
        let r = app
            .client
            .get(app.url(&path))
            .header("x-forwarded-for", ip)
            .header("user-agent", ua)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    add_user(&app, "stat", Role::Editor).await;
    let mut editor = Browser::new(&app, CLIENT, "Mozilla/5.0");
    editor.login("stat", PASSWORD).await;
    // The counter flushes every second; a generous bound only guards against a hang.
    let started = Instant::now();
    let doc = loop {
        let (status, doc) = editor.page("/admin/stats").await;
        assert_eq!(status, StatusCode::OK);
        if texts(&doc, ".stat-today")[0] == "2" {
            break doc;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no flush");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(texts(&doc, ".stat-total"), ["2"]);
    // The chart: one bar per day of the last 30, today's the tallest.
    let bars = Selector::parse(".views-chart svg rect.day-bar").unwrap();
    let heights: Vec<u32> = doc
        .select(&bars)
        .map(|b| b.value().attr("height").unwrap().parse().unwrap())
        .collect();
    assert_eq!(heights.len(), 30);
    assert!(heights[29] > 0 && heights[..29].iter().all(|&h| h == 0));
    assert!(texts(&doc, ".top-7 li")[0].contains(&title));
    assert!(texts(&doc, ".top-7 li")[0].contains("2 次"));
    assert!(texts(&doc, ".top-30 li")[0].contains(&title));
    let channels = texts(&doc, "table.channel-views tbody tr");
    assert_eq!(channels.len(), 1, "{channels:?}");
    assert!(channels[0].contains('2'));

    // The day rows and the totals are written together.
    let store = app.open_store().await;
    let zone: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&zone)
        .format("%Y-%m-%d")
        .to_string();
    let days = store.views_by_day(&today, &today).await.unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].views, 2);
    let top = store.top_viewed(&today, 5).await.unwrap();
    assert_eq!(top[0].title, title);

    // The same figures as data.
    let data: serde_json::Value = editor.get("/admin/stats.json").await.json().await.unwrap();
    assert_eq!(data["today"], 2);
    assert_eq!(data["days"].as_array().unwrap().len(), 30);
    assert_eq!(data["days"][29]["day"], today.as_str());
    assert_eq!(data["top_7"][0]["title"], title.as_str());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_and_command_line_changes_are_audited() {
    let app = start().await;
    add_user(&app, "robot", Role::Editor).await;
    let mut owner = Browser::new(&app, CLIENT, "Mozilla/5.0");
    owner.login("robot", PASSWORD).await;
    let r = owner.post("/admin/tokens", &[("name", "发布系统")]).await;
    let doc = Html::parse_document(&r.text().await.unwrap());
    let token = texts(&doc, "#new-token")[0].clone();

    // The API acts as the token's user, from the caller's address.
    let r = app
        .client
        .post(app.url("/api/v1/articles"))
        .header("authorization", format!("Bearer {token}"))
        .header("x-forwarded-for", "192.0.2.44")
        .json(&serde_json::json!({"title": "接口发布的文章", "channel": "nev", "body": "正文。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );

    // `newsdesk user passwd` and `disable` leave lines too (no address: none came in).
    for args in [
        &["passwd", "robot"][..],
        &["disable", "robot"][..],
        &["enable", "robot"][..],
    ] {
        let out = crate::support::newsdesk_command(app.data_path())
            .arg("user")
            .args(args)
            .arg("--data")
            .arg(app.data_path())
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    add_user(&app, "auditor", Role::Admin).await;
    let mut reader = Browser::new(&app, CLIENT, "Mozilla/5.0");
    reader.login("auditor", PASSWORD).await;
    let (_, doc) = reader.page("/admin/audit?kind=article").await;
    let lines = audit_lines(&doc);
    let created = find(&lines, "创建", "接口发布的文章");
    assert_eq!(created.user, "robot");
    assert_eq!(created.ip, "192.0.2.44");
    let (_, doc) = reader.page("/admin/audit?user=（命令行）").await;
    let lines = audit_lines(&doc);
    let actions: Vec<&str> = lines.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(actions, ["启用用户", "停用用户", "重置密码"], "{lines:#?}");
    assert!(
        lines
            .iter()
            .all(|l| l.subject.contains("robot") && l.ip == "—")
    );
    app.stop().await;
}
