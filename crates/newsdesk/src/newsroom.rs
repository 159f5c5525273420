//! The newsroom's article operations, shared by the browser admin and the publishing API: check an
//! editor's draft, create and save it (refusing stale saves), publish, schedule, unpublish, trash
//! and restore, each written to the audit log and passed to the search index through
//! [`crate::content::Articles`] so published changes are searchable at once.
//!
//! **Scheduling.** A scheduled article has status `scheduled` and a future `published_at`. A
//! background task ([`spawn_scheduler`]) switches due ones to `published` every
//! [`SCHEDULER_TICK`] and once at start, so an article whose time passed while the server was down
//! appears as soon as it is back. Flipping the status (rather than treating "scheduled and due" as
//! public in every query) keeps one definition of public for pages, feeds and the search index,
//! and gives the audit log a line for the moment it went out.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::content::{self, Articles, BodyError};
use crate::domain::{
    ArticleInput, ArticleStatus, AuditAction, BodyFormat, DeskFields, EditableArticle, User,
};
use crate::render::pool;
use crate::store::{AuditRecord, STALE, StoreError, StoreResult};
use crate::targets::{DocMeta, Extraction};

/// How often due scheduled articles are published.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(2);
/// How long a trashed article can be restored before it is deleted for good.
pub const TRASH_DAYS: i64 = 30;

/// What an editor wrote, before checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// Headline.
    pub title: String,
    /// URL segment; generated for new articles when empty.
    pub slug: String,
    /// 作者.
    pub author: String,
    /// 来源.
    pub source: String,
    /// Channel slug.
    pub channel: String,
    /// Tags, separated by commas (either width) or 、.
    pub tags: String,
    /// Summary; empty (or the automatic one sent back unchanged) means made from the body's
    /// paragraphs, see [`crate::summary`].
    pub summary: String,
    /// Cover image URL.
    pub cover_image: String,
    /// Body in `format`.
    pub body: String,
    /// `html` (the rich-text editor) or `markdown`; absent: the article's current format, else
    /// Markdown (the API's default for new articles).
    pub format: Option<BodyFormat>,
    /// Flags and SEO fields; `None` leaves the article's as they are.
    pub desk: Option<DeskFields>,
}

/// What a save does to the article's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveAction {
    /// Keep the status (new articles become drafts).
    Keep,
    /// Make it (or keep it) a draft.
    Draft,
    /// Publish now (a published article keeps its original time).
    Publish,
    /// Publish at this time: a future time schedules, a past one publishes now back-dated to it
    /// (migrated and corrected articles keep their real date).
    Schedule(DateTime<Utc>),
}

/// Why a newsroom operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NewsroomError {
    /// A field is wrong; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// Every core stayed busy with other bodies; try again shortly.
    #[error("{0}")]
    Busy(String),
    /// The account's role does not allow this (review, 三审); the message says who may.
    #[error("{0}")]
    Forbidden(String),
    /// Someone else changed the article since it was opened.
    #[error(
        "保存失败：这篇文章在您打开之后已被他人修改。为避免覆盖对方的修改，本次保存未生效；请重新打开文章，合并修改后再保存。"
    )]
    Stale,
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<NewsroomError> for crate::error::AppError {
    fn from(e: NewsroomError) -> Self {
        match e {
            NewsroomError::Invalid(m) => Self::BadRequest(m),
            NewsroomError::Busy(m) => Self::TooManyRequests(m),
            NewsroomError::Forbidden(m) => Self::Forbidden(m),
            NewsroomError::Stale => Self::Conflict(NewsroomError::Stale.to_string()),
            NewsroomError::Store(e) => e.into(),
        }
    }
}

pub(crate) fn stale_aware(e: StoreError) -> NewsroomError {
    match e {
        StoreError::Conflict { what } if what.starts_with(STALE) => NewsroomError::Stale,
        StoreError::Conflict { what } if what.contains("slug") => {
            NewsroomError::Invalid("网址别名（slug）已被另一篇文章使用，请换一个".into())
        }
        e => NewsroomError::Store(e),
    }
}

