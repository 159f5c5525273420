//! What search engines read: `/robots.txt`, `/sitemap.xml` (one sitemap, or a sitemap index over
//! `/sitemaps/pages.xml` and `/sitemaps/articles-N.xml` once the site has more URLs than one sitemap
//! may hold), and the news sitemap `/sitemap-news.xml` of the last two days. Canonical links,
//! Open Graph and JSON-LD are in the pages themselves (see [`crate::render::views`]).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};

use super::AppState;
use super::conditional;
use super::extract::Path;
use crate::domain::PageRequest;
use crate::error::AppError;
use crate::render::xml::{self, SitemapUrl};

/// URLs one sitemap may hold, by the sitemaps.org protocol.
pub const SITEMAP_MAX_URLS: u32 = 50_000;
/// News sitemaps list articles of the last two days, at most this many (Google's limit).
const NEWS_MAX_URLS: u32 = 1_000;
const XML_TYPE: &str = "application/xml; charset=utf-8";

/// Home, channel, topic, single and tag pages.
async fn page_urls(state: &AppState) -> Result<Vec<SitemapUrl>, AppError> {
    let chrome = state.chrome();
    let portal = super::portal::sitemap_paths(state).await?;
    Ok(std::iter::once("/".to_string())
        .chain(
            chrome
                .channels
                .iter()
                .map(|c| format!("/channels/{}", c.slug)),
        )
        .chain(portal)
        .map(|path| SitemapUrl {
            loc: chrome.site.url(&path),
            lastmod: None,
        })
        .collect())
}

/// Page `n` (1-based) of the article URLs, `limit` per page, and how many articles there are.
async fn article_urls(
    state: &AppState,
    n: u32,
    limit: u32,
) -> Result<(Vec<SitemapUrl>, i64), AppError> {
    let site = state.chrome().site.clone();
    let page = state
        .store
        .published_stamps(PageRequest {
            page: n,
            per_page: limit,
        })
        .await?;
    let urls = page
        .items
        .iter()
        .map(|a| SitemapUrl::article(&site, a))
        .collect();
    Ok((urls, page.total))
}

/// `GET /robots.txt`: everything may be crawled but the API; where the sitemaps are.
pub async fn robots(State(state): State<AppState>) -> Response {
    let site = &state.chrome().site;
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\n\nSitemap: {}\nSitemap: {}\n",
        site.url("/sitemap.xml"),
        site.url("/sitemap-news.xml")
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `GET /sitemap.xml`: all public pages, or an index of sitemaps when they do not fit in one.
pub async fn sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let limit = state.sitemap_max_urls();
    let mut urls = page_urls(&state).await?;
    let (articles, total) = article_urls(&state, 1, limit).await?;
    let total = u64::try_from(total).unwrap_or(0);
    let body = if total + (urls.len() as u64) <= u64::from(limit) {
        urls.extend(articles);
        xml::urlset(&urls)
    } else {
        let site = &state.chrome().site;
        let parts = total.div_ceil(u64::from(limit));
        let locs: Vec<String> = std::iter::once(site.url("/sitemaps/pages.xml"))
            .chain((1..=parts).map(|n| site.url(&format!("/sitemaps/articles-{n}.xml"))))
            .collect();
        xml::sitemap_index(&locs)
    };
    Ok(conditional::respond(&headers, XML_TYPE, body, None))
}

/// `GET /sitemaps/{name}`: `pages.xml` (home, channels, topics, single pages, tags) or `articles-N.xml`, the parts of the
/// sitemap index.
pub async fn sitemap_part(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let body = if name == "pages.xml" {
        xml::urlset(&page_urls(&state).await?)
    } else {
        let n: u32 = name
            .strip_prefix("articles-")
            .and_then(|rest| rest.strip_suffix(".xml"))
            .and_then(|n| n.parse().ok())
            .filter(|&n| n > 0)
            .ok_or(AppError::NotFound)?;
        let (urls, _) = article_urls(&state, n, state.sitemap_max_urls()).await?;
        if urls.is_empty() {
            return Err(AppError::NotFound);
        }
        xml::urlset(&urls)
    };
    Ok(conditional::respond(&headers, XML_TYPE, body, None))
}

/// `GET /sitemap-news.xml`: articles published in the last two days.
pub async fn news_sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let since = Utc::now() - Duration::days(2);
    let page = state
        .store
        .published_stamps(PageRequest {
            page: 1,
            per_page: NEWS_MAX_URLS,
        })
        .await?;
    let recent: Vec<_> = page
        .items
        .into_iter()
        .take_while(|a| a.published_at >= since)
        .collect();
    let body = xml::news_sitemap(&state.chrome().site, &recent);
    Ok(conditional::respond(&headers, XML_TYPE, body, None))
}

/// An article's own SEO fields over the page's defaults: the SEO title in `<title>` (the site
/// name still appended), the SEO description as the description, and the SEO keywords, else the
/// tags, as `<meta name="keywords">`. The share title stays the headline.
pub fn apply_article_seo(
    layout: &mut crate::render::views::Layout,
    desk: &crate::domain::DeskFields,
    article: &crate::domain::Article,
    site: &crate::domain::SiteSettings,
) {
    if !desk.seo_title.trim().is_empty() {
        layout.title = format!("{} - {}", desk.seo_title.trim(), site.site_name);
    }
    if !desk.seo_description.trim().is_empty() {
        layout.description = desk.seo_description.trim().to_string();
    }
    layout.keywords = if desk.seo_keywords.trim().is_empty() {
        article.tags.join(",")
    } else {
        desk.seo_keywords.trim().to_string()
    };
}
