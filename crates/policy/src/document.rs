//! Document-level facts: what sort of document a text is, who issued it, its region and plan
//! years, and [`Document`], which bundles them with the targets and results.
//!
//! Only what the title, the text (its head and its 落款 signature) or the 来源 say is
//! reported: no guessing from file names. The publication year is used only for a 政府工作报告
//! that names no year (it plans the year it is delivered in).

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
    /// The plan year: for a report `YYYY年工作安排` / `YYYY年主要预期目标` / `YYYY年重点工作`,
    /// else the title 《…YYYY年政府工作报告》 (a report delivered early in a year plans that
    /// year); for a plan or programme the last year of its period (2021—2025年, 十四五), else
    /// the year its title names, else its latest 到YYYY年 deadline; for news only the year of
    /// a document it quotes.
    pub year: Option<u16>,
    /// The first year of a plan period (2021 for 2021—2025年, 十四五); `None` for a single year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_year: Option<u16>,
    /// The policy document a news item reports on (合肥市2024年政府工作报告 in 合肥市人民政府办公室发布
    /// 《合肥市2024年政府工作报告》…): its targets are that document's, so the 量化目标 panel shows
    /// on such news. `None` for the documents themselves and for other news.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<String>,
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
        let info = facts(&chars, meta);
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

// ---------------------------------------------------------------------------------------------
// Document facts from title, head, signature and 来源: kind, issuer, region, years.

/// How many non-empty lines at the top are read as the document's head (版头, title, 文号).
const HEAD_LINES: usize = 6;
/// How many chars at the top are searched for news markers (记者, 日电) and plan periods.
const HEAD_CHARS: usize = 300;
/// How many non-empty lines at the bottom are searched for the signature (落款).
const TAIL_LINES: usize = 12;

/// Words in a headline that report on a document rather than being one: 《…》 is 印发ed,
/// 发布ed or 解读ed by someone. A government title says 关于印发 instead.
const NEWS_TITLE_WORDS: &[&str] = &[
    "印发",
    "发布",
    "出台",
    "公布",
    "出炉",
    "解读",
    "召开",
    "举行",
    "提出",
    "明确",
    "答记者问",
    "图解",
    "一图读懂",
    "聚焦",
    "亮相",
    "透露",
    "部署",
    "审议通过",
    "获悉",
    "划重点",
];
/// Markers of a news item near the top of its text.
const NEWS_HEAD_WORDS: &[&str] = &[
    "记者",
    "日电",
    "本报讯",
    "通讯员",
    "新华社",
    "中新网",
    "消息，",
    "消息,",
    "讯（",
    "讯(",
    "近日，",
    "日前，",
    "近日,",
    "日前,",
];
/// Document-type words: the one that ends last in a document's name decides its kind
/// (…规划实施方案 is a programme, 关于印发…规划的通知 carries a plan).
const KIND_WORDS: &[(&str, DocKind)] = &[
    ("规划", DocKind::Plan),
    ("规划纲要", DocKind::Plan),
    ("方案", DocKind::Programme),
    ("行动计划", DocKind::Programme),
    ("工作计划", DocKind::Programme),
    ("三年行动", DocKind::Programme),
    ("专项行动", DocKind::Programme),
    ("攻坚行动", DocKind::Programme),
    ("工作要点", DocKind::Programme),
    ("通知", DocKind::Notice),
    ("意见", DocKind::Notice),
    ("办法", DocKind::Notice),
    ("措施", DocKind::Notice),
    ("政策", DocKind::Notice),
    ("细则", DocKind::Notice),
    ("决定", DocKind::Notice),
    ("规定", DocKind::Notice),
    ("通告", DocKind::Notice),
    ("公告", DocKind::Notice),
    ("条例", DocKind::Notice),
    ("指南", DocKind::Notice),
    ("若干举措", DocKind::Notice),
];
/// Endings of an issuing body's name, longest first.
const BODY_SUFFIXES: &[&str] = &[
    "人民政府办公厅",
    "人民政府办公室",
    "人民政府",
    "管理委员会",
    "委员会",
    "办公厅",
    "办公室",
    "领导小组",
    "国务院",
    "政府",
    "中心",
    "局",
    "厅",
    "委",
    "部",
    "署",
];
/// A name containing one of these is a news outlet, never an issuer of a government document.
const MEDIA_WORDS: &[&str] = &[
    "日报",
    "晚报",
    "早报",
    "商报",
    "新闻",
    "电视",
    "广播",
    "报社",
    "融媒",
    "网",
    "新华社",
    "记者",
    "客户端",
    "杂志",
];
/// Bodies of the central government: their documents are national (region 全国).
const NATIONAL_PREFIXES: &[&str] = &[
    "国务院",
    "国家",
    "中共中央",
    "全国",
    "中华人民共和国",
    "工业和信息化部",
    "财政部",
    "商务部",
    "科技部",
    "科学技术部",
    "生态环境部",
    "交通运输部",
    "住房和城乡建设部",
    "农业农村部",
    "人力资源和社会保障部",
    "自然资源部",
    "教育部",
    "文化和旅游部",
    "中国人民银行",
];
/// Words that open a phrase, not a place name (支持新区发展 names no region).
const NOT_REGION_OPENINGS: &[&str] = &[
    "关于",
    "印发",
    "加快",
    "支持",
    "推动",
    "促进",
    "进一步",
    "全面",
    "深化",
    "建设",
    "打造",
    "实施",
    "开展",
    "做好",
    "优化",
    "提升",
    "推进",
    "加强",
    "全力",
    "持续",
    "扎实",
    "聚焦",
    "我省",
    "我市",
    "我区",
    "全省",
    "全市",
    "全区",
];
/// Endings of areas that are not administrative regions (皖北地区, 高新园区, 示范区).
const NOT_REGION_ENDINGS: &[&str] = &[
    "地区",
    "城区",
    "园区",
    "片区",
    "开发区",
    "示范区",
    "试验区",
    "景区",
    "社区",
    "小区",
    "街区",
    "山区",
    "功能区",
    "自贸区",
    "保税区",
    "都市区",
    "集聚区",
    "先行区",
    "核心区",
    "老区",
    "矿区",
    "库区",
    "辖区",
    "市区",
    "政区",
];

