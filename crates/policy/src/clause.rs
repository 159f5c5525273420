//! Text structure: clauses (the scope of a hedge and of a shared verb), sentences, quoted
//! stretches, and which parts of a report review the past rather than plan the year.
//!
//! A clause runs between `,` `，` `;` `；` `:` `：` `。` `！` `？` and line breaks (layout wraps are
//! already joined by `view.rs`) (schema §8:
//! a hedge reaches the next comma, semicolon or full stop). Items inside a clause (`、`-lists)
//! are found by `extract.rs`, because where an item starts depends on where the numbers are.
//! Everything here is a single left-to-right pass with bounded look-ahead, so linear.

use crate::lexicon::matches_at;

/// One clause: `[start, end)` in char indices, the boundary char excluded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Index of the sentence the clause belongs to (sentences end at 。！？ and hard breaks).
    pub(crate) sentence: usize,
    /// The clause reviews results already achieved (a 回顾 section, a 过去一年… paragraph or
    /// a sentence opening with an earlier year): its numbers are not commitments.
    pub(crate) past: bool,
}

/// Characters that end a clause.
pub(crate) fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '，' | ',' | '；' | ';' | '。' | '！' | '!' | '？' | '?' | '：' | ':'
    )
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '!' | '？' | '?')
}

/// Lines at most this long without a comma or full stop are headings.
const MAX_HEADING: usize = 40;

/// Cues that a heading or paragraph opens a review of past results.
const PAST_HEADINGS: &[&str] = &[
    "回顾",
    "过去",
    "成就",
    "总结",
    "执行情况",
    "工作情况",
    "完成情况",
    "主要成绩",
];
/// Cues that a heading opens the plan part of a report.
const PLAN_HEADINGS: &[&str] = &[
    "安排", "目标", "任务", "重点", "建议", "部署", "计划", "要求", "展望", "今年", "今后", "举措",
];
/// Paragraph openings that switch to past results.
const PAST_OPENINGS: &[&str] = &[
    "过去一年",
    "过去五年",
    "过去的一年",
    "过去的五年",
    "一年来",
    "五年来",
    "去年",
    "回顾",
];
/// Paragraph openings that switch (back) to the plan.
const PLAN_OPENINGS: &[&str] = &[
    "今年",
    "新的一年",
    "今后",
    "展望",
    "做好今年",
    "未来五年",
    "经济社会发展主要预期目标",
    "主要预期目标",
];

/// A list marker such as `一、`, `1)`, `（三）`, `2.` at `i`.
pub(crate) fn list_marker_len(chars: &[char], i: usize) -> usize {
    let mut j = i;
    let open = matches!(chars.get(j), Some('(' | '（'));
    if open {
        j += 1;
    }
    let digits_start = j;
    while j < chars.len()
        && j - digits_start < 3
        && (chars[j].is_ascii_digit()
            || matches!(
                chars[j],
                '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
            ))
    {
        j += 1;
    }
    if j == digits_start {
        return 0;
    }
    match chars.get(j) {
        Some(')' | '）') => j + 1 - i,
        Some(&sep @ ('、' | '.' | '．')) if !open => {
            // `2.5万` is a decimal, not a marker.
            if sep != '、' && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                0
            } else {
                j + 1 - i
            }
        }
        _ => 0,
    }
}

/// The plan-or-past state carried from line to line.
fn update_mode(chars: &[char], start: usize, past: bool, plan_year: Option<u16>) -> bool {
    let mut end = start;
    while end < chars.len() && chars[end] != '\n' && end - start <= MAX_HEADING * 4 {
        end += 1;
    }
    let mut s = start;
    while s < end && chars[s].is_whitespace() {
        s += 1;
    }
    if s == end {
        return past;
    }
    let text = &chars[s..end];
    let is_heading = end - s <= MAX_HEADING
        && (end == chars.len() || chars[end] == '\n')
        && !text
            .iter()
            .any(|&c| matches!(c, '，' | ',' | '。' | '；' | ';'));
    if is_heading {
        // 发展成就和“十五五”时期主要目标任务: with both, the part named last is what follows.
        let last_at = |list: &[&str]| {
            (0..text.len())
                .rev()
                .find(|&i| list.iter().any(|w| matches_at(text, i, w)))
        };
        match (last_at(PAST_HEADINGS), last_at(PLAN_HEADINGS)) {
            (Some(a), Some(b)) => return a > b,
            (Some(_), None) => return true,
            (None, Some(_)) => return false,
            (None, None) => {}
        }
        if let (Some(y), Some(plan)) = (leading_year(text, list_marker_len(text, 0)), plan_year) {
            if y < plan {
                return true;
            }
            // A title with the plan year (2026年…政府工作报告) does not end a review.
            return past;
        }
        return past;
    }
    let body = s + list_marker_len(chars, s);
    if PAST_OPENINGS.iter().any(|w| matches_at(chars, body, w)) {
        return true;
    }
    if PLAN_OPENINGS.iter().any(|w| matches_at(chars, body, w)) {
        return false;
    }
    if let (Some(y), Some(plan)) = (leading_year(chars, body), plan_year)
        && matches_at(chars, body + 5, "是")
    {
        // "2024年是…" opens the plan part in most reports.
        return y < plan;
    }
    // 报告指出，今年发展主要预期目标是：… — the plan named in the opening sentence.
    let mut e = body;
    while e < end && e - body < 60 && !matches!(chars[e], '。' | '：' | ':') {
        if (matches_at(chars, e, "今年") && !matches_at(chars, e, "今年以来"))
            || [
                "主要预期目标",
                "工作安排",
                "主要指标",
                "主要目标",
                "预期性指标",
                "约束性指标",
            ]
            .iter()
            .any(|w| matches_at(chars, e, w))
        {
            return false;
        }
        e += 1;
    }
    past
}

