//! The `newsdesk` command line: `serve` and `import`. Each flag can also be set by a `NEWSDESK_*`
//! environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::ServeConfig;
use crate::import;
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
}

/// Where the data lives.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data folder (database, index, uploads); created if missing.
    #[arg(long = "data", env = "NEWSDESK_DATA", default_value = "./data")]
    pub data_dir: PathBuf,
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
}

/// `newsdesk import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Slug of the channel the articles go to (the default channel 要闻 `news` is created if missing).
    #[arg(long, env = "NEWSDESK_CHANNEL", default_value = "news")]
    pub channel: String,
}

impl ServeArgs {
    /// The server configuration these flags describe.
    pub fn config(&self) -> ServeConfig {
        ServeConfig {
            data_dir: self.data.data_dir.clone(),
            theme_dir: self.theme_dir.clone(),
            view_dedupe: (self.view_dedupe_minutes > 0)
                .then(|| Duration::from_secs(self.view_dedupe_minutes * 60)),
            demo: !self.no_demo,
            wechat: match (&self.wechat_appid, &self.wechat_secret) {
                (Some(app_id), Some(app_secret)) => Some(WeChatConfig {
                    app_id: app_id.clone(),
                    app_secret: app_secret.clone(),
                    api_base: self.wechat_api_base.clone(),
                }),
                _ => None,
            },
            sitemap_max_urls: crate::web::seo::SITEMAP_MAX_URLS,
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
    let store = store::open(&args.data.data_dir).await?;
    match store.channel_by_slug(&args.channel).await {
        Ok(_) => {}
        Err(StoreError::NotFound) if args.channel == "news" => {
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
                args.channel,
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            );
        }
        Err(e) => return Err(e.into()),
    }
    let tz = store.site_settings().await?.tz();
    let files = import::collect_files(&args.paths)?;
    let summary = import::import_batch(store.as_ref(), &files, &args.channel, tz).await;
    eprintln!(
        "imported {} file(s): {} new, {} updated, {} failed",
        summary.created + summary.updated,
        summary.created,
        summary.updated,
        summary.failed
    );
    Ok(if summary.failed > 0 { 1 } else { 0 })
}
