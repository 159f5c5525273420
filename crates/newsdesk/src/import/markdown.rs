//! Blocks of an imported page written out as CommonMark, the one source form the renderer and the
//! newsroom editor share. Text is escaped so that nothing in it turns into markup by accident.

use std::borrow::Cow;

/// Opens a link to a file inside a block's text: `LINK_START name LINK_MID href LINK_END`. The
/// page's lines are plain text all the way through the reader; these private-use characters (taken
/// out of the page's own text) carry the few links it keeps, the attachments, to the Markdown.
pub const LINK_START: char = '\u{E000}';
/// Separates a link's text from its target, see [`LINK_START`].
pub const LINK_MID: char = '\u{E001}';
/// Closes a link, see [`LINK_START`].
pub const LINK_END: char = '\u{E002}';

/// One structural block of an article body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading (二、2024年工作安排).
    Heading(String),
    /// A paragraph of running text.
    Paragraph(String),
    /// An item of a numbered list, with the number the source gave it (1), 2), …).
    Numbered(u32, String),
    /// An item of a bulleted list.
    Bullet(String),
    /// A picture: its source exactly as the page names it (a path beside the page or a URL).
    Image {
        /// `src` (or WeChat's `data-src`), whitespace trimmed.
        src: String,
        /// Its alternative text.
        alt: String,
    },
    /// A table: rows of cells (merged cells already split), the first row its header.
    Table(Vec<Vec<String>>),
}

impl Block {
    /// The block's text without markup (links as their text, a table's cells one per line).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Self::Heading(t) | Self::Paragraph(t) | Self::Numbered(_, t) | Self::Bullet(t) => {
                plain(t)
            }
            Self::Image { alt, .. } => Cow::Borrowed(alt),
            Self::Table(rows) => Cow::Owned(
                rows.iter()
                    .flatten()
                    .map(|c| plain(c))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }
}

/// Text with its links reduced to their text.
pub fn plain(text: &str) -> Cow<'_, str> {
    if !text.contains(LINK_START) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_href = false;
    for c in text.chars() {
        match c {
            LINK_START => {}
            LINK_MID => in_href = true,
            LINK_END => in_href = false,
            c if !in_href => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// The links to files in a block's text: (text, href) in order.
pub fn links(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split(LINK_START).skip(1).filter_map(|part| {
        let (link, _) = part.split_once(LINK_END)?;
        link.split_once(LINK_MID)
    })
}

/// How a link or image target is written in the Markdown: as it is, or in `<…>` when it holds
/// spaces, angle brackets or unbalanced parentheses. The body names a picture or file as
/// `](` + this + `)`.
pub fn destination(target: &str) -> Cow<'_, str> {
    let mut depth = 0i32;
    let mut balanced = true;
    for c in target.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                balanced &= depth >= 0;
            }
            _ => {}
        }
    }
    let plain = balanced
        && depth == 0
        && !target.is_empty()
        && !target.contains(|c: char| c.is_whitespace() || c == '<' || c == '>');
    if plain {
        Cow::Borrowed(target)
    } else {
        Cow::Owned(format!(
            "<{}>",
            target
                .replace('<', "%3C")
                .replace('>', "%3E")
                .replace('\n', " ")
        ))
    }
}

/// Writes blocks as CommonMark (with GFM tables). Consecutive list items form one list; blocks are
/// separated by a blank line.
pub fn to_markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Block> = None;
    for block in blocks {
        if let Some(p) = prev {
            let same_list = matches!(
                (p, block),
                (Block::Numbered(..), Block::Numbered(..)) | (Block::Bullet(_), Block::Bullet(_))
            );
            out.push_str(if same_list { "\n" } else { "\n\n" });
        }
        match block {
            Block::Heading(t) => {
                out.push_str("## ");
                out.push_str(&inline(t));
            }
            Block::Paragraph(t) => out.push_str(&inline(t)),
            Block::Numbered(n, t) => {
                out.push_str(&format!("{n}. "));
                out.push_str(&inline(t));
            }
            Block::Bullet(t) => {
                out.push_str("- ");
                out.push_str(&inline(t));
            }
            Block::Image { src, alt } => {
                out.push_str("![");
                out.push_str(&escape_with(alt, false));
                out.push_str("](");
                out.push_str(&destination(src));
                out.push(')');
            }
            Block::Table(rows) => write_table(rows, &mut out),
        }
        prev = Some(block);
    }
    out.push('\n');
    out
}

