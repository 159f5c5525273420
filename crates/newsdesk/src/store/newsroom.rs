//! The newsroom's part of the store: accounts, sessions, login throttling, API tokens, editing
//! articles with stale-save protection, the trash, scheduling, the audit log, images, tags and
//! channels. A supertrait of [`super::Store`], so every store implements it and an
//! `Arc<dyn Store>` reaches it; kept apart so the reader-facing trait stays short.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{
    ApiToken, ArticleFilter, ArticleInput, ArticleListItem, ArticleStatus, AuditAction, AuditEntry,
    Channel, EditableArticle, ImageRecord, Page, PageRequest, Role, TagCount, User,
};
use crate::domain::{AuditFilter, SessionInfo};
use crate::targets::Extraction;

/// Start of the `what` of the `Conflict` a stale save gets, so callers can tell it apart.
pub const STALE: &str = "stale";

/// A user with the password hash, for checking a login. Never leaves the auth code.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    /// The account.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// A signed-in browser session, with its user.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// The account (checked not disabled).
    pub user: User,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// When the session ends, UTC.
    pub expires_at: DateTime<Utc>,
    /// When it was last used (refreshed at most once a minute), UTC.
    pub last_seen_at: DateTime<Utc>,
}

/// Earlier login attempts of one scope within the throttle window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttemptCount {
    /// How many (failed, or reserved and still being checked).
    pub count: i64,
    /// When the latest was made.
    pub last_at: Option<DateTime<Utc>>,
}

/// A reserved login attempt and what came before it in the window.
#[derive(Debug, Clone, Copy)]
pub struct LoginReservation {
    /// The reservation's row, to release it if the attempt is refused.
    pub id: i64,
    /// Same account, same client.
    pub pair: AttemptCount,
    /// Same client, any account.
    pub client: AttemptCount,
    /// Same account, any client.
    pub account: AttemptCount,
}

/// A new audit-log line.
#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    /// Who (None for the scheduler).
    pub user: Option<&'a User>,
    /// What.
    pub action: AuditAction,
    /// Which article.
    pub article_id: Option<i64>,
    /// Its headline now.
    pub article_title: &'a str,
    /// Anything else.
    pub detail: String,
}

/// A full audit-log line. [`AuditRecord`] (an article action) converts into one; other actions
/// build one with [`AuditEvent::new`] and [`AuditEvent::subject`]. The client address is taken
/// from the request being handled ([`crate::audit::client`]) unless set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who (None for the scheduler and for failed sign-ins).
    pub user_id: Option<i64>,
    /// Their name, or the name typed at a failed sign-in.
    pub user_name: String,
    /// The stored action name, see [`AuditAction::as_str`].
    pub action: String,
    /// Which article, if any.
    pub article_id: Option<i64>,
    /// Its headline now.
    pub article_title: String,
    /// `article`, `channel`, `tag`, `user`, `token`, `settings`, `image`, `session`…
    pub subject_kind: String,
    /// The subject's id.
    pub subject_id: Option<i64>,
    /// The subject's name now.
    pub subject_label: String,
    /// What changed (old → new), or anything else worth knowing.
    pub detail: String,
    /// The client's address; empty outside a request.
    pub ip: String,
}

/// Who the scheduler's lines are by.
pub const SCHEDULER_NAME: &str = "（定时发布）";

impl AuditEvent {
    /// A line by `user` (None: the scheduler) from the current request's address.
    pub fn new(user: Option<&User>, action: AuditAction) -> Self {
        Self {
            user_id: user.map(|u| u.id),
            user_name: user.map_or(SCHEDULER_NAME, |u| u.name.as_str()).to_string(),
            action: action.as_str().to_string(),
            ip: crate::audit::client().unwrap_or_default(),
            ..Self::default()
        }
    }

    /// About `kind` `id`, named `label`.
    #[must_use]
    pub fn subject(mut self, kind: &str, id: Option<i64>, label: &str) -> Self {
        self.subject_kind = kind.to_string();
        self.subject_id = id;
        self.subject_label = label.to_string();
        self
    }

