//! Where an imported article came from: the facts its old page stated that have no place among the
//! article's own fields (责任编辑, a government notice's 发布机构 / 文号 / 成文日期, the old address),
//! and the normal form of an old address that the redirects table is keyed by.

use chrono::NaiveDate;
use serde::Serialize;

/// Longest old path (with its query) kept as a redirect; longer ones are not real page addresses.
pub const MAX_REDIRECT_PATH: usize = 2048;

/// An article's origin facts; every field is optional and most articles have none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArticleOrigin {
    /// 责任编辑.
    pub editor: Option<String>,
    /// 发布机构 / 发文机关 of a government notice.
    pub notice_issuer: Option<String>,
    /// 文号 of a government notice, e.g. 合政办〔2024〕3号.
    pub notice_number: Option<String>,
    /// 成文日期 of a government notice.
    pub notice_written_on: Option<NaiveDate>,
    /// The article's address on the old site.
    pub source_url: Option<String>,
}

impl ArticleOrigin {
    /// Whether the notice facts block has anything to show.
    pub fn has_notice(&self) -> bool {
        self.notice_issuer.is_some()
            || self.notice_number.is_some()
            || self.notice_written_on.is_some()
    }
}

/// The redirects table's key for an old address: a full URL (`http://old.cn/a/1.html?x=1`, host
/// dropped), a path (`/a/1.html`) or a request's path and query. The path and query are
/// percent-decoded (as UTF-8, invalid bytes replaced) so `%E6%96%B0` and `新` meet; the fragment
/// goes. `None` for what cannot be an old article's address: no path beyond `/`, a scheme other
/// than http(s), or over [`MAX_REDIRECT_PATH`] bytes.
pub fn redirect_key(address: &str) -> Option<String> {
    let address = address.trim();
    let url = if address.starts_with('/') && !address.starts_with("//") {
        // A path alone: any base will do, the host is dropped.
        url::Url::parse("http://old.invalid/")
            .ok()?
            .join(address)
            .ok()?
    } else {
        let absolute = if address.starts_with("//") {
            format!("http:{address}")
        } else {
            address.to_string()
        };
        url::Url::parse(&absolute).ok()?
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut key = decode(url.path());
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        key.push('?');
        key.push_str(&decode(query));
    }
    (key != "/" && key.len() <= MAX_REDIRECT_PATH).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::redirect_key;

    #[test]
    fn old_addresses_meet_their_requests() {
        let k = |s: &str| redirect_key(s);
        assert_eq!(
            k("http://www.old.cn/a/20240101/123.html").as_deref(),
            Some("/a/20240101/123.html")
        );
        assert_eq!(
            k("https://old.cn/plus/view.php?aid=123#top").as_deref(),
            Some("/plus/view.php?aid=123")
        );
        // The page's URL as written and the request a browser sends for it.
        assert_eq!(
            k("http://old.cn/新闻/通知.html"),
            k("/%E6%96%B0%E9%97%BB/%E9%80%9A%E7%9F%A5.html")
        );
        assert_eq!(k("/news/1.html?").as_deref(), Some("/news/1.html"));
        assert_eq!(k("//old.cn/x.shtml").as_deref(), Some("/x.shtml"));
        assert_eq!(k("http://old.cn/"), None);
        assert_eq!(k("http://old.cn"), None);
        assert_eq!(k("ftp://old.cn/a"), None);
        assert_eq!(k("not a url"), None);
        assert_eq!(k(&format!("/{}", "a".repeat(3000))), None);
    }
}
