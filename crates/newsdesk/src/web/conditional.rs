//! Conditional GET for generated documents (feeds, sitemaps): an `ETag` from the body and a
//! `Last-Modified` from the content, so feed readers and crawlers polling every few minutes get a
//! bodyless 304 when nothing changed.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// How long shared caches and readers may reuse a document without asking again.
pub(crate) const CACHE_CONTROL: &str = "public, max-age=300";

/// `body` as `content_type`, or 304 Not Modified when the request's validators still match.
pub fn respond(
    request: &HeaderMap,
    content_type: &'static str,
    body: String,
    last_modified: Option<DateTime<Utc>>,
) -> Response {
    let etag = etag_of([body.as_bytes()]);
    let last_modified = last_modified.map(http_date);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if let Some(v) = last_modified
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if not_modified(request, &etag, last_modified.as_deref()) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    (headers, body).into_response()
}

/// A strong `ETag` of a document given as consecutive parts: 80 bits of its SHA-256.
pub(crate) fn etag_of<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    std::iter::once("\"".to_string())
        .chain(digest.iter().take(10).map(|b| format!("{b:02x}")))
        .chain(std::iter::once("\"".to_string()))
        .collect()
}

/// `t` as an HTTP date (`Last-Modified`).
pub(crate) fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// RFC 9110 §13.2.2: `If-None-Match` decides when present; otherwise `If-Modified-Since`.
pub(crate) fn not_modified(request: &HeaderMap, etag: &str, last_modified: Option<&str>) -> bool {
    if let Some(inm) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    let (Some(since), Some(modified)) = (
        request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok()),
        last_modified.and_then(|v| DateTime::parse_from_rfc2822(v).ok()),
    ) else {
        return false;
    };
    modified <= since
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn validators_decide_304() {
        let lm = Some("Thu, 08 Feb 2024 02:21:00 GMT");
        assert!(not_modified(
            &with(header::IF_NONE_MATCH, "\"a\", W/\"b\""),
            "\"b\"",
            lm
        ));
        assert!(!not_modified(
            &with(header::IF_NONE_MATCH, "\"a\""),
            "\"b\"",
            lm
        ));
        let since = |v| with(header::IF_MODIFIED_SINCE, v);
        assert!(not_modified(
            &since("Thu, 08 Feb 2024 02:21:00 GMT"),
            "\"b\"",
            lm
        ));
        assert!(!not_modified(
            &since("Thu, 08 Feb 2024 02:20:59 GMT"),
            "\"b\"",
            lm
        ));
        assert!(!not_modified(&since("garbage"), "\"b\"", lm));
        assert!(!not_modified(&HeaderMap::new(), "\"b\"", lm));
    }
}
