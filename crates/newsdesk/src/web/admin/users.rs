//! Accounts (admins only) and API tokens (each user their own; admins see and revoke all).
//! New passwords and tokens are shown once, in the response to the request that made them, and
//! never stored in the clear or logged.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::desk::FormError;
use super::{AdminLayout, CurrentUser, render, render_status, see_other, time};
use crate::auth;
use crate::domain::{AuditAction, Role, User};
use crate::error::AppError;
use crate::render::views::TimeView;
use crate::store::{AuditEvent, StoreError};
use crate::web::AppState;
use crate::web::extract::{Form, Path, Query};
use axum::http::StatusCode;

#[derive(Serialize)]
struct UserRow {
    id: i64,
    name: String,
    role: &'static str,
    role_label: &'static str,
    disabled: bool,
    created: TimeView,
    default_author: String,
    default_source: String,
}

/// `?notice=`.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&str>,
    created: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response, AppError> {
    users_page_full(state, user, notice, created, error, None, StatusCode::OK).await
}

/// The users page with a refused form shown again (see [`FormError`]).
pub async fn users_page_with(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form_error: FormError,
) -> Result<Response, AppError> {
    users_page_full(state, user, None, None, None, Some(form_error), status).await
}

async fn users_page_full(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&str>,
    created: Option<(String, String)>,
    error: Option<String>,
    form_error: Option<FormError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut users = Vec::new();
    for u in state.store.list_users().await? {
        let u: User = u;
        let defaults = state.store.user_defaults(u.id).await?;
        users.push(UserRow {
            id: u.id,
            name: u.name,
            role: u.role.as_str(),
            role_label: u.role.label(),
            disabled: u.disabled,
            created: time(state, u.created_at),
            default_author: defaults.author,
            default_source: defaults.source,
        });
    }
    render_status(
        state,
        status,
        "admin/users.html",
        context! {
            layout => AdminLayout::new(state, user, "users", "用户").with_notice(notice),
            users,
            created,
            error,
            form_error,
            roles => Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect::<Vec<_>>(),
        },
    )
}

/// `GET /admin/users`.
pub async fn list_users(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    users_page(&state, &user, q.notice.as_deref(), None, None).await
}

/// New account form.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    name: String,
    role: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/users`: creates an account; a blank password is generated and shown once.
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    // Refusals come back beside the field, with the name and role kept (never the password).
    let name = form.name.trim();
    let refuse = |field: &str, message: String| {
        let error = FormError::new(
            "new",
            field,
            message,
            &[("name", &form.name), ("role", &form.role)],
        );
        users_page_with(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, error)
    };
    let Some(role) = Role::parse(&form.role) else {
        return refuse("role", format!("角色 {:?} 无效", form.role)).await;
    };
    if let Err(m) = auth::check_user_name(name) {
        return refuse("name", m).await;
    }
    if !form.password.is_empty() {
        if let Err(m) = auth::check_password(&form.password) {
            return refuse("password", m).await;
        }
    }
    let taken = state
        .store
        .list_users()
        .await?
        .iter()
        .any(|u| u.name.eq_ignore_ascii_case(name));
    if taken {
        return refuse("name", format!("用户名 {name:?} 已被使用，请换一个")).await;
    }
    let (password, generated) = if form.password.is_empty() {
        (auth::generate_password(), true)
    } else {
        (form.password.clone(), false)
    };
    match auth::create_user(state.store.as_ref(), name, role, &password).await {
        Ok(created) => {
            state
                .store
                .insert_audit(
                    &AuditEvent::new(Some(&user.user), AuditAction::CreateUser)
                        .subject("user", Some(created.id), &created.name)
                        .detail(format!("角色：{}", created.role.label())),
                )
                .await?;
            let shown = generated.then(|| (created.name.clone(), password));
            users_page(&state, &user, Some("created"), shown, None).await
        }
        Err(e) => users_page(&state, &user, None, None, Some(format!("{e:#}"))).await,
    }
}

/// Changes to an account.
#[derive(Debug, Deserialize)]
pub struct UserChangeForm {
    /// role | disable | enable | reset_password.
    action: String,
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{id}`.
pub async fn change_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<UserChangeForm>,
) -> Result<Response, AppError> {
    if id == user.user.id && form.action != "reset_password" {
        return Err(AppError::BadRequest(
            "不能停用自己或修改自己的角色，以免失去管理权限".into(),
        ));
    }
    let store = state.store.as_ref();
    let target = store
        .list_users()
        .await?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or(AppError::NotFound)?;
    let audit = |action: AuditAction, detail: String| {
        AuditEvent::new(Some(&user.user), action)
            .subject("user", Some(target.id), &target.name)
            .detail(detail)
    };
    let event = match form.action.as_str() {
        "role" => {
            let role = Role::parse(&form.role)
                .ok_or_else(|| AppError::BadRequest(format!("角色 {:?} 无效", form.role)))?;
            store.set_user_role(id, role).await?;
            audit(
                AuditAction::ChangeRole,
                format!("角色：{} → {}", target.role.label(), role.label()),
            )
        }
        "disable" => {
            store.set_user_disabled(id, true).await?;
            audit(AuditAction::DisableUser, String::new())
        }
        "enable" => {
            store.set_user_disabled(id, false).await?;
            audit(AuditAction::EnableUser, String::new())
        }
        "reset_password" => {
            let password = auth::generate_password();
            let hash = auth::hash_password(&password).await?;
            store.set_password(id, &hash).await?;
            store
                .insert_audit(&audit(
                    AuditAction::ResetPassword,
                    "登录、API 令牌与设备记录已全部失效".into(),
                ))
                .await?;
            let shown = Some((target.name.clone(), password));
            return users_page(&state, &user, Some("saved"), shown, None).await;
        }
        other => return Err(AppError::BadRequest(format!("未知操作 {other:?}"))),
    };
    store.insert_audit(&event).await?;
    Ok(see_other("/admin/users?notice=saved"))
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    user_name: String,
    created: TimeView,
    last_used: Option<TimeView>,
    revoked: Option<TimeView>,
}

