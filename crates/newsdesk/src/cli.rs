//! The `newsdesk` command line: `serve`, `import`, `crawl`, `user`, `reindex`, `reextract`, `check`, `gen-corpus`,
//! `targets`, `backup`, `restore`, `migrate-store`. Each flag can also be set by a `NEWSDESK_*`
//! environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::ServeConfig;
use crate::content::Articles;
use crate::import;
use crate::search::SearchIndex;
use crate::store::{self, StoreError};
use crate::wechat::{Secret, WeChatConfig};

/// newsdesk: a fast engine for Chinese news and information portals.
#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (demo content is loaded on the first start with an empty data folder).
    Serve(ServeArgs),
    /// Import text or HTML pages (files, or folders of .txt/.html/.htm files) as articles.
    Import(ImportArgs),
    /// Crawl an existing site (采集) from list pages or sitemaps and import its articles.
    Crawl(CrawlArgs),
    /// Manage newsroom accounts: add, passwd, list, disable, enable.
    #[command(subcommand)]
    User(UserCommand),
    /// Rebuild the search index from the database, with a progress bar.
    Reindex(ReindexArgs),
    /// Read every article's 量化目标 and document facts anew from its text, with the editors'
    /// corrections applied again (after an upgrade of the extractor).
    Reextract(ReindexArgs),
    /// Compare the search index with the database (exit 1 if they differ); --repair fixes it.
    Check(CheckArgs),
    /// Generate synthetic Chinese articles for benchmarks and load tests (deterministic per seed).
    GenCorpus(GenCorpusArgs),
    /// Extract the quantitative targets (量化目标) of documents (text or HTML files) to stdout.
    Targets(TargetsArgs),
    /// Write a consistent archive of a site (database, uploads, manifest) while it serves.
    Backup(BackupArgs),
    /// Rebuild a data folder from a backup archive (into a new or empty folder).
    Restore(RestoreArgs),
    /// Copy a site's SQLite database into an empty PostgreSQL database (all or nothing), then
    /// check every table's row count.
    MigrateStore(MigrateStoreArgs),
}

/// `newsdesk migrate-store`.
#[derive(Debug, Args)]
pub struct MigrateStoreArgs {
    /// The empty PostgreSQL database to copy into (`postgres://user:password@host/db`); its
    /// migrations are applied first. Prefer the environment variable: flags show in `ps`.
    #[arg(long = "to", env = "NEWSDESK_MIGRATE_TO", hide_env_values = true)]
    pub to: String,
    /// Data folder of the SQLite site to copy (its `newsdesk.db`); never created.
    #[arg(long = "data", env = "NEWSDESK_DATA", default_value = "./data")]
    pub data_dir: PathBuf,
}

/// Runs `newsdesk migrate-store`: copies, verifies, prints rows per table.
pub async fn run_migrate_store(args: &MigrateStoreArgs) -> anyhow::Result<()> {
    if !(args.to.starts_with("postgres://") || args.to.starts_with("postgresql://")) {
        anyhow::bail!("--to must be a postgres:// URL of an empty PostgreSQL database");
    }
    let started = std::time::Instant::now();
    let bar = progress_bar(0);
    let summary = crate::migrate_store::migrate(&args.data_dir, &args.to, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let summary = summary?;
    for (table, rows) in &summary.tables {
        println!("{table:<16} {rows:>10}");
    }
    println!(
        "copied {} row(s) from {} into {} in {:.1} s; every table's count checked",
        summary.total(),
        args.data_dir.join(store::DB_FILE).display(),
        store::redact_url(&args.to),
        started.elapsed().as_secs_f64()
    );
    println!(
        "next: start the nodes with --database-url (each builds its search index); copy the \
         uploads folder if the nodes do not share this data folder"
    );
    Ok(())
}

/// `newsdesk backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The archive to write: `.tar`, or `.tar.gz` / `.tgz` for a compressed one.
    pub out: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// The site's uploads bucket, if it has one (its images are downloaded into the archive).
    #[command(flatten)]
    pub uploads: UploadsArgs,
}

/// `newsdesk restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// An archive written by `newsdesk backup`.
    pub archive: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Runs `newsdesk backup`.
pub async fn run_backup(args: &BackupArgs) -> anyhow::Result<()> {
    if args.data.database_url.is_some() {
        anyhow::bail!(
            "`newsdesk backup` archives an SQLite site; a PostgreSQL database is backed up with \
             `pg_dump --format=custom` and its uploads with the object store's own tools \
             (DEPLOY.md, \"Several nodes\")"
        );
    }
    let started = std::time::Instant::now();
    let summary = crate::backup::backup(
        &args.data.data_dir,
        args.uploads.uploads_url.as_deref(),
        &args.out,
    )
    .await?;
    eprintln!(
        "wrote {} ({:.1} MiB) in {:.1} s: {} article(s), {} upload(s), schema {}",
        args.out.display(),
        summary.archive_bytes as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64(),
        summary
            .manifest
            .tables
            .get("articles")
            .copied()
            .unwrap_or(0),
        summary.manifest.uploads,
        summary.manifest.schema_version
    );
    Ok(())
}

