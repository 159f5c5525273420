//! HTML pages flattened to lines for [`super::page`]: block elements start new lines, headings and
//! list items keep their kind, scripts and styles are dropped, and `<head>` metadata is read.

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node, Selector};

use super::page::{HeadMeta, Line, LineHint};

/// Elements whose content starts on a new line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "body",
    "center",
];
/// Elements whose text is never article content.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "iframe", "svg", "button", "select",
    "textarea", "object",
];

/// Whether the text looks like an HTML document rather than plain text.
pub fn looks_like_html(text: &str) -> bool {
    let start: String = text
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html")
        || start.starts_with("<html")
        || (start.starts_with('<')
            && (start.contains("<body") || start.contains("<p") || start.contains("<div")))
}

/// Flattens an HTML document into lines and reads its head metadata.
///
/// Any depth of nesting is fine here (the walk keeps no stack of its own); callers that must bound
/// the parser's time check the document first with [`super::structure::check`].
pub fn flatten(text: &str) -> (Vec<Line>, HeadMeta) {
    let doc = Html::parse_document(text);
    let mut out = Flattener::default();
    out.walk(doc.tree.root());
    out.flush();
    (out.lines, head_meta(&doc))
}

#[derive(Default)]
struct Flattener {
    lines: Vec<Line>,
    current: String,
    hint: Option<LineHint>,
}

impl Flattener {
    fn flush(&mut self) {
        let text = self.current.trim();
        if !text.is_empty() {
            self.lines.push(Line {
                text: text.to_string(),
                hint: self.hint.unwrap_or(LineHint::Plain),
            });
        }
        self.current.clear();
        self.hint = None;
    }

    /// Visits the tree in document order without recursion: ego-tree's traversal follows parent
    /// and sibling links, so a page nested 100,000 deep cannot overflow the stack.
    fn walk(&mut self, root: NodeRef<'_, Node>) {
        // The skipped element (script, style, …) being passed over, if any.
        let mut skipping: Option<NodeId> = None;
        // Open <ol>s, innermost last: the list and the number of its next item.
        let mut lists: Vec<(NodeId, u32)> = Vec::new();
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => self.current.push_str(t),
                        Node::Element(e) => {
                            let name = e.name();
                            if SKIPPED.contains(&name) {
                                skipping = Some(node.id());
                                continue;
                            }
                            if name == "br" {
                                // Keep the line's kind across a <br> inside a list item.
                                let hint = self.hint;
                                self.flush();
                                self.hint = hint;
                                continue;
                            }
                            if name == "ol" {
                                let start = e
                                    .attr("start")
                                    .and_then(|s| s.trim().parse().ok())
                                    .unwrap_or(1);
                                lists.push((node.id(), start));
                            }
                            if BLOCKS.contains(&name) {
                                self.flush();
                                self.hint = match name {
                                    "h1" => Some(LineHint::Headline),
                                    "h2" | "h3" | "h4" | "h5" | "h6" => Some(LineHint::Heading),
                                    "li" => Some(list_item_hint(node, &mut lists)),
                                    _ => None,
                                };
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if let Some(id) = skipping {
                        if id == node.id() {
                            skipping = None;
                        }
                        continue;
                    }
                    if let Node::Element(e) = node.value() {
                        if lists.last().is_some_and(|&(id, _)| id == node.id()) {
                            lists.pop();
                        }
                        if BLOCKS.contains(&e.name()) {
                            self.flush();
                        }
                    }
                }
            }
        }
    }
}

/// A `<li>` right under an `<ol>` is numbered by its position (from `start`), else it is a bullet.
/// The count is kept per open list, so long lists cost no more than short ones.
fn list_item_hint(li: NodeRef<'_, Node>, lists: &mut [(NodeId, u32)]) -> LineHint {
    match (li.parent(), lists.last_mut()) {
        (Some(parent), Some((list, next))) if parent.id() == *list => {
            let n = *next;
            *next = next.saturating_add(1);
            LineHint::Numbered(n)
        }
        _ => LineHint::Bullet,
    }
}

