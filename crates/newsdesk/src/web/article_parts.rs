//! What an article page makes of its own article, kept per version of the article.
//!
//! The page cache keeps whole pages per *content version*, and every write anywhere on the site
//! moves that version on: one editor's save makes every cached page stale, and each is rendered
//! again on its next request. Most of an article page's render is its own article — the row with
//! its body, tags and facts, ~100 targets read as JSON, the body with each target's clause marked,
//! the 量化目标 panel's tables — and none of that changed when another article did. So those parts
//! are kept here by the article's *page stamp* ([`crate::store::ArticlePage::stamp`]), which the
//! database's triggers move on with every change to anything the page shows of the article. A
//! render then asks the store for the stamp (one narrow row, read with what the kept article leads
//! on to: 相关文章, 上一篇/下一篇) and reads the article again only when it moved; the links, the
//! live 浏览量 and the site's chrome are made on every render, as before.
//!
//! The page around the links is the article's too, with the site's chrome: the head, navigation,
//! article and footer, rendered once per article version, site look ([`super::Chrome::look`]),
//! year (the footer's ©) and kind of reader (WeChat or not), and kept with the parts as a
//! [`PageFrame`]. A render after a write elsewhere then reads the stamp and links, renders the
//! links and joins them into the frame.
//!
//! Like the page cache it is bounded in bytes (`--article-cache-mib`; 0 reads and marks the
//! article and renders the whole page on every render).

use std::sync::{Arc, Mutex, PoisonError};

use minijinja::{Value, context};
use quick_cache::{Weighter, sync::Cache};

use super::media::AttachmentView;
use crate::domain::{Article, Tag};
use crate::error::AppError;
use crate::render::Renderer;
use crate::render::views::PanelRow;
use crate::store::{ArticlePage, PageFacts, PageStamp};

/// Memory for article parts by default: an ordinary article's parts with a frame are 20–40 KB
/// (the seed policy document's, with 101 targets, about 210 KB), so this keeps those of the
/// fifty to a hundred pages most read; small, because a server over 100,000 articles must stay
/// under 200 MiB resident (BENCHMARKS.md), and every page already has its place in the page cache.
pub const DEFAULT_ARTICLE_CACHE_BYTES: u64 = 2 << 20;

/// An article page's parts made from its own article, valid while its page stamp is `stamp`.
#[derive(Debug)]
pub struct ArticleParts {
    /// The page stamp they were made at.
    pub stamp: i64,
    /// The article (its `views` as read then: pages show the counter's live count).
    pub article: Arc<Article>,
    /// Its tags with their addresses, by name.
    pub tags: Vec<Tag>,
    /// Desk fields, origin and document facts, panel choice.
    pub facts: PageFacts,
    /// Its attachments, in order.
    pub attachments: Vec<AttachmentView>,
    /// The body up to and including its lead paragraph, with targets marked, when the 量化目标
    /// panel is shown and the body starts with a paragraph; otherwise empty.
    ///
    /// This and the next two are the page's bulk (the seed's 100 KB), kept as template values
    /// marked safe (sanitized HTML): a render shares them instead of copying them into the
    /// template's context and again through a `safe` filter.
    pub body_lead: Value,
    /// The rest of the body (all of it when there is no lead), targets marked.
    pub body_rest: Value,
    /// The 量化目标 panel's tables (targets, then 实绩), rendered from
    /// `partials/targets_tables.html`; empty when the panel is not shown.
    pub panel_tables: Value,
    /// Targets and results in the panel.
    pub target_count: usize,
    pub result_count: usize,
    /// The page rendered around its links, for readers outside WeChat and in it.
    frames: [Mutex<Option<Arc<PageFrame>>>; 2],
}

/// An article page without its reading links (相关文章, 上一篇/下一篇): what comes before them and
/// after, rendered with the site's chrome. A page is `head`, the links, `tail`.
#[derive(Debug)]
pub struct PageFrame {
    /// The chrome's [`super::Chrome::look`] and the footer's year it was rendered with.
    look: u64,
    year: i32,
    head: String,
    /// None: the theme's article.html has no place for the links (see [`Self::new`]).
    tail: Option<String>,
}

