//! Structural limits on article bodies, checked by one cheap linear pass before anything parses
//! them. pulldown-cmark's cost grows faster than linearly with container nesting, html5ever (in
//! ammonia) re-creates unclosed formatting elements in every new block and checks attributes
//! pairwise, and the plain-text walk behind target extraction follows the element tree: a 20 KB
//! body of `* ` or `<span>` nested thousands of levels deep could take minutes or overflow a stack.
//! Real articles nest a few levels, so bodies past [`MAX_NESTING`] are refused with the line named.
//!
//! The scans over-estimate rather than under-estimate depth (an unclosed `<b>` counts until its
//! end tag, as html5ever keeps re-opening it), so anything they let through is shallow for the
//! parsers too. [`check_output`] measures the sanitized HTML once more, which is exact there
//! (ammonia's output is well formed) and catches depth that only Markdown inline syntax creates,
//! such as a long run of `*`.

use crate::domain::BodyFormat;

/// Deepest container nesting (Markdown lists and block quotes, HTML elements) a body may use.
pub const MAX_NESTING: usize = 48;
/// Most attributes one HTML tag may carry.
pub const MAX_ATTRIBUTES: usize = 32;
/// Most structure one body may hold: Markdown container markers plus HTML start tags. Rendering
/// costs about the same per element at any depth (a 2 MB body of 48-deep `* ` lines took 15 s),
/// so a long article of flat elements is bounded too; a real one has hundreds.
pub const MAX_ELEMENTS: usize = 100_000;
/// Deepest element nesting of the rendered HTML: Markdown containers become two elements each
/// (`<ul><li>`) and emphasis adds inline ones, so this allows for everything the source limits
/// let through and stays far below what a recursive walk of the tree can take.
pub const MAX_OUTPUT_NESTING: usize = 4 * MAX_NESTING + 32;

/// Why a body was refused; the messages are for editors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StructureError {
    /// Lists, quotes or elements nested past the limit.
    #[error("正文第 {line} 行嵌套层级过深（超过 {limit} 层），请减少列表、引用或标签的嵌套")]
    TooDeep {
        /// 1-based line of the body where the limit was passed.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// More list items, quotes and tags than [`MAX_ELEMENTS`].
    #[error("正文到第 {line} 行时列表项、引用和标签已超过 {limit} 个，请拆分成几篇文章")]
    TooManyElements {
        /// 1-based line of the body where the limit was passed.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// One tag with too many attributes.
    #[error("正文第 {line} 行的 HTML 标签属性过多（超过 {limit} 个）")]
    TooManyAttributes {
        /// 1-based line of the body.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// Text whose sanitizing would take seconds (see [`check_escape_work`]).
    #[error(
        "正文中有一段很长的文字含有过多的 & 或 ·、°、± 等符号（{count} 个，分布在 {bytes} 字节中），请分段后再保存"
    )]
    EscapeHeavy {
        /// `&` and U+0080–U+00BF characters counted.
        count: usize,
        /// Bytes of HTML scanned.
        bytes: usize,
    },
    /// The rendered body nests too deeply (long runs of `*`, `_` or `~` in Markdown).
    #[error(
        "正文的格式嵌套过深（超过 {limit} 层），多见于连续的 *、_ 或 ~ 过多，请简化格式后再保存"
    )]
    OutputTooDeep {
        /// The limit.
        limit: usize,
    },
}

/// Checks a body as written, before it is rendered: Markdown container nesting per line (several
/// markers on one line count each), then HTML element nesting and attributes (HTML bodies, and
/// inline HTML in Markdown).
pub fn check_source(format: BodyFormat, source: &str) -> Result<(), StructureError> {
    let markers = if format == BodyFormat::Markdown {
        check_markdown_containers(source)?
    } else {
        0
    };
    check_html(
        source,
        MAX_NESTING,
        MAX_ELEMENTS.saturating_sub(markers),
        true,
        format == BodyFormat::Markdown,
    )
}

/// Bytes the sanitizer's escaping may scan for one body (see [`check_escape_work`]): a real
/// article needs a few kilobytes; a quarter of a gigabyte is about a quarter of a second.
pub const MAX_ESCAPE_SCAN: u64 = 256 * 1024 * 1024;

