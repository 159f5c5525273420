//! Policy intelligence pages: `/targets` lists the quantitative targets (量化目标) of all public
//! articles with filters, sorting and a chart by sector; `/targets.csv`, `/targets.json` and
//! `/api/v1/targets` export the same rows. `/targets/indicators` lists the canonical indicators,
//! and `/targets/indicators/{key}` compares each region's targets with the results reported for
//! them (`targets::compare`), as a table, an inline SVG chart and CSV/JSON exports.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::extract::{Path, Query};
use crate::domain::{ArticleTarget, TargetFilter, TargetSort};
use crate::error::{AppError, JsonError};
use crate::render::views::{ComparisonChart, ComparisonView, Layout, SectorBar, TargetView};

/// Rows shown on the page; exports have no limit.
const PAGE_ROWS: u32 = 500;

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
    /// Document type (`policy::DocKind` name: work_report, plan, programme, notice, news).
    #[serde(default)]
    doctype: String,
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
        let doc_kind = some(&self.doctype);
        if let Some(k) = &doc_kind {
            if policy::DocKind::parse(k).is_none() {
                return Err(AppError::BadRequest(format!(
                    "doctype 参数“{k}”无效：应为 work_report、plan、programme、notice 或 news"
                )));
            }
        }
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
            // Results (实绩) have their own place: the comparison pages.
            record: Some("target".into()),
            indicator_key: None,
            doc_kind,
            sort,
            limit: None,
            each_occurrence: false,
        })
    }

    /// The query string of these filters, for export links.
    fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// Exports running at once. Each holds a database connection while it streams (a full export of
/// 100,000 articles' targets takes about 15 s), so a few are allowed and more wait their turn
/// with a clear answer instead of taking every connection from the readers of the site.
const CONCURRENT_EXPORTS: usize = 2;

/// Rendered `/targets` pages by content version and query, and the export slots. The page counts
/// and sorts every target of the site (over a million at 100,000 articles: seconds of database
/// work), so it is rendered once per content change and filter rather than per request. Bounded
/// by entries.
pub struct TargetPages {
    pages: quick_cache::sync::Cache<(u64, String), Bytes>,
    /// Renders of pages not cached yet run one at a time: a burst of new filter combinations
    /// queues up instead of running many full scans of the targets at once.
    renders: tokio::sync::Semaphore,
    exports: Arc<tokio::sync::Semaphore>,
}

impl Default for TargetPages {
    fn default() -> Self {
        Self {
            pages: quick_cache::sync::Cache::new(64),
            renders: tokio::sync::Semaphore::new(1),
            exports: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_EXPORTS)),
        }
    }
}

impl TargetPages {
    /// A slot for one export, or the error to answer when all are taken.
    fn export_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.exports.clone().try_acquire_owned().map_err(|_| {
            AppError::TooManyRequests(format!(
                "正在进行的导出较多，请稍后再试（最多同时进行 {CONCURRENT_EXPORTS} 个导出）"
            ))
        })
    }
}

/// `GET /targets`: the table, its filters, the chart and the export links.
pub async fn targets_page(
    State(state): State<AppState>,
    Query(q): Query<TargetQuery>,
) -> Result<Response, AppError> {
    let key = (state.store.content_version(), q.query_string());
    if let Some(html) = state.target_pages.pages.get(&key) {
        return Ok(axum::response::Html(html).into_response());
    }
    let _turn = state
        .target_pages
        .renders
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    // Rendered by the request ahead in the queue?
    if let Some(html) = state.target_pages.pages.get(&key) {
        return Ok(axum::response::Html(html).into_response());
    }
    let html = Bytes::from(render_targets_page(&state, &q, key.0).await?);
    state.target_pages.pages.insert(key, html.clone());
    Ok(axum::response::Html(html).into_response())
}

