//! The publishing API under `/api/v1`: read articles and channels; create, update, publish and
//! unpublish articles. Every route needs `Authorization: Bearer <token>` with a token made in the
//! admin (`/admin/tokens`) and acts as that token's user, with that user's audit trail. Errors are
//! JSON of one shape, `{"error": "…"}` ([`JsonError`]), with the HTTP status telling the kind.
//!
//! The OpenAPI document at `/api/v1/openapi.json` is generated from the handlers' annotations and
//! the routes they are mounted on (utoipa-axum registers both at once), so it cannot drift from
//! what is served.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::extract::{Json, Path, Query};
use crate::auth;
use crate::domain::{
    ArticleFilter, ArticleListItem, ArticleStatus, BodyFormat, DeskFields, EditableArticle,
    PageRequest, User,
};
use crate::error::{AppError, JsonError};
use crate::newsroom::{self, Draft, SaveAction};
use crate::store::StoreError;

/// The account behind a request's bearer token.
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = JsonError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or(JsonError(AppError::Unauthorized))?;
        match state
            .store
            .user_by_api_token(&auth::token_hash(token))
            .await
        {
            Ok(user) => Ok(Self(user)),
            Err(StoreError::NotFound) => Err(JsonError(AppError::Unauthorized)),
            Err(e) => Err(JsonError(e.into())),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value; the scheme is case-insensitive
/// (RFC 7235 §2.1), so `bearer` and `BEARER` work too.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The error body of every failed API request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in Chinese, naming the field when a field is wrong.
    pub error: String,
}

/// An article in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleOut {
    id: i64,
    slug: String,
    title: String,
    author: Option<String>,
    source: Option<String>,
    /// Channel slug.
    channel: String,
    tags: Vec<String>,
    summary: String,
    /// Whether the summary is made from the body's paragraphs (until one is written).
    summary_auto: bool,
    /// `markdown` or `html`.
    body_format: String,
    /// The body as written.
    body: String,
    /// The body as sanitized HTML, as the public page shows it.
    body_html: String,
    /// `draft`, `scheduled`, `published`, `pending` (待审) or `returned` (退回).
    status: String,
    published_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    /// Send it back with an update; a stale one is refused with 409.
    version: i64,
    cover_image: Option<String>,
    /// Public URL path, when public.
    url: Option<String>,
    /// In the trash since then.
    deleted_at: Option<DateTime<Utc>>,
    /// 推荐 (the home page's 焦点图).
    featured: bool,
    /// 置顶 (first in lists).
    pinned: bool,
    /// 头条 (the top story).
    headline: bool,
    /// The public page's `<title>`; empty means the headline.
    seo_title: String,
    /// `<meta name="keywords">`; empty means the tags.
    seo_keywords: String,
    /// `<meta name="description">`; empty means the summary.
    seo_description: String,
    /// Number of the staged edit of a published article, waiting for publish (更新发布); the
    /// fields above are what is public.
    pending_revision: Option<i64>,
    /// The reviewer's comment when the article was sent back (退回); empty otherwise.
    review_comment: String,
    /// Images on other sites this request's save could not make ours (they stay as written):
    /// each URL with the reason. Empty when every remote image was fetched, and on reads.
    remote_image_failures: Vec<crate::images::RemoteFailure>,
    /// 附件, in their order under the article.
    attachments: Vec<crate::web::media::AttachmentView>,
}

impl ArticleOut {
    fn with_desk(mut self, d: DeskFields) -> Self {
        self.featured = d.featured;
        self.pinned = d.pinned;
        self.headline = d.headline;
        self.seo_title = d.seo_title;
        self.seo_keywords = d.seo_keywords;
        self.seo_description = d.seo_description;
        self
    }
}

impl From<&EditableArticle> for ArticleOut {
    fn from(e: &EditableArticle) -> Self {
        let a = &e.article;
        let public = a.status == ArticleStatus::Published
            && a.published_at.is_some_and(|t| t <= Utc::now())
            && e.deleted_at.is_none();
        Self {
            id: a.id,
            slug: a.slug.clone(),
            title: a.title.clone(),
            author: a.author.clone(),
            source: a.source.clone(),
            channel: a.channel.slug.clone(),
            tags: a.tags.clone(),
            summary: a.summary.clone(),
            summary_auto: a.summary_auto,
            body_format: a.body_format.as_str().into(),
            body: a.body_source.clone(),
            body_html: a.body_html.clone(),
            status: a.status.as_str().into(),
            published_at: a.published_at,
            updated_at: a.updated_at,
            version: e.version,
            cover_image: e.cover_image.clone(),
            url: public.then(|| format!("/articles/{}", a.slug)),
            deleted_at: e.deleted_at,
            featured: false,
            pinned: false,
            headline: false,
            seo_title: String::new(),
            seo_keywords: String::new(),
            seo_description: String::new(),
            pending_revision: None,
            review_comment: String::new(),
            remote_image_failures: Vec::new(),
            attachments: Vec::new(),
        }
    }
}

