//! `newsdesk crawl` (采集): an existing site moved in by crawling it. From the start URLs (list
//! pages or sitemaps, a sitemap index too) links are followed breadth-first on the same site only
//! (scheme, host and port of the start URL), to `depth` links away and at most `max_pages`
//! requests per run, with robots.txt obeyed (its rules for `newsdesk`, and its Crawl-delay) and
//! one request at a time, spaced by the larger of `--delay-ms` and Crawl-delay.
//!
//! **Article or not.** Every page is read by the importer's own reader ([`super::parse_page`]):
//! one that gives a headline, a publish time and a body is imported like a file (its pictures and
//! files fetched against its address, see [`super::media::Base::Url`]; its address kept as the
//! article's source URL, so the old path answers 301). A page the reader refuses for want of a
//! headline, a time or a body — a list page, an index, a home page — is only followed, and named
//! in the report as `followed` with the reason, not as an error. So is a page the reader would
//! take but whose body is mostly the texts of its own links: a list of dated headlines reads like
//! an article with a date, yet is a list.
//!
//! **Resuming.** What a run did is kept in the data folder, `crawl-state/<site>.json`, written
//! (temp file, then rename) after every page while it is small and after every thousandth of it
//! once large (so writing it stays linear in the site's size), and whenever a run stops: the
//! pages imported (URL → article), and while a run is unfinished its queue and the pages it has
//! seen. A run killed outright loses at most those last pages, fetched again next time and found
//! unchanged (an article's identity is its headline and time). A file rather than the store: the store
//! knows imported URLs (redirects) but not the queue of a run stopped by Ctrl-C or `--max-pages`,
//! which is what lets the next run go on where it stopped. A run finds an unfinished queue and
//! continues it; after a finished run the next one starts again from the start URLs (list pages
//! are read again for new articles) but never fetches a page it has imported.
//!
//! **Whom we fetch from.** Pages are requested only on the sites of the start URLs, which the
//! operator named: they are fetched wherever those hosts live (an old CMS often sits on an
//! intranet address), redirects are not followed blindly but queued as links (so off-site ones are
//! dropped, named in the report). Pictures and files go through [`crate::remote::RemoteFetcher`]:
//! the named origins trusted (scheme, host and port: not another port of the same host), every
//! other guarded against internal addresses as for any import. They are fetched as a browser
//! would (robots.txt rules crawling, not a page's own pictures) and not spaced by the delay: a
//! page has few.
//!
//! **Failures.** A site whose robots.txt cannot be read is a refused entry of the report and the
//! crawl goes on with the next site; only a local failure (the state file) stops the run, and the
//! report is written even then. A page answering 429, 5xx or nothing is tried again at the end of
//! the queue, three times at most, after its `Retry-After` (a minute at most). Untrusted bytes are
//! parsed on the blocking pool with panics caught: a page that crashes a parser is refused alone
//! and leaves the queue.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{BatchOptions, ImportError, ImportReport, PageReport, ParsedItem};
use crate::content::Articles;

/// The name robots.txt rules are read for.
pub const ROBOTS_AGENT: &str = "newsdesk";
/// The `User-Agent` of every request of a crawl.
pub const USER_AGENT: &str = concat!(
    "newsdesk/",
    env!("CARGO_PKG_VERSION"),
    " (site migration crawler; obeys robots.txt for newsdesk)"
);
/// Folder of the data folder holding the state of each site's crawl.
pub const STATE_DIR: &str = "crawl-state";
/// Largest response read: a sitemap may hold 50,000 URLs in 50 MB; pages over
/// [`super::MAX_PAGE_BYTES`] are refused by the reader anyway.
const MAX_RESPONSE_BYTES: u64 = 50 * 1024 * 1024;
/// One request may take this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A page answering 429, 5xx or nothing is tried again this many times, at the end of the queue.
const MAX_RETRIES: u32 = 3;
/// The longest `Retry-After` obeyed: a server asking for an hour would stall the crawl.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// File extensions of links that are no pages: pictures and files are stored with the article
/// that links to them, never crawled.
const NOT_PAGES: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "ico", "pdf", "doc", "docx", "xls", "xlsx",
    "ppt", "pptx", "wps", "zip", "rar", "7z", "gz", "tar", "mp3", "mp4", "avi", "flv", "wmv",
    "mov", "swf", "exe", "apk", "css", "js", "txt",
];

/// How a crawl runs.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Where to start: list pages or sitemaps.
    pub starts: Vec<Url>,
    /// Links followed at most this far from a start URL.
    pub depth: u32,
    /// Requests for pages (and sitemaps) per site per run at most; the rest is left for the next
    /// run.
    pub max_pages: usize,
    /// Time between two requests to the site (Crawl-delay wins when longer).
    pub delay: Duration,
    /// Where the crawl state is kept (`DATA/crawl-state`); a dry run reads it but never writes.
    pub state_dir: PathBuf,
    /// Read and report only: nothing stored, no state written.
    pub dry_run: bool,
}

