//! Extracts quantitative policy targets (量化目标) from Chinese government text.
//!
//! Text in, records out: no I/O, no async, no allocation beyond the results and one `Vec<char>`
//! of the input. The records follow `TARGETS-SCHEMA.md` (the project's annotation guide):
//!
//! - `start`/`end` are **character (Unicode code point) offsets**, 0-based and end-exclusive,
//!   exactly as in the gold files, so `text.chars().skip(start).take(end - start)` is the
//!   target's `text`. Use [`Target::byte_range`] to slice a `&str` directly.
//! - `value` is the number as written, with 万/亿 kept in `unit` (14.5 + 万人).
//! - `comparator`, `kind` and `aspirational` follow the schema's cue-word tables.
//! - `sector` comes from the keyword table in this crate (see [`Sector`]); it is not part of
//!   the schema.
//!
//! Besides the numbers with units, the extractor reads Chinese numerals (两, 百项, 万家),
//! ranges (1~2, 一至两), qualifiers (左右, 以上, 突破, 不低于, 以内…), hedges and their scope
//! (力争 covers a whole `、`-list up to the next comma), verbs shared across a list, `其中`,
//! and 全覆盖 (100 %, `ge`, `share`). It leaves out dates, ordinals, codes and names (十四五,
//! G60, 5G, 4号线), category thresholds (亿元以上重点项目), existing stock that is merely
//! operated (用好…86个场馆), continuing projects (加快建设…等4个大装置) and the review of
//! past years.
//!
//! ```
//! use policy::{extract, Comparator, Kind};
//!
//! let text = "力争新能源汽车产量突破120万辆，新增百亿企业5家左右、千亿企业1~2家。";
//! let targets = extract(text);
//! assert_eq!(targets.len(), 3);
//!
//! let t = &targets[0];
//! assert_eq!(t.text, "力争新能源汽车产量突破120万辆");
//! assert_eq!(t.indicator, "新能源汽车产量");
//! assert_eq!((t.value, t.unit.as_str()), (120.0, "万辆"));
//! assert_eq!((t.comparator, t.kind, t.aspirational), (Comparator::Gt, Kind::Level, true));
//! assert_eq!(&text[t.byte_range(text)], t.text);
//!
//! let range = &targets[2];
//! assert_eq!((range.value, range.value_max), (1.0, Some(2.0)));
//! assert_eq!((range.comparator, range.kind), (Comparator::Range, Kind::Increment));
//!
//! let info = policy::document_info("《合肥市2024年政府工作报告》……二、2024年工作安排");
//! assert_eq!(info.region.as_deref(), Some("合肥市"));
//! assert_eq!(info.year, Some(2024));
//! ```
#![warn(missing_docs)]

mod clause;
mod document;
mod extract;
mod indicators;
mod lexicon;
mod numerals;
mod script;
mod view;
mod words;

use serde::{Deserialize, Serialize};

pub use document::{DocKind, Document, DocumentInfo, Meta, document_info};
pub use extract::{extract, figures_of};
pub use indicators::{indicator_key, indicator_label};
pub use words::{ENERGY_WORDS, energy_words, segmenter};

/// One quantitative target found in a text (a record of `TARGETS-SCHEMA.md` §2, minus `doc`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Start of the clause that states the target, in chars (code points) from the text start.
    pub start: usize,
    /// End of that clause (exclusive), in chars.
    pub end: usize,
    /// The clause itself: the text's chars `start..end`.
    pub text: String,
    /// What is measured (网上零售额, 百亿企业), without hedge, verb, number or qualifier.
    pub indicator: String,
    /// The number as written, in the document's unit (120 for 120万辆).
    pub value: f64,
    /// The upper bound of a range (2 for 1~2); `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<f64>,
    /// The unit as written, magnitude included (万辆, 亿元, %, 个百分点).
    pub unit: String,
    /// How the value bounds the outcome.
    pub comparator: Comparator,
    /// What sort of quantity the value is.
    pub kind: Kind,
    /// The target is hedged (力争, 争取, 努力, 力求, 争创).
    pub aspirational: bool,
    /// The policy area, from this crate's keyword table.
    pub sector: Sector,
    /// The year the figure is for: a target's deadline (到2027年 → 2027; a yearly report's plan
    /// year), a result's reporting year (2024年…增长5.8% → 2024). `None` when the text says none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
}

impl Target {
    /// The byte range of the target in `source`, the text it was extracted from, for slicing a
    /// `&str`. Offsets past the end are clamped to the text's length.
    pub fn byte_range(&self, source: &str) -> std::ops::Range<usize> {
        let mut starts = source
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(source.len()));
        let start = starts.nth(self.start).unwrap_or(source.len());
        let end = starts
            .nth(self.end.saturating_sub(self.start + 1))
            .unwrap_or(source.len());
        start..end.max(start)
    }
}

/// How a target's value bounds the outcome (schema §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparator {
    /// More than the value: 突破, 超过, 超, 高于, N万多个.
    Gt,
    /// At least the value: 以上, 不低于, 达到, 至少, 全覆盖.
    Ge,
    /// About the value: 左右, 约 (these win over 达).
    Approx,
    /// At most the value: 以内, 不超过, 控制在…以内.
    Le,
    /// Between `value` and `value_max`: 1~2, 一至两.
    Range,
    /// Exactly the value: a plain number, 保持/稳定 N.
    Eq,
}

/// What sort of quantity a target is (schema §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A rate of change: 增长 6%, 提高 3 个百分点.
    Growth,
    /// A count or amount done or added in the period: 新增, 建成, 完成, 培育…
    Increment,
    /// A total, scale or stock reached or kept: 产量突破 120 万辆.
    Level,
    /// A ratio or coverage: 覆盖率 90%, 占比, 全覆盖.
    Share,
}

