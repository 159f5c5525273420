//! Reader-facing pages: home, channel listings, article pages, static assets, health.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::article_parts::{ArticleParts, PageFrame, READING_LINKS_MARK, read_article_parts};
use super::extract::{ClientIp, InWeChat, Path, Query};
use super::page_cache::{self, PageKey, PageKind, Rendered, VIEWS_PLACEHOLDER};
use crate::counter::Visitor;
use crate::domain::{ArticleFlag, ArticleSummary, PageRequest};
use crate::error::AppError;
use crate::render::qr_svg_cached;
use crate::render::views::{
    ArticleCard, ArticleView, ChannelLink, CoverView, FooterView, HotArticle, Layout, Pagination,
    RELATED_COUNT, ReadingLink, ShareImage, ShareView, TagLink, news_article_json_ld,
    related_links,
};
use crate::store::PageFacts;

/// Articles per listing page.
pub(super) const PER_PAGE: u32 = 20;
/// Articles per channel box on the home page.
const HOME_BOX: u32 = 6;
/// Slides of the home page's 焦点图 carousel.
const SLIDES: u32 = 6;
/// 置顶 articles shown first in the home page's latest list.
const PINNED: u32 = 5;
/// Entries of the home page's 热门 ranking.
const HOT: u32 = 10;
/// Days the 热门 ranking counts views over, today included.
const HOT_DAYS: u32 = 7;

/// `?page=N` on listings; anything that is not a positive number reads as page 1.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    pub(super) fn page(&self) -> u32 {
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
    /// The box's newest article with a cover, shown as a picture above the list.
    lead: Option<ArticleCard>,
    articles: Vec<ArticleCard>,
}

/// Caption of the QR code on desktop article pages.
const QR_CAPTION: &str = "微信扫一扫 在手机上阅读";

/// A template rendered to a string, for the page cache.
pub(super) fn render_html(
    state: &AppState,
    template: &str,
    view: impl Serialize,
) -> Result<String, AppError> {
    state.renderer.render(template, view).map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context(format!("rendering {template}")))
    })
}

/// How long a cached listing (home, channel, tag, topic) is served before it is rendered again
/// although no content changed: what ranks by views (热门) moves without a content write.
pub const LISTING_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// `GET /`: the portal's front page. Page 1 has the 头条 (top story), the 焦点图 carousel, the
/// latest articles with the 置顶 ones first, 热门 and a box per channel; later pages only the
/// latest articles (and 热门). What is 头条/焦点/置顶 comes from the editors' flags; with none set
/// the page falls back to the newest articles, so a site without flags still reads as a portal.
/// From the page cache.
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
    let site = &chrome.site;
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
    let card = |a: &ArticleSummary| ArticleCard::new(a, site);
    let (hot, hot_note) = hot_articles(state, site, &latest.items).await?;
    let mut headline = None;
    let mut slides = Vec::new();
    let mut sections = Vec::new();
    let mut latest_cards: Vec<ArticleCard> = Vec::new();
    if page == 1 {
        let top = state.store.latest_flagged(ArticleFlag::Headline, 1).await?;
        // No 头条 flagged: the newest article, preferring one with a cover.
        let top = top.into_iter().next().or_else(|| {
            latest
                .items
                .iter()
                .find(|a| shows_cover(a))
                .or(latest.items.first())
                .cloned()
        });
        let top_id = top.as_ref().map(|a| a.id);
        headline = top.as_ref().map(card);
        let featured = state
            .store
            .latest_flagged(ArticleFlag::Featured, SLIDES + 1)
            .await?;
        let mut featured: Vec<&ArticleSummary> =
            featured.iter().filter(|a| Some(a.id) != top_id).collect();
        if featured.is_empty() {
            // No 推荐 flagged: the newest articles with covers make the carousel.
            featured = latest
                .items
                .iter()
                .filter(|a| Some(a.id) != top_id && shows_cover(a))
                .collect();
        }
        slides = featured
            .into_iter()
            .take(SLIDES as usize)
            .map(card)
            .collect();
        let pinned = state
            .store
            .latest_flagged(ArticleFlag::Pinned, PINNED)
            .await?;
        latest_cards.extend(pinned.iter().map(|a| ArticleCard {
            pinned: true,
            ..card(a)
        }));
        latest_cards.extend(
            latest
                .items
                .iter()
                .filter(|a| !pinned.iter().any(|p| p.id == a.id))
                .map(card),
        );
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
            if items.items.is_empty() {
                continue;
            }
            // The box leads with its newest article that has a cover, as a picture.
            let lead = items.items.iter().position(shows_cover);
            sections.push(ChannelSection {
                channel: ChannelLink::from(channel),
                lead: lead.map(|i| card(&items.items[i])),
                articles: items
                    .items
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| Some(i) != lead)
                    .map(|(_, a)| card(a))
                    .collect(),
            });
        }
    } else {
        latest_cards.extend(latest.items.iter().map(card));
    }
    let mut layout = Layout::new(
        site,
        &chrome.channels,
        state.renderer.asset_version(),
        "/",
        None,
    );
    layout.description = format!("{}：最新资讯、政策解读与行业动态。", site.site_name);
    layout.in_wechat = in_wechat;
    render_html(
        state,
        "home.html",
        context! {
            layout,
            home => true,
            headline,
            slides,
            latest => latest_cards,
            hot,
            hot_note,
            pagination => Pagination::new("/", page, PER_PAGE, latest.total),
            sections,
        },
    )
    .map(|html| Rendered::html(html).fresh_for(LISTING_FRESH_FOR))
}

