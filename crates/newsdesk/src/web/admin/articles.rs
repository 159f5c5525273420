//! Articles in the newsroom: the filtered list, the editor (create, save, publish, schedule), status
//! changes, the trash, and the live preview, which renders with the same function as the public
//! page so what the editor sees is what readers get.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{NaiveDateTime, TimeZone};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AdminLayout, CurrentUser, render_status, see_other, time};
use crate::content::{self, BodyError};
use crate::domain::{
    ArticleFilter, ArticleListItem, ArticleStatus, BodyFormat, Channel, DeskFields,
    EditableArticle, PageRequest,
};
use crate::error::AppError;
use crate::newsroom::{self, Draft, NewsroomError, SaveAction};
use crate::render::pool::{self, PoolError};
use crate::render::views::{Pagination, TimeView};
use crate::web::AppState;
use crate::web::extract::{Form, Path, Query};

const PER_PAGE: u32 = 30;

/// 草稿 / 定时 / 已发布.
pub fn status_label(s: ArticleStatus) -> &'static str {
    match s {
        ArticleStatus::Draft => "草稿",
        ArticleStatus::Scheduled => "定时发布",
        ArticleStatus::Published => "已发布",
        ArticleStatus::Pending => "待审",
        ArticleStatus::Returned => "退回修改",
    }
}

/// Filters and paging of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    channel: Option<String>,
    author: Option<String>,
    q: Option<String>,
    trash: Option<String>,
    page: Option<String>,
    notice: Option<String>,
    /// Column to sort by, `-` in front for descending; default `-published`.
    sort: Option<String>,
}

impl ListQuery {
    /// `/admin/articles` with this list's filters (not its page or notice), so paging keeps them.
    pub(super) fn list_url(&self) -> String {
        let filters: Vec<(&str, &str)> = [
            ("status", &self.status),
            ("channel", &self.channel),
            ("author", &self.author),
            ("q", &self.q),
            ("trash", &self.trash),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_deref()?.trim())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
        match serde_urlencoded::to_string(&filters) {
            Ok(query) if !query.is_empty() => format!("/admin/articles?{query}"),
            _ => "/admin/articles".to_string(),
        }
    }
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

#[derive(Serialize)]
struct Row {
    id: i64,
    title: String,
    author: Option<String>,
    channel: String,
    status: &'static str,
    status_code: &'static str,
    published: Option<TimeView>,
    updated: TimeView,
    deleted: Option<TimeView>,
    edit_url: String,
    public_url: Option<String>,
    version: i64,
    views: i64,
    flags: Vec<&'static str>,
}

fn row(state: &AppState, a: &ArticleListItem) -> Row {
    let public = a.status == ArticleStatus::Published
        && a.published_at.is_some_and(|t| t <= chrono::Utc::now());
    Row {
        id: a.id,
        title: a.title.clone(),
        author: a.author.clone(),
        channel: a.channel_name.clone(),
        status: status_label(a.status),
        status_code: a.status.as_str(),
        published: a.published_at.map(|t| time(state, t)),
        updated: time(state, a.updated_at),
        deleted: a.deleted_at.map(|t| time(state, t)),
        edit_url: format!("/admin/articles/{}", a.id),
        public_url: public.then(|| format!("/articles/{}", a.slug)),
        version: a.version,
        views: a.views,
        flags: a
            .flags
            .iter()
            .map(|f| super::desk::flag_label(*f))
            .collect(),
    }
}

/// `GET /admin/articles`.
pub async fn list_articles(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    list_page(&state, &user, &q, StatusCode::OK, None).await
}

/// The list with `q`'s filters, and a refused bulk action's message when there is one.
pub(super) async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    q: &ListQuery,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let filter = ArticleFilter {
        status: q.status.as_deref().and_then(ArticleStatus::parse),
        channel: non_empty(q.channel.as_ref()),
        author: non_empty(q.author.as_ref()),
        query: non_empty(q.q.as_ref()),
        trashed: q.trash.is_some(),
        sort: crate::desk::parse_sort(q.sort.as_deref()).unwrap_or_default(),
    };
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|&p| p > 0)
        .unwrap_or(1);
    let list = state
        .store
        .list_articles_for_editing(
            &filter,
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let authors = state.store.article_authors().await?;
    let chrome = state.chrome();
    let title = if filter.trashed {
        "回收站"
    } else {
        "文章"
    };
    let layout = AdminLayout::new(
        state,
        user,
        if filter.trashed { "trash" } else { "articles" },
        title,
    )
    .with_notice(q.notice.as_deref());
    render_status(
        state,
        status,
        "admin/articles.html",
        context! {
            layout,
            title,
            error,
            rows => list.items.iter().map(|a| row(state, a)).collect::<Vec<_>>(),
            total => list.total,
            pagination => Pagination::new(&q.list_url(), page, PER_PAGE, list.total),
            channels => chrome.channels.clone(),
            authors,
            trashed => filter.trashed,
            f_status => filter.status.map(ArticleStatus::as_str),
            f_channel => filter.channel,
            f_author => filter.author,
            f_q => filter.query,
            sort_links => super::desk::sort_links(&q.list_url(), q.sort.as_deref(), filter.sort),
            list_url => q.list_url(),
        },
    )
}