pub(crate) fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Splits a tag field on commas (ASCII or full-width), 、 and semicolons, dropping blanks and
/// repeats.
pub fn split_tags(field: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for t in field.split([',', '，', '、', ';', '；']) {
        let t = t.trim();
        if !t.is_empty() && !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    }
    tags
}

/// Longest headline, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest 作者, in characters.
pub const MAX_AUTHOR_CHARS: usize = 50;
/// Longest 来源, in characters.
pub const MAX_SOURCE_CHARS: usize = 100;
/// Longest summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 500;
/// Longest slug, in bytes (ASCII only).
pub const MAX_SLUG_BYTES: usize = 100;
/// Longest channel slug, in characters.
pub const MAX_CHANNEL_CHARS: usize = 100;
/// Most tags on one article.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;
/// Longest cover image URL, in bytes.
pub const MAX_COVER_BYTES: usize = 2_048;
/// Largest body, in bytes: about half a million Chinese characters, far past any article, and
/// below the 2 MB request limit so the editor gets this message rather than a bare 413.
pub const MAX_BODY_BYTES: usize = 1_500_000;
/// Longest SEO title, in characters.
pub const MAX_SEO_TITLE_CHARS: usize = 100;
/// Longest SEO keywords, in characters.
pub const MAX_SEO_KEYWORDS_CHARS: usize = 200;
/// Longest SEO description, in characters.
pub const MAX_SEO_DESCRIPTION_CHARS: usize = 300;
/// Publish times must fall in these years: stored times keep one fixed-width text form, and a
/// year like 10000 is a typo or an attack, never a plan.
pub const PUBLISH_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

fn too_long(field: &str, value: &str, max: usize) -> Result<(), NewsroomError> {
    let n = value.chars().count();
    if n > max {
        return Err(NewsroomError::Invalid(format!(
            "{field}太长：最多 {max} 个字符，现在有 {n} 个"
        )));
    }
    Ok(())
}

/// Refuses a publish time outside [`PUBLISH_YEARS`]; `field` names it for the editor.
pub fn check_publish_time(field: &str, at: DateTime<Utc>) -> Result<(), NewsroomError> {
    use chrono::Datelike;
    if PUBLISH_YEARS.contains(&at.year()) {
        return Ok(());
    }
    Err(NewsroomError::Invalid(format!(
        "{field}无效：年份 {} 超出范围，只能在 {} 到 {} 年之间",
        at.year(),
        PUBLISH_YEARS.start(),
        PUBLISH_YEARS.end()
    )))
}

/// The length and count limits of a draft, shared by the admin and the API: cheap checks, run
/// before any work on the body.
fn check_fields(draft: &Draft) -> Result<(), NewsroomError> {
    let title = draft.title.trim();
    if title.is_empty() {
        return Err(NewsroomError::Invalid("标题不能为空".into()));
    }
    too_long("标题", title, MAX_TITLE_CHARS)?;
    too_long("作者", draft.author.trim(), MAX_AUTHOR_CHARS)?;
    too_long("来源", draft.source.trim(), MAX_SOURCE_CHARS)?;
    too_long("摘要", draft.summary.trim(), MAX_SUMMARY_CHARS)?;
    too_long("栏目", draft.channel.trim(), MAX_CHANNEL_CHARS)?;
    if draft.channel.trim().is_empty() {
        return Err(NewsroomError::Invalid("请选择栏目".into()));
    }
    if draft.slug.trim().len() > MAX_SLUG_BYTES {
        return Err(NewsroomError::Invalid(format!(
            "网址别名（slug）太长：最多 {MAX_SLUG_BYTES} 个字符"
        )));
    }
    if draft.cover_image.trim().len() > MAX_COVER_BYTES {
        return Err(NewsroomError::Invalid(format!(
            "封面图片地址太长：最多 {MAX_COVER_BYTES} 个字符"
        )));
    }
    let tags = split_tags(&draft.tags);
    if tags.len() > MAX_TAGS {
        return Err(NewsroomError::Invalid(format!(
            "标签太多：最多 {MAX_TAGS} 个，现在有 {} 个",
            tags.len()
        )));
    }
    if let Some(t) = tags.iter().find(|t| t.chars().count() > MAX_TAG_CHARS) {
        let start: String = t.chars().take(10).collect();
        return Err(NewsroomError::Invalid(format!(
            "标签“{start}…”太长：每个标签最多 {MAX_TAG_CHARS} 个字符"
        )));
    }
    if let Some(desk) = &draft.desk {
        check_desk(desk)?;
    }
    if draft.body.len() > MAX_BODY_BYTES {
        return Err(NewsroomError::Invalid(format!(
            "正文太长：最多 {MAX_BODY_BYTES} 字节（约 50 万汉字），现在有 {} 字节",
            draft.body.len()
        )));
    }
    Ok(())
}

