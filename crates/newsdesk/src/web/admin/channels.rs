//! Channels (栏目) and tags (admins only). Channel changes reload the cached navigation.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::desk::FormError;
use super::{AdminLayout, CurrentUser, render_status, see_other};
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::store::{AuditEvent, StoreError};
use crate::web::AppState;
use crate::web::extract::{Form, Path, Query};
use axum::http::StatusCode;

/// `?notice=`.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// A channel's fields.
#[derive(Debug, Deserialize)]
pub struct ChannelForm {
    name: String,
    slug: String,
    #[serde(default)]
    position: String,
    /// The parent channel's id, empty for a top-level channel.
    #[serde(default)]
    parent: String,
    #[serde(default)]
    description: String,
}

/// Longest channel description, in characters.
const MAX_DESCRIPTION: usize = 200;

impl ChannelForm {
    fn values(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("name", &self.name),
            ("slug", &self.slug),
            ("position", &self.position),
            ("parent", &self.parent),
            ("description", &self.description),
        ]
    }

    /// The checked parent and description of channel `id` (None: a new one) among `channels`:
    /// channels nest at most two levels, so a parent must be a top-level channel other than
    /// this one, and a channel with sub-channels cannot get a parent.
    fn checked_tree(
        &self,
        form: &str,
        id: Option<i64>,
        channels: &[crate::domain::Channel],
    ) -> Result<(Option<i64>, String), FormError> {
        let refuse =
            |field: &str, message: &str| FormError::new(form, field, message, &self.values());
        let description = self.description.trim();
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(refuse(
                "description",
                &format!("栏目简介最多 {MAX_DESCRIPTION} 个字符"),
            ));
        }
        let parent = match self.parent.trim() {
            "" => None,
            p => {
                let parent = p
                    .parse::<i64>()
                    .ok()
                    .and_then(|p| channels.iter().find(|c| c.id == p))
                    .ok_or_else(|| refuse("parent", "所选的上级栏目不存在，请重新选择"))?;
                if Some(parent.id) == id {
                    return Err(refuse("parent", "栏目不能是自己的上级栏目"));
                }
                if parent.parent_id.is_some() {
                    return Err(refuse(
                        "parent",
                        &format!(
                            "“{}”本身是子栏目：栏目最多两级，请选择一个一级栏目作为上级",
                            parent.name
                        ),
                    ));
                }
                if let Some(id) = id
                    && channels.iter().any(|c| c.parent_id == Some(id))
                {
                    return Err(refuse(
                        "parent",
                        "这个栏目下已有子栏目：栏目最多两级，不能再把它放到别的栏目下",
                    ));
                }
                Some(parent.id)
            }
        };
        Ok((parent, description.to_string()))
    }

    /// The checked name, slug and position, or the refusal of form `form` (field, message and
    /// what was typed).
    fn checked(&self, form: &str) -> Result<(String, String, i64), FormError> {
        let name = self.name.trim();
        let slug = self.slug.trim();
        let refuse =
            |field: &str, message: String| FormError::new(form, field, message, &self.values());
        if name.is_empty() || name.chars().count() > 30 {
            return Err(refuse("name", "栏目名称不能为空，最多 30 个字符".into()));
        }
        if !valid_slug(slug) {
            return Err(refuse(
                "slug",
                format!("栏目别名（slug）{slug:?} 无效：只能使用小写英文字母、数字和连字符"),
            ));
        }
        let position = match self.position.trim() {
            "" => 0,
            p => p
                .parse()
                .map_err(|_| refuse("position", format!("排序 {p:?} 不是整数")))?,
        };
        Ok((name.to_string(), slug.to_string(), position))
    }
}

/// The channels page with a refused form shown again beside its field.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    error: FormError,
) -> Result<Response, AppError> {
    channels_page(state, user, None, Some(error), status).await
}

async fn channels_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&str>,
    form_error: Option<FormError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let channels = state.store.list_channels().await?;
    let tags = state.store.list_tags().await?;
    render_status(
        state,
        status,
        "admin/channels.html",
        context! {
            layout => AdminLayout::new(state, user, "channels", "栏目与标签").with_notice(notice),
            channels,
            tags,
            form_error,
        },
    )
}

/// `GET /admin/channels`: channels and tags.
pub async fn list_channels(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    channels_page(&state, &user, q.notice.as_deref(), None, StatusCode::OK).await
}

