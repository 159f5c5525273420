//! Plain domain types: articles, channels, site settings. No I/O lives here; the store persists
//! these, the importer and the newsroom produce them, the renderer shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod corrections;
pub mod media;
mod newsroom;
mod origin;
mod pages;
pub use corrections::{
    ArticleCorrections, CorrectionAction, DocumentCorrection, NewTargetCorrection, Panel,
    TargetCorrection, TargetFields, TargetMatch,
};
pub use newsroom::{
    ApiToken, ArticleFilter, ArticleListItem, AuditAction, AuditEntry, EditableArticle,
    ImageRecord, NewRevision, ReviewItem, ReviewState, Revision, RevisionKind, Role, TagCount,
    User,
};
pub use newsroom::{ArticleFlag, ArticleSort, DeskFields, SortColumn};
pub use newsroom::{AuditFilter, ChannelViews, DayViews, SessionInfo, ViewedArticle, session_key};
pub use origin::{ArticleOrigin, MAX_REDIRECT_PATH, redirect_key};
pub use pages::{PageLink, SitePage, SitePageInput, Tag, Topic, TopicInput, tag_path};

/// Where an article is in its life: only `Published` articles whose time has come are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    /// Being written; never public.
    Draft,
    /// Becomes public at `published_at`.
    Scheduled,
    /// Public from `published_at` on.
    Published,
    /// 待审: submitted for review; never public until approved.
    Pending,
    /// 退回: sent back to its author with the reviewer's comment; never public.
    Returned,
}

impl ArticleStatus {
    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Pending => "pending",
            Self::Returned => "returned",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "scheduled" => Some(Self::Scheduled),
            "published" => Some(Self::Published),
            "pending" => Some(Self::Pending),
            "returned" => Some(Self::Returned),
            _ => None,
        }
    }
}

/// The form an article body was written in; the sanitized HTML is always derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// CommonMark, as editors write it and as plain-text imports are converted to.
    Markdown,
    /// HTML, as HTML imports carry it (sanitized before display).
    Html,
}

impl BodyFormat {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Html => "html",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "markdown" => Some(Self::Markdown),
            "html" => Some(Self::Html),
            _ => None,
        }
    }
}

/// A section of the site (栏目), such as 新能源汽车 or 光伏.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Store id.
    pub id: i64,
    /// Display name, e.g. 储能.
    pub name: String,
    /// URL segment, e.g. `storage`.
    pub slug: String,
    /// Order in navigation, lower first.
    pub position: i64,
    /// The parent channel (`None` at the top); channels nest at most two levels.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// A line shown under the channel's title (may be empty).
    #[serde(default)]
    pub description: String,
}

/// A full article as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    /// Store id.
    pub id: i64,
    /// URL segment under `/articles/`.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// 作者, when known.
    pub author: Option<String>,
    /// 来源, when known.
    pub source: Option<String>,
    /// The channel it belongs to.
    pub channel: Channel,
    /// Tag names.
    pub tags: Vec<String>,
    /// Short plain-text summary for listings and metadata.
    pub summary: String,
    /// Whether the summary is made from the body (recomputed on every save) rather than written by
    /// an editor.
    pub summary_auto: bool,
    /// The form `body_source` is written in.
    pub body_format: BodyFormat,
    /// The body as written.
    pub body_source: String,
    /// The body as sanitized HTML, ready to show.
    pub body_html: String,
    /// Life-cycle status.
    pub status: ArticleStatus,
    /// When it is (or was) published, in UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// 浏览量 as last flushed to the store.
    pub views: i64,
    /// Cover image URL set in the newsroom: shown above the text and used for share previews.
    pub cover_image: Option<String>,
    /// Creation time, UTC.
    pub created_at: DateTime<Utc>,
    /// Last change, UTC.
    pub updated_at: DateTime<Utc>,
}

