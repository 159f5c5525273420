//! View models: everything a template shows, already formatted (times in the site's zone, URLs
//! built). Handlers build these from domain types; templates only print them.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Utc};
use regex::Regex;
use serde::Serialize;

use crate::domain::{Article, ArticleSummary, Channel, SiteSettings};

/// Display format of times on pages: 2024-02-08 10:21.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";

/// The parts of every page: site identity, navigation, footer, head metadata.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// Site name.
    pub site_name: String,
    /// The analytics script's address (百度统计 and the like), loaded async; empty: none.
    pub analytics_script: String,
    /// `<title>` text.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Absolute canonical URL of the page.
    pub canonical: String,
    /// Channels for the navigation.
    pub channels: Vec<ChannelLink>,
    /// Single pages linked from the navigation (after the channels).
    pub nav_pages: Vec<FooterLink>,
    /// Slug of the channel the page belongs to, to mark it in the navigation.
    pub current_channel: Option<String>,
    /// Footer facts.
    pub footer: FooterView,
    /// Cache-busting suffix for static assets.
    pub asset_version: String,
    /// `og:type`: `website`, or `article` on article pages.
    pub og_type: &'static str,
    /// Title for share previews (`og:title`): the page's own title, without the site name.
    pub share_title: String,
    /// Image for share previews (`og:image`, WeChat's thumbnail).
    pub share_image: ShareImage,
    /// Feeds offered in `<link rel="alternate">`: the site's, then the page's channel's.
    pub feeds: Vec<FeedLink>,
    /// JSON-LD structured data, serialized and safe inside a `<script>` element.
    pub json_ld: Option<String>,
    /// The page is seen in WeChat's in-app browser: it gets the phone layout, whatever the width.
    pub in_wechat: bool,
    /// `<meta name="keywords">`, when the page has any (an article's SEO keywords or tags).
    pub keywords: String,
}

/// Path of the theme's share image, used when a page has no image of its own.
pub const DEFAULT_SHARE_IMAGE: &str = "/static/share.png";
/// Side of the square default share image, in pixels (WeChat shows a square thumbnail).
const DEFAULT_SHARE_IMAGE_SIDE: u32 = 300;

/// An image for share previews, with its size when known.
#[derive(Debug, Clone, Serialize)]
pub struct ShareImage {
    /// Absolute URL.
    pub url: String,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
}

impl ShareImage {
    /// The theme's default image.
    pub fn default_for(site: &SiteSettings) -> Self {
        Self {
            url: site.url(DEFAULT_SHARE_IMAGE),
            width: Some(DEFAULT_SHARE_IMAGE_SIDE),
            height: Some(DEFAULT_SHARE_IMAGE_SIDE),
        }
    }

    /// The article's cover image, else the first image of its body, else the default one.
    pub fn for_article(cover: Option<&str>, body_html: &str, site: &SiteSettings) -> Self {
        static IMG_SRC: LazyLock<Option<Regex>> =
            LazyLock::new(|| Regex::new(r#"<img\s[^>]*?src="([^"]+)""#).ok());
        let first_in_body = || {
            IMG_SRC
                .as_ref()
                .and_then(|re| re.captures(body_html))
                .and_then(|c| c.get(1))
                // Bodies are sanitized HTML: the one entity a URL attribute carries is `&amp;`.
                .map(|m| m.as_str().replace("&amp;", "&"))
        };
        let url = cover
            .and_then(image_url)
            .map(str::to_string)
            .or_else(|| first_in_body().filter(|src| image_url(src).is_some()));
        match url {
            Some(url) => Self {
                url: if url.starts_with('/') {
                    site.url(&url)
                } else {
                    url
                },
                width: None,
                height: None,
            },
            None => Self::default_for(site),
        }
    }
}

/// `src` if it is an image address a page may show: an http(s) URL or a path on this site (not
/// `javascript:`, `data:` or a protocol-relative `//host`).
pub fn image_url(src: &str) -> Option<&str> {
    let src = src.trim();
    let ok = src.starts_with("http://")
        || src.starts_with("https://")
        || (src.starts_with('/') && !src.starts_with("//"));
    (ok && !src.contains(char::is_whitespace)).then_some(src)
}

impl ShareImage {}

/// A feed offered for a page.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    /// Title shown by feed readers, e.g. 能源资讯网 RSS.
    pub title: String,
    /// Path of the feed.
    pub href: String,
    /// `application/rss+xml` or `application/atom+xml`.
    pub mime: &'static str,
}

impl FeedLink {
    /// The RSS and Atom feeds whose paths start with `base` (`/` or `/channels/x/`), titled `name`.
    pub fn pair(name: &str, base: &str) -> [Self; 2] {
        [
            Self {
                title: format!("{name} RSS"),
                href: format!("{base}feed.xml"),
                mime: "application/rss+xml",
            },
            Self {
                title: format!("{name} Atom"),
                href: format!("{base}atom.xml"),
                mime: "application/atom+xml",
            },
        ]
    }
}

/// A channel in the navigation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChannelLink {
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Path of its page.
    pub url: String,
    /// Sub-channels (only in the navigation tree; channels nest two levels).
    pub children: Vec<ChannelLink>,
    /// The children's slugs, so templates can tell a page is inside this channel's tree.
    pub child_slugs: Vec<String>,
}

