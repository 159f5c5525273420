//! Importing existing pages (plain text or HTML, like the seed page) as articles.
//!
//! A page is read in three steps: bytes are checked and decoded ([`decode_page`]), HTML is checked
//! for absurd shapes ([`structure`]) and flattened to lines ([`html`]), and the lines are read as an
//! article ([`page`]): the site chrome is dropped, the metadata block gives 作者, 来源, the publish
//! time and 浏览量, the line above it is the headline and the lines below it are the body, written
//! out as Markdown ([`markdown`]).
//!
//! **Identity.** A page's identity is its headline (whitespace collapsed) plus its publish time to
//! the minute, in UTC (`import_key`). Importing a page again, from any path, updates the article with
//! that key and never adds a second one; its slug (URL) stays, and its 浏览量 never goes down.

pub mod crawl;
pub mod dedecms;
pub mod encoding;
pub mod html;
pub mod markdown;
pub mod media;
pub mod page;
pub mod structure;
pub mod wordpress;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::content::Articles;
use crate::domain::{ArticleInput, ArticleStatus, BodyFormat};
use crate::render::body_html;
use crate::store::{StoreError, Upserted};
pub use encoding::Decoded;
pub use page::{Footer, GovNotice, LinkedFile, ParsedPage};

/// Pages larger than this are refused. Real article pages, scripts and styles included, stay
/// under 1 MB; every byte of text costs target extraction, indexing and rendering (a 15.9 MB text
/// took 56 s and 590 MiB to import), so 4 MiB leaves room and bounds that work to a quarter.
pub const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;
/// Work allowed to the HTML serializer per page, in bytes scanned: see [`check_escape_work`].
pub const MAX_ESCAPE_SCAN: u64 = 1 << 30;
/// Folder of the data folder where `newsdesk import` writes its reports by default.
pub const REPORTS_DIR: &str = "import-reports";
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
    /// A device, FIFO, socket or folder (or a symlink to one): reading it could block or never end.
    #[error("this is {kind}, not a regular file; only regular files are imported")]
    NotAFile {
        /// What it is, with its article ("a FIFO").
        kind: &'static str,
    },
    /// HTML nested too deep or with absurd tags; parsing it would take minutes.
    #[error("the HTML is refused: {0}")]
    Structure(structure::StructureError),
    /// A paragraph whose rendering would take minutes, see [`check_escape_work`].
    #[error(
        "a paragraph holds {count} '&' or U+0080–U+00BF characters in {bytes} bytes of text; \
         rendering it would take minutes (a real paragraph holds a few)"
    )]
    EscapeHeavy {
        /// Such characters in the paragraph.
        count: usize,
        /// Its length.
        bytes: usize,
    },
    /// The `NAME.meta.json` beside a `NAME.txt` could not be used; the message says why.
    #[error("the sidecar {file} is refused: {reason}")]
    Sidecar {
        /// The sidecar's file name.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A WordPress export that cannot be read as a whole; the message says why.
    #[error("the WordPress export is refused: {0}")]
    Export(String),
    /// A CMS database (DedeCMS) that cannot be read; the message says why.
    #[error("the DedeCMS database is refused: {0}")]
    Database(String),
    /// Reading the page failed inside the importer: a bug, reported for this file only.
    #[error("internal error while reading the page: {0}")]
    Internal(String),
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(std::io::Error),
}

// Not `#[from]`: that would make the inner error the source as well, and `{:#}` print it twice.
impl From<std::io::Error> for ImportError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<structure::StructureError> for ImportError {
    fn from(e: structure::StructureError) -> Self {
        Self::Structure(e)
    }
}

/// Checks a page's bytes (size, NUL bytes of a binary file, emptiness) and decodes them: by
/// byte-order mark, declared charset or detection, see [`encoding`]. Bytes invalid in the chosen
/// encoding become U+FFFD and are named in [`Decoded::lost`].
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, ImportError> {
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > MAX_PAGE_BYTES {
        return Err(ImportError::TooLarge {
            bytes: len,
            limit: MAX_PAGE_BYTES,
        });
    }
    let (chosen, bom, name) = encoding::sniff(bytes);
    // UTF-16 text is half NUL bytes; its NULs are looked for once decoded.
    let utf16 = chosen == encoding_rs::UTF_16LE || chosen == encoding_rs::UTF_16BE;
    if !utf16 {
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            return Err(ImportError::Binary { offset });
        }
    }
    let decoded = encoding::decode_with(bytes, chosen, bom, name);
    if utf16 {
        if let Some(offset) = decoded.text.find('\0') {
            return Err(ImportError::Binary { offset });
        }
    }
    if decoded.text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(decoded)
}

/// [`decode`], then line endings made `\n`: files from old Macs end lines with a lone `\r`, which
/// [`str::lines`] would not split. (`decode` itself keeps the text as it is, so offsets into it
/// are offsets into the decoded file.)
pub fn decode_page(bytes: &[u8]) -> Result<Decoded<'_>, ImportError> {
    let mut decoded = decode(bytes)?;
    if decoded.text.contains('\r') {
        decoded.text = Cow::Owned(decoded.text.replace("\r\n", "\n").replace('\r', "\n"));
    }
    Ok(decoded)
}