/// `POST /admin/channels`.
pub async fn create_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ChannelForm>,
) -> Result<Response, AppError> {
    let (name, slug, position) = match form.checked("new") {
        Ok(checked) => checked,
        Err(e) => return refused(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, e).await,
    };
    let channels = state.store.list_channels().await?;
    let (parent, description) = match form.checked_tree("new", None, &channels) {
        Ok(tree) => tree,
        Err(e) => return refused(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, e).await,
    };
    if state.store.channel_by_slug(&slug).await.is_ok() {
        let e = FormError::new(
            "new",
            "slug",
            format!("栏目别名 {slug:?} 已存在，请换一个"),
            &form.values(),
        );
        return refused(&state, &user, StatusCode::CONFLICT, e).await;
    }
    let channel = state.store.upsert_channel(&name, &slug, position).await?;
    state
        .store
        .set_channel_tree(channel.id, parent, &description)
        .await?;
    let parent_name = parent
        .and_then(|p| channels.iter().find(|c| c.id == p))
        .map_or("无", |c| c.name.as_str());
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::CreateChannel)
                .subject("channel", Some(channel.id), &name)
                .detail(format!(
                    "别名：{slug}；排序：{position}；上级栏目：{parent_name}"
                )),
        )
        .await?;
    state.reload_chrome().await?;
    Ok(see_other("/admin/channels?notice=created"))
}

/// `POST /admin/channels/{id}`.
pub async fn update_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ChannelForm>,
) -> Result<Response, AppError> {
    let which = format!("channel-{id}");
    let (name, slug, position) = match form.checked(&which) {
        Ok(checked) => checked,
        Err(e) => return refused(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, e).await,
    };
    let channels = state.store.list_channels().await?;
    let (parent, description) = match form.checked_tree(&which, Some(id), &channels) {
        Ok(tree) => tree,
        Err(e) => return refused(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, e).await,
    };
    let before = channels.iter().find(|c| c.id == id).cloned();
    let (channel, articles) = match state.store.update_channel(id, &name, &slug, position).await {
        Ok(done) => done,
        Err(StoreError::Conflict { .. }) => {
            let e = FormError::new(
                &which,
                "slug",
                format!("栏目别名 {slug:?} 已被另一个栏目使用，请换一个"),
                &form.values(),
            );
            return refused(&state, &user, StatusCode::CONFLICT, e).await;
        }
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .set_channel_tree(id, parent, &description)
        .await?;
    let name_of = |p: Option<i64>| {
        p.and_then(|p| channels.iter().find(|c| c.id == p))
            .map_or_else(|| "无".to_string(), |c| c.name.clone())
    };
    let changed = before.as_ref().map_or_else(String::new, |b| {
        super::audit::changes(&[
            ("名称", &b.name, &channel.name),
            ("别名", &b.slug, &channel.slug),
            (
                "排序",
                &b.position.to_string(),
                &channel.position.to_string(),
            ),
            ("上级栏目", &name_of(b.parent_id), &name_of(parent)),
            ("简介", &b.description, &description),
        ])
    });
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::UpdateChannel)
                .subject("channel", Some(id), &channel.name)
                .detail(changed),
        )
        .await?;
    state.reload_chrome().await?;
    // Search results show and filter by the channel's name and slug: when either changed, its
    // articles are indexed anew (a new position alone changes nothing there).
    if before.is_none_or(|b| b.name != channel.name || b.slug != channel.slug) {
        state
            .newsroom_articles()?
            .reindex_detached(articles)
            .await?;
    }
    Ok(see_other("/admin/channels?notice=saved"))
}

