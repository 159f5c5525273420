//! Article writes that keep the search index in step with the store: the one way articles are
//! created, changed, unpublished or deleted by the importer, the demo loader and (later) the
//! newsroom. Each call writes the store first, then reads the article back and updates the index, so
//! the index never holds what the store does not.
//!
//! **Compute first, then write.** Everything derived from a body (its sanitized HTML, its targets)
//! is computed here, on the CPU pool ([`crate::render::pool`]: blocking threads, a permit per
//! core), before the store is called; the store only writes rows, so no user-sized work ever runs
//! while the database's write lock is held.
//!
//! Should the index update fail after the store write (or the process die between the two), the
//! article is safe in the store, and the next start (or `newsdesk check --repair`) finds its index
//! document missing or stale by the article's search stamp and re-indexes it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;

use crate::corrections::{self, Derivation};
use crate::domain::{Article, ArticleCorrections, ArticleInput, ArticleStatus, BodyFormat};
use crate::render::limits::{StructureError, check_output};
use crate::render::pool::{self, PoolError};
use crate::search::{IndexChange, SearchIndex};
use crate::store::{CORRECTIONS_CHANGED, ChangeCursor, Store, StoreError, StoreResult, Upserted};
use crate::targets::{self, DocMeta, Extraction};

/// How long a batch write (import, demo) waits for a free core: batches are not interactive.
const BATCH_WAIT: Duration = Duration::from_secs(600);