impl From<&Channel> for ChannelLink {
    fn from(c: &Channel) -> Self {
        Self {
            name: c.name.clone(),
            slug: c.slug.clone(),
            url: format!("/channels/{}", c.slug),
            children: Vec::new(),
            child_slugs: Vec::new(),
        }
    }
}

impl ChannelLink {
    /// The navigation tree: top-level channels in order, each with its sub-channels in order.
    /// A channel whose parent is missing (or is itself a child) shows at the top.
    pub fn tree(channels: &[Channel]) -> Vec<Self> {
        let top = |c: &Channel| {
            c.parent_id
                .is_none_or(|p| !channels.iter().any(|o| o.id == p && o.parent_id.is_none()))
        };
        channels
            .iter()
            .filter(|c| top(c))
            .map(|c| {
                let mut link = Self::from(c);
                if c.parent_id.is_none() {
                    link.children = channels
                        .iter()
                        .filter(|s| s.parent_id == Some(c.id))
                        .map(Self::from)
                        .collect();
                    link.child_slugs = link.children.iter().map(|s| s.slug.clone()).collect();
                }
                link
            })
            .collect()
    }
}

/// The footer: copyright line and the two filing numbers with their links.
#[derive(Debug, Clone, Serialize)]
pub struct FooterView {
    /// Year for the copyright line.
    pub year: i32,
    /// Copyright holder.
    pub copyright_holder: String,
    /// ICP filing number.
    pub icp_number: String,
    /// Link to the MIIT filing site.
    pub icp_url: &'static str,
    /// Public-security filing number.
    pub public_security_number: String,
    /// Link to the public-security filing record.
    pub public_security_url: String,
    /// Links the site adds to its footer (settings page).
    pub links: Vec<FooterLink>,
}

/// A footer link from the site settings.
#[derive(Debug, Clone, Serialize)]
pub struct FooterLink {
    /// Link text.
    pub text: String,
    /// Target URL.
    pub url: String,
}

impl FooterView {
    /// The year of the footer's ©: this year in the site's zone.
    pub fn year_now(site: &SiteSettings) -> i32 {
        Utc::now().with_timezone(&site.tz()).year()
    }

    /// The footer for a site's settings.
    pub fn new(site: &SiteSettings) -> Self {
        Self {
            year: Self::year_now(site),
            copyright_holder: site.copyright_holder.clone(),
            icp_number: site.icp_number.clone(),
            icp_url: "https://beian.miit.gov.cn/",
            public_security_number: site.public_security_number.clone(),
            public_security_url: format!(
                "https://www.beian.gov.cn/portal/registerSystemInfo?recordcode={}",
                site.public_security_code()
            ),
            links: site
                .footer_link_list()
                .into_iter()
                .map(|(text, url)| FooterLink { text, url })
                .chain(
                    site.page_links
                        .iter()
                        .filter(|l| l.footer)
                        .map(|l| FooterLink {
                            text: l.title.clone(),
                            url: l.url.clone(),
                        }),
                )
                .collect(),
        }
    }
}

impl Layout {
    /// The layout for a page at `path` titled `title` (the site name is appended).
    pub fn new(
        site: &SiteSettings,
        channels: &[Channel],
        asset_version: &str,
        path: &str,
        title: Option<&str>,
    ) -> Self {
        Self {
            // Only what the CSP lets through (an http(s) URL with a host).
            analytics_script: site
                .analytics_origin()
                .map(|_| site.analytics_script.trim().to_string())
                .unwrap_or_default(),
            site_name: site.site_name.clone(),
            title: match title {
                Some(t) => format!("{t} - {}", site.site_name),
                None => site.site_name.clone(),
            },
            description: String::new(),
            canonical: format!("{}{path}", site.base_url.trim_end_matches('/')),
            channels: ChannelLink::tree(channels),
            nav_pages: site
                .page_links
                .iter()
                .filter(|l| l.nav)
                .map(|l| FooterLink {
                    text: l.title.clone(),
                    url: l.url.clone(),
                })
                .collect(),
            current_channel: None,
            footer: FooterView::new(site),
            asset_version: asset_version.to_string(),
            og_type: "website",
            share_title: title.unwrap_or(site.site_name.as_str()).to_string(),
            share_image: ShareImage::default_for(site),
            feeds: FeedLink::pair(&site.site_name, "/").into(),
            json_ld: None,
            in_wechat: false,
            keywords: String::new(),
        }
    }
}

/// A time formatted for display and for `<time datetime>`.
#[derive(Debug, Clone, Serialize)]
pub struct TimeView {
    /// 2024-02-08 10:21, in the site's zone.
    pub display: String,
    /// RFC 3339 with the site's offset, e.g. 2024-02-08T10:21:00+08:00.
    pub iso: String,
}

