//! Tags, 专题 (topics) and single pages (关于我们 …) as the portal shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::BodyFormat;

/// A tag with its URL segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Store id.
    pub id: i64,
    /// Display name, e.g. 储能.
    pub name: String,
    /// Its own URL segment, when it has one (imports bring them); else the name is the segment.
    pub slug: Option<String>,
}

impl Tag {
    /// The tag page's path, `/tags/{slug or name}` (percent-encoded).
    pub fn path(&self) -> String {
        tag_path(self.slug.as_deref().unwrap_or(&self.name))
    }
}

/// What a path segment encodes: all but letters, digits and `-_~`, so a slug such as
/// `chuneng-shifan` stays as typed (`.` stays encoded: a tag named `..` must not climb).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// `/tags/{segment}` with the segment percent-encoded (tag names are Chinese, may hold `/`).
pub fn tag_path(segment: &str) -> String {
    format!(
        "/tags/{}",
        percent_encoding::utf8_percent_encode(segment, SEGMENT)
    )
}

/// A 专题: an editor-curated, ordered collection of articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    /// Store id.
    pub id: i64,
    /// URL segment under `/topics/`.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Introduction (plain text; paragraphs by blank lines).
    pub intro: String,
    /// Cover image URL (an upload), if any.
    pub cover_image: Option<String>,
    /// Order in the topics index, lower first.
    pub position: i64,
    /// Created, UTC.
    pub created_at: DateTime<Utc>,
    /// Last changed (its fields or its articles), UTC.
    pub updated_at: DateTime<Utc>,
}

/// A topic's fields as an editor sends them.
#[derive(Debug, Clone, Default)]
pub struct TopicInput {
    /// URL segment.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Introduction.
    pub intro: String,
    /// Cover image URL.
    pub cover_image: Option<String>,
    /// Order in the index.
    pub position: i64,
    /// Article ids in the topic's order.
    pub articles: Vec<i64>,
}

/// A link to a single page in the site chrome (not stored in settings: the web layer fills
/// [`super::SiteSettings::page_links`] from the pages when it loads the chrome).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageLink {
    /// Link text (the page's title).
    pub title: String,
    /// `/pages/{slug}`.
    pub url: String,
    /// Shown in the navigation.
    pub nav: bool,
    /// Shown in the footer.
    pub footer: bool,
}

/// A single page (关于我们, 联系我们, 免责声明 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SitePage {
    /// Store id.
    pub id: i64,
    /// URL segment under `/pages/`.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Format of `body_source`.
    pub body_format: BodyFormat,
    /// The body as the editor wrote it.
    pub body_source: String,
    /// The body rendered and sanitized (`render::body_html`).
    pub body_html: String,
    /// Linked from the footer.
    pub show_in_footer: bool,
    /// Linked from the navigation.
    pub show_in_nav: bool,
    /// Order among the links, lower first.
    pub position: i64,
    /// Last changed, UTC.
    pub updated_at: DateTime<Utc>,
}

/// A single page's fields as an editor sends them (`body_html` rendered by the caller).
#[derive(Debug, Clone)]
pub struct SitePageInput {
    /// URL segment.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Format of the source.
    pub body_format: BodyFormat,
    /// Source.
    pub body_source: String,
    /// Rendered, sanitized HTML.
    pub body_html: String,
    /// Linked from the footer.
    pub show_in_footer: bool,
    /// Linked from the navigation.
    pub show_in_nav: bool,
    /// Order among the links.
    pub position: i64,
}
