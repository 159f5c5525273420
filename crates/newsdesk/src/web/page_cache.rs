//! Rendered public pages kept in memory — articles, home, channel pages (each page number), feeds,
//! and any other kind a handler hands to [`serve`] — so a warm page costs a hash lookup and a copy
//! of bytes (plus the live view count on article pages) instead of queries and a template render.
//!
//! A page kind plugs in with one call: `page_cache::serve(&state, &headers, key, render)`, where
//! `key` names the page ([`PageKey::new`]) and `render` makes it at a content version
//! ([`Rendered`]). Everything else — invalidation, gzip, `Vary`, conditional GET — is here.
//!
//! A page is rendered once with a placeholder where the 浏览量 goes and stored as the parts between
//! placeholders; serving it joins the parts with the live count. Entries carry the store's content
//! version when they were rendered ([`crate::store::Store::content_version`]): any content write
//! (article, channel, settings) moves the version on, and older entries are re-rendered on their
//! next request. View-count flushes do not change the version. Memory is bounded by bytes.
//!
//! Every browser accepts gzip, and an article page shrinks to about a fifth, which is what a phone
//! on a slow network notices most. Compressing per request would cost more than the rest of the
//! request, so each cached page is compressed once, in the background after it is first served:
//! its parts are deflated separately, each ending on a byte boundary, and a request puts the live
//! count between them as a stored (uncompressed) block and combines the parts' checksums into the
//! trailer — one valid gzip stream (RFC 1951/1952) made by concatenation.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http_body::{Frame, SizeHint};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::AppState;
use crate::error::AppError;

/// The 浏览量 value pages are rendered with, replaced by the live count when served. Its digits
/// never occur in real pages.
pub const VIEWS_PLACEHOLDER: i64 = -9_182_736_455_463_728_190;

/// The kinds of cached pages; a new kind is one more variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageKind {
    /// `/articles/{slug}`.
    Article,
    /// `/` (and its `?page=N`).
    Home,
    /// `/channels/{slug}`.
    Channel,
    /// `/tags/{slug}`.
    Tag,
    /// `/topics` and `/topics/{slug}`.
    Topic,
    /// `/pages/{slug}`: single pages.
    Single,
    /// RSS/Atom feeds; the slug names format and scope (e.g. `rss`, `atom/nev`).
    Feed,
}

/// Which page, and which rendering of it: pages differ inside WeChat (no QR code, other chrome).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// Kind of page.
    pub kind: PageKind,
    /// What the kind needs to tell its pages apart (article slug, channel slug, `""` for home).
    pub slug: String,
    /// Page number of a listing (1 for pages that have none).
    pub page: u32,
    /// Opened inside WeChat.
    pub in_wechat: bool,
}

impl PageKey {
    /// The key of page `page` of `kind`'s `slug`, as seen inside WeChat or not.
    pub fn new(kind: PageKind, slug: impl Into<String>, page: u32, in_wechat: bool) -> Self {
        Self {
            kind,
            slug: slug.into(),
            page,
            in_wechat,
        }
    }
}

/// What a page kind's render gives the cache: the document and how to serve it.
#[derive(Debug)]
pub struct Rendered {
    body: String,
    content_type: &'static str,
    article_id: Option<i64>,
    fresh_for: Option<Duration>,
    validators: Option<Option<DateTime<Utc>>>,
    vary_user_agent: bool,
}

impl Rendered {
    /// An HTML page that differs inside WeChat.
    pub fn html(body: String) -> Self {
        Self {
            body,
            content_type: "text/html; charset=utf-8",
            article_id: None,
            fresh_for: None,
            validators: None,
            vary_user_agent: true,
        }
    }

