//! Traditional → simplified Chinese, one char for one char, so that text republished in
//! traditional script (萬, 億, 個, 政府工作報告, 關於印發…規劃) reads like the original, and offsets
//! taken on the folded text hold for the source.
//!
//! The table is the `fast2s` crate's: its `convert` writes exactly one char per input char (the
//! table is char → char; the neighbours only pick which one, as for 乾/幹). The length check
//! below guards that; should it ever change, the text is read as it is.

/// `chars` in simplified script, char for char.
pub(crate) fn simplified_chars(chars: &[char]) -> Vec<char> {
    // Only ideographs can change: skip the conversion (and its String) for ASCII-only text.
    if chars.iter().all(char::is_ascii) {
        return chars.to_vec();
    }
    let s: String = chars.iter().collect();
    let out: Vec<char> = fast2s::convert(&s).chars().collect();
    if out.len() == chars.len() {
        out
    } else {
        chars.to_vec()
    }
}

/// `s` in simplified script, char for char.
pub(crate) fn simplified(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    simplified_chars(&chars).into_iter().collect()
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
