//! 专题 (topics) and single pages (关于我们 …) in the admin (admins only), each change audited.
//! A refused form comes back with what was typed and the message beside its field.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::desk::FormError;
use super::{AdminLayout, CurrentUser, render_status, see_other};
use crate::domain::{AuditAction, BodyFormat, SitePageInput, TopicInput};
use crate::error::AppError;
use crate::store::{AuditEvent, StoreError};
use crate::web::AppState;
use crate::web::extract::{Form, Path, Query};

/// Longest title of a topic or page, in characters.
const MAX_TITLE: usize = 100;
/// Longest slug, in bytes.
const MAX_SLUG: usize = 100;
/// Longest topic introduction, in characters.
const MAX_INTRO: usize = 2_000;
/// Most articles in one topic.
const MAX_TOPIC_ARTICLES: usize = 500;
/// Longest single-page body, in bytes.
const MAX_PAGE_BODY: usize = 512 * 1024;

/// `?notice=`.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

fn slug_problem(slug: &str) -> Option<String> {
    if slug.is_empty()
        || slug.len() > MAX_SLUG
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some(format!(
            "网址别名（slug）{slug:?} 无效：只能使用小写英文字母、数字和连字符，最多 {MAX_SLUG} 个字符"
        ));
    }
    None
}

fn title_problem(title: &str) -> Option<String> {
    let n = title.chars().count();
    (n == 0 || n > MAX_TITLE).then(|| format!("标题不能为空，最多 {MAX_TITLE} 个字符"))
}

fn position(text: &str) -> Result<i64, String> {
    match text.trim() {
        "" => Ok(0),
        p => p.parse().map_err(|_| format!("排序 {p:?} 不是整数")),
    }
}

// ---------------------------------------------------------------------------------------------
// 专题

/// A topic's fields as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct TopicForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    cover_image: String,
    #[serde(default)]
    position: String,
    /// One article a line: its id, its slug or its address.
    #[serde(default)]
    articles: String,
}

impl TopicForm {
    fn values(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("title", &self.title),
            ("slug", &self.slug),
            ("intro", &self.intro),
            ("cover_image", &self.cover_image),
            ("position", &self.position),
            ("articles", &self.articles),
        ]
    }

    fn refuse(&self, field: &str, message: impl Into<String>) -> FormError {
        FormError::new("topic", field, message, &self.values())
    }

    /// The checked fields with the articles resolved to ids, or the refusal naming the field.
    async fn checked(&self, state: &AppState) -> Result<TopicInput, FormError> {
        let title = self.title.trim();
        if let Some(m) = title_problem(title) {
            return Err(self.refuse("title", m));
        }
        let slug = self.slug.trim();
        if let Some(m) = slug_problem(slug) {
            return Err(self.refuse("slug", m));
        }
        let intro = self.intro.trim();
        if intro.chars().count() > MAX_INTRO {
            return Err(self.refuse("intro", format!("导语最多 {MAX_INTRO} 个字符")));
        }
        let cover = self.cover_image.trim();
        let allowed = cover.starts_with("/uploads/") || cover.starts_with("https://");
        if !cover.is_empty() && !allowed {
            return Err(self.refuse(
                "cover_image",
                "封面图片须是本站上传的图片（/uploads/…）或 https:// 开头的地址",
            ));
        }
        let position = position(&self.position).map_err(|m| self.refuse("position", m))?;
        let lines: Vec<&str> = self
            .articles
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > MAX_TOPIC_ARTICLES {
            return Err(self.refuse(
                "articles",
                format!("一个专题最多 {MAX_TOPIC_ARTICLES} 篇文章"),
            ));
        }
        let mut articles = Vec::with_capacity(lines.len());
        for (n, line) in lines.iter().enumerate() {
            let id = resolve_article(state, line).await.map_err(|e| match e {
                Some(e) => e,
                None => self.refuse(
                    "articles",
                    format!(
                        "第 {} 行“{line}”找不到文章：请填写文章编号、已发布文章的网址别名或网址",
                        n + 1
                    ),
                ),
            })?;
            if !articles.contains(&id) {
                articles.push(id);
            }
        }
        Ok(TopicInput {
            slug: slug.into(),
            title: title.into(),
            intro: intro.into(),
            cover_image: (!cover.is_empty()).then(|| cover.to_string()),
            position,
            articles,
        })
    }
}