/// Whether a listed article has a cover a page may show (see [`CoverView`]).
fn shows_cover(a: &ArticleSummary) -> bool {
    a.cover_image.as_deref().and_then(CoverView::new).is_some()
}

/// 热门: the most viewed public articles of the last [`HOT_DAYS`] days in the site's zone, and the
/// note saying so. A site with no views counted in those days yet (new, or just imported with the
/// counts of its old pages) ranks the newest articles by their total 浏览量 instead, and says
/// that.
async fn hot_articles(
    state: &AppState,
    site: &crate::domain::SiteSettings,
    newest: &[ArticleSummary],
) -> Result<(Vec<HotArticle>, String), AppError> {
    let today = chrono::Utc::now().with_timezone(&site.tz()).date_naive();
    let from = today
        .checked_sub_days(chrono::Days::new(u64::from(HOT_DAYS) - 1))
        .unwrap_or(today);
    let top = state
        .store
        .top_viewed(&from.format("%Y-%m-%d").to_string(), HOT)
        .await?;
    if !top.is_empty() {
        return Ok((
            top.iter()
                .map(|a| HotArticle::new(&a.slug, &a.title, a.views))
                .collect(),
            format!("近 {HOT_DAYS} 天"),
        ));
    }
    let mut by_views: Vec<&ArticleSummary> = newest.iter().filter(|a| a.views > 0).collect();
    by_views.sort_by(|a, b| b.views.cmp(&a.views).then(b.id.cmp(&a.id)));
    Ok((
        by_views
            .into_iter()
            .take(HOT as usize)
            .map(|a| HotArticle::new(&a.slug, &a.title, a.views))
            .collect(),
        "最新文章累计浏览".to_string(),
    ))
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

/// Renders an article page with a placeholder for its 浏览量: the links read now, rendered into
/// the page kept around them for this version of the article and look of the site (made now when
/// there is none).
async fn render_article(
    state: &AppState,
    slug: &str,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let current = state.chrome();
    let ((parts, views, reading), chrome) =
        tokio::try_join!(article_and_links(state, slug, &current.site), async {
            state.chrome_at(version).await.map_err(AppError::from)
        },)?;
    let article = &parts.article;
    // From now on the counter keeps this article's live count, spliced into the cached page.
    state.counter.track_total(article.id, views);
    let year = FooterView::year_now(&chrome.site);
    let frame = match parts.kept_frame(in_wechat, chrome.look, year) {
        Some(frame) => frame,
        None => {
            let page = render_article_frame(state, &parts, &chrome, in_wechat, year)?;
            let frame = std::sync::Arc::new(PageFrame::new(page, chrome.look, year));
            state.article_parts().keep_frame(
                slug,
                &parts,
                in_wechat,
                std::sync::Arc::clone(&frame),
            );
            frame
        }
    };
    let (related, links) = reading;
    let reading_links = state
        .renderer
        .render(
            "partials/reading-links.html",
            context! {
                related,
                previous => links.previous.as_ref().map(|a| ReadingLink::from_summary(a, &chrome.site)),
                next => links.next.as_ref().map(|a| ReadingLink::from_summary(a, &chrome.site)),
                in_wechat,
            },
        )
        .map_err(|e| {
            AppError::Internal(
                anyhow::Error::new(e).context("rendering partials/reading-links.html"),
            )
        })?;
    Ok(Rendered::html(frame.page(&reading_links)).counting(article.id))
}

/// An article page with [`READING_LINKS_MARK`] where its links go: everything of the page made of
/// the article and the site's chrome, with `year` in the footer.
fn render_article_frame(
    state: &AppState,
    parts: &ArticleParts,
    chrome: &super::Chrome,
    in_wechat: bool,
    year: i32,
) -> Result<String, AppError> {
    let article = &parts.article;
    let PageFacts {
        desk,
        origin,
        document: _,
        panel: _,
    } = &parts.facts;
    let origin = OriginView::from(origin.clone());
    let path = format!("/articles/{}", article.slug);
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        &path,
        Some(&article.title),
    );
    layout.current_channel = Some(article.channel.slug.clone());
    layout.footer.year = year;
    layout.description = article.summary.clone();
    crate::web::seo::apply_article_seo(&mut layout, desk, article, &chrome.site);
    layout.og_type = "article";
    layout.share_title = article.title.clone();
    layout.share_image = ShareImage::for_article(
        article.cover_image.as_deref(),
        &article.body_html,
        &chrome.site,
    );
    layout.json_ld = Some(news_article_json_ld(
        article,
        &chrome.site,
        &layout.canonical,
        &layout.share_image,
    ));
    layout.in_wechat = in_wechat;
    // Inside WeChat the reader is already on the phone: no code to scan.
    let qr = if in_wechat {
        None
    } else {
        let svg = qr_svg_cached(
            &layout.canonical,
            &format!("本文网址的二维码：{}", layout.canonical),
        )
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code of {path}: {e}")))?;
        Some(svg)
    };
    let mut view = ArticleView::new(article, VIEWS_PLACEHOLDER, &chrome.site);
    view.tag_links = parts.tags.iter().map(TagLink::from).collect();
    let share = ShareView::new(&layout.canonical, &article.title);
    state
        .renderer
        .render(
            "article.html",
            context! {
                layout,
                attachments => &parts.attachments,
                origin,
                article => view,
                // 量化目标 and 实绩, rendered with the article's parts; both are marked in the body.
                panel_tables => parts.panel_tables.clone(),
                target_count => parts.target_count,
                result_count => parts.result_count,
                qr_svg => qr,
                qr_caption => QR_CAPTION,
                body_lead => parts.body_lead.clone(),
                body_rest => parts.body_rest.clone(),
                reading_links => minijinja::Value::from_safe_string(READING_LINKS_MARK.to_string()),
                crumbs => crate::web::portal::article_crumbs(&chrome.channels, &article.channel.slug),
                share,
                in_wechat,
            },
        )
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering article.html")))
}

