//! The audit log, for admins: who did what, to what, from which address, and when — filterable
//! by user, action, kind of subject and dates (days in the site's zone), paginated.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AdminLayout, CurrentUser, render_status, time};
use crate::domain::{AuditFilter, PageRequest};
use crate::error::AppError;
use crate::render::views::{Pagination, TimeView};
use crate::web::AppState;
use crate::web::extract::Query;

const PER_PAGE: u32 = 50;

/// Stored action names and their Chinese labels, in the order the filter lists them.
pub const ACTIONS: &[(&str, &str)] = &[
    ("create", "创建"),
    ("update", "保存"),
    ("publish", "发布"),
    ("schedule", "定时发布"),
    ("publish_scheduled", "定时发布生效"),
    ("unpublish", "撤回"),
    ("trash", "移入回收站"),
    ("restore", "恢复"),
    ("correct_targets", "更正量化目标"),
    ("submit", "提交审核"),
    ("send_back", "退回"),
    ("restore_revision", "恢复版本"),
    ("add_attachment", "添加附件"),
    ("remove_attachment", "移除附件"),
    ("image_alt", "修改图片替代文字"),
    ("delete_image", "删除图片"),
    ("login", "登录"),
    ("login_failed", "登录失败"),
    ("logout", "退出登录"),
    ("change_password", "修改密码"),
    ("change_password_failed", "修改密码失败"),
    ("reset_password", "重置密码"),
    ("end_session", "退出其他登录"),
    ("create_user", "创建用户"),
    ("change_role", "修改角色"),
    ("disable_user", "停用用户"),
    ("enable_user", "启用用户"),
    ("create_token", "创建 API 令牌"),
    ("revoke_token", "吊销 API 令牌"),
    ("update_settings", "修改站点设置"),
    ("create_channel", "创建栏目"),
    ("update_channel", "修改栏目"),
    ("delete_channel", "删除栏目"),
    ("rename_tag", "重命名标签"),
    ("delete_tag", "删除标签"),
    ("upload_image", "上传图片"),
    ("create_topic", "创建专题"),
    ("update_topic", "修改专题"),
    ("delete_topic", "删除专题"),
    ("create_page", "创建单页"),
    ("update_page", "修改单页"),
    ("delete_page", "删除单页"),
];

/// Subject kinds and their Chinese labels (other helpers' kinds show by their stored name until
/// they are added here).
pub const KINDS: &[(&str, &str)] = &[
    ("article", "文章"),
    ("channel", "栏目"),
    ("tag", "标签"),
    ("user", "用户"),
    ("token", "API 令牌"),
    ("settings", "站点设置"),
    ("image", "图片"),
    ("attachment", "附件"),
    ("revision", "修订"),
    ("session", "登录会话"),
    ("topic", "专题"),
    ("page", "单页"),
];

/// The Chinese label of a stored action name.
pub fn action_label(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(name, _)| *name == action)
        .map_or(action, |(_, label)| label)
}

fn kind_label(kind: &str) -> &str {
    KINDS
        .iter()
        .find(|(name, _)| *name == kind)
        .map_or(kind, |(_, label)| label)
}

/// `名称：旧 → 新；…` for the fields whose value changed ("" when none did), values cut to 80
/// characters so a long footer does not fill the log.
pub fn changes(fields: &[(&str, &str, &str)]) -> String {
    fn short(v: &str) -> String {
        let v = v.replace('\n', " ⏎ ");
        if v.is_empty() {
            "（空）".into()
        } else if v.chars().count() > 80 {
            format!("{}…", v.chars().take(80).collect::<String>())
        } else {
            v
        }
    }
    fields
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(name, old, new)| format!("{name}：{} → {}", short(old), short(new)))
        .collect::<Vec<_>>()
        .join("；")
}

