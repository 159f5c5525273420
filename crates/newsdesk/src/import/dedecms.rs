//! A DedeCMS (织梦) site read from its MySQL/MariaDB database: `{prefix}arctype` (栏目) become
//! channels (a child keeps its parent; deeper levels go under their top channel, said in the
//! report), `{prefix}archives` + `{prefix}addonarticle` become articles stored by the same steps
//! as pages read from files ([`super::import_parsed`]). The body HTML is read by the same
//! flattener and block reader as a page's body, so pictures, tables and file links are kept alike.
//!
//! Fields: `writer` → 作者, `source` → 来源, `pubdate` → publish time, `click` → 浏览量,
//! `description` → summary, `keywords` → tags, `litpic` → cover picture, `flag` h → 头条,
//! c / f → 推荐 (our 焦点图); `arcrank` -1 (未审核) and member-only ranks become drafts, -2
//! (回收站) is skipped. Each public article's old static address (the channel's `namerule`, by
//! default `{typedir}/{Y}{M}{D}/{aid}.html`) and its dynamic one (`/plus/view.php?aid=N`) answer
//! 301, and so do each channel's old list pages (`{typedir}/`, `{typedir}/index.html`,
//! `/plus/list.php?tid=N`). Text comes over a utf8mb4 connection: the server converts GBK/GB2312 tables.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::mysql::{MySqlConnectOptions, MySqlRow};
use sqlx::{ConnectOptions, Connection, Row};

use super::markdown::destination;
use super::page::ParsedPage;
use super::{ImportError, ImportReport, PageReport, ParsedItem, page, wordpress};
use crate::content::Articles;
use crate::domain::{ArticleStatus, BodyFormat};
use crate::render::body_html;
use crate::store::{Store, StoreError};

/// DedeCMS's default rule for an article's static page (`arctype.namerule` when empty).
pub const DEFAULT_NAMERULE: &str = "{typedir}/{Y}{M}{D}/{aid}.html";

/// Where the old site is and how to read it.
#[derive(Debug, Clone, Default)]
pub struct DedeSource {
    /// `mysql://user:pass@host:port/database`.
    pub url: String,
    /// Prefix of the tables (`dede_`).
    pub table_prefix: String,
    /// The old site's address (`https://www.example.com`): pictures named by path are fetched
    /// from it, and old addresses are kept as its URLs.
    pub old_site_url: Option<String>,
    /// The old site's web root on disk: pictures named by path are read from it first.
    pub old_site_root: Option<PathBuf>,
    /// Articles read per query; `None`: [`PAGE_ROWS`].
    pub page_rows: Option<u32>,
}

/// One `arctype` row as a channel here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedeChannel {
    /// `arctype.id`.
    pub id: i64,
    /// Our slug: the last folder of `typedir`, else `dede-ID`.
    pub slug: String,
    /// `typename`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// The top channel it goes under (`None` at the top).
    pub parent: Option<i64>,
    /// Old depth when more than two levels (the report says where it went).
    pub flattened_from: Option<String>,
    /// `typedir` with `{cmspath}` dropped (`/a/news`).
    pub typedir: String,
    /// The rule of its articles' static addresses.
    pub namerule: String,
}

/// What an article keeps besides its text, set once it is stored.
#[derive(Debug, Clone, Default)]
struct Extras {
    headline: bool,
    featured: bool,
    /// `litpic` as the old site wrote it, rebased like the body's pictures.
    cover: Option<String>,
    /// The article's dynamic address (`/plus/view.php?aid=N`), for public articles.
    dynamic_address: Option<String>,
}

/// Articles read per query by default: one page's bodies are all the import holds at once, so memory stays
/// flat in the site's size.
pub const PAGE_ROWS: i64 = 500;

/// One page of articles, read.
#[derive(Debug, Default)]
struct Batch {
    /// Articles to store.
    items: Vec<ParsedItem>,
    /// Articles refused or skipped, with the reason.
    others: Vec<PageReport>,
    extras: HashMap<String, Extras>,
}

/// An open DedeCMS database, its channels read; its articles come page by page
/// ([`SiteReader::next_page`]).
pub struct SiteReader {
    conn: sqlx::MySqlConnection,
    source: Arc<DedeSource>,
    tz: chrono_tz::Tz,
    /// Channels, parents first.
    pub channels: Arc<Vec<DedeChannel>>,
    /// The last `aid` read.
    after: i64,
}

/// The URL without its password, for messages.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(not a URL)".into(),
    }
}

fn refused(what: impl std::fmt::Display) -> ImportError {
    ImportError::Database(what.to_string())
}