/// A GFM table: the first row is the header, every row padded to the widest. `|` in a cell is
/// escaped by [`escape`].
fn write_table(rows: &[Vec<String>], out: &mut String) {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push('|');
        for col in 0..width {
            let cell = row
                .get(col)
                .map_or(Cow::Borrowed(""), |c| Cow::Owned(inline_with(c, false)));
            out.push(' ');
            out.push_str(&cell);
            out.push_str(" |");
        }
        if i == 0 {
            out.push_str("\n|");
            for _ in 0..width {
                out.push_str(" --- |");
            }
        }
    }
}

/// A block's text as Markdown: escaped, its file links written as links.
fn inline(text: &str) -> String {
    inline_with(text, true)
}

fn inline_with(text: &str, at_line_start: bool) -> String {
    if !text.contains(LINK_START) {
        return escape_with(text, at_line_start);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in text.split(LINK_START).enumerate() {
        let start = at_line_start && i == 0;
        match part.split_once(LINK_END) {
            Some((link, after)) if i > 0 => {
                let (name, href) = link.split_once(LINK_MID).unwrap_or((link, ""));
                out.push('[');
                out.push_str(&escape_with(name, false));
                out.push_str("](");
                out.push_str(&destination(href));
                out.push(')');
                out.push_str(&escape_with(after, false));
            }
            _ => out.push_str(&escape_with(part, start)),
        }
    }
    out
}

/// Escapes a line of plain text so CommonMark renders it literally.
pub fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// [`escape`]; the rules for the start of a line (list markers, quotes) only if `at_line_start`.
fn escape_with(text: &str, at_line_start: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        let special_anywhere = matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!'
        );
        // At the start of a line these would open a list, a heading underline or a quote.
        let special_at_start = at_line_start && i == 0 && matches!(c, '+' | '-' | '=');
        if special_anywhere || special_at_start {
            out.push('\\');
        }
        out.push(c);
    }
    if !at_line_start {
        return out;
    }
    // "1. text" or "1) text" at the start would become a list (a marker needs a space after it).
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    let mut rest = out[digits..].chars();
    if digits > 0
        && matches!(rest.next(), Some('.' | ')'))
        && rest.next().is_none_or(char::is_whitespace)
    {
        out.insert(digits, '\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_grouped_and_blocks_separated() {
        let md = to_markdown(&[
            Block::Heading("二、工作安排".into()),
            Block::Numbered(1, "第一项".into()),
            Block::Numbered(2, "第二项".into()),
            Block::Paragraph("正文".into()),
        ]);
        assert_eq!(md, "## 二、工作安排\n\n1. 第一项\n2. 第二项\n\n正文\n");
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(escape("6+5+X"), "6+5+X");
        assert_eq!(escape("+1"), "\\+1");
        assert_eq!(escape("a*b_c<d>"), "a\\*b\\_c\\<d\\>");
        assert_eq!(escape("2024. 年"), "2024\\. 年");
        assert_eq!(escape("1.5万"), "1.5万");
    }

    #[test]
    fn tables_images_and_file_links_are_written() {
        let link = format!("附件：{LINK_START}方案[终稿].pdf{LINK_MID}files/a b.pdf{LINK_END}。");
        let md = to_markdown(&[
            Block::Table(vec![
                vec!["指标".into(), "2023|2024".into()],
                vec!["产量".into()],
            ]),
            Block::Image {
                src: "uploads/1.jpg".into(),
                alt: "图[1]".into(),
            },
            Block::Paragraph(link.clone()),
        ]);
        assert_eq!(
            md,
            "| 指标 | 2023\\|2024 |\n| --- | --- |\n| 产量 |  |\n\n![图\\[1\\]](uploads/1.jpg)\n\n\
             附件：[方案\\[终稿\\].pdf](<files/a b.pdf>)。\n"
        );
        assert_eq!(plain(&link), "附件：方案[终稿].pdf。");
        assert_eq!(
            links(&link).collect::<Vec<_>>(),
            vec![("方案[终稿].pdf", "files/a b.pdf")]
        );
        assert_eq!(destination("a(1).pdf"), "a(1).pdf");
        assert_eq!(destination("a(1.pdf"), "<a(1.pdf>");
    }
}