/// The editor form.
#[derive(Debug, Default, Deserialize)]
pub struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    cover_image: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    format: String,
    /// The version the editor started from (edits only).
    version: Option<i64>,
    /// save | draft | publish | schedule.
    #[serde(default)]
    action: String,
    /// Local time in the site's zone, `YYYY-MM-DDTHH:MM` (datetime-local).
    #[serde(default)]
    publish_at: String,
    /// 推荐 / 置顶 / 头条 checkboxes ("1" when ticked).
    featured: Option<String>,
    pinned: Option<String>,
    headline: Option<String>,
    #[serde(default)]
    seo_title: String,
    #[serde(default)]
    seo_keywords: String,
    #[serde(default)]
    seo_description: String,
}

impl ArticleForm {
    fn desk(&self) -> DeskFields {
        DeskFields {
            featured: self.featured.is_some(),
            pinned: self.pinned.is_some(),
            headline: self.headline.is_some(),
            seo_title: self.seo_title.trim().to_string(),
            seo_keywords: self.seo_keywords.trim().to_string(),
            seo_description: self.seo_description.trim().to_string(),
        }
    }

    fn draft(&self) -> Draft {
        Draft {
            title: self.title.clone(),
            slug: self.slug.clone(),
            author: self.author.clone(),
            source: self.source.clone(),
            channel: self.channel.clone(),
            tags: self.tags.clone(),
            summary: self.summary.clone(),
            cover_image: self.cover_image.clone(),
            body: self.body.clone(),
            format: BodyFormat::parse(&self.format),
            desk: Some(self.desk()),
        }
    }

    fn action(&self, state: &AppState) -> Result<SaveAction, NewsroomError> {
        Ok(match self.action.as_str() {
            "draft" => SaveAction::Draft,
            "publish" => SaveAction::Publish,
            "schedule" => SaveAction::Schedule(parse_local(state, &self.publish_at)?),
            _ => SaveAction::Keep,
        })
    }
}

/// Reads a `datetime-local` value in the site's zone.
pub fn parse_local(
    state: &AppState,
    value: &str,
) -> Result<chrono::DateTime<chrono::Utc>, NewsroomError> {
    let tz = state.chrome().site.tz();
    let value = value.trim();
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            NewsroomError::Invalid(format!(
                "定时发布时间 {value:?} 无效：请按 2024-02-08 10:21 的格式填写"
            ))
        })?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.to_utc())
        .ok_or_else(|| NewsroomError::Invalid(format!("定时发布时间 {value:?} 在本时区不存在")))
}

/// What the editor template shows.
#[derive(Debug, Default, Serialize)]
struct EditorView {
    id: Option<i64>,
    title: String,
    slug: String,
    author: String,
    source: String,
    channel: String,
    tags: String,
    summary: String,
    /// The automatic summary shown (as the field's placeholder) while the editor wrote none.
    auto_summary: String,
    cover_image: String,
    body: String,
    format: &'static str,
    /// The site indents paragraphs (首行缩进), so the rich-text editor shows them so too.
    indent: bool,
    version: Option<i64>,
    status: &'static str,
    status_code: &'static str,
    publish_at: String,
    published: Option<TimeView>,
    public_url: Option<String>,
    trashed: bool,
    desk: DeskFields,
    /// Remote images this save could not make ours (admin/editor_media.html).
    remote_failures: Vec<crate::images::RemoteFailure>,
    /// The article's attachments (admin/editor_media.html).
    attachments: Vec<crate::web::media::AttachmentView>,
}

