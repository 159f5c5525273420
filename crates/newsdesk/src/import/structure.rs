//! A cheap, linear check of an HTML document's shape, run before it is parsed.
//!
//! html5ever's tree builder does work per tag that grows with the depth of the open elements
//! (scope checks walk that stack), and its tokenizer compares each attribute with every earlier one
//! of the same tag (duplicate check), so 64k nested `<div>`s or one tag with 100,000 attributes
//! take minutes. No real page comes near these limits, so such documents are refused here, in one
//! pass over the bytes, before html5ever sees them.
//!
//! The depth is an estimate of the parser's stack of open elements: elements whose end tag may be
//! left out (`<p>`, `<li>`, `<td>`, …) and those that close their own kind (`<a>`, `<nobr>`) are
//! not counted, void elements never open, and end tags close only what the parser would close
//! (they do not reach past a block element or out of a table). It can count a little more than
//! the parser on broken markup, never much less, so nesting past the limit cannot slip through.
//!
//! Shared: the newsroom can run the same check on article bodies ([`check`]).

/// Elements nested deeper than this are refused. Browsers stop nesting at 512 (Blink's parser);
/// article pages stay under a few dozen, and the parser's work per tag grows with this depth.
pub const MAX_DEPTH: usize = 256;
/// A tag with more attributes than this is refused (the tokenizer's duplicate check is
/// quadratic in the count). Real tags carry a handful, bloated ones a few dozen.
pub const MAX_ATTRIBUTES: usize = 256;

/// Why a document's shape is refused. Lines count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StructureError {
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error(
        "elements are nested more than {limit} deep (at line {line}); no real page nests that deep"
    )]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Line of the tag that went past it.
        line: usize,
    },
    /// A tag with more than [`MAX_ATTRIBUTES`] attributes.
    #[error("a <{tag}> tag at line {line} has more than {limit} attributes")]
    TooManyAttributes {
        /// The tag's name, as written (cut to 32 bytes).
        tag: String,
        /// The limit.
        limit: usize,
        /// Line of the tag.
        line: usize,
    },
}

/// Checks an HTML document (or fragment) against [`MAX_DEPTH`] and [`MAX_ATTRIBUTES`], in time
/// linear in its length.
pub fn check(html: &str) -> Result<(), StructureError> {
    check_with(html, MAX_DEPTH, MAX_ATTRIBUTES)
}

/// [`check`] with other limits.
pub fn check_with(
    html: &str,
    max_depth: usize,
    max_attributes: usize,
) -> Result<(), StructureError> {
    let b = html.as_bytes();
    let line = |at: usize| 1 + b[..at.min(b.len())].iter().filter(|&&c| c == b'\n').count();
    // Open elements as the parser would have them: names as written, and whether their content
    // is foreign (inside <svg> or <math>, where `<x/>` closes itself and <style> is not raw text).
    let mut stack: Vec<(&[u8], bool)> = Vec::new();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        let lt = i + off;
        let rest = &b[lt + 1..];
        i = lt + 1;
        if rest.starts_with(b"!--") {
            i = comment_end(b, lt + 4);
        } else if rest.first().is_some_and(|&c| c == b'!' || c == b'?')
            || (rest.first() == Some(&b'/') && !rest.get(1).is_some_and(u8::is_ascii_alphabetic))
        {
            // Doctype, bogus comment, processing instruction, `</>`: up to the next `>`.
            i = find(b, lt + 1, b">").map_or(b.len(), |p| p + 1);
        } else if rest.first() == Some(&b'/') {
            let (name, tag) = read_tag(b, lt + 2);
            if tag.attributes > max_attributes {
                return Err(too_many(name, max_attributes, line(lt)));
            }
            i = tag.end;
            close(&mut stack, name);
        } else if rest.first().is_some_and(u8::is_ascii_alphabetic) {
            let (name, tag) = read_tag(b, lt + 1);
            if tag.attributes > max_attributes {
                return Err(too_many(name, max_attributes, line(lt)));
            }
            i = tag.end;
            let mut foreign = stack.last().is_some_and(|&(_, f)| f);
            if foreign
                && (is_one_of(name, BREAKOUT)
                    || (name.eq_ignore_ascii_case(b"font") && tag.font_breakout))
            {
                // These leave foreign content: the parser pops back to the last HTML element.
                while stack.last().is_some_and(|&(_, f)| f) {
                    stack.pop();
                }
                foreign = false;
            }
            if !foreign && is_one_of(name, RAW_TEXT) {
                i = raw_text_end(b, i, name);
                continue;
            }
            if !foreign && name.eq_ignore_ascii_case(b"plaintext") {
                return Ok(()); // the rest of the document is text
            }
            let opens = if foreign {
                !tag.self_closing
            } else {
                !is_one_of(name, VOID) && !is_one_of(name, NOT_COUNTED)
            };
            if opens {
                let content_foreign = if foreign {
                    !is_one_of(name, INTEGRATION_POINTS)
                } else {
                    name.eq_ignore_ascii_case(b"svg") || name.eq_ignore_ascii_case(b"math")
                };
                stack.push((name, content_foreign));
                if stack.len() > max_depth {
                    return Err(StructureError::TooDeep {
                        limit: max_depth,
                        line: line(lt),
                    });
                }
            }
        }
        // Anything else is a literal `<` in text.
    }
    Ok(())
}