/// `?page=`, `?article=` and the filters (empty fields mean no filter).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    #[serde(default, skip_serializing)]
    page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    article: Option<i64>,
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Serialize)]
struct Row {
    at: TimeView,
    user_name: String,
    action: String,
    failed: bool,
    ip: String,
    kind: String,
    subject_id: Option<i64>,
    subject_label: String,
    subject_url: Option<String>,
    detail: String,
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

/// Midnight at the start of `day` (`YYYY-MM-DD`) in the site's zone, plus `days_after` days.
fn day_start(
    day: &str,
    zone: chrono_tz::Tz,
    days_after: u64,
) -> Result<Option<DateTime<Utc>>, String> {
    let day = day.trim();
    if day.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.checked_add_days(chrono::Days::new(days_after)))
        .ok_or_else(|| format!("日期 {day:?} 无效：应为 年-月-日，例如 2026-11-30"))?;
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    Ok(zone
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc)))
}

fn some_text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// `GET /admin/audit`.
pub async fn list_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|&p| p > 0)
        .unwrap_or(1);
    let zone = state.chrome().site.tz();
    // A date that cannot be read is said beside its field, with everything typed kept; the list
    // below then ignores that date rather than showing nothing.
    let (from, from_error) = match day_start(&q.from, zone, 0) {
        Ok(t) => (t, None),
        Err(e) => (None, Some(e)),
    };
    let (until, to_error) = match day_start(&q.to, zone, 1) {
        Ok(t) => (t, None),
        Err(e) => (None, Some(e)),
    };
    let filter = AuditFilter {
        article_id: q.article,
        user_name: some_text(&q.user),
        action: some_text(&q.action),
        subject_kind: some_text(&q.kind),
        from,
        until,
    };
    let list = state
        .store
        .search_audit(
            &filter,
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let rows: Vec<Row> = list
        .items
        .into_iter()
        .map(|e| {
            let subject_url = match (e.subject_kind.as_str(), e.subject_id) {
                ("article", Some(id)) => Some(format!("/admin/articles/{id}")),
                _ => e.article_id.map(|id| format!("/admin/articles/{id}")),
            };
            let (subject_label, subject_id) = if e.subject_kind.is_empty() {
                (e.article_title, e.article_id)
            } else {
                (e.subject_label, e.subject_id)
            };
            Row {
                at: time(&state, e.at),
                failed: e.action.ends_with("_failed"),
                action: action_label(&e.action).to_string(),
                user_name: e.user_name,
                ip: e.ip,
                kind: kind_label(&e.subject_kind).to_string(),
                subject_id,
                subject_label,
                subject_url,
                detail: e.detail,
            }
        })
        .collect();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let base = if query.is_empty() {
        "/admin/audit".to_string()
    } else {
        format!("/admin/audit?{query}")
    };
    let status = if from_error.is_some() || to_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let choices = |list: &'static [(&'static str, &'static str)]| -> Vec<Choice> {
        list.iter()
            .map(|&(value, label)| Choice { value, label })
            .collect()
    };
    render_status(
        &state,
        status,
        "admin/audit.html",
        context! {
            layout => AdminLayout::new(&state, &user, "audit", "操作日志"),
            rows,
            total => list.total,
            filter => &q,
            actions => choices(ACTIONS),
            kinds => choices(KINDS),
            from_error,
            to_error,
            pagination => Pagination::new(&base, page, PER_PAGE, list.total),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_only_what_changed() {
        assert_eq!(
            changes(&[
                ("ICP 备案号", "京ICP备1号", "京ICP备2号"),
                ("时区", "a", "a")
            ]),
            "ICP 备案号：京ICP备1号 → 京ICP备2号"
        );
        assert_eq!(changes(&[("页脚", "", "x\ny")]), "页脚：（空） → x ⏎ y");
        assert_eq!(changes(&[("x", "1", "1")]), "");
    }

    #[test]
    fn days_start_at_midnight_in_the_site_zone() {
        let zone = chrono_tz::Asia::Shanghai;
        let t = day_start("2026-11-30", zone, 0).unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-29T16:00:00+00:00");
        let t = day_start("2026-11-30", zone, 1).unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(day_start(" ", zone, 0).unwrap(), None);
        assert!(
            day_start("2026-13-01", zone, 0)
                .unwrap_err()
                .contains("2026-13-01")
        );
    }
}
