//! Sign-in under attack, over HTTP: a burst of concurrent guesses gets no more password checks
//! than the throttle allows, guesses from other addresses cannot keep the owner's browser (device
//! cookie) out, a password reset or a disable ends a user's API tokens for good, the bearer scheme
//! is case-insensitive, and a login `next` that is not a plain admin path is replaced.
//!
//! Clients bind to other loopback addresses (127.0.0.2, …; Linux routes all of 127/8 to `lo`) so
//! the server sees them as different addresses.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Stdio;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use scraper::Html;

use crate::support::{BROWSER_UA, TestApp, attr, cookie_value, texts};

const PASSWORD: &str = "correct horse battery staple";
const DEVICE_COOKIE: &str = "newsdesk_device";

/// A browser whose connections come from 127.0.0.`last`.
fn browser(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(BROWSER_UA)
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sets `name`'s password through the real store of the running server's data folder,
/// creating the account first unless it exists (`admin` does).
async fn account(app: &TestApp, name: &str, role: Role) -> i64 {
    let store = crate::support::open_store_at(app.data_path()).await;
    if let Some(user) = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == name)
    {
        let hash = newsdesk::auth::hash_password(PASSWORD).await.unwrap();
        store.set_password(user.id, &hash).await.unwrap();
        return user.id;
    }
    newsdesk::auth::create_user(store.as_ref(), name, role, PASSWORD)
        .await
        .unwrap()
        .id
}

