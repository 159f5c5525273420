//! Article bodies to safe HTML: Markdown through pulldown-cmark, then everything through ammonia,
//! so hostile markup in an import or an edit never reaches a reader.

use pulldown_cmark::{Options, Parser, html};

use crate::domain::BodyFormat;

/// The sanitized HTML for a body written in `format`.
pub fn body_html(format: BodyFormat, source: &str) -> String {
    let raw = match format {
        BodyFormat::Markdown => {
            let mut options = Options::empty();
            options.insert(Options::ENABLE_TABLES);
            options.insert(Options::ENABLE_STRIKETHROUGH);
            let mut out = String::with_capacity(source.len() * 5 / 4);
            html::push_html(&mut out, Parser::new_ext(source, options));
            out
        }
        BodyFormat::Html => source.to_string(),
    };
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .add_tag_attributes("ol", ["start"])
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_structure() {
        let html = body_html(BodyFormat::Markdown, "## 标题\n\n2. 乙\n3. 丙\n\n段落");
        assert_eq!(
            html,
            "<h2>标题</h2>\n<ol start=\"2\">\n<li>乙</li>\n<li>丙</li>\n</ol>\n<p>段落</p>\n"
        );
    }

    #[test]
    fn hostile_markup_is_removed() {
        let html = body_html(
            BodyFormat::Html,
            "<p onclick=\"x()\">文</p><script>alert(1)</script><a href=\"javascript:x\">链</a>",
        );
        assert!(!html.contains("script"));
        assert!(!html.contains("onclick"));
        assert!(!html.contains("javascript"));
        assert!(html.contains("<p>文</p>"));
    }
}
