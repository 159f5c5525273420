//! Search: the results page `/search` and its JSON twin `/api/v1/search`. Both read the same query
//! parameters the same way ([`SearchParams`]) and run the same search on the index; bad parameters
//! are a 400 with a Chinese message naming the field, on the page as HTML and in the API as JSON.
//! Whatever the reader typed, the query itself never fails: see [`crate::search::query`].

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::extract::Query;
use crate::domain::{PageRequest, SiteSettings};
use crate::error::{AppError, JsonError};
use crate::render::views::{ArticleCard, ChannelLink, Layout, Pagination, SearchHitView};
use crate::search::{
    MAX_PAGE, MAX_QUERY_CHARS, ParsedQuery, SearchQuery, SearchResults, SortOrder,
};

/// Results per page.
const PER_PAGE: u32 = 10;
/// Recent articles suggested when there is nothing to show.
const SUGGESTIONS: u32 = 6;

/// The query string of both endpoints. Every field is text, so no value can make the extractor
/// itself refuse the request; each is checked below with a message of our own.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
    channel: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
}

/// The parameters, checked.
#[derive(Debug, Clone)]
struct Checked {
    q: String,
    channel: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    sort: SortOrder,
    page: u32,
}

impl Checked {
    fn from_params(p: &SearchParams, state: &AppState) -> Result<Self, AppError> {
        let chrome = state.chrome();
        let q = p.q.as_deref().unwrap_or_default().trim().to_string();
        let channel = match p.channel.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(slug) => {
                if !chrome.channels.iter().any(|c| c.slug == slug) {
                    return Err(AppError::BadRequest(
                        "栏目（channel）有误：没有这个栏目，请从列表中选择。".into(),
                    ));
                }
                Some(slug.to_string())
            }
        };
        let from = date(p.from.as_deref(), "起始日期（from）")?;
        let to = date(p.to.as_deref(), "截止日期（to）")?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(AppError::BadRequest(
                    "日期范围有误：起始日期（from）晚于截止日期（to）。".into(),
                ));
            }
        }
        let sort = match p.sort.as_deref().map(str::trim) {
            Some("newest") => SortOrder::Newest,
            None | Some("" | "relevance") => SortOrder::Relevance,
            Some(_) => {
                return Err(AppError::BadRequest(
                    "排序方式（sort）有误：只能是 relevance（相关度）或 newest（最新）。".into(),
                ));
            }
        };
        // Like listings, a page that is not a positive number reads as the first page.
        let page = p
            .page
            .as_deref()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(1);
        if page > u64::from(MAX_PAGE) {
            return Err(AppError::BadRequest(format!(
                "页码（page）过大：最多可以翻到第 {MAX_PAGE} 页，请换用更具体的搜索词或筛选条件。"
            )));
        }
        Ok(Self {
            q,
            channel,
            from,
            to,
            sort,
            page: u32::try_from(page).unwrap_or(1),
        })
    }

    fn query(&self, site: &SiteSettings) -> SearchQuery {
        let tz = site.tz();
        let midnight = |d: NaiveDate| -> Option<DateTime<Utc>> {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        };
        SearchQuery {
            text: ParsedQuery::parse(&self.q),
            channel: self.channel.clone(),
            from: self.from.and_then(midnight),
            // The whole of the last day is included.
            until: self.to.and_then(|d| d.succ_opt()).and_then(midnight),
            sort: self.sort,
            page: self.page,
            per_page: PER_PAGE,
        }
    }

    /// `/search?…` with these parameters on `page`.
    fn url(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.q.clone())];
        if let Some(c) = &self.channel {
            pairs.push(("channel", c.clone()));
        }
        if let Some(d) = self.from {
            pairs.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            pairs.push(("to", d.to_string()));
        }
        if self.sort == SortOrder::Newest {
            pairs.push(("sort", "newest".into()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        format!("/search?{}", query.join("&"))
    }
}

fn date(value: Option<&str>, field: &str) -> Result<Option<NaiveDate>, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                AppError::BadRequest(format!(
                    "{field}格式有误：应为“年-月-日”，例如 2024-02-08。"
                ))
            }),
    }
}

/// Percent-encodes everything but unreserved URL characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn run(state: &AppState, query: SearchQuery) -> Result<SearchResults, AppError> {
    let articles = state
        .articles()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no search index in the app state")))?;
    let index = articles.index().clone();
    // Tantivy is blocking and CPU-bound; a panic on a damaged index stays in this task.
    tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?
        .map_err(AppError::Internal)
}

#[derive(Serialize)]
struct FilterChannel {
    slug: String,
    name: String,
    selected: bool,
}