/// Connects to the database and reads its channels; times in `tz` (the old site's zone for
/// `{Y}{M}{D}` in addresses: a DedeCMS site's PHP runs in China's).
pub async fn open_site(source: &DedeSource, tz: chrono_tz::Tz) -> Result<SiteReader, ImportError> {
    let prefix = &source.table_prefix;
    if prefix.is_empty()
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(refused(format!(
            "table prefix {prefix:?}: only letters, digits and _ are allowed"
        )));
    }
    if let Some(base) = &source.old_site_url {
        let ok = url::Url::parse(base).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(refused(format!(
                "--old-site-url {base:?} is not an http(s) address such as https://www.example.com"
            )));
        }
    }
    let options: MySqlConnectOptions = source.url.parse().map_err(|e| {
        refused(format!(
            "{} is not a MySQL URL (mysql://user:password@host:port/database): {e}",
            redacted(&source.url)
        ))
    })?;
    // utf8mb4 both ways: the server converts GBK/GB2312/latin1 columns to it.
    let options = options
        .charset("utf8mb4")
        .disable_statement_logging()
        .clone();
    let mut conn = sqlx::MySqlConnection::connect_with(&options)
        .await
        .map_err(|e| refused(format!("cannot connect to {}: {e}", redacted(&source.url))))?;
    let channels = read_channels(&mut conn, prefix).await?;
    Ok(SiteReader {
        conn,
        source: Arc::new(source.clone()),
        tz,
        channels: Arc::new(channels),
        after: 0,
    })
}

impl SiteReader {
    /// The next page of articles by id, read off the async workers; `None` once all are read.
    /// `Err` only when the database cannot be queried: a row that cannot be read is refused
    /// alone, named by its aid.
    async fn next_page(&mut self) -> Result<Option<Batch>, ImportError> {
        let prefix = self.source.table_prefix.clone();
        let rows = sqlx::query(&format!(
            "SELECT CAST(a.id AS SIGNED) AS id, CAST(a.typeid AS SIGNED) AS typeid, \
             CAST(a.channel AS SIGNED) AS model, CAST(a.arcrank AS SIGNED) AS arcrank, \
             COALESCE(CAST(a.flag AS CHAR), '') AS flag, COALESCE(a.title, '') AS title, \
             COALESCE(a.writer, '') AS writer, COALESCE(a.source, '') AS source, \
             COALESCE(a.litpic, '') AS litpic, CAST(a.pubdate AS SIGNED) AS pubdate, \
             CAST(a.senddate AS SIGNED) AS senddate, CAST(a.click AS SIGNED) AS click, \
             COALESCE(a.description, '') AS description, COALESCE(a.keywords, '') AS keywords, \
             COALESCE(a.filename, '') AS filename, CAST(b.body AS CHAR) AS body \
             FROM `{prefix}archives` a LEFT JOIN `{prefix}addonarticle` b ON b.aid = a.id \
             WHERE a.id > ? ORDER BY a.id LIMIT ?"
        ))
        .bind(self.after)
        .bind(self.source.page_rows.map_or(PAGE_ROWS, i64::from).max(1))
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| {
            refused(format!(
                "reading {prefix}archives after aid {}: {e}",
                self.after
            ))
        })?;
        if rows.is_empty() {
            return Ok(None);
        }
        // The id is a plain integer: when even it cannot be read the page cannot go on.
        let last = rows
            .iter()
            .filter_map(|r| r.try_get::<i64, _>("id").ok())
            .max()
            .ok_or_else(|| {
                refused(format!(
                    "reading {prefix}archives after aid {}: no readable id",
                    self.after
                ))
            })?;
        if last <= self.after {
            return Err(refused(format!(
                "reading {prefix}archives: ids do not grow after aid {}",
                self.after
            )));
        }
        self.after = last;
        let (channels, source, tz) = (self.channels.clone(), self.source.clone(), self.tz);
        // Flattening HTML and rendering Markdown is CPU work: off the async workers.
        tokio::task::spawn_blocking(move || read_rows(&rows, &channels, &source, tz))
            .await
            .map(Some)
            .map_err(|e| refused(format!("reading {prefix}archives: {e}")))
    }

    async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// Reads a page's rows; each one in `catch_unwind`, so a body that breaks a reader refuses
/// that article alone.
fn read_rows(
    rows: &[MySqlRow],
    channels: &[DedeChannel],
    source: &DedeSource,
    tz: chrono_tz::Tz,
) -> Batch {
    let prefix = &source.table_prefix;
    let by_id: HashMap<i64, &DedeChannel> = channels.iter().map(|c| (c.id, c)).collect();
    let mut batch = Batch::default();
    for row in rows {
        let aid = row.try_get::<i64, _>("id").unwrap_or_default();
        let name = item_name(source, prefix, aid);
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_row(row, &by_id, source, tz, &name)
        }))
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            RowRead::Other(Box::new(PageReport {
                file: name.display().to_string(),
                outcome: "refused",
                reason: Some(format!("aid {aid}: {}", ImportError::Internal(message))),
                ..PageReport::default()
            }))
        });
        match read {
            RowRead::Item(item, extra) => {
                batch.extras.insert(name.display().to_string(), *extra);
                batch.items.push(*item);
            }
            RowRead::Other(other) => batch.others.push(*other),
        }
    }
    batch
}

/// What one `archives` row gives.
enum RowRead {
    Item(Box<ParsedItem>, Box<Extras>),
    Other(Box<PageReport>),
}