/// Where article.html puts the reading links: a comment, which neither the sanitized body (its
/// comments are removed) nor escaped text can hold.
pub const READING_LINKS_MARK: &str = "<!--newsdesk:reading-links-->";

impl PageFrame {
    /// The frame of a page rendered with [`READING_LINKS_MARK`] for its links, made with the
    /// chrome of `look` in `year`. The mark is looked for from the end (after the links come only
    /// the chrome's footer and fixed markup). A theme whose article.html leaves out the links
    /// (`{{ reading_links }}`) gets its page as it rendered it, without them.
    pub fn new(page: String, look: u64, year: i32) -> Self {
        let (head, tail) = match page.rsplit_once(READING_LINKS_MARK) {
            Some((head, tail)) => (head.to_string(), Some(tail.to_string())),
            None => {
                tracing::warn!(
                    "the theme's article.html has no {{{{ reading_links }}}}: pages are shown without 相关文章 and 上一篇/下一篇"
                );
                (page, None)
            }
        };
        Self {
            look,
            year,
            head,
            tail,
        }
    }

    /// The page with `links` in its place.
    pub fn page(&self, links: &str) -> String {
        let Some(tail) = &self.tail else {
            return self.head.clone();
        };
        let mut page = String::with_capacity(self.head.len() + links.len() + tail.len());
        page.push_str(&self.head);
        page.push_str(links);
        page.push_str(tail);
        page
    }

    /// The memory it holds.
    fn bytes(&self) -> usize {
        self.head.len() + self.tail.as_ref().map_or(0, String::len)
    }
}

impl ArticleParts {
    /// The parts of an article page made from `page`.
    pub fn make(renderer: &Renderer, page: ArticlePage) -> Result<Self, AppError> {
        let ArticlePage {
            stamp,
            article,
            tags,
            facts,
            targets,
            attachments,
        } = page;
        // 量化目标: shown for policy documents (the type as corrected), unless an editor turned
        // the panel on or off.
        let shown = !targets.is_empty()
            && crate::corrections::panel_shows(facts.panel, facts.document.as_ref());
        let (mut body_lead, mut body_rest) = (String::new(), String::new());
        let (mut target_rows, mut result_rows) = (Vec::new(), Vec::new());
        if shown {
            // Each target links to its clause, marked in the body. Marks are looked up among
            // those made, not searched for in the page: 100 targets would scan a 30 KB body 100
            // times.
            let (body, marked) = crate::targets::highlight_marked(&article.body_html, &targets);
            for t in &targets {
                let row = PanelRow::new(t, marked.binary_search(&t.position).is_ok());
                if t.record == "result" {
                    result_rows.push(row);
                } else {
                    target_rows.push(row);
                }
            }
            // The panel goes after the lead paragraph, so a phone's first screen is text.
            (body_lead, body_rest) = split_lead(&body);
        } else {
            body_rest.clone_from(&article.body_html);
        }
        let panel_tables = if shown {
            renderer
                .render(
                    "partials/targets_tables.html",
                    context! { targets => &target_rows, results => &result_rows },
                )
                .map_err(|e| {
                    AppError::Internal(
                        anyhow::Error::new(e).context("rendering partials/targets_tables.html"),
                    )
                })?
        } else {
            String::new()
        };
        Ok(Self {
            stamp,
            article: Arc::new(article),
            tags,
            facts,
            attachments: attachments.into_iter().map(AttachmentView::from).collect(),
            body_lead: Value::from_safe_string(body_lead),
            body_rest: Value::from_safe_string(body_rest),
            panel_tables: Value::from_safe_string(panel_tables),
            target_count: target_rows.len(),
            result_count: result_rows.len(),
            frames: Default::default(),
        })
    }

