//! The audit log, for admins: who did what to which article, and when.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AdminLayout, CurrentUser, render, time};
use crate::domain::PageRequest;
use crate::error::AppError;
use crate::render::views::{Pagination, TimeView};
use crate::web::AppState;
use crate::web::extract::Query;

const PER_PAGE: u32 = 50;

/// The Chinese label of a stored action name.
pub fn action_label(action: &str) -> &str {
    match action {
        "create" => "创建",
        "update" => "保存",
        "publish" => "发布",
        "schedule" => "定时发布",
        "publish_scheduled" => "定时发布生效",
        "unpublish" => "撤回",
        "trash" => "移入回收站",
        "restore" => "恢复",
        "correct_targets" => "更正量化目标",
        "add_attachment" => "添加附件",
        "remove_attachment" => "移除附件",
        "image_alt" => "修改图片替代文字",
        "delete_image" => "删除图片",
        other => other,
    }
}

/// `?page=` and `?article=`.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    page: Option<String>,
    article: Option<i64>,
}

#[derive(Serialize)]
struct Row {
    at: TimeView,
    user_name: String,
    action: String,
    article_id: Option<i64>,
    article_title: String,
    detail: String,
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
    let list = state
        .store
        .list_audit(
            q.article,
            PageRequest {
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let rows: Vec<Row> = list
        .items
        .into_iter()
        .map(|e| Row {
            at: time(&state, e.at),
            user_name: e.user_name,
            action: action_label(&e.action).to_string(),
            article_id: e.article_id,
            article_title: e.article_title,
            detail: e.detail,
        })
        .collect();
    render(
        &state,
        "admin/audit.html",
        context! {
            layout => AdminLayout::new(&state, &user, "audit", "操作日志"),
            rows,
            pagination => Pagination::new(
                &q.article.map_or_else(
                    || "/admin/audit".to_string(),
                    |id| format!("/admin/audit?article={id}"),
                ),
                page,
                PER_PAGE,
                list.total,
            ),
        },
    )
}
