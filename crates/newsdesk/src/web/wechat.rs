//! WeChat's JS-SDK: `GET /api/v1/wechat/jssdk-config?url=…` signs the page URL the share script
//! runs on (see [`crate::wechat`]). Errors are JSON; without an AppID and AppSecret the endpoint
//! does not exist.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::extract::Query;
use crate::error::{AppError, JsonError};

/// Longest page URL signed; WeChat's own limit on page URLs is far below it.
const MAX_URL_LEN: usize = 2048;

/// `?url=` of the page to sign.
#[derive(Debug, Deserialize)]
pub struct ConfigQuery {
    url: Option<String>,
}

/// `GET /api/v1/wechat/jssdk-config?url=…`: `{appId, timestamp, nonceStr, signature}`.
pub async fn jssdk_config(
    State(state): State<AppState>,
    query: Result<Query<ConfigQuery>, AppError>,
) -> Result<Response, JsonError> {
    let sdk = state.wechat().ok_or(AppError::NotFound)?;
    let Query(q) = query?;
    let url = q.url.unwrap_or_default();
    if url.is_empty() {
        return Err(AppError::BadRequest("url：缺少要签名的页面网址".into()).into());
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > MAX_URL_LEN {
        return Err(AppError::BadRequest(format!(
            "url：须为不超过 {MAX_URL_LEN} 字符的 http(s) 网址"
        ))
        .into());
    }
    let config = sdk.config_for(&url).await.map_err(|e| {
        tracing::warn!(error = %e, "WeChat JS-SDK configuration failed");
        AppError::BadGateway(format!("微信接口出错：{e}"))
    })?;
    let body = serde_json::to_string(&config)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("encoding JS-SDK config")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            // A signature holds a fresh nonce and timestamp: never reuse one from a cache.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
