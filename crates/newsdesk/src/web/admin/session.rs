//! Signing in and out of the newsroom.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::{
    CurrentUser, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, render_status, same_token, set_cookie,
};
use crate::auth::{self, SESSION_TTL, SignInError};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::extract::{ClientIp, Form, Query};

/// `?next=` on the login page: where to go after signing in.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Only paths inside the admin are followed after sign-in, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/admin") && !n.starts_with("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => "/admin/articles".to_string(),
    }
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    csrf: &str,
    next: &str,
    name: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = state.chrome().site.clone();
    let mut response = render_status(
        state,
        status,
        "admin/login.html",
        context! {
            site_name => site.site_name,
            asset_version => state.renderer.asset_version(),
            csrf_token => csrf,
            next,
            name,
            error,
        },
    )?;
    let max_age = SESSION_TTL.as_secs();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(state, LOGIN_CSRF_COOKIE, csrf, max_age),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /admin/login`.
pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    // The login form's CSRF token lives in a cookie until there is a session (double submit).
    let csrf = cookie(&headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 64)
        .map_or_else(auth::random_token, str::to_string);
    login_page(
        &state,
        StatusCode::OK,
        &csrf,
        &safe_next(q.next.as_deref()),
        "",
        None,
    )
}

/// `POST /admin/login`.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(Some(&form.next));
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(expected, &form.csrf) {
        let csrf = auth::random_token();
        return login_page(
            &state,
            StatusCode::FORBIDDEN,
            &csrf,
            &next,
            &form.name,
            Some("登录表单已过期，请重新输入后提交。".into()),
        );
    }
    let ip = ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    match auth::sign_in(state.store.as_ref(), form.name.trim(), &form.password, &ip).await {
        Ok(session) => {
            tracing::info!(user = %session.user.name, "signed in");
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(
                    &state,
                    SESSION_COOKIE,
                    &session.token,
                    SESSION_TTL.as_secs(),
                ),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, LOGIN_CSRF_COOKIE, "", 0),
            );
            Ok(response)
        }
        Err(e @ (SignInError::BadCredentials | SignInError::Throttled)) => {
            let status = if matches!(e, SignInError::Throttled) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            login_page(
                &state,
                status,
                expected,
                &next,
                &form.name,
                Some(e.to_string()),
            )
        }
        Err(SignInError::Store(e)) => Err(e.into()),
    }
}

/// `POST /admin/logout`.
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    state.store.delete_session(&user.token_hash).await?;
    let mut response = Redirect::to("/admin/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}
