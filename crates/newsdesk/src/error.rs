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
    /// Something failed on our side; details are logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { what } => Self::BadRequest(what),
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

/// An [`AppError`] answered as JSON `{"error": "…"}`, for API clients, instead of the HTML page.
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