fn editor_from_article(state: &AppState, e: &EditableArticle) -> EditorView {
    let a = &e.article;
    let tz = state.chrome().site.tz();
    let public = a.status == ArticleStatus::Published
        && a.published_at.is_some_and(|t| t <= chrono::Utc::now())
        && e.deleted_at.is_none();
    EditorView {
        id: Some(a.id),
        title: a.title.clone(),
        slug: a.slug.clone(),
        author: a.author.clone().unwrap_or_default(),
        source: a.source.clone().unwrap_or_default(),
        channel: a.channel.slug.clone(),
        tags: a.tags.join("，"),
        // An automatic summary is not shown as typed text, so saving does not make it written.
        summary: if a.summary_auto {
            String::new()
        } else {
            a.summary.clone()
        },
        auto_summary: if a.summary_auto {
            a.summary.clone()
        } else {
            String::new()
        },
        cover_image: e.cover_image.clone().unwrap_or_default(),
        body: a.body_source.clone(),
        format: a.body_format.as_str(),
        indent: false,
        version: Some(e.version),
        status: status_label(a.status),
        status_code: a.status.as_str(),
        publish_at: a
            .published_at
            .filter(|_| a.status != ArticleStatus::Draft)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default(),
        published: a.published_at.map(|t| time(state, t)),
        public_url: public.then(|| format!("/articles/{}", a.slug)),
        trashed: e.deleted_at.is_some(),
        desk: DeskFields::default(),
        ..EditorView::default()
    }
}

fn editor_from_form(
    f: &ArticleForm,
    id: Option<i64>,
    current: Option<&EditableArticle>,
) -> EditorView {
    EditorView {
        id,
        title: f.title.clone(),
        slug: f.slug.clone(),
        author: f.author.clone(),
        source: f.source.clone(),
        channel: f.channel.clone(),
        tags: f.tags.clone(),
        summary: f.summary.clone(),
        auto_summary: current
            .filter(|c| c.article.summary_auto)
            .map(|c| c.article.summary.clone())
            .unwrap_or_default(),
        cover_image: f.cover_image.clone(),
        body: f.body.clone(),
        format: BodyFormat::parse(&f.format)
            .unwrap_or(BodyFormat::Markdown)
            .as_str(),
        indent: false,
        version: f.version,
        status: current.map_or("新文章", |c| status_label(c.article.status)),
        status_code: current.map_or("new", |c| c.article.status.as_str()),
        publish_at: f.publish_at.clone(),
        published: None,
        public_url: None,
        trashed: current.is_some_and(|c| c.deleted_at.is_some()),
        desk: f.desk(),
        ..EditorView::default()
    }
}

#[derive(Serialize)]
struct AuditRow {
    at: TimeView,
    user_name: String,
    action: String,
    detail: String,
}

async fn editor_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    mut editor: EditorView,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    editor.indent = state.chrome().site.indent_first_line;
    let channels: Vec<Channel> = state.chrome().channels.clone();
    let history = match editor.id {
        Some(id) => state
            .store
            .list_audit(
                Some(id),
                PageRequest {
                    page: 1,
                    per_page: 20,
                },
            )
            .await?
            .items
            .into_iter()
            .map(|e| AuditRow {
                at: time(state, e.at),
                user_name: e.user_name,
                action: super::audit::action_label(&e.action).to_string(),
                detail: e.detail,
            })
            .collect(),
        None => Vec::new(),
    };
    let title = if editor.id.is_some() {
        "编辑文章"
    } else {
        "写文章"
    };
    let layout = AdminLayout::new(state, user, "articles", title).with_notice(notice);
    // The field the refusal is about, so the page shows the message beside it.
    let error_field = error.as_deref().and_then(crate::desk::field_of);
    let review = super::review::editor_review(state, user, editor.id).await?;
    render_status(
        state,
        status,
        "admin/article_edit.html",
        context! { layout, title, article => editor, channels, error, error_field, history, review },
    )
}

