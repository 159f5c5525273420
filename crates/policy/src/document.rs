//! Document-level facts: the region and plan year a text states, and [`Document`], which
//! bundles them with the targets.
//!
//! Only what the text says is reported: no guessing from file names or publication dates.

use serde::{Deserialize, Serialize};

use crate::Target;
use crate::lexicon::matches_at;

/// What sort of document a text is; decides whether its figures are commitments or reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 政府工作报告: a review of the past year (results) and the plan of this one (targets).
    WorkReport,
    /// 规划 (五年规划, 专项规划): targets for a period of years.
    Plan,
    /// 行动方案, 实施方案, 行动计划: a programme with targets.
    Programme,
    /// 通知, 意见, 办法: a notice or policy document.
    Notice,
    /// News and statistics reports: results, and targets only where they are quoted as such.
    #[default]
    News,
}

impl DocKind {
    /// Every kind, in the order editors pick from.
    pub const ALL: [DocKind; 5] = [
        DocKind::WorkReport,
        DocKind::Plan,
        DocKind::Programme,
        DocKind::Notice,
        DocKind::News,
    ];

    /// The serialized name (work_report, plan, programme, notice, news).
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::WorkReport => "work_report",
            DocKind::Plan => "plan",
            DocKind::Programme => "programme",
            DocKind::Notice => "notice",
            DocKind::News => "news",
        }
    }

    /// The kind named `name` ([`DocKind::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// How a reader says it: 政府工作报告, 规划, 行动方案, 通知, 新闻.
    pub fn label(self) -> &'static str {
        match self {
            DocKind::WorkReport => "政府工作报告",
            DocKind::Plan => "规划",
            DocKind::Programme => "行动方案",
            DocKind::Notice => "通知",
            DocKind::News => "新闻",
        }
    }

    /// A policy document (everything but news): the 量化目标 panel shows by default.
    pub fn is_policy(self) -> bool {
        self != DocKind::News
    }
}

/// What the publisher knows of a text besides its words: the article's title, its 来源 and the
/// year it was published. Titles name the document and region (安徽省人民政府关于印发…行动方案的通知),
/// 来源 often names the issuer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Meta<'a> {
    /// The article's title.
    pub title: Option<&'a str>,
    /// The article's 来源 (source).
    pub source: Option<&'a str>,
    /// The year the article was published.
    pub published_year: Option<u16>,
}

/// Type, issuer, region and plan years stated by a document, where it states them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    /// What sort of document it is.
    #[serde(default)]
    pub kind: DocKind,
    /// The issuing body (安徽省人民政府, 合肥市发展和改革委员会), where the text or its 来源 names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The issuing region (合肥市, 安徽省, 广西壮族自治区), from a report title such as
    /// 《合肥市2024年政府工作报告》, a session line 在合肥市第十七届人民代表大会…, or
    /// 合肥市人民政府.
    pub region: Option<String>,
    /// The plan year: from `YYYY年工作安排` / `YYYY年主要预期目标` / `YYYY年重点工作`, else from
    /// the title 《…YYYY年政府工作报告》 (a report delivered early in a year plans that year).
    pub year: Option<u16>,
    /// The first year of a plan period (2021 for 2021—2025年, 十四五); `None` for a single year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_year: Option<u16>,
}

/// A text's targets together with its [`DocumentInfo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Region and plan year.
    pub info: DocumentInfo,
    /// The targets, in text order.
    pub targets: Vec<Target>,
    /// Reported results (实绩: 地区生产总值增长5.8%, 截至2024年底…达到3500万千瓦), in text
    /// order; the same record shape, `year` being the year reported on.
    pub results: Vec<Target>,
}

impl Document {
    /// Reads region, year and targets from `text`.
    pub fn analyze(text: &str) -> Self {
        Self::analyze_with(text, &Meta::default())
    }

    /// Reads type, issuer, region, years, targets and results from `text` and what the
    /// publisher knows of it.
    pub fn analyze_with(text: &str, meta: &Meta<'_>) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let mut info = info_of(&chars);
        if let Some(title) = meta.title {
            let title: Vec<char> = title.chars().collect();
            let from_title = info_of(&title);
            info.region = info.region.or(from_title.region);
            info.year = info.year.or(from_title.year);
        }
        let (targets, results) = crate::extract::figures(&chars, &info);
        Document {
            info,
            targets,
            results,
        }
    }
}

/// Finds the region and plan year that `text` states.
pub fn document_info(text: &str) -> DocumentInfo {
    let chars: Vec<char> = text.chars().collect();
    info_of(&chars)
}

/// Suffixes that end a Chinese administrative region name, longest first.
const REGION_SUFFIXES: &[&str] = &[
    "特别行政区",
    "自治区",
    "自治州",
    "省",
    "市",
    "县",
    "区",
    "州",
    "盟",
    "旗",
];
/// Longest region name we accept (内蒙古自治区 is 6, 新疆维吾尔自治区 is 8).
const MAX_REGION: usize = 12;
/// Words that, shortly after `YYYY年` (within [`PLAN_YEAR_WINDOW`] chars, no punctuation in
/// between), name that year as the plan year: 2024年工作安排, 2025年经济社会发展的主要目标,
/// 2025年计划草案, 2025年重点任务. A bare 目标 counts only when nothing stronger is found.
const PLAN_YEAR_CUES: &[&str] = &[
    "工作安排",
    "主要预期目标",
    "主要目标",
    "目标任务",
    "重点工作",
    "重点任务",
    "主要任务",
    "工作任务",
    "计划草案",
    "总体要求",
];
const PLAN_YEAR_WINDOW: usize = 16;

