//! Fetching images from other sites (hot-linked pictures, WeChat's `mmbiz` images) so they become
//! our uploads: [`RemoteFetcher`] is the guarded HTTP client, [`crate::images::localize_remote`]
//! uses it on an article body.
//!
//! **Server-side request forgery.** An editor (or an imported page) names the URL, and the server
//! fetches it, so the URL must not reach what only the server can: only `http` and `https`, and
//! every address a host name resolves to is checked *at connection time* by our DNS resolver
//! (loopback, private, link-local, shared, multicast and unspecified addresses are dropped), so a
//! name that resolves to `127.0.0.1`, or a redirect to one, is refused like the literal address.
//! Redirects are followed at most [`MAX_REDIRECTS`] times, each checked the same way; proxies from
//! the environment are not used (they would connect for us, past the check). Responses are read
//! up to the upload limit and no further, within [`FETCH_TIMEOUT`]. Tests serving images from
//! 127.0.0.1 opt in with `allow_private` (`--remote-images-allow-private`); nothing else does.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Redirects followed at most.
pub const MAX_REDIRECTS: usize = 3;
/// The most one image fetch may take, connection to last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(15);
/// Connecting may take this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why an image could not be fetched. Messages are for the editor, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not a URL we can use.
    #[error("地址无效")]
    BadUrl,
    /// Not `http` or `https`.
    #[error("只抓取 http 和 https 地址")]
    Scheme,
    /// The host is this machine or a private network.
    #[error("地址指向本机或内部网络，出于安全考虑不抓取")]
    Private,
    /// Too many redirects.
    #[error("重定向次数过多（上限 {MAX_REDIRECTS} 次）")]
    Redirects,
    /// The other site answered with an error.
    #[error("对方网站返回 HTTP {0}")]
    Status(u16),
    /// Larger than the upload limit.
    #[error("图片超过 {limit} 的上限")]
    TooLarge {
        /// The limit, as people read it (`10.0 MB`).
        limit: String,
    },
    /// No answer in time.
    #[error("抓取超时")]
    Timeout,
    /// Anything else on the way (DNS, connection, TLS).
    #[error("无法连接：{0}")]
    Network(String),
}

/// Marks an address our resolver or redirect check refused, to tell it apart in the error chain.
#[derive(Debug, thiserror::Error)]
#[error("refused: {0} is a loopback, private or otherwise internal address")]
struct InternalAddress(String);

/// Whether `ip` is on the public internet (not this machine, a private or shared network, a
/// link-local, multicast, documentation-free or unspecified address).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80) // link-local
        }
    }
}

/// Resolves host names and keeps only the addresses we may connect to.
#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
    /// The hosts of the trusted origins, whose addresses are all allowed (see
    /// [`RemoteFetcher::trusting`]). The resolver sees no port, so this is sound only because
    /// [`check_url`] lets through no URL on one of these hosts whose origin is not trusted.
    trusted: Arc<[String]>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allow_private = self.allow_private || is_trusted(&self.trusted, &host);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if usable.is_empty() {
                return Err(Box::new(InternalAddress(host)) as Box<_>);
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Checks a URL before it is requested (and at every redirect): scheme, a trusted origin, and a
/// literal address (which reaches no resolver). A URL on a trusted origin's host but another
/// scheme or port (`http://10.0.0.5:8080/admin` when `http://10.0.0.5` is trusted) is refused:
/// the resolver would let that host's private addresses through.
fn check_url(url: &url::Url, allow_private: bool, trusted: &Trusted) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme);
    }
    let trusted_origin = trusted.origins.contains(&url.origin());
    if !allow_private
        && !trusted_origin
        && url
            .host_str()
            .is_some_and(|h| is_trusted(&trusted.hosts, h))
    {
        return Err(FetchError::Private);
    }
    let allow_private = allow_private || trusted_origin;
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if !allow_private && (d == "localhost" || d.ends_with(".localhost")) {
                return Err(FetchError::Private);
            }
            return Ok(());
        }
        None => return Err(FetchError::BadUrl),
    };
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(FetchError::Private)
    }
}

/// Whether `host` (a name or a literal address, IPv6 in brackets or not) is one of `trusted`.
fn is_trusted(trusted: &[String], host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.');
    trusted.iter().any(|t| t.eq_ignore_ascii_case(host))
}

