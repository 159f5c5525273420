//! The extractor: finds number-and-unit quantities, groups them into items inside clauses,
//! drops the ones that are not commitments, and reads each target's attributes.
//!
//! Steps, each linear in the input:
//! 1. [`scan`] finds every quantity (Arabic or Chinese number, range, magnitude, unit,
//!    qualifier, or 全覆盖) and rejects codes, ordinals, quoted labels and per-capita bases.
//! 2. [`crate::clause::clauses`] splits the text; each clause's quantities become items: an
//!    item runs from the end of the previous item (after its `、`) to the end of its number,
//!    qualifier and trailing object noun (新招募20个**全球合伙人**).
//! 3. Each item's prefix is read left to right (list marker, 其中, adverbs, hedge, verb) and
//!    right to left (cue words before the number: 突破, 增长, 提升至…). What is left is the
//!    indicator.
//! 4. Filters drop thresholds (亿元以上重点项目), stock (用好…86个场馆), continuing projects,
//!    list sizes and past results; attributes are inherited along a `、`-list.
//!
//! Look-back and look-ahead windows are capped ([`WINDOW`]) so a pathological input (one
//! endless clause full of numbers) stays linear.

use crate::clause::{self, Clause, list_marker_len};
use crate::lexicon::{self as lx, contains_any, longest_at, matches_at};
use crate::numerals::{is_chinese_numeral, parse_arabic, parse_chinese};
use crate::view::View;
use crate::{Comparator, Kind, Sector, Target};

/// Longest stretch (in chars) an item's prefix or trailing noun may span.
const WINDOW: usize = 60;

/// Extracts the quantitative targets stated in `text`, in text order. Offsets are in chars.
pub fn extract(text: &str) -> Vec<Target> {
    let chars: Vec<char> = text.chars().collect();
    let year = crate::document::info_of(&chars).year;
    extract_chars(&chars, year)
}

/// A number with its unit, as found by [`scan`].
#[derive(Debug, Clone)]
struct Quantity {
    /// First char of the number (or of 全覆盖).
    num_start: usize,
    /// After the unit and any qualifier (以上, 左右).
    end: usize,
    value: f64,
    value_max: Option<f64>,
    /// The unit as read in the view (simplified), for the rules.
    unit: String,
    /// The unit as written in the source, for the record (萬輛 stays 萬輛).
    written: String,
    /// Comparator implied by what follows the number (以上, 左右, 多) or by a range.
    post: Option<Comparator>,
    /// Written in Chinese numerals that are not a bare 百/千/万/亿.
    chinese: bool,
    /// The unit is a percentage or percentage points.
    percent: bool,
    /// 全覆盖.
    full_coverage: bool,
    /// `N…以上` directly followed by a noun: a category threshold (亿元以上重点项目).
    threshold: bool,
}

/// What the first verb of an item says about its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VerbClass {
    Increment,
    Stock,
    Level,
}

/// The item-level facts passed along a `、`-list (shared verb) and to a `其中` clause.
#[derive(Debug, Clone, Copy)]
struct Carry {
    kind: Kind,
    stock: bool,
    /// The comparator cue of the item (分别达到A、B: B is bounded like A).
    cue: Option<Comparator>,
}

/// The targets and the reported results (实绩) of `text`, read as a document whose facts are
/// `info` (its kind decides whether a bare figure is a commitment: in news it is not). For
/// callers that know the document type already, such as a corpus whose metadata names it;
/// [`crate::Document::analyze_with`] works it out from the text.
pub fn figures_of(text: &str, info: &crate::DocumentInfo) -> (Vec<Target>, Vec<Target>) {
    let chars: Vec<char> = text.chars().collect();
    figures(&chars, info)
}

/// The targets and the reported results of a document whose facts are `info`.
pub(crate) fn figures(chars: &[char], info: &crate::DocumentInfo) -> (Vec<Target>, Vec<Target>) {
    let mode = Mode {
        plan_year: info.year,
        // News that reports on a policy document (发布《…行动方案》) quotes that document: its
        // figures are the document's targets, read as in the document itself.
        news: info.kind == crate::DocKind::News && info.covers.is_none(),
        starts_in_review: info.kind == crate::DocKind::WorkReport,
    };
    run(chars, mode)
}

/// How a text is read.
#[derive(Debug, Clone, Copy)]
struct Mode {
    /// The year the document plans for (or, for news, the year it is about).
    plan_year: Option<u16>,
    /// News: a figure is a target only where the text commits to it or expects it.
    news: bool,
    /// A work report: the text before its plan part reviews the past.
    starts_in_review: bool,
}

pub(crate) fn extract_chars(chars: &[char], plan_year: Option<u16>) -> Vec<Target> {
    run(
        chars,
        Mode {
            plan_year,
            news: false,
            starts_in_review: false,
        },
    )
    .0
}

/// Extracts targets and results, with offsets and texts in the source.
fn run(chars: &[char], mode: Mode) -> (Vec<Target>, Vec<Target>) {
    let view = View::new(chars);
    let (mut targets, mut results) = extract_view(&view, mode);
    for t in targets.iter_mut().chain(results.iter_mut()) {
        let (s, e) = view.source_range(t.start, t.end);
        t.start = s;
        t.end = e;
        t.text = chars[s..e].iter().collect();
    }
    (targets, results)
}

/// Words that state a commitment or an expectation (news, schema §1): 目标, 力争, 计划, 预计,
/// 将, 确保, 拟, and this year's or a coming year's work (今年, 年内, 民生实事).
const COMMITMENT_CUES: &[&str] = &[
    "目标", "力争", "争取", "计划", "预计", "预期", "将", "确保", "拟", "年内", "明年", "实事",
    "规划", "方案", "力求", "努力",
];

/// Words that report what has happened (statistics, reviews): 同比, 截至, 已, 月份, 季度… (not
/// 累计: a plan's cumulative targets use it as much as a statistics report).
const REPORT_CUES: &[&str] = &[
    "同比",
    "环比",
    "截至",
    "截止",
    "已经",
    "已",
    "月份",
    "季度",
    "上半年",
    "前三季度",
    "去年",
    "上年",
    "过去",
    "这五年",
    "五年来",
    "一年来",
    "期间",
    "完成了",
    "实现了",
    "达到了",
    "个月",
    "数据显示",
    "统计",
];

/// A four-digit year (with 年) anywhere in `norm[from..to]`, the first one.
fn first_year(norm: &[char], from: usize, to: usize) -> Option<(usize, u16)> {
    (from..to).find_map(|k| {
        let prev_digit = k > 0 && norm[k - 1].is_ascii_digit();
        (!prev_digit)
            .then(|| clause::leading_year(&norm[..to], k))
            .flatten()
            .map(|y| (k, y))
    })
}

/// The deadline a clause sets (到2027年, 至2030年, 2025年底前, 十五五末), if any.
fn deadline_in(norm: &[char], from: usize, to: usize) -> Option<u16> {
    for k in from..to {
        // 截至2024年底 dates a report; it is no deadline.
        let as_of = k > 0 && matches!(norm[k - 1], '截' | '止');
        if matches!(norm[k], '到' | '至')
            && !as_of
            && let Some(y) = clause::leading_year(&norm[..to], k + 1)
        {
            return Some(y);
        }
        if let Some(y) = clause::leading_year(&norm[..to], k)
            && ["年底前", "年前", "年末前"]
                .iter()
                .any(|w| matches_at(&norm[..to], k + 4, w))
        {
            return Some(y);
        }
    }
    five_year_plan_end(norm, from, to)
}

/// The last year of a five-year plan named in the text (十四五 → 2025, 十五五 → 2030).
fn five_year_plan_end(norm: &[char], from: usize, to: usize) -> Option<u16> {
    const PLANS: &[(&str, u16)] = &[
        ("十三五", 2020),
        ("十四五", 2025),
        ("十五五", 2030),
        ("十六五", 2035),
    ];
    (from..to).find_map(|k| {
        PLANS
            .iter()
            .find(|(w, _)| matches_at(&norm[..to], k, w))
            .map(|&(_, y)| y)
    })
}

/// Is a news sentence a commitment (`Some(true)`), a report (`Some(false)`) or neither?
/// A year before the document's year, or a report cue, reports; a commitment cue, or a
/// deadline at or after the document's year, commits. A report cue wins inside one sentence:
/// 截至2024年底…已达到 is a result even with 达到.
fn news_modality(norm: &[char], from: usize, to: usize, year: Option<u16>) -> Option<bool> {
    // 与2020年相比, 比2020年, 较2020年: a comparison base, not the time of the statement.
    let past_year = first_year(norm, from, to).is_some_and(|(k, y)| {
        year.is_some_and(|doc| y < doc)
            && !(k > from && matches!(norm[k - 1], '到' | '至' | '与' | '比' | '较' | '同'))
            && !matches_at(norm, k + 5, "相比")
    });
    let past_plan = five_year_plan_end(norm, from, to).is_some_and(|y| year.is_some_and(|d| y < d));
    let reported = past_year || past_plan || contains_any(norm, from, to, REPORT_CUES);
    let future_deadline = deadline_in(norm, from, to).is_some_and(|y| year.is_none_or(|d| y >= d));
    let committed = future_deadline
        || COMMITMENT_CUES
            .iter()
            .any(|w| contains_any(norm, from, to, &[w]));
    if reported && !future_deadline {
        Some(false)
    } else if committed {
        Some(true)
    } else {
        None
    }
}

/// The year a result is reported for: a year the sentence names (not a deadline), 去年 → the
/// year before the document's, else the document's year (a review part: the year before the
/// plan year).
fn result_year(norm: &[char], from: usize, to: usize, mode: Mode, review: bool) -> Option<u16> {
    if let Some((_, y)) = first_year(norm, from, to)
        && mode.plan_year.is_none_or(|d| y <= d)
    {
        return Some(y);
    }
    if contains_any(norm, from, to, &["去年", "上年"]) || (review && !mode.news) {
        return mode.plan_year.map(|y| y - 1);
    }
    mode.plan_year
}

