//! Canonical indicator keys: one key for the names a measure goes by (地区生产总值, GDP,
//! 生产总值 → 地区生产总值), so targets and results of different documents can be compared.
//!
//! The synonym table is data, `indicators.txt` (a line per measure: key, then its other names),
//! parsed once. Names outside the table keep their own folded text: the key of a name is then
//! the name itself without layout whitespace, quotes or a 全市/我省-style prefix.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Region words that open an indicator without changing the measure (全市地区生产总值).
const PREFIXES: &[&str] = &[
    "全市", "全省", "全区", "全县", "全州", "全国", "我市", "我省", "我区", "我县", "我州", "本市",
    "本省",
];
/// Rate words that may still trail a name (增长 is usually removed upstream).
const RATE_WORDS: &[&str] = &["增长率", "增速", "增幅", "涨幅", "增长"];

struct Table {
    /// Folded name → key.
    keys: HashMap<String, &'static str>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut keys = HashMap::new();
        for line in include_str!("indicators.txt").lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut names = line.split('|').map(str::trim).filter(|n| !n.is_empty());
            let Some(key) = names.next() else { continue };
            keys.insert(fold(key), key);
            for name in names {
                keys.insert(fold(name), key);
            }
        }
        Table { keys }
    })
}

/// Full-width ASCII to half-width, ASCII upper case, whitespace and quotes removed, Chinese
/// brackets as ASCII ones.
fn fold(name: &str) -> String {
    // One key whatever the script (城鎮新增就業 is 城镇新增就业) and without the pinyin glosses
    // some converters insert (重點(diǎn)工程).
    without_pinyin(&crate::script::simplified(name))
        .chars()
        .filter_map(|c| {
            let c = match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            (!c.is_whitespace() && !"\"'“”‘’「」『』《》".contains(c))
                .then(|| c.to_ascii_uppercase())
        })
        .collect()
}

/// `s` without parenthesised runs of lower-case Latin letters with tone marks ((diǎn), (zhǎn)).
fn without_pinyin(s: &str) -> String {
    let is_pinyin = |c: char| c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".contains(c);
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        match after.find(')') {
            Some(close) if close > 0 && after[..close].chars().all(is_pinyin) => {
                out.push_str(&rest[..open]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn lookup(name: &str) -> Option<&'static str> {
    let keys = &table().keys;
    if let Some(k) = keys.get(name) {
        return Some(k);
    }
    // Brackets around an abbreviation: 地区生产总值(GDP) → 地区生产总值.
    if let Some(i) = name.find('(') {
        if name.ends_with(')') && i > 0 {
            return keys.get(&name[..i]).copied();
        }
    }
    None
}

/// The canonical key of an indicator as written. Names outside the synonym table keep their
/// own text, folded (whitespace and quotes removed, full-width ASCII made half-width, a leading
/// 全市/全省/我市… dropped).
pub fn indicator_key(indicator: &str) -> String {
    let folded = fold(indicator);
    let mut name = folded.as_str();
    if let Some(p) = PREFIXES.iter().find(|p| name.starts_with(*p)) {
        if name.len() > p.len() {
            name = &name[p.len()..];
        }
    }
    if let Some(k) = lookup(name) {
        return k.to_string();
    }
    if let Some(w) = RATE_WORDS.iter().find(|w| name.ends_with(*w)) {
        if let Some(k) = lookup(&name[..name.len() - w.len()]) {
            return k.to_string();
        }
    }
    name.to_string()
}

/// How to show a key: the table's name for a known measure, `None` for a key outside it.
pub fn indicator_label(key: &str) -> Option<&'static str> {
    lookup(&fold(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_and_pinyin_glosses_do_not_split_a_key() {
        assert_eq!(indicator_key("城鎮新增就業"), indicator_key("城镇新增就业"));
        assert_eq!(indicator_key("糧食產量"), "粮食产量");
        assert_eq!(indicator_key("重點(diǎn)工程減排量"), "重点工程减排量");
        assert_eq!(indicator_key("地区生产总值(GDP)"), "地区生产总值");
    }

    #[test]
    fn synonyms_share_a_key() {
        for (name, key) in [
            ("GDP", "地区生产总值"),
            ("ｇｄｐ", "地区生产总值"),
            ("生产总值", "地区生产总值"),
            ("国内生产总值", "地区生产总值"),
            ("全市生产总值", "地区生产总值"),
            ("全市地区生产总值", "地区生产总值"),
            ("经济增长", "地区生产总值"),
            ("地区生产总值（GDP）", "地区生产总值"),
            ("规上工业增加值", "规模以上工业增加值"),
            ("全省规模以上工业增加值", "规模以上工业增加值"),
            ("社零总额", "社会消费品零售总额"),
            ("地方一般公共预算收入", "一般公共预算收入"),
            ("新增城镇就业", "城镇新增就业"),
            ("CPI", "居民消费价格"),
            ("居民消费价格涨幅", "居民消费价格"),
            ("单位GDP能耗", "单位地区生产总值能耗"),
            ("单位生产总值能耗", "单位地区生产总值能耗"),
            ("全社会固定资产投资", "固定资产投资"),
            ("外贸进出口", "进出口总额"),
            ("货物进出口", "进出口总额"),
            ("实际利用外资", "实际使用外资"),
            ("R&D经费投入强度", "研发经费投入强度"),
            ("Ｒ＆Ｄ经费投入强度", "研发经费投入强度"),
            ("全体居民人均可支配收入", "居民人均可支配收入"),
            ("我市城镇调查失业率", "城镇调查失业率"),
            ("GDP增速", "地区生产总值"),
        ] {
            assert_eq!(indicator_key(name), key, "{name}");
        }
    }

    #[test]
    fn other_names_keep_their_folded_text() {
        assert_eq!(indicator_key("高标准\n农田"), "高标准农田");
        assert_eq!(indicator_key("专精特新“小巨人”企业"), "专精特新小巨人企业");
        assert_eq!(indicator_key("全市新能源汽车推广量"), "新能源汽车推广量");
        assert_eq!(indicator_key("全市"), "全市");
        // Distinct measures stay distinct.
        assert_ne!(
            indicator_key("城镇居民人均可支配收入"),
            indicator_key("农村居民人均可支配收入")
        );
        assert_ne!(indicator_key("出口"), indicator_key("进出口"));
    }

    #[test]
    fn labels_and_table_shape() {
        assert_eq!(indicator_label("地区生产总值"), Some("地区生产总值"));
        assert_eq!(indicator_label("GDP"), Some("地区生产总值"));
        assert_eq!(indicator_label("高标准农田"), None);
        // Every name maps to one key only: a name listed under two keys is an error in the file.
        let mut seen: HashMap<String, &str> = HashMap::new();
        for line in include_str!("indicators.txt").lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let names: Vec<&str> = line.split('|').map(str::trim).collect();
            for n in &names {
                if let Some(prev) = seen.insert(fold(n), names[0]) {
                    assert_eq!(
                        prev, names[0],
                        "{n} is listed under {prev} and {}",
                        names[0]
                    );
                }
            }
        }
    }
}