/// What a crawl did on one site besides its pages, in the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrawlSummary {
    /// The site: scheme, host and port.
    pub site: String,
    /// Time between requests used, in milliseconds (Crawl-delay included).
    pub delay_ms: u64,
    /// Pages and sitemaps requested by this run (robots.txt not counted).
    pub fetched: usize,
    /// Links to pages imported by an earlier run, not fetched again.
    pub known: usize,
    /// Pages robots.txt keeps us out of, not fetched.
    pub disallowed: Vec<String>,
    /// Links to other sites, not followed.
    pub off_site: usize,
    /// Links further than `--depth` from a start, not followed.
    pub too_deep: usize,
    /// Pages left in the queue: the next run continues with them.
    pub left: usize,
    /// Why the run stopped before its queue was empty (`max-pages`, `interrupted`), or why the
    /// site was not crawled at all (`robots.txt: …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// What is kept between runs, see the module doc.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct CrawlState {
    /// Pages imported: their URL → the article's address here. Never fetched again.
    imported: BTreeMap<String, String>,
    /// The unfinished run's pages still to visit, with their distance from a start.
    queue: VecDeque<(String, u32)>,
    /// Pages the unfinished run has queued or visited.
    seen: BTreeSet<String>,
    /// Same-site redirects met: old URL → where it leads. When that page is imported the old URL
    /// answers 301 to the article too (a DedeCMS `/plus/view.php?aid=1` moved to `/a/1.html`).
    redirects: BTreeMap<String, String>,
    /// Pages imported: their URL → the article's id, for a redirect met after its target.
    ids: BTreeMap<String, i64>,
    /// Pages that answered 429, 5xx or nothing: times tried again so far.
    retries: BTreeMap<String, u32>,
}

/// A failure worth trying again later (no answer, a broken connection).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Transient(String);

/// `DATA/crawl-state/<scheme>_<host>_<port>.json`.
fn state_file(dir: &Path, site: &Url) -> PathBuf {
    let host: String = site
        .host_str()
        .unwrap_or("site")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let port = site.port_or_known_default().unwrap_or(0);
    dir.join(format!("{}_{host}_{port}.json", site.scheme()))
}

fn load_state(path: &Path) -> anyhow::Result<CrawlState> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("reading the crawl state {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CrawlState::default()),
        Err(e) => Err(e).with_context(|| format!("reading the crawl state {}", path.display())),
    }
}

/// Written whole to a temp file beside it, then renamed over it: an interrupted write leaves the
/// previous state, never half of one.
fn save_state(path: &Path, state: &CrawlState) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing the crawl state in {}", dir.display()))?;
    serde_json::to_writer(&mut file, state).context("writing the crawl state")?;
    file.as_file()
        .sync_all()
        .context("writing the crawl state")?;
    file.persist(path)
        .with_context(|| format!("writing the crawl state {}", path.display()))?;
    Ok(())
}

/// The site of a URL: scheme, host and port (its origin).
fn same_site(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// Whether a link names a picture or file rather than a page (a compressed sitemap,
/// `sitemap.xml.gz`, is read like a page).
fn is_file_link(url: &Url) -> bool {
    let last = url.path().rsplit('/').next().unwrap_or_default();
    if last.to_ascii_lowercase().ends_with(".xml.gz") {
        return false;
    }
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| NOT_PAGES.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The bytes of a gzip file (a `sitemap.xml.gz`), at most [`MAX_RESPONSE_BYTES`] of them; `None`
/// when `bytes` is no gzip file, or a broken or oversized one.
fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read as _;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return None;
    }
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_RESPONSE_BYTES + 1)
        .read_to_end(&mut plain)
        .ok()?;
    (plain.len() as u64 <= MAX_RESPONSE_BYTES).then_some(plain)
}

/// A response of the site.
enum Fetched {
    /// A 2xx answer: its bytes and `Content-Type`.
    Body {
        bytes: Vec<u8>,
        content_type: String,
    },
    /// A redirect to this address.
    Redirect(Url),
}

/// The site's client and its pace.
struct Site {
    origin: Url,
    client: reqwest::Client,
    delay: Duration,
    last: Option<Instant>,
    /// No request before this (a `Retry-After`).
    hold: Option<Instant>,
    robot: Option<texting_robots::Robot>,
}

impl Site {
    fn new(origin: Url, delay: Duration) -> anyhow::Result<Self> {
        // Redirects come back as answers: a redirect is a link, checked like any other (same site,
        // robots.txt), never followed past those checks.
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .timeout(REQUEST_TIMEOUT)
            .build()
            .context("building the crawl client")?;
        Ok(Self {
            origin,
            client,
            delay,
            last: None,
            hold: None,
            robot: None,
        })
    }

    /// Waits until `delay` has passed since the previous request.
    async fn pace(&mut self) {
        let next = self
            .last
            .map(|last| last + self.delay)
            .max(self.hold.take());
        if let Some(next) = next {
            tokio::time::sleep_until(next.into()).await;
        }
        self.last = Some(Instant::now());
    }