/// `Accept` of an image fetch.
pub const ACCEPT_IMAGES: &str = "image/*";
/// `Accept` of any other file (an attachment: PDF, Word, ZIP…).
pub const ACCEPT_ANY: &str = "*/*";

/// Origins reached wherever they are, and their hosts (for the resolver).
#[derive(Debug, Default)]
struct Trusted {
    origins: Vec<url::Origin>,
    hosts: Arc<[String]>,
}

impl Trusted {
    fn new(origins: Vec<url::Origin>) -> Self {
        let origins: Vec<url::Origin> = origins.into_iter().filter(url::Origin::is_tuple).collect();
        let hosts = origins
            .iter()
            .filter_map(|o| match o {
                url::Origin::Tuple(_, host, _) => Some(
                    host.to_string()
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .trim_end_matches('.')
                        .to_string(),
                ),
                url::Origin::Opaque(_) => None,
            })
            .collect();
        Self { origins, hosts }
    }
}

/// The guarded client for remote images.
#[derive(Debug, Clone)]
pub struct RemoteFetcher {
    client: reqwest::Client,
    allow_private: bool,
    trusted: Arc<Trusted>,
}

impl RemoteFetcher {
    /// A client refusing internal addresses unless `allow_private` (tests with a local server).
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        Self::trusting(allow_private, Vec::new())
    }

    /// [`Self::new`], with origins (scheme, host and port: `Url::origin`) reached wherever they
    /// are, private network included: the site an operator names to `newsdesk crawl` (an old CMS
    /// often lives on an intranet address). Only the operator's command line names these; every
    /// other origin stays guarded — another port or scheme of a trusted host is refused outright
    /// unless `allow_private` — and a redirect from a trusted origin to another is checked as usual.
    pub fn trusting(allow_private: bool, origins: Vec<url::Origin>) -> anyhow::Result<Self> {
        let trusted = Arc::new(Trusted::new(origins));
        let in_policy = trusted.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(TooManyRedirects);
            }
            match check_url(attempt.url(), allow_private, &in_policy) {
                Ok(()) => attempt.follow(),
                Err(FetchError::Private) => {
                    let host = attempt.url().host_str().unwrap_or_default().to_string();
                    attempt.error(InternalAddress(host))
                }
                Err(e) => attempt.error(e),
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(concat!("newsdesk/", env!("CARGO_PKG_VERSION")))
            .redirect(policy)
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(FETCH_TIMEOUT)
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private,
                trusted: trusted.hosts.clone(),
            }))
            .build()?;
        Ok(Self {
            client,
            allow_private,
            trusted,
        })
    }

    /// Fetches the image at `url` whole, refusing more than `max_bytes`; the bytes and the URL
    /// they came from (after redirects).
    pub async fn fetch(&self, url: &str, max_bytes: u64) -> Result<(Vec<u8>, String), FetchError> {
        self.fetch_accepting(url, max_bytes, ACCEPT_IMAGES).await
    }

    /// [`Self::fetch`] asking for `accept` ([`ACCEPT_IMAGES`], [`ACCEPT_ANY`] for a file): a
    /// server choosing by `Accept` would answer an image request for a PDF with an error.
    pub async fn fetch_accepting(
        &self,
        url: &str,
        max_bytes: u64,
        accept: &'static str,
    ) -> Result<(Vec<u8>, String), FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::BadUrl)?;
        check_url(&parsed, self.allow_private, &self.trusted)?;
        let too_large = || FetchError::TooLarge {
            limit: crate::attachments::human_size(i64::try_from(max_bytes).unwrap_or(i64::MAX)),
        };
        let mut response = self
            .client
            .get(parsed)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(classify)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response.content_length().is_some_and(|n| n > max_bytes) {
            return Err(too_large());
        }
        let final_url = response.url().to_string();
        let mut bytes: Vec<u8> = Vec::new();
        // Counted while reading: a server may send more than it announced, or announce nothing.
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            bytes.extend_from_slice(&chunk);
            if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
                return Err(too_large());
            }
        }
        Ok((bytes, final_url))
    }
}

/// Marks the redirect limit in the error chain.
#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirects;

/// The editor's reason for a failed request, found in its error chain.
fn classify(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if s.is::<InternalAddress>() {
            return FetchError::Private;
        }
        if s.is::<TooManyRedirects>() {
            return FetchError::Redirects;
        }
        if let Some(f) = s.downcast_ref::<FetchError>() {
            return match f {
                FetchError::Scheme => FetchError::Scheme,
                FetchError::BadUrl => FetchError::BadUrl,
                _ => FetchError::Network(f.to_string()),
            };
        }
        source = s.source();
    }
    // The innermost cause says the most (connection refused, no such host).
    let mut inner: &(dyn std::error::Error + 'static) = &e;
    while let Some(s) = inner.source() {
        inner = s;
    }
    FetchError::Network(inner.to_string())
}

