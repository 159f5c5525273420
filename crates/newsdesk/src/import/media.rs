//! The pictures and files an imported page links to, made ours: each body picture (`![alt](SRC)`)
//! and each linked file (`[name](HREF)`) named in [`super::ParsedPage::images`] and
//! [`super::ParsedPage::attachments`] is read from beside the page (a relative SRC, resolved
//! against the page's folder and never outside the folder given on the command line; for a
//! crawled page, against its address, see [`Base`]) or fetched
//! (an http(s) URL, through the guarded [`RemoteFetcher`]: internal addresses refused), stored like
//! an upload of the newsroom (images checked and resized into variants and recorded in the image
//! library; attachments checked by their bytes and recorded), and the body's `](SRC)` rewritten to
//! our URL. What cannot be stored stays as the page wrote it, with one line in `lost` saying why:
//! the import report lists it for that page. Nothing here parses HTML; the reader gives the lists.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::LinkedFile;
use crate::remote::RemoteFetcher;
use crate::store::{NewAttachment, NewImage, Store};
use crate::uploads::UploadStore;

/// What storing media needs besides the page.
#[derive(Clone, Copy)]
pub struct MediaContext<'a> {
    /// The store, to record images and attachments.
    pub store: &'a dyn Store,
    /// Where files go (the site's uploads).
    pub files: &'a UploadStore,
    /// The guarded client for http(s) sources; `None` leaves them as they are (reported).
    pub fetcher: Option<&'a RemoteFetcher>,
    /// Largest image, in bytes.
    pub max_image_bytes: u64,
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: u64,
}

/// One picture or file made ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    /// SRC / HREF as the page wrote it.
    pub from: String,
    /// Our URL (`/uploads/…`, `/attachments/…`).
    pub to: String,
}

/// What [`store_media`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MediaOutcome {
    /// The body with every stored SRC / HREF pointing at our copy.
    #[serde(skip)]
    pub body: String,
    /// Pictures stored.
    pub images: Vec<Kept>,
    /// Files stored.
    pub attachments: Vec<Kept>,
    /// Ids of the stored attachments, in link order, to list under the article.
    #[serde(skip)]
    pub attachment_ids: Vec<i64>,
    /// One English line per picture or file left as the page wrote it, with the reason.
    pub lost: Vec<String>,
}

/// Where a SRC / HREF points.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    /// A file beside the page.
    File(PathBuf),
    /// An http(s) URL.
    Url(String),
}

/// Where a page's relative pictures and files are.
#[derive(Debug, Clone, Copy)]
pub enum Base<'a> {
    /// Beside a saved page: its folder `page_dir`, never outside `root` (the folder given on the
    /// command line, which also stands for the old site's `/`).
    Folder {
        /// The page's folder.
        page_dir: &'a Path,
        /// The import folder.
        root: &'a Path,
    },
    /// The address a page was fetched from (`newsdesk crawl`): a relative SRC / HREF is joined to
    /// it as a browser would, then fetched like any http(s) URL.
    Url(&'a url::Url),
}

/// Resolves a SRC / HREF as written against `base`, see [`Base`].
fn resolve_at(written: &str, base: Base<'_>) -> Result<Source, String> {
    match base {
        Base::Folder { page_dir, root } => resolve(written, page_dir, root),
        Base::Url(page) => {
            let w = written.trim().replace("&amp;", "&");
            if w.to_ascii_lowercase().starts_with("data:") {
                return Err("an inline data: URI is not a file".into());
            }
            let url = page.join(&w).map_err(|e| format!("not an address: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err("only http(s) URLs are fetched".into());
            }
            Ok(Source::Url(url.to_string()))
        }
    }
}

/// Resolves a SRC / HREF as written: an http(s) URL (or `//host/…`), or a path relative to
/// `page_dir` (query and fragment dropped, percent-escapes decoded) that stays inside `root`.
fn resolve(written: &str, page_dir: &Path, root: &Path) -> Result<Source, String> {
    let w = written.trim().replace("&amp;", "&");
    let lower = w.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(Source::Url(w));
    }
    if w.starts_with("//") {
        return Ok(Source::Url(format!("https:{w}")));
    }
    if lower.starts_with("data:") {
        return Err("an inline data: URI is not a file".into());
    }
    if w.contains(':') && !w.starts_with('/') && !w.starts_with('.') {
        // Another scheme (ftp:, file:, javascript:, mailto:).
        return Err("only files beside the page and http(s) URLs are read".into());
    }
    let path_part = w.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path_part).decode_utf8_lossy();
    if decoded.is_empty() {
        return Err("empty address".into());
    }
    // `/img/a.jpg` is the old site's root: the folder given on the command line stands for it.
    let (base, rel) = match decoded.strip_prefix('/') {
        Some(rest) => (root, rest),
        None => (page_dir, decoded.as_ref()),
    };
    let mut path = base.to_path_buf();
    for part in Path::new(rel).components() {
        match part {
            Component::Normal(p) => path.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !path.pop() {
                    return Err("the path leaves the import folder".into());
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err("the path leaves the import folder".into());
            }
        }
    }
    // Checked on the real path too: a symlink beside the page must not lead out of the folder.
    let real = path
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let real_root = root
        .canonicalize()
        .map_err(|e| format!("cannot read the import folder {}: {e}", root.display()))?;
    if !real.starts_with(&real_root) {
        return Err(format!(
            "{} is outside the import folder {}",
            path.display(),
            root.display()
        ));
    }
    Ok(Source::File(real))
}