/// `POST /admin/channels/{id}/delete`.
pub async fn delete_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let channels = state.store.list_channels().await?;
    if channels.iter().any(|c| c.parent_id == Some(id)) {
        let e = FormError::new(
            &format!("channel-{id}"),
            "delete",
            "这个栏目下还有子栏目，不能删除。请先删除子栏目，或把子栏目改为一级栏目（上级栏目选“无”）。",
            &[],
        );
        return refused(&state, &user, StatusCode::CONFLICT, e).await;
    }
    let before = channels.iter().find(|c| c.id == id).cloned();
    match state.store.delete_channel(id).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            // Shown beside the channel, with where its articles are and what to do.
            let e = FormError::new(
                &format!("channel-{id}"),
                "delete",
                "这个栏目里还有文章，不能删除。请先在文章列表中按栏目筛选，用“批量操作 → 移到栏目”把文章移走（或移入回收站），再删除栏目。",
                &[],
            );
            return refused(&state, &user, StatusCode::CONFLICT, e).await;
        }
        Err(e) => return Err(e.into()),
    }
    let (label, detail) =
        before.map_or_else(Default::default, |c| (c.name, format!("别名：{}", c.slug)));
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::DeleteChannel)
                .subject("channel", Some(id), &label)
                .detail(detail),
        )
        .await?;
    state.reload_chrome().await?;
    Ok(see_other("/admin/channels?notice=deleted"))
}

/// Whether `slug` may be a channel's or a tag's URL segment: lowercase letters, digits and
/// hyphens, at most 50 bytes (a pinyin or English name: `chuneng`, `energy-storage`).
fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 50
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A tag's new name and URL segment.
#[derive(Debug, Deserialize)]
pub struct TagForm {
    name: String,
    /// Its own URL segment (`/tags/{slug}`); empty: the name is the segment. Absent from a form
    /// without the field: left as it is.
    slug: Option<String>,
}

impl TagForm {
    /// What was typed, for the form shown again.
    fn values(&self) -> Vec<(&str, &str)> {
        vec![
            ("name", self.name.as_str()),
            ("slug", self.slug.as_deref().unwrap_or_default()),
        ]
    }
}

/// `POST /admin/tags/{id}`: rename (merging into an existing tag of that name).
pub async fn rename_tag(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<TagForm>,
) -> Result<Response, AppError> {
    let which = format!("tag-{id}");
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        let e = FormError::new(
            &which,
            "name",
            "标签名称不能为空，最多 32 个字符",
            &form.values(),
        );
        return refused(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, e).await;
    }
    let slug = form.slug.as_deref().map(str::trim);
    if let Some(slug) = slug.filter(|s| !s.is_empty() && !valid_slug(s)) {
        let e = FormError::new(
            &which,
            "slug",
            format!("标签别名（slug）{slug:?} 无效：只能使用小写英文字母、数字和连字符"),
            &form.values(),
        );
        return refused(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, e).await;
    }
    let before = tag_name(&state, id).await?;
    let articles = match state
        .store
        .update_tag(id, name, slug.map(|s| Some(s).filter(|s| !s.is_empty())))
        .await
    {
        Ok(articles) => articles,
        // The name cannot clash (a taken name merges): the segment is another tag's.
        Err(StoreError::Conflict { .. }) => {
            let slug = slug.unwrap_or_default();
            let e = FormError::new(
                &which,
                "slug",
                format!("标签别名 {slug:?} 已被另一个标签使用，请换一个"),
                &form.values(),
            );
            return refused(&state, &user, StatusCode::CONFLICT, e).await;
        }
        Err(e) => return Err(e.into()),
    };
    let segment = match slug {
        Some("") => "；别名：无（用名称）".to_string(),
        Some(slug) => format!("；别名：{slug}"),
        None => String::new(),
    };
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::RenameTag)
                .subject("tag", Some(id), name)
                .detail(format!(
                    "名称：{before} → {name}{segment}；{} 篇文章",
                    articles.len()
                )),
        )
        .await?;
    // Tags are searched: the articles that carried this one are indexed anew.
    state
        .newsroom_articles()?
        .reindex_detached(articles)
        .await?;
    Ok(see_other("/admin/channels?notice=saved"))
}

/// `POST /admin/tags/{id}/delete`.
pub async fn delete_tag(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let before = tag_name(&state, id).await?;
    let articles = state.store.delete_tag(id).await?;
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::DeleteTag)
                .subject("tag", Some(id), &before)
                .detail(format!("从 {} 篇文章中移除", articles.len())),
        )
        .await?;
    state
        .newsroom_articles()?
        .reindex_detached(articles)
        .await?;
    Ok(see_other("/admin/channels?notice=deleted"))
}

/// A tag's name now, for its audit line ("" if there is none).
async fn tag_name(state: &AppState, id: i64) -> Result<String, AppError> {
    Ok(state
        .store
        .list_tags()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.name)
        .unwrap_or_default())
}
