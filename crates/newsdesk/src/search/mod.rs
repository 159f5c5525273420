//! Chinese full-text search: a tantivy index of the public articles, cut into words by jieba.
//!
//! **What is indexed.** Every article whose status is published, including those whose publish time
//! is still ahead; queries only return those whose time has come (`published <= now`), so a
//! scheduled article appears exactly when its page does. Fields: headline (counts most), summary,
//! body text, channel, tags, publish time, and the article's search stamp. The index lives in
//! `index-v2/` in the data folder; a schema change bumps the folder name, so an old index is simply
//! rebuilt (and the old folder removed).
//!
//! **Staying in sync.** The index is written only through [`crate::content::Articles`], which
//! writes the store first and then the index, in that order, for every change. Each write opens a
//! short-lived writer and commits, so a server and an `import` or `reindex` command can take turns;
//! the server's reader reloads after its own commits (a search right after a publish finds the
//! article) and when another process commits.
//!
//! A crash between the store write and the index write (a killed import) leaves the index behind,
//! so every document records the article's *search stamp* ([`Store::search_stamps`]), which the
//! database moves on with every change to what the index holds of the article. At start
//! ([`SearchIndex::open_or_rebuild`]) and in `newsdesk check`, the store's `(id, stamp)` pairs of
//! published articles are compared with the index's ([`IndexDiff`]): missing and stale articles are
//! re-indexed and extra documents deleted, nothing else. An index that is missing, unreadable or cut
//! into words differently (each commit stores [`tokenizer::fingerprint`]; a new word list changes
//! it) is rebuilt from the store, with a log line and never a crash.
//!
//! **Not here:** parsing what readers type ([`query`]), tokenizing ([`tokenizer`]), pages and JSON
//! ([`crate::web::search`]).

mod directory;
pub mod query;
pub mod tokenizer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, BooleanQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocSet, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, TantivyError,
    Term,
};

use crate::domain::{Article, ArticleStatus};
use crate::store::{Store, StoreError};
pub use query::{MAX_QUERY_CHARS, ParsedQuery};

/// Folder of the index inside the data folder; the suffix changes with the schema.
pub const INDEX_DIR: &str = "index-v2";
/// Folders of earlier schemas, removed once this version's index is built.
const OLD_INDEX_DIRS: &[&str] = &["index-v1"];
/// Deepest page a search can ask for: deep pages cost memory and no reader goes there.
pub const MAX_PAGE: u32 = 100;
/// Characters of body text around the matches shown under a result.
const SNIPPET_CHARS: usize = 120;
/// The snippet is chosen from a window of the body around the first place a query word occurs:
/// this many bytes before it (about 50 characters of Chinese) …
const WINDOW_BEFORE: usize = 150;
/// … and this many after (about 400 characters). Only the window is cut into words, which keeps
/// a page of ten long reports fast (cutting whole bodies took most of such a query's time).
const WINDOW_AFTER: usize = 1_200;
/// Memory of the short-lived writer used for single changes (tantivy's minimum per thread).
const SMALL_WRITER_BYTES: usize = 15_000_000;
/// Memory of the writer used for rebuilds, split over its threads.
const BULK_WRITER_BYTES: usize = 200_000_000;
/// Another process (an import, a reindex) may hold the writer lock for a while.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// The index fields.
#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    slug: Field,
    channel: Field,
    published: Field,
    /// The article's search stamp when this document was made from it (fast field only).
    stamp: Field,
    text: query::TextFields,
}

impl Fields {
    fn schema() -> (Schema, Self) {
        let mut b = Schema::builder();
        let words = |length_normalized: bool| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(tokenizer::JIEBA)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(length_normalized);
            TextOptions::default()
                .set_indexing_options(indexing)
                .set_stored()
        };
        let id = b.add_i64_field("id", INDEXED | STORED | FAST);
        let slug = b.add_text_field("slug", STORED);
        let title = b.add_text_field("title", words(true));
        let summary = b.add_text_field("summary", words(true));
        // No length normalization for bodies: a long report that names the words several times is
        // about them at least as much as a brief that names them once in passing.
        let body = b.add_text_field("body", words(false));
        let tags = b.add_text_field("tags", words(true));
        let channel = b.add_text_field("channel", STRING | STORED);
        let channel_name = b.add_text_field("channel_name", words(true));
        let published = b.add_i64_field("published", INDEXED | STORED | FAST);
        let stamp = b.add_i64_field("stamp", FAST);
        (
            b.build(),
            Self {
                id,
                slug,
                channel,
                published,
                stamp,
                text: query::TextFields {
                    title,
                    summary,
                    body,
                    tags,
                    channel_name,
                },
            },
        )
    }
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first.
    Newest,
}

/// A search as the web layer asks for it.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// The parsed text.
    pub text: ParsedQuery,
    /// Only this channel (slug).
    pub channel: Option<String>,
    /// Published at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Published before this time.
    pub until: Option<DateTime<Utc>>,
    /// Order of results.
    pub sort: SortOrder,
    /// 1-based page, at most [`MAX_PAGE`].
    pub page: u32,
    /// Results per page.
    pub per_page: u32,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// Article id.
    pub id: i64,
    /// Article slug.
    pub slug: String,
    /// Headline, plain.
    pub title: String,
    /// Headline as HTML: escaped, matched words in `<mark>`.
    pub title_html: String,
    /// Channel slug.
    pub channel_slug: String,
    /// Channel name.
    pub channel_name: String,
    /// Publish time.
    pub published_at: DateTime<Utc>,
    /// Text around the matches as HTML: escaped, matched words in `<mark>`.
    pub snippet_html: String,
    /// Relevance score (0 when sorted by time).
    pub score: f32,
}

/// A page of results.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// This page's hits.
    pub hits: Vec<SearchHit>,
    /// Matching articles in all.
    pub total: usize,
}