/// An article line → its id: a number is an id (any status), else a published article's slug,
/// alone or at the end of an address. `Err(None)`: no such article.
async fn resolve_article(state: &AppState, line: &str) -> Result<i64, Option<FormError>> {
    let internal = |e: StoreError| match e {
        StoreError::NotFound => None,
        e => {
            tracing::error!(error = %e, "resolving a topic's article");
            Some(FormError::new(
                "topic",
                "articles",
                "读取文章时出错，请稍后再试",
                &[],
            ))
        }
    };
    if let Ok(id) = line.parse::<i64>() {
        return state
            .store
            .article_by_id(id)
            .await
            .map(|a| a.id)
            .map_err(internal);
    }
    let slug = line
        .rsplit_once("/articles/")
        .map_or(line, |(_, s)| s)
        .trim_end_matches('/');
    let slug = slug.split(['?', '#']).next().unwrap_or(slug);
    state
        .store
        .published_article(slug)
        .await
        .map(|a| a.id)
        .map_err(internal)
}

/// The values the edit form shows.
#[derive(Debug, Default, Serialize)]
struct TopicFields {
    id: Option<i64>,
    title: String,
    slug: String,
    intro: String,
    cover_image: String,
    position: String,
    articles: String,
    public_url: Option<String>,
}

async fn topic_fields(state: &AppState, id: i64) -> Result<(TopicFields, Vec<String>), AppError> {
    let topic = state.store.topic_by_id(id).await?;
    let articles = state.store.topic_articles(id, false).await?;
    let fields = TopicFields {
        id: Some(id),
        title: topic.title,
        slug: topic.slug.clone(),
        intro: topic.intro,
        cover_image: topic.cover_image.unwrap_or_default(),
        position: topic.position.to_string(),
        articles: articles
            .iter()
            .map(|a| a.id.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        public_url: Some(format!("/topics/{}", topic.slug)),
    };
    let titles = articles
        .iter()
        .map(|a| format!("{} {}", a.id, a.title))
        .collect();
    Ok((fields, titles))
}

fn topic_editor(
    state: &AppState,
    user: &CurrentUser,
    fields: TopicFields,
    titles: Vec<String>,
    form_error: Option<FormError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let title = if fields.id.is_some() {
        "编辑专题"
    } else {
        "新建专题"
    };
    render_status(
        state,
        status,
        "admin/topic_edit.html",
        context! {
            layout => AdminLayout::new(state, user, "topics", title),
            title,
            topic => fields,
            titles,
            form_error,
        },
    )
}

/// `GET /admin/topics`.
pub async fn list_topics(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let topics = state.store.list_topics().await?;
    render_status(
        &state,
        StatusCode::OK,
        "admin/topics.html",
        context! {
            layout => AdminLayout::new(&state, &user, "topics", "专题").with_notice(q.notice.as_deref()),
            topics,
        },
    )
}

/// `GET /admin/topics/new`.
pub async fn new_topic(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    topic_editor(
        &state,
        &user,
        TopicFields::default(),
        Vec::new(),
        None,
        StatusCode::OK,
    )
}

/// `GET /admin/topics/{id}`.
pub async fn edit_topic(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (fields, titles) = topic_fields(&state, id).await?;
    topic_editor(&state, &user, fields, titles, None, StatusCode::OK)
}

/// `POST /admin/topics` (create) and `POST /admin/topics/{id}` (save).
async fn save_topic(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: &TopicForm,
) -> Result<Response, AppError> {
    let typed = || TopicFields {
        id,
        title: form.title.clone(),
        slug: form.slug.clone(),
        intro: form.intro.clone(),
        cover_image: form.cover_image.clone(),
        position: form.position.clone(),
        articles: form.articles.clone(),
        public_url: None,
    };
    let input = match form.checked(state).await {
        Ok(input) => input,
        Err(e) => {
            return topic_editor(
                state,
                user,
                typed(),
                Vec::new(),
                Some(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let before = match id {
        Some(id) => Some(state.store.topic_by_id(id).await?),
        None => None,
    };
    let topic = match state.store.save_topic(id, &input).await {
        Ok(topic) => topic,
        Err(StoreError::Conflict { what }) => {
            let e = if what.contains("slug") {
                form.refuse(
                    "slug",
                    format!("网址别名 {:?} 已被另一个专题使用，请换一个", input.slug),
                )
            } else {
                form.refuse("articles", "有文章刚刚被删除，请检查文章列表后再保存")
            };
            return topic_editor(
                state,
                user,
                typed(),
                Vec::new(),
                Some(e),
                StatusCode::CONFLICT,
            );
        }
        Err(e) => return Err(e.into()),
    };
    let (action, detail) = match &before {
        None => (
            AuditAction::CreateTopic,
            format!("别名：{}；{} 篇文章", topic.slug, input.articles.len()),
        ),
        Some(b) => (
            AuditAction::UpdateTopic,
            super::audit::changes(&[
                ("标题", &b.title, &topic.title),
                ("别名", &b.slug, &topic.slug),
                ("导语", &b.intro, &topic.intro),
                (
                    "封面",
                    b.cover_image.as_deref().unwrap_or(""),
                    topic.cover_image.as_deref().unwrap_or(""),
                ),
                ("排序", &b.position.to_string(), &topic.position.to_string()),
            ]) + &format!("；文章 {} 篇", input.articles.len()),
        ),
    };
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), action)
                .subject("topic", Some(topic.id), &topic.title)
                .detail(detail),
        )
        .await?;
    state.reload_chrome().await?;
    Ok(see_other(&format!(
        "/admin/topics/{}?notice=saved",
        topic.id
    )))
}

/// `POST /admin/topics`.
pub async fn create_topic(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TopicForm>,
) -> Result<Response, AppError> {
    save_topic(&state, &user, None, &form).await
}

/// `POST /admin/topics/{id}`.
pub async fn update_topic(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<TopicForm>,
) -> Result<Response, AppError> {
    save_topic(&state, &user, Some(id), &form).await
}

/// `POST /admin/topics/{id}/delete`.
pub async fn delete_topic(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let topic = state.store.topic_by_id(id).await?;
    state.store.delete_topic(id).await?;
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::DeleteTopic)
                .subject("topic", Some(id), &topic.title)
                .detail(format!("别名：{}", topic.slug)),
        )
        .await?;
    state.reload_chrome().await?;
    Ok(see_other("/admin/topics?notice=deleted"))
}

