//! The reading part of the store: what an article page links on to — 上一篇/下一篇 in its channel,
//! and the articles sharing its tags or its channel that fill 相关文章 after the search index's
//! similar articles. Read once per render of a page (pages are cached per content version). A
//! supertrait of [`super::Store`] like the desk's.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{Article, ArticleSummary};

/// Where an article page leads on to.
#[derive(Debug, Clone, Default)]
pub struct ReadingLinks {
    /// 上一篇: the public article of the same channel published just before (ties by id).
    pub previous: Option<ArticleSummary>,
    /// 下一篇: the public article of the same channel published just after.
    pub next: Option<ArticleSummary>,
    /// Public articles sharing tags with it, most shared tags first, then newest.
    pub by_tags: Vec<ArticleSummary>,
    /// The newest other public articles of its channel.
    pub in_channel: Vec<ArticleSummary>,
}

/// The reading operations.
#[async_trait]
pub trait ReadingStore: Send + Sync {
    /// Neighbours and related candidates of `article` (a public article), up to `limit` of each
    /// list, the article itself never among them.
    async fn reading_links(&self, article: &Article, limit: u32) -> StoreResult<ReadingLinks>;
}