pub(crate) fn info_of(chars: &[char]) -> DocumentInfo {
    DocumentInfo {
        region: region(chars),
        year: plan_year(chars),
        ..DocumentInfo::default()
    }
}

fn is_region_name(name: &[char]) -> bool {
    !name.is_empty()
        && name.len() <= MAX_REGION
        && name.iter().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        && REGION_SUFFIXES.iter().any(|s| {
            crate::lexicon::ends_with_at(name, name.len(), s).is_some_and(|n| n < name.len())
        })
}

fn region(chars: &[char]) -> Option<String> {
    let n = chars.len();
    // 《合肥市2024年政府工作报告》: the name between 《 and the year.
    for i in 0..n {
        if chars[i] == '《' {
            let mut j = i + 1;
            while j < n && j - i <= MAX_REGION && !chars[j].is_ascii_digit() && chars[j] != '》' {
                j += 1;
            }
            if chars.get(j).is_some_and(char::is_ascii_digit) {
                let name = &chars[i + 1..j];
                if is_region_name(name) && crate::clause::leading_year(chars, j).is_some() {
                    return Some(name.iter().collect());
                }
            }
        }
    }
    // 在合肥市第十七届人民代表大会
    for i in 0..n {
        if chars[i] == '在' {
            let mut j = i + 1;
            while j < n && j - i <= MAX_REGION + 1 && chars[j] != '第' {
                j += 1;
            }
            if j < n && chars[j] == '第' && has_within(chars, j, 10, "人民代表大会") {
                let name = &chars[i + 1..j];
                if is_region_name(name) {
                    return Some(name.iter().collect());
                }
            }
        }
    }
    // 合肥市人民政府: the longest run of ideographs before it that names a region.
    for i in 0..n {
        if matches_at(chars, i, "人民政府") {
            let mut s = i;
            while s > 0 && i - s < MAX_REGION && ('\u{4E00}'..='\u{9FFF}').contains(&chars[s - 1]) {
                s -= 1;
            }
            // Try the longest name first, then drop leading chars (发布合肥市 → 合肥市).
            for start in s..i {
                let name = &chars[start..i];
                if is_region_name(name) && !matches!(name[0], '在' | '由' | '经' | '向') {
                    if name.len() <= 6 || start > s {
                        return Some(name.iter().collect());
                    }
                    break;
                }
            }
        }
    }
    None
}

fn has_within(chars: &[char], from: usize, window: usize, w: &str) -> bool {
    (from..(from + window).min(chars.len())).any(|k| matches_at(chars, k, w))
}

fn plan_year(chars: &[char]) -> Option<u16> {
    let n = chars.len();
    let mut title_year = None;
    let mut weak_year = None;
    for i in 0..n.saturating_sub(4) {
        let Some(y) = crate::clause::leading_year(chars, i) else {
            continue;
        };
        if i > 0 && chars[i - 1].is_ascii_digit() {
            continue;
        }
        // 到2035年…目标: a deadline, not the plan year.
        if i > 0 && matches!(chars[i - 1], '到' | '至') {
            continue;
        }
        let window = (i + 5..(i + 5 + PLAN_YEAR_WINDOW).min(n))
            .take_while(|&k| !crate::clause::is_clause_break(chars[k]) && chars[k] != '\n');
        for k in window {
            if PLAN_YEAR_CUES.iter().any(|w| matches_at(chars, k, w)) {
                return Some(y);
            }
            if weak_year.is_none() && matches_at(chars, k, "目标") {
                weak_year = Some(y);
            }
            // Another year in between (2024年计划执行情况与2025年计划草案) takes over.
            if chars[k].is_ascii_digit() {
                break;
            }
        }
        if title_year.is_none() && matches_at(chars, i + 5, "政府工作报告") {
            title_year = Some(y);
        }
    }
    title_year.or(weak_year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_title_session_or_government() {
        assert_eq!(
            document_info("《合肥市2024年政府工作报告》")
                .region
                .as_deref(),
            Some("合肥市")
        );
        assert_eq!(
            document_info("——2024年1月16日在合肥市第十七届人民代表大会第三次会议上")
                .region
                .as_deref(),
            Some("合肥市")
        );
        assert_eq!(
            document_info("2024年2月6日,合肥市人民政府办公室发布")
                .region
                .as_deref(),
            Some("合肥市")
        );
        assert_eq!(
            document_info("广西壮族自治区2025年政府工作报告").region,
            None,
            "without 《 or a session line the title alone is not read"
        );
        assert_eq!(
            document_info("《广西壮族自治区2025年政府工作报告》")
                .region
                .as_deref(),
            Some("广西壮族自治区")
        );
        assert_eq!(document_info("没有地区").region, None);
    }

    #[test]
    fn plan_year_prefers_the_plan_heading() {
        assert_eq!(document_info("二、2024年工作安排").year, Some(2024));
        assert_eq!(
            document_info("《某省2025年政府工作报告》一、2024年工作回顾 二、2025年重点工作").year,
            Some(2025)
        );
        assert_eq!(document_info("《某市2023年政府工作报告》").year, Some(2023));
        assert_eq!(document_info("2024年2月6日").year, None);
        assert_eq!(
            document_info("到2035年基本实现现代化目标。2025年经济社会发展的主要目标").year,
            Some(2025)
        );
        assert_eq!(document_info("2025年的目标是").year, Some(2025));
    }
}
