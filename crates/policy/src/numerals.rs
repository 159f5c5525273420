//! Number parsing: Arabic numerals (with decimals, thousands separators and the stray space
//! that web pages leave inside `2. 5`) and Chinese numerals (一…九, 两, 十/百/千, 万/亿).
//!
//! Only numbers live here. Whether a number is a target, and its unit, are decided in
//! `extract.rs`. All functions work on a `&[char]` already passed through [`fold`], so
//! full-width digits and signs look like ASCII; positions are char indices.

/// Folds full-width ASCII variants (０-９, Ａ-Ｚ, ％, ～, （）, ．, ＋, －, ：, ideographic space)
/// to ASCII, one char for one char so offsets do not move. A lightweight stand-in for NFKC on the
/// characters that matter to number parsing.
pub(crate) fn fold(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' if !matches!(c, '，' | '；' | '：' | '！' | '？') => {
            // The full-width block mirrors ASCII 0x21..=0x7E at a fixed distance.
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// An Arabic number: its value and the index just after it.
pub(crate) fn parse_arabic(chars: &[char], start: usize) -> Option<(f64, usize)> {
    let mut buf = String::new();
    let mut j = start;
    while j < chars.len() && chars[j].is_ascii_digit() {
        buf.push(chars[j]);
        j += 1;
    }
    if buf.is_empty() {
        return None;
    }
    // Thousands separators: only `d{1,3}(,ddd)+` not followed by another digit, so that an
    // ASCII comma used as a clause break (`增长8%,2`) is never swallowed.
    if buf.len() <= 3 {
        let mut k = j;
        let mut grouped = String::new();
        while chars.get(k) == Some(&',')
            && (1..=3).all(|d| chars.get(k + d).is_some_and(char::is_ascii_digit))
            && !chars.get(k + 4).is_some_and(char::is_ascii_digit)
        {
            grouped.extend(&chars[k + 1..k + 4]);
            k += 4;
        }
        if !grouped.is_empty() {
            buf.push_str(&grouped);
            j = k;
        }
    }
    // Decimal part; one stray space after the point is a page artifact (schema §5).
    if chars.get(j) == Some(&'.') {
        let mut k = j + 1;
        if chars.get(k) == Some(&' ') {
            k += 1;
        }
        if chars.get(k).is_some_and(char::is_ascii_digit) {
            buf.push('.');
            while k < chars.len() && chars[k].is_ascii_digit() {
                buf.push(chars[k]);
                k += 1;
            }
            j = k;
        }
    }
    // Very long digit runs are IDs, not quantities; they still get consumed by the caller.
    if buf.len() > 15 {
        return None;
    }
    buf.parse::<f64>().ok().map(|v| (v, j))
}

/// Is `c` a Chinese numeral character (digit, 十/百/千 or 万/亿)?
pub(crate) fn is_chinese_numeral(c: char) -> bool {
    chinese_digit(c).is_some() || matches!(c, '十' | '百' | '千' | '万' | '亿')
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// A parsed run of Chinese numerals.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChineseNumber {
    /// The value below the trailing magnitude (两万 → 2).
    pub(crate) value: f64,
    /// Index just after the run.
    pub(crate) end: usize,
    /// The trailing magnitude kept in the unit (万, 亿, 万亿), as written.
    pub(crate) magnitude: Option<String>,
    /// The run is a single bare 百/千/万/亿 (新增百项, 联动万家): allowed before a classifier.
    pub(crate) bare: bool,
    /// The run is several bare magnitudes (百亿, 千亿, 万亿): always a category label
    /// (百亿企业, 千亿县), never a count.
    pub(crate) compound_bare: bool,
}

/// Maximum length of a Chinese numeral run we try to read; longer runs are not numbers.
const MAX_RUN: usize = 8;

/// Parses the Chinese numeral run starting at `start`.
pub(crate) fn parse_chinese(chars: &[char], start: usize) -> Option<ChineseNumber> {
    let mut end = start;
    while end < chars.len() && is_chinese_numeral(chars[end]) && end - start < MAX_RUN {
        end += 1;
    }
    if end == start {
        return None;
    }
    let run = &chars[start..end];
    // Split off the trailing magnitude (万, 亿, 万亿) which stays in the unit.
    let mut mag_start = end;
    while mag_start > start && matches!(chars[mag_start - 1], '万' | '亿') {
        mag_start -= 1;
    }
    let magnitude: Option<String> =
        (mag_start < end).then(|| chars[mag_start..end].iter().collect());
    let body = &chars[start..mag_start];
    let has_digit = run.iter().any(|&c| chinese_digit(c).is_some() || c == '十');
    if !has_digit {
        // Only 百/千/万/亿 characters.
        return Some(if run.len() == 1 {
            let value = match run[0] {
                '百' => 100.0,
                '千' => 1000.0,
                _ => 1.0,
            };
            ChineseNumber {
                value,
                end,
                magnitude: if matches!(run[0], '万' | '亿') {
                    magnitude
                } else {
                    None
                },
                bare: true,
                compound_bare: false,
            }
        } else {
            ChineseNumber {
                value: 0.0,
                end,
                magnitude: None,
                bare: false,
                compound_bare: true,
            }
        });
    }
    // 万/亿 inside the body (一万二千) is rare in reports; reading it as a number would need
    // a second magnitude, so such runs are not read at all.
    if body.iter().any(|&c| matches!(c, '万' | '亿')) || body.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut digit: Option<u32> = None;
    let mut positional = true; // a run of bare digits (二〇二四) reads positionally
    for &c in body {
        if let Some(d) = chinese_digit(c) {
            if let Some(prev) = digit {
                if !positional {
                    return None;
                }
                digit = Some(prev * 10 + d);
            } else {
                digit = Some(d);
            }
        } else {
            positional = false;
            let unit = match c {
                '十' => 10,
                '百' => 100,
                _ => 1000,
            };
            total += u64::from(digit.take().unwrap_or(1)) * unit;
        }
    }
    total += u64::from(digit.unwrap_or(0));
    Some(ChineseNumber {
        value: total as f64,
        end,
        magnitude,
        bare: false,
        compound_bare: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().map(fold).collect()
    }

    #[test]
    fn arabic() {
        assert_eq!(parse_arabic(&c("14.5万人"), 0), Some((14.5, 4)));
        assert_eq!(parse_arabic(&c("2. 5万个"), 0), Some((2.5, 4)));
        assert_eq!(parse_arabic(&c("1,200亿元"), 0), Some((1200.0, 5)));
        assert_eq!(parse_arabic(&c("8%,2"), 0), Some((8.0, 1)));
        assert_eq!(parse_arabic(&c("12,3456"), 0), Some((12.0, 2)));
        assert_eq!(parse_arabic(&c("１２０万辆"), 0), Some((120.0, 3)));
        assert_eq!(parse_arabic(&c("6."), 0), Some((6.0, 1)));
        assert_eq!(parse_arabic(&c("x"), 0), None);
        assert_eq!(parse_arabic(&c("1234567890123456789"), 0), None);
    }

    #[test]
    fn chinese() {
        let n = parse_chinese(&c("百项"), 0).unwrap();
        assert_eq!(
            (n.value, n.bare, n.magnitude.as_deref()),
            (100.0, true, None)
        );
        let n = parse_chinese(&c("万家"), 0).unwrap();
        assert_eq!(
            (n.value, n.bare, n.magnitude.as_deref()),
            (1.0, true, Some("万"))
        );
        let n = parse_chinese(&c("两万人"), 0).unwrap();
        assert_eq!(
            (n.value, n.magnitude.as_deref(), n.end),
            (2.0, Some("万"), 2)
        );
        assert_eq!(parse_chinese(&c("二十五个"), 0).unwrap().value, 25.0);
        assert_eq!(parse_chinese(&c("一百二十个"), 0).unwrap().value, 120.0);
        assert_eq!(parse_chinese(&c("十个"), 0).unwrap().value, 10.0);
        assert_eq!(parse_chinese(&c("三千"), 0).unwrap().value, 3000.0);
        assert!(parse_chinese(&c("百亿企业"), 0).unwrap().compound_bare);
        assert_eq!(parse_chinese(&c("一万二千"), 0), None);
        assert_eq!(parse_chinese(&c("企业"), 0), None);
    }

    #[test]
    fn fold_keeps_chinese_punctuation() {
        assert_eq!(fold('，'), '，');
        assert_eq!(fold('％'), '%');
        assert_eq!(fold('～'), '~');
        assert_eq!(fold('５'), '5');
    }
}