/// Refuses HTML whose sanitizing would be quadratic. html5ever's serializer (behind ammonia)
/// searches, for every `&` and every byte `0xC2` (the lead byte of U+0080–U+00BF: `·`, `°`, `±`…)
/// of a text node, the rest of the node for the next `<` or `>`; 2 million `&amp;` in one paragraph
/// took 110 s. This counts that work exactly, in one backward pass over the HTML given to the
/// sanitizer, where text nodes end at the same `<`.
pub fn check_escape_work(html: &str) -> Result<(), StructureError> {
    let bytes = html.as_bytes();
    let (mut work, mut count, mut next_stop) = (0_u64, 0_usize, bytes.len());
    for (i, &b) in bytes.iter().enumerate().rev() {
        match b {
            b'<' | b'>' => next_stop = i,
            b'&' | 0xC2 => {
                count += 1;
                work = work.saturating_add((next_stop - i) as u64);
            }
            _ => {}
        }
    }
    if work > MAX_ESCAPE_SCAN {
        return Err(StructureError::EscapeHeavy {
            count,
            bytes: bytes.len(),
        });
    }
    Ok(())
}

/// Checks the sanitized HTML a body rendered to (see [`MAX_OUTPUT_NESTING`]).
pub fn check_output(html: &str) -> Result<(), StructureError> {
    check_html(html, MAX_OUTPUT_NESTING, usize::MAX, false, false).map_err(|e| match e {
        StructureError::TooDeep { limit, .. } => StructureError::OutputTooDeep { limit },
        e => e,
    })
}

/// Columns of leading whitespace (a tab to the next multiple of 4) and the rest of the line.
fn leading_columns(line: &str) -> (usize, &str) {
    let mut cols = 0;
    for (i, c) in line.char_indices() {
        match c {
            ' ' => cols += 1,
            '\t' => cols += 4 - cols % 4,
            _ => return (cols, &line[i..]),
        }
    }
    (cols, "")
}

/// The length of a list marker (`*`, `-`, `+`, `1.`, `1)`) at the start of `s`, when followed by
/// whitespace or the end of the line.
fn list_marker(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let len = match b.first()? {
        b'*' | b'-' | b'+' => 1,
        b'0'..=b'9' => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 9 || !matches!(b.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    match b.get(len) {
        None | Some(b' ' | b'\t') => Some(len),
        _ => None,
    }
}

/// Markdown containers: each line's depth is its markers (`>` and list markers, several per
/// line) plus its indentation, of which each nested list level needs at least two columns.
/// Returns how many markers the body has.
fn check_markdown_containers(source: &str) -> Result<usize, StructureError> {
    let mut markers = 0;
    for (n, line) in source.lines().enumerate() {
        let (indent, mut rest) = leading_columns(line);
        let mut depth = indent / 2;
        loop {
            if let Some(r) = rest.strip_prefix('>') {
                rest = r;
            } else if let Some(len) = list_marker(rest) {
                rest = &rest[len..];
            } else {
                break;
            }
            depth += 1;
            markers += 1;
            if markers > MAX_ELEMENTS {
                return Err(StructureError::TooManyElements {
                    line: n + 1,
                    limit: MAX_ELEMENTS,
                });
            }
            // Spaces between markers are the marker's own; they add no level.
            rest = rest.trim_start_matches([' ', '\t']);
            if depth > MAX_NESTING {
                return Err(StructureError::TooDeep {
                    line: n + 1,
                    limit: MAX_NESTING,
                });
            }
        }
        if depth > MAX_NESTING {
            return Err(StructureError::TooDeep {
                line: n + 1,
                limit: MAX_NESTING,
            });
        }
    }
    Ok(markers)
}

/// Elements without content or end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];
/// Formatting elements html5ever re-opens after a block closed them implicitly.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Elements a new start tag of the same group closes (optional end tags), with the group.
fn implied_group(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "p" => &["p"],
        "li" => &["li"],
        "dt" | "dd" => &["dt", "dd"],
        "td" | "th" => &["td", "th"],
        "tr" => &["tr"],
        "thead" | "tbody" | "tfoot" => &["thead", "tbody", "tfoot"],
        "option" => &["option"],
        "rb" | "rt" | "rp" | "rtc" => &["rb", "rt", "rp", "rtc"],
        _ => return None,
    })
}

/// Elements that stop the search for an implied end: a `<li>` in a nested list does not close the
/// outer list's item.
const SCOPE: &[&str] = &[
    "ul",
    "ol",
    "dl",
    "table",
    "select",
    "ruby",
    "div",
    "blockquote",
    "td",
    "th",
    "caption",
    "object",
    "template",
    "button",
];