/// Why [`SearchIndex::diff`] failed: the store (a real failure) or the index (rebuild it).
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The store could not be read.
    #[error("reading the store")]
    Store(#[source] StoreError),
    /// The index's documents could not be read.
    #[error("reading the index")]
    Index(#[source] anyhow::Error),
}

/// The search index over the public articles.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    path: PathBuf,
    /// Each recently shown article's similar articles ([`SearchIndex::more_like_this`]) by
    /// [`SimilarKey`]. Any change of the article (a new stamp) or commit to the index (a new
    /// generation) makes a new key: which words tell depends on the other articles too (a word
    /// only this article had is left out, and counts once a second article has it), so an answer
    /// kept past a commit missed the very articles 相关文章 should find.
    similar: quick_cache::sync::Cache<SimilarKey, Arc<[i64]>>,
    /// Each recently shown article's words as the index cuts them, with their counts, by `(id,
    /// search stamp)`: they depend on the article alone, and cutting its lead (jieba) is most of
    /// the search made after a commit (580 of 850 µs for the demo's seed article).
    cut: quick_cache::sync::Cache<(i64, i64), WordCounts, ByBytes>,
}

/// An article's id and search stamp, the searcher's generation and the number of ids asked for.
type SimilarKey = (i64, i64, u64, usize);

/// Articles whose similar articles are kept (about 200 bytes each).
const SIMILAR_KEPT: usize = 4096;

/// Bytes of cut words kept (the demo's seed article has 460 words, ~25 KB; a short one ~5 KB).
const CUT_BYTES: u64 = 4 * 1024 * 1024;

/// An article's words (of [`MIN_WORD_BYTES`] or more) with their counts, in term order.
type WordCounts = Arc<[(Term, u32)]>;

/// Weighs cut words by their bytes.
#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<(i64, i64), WordCounts> for ByBytes {
    fn weight(&self, _: &(i64, i64), counts: &WordCounts) -> u64 {
        counts
            .iter()
            .map(|(term, _)| {
                // The pair, the term's field and type header, and its text.
                let text = term.value().as_str().map_or(8, str::len);
                std::mem::size_of::<(Term, u32)>() + 5 + text
            })
            .sum::<usize>() as u64
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A change to apply to the index.
#[derive(Debug, Clone)]
pub enum IndexChange {
    /// The article as it now is: indexed if published, removed otherwise.
    Upsert {
        /// The article as read from the store.
        article: Box<Article>,
        /// Its search stamp, read before the article (see [`Store::search_stamps`]).
        stamp: i64,
    },
    /// The article no longer exists.
    Delete(i64),
}

/// How the index differs from the store, by `(id, search stamp)`: what
/// [`SearchIndex::open_or_rebuild`] repairs at start and `newsdesk check` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexDiff {
    /// Articles the index should hold (published, whatever their publish time).
    pub stored: usize,
    /// Documents the index holds.
    pub indexed: usize,
    /// Published articles the index lacks: `(id, stamp)`.
    pub missing: Vec<(i64, i64)>,
    /// Articles the index holds as an older version (or twice): `(id, stamp in the store)`.
    pub stale: Vec<(i64, i64)>,
    /// Documents of articles that are not published in the store (deleted, unpublished): ids.
    pub extra: Vec<i64>,
}

impl IndexDiff {
    /// Whether the index holds exactly what the store says it should.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }

    /// Articles to re-index plus documents to delete.
    pub fn len(&self) -> usize {
        self.missing.len() + self.stale.len() + self.extra.len()
    }

    /// Compares the store's `(id, stamp)` pairs with the index's (both in any order).
    fn between(mut stored: Vec<(i64, i64)>, indexed: Vec<(i64, i64)>) -> Self {
        let mut diff = Self {
            stored: stored.len(),
            indexed: indexed.len(),
            ..Self::default()
        };
        // An id indexed twice (`None`) is stale whatever its stamps: re-indexing leaves one.
        let mut in_index: std::collections::HashMap<i64, Option<i64>> =
            std::collections::HashMap::with_capacity(indexed.len());
        for (id, stamp) in indexed {
            in_index
                .entry(id)
                .and_modify(|s| *s = None)
                .or_insert(Some(stamp));
        }
        stored.sort_unstable();
        for (id, stamp) in stored {
            match in_index.remove(&id) {
                None => diff.missing.push((id, stamp)),
                Some(Some(s)) if s == stamp => {}
                Some(_) => diff.stale.push((id, stamp)),
            }
        }
        diff.extra = in_index.into_keys().collect();
        diff.extra.sort_unstable();
        diff
    }
}

