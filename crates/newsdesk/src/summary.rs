//! The automatic summary (摘要): the text of a rendered body's paragraphs, nothing else — no
//! headings, table cells, list items or captions (unless the body has no paragraph at all, then its
//! list items), and no spaces where inline markup (bold, links) met the text or where a line
//! broke between two Chinese characters. Pure; it runs on the CPU pool with the body's render.

use scraper::{ElementRef, Html, Node};

/// Longest automatic summary, in characters.
pub const AUTO_SUMMARY_CHARS: usize = 120;

/// Bytes of body HTML read first: the summary is the first paragraphs, so a long body costs no
/// more than a short one (a 1.4 MB body: 154 ms parsed whole, 0.13 ms by its prefix, debug build).
const PREFIX_BYTES: usize = 16 * 1024;

/// The automatic summary of sanitized body HTML: paragraph text, whitespace collapsed, cut to
/// [`AUTO_SUMMARY_CHARS`].
pub fn auto_summary(html: &str) -> String {
    // The prefix ends just before a tag, so every text node in it is whole; it is enough when its
    // paragraphs fill the summary, else (e.g. a long table first) the whole body is read.
    // '<' is ASCII, so any byte position before one is a char boundary.
    if html.len() > PREFIX_BYTES
        && let Some(cut) = html.as_bytes()[..PREFIX_BYTES]
            .iter()
            .rposition(|&b| b == b'<')
    {
        let summary = summarize(&html[..cut]);
        if summary.chars().count() >= AUTO_SUMMARY_CHARS {
            return summary;
        }
    }
    summarize(html)
}

fn summarize(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let root = doc.root_element();
    let mut out = Collector::default();
    for el in root.descendants().filter_map(ElementRef::wrap) {
        if el.value().name() == "p" && !inside(el, &["table", "figure", "li", "blockquote"]) {
            out.paragraph(el);
            if out.full() {
                return out.finish();
            }
        }
    }
    if out.text.is_empty() {
        for el in root.descendants().filter_map(ElementRef::wrap) {
            if el.value().name() == "li" && !inside(el, &["table", "li"]) {
                out.paragraph(el);
                if out.full() {
                    break;
                }
            }
        }
    }
    out.finish()
}

/// Whether `el` has an ancestor named in `names`.
fn inside(el: ElementRef<'_>, names: &[&str]) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| names.contains(&a.value().name()))
}

#[derive(Default)]
struct Collector {
    text: String,
    chars: usize,
}

impl Collector {
    fn full(&self) -> bool {
        self.chars >= AUTO_SUMMARY_CHARS
    }

    /// Appends one paragraph's text: its text nodes joined as they are (inline markup adds
    /// nothing), whitespace runs collapsed to one space, dropped between two wide characters.
    fn paragraph(&mut self, el: ElementRef<'_>) {
        let mut raw = String::new();
        for node in el.descendants() {
            match node.value() {
                Node::Text(t) => raw.push_str(t),
                // A line break inside a paragraph separates like whitespace.
                Node::Element(e) if e.name() == "br" => raw.push('\n'),
                _ => {}
            }
        }
        let para = collapse(&raw);
        if para.is_empty() {
            return;
        }
        if let (Some(prev), Some(next)) = (self.text.chars().last(), para.chars().next()) {
            if !(wide(prev) && wide(next)) {
                self.text.push(' ');
                self.chars += 1;
            }
        }
        for c in para.chars() {
            if self.full() {
                break;
            }
            self.text.push(c);
            self.chars += 1;
        }
    }

    fn finish(self) -> String {
        self.text.trim_end().to_string()
    }
}

/// Whitespace runs (including the ideographic space U+3000 and no-break spaces used for indents)
/// become one space, or nothing between two wide characters or at either end.
fn collapse(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' {
            pending_space = true;
            continue;
        }
        if pending_space {
            if let Some(prev) = out.chars().last() {
                if !(wide(prev) && wide(c)) {
                    out.push(' ');
                }
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// CJK characters and full-width punctuation: text in which spaces are not word separators.
fn wide(c: char) -> bool {
    matches!(c,
        '\u{2e80}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{fe30}'..='\u{fe4f}' |
        '\u{ff00}'..='\u{ffef}' | '\u{20000}'..='\u{3134f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_only() {
        let html = "<h2>一、总体要求</h2><p>到2025年，<strong>新型储能</strong>装机规模达到<a href=\"/x\">3000万千瓦</a>以上。</p>\
                    <table><tbody><tr><td><p>表格</p></td><td>单元格</td></tr></tbody></table>\
                    <ul><li>列表</li></ul><p>第二段\n继续。</p>";
        assert_eq!(
            auto_summary(html),
            "到2025年，新型储能装机规模达到3000万千瓦以上。第二段继续。"
        );
    }

    #[test]
    fn latin_words_keep_their_spaces() {
        assert_eq!(
            auto_summary("<p>The <b>grid</b>  is\nready.</p><p>Next.</p>"),
            "The grid is ready. Next."
        );
    }

    #[test]
    fn indents_and_entities() {
        assert_eq!(
            auto_summary("<p>\u{3000}\u{3000}正文&amp;说明</p>"),
            "正文&说明"
        );
    }

    #[test]
    fn a_long_body_reads_the_same_from_its_prefix() {
        let para = "<p>第一段<b>加粗</b>文字，很长很长的一段话，说明了新能源汽车的发展目标。</p>";
        let long = para.repeat(2_000);
        assert!(long.len() > PREFIX_BYTES);
        assert_eq!(auto_summary(&long), summarize(&long));
        // A long table first: the prefix has no paragraph, so the whole body is read.
        let table = format!(
            "<table>{}</table><p>表格之后的段落。</p>",
            "<tr><td>单元格</td></tr>".repeat(2_000)
        );
        assert_eq!(auto_summary(&table), "表格之后的段落。");
    }

    #[test]
    fn cut_to_the_limit() {
        let html = format!("<p>{}</p><p>{}</p>", "甲".repeat(100), "乙".repeat(100));
        let s = auto_summary(&html);
        assert_eq!(s.chars().count(), AUTO_SUMMARY_CHARS);
        assert!(s.ends_with('乙'));
    }

    #[test]
    fn lists_when_there_is_no_paragraph() {
        assert_eq!(
            auto_summary("<h2>标题</h2><ol><li>一项</li><li>二项</li></ol>"),
            "一项二项"
        );
    }
}