    async fn get(&mut self, url: &Url) -> anyhow::Result<(reqwest::StatusCode, Fetched)> {
        self.pace().await;
        let mut response = self
            .client
            .get(url.clone())
            .header(
                reqwest::header::ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            )
            .send()
            .await
            .map_err(|e| Transient(format!("cannot fetch it: {}", innermost(&e))))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| anyhow::anyhow!("HTTP {status} without a Location"))?;
            let to = url
                .join(location)
                .with_context(|| format!("HTTP {status} to a bad Location {location:?}"))?;
            return Ok((status, Fetched::Redirect(to)));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !status.is_success() {
            // Seconds only; an HTTP date falls back to the delay.
            let after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if let Some(secs) = after {
                let wait = Duration::from_secs(secs).min(MAX_RETRY_AFTER);
                self.hold = Some(Instant::now() + wait);
            }
            return Ok((
                status,
                Fetched::Body {
                    bytes: Vec::new(),
                    content_type,
                },
            ));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES)
        {
            anyhow::bail!("the answer is over {MAX_RESPONSE_BYTES} bytes");
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Transient(format!("cannot read it: {}", innermost(&e))))?
        {
            bytes.extend_from_slice(&chunk);
            if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_RESPONSE_BYTES {
                anyhow::bail!("the answer is over {MAX_RESPONSE_BYTES} bytes");
            }
        }
        Ok((
            status,
            Fetched::Body {
                bytes,
                content_type,
            },
        ))
    }

    /// Reads robots.txt: its rules for us and its Crawl-delay. None there (4xx) allows all; a
    /// server error or no answer stops the crawl of this site, as the robots.txt conventions
    /// (RFC 9309 §2.3.1.4) ask: its rules are unknown, not absent.
    async fn read_robots(&mut self) -> anyhow::Result<()> {
        let mut url = self.origin.join("/robots.txt")?;
        for _ in 0..5 {
            let (status, fetched) = self
                .get(&url)
                .await
                .with_context(|| format!("reading {url}"))?;
            match fetched {
                // http → https on the same host is common; another host is not ours to ask.
                Fetched::Redirect(to) if to.host() == self.origin.host() => url = to,
                Fetched::Redirect(to) => anyhow::bail!(
                    "{url} redirects to another host ({to}): its rules are unknown, so the site is not crawled"
                ),
                Fetched::Body { bytes, .. } if status.is_success() => {
                    self.robot = match texting_robots::Robot::new(ROBOTS_AGENT, &bytes) {
                        Ok(robot) => Some(robot),
                        Err(e) => {
                            tracing::warn!(url = %url, error = %e, "robots.txt unreadable: no rules applied");
                            None
                        }
                    };
                    if let Some(secs) = self.robot.as_ref().and_then(|r| r.delay) {
                        if secs.is_finite() && secs > 0.0 {
                            // Capped at a minute: a typo of 86400 would stall a crawl for days.
                            let asked = Duration::from_secs_f32(secs.min(60.0));
                            self.delay = self.delay.max(asked);
                        }
                    }
                    return Ok(());
                }
                // 429 is the server asking us to wait, not saying there are no rules.
                Fetched::Body { .. }
                    if status.is_client_error()
                        && status != reqwest::StatusCode::TOO_MANY_REQUESTS =>
                {
                    return Ok(());
                }
                Fetched::Body { .. } => {
                    anyhow::bail!(
                        "{url} answered HTTP {status}: its rules are unknown, so the site is not crawled; try again later"
                    )
                }
            }
        }
        anyhow::bail!("{url}: too many redirects")
    }

    fn allowed(&self, url: &Url) -> bool {
        self.robot.as_ref().is_none_or(|r| r.allowed(url.as_str()))
    }
}

/// The innermost cause of a request error (connection refused, timed out…).
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(s) = inner.source() {
        inner = s;
    }
    inner.to_string()
}

/// One site's crawl in progress.
struct Crawl<'a> {
    site: Site,
    state: CrawlState,
    summary: CrawlSummary,
    depth: u32,
    options: &'a BatchOptions<'a>,
}

