//! Uploaded images: checked, measured and resized here, stored through [`crate::uploads`] (the
//! folder `<data>/uploads/` by default, or an S3-compatible bucket shared by several nodes).
//!
//! **Checks.** The type is sniffed from the bytes (JPEG, PNG, WebP, GIF), never taken from the
//! name. Size is limited (10 MiB by default), and the pixel dimensions are read from the header
//! *before* decoding, so a decompression bomb (a small file claiming a huge image) is refused
//! without allocating for it; the decoder also runs under [`image::Limits`].
//!
//! **Files.** Names are content-addressed: `{sha256 prefix}_{width}x{height}.{ext}` for the
//! original and `…-{variant width}.{ext}` for the resized variants (480, 960, 1600 px, only those
//! narrower than the original; JPEG and WebP give JPEG variants, PNG and GIF give PNG). A name
//! never changes meaning, so files are served with a one-year immutable cache lifetime, and
//! [`srcset`] can list the variants from the URL alone. Every file is written whole (an object
//! put; locally a temporary file renamed into place), the original last, so nothing half-written
//! is ever served and a failed upload leaves no original for a page to show; a repeated upload
//! rewrites the same bytes under the same names.

use std::io::Cursor;

/// Remote images made ours on save and import (the guarded fetching lives in [`crate::remote`]).
pub use crate::remote::{Localize, RemoteFailure, RemoteReport, localize_remote};

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// Widths of the resized variants, in pixels.
pub const VARIANT_WIDTHS: [u32; 3] = [480, 960, 1600];
/// Default upload limit.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Widest or tallest image accepted.
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels accepted (about a 50-megapixel photo).
pub const MAX_PIXELS: u64 = 50_000_000;
/// URL path under which uploads are served.
pub const URL_PREFIX: &str = "/uploads/";
/// Folder under the data folder.
pub const DIR: &str = "uploads";

/// Why an upload was refused. Messages are for the editor, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Over the size limit.
    #[error("文件太大：{bytes} 字节，上限为 {limit} 字节（{limit_mib} MiB）")]
    TooLarge {
        /// Size of the upload (at least).
        bytes: u64,
        /// The limit.
        limit: u64,
        /// The limit in MiB.
        limit_mib: u64,
    },
    /// Empty upload.
    #[error("文件是空的")]
    Empty,
    /// Not one of the accepted formats.
    #[error("不支持的文件类型：只接受 JPEG、PNG、WebP 和 GIF 图片（按文件内容判断，与扩展名无关）")]
    Unsupported,
    /// Dimensions over the limits (such as a decompression bomb).
    #[error(
        "图片尺寸过大：{width}×{height} 像素，上限为单边 {MAX_SIDE} 像素、总计 {MAX_PIXELS} 像素"
    )]
    TooManyPixels {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
    },
    /// The bytes do not decode.
    #[error("图片已损坏或无法解码：{0}")]
    Corrupt(String),
    /// Writing failed (the folder or the object store).
    #[error("保存图片失败")]
    Storage(#[source] anyhow::Error),
}

/// Where uploads go and how large they may be.
#[derive(Debug, Clone)]
pub struct Uploads {
    /// The files: `<data>/uploads` or a bucket.
    pub files: crate::uploads::UploadStore,
    /// Largest upload accepted, in bytes.
    pub max_bytes: u64,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// The client fetching remote images of saved articles; `None` until `serve` makes it.
    pub remote: Option<crate::remote::RemoteFetcher>,
}

impl Default for Uploads {
    fn default() -> Self {
        Self {
            files: crate::uploads::UploadStore::in_memory(),
            max_bytes: DEFAULT_MAX_BYTES,
            max_attachment_bytes: crate::attachments::DEFAULT_MAX_BYTES,
            remote: None,
        }
    }
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// File name of the original under `uploads/`.
    pub file_name: String,
    /// Sniffed content type.
    pub mime: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size of the original in bytes.
    pub bytes: u64,
}

impl StoredImage {
    /// URL of the original.
    pub fn url(&self) -> String {
        format!("{URL_PREFIX}{}", self.file_name)
    }
}

fn accepted(format: ImageFormat) -> Option<(&'static str, &'static str)> {
    match format {
        ImageFormat::Jpeg => Some(("jpg", "image/jpeg")),
        ImageFormat::Png => Some(("png", "image/png")),
        ImageFormat::WebP => Some(("webp", "image/webp")),
        ImageFormat::Gif => Some(("gif", "image/gif")),
        _ => None,
    }
}