/// An article in a list (no body).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleItem {
    id: i64,
    slug: String,
    title: String,
    author: Option<String>,
    channel: String,
    status: String,
    published_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    version: i64,
    /// 浏览量 as last flushed.
    views: i64,
    /// Which of featured / pinned / headline are set.
    flags: Vec<String>,
}

impl From<ArticleListItem> for ArticleItem {
    fn from(a: ArticleListItem) -> Self {
        Self {
            id: a.id,
            slug: a.slug,
            title: a.title,
            author: a.author,
            channel: a.channel_slug,
            status: a.status.as_str().into(),
            published_at: a.published_at,
            updated_at: a.updated_at,
            version: a.version,
            views: a.views,
            flags: a
                .flags
                .iter()
                .map(|f| f.column().trim_start_matches("flag_").to_string())
                .collect(),
        }
    }
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    items: Vec<ArticleItem>,
    /// Matching articles in all pages.
    total: i64,
    page: u32,
    per_page: u32,
}

/// List filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `draft`, `scheduled`, `published`, `pending` (待审) or `returned` (退回).
    status: Option<String>,
    /// Channel slug.
    channel: Option<String>,
    /// Words in the headline or summary.
    q: Option<String>,
    /// 1-based page (default 1).
    page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    per_page: Option<u32>,
    /// A column (title, author, channel, status, published, updated, views), `-` in front for
    /// largest / newest first; default `-published`.
    sort: Option<String>,
}

/// A new article, or a full replacement of one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleIn {
    title: String,
    /// URL segment (lowercase letters, digits, hyphens); generated when absent.
    slug: Option<String>,
    author: Option<String>,
    source: Option<String>,
    /// Channel slug.
    channel: String,
    #[serde(default)]
    tags: Vec<String>,
    /// Absent or empty: made from the body's paragraphs on every save, until one is written.
    /// Sending back the automatic summary unchanged keeps it automatic.
    summary: Option<String>,
    cover_image: Option<String>,
    /// The body, in `body_format`.
    body: String,
    /// `markdown` (default for new articles) or `html` (sanitized with the public page's rules);
    /// absent on update: the article's current format.
    body_format: Option<String>,
    /// Required on update: the `version` the change was made from.
    version: Option<i64>,
    /// 推荐; left as it is when absent.
    featured: Option<bool>,
    /// 置顶; left as it is when absent.
    pinned: Option<bool>,
    /// 头条; left as it is when absent.
    headline: Option<bool>,
    /// SEO title; left as it is when absent.
    seo_title: Option<String>,
    /// SEO keywords; left as it is when absent.
    seo_keywords: Option<String>,
    /// SEO description; left as it is when absent.
    seo_description: Option<String>,
}

impl ArticleIn {
    fn draft(&self) -> Result<Draft, AppError> {
        let format = match self.body_format.as_deref() {
            None => None,
            Some(f) => Some(BodyFormat::parse(f).ok_or_else(|| {
                AppError::BadRequest(format!("body_format {f:?} 无效：应为 markdown 或 html"))
            })?),
        };
        Ok(Draft {
            title: self.title.clone(),
            slug: self.slug.clone().unwrap_or_default(),
            author: self.author.clone().unwrap_or_default(),
            source: self.source.clone().unwrap_or_default(),
            channel: self.channel.clone(),
            tags: self.tags.join(","),
            summary: self.summary.clone().unwrap_or_default(),
            cover_image: self.cover_image.clone().unwrap_or_default(),
            body: self.body.clone(),
            format,
            desk: None,
        })
    }