impl Crawl<'_> {
    /// Queues a link found `depth` links away from a start, unless it leaves the site, is too
    /// far, is a file, was seen, was imported or is disallowed.
    fn enqueue(&mut self, mut url: Url, depth: u32) {
        url.set_fragment(None);
        if !same_site(&url, &self.site.origin) {
            self.summary.off_site += 1;
            return;
        }
        if depth > self.depth {
            self.summary.too_deep += 1;
            return;
        }
        if is_file_link(&url) {
            return;
        }
        let key = url.to_string();
        if !self.state.seen.insert(key.clone()) {
            return;
        }
        if self.state.imported.contains_key(&key) {
            self.summary.known += 1;
            return;
        }
        if !self.site.allowed(&url) {
            self.summary.disallowed.push(key);
            return;
        }
        self.state.queue.push_back((key, depth));
    }

    /// Visits one page: fetched, imported if it is an article, its links queued.
    async fn visit(
        &mut self,
        articles: Option<&Articles>,
        url: Url,
        depth: u32,
        report: &mut ImportReport,
    ) {
        let entry = PageReport {
            file: url.to_string(),
            ..PageReport::default()
        };
        self.summary.fetched += 1;
        let got = self.site.get(&url).await;
        let transient = match &got {
            Err(e) => e.is::<Transient>(),
            Ok((status, Fetched::Body { .. })) => {
                *status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            Ok(_) => false,
        };
        let key = url.to_string();
        let tried = self.state.retries.remove(&key).unwrap_or(0);
        if transient && tried < MAX_RETRIES {
            // Tried again once the rest of the queue is done (and any Retry-After has passed).
            tracing::info!(url = %url, tried, "no usable answer: tried again later");
            self.state.retries.insert(key.clone(), tried + 1);
            self.state.queue.push_back((key, depth));
            return;
        }
        let retried = if tried > 0 {
            format!(" (after {tried} retries)")
        } else {
            String::new()
        };
        let (status, fetched) = match got {
            Ok(answer) => answer,
            Err(e) if tried > 0 => return refuse(report, entry, &e.context(retried)),
            Err(e) => return refuse(report, entry, &e),
        };
        let (bytes, content_type) = match fetched {
            Fetched::Redirect(mut to) => {
                to.set_fragment(None);
                // The old address leads elsewhere on the site: that page is the one imported, and
                // the old address is remembered to lead to it as well.
                let reason = if same_site(&to, &self.site.origin) {
                    tracing::debug!(from = %url, to = %to, "redirect queued as a link");
                    let target = self.state.ids.get(to.as_str()).copied();
                    match (articles, target) {
                        // Its target was imported already: the old address leads there now.
                        (Some(articles), Some(id)) => {
                            if let Err(e) = articles.store().add_redirect(url.as_str(), id).await {
                                tracing::warn!(from = %url, error = %e, "redirect not stored");
                            }
                        }
                        _ => {
                            self.state.redirects.insert(url.to_string(), to.to_string());
                        }
                    }
                    format!("redirects to {to}")
                } else {
                    tracing::warn!(from = %url, to = %to, "redirected off the site: not followed (start from that address to crawl it)");
                    format!(
                        "redirects to {to}, another site: start the crawl from that address to crawl it"
                    )
                };
                self.enqueue(to, depth);
                return followed(report, entry, reason);
            }
            Fetched::Body { .. } if !status.is_success() => {
                return refuse(
                    report,
                    entry,
                    &anyhow::anyhow!("the site answered HTTP {status}{retried}"),
                );
            }
            Fetched::Body {
                bytes,
                content_type,
            } => (bytes, content_type),
        };
        let channel = self.options.channel_slug.to_string();
        let tz = self.options.tz;
        let page_url = url.clone();
        let parsed =
            guarded(move || parse_fetched(&bytes, &content_type, &page_url, &channel, tz)).await;
        let (links, read) = match parsed {
            Ok(Parsed::Sitemap(locs)) => {
                for loc in locs {
                    if let Ok(link) = url.join(&loc) {
                        self.enqueue(link, depth + 1);
                    }
                }
                return;
            }
            Ok(Parsed::NotPage(content_type)) => {
                return followed(report, entry, format!("not a page ({content_type})"));
            }
            Ok(Parsed::Page { links, read }) => (links, read),
            Err(e) => return refuse(report, entry, &e),
        };
        for link in links {
            self.enqueue(link, depth + 1);
        }
        let (mut page, input) = match read.map(|read| *read) {
            Ok((page, input, false)) => (page, input),
            Ok((_, _, true)) => {
                return followed(
                    report,
                    entry,
                    "not an article: its text is mostly its own links (a list page)".into(),
                );
            }
            Err(e @ (ImportError::NoHeadline | ImportError::NoDate | ImportError::NoBody)) => {
                return followed(report, entry, format!("not an article: {e}"));
            }
            Err(e) => return refuse(report, entry, &anyhow::Error::from(e)),
        };
        // The address it was crawled at is its old address, whatever its canonical link says.
        page.source_url = Some(url.to_string());
        let Some(articles) = articles else {
            let mut entry = entry;
            super::dry_entry(&mut entry, &page, &input);
            report.pages.push(entry);
            return;
        };
        let item = ParsedItem {
            path: PathBuf::from(url.as_str()),
            base_url: Some(url.clone()),
            page,
            input,
        };
        let mut done = super::import_parsed(articles, vec![item], &[], self.options).await;
        let key = url.to_string();
        let old: Vec<String> = self
            .state
            .redirects
            .iter()
            .filter(|(_, to)| **to == key)
            .map(|(from, _)| from.clone())
            .collect();
        for page in &mut done.pages {
            if let (Some(article), None) = (&page.url, &page.reason) {
                self.state.imported.insert(key.clone(), article.clone());
            }
            let (Some(id), None) = (page.article_id, &page.reason) else {
                continue;
            };
            self.state.ids.insert(key.clone(), id);
            // The addresses that redirected here lead to the article too.
            for from in &old {
                match articles.store().add_redirect(from, id).await {
                    Ok(true) => {
                        self.state.redirects.remove(from);
                    }
                    Ok(false) => page
                        .lost
                        .push(format!("old address {from}: no old path to redirect from")),
                    Err(e) => page
                        .lost
                        .push(format!("old address {from}: redirect not stored: {e}")),
                }
            }
        }
        report.merge(done);
    }
}

