//! Policy intelligence in the portal: the quantitative targets of an article's text, read by the
//! `policy` crate from the article's plain text, highlighted in its HTML, and exported as CSV.
//!
//! The content layer calls [`extract`] before every article write (off the async threads, never
//! inside the write transaction) and the store writes what it found, so targets are never stale; pages
//! call [`highlight`] to mark each target's clause (`<mark id="target-N">`) for the 量化目标 table's
//! links.

use policy::{Comparator, Kind};
use std::fmt::Write as _;

use crate::domain::{ArticleTarget, PolicyDocument};
use crate::import::html;

/// Whether a figure is a commitment or a reported outcome: the `record` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Record {
    /// A target (目标): what a document commits to.
    Target,
    /// A result (实绩): what a document reports was reached.
    Result,
}

impl Record {
    /// The stored name: `target` or `result`.
    pub fn as_str(self) -> &'static str {
        match self {
            Record::Target => "target",
            Record::Result => "result",
        }
    }

    /// The record named `name` ([`Record::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "target" => Some(Record::Target),
            "result" => Some(Record::Result),
            _ => None,
        }
    }
}

/// A figure (target or result) read from an article, with the document facts the text states.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The figure as the extractor found it.
    pub target: policy::Target,
    /// Target or result.
    pub record: Record,
    /// The canonical indicator (`policy::indicator_key`), what comparisons group by.
    pub indicator_key: String,
    /// Region the document states.
    pub region: Option<String>,
    /// The figure's year (a deadline, a reporting year), else the document's plan year.
    pub year: Option<i64>,
    /// The value in the base unit ([`normalize`]), for sorting across magnitudes.
    pub value_base: f64,
    /// The unit family: the unit without its magnitude (辆, 元, %).
    pub unit_base: String,
    /// Hidden by an editor (`crate::corrections`): stored, shown on no public page or export.
    pub hidden: bool,
    /// Whether the values are as read, corrected by an editor, or an editor's addition.
    pub origin: crate::corrections::Origin,
}

/// What the publisher knows of an article besides its body, owned so it can be handed to the CPU
/// pool: title, 来源 and publish year ([`policy::Meta`]).
#[derive(Debug, Clone, Default)]
pub struct DocMeta {
    /// The article's title.
    pub title: Option<String>,
    /// The article's 来源.
    pub source: Option<String>,
    /// The year it was (or will be) published.
    pub published_year: Option<u16>,
}

impl DocMeta {
    /// The title, 来源 and publish year of an article about to be written.
    pub fn of(input: &crate::domain::ArticleInput) -> Self {
        use chrono::Datelike;
        Self {
            title: Some(input.title.clone()).filter(|t| !t.trim().is_empty()),
            source: input.source.clone().filter(|s| !s.trim().is_empty()),
            published_year: input
                .published_at
                .and_then(|p| u16::try_from(p.year()).ok()),
        }
    }

    /// Borrowed as the `policy` crate takes it.
    pub fn as_meta(&self) -> policy::Meta<'_> {
        policy::Meta {
            title: self.title.as_deref(),
            source: self.source.as_deref(),
            published_year: self.published_year,
        }
    }
}

/// Everything read from an article for policy intelligence: the document's facts and its figures.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// Type, issuer, region and years of the document.
    pub document: PolicyDocument,
    /// Targets and results together, in text order (their order is the stored `position`, the
    /// page's `#target-N` anchor).
    pub figures: Vec<Extracted>,
}

impl Extraction {
    /// The figures that are targets, in text order.
    pub fn targets(&self) -> impl Iterator<Item = &Extracted> {
        self.figures.iter().filter(|f| f.record == Record::Target)
    }

    /// The figures that are results, in text order.
    pub fn results(&self) -> impl Iterator<Item = &Extracted> {
        self.figures.iter().filter(|f| f.record == Record::Result)
    }
}

/// A value and unit with the unit's magnitude (万, 亿, 万亿, 千万, 百万…) folded into the number:
/// 120 万辆 → 1,200,000 辆, 1.55 万亿元 → 1.55e12 元. Values in one unit family then compare as
/// numbers. 十/百/千 count as magnitudes only before 万 or 亿, so 千瓦 and 百分点 stay units.
pub fn normalize(value: f64, unit: &str) -> (f64, String) {
    let mut factor = 1.0;
    let mut rest = unit.trim();
    loop {
        let mut chars = rest.chars();
        let (Some(first), next) = (chars.next(), chars.next()) else {
            break;
        };
        let big = |c: Option<char>| matches!(c, Some('万' | '萬' | '亿' | '億'));
        let f = match first {
            '万' | '萬' => 1e4,
            '亿' | '億' => 1e8,
            '十' if big(next) => 10.0,
            '百' if big(next) => 100.0,
            '千' if big(next) => 1e3,
            _ => break,
        };
        factor *= f;
        rest = &rest[first.len_utf8()..];
    }
    (value * factor, rest.to_string())
}