/// The extractor proper, on the analysis view (simplified, folded, wraps joined; `view.orig`
/// as written). Offsets in the result are view offsets.
fn extract_view(view: &View<'_>, mode: Mode) -> (Vec<Target>, Vec<Target>) {
    let plan_year = mode.plan_year;
    let norm = &view.norm;
    let chars = view;
    let quoted = clause::quoted(norm);
    let mut quantities = scan(norm, chars, &quoted);
    // Category thresholds (亿元以上重点项目, 65岁以上老年人) are part of a noun: they neither
    // count as targets nor split items, so they leave the list before items are formed.
    quantities.retain(|q| !q.threshold);
    // A work report opens with the review of the past year(s) until its plan part begins.
    let clauses = clause::clauses(norm, plan_year, mode.starts_in_review);
    // Sentence extents, for cues that govern a whole sentence.
    let mut sentence_span: Vec<(usize, usize)> = Vec::new();
    for cl in &clauses {
        if sentence_span.len() <= cl.sentence {
            sentence_span.resize(cl.sentence + 1, (cl.start, cl.end));
        }
        sentence_span[cl.sentence].1 = cl.end;
    }
    let mut out = Vec::new();
    let mut results = Vec::new();
    let mut q = 0;
    let mut last: Option<(usize, String, Carry)> = None; // (sentence, indicator, carry)
    // A sentence that reports last year's results (去年…达到45万辆，同比增长60%) stays in
    // the past until a clause turns to this year (今年, 力争).
    let mut reported_sentence: Option<usize> = None;
    // News: whether the text is committing (a sentence without cues keeps the state of the
    // one before it, so the items of an announced list stay targets); starts as reporting.
    let mut committed = false;
    let mut modality_sentence = usize::MAX;
    // The deadline that governs the paragraph so far (到2025年…；到2027年…).
    let mut deadline: Option<u16> = None;
    let mut prev_end = 0;
    let mut year_cache: (usize, Option<u16>) = (usize::MAX, None);
    let mut news_year: Option<u16> = None;
    for cl in &clauses {
        // A deadline governs its paragraph; headings and list lines without a full stop
        // (二、“十五五”时期主要目标\n…\n…) pass it on to the lines under them.
        let gap = &norm[prev_end.min(cl.start)..cl.start];
        if gap.contains(&'\n') && gap.iter().any(|&c| matches!(c, '。' | '！' | '？')) {
            deadline = None;
        }
        prev_end = cl.end;
        if let Some(y) = deadline_in(norm, cl.start, cl.end) {
            deadline = Some(y);
        }
        if mode.news && modality_sentence != cl.sentence {
            modality_sentence = cl.sentence;
            let (s, e) = sentence_span[cl.sentence];
            if let Some(m) = news_modality(norm, s, e, plan_year) {
                committed = m;
                // 确定2024年民生实事项目…: the year a committing sentence names is the year
                // its list is for, when the document states none.
                if m && let Some((_, y)) = first_year(norm, s, e) {
                    news_year = Some(y);
                }
            }
        }
        // A sentence that opens with 其中 breaks down the total of the sentence before it: a
        // reported stock (截至2021年底…装机4443万千瓦。其中，风电1547万千瓦) stays reported.
        if reported_sentence.is_some_and(|s| s + 1 == cl.sentence) && {
            let k = (cl.start..cl.end)
                .find(|&k| !norm[k].is_whitespace())
                .unwrap_or(cl.end);
            matches_at(norm, k, "其中")
        } {
            reported_sentence = Some(cl.sentence);
        }
        if reported_sentence.is_some_and(|s| s != cl.sentence)
            || contains_any(norm, cl.start, cl.end, lx::PLAN_CUES)
        {
            reported_sentence = None;
        }
        if mentions_past(norm, cl.start, cl.end)
            || names_past_year(norm, cl.start, cl.end, plan_year)
        {
            reported_sentence = Some(cl.sentence);
        }
        let reported = reported_sentence == Some(cl.sentence);
        while q < quantities.len() && quantities[q].num_start < cl.start {
            q += 1;
        }
        let first = q;
        while q < quantities.len() && quantities[q].num_start < cl.end {
            q += 1;
        }
        if first == q {
            continue;
        }
        let past_clause = Clause {
            // News: the sentence's own cues decide (a report's review headings do not apply).
            past: if mode.news {
                reported || !committed
            } else {
                cl.past || reported
            },
            ..cl.clone()
        };
        let (t0, r0) = (out.len(), results.len());
        process_clause(
            norm,
            chars,
            &past_clause,
            &quantities[first..q],
            &mut last,
            &mut out,
            &mut results,
        );
        for t in &mut out[t0..] {
            t.year = deadline.or(plan_year).or(news_year);
        }
        if results.len() > r0 {
            // Once per sentence: a sentence of many clauses must not be rescanned for each.
            if year_cache.0 != cl.sentence {
                let (s, e) = sentence_span[cl.sentence];
                year_cache = (cl.sentence, result_year(norm, s, e, mode, cl.past));
            }
            for r in &mut results[r0..] {
                r.year = year_cache.1;
            }
        }
    }
    // A result needs something it measures: a bare figure in a table row (480, 210%) is not one.
    results.retain(|r| !r.indicator.is_empty());
    (out, results)
}

/// Does `norm[from..to]` date what it states in a year before the plan year (截至2024年底,
/// 2023年…建成)? A year that is a comparison base (比2020年), a starting point (从2020年) or
/// a deadline (到2027年, 2025年底前) does not date the statement.
fn names_past_year(norm: &[char], from: usize, to: usize, plan_year: Option<u16>) -> bool {
    let Some(plan) = plan_year else {
        return false;
    };
    (from..to).any(|k| {
        let fresh = k == 0 || !norm[k - 1].is_ascii_digit();
        fresh
            && clause::leading_year(&norm[..to], k).is_some_and(|y| y < plan)
            && !(k > from
                && matches!(
                    norm[k - 1],
                    '比' | '较' | '到' | '至' | '从' | '于' | '在' | '与' | '同'
                )
                && !(k > from + 1 && matches!(norm[k - 2], '截' | '止')))
            && !["底前", "年底前", "前", "基础上", "相比"]
                .iter()
                .any(|w| matches_at(norm, k + 5, w))
    })
}

/// Does `norm[from..to]` mention last year as the time of what it states (去年, 同比, 上年同期)?
/// 比去年 / 较去年 compare with last year and are fine in a plan.
fn mentions_past(norm: &[char], from: usize, to: usize) -> bool {
    (from..to).any(|k| {
        let compared = k > 0 && matches!(norm[k - 1], '比' | '较');
        (!compared && (matches_at(&norm[..to], k, "去年") || matches_at(&norm[..to], k, "上一年")))
            || matches_at(&norm[..to], k, "同比")
            || matches_at(&norm[..to], k, "上年同期")
    })
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Separators between items of a clause: the enumeration comma and conjunctions.
fn item_separator_len(chars: &[char], i: usize) -> Option<usize> {
    // 、 separates list items; an opening parenthesis starts an aside (新增学位1万个（其中
    // 公办学位8000个）).
    if matches!(chars.get(i), Some('、' | '(' | '（')) {
        return Some(1);
    }
    longest_at(chars, i, &["以及", "和", "及", "与", "并"])
}

/// The separator that ends the item of the quantity ending at `q_end`, searched up to `limit`
/// (`next_is_close`: the next quantity starts at `limit`).
///
/// When the count comes first (新建50个都市型、楼宇型体育场地), its noun may be a coordination:
/// a `、` ends the item only if the next segment brings a count of its own (新建30个社区食堂、
/// 20个托育点). Chinese lists give every item its own number, so a 、 followed by a segment
/// without one joins modifiers or nouns under the same count (中小学、幼儿园97所 likewise).
fn item_end(
    norm: &[char],
    q_end: usize,
    limit: usize,
    next_is_close: bool,
) -> Option<(usize, usize)> {
    let number_first = norm
        .get(q_end)
        .is_some_and(|&c| is_cjk(c) || matches!(c, '“' | '‘' | '"'))
        && item_separator_len(norm, q_end).is_none();
    let mut k = q_end;
    while k < limit {
        if let Some(l) = item_separator_len(norm, k) {
            let joins = number_first && !matches!(norm[k], '(' | '（') && {
                let more = (k + 1..limit).any(|j| item_separator_len(norm, j).is_some());
                !next_is_close || more
            };
            if !joins {
                return Some((k, l));
            }
            k += l;
            continue;
        }
        k += 1;
    }
    None
}

/// Step 1: every quantity in the text.
fn scan(norm: &[char], orig: &View<'_>, quoted: &[bool]) -> Vec<Quantity> {
    let mut out = Vec::new();
    let n = norm.len();
    let mut i = 0;
    while i < n {
        let c = norm[i];
        if matches_at(norm, i, "全覆盖") && !quoted[i] {
            out.push(Quantity {
                num_start: i,
                end: i + 3,
                value: 100.0,
                value_max: None,
                unit: "%".into(),
                written: "%".into(),
                post: Some(Comparator::Ge),
                chinese: false,
                percent: true,
                full_coverage: true,
                threshold: false,
            });
            i += 3;
            continue;
        }
        let arabic = c.is_ascii_digit();
        let chinese = !arabic && is_chinese_numeral(c);
        if !arabic && !chinese {
            i += 1;
            continue;
        }
        let (q, next) = if arabic {
            read_arabic(norm, orig, i)
        } else {
            read_chinese(norm, orig, i)
        };
        i = next.max(i + 1);
        let Some(q) = q else { continue };
        if quoted[q.num_start] || rejected_context(norm, q.num_start, arabic) {
            continue;
        }
        out.push(q);
    }
    out
}

/// Contexts that make a number a code, an ordinal or a rate base rather than a quantity.
fn rejected_context(norm: &[char], start: usize, arabic: bool) -> bool {
    match start.checked_sub(1).map(|p| norm[p]) {
        // G60, 6+5+X, 2024/02, PM2.5, v6.0
        Some(p)
            if arabic
                && (p.is_ascii_alphanumeric()
                    || matches!(p, '+' | '/' | '.' | '#' | '-' | '_')) =>
        {
            true
        }
        // 第三批, 每千人口, 前10, 4号
        Some('第' | '每' | '前' | '号') => true,
        _ => false,
    }
}

/// Is the number ending at `j` the value of a 年限 named just before it (年限提高到11 年)?
fn measures_years(norm: &[char], j: usize) -> bool {
    let mut k = j;
    while k > 0 && (norm[k - 1].is_ascii_digit() || matches!(norm[k - 1], '.' | ' ' | ',')) {
        k -= 1;
    }
    k < j && contains_any(norm, k.saturating_sub(8), k, &["年限"])
}

/// Reads a unit (magnitude, 多/余, classifier, parenthesised alternative) at `j`.
/// Returns (unit string as read in the view, end index, gt-from-多, had classifier or percent,
/// unit as written). Rules look at the first (simplified: 萬→万); the record keeps the second.
fn read_unit(
    norm: &[char],
    orig: &View<'_>,
    mut j: usize,
    magnitude: Option<(String, String)>,
) -> (String, usize, bool, bool, String) {
    let mut unit = String::new();
    let mut written = String::new();
    let mut more = false;
    // 增长 6% 左右: one space between number and unit is a page artifact.
    if norm.get(j) == Some(&' ')
        && (longest_at(norm, j + 1, lx::UNITS).is_some()
            || longest_at(norm, j + 1, lx::MAGNITUDES).is_some())
    {
        j += 1;
    }
    // 40余万户, 10多万人: 余/多 before the magnitude also means "more than".
    if magnitude.is_none()
        && matches!(norm.get(j), Some('多' | '余'))
        && longest_at(norm, j + 1, lx::MAGNITUDES).is_some()
    {
        more = true;
        j += 1;
    }
    if let Some((m, w)) = magnitude {
        unit.push_str(&m);
        written.push_str(&w);
    } else if let Some(len) = longest_at(norm, j, lx::MAGNITUDES).or_else(|| {
        // 兆 is 10^12 where Taiwan's usage is quoted (1.45 兆斤, 30 兆元); 兆瓦 is a unit.
        (norm.get(j) == Some(&'兆')
            && norm.get(j + 1) != Some(&'瓦')
            && norm.get(j + 1) != Some(&'帕'))
        .then_some(1)
    }) {
        // 千瓦 etc. are units, not the magnitude 千; MAGNITUDES has no bare 千 for that reason.
        unit.extend(&norm[j..j + len]);
        written.push_str(&orig.written(j, j + len));
        j += len;
    }
    if matches!(norm.get(j), Some('多' | '余'))
        && norm.get(j + 1).is_some_and(|&c| c != '万' && c != '亿')
    {
        // N万多个, 100余家: more than N.
        let has_unit_after = longest_at(norm, j + 1, lx::UNITS).is_some();
        if has_unit_after || !unit.is_empty() {
            more = true;
            j += 1;
        }
    }
    let mut classified = false;
    // After a magnitude, a Latin unit (15万P, 2亿kW) or 方 (10亿方: cubic metres) is the unit.
    if !unit.is_empty() && longest_at(norm, j, lx::UNITS).is_none() {
        let latin = norm[j..]
            .iter()
            .take(4)
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let len = if (1..=3).contains(&latin) {
            latin
        } else {
            usize::from(norm.get(j) == Some(&'方'))
        };
        if len > 0 {
            unit.extend(&norm[j..j + len]);
            written.push_str(&orig.written(j, j + len));
            j += len;
            return (unit, j, more, true, written);
        }
    }
    // Magnitude and classifier side by side (万吨) are written as one stretch, so that what the
    // view dropped between them stays (萬(wàn)噸).
    // 受教育年限达到10.5年: years are the measure of a 年限 (a span counted in years), not a
    // date or a duration of service.
    if unit.is_empty() && norm.get(j) == Some(&'年') && measures_years(norm, j) {
        unit.push('年');
        written.push_str(&orig.written(j, j + 1));
        return (unit, j + 1, more, true, written);
    }
    let joined_from =
        (!unit.is_empty() && !more && written.chars().count() == unit.chars().count())
            .then(|| j - unit.chars().count());
    if let Some(len) = longest_at(norm, j, lx::UNITS) {
        unit.extend(&norm[j..j + len]);
        written.push_str(&orig.written(j, j + len));
        j += len;
        classified = true;
        // 1.2万套(间): a parenthesised alternative belongs to the unit.
        if norm.get(j) == Some(&'(')
            && norm.get(j + 2) == Some(&')')
            && longest_at(norm, j + 1, lx::UNITS) == Some(1)
        {
            unit.extend(&norm[j..j + 3]);
            written.push_str(&orig.written(j, j + 3));
            j += 3;
        }
    }
    if let Some(from) = joined_from
        && classified
    {
        written = orig.written(from, j);
    }
    // Rates per person or per amount (万元/人, 台/万人, 人/百亿元): the base is part of the unit.
    if classified && norm.get(j) == Some(&'/') {
        let mut k = j + 1;
        while k < norm.len() && k - j <= 2 && matches!(norm[k], '百' | '千' | '万' | '亿') {
            k += 1;
        }
        // Per year, per month (1400万吨/年) too.
        let per_time = ["年", "月", "日", "天"]
            .iter()
            .find(|w| matches_at(norm, k, w) && k == j + 1)
            .map(|_| 1);
        if let Some(len) = longest_at(norm, k, lx::UNITS).or(per_time) {
            unit.extend(&norm[j..k + len]);
            written.push_str(&orig.written(j, k + len));
            j = k + len;
        }
    }
    (unit, j, more, classified, written)
}

/// Reads qualifiers after the unit; returns (comparator, end, threshold).
fn read_post(norm: &[char], j: usize) -> (Option<Comparator>, usize, bool) {
    let j = if norm.get(j) == Some(&' ') && longest_at(norm, j + 1, lx::POST_QUALIFIERS).is_some() {
        j + 1
    } else {
        j
    };
    // 迈上50亿元(新)台阶: the step closes the figure like a qualifier; it reads as at least.
    if let Some(len) = longest_at(norm, j, &["台阶", "新台阶"]) {
        return (Some(Comparator::Ge), j + len, false);
    }
    let Some(len) = longest_at(norm, j, lx::POST_QUALIFIERS) else {
        return (None, j, false);
    };
    let word: String = norm[j..j + len].iter().collect();
    let cmp = match word.as_str() {
        "以上" | "及以上" => Comparator::Ge,
        "左右" | "上下" => Comparator::Approx,
        _ => Comparator::Le,
    };
    let end = j + len;
    // 亿元以上重点项目, 60岁以上老人: 以上/以下 followed by a noun defines a category. 以上水平
    // and 以上的水平 still state the level itself.
    let threshold = matches!(word.as_str(), "以上" | "以下" | "及以上" | "及以下")
        && norm
            .get(end)
            .is_some_and(|&c| is_cjk(c) && !matches!(c, '和' | '及' | '或' | '并'))
        && !matches_at(norm, end, "水平")
        && !matches_at(norm, end, "的水平");
    (Some(cmp), end, threshold)
}

/// A classifier that counts units (个, 家, 人, 人次…) rather than measuring an amount (亿元, 公里).
fn counts_units(unit: &str) -> bool {
    let classifier = unit.trim_start_matches(['万', '亿', '千', '百']);
    lx::COUNT_UNITS.contains(&classifier)
}

/// Classifiers of countable items: `N个以上` + noun still counts the noun.
fn counts_items(unit: &str) -> bool {
    matches!(
        unit,
        "个" | "家"
            | "项"
            | "座"
            | "所"
            | "条"
            | "处"
            | "场"
            | "套"
            | "件"
            | "台"
            | "部"
            | "支"
            | "块"
    )
}

/// A capacity, voltage or area written straight before the name of a project (750千伏输变电
/// 工程, 120万吨乙烯项目, 200万亩高标准农田项目): in Chinese plans such a figure names the
/// project by its size and is no target of its own. Counts (20个…工程) and lengths of what is
/// built (20公里生态绿道) are not affected: the noun must end in a project word before the next
/// break.
fn project_label(norm: &[char], unit: &str, end: usize) -> bool {
    if counts_units(unit) || unit.ends_with('%') || unit.ends_with('元') || unit.ends_with("公里")
    {
        return false;
    }
    if !norm.get(end).is_some_and(|&c| is_cjk(c))
        || longest_at(norm, end, lx::INCREMENT_VERBS).is_some()
    {
        return false;
    }
    let mut k = end;
    while k < norm.len() && k - end < 16 && is_cjk(norm[k])
        || (k < norm.len() && matches!(norm[k], '“' | '”'))
    {
        k += 1;
    }
    ["项目", "工程", "机组", "电站", "基地", "装置", "通道"]
        .iter()
        .any(|w| lx::ends_with_at(norm, k, w).is_some() || contains_any(norm, end, k, &[w]))
}

/// Units whose amount, put before a noun, defines a class of it (5000万元项目, 65岁老人).
fn labels_class(unit: &str) -> bool {
    unit.ends_with('元') || unit.ends_with('岁')
}

/// An amount of money (or an age) directly followed by a noun names a class (亿元级项目, 百亿元企业,
/// 5000万元项目), not a target; a verb or a boundary after it is fine.
fn money_label(norm: &[char], end: usize) -> bool {
    // 迈上50亿元(新)台阶: the step is the level reached, not a class of things.
    if matches_at(norm, end, "台阶") || matches_at(norm, end, "新台阶") {
        return false;
    }
    norm.get(end).is_some_and(|&c| {
        is_cjk(c)
            && !matches!(
                c,
                '和' | '及' | '或' | '并' | '等' | '用' | '以' | '为' | '左' | '上'
            )
            && longest_at(norm, end, lx::INCREMENT_VERBS).is_none()
            && longest_at(norm, end, lx::STOCK_VERBS).is_none()
    }) || matches_at(norm, end, "级")
}

fn is_range_sep(c: char) -> bool {
    matches!(c, '~' | '-' | '—' | '–' | '至' | '到' | '〜')
}

/// Step 1 for Arabic numbers: number, optional range, unit, qualifier.
fn read_arabic(norm: &[char], orig: &View<'_>, i: usize) -> (Option<Quantity>, usize) {
    let Some((value, mut j)) = parse_arabic(norm, i) else {
        let mut k = i;
        while k < norm.len() && (norm[k].is_ascii_digit() || norm[k] == '.' || norm[k] == ',') {
            k += 1;
        }
        return (None, k);
    };
    let after_number = j;
    // 1.2万—1.5万个: a range whose bounds both carry the magnitude.
    if let Some(m) = longest_at(norm, j, lx::MAGNITUDES)
        && norm.get(j + m).is_some_and(|&c| is_range_sep(c))
        && norm.get(j + m + 1).is_some_and(char::is_ascii_digit)
        && let Some((max, k)) = parse_arabic(norm, j + m + 1)
        && max > value
        && norm.get(k..k + m) == norm.get(j..j + m)
    {
        let (unit, k2, _, _, written) = read_unit(norm, orig, k, None);
        let (_, end, threshold) = read_post(norm, k2);
        let label = labels_class(&unit) && money_label(norm, end);
        let q = Quantity {
            num_start: i,
            end,
            value,
            value_max: Some(max),
            unit,
            written,
            post: Some(Comparator::Range),
            chinese: false,
            percent: false,
            full_coverage: false,
            threshold: threshold || label,
        };
        return (Some(q), end);
    }
    let mut value_max = None;
    let mut early_percent = false;
    // 5%-6%: the first unit is repeated after the second number.
    if norm.get(j) == Some(&'%')
        && norm.get(j + 1).is_some_and(|&c| is_range_sep(c))
        && norm.get(j + 2).is_some_and(char::is_ascii_digit)
    {
        early_percent = true;
        j += 1;
    }
    if norm.get(j).is_some_and(|&c| is_range_sep(c))
        && norm.get(j + 1).is_some_and(char::is_ascii_digit)
        && let Some((max, k)) = parse_arabic(norm, j + 1)
        && max > value
    {
        value_max = Some(max);
        j = k;
    } else if early_percent {
        j = after_number;
    }
    // Codes: 5G, 6+5+X, 3D; an ASCII unit (GW, TEU) is fine.
    if norm
        .get(j)
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == '+')
        && longest_at(norm, j, lx::UNITS).is_none()
    {
        return (None, j);
    }
    let (unit, k, more, classified, written) = read_unit(norm, orig, j, None);
    if unit.is_empty() || (!classified && unit.chars().all(|c| c == '千' || c == '百')) {
        return (None, j);
    }
    let (post, end, threshold) = read_post(norm, k);
    // 10个以上千亿级产业集群 counts clusters; 亿元以上项目 and 60岁以上老人 define a class.
    let threshold = (threshold && !counts_items(&unit))
        || (labels_class(&unit) && money_label(norm, end))
        || project_label(norm, &unit, end);
    // 倍 behaves like a percentage: 增长1倍 is a growth.
    let percent = unit.ends_with('倍')
        || unit.ends_with('%')
        || unit.ends_with('％')
        || unit.ends_with("百分点")
        || unit.ends_with('‰');
    let post = if value_max.is_some() {
        Some(Comparator::Range)
    } else if more && post.is_none() {
        Some(Comparator::Gt)
    } else {
        post
    };
    let q = Quantity {
        num_start: i,
        end,
        value,
        value_max,
        unit,
        written,
        post,
        chinese: false,
        percent,
        full_coverage: false,
        threshold,
    };
    (Some(q), end)
}

