//! Review (三审) and revisions, shared by the browser admin and the publishing API.
//!
//! **Who may do what** ([`Policy`]): contributors write and submit (提交审核); editors also edit,
//! send back with a comment (退回) and take articles off the site; chief editors and admins
//! approve and publish. With the site setting `review_required` off (the default, for small
//! sites) editors publish too. The rules are checked here, on the server, for every caller.
//!
//! **Revisions.** Every save keeps a revision (title, summary, body, who, when). Saving a
//! published article does not touch the public page: the edit is *staged* as a pending revision
//! (`articles.pending_revision_id`) and goes live only on 更新发布 ([`publish_staged`]), which
//! a chief editor's approval also is when review is required. Any revision can be restored: on a
//! published article the restore is staged like an edit.

use serde::{Deserialize, Serialize};

use crate::content::Articles;
use crate::domain::{
    ArticleStatus, AuditAction, EditableArticle, NewRevision, Revision, RevisionKind, Role, User,
};
use crate::newsroom::{self, Draft, NewsroomError, SaveAction, audit, stale_aware};
use crate::store::StoreResult;

/// Longest reviewer's comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;

/// What one account may do on this site now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The account's role.
    pub role: Role,
    /// The site setting 三审.
    pub review_required: bool,
}

impl Policy {
    /// The policy for `user` under the site's current settings.
    pub async fn load(articles: &Articles, user: &User) -> Result<Self, NewsroomError> {
        let settings = articles.store().site_settings().await?;
        Ok(Self {
            role: user.role,
            review_required: settings.review_required,
        })
    }

    /// Whether the account may publish, schedule, 更新发布 and approve.
    pub fn may_publish(self) -> bool {
        self.role.may_publish(self.review_required)
    }

    /// Whether the account may send back, unpublish and trash.
    pub fn may_review(self) -> bool {
        self.role.may_review()
    }

    fn publish_refusal(self) -> NewsroomError {
        NewsroomError::Forbidden(if self.review_required {
            "本站已开启三审：只有主编和管理员可以发布、定时发布或更新发布。请点“提交审核”，由主编审核后发布。"
                .into()
        } else {
            "投稿人不能发布文章：请点“提交审核”，由编辑或主编审核后发布。".into()
        })
    }

    fn review_refusal(what: &str) -> NewsroomError {
        NewsroomError::Forbidden(format!("投稿人不能{what}：请联系编辑或主编。"))
    }

    /// A save or create with `action`: publishing and scheduling need [`Self::may_publish`].
    pub fn check_action(self, action: SaveAction) -> Result<(), NewsroomError> {
        match action {
            SaveAction::Publish | SaveAction::Schedule(_) if !self.may_publish() => {
                Err(self.publish_refusal())
            }
            _ => Ok(()),
        }
    }

