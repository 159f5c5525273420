//! The newsroom in the browser, under `/admin`: sign-in, and handlers by resource (articles,
//! images, channels and tags, settings, users and API tokens, the audit log).
//!
//! **Guards.** Every route except the login page sits behind [`require_session`], which finds the
//! session from its cookie (or sends the browser to the login page), and checks the CSRF token on
//! every state-changing request: the `X-CSRF-Token` header (fetch), the `_csrf` field of a
//! URL-encoded form, or, for file uploads, `_csrf` in the query. Admin-only routes add
//! [`require_admin`]. Both are layers on the routers in `routes.rs`, so a handler cannot forget
//! them. Responses are never cached.

pub mod account;
pub mod articles;
pub mod attachments;
pub mod audit;
pub mod channels;
pub mod desk;
pub mod images;
pub mod portal;
pub mod review;
pub mod session;
pub mod settings;
pub mod stats;
pub mod targets;
pub mod users;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Serialize;

use super::AppState;
use crate::auth;
use crate::domain::{Role, User};
use crate::error::AppError;
use crate::render::views::TimeView;
use crate::store::StoreError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "newsdesk_session";
/// Name of the cookie that carries the login form's CSRF token before there is a session.
pub const LOGIN_CSRF_COOKIE: &str = "newsdesk_login_csrf";
/// Header carrying the CSRF token on fetch requests.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// URL-encoded form bodies read by the CSRF check are capped here (article bodies included).
const MAX_FORM_BYTES: usize = 8 * 1024 * 1024;

/// The signed-in account of a request, put there by [`require_session`].
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub user: User,
    /// The session's CSRF token, for forms on the page.
    pub csrf_token: String,
    /// Hash of the session token, to end the session.
    pub token_hash: String,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or(AppError::Unauthorized)
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, Secure when the site is on https.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if state.chrome().site.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let text =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Constant-time comparison, so a token cannot be guessed byte by byte from response times.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0_u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The `_csrf` field of a URL-encoded body or query string.
fn csrf_field(encoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned())
}