/// Checks a draft, then renders its body and finds its targets on the CPU pool (see
/// [`crate::content`]): everything a save computes, before the store is called.
pub(crate) async fn prepare(
    draft: &Draft,
    action: SaveAction,
    current: Option<&EditableArticle>,
) -> Result<(ArticleInput, Extraction), NewsroomError> {
    check_fields(draft)?;
    if let SaveAction::Schedule(at) = action {
        check_publish_time(time_label(at), at)?;
    }
    let format = body_format(draft, current);
    let body = content::prepare_body(
        format,
        &draft.body,
        draft_meta(draft, action, current),
        pool::SAVE_WAIT,
    )
    .await
    .map_err(|e| match e {
        BodyError::Structure(e) => NewsroomError::Invalid(e.to_string()),
        BodyError::Pool(e) => NewsroomError::Busy(e.to_string()),
    })?;
    let input = to_input(draft, action, current, body.html, body.auto_summary)?;
    Ok((input, body.targets))
}

/// What the document reader is told besides the body: title, 来源 and the year the article is
/// (or will be) published — scheduled time, else its original publish time, else now.
fn draft_meta(draft: &Draft, action: SaveAction, current: Option<&EditableArticle>) -> DocMeta {
    use chrono::Datelike;
    let published = match action {
        SaveAction::Schedule(at) => Some(at),
        _ => current.and_then(|c| c.article.published_at),
    }
    .unwrap_or_else(Utc::now);
    DocMeta {
        title: optional(&draft.title),
        source: optional(&draft.source),
        published_year: u16::try_from(published.year()).ok(),
    }
}

fn body_format(draft: &Draft, current: Option<&EditableArticle>) -> BodyFormat {
    draft
        .format
        .or(current.map(|c| c.article.body_format))
        .unwrap_or(BodyFormat::Markdown)
}

/// A slug for a new article: its creation date and a random suffix.
fn new_slug() -> String {
    let suffix: String = crate::auth::random_token().chars().take(8).collect();
    format!("{}-{suffix}", Utc::now().format("%Y%m%d"))
}

fn check_slug(slug: &str) -> Result<(), NewsroomError> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG_BYTES
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(NewsroomError::Invalid(format!(
            "网址别名（slug）{slug:?} 无效：只能使用小写英文字母、数字和连字符"
        )))
    }
}

/// The summary to store and whether it is automatic. It stays automatic (made from the body's
/// paragraphs on every save) until an editor writes one: an empty field, or the automatic text
/// sent back unchanged (an API client or a form that round-trips what it read), keeps it so.
fn summary_of(draft: &Draft, current: Option<&EditableArticle>, auto: String) -> (String, bool) {
    let typed = draft.summary.trim();
    let unchanged_auto = current.is_some_and(|c| {
        c.article.summary_auto && !typed.is_empty() && typed == c.article.summary.trim()
    });
    if typed.is_empty() || unchanged_auto {
        (auto, true)
    } else {
        (typed.to_string(), false)
    }
}