    /// The desk fields given, over `base` (the article's current ones); `None` when none given.
    fn desk(&self, base: DeskFields) -> Option<DeskFields> {
        let given = self.featured.is_some()
            || self.pinned.is_some()
            || self.headline.is_some()
            || self.seo_title.is_some()
            || self.seo_keywords.is_some()
            || self.seo_description.is_some();
        given.then(|| DeskFields {
            featured: self.featured.unwrap_or(base.featured),
            pinned: self.pinned.unwrap_or(base.pinned),
            headline: self.headline.unwrap_or(base.headline),
            seo_title: self
                .seo_title
                .as_deref()
                .map_or(base.seo_title, |s| s.trim().to_string()),
            seo_keywords: self
                .seo_keywords
                .as_deref()
                .map_or(base.seo_keywords, |s| s.trim().to_string()),
            seo_description: self
                .seo_description
                .as_deref()
                .map_or(base.seo_description, |s| s.trim().to_string()),
        })
    }
}

/// Optional body of publish: a future time schedules instead, a past one back-dates.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PublishIn {
    /// When given, must be current (else 409).
    version: Option<i64>,
    /// A future time schedules the article for then; a past one publishes it now with that
    /// time kept (back-dating); absent publishes now (a published article keeps its time).
    publish_at: Option<DateTime<Utc>>,
}

/// A channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelOut {
    slug: String,
    name: String,
    /// Order in navigation, lower first.
    position: i64,
}

fn articles(state: &AppState) -> Result<&crate::content::Articles, JsonError> {
    state.newsroom_articles().map_err(JsonError)
}

async fn article_out(state: &AppState, id: i64) -> Result<ArticleOut, JsonError> {
    let a = state
        .store
        .editable_article(id)
        .await
        .map_err(AppError::from)?;
    let desk = state.store.article_desk(id).await.map_err(AppError::from)?;
    let mut out = ArticleOut::from(&a).with_desk(desk);
    let review = state.store.review_state(id).await.map_err(AppError::from)?;
    if let Some(rid) = review.pending_revision_id {
        let staged = state
            .store
            .revision_by_id(rid)
            .await
            .map_err(AppError::from)?;
        out.pending_revision = Some(staged.number);
    }
    out.review_comment = review.review_comment;
    out.attachments = crate::web::media::attachment_views(state, id).await?;
    Ok(out)
}

/// List articles in any status, newest change first.
#[utoipa::path(get, path = "/api/v1/articles", tag = "articles", params(ListParams),
    security(("token" = [])),
    responses((status = 200, body = ArticleList), (status = 401, body = ErrorBody)))]