/// Runs `newsdesk restore`.
pub async fn run_restore(args: &RestoreArgs) -> anyhow::Result<()> {
    if args.data.database_url.is_some() {
        anyhow::bail!(
            "`newsdesk restore` rebuilds an SQLite site; a PostgreSQL database is restored with \
             `pg_restore` (DEPLOY.md, \"Several nodes\")"
        );
    }
    let started = std::time::Instant::now();
    let summary = crate::backup::restore(&args.archive, &args.data.data_dir).await?;
    eprintln!(
        "restored {} into {} in {:.1} s: {} article(s), {} upload(s), every table's rows as in \
         the manifest; search index built",
        args.archive.display(),
        args.data.data_dir.display(),
        started.elapsed().as_secs_f64(),
        summary
            .manifest
            .tables
            .get("articles")
            .copied()
            .unwrap_or(0),
        summary.manifest.uploads
    );
    Ok(())
}

/// `newsdesk targets`.
#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// Text or HTML files to read.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format: jsonl (one record per line, the gold-file schema), csv or table.
    #[arg(long, value_enum, default_value_t = TargetsFormat::Jsonl)]
    pub format: TargetsFormat,
}

/// Output formats of `newsdesk targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetsFormat {
    /// One JSON record per line, as `score-targets` reads them.
    Jsonl,
    /// CSV with a header line.
    Csv,
    /// An aligned table for reading in a terminal.
    Table,
}

/// Runs `newsdesk targets`; returns the exit code (1 if any file could not be read).
pub fn run_targets(args: &TargetsArgs) -> anyhow::Result<i32> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut csv = (args.format == TargetsFormat::Csv).then(|| csv::Writer::from_writer(Vec::new()));
    if let Some(w) = csv.as_mut() {
        w.write_record(crate::targets::FILE_RECORD_FIELDS)?;
    }
    let mut failed = 0;
    for path in &args.files {
        let doc = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let records = match std::fs::read(path)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| Ok(crate::targets::extract_file(&bytes, &doc)?))
        {
            Ok(records) => records,
            Err(e) => {
                failed += 1;
                eprintln!("{}: {e:#}", path.display());
                continue;
            }
        };
        for r in &records {
            match args.format {
                TargetsFormat::Jsonl => writeln!(out, "{}", serde_json::to_string(r)?)?,
                TargetsFormat::Csv => {
                    if let Some(w) = csv.as_mut() {
                        w.write_record(r.csv_fields())?;
                    }
                }
                TargetsFormat::Table => writeln!(out, "{}", r.table_line())?,
            }
        }
        if args.format == TargetsFormat::Table {
            writeln!(out, "# {doc}: {} targets", records.len())?;
        }
    }
    if let Some(w) = csv {
        out.write_all(&w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    }
    out.flush()?;
    Ok(if failed > 0 { 1 } else { 0 })
}

/// `newsdesk reindex`.
#[derive(Debug, Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

/// `newsdesk check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Data folder holding the database and the search index; never created.
    #[arg(long = "data", env = "NEWSDESK_DATA", default_value = "./data")]
    pub data_dir: PathBuf,
    /// PostgreSQL database of the site (`postgres://…`); unset: SQLite in the data folder.
    #[arg(long, env = "NEWSDESK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Re-index the missing and stale articles and delete the extra documents (or rebuild an
    /// index that is missing, unreadable or cut by another analyzer).
    #[arg(long)]
    pub repair: bool,
}

/// `newsdesk gen-corpus`.
#[derive(Debug, Args)]
pub struct GenCorpusArgs {
    /// Number of articles.
    #[arg(long, default_value_t = 1000)]
    pub count: u64,
    /// Seed: the same seed and count give the same articles.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write importable text pages into this folder instead of into a data folder.
    #[arg(long = "out")]
    pub out_dir: Option<PathBuf>,
    /// Data folder to write the articles into (store and search index) when `--out` is not given.
    #[command(flatten)]
    pub data: DataArgs,
}

/// Where the data lives.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data folder (database, index, uploads); created if missing.
    #[arg(long = "data", env = "NEWSDESK_DATA", default_value = "./data")]
    pub data_dir: PathBuf,
    /// PostgreSQL database (`postgres://user:password@host/db`) shared by several nodes; unset:
    /// SQLite in the data folder (the search index and a local upload folder stay there).
    #[arg(long, env = "NEWSDESK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DataArgs {
    /// The database these arguments name.
    pub fn database(&self) -> store::Database {
        store::Database::new(&self.data_dir, self.database_url.as_deref())
    }
}

/// Where uploaded images live.
#[derive(Debug, Args)]
pub struct UploadsArgs {
    /// Keep uploaded images in an S3-compatible bucket (`s3://BUCKET[/PREFIX]`) that several
    /// nodes share, instead of the data folder's `uploads/`. Endpoint, region and keys come from
    /// AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
    #[arg(long, env = "NEWSDESK_UPLOADS_URL")]
    pub uploads_url: Option<String>,
}