/// Step 1 for Chinese numerals (新增百项, 一至两家, 两万人).
fn read_chinese(norm: &[char], orig: &View<'_>, i: usize) -> (Option<Quantity>, usize) {
    // Only read at the start of a numeral run; a magnitude after an Arabic number (25 亿元)
    // belongs to that number.
    let after_digit = i > 0
        && (norm[i - 1].is_ascii_digit()
            || (norm[i - 1] == ' ' && i > 1 && norm[i - 2].is_ascii_digit()));
    if after_digit || (i > 0 && is_chinese_numeral(norm[i - 1])) {
        let mut k = i;
        while k < norm.len() && is_chinese_numeral(norm[k]) {
            k += 1;
        }
        return (None, k);
    }
    let Some(num) = parse_chinese(norm, i) else {
        let mut k = i;
        while k < norm.len() && is_chinese_numeral(norm[k]) {
            k += 1;
        }
        return (None, k);
    };
    if num.compound_bare {
        // 超百亿元, 千亿元: a compound magnitude before 元 is an amount; before anything else
        // (百亿企业, 千亿县) it names a category.
        let run: String = norm[i..num.end].iter().collect();
        let value = match run.as_str() {
            "百亿" | "百万" => 100.0,
            "千亿" | "千万" => 1000.0,
            "万亿" => 1.0,
            _ => return (None, num.end),
        };
        let money = ["元", "美元"].iter().find(|w| matches_at(norm, num.end, w));
        let Some(money) = money else {
            return (None, num.end);
        };
        let mag: String = norm[i + usize::from(value > 1.0)..num.end].iter().collect();
        let mag_written = orig.written(i + usize::from(value > 1.0), num.end);
        let money_written = orig.written(num.end, num.end + money.chars().count());
        let end_unit = num.end + money.chars().count();
        let (post, end, threshold) = read_post(norm, end_unit);
        let q = Quantity {
            num_start: i,
            end,
            value,
            value_max: None,
            unit: format!("{mag}{money}"),
            written: format!("{mag_written}{money_written}"),
            post,
            chinese: false,
            percent: false,
            full_coverage: false,
            threshold: threshold || money_label(norm, end),
        };
        return (Some(q), end);
    }
    let mut j = num.end;
    let mut value_max = None;
    // The magnitude as read and as written (兩萬 → 万, 萬).
    let written_of = |m: &Option<String>, end: usize| {
        m.as_ref().map(|m| {
            let n = m.chars().count();
            (m.clone(), orig.written(end - n, end))
        })
    };
    let mut magnitude = written_of(&num.magnitude, num.end);
    if !num.bare
        && magnitude.is_none()
        && norm.get(j).is_some_and(|&c| is_range_sep(c))
        && let Some(max) = parse_chinese(norm, j + 1)
        && !max.bare
        && !max.compound_bare
        && max.value > num.value
    {
        value_max = Some(max.value);
        magnitude = written_of(&max.magnitude, max.end);
        j = max.end;
    }
    let (unit, k, more, classified, written) = read_unit(norm, orig, j, magnitude);
    if !classified {
        // A Chinese numeral needs a classifier: 两万 alone, 三大, 十四五 are not quantities.
        return (None, k.max(num.end));
    }
    // 千家万户, 千方百计: a bare magnitude next to another numeral is an idiom.
    if num.bare
        && (norm.get(k).is_some_and(|&c| is_chinese_numeral(c))
            || (i >= 2 && is_chinese_numeral(norm[i - 2])))
    {
        return (None, k);
    }
    let (post, end, threshold) = read_post(norm, k);
    let threshold = threshold || project_label(norm, &unit, end);
    let post = if value_max.is_some() {
        Some(Comparator::Range)
    } else if more && post.is_none() {
        Some(Comparator::Gt)
    } else {
        post
    };
    let percent = unit.ends_with("百分点");
    let q = Quantity {
        num_start: i,
        end,
        value: num.value,
        value_max,
        unit,
        written,
        post,
        chinese: !num.bare,
        percent,
        full_coverage: false,
        threshold,
    };
    (Some(q), end)
}