/// Turns a checked draft and its rendered body into the store's input, with the status and time
/// `action` gives.
fn to_input(
    draft: &Draft,
    action: SaveAction,
    current: Option<&EditableArticle>,
    html: String,
    auto_summary: String,
) -> Result<ArticleInput, NewsroomError> {
    check_fields(draft)?;
    let title = draft.title.trim();
    let slug = match (optional(&draft.slug), current) {
        (Some(s), _) => s,
        (None, Some(c)) => c.article.slug.clone(),
        (None, None) => new_slug(),
    };
    check_slug(&slug)?;
    let format = body_format(draft, current);
    let (summary, summary_auto) = summary_of(draft, current, auto_summary);
    let now = Utc::now();
    let current_status = current.map(|c| (c.article.status, c.article.published_at));
    let (status, published_at) = match action {
        SaveAction::Keep => current_status.unwrap_or((ArticleStatus::Draft, None)),
        SaveAction::Draft => (ArticleStatus::Draft, current_status.and_then(|(_, t)| t)),
        SaveAction::Publish => {
            // Correcting a published article keeps its original publish time.
            let keep = current_status.and_then(|(_, t)| t).filter(|t| *t <= now);
            (ArticleStatus::Published, Some(keep.unwrap_or(now)))
        }
        SaveAction::Schedule(at) => {
            check_publish_time(time_label(at), at)?;
            (status_at(at, now), Some(at))
        }
    };
    Ok(ArticleInput {
        slug,
        title: title.to_string(),
        author: optional(&draft.author),
        source: optional(&draft.source),
        channel_slug: draft.channel.trim().to_string(),
        tags: split_tags(&draft.tags),
        summary,
        summary_auto,
        body_format: format,
        body_source: draft.body.clone(),
        body_html: html,
        status,
        published_at,
        views: 0,
        import_key: None,
    })
}

/// 定时发布时间 for a future time, 发布时间 for a back-dated one.
fn time_label(at: DateTime<Utc>) -> &'static str {
    if at > Utc::now() {
        "定时发布时间"
    } else {
        "发布时间"
    }
}

/// Published when its time has come (back-dated), else scheduled.
fn status_at(at: DateTime<Utc>, now: DateTime<Utc>) -> ArticleStatus {
    if at <= now {
        ArticleStatus::Published
    } else {
        ArticleStatus::Scheduled
    }
}

/// The audit detail of a back-dated publication.
fn backdated(at: DateTime<Utc>) -> String {
    format!("发布时间设为 {}", at.to_rfc3339())
}

/// The length limits of the SEO fields.
pub fn check_desk(desk: &DeskFields) -> Result<(), NewsroomError> {
    too_long("SEO 标题", desk.seo_title.trim(), MAX_SEO_TITLE_CHARS)?;
    too_long(
        "SEO 关键词",
        desk.seo_keywords.trim(),
        MAX_SEO_KEYWORDS_CHARS,
    )?;
    too_long(
        "SEO 描述",
        desk.seo_description.trim(),
        MAX_SEO_DESCRIPTION_CHARS,
    )?;
    Ok(())
}

fn audit_for(action: SaveAction) -> (AuditAction, String) {
    match action {
        SaveAction::Publish => (AuditAction::Publish, String::new()),
        SaveAction::Schedule(at) if at <= Utc::now() => (AuditAction::Publish, backdated(at)),
        SaveAction::Schedule(at) => (AuditAction::Schedule, at.to_rfc3339()),
        SaveAction::Keep | SaveAction::Draft => (AuditAction::Update, String::new()),
    }
}

pub(crate) async fn audit(
    articles: &Articles,
    user: Option<&User>,
    action: AuditAction,
    id: i64,
    title: &str,
    detail: String,
) -> StoreResult<()> {
    articles
        .store()
        .add_audit(&AuditRecord {
            user,
            action,
            article_id: Some(id),
            article_title: title,
            detail,
        })
        .await
}