/// `newsdesk serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "NEWSDESK_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub data: DataArgs,
    /// Folder overriding the embedded theme file by file (templates/, static/).
    #[arg(long = "theme", env = "NEWSDESK_THEME")]
    pub theme_dir: Option<PathBuf>,
    /// Minutes within which repeat views of an article by one visitor count once; 0 counts all.
    #[arg(long, env = "NEWSDESK_VIEW_DEDUPE_MINUTES", default_value_t = 30)]
    pub view_dedupe_minutes: u64,
    /// Do not load demo content on the first start.
    #[arg(long, env = "NEWSDESK_NO_DEMO")]
    pub no_demo: bool,
    /// Largest image upload accepted, in MiB.
    #[arg(long, env = "NEWSDESK_MAX_UPLOAD_MIB", default_value_t = 10)]
    pub max_upload_mib: u64,
    #[command(flatten)]
    pub uploads: UploadsArgs,
    /// Largest attachment (PDF, Word, Excel, PowerPoint, ZIP) accepted, in MiB.
    #[arg(long, env = "NEWSDESK_MAX_ATTACHMENT_MIB", default_value_t = 50)]
    pub max_attachment_mib: u64,
    /// Let remote-image fetching reach loopback and private addresses. For tests serving images
    /// from this machine only: in production it lets a saved article make the server request
    /// internal services.
    #[arg(long, env = "NEWSDESK_REMOTE_IMAGES_ALLOW_PRIVATE", hide = true)]
    pub remote_images_allow_private: bool,
    /// Memory for rendered article pages, in MiB; 0 renders every request.
    /// The default keeps a server over 100,000 articles under 200 MiB resident (BENCHMARKS.md).
    #[arg(long, env = "NEWSDESK_PAGE_CACHE_MIB", default_value_t = crate::web::DEFAULT_PAGE_CACHE_BYTES >> 20)]
    pub page_cache_mib: u64,
    /// Memory for what article pages make of their own articles (the body with its targets
    /// marked, the 量化目标 panel), kept until the article changes, in MiB; 0 makes them on every
    /// render.
    #[arg(long, env = "NEWSDESK_ARTICLE_CACHE_MIB", default_value_t = crate::web::article_parts::DEFAULT_ARTICLE_CACHE_BYTES >> 20)]
    pub article_cache_mib: u64,
    /// Connections open at once; at the limit the one idle longest is closed. By default the
    /// open-file limit less a reserve for the database, search index and uploads.
    #[arg(long, env = "NEWSDESK_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
    /// AppID of a WeChat official account (公众号): with the secret, enables JS-SDK sharing.
    #[arg(long, env = "NEWSDESK_WECHAT_APPID", requires = "wechat_secret")]
    pub wechat_appid: Option<String>,
    /// AppSecret of that account (prefer the environment variable: flags show in `ps`).
    #[arg(
        long,
        env = "NEWSDESK_WECHAT_SECRET",
        hide_env_values = true,
        requires = "wechat_appid"
    )]
    pub wechat_secret: Option<Secret>,
    /// Base URL of WeChat's API.
    #[arg(long, env = "NEWSDESK_WECHAT_API_BASE", default_value = crate::wechat::DEFAULT_API_BASE)]
    pub wechat_api_base: String,
    /// Reverse proxies (addresses or CIDR networks, comma-separated) whose `Forwarded`,
    /// `X-Forwarded-For`, `X-Real-IP` and `X-Forwarded-Proto` headers are believed. None by
    /// default: a server reached directly ignores those headers.
    #[arg(
        long = "trusted-proxy",
        env = "NEWSDESK_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = crate::web::client::TrustedProxies::parse
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// `newsdesk import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import: pages (`.txt`, `.html`, `.htm`; folders are searched for them)
    /// and WordPress export files (WXR `.xml`, named one by one).
    #[arg(required_unless_present = "dedecms")]
    pub paths: Vec<PathBuf>,
    /// Import a DedeCMS (织梦) site from its MySQL/MariaDB database:
    /// `mysql://user:password@host:3306/database`. Its channels (栏目) become channels, its
    /// articles articles; their old addresses answer 301.
    #[arg(
        long,
        env = "NEWSDESK_DEDECMS_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub dedecms: Option<String>,
    /// Prefix of the DedeCMS tables.
    #[arg(long, default_value = "dede_", requires = "dedecms")]
    pub table_prefix: String,
    /// The old DedeCMS site's address (`https://www.example.com`): pictures named by path
    /// (`/uploads/allimg/…`) are fetched from it, and old addresses are kept as its URLs.
    #[arg(long, requires = "dedecms", value_name = "URL")]
    pub old_site_url: Option<String>,
    /// The old DedeCMS site's web root on disk: pictures named by path are read from it first.
    #[arg(long, requires = "dedecms", value_name = "DIR")]
    pub old_site_root: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Slug of the channel the articles go to (the default channel 要闻 `news` is created if missing).
    #[arg(long, env = "NEWSDESK_CHANNEL", default_value = "news")]
    pub channel: String,
    /// Read every page and write the report, but store nothing (no articles, no uploads).
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write the JSON report of the run (imported, updated, unchanged, refused with the
    /// reason, and per page its encoding and what could not be kept). By default
    /// `import-reports/import-YYYYMMDD-HHMMSS.mmm.json` in the data folder, and for a dry run
    /// `import-report-YYYYMMDD-HHMMSS.mmm-dry-run.json` in the current folder.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The site's uploads bucket, if it has one: pictures and files of the pages go there.
    #[command(flatten)]
    pub uploads: UploadsArgs,
    /// Largest picture stored, in MiB (as the server's --max-upload-mib).
    #[arg(long, env = "NEWSDESK_MAX_UPLOAD_MIB", default_value_t = 10)]
    pub max_upload_mib: u64,
    /// Largest attachment stored, in MiB (as the server's --max-attachment-mib).
    #[arg(long, env = "NEWSDESK_MAX_ATTACHMENT_MIB", default_value_t = 50)]
    pub max_attachment_mib: u64,
    /// Do not fetch pictures and files the pages link to on other sites (left as links, reported).
    #[arg(long)]
    pub no_remote: bool,
    /// Let fetching reach loopback and private addresses: for tests serving files from this
    /// machine only.
    #[arg(long, env = "NEWSDESK_REMOTE_IMAGES_ALLOW_PRIVATE", hide = true)]
    pub remote_images_allow_private: bool,
}

