//! SQLite implementation of [`RevisionStore`]. A child module of `sqlite`.

use async_trait::async_trait;
use chrono::Utc;
use tracing::instrument;

use super::{SqliteStore, db_time, other};
use crate::domain::{NewRevision, ReviewItem, ReviewState, Revision};
use crate::store::review::{
    REVIEW_QUEUE_SQL, REVISION_COLUMNS, ReviewRow, ReviewStateRow, RevisionRow, RevisionStore,
};
use crate::store::{STALE, StoreError, StoreResult};

/// Appends a revision on `conn` (inside the caller's write transaction).
async fn insert_revision(
    conn: &mut sqlx::SqliteConnection,
    article_id: i64,
    r: &NewRevision<'_>,
) -> StoreResult<Revision> {
    let row: RevisionRow = sqlx::query_as(&format!(
        "INSERT INTO article_revisions (article_id, number, created_at, user_id, user_name, \
         title, summary, body_format, body_source, kind, note, fields) \
         VALUES (?, (SELECT coalesce(max(number), 0) + 1 FROM article_revisions \
         WHERE article_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {REVISION_COLUMNS}"
    ))
    .bind(article_id)
    .bind(article_id)
    .bind(db_time(Utc::now()))
    .bind(r.user.map(|u| u.id))
    .bind(r.user.map_or("系统", |u| u.name.as_str()))
    .bind(r.title)
    .bind(r.summary)
    .bind(r.body_format.as_str())
    .bind(r.body_source)
    .bind(r.kind.as_str())
    .bind(&r.note)
    .bind(&r.fields)
    .fetch_one(&mut *conn)
    .await
    .map_err(other)?;
    row.try_into()
}