/// What the left-to-right and right-to-left reads of an item's prefix found.
#[derive(Debug, Default)]
struct Prefix {
    /// Where the span starts (the hedge if it opens the item, else after adverbials).
    span_start: usize,
    /// Where the indicator starts (after hedge, adverbs and verbs).
    core_start: usize,
    /// Where the indicator ends (before cue words such as 突破, 增长).
    core_end: usize,
    verb: Option<VerbClass>,
    /// Where the first verb starts, for putting it back (开行列数).
    verb_start: usize,
    continuing: bool,
    continuing_verb: bool,
    qizhong: bool,
    past: bool,
    /// Comparator from a cue word before the number.
    cue_comparator: Option<Comparator>,
    /// A rate-of-change word governs the number (增长6%).
    growth: bool,
    /// A reach/keep word governs the number (突破, 保持, 提升至).
    level: bool,
    /// An increment verb stands after the subject (高新技术企业净增200家).
    increment_cue: bool,
}

/// Length of a deadline such as `到2029年`, `2025年底前`, `至2027年末` at `i`.
fn time_phrase_len(norm: &[char], i: usize) -> Option<usize> {
    let lead = usize::from(matches!(norm.get(i), Some('到' | '至')));
    clause::leading_year(norm, i + lead)?;
    let mut len = lead + 5;
    if let Some(l) = longest_at(
        norm,
        i + len,
        &["年底前", "年底", "年末", "底前", "底", "末", "前"],
    ) {
        len += l;
    }
    Some(len)
}

/// Step 3: reads the prefix `[start, num_start)` of an item.
fn read_prefix(norm: &[char], start: usize, num_start: usize) -> Prefix {
    let mut p = Prefix {
        span_start: start,
        ..Prefix::default()
    };
    let mut i = start;
    let mut hedge_at = None;
    // Left to right: whitespace, list markers, 其中, adverbials and hedges, in any order.
    loop {
        let before = i;
        while i < num_start
            && (norm[i].is_whitespace() || matches!(norm[i], '(' | '（' | ')' | '）'))
        {
            i += 1;
        }
        // 1. （三） 一、 and bullets, circled numbers, 一是/五是: enumerators, not words.
        let m = list_marker_len(norm, i).max(crate::view::enumerator_len(norm, i));
        if m > 0 && i + m <= num_start {
            i += m;
        }
        if let Some(len) = time_phrase_len(norm, i).filter(|&l| i + l <= num_start) {
            // 到2029年, 2025年底前: the deadline is not part of the indicator (schema §3).
            i += len;
        } else if let Some(len) =
            longest_at(norm, i, &["已经", "已"]).filter(|&l| i + l <= num_start)
        {
            // 已建成…: already achieved, not a commitment.
            p.past = true;
            i += len;
        } else if let Some(len) =
            longest_at(norm, i, &["其中", "包括", "包含", "含"]).filter(|&l| i + l <= num_start)
        {
            // 其中 / (含…): a part of the previous total, which shares its verb.
            p.qizhong = true;
            i += len;
        } else if let Some(len) = longest_at(norm, i, lx::HEDGES).filter(|&l| i + l <= num_start) {
            hedge_at.get_or_insert(i);
            i += len;
        } else if let Some(len) = opening_frame_len(norm, i, num_start) {
            // 正常年景下, “十五五”时期, 通过…/在…+verb: a frame that sets the condition, period,
            // means or place of the work opens the sentence; the clause (and its span) starts
            // after it, so a hedge before the frame no longer opens the span.
            hedge_at = None;
            i += len;
        } else if let Some(len) = longest_at(norm, i, lx::ADVERBS)
            .filter(|&l| i + l <= num_start)
            .filter(|&l| !matches_at(norm, i, "年度") || l > 2 || verb_at(norm, i + l))
        {
            // 年度 dates a verb (年度完成投资) but names a noun's period (年度投资计划): before
            // a noun it is part of the indicator.
            let w: String = norm[i..i + len].iter().collect();
            if lx::CONTINUING_ADVERBS.contains(&w.as_str()) {
                p.continuing = true;
            }
            i += len;
        }
        if i == before {
            break;
        }
    }
    // The span keeps a hedge that opens the item (力争网上零售额…) but not the adverbials
    // (高质量, 全年) nor 其中 (schema §3).
    p.span_start = hedge_at.unwrap_or(i);
    // Verbs: the first verb decides the class; chain verbs may follow (新建改造).
    p.verb_start = i;
    // 新 + verb (新创建, 新培育) reads as the verb.
    let inc = longest_at(norm, i, lx::INCREMENT_VERBS)
        .or_else(|| {
            (norm.get(i) == Some(&'新'))
                .then(|| longest_at(norm, i + 1, lx::INCREMENT_VERBS).map(|l| l + 1))
                .flatten()
        })
        .filter(|&l| i + l <= num_start);
    let stock = longest_at(norm, i, lx::STOCK_VERBS).filter(|&l| i + l <= num_start);
    let level = longest_at(norm, i, lx::LEVEL_VERBS).filter(|&l| i + l <= num_start);
    let best = [
        (inc, VerbClass::Increment),
        (stock, VerbClass::Stock),
        (level, VerbClass::Level),
    ]
    .into_iter()
    .filter_map(|(l, c)| l.map(|l| (l, c)))
    .max_by_key(|&(l, c)| (l, c == VerbClass::Stock));
    if let Some((len, class)) = best {
        let w: String = norm[i..i + len].iter().collect();
        p.continuing_verb = lx::CONTINUING_VERBS.contains(&w.as_str());
        p.verb = Some(class);
        i += len;
        loop {
            if let Some(l) = longest_at(norm, i, lx::CHAIN_VERBS).filter(|&l| i + l <= num_start) {
                i += l;
                continue;
            }
            // 新建和改造提升, 新建、更新, 实施并完成: a second verb joined by 和/、/并.
            if matches!(norm.get(i), Some('和' | '、' | '及' | '并'))
                && let Some(l) = longest_at(norm, i + 1, lx::INCREMENT_VERBS)
                    .or_else(|| longest_at(norm, i + 1, lx::CHAIN_VERBS))
                    .or_else(|| crate::words::lead_len(norm, i + 1))
                    .filter(|&l| i + 1 + l <= num_start)
            {
                i += 1 + l;
                continue;
            }
            break;
        }
        if norm.get(i) == Some(&'了') {
            p.past = true;
            i += 1;
        }
    }
    p.core_start = i;
    // Right to left: cue words right before the number.
    let mut e = num_start;
    let mut first_cue = true;
    while e > p.core_start {
        if norm[e - 1].is_whitespace() {
            e -= 1;
            continue;
        }
        let Some(cue) = lx::PRE_CUES
            .iter()
            .filter(|c| lx::ends_with_at(norm, e, c.word).is_some_and(|l| e - l >= p.core_start))
            .max_by_key(|c| c.word.chars().count())
        else {
            if norm[e - 1] == '了' {
                p.past = true;
                e -= 1;
                continue;
            }
            break;
        };
        let len = cue.word.chars().count();
        if lx::INCREMENT_VERBS.contains(&cue.word) {
            p.increment_cue = true;
        }
        if p.cue_comparator.is_none() {
            p.cue_comparator = cue.comparator;
        }
        // Only the cue next to the number (after comparators like 达) decides growth: in
        // 提升至80% the 至 makes it a level, in 增长达10% 增长 still governs.
        if cue.growth && (first_cue || p.cue_comparator.is_some()) {
            p.growth = true;
        }
        if cue.level {
            p.level = true;
        }
        first_cue = false;
        e -= len;
    }
    // A comparison base (比2020年, 较“十三五”末) or a deadline (到2025年) between the subject and
    // the cue says when, not what: it leaves the indicator.
    while let Some(b) = trailing_base(norm, p.core_start, e) {
        e = b;
    }
    // 由/从 + a starting value before the cue (保费由每人5元提高至10元): the value it starts
    // from is no part of the indicator, which ends before 由.
    if let Some(k) = (p.core_start + 1..e)
        .filter(|_| p.cue_comparator.is_some() || p.level || p.growth)
        .find(|&k| {
            matches!(norm[k], '由' | '从') && norm[k + 1..e].iter().any(|c| c.is_ascii_digit())
        })
    {
        e = k;
    }
    p.core_end = e;
    p
}

/// Does a verb of the cue lists (increment, level or stock) start at `i`?
fn work_verb_at(norm: &[char], i: usize) -> bool {
    [lx::INCREMENT_VERBS, lx::LEVEL_VERBS, lx::STOCK_VERBS]
        .iter()
        .any(|list| longest_at(norm, i, list).is_some())
}

/// Length of an opening frame at `i` that ends before the number at `num_start`:
/// - a condition or period: a short noun phrase closed by 情况下/条件下/年景下/前提下/背景下
///   or 时期/期间/期内 (正常年景下, “十五五”时期, 规划期内);
/// - a means or place: 通过/依托/借助/利用/在 (also after 优先/重点) + a phrase up to the work
///   verb (通过以工代赈发放…, 优先在边境村新建…). A number inside the phrase (在300个小区设置)
///   belongs to the target, so the phrase holds no digit; 在建/在校 are adjectives, not frames;
/// - a manner adverbial 分A分B (分区分类, 分期分批) before a verb.
fn opening_frame_len(norm: &[char], i: usize, num_start: usize) -> Option<usize> {
    let plain = |k: usize| {
        let c = norm[k];
        is_cjk(c) || matches!(c, '“' | '”' | '"' | '《' | '》')
    };
    // A condition or period.
    let mut k = i;
    while k < num_start && k < i + 12 && plain(k) {
        if let Some(l) = [
            "情况下",
            "条件下",
            "年景下",
            "前提下",
            "背景下",
            "时期",
            "期间",
            "期内",
        ]
        .iter()
        .find(|w| matches_at(norm, k, w))
        .map(|w| w.chars().count())
        .filter(|&l| k > i && k + l < num_start)
        {
            return Some(k + l - i);
        }
        k += 1;
    }
    // 分区分类建设: the manner adverbial before a verb.
    if norm.get(i) == Some(&'分')
        && norm.get(i + 2) == Some(&'分')
        && (i..i + 4).all(|k| k < num_start && is_cjk(norm[k]))
        && work_verb_at(norm, i + 4)
    {
        return Some(4);
    }
    // A means or place up to the work verb.
    let lead = longest_at(norm, i, &["优先", "重点"]).unwrap_or(0);
    let prep = longest_at(norm, i + lead, &["通过", "依托", "借助", "利用", "在"])?;
    let from = i + lead + prep;
    if matches!(
        norm.get(from),
        Some('建' | '校' | '园' | '线' | '岗' | '职' | '编')
    ) {
        return None;
    }
    let mut k = from + 1;
    while k < num_start && k < from + 16 && (plain(k) || norm[k] == '、') {
        if work_verb_at(norm, k) {
            return Some(k - i);
        }
        k += 1;
    }
    None
}

/// Does a cue-list verb or hedge start at `i`?
fn verb_at(norm: &[char], i: usize) -> bool {
    [
        lx::INCREMENT_VERBS,
        lx::LEVEL_VERBS,
        lx::STOCK_VERBS,
        lx::HEDGES,
        lx::ADVERBS,
    ]
    .iter()
    .any(|list| longest_at(norm, i, list).is_some())
}

/// Start of a comparison base or deadline that ends the stretch `[from, end)`: 比/较 + a year,
/// a named period (“十三五”末) or 同期, or 到/至 + a year.
fn trailing_base(norm: &[char], from: usize, end: usize) -> Option<usize> {
    let lo = end.saturating_sub(12).max(from);
    let k = (lo..end)
        .rev()
        .find(|&k| matches!(norm[k], '比' | '较' | '到' | '至'))?;
    let rest = &norm[k + 1..end];
    let year = clause::leading_year(norm, k + 1).is_some()
        && (5..=7).contains(&rest.len())
        && rest[5..]
            .iter()
            .all(|c| matches!(c, '末' | '底' | '初' | '同' | '期' | '水' | '平' | '的'));
    let period = matches!(norm[k], '比' | '较')
        && (rest.ends_with(&['末']) || rest.ends_with(&['同', '期']))
        && rest.len() <= 10;
    (year || period).then_some(k)
}