/// Creates an article; returns its id.
pub async fn create_article(
    articles: &Articles,
    user: &User,
    draft: &Draft,
    action: SaveAction,
) -> Result<i64, NewsroomError> {
    crate::review::Policy::load(articles, user)
        .await?
        .check_action(action)?;
    let (input, found) = prepare(draft, action, None).await?;
    let cover = optional(&draft.cover_image);
    let id = articles
        .store()
        .create_article(&input, cover.as_deref(), &found)
        .await
        .map_err(stale_aware)?;
    if let Some(desk) = &draft.desk {
        articles.store().set_article_desk(id, desk).await?;
    }
    audit(
        articles,
        Some(user),
        AuditAction::Create,
        id,
        &input.title,
        String::new(),
    )
    .await?;
    if matches!(action, SaveAction::Publish | SaveAction::Schedule(_)) {
        let (what, detail) = audit_for(action);
        audit(articles, Some(user), what, id, &input.title, detail).await?;
    }
    crate::review::record_save(articles, user, id, draft, &input, action, String::new()).await?;
    articles.reindex(&[id]).await?;
    Ok(id)
}

/// Saves an edit made from `version`; refused as [`NewsroomError::Stale`] if the article changed
/// since. Returns the new version.
pub async fn save_article(
    articles: &Articles,
    user: &User,
    id: i64,
    version: i64,
    draft: &Draft,
    action: SaveAction,
) -> Result<i64, NewsroomError> {
    let current = articles.store().editable_article(id).await?;
    if current.deleted_at.is_some() {
        return Err(NewsroomError::Invalid(
            "这篇文章在回收站中，请先恢复再编辑".into(),
        ));
    }
    if current.version != version {
        return Err(NewsroomError::Stale);
    }
    let policy = crate::review::Policy::load(articles, user).await?;
    policy.check_save(&current, action)?;
    policy.check_owner(articles, user, id).await?;
    // Editing a published article stages the edit; it goes live on 更新发布.
    if crate::review::stages(&current, action) {
        let version =
            crate::review::stage_edit(articles, user, &current, draft, String::new()).await?;
        // Flags and SEO fields place the article; they are not part of the staged text, so they
        // apply at once (the 头条 is moved without publishing pending edits).
        if let Some(desk) = &draft.desk {
            articles.store().set_article_desk(id, desk).await?;
        }
        return Ok(version);
    }
    write_article(articles, user, &current, draft, action, String::new()).await
}

/// Writes a checked edit of `current` (whose version the caller has compared) to the article,
/// records its revision (`note` says e.g. what was restored) and reindexes. Returns the new
/// version.
pub(crate) async fn write_article(
    articles: &Articles,
    user: &User,
    current: &EditableArticle,
    draft: &Draft,
    action: SaveAction,
    note: String,
) -> Result<i64, NewsroomError> {
    let (id, version) = (current.article.id, current.version);
    let (input, found) = prepare(draft, action, Some(current)).await?;
    // Derived rows = extraction ∘ corrections: the editors' corrections survive the new text.
    let corrections = articles.store().article_corrections(id).await?;
    let applied = corrections.clone();
    let found = content::apply_corrections(corrections, found, &input.body_html, pool::SAVE_WAIT)
        .await
        .map_err(|e| NewsroomError::Busy(e.to_string()))?;
    let cover = optional(&draft.cover_image);
    let new_version = articles
        .store()
        .update_article(id, version, &input, cover.as_deref(), &found)
        .await
        .map_err(stale_aware)?;
    if let Some(desk) = &draft.desk {
        articles.store().set_article_desk(id, desk).await?;
    }
    // A correction committed while this save was computed (its own derivation may have read the
    // old text): derive once more, from the new text and every correction.
    if articles.store().article_corrections(id).await? != applied {
        articles.rederive(id).await?;
    }
    let (what, detail) = audit_for(action);
    audit(articles, Some(user), what, id, &input.title, detail).await?;
    crate::review::record_save(articles, user, id, draft, &input, action, note).await?;
    articles.reindex(&[id]).await?;
    Ok(new_version)
}