/// A linear HTML tag scan: depth of open elements (closing what end tags and optional end tags
/// close, counting formatting elements closed implicitly until their own end tag) and attributes
/// per tag. `lines` says whether errors name source lines (rendered output has none to name);
/// `markdown` takes only CommonMark's tag names (letters, digits, `-`), so autolinks such as
/// `<https://…>` are not counted as elements.
fn check_html(
    html: &str,
    max_depth: usize,
    max_elements: usize,
    lines: bool,
    markdown: bool,
) -> Result<(), StructureError> {
    let mut elements = 0;
    let b = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    // Formatting elements closed implicitly, which html5ever keeps re-opening.
    let mut reopened: Vec<String> = Vec::new();
    let mut line = 1;
    let mut counted_to = 0;
    let mut line_at = |pos: usize, line: &mut usize| {
        if lines {
            *line += b[counted_to..pos].iter().filter(|&&c| c == b'\n').count();
            counted_to = pos;
        }
        *line
    };
    let mut i = 0;
    while let Some(off) = memchr(b'<', &b[i..]) {
        let start = i + off;
        i = start + 1;
        let rest = &b[i..];
        if rest.starts_with(b"!--") {
            i = find(b"-->", &b[i..]).map_or(b.len(), |p| i + p + 3);
            continue;
        }
        if matches!(rest.first(), Some(b'!' | b'?')) {
            i = memchr(b'>', rest).map_or(b.len(), |p| i + p + 1);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let name_end = name_start
            + b[name_start..]
                .iter()
                .take_while(|c| !c.is_ascii_whitespace() && !matches!(c, b'/' | b'>'))
                .count();
        if markdown
            && !b[name_start..name_end]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            continue;
        }
        let name = String::from_utf8_lossy(&b[name_start..name_end]).to_ascii_lowercase();
        let (end, attributes) = scan_attributes(b, name_end);
        i = end;
        if closing {
            if let Some(at) = stack.iter().rposition(|n| *n == name) {
                for popped in stack.drain(at + 1..) {
                    if FORMATTING.contains(&popped.as_str()) {
                        reopened.push(popped);
                    }
                }
                stack.pop();
            } else if let Some(at) = reopened.iter().rposition(|n| *n == name) {
                reopened.remove(at);
            }
            continue;
        }
        elements += 1;
        if elements > max_elements {
            return Err(StructureError::TooManyElements {
                line: line_at(start, &mut line),
                limit: MAX_ELEMENTS,
            });
        }
        if attributes > MAX_ATTRIBUTES {
            return Err(StructureError::TooManyAttributes {
                line: line_at(start, &mut line),
                limit: MAX_ATTRIBUTES,
            });
        }
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "plaintext" {
            // Everything after it is text.
            return Ok(());
        }
        if RAW_TEXT.contains(&name.as_str()) {
            let close = format!("</{name}");
            i = find_ignore_case(close.as_bytes(), &b[i..]).map_or(b.len(), |p| i + p);
            continue;
        }
        if let Some(group) = implied_group(&name) {
            let open = stack
                .iter()
                .rposition(|n| group.contains(&n.as_str()) || SCOPE.contains(&n.as_str()));
            if let Some(at) = open.filter(|&at| group.contains(&stack[at].as_str())) {
                for popped in stack.drain(at..) {
                    if FORMATTING.contains(&popped.as_str()) {
                        reopened.push(popped);
                    }
                }
            }
        }
        stack.push(name);
        if stack.len() + reopened.len() > max_depth {
            return Err(StructureError::TooDeep {
                line: line_at(start, &mut line),
                limit: max_depth,
            });
        }
    }
    Ok(())
}

/// From just after a tag name: the position after the tag's `>` and how many attributes it has.
/// Quoted values may hold `>`.
fn scan_attributes(b: &[u8], mut i: usize) -> (usize, usize) {
    let mut count = 0;
    loop {
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b'/')
        {
            i += 1;
        }
        match b.get(i) {
            None => return (b.len(), count),
            Some(b'>') => return (i + 1, count),
            Some(_) => {}
        }
        count += 1;
        while b
            .get(i)
            .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'/' | b'>' | b'='))
        {
            i += 1;
        }
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                i += 1;
                i = memchr(q, &b[i..]).map_or(b.len(), |p| i + p + 1);
            }
            _ => {
                while b
                    .get(i)
                    .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
                {
                    i += 1;
                }
            }
        }
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