/// Reads kind, issuer, region and years from the text and what the publisher knows of it.
fn facts(chars: &[char], meta: &Meta<'_>) -> DocumentInfo {
    // Facts are read in simplified script; the fold is char for char.
    let folded = crate::script::simplified_chars(chars);
    let chars = &folded[..];
    let head = head_lines(chars);
    let source = meta.source.map(crate::script::simplified);
    let title: String = meta
        .title
        .map(|t| crate::script::simplified(t.trim()))
        .filter(|t| !t.is_empty())
        .or_else(|| head.first().cloned())
        .unwrap_or_default();
    let top: String = chars.iter().take(HEAD_CHARS).collect();
    let kind = kind_of(
        &title,
        &head,
        &top,
        meta.title.is_some_and(|t| !t.trim().is_empty()),
    );
    let issuer = if kind == DocKind::News {
        None
    } else {
        issuer_of(&title, &head, chars, source.as_deref(), kind)
    };
    let legacy = info_of(chars);
    let title_region = region_in_title(&title).filter(|r| kind != DocKind::News || r != "全国");
    let issuer_region = issuer.as_deref().and_then(region_of_issuer);
    let region = if kind == DocKind::WorkReport {
        legacy.region.or(title_region).or(issuer_region)
    } else {
        title_region.or(issuer_region).or(legacy.region)
    };
    let (first_year, year) = years_of(kind, &title, &top, chars, meta);
    let covers = if kind == DocKind::News {
        covered_document(&title, &top)
    } else {
        None
    };
    DocumentInfo {
        kind,
        issuer,
        region,
        year,
        first_year,
        covers,
    }
}

/// Words that end the name of a policy document (报告, 规划, 方案…).
const DOCUMENT_NAME_ENDS: &[&str] = &[
    "报告", "规划", "纲要", "方案", "计划", "意见", "通知", "办法", "措施", "政策", "决定",
];
/// Shorter quoted names are abbreviations (《方案》, 《工作报告》), not the document's name.
const MIN_DOCUMENT_NAME: usize = 6;