/// Publishes now, schedules or unpublishes without changing content; `version`, when given, must
/// be current.
pub async fn change_status(
    articles: &Articles,
    user: &User,
    id: i64,
    version: Option<i64>,
    action: SaveAction,
) -> Result<i64, NewsroomError> {
    let current = articles.store().editable_article(id).await?;
    if current.deleted_at.is_some() {
        return Err(NewsroomError::Invalid("这篇文章在回收站中".into()));
    }
    if version.is_some_and(|v| v != current.version) {
        return Err(NewsroomError::Stale);
    }
    crate::review::Policy::load(articles, user)
        .await?
        .check_status_change(&current, action)?;
    // 更新发布 (or its approval) of a published article's staged edit.
    if action == SaveAction::Publish
        && let Some(version) = crate::review::publish_staged(articles, user, &current).await?
    {
        return Ok(version);
    }
    let now = Utc::now();
    let (status, at, what, detail) = match action {
        SaveAction::Publish => {
            let keep = current.article.published_at.filter(|t| *t <= now);
            (
                ArticleStatus::Published,
                Some(keep.unwrap_or(now)),
                AuditAction::Publish,
                String::new(),
            )
        }
        SaveAction::Schedule(at) => {
            check_publish_time(time_label(at), at)?;
            let (what, detail) = audit_for(action);
            (status_at(at, now), Some(at), what, detail)
        }
        SaveAction::Draft | SaveAction::Keep => (
            ArticleStatus::Draft,
            current.article.published_at,
            AuditAction::Unpublish,
            String::new(),
        ),
    };
    let new_version = articles
        .store()
        .set_article_status(id, Some(current.version), status, at)
        .await
        .map_err(stale_aware)?;
    audit(
        articles,
        Some(user),
        what,
        id,
        &current.article.title,
        detail,
    )
    .await?;
    if status == ArticleStatus::Published {
        // Approved: the reviewer's comment has been dealt with.
        articles.store().set_review_comment(id, "").await?;
    }
    articles.reindex(&[id]).await?;
    Ok(new_version)
}

/// Moves an article to the trash (off the public site at once) or restores it as a draft.
pub async fn set_trashed(
    articles: &Articles,
    user: &User,
    id: i64,
    trashed: bool,
) -> Result<(), NewsroomError> {
    let current = articles.store().editable_article(id).await?;
    crate::review::Policy::load(articles, user)
        .await?
        .check_trash(&current)?;
    articles.store().set_article_trashed(id, trashed).await?;
    let what = if trashed {
        AuditAction::Trash
    } else {
        AuditAction::Restore
    };
    audit(
        articles,
        Some(user),
        what,
        id,
        &current.article.title,
        String::new(),
    )
    .await?;
    articles.reindex(&[id]).await?;
    Ok(())
}

/// Publishes what is due and purges trash older than [`TRASH_DAYS`]; returns how many published.
pub async fn run_due(articles: &Articles) -> StoreResult<usize> {
    let now = Utc::now();
    let due = articles.store().publish_due(now).await?;
    for (id, title) in &due {
        tracing::info!(article.id = id, "published scheduled article");
        audit(
            articles,
            None,
            AuditAction::PublishScheduled,
            *id,
            title,
            String::new(),
        )
        .await?;
    }
    let ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
    if !ids.is_empty() {
        articles.reindex(&ids).await?;
    }
    let purged = articles
        .store()
        .purge_trash(now - chrono::Duration::days(TRASH_DAYS))
        .await?;
    if purged > 0 {
        tracing::info!(
            articles = purged,
            "purged articles trashed over {TRASH_DAYS} days ago"
        );
    }
    // Every running node applies the search change log within seconds; a node started later
    // compares search stamps instead, so a day of entries is plenty. Once an hour per process.
    static PRUNED_HOUR: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let hour = now.timestamp() / 3600;
    if PRUNED_HOUR.swap(hour, std::sync::atomic::Ordering::Relaxed) != hour {
        articles
            .store()
            .prune_index_changes(now - chrono::Duration::days(1))
            .await?;
    }
    Ok(due.len())
}

