//! HTML pages flattened to lines for [`super::page`]: block elements start new lines, headings and
//! list items keep their kind, scripts and styles are dropped, and `<head>` metadata is read.

use std::sync::LazyLock;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::node::Element;
use scraper::{ElementRef, Html, Node, Selector};

use super::markdown::{LINK_END, LINK_MID, LINK_START};
use super::page::{Embed, HeadMeta, Line, LineHint};

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
    "script", "style", "noscript", "template", "head", "svg", "button", "select", "textarea",
];
/// Elements an article cannot hold, named in the import report when they are in the body.
const DROPPED: &[(&str, &str)] = &[
    ("video", "a video"),
    ("audio", "an audio clip"),
    ("iframe", "an embedded frame"),
    ("object", "an embedded object"),
    ("embed", "an embedded object"),
];
/// Links to these are files (附件) and stay links.
const FILE_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "rar", "7z", "wps", "et", "txt",
    "csv",
];
/// Labels of a government notice's metadata table (信息公开 pages put it above the title).
const NOTICE_LABELS: &[&str] = &[
    "索引号",
    "主题分类",
    "发布机构",
    "发文机关",
    "发文单位",
    "成文日期",
    "文号",
    "发文字号",
    "发布日期",
    "标题",
    "名称",
    "主题词",
    "有效性",
    "体裁分类",
    "组配分类",
    "公开方式",
];
/// A table is read as data only below this many nodes; bigger ones are read as layout (their text
/// kept line by line), which also bounds the look-ahead of nested layout tables.
const MAX_TABLE_NODES: usize = 20_000;
/// Spans beyond this are clamped (HTML allows rowspan up to 65534).
const MAX_SPAN: usize = 64;

macro_rules! selector {
    ($name:ident, $css:expr) => {
        static $name: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse($css).ok());
    };
}
selector!(WECHAT_BODY, "#js_content");
selector!(WECHAT_TITLE, "#activity-name, .rich_media_title");
selector!(WECHAT_ACCOUNT, "#js_name, .profile_nickname");
selector!(WECHAT_TIME, "#publish_time");
selector!(SCRIPT, "script");
selector!(OG_TITLE, r#"meta[property="og:title"]"#);
selector!(TITLE, "title");
selector!(
    PUBLISHED,
    r#"meta[property="article:published_time"], meta[name="publishdate"], meta[name="PubDate"]"#
);
selector!(TIME_TAG, "time[datetime]");
selector!(AUTHOR, r#"meta[name="author"]"#);
selector!(DESCRIPTION, r#"meta[name="description"]"#);
selector!(CANONICAL, r#"link[rel="canonical"]"#);
selector!(OG_URL, r#"meta[property="og:url"]"#);

/// WeChat's publish time in its scripts: `var ct = "1707358860"` (unix seconds, the exact time).
static WECHAT_CT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"\bct\s*=\s*["'](\d{9,11})["']"#).ok());
/// `createTime = '2024-02-08 10:21'` or `var publish_time = "2024-02-08"`.
static WECHAT_DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"\b(?:createTime|publish_time)\s*=\s*["'](\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)["']"#).ok()
});

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

/// Flattens an HTML document into lines and reads its head metadata. A saved WeChat article is
/// read from its own markup: the headline, then the text of `#js_content`.
///
/// Any depth of nesting is fine here (the walk keeps no stack of its own); callers that must bound
/// the parser's time check the document first with [`super::structure::check`].
pub fn flatten(text: &str) -> (Vec<Line>, HeadMeta) {
    let doc = Html::parse_document(text);
    let mut out = Flattener::default();
    let mut head = head_meta(&doc);
    match select_first(&doc, &WECHAT_BODY) {
        Some(body) => {
            let title = select_first(&doc, &WECHAT_TITLE)
                .map(|e| element_text(&e))
                .filter(|t| !t.is_empty())
                .or_else(|| head.title.clone());
            if let Some(title) = title {
                out.lines.push(Line {
                    text: title,
                    hint: LineHint::Headline,
                    embed: None,
                });
            }
            wechat_meta(&doc, &mut head);
            out.walk(*body);
        }
        None => out.walk(doc.tree.root()),
    }
    out.flush();
    (out.lines, head)
}

fn select_first<'a>(
    doc: &'a Html,
    selector: &LazyLock<Option<Selector>>,
) -> Option<ElementRef<'a>> {
    doc.select(selector.as_ref()?).next()
}