/// An article as listed on home, channel and search pages.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleSummary {
    /// Store id.
    pub id: i64,
    /// URL segment under `/articles/`.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Short plain-text summary.
    pub summary: String,
    /// Channel display name.
    pub channel_name: String,
    /// Channel URL segment.
    pub channel_slug: String,
    /// Publish time, UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// 浏览量 as last flushed.
    pub views: i64,
    /// Cover image URL (an upload's, or any address an editor gave), when the listing selected it.
    pub cover_image: Option<String>,
}

/// What it takes to create or replace an article; the store assigns id and bookkeeping times.
#[derive(Debug, Clone)]
pub struct ArticleInput {
    /// URL segment; unique.
    pub slug: String,
    /// Headline; must not be empty.
    pub title: String,
    /// 作者.
    pub author: Option<String>,
    /// 来源.
    pub source: Option<String>,
    /// Slug of an existing channel.
    pub channel_slug: String,
    /// Tag names.
    pub tags: Vec<String>,
    /// Plain-text summary.
    pub summary: String,
    /// Whether `summary` was made from the body rather than written (see [`Article::summary_auto`]).
    pub summary_auto: bool,
    /// The form of `body_source`.
    pub body_format: BodyFormat,
    /// The body as written.
    pub body_source: String,
    /// The sanitized HTML made from `body_source`.
    pub body_html: String,
    /// Life-cycle status.
    pub status: ArticleStatus,
    /// Publish time, UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// 浏览量 carried over from an imported page; never lowers a count already stored.
    pub views: i64,
    /// Identity of an imported page, see [`crate::import`].
    pub import_key: Option<String>,
}

/// The site-wide settings shown in every page's header and footer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteSettings {
    /// Site name in the header and page titles.
    pub site_name: String,
    /// Holder named in the copyright line (版权所有 © …).
    pub copyright_holder: String,
    /// ICP filing number (e.g. 京ICP备17037723号), linked to the MIIT filing site.
    pub icp_number: String,
    /// Public-security filing number (e.g. 京公网安备 11010802025013号).
    pub public_security_number: String,
    /// Absolute base URL for canonical links and feeds, without trailing slash.
    pub base_url: String,
    /// IANA zone in which times are shown.
    pub timezone: String,
    /// Extra footer links, one per line: text, a space, then a URL (`https://…` or `/…`).
    pub footer_links: String,
    /// Whether feeds carry each article's full text or only its summary.
    pub feed_content: FeedContent,
    /// 作者 filled into a new article when its writer has no default of their own.
    pub default_author: String,
    /// 来源 filled into a new article when its writer has no default of their own.
    pub default_source: String,
    /// Whether article paragraphs start with a two-character first-line indent (首行缩进), set
    /// by the theme's CSS rather than by spaces or styles in each body.
    pub indent_first_line: bool,
    /// 三审: articles go through review (待审) and only chief editors and admins publish. Off by
    /// default, for small sites where every editor publishes.
    pub review_required: bool,
    /// Address of an analytics script (e.g. 百度统计 `https://hm.baidu.com/hm.js?…`) loaded on
    /// public pages; its origin is the only one added to the Content-Security-Policy. Empty: none.
    pub analytics_script: String,
    /// Push new and changed article URLs to the link submission API (百度普通收录). Off by default.
    pub baidu_push: bool,
    /// The submission endpoint; `site` and `token` are added as its query.
    pub baidu_push_endpoint: String,
    /// The token the search engine's webmaster tools issued for the site.
    pub baidu_push_token: String,
    /// Single pages linked from the navigation or footer, in their order: filled from the pages
    /// table with the site chrome, never saved as a setting.
    #[serde(skip)]
    pub page_links: Vec<PageLink>,
}

/// Baidu's link submission API (普通收录).
pub const BAIDU_PUSH_ENDPOINT: &str = "http://data.zz.baidu.com/urls";

/// What an RSS/Atom entry carries besides headline and link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    /// The summary and the full sanitized body.
    #[default]
    Full,
    /// The summary only, so readers come to the site for the rest.
    Summary,
}