    /// The frame kept for readers in WeChat or not, when it was made with the chrome of `look`
    /// in `year`.
    pub fn kept_frame(&self, in_wechat: bool, look: u64, year: i32) -> Option<Arc<PageFrame>> {
        let slot = self.frames[usize::from(in_wechat)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|f| f.look == look && f.year == year)
            .cloned()
    }

    /// Keeps `frame` for readers in WeChat or not, unless the one kept is as new (a render
    /// that began before a chrome reload ends after one made with the new chrome). Says whether
    /// it was kept.
    fn keep_frame(&self, in_wechat: bool, frame: Arc<PageFrame>) -> bool {
        let mut slot = self.frames[usize::from(in_wechat)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slot
            .as_ref()
            .is_some_and(|kept| (kept.look, kept.year) >= (frame.look, frame.year))
        {
            return false;
        }
        *slot = Some(frame);
        true
    }

    /// Roughly the memory they hold: their text, which is nearly all of it.
    fn bytes(&self) -> u64 {
        let a = &self.article;
        let len = |v: &Value| v.as_str().map_or(0, str::len);
        let frames: usize = self
            .frames
            .iter()
            .map(|slot| {
                slot.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_ref()
                    .map_or(0, |f| f.bytes())
            })
            .sum();
        let text = a.body_html.len()
            + a.title.len()
            + a.summary.len()
            + len(&self.body_lead)
            + len(&self.body_rest)
            + len(&self.panel_tables)
            + frames
            + self.tags.iter().map(|t| 64 + t.name.len()).sum::<usize>()
            + self.attachments.len() * 256;
        (text + 1024) as u64
    }
}

/// The body split after its first paragraph (the lead), when it starts with one: what goes before
/// the 量化目标 panel and what after. The cut is at the first `</p>` outside a tag (an attribute
/// may hold the text `</p>`), so both halves of the sanitized HTML stay well-formed.
pub(crate) fn split_lead(body: &str) -> (String, String) {
    let trimmed = body.trim_start();
    if trimmed.starts_with("<p>") || trimmed.starts_with("<p ") {
        if let Some(cut) = first_paragraph_end(trimmed) {
            return (trimmed[..cut].to_string(), trimmed[cut..].to_string());
        }
    }
    (String::new(), body.to_string())
}

/// The byte offset just after the first `</p>` that is markup, not attribute text.
fn first_paragraph_end(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let (mut in_tag, mut quote) = (false, None);
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, in_tag) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, true) if b == b'"' || b == b'\'' => quote = Some(b),
            (None, true) if b == b'>' => in_tag = false,
            (None, true) => {}
            (None, false) if b == b'<' => {
                if html[i..].starts_with("</p>") {
                    return Some(i + "</p>".len());
                }
                in_tag = true;
            }
            (None, false) => {}
        }
    }
    None
}

/// Parts as the cache keeps them, with their weight when put there: a cache entry's weight must
/// not change while it is kept (frames made later are counted by putting the parts in again).
#[derive(Debug, Clone)]
struct Kept {
    parts: Arc<ArticleParts>,
    bytes: u64,
}

impl Kept {
    fn new(parts: &Arc<ArticleParts>) -> Self {
        Self {
            parts: Arc::clone(parts),
            bytes: parts.bytes(),
        }
    }
}

#[derive(Debug, Clone)]
struct ByBytes;

impl Weighter<String, Kept> for ByBytes {
    fn weight(&self, slug: &String, kept: &Kept) -> u64 {
        slug.len() as u64 + kept.bytes
    }
}

/// Article parts by the slug they were read at, each valid for the article id and page stamp it
/// records.
#[derive(Debug)]
pub struct ArticlePartsCache {
    parts: Option<Cache<String, Kept, ByBytes>>,
}

impl ArticlePartsCache {
    /// A cache holding at most `max_bytes` of parts; 0 keeps none.
    pub fn new(max_bytes: u64) -> Self {
        let estimated = usize::try_from(max_bytes / 8_192)
            .unwrap_or(usize::MAX)
            .max(16);
        Self {
            parts: (max_bytes > 0).then(|| Cache::with_weighter(estimated, max_bytes, ByBytes)),
        }
    }