    /// A generated document (feed, sitemap) answered with conditional GET: an `ETag` from its
    /// bytes, `Last-Modified` from its content, `Cache-Control` as [`super::conditional`] says.
    pub fn document(
        body: String,
        content_type: &'static str,
        last_modified: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            body,
            content_type,
            article_id: None,
            fresh_for: None,
            validators: Some(last_modified),
            vary_user_agent: false,
        }
    }

    /// The page shows this article's 浏览量 where it was rendered with [`VIEWS_PLACEHOLDER`]: the
    /// live count is spliced in on every request.
    #[must_use]
    pub fn counting(mut self, article_id: i64) -> Self {
        self.article_id = Some(article_id);
        self
    }

    /// Re-render after `age` even when the content version has not moved: for pages showing what
    /// changes without a content write (热门, ranked by views).
    #[must_use]
    pub fn fresh_for(mut self, age: Duration) -> Self {
        self.fresh_for = Some(age);
        self
    }
}

/// A rendered page split at its view-count placeholders.
#[derive(Debug)]
pub struct CachedPage {
    /// Store content version the page was rendered at.
    pub version: u64,
    /// The article whose count the page shows, for splicing and counting views on hits.
    pub article_id: Option<i64>,
    content_type: HeaderValue,
    /// Re-rendered after this, whatever the version (see [`Rendered::fresh_for`]).
    expires: Option<Instant>,
    /// `ETag` and `Last-Modified` for conditional GET, when the kind answers it.
    validators: Option<Validators>,
    vary: HeaderValue,
    parts: Vec<Bytes>,
    /// The parts deflated, once [`CachedPage::compress`] has run.
    gzip: OnceLock<GzipParts>,
}

/// A page's parts, each deflated on its own (see the module docs).
#[derive(Debug)]
struct GzipParts {
    /// Raw deflate data of each part; all but the last end with a sync flush (byte-aligned, not
    /// final), the last with the final block.
    deflated: Vec<Bytes>,
    /// CRC-32 state of each part's uncompressed bytes, combined per request.
    crcs: Vec<crc32fast::Hasher>,
}

/// gzip member header: magic, deflate, no flags, no time, no extra flags, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

#[derive(Debug)]
struct Validators {
    etag: String,
    last_modified: Option<String>,
}

impl CachedPage {
    /// Splits a page rendered with [`VIEWS_PLACEHOLDER`] (only pages that show a count have one).
    pub fn new(rendered: Rendered, version: u64) -> Self {
        // The page is kept and weighed by its length: without the spare capacity the template's
        // output grew with (up to as much again).
        let mut body = rendered.body;
        body.shrink_to_fit();
        let body = Bytes::from(body);
        let parts = match rendered.article_id {
            // Slices of the one buffer, found by memchr's vectorized search: `str::split` and
            // copying the parts out of the page were 2–3 % of a cold render's samples.
            Some(_) => {
                let placeholder = VIEWS_PLACEHOLDER.to_string();
                let mut parts = Vec::with_capacity(2);
                let mut start = 0;
                for at in memchr::memmem::find_iter(&body, placeholder.as_bytes()) {
                    parts.push(body.slice(start..at));
                    start = at + placeholder.len();
                }
                parts.push(body.slice(start..));
                parts
            }
            None => vec![body],
        };
        let validators = rendered.validators.map(|last_modified| Validators {
            etag: super::conditional::etag_of(parts.iter().map(|p| &p[..])),
            last_modified: last_modified.map(super::conditional::http_date),
        });
        Self {
            version,
            article_id: rendered.article_id,
            content_type: HeaderValue::from_static(rendered.content_type),
            expires: rendered.fresh_for.map(|age| Instant::now() + age),
            validators,
            vary: HeaderValue::from_static(if rendered.vary_user_agent {
                "user-agent, accept-encoding"
            } else {
                "accept-encoding"
            }),
            parts,
            gzip: OnceLock::new(),
        }
    }

    /// Whether the page may be served for content `version`.
    fn is_current(&self, version: u64) -> bool {
        self.version == version && self.expires.is_none_or(|at| Instant::now() < at)
    }

