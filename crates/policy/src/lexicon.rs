//! Word lists: units, magnitudes, cue words (hedges, verbs, comparators, rate words) and the
//! sector keyword table, plus the small char-slice matching helpers that use them.
//!
//! Everything here is data or a pure lookup; the rules that combine the lists live in
//! `extract.rs`. Lists are plain slices scanned linearly: each is short (< 100 words) and is only
//! consulted around a number, so a trie would buy nothing measurable.

use crate::Sector;

/// Does `w` occur in `chars` starting at `i`?
pub(crate) fn matches_at(chars: &[char], i: usize, w: &str) -> bool {
    (i..).zip(w.chars()).all(|(j, c)| chars.get(j) == Some(&c))
}

/// Does `w` occur in `chars` ending just before `end`? Returns its char length if so.
pub(crate) fn ends_with_at(chars: &[char], end: usize, w: &str) -> Option<usize> {
    let mut j = end;
    let mut n = 0;
    for c in w.chars().rev() {
        if j == 0 || chars[j - 1] != c {
            return None;
        }
        j -= 1;
        n += 1;
    }
    Some(n)
}

/// The longest word of `list` that starts at `i`, as its char length.
pub(crate) fn longest_at(chars: &[char], i: usize, list: &[&str]) -> Option<usize> {
    list.iter()
        .filter(|w| matches_at(chars, i, w))
        .map(|w| w.chars().count())
        .max()
}

/// Does any word of `list` occur anywhere in `chars[from..to]`?
pub(crate) fn contains_any(chars: &[char], from: usize, to: usize, list: &[&str]) -> bool {
    (from..to).any(|i| list.iter().any(|w| matches_at(&chars[..to], i, w)))
}

/// Units and classifiers that can follow a number, magnitude excluded (万/亿 are handled apart).
/// 岁 is a unit (人均预期寿命80岁), but 60岁以上老人 / 65岁的老人 are caught as labels.
/// Time units (年, 月, 天, 小时, 分钟), ordinal-ish words (届, 期, 号, 版, 级, 类, 批, 位) and
/// rank words (强) are deliberately absent: a number followed by them is a date, a duration,
/// a label or a rank, never a target (schema §1).
pub(crate) const UNITS: &[&str] = &[
    "个百分点",
    "百分点",
    "%",
    "‰",
    "万千瓦时",
    "千瓦时",
    "度",
    "千瓦",
    "兆瓦",
    "吉瓦",
    "千伏",
    "GW",
    "MW",
    "kW",
    "平方公里",
    "平方米",
    "立方米",
    "微克/立方米",
    "公顷",
    "公里",
    "千米",
    "米",
    "亩",
    "吨标准煤",
    "吨",
    "千克",
    "克",
    "标箱",
    "TEU",
    "元",
    "美元",
    "万人次",
    "人次",
    "场次",
    "车次",
    "班次",
    "例",
    "段",
    "斤",
    "岁",
    "人",
    "名",
    "户",
    "家",
    "个",
    "所",
    "座",
    "块",
    "台",
    "套",
    "张",
    "部",
    "处",
    "场",
    "项",
    "条",
    "列",
    "间",
    "件",
    "辆",
    "架次",
    "架",
    "艘",
    "株",
    "棵",
    "头",
    "只",
    "栋",
    "幢",
    "宗",
    "篇",
    "份",
    "册",
    "盏",
    "班",
    "趟",
    "站",
    "片",
    "支",
    "床",
    "倍",
    "次",
    "单",
    "票",
    "笔",
    "门",
    "眼",
];

/// Magnitudes kept in the unit after an Arabic number (schema §5: 14.5万人, 1.55万亿元).
pub(crate) const MAGNITUDES: &[&str] = &["万亿", "千万", "百万", "亿", "万"];

/// Qualifiers written after the unit.
pub(crate) const POST_QUALIFIERS: &[&str] = &[
    "及以上",
    "及以下",
    "以上",
    "以下",
    "以内",
    "之内",
    "左右",
    "上下",
];

/// Words that turn a sentence from last year's results back to this year's plan.
pub(crate) const PLAN_CUES: &[&str] = &["今年", "明年", "年内", "全年", "力争", "目标", "计划"];