// ---------------------------------------------------------------------------------------------
// 单页

/// A single page's fields as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct PageForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    show_in_footer: Option<String>,
    #[serde(default)]
    show_in_nav: Option<String>,
    #[serde(default)]
    position: String,
}

/// The values the page editor shows.
#[derive(Debug, Default, Serialize)]
struct PageFields {
    id: Option<i64>,
    title: String,
    slug: String,
    format: String,
    body: String,
    show_in_footer: bool,
    show_in_nav: bool,
    position: String,
    public_url: Option<String>,
}

impl PageForm {
    fn fields(&self, id: Option<i64>) -> PageFields {
        PageFields {
            id,
            title: self.title.clone(),
            slug: self.slug.clone(),
            format: if self.format == "markdown" {
                "markdown".into()
            } else {
                "html".into()
            },
            body: self.body.clone(),
            show_in_footer: self.show_in_footer.is_some(),
            show_in_nav: self.show_in_nav.is_some(),
            position: self.position.clone(),
            public_url: None,
        }
    }

    fn refuse(&self, field: &str, message: impl Into<String>) -> FormError {
        FormError::new("page", field, message, &[])
    }

    /// The checked fields with the body rendered and sanitized, or the refusal naming the field.
    async fn checked(&self) -> Result<SitePageInput, FormError> {
        let title = self.title.trim();
        if let Some(m) = title_problem(title) {
            return Err(self.refuse("title", m));
        }
        let slug = self.slug.trim();
        if let Some(m) = slug_problem(slug) {
            return Err(self.refuse("slug", m));
        }
        let position = position(&self.position).map_err(|m| self.refuse("position", m))?;
        let format = match self.format.as_str() {
            "markdown" => BodyFormat::Markdown,
            "html" | "" => BodyFormat::Html,
            other => {
                return Err(self.refuse("format", format!("正文格式 {other:?} 无效")));
            }
        };
        if self.body.len() > MAX_PAGE_BODY {
            return Err(self.refuse(
                "body",
                format!("正文太长：最多 {} KB", MAX_PAGE_BODY / 1024),
            ));
        }
        // The same checks and sanitizer as article bodies, off the async threads.
        let source = self.body.clone();
        let rendered =
            tokio::task::spawn_blocking(move || crate::render::body_html_checked(format, &source))
                .await
                .map_err(|_| self.refuse("body", "正文处理失败，请检查后再试"))?
                .map_err(|e| self.refuse("body", e.to_string()))?;
        Ok(SitePageInput {
            slug: slug.into(),
            title: title.into(),
            body_format: format,
            body_source: self.body.clone(),
            body_html: rendered,
            show_in_footer: self.show_in_footer.is_some(),
            show_in_nav: self.show_in_nav.is_some(),
            position,
        })
    }
}