/// Reads an article out of a page's bytes (text or HTML); times are read in `tz`.
pub fn parse_page(bytes: &[u8], tz: chrono_tz::Tz) -> Result<ParsedPage, ImportError> {
    let decoded = decode_page(bytes)?;
    let text = decoded.text.as_ref();
    let (lines, head) = if html::looks_like_html(text) {
        structure::check(text)?;
        html::flatten(text)
    } else {
        (
            text.lines().map(page::Line::plain).collect(),
            page::HeadMeta::default(),
        )
    };
    let mut page = page::parse_lines(lines, &head, tz)?;
    page.encoding = decoded.encoding;
    if let Some(lost) = decoded.lost {
        page.lost.insert(0, lost);
    }
    check_escape_work(&page.blocks)?;
    Ok(page)
}

/// Refuses bodies whose sanitizing would take minutes. The HTML serializer behind
/// [`body_html`] (html5ever 0.40's `write_escaped`) searches, for every `&` and every byte `0xC2`
/// (the lead byte of U+0080–U+00BF) in a text node, the rest of that node for the next `<` or `>`:
/// work grows with their count times the paragraph's length, so 2 million `&amp;` in one
/// paragraph took 110 s. This computes that work exactly, in one pass per block.
pub fn check_escape_work(blocks: &[markdown::Block]) -> Result<(), ImportError> {
    let mut total: u64 = 0;
    for block in blocks {
        let text = block.text();
        let text = text.as_bytes();
        let (mut work, mut count, mut next_stop) = (0u64, 0usize, text.len());
        for (i, &b) in text.iter().enumerate().rev() {
            match b {
                b'<' | b'>' => next_stop = i,
                b'&' | 0xC2 => {
                    count += 1;
                    work += (next_stop - i) as u64;
                }
                _ => {}
            }
        }
        total = total.saturating_add(work);
        if total > MAX_ESCAPE_SCAN {
            return Err(ImportError::EscapeHeavy {
                count,
                bytes: text.len(),
            });
        }
    }
    Ok(())
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
        summary_auto: true,
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
    let (page, article) = read_article(path, channel_slug, tz)?;
    let outcome = articles.save(&article).await.map_err(store_failure)?;
    Ok((outcome, page))
}

fn store_failure(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Conflict { what } => anyhow::anyhow!("cannot store the article: {what}"),
        other => anyhow::Error::new(other).context("cannot store the article"),
    }
}

/// Reads, parses and converts one file. A panic in any of it (a bug) becomes this file's error, so
/// it cannot end the batch and lose the files parsed before it.
fn read_article(
    path: &Path,
    channel_slug: &str,
    tz: chrono_tz::Tz,
) -> Result<(ParsedPage, ArticleInput), ImportError> {
    let bytes = read_limited(path)?;
    let Some(sidecar) = sidecar_of(path) else {
        return read_page(&bytes, channel_slug, tz);
    };
    // A document whose sidecar and text give no publish date is dated the day it was retrieved
    // (the `retrieved` field), said in the log: a corpus keeps such documents honestly undated.
    match read_page(
        &sidecar_page(&sidecar, &bytes, Dating::Published)?,
        channel_slug,
        tz,
    ) {
        Err(ImportError::NoDate) => {
            let dated = sidecar_page(&sidecar, &bytes, Dating::Retrieved)?;
            let read = read_page(&dated, channel_slug, tz)?;
            tracing::warn!(file = %path.display(), "no publish date: dated the day it was retrieved");
            Ok(read)
        }
        read => read,
    }
}

/// Parses and converts one page's bytes.
fn read_page(
    bytes: &[u8],
    channel_slug: &str,
    tz: chrono_tz::Tz,
) -> Result<(ParsedPage, ArticleInput), ImportError> {
    std::panic::catch_unwind(|| {
        let page = parse_page(bytes, tz)?;
        let article = to_article(&page, channel_slug, tz);
        Ok((page, article))
    })
    .unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        Err(ImportError::Internal(message))
    })
}

/// What a document corpus keeps beside `NAME.txt` in `NAME.meta.json` (the policy crate's dev
/// corpus): the facts the text file itself does not carry. Other fields are ignored.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Sidecar {
    /// The document's title: the headline.
    title: Option<String>,
    /// Its issuing body: the 来源.
    issuer: Option<String>,
    /// The site it was taken from: the 来源 when no issuer is named.
    source: Option<String>,
    /// Publish date, `YYYY-MM-DD` (a time `YYYY-MM-DD HH:MM` is taken too).
    published: Option<String>,
    /// The day the text was taken, `YYYY-MM-DD`: the date of last resort.
    retrieved: Option<String>,
}

/// Which sidecar date heads the page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dating {
    /// `published`, else none (the text's own date line, if any, is read).
    Published,
    /// `retrieved`.
    Retrieved,
}

/// The `NAME.meta.json` beside a `NAME.txt`, if there is one.
fn sidecar_of(path: &Path) -> Option<PathBuf> {
    let is_txt = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
    let sidecar = path.with_extension("meta.json");
    (is_txt && sidecar.is_file()).then_some(sidecar)
}

