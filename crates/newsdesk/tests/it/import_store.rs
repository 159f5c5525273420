//! Issue 15, the storing side of an import: origin facts (责任编辑, a notice's 发布机构 / 文号 /
//! 成文日期) on the article page, old paths answering 301 (and not for a trashed article, nor over
//! a real route), pictures and files of a page stored like uploads (beside the page or fetched
//! from a local HTTP server the test starts) with the ones that cannot be kept in the report,
//! re-imports reported unchanged, and `--dry-run` writing nothing. Pages are read by the reader
//! from small HTML, then given by hand what the reader will fill (pictures, files, origin facts),
//! so this side is tested on its own. Runs on SQLite and PostgreSQL.

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use newsdesk::content::Articles;
use newsdesk::domain::{ArticleOrigin, PageRequest};
use newsdesk::import::media::MediaContext;
use newsdesk::import::{self, BatchOptions, LinkedFile, ParsedItem};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use crate::support::{TestApp, attr, database_of, newsdesk_command, texts};

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
/// Another file (the same bytes would be one attachment, content-addressed).
const LOCAL_PDF: &[u8] = b"%PDF-1.4\n% local\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The old site's files, served from 127.0.0.1.
struct OldSite {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl OldSite {
    async fn start() -> Self {
        use axum::http::StatusCode as S;
        use axum::routing::get;
        let app = axum::Router::new()
            .route(
                "/uploads/remote.png",
                get(|| async { ([(CONTENT_TYPE, "image/png")], png(640, 320)) }),
            )
            .route(
                "/files/plan.pdf",
                get(|| async { ([(CONTENT_TYPE, "application/pdf")], PDF.to_vec()) }),
            )
            .route("/files/gone.pdf", get(|| async { S::NOT_FOUND }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, task }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for OldSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A small page the reader reads today.
fn page_html(title: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>{title}</title></head><body>\
         <h1>{title}</h1><div class=info><span>来源:市政府办公室</span> <span>2024-03-01 09:30</span></div>\
         <div class=content><p>第一段正文。</p><p>第二段正文。</p></div></body></html>"
    )
}

#[tokio::test]
async fn origin_facts_show_on_the_article_page_and_old_paths_redirect() {
    let app = TestApp::start().await;
    let store = app.open_store().await;
    let list = store
        .list_published(
            None,
            PageRequest {
                page: 1,
                per_page: 2,
            },
        )
        .await
        .unwrap();
    let (first, second) = (&list.items[0], &list.items[1]);

    // A third handle reads the database's own content version, as another node would.
    let watcher = app.open_store().await;
    watcher.sync_content_version().await.unwrap();
    let origin = ArticleOrigin {
        editor: Some("王敏".into()),
        notice_issuer: Some("合肥市人民政府办公室".into()),
        notice_number: Some("合政办〔2024〕3号".into()),
        notice_written_on: chrono::NaiveDate::from_ymd_opt(2024, 2, 26),
        source_url: Some("http://www.old.gov.cn/plus/view.php?aid=123".into()),
    };
    store.set_article_origin(first.id, &origin).await.unwrap();
    assert_eq!(store.article_origin(first.id).await.unwrap(), origin);
    assert!(
        watcher.sync_content_version().await.unwrap(),
        "an origin write moves the content version (cached pages show it)"
    );
    // The same facts again write nothing.
    store.set_article_origin(first.id, &origin).await.unwrap();
    assert!(!watcher.sync_content_version().await.unwrap());
    assert!(matches!(
        store.set_article_origin(999_999, &origin).await,
        Err(newsdesk::store::StoreError::NotFound)
    ));

    let (status, doc) = app.page(&format!("/articles/{}", first.slug)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, ".notice-issuer"), ["合肥市人民政府办公室"]);
    assert_eq!(texts(&doc, ".notice-number"), ["合政办〔2024〕3号"]);
    assert_eq!(texts(&doc, ".notice-written"), ["2024年2月26日"]);
    assert_eq!(
        attr(&doc, ".notice-written time", "datetime").as_deref(),
        Some("2024-02-26")
    );
    assert_eq!(texts(&doc, ".article-editor"), ["（责任编辑：王敏）"]);
    // An article without origin facts shows neither block.
    let (_, doc) = app.page(&format!("/articles/{}", second.slug)).await;
    assert!(texts(&doc, ".notice-facts").is_empty());
    assert!(texts(&doc, ".article-editor").is_empty());

    // Old paths: DedeCMS's dynamic URL keeps its query; a Chinese path meets its escaped request.
    assert!(
        store
            .add_redirect("http://www.old.gov.cn/plus/view.php?aid=123", first.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .add_redirect("https://old.gov.cn/新闻/2024/通知.html", first.id)
            .await
            .unwrap()
    );
    assert!(
        !store
            .add_redirect("http://old.gov.cn/", first.id)
            .await
            .unwrap()
    );
    let to_first = format!("/articles/{}", first.slug);
    for path in [
        "/plus/view.php?aid=123",
        "/%E6%96%B0%E9%97%BB/2024/%E9%80%9A%E7%9F%A5.html",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY, "{path}");
        assert_eq!(r.headers()[LOCATION], to_first.as_str(), "{path}");
        let r = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY, "HEAD {path}");
    }
    let r = app
        .client
        .post(app.url("/plus/view.php?aid=123"))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::MOVED_PERMANENTLY);
    for path in [
        "/plus/view.php?aid=124",
        "/plus/view.php",
        "/nothing-here.html",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(r.text().await.unwrap().contains("页面不存在"), "{path}");
    }
    // A later import of the same old path leads to the newer article.
    store
        .add_redirect("http://www.old.gov.cn/plus/view.php?aid=123", second.id)
        .await
        .unwrap();
    let r = app.get("/plus/view.php?aid=123").await;
    assert_eq!(
        r.headers()[LOCATION],
        format!("/articles/{}", second.slug).as_str()
    );
    // A real route is never shadowed by an old path that happens to equal it.
    store
        .add_redirect("/search?q=合肥", first.id)
        .await
        .unwrap();
    let r = app.get("/search?q=%E5%90%88%E8%82%A5").await;
    assert_eq!(r.status(), StatusCode::OK);
    // A trashed article has no redirect.
    store.set_article_trashed(first.id, true).await.unwrap();
    let r = app
        .get("/%E6%96%B0%E9%97%BB/2024/%E9%80%9A%E7%9F%A5.html")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        store.redirect_for("/新闻/2024/通知.html").await.unwrap(),
        None
    );
    app.stop().await;
}

