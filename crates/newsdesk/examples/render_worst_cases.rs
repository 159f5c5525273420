//! Times the body pipeline (structure check, pulldown-cmark, ammonia, output check, target
//! extraction) on the known pathological shapes, at the nesting limit and at 200 KB and 2 MB, so
//! the cost of anything the limits let through can be read off:
//!
//! `cargo run --release -p newsdesk --example render_worst_cases`
//!
//! A figure per shape and size: milliseconds to check and render, milliseconds to extract
//! targets, and whether the body was refused (and why).

use std::time::Instant;

use newsdesk::domain::BodyFormat;
use newsdesk::render::body_html_checked;
use newsdesk::render::limits::MAX_NESTING;

fn sized(unit: &str, bytes: usize) -> String {
    unit.repeat(bytes / unit.len().max(1) + 1)
}

fn main() {
    let nested_list: String = (0..MAX_NESTING)
        .map(|i| format!("{}- 第{i}层\n", "  ".repeat(i)))
        .collect();
    let mut cases: Vec<(String, BodyFormat, String)> = vec![
        (
            "nested list at the limit".into(),
            BodyFormat::Markdown,
            nested_list.clone(),
        ),
        (
            "nested list at the limit x many".into(),
            BodyFormat::Markdown,
            sized(&format!("{nested_list}\n段落\n\n"), 200_000),
        ),
        (
            "'* ' at the limit, repeated lines".into(),
            BodyFormat::Markdown,
            sized(&format!("{}项\n\n", "* ".repeat(MAX_NESTING)), 200_000),
        ),
        (
            "'* ' at the limit, lines x 2 MB".into(),
            BodyFormat::Markdown,
            sized(&format!("{}项\n\n", "* ".repeat(MAX_NESTING)), 2_000_000),
        ),
        (
            "'* ' at 16 deep, lines x 2 MB".into(),
            BodyFormat::Markdown,
            sized(&format!("{}项\n\n", "* ".repeat(16)), 2_000_000),
        ),
        (
            "'> ' at the limit, repeated lines".into(),
            BodyFormat::Markdown,
            sized(&format!("{}引\n", "> ".repeat(MAX_NESTING)), 200_000),
        ),
        (
            "<span> at the limit, repeated".into(),
            BodyFormat::Html,
            sized(
                &format!(
                    "{}字{}",
                    "<span>".repeat(MAX_NESTING),
                    "</span>".repeat(MAX_NESTING)
                ),
                200_000,
            ),
        ),
    ];
    for bytes in [200_000, 2_000_000] {
        let kb = bytes / 1000;
        for (name, unit, format) in [
            ("* ", "* ", BodyFormat::Markdown),
            ("1. ", "1. ", BodyFormat::Markdown),
            ("> ", "> ", BodyFormat::Markdown),
            ("<span>", "<span>", BodyFormat::Html),
            ("<b><i>", "<b><i>", BodyFormat::Html),
            ("*a**b*", "*a**b*", BodyFormat::Markdown),
            ("backticks", "`", BodyFormat::Markdown),
            ("backtick runs", "`a``b```c", BodyFormat::Markdown),
            ("[a](", "[a](", BodyFormat::Markdown),
            ("[[[", "[", BodyFormat::Markdown),
            ("list items", "- 项\n", BodyFormat::Markdown),
            ("many lists", "- 项\n\n段\n\n", BodyFormat::Markdown),
            ("<p><b>", "<p><b>x", BodyFormat::Html),
            ("</b><p>", "<b>x</b><p>", BodyFormat::Html),
            (
                "targets",
                "到2025年，产量力争突破120万辆，新增2万个以上。\n\n",
                BodyFormat::Markdown,
            ),
        ] {
            cases.push((format!("{name} x {kb} KB"), format, sized(unit, bytes)));
        }
    }
    println!(
        "{:<42} {:>10} {:>10} {:>8}  outcome",
        "case", "render ms", "extract ms", "targets"
    );
    for (name, format, body) in cases {
        let t = Instant::now();
        let rendered = body_html_checked(format, &body);
        let render_ms = t.elapsed().as_secs_f64() * 1000.0;
        match rendered {
            Ok(html) => {
                let t = Instant::now();
                let found = newsdesk::targets::extract(&html, &policy::Meta::default());
                let extract_ms = t.elapsed().as_secs_f64() * 1000.0;
                println!(
                    "{name:<42} {render_ms:>10.1} {extract_ms:>10.1} {:>8}  ok",
                    found.figures.len()
                );
            }
            Err(e) => println!(
                "{name:<42} {render_ms:>10.1} {:>10} {:>8}  refused: {e}",
                "-", "-"
            ),
        }
    }
}
