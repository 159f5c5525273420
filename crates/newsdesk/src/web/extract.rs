//! Our wrappers of axum's extractors: a malformed path or query becomes an [`AppError`] with a
//! message naming the problem, rendered like every other error. The raw extractors are banned in
//! `clippy.toml`.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// axum's default limit for buffered bodies (forms, JSON), which every route but uploads keeps.
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// Path parameters, like `axum::extract::Path`.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        #[expect(clippy::disallowed_types, reason = "this is the wrapper")]
        let result = axum::extract::Path::<T>::from_request_parts(parts, state).await;
        match result {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            // A path that does not fit the route is a page that does not exist.
            Err(_) => Err(AppError::NotFound),
        }
    }
}

/// Query parameters, like `axum::extract::Query`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        #[expect(clippy::disallowed_types, reason = "this is the wrapper")]
        let result = axum::extract::Query::<T>::from_request_parts(parts, state).await;
        match result {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(e) => Err(AppError::BadRequest(format!(
                "查询参数有误：{}",
                e.body_text()
            ))),
        }
    }
}

/// A body over the route's size limit is 413 with the limit named; any other rejection is a bad
/// request described by `message`.
fn body_rejection(status: StatusCode, message: impl FnOnce() -> String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(format!(
            "请求体太大：超过 {} MB 的上限",
            BODY_LIMIT_BYTES / (1024 * 1024)
        ))
    } else {
        AppError::BadRequest(message())
    }
}

/// A URL-encoded form body, like `axum::extract::Form`.
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        #[expect(clippy::disallowed_types, reason = "this is the wrapper")]
        let result = axum::extract::Form::<T>::from_request(req, state).await;
        match result {
            Ok(axum::extract::Form(v)) => Ok(Self(v)),
            Err(e) => Err(body_rejection(e.status(), || {
                format!("表单内容有误：{}", e.body_text())
            })),
        }
    }
}

/// A JSON body, like `axum::Json`; a malformed body is answered as a JSON error (this is used by
/// the API only). Also a JSON response.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = crate::error::JsonError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        #[expect(clippy::disallowed_types, reason = "this is the wrapper")]
        let result = axum::Json::<T>::from_request(req, state).await;
        match result {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(e) => {
                Err(
                    body_rejection(e.status(), || format!("JSON 请求体有误：{}", e.body_text()))
                        .into(),
                )
            }
        }
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The client's address, when known: the peer's, or behind a trusted proxy the address it
/// forwarded ([`crate::web::client`]). Every consumer (login throttling, view de-duplication) takes
/// it from here, so they all agree.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl FromRequestParts<crate::web::AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::web::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| state.trusted_proxies().client_ip(c.0.ip(), &parts.headers)),
        ))
    }
}

/// Whether the request comes from WeChat's in-app browser, which gets the phone layout and no QR
/// code. Responses that depend on it must say `Vary: User-Agent`.
#[derive(Debug, Clone, Copy)]
pub struct InWeChat(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for InWeChat {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(crate::wechat::is_wechat_browser),
        ))
    }
}
