//! Newsroom types: accounts and their roles, API tokens, audit entries, uploaded images, and the
//! editor's view of an article (with its version and trash state). Plain data, no I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Article, ArticleStatus};

/// What an account may do. Admins do everything; the newsroom roles differ in review (三审):
/// contributors write and submit, editors also edit and send back, chief editors approve and
/// publish. See [`Role::may_publish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, settings, channels and the audit log.
    Admin,
    /// Articles and images; publishes unless the site requires review.
    Editor,
    /// 投稿人: writes articles and submits them for review; never publishes.
    Contributor,
    /// 主编/总编: approves and publishes, also when the site requires review.
    Chief,
}

impl Role {
    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Contributor => "contributor",
            Self::Chief => "chief",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "editor" => Some(Self::Editor),
            "contributor" => Some(Self::Contributor),
            "chief" => Some(Self::Chief),
            _ => None,
        }
    }

    /// 管理员 / 编辑, as the admin shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "管理员",
            Self::Editor => "编辑",
            Self::Contributor => "投稿人",
            Self::Chief => "主编",
        }
    }

    /// Every role, in the order the admin lists them.
    pub const ALL: [Role; 4] = [Self::Contributor, Self::Editor, Self::Chief, Self::Admin];

    /// Whether this role may make an article public (publish, schedule, 更新发布, approve)
    /// when the site does (`review_required`) or does not require review.
    pub fn may_publish(self, review_required: bool) -> bool {
        match self {
            Self::Admin | Self::Chief => true,
            Self::Editor => !review_required,
            Self::Contributor => false,
        }
    }

    /// Whether this role may send a submitted article back to its author, or take a public
    /// article off the site or into the trash.
    pub fn may_review(self) -> bool {
        !matches!(self, Self::Contributor)
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
    /// Anything else worth knowing, e.g. the scheduled time, or what changed (old → new).
    pub detail: String,
    /// The client's address (behind `--trusted-proxy` proxies, the client's own); empty for the
    /// scheduler and for lines written before addresses were kept.
    pub ip: String,
    /// What kind of thing the line is about: `article`, `channel`, `tag`, `user`, `token`,
    /// `settings`, `image`, `session`…; empty when nothing in particular.
    pub subject_kind: String,
    /// Its id, when it has one.
    pub subject_id: Option<i64>,
    /// Its name at the time (headline, channel name, login name…).
    pub subject_label: String,
}

/// Which audit lines to list: every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only about this article.
    pub article_id: Option<i64>,
    /// Only by this account name (exact).
    pub user_name: Option<String>,
    /// Only this stored action name, e.g. `login_failed`.
    pub action: Option<String>,
    /// Only this subject kind, e.g. `channel`.
    pub subject_kind: Option<String>,
    /// At or after this time, UTC.
    pub from: Option<DateTime<Utc>>,
    /// Before this time, UTC.
    pub until: Option<DateTime<Utc>>,
}

/// A signed-in browser session as its owner sees it (the token itself is never listed).
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    /// Hash of the session token: the store's key, never shown (pages use [`Self::key`]).
    #[serde(skip)]
    pub token_hash: String,
    /// When it was opened, UTC.
    pub created_at: DateTime<Utc>,
    /// When it was last used (refreshed at most once a minute), UTC.
    pub last_seen_at: DateTime<Utc>,
    /// The client address it was opened from.
    pub ip: String,
    /// The browser's User-Agent when it was opened.
    pub user_agent: String,
}

impl SessionInfo {
    /// A name for the session that pages can carry: derived from the token hash but not it, so
    /// what a page shows is no key to the sessions table.
    pub fn key(&self) -> String {
        session_key(&self.token_hash)
    }
}

/// See [`SessionInfo::key`].
pub fn session_key(token_hash: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("session-key:{token_hash}").as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Views on one day, in the site's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayViews {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Views counted that day.
    pub views: i64,
}

/// An article with the views it had over some days.
#[derive(Debug, Clone, Serialize)]
pub struct ViewedArticle {
    /// Store id.
    pub id: i64,
    /// URL segment.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Channel display name.
    pub channel_name: String,
    /// Views over the days asked for.
    pub views: i64,
}