fn refuse(report: &mut ImportReport, mut entry: PageReport, e: &anyhow::Error) {
    tracing::warn!(url = %entry.file, error = %format!("{e:#}"), "page not imported");
    report.summary.failed += 1;
    entry.outcome = "refused";
    entry.reason = Some(format!("{e:#}"));
    report.pages.push(entry);
}

fn followed(report: &mut ImportReport, mut entry: PageReport, reason: String) {
    tracing::debug!(url = %entry.file, reason, "followed, not imported");
    report.summary.followed += 1;
    entry.outcome = "followed";
    entry.reason = Some(reason);
    report.pages.push(entry);
}

/// What one fetched answer is, read off the async workers.
enum Parsed {
    /// A sitemap or sitemap index: its `<loc>`s.
    Sitemap(Vec<String>),
    /// Not a page: its content type.
    NotPage(String),
    /// A page: its links, and the reader's article with whether its text is mostly its links.
    Page {
        links: Vec<Url>,
        read: Result<Box<(super::ParsedPage, crate::domain::ArticleInput, bool)>, ImportError>,
    },
}

/// Everything done with one fetched answer's untrusted bytes: the sitemap reader, the link
/// finder, the article reader and the list test.
fn parse_fetched(
    bytes: &[u8],
    content_type: &str,
    url: &Url,
    channel: &str,
    tz: chrono_tz::Tz,
) -> anyhow::Result<Parsed> {
    if let Some(locs) = sitemap_locations(bytes, content_type) {
        return Ok(Parsed::Sitemap(locs));
    }
    // A compressed sitemap comes as a gzip file (no Content-Encoding), whatever its type says.
    if let Some(plain) = gunzip(bytes) {
        return Ok(match sitemap_locations(&plain, "application/xml") {
            Some(locs) => Parsed::Sitemap(locs),
            None => Parsed::NotPage("a gzip file that is no sitemap".into()),
        });
    }
    let is_page = content_type.is_empty()
        || content_type.starts_with("text/")
        || content_type.contains("html")
        || content_type.contains("xml");
    if !is_page {
        return Ok(Parsed::NotPage(content_type.to_string()));
    }
    let (links, anchors) = page_links(bytes, url)?;
    let read = super::read_page(bytes, channel, tz).map(|(page, input)| {
        let list = mostly_links(&page, &anchors);
        Box::new((page, input, list))
    });
    Ok(Parsed::Page { links, read })
}

/// Runs `parse` on the blocking pool with panics caught: a page that trips a parser is refused
/// alone, and the crawl (and its saved queue) goes on past it.
async fn guarded<T: Send + 'static>(
    parse: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let run = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse))
    });
    match run.await {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            anyhow::bail!("reading this page crashed a parser ({what}): skipped")
        }
        Err(e) => anyhow::bail!("reading this page failed: {e}"),
    }
}

/// The `<loc>`s of a sitemap (`<urlset>`) or sitemap index (`<sitemapindex>`); `None` when the
/// answer is not one.
fn sitemap_locations(bytes: &[u8], content_type: &str) -> Option<Vec<String>> {
    if !(content_type.contains("xml") || content_type.is_empty()) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.trim_start_matches('\u{feff}');
    let doc = roxmltree::Document::parse(text).ok()?;
    let root = doc.root_element();
    if !matches!(root.tag_name().name(), "urlset" | "sitemapindex") {
        return None;
    }
    Some(
        root.children()
            .filter(|n| matches!(n.tag_name().name(), "url" | "sitemap"))
            .filter_map(|n| n.children().find(|c| c.tag_name().name() == "loc"))
            .filter_map(|loc| loc.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
    )
}

/// The links of a page (`<a href>`, `<area href>`, `<link rel=next>`, resolved against its
/// `<base href>` or its address) and the texts of its `<a>` links, whitespace collapsed.
fn page_links(bytes: &[u8], url: &Url) -> Result<(Vec<Url>, BTreeSet<String>), ImportError> {
    let decoded = super::decode_page(bytes)?;
    let text = decoded.text.as_ref();
    if !super::html::looks_like_html(text) {
        return Ok((Vec::new(), BTreeSet::new()));
    }
    // The same refusal of absurd nesting the reader applies, before html5ever sees it.
    super::structure::check(text)?;
    let doc = scraper::Html::parse_document(text);
    let select = |s: &str| scraper::Selector::parse(s).ok();
    let base = select("base[href]")
        .and_then(|s| doc.select(&s).next())
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| url.join(h.trim()).ok())
        .unwrap_or_else(|| url.clone());
    let mut links = Vec::new();
    let mut anchors = BTreeSet::new();
    if let Some(s) = select("a[href], area[href], link[rel~=next][href]") {
        for element in doc.select(&s) {
            let href = element.value().attr("href").unwrap_or_default().trim();
            let lower = href.to_ascii_lowercase();
            if href.is_empty()
                || href.starts_with('#')
                || ["javascript:", "mailto:", "tel:", "data:"]
                    .iter()
                    .any(|p| lower.starts_with(p))
            {
                continue;
            }
            if let Ok(link) = base.join(href) {
                if matches!(link.scheme(), "http" | "https") {
                    links.push(link);
                }
            }
            if element.value().name() == "a" {
                let text = element.text().collect::<String>();
                let text = super::page::normalize_space(&text);
                if text.chars().count() >= 4 {
                    anchors.insert(text);
                }
            }
        }
    }
    Ok((links, anchors))
}

