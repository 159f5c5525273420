//! Channels (栏目) and tags (admins only). Channel changes reload the cached navigation.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::{AdminLayout, CurrentUser, render, see_other};
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::store::AuditEvent;
use crate::web::AppState;
use crate::web::extract::{Form, Path, Query};

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
}

impl ChannelForm {
    fn checked(&self) -> Result<(String, String, i64), AppError> {
        let name = self.name.trim();
        let slug = self.slug.trim();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(AppError::BadRequest(
                "栏目名称不能为空，最多 30 个字符".into(),
            ));
        }
        if slug.is_empty()
            || slug.len() > 50
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(AppError::BadRequest(format!(
                "栏目别名（slug）{slug:?} 无效：只能使用小写英文字母、数字和连字符"
            )));
        }
        let position = match self.position.trim() {
            "" => 0,
            p => p
                .parse()
                .map_err(|_| AppError::BadRequest(format!("排序 {p:?} 不是整数")))?,
        };
        Ok((name.to_string(), slug.to_string(), position))
    }
}

/// `GET /admin/channels`: channels and tags.
pub async fn list_channels(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let channels = state.store.list_channels().await?;
    let tags = state.store.list_tags().await?;
    render(
        &state,
        "admin/channels.html",
        context! {
            layout => AdminLayout::new(&state, &user, "channels", "栏目与标签").with_notice(q.notice.as_deref()),
            channels,
            tags,
        },
    )
}

/// `POST /admin/channels`.
pub async fn create_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ChannelForm>,
) -> Result<Response, AppError> {
    let (name, slug, position) = form.checked()?;
    if state.store.channel_by_slug(&slug).await.is_ok() {
        return Err(AppError::Conflict(format!("栏目别名 {slug:?} 已存在")));
    }
    let channel = state.store.upsert_channel(&name, &slug, position).await?;
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::CreateChannel)
                .subject("channel", Some(channel.id), &name)
                .detail(format!("别名：{slug}；排序：{position}")),
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
    let (name, slug, position) = form.checked()?;
    let before = state.chrome().channels.iter().find(|c| c.id == id).cloned();
    let (channel, articles) = state
        .store
        .update_channel(id, &name, &slug, position)
        .await?;
    let changed = before.as_ref().map_or_else(String::new, |b| {
        super::audit::changes(&[
            ("名称", &b.name, &channel.name),
            ("别名", &b.slug, &channel.slug),
            (
                "排序",
                &b.position.to_string(),
                &channel.position.to_string(),
            ),
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
    let before = state.chrome().channels.iter().find(|c| c.id == id).cloned();
    state.store.delete_channel(id).await?;
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

/// A tag's new name.
#[derive(Debug, Deserialize)]
pub struct TagForm {
    name: String,
}

/// `POST /admin/tags/{id}`: rename (merging into an existing tag of that name).
pub async fn rename_tag(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<TagForm>,
) -> Result<Response, AppError> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        return Err(AppError::BadRequest(
            "标签名称不能为空，最多 32 个字符".into(),
        ));
    }
    let before = tag_name(&state, id).await?;
    let articles = state.store.rename_tag(id, name).await?;
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::RenameTag)
                .subject("tag", Some(id), name)
                .detail(format!(
                    "名称：{before} → {name}；{} 篇文章",
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