/// A page read by the reader, then given by hand what the reader is to fill.
fn parsed(dir: &Path, old: &OldSite, channel: &str) -> ParsedItem {
    let path = dir.join("news/2024/notice.html");
    std::fs::write(&path, page_html("关于印发实施方案的通知")).unwrap();
    let mut page = import::parse_page(page_html("关于印发实施方案的通知").as_bytes(), TZ).unwrap();
    page.editor = Some("王敏".into());
    page.notice.issuer = Some("合肥市人民政府办公室".into());
    page.notice.number = Some("合政办〔2024〕3号".into());
    page.source_url = Some("http://www.old.gov.cn/a/2024/0301/123.html".into());
    page.encoding = "GBK (declared)".into();
    page.lost = vec!["a video (<video src=clip.mp4>) has no place in the article".into()];
    let remote_png = old.url("/uploads/remote.png");
    page.images = vec![
        "pic.jpg".into(),
        remote_png.clone(),
        "missing.jpg".into(),
        "../../../secret.jpg".into(),
    ];
    page.attachments = vec![
        LinkedFile {
            href: old.url("/files/plan.pdf"),
            name: "附件1：实施方案".into(),
        },
        LinkedFile {
            href: "files/local.pdf".into(),
            name: "附件2：名单.pdf".into(),
        },
        LinkedFile {
            href: old.url("/files/gone.pdf"),
            name: "附件3：旧文件".into(),
        },
    ];
    let mut input = import::to_article(&page, channel, TZ);
    // The body as the reader writes it (see ParsedPage::images / ::attachments).
    input.body_source = format!(
        "第一段正文。\n\n![现场](pic.jpg)\n\n![远程]({remote_png})\n\n![缺](missing.jpg)\n\n\
         ![外](../../../secret.jpg)\n\n[附件1：实施方案]({})\n\n[附件2：名单.pdf](files/local.pdf)\n\n\
         [附件3：旧文件]({})\n",
        old.url("/files/plan.pdf"),
        old.url("/files/gone.pdf")
    );
    input.body_html =
        newsdesk::render::body_html(newsdesk::domain::BodyFormat::Markdown, &input.body_source);
    ParsedItem {
        path,
        base_url: None,
        page,
        input,
    }
}

