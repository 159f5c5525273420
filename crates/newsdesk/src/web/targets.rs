//! Policy intelligence pages: `/targets` lists the quantitative targets (量化目标) of all public
//! articles with filters, sorting and a chart by sector; `/targets.csv`, `/targets.json` and
//! `/api/v1/targets` export the same rows.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::extract::Query;
use crate::domain::{ArticleTarget, TargetFilter, TargetSort};
use crate::error::{AppError, JsonError};
use crate::render::views::{Layout, SectorBar, TargetView};

/// Rows shown on the page; exports have no limit.
const PAGE_ROWS: usize = 500;

/// The filters of `/targets`, as query parameters. Empty values mean "any".
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct TargetQuery {
    #[serde(default)]
    sector: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    year: String,
    /// `yes` (hedged only) or `no` (firm only).
    #[serde(default)]
    aspirational: String,
    /// `document` (default), `sector`, `indicator` or `value`.
    #[serde(default)]
    sort: String,
}

impl TargetQuery {
    fn filter(&self) -> Result<TargetFilter, AppError> {
        let some = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let kind = some(&self.kind);
        if let Some(k) = &kind {
            if !matches!(k.as_str(), "growth" | "increment" | "level" | "share") {
                return Err(AppError::BadRequest(format!(
                    "kind 参数“{k}”无效：应为 growth、increment、level 或 share"
                )));
            }
        }
        let year = match some(&self.year) {
            None => None,
            Some(y) => Some(y.parse::<i64>().map_err(|_| {
                AppError::BadRequest(format!("year 参数“{y}”无效：应为四位年份，如 2024"))
            })?),
        };
        let aspirational = match self.aspirational.trim() {
            "" => None,
            "yes" | "true" | "1" => Some(true),
            "no" | "false" | "0" => Some(false),
            other => {
                return Err(AppError::BadRequest(format!(
                    "aspirational 参数“{other}”无效：应为 yes 或 no"
                )));
            }
        };
        let sort = match self.sort.trim() {
            "" | "document" => TargetSort::Document,
            "sector" => TargetSort::Sector,
            "indicator" => TargetSort::Indicator,
            "value" => TargetSort::Value,
            other => {
                return Err(AppError::BadRequest(format!(
                    "sort 参数“{other}”无效：应为 document、sector、indicator 或 value"
                )));
            }
        };
        Ok(TargetFilter {
            article_id: None,
            sector: some(&self.sector),
            kind,
            region: some(&self.region),
            year,
            aspirational,
            sort,
        })
    }

    /// The query string of these filters, for export links.
    fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

async fn rows(state: &AppState, q: &TargetQuery) -> Result<Vec<ArticleTarget>, AppError> {
    let filter = q.filter()?;
    Ok(state.store.list_targets(&filter).await?)
}

/// `GET /targets`: the table, its filters, the chart and the export links.
pub async fn targets_page(
    State(state): State<AppState>,
    Query(q): Query<TargetQuery>,
) -> Result<Response, AppError> {
    let targets = rows(&state, &q).await?;
    let facets = state.store.target_facets().await?;
    let chrome = state.chrome();
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        "/targets",
        Some("量化目标"),
    );
    layout.description = "政策文件中的量化目标：按领域、类型、地区和年份筛选、比较与导出。".into();
    let query = q.query_string();
    let html = state
        .renderer
        .render(
            "targets.html",
            context! {
                layout,
                total => targets.len(),
                shown => targets.len().min(PAGE_ROWS),
                targets => targets.iter().take(PAGE_ROWS).map(TargetView::new).collect::<Vec<_>>(),
                chart => SectorBar::chart(&targets),
                facets,
                q,
                csv_url => format!("/targets.csv?{query}"),
                json_url => format!("/targets.json?{query}"),
            },
        )
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering targets.html")))?;
    Ok(axum::response::Html(html).into_response())
}

/// `GET /targets.csv`: the filtered rows as CSV.
pub async fn targets_csv(
    State(state): State<AppState>,
    Query(q): Query<TargetQuery>,
) -> Result<Response, AppError> {
    let targets = rows(&state, &q).await?;
    let csv = crate::targets::to_csv(&targets, &state.chrome().site.base_url)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"targets.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// `GET /targets.json` and `GET /api/v1/targets`: the filtered rows as JSON.
pub async fn targets_json(
    State(state): State<AppState>,
    Query(q): Query<TargetQuery>,
) -> Result<Response, JsonError> {
    let targets = rows(&state, &q).await?;
    let body = serde_json::to_vec(&serde_json::json!({
        "total": targets.len(),
        "targets": targets,
    }))
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body,
    )
        .into_response())
}
