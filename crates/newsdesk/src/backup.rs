//! `newsdesk backup` and `newsdesk restore`: one archive holding a consistent copy of a site.
//!
//! The archive is a tar file (gzip-compressed when its name ends in `.gz` or `.tgz`) of:
//! - `manifest.json` — format, newsdesk version, schema version, the row count of every table and
//!   the number of uploads, checked again after a restore;
//! - `newsdesk.db` — the database as of one instant, written by SQLite's `VACUUM INTO` from a read
//!   transaction, so a running server keeps serving and writing (WAL mode) while it is taken;
//! - `uploads/…` — the uploaded images and attachments (content-addressed, written whole, so never half-written),
//!   read from the data folder, or listed and downloaded from the bucket when the site keeps
//!   them in an S3-compatible store (`--uploads-url`); `restore` writes them to the data folder.
//!
//! The search index is not in it: it is derived data, rebuilt by `restore`.
//! PostgreSQL sites use `pg_dump`/`pg_restore` plus the uploads (DEPLOY.md).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::store::{DB_FILE, SqliteStore, Store};

/// What the first line of every manifest says, so a stray tar file is recognised as not ours.
const FORMAT: &str = "newsdesk-backup";
/// Version of the archive layout.
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";

/// `manifest.json` of an archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Layout version.
    pub format_version: u32,
    /// The newsdesk version that wrote it.
    pub newsdesk_version: String,
    /// When it was taken (RFC 3339, UTC).
    pub created_at: String,
    /// The newest migration applied to the database.
    pub schema_version: i64,
    /// Rows per table.
    pub tables: BTreeMap<String, i64>,
    /// Files under `uploads/`.
    pub uploads: u64,
}

/// What a backup or restore did, for the command's summary line.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The manifest written or checked.
    pub manifest: Manifest,
    /// Size of the archive in bytes.
    pub archive_bytes: u64,
}

/// Writes an archive of the site in `data_dir` to `out` (refusing to overwrite a file); the
/// uploads come from `uploads_url`'s bucket when given (`s3://BUCKET[/PREFIX]`).
pub async fn backup(
    data_dir: &Path,
    uploads_url: Option<&str>,
    out: &Path,
) -> anyhow::Result<Summary> {
    if out.exists() {
        bail!("{} exists already; choose a new file name", out.display());
    }
    let store = SqliteStore::open_existing(data_dir).await?;
    // A bucket is opened and checked before anything is copied; the local folder is only read.
    let bucket = match uploads_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let files = crate::uploads::UploadStore::open(data_dir, Some(url), &[])?;
            files.check().await?;
            Some(files)
        }
        None => None,
    };
    let staging = tempfile::Builder::new()
        .prefix(".newsdesk-backup-")
        .tempdir_in(
            out.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )
        .context("creating a staging folder beside the archive")?;
    let db_copy = staging.path().join(DB_FILE);
    store
        .snapshot_into(&db_copy)
        .await
        .context("copying the database")?;
    store.close().await;
    // Counted on the copy, so the manifest describes exactly what the archive holds.
    let copy = SqliteStore::open_existing(staging.path()).await?;
    let tables = copy.table_counts().await?;
    let schema_version = copy.schema_version().await?;
    copy.close().await;

    let uploads_dir = match &bucket {
        None => data_dir.join(crate::images::DIR),
        Some(files) => download_uploads(files, &staging.path().join(crate::images::DIR)).await?,
    };
    let uploads = list_uploads(&uploads_dir)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        newsdesk_version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        schema_version,
        tables,
        uploads: u64::try_from(uploads.len()).unwrap_or(u64::MAX),
    };
    let out_path = out.to_path_buf();
    let manifest_for_task = manifest.clone();
    let archive_bytes = tokio::task::spawn_blocking(move || {
        write_archive(
            &out_path,
            &manifest_for_task,
            &db_copy,
            &uploads_dir,
            &uploads,
        )
    })
    .await
    .context("archive task")??;
    Ok(Summary {
        manifest,
        archive_bytes,
    })
}

/// Copies every upload in the bucket into `dir` (taken after the database copy, so every image
/// the copy names is there; images uploaded since come along too, harmlessly).
async fn download_uploads(
    files: &crate::uploads::UploadStore,
    dir: &Path,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for name in files.list().await? {
        // Only names of the upload scheme (images and attachments): anything else under the
        // prefix is not ours.
        if crate::images::content_type(&name).is_none()
            && crate::attachments::content_type(&name).is_none()
        {
            continue;
        }
        let bytes = match files.read(&name).await {
            Ok(b) => b,
            Err(crate::uploads::GetError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        tokio::fs::write(dir.join(&name), bytes)
            .await
            .with_context(|| format!("writing {name} to the staging folder"))?;
    }
    Ok(dir.to_path_buf())
}

fn is_gzip(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".gz") || name.ends_with(".tgz")
}

/// Plain file names under `uploads/` (the store writes no sub-folders; temp files are skipped).
fn list_uploads(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // `#` marks object_store's temporary files (`name#1`), renamed once written.
        if entry.file_type()?.is_file() && !name.starts_with('.') && !name.contains('#') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn write_archive(
    out: &Path,
    manifest: &Manifest,
    db: &Path,
    uploads_dir: &Path,
    uploads: &[String],
) -> anyhow::Result<u64> {
    // Written under a temporary name and renamed, so a failed backup leaves no archive that
    // looks complete.
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".newsdesk-backup-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    {
        let file = tmp.as_file().try_clone()?;
        let sink: Box<dyn Write> = if is_gzip(out) {
            Box::new(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::fast(),
            ))
        } else {
            Box::new(std::io::BufWriter::new(file))
        };
        let mut tar = tar::Builder::new(sink);
        let json = serde_json::to_vec_pretty(manifest)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(u64::try_from(json.len())?);
        header.set_mode(0o644);
        header.set_mtime(u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0));
        header.set_cksum();
        tar.append_data(&mut header, MANIFEST, json.as_slice())?;
        tar.append_path_with_name(db, DB_FILE)
            .context("adding the database")?;
        for name in uploads {
            let path = uploads_dir.join(name);
            match File::open(&path) {
                Ok(mut f) => tar
                    .append_file(format!("{}/{name}", crate::images::DIR), &mut f)
                    .with_context(|| format!("adding {}", path.display()))?,
                // Deleted since it was listed: the database copy no longer needs it either.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            }
        }
        let mut sink = tar.into_inner()?;
        sink.flush()?;
        drop(sink);
    }
    tmp.as_file().sync_all()?;
    let file = tmp
        .persist_noclobber(out)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(file.metadata()?.len())
}