fn read_row(
    row: &MySqlRow,
    by_id: &HashMap<i64, &DedeChannel>,
    source: &DedeSource,
    tz: chrono_tz::Tz,
    name: &Path,
) -> RowRead {
    let prefix = &source.table_prefix;
    let a = match Archive::from_row(row) {
        Ok(a) => a,
        Err(e) => {
            let aid = row.try_get::<i64, _>("id").unwrap_or_default();
            return RowRead::Other(Box::new(PageReport {
                file: name.display().to_string(),
                outcome: "refused",
                reason: Some(format!(
                    "aid {aid}: cannot read its row of {prefix}archives: {e}"
                )),
                ..PageReport::default()
            }));
        }
    };
    let other = |outcome: &'static str, reason: String| {
        RowRead::Other(Box::new(PageReport {
            file: name.display().to_string(),
            outcome,
            reason: Some(reason),
            title: Some(a.title.clone()),
            ..PageReport::default()
        }))
    };
    if a.arcrank == -2 {
        return other("skipped", "in the recycle bin (arcrank -2)".into());
    }
    let Some(channel) = by_id.get(&a.typeid) else {
        return other(
            "refused",
            format!(
                "its channel (typeid {}) is not in {prefix}arctype",
                a.typeid
            ),
        );
    };
    let Some(body) = a.body.as_deref() else {
        let reason = if a.model == 1 {
            format!("no row in {prefix}addonarticle (its text)")
        } else {
            format!(
                "content model {} (not an article: pictures, software, specials…) is not imported",
                a.model
            )
        };
        return other(if a.model == 1 { "refused" } else { "skipped" }, reason);
    };
    let len = u64::try_from(body.len()).unwrap_or(u64::MAX);
    if len > super::MAX_PAGE_BYTES {
        return other(
            "refused",
            format!(
                "aid {}: its text is {len} bytes, over the limit of {} bytes for one article",
                a.id,
                super::MAX_PAGE_BYTES
            ),
        );
    }
    match read_archive(&a, body, channel, source, tz, name) {
        Ok((item, extra)) => RowRead::Item(Box::new(item), Box::new(extra)),
        Err(e) => other("refused", format!("aid {}: {e}", a.id)),
    }
}

/// The name an article goes by in the report (and the path its pictures are found from).
fn item_name(source: &DedeSource, prefix: &str, aid: i64) -> PathBuf {
    let name = format!("{prefix}archives#{aid}");
    match &source.old_site_root {
        Some(root) => root.join(name),
        None => PathBuf::from(name),
    }
}

async fn read_channels(
    conn: &mut sqlx::MySqlConnection,
    prefix: &str,
) -> Result<Vec<DedeChannel>, ImportError> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(id AS SIGNED) AS id, CAST(reid AS SIGNED) AS reid, \
         COALESCE(typename, '') AS typename, COALESCE(typedir, '') AS typedir, \
         COALESCE(namerule, '') AS namerule, COALESCE(description, '') AS description \
         FROM `{prefix}arctype` ORDER BY sortrank, id"
    ))
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| refused(format!("reading {prefix}arctype: {e}")))?;
    let mut raw = Vec::with_capacity(rows.len());
    for row in &rows {
        let get = |c: &str| row.try_get::<String, _>(c);
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<i64, _>("id")?,
                row.try_get::<Option<i64>, _>("reid")?.unwrap_or(0),
                get("typename")?,
                get("typedir")?,
                get("namerule")?,
                get("description")?,
            ))
        };
        raw.push(read().map_err(|e| refused(format!("{prefix}arctype: {e}")))?);
    }
    let parent_of: HashMap<i64, i64> = raw.iter().map(|r| (r.0, r.1)).collect();
    let name_of: HashMap<i64, String> = raw.iter().map(|r| (r.0, r.2.clone())).collect();
    // The top ancestor, walked with a bound (a broken table may hold a cycle).
    let top_of = |id: i64| {
        let mut at = id;
        for _ in 0..64 {
            match parent_of.get(&at) {
                Some(&p) if p != 0 && parent_of.contains_key(&p) => at = p,
                _ => break,
            }
        }
        at
    };
    let mut taken = HashSet::new();
    let mut channels: Vec<DedeChannel> = raw
        .iter()
        .map(|(id, reid, name, typedir, namerule, description)| {
            let typedir = clean_typedir(typedir);
            let mut slug = slug_of(&typedir).unwrap_or_else(|| format!("dede-{id}"));
            if !taken.insert(slug.clone()) {
                slug = format!("{slug}-{id}");
                taken.insert(slug.clone());
            }
            let top = top_of(*id);
            let parent = (top != *id).then_some(top);
            let flattened_from = (parent.is_some() && Some(*reid) != parent).then(|| {
                name_of
                    .get(reid)
                    .cloned()
                    .unwrap_or_else(|| reid.to_string())
            });
            DedeChannel {
                id: *id,
                slug,
                name: page::normalize_space(name),
                description: page::normalize_space(description),
                parent,
                flattened_from,
                typedir,
                namerule: if namerule.trim().is_empty() {
                    DEFAULT_NAMERULE.to_string()
                } else {
                    namerule.trim().to_string()
                },
            }
        })
        .collect();
    // Parents before their children, otherwise in the old order.
    channels.sort_by_key(|c| c.parent.is_some());
    Ok(channels)
}