fn page_editor(
    state: &AppState,
    user: &CurrentUser,
    fields: PageFields,
    form_error: Option<FormError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let title = if fields.id.is_some() {
        "编辑单页"
    } else {
        "新建单页"
    };
    render_status(
        state,
        status,
        "admin/page_edit.html",
        context! {
            layout => AdminLayout::new(state, user, "pages", title),
            title,
            page => fields,
            form_error,
        },
    )
}

/// `GET /admin/pages`.
pub async fn list_pages(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let pages = state.store.list_pages().await?;
    render_status(
        &state,
        StatusCode::OK,
        "admin/pages.html",
        context! {
            layout => AdminLayout::new(&state, &user, "pages", "单页").with_notice(q.notice.as_deref()),
            pages,
        },
    )
}

/// `GET /admin/pages/new`.
pub async fn new_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let fields = PageFields {
        format: "html".into(),
        ..PageFields::default()
    };
    page_editor(&state, &user, fields, None, StatusCode::OK)
}

/// `GET /admin/pages/{id}`.
pub async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let page = state.store.page_by_id(id).await?;
    let fields = PageFields {
        id: Some(id),
        public_url: Some(format!("/pages/{}", page.slug)),
        title: page.title,
        slug: page.slug,
        format: page.body_format.as_str().into(),
        body: page.body_source,
        show_in_footer: page.show_in_footer,
        show_in_nav: page.show_in_nav,
        position: page.position.to_string(),
    };
    page_editor(&state, &user, fields, None, StatusCode::OK)
}

async fn save_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<i64>,
    form: &PageForm,
) -> Result<Response, AppError> {
    let input = match form.checked().await {
        Ok(input) => input,
        Err(e) => {
            return page_editor(
                state,
                user,
                form.fields(id),
                Some(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let before = match id {
        Some(id) => Some(state.store.page_by_id(id).await?),
        None => None,
    };
    let page = match state.store.save_page(id, &input).await {
        Ok(page) => page,
        Err(StoreError::Conflict { .. }) => {
            let e = form.refuse(
                "slug",
                format!("网址别名 {:?} 已被另一个单页使用，请换一个", input.slug),
            );
            return page_editor(state, user, form.fields(id), Some(e), StatusCode::CONFLICT);
        }
        Err(e) => return Err(e.into()),
    };
    let place = |footer: bool, nav: bool| {
        match (footer, nav) {
            (true, true) => "页脚、导航",
            (true, false) => "页脚",
            (false, true) => "导航",
            (false, false) => "不显示",
        }
        .to_string()
    };
    let (action, detail) = match &before {
        None => (
            AuditAction::CreatePage,
            format!(
                "别名：{}；位置：{}",
                page.slug,
                place(page.show_in_footer, page.show_in_nav)
            ),
        ),
        Some(b) => {
            let mut detail = super::audit::changes(&[
                ("标题", &b.title, &page.title),
                ("别名", &b.slug, &page.slug),
                (
                    "位置",
                    &place(b.show_in_footer, b.show_in_nav),
                    &place(page.show_in_footer, page.show_in_nav),
                ),
                ("排序", &b.position.to_string(), &page.position.to_string()),
            ]);
            if b.body_source != page.body_source {
                if !detail.is_empty() {
                    detail.push('；');
                }
                detail.push_str("正文已修改");
            }
            (AuditAction::UpdatePage, detail)
        }
    };
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), action)
                .subject("page", Some(page.id), &page.title)
                .detail(detail),
        )
        .await?;
    state.reload_chrome().await?;
    Ok(see_other(&format!("/admin/pages/{}?notice=saved", page.id)))
}

/// `POST /admin/pages`.
pub async fn create_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PageForm>,
) -> Result<Response, AppError> {
    save_page(&state, &user, None, &form).await
}

/// `POST /admin/pages/{id}`.
pub async fn update_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<PageForm>,
) -> Result<Response, AppError> {
    save_page(&state, &user, Some(id), &form).await
}

/// `POST /admin/pages/{id}/delete`.
pub async fn delete_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let page = state.store.page_by_id(id).await?;
    state.store.delete_page(id).await?;
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::DeletePage)
                .subject("page", Some(id), &page.title)
                .detail(format!("别名：{}", page.slug)),
        )
        .await?;
    state.reload_chrome().await?;
    Ok(see_other("/admin/pages?notice=deleted"))
}
