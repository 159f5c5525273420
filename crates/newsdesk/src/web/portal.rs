//! The portal's other pages: tag pages and their feeds (`/tags/{slug}`), 专题 (`/topics`,
//! `/topics/{slug}`), single pages (`/pages/{slug}`), and the channel page's breadcrumb and
//! sidebar (热门 in the channel, 专题).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Days, Utc};
use minijinja::context;
use serde::Serialize;

use super::AppState;
use super::extract::{InWeChat, Path, Query};
use super::feeds::FEED_ENTRIES;
use super::page_cache::{self, PageKey, PageKind, Rendered};
use super::public::{LISTING_FRESH_FOR, PER_PAGE, PageQuery, render_html};
use crate::domain::{Channel, PageRequest, Topic};
use crate::error::AppError;
use crate::render::views::{ArticleCard, ChannelLink, FeedLink, Layout, Pagination};
use crate::render::xml::FeedView;
use crate::web::Chrome;

/// Articles in a sidebar's 热门.
const HOT: u32 = 8;
/// 专题 in a sidebar.
const SIDEBAR_TOPICS: usize = 5;
/// 热门 counts the views of this many days, today included.
const HOT_DAYS: u64 = 7;

/// A step of the breadcrumb (the last one is the page itself, without a link).
#[derive(Debug, Serialize)]
pub struct Crumb {
    name: String,
    url: Option<String>,
}

/// Where an article sits: 首页 › its channel's parent (a sub-channel's) › its channel › 正文.
pub fn article_crumbs(channels: &[crate::domain::Channel], channel_slug: &str) -> Vec<Crumb> {
    let mut crumbs = vec![Crumb::link("首页", "/")];
    let channel = channels.iter().find(|c| c.slug == channel_slug);
    let parent = channel
        .and_then(|c| c.parent_id)
        .and_then(|id| channels.iter().find(|p| p.id == id));
    for c in parent.into_iter().chain(channel) {
        crumbs.push(Crumb::link(&c.name, &format!("/channels/{}", c.slug)));
    }
    crumbs.push(Crumb::here("正文"));
    crumbs
}

impl Crumb {
    fn link(name: &str, url: &str) -> Self {
        Self {
            name: name.into(),
            url: Some(url.into()),
        }
    }
    fn here(name: &str) -> Self {
        Self {
            name: name.into(),
            url: None,
        }
    }
}

/// A 专题 as lists and sidebars show it.
#[derive(Debug, Serialize)]
pub struct TopicCard {
    title: String,
    url: String,
    intro: String,
    cover: Option<CoverView>,
}

/// A cover image with its responsive sources.
#[derive(Debug, Serialize)]
struct CoverView {
    src: String,
    srcset: Option<String>,
}

impl TopicCard {
    fn new(t: &Topic) -> Self {
        Self {
            title: t.title.clone(),
            url: format!("/topics/{}", t.slug),
            intro: t.intro.clone(),
            cover: t.cover_image.as_ref().map(|src| CoverView {
                srcset: crate::images::srcset(src),
                src: src.clone(),
            }),
        }
    }
}

/// The sidebar of channel, tag and topic pages.
#[derive(Debug, Serialize)]
pub struct Sidebar {
    hot: Vec<ArticleCard>,
    topics: Vec<TopicCard>,
}

/// The first day (`YYYY-MM-DD`, the site's zone) of the 热门 period.
fn hot_from(chrome: &Chrome) -> String {
    let today = Utc::now().with_timezone(&chrome.site.tz()).date_naive();
    today
        .checked_sub_days(Days::new(HOT_DAYS - 1))
        .unwrap_or(today)
        .format("%Y-%m-%d")
        .to_string()
}

async fn sidebar(
    state: &AppState,
    chrome: &Chrome,
    channel_ids: Option<&[i64]>,
) -> Result<Sidebar, AppError> {
    let all: Vec<i64>;
    let ids = match channel_ids {
        Some(ids) => ids,
        None => {
            all = chrome.channels.iter().map(|c| c.id).collect();
            &all
        }
    };
    let hot = state
        .store
        .top_viewed_in(ids, &hot_from(chrome), HOT)
        .await?;
    Ok(Sidebar {
        hot: hot
            .iter()
            .map(|a| ArticleCard::new(a, &chrome.site))
            .collect(),
        topics: chrome
            .topics
            .iter()
            .take(SIDEBAR_TOPICS)
            .map(TopicCard::new)
            .collect(),
    })
}