impl TimeView {
    /// Formats `t` in the site's zone.
    pub fn new(t: DateTime<Utc>, site: &SiteSettings) -> Self {
        let local = t.with_timezone(&site.tz());
        Self {
            display: local.format(TIME_FORMAT).to_string(),
            iso: local.to_rfc3339(),
        }
    }
}

/// An article in a listing.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleCard {
    /// Headline.
    pub title: String,
    /// Path of the article page.
    pub url: String,
    /// Summary.
    pub summary: String,
    /// Its channel.
    pub channel: ChannelLink,
    /// Publish time.
    pub published: Option<TimeView>,
    /// Its cover image, when it has one a page may show.
    pub cover: Option<CoverView>,
    /// 置顶: shown with a mark, first in the home page's latest list.
    pub pinned: bool,
}

/// Aspect of a cover whose size is unknown (an address, not an upload): 16:9, the shape the
/// theme crops every cover to, so the `width`/`height` attributes still reserve the right box.
const COVER_FALLBACK_SIZE: (u32, u32) = (1280, 720);

/// A cover image in a listing: the responsive sources of an upload (its variants by width) and
/// its size, so the browser picks a file for the slot and reserves the box before it loads.
#[derive(Debug, Clone, Serialize)]
pub struct CoverView {
    /// The original's address.
    pub src: String,
    /// `srcset` of an upload's variants; absent for other addresses.
    pub srcset: Option<String>,
    /// Width in pixels (the `width` attribute).
    pub width: u32,
    /// Height in pixels (the `height` attribute).
    pub height: u32,
}

impl CoverView {
    /// The view of `url` if it is an image address a page may show.
    pub fn new(url: &str) -> Option<Self> {
        let src = image_url(url)?;
        let (width, height) = crate::images::dimensions(src).unwrap_or(COVER_FALLBACK_SIZE);
        Some(Self {
            src: src.to_string(),
            srcset: crate::images::srcset(src),
            width,
            height,
        })
    }
}

/// An entry of the 热门 ranking.
#[derive(Debug, Clone, Serialize)]
pub struct HotArticle {
    /// Headline.
    pub title: String,
    /// Path of the article page.
    pub url: String,
    /// Views over the ranking's days.
    pub views: i64,
}

impl HotArticle {
    /// An entry from its slug, title and views.
    pub fn new(slug: &str, title: &str, views: i64) -> Self {
        Self {
            title: title.to_string(),
            url: format!("/articles/{slug}"),
            views,
        }
    }
}

impl ArticleCard {
    /// The card for a listed article.
    pub fn new(a: &ArticleSummary, site: &SiteSettings) -> Self {
        Self {
            title: a.title.clone(),
            url: format!("/articles/{}", a.slug),
            summary: a.summary.clone(),
            channel: ChannelLink {
                name: a.channel_name.clone(),
                slug: a.channel_slug.clone(),
                url: format!("/channels/{}", a.channel_slug),
                ..ChannelLink::default()
            },
            published: a.published_at.map(|t| TimeView::new(t, site)),
            cover: a.cover_image.as_deref().and_then(CoverView::new),
            pinned: false,
        }
    }
}

/// A full article page.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    /// Headline.
    pub title: String,
    /// 作者, absent when unknown (no empty label is shown).
    pub author: Option<String>,
    /// 来源, absent when unknown.
    pub source: Option<String>,
    /// Publish time.
    pub published: Option<TimeView>,
    /// 浏览量 including counts not yet flushed.
    pub views: i64,
    /// Summary.
    pub summary: String,
    /// Channel.
    pub channel: ChannelLink,
    /// Tags.
    pub tags: Vec<String>,
    /// Tags as links to their pages.
    pub tag_links: Vec<TagLink>,
    /// Cover image address, when set, safe to show and not already in the body (an image both
    /// inserted and made the cover would show twice).
    pub cover_url: Option<String>,
    /// Paragraphs start with a first-line indent (the site's 首行缩进 setting).
    pub indent: bool,
}

impl ArticleView {
    /// The page view of an article with its live view count.
    pub fn new(a: &Article, views: i64, site: &SiteSettings) -> Self {
        let non_blank = |s: &Option<String>| s.as_ref().filter(|v| !v.trim().is_empty()).cloned();
        Self {
            title: a.title.clone(),
            author: non_blank(&a.author),
            source: non_blank(&a.source),
            published: a.published_at.map(|t| TimeView::new(t, site)),
            views,
            summary: a.summary.clone(),
            channel: ChannelLink::from(&a.channel),
            tags: a.tags.clone(),
            tag_links: a.tags.iter().map(|t| TagLink::new(t)).collect(),
            cover_url: a
                .cover_image
                .as_deref()
                .and_then(image_url)
                .filter(|url| !a.body_html.contains(&format!("src=\"{url}\"")))
                .map(str::to_string),
            indent: site.indent_first_line,
        }
    }
}