    /// A save of `current` with `action`; making a public article a draft is taking it down.
    pub fn check_save(
        self,
        current: &EditableArticle,
        action: SaveAction,
    ) -> Result<(), NewsroomError> {
        self.check_action(action)?;
        let public = matches!(
            current.article.status,
            ArticleStatus::Published | ArticleStatus::Scheduled
        );
        if public && action == SaveAction::Draft && !self.may_review() {
            return Err(Self::review_refusal("撤回已发布的文章"));
        }
        // A scheduled article goes out by itself: changing it is publishing.
        if current.article.status == ArticleStatus::Scheduled
            && action == SaveAction::Keep
            && !self.may_publish()
        {
            return Err(NewsroomError::Forbidden(
                "定时发布的文章会自动发布，只有有发布权限的账号可以修改；请先撤回定时发布，或请主编修改。"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Publish, schedule or unpublish `current`.
    pub fn check_status_change(
        self,
        current: &EditableArticle,
        action: SaveAction,
    ) -> Result<(), NewsroomError> {
        match action {
            SaveAction::Publish | SaveAction::Schedule(_) => self.check_action(action),
            SaveAction::Draft | SaveAction::Keep => {
                if !self.may_review() && current.article.status != ArticleStatus::Draft {
                    return Err(Self::review_refusal("撤回文章"));
                }
                Ok(())
            }
        }
    }

    /// Contributors change only the articles they wrote (the author of the article's first
    /// revision); everyone else may edit any article. Articles from before revisions were kept
    /// (or imported ones) have no first revision and are nobody's to edit as a contributor.
    pub async fn check_owner(
        self,
        articles: &Articles,
        user: &User,
        id: i64,
    ) -> Result<(), NewsroomError> {
        if self.role != Role::Contributor {
            return Ok(());
        }
        let owner = match articles.store().revision(id, 1).await {
            Ok(first) => Some(first.user_name),
            Err(crate::store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        if owner.is_some_and(|name| name.eq_ignore_ascii_case(&user.name)) {
            Ok(())
        } else {
            Err(NewsroomError::Forbidden(
                "投稿人只能修改和提交自己写的稿件；这篇文章请联系编辑修改。".into(),
            ))
        }
    }

    /// Moving to or out of the trash.
    pub fn check_trash(self, _current: &EditableArticle) -> Result<(), NewsroomError> {
        if self.may_review() {
            Ok(())
        } else {
            Err(Self::review_refusal("把文章移入或移出回收站"))
        }
    }
}

/// Whether saving `current` with `action` stages the edit instead of changing the public page.
pub fn stages(current: &EditableArticle, action: SaveAction) -> bool {
    current.article.status == ArticleStatus::Published
        && current.deleted_at.is_none()
        && action == SaveAction::Keep
}

/// The rest of a staged form besides title, summary and body, kept with its revision as JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StagedFields {
    slug: String,
    author: String,
    source: String,
    channel: String,
    tags: String,
    cover_image: String,
}

impl StagedFields {
    fn of_draft(d: &Draft) -> Self {
        Self {
            slug: d.slug.clone(),
            author: d.author.clone(),
            source: d.source.clone(),
            channel: d.channel.clone(),
            tags: d.tags.clone(),
            cover_image: d.cover_image.clone(),
        }
    }

    fn of_article(e: &EditableArticle) -> Self {
        let a = &e.article;
        Self {
            slug: a.slug.clone(),
            author: a.author.clone().unwrap_or_default(),
            source: a.source.clone().unwrap_or_default(),
            channel: a.channel.slug.clone(),
            tags: a.tags.join("，"),
            cover_image: e.cover_image.clone().unwrap_or_default(),
        }
    }
}

/// The form a revision stands for: its title, summary and body with, for a staged edit, the rest
/// of the form it was staged with (else the article's current fields).
pub fn draft_of(revision: &Revision, current: &EditableArticle, with_fields: bool) -> Draft {
    let fields = with_fields
        .then(|| serde_json::from_str::<StagedFields>(&revision.fields).ok())
        .flatten()
        .unwrap_or_else(|| StagedFields::of_article(current));
    Draft {
        title: revision.title.clone(),
        slug: fields.slug,
        author: fields.author,
        source: fields.source,
        channel: fields.channel,
        tags: fields.tags,
        summary: revision.summary.clone(),
        cover_image: fields.cover_image,
        body: revision.body_source.clone(),
        format: Some(revision.body_format),
        // Flags and SEO fields are placement, not a revision's content: left as they are.
        desk: None,
    }
}

/// Records the revision of a save that wrote `input` to article `id`, and forgets any staged
/// edit (a direct write supersedes it; it stays in the history).
pub(crate) async fn record_save(
    articles: &Articles,
    user: &User,
    id: i64,
    draft: &Draft,
    input: &crate::domain::ArticleInput,
    action: SaveAction,
    note: String,
) -> StoreResult<()> {
    let kind = match action {
        SaveAction::Publish => RevisionKind::Published,
        _ if !note.is_empty() => RevisionKind::Restore,
        _ => RevisionKind::Save,
    };
    let store = articles.store();
    store
        .add_revision(
            id,
            &NewRevision {
                user: Some(user),
                title: &input.title,
                summary: draft.summary.trim(),
                body_format: input.body_format,
                body_source: &input.body_source,
                kind,
                note,
                fields: String::new(),
            },
        )
        .await?;
    if kind == RevisionKind::Published {
        // Published: the reviewer's comment has been dealt with.
        store.set_review_comment(id, "").await?;
    }
    store.clear_pending_revision(id).await
}

/// Stages `draft` as the pending edit of the published article `current` (after the checks of
/// a save). Returns the new version.
pub(crate) async fn stage_edit(
    articles: &Articles,
    user: &User,
    current: &EditableArticle,
    draft: &Draft,
    note: String,
) -> Result<i64, NewsroomError> {
    // The same checks and rendering as a save, so 更新发布 cannot fail on the text later.
    newsroom::prepare(draft, SaveAction::Keep, Some(current)).await?;
    let id = current.article.id;
    let fields = serde_json::to_string(&StagedFields::of_draft(draft))
        .map_err(|e| NewsroomError::Store(anyhow::Error::from(e).into()))?;
    let kind = if note.is_empty() {
        RevisionKind::Pending
    } else {
        RevisionKind::Restore
    };
    let title = draft.title.trim();
    let (revision, version) = articles
        .store()
        .stage_revision(
            id,
            current.version,
            &NewRevision {
                user: Some(user),
                title,
                summary: draft.summary.trim(),
                body_format: draft.format.unwrap_or(current.article.body_format),
                body_source: &draft.body,
                kind,
                note,
                fields,
            },
        )
        .await
        .map_err(stale_aware)?;
    audit(
        articles,
        Some(user),
        AuditAction::Update,
        id,
        title,
        format!("待发布的修改（第 {} 版），更新发布后生效", revision.number),
    )
    .await?;
    Ok(version)
}

/// 更新发布: if the published article `current` has a staged edit, writes it as the public
/// article and returns the new version; `None` when there is nothing staged.
pub(crate) async fn publish_staged(
    articles: &Articles,
    user: &User,
    current: &EditableArticle,
) -> Result<Option<i64>, NewsroomError> {
    if current.article.status != ArticleStatus::Published {
        return Ok(None);
    }
    let store = articles.store();
    let Some(staged) = store
        .review_state(current.article.id)
        .await?
        .pending_revision_id
    else {
        return Ok(None);
    };
    let revision = store.revision_by_id(staged).await?;
    let draft = draft_of(&revision, current, true);
    let version = newsroom::write_article(
        articles,
        user,
        current,
        &draft,
        SaveAction::Publish,
        format!("更新发布第 {} 版", revision.number),
    )
    .await?;
    store.set_review_comment(current.article.id, "").await?;
    Ok(Some(version))
}

async fn current_for_review(
    articles: &Articles,
    id: i64,
    version: Option<i64>,
) -> Result<EditableArticle, NewsroomError> {
    let current = articles.store().editable_article(id).await?;
    if current.deleted_at.is_some() {
        return Err(NewsroomError::Invalid("这篇文章在回收站中".into()));
    }
    if version.is_some_and(|v| v != current.version) {
        return Err(NewsroomError::Stale);
    }
    Ok(current)
}

/// 提交审核: a draft or returned article becomes 待审. Anyone may submit.
pub async fn submit(
    articles: &Articles,
    user: &User,
    id: i64,
    version: Option<i64>,
) -> Result<i64, NewsroomError> {
    let current = current_for_review(articles, id, version).await?;
    Policy::load(articles, user)
        .await?
        .check_owner(articles, user, id)
        .await?;
    match current.article.status {
        ArticleStatus::Draft | ArticleStatus::Returned => {}
        ArticleStatus::Pending => {
            return Err(NewsroomError::Invalid("这篇文章已经在待审中".into()));
        }
        ArticleStatus::Published | ArticleStatus::Scheduled => {
            return Err(NewsroomError::Invalid(
                "已发布或定时发布的文章不需要提交审核：修改后保存，修改即进入审核队列，等待更新发布"
                    .into(),
            ));
        }
    }
    let version = articles
        .store()
        .set_article_status(
            id,
            Some(current.version),
            ArticleStatus::Pending,
            current.article.published_at,
        )
        .await
        .map_err(stale_aware)?;
    audit(
        articles,
        Some(user),
        AuditAction::Submit,
        id,
        &current.article.title,
        String::new(),
    )
    .await?;
    articles.reindex(&[id]).await?;
    Ok(version)
}

/// 退回: a submitted article goes back to its author (or a published article's staged edit is
/// dropped) with the reviewer's `comment`, which the author sees in the editor.
pub async fn send_back(
    articles: &Articles,
    user: &User,
    id: i64,
    version: Option<i64>,
    comment: &str,
) -> Result<i64, NewsroomError> {
    let policy = Policy::load(articles, user).await?;
    if !policy.may_review() {
        return Err(Policy::review_refusal("退回稿件"));
    }
    let comment = comment.trim();
    if comment.is_empty() {
        return Err(NewsroomError::Invalid(
            "退回意见不能为空：请写明需要作者修改什么".into(),
        ));
    }
    let n = comment.chars().count();
    if n > MAX_COMMENT_CHARS {
        return Err(NewsroomError::Invalid(format!(
            "退回意见太长：最多 {MAX_COMMENT_CHARS} 个字符，现在有 {n} 个"
        )));
    }
    let current = current_for_review(articles, id, version).await?;
    let store = articles.store();
    let version = match current.article.status {
        ArticleStatus::Pending => store
            .set_article_status(
                id,
                Some(current.version),
                ArticleStatus::Returned,
                current.article.published_at,
            )
            .await
            .map_err(stale_aware)?,
        ArticleStatus::Published if store.review_state(id).await?.pending_revision_id.is_some() => {
            store.clear_pending_revision(id).await?;
            current.version
        }
        _ => {
            return Err(NewsroomError::Invalid(
                "只有待审的稿件（或已发布文章待发布的修改）可以退回".into(),
            ));
        }
    };
    store.set_review_comment(id, comment).await?;
    audit(
        articles,
        Some(user),
        AuditAction::SendBack,
        id,
        &current.article.title,
        comment.to_string(),
    )
    .await?;
    articles.reindex(&[id]).await?;
    Ok(version)
}

/// Restores revision `number` of article `id`: its title, summary and body with the article's
/// other fields as they are now. On a published article the restore is staged (goes live on
/// 更新发布); otherwise it is saved at once. Returns the new version.
pub async fn restore_revision(
    articles: &Articles,
    user: &User,
    id: i64,
    number: i64,
    version: Option<i64>,
) -> Result<i64, NewsroomError> {
    let current = current_for_review(articles, id, version).await?;
    Policy::load(articles, user)
        .await?
        .check_owner(articles, user, id)
        .await?;
    let revision = articles.store().revision(id, number).await?;
    let draft = draft_of(&revision, &current, false);
    let note = format!("恢复自第 {number} 版");
    let new_version = if stages(&current, SaveAction::Keep) {
        stage_edit(articles, user, &current, &draft, note.clone()).await?
    } else {
        Policy::load(articles, user)
            .await?
            .check_save(&current, SaveAction::Keep)?;
        newsroom::write_article(
            articles,
            user,
            &current,
            &draft,
            SaveAction::Keep,
            note.clone(),
        )
        .await?
    };
    audit(
        articles,
        Some(user),
        AuditAction::RestoreRevision,
        id,
        &revision.title,
        note,
    )
    .await?;
    Ok(new_version)
}

/// The text an editor opens: a published article's staged edit if there is one.
pub async fn staged_revision(
    articles_store: &dyn crate::store::Store,
    id: i64,
) -> StoreResult<Option<Revision>> {
    match articles_store.review_state(id).await?.pending_revision_id {
        Some(rid) => Ok(Some(articles_store.revision_by_id(rid).await?)),
        None => Ok(None),
    }
}

/// A line diff of two texts for the history page, with changed words marked inside changed lines.
#[derive(Debug, Clone, Serialize)]
pub struct DiffLine {
    /// `equal`, `insert` or `delete`.
    pub tag: &'static str,
    /// The line in parts, each marked as changed (inside the line) or not.
    pub parts: Vec<(bool, String)>,
}

/// Readable differences between `old` and `new`: changed lines, with a few unchanged lines of
/// context around them (`None` stands for skipped unchanged lines).
pub fn diff_lines(old: &str, new: &str) -> Vec<Option<DiffLine>> {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_lines(old, new);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(2).iter().enumerate() {
        if i > 0 {
            out.push(None);
        }
        for op in group {
            for change in diff.iter_inline_changes(op) {
                let tag = match change.tag() {
                    ChangeTag::Equal => "equal",
                    ChangeTag::Insert => "insert",
                    ChangeTag::Delete => "delete",
                };
                let parts = change
                    .iter_strings_lossy()
                    .map(|(emph, s)| (emph, s.trim_end_matches('\n').to_string()))
                    .filter(|(_, s)| !s.is_empty())
                    .collect();
                out.push(Some(DiffLine { tag, parts }));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_publish_by_the_review_setting() {
        assert!(Role::Editor.may_publish(false));
        assert!(!Role::Editor.may_publish(true));
        assert!(Role::Chief.may_publish(true));
        assert!(Role::Admin.may_publish(true));
        assert!(!Role::Contributor.may_publish(false));
        assert!(!Role::Contributor.may_review());
    }

    #[test]
    fn diffs_mark_changed_words_in_changed_lines() {
        let d = diff_lines(
            "第一段。\n第二段原文。\n第三段。\n",
            "第一段。\n第二段新文。\n第三段。\n",
        );
        let changed: Vec<_> = d.iter().flatten().filter(|l| l.tag != "equal").collect();
        assert_eq!(changed.len(), 2, "{d:?}");
        assert!(changed[0].parts.iter().any(|(emph, _)| *emph));
        assert!(diff_lines("同样\n", "同样\n").is_empty());
    }
}