/// 相关文章 and 上一篇/下一篇 of an article as a page shows them, and the store's lists they come
/// from.
type Reading = (Vec<ReadingLink>, crate::store::ReadingLinks);

/// The parts of the public article at `slug` (see [`crate::web::article_parts`]), its stored view
/// count and what it leads on to. When parts were kept for the slug, one read of the store says
/// whether they are current and gives their links; only when they were not (the article changed),
/// the article is read again and then its links: each read is a round trip to the database's
/// threads, and those hand-offs were most of a cold render.
async fn article_and_links(
    state: &AppState,
    slug: &str,
    site: &crate::domain::SiteSettings,
) -> Result<(std::sync::Arc<ArticleParts>, i64, Reading), AppError> {
    if let Some(kept) = state.article_parts().kept(slug) {
        let similar = similar_ids(state, &kept.article).await;
        let limit = fallback_limit(kept.article.id, &similar);
        let (now, mut links) = state
            .store
            .page_stamp_and_links(slug, &kept.article, &similar, limit)
            .await?;
        if kept.is_current(&now) {
            if !similar_fill_related(limit, &links) {
                links = state
                    .store
                    .reading_links(&kept.article, &similar, RELATED_COUNT as u32)
                    .await?;
            }
            let related = related_links(kept.article.id, &links, site);
            return Ok((kept, now.views, (related, links)));
        }
    }
    let (parts, views) = read_article_parts(state, slug).await?;
    let reading = reading_links(state, &parts.article, site).await?;
    Ok((parts, views, reading))
}

/// The ids of the articles most like `article` in the search index, most alike first: kept ones
/// on the request's thread, else searched on a blocking thread. A failure only costs the similar
/// articles, not the page.
async fn similar_ids(
    state: &AppState,
    article: &std::sync::Arc<crate::domain::Article>,
) -> Vec<i64> {
    let Some(articles) = state.articles() else {
        return Vec::new();
    };
    let index = articles.index();
    if let Some(kept) = index.kept_like_this(article.id, RELATED_COUNT) {
        return kept;
    }
    let (index, id, own) = (index.clone(), article.id, std::sync::Arc::clone(article));
    match tokio::task::spawn_blocking(move || index.more_like_this(&own, RELATED_COUNT)).await {
        Ok(Ok(similar)) => similar,
        Ok(Err(e)) => {
            tracing::warn!(article.id = id, "similar articles: {e:#}");
            Vec::new()
        }
        Err(e) => {
            tracing::warn!(article.id = id, "similar articles task: {e}");
            Vec::new()
        }
    }
}

