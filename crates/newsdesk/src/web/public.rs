//! Reader-facing pages: home, channel listings, article pages, static assets, health.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::extract::{ClientIp, InWeChat, Path, Query};
use super::page_cache::{self, PageKey, PageKind, Rendered, VIEWS_PLACEHOLDER};
use crate::counter::Visitor;
use crate::domain::{PageRequest, TargetFilter};
use crate::error::AppError;
use crate::render::qr_svg;
use crate::render::views::{
    ArticleCard, ArticleView, ChannelLink, FeedLink, Layout, Pagination, ShareImage, TargetView,
    news_article_json_ld,
};

/// Articles per listing page.
const PER_PAGE: u32 = 20;
/// Articles per channel box on the home page.
const HOME_BOX: u32 = 6;

/// `?page=N` on listings; anything that is not a positive number reads as page 1.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    fn page(&self) -> u32 {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse::<u32>().ok())
            .filter(|&p| p > 0)
            .unwrap_or(1)
    }
}

#[derive(Serialize)]
struct ChannelSection {
    channel: ChannelLink,
    articles: Vec<ArticleCard>,
}

/// Caption of the QR code on desktop article pages.
const QR_CAPTION: &str = "微信扫一扫 在手机上阅读";

fn render(state: &AppState, template: &str, view: impl Serialize) -> Result<String, AppError> {
    state.renderer.render(template, view).map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context(format!("rendering {template}")))
    })
}

/// How long a cached listing (home, channel) is served before it is rendered again although no
/// content changed: what ranks by views (热门) moves without a content write.
pub const LISTING_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// `GET /`: latest articles and a box per channel, from the page cache.
pub async fn home(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
    InWeChat(in_wechat): InWeChat,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let page = q.page();
    let key = PageKey::new(PageKind::Home, "", page, in_wechat);
    let st = state.clone();
    page_cache::serve(&state, &headers, key, |version| async move {
        render_home(&st, page, in_wechat, version).await
    })
    .await
}

async fn render_home(
    state: &AppState,
    page: u32,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let chrome = state.chrome_at(version).await?;
    let latest = state
        .store
        .list_published(
            None,
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    if page > 1 && latest.items.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut sections = Vec::new();
    for channel in &chrome.channels {
        let items = state
            .store
            .list_published(
                Some(channel.id),
                PageRequest {
                    page: 1,
                    per_page: HOME_BOX,
                },
            )
            .await?;
        if !items.items.is_empty() {
            sections.push(ChannelSection {
                channel: ChannelLink::from(channel),
                articles: items
                    .items
                    .iter()
                    .map(|a| ArticleCard::new(a, &chrome.site))
                    .collect(),
            });
        }
    }
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        "/",
        None,
    );
    layout.description = format!("{}：最新资讯、政策解读与行业动态。", chrome.site.site_name);
    layout.in_wechat = in_wechat;
    render(
        state,
        "home.html",
        context! {
            layout,
            home => true,
            latest => latest.items.iter().map(|a| ArticleCard::new(a, &chrome.site)).collect::<Vec<_>>(),
            pagination => Pagination::new("/", page, PER_PAGE, latest.total),
            sections,
        },
    )
    .map(|html| Rendered::html(html).fresh_for(LISTING_FRESH_FOR))
}

/// `GET /channels/{slug}`: a channel's articles, newest first, paginated; from the page cache.
pub async fn show_channel(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
    InWeChat(in_wechat): InWeChat,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let page = q.page();
    let key = PageKey::new(PageKind::Channel, slug, page, in_wechat);
    let st = state.clone();
    page_cache::serve(&state, &headers, key.clone(), |version| async move {
        render_channel(&st, &key.slug, page, in_wechat, version).await
    })
    .await
}

async fn render_channel(
    state: &AppState,
    slug: &str,
    page: u32,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let chrome = state.chrome_at(version).await?;
    let channel = chrome
        .channels
        .iter()
        .find(|c| c.slug == slug)
        .ok_or(AppError::NotFound)?;
    let list = state
        .store
        .list_published(
            Some(channel.id),
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    if page > 1 && list.items.is_empty() {
        return Err(AppError::NotFound);
    }
    let path = format!("/channels/{}", channel.slug);
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        &path,
        Some(&channel.name),
    );
    layout.current_channel = Some(channel.slug.clone());
    layout.description = format!("{} - {}栏目最新文章", chrome.site.site_name, channel.name);
    layout.in_wechat = in_wechat;
    layout.feeds.extend(FeedLink::pair(
        &format!("{} - {}", chrome.site.site_name, channel.name),
        &format!("{path}/"),
    ));
    render(
        state,
        "channel.html",
        context! {
            layout,
            channel => ChannelLink::from(channel),
            articles => list.items.iter().map(|a| ArticleCard::new(a, &chrome.site)).collect::<Vec<_>>(),
            pagination => Pagination::new(&path, page, PER_PAGE, list.total),
        },
    )
    .map(|html| Rendered::html(html).fresh_for(LISTING_FRESH_FOR))
}