/// JSON-LD `NewsArticle` for an article page at `canonical`, with times in the site's zone, made safe
/// to embed in a `<script>` element.
pub fn news_article_json_ld(
    a: &Article,
    site: &SiteSettings,
    canonical: &str,
    image: &ShareImage,
) -> String {
    let tz = site.tz();
    let published = a.published_at.unwrap_or(a.created_at);
    let modified = a.updated_at.max(published);
    let home = site.url("/");
    let logo = site.url(DEFAULT_SHARE_IMAGE);
    let organization = |logo| LdAgent {
        kind: "Organization",
        name: &site.site_name,
        url: Some(&home),
        logo,
    };
    let author = match a.author.as_deref().filter(|v| !v.trim().is_empty()) {
        Some(name) => LdAgent {
            kind: "Person",
            name,
            url: None,
            logo: None,
        },
        None => organization(None),
    };
    let keywords = a.tags.join(",");
    let ld = NewsArticleLd {
        context: "https://schema.org",
        kind: "NewsArticle",
        page: LdPage {
            kind: "WebPage",
            id: canonical,
        },
        headline: &a.title,
        description: &a.summary,
        published: published.with_timezone(&tz).to_rfc3339(),
        modified: modified.with_timezone(&tz).to_rfc3339(),
        author: [author],
        publisher: organization(Some(LdImage::new(&logo, None, None))),
        image: [LdImage::new(&image.url, image.width, image.height)],
        section: &a.channel.name,
        language: "zh-CN",
        keywords: (!a.tags.is_empty()).then_some(keywords.as_str()),
    };
    let json = serde_json::to_string(&ld).unwrap_or_default();
    // `</script>` or `<!--` in a headline must not end the script element early.
    if memchr::memchr3(b'<', b'>', b'&', json.as_bytes()).is_none() {
        return json;
    }
    let mut safe = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            c => safe.push(c),
        }
    }
    safe
}

/// schema.org `NewsArticle` of [`news_article_json_ld`], serialized in one pass from borrowed
/// fields (a `serde_json::Value` tree built and then written was 5% of a cold render).
#[derive(Serialize)]
struct NewsArticleLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "mainEntityOfPage")]
    page: LdPage<'a>,
    headline: &'a str,
    description: &'a str,
    #[serde(rename = "datePublished")]
    published: String,
    #[serde(rename = "dateModified")]
    modified: String,
    author: [LdAgent<'a>; 1],
    publisher: LdAgent<'a>,
    image: [LdImage<'a>; 1],
    #[serde(rename = "articleSection")]
    section: &'a str,
    #[serde(rename = "inLanguage")]
    language: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<&'a str>,
}

#[derive(Serialize)]
struct LdPage<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: &'a str,
}

/// A `Person` or `Organization`.
#[derive(Serialize)]
struct LdAgent<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo: Option<LdImage<'a>>,
}

#[derive(Serialize)]
struct LdImage<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
}

impl<'a> LdImage<'a> {
    /// The size only when both sides are known.
    fn new(url: &'a str, width: Option<u32>, height: Option<u32>) -> Self {
        let (width, height) = match (width, height) {
            (Some(w), Some(h)) => (Some(w), Some(h)),
            _ => (None, None),
        };
        Self {
            kind: "ImageObject",
            url,
            width,
            height,
        }
    }
}

/// Links to the neighbouring pages of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    /// Current page, 1-based.
    pub page: u32,
    /// Number of pages (at least 1).
    pub pages: u32,
    /// URL of the previous page.
    pub prev_url: Option<String>,
    /// URL of the next page.
    pub next_url: Option<String>,
}

impl Pagination {
    /// Pagination for `total` items at `per_page`, with page URLs `{base}?page=N`; a `base` that
    /// carries a query string already (a list's filters) keeps it: `{base}&page=N`.
    pub fn new(base: &str, page: u32, per_page: u32, total: i64) -> Self {
        let per_page = i64::from(per_page.max(1));
        let pages = u32::try_from(((total + per_page - 1) / per_page).max(1)).unwrap_or(u32::MAX);
        let joiner = if base.contains('?') { '&' } else { '?' };
        let url = |n: u32| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base}{joiner}page={n}")
            }
        };
        Self {
            page,
            pages,
            prev_url: (page > 1).then(|| url(page - 1)),
            next_url: (page < pages).then(|| url(page + 1)),
        }
    }
}

/// One search result: headline and snippet arrive as HTML, escaped by the index with the matched
/// words in `<mark>`.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHitView {
    /// Headline as safe HTML.
    pub title_html: String,
    /// Path of the article page.
    pub url: String,
    /// Its channel.
    pub channel: ChannelLink,
    /// Publish time.
    pub published: TimeView,
    /// Text around the matches as safe HTML.
    pub snippet_html: String,
}

