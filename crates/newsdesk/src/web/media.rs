//! Media on the web side: remote images of a draft made ours before it is saved (admin and API),
//! the attachment list under an article and attachment downloads (`/attachments/{name}`).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::extract::Path;
use crate::error::AppError;
use crate::images::{Localize, RemoteFailure};
use crate::newsroom::Draft;
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

/// An attachment as a page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    /// Store id.
    pub id: i64,
    /// The file name shown and downloaded.
    pub name: String,
    /// `PDF`, `DOCX`…
    pub kind: String,
    /// `3.2 MB`.
    pub size: String,
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
        .map(|a| AttachmentView {
            id: a.id,
            kind: crate::attachments::kind_label(&a.file_name),
            size: crate::attachments::human_size(a.bytes),
            url: format!("{}{}", crate::attachments::URL_PREFIX, a.file_name),
            name: a.original_name,
        })
        .collect())
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