/// `GET /admin/articles/new`.
pub async fn new_article(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let byline = crate::desk::byline_defaults(&state, &user.user).await?;
    let editor = EditorView {
        author: byline.author,
        source: byline.source,
        // New articles open in the rich-text editor; Markdown stays one switch away.
        format: "html",
        status: "新文章",
        status_code: "new",
        channel: state
            .chrome()
            .channels
            .first()
            .map(|c| c.slug.clone())
            .unwrap_or_default(),
        ..EditorView::default()
    };
    editor_page(&state, &user, StatusCode::OK, editor, None, None).await
}

/// `?notice=` after a redirect.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// `GET /admin/articles/{id}`.
pub async fn edit_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let article = state.store.editable_article(id).await?;
    let article = super::review::article_for_editing(&state, article).await?;
    let mut editor = editor_from_article(&state, &article);
    editor.desk = state.store.article_desk(id).await?;
    editor.attachments = crate::web::media::attachment_views(&state, id).await?;
    editor_page(
        &state,
        &user,
        StatusCode::OK,
        editor,
        None,
        q.notice.as_deref(),
    )
    .await
}

fn notice_for(action: SaveAction) -> &'static str {
    match action {
        SaveAction::Publish => "published",
        SaveAction::Schedule(_) => "scheduled",
        SaveAction::Keep | SaveAction::Draft => "saved",
    }
}

fn failure_status(e: &NewsroomError) -> StatusCode {
    match e {
        NewsroomError::Stale => StatusCode::CONFLICT,
        NewsroomError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
        NewsroomError::Forbidden(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// `POST /admin/articles`.
pub async fn create_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ArticleForm>,
) -> Result<Response, AppError> {
    let articles = state.newsroom_articles()?;
    let mut draft = form.draft();
    let failures = crate::web::media::localize_draft(&state, &mut draft, Some(user.user.id)).await;
    let result = match form.action(&state) {
        Ok(action) => newsroom::create_article(articles, &user.user, &draft, action)
            .await
            .map(|id| (id, action)),
        Err(e) => Err(e),
    };
    match result {
        Ok((id, action)) if !failures.is_empty() => {
            saved_with_remote_failures(&state, &user, id, action, failures).await
        }
        Ok((id, action)) => Ok(see_other(&format!(
            "/admin/articles/{id}?notice={}",
            notice_for(action)
        ))),
        Err(NewsroomError::Store(e)) => Err(e.into()),
        Err(e) => {
            let editor = editor_from_form(&form, None, None);
            editor_page(
                &state,
                &user,
                failure_status(&e),
                editor,
                Some(e.to_string()),
                None,
            )
            .await
        }
    }
}

/// `POST /admin/articles/{id}`: save, and publish or schedule if asked.
pub async fn update_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ArticleForm>,
) -> Result<Response, AppError> {
    let articles = state.newsroom_articles()?;
    let Some(version) = form.version else {
        return Err(AppError::BadRequest("缺少文章版本号（version）".into()));
    };
    let mut draft = form.draft();
    let failures = crate::web::media::localize_draft(&state, &mut draft, Some(user.user.id)).await;
    let result = match form.action(&state) {
        Ok(action) => newsroom::save_article(articles, &user.user, id, version, &draft, action)
            .await
            .map(|_| action),
        Err(e) => Err(e),
    };
    match result {
        Ok(action) if !failures.is_empty() => {
            saved_with_remote_failures(&state, &user, id, action, failures).await
        }
        Ok(action) => {
            // A saved edit of a published article is staged, not live: say so.
            let staged = action == SaveAction::Keep
                && state
                    .store
                    .review_state(id)
                    .await?
                    .pending_revision_id
                    .is_some();
            let notice = if staged { "staged" } else { notice_for(action) };
            Ok(see_other(&format!("/admin/articles/{id}?notice={notice}")))
        }
        Err(NewsroomError::Store(e)) => Err(e.into()),
        Err(e) => {
            // The editor keeps what was typed; a stale save links to the current version.
            let current = state.store.editable_article(id).await?;
            let editor = editor_from_form(&form, Some(id), Some(&current));
            editor_page(
                &state,
                &user,
                failure_status(&e),
                editor,
                Some(e.to_string()),
                None,
            )
            .await
        }
    }
}

/// The editor after a save that left some remote images remote: the saved article, and the
/// images with their reasons (a redirect could not carry them).
async fn saved_with_remote_failures(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    action: SaveAction,
    failures: Vec<crate::images::RemoteFailure>,
) -> Result<Response, AppError> {
    let article = state.store.editable_article(id).await?;
    let mut editor = editor_from_article(state, &article);
    editor.remote_failures = failures;
    editor.attachments = crate::web::media::attachment_views(state, id).await?;
    editor_page(
        state,
        user,
        StatusCode::OK,
        editor,
        None,
        Some(notice_for(action)),
    )
    .await
}

/// A status change or trash form: just the version it was made from.
#[derive(Debug, Deserialize)]
pub struct VersionForm {
    version: Option<i64>,
    #[serde(default)]
    publish_at: String,
}

/// Publishes, schedules or unpublishes article `id` from the version the form was made from,
/// then returns to its editor with `notice`.
async fn change_status(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: Option<i64>,
    action: SaveAction,
    notice: &str,
) -> Result<Response, AppError> {
    newsroom::change_status(state.newsroom_articles()?, &user.user, id, version, action).await?;
    Ok(see_other(&format!("/admin/articles/{id}?notice={notice}")))
}

/// `POST /admin/articles/{id}/publish`.
pub async fn publish_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, AppError> {
    change_status(
        &state,
        &user,
        id,
        form.version,
        SaveAction::Publish,
        "published",
    )
    .await
}

/// `POST /admin/articles/{id}/schedule`.
pub async fn schedule_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, AppError> {
    let at = parse_local(&state, &form.publish_at)?;
    change_status(
        &state,
        &user,
        id,
        form.version,
        SaveAction::Schedule(at),
        "scheduled",
    )
    .await
}

/// `POST /admin/articles/{id}/unpublish`.
pub async fn unpublish_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> Result<Response, AppError> {
    change_status(
        &state,
        &user,
        id,
        form.version,
        SaveAction::Draft,
        "unpublished",
    )
    .await
}

/// `POST /admin/articles/{id}/trash`.
pub async fn trash_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    newsroom::set_trashed(state.newsroom_articles()?, &user.user, id, true).await?;
    Ok(see_other("/admin/articles?notice=trashed"))
}

