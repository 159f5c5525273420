//! Media in the store: the image library (alt text, search, delete refused while in use) and
//! attachments with their place in articles. A supertrait of [`super::Store`]; the row types are
//! read by both backends.
//!
//! "In use" is found by looking for the image's content-addressed stem (`{hash}_{w}x{h}`, unique
//! to one image and every variant of it) in article bodies and covers when a delete is asked for,
//! and again in the deleting transaction (SQLite: for the articles written meanwhile): deletes
//! are rare, and this sees every writer (the newsroom, the API, the importer, the demo loader)
//! without a link table each of them must keep.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::StoreResult;
use crate::domain::media::{Attachment, ImageUse, LibraryImage};
use crate::domain::{Page, PageRequest};

/// A new attachment.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    /// Content-addressed file name in the uploads store.
    pub file_name: &'a str,
    /// The name on the uploader's machine.
    pub original_name: &'a str,
    /// Sniffed content type.
    pub mime: &'a str,
    /// Size in bytes.
    pub bytes: i64,
    /// Who uploaded it.
    pub uploaded_by: Option<i64>,
}

/// The media operations.
#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Images whose original name or alt text contains `query` (every image when it is empty),
    /// newest first.
    async fn search_images(
        &self,
        query: &str,
        page: PageRequest,
    ) -> StoreResult<Page<LibraryImage>>;
    /// One image of the library.
    async fn library_image(&self, id: i64) -> StoreResult<LibraryImage>;
    /// Sets an image's alt text.
    async fn set_image_alt(&self, id: i64, alt: &str) -> StoreResult<()>;
    /// Articles (any status, the trash too) whose body or cover names an upload containing
    /// `stem`, by id, at most `limit`.
    async fn image_uses(&self, stem: &str, limit: u32) -> StoreResult<Vec<ImageUse>>;
    /// Deletes image `id`'s record unless an article uses it (its stem is `stem`): then a
    /// `Conflict` naming the articles, checked in the deleting transaction.
    async fn delete_image(&self, id: i64, stem: &str) -> StoreResult<LibraryImage>;

    /// Records an attachment; one stored before under the same file name keeps its record.
    async fn add_attachment(&self, attachment: &NewAttachment<'_>) -> StoreResult<Attachment>;
    /// The attachment stored under `file_name`.
    async fn attachment_by_name(&self, file_name: &str) -> StoreResult<Attachment>;
    /// An article's attachments, in their order.
    async fn article_attachments(&self, article_id: i64) -> StoreResult<Vec<Attachment>>;
    /// Adds an attachment at the end of an article's list (nothing if it is there already).
    async fn attach(&self, article_id: i64, attachment_id: i64) -> StoreResult<()>;
    /// Takes an attachment off an article's list (the file stays: others may use it).
    async fn detach(&self, article_id: i64, attachment_id: i64) -> StoreResult<()>;
}

/// Columns of [`LibraryImageRow`], with the table.
pub(super) const LIBRARY_IMAGE_COLUMNS: &str =
    "id, file_name, original_name, alt, width, height, bytes, created_at FROM images";

/// Columns of [`AttachmentRow`] (table alias `a`).
pub(super) const ATTACHMENT_COLUMNS: &str =
    "a.id, a.file_name, a.original_name, a.mime, a.bytes, a.created_at";

#[derive(FromRow)]
pub(super) struct LibraryImageRow {
    id: i64,
    file_name: String,
    original_name: String,
    alt: String,
    width: i64,
    height: i64,
    bytes: i64,
    created_at: DateTime<Utc>,
}

impl From<LibraryImageRow> for LibraryImage {
    fn from(r: LibraryImageRow) -> Self {
        Self {
            id: r.id,
            file_name: r.file_name,
            original_name: r.original_name,
            alt: r.alt,
            width: r.width,
            height: r.height,
            bytes: r.bytes,
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
pub(super) struct AttachmentRow {
    id: i64,
    file_name: String,
    original_name: String,
    mime: String,
    bytes: i64,
    created_at: DateTime<Utc>,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Self {
            id: r.id,
            file_name: r.file_name,
            original_name: r.original_name,
            mime: r.mime,
            bytes: r.bytes,
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
pub(super) struct ImageUseRow {
    id: i64,
    title: String,
}

impl From<ImageUseRow> for ImageUse {
    fn from(r: ImageUseRow) -> Self {
        Self {
            article_id: r.id,
            title: r.title,
        }
    }
}

/// `%query%` for LIKE with `\` as the escape character.
pub(super) fn like_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for c in query.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The `Conflict` of a delete refused because articles use the image.
pub(super) fn in_use(uses: &[ImageUse]) -> super::StoreError {
    let titles: Vec<String> = uses.iter().map(|u| format!("《{}》", u.title)).collect();
    super::StoreError::Conflict {
        what: format!("image in use: {}", titles.join("、")),
    }
}