/// `{cmspath}/a/news` → `/a/news` (the site at the web root).
fn clean_typedir(typedir: &str) -> String {
    let t = typedir
        .replace("{cmspath}", "")
        .replace("{cmsdir}", "")
        .replace('\\', "/");
    let t = t.trim().trim_end_matches('/');
    if t.is_empty() || t.starts_with('/') {
        t.to_string()
    } else {
        format!("/{t}")
    }
}

/// The last folder of a typedir, if it makes a slug (lowercase letters, digits, hyphens).
fn slug_of(typedir: &str) -> Option<String> {
    let last = typedir
        .rsplit('/')
        .next()?
        .to_ascii_lowercase()
        .replace('_', "-");
    let ok = !last.is_empty()
        && last.len() <= 50
        && last
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok.then_some(last)
}

/// An article's static address by the channel's rule, as DedeCMS's `GetFileName` makes it (the
/// rule is lowercased, then its tags replaced). `Err` names a tag that cannot be rebuilt.
pub fn static_address(
    namerule: &str,
    typedir: &str,
    aid: i64,
    sent: DateTime<Utc>,
    filename: &str,
    tz: chrono_tz::Tz,
) -> Result<String, String> {
    let local = sent.with_timezone(&tz);
    let mut rule = namerule.to_lowercase().replace("{typedir}", typedir);
    for (tag, value) in [
        ("{y}", local.format("%Y").to_string()),
        ("{m}", local.format("%m").to_string()),
        ("{d}", local.format("%d").to_string()),
        ("{timestamp}", sent.timestamp().to_string()),
        ("{aid}", aid.to_string()),
        ("{cmspath}", String::new()),
    ] {
        rule = rule.replace(tag, &value);
    }
    if let Some(start) = rule.find('{') {
        let tag: String = rule[start..].chars().take_while(|c| *c != '}').collect();
        return Err(format!("the address rule {namerule:?} uses {tag}}}"));
    }
    let filename = filename.trim();
    if !filename.is_empty() {
        let dir = rule.rsplit_once('/').map_or("", |(d, _)| d);
        let ext = if filename.contains('.') { "" } else { ".html" };
        rule = format!("{dir}/{filename}{ext}");
    }
    let mut path = String::with_capacity(rule.len() + 1);
    for c in format!("/{rule}").chars() {
        if !(c == '/' && path.ends_with('/')) {
            path.push(c);
        }
    }
    Ok(path)
}

/// One `archives` row with its text.
struct Archive {
    id: i64,
    typeid: i64,
    model: i64,
    arcrank: i64,
    flag: String,
    title: String,
    writer: String,
    source: String,
    litpic: String,
    pubdate: i64,
    senddate: i64,
    click: i64,
    description: String,
    keywords: String,
    filename: String,
    body: Option<String>,
}

impl Archive {
    fn from_row(row: &MySqlRow) -> Result<Self, sqlx::Error> {
        let int = |c: &str| -> Result<i64, sqlx::Error> {
            Ok(row.try_get::<Option<i64>, _>(c)?.unwrap_or(0))
        };
        let text = |c: &str| row.try_get::<String, _>(c);
        Ok(Self {
            id: int("id")?,
            typeid: int("typeid")?,
            model: int("model")?,
            arcrank: int("arcrank")?,
            flag: text("flag")?,
            title: text("title")?,
            writer: text("writer")?,
            source: text("source")?,
            litpic: text("litpic")?,
            pubdate: int("pubdate")?,
            senddate: int("senddate")?,
            click: int("click")?,
            description: text("description")?,
            keywords: text("keywords")?,
            filename: text("filename")?,
            body: row.try_get::<Option<String>, _>("body")?,
        })
    }
}