fn layout(state: &AppState, chrome: &Chrome, path: &str, title: &str, wechat: bool) -> Layout {
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        path,
        Some(title),
    );
    layout.in_wechat = wechat;
    layout
}

/// The channel, its parent (for a sub-channel) and its children.
fn family<'a>(chrome: &'a Chrome, channel: &'a Channel) -> (Option<&'a Channel>, Vec<&'a Channel>) {
    let parent = channel
        .parent_id
        .and_then(|p| chrome.channels.iter().find(|c| c.id == p));
    let children = chrome
        .channels
        .iter()
        .filter(|c| c.parent_id == Some(channel.id) && channel.parent_id.is_none())
        .collect();
    (parent, children)
}

/// `GET /channels/{slug}`: a channel's articles (a parent's include its sub-channels'), newest
/// first, paginated, with a breadcrumb, its sub-channels and the sidebar.
/// From the page cache.
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
    let (parent, children) = family(&chrome, channel);
    let ids: Vec<i64> = std::iter::once(channel.id)
        .chain(children.iter().map(|c| c.id))
        .collect();
    let list = state
        .store
        .list_published_in(
            &ids,
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
    let mut layout = layout(state, &chrome, &path, &channel.name, in_wechat);
    layout.current_channel = Some(channel.slug.clone());
    layout.description = if channel.description.trim().is_empty() {
        format!("{} - {}栏目最新文章", chrome.site.site_name, channel.name)
    } else {
        channel.description.trim().to_string()
    };
    layout.feeds.extend(FeedLink::pair(
        &format!("{} - {}", chrome.site.site_name, channel.name),
        &format!("{path}/"),
    ));
    let mut crumbs = vec![Crumb::link("首页", "/")];
    if let Some(p) = parent {
        crumbs.push(Crumb::link(&p.name, &format!("/channels/{}", p.slug)));
    }
    crumbs.push(Crumb::here(&channel.name));
    let sidebar = sidebar(state, &chrome, Some(&ids)).await?;
    // On a parent's page each card names its sub-channel.
    let show_channel = !children.is_empty();
    render_html(
        state,
        "channel.html",
        context! {
            layout,
            channel => ChannelLink::from(channel),
            description => channel.description.trim(),
            crumbs,
            children => children.iter().map(|c| ChannelLink::from(*c)).collect::<Vec<_>>(),
            show_channel,
            articles => list.items.iter().map(|a| ArticleCard::new(a, &chrome.site)).collect::<Vec<_>>(),
            pagination => Pagination::new(&path, page, PER_PAGE, list.total),
            sidebar,
        },
    )
    .map(|html| Rendered::html(html).fresh_for(LISTING_FRESH_FOR))
}

/// `GET /tags/{slug}`: public articles with the tag (by its slug, else its name).
/// From the page cache.
pub async fn show_tag(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Query(q): Query<PageQuery>,
    InWeChat(in_wechat): InWeChat,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let page = q.page();
    let key = PageKey::new(PageKind::Tag, segment, page, in_wechat);
    let st = state.clone();
    page_cache::serve(&state, &headers, key.clone(), |version| async move {
        render_tag(&st, &key.slug, page, in_wechat, version).await
    })
    .await
}