/// The variants' extension for an original's extension.
fn variant_ext(ext: &str) -> &'static str {
    match ext {
        "jpg" | "webp" => "jpg",
        _ => "png",
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// Most memory one decode may allocate: a 50-megapixel RGB photo, or a 7000 × 7000 RGBA PNG, fits;
/// a larger claim is refused by the decoder before it allocates.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Decoding holds the whole bitmap (up to [`MAX_DECODE_BYTES`]), so uploads are decoded one at a
/// time: four large PNGs at once must not add up to gigabytes.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Checks and resizes `bytes` on a blocking thread, one upload at a time (see [`DECODING`]), then
/// writes the variants and the original to `files`.
pub async fn store(
    files: &crate::uploads::UploadStore,
    bytes: Vec<u8>,
    max_bytes: u64,
) -> anyhow::Result<Result<StoredImage, ImageError>> {
    let prepared = {
        let _permit = DECODING
            .acquire()
            .await
            .map_err(|e| anyhow::anyhow!("image decoding queue closed: {e}"))?;
        tokio::task::spawn_blocking(move || prepare(bytes, max_bytes))
            .await
            .map_err(|e| anyhow::Error::new(e).context("image task"))?
    };
    let Prepared { image, files: set } = match prepared {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    // Variants first, the original last. A failure leaves no original, so no page refers to
    // the variants already written; they are not deleted, because the same names may belong to
    // an earlier upload of the same image that pages do show.
    for (name, data) in set {
        if let Err(e) = files.put(&name, data).await {
            return Ok(Err(ImageError::Storage(e)));
        }
    }
    Ok(Ok(image))
}

fn encode(img: &DynamicImage, ext: &str) -> Result<Vec<u8>, ImageError> {
    let mut out = Cursor::new(Vec::new());
    let result = if ext == "jpg" {
        // JPEG has no alpha: flatten to RGB first.
        let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
        rgb.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 82,
        ))
    } else {
        img.write_to(&mut out, ImageFormat::Png)
    };
    result.map_err(|e| ImageError::Corrupt(e.to_string()))?;
    Ok(out.into_inner())
}

/// An upload checked and resized, ready to write.
#[derive(Debug)]
pub struct Prepared {
    /// What will be stored.
    pub image: StoredImage,
    /// (name, bytes) of the variants, narrowest first, then the original last: its presence
    /// means the whole set is there.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Checks, measures and resizes an upload. Blocking and CPU-heavy: call it from
/// `spawn_blocking` (as [`store`] does).
pub fn prepare(bytes: Vec<u8>, max_bytes: u64) -> Result<Prepared, ImageError> {
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > max_bytes {
        return Err(ImageError::TooLarge {
            bytes: len,
            limit: max_bytes,
            limit_mib: max_bytes / (1024 * 1024),
        });
    }
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let format = image::guess_format(&bytes).map_err(|_| ImageError::Unsupported)?;
    let (ext, mime) = accepted(format).ok_or(ImageError::Unsupported)?;
    // Dimensions from the header only, before any pixel is decoded.
    let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
    reader.no_limits();
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooManyPixels { width, height });
    }
    let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
    reader.limits(limits());
    let img = reader
        .decode()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;

    let digest = Sha256::digest(&bytes);
    let hash: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let stem = format!("{hash}_{width}x{height}");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let vext = variant_ext(ext);
    // Widest variant first, straight from the original with `thumbnail` (integer area averaging,
    // no buffer beyond its output: `resize` would first build a float image as wide as the original,
    // 180 MB for a 7000-pixel-wide one); each narrower one is filtered from the previous variant.
    let mut previous: Option<DynamicImage> = None;
    for w in VARIANT_WIDTHS.into_iter().rev().filter(|&w| w < width) {
        let resized = match &previous {
            None => img.thumbnail(w, u32::MAX),
            Some(p) => p.resize(w, u32::MAX, image::imageops::FilterType::Triangle),
        };
        files.push((format!("{stem}-{w}.{vext}"), encode(&resized, vext)?));
        previous = Some(resized);
    }
    drop(img);
    files.reverse();
    let file_name = format!("{stem}.{ext}");
    files.push((file_name.clone(), bytes));
    Ok(Prepared {
        image: StoredImage {
            file_name,
            mime,
            width,
            height,
            bytes: len,
        },
        files,
    })
}

