//! 浏览量 statistics for the newsroom: views per day over the last 30 days (an inline SVG bar
//! chart drawn on the server, no script, with the figures in a table too), the most viewed
//! articles of the last 7 and 30 days, and views by channel. Days are the site's; the figures
//! come from `article_views_daily`, which the view counter's flush writes.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate, Utc};
use minijinja::context;
use serde::Serialize;

use super::{AdminLayout, CurrentUser, render};
use crate::domain::{ChannelViews, DayViews, ViewedArticle};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::extract::Json;

/// Days in the chart.
const DAYS: u64 = 30;
/// Articles in each top list.
const TOP: u32 = 10;

const CHART_WIDTH: u32 = 720;
const CHART_HEIGHT: u32 = 220;
/// Room for the axis labels: left (counts) and bottom (dates).
const LEFT: u32 = 48;
const BOTTOM: u32 = 24;
const TOP_MARGIN: u32 = 12;

#[derive(Debug, Serialize)]
struct Bar {
    day: String,
    /// `MM-DD` under every seventh bar counted back from the last (today), else empty.
    label: String,
    views: i64,
    x: u32,
    y: u32,
    width: u32,
    height: u32,
    label_x: u32,
}

#[derive(Debug, Serialize)]
struct Chart {
    width: u32,
    height: u32,
    base_y: u32,
    left: u32,
    max: i64,
    bars: Vec<Bar>,
    summary: String,
}

/// Every day from `from` to `to` with its views (0 where none were counted).
fn fill_days(from: NaiveDate, to: NaiveDate, counted: &[DayViews]) -> Vec<DayViews> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let day = d.format("%Y-%m-%d").to_string();
            let views = counted.iter().find(|c| c.day == day).map_or(0, |c| c.views);
            DayViews { day, views }
        })
        .collect()
}

/// Bar geometry for `days`: heights scaled to the largest day (a round number above it).
fn chart(days: &[DayViews]) -> Chart {
    let peak = days.iter().map(|d| d.views).max().unwrap_or(0);
    let max = nice_ceiling(peak);
    let plot_height = CHART_HEIGHT - BOTTOM - TOP_MARGIN;
    let base_y = CHART_HEIGHT - BOTTOM;
    let n = u32::try_from(days.len().max(1)).unwrap_or(1);
    let slot = (CHART_WIDTH - LEFT) / n;
    let width = slot.saturating_sub(4).max(2);
    let total: i64 = days.iter().map(|d| d.views).sum();
    let last = days.len().saturating_sub(1);
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let i32_ = u32::try_from(i).unwrap_or(0);
            let h = if max > 0 {
                let scaled = d.views.saturating_mul(i64::from(plot_height)) / max;
                u32::try_from(scaled)
                    .unwrap_or(plot_height)
                    .min(plot_height)
            } else {
                0
            };
            // A day with views gets at least a sliver, so it is not read as none.
            let h = if d.views > 0 { h.max(1) } else { 0 };
            let x = LEFT + i32_ * slot + 2;
            Bar {
                label: if (last - i) % 7 == 0 {
                    d.day.get(5..).unwrap_or_default().to_string()
                } else {
                    String::new()
                },
                day: d.day.clone(),
                views: d.views,
                x,
                y: base_y - h,
                width,
                height: h,
                label_x: x + width / 2,
            }
        })
        .collect();
    let summary = format!(
        "近 {} 天每日浏览量柱状图，合计 {total} 次，单日最高 {peak} 次",
        days.len()
    );
    Chart {
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        base_y,
        left: LEFT,
        max,
        bars,
        summary,
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `n` (0 stays 0).
fn nice_ceiling(n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    let mut step = 1_i64;
    loop {
        for m in [1, 2, 5] {
            let v = step.saturating_mul(m);
            if v >= n {
                return v;
            }
        }
        step = step.saturating_mul(10);
    }
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The figures of the statistics page.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// Every day of the last 30, oldest first, with its views (0 where none).
    days: Vec<DayViews>,
    /// Views over the 30 days.
    total_30: i64,
    /// Views today.
    today: i64,
    /// Most viewed of the last 7 days.
    top_7: Vec<ViewedArticle>,
    /// Most viewed of the last 30 days.
    top_30: Vec<ViewedArticle>,
    /// Views of the last 30 days by channel.
    channels: Vec<ChannelViews>,
}

async fn stats(state: &AppState) -> Result<Stats, AppError> {
    let today = Utc::now()
        .with_timezone(&state.chrome().site.tz())
        .date_naive();
    let from_30 = today.checked_sub_days(Days::new(DAYS - 1)).unwrap_or(today);
    let from_7 = today.checked_sub_days(Days::new(6)).unwrap_or(today);
    let store = &state.store;
    let counted = store
        .views_by_day(&day_text(from_30), &day_text(today))
        .await?;
    let days = fill_days(from_30, today, &counted);
    Ok(Stats {
        total_30: days.iter().map(|d| d.views).sum(),
        today: days.last().map_or(0, |d| d.views),
        days,
        top_7: store.top_viewed(&day_text(from_7), TOP).await?,
        top_30: store.top_viewed(&day_text(from_30), TOP).await?,
        channels: store.views_by_channel(&day_text(from_30)).await?,
    })
}

/// `GET /admin/stats`.
pub async fn show_stats(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let s = stats(&state).await?;
    render(
        &state,
        "admin/stats.html",
        context! {
            layout => AdminLayout::new(&state, &user, "stats", "浏览统计"),
            chart => chart(&s.days),
            days => s.days.iter().rev().collect::<Vec<_>>(),
            total_30 => s.total_30,
            today_views => s.today,
            top_7 => s.top_7,
            top_30 => s.top_30,
            channels => s.channels,
        },
    )
}

/// `GET /admin/stats.json`: the same figures as data, for a spreadsheet or another tool.
pub async fn stats_json(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Response, AppError> {
    Ok(Json(stats(&state).await?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_days_count_zero() {
        let from = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let days = fill_days(
            from,
            to,
            &[DayViews {
                day: "2026-11-29".into(),
                views: 4,
            }],
        );
        let views: Vec<i64> = days.iter().map(|d| d.views).collect();
        assert_eq!(views, [0, 4, 0]);
        assert_eq!(days[0].day, "2026-11-28");
    }

    #[test]
    fn bars_scale_to_a_round_maximum() {
        assert_eq!(nice_ceiling(0), 0);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(120), 200);
        let days = vec![
            DayViews {
                day: "2026-11-29".into(),
                views: 1,
            },
            DayViews {
                day: "2026-11-30".into(),
                views: 200,
            },
        ];
        let c = chart(&days);
        assert_eq!(c.max, 200);
        assert_eq!(c.bars[1].height, CHART_HEIGHT - BOTTOM - TOP_MARGIN);
        assert_eq!(c.bars[0].height, 1, "a day with views is visible");
        assert!(c.bars.iter().all(|b| b.y + b.height == c.base_y));
    }
}
