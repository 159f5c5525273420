//! Attachments in the article editor: upload one onto an article (appended to its list) and
//! take one off. Checks live in [`crate::attachments`]; downloads in [`crate::web::media`].

use axum::extract::{Multipart, State};
use axum::response::Response;

use super::{CurrentUser, see_other};
use crate::attachments::{self, AttachmentError};
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::store::{AuditRecord, NewAttachment};
use crate::web::AppState;
use crate::web::extract::Path;

fn refused(e: AttachmentError) -> AppError {
    match e {
        AttachmentError::TooLarge { .. } => AppError::PayloadTooLarge(e.to_string()),
        AttachmentError::Storage(e) => AppError::Internal(e.context("storing an attachment")),
        e => AppError::BadRequest(e.to_string()),
    }
}

/// `POST /admin/articles/{id}/attachments` (multipart, field `file`).
pub async fn upload_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let bad_form = |e: String| AppError::BadRequest(format!("上传的表单有误：{e}"));
    let mut multipart = multipart.map_err(|e| bad_form(e.body_text()))?;
    // The article must exist (the trash too: it may come back) before anything is stored.
    let article = state.store.editable_article(id).await?;
    let max = state.uploads().max_attachment_bytes;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad_form(e.body_text()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let original_name: String = field
            .file_name()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
            .unwrap_or("附件")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut bytes: Vec<u8> = Vec::new();
        // Counted while reading, so an oversize file is refused without holding all of it.
        while let Some(chunk) = field.chunk().await.map_err(|e| bad_form(e.body_text()))? {
            bytes.extend_from_slice(&chunk);
            let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            if len > max {
                return Err(refused(AttachmentError::TooLarge {
                    bytes: len,
                    limit_mib: max / (1024 * 1024),
                }));
            }
        }
        let checked = attachments::store(&state.uploads().files, bytes, max)
            .await
            .map_err(refused)?;
        let original_name = if original_name.trim().is_empty() {
            format!(
                "附件.{}",
                checked.file_name.rsplit('.').next().unwrap_or("bin")
            )
        } else {
            original_name
        };
        let record = state
            .store
            .add_attachment(&NewAttachment {
                file_name: &checked.file_name,
                original_name: &original_name,
                mime: checked.mime,
                bytes: i64::try_from(checked.bytes).unwrap_or(i64::MAX),
                uploaded_by: Some(user.user.id),
            })
            .await?;
        state.store.attach(id, record.id).await?;
        state
            .store
            .add_audit(&AuditRecord {
                user: Some(&user.user),
                action: AuditAction::AddAttachment,
                article_id: Some(id),
                article_title: &article.article.title,
                detail: format!("{original_name}（{}）", checked.file_name),
            })
            .await?;
        tracing::info!(file = %checked.file_name, article.id = id, user = %user.user.name, "attachment added");
        return Ok(see_other(&format!("/admin/articles/{id}?notice=attached")));
    }
    Err(AppError::BadRequest(
        "没有收到文件：请选择一个附件后再上传".into(),
    ))
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