/// Void elements: never opened.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
];
/// Elements the parser closes by itself when the next of their kind (or their container's end)
/// comes, so they do not pile up; their containers are counted.
const NOT_COUNTED: &[&str] = &[
    "a", "body", "caption", "colgroup", "dd", "dt", "head", "html", "li", "nobr", "optgroup",
    "option", "p", "rb", "rp", "rt", "rtc", "tbody", "td", "tfoot", "th", "thead", "tr",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "iframe", "noembed", "noframes", "noscript", "script", "style", "textarea", "title", "xmp",
];
/// Start tags that end foreign content (and `<font>` with `color`, `face` or `size`).
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];
/// Foreign elements whose content is HTML again.
const INTEGRATION_POINTS: &[&str] = &[
    "annotation-xml",
    "desc",
    "foreignobject",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "title",
];
/// Elements an end tag of a formatting or other inline element does not close past (the HTML
/// standard's "special" category).
const SPECIAL: &[&str] = &[
    "address",
    "applet",
    "area",
    "article",
    "aside",
    "base",
    "basefont",
    "bgsound",
    "blockquote",
    "body",
    "br",
    "button",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dir",
    "div",
    "dl",
    "dt",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "iframe",
    "img",
    "input",
    "keygen",
    "li",
    "link",
    "listing",
    "main",
    "marquee",
    "menu",
    "meta",
    "nav",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "p",
    "param",
    "plaintext",
    "pre",
    "script",
    "search",
    "section",
    "select",
    "source",
    "style",
    "summary",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
    "wbr",
    "xmp",
];
/// Elements an end tag of a block element does not close past ("has an element in scope").
const SCOPE: &[&str] = &[
    "applet", "caption", "html", "marquee", "object", "table", "td", "template", "th",
];

fn is_one_of(name: &[u8], set: &[&str]) -> bool {
    set.iter().any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
}

fn too_many(name: &[u8], limit: usize, line: usize) -> StructureError {
    StructureError::TooManyAttributes {
        tag: String::from_utf8_lossy(&name[..name.len().min(32)]).into_owned(),
        limit,
        line,
    }
}

/// An end tag closes the innermost open element of its name, unless an element it cannot close
/// past comes first; then the parser ignores it, and so does this count.
fn close(stack: &mut Vec<(&[u8], bool)>, name: &[u8]) {
    let barrier = if is_one_of(name, SPECIAL) {
        SCOPE
    } else {
        SPECIAL
    };
    for at in (0..stack.len()).rev() {
        let (open, _) = stack[at];
        if open.eq_ignore_ascii_case(name) {
            stack.truncate(at);
            return;
        }
        if is_one_of(open, barrier) {
            return;
        }
    }
}

struct Tag {
    attributes: usize,
    /// A `color`, `face` or `size` attribute: a `<font>` that ends foreign content.
    font_breakout: bool,
    self_closing: bool,
    /// Offset just past the tag's `>` (or the end of the document).
    end: usize,
}

/// Reads a tag from its name (at `start`) to its `>`, as the HTML tokenizer does: attribute
/// values in quotes may hold `>`.
fn read_tag(b: &[u8], start: usize) -> (&[u8], Tag) {
    let is_space = |c: u8| matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
    let mut i = start;
    while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = &b[start..i];
    let mut tag = Tag {
        attributes: 0,
        font_breakout: false,
        self_closing: false,
        end: b.len(),
    };
    while i < b.len() {
        match b[i] {
            b'>' => {
                tag.end = i + 1;
                return (name, tag);
            }
            b'/' => {
                tag.self_closing = b.get(i + 1) == Some(&b'>');
                i += 1;
            }
            c if is_space(c) => i += 1,
            _ => {
                // An attribute name (the first character may be `=`), then maybe `=` and a value.
                tag.attributes += 1;
                let name_start = i;
                i += 1;
                while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                    i += 1;
                }
                tag.font_breakout |= is_one_of(&b[name_start..i], &["color", "face", "size"]);
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                if b.get(i) != Some(&b'=') {
                    continue;
                }
                i += 1;
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                match b.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        i = find(b, i + 1, &[q]).map_or(b.len(), |p| p + 1);
                    }
                    _ => {
                        while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                            i += 1;
                        }
                    }
                }
                tag.self_closing = false;
            }
        }
    }
    (name, tag)
}

