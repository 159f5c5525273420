//! Importing existing pages (plain text or HTML, like the seed page) as articles.
//!
//! A page is read in three steps: bytes are checked and decoded ([`decode`]), HTML is flattened to
//! lines ([`html`]), and the lines are read as an article ([`page`]): the site chrome is dropped, the
//! metadata block gives 作者, 来源, the publish time and 浏览量, the line above it is the headline and
//! the lines below it are the body, written out as Markdown ([`markdown`]).
//!
//! **Identity.** A page's identity is its headline (whitespace collapsed) plus its publish time to
//! the minute, in UTC (`import_key`). Importing a page again, from any path, updates the article with
//! that key and never adds a second one; its slug (URL) stays, and its 浏览量 never goes down.

pub mod html;
pub mod markdown;
pub mod page;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use crate::content::Articles;
use crate::domain::{ArticleInput, ArticleStatus, BodyFormat};
use crate::render::body_html;
use crate::store::{StoreError, Upserted};
pub use page::{Footer, ParsedPage};

/// Pages larger than this are refused; no real article page comes close.
pub const MAX_PAGE_BYTES: u64 = 16 * 1024 * 1024;
/// Files stored per search-index commit in a batch import.
const IMPORT_CHUNK: usize = 200;

/// Why a page could not be imported. Messages name the problem in terms of the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Zero bytes, or only whitespace.
    #[error("the file is empty")]
    Empty,
    /// Over [`MAX_PAGE_BYTES`].
    #[error("the file is {bytes} bytes, over the limit of {limit} bytes for one page")]
    TooLarge {
        /// Size of the file.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// A NUL byte: an image, archive or other binary file.
    #[error("this is a binary file, not a text or HTML page (NUL byte at offset {offset})")]
    Binary {
        /// Offset of the first NUL byte.
        offset: usize,
    },
    /// Not valid UTF-8.
    #[error(
        "the file is not valid UTF-8 (first bad byte at offset {offset}); convert it to UTF-8 first"
    )]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// No headline could be found.
    #[error("no headline found: expected a title line above the 作者/来源/date lines, or an <h1>")]
    NoHeadline,
    /// No publish time could be found.
    #[error("no publish time found: expected a line such as 2024/02/08 10:21")]
    NoDate,
    /// A publish time that is not a real date.
    #[error("publish time {0:?} is not a valid date and time")]
    BadDate(String),
    /// Headline and metadata but no text below them.
    #[error("no article text found below the headline")]
    NoBody,
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

/// Checks a page's bytes and decodes them as UTF-8 (a byte-order mark is dropped).
pub fn decode(bytes: &[u8]) -> Result<&str, ImportError> {
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > MAX_PAGE_BYTES {
        return Err(ImportError::TooLarge {
            bytes: len,
            limit: MAX_PAGE_BYTES,
        });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(ImportError::Binary { offset });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(text)
}

/// Reads an article out of a page's bytes (text or HTML); times are read in `tz`.
pub fn parse_page(bytes: &[u8], tz: chrono_tz::Tz) -> Result<ParsedPage, ImportError> {
    let text = decode(bytes)?;
    let (lines, head) = if html::looks_like_html(text) {
        html::flatten(text)
    } else {
        (
            text.lines().map(page::Line::plain).collect(),
            page::HeadMeta::default(),
        )
    };
    page::parse_lines(lines, &head, tz)
}

/// The identity of a page, see the module docs.
pub fn import_key(page: &ParsedPage) -> String {
    format!(
        "{}|{}",
        page.published_at.format("%Y-%m-%dT%H:%MZ"),
        page::normalize_space(&page.title)
    )
}

/// A stable URL slug for an imported page: local publish date plus a short hash of its identity.
pub fn import_slug(page: &ParsedPage, tz: chrono_tz::Tz) -> String {
    let digest = Sha256::digest(import_key(page).as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{hex}",
        page.published_at.with_timezone(&tz).format("%Y%m%d")
    )
}

/// A plain-text summary: the first paragraph, cut to about 120 characters.
pub fn summarize(page: &ParsedPage) -> String {
    const MAX_CHARS: usize = 120;
    let first = page
        .blocks
        .iter()
        .find(|b| matches!(b, markdown::Block::Paragraph(_)))
        .or(page.blocks.first())
        .map(markdown::Block::text)
        .unwrap_or_default();
    if first.chars().count() <= MAX_CHARS {
        first.to_string()
    } else {
        let cut: String = first.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    }
}

/// The article an imported page becomes: published, in `channel_slug`, body as Markdown.
pub fn to_article(page: &ParsedPage, channel_slug: &str, tz: chrono_tz::Tz) -> ArticleInput {
    let body_source = markdown::to_markdown(&page.blocks);
    ArticleInput {
        slug: import_slug(page, tz),
        title: page.title.clone(),
        author: page.author.clone(),
        source: page.source.clone(),
        channel_slug: channel_slug.to_string(),
        tags: Vec::new(),
        summary: summarize(page),
        body_format: BodyFormat::Markdown,
        body_html: body_html(BodyFormat::Markdown, &body_source),
        body_source,
        status: ArticleStatus::Published,
        published_at: Some(page.published_at),
        views: page.views.unwrap_or(0),
        import_key: Some(import_key(page)),
    }
}

/// Reads one file and stores it as an article in `channel_slug` (and in the search index).
pub async fn import_file(
    articles: &Articles,
    path: &Path,
    channel_slug: &str,
    tz: chrono_tz::Tz,
) -> anyhow::Result<(Upserted, ParsedPage)> {
    let bytes = read_limited(path)?;
    let page = parse_page(&bytes, tz)?;
    let article = to_article(&page, channel_slug, tz);
    let outcome = articles.save(&article).await.map_err(store_failure)?;
    Ok((outcome, page))
}

fn store_failure(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Conflict { what } => anyhow::anyhow!("cannot store the article: {what}"),
        other => anyhow::Error::new(other).context("cannot store the article"),
    }
}

