//! Article writes that keep the search index in step with the store: the one way articles are
//! created, changed, unpublished or deleted by the importer, the demo loader and (later) the
//! newsroom. Each call writes the store first, then reads the article back and updates the index, so
//! the index never holds what the store does not.
//!
//! Should the index update fail after the store write (or the process die between the two), the
//! article is safe in the store, and the next start (or `newsdesk check --repair`) finds its index
//! document missing or stale by the article's search stamp and re-indexes it.

use std::sync::Arc;

use anyhow::Context;

use crate::domain::{ArticleInput, ArticleStatus};
use crate::search::{IndexChange, SearchIndex};
use crate::store::{Store, StoreError, StoreResult, Upserted};

/// The store and the search index, written together.
#[derive(Clone)]
pub struct Articles {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
}

impl std::fmt::Debug for Articles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Articles")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Articles {
    /// Writes through `store` and `index`.
    pub fn new(store: Arc<dyn Store>, index: Arc<SearchIndex>) -> Self {
        Self { store, index }
    }

    /// The store, for reads.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The search index, for reads.
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Creates or updates an article, then indexes it.
    pub async fn save(&self, input: &ArticleInput) -> StoreResult<Upserted> {
        let saved = self.store.upsert_article(input).await?;
        self.reindex(&[saved.id()]).await?;
        Ok(saved)
    }

    /// Saves many articles, then indexes all of those saved in one commit (much faster than one
    /// commit per article). Returns each article's outcome in input order.
    pub async fn save_all(&self, inputs: &[ArticleInput]) -> Vec<StoreResult<Upserted>> {
        let mut outcomes = Vec::with_capacity(inputs.len());
        for input in inputs {
            outcomes.push(self.store.upsert_article(input).await);
        }
        let ids: Vec<i64> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok().map(|u| u.id()))
            .collect();
        if let Err(e) = self.reindex(&ids).await {
            let msg = format!("{e:#}");
            for outcome in &mut outcomes {
                if outcome.is_ok() {
                    *outcome = Err(StoreError::Other(anyhow::anyhow!(
                        "stored, but the search index was not updated: {msg}"
                    )));
                }
            }
        }
        outcomes
    }

    /// Changes an article's status; unpublished articles leave the index at once.
    pub async fn set_status(&self, id: i64, status: ArticleStatus) -> StoreResult<()> {
        self.store.set_status(id, status).await?;
        self.reindex(&[id]).await
    }

    /// Deletes an article from the store and the index.
    pub async fn delete(&self, id: i64) -> StoreResult<()> {
        self.store.delete_article(id).await?;
        self.apply(vec![IndexChange::Delete(id)]).await
    }

    /// Brings the index entries of `ids` in line with the store, a batch at a time so that
    /// thousands of articles (a renamed channel) never sit in memory at once.
    pub async fn reindex(&self, ids: &[i64]) -> StoreResult<()> {
        /// Articles read and committed together.
        const BATCH: usize = 500;
        for batch in ids.chunks(BATCH) {
            // Stamps before articles: a document never claims a newer stamp than its content.
            let stamps: std::collections::HashMap<i64, i64> =
                self.store.search_stamps(batch).await?.into_iter().collect();
            let mut changes = Vec::with_capacity(batch.len());
            for &id in batch {
                changes.push(match self.store.article_by_id(id).await {
                    Ok(article) => IndexChange::Upsert {
                        article: Box::new(article),
                        stamp: stamps.get(&id).copied().unwrap_or(0),
                    },
                    Err(StoreError::NotFound) => IndexChange::Delete(id),
                    Err(e) => return Err(e),
                });
            }
            self.apply(changes).await?;
        }
        Ok(())
    }

    /// [`Articles::reindex`] in a task of its own, awaited: if the request that asked for it is
    /// cancelled (a client gone, a timeout on a large channel), the index still catches up with
    /// the store write that already happened.
    pub async fn reindex_detached(&self, ids: Vec<i64>) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let articles = self.clone();
        tokio::spawn(async move { articles.reindex(&ids).await })
            .await
            .context("reindex task")
            .map_err(StoreError::Other)?
    }

    async fn apply(&self, changes: Vec<IndexChange>) -> StoreResult<()> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.apply(&changes))
            .await
            .context("search index task")
            .and_then(|r| r)
            .context("updating the search index")
            .map_err(StoreError::Other)
    }
}
