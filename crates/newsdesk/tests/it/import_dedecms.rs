//! Issue 15: a DedeCMS site imported from its MariaDB database with `newsdesk import --dedecms`.
//! Each test creates its own database on the MariaDB server at `NEWSDESK_TEST_MARIADB` (default:
//! the one `.ci/mariadb` starts), loads DedeCMS 5.7's tables (`tests/fixtures/import/dedecms/
//! schema.sql`) and rows of its own, runs the real binary, then reads the public pages of the real
//! server: channels and their parent, a table's rows, the body's picture from the old site's root
//! and the cover from its address (a local server), 浏览量 from `click`, 头条 from flag h, the
//! unreviewed article not public, old static and dynamic addresses (of articles and of the
//! channels' list pages) answering 301, and a second run adding nothing. Skipped with a message
//! when MariaDB is unreachable, unless `NEWSDESK_REQUIRE_MARIADB=1` (CI). Runs on SQLite and
//! PostgreSQL.

use std::net::SocketAddr;
use std::path::Path;

use chrono::TimeZone;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use sqlx::Connection;

use crate::support::{TestApp, attr, newsdesk_command, texts};

const SCHEMA: &str = include_str!("../fixtures/import/dedecms/schema.sql");

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(w, h);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A database of its own on the test server, with the fixture's tables in `charset`; `None`
/// (the test skips) when the server is unreachable and not required.
async fn dede_database(charset: &str) -> Option<(String, String)> {
    let admin = std::env::var("NEWSDESK_TEST_MARIADB")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:33069/".to_string());
    let mut conn = match sqlx::MySqlConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(e) if std::env::var("NEWSDESK_REQUIRE_MARIADB").as_deref() == Ok("1") => {
            panic!("NEWSDESK_REQUIRE_MARIADB=1 but MariaDB at {admin} is unreachable: {e}")
        }
        Err(e) => {
            eprintln!("skipped: no MariaDB at {admin} ({e}); start one with .ci/mariadb");
            return None;
        }
    };
    let name = format!(
        "newsdesk_dede_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    sqlx::query(&format!("CREATE DATABASE {name} CHARACTER SET {charset}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    let url = format!("{}/{name}", admin.trim_end_matches('/'));
    let mut db = sqlx::MySqlConnection::connect(&url).await.unwrap();
    let schema = SCHEMA.replace("CHARSET=utf8;", &format!("CHARSET={charset};"));
    for statement in statements(&schema) {
        sqlx::query(&statement).execute(&mut db).await.unwrap();
    }
    db.close().await.ok();
    Some((url, name))
}

/// The SQL statements of a script: `;` at a line's end ends one; `--` lines are comments.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

async fn drop_database(url: &str, name: &str) {
    if let Ok(mut conn) = sqlx::MySqlConnection::connect(url).await {
        let _ = sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&mut conn)
            .await;
    }
}

/// Unix seconds of a time in Beijing.
fn beijing(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .timestamp()
}

const TABLE_BODY: &str = "<p>　　2024年全市新能源汽车产量再创新高。</p>\
    <table border=\"1\"><tr><td>城市</td><td>产量（万辆）</td><td>增长</td></tr>\
    <tr><td>合肥</td><td>120</td><td>+18%</td></tr>\
    <tr><td>芜湖</td><td>60</td><td>+9%</td></tr></table>\
    <p><img src=\"/uploads/allimg/240208/1-24020Q01234.png\" alt=\"生产线\" /></p>\
    <p>整车企业和零部件企业协同发展。</p>";

/// id, typeid, flag, arcrank, click, title, writer, source, litpic, time, keywords, description.
type ArchiveRow<'a> = (
    i64,
    i64,
    Option<&'a str>,
    i64,
    i64,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    i64,
    &'a str,
    &'a str,
);