    /// With `detail`.
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

impl From<&AuditRecord<'_>> for AuditEvent {
    fn from(r: &AuditRecord<'_>) -> Self {
        let mut event = Self::new(r.user, r.action).detail(r.detail.clone());
        if let Some(id) = r.article_id {
            event = event.subject("article", Some(id), r.article_title);
        }
        event.article_id = r.article_id;
        event.article_title = r.article_title.to_string();
        event
    }
}

/// A new uploaded image.
#[derive(Debug, Clone)]
pub struct NewImage<'a> {
    /// File name of the original under `uploads/`.
    pub file_name: &'a str,
    /// The name on the uploader's machine.
    pub original_name: &'a str,
    /// Sniffed content type.
    pub mime: &'a str,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// Size in bytes.
    pub bytes: i64,
    /// Who uploaded it.
    pub uploaded_by: Option<i64>,
}

/// The newsroom's operations.
#[async_trait]
pub trait NewsroomStore: Send + Sync {
    // Accounts.
    /// Creates an account; `Conflict` if the name is taken (case-insensitively).
    async fn create_user(&self, name: &str, role: Role, password_hash: &str) -> StoreResult<User>;
    /// The account and its hash, by login name (case-insensitive).
    async fn user_credentials(&self, name: &str) -> StoreResult<UserCredentials>;
    /// All accounts, by name.
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// How many accounts exist.
    async fn count_users(&self) -> StoreResult<i64>;
    /// Replaces a password; ends the account's sessions, revokes its API tokens and forgets its
    /// device cookies (whoever knew the old password keeps nothing).
    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()>;
    /// Disables or re-enables an account; disabling ends its sessions, revokes its API tokens for
    /// good (re-enabling does not bring them back) and forgets its device cookies.
    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()>;
    /// Changes an account's role.
    async fn set_user_role(&self, user_id: i64, role: Role) -> StoreResult<()>;

