//! Media on the web side: remote images of a draft made ours before it is saved (admin and API),
//! the attachment list under an article and attachment downloads (`/attachments/{name}`).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::extract::Path;
use crate::attachments::AttachmentError;
use crate::domain::media::Attachment;
use crate::domain::{AuditAction, User};
use crate::error::AppError;
use crate::images::{Localize, RemoteFailure};
use crate::newsroom::Draft;
use crate::store::{AuditRecord, NewAttachment};
use crate::uploads::GetError;

/// The site of the base URL: images there are ours already.
fn own_host(state: &AppState) -> Option<String> {
    crate::remote::site_of(&state.chrome().site.base_url)
}

/// Fetches the remote images of `draft`'s body (and a remote cover) and points the draft at our
/// copies; returns the images that stay remote, with the reason, for the editor.
pub async fn localize_draft(
    state: &AppState,
    draft: &mut Draft,
    user_id: Option<i64>,
) -> Vec<RemoteFailure> {
    let uploads = state.uploads();
    let Some(fetcher) = uploads.remote.as_ref() else {
        return Vec::new();
    };
    let host = own_host(state);
    let with = Localize {
        fetcher,
        files: &uploads.files,
        max_bytes: uploads.max_bytes,
        own_host: host.as_deref(),
        uploaded_by: user_id,
    };
    let (body, mut report) =
        crate::images::localize_remote(&draft.body, &with, state.store.as_ref()).await;
    draft.body = body;
    // A cover is one image URL: written as a Markdown image, it goes the same way.
    let cover = draft.cover_image.trim().to_string();
    if !cover.is_empty() {
        let (_, cover_report) =
            crate::images::localize_remote(&format!("![]({cover})"), &with, state.store.as_ref())
                .await;
        if let Some(l) = cover_report.localized.first() {
            draft.cover_image = l.local_url.clone();
        }
        for f in cover_report.failed {
            if !report.failed.contains(&f) {
                report.failed.push(f);
            }
        }
    }
    for f in &report.failed {
        tracing::info!(url = %f.url, reason = %f.reason, "remote image left remote");
    }
    report.failed
}

/// Most bytes of form fields other than the file a multipart upload may carry.
const MAX_OTHER_FIELDS_BYTES: usize = 64 * 1024;

fn refused(e: AttachmentError) -> AppError {
    match e {
        AttachmentError::TooLarge { .. } => AppError::PayloadTooLarge(e.to_string()),
        AttachmentError::Storage(e) => AppError::Internal(e.context("storing an attachment")),
        e => AppError::BadRequest(e.to_string()),
    }
}

/// Reads the multipart field `file` (its name and bytes), refusing more than `max` bytes of it
/// while reading, and more than [`MAX_OTHER_FIELDS_BYTES`] of anything else: what is read is
/// bounded whatever the request's body limit.
async fn read_file_field(
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    max: u64,
) -> Result<(String, Vec<u8>), AppError> {
    let bad_form = |e: String| AppError::BadRequest(format!("上传的表单有误：{e}"));
    let mut multipart = multipart.map_err(|e| bad_form(e.body_text()))?;
    let mut other = 0_usize;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad_form(e.body_text()))?
    {
        let is_file = field.name() == Some("file");
        let name: String = field
            .file_name()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad_form(e.body_text()))? {
            if !is_file {
                other = other.saturating_add(chunk.len());
                if other > MAX_OTHER_FIELDS_BYTES {
                    return Err(bad_form("文件以外的字段过大".into()));
                }
                continue;
            }
            bytes.extend_from_slice(&chunk);
            let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            if len > max {
                return Err(refused(AttachmentError::TooLarge {
                    bytes: len,
                    limit_mib: max / (1024 * 1024),
                }));
            }
        }
        if is_file {
            return Ok((name, bytes));
        }
    }
    Err(AppError::BadRequest(
        "没有收到文件：请选择一个附件后再上传（表单字段 file）".into(),
    ))
}

/// Stores the multipart field `file` as an attachment of article `article_id` (appended to its
/// list) on behalf of `user`, audited; the browser admin and the API both upload through here.
pub async fn attach_upload(
    state: &AppState,
    user: &User,
    article_id: i64,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Attachment, AppError> {
    // The article must exist (the trash too: it may come back) before anything is stored.
    let article = state.store.editable_article(article_id).await?;
    let max = state.uploads().max_attachment_bytes;
    let (name, bytes) = read_file_field(multipart, max).await?;
    let checked = crate::attachments::store(&state.uploads().files, bytes, max)
        .await
        .map_err(refused)?;
    let ext = checked.file_name.rsplit('.').next().unwrap_or("bin");
    let original_name = if name.trim().is_empty() {
        format!("附件.{ext}")
    } else {
        name
    };
    let record = state
        .store
        .add_attachment(&NewAttachment {
            file_name: &checked.file_name,
            original_name: &original_name,
            mime: checked.mime,
            bytes: i64::try_from(checked.bytes).unwrap_or(i64::MAX),
            uploaded_by: Some(user.id),
        })
        .await?;
    state.store.attach(article_id, record.id).await?;
    state
        .store
        .add_audit(&AuditRecord {
            user: Some(user),
            action: AuditAction::AddAttachment,
            article_id: Some(article_id),
            article_title: &article.article.title,
            detail: format!("{original_name}（{}）", checked.file_name),
        })
        .await?;
    tracing::info!(file = %checked.file_name, article.id = article_id, user = %user.name, "attachment added");
    Ok(record)
}

/// An attachment as a page (or the API) lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    /// Store id.
    pub id: i64,
    /// The file name shown and downloaded.
    pub name: String,
    /// `PDF`, `DOCX`…
    pub kind: String,
    /// `3.2 MB`.
    pub size: String,
    /// Size in bytes.
    pub bytes: i64,
    /// The download URL.
    pub url: String,
}

/// An article's attachments, for its page or its editor.
pub async fn attachment_views(
    state: &AppState,
    article_id: i64,
) -> Result<Vec<AttachmentView>, AppError> {
    Ok(state
        .store
        .article_attachments(article_id)
        .await?
        .into_iter()
        .map(AttachmentView::from)
        .collect())
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id,
            kind: crate::attachments::kind_label(&a.file_name),
            size: crate::attachments::human_size(a.bytes),
            bytes: a.bytes,
            url: format!("{}{}", crate::attachments::URL_PREFIX, a.file_name),
            name: a.original_name,
        }
    }
}

/// `GET /attachments/{name}`: the file, as a download under its original name.
pub async fn download_attachment(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    // Only names of the attachment scheme reach the store.
    let content_type = crate::attachments::content_type(&name).ok_or(AppError::NotFound)?;
    let record = state.store.attachment_by_name(&name).await?;
    let file = match state.uploads().files.get(&name).await {
        Ok(f) => f,
        Err(GetError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(AppError::Internal(anyhow::Error::new(e))),
    };
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let disposition = crate::attachments::content_disposition(&record.original_name, ext);
    let disposition = HeaderValue::from_str(&disposition)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("Content-Disposition")))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(file.meta.size)),
        ],
        Body::from_stream(file.into_stream()),
    )
        .into_response())
}
