//! Issue 15: a WordPress export (WXR 1.2, `tests/fixtures/import/wordpress/export.xml`) imported
//! with `newsdesk import`, then read over HTTP: posts under channels made from their categories,
//! tags listing them, 作者 from the author's display name, the publish time, a table's rows, a
//! picture fetched from the old site (a local server here) and served from our uploads, 浏览量
//! from the post's meta, the old permalink answering 301, the draft not public, the page in the
//! channel 页面, and every item in the report. Runs on SQLite and PostgreSQL.

use std::net::SocketAddr;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use crate::support::{TestApp, attr, newsdesk_command, texts};

const PDF: &[u8] = b"%PDF-1.4\n% plan\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

fn png() -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(400, 200);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The old WordPress site's uploads, served from 127.0.0.1.
struct OldSite {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl OldSite {
    async fn start() -> Self {
        use axum::routing::get;
        let app = axum::Router::new()
            .route(
                "/wp-content/uploads/2024/03/hydrogen-station.png",
                get(|| async { ([(CONTENT_TYPE, "image/png")], png()) }),
            )
            .route(
                "/wp-content/uploads/2024/03/plan.pdf",
                get(|| async { ([(CONTENT_TYPE, "application/pdf")], PDF.to_vec()) }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, task }
    }
}

impl Drop for OldSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wordpress_export_becomes_channels_tags_articles_and_redirects() {
    let old = OldSite::start().await;
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/wordpress/export.xml");
    // The uploads' addresses point at the local server; the permalinks stay as they were.
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export.xml");
    let xml = std::fs::read_to_string(&fixture).unwrap().replace(
        "http://old-wp.example.cn/wp-content/",
        &format!("http://{}/wp-content/", old.addr),
    );
    std::fs::write(&export, xml).unwrap();

    let data = tempfile::tempdir().unwrap();
    let report_file = work.path().join("report.json");
    let out = newsdesk_command(data.path())
        .args(["import", "--remote-images-allow-private", "--report"])
        .arg(&report_file)
        .arg("--data")
        .arg(data.path())
        .arg(&export)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk import");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("4 new, 0 updated, 0 failed"), "{stderr}");
    assert!(stderr.contains("1 item(s) skipped"), "{stderr}");

    // Every item is in the report, named after the export and its id.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    let pages = report["pages"].as_array().unwrap();
    let outcome_of = |name: &str| {
        let entry = pages
            .iter()
            .find(|p| p["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} in {report:#}"));
        entry["outcome"].as_str().unwrap().to_string()
    };
    for name in [
        "export.xml#post-101",
        "export.xml#post-102",
        "export.xml#post-103",
        "export.xml#page-2",
    ] {
        assert_eq!(outcome_of(name), "created", "{name}");
    }
    assert_eq!(outcome_of("export.xml#attachment-201"), "skipped");
    assert_eq!(pages.len(), 5);
    assert_eq!(report["summary"]["skipped"], 1);

    let app = TestApp::builder()
        .data(data)
        .config(|c| c.demo = false)
        .start()
        .await;

    // The old permalink of the first post leads to its article.
    let r = app.get("/2024/03/01/pv-record/").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let pv = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(pv.starts_with("/articles/"), "{pv}");
    let (status, doc) = app.page(&pv).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), ["安徽光伏装机容量再创新高"]);
    assert_eq!(texts(&doc, ".author"), ["作者:李明"]);
    let shown = texts(&doc, "time").join(" ");
    assert!(shown.contains("2024") && shown.contains("09:30"), "{shown}");
    // 2345 from the post's `views` meta, and this reader.
    assert_eq!(texts(&doc, ".views-count"), ["2346"]);
    let rows = texts(&doc, ".article-body table tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        texts(&doc, ".article-body table td")[..3],
        ["合肥", "120", "+18%"]
    );
    assert!(
        doc.html().contains("分布式光伏占新增装机的六成以上"),
        "the paragraph after the table is kept"
    );
    let description = attr(&doc, "meta[name=description]", "content").unwrap_or_default();
    assert!(description.contains("突破三千万千瓦"), "{description}");