#[tokio::test]
async fn pictures_and_files_of_a_page_become_ours_and_the_rest_is_reported() {
    let old = OldSite::start().await;
    let app = TestApp::start().await;
    let fixtures = tempfile::tempdir().unwrap();
    let root = fixtures.path().join("site");
    std::fs::create_dir_all(root.join("news/2024/files")).unwrap();
    std::fs::write(root.join("news/2024/pic.jpg"), jpeg(1200, 800)).unwrap();
    std::fs::write(root.join("news/2024/files/local.pdf"), LOCAL_PDF).unwrap();
    // Beside the import folder, not in it: never read.
    std::fs::write(fixtures.path().join("secret.jpg"), jpeg(10, 10)).unwrap();

    let store = app.open_store().await;
    let channel = store.list_channels().await.unwrap()[0].slug.clone();
    let index_dir = tempfile::tempdir().unwrap();
    let index = newsdesk::search::SearchIndex::open_or_rebuild(index_dir.path(), store.as_ref())
        .await
        .unwrap();
    let articles = Articles::new(store.clone(), Arc::new(index));
    let files = newsdesk::uploads::UploadStore::open(app.data_path(), None, &[]).unwrap();
    let fetcher = newsdesk::remote::RemoteFetcher::new(true).unwrap();
    let options = BatchOptions {
        channel_slug: &channel,
        tz: TZ,
        media: Some(MediaContext {
            store: store.as_ref(),
            files: &files,
            fetcher: Some(&fetcher),
            max_image_bytes: 10 << 20,
            max_attachment_bytes: 50 << 20,
        }),
    };
    let roots: Vec<PathBuf> = vec![root.clone()];
    let report = import::import_parsed(
        &articles,
        vec![parsed(&root, &old, &channel)],
        &roots,
        &options,
    )
    .await;
    assert_eq!(report.summary.created, 1, "{report:#?}");
    let page = &report.pages[0];
    assert_eq!(page.outcome, "created");
    assert_eq!(page.encoding, "GBK (declared)");
    assert_eq!(page.redirect_from.as_deref(), Some("/a/2024/0301/123.html"));
    assert_eq!(page.images.len(), 2, "{page:#?}");
    assert_eq!(page.attachments.len(), 2, "{page:#?}");
    // What could not be kept is named in the report, with the reader's own lost parts.
    let lost = page.lost.join("\n");
    for part in [
        "video",
        "missing.jpg",
        "secret.jpg",
        "outside the import folder",
        "gone.pdf",
        "HTTP 404",
    ] {
        assert!(lost.contains(part), "{part} not in {lost}");
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["pages"][0]["lost"].as_array().unwrap().len(), 4);
    let human = report.human();
    assert!(
        human.contains("GBK (declared)") && human.contains("missing.jpg"),
        "{human}"
    );

    // Over HTTP: pictures from our uploads, the files listed and downloadable, the old URL.
    let url = page.url.clone().unwrap();
    let (status, doc) = app.page(&url).await;
    assert_eq!(status, StatusCode::OK);
    let srcs: Vec<String> = {
        let sel = scraper::Selector::parse(".article-body img").unwrap();
        doc.select(&sel)
            .filter_map(|e| e.value().attr("src").map(str::to_string))
            .collect()
    };
    assert_eq!(srcs.len(), 4, "{srcs:?}");
    assert!(
        srcs[0].starts_with("/uploads/") && srcs[0].ends_with("_1200x800.jpg"),
        "{srcs:?}"
    );
    assert!(
        srcs[1].starts_with("/uploads/") && srcs[1].ends_with("_640x320.png"),
        "{srcs:?}"
    );
    // Left as the page wrote them.
    assert_eq!(srcs[2], "missing.jpg");
    for src in &srcs[..2] {
        let r = app.get(src).await;
        assert_eq!(r.status(), StatusCode::OK, "{src}");
        assert!(
            r.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("image/")
        );
    }
    // A variant was made, as for an upload.
    let variant = srcs[0].replace(".jpg", "-960.jpg");
    assert_eq!(
        app.get(&variant).await.status(),
        StatusCode::OK,
        "{variant}"
    );
    assert_eq!(texts(&doc, ".article-editor"), ["（责任编辑：王敏）"]);
    assert_eq!(texts(&doc, ".notice-number"), ["合政办〔2024〕3号"]);

    let listed = texts(&doc, ".attachments li a");
    assert_eq!(listed, ["附件1：实施方案.pdf", "附件2：名单.pdf"]);
    let hrefs: Vec<String> = {
        let sel = scraper::Selector::parse(".attachments li a").unwrap();
        doc.select(&sel)
            .filter_map(|e| e.value().attr("href").map(str::to_string))
            .collect()
    };
    for (href, bytes) in hrefs.iter().zip([PDF, LOCAL_PDF]) {
        let r = app.get(href).await;
        assert_eq!(r.status(), StatusCode::OK, "{href}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), bytes);
    }
    // The body links the stored file; the unreachable one stays a link to where it was.
    let body_links: Vec<String> = {
        let sel = scraper::Selector::parse(".article-body a").unwrap();
        doc.select(&sel)
            .filter_map(|e| e.value().attr("href").map(str::to_string))
            .collect()
    };
    assert!(body_links.contains(&hrefs[0]), "{body_links:?}");
    assert!(
        body_links.contains(&old.url("/files/gone.pdf")),
        "{body_links:?}"
    );

    let r = app.get("/a/2024/0301/123.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()[LOCATION], url.as_str());

    // The same page again: nothing to write.
    let again = import::import_parsed(
        &articles,
        vec![parsed(&root, &old, &channel)],
        &roots,
        &options,
    )
    .await;
    assert_eq!(again.summary.unchanged, 1, "{again:#?}");
    assert_eq!(again.pages[0].url.as_deref(), Some(url.as_str()));

    // Trashed, its old path is a 404.
    let slug = url.trim_start_matches("/articles/");
    let article = store.published_article(slug).await.unwrap();
    assert_eq!(
        store.article_attachments(article.id).await.unwrap().len(),
        2
    );
    store.set_article_trashed(article.id, true).await.unwrap();
    let r = app.get("/a/2024/0301/123.html").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_dry_run_writes_nothing_but_the_report_and_a_real_run_reports_each_page() {
    let fixtures = tempfile::tempdir().unwrap();
    let pages = fixtures.path().join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    std::fs::write(pages.join("a.html"), page_html("光伏装机再创新高")).unwrap();
    std::fs::write(
        pages.join("b.html"),
        "<html><body><p>没有标题和日期</p></body></html>",
    )
    .unwrap();
    let data = fixtures.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let report_file = fixtures.path().join("dry.json");
    let out = newsdesk_command(&data)
        .args(["import", "--dry-run", "--report"])
        .arg(&report_file)
        .arg("--data")
        .arg(&data)
        .arg(&pages)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("dry run") && stderr.contains("1 failed"),
        "{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["pages"][0]["outcome"], "parsed");
    assert_eq!(report["pages"][1]["outcome"], "refused");
    assert!(report["pages"][1]["reason"].as_str().unwrap().len() > 5);
    // Nothing written: no database file, no uploads, no search index.
    let left: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(
        left.iter().all(|n| n == "test-database-url"),
        "the dry run wrote {left:?}"
    );
    // Nor a schema in the (PostgreSQL runs: freshly created, empty) database.
    assert!(
        newsdesk::store::open_existing(&database_of(&data))
            .await
            .is_err()
    );

    // For real, twice: created, then unchanged.
    for expected in ["created", "unchanged"] {
        let report_file = fixtures.path().join(format!("{expected}.json"));
        let out = newsdesk_command(&data)
            .args(["import", "--report"])
            .arg(&report_file)
            .arg("--data")
            .arg(&data)
            .arg(pages.join("a.html"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
        assert_eq!(report["pages"][0]["outcome"], expected, "{report:#}");
    }
}
