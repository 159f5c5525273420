//! The signed-in user's own account: change the password (the current one required; every other
//! session ends) and see and end one's sessions (opened when, last used when, from which
//! address, with which browser). Every change is audited.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AdminLayout, CurrentUser, SESSION_COOKIE, render_status, see_other, set_cookie, time};
use crate::auth;
use crate::domain::{AuditAction, SessionInfo, session_key};
use crate::error::AppError;
use crate::render::views::TimeView;
use crate::store::AuditEvent;
use crate::web::AppState;
use crate::web::extract::{Form, Query};

#[derive(Serialize)]
struct SessionRow {
    key: String,
    current: bool,
    created: TimeView,
    last_seen: TimeView,
    ip: String,
    browser: String,
    user_agent: String,
}

/// Errors of the password form, each shown beside its field.
#[derive(Debug, Default, Serialize)]
struct PasswordErrors {
    current: Option<String>,
    new: Option<String>,
    confirm: Option<String>,
}

/// A short name for a User-Agent: the browser and the system, when recognisable.
fn browser_name(ua: &str) -> String {
    let browser = [
        ("MicroMessenger", "微信"),
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(m, _)| ua.contains(m))
    .map(|(_, n)| *n);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(m, _)| ua.contains(m))
    .map(|(_, n)| *n);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b}（{s}）"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) if ua.is_empty() => "未知浏览器".to_string(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

fn describe(s: &SessionInfo) -> String {
    format!("{}，{}", browser_name(&s.user_agent), s.ip)
}

async fn account_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    notice: Option<&str>,
    errors: PasswordErrors,
) -> Result<Response, AppError> {
    let current = session_key(&user.token_hash);
    let sessions: Vec<SessionRow> = state
        .store
        .list_sessions(user.user.id, Utc::now())
        .await?
        .into_iter()
        .map(|s| {
            let key = s.key();
            SessionRow {
                current: key == current,
                key,
                created: time(state, s.created_at),
                last_seen: time(state, s.last_seen_at),
                browser: browser_name(&s.user_agent),
                ip: s.ip,
                user_agent: s.user_agent,
            }
        })
        .collect();
    render_status(
        state,
        status,
        "admin/account.html",
        context! {
            layout => AdminLayout::new(state, user, "account", "我的账号").with_notice(notice),
            sessions,
            errors,
            min_password => auth::MIN_PASSWORD_CHARS,
        },
    )
}

/// `?notice=`.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// `GET /admin/account`.
pub async fn show_account(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    account_page(
        &state,
        &user,
        StatusCode::OK,
        q.notice.as_deref(),
        PasswordErrors::default(),
    )
    .await
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /admin/account/password`: the current password, the new one twice.
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = PasswordErrors::default();
    if let Err(e) = auth::check_password(&form.new) {
        errors.new = Some(e);
    } else if form.new == form.current {
        errors.new = Some("新密码不能与当前密码相同".into());
    }
    if form.confirm != form.new {
        errors.confirm = Some("两次输入的新密码不一致".into());
    }
    if errors.new.is_some() || errors.confirm.is_some() {
        return account_page(&state, &user, StatusCode::BAD_REQUEST, None, errors).await;
    }
    let store = state.store.as_ref();
    if !auth::check_own_password(store, &user.user.name, &form.current).await? {
        store
            .insert_audit(
                &AuditEvent::new(Some(&user.user), AuditAction::ChangePasswordFailed)
                    .subject("user", Some(user.user.id), &user.user.name)
                    .detail("当前密码错误"),
            )
            .await?;
        errors.current = Some("当前密码不正确".into());
        return account_page(&state, &user, StatusCode::BAD_REQUEST, None, errors).await;
    }
    let others = store
        .list_sessions(user.user.id, Utc::now())
        .await?
        .iter()
        .filter(|s| s.token_hash != user.token_hash)
        .count();
    let hash = auth::hash_password(&form.new).await?;
    store
        .set_own_password(user.user.id, &hash, &user.token_hash)
        .await?;
    store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::ChangePassword)
                .subject("user", Some(user.user.id), &user.user.name)
                .detail(format!("其他 {others} 个登录已退出")),
        )
        .await?;
    Ok(see_other("/admin/account?notice=password"))
}

/// Which sessions to end: one by its key, or `others`.
#[derive(Debug, Deserialize)]
pub struct EndForm {
    session: String,
}

/// `POST /admin/account/sessions`: ends one of one's sessions (the current one signs out) or all
/// the others.
pub async fn end_sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<EndForm>,
) -> Result<Response, AppError> {
    let store = state.store.as_ref();
    let audit = |label: &str, detail: String| {
        AuditEvent::new(Some(&user.user), AuditAction::EndSession)
            .subject("session", None, label)
            .detail(detail)
    };
    if form.session == "others" {
        let ended = store
            .delete_other_sessions(user.user.id, &user.token_hash)
            .await?;
        store
            .insert_audit(&audit("其他全部登录", format!("{ended} 个登录已退出")))
            .await?;
        return Ok(see_other("/admin/account?notice=ended_others"));
    }
    let session = store
        .list_sessions(user.user.id, Utc::now())
        .await?
        .into_iter()
        .find(|s| s.key() == form.session)
        .ok_or_else(|| AppError::NotFound)?;
    store.delete_session(&session.token_hash).await?;
    let current = session.token_hash == user.token_hash;
    store
        .insert_audit(&audit(
            &describe(&session),
            format!(
                "登录于 {}{}",
                time(&state, session.created_at).display,
                if current { "（当前登录）" } else { "" }
            ),
        ))
        .await?;
    if current {
        let mut response = see_other("/admin/login");
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, SESSION_COOKIE, "", 0),
        );
        return Ok(response);
    }
    Ok(see_other("/admin/account?notice=ended"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_named_briefly() {
        assert_eq!(
            browser_name(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/120.0 Safari/537.36 Edg/120.0"
            ),
            "Edge（Windows）"
        );
        assert_eq!(
            browser_name("Mozilla/5.0 (iPhone) AppleWebKit MicroMessenger/8.0 Safari/604.1"),
            "微信（iPhone）"
        );
        assert_eq!(browser_name(""), "未知浏览器");
    }
}