/// A plain-text document with a sidecar, as the page the importer reads: the sidecar's title,
/// 来源 (issuer, else source site) and date lines above the file's text, so the one page parser
/// (chrome removal, body checks) reads it like any other page. The sidecar's URL has no column
/// to go to and is not kept.
fn sidecar_page(sidecar: &Path, text: &[u8], dating: Dating) -> Result<Vec<u8>, ImportError> {
    let file = sidecar
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let refused = |reason: String| ImportError::Sidecar {
        file: file.clone(),
        reason,
    };
    let meta: Sidecar = serde_json::from_slice(&read_limited(sidecar)?)
        .map_err(|e| refused(format!("not the expected JSON object: {e}")))?;
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = meta
        .title
        .as_deref()
        .map(one_line)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| refused("no \"title\"".into()))?;
    // Without a date in the sidecar the page's own date line (if any) is the publish time, read
    // as for any page; a text without one is refused by the page reader, naming it.
    let published = match dating {
        Dating::Published => meta.published.as_deref(),
        Dating::Retrieved => meta.retrieved.as_deref(),
    }
    .map(str::trim)
    .filter(|p| !p.is_empty());
    let date_line = match published {
        Some(published) => {
            let (date, time) = published
                .split_once([' ', 'T'])
                .unwrap_or((published, "00:00"));
            let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| refused(format!("the date {published:?} is not a date YYYY-MM-DD")))?;
            let time = time.get(..5).unwrap_or("00:00");
            format!("{} {time}\n", date.format("%Y/%m/%d"))
        }
        None => String::new(),
    };
    let source = meta
        .issuer
        .as_deref()
        .or(meta.source.as_deref())
        .map(one_line)
        .unwrap_or_default();
    let text = decode_page(text)?.text;
    let mut page = format!("{title}\n\n来源:{source}\n{date_line}\n");
    page.push_str(&text);
    Ok(page.into_bytes())
}