/// Hedges that make a target aspirational (schema §8).
pub(crate) const HEDGES: &[&str] = &["力争", "争取", "努力", "力求", "争创"];

/// Adverbials and time words left out of the span and the indicator (schema §3).
pub(crate) const ADVERBS: &[&str] = &[
    "全年",
    "目标为",
    "目标",
    "预期",
    "年度",
    "年内",
    "滚动",
    "今年",
    "当年",
    "年底前",
    "到年底",
    "年末",
    "高质量",
    "高水平",
    "全力",
    "大力",
    "积极",
    "着力",
    "持续",
    "深入",
    "进一步",
    "加快",
    "加速",
    "稳步",
    "有序",
    "扎实",
    "动态",
    "确保",
    "累计",
    "同时",
    "比上年",
    "较上年",
    "总计",
    "合计",
    "预计",
    "其中",
    "另外",
    "此外",
    "继续",
    "接续",
    "全面",
    "精准",
    "统筹",
];

/// Verbs that create, complete or add something in the period: their object's count is an
/// increment (schema §7). Longest match wins, so compounds (新建改造) strip in pieces.
pub(crate) const INCREMENT_VERBS: &[&str] = &[
    "新增",
    "净增",
    "新建",
    "新开工",
    "开工建设",
    "开工",
    "建成投用",
    "建成",
    "建设",
    "改造提升",
    "改造",
    "提升改造",
    "升级改造",
    "改扩建",
    "新改扩建",
    "新改建",
    "扩建",
    "改建",
    "完成",
    "实施",
    "开展",
    "举办",
    "新引进",
    "引进",
    "引入",
    "招引",
    "新培育",
    "培育",
    "培养",
    "创建",
    "打造",
    "推出",
    "缔结",
    "开行",
    "培训",
    "配置",
    "新认定",
    "认定",
    "引育",
    "谋划推进",
    "谋划实施",
    "谋划建设",
    "谋划",
    "推广应用",
    "推广",
    "惠及",
    "组织开展",
    "覆盖",
    "帮助",
    "新增加",
    "增加",
    "新招收",
    "招收",
    "新招募",
    "招募",
    "对接",
    "联动",
    "支持",
    "扶持",
    "带动",
    "吸引",
    "吸纳",
    "新开通",
    "开通",
    "开设",
    "新设",
    "设立",
    "组建",
    "建立",
    "落地",
    "签约",
    "发放",
    "筹集",
    "整治",
    "治理",
    "修复",
    "营造",
    "帮扶",
    "救助",
    "资助",
    "招聘",
    "安置",
    "转移",
    "增设",
    "创办",
    "启动",
    "推进",
    "布局",
    "补充",
    "提供",
    "开发",
    "储备",
    "供应",
    "投放",
    // Verbs that deliver or renew for the period (更新路灯, 配送演出, 增补学位, 增配设备, 筹措资金,
    // 落实改造面积): what they govern is the period's work.
    "更新",
    "配送",
    "增补",
    "增配",
    "筹措",
    "落实",
];

/// Verbs that inside an indicator still mark it as an increment (城镇新增就业, 开行列数).
pub(crate) const INNER_INCREMENT_VERBS: &[&str] = &[
    "新增",
    "净增",
    "新建",
    "开行",
    "新开工",
    "新招",
    "新认定",
    "新引进",
];

/// Verbs that only operate on, serve or upgrade the quality of existing stock: the count they
/// govern is not a target (schema §1, "existing stock").
pub(crate) const STOCK_VERBS: &[&str] = &[
    "用好",
    "用活",
    "运营",
    "运行",
    "做好",
    "提质扩量",
    "提质增效",
    "依托",
    "发挥",
    "办好",
    "围绕",
    "聚焦",
    "巩固",
    "服务",
    "管好",
    "守好",
    "深化",
    "优化",
];

/// Verbs that may follow the first verb as the second half of a compound (新建改造, 改造提升,
/// 用好用活). Any other verb after the first is part of the object (新增建设用地).
pub(crate) const CHAIN_VERBS: &[&str] = &[
    "改造", "提升", "改建", "扩建", "升级", "运营", "投用", "投运", "用活", "用好",
];

/// Verbs that only state reaching a level (实现 X, 实现…全覆盖); stripped, no kind implied.
pub(crate) const LEVEL_VERBS: &[&str] = &["实现", "达到", "保持", "稳定"];