/// Removes whitespace and stray punctuation from an indicator.
fn clean_indicator(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    while out.ends_with(['的', '、', '(', '（']) {
        out.pop();
    }
    while out.starts_with(['的', '、', ')', '）', '为', '对']) {
        out.remove(0);
    }
    out
}

/// Step 2–4 for one clause.
fn process_clause(
    norm: &[char],
    orig: &View<'_>,
    cl: &Clause,
    qs: &[Quantity],
    last: &mut Option<(usize, String, Carry)>,
    out: &mut Vec<Target>,
    results: &mut Vec<Target>,
) {
    let clause_first = out.len();
    let mut prev_carry: Option<Carry> = None;
    let mut item_start = cl.start;
    let mut first_item = true;
    // A hedge reaches from where it stands to the end of the clause (schema §8); 争创 counts
    // only when it opens the item itself (checked below).
    let hedge_pos = (cl.start..cl.end).find(|&k| {
        lx::HEDGES
            .iter()
            .any(|h| *h != "争创" && matches_at(&norm[..cl.end], k, h))
    });
    for (idx, q) in qs.iter().enumerate() {
        let next_start = qs.get(idx + 1).map_or(cl.end, |n| n.num_start);
        // The next separator after this quantity, before the next quantity.
        let limit = next_start.min(q.end + WINDOW).min(cl.end);
        let sep = item_end(
            norm,
            q.end,
            limit,
            next_start < cl.end && limit == next_start,
        );
        // A following quantity in the same item makes this one a modifier: 200亿产业链1个,
        // 10亿元以上工业项目30个, 由5%提高到8%.
        let followed = idx + 1 < qs.len()
            && sep.is_none()
            && next_start < cl.end
            && next_start - q.end <= WINDOW;
        if followed && !q.full_coverage {
            // The modifier stays inside the next item's prefix (实施亿元以上重点项目2200个).
            continue;
        }
        let this_start = item_start.max(q.num_start.saturating_sub(WINDOW));
        item_start = match sep {
            Some((k, l)) => k + l,
            None => q.end,
        };
        // The item ends at the separator (or clause end); percentages take no trailing noun.
        let tail_end = match sep {
            Some((k, _)) => k,
            None => limit,
        };
        let tail_end = if q.percent {
            q.end
        } else {
            trim_end(norm, q.end, tail_end)
        };
        // For the first item, a later 、 followed by a verb starts a new item.
        let start = if first_item {
            verb_item_start(norm, this_start, q.num_start)
        } else {
            this_start
        };
        let is_first = first_item;
        first_item = false;
        let p = read_prefix(norm, start, q.num_start);
        let tail: String = norm[q.end..tail_end].iter().collect();
        let tail_nonempty = !tail.trim().is_empty();
        // The carry from the previous item applies when this item has no verb of its own.
        // 新建绿道20公里，30个健身苑点、2片足球场: a count that opens a clause with no verb of
        // its own continues the list of the clause before, in the same sentence.
        let bare_count = p.core_end <= p.core_start && tail_nonempty;
        let inherited = if p.verb.is_none() {
            if !is_first {
                prev_carry
            } else if p.qizhong || bare_count {
                last.as_ref().filter(|l| l.0 == cl.sentence).map(|l| l.2)
            } else {
                None
            }
        } else {
            None
        };
        // A stock verb (用好, 运营, 服务) operates on a number of existing units. An amount after
        // it (服务进出口1000亿元, 运营里程593公里) measures the noun phrase the verb belongs to,
        // and a count of service events (人次, 场次) is work done in the period, not stock.
        let stock_governs = counts_units(&q.unit) && !q.unit.ends_with("次");
        let stock = (p.verb == Some(VerbClass::Stock) || inherited.is_some_and(|c| c.stock))
            && stock_governs;
        let mut verb = p.verb;
        let mut core_start = p.core_start;
        if p.verb == Some(VerbClass::Stock) && !stock_governs {
            verb = if q.unit.ends_with("次") {
                Some(VerbClass::Increment)
            } else {
                None
            };
            if !q.unit.ends_with("次") {
                core_start = p.verb_start;
            }
        }
        // V + N + noun (对接千项技术产品): a short verb-like prefix before a counted object.
        // 为50万学生开展…, 对1000户…改造: a beneficiary count is work done in the period.
        let beneficiary = matches!(norm.get(p.verb_start), Some('为' | '对' | '向'));
        if verb.is_none() && tail_nonempty && beneficiary {
            verb = Some(VerbClass::Increment);
        }
        if verb.is_none() && tail_nonempty && !q.percent && inherited.is_none() {
            let len = p.core_end.saturating_sub(p.core_start);
            let has_list = (p.core_start..p.core_end).any(|k| matches!(norm[k], '等' | '、'));
            // 全市1.2万名干部职工: a scope word is not a verb.
            let scope = contains_any(
                norm,
                p.core_start,
                p.core_end,
                &["全", "我", "本", "该", "各"],
            );
            if (1..=2).contains(&len) && !has_list && !scope {
                verb = Some(VerbClass::Increment);
                core_start = p.core_end;
            }
        }
        // No verb from the cue lists: let the tagger and the learned lead words find where
        // the indicator starts (打通断头路, 同步建成配套充电桩, 在…公共场所配置除颤器).
        // A subject followed by a level or rate cue (抽水蓄能装机达到…) opens with a noun,
        // whatever its first word looks like.
        let subject_cue = p.level || p.growth || p.cue_comparator.is_some();
        if p.verb == Some(VerbClass::Increment)
            && core_start == p.core_start
            && let Some(cut) = crate::words::chain_cut(norm, core_start, p.core_end, tail_nonempty)
        {
            core_start = cut;
        }
        if p.verb.is_none()
            && core_start == p.core_start
            && !subject_cue
            // 为3万名学生开展…: the beneficiary after the number is kept (schema §4).
            && !(beneficiary && tail_nonempty && p.core_end <= p.verb_start + 1)
            && let Some((cut, class)) = crate::words::lead_cut(norm, core_start, p.core_end)
        {
            core_start = cut;
            if verb.is_none() && inherited.is_none() {
                verb = Some(match class {
                    crate::words::LeadClass::Increment => VerbClass::Increment,
                    crate::words::LeadClass::Stock => VerbClass::Stock,
                    crate::words::LeadClass::Level => VerbClass::Level,
                });
            }
        }
        // 开行列数: the verb belongs to a generic measure noun.
        let core_len = p.core_end.saturating_sub(core_start);
        if p.verb == Some(VerbClass::Increment)
            && !tail_nonempty
            && (1..=2).contains(&core_len)
            && lx::MEASURE_TAILS.contains(&norm[p.core_end - 1])
        {
            core_start = p.verb_start;
        }
        let core_range = core_start..p.core_end.max(core_start);
        let has_deng = core_range.clone().any(|k| norm[k] == '等');
        // 推动呼和浩特、鄂尔多斯、满洲里3个综保区高质量发展: named units counted after a
        // promoting verb are existing ones (like 加快建设…等4个大装置).
        let named = (core_range.start..core_range.end).any(|k| norm[k] == '、');
        let promoting = ["推进", "推动", "支持", "构建", "深化", "提升"]
            .iter()
            .any(|w| matches_at(norm, p.verb_start, w));
        let continuing = (named && promoting && tail_nonempty)
            || has_deng
                && p.continuing_verb
                && (p.continuing
                    || matches_at(norm, p.verb_start, "推进")
                    || matches_at(norm, p.verb_start, "深化"));
        let tail_at = trim_start(norm, q.end, tail_end);
        // 九个方面 (list size); 3个工作日, 6个月 (a duration, schema §1).
        let list_size = longest_at(
            norm,
            tail_at,
            &[
                "方面",
                "工作日",
                "月",
                "小时",
                "天",
                "周",
                "年",
                "分钟",
                "季度",
            ],
        )
        .is_some();
        // 在去年增长5.8%的基础上: a baseline from the past, not this year's target.
        let baseline = matches_at(norm, tail_at, "的基础上")
            || matches_at(norm, q.end, "的基础上")
            || mentions_past(norm, start, q.num_start)
            // 现有/目前/截至: the stock as it stands, not a commitment.
            || contains_any(norm, start, q.num_start, &["现有", "目前", "截至", "截止"]);
        let mut indicator_raw = orig.written(core_range.start, core_range.end);
        // 为退役军人提供5万个就业岗位 → 退役军人就业岗位: in a beneficiary frame the service
        // verb goes, beneficiary and object stay (schema §4).
        if beneficiary && tail_nonempty {
            indicator_raw = strip_service_verb(&indicator_raw);
        }
        // 新增就业9000人: 新增就业 is the indicator's standard name (like 城镇新增就业).
        if p.verb == Some(VerbClass::Increment) && indicator_raw == "就业" && !tail_nonempty {
            indicator_raw = orig.written(p.verb_start, core_range.end);
        }
        if tail_nonempty {
            let t = orig.written(q.end, tail_end);
            indicator_raw.push_str(&strip_service_verb(&t));
        }
        let mut indicator = remove_inner_realize(&clean_indicator(&indicator_raw));
        // The total investment, floor area or length of a project (项目总投资50亿元, 总建筑面积
        // 3050平方米, 全长470米) describes the project; a forecast of a finished project's output
        // (投产后年均充电量, 年产值可达) is no commitment; attendance (应到代表877名) is a count
        // of the meeting; 共57个 totals a list whose items follow.
        let ind_norm: String = norm[core_range.clone()].iter().collect();
        let total_investment = ind_norm.ends_with("总投资")
            || [
                "建筑面积",
                "占地面积",
                "改造面积",
                "建设面积",
                "全长",
                "总长",
            ]
            .iter()
            .any(|w| ind_norm.ends_with(w) || lx::ends_with_at(norm, p.core_end, w).is_some())
            // 服务半径不超过1公里: a radius describes a service, it counts nothing (schema §1).
            || ind_norm.ends_with("半径")
            || ind_norm == "宽"
            || ind_norm == "长";
        let forecast = contains_any(
            norm,
            cl.start,
            q.num_start,
            &[
                "投产后",
                "建成后",
                "达产后",
                "达产",
                "可达",
                "可实现",
                "预计年",
            ],
        );
        // 每人1万元救助: a per-person amount of aid, not a total.
        let per_person = contains_any(
            norm,
            q.num_start.saturating_sub(2),
            q.num_start,
            &["每人", "每户", "每生"],
        );
        let attendance = per_person
            || contains_any(
                norm,
                p.verb_start.saturating_sub(2),
                q.num_start,
                &["应到", "实到", "出席"],
            );
        // (…项目，共57个): a total of the items listed before, with or without 共 in the indicator.
        let list_total = (ind_norm.is_empty()
            || ["共", "共计", "合计", "总计"].contains(&ind_norm.as_str()))
            && contains_any(
                norm,
                q.num_start.saturating_sub(2),
                q.num_start,
                &["共", "合计", "总计"],
            )
            && !tail_nonempty;
        let total_investment = total_investment || forecast || attendance || list_total;
        // 两个要害, 九个方面工作: a Chinese count before a noun is a label, unless an increment
        // verb governs it directly (新增两个国家级创新平台).
        let governed =
            p.verb == Some(VerbClass::Increment) && p.core_start == q.num_start && q.value >= 2.0;
        let chinese_label = q.chinese && tail_nonempty && !governed;
        // N个X with nothing that commits to it (全市1.2万名干部职工参与…): a description.
        let undirected = tail_nonempty
            && verb.is_none()
            && inherited.is_none()
            && !p.level
            && !p.growth
            && p.cue_comparator.is_none()
            && q.post.is_none();
        // The size of a list whose items follow (完成15件民生实事, 这10件民生实事包括…, 以下
        // 5项任务): a determiner pointing at the list, a list-introducing word after the noun,
        // or a noun that in Chinese policy text always heads an itemised list (实事, 行动).
        let list_head = q.num_start > 0
            && (contains_any(
                norm,
                q.num_start.saturating_sub(2),
                q.num_start,
                &["这", "该", "上述", "以下", "下列", "前述"],
            ) || [
                "包括",
                "如下",
                "分别是",
                "分别为",
                "具体是",
                "具体为",
                "即",
                ":",
                "：",
            ]
            .iter()
            .any(|w| matches_at(norm, tail_end, w) || matches_at(norm, tail_end + 1, w))
                || ["实事", "好事", "行动", "举措"]
                    .iter()
                    .any(|w| lx::ends_with_at(norm, tail_end, w).is_some()))
            && tail_nonempty
            && counts_units(&q.unit);
        // 基建工程类5个, (项目6个，…): counts of a category of the list that follows.
        let category_count = (lx::ends_with_at(norm, p.core_end, "类").is_some()
            || (p.core_end > p.core_start
                && lx::ends_with_at(norm, p.core_end, "项目").is_some()
                && matches!(norm.get(p.core_end.saturating_sub(3)), Some('(' | '（'))))
            && !tail_nonempty;
        let list_head = list_head || category_count;
        // 民生实事项目40项: the count of the year's 实事 is the size of their list too.
        let list_head = list_head
            || (["实事", "实事项目"]
                .iter()
                .any(|w| lx::ends_with_at(norm, p.core_end, w).is_some())
                && counts_units(&q.unit));
        let drop = undirected
            || list_head
            || q.threshold
            || stock
            || continuing
            || list_size
            || total_investment
            || chinese_label;
        // Figures of the past (a review, 已建成, a baseline, a news report) are results.
        let result = baseline || p.past || cl.past;
        // Kind.
        let own_signal = verb.is_some() || p.growth || p.level || q.full_coverage;
        // 累计建成N: a total reached, not the period's work (corpus decision, like 达到).
        let cumulative = !q.percent && contains_any(norm, start, q.num_start, &["累计"]);
        let kind = if q.full_coverage {
            Kind::Share
        } else if cumulative {
            Kind::Level
        } else if q.percent {
            if p.growth {
                Kind::Growth
            } else if contains_any(norm, core_range.start, core_range.end, lx::RATIO_WORDS)
                || matches!(verb, Some(VerbClass::Increment))
            {
                Kind::Share
            } else if let Some(c) = inherited {
                c.kind
            } else if q.unit.ends_with("百分点") {
                Kind::Growth
            } else {
                Kind::Share
            }
        } else if verb == Some(VerbClass::Increment)
            || p.increment_cue
            || contains_any(
                norm,
                core_range.start,
                core_range.end,
                lx::INNER_INCREMENT_VERBS,
            )
            || lx::CHANGE_NOUNS
                .iter()
                .any(|w| lx::ends_with_at(norm, core_range.end, w).is_some())
            || (p.growth && !p.level)
        {
            Kind::Increment
        } else if !own_signal && let Some(c) = inherited {
            c.kind
        } else if !own_signal && counts_objects(norm, &q.unit, core_range.end, tail_nonempty) {
            Kind::Increment
        } else {
            Kind::Level
        };
        let carry = Carry {
            kind,
            stock,
            cue: p.cue_comparator.or(inherited.and_then(|c| c.cue)),
        };
        // Only a kind that a verb or cue decided travels along the list; a fallback guess
        // (接待游客1.2亿人次) says nothing about the next item (旅游总收入1500亿元).
        prev_carry = (own_signal || inherited.is_some() || stock).then_some(carry);
        if indicator.is_empty() {
            if let Some(label) = colon_label(orig, norm, cl.start) {
                // 地区生产总值：增长6%左右 — the label before the colon is the subject.
                indicator = label;
            } else if let Some((s, ind, _)) = last.as_ref()
                && *s == cl.sentence
            {
                indicator = ind.clone();
            }
        }
        if drop {
            continue;
        }
        let comparator = if q.value_max.is_some() {
            Comparator::Range
        } else {
            // A bare number after 、 with no words of its own (分别达到3000万千瓦、6000万千瓦)
            // shares the previous item's cue.
            let bare_item = core_range.is_empty() && !tail_nonempty;
            let cue = p.cue_comparator.or(if bare_item {
                inherited.and_then(|c| c.cue)
            } else {
                None
            });
            match (q.post, cue) {
                (Some(Comparator::Approx), _) | (_, Some(Comparator::Approx)) => Comparator::Approx,
                (Some(c), _) => c,
                (None, Some(c)) => c,
                (None, None) => Comparator::Eq,
            }
        };
        let aspirational =
            hedge_pos.is_some_and(|h| h < q.num_start) || matches_at(norm, p.span_start, "争创");
        let span_start = p.span_start.min(q.num_start);
        let span_end = tail_end.max(q.end);
        let text = orig.written(span_start, span_end);
        let sector = sector_of(
            &indicator,
            &text,
            norm,
            cl.start.max(span_start.saturating_sub(WINDOW)),
            span_start,
        );
        *last = Some((cl.sentence, indicator.clone(), carry));
        let list = if result { &mut *results } else { &mut *out };
        list.push(Target {
            start: span_start,
            end: span_end,
            text,
            indicator,
            value: q.value,
            value_max: q.value_max,
            unit: q.written.clone(),
            comparator,
            kind,
            aspirational,
            sector,
            year: None,
        });
    }
    // A trailing 左右 covers every value of a 分别 list (A、B分别增长5%和6%左右): the list is
    // stated as one approximate target.
    if contains_any(norm, cl.start, cl.end, &["分别"])
        && out.len() > clause_first + 1
        && out
            .last()
            .is_some_and(|t| t.comparator == Comparator::Approx)
    {
        for t in &mut out[clause_first..] {
            if t.comparator == Comparator::Eq {
                t.comparator = Comparator::Approx;
            }
        }
    }
}

