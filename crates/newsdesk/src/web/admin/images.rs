//! Images in the newsroom: the upload form and list, and the upload itself (a form post, or a
//! fetch from the article editor, which gets JSON back to insert the image). Checks and resizing
//! live in [`crate::images`]; files are served by [`serve_upload`].

use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AdminLayout, CurrentUser, render, see_other, time};
use crate::domain::{AuditAction, PageRequest};
use crate::error::{AppError, JsonError};
use crate::images::{self, ImageError};
use crate::render::views::{Pagination, TimeView};
use crate::store::{AuditEvent, AuditRecord, NewImage, StoreError};
use crate::uploads::GetError;
use crate::web::AppState;
use crate::web::extract::{Form, Json, Path, Query};

const PER_PAGE: u32 = 40;

/// `?page=`, `?q=` (search by name or alt text) and `?notice=`.
#[derive(Debug, Deserialize)]
pub struct ImagesQuery {
    page: Option<String>,
    notice: Option<String>,
    q: Option<String>,
}

#[derive(Serialize)]
struct ImageView {
    id: i64,
    alt: String,
    url: String,
    srcset: Option<String>,
    original_name: String,
    width: i64,
    height: i64,
    kib: i64,
    created: TimeView,
    markdown: String,
}

/// `GET /admin/images`.
pub async fn list_images(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ImagesQuery>,
) -> Result<Response, AppError> {
    let notice = q.notice.clone();
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|&p| p > 0)
        .unwrap_or(1);
    let q =
        q.q.unwrap_or_default()
            .trim()
            .chars()
            .take(100)
            .collect::<String>();
    let list = state
        .store
        .search_images(
            &q,
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let items: Vec<ImageView> = list
        .items
        .iter()
        .map(|i| {
            let url = format!("{}{}", images::URL_PREFIX, i.file_name);
            let alt = if i.alt.is_empty() {
                alt_text(&i.original_name)
            } else {
                alt_text(&i.alt)
            };
            ImageView {
                id: i.id,
                srcset: images::srcset(&url),
                markdown: format!("![{alt}]({url})"),
                alt: i.alt.clone(),
                url,
                original_name: i.original_name.clone(),
                width: i.width,
                height: i.height,
                kib: (i.bytes + 1023) / 1024,
                created: time(&state, i.created_at),
            }
        })
        .collect();
    let base = if q.is_empty() {
        "/admin/images".to_string()
    } else {
        format!(
            "/admin/images?q={}",
            percent_encoding::utf8_percent_encode(&q, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    render(
        &state,
        "admin/images.html",
        context! {
            layout => AdminLayout::new(&state, &user, "images", "图片").with_notice(notice.as_deref()),
            images => items,
            q,
            total => list.total,
            max_mib => state.uploads().max_bytes / (1024 * 1024),
            pagination => Pagination::new(&base, page, PER_PAGE, list.total),
        },
    )
}

/// The alt-text form.
#[derive(Debug, Deserialize)]
pub struct AltForm {
    #[serde(default)]
    alt: String,
}

/// Longest alt text, in characters.
const MAX_ALT_CHARS: usize = 300;

/// `POST /admin/images/{id}/alt`.
pub async fn save_alt(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AltForm>,
) -> Result<Response, AppError> {
    let alt: String = form.alt.split_whitespace().collect::<Vec<_>>().join(" ");
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(AppError::BadRequest(format!(
            "替代文字太长：{} 个字符，上限为 {MAX_ALT_CHARS} 个",
            alt.chars().count()
        )));
    }
    let image = state.store.library_image(id).await?;
    state.store.set_image_alt(id, &alt).await?;
    audit_image(
        &state,
        &user,
        AuditAction::SetImageAlt,
        &image.file_name,
        alt.clone(),
    )
    .await?;
    tracing::info!(image = id, user = %user.user.name, "image alt text saved");
    Ok(see_other("/admin/images?notice=alt_saved"))
}

/// An audit line about an image (no article: its title field names the file).
async fn audit_image(
    state: &AppState,
    user: &CurrentUser,
    action: AuditAction,
    file_name: &str,
    detail: String,
) -> Result<(), AppError> {
    state
        .store
        .add_audit(&AuditRecord {
            user: Some(&user.user),
            action,
            article_id: None,
            article_title: file_name,
            detail,
        })
        .await?;
    Ok(())
}

/// `POST /admin/images/{id}/delete`: refused while an article uses the image (body or cover,
/// any status, the trash included); otherwise the record and its files go.
pub async fn delete_image(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let image = state.store.library_image(id).await?;
    let stem = image
        .file_name
        .rsplit_once('.')
        .map_or(image.file_name.as_str(), |(s, _)| s)
        .to_string();
    // A staged edit of a published article (its pending revision) counts as a use too.
    match state.store.delete_image(id, &stem).await {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => {
            let uses = state.store.image_uses(&stem, 5).await?;
            let titles: Vec<String> = uses.iter().map(|u| format!("《{}》", u.title)).collect();
            return Err(AppError::Conflict(format!(
                "无法删除：这张图片正被文章使用（{}）。请先从这些文章的正文或封面中去掉它。",
                titles.join("、")
            )));
        }
        Err(e) => return Err(e.into()),
    }
    audit_image(
        &state,
        &user,
        AuditAction::DeleteImage,
        &image.file_name,
        image.original_name.clone(),
    )
    .await?;
    // The record is gone; now its files (the variants' names follow from the original's).
    let mut names = vec![image.file_name.clone()];
    if let Some(set) = images::srcset(&format!("{}{}", images::URL_PREFIX, image.file_name)) {
        names.extend(
            set.split(", ")
                .filter_map(|part| part.split(' ').next())
                .filter_map(|u| u.strip_prefix(images::URL_PREFIX))
                .map(str::to_string),
        );
    }
    names.dedup();
    for name in names {
        if let Err(e) = state.uploads().files.delete(&name).await {
            tracing::warn!(error = format!("{e:#}"), file = %name, "deleting an image file");
        }
    }
    tracing::info!(file = %image.file_name, user = %user.user.name, "image deleted");
    Ok(see_other("/admin/images?notice=image_deleted"))
}

/// Alt text from a file name: its stem, with characters Markdown would misread dropped.
fn alt_text(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.chars()
        .filter(|c| !matches!(c, '[' | ']' | '(' | ')' | '\\' | '\n' | '\r'))
        .take(80)
        .collect()
}

/// What a fetch upload gets back.
#[derive(Debug, Serialize)]
pub struct Uploaded {
    url: String,
    srcset: Option<String>,
    width: u32,
    height: u32,
    markdown: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

fn refused(e: ImageError) -> AppError {
    match e {
        ImageError::TooLarge { .. } => AppError::PayloadTooLarge(e.to_string()),
        ImageError::Storage(e) => AppError::Internal(e.context("storing an upload")),
        e => AppError::BadRequest(e.to_string()),
    }
}

async fn receive(
    state: &AppState,
    user: &CurrentUser,
    mut multipart: Multipart,
) -> Result<Uploaded, AppError> {
    let max = state.uploads().max_bytes;
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("上传的表单有误：{}", e.body_text()))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
        if field.name() != Some("file") {
            continue;
        }
        let original_name = field.file_name().unwrap_or("image").to_string();
        let mut bytes: Vec<u8> = Vec::new();
        // Counted while reading, so an oversize upload is refused without holding all of it.
        while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
            bytes.extend_from_slice(&chunk);
            let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            if len > max {
                return Err(refused(ImageError::TooLarge {
                    bytes: len,
                    limit: max,
                    limit_mib: max / (1024 * 1024),
                }));
            }
        }
        let stored = images::store(&state.uploads().files, bytes, max)
            .await?
            .map_err(refused)?;
        let original_name: String = original_name.chars().take(200).collect();
        let record = state
            .store
            .add_image(&NewImage {
                file_name: &stored.file_name,
                original_name: &original_name,
                mime: stored.mime,
                width: i64::from(stored.width),
                height: i64::from(stored.height),
                bytes: i64::try_from(stored.bytes).unwrap_or(i64::MAX),
                uploaded_by: Some(user.user.id),
            })
            .await?;
        state
            .store
            .insert_audit(
                &AuditEvent::new(Some(&user.user), AuditAction::UploadImage)
                    .subject("image", Some(record.id), &original_name)
                    .detail(format!(
                        "{}（{}×{}，{} 字节）",
                        stored.file_name, stored.width, stored.height, stored.bytes
                    )),
            )
            .await?;
        tracing::info!(file = %stored.file_name, user = %user.user.name, "image uploaded");
        let url = stored.url();
        return Ok(Uploaded {
            srcset: images::srcset(&url),
            markdown: format!("![{}]({url})", alt_text(&original_name)),
            url,
            width: stored.width,
            height: stored.height,
        });
    }
    Err(AppError::BadRequest(
        "没有收到文件：请选择一张图片后再上传".into(),
    ))
}

/// `POST /admin/images` (multipart, field `file`).
pub async fn upload_image(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let json = wants_json(&headers);
    let result = match multipart {
        Ok(m) => receive(&state, &user, m).await,
        Err(e) => Err(AppError::BadRequest(format!(
            "上传的表单有误：{}",
            e.body_text()
        ))),
    };
    match (result, json) {
        (Ok(uploaded), true) => Json(uploaded).into_response(),
        (Ok(_), false) => see_other("/admin/images?notice=uploaded"),
        (Err(e), true) => JsonError(e).into_response(),
        (Err(e), false) => e.into_response(),
    }
}

/// `GET /uploads/{name}`: an upload or one of its variants, cached for a year (names are
/// content-addressed and never change meaning), streamed from the uploads store.
pub async fn serve_upload(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    // Only names of the upload scheme reach the store: no `/`, no `..`, nothing else in it.
    let content_type = images::content_type(&name).ok_or(AppError::NotFound)?;
    let file = match state.uploads().files.get(&name).await {
        Ok(f) => f,
        Err(GetError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(AppError::Internal(anyhow::Error::new(e))),
    };
    let length = file.meta.size;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(length)),
        ],
        Body::from_stream(file.into_stream()),
    )
        .into_response())
}
