//! Newsroom types: accounts and their roles, API tokens, audit entries, uploaded images, and the
//! editor's view of an article (with its version and trash state). Plain data, no I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Article, ArticleStatus};

/// What an account may do. Admins do everything; editors write articles and upload images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, settings, channels and the audit log.
    Admin,
    /// Articles and images.
    Editor,
}

impl Role {
    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "editor" => Some(Self::Editor),
            _ => None,
        }
    }

    /// 管理员 / 编辑, as the admin shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "管理员",
            Self::Editor => "编辑",
        }
    }
}

/// A newsroom account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Store id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// What the account may do.
    pub role: Role,
    /// A disabled account cannot sign in or use its API tokens.
    pub disabled: bool,
    /// When the account was created, UTC.
    pub created_at: DateTime<Utc>,
}

/// An API token as listed (the secret itself is shown once, at creation, and never stored).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// Store id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Owner's login name.
    pub user_name: String,
    /// What the token is for, as its creator described it.
    pub name: String,
    /// Creation time, UTC.
    pub created_at: DateTime<Utc>,
    /// Last successful use, UTC.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked token authenticates nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One line of the audit log: who did what to which article, and when.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Store id.
    pub id: i64,
    /// When, UTC.
    pub at: DateTime<Utc>,
    /// Who (the name is kept even if the account is deleted later).
    pub user_name: String,
    /// What, e.g. `publish`, see [`AuditAction`].
    pub action: String,
    /// Which article, if any.
    pub article_id: Option<i64>,
    /// Its headline at the time.
    pub article_title: String,
    /// Anything else worth knowing, e.g. the scheduled time.
    pub detail: String,
}

/// The things the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A new article.
    Create,
    /// A saved edit.
    Update,
    /// Made public now.
    Publish,
    /// Set to become public at a time.
    Schedule,
    /// A scheduled article became public.
    PublishScheduled,
    /// Taken off the public site.
    Unpublish,
    /// Moved to the trash.
    Trash,
    /// Taken back out of the trash.
    Restore,
    /// An editor's correction of the document's facts or its 量化目标.
    CorrectTargets,
    /// An attachment added to an article.
    AddAttachment,
    /// An attachment taken off an article.
    RemoveAttachment,
    /// An image's alt text changed (in the library).
    SetImageAlt,
    /// An image deleted from the library.
    DeleteImage,
}

impl AuditAction {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Publish => "publish",
            Self::Schedule => "schedule",
            Self::PublishScheduled => "publish_scheduled",
            Self::Unpublish => "unpublish",
            Self::Trash => "trash",
            Self::Restore => "restore",
            Self::CorrectTargets => "correct_targets",
            Self::AddAttachment => "add_attachment",
            Self::RemoveAttachment => "remove_attachment",
            Self::SetImageAlt => "image_alt",
            Self::DeleteImage => "delete_image",
        }
    }
}

/// An uploaded image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageRecord {
    /// Store id.
    pub id: i64,
    /// File name of the original under `uploads/`, e.g. `3f2a…_1600x900.jpg`.
    pub file_name: String,
    /// The name the file had on the uploader's machine.
    pub original_name: String,
    /// Content type sniffed from the bytes.
    pub mime: String,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// Size of the original in bytes.
    pub bytes: i64,
    /// Upload time, UTC.
    pub created_at: DateTime<Utc>,
}

/// An article as the newsroom edits it: the article plus what only editors see.
#[derive(Debug, Clone, Serialize)]
pub struct EditableArticle {
    /// The article.
    pub article: Article,
    /// Bumped by every change; a save must name the version it started from.
    pub version: i64,
    /// Cover image URL.
    pub cover_image: Option<String>,
    /// In the trash since then.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An article in the newsroom's list.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleListItem {
    /// Store id.
    pub id: i64,
    /// URL segment.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// 作者.
    pub author: Option<String>,
    /// Channel display name.
    pub channel_name: String,
    /// Channel slug.
    pub channel_slug: String,
    /// Life-cycle status.
    pub status: ArticleStatus,
    /// Publish time, UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// Last change, UTC.
    pub updated_at: DateTime<Utc>,
    /// In the trash since then.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Current version.
    pub version: i64,
}

/// Which articles the newsroom's list shows.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only this status.
    pub status: Option<ArticleStatus>,
    /// Only this channel (slug).
    pub channel: Option<String>,
    /// Only this 作者 (exact).
    pub author: Option<String>,
    /// Words that must appear in the headline or summary.
    pub query: Option<String>,
    /// The trash instead of live articles.
    pub trashed: bool,
}

/// A tag with how many articles carry it.
#[derive(Debug, Clone, Serialize)]
pub struct TagCount {
    /// Store id.
    pub id: i64,
    /// Tag name.
    pub name: String,
    /// Articles with this tag.
    pub articles: i64,
}
