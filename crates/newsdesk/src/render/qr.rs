//! QR codes as inline SVG, made on the server (no outside service sees which page a reader is on):
//! desktop article pages carry one of their own URL, so a reader can scan it with WeChat and go on
//! reading on the phone.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR standard asks, so scanners find its edges.
const QUIET_ZONE: usize = 4;

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
}