/// Rebuilds a data folder from `archive` into `data_dir`, which must be empty or missing; checks
/// the restored database against the manifest and builds the search index.
pub async fn restore(archive: &Path, data_dir: &Path) -> anyhow::Result<Summary> {
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(data_dir)
            .with_context(|| format!("reading {}", data_dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; restore into a new or empty folder, so nothing is overwritten",
                data_dir.display()
            );
        }
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let (archive_path, dir) = (archive.to_path_buf(), data_dir.to_path_buf());
    let manifest = tokio::task::spawn_blocking(move || unpack(&archive_path, &dir))
        .await
        .context("unpacking task")??;

    let store = SqliteStore::open_existing(data_dir).await?;
    let tables = store.table_counts().await?;
    for (table, expected) in &manifest.tables {
        let found = tables.get(table).copied().unwrap_or(0);
        if found != *expected {
            bail!(
                "the restored table {table} has {found} rows; the archive's manifest says {expected}"
            );
        }
    }
    let uploads = list_uploads(&data_dir.join(crate::images::DIR))?;
    if u64::try_from(uploads.len()).unwrap_or(u64::MAX) != manifest.uploads {
        bail!(
            "{} uploads restored; the archive's manifest says {}",
            uploads.len(),
            manifest.uploads
        );
    }
    let store: std::sync::Arc<dyn crate::store::Store> = std::sync::Arc::new(store);
    crate::search::SearchIndex::open_or_rebuild(data_dir, store.as_ref())
        .await
        .context("building the search index")?;
    store.close().await;
    Ok(Summary {
        manifest,
        archive_bytes: std::fs::metadata(archive)?.len(),
    })
}

/// Unpacks the archive's known entries into `dir`; refuses anything else (absolute paths, `..`,
/// links, unknown names), so an archive can never write outside the data folder.
fn unpack(archive: &Path, dir: &Path) -> anyhow::Result<Manifest> {
    let file = File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    let reader: Box<dyn Read> = if is_gzip(archive) {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    let mut tar = tar::Archive::new(reader);
    let mut manifest: Option<Manifest> = None;
    let mut has_db = false;
    let not_ours = || {
        format!(
            "{} is not a newsdesk backup (made by `newsdesk backup`)",
            archive.display()
        )
    };
    for entry in tar.entries().with_context(not_ours)? {
        let mut entry = entry.with_context(not_ours)?;
        let path: PathBuf = entry.path()?.into_owned();
        if !entry.header().entry_type().is_file() {
            bail!(
                "{}: unexpected entry {} (not a plain file)",
                archive.display(),
                path.display()
            );
        }
        let parts: Vec<&str> = path
            .components()
            .map(|c| match c {
                Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect::<Option<_>>()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: unsafe entry name {}",
                    archive.display(),
                    path.display()
                )
            })?;
        match parts.as_slice() {
            [MANIFEST] => {
                let mut json = String::new();
                entry.by_ref().take(1 << 20).read_to_string(&mut json)?;
                let m: Manifest = serde_json::from_str(&json).with_context(not_ours)?;
                if m.format != FORMAT {
                    bail!(not_ours());
                }
                if m.format_version > FORMAT_VERSION {
                    bail!(
                        "{} was written by a newer newsdesk ({}); restore it with that version or later",
                        archive.display(),
                        m.newsdesk_version
                    );
                }
                manifest = Some(m);
            }
            [DB_FILE] => {
                entry.unpack(dir.join(DB_FILE))?;
                has_db = true;
            }
            [uploads, name] if *uploads == crate::images::DIR && !name.starts_with('.') => {
                let target = dir.join(crate::images::DIR);
                std::fs::create_dir_all(&target)?;
                entry.unpack(target.join(name))?;
            }
            _ => bail!("{}: unexpected entry {}", archive.display(), path.display()),
        }
    }
    let manifest = manifest
        .ok_or_else(|| anyhow::anyhow!("{} has no manifest: {}", archive.display(), not_ours()))?;
    if !has_db {
        bail!("{} holds no database", archive.display());
    }
    Ok(manifest)
}