impl SearchIndex {
    /// Opens the index in `data_dir`, rebuilding it from `store` when it is missing, unreadable or
    /// out of step with the store, or cut into words by another analyzer (see the module docs).
    pub async fn open_or_rebuild(data_dir: &Path, store: &dyn Store) -> anyhow::Result<Self> {
        let path = data_dir.join(INDEX_DIR);
        let opened = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || Self::open_existing(&path)).await
        };
        let reason = match opened {
            Ok(Ok(Some(index))) => match index.analyzer_mismatch() {
                Some(reason) => reason,
                None => match index.diff(store).await {
                    Ok(diff) => match index.catch_up(store, &diff).await {
                        Ok(()) => return Ok(index),
                        Err(e) => format!("bringing it in step failed: {e:#}"),
                    },
                    Err(DiffError::Store(e)) => return Err(e.into()),
                    Err(DiffError::Index(e)) => format!("its documents cannot be read: {e:#}"),
                },
            },
            Ok(Ok(None)) => String::new(),
            Ok(Err(e)) => format!("it cannot be read: {e:#}"),
            Err(e) => format!("reading it failed: {e}"),
        };
        // A first start simply has no index yet: that is news, not a warning.
        if reason.is_empty() {
            tracing::info!(path = %path.display(), "creating the search index");
        } else {
            tracing::warn!(path = %path.display(), reason, "rebuilding the search index");
        }
        let index = Self::create_empty(&path)?;
        let n = index.rebuild(store, |_| {}).await?;
        tracing::info!(articles = n, "search index rebuilt");
        for old in OLD_INDEX_DIRS {
            let old = data_dir.join(old);
            if old.is_dir() {
                match std::fs::remove_dir_all(&old) {
                    Ok(()) => {
                        tracing::info!(path = %old.display(), "removed an older search index")
                    }
                    Err(e) => tracing::warn!(
                        path = %old.display(), error = %e, "could not remove an older search index"
                    ),
                }
            }
        }
        Ok(index)
    }

    /// Why this index cannot be used by this version's analyzer, if it cannot: each commit
    /// records the analyzer that cut its text.
    pub fn analyzer_mismatch(&self) -> Option<String> {
        let cut_by = self.index.load_metas().ok().and_then(|m| m.payload);
        let cuts_by = tokenizer::fingerprint();
        if cut_by.as_deref() == Some(cuts_by.as_str()) {
            return None;
        }
        let cut_by = cut_by.unwrap_or_else(|| "an unnamed analyzer".into());
        Some(format!(
            "its text was cut by {cut_by}, this version cuts by {cuts_by}"
        ))
    }

    /// Re-indexes what `diff` found missing or stale and deletes its extra documents, with log
    /// lines saying how many (nothing when the index is in step).
    async fn catch_up(&self, store: &dyn Store, diff: &IndexDiff) -> anyhow::Result<()> {
        if diff.is_empty() {
            tracing::debug!(
                articles = diff.stored,
                "search index in step with the store"
            );
            return Ok(());
        }
        tracing::warn!(
            missing = diff.missing.len(),
            stale = diff.stale.len(),
            extra = diff.extra.len(),
            "the search index differs from the store (a write was cut off); bringing it in step"
        );
        let started = std::time::Instant::now();
        self.repair(store, diff, |_| {}).await?;
        tracing::info!(
            reindexed = diff.missing.len() + diff.stale.len(),
            removed = diff.extra.len(),
            duration_ms = started.elapsed().as_millis(),
            "search index in step with the store"
        );
        Ok(())
    }

    /// Compares the index with the store by `(id, search stamp)`: one query of two integer
    /// columns and the index's fast fields, no bodies.
    pub async fn diff(&self, store: &dyn Store) -> Result<IndexDiff, DiffError> {
        // The store first: a write landing between the two reads then shows as stale (and is
        // re-indexed once more), never as in step.
        let stored = store.indexable_stamps().await.map_err(DiffError::Store)?;
        let indexed = self.indexed_stamps().map_err(DiffError::Index)?;
        Ok(IndexDiff::between(stored, indexed))
    }

    /// `(id, stamp)` of every live document.
    fn indexed_stamps(&self) -> anyhow::Result<Vec<(i64, i64)>> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(usize::try_from(searcher.num_docs()).unwrap_or(0));
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let ids = fast.i64("id").context("reading ids")?;
            let stamps = fast.i64("stamp").context("reading stamps")?;
            for doc in segment.doc_ids_alive() {
                let id = ids.first(doc).context("a document without an id")?;
                // No stamp never equals a stored one (those start at 1): the document is stale.
                out.push((id, stamps.first(doc).unwrap_or(-1)));
            }
        }
        Ok(out)
    }

    /// Slugs of indexed articles, for reports (`newsdesk check`): up to one per id given.
    pub fn indexed_slugs(&self, ids: &[i64]) -> anyhow::Result<Vec<(i64, String)>> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let term = TermQuery::new(
                Term::from_field_i64(self.fields.id, id),
                IndexRecordOption::Basic,
            );
            let top = searcher.search(&term, &TopDocs::with_limit(1).order_by_score())?;
            for (_, address) in top {
                let doc: TantivyDocument = searcher.doc(address)?;
                let slug = doc
                    .get_first(self.fields.slug)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                out.push((id, slug.to_string()));
            }
        }
        Ok(out)
    }

    /// Applies `diff` in one commit: the missing and stale articles read again from the store
    /// (500 per batch), the extra documents deleted. `progress` gets the number of articles and
    /// documents handled so far. An article changed since the diff is indexed as it now is, under
    /// the stamp the diff read, so a later check re-indexes it once more rather than trusting it.
    pub async fn repair(
        &self,
        store: &dyn Store,
        diff: &IndexDiff,
        progress: impl Fn(u64),
    ) -> anyhow::Result<()> {
        /// Articles read from the store per round of reads.
        const BATCH: usize = 500;
        if diff.is_empty() {
            return Ok(());
        }
        let writer = if diff.len() > BATCH {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
            self.writer(threads, BULK_WRITER_BYTES)?
        } else {
            self.writer(1, SMALL_WRITER_BYTES)?
        };
        for &id in &diff.extra {
            self.stage(&writer, &IndexChange::Delete(id))?;
        }
        let mut done = diff.extra.len() as u64;
        progress(done);
        let todo: Vec<(i64, i64)> = diff.missing.iter().chain(&diff.stale).copied().collect();
        for batch in todo.chunks(BATCH) {
            let ids: Vec<i64> = batch.iter().map(|&(id, _)| id).collect();
            let mut read: std::collections::HashMap<i64, Article> = store
                .articles_by_ids(&ids)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            for &(id, stamp) in batch {
                let change = match read.remove(&id) {
                    Some(article) => IndexChange::Upsert {
                        article: Box::new(article),
                        stamp,
                    },
                    None => IndexChange::Delete(id),
                };
                self.stage(&writer, &change)?;
            }
            done += batch.len() as u64;
            progress(done);
        }
        self.commit_in_background(writer)
            .await
            .context("committing the repaired index")
    }

    /// Commits `writer`, waits for its merges and reloads the reader, off the async threads.
    async fn commit_in_background(&self, mut writer: IndexWriter) -> anyhow::Result<()> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            commit(&mut writer)?;
            writer.wait_merging_threads()?;
            reader.reload()?;
            Ok(())
        })
        .await
        .context("index commit task")?
    }

    /// An empty index at `path`, replacing whatever was there.
    pub fn create_empty(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            std::fs::remove_dir_all(path)
                .with_context(|| format!("removing the old index {}", path.display()))?;
        }
        std::fs::create_dir_all(path)
            .with_context(|| format!("creating the index folder {}", path.display()))?;
        let (schema, fields) = Fields::schema();
        let index = Index::create(
            directory::IndexDirectory::open(path)?,
            schema,
            tantivy::IndexSettings::default(),
        )
        .with_context(|| format!("creating the index in {}", path.display()))?;
        Self::with_index(index, fields, path)
    }

    /// The index at `path` if there is one and it reads back with our schema (`None` when there
    /// is none). Blocking. It may still have been cut by another analyzer: see
    /// [`SearchIndex::analyzer_mismatch`].
    pub fn open_existing(path: &Path) -> anyhow::Result<Option<Self>> {
        if !path.join("meta.json").exists() {
            return Ok(None);
        }
        let index =
            Index::open(directory::IndexDirectory::open(path)?).context("opening the index")?;
        let (schema, fields) = Fields::schema();
        anyhow::ensure!(index.schema() == schema, "the index has another schema");
        let opened = Self::with_index(index, fields, path)?;
        // Touch every segment's postings and stored documents so corruption shows now, not later
        // in a reader's request.
        let searcher = opened.reader.searcher();
        let all = searcher.search(&AllQuery, &TopDocs::with_limit(1).order_by_score())?;
        for (_, address) in all {
            searcher.doc::<TantivyDocument>(address)?;
        }
        Ok(Some(opened))
    }

    fn with_index(index: Index, fields: Fields, path: &Path) -> anyhow::Result<Self> {
        index
            .tokenizers()
            .register(tokenizer::JIEBA, tokenizer::analyzer());
        // Our own commits reload explicitly; the watcher picks up other processes' commits.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .context("opening an index reader")?;
        Ok(Self {
            index,
            reader,
            fields,
            path: path.to_path_buf(),
            similar: quick_cache::sync::Cache::new(SIMILAR_KEPT),
            cut: quick_cache::sync::Cache::with_weighter(1024, CUT_BYTES, ByBytes),
        })
    }

    /// Where the index lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of indexed articles (including scheduled ones).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Size of the index folder in bytes.
    pub fn size_on_disk(&self) -> u64 {
        std::fs::read_dir(&self.path)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    fn writer(&self, threads: usize, bytes: usize) -> anyhow::Result<IndexWriter> {
        let started = std::time::Instant::now();
        loop {
            match self.index.writer_with_num_threads(threads, bytes) {
                Ok(w) => return Ok(w),
                Err(TantivyError::LockFailure(..)) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e).context("opening the index writer"),
            }
        }
    }

    fn document(&self, a: &Article, stamp: i64) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_i64(f.id, a.id);
        doc.add_i64(f.stamp, stamp);
        doc.add_text(f.slug, &a.slug);
        doc.add_text(f.text.title, &a.title);
        doc.add_text(f.text.summary, &a.summary);
        doc.add_text(f.text.body, plain_text(&a.body_html));
        for tag in &a.tags {
            doc.add_text(f.text.tags, tag);
        }
        doc.add_text(f.channel, &a.channel.slug);
        doc.add_text(f.text.channel_name, &a.channel.name);
        doc.add_i64(
            f.published,
            a.published_at.map_or(i64::MAX, |t| t.timestamp()),
        );
        doc
    }

    fn stage(&self, writer: &IndexWriter, change: &IndexChange) -> anyhow::Result<()> {
        match change {
            IndexChange::Upsert { article, stamp } => {
                writer.delete_term(Term::from_field_i64(self.fields.id, article.id));
                if article.status == ArticleStatus::Published {
                    writer.add_document(self.document(article, *stamp))?;
                }
            }
            IndexChange::Delete(id) => {
                writer.delete_term(Term::from_field_i64(self.fields.id, *id));
            }
        }
        Ok(())
    }

    /// Applies changes in one commit; searches see them when this returns. Blocking.
    pub fn apply(&self, changes: &[IndexChange]) -> anyhow::Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut writer = self.writer(1, SMALL_WRITER_BYTES)?;
        for change in changes {
            self.stage(&writer, change)?;
        }
        commit(&mut writer).context("committing to the index")?;
        writer
            .wait_merging_threads()
            .context("finishing index merges")?;
        self.reader.reload().context("reloading the index reader")?;
        Ok(())
    }

    /// Replaces the whole index with the store's published articles, calling `progress` with the
    /// number indexed so far. Returns how many were indexed.
    pub async fn rebuild(&self, store: &dyn Store, progress: impl Fn(u64)) -> anyhow::Result<u64> {
        /// Articles read from the store per round trip.
        const BATCH: u32 = 500;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        // Stamps before articles, as everywhere (see `Store::search_stamps`); an article that
        // appears after this read gets stamp 0 and is re-indexed by the next check.
        let stamps: std::collections::HashMap<i64, i64> =
            store.indexable_stamps().await?.into_iter().collect();
        let writer = self.writer(threads, BULK_WRITER_BYTES)?;
        writer.delete_all_documents()?;
        let mut after = 0;
        let mut done = 0_u64;
        loop {
            let batch = store.list_indexable(after, BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            for article in &batch {
                let stamp = stamps.get(&article.id).copied().unwrap_or(0);
                writer.add_document(self.document(article, stamp))?;
            }
            done += batch.len() as u64;
            progress(done);
        }
        self.commit_in_background(writer)
            .await
            .context("committing the rebuilt index")?;
        Ok(done)
    }

    /// Runs a search. Blocking: call it from a blocking task.
    pub fn search(&self, q: &SearchQuery) -> anyhow::Result<SearchResults> {
        let Some(text) = q.text.to_query(&self.fields.text) else {
            return Ok(SearchResults::default());
        };
        let f = &self.fields;
        let published = |t: DateTime<Utc>| Term::from_field_i64(f.published, t.timestamp());
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
        // Scheduled articles stay hidden until their time, like their pages.
        let lower = q.from.map_or(std::ops::Bound::Unbounded, |t| {
            std::ops::Bound::Included(published(t))
        });
        let upper = match q.until {
            Some(until) if until <= Utc::now() => std::ops::Bound::Excluded(published(until)),
            _ => std::ops::Bound::Included(published(Utc::now())),
        };
        clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        if let Some(channel) = &q.channel {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.channel, channel),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);

        let page = q.page.clamp(1, MAX_PAGE);
        let per_page = q.per_page.max(1) as usize;
        let offset = (page as usize - 1) * per_page;
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(per_page).and_offset(offset);
        let stats = Statistics {
            searcher: &searcher,
            unnormalized: f.text.body,
        };
        let (total, scored): (usize, Vec<(f32, tantivy::DocAddress)>) = match q.sort {
            SortOrder::Relevance => searcher.search_with_statistics_provider(
                &query,
                &(Count, top.order_by_score()),
                &stats,
            )?,
            SortOrder::Newest => {
                let (total, docs) = searcher.search(
                    &query,
                    &(
                        Count,
                        top.order_by_fast_field::<i64>("published", Order::Desc),
                    ),
                )?;
                (total, docs.into_iter().map(|(_, d)| (0.0, d)).collect())
            }
        };

        let body_snippets = snippet_generator(&searcher, &query, f.text.body, SNIPPET_CHARS)?;
        let summary_snippets = snippet_generator(&searcher, &query, f.text.summary, SNIPPET_CHARS)?;
        let title_snippets = snippet_generator(&searcher, &query, f.text.title, 1_000)?;
        let words: Vec<&str> = q.text.all_words().collect();
        let mut hits = Vec::with_capacity(scored.len());
        for (score, address) in scored {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let title = text(f.text.title);
            let title_html = {
                let s = title_snippets.snippet(&title);
                if s.fragment() == title {
                    highlighted(s)
                } else {
                    escape(&title)
                }
            };
            let body = text(f.text.body);
            let summary = text(f.text.summary);
            let mut snippet = match window(&body, &words) {
                Some(w) => body_snippets.snippet(w),
                None => tantivy::snippet::Snippet::empty(),
            };
            if snippet.highlighted().is_empty() {
                snippet = summary_snippets.snippet(&summary);
            }
            let snippet_html = if snippet.highlighted().is_empty() {
                escape(&summary)
            } else {
                highlighted(snippet)
            };
            let published_at = doc
                .get_first(f.published)
                .and_then(|v| v.as_i64())
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .unwrap_or_default();
            hits.push(SearchHit {
                id: doc.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or(0),
                slug: text(f.slug),
                title,
                title_html,
                channel_slug: text(f.channel),
                channel_name: text(f.text.channel_name),
                published_at,
                snippet_html,
                score,
            });
        }
        Ok(SearchResults { hits, total })
    }
}