async fn render_targets_page(
    state: &AppState,
    q: &TargetQuery,
    version: u64,
) -> Result<String, AppError> {
    let filter = q.filter()?;
    let facets = state.store.target_facets().await?;
    // Counted and listed by the database: the page costs the same for 100 targets or a million.
    // Without filters the counts are the facets' own (the order does not change them).
    let unfiltered = TargetFilter {
        sort: filter.sort,
        record: Some("target".into()),
        ..TargetFilter::default()
    } == filter;
    let by_sector = if unfiltered {
        facets.sectors.clone()
    } else {
        state.store.count_targets_by_sector(&filter).await?
    };
    let targets = state
        .store
        .list_targets(&TargetFilter {
            limit: Some(PAGE_ROWS),
            ..filter
        })
        .await?;
    let total: i64 = by_sector.iter().map(|(_, n)| n).sum();
    // Kept under `version`, so never with an older chrome.
    let chrome = state.chrome_at(version).await?;
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        "/targets",
        Some("量化目标"),
    );
    // The navigation's 量化目标 link (not a channel slug: those have no "/").
    layout.current_channel = Some("/targets".into());
    layout.description = "政策文件中的量化目标：按领域、类型、地区和年份筛选、比较与导出。".into();
    let query = q.query_string();
    let html = state
        .renderer
        .render(
            "targets.html",
            context! {
                layout,
                total,
                shown => targets.len(),
                targets => targets
                    .iter()
                    .map(|t| TargetView::new(t, &chrome.site))
                    .collect::<Vec<_>>(),
                chart => SectorBar::chart(&by_sector),
                facets,
                doc_kinds => policy::DocKind::ALL
                    .iter()
                    .map(|k| (k.as_str(), k.label()))
                    .collect::<Vec<_>>(),
                q,
                csv_url => format!("/targets.csv?{query}"),
                json_url => format!("/targets.json?{query}"),
            },
        )
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering targets.html")))?;
    Ok(html)
}

/// The rows of an export as a response body, written as the database reads them. A failure
/// after the first bytes cannot change the status any more: it is logged and the body ends early,
/// so the client sees an incomplete download rather than a complete-looking wrong one.
fn export_body<F>(
    state: &AppState,
    filter: &TargetFilter,
    slot: tokio::sync::OwnedSemaphorePermit,
    head: Vec<u8>,
    tail: &'static [u8],
    mut row: F,
) -> Body
where
    F: FnMut(&ArticleTarget, bool) -> anyhow::Result<Vec<u8>> + Send + 'static,
{
    let mut first = true;
    let rows = state.store.stream_targets(filter).map(move |t| {
        // The slot is released when the body is dropped: sent, or the client gone.
        let _slot = &slot;
        let bytes = t
            .map_err(anyhow::Error::new)
            .and_then(|t| row(&t, std::mem::take(&mut first)))
            .map_err(|e| {
                tracing::error!(error = %format!("{e:#}"), "target export cut short");
                std::io::Error::other(e)
            })?;
        Ok::<_, std::io::Error>(Bytes::from(bytes))
    });
    let stream = futures::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(rows)
        .chain(futures::stream::once(async move {
            Ok(Bytes::from_static(tail))
        }));
    Body::from_stream(stream)
}

/// `GET /targets.csv`: the filtered rows as CSV.
pub async fn targets_csv(
    State(state): State<AppState>,
    Query(q): Query<TargetQuery>,
) -> Result<Response, AppError> {
    let filter = q.filter()?;
    let slot = state.target_pages.export_slot()?;
    let chrome = state.chrome();
    let (base_url, tz) = (chrome.site.base_url.clone(), chrome.site.tz());
    let body = export_body(
        &state,
        &filter,
        slot,
        crate::targets::csv_header(),
        b"",
        move |t, _| crate::targets::csv_record(t, &base_url, tz),
    );
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
        body,
    )
        .into_response())
}