impl SearchHitView {
    /// The view of a search hit.
    pub fn new(hit: &crate::search::SearchHit, site: &SiteSettings) -> Self {
        Self {
            title_html: hit.title_html.clone(),
            url: format!("/articles/{}", hit.slug),
            channel: ChannelLink {
                name: hit.channel_name.clone(),
                slug: hit.channel_slug.clone(),
                url: format!("/channels/{}", hit.channel_slug),
                ..ChannelLink::default()
            },
            published: TimeView::new(hit.published_at, site),
            snippet_html: hit.snippet_html.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_beijing_time() {
        let t = DateTime::parse_from_rfc3339("2024-02-08T02:21:00Z")
            .unwrap()
            .to_utc();
        let v = TimeView::new(t, &SiteSettings::default());
        assert_eq!(v.display, "2024-02-08 10:21");
        assert_eq!(v.iso, "2024-02-08T10:21:00+08:00");
    }

    /// The JSON-LD of an article: schema.org's shape, and nothing in the text can end its
    /// script element (`<`, `>`, `&` escaped as JSON allows), read back as written.
    #[test]
    fn news_article_json_ld_is_script_safe_and_reads_back() {
        let t = DateTime::parse_from_rfc3339("2024-02-08T02:21:00Z")
            .unwrap()
            .to_utc();
        let title = "A</script><!-- & \"引号\"";
        let article = Article {
            id: 1,
            slug: "a".into(),
            title: title.into(),
            author: Some("  ".into()),
            source: None,
            channel: Channel {
                id: 1,
                name: "储能".into(),
                slug: "storage".into(),
                position: 1,
                ..Default::default()
            },
            tags: vec!["氢能".into(), "储能".into()],
            summary: "摘要".into(),
            summary_auto: false,
            body_format: crate::domain::BodyFormat::Html,
            body_source: String::new(),
            body_html: String::new(),
            status: crate::domain::ArticleStatus::Published,
            published_at: Some(t),
            views: 0,
            cover_image: None,
            created_at: t,
            updated_at: t,
        };
        let site = SiteSettings::default();
        let image = ShareImage {
            url: "https://example.cn/c.png?a=1&b=2".into(),
            width: Some(300),
            height: None,
        };
        let ld = news_article_json_ld(&article, &site, "https://example.cn/articles/a", &image);
        assert!(!ld.contains(['<', '>', '&']), "{ld}");
        let v: serde_json::Value = serde_json::from_str(&ld).unwrap();
        assert_eq!(v["@type"], "NewsArticle");
        assert_eq!(v["headline"], title);
        assert_eq!(v["datePublished"], "2024-02-08T10:21:00+08:00");
        assert_eq!(v["keywords"], "氢能,储能");
        assert_eq!(v["articleSection"], "储能");
        assert_eq!(
            v["mainEntityOfPage"]["@id"],
            "https://example.cn/articles/a"
        );
        // A blank author: the site as the organization that wrote it.
        assert_eq!(v["author"][0]["@type"], "Organization");
        assert_eq!(v["author"][0]["name"], v["publisher"]["name"]);
        assert_eq!(v["publisher"]["logo"]["@type"], "ImageObject");
        // One side of the size only: none written.
        assert_eq!(v["image"][0]["url"], image.url);
        assert!(v["image"][0].get("width").is_none());
    }

    #[test]
    fn pagination_links() {
        let p = Pagination::new("/channels/solar", 2, 10, 25);
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev_url.as_deref(), Some("/channels/solar"));
        assert_eq!(p.next_url.as_deref(), Some("/channels/solar?page=3"));
        let p = Pagination::new("/admin/articles?status=draft&q=%E6%B0%A2", 1, 10, 25);
        assert_eq!(
            p.next_url.as_deref(),
            Some("/admin/articles?status=draft&q=%E6%B0%A2&page=2")
        );
        let p = Pagination::new("/", 1, 10, 0);
        assert_eq!((p.pages, p.prev_url, p.next_url), (1, None, None));
    }
}

/// A target (量化目标) as a table row.
#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    /// Link to the highlighted clause in its article (`/articles/{slug}#target-N`).
    pub url: String,
    /// Anchor id of the clause on the article page.
    pub anchor: String,
    /// What is measured.
    pub indicator: String,
    /// The target as a reader says it: 超过120万辆, 6%左右.
    pub target: String,
    /// 增速, 新增量, 总量, 比例.
    pub kind: String,
    /// Hedged by 力争/争取.
    pub aspirational: bool,
    /// Policy area.
    pub sector: String,
    /// The clause stating it, shown as text beside the target.
    pub text: String,
    /// Source article headline.
    pub article_title: String,
    /// Path of the source article page.
    pub article_url: String,
    /// The article's 来源 (the issuer of the document it reports), when given.
    pub article_source: Option<String>,
    /// The article's publish date in the site's zone, 2024-02-08 (also valid for `<time>`).
    pub published_date: Option<String>,
    /// Region the document states.
    pub region: Option<String>,
    /// Plan year the document states.
    pub year: Option<i64>,
    /// How many times the article states it (merged into this one row).
    pub occurrences: i64,
    /// The comparison page of its canonical indicator.
    pub indicator_url: Option<String>,
    /// The document's type as a reader says it (政府工作报告, 规划…), when known.
    pub doc_kind: Option<String>,
    /// The document's issuer, else the article's 来源.
    pub issuer: Option<String>,
    /// For news: the policy document it reports on, named first in 出处.
    pub covers: Option<String>,
    /// A result (实绩) rather than a target.
    pub is_result: bool,
}