/// The plain text of an article body: one line per block, as a reader sees it.
pub fn plain_text(body_html: &str) -> String {
    let (lines, _) = html::flatten(body_html);
    lines
        .into_iter()
        .map(|l| l.text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The document facts, targets and results of an article body (sanitized HTML), read with what
/// the publisher knows of it (`meta`: title, 来源, publish year).
pub fn extract(body_html: &str, meta: &policy::Meta<'_>) -> Extraction {
    let text = plain_text(body_html);
    let doc = policy::Document::analyze_with(&text, meta);
    let info = doc.info;
    let doc_year = info.year.map(i64::from);
    let figure = |target: policy::Target, record: Record| {
        let (value_base, unit_base) = normalize(target.value, &target.unit);
        Extracted {
            indicator_key: policy::indicator_key(&target.indicator),
            record,
            region: info.region.clone(),
            year: target.year.map(i64::from).or(doc_year),
            value_base,
            unit_base,
            hidden: false,
            origin: crate::corrections::Origin::Extracted,
            target,
        }
    };
    let mut figures: Vec<Extracted> = doc
        .targets
        .into_iter()
        .map(|t| figure(t, Record::Target))
        .chain(doc.results.into_iter().map(|t| figure(t, Record::Result)))
        .collect();
    // One text order for both records, so positions (and the page's marks) follow the text.
    figures.sort_by_key(|f| (f.target.start, f.target.end));
    Extraction {
        document: PolicyDocument {
            kind: info.kind.as_str().to_string(),
            issuer: info.issuer.clone(),
            region: info.region.clone(),
            year: doc_year,
            first_year: info.first_year.map(i64::from),
            covers: info.covers.clone(),
        },
        figures,
    }
}

/// How a reader says a document type (政府工作报告, 规划…); the stored name when unknown.
pub fn doc_kind_label(kind: &str) -> String {
    policy::DocKind::parse(kind).map_or_else(|| kind.to_string(), |k| k.label().to_string())
}

/// The schema's name of a comparator.
pub fn comparator_name(c: Comparator) -> &'static str {
    match c {
        Comparator::Gt => "gt",
        Comparator::Ge => "ge",
        Comparator::Approx => "approx",
        Comparator::Le => "le",
        Comparator::Range => "range",
        Comparator::Eq => "eq",
    }
}

/// The schema's name of a kind.
pub fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Growth => "growth",
        Kind::Increment => "increment",
        Kind::Level => "level",
        Kind::Share => "share",
    }
}

/// How a reader says a kind: 增速, 新增量, 总量, 占比.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "growth" => "增速",
        "increment" => "新增量",
        "level" => "总量",
        "share" => "比例",
        _ => "其他",
    }
}

/// A target or a result as a reader says it: [`value_label`] for a target, [`result_label`] for
/// a result (实绩).
pub fn label(t: &ArticleTarget) -> String {
    if t.record == "result" {
        result_label(t)
    } else {
        value_label(t)
    }
}

