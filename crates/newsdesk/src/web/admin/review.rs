//! Review (三审) and revisions in the newsroom: the review queue (`/admin/review`), submit and
//! send back, an article's revision history with a readable diff (`/admin/articles/{id}/revisions`)
//! and restore. The rules live in [`crate::review`]; these handlers only show and forward.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AdminLayout, CurrentUser, render, render_status, see_other, time};
use crate::domain::{ArticleStatus, EditableArticle, Revision};
use crate::error::AppError;
use crate::render::pool::{self, PoolError};
use crate::render::views::TimeView;
use crate::review::{self, DiffLine, Policy};
use crate::web::AppState;
use crate::web::extract::{Form, Path, Query};

/// What the editor page shows about review: who may do what, the reviewer's comment, and the
/// staged edit being edited.
#[derive(Debug, Default, Serialize)]
pub struct EditorReview {
    /// The account may publish / schedule / 更新发布 / approve.
    pub may_publish: bool,
    /// The account may send back, unpublish, trash.
    pub may_review: bool,
    /// 三审 is on.
    pub review_required: bool,
    /// The reviewer's comment, when the article was sent back.
    pub comment: String,
    /// Number of the staged revision the form shows, if any.
    pub staged_number: Option<i64>,
    /// How many revisions the article has.
    pub revisions: usize,
}

/// The review part of the editor page for `user` (article `id`, when editing one).
pub async fn editor_review(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
) -> Result<EditorReview, AppError> {
    let settings = state.store.site_settings().await?;
    let policy = Policy {
        role: user.user.role,
        review_required: settings.review_required,
    };
    let mut view = EditorReview {
        may_publish: policy.may_publish(),
        may_review: policy.may_review(),
        review_required: policy.review_required,
        ..EditorReview::default()
    };
    if let Some(id) = id {
        let st = state.store.review_state(id).await?;
        view.comment = st.review_comment;
        if let Some(rid) = st.pending_revision_id {
            view.staged_number = Some(state.store.revision_by_id(rid).await?.number);
        }
        view.revisions = state.store.list_revisions(id).await?.len();
    }
    Ok(view)
}

/// The article as the editor opens it: a published article's staged edit replaces its title,
/// summary, body and other fields in the form.
pub async fn article_for_editing(
    state: &AppState,
    article: EditableArticle,
) -> Result<EditableArticle, AppError> {
    let Some(staged) = review::staged_revision(state.store.as_ref(), article.article.id).await?
    else {
        return Ok(article);
    };
    let draft = review::draft_of(&staged, &article, true);
    let mut e = article;
    e.article.title = draft.title;
    // An empty staged slug keeps the article's (as a save would).
    if !draft.slug.trim().is_empty() {
        e.article.slug = draft.slug;
    }
    e.article.author = Some(draft.author).filter(|s| !s.is_empty());
    e.article.source = Some(draft.source).filter(|s| !s.is_empty());
    e.article.channel.slug = draft.channel;
    e.article.tags = crate::newsroom::split_tags(&draft.tags);
    e.article.summary = draft.summary;
    e.cover_image = Some(draft.cover_image).filter(|s| !s.is_empty());
    e.article.body_source = draft.body;
    if let Some(f) = draft.format {
        e.article.body_format = f;
    }
    Ok(e)
}

#[derive(Serialize)]
struct QueueRow {
    id: i64,
    title: String,
    author: Option<String>,
    channel: String,
    what: &'static str,
    updated: TimeView,
}

/// `?notice=` after a redirect.
#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    notice: Option<String>,
}

/// `GET /admin/review`: articles waiting for a reviewer.
pub async fn review_queue(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let items = state.store.review_queue().await?;
    let rows: Vec<QueueRow> = items
        .iter()
        .map(|i| QueueRow {
            id: i.id,
            title: i.title.clone(),
            author: i.author.clone(),
            channel: i.channel_name.clone(),
            what: if i.status == ArticleStatus::Pending {
                "待审稿件"
            } else {
                "已发布文章的修改，待更新发布"
            },
            updated: time(&state, i.updated_at),
        })
        .collect();
    let settings = state.store.site_settings().await?;
    let title = "审核";
    let layout = AdminLayout::new(&state, &user, "review", title).with_notice(q.notice.as_deref());
    render(
        &state,
        "admin/review.html",
        context! { layout, title, rows, review_required => settings.review_required },
    )
}