/// A channel with the views its articles had over some days.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelViews {
    /// Channel display name.
    pub name: String,
    /// Channel slug.
    pub slug: String,
    /// Views over the days asked for.
    pub views: i64,
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
    /// Signed in.
    Login,
    /// A sign-in refused (wrong name or password, throttled); `user_name` is the name typed.
    LoginFailed,
    /// Signed out.
    Logout,
    /// Changed one's own password.
    ChangePassword,
    /// A change of one's own password refused: the current password was wrong.
    ChangePasswordFailed,
    /// An admin reset someone's password.
    ResetPassword,
    /// Ended one of one's own sessions (or all the others).
    EndSession,
    /// A new account.
    CreateUser,
    /// An account's role changed.
    ChangeRole,
    /// An account disabled.
    DisableUser,
    /// An account enabled again.
    EnableUser,
    /// A new API token.
    CreateToken,
    /// An API token revoked.
    RevokeToken,
    /// Site settings saved.
    UpdateSettings,
    /// A new channel.
    CreateChannel,
    /// A channel's name, slug or position changed.
    UpdateChannel,
    /// A channel deleted.
    DeleteChannel,
    /// A tag renamed (or merged into another).
    RenameTag,
    /// A tag deleted.
    DeleteTag,
    /// An image uploaded.
    UploadImage,
    /// Submitted for review (待审).
    Submit,
    /// Sent back to the author with the reviewer's comment (退回).
    SendBack,
    /// An earlier revision restored (or staged, on a published article).
    RestoreRevision,
    /// An attachment added to an article.
    AddAttachment,
    /// An attachment taken off an article.
    RemoveAttachment,
    /// An image's alt text changed (in the library).
    SetImageAlt,
    /// An image deleted from the library.
    DeleteImage,
    /// A new 专题.
    CreateTopic,
    /// A 专题 changed (fields or articles).
    UpdateTopic,
    /// A 专题 deleted.
    DeleteTopic,
    /// A new single page.
    CreatePage,
    /// A single page changed.
    UpdatePage,
    /// A single page deleted.
    DeletePage,
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
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::Logout => "logout",
            Self::ChangePassword => "change_password",
            Self::ChangePasswordFailed => "change_password_failed",
            Self::ResetPassword => "reset_password",
            Self::EndSession => "end_session",
            Self::CreateUser => "create_user",
            Self::ChangeRole => "change_role",
            Self::DisableUser => "disable_user",
            Self::EnableUser => "enable_user",
            Self::CreateToken => "create_token",
            Self::RevokeToken => "revoke_token",
            Self::UpdateSettings => "update_settings",
            Self::CreateChannel => "create_channel",
            Self::UpdateChannel => "update_channel",
            Self::DeleteChannel => "delete_channel",
            Self::RenameTag => "rename_tag",
            Self::DeleteTag => "delete_tag",
            Self::UploadImage => "upload_image",
            Self::Submit => "submit",
            Self::SendBack => "send_back",
            Self::RestoreRevision => "restore_revision",
            Self::AddAttachment => "add_attachment",
            Self::RemoveAttachment => "remove_attachment",
            Self::SetImageAlt => "image_alt",
            Self::DeleteImage => "delete_image",
            Self::CreateTopic => "create_topic",
            Self::UpdateTopic => "update_topic",
            Self::DeleteTopic => "delete_topic",
            Self::CreatePage => "create_page",
            Self::UpdatePage => "update_page",
            Self::DeletePage => "delete_page",
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

/// An article's review state besides its status: a staged edit and the reviewer's comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewState {
    /// The staged edit of a published article, waiting for 更新发布 (a revision id).
    pub pending_revision_id: Option<i64>,
    /// The reviewer's comment when the article was sent back (empty when none).
    pub review_comment: String,
}

/// One saved state of an article's text (修订版本).
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    /// Store id.
    pub id: i64,
    /// The article.
    pub article_id: i64,
    /// 1, 2, 3… per article.
    pub number: i64,
    /// When, UTC.
    pub created_at: DateTime<Utc>,
    /// Who saved it (the name is kept even if the account is deleted later).
    pub user_name: String,
    /// Headline.
    pub title: String,
    /// Summary as saved.
    pub summary: String,
    /// Format of `body_source`.
    pub body_format: super::BodyFormat,
    /// The body as written.
    pub body_source: String,
    /// How it came about, see [`RevisionKind`].
    pub kind: RevisionKind,
    /// Anything worth knowing, e.g. which revision was restored.
    pub note: String,
    /// For a staged edit: the rest of the form (author, source, channel, tags, cover, slug) as
    /// JSON; empty otherwise.
    pub fields: String,
}

/// How a revision came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevisionKind {
    /// A save that changed the article.
    Save,
    /// A staged edit of a published article, not public until 更新发布.
    Pending,
    /// A change that went public (更新发布, publish, approval).
    Published,
    /// An earlier revision brought back.
    Restore,
}

impl RevisionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Save => "save",
            Self::Pending => "pending",
            Self::Published => "published",
            Self::Restore => "restore",
        }
    }

    /// Parses a stored name (unknown ones read as a save).
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "published" => Self::Published,
            "restore" => Self::Restore,
            _ => Self::Save,
        }
    }

    /// 保存 / 待发布修改 / 发布 / 恢复, as the history page shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Save => "保存",
            Self::Pending => "待发布的修改",
            Self::Published => "发布",
            Self::Restore => "恢复",
        }
    }
}

