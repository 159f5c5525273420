//! `newsdesk import` against hostile files, run as the real binary: each bad file is refused with
//! one line naming it and the cause, the exit code is 1 (not an abort), and the good files of the
//! same batch are stored.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SEED: &str = "tests/fixtures/good/seed-article-hefei-nev-2024.txt";

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)
}

/// Runs `newsdesk import --data DATA PATHS…`. A guard against hangs only (a FIFO that blocks the
/// importer forever): the process is killed and the test fails after 5 minutes.
fn import(data: &Path, paths: &[&Path]) -> Output {
    let mut child = crate::support::newsdesk_command(data)
        .arg("import")
        .arg("--data")
        .arg(data)
        .args(paths)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run newsdesk import");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(300) {
            child.kill().unwrap();
            panic!(
                "newsdesk import hung: {:?}",
                child.wait_with_output().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// An HTML page with a headline, a date and `middle` as its body.
fn html_page(title: &str, middle: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>\
         <p>2024-03-01 09:30</p><div>正文开始。</div>{middle}</body></html>"
    )
}

/// The stderr line that names `file`; exactly one must.
fn line_for<'a>(stderr: &'a str, file: &str) -> &'a str {
    let lines: Vec<_> = stderr.lines().filter(|l| l.contains(file)).collect();
    assert_eq!(lines.len(), 1, "{file}: {stderr}");
    lines[0]
}

async fn stored_titles(data: &Path) -> Vec<String> {
    let store = crate::support::open_store_at(data).await;
    let listed = store
        .list_published(
            None,
            newsdesk::domain::PageRequest {
                page: 1,
                per_page: 100,
            },
        )
        .await
        .unwrap();
    let mut titles: Vec<_> = listed.items.into_iter().map(|a| a.title).collect();
    titles.sort();
    titles
}

/// The attacker's reproductions: each used to abort the importer with a stack overflow (exit 134)
/// or keep it busy for minutes, losing the batch. Good files sort before and after them.
#[tokio::test]
async fn deep_and_absurd_html_is_refused_per_file_and_the_batch_is_stored() {
    let data = tempfile::tempdir().unwrap();
    let batch = data.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    std::fs::copy(seed(), batch.join("a-seed.txt")).unwrap();
    let attrs: String = (0..100_000).map(|i| format!(" a{i}=1")).collect();
    let bad = [
        (
            "b-bold-italic.html",
            "<b><i>".repeat(50_000),
            "nested more than",
        ),
        ("c-span.html", "<span>".repeat(100_000), "nested more than"),
        (
            "d-table.html",
            "<table><tr><td>".repeat(100_000),
            "nested more than",
        ),
        ("e-div.html", "<div>".repeat(65_536), "nested more than"),
        (
            "f-attributes.html",
            format!("<div{attrs}>x</div>"),
            "a <div> tag at line 1 has more than 256 attributes",
        ),
    ];
    for (name, middle, _) in &bad {
        std::fs::write(batch.join(name), html_page(name, middle)).unwrap();
    }
    // 3 MB of `&amp;` in one paragraph: the sanitizer's serializer would take minutes on it.
    let amps = html_page("实体", &format!("<p>{}</p>", "&amp;".repeat(600_000)));
    std::fs::write(batch.join("g-entities.html"), amps).unwrap();
    // A 15.9 MB text page: over the page limit, refused before it is read.
    let line = "合肥市新能源汽车产业集群建设取得积极进展，全年产量突破一百万辆。\n";
    let big = format!(
        "大文本\n2024/02/08 10:21\n{}",
        line.repeat(15_900_000 / line.len())
    );
    std::fs::write(batch.join("h-big.txt"), big).unwrap();
    std::fs::write(
        batch.join("z-last.html"),
        html_page("最后一篇", "<p>批次末尾的正文。</p>"),
    )
    .unwrap();

    let out = import(data.path(), &[&batch]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for (name, _, reason) in &bad {
        let line = line_for(&stderr, name);
        assert!(line.contains("the HTML is refused"), "{line}");
        assert!(line.contains(reason), "{line}");
    }
    assert!(
        line_for(&stderr, "g-entities.html").contains("rendering it would take minutes"),
        "{stderr}"
    );
    assert!(
        line_for(&stderr, "h-big.txt").contains("over the limit of 4194304 bytes"),
        "{stderr}"
    );
    assert!(stderr.contains("2 new, 0 updated, 7 failed"), "{stderr}");
    assert_eq!(
        stored_titles(data.path()).await,
        vec![
            "合肥丨携手打造新能源与智能网联汽车世界级产业集群".to_string(),
            "最后一篇".to_string()
        ]
    );
}

/// Large but flat pages are imported: 2 MiB of mixed entities, a 3.9 MB text page.
#[tokio::test]
async fn entity_heavy_and_long_pages_are_imported() {
    let data = tempfile::tempdir().unwrap();
    let entities = data.path().join("entities.html");
    let amp = "&amp;&#x4e2d;&nbsp;&lt;".repeat(2 * 1024 * 1024 / 23);
    std::fs::write(&entities, html_page("实体", &format!("<p>{amp}</p>"))).unwrap();
    let long = data.path().join("long.txt");
    let line = "合肥市新能源汽车产业集群建设取得积极进展，全年产量突破一百万辆。\n";
    let body = line.repeat(3_900_000 / line.len());
    std::fs::write(&long, format!("长文\n2024/02/08 10:21\n{body}")).unwrap();

    let out = import(data.path(), &[&entities, &long]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 new, 0 updated, 0 failed"), "{stderr}");
    assert_eq!(stored_titles(data.path()).await, vec!["实体", "长文"]);
}

/// Only regular files are read: a symlink to /dev/zero used to be read until memory ran out, a
/// FIFO blocked forever. A symlink to a regular file is fine.
#[tokio::test]
async fn devices_and_fifos_are_refused_and_symlinks_to_files_read() {
    let data = tempfile::tempdir().unwrap();
    let batch = data.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    std::os::unix::fs::symlink("/dev/zero", batch.join("zero.txt")).unwrap();
    let fifo = batch.join("pipe.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink(seed(), batch.join("seed-link.txt")).unwrap();
    // Named on the command line too, not only found in a folder.
    let fifo2 = data.path().join("pipe2.html");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo2)
            .status()
            .unwrap()
            .success()
    );

    let out = import(data.path(), &[&batch, &fifo2]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        line_for(&stderr, "zero.txt").contains("this is a character device, not a regular file"),
        "{stderr}"
    );
    for name in ["pipe.txt", "pipe2.html"] {
        assert!(
            line_for(&stderr, name).contains("this is a FIFO (named pipe), not a regular file"),
            "{stderr}"
        );
    }
    assert!(stderr.contains("1 new, 0 updated, 3 failed"), "{stderr}");
    assert_eq!(
        stored_titles(data.path()).await,
        vec!["合肥丨携手打造新能源与智能网联汽车世界级产业集群"]
    );
}

/// Old Mac files end lines with a lone CR; they used to be refused as "no publish time found".
#[tokio::test]
async fn cr_only_files_are_imported() {
    let data = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(seed())
        .unwrap()
        .replace("\r\n", "\n");
    let cr = data.path().join("mac.txt");
    std::fs::write(&cr, text.replace('\n', "\r")).unwrap();

    let out = import(data.path(), &[&cr]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("1 new, 0 updated, 0 failed"), "{stderr}");
    assert_eq!(
        stored_titles(data.path()).await,
        vec!["合肥丨携手打造新能源与智能网联汽车世界级产业集群"]
    );
}