impl TargetView {
    /// The row for a target; dates in `site`'s zone.
    pub fn new(t: &crate::domain::ArticleTarget, site: &SiteSettings) -> Self {
        let anchor = format!("target-{}", t.position);
        let published = t
            .published_at
            .map(|p| p.with_timezone(&site.tz()).date_naive());
        Self {
            url: format!("/articles/{}#{anchor}", t.article_slug),
            article_url: format!("/articles/{}", t.article_slug),
            article_source: t
                .article_source
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            published_date: published.map(|d| d.format("%Y-%m-%d").to_string()),
            anchor,
            indicator: t.indicator.clone(),
            target: crate::targets::label(t),
            kind: crate::targets::kind_label(&t.kind).to_string(),
            aspirational: t.aspirational,
            sector: t.sector.clone(),
            text: t.text.clone(),
            article_title: t.article_title.clone(),
            region: t.region.clone(),
            year: t.year,
            occurrences: t.occurrences,
            indicator_url: (!t.indicator_key.is_empty())
                .then(|| crate::targets::indicator_path(&t.indicator_key)),
            doc_kind: t.doc_kind.as_deref().map(crate::targets::doc_kind_label),
            issuer: crate::targets::issuer_of(t),
            covers: t.covers.clone(),
            is_result: t.record == "result",
        }
    }
}

/// One row of an article page's 量化目标 panel: only what the panel shows (the page is the
/// article's, so its title, address, source and date are not repeated on every row, and 100
/// targets make 100 of these).
#[derive(Debug, Clone, Serialize)]
pub struct PanelRow {
    /// Anchor id of the clause in the body; empty when no mark was made for it.
    pub anchor: String,
    /// What is measured.
    pub indicator: String,
    /// The target or result as a reader says it: 超过120万辆, 6%左右.
    pub target: String,
    /// 增速, 新增量, 总量, 比例.
    pub kind: String,
    /// Hedged by 力争/争取.
    pub aspirational: bool,
    /// The clause stating it.
    pub text: String,
    /// Plan year the document states (shown for results).
    pub year: Option<i64>,
    /// The comparison page of its canonical indicator.
    pub indicator_url: Option<String>,
}

impl PanelRow {
    /// The row of `t`; `marked` says whether its clause is marked in the body (a target an
    /// editor added with a clause not in the text has no mark to link to).
    pub fn new(t: &crate::domain::ArticleTarget, marked: bool) -> Self {
        Self {
            anchor: if marked {
                format!("target-{}", t.position)
            } else {
                String::new()
            },
            indicator: t.indicator.clone(),
            target: crate::targets::label(t),
            kind: crate::targets::kind_label(&t.kind).to_string(),
            aspirational: t.aspirational,
            text: t.text.clone(),
            year: t.year,
            indicator_url: (!t.indicator_key.is_empty())
                .then(|| crate::targets::indicator_path(&t.indicator_key)),
        }
    }
}

/// One bar of the targets-by-sector chart.
#[derive(Debug, Clone, Serialize)]
pub struct SectorBar {
    /// Sector name.
    pub sector: String,
    /// Number of targets.
    pub count: usize,
    /// Bar length in percent of the longest bar.
    pub percent: usize,
}

impl SectorBar {
    /// Bars for targets counted by sector, most first.
    pub fn chart(by_sector: &[(String, i64)]) -> Vec<Self> {
        let mut counts: Vec<(String, usize)> = by_sector
            .iter()
            .map(|(s, n)| (s.clone(), usize::try_from(*n).unwrap_or(0)))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let max = counts.first().map_or(1, |c| c.1.max(1));
        counts
            .into_iter()
            .map(|(sector, count)| Self {
                sector,
                count,
                percent: (count * 100).div_ceil(max),
            })
            .collect()
    }
}

/// One line of an indicator's comparison table (`/targets/indicators/{key}`).
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonView {
    /// Region, or —.
    pub region: Option<String>,
    /// Year, or —.
    pub year: Option<i64>,
    /// The target as a reader says it, with its clause's link.
    pub target: Option<TargetView>,
    /// The result as written, with its clause's link and its document's title.
    pub result: Option<TargetView>,
    /// 达成 / 未达成 / 无数据; `None` for a result without a target.
    pub status: Option<&'static str>,
    /// CSS class of the status (achieved, missed, no-data).
    pub status_class: &'static str,
    /// 出处: the figure the line is about (the target, else the result).
    pub source: Option<TargetView>,
}

impl ComparisonView {
    /// The view of a comparison line; dates in `site`'s zone.
    pub fn new(line: &crate::targets::Comparison<'_>, site: &SiteSettings) -> Self {
        use crate::targets::Status;
        let main = line.main();
        Self {
            region: main.and_then(|t| t.region.clone()),
            year: main.and_then(|t| t.year),
            target: line.target.map(|t| TargetView::new(t, site)),
            result: line.result.map(|t| TargetView::new(t, site)),
            status: line.status.map(Status::label),
            status_class: status_class(line.status),
            source: main.map(|t| TargetView::new(t, site)),
        }
    }
}