fn read_limited(path: &Path) -> Result<Vec<u8>, ImportError> {
    let bytes = std::fs::metadata(path)?.len();
    if bytes > MAX_PAGE_BYTES {
        return Err(ImportError::TooLarge {
            bytes,
            limit: MAX_PAGE_BYTES,
        });
    }
    Ok(std::fs::read(path)?)
}

/// Expands the paths given on the command line: files as they are, folders recursively to their
/// `.txt`, `.html` and `.htm` files, in name order so runs are repeatable.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
        if meta.is_dir() {
            walk_dir(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("{}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk_dir(&path, files)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "txt" | "html" | "htm"))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// What a batch import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    /// New articles.
    pub created: usize,
    /// Articles updated by a re-import.
    pub updated: usize,
    /// Files refused.
    pub failed: usize,
}

/// Imports every file, reporting each failure as one line (path, then the cause) and going on with
/// the rest. Shows a progress bar when stderr is a terminal.
pub async fn import_batch(
    articles: &Articles,
    files: &[PathBuf],
    channel_slug: &str,
    tz: chrono_tz::Tz,
) -> ImportSummary {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(files.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} {per_sec} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut summary = ImportSummary::default();
    let mut fail = |path: &Path, e: anyhow::Error| {
        summary.failed += 1;
        bar.suspend(|| eprintln!("{}: {e:#}", path.display()));
        tracing::debug!(path = %path.display(), error = %format!("{e:#}"), "import failed");
    };
    // Files are stored in chunks, each indexed in one commit rather than one commit per file.
    let mut outcomes = Vec::with_capacity(files.len());
    for chunk in files.chunks(IMPORT_CHUNK) {
        let mut parsed = Vec::with_capacity(chunk.len());
        for path in chunk {
            bar.set_message(path.display().to_string());
            match read_limited(path)
                .map_err(anyhow::Error::from)
                .and_then(|bytes| Ok(to_article(&parse_page(&bytes, tz)?, channel_slug, tz)))
            {
                Ok(input) => parsed.push((path, input)),
                Err(e) => {
                    fail(path, e);
                    bar.inc(1);
                }
            }
        }
        let inputs: Vec<ArticleInput> = parsed.iter().map(|(_, input)| input.clone()).collect();
        for ((path, _), outcome) in parsed.iter().zip(articles.save_all(&inputs).await) {
            match outcome {
                Ok(o) => outcomes.push(o),
                Err(e) => fail(path, store_failure(e)),
            }
            bar.inc(1);
        }
    }
    for outcome in outcomes {
        match outcome {
            Upserted::Created(_) => summary.created += 1,
            Upserted::Updated(_) => summary.updated += 1,
        }
    }
    bar.finish_and_clear();
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &[u8] = include_bytes!("../../tests/fixtures/good/seed-article-hefei-nev-2024.txt");
    const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn seed_page_is_read() {
        let page = parse_page(SEED, TZ).unwrap();
        assert_eq!(
            page.title,
            "合肥丨携手打造新能源与智能网联汽车世界级产业集群"
        );
        assert_eq!(page.author, None);
        assert_eq!(page.source, None);
        assert_eq!(page.views, None);
        assert_eq!(page.published_at.to_rfc3339(), "2024-02-08T02:21:00+00:00");
        let numbered: Vec<_> = page
            .blocks
            .iter()
            .filter_map(|b| match b {
                markdown::Block::Numbered(n, _) => Some(*n),
                _ => None,
            })
            .collect();
        assert_eq!(numbered, vec![1, 2, 3, 4]);
        assert!(
            page.blocks
                .contains(&markdown::Block::Heading("二、2024年工作安排".into()))
        );
        // The chrome is gone from the body.
        let body = markdown::to_markdown(&page.blocks);
        for chrome in ["手机网站", "微信网站", "版权所有", "ICP备", "中企动力"] {
            assert!(!body.contains(chrome), "{chrome} leaked into the body");
        }
        assert!(body.contains("力争新能源汽车产量突破120万辆"));
        assert_eq!(
            page.footer,
            Footer {
                copyright_holder: Some("北京国能赢创能源信息技术有限公司".into()),
                icp_number: Some("京ICP备17037723号".into()),
                public_security_number: Some("京公网安备 11010802025013号".into()),
            }
        );
    }

    #[test]
    fn seed_identity_is_stable() {
        let page = parse_page(SEED, TZ).unwrap();
        assert_eq!(
            import_key(&page),
            "2024-02-08T02:21Z|合肥丨携手打造新能源与智能网联汽车世界级产业集群"
        );
        assert!(import_slug(&page, TZ).starts_with("20240208-"));
    }

    #[test]
    fn html_page_with_the_same_fields_is_read() {
        let html = "<!DOCTYPE html><html lang=zh><head><title>标题 - 某网站</title></head><body>\
            <nav><a href=/>首页</a><a>手机网站</a></nav>\
            <h1>光伏装机再创新高</h1><div class=info><span>作者:李明</span> <span>来源:能源报</span>\
            <span>2024-03-01 09:30</span> <span>浏览量:128</span></div>\
            <div class=content><p>第一段。</p><ol><li>实施行动</li><li>推进建设</li></ol><h2>二、安排</h2></div>\
            <div class=footer>版权所有 © 某公司 京ICP备12345678号</div></body></html>";
        let page = parse_page(html.as_bytes(), TZ).unwrap();
        assert_eq!(page.title, "光伏装机再创新高");
        assert_eq!(page.author.as_deref(), Some("李明"));
        assert_eq!(page.source.as_deref(), Some("能源报"));
        assert_eq!(page.views, Some(128));
        assert_eq!(page.published_at.to_rfc3339(), "2024-03-01T01:30:00+00:00");
        assert_eq!(
            page.blocks,
            vec![
                markdown::Block::Paragraph("第一段。".into()),
                markdown::Block::Numbered(1, "实施行动".into()),
                markdown::Block::Numbered(2, "推进建设".into()),
                markdown::Block::Heading("二、安排".into()),
            ]
        );
    }

    #[test]
    fn malformed_pages_are_refused_with_the_reason() {
        assert!(matches!(parse_page(b"", TZ), Err(ImportError::Empty)));
        assert!(matches!(
            parse_page(b" \n\t\n", TZ),
            Err(ImportError::Empty)
        ));
        assert!(matches!(
            parse_page(b"\x89PNG\r\n\x1a\n\0\0\0", TZ),
            Err(ImportError::Binary { offset: 8 })
        ));
        let mut bad = "标题\n2024/02/08 10:21\n正文".as_bytes().to_vec();
        bad.extend_from_slice(&[0xff, 0xfe, b'x']);
        assert!(matches!(
            parse_page(&bad, TZ),
            Err(ImportError::InvalidUtf8 { .. })
        ));
        let huge = vec![b'a'; usize::try_from(MAX_PAGE_BYTES).unwrap() + 1];
        assert!(matches!(
            parse_page(&huge, TZ),
            Err(ImportError::TooLarge { .. })
        ));
        let no_headline = String::from_utf8_lossy(SEED)
            .replace("合肥丨携手打造新能源与智能网联汽车世界级产业集群\n", "");
        // Without the headline the line above the metadata is chrome, so nothing is left.
        assert!(matches!(
            parse_page(no_headline.as_bytes(), TZ),
            Err(ImportError::NoHeadline)
        ));
        let no_date = String::from_utf8_lossy(SEED).replace("2024/02/08 10:21", "");
        assert!(matches!(
            parse_page(no_date.as_bytes(), TZ),
            Err(ImportError::NoDate)
        ));
        assert!(matches!(
            parse_page("标题\n2024/02/30 10:21\n正文".as_bytes(), TZ),
            Err(ImportError::BadDate(_))
        ));
        assert!(matches!(
            parse_page("标题\n2024/02/08 10:21\n".as_bytes(), TZ),
            Err(ImportError::NoBody)
        ));
    }
}