/// Two channels (国内 under 新闻中心) and four articles: a table and a picture; 1287 clicks,
/// flag h and a cover; unreviewed (arcrank -1); in the recycle bin (arcrank -2).
async fn load_rows(url: &str) {
    let mut db = sqlx::MySqlConnection::connect(url).await.unwrap();
    let q = |sql: &'static str| sqlx::query(sql);
    q("INSERT INTO dede_arctype (id, reid, topid, sortrank, typename, typedir, namerule, description) \
       VALUES (1, 0, 0, 1, '新闻中心', '{cmspath}/a/news', '{typedir}/{Y}{M}{D}/{aid}.html', '本地新闻'), \
              (2, 1, 1, 2, '国内新闻', '{cmspath}/a/news/guonei', '', '')")
    .execute(&mut db)
    .await
    .unwrap();
    let archive = "INSERT INTO dede_archives (id, typeid, flag, channel, arcrank, click, title, \
        writer, source, litpic, pubdate, senddate, keywords, description) \
        VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let rows: [ArchiveRow<'_>; 4] = [
        (
            123,
            1,
            Some("c,p"),
            0,
            35,
            "合肥新能源汽车产量突破百万辆",
            "李明",
            "合肥日报",
            "",
            beijing(2024, 2, 8, 10, 21),
            "新能源,汽车",
            "",
        ),
        (
            124,
            2,
            Some("h"),
            0,
            1287,
            "全国充电基础设施建设提速",
            "王芳",
            "新华社",
            "/uploads/allimg/240209/cover-lit.png",
            beijing(2024, 2, 9, 8, 0),
            "充电桩",
            "全国充电桩数量同比增长五成。",
        ),
        (
            125,
            2,
            None,
            -1,
            0,
            "储能电站调研提纲（待审）",
            "",
            "",
            "",
            beijing(2024, 2, 10, 9, 0),
            "",
            "",
        ),
        (
            126,
            1,
            None,
            -2,
            3,
            "已删除的旧稿",
            "",
            "",
            "",
            beijing(2024, 2, 11, 9, 0),
            "",
            "",
        ),
    ];
    for (id, typeid, flag, arcrank, click, title, writer, source, litpic, time, kw, desc) in rows {
        sqlx::query(archive)
            .bind(id)
            .bind(typeid)
            .bind(flag)
            .bind(arcrank)
            .bind(click)
            .bind(title)
            .bind(writer)
            .bind(source)
            .bind(litpic)
            .bind(time)
            .bind(time)
            .bind(kw)
            .bind(desc)
            .execute(&mut db)
            .await
            .unwrap();
    }
    let bodies = [
        (123, 1, TABLE_BODY),
        (
            124,
            2,
            "<p>截至1月底，全国充电基础设施累计数量同比增长五成。</p>",
        ),
        (125, 2, "<p>调研提纲：一、储能电站运行情况。</p>"),
        (126, 1, "<p>旧稿。</p>"),
    ];
    for (aid, typeid, body) in bodies {
        sqlx::query("INSERT INTO dede_addonarticle (aid, typeid, body) VALUES (?, ?, ?)")
            .bind(aid)
            .bind(typeid)
            .bind(body)
            .execute(&mut db)
            .await
            .unwrap();
    }
    db.close().await.ok();
}

