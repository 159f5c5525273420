//! A page's bytes to text, in whatever encoding it was written: a byte-order mark first, then the
//! charset the page declares (`<meta charset>`, `<meta http-equiv … charset=>`, `<?xml encoding>`),
//! then, with neither, UTF-8 if the bytes are UTF-8 and chardetng's guess if not. Labels resolve as
//! browsers resolve them (the WHATWG table in `encoding_rs`: `gb2312` is GBK, `big5` is Big5-HKSCS).
//! What could not be decoded becomes U+FFFD and is reported, never refused.

use std::borrow::Cow;

use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How far into a page a charset declaration is looked for (browsers look at the first 1024
/// bytes; some CMS templates put a long comment or `<title>` first).
const PRESCAN_BYTES: usize = 2048;

/// A page's text and how it was decoded.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text, without a byte-order mark.
    pub text: Cow<'a, str>,
    /// The encoding and how it was chosen, e.g. "GBK (declared)", "UTF-8 (BOM)", "UTF-8".
    pub encoding: String,
    /// Set when some bytes were not valid in that encoding and became U+FFFD.
    pub lost: Option<String>,
}

/// How the encoding was chosen.
#[derive(Clone, Copy)]
enum Why {
    Bom,
    Declared,
    Detected,
    /// Valid UTF-8 and nothing said otherwise: the plain case, reported as plain "UTF-8".
    Utf8,
}

/// The encoding of `bytes` (a whole page, BOM included) and the BOM's length.
pub(super) fn sniff(bytes: &[u8]) -> (&'static Encoding, usize, String) {
    let (encoding, bom, why) = choose(bytes);
    let name = match why {
        Why::Bom => format!("{} (BOM)", encoding.name()),
        Why::Declared => format!("{} (declared)", encoding.name()),
        Why::Detected => format!("{} (detected)", encoding.name()),
        Why::Utf8 => encoding.name().to_string(),
    };
    (encoding, bom, name)
}

fn choose(bytes: &[u8]) -> (&'static Encoding, usize, Why) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return (encoding, bom, Why::Bom);
    }
    if let Some(encoding) = declared(&bytes[..bytes.len().min(PRESCAN_BYTES)]) {
        return (encoding, 0, Why::Declared);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (UTF_8, 0, Why::Utf8);
    }
    if mostly_utf8(bytes) {
        return (UTF_8, 0, Why::Detected);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    (detector.guess(None, false), 0, Why::Detected)
}

/// Decodes `bytes` (BOM dropped) with `encoding`; replaced bytes are reported in `lost`.
pub(super) fn decode_with<'a>(
    bytes: &'a [u8],
    encoding: &'static Encoding,
    bom: usize,
    name: String,
) -> Decoded<'a> {
    let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
    let lost = had_errors
        .then(|| format!("some bytes are not valid {name} and were replaced by U+FFFD (\u{fffd})"));
    Decoded {
        text,
        encoding: name,
        lost,
    }
}

/// A UTF-8 file with a few damaged bytes (a cut download, a stray byte) is still UTF-8: its valid
/// multi-byte characters outnumber its errors, where GBK or Big5 read as UTF-8 is almost all errors.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                good += std::str::from_utf8(&rest[..valid])
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                bad += 1;
                let skip = e.error_len().unwrap_or(rest.len() - valid);
                rest = &rest[valid + skip..];
            }
        }
    }
    good > bad
}

/// The charset a page declares in its first bytes: in a `<meta>` tag (`charset=` in either form)
/// or an XML declaration. UTF-16 declared in ASCII text means UTF-8 (as browsers read it);
/// labels that name no decoder are ignored.
fn declared(prefix: &[u8]) -> Option<&'static Encoding> {
    let lower = prefix.to_ascii_lowercase();
    let mut label = None;
    if lower.starts_with(b"<?xml") {
        let end = find(&lower, b"?>", 0).unwrap_or(lower.len());
        label =
            find(&lower[..end], b"encoding", 0).and_then(|at| value_after(&lower[..end], at + 8));
    }
    let mut from = 0;
    while label.is_none() {
        let start = find(&lower, b"<meta", from)?;
        let end = find(&lower, b">", start).unwrap_or(lower.len());
        let tag = &lower[start..end];
        label = find(tag, b"charset", 0).and_then(|at| value_after(tag, at + 7));
        from = end;
    }
    let encoding = Encoding::for_label(label?)?;
    Some(if encoding == UTF_16BE || encoding == UTF_16LE {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else if encoding == REPLACEMENT {
        return None;
    } else {
        encoding
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The value after `name` at `at`: `= "gbk"`, `=gbk;`, `='gbk'`.
fn value_after(tag: &[u8], at: usize) -> Option<&[u8]> {
    let rest = tag.get(at..)?;
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let rest = rest
        .strip_prefix(b"\"")
        .or_else(|| rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b';' | b'>' | b'/') || b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(bytes: &[u8]) -> String {
        sniff(bytes).2
    }

    #[test]
    fn declarations_are_found_in_both_meta_forms() {
        assert_eq!(
            name(br#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#),
            "GBK (declared)"
        );
        assert_eq!(name(b"<meta charset='Big5'>"), "Big5 (declared)");
        assert_eq!(name(b"<META CHARSET=gb18030 />"), "gb18030 (declared)");
        assert_eq!(
            name(br#"<?xml version="1.0" encoding="GBK"?><html>"#),
            "GBK (declared)"
        );
        // UTF-16 cannot be declared in ASCII; an unknown label is no declaration.
        assert_eq!(name(b"<meta charset=utf-16>"), "UTF-8 (declared)");
        assert_eq!(name(b"<meta charset=nonsense><p>x"), "UTF-8");
        assert_eq!(name(b"<meta name=author content=x><p>x"), "UTF-8");
    }

    #[test]
    fn a_bom_wins_over_a_declaration() {
        let mut bytes = b"\xef\xbb\xbf<meta charset=gbk>".to_vec();
        bytes.extend_from_slice("标题".as_bytes());
        let (enc, bom, name) = sniff(&bytes);
        assert_eq!(name, "UTF-8 (BOM)");
        let d = decode_with(&bytes, enc, bom, name);
        assert_eq!(d.text, "<meta charset=gbk>标题");
        assert!(d.lost.is_none());
    }

    #[test]
    fn undeclared_legacy_text_is_detected() {
        let (gbk, _, _) =
            encoding_rs::GBK.encode("合肥市人民政府办公室关于印发新能源汽车产业发展行动方案的通知");
        assert_eq!(name(&gbk), "GBK (detected)");
        // Damaged UTF-8 stays UTF-8.
        let mut damaged = "标题\n2024/02/08 10:21\n正文".as_bytes().to_vec();
        damaged.extend_from_slice(b"\xff\xfe\xfd");
        let (enc, bom, name) = sniff(&damaged);
        assert_eq!(name, "UTF-8 (detected)");
        let d = decode_with(&damaged, enc, bom, name);
        assert!(d.text.ends_with("正文\u{fffd}\u{fffd}\u{fffd}"));
        assert!(d.lost.unwrap().contains("not valid UTF-8"));
    }
}