/// `newsdesk crawl`.
#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Where to start: list pages (列表页) or sitemap.xml files (or sitemap indexes). Links are
    /// followed on the site of each (scheme, host and port) and nowhere else.
    #[arg(required = true)]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Slug of the channel the articles go to (the default channel 要闻 `news` is created if missing).
    #[arg(long, env = "NEWSDESK_CHANNEL", default_value = "news")]
    pub channel: String,
    /// Links followed at most this far from a start URL.
    #[arg(long, default_value_t = 3)]
    pub depth: u32,
    /// Pages requested per site in this run at most; run the command again to continue.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pages: u64,
    /// Milliseconds between two requests to the site (robots.txt's Crawl-delay wins when longer).
    #[arg(long, default_value_t = 500)]
    pub delay_ms: u64,
    /// Crawl and read every page and write the report, but store nothing (no articles, no
    /// uploads, no crawl state).
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write the JSON report of the run. By default
    /// `import-reports/crawl-YYYYMMDD-HHMMSS.mmm.json` in the data folder, and for a dry run
    /// `crawl-report-YYYYMMDD-HHMMSS.mmm-dry-run.json` in the current folder.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The site's uploads bucket, if it has one: pictures and files of the pages go there.
    #[command(flatten)]
    pub uploads: UploadsArgs,
    /// Largest picture stored, in MiB (as the server's --max-upload-mib).
    #[arg(long, env = "NEWSDESK_MAX_UPLOAD_MIB", default_value_t = 10)]
    pub max_upload_mib: u64,
    /// Largest attachment stored, in MiB (as the server's --max-attachment-mib).
    #[arg(long, env = "NEWSDESK_MAX_ATTACHMENT_MIB", default_value_t = 50)]
    pub max_attachment_mib: u64,
    /// Let fetching pictures and files of other hosts reach loopback and private addresses: for
    /// tests serving files from this machine only. (The crawled site itself is reached wherever
    /// it is: the operator named it.)
    #[arg(long, env = "NEWSDESK_REMOTE_IMAGES_ALLOW_PRIVATE", hide = true)]
    pub remote_images_allow_private: bool,
}

impl ServeArgs {
    /// The server configuration these flags describe.
    pub fn config(&self) -> ServeConfig {
        ServeConfig {
            data_dir: self.data.data_dir.clone(),
            database_url: self.data.database_url.clone(),
            theme_dir: self.theme_dir.clone(),
            view_dedupe: (self.view_dedupe_minutes > 0)
                .then(|| Duration::from_secs(self.view_dedupe_minutes * 60)),
            demo: !self.no_demo,
            max_upload_bytes: self.max_upload_mib.saturating_mul(1024 * 1024),
            uploads_url: self.uploads.uploads_url.clone(),
            uploads_s3_options: Vec::new(),
            max_attachment_bytes: self.max_attachment_mib.saturating_mul(1024 * 1024),
            remote_images_allow_private: self.remote_images_allow_private,
            wechat: match (&self.wechat_appid, &self.wechat_secret) {
                (Some(app_id), Some(app_secret)) => Some(WeChatConfig {
                    app_id: app_id.clone(),
                    app_secret: app_secret.clone(),
                    api_base: self.wechat_api_base.clone(),
                }),
                _ => None,
            },
            sitemap_max_urls: crate::web::seo::SITEMAP_MAX_URLS,
            page_cache_bytes: self.page_cache_mib.saturating_mul(1024 * 1024),
            article_cache_bytes: self.article_cache_mib.saturating_mul(1024 * 1024),
            trusted_proxies: self.trusted_proxies.clone(),
            connections: crate::web::server::ConnectionLimits {
                max_connections: self
                    .max_connections
                    .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
                ..Default::default()
            },
            site_push: crate::site_push::PushTiming::default(),
        }
    }
}

/// Runs `newsdesk serve` until SIGINT or SIGTERM.
pub async fn run_serve(args: &ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    crate::serve(listener, args.config(), crate::shutdown_signal()).await
}

