//! `newsdesk backup` / `restore` against a running server, the clean-stop checkpoint, and commands
//! that refuse a folder holding no site.

use std::path::Path;
use std::process::{Command, Output};

use reqwest::StatusCode;

use crate::support::{TestApp, article_link};

fn newsdesk(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn seed_path(app: &TestApp) -> String {
    let (_, home) = app.page("/").await;
    article_link(&home, "合肥").expect("the seed article on the home page")
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_working_site() {
    if crate::support::on_postgres() {
        eprintln!(
            "skipped on PostgreSQL: `newsdesk backup` archives SQLite sites (pg_dump otherwise)"
        );
        return;
    }
    let app = TestApp::start().await;
    let seed = seed_path(&app).await;
    // An upload, as the newsroom stores them.
    let uploads = app.data_path().join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    std::fs::write(uploads.join("0123456789abcdef_1x1.png"), b"png bytes").unwrap();

    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("site.tar.gz");
    let out = newsdesk(&["backup", archive.to_str().unwrap()], app.data_path());
    assert!(out.status.success(), "{}", stderr(&out));
    // That one and the demo's covers with their variants.
    let uploaded = std::fs::read_dir(&uploads).unwrap().count();
    assert!(
        stderr(&out).contains(&format!("{uploaded} upload(s)")),
        "{}",
        stderr(&out)
    );
    // The server went on serving while the backup ran.
    assert_eq!(app.get(&seed).await.status(), StatusCode::OK);
    // A second backup to the same name is refused rather than overwriting the first.
    let again = newsdesk(&["backup", archive.to_str().unwrap()], app.data_path());
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );

    let restored = tempfile::tempdir().unwrap();
    let out = newsdesk(&["restore", archive.to_str().unwrap()], restored.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        restored
            .path()
            .join("uploads/0123456789abcdef_1x1.png")
            .is_file()
    );

    // Restoring over a site is refused and leaves it as it was.
    let out = newsdesk(&["restore", archive.to_str().unwrap()], app.data_path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));

    // A server on the restored folder shows the same article and finds it by search.
    app.stop().await;
    let app = TestApp::builder().data(restored).start().await;
    assert_eq!(app.get(&seed).await.status(), StatusCode::OK);
    let r = app.get("/search?q=%E5%90%88%E8%82%A5").await;
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&seed),
        "search on the restored site finds the seed article"
    );
    app.stop().await;
}

#[tokio::test]
async fn after_a_clean_stop_the_database_file_alone_holds_everything() {
    if crate::support::on_postgres() {
        eprintln!(
            "skipped on PostgreSQL: `newsdesk backup` archives SQLite sites (pg_dump otherwise)"
        );
        return;
    }
    let app = TestApp::start().await;
    let seed = seed_path(&app).await;
    let data = app.stop().await;
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(
        data.path().join("newsdesk.db"),
        copy.path().join("newsdesk.db"),
    )
    .unwrap();
    let out = newsdesk(&["user", "list"], copy.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin"));
    let app = TestApp::builder().data(copy).start().await;
    assert_eq!(app.get(&seed).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn commands_on_a_folder_without_a_site_refuse_instead_of_creating_one() {
    let empty = tempfile::tempdir().unwrap();
    for args in [&["user", "list"][..], &["reindex"], &["backup", "x.tar"]] {
        let out = newsdesk(args, empty.path());
        assert!(
            !out.status.success(),
            "{args:?} succeeded on an empty folder"
        );
        assert!(
            stderr(&out).contains("holds no newsdesk database"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(!empty.path().join("newsdesk.db").exists());
    // A database file without newsdesk's tables (a copy taken mid-write) is refused too.
    std::fs::write(empty.path().join("newsdesk.db"), b"").unwrap();
    let out = newsdesk(&["user", "list"], empty.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("holds no newsdesk database"));
    // An archive that is not ours is refused by name.
    let junk = empty.path().join("junk.tar");
    std::fs::write(&junk, b"not a tar file at all").unwrap();
    let out = newsdesk(
        &["restore", junk.to_str().unwrap()],
        &empty.path().join("new"),
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("junk.tar"), "{}", stderr(&out));
}
