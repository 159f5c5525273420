//! Site settings (admins only): name, copyright holder, filing numbers, base URL, time zone and
//! footer links.
//! Saving reloads the cached page chrome, so every page shows the change at once.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::desk::FormError;
use super::{AdminLayout, CurrentUser, render_status, see_other};
use crate::domain::{AuditAction, SiteSettings};
use crate::error::AppError;
use crate::store::AuditEvent;
use crate::web::AppState;
use crate::web::extract::{Form, Query};
use axum::http::StatusCode;

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
    settings_page(
        &state,
        &user,
        q.notice.as_deref(),
        &settings,
        None,
        StatusCode::OK,
    )
}

/// Time zones offered: the ones Chinese-language sites use first, then every IANA name.
fn time_zones() -> Vec<&'static str> {
    const FIRST: [&str; 6] = [
        "Asia/Shanghai",
        "Asia/Hong_Kong",
        "Asia/Macau",
        "Asia/Taipei",
        "Asia/Singapore",
        "UTC",
    ];
    let rest = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| !FIRST.contains(name));
    FIRST.into_iter().chain(rest).collect()
}

fn settings_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&str>,
    settings: &SiteSettings,
    form_error: Option<FormError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    render_status(
        state,
        status,
        "admin/settings.html",
        context! {
            layout => AdminLayout::new(state, user, "settings", "站点设置").with_notice(notice),
            settings,
            form_error,
            time_zones => time_zones(),
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
    #[serde(default)]
    default_author: String,
    #[serde(default)]
    default_source: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    indent_first_line: Option<String>,
    /// 三审 checkbox: present when ticked.
    review_required: Option<String>,
    #[serde(default)]
    analytics_script: String,
    /// Link push checkbox: present when ticked.
    baidu_push: Option<String>,
    #[serde(default)]
    baidu_push_endpoint: String,
    #[serde(default)]
    baidu_push_token: String,
}

/// `POST /admin/settings`.
pub async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    // A refusal shows the form again as typed, the message beside its field.
    let refuse = |field: &str, message: String| {
        let typed = SiteSettings {
            site_name: form.site_name.clone(),
            copyright_holder: form.copyright_holder.clone(),
            icp_number: form.icp_number.clone(),
            public_security_number: form.public_security_number.clone(),
            base_url: form.base_url.clone(),
            timezone: form.timezone.clone(),
            footer_links: form.footer_links.clone(),
            default_author: form.default_author.clone(),
            default_source: form.default_source.clone(),
            analytics_script: form.analytics_script.clone(),
            baidu_push: form.baidu_push.is_some(),
            baidu_push_endpoint: form.baidu_push_endpoint.clone(),
            baidu_push_token: form.baidu_push_token.clone(),
            ..state.chrome().site.clone()
        };
        let error = FormError::new("settings", field, message, &[]);
        settings_page(
            &state,
            &user,
            None,
            &typed,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let site_name = form.site_name.trim();
    if site_name.is_empty() {
        return refuse("site_name", "站点名称不能为空".into());
    }
    let base_url = form.base_url.trim().trim_end_matches('/');
    if !(base_url.starts_with("http://") || base_url.starts_with("https://"))
        || base_url.contains(char::is_whitespace)
    {
        return refuse(
            "base_url",
            format!(
                "网站地址 {base_url:?} 无效：应以 http:// 或 https:// 开头，例如 https://www.example.com"
            ),
        );
    }
    let timezone = match form.timezone.trim() {
        "" => "Asia/Shanghai".to_string(),
        tz if tz.parse::<chrono_tz::Tz>().is_ok() => tz.to_string(),
        tz => {
            return refuse(
                "timezone",
                format!("时区 {tz:?} 无效：请从列表中选择，例如 Asia/Shanghai"),
            );
        }
    };
    let defaults = match super::desk::checked_defaults(&form.default_author, &form.default_source) {
        Ok(d) => d,
        Err((field, message)) => return refuse(&field, message),
    };
    let analytics_script = form.analytics_script.trim();
    let analytics = SiteSettings {
        analytics_script: analytics_script.to_string(),
        ..SiteSettings::default()
    };
    if !analytics_script.is_empty()
        && (analytics.analytics_origin().is_none()
            || analytics_script.contains(|c: char| c.is_whitespace() || c == '"' || c == '<'))
    {
        return refuse(
            "analytics_script",
            format!(
                "统计代码地址 {analytics_script:?} 无效：应为 http:// 或 https:// 开头的脚本网址，例如 https://hm.baidu.com/hm.js?0123456789abcdef"
            ),
        );
    }
    let endpoint = match form.baidu_push_endpoint.trim() {
        "" => crate::domain::BAIDU_PUSH_ENDPOINT.to_string(),
        e => e.to_string(),
    };
    if url::Url::parse(&endpoint).map_or(true, |u| {
        !matches!(u.scheme(), "http" | "https") || u.host_str().is_none()
    }) {
        return refuse(
            "baidu_push_endpoint",
            format!("推送接口地址 {endpoint:?} 无效：应为 http:// 或 https:// 开头的网址"),
        );
    }
    let token = form.baidu_push_token.trim();
    if form.baidu_push.is_some() && token.is_empty() {
        return refuse(
            "baidu_push_token",
            "开启百度推送需要填写推送准入密钥（token）".into(),
        );
    }
    let mut settings = state.store.site_settings().await?;
    let before = settings.clone();
    settings.analytics_script = analytics_script.to_string();
    settings.baidu_push = form.baidu_push.is_some();
    settings.baidu_push_endpoint = endpoint;
    settings.baidu_push_token = token.to_string();
    settings.default_author = defaults.author;
    settings.default_source = defaults.source;
    settings.site_name = site_name.to_string();
    settings.copyright_holder = form.copyright_holder.trim().to_string();
    settings.icp_number = form.icp_number.trim().to_string();
    settings.public_security_number = form.public_security_number.trim().to_string();
    settings.base_url = base_url.to_string();
    settings.timezone = timezone;
    settings.indent_first_line = form.indent_first_line.is_some();
    settings.footer_links = form
        .footer_links
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    settings.review_required = form.review_required.is_some();
    state.store.save_site_settings(&settings).await?;
    let changed = super::audit::changes(&[
        ("站点名称", &before.site_name, &settings.site_name),
        (
            "版权所有",
            &before.copyright_holder,
            &settings.copyright_holder,
        ),
        ("ICP 备案号", &before.icp_number, &settings.icp_number),
        (
            "公安备案号",
            &before.public_security_number,
            &settings.public_security_number,
        ),
        ("网站地址", &before.base_url, &settings.base_url),
        ("时区", &before.timezone, &settings.timezone),
        ("默认作者", &before.default_author, &settings.default_author),
        ("默认来源", &before.default_source, &settings.default_source),
        ("页脚链接", &before.footer_links, &settings.footer_links),
        (
            "统计代码地址",
            &before.analytics_script,
            &settings.analytics_script,
        ),
        (
            "百度推送",
            &before.baidu_push.to_string(),
            &settings.baidu_push.to_string(),
        ),
        (
            "推送接口地址",
            &before.baidu_push_endpoint,
            &settings.baidu_push_endpoint,
        ),
    ]);
    state
        .store
        .insert_audit(
            &AuditEvent::new(Some(&user.user), AuditAction::UpdateSettings)
                .subject("settings", None, "站点设置")
                .detail(if changed.is_empty() {
                    "无改动".to_string()
                } else {
                    changed
                }),
        )
        .await?;
    state.reload_chrome().await?;
    Ok(see_other("/admin/settings?notice=saved"))
}