/// The short label before a colon that ends right before `clause_start` (地区生产总值：…).
fn colon_label(orig: &View<'_>, norm: &[char], clause_start: usize) -> Option<String> {
    let colon = clause_start.checked_sub(1)?;
    if !matches!(norm[colon], ':' | '：') {
        return None;
    }
    let mut s = colon;
    while s > 0 && colon - s < 20 && !clause::is_clause_break(norm[s - 1]) && norm[s - 1] != '\n' {
        s -= 1;
    }
    s += list_marker_len(norm, s);
    let label = clean_indicator(&orig.written(s, colon));
    (!label.is_empty() && colon - s < 20).then_some(label)
}

/// A bare count of objects or people (专精特新企业100家) rather than an amount (面积44万亩).
fn counts_objects(norm: &[char], unit: &str, core_end: usize, tail: bool) -> bool {
    let classifier = unit.trim_start_matches(['万', '亿', '千', '百']);
    let amount_noun = core_end > 0 && lx::LEVEL_NOUN_TAILS.contains(&norm[core_end - 1]);
    lx::COUNT_UNITS.contains(&classifier) && (tail || !amount_noun)
}

/// For the first item of a clause: if a `、` in the prefix is followed by a verb or hedge, the
/// item starts after it (扩大A、新增B 5个 → 新增B 5个); `、` between nouns (首店、旗舰店) does
/// not split.
fn verb_item_start(norm: &[char], start: usize, num_start: usize) -> usize {
    let mut best = start;
    for k in start..num_start {
        if norm[k] == '、' {
            let s = k + 1;
            let verb = longest_at(norm, s, lx::INCREMENT_VERBS)
                .or_else(|| longest_at(norm, s, lx::STOCK_VERBS))
                .or_else(|| longest_at(norm, s, lx::HEDGES));
            // 新建、改扩建中小学: the part before the 、 is itself only a verb, no cut.
            let only_verb =
                longest_at(norm, best, lx::INCREMENT_VERBS).is_some_and(|l| best + l == k);
            if verb.is_some_and(|l| s + l < num_start) && !only_verb {
                best = s;
            }
        }
    }
    best
}

/// End of the trailing noun: trims whitespace and stops at a clause break.
fn trim_end(norm: &[char], from: usize, to: usize) -> usize {
    let mut e = from;
    while e < to && !clause::is_clause_break(norm[e]) && !matches!(norm[e], '\n' | ')' | '）') {
        e += 1;
    }
    while e > from && norm[e - 1].is_whitespace() {
        e -= 1;
    }
    e
}

fn trim_start(norm: &[char], from: usize, to: usize) -> usize {
    let mut s = from;
    while s < to && norm[s].is_whitespace() {
        s += 1;
    }
    s
}

/// 为3万名学生开展视力筛查 → 学生视力筛查: the service verb goes, beneficiary and service stay.
fn strip_service_verb(tail: &str) -> String {
    for v in [
        "开展", "提供", "进行", "实施", "安装", "配备", "新增", "设置",
    ] {
        if let Some(pos) = tail.find(v)
            && pos > 0
        {
            let mut s = String::with_capacity(tail.len());
            s.push_str(&tail[..pos]);
            s.push_str(&tail[pos + v.len()..]);
            return s;
        }
    }
    tail.to_string()
}

/// 规上工业动态实现“智改数转网联” → 规上工业“智改数转网联”: a 实现 inside the indicator and
/// the adverb right before it are not part of what is measured.
fn remove_inner_realize(s: &str) -> String {
    let Some(pos) = s.find("实现") else {
        return s.to_string();
    };
    let mut head = &s[..pos];
    for adv in ["动态", "基本", "全面", "逐步", "全部", "率先"] {
        if let Some(h) = head.strip_suffix(adv) {
            head = h;
            break;
        }
    }
    if head.is_empty() && pos == 0 {
        return s["实现".len()..].to_string();
    }
    format!("{head}{}", &s[pos + "实现".len()..])
}

/// Sector from the keyword table: indicator first, then the span, then the text before it.
fn sector_of(
    indicator: &str,
    text: &str,
    norm: &[char],
    ctx_start: usize,
    ctx_end: usize,
) -> Sector {
    let ind: Vec<char> = indicator.chars().collect();
    let txt: Vec<char> = text.chars().collect();
    let ctx = &norm[ctx_start..ctx_end.max(ctx_start)];
    [&ind[..], &txt[..], ctx]
        .into_iter()
        .find_map(sector_in)
        .unwrap_or(Sector::General)
}

/// Keywords of the sector table by first char: (row index, keyword chars).
type SectorIndex = std::collections::HashMap<char, Vec<(usize, Vec<char>)>>;

static SECTOR_INDEX: std::sync::LazyLock<SectorIndex> = std::sync::LazyLock::new(|| {
    let mut map = SectorIndex::new();
    for (row, (_, kws)) in lx::SECTORS.iter().enumerate() {
        for kw in *kws {
            let chars: Vec<char> = kw.chars().collect();
            if let Some(&first) = chars.first() {
                map.entry(first).or_default().push((row, chars));
            }
        }
    }
    map
});