/// Submit and send-back forms.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    version: Option<i64>,
    #[serde(default)]
    comment: String,
}

/// `POST /admin/articles/{id}/submit`: 提交审核.
pub async fn submit_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, AppError> {
    review::submit(state.newsroom_articles()?, &user.user, id, form.version).await?;
    Ok(see_other(&format!("/admin/articles/{id}?notice=submitted")))
}

/// `POST /admin/articles/{id}/return`: 退回 with the reviewer's comment.
pub async fn send_back_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, AppError> {
    review::send_back(
        state.newsroom_articles()?,
        &user.user,
        id,
        form.version,
        &form.comment,
    )
    .await?;
    Ok(see_other("/admin/review?notice=returned"))
}

#[derive(Serialize)]
struct RevisionRow {
    number: i64,
    at: TimeView,
    user_name: String,
    kind: &'static str,
    title: String,
    note: String,
    staged: bool,
    selected: bool,
}

/// `?number=`: the revision to compare with the one before it.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    number: Option<i64>,
    notice: Option<String>,
}

#[derive(Serialize)]
struct FieldDiff {
    label: &'static str,
    lines: Vec<Option<DiffLine>>,
}

fn diffs(old: Option<&Revision>, new: &Revision) -> Vec<FieldDiff> {
    let (title, summary, body) = old.map_or(("", "", ""), |o| {
        (o.title.as_str(), o.summary.as_str(), o.body_source.as_str())
    });
    [
        ("标题", title, new.title.as_str()),
        ("摘要", summary, new.summary.as_str()),
        ("正文", body, new.body_source.as_str()),
    ]
    .into_iter()
    .map(|(label, a, b)| FieldDiff {
        label,
        lines: review::diff_lines(a, b),
    })
    .filter(|d| !d.lines.is_empty())
    .collect()
}

/// `GET /admin/articles/{id}/revisions`: the history, and what revision `number` (default the
/// newest) changed against the one before it.
pub async fn list_revisions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, AppError> {
    let article = state.store.editable_article(id).await?;
    let revisions = state.store.list_revisions(id).await?;
    let staged = state.store.review_state(id).await?.pending_revision_id;
    let selected = match q.number {
        Some(n) => Some(
            revisions
                .iter()
                .position(|r| r.number == n)
                .ok_or(AppError::NotFound)?,
        ),
        None => (!revisions.is_empty()).then_some(0),
    };
    // Newest first, so the one before revision i is i + 1.
    let (shown, changes) = match selected {
        Some(i) => {
            let (old, new) = (revisions.get(i + 1).cloned(), revisions[i].clone());
            // Diffing 1.5 MB bodies is CPU work: on the pool, never on the async threads.
            let changes = pool::run(pool::PREVIEW_WAIT, move || diffs(old.as_ref(), &new))
                .await
                .map_err(|e| match e {
                    PoolError::Busy => AppError::TooManyRequests(e.to_string()),
                    PoolError::Failed(e) => AppError::Internal(e.into()),
                })?;
            (Some(revisions[i].number), changes)
        }
        None => (None, Vec::new()),
    };
    let before = selected
        .and_then(|i| revisions.get(i + 1))
        .map(|r| r.number);
    let rows: Vec<RevisionRow> = revisions
        .iter()
        .map(|r| RevisionRow {
            number: r.number,
            at: time(&state, r.created_at),
            user_name: r.user_name.clone(),
            kind: if Some(r.id) == staged {
                "待发布的修改"
            } else {
                r.kind.label()
            },
            title: r.title.clone(),
            note: r.note.clone(),
            staged: Some(r.id) == staged,
            selected: Some(r.number) == shown,
        })
        .collect();
    let title = "修订历史";
    let layout =
        AdminLayout::new(&state, &user, "articles", title).with_notice(q.notice.as_deref());
    render_status(
        &state,
        StatusCode::OK,
        "admin/revisions.html",
        context! {
            layout, title, rows, changes, shown, before,
            article_id => id,
            article_title => article.article.title,
            published => article.article.status == ArticleStatus::Published,
            version => article.version,
        },
    )
}

/// `POST /admin/articles/{id}/revisions/{number}/restore`.
pub async fn restore_revision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, number)): Path<(i64, i64)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, AppError> {
    review::restore_revision(
        state.newsroom_articles()?,
        &user.user,
        id,
        number,
        form.version,
    )
    .await?;
    Ok(see_other(&format!(
        "/admin/articles/{id}?notice=revision_restored"
    )))
}