#[async_trait]
impl RevisionStore for SqliteStore {
    #[instrument(skip_all, fields(article.id = article_id))]
    async fn add_revision(&self, article_id: i64, r: &NewRevision<'_>) -> StoreResult<Revision> {
        let mut tx = self.write_tx().await?;
        let rev = insert_revision(&mut tx, article_id, r).await?;
        tx.commit().await.map_err(other)?;
        Ok(rev)
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn stage_revision(
        &self,
        article_id: i64,
        expected_version: i64,
        r: &NewRevision<'_>,
    ) -> StoreResult<(Revision, i64)> {
        let mut tx = self.write_tx().await?;
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM articles WHERE id = ? AND deleted_at IS NULL")
                .bind(article_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(other)?;
        match current {
            None => return Err(StoreError::NotFound),
            Some(v) if v != expected_version => {
                return Err(StoreError::Conflict {
                    what: format!("{STALE}: article {article_id} is now at version {v}"),
                });
            }
            Some(_) => {}
        }
        let rev = insert_revision(&mut tx, article_id, r).await?;
        let version: i64 = sqlx::query_scalar(
            "UPDATE articles SET pending_revision_id = ?, version = version + 1 WHERE id = ? \
             RETURNING version",
        )
        .bind(rev.id)
        .bind(article_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(other)?;
        tx.commit().await.map_err(other)?;
        Ok((rev, version))
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn list_revisions(&self, article_id: i64) -> StoreResult<Vec<Revision>> {
        let rows: Vec<RevisionRow> = sqlx::query_as(&format!(
            "SELECT {REVISION_COLUMNS} FROM article_revisions WHERE article_id = ? \
             ORDER BY number DESC"
        ))
        .bind(article_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter().map(Revision::try_from).collect()
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn revision(&self, article_id: i64, number: i64) -> StoreResult<Revision> {
        let row: RevisionRow = sqlx::query_as(&format!(
            "SELECT {REVISION_COLUMNS} FROM article_revisions WHERE article_id = ? AND number = ?"
        ))
        .bind(article_id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?
        .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    #[instrument(skip_all)]
    async fn revision_by_id(&self, id: i64) -> StoreResult<Revision> {
        let row: RevisionRow = sqlx::query_as(&format!(
            "SELECT {REVISION_COLUMNS} FROM article_revisions WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?
        .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn review_state(&self, article_id: i64) -> StoreResult<ReviewState> {
        let row: ReviewStateRow =
            sqlx::query_as("SELECT pending_revision_id, review_comment FROM articles WHERE id = ?")
                .bind(article_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?
                .ok_or(StoreError::NotFound)?;
        Ok(ReviewState {
            pending_revision_id: row.pending_revision_id,
            review_comment: row.review_comment,
        })
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn clear_pending_revision(&self, article_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE articles SET pending_revision_id = NULL WHERE id = ?")
            .bind(article_id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all, fields(article.id = article_id))]
    async fn set_review_comment(&self, article_id: i64, comment: &str) -> StoreResult<()> {
        sqlx::query("UPDATE articles SET review_comment = ? WHERE id = ?")
            .bind(comment)
            .bind(article_id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn review_queue(&self) -> StoreResult<Vec<ReviewItem>> {
        let rows: Vec<ReviewRow> = sqlx::query_as(REVIEW_QUEUE_SQL)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.into_iter().map(ReviewItem::try_from).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use crate::store::DB_FILE;

    /// Migration 0013 widens the CHECK constraints of `users.role` and `articles.status` by
    /// editing the schema text: a site's rows and their children (tag links, sessions, search
    /// stamps) survive, a connection opened before the migration sees the new constraints, and
    /// values outside them are still refused.
    #[tokio::test]
    async fn widening_the_checks_keeps_existing_rows_and_their_children() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::from_str("sqlite:")
            .unwrap()
            .filename(dir.path().join(DB_FILE))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        let mut before = sqlx::migrate!("./migrations/sqlite");
        before.migrations = before
            .migrations
            .iter()
            .filter(|m| m.version < 13)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before.run(&pool).await.unwrap();
        let now = "2024-02-08T10:21:00+00:00";
        for sql in [
            "INSERT INTO channels (id, name, slug, position) VALUES (1, '光伏', 'solar', 1)",
            "INSERT INTO users (id, name, role, password_hash, created_at) \
             VALUES (1, 'li', 'editor', 'hash', '2024-02-08T10:21:00+00:00')",
            "INSERT INTO articles (id, slug, title, channel_id, body_format, body_source, \
             body_html, status, published_at, created_at, updated_at) VALUES (1, 'a', '标题', 1, \
             'markdown', '正文', '<p>正文</p>', 'published', '2024-02-08T10:21:00+00:00', \
             '2024-02-08T10:21:00+00:00', '2024-02-08T10:21:00+00:00')",
            "INSERT INTO tags (id, name) VALUES (1, '储能')",
            "INSERT INTO article_tags (article_id, tag_id) VALUES (1, 1)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ('t', 1, 'c', ?, ?)",
        )
        .bind(now)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
        let count = |table: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let stamps = count("search_stamps").await;

        // The server opens the folder and applies 0013 and later on its own connections.
        let store = super::SqliteStore::open(dir.path()).await.unwrap();
        for (table, n) in [
            ("articles", 1),
            ("users", 1),
            ("article_tags", 1),
            ("sessions", 1),
        ] {
            assert_eq!(count(table).await, n, "{table} survives");
        }
        assert_eq!(count("search_stamps").await, stamps);
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(ok, "ok");
        // The connection opened before the migration takes the new values…
        sqlx::query("UPDATE users SET role = 'chief' WHERE id = 1")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE articles SET status = 'pending' WHERE id = 1")
            .execute(&pool)
            .await
            .unwrap();
        // …and still refuses others.
        assert!(
            sqlx::query("UPDATE users SET role = 'boss' WHERE id = 1")
                .execute(&pool)
                .await
                .is_err()
        );
        assert!(
            sqlx::query("UPDATE articles SET status = 'gone' WHERE id = 1")
                .execute(&pool)
                .await
                .is_err()
        );
        use crate::store::NewsroomStore;
        assert_eq!(
            store.editable_article(1).await.unwrap().article.tags,
            vec!["储能"]
        );
    }
}
