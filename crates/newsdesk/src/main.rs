//! The `newsdesk` binary: parse the command line, set up logging, run the command.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use newsdesk::cli::{Cli, Command, run_gen_corpus, run_import, run_reindex, run_serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files or CI output.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Serve(args) => run_serve(args).await.map(|()| 0),
        Command::Import(args) => run_import(args).await,
        Command::Crawl(args) => newsdesk::cli::run_crawl(args).await,
        Command::User(command) => newsdesk::cli::run_user(command).await.map(|()| 0),
        Command::Reindex(args) => run_reindex(args).await.map(|()| 0),
        Command::Reextract(args) => newsdesk::cli::run_reextract(args).await.map(|()| 0),
        Command::Check(args) => newsdesk::cli::run_check(args).await,
        Command::GenCorpus(args) => run_gen_corpus(args).await.map(|()| 0),
        Command::Targets(args) => newsdesk::cli::run_targets(args),
        Command::Backup(args) => newsdesk::cli::run_backup(args).await.map(|()| 0),
        Command::Restore(args) => newsdesk::cli::run_restore(args).await.map(|()| 0),
        Command::MigrateStore(args) => newsdesk::cli::run_migrate_store(args).await.map(|()| 0),
    };
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