/// Remote images one save fetches at most; more are reported, not fetched.
pub const MAX_REMOTE_IMAGES: usize = 60;
/// Time all of one body's fetches may take together (a request has 30 s in all).
pub const LOCALIZE_BUDGET: Duration = Duration::from_secs(20);
/// Fetches at once.
const CONCURRENT_FETCHES: usize = 4;

/// A remote image that stays remote, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RemoteFailure {
    /// The image's URL as written.
    pub url: String,
    /// Why it could not be made ours (Chinese, for the editor).
    pub reason: String,
}

/// A remote image now ours.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Localized {
    /// The remote URL as written.
    pub url: String,
    /// Our copy, `/uploads/…`.
    pub local_url: String,
}

/// What [`localize_remote`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RemoteReport {
    /// Images fetched and stored, the body pointing at our copy.
    pub localized: Vec<Localized>,
    /// Images left as they were, with the reason.
    pub failed: Vec<RemoteFailure>,
}

/// What [`localize_remote`] needs besides the body.
#[derive(Debug, Clone, Copy)]
pub struct Localize<'a> {
    /// The guarded client.
    pub fetcher: &'a RemoteFetcher,
    /// Where images are stored.
    pub files: &'a crate::uploads::UploadStore,
    /// The image upload limit, in bytes.
    pub max_bytes: u64,
    /// The site's own host and port (from its base URL, see [`site_of`]): its images are not
    /// remote.
    pub own_host: Option<&'a str>,
    /// Recorded as the uploader.
    pub uploaded_by: Option<i64>,
}

/// An image URL found in a body: where it is written and what to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the URL as written in the body.
    pub span: std::ops::Range<usize>,
    /// The absolute URL to fetch (entities decoded, scheme added to `//host/…`).
    pub url: String,
}

/// A constant pattern (tested below, so `None` never happens in practice).
type Pattern = std::sync::LazyLock<Option<regex::Regex>>;

/// `![alt](URL` of a Markdown image.
static MARKDOWN_IMAGE: Pattern =
    Pattern::new(|| regex::Regex::new(r"!\[[^\]\n]*\]\(\s*<?((?:https?:)?//[^\s)>]+)").ok());
/// An `<img …>` tag.
static IMG_TAG: Pattern = Pattern::new(|| regex::Regex::new(r"(?is)<img\b[^>]*>").ok());
/// A `src` or `data-src` attribute's value, quoted or not.
static SRC_ATTRIBUTE: Pattern = Pattern::new(|| {
    regex::Regex::new(r#"(?is)\s(?:data-)?src\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#).ok()
});

/// A URL's site as [`Localize::own_host`] names it: the host, lower-cased, with the port when it
/// is not the scheme's default (`news.example.cn`, `127.0.0.1:8080`).
pub fn site_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// The absolute http(s) URL a written image address stands for, if it is one on another host.
fn remote_url(written: &str, own_host: Option<&str>) -> Option<String> {
    let decoded = written.trim().replace("&amp;", "&").replace("&#38;", "&");
    let absolute = if decoded.starts_with("//") {
        format!("https:{decoded}")
    } else {
        decoded
    };
    let lower = absolute.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    if own_host.is_some_and(|own| site_of(&absolute).is_some_and(|site| site == own)) {
        return None;
    }
    Some(absolute)
}

/// Every remote image address in `body` (Markdown images, and `src` / `data-src` of `<img>` tags,
/// in Markdown bodies as in HTML ones), in text order.
pub fn find_remote_images(body: &str, own_host: Option<&str>) -> Vec<Found> {
    let mut found = Vec::new();
    let (Some(markdown), Some(tags), Some(srcs)) = (&*MARKDOWN_IMAGE, &*IMG_TAG, &*SRC_ATTRIBUTE)
    else {
        return found;
    };
    for c in markdown.captures_iter(body) {
        if let Some(m) = c.get(1) {
            if let Some(url) = remote_url(m.as_str(), own_host) {
                found.push(Found {
                    span: m.range(),
                    url,
                });
            }
        }
    }
    for tag in tags.find_iter(body) {
        for c in srcs.captures_iter(tag.as_str()) {
            let Some(m) = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3)) else {
                continue;
            };
            if let Some(url) = remote_url(m.as_str(), own_host) {
                let start = tag.start() + m.start();
                found.push(Found {
                    span: start..start + m.len(),
                    url,
                });
            }
        }
    }
    found.sort_by_key(|f| f.span.start);
    found
}