/// `POST /admin/articles/{id}/restore`.
pub async fn restore_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    newsroom::set_trashed(state.newsroom_articles()?, &user.user, id, false).await?;
    Ok(see_other(&format!("/admin/articles/{id}?notice=restored")))
}

/// The preview request: the body as typed.
#[derive(Debug, Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    format: String,
}

/// `POST /admin/preview`: the body as the public page will show it (same renderer, same
/// sanitizer, same structure limits as a save), as an HTML fragment; rendered on the CPU pool. A
/// refusal is plain text (400, or 429 when every core stayed busy) for the editor to show.
pub async fn preview(_user: CurrentUser, Form(form): Form<PreviewForm>) -> Response {
    let format = BodyFormat::parse(&form.format).unwrap_or(BodyFormat::Markdown);
    let refuse = |status: StatusCode, message: String| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message,
        )
            .into_response()
    };
    if form.body.len() > newsroom::MAX_BODY_BYTES {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!(
                "正文太长：最多 {} 字节，现在有 {} 字节",
                newsroom::MAX_BODY_BYTES,
                form.body.len()
            ),
        );
    }
    match content::render_body(format, &form.body, pool::PREVIEW_WAIT).await {
        Ok(html) => Html(html).into_response(),
        Err(BodyError::Structure(e)) => refuse(StatusCode::BAD_REQUEST, e.to_string()),
        Err(BodyError::Pool(e @ PoolError::Busy)) => {
            refuse(StatusCode::TOO_MANY_REQUESTS, e.to_string())
        }
        Err(BodyError::Pool(e)) => AppError::Internal(e.into()).into_response(),
    }
}