/// Reads a page file of at most [`MAX_PAGE_BYTES`]. Only regular files (or symlinks to one) are
/// read: a device such as `/dev/zero` never ends and a FIFO blocks. The type is checked before
/// opening, the file is opened without waiting for a FIFO's writer (in case it was swapped in
/// between), checked again through the handle, and read through a limit that holds even if the
/// size changes while it is read.
fn read_limited(path: &Path) -> Result<Vec<u8>, ImportError> {
    check_regular(&std::fs::metadata(path)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    check_regular(&meta)?;
    if meta.len() > MAX_PAGE_BYTES {
        return Err(ImportError::TooLarge {
            bytes: meta.len(),
            limit: MAX_PAGE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_PAGE_BYTES + 1).read_to_end(&mut bytes)?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > MAX_PAGE_BYTES {
        return Err(ImportError::TooLarge {
            bytes: len,
            limit: MAX_PAGE_BYTES,
        });
    }
    Ok(bytes)
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), ImportError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let kind = if kind.is_dir() {
        "a folder"
    } else {
        special_kind(&kind)
    };
    Err(ImportError::NotAFile { kind })
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
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

/// Walks a folder tree with a stack of its own rather than recursion (the depth is whatever the
/// file system holds), in name order: a subfolder's files come where its name sorts.
fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut open = vec![sorted_entries(dir)?.into_iter()];
    while let Some(entries) = open.last_mut() {
        let Some(entry) = entries.next() else {
            open.pop();
            continue;
        };
        let path = entry.path();
        if entry
            .file_type()
            .with_context(|| format!("{}", path.display()))?
            .is_dir()
        {
            open.push(sorted_entries(&path)?.into_iter());
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

fn sorted_entries(dir: &Path) -> anyhow::Result<Vec<std::fs::DirEntry>> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("{}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::path);
    Ok(entries)
}

/// What a batch import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// New articles.
    pub created: usize,
    /// Articles updated by a re-import.
    pub updated: usize,
    /// Pages whose article was already there as the page says (nothing written).
    pub unchanged: usize,
    /// Files refused.
    pub failed: usize,
    /// Items of a WordPress export not imported by design (attachments, trashed posts).
    pub skipped: usize,
    /// Crawled pages that do not read as articles (list pages, indexes): their links were
    /// followed, nothing imported; not an error.
    pub followed: usize,
    /// Old list-page addresses of channels (DedeCMS `{typedir}/`, `/plus/list.php?tid=N`) now
    /// answering 301 to the channel.
    #[serde(skip_serializing_if = "is_zero")]
    pub channel_redirects: usize,
}

/// For serde: counts only some imports have stay out of the others' reports.
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What happened to one page, for the import report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageReport {
    /// The file.
    pub file: String,
    /// `created`, `updated`, `unchanged`, `refused`, `skipped` (an export's item not imported,
    /// the reason says why), `followed` (a crawled page that is not an article, the reason says
    /// why: its links were followed), or `parsed` (a dry run).
    pub outcome: &'static str,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Headline, when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The article's address here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The article's id here, once stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_id: Option<i64>,
    /// How the bytes were decoded.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub encoding: String,
    /// The page's address on the old site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The old path now answering 301 to the article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_from: Option<String>,
    /// Pictures made ours.
    pub images: Vec<media::Kept>,
    /// Files made ours and listed under the article.
    pub attachments: Vec<media::Kept>,
    /// Everything the page had that the article does not keep, one line each.
    pub lost: Vec<String>,
}

/// The JSON report every `newsdesk import` run writes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// When the run started, RFC 3339.
    pub started_at: String,
    /// Whether it was a dry run (nothing written but the report).
    pub dry_run: bool,
    /// Counts.
    pub summary: ImportSummary,
    /// One entry per file, in import order.
    pub pages: Vec<PageReport>,
    /// What a crawl (`newsdesk crawl`) did besides the pages: requests, pages skipped and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crawl: Vec<crawl::CrawlSummary>,
    /// What the run changed or lost besides pages, one line each (a DedeCMS channel imported
    /// under another slug).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ImportReport {
    /// The summary people read: counts, then every page stored with lost parts (refused files are
    /// printed as they come).
    pub fn human(&self) -> String {
        use std::fmt::Write;
        let s = &self.summary;
        let mut out = String::new();
        // The counts line keeps its earlier form ("1 new, 0 updated, 0 failed") for scripts.
        let _ = writeln!(
            out,
            "{} {} file(s): {} new, {} updated, {} failed, {} unchanged (skipped)",
            if self.dry_run {
                "dry run, nothing written: read"
            } else {
                "imported"
            },
            self.pages
                .len()
                .saturating_sub(s.failed + s.skipped + s.followed),
            s.created,
            s.updated,
            s.failed,
            s.unchanged
        );
        if s.skipped > 0 {
            let _ = writeln!(
                out,
                "{} item(s) skipped (WordPress attachments and trashed posts, DedeCMS recycle bin \
                 and non-article models; see the report)",
                s.skipped
            );
        }
        if s.followed > 0 {
            let _ = writeln!(
                out,
                "{} crawled page(s) not articles (lists, indexes): links followed, not imported",
                s.followed
            );
        }
        if s.channel_redirects > 0 {
            let _ = writeln!(
                out,
                "{} old channel list address(es) answer 301 to their channel",
                s.channel_redirects
            );
        }
        for note in &self.notes {
            let _ = writeln!(out, "{note}");
        }
        // Refused files were named as they came (one line each); here the pages kept in part.
        for page in &self.pages {
            if page.reason.is_some() || page.lost.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "{} [{}], lost:",
                page.file,
                if page.encoding.is_empty() {
                    "?"
                } else {
                    &page.encoding
                },
            );
            for lost in &page.lost {
                let _ = writeln!(out, "  - {lost}");
            }
        }
        out
    }
}

/// How a batch import runs.
#[derive(Clone, Copy)]
pub struct BatchOptions<'a> {
    /// Slug of the channel the articles go to.
    pub channel_slug: &'a str,
    /// The site's time zone.
    pub tz: chrono_tz::Tz,
    /// Where pictures and files go; `None` keeps them as the pages wrote them (each reported).
    pub media: Option<media::MediaContext<'a>>,
}

/// A page read and turned into an article, waiting to be stored.
struct Pending {
    report: PageReport,
    page: ParsedPage,
    input: ArticleInput,
    attachment_ids: Vec<i64>,
}

/// The folder `file` was found under among the command line's `roots` (a folder given, or the
/// folder of a file given): pictures and files beside a page are read only inside it.
pub fn root_of(file: &Path, roots: &[PathBuf]) -> PathBuf {
    roots
        .iter()
        .filter(|r| r.is_dir() && file.starts_with(r))
        .max_by_key(|r| r.components().count())
        .cloned()
        .unwrap_or_else(|| file.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// Reads every file without writing anything: what `--dry-run` reports.
pub fn dry_run(files: &[PathBuf], channel_slug: &str, tz: chrono_tz::Tz) -> ImportReport {
    let mut report = ImportReport {
        started_at: chrono::Utc::now().to_rfc3339(),
        dry_run: true,
        ..ImportReport::default()
    };
    for path in files {
        let mut entry = PageReport {
            file: path.display().to_string(),
            ..PageReport::default()
        };
        match read_article(path, channel_slug, tz) {
            Ok((page, input)) => dry_entry(&mut entry, &page, &input),
            Err(e) => {
                let e = anyhow::Error::from(e);
                eprintln!("{}: {e:#}", path.display());
                report.summary.failed += 1;
                entry.outcome = "refused";
                entry.reason = Some(format!("{e:#}"));
            }
        }
        report.pages.push(entry);
    }
    report
}

fn dry_entry(entry: &mut PageReport, page: &ParsedPage, input: &ArticleInput) {
    entry.outcome = "parsed";
    entry.url = Some(format!("/articles/{}", input.slug));
    fill_from_page(entry, page);
    entry.lost.extend(
        page.images
            .iter()
            .map(|src| format!("image {src}: not stored (dry run)")),
    );
    entry.lost.extend(
        page.attachments
            .iter()
            .map(|f| format!("attachment {} ({}): not stored (dry run)", f.name, f.href)),
    );
}

impl ImportReport {
    /// Adds another run's entries and counts to this one (a WordPress export beside pages).
    pub fn merge(&mut self, other: ImportReport) {
        let (s, o) = (&mut self.summary, other.summary);
        s.created += o.created;
        s.updated += o.updated;
        s.unchanged += o.unchanged;
        s.failed += o.failed;
        s.skipped += o.skipped;
        s.followed += o.followed;
        s.channel_redirects += o.channel_redirects;
        self.pages.extend(other.pages);
        self.crawl.extend(other.crawl);
        self.notes.extend(other.notes);
    }

    /// Adds an export's items that were skipped or refused while reading it.
    fn add_others(&mut self, others: Vec<PageReport>) {
        for entry in others {
            if entry.outcome == "skipped" {
                self.summary.skipped += 1;
            } else {
                self.summary.failed += 1;
                eprintln!("{}: {}", entry.file, entry.reason.as_deref().unwrap_or(""));
            }
            self.pages.push(entry);
        }
    }

    fn refuse_file(&mut self, path: &Path, e: ImportError) {
        let e = anyhow::Error::from(e);
        eprintln!("{}: {e:#}", path.display());
        self.summary.failed += 1;
        self.pages.push(PageReport {
            file: path.display().to_string(),
            outcome: "refused",
            reason: Some(format!("{e:#}")),
            ..PageReport::default()
        });
    }
}

/// Reads WordPress exports without writing anything: what `--dry-run` reports for them.
pub fn dry_run_exports(exports: &[PathBuf], channel_slug: &str, tz: chrono_tz::Tz) -> ImportReport {
    let mut report = ImportReport {
        started_at: chrono::Utc::now().to_rfc3339(),
        dry_run: true,
        ..ImportReport::default()
    };
    for path in exports {
        match wordpress::read_export(path, channel_slug, tz) {
            Ok(export) => {
                for item in export.items {
                    let mut entry = PageReport {
                        file: item.path.display().to_string(),
                        ..PageReport::default()
                    };
                    dry_entry(&mut entry, &item.page, &item.input);
                    report.pages.push(entry);
                }
                report.add_others(export.others);
            }
            Err(e) => report.refuse_file(path, e),
        }
    }
    report
}

/// Imports WordPress exports: their categories become channels (created when missing, after the
/// existing ones), then posts and pages are stored as pages read from files are.
pub async fn import_exports(
    articles: &Articles,
    exports: &[PathBuf],
    options: &BatchOptions<'_>,
) -> ImportReport {
    let mut report = ImportReport {
        started_at: chrono::Utc::now().to_rfc3339(),
        ..ImportReport::default()
    };
    for path in exports {
        let export = match wordpress::read_export(path, options.channel_slug, options.tz) {
            Ok(export) => export,
            Err(e) => {
                report.refuse_file(path, e);
                continue;
            }
        };
        if let Err(e) = ensure_channels(articles.store(), &export.channels).await {
            report.refuse_file(
                path,
                ImportError::Export(format!("creating its channels: {e}")),
            );
            continue;
        }
        let roots = [path.parent().map(Path::to_path_buf).unwrap_or_default()];
        report.merge(import_parsed(articles, export.items, &roots, options).await);
        report.add_others(export.others);
    }
    report
}

/// Creates the channels that do not exist yet; existing ones keep their name and place.
async fn ensure_channels(
    store: &dyn crate::store::Store,
    channels: &[(String, String)],
) -> Result<(), StoreError> {
    for (slug, name) in channels {
        match store.channel_by_slug(slug).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                let position = i64::try_from(store.list_channels().await?.len()).unwrap_or(0);
                store.upsert_channel(name, slug, position).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn fill_from_page(entry: &mut PageReport, page: &ParsedPage) {
    entry.title = Some(page.title.clone());
    entry.encoding = page.encoding.clone();
    entry.source_url = page.source_url.clone();
    entry.lost.extend(page.lost.iter().cloned());
}

/// What a page says of its origin, as the store keeps it.
pub fn origin_of(page: &ParsedPage) -> crate::domain::ArticleOrigin {
    crate::domain::ArticleOrigin {
        editor: page.editor.clone(),
        notice_issuer: page.notice.issuer.clone(),
        notice_number: page.notice.number.clone(),
        notice_written_on: page.notice.written_on,
        source_url: page.source_url.clone(),
    }
}

/// Imports every file, reporting each failure as one line (path, then the cause) and going on with
/// the rest. Shows a progress bar when stderr is a terminal. Returns the report (see
/// [`ImportReport`]); the caller writes it.
pub async fn import_batch(
    articles: &Articles,
    files: &[PathBuf],
    roots: &[PathBuf],
    options: &BatchOptions<'_>,
) -> ImportReport {
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
    let mut report = ImportReport {
        started_at: chrono::Utc::now().to_rfc3339(),
        ..ImportReport::default()
    };
    let fail = |report: &mut ImportReport, entry: PageReport, e: anyhow::Error| {
        refused(report, &bar, entry, e);
    };
    // Files are stored in chunks, each written in one transaction and indexed in one commit. The
    // next chunk is read (a CPU job) on a blocking thread while this one is stored (mostly waiting
    // on the database), so both cores work.
    let read_chunk = |chunk: &[PathBuf]| {
        let chunk = chunk.to_vec();
        let channel = options.channel_slug.to_string();
        let tz = options.tz;
        tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|path| {
                    let read = read_article(&path, &channel, tz);
                    (path, read)
                })
                .collect::<Vec<_>>()
        })
    };
    let mut chunks = files.chunks(IMPORT_CHUNK);
    let mut next = chunks.next().map(|chunk| (chunk, read_chunk(chunk)));
    while let Some((chunk, reading)) = next.take() {
        let read = match reading.await {
            Ok(read) => read,
            // A panic in the reader is a bug; each page of the chunk is refused, not lost.
            Err(e) => chunk
                .iter()
                .map(|path| (path.clone(), Err(ImportError::Internal(e.to_string()))))
                .collect(),
        };
        next = chunks.next().map(|chunk| (chunk, read_chunk(chunk)));
        let mut parsed = Vec::with_capacity(read.len());
        for (path, read) in read {
            match read {
                Ok((page, input)) => parsed.push(ParsedItem {
                    path,
                    base_url: None,
                    page,
                    input,
                }),
                Err(e) => {
                    let entry = PageReport {
                        file: path.display().to_string(),
                        ..PageReport::default()
                    };
                    fail(&mut report, entry, e.into());
                    bar.inc(1);
                }
            }
        }
        store_chunk(articles, parsed, roots, options, &mut report, &bar).await;
    }
    bar.finish_and_clear();
    report
}

/// A page read, with the article it makes (built by [`to_article`]), ready to store.
#[derive(Debug, Clone)]
pub struct ParsedItem {
    /// The file it was read from (pictures and files beside it are found from there); for a
    /// crawled page, its URL (what the report names).
    pub path: PathBuf,
    /// The address a crawled page was fetched from: its relative pictures and files are fetched
    /// against it rather than read beside `path`.
    pub base_url: Option<url::Url>,
    /// What the reader found.
    pub page: ParsedPage,
    /// The article.
    pub input: ArticleInput,
}

/// Stores pages already read, as [`import_batch`] does after reading them: their pictures and
/// files, the articles (in one index commit), origin facts, redirects and attachment lists.
pub async fn import_parsed(
    articles: &Articles,
    items: Vec<ParsedItem>,
    roots: &[PathBuf],
    options: &BatchOptions<'_>,
) -> ImportReport {
    let mut report = ImportReport {
        started_at: chrono::Utc::now().to_rfc3339(),
        ..ImportReport::default()
    };
    let bar = ProgressBar::hidden();
    for chunk in items.chunks(IMPORT_CHUNK) {
        store_chunk(articles, chunk.to_vec(), roots, options, &mut report, &bar).await;
    }
    report
}

fn refused(report: &mut ImportReport, bar: &ProgressBar, mut entry: PageReport, e: anyhow::Error) {
    report.summary.failed += 1;
    bar.suspend(|| eprintln!("{}: {e:#}", entry.file));
    tracing::debug!(path = %entry.file, error = %format!("{e:#}"), "import failed");
    entry.outcome = "refused";
    entry.reason = Some(format!("{e:#}"));
    report.pages.push(entry);
}

async fn store_chunk(
    articles: &Articles,
    parsed: Vec<ParsedItem>,
    roots: &[PathBuf],
    options: &BatchOptions<'_>,
    report: &mut ImportReport,
    bar: &ProgressBar,
) {
    let mut pending: Vec<Pending> = Vec::with_capacity(parsed.len());
    for item in parsed {
        bar.set_message(item.path.display().to_string());
        let mut p = Pending {
            report: PageReport {
                file: item.path.display().to_string(),
                ..PageReport::default()
            },
            page: item.page,
            input: item.input,
            attachment_ids: Vec::new(),
        };
        fill_from_page(&mut p.report, &p.page);
        keep_media(&mut p, &item.path, item.base_url.as_ref(), roots, options).await;
        pending.push(p);
    }
    // Pages whose article is already there as they say are not written again (all looked up in
    // one query; if it fails, every page is written and the store decides).
    let slugs: Vec<&str> = pending.iter().map(|p| p.input.slug.as_str()).collect();
    let there: HashMap<String, crate::domain::Article> = articles
        .store()
        .published_articles(&slugs)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.slug.clone(), a))
        .collect();
    let same: Vec<Option<i64>> = pending
        .iter()
        .map(|p| {
            let a = there.get(&p.input.slug)?;
            unchanged(a, &p.input).then_some(a.id)
        })
        .collect();
    let to_save: Vec<(Pending, Option<i64>)> = pending.into_iter().zip(same).collect();
    let inputs: Vec<ArticleInput> = to_save
        .iter()
        .filter(|(_, same)| same.is_none())
        .map(|(p, _)| p.input.clone())
        .collect();
    let mut saved = articles.save_all(&inputs).await.into_iter();
    for (mut p, same) in to_save {
        let outcome = match same {
            Some(id) => Ok((id, "unchanged")),
            None => match saved.next() {
                Some(Ok(Upserted::Created(id))) => Ok((id, "created")),
                Some(Ok(Upserted::Updated(id))) => Ok((id, "updated")),
                Some(Err(e)) => Err(store_failure(e)),
                None => Err(anyhow::anyhow!("internal error: no outcome for this page")),
            },
        };
        let stored = match outcome {
            Ok((id, what)) => keep_origin(articles.store(), id, what == "created", &mut p)
                .await
                .map(|()| (id, what))
                .map_err(|e| {
                    anyhow::Error::new(e).context("stored, but its origin facts were not")
                }),
            Err(e) => Err(e),
        };
        match stored {
            Ok((id, what)) => {
                match what {
                    "created" => report.summary.created += 1,
                    "updated" => report.summary.updated += 1,
                    _ => report.summary.unchanged += 1,
                }
                p.report.outcome = what;
                p.report.url = Some(format!("/articles/{}", p.input.slug));
                p.report.article_id = Some(id);
                report.pages.push(p.report);
            }
            Err(e) => refused(report, bar, p.report, e),
        }
        bar.inc(1);
    }
}

