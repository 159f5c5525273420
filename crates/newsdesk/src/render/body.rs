//! Article bodies to safe HTML: Markdown through pulldown-cmark, then everything through ammonia,
//! so hostile markup in an import or an edit never reaches a reader. [`body_html_checked`] is the
//! entry for bodies as users send them: structure limits first ([`super::limits`]), then the
//! render, then the depth of the result, so the cost stays near-linear in the body's size.

use pulldown_cmark::{Options, Parser, html};

use super::limits::{StructureError, check_escape_work, check_output, check_source};
use crate::domain::BodyFormat;

/// [`body_html`] for a body of unknown shape: refused before rendering when it nests past the
/// limits, and after rendering when inline syntax made the result too deep.
pub fn body_html_checked(format: BodyFormat, source: &str) -> Result<String, StructureError> {
    check_source(format, source)?;
    let raw = raw_html(format, source);
    check_escape_work(&raw)?;
    let html = sanitize(&raw);
    check_output(&html)?;
    Ok(html)
}

/// The sanitized HTML for a body written in `format`, trusted to be within the structure limits
/// (the importer's generated Markdown, bodies already checked).
pub fn body_html(format: BodyFormat, source: &str) -> String {
    sanitize(&raw_html(format, source))
}

/// The unsanitized HTML of a body: Markdown rendered, HTML as written.
fn raw_html(format: BodyFormat, source: &str) -> std::borrow::Cow<'_, str> {
    match format {
        BodyFormat::Markdown => {
            let mut options = Options::empty();
            options.insert(Options::ENABLE_TABLES);
            options.insert(Options::ENABLE_STRIKETHROUGH);
            let mut out = String::with_capacity(source.len() * 5 / 4);
            html::push_html(&mut out, Parser::new_ext(source, options));
            std::borrow::Cow::Owned(out)
        }
        BodyFormat::Html => std::borrow::Cow::Borrowed(source),
    }
}

/// Sanitizes HTML with the public page's rules: no scripts, styles, classes, fonts or event
/// handlers; `span` goes too (its text stays), since without attributes it means nothing and
/// pasted office and WeChat markup is full of them.
fn sanitize(raw: &str) -> String {
    let clean = ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .add_tag_attributes("ol", ["start"])
        .rm_tags(["span"])
        .clean(raw)
        .to_string();
    with_srcset(&clean)
}