/// What sitemaps need of a published article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleStamp {
    /// URL segment under `/articles/`.
    pub slug: String,
    /// Headline (news sitemaps carry it).
    pub title: String,
    /// Publish time, UTC.
    pub published_at: DateTime<Utc>,
    /// Last change, UTC.
    pub updated_at: DateTime<Utc>,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            site_name: "newsdesk".into(),
            copyright_holder: String::new(),
            icp_number: String::new(),
            public_security_number: String::new(),
            base_url: "http://127.0.0.1:8080".into(),
            timezone: "Asia/Shanghai".into(),
            footer_links: String::new(),
            feed_content: FeedContent::default(),
            default_author: String::new(),
            default_source: String::new(),
            indent_first_line: false,
            review_required: false,
            analytics_script: String::new(),
            baidu_push: false,
            baidu_push_endpoint: BAIDU_PUSH_ENDPOINT.into(),
            baidu_push_token: String::new(),
            page_links: Vec::new(),
        }
    }
}

impl SiteSettings {
    /// The footer links as (text, URL); lines without a text and an http(s) or site-relative URL
    /// are skipped.
    pub fn footer_link_list(&self) -> Vec<(String, String)> {
        self.footer_links
            .lines()
            .filter_map(|line| {
                let (text, url) = line.trim().rsplit_once(char::is_whitespace)?;
                let (text, url) = (text.trim(), url.trim());
                let ok = url.starts_with("https://")
                    || url.starts_with("http://")
                    || (url.starts_with('/') && !url.starts_with("//"));
                (ok && !text.is_empty()).then(|| (text.to_string(), url.to_string()))
            })
            .collect()
    }

    /// The origin (`https://host[:port]`) of the analytics script, if one is set and is an
    /// absolute http(s) URL: the one host the CSP lets scripts come from besides the site.
    pub fn analytics_origin(&self) -> Option<String> {
        let url = url::Url::parse(self.analytics_script.trim()).ok()?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return None;
        }
        Some(url.origin().ascii_serialization())
    }

    /// The digits of the public-security number, which its filing site takes as `recordcode`.
    pub fn public_security_code(&self) -> String {
        self.public_security_number
            .chars()
            .filter(char::is_ascii_digit)
            .collect()
    }

    /// The absolute URL of a site path such as `/articles/x` (for feeds, sitemaps, share links).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

    /// The configured zone, or Asia/Shanghai when it does not parse.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }
}

/// A page of results and the total across all pages.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items exist in all.
    pub total: i64,
}

/// A quantitative target (量化目标) of a published article, with the article it comes from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArticleTarget {
    /// The article's store id.
    pub article_id: i64,
    /// The article's slug.
    pub article_slug: String,
    /// The article's headline.
    pub article_title: String,
    /// The article's 来源 (who issued or first published it), when given.
    pub article_source: Option<String>,
    /// The article's publish time, UTC. Exports write it in the site's zone
    /// (`targets::JsonRecord`), so it is not serialized here.
    #[serde(skip)]
    pub published_at: Option<DateTime<Utc>>,
    /// Order in the article; the page anchors the clause as `#target-{position}`.
    pub position: i64,
    /// The clause stating the target.
    pub text: String,
    /// What is measured.
    pub indicator: String,
    /// The number as written.
    pub value: f64,
    /// Upper bound of a range.
    pub value_max: Option<f64>,
    /// Unit with magnitude (万辆, 亿元, %).
    pub unit: String,
    /// `gt`, `ge`, `approx`, `le`, `range` or `eq`.
    pub comparator: String,
    /// `growth`, `increment`, `level` or `share`.
    pub kind: String,
    /// Hedged by 力争, 争取…
    pub aspirational: bool,
    /// Policy area (新能源汽车, 光伏…).
    pub sector: String,
    /// Region the document states.
    pub region: Option<String>,
    /// The figure's year: a target's deadline or plan year, a result's reporting year (the
    /// document's plan year when the clause names none).
    pub year: Option<i64>,
    /// `target` (目标) or `result` (实绩).
    pub record: String,
    /// The canonical indicator (`policy::indicator_key`): GDP and 地区生产总值 share one.
    pub indicator_key: String,
    /// The document's type (`policy::DocKind` name: work_report, plan…); `None` for articles
    /// saved before document facts were read, until they are saved again.
    pub doc_kind: Option<String>,
    /// The document's issuing body, where known.
    pub issuer: Option<String>,
    /// For news: the policy document it reports on (the targets are that document's).
    pub covers: Option<String>,
    /// The value with the unit's magnitude folded in (`targets::normalize`): 120万辆 → 1200000.
    pub value_base: f64,
    /// The unit family the value is in (辆, 元, %).
    pub unit_base: String,
    /// How many times the article states this target (same indicator, value, unit and year);
    /// listings merge the repeats into one row, the article page keeps each (always 1 there).
    pub occurrences: i64,
}