/// The policy area of a target, assigned from a keyword table: the first sector (in the order
/// below) with a keyword in the target's indicator, then its clause, then the text just before.
/// Serialized as the Chinese name.
///
/// | sector | some keywords |
/// |---|---|
/// | 新能源汽车 | 新能源汽车, 智能网联, 充电桩, 整车, 汽车 |
/// | 光伏 | 光伏, 太阳能 |
/// | 储能 | 储能, 电池, 氢能 |
/// | 信息技术 | 信息技术, 芯片, 集成电路, 软件, 人工智能, 算力, 工业互联网, 5G |
/// | 金融 | 金融, 贷款, 融资, 授信, 上市, 基金 |
/// | 消费 | 消费, 零售, 商业街, 首店, 促销, 电商 |
/// | 外贸 | 进出口, 外资, 外贸, 友城, 跨境 |
/// | 交通 | 交通, 航线, 铁路, 公路, 轨道, 班列, 港口, 物流 |
/// | 教育 | 教育, 学校, 中小学, 幼儿园, 学位, 高校 |
/// | 文化 | 文化, 旅游, 文旅, 体育, 健身, 精品线路 |
/// | 农业 | 农业, 粮食, 耕地, 农田, 种业, 农产品, 乡村 |
/// | 生态 | 生态, 绿地, 绿道, 造林, 水质, 污染, 公园, 碳, 节能 |
/// | 城建 | 城市更新, 老旧小区, 小区, 停车, 街区, 管网, 保障性住房 |
/// | 民生 | 就业, 养老, 医疗, 参保, 托育, 住房, 创业, 可支配收入 |
/// | 科技 | 科技, 研发, 专利, 技术, 创新, 博士后, 人才 |
/// | 工业 | 工业, 制造, 企业, 产业, 产品, 项目, 产值 |
/// | 综合 | none of the above (地区生产总值, 固定资产投资…) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sector {
    /// 新能源汽车
    #[serde(rename = "新能源汽车")]
    NewEnergyVehicle,
    /// 光伏
    #[serde(rename = "光伏")]
    Photovoltaic,
    /// 储能
    #[serde(rename = "储能")]
    EnergyStorage,
    /// 信息技术
    #[serde(rename = "信息技术")]
    InformationTechnology,
    /// 金融
    #[serde(rename = "金融")]
    Finance,
    /// 消费
    #[serde(rename = "消费")]
    Consumption,
    /// 外贸 (foreign trade and investment)
    #[serde(rename = "外贸")]
    Trade,
    /// 交通
    #[serde(rename = "交通")]
    Transport,
    /// 教育
    #[serde(rename = "教育")]
    Education,
    /// 文化 (culture, tourism, sport)
    #[serde(rename = "文化")]
    Culture,
    /// 农业
    #[serde(rename = "农业")]
    Agriculture,
    /// 生态 (environment, energy saving)
    #[serde(rename = "生态")]
    Ecology,
    /// 城建 (urban construction and renewal)
    #[serde(rename = "城建")]
    UrbanConstruction,
    /// 民生 (jobs, social security, health)
    #[serde(rename = "民生")]
    Livelihood,
    /// 科技
    #[serde(rename = "科技")]
    Science,
    /// 工业
    #[serde(rename = "工业")]
    Industry,
    /// 综合: macro indicators and anything the table does not place.
    #[serde(rename = "综合")]
    General,
}

impl Sector {
    /// The Chinese name, as serialized (新能源汽车, 综合…).
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::NewEnergyVehicle => "新能源汽车",
            Sector::Photovoltaic => "光伏",
            Sector::EnergyStorage => "储能",
            Sector::InformationTechnology => "信息技术",
            Sector::Finance => "金融",
            Sector::Consumption => "消费",
            Sector::Trade => "外贸",
            Sector::Transport => "交通",
            Sector::Education => "教育",
            Sector::Culture => "文化",
            Sector::Agriculture => "农业",
            Sector::Ecology => "生态",
            Sector::UrbanConstruction => "城建",
            Sector::Livelihood => "民生",
            Sector::Science => "科技",
            Sector::Industry => "工业",
            Sector::General => "综合",
        }
    }
}

impl std::fmt::Display for Sector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_per_schema() {
        let t = Target {
            start: 0,
            end: 3,
            text: "绿道1公里".into(),
            indicator: "绿道".into(),
            value: 1.0,
            value_max: None,
            unit: "公里".into(),
            comparator: Comparator::Approx,
            kind: Kind::Increment,
            aspirational: false,
            sector: Sector::Ecology,
            year: None,
        };
        let v = serde_json_like(&t);
        assert!(v.contains("\"comparator\":\"approx\""), "{v}");
        assert!(v.contains("\"kind\":\"increment\""), "{v}");
        assert!(v.contains("\"sector\":\"生态\""), "{v}");
        assert!(!v.contains("value_max"), "{v}");
    }

    /// serde_json is a dev-dependency, usable from unit tests too.
    fn serde_json_like(t: &Target) -> String {
        serde_json::to_string(t).expect("serializable")
    }

    #[test]
    fn byte_range_slices_chars() {
        let src = "甲乙丙丁";
        let t = Target {
            start: 1,
            end: 3,
            text: "乙丙".into(),
            indicator: String::new(),
            value: 0.0,
            value_max: None,
            unit: String::new(),
            comparator: Comparator::Eq,
            kind: Kind::Level,
            aspirational: false,
            sector: Sector::General,
            year: None,
        };
        assert_eq!(&src[t.byte_range(src)], "乙丙");
        let far = Target {
            start: 9,
            end: 12,
            ..t
        };
        assert_eq!(far.byte_range(src), 12..12);
    }
}
