//! Attachments in the article editor: upload one onto an article (appended to its list) and
//! take one off. Checks live in [`crate::attachments`]; the upload itself and downloads in
//! [`crate::web::media`].

use axum::extract::{Multipart, State};
use axum::response::Response;

use super::{CurrentUser, see_other};
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::store::AuditRecord;
use crate::web::AppState;
use crate::web::extract::Path;

/// `POST /admin/articles/{id}/attachments` (multipart, field `file`).
pub async fn upload_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    crate::web::media::attach_upload(&state, &user.user, id, multipart).await?;
    Ok(see_other(&format!("/admin/articles/{id}?notice=attached")))
}

/// `POST /admin/articles/{id}/attachments/{attachment}/remove`.
pub async fn remove_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let article = state.store.editable_article(id).await?;
    let removed = state
        .store
        .article_attachments(id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment)
        .ok_or(AppError::NotFound)?;
    state.store.detach(id, attachment).await?;
    state
        .store
        .add_audit(&AuditRecord {
            user: Some(&user.user),
            action: AuditAction::RemoveAttachment,
            article_id: Some(id),
            article_title: &article.article.title,
            detail: format!("{}（{}）", removed.original_name, removed.file_name),
        })
        .await?;
    tracing::info!(article.id = id, attachment, user = %user.user.name, "attachment removed");
    Ok(see_other(&format!("/admin/articles/{id}?notice=detached")))
}