fn head_meta(doc: &Html) -> HeadMeta {
    let content = |selector: &str| -> Option<String> {
        let sel = Selector::parse(selector).ok()?;
        doc.select(&sel)
            .filter_map(|e| e.value().attr("content"))
            .map(str::trim)
            .find(|s| !s.is_empty())
            .map(str::to_string)
    };
    let title = content(r#"meta[property="og:title"]"#).or_else(|| {
        let sel = Selector::parse("title").ok()?;
        let t: String = doc.select(&sel).next()?.text().collect();
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    });
    let published = content(r#"meta[property="article:published_time"]"#)
        .or_else(|| content(r#"meta[name="publishdate"]"#))
        .or_else(|| content(r#"meta[name="PubDate"]"#))
        .or_else(|| {
            let sel = Selector::parse("time[datetime]").ok()?;
            doc.select(&sel)
                .next()?
                .value()
                .attr("datetime")
                .map(str::to_string)
        });
    HeadMeta {
        title,
        author: content(r#"meta[name="author"]"#),
        published,
        description: content(r#"meta[name="description"]"#),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_with_hints() {
        let (lines, head) = flatten(
            "<html><head><title>T</title><style>p{}</style></head><body>\
             <h1>标题</h1><p>作者:<span>张三</span></p><ol start=\"2\"><li>甲</li><li>乙</li></ol>\
             <script>var x</script><p>一<br>二</p></body></html>",
        );
        let got: Vec<_> = lines.iter().map(|l| (l.text.as_str(), l.hint)).collect();
        assert_eq!(
            got,
            vec![
                ("标题", LineHint::Headline),
                ("作者:张三", LineHint::Plain),
                ("甲", LineHint::Numbered(2)),
                ("乙", LineHint::Numbered(3)),
                ("一", LineHint::Plain),
                ("二", LineHint::Plain),
            ]
        );
        assert_eq!(head.title.as_deref(), Some("T"));
    }

    #[test]
    fn nested_lists_keep_their_own_numbers() {
        let (lines, _) = flatten(
            "<ol><li>a</li><li>b<ol start=7><li>c</li><li>d</li></ol></li><li>e</li></ol>\
             <ul><li>f</li></ul><script><li>g</li></script>",
        );
        let got: Vec<_> = lines.iter().map(|l| (l.text.as_str(), l.hint)).collect();
        assert_eq!(
            got,
            vec![
                ("a", LineHint::Numbered(1)),
                ("b", LineHint::Numbered(2)),
                ("c", LineHint::Numbered(7)),
                ("d", LineHint::Numbered(8)),
                ("e", LineHint::Numbered(3)),
                ("f", LineHint::Bullet),
            ]
        );
    }

    /// The walk keeps no stack of its own: 100,000 levels of nesting flatten on a test thread's
    /// small stack (the recursive walk overflowed it).
    #[test]
    fn deep_nesting_flattens_without_recursion() {
        // (Not <div>: the parser's own time grows with the depth there; `structure` bounds that.)
        for (open, close) in [
            ("<span>", "</span>"),
            ("<b><i>", "</i></b>"),
            ("<table><tr><td>", "</td></tr></table>"),
        ] {
            let html = format!(
                "<html><body><p>top</p>{}深处{}</body></html>",
                open.repeat(100_000),
                close.repeat(100_000)
            );
            let (lines, _) = flatten(&html);
            let texts: Vec<_> = lines.iter().map(|l| l.text.as_str()).collect();
            assert_eq!(texts, vec!["top", "深处"], "{open}");
        }
    }

    #[test]
    fn html_is_told_from_text() {
        assert!(looks_like_html("  <!DOCTYPE html><html>"));
        assert!(!looks_like_html("手机网站\n标题"));
    }
}
