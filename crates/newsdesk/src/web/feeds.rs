//! RSS 2.0 and Atom feeds: `/feed.xml` and `/atom.xml` for the whole site,
//! `/channels/{slug}/feed.xml` and `/channels/{slug}/atom.xml` per channel. Whether entries carry
//! the full body or the summary is the site setting `feed_content`. Answers honour conditional GET.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::AppState;
use super::conditional;
use super::extract::Path;
use crate::error::AppError;
use crate::render::xml::FeedView;

/// Entries per feed.
pub const FEED_ENTRIES: u32 = 20;

const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The feed of the site (`slug` `None`) or of one channel.
async fn build(state: &AppState, slug: Option<&str>) -> Result<FeedView, AppError> {
    let chrome = state.chrome();
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

/// `GET /feed.xml`: the site's RSS feed.
pub async fn site_rss(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let feed = build(&state, None).await?;
    Ok(conditional::respond(
        &headers,
        RSS_TYPE,
        feed.to_rss(),
        Some(feed.last_modified()),
    ))
}

/// `GET /atom.xml`: the site's Atom feed.
pub async fn site_atom(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let feed = build(&state, None).await?;
    Ok(conditional::respond(
        &headers,
        ATOM_TYPE,
        feed.to_atom(),
        Some(feed.last_modified()),
    ))
}

/// `GET /channels/{slug}/feed.xml`: a channel's RSS feed.
pub async fn channel_rss(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let feed = build(&state, Some(&slug)).await?;
    Ok(conditional::respond(
        &headers,
        RSS_TYPE,
        feed.to_rss(),
        Some(feed.last_modified()),
    ))
}

/// `GET /channels/{slug}/atom.xml`: a channel's Atom feed.
pub async fn channel_atom(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let feed = build(&state, Some(&slug)).await?;
    Ok(conditional::respond(
        &headers,
        ATOM_TYPE,
        feed.to_atom(),
        Some(feed.last_modified()),
    ))
}