/// A target's value as a reader says it: 突破120万辆, 6%左右, 1~2家.
pub fn value_label(t: &ArticleTarget) -> String {
    let n = |v: f64| {
        let s = format!("{v}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    };
    let value = n(t.value);
    match t.comparator.as_str() {
        "gt" => format!("超过{value}{}", t.unit),
        "ge" => format!("{value}{}以上", t.unit),
        "approx" => format!("{value}{}左右", t.unit),
        "le" => format!("{value}{}以内", t.unit),
        "range" => format!(
            "{value}~{}{}",
            t.value_max.map(n).unwrap_or_default(),
            t.unit
        ),
        _ => format!("{value}{}", t.unit),
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Wraps each target's clause in `body_html` in `<mark class="target" id="target-N">`.
///
/// Targets come in text order, so each clause is searched for (escaped) after the previous
/// target's, which keeps the whole pass linear in the body; a clause not found there (out of
/// order) is searched for after the previous occurrence of the same text, so a sentence repeated
/// in the text maps each copy to its own target. A clause that crosses inline markup is left
/// unmarked rather than breaking the HTML.
pub fn highlight(body_html: &str, targets: &[ArticleTarget]) -> String {
    highlight_marked(body_html, targets).0
}

/// [`highlight`], also giving the positions of the targets that got a mark (sorted), so callers
/// need not search the page for each anchor.
pub fn highlight_marked(body_html: &str, targets: &[ArticleTarget]) -> (String, Vec<i64>) {
    let mut spans: Vec<(usize, usize, i64)> = Vec::new();
    let mut search_from: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut cursor = 0;
    for t in targets {
        if t.text.is_empty() {
            continue;
        }
        let escaped = escape_html(&t.text);
        let from = search_from.get(t.text.as_str()).copied().unwrap_or(0);
        let in_order = body_html[cursor.max(from)..]
            .find(&escaped)
            .map(|i| i + cursor.max(from));
        let Some(found) = in_order.or_else(|| body_html[from..].find(&escaped).map(|i| i + from))
        else {
            continue;
        };
        cursor = found + escaped.len();
        search_from.insert(&t.text, found + escaped.len());
        spans.push((found, found + escaped.len(), t.position));
    }
    // Targets come in text order; drop overlaps so the HTML stays well nested.
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(body_html.len() + spans.len() * 48);
    let mut marked = Vec::with_capacity(spans.len());
    let mut last = 0;
    for (start, end, position) in spans {
        if start < last {
            continue;
        }
        out.push_str(&body_html[last..start]);
        let _ = write!(out, "<mark class=\"target\" id=\"target-{position}\">");
        out.push_str(&body_html[start..end]);
        out.push_str("</mark>");
        marked.push(position);
        last = end;
    }
    out.push_str(&body_html[last..]);
    marked.sort_unstable();
    (out, marked)
}

/// How a reader says a comparator: 超过, 不低于, 左右, 不超过, 区间, 等于.
pub fn comparator_label(comparator: &str) -> &'static str {
    match comparator {
        "gt" => "超过",
        "ge" => "不低于",
        "approx" => "左右",
        "le" => "不超过",
        "range" => "区间",
        "eq" => "等于",
        _ => "其他",
    }
}

/// Column headers of the CSV export, in Chinese for the analysts who open it in a spreadsheet.
pub const CSV_HEADERS: [&str; 20] = [
    "文章",
    "链接",
    "发布时间",
    "地区",
    "年份",
    "领域",
    "指标",
    "数值",
    "上限",
    "单位",
    "比较",
    "类型",
    "力争",
    "折算数值",
    "基本单位",
    "出现次数",
    "原文",
    // Added with document facts; last, so readers of the older columns by position keep working.
    "文件类型",
    "发布机关",
    "指标键",
];

/// The start of a CSV export: a byte-order mark (so spreadsheet programs read the Chinese as
/// UTF-8) and the header line.
pub fn csv_header() -> Vec<u8> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    out.extend_from_slice(CSV_HEADERS.join(",").as_bytes());
    out.push(b'\n');
    out
}

/// One target as a CSV line (quoted where needed), for exports written row by row. Times are in
/// the site's zone as `YYYY-MM-DD HH:MM`, the way a reader of the site saw them.
pub fn csv_record(t: &ArticleTarget, base_url: &str, tz: chrono_tz::Tz) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(256));
    w.write_record([
        t.article_title.as_str(),
        &format!(
            "{}/articles/{}#target-{}",
            base_url.trim_end_matches('/'),
            t.article_slug,
            t.position
        ),
        &t.published_at
            .map(|p| p.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
        t.region.as_deref().unwrap_or_default(),
        &t.year.map(|y| y.to_string()).unwrap_or_default(),
        &t.sector,
        &t.indicator,
        &t.value.to_string(),
        &t.value_max.map(|v| v.to_string()).unwrap_or_default(),
        &t.unit,
        comparator_label(&t.comparator),
        kind_label(&t.kind),
        if t.aspirational { "是" } else { "否" },
        &t.value_base.to_string(),
        &t.unit_base,
        &t.occurrences.to_string(),
        &t.text,
        &t.doc_kind
            .as_deref()
            .map(doc_kind_label)
            .unwrap_or_default(),
        &issuer_of(t).unwrap_or_default(),
        &t.indicator_key,
    ])?;
    Ok(w.into_inner()?)
}

/// A target as the JSON export writes it: the target's English keys (for programs) with its
/// publish time in the site's zone, RFC 3339 with the offset (`2024-05-06T10:21:00+08:00`).
#[derive(Debug, serde::Serialize)]
pub struct JsonRecord<'a> {
    /// The target.
    #[serde(flatten)]
    pub target: &'a ArticleTarget,
    /// Its article's publish time in the site's zone.
    pub published_at: Option<String>,
}

