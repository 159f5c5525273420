//! RSS 2.0 and Atom feeds: `/feed.xml` and `/atom.xml` for the whole site,
//! `/channels/{slug}/feed.xml` and `/channels/{slug}/atom.xml` per channel. Whether entries carry
//! the full body or the summary is the site setting `feed_content`. Answers come from the page cache
//! and honour conditional GET.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::AppState;
use super::extract::Path;
use super::page_cache::{self, PageKey, PageKind, Rendered};
use crate::error::AppError;
use crate::render::xml::FeedView;

/// Entries per feed.
pub const FEED_ENTRIES: u32 = 20;

const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The feed of the site (`slug` `None`) or of one channel.
async fn build(state: &AppState, slug: Option<&str>, version: u64) -> Result<FeedView, AppError> {
    let chrome = state.chrome_at(version).await?;
    let site = &chrome.site;
    let channel = match slug {
        Some(slug) => Some(
            chrome
                .channels
                .iter()
                .find(|c| c.slug == slug)
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let articles = state
        .store
        .latest_articles(channel.map(|c| c.id), FEED_ENTRIES)
        .await?;
    Ok(match channel {
        Some(c) => {
            let page = format!("/channels/{}", c.slug);
            FeedView::new(
                site,
                format!("{} - {}", site.site_name, c.name),
                format!("{}{}栏目最新文章", site.site_name, c.name),
                &page,
                &format!("{page}/"),
                &articles,
            )
        }
        None => FeedView::new(
            site,
            site.site_name.clone(),
            format!("{}：最新资讯、政策解读与行业动态", site.site_name),
            "/",
            "/",
            &articles,
        ),
    })
}

/// Feed `format` of the site or a channel, from the page cache (feed readers poll them).
async fn serve(
    state: AppState,
    headers: &HeaderMap,
    slug: Option<String>,
    format: Format,
) -> Result<Response, AppError> {
    let name = match (&slug, format) {
        (None, Format::Rss) => "rss".to_string(),
        (None, Format::Atom) => "atom".to_string(),
        (Some(s), Format::Rss) => format!("rss/{s}"),
        (Some(s), Format::Atom) => format!("atom/{s}"),
    };
    let key = PageKey::new(PageKind::Feed, name, 1, false);
    let st = state.clone();
    page_cache::serve(&state, headers, key, |version| async move {
        let feed = build(&st, slug.as_deref(), version).await?;
        Ok(match format {
            Format::Rss => Rendered::document(feed.to_rss(), RSS_TYPE, Some(feed.last_modified())),
            Format::Atom => {
                Rendered::document(feed.to_atom(), ATOM_TYPE, Some(feed.last_modified()))
            }
        })
    })
    .await
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Rss,
    Atom,
}

/// `GET /feed.xml`: the site's RSS feed.
pub async fn site_rss(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(state, &headers, None, Format::Rss).await
}

/// `GET /atom.xml`: the site's Atom feed.
pub async fn site_atom(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(state, &headers, None, Format::Atom).await
}

/// `GET /channels/{slug}/feed.xml`: a channel's RSS feed.
pub async fn channel_rss(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(state, &headers, Some(slug), Format::Rss).await
}

/// `GET /channels/{slug}/atom.xml`: a channel's Atom feed.
pub async fn channel_atom(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(state, &headers, Some(slug), Format::Atom).await
}