fn element_text(e: &ElementRef<'_>) -> String {
    super::page::normalize_space(&e.text().collect::<String>())
}

/// A WeChat article's account (its 来源) and publish time, from its markup and scripts.
fn wechat_meta(doc: &Html, head: &mut HeadMeta) {
    head.source = select_first(doc, &WECHAT_ACCOUNT)
        .map(|e| element_text(&e))
        .filter(|t| !t.is_empty());
    let shown = select_first(doc, &WECHAT_TIME)
        .map(|e| element_text(&e))
        .filter(|t| !t.is_empty());
    let mut from_script = None;
    if let Some(sel) = SCRIPT.as_ref() {
        for script in doc.select(sel) {
            let code: String = script.text().collect();
            if let Some(secs) = WECHAT_CT
                .as_ref()
                .and_then(|re| re.captures(&code))
                .and_then(|c| c[1].parse::<i64>().ok())
                .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            {
                from_script = Some(secs.to_rfc3339());
                break;
            }
            if from_script.is_none() {
                from_script = WECHAT_DATE
                    .as_ref()
                    .and_then(|re| re.captures(&code))
                    .map(|c| c[1].to_string());
            }
        }
    }
    head.published = head.published.take().or(from_script).or(shown);
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
                embed: None,
            });
        }
        self.current.clear();
        self.hint = None;
    }

    /// Ends the current line (keeping its kind for what follows, as inside a list item) and adds a
    /// line that is not text.
    fn push_embed(&mut self, embed: Embed, text: String) {
        let hint = self.hint;
        self.flush();
        self.lines.push(Line::embed(embed, text));
        self.hint = hint;
    }

    /// Visits the tree in document order without recursion: ego-tree's traversal follows parent
    /// and sibling links, so a page nested 100,000 deep cannot overflow the stack.
    fn walk(&mut self, root: NodeRef<'_, Node>) {
        // The element being passed over (script, style, a table read whole…), if any.
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
                        Node::Text(t) => push_text(&mut self.current, t),
                        Node::Element(e) => {
                            let name = e.name();
                            if SKIPPED.contains(&name) {
                                skipping = Some(node.id());
                                continue;
                            }
                            if let Some(&(_, what)) = DROPPED.iter().find(|(n, _)| *n == name) {
                                let src = media_src(node).unwrap_or_default();
                                let what = if src.is_empty() {
                                    what.to_string()
                                } else {
                                    format!("{what} ({src})")
                                };
                                self.push_embed(Embed::Dropped(what), String::new());
                                skipping = Some(node.id());
                                continue;
                            }
                            match name {
                                "br" => {
                                    // Keep the line's kind across a <br> inside a list item.
                                    let hint = self.hint;
                                    self.flush();
                                    self.hint = hint;
                                    continue;
                                }
                                "img" => {
                                    if let Some(embed) = image(e) {
                                        self.push_embed(embed, String::new());
                                    }
                                    continue;
                                }
                                "a" => {
                                    if let Some(href) = file_href(e) {
                                        push_link(&mut self.current, node, href);
                                        skipping = Some(node.id());
                                        continue;
                                    }
                                }
                                "table" => {
                                    if let Some(table) = read_table(node) {
                                        self.flush();
                                        self.lines.extend(table);
                                        skipping = Some(node.id());
                                        continue;
                                    }
                                }
                                "ol" => {
                                    let start = e
                                        .attr("start")
                                        .and_then(|s| s.trim().parse().ok())
                                        .unwrap_or(1);
                                    lists.push((node.id(), start));
                                }
                                _ => {}
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

/// Page text, without the private-use characters that mark links (see [`LINK_START`]).
fn push_text(out: &mut String, text: &str) {
    if text.contains([LINK_START, LINK_MID, LINK_END]) {
        out.extend(
            text.chars()
                .filter(|c| ![LINK_START, LINK_MID, LINK_END].contains(c)),
        );
    } else {
        out.push_str(text);
    }
}

/// A link to a file, written into the line: its text (or the file's name), then its target.
fn push_link(out: &mut String, link: NodeRef<'_, Node>, href: String) {
    let mut name = String::new();
    for node in link.descendants() {
        if let Node::Text(t) = node.value() {
            push_text(&mut name, t);
        }
    }
    let mut name = super::page::normalize_space(&name);
    if name.is_empty() {
        let path = href.split(['?', '#']).next().unwrap_or_default();
        name = path.rsplit('/').next().unwrap_or(path).to_string();
    }
    out.push(LINK_START);
    out.push_str(&name);
    out.push(LINK_MID);
    out.push_str(&href);
    out.push(LINK_END);
}

/// The target of a link to a file (附件), by its extension; a query string is allowed.
fn file_href(e: &Element) -> Option<String> {
    let href = e.attr("href")?.trim();
    let path = href.split(['?', '#']).next()?;
    let ext = path.rsplit_once('.')?.1;
    if ext.contains('/') || !FILE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(ext)) {
        return None;
    }
    // A target is one token in the Markdown: spaces inside a URL are written as %20.
    Some(href.replace(char::is_whitespace, "%20"))
}

/// A picture: `src`, or WeChat's lazy `data-src` when `src` is missing or a placeholder. A
/// picture inlined as a `data:` URI cannot be kept; a tracking pixel (1×1) is no picture.
fn image(e: &Element) -> Option<Embed> {
    let attr = |name: &str| e.attr(name).map(str::trim).filter(|s| !s.is_empty());
    let is_data = |s: &str| s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:"));
    let src = attr("src")
        .filter(|s| !is_data(s))
        .or_else(|| attr("data-src"));
    let tiny = |name: &str| attr(name).is_some_and(|v| matches!(v, "0" | "1" | "1px"));
    if tiny("width") && tiny("height") {
        return None;
    }
    let alt = attr("alt")
        .map(super::page::normalize_space)
        .unwrap_or_default();
    match src {
        Some(src) if !is_data(src) => Some(Embed::Image {
            src: src.to_string(),
            alt,
        }),
        Some(_) | None if attr("src").is_some_and(is_data) => Some(Embed::Dropped(
            "a picture inlined in the page as a data: URI".into(),
        )),
        _ => None,
    }
}

/// The source of a video, audio clip or frame, for the report.
fn media_src(node: NodeRef<'_, Node>) -> Option<String> {
    node.descendants().find_map(|n| match n.value() {
        Node::Element(e) => e
            .attr("src")
            .or_else(|| e.attr("data"))
            .or_else(|| e.attr("data-src"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && !s.starts_with("data:")),
        _ => None,
    })
}

/// A `<table>` read whole: a data table becomes a table line (the pictures in its cells follow
/// it), a government notice's metadata table becomes `label：value` lines. `None` for a layout
/// table (nested tables, headings, one column or one row): its text is read like any other.
fn read_table(table: NodeRef<'_, Node>) -> Option<Vec<Line>> {
    let mut rows: Vec<Vec<(String, usize, usize)>> = Vec::new();
    let mut images = Vec::new();
    let mut caption = String::new();
    let mut visited = 0usize;
    let mut cell: Option<(NodeId, String, usize, usize)> = None;
    let mut in_caption: Option<NodeId> = None;
    let mut skipping: Option<NodeId> = None;
    for edge in table.traverse().skip(1) {
        visited += 1;
        if visited > MAX_TABLE_NODES {
            return None;
        }
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => {
                        if let Some((_, text, _, _)) = cell.as_mut() {
                            push_text(text, t);
                        } else if in_caption.is_some() {
                            push_text(&mut caption, t);
                        }
                    }
                    Node::Element(e) => match e.name() {
                        "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "form" | "ul"
                        | "ol" => return None,
                        "caption" => in_caption = Some(node.id()),
                        "tr" => rows.push(Vec::new()),
                        "td" | "th" => {
                            let span = |name: &str| {
                                e.attr(name)
                                    .and_then(|v| v.trim().parse::<usize>().ok())
                                    .unwrap_or(1)
                                    .clamp(1, MAX_SPAN)
                            };
                            cell =
                                Some((node.id(), String::new(), span("rowspan"), span("colspan")));
                        }
                        "img" => {
                            if let Some(img) = image(e) {
                                images.push(img);
                            }
                        }
                        "a" => {
                            if let (Some(href), Some((_, text, _, _))) =
                                (file_href(e), cell.as_mut())
                            {
                                push_link(text, node, href);
                                skipping = Some(node.id());
                            }
                        }
                        name if SKIPPED.contains(&name)
                            || DROPPED.iter().any(|(n, _)| *n == name) =>
                        {
                            return None;
                        }
                        name if BLOCKS.contains(&name) || name == "br" => {
                            if let Some((_, text, _, _)) = cell.as_mut() {
                                text.push(' ');
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                    continue;
                }
                if in_caption == Some(node.id()) {
                    in_caption = None;
                }
                if cell.as_ref().is_some_and(|(id, ..)| *id == node.id()) {
                    if let Some((_, text, rowspan, colspan)) = cell.take() {
                        let text = super::page::normalize_space(&text);
                        match rows.last_mut() {
                            Some(row) => row.push((text, rowspan, colspan)),
                            None => rows.push(vec![(text, rowspan, colspan)]),
                        }
                    }
                }
            }
        }
    }
    rows.retain(|r| !r.is_empty());
    let width = rows
        .iter()
        .map(|r| r.iter().map(|c| c.2).sum::<usize>())
        .max()
        .unwrap_or(0);
    if rows.len() < 2 || width < 2 {
        return None;
    }
    let mut lines = Vec::new();
    let caption = super::page::normalize_space(&caption);
    if !caption.is_empty() {
        lines.push(Line::plain(caption));
    }
    let labels = rows
        .iter()
        .flatten()
        .filter(|(t, ..)| NOTICE_LABELS.iter().any(|l| label_cell(t, l)))
        .count();
    if labels >= 2 {
        // 发布机构 | 合肥市人民政府办公室 | 成文日期 | 2024-02-06 → one metadata line.
        for row in &rows {
            let text: Vec<String> = row
                .iter()
                .map(|(t, ..)| match NOTICE_LABELS.iter().find(|l| *t == **l) {
                    Some(l) => format!("{l}："),
                    None => t.clone(),
                })
                .collect();
            lines.push(Line::plain(text.join(" ")));
        }
    } else {
        let (grid, merged) = split_merged(rows);
        let text = grid
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        lines.push(Line::embed(Embed::Table { rows: grid, merged }, text));
    }
    lines.extend(
        images
            .into_iter()
            .map(|img| Line::embed(img, String::new())),
    );
    Some(lines)
}

/// Whether a cell is the label `label` (bare, or with its colon and maybe its value).
fn label_cell(text: &str, label: &str) -> bool {
    text.strip_prefix(label)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '：']))
}

