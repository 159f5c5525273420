//! Every route of the site, in one place.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::admin::attachments as article_attachments;
use super::admin::desk;
use super::admin::portal as admin_portal;
use super::admin::targets as target_corrections;
use super::admin::{account, stats};
use super::admin::{articles, audit, channels, images, review, session, settings, users};
use super::{
    AppState, admin, api, feeds, middleware, portal, public, search, seo, targets, wechat,
};

/// Requests taking longer than this are answered 408 rather than held open.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The application's router.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/", get(public::home))
        .route("/channels/{slug}", get(portal::show_channel))
        .route("/articles/{slug}", get(public::show_article))
        .route("/static/{*path}", get(public::static_asset))
        .route("/healthz", get(public::healthz))
        .route("/search", get(search::search_page))
        .route("/feed.xml", get(feeds::site_rss))
        .route("/atom.xml", get(feeds::site_atom))
        .route("/channels/{slug}/feed.xml", get(feeds::channel_rss))
        .route("/channels/{slug}/atom.xml", get(feeds::channel_atom))
        .route("/targets", get(targets::targets_page))
        .route("/targets.csv", get(targets::targets_csv))
        .route("/targets.json", get(targets::targets_json))
        .route("/targets/indicators", get(targets::indicators_page))
        .route("/targets/indicators/{key}", get(targets::indicator_page))
        .route("/robots.txt", get(seo::robots))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/sitemap-news.xml", get(seo::news_sitemap))
        .route("/sitemaps/{name}", get(seo::sitemap_part))
        .route("/tags/{slug}", get(portal::show_tag))
        .route("/tags/{slug}/feed.xml", get(portal::tag_rss))
        .route("/tags/{slug}/atom.xml", get(portal::tag_atom))
        .route("/topics", get(portal::topics_index))
        .route("/topics/{slug}", get(portal::show_topic))
        .route("/pages/{slug}", get(portal::show_page));

    let api = Router::new()
        .route("/api/v1/wechat/jssdk-config", get(wechat::jssdk_config))
        .route("/api/v1/search", get(search::search_api))
        .route("/api/v1/targets", get(targets::targets_json));

    // The newsroom: the login page is open; everything else needs a session (and CSRF on state
    // changes), and users, settings, channels, tags and the audit log need an admin.
    let admin_open = Router::new().route(
        "/admin/login",
        get(session::login_form).post(session::login),
    );
    let admin_only = Router::new()
        .route(
            "/admin/users",
            get(users::list_users).post(users::create_user),
        )
        .route("/admin/users/{id}", post(users::change_user))
        .route(
            "/admin/settings",
            get(settings::show_settings).post(settings::save_settings),
        )
        .route(
            "/admin/channels",
            get(channels::list_channels).post(channels::create_channel),
        )
        .route("/admin/channels/{id}", post(channels::update_channel))
        .route(
            "/admin/channels/{id}/delete",
            post(channels::delete_channel),
        )
        .route("/admin/tags/{id}", post(channels::rename_tag))
        .route("/admin/tags/{id}/delete", post(channels::delete_tag))
        .route("/admin/audit", get(audit::list_audit))
        .route("/admin/users/{id}/defaults", post(desk::save_user_defaults))
        .route(
            "/admin/topics",
            get(admin_portal::list_topics).post(admin_portal::create_topic),
        )
        .route("/admin/topics/new", get(admin_portal::new_topic))
        .route(
            "/admin/topics/{id}",
            get(admin_portal::edit_topic).post(admin_portal::update_topic),
        )
        .route(
            "/admin/topics/{id}/delete",
            post(admin_portal::delete_topic),
        )
        .route(
            "/admin/pages",
            get(admin_portal::list_pages).post(admin_portal::create_page),
        )
        .route("/admin/pages/new", get(admin_portal::new_page))
        .route(
            "/admin/pages/{id}",
            get(admin_portal::edit_page).post(admin_portal::update_page),
        )
        .route("/admin/pages/{id}/delete", post(admin_portal::delete_page))
        .route_layer(axum::middleware::from_fn(admin::require_admin));
    // Multipart bodies may be as large as an upload plus the form around it.
    let upload_limit = usize::try_from(state.uploads().max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    let admin = Router::new()
        .route("/admin", get(admin::dashboard))
        .route("/admin/logout", post(session::logout))
        .route(
            "/admin/articles",
            get(articles::list_articles).post(articles::create_article),
        )
        .route("/admin/articles/new", get(articles::new_article))
        .route("/admin/articles/bulk", post(desk::bulk_articles))
        .route(
            "/admin/articles/{id}",
            get(articles::edit_article).post(articles::update_article),
        )
        .route(
            "/admin/articles/{id}/publish",
            post(articles::publish_article),
        )
        .route(
            "/admin/articles/{id}/schedule",
            post(articles::schedule_article),
        )
        .route(
            "/admin/articles/{id}/unpublish",
            post(articles::unpublish_article),
        )
        .route("/admin/articles/{id}/trash", post(articles::trash_article))
        .route(
            "/admin/articles/{id}/restore",
            post(articles::restore_article),
        )
        .route(
            "/admin/articles/{id}/targets",
            get(target_corrections::show_targets),
        )
        .route(
            "/admin/articles/{id}/targets/document",
            post(target_corrections::save_document),
        )
        .route(
            "/admin/articles/{id}/targets/hide",
            post(target_corrections::hide_target),
        )
        .route(
            "/admin/articles/{id}/targets/correct",
            post(target_corrections::correct_target),
        )
        .route(
            "/admin/articles/{id}/targets/add",
            post(target_corrections::add_target),
        )
        .route(
            "/admin/articles/{id}/targets/corrections/{correction}/delete",
            post(target_corrections::delete_correction),
        )
        .route("/admin/preview", post(articles::preview))
        .route("/admin/review", get(review::review_queue))
        .route("/admin/articles/{id}/submit", post(review::submit_article))
        .route(
            "/admin/articles/{id}/return",
            post(review::send_back_article),
        )
        .route(
            "/admin/articles/{id}/revisions",
            get(review::list_revisions),
        )
        .route(
            "/admin/articles/{id}/revisions/{number}/restore",
            post(review::restore_revision),
        )
        .route(
            "/admin/images",
            get(images::list_images)
                .post(images::upload_image)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/admin/images/{id}/alt", post(images::save_alt))
        .route("/admin/images/{id}/delete", post(images::delete_image))
        .route(
            "/admin/articles/{id}/attachments",
            post(article_attachments::upload_attachment).layer(DefaultBodyLimit::max(
                usize::try_from(state.uploads().max_attachment_bytes)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1024 * 1024),
            )),
        )
        .route(
            "/admin/articles/{id}/attachments/{attachment}/remove",
            post(article_attachments::remove_attachment),
        )
        .route(
            "/admin/tokens",
            get(users::list_tokens).post(users::create_token),
        )
        .route("/admin/tokens/{id}/revoke", post(users::revoke_token))
        .route("/admin/account", get(account::show_account))
        .route("/admin/account/password", post(account::change_password))
        .route("/admin/account/sessions", post(account::end_sessions))
        .route("/admin/stats", get(stats::show_stats))
        .route("/admin/stats.json", get(stats::stats_json))
        .merge(admin_only)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admin::require_session,
        ));

    public
        .route("/uploads/{name}", get(images::serve_upload))
        .route(
            "/attachments/{name}",
            get(super::media::download_attachment),
        )
        .merge(admin_open)
        .merge(admin)
        .merge(api::router())
        .merge(api)
        .fallback(public::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::render_error_pages,
        ))
        // Audit lines written anywhere below carry the client's address.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::audit_scope,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
