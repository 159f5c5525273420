//! WordPress export files (WXR: an RSS document with the `http://wordpress.org/export/…`
//! namespace) read as pages: each post or page becomes a [`ParsedItem`] stored by the same steps
//! as pages read from files ([`super::import_parsed`]). The title, date, author, tags and channel
//! come from the export's fields; the HTML of `content:encoded` is read by the same flattener and
//! block reader as a page's body, so pictures, tables and file links are kept alike.
//!
//! Posts that are published become published articles; drafts, pending, private and future
//! posts become drafts (never public, kept for the newsroom); trashed and auto-draft items and
//! attachments are listed in the report as skipped. Pages become articles in the channel 页面
//! (`pages`): single pages cannot keep old addresses, pictures stored as uploads or attachments.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use roxmltree::Node;

use super::markdown::Block;
use super::page::ParsedPage;
use super::{ImportError, PageReport, ParsedItem, html, page, structure};
use crate::domain::ArticleStatus;

/// Exports larger than this are refused: a big site's export with every post is tens of MiB.
pub const MAX_EXPORT_BYTES: u64 = 256 * 1024 * 1024;
/// Slug and name of the channel pages go to.
pub const PAGES_CHANNEL: (&str, &str) = ("pages", "页面");

const WP_NS: &str = "http://wordpress.org/export/";
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

/// Whether the file is a WordPress export: a `.xml` file whose start names the WXR namespace.
pub fn is_export(path: &Path) -> bool {
    let xml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
    if !xml || !path.is_file() {
        return false;
    }
    let mut head = Vec::with_capacity(8192);
    let read = std::fs::File::open(path).and_then(|f| f.take(8192).read_to_end(&mut head));
    read.is_ok() && String::from_utf8_lossy(&head).contains(WP_NS)
}

/// What an export holds, read.
#[derive(Debug, Default)]
pub struct Export {
    /// Posts and pages to store.
    pub items: Vec<ParsedItem>,
    /// Channels the items go to, `(slug, name)`, in the export's order.
    pub channels: Vec<(String, String)>,
    /// Items refused or skipped, with the reason (`outcome` says which).
    pub others: Vec<PageReport>,
}

/// One `<item>`'s fields.
struct Item<'a, 'i> {
    node: Node<'a, 'i>,
    id: String,
    kind: String,
    status: String,
}

fn is_ns(node: Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node
            .tag_name()
            .namespace()
            .is_some_and(|n| n.starts_with(ns))
}

