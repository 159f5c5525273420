//! HTML pages flattened to lines for [`super::page`]: block elements start new lines, headings and
//! list items keep their kind, scripts and styles are dropped, and `<head>` metadata is read.

use ego_tree::NodeRef;
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

    fn walk(&mut self, node: NodeRef<'_, Node>) {
        match node.value() {
            Node::Text(t) => self.current.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if SKIPPED.contains(&name) {
                    return;
                }
                if name == "br" {
                    // Keep the line's kind across a <br> inside a list item.
                    let hint = self.hint;
                    self.flush();
                    self.hint = hint;
                    return;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    self.flush();
                    self.hint = match name {
                        "h1" => Some(LineHint::Headline),
                        "h2" | "h3" | "h4" | "h5" | "h6" => Some(LineHint::Heading),
                        "li" => Some(list_item_hint(node)),
                        _ => None,
                    };
                }
                for child in node.children() {
                    self.walk(child);
                }
                if block {
                    self.flush();
                }
            }
            _ => {
                for child in node.children() {
                    self.walk(child);
                }
            }
        }
    }
}

/// A `<li>` under `<ol>` is numbered by its position (from `start`), else it is a bullet.
fn list_item_hint(li: NodeRef<'_, Node>) -> LineHint {
    let Some(parent) = li.parent() else {
        return LineHint::Bullet;
    };
    let Some(list) = parent.value().as_element() else {
        return LineHint::Bullet;
    };
    if list.name() != "ol" {
        return LineHint::Bullet;
    }
    let start: u32 = list
        .attr("start")
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1);
    let index = li
        .prev_siblings()
        .filter(|n| n.value().as_element().is_some_and(|e| e.name() == "li"))
        .count();
    LineHint::Numbered(start.saturating_add(u32::try_from(index).unwrap_or(u32::MAX)))
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
    fn html_is_told_from_text() {
        assert!(looks_like_html("  <!DOCTYPE html><html>"));
        assert!(!looks_like_html("手机网站\n标题"));
    }
}
