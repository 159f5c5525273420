//! QR codes as inline SVG, made on the server (no outside service sees which page a reader is on):
//! desktop article pages carry one of their own URL, so a reader can scan it with WeChat and go on
//! reading on the phone.

use std::fmt::Write;
use std::sync::{Arc, LazyLock};

use qrcode::{Color, EcLevel, QrCode};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Light modules around the code, as the QR standard asks, so scanners find its edges.
const QUIET_ZONE: usize = 4;

/// Codes drawn recently, by URL and label, bounded by bytes (a code is about 3 KB). Every content
/// write re-renders every cached page, and a page's URL (so its code) never changes: choosing a
/// code's mask scores all eight masks, a tenth of an article's render.
static DRAWN: LazyLock<Cache<(String, String), Arc<str>, BySize>> = LazyLock::new(|| {
    const BYTES: u64 = 2 * 1024 * 1024;
    Cache::with_weighter(1024, BYTES, BySize)
});

#[derive(Clone)]
struct BySize;

impl Weighter<(String, String), Arc<str>> for BySize {
    fn weight(&self, key: &(String, String), svg: &Arc<str>) -> u64 {
        (key.0.len() + key.1.len() + svg.len()) as u64
    }
}

/// [`qr_svg`], remembered per URL and label (see [`DRAWN`]).
pub fn qr_svg_cached(url: &str, label: &str) -> Result<Arc<str>, qrcode::types::QrError> {
    let key = (url.to_string(), label.to_string());
    if let Some(svg) = DRAWN.get(&key) {
        return Ok(svg);
    }
    let svg: Arc<str> = qr_svg(url, label)?.into();
    DRAWN.insert(key, svg.clone());
    Ok(svg)
}

/// The QR code of `url` as an `<svg>` element ready to inline in HTML, labelled for screen readers
/// with `label`. One SVG unit is one module; the stylesheet sets the displayed size.
///
/// Drawn here rather than by the `qrcode` crate's SVG renderer, which writes a subpath per dark
/// module (9 KB for an article URL, on every desktop article page); one subpath per horizontal run
/// of dark modules draws the same code in about a third of the bytes.
pub fn qr_svg(url: &str, label: &str) -> Result<String, qrcode::types::QrError> {
    // Medium error correction: phone cameras read a screen well, and a smaller code stays legible.
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (y, row) in code.to_colors().chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Light {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] == Color::Dark {
                x += 1;
            }
            let (left, top) = (start + QUIET_ZONE, y + QUIET_ZONE);
            let _ = write!(path, "M{left} {top}h{}v1H{left}z", x - start);
        }
    }
    let label = crate::render::xml::escape(label);
    Ok(format!(
        r##"<svg class="qr" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_is_an_inline_element_with_a_name() {
        let svg = qr_svg("http://127.0.0.1:8080/articles/x", "二维码").unwrap();
        assert!(svg.starts_with(r#"<svg class="qr" role="img" aria-label="二维码" "#));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
        // One subpath per run of dark modules keeps it small.
        assert!(svg.len() < 4_000, "{} bytes", svg.len());
    }

    #[test]
    fn a_remembered_code_is_the_one_drawn() {
        let url = "http://127.0.0.1:8080/articles/remembered";
        let first = qr_svg_cached(url, "二维码").unwrap();
        assert_eq!(*first, qr_svg(url, "二维码").unwrap());
        assert!(Arc::ptr_eq(&first, &qr_svg_cached(url, "二维码").unwrap()));
        assert_ne!(*qr_svg_cached(url, "另一个").unwrap(), *first);
    }
}