/// Gives images uploaded through the newsroom their resized variants (`srcset`, see
/// [`crate::images`]) and lazy loading. Runs on sanitized HTML and adds only attributes built from
/// a strictly matched upload URL, so it cannot let markup through.
fn with_srcset(html: &str) -> String {
    static UPLOAD_IMG: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"<img src="(/uploads/[0-9a-f]{16}_[0-9]+x[0-9]+\.(?:jpg|png|gif|webp))""#,
        )
        .ok()
    });
    let Some(re) = UPLOAD_IMG.as_ref() else {
        return html.to_string();
    };
    re.replace_all(html, |caps: &regex::Captures<'_>| {
        let url = &caps[1];
        match crate::images::srcset(url) {
            Some(set) => format!(
                r#"<img src="{url}" srcset="{set}" sizes="(max-width: 760px) 100vw, 760px" loading="lazy""#
            ),
            None => caps[0].to_string(),
        }
    })
    .into_owned()
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
    fn uploaded_images_get_srcset() {
        let html = body_html(
            BodyFormat::Markdown,
            "![图](/uploads/0123456789abcdef_2000x1000.jpg)",
        );
        assert!(
            html.contains("/uploads/0123456789abcdef_2000x1000-480.jpg 480w"),
            "{html}"
        );
        assert!(
            html.contains("/uploads/0123456789abcdef_2000x1000.jpg 2000w"),
            "{html}"
        );
        assert!(html.contains(r#"alt="图""#), "{html}");
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

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use crate::render::limits::{MAX_NESTING, MAX_OUTPUT_NESTING, check_output};

        /// Pieces hostile bodies are made of: container markers, tags (balanced or not, with
        /// scripts and event handlers), emphasis and link syntax, entities, odd code points.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => prop::sample::select(vec![
                    "* ", "- ", "1. ", "> ", ">", "  ", "\t", "\n", "\n\n", "*", "**", "_", "~~",
                    "`", "```", "[", "](", ")", "![", "<span>", "</span>", "<b>", "</b>", "<i>",
                    "<p>", "<div>", "</div>", "<li>", "<ul>", "<table><tr><td>", "<!--", "-->",
                    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                    "<a href=\"javascript:alert(1)\">", "<a href='//x' onclick=y>", "&#0;", "&amp;",
                    "&lt;", "<style>", "<svg><script>", "<math>", "\u{0}", "\u{202e}", "\u{feff}",
                    "\u{fffd}", "\u{1f600}", "新增", "120万辆", "2025年", "%", "| a | b |\n|---|---|\n",
                ]).prop_map(str::to_string),
                1 => any::<char>().prop_map(String::from),
                1 => (prop::sample::select(vec!["* ", "> ", "1. ", "<span>", "<b><i>", "*", "["]), 1usize..400)
                    .prop_map(|(p, n)| p.repeat(n)),
            ]
        }

        fn body() -> impl Strategy<Value = String> {
            prop::collection::vec(piece(), 0..80).prop_map(|v| v.concat())
        }

        fn format() -> impl Strategy<Value = BodyFormat> {
            prop_oneof![Just(BodyFormat::Markdown), Just(BodyFormat::Html)]
        }

        fn assert_sanitized(html: &str) -> Result<(), TestCaseError> {
            let doc = scraper::Html::parse_fragment(html);
            for el in doc
                .root_element()
                .descendants()
                .filter_map(scraper::ElementRef::wrap)
            {
                let name = el.value().name();
                prop_assert!(
                    !matches!(name, "script" | "style" | "iframe" | "svg" | "math"),
                    "{name} in {html}"
                );
                for (attr, value) in el.value().attrs() {
                    prop_assert!(!attr.starts_with("on"), "{attr} in {html}");
                    prop_assert!(
                        !value
                            .trim_start()
                            .to_ascii_lowercase()
                            .starts_with("javascript:"),
                        "{value} in {html}"
                    );
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn checked_rendering_never_panics_and_is_sanitized(b in body(), f in format()) {
                if let Ok(html) = body_html_checked(f, &b) {
                    assert_sanitized(&html)?;
                    prop_assert!(check_output(&html).is_ok());
                    // What passes the checks is shallow enough for the target extractor.
                    let text_chars = crate::targets::plain_text(&html).chars().count();
                    for found in crate::targets::extract(&html, &policy::Meta::default()).figures {
                        prop_assert!(found.target.start < found.target.end);
                        prop_assert!(found.target.end <= text_chars);
                    }
                }
            }

            #[test]
            fn nesting_past_the_limit_is_always_refused(
                marker in prop::sample::select(vec!["* ", "- ", "+ ", "1. ", "9) ", "> ", ">", "<span>", "<div>", "<b><i>", "<blockquote>"]),
                extra in 1usize..3_000,
                prefix in "[a-z\\n ]{0,20}",
            ) {
                let depth = MAX_NESTING + extra;
                let body = format!("{prefix}\n{}", marker.repeat(depth));
                prop_assert!(body_html_checked(BodyFormat::Markdown, &body).is_err());
                if marker.starts_with('<') {
                    prop_assert!(body_html_checked(BodyFormat::Html, &body).is_err());
                }
            }

            #[test]
            fn nesting_within_the_limit_renders(
                marker in prop::sample::select(vec!["* ", "- ", "1. ", "> ", "<div>", "<span>"]),
                depth in 1usize..=MAX_NESTING,
            ) {
                let body = format!("{}正文", marker.repeat(depth));
                let html = body_html_checked(BodyFormat::Markdown, &body);
                prop_assert!(html.is_ok(), "{depth}: {html:?}");
                prop_assert!(MAX_OUTPUT_NESTING > 2 * depth);
            }
        }
    }
}
