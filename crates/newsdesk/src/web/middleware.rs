//! Cross-cutting response handling: error responses become the themed Chinese error page (or,
//! under `/api/`, the API's JSON error), internal errors are logged here, once, and every response
//! gets the security headers.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use super::AppState;
use crate::error::ErrorPage;
use crate::render::views::Layout;

/// Replaces the body of any response carrying an [`ErrorPage`] with the rendered error page.
/// Under `/api/` every error response that is not JSON yet — ours, or a rejection axum made
/// itself (unknown route or method, body too large) — becomes the API's JSON error, so API clients
/// never have to parse HTML.
pub async fn render_error_pages(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let page = response.extensions().get::<ErrorPage>().cloned();
    if path.starts_with("/api/") {
        return api_error_as_json(&path, response, page);
    }
    let Some(page) = page else {
        return response;
    };
    if let Some(internal) = &page.internal {
        tracing::error!(path, error = %internal, "request failed");
    }
    let chrome = state.chrome();
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        &path,
        Some(page.heading),
    );
    // An error page is not the canonical page of the URL that failed (a 404's URL has no page at
    // all): no canonical link or og:url that would tell search engines and share cards otherwise.
    layout.canonical = String::new();
    let html = state.renderer.render(
        "error.html",
        context! { layout, status => page.status.as_u16(), heading => page.heading, message => page.message },
    );
    match html {
        Ok(html) => (page.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page failed");
            let mut r = Response::new(Body::from(page.message));
            *r.status_mut() = page.status;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
    }
}

fn api_error_as_json(path: &str, response: Response, page: Option<ErrorPage>) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || (is_json && page.is_none()) {
        return response;
    }
    let page = page.unwrap_or_else(|| ErrorPage::for_status(status));
    if let Some(internal) = &page.internal {
        tracing::error!(path, error = %internal, "API request failed");
    }
    let mut json = page.json_response();
    // Headers such as `Allow` (405) or `Retry-After` (429) still apply.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            json.headers_mut().append(name.clone(), value.clone());
        }
    }
    json
}

/// The Content-Security-Policy of public pages: scripts, styles and fonts only from this site (no
/// inline script, no `on*=` attributes), images also from elsewhere (imported articles link them),
/// and framing only by the site itself.
const CSP_PUBLIC: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: https: http:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
/// The same with WeChat's JS-SDK, loaded by `wechat-share.js` when sharing is configured.
const CSP_PUBLIC_WECHAT: &str = "default-src 'self'; script-src 'self' https://res.wx.qq.com; \
    style-src 'self'; img-src 'self' data: https: http:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
/// The newsroom and the API are never framed: a page elsewhere could otherwise lay itself over
/// a signed-in editor's buttons (clickjacking).
const CSP_PRIVATE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: https: http:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
/// The public CSP with an analytics script's origin added where such tools need it: the script,
/// its beacons (images, already allowed from anywhere) and its requests (connect-src).
pub fn public_csp_with_analytics(origin: &str, wechat: bool) -> String {
    let scripts = if wechat {
        format!("'self' https://res.wx.qq.com {origin}")
    } else {
        format!("'self' {origin}")
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; \
         img-src 'self' data: https: http:; font-src 'self'; connect-src 'self' {origin}; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    )
}

/// HSTS for a year, sent only when the site's base URL is https (a site served over plain HTTP
/// would otherwise lock browsers out of it).
const HSTS: &str = "max-age=31536000";

/// Adds the security headers to every response: Content-Security-Policy, X-Frame-Options,
/// Referrer-Policy, X-Content-Type-Options, and Strict-Transport-Security on https sites. A
/// header a handler set itself is kept.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let private = path == "/admin"
        || path.starts_with("/admin/")
        || path == "/api"
        || path.starts_with("/api/");
    let mut response = next.run(req).await;
    let (csp, frame) = if private {
        (CSP_PRIVATE, "DENY")
    } else if state.wechat().is_some() {
        (CSP_PUBLIC_WECHAT, "SAMEORIGIN")
    } else {
        (CSP_PUBLIC, "SAMEORIGIN")
    };
    let chrome = state.chrome();
    let https = chrome.site.base_url.starts_with("https://");
    let headers = response.headers_mut();
    // The configured analytics host, on public pages only.
    if !private
        && let Some(csp) = &chrome.analytics_csp
        && !headers.contains_key(header::CONTENT_SECURITY_POLICY)
    {
        let csp = if state.wechat().is_some() {
            &csp.1
        } else {
            &csp.0
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    }
    let mut set = |name: header::HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, csp);
    set(header::X_FRAME_OPTIONS, frame);
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    response
}

/// Runs a state-changing request with its client address (behind `--trusted-proxy` proxies, the
/// client's own) in [`crate::audit`]'s task-local, so every audit line it writes carries the
/// address. `GET`/`HEAD`/`OPTIONS` change nothing and write no audit line, so the page path pays
/// nothing for it.
pub async fn audit_scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    ) {
        return next.run(req).await;
    }
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| {
            state
                .trusted_proxies()
                .client_ip(c.0.ip(), req.headers())
                .to_string()
        })
        .unwrap_or_default();
    crate::audit::scope(client, next.run(req)).await
}
