//! The analysis view of a text: what the extractor reads instead of the raw characters.
//!
//! Three foldings, all keeping a map back to the source so that every span still points into
//! the text as written (schema §3: a span that crosses a layout break contains the newline):
//!
//! - traditional → simplified, char for char ([`fast2s`] maps one char to one char, with a
//!   little context for the ambiguous ones such as 乾/干), so 萬, 億, 個, 達, 實現, 增長 read like
//!   万, 亿, 个, 达, 实现, 增长;
//! - full-width ASCII → ASCII ([`crate::numerals::fold`]);
//! - layout line breaks (a page that wraps a paragraph at a fixed width) are removed, so a
//!   clause cut by the wrap is one clause again and a word cut in half is one word.
//!
//! What is not in the view: word boundaries and parts of speech (`extract.rs` tags the window
//! around a number on demand).

use crate::clause::list_marker_len;
use crate::lexicon::{self as lx, longest_at};
use crate::numerals::fold;

/// The view: `norm` and `orig` are aligned char for char; `map[i]` is the source index of view
/// char `i`, and `map[len]` is the source length.
#[derive(Debug, Clone)]
pub(crate) struct View<'a> {
    /// The text as written.
    pub(crate) source: &'a [char],
    /// Simplified, folded, wraps joined: what rules match against.
    pub(crate) norm: Vec<char>,
    /// The source chars at the same positions, as written (for text, indicator and unit).
    pub(crate) orig: Vec<char>,
    /// View index → source index, one longer than the view.
    pub(crate) map: Vec<usize>,
}