impl<'a> JsonRecord<'a> {
    /// The record of `target`, its time in `tz`.
    pub fn new(target: &'a ArticleTarget, tz: chrono_tz::Tz) -> Self {
        Self {
            target,
            published_at: target.published_at.map(|p| {
                p.with_timezone(&tz)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
            }),
        }
    }
}

/// Whether a region reached a target, by the result a later document reports for its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 达成: the result meets the target's comparator.
    Achieved,
    /// 未达成: it does not.
    Missed,
    /// 无数据: no result of that region, year, sort of figure and unit is known.
    NoData,
}

impl Status {
    /// 达成, 未达成, 无数据.
    pub fn label(self) -> &'static str {
        match self {
            Status::Achieved => "达成",
            Status::Missed => "未达成",
            Status::NoData => "无数据",
        }
    }
}

/// How far short of an `approx` (左右, 约) target a result may fall and still count as reached:
/// 5 % of the target, relative. Work reports call 5.8 % growth against "6 %左右" met and read
/// 左右 as "give or take a few tenths"; 5 % of the value is that margin for growth rates (0.3
/// point of 6 %) and the same share of a level (95万 against 100万左右), while a result a tenth
/// short is a miss. Overshooting an approximate target is not a miss: plans state 左右 for
/// quantities they want at least.
pub const APPROX_TOLERANCE: f64 = 0.05;

/// Whether `result` reaches `target`, both of one canonical indicator, compared on `value_base`
/// within one `unit_base` (else [`Status::NoData`]):
///
/// | comparator | reached when the result is |
/// |---|---|
/// | `ge` (以上, 不低于, 达到) | ≥ the value |
/// | `gt` (突破, 超过) | > the value |
/// | `eq` (a plain figure) | ≥ the value: a plan's plain number is a quantity to reach, and an outcome never lands exactly on it |
/// | `approx` (左右, 约) | ≥ the value less [`APPROX_TOLERANCE`] (5 %) of it |
/// | `range` (1~2, 4.5%~5%) | ≥ the lower bound: like 左右, a range states how much is wanted at least, and 5.4 % growth against 4.5%~5% is met, not missed |
/// | `le` (以内, 不超过) | ≤ the value |
///
/// A result's own range (rare) is read at its lower bound. Growth targets compare only with growth
/// results (the caller pairs them: [`compare`]); a relative slack of 1e-9 absorbs the rounding of
/// the magnitude folding.
pub fn status_of(target: &ArticleTarget, result: &ArticleTarget) -> Status {
    if target.unit_base != result.unit_base {
        return Status::NoData;
    }
    let (t, r) = (target.value_base, result.value_base);
    let eps = 1e-9 * t.abs().max(1.0);
    let reached = match target.comparator.as_str() {
        "gt" => r > t + eps,
        "le" => r <= t + eps,
        "approx" => r >= t - t.abs() * APPROX_TOLERANCE - eps,
        // ge, eq, range (its lower bound) and anything unknown: at least the value.
        _ => r >= t - eps,
    };
    if reached {
        Status::Achieved
    } else {
        Status::Missed
    }
}

/// One line of an indicator's comparison: a target and the result reported for its region and
/// year (when one is), or a result no target of the site asked for.
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    /// The target, if this line has one.
    pub target: Option<&'a ArticleTarget>,
    /// The result matched to it (or standing alone).
    pub result: Option<&'a ArticleTarget>,
    /// The target's status; `None` for a result without a target.
    pub status: Option<Status>,
}

impl Comparison<'_> {
    /// The figure the line is about (the target, else the result).
    pub fn main(&self) -> Option<&ArticleTarget> {
        self.target.or(self.result)
    }
}

