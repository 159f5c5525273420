//! The search index's change log (`index_changes`) as the store reads it, on whichever backend the
//! run uses: a node that takes the head and then follows the log sees every later write, and on
//! PostgreSQL a change of a transaction that commits after a later one is never skipped.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat};
use newsdesk::store::{ChangeCursor, Store};

use crate::support::{on_postgres, open_store_at};

fn input(slug: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: format!("变更日志测试 {slug}"),
        author: None,
        source: None,
        channel_slug: "news".into(),
        tags: vec!["变更".into()],
        summary: String::new(),
        summary_auto: true,
        body_format: BodyFormat::Html,
        body_source: "<p>正文</p>".into(),
        body_html: "<p>正文</p>".into(),
        status: ArticleStatus::Published,
        published_at: Some(Utc::now() - TimeDelta::hours(1)),
        views: 0,
        import_key: Some(slug.into()),
    }
}

async fn write(store: &Arc<dyn Store>, slug: &str) -> i64 {
    store
        .upsert_article(&input(slug), &Default::default())
        .await
        .unwrap()
        .id()
}

/// The log after `after`, all of it.
async fn changes(store: &Arc<dyn Store>, after: ChangeCursor) -> Vec<(ChangeCursor, i64)> {
    store.index_changes(after, 10_000).await.unwrap()
}

/// The log after `after` once it holds every one of `ids`. On PostgreSQL any transaction running
/// anywhere on the cluster holds entries back until it ends, so this waits (at most a minute,
/// against hangs) instead of reading once.
async fn changes_with(
    store: &Arc<dyn Store>,
    after: ChangeCursor,
    ids: &[i64],
) -> Vec<(ChangeCursor, i64)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let found = changes(store, after).await;
        if ids.iter().all(|id| found.iter().any(|(_, a)| a == id)) {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "changes of {ids:?} never showed up after {after:?}: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_write_after_the_head_is_in_the_log_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store_at(dir.path()).await;
    store.upsert_channel("要闻", "news", 0).await.unwrap();
    let before = write(&store, "before-head").await;
    // Everything committed before the head is at or before it.
    let first = changes_with(&store, ChangeCursor::default(), &[before]).await;
    let head = store.index_change_head().await.unwrap();
    assert!(
        first.iter().all(|(at, _)| *at <= head),
        "{first:?} after {head:?}"
    );
    assert!(changes(&store, head).await.is_empty());

    let after = write(&store, "after-head").await;
    let later = changes_with(&store, head, &[after]).await;
    assert!(later.iter().all(|(at, id)| *at > head && *id == after));
    // Positions move on, and reading on from the last one gives nothing new.
    assert!(later.windows(2).all(|w| w[0].0 < w[1].0));
    let last = later.last().unwrap().0;
    assert!(changes(&store, last).await.is_empty());
}

#[tokio::test]
async fn a_change_committed_late_is_not_skipped() {
    if !on_postgres() {
        // SQLite commits one writer at a time: no transaction commits behind a later one.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = open_store_at(dir.path()).await;
    store.upsert_channel("要闻", "news", 0).await.unwrap();
    let slow = write(&store, "slow").await;
    let fast = write(&store, "fast").await;
    changes_with(&store, ChangeCursor::default(), &[slow, fast]).await;
    let head = store.index_change_head().await.unwrap();

    let newsdesk::store::Database::Postgres(url) = crate::support::database_of(dir.path()) else {
        panic!("a PostgreSQL run without a database URL");
    };
    let direct = sqlx::PgPool::connect(&url).await.unwrap();
    // The slow writer takes its transaction id first (here as any first write would; its
    // article change itself would hold the content-version row and make the other writer wait).
    let mut open = direct.begin().await.unwrap();
    let slow_xid: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint")
        .fetch_one(&mut *open)
        .await
        .unwrap();
    // A later transaction commits meanwhile; then the slow one changes its article, still open.
    store.set_status(fast, ArticleStatus::Draft).await.unwrap();
    sqlx::query("UPDATE articles SET title = title || '（更新）' WHERE id = $1")
        .bind(slow)
        .execute(&mut *open)
        .await
        .unwrap();

    let seen = changes(&store, head).await;
    assert!(
        seen.iter().all(|(_, id)| *id != slow),
        "the open transaction's change was read: {seen:?}"
    );
    assert!(
        seen.iter().all(|(at, _)| at.xid < slow_xid),
        "the log moved past the open transaction ({slow_xid}): {seen:?}"
    );
    let cursor = seen.last().map_or(head, |(at, _)| *at);

    open.commit().await.unwrap();
    let after = changes_with(&store, cursor, &[slow, fast]).await;
    let position = |id: i64| after.iter().position(|(_, a)| *a == id).unwrap();
    assert!(
        position(slow) < position(fast),
        "changes are read in transaction order: {after:?}"
    );
    direct.close().await;
}

/// Cached pages live as long as the content version stands still, so only a write that changes
/// content may move it: the scheduler asks every 2 seconds for due articles, and on PostgreSQL
/// that empty UPDATE moved the version, re-rendering every cached page on every node.
#[tokio::test]
async fn only_writes_that_change_content_move_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store_at(dir.path()).await;
    store.upsert_channel("要闻", "news", 0).await.unwrap();
    let id = write(&store, "version-still").await;
    store.sync_content_version().await.unwrap();

    // Nothing due, views counted, nothing read: the version stands.
    assert!(store.publish_due(Utc::now()).await.unwrap().is_empty());
    store
        .add_views(&Utc::now().format("%Y-%m-%d").to_string(), &[(id, 3)])
        .await
        .unwrap();
    store.article_by_id(id).await.unwrap();
    assert!(
        !store.sync_content_version().await.unwrap(),
        "the version moved without a content change"
    );

    // A real change moves it, seen by a store beside this one (another node) too.
    let beside = open_store_at(dir.path()).await;
    beside.sync_content_version().await.unwrap();
    write(&store, "version-moves").await;
    assert!(store.sync_content_version().await.unwrap());
    assert!(beside.sync_content_version().await.unwrap());
}
