//! Origin facts of imported articles and the redirects from their old addresses: a supertrait of
//! [`super::Store`] like the desk's. Keys of the redirects table are
//! [`crate::domain::redirect_key`]s, made here from whatever address the caller has, so a write
//! and a lookup always agree on the form.

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::FromRow;

use super::StoreResult;
use crate::domain::ArticleOrigin;

/// The origin operations.
#[async_trait]
pub trait OriginStore: Send + Sync {
    /// Replaces article `id`'s origin facts (`NotFound` if there is no such article).
    async fn set_article_origin(&self, id: i64, origin: &ArticleOrigin) -> StoreResult<()>;
    /// Article `id`'s origin facts (all `None` for an article that has none).
    async fn article_origin(&self, id: i64) -> StoreResult<ArticleOrigin>;
    /// Makes the old address `address` (URL or path, see [`crate::domain::redirect_key`]) lead to
    /// article `article_id`; an address already leading to another article now leads here (a
    /// later import wins). Returns false, writing nothing, for an address that cannot be an old
    /// page's, or one a channel already claims (the first kind keeps it: an article's old page
    /// never takes over a list page's address, nor the reverse). `NotFound`: no such article.
    async fn add_redirect(&self, address: &str, article_id: i64) -> StoreResult<bool>;
    /// Makes the old address `address` lead to channel `channel_id` (an old list page), like
    /// [`Self::add_redirect`]: another channel's address is taken over, an article's is not
    /// (false, nothing written). `NotFound`: no such channel.
    async fn add_channel_redirect(&self, address: &str, channel_id: i64) -> StoreResult<bool>;
    /// Where the old address `address` leads now, as our path (`/articles/{slug}` or
    /// `/channels/{slug}`, the slug percent-encoded), if anywhere: an article's only while it
    /// is public (not a draft, not trashed), a channel's while it exists.
    async fn redirect_for(&self, address: &str) -> StoreResult<Option<String>>;
}

/// A redirect's target as read by `redirect_for`'s query: the public article's slug or the
/// channel's (the other `None`).
#[derive(FromRow)]
pub(super) struct RedirectRow {
    article: Option<String>,
    channel: Option<String>,
}

impl RedirectRow {
    /// Our path for it; `None` when its article is not public.
    pub(super) fn path(self) -> Option<String> {
        const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let (prefix, slug) = match (self.article, self.channel) {
            (Some(slug), _) => ("/articles/", slug),
            (None, Some(slug)) => ("/channels/", slug),
            (None, None) => return None,
        };
        Some(format!(
            "{prefix}{}",
            percent_encoding::utf8_percent_encode(&slug, SEGMENT)
        ))
    }
}

/// The origin columns of `articles`, in [`OriginRow`]'s order.
pub(super) const ORIGIN_COLUMNS: &str =
    "editor, notice_issuer, notice_number, notice_written_on, source_url";

#[derive(FromRow)]
pub(super) struct OriginRow {
    editor: Option<String>,
    notice_issuer: Option<String>,
    notice_number: Option<String>,
    notice_written_on: Option<NaiveDate>,
    source_url: Option<String>,
}

impl From<OriginRow> for ArticleOrigin {
    fn from(r: OriginRow) -> Self {
        Self {
            editor: r.editor,
            notice_issuer: r.notice_issuer,
            notice_number: r.notice_number,
            notice_written_on: r.notice_written_on,
            source_url: r.source_url,
        }
    }
}

/// Empty strings stored as NULL, so "no editor" has one form.
pub(super) fn clean(origin: &ArticleOrigin) -> ArticleOrigin {
    let f = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    ArticleOrigin {
        editor: f(&origin.editor),
        notice_issuer: f(&origin.notice_issuer),
        notice_number: f(&origin.notice_number),
        notice_written_on: origin.notice_written_on,
        source_url: f(&origin.source_url),
    }
}