/// Adverbs that mark a project as continuing (加快建设…等N个): with 等 and a build verb the
/// count names projects already under way, not new work.
pub(crate) const CONTINUING_ADVERBS: &[&str] =
    &["加快", "持续", "继续", "深入", "加速", "全力", "接续"];
/// Verbs that with 等N and a continuing adverb (or alone, for 推进/深化) name ongoing work.
pub(crate) const CONTINUING_VERBS: &[&str] = &["建设", "推进", "实施", "开展", "深化"];

/// Cue words written right before the number. Each carries what it implies.
pub(crate) struct Cue {
    pub(crate) word: &'static str,
    pub(crate) comparator: Option<crate::Comparator>,
    /// A rate-of-change word (增长, 提高): the value is a growth when the unit is % or 百分点.
    pub(crate) growth: bool,
    /// A reach/keep word (突破, 保持, 提升至): marks a level or a share.
    pub(crate) level: bool,
}

const fn cue(
    word: &'static str,
    comparator: Option<crate::Comparator>,
    growth: bool,
    level: bool,
) -> Cue {
    Cue {
        word,
        comparator,
        growth,
        level,
    }
}

use crate::Comparator as C;

/// Cue words before the number, stripped from the indicator. Checked longest first from the
/// number backwards, repeatedly (保持在…, 增长达…).
pub(crate) const PRE_CUES: &[Cue] = &[
    cue("突破", Some(C::Gt), false, true),
    cue("超过", Some(C::Gt), false, true),
    cue("高于", Some(C::Gt), false, true),
    cue("多于", Some(C::Gt), false, true),
    cue("大于", Some(C::Gt), false, true),
    cue("逾", Some(C::Gt), false, true),
    cue("超", Some(C::Gt), false, true),
    cue("不低于", Some(C::Ge), false, true),
    cue("不少于", Some(C::Ge), false, true),
    cue("至少", Some(C::Ge), false, true),
    cue("达到", Some(C::Ge), false, true),
    cue("达", Some(C::Ge), false, true),
    cue("不超过", Some(C::Le), false, true),
    cue("不高于", Some(C::Le), false, true),
    cue("低于", Some(C::Le), false, true),
    cue("少于", Some(C::Le), false, true),
    cue("控制在", Some(C::Le), false, true),
    cue("约", Some(C::Approx), false, false),
    cue("近", Some(C::Approx), false, false),
    cue("大约", Some(C::Approx), false, false),
    cue("保持在", None, false, true),
    cue("稳定在", None, false, true),
    cue("保持", None, false, true),
    cue("稳定", None, false, true),
    // 迈上N亿元(新)台阶: climbing onto a step is reaching at least that level.
    cue("迈上", Some(C::Ge), false, true),
    cue("迈过", Some(C::Ge), false, true),
    cue("提升至", Some(C::Ge), false, true),
    cue("提升到", Some(C::Ge), false, true),
    cue("提高至", Some(C::Ge), false, true),
    cue("提高到", Some(C::Ge), false, true),
    cue("增加到", Some(C::Ge), false, true),
    cue("增加至", Some(C::Ge), false, true),
    cue("增长到", Some(C::Ge), false, true),
    cue("增长至", Some(C::Ge), false, true),
    cue("下降到", Some(C::Ge), false, true),
    cue("下降至", Some(C::Ge), false, true),
    cue("降低到", Some(C::Ge), false, true),
    cue("降低至", Some(C::Ge), false, true),
    cue("减少到", Some(C::Ge), false, true),
    cue("减少至", Some(C::Ge), false, true),
    cue("增至", Some(C::Ge), false, true),
    cue("恢复到", Some(C::Ge), false, true),
    cue("恢复至", Some(C::Ge), false, true),
    cue("推广应用", None, false, false),
    cue("开工", None, false, false),
    cue("推广", None, false, false),
    cue("降至", Some(C::Ge), false, true),
    cue("目标为", None, false, true),
    cue("目标", None, false, true),
    // Comparison bases: longest match keeps 比去年增长 from reading as 比去 + 年增长.
    cue("比去年增长", None, true, false),
    cue("较去年增长", None, true, false),
    cue("比上年增长", None, true, false),
    cue("较上年增长", None, true, false),
    cue("比去年", None, false, false),
    cue("较去年", None, false, false),
    cue("比上年", None, false, false),
    cue("较上年", None, false, false),
    cue("年均增长", None, true, false),
    cue("年均增速", None, true, false),
    cue("年均提升", None, true, false),
    cue("年均提高", None, true, false),
    cue("年均下降", None, true, false),
    cue("年增长", None, true, false),
    cue("同比增长", None, true, false),
    cue("增长", None, true, false),
    cue("增速", None, true, false),
    cue("增幅", None, true, false),
    cue("涨幅", None, true, false),
    cue("上涨", None, true, false),
    cue("升幅", None, true, false),
    cue("持续", None, false, false),
    cue("累计", None, false, true),
    cue("下跌", None, true, false),
    cue("均下降", None, true, false),
    cue("均增长", None, true, false),
    cue("均提高", None, true, false),
    cue("降幅", None, true, false),
    cue("提高", None, true, false),
    cue("提升", None, true, false),
    cue("下降", None, true, false),
    cue("降低", None, true, false),
    cue("减少", None, true, false),
    // 压减, 削减, 压降: cutting a budget or an input by N% is a rate of change like 下降.
    cue("压减", None, true, false),
    cue("削减", None, true, false),
    cue("压降", None, true, false),
    cue("增加", None, true, false),
    cue("分别", None, false, false),
    cue("同口径", None, false, false),
    cue("均", None, false, false),
    cue("预期", None, false, false),
    // Per-capita and per-year bases between the cue and the number (提高到每人每年600元).
    cue("每人每年", None, false, false),
    cue("每人每月", None, false, false),
    cue("每年", None, false, false),
    cue("每人", None, false, false),
    cue("每月", None, false, false),
    // An increment verb after the subject (高新技术企业净增200家).
    cue("新增", None, false, false),
    cue("净增", None, false, false),
    cue("新建", None, false, false),
    cue("建成", None, false, false),
    cue("完成", None, false, false),
    cue("引进", None, false, false),
    cue("培育", None, false, false),
    // A hedge after the subject (进出口总额力争达到…) is stripped from the indicator too.
    cue("力争", None, false, false),
    cue("争取", None, false, false),
    cue("努力", None, false, false),
    cue("力求", None, false, false),
    cue("为", None, false, false),
    cue("在", None, false, false),
    cue("实现", None, false, true),
];