/// A heading run into the text (`…增长5.8%。二、2024年工作安排 今年…`, pages flattened to one
/// line): a sentence that opens with a Chinese-numeral marker and names a review or a plan
/// within its first words switches the mode like a heading line would.
fn inline_heading(chars: &[char], i: usize, past: bool) -> bool {
    let mut s = i;
    while s < chars.len() && chars[s].is_whitespace() {
        s += 1;
    }
    let m = list_marker_len(chars, s);
    if m == 0 || chars.get(s).is_some_and(char::is_ascii_digit) {
        return past;
    }
    let mut e = s + m;
    while e < chars.len() && e - s < MAX_HEADING && !is_clause_break(chars[e]) && chars[e] != '\n' {
        e += 1;
    }
    let head = &chars[s..e];
    let has = |list: &[&str]| (0..head.len()).any(|k| list.iter().any(|w| matches_at(head, k, w)));
    let last_at = |list: &[&str]| {
        (0..head.len())
            .rev()
            .find(|&k| list.iter().any(|w| matches_at(head, k, w)))
    };
    // A heading naming results and then targets opens the targets (as in `update_mode`).
    if let (Some(a), Some(b)) = (last_at(PAST_HEADINGS), last_at(PLAN_HEADINGS)) {
        a > b
    } else if has(PAST_HEADINGS) {
        true
    } else if has(&[
        "工作安排",
        "目标任务",
        "主要目标",
        "重点任务",
        "重点工作",
        "总体要求",
    ]) {
        false
    } else {
        past
    }
}

/// A four-digit year followed by 年 at `i`.
pub(crate) fn leading_year(chars: &[char], i: usize) -> Option<u16> {
    let digits = chars.get(i..i + 4)?;
    if !digits.iter().all(char::is_ascii_digit) || chars.get(i + 4) != Some(&'年') {
        return None;
    }
    digits
        .iter()
        .try_fold(0u16, |acc, c| Some(acc * 10 + c.to_digit(10)? as u16))
}

/// A sentence that sums up a past period in the reports' set form (——这是…的五年, 这一年是…的一年).
fn review_sentence(chars: &[char], i: usize) -> bool {
    let mut s = i;
    while s < chars.len() && matches!(chars[s], '—' | '-' | '–') {
        s += 1;
    }
    if !(matches_at(chars, s, "这是")
        || matches_at(chars, s, "这一年")
        || matches_at(chars, s, "这五年"))
    {
        return false;
    }
    let mut e = s;
    while e < chars.len() && e - s < 40 && !matches!(chars[e], '。' | '\n') {
        if matches_at(chars, e, "的五年") || matches_at(chars, e, "的一年") {
            return true;
        }
        e += 1;
    }
    false
}

/// Does the sentence starting at `i` open with a past-time cue?
fn past_sentence(chars: &[char], i: usize, plan_year: Option<u16>) -> bool {
    let mut s = i;
    while s < chars.len() && chars[s].is_whitespace() {
        s += 1;
    }
    s += list_marker_len(chars, s);
    if PAST_OPENINGS.iter().any(|w| matches_at(chars, s, w)) || review_sentence(chars, s) {
        return true;
    }
    match (leading_year(chars, s), plan_year) {
        (Some(y), Some(plan)) => y < plan && !matches_at(chars, s + 5, "底前"),
        _ => false,
    }
}