/// The CSS class of a status: achieved, missed, no-data (empty for a result alone).
fn status_class(status: Option<crate::targets::Status>) -> &'static str {
    use crate::targets::Status;
    match status {
        Some(Status::Achieved) => "achieved",
        Some(Status::Missed) => "missed",
        Some(Status::NoData) => "no-data",
        None => "",
    }
}

/// A bar of the comparison chart: geometry in the SVG's user units (the template draws it).
#[derive(Debug, Clone, Serialize)]
pub struct ChartBar {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width (at least 1, so a zero still shows).
    pub width: f64,
    /// Where the value's label starts.
    pub text_x: f64,
    /// The value as a reader says it.
    pub label: String,
}

/// A line of the chart: its label and the target and result bars.
#[derive(Debug, Clone, Serialize)]
pub struct ChartLine {
    /// 地区 年份.
    pub label: String,
    /// Baseline of the label text.
    pub label_y: f64,
    /// The target's bar.
    pub target: Option<ChartBar>,
    /// The result's bar.
    pub result: Option<ChartBar>,
    /// CSS class of the status, for the result bar's colour.
    pub status_class: &'static str,
}

/// The comparison chart: horizontal bars, a target (outlined) and its result (filled) per line,
/// in one unit family, drawn by the template as inline SVG (no script: the CSP forbids inline
/// script, and the table below carries the same data for screen readers).
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonChart {
    /// The unit family the bars are in.
    pub unit: String,
    /// Height of the viewBox (its width is [`ComparisonChart::WIDTH`]).
    pub height: f64,
    /// Width of the viewBox.
    pub width: f64,
    /// Left edge of zero.
    pub zero_x: f64,
    /// The lines.
    pub lines: Vec<ChartLine>,
    /// Lines of the comparison left out (other units, or past the limit).
    pub left_out: usize,
    /// A sentence for screen readers (aria-label).
    pub summary: String,
}

impl ComparisonChart {
    /// Width of the viewBox: narrow, so 13-unit text stays readable when a phone scales it down.
    pub const WIDTH: f64 = 400.0;
    /// Most lines drawn.
    const MAX_LINES: usize = 40;
    const LINE_HEIGHT: f64 = 46.0;
    const TOP: f64 = 28.0;
    const BAR_LEFT: f64 = 4.0;
    /// Right end of the longest bar; the rest is for its label.
    const BAR_RIGHT: f64 = 270.0;

    /// The chart of `lines` of indicator `indicator`, in the unit family most of its targets
    /// use; `None` when no line has a value to draw.
    pub fn new(indicator: &str, lines: &[crate::targets::Comparison<'_>]) -> Option<Self> {
        use crate::targets::{result_label, value_label};
        let mut units: Vec<(&str, usize)> = Vec::new();
        for l in lines {
            if let Some(f) = l.main() {
                match units.iter_mut().find(|(u, _)| *u == f.unit_base) {
                    Some((_, n)) => *n += 1,
                    None => units.push((&f.unit_base, 1)),
                }
            }
        }
        let unit = units.iter().max_by_key(|(_, n)| *n)?.0.to_string();
        fn in_unit<'f>(
            f: Option<&'f crate::domain::ArticleTarget>,
            unit: &str,
        ) -> Option<&'f crate::domain::ArticleTarget> {
            f.filter(|f| f.unit_base == unit)
        }
        let drawn: Vec<&crate::targets::Comparison<'_>> = lines
            .iter()
            .filter(|l| in_unit(l.main(), &unit).is_some())
            .take(Self::MAX_LINES)
            .collect();
        let values = drawn.iter().flat_map(|l| {
            [in_unit(l.target, &unit), in_unit(l.result, &unit)]
                .into_iter()
                .flatten()
                .map(|f| f.value_base)
        });
        let (min, max) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let span = if max - min > 0.0 { max - min } else { 1.0 };
        let x = |v: f64| Self::BAR_LEFT + (v - min) / span * (Self::BAR_RIGHT - Self::BAR_LEFT);
        let zero_x = x(0.0);
        let bar = |v: f64, y: f64, label: String| {
            let (a, b) = (zero_x.min(x(v)), zero_x.max(x(v)));
            ChartBar {
                x: a,
                y,
                width: (b - a).max(1.0),
                text_x: b + 4.0,
                label,
            }
        };
        let chart_lines: Vec<ChartLine> = (0_u32..)
            .zip(&drawn)
            .map(|(i, l)| {
                let top = Self::TOP + f64::from(i) * Self::LINE_HEIGHT;
                let main = l.main();
                let label = [
                    main.and_then(|f| f.region.clone()),
                    main.and_then(|f| f.year).map(|y| format!("{y}年")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                ChartLine {
                    label: if label.is_empty() {
                        "—".into()
                    } else {
                        label
                    },
                    label_y: top + 12.0,
                    target: in_unit(l.target, &unit)
                        .map(|t| bar(t.value_base, top + 17.0, format!("目标 {}", value_label(t)))),
                    result: in_unit(l.result, &unit).map(|r| {
                        bar(
                            r.value_base,
                            top + 30.0,
                            format!("实绩 {}", result_label(r)),
                        )
                    }),
                    status_class: status_class(l.status),
                }
            })
            .collect();
        let n = chart_lines.len();
        Some(Self {
            summary: format!(
                "{indicator}：各地区、年份的目标与实绩条形图（单位：{}），共 {n} 行；数据见下表",
                if unit.is_empty() { "无" } else { &unit }
            ),
            unit,
            height: Self::TOP + Self::LINE_HEIGHT * n as f64,
            width: Self::WIDTH,
            zero_x,
            left_out: lines.len() - n,
            lines: chart_lines,
        })
    }
}

/// Path of a tag's page by its name (names are unique and always reach the page; one with its own
/// slug names that address canonical): [`crate::domain::tag_path`].
pub fn tag_url(name: &str) -> String {
    crate::domain::tag_path(name)
}

/// A tag shown as a link to its page.
#[derive(Debug, Clone, Serialize)]
pub struct TagLink {
    /// Tag name.
    pub name: String,
    /// Path of the tag's page.
    pub url: String,
}

impl From<&crate::domain::Tag> for TagLink {
    /// The link to the tag's page by its own address, else its name.
    fn from(tag: &crate::domain::Tag) -> Self {
        Self {
            name: tag.name.clone(),
            url: tag.path(),
        }
    }
}

impl TagLink {
    /// The link of the tag `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            url: tag_url(name),
        }
    }
}