/// Pairs the targets among `figures` (all of one canonical indicator) with results: same region,
/// same year (both known), growth with growth and other kinds with other kinds, same unit family;
/// of several, the result of the most recently published article wins (a later review corrects an
/// earlier one). Targets without a region or year, or with no such result, are [`Status::NoData`].
/// Results matched to no target are lines of their own. Lines come by region, then year, then
/// document.
pub fn compare(figures: &[ArticleTarget]) -> Vec<Comparison<'_>> {
    let growth = |f: &ArticleTarget| f.kind == "growth";
    let results: Vec<&ArticleTarget> = figures.iter().filter(|f| f.record == "result").collect();
    // Results by (region, year, growth or not): each target looks only at its own candidates, so
    // an indicator with thousands of figures pairs in linear time on the request thread.
    let mut candidates: std::collections::HashMap<(&str, i64, bool), Vec<usize>> =
        std::collections::HashMap::new();
    for (i, r) in results.iter().enumerate() {
        if let (Some(region), Some(year)) = (r.region.as_deref(), r.year) {
            candidates
                .entry((region, year, growth(r)))
                .or_default()
                .push(i);
        }
    }
    let mut used = vec![false; results.len()];
    let mut lines = Vec::new();
    for target in figures.iter().filter(|f| f.record == "target") {
        let key = target
            .region
            .as_deref()
            .zip(target.year)
            .map(|(region, year)| (region, year, growth(target)));
        let best = key
            .and_then(|k| candidates.get(&k))
            .into_iter()
            .flatten()
            .map(|&i| (i, &results[i]))
            .max_by_key(|(_, r)| {
                (
                    r.unit_base == target.unit_base,
                    r.published_at,
                    r.article_id,
                    std::cmp::Reverse(r.position),
                )
            });
        let (result, status) = match best {
            Some((i, r)) => {
                used[i] = true;
                (Some(*r), status_of(target, r))
            }
            None => (None, Status::NoData),
        };
        lines.push(Comparison {
            target: Some(target),
            result,
            status: Some(status),
        });
    }
    lines.extend(
        results
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(r, _)| Comparison {
                target: None,
                result: Some(*r),
                status: None,
            }),
    );
    lines.sort_by(|a, b| {
        let (a, b) = (a.main(), b.main());
        let key = |f: Option<&ArticleTarget>| {
            f.map(|f| {
                (
                    f.region.clone(),
                    f.year,
                    f.published_at,
                    f.article_id,
                    f.position,
                )
            })
        };
        key(a).cmp(&key(b))
    });
    lines
}

/// The site's path of an indicator's comparison page: `/targets/indicators/{key}`, the key
/// percent-encoded (every byte outside unreserved ASCII).
pub fn indicator_path(key: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity("/targets/indicators/".len() + key.len() * 3);
    out.push_str("/targets/indicators/");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
    out
}

/// Column headers of an indicator comparison's CSV export.
pub const COMPARISON_CSV_HEADERS: [&str; 18] = [
    "指标键",
    "地区",
    "年份",
    "指标",
    "目标",
    "目标折算数值",
    "实绩",
    "实绩折算数值",
    "基本单位",
    "比较",
    "状态",
    "出处",
    "文件类型",
    "发布机关",
    "发布时间",
    "链接",
    "实绩出处",
    "实绩链接",
];

/// One comparison line as the CSV and JSON exports write it (and the page shows it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComparisonRecord {
    /// The canonical indicator.
    pub indicator_key: String,
    /// Region.
    pub region: Option<String>,
    /// Year of the target (or the result).
    pub year: Option<i64>,
    /// The indicator as written.
    pub indicator: String,
    /// The target as a reader says it (超过120万辆); empty without a target.
    pub target: Option<String>,
    /// The target's value in the base unit.
    pub target_value_base: Option<f64>,
    /// The result as written (5.8%); empty without a result.
    pub result: Option<String>,
    /// The result's value in the base unit.
    pub result_value_base: Option<f64>,
    /// The unit family.
    pub unit_base: String,
    /// The target's comparator (gt, ge…).
    pub comparator: Option<String>,
    /// 达成 / 未达成 / 无数据 as `achieved` / `missed` / `no_data`; `None` for a result alone.
    pub status: Option<Status>,
    /// Title of the document the line is about (the target's, else the result's).
    pub source_title: String,
    /// Its type (`policy::DocKind` name).
    pub doc_kind: Option<String>,
    /// Its issuer (or, unknown, the article's 来源).
    pub issuer: Option<String>,
    /// Its publish time in the site's zone.
    pub published_at: Option<String>,
    /// Link to the figure's clause.
    pub url: String,
    /// Title of the document reporting the result, when a target has one.
    pub result_title: Option<String>,
    /// Link to the result's clause.
    pub result_url: Option<String>,
}