/// Characters of the body that describe an article for [`SearchIndex::more_like_this`]: the lead,
/// where news says what it is about. Segmenting a whole long report on every page render would
/// cost milliseconds and add little.
const SIMILAR_BODY_CHARS: usize = 1_500;

/// The texts the index was given for `article` (see `SearchIndex::document`) that describe it
/// for [`SearchIndex::more_like_this`], by field: its headline, tags, summary and lead. Taken from
/// the article the page has read rather than from the stored document: reading stored documents
/// decompresses blocks all over the index and keeps them mapped.
fn lead_texts(f: &Fields, article: &Article) -> Vec<(Field, Vec<String>)> {
    let lead = |s: &str| {
        let end = s
            .char_indices()
            .nth(SIMILAR_BODY_CHARS)
            .map_or(s.len(), |(i, _)| i);
        s[..end].to_string()
    };
    vec![
        (f.text.title, vec![lead(&article.title)]),
        (f.text.tags, article.tags.iter().map(|t| lead(t)).collect()),
        (f.text.summary, vec![lead(&article.summary)]),
        (f.text.body, vec![lead(&plain_text(&article.body_html))]),
    ]
}

/// Shortest word that can tell, in bytes: two CJK characters (or four ASCII letters); single
/// characters (的, 在, 和) say nothing.
const MIN_WORD_BYTES: usize = 4;