/// What an article is as a policy document (`article_documents`): type, issuer, region, years.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    /// `policy::DocKind` name: work_report, plan, programme, notice or news.
    pub kind: String,
    /// The issuing body (安徽省人民政府), where the text or its 来源 names it.
    pub issuer: Option<String>,
    /// The region the document states.
    pub region: Option<String>,
    /// Its plan year.
    pub year: Option<i64>,
    /// First year of a plan period (2021 for 2021—2025年).
    pub first_year: Option<i64>,
    /// For news: the policy document it reports on, whose targets it quotes.
    pub covers: Option<String>,
}

/// A canonical indicator with how many figures of public articles it has
/// (`/targets/indicators`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndicatorCount {
    /// The canonical key (`policy::indicator_key`).
    pub key: String,
    /// One way it is written, for display.
    pub indicator: String,
    /// Targets (an article's repeats merged).
    pub targets: i64,
    /// Results.
    pub results: i64,
    /// Distinct regions stated.
    pub regions: i64,
    /// Distinct years.
    pub years: i64,
}

/// Which targets to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetFilter {
    /// Only this article's.
    pub article_id: Option<i64>,
    /// Only this sector.
    pub sector: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this region.
    pub region: Option<String>,
    /// Only this plan year.
    pub year: Option<i64>,
    /// Only hedged (`true`) or firm (`false`) targets.
    pub aspirational: Option<bool>,
    /// Only targets (`target`) or results (`result`); both when `None`.
    pub record: Option<String>,
    /// Only this canonical indicator.
    pub indicator_key: Option<String>,
    /// Only figures of documents of this type (`policy::DocKind` name).
    pub doc_kind: Option<String>,
    /// Order of the rows.
    pub sort: TargetSort,
    /// At most this many rows (all when `None`).
    pub limit: Option<u32>,
    /// Every occurrence of a target (the article page, which marks each clause). Otherwise an
    /// article's repeats of one target (same indicator, value, unit, year: a summary restating a
    /// sentence of the text) are one row with their count.
    pub each_occurrence: bool,
}

/// Orders of a target listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TargetSort {
    /// Newest article first, then in text order.
    #[default]
    Document,
    /// By sector, then indicator.
    Sector,
    /// By indicator.
    Indicator,
    /// By unit family (元, 辆, %), then largest value first with magnitudes folded in
    /// (1.55万亿元 before 1400亿元), so values of different units never interleave.
    Value,
}

/// The values present in the target table, for filter menus.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TargetFacets {
    /// Sectors with their target counts, most first.
    pub sectors: Vec<(String, i64)>,
    /// Regions stated by documents.
    pub regions: Vec<String>,
    /// Plan years stated by documents, newest first.
    pub years: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_security_code_keeps_digits() {
        let s = SiteSettings {
            public_security_number: "京公网安备 11010802025013号".into(),
            ..SiteSettings::default()
        };
        assert_eq!(s.public_security_code(), "11010802025013");
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            ArticleStatus::Draft,
            ArticleStatus::Scheduled,
            ArticleStatus::Published,
        ] {
            assert_eq!(ArticleStatus::parse(s.as_str()), Some(s));
        }
    }
}