/// The old site's address, serving the cover picture from 127.0.0.1.
struct OldSite {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl OldSite {
    async fn start() -> Self {
        use axum::routing::get;
        let app = axum::Router::new().route(
            "/uploads/allimg/240209/cover-lit.png",
            get(|| async { ([(CONTENT_TYPE, "image/png")], png(300, 200)) }),
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

fn run_import(data: &Path, args: &[&str], report: &Path) -> (String, serde_json::Value) {
    let out = newsdesk_command(data)
        .arg("import")
        .args(args)
        .arg("--report")
        .arg(report)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk import");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(report).unwrap())
        .unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (stderr, report)
}

fn entry(report: &serde_json::Value, aid: u32) -> &serde_json::Value {
    report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["file"]
                .as_str()
                .unwrap()
                .ends_with(&format!("dede_archives#{aid}"))
        })
        .unwrap_or_else(|| panic!("article {aid} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dedecms_database_becomes_channels_articles_and_redirects() {
    let Some((url, name)) = dede_database("utf8mb4").await else {
        return;
    };
    load_rows(&url).await;
    let old = OldSite::start().await;
    // The old web root holds the body's picture; the cover comes from the old address.
    let root = tempfile::tempdir().unwrap();
    let pictures = root.path().join("uploads/allimg/240208");
    std::fs::create_dir_all(&pictures).unwrap();
    std::fs::write(pictures.join("1-24020Q01234.png"), png(640, 360)).unwrap();
    let old_url = format!("http://{}", old.addr);
    let root_arg = root.path().display().to_string();
    let args = [
        "--dedecms",
        url.as_str(),
        "--old-site-url",
        old_url.as_str(),
        "--old-site-root",
        root_arg.as_str(),
        // No --remote-images-allow-private: the old site named on the command line is trusted
        // though it is on 127.0.0.1.
    ];
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (stderr, report) = run_import(data.path(), &args, &work.path().join("first.json"));
    assert!(stderr.contains("3 new, 0 updated, 0 failed"), "{stderr}");
    assert!(stderr.contains("1 item(s) skipped"), "{stderr}");
    for aid in [123, 124, 125] {
        assert_eq!(entry(&report, aid)["outcome"], "created", "{report:#}");
    }
    assert_eq!(entry(&report, 126)["outcome"], "skipped");
    let table = entry(&report, 123);
    assert_eq!(table["redirect_from"], "/a/news/20240208/123.html");
    assert_eq!(table["lost"].as_array().unwrap().len(), 0, "{table:#}");
    // Each channel's list page: `{typedir}/`, `{typedir}/index.html`, `/plus/list.php?tid=N`.
    assert_eq!(report["summary"]["channel_redirects"], 6, "{report:#}");
    assert!(
        stderr.contains("6 old channel list address(es) answer 301"),
        "{stderr}"
    );

    // A second run adds nothing: the published articles are unchanged.
    let (stderr, again) = run_import(data.path(), &args, &work.path().join("again.json"));
    assert!(stderr.contains("0 new"), "{stderr}");
    assert!(stderr.contains("2 unchanged"), "{stderr}");
    assert_eq!(again["summary"]["created"], 0);

    let app = TestApp::builder()
        .data(data)
        .config(|c| c.demo = false)
        .start()
        .await;

    // Channels: 国内新闻 under 新闻中心, with its description.
    let store = app.open_store().await;
    let channels = store.list_channels().await.unwrap();
    assert_eq!(channels.len(), 2, "{channels:?}");
    let news = channels.iter().find(|c| c.slug == "news").unwrap();
    let guonei = channels.iter().find(|c| c.slug == "guonei").unwrap();
    assert_eq!(news.name, "新闻中心");
    assert_eq!(news.parent_id, None);
    assert_eq!(guonei.name, "国内新闻");
    assert_eq!(guonei.parent_id, Some(news.id));

    // The channels' old list pages lead to them, and their pages answer.
    for (path, to) in [
        ("/a/news/", "/channels/news"),
        ("/a/news/index.html", "/channels/news"),
        ("/plus/list.php?tid=1", "/channels/news"),
        ("/a/news/guonei/", "/channels/guonei"),
        ("/plus/list.php?tid=2", "/channels/guonei"),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY, "{path}");
        assert_eq!(r.headers()[LOCATION], to, "{path}");
        assert_eq!(app.get(to).await.status(), StatusCode::OK, "{to}");
    }
    assert_eq!(
        app.get("/plus/list.php?tid=9").await.status(),
        StatusCode::NOT_FOUND
    );

    // The old static address leads to the article: the table's rows and the picture, ours.
    let r = app.get("/a/news/20240208/123.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let first = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(Some(first.as_str()), table["url"].as_str());
    let (status, doc) = app.page(&first).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, "h1"), ["合肥新能源汽车产量突破百万辆"]);
    assert_eq!(texts(&doc, ".author"), ["作者:李明"]);
    let rows = texts(&doc, ".article-body table tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        texts(&doc, ".article-body table td")[..3],
        ["合肥", "120", "+18%"]
    );
    assert!(doc.html().contains("整车企业和零部件企业协同发展"));
    let src = attr(&doc, ".article-body img[alt='生产线']", "src").expect("the picture");
    assert!(src.starts_with("/uploads/"), "{src}");
    let r = app.get(&src).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );

