//! Cross-cutting response handling: error responses become the themed Chinese error page, and
//! internal errors are logged here, once.

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
pub async fn render_error_pages(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
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
