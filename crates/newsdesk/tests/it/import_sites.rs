//! A moved site end to end: the fixture folder of pages as other systems saved them (a GBK
//! DedeCMS page, a PHPCMS page with a BOM, a saved WeChat article, a government notice with its
//! attachments, an undeclared Big5 page) imported with `newsdesk import`, then read over HTTP as
//! readers and search engines would: pictures from our uploads, table rows, attachments that
//! download, 浏览量 carried over, 责任编辑 and the notice's facts shown, and old addresses that
//! answer 301.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::{TestApp, attr, newsdesk_command, texts};

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

#[tokio::test]
async fn a_moved_site_keeps_pictures_tables_files_counts_and_old_addresses() {
    let data = tempfile::tempdir().unwrap();
    let report_file = data.path().join("report.json");
    // No network here: remote pictures are reported, not fetched.
    let out = newsdesk_command(data.path())
        .args(["import", "--no-remote", "--report"])
        .arg(&report_file)
        .arg("--data")
        .arg(data.path())
        .arg(fixtures())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk import");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("5 new, 0 updated, 0 failed"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    let pages = report["pages"].as_array().unwrap();
    let page_of = |file: &str| {
        pages
            .iter()
            .find(|p| p.to_string().contains(file))
            .unwrap_or_else(|| panic!("{file} in {report:#}"))
            .clone()
    };
    let dede = page_of("dedecms-gbk.html").to_string();
    assert!(dede.contains("GBK (declared)"), "{dede}");
    assert!(
        dede.contains("old.example.cn/uploads/allimg/240208/2.jpg"),
        "the remote picture left as it was is reported: {dede}"
    );
    let gov = page_of("gov-notice.html").to_string();
    assert!(
        gov.contains("申报表"),
        "the unreachable attachment is reported: {gov}"
    );
    assert!(page_of("big5.html").to_string().contains("Big5 (detected)"));

    let app = TestApp::builder()
        .data(data)
        .config(|c| c.demo = false)
        .start()
        .await;

    // The DedeCMS page's old address leads to its new one.
    let r = app.get("/a/2024/0208/123.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let article = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(article.starts_with("/articles/"), "{article}");
    let (status, doc) = app.page(&article).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), ["合肥新能源汽车产量突破七十万辆"]);
    // 1287 carried over from the old page's 点击, and this reader.
    assert_eq!(texts(&doc, ".views-count"), ["1288"]);
    assert!(
        doc.html().contains("责任编辑：王敏"),
        "the editor is named under the text"
    );
    // The table keeps its rows and cells.
    let rows = texts(&doc, ".article-body table tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        texts(&doc, ".article-body table tr:nth-child(2) td").len(),
        4
    );
    // The picture beside the page is ours now, and loads.
    let src = attr(&doc, ".article-body img[alt='生产线']", "src").expect("the picture");
    assert!(src.starts_with("/uploads/"), "{src}");
    let r = app.get(&src).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );

    // The government notice: its facts, and its attachment downloads.
    let (_, found) = app.page("/search?q=新能源汽车产业发展行动方案").await;
    let link = attr(&found, "a[href^='/articles/']", "href").expect("the notice is found");
    let (_, notice) = app.page(&link).await;
    let facts = texts(&notice, ".notice-facts").join(" ");
    assert!(facts.contains("合肥市人民政府办公室"), "{facts}");
    let pdf = attr(&notice, "a[href^='/attachments/']", "href").expect("the attachment link");
    let r = app.get(&pdf).await;
    assert_eq!(r.status(), StatusCode::OK);
    let expected = std::fs::read(fixtures().join("files/notice-attachment.pdf")).unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), expected);
    app.stop().await;
}