/// The first 《…》 in the headline, else in the opening, that names a policy document: what a
/// news item reports on (发布《合肥市2024年政府工作报告》, 《江苏省“十四五”绿色交通发展规划》出台).
fn covered_document(title: &str, top: &str) -> Option<String> {
    [title, top].into_iter().find_map(|s| {
        s.split('《').skip(1).find_map(|quoted| {
            let name = quoted.split('》').next()?.trim();
            (quoted.contains('》')
                && name.chars().count() >= MIN_DOCUMENT_NAME
                && DOCUMENT_NAME_ENDS.iter().any(|w| name.ends_with(w)))
            .then(|| name.to_string())
        })
    })
}

/// The first [`HEAD_LINES`] non-empty lines, trimmed.
fn head_lines(chars: &[char]) -> Vec<String> {
    chars
        .split(|&c| c == '\n')
        .map(|l| l.iter().collect::<String>().trim().to_string())
        .filter(|l| !l.is_empty())
        .take(HEAD_LINES)
        .collect()
}

/// The last [`TAIL_LINES`] non-empty lines, trimmed, in text order.
fn tail_lines(chars: &[char]) -> Vec<String> {
    let mut lines: Vec<String> = chars
        .rsplit(|&c| c == '\n')
        .map(|l| l.iter().collect::<String>().trim().to_string())
        .filter(|l| !l.is_empty())
        .take(TAIL_LINES)
        .collect();
    lines.reverse();
    lines
}

/// `s` with the parts inside 《》 blanked, so a quoted document name does not speak for the
/// headline that quotes it.
fn outside_quotes(s: &str) -> String {
    let mut depth = 0usize;
    s.chars()
        .map(|c| match c {
            '《' => {
                depth += 1;
                ' '
            }
            '》' => {
                depth = depth.saturating_sub(1);
                ' '
            }
            _ if depth > 0 => ' ',
            _ => c,
        })
        .collect()
}

fn kind_of(title: &str, head: &[String], top: &str, titled: bool) -> DocKind {
    let bare = outside_quotes(title);
    // A page's own label: …实施意见(报道) is coverage of the 意见.
    if ["(报道)", "（报道）"]
        .iter()
        .any(|w| title.trim_end().ends_with(w))
    {
        return DocKind::News;
    }
    // The report itself, as a news agency releases it: 发布…政府工作报告全文.
    let t = title.trim_end();
    if t.contains("政府工作报告")
        && ["全文", "（全文）", "(全文)"]
            .iter()
            .any(|w| t.ends_with(w))
    {
        return DocKind::WorkReport;
    }
    // Readings and summaries of a document are news whatever they quote.
    if ["解读", "图解", "一图读懂", "答记者问", "要点", "全文发布"]
        .iter()
        .any(|w| bare.contains(w))
    {
        return DocKind::News;
    }
    // A government title (…关于…) speaks for itself; anything else may be a headline.
    if !title.contains("关于") {
        let headline = NEWS_TITLE_WORDS.iter().any(|w| bare.contains(w))
            || ['：', '|', '丨', '｜'].iter().any(|c| bare.contains(*c))
            || (bare.contains(':') && !bare.contains("政府工作报告"));
        let marked = NEWS_HEAD_WORDS.iter().any(|w| top.contains(w))
            || top.find('据').is_some_and(|i| {
                top[i..]
                    .chars()
                    .take(16)
                    .collect::<String>()
                    .contains("消息")
            });
        if headline || marked {
            return DocKind::News;
        }
    }
    // A title that names no document type is a news headline; without a title, the text's
    // own heading lines are read.
    let names: Vec<&str> = if titled {
        vec![title]
    } else {
        head.iter().take(3).map(String::as_str).collect()
    };
    names
        .into_iter()
        .find_map(kind_of_name)
        .unwrap_or(DocKind::News)
}

/// The kind a document's name states: 政府工作报告, or the type word that ends last in the
/// name, or in the document a 关于印发…的通知 carries.
fn kind_of_name(name: &str) -> Option<DocKind> {
    if name.contains("政府工作报告") {
        return Some(DocKind::WorkReport);
    }
    let carried = match name.find("印发") {
        Some(i) => {
            let rest = &name[i + "印发".len()..];
            rest.rfind("的通知").map_or(rest, |j| &rest[..j])
        }
        None => name,
    };
    let last_kind = |s: &str| {
        KIND_WORDS
            .iter()
            .filter_map(|(w, k)| s.rfind(w).map(|i| (i + w.len(), *k)))
            .max_by_key(|&(end, _)| end)
            .map(|(_, k)| k)
    };
    last_kind(carried).or_else(|| last_kind(name))
}