/// `GET /targets.json` and `GET /api/v1/targets`: the filtered rows as JSON,
/// `{"total": N, "targets": [...]}`.
pub async fn targets_json(
    State(state): State<AppState>,
    Query(q): Query<TargetQuery>,
) -> Result<Response, JsonError> {
    let filter = q.filter()?;
    let slot = state.target_pages.export_slot()?;
    let total: i64 = state
        .store
        .count_targets_by_sector(&filter)
        .await
        .map_err(AppError::from)?
        .iter()
        .map(|(_, n)| n)
        .sum();
    let tz = state.chrome().site.tz();
    let head = format!("{{\"total\":{total},\"targets\":[").into_bytes();
    let body = export_body(&state, &filter, slot, head, b"]}", move |t, first| {
        let mut out = if first { Vec::new() } else { vec![b','] };
        serde_json::to_writer(&mut out, &crate::targets::JsonRecord::new(t, tz))?;
        Ok(out)
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body,
    )
        .into_response())
}

/// Indicators listed on `/targets/indicators`.
const INDICATOR_ROWS: u32 = 2000;
/// Figures of one indicator read for its comparison page and exports.
const COMPARISON_ROWS: u32 = 5000;

/// A page kept in [`TargetPages`] under `name` (never a query string of `/targets`, which always
/// has `=`), rendered by `render` when the content version has moved on.
async fn cached_page<F, Fut>(
    state: &AppState,
    name: String,
    render: F,
) -> Result<Response, AppError>
where
    F: FnOnce(u64) -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>>,
{
    let key = (state.store.content_version(), name);
    if let Some(html) = state.target_pages.pages.get(&key) {
        return Ok(axum::response::Html(html).into_response());
    }
    let html = Bytes::from(render(key.0).await?);
    state.target_pages.pages.insert(key, html.clone());
    Ok(axum::response::Html(html).into_response())
}

/// `GET /targets/indicators`: every canonical indicator with its counts of targets, results,
/// regions and years, each linking to its comparison page.
pub async fn indicators_page(State(state): State<AppState>) -> Result<Response, AppError> {
    let st = state.clone();
    cached_page(&state, "!indicators".into(), |version| async move {
        let state = st;
        let counts = state.store.indicator_counts(INDICATOR_ROWS).await?;
        let chrome = state.chrome_at(version).await?;
        let mut layout = Layout::new(
            &chrome.site,
            &chrome.channels,
            state.renderer.asset_version(),
            "/targets/indicators",
            Some("指标对比"),
        );
        // The navigation's 量化目标 link (not a channel slug: those have no "/").
        layout.current_channel = Some("/targets".into());
        layout.description = "按指标汇总各地政策文件的量化目标与实绩，逐项对比达成情况。".into();
        let indicators: Vec<_> = counts
            .iter()
            .map(|c| {
                context! {
                    key => c.key,
                    indicator => c.indicator,
                    url => crate::targets::indicator_path(&c.key),
                    targets => c.targets,
                    results => c.results,
                    regions => c.regions,
                    years => c.years,
                }
            })
            .collect();
        state
            .renderer
            .render("indicators.html", context! { layout, indicators })
            .map_err(|e| {
                AppError::Internal(anyhow::Error::new(e).context("rendering indicators.html"))
            })
    })
    .await
}

/// What `/targets/indicators/{key}` answers with: the page, or an export by the key's suffix.
enum IndicatorFormat {
    Html,
    Csv,
    Json,
}

/// The figures of canonical indicator `key` (targets and results of public articles).
async fn indicator_figures(state: &AppState, key: &str) -> Result<Vec<ArticleTarget>, AppError> {
    let figures = state
        .store
        .list_targets(&TargetFilter {
            indicator_key: Some(key.to_string()),
            limit: Some(COMPARISON_ROWS),
            ..TargetFilter::default()
        })
        .await?;
    if figures.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(figures)
}