/// Whether most of a page's body lines are texts of its own links (a list of dated headlines).
fn mostly_links(page: &super::ParsedPage, anchors: &BTreeSet<String>) -> bool {
    let lines: Vec<String> = page
        .blocks
        .iter()
        .filter(|b| !matches!(b, super::markdown::Block::Image { .. }))
        .map(|b| super::page::normalize_space(&b.text()))
        .filter(|t| !t.is_empty())
        .collect();
    if lines.is_empty() {
        return false;
    }
    // Each line's prefixes looked up (up to the longest link text), not every link text tried
    // on every line: a page of thousands of links stays linear.
    let longest = anchors.iter().map(String::len).max().unwrap_or(0);
    let linked = lines
        .iter()
        .filter(|line| {
            line.char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .take_while(|end| *end <= longest)
                .any(|end| anchors.contains(&line[..end]))
        })
        .count();
    linked * 2 > lines.len()
}

/// Crawls every site of the start URLs in turn and imports their articles (see the module doc);
/// `articles` is `None` for a dry run. The report has one entry per page fetched (imported,
/// followed or refused) and a [`CrawlSummary`] per site. A site that cannot be crawled (its
/// robots.txt unreachable) is an entry of the report and the next site is crawled; the error
/// beside the report is a local one (the crawl state cannot be read or written), which stops
/// the run — the report so far is still returned, to be written.
pub async fn crawl(
    articles: Option<&Articles>,
    options: &CrawlOptions,
    batch: &BatchOptions<'_>,
) -> (ImportReport, anyhow::Result<()>) {
    let mut report = ImportReport {
        started_at: chrono::Utc::now().to_rfc3339(),
        dry_run: options.dry_run,
        ..ImportReport::default()
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let watch = {
        let flag = interrupted.clone();
        tokio::spawn(async move {
            crate::shutdown_signal().await;
            tracing::warn!("interrupted: stopping after this page (run again to continue)");
            flag.store(true, Ordering::SeqCst);
        })
    };
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} page(s) {per_sec} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    // Start URLs grouped by site, in the order given.
    let mut sites: Vec<(Url, Vec<Url>)> = Vec::new();
    for start in &options.starts {
        match sites.iter_mut().find(|(o, _)| same_site(o, start)) {
            Some((_, starts)) => starts.push(start.clone()),
            None => sites.push((start.clone(), vec![start.clone()])),
        }
    }
    let mut result = Ok(());
    for (origin, starts) in sites {
        let done = crawl_site(
            articles,
            options,
            batch,
            origin,
            &starts,
            &interrupted,
            &bar,
            &mut report,
        )
        .await;
        if let Err(e) = done {
            result = Err(e);
            break;
        }
        if interrupted.load(Ordering::SeqCst) {
            break;
        }
    }
    watch.abort();
    bar.finish_and_clear();
    (report, result)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one site's run: the crawl's options and the run's shared parts"
)]
async fn crawl_site(
    articles: Option<&Articles>,
    options: &CrawlOptions,
    batch: &BatchOptions<'_>,
    origin: Url,
    starts: &[Url],
    interrupted: &AtomicBool,
    bar: &ProgressBar,
    report: &mut ImportReport,
) -> anyhow::Result<()> {
    let path = state_file(&options.state_dir, &origin);
    let state = load_state(&path)?;
    let mut crawl = Crawl {
        site: Site::new(origin.clone(), options.delay)?,
        state,
        summary: CrawlSummary {
            site: origin.origin().ascii_serialization(),
            ..CrawlSummary::default()
        },
        depth: options.depth,
        options: batch,
    };
    if let Err(e) = crawl.site.read_robots().await {
        // Its rules unknown, the site is not crawled this time; the others are.
        let robots = origin
            .join("/robots.txt")
            .map_or_else(|_| origin.to_string(), |u| u.to_string());
        refuse(
            report,
            PageReport {
                file: robots,
                ..PageReport::default()
            },
            &e,
        );
        crawl.summary.stopped = Some(format!("robots.txt: {e:#}"));
        crawl.summary.left = crawl.state.queue.len();
        report.crawl.push(crawl.summary);
        return Ok(());
    }
    crawl.summary.delay_ms = u64::try_from(crawl.site.delay.as_millis()).unwrap_or(u64::MAX);
    if crawl.state.queue.is_empty() {
        // The last run finished (or there was none): a new pass from the start URLs.
        crawl.state.seen.clear();
    } else {
        tracing::info!(
            site = %crawl.summary.site,
            left = crawl.state.queue.len(),
            "continuing the crawl where the last run stopped"
        );
    }
    for start in starts {
        crawl.enqueue(start.clone(), 0);
    }
    let mut unsaved = 0usize;
    while let Some((next, depth)) = crawl.state.queue.pop_front() {
        let stop = if interrupted.load(Ordering::SeqCst) {
            Some("interrupted")
        } else if crawl.summary.fetched >= options.max_pages {
            Some("max-pages")
        } else {
            None
        };
        if let Some(why) = stop {
            crawl.state.queue.push_front((next, depth));
            crawl.summary.stopped = Some(why.into());
            break;
        }
        bar.set_message(next.clone());
        match Url::parse(&next) {
            Ok(url) => crawl.visit(articles, url, depth, report).await,
            Err(e) => tracing::warn!(url = next, error = %e, "bad URL in the crawl state, dropped"),
        }
        bar.inc(1);
        unsaved += 1;
        let size = crawl.state.imported.len() + crawl.state.seen.len();
        if !options.dry_run && unsaved > size / 1000 {
            save_state(&path, &crawl.state)?;
            unsaved = 0;
        }
    }
    crawl.summary.left = crawl.state.queue.len();
    if crawl.state.queue.is_empty() {
        crawl.state.seen.clear();
    }
    if !options.dry_run {
        save_state(&path, &crawl.state)?;
    }
    report.crawl.push(crawl.summary);
    Ok(())
}