/// Parses an upload's file name: (stem, original width, variant width, extension).
fn parse_name(name: &str) -> Option<(&str, u32, Option<u32>, &str)> {
    let (base, ext) = name.rsplit_once('.')?;
    if !matches!(ext, "jpg" | "png" | "gif" | "webp") {
        return None;
    }
    let (stem, variant) = match base.split_once('-') {
        Some((stem, v)) => (stem, Some(v.parse().ok()?)),
        None => (base, None),
    };
    let (hash, size) = stem.split_once('_')?;
    if hash.len() != 16
        || !hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    let (w, h) = size.split_once('x')?;
    let width: u32 = w.parse().ok()?;
    let _height: u32 = h.parse().ok()?;
    Some((stem, width, variant, ext))
}

/// Whether `name` is the name of an upload (so it is safe to join to the uploads folder), and its
/// content type.
pub fn content_type(name: &str) -> Option<&'static str> {
    let (_, _, _, ext) = parse_name(name)?;
    Some(match ext {
        "jpg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        _ => "image/webp",
    })
}

/// The `srcset` for an upload's URL: its variants and the original, by width.
pub fn srcset(url: &str) -> Option<String> {
    let name = url.strip_prefix(URL_PREFIX)?;
    let (stem, width, variant, ext) = parse_name(name)?;
    if variant.is_some() {
        return None;
    }
    let vext = variant_ext(ext);
    let mut parts: Vec<String> = VARIANT_WIDTHS
        .into_iter()
        .filter(|&w| w < width)
        .map(|w| format!("{URL_PREFIX}{stem}-{w}.{vext} {w}w"))
        .collect();
    parts.push(format!("{url} {width}w"));
    Some(parts.join(", "))
}

/// The pixel size of an upload from its URL alone (the name carries it): `width`/`height`
/// attributes for pages that list covers, so nothing shifts while images load. A variant's URL
/// gives the variant's width and the height scaled to it.
pub fn dimensions(url: &str) -> Option<(u32, u32)> {
    let name = url.strip_prefix(URL_PREFIX)?;
    let (stem, width, variant, _) = parse_name(name)?;
    let height: u32 = stem.rsplit_once('x')?.1.parse().ok()?;
    match variant {
        None => Some((width, height)),
        Some(w) if width > 0 => {
            let h = u64::from(height) * u64::from(w) / u64::from(width);
            Some((w, u32::try_from(h).ok()?))
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_come_from_the_name() {
        assert_eq!(
            dimensions("/uploads/0123456789abcdef_1200x675.jpg"),
            Some((1200, 675))
        );
        assert_eq!(
            dimensions("/uploads/0123456789abcdef_1200x675-480.jpg"),
            Some((480, 270))
        );
        assert_eq!(dimensions("/static/share.png"), None);
        assert_eq!(dimensions("https://example.com/a_1x1.jpg"), None);
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(width, height);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFF_u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[tokio::test]
    async fn stores_original_and_narrower_variants() {
        let dir = tempfile::tempdir().unwrap();
        let files = crate::uploads::UploadStore::local(dir.path()).unwrap();
        let stored = store(&files, png(1000, 500), DEFAULT_MAX_BYTES)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.width, stored.height, stored.mime),
            (1000, 500, "image/png")
        );
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 3, "{names:?}");
        let set = srcset(&stored.url()).unwrap();
        assert!(set.contains("-480.png 480w") && set.contains("-960.png 960w"));
        assert!(set.ends_with(&format!("{} 1000w", stored.url())));
        for name in names {
            assert!(content_type(&name).is_some(), "{name}");
        }
    }

    #[test]
    fn refuses_non_images_oversize_and_bombs() {
        assert!(matches!(
            prepare(b"<html>not an image</html>".to_vec(), DEFAULT_MAX_BYTES),
            Err(ImageError::Unsupported)
        ));
        assert!(matches!(
            prepare(png(10, 10), 10),
            Err(ImageError::TooLarge { .. })
        ));
        // A PNG header claiming 100000×100000 pixels (with a valid checksum).
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000_u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000_u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            prepare(bomb, DEFAULT_MAX_BYTES),
            Err(ImageError::TooManyPixels { .. })
        ));
    }

    #[test]
    fn names_outside_the_scheme_are_refused() {
        assert!(content_type("../newsdesk.db").is_none());
        assert!(content_type("0123456789abcdef_10x10.exe").is_none());
        assert!(srcset("/uploads/0123456789abcdef_100x10.png").is_some());
    }
}
