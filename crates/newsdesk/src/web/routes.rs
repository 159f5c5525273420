//! Every route of the site, in one place.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::{AppState, feeds, middleware, public, search, seo, wechat};

/// Requests taking longer than this are answered 408 rather than held open.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The application's router.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/", get(public::home))
        .route("/channels/{slug}", get(public::show_channel))
        .route("/articles/{slug}", get(public::show_article))
        .route("/static/{*path}", get(public::static_asset))
        .route("/healthz", get(public::healthz))
        .route("/search", get(search::search_page))
        .route("/feed.xml", get(feeds::site_rss))
        .route("/atom.xml", get(feeds::site_atom))
        .route("/channels/{slug}/feed.xml", get(feeds::channel_rss))
        .route("/channels/{slug}/atom.xml", get(feeds::channel_atom))
        .route("/robots.txt", get(seo::robots))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/sitemap-news.xml", get(seo::news_sitemap))
        .route("/sitemaps/{name}", get(seo::sitemap_part));

    let api = Router::new()
        .route("/api/v1/wechat/jssdk-config", get(wechat::jssdk_config))
        .route("/api/v1/search", get(search::search_api));

    public
        .merge(api)
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