/// Runs `newsdesk import`; returns the process exit code (1 if any file failed).
pub async fn run_import(args: &ImportArgs) -> anyhow::Result<i32> {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S%.3f");
    let report_path = match &args.report {
        Some(path) => path.clone(),
        // A dry run leaves the site's folder alone.
        None if args.dry_run => PathBuf::from(format!("import-report-{stamp}-dry-run.json")),
        None => {
            let dir = args.data.data_dir.join(import::REPORTS_DIR);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            dir.join(format!("import-{stamp}.json"))
        }
    };
    // WordPress exports (named on the command line) are read as posts, everything else as pages.
    let (exports, files): (Vec<PathBuf>, Vec<PathBuf>) = import::collect_files(&args.paths)?
        .into_iter()
        .partition(|f| import::wordpress::is_export(f));
    let report = if args.dry_run {
        // Nothing is created: the site's time zone comes from an existing database, if any.
        let tz = match store::open_existing(&args.data.database()).await {
            Ok(store) => store.site_settings().await?.tz(),
            Err(_) => crate::domain::SiteSettings::default().tz(),
        };
        let mut report = import::dry_run(&files, &args.channel, tz);
        report.merge(import::dry_run_exports(&exports, &args.channel, tz));
        if let Some(source) = dedecms_source(args) {
            report.merge(import::dedecms::dry_run(&source, tz).await);
        }
        report
    } else {
        import_for_real(args, &files, &exports).await?
    };
    let json = serde_json::to_vec_pretty(&report).context("writing the import report")?;
    std::fs::write(&report_path, json)
        .with_context(|| format!("writing the import report {}", report_path.display()))?;
    eprint!("{}", report.human());
    eprintln!("report: {}", report_path.display());
    Ok(if report.summary.failed > 0 { 1 } else { 0 })
}

async fn import_for_real(
    args: &ImportArgs,
    files: &[PathBuf],
    exports: &[PathBuf],
) -> anyhow::Result<import::ImportReport> {
    let store = store::open_for_bulk_writes(&args.data.database()).await?;
    // A DedeCMS site alone brings its own channels: the default one is not needed.
    let channel_needed = !files.is_empty() || !exports.is_empty() || args.dedecms.is_none();
    if channel_needed {
        ensure_channel(store.as_ref(), &args.channel).await?;
    }
    let tz = store.site_settings().await?.tz();
    let uploads = crate::uploads::UploadStore::open(
        &args.data.data_dir,
        args.uploads.uploads_url.as_deref(),
        &[],
    )?;
    uploads.check().await?;
    let fetcher = if args.no_remote {
        None
    } else {
        Some(
            // The old site the operator named is fetched wherever it is (often an intranet
            // address); other hosts stay guarded.
            crate::remote::RemoteFetcher::trusting(
                args.remote_images_allow_private,
                old_site_origins(args),
            )
            .context("building the remote fetcher")?,
        )
    };
    let index = SearchIndex::open_or_rebuild(&args.data.data_dir, store.as_ref()).await?;
    let articles = Articles::new(store.clone(), Arc::new(index));
    let options = import::BatchOptions {
        channel_slug: &args.channel,
        tz,
        media: Some(import::media::MediaContext {
            store: store.as_ref(),
            files: &uploads,
            fetcher: fetcher.as_ref(),
            max_image_bytes: args.max_upload_mib.saturating_mul(1024 * 1024),
            max_attachment_bytes: args.max_attachment_mib.saturating_mul(1024 * 1024),
        }),
    };
    let mut report = import::import_batch(&articles, files, &args.paths, &options).await;
    report.merge(import::import_exports(&articles, exports, &options).await);
    if let Some(source) = dedecms_source(args) {
        report.merge(import::dedecms::import_site(&articles, &source, &options).await);
    }
    Ok(report)
}