    /// The response to a request with `headers` (its `Accept-Encoding`, conditional headers),
    /// `views` spliced in where the page shows its count.
    pub fn respond(&self, headers: &HeaderMap, views: i64) -> Response {
        let mut response = match &self.validators {
            Some(v)
                if super::conditional::not_modified(
                    headers,
                    &v.etag,
                    v.last_modified.as_deref(),
                ) =>
            {
                StatusCode::NOT_MODIFIED.into_response()
            }
            _ => {
                let gzip = headers
                    .get(header::ACCEPT_ENCODING)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(accepts_gzip)
                    .then(|| self.gzip_body(views))
                    .flatten();
                let mut response = match gzip {
                    Some(body) => {
                        let mut r = body.into_response();
                        r.headers_mut()
                            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                        r
                    }
                    None => self.body(views).into_response(),
                };
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, self.content_type.clone());
                response
            }
        };
        let out = response.headers_mut();
        out.insert(header::VARY, self.vary.clone());
        if let Some(v) = &self.validators {
            out.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(super::conditional::CACHE_CONTROL),
            );
            if let Ok(etag) = HeaderValue::from_str(&v.etag) {
                out.insert(header::ETAG, etag);
            }
            if let Some(lm) = v
                .last_modified
                .as_deref()
                .and_then(|t| HeaderValue::from_str(t).ok())
            {
                out.insert(header::LAST_MODIFIED, lm);
            }
        }
        response
    }

    /// Deflates the parts for [`CachedPage::gzip_body`]; CPU work of about a millisecond per 50 KB,
    /// meant for a blocking task. Later calls do nothing.
    pub fn compress(&self) {
        self.gzip.get_or_init(|| {
            let last = self.parts.len().saturating_sub(1);
            let mut deflated = Vec::with_capacity(self.parts.len());
            let mut crcs = Vec::with_capacity(self.parts.len());
            for (i, part) in self.parts.iter().enumerate() {
                deflated.push(Bytes::from(deflate(part, i == last)));
                let mut crc = crc32fast::Hasher::new();
                crc.update(part);
                crcs.push(crc);
            }
            GzipParts { deflated, crcs }
        });
    }

    /// The page gzip-compressed with `views` in place of each placeholder, or `None` until
    /// [`CachedPage::compress`] has run.
    pub fn gzip_body(&self, views: i64) -> Option<Body> {
        let gzip = self.gzip.get()?;
        let views = views.to_string();
        let mut crc = crc32fast::Hasher::new();
        let mut plain_len = 0_u64;
        let mut parts = VecDeque::with_capacity(gzip.deflated.len() * 2 + 2);
        parts.push_back(Bytes::from_static(&GZIP_HEADER));
        let count = Bytes::from(stored_block(views.as_bytes()));
        let mut count_crc = crc32fast::Hasher::new();
        count_crc.update(views.as_bytes());
        for (i, (part, part_crc)) in gzip.deflated.iter().zip(&gzip.crcs).enumerate() {
            if i > 0 {
                parts.push_back(count.clone());
                crc.combine(&count_crc);
                plain_len += views.len() as u64;
            }
            parts.push_back(part.clone());
            crc.combine(part_crc);
            plain_len += self.parts[i].len() as u64;
        }
        let mut trailer = Vec::with_capacity(8);
        trailer.extend_from_slice(&crc.finalize().to_le_bytes());
        // ISIZE is the length modulo 2^32.
        trailer.extend_from_slice(&((plain_len & 0xffff_ffff) as u32).to_le_bytes());
        parts.push_back(Bytes::from(trailer));
        let remaining = parts.iter().map(|p| p.len() as u64).sum();
        Some(Body::new(Chunks { parts, remaining }))
    }

    /// The page with `views` in place of each placeholder, as a response body that shares the
    /// cached bytes (no copy of the page per request) and states its exact length.
    pub fn body(&self, views: i64) -> Body {
        let views = Bytes::from(views.to_string());
        let mut parts = VecDeque::with_capacity(self.parts.len() * 2);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                parts.push_back(views.clone());
            }
            parts.push_back(part.clone());
        }
        let remaining = parts.iter().map(|p| p.len() as u64).sum();
        Body::new(Chunks { parts, remaining })
    }

    fn bytes(&self) -> u64 {
        // The compressed copy, made after insertion, is about a fifth of the page more.
        let plain = self.parts.iter().map(|p| p.len() as u64).sum::<u64>();
        plain + plain / 4 + 64
    }
}

