//! Rendering: the theme (templates and static assets embedded in the binary, overridable file by
//! file from a folder), the minijinja environment, view models, and article bodies to safe HTML.
//! Templates receive view models only; they never query.

mod body;
pub mod limits;
pub mod pool;
mod qr;
pub mod views;
pub mod xml;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::Context;
use include_dir::{Dir, include_dir};
use minijinja::Environment;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use body::{body_html, body_html_checked};
pub use qr::{qr_svg, qr_svg_cached};

/// The default theme, compiled into the binary.
static THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/theme");

/// The template environment and the static assets of the active theme.
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
    override_dir: Option<PathBuf>,
    asset_version: String,
}

impl Renderer {
    /// A renderer for the embedded theme, with files in `override_dir` (same layout: `templates/`,
    /// `static/`) taking precedence. Every template is compiled now, so a broken override fails at
    /// start, not on a reader's request.
    pub fn new(override_dir: Option<&Path>) -> anyhow::Result<Self> {
        let override_dir = override_dir.map(Path::to_path_buf);
        let mut env = Environment::new();
        let loader_dir = override_dir.clone();
        env.set_loader(move |name| load_template(loader_dir.as_deref(), name));
        env.set_formatter(format_value);
        for name in template_names(override_dir.as_deref()) {
            env.get_template(&name)
                .with_context(|| format!("theme template {name}"))?;
        }
        let asset_version = asset_version(override_dir.as_deref());
        Ok(Self {
            env,
            override_dir,
            asset_version,
        })
    }

    /// Makes `value` visible to every template as `name`, for site-wide facts of the running server
    /// (such as whether the WeChat share script is configured) that no handler should have to pass.
    pub fn add_global(&mut self, name: &'static str, value: impl Serialize) {
        self.env
            .add_global(name, minijinja::Value::from_serialize(value));
    }

    /// Renders a template with a view model.
    pub fn render(&self, template: &str, view: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(template)?.render(view)
    }

    /// A short hash of the static assets, appended to their URLs so they can be cached for long.
    pub fn asset_version(&self) -> &str {
        &self.asset_version
    }

    /// A static asset by its path under `static/`, and its content type.
    pub fn static_file(&self, path: &str) -> Option<(Cow<'static, [u8]>, &'static str)> {
        if path
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        {
            return None;
        }
        let content_type = content_type(path);
        if let Some(dir) = &self.override_dir {
            if let Ok(bytes) = std::fs::read(dir.join("static").join(path)) {
                return Some((Cow::Owned(bytes), content_type));
            }
        }
        THEME
            .get_file(format!("static/{path}"))
            .map(|f| (Cow::Borrowed(f.contents()), content_type))
    }
}

/// Like minijinja's default formatter, but escapes only what HTML needs (`& < > " '`): its default
/// also escapes `/`, which bloats every URL on a page.
fn format_value(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(s)
            if !value.is_safe() && !matches!(state.auto_escape(), minijinja::AutoEscape::None) =>
        {
            let mut last = 0;
            for (i, b) in s.bytes().enumerate() {
                let entity = match b {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    b'\'' => "&#39;",
                    _ => continue,
                };
                out.write_str(&s[last..i])?;
                out.write_str(entity)?;
                last = i + 1;
            }
            out.write_str(&s[last..])?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn load_template(
    override_dir: Option<&Path>,
    name: &str,
) -> Result<Option<String>, minijinja::Error> {
    if name.split('/').any(|seg| seg == "..") {
        return Ok(None);
    }
    if let Some(dir) = override_dir {
        let path = dir.join("templates").join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => return Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        }
    }
    Ok(THEME
        .get_file(format!("templates/{name}"))
        .and_then(|f| f.contents_utf8())
        .map(str::to_string))
}

/// Names of all templates: the embedded ones plus any the override folder adds.
fn template_names(override_dir: Option<&Path>) -> Vec<String> {
    // Nested folders too (the newsroom's `admin/`), so every embedded template compiles at start.
    fn walk(dir: &Dir<'_>, names: &mut Vec<String>) {
        names.extend(dir.files().filter_map(|f| {
            f.path()
                .strip_prefix("templates")
                .ok()?
                .to_str()
                .map(str::to_string)
        }));
        for sub in dir.dirs() {
            walk(sub, names);
        }
    }
    let mut names: Vec<String> = Vec::new();
    if let Some(d) = THEME.get_dir("templates") {
        walk(d, &mut names);
    }
    if let Some(dir) = override_dir {
        if let Ok(entries) = std::fs::read_dir(dir.join("templates")) {
            for entry in entries.flatten() {
                if let Some(name) = entry.file_name().to_str() {
                    if name.ends_with(".html") && !names.iter().any(|n| n == name) {
                        names.push(name.to_string());
                    }
                }
            }
        }
    }
    names.sort();
    names
}

fn asset_version(override_dir: Option<&Path>) -> String {
    let mut hasher = Sha256::new();
    if let Some(dir) = THEME.get_dir("static") {
        for file in dir.files() {
            hasher.update(file.path().to_string_lossy().as_bytes());
            hasher.update(file.contents());
        }
    }
    if let Some(dir) = override_dir {
        if let Ok(entries) = std::fs::read_dir(dir.join("static")) {
            let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                if let Ok(bytes) = std::fs::read(&path) {
                    hasher.update(path.to_string_lossy().as_bytes());
                    hasher.update(bytes);
                }
            }
        }
    }
    hasher
        .finalize()
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_compiles() {
        let r = Renderer::new(None).unwrap();
        assert!(!template_names(None).is_empty());
        assert_eq!(r.asset_version().len(), 8);
    }

    #[test]
    fn values_are_escaped_for_html_but_urls_stay_readable() {
        let mut env = Environment::new();
        env.set_formatter(format_value);
        env.add_template("t.html", "{{ v }}|{{ v|safe }}").unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { v => "/a?b=1&c=<\"'>" })
            .unwrap();
        assert_eq!(out, "/a?b=1&amp;c=&lt;&quot;&#39;&gt;|/a?b=1&c=<\"'>");
    }

    #[test]
    fn override_folder_wins_and_traversal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/style.css"), "body{}").unwrap();
        let r = Renderer::new(Some(dir.path())).unwrap();
        let (bytes, ct) = r.static_file("style.css").unwrap();
        assert_eq!(&*bytes, b"body{}");
        assert_eq!(ct, "text/css; charset=utf-8");
        assert!(r.static_file("../newsdesk.db").is_none());
    }
}
