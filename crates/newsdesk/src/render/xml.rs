//! XML documents for machines: RSS 2.0 and Atom 1.0 feeds, sitemaps (plain, index, news). They are
//! written as text from view models built here, with one escaping function, rather than through a
//! feed crate: each format is a few dozen lines, and `rss`/`atom_syndication` would add builders and
//! an XML library to the build for no gain in correctness over [`escape`].
//!
//! Times are given in the site's zone (`+08:00` for Beijing time); URLs are absolute, from the site's
//! `base_url`.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::{Article, ArticleStamp, FeedContent, SiteSettings};

/// Escapes text for XML content and attribute values, and drops characters XML 1.0 forbids (control
/// characters an import may carry would otherwise make the whole document unreadable).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A feed of a site or one channel.
#[derive(Debug, Clone)]
pub struct FeedView {
    /// Feed title: the site name, or "site - channel".
    pub title: String,
    /// Absolute URL of the HTML page the feed mirrors.
    pub page_url: String,
    /// Absolute URL of the RSS document.
    pub rss_url: String,
    /// Absolute URL of the Atom document.
    pub atom_url: String,
    /// Short description.
    pub description: String,
    /// The newest change among the entries (or now, when there are none).
    pub updated: DateTime<Tz>,
    /// Entries, newest first.
    pub entries: Vec<FeedEntry>,
}

/// One article in a feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// Headline.
    pub title: String,
    /// Absolute URL of the article page (also its id).
    pub url: String,
    /// Plain-text summary.
    pub summary: String,
    /// Sanitized body HTML, when the site publishes full content.
    pub content_html: Option<String>,
    /// 作者, or else 来源, or else the site name.
    pub author: String,
    /// Channel name, then tags.
    pub categories: Vec<String>,
    /// Publish time.
    pub published: DateTime<Tz>,
    /// Last change (never before the publish time).
    pub updated: DateTime<Tz>,
}

impl FeedView {
    /// The feed of `articles` (newest first) for the page at `page_path` whose feeds live at
    /// `{feed_base}feed.xml` and `{feed_base}atom.xml`.
    pub fn new(
        site: &SiteSettings,
        title: String,
        description: String,
        page_path: &str,
        feed_base: &str,
        articles: &[Article],
    ) -> Self {
        let tz = site.tz();
        let entries: Vec<FeedEntry> = articles
            .iter()
            .map(|a| {
                let published = a.published_at.unwrap_or(a.created_at);
                let updated = a.updated_at.max(published);
                let non_blank = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
                let mut categories = vec![a.channel.name.clone()];
                categories.extend(a.tags.iter().cloned());
                FeedEntry {
                    title: a.title.clone(),
                    url: site.url(&format!("/articles/{}", a.slug)),
                    summary: a.summary.clone(),
                    content_html: (site.feed_content == FeedContent::Full)
                        .then(|| a.body_html.clone()),
                    author: non_blank(&a.author)
                        .or_else(|| non_blank(&a.source))
                        .unwrap_or_else(|| site.site_name.clone()),
                    categories,
                    published: published.with_timezone(&tz),
                    updated: updated.with_timezone(&tz),
                }
            })
            .collect();
        let updated = entries
            .iter()
            .map(|e| e.updated)
            .max()
            .unwrap_or_else(|| Utc::now().with_timezone(&tz));
        Self {
            title,
            page_url: site.url(page_path),
            rss_url: site.url(&format!("{feed_base}feed.xml")),
            atom_url: site.url(&format!("{feed_base}atom.xml")),
            description,
            updated,
            entries,
        }
    }

    /// The newest change, in UTC, for `Last-Modified`.
    pub fn last_modified(&self) -> DateTime<Utc> {
        self.updated.with_timezone(&Utc)
    }

