//! Our wrappers of axum's extractors: a malformed path or query becomes an [`AppError`] with a
//! message naming the problem, rendered like every other error. The raw extractors are banned in
//! `clippy.toml`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

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

/// The client's address as the listener saw it, when known.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
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