fn find(needle: &[u8], hay: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_case(needle: &[u8], hay: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quadratic_escaping_is_refused_and_real_text_passes() {
        // 200,000 `&` in one text node: about 2 × 10^10 bytes of scanning.
        let heavy = format!("<p>{}</p>", "&amp;".repeat(200_000));
        assert!(matches!(
            check_escape_work(&heavy),
            Err(StructureError::EscapeHeavy { .. })
        ));
        // The same characters spread over paragraphs, as real articles have them, pass.
        let spread = "<p>中国·合肥 A&amp;B 25°C ±1</p>\n".repeat(20_000);
        assert!(check_escape_work(&spread).is_ok());
    }

    use super::*;

    fn md(s: &str) -> Result<(), StructureError> {
        check_source(BodyFormat::Markdown, s)
    }

    fn html(s: &str) -> Result<(), StructureError> {
        check_source(BodyFormat::Html, s)
    }

    #[test]
    fn ordinary_bodies_pass() {
        md("# 标题\n\n- 一\n  - 二\n    1. 三\n\n> 引用\n> > 再引用\n\n正文 *强调* `<b>`").unwrap();
        html("<p>一<p>二<ul><li>a<li>b<ul><li>c</ul></ul><table><tr><td>1<td>2<tr><td>3</table>")
            .unwrap();
        // Thousands of sibling paragraphs and items are flat, not deep.
        html(&"<p>段落<b>粗</b>".repeat(10_000)).unwrap();
        md(&"- 项\n".repeat(10_000)).unwrap();
        md(&"****\n".repeat(100)).unwrap();
        md(&"<https://example.com/a> <a@b.cn> 1<2 ".repeat(1_000)).unwrap();
    }

    #[test]
    fn nested_markers_on_one_line_are_refused_naming_the_line() {
        let body = format!("第一行\n\n{}", "* ".repeat(10_000));
        let err = md(&body).unwrap_err();
        assert_eq!(
            err,
            StructureError::TooDeep {
                line: 3,
                limit: MAX_NESTING
            }
        );
        assert!(err.to_string().contains("正文第 3 行嵌套层级过深"), "{err}");
        assert!(md(&"1. ".repeat(10_000)).is_err());
        assert!(md(&"> ".repeat(50_000)).is_err());
        assert!(md(&">".repeat(100)).is_err());
        assert!(md(&"> ".repeat(MAX_NESTING)).is_ok());
    }

    #[test]
    fn nesting_by_indentation_counts() {
        let body: String = (0..200)
            .map(|i| format!("{}- 项\n", "  ".repeat(i)))
            .collect();
        let err = md(&body).unwrap_err();
        assert!(matches!(err, StructureError::TooDeep { line, .. } if line <= MAX_NESTING + 1));
    }

    #[test]
    fn deep_html_is_refused() {
        assert!(html(&"<span>".repeat(20_000)).is_err());
        assert!(md(&"<span>".repeat(20_000)).is_err());
        assert!(html(&"<b><i>".repeat(20_000)).is_err());
        // Formatting closed implicitly by blocks still counts: html5ever re-opens it.
        assert!(html(&"<p><b id=x>".repeat(1_000)).is_err());
        assert!(html(&"<div>".repeat(MAX_NESTING)).is_ok());
        assert!(html(&"<div>".repeat(MAX_NESTING + 1)).is_err());
        // Closed elements do not add up.
        html(&"<div><span>x</span></div>".repeat(10_000)).unwrap();
        // Tags inside comments and scripts are text.
        html(&format!("<!--{}-->", "<div>".repeat(1_000))).unwrap();
        html(&format!(
            "<script>{}</script><p>x</p>",
            "<div>".repeat(1_000)
        ))
        .unwrap();
    }

    #[test]
    fn elements_are_counted_over_the_whole_body() {
        md(&"- 项\n".repeat(MAX_ELEMENTS)).unwrap();
        let err = md(&"- 项\n".repeat(MAX_ELEMENTS + 1)).unwrap_err();
        assert_eq!(
            err,
            StructureError::TooManyElements {
                line: MAX_ELEMENTS + 1,
                limit: MAX_ELEMENTS
            }
        );
        // Markers and tags share the budget.
        let half = MAX_ELEMENTS / 2;
        let mixed = format!("{}{}", "- 项\n".repeat(half), "<b>x</b>\n".repeat(half + 1));
        assert!(matches!(
            md(&mixed),
            Err(StructureError::TooManyElements { .. })
        ));
        assert!(html(&"<br>".repeat(MAX_ELEMENTS + 1)).is_err());
    }

    #[test]
    fn attributes_are_counted() {
        let many: String = (0..100).map(|i| format!(" a{i}=\"x>y\"")).collect();
        let err = html(&format!("<p>\n<span{many}>x</span>")).unwrap_err();
        assert_eq!(
            err,
            StructureError::TooManyAttributes {
                line: 2,
                limit: MAX_ATTRIBUTES
            }
        );
        html("<a href=\"x\" title='y' data-a=b checked>x</a>").unwrap();
    }

    #[test]
    fn output_depth_is_checked() {
        assert!(check_output(&"<em>".repeat(1_000)).is_err());
        check_output(&"<em>x</em>".repeat(1_000)).unwrap();
    }
}