/// A body's name: ideographs (and brackets) ending in an office word, not a news outlet.
fn is_body(name: &str) -> bool {
    let n = name.chars().count();
    (3..=40).contains(&n)
        && name
            .chars()
            .all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c) || "（）()".contains(c))
        && BODY_SUFFIXES.iter().any(|s| name.ends_with(s))
        && !MEDIA_WORDS.iter().any(|w| name.contains(w))
        && !name.contains("关于")
}

/// The body named before 关于 in a title (安徽省人民政府关于印发…的通知), or a body standing
/// alone on a line (版头 安徽省人民政府文件 included).
fn body_in_line(line: &str) -> Option<String> {
    let line = line.trim();
    if let Some(i) = line.find("关于") {
        let before = line[..i].trim();
        // Joint issuers are separated by spaces or 、: the first one leads.
        let first = before
            .split(|c: char| c.is_whitespace() || c == '、')
            .find(|s| !s.is_empty())?;
        return is_body(first).then(|| first.to_string());
    }
    let line = line.strip_suffix("文件").unwrap_or(line);
    let first = line.split_whitespace().next()?;
    is_body(first).then(|| first.to_string())
}

/// A 落款 date line: 2024年3月1日, 二〇二四年三月一日, optionally in brackets.
fn is_date_line(line: &str) -> bool {
    let l: Vec<char> = line
        .trim_matches(|c: char| c.is_whitespace() || "（）()".contains(c))
        .chars()
        .collect();
    l.len() >= 8
        && l.len() <= 16
        && l.last() == Some(&'日')
        && l.contains(&'年')
        && l.contains(&'月')
        && l.iter()
            .all(|c| c.is_ascii_digit() || "年月日〇零一二三四五六七八九十".contains(*c))
}

fn issuer_of(
    title: &str,
    head: &[String],
    chars: &[char],
    source: Option<&str>,
    kind: DocKind,
) -> Option<String> {
    if let Some(b) = title
        .contains("关于")
        .then(|| body_in_line(title))
        .flatten()
    {
        return Some(b);
    }
    // 落款: the body line(s) right above the last date line near the end.
    let tail = tail_lines(chars);
    if let Some(d) = tail.iter().rposition(|l| is_date_line(l)) {
        let mut k = d;
        let mut found = None;
        while k > 0 {
            k -= 1;
            match tail[k].split_whitespace().next().filter(|b| is_body(b)) {
                Some(b) => found = Some(b.to_string()),
                None => break,
            }
        }
        if found.is_some() {
            return found;
        }
    }
    if let Some(b) = head.iter().find_map(|l| body_in_line(l)) {
        return Some(b);
    }
    if kind == DocKind::WorkReport {
        // A 政府工作报告 is the government's: 在合肥市第十七届人民代表大会… → 合肥市人民政府.
        if let Some(r) = region(chars) {
            return Some(format!("{r}人民政府"));
        }
    }
    source
        .map(str::trim)
        .filter(|s| is_body(s))
        .map(str::to_string)
}

/// Is `c` a char that ends a region name (省, 市, 区…)?
fn is_region_end(c: char) -> bool {
    matches!(c, '省' | '市' | '县' | '区' | '州' | '盟' | '旗')
}

/// The administrative regions that `s` opens with, most specific last: 安徽省合肥市包河区 →
/// [安徽省, 合肥市, 包河区]. A document's region is the whole chain it states.
fn leading_regions(s: &str) -> Vec<String> {
    let cs: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    'segments: while i < cs.len() {
        if NOT_REGION_OPENINGS.iter().any(|w| matches_at(&cs, i, w)) {
            break;
        }
        for e in i + 2..=(i + MAX_REGION).min(cs.len()) {
            let c = cs[e - 1];
            if !('\u{4E00}'..='\u{9FFF}').contains(&c) || "的和与及在之、丨".contains(c) {
                break 'segments;
            }
            if !is_region_end(c) {
                continue;
            }
            // 杭州市, 贵州省: 州 followed by 市/省/区/县 belongs to the name.
            let e = if c == '州'
                && cs
                    .get(e)
                    .is_some_and(|&n| matches!(n, '市' | '省' | '区' | '县'))
            {
                e + 1
            } else {
                e
            };
            let name: String = cs[i..e].iter().collect();
            let autonomous = ["自治区", "自治州", "自治县", "特别行政区"]
                .iter()
                .any(|w| name.ends_with(w));
            if !autonomous && e - i > 6 {
                break 'segments;
            }
            if NOT_REGION_ENDINGS.iter().any(|w| name.ends_with(w)) {
                break 'segments;
            }
            out.push(name);
            i = e;
            continue 'segments;
        }
        break;
    }
    out
}