impl CrawlSummary {
    /// The lines people read after the import summary.
    pub fn human(&self) -> String {
        let mut out = format!(
            "{}: {} request(s) {} ms apart, {} imported earlier not fetched again, {} disallowed by robots.txt, {} off-site link(s) not followed",
            self.site,
            self.fetched,
            self.delay_ms,
            self.known,
            self.disallowed.len(),
            self.off_site
        );
        match self.stopped.as_deref() {
            Some(why) => out.push_str(&format!(
                "\n  stopped ({why}) with {} page(s) left: run the same command again to continue",
                self.left
            )),
            None => out.push_str("\n  crawl complete"),
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_sitemaps_are_read_and_other_gzip_files_are_not_pages() {
        use std::io::Write as _;
        let gz = |data: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        };
        let url = Url::parse("http://old.cn/sitemap.xml.gz").unwrap();
        let read = |bytes: &[u8]| {
            parse_fetched(
                bytes,
                "application/gzip",
                &url,
                "news",
                chrono_tz::Asia::Shanghai,
            )
            .unwrap()
        };
        assert!(!is_file_link(&url), "a .xml.gz sitemap is followed");
        assert!(is_file_link(
            &Url::parse("http://old.cn/files/site.tar.gz").unwrap()
        ));
        let sitemap = gz(
            br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://old.cn/a/1.html</loc></url></urlset>"#,
        );
        assert!(
            matches!(read(&sitemap), Parsed::Sitemap(locs) if locs == ["http://old.cn/a/1.html"])
        );
        assert!(matches!(read(&gz(b"just text")), Parsed::NotPage(_)));
        // Broken gzip: not a sitemap, and no panic.
        assert!(matches!(read(&sitemap[..20]), Parsed::NotPage(_)));
    }

    #[test]
    fn sitemaps_and_indexes_give_their_locations() {
        let urlset = br#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc> http://old.cn/a/1.html </loc></url><url><loc>http://old.cn/a/2.html</loc></url></urlset>"#;
        assert_eq!(
            sitemap_locations(urlset, "application/xml").unwrap(),
            ["http://old.cn/a/1.html", "http://old.cn/a/2.html"]
        );
        let index = br#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://old.cn/sitemap-1.xml</loc></sitemap></sitemapindex>"#;
        assert_eq!(
            sitemap_locations(index, "text/xml").unwrap(),
            ["http://old.cn/sitemap-1.xml"]
        );
        assert!(sitemap_locations(b"<html><body>x</body></html>", "text/html").is_none());
        assert!(sitemap_locations(b"<rss><channel/></rss>", "application/xml").is_none());
    }

    #[test]
    fn links_resolve_against_the_page_and_its_base() {
        let url = Url::parse("http://old.cn/news/list.html").unwrap();
        let html = br#"<html><head><base href="/a/"></head><body>
            <a href="1.html#top">first headline here</a> <a href="javascript:void(0)">x</a>
            <a href="mailto:a@b.cn">mail</a> <a href="http://other.cn/x.html">elsewhere</a>
            </body></html>"#;
        let (links, anchors) = page_links(html, &url).unwrap();
        let links: Vec<String> = links.iter().map(Url::to_string).collect();
        assert_eq!(
            links,
            ["http://old.cn/a/1.html#top", "http://other.cn/x.html"]
        );
        assert!(anchors.contains("first headline here"));
    }

    #[test]
    fn a_list_of_dated_headlines_is_not_an_article() {
        let url = Url::parse("http://old.cn/news/list.html").unwrap();
        let tz = chrono_tz::Asia::Shanghai;
        let mut html = String::from(
            "<html><head><meta charset=utf-8><title>新闻列表</title></head><body><h1>新闻列表</h1>\
             <div class=info>发布时间：2024-03-05 10:00</div><ul>",
        );
        for (i, title) in ["全市光伏装机容量再创新高", "新能源汽车产业发展行动方案印发"]
            .iter()
            .enumerate()
        {
            html.push_str(&format!(
                "<li><a href=\"/a/{i}.html\">{title}</a> <span>2024-03-0{}</span></li>",
                i + 1
            ));
        }
        html.push_str("</ul></body></html>");
        let (_, anchors) = page_links(html.as_bytes(), &url).unwrap();
        // The reader takes it (a headline, a date, lines below), so the link test decides.
        let page = crate::import::parse_page(html.as_bytes(), tz).unwrap();
        assert!(mostly_links(&page, &anchors), "{:?}", page.blocks);
        let article = "<html><body><h1>全市光伏装机容量再创新高</h1><div>2024-03-01 09:30</div>\
             <p>今年以来全市光伏装机容量持续增长，新增项目四十五个。</p>\
             <p>相关阅读：<a href=\"/a/1.html\">新能源汽车产业发展行动方案印发</a></p>\
             <p>下一步将继续推进分布式光伏建设。</p></body></html>";
        let (_, anchors) = page_links(article.as_bytes(), &url).unwrap();
        let page = crate::import::parse_page(article.as_bytes(), tz).unwrap();
        assert!(!mostly_links(&page, &anchors), "{:?}", page.blocks);
    }

    #[tokio::test]
    async fn a_page_that_crashes_a_parser_is_refused_alone() {
        let crashed = guarded(|| -> anyhow::Result<()> { panic!("poison page") }).await;
        let e = format!("{:#}", crashed.unwrap_err());
        assert!(
            e.contains("crashed a parser") && e.contains("poison page"),
            "{e}"
        );
        // The runtime lives on: the next page is read as usual.
        let url = Url::parse("http://old.cn/news/").unwrap();
        let next = guarded(move || {
            parse_fetched(
                b"<urlset><url><loc>/a.html</loc></url></urlset>",
                "text/xml",
                &url,
                "news",
                chrono_tz::Asia::Shanghai,
            )
        })
        .await;
        assert!(matches!(next, Ok(Parsed::Sitemap(locs)) if locs == ["/a.html"]));
    }

    #[test]
    fn link_texts_are_matched_as_line_prefixes() {
        let tz = chrono_tz::Asia::Shanghai;
        let html = "<html><body><h1>某某标题文字</h1><div>2024-03-01 09:30</div>\
             <p>链接文字甲乙 2024-03-01</p><p>链接文字丙丁</p><p>正文不是链接的一行。</p></body></html>";
        let page = crate::import::parse_page(html.as_bytes(), tz).unwrap();
        let anchors: BTreeSet<String> = ["链接文字甲乙", "链接文字丙丁"].map(String::from).into();
        assert!(mostly_links(&page, &anchors), "{:?}", page.blocks);
        let anchors: BTreeSet<String> = ["文字甲乙", "链接文字丙丁之外"].map(String::from).into();
        assert!(!mostly_links(&page, &anchors), "{:?}", page.blocks);
    }

    #[test]
    fn file_links_are_not_pages() {
        let is = |u: &str| is_file_link(&Url::parse(u).unwrap());
        assert!(is("http://old.cn/files/plan.PDF"));
        assert!(is("http://old.cn/img/a.png"));
        assert!(!is("http://old.cn/a/2024/123.html"));
        assert!(!is("http://old.cn/plus/view.php?aid=1"));
        assert!(!is("http://old.cn/news/"));
    }

    #[test]
    fn state_files_are_named_by_site() {
        let dir = Path::new("state");
        let at = |u: &str| state_file(dir, &Url::parse(u).unwrap());
        assert_eq!(
            at("http://old.cn/list.html"),
            dir.join("http_old.cn_80.json")
        );
        assert_eq!(at("https://[::1]:8443/"), dir.join("https____1__8443.json"));
    }
}
