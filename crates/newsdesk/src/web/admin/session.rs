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
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::store::AuditEvent;
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

/// Name of the device cookie (see `auth::throttle`): set on sign-in, sent back to the login.
pub const DEVICE_COOKIE: &str = "newsdesk_device";

/// Where a sign-in goes when `next` is missing or refused.
const DEFAULT_NEXT: &str = "/admin/articles";

/// Only plain paths inside the admin are followed after sign-in, never another site, and never
/// anything that cannot be a `Location` header.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_admin_path(n))
        .unwrap_or(DEFAULT_NEXT)
        .to_string()
}

/// `/admin`, `/admin/…` or `/admin?…` in printable ASCII without a backslash, and once
/// percent-decoded, still without control characters, backslashes or `..` segments.
fn is_admin_path(n: &str) -> bool {
    let inside = n == "/admin" || n.starts_with("/admin/") || n.starts_with("/admin?");
    if !inside || !n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
        return false;
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(n).collect();
    if decoded.iter().any(|&b| b.is_ascii_control() || b == b'\\') {
        return false;
    }
    let path = decoded
        .split(|&b| b == b'?' || b == b'#')
        .next()
        .unwrap_or_default();
    !path.split(|&b| b == b'/').any(|seg| seg == b"..")
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
    let device = cookie(&headers, DEVICE_COOKIE);
    let user_agent = user_agent(&headers);
    let signed_in = auth::sign_in(
        state.store.as_ref(),
        form.name.trim(),
        &form.password,
        &ip,
        device,
        &user_agent,
    )
    .await;
    audit_sign_in(&state, form.name.trim(), &signed_in).await?;
    match signed_in {
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
            if let Some(device) = &session.device_token {
                headers.append(
                    header::SET_COOKIE,
                    set_cookie(&state, DEVICE_COOKIE, device, auth::DEVICE_TTL.as_secs()),
                );
            }
            Ok(response)
        }
        Err(
            e @ (SignInError::BadCredentials | SignInError::Throttled { .. } | SignInError::Busy),
        ) => {
            let (status, retry_after) = match &e {
                SignInError::Throttled { wait } => {
                    (StatusCode::TOO_MANY_REQUESTS, Some(wait.as_secs().max(1)))
                }
                SignInError::Busy => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Some(auth::HASH_QUEUE_WAIT.as_secs()),
                ),
                _ => (StatusCode::UNAUTHORIZED, None),
            };
            let mut response = login_page(
                &state,
                status,
                expected,
                &next,
                &form.name,
                Some(e.to_string()),
            )?;
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Ok(response)
        }
        Err(SignInError::Store(e)) => Err(e.into()),
    }
}

/// The browser's User-Agent, cut to 300 characters, for the session list.
pub fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

/// The audit line of a sign-in: a success by its account, a refusal under the name typed (cut
/// to 64 characters) with the reason. A busy server checked nothing, so it leaves no line.
async fn audit_sign_in(
    state: &AppState,
    typed: &str,
    outcome: &Result<auth::NewSession, SignInError>,
) -> Result<(), AppError> {
    let event = match outcome {
        Ok(session) => AuditEvent::new(Some(&session.user), AuditAction::Login).subject(
            "user",
            Some(session.user.id),
            &session.user.name,
        ),
        Err(e @ (SignInError::BadCredentials | SignInError::Throttled { .. })) => {
            let typed: String = typed.chars().take(64).collect();
            let mut event = AuditEvent::new(None, AuditAction::LoginFailed)
                .subject("user", None, &typed)
                .detail(e.to_string());
            event.user_name = typed;
            event
        }
        Err(SignInError::Busy | SignInError::Store(_)) => return Ok(()),
    };
    state.store.insert_audit(&event).await?;
    Ok(())
}

/// `POST /admin/logout`.
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    state.store.delete_session(&user.token_hash).await?;
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::Logout).subject(
                "user",
                Some(user.user.id),
                &user.user.name,
            ),
        )
        .await?;
    let mut response = Redirect::to("/admin/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_plain_admin_path_or_the_default() {
        for good in [
            "/admin",
            "/admin/articles/3",
            "/admin/articles?status=draft&page=2",
        ] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "/admin\r\nSet-Cookie: x=1",
            "/admin/\tx",
            "/admin\u{0}",
            "/admin/%0d%0aSet-Cookie:x=1",
            "/admin/%00",
            "/admin/../articles",
            "/admin/%2e%2e/x",
            "/admin\\evil",
            "/admin/%5cevil",
            "/administrator",
            "/adminevil.com",
            "//evil.com/admin",
            "https://evil.com/admin",
            "/admin/文章",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), DEFAULT_NEXT, "{bad:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_NEXT);
    }
}