    /// The feed as RSS 2.0, with full bodies in `content:encoded`.
    pub fn to_rss(&self) -> String {
        let mut x = String::with_capacity(4096);
        x.push_str(concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            "\n",
            r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
            "\n<channel>\n"
        ));
        let _ = writeln!(x, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(x, "<link>{}</link>", escape(&self.page_url));
        let _ = writeln!(
            x,
            "<description>{}</description>",
            escape(&self.description)
        );
        x.push_str("<language>zh-CN</language>\n");
        let _ = writeln!(
            x,
            r#"<atom:link href="{}" rel="self" type="application/rss+xml"/>"#,
            escape(&self.rss_url)
        );
        let _ = writeln!(
            x,
            "<lastBuildDate>{}</lastBuildDate>",
            self.updated.to_rfc2822()
        );
        for e in &self.entries {
            x.push_str("<item>\n");
            let _ = writeln!(x, "<title>{}</title>", escape(&e.title));
            let _ = writeln!(x, "<link>{}</link>", escape(&e.url));
            let _ = writeln!(x, r#"<guid isPermaLink="true">{}</guid>"#, escape(&e.url));
            let _ = writeln!(x, "<pubDate>{}</pubDate>", e.published.to_rfc2822());
            let _ = writeln!(x, "<dc:creator>{}</dc:creator>", escape(&e.author));
            for c in &e.categories {
                let _ = writeln!(x, "<category>{}</category>", escape(c));
            }
            let _ = writeln!(x, "<description>{}</description>", escape(&e.summary));
            if let Some(html) = &e.content_html {
                let _ = writeln!(x, "<content:encoded>{}</content:encoded>", escape(html));
            }
            x.push_str("</item>\n");
        }
        x.push_str("</channel>\n</rss>\n");
        x
    }

    /// The feed as Atom 1.0, with full bodies as `content type="html"`.
    pub fn to_atom(&self) -> String {
        let mut x = String::with_capacity(4096);
        x.push_str(concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            "\n",
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">"#,
            "\n"
        ));
        let _ = writeln!(x, "<id>{}</id>", escape(&self.atom_url));
        let _ = writeln!(x, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(x, "<subtitle>{}</subtitle>", escape(&self.description));
        let _ = writeln!(x, "<updated>{}</updated>", self.updated.to_rfc3339());
        let _ = writeln!(
            x,
            r#"<link rel="alternate" type="text/html" href="{}"/>"#,
            escape(&self.page_url)
        );
        let _ = writeln!(
            x,
            r#"<link rel="self" type="application/atom+xml" href="{}"/>"#,
            escape(&self.atom_url)
        );
        for e in &self.entries {
            x.push_str("<entry>\n");
            let _ = writeln!(x, "<id>{}</id>", escape(&e.url));
            let _ = writeln!(x, "<title>{}</title>", escape(&e.title));
            let _ = writeln!(
                x,
                r#"<link rel="alternate" type="text/html" href="{}"/>"#,
                escape(&e.url)
            );
            let _ = writeln!(x, "<published>{}</published>", e.published.to_rfc3339());
            let _ = writeln!(x, "<updated>{}</updated>", e.updated.to_rfc3339());
            let _ = writeln!(x, "<author><name>{}</name></author>", escape(&e.author));
            for c in &e.categories {
                let _ = writeln!(x, r#"<category term="{}"/>"#, escape(c));
            }
            if !e.summary.is_empty() {
                let _ = writeln!(x, "<summary>{}</summary>", escape(&e.summary));
            }
            if let Some(html) = &e.content_html {
                let _ = writeln!(
                    x,
                    r#"<content type="html" xml:base="{}">{}</content>"#,
                    escape(&e.url),
                    escape(html)
                );
            }
            x.push_str("</entry>\n");
        }
        x.push_str("</feed>\n");
        x
    }
}

/// The namespace of sitemaps and sitemap indexes.
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// One `<url>` of a sitemap.
#[derive(Debug, Clone)]
pub struct SitemapUrl {
    /// Absolute URL.
    pub loc: String,
    /// Last change, when known.
    pub lastmod: Option<DateTime<Tz>>,
}

impl SitemapUrl {
    /// The entry of an article page.
    pub fn article(site: &SiteSettings, a: &ArticleStamp) -> Self {
        Self {
            loc: site.url(&format!("/articles/{}", a.slug)),
            lastmod: Some(a.updated_at.max(a.published_at).with_timezone(&site.tz())),
        }
    }
}

/// A `<urlset>` sitemap.
pub fn urlset(urls: &[SitemapUrl]) -> String {
    let mut x = String::with_capacity(64 + urls.len() * 120);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"{SITEMAP_NS}\">\n"
    );
    for u in urls {
        let _ = write!(x, "<url><loc>{}</loc>", escape(&u.loc));
        if let Some(t) = u.lastmod {
            let _ = write!(x, "<lastmod>{}</lastmod>", t.to_rfc3339());
        }
        x.push_str("</url>\n");
    }
    x.push_str("</urlset>\n");
    x
}

/// A `<sitemapindex>` listing the sitemaps at `locs` (absolute URLs).
pub fn sitemap_index(locs: &[String]) -> String {
    let mut x = String::with_capacity(64 + locs.len() * 100);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"{SITEMAP_NS}\">\n"
    );
    for loc in locs {
        let _ = writeln!(x, "<sitemap><loc>{}</loc></sitemap>", escape(loc));
    }
    x.push_str("</sitemapindex>\n");
    x
}

/// A Google News sitemap of `articles` (the caller picks the last two days').
pub fn news_sitemap(site: &SiteSettings, articles: &[ArticleStamp]) -> String {
    let tz = site.tz();
    let mut x = String::with_capacity(256 + articles.len() * 300);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"{SITEMAP_NS}\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n"
    );
    let name = escape(&site.site_name);
    for a in articles {
        let _ = writeln!(
            x,
            "<url><loc>{}</loc><news:news><news:publication><news:name>{name}</news:name>\
             <news:language>zh-cn</news:language></news:publication>\
             <news:publication_date>{}</news:publication_date><news:title>{}</news:title>\
             </news:news></url>",
            escape(&site.url(&format!("/articles/{}", a.slug))),
            a.published_at.with_timezone(&tz).to_rfc3339(),
            escape(&a.title),
        );
    }
    x.push_str("</urlset>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_drops_forbidden_characters() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}\u{b}\t新"),
            "a&lt;b&gt;&amp;&quot;c&apos;\t新"
        );
    }

    #[test]
    fn feeds_use_beijing_time() {
        let site = SiteSettings::default();
        let t = DateTime::parse_from_rfc3339("2024-02-08T02:21:00Z")
            .unwrap()
            .to_utc();
        let feed = FeedView {
            title: "t".into(),
            page_url: site.url("/"),
            rss_url: site.url("/feed.xml"),
            atom_url: site.url("/atom.xml"),
            description: String::new(),
            updated: t.with_timezone(&site.tz()),
            entries: vec![],
        };
        assert!(
            feed.to_rss()
                .contains("<lastBuildDate>Thu, 8 Feb 2024 10:21:00 +0800</lastBuildDate>")
        );
        assert!(
            feed.to_atom()
                .contains("<updated>2024-02-08T10:21:00+08:00</updated>")
        );
    }
}