/// The text of the first child `ns:name` (CDATA included), trimmed.
fn field(node: Node<'_, '_>, ns: &str, name: &str) -> String {
    node.children()
        .find(|c| {
            is_ns(*c, ns, name)
                && !c
                    .tag_name()
                    .namespace()
                    .is_some_and(|n| n.ends_with("excerpt/"))
        })
        .map(|c| c.children().filter_map(|t| t.text()).collect::<String>())
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn plain_field(node: Node<'_, '_>, name: &str) -> String {
    node.children()
        .find(|c| {
            c.is_element() && c.tag_name().namespace().is_none() && c.tag_name().name() == name
        })
        .and_then(|c| c.text())
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn excerpt(node: Node<'_, '_>) -> String {
    node.children()
        .find(|c| {
            c.is_element()
                && c.tag_name().name() == "encoded"
                && c.tag_name()
                    .namespace()
                    .is_some_and(|n| n.ends_with("excerpt/"))
        })
        .map(|c| c.children().filter_map(|t| t.text()).collect::<String>())
        .unwrap_or_default()
}

/// WordPress's own slugs are percent-encoded UTF-8 (`%e6%96%b0…`).
fn decode_slug(s: &str) -> String {
    percent_encoding::percent_decode_str(s.trim())
        .decode_utf8_lossy()
        .to_lowercase()
}

/// Reads an export file: every item becomes a post or page to store, or a report entry.
pub fn read_export(
    path: &Path,
    fallback_channel: &str,
    tz: chrono_tz::Tz,
) -> Result<Export, ImportError> {
    let bytes = read_export_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ImportError::Export(format!(
            "it is not UTF-8 (byte {}); WordPress writes UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: u32::MAX,
    };
    let doc = roxmltree::Document::parse_with_options(text.trim_start_matches('\u{feff}'), options)
        .map_err(|e| ImportError::Export(format!("not well-formed XML: {e}")))?;
    let Some(channel) = doc
        .root_element()
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "channel")
    else {
        return Err(ImportError::Export("no <channel> element".into()));
    };
    // Uploads named by path alone (`/wp-content/uploads/…`) are fetched from the old site.
    let base = field(channel, WP_NS, "base_site_url");
    let base = base.trim_end_matches('/');
    let authors: HashMap<String, String> = channel
        .children()
        .filter(|c| is_ns(*c, WP_NS, "author"))
        .map(|a| {
            let login = field(a, WP_NS, "author_login");
            let name = field(a, WP_NS, "author_display_name");
            (login.clone(), if name.is_empty() { login } else { name })
        })
        .collect();
    let mut export = Export::default();
    let add_channel = |export: &mut Export, slug: String, name: String| {
        if !slug.is_empty() && !export.channels.iter().any(|(s, _)| *s == slug) {
            export.channels.push((slug, name));
        }
    };
    for c in channel.children().filter(|c| is_ns(*c, WP_NS, "category")) {
        let slug = decode_slug(&field(c, WP_NS, "category_nicename"));
        let name = field(c, WP_NS, "cat_name");
        add_channel(&mut export, slug, name);
    }
    let items: Vec<Item<'_, '_>> = channel
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "item")
        .map(|node| Item {
            node,
            id: field(node, WP_NS, "post_id"),
            kind: field(node, WP_NS, "post_type"),
            status: field(node, WP_NS, "status"),
        })
        .collect();
    // Attachment id → its file's URL (a post's featured picture names its attachment by id).
    let files: HashMap<&str, String> = items
        .iter()
        .filter(|i| i.kind == "attachment")
        .map(|i| (i.id.as_str(), field(i.node, WP_NS, "attachment_url")))
        .collect();
    let file_name = path.display().to_string();
    for item in &items {
        let name = format!("{file_name}#{}-{}", item.kind, item.id);
        let other = |outcome: &'static str, reason: String| PageReport {
            file: name.clone(),
            outcome,
            reason: Some(reason),
            title: Some(plain_field(item.node, "title")),
            ..PageReport::default()
        };
        let status = match (item.kind.as_str(), item.status.as_str()) {
            ("post" | "page", "publish") => ArticleStatus::Published,
            ("post" | "page", "draft" | "pending" | "private" | "future") => ArticleStatus::Draft,
            ("post" | "page", other_status) => {
                export.others.push(other(
                    "skipped",
                    format!("status {other_status:?}: not imported"),
                ));
                continue;
            }
            ("attachment", _) => {
                let url = files.get(item.id.as_str()).cloned().unwrap_or_default();
                export.others.push(other(
                    "skipped",
                    format!(
                        "attachment {url}: stored with the posts that show or link it, not on its own"
                    ),
                ));
                continue;
            }
            (kind, _) => {
                export.others.push(other(
                    "skipped",
                    format!("post type {kind:?}: not imported"),
                ));
                continue;
            }
        };
        let (channel_slug, channel_name) = if item.kind == "page" {
            (PAGES_CHANNEL.0.to_string(), PAGES_CHANNEL.1.to_string())
        } else {
            item.node
                .children()
                .find(|c| {
                    c.is_element()
                        && c.tag_name().name() == "category"
                        && c.attribute("domain") == Some("category")
                })
                .map(|c| {
                    (
                        decode_slug(c.attribute("nicename").unwrap_or_default()),
                        c.text().unwrap_or_default().trim().to_string(),
                    )
                })
                .filter(|(slug, _)| !slug.is_empty())
                .unwrap_or_else(|| (fallback_channel.to_string(), String::new()))
        };
        if !channel_name.is_empty() {
            add_channel(&mut export, channel_slug.clone(), channel_name);
        }
        match read_item(item, &files, &authors, base, status, &channel_slug, tz) {
            Ok((page, input)) => export.items.push(ParsedItem {
                path: PathBuf::from(&name),
                base_url: None,
                page,
                input,
            }),
            Err(e) => export.others.push(other("refused", e.to_string())),
        }
    }
    Ok(export)
}

fn read_export_bytes(path: &Path) -> Result<Vec<u8>, ImportError> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ImportError::NotAFile {
            kind: "a folder or special file",
        });
    }
    let too_large = |bytes| {
        ImportError::Export(format!(
            "it is {bytes} bytes, over the limit of {MAX_EXPORT_BYTES} bytes (256 MiB) for one \
         WordPress export; export it in parts (by date or category) from the old site"
        ))
    };
    if meta.len() > MAX_EXPORT_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_EXPORT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// WordPress writes paragraphs of the classic editor as blank-line-separated text and adds the