/// The words of `fields`' texts as the index cuts them (each field by its own tokenizer), those of
/// [`MIN_WORD_BYTES`] or more, with their counts, in term order.
fn word_counts(index: &Index, fields: &[(Field, Vec<String>)]) -> Vec<(Term, u32)> {
    let tokenizers = index.tokenizers();
    let schema = index.schema();
    let mut frequencies: std::collections::BTreeMap<Term, u32> = Default::default();
    for (field, texts) in fields {
        let Some(mut tokenizer) = (match schema.get_field_entry(*field).field_type() {
            tantivy::schema::FieldType::Str(options) => options
                .get_indexing_options()
                .and_then(|o| tokenizers.get(o.tokenizer())),
            _ => None,
        }) else {
            continue;
        };
        for text in texts {
            let mut stream = tokenizer.token_stream(text);
            while let Some(token) = stream.next() {
                if token.text.len() >= MIN_WORD_BYTES {
                    *frequencies
                        .entry(Term::from_field_text(*field, &token.text))
                        .or_default() += 1;
                }
            }
        }
    }
    frequencies.into_iter().collect()
}

/// Words of a document ([`word_counts`]) that say most about it, with their weights, heaviest
/// first: what tantivy's `MoreLikeThisQuery` picks, made deterministic — tantivy's picks among
/// words of equal weight in hash-map order, so one article got different 相关文章 on every render.
/// Here ties go to the word that sorts first. A word counts when it appears in one other article
/// at least and in at most half of them; it is weighted tf × idf, and the best 24 are kept.
fn telling_words(
    searcher: &tantivy::Searcher,
    counts: &[(Term, u32)],
) -> anyhow::Result<Vec<(f32, Term)>> {
    /// Words asked for.
    const MAX_WORDS: usize = 24;
    let docs = searcher.num_docs();
    let max_docs = (docs / 2).max(2);
    let mut weighted = Vec::new();
    for (term, tf) in counts {
        let df = searcher.doc_freq(term)?;
        if df < 2 || df > max_docs {
            continue;
        }
        // BM25's idf, as tantivy scores.
        let idf = (1.0 + ((docs - df) as f32 + 0.5) / (df as f32 + 0.5)).ln();
        weighted.push((*tf as f32 * idf, term.clone()));
    }
    // Heaviest first; equal weights keep the terms' order, so the choice is stable.
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0));
    weighted.truncate(MAX_WORDS);
    Ok(weighted)
}