/// A name for a fetched image: the last part of its URL's path.
fn name_from_url(url: &str) -> String {
    let name = url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.next_back().map(str::to_string))
        })
        .map(|s| {
            percent_encoding::percent_decode_str(&s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "remote-image".into());
    name.chars().take(200).collect()
}

/// Fetches one image, checks and stores it like an upload, records it; its local URL.
async fn localize_one(
    url: &str,
    with: &Localize<'_>,
    store: &dyn crate::store::Store,
) -> Result<String, String> {
    let (bytes, final_url) = with
        .fetcher
        .fetch(url, with.max_bytes)
        .await
        .map_err(|e| e.to_string())?;
    let stored = match crate::images::store(with.files, bytes, with.max_bytes).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), url, "storing a remote image");
            return Err("保存图片失败".into());
        }
    };
    let record = crate::store::NewImage {
        file_name: &stored.file_name,
        original_name: &name_from_url(&final_url),
        mime: stored.mime,
        width: i64::from(stored.width),
        height: i64::from(stored.height),
        bytes: i64::try_from(stored.bytes).unwrap_or(i64::MAX),
        uploaded_by: with.uploaded_by,
    };
    if let Err(e) = store.add_image(&record).await {
        tracing::error!(error = %e, url, "recording a remote image");
        return Err("保存图片记录失败".into());
    }
    Ok(stored.url())
}