    // Sessions and throttling.
    /// Stores a new session under the hash of its token, with the client address and
    /// User-Agent it was opened from.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
        ip: &str,
        user_agent: &str,
    ) -> StoreResult<()>;
    /// Records that a session was used at `now`.
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// The live sessions of an account, most recently used first.
    async fn list_sessions(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionInfo>>;
    /// Ends every session of an account but `keep` (a token hash); returns how many ended.
    async fn delete_other_sessions(&self, user_id: i64, keep: &str) -> StoreResult<u64>;
    /// Replaces one's own password: in one transaction, ends the account's other sessions
    /// (keeping `keep`, the session that changed it) and forgets its device cookies. API tokens
    /// stay: they are listed on their own page and revoked there.
    async fn set_own_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep: &str,
    ) -> StoreResult<()>;
    /// The live session with this token hash (not expired, account not disabled).
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<SessionRecord>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Reserves a login attempt before its password is checked: in one write transaction, adds a
    /// row for (`account`, `client`) at `at` (forgetting rows older than `since`), then counts the
    /// rows before it since `since`. Concurrent attempts thus each see the others' reservations.
    async fn reserve_login_attempt(
        &self,
        account: &str,
        client: &str,
        at: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> StoreResult<LoginReservation>;
    /// Deletes one reserved attempt (refused before its password was checked).
    async fn release_login_attempt(&self, id: i64) -> StoreResult<()>;
    /// Forgets the attempts of one (account, client) pair after a successful sign-in.
    async fn clear_login_attempts(&self, account: &str, client: &str) -> StoreResult<()>;
    /// The id of the live device cookie with this token hash, if it belongs to the account named
    /// `account` (case-insensitive).
    async fn login_device(
        &self,
        token_hash: &str,
        account: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Stores a new device cookie under its hash (and forgets expired ones); returns its id.
    async fn create_login_device(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<i64>;

    // API tokens.
    /// Stores a new token under its hash.
    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> StoreResult<i64>;
    /// Tokens of one account, or of all accounts.
    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiToken>>;
    /// Revokes a token; with `owner`, only if that account owns it.
    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<()>;
    /// The active account owning a live token with this hash; records the use.
    async fn user_by_api_token(&self, token_hash: &str) -> StoreResult<User>;

    // Articles.
    /// The newsroom's list: any status, filtered, newest change first.
    async fn list_articles_for_editing(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> StoreResult<Page<ArticleListItem>>;
    /// Any article (trashed too) with its version.
    async fn editable_article(&self, id: i64) -> StoreResult<EditableArticle>;
    /// Creates an article from the newsroom with the document facts, targets and results its
    /// body was found to hold (`found`);
    /// returns its id.
    async fn create_article(
        &self,
        input: &ArticleInput,
        cover_image: Option<&str>,
        found: &Extraction,
    ) -> StoreResult<i64>;
    /// Replaces an article's content, status and targets if it is still at `expected_version`;
    /// `Conflict` otherwise (a stale save). Returns the new version.
    async fn update_article(
        &self,
        id: i64,
        expected_version: i64,
        input: &ArticleInput,
        cover_image: Option<&str>,
        found: &Extraction,
    ) -> StoreResult<i64>;
    /// Sets status and publish time (publish, schedule, unpublish), if still at
    /// `expected_version` when given. Returns the new version.
    async fn set_article_status(
        &self,
        id: i64,
        expected_version: Option<i64>,
        status: ArticleStatus,
        published_at: Option<DateTime<Utc>>,
    ) -> StoreResult<i64>;
    /// Moves an article to the trash (it stops being public) or takes it back out (as a draft).
    async fn set_article_trashed(&self, id: i64, trashed: bool) -> StoreResult<()>;
    /// Deletes for good what has been in the trash since before `before`; returns how many.
    async fn purge_trash(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Publishes scheduled articles whose time has come; returns their ids and titles.
    async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<(i64, String)>>;
    /// Distinct 作者 values, for the list's filter.
    async fn article_authors(&self) -> StoreResult<Vec<String>>;

    // Audit log.
    /// Appends an article action's line (from the current request's address).
    async fn add_audit(&self, record: &AuditRecord<'_>) -> StoreResult<()> {
        self.insert_audit(&AuditEvent::from(record)).await
    }
    /// Appends a line.
    async fn insert_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Lines newest first, optionally for one article.
    async fn list_audit(
        &self,
        article_id: Option<i64>,
        page: PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let filter = AuditFilter {
            article_id,
            ..AuditFilter::default()
        };
        self.search_audit(&filter, page).await
    }
    /// Lines matching `filter`, newest first.
    async fn search_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditEntry>>;

    // Images.
    /// Records an upload; an identical file uploaded before keeps its record.
    async fn add_image(&self, image: &NewImage<'_>) -> StoreResult<ImageRecord>;
    /// Uploads, newest first.
    async fn list_images(&self, page: PageRequest) -> StoreResult<Page<ImageRecord>>;

    // Channels and tags.
    /// Changes a channel's name, slug and position. Also returns the ids of the channel's
    /// articles, whose search entries name the channel.
    async fn update_channel(
        &self,
        id: i64,
        name: &str,
        slug: &str,
        position: i64,
    ) -> StoreResult<(Channel, Vec<i64>)>;
    /// Deletes a channel; `Conflict` while articles are in it.
    async fn delete_channel(&self, id: i64) -> StoreResult<()>;
    /// Tags with their article counts, by name.
    async fn list_tags(&self) -> StoreResult<Vec<TagCount>>;
    /// Renames a tag and, when `slug` is given, sets its own URL segment (`Some(None)`: the name
    /// serves again), in one transaction. Renaming onto an existing tag merges the two; the
    /// surviving tag keeps its segment, or takes the given one when it has none. Returns the ids
    /// of the articles that carried the tag, whose search entries hold their tags; `Conflict`
    /// when another tag has the segment.
    async fn update_tag(
        &self,
        id: i64,
        name: &str,
        slug: Option<Option<&str>>,
    ) -> StoreResult<Vec<i64>>;
    /// Deletes a tag from every article. Returns the ids of the articles that carried it.
    async fn delete_tag(&self, id: i64) -> StoreResult<Vec<i64>>;
}
