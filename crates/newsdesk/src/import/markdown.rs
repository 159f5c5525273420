//! Blocks of an imported page written out as CommonMark, the one source form the renderer and the
//! newsroom editor share. Text is escaped so that nothing in it turns into markup by accident.

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
}

impl Block {
    /// The block's text without markup.
    pub fn text(&self) -> &str {
        match self {
            Self::Heading(t) | Self::Paragraph(t) | Self::Numbered(_, t) | Self::Bullet(t) => t,
        }
    }
}

/// Writes blocks as CommonMark. Consecutive list items form one list; blocks are separated by a
/// blank line.
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
                out.push_str(&escape(t));
            }
            Block::Paragraph(t) => out.push_str(&escape(t)),
            Block::Numbered(n, t) => {
                out.push_str(&format!("{n}. "));
                out.push_str(&escape(t));
            }
            Block::Bullet(t) => {
                out.push_str("- ");
                out.push_str(&escape(t));
            }
        }
        prev = Some(block);
    }
    out.push('\n');
    out
}

/// Escapes a line of plain text so CommonMark renders it literally.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        let special_anywhere = matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!'
        );
        // At the start of a line these would open a list, a heading underline or a quote.
        let special_at_start = i == 0 && matches!(c, '+' | '-' | '=');
        if special_anywhere || special_at_start {
            out.push('\\');
        }
        out.push(c);
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
}