/// `GET /targets/indicators/{key}` (the comparison page), `{key}.csv` and `{key}.json` (its
/// lines as CSV — UTF-8 with a byte-order mark, Chinese headers, times in the site's zone, as
/// `/targets.csv` — and as JSON `{"indicator_key", "total", "lines": [...]}`).
pub async fn indicator_page(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let (key, format) = if let Some(k) = key.strip_suffix(".csv") {
        (k.to_string(), IndicatorFormat::Csv)
    } else if let Some(k) = key.strip_suffix(".json") {
        (k.to_string(), IndicatorFormat::Json)
    } else {
        (key, IndicatorFormat::Html)
    };
    if key.trim().is_empty() || key.chars().count() > 200 {
        return Err(AppError::NotFound);
    }
    match format {
        IndicatorFormat::Html => {
            let name = format!("!indicator:{key}");
            cached_page(&state, name, |version| {
                render_indicator_page(&state, key, version)
            })
            .await
        }
        IndicatorFormat::Csv | IndicatorFormat::Json => {
            let figures = indicator_figures(&state, &key).await?;
            let lines = crate::targets::compare(&figures);
            let chrome = state.chrome();
            let (base_url, tz) = (chrome.site.base_url.clone(), chrome.site.tz());
            let records: Vec<crate::targets::ComparisonRecord> = lines
                .iter()
                .map(|l| crate::targets::ComparisonRecord::new(&key, l, &base_url, tz))
                .collect();
            if let IndicatorFormat::Csv = format {
                let mut out = Vec::from("\u{feff}".as_bytes());
                out.extend_from_slice(crate::targets::COMPARISON_CSV_HEADERS.join(",").as_bytes());
                out.push(b'\n');
                for r in &records {
                    out.extend(r.csv_line()?);
                }
                Ok((
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/csv; charset=utf-8"),
                        ),
                        (
                            header::CONTENT_DISPOSITION,
                            HeaderValue::from_static("attachment; filename=\"indicator.csv\""),
                        ),
                    ],
                    out,
                )
                    .into_response())
            } else {
                let body = serde_json::to_vec(&serde_json::json!({
                    "indicator_key": key,
                    "total": records.len(),
                    "lines": records,
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
        }
    }
}

async fn render_indicator_page(
    state: &AppState,
    key: String,
    version: u64,
) -> Result<String, AppError> {
    let figures = indicator_figures(state, &key).await?;
    let lines = crate::targets::compare(&figures);
    let chrome = state.chrome_at(version).await?;
    let path = crate::targets::indicator_path(&key);
    let indicator = figures
        .first()
        .map_or(key.as_str(), |f| f.indicator.as_str())
        .to_string();
    let title = format!("{indicator}：目标与实绩对比");
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        &path,
        Some(&title),
    );
    // The navigation's 量化目标 link (not a channel slug: those have no "/").
    layout.current_channel = Some("/targets".into());
    layout.description = format!("各地政策文件中“{indicator}”的量化目标与实绩，逐地区、年份对比。");
    let count = |status| lines.iter().filter(|l| l.status == Some(status)).count();
    use crate::targets::Status;
    state
        .renderer
        .render(
            "indicator.html",
            context! {
                layout,
                key,
                indicator,
                title,
                achieved => count(Status::Achieved),
                missed => count(Status::Missed),
                no_data => count(Status::NoData),
                lines => lines
                    .iter()
                    .map(|l| ComparisonView::new(l, &chrome.site))
                    .collect::<Vec<_>>(),
                chart => ComparisonChart::new(&indicator, &lines),
                csv_url => format!("{path}.csv"),
                json_url => format!("{path}.json"),
            },
        )
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering indicator.html")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_beyond_the_limit_are_told_to_wait_until_a_slot_frees() {
        let pages = TargetPages::default();
        let held: Vec<_> = (0..CONCURRENT_EXPORTS)
            .map(|_| pages.export_slot().unwrap())
            .collect();
        let refused = pages.export_slot().unwrap_err();
        assert!(matches!(&refused, AppError::TooManyRequests(m) if m.contains("稍后再试")));
        drop(held);
        assert!(pages.export_slot().is_ok());
    }
}