/// Makes the remote images of `body` ours: each image on another host is fetched (guarded, see
/// the module doc), checked and stored with its variants like an upload, recorded in the image
/// library, and the body is rewritten to point at our copy. An image that cannot be fetched
/// stays as written and is listed in the report with the reason, for the editor (or the import
/// log). Used by the newsroom's saves (browser and API) and by the importer.
pub async fn localize_remote(
    body: &str,
    with: &Localize<'_>,
    store: &dyn crate::store::Store,
) -> (String, RemoteReport) {
    use futures::StreamExt;
    let found = find_remote_images(body, with.own_host);
    if found.is_empty() {
        return (body.to_string(), RemoteReport::default());
    }
    let mut unique: Vec<String> = Vec::new();
    for f in &found {
        if !unique.contains(&f.url) {
            unique.push(f.url.clone());
        }
    }
    let mut report = RemoteReport::default();
    let skipped = if unique.len() > MAX_REMOTE_IMAGES {
        unique.split_off(MAX_REMOTE_IMAGES)
    } else {
        Vec::new()
    };
    let deadline = tokio::time::Instant::now() + LOCALIZE_BUDGET;
    let results: std::collections::HashMap<String, Result<String, String>> =
        futures::stream::iter(unique)
            .map(|url| async move {
                let result = tokio::time::timeout_at(deadline, localize_one(&url, with, store))
                    .await
                    .unwrap_or_else(|_| Err(FetchError::Timeout.to_string()));
                (url, result)
            })
            .buffer_unordered(CONCURRENT_FETCHES)
            .collect()
            .await;
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    let mut reported: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for f in &found {
        let result = results.get(&f.url);
        let first = reported.insert(f.url.as_str());
        match result {
            Some(Ok(local)) => {
                out.push_str(&body[at..f.span.start]);
                out.push_str(local);
                at = f.span.end;
                if first {
                    report.localized.push(Localized {
                        url: f.url.clone(),
                        local_url: local.clone(),
                    });
                }
            }
            Some(Err(reason)) if first => report.failed.push(RemoteFailure {
                url: f.url.clone(),
                reason: reason.clone(),
            }),
            None if first && skipped.contains(&f.url) => report.failed.push(RemoteFailure {
                url: f.url.clone(),
                reason: format!("一次保存最多抓取 {MAX_REMOTE_IMAGES} 张远程图片，请再保存一次"),
            }),
            _ => {}
        }
    }
    out.push_str(&body[at..]);
    (out, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_images_are_found_in_markdown_and_html() {
        assert!(MARKDOWN_IMAGE.is_some() && IMG_TAG.is_some() && SRC_ATTRIBUTE.is_some());
        let body = "![图一](https://mmbiz.qpic.cn/a/640?wx_fmt=jpeg) 文字 ![本站](/uploads/x.png)\n\
            <p><img alt=\"x\" data-src=\"//img.example.cn/b.png?a=1&amp;b=2\" src=''></p>\
            <IMG SRC=http://news.example.com/own.jpg> ![相对](images/c.png) <img src=\"data:image/png;base64,AA\">";
        let found = find_remote_images(body, site_of("https://NEWS.example.com/").as_deref());
        let urls: Vec<&str> = found.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://mmbiz.qpic.cn/a/640?wx_fmt=jpeg",
                "https://img.example.cn/b.png?a=1&b=2"
            ]
        );
        assert_eq!(
            &body[found[1].span.clone()],
            "//img.example.cn/b.png?a=1&amp;b=2"
        );
        // Another port of the same host is another site.
        assert_eq!(
            find_remote_images("![a](http://127.0.0.1:9000/a.png)", Some("127.0.0.1:8080")).len(),
            1
        );
        assert_eq!(name_from_url("https://a.cn/p/%E5%9B%BE.png?x=1"), "图.png");
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "203.0.113.9",
            "2001:4860:4860::8888",
            "101.1.1.1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_request() {
        let none = Trusted::default();
        let check = |u: &str| check_url(&url::Url::parse(u).unwrap(), false, &none);
        assert!(matches!(
            check("ftp://example.com/a.png"),
            Err(FetchError::Scheme)
        ));
        assert!(matches!(
            check("file:///etc/passwd"),
            Err(FetchError::Scheme)
        ));
        assert!(matches!(
            check("http://127.0.0.1:8080/a.png"),
            Err(FetchError::Private)
        ));
        assert!(matches!(
            check("http://[::1]/a.png"),
            Err(FetchError::Private)
        ));
        assert!(matches!(
            check("http://localhost/a.png"),
            Err(FetchError::Private)
        ));
        assert!(matches!(
            check("http://169.254.169.254/latest"),
            Err(FetchError::Private)
        ));
        assert!(check("https://mmbiz.qpic.cn/a.jpg").is_ok());
        assert!(
            check_url(
                &url::Url::parse("http://127.0.0.1/a.png").unwrap(),
                true,
                &none
            )
            .is_ok()
        );
        // The site an operator crawls is reached wherever it is; other origins stay guarded,
        // another port or scheme of its host included.
        let trusted = Trusted::new(
            [
                "http://10.0.0.5/news/",
                "http://[::1]/",
                "http://intranet.example/",
            ]
            .iter()
            .map(|u| url::Url::parse(u).unwrap().origin())
            .collect(),
        );
        let with = |u: &str| check_url(&url::Url::parse(u).unwrap(), false, &trusted);
        assert!(with("http://10.0.0.5/a.png").is_ok());
        assert!(with("http://10.0.0.5:80/a.png").is_ok());
        assert!(with("http://[::1]/a.png").is_ok());
        assert!(with("http://intranet.example/a.png").is_ok());
        for other in [
            "http://10.0.0.5:8080/admin",
            "https://10.0.0.5/a.png",
            "http://[::1]:6379/",
            "http://intranet.example:8080/admin",
            "https://intranet.example/a.png",
        ] {
            assert!(matches!(with(other), Err(FetchError::Private)), "{other}");
        }
        assert!(matches!(
            with("http://10.0.0.6/a.png"),
            Err(FetchError::Private)
        ));
    }

    #[tokio::test]
    async fn the_resolver_drops_internal_addresses() {
        use reqwest::dns::Resolve;
        use std::str::FromStr;
        // What a public-looking name that resolves to this machine meets at connection time.
        let name = || reqwest::dns::Name::from_str("localhost").unwrap();
        let refused = GuardedResolver {
            allow_private: false,
            trusted: Arc::from(Vec::new()),
        }
        .resolve(name())
        .await;
        assert!(refused.is_err());
        let allowed = GuardedResolver {
            allow_private: true,
            trusted: Arc::from(Vec::new()),
        }
        .resolve(name())
        .await;
        assert!(allowed.is_ok_and(|mut a| a.next().is_some()));
        let trusted = GuardedResolver {
            allow_private: false,
            trusted: Arc::from(vec!["LOCALHOST".to_string()]),
        }
        .resolve(name())
        .await;
        assert!(trusted.is_ok_and(|mut a| a.next().is_some()));
    }
}
