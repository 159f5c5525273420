//! The `newsdesk import` command, run as the real binary against real SQLite files.

use std::path::{Path, PathBuf};

use newsdesk::domain::PageRequest;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn newsdesk(data: &Path, args: &[&str]) -> std::process::Output {
    crate::support::newsdesk_command(data)
        .arg("import")
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk")
}

#[tokio::test]
async fn importing_the_same_page_twice_keeps_one_article() {
    let data = tempfile::tempdir().unwrap();
    let seed = fixtures().join("good/seed-article-hefei-nev-2024.txt");
    let seed = seed.to_str().unwrap();

    let first = newsdesk(data.path(), &[seed]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stderr).contains("1 new, 0 updated, 0 failed"));

    // The same page again, from another path: not a second article (and, being the same, not
    // even a write: reported unchanged).
    let copy = data.path().join("copy.txt");
    std::fs::copy(seed, &copy).unwrap();
    let second = newsdesk(data.path(), &[copy.to_str().unwrap()]);
    assert!(second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("0 new, 0 updated, 0 failed, 1 unchanged")
    );

    let store = crate::support::open_store_at(data.path()).await;
    assert_eq!(store.count_articles().await.unwrap(), 1);
    let listed = store
        .list_published(
            None,
            PageRequest {
                page: 1,
                per_page: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        listed.items[0].title,
        "合肥丨携手打造新能源与智能网联汽车世界级产业集群"
    );
}

#[tokio::test]
async fn malformed_files_are_refused_one_line_each_and_the_rest_imported() {
    let data = tempfile::tempdir().unwrap();
    let batch = data.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    for entry in std::fs::read_dir(fixtures().join("bad")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        // image.png is named explicitly below: folders only take .txt/.html/.htm files.
        if name != "image.png" {
            std::fs::copy(entry.path(), batch.join(&name)).unwrap();
        }
    }
    std::fs::copy(
        fixtures().join("good/seed-article-hefei-nev-2024.txt"),
        batch.join("seed.txt"),
    )
    .unwrap();
    // A huge file is made here rather than kept in the repository.
    let huge = batch.join("huge.txt");
    std::fs::write(&huge, vec![b'x'; 17 * 1024 * 1024]).unwrap();
    let png = fixtures().join("bad/image.png");

    let out = newsdesk(
        data.path(),
        &[batch.to_str().unwrap(), png.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file makes the exit code non-zero"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expect = [
        ("empty.txt", "the file is empty"),
        ("image.png", "binary file"),
        ("no-date.txt", "no publish time found"),
        ("no-headline.txt", "no headline found"),
        ("huge.txt", "over the limit"),
    ];
    for (file, reason) in expect {
        let lines: Vec<_> = stderr.lines().filter(|l| l.contains(file)).collect();
        assert_eq!(lines.len(), 1, "{file}: {stderr}");
        assert!(lines[0].contains(reason), "{file}: {}", lines[0]);
    }
    // Damaged UTF-8 is read, its bad bytes replaced (and reported with the page), not refused.
    // (It is named once, under the summary, with its lost bytes: not as a refused `file: reason`.)
    assert!(!stderr.contains("invalid-utf8.txt:"), "{stderr}");
    assert!(
        stderr.contains("invalid-utf8.txt [UTF-8 (detected)], lost:"),
        "{stderr}"
    );
    assert!(stderr.contains("2 new, 0 updated, 5 failed"), "{stderr}");

    let store = crate::support::open_store_at(data.path()).await;
    assert_eq!(store.count_articles().await.unwrap(), 2);
}

#[test]
fn unknown_channel_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let seed = fixtures().join("good/seed-article-hefei-nev-2024.txt");
    let out = newsdesk(data.path(), &["--channel", "nope", seed.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no channel with slug \"nope\""));
}

#[test]
fn help_never_shows_a_password_given_in_the_environment() {
    let data = tempfile::tempdir().unwrap();
    for (command, var) in [
        ("import", "NEWSDESK_DEDECMS_URL"),
        ("import", "NEWSDESK_DATABASE_URL"),
        ("serve", "NEWSDESK_DATABASE_URL"),
    ] {
        let out = crate::support::newsdesk_command(data.path())
            .args([command, "--help"])
            .env(var, "mysql://dede:s3cret-word@db.example/dedecms")
            .output()
            .expect("run newsdesk");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command} --help failed");
        assert!(help.contains(var), "{command} --help does not name {var}");
        assert!(
            !help.contains("s3cret-word"),
            "{command} --help shows {var}'s value:\n{help}"
        );
    }
}