    // 1287 clicks carried over (and this reader), 头条, the cover from the old address.
    let r = app.get("/a/news/guonei/20240209/124.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let second = r.headers()[LOCATION].to_str().unwrap().to_string();
    let r = app.get("/plus/view.php?aid=124").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()[LOCATION].to_str().unwrap(), second);
    let (_, doc) = app.page(&second).await;
    assert_eq!(texts(&doc, "h1"), ["全国充电基础设施建设提速"]);
    assert_eq!(texts(&doc, ".views-count"), ["1288"]);
    let description = attr(&doc, "meta[name=description]", "content").unwrap_or_default();
    assert!(description.contains("同比增长五成"), "{description}");
    let id = entry(&again, 124)["article_id"].as_i64().unwrap();
    assert!(store.article_desk(id).await.unwrap().headline);
    let cover = store.editable_article(id).await.unwrap().cover_image;
    let cover = cover.expect("the cover");
    assert!(cover.starts_with("/uploads/"), "{cover}");
    assert_eq!(app.get(&cover).await.status(), StatusCode::OK);
    let featured = entry(&again, 123)["article_id"].as_i64().unwrap();
    assert!(store.article_desk(featured).await.unwrap().featured);

    // Both articles on the parent channel's page, the child's on its own.
    let (status, page) = app.page("/channels/news").await;
    assert_eq!(status, StatusCode::OK);
    let page = page.html();
    assert!(
        page.contains("合肥新能源汽车产量突破百万辆") && page.contains("全国充电基础设施建设提速")
    );
    assert!(
        !page.contains("储能电站调研提纲"),
        "the draft is not listed"
    );
    let (_, page) = app.page("/channels/guonei").await;
    assert!(page.html().contains("全国充电基础设施建设提速"));

