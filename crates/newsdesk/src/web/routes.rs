//! Every route of the site, in one place.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::{AppState, middleware, public};

/// Requests taking longer than this are answered 408 rather than held open.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The application's router.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/", get(public::home))
        .route("/channels/{slug}", get(public::show_channel))
        .route("/articles/{slug}", get(public::show_article))
        .route("/static/{*path}", get(public::static_asset))
        .route("/healthz", get(public::healthz));

    public
        .fallback(public::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::render_error_pages,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