/// [`telling_words`] as a query for documents like theirs, each word boosted by its weight;
/// `None` when there are none.
fn telling_words_query(words: &[(f32, Term)]) -> Option<BooleanQuery> {
    let &(best, _) = words.first()?;
    let words = words
        .iter()
        .map(|(weight, term)| {
            let query = TermQuery::new(term.clone(), IndexRecordOption::Basic);
            (
                Occur::Should,
                Box::new(tantivy::query::BoostQuery::new(
                    Box::new(query),
                    weight / best,
                )) as Box<dyn Query>,
            )
        })
        .collect();
    Some(BooleanQuery::new(words))
}

impl SearchIndex {
    /// The ids of up to `limit` articles most like `article` by content (相关文章), most alike
    /// first: its headline, tags, summary and lead (as the index was given them) turned into a
    /// query of its most telling words (tantivy's `MoreLikeThisQuery`, BM25-weighted), the article
    /// itself left out. Not filtered by time, so the answer can be kept while time passes: the
    /// index holds published articles only (a scheduled one joins when due, in a commit), and the
    /// store leaves out one dated in the future. Empty when the article is not indexed. Blocking:
    /// call it from a blocking task, after [`Self::kept_like_this`].
    pub fn more_like_this(&self, article: &Article, limit: usize) -> anyhow::Result<Vec<i64>> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let Some(key) = self.similar_key(&searcher, article.id, limit)? else {
            return Ok(Vec::new());
        };
        if let Some(kept) = self.similar.get(&key) {
            return Ok(kept.to_vec());
        }
        let counts = match self.cut.get(&(key.0, key.1)) {
            Some(counts) => counts,
            None => {
                let counts: WordCounts = word_counts(&self.index, &lead_texts(f, article)).into();
                self.cut.insert((key.0, key.1), counts.clone());
                counts
            }
        };
        let words = telling_words(&searcher, &counts)?;
        // No telling words at all (an empty article): nothing is like it.
        let mut out = Vec::with_capacity(limit);
        if let Some(similar) = telling_words_query(&words) {
            let own = Term::from_field_i64(f.id, article.id);
            let query = BooleanQuery::new(vec![
                (Occur::Must, Box::new(similar) as Box<dyn Query>),
                (
                    Occur::MustNot,
                    Box::new(TermQuery::new(own, IndexRecordOption::Basic)),
                ),
            ]);
            let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
            // Ids from the fast field, not the stored documents: the store gives the page their
            // titles and addresses (and says whether they are public).
            for (_, address) in top {
                let ids = searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .i64("id")
                    .context("reading ids")?;
                if let Some(id) = ids.first(address.doc_id) {
                    out.push(id);
                }
            }
        }
        self.similar.insert(key, out.as_slice().into());
        Ok(out)
    }

    /// [`Self::more_like_this`]'s answer for article `id` if it is kept: one lookup of the
    /// article's entry, cheap enough for the request's thread. `None` when not kept (or on an
    /// error, which `more_like_this` then reports).
    pub fn kept_like_this(&self, id: i64, limit: usize) -> Option<Vec<i64>> {
        let searcher = self.reader.searcher();
        let key = self.similar_key(&searcher, id, limit).ok()??;
        self.similar.get(&key).map(|kept| kept.to_vec())
    }

    /// The [`SimilarKey`] of article `id` in `searcher`; `None` when it is not indexed.
    fn similar_key(
        &self,
        searcher: &tantivy::Searcher,
        id: i64,
        limit: usize,
    ) -> anyhow::Result<Option<SimilarKey>> {
        // The id's postings read directly, segment by segment: a scored search for one term
        // (weights, statistics, a collector per segment) cost more than the rest of the lookup.
        let own = Term::from_field_i64(self.fields.id, id);
        for segment in searcher.segment_readers() {
            let postings = segment
                .inverted_index(self.fields.id)?
                .read_postings(&own, IndexRecordOption::Basic)?;
            let Some(mut postings) = postings else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED && segment.is_deleted(doc) {
                doc = postings.advance();
            }
            if doc == tantivy::TERMINATED {
                continue;
            }
            let stamp = segment
                .fast_fields()
                .i64("stamp")
                .context("reading stamps")?
                .first(doc)
                .unwrap_or(-1);
            let generation = searcher.generation().generation_id();
            return Ok(Some((id, stamp, generation, limit)));
        }
        Ok(None)
    }
}

/// The index's BM25 statistics, except that a field indexed without length norms reports an
/// average length of 1. Tantivy gives such a field the constant length 1 but still divides by the
/// true average (≈ 2,000 words for bodies), which makes term frequency saturate at once: a report
/// naming the words twice scored like a brief naming them once in passing. With the average at 1
/// too, the body is scored by plain BM25 without length normalization (k1 = 1.2, b = 0): each
/// further mention counts, with diminishing returns.
struct Statistics<'a> {
    searcher: &'a tantivy::Searcher,
    unnormalized: Field,
}

