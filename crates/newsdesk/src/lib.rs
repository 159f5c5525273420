//! newsdesk: a fast engine for Chinese news and information portals.
//!
//! Layers, one way: `web` (routes, handlers) → `store` (all SQL) / `counter` → `render` (view models,
//! templates). `import` turns pages into articles; `domain` holds the plain types all of them share.
//! See ARCHITECTURE.md.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod content;
pub mod corpus;
pub mod corrections;
pub mod counter;
pub mod demo;
pub mod desk;
pub mod domain;
pub mod error;
pub mod images;
pub mod import;
pub mod migrate_store;
pub mod newsroom;
pub mod remote;
pub mod render;
pub mod review;
pub mod search;
pub mod site_push;
pub mod store;
pub mod summary;
pub mod targets;
pub mod uploads;
pub mod web;
pub mod wechat;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::counter::ViewCounter;
use crate::render::Renderer;
use crate::web::AppState;

/// Runs the site on `listener` until `shutdown` completes, then drains requests and flushes view
/// counts. Tests pass their own ephemeral listener and shutdown signal.
pub async fn serve(
    listener: TcpListener,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Checked first: a wrong bucket or key should stop the start before anything else is done.
    let upload_files = uploads::UploadStore::open(
        &config.data_dir,
        config.uploads_url.as_deref(),
        &config.uploads_s3_options,
    )?;
    upload_files.check().await?;
    tracing::info!(uploads = %upload_files.location(), "uploads stored in {}", upload_files.location());
    let startup = store::lock_startup(&config.data_dir).await?;
    let store = store::open(&config.database()).await?;
    // Where this node starts following the search change log: taken before the index is compared
    // with (or built from) the database, so no change made meanwhile is missed.
    let changes_from = store
        .index_change_head()
        .await
        .context("reading the search change log")?;
    let index = search::SearchIndex::open_or_rebuild(&config.data_dir, store.as_ref())
        .await
        .context("opening the search index")?;
    let articles = content::Articles::new(store.clone(), Arc::new(index));
    if config.demo {
        demo::load_on_first_start_with_covers(&articles, &upload_files)
            .await
            .context("loading demo content")?;
    }
    let mut renderer = Renderer::new(config.theme_dir.as_deref())?;
    // Pages load the WeChat share script only when there is an account to sign for.
    renderer.add_global("wechat_share", config.wechat.is_some());
    let renderer = Arc::new(renderer);
    let wechat = match &config.wechat {
        Some(c) => {
            tracing::info!(app_id = %c.app_id, api = %c.api_base, "WeChat JS-SDK sharing on");
            Some(Arc::new(
                wechat::JsSdk::new(c.clone())
                    .context("setting up the WeChat API client")?
                    .shared_through(store.clone()),
            ))
        }
        None => None,
    };
    // First start with no accounts: an admin with a one-time password, printed to the terminal
    // (stderr, not the log) once, so it never lands in a log file or on a page.
    if let Some(password) = auth::ensure_first_admin(store.as_ref())
        .await
        .context("creating the first admin account")?
    {
        let addr = listener.local_addr()?;
        eprintln!(
            "\nnewsdesk: first start, so an admin account was created. Sign in at\n\n    \
             http://{addr}/admin/login\n\n    user:     {}\n    password: {password}\n\n\
             This password is shown only now. Change it with `newsdesk user passwd {}`.\n",
            auth::FIRST_ADMIN,
            auth::FIRST_ADMIN
        );
    }
    // Scheduled articles whose time passed while the server was down go out before the first
    // request; the scheduler task keeps doing so while it runs.
    newsroom::run_due(&articles)
        .await
        .context("publishing scheduled articles")?;
    // Catch up with what was just written before the first request: otherwise the first reads of
    // the database's content version and search change log (demo, scheduled articles) would move
    // the version and re-index those articles under pages already served.
    store
        .sync_content_version()
        .await
        .context("reading the content version")?;
    let changes_from = articles
        .follow_changes(changes_from)
        .await
        .context("applying the search change log")?;
    let scheduled = articles.clone();
    let counter = Arc::new(ViewCounter::new(config.view_dedupe));
    let state = AppState::new(store.clone(), renderer, counter.clone())
        .await?
        .with_wechat(wechat)
        .with_articles(articles)
        .with_sitemap_max_urls(config.sitemap_max_urls)
        .with_page_cache(config.page_cache_bytes)
        .with_article_cache(config.article_cache_bytes)
        .with_trusted_proxies(web::client::TrustedProxies::new(
            config.trusted_proxies.clone(),
        ));

    let state = state.with_uploads(images::Uploads {
        files: upload_files,
        max_bytes: config.max_upload_bytes,
        max_attachment_bytes: config.max_attachment_bytes,
        remote: Some(
            remote::RemoteFetcher::new(config.remote_images_allow_private)
                .context("building the remote-image client")?,
        ),
    });

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let scheduler = newsroom::spawn_scheduler(scheduled, stop_rx.clone());
    // Cached pages and the site chrome follow content writes made by other processes and nodes.
    let version_sync = state.spawn_content_sync(changes_from, stop_rx.clone());
    let pusher = {
        let state = state.clone();
        site_push::spawn(
            store.clone(),
            move || state.chrome().site.clone(),
            config.site_push.clone(),
            stop_rx.clone(),
        )
    };
    let flusher = counter.spawn_flusher(store.clone(), stop_rx);

    drop(startup);
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data = %config.data_dir.display(), "newsdesk serving on http://{addr}");
    let base_url = state.chrome().site.base_url.clone();
    if config::loopback_base_url_on_open_listener(&base_url, addr) {
        tracing::warn!(%base_url, %addr, "base_url {base_url} is a loopback address but newsdesk listens on {addr}: links, feeds and share cards will send visitors to their own machine; set 网站地址 to the public address in 站点设置 (/admin/settings)");
    }
    let app = web::routes::router(state);
    web::server::run(listener, app, config.connections.clone(), shutdown).await;

    // No request can count a view any more: write the last counts and stop.
    let _ = stop_tx.send(true);
    flusher.await.context("view counter task")?;
    version_sync.await.context("content version task")?;
    scheduler.await.context("scheduler task")?;
    pusher.await.context("link push task")?;
    store.close().await;
    tracing::info!("newsdesk stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