/// A new revision.
#[derive(Debug, Clone)]
pub struct NewRevision<'a> {
    /// Who (None for the system).
    pub user: Option<&'a User>,
    /// Headline.
    pub title: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Format of the body.
    pub body_format: super::BodyFormat,
    /// The body as written.
    pub body_source: &'a str,
    /// How it came about.
    pub kind: RevisionKind,
    /// Free text (e.g. "恢复自第 3 版").
    pub note: String,
    /// The rest of a staged form, as JSON; empty otherwise.
    pub fields: String,
}

/// An article waiting in the review queue (审核队列): submitted (待审), or published with a staged
/// edit waiting for 更新发布.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    /// Store id.
    pub id: i64,
    /// Headline.
    pub title: String,
    /// 作者.
    pub author: Option<String>,
    /// Channel display name.
    pub channel_name: String,
    /// Life-cycle status (`Pending`, or `Published` with a staged edit).
    pub status: super::ArticleStatus,
    /// Last change, UTC.
    pub updated_at: DateTime<Utc>,
    /// Whether a staged edit waits.
    pub staged: bool,
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
    /// 浏览量 as last flushed.
    pub views: i64,
    /// 推荐 / 置顶 / 头条.
    pub flags: Vec<ArticleFlag>,
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
    /// The order; newest publish time first unless asked.
    pub sort: ArticleSort,
}

/// A tag with how many articles carry it.
#[derive(Debug, Clone, Serialize)]
pub struct TagCount {
    /// Store id.
    pub id: i64,
    /// Tag name.
    pub name: String,
    /// Its own URL segment, when it has one (else the name is the segment).
    pub slug: Option<String>,
    /// Articles with this tag.
    pub articles: i64,
}

/// The desk's marks on an article: 推荐 / 置顶 / 头条 and its own SEO fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskFields {
    /// 推荐: shown in the home page's 焦点图 carousel.
    pub featured: bool,
    /// 置顶: first in lists.
    pub pinned: bool,
    /// 头条: the top story.
    pub headline: bool,
    /// `<title>` of the public page; empty means the headline.
    pub seo_title: String,
    /// `<meta name="keywords">`; empty means the tags.
    pub seo_keywords: String,
    /// `<meta name="description">`; empty means the summary.
    pub seo_description: String,
}

/// One of the desk's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleFlag {
    /// 推荐.
    Featured,
    /// 置顶.
    Pinned,
    /// 头条.
    Headline,
}

impl ArticleFlag {
    /// The column holding it.
    pub fn column(self) -> &'static str {
        match self {
            Self::Featured => "flag_featured",
            Self::Pinned => "flag_pinned",
            Self::Headline => "flag_headline",
        }
    }
}

/// A column the newsroom's list can be sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortColumn {
    /// Publish time (unpublished articles last); the default.
    #[default]
    Published,
    /// Last change.
    Updated,
    /// Headline.
    Title,
    /// 作者.
    Author,
    /// Channel name.
    Channel,
    /// Status.
    Status,
    /// 浏览量.
    Views,
}

impl SortColumn {
    /// Every column, for the list's headers.
    pub const ALL: [Self; 7] = [
        Self::Title,
        Self::Author,
        Self::Channel,
        Self::Status,
        Self::Published,
        Self::Updated,
        Self::Views,
    ];

    /// The name in `?sort=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Updated => "updated",
            Self::Title => "title",
            Self::Author => "author",
            Self::Channel => "channel",
            Self::Status => "status",
            Self::Views => "views",
        }
    }

    /// Reads a `?sort=` name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The SQL expression sorted on (a fixed string, never user text).
    pub fn sql(self) -> &'static str {
        match self {
            Self::Published => "a.published_at",
            Self::Updated => "a.updated_at",
            Self::Title => "a.title",
            Self::Author => "a.author",
            Self::Channel => "c.position, c.name",
            Self::Status => "a.status",
            Self::Views => "a.views",
        }
    }
}

/// How the newsroom's list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleSort {
    /// By which column.
    pub column: SortColumn,
    /// Smallest first.
    pub ascending: bool,
}

impl Default for ArticleSort {
    /// Newest publish time first.
    fn default() -> Self {
        Self {
            column: SortColumn::Published,
            ascending: false,
        }
    }
}

impl ArticleSort {
    /// The ORDER BY clause (both databases): empty values (no publish time, no 作者) always
    /// last, then the column, then the id so pages never overlap.
    pub fn order_by(self) -> String {
        let dir = if self.ascending { "ASC" } else { "DESC" };
        let column = self.column.sql();
        let first = column.split(',').next_back().unwrap_or(column).trim();
        let keys: Vec<String> = column
            .split(',')
            .map(|c| format!("{} {dir}", c.trim()))
            .collect();
        format!(
            "ORDER BY ({first} IS NULL) ASC, {}, a.id {dir}",
            keys.join(", ")
        )
    }
}