/// The end of a comment whose `<!--` ends just before `from`: after `-->` or `--!>`; `<!-->` and
/// `<!--->` are whole comments.
fn comment_end(b: &[u8], from: usize) -> usize {
    let rest = &b[from.min(b.len())..];
    if rest.starts_with(b">") {
        return from + 1;
    }
    if rest.starts_with(b"->") {
        return from + 2;
    }
    let mut i = from;
    while let Some(p) = find(b, i, b"--") {
        match b.get(p + 2) {
            Some(b'>') => return p + 3,
            Some(b'!') if b.get(p + 3) == Some(&b'>') => return p + 4,
            _ => i = p + 1,
        }
    }
    b.len()
}

/// The end of a raw-text element's content: just past `</name` (any case) and its `>`.
fn raw_text_end(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(p) = find(b, i, b"</") {
        let after = p + 2 + name.len();
        let closes = b
            .get(p + 2..after)
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && b.get(after)
                .is_none_or(|&c| matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>'));
        if closes {
            return read_tag(b, p + 2).1.end;
        }
        i = p + 2;
    }
    b.len()
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = b.get(from..)?;
    if needle.len() == 1 {
        return hay.iter().position(|&c| c == needle[0]).map(|p| from + p);
    }
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error(html: &str, limit: usize) -> bool {
        matches!(
            check_with(html, limit, MAX_ATTRIBUTES),
            Err(StructureError::TooDeep { .. })
        )
    }

    #[test]
    fn ordinary_pages_pass() {
        let page = "<!DOCTYPE html><html><head><title>a<b</title><script>if (a<b) {}</script>\
            <style>div > p {}</style></head><body><!-- <div><div> --><div class=\"x>y\">\
            <p>one<p>two<ul><li>a<li>b</ul><table><tr><td>1<td>2<tr><td>3</table>\
            <img src=x><br/><svg><path d=1 /><path/></svg><a href=1>x<a href=2>y</div></body></html>";
        assert_eq!(check_with(page, 6, 8), Ok(()));
        // Unclosed <p>, <li> and <a> do not pile up.
        let many = "<div>".to_string() + &"<p>x<li>y<a>z<td>w".repeat(10_000) + "</div>";
        assert_eq!(check_with(&many, 4, 8), Ok(()));
        // Properly closed siblings never get deep.
        assert_eq!(
            check_with(&"<div><span>x</span></div>".repeat(10_000), 2, 8),
            Ok(())
        );
    }

    #[test]
    fn deep_nesting_is_refused_with_its_line() {
        assert_eq!(
            check_with("<div>\n<div>\n<div>", 2, 8),
            Err(StructureError::TooDeep { limit: 2, line: 3 })
        );
        assert!(depth_error(&"<b><i>".repeat(50_000), MAX_DEPTH));
        assert!(depth_error(&"<span>".repeat(100_000), MAX_DEPTH));
        assert!(depth_error(&"<table><tr><td>".repeat(100_000), MAX_DEPTH));
        // Self-closing syntax does not close an HTML element.
        assert!(depth_error(&"<div/>".repeat(1_000), MAX_DEPTH));
    }

    #[test]
    fn end_tags_the_parser_ignores_do_not_hide_depth() {
        // </span> cannot close past a <div>; </div> cannot close out of a table.
        assert!(depth_error(&"<span><div></span>".repeat(1_000), MAX_DEPTH));
        assert!(depth_error(&"<b><div></b>".repeat(1_000), MAX_DEPTH));
        assert!(depth_error(&"<div><table></div>".repeat(1_000), MAX_DEPTH));
        // Comments end at `--!>` too; <style> in <svg> is markup, not text.
        assert!(depth_error(
            &format!("<!-- x --!>{}", "<div>".repeat(1_000)),
            MAX_DEPTH
        ));
        assert!(depth_error(
            &format!("<svg><style>{}", "<div>".repeat(1_000)),
            MAX_DEPTH
        ));
        // Leaving <svg> (by <div>, or into <foreignObject>) makes `<x/>` open again.
        assert!(depth_error(
            &format!("<svg><div>{}", "<section/>".repeat(1_000)),
            MAX_DEPTH
        ));
        assert!(depth_error(
            &format!("<svg><foreignObject>{}", "<section/>".repeat(1_000)),
            MAX_DEPTH
        ));
        assert!(depth_error(
            &"<svg><g><g><font x=1>".repeat(1_000),
            MAX_DEPTH
        ));
    }

    #[test]
    fn tags_with_too_many_attributes_are_refused() {
        let attrs: String = (0..300).map(|i| format!(" a{i}=\"1>\"")).collect();
        assert_eq!(
            check(&format!("<p>\n<div{attrs}>x</div>")),
            Err(StructureError::TooManyAttributes {
                tag: "div".into(),
                limit: MAX_ATTRIBUTES,
                line: 2
            })
        );
        let fine: String = (0..200).map(|i| format!(" a{i}")).collect();
        assert_eq!(check(&format!("<div{fine}>x</div>")), Ok(()));
    }
}
