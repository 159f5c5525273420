//! The editors' desk's part of the store: 推荐 / 置顶 / 头条 flags and SEO fields of an article, the
//! latest published articles with a flag (for the home page), bulk moves and tags, and each
//! account's default 作者 / 来源. A supertrait of [`super::Store`] like the newsroom's.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{ArticleFlag, ArticleSummary, DeskFields};

/// An account's defaults for new articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDefaults {
    /// 作者 filled into a new article.
    pub author: String,
    /// 来源 filled into a new article.
    pub source: String,
}

/// The desk's operations.
#[async_trait]
pub trait DeskStore: Send + Sync {
    /// An article's flags and SEO fields; `NotFound` if there is no such article.
    async fn article_desk(&self, id: i64) -> StoreResult<DeskFields>;
    /// Replaces an article's flags and SEO fields (part of a save: the version is not bumped
    /// again); `NotFound` if there is no such article.
    async fn set_article_desk(&self, id: i64, desk: &DeskFields) -> StoreResult<()>;
    /// Sets an article's cover image (for content loaded outside the editor, such as the demo);
    /// `NotFound` if there is no such article.
    async fn set_cover_image(&self, id: i64, cover: Option<&str>) -> StoreResult<()>;
    /// The newest public articles carrying `flag`, newest publish time first (partial index).
    async fn latest_flagged(
        &self,
        flag: ArticleFlag,
        limit: u32,
    ) -> StoreResult<Vec<ArticleSummary>>;
    /// Moves the articles (not trashed) to the channel with slug `channel`, bumping each one's
    /// version; returns the ids and titles of those moved. `NotFound` if there is no such
    /// channel.
    async fn move_articles(&self, ids: &[i64], channel: &str) -> StoreResult<Vec<(i64, String)>>;
    /// Adds the tag `tag` (created if new) to the articles (not trashed), bumping each one's
    /// version; returns the ids and titles of those that did not have it yet.
    async fn tag_articles(&self, ids: &[i64], tag: &str) -> StoreResult<Vec<(i64, String)>>;
    /// An account's defaults.
    async fn user_defaults(&self, user_id: i64) -> StoreResult<UserDefaults>;
    /// Replaces an account's defaults; `NotFound` if there is no such account.
    async fn set_user_defaults(&self, user_id: i64, defaults: &UserDefaults) -> StoreResult<()>;
}
