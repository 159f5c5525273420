//! Attachments (附件): PDF, Word, Excel, PowerPoint and ZIP files listed under an article.
//!
//! The type is sniffed from the bytes with the `infer` crate (OLE2 and Office Open XML told apart
//! by their contents, not their names); anything else is refused. Files are stored through
//! [`crate::uploads::UploadStore`] beside the images under a content-addressed name
//! `{sha256 prefix}.{ext}` (no `_`, so it never reads as an image name), so the same file uploaded
//! twice is one file; they are served by `/attachments/{name}` with a download
//! `Content-Disposition` that keeps the original (Chinese) file name.

use sha2::{Digest, Sha256};

/// Default attachment limit.
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// URL path under which attachments are downloaded.
pub const URL_PREFIX: &str = "/attachments/";

/// The accepted kinds: (extension, content type, label for messages).
const KINDS: [(&str, &str); 8] = [
    ("pdf", "application/pdf"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("doc", "application/msword"),
    ("xls", "application/vnd.ms-excel"),
    ("ppt", "application/vnd.ms-powerpoint"),
    ("zip", "application/zip"),
];

/// Why an attachment was refused. Messages are for the editor, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    /// Over the size limit.
    #[error("附件太大：{bytes} 字节，上限为 {limit_mib} MiB")]
    TooLarge {
        /// Size (at least).
        bytes: u64,
        /// The limit in MiB.
        limit_mib: u64,
    },
    /// Empty file.
    #[error("附件是空文件")]
    Empty,
    /// Not an accepted type.
    #[error(
        "不支持的附件类型：只接受 PDF、Word（DOC/DOCX）、Excel（XLS/XLSX）、PowerPoint（PPT/PPTX）和 ZIP 文件（按文件内容判断，与扩展名无关）"
    )]
    Unsupported,
    /// Writing failed.
    #[error("保存附件失败")]
    Storage(#[source] anyhow::Error),
}

/// The kind of `bytes`: (extension, content type), if accepted. Office Open XML files are ZIP
/// files too, so they are tried first; a ZIP that is none of them is a plain ZIP.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let ext = if infer::archive::is_pdf(bytes) {
        "pdf"
    } else if infer::doc::is_docx(bytes) {
        "docx"
    } else if infer::doc::is_xlsx(bytes) {
        "xlsx"
    } else if infer::doc::is_pptx(bytes) {
        "pptx"
    } else if infer::doc::is_doc(bytes) {
        "doc"
    } else if infer::doc::is_xls(bytes) {
        "xls"
    } else if infer::doc::is_ppt(bytes) {
        "ppt"
    } else if infer::archive::is_zip(bytes) {
        "zip"
    } else {
        return None;
    };
    KINDS.iter().copied().find(|(e, _)| *e == ext)
}

/// A checked attachment, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Content-addressed file name.
    pub file_name: String,
    /// Sniffed content type.
    pub mime: &'static str,
    /// Size in bytes.
    pub bytes: u64,
}

/// Checks size and type; names the file by its content.
pub fn check(bytes: &[u8], max_bytes: u64) -> Result<Checked, AttachmentError> {
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > max_bytes {
        return Err(AttachmentError::TooLarge {
            bytes: len,
            limit_mib: max_bytes / (1024 * 1024),
        });
    }
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    let (ext, mime) = sniff(bytes).ok_or(AttachmentError::Unsupported)?;
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    Ok(Checked {
        file_name: format!("{hash}.{ext}"),
        mime,
        bytes: len,
    })
}

/// Checks `bytes` and writes them to `files`.
pub async fn store(
    files: &crate::uploads::UploadStore,
    bytes: Vec<u8>,
    max_bytes: u64,
) -> Result<Checked, AttachmentError> {
    let checked = check(&bytes, max_bytes)?;
    files
        .put(&checked.file_name, bytes)
        .await
        .map_err(AttachmentError::Storage)?;
    Ok(checked)
}

/// Whether `name` is an attachment's file name (so it is safe to look up in the uploads store),
/// and its content type.
pub fn content_type(name: &str) -> Option<&'static str> {
    let (hash, ext) = name.split_once('.')?;
    if hash.len() != 20
        || !hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    KINDS.iter().find(|(e, _)| *e == ext).map(|(_, m)| *m)
}

/// A size as readers read it: `860 B`, `12.5 KB`, `3.2 MB`.
pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// The extension shown beside a name (`PDF`), from the stored name.
pub fn kind_label(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_uppercase())
        .unwrap_or_default()
}

/// A `Content-Disposition: attachment` value keeping `name` (RFC 6266 / 5987): an ASCII
/// fallback with everything else replaced by `_`, then the UTF-8 name percent-encoded, which
/// every current browser prefers. Quotes, backslashes and control characters never reach the
/// header.
pub fn content_disposition(name: &str, ext: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, '/' | '\\') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim();
    let name = if cleaned.is_empty() {
        format!("attachment.{ext}")
    } else {
        cleaned.to_string()
    };
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    const ATTR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(&name, ATTR);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_sniffed_from_bytes() {
        assert_eq!(sniff(b"%PDF-1.4\n%\xe2\xe3\n").map(|k| k.0), Some("pdf"));
        assert_eq!(
            sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00rest").map(|k| k.0),
            Some("zip")
        );
        assert_eq!(sniff(b"MZ\x90\x00 an exe"), None);
        assert_eq!(sniff(b"<html><body>hi</body></html>"), None);
        assert!(matches!(check(b"", 10), Err(AttachmentError::Empty)));
        assert!(matches!(
            check(b"%PDF-1.4 0123456789", 5),
            Err(AttachmentError::TooLarge { .. })
        ));
        let c = check(b"%PDF-1.4 x", 1024).unwrap();
        assert_eq!(content_type(&c.file_name), Some("application/pdf"));
        assert!(crate::images::content_type(&c.file_name).is_none());
    }

    #[test]
    fn names_outside_the_scheme_are_refused() {
        assert!(content_type("../newsdesk.db").is_none());
        assert!(content_type("0123456789abcdef0123.exe").is_none());
        assert!(content_type("0123456789ABCDEF0123.pdf").is_none());
        assert!(content_type("0123456789abcdef0123.pdf").is_some());
    }

    #[test]
    fn downloads_keep_chinese_names_safely() {
        let v = content_disposition("关于印发\"十四五\"规划的通知.pdf", "pdf");
        assert!(v.starts_with("attachment; filename=\""), "{v}");
        assert!(v.contains("filename*=UTF-8''%E5%85%B3%E4%BA%8E"), "{v}");
        assert_eq!(v.matches('"').count(), 2, "{v}");
        let v = content_disposition("a\r\nSet-Cookie: x.pdf", "pdf");
        assert!(!v.contains('\r') && !v.contains('\n'), "{v}");
        assert_eq!(
            content_disposition("  ", "zip"),
            content_disposition("attachment.zip", "zip")
        );
        assert_eq!(human_size(860), "860 B");
        assert_eq!(human_size(12_800), "12.5 KB");
        assert_eq!(human_size(3_355_443), "3.2 MB");
    }
}