/// Splits `chars` into clauses, marking past-review ones.
/// `starts_in_review`: the text opens with a review (a work report before its plan part).
pub(crate) fn clauses(
    chars: &[char],
    plan_year: Option<u16>,
    starts_in_review: bool,
) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut sentence = 0;
    let mut start = 0;
    let mut mode_past =
        inline_heading(chars, 0, update_mode(chars, 0, starts_in_review, plan_year));
    let mut sentence_past = past_sentence(chars, 0, plan_year);
    for (i, &c) in chars.iter().enumerate() {
        // Layout wraps were joined in the analysis view (`view.rs`): every newline left is
        // a paragraph, heading or item end.
        let newline = c == '\n';
        if newline || is_clause_break(c) {
            if i > start {
                out.push(Clause {
                    start,
                    end: i,
                    sentence,
                    past: mode_past || sentence_past,
                });
            }
            start = i + 1;
            if newline || is_sentence_end(c) {
                sentence += 1;
                if newline {
                    mode_past = update_mode(chars, i + 1, mode_past, plan_year);
                }
                if !newline {
                    mode_past = inline_heading(chars, i + 1, mode_past);
                }
                sentence_past = past_sentence(chars, i + 1, plan_year);
            }
        }
    }
    if chars.len() > start {
        out.push(Clause {
            start,
            end: chars.len(),
            sentence,
            past: mode_past || sentence_past,
        });
    }
    out
}

/// Marks characters inside quotation marks. A quote that is not closed within
/// [`MAX_QUOTE`] chars or before the sentence ends is treated as a stray mark, which keeps the
/// pass linear and stops one unbalanced quote from hiding the rest of a document.
pub(crate) fn quoted(chars: &[char]) -> Vec<bool> {
    let mut out = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let close = match chars[i] {
            '“' => '”',
            '‘' => '’',
            '「' => '」',
            '『' => '』',
            '"' => '"',
            '《' => '》',
            _ => {
                i += 1;
                continue;
            }
        };
        let limit = (i + 1 + MAX_QUOTE).min(chars.len());
        let found = (i + 1..limit)
            .take_while(|&k| !matches!(chars[k], '。' | '\n'))
            .find(|&k| chars[k] == close);
        match found {
            Some(k) => {
                out[i..=k].iter_mut().for_each(|q| *q = true);
                i = k + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// Longest quotation that still counts as a label or name.
const MAX_QUOTE: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn texts(s: &str, year: Option<u16>) -> Vec<(String, bool)> {
        let ch = c(s);
        clauses(&ch, year, false)
            .into_iter()
            .map(|cl| (ch[cl.start..cl.end].iter().collect(), cl.past))
            .collect()
    }

    #[test]
    fn splits_on_punctuation_and_hard_breaks() {
        let t = texts("甲，乙;丙。\n标题\n丁：戊", None);
        let names: Vec<&str> = t.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["甲", "乙", "丙", "标题", "丁", "戊"]);
    }

    #[test]
    fn review_sections_are_past() {
        let s = "一、2023年工作回顾\n地区生产总值增长5.8%。\n二、2024年工作安排\n地区生产总值增长6%左右。";
        let t = texts(s, Some(2024));
        let past: Vec<bool> = t
            .iter()
            .filter(|(s, _)| s.contains('%'))
            .map(|x| x.1)
            .collect();
        assert_eq!(past, [true, false]);
    }

    #[test]
    fn past_openings_and_years() {
        let t = texts(
            "过去一年，新增企业5家。\n今年，新增企业8家。2023年新增企业3家。",
            Some(2024),
        );
        let past: Vec<bool> = t
            .iter()
            .filter(|(s, _)| s.contains('家'))
            .map(|x| x.1)
            .collect();
        assert_eq!(past, [true, false, true]);
    }

    #[test]
    fn a_heading_naming_results_then_targets_opens_the_targets() {
        let s = "二、“十四五”时期发展成就和“十五五”时期主要目标任务\n地区生产总值年均增长5%左右。";
        let t = texts(s, Some(2026));
        assert!(
            t.iter().filter(|(s, _)| s.contains('%')).all(|x| !x.1),
            "{t:?}"
        );
    }

    #[test]
    fn inline_headings_switch_mode() {
        let s =
            "一、2023年工作回顾 全市地区生产总值增长5.8%。二、2024年工作安排 地区生产总值增长6%。";
        let t = texts(s, Some(2024));
        let past: Vec<bool> = t
            .iter()
            .filter(|(s, _)| s.contains('%'))
            .map(|x| x.1)
            .collect();
        assert_eq!(past, [true, false]);
    }

    #[test]
    fn quotes_are_bounded() {
        let ch = c("“三公里”就业圈“没有闭合");
        let q = quoted(&ch);
        assert!(q[1] && q[4]);
        assert!(!q[5] && !q[10]);
    }

    #[test]
    fn list_markers() {
        assert_eq!(list_marker_len(&c("1)实施"), 0), 2);
        assert_eq!(list_marker_len(&c("（三）全力"), 0), 3);
        assert_eq!(list_marker_len(&c("二、2024年"), 0), 2);
        assert_eq!(list_marker_len(&c("2.5万"), 0), 0);
        assert_eq!(list_marker_len(&c("新增"), 0), 0);
    }

    #[test]
    fn years() {
        assert_eq!(leading_year(&c("2024年工作"), 0), Some(2024));
        assert_eq!(leading_year(&c("202年"), 0), None);
    }
}