async fn list_articles(
    State(state): State<AppState>,
    _user: ApiUser,
    Query(p): Query<ListParams>,
) -> Result<Json<ArticleList>, JsonError> {
    let status = match p.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ArticleStatus::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "status {s:?} 无效：应为 draft、scheduled、published、pending 或 returned"
            ))
        })?),
    };
    let page = PageRequest {
        page: p.page.unwrap_or(1).max(1),
        per_page: p.per_page.unwrap_or(20).clamp(1, 100),
    };
    let filter = ArticleFilter {
        status,
        channel: p.channel.filter(|c| !c.is_empty()),
        author: None,
        query: p.q.filter(|q| !q.trim().is_empty()),
        trashed: false,
        sort: crate::desk::parse_sort(p.sort.as_deref()).ok_or_else(|| {
            AppError::BadRequest(format!(
                "sort {:?} 无效：应为 title、author、channel、status、published、updated 或 views，前加 - 表示倒序",
                p.sort.as_deref().unwrap_or_default()
            ))
        })?,
    };
    let list = state
        .store
        .list_articles_for_editing(&filter, page)
        .await
        .map_err(AppError::from)?;
    Ok(Json(ArticleList {
        items: list.items.into_iter().map(ArticleItem::from).collect(),
        total: list.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// Create an article (a draft).
#[utoipa::path(post, path = "/api/v1/articles", tag = "articles", request_body = ArticleIn,
    security(("token" = [])),
    responses((status = 201, body = ArticleOut), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn create_article(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(input): Json<ArticleIn>,
) -> Result<Response, JsonError> {
    let mut draft = input.draft()?;
    draft.desk = input.desk(DeskFields::default());
    // An absent 作者 / 来源 takes the writer's default, else the site's.
    let defaults = crate::desk::byline_defaults(&state, &user)
        .await
        .map_err(AppError::from)?;
    if input.author.is_none() {
        draft.author = defaults.author;
    }
    if input.source.is_none() {
        draft.source = defaults.source;
    }
    let failures = crate::web::media::localize_draft(&state, &mut draft, Some(user.id)).await;
    let id = newsroom::create_article(articles(&state)?, &user, &draft, SaveAction::Draft)
        .await
        .map_err(AppError::from)?;
    let mut out = article_out(&state, id).await?;
    out.remote_image_failures = failures;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Read one article, in any status.
#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "articles",
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = ArticleOut), (status = 404, body = ErrorBody)))]
async fn get_article(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ArticleOut>, JsonError> {
    Ok(Json(article_out(&state, id).await?))
}

/// Replace an article's content; `version` must be the current one.
#[utoipa::path(put, path = "/api/v1/articles/{id}", tag = "articles", request_body = ArticleIn,
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = ArticleOut), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_article(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<ArticleIn>,
) -> Result<Json<ArticleOut>, JsonError> {
    let version = input
        .version
        .ok_or_else(|| AppError::BadRequest("缺少 version：请传入读取文章时得到的版本号".into()))?;
    let mut draft = input.draft()?;
    let current = state.store.article_desk(id).await.map_err(AppError::from)?;
    draft.desk = input.desk(current);
    let failures = crate::web::media::localize_draft(&state, &mut draft, Some(user.id)).await;
    newsroom::save_article(
        articles(&state)?,
        &user,
        id,
        version,
        &draft,
        SaveAction::Keep,
    )
    .await
    .map_err(AppError::from)?;
    let mut out = article_out(&state, id).await?;
    out.remote_image_failures = failures;
    Ok(Json(out))
}

/// Publish now, or schedule with a future `publish_at`.
#[utoipa::path(post, path = "/api/v1/articles/{id}/publish", tag = "articles",
    request_body(content = PublishIn, description = "Optional: an empty body publishes now"),
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = ArticleOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn publish_article(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<ArticleOut>, JsonError> {
    let input: PublishIn = if body.iter().all(u8::is_ascii_whitespace) {
        PublishIn::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("JSON 请求体有误：{e}")))?
    };
    if let Some(at) = input.publish_at {
        newsroom::check_publish_time("publish_at", at).map_err(AppError::from)?;
    }
    // A given time is kept: a future one schedules, a past one back-dates (it used to publish
    // with the current time, silently).
    let action = input
        .publish_at
        .map_or(SaveAction::Publish, SaveAction::Schedule);
    newsroom::change_status(articles(&state)?, &user, id, input.version, action)
        .await
        .map_err(AppError::from)?;
    Ok(Json(article_out(&state, id).await?))
}

/// Take an article off the public site (it becomes a draft).
#[utoipa::path(post, path = "/api/v1/articles/{id}/unpublish", tag = "articles",
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = ArticleOut), (status = 404, body = ErrorBody)))]
async fn unpublish_article(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ArticleOut>, JsonError> {
    newsroom::change_status(articles(&state)?, &user, id, None, SaveAction::Draft)
        .await
        .map_err(AppError::from)?;
    Ok(Json(article_out(&state, id).await?))
}

/// Submit or send back.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReviewIn {
    /// When given, must be current (else 409).
    version: Option<i64>,
    /// The reviewer's comment (required to send back).
    #[serde(default)]
    comment: String,
}

fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &Bytes) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("JSON 请求体有误：{e}")))
}

