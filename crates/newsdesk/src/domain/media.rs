//! Media records: images of the library (with alt text) and attachments.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// An image as the library shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryImage {
    /// Store id.
    pub id: i64,
    /// File name of the original under `uploads/`.
    pub file_name: String,
    /// The name it had on the uploader's machine (or the last part of its remote URL).
    pub original_name: String,
    /// Alt text (替代文字); empty when none was given.
    pub alt: String,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// Size of the original in bytes.
    pub bytes: i64,
    /// Upload time, UTC.
    pub created_at: DateTime<Utc>,
}

/// A stored attachment (附件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// Store id.
    pub id: i64,
    /// Content-addressed file name in the uploads store.
    pub file_name: String,
    /// The name it had on the uploader's machine, shown to readers and used for downloads.
    pub original_name: String,
    /// Content type sniffed from the bytes.
    pub mime: String,
    /// Size in bytes.
    pub bytes: i64,
    /// Upload time, UTC.
    pub created_at: DateTime<Utc>,
}

/// An article that uses an image (in its body or as its cover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageUse {
    /// Article id.
    pub article_id: i64,
    /// Its headline.
    pub title: String,
}