/// An article linked from another one's page (相关文章, 上一篇/下一篇).
#[derive(Debug, Clone, Serialize)]
pub struct ReadingLink {
    /// Article id (not shown; to leave duplicates out).
    #[serde(skip)]
    pub id: i64,
    /// Headline.
    pub title: String,
    /// Path of the article page.
    pub url: String,
    /// Publish time.
    pub published: Option<TimeView>,
}

impl ReadingLink {
    /// The link of a listed article.
    pub fn from_summary(a: &ArticleSummary, site: &SiteSettings) -> Self {
        Self {
            id: a.id,
            title: a.title.clone(),
            url: format!("/articles/{}", a.slug),
            published: a.published_at.map(|t| TimeView::new(t, site)),
        }
    }
}

/// Articles shown under 相关文章.
pub const RELATED_COUNT: usize = 6;

/// 相关文章 of an article: the index's similar articles first, then those sharing tags, then the
/// newest of its channel — each article once, the article itself never, at most [`RELATED_COUNT`].
pub fn related_links(
    own_id: i64,
    links: &crate::store::ReadingLinks,
    site: &SiteSettings,
) -> Vec<ReadingLink> {
    let candidates = links
        .similar
        .iter()
        .chain(&links.by_tags)
        .chain(&links.in_channel)
        .map(|a| ReadingLink::from_summary(a, site));
    let mut out: Vec<ReadingLink> = Vec::with_capacity(RELATED_COUNT);
    for link in candidates {
        if out.len() == RELATED_COUNT {
            break;
        }
        if link.id != own_id && !out.iter().any(|l| l.id == link.id) {
            out.push(link);
        }
    }
    out
}

/// Share links of an article page.
#[derive(Debug, Clone, Serialize)]
pub struct ShareView {
    /// The page's canonical URL (what 复制链接 copies).
    pub url: String,
    /// Weibo's share page for the URL and headline.
    pub weibo_url: String,
}

impl ShareView {
    /// Share links for the page at `url` headed `title`.
    pub fn new(url: &str, title: &str) -> Self {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        Self {
            url: url.to_string(),
            weibo_url: format!(
                "https://service.weibo.com/share/share.php?url={}&title={}",
                utf8_percent_encode(url, NON_ALPHANUMERIC),
                utf8_percent_encode(title, NON_ALPHANUMERIC)
            ),
        }
    }
}

#[cfg(test)]
mod reading_tests {
    use super::*;
    use crate::store::ReadingLinks;

    fn summary(id: i64) -> ArticleSummary {
        ArticleSummary {
            id,
            slug: format!("a{id}"),
            title: format!("标题{id}"),
            summary: String::new(),
            channel_name: "新闻".into(),
            channel_slug: "news".into(),
            published_at: None,
            views: 0,
            cover_image: None,
        }
    }

    #[test]
    fn related_are_similar_then_tags_then_channel_once_each() {
        let links = ReadingLinks {
            similar: vec![summary(3), summary(1), summary(4)],
            by_tags: vec![summary(4), summary(5)],
            in_channel: vec![summary(1), summary(6), summary(7), summary(8), summary(9)],
            ..ReadingLinks::default()
        };
        let ids: Vec<i64> = related_links(1, &links, &SiteSettings::default())
            .iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(ids, [3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn tag_urls_are_percent_encoded_names() {
        assert_eq!(tag_url("新能源"), "/tags/%E6%96%B0%E8%83%BD%E6%BA%90");
        assert_eq!(tag_url("a/b c"), "/tags/a%2Fb%20c");
    }
}
