//! QR codes as inline SVG, made on the server (no outside service sees which page a reader is on):
//! desktop article pages carry one of their own URL, so a reader can scan it with WeChat and go on
//! reading on the phone.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `url` as an `<svg>` element ready to inline in HTML, labelled for screen readers
/// with `label`. One SVG unit is one module; the stylesheet sets the displayed size.
pub fn qr_svg(url: &str, label: &str) -> Result<String, qrcode::types::QrError> {
    // Medium error correction: phone cameras read a screen well, and a smaller code stays legible.
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
    let svg = code
        .render::<svg::Color<'_>>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    // The renderer writes a standalone document; inline SVG in HTML takes no XML declaration and
    // needs its role and name for assistive technology.
    let element = svg.find("<svg").map_or(svg.as_str(), |start| &svg[start..]);
    let label = crate::render::xml::escape(label);
    Ok(element.replacen(
        "<svg ",
        &format!(r#"<svg class="qr" role="img" aria-label="{label}" "#),
        1,
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
    }
}