/// Runs `newsdesk crawl`; returns the process exit code (1 if any page was refused).
pub async fn run_crawl(args: &CrawlArgs) -> anyhow::Result<i32> {
    let starts = args
        .urls
        .iter()
        .map(|u| {
            let url = url::Url::parse(u.trim())
                .with_context(|| format!("{u:?} is not a URL (expected http://… or https://…)"))?;
            anyhow::ensure!(
                matches!(url.scheme(), "http" | "https") && url.host().is_some(),
                "{u:?}: only http and https sites are crawled"
            );
            Ok(url)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S%.3f");
    let report_path = match &args.report {
        Some(path) => path.clone(),
        None if args.dry_run => PathBuf::from(format!("crawl-report-{stamp}-dry-run.json")),
        None => {
            let dir = args.data.data_dir.join(import::REPORTS_DIR);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            dir.join(format!("crawl-{stamp}.json"))
        }
    };
    let options = import::crawl::CrawlOptions {
        starts,
        depth: args.depth,
        max_pages: usize::try_from(args.max_pages).unwrap_or(usize::MAX),
        delay: Duration::from_millis(args.delay_ms),
        state_dir: args.data.data_dir.join(import::crawl::STATE_DIR),
        dry_run: args.dry_run,
    };
    let report = if args.dry_run {
        let tz = match store::open_existing(&args.data.database()).await {
            Ok(store) => store.site_settings().await?.tz(),
            Err(_) => crate::domain::SiteSettings::default().tz(),
        };
        let batch = import::BatchOptions {
            channel_slug: &args.channel,
            tz,
            media: None,
        };
        import::crawl::crawl(None, &options, &batch).await
    } else {
        let store = store::open_for_bulk_writes(&args.data.database()).await?;
        ensure_channel(store.as_ref(), &args.channel).await?;
        let tz = store.site_settings().await?.tz();
        let uploads = crate::uploads::UploadStore::open(
            &args.data.data_dir,
            args.uploads.uploads_url.as_deref(),
            &[],
        )?;
        uploads.check().await?;
        // The sites named here (scheme, host and port) are fetched from wherever they are; any
        // other, another port of the same host included, stays guarded.
        let origins = options.starts.iter().map(url::Url::origin).collect();
        let fetcher =
            crate::remote::RemoteFetcher::trusting(args.remote_images_allow_private, origins)
                .context("building the remote fetcher")?;
        let index = SearchIndex::open_or_rebuild(&args.data.data_dir, store.as_ref()).await?;
        let articles = Articles::new(store.clone(), Arc::new(index));
        let batch = import::BatchOptions {
            channel_slug: &args.channel,
            tz,
            media: Some(import::media::MediaContext {
                store: store.as_ref(),
                files: &uploads,
                fetcher: Some(&fetcher),
                max_image_bytes: args.max_upload_mib.saturating_mul(1024 * 1024),
                max_attachment_bytes: args.max_attachment_mib.saturating_mul(1024 * 1024),
            }),
        };
        import::crawl::crawl(Some(&articles), &options, &batch).await
    };
    // Written even when the run stopped on a local error: what it did is kept.
    let (report, stopped) = report;
    let json = serde_json::to_vec_pretty(&report).context("writing the crawl report")?;
    std::fs::write(&report_path, json)
        .with_context(|| format!("writing the crawl report {}", report_path.display()))?;
    eprint!("{}", report.human());
    for site in &report.crawl {
        eprint!("{}", site.human());
    }
    eprintln!("report: {}", report_path.display());
    stopped?;
    Ok(if report.summary.failed > 0 { 1 } else { 0 })
}

/// Checks that the channel articles go to exists; the default channel 要闻 `news` is created.
async fn ensure_channel(store: &dyn store::Store, channel: &str) -> anyhow::Result<()> {
    match store.channel_by_slug(channel).await {
        Ok(_) => {}
        Err(StoreError::NotFound) if channel == "news" => {
            store.upsert_channel("要闻", "news", 0).await?;
        }
        Err(StoreError::NotFound) => {
            let known: Vec<String> = store
                .list_channels()
                .await?
                .into_iter()
                .map(|c| c.slug)
                .collect();
            anyhow::bail!(
                "no channel with slug {:?}; existing channels: {}",
                channel,
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            );
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// The origin of `--old-site-url` (scheme, host, port), trusted by the import's remote fetcher.
fn old_site_origins(args: &ImportArgs) -> Vec<url::Origin> {
    args.old_site_url
        .as_deref()
        .and_then(|u| url::Url::parse(u.trim()).ok())
        .map(|u| u.origin())
        .into_iter()
        .collect()
}

/// What `--dedecms` and its flags name.
fn dedecms_source(args: &ImportArgs) -> Option<import::dedecms::DedeSource> {
    Some(import::dedecms::DedeSource {
        url: args.dedecms.clone()?,
        table_prefix: args.table_prefix.clone(),
        old_site_url: args.old_site_url.clone(),
        old_site_root: args.old_site_root.clone(),
        page_rows: None,
    })
}

/// A progress bar on stderr when it is a terminal, hidden otherwise (logs, CI).
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(len)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Runs `newsdesk reindex`: rebuilds the search index from the store.
pub async fn run_reindex(args: &ReindexArgs) -> anyhow::Result<()> {
    let store = store::open_existing(&args.data.database()).await?;
    rebuild_index(store.as_ref(), &args.data.data_dir).await
}

/// Runs `newsdesk reextract`: every article's derived rows (targets, results, document facts)
/// computed anew from its text with the editors' corrections applied, article by article, beside
/// a running server (whose cached pages go out of date with each write).
pub async fn run_reextract(args: &ReindexArgs) -> anyhow::Result<()> {
    /// Ids read at a time.
    const PAGE: u32 = 500;
    let store = store::open_existing(&args.data.database()).await?;
    let total = store.count_articles().await?;
    let bar = progress_bar(u64::try_from(total).unwrap_or(0));
    let started = std::time::Instant::now();
    let (mut after, mut done, mut failed) = (0, 0_u64, 0_u64);
    loop {
        let ids = store.article_ids(after, PAGE).await?;
        let Some(&last) = ids.last() else { break };
        for id in ids {
            // One article refused (a body over the limits) does not stop the others.
            if let Err(e) = crate::content::rederive(store.as_ref(), id).await {
                failed += 1;
                eprintln!("article {id}: {e:#}");
            }
            done += 1;
            bar.set_position(done);
        }
        after = last;
    }
    bar.finish_and_clear();
    eprintln!(
        "re-extracted {} article(s) in {:.1} s{}",
        done - failed,
        started.elapsed().as_secs_f64(),
        if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        }
    );
    if failed > 0 {
        anyhow::bail!("{failed} article(s) could not be re-extracted");
    }
    Ok(())
}

/// Rebuilds the index in `data` from `store` with a progress bar.
async fn rebuild_index(store: &dyn store::Store, data: &std::path::Path) -> anyhow::Result<()> {
    let total = store.count_indexable().await?;
    let path = data.join(crate::search::INDEX_DIR);
    let index = SearchIndex::create_empty(&path)?;
    let bar = progress_bar(u64::try_from(total).unwrap_or(0));
    let started = std::time::Instant::now();
    let n = index.rebuild(store, |done| bar.set_position(done)).await?;
    bar.finish_and_clear();
    eprintln!(
        "indexed {n} article(s) in {:.1} s into {}",
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(())
}

/// Ids (with slugs) shown for each kind of difference `newsdesk check` finds.
const CHECK_EXAMPLES: usize = 10;

/// Runs `newsdesk check`; returns the exit code: 0 when the index is in step with the database
/// (or was repaired), 1 when it differs and `--repair` was not given.
pub async fn run_check(args: &CheckArgs) -> anyhow::Result<i32> {
    use crate::search::DiffError;
    let data = &args.data_dir;
    let store =
        store::open_existing(&store::Database::new(data, args.database_url.as_deref())).await?;
    let path = data.join(crate::search::INDEX_DIR);
    let started = std::time::Instant::now();
    let opened = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || SearchIndex::open_existing(&path))
            .await
            .context("opening the index")?
    };
    let reason = match opened {
        Ok(Some(index)) => match index.analyzer_mismatch() {
            None => match index.diff(store.as_ref()).await {
                Ok(diff) => {
                    println!(
                        "database: {} article(s) to index; search index: {} document(s) \
                         (compared in {} ms)",
                        diff.stored,
                        diff.indexed,
                        started.elapsed().as_millis()
                    );
                    return check_diff(store.as_ref(), &index, &diff, args.repair).await;
                }
                Err(DiffError::Store(e)) => return Err(e.into()),
                Err(e @ DiffError::Index(_)) => format!("{:#}", anyhow::Error::from(e)),
            },
            Some(reason) => reason,
        },
        Ok(None) => "there is none".into(),
        Err(e) => format!("it cannot be read: {e:#}"),
    };
    println!("search index {}: {reason}", path.display());
    if !args.repair {
        println!("`newsdesk check --repair` rebuilds it from the database");
        return Ok(1);
    }
    rebuild_index(store.as_ref(), data).await?;
    Ok(0)
}

/// Reports `diff` and, with `repair`, applies it.
async fn check_diff(
    store: &dyn store::Store,
    index: &SearchIndex,
    diff: &crate::search::IndexDiff,
    repair: bool,
) -> anyhow::Result<i32> {
    if diff.is_empty() {
        println!("the search index is in step with the database");
        return Ok(0);
    }
    // Slugs from the store for missing and stale articles, from the index for extra documents.
    let from_store = |ids: Vec<i64>| async move {
        let mut named = Vec::with_capacity(ids.len());
        for id in ids {
            let slug = store.article_by_id(id).await.map(|a| a.slug).ok();
            named.push((id, slug.unwrap_or_else(|| "?".into())));
        }
        named
    };
    let first = |pairs: &[(i64, i64)]| -> Vec<i64> {
        pairs.iter().take(CHECK_EXAMPLES).map(|p| p.0).collect()
    };
    let missing = from_store(first(&diff.missing)).await;
    let stale = from_store(first(&diff.stale)).await;
    let extra_ids: Vec<i64> = diff.extra.iter().take(CHECK_EXAMPLES).copied().collect();
    let extra = index.indexed_slugs(&extra_ids)?;
    for (what, total, examples) in [
        ("missing", diff.missing.len(), missing),
        ("stale", diff.stale.len(), stale),
        ("extra", diff.extra.len(), extra),
    ] {
        print!("{what}: {total}");
        if !examples.is_empty() {
            let named: Vec<String> = examples
                .iter()
                .map(|(id, slug)| format!("{id} {slug}"))
                .collect();
            print!(" (e.g. {}", named.join(", "));
            if total > examples.len() {
                print!(", and {} more", total - examples.len());
            }
            print!(")");
        }
        println!();
    }
    if !repair {
        println!("`newsdesk check --repair` brings the index in step");
        return Ok(1);
    }
    let bar = progress_bar(diff.len() as u64);
    let started = std::time::Instant::now();
    index
        .repair(store, diff, |done| bar.set_position(done))
        .await?;
    bar.finish_and_clear();
    println!(
        "repaired in {:.1} s: {} article(s) re-indexed, {} document(s) removed",
        started.elapsed().as_secs_f64(),
        diff.missing.len() + diff.stale.len(),
        diff.extra.len()
    );
    Ok(0)
}

/// Runs `newsdesk gen-corpus`.
pub async fn run_gen_corpus(args: &GenCorpusArgs) -> anyhow::Result<()> {
    let generator = crate::corpus::Generator::new(args.seed);
    let bar = progress_bar(args.count);
    let started = std::time::Instant::now();
    if let Some(out) = &args.out_dir {
        generator.write_pages(out, args.count, |n| bar.set_position(n))?;
        bar.finish_and_clear();
        eprintln!(
            "wrote {} page(s) to {} in {:.1} s; import them with `newsdesk import {}`",
            args.count,
            out.display(),
            started.elapsed().as_secs_f64(),
            out.display()
        );
        return Ok(());
    }
    let data = &args.data.data_dir;
    let store = store::open_for_bulk_writes(&args.data.database()).await?;
    generator
        .write_store(store.as_ref(), args.count, |n| bar.set_position(n))
        .await?;
    bar.finish_and_clear();
    eprintln!(
        "stored {} article(s) in {:.1} s; indexing",
        args.count,
        started.elapsed().as_secs_f64()
    );
    // The bulk path: one rebuild rather than a commit per article.
    let index = SearchIndex::open_or_rebuild(data, store.as_ref()).await?;
    eprintln!("search index holds {} article(s)", index.num_docs());
    Ok(())
}

/// `newsdesk user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a random password is printed, once.
    Add(UserAddArgs),
    /// Set a new password (from stdin with --password-stdin, else generated and printed once);
    /// the account's sessions end.
    Passwd(UserPasswdArgs),
    /// List accounts.
    List(UserListArgs),
    /// Disable an account: it can no longer sign in or use its API tokens; its sessions end.
    Disable(UserNameArgs),
    /// Enable a disabled account again.
    Enable(UserNameArgs),
}

/// `newsdesk user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name (letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// `admin` (everything), `chief` (主编: approves and publishes), `editor` (articles and
    /// images; publishes unless review is required) or `contributor` (投稿人: writes and submits).
    #[arg(long, value_parser = ["admin", "chief", "editor", "contributor"])]
    pub role: String,
    /// Read the password from the first line of stdin instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

/// `newsdesk user passwd`.
#[derive(Debug, Args)]
pub struct UserPasswdArgs {
    /// Login name.
    pub name: String,
    /// Read the password from the first line of stdin instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

/// `newsdesk user list`.
#[derive(Debug, Args)]
pub struct UserListArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

/// `newsdesk user disable` / `enable`.
#[derive(Debug, Args)]
pub struct UserNameArgs {
    /// Login name.
    pub name: String,
    #[command(flatten)]
    pub data: DataArgs,
}

/// The password from stdin's first line, or a generated one (and whether it was generated).
fn password_from(stdin: bool) -> anyhow::Result<(String, bool)> {
    if !stdin {
        return Ok((crate::auth::generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    crate::auth::check_password(&password).map_err(anyhow::Error::msg)?;
    Ok((password, false))
}

/// Who the audit log names for account changes made with `newsdesk user`.
const CLI_USER: &str = "（命令行）";

/// The audit line of an account change made on the command line (no address: none came in).
async fn cli_audit(
    store: &dyn store::Store,
    action: crate::domain::AuditAction,
    user: &crate::domain::User,
    detail: String,
) -> anyhow::Result<()> {
    let mut event = store::AuditEvent::new(None, action)
        .subject("user", Some(user.id), &user.name)
        .detail(detail);
    event.user_name = CLI_USER.into();
    store.insert_audit(&event).await?;
    Ok(())
}

/// Runs `newsdesk user …`.
pub async fn run_user(command: &UserCommand) -> anyhow::Result<()> {
    use crate::domain::Role;
    match command {
        UserCommand::Add(args) => {
            let role = Role::parse(&args.role)
                .context("role must be contributor, editor, chief or admin")?;
            let (password, generated) = password_from(args.password_stdin)?;
            let store = store::open(&args.data.database()).await?;
            let user =
                crate::auth::create_user(store.as_ref(), &args.name, role, &password).await?;
            cli_audit(
                store.as_ref(),
                crate::domain::AuditAction::CreateUser,
                &user,
                format!("角色：{}", user.role.label()),
            )
            .await?;
            eprintln!("created {} {:?}", user.role.as_str(), user.name);
            if generated {
                println!("password: {password}");
                eprintln!("(shown only now; sign in at /admin/login)");
            }
        }
        UserCommand::Passwd(args) => {
            let (password, generated) = password_from(args.password_stdin)?;
            let store = store::open_existing(&args.data.database()).await?;
            let user = user_named(store.as_ref(), &args.name).await?;
            let hash = crate::auth::hash_password(&password).await?;
            store.set_password(user.id, &hash).await?;
            cli_audit(
                store.as_ref(),
                crate::domain::AuditAction::ResetPassword,
                &user,
                "登录、API 令牌与设备记录已全部失效".into(),
            )
            .await?;
            eprintln!(
                "password of {:?} changed; its sessions have ended",
                user.name
            );
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List(args) => {
            let store = store::open_existing(&args.data.database()).await?;
            for u in store.list_users().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.name,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    u.created_at.format("%Y-%m-%d %H:%M UTC")
                );
            }
        }
        UserCommand::Disable(args) | UserCommand::Enable(args) => {
            let disable = matches!(command, UserCommand::Disable(_));
            let store = store::open_existing(&args.data.database()).await?;
            let user = user_named(store.as_ref(), &args.name).await?;
            store.set_user_disabled(user.id, disable).await?;
            let action = if disable {
                crate::domain::AuditAction::DisableUser
            } else {
                crate::domain::AuditAction::EnableUser
            };
            cli_audit(store.as_ref(), action, &user, String::new()).await?;
            eprintln!(
                "{} {:?}",
                if disable { "disabled" } else { "enabled" },
                user.name
            );
        }
    }
    Ok(())
}

async fn user_named(store: &dyn store::Store, name: &str) -> anyhow::Result<crate::domain::User> {
    match store.user_credentials(name).await {
        Ok(c) => Ok(c.user),
        Err(StoreError::NotFound) => anyhow::bail!("no user named {name:?}"),
        Err(e) => Err(e.into()),
    }
}
