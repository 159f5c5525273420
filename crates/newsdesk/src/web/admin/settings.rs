//! Site settings (admins only): name, copyright holder, filing numbers, base URL, time zone and
//! footer links.
//! Saving reloads the cached page chrome, so every page shows the change at once.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::{AdminLayout, CurrentUser, render, see_other};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::extract::{Form, Query};

/// `?notice=`.
#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// `GET /admin/settings`.
pub async fn show_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let settings = state.store.site_settings().await?;
    render(
        &state,
        "admin/settings.html",
        context! {
            layout => AdminLayout::new(&state, &user, "settings", "站点设置").with_notice(q.notice.as_deref()),
            settings,
        },
    )
}

/// The settings form; fields not on it keep their values.
#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    site_name: String,
    #[serde(default)]
    copyright_holder: String,
    #[serde(default)]
    icp_number: String,
    #[serde(default)]
    public_security_number: String,
    base_url: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    footer_links: String,
    /// 三审 checkbox: present when ticked.
    review_required: Option<String>,
}

/// `POST /admin/settings`.
pub async fn save_settings(
    State(state): State<AppState>,
    _user: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let site_name = form.site_name.trim();
    if site_name.is_empty() {
        return Err(AppError::BadRequest("站点名称不能为空".into()));
    }
    let base_url = form.base_url.trim().trim_end_matches('/');
    if !(base_url.starts_with("http://") || base_url.starts_with("https://"))
        || base_url.contains(char::is_whitespace)
    {
        return Err(AppError::BadRequest(format!(
            "网站地址 {base_url:?} 无效：应以 http:// 或 https:// 开头，例如 https://www.example.com"
        )));
    }
    let timezone = match form.timezone.trim() {
        "" => "Asia/Shanghai".to_string(),
        tz if tz.parse::<chrono_tz::Tz>().is_ok() => tz.to_string(),
        tz => {
            return Err(AppError::BadRequest(format!(
                "时区 {tz:?} 无效：请填写 IANA 时区名，例如 Asia/Shanghai"
            )));
        }
    };
    let mut settings = state.store.site_settings().await?;
    settings.site_name = site_name.to_string();
    settings.copyright_holder = form.copyright_holder.trim().to_string();
    settings.icp_number = form.icp_number.trim().to_string();
    settings.public_security_number = form.public_security_number.trim().to_string();
    settings.base_url = base_url.to_string();
    settings.timezone = timezone;
    settings.footer_links = form
        .footer_links
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    settings.review_required = form.review_required.is_some();
    state.store.save_site_settings(&settings).await?;
    state.reload_chrome().await?;
    Ok(see_other("/admin/settings?notice=saved"))
}