impl Bm25StatisticsProvider for Statistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if field == self.unnormalized {
            return self.searcher.total_num_docs();
        }
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.searcher.doc_freq(term)
    }
}

/// Commits with the analyzer's fingerprint as the payload, so a later start can tell whether the
/// index was cut the way this version cuts (see [`SearchIndex::open_or_rebuild`]).
fn commit(writer: &mut IndexWriter) -> tantivy::Result<()> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&tokenizer::fingerprint());
    prepared.commit()?;
    Ok(())
}

fn snippet_generator(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    field: Field,
    chars: usize,
) -> anyhow::Result<SnippetGenerator> {
    let mut g = SnippetGenerator::create(searcher, query, field)?;
    g.set_max_num_chars(chars);
    Ok(g)
}

/// The snippet as HTML with `<mark>` around matches; tantivy escapes the text itself.
fn highlighted(mut snippet: tantivy::snippet::Snippet) -> String {
    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
    snippet.to_html()
}

/// HTML-escapes text that is shown without highlights.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The stretch of `text` around the first occurrence of any of `words` (lower-cased query words),
/// or `None` when none occurs. A plain substring search finds them: a matched word is its
/// characters in a row, however the text around it was cut. ASCII letters are compared without
/// case (folding ASCII keeps byte offsets; the index lower-cases all letters, so a rare non-ASCII
/// capital only loses its highlight, never its result).
fn window<'a>(text: &'a str, words: &[&str]) -> Option<&'a str> {
    let folded;
    let haystack = if words
        .iter()
        .any(|w| w.bytes().any(|b| b.is_ascii_alphabetic()))
    {
        folded = text.to_ascii_lowercase();
        folded.as_str()
    } else {
        text
    };
    let first = words
        .iter()
        .filter(|w| !w.is_empty())
        .filter_map(|w| haystack.find(w))
        .min()?;
    let start = floor_char_boundary(text, first.saturating_sub(WINDOW_BEFORE));
    let end = floor_char_boundary(text, first.saturating_add(WINDOW_AFTER));
    Some(&text[start..end])
}

/// The largest character boundary of `text` at or before `at` (its length if `at` is past it).
fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut at = at;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The text of sanitized body HTML: tags dropped (block ends become line breaks), the entities
/// ammonia writes decoded. Not a general HTML parser: it only reads our own sanitized output.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut out, &rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = &after[1..gt];
        if tag.starts_with('/') || tag.starts_with("br") {
            out.push('\n');
        }
        rest = &after[gt + 1..];
    }
    push_decoded(&mut out, rest);
    out
}