/// Stores the page's pictures and files (see [`media`]) and points its body at them.
async fn keep_media(
    p: &mut Pending,
    path: &Path,
    base_url: Option<&url::Url>,
    roots: &[PathBuf],
    options: &BatchOptions<'_>,
) {
    if p.page.images.is_empty() && p.page.attachments.is_empty() {
        return;
    }
    let Some(ctx) = &options.media else {
        p.report.lost.extend(
            p.page
                .images
                .iter()
                .map(|src| format!("image {src}: left as it was (no uploads store)")),
        );
        p.report.lost.extend(p.page.attachments.iter().map(|f| {
            format!(
                "attachment {} ({}): left as a link (no uploads store)",
                f.name, f.href
            )
        }));
        return;
    };
    let root = root_of(path, roots);
    let page_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base = match base_url {
        Some(url) => media::Base::Url(url),
        None => media::Base::Folder {
            page_dir: &page_dir,
            root: &root,
        },
    };
    let done = media::store_media(
        &p.input.body_source,
        &p.page.images,
        &p.page.attachments,
        base,
        ctx,
    )
    .await;
    if done.body != p.input.body_source {
        p.input.body_html = body_html(BodyFormat::Markdown, &done.body);
        p.input.body_source = done.body;
    }
    p.report.images = done.images;
    p.report.attachments = done.attachments;
    p.report.lost.extend(done.lost);
    p.attachment_ids = done.attachment_ids;
}