/// Words that make a percentage a share rather than a growth (schema §4, §7).
pub(crate) const RATIO_WORDS: &[&str] = &[
    "率", "占比", "比重", "比例", "份额", "强度", "覆盖", "普及", "达标", "任务", "水平",
];

/// Nouns that name an amount of change (减排量, 减量): what they measure is the period's work,
/// not a stock, so their figure is an increment like 减少3200万吨.
pub(crate) const CHANGE_NOUNS: &[&str] = &["减排量", "减量", "削减量", "增量"];

/// Generic measure nouns: a verb in front of them is part of the indicator (开行列数).
pub(crate) const MEASURE_TAILS: &[char] = &['数', '量', '率', '额', '值'];

/// Last characters of indicators that name an amount or a total (面积, 产量, 收入, 人口):
/// without a verb such a count is a level, not an increment.
pub(crate) const LEVEL_NOUN_TAILS: &[char] = &[
    '数', '量', '率', '额', '值', '积', '模', '入', '价', '口', '总', '资', '能', '长', '度',
];

/// Classifiers that count things (units of objects, people, events): a count of these with no
/// verb and no level cue is taken as work done in the period.
pub(crate) const COUNT_UNITS: &[&str] = &[
    "个", "家", "户", "人", "名", "所", "座", "块", "台", "套", "张", "部", "处", "场", "项", "条",
    "列", "间", "件", "辆", "架", "艘", "栋", "幢", "宗", "篇", "份", "次", "人次", "场次", "班",
    "站", "支",
];

