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
    /// The outcome's stable name for JSON clients ([`AppError::code`]).
    pub code: &'static str,
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
                code: self.code(),
                heading: "页面不存在",
                message: "您访问的页面不存在或已被删除，请检查网址，或返回首页浏览最新资讯。"
                    .into(),
                internal: None,
            },
            Self::BadRequest(msg) => ErrorPage {
                status: StatusCode::BAD_REQUEST,
                code: self.code(),
                heading: "请求有误",
                message: msg.clone(),
                internal: None,
            },
            Self::BadGateway(msg) => ErrorPage {
                status: StatusCode::BAD_GATEWAY,
                code: self.code(),
                heading: "上游服务出错",
                message: msg.clone(),
                internal: None,
            },
            Self::Unauthorized => ErrorPage {
                status: StatusCode::UNAUTHORIZED,
                code: self.code(),
                heading: "请先登录",
                message: "此操作需要登录。".into(),
                internal: None,
            },
            Self::Forbidden(msg) => ErrorPage {
                status: StatusCode::FORBIDDEN,
                code: self.code(),
                heading: "没有权限",
                message: msg.clone(),
                internal: None,
            },
            Self::Conflict(msg) => ErrorPage {
                status: StatusCode::CONFLICT,
                code: self.code(),
                heading: "操作冲突",
                message: msg.clone(),
                internal: None,
            },
            Self::TooManyRequests(msg) => ErrorPage {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: self.code(),
                heading: "请求过于频繁",
                message: msg.clone(),
                internal: None,
            },
            Self::PayloadTooLarge(msg) => ErrorPage {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: self.code(),
                heading: "内容太大",
                message: msg.clone(),
                internal: None,
            },
            Self::Internal(e) => ErrorPage {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                code: self.code(),
                heading: "服务器出错了",
                message: "服务器暂时无法处理您的请求，请稍后再试。".into(),
                internal: Some(format!("{e:#}")),
            },
        }
    }
}

impl ErrorPage {
    /// The page for an error response that carries no [`ErrorPage`]: a rejection made by axum
    /// itself (an unknown method, a body over the size limit, a missing content type), described
    /// by its status.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, heading, message) = match status {
            StatusCode::NOT_FOUND => ("not_found", "页面不存在", "请求的地址不存在。"),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "请求方法不被允许",
                "此地址不支持这种请求方法。",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => {
                ("payload_too_large", "内容太大", "请求体超过了大小上限。")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "内容类型有误",
                "请求体的 Content-Type 不受支持（API 需要 application/json）。",
            ),
            StatusCode::REQUEST_TIMEOUT => ("timeout", "请求超时", "请求处理超时，请稍后再试。"),
            StatusCode::TOO_MANY_REQUESTS => (
                "too_many_requests",
                "请求过于频繁",
                "请求过于频繁，请稍后再试。",
            ),
            s if s.is_server_error() => (
                "internal",
                "服务器出错了",
                "服务器暂时无法处理您的请求，请稍后再试。",
            ),
            _ => ("bad_request", "请求有误", "请求有误。"),
        };
        Self {
            status,
            code,
            heading,
            message: message.into(),
            internal: None,
        }
    }

    /// This page as the API's JSON error `{"error": "…", "code": "…"}`.
    pub fn json_response(&self) -> Response {
        let body = serde_json::json!({ "error": self.message, "code": self.code }).to_string();
        (
            self.status,
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )],
            body,
        )
            .into_response()
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
        page.json_response()
    }
}