async fn render_tag(
    state: &AppState,
    segment: &str,
    page: u32,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let chrome = state.chrome_at(version).await?;
    let tag = state.store.tag_by_segment(segment).await?;
    let list = state
        .store
        .list_tagged(
            tag.id,
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    if list.items.is_empty() && (page > 1 || list.total == 0) {
        // A tag no public article carries has no page (nothing to show, nothing to index).
        return Err(AppError::NotFound);
    }
    let path = tag.path();
    let title = format!("标签：{}", tag.name);
    let mut layout = layout(state, &chrome, &path, &title, in_wechat);
    layout.description = format!("{}上标记为“{}”的文章", chrome.site.site_name, tag.name);
    layout.keywords = tag.name.clone();
    layout.feeds.extend(FeedLink::pair(
        &format!("{} - {}", chrome.site.site_name, tag.name),
        &format!("{path}/"),
    ));
    let sidebar = sidebar(state, &chrome, None).await?;
    render_html(
        state,
        "tag.html",
        context! {
            layout,
            tag => tag.name,
            feed_url => format!("{path}/feed.xml"),
            total => list.total,
            crumbs => vec![Crumb::link("首页", "/"), Crumb::here(&title)],
            articles => list.items.iter().map(|a| ArticleCard::new(a, &chrome.site)).collect::<Vec<_>>(),
            pagination => Pagination::new(&path, page, PER_PAGE, list.total),
            sidebar,
        },
    )
    .map(|html| Rendered::html(html).fresh_for(LISTING_FRESH_FOR))
}

async fn tag_feed(state: &AppState, segment: &str, version: u64) -> Result<FeedView, AppError> {
    let chrome = state.chrome_at(version).await?;
    let tag = state.store.tag_by_segment(segment).await?;
    let list = state
        .store
        .list_tagged(
            tag.id,
            PageRequest {
                page: 1,
                per_page: FEED_ENTRIES,
            },
        )
        .await?;
    // Full articles (feeds carry the body), read in one go and put back in list order.
    let ids: Vec<i64> = list.items.iter().map(|a| a.id).collect();
    let mut read: std::collections::HashMap<i64, _> = state
        .store
        .articles_by_ids(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let articles: Vec<_> = ids.iter().filter_map(|id| read.remove(id)).collect();
    let path = tag.path();
    Ok(FeedView::new(
        &chrome.site,
        format!("{} - {}", chrome.site.site_name, tag.name),
        format!("{}上标记为“{}”的最新文章", chrome.site.site_name, tag.name),
        &path,
        &format!("{path}/"),
        &articles,
    ))
}

/// A tag's feed in `format` (`rss` or `atom`), from the page cache.
async fn serve_tag_feed(
    state: AppState,
    headers: &HeaderMap,
    segment: String,
    atom: bool,
) -> Result<Response, AppError> {
    let name = format!("{}/tag/{segment}", if atom { "atom" } else { "rss" });
    let key = PageKey::new(PageKind::Feed, name, 1, false);
    let st = state.clone();
    page_cache::serve(&state, headers, key, |version| async move {
        let feed = tag_feed(&st, &segment, version).await?;
        Ok(if atom {
            Rendered::document(
                feed.to_atom(),
                "application/atom+xml; charset=utf-8",
                Some(feed.last_modified()),
            )
        } else {
            Rendered::document(
                feed.to_rss(),
                "application/rss+xml; charset=utf-8",
                Some(feed.last_modified()),
            )
        })
    })
    .await
}

/// `GET /tags/{slug}/feed.xml`: the tag's RSS feed.
pub async fn tag_rss(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_tag_feed(state, &headers, segment, false).await
}

/// `GET /tags/{slug}/atom.xml`: the tag's Atom feed.
pub async fn tag_atom(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve_tag_feed(state, &headers, segment, true).await
}

/// `GET /topics`: every 专题.
/// From the page cache.
pub async fn topics_index(
    State(state): State<AppState>,
    InWeChat(in_wechat): InWeChat,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let key = PageKey::new(PageKind::Topic, "", 1, in_wechat);
    let st = state.clone();
    page_cache::serve(&state, &headers, key, |version| async move {
        render_topics(&st, in_wechat, version).await
    })
    .await
}

async fn render_topics(
    state: &AppState,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let chrome = state.chrome_at(version).await?;
    let mut layout = layout(state, &chrome, "/topics", "专题", in_wechat);
    layout.description = format!(
        "{}专题：围绕一个主题编辑整理的系列报道",
        chrome.site.site_name
    );
    render_html(
        state,
        "topics.html",
        context! {
            layout,
            crumbs => vec![Crumb::link("首页", "/"), Crumb::here("专题")],
            topics => chrome.topics.iter().map(TopicCard::new).collect::<Vec<_>>(),
        },
    )
    .map(|html| Rendered::html(html).fresh_for(LISTING_FRESH_FOR))
}

/// `GET /topics/{slug}`: a 专题: title, cover, intro and its public articles in the editor's order.
/// From the page cache.
pub async fn show_topic(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    InWeChat(in_wechat): InWeChat,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // Slugs never start with `/`, so no topic's key is the index's.
    let key = PageKey::new(PageKind::Topic, format!("/{slug}"), 1, in_wechat);
    let st = state.clone();
    page_cache::serve(&state, &headers, key, |version| async move {
        render_topic(&st, &slug, in_wechat, version).await
    })
    .await
}

async fn render_topic(
    state: &AppState,
    slug: &str,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let chrome = state.chrome_at(version).await?;
    let topic = state.store.topic_by_slug(slug).await?;
    let articles = state.store.topic_articles(topic.id, true).await?;
    let path = format!("/topics/{}", topic.slug);
    let mut layout = layout(state, &chrome, &path, &topic.title, in_wechat);
    layout.description = if topic.intro.trim().is_empty() {
        format!("{}专题：{}", chrome.site.site_name, topic.title)
    } else {
        topic.intro.chars().take(120).collect()
    };
    if let Some(cover) = &topic.cover_image {
        layout.share_image =
            crate::render::views::ShareImage::for_article(Some(cover), "", &chrome.site);
    }
    let sidebar = sidebar(state, &chrome, None).await?;
    render_html(
        state,
        "topic.html",
        context! {
            layout,
            topic => TopicCard::new(&topic),
            intro_paragraphs => topic.intro.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>(),
            crumbs => vec![Crumb::link("首页", "/"), Crumb::link("专题", "/topics"), Crumb::here(&topic.title)],
            articles => articles.iter().map(|a| ArticleCard::new(a, &chrome.site)).collect::<Vec<_>>(),
            sidebar,
        },
    )
    .map(|html| Rendered::html(html).fresh_for(LISTING_FRESH_FOR))
}

/// `GET /pages/{slug}`: a single page (关于我们 …).
/// From the page cache.
pub async fn show_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    InWeChat(in_wechat): InWeChat,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let key = PageKey::new(PageKind::Single, slug, 1, in_wechat);
    let st = state.clone();
    page_cache::serve(&state, &headers, key.clone(), |version| async move {
        render_page(&st, &key.slug, in_wechat, version).await
    })
    .await
}

async fn render_page(
    state: &AppState,
    slug: &str,
    in_wechat: bool,
    version: u64,
) -> Result<Rendered, AppError> {
    let chrome = state.chrome_at(version).await?;
    let page = state.store.page_by_slug(slug).await?;
    let path = format!("/pages/{}", page.slug);
    let mut layout = layout(state, &chrome, &path, &page.title, in_wechat);
    layout.description = format!("{} - {}", chrome.site.site_name, page.title);
    render_html(
        state,
        "page.html",
        context! {
            layout,
            crumbs => vec![Crumb::link("首页", "/"), Crumb::here(&page.title)],
            title => page.title,
            body_html => page.body_html,
        },
    )
    .map(Rendered::html)
}

/// Paths of the portal's pages for the sitemap: topics (and their index), single pages and tags
/// with public articles.
pub async fn sitemap_paths(state: &AppState) -> Result<Vec<String>, AppError> {
    let chrome = state.chrome();
    let mut paths = Vec::new();
    if !chrome.topics.is_empty() {
        paths.push("/topics".to_string());
        paths.extend(chrome.topics.iter().map(|t| format!("/topics/{}", t.slug)));
    }
    paths.extend(
        state
            .store
            .list_pages()
            .await?
            .iter()
            .map(|p| format!("/pages/{}", p.slug)),
    );
    paths.extend(
        state
            .store
            .public_tags()
            .await?
            .iter()
            .map(crate::domain::Tag::path),
    );
    Ok(paths)
}