/// Whether the stored article already is what the page makes of it.
fn unchanged(a: &crate::domain::Article, input: &ArticleInput) -> bool {
    a.title == input.title
        && a.author == input.author
        && a.source == input.source
        && a.body_source == input.body_source
        && a.channel.slug == input.channel_slug
        && a.published_at == input.published_at
        && a.views >= input.views
}

/// Saves what the page says of its origin, its old address as a redirect, and its attachments'
/// place under the article.
async fn keep_origin(
    store: &dyn crate::store::Store,
    id: i64,
    created: bool,
    p: &mut Pending,
) -> Result<(), StoreError> {
    let origin = origin_of(&p.page);
    // A new article has no facts to clear: most pages state none, and a round trip per page is
    // a tenth of an import.
    if !(created && origin == crate::domain::ArticleOrigin::default()) {
        store.set_article_origin(id, &origin).await?;
    }
    if let Some(url) = &p.page.source_url {
        if store.add_redirect(url, id).await? {
            p.report.redirect_from = crate::domain::redirect_key(url);
        } else {
            p.report.lost.push(format!(
                "source URL {url}: no old path to redirect from (or a channel's list page \
                 holds it)"
            ));
        }
    }
    for &attachment in &p.attachment_ids {
        store.attach(id, attachment).await?;
    }
    Ok(())
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
        // Damaged UTF-8 is read, its bad bytes replaced and reported.
        let mut bad = "标题\n2024/02/08 10:21\n正文".as_bytes().to_vec();
        bad.extend_from_slice(&[0xff, 0xfe, b'x']);
        let page = parse_page(&bad, TZ).unwrap();
        assert_eq!(page.encoding, "UTF-8 (detected)");
        assert!(page.lost[0].contains("not valid UTF-8"), "{:?}", page.lost);
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

    #[test]
    fn cr_only_line_endings_read_like_lf() {
        let lf = String::from_utf8_lossy(SEED).replace("\r\n", "\n");
        let cr = lf.replace('\n', "\r");
        let crlf = lf.replace('\n', "\r\n");
        let want = parse_page(lf.as_bytes(), TZ).unwrap();
        for text in [cr, crlf] {
            let got = parse_page(text.as_bytes(), TZ).unwrap();
            assert_eq!(got.title, want.title);
            assert_eq!(got.published_at, want.published_at);
            assert_eq!(got.blocks, want.blocks);
        }
    }

    #[test]
    fn escape_work_is_counted_per_paragraph() {
        use markdown::Block::Paragraph;
        // `&` closely followed by `<`: linear, fine at any length.
        let mixed = Paragraph("&amp;<".repeat(500_000));
        assert!(check_escape_work(&[mixed]).is_ok());
        // A long run of `&` (or `·`, 0xC2 0xB7) is not.
        for run in ["&".repeat(100_000), "·".repeat(100_000)] {
            let err = check_escape_work(&[Paragraph(run)]).unwrap_err();
            assert!(
                matches!(err, ImportError::EscapeHeavy { count: 100_000, .. }),
                "{err}"
            );
        }
        // A long real paragraph with a few of them passes.
        let real = format!("{}&{}·", "正文".repeat(50_000), "正文".repeat(50_000));
        assert!(check_escape_work(&[Paragraph(real)]).is_ok());
    }

    #[test]
    fn refused_structures_name_the_problem() {
        let deep = format!(
            "<html><body><h1>标题</h1><p>2024-03-01 09:30</p>{}正文</body></html>",
            "<span>".repeat(100_000)
        );
        let err = parse_page(deep.as_bytes(), TZ).unwrap_err();
        assert!(matches!(
            err,
            ImportError::Structure(structure::StructureError::TooDeep { .. })
        ));
        assert!(
            err.to_string().contains("nested more than 256 deep"),
            "{err}"
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use super::TZ;

        const PAGE: &str = "标题\n作者:张三 2024/02/08 10:21\n第一段正文。\n1)第一项\n二、安排\n";

        /// Pieces of markup, good and broken, that random documents are made of.
        fn token() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(vec![
                    "<div>",
                    "</div>",
                    "<span>",
                    "</span>",
                    "<p>",
                    "</p>",
                    "<b>",
                    "<i>",
                    "</b>",
                    "<table>",
                    "<tr>",
                    "<td>",
                    "</table>",
                    "<ol start=3>",
                    "<li>",
                    "</ol>",
                    "<ul>",
                    "</ul>",
                    "<h1>",
                    "</h1>",
                    "<h2>",
                    "<br>",
                    "<br/>",
                    "<script>",
                    "</script>",
                    "<style>",
                    "<svg>",
                    "<path/>",
                    "</svg>",
                    "<math>",
                    "<!--",
                    "-->",
                    "--!>",
                    "<!DOCTYPE html>",
                    "<",
                    ">",
                    "&amp;",
                    "&#0;",
                    "&#xD800;",
                    "&nbsp",
                    "&",
                    "\r",
                    "\n",
                    "\r\n",
                    "\u{feff}",
                    "\"",
                    "'",
                    "=",
                    "/",
                    "<a href=\"x>y\">",
                    "</a>",
                    "<template>",
                    "<plaintext>",
                    "<textarea>",
                    "<title>",
                    "</title>",
                    "<meta name=author content=甲>",
                    "<noscript>",
                    "作者:",
                    "来源:",
                    "2024/02/08 10:21",
                    "浏览量:12",
                    "版权所有",
                ])
                .prop_map(str::to_string),
                "[a-z0-9 \u{4e00}-\u{4e20}]{0,12}",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            /// Any bytes at all: a page or an error, never a panic.
            #[test]
            fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
                let _ = parse_page(&bytes, TZ);
            }

            /// Random tag soup around a real page's lines.
            #[test]
            fn tag_soup_never_panics(tokens in prop::collection::vec(token(), 0..400)) {
                let html = format!("<html><body>{}{}</body></html>", tokens.concat(), PAGE);
                let _ = parse_page(html.as_bytes(), TZ);
                let _ = parse_page(tokens.concat().as_bytes(), TZ);
            }

            /// Deep nesting: refused as too deep once past the limit, never a crash.
            #[test]
            fn deep_nesting_is_read_or_refused(
                tags in prop::collection::vec(
                    prop::sample::select(vec!["div", "span", "b", "section", "font", "em"]),
                    1..40,
                ),
                depth in 1usize..4000,
            ) {
                let open: String = (0..depth).map(|i| format!("<{}>", tags[i % tags.len()])).collect();
                let html = format!("<html><body><h1>标题</h1><p>2024-03-01 09:30</p>{open}正文</body></html>");
                match parse_page(html.as_bytes(), TZ) {
                    Ok(_) => prop_assert!(depth <= structure::MAX_DEPTH, "{} deep was read", depth),
                    Err(ImportError::Structure(_)) => prop_assert!(depth > structure::MAX_DEPTH),
                    Err(e) => prop_assert!(false, "unexpected error {e}"),
                }
            }

            /// Long runs of one character or entity, in text and in HTML.
            #[test]
            fn long_runs_never_panic(
                piece in prop::sample::select(vec!["x", "汉", "&amp;", "<", "\r", " ", "-", "1.", "&#x1F600;"]),
                n in 0usize..50_000,
                html in any::<bool>(),
            ) {
                let run = piece.repeat(n);
                let page = if html {
                    format!("<html><body><h1>标题</h1><p>2024-03-01 09:30</p><p>{run}</p></body></html>")
                } else {
                    format!("标题\n2024/02/08 10:21\n{run}\n")
                };
                let _ = parse_page(page.as_bytes(), TZ);
            }

            /// Hostile encodings spliced into a good page: BOMs, NULs, invalid UTF-8, surrogates
            /// encoded as bytes (CESU-8), CR-only lines. NUL and bad bytes are refused by name.
            #[test]
            fn hostile_encodings_are_read_or_refused(
                splice in prop::sample::select(vec![
                    &b"\xef\xbb\xbf"[..], b"\xff\xfe", b"\xfe\xff", b"\0", b"\xed\xa0\x80",
                    b"\xed\xbf\xbf", b"\xc0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\r", b"\r\n",
                ]),
                at in any::<prop::sample::Index>(),
                cr_only in any::<bool>(),
            ) {
                let text = if cr_only { PAGE.replace('\n', "\r") } else { PAGE.to_string() };
                let mut bytes = text.into_bytes();
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, splice.iter().copied());
                match parse_page(&bytes, TZ) {
                    Ok(_) | Err(ImportError::Binary { .. } | ImportError::Empty) => {}
                    // A splice inside the headline or date line can make the page unreadable.
                    Err(ImportError::NoHeadline | ImportError::NoDate | ImportError::BadDate(_) | ImportError::NoBody) => {}
                    Err(e) => prop_assert!(false, "unexpected error {e}"),
                }
            }
        }
    }
}