/// `<p>`s when it shows the post (`wpautop`); block-editor content (`<!-- wp:` comments) has them.
fn autop(content: &str) -> String {
    let content = content.replace("\r\n", "\n");
    if content.contains("<!-- wp:") {
        return content;
    }
    const BLOCKS: [&str; 14] = [
        "<p",
        "<div",
        "<table",
        "<ul",
        "<ol",
        "<h1",
        "<h2",
        "<h3",
        "<h4",
        "<h5",
        "<h6",
        "<blockquote",
        "<figure",
        "<pre",
    ];
    content
        .split("\n\n")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|chunk| {
            let lower = chunk.to_ascii_lowercase();
            if BLOCKS.iter().any(|b| lower.starts_with(b)) {
                chunk.to_string()
            } else {
                format!("<p>{}</p>", chunk.replace('\n', "<br>\n"))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines of an HTML fragment, read by the page flattener.
pub(super) fn fragment_lines(html_fragment: &str) -> Result<Vec<page::Line>, ImportError> {
    let doc = format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8></head><body>{html_fragment}</body></html>"
    );
    structure::check(&doc)?;
    Ok(html::flatten(&doc).0)
}

fn read_item(
    item: &Item<'_, '_>,
    files: &HashMap<&str, String>,
    authors: &HashMap<String, String>,
    base: &str,
    status: ArticleStatus,
    channel_slug: &str,
    tz: chrono_tz::Tz,
) -> Result<(ParsedPage, crate::domain::ArticleInput), ImportError> {
    let node = item.node;
    let title = page::normalize_space(&plain_field(node, "title"));
    if title.is_empty() {
        return Err(ImportError::NoHeadline);
    }
    // The GMT time is exact; the site time is read in this site's zone when GMT is not set
    // (drafts carry 0000-00-00).
    let gmt = field(node, WP_NS, "post_date_gmt");
    let local = field(node, WP_NS, "post_date");
    let published_at = chrono::NaiveDateTime::parse_from_str(&gmt, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
        .or_else(|| page::parse_time(&local, tz))
        .ok_or_else(|| {
            if local.is_empty() {
                ImportError::NoDate
            } else {
                ImportError::BadDate(local.clone())
            }
        })?;
    let mut content = autop(&field(node, CONTENT_NS, "encoded"));
    if base.starts_with("http") {
        for quote in ['"', '\''] {
            content = content.replace(
                &format!("={quote}/wp-content/"),
                &format!("={quote}{base}/wp-content/"),
            );
        }
    }
    let mut lines = fragment_lines(&content)?;
    // The featured picture heads the body when the text does not show it already.
    let meta: Vec<(String, String)> = node
        .children()
        .filter(|c| is_ns(*c, WP_NS, "postmeta"))
        .map(|m| (field(m, WP_NS, "meta_key"), field(m, WP_NS, "meta_value")))
        .collect();
    let meta_value = |key: &str| meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let (blocks, ..) = page::read_body(lines.clone());
    if let Some(url) = meta_value("_thumbnail_id")
        .and_then(|id| files.get(id))
        .filter(|url| !url.is_empty())
    {
        let shown = blocks
            .iter()
            .any(|b| matches!(b, Block::Image { src, .. } if src == url));
        if !shown {
            lines.insert(
                0,
                page::Line::embed(
                    page::Embed::Image {
                        src: url.clone(),
                        alt: title.clone(),
                    },
                    "",
                ),
            );
        }
    }
    let (blocks, images, attachments, lost) = page::read_body(lines);
    if blocks.is_empty() {
        return Err(ImportError::NoBody);
    }
    super::check_escape_work(&blocks)?;
    let views = ["views", "post_views_count"]
        .into_iter()
        .find_map(|k| meta_value(k).and_then(|v| v.trim().parse::<i64>().ok()))
        .filter(|v| *v >= 0);
    let creator = field(node, DC_NS, "creator");
    let author = authors.get(&creator).cloned().or(Some(creator));
    let link = plain_field(node, "link");
    let public = status == ArticleStatus::Published;
    let page = ParsedPage {
        title,
        author: author.filter(|a| !a.is_empty()),
        source: None,
        published_at,
        views,
        blocks,
        footer: page::Footer::default(),
        editor: None,
        notice: page::GovNotice::default(),
        // A draft's link is `?p=ID` of a post never public: nothing to redirect.
        source_url: (public && link.starts_with("http")).then_some(link),
        images,
        attachments,
        encoding: "UTF-8 (WordPress export)".into(),
        lost,
    };
    let mut input = super::to_article(&page, channel_slug, tz);
    input.status = status;
    input.tags = node
        .children()
        .filter(|c| {
            c.is_element()
                && c.tag_name().name() == "category"
                && c.attribute("domain") == Some("post_tag")
        })
        .filter_map(|c| c.text().map(|t| t.trim().to_string()))
        .filter(|t| !t.is_empty())
        .collect();
    let summary: Vec<String> = fragment_lines(&excerpt(node))?
        .iter()
        .map(page::Line::plain_text)
        .filter(|t| !t.trim().is_empty())
        .collect();
    if !summary.is_empty() {
        input.summary = page::normalize_space(&summary.join(" "));
        input.summary_auto = false;
    }
    Ok((page, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/wordpress/export.xml")
    }

    #[test]
    fn the_fixture_export_is_read() {
        assert!(is_export(&fixture()));
        let export = read_export(&fixture(), "news", TZ).unwrap();
        let slugs: Vec<&str> = export.channels.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(slugs, ["energy", "policy", "pages"]);
        assert_eq!(export.channels[0].1, "能源动态");
        let names: Vec<String> = export
            .items
            .iter()
            .map(|i| i.path.display().to_string())
            .map(|p| p.rsplit('#').next().unwrap().to_string())
            .collect();
        assert_eq!(names, ["post-101", "post-102", "post-103", "page-2"]);
        let pv = &export.items[0];
        assert_eq!(pv.input.channel_slug, "energy");
        assert_eq!(pv.input.tags, ["光伏"]);
        assert_eq!(pv.input.author.as_deref(), Some("李明"));
        assert_eq!(pv.input.views, 2345);
        assert_eq!(pv.input.summary, "全省光伏累计装机容量突破三千万千瓦。");
        assert!(!pv.input.summary_auto);
        assert_eq!(pv.input.status, ArticleStatus::Published);
        assert_eq!(
            pv.page.published_at.to_rfc3339(),
            "2024-03-01T01:30:00+00:00"
        );
        assert!(
            pv.page
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Table(rows) if rows.len() == 3))
        );
        let plan = &export.items[1];
        assert_eq!(plan.input.tags, ["氢能", "光伏"]);
        assert_eq!(plan.input.views, 512);
        assert_eq!(
            plan.page.images,
            ["http://old-wp.example.cn/wp-content/uploads/2024/03/hydrogen-station.png"]
        );
        assert_eq!(plan.page.attachments.len(), 1);
        let draft = &export.items[2];
        assert_eq!(draft.input.status, ArticleStatus::Draft);
        assert_eq!(
            draft.page.source_url, None,
            "a draft's ?p= link is not redirected"
        );
        // Site time when the GMT time is unset.
        assert_eq!(
            draft.page.published_at.to_rfc3339(),
            "2024-03-08T07:00:00+00:00"
        );
        assert_eq!(export.items[3].input.channel_slug, "pages");
        assert_eq!(export.others.len(), 1);
        assert_eq!(export.others[0].outcome, "skipped");
    }

    #[test]
    fn broken_exports_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.xml");
        let good = std::fs::read_to_string(fixture()).unwrap();
        std::fs::write(&path, good.replace("</channel>", "")).unwrap();
        let err = read_export(&path, "news", TZ).unwrap_err().to_string();
        assert!(
            err.contains("WordPress export is refused: not well-formed XML"),
            "{err}"
        );
        // An item without a title is refused alone, the rest read.
        std::fs::write(
            &path,
            good.replacen("<![CDATA[安徽光伏装机容量再创新高]]>", "", 1),
        )
        .unwrap();
        let export = read_export(&path, "news", TZ).unwrap();
        assert_eq!(export.items.len(), 3);
        assert!(export.others.iter().any(|o| {
            o.outcome == "refused"
                && o.reason
                    .as_deref()
                    .is_some_and(|r| r.contains("no headline"))
        }));
    }

    #[test]
    fn uploads_named_by_path_come_from_the_old_site() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.xml");
        let good = std::fs::read_to_string(fixture()).unwrap();
        std::fs::write(
            &path,
            good.replace(
                "src=\"http://old-wp.example.cn/wp-content/",
                "src=\"/wp-content/",
            ),
        )
        .unwrap();
        let export = read_export(&path, "news", TZ).unwrap();
        assert_eq!(
            export.items[1].page.images,
            ["http://old-wp.example.cn/wp-content/uploads/2024/03/hydrogen-station.png"]
        );
    }

    #[test]
    fn classic_paragraphs_get_their_p() {
        assert_eq!(
            autop("一段。\n\n二段\n续。\n\n<table><tr><td>1</td></tr></table>"),
            "<p>一段。</p>\n<p>二段<br>\n续。</p>\n<table><tr><td>1</td></tr></table>"
        );
        let blocks = "<!-- wp:paragraph -->\n<p>a</p>\n<!-- /wp:paragraph -->";
        assert_eq!(autop(blocks), blocks);
    }
}