/// The first row of the sector table with a keyword in `hay`. One pass over `hay` with a
/// first-char index, instead of a substring search per keyword.
fn sector_in(hay: &[char]) -> Option<Sector> {
    let mut best: Option<usize> = None;
    for i in 0..hay.len() {
        let Some(cands) = SECTOR_INDEX.get(&hay[i]) else {
            continue;
        };
        for (row, kw) in cands {
            if best.is_none_or(|b| *row < b) && hay[i..].starts_with(kw) {
                best = Some(*row);
            }
        }
    }
    best.and_then(|row| lx::SECTORS.get(row)).map(|(s, _)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Target {
        let t = extract(text);
        assert_eq!(t.len(), 1, "{text}: {t:#?}");
        t.into_iter().next().expect("one target")
    }

    fn none(text: &str) {
        let t = extract(text);
        assert!(t.is_empty(), "{text}: {t:#?}");
    }

    #[test]
    fn growth_with_qualifier() {
        let t = one("经济社会发展主要预期目标:地区生产总值增长6%左右。");
        assert_eq!(t.text, "地区生产总值增长6%左右");
        assert_eq!(t.indicator, "地区生产总值");
        assert_eq!((t.comparator, t.kind), (Comparator::Approx, Kind::Growth));
    }

    #[test]
    fn hedge_covers_the_list() {
        let t = extract(
            "力争新增博士后科研工作站20家左右、新招收博士后突破1000人,新认定高层次人才5000人左右。",
        );
        let asp: Vec<bool> = t.iter().map(|t| t.aspirational).collect();
        assert_eq!(asp, [true, true, false]);
        assert_eq!(t[1].indicator, "博士后");
        assert_eq!(
            (t[1].comparator, t[1].kind),
            (Comparator::Gt, Kind::Increment)
        );
    }

    #[test]
    fn thresholds_are_not_targets() {
        let t = one("实施亿元以上重点项目2200个左右。");
        assert_eq!(t.indicator, "亿元以上重点项目");
        let t = one("新增200亿产业链1个。");
        assert_eq!(t.indicator, "200亿产业链");
        none("服务60岁以上老人。");
    }

    #[test]
    fn codes_dates_ordinals_and_labels() {
        none("实体化运作G60科创走廊，利用5G技术，开通4号线，用好12345热线。");
        none("2024年2月6日在第十七届人民代表大会第三次会议上，实施“8526”行动，建设三大工程。");
        none("重点做好九个方面工作，抓牢两个要害，一个单元就是一个新兴产业链。");
        none("落细落实144小时过境免签政策，打造15分钟生活圈。");
    }

    #[test]
    fn stock_and_continuing_projects() {
        none("用好用活航空、气象等86个科普场馆、安徽美术馆等64个文化场馆。");
        none("高质量运营10个海内外创新中心。");
        none("加快建设合肥先进光源等4个大装置。");
        none("提质扩量6个省级县域特色产业集群。");
        let t = one("建成山姆会员店、包河万象汇等20个项目。");
        assert_eq!(t.indicator, "山姆会员店、包河万象汇等项目");
    }

    #[test]
    fn chinese_numerals_and_full_coverage() {
        let t = extract("新增百项示范场景，对接千项技术产品，联动万家科创企业。");
        let got: Vec<(f64, &str, &str)> = t
            .iter()
            .map(|t| (t.value, t.unit.as_str(), t.indicator.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (100.0, "项", "示范场景"),
                (1000.0, "项", "技术产品"),
                (1.0, "万家", "科创企业")
            ]
        );
        let t = one("实现村级寄递综合服务站全覆盖。");
        assert_eq!(
            (t.value, t.unit.as_str(), t.kind, t.comparator),
            (100.0, "%", Kind::Share, Comparator::Ge)
        );
        assert_eq!(t.indicator, "村级寄递综合服务站");
        let t = one("新增百亿企业一至两家。");
        assert_eq!(
            (t.value, t.value_max, t.comparator),
            (1.0, Some(2.0), Comparator::Range)
        );
    }

    #[test]
    fn borrowed_indicator_and_shared_subject() {
        let t = extract("农村养老服务站覆盖率48%、提高3个百分点。");
        assert_eq!(t[1].indicator, "农村养老服务站覆盖率");
        assert_eq!((t[0].kind, t[1].kind), (Kind::Share, Kind::Growth));
        let t = extract("粮食面积稳定790万亩、产量300万吨左右。");
        assert_eq!(t[1].text, "产量300万吨左右");
        assert_eq!((t[1].indicator.as_str(), t[1].kind), ("产量", Kind::Level));
    }

    #[test]
    fn beneficiary_service() {
        let t = one("为3万名学生开展视力筛查。");
        assert_eq!(
            (t.value, t.unit.as_str(), t.indicator.as_str()),
            (3.0, "万名", "学生视力筛查")
        );
        assert_eq!(t.text, "为3万名学生开展视力筛查");
    }

    #[test]
    fn more_than_and_alternative_units() {
        let t = one("新增就业岗位1.2万多个。");
        assert_eq!((t.unit.as_str(), t.comparator), ("万个", Comparator::Gt));
        let t = one("筹集保障性租赁住房1.2万套(间)。");
        assert_eq!(t.unit, "万套(间)");
    }

    #[test]
    fn review_sections_and_baselines_are_dropped() {
        let text = "一、2024年计划执行情况\n地区生产总值达到5.3万亿元，增长5.1%。\n二、2025年主要目标\n地区生产总值增长5.5%左右，在去年增长5.1%的基础上再上台阶。已建成20个社区食堂。";
        let t = extract(text);
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [5.5], "{t:#?}");
    }

    #[test]
    fn fenbie_lists_share_indicator_and_cue() {
        let t = extract("力争风电、光伏发电装机容量分别达到3000万千瓦、6000万千瓦。");
        assert_eq!(t.len(), 2);
        assert!(t.iter().all(|t| t.indicator == "风电、光伏发电装机容量"
            && t.comparator == Comparator::Ge
            && t.aspirational));
        let t = extract("城乡居民人均可支配收入分别增长5%和6.5%。");
        assert_eq!(t[1].indicator, "城乡居民人均可支配收入");
        assert_eq!(t[1].kind, Kind::Growth);
    }

    #[test]
    fn layout_artifacts() {
        let t = one("地区生产总值：增长 6% 左右。");
        assert_eq!(
            (t.indicator.as_str(), t.comparator),
            ("地区生产总值", Comparator::Approx)
        );
        let t = one("新增城镇就业\n8万人。");
        assert_eq!(
            (t.text.as_str(), t.indicator.as_str()),
            ("新增城镇就业\n8万人", "城镇就业")
        );
        let t = one("新增学位2. 5万个。");
        assert_eq!(t.value, 2.5);
    }

    #[test]
    fn money_amounts_and_money_classes() {
        none("建设5000万元项目。");
        let t = one("培育超百亿元企业3家。");
        assert_eq!((t.value, t.indicator.as_str()), (3.0, "超百亿元企业"));
        let t = one("农产品加工产值超千亿元。");
        assert_eq!(
            (t.value, t.unit.as_str(), t.comparator),
            (1000.0, "亿元", Comparator::Gt)
        );
        let t = one("新增城镇就业1.2万—1.5万人。");
        assert_eq!(
            (t.value, t.value_max, t.unit.as_str()),
            (1.2, Some(1.5), "万人")
        );
    }

    #[test]
    fn operating_existing_units_is_not_a_target() {
        none("深化与12个国家友好城市合作，依托30个产业园区，服务10万家企业。");
        none("推进“放管服”改革等12项重点改革。");
        let t = one("推进20个重点片区开发。");
        assert_eq!(t.kind, Kind::Increment);
    }

    #[test]
    fn last_years_results_and_deadlines() {
        let t = extract(
            "该市去年新能源汽车产量达到45万辆，同比增长60%。今年，新能源汽车产量力争达到60万辆。",
        );
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [60.0], "{t:#?}");
        let t = one("地区生产总值比去年增长6%左右。");
        assert_eq!(t.indicator, "地区生产总值");
        let t = extract("地区生产总值年均增长6%左右，到2029年突破1.5万亿元。");
        assert_eq!(t[1].indicator, "地区生产总值");
        assert_eq!(t[1].text, "突破1.5万亿元");
    }

    #[test]
    fn current_stock_is_not_a_target() {
        none("全市现有国家级开发区5个，目前已有上市企业80家，截至2023年底建成5G基站2万个。");
        let t = one("新能源汽车产量增长1倍。");
        assert_eq!((t.unit.as_str(), t.kind), ("倍", Kind::Growth));
    }

    #[test]
    fn traditional_characters_read_like_simplified() {
        let text = "力爭全年新增城鎮就業1.2萬人以上，地區生產總值增長6%左右，建成充電樁兩萬個。";
        let t = extract(text);
        assert_eq!(t.len(), 3, "{t:#?}");
        assert_eq!(
            (t[0].indicator.as_str(), t[0].unit.as_str(), t[0].comparator),
            ("城鎮就業", "萬人", Comparator::Ge)
        );
        assert!(t[0].aspirational);
        assert_eq!(
            (t[1].indicator.as_str(), t[1].kind),
            ("地區生產總值", Kind::Growth)
        );
        assert_eq!((t[2].value, t[2].unit.as_str()), (2.0, "萬個"));
        for x in &t {
            assert_eq!(&text[x.byte_range(text)], x.text);
        }
    }

    #[test]
    fn wrapped_lines_keep_the_newline_in_the_span() {
        let text = "今年全市将继续实施城市更新行动，计划改造城镇老旧小区一百二十个，新建\n城市口袋公园三十五个，同步完善社区养老和托育服务设施。";
        let t = extract(text);
        let park = t.iter().find(|x| x.value == 35.0).expect("park target");
        assert_eq!(park.text, "新建\n城市口袋公园三十五个");
        assert_eq!(park.indicator, "城市口袋公园");
    }

    #[test]
    fn enumerators_verbs_and_frames_leave_the_indicator() {
        let cases = [
            ("一是新增城市绿道80公里。", "城市绿道"),
            ("●新建社区食堂20个", "社区食堂"),
            ("①打通城市断头路15条。", "城市断头路"),
            ("五是培育专精特新企业100家以上。", "专精特新企业"),
            (
                "在人流密集公共场所配置自动体外除颤器500台。",
                "自动体外除颤器",
            ),
            ("同步建成配套充电桩2000个。", "配套充电桩"),
            ("推动提升建设乡镇综合文化站40个。", "乡镇综合文化站"),
        ];
        for (text, indicator) in cases {
            let t = one(text);
            assert_eq!(t.indicator, indicator, "{text}");
            assert_eq!(t.kind, Kind::Increment, "{text}");
            assert!(
                !t.text.starts_with(['一', '●', '①', '五']),
                "{text}: {}",
                t.text
            );
        }
    }

    #[test]
    fn coordinated_modifiers_share_the_count() {
        let t = one("新建50个都市型、楼宇型体育场地。");
        assert_eq!(t.indicator, "都市型、楼宇型体育场地");
        let t = one("建成3个“一站式”、“全链条”服务中心。");
        assert_eq!(t.indicator, "“一站式”、“全链条”服务中心");
        // Each item with its own count is its own target.
        let t = extract("新建30个社区食堂、20个托育点。");
        let got: Vec<&str> = t.iter().map(|t| t.indicator.as_str()).collect();
        assert_eq!(got, ["社区食堂", "托育点"]);
    }

    #[test]
    fn amounts_after_stock_verbs_and_service_counts_are_targets() {
        let t = one("全年服务进出口1000亿元。");
        assert_eq!((t.indicator.as_str(), t.kind), ("服务进出口", Kind::Level));
        let t = one("轨道交通运营里程达593公里。");
        assert_eq!(
            (t.indicator.as_str(), t.comparator),
            ("轨道交通运营里程", Comparator::Ge)
        );
        let t = one("服务13万人次困境儿童。");
        assert_eq!(
            (t.value, t.unit.as_str(), t.kind),
            (13.0, "万人次", Kind::Increment)
        );
        // Operating a number of existing units is still not a target.
        none("高质量运营10个海内外创新中心。");
    }

    #[test]
    fn list_sizes_and_age_groups_are_not_targets() {
        none("今年将集中力量完成15件民生实事。");
        let t = extract("这10件民生实事包括：新建幼儿园8所，改造农贸市场12个。");
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [8.0, 12.0]);
        none("为65岁及以上老年人提供健康管理服务。");
        let t = one("为65岁以上老年人免费体检10万人次。");
        assert_eq!(t.value, 10.0);
    }

    fn news(text: &str, year: u16) -> (Vec<Target>, Vec<Target>) {
        let info = crate::DocumentInfo {
            kind: crate::DocKind::News,
            year: Some(year),
            ..crate::DocumentInfo::default()
        };
        figures_of(text, &info)
    }

    #[test]
    fn statistics_news_hold_results_not_targets() {
        let (t, r) = news(
            "一季度，全省新增并网风电光伏装机320万千瓦，同比增长18%。截至3月底，全省可再生能源装机达到6100万千瓦。\n沿海某省\n480\n210%",
            2025,
        );
        assert!(t.is_empty(), "{t:#?}");
        let got: Vec<f64> = r.iter().map(|r| r.value).collect();
        assert_eq!(got, [320.0, 18.0, 6100.0], "{r:#?}");
        assert!(r.iter().all(|r| r.year == Some(2025)));
        assert!(
            !r.iter().any(|r| r.value == 210.0),
            "table cells are not results"
        );
    }

    #[test]
    fn news_targets_need_a_commitment() {
        let (t, r) = news(
            "去年全市新能源汽车产量达到45万辆。方案提出，到2027年，全市新能源汽车产量力争突破80万辆，充电桩达到10万个。",
            2025,
        );
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [80.0, 10.0], "{t:#?}");
        assert!(t.iter().all(|t| t.year == Some(2027)));
        assert_eq!((r[0].value, r[0].year), (45.0, Some(2024)));
        // An announced list keeps its items as targets, line after line.
        let (t, _) = news(
            "某区发布2025年民生实事清单\n▶新增公共停车位600个。\n▶改造老旧小区15个。",
            2025,
        );
        assert_eq!(t.len(), 2, "{t:#?}");
    }

    #[test]
    fn each_target_takes_the_deadline_of_its_paragraph() {
        let t = extract_chars(
            &"到2025年，新建充电桩5000个；到2027年，新建充电桩12000个。\n全年新增绿地30公顷。"
                .chars()
                .collect::<Vec<_>>(),
            Some(2024),
        );
        let years: Vec<Option<u16>> = t.iter().map(|t| t.year).collect();
        assert_eq!(years, [Some(2025), Some(2027), Some(2024)]);
    }

    #[test]
    fn comparison_bases_and_spaced_numbers() {
        let t = one("单位地区生产总值能耗比2020年下降13.5%。");
        assert_eq!(t.indicator, "单位地区生产总值能耗");
        let t = one("新型储能产业营业收入到2027年达到600亿元以上。");
        assert_eq!(t.indicator, "新型储能产业营业收入");
        let t = one("能源综合生产能力达到 58 亿吨标准煤。");
        assert_eq!((t.value, t.unit.as_str()), (58.0, "亿吨标准煤"));
        assert_eq!(t.indicator, "能源综合生产能力");
    }

    #[test]
    fn work_report_reviews_become_results() {
        let text = "一、2024年工作回顾\n过去一年，全市地区生产总值增长5.8%，新建5G基站3000个。\n二、2025年工作安排\n地区生产总值增长6%左右。";
        let info = crate::DocumentInfo {
            kind: crate::DocKind::WorkReport,
            year: Some(2025),
            ..crate::DocumentInfo::default()
        };
        let (t, r) = figures_of(text, &info);
        assert_eq!(t.len(), 1);
        let got: Vec<(f64, Option<u16>)> = r.iter().map(|r| (r.value, r.year)).collect();
        assert_eq!(got, [(5.8, Some(2024)), (3000.0, Some(2024))]);
        assert_eq!(r[0].indicator, "全市地区生产总值");
    }

    #[test]
    fn a_work_report_reviews_until_its_plan_begins() {
        let text = "某省2026年政府工作报告\n——这是动能转换、产业升级的五年。全省地区生产总值达到1.2万亿元。\n（一）消费潜力释放。新设品牌首店20家，网上零售额增长12%。\n截至2025年底，全省充电桩达到30万个。\n今年经济社会发展的主要预期目标是：地区生产总值增长5%左右。";
        let info = crate::DocumentInfo {
            kind: crate::DocKind::WorkReport,
            year: Some(2026),
            ..crate::DocumentInfo::default()
        };
        let (t, r) = figures_of(text, &info);
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [5.0], "{t:#?}");
        assert_eq!(r.len(), 4, "{r:#?}");
    }

    #[test]
    fn verb_chains_and_places_leave_the_indicator() {
        let t = one("培育认定省级工业设计中心20个以上。");
        assert_eq!(t.indicator, "省级工业设计中心");
        let t = one("新建和改善提升滨河绿道50公里。");
        assert_eq!(t.indicator, "滨河绿道");
        let t = one("普惠托位占比提高到68%。");
        assert_eq!(t.comparator, Comparator::Ge);
        let t = extract("城乡居民人均可支配收入分别增长5%和6%左右。");
        assert!(
            t.iter().all(|t| t.comparator == Comparator::Approx),
            "{t:#?}"
        );
    }

    #[test]
    fn rates_per_person_and_project_figures() {
        let t = one("全员劳动生产率超过50万元/人。");
        assert_eq!((t.value, t.unit.as_str()), (50.0, "万元/人"));
        let t = one("工业机器人使用密度力争达360台/万人。");
        assert_eq!((t.value, t.unit.as_str()), (360.0, "台/万人"));
        none("项目计划总投资约 25 亿元，总建筑面积3050平方米，投产后年产值可达5000万元以上。");
    }

    #[test]
    fn scope_words_chains_and_totals() {
        let t = one("全市将建成充电桩16万个以上。");
        assert_eq!(t.indicator, "充电桩");
        let t = one("新建和改扩建幼儿园35所。");
        assert_eq!(t.indicator, "幼儿园");
        let t = one("新建改建30家标准化菜市场。");
        assert_eq!(t.indicator, "标准化菜市场");
        let t = one("公共充电桩累计建成约20万台。");
        assert_eq!((t.kind, t.comparator), (Kind::Level, Comparator::Approx));
        let t = one("城镇新增就业人数110万人以上。");
        assert_eq!(t.indicator, "城镇新增就业人数");
    }

    #[test]
    fn a_verb_carries_over_a_comma_to_bare_counts() {
        let t = extract("新建20公里生态绿道及市民健身步道，30个市民健身苑点、2片市民足球场。");
        let got: Vec<(&str, f64)> = t.iter().map(|t| (t.indicator.as_str(), t.value)).collect();
        assert_eq!(
            got,
            [
                ("生态绿道及市民健身步道", 20.0),
                ("市民健身苑点", 30.0),
                ("市民足球场", 2.0)
            ]
        );
        let t = extract("改造建设100个乡镇综合养老服务中心、300个村级互助幸福院。");
        assert_eq!(t[0].indicator, "乡镇综合养老服务中心");
    }

    #[test]
    fn project_sizes_latin_units_and_per_person_aid() {
        none("推动年产60万吨乙烯等项目建设，开工建设750千伏输变电通道工程。");
        let t = extract("建成20个500千伏输变电工程。");
        assert_eq!((t.len(), t[0].value), (1, 20.0), "{t:#?}");
        let t = one("算力规模突破15万P。");
        assert_eq!((t.unit.as_str(), t.indicator.as_str()), ("万P", "算力规模"));
        let t = one("新增天然气产量10亿方以上。");
        assert_eq!(t.unit, "亿方");
        let t = one("煤矿产能达到1400万吨/年。");
        assert_eq!(t.unit, "万吨/年");
        none("对患病妇女给予每人1万元救助。");
    }

    #[test]
    fn news_plans_with_cumulative_targets_and_category_counts() {
        let (t, _) = news(
            "方案提出，到2027年，产业布局更加优化。新能源汽车年产量超150万辆，累计建设智能工厂30家。\n一、教育惠民工程（项目5个，其中基建工程类4个）。新建幼儿园12所。",
            2027,
        );
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [150.0, 30.0, 12.0], "{t:#?}");
    }

    #[test]
    fn beneficiary_frames_and_joined_verbs() {
        let t = one("为退役军人提供5万个就业岗位。");
        assert_eq!(t.indicator, "退役军人就业岗位");
        let t = one("为8个住宅小区新增电动自行车充电设施。");
        assert_eq!(t.indicator, "住宅小区电动自行车充电设施");
        let t = one("实施并完成5处公交场站修缮工程。");
        assert_eq!(t.indicator, "公交场站修缮工程");
        let t = one("新增就业9000人。");
        assert_eq!(t.indicator, "新增就业");
        let t = one("全省新增污水管网长度7000公里以上。");
        assert_eq!(t.indicator, "全省新增污水管网长度");
        let t = one("完成约9000户农户生活污水治理。");
        assert_eq!(t.comparator, Comparator::Approx);
    }

    #[test]
    fn named_existing_units_and_as_of_dates() {
        none("推动东港、西港、北港3个综合保税区高质量发展。");
        let t = one("新建3个综合保税区。");
        assert_eq!(t.value, 3.0);
        let text =
            "截至2020年底，全省电动汽车保有量达到50万辆。到2025年，全省电动汽车保有量达到150万辆。";
        let t = extract_chars(&text.chars().collect::<Vec<_>>(), Some(2025));
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [150.0], "{t:#?}");
    }

    #[test]
    fn descriptions_without_a_verb_are_not_targets() {
        none("全市1.2万名干部职工参与志愿服务。");
        let t = one("组织1.2万名干部职工参与志愿服务。");
        assert_eq!(t.kind, Kind::Increment);
    }
}