/// 相关文章 and 上一篇/下一篇 of an article, computed once per render: the page is cached per
/// content version, and every article write moves that version, so a new or changed article
/// reaches the related lists and neighbours of every other page on their next request.
async fn reading_links(
    state: &AppState,
    article: &std::sync::Arc<crate::domain::Article>,
    site: &crate::domain::SiteSettings,
) -> Result<Reading, AppError> {
    let similar = similar_ids(state, article).await;
    let limit = fallback_limit(article.id, &similar);
    let mut links = state.store.reading_links(article, &similar, limit).await?;
    if !similar_fill_related(limit, &links) {
        links = state
            .store
            .reading_links(article, &similar, RELATED_COUNT as u32)
            .await?;
    }
    Ok((related_links(article.id, &links, site), links))
}

/// How many of the articles sharing tags and of the channel's newest a render reads for 相关文章,
/// which shows the index's similar articles first: none when there are enough similar ones to
/// fill it (the usual case on a site of any size; those two lists were half the read), else as
/// many as it shows.
fn fallback_limit(article_id: i64, similar: &[i64]) -> u32 {
    if similar.iter().filter(|id| **id != article_id).count() >= RELATED_COUNT {
        0
    } else {
        RELATED_COUNT as u32
    }
}

/// Whether links read with `limit` make 相关文章 as a full read would: always with the full
/// limit; with none, when the similar articles that are public fill it (one the index still
/// has may have left the site).
fn similar_fill_related(limit: u32, links: &crate::store::ReadingLinks) -> bool {
    limit > 0 || links.similar.len() >= RELATED_COUNT
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

/// Anything unrouted: an old address of an imported article or channel list (its path and query
/// as the old site wrote it, see [`crate::domain::redirect_key`]) answers `301` to the article or
/// channel; anything else the Chinese 404 page. One indexed point query per request, so bots
/// probing random paths cost little. Only reached by paths no route takes, so a redirect never shadows a page of ours.
pub async fn not_found(
    State(state): State<AppState>,
    method: Method,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    if method == Method::GET || method == Method::HEAD {
        let address = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
        if let Some(location) = state.store.redirect_for(address).await? {
            return Ok((
                axum::http::StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response());
        }
    }
    Err(AppError::NotFound)
}

/// An article's origin facts as the article page shows them.
#[derive(Debug, Default, Serialize)]
struct OriginView {
    editor: Option<String>,
    notice_issuer: Option<String>,
    notice_number: Option<String>,
    /// `YYYY-MM-DD`, for `<time datetime>`.
    notice_written_on: Option<String>,
    /// `2024年3月1日`.
    notice_written_on_display: Option<String>,
}

impl From<crate::domain::ArticleOrigin> for OriginView {
    fn from(o: crate::domain::ArticleOrigin) -> Self {
        Self {
            editor: o.editor,
            notice_issuer: o.notice_issuer,
            notice_number: o.notice_number,
            notice_written_on: o
                .notice_written_on
                .map(|d| d.format("%Y-%m-%d").to_string()),
            notice_written_on_display: o
                .notice_written_on
                .map(|d| d.format("%Y年%-m月%-d日").to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RELATED_COUNT, fallback_limit, similar_fill_related};
    use crate::domain::ArticleSummary;
    use crate::store::ReadingLinks;

    fn summary(id: i64) -> ArticleSummary {
        ArticleSummary {
            id,
            slug: format!("a{id}"),
            title: format!("文章{id}"),
            summary: String::new(),
            channel_name: "光伏".into(),
            channel_slug: "pv".into(),
            published_at: None,
            views: 0,
            cover_image: None,
        }
    }

    #[test]
    fn the_other_lists_are_read_only_when_similar_articles_cannot_fill_related() {
        let six: Vec<i64> = (1..=6).collect();
        assert_eq!(fallback_limit(99, &six), 0);
        // The article itself among them does not count; fewer than six read every list.
        assert_eq!(fallback_limit(3, &six), RELATED_COUNT as u32);
        assert_eq!(fallback_limit(99, &six[..2]), RELATED_COUNT as u32);
        assert_eq!(fallback_limit(99, &[]), RELATED_COUNT as u32);

        let links = |n: i64| ReadingLinks {
            similar: (1..=n).map(summary).collect(),
            ..ReadingLinks::default()
        };
        assert!(similar_fill_related(0, &links(6)));
        // One of the six is no longer public: read again with every list.
        assert!(!similar_fill_related(0, &links(5)));
        assert!(similar_fill_related(RELATED_COUNT as u32, &links(0)));
    }
}
