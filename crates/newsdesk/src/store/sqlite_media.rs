//! SQLite implementation of [`MediaStore`]. A child module of `sqlite`.

use async_trait::async_trait;
use chrono::Utc;
use tracing::instrument;

use super::{SqliteStore, db_time, on_write, other};
use crate::domain::media::{Attachment, ImageUse, LibraryImage};
use crate::domain::{Page, PageRequest};
use crate::store::StoreResult;
use crate::store::media::{
    ATTACHMENT_COLUMNS, AttachmentRow, ImageUseRow, LIBRARY_IMAGE_COLUMNS, LibraryImageRow,
    MediaStore, NewAttachment, in_use, like_pattern,
};

/// Articles naming `stem` in body or cover (`instr`, not LIKE: `_` in a stem is no wildcard).
const USES: &str = "SELECT id, title FROM articles WHERE instr(body_source, ?1) > 0 \
     OR instr(body_html, ?1) > 0 OR instr(coalesce(cover_image, ''), ?1) > 0 \
     OR instr(coalesce((SELECT r.body_source || r.fields FROM article_revisions r \
     WHERE r.id = articles.pending_revision_id), ''), ?1) > 0 ORDER BY id LIMIT ?2";

/// [`USES`] among articles written since `?3` (the time test first: old rows' bodies are not read).
const USES_SINCE: &str = "SELECT id, title FROM articles WHERE updated_at >= ?3 AND (\
     instr(body_source, ?1) > 0 OR instr(body_html, ?1) > 0 \
     OR instr(coalesce(cover_image, ''), ?1) > 0 \
     OR instr(coalesce((SELECT r.body_source || r.fields FROM article_revisions r \
     WHERE r.id = articles.pending_revision_id), ''), ?1) > 0) ORDER BY id LIMIT ?2";

#[async_trait]
impl MediaStore for SqliteStore {
    #[instrument(skip_all)]
    async fn search_images(
        &self,
        query: &str,
        page: PageRequest,
    ) -> StoreResult<Page<LibraryImage>> {
        let pattern = like_pattern(query.trim());
        let filter = "WHERE original_name LIKE ?1 ESCAPE '\\' OR alt LIKE ?1 ESCAPE '\\'";
        let sql =
            format!("SELECT {LIBRARY_IMAGE_COLUMNS} {filter} ORDER BY id DESC LIMIT ?2 OFFSET ?3");
        let rows: Vec<LibraryImageRow> = sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(i64::from(page.per_page))
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM images {filter}"))
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(Page {
            items: rows.into_iter().map(LibraryImage::from).collect(),
            total,
        })
    }

    #[instrument(skip_all)]
    async fn library_image(&self, id: i64) -> StoreResult<LibraryImage> {
        let sql = format!("SELECT {LIBRARY_IMAGE_COLUMNS} WHERE id = ?");
        let row: Option<LibraryImageRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.map(LibraryImage::from)
            .ok_or(crate::store::StoreError::NotFound)
    }

    #[instrument(skip_all)]
    async fn set_image_alt(&self, id: i64, alt: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE images SET alt = ? WHERE id = ?")
            .bind(alt)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(on_write)?;
        if done.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn image_uses(&self, stem: &str, limit: u32) -> StoreResult<Vec<ImageUse>> {
        let rows: Vec<ImageUseRow> = sqlx::query_as(USES)
            .bind(stem)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        Ok(rows.into_iter().map(ImageUse::from).collect())
    }

    #[instrument(skip_all)]
    async fn delete_image(&self, id: i64, stem: &str) -> StoreResult<LibraryImage> {
        // Every body is read once outside the write lock (WAL readers do not block writers);
        // then, under the lock, only articles written since (with a margin for a writer that
        // took its time after stamping `updated_at`) are read again, so no article can start
        // using the image between the check and the delete and the lock is held briefly.
        let since = db_time(Utc::now() - chrono::Duration::seconds(60));
        let uses: Vec<ImageUseRow> = sqlx::query_as(USES)
            .bind(stem)
            .bind(5_i64)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        if !uses.is_empty() {
            let uses: Vec<ImageUse> = uses.into_iter().map(ImageUse::from).collect();
            return Err(in_use(&uses));
        }
        let mut tx = self.write_tx().await?;
        let sql = format!("SELECT {LIBRARY_IMAGE_COLUMNS} WHERE id = ?");
        let row: LibraryImageRow = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(other)?
            .ok_or(crate::store::StoreError::NotFound)?;
        let uses: Vec<ImageUseRow> = sqlx::query_as(USES_SINCE)
            .bind(stem)
            .bind(5_i64)
            .bind(since)
            .fetch_all(&mut *tx)
            .await
            .map_err(other)?;
        if !uses.is_empty() {
            let uses: Vec<ImageUse> = uses.into_iter().map(ImageUse::from).collect();
            return Err(in_use(&uses));
        }
        sqlx::query("DELETE FROM images WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(on_write)?;
        tx.commit().await.map_err(other)?;
        Ok(row.into())
    }

    #[instrument(skip_all)]
    async fn add_attachment(&self, a: &NewAttachment<'_>) -> StoreResult<Attachment> {
        sqlx::query(
            "INSERT INTO attachments (file_name, original_name, mime, bytes, uploaded_by, \
             created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (file_name) DO NOTHING",
        )
        .bind(a.file_name)
        .bind(a.original_name)
        .bind(a.mime)
        .bind(a.bytes)
        .bind(a.uploaded_by)
        .bind(db_time(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(on_write)?;
        self.attachment_by_name(a.file_name).await
    }

    #[instrument(skip_all)]
    async fn attachment_by_name(&self, file_name: &str) -> StoreResult<Attachment> {
        let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE a.file_name = ?");
        let row: Option<AttachmentRow> = sqlx::query_as(&sql)
            .bind(file_name)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.map(Attachment::from)
            .ok_or(crate::store::StoreError::NotFound)
    }

    #[instrument(skip_all)]
    async fn article_attachments(&self, article_id: i64) -> StoreResult<Vec<Attachment>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM article_attachments l \
             JOIN attachments a ON a.id = l.attachment_id WHERE l.article_id = ? \
             ORDER BY l.position, a.id"
        );
        let rows: Vec<AttachmentRow> = sqlx::query_as(&sql)
            .bind(article_id)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        Ok(rows.into_iter().map(Attachment::from).collect())
    }

    #[instrument(skip_all)]
    async fn attach(&self, article_id: i64, attachment_id: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO article_attachments (article_id, attachment_id, position) \
             SELECT ?1, ?2, coalesce(max(position), 0) + 1 FROM article_attachments \
             WHERE article_id = ?1 ON CONFLICT (article_id, attachment_id) DO NOTHING",
        )
        .bind(article_id)
        .bind(attachment_id)
        .execute(&self.pool)
        .await
        .map_err(on_write)?;
        self.touch();
        Ok(())
    }

    #[instrument(skip_all)]
    async fn detach(&self, article_id: i64, attachment_id: i64) -> StoreResult<()> {
        let done = sqlx::query(
            "DELETE FROM article_attachments WHERE article_id = ? AND attachment_id = ?",
        )
        .bind(article_id)
        .bind(attachment_id)
        .execute(&self.pool)
        .await
        .map_err(on_write)?;
        if done.rows_affected() == 0 {
            return Err(crate::store::StoreError::NotFound);
        }
        self.touch();
        Ok(())
    }
}