/// Finds the session, or sends the browser to the login page; checks CSRF on state changes.
pub async fn require_session(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    let token_hash = cookie(req.headers(), SESSION_COOKIE).map(auth::token_hash);
    let session = match &token_hash {
        Some(hash) => match state.store.session(hash, Utc::now()).await {
            Ok(s) => Some(s),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let (Some(session), Some(token_hash)) = (session, token_hash) else {
        if is_safe(req.method()) {
            let next_path = req
                .uri()
                .path_and_query()
                .map_or("/admin", |p| p.as_str())
                .to_string();
            let target = format!(
                "/admin/login?next={}",
                form_urlencoded::byte_serialize(next_path.as_bytes()).collect::<String>()
            );
            return Ok(Redirect::to(&target).into_response());
        }
        return Err(AppError::Unauthorized);
    };
    let mut req = req;
    if !is_safe(req.method()) {
        req = check_csrf(req, &session.csrf_token).await?;
    }
    // 最近使用 on the account page: at most one write a minute per session.
    let now = Utc::now();
    if now - session.last_seen_at > chrono::Duration::seconds(60) {
        state.store.touch_session(&token_hash, now).await?;
    }
    req.extensions_mut().insert(CurrentUser {
        user: session.user,
        csrf_token: session.csrf_token,
        token_hash,
    });
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Passes the request on if it carries the session's CSRF token; URL-encoded bodies are read
/// (and put back) to find the `_csrf` field.
async fn check_csrf(req: Request, expected: &str) -> Result<Request, AppError> {
    let refused = || {
        AppError::Forbidden(
            "表单已过期或来源不明（缺少有效的 CSRF 令牌），请刷新页面后重试。".into(),
        )
    };
    if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if same_token(sent, expected) {
            Ok(req)
        } else {
            Err(refused())
        };
    }
    if let Some(sent) = req.uri().query().and_then(|q| csrf_field(q.as_bytes())) {
        return if same_token(&sent, expected) {
            Ok(req)
        } else {
            Err(refused())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refused());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::PayloadTooLarge("表单内容太大".into()))?;
    match csrf_field(&bytes) {
        Some(sent) if same_token(&sent, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(refused()),
    }
}

/// Lets only admins through.
pub async fn require_admin(
    user: CurrentUser,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    if user.user.role != Role::Admin {
        return Err(AppError::Forbidden(
            "此功能仅限管理员使用；编辑账号可以管理文章和图片。".into(),
        ));
    }
    Ok(next.run(req).await)
}

/// What every admin page shows around its content.
#[derive(Debug, Clone, Serialize)]
pub struct AdminLayout {
    /// Site name.
    pub site_name: String,
    /// `<title>` text.
    pub title: String,
    /// Which menu entry is current.
    pub section: &'static str,
    /// Signed-in user's name.
    pub user_name: String,
    /// 管理员 / 编辑.
    pub role_label: &'static str,
    /// Whether admin-only entries are shown.
    pub is_admin: bool,
    /// CSRF token for the page's forms and scripts.
    pub csrf_token: String,
    /// Cache-busting suffix for static assets.
    pub asset_version: String,
    /// A one-line message after a redirect, e.g. 已保存.
    pub notice: Option<String>,
}

impl AdminLayout {
    /// The layout for `user` on a page titled `title` in menu `section`.
    pub fn new(state: &AppState, user: &CurrentUser, section: &'static str, title: &str) -> Self {
        let site = &state.chrome().site;
        Self {
            site_name: site.site_name.clone(),
            title: format!("{title} - {} 管理后台", site.site_name),
            section,
            user_name: user.user.name.clone(),
            role_label: user.user.role.label(),
            is_admin: user.user.role == Role::Admin,
            csrf_token: user.csrf_token.clone(),
            asset_version: state.renderer.asset_version().to_string(),
            notice: None,
        }
    }

    /// With the message for a `?notice=` code, if known.
    #[must_use]
    pub fn with_notice(mut self, code: Option<&str>) -> Self {
        self.notice = code.and_then(notice_text).map(str::to_string);
        self
    }
}

/// Messages shown after a redirect, by code, so no free text travels in URLs.
fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "已保存。",
        "created" => "已创建。",
        "published" => "已发布，公开页面和搜索已更新。",
        "scheduled" => "已设置定时发布。",
        "unpublished" => "已撤回，公开页面上不再显示。",
        "trashed" => "已移入回收站，30 天内可以恢复。",
        "restored" => "已从回收站恢复为草稿。",
        "deleted" => "已删除。",
        "uploaded" => "图片已上传。",
        "attached" => "附件已添加。",
        "detached" => "附件已移除。",
        "alt_saved" => "替代文字已保存。",
        "image_deleted" => "图片已删除。",
        "revoked" => "令牌已吊销。",
        "bulk_done" => "批量操作已完成，每篇文章的改动都记入了修改记录。",
        "bulk_partly" => "批量操作已完成；部分文章原本就是所选状态或已在回收站，未作改动。",
        "password" => "密码已修改，其他设备上的登录已全部退出。",
        "ended" => "已退出所选的登录。",
        "ended_others" => "其他设备上的登录已全部退出。",
        "submitted" => "已提交审核，等待编辑或主编审核。",
        "returned" => "已退回给作者，退回意见已保存。",
        "staged" => "修改已保存为待发布的修改；公开页面仍是原来的版本，点“更新发布”后生效。",
        "revision_restored" => "已恢复所选版本。已发布的文章需点“更新发布”后生效。",
        _ => return None,
    })
}

/// Renders an admin template.
pub fn render(
    state: &AppState,
    template: &str,
    view: impl Serialize,
) -> Result<Response, AppError> {
    let html = state.renderer.render(template, view).map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context(format!("rendering {template}")))
    })?;
    Ok(Html(html).into_response())
}

/// A 303 to `path` (after a POST, so a reload does not resubmit).
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A time for admin tables, in the site's zone.
pub fn time(state: &AppState, t: chrono::DateTime<Utc>) -> TimeView {
    TimeView::new(t, &state.chrome().site)
}

/// `GET /admin`: the article list is the newsroom's home.
pub async fn dashboard() -> Response {
    Redirect::to("/admin/articles").into_response()
}

/// A response with `status` and the rendered template.
pub fn render_status(
    state: &AppState,
    status: StatusCode,
    template: &str,
    view: impl Serialize,
) -> Result<Response, AppError> {
    let mut response = render(state, template, view)?;
    *response.status_mut() = status;
    Ok(response)
}

impl AppState {
    /// Article writes (store, audit log and search index together), for newsroom handlers.
    pub fn newsroom_articles(&self) -> Result<&crate::content::Articles, AppError> {
        self.articles().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "article writes are not set up in this server"
            ))
        })
    }
}
