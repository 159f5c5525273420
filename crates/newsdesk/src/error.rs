//! `AppError`: the outcomes a web request can end in besides success. Each variant is something a
//! reader or client sees; a response carrying one is turned into the themed Chinese error page by
//! [`crate::web::middleware::render_error_pages`], which also logs internal errors once.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// A request's failure, as the user sees it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The page or resource does not exist (or is not public).
    #[error("not found")]
    NotFound,
    /// The request is malformed; the message names the field and the problem.
    #[error("{0}")]
    BadRequest(String),
    /// A service we depend on (such as WeChat's API) failed; the message names it and its error.
    #[error("{0}")]
    BadGateway(String),
    /// Not signed in (newsroom) or no valid API token.
    #[error("unauthorized")]
    Unauthorized,
    /// Signed in, but the account's role does not allow this, or the CSRF token is missing.
    #[error("{0}")]
    Forbidden(String),
    /// The change conflicts with the current state, e.g. a stale save or a taken slug.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts (such as failed logins); the message says how long to wait.
    #[error("{0}")]
    TooManyRequests(String),
    /// An upload over the size limit; the message names the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Something failed on our side; details are logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { what } => Self::Conflict(what),
            StoreError::Other(e) => Self::Internal(e),
        }
    }
}

/// What the error page shows; attached to the response for the middleware to render.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// HTTP status.
    pub status: StatusCode,
    /// Heading, e.g. 页面不存在.
    pub heading: &'static str,
    /// Explanation for the reader.
    pub message: String,
    /// The internal error, for the log only.
    pub internal: Option<String>,
}

impl AppError {
    /// A stable machine-readable name of the outcome, for JSON clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::BadRequest(_) => "bad_request",
            Self::BadGateway(_) => "bad_gateway",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict(_) => "conflict",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::Internal(_) => "internal",
        }
    }

    /// The page a reader sees for this error.
    pub fn page(&self) -> ErrorPage {
        match self {
            Self::NotFound => ErrorPage {
                status: StatusCode::NOT_FOUND,
                heading: "页面不存在",
                message: "您访问的页面不存在或已被删除，请检查网址，或返回首页浏览最新资讯。"
                    .into(),
                internal: None,
            },
            Self::BadRequest(msg) => ErrorPage {
                status: StatusCode::BAD_REQUEST,
                heading: "请求有误",
                message: msg.clone(),
                internal: None,
            },
            Self::BadGateway(msg) => ErrorPage {
                status: StatusCode::BAD_GATEWAY,
                heading: "上游服务出错",
                message: msg.clone(),
                internal: None,
            },
            Self::Unauthorized => ErrorPage {
                status: StatusCode::UNAUTHORIZED,
                heading: "请先登录",
                message: "此操作需要登录。".into(),
                internal: None,
            },
            Self::Forbidden(msg) => ErrorPage {
                status: StatusCode::FORBIDDEN,
                heading: "没有权限",
                message: msg.clone(),
                internal: None,
            },
            Self::Conflict(msg) => ErrorPage {
                status: StatusCode::CONFLICT,
                heading: "操作冲突",
                message: msg.clone(),
                internal: None,
            },
            Self::TooManyRequests(msg) => ErrorPage {
                status: StatusCode::TOO_MANY_REQUESTS,
                heading: "请求过于频繁",
                message: msg.clone(),
                internal: None,
            },
            Self::PayloadTooLarge(msg) => ErrorPage {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                heading: "文件太大",
                message: msg.clone(),
                internal: None,
            },
            Self::Internal(e) => ErrorPage {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                heading: "服务器出错了",
                message: "服务器暂时无法处理您的请求，请稍后再试。".into(),
                internal: Some(format!("{e:#}")),
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let page = self.page();
        // A plain fallback body; the middleware replaces it with the themed page.
        let mut response = (page.status, page.message.clone()).into_response();
        response.extensions_mut().insert(page);
        response
    }
}

/// An [`AppError`] answered as JSON `{"error": "…", "code": "bad_request"}`, for API clients,
/// instead of the HTML page: `error` is the Chinese text the page would show, `code` a stable name
/// of the outcome for programs ([`AppError::code`]).
#[derive(Debug)]
pub struct JsonError(pub AppError);

impl From<AppError> for JsonError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let page = self.0.page();
        if let Some(internal) = &page.internal {
            tracing::error!(error = %internal, "API request failed");
        }
        let body = serde_json::json!({ "error": page.message, "code": self.0.code() }).to_string();
        (
            page.status,
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )],
            body,
        )
            .into_response()
    }
}