/// A figure's issuer as shown: the document's issuing body, else the article's 来源.
pub fn issuer_of(t: &ArticleTarget) -> Option<String> {
    t.issuer
        .as_deref()
        .or(t.article_source.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A result as a reader says it: the value as written (5.8%, 3500万千瓦).
pub fn result_label(t: &ArticleTarget) -> String {
    let n = |v: f64| {
        let s = format!("{v}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    };
    match t.value_max {
        Some(max) if t.comparator == "range" => format!("{}~{}{}", n(t.value), n(max), t.unit),
        _ => format!("{}{}", n(t.value), t.unit),
    }
}

impl ComparisonRecord {
    /// The record of a comparison line; links absolute under `base_url`, times in `tz`.
    pub fn new(key: &str, line: &Comparison<'_>, base_url: &str, tz: chrono_tz::Tz) -> Self {
        let base = base_url.trim_end_matches('/');
        let link =
            |t: &ArticleTarget| format!("{base}/articles/{}#target-{}", t.article_slug, t.position);
        let main = line.target.or(line.result);
        let field = |f: fn(&ArticleTarget) -> Option<String>| main.and_then(f);
        Self {
            indicator_key: key.to_string(),
            region: field(|t| t.region.clone()),
            year: main.and_then(|t| t.year),
            indicator: main.map(|t| t.indicator.clone()).unwrap_or_default(),
            target: line.target.map(value_label),
            target_value_base: line.target.map(|t| t.value_base),
            result: line.result.map(result_label),
            result_value_base: line.result.map(|t| t.value_base),
            unit_base: main.map(|t| t.unit_base.clone()).unwrap_or_default(),
            comparator: line.target.map(|t| t.comparator.clone()),
            status: line.status,
            source_title: main.map(|t| t.article_title.clone()).unwrap_or_default(),
            doc_kind: field(|t| t.doc_kind.clone()),
            issuer: field(issuer_of),
            published_at: main.and_then(|t| t.published_at).map(|p| {
                p.with_timezone(&tz)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
            }),
            url: main.map(link).unwrap_or_default(),
            result_title: line
                .target
                .and(line.result)
                .map(|r| r.article_title.clone()),
            result_url: line.target.and(line.result).map(link),
        }
    }

    /// The record as a CSV line in [`COMPARISON_CSV_HEADERS`] order: times as
    /// `YYYY-MM-DD HH:MM` in the site's zone, labels in Chinese.
    pub fn csv_line(&self) -> anyhow::Result<Vec<u8>> {
        // The JSON time carries the site's offset, so formatting it gives the local time.
        let published_local = self
            .published_at
            .as_deref()
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
            .map(|p| p.format("%Y-%m-%d %H:%M").to_string());
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::with_capacity(256));
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        w.write_record([
            self.indicator_key.clone(),
            opt(&self.region),
            self.year.map(|y| y.to_string()).unwrap_or_default(),
            self.indicator.clone(),
            opt(&self.target),
            num(self.target_value_base),
            opt(&self.result),
            num(self.result_value_base),
            self.unit_base.clone(),
            self.comparator
                .as_deref()
                .map(comparator_label)
                .unwrap_or_default()
                .to_string(),
            self.status
                .map(Status::label)
                .unwrap_or_default()
                .to_string(),
            self.source_title.clone(),
            self.doc_kind
                .as_deref()
                .map(doc_kind_label)
                .unwrap_or_default(),
            opt(&self.issuer),
            published_local.unwrap_or_default(),
            self.url.clone(),
            opt(&self.result_title),
            opt(&self.result_url),
        ])?;
        Ok(w.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(position: i64, text: &str) -> ArticleTarget {
        ArticleTarget {
            article_id: 1,
            article_slug: "s".into(),
            article_title: "t".into(),
            article_source: None,
            published_at: None,
            position,
            text: text.into(),
            indicator: String::new(),
            value: 120.0,
            value_max: None,
            unit: "万辆".into(),
            comparator: "gt".into(),
            kind: "level".into(),
            aspirational: true,
            sector: "新能源汽车".into(),
            region: None,
            year: None,
            record: "target".into(),
            indicator_key: String::new(),
            doc_kind: None,
            issuer: None,
            covers: None,
            value_base: 1_200_000.0,
            unit_base: "辆".into(),
            occurrences: 1,
        }
    }

    #[test]
    fn targets_are_read_from_the_article_text() {
        let html = "<p>力争新能源汽车产量突破120万辆，新增百亿企业5家左右。</p>";
        let found = extract(html, &policy::Meta::default());
        let targets: Vec<_> = found.targets().collect();
        assert!(targets.len() >= 2, "{targets:?}");
        assert_eq!(targets[0].target.text, "力争新能源汽车产量突破120万辆");
        assert_eq!(
            targets[0].indicator_key,
            policy::indicator_key("新能源汽车产量")
        );
        assert!(
            found
                .figures
                .windows(2)
                .all(|w| w[0].target.start <= w[1].target.start)
        );
    }

    #[test]
    fn magnitudes_fold_into_the_base_unit() {
        let cases = [
            (120.0, "万辆", 1_200_000.0, "辆"),
            (1.55, "万亿元", 1.55e12, "元"),
            (1400.0, "亿元", 1.4e11, "元"),
            (3.0, "千万千瓦", 3e7, "千瓦"),
            (2.0, "百万吨", 2e6, "吨"),
            (5.0, "%", 5.0, "%"),
            (0.5, "个百分点", 0.5, "个百分点"),
            (600.0, "千瓦时", 600.0, "千瓦时"),
            (8.0, "億元", 8e8, "元"),
            (7.0, "家", 7.0, "家"),
            (3.0, "万", 30_000.0, ""),
        ];
        for (value, unit, base, family) in cases {
            let (v, f) = normalize(value, unit);
            assert!(
                (v - base).abs() <= base.abs() * 1e-12,
                "{value}{unit} → {v}"
            );
            assert_eq!(f, family, "{value}{unit}");
        }
    }

    #[test]
    fn repeated_clauses_are_marked_in_order() {
        let html = "<p>力争A突破1万辆。</p><p>又一次力争A突破1万辆。</p>";
        let out = highlight(
            html,
            &[target(0, "力争A突破1万辆"), target(1, "力争A突破1万辆")],
        );
        assert_eq!(
            out,
            "<p><mark class=\"target\" id=\"target-0\">力争A突破1万辆</mark>。</p>\
             <p>又一次<mark class=\"target\" id=\"target-1\">力争A突破1万辆</mark>。</p>"
        );
    }

    fn figure(record: &str, comparator: &str, value: f64, unit: &str) -> ArticleTarget {
        let (value_base, unit_base) = normalize(value, unit);
        ArticleTarget {
            record: record.into(),
            comparator: comparator.into(),
            kind: "growth".into(),
            value,
            unit: unit.into(),
            value_base,
            unit_base,
            region: Some("合肥市".into()),
            year: Some(2024),
            ..target(0, "x")
        }
    }

    #[test]
    fn status_follows_the_comparator() {
        let r = |v: f64| figure("result", "eq", v, "%");
        let t = |c: &str, v: f64| figure("target", c, v, "%");
        assert_eq!(status_of(&t("ge", 5.0), &r(5.0)), Status::Achieved);
        assert_eq!(status_of(&t("ge", 5.0), &r(4.9)), Status::Missed);
        assert_eq!(status_of(&t("gt", 5.0), &r(5.0)), Status::Missed);
        assert_eq!(status_of(&t("eq", 5.0), &r(5.2)), Status::Achieved);
        assert_eq!(status_of(&t("le", 3.0), &r(3.1)), Status::Missed);
        // 左右: 5 % short is still reached (6 % → 5.7), more is not.
        assert_eq!(status_of(&t("approx", 6.0), &r(5.8)), Status::Achieved);
        assert_eq!(status_of(&t("approx", 6.0), &r(5.5)), Status::Missed);
        let mut range = t("range", 1.0);
        range.value_max = Some(2.0);
        assert_eq!(status_of(&range, &r(1.5)), Status::Achieved);
        assert_eq!(
            status_of(&range, &r(2.5)),
            Status::Achieved,
            "more than a range asks is met"
        );
        assert_eq!(status_of(&range, &r(0.5)), Status::Missed);
        // Magnitudes fold: 120万辆 reached by 1,300,000 辆; other unit families are no data.
        let mut level = figure("target", "ge", 120.0, "万辆");
        level.kind = "level".into();
        let mut made = figure("result", "eq", 130.0, "万辆");
        made.kind = "level".into();
        assert_eq!(status_of(&level, &made), Status::Achieved);
        assert_eq!(status_of(&level, &r(200.0)), Status::NoData);
    }

    #[test]
    fn comparison_pairs_region_year_and_growth_with_growth() {
        let target = figure("target", "approx", 6.0, "%");
        let result = figure("result", "eq", 5.8, "%");
        let mut level = figure("result", "eq", 1.2, "万亿元");
        level.kind = "level".into();
        let mut elsewhere = figure("target", "ge", 5.0, "%");
        elsewhere.region = Some("芜湖市".into());
        let figures = vec![target, result, level, elsewhere];
        let lines = compare(&figures);
        let paired = lines
            .iter()
            .find(|l| {
                l.target
                    .is_some_and(|t| t.region.as_deref() == Some("合肥市"))
            })
            .unwrap();
        assert_eq!(paired.result.map(|r| r.value), Some(5.8));
        assert_eq!(paired.status, Some(Status::Achieved));
        let other = lines
            .iter()
            .find(|l| {
                l.target
                    .is_some_and(|t| t.region.as_deref() == Some("芜湖市"))
            })
            .unwrap();
        assert_eq!(other.status, Some(Status::NoData));
        // The level result matches no growth target: a line of its own, without a status.
        assert!(lines.iter().any(|l| l.target.is_none()
            && l.result.is_some_and(|r| r.kind == "level")
            && l.status.is_none()));
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn indicator_paths_are_percent_encoded() {
        assert_eq!(
            indicator_path("GDP 增速"),
            "/targets/indicators/GDP%20%E5%A2%9E%E9%80%9F"
        );
    }

    #[test]
    fn value_labels_read_naturally() {
        let mut t = target(0, "x");
        assert_eq!(value_label(&t), "超过120万辆");
        t.comparator = "range".into();
        t.value = 1.0;
        t.value_max = Some(2.0);
        t.unit = "家".into();
        assert_eq!(value_label(&t), "1~2家");
    }

    #[test]
    fn csv_quotes_and_marks_utf8() {
        let mut t = target(3, "a,\"b\"");
        t.indicator = "产量".into();
        let mut bytes = csv_header();
        bytes.extend(csv_record(&t, "http://x/", chrono_tz::Asia::Shanghai).unwrap());
        let csv = String::from_utf8(bytes).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("http://x/articles/s#target-3"));
        assert!(csv.contains("\"a,\"\"b\"\"\""));
    }
}

/// A target as `newsdesk targets` prints it: the gold-file schema plus sector, region and year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileRecord {
    /// The file's name.
    pub doc: String,
    /// Start, in chars of the document's text.
    pub start: usize,
    /// End (exclusive), in chars.
    pub end: usize,
    /// The clause.
    pub text: String,
    /// What is measured.
    pub indicator: String,
    /// The number as written.
    pub value: f64,
    /// Upper bound of a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_max: Option<f64>,
    /// Unit with magnitude.
    pub unit: String,
    /// Comparator name.
    pub comparator: &'static str,
    /// Kind name.
    pub kind: &'static str,
    /// Hedged.
    pub aspirational: bool,
    /// Policy area.
    pub sector: &'static str,
    /// Region the document states.
    pub region: Option<String>,
    /// Plan year the document states.
    pub year: Option<u16>,
}

/// Column names of [`FileRecord::csv_fields`].
pub const FILE_RECORD_FIELDS: [&str; 14] = [
    "doc",
    "start",
    "end",
    "text",
    "indicator",
    "value",
    "value_max",
    "unit",
    "comparator",
    "kind",
    "aspirational",
    "sector",
    "region",
    "year",
];

impl FileRecord {
    /// The record as CSV fields, in [`FILE_RECORD_FIELDS`] order.
    pub fn csv_fields(&self) -> [String; 14] {
        [
            self.doc.clone(),
            self.start.to_string(),
            self.end.to_string(),
            self.text.clone(),
            self.indicator.clone(),
            self.value.to_string(),
            self.value_max.map(|v| v.to_string()).unwrap_or_default(),
            self.unit.clone(),
            self.comparator.to_string(),
            self.kind.to_string(),
            self.aspirational.to_string(),
            self.sector.to_string(),
            self.region.clone().unwrap_or_default(),
            self.year.map(|y| y.to_string()).unwrap_or_default(),
        ]
    }

    /// One line of the human-readable table.
    pub fn table_line(&self) -> String {
        let value = match self.value_max {
            Some(max) => format!("{}~{}{}", self.value, max, self.unit),
            None => format!("{}{}", self.value, self.unit),
        };
        format!(
            "{:<18}\t{:<14}\t{:<6}\t{:<9}\t{}{}\t{}",
            self.indicator,
            value,
            self.comparator,
            self.kind,
            self.sector,
            if self.aspirational { "\t力争" } else { "\t" },
            self.text.replace('\n', " ")
        )
    }
}

/// The targets of a document file. Plain text is read as it is, so offsets are offsets into the
/// file's text (as gold files count them); HTML is first flattened to its text, one line per block.
pub fn extract_file(
    bytes: &[u8],
    doc: &str,
) -> Result<Vec<FileRecord>, crate::import::ImportError> {
    let decoded = crate::import::decode(bytes)?;
    let text = decoded.text.as_ref();
    let owned;
    let text = if html::looks_like_html(text) {
        owned = html::flatten(text)
            .0
            .into_iter()
            .map(|l| l.plain_text())
            .collect::<Vec<_>>()
            .join("\n");
        owned.as_str()
    } else {
        text
    };
    let document = policy::Document::analyze(text);
    Ok(document
        .targets
        .into_iter()
        .map(|t| FileRecord {
            doc: doc.to_string(),
            start: t.start,
            end: t.end,
            indicator: t.indicator,
            value: t.value,
            value_max: t.value_max,
            unit: t.unit,
            comparator: comparator_name(t.comparator),
            kind: kind_name(t.kind),
            aspirational: t.aspirational,
            sector: t.sector.as_str(),
            region: document.info.region.clone(),
            year: t.year.or(document.info.year),
            text: t.text,
        })
        .collect())
}