    // The unreviewed article is stored but not public, and its old address leads nowhere.
    let draft = entry(&report, 125)["url"].as_str().unwrap().to_string();
    assert_eq!(app.get(&draft).await.status(), StatusCode::NOT_FOUND);
    let r = app.get("/a/news/guonei/20240210/125.html").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.stop().await;
    drop_database(&url, &name).await;
}

/// An old GBK database: `--dry-run` reads it and stores nothing; then, without the old site's
/// files, the text comes out right and the picture is named in the report.
#[tokio::test]
async fn a_gbk_dedecms_database_dry_run_then_without_the_old_site() {
    let Some((url, name)) = dede_database("gbk").await else {
        return;
    };
    load_rows(&url).await;
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (stderr, report) = run_import(
        data.path(),
        &["--dedecms", &url, "--dry-run"],
        &work.path().join("dry.json"),
    );
    assert!(
        stderr.contains("dry run, nothing written: read 3 file(s)"),
        "{stderr}"
    );
    assert_eq!(report["dry_run"], true);
    assert_eq!(entry(&report, 123)["title"], "合肥新能源汽车产量突破百万辆");
    assert!(
        newsdesk::store::open_existing(&crate::support::database_of(data.path()))
            .await
            .is_err(),
        "a dry run creates no database"
    );

    let (stderr, report) = run_import(
        data.path(),
        &["--dedecms", &url, "--no-remote"],
        &work.path().join("run.json"),
    );
    assert!(stderr.contains("3 new, 0 updated, 0 failed"), "{stderr}");
    let lost = entry(&report, 123)["lost"].to_string();
    assert!(lost.contains("1-24020Q01234.png"), "{lost}");
    let app = TestApp::builder()
        .data(data)
        .config(|c| c.demo = false)
        .start()
        .await;
    let r = app.get("/a/news/20240208/123.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let (_, doc) = app.page(r.headers()[LOCATION].to_str().unwrap()).await;
    assert_eq!(texts(&doc, "h1"), ["合肥新能源汽车产量突破百万辆"]);
    assert_eq!(texts(&doc, ".article-body table tr").len(), 3);
    app.stop().await;
    drop_database(&url, &name).await;
}

/// A channel slug already taken by another channel (`news`, named 要闻) is not merged into: the
/// old 新闻中心 becomes `dede-news`, said in the report; an article over the size limit is
/// refused alone, named by its aid, the others imported; a cover named by path with no old site
/// given says so. A second run reuses `dede-news`.
#[tokio::test]
async fn a_taken_slug_and_an_oversized_article_are_reported_not_merged_nor_fatal() {
    let Some((url, name)) = dede_database("gbk").await else {
        return;
    };
    load_rows(&url).await;
    let mut db = sqlx::MySqlConnection::connect(&url).await.unwrap();
    let time = beijing(2024, 2, 12, 9, 0);
    sqlx::query(
        "INSERT INTO dede_archives (id, typeid, flag, channel, arcrank, click, title, writer, \
         source, litpic, pubdate, senddate, keywords, description) \
         VALUES (127, 1, '', 1, 0, 0, '超长的正文', '', '', '', ?, ?, '', '')",
    )
    .bind(time)
    .bind(time)
    .execute(&mut db)
    .await
    .unwrap();
    let huge = format!("<p>{}</p>", "a".repeat(4 * 1024 * 1024 + 10));
    sqlx::query("INSERT INTO dede_addonarticle (aid, typeid, body) VALUES (127, 1, ?)")
        .bind(huge)
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.ok();

    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    {
        let store = crate::support::open_store_at(data.path()).await;
        store.upsert_channel("要闻", "news", 0).await.unwrap();
    }
    let run = |report: &Path| {
        let out = newsdesk_command(data.path())
            .args(["import", "--dedecms", &url, "--no-remote", "--report"])
            .arg(report)
            .arg("--data")
            .arg(data.path())
            .env("RUST_LOG", "warn")
            .output()
            .expect("run newsdesk import");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(report).unwrap())
            .unwrap_or_else(|e| panic!("{e}: {stderr}"));
        (out.status.code(), stderr, report)
    };
    let (code, stderr, report) = run(&work.path().join("first.json"));
    assert_eq!(code, Some(1), "one article refused: {stderr}");
    assert!(stderr.contains("3 new, 0 updated, 1 failed"), "{stderr}");
    let huge = entry(&report, 127);
    assert_eq!(huge["outcome"], "refused");
    let reason = huge["reason"].as_str().unwrap();
    assert!(
        reason.contains("aid 127") && reason.contains("over the limit"),
        "{reason}"
    );
    let note = "栏目 新闻中心: slug news taken by channel 要闻, imported as dede-news";
    assert_eq!(report["notes"][0], note, "{report:#}");
    assert!(stderr.contains(note), "{stderr}");
    let lost = entry(&report, 124)["lost"].to_string();
    assert!(
        lost.contains("cover /uploads/allimg/240209/cover-lit.png: named by path, and no --old-site-root or --old-site-url given"),
        "{lost}"
    );
    assert!(!lost.contains("import folder"), "{lost}");

    let (_, stderr, again) = run(&work.path().join("again.json"));
    assert!(stderr.contains("0 new"), "{stderr}");
    // Still said (the slug is still taken), and the same channel is used: no fourth one.
    assert_eq!(again["notes"][0], note, "{again:#}");

    let app = TestApp::builder()
        .data(data)
        .config(|c| c.demo = false)
        .start()
        .await;
    let store = app.open_store().await;
    let channels = store.list_channels().await.unwrap();
    assert_eq!(channels.len(), 3, "{channels:?}");
    let news = channels.iter().find(|c| c.slug == "news").unwrap();
    assert_eq!(news.name, "要闻");
    let dede = channels.iter().find(|c| c.slug == "dede-news").unwrap();
    assert_eq!(dede.name, "新闻中心");
    let guonei = channels.iter().find(|c| c.slug == "guonei").unwrap();
    assert_eq!(guonei.parent_id, Some(dede.id));
    let r = app.get("/plus/list.php?tid=1").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()[LOCATION], "/channels/dede-news");
    let (_, page) = app.page("/channels/dede-news").await;
    assert!(page.html().contains("合肥新能源汽车产量突破百万辆"));
    let (_, page) = app.page("/channels/news").await;
    assert!(!page.html().contains("合肥新能源汽车产量突破百万辆"));
    app.stop().await;
    drop_database(&url, &name).await;
}

/// Read a page at a time (here one row per query): every row comes through once, in id order,
/// and the same report as in one page.
#[tokio::test]
async fn a_dedecms_site_read_one_row_per_page_reads_every_row_once() {
    let Some((url, name)) = dede_database("utf8mb4").await else {
        return;
    };
    load_rows(&url).await;
    let source = newsdesk::import::dedecms::DedeSource {
        url: url.clone(),
        table_prefix: "dede_".into(),
        page_rows: Some(1),
        ..Default::default()
    };
    let report = newsdesk::import::dedecms::dry_run(&source, chrono_tz::Asia::Shanghai).await;
    let files: Vec<&str> = report.pages.iter().map(|p| p.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "dede_archives#123",
            "dede_archives#124",
            "dede_archives#125",
            "dede_archives#126"
        ]
    );
    assert_eq!(report.summary.skipped, 1);
    assert_eq!(report.summary.failed, 0);
    drop_database(&url, &name).await;
}