/// The region a title opens with, or the one right after its 关于印发 / 印发 (安徽省…方案).
fn region_in_title(title: &str) -> Option<String> {
    title
        .split(['丨', '｜', '|', '：', ':', '】'])
        .find_map(region_in_title_part)
}

fn region_in_title_part(title: &str) -> Option<String> {
    let title = title.trim_start_matches(['《', '“', '"', ' ', '【']);
    if NATIONAL_PREFIXES.iter().any(|p| title.starts_with(p)) {
        return Some("全国".to_string());
    }
    let regions = leading_regions(title);
    if !regions.is_empty() {
        return Some(regions.concat());
    }
    let i = title.find("印发")?;
    let rest = title[i + "印发".len()..].trim_start_matches(['《', '“', '"', ' ']);
    let regions = leading_regions(rest);
    (!regions.is_empty()).then(|| regions.concat())
}

/// The region of an issuing body: 安徽省人民政府 → 安徽省, 国家能源局 → 全国.
fn region_of_issuer(issuer: &str) -> Option<String> {
    if NATIONAL_PREFIXES.iter().any(|p| issuer.starts_with(p)) {
        return Some("全国".to_string());
    }
    let regions = leading_regions(issuer);
    (!regions.is_empty()).then(|| regions.concat())
}

/// A plan period `YYYY(年)—YYYY年` (also with -, ~, 至, 到), or 十三五/十四五/十五五.
fn period_in(s: &str) -> Option<(u16, u16)> {
    let cs: Vec<char> = s.chars().collect();
    let year_at = |i: usize| -> Option<u16> {
        let d = cs.get(i..i + 4)?;
        if !d.iter().all(char::is_ascii_digit) || cs.get(i + 4).is_some_and(char::is_ascii_digit) {
            return None;
        }
        d.iter()
            .try_fold(0u16, |acc, c| Some(acc * 10 + c.to_digit(10)? as u16))
    };
    for i in 0..cs.len() {
        if i > 0 && cs[i - 1].is_ascii_digit() {
            continue;
        }
        let Some(a) = year_at(i) else { continue };
        let mut j = i + 4;
        if cs.get(j) == Some(&'年') {
            j += 1;
        }
        let sep = j;
        while cs.get(j).is_some_and(|c| "—–-－~～至到―一 ".contains(*c)) {
            j += 1;
        }
        if j == sep {
            continue;
        }
        let Some(b) = year_at(j) else { continue };
        let closes = matches!(cs.get(j + 4), None | Some('年' | '）' | ')'));
        if closes && (2000..2100).contains(&a) && a < b && b - a <= 15 {
            return Some((a, b));
        }
    }
    for (name, a, b) in [
        ("十三五", 2016, 2020),
        ("十四五", 2021, 2025),
        ("十五五", 2026, 2030),
    ] {
        if s.contains(name) {
            return Some((a, b));
        }
    }
    None
}

/// The latest deadline 到/至 YYYY年 in the text.
fn latest_deadline(chars: &[char]) -> Option<u16> {
    (1..chars.len())
        .filter(|&i| matches!(chars[i - 1], '到' | '至'))
        .filter_map(|i| crate::clause::leading_year(chars, i))
        .filter(|y| (2000..2100).contains(y))
        .max()
}

/// A single year named by a title (XX省2024年…工作方案), not a deadline or a period.
fn title_year(title: &str) -> Option<u16> {
    let cs: Vec<char> = title.chars().collect();
    let mut years = (0..cs.len())
        .filter(|&i| i == 0 || !(cs[i - 1].is_ascii_digit() || matches!(cs[i - 1], '到' | '至')))
        .filter_map(|i| crate::clause::leading_year(&cs, i))
        .filter(|y| (1949..2100).contains(y));
    let y = years.next()?;
    years.next().is_none().then_some(y)
}

