//! Traditional → simplified Chinese, char by char, so document facts (政府工作報告, 長沙市,
//! 關於印發…規劃) read the same in either script. A 1:1 char mapping keeps char counts, so
//! offsets taken on the folded text hold for the original.
//!
//! `t2s.txt` (one `traditional simplified` pair a line) is the table of the fast2s crate
//! (github.com/tyrchen/fast2s, MIT licence, Copyright 2021 Tyr Chen), vendored as data: the
//! crate itself brings bincode, an old hashbrown and `unsafe` for what is a lookup table here.

use std::collections::HashMap;
use std::sync::OnceLock;

fn table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("t2s.txt")
            .lines()
            .filter_map(|l| {
                let mut cs = l.split_whitespace().map(|w| w.chars());
                let (mut t, mut s) = (cs.next()?, cs.next()?);
                let (t, s) = (t.next()?, s.next()?);
                Some((t, s))
            })
            .collect()
    })
}

/// `c` in simplified script (itself when it has no traditional form).
pub(crate) fn simplified_char(c: char) -> char {
    table().get(&c).copied().unwrap_or(c)
}

/// `s` in simplified script, char for char.
pub(crate) fn simplified(s: &str) -> String {
    s.chars().map(simplified_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_chars_one_for_one() {
        assert_eq!(
            simplified("長沙市“十四五”電動汽車充電基礎設施發展規劃"),
            "长沙市“十四五”电动汽车充电基础设施发展规划"
        );
        assert_eq!(simplified("政府工作報告"), "政府工作报告");
        assert_eq!(simplified("合肥市2024年"), "合肥市2024年");
        let s = "關於印發";
        assert_eq!(simplified(s).chars().count(), s.chars().count());
    }
}