/// The sector keyword table (schema-independent; documented in the crate docs). The first row
/// with a keyword in the target wins, so specific industries come before broad areas.
pub(crate) const SECTORS: &[(Sector, &[&str])] = &[
    (
        Sector::NewEnergyVehicle,
        &["新能源汽车", "智能网联", "充电桩", "充换电", "整车", "汽车"],
    ),
    (Sector::Photovoltaic, &["光伏", "太阳能"]),
    (
        Sector::EnergyStorage,
        &["储能", "蓄能", "电池", "氢能", "加氢"],
    ),
    (
        Sector::InformationTechnology,
        &[
            "信息技术",
            "芯片",
            "集成电路",
            "软件",
            "人工智能",
            "算力",
            "数字经济",
            "工业互联网",
            "大数据",
            "5G",
            "数据中心",
            "电子信息",
            "互联网",
        ],
    ),
    (
        Sector::Finance,
        &[
            "金融",
            "贷款",
            "融资",
            "授信",
            "信贷",
            "上市",
            "基金",
            "信易贷",
            "保险",
        ],
    ),
    (
        Sector::Consumption,
        &[
            "消费",
            "零售",
            "商业街",
            "首店",
            "促销",
            "电商",
            "会员店",
            "商圈",
            "餐饮",
        ],
    ),
    (
        Sector::Trade,
        &[
            "进出口",
            "外资",
            "外贸",
            "友城",
            "跨境",
            "出口",
            "自贸",
            "500强",
        ],
    ),
    (
        Sector::Transport,
        &[
            "交通", "航线", "铁路", "公路", "轨道", "班列", "港口", "机场", "高速", "地铁", "列数",
            "物流", "航运",
        ],
    ),
    (
        Sector::Education,
        &[
            "教育",
            "学校",
            "中小学",
            "幼儿园",
            "高中",
            "托位",
            "学位",
            "高校",
            "学生",
            "教师",
        ],
    ),
    (
        Sector::Culture,
        &[
            "文化",
            "旅游",
            "文旅",
            "体育",
            "健身",
            "景区",
            "演出",
            "精品线路",
            "打卡点",
            "文体",
            "游客",
        ],
    ),
    (
        Sector::Agriculture,
        &[
            "农业",
            "粮食",
            "耕地",
            "农田",
            "种业",
            "农产品",
            "蔬菜",
            "畜牧",
            "养殖",
            "农作物",
            "乡村",
            "村",
            "渔业",
            "品种",
        ],
    ),
    (
        Sector::Ecology,
        &[
            "生态",
            "绿地",
            "绿道",
            "造林",
            "营造林",
            "水质",
            "污水",
            "垃圾",
            "可再生能源",
            "风电",
            "清洁能源",
            "空气",
            "污染",
            "公园",
            "碳",
            "节能",
            "减排",
            "森林",
            "湿地",
            "环境",
            "能耗",
            "PM2.5",
        ],
    ),
    (
        Sector::UrbanConstruction,
        &[
            "城市更新",
            "老旧小区",
            "小区",
            "停车",
            "街区",
            "管网",
            "市政",
            "保障性住房",
            "棚户区",
            "片区",
        ],
    ),
    (
        Sector::Livelihood,
        &[
            "就业",
            "养老",
            "医疗",
            "医师",
            "卫生",
            "床位",
            "社保",
            "参保",
            "医保",
            "托育",
            "专科",
            "住房",
            "创业",
            "可支配收入",
            "低保",
            "救助",
            "健康",
            "医院",
        ],
    ),
    (
        Sector::Science,
        &[
            "科技",
            "研发",
            "专利",
            "技术",
            "高新技术",
            "创新",
            "博士后",
            "人才",
            "实验室",
            "科创",
        ],
    ),
    (
        Sector::Industry,
        &[
            "工业",
            "制造",
            "企业",
            "产业",
            "产品",
            "项目",
            "产值",
            "规模以上",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn matching_helpers() {
        let c = chars("新建改造绿地");
        assert!(matches_at(&c, 0, "新建"));
        assert!(!matches_at(&c, 5, "绿地"));
        assert_eq!(ends_with_at(&c, 4, "改造"), Some(2));
        assert_eq!(longest_at(&c, 0, INCREMENT_VERBS), Some(2));
        assert!(contains_any(&c, 0, 6, &["改造"]));
        assert!(!contains_any(&c, 0, 3, &["改造"]));
    }

    #[test]
    fn time_and_ordinal_words_are_not_units() {
        for w in [
            "年", "月", "天", "小时", "分钟", "届", "期", "号", "版", "级", "批", "位",
        ] {
            assert!(!UNITS.contains(&w), "{w} must not be a unit");
        }
    }
}