/// Cells with their spans laid out on a grid: a merged cell's text stays in its first square, the
/// squares it covered are empty. Every row is as wide as the widest.
fn split_merged(rows: Vec<Vec<(String, usize, usize)>>) -> (Vec<Vec<String>>, bool) {
    let mut merged = false;
    // Per column: rows still covered by a rowspan from above.
    let mut carry: Vec<usize> = Vec::new();
    let mut grid = Vec::with_capacity(rows.len());
    for row in rows {
        let mut out = Vec::new();
        let mut cells = row.into_iter();
        loop {
            let col = out.len();
            if carry.get(col).is_some_and(|&c| c > 0) {
                carry[col] -= 1;
                out.push(String::new());
                continue;
            }
            let Some((text, rowspan, colspan)) = cells.next() else {
                break;
            };
            merged |= rowspan > 1 || colspan > 1;
            for k in 0..colspan {
                let col = out.len();
                if carry.len() <= col {
                    carry.resize(col + 1, 0);
                }
                carry[col] = rowspan - 1;
                out.push(if k == 0 { text.clone() } else { String::new() });
            }
        }
        // Columns to the right still covered from above.
        while out.len() < carry.len() {
            let col = out.len();
            if carry[col] > 0 {
                carry[col] -= 1;
            }
            out.push(String::new());
        }
        grid.push(out);
    }
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut grid {
        row.resize(width, String::new());
    }
    (grid, merged)
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
    let attr_of = |selector: &LazyLock<Option<Selector>>, attr: &str| -> Option<String> {
        doc.select(selector.as_ref()?)
            .filter_map(|e| e.value().attr(attr))
            .map(str::trim)
            .find(|s| !s.is_empty())
            .map(str::to_string)
    };
    let content = |selector| attr_of(selector, "content");
    let title = content(&OG_TITLE).or_else(|| {
        let t = element_text(&select_first(doc, &TITLE)?);
        (!t.is_empty()).then_some(t)
    });
    let published = content(&PUBLISHED).or_else(|| attr_of(&TIME_TAG, "datetime"));
    let absolute = |u: String| {
        let lower = u.get(..8).unwrap_or(&u).to_ascii_lowercase();
        (lower.starts_with("http://") || lower.starts_with("https://")).then_some(u)
    };
    HeadMeta {
        title,
        author: content(&AUTHOR),
        published,
        description: content(&DESCRIPTION),
        source: None,
        source_url: attr_of(&CANONICAL, "href")
            .and_then(absolute)
            .or_else(|| content(&OG_URL).and_then(absolute)),
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
    fn data_tables_are_kept_and_layout_tables_read_as_text() {
        let (lines, _) = flatten(
            "<table><tr><td>甲</td><td colspan=2>乙</td></tr><tr><td rowspan=2>丙</td><td>1</td>\
             <td>2</td></tr><tr><td>3</td><td><img src=a.png></td></tr></table>\
             <table><tr><td><table><tr><td>正文</td></tr></table></td><td>侧栏</td></tr></table>",
        );
        let embeds: Vec<_> = lines.iter().filter_map(|l| l.embed.clone()).collect();
        assert_eq!(
            embeds,
            vec![
                Embed::Table {
                    rows: vec![
                        vec!["甲".into(), "乙".into(), String::new()],
                        vec!["丙".into(), "1".into(), "2".into()],
                        vec![String::new(), "3".into(), String::new()],
                    ],
                    merged: true,
                },
                Embed::Image {
                    src: "a.png".into(),
                    alt: String::new(),
                },
            ]
        );
        let texts: Vec<_> = lines
            .iter()
            .filter(|l| l.embed.is_none())
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(texts, vec!["正文", "侧栏"]);
    }

    #[test]
    fn file_links_images_and_embeds_are_marked() {
        let (lines, _) = flatten(
            "<p>附件：<a href=' a.PDF?x=1 '>方案</a> <a href=/b.html>页</a></p>\
             <p><img src='data:image/png;base64,AA'><img src=x.gif width=1 height=1>\
             <img data-src=w.jpg alt=图></p><iframe src=//v.example/x></iframe>",
        );
        assert_eq!(
            lines[0].text,
            format!("附件：{LINK_START}方案{LINK_MID}a.PDF?x=1{LINK_END} 页")
        );
        let embeds: Vec<_> = lines.iter().filter_map(|l| l.embed.clone()).collect();
        assert_eq!(
            embeds,
            vec![
                Embed::Dropped("a picture inlined in the page as a data: URI".into()),
                Embed::Image {
                    src: "w.jpg".into(),
                    alt: "图".into(),
                },
                Embed::Dropped("an embedded frame (//v.example/x)".into()),
            ]
        );
    }

    #[test]
    fn html_is_told_from_text() {
        assert!(looks_like_html("  <!DOCTYPE html><html>"));
        assert!(!looks_like_html("手机网站\n标题"));
    }
}