/// A login form: the CSRF token of its page (also its cookie).
async fn login_csrf(client: &reqwest::Client, app: &TestApp) -> String {
    let page = client.get(app.url("/admin/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    let doc = Html::parse_document(&page.text().await.unwrap());
    assert_eq!(attr(&doc, "input[name=_csrf]", "value").unwrap(), csrf);
    csrf
}

/// Posts the login form with a token from [`login_csrf`], and a device cookie if given.
async fn post_login(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    (name, password): (&str, &str),
    next: &str,
    device: Option<&str>,
) -> reqwest::Response {
    let mut cookies = format!("newsdesk_login_csrf={csrf}");
    if let Some(device) = device {
        cookies.push_str(&format!("; {DEVICE_COOKIE}={device}"));
    }
    client
        .post(app.url("/admin/login"))
        .header(COOKIE, cookies)
        .form(&[
            ("name", name),
            ("password", password),
            ("_csrf", csrf),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

/// One login attempt from a fresh form.
async fn attempt(
    client: &reqwest::Client,
    app: &TestApp,
    name: &str,
    password: &str,
    device: Option<&str>,
) -> reqwest::Response {
    let csrf = login_csrf(client, app).await;
    post_login(client, app, &csrf, (name, password), "", device).await
}

/// A signed-in browser.
struct Session<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookie: String,
    csrf: String,
}

async fn sign_in<'a>(app: &'a TestApp, name: &str) -> Session<'a> {
    let client = browser(1);
    let r = attempt(&client, app, name, PASSWORD, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name} signs in");
    let token = cookie_value(&r, "newsdesk_session").unwrap();
    let mut s = Session {
        app,
        client,
        cookie: format!("newsdesk_session={token}"),
        csrf: String::new(),
    };
    let r = s.get("/admin/articles").await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = Html::parse_document(&r.text().await.unwrap());
    s.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    s
}

impl Session<'_> {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = fields.to_vec();
        form.push(("_csrf", &self.csrf));
        self.client
            .post(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A new API token of this user.
    async fn new_token(&self) -> String {
        let r = self.post("/admin/tokens", &[("name", "稿件系统")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let doc = Html::parse_document(&r.text().await.unwrap());
        texts(&doc, "#new-token")[0].clone()
    }

    async fn signed_in(&self) -> bool {
        self.get("/admin/articles").await.status() == StatusCode::OK
    }
}

/// The status of an API call made with `Authorization: <scheme> <token>`.
async fn api_status(app: &TestApp, scheme: &str, token: &str) -> StatusCode {
    app.client
        .get(app.url("/api/v1/channels"))
        .header("authorization", format!("{scheme} {token}"))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_burst_of_guesses_from_one_address_gets_at_most_five_password_checks() {
    let app = TestApp::start().await;
    account(&app, "zhou", Role::Editor).await;
    let client = browser(1);
    let csrf = login_csrf(&client, &app).await;
    let guesses: Vec<String> = (0..30).map(|i| format!("wrong guess {i}")).collect();
    let mut burst: FuturesUnordered<_> = guesses
        .iter()
        .map(|g| post_login(&client, &app, &csrf, ("zhou", g), "", None))
        .collect();
    let mut statuses = Vec::new();
    let mut right = None;
    while let Some(r) = burst.next().await {
        statuses.push(r.status());
        let failed = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        // Once the limit's worth of guesses has failed, the right password joins the burst.
        if failed == 5 && right.is_none() {
            let r = post_login(&client, &app, &csrf, ("zhou", PASSWORD), "", None).await;
            right = Some((r.status(), r.headers().get(RETRY_AFTER).cloned()));
        }
    }
    let checked: Vec<_> = statuses
        .iter()
        .filter(|s| **s != StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        checked.len() <= 5,
        "at most 5 of 30 concurrent guesses checked: {statuses:?}"
    );
    assert!(
        checked.iter().all(|s| **s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    let (status, retry_after) = match right {
        Some(r) => r,
        None => {
            // Fewer than 5 were checked: the right password comes after the burst.
            let r = post_login(&client, &app, &csrf, ("zhou", PASSWORD), "", None).await;
            (r.status(), r.headers().get(RETRY_AFTER).cloned())
        }
    };
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the right password");
    assert!(retry_after.is_some(), "Retry-After says how long");

    // The login page says how long to wait, and the server is fine.
    let r = post_login(&client, &app, &csrf, ("zhou", PASSWORD), "", None).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let message = texts(&doc, ".error")[0].clone();
    assert!(
        message.contains("请") && (message.contains("秒后再试") || message.contains("分钟后再试")),
        "{message}"
    );
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    // Another address is not slowed by this one's failures.
    let r = attempt(&browser(9), &app, "zhou", PASSWORD, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn guesses_from_other_addresses_cannot_keep_the_owner_with_a_device_cookie_out() {
    let app = TestApp::start().await;
    account(&app, "admin", Role::Admin).await;
    let owner = browser(1);

    // The owner signed in before: the browser holds a device cookie.
    let r = attempt(&owner, &app, "admin", PASSWORD, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let device = cookie_value(&r, DEVICE_COOKIE).expect("device cookie set on sign-in");
    let set = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(DEVICE_COOKIE))
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("Max-Age="),
        "{set}"
    );

    // An attacker guesses from three other addresses, and from the owner's own (shared NAT).
    let mut refused_elsewhere = 0;
    for last in [2, 3, 4, 1] {
        let attacker = browser(last);
        for i in 0..5 {
            let r = attempt(&attacker, &app, "admin", &format!("guess {i}"), None).await;
            assert!(
                [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&r.status()),
                "{}",
                r.status()
            );
            if last == 4 && r.status() == StatusCode::TOO_MANY_REQUESTS {
                refused_elsewhere += 1;
            }
        }
    }
    assert!(
        refused_elsewhere > 0,
        "a fresh address is slowed once the account has had many failures"
    );

    // A browser without the cookie is slowed too, even from an address with no failures…
    let r = attempt(&browser(5), &app, "admin", PASSWORD, None).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // …but the owner's browser signs in, and keeps its device cookie.
    let r = attempt(&owner, &app, "admin", PASSWORD, Some(&device)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the owner signs in");
    assert!(cookie_value(&r, "newsdesk_session").is_some());
    assert_eq!(cookie_value(&r, DEVICE_COOKIE), None, "the cookie stays");

    // A device cookie is only good for its own account, and a made-up one is no cookie.
    let r = attempt(&browser(5), &app, "admin", PASSWORD, Some("made-up")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // A browser with the cookie is throttled on its own failures all the same.
    for i in 0..5 {
        let r = attempt(&owner, &app, "admin", &format!("typo {i}"), Some(&device)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&owner, &app, "admin", PASSWORD, Some(&device)).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_password_reset_or_a_disable_ends_api_tokens_for_good() {
    let app = TestApp::start().await;
    account(&app, "admin", Role::Admin).await;
    let feng_id = account(&app, "feng", Role::Editor).await;
    let admin = sign_in(&app, "admin").await;
    let feng = sign_in(&app, "feng").await;
    let user_path = format!("/admin/users/{feng_id}");

    // The bearer scheme is case-insensitive.
    let token = feng.new_token().await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        assert_eq!(
            api_status(&app, scheme, &token).await,
            StatusCode::OK,
            "{scheme}"
        );
    }
    assert_eq!(
        api_status(&app, "Basic", &token).await,
        StatusCode::UNAUTHORIZED
    );

    // Disabled, then enabled again: the token stays dead, the session ended.
    let r = admin.post(&user_path, &[("action", "disable")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        api_status(&app, "Bearer", &token).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(!feng.signed_in().await);
    let r = admin.post(&user_path, &[("action", "enable")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        api_status(&app, "Bearer", &token).await,
        StatusCode::UNAUTHORIZED,
        "re-enabling does not bring the token back"
    );

    // A password reset by an admin.
    let feng = sign_in(&app, "feng").await;
    let token = feng.new_token().await;
    assert_eq!(api_status(&app, "Bearer", &token).await, StatusCode::OK);
    let r = admin
        .post(&user_path, &[("action", "reset_password")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        api_status(&app, "Bearer", &token).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(!feng.signed_in().await);

    // A password change on the command line.
    account(&app, "feng", Role::Editor).await;
    let feng = sign_in(&app, "feng").await;
    let token = feng.new_token().await;
    assert_eq!(api_status(&app, "Bearer", &token).await, StatusCode::OK);
    let mut child = crate::support::newsdesk_command(app.data_path())
        .args(["user", "passwd", "feng", "--password-stdin", "--data"])
        .arg(app.data_path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"another long password\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        api_status(&app, "Bearer", &token).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(!feng.signed_in().await);
    assert!(
        admin.signed_in().await,
        "other accounts keep their sessions"
    );
}

#[tokio::test]
async fn a_login_next_that_is_not_a_plain_admin_path_goes_to_the_article_list() {
    let app = TestApp::start().await;
    account(&app, "admin", Role::Admin).await;
    let client = browser(1);
    for next in [
        "/admin\r\nSet-Cookie: x=1",
        "/admin/articles\t",
        "/admin\u{0}",
        "/admin/%0d%0aSet-Cookie:%20x=1",
        "/admin/../articles",
        "//evil.example/admin",
    ] {
        let csrf = login_csrf(&client, &app).await;
        let r = post_login(&client, &app, &csrf, ("admin", PASSWORD), next, None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.headers()[LOCATION], "/admin/articles", "{next:?}");
        assert!(cookie_value(&r, "newsdesk_session").is_some());
    }
    let csrf = login_csrf(&client, &app).await;
    let r = post_login(
        &client,
        &app,
        &csrf,
        ("admin", PASSWORD),
        "/admin/articles?status=draft",
        None,
    )
    .await;
    assert_eq!(r.headers()[LOCATION], "/admin/articles?status=draft");
}