    // The second post: its picture fetched from the old site and served from our uploads, its
    // PDF an attachment that downloads.
    let r = app.get("/2024/03/05/hydrogen-plan/").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let plan = r.headers()[LOCATION].to_str().unwrap().to_string();
    let (_, doc) = app.page(&plan).await;
    assert_eq!(texts(&doc, "h1"), ["氢能产业发展行动方案解读"]);
    assert_eq!(texts(&doc, ".views-count"), ["513"]);
    let src = attr(&doc, ".article-body img[alt='加氢站']", "src").expect("the picture");
    assert!(src.starts_with("/uploads/"), "{src} {report:#}");
    let r = app.get(&src).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    let pdf = attr(&doc, "a[href^='/attachments/']", "href").expect("the attachment link");
    assert_eq!(app.get(&pdf).await.bytes().await.unwrap().to_vec(), PDF);

    // Categories are channels, tags list their posts.
    let (status, energy) = app.page("/channels/energy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&energy, "h1").join("").contains("能源动态"));
    let energy = energy.html();
    assert!(energy.contains("安徽光伏装机容量再创新高"));
    assert!(!energy.contains("储能电站调研"), "the draft is not listed");
    let (_, policy) = app.page("/channels/policy").await;
    assert!(policy.html().contains("氢能产业发展行动方案解读"));
    let (status, tag) = app.page(&format!("/tags/{}", urlencode("光伏"))).await;
    assert_eq!(status, StatusCode::OK);
    let tag = tag.html();
    assert!(tag.contains("安徽光伏装机容量再创新高") && tag.contains("氢能产业发展行动方案解读"));
    let (_, tag) = app.page(&format!("/tags/{}", urlencode("氢能"))).await;
    assert!(!tag.html().contains("安徽光伏装机容量再创新高"));

    // The page is an article of the channel 页面, its old address kept too.
    let r = app.get("/about/").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let (_, pages_channel) = app.page("/channels/pages").await;
    assert!(texts(&pages_channel, "h1").join("").contains("页面"));
    assert!(pages_channel.html().contains("关于我们"));

    // The draft is stored but not public, nor found.
    let (_, found) = app
        .page(&format!("/search?q={}", urlencode("储能电站调研")))
        .await;
    assert!(!found.html().contains("调研提纲"));
    let store = app.open_store().await;
    let draft = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"].as_str().unwrap().ends_with("#post-103"))
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get(&draft).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let slug = draft.trim_start_matches("/articles/");
    assert!(store.published_article(slug).await.is_err());
    app.stop().await;
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `--dry-run` reads the export and stores nothing; `--no-remote` leaves the old site's picture
/// and file as they were, each named in the report; importing again changes nothing published.
#[tokio::test]
async fn a_wordpress_export_dry_run_and_without_remote_files() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import/wordpress/export.xml");
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], report: &std::path::Path| {
        let out = newsdesk_command(data.path())
            .arg("import")
            .args(extra)
            .arg("--report")
            .arg(report)
            .arg("--data")
            .arg(data.path())
            .arg(&fixture)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run newsdesk import");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
        (stderr, report)
    };
    let (stderr, report) = run(&["--dry-run"], &work.path().join("dry.json"));
    assert!(
        stderr.contains("dry run, nothing written: read 4 file(s)"),
        "{stderr}"
    );
    assert_eq!(report["pages"].as_array().unwrap().len(), 5);
    assert!(
        newsdesk::store::open_existing(&crate::support::database_of(data.path()))
            .await
            .is_err(),
        "a dry run creates no database"
    );

    let (stderr, report) = run(&["--no-remote"], &work.path().join("first.json"));
    assert!(stderr.contains("4 new, 0 updated, 0 failed"), "{stderr}");
    let plan = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"].as_str().unwrap().ends_with("#post-102"))
        .unwrap()
        .to_string();
    assert!(
        plan.contains("hydrogen-station.png: left as it was") && plan.contains("plan.pdf"),
        "{plan}"
    );
    let (stderr, _) = run(&["--no-remote"], &work.path().join("again.json"));
    // The three published items are unchanged; the draft is written again (only published
    // articles are compared).
    assert!(
        stderr.contains("0 new, 1 updated, 0 failed, 3 unchanged"),
        "{stderr}"
    );
}