async fn tokens_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&str>,
    new_token: Option<String>,
) -> Result<Response, AppError> {
    let owner = (user.user.role != Role::Admin).then_some(user.user.id);
    let tokens: Vec<TokenRow> = state
        .store
        .list_api_tokens(owner)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            user_name: t.user_name,
            created: time(state, t.created_at),
            last_used: t.last_used_at.map(|x| time(state, x)),
            revoked: t.revoked_at.map(|x| time(state, x)),
        })
        .collect();
    render(
        state,
        "admin/tokens.html",
        context! {
            layout => AdminLayout::new(state, user, "tokens", "API 令牌").with_notice(notice),
            tokens,
            new_token,
            base_url => state.chrome().site.base_url.trim_end_matches('/').to_string(),
        },
    )
}

/// `GET /admin/tokens`.
pub async fn list_tokens(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    tokens_page(&state, &user, q.notice.as_deref(), None).await
}

/// New token form.
#[derive(Debug, Deserialize)]
pub struct NewTokenForm {
    name: String,
}

/// `POST /admin/tokens`: creates a token for the signed-in user and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewTokenForm>,
) -> Result<Response, AppError> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadRequest(
            "令牌名称不能为空，最多 100 个字符".into(),
        ));
    }
    let (id, token) = auth::create_api_token(state.store.as_ref(), &user.user, name).await?;
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::CreateToken).subject(
                "token",
                Some(id),
                name,
            ),
        )
        .await?;
    tokens_page(&state, &user, Some("created"), Some(token)).await
}

/// `POST /admin/tokens/{id}/revoke`: the owner or an admin.
pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let owner = (user.user.role != Role::Admin).then_some(user.user.id);
    let token = state
        .store
        .list_api_tokens(owner)
        .await?
        .into_iter()
        .find(|t| t.id == id);
    match state.store.revoke_api_token(id, owner).await {
        Ok(()) => {
            let (label, detail) = token.map_or_else(Default::default, |t| {
                (t.name, format!("所属用户：{}", t.user_name))
            });
            state
                .store
                .insert_audit(
                    &AuditEvent::new(Some(&user.user), AuditAction::RevokeToken)
                        .subject("token", Some(id), &label)
                        .detail(detail),
                )
                .await?;
            Ok(see_other("/admin/tokens?notice=revoked"))
        }
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
