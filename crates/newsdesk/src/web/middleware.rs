//! Cross-cutting response handling: error responses become the themed Chinese error page (or,
//! under `/api/`, the API's JSON error), and internal errors are logged here, once.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
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
    let layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        &path,
        Some(page.heading),
    );
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