/// Reads a regular file of at most `max` bytes.
fn read_file(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let meta = std::fs::metadata(path).map_err(fail)?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.len() > max {
        return Err(format!(
            "{} is {} bytes, over the limit of {max}",
            path.display(),
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(fail)?
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max {
        return Err(format!(
            "{} is over the limit of {max} bytes",
            path.display()
        ));
    }
    Ok(bytes)
}

/// The bytes a source stands for, and a file name for it.
async fn load(
    source: &Source,
    max: u64,
    accept: &'static str,
    ctx: &MediaContext<'_>,
) -> Result<(Vec<u8>, String), String> {
    match source {
        Source::File(path) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = path.clone();
            let bytes = tokio::task::spawn_blocking(move || read_file(&path, max))
                .await
                .map_err(|e| format!("reading task: {e}"))??;
            Ok((bytes, name))
        }
        Source::Url(url) => {
            let Some(fetcher) = ctx.fetcher else {
                return Err("remote fetching is off".into());
            };
            let (bytes, final_url) = fetcher
                .fetch_accepting(url, max, accept)
                .await
                .map_err(|e| format!("cannot fetch it: {e}"))?;
            Ok((bytes, name_from_url(&final_url)))
        }
    }
}

/// The last part of a URL's path, decoded.
fn name_from_url(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.next_back().map(str::to_string))
        })
        .map(|s| {
            percent_encoding::percent_decode_str(&s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

/// Stores one picture; its URL.
async fn store_image(source: &Source, ctx: &MediaContext<'_>) -> Result<String, String> {
    let (bytes, name) = load(
        source,
        ctx.max_image_bytes,
        crate::remote::ACCEPT_IMAGES,
        ctx,
    )
    .await?;
    let stored = match crate::images::store(ctx.files, bytes, ctx.max_image_bytes).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(format!("refused: {e}")),
        Err(e) => return Err(format!("cannot store it: {e:#}")),
    };
    let name: String = if name.is_empty() {
        stored.file_name.clone()
    } else {
        name
    };
    ctx.store
        .add_image(&NewImage {
            file_name: &stored.file_name,
            original_name: &name.chars().take(200).collect::<String>(),
            mime: stored.mime,
            width: i64::from(stored.width),
            height: i64::from(stored.height),
            bytes: i64::try_from(stored.bytes).unwrap_or(i64::MAX),
            uploaded_by: None,
        })
        .await
        .map_err(|e| format!("cannot record it in the image library: {e}"))?;
    Ok(stored.url())
}

/// Stores one file; its attachment id and URL.
async fn store_attachment(
    source: &Source,
    link_text: &str,
    ctx: &MediaContext<'_>,
) -> Result<(i64, String), String> {
    let (bytes, fallback) = load(
        source,
        ctx.max_attachment_bytes,
        crate::remote::ACCEPT_ANY,
        ctx,
    )
    .await?;
    let checked = crate::attachments::store(ctx.files, bytes, ctx.max_attachment_bytes)
        .await
        .map_err(|e| format!("refused: {e}"))?;
    let ext = checked.file_name.rsplit_once('.').map_or("", |(_, e)| e);
    // The link text is the name readers know ("附件1：实施方案"); downloads need the extension.
    let text = link_text.trim();
    let mut name = if text.is_empty() {
        fallback
    } else {
        text.to_string()
    };
    if !name.to_ascii_lowercase().ends_with(&format!(".{ext}")) {
        name.push('.');
        name.push_str(ext);
    }
    let record = ctx
        .store
        .add_attachment(&NewAttachment {
            file_name: &checked.file_name,
            original_name: &name.chars().take(200).collect::<String>(),
            mime: checked.mime,
            bytes: i64::try_from(checked.bytes).unwrap_or(i64::MAX),
            uploaded_by: None,
        })
        .await
        .map_err(|e| format!("cannot record it: {e}"))?;
    Ok((
        record.id,
        format!("{}{}", crate::attachments::URL_PREFIX, record.file_name),
    ))
}

/// Rewrites `](from)` to `](to)` everywhere in `body`, `from` written as the reader writes a
/// link destination ([`super::markdown::destination`]: bare, or `<…>` when it has spaces or
/// unbalanced parentheses).
fn point(body: &mut String, from: &str, to: &str) {
    let needle = format!("]({})", super::markdown::destination(from));
    if body.contains(&needle) {
        *body = body.replace(&needle, &format!("]({to})"));
    }
}

/// Stores the pictures (`images`) and files (`attachments`) a page's Markdown `body` names, read
/// beside the page or fetched (relative ones found from `base`), and points the body at our
/// copies. See the module doc.
pub async fn store_media(
    body: &str,
    images: &[String],
    attachments: &[LinkedFile],
    base: Base<'_>,
    ctx: &MediaContext<'_>,
) -> MediaOutcome {
    let mut out = MediaOutcome {
        body: body.to_string(),
        ..MediaOutcome::default()
    };
    let mut seen: Vec<&str> = Vec::new();
    for src in images {
        if seen.contains(&src.as_str()) {
            continue;
        }
        seen.push(src);
        let stored = match resolve_at(src, base) {
            Ok(source) => store_image(&source, ctx).await,
            Err(e) => Err(e),
        };
        match stored {
            Ok(url) => {
                point(&mut out.body, src, &url);
                out.images.push(Kept {
                    from: src.clone(),
                    to: url,
                });
            }
            Err(reason) => out
                .lost
                .push(format!("image {src}: left as it was ({reason})")),
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for file in attachments {
        if seen.contains(&file.href.as_str()) {
            continue;
        }
        seen.push(&file.href);
        let stored = match resolve_at(&file.href, base) {
            Ok(source) => store_attachment(&source, &file.name, ctx).await,
            Err(e) => Err(e),
        };
        match stored {
            Ok((id, url)) => {
                point(&mut out.body, &file.href, &url);
                if !out.attachment_ids.contains(&id) {
                    out.attachment_ids.push(id);
                }
                out.attachments.push(Kept {
                    from: file.href.clone(),
                    to: url,
                });
            }
            Err(reason) => out.lost.push(format!(
                "attachment {} ({}): left as a link ({reason})",
                file.name, file.href
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_resolve_beside_the_page_and_never_outside_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let pages = root.path().join("news");
        std::fs::create_dir_all(pages.join("img")).unwrap();
        std::fs::write(pages.join("img/a b.jpg"), b"x").unwrap();
        std::fs::write(root.path().join("top.png"), b"x").unwrap();
        let real = |p: &Path| Source::File(p.canonicalize().unwrap());
        assert_eq!(
            resolve("img/a%20b.jpg?v=2", &pages, root.path()),
            Ok(real(&pages.join("img/a b.jpg")))
        );
        assert_eq!(
            resolve("../top.png", &pages, root.path()),
            Ok(real(&root.path().join("top.png")))
        );
        assert_eq!(
            resolve("/top.png", &pages, root.path()),
            Ok(real(&root.path().join("top.png")))
        );
        assert!(resolve("../../etc/passwd", &pages, root.path()).is_err());
        assert!(resolve("../../../../../../etc/passwd", &pages, root.path()).is_err());
        assert!(resolve("missing.jpg", &pages, root.path()).is_err());
        assert!(resolve("data:image/png;base64,AA", &pages, root.path()).is_err());
        assert!(resolve("file:///etc/passwd", &pages, root.path()).is_err());
        assert_eq!(
            resolve("//img.old.cn/a.jpg", &pages, root.path()),
            Ok(Source::Url("https://img.old.cn/a.jpg".into()))
        );
        assert_eq!(
            resolve("http://old.cn/a.php?x=1&amp;y=2", &pages, root.path()),
            Ok(Source::Url("http://old.cn/a.php?x=1&y=2".into()))
        );
    }

    #[test]
    fn sources_of_a_fetched_page_resolve_against_its_address() {
        let page = url::Url::parse("http://old.cn/news/2024/a.html?x=1").unwrap();
        let at = |w: &str| resolve_at(w, Base::Url(&page));
        assert_eq!(
            at("../img/a.png"),
            Ok(Source::Url("http://old.cn/news/img/a.png".into()))
        );
        assert_eq!(
            at("/files/plan.pdf"),
            Ok(Source::Url("http://old.cn/files/plan.pdf".into()))
        );
        assert_eq!(
            at("//cdn.old.cn/b.jpg"),
            Ok(Source::Url("http://cdn.old.cn/b.jpg".into()))
        );
        assert!(at("data:image/png;base64,AA").is_err());
        assert!(at("file:///etc/passwd").is_err());
        assert!(at("javascript:alert(1)").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_folder_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.jpg"), b"x").unwrap();
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.jpg"), root.path().join("a.jpg"))
            .unwrap();
        let err = resolve("a.jpg", root.path(), root.path()).unwrap_err();
        assert!(err.contains("outside the import folder"), "{err}");
    }
}