impl<'a> View<'a> {
    /// Builds the view of `source`.
    pub(crate) fn new(source: &'a [char]) -> View<'a> {
        let simplified = crate::script::simplified_chars(source);
        let norm_all: Vec<char> = simplified.into_iter().map(fold).collect();
        let mut soft = soft_breaks(&norm_all);
        mark_pinyin(&norm_all, &mut soft);
        mark_digit_spaces(&norm_all, &mut soft);
        let mut view = View {
            source,
            norm: Vec::with_capacity(source.len()),
            orig: Vec::with_capacity(source.len()),
            map: Vec::with_capacity(source.len() + 1),
        };
        for (i, (&n, &o)) in norm_all.iter().zip(source).enumerate() {
            if soft.get(i).copied().unwrap_or(false) {
                continue;
            }
            view.norm.push(n);
            view.orig.push(o);
            view.map.push(i);
        }
        view.map.push(source.len());
        view
    }

    /// The source text of the view range `[start, end)`, with whatever the view dropped inside
    /// it (pinyin glosses, layout breaks): the unit and indicator as written (萬(wàn)噸).
    pub(crate) fn written(&self, start: usize, end: usize) -> String {
        let (s, e) = self.source_range(start, end);
        self.source[s..e].iter().collect()
    }

    /// The source range of the view range `[start, end)`: from the first char to just after
    /// the last one, so a dropped newline inside stays inside.
    pub(crate) fn source_range(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.map[start.min(self.map.len() - 1)];
        let e = if end > start {
            self.map[(end - 1).min(self.map.len() - 1)] + 1
        } else {
            s
        };
        (s, e.max(s))
    }
}

/// Marks pinyin glosses that some converters insert after characters (發(fā)展, 萬(wàn)噸): a
/// parenthesised run of lower-case Latin letters with tone marks right after an ideograph.
/// They are dropped from the view so that 萬(wàn)噸 reads as a magnitude and a unit.
fn mark_pinyin(norm: &[char], drop: &mut [bool]) {
    let is_pinyin = |c: char| c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ".contains(c);
    let mut i = 1;
    while i < norm.len() {
        if norm[i] == '(' && ('\u{4E00}'..='\u{9FFF}').contains(&norm[i - 1]) {
            let mut j = i + 1;
            while j < norm.len() && j - i <= 7 && is_pinyin(norm[j]) {
                j += 1;
            }
            if j > i + 1 && norm.get(j) == Some(&')') {
                drop[i..=j].iter_mut().for_each(|d| *d = true);
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
}

/// Marks a single space between a digit (or %) and an ideograph (2025 年, 增长 5%, 1,267 萬人):
/// Taiwan and Hong Kong typesetting puts one around Latin text, and the number, its unit and
/// the year read as one.
fn mark_digit_spaces(norm: &[char], drop: &mut [bool]) {
    let cjk = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let numeric = |c: char| c.is_ascii_digit() || c == '%';
    for i in 1..norm.len().saturating_sub(1) {
        if norm[i] == ' ' {
            let (a, b) = (norm[i - 1], norm[i + 1]);
            if (numeric(a) && cjk(b)) || (cjk(a) && b.is_ascii_digit()) {
                drop[i] = true;
            }
        }
    }
}

/// CJK ideographs, letters and digits: text that can continue across a layout break.
fn is_wordlike(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Lines shorter than this (non-space chars) are never taken for wrapped text by width alone.
const MIN_WRAPPED_LINE: usize = 16;
/// A wrapped line fills the block's width: at least this share (in tenths) of its widest line.
const FULL_WIDTH_TENTHS: usize = 8;

/// One line of the text: `[start, end)` without the newline, and its width in non-space chars.
struct Line {
    start: usize,
    end: usize,
    width: usize,
}

/// Marks the chars to drop: each layout newline together with the whitespace around it.
///
/// A newline between two lines of a paragraph is a wrap when the text runs on across it
/// (word chars on both sides) and one of these holds:
/// - the line is as wide as the block it is in (pages wrap at a fixed width, so wrapped lines
///   are long and of similar width; the last line of a paragraph, a heading or a list item is
///   shorter);
/// - the next line goes on with a number (新增城镇就业\n8万人), not with a year heading.
///
/// It is an item end (kept) when the next line opens a new item: a list marker or bullet
/// (1. ① ● （三） 一是), or a verb or hedge right after a line that ended on a quantity
/// (新建社区食堂20个\n改造老旧小区30个): a wrap inside prose never falls exactly between a
/// complete item and the next verb without a comma.
fn soft_breaks(norm: &[char]) -> Vec<bool> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &c) in norm.iter().enumerate() {
        if c == '\n' {
            lines.push(line(norm, start, i));
            start = i + 1;
        }
    }
    lines.push(line(norm, start, norm.len()));
    // Block widths: the widest line of each run of non-blank lines.
    let mut block_width = vec![0; lines.len()];
    let mut b = 0;
    while b < lines.len() {
        let mut e = b;
        while e < lines.len() && lines[e].width > 0 {
            e += 1;
        }
        let w = lines[b..e].iter().map(|l| l.width).max().unwrap_or(0);
        block_width[b..e].iter_mut().for_each(|x| *x = w);
        b = e + 1;
    }
    let mut soft = vec![false; norm.len()];
    for k in 0..lines.len().saturating_sub(1) {
        let (cur, next) = (&lines[k], &lines[k + 1]);
        if cur.width == 0 || next.width == 0 {
            continue;
        }
        let Some(last_at) = (cur.start..cur.end)
            .rev()
            .find(|&j| !norm[j].is_whitespace())
        else {
            continue;
        };
        let Some(first_at) = (next.start..next.end).find(|&j| !norm[j].is_whitespace()) else {
            continue;
        };
        let (last, first) = (norm[last_at], norm[first_at]);
        // A line may also wrap right after a comma or an enumeration comma; the clause break
        // is the punctuation then, not the newline.
        let runs_on = is_wordlike(last) || matches!(last, '，' | '、' | '；' | '：' | ',' | ';');
        let goes_on = is_wordlike(first) || matches!(first, '“' | '‘' | '《' | '（' | '(');
        if !runs_on || !goes_on || starts_item(norm, first_at) {
            continue;
        }
        // Two numbers on either side are table cells (480\n210%), never one number.
        if last.is_ascii_digit() && first.is_ascii_digit() {
            continue;
        }
        let number_follows =
            first.is_ascii_digit() && crate::clause::leading_year(norm, first_at).is_none();
        let full =
            cur.width >= MIN_WRAPPED_LINE && cur.width * 10 >= block_width[k] * FULL_WIDTH_TENTHS;
        let item_end = ends_on_quantity(norm, cur.start, last_at + 1)
            && (longest_at(norm, first_at, lx::INCREMENT_VERBS).is_some()
                || longest_at(norm, first_at, lx::HEDGES).is_some()
                || longest_at(norm, first_at, lx::STOCK_VERBS).is_some());
        if (full || number_follows) && !item_end {
            soft[last_at + 1..first_at]
                .iter_mut()
                .for_each(|s| *s = true);
        }
    }
    soft
}

fn line(norm: &[char], start: usize, end: usize) -> Line {
    Line {
        start,
        end,
        width: norm[start..end]
            .iter()
            .filter(|c| !c.is_whitespace())
            .count(),
    }
}

/// Does a new list item start at `i`: a marker (1. （三） 一、), a bullet, a circled number or
/// an enumerator such as 一是?
pub(crate) fn starts_item(norm: &[char], i: usize) -> bool {
    list_marker_len(norm, i) > 0 || enumerator_len(norm, i) > 0
}

/// Bullets, circled numbers and 一是/二是/第一 enumerators at `i`, as a length.
pub(crate) fn enumerator_len(norm: &[char], i: usize) -> usize {
    match norm.get(i) {
        Some('●' | '•' | '■' | '◆' | '▪' | '○' | '◎' | '☆' | '★' | '·' | '▶' | '►' | '※' | '*') => {
            1
        }
        Some(&c) if ('①'..='⑳').contains(&c) || ('❶'..='❿').contains(&c) => 1,
        Some(&c) if "一二三四五六七八九十".contains(c) && norm.get(i + 1) == Some(&'是') => {
            2
        }
        _ => 0,
    }
}

/// Does the line `[start, end)` end on a number and its unit (…20个, …40万亩, …全覆盖)?
fn ends_on_quantity(norm: &[char], start: usize, end: usize) -> bool {
    // Walk back over the unit and qualifier (at most a few chars), then expect a digit.
    let mut j = end;
    let mut steps = 0;
    while j > start && steps < 6 {
        let c = norm[j - 1];
        if c.is_ascii_digit() || crate::numerals::is_chinese_numeral(c) && c != '万' && c != '亿'
        {
            return steps > 0 || c.is_ascii_digit();
        }
        j -= 1;
        steps += 1;
    }
    crate::lexicon::ends_with_at(norm, end, "全覆盖").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(s: &str) -> (String, View<'static>) {
        let src: &'static [char] = Box::leak(s.chars().collect::<Vec<char>>().into_boxed_slice());
        let v = View::new(src);
        (v.norm.iter().collect(), v)
    }

    #[test]
    fn traditional_folds_char_for_char() {
        let (n, v) = view("力爭全年新增城鎮就業1.2萬人，實現地區生產總值增長6%左右。");
        assert_eq!(
            n,
            "力争全年新增城镇就业1.2万人，实现地区生产总值增长6%左右。"
        );
        assert_eq!(v.orig.len(), v.norm.len());
        assert_eq!(v.orig[9], '業');
    }

    #[test]
    fn wrapped_paragraph_is_joined_with_offsets_kept() {
        // A page wrapped at 20 chars: the wrap falls inside 高标准农田.
        let s = "全年计划实施乡村振兴重点项目一百个以上，新建高标\n准农田十二万亩，改造提升农村公路三百公里，\n完善村级综合服务设施。";
        let (n, v) = view(s);
        assert!(n.contains("新建高标准农田十二万亩"), "{n}");
        assert!(n.contains("三百公里，完善"), "{n}");
        let at = n.chars().position(|c| c == '准').unwrap_or(0);
        let (a, b) = v.source_range(at - 4, at + 3);
        let src: String = s.chars().skip(a).take(b - a).collect();
        assert_eq!(src, "新建高标\n准农田");
    }

    #[test]
    fn one_item_per_line_lists_stay_split() {
        let s = "今年的民生实事\n新建社区嵌入式托育点30个\n改造城镇老旧小区住宅120栋\n新增公共停车泊位5000个\n为6万名中小学生开展免费视力筛查";
        let (n, _) = view(s);
        assert_eq!(n.matches('\n').count(), 4, "{n}");
        // Bullets and enumerators start items even after a full-width line.
        let s = "一是推动规模以上工业企业数字化改造覆盖面超过六成\n二是新建城市绿道八十公里";
        let (n, _) = view(s);
        assert_eq!(n.matches('\n').count(), 1, "{n}");
    }

    #[test]
    fn pinyin_glosses_are_dropped_but_kept_in_the_written_text() {
        let (n, v) = view("減排量分別達到5.5萬(wàn)噸");
        assert_eq!(n, "减排量分别达到5.5万吨");
        let at = n.chars().position(|c| c == '万').unwrap_or(0);
        assert_eq!(v.written(at, at + 2), "萬(wàn)噸");
    }

    #[test]
    fn spaces_around_numbers_are_dropped() {
        let (n, _) = view("一、2025 年工作回顧\n城鎮新增就業 1,267 萬人");
        assert_eq!(n, "一、2025年工作回顾\n城镇新增就业1,267万人");
    }

    #[test]
    fn table_cells_are_not_joined_into_numbers() {
        let (n, _) = view("内陆某省\n480\n210%");
        assert!(n.contains("480\n210%"), "{n}");
    }

    #[test]
    fn short_heading_is_not_joined() {
        let (n, _) = view(
            "二、今年重点工作\n全年地区生产总值增长百分之六左右，城镇新增就业八万人以上，居民收入增长与经济增长同步。",
        );
        assert!(n.contains("重点工作\n全年"), "{n}");
    }
}