/// Submit a draft or returned article for review (待审).
#[utoipa::path(post, path = "/api/v1/articles/{id}/submit", tag = "review",
    request_body(content = ReviewIn, description = "Optional"),
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = ArticleOut), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit_article(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<ArticleOut>, JsonError> {
    let input: ReviewIn = optional_json(&body)?;
    crate::review::submit(articles(&state)?, &user, id, input.version)
        .await
        .map_err(AppError::from)?;
    Ok(Json(article_out(&state, id).await?))
}

/// Send a submitted article (or a published article's staged edit) back to its author with a
/// comment (退回). Editors, chief editors and admins only.
#[utoipa::path(post, path = "/api/v1/articles/{id}/return", tag = "review", request_body = ReviewIn,
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = ArticleOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn send_back_article(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<ArticleOut>, JsonError> {
    let input: ReviewIn = optional_json(&body)?;
    crate::review::send_back(articles(&state)?, &user, id, input.version, &input.comment)
        .await
        .map_err(AppError::from)?;
    Ok(Json(article_out(&state, id).await?))
}

/// A revision of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionOut {
    /// 1, 2, 3… per article.
    number: i64,
    created_at: DateTime<Utc>,
    user_name: String,
    /// `save`, `pending`, `published` or `restore`.
    kind: String,
    note: String,
    title: String,
    summary: String,
    body_format: String,
    body: String,
}

/// An article's revisions, newest first.
#[utoipa::path(get, path = "/api/v1/articles/{id}/revisions", tag = "review",
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = Vec<RevisionOut>), (status = 404, body = ErrorBody)))]
async fn list_revisions(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<RevisionOut>>, JsonError> {
    state
        .store
        .editable_article(id)
        .await
        .map_err(AppError::from)?;
    let revisions = state
        .store
        .list_revisions(id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(
        revisions
            .into_iter()
            .map(|r| RevisionOut {
                number: r.number,
                created_at: r.created_at,
                user_name: r.user_name,
                kind: r.kind.as_str().into(),
                note: r.note,
                title: r.title,
                summary: r.summary,
                body_format: r.body_format.as_str().into(),
                body: r.body_source,
            })
            .collect(),
    ))
}

/// Restore a revision's title, summary and body; on a published article the restore is staged
/// and goes live on publish (更新发布).
#[utoipa::path(post, path = "/api/v1/articles/{id}/revisions/{number}/restore", tag = "review",
    request_body(content = ReviewIn, description = "Optional"),
    params(("id" = i64, Path, description = "Article id"),
        ("number" = i64, Path, description = "Revision number")), security(("token" = [])),
    responses((status = 200, body = ArticleOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn restore_revision(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, number)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Json<ArticleOut>, JsonError> {
    let input: ReviewIn = optional_json(&body)?;
    crate::review::restore_revision(articles(&state)?, &user, id, number, input.version)
        .await
        .map_err(AppError::from)?;
    Ok(Json(article_out(&state, id).await?))
}

/// All channels in navigation order.
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels", security(("token" = [])),
    responses((status = 200, body = Vec<ChannelOut>), (status = 401, body = ErrorBody)))]
async fn list_channels(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<Vec<ChannelOut>>, JsonError> {
    let channels = state.store.list_channels().await.map_err(AppError::from)?;
    Ok(Json(
        channels
            .into_iter()
            .map(|c| ChannelOut {
                slug: c.slug,
                name: c.name,
                position: c.position,
            })
            .collect(),
    ))
}

/// An article's attachments, in order.
#[utoipa::path(get, path = "/api/v1/articles/{id}/attachments", tag = "articles",
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 200, body = Vec<crate::web::media::AttachmentView>),
        (status = 404, body = ErrorBody)))]
async fn list_attachments(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<crate::web::media::AttachmentView>>, JsonError> {
    state
        .store
        .editable_article(id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(crate::web::media::attachment_views(&state, id).await?))
}

/// Add an attachment (PDF, DOC/DOCX, XLS/XLSX, PPT/PPTX or ZIP; the type is read from the bytes)
/// at the end of an article's list: `multipart/form-data` with the file in the field `file`.
#[utoipa::path(post, path = "/api/v1/articles/{id}/attachments", tag = "articles",
    params(("id" = i64, Path, description = "Article id")), security(("token" = [])),
    responses((status = 201, body = crate::web::media::AttachmentView),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
async fn upload_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, JsonError> {
    let record = crate::web::media::attach_upload(&state, &user, id, multipart).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::web::media::AttachmentView::from(record)),
    )
        .into_response())
}

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token made in the admin under /admin/tokens"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "newsdesk publishing API", version = "1"),
    modifiers(&BearerToken),
    components(schemas(ErrorBody)),
    tags((name = "articles", description = "Articles in any status"),
        (name = "channels", description = "Channels (栏目)"),
        (name = "review", description = "Review (三审) and revisions"))
)]
struct ApiDoc;

/// The API's routes, and `/api/v1/openapi.json` describing them.
pub fn router() -> axum::Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, update_article))
        .routes(routes!(publish_article))
        .routes(routes!(unpublish_article))
        .routes(routes!(list_channels))
        .routes(routes!(submit_article))
        .routes(routes!(send_back_article))
        .routes(routes!(list_revisions))
        .routes(routes!(restore_revision))
        // Uploads read at most the attachment limit (`web::media::attach_upload` counts), so the
        // 2 MB default body limit would only get in the way.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(list_attachments, upload_attachment))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .split_for_parts();
    let doc = Arc::new(doc);
    router.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
}