#[cfg(test)]
mod change_tests {
    use super::*;

    fn one(text: &str) -> Target {
        let t = extract(text);
        assert_eq!(t.len(), 1, "{t:#?}");
        t.into_iter().next().unwrap()
    }

    fn none(text: &str) {
        let t = extract(text);
        assert!(t.is_empty(), "{t:#?}");
    }

    #[test]
    fn cuts_are_rates_and_change_nouns_are_increments() {
        let t = extract("市级行政经费压减8%，化肥用量比2020年削减4%。");
        assert_eq!(t.len(), 2, "{t:#?}");
        assert_eq!(
            (t[0].indicator.as_str(), t[0].kind),
            ("市级行政经费", Kind::Growth)
        );
        assert_eq!(
            (t[1].indicator.as_str(), t[1].kind),
            ("化肥用量", Kind::Growth)
        );
        let t = extract("二氧化硫重点工程减排量达到2.1万吨，闲置建设用地减量3平方公里。");
        assert_eq!(t.len(), 2, "{t:#?}");
        assert!(t.iter().all(|t| t.kind == Kind::Increment), "{t:#?}");
    }

    #[test]
    fn delivering_verbs_and_yearly_nouns() {
        let t = extract("全年更新改造供水管网500公里，配送惠民演出不少于300场次。");
        assert_eq!(t.len(), 2, "{t:#?}");
        assert_eq!(
            (t[0].indicator.as_str(), t[0].kind),
            ("供水管网", Kind::Increment)
        );
        assert_eq!(
            (t[1].indicator.as_str(), t[1].kind),
            ("惠民演出", Kind::Increment)
        );
        let t = one("年度投资计划25亿元。");
        assert_eq!(t.indicator, "年度投资计划");
        let t = one("年度新增绿地300公顷。");
        assert_eq!(t.indicator, "绿地");
    }

    #[test]
    fn radii_sizes_and_list_totals_are_no_targets() {
        none("城区养老服务设施服务半径不超过2公里。");
        let t = extract("新建游园一处，建设面积5000平方米。");
        assert!(t.iter().all(|t| t.value != 5000.0), "{t:#?}");
        let t = extract("实施道路、桥梁、管网三类项目，共42个。");
        assert!(t.iter().all(|t| t.value != 42.0), "{t:#?}");
    }

    #[test]
    fn years_of_a_span_and_new_steps() {
        let t = one("全市居民平均受教育年限达到14年。");
        assert_eq!(
            (t.value, t.unit.as_str(), t.kind),
            (14.0, "年", Kind::Level)
        );
        assert_eq!(t.indicator, "全市居民平均受教育年限");
        none("到2030年，建成10年规划的主干网。");
        let t = one("全县文旅产业规模迈上50亿元台阶。");
        assert_eq!(
            (t.value, t.comparator, t.kind),
            (50.0, Comparator::Ge, Kind::Level)
        );
        assert_eq!(t.indicator, "全县文旅产业规模");
    }

    #[test]
    fn opening_frames_and_starting_values_leave_the_indicator() {
        // A condition or period before the subject.
        let t = one("来水正常的条件下全市蔬菜产量达到120万吨以上。");
        assert_eq!(t.indicator, "全市蔬菜产量");
        let t = one("力争规划期内全县农业总产值年均增长4%左右。");
        assert_eq!(t.indicator, "全县农业总产值");
        assert!(t.aspirational);
        assert!(!t.text.starts_with("力争"), "{t:#?}");
        // A means or place up to the work verb.
        let t = one("依托社区食堂配送老年助餐3万份。");
        assert_eq!(
            (t.indicator.as_str(), t.kind),
            ("老年助餐", Kind::Increment)
        );
        let t = one("优先在山区、库区乡镇新建村级卫生室40个。");
        assert_eq!(t.indicator, "村级卫生室");
        assert!(t.text.starts_with("新建"), "{t:#?}");
        // A manner adverbial 分A分B.
        let t = one("分期分批建设口袋公园60个。");
        assert_eq!(
            (t.indicator.as_str(), t.kind),
            ("口袋公园", Kind::Increment)
        );
        // 由 + the starting value.
        let t = one("城乡居民医保财政补助由每人600元提高至640元。");
        assert_eq!(
            (t.indicator.as_str(), t.value),
            ("城乡居民医保财政补助", 640.0)
        );
        // 从 without a cue is no starting value.
        let t = extract("从三个方面提出12项措施，其中7项为新增措施。");
        assert!(t.iter().all(|t| !t.indicator.contains('从')), "{t:#?}");
    }

    #[test]
    fn a_qizhong_sentence_breaks_down_a_reported_stock() {
        let text = "截至2022年底，全县公共充电桩保有量3200个。其中，快充桩1100个，慢充桩2100个。\n到2027年，全县新建公共充电桩5000个。";
        let t = extract_chars(&text.chars().collect::<Vec<_>>(), Some(2027));
        let values: Vec<f64> = t.iter().map(|t| t.value).collect();
        assert_eq!(values, [5000.0], "{t:#?}");
        // 其中 after a planned total is still part of the plan.
        let t = extract("全年新增就业岗位3万个。其中，青年岗位1万个。");
        assert_eq!(t.len(), 2, "{t:#?}");
    }
}