/// DedeCMS marks page breaks in a body as `#p#subtitle#e#`: each becomes the subtitle as a
/// heading (or nothing when it has none).
fn page_breaks(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("#p#") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        match after.find("#e#") {
            Some(end) => {
                let subtitle = after[..end].trim();
                if !subtitle.is_empty() && subtitle != "分页标题" {
                    out.push_str(&format!("<h2>{subtitle}</h2>"));
                }
                rest = &after[end + 3..];
            }
            None => {
                out.push_str("#p#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn unix_time(seconds: i64) -> Option<DateTime<Utc>> {
    (seconds > 0)
        .then(|| Utc.timestamp_opt(seconds, 0).single())
        .flatten()
}

fn read_archive(
    a: &Archive,
    body: &str,
    channel: &DedeChannel,
    source: &DedeSource,
    tz: chrono_tz::Tz,
    name: &Path,
) -> Result<(ParsedItem, Extras), ImportError> {
    let title = page::normalize_space(&a.title);
    if title.is_empty() {
        return Err(ImportError::NoHeadline);
    }
    let published_at = unix_time(a.pubdate)
        .or_else(|| unix_time(a.senddate))
        .ok_or(ImportError::NoDate)?;
    let lines = wordpress::fragment_lines(&page_breaks(body))?;
    let (blocks, images, attachments, mut lost) = page::read_body(lines);
    if blocks.is_empty() {
        return Err(ImportError::NoBody);
    }
    super::check_escape_work(&blocks)?;
    let status = match a.arcrank {
        0 => ArticleStatus::Published,
        -1 => ArticleStatus::Draft,
        rank => {
            lost.push(format!(
                "readable by members of rank {rank} only on the old site: imported as a draft"
            ));
            ArticleStatus::Draft
        }
    };
    let public = status == ArticleStatus::Published;
    let sent = unix_time(a.senddate).unwrap_or(published_at);
    let base = source
        .old_site_url
        .as_deref()
        .map(|u| u.trim().trim_end_matches('/'));
    let old_path = match static_address(
        &channel.namerule,
        &channel.typedir,
        a.id,
        sent,
        &a.filename,
        tz,
    ) {
        Ok(path) => Some(path),
        Err(why) => {
            if public {
                lost.push(format!("old static address not redirected: {why}"));
            }
            None
        }
    };
    if let Some(from) = &channel.flattened_from {
        lost.push(format!(
            "channel {} was under {from} (a third level): it is under its top channel here",
            channel.name
        ));
    }
    let flags = a.flag.split(',').map(str::trim).filter(|f| !f.is_empty());
    let mut extras = Extras {
        dynamic_address: public.then(|| format!("/plus/view.php?aid={}", a.id)),
        ..Extras::default()
    };
    for flag in flags {
        match flag {
            "h" => extras.headline = true,
            "c" | "f" => extras.featured = true,
            // 图片: the article has pictures, nothing to keep.
            "p" => {}
            other => lost.push(format!(
                "flag {other:?} ({}): no such mark here",
                match other {
                    "a" => "特荐",
                    "s" => "滚动",
                    "b" => "加粗",
                    "j" => "跳转",
                    _ => "?",
                }
            )),
        }
    }
    let views = (a.click > 0).then_some(a.click);
    let author = page::normalize_space(&a.writer);
    let origin_source = page::normalize_space(&a.source);
    let page = ParsedPage {
        title,
        author: (!author.is_empty()).then_some(author),
        source: (!origin_source.is_empty()).then_some(origin_source),
        published_at,
        views,
        blocks,
        footer: page::Footer::default(),
        editor: None,
        notice: page::GovNotice::default(),
        // A draft was never public: nothing to redirect.
        source_url: old_path
            .as_ref()
            .filter(|_| public)
            .map(|p| format!("{}{p}", base.unwrap_or_default())),
        images,
        attachments,
        encoding: "UTF-8 (DedeCMS database, utf8mb4 connection)".into(),
        lost,
    };
    let mut input = super::to_article(&page, &channel.slug, tz);
    input.status = status;
    let mut tags: Vec<String> = Vec::new();
    for tag in a
        .keywords
        .split([',', '，', ' ', '、', ';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    let mut page = page;
    let (kept, dropped): (Vec<String>, Vec<String>) = tags
        .into_iter()
        .partition(|t| t.chars().count() <= crate::newsroom::MAX_TAG_CHARS);
    for t in dropped {
        page.lost.push(format!(
            "keyword {t:?}: longer than {} characters, not a tag",
            crate::newsroom::MAX_TAG_CHARS
        ));
    }
    input.tags = kept;
    if input.tags.len() > crate::newsroom::MAX_TAGS {
        let extra = input.tags.split_off(crate::newsroom::MAX_TAGS);
        page.lost.push(format!(
            "keywords over {} dropped: {}",
            crate::newsroom::MAX_TAGS,
            extra.join(", ")
        ));
    }
    let summary = page::normalize_space(&a.description);
    if !summary.is_empty() {
        input.summary = summary;
        input.summary_auto = false;
    }
    // Pictures and files named by path come from the old site's root or address.
    let page_url = old_path.as_deref().unwrap_or("/");
    let mut images = std::mem::take(&mut page.images);
    for src in &mut images {
        if let Some(new) = rebase(src, page_url, source) {
            point(&mut input.body_source, src, &new);
            *src = new;
        }
    }
    page.images = images;
    let mut files = std::mem::take(&mut page.attachments);
    for file in &mut files {
        if let Some(new) = rebase(&file.href, page_url, source) {
            point(&mut input.body_source, &file.href, &new);
            file.href = new;
        }
    }
    page.attachments = files;
    // Named by path with nowhere to look: said plainly, not as a missing folder.
    let nowhere = source.old_site_root.is_none() && source.old_site_url.is_none();
    if nowhere {
        const WHY: &str = "named by path, and no --old-site-root or --old-site-url given";
        let (kept, lost): (Vec<String>, Vec<String>) =
            page.images.drain(..).partition(|src| !by_path(src));
        page.images = kept;
        page.lost
            .extend(lost.iter().map(|src| format!("image {src}: {WHY}")));
        let (kept, lost): (Vec<_>, Vec<_>) =
            page.attachments.drain(..).partition(|f| !by_path(&f.href));
        page.attachments = kept;
        page.lost.extend(
            lost.iter()
                .map(|f| format!("attachment {} ({}): {WHY}", f.name, f.href)),
        );
    }
    input.body_html = body_html(BodyFormat::Markdown, &input.body_source);
    let litpic = a.litpic.trim();
    if nowhere && by_path(litpic) {
        page.lost.push(format!(
            "cover {litpic}: named by path, and no --old-site-root or --old-site-url given"
        ));
    } else if !litpic.is_empty() {
        extras.cover = Some(rebase(litpic, page_url, source).unwrap_or_else(|| litpic.to_string()));
    }
    Ok((
        ParsedItem {
            path: name.to_path_buf(),
            base_url: None,
            page,
            input,
        },
        extras,
    ))
}

/// Whether a picture or file is named by a path on the old site (not a URL, not empty).
fn by_path(src: &str) -> bool {
    let s = src.trim();
    let lower = s.to_ascii_lowercase();
    !(s.is_empty()
        || s.starts_with("//")
        || lower.starts_with("http:")
        || lower.starts_with("https:")
        || lower.starts_with("data:")
        || (s.contains(':') && !s.starts_with('/')))
}

/// `](from)` → `](to)` in a Markdown body.
fn point(body: &mut String, from: &str, to: &str) {
    let needle = format!("]({})", destination(from));
    *body = body.replace(&needle, &format!("]({})", destination(to)));
}

/// Where a picture or file the old page named by path is: its path from the old site's root
/// when the root on disk has it, else its URL on the old site; `None` to leave it as it is (a
/// URL already, or nowhere better to look).
fn rebase(src: &str, page_path: &str, source: &DedeSource) -> Option<String> {
    let s = src.trim();
    let lower = s.to_ascii_lowercase();
    if s.is_empty()
        || s.starts_with("//")
        || lower.starts_with("http:")
        || lower.starts_with("https:")
        || (s.contains(':') && !s.starts_with('/'))
    {
        return None;
    }
    let page = url::Url::parse("http://old.invalid/")
        .ok()?
        .join(page_path)
        .ok()?;
    let joined = page.join(s).ok()?;
    let mut path = joined.path().to_string();
    if let Some(q) = joined.query() {
        path.push('?');
        path.push_str(q);
    }
    if let Some(root) = &source.old_site_root {
        let decoded = percent_encoding::percent_decode_str(joined.path()).decode_utf8_lossy();
        if root.join(decoded.trim_start_matches('/')).is_file() {
            return (path != s).then_some(path);
        }
    }
    match source.old_site_url.as_deref() {
        Some(base) => Some(format!("{}{path}", base.trim().trim_end_matches('/'))),
        None => (path != s).then_some(path),
    }
}

/// Reads the site without writing anything: what `--dry-run` reports.
pub async fn dry_run(source: &DedeSource, tz: chrono_tz::Tz) -> ImportReport {
    let mut report = ImportReport {
        started_at: Utc::now().to_rfc3339(),
        dry_run: true,
        ..ImportReport::default()
    };
    let name = redacted(&source.url);
    let mut site = match open_site(source, tz).await {
        Ok(site) => site,
        Err(e) => {
            report.refuse_file(Path::new(&name), e);
            return report;
        }
    };
    loop {
        let batch = match site.next_page().await {
            Ok(Some(batch)) => batch,
            Ok(None) => break,
            Err(e) => {
                report.refuse_file(Path::new(&name), e);
                break;
            }
        };
        for item in &batch.items {
            let mut entry = PageReport {
                file: item.path.display().to_string(),
                ..PageReport::default()
            };
            super::dry_entry(&mut entry, &item.page, &item.input);
            if let Some(extras) = batch.extras.get(&entry.file) {
                if let Some(cover) = &extras.cover {
                    entry
                        .lost
                        .push(format!("cover {cover}: not stored (dry run)"));
                }
            }
            report.pages.push(entry);
        }
        report.add_others(batch.others);
    }
    site.close().await;
    report
}

/// Imports a DedeCMS site: channels (created when missing, parents first), then its articles a
/// page at a time, stored as pages are, then each one's flags, cover and dynamic address.
pub async fn import_site(
    articles: &Articles,
    source: &DedeSource,
    options: &super::BatchOptions<'_>,
) -> ImportReport {
    let name = redacted(&source.url);
    let mut report = ImportReport {
        started_at: Utc::now().to_rfc3339(),
        ..ImportReport::default()
    };
    let mut site = match open_site(source, options.tz).await {
        Ok(site) => site,
        Err(e) => {
            report.refuse_file(Path::new(&name), e);
            return report;
        }
    };
    let store = articles.store();
    let mut channels = site.channels.as_ref().clone();
    let made = match ensure_channels(store, &mut channels).await {
        Ok((ids, notes)) => {
            report.notes.extend(notes);
            channel_redirects(store, &channels, &ids).await
        }
        Err(e) => Err(e),
    };
    site.channels = Arc::new(channels);
    match made {
        Ok(n) => report.summary.channel_redirects = n,
        Err(e) => {
            report.refuse_file(
                Path::new(&name),
                ImportError::Database(format!("creating its channels: {e}")),
            );
            return report;
        }
    }
    let roots: Vec<PathBuf> = source.old_site_root.iter().cloned().collect();
    loop {
        let batch = match site.next_page().await {
            Ok(Some(batch)) => batch,
            Ok(None) => break,
            Err(e) => {
                report.refuse_file(Path::new(&name), e);
                break;
            }
        };
        let mut stored = super::import_parsed(articles, batch.items, &roots, options).await;
        for entry in &mut stored.pages {
            let (Some(id), Some(extras)) = (entry.article_id, batch.extras.get(&entry.file)) else {
                continue;
            };
            let root = source.old_site_root.as_deref();
            if let Err(e) = keep_extras(store, id, extras, root, entry, options).await {
                entry.lost.push(format!("flags, cover or old address: {e}"));
            }
        }
        report.merge(stored);
        report.add_others(batch.others);
    }
    site.close().await;
    report
}

/// Creates the channels that do not exist yet, each under its parent. A slug already taken by
/// a channel this importer did not make for the same `arctype` row (its `/plus/list.php?tid=N`
/// leads elsewhere and its name differs, e.g. the default `news`) is not merged into: the
/// channel becomes `dede-{slug}` (its `slug` changed here), said in the returned notes.
/// Returns our channel id of each `arctype` id.
async fn ensure_channels(
    store: &dyn Store,
    channels: &mut [DedeChannel],
) -> Result<(HashMap<i64, i64>, Vec<String>), StoreError> {
    let mut ids: HashMap<i64, i64> = HashMap::new();
    let mut notes = Vec::new();
    for c in channels.iter_mut() {
        let wanted = c.slug.clone();
        let mut candidates = vec![
            wanted.clone(),
            format!("dede-{wanted}"),
            format!("dede-{wanted}-{}", c.id),
        ]
        .into_iter();
        let mut taken_by: Option<String> = None;
        let name = if c.name.is_empty() {
            c.slug.clone()
        } else {
            c.name.clone()
        };
        let tid_address = format!("/plus/list.php?tid={}", c.id);
        let ours = store.redirect_for(&tid_address).await?;
        let found = loop {
            let Some(slug) = candidates.next() else {
                break None;
            };
            match store.channel_by_slug(&slug).await {
                Ok(existing) => {
                    let is_ours = ours.as_deref() == Some(format!("/channels/{slug}").as_str())
                        || existing.name == name;
                    if is_ours {
                        break Some((slug, Some(existing.id)));
                    }
                    if taken_by.is_none() {
                        taken_by = Some(existing.name.clone());
                    }
                }
                Err(StoreError::NotFound) => break Some((slug, None)),
                Err(e) => return Err(e),
            }
        };
        let Some((slug, existing)) = found else {
            return Err(StoreError::Conflict {
                what: format!(
                    "channel {name}: slugs {wanted}, dede-{wanted} and dede-{wanted}-{} are all taken",
                    c.id
                ),
            });
        };
        if slug != wanted {
            notes.push(format!(
                "栏目 {name}: slug {wanted} taken by channel {}, imported as {slug}",
                taken_by.as_deref().unwrap_or("?")
            ));
            c.slug = slug.clone();
        }
        match existing {
            Some(id) => {
                ids.insert(c.id, id);
            }
            None => {
                let position = i64::try_from(store.list_channels().await?.len()).unwrap_or(0);
                let made = store.upsert_channel(&name, &slug, position).await?;
                let parent = c.parent.and_then(|p| ids.get(&p).copied());
                if parent.is_some() || !c.description.is_empty() {
                    store
                        .set_channel_tree(made.id, parent, &c.description)
                        .await?;
                }
                ids.insert(c.id, made.id);
            }
        }
    }
    Ok((ids, notes))
}

/// The old addresses of each channel's list page: `{typedir}/` and `{typedir}/index.html` (the
/// static list, `{cmspath}` dropped like the articles' addresses) and `/plus/list.php?tid=N` (the
/// dynamic one). A channel at the site root (empty typedir) keeps only the dynamic one: `/` and
/// `/index.html` are the home page.
fn channel_addresses(channel: &DedeChannel) -> Vec<String> {
    let mut addresses = Vec::with_capacity(3);
    if !channel.typedir.is_empty() {
        addresses.push(format!("{}/", channel.typedir));
        addresses.push(format!("{}/index.html", channel.typedir));
    }
    addresses.push(format!("/plus/list.php?tid={}", channel.id));
    addresses
}

/// Makes every channel's old list addresses ([`channel_addresses`]) lead to it; `ids` maps
/// `arctype` ids to ours. Returns how many do: an address an article's old page already holds
/// stays the article's.
async fn channel_redirects(
    store: &dyn Store,
    channels: &[DedeChannel],
    ids: &HashMap<i64, i64>,
) -> Result<usize, StoreError> {
    let mut made = 0;
    for c in channels {
        let Some(&id) = ids.get(&c.id) else { continue };
        for address in channel_addresses(c) {
            if store.add_channel_redirect(&address, id).await? {
                made += 1;
            }
        }
    }
    Ok(made)
}

/// Sets what the article keeps besides its text: 头条 / 推荐 (added, never cleared: editors may
/// have marked it since), the cover picture (stored like the body's), the dynamic address.
async fn keep_extras(
    store: &dyn Store,
    id: i64,
    extras: &Extras,
    root: Option<&Path>,
    entry: &mut PageReport,
    options: &super::BatchOptions<'_>,
) -> Result<(), StoreError> {
    let mut desk = store.article_desk(id).await?;
    let wanted = crate::domain::DeskFields {
        headline: desk.headline || extras.headline,
        featured: desk.featured || extras.featured,
        ..desk.clone()
    };
    if wanted != desk {
        desk = wanted;
        store.set_article_desk(id, &desk).await?;
    }
    if let Some(cover) = &extras.cover {
        match &options.media {
            Some(ctx) => {
                let root = root.map(Path::to_path_buf).unwrap_or_default();
                let done = super::media::store_media(
                    "",
                    std::slice::from_ref(cover),
                    &[],
                    super::media::Base::Folder {
                        page_dir: &root,
                        root: &root,
                    },
                    ctx,
                )
                .await;
                entry
                    .lost
                    .extend(done.lost.iter().map(|l| l.replacen("image ", "cover ", 1)));
                if let Some(kept) = done.images.first() {
                    let current = store.editable_article(id).await?.cover_image;
                    if current.as_deref() != Some(kept.to.as_str()) {
                        store.set_cover_image(id, Some(&kept.to)).await?;
                    }
                    entry.images.push(kept.clone());
                }
            }
            None => entry
                .lost
                .push(format!("cover {cover}: left out (no uploads store)")),
        }
    }
    if let Some(address) = &extras.dynamic_address {
        store.add_redirect(address, id).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn static_addresses_follow_the_channel_rule() {
        // 2024-02-08 10:21 in Beijing.
        let sent = Utc.with_ymd_and_hms(2024, 2, 8, 2, 21, 0).unwrap();
        let typedir = clean_typedir("{cmspath}/a/news");
        assert_eq!(typedir, "/a/news");
        assert_eq!(
            static_address(DEFAULT_NAMERULE, &typedir, 123, sent, "", TZ).unwrap(),
            "/a/news/20240208/123.html"
        );
        assert_eq!(
            static_address("{typedir}/{Y}/{M}{D}/{aid}.html", &typedir, 7, sent, "", TZ).unwrap(),
            "/a/news/2024/0208/7.html"
        );
        // A custom file name replaces the last part.
        assert_eq!(
            static_address(DEFAULT_NAMERULE, &typedir, 7, sent, "about", TZ).unwrap(),
            "/a/news/20240208/about.html"
        );
        let err = static_address("{typedir}/{pinyin}.html", &typedir, 7, sent, "", TZ);
        assert!(err.unwrap_err().contains("{pinyin}"));
        assert_eq!(clean_typedir("{cmspath}/a/news/"), "/a/news");
        assert_eq!(slug_of("/a/news"), Some("news".into()));
        assert_eq!(slug_of("/a/国内"), None);
        assert_eq!(slug_of("/html/new_energy"), Some("new-energy".into()));
    }

    #[test]
    fn channel_list_addresses() {
        let mut c = DedeChannel {
            id: 3,
            slug: "news".into(),
            name: "新闻".into(),
            description: String::new(),
            parent: None,
            flattened_from: None,
            typedir: clean_typedir("{cmspath}/a/news/"),
            namerule: DEFAULT_NAMERULE.into(),
        };
        assert_eq!(
            channel_addresses(&c),
            ["/a/news/", "/a/news/index.html", "/plus/list.php?tid=3"]
        );
        // A channel at the root must not take the home page's addresses.
        c.typedir = clean_typedir("{cmspath}");
        assert_eq!(channel_addresses(&c), ["/plus/list.php?tid=3"]);
    }

    #[test]
    fn page_breaks_become_headings() {
        assert_eq!(
            page_breaks("<p>一</p>#p#第二页#e#<p>二</p>#p#分页标题#e#<p>三</p>"),
            "<p>一</p><h2>第二页</h2><p>二</p><p>三</p>"
        );
        assert_eq!(page_breaks("a #p# b"), "a #p# b");
    }

    #[test]
    fn pictures_by_path_come_from_the_root_or_the_old_site() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("uploads/allimg")).unwrap();
        std::fs::write(root.path().join("uploads/allimg/a.jpg"), b"x").unwrap();
        let both = DedeSource {
            old_site_url: Some("https://www.old.cn/".into()),
            old_site_root: Some(root.path().to_path_buf()),
            ..DedeSource::default()
        };
        let page = "/a/news/20240208/1.html";
        assert_eq!(rebase("/uploads/allimg/a.jpg", page, &both), None);
        assert_eq!(
            rebase("/uploads/allimg/b.jpg", page, &both).as_deref(),
            Some("https://www.old.cn/uploads/allimg/b.jpg")
        );
        assert_eq!(
            rebase("../../../uploads/allimg/a.jpg", page, &both).as_deref(),
            Some("/uploads/allimg/a.jpg")
        );
        assert_eq!(rebase("http://x.cn/a.jpg", page, &both), None);
        let none = DedeSource::default();
        assert_eq!(rebase("/uploads/b.jpg", page, &none), None);
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redacted("mysql://dede:s3cret@db:3306/dedecms"),
            "mysql://dede:***@db:3306/dedecms"
        );
    }
}