/// Why a body could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// It nests past the structure limits; the message names the line.
    #[error(transparent)]
    Structure(#[from] StructureError),
    /// No core was free in time, or the job failed.
    #[error(transparent)]
    Pool(#[from] PoolError),
}

/// A body checked, rendered and read for targets: what a save writes besides the editor's fields.
#[derive(Debug, Clone)]
pub struct PreparedBody {
    /// The sanitized HTML.
    pub html: String,
    /// The document facts, targets and results of its text.
    pub targets: Extraction,
    /// The automatic summary ([`crate::summary::auto_summary`]), used while the editor wrote none.
    pub auto_summary: String,
}

/// Checks, renders and extracts a body on the CPU pool, waiting at most `wait` for a core; `meta`
/// (title, 来源, publish year) helps read the document's type, issuer and years.
pub async fn prepare_body(
    format: BodyFormat,
    source: &str,
    meta: DocMeta,
    wait: Duration,
) -> Result<PreparedBody, BodyError> {
    let source = source.to_string();
    pool::run(wait, move || {
        let html = crate::render::body_html_checked(format, &source)?;
        let targets = targets::extract(&html, &meta.as_meta());
        let auto_summary = crate::summary::auto_summary(&html);
        Ok::<_, StructureError>(PreparedBody {
            html,
            targets,
            auto_summary,
        })
    })
    .await?
    .map_err(BodyError::from)
}

/// Checks and renders a body on the CPU pool (the editor's preview).
pub async fn render_body(
    format: BodyFormat,
    source: &str,
    wait: Duration,
) -> Result<String, BodyError> {
    let source = source.to_string();
    Ok(pool::run(wait, move || {
        crate::render::body_html_checked(format, &source)
    })
    .await??)
}

/// The document facts and figures of an article with already rendered HTML (the importer's and
/// the demo's articles), on the pool.
async fn targets_of(input: &ArticleInput) -> StoreResult<Extraction> {
    let html = input.body_html.clone();
    let meta = DocMeta::of(input);
    pool::run(BATCH_WAIT, move || {
        check_output(&html)?;
        Ok::<_, StructureError>(targets::extract(&html, &meta.as_meta()))
    })
    .await
    .map_err(|e| StoreError::Other(e.into()))?
    .map_err(|e| StoreError::Other(anyhow::anyhow!("body refused: {e}")))
}

/// `found`, extracted from `html`, with an article's `corrections` applied (on the CPU pool: the
/// plain text is read again to anchor added targets). Without corrections, `found` as it is.
pub async fn apply_corrections(
    corrections: ArticleCorrections,
    found: Extraction,
    html: &str,
    wait: Duration,
) -> Result<Extraction, PoolError> {
    if corrections.targets.is_empty() && corrections.document == Default::default() {
        return Ok(found);
    }
    let html = html.to_string();
    pool::run(wait, move || {
        let text = targets::plain_text(&html);
        corrections::apply(found, &text, &corrections).extraction
    })
    .await
}

/// An article's derived rows as they should be now: its stored text read again and its
/// corrections applied, with what the corrections did (the admin's list). Nothing is written.
pub async fn derive(
    store: &dyn Store,
    id: i64,
    wait: Duration,
) -> StoreResult<(Article, Derivation)> {
    let (article, derivation, _) = derive_with(store, id, wait).await?;
    Ok((article, derivation))
}

/// [`derive`], with the corrections it applied.
async fn derive_with(
    store: &dyn Store,
    id: i64,
    wait: Duration,
) -> StoreResult<(Article, Derivation, ArticleCorrections)> {
    use chrono::Datelike;
    let article = store.article_by_id(id).await?;
    let corrections = store.article_corrections(id).await?;
    let html = article.body_html.clone();
    let meta = DocMeta {
        title: Some(article.title.clone()),
        source: article.source.clone(),
        published_year: article
            .published_at
            .and_then(|p| u16::try_from(p.year()).ok()),
    };
    let applied = corrections.clone();
    let derivation = pool::run(wait, move || {
        let text = targets::plain_text(&html);
        let found = targets::extract(&html, &meta.as_meta());
        corrections::apply(found, &text, &corrections)
    })
    .await
    .map_err(|e| StoreError::Other(e.into()))?;
    Ok((article, derivation, applied))
}

/// Derives article `id`'s rows anew ([`derive`]) and writes them: after a correction changed, and
/// for every article in `newsdesk reextract`. Cached pages go out of date with the write.
pub async fn rederive(store: &dyn Store, id: i64) -> StoreResult<Derivation> {
    /// Derivations tried before giving up while other editors keep changing corrections.
    const ATTEMPTS: usize = 5;
    let mut attempt = 1;
    loop {
        let (_, derivation, applied) = derive_with(store, id, BATCH_WAIT).await?;
        match store
            .replace_derived(id, &derivation.extraction, &applied)
            .await
        {
            // Another correction committed meanwhile: derive again with it.
            Err(StoreError::Conflict { what })
                if what.starts_with(CORRECTIONS_CHANGED) && attempt < ATTEMPTS =>
            {
                attempt += 1;
            }
            Err(e) => return Err(e),
            Ok(()) => return Ok(derivation),
        }
    }
}

/// The store and the search index, written together.
#[derive(Clone)]
pub struct Articles {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    /// Held from reading articles to committing them to the index. An article has two index
    /// writers in a server, the request that saved it and the follower of the change log; without
    /// turns, a read made before a publish could commit after the publish's own, and take the
    /// published article out of the index until its next write.
    indexing: Arc<tokio::sync::Mutex<()>>,
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
        Self {
            store,
            index,
            indexing: Arc::default(),
        }
    }

    /// The store, for reads.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The search index, for reads.
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// The ids of the articles these inputs update (by import key) that editors corrected, in
    /// one query for all.
    async fn corrected_ids(&self, inputs: &[ArticleInput]) -> StoreResult<HashMap<String, i64>> {
        let keys: Vec<&str> = inputs
            .iter()
            .filter_map(|i| i.import_key.as_deref())
            .collect();
        Ok(self
            .store
            .corrected_imports(&keys)
            .await?
            .into_iter()
            .collect())
    }

    /// What an import extracted, with the corrections editors made to the article it updates
    /// (by import key, looked up in `corrected`: [`Articles::corrected_ids`]) applied, so a
    /// re-import keeps them.
    async fn corrected_import(
        &self,
        input: &ArticleInput,
        found: Extraction,
        corrected: &HashMap<String, i64>,
    ) -> StoreResult<Extraction> {
        let Some(&id) = input.import_key.as_ref().and_then(|k| corrected.get(k)) else {
            return Ok(found);
        };
        let corrections = self.store.article_corrections(id).await?;
        apply_corrections(corrections, found, &input.body_html, BATCH_WAIT)
            .await
            .map_err(|e| StoreError::Other(e.into()))
    }

    /// Article `id`'s derivation as it would be written now ([`derive`]), for the admin.
    pub async fn derivation(&self, id: i64) -> StoreResult<(Article, Derivation)> {
        derive(self.store.as_ref(), id, pool::SAVE_WAIT).await
    }

    /// Writes article `id`'s derived rows anew ([`rederive`]): after a correction changed.
    pub async fn rederive(&self, id: i64) -> StoreResult<Derivation> {
        rederive(self.store.as_ref(), id).await
    }

    /// Creates or updates an article, then indexes it. Its targets are extracted first, off the
    /// async threads, so the store's transaction only writes.
    pub async fn save(&self, input: &ArticleInput) -> StoreResult<Upserted> {
        let found = targets_of(input).await?;
        let corrected = self.corrected_ids(std::slice::from_ref(input)).await?;
        let found = self.corrected_import(input, found, &corrected).await?;
        let saved = self.store.upsert_article(input, &found).await?;
        self.reindex(&[saved.id()]).await?;
        Ok(saved)
    }

    /// Saves many articles, then indexes all of those saved in one commit (much faster than one
    /// commit per article). Returns each article's outcome in input order.
    pub async fn save_all(&self, inputs: &[ArticleInput]) -> Vec<StoreResult<Upserted>> {
        // Extractions run side by side, as many as the CPU pool has cores (each waits for its
        // core only once started); the writes then go in one transaction.
        // (By index: a stream of references makes the future not `Send` for every lifetime.)
        let corrected = match self.corrected_ids(inputs).await {
            Ok(corrected) => corrected,
            Err(e) => {
                let msg = format!("{e:#}");
                return inputs
                    .iter()
                    .map(|_| Err(StoreError::Other(anyhow::anyhow!("{msg}"))))
                    .collect();
            }
        };
        let corrected = &corrected;
        let found: Vec<StoreResult<Extraction>> = futures::stream::iter(0..inputs.len())
            .map(|i| async move {
                let input = &inputs[i];
                match targets_of(input).await {
                    Ok(found) => self.corrected_import(input, found, corrected).await,
                    Err(e) => Err(e),
                }
            })
            .buffered(pool::capacity())
            .collect()
            .await;
        let ready: Vec<(&ArticleInput, &Extraction)> = inputs
            .iter()
            .zip(&found)
            .filter_map(|(input, found)| found.as_ref().ok().map(|f| (input, f)))
            .collect();
        let mut written = match self.store.upsert_articles(&ready).await {
            Ok(done) => Some(done.into_iter()),
            // One article refused (a slug taken, say) fails the whole transaction: each is then
            // written alone, so the others land and the refused one gets its own error.
            Err(e) => {
                tracing::debug!(error = %e, "batch write failed; writing one by one");
                None
            }
        };
        let mut outcomes = Vec::with_capacity(inputs.len());
        for (input, found) in inputs.iter().zip(found) {
            let outcome = match (found, written.as_mut()) {
                (Err(e), _) => Err(e),
                (Ok(_), Some(done)) => done.next().ok_or_else(|| {
                    StoreError::Other(anyhow::anyhow!(
                        "internal error: no outcome for this article"
                    ))
                }),
                (Ok(found), None) => self.store.upsert_article(input, &found).await,
            };
            outcomes.push(outcome);
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
        let _turn = self.indexing.lock().await;
        self.apply(vec![IndexChange::Delete(id)]).await
    }

    /// Brings the index entries of `ids` in line with the store, a batch at a time so that
    /// thousands of articles (a renamed channel) never sit in memory at once.
    pub async fn reindex(&self, ids: &[i64]) -> StoreResult<()> {
        /// Articles read (in two queries) and committed together.
        const BATCH: usize = 500;
        // Each once: an import may save the same article twice in a chunk.
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for batch in ids.chunks(BATCH) {
            // What is read here is committed before anyone else reads (see `indexing`).
            let _turn = self.indexing.lock().await;
            // Stamps before articles: a document never claims a newer stamp than its content.
            let stamps: HashMap<i64, i64> =
                self.store.search_stamps(batch).await?.into_iter().collect();
            let mut read: HashMap<i64, Article> = self
                .store
                .articles_by_ids(batch)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            // In the order asked; an id no longer in the store leaves the index.
            let changes = batch
                .iter()
                .map(|id| match read.remove(id) {
                    Some(article) => IndexChange::Upsert {
                        stamp: stamps.get(id).copied().unwrap_or(0),
                        article: Box::new(article),
                    },
                    None => IndexChange::Delete(*id),
                })
                .collect();
            self.apply(changes).await?;
        }
        Ok(())
    }

    /// Applies the database's search change log after `cursor` to this process's index and
    /// returns how far it got: how every node's index follows writes made on other nodes (and by
    /// `newsdesk import` beside a server). Each entry names an article whose indexed content
    /// changed; it is re-read and re-indexed as it is now, so applying an entry twice (this
    /// process's own writes, already indexed) is harmless.
    pub async fn follow_changes(&self, mut cursor: ChangeCursor) -> StoreResult<ChangeCursor> {
        /// Entries read at a time.
        const PAGE: u32 = 1000;
        loop {
            let changes = self.store.index_changes(cursor, PAGE).await?;
            let Some(&(last, _)) = changes.last() else {
                return Ok(cursor);
            };
            let mut ids: Vec<i64> = changes.iter().map(|&(_, id)| id).collect();
            ids.sort_unstable();
            ids.dedup();
            self.reindex(&ids).await?;
            cursor = last;
            if changes.len() < PAGE as usize {
                return Ok(cursor);
            }
        }
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