/// Runs [`run_due`] now and every [`SCHEDULER_TICK`] until `stop` changes.
pub fn spawn_scheduler(
    articles: Articles,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SCHEDULER_TICK);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            if let Err(e) = run_due(&articles).await {
                tracing::warn!(error = %e, "publishing scheduled articles failed; will retry");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_on_chinese_and_ascii_separators() {
        assert_eq!(
            split_tags("新能源， 储能、光伏,储能 ;"),
            vec!["新能源", "储能", "光伏"]
        );
    }

    #[test]
    fn drafts_are_checked() {
        let html = || "<p>正文</p>".to_string();
        let mut d = Draft {
            title: " ".into(),
            channel: "nev".into(),
            body: "正文".into(),
            ..Draft::default()
        };
        assert!(to_input(&d, SaveAction::Keep, None, html(), "正文".into()).is_err());
        d.title = "标题".into();
        let input = to_input(&d, SaveAction::Publish, None, html(), "正文".into()).unwrap();
        assert_eq!(input.status, ArticleStatus::Published);
        assert_eq!(input.summary, "正文");
        d.slug = "Bad Slug".into();
        assert!(to_input(&d, SaveAction::Keep, None, html(), "正文".into()).is_err());
        d.slug.clear();
        // A past time back-dates: published, with that time kept.
        let past = Utc::now() - chrono::Duration::days(400);
        let input = to_input(&d, SaveAction::Schedule(past), None, html(), "正文".into()).unwrap();
        assert_eq!(input.status, ArticleStatus::Published);
        assert_eq!(input.published_at, Some(past));
    }

    fn refusal(d: &Draft) -> String {
        match check_fields(d) {
            Err(NewsroomError::Invalid(m)) => m,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn field_limits_name_the_field() {
        let ok = Draft {
            title: "标题".into(),
            channel: "nev".into(),
            body: "正文".into(),
            ..Draft::default()
        };
        check_fields(&ok).unwrap();
        let with = |f: fn(&mut Draft)| {
            let mut d = ok.clone();
            f(&mut d);
            refusal(&d)
        };
        assert!(with(|d| d.title = "标".repeat(201)).starts_with("标题太长"));
        assert!(with(|d| d.author = "作".repeat(1_000_000)).starts_with("作者太长"));
        assert!(with(|d| d.source = "源".repeat(101)).starts_with("来源太长"));
        assert!(with(|d| d.summary = "摘".repeat(501)).starts_with("摘要太长"));
        assert!(with(|d| d.slug = "a".repeat(101)).contains("slug"));
        assert!(with(|d| d.cover_image = "a".repeat(3_000)).starts_with("封面"));
        let many: Vec<String> = (0..10_000).map(|i| format!("标签{i}")).collect();
        let tags = many.join(",");
        let mut d = ok.clone();
        d.tags = tags;
        assert!(refusal(&d).starts_with("标签太多"));
        assert!(with(|d| d.tags = "长".repeat(33)).contains("每个标签最多"));
        assert!(with(|d| d.body = "x".repeat(MAX_BODY_BYTES + 1)).starts_with("正文太长"));
    }

    #[test]
    fn publish_years_outside_the_range_are_refused() {
        let year = |y| {
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
        };
        let y10000 = year(10_000);
        let err = check_publish_time("publish_at", y10000).unwrap_err();
        assert!(err.to_string().contains("publish_at"), "{err}");
        assert!(err.to_string().contains("10000"), "{err}");
        assert!(check_publish_time("publish_at", year(1800)).is_err());
        assert!(check_publish_time("publish_at", year(262_142)).is_err());
        check_publish_time("publish_at", Utc::now()).unwrap();
    }
}