/// `GET /search?q=…`: the results page, or the empty and no-result states with suggestions.
pub async fn search_page(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let checked = Checked::from_params(&params, &state)?;
    let chrome = state.chrome();
    let query = checked.query(&chrome.site);
    let searched = !query.text.is_empty();
    let results = if searched {
        run(&state, query.clone()).await?
    } else {
        SearchResults::default()
    };
    let suggestions = if results.hits.is_empty() {
        state
            .store
            .list_published(
                None,
                PageRequest {
                    page: 1,
                    per_page: SUGGESTIONS,
                },
            )
            .await?
            .items
            .iter()
            .map(|a| ArticleCard::new(a, &chrome.site))
            .collect()
    } else {
        Vec::new()
    };
    let total = i64::try_from(results.total).unwrap_or(i64::MAX);
    let mut pagination = Pagination::new("/search", checked.page, PER_PAGE, total);
    pagination.pages = pagination.pages.min(MAX_PAGE);
    pagination.prev_url = (checked.page > 1).then(|| checked.url(checked.page - 1));
    pagination.next_url = (checked.page < pagination.pages).then(|| checked.url(checked.page + 1));
    let title = if checked.q.is_empty() {
        "搜索".to_string()
    } else {
        format!("{} - 搜索", checked.q.chars().take(30).collect::<String>())
    };
    let mut layout = Layout::new(
        &chrome.site,
        &chrome.channels,
        state.renderer.asset_version(),
        "/search",
        Some(&title),
    );
    layout.description = format!(
        "在{}全文搜索新闻资讯、政策文件与行业动态，按栏目和日期筛选。",
        chrome.site.site_name
    );
    let channels: Vec<FilterChannel> = chrome
        .channels
        .iter()
        .map(|c| FilterChannel {
            slug: c.slug.clone(),
            name: c.name.clone(),
            selected: checked.channel.as_deref() == Some(c.slug.as_str()),
        })
        .collect();
    let html = state
        .renderer
        .render(
            "search.html",
            context! {
                layout,
                search_q => checked.q,
                searched,
                truncated => query.text.truncated,
                max_chars => MAX_QUERY_CHARS,
                total => results.total,
                hits => results.hits.iter().map(|h| SearchHitView::new(h, &chrome.site)).collect::<Vec<_>>(),
                pagination,
                channels,
                from => checked.from.map(|d| d.to_string()),
                to => checked.to.map(|d| d.to_string()),
                newest => checked.sort == SortOrder::Newest,
                suggestions,
                // The page's own form is the one search box (none in the header).
                search_page => true,
                filters_set => usize::from(checked.channel.is_some())
                    + usize::from(checked.from.is_some())
                    + usize::from(checked.to.is_some())
                    + usize::from(checked.sort == SortOrder::Newest),
            },
        )
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("rendering search.html")))?;
    let mut response = Html(html).into_response();
    // Results follow every publish; shared caches must not keep them.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // No noindex here: the pages must pass Lighthouse's SEO audit (issue 6), which fails any page
    // blocked from indexing. Search engines find articles through the sitemaps anyway.
    Ok(response)
}

/// A result in the API.
#[derive(Debug, Serialize)]
struct ApiHit {
    id: i64,
    slug: String,
    url: String,
    title: String,
    title_html: String,
    channel: ChannelLink,
    published_at: String,
    snippet_html: String,
    score: f32,
}

/// The API's answer.
#[derive(Debug, Serialize)]
struct ApiResults {
    query: String,
    total: usize,
    page: u32,
    per_page: u32,
    pages: u32,
    sort: SortOrder,
    truncated: bool,
    results: Vec<ApiHit>,
}

/// `GET /api/v1/search?q=…&page=…`: the same search as JSON; errors as JSON too.
pub async fn search_api(
    State(state): State<AppState>,
    query: Result<Query<SearchParams>, AppError>,
) -> Result<Response, JsonError> {
    let Query(params) = query?;
    let checked = Checked::from_params(&params, &state)?;
    let chrome = state.chrome();
    let query = checked.query(&chrome.site);
    if query.text.is_empty() {
        return Err(AppError::BadRequest(
            "搜索词（q）为空：请输入要查找的词语，例如 q=新能源汽车。".into(),
        )
        .into());
    }
    let results = run(&state, query.clone()).await?;
    let pages = Pagination::new(
        "/search",
        checked.page,
        PER_PAGE,
        i64::try_from(results.total).unwrap_or(i64::MAX),
    )
    .pages
    .min(MAX_PAGE);
    let body = ApiResults {
        query: checked.q.clone(),
        total: results.total,
        page: checked.page,
        per_page: PER_PAGE,
        pages,
        sort: checked.sort,
        truncated: query.text.truncated,
        results: results
            .hits
            .into_iter()
            .map(|h| ApiHit {
                id: h.id,
                url: format!("/articles/{}", h.slug),
                channel: ChannelLink {
                    url: format!("/channels/{}", h.channel_slug),
                    name: h.channel_name,
                    slug: h.channel_slug,
                    ..ChannelLink::default()
                },
                published_at: h.published_at.to_rfc3339(),
                slug: h.slug,
                title: h.title,
                title_html: h.title_html,
                snippet_html: h.snippet_html,
                score: h.score,
            })
            .collect(),
    };
    let json = serde_json::to_string(&body)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("encoding results")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        json,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_filters_and_encode_the_query() {
        let c = Checked {
            q: "合肥 \"新能源\"&x".into(),
            channel: Some("nev".into()),
            from: NaiveDate::from_ymd_opt(2024, 1, 1),
            to: None,
            sort: SortOrder::Newest,
            page: 1,
        };
        assert_eq!(
            c.url(2),
            "/search?q=%E5%90%88%E8%82%A5%20%22%E6%96%B0%E8%83%BD%E6%BA%90%22%26x&channel=nev&from=2024-01-01&sort=newest&page=2"
        );
    }

    #[test]
    fn dates_must_be_real_days() {
        assert!(date(Some("2024-02-30"), "from").is_err());
        assert!(date(Some("2024/02/08"), "from").is_err());
        assert_eq!(
            date(Some(" 2024-02-08 "), "from").unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 8)
        );
        assert_eq!(date(Some(""), "from").unwrap(), None);
    }
}