    /// The parts last made for `slug`, current or not: a render asks the store whether they are
    /// current ([`ArticleParts::is_current`]) in the same read as what they lead on to.
    pub fn kept(&self, slug: &str) -> Option<Arc<ArticleParts>> {
        self.parts.as_ref()?.get(slug).map(|kept| kept.parts)
    }

    /// Keeps `frame` with the `parts` of `slug` (see [`ArticleParts::keep_frame`]), and weighs
    /// the parts again when they are the ones kept for the slug: the cache's bound counts frames.
    pub fn keep_frame(
        &self,
        slug: &str,
        parts: &Arc<ArticleParts>,
        in_wechat: bool,
        frame: Arc<PageFrame>,
    ) {
        if !parts.keep_frame(in_wechat, frame) {
            return;
        }
        if let Some(cache) = &self.parts {
            if cache
                .get(slug)
                .is_some_and(|kept| Arc::ptr_eq(&kept.parts, parts))
            {
                cache.insert(slug.to_string(), Kept::new(parts));
            }
        }
    }
}

impl Default for ArticlePartsCache {
    fn default() -> Self {
        Self::new(DEFAULT_ARTICLE_CACHE_BYTES)
    }
}

impl ArticleParts {
    /// Whether these parts are those of the article at `now` (the slug's article and page stamp
    /// as read now).
    pub fn is_current(&self, now: &PageStamp) -> bool {
        self.article.id == now.id && self.stamp == now.stamp
    }
}

/// The parts of the public article at `slug`, read and made now (and kept), and its stored view
/// count.
pub async fn read_article_parts(
    state: &super::AppState,
    slug: &str,
) -> Result<(Arc<ArticleParts>, i64), AppError> {
    // The stamp comes with the row: a write between a render's reads leaves these parts at the
    // newer stamp, never newer content under an older one.
    let page = state.store.article_page(slug).await?;
    let views = page.article.views;
    let parts = Arc::new(ArticleParts::make(&state.renderer, page)?);
    if let Some(cache) = &state.article_parts().parts {
        cache.insert(slug.to_string(), Kept::new(&parts));
    }
    Ok((parts, views))
}

#[cfg(test)]
mod tests {
    use super::{PageFrame, READING_LINKS_MARK, split_lead};

    #[test]
    fn a_frame_joins_the_links_where_the_page_marked_them() {
        let page = format!("<main><p>正文</p>{READING_LINKS_MARK}<p>返回顶部</p></main>");
        let frame = PageFrame::new(page, 3, 2026);
        assert_eq!(
            frame.page("<nav>上一篇</nav>"),
            "<main><p>正文</p><nav>上一篇</nav><p>返回顶部</p></main>"
        );
        assert_eq!(frame.page(""), "<main><p>正文</p><p>返回顶部</p></main>");
        // A theme's article.html without the place: its page as rendered, no links after </html>.
        let frame = PageFrame::new("<html><p>正文</p></html>".into(), 3, 2026);
        assert_eq!(frame.page("<nav>上一篇</nav>"), "<html><p>正文</p></html>");
    }

    #[test]
    fn the_lead_is_the_first_paragraph_cut_outside_attributes() {
        let (lead, rest) = split_lead("<p>导语。</p>\n<p>正文。</p>");
        assert_eq!(
            (lead.as_str(), rest.as_str()),
            ("<p>导语。</p>", "\n<p>正文。</p>")
        );
        let body = r#"<p><a href="/x" title="a</p>b">链接</a>导语</p><p>二</p>"#;
        let (lead, rest) = split_lead(body);
        assert_eq!(lead, r#"<p><a href="/x" title="a</p>b">链接</a>导语</p>"#);
        assert_eq!(rest, "<p>二</p>");
        // No leading paragraph (a heading, a preformatted block): no lead.
        for body in ["<h2>标题</h2><p>正文</p>", "<pre>代码</pre><p>正文</p>"] {
            assert_eq!(split_lead(body), (String::new(), body.to_string()));
        }
    }
}