/// `GET /articles/{slug}`: the article page; a GET counts a view (see [`crate::counter`]).
///
/// Pages come from the page cache when the store has not changed since they were rendered; the
/// live 浏览量 is spliced in on every request.
pub async fn show_article(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    method: Method,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    InWeChat(in_wechat): InWeChat,
) -> Result<Response, AppError> {
    let key = PageKey::new(PageKind::Article, slug, 1, in_wechat);
    let st = state.clone();
    let page = page_cache::page(&state, key.clone(), |version| async move {
        render_article(&st, &key.slug, in_wechat, version).await
    })
    .await?;
    let Some(article_id) = page.article_id else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "article page without its article"
        )));
    };
    if method == Method::GET {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let visitor = Visitor {
            ip: ip.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
            user_agent,
        };
        state.counter.record(article_id, &visitor);
    }
    let views = state.counter.live_total(article_id).unwrap_or_default();
    Ok(page.respond(&headers, views))
}

/// Renders an article page with a placeholder for its 浏览量.
async fn render_article(
    state: &AppState,
    slug: &str,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let article = state.store.published_article(slug).await?;
    // From now on the counter keeps this article's live count, spliced into the cached page.
    state.counter.track_total(article.id, article.views);
    let chrome = state.chrome_at(version).await?;
    let path = format!("/articles/{}", article.slug);
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        &path,
        Some(&article.title),
    );
    layout.current_channel = Some(article.channel.slug.clone());
    layout.description = article.summary.clone();
    crate::web::seo::apply_article_seo(
        &mut layout,
        &state.store.article_desk(article.id).await?,
        &article,
        &chrome.site,
    );
    layout.og_type = "article";
    layout.share_title = article.title.clone();
    layout.share_image = ShareImage::for_article(
        article.cover_image.as_deref(),
        &article.body_html,
        &chrome.site,
    );
    layout.json_ld = Some(news_article_json_ld(
        &article,
        &chrome.site,
        &layout.canonical,
        &layout.share_image,
    ));
    layout.in_wechat = in_wechat;
    // Inside WeChat the reader is already on the phone: no code to scan.
    let qr = if in_wechat {
        None
    } else {
        let svg = qr_svg(
            &layout.canonical,
            &format!("本文网址的二维码：{}", layout.canonical),
        )
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code of {path}: {e}")))?;
        Some(svg)
    };
    // 量化目标: the table beside the article links to each clause, marked in the body.
    let targets = state
        .store
        .list_targets(&TargetFilter {
            article_id: Some(article.id),
            each_occurrence: true,
            ..TargetFilter::default()
        })
        .await?;
    // Shown for policy documents (the type as corrected), unless an editor turned it on or off.
    let panel = state
        .store
        .article_corrections(article.id)
        .await?
        .document
        .panel;
    let document = state.store.article_document(article.id).await?;
    let targets = if crate::corrections::panel_shows(panel, document.as_ref()) {
        targets
    } else {
        Vec::new()
    };
    let mut view = ArticleView::new(&article, VIEWS_PLACEHOLDER, &chrome.site);
    let (body_html, marked) = crate::targets::highlight_marked(&view.body_html, &targets);
    view.body_html = body_html;
    let target_rows: Vec<(&str, TargetView)> = targets
        .iter()
        .map(|t| {
            let mut row = TargetView::new(t, &chrome.site);
            // A target an editor added with a clause not in the text has no mark to link to.
            // (Looked up among the marks made, not searched for in the page: 100 targets would
            // scan a 30 KB body 100 times.)
            if marked.binary_search(&t.position).is_err() {
                row.anchor.clear();
            }
            (t.record.as_str(), row)
        })
        .collect();
    let html = state
        .renderer
        .render(
            "article.html",
            context! {
                layout,
                article => view,
                // Targets and results (实绩) apart; both are marked in the body.
                targets => target_rows
                    .iter()
                    .filter(|(record, _)| *record != "result")
                    .map(|(_, row)| row)
                    .collect::<Vec<_>>(),
                results => target_rows
                    .iter()
                    .filter(|(record, _)| *record == "result")
                    .map(|(_, row)| row)
                    .collect::<Vec<_>>(),
                qr_svg => qr,
                qr_caption => QR_CAPTION,
            },
        )
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering article.html")))?;
    Ok(Rendered::html(html).counting(article.id))
}

#[derive(Debug, Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

/// `GET /static/{path}`: theme assets; versioned URLs are cached for a year.
pub async fn static_asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    Query(q): Query<AssetQuery>,
) -> Result<Response, AppError> {
    let (bytes, content_type) = state
        .renderer
        .static_file(&path)
        .ok_or(AppError::NotFound)?;
    let cache = if q.v.as_deref() == Some(state.renderer.asset_version()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        bytes.into_owned(),
    )
        .into_response())
}

/// `GET /healthz`: 200 once the server is serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Anything unrouted: the Chinese 404 page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