fn push_decoded(out: &mut String, text: &str) {
    if !text.contains('&') {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let entity = after.find(';').map(|end| &after[..=end]);
        let (decoded, len) = match entity {
            Some("&amp;") => ("&", 5),
            Some("&lt;") => ("<", 4),
            Some("&gt;") => (">", 4),
            Some("&quot;") => ("\"", 6),
            Some("&#39;") => ("'", 5),
            Some("&nbsp;") => (" ", 6),
            _ => ("&", 1),
        };
        out.push_str(decoded);
        rest = &after[len..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BodyFormat, Channel};

    #[test]
    fn diff_finds_missing_stale_extra_and_twice_indexed() {
        let stored = vec![(5, 1), (1, 3), (2, 2), (3, 7), (4, 1)];
        let indexed = vec![(2, 2), (1, 2), (9, 1), (4, 1), (4, 1), (3, 8)];
        let diff = IndexDiff::between(stored, indexed);
        assert_eq!(diff.missing, vec![(5, 1)]);
        assert_eq!(diff.stale, vec![(1, 3), (3, 7), (4, 1)]);
        assert_eq!(diff.extra, vec![9]);
        assert_eq!((diff.stored, diff.indexed, diff.len()), (5, 6, 5));
        assert!(IndexDiff::between(vec![(1, 1)], vec![(1, 1)]).is_empty());
    }

    /// A small index of a few articles, shared by the property cases.
    fn small_index() -> &'static SearchIndex {
        static INDEX: std::sync::OnceLock<(tempfile::TempDir, SearchIndex)> =
            std::sync::OnceLock::new();
        &INDEX
            .get_or_init(|| {
                let dir = tempfile::tempdir().unwrap();
                let index = SearchIndex::create_empty(&dir.path().join(INDEX_DIR)).unwrap();
                let bodies = [
                    "<p>合肥新能源汽车产量突破百万辆，充换电网络建设提速。</p>",
                    "<p>储能电站 AND 光伏 \"示范\" 项目 title:并网 😀</p>",
                    "<h2>二、安排</h2><p>钠离子电池 &amp; 氢能 &lt;重卡&gt;</p>",
                ];
                let changes: Vec<IndexChange> = (0_i64..)
                    .zip(bodies)
                    .map(|(id, body)| IndexChange::Upsert {
                        article: Box::new(Article {
                            id,
                            slug: format!("a-{id}"),
                            title: format!("新能源报道{id}"),
                            author: None,
                            source: None,
                            channel: Channel {
                                id: 1,
                                name: "储能".into(),
                                slug: "storage".into(),
                                position: 0,
                                ..Channel::default()
                            },
                            tags: vec!["充电桩".into()],
                            summary: "摘要".into(),
                            summary_auto: true,
                            body_format: BodyFormat::Html,
                            body_source: body.into(),
                            body_html: body.into(),
                            status: ArticleStatus::Published,
                            published_at: Some(Utc::now() - chrono::TimeDelta::hours(1)),
                            views: 0,
                            cover_image: None,
                            created_at: Utc::now(),
                            updated_at: Utc::now(),
                        }),
                        stamp: 1,
                    })
                    .collect();
                index.apply(&changes).unwrap();
                (dir, index)
            })
            .1
    }

    #[test]
    fn similar_articles_are_the_same_on_every_call() {
        // Many words of equal weight: which of them make the query must not depend on hash order.
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::create_empty(&dir.path().join(INDEX_DIR)).unwrap();
        // 60 words, each in 10 of the 20 articles; the first article's 30 all weigh the same.
        let words: Vec<String> = (0..60).map(|k| format!("term{k:02}x")).collect();
        let changes: Vec<IndexChange> = (0_i64..20)
            .map(|id| {
                // Each article shares a different run of words with the first one.
                let body: String = (0..30)
                    .map(|k| words[(id as usize * 3 + k) % words.len()].as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let body = format!("<p>{body}。</p>");
                IndexChange::Upsert {
                    article: Box::new(Article {
                        id,
                        slug: format!("a-{id}"),
                        title: format!("报道{id}"),
                        author: None,
                        source: None,
                        channel: Channel::default(),
                        tags: Vec::new(),
                        summary: String::new(),
                        summary_auto: true,
                        body_format: BodyFormat::Html,
                        body_source: body.clone(),
                        body_html: body,
                        status: ArticleStatus::Published,
                        published_at: Some(Utc::now() - chrono::TimeDelta::hours(1)),
                        views: 0,
                        cover_image: None,
                        created_at: Utc::now(),
                        updated_at: Utc::now(),
                    }),
                    stamp: 1,
                }
            })
            .collect();
        index.apply(&changes).unwrap();
        let article = |n: usize, changes: &[IndexChange]| {
            let IndexChange::Upsert { article, .. } = &changes[n] else {
                unreachable!()
            };
            article.clone()
        };
        let first = index.more_like_this(&article(0, &changes), 5).unwrap();
        assert_eq!(first.len(), 5, "{first:?}");
        assert!(first.iter().all(|id| *id != 0), "never the article itself");
        for _ in 0..30 {
            // Chosen anew each time, not taken from the kept words.
            index.similar.clear();
            index.cut.clear();
            assert_eq!(
                index.more_like_this(&article(0, &changes), 5).unwrap(),
                first
            );
        }

        // The kept words follow the article: rewritten (a new stamp) with words only article 7
        // shares, it is most like article 7.
        assert_ne!(first[0], 7, "{first:?}");
        let rewrite = |n: usize, extra: &str| {
            let IndexChange::Upsert { article, .. } = &changes[n] else {
                unreachable!()
            };
            let mut article = article.clone();
            article.body_html = format!("<p>{extra}</p>{}", article.body_html);
            IndexChange::Upsert { article, stamp: 2 }
        };
        let shared = "独有词语甲 独有词语乙 独有词语丙";
        let mut zero = rewrite(0, shared);
        if let IndexChange::Upsert { article, .. } = &mut zero {
            article.body_html = format!("<p>{shared}</p>");
        }
        let rewritten = [zero, rewrite(7, shared)];
        index.apply(&rewritten).unwrap();
        assert_eq!(
            index.more_like_this(&article(0, &rewritten), 5).unwrap()[0],
            7
        );

        // And they follow the other articles: words only this article has do not tell, until an
        // article with them is published (a commit, not a change of this article).
        let lone = "<p>solitaryqx solitaryzk solitarywv</p>";
        let mut zero = article(0, &rewritten);
        zero.body_html = lone.to_string();
        index
            .apply(&[IndexChange::Upsert {
                article: zero.clone(),
                stamp: 3,
            }])
            .unwrap();
        assert!(index.more_like_this(&zero, 5).unwrap().is_empty());
        let mut twin = article(1, &rewritten);
        (twin.id, twin.slug, twin.body_html) = (30, "a-30".into(), lone.to_string());
        index
            .apply(&[IndexChange::Upsert {
                article: twin,
                stamp: 1,
            }])
            .unwrap();
        assert_eq!(index.more_like_this(&zero, 5).unwrap(), [30]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 64,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn any_query_runs_on_an_index(input in query::tests::any_query(), page in 0_u32..200) {
            let index = small_index();
            for sort in [SortOrder::Relevance, SortOrder::Newest] {
                let q = SearchQuery {
                    text: ParsedQuery::parse(&input),
                    channel: Some("storage".into()),
                    from: None,
                    until: None,
                    sort,
                    page,
                    per_page: 10,
                };
                let results = index.search(&q);
                proptest::prop_assert!(results.is_ok(), "{input:?}: {results:?}");
            }
        }
    }

    #[test]
    fn plain_text_of_sanitized_html() {
        let text = plain_text("<h2>二、安排</h2><p>A &amp; B &lt;C&gt;</p><ol><li>一</li></ol>");
        assert_eq!(text, "二、安排\nA & B <C>\n一\n\n");
    }

    #[test]
    fn escape_and_cut() {
        assert_eq!(escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
        assert_eq!(floor_char_boundary("新能源", 4), 3);
        assert_eq!(floor_char_boundary("新能源", 40), 9);
    }

    #[test]
    fn snippet_window_starts_near_the_first_match() {
        let filler = "各地区各部门认真贯彻落实。".repeat(100);
        let text = format!("{filler}推广NEV与储能电站。{filler}");
        let w = window(&text, &["储能", "nev"]).unwrap();
        assert!(w.contains("推广NEV与储能电站"), "{w}");
        assert!(w.len() <= WINDOW_BEFORE + WINDOW_AFTER);
        assert!(text.len() > 3 * w.len());
        assert_eq!(window(&text, &["光伏"]), None);
        // At the very start and end, and never inside a character.
        assert!(window("储能", &["储能"]).is_some());
        assert_eq!(window(&text, &["落实"]).unwrap().chars().next(), Some('各'));
    }
}