/// `data` as raw deflate: ending byte-aligned with a sync flush, or with the final block.
fn deflate(data: &[u8], last: bool) -> Vec<u8> {
    use std::io::Write;
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::with_capacity(data.len() / 3), Default::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    if last {
        encoder.finish().unwrap_or_default()
    } else {
        let _ = encoder.flush();
        encoder.get_ref().clone()
    }
}

/// A non-final stored deflate block holding `data` (at most 65,535 bytes), for a stream that is
/// byte-aligned at this point: header bits 000 padded to a byte, LEN, NLEN, the bytes.
fn stored_block(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(5 + data.len());
    out.push(0);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(&data[..usize::from(len)]);
    out
}

/// Whether a request's `Accept-Encoding` takes gzip: named with a non-zero weight, or, when gzip
/// is not named at all, `*` with a non-zero weight (RFC 9110 §12.5.3).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut gzip = None;
    let mut any = None;
    for coding in accept_encoding.split(',') {
        let mut fields = coding.split(';');
        let name = fields.next().unwrap_or_default().trim();
        let weight = fields
            .filter_map(|p| {
                let (key, value) = p.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| value.trim().parse::<f32>().ok())?
            })
            .next()
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if name == "*" {
            any = Some(weight);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

/// Shared chunks of a page sent one after another.
struct Chunks {
    parts: VecDeque<Bytes>,
    remaining: u64,
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        Poll::Ready(this.parts.pop_front().map(|part| {
            this.remaining = this.remaining.saturating_sub(part.len() as u64);
            Ok(Frame::data(part))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.parts.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[derive(Debug, Clone)]
struct ByBytes;

impl Weighter<PageKey, Arc<CachedPage>> for ByBytes {
    // The key's slug is counted too: it is stored beside the page.
    fn weight(&self, key: &PageKey, page: &Arc<CachedPage>) -> u64 {
        page.bytes() + key.slug.len() as u64
    }
}

/// The cache of rendered pages.
#[derive(Debug)]
pub struct PageCache {
    pages: Option<Cache<PageKey, Arc<CachedPage>, ByBytes>>,
}

impl PageCache {
    /// A cache holding at most `max_bytes` of pages; 0 disables caching.
    pub fn new(max_bytes: u64) -> Self {
        // Pages are tens of kilobytes; the estimate only sizes the table up front.
        let estimated_pages = usize::try_from(max_bytes / 32_768)
            .unwrap_or(usize::MAX)
            .max(16);
        Self {
            pages: (max_bytes > 0)
                .then(|| Cache::with_weighter(estimated_pages, max_bytes, ByBytes)),
        }
    }

    /// Whether pages are kept at all.
    pub fn is_enabled(&self) -> bool {
        self.pages.is_some()
    }

    /// The cached page for `key` if it was rendered at `version` and has not expired.
    pub fn get(&self, key: &PageKey, version: u64) -> Option<Arc<CachedPage>> {
        self.pages
            .as_ref()?
            .get(key)
            .filter(|page| page.is_current(version))
    }

    /// Stores a rendered page.
    pub fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        if let Some(pages) = &self.pages {
            pages.insert(key, page);
        }
    }
}

/// The page for `key` from the cache, or rendered by `render` at the current content version
/// (then cached, and compressed in the background).
pub async fn page<F, Fut>(
    state: &AppState,
    key: PageKey,
    render: F,
) -> Result<Arc<CachedPage>, AppError>
where
    F: FnOnce(u64) -> Fut,
    Fut: Future<Output = Result<Rendered, AppError>>,
{
    // Read before rendering: a write during the render leaves the page one version behind.
    let version = state.store.content_version();
    let cache = state.pages();
    if let Some(page) = cache.get(&key, version) {
        return Ok(page);
    }
    let page = Arc::new(CachedPage::new(render(version).await?, version));
    if cache.is_enabled() {
        cache.insert(key, page.clone());
        // Compressed off the request path; until then the page goes out uncompressed.
        let page = page.clone();
        tokio::task::spawn_blocking(move || page.compress());
    }
    Ok(page)
}

/// Serves the page for `key` from the cache, rendering it with `render` when missing or stale: the
/// one line a page kind needs. Pages that count views use [`page`] and count before responding.
pub async fn serve<F, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    key: PageKey,
    render: F,
) -> Result<Response, AppError>
where
    F: FnOnce(u64) -> Fut,
    Fut: Future<Output = Result<Rendered, AppError>>,
{
    let page = page(state, key, render).await?;
    let views = page
        .article_id
        .and_then(|id| state.counter.live_total(id))
        .unwrap_or_default();
    Ok(page.respond(headers, views))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn text(body: Body) -> Vec<u8> {
        axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn views_are_spliced_into_every_placeholder() {
        let html = format!("<p>{VIEWS_PLACEHOLDER}</p><script>{VIEWS_PLACEHOLDER}</script>");
        let page = CachedPage::new(Rendered::html(html.clone()).counting(7), 1);
        let body = page.body(42);
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(28));
        assert_eq!(text(body).await, b"<p>42</p><script>42</script>");
        let plain = CachedPage::new(Rendered::html("<p>no count</p>".into()).counting(7), 1);
        assert_eq!(text(plain.body(42)).await, b"<p>no count</p>");
        // At either end, and twice in a row.
        let html = format!("{VIEWS_PLACEHOLDER}·{VIEWS_PLACEHOLDER}{VIEWS_PLACEHOLDER}");
        let page = CachedPage::new(Rendered::html(html).counting(7), 1);
        assert_eq!(text(page.body(3)).await, "3·33".as_bytes());
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[tokio::test]
    async fn gzip_pages_carry_the_live_count_and_check_out() {
        let filler = "<p>合肥市新能源汽车产业集群建设加快推进。</p>".repeat(200);
        let html = format!("{filler}<b>{VIEWS_PLACEHOLDER}</b>{filler}<i>{VIEWS_PLACEHOLDER}</i>");
        let page = CachedPage::new(Rendered::html(html.clone()).counting(7), 1);
        assert!(page.gzip_body(1).is_none(), "compressed only on request");
        page.compress();
        for views in [0, 7, 123_456_789] {
            let body = page.gzip_body(views).unwrap();
            let sent = http_body::Body::size_hint(&body).exact().unwrap();
            let bytes = text(body).await;
            assert_eq!(bytes.len() as u64, sent);
            assert!(
                bytes.len() * 5 < html.len(),
                "{} of {}",
                bytes.len(),
                html.len()
            );
            // GzDecoder checks the CRC-32 and length in the trailer.
            let plain = String::from_utf8(gunzip(&bytes)).unwrap();
            assert_eq!(
                plain,
                html.replace(&VIEWS_PLACEHOLDER.to_string(), &views.to_string())
            );
        }
        // A page without a count, and an empty one, are single parts.
        for html in ["<p>no count</p>", ""] {
            let page = CachedPage::new(Rendered::html(html.into()).counting(7), 1);
            page.compress();
            let bytes = text(page.gzip_body(5).unwrap()).await;
            assert_eq!(gunzip(&bytes), html.as_bytes());
        }
    }

    #[test]
    fn accept_encoding_is_read_with_weights() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip("gzip;q=0, *"), "gzip refused by name");
        assert!(!accepts_gzip("gzip; Q=0"));
        assert!(accepts_gzip("br, *;q=0.1"));
    }

    #[test]
    fn stale_versions_miss_and_zero_capacity_disables() {
        let cache = PageCache::new(1 << 20);
        let key = PageKey::new(PageKind::Article, "a", 1, false);
        let x = || Arc::new(CachedPage::new(Rendered::html("x".into()), 3));
        cache.insert(key.clone(), x());
        assert!(cache.get(&key, 3).is_some());
        assert!(cache.get(&key, 4).is_none());
        let off = PageCache::new(0);
        off.insert(key.clone(), x());
        assert!(off.get(&key, 3).is_none());
    }
}