/// `(first_year, year)` by kind: a report's plan year, a plan's or programme's period, else
/// its latest deadline; news only the plan years of the document it quotes.
fn years_of(
    kind: DocKind,
    title: &str,
    top: &str,
    chars: &[char],
    meta: &Meta<'_>,
) -> (Option<u16>, Option<u16>) {
    let title_chars: Vec<char> = title.chars().collect();
    match kind {
        DocKind::WorkReport => (
            None,
            plan_year(chars)
                .or_else(|| plan_year(&title_chars))
                .or(meta.published_year),
        ),
        DocKind::News => {
            let quoted: String = [title, top]
                .iter()
                .flat_map(|s| s.split('《').skip(1))
                .filter_map(|q| q.split('》').next())
                .collect::<Vec<_>>()
                .join("》");
            match period_in(&quoted) {
                Some((a, b)) => (Some(a), Some(b)),
                None => (None, plan_year(chars).or_else(|| plan_year(&title_chars))),
            }
        }
        DocKind::Plan | DocKind::Programme | DocKind::Notice => {
            if let Some((a, b)) = period_in(title).or_else(|| period_in(top)) {
                return (Some(a), Some(b));
            }
            let year = title_year(title)
                .or_else(|| latest_deadline(chars))
                .or_else(|| plan_year(chars));
            // 三年行动 with only its last year stated: the period is that year and the two before.
            let first = year
                .filter(|_| title.contains("三年行动"))
                .map(|y| y.saturating_sub(2));
            (first, year)
        }
    }
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

    fn facts_of(title: Option<&str>, text: &str, source: Option<&str>) -> DocumentInfo {
        let chars: Vec<char> = text.chars().collect();
        facts(
            &chars,
            &Meta {
                title,
                source,
                published_year: Some(2024),
            },
        )
    }

    #[test]
    fn kind_from_title_and_head() {
        let k = |title: &str| facts_of(Some(title), "", None).kind;
        assert_eq!(k("安徽省2024年政府工作报告"), DocKind::WorkReport);
        assert_eq!(k("江西省“十四五”能源发展规划"), DocKind::Plan);
        assert_eq!(
            k(
                "湖南省人民政府办公厅关于印发《湖南省新型储能产业发展三年行动计划（2024—2026年）》的通知"
            ),
            DocKind::Programme
        );
        assert_eq!(
            k("某某市人民政府关于印发某某市国土空间总体规划的通知"),
            DocKind::Plan
        );
        assert_eq!(
            k("某某县人民政府关于进一步做好稳就业工作的通知"),
            DocKind::Notice
        );
        assert_eq!(k("某某市支持光伏产业高质量发展若干政策"), DocKind::Notice);
        assert_eq!(k("福建省推动规划落地实施方案"), DocKind::Programme);
        // News about a plan is news.
        assert_eq!(k("《福建省新能源汽车产业发展行动方案》印发"), DocKind::News);
        assert_eq!(k("甘肃省印发新能源汽车产业发展行动方案"), DocKind::News);
        assert_eq!(k("某某省2025年政府工作报告（全文）"), DocKind::WorkReport);
        assert_eq!(k("图解：某某省2025年政府工作报告"), DocKind::News);
        assert_eq!(k("某某省政府工作报告解读：今年GDP增长5%"), DocKind::News);
        assert_eq!(k("一季度全省经济运行稳中有进"), DocKind::News);
        assert_eq!(
            k("某某市人民政府办公厅关于促进氢能产业发展的实施意见(报道)"),
            DocKind::News
        );
        assert_eq!(
            k("某某省政府工作报告：今年地区生产总值预期增长5%"),
            DocKind::News
        );
        assert_eq!(k("2025年某某市政府工作报告全文发布"), DocKind::News);
        assert_eq!(k("新华社发布政府工作报告全文"), DocKind::WorkReport);
        // A title naming no document type is a headline, whatever the text mentions.
        assert_eq!(
            facts_of(
                Some("某某市2024年十件民生实事项目"),
                "某某市2024年政府工作报告提出",
                None
            )
            .kind,
            DocKind::News
        );
        // Text markers of a news item override a plan-like headline.
        let text = "新华社南宁3月2日电（记者 王某）广西日前发布行动方案，提出到2025年…";
        assert_eq!(
            facts_of(Some("广西壮族自治区新型储能行动方案"), text, None).kind,
            DocKind::News
        );
        // Without a title the text's own heading is read.
        let text = "某某省人民政府关于印发某某省充电基础设施建设实施方案的通知\n各市人民政府：\n现将…印发给你们";
        assert_eq!(facts_of(None, text, None).kind, DocKind::Programme);
    }

    #[test]
    fn issuer_from_title_signature_head_or_source() {
        let f = facts_of(
            Some("河北省人民政府办公厅关于印发河北省氢能产业发展实施方案的通知"),
            "各市人民政府：",
            Some("河北日报"),
        );
        assert_eq!(f.issuer.as_deref(), Some("河北省人民政府办公厅"));
        assert_eq!(f.region.as_deref(), Some("河北省"));

        let text = "某某市光伏产业发展实施方案\n一、总体要求\n到2027年，光伏产值突破500亿元。\n\n某某市发展和改革委员会\n2024年5月8日\n（此件公开发布）";
        let f = facts_of(None, text, None);
        assert_eq!(f.kind, DocKind::Programme);
        assert_eq!(f.issuer.as_deref(), Some("某某市发展和改革委员会"));
        assert_eq!(f.region.as_deref(), Some("某某市"));
        assert_eq!((f.first_year, f.year), (None, Some(2027)));

        let f = facts_of(
            Some("某某县促进消费若干措施"),
            "为促进消费……",
            Some("某某县商务局"),
        );
        assert_eq!(f.issuer.as_deref(), Some("某某县商务局"));
        assert_eq!(f.region.as_deref(), Some("某某县"));

        // A newspaper is never the issuer; news has none.
        let f = facts_of(
            Some("某某县促进消费若干措施"),
            "为促进消费……",
            Some("某某晚报"),
        );
        assert_eq!(f.issuer, None);
        let f = facts_of(
            Some("某某市印发光伏产业方案"),
            "本报讯（记者 李某）近日，某某市人民政府印发…",
            Some("某某市人民政府"),
        );
        assert_eq!((f.kind, f.issuer), (DocKind::News, None));
        assert_eq!(f.region.as_deref(), Some("某某市"));
    }

    #[test]
    fn national_and_autonomous_regions() {
        let f = facts_of(
            Some("国家能源局关于印发《2024年能源工作指导意见》的通知"),
            "",
            None,
        );
        assert_eq!(f.issuer.as_deref(), Some("国家能源局"));
        assert_eq!(f.region.as_deref(), Some("全国"));
        assert_eq!(f.kind, DocKind::Notice);
        let f = facts_of(Some("国务院关于印发2030年前碳达峰行动方案的通知"), "", None);
        assert_eq!(
            (f.kind, f.region.as_deref()),
            (DocKind::Programme, Some("全国"))
        );
        assert_eq!(
            region_in_title("西双版纳傣族自治州人民政府关于…").as_deref(),
            Some("西双版纳傣族自治州")
        );
        assert_eq!(
            region_in_title("安徽省合肥市包河区老旧小区改造方案").as_deref(),
            Some("安徽省合肥市包河区")
        );
        assert_eq!(
            region_in_title("贵州省大数据发展规划").as_deref(),
            Some("贵州省")
        );
        assert_eq!(
            region_in_title("杭州市数字经济规划").as_deref(),
            Some("杭州市")
        );
        assert_eq!(region_in_title("支持新区发展若干措施"), None);
        assert_eq!(region_in_title("皖北地区振兴方案"), None);
        assert_eq!(
            region_in_title("最新丨某某区发布2025年民生实事").as_deref(),
            Some("某某区")
        );
        assert_eq!(
            region_in_title("关于印发内蒙古自治区风电发展方案的通知").as_deref(),
            Some("内蒙古自治区")
        );
    }

    #[test]
    fn plan_periods_and_deadlines() {
        let y = |title: &str, text: &str| {
            let f = facts_of(Some(title), text, None);
            (f.first_year, f.year)
        };
        assert_eq!(
            y("某某省新型储能发展规划（2021—2025年）", ""),
            (Some(2021), Some(2025))
        );
        assert_eq!(
            y("某某省“十四五”新能源汽车产业发展规划", ""),
            (Some(2021), Some(2025))
        );
        assert_eq!(
            y("某某市充电设施三年行动方案（2024-2026年）", "到2030年…"),
            (Some(2024), Some(2026))
        );
        assert_eq!(
            y(
                "某某市氢能三年行动计划",
                "到2025年，氢能产值达到100亿元；到2027年，…"
            ),
            (Some(2025), Some(2027))
        );
        assert_eq!(
            y("某某市储能产业实施方案", "到2025年，…；到2030年，…"),
            (None, Some(2030))
        );
        assert_eq!(
            y("某某市2024年稳增长工作方案", "到2030年"),
            (None, Some(2024))
        );
        // News: only the years of the document it quotes.
        assert_eq!(
            y("某某省印发《某某省储能行动方案（2024—2026年）》", ""),
            (Some(2024), Some(2026))
        );
        assert_eq!(y("某某省一季度经济运行情况", "到2025年"), (None, None));
    }

    proptest::proptest! {
        #[test]
        fn facts_never_panic(
            title in "[关于印发的通知方案规划十四五0-9年—《》：省市区州县人民政府局\n ]{0,30}",
            text in "[关于印发的通知方案规划十四五0-9年月日到至—《》：省市区州县人民政府局据消息记者\n ]{0,80}",
        ) {
            let chars: Vec<char> = text.chars().collect();
            let meta = Meta { title: Some(&title), source: Some(&title), published_year: None };
            let _ = facts(&chars, &meta);
        }
    }

    #[test]
    fn seed_news_keeps_the_report_it_quotes() {
        let text = include_str!("../tests/fixtures/seed-article-hefei-nev-2024.txt");
        let f = facts_of(
            Some("合肥丨携手打造新能源与智能网联汽车世界级产业集群"),
            text,
            None,
        );
        assert_eq!(f.kind, DocKind::News);
        assert_eq!(f.region.as_deref(), Some("合肥市"));
        assert_eq!((f.issuer, f.year), (None, Some(2024)));
        assert_eq!(f.covers.as_deref(), Some("合肥市2024年政府工作报告"));
    }

    #[test]
    fn news_names_the_document_it_reports_on() {
        let covers = |title: &str, text: &str| facts_of(Some(title), text, None).covers;
        assert_eq!(
            covers(
                "某省“十四五”绿色交通发展规划出台",
                "近日，某省交通运输厅正式印发《某省“十四五”绿色交通发展规划》（简称《规划》）。"
            )
            .as_deref(),
            Some("某省“十四五”绿色交通发展规划")
        );
        assert_eq!(
            covers("《某市推进新型储能发展行动方案》发布", "").as_deref(),
            Some("某市推进新型储能发展行动方案")
        );
        // Abbreviations and books are not documents; statistics news covers none.
        assert_eq!(
            covers("某地光伏装机再创新高", "《方案》明确，读《平凡的世界》。"),
            None
        );
        assert_eq!(
            covers("一季度全国光伏新增并网4574万千瓦", "国家能源局发布数据显示"),
            None
        );
        // A document itself covers nothing.
        assert_eq!(
            covers(
                "某省人民政府关于印发某省碳达峰实施方案的通知",
                "各市人民政府："
            ),
            None
        );
    }

    #[test]
    fn work_report_facts() {
        let text = "政府工作报告\n——2025年1月14日在某某市第十六届人民代表大会第四次会议上\n市长 张某\n一、2024年工作回顾\n二、2025年主要目标任务";
        let f = facts_of(None, text, None);
        assert_eq!(f.kind, DocKind::WorkReport);
        assert_eq!(f.region.as_deref(), Some("某某市"));
        assert_eq!(f.issuer.as_deref(), Some("某某市人民政府"));
        assert_eq!((f.first_year, f.year), (None, Some(2025)));
        // No year stated anywhere: a report plans the year it is published in.
        assert_eq!(
            facts_of(Some("政府工作报告"), "各位代表：", None).year,
            Some(2024)
        );
    }
}
