//! Issue 15, `newsdesk crawl`: an old site served by the test on 127.0.0.1 (robots.txt keeping
//! crawlers out of /private/, a list page with a 下一页 link to a second one, a sitemap, four
//! articles — one GBK-encoded, one with a table, one with a relative picture and a PDF — and a
//! link to another host) crawled by the real binary, then read over HTTP from the real server:
//! titles, the picture from our uploads, the attachment downloads, old paths answer 301. Every
//! request to the old site is counted per path: /private/ and the other host are never asked, a
//! crawl stopped by --max-pages finishes on the next run, and a run after a complete one fetches
//! no article again. Runs on SQLite and PostgreSQL.

use std::collections::HashMap;
use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode as S, Uri};
use axum::response::IntoResponse;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::{TestApp, article_link, attr, newsdesk_command, texts};

const PDF: &[u8] = b"%PDF-1.4\n% crawl\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Requests per path.
type Counts = Arc<Mutex<HashMap<String, usize>>>;

/// A site served from 127.0.0.1: path → (content type, body), every request counted.
struct Served {
    addr: SocketAddr,
    counts: Counts,
    /// Requests for [`GATED`] wait for a permit here (none unless the test gives them).
    gate: Arc<tokio::sync::Semaphore>,
    task: tokio::task::JoinHandle<()>,
}

/// The page whose answer waits for the test, when the site is started gated.
const GATED: &str = "/news/list_2.html";

impl Served {
    /// Serves the files `site` makes given the site's own address (`http://127.0.0.1:PORT`).
    async fn start(site: impl FnOnce(&str) -> HashMap<String, (&'static str, Vec<u8>)>) -> Self {
        Self::start_gated(site, false).await
    }

    /// [`Self::start`]; with `gated`, answers for [`GATED`] wait for a permit of `gate`.
    async fn start_gated(
        site: impl FnOnce(&str) -> HashMap<String, (&'static str, Vec<u8>)>,
        gated: bool,
    ) -> Self {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counts: Counts = Arc::default();
        let files = Arc::new(site(&format!("http://{addr}")));
        let (c, f, g) = (counts.clone(), files.clone(), gate.clone());
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
            let (counts, files, gate) = (c.clone(), f.clone(), g.clone());
            async move {
                let path = uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                *counts.lock().unwrap().entry(path.clone()).or_default() += 1;
                if gated && path == GATED {
                    gate.acquire().await.unwrap().forget();
                }
                let accept = headers
                    .get("accept")
                    .and_then(|a| a.to_str().ok())
                    .unwrap_or_default();
                match files.get(&path) {
                    // A server choosing by Accept: a PDF is not an image.
                    Some((kind, _))
                        if kind.starts_with("application/pdf") && accept.starts_with("image/") =>
                    {
                        (
                            S::NOT_ACCEPTABLE,
                            [("content-type", "text/plain")],
                            Vec::new(),
                        )
                    }
                    // `flaky`: 503 the first time, then the page.
                    Some(("flaky", body)) if counts.lock().unwrap()[&path] > 1 => {
                        return (S::OK, [("content-type", "text/html")], body.clone())
                            .into_response();
                    }
                    Some(("flaky", _)) => {
                        return (S::SERVICE_UNAVAILABLE, [("retry-after", "1")], "busy")
                            .into_response();
                    }
                    // `status:NNN`: that status, a redirect's body its Location.
                    Some((kind, body)) if kind.starts_with("status:") => {
                        let code: u16 = kind["status:".len()..].parse().unwrap();
                        let mut answer = axum::response::Response::new(axum::body::Body::empty());
                        *answer.status_mut() = S::from_u16(code).unwrap();
                        if code >= 500 || code == 429 {
                            answer
                                .headers_mut()
                                .insert("retry-after", "0".parse().unwrap());
                        }
                        if (300..400).contains(&code) {
                            answer.headers_mut().insert(
                                "location",
                                String::from_utf8(body.clone()).unwrap().parse().unwrap(),
                            );
                        }
                        return answer;
                    }
                    Some((kind, body)) => (S::OK, [("content-type", *kind)], body.clone()),
                    None => (S::NOT_FOUND, [("content-type", "text/plain")], Vec::new()),
                }
                .into_response()
            }
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            counts,
            gate,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn count(&self, path: &str) -> usize {
        self.counts.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn count_under(&self, prefix: &str) -> usize {
        self.counts
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn article(title: &str, date: &str, charset: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\
         <title>{title}_旧站新闻网</title></head><body>\
         <div class=nav><a href=\"/news/list.html\">新闻列表</a></div>\
         <h1>{title}</h1><div class=info><span>来源:市政府办公室</span> <span>{date}</span></div>\
         <div class=content>{body}</div>\
         <div class=footer>版权所有 © 旧站新闻网</div></body></html>"
    )
}

fn list(title: &str, items: &[(&str, &str, &str)], next: Option<&str>) -> String {
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>{title}</title></head><body>\
         <h1>{title}</h1><ul class=list>"
    );
    for (href, text, date) in items {
        html.push_str(&format!(
            "<li><a href=\"{href}\">{text}</a> <span>{date}</span></li>"
        ));
    }
    html.push_str("</ul>");
    if let Some(next) = next {
        html.push_str(&format!(
            "<div class=pages><a href=\"{next}\">下一页</a></div>"
        ));
    }
    html.push_str("</body></html>");
    html
}

const A1: &str = "/news/2024/a1.html";
const A2: &str = "/news/2024/a2.html";
const A3: &str = "/news/2024/a3.html";
const A4: &str = "/news/2024/a4.html";

fn old_site(base: &str, offsite: &Served) -> HashMap<String, (&'static str, Vec<u8>)> {
    let html = "text/html";
    let mut files: HashMap<String, (&'static str, Vec<u8>)> = HashMap::new();
    let mut put = |path: &str, kind: &'static str, body: Vec<u8>| {
        files.insert(path.to_string(), (kind, body));
    };
    put(
        "/robots.txt",
        "text/plain",
        b"User-agent: *\nDisallow: /private/\n".to_vec(),
    );
    put(
        "/news/list.html",
        html,
        list(
            "新闻列表",
            &[
                (A1, "全市光伏装机容量再创新高", "2024-03-01"),
                (
                    "2024/a2.html",
                    "新能源汽车产业发展行动方案印发",
                    "2024-03-02",
                ),
                ("/private/secret.html", "内部通知不得外传", "2024-03-03"),
                (
                    &offsite.url("/elsewhere.html"),
                    "友情链接的其他网站新闻",
                    "2024-03-04",
                ),
            ],
            Some("list_2.html"),
        )
        .into_bytes(),
    );
    put(
        "/news/list_2.html",
        html,
        list(
            "新闻列表 第2页",
            &[(A3, "老城区供暖改造工程完工", "2024-02-20")],
            None,
        )
        .into_bytes(),
    );
    put(
        "/sitemap.xml",
        "application/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <url><loc>{base}/news/2024/a1.html</loc></url><url><loc>{base}/news/2024/a4.html</loc></url>\
             </urlset>"
        )
        .into_bytes(),
    );
    // A sitemap index naming a compressed sitemap (served as a gzip file, no Content-Encoding),
    // as large sites publish them; only the test that starts from it asks for these two.
    put(
        "/sitemap-index.xml",
        "application/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <sitemap><loc>{base}/sitemap-news.xml.gz</loc></sitemap></sitemapindex>"
        )
        .into_bytes(),
    );
    put(
        "/sitemap-news.xml.gz",
        "application/x-gzip",
        gzip(
            format!(
                "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                 <url><loc>{base}/news/2024/a1.html</loc></url>\
                 <url><loc>{base}/news/2024/a4.html</loc></url></urlset>"
            )
            .as_bytes(),
        ),
    );
    put(
        A1,
        html,
        article(
            "全市光伏装机容量再创新高",
            "2024-03-01 09:30",
            "utf-8",
            "<p>今年以来全市光伏装机容量持续增长。</p>\
             <table border=1><tr><td>指标</td><td>2023年</td><td>2024年</td></tr>\
             <tr><td>装机（万千瓦）</td><td>120</td><td>180</td></tr>\
             <tr><td>项目（个）</td><td>30</td><td>45</td></tr></table>\
             <p>下一步将继续推进分布式光伏建设。</p>",
        )
        .into_bytes(),
    );
    put(
        A2,
        html,
        article(
            "新能源汽车产业发展行动方案印发",
            "2024-03-02 10:00",
            "utf-8",
            "<p>市政府办公室印发新能源汽车产业发展行动方案。</p>\
             <p><img src=\"../img/a.png\" alt=\"生产线\"></p>\
             <p>附件：<a href=\"/files/plan.pdf\">实施方案</a></p>\
             <p>各单位要认真贯彻落实。</p>",
        )
        .into_bytes(),
    );
    let a3 = article(
        "老城区供暖改造工程完工",
        "2024-02-20 08:00",
        "gb2312",
        "<p>老城区供暖管网改造工程全部完工，惠及居民两万户。</p><p>供暖季前完成调试。</p>",
    );
    put(A3, html, encoding_rs::GBK.encode(&a3).0.into_owned());
    put(
        A4,
        html,
        article(
            "全市新建充电桩五千个",
            "2024-03-05 15:00",
            "utf-8",
            &format!(
                "<p>全市今年新建公共充电桩五千个。</p>\
                 <p><img src=\"{}\" alt=\"后台\"></p><p>覆盖所有街道。</p>",
                offsite.url("/admin.png")
            ),
        )
        .into_bytes(),
    );
    put(
        "/private/secret.html",
        html,
        article(
            "内部通知不得外传",
            "2024-03-03 12:00",
            "utf-8",
            "<p>这是不该被采集的内部页面。</p>",
        )
        .into_bytes(),
    );
    put("/news/img/a.png", "image/png", png(640, 320));
    put("/files/plan.pdf", "application/pdf", PDF.to_vec());
    files
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sitemap_index_of_compressed_sitemaps_is_followed() {
    let offsite = Served::start(|_| HashMap::new()).await;
    let site = Served::start(|base| old_site(base, &offsite)).await;
    let data = tempfile::tempdir().unwrap();
    let (stderr, report) = crawl_from(data.path(), &site, &["/sitemap-index.xml"], &[]);
    assert_eq!(site.count("/sitemap-news.xml.gz"), 1);
    assert_eq!(site.count(A1), 1, "{stderr}");
    let created = outcomes(&report)
        .into_iter()
        .filter(|(_, o)| o == "created")
        .count();
    assert_eq!(
        created, 2,
        "both articles of the compressed sitemap: {report:#}"
    );
}

/// Runs `newsdesk crawl` on the old site's list page and sitemap; its stderr and JSON report.
/// (Blocking: the tests run on a multi-thread runtime so the old site answers meanwhile.)
fn crawl(data: &std::path::Path, site: &Served, extra: &[&str]) -> (String, serde_json::Value) {
    crawl_from(data, site, &["/news/list.html", "/sitemap.xml"], extra)
}

/// [`crawl`] from the old site's pages at `starts`.
fn crawl_from(
    data: &std::path::Path,
    site: &Served,
    starts: &[&str],
    extra: &[&str],
) -> (String, serde_json::Value) {
    let report = data.join("crawl-report.json");
    let out = newsdesk_command(data)
        .args(["crawl", "--delay-ms", "5", "--report"])
        .arg(&report)
        .arg("--data")
        .arg(data)
        .args(extra)
        .args(starts.iter().map(|path| site.url(path)))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk crawl");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    (stderr, report)
}

fn outcomes(report: &serde_json::Value) -> Vec<(String, String)> {
    report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let file = p["file"].as_str().unwrap();
            let path = file.split_once("127.0.0.1").map_or(file, |(_, rest)| rest);
            let path = path.split_once('/').map_or(path, |(_, rest)| rest);
            (
                format!("/{path}"),
                p["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawled_site_moves_in_politely_and_resumes() {
    let offsite = Served::start(|_| HashMap::new()).await;
    let site = Served::start(|base| old_site(base, &offsite)).await;
    let data = tempfile::tempdir().unwrap();

    // Stopped after three requests: the list page, the sitemap, the first article.
    let (stderr, report) = crawl(data.path(), &site, &["--max-pages", "3"]);
    assert!(stderr.contains("stopped (max-pages)"), "{stderr}");
    assert_eq!(report["summary"]["created"], 1, "{report:#}");
    assert_eq!(report["crawl"][0]["stopped"], "max-pages", "{report:#}");
    assert_eq!(
        report["crawl"][0]["disallowed"][0],
        site.url("/private/secret.html"),
        "{report:#}"
    );
    assert!(
        outcomes(&report).contains(&("/news/list.html".into(), "followed".into())),
        "the list page is followed, not refused: {report:#}"
    );
    assert_eq!(site.count(A1), 1);

    // The next run goes on where it stopped and finishes: the three other articles.
    let (stderr, report) = crawl(data.path(), &site, &[]);
    assert!(stderr.contains("3 new, 0 updated, 0 failed"), "{stderr}");
    assert!(stderr.contains("crawl complete"), "{stderr}");
    let seen = outcomes(&report);
    for path in [A2, A3, A4] {
        assert!(
            seen.contains(&(path.to_string(), "created".into())),
            "{path}: {report:#}"
        );
    }
    assert!(seen.contains(&("/news/list_2.html".into(), "followed".into())));
    assert_eq!(
        site.count("/news/list.html"),
        1,
        "not read again while resuming"
    );
    let a2 = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"].as_str().unwrap().ends_with(A2))
        .unwrap();
    assert_eq!(a2["lost"], serde_json::json!([]), "{a2:#}");
    for path in [A1, A2, A3, A4, "/news/img/a.png"] {
        assert_eq!(site.count(path), 1, "{path} fetched once");
    }
    assert_eq!(site.count_under("/private/"), 0, "robots.txt kept us out");
    assert_eq!(
        offsite.counts.lock().unwrap().len(),
        0,
        "the other host is never asked"
    );
    assert!(site.count("/robots.txt") >= 1);

    // A run after a complete one reads the list pages again but no article.
    let (stderr, report) = crawl(data.path(), &site, &[]);
    assert!(stderr.contains("0 new, 0 updated, 0 failed"), "{stderr}");
    assert_eq!(report["crawl"][0]["known"], 4, "{report:#}");
    assert_eq!(site.count("/news/list.html"), 2);
    for path in [A1, A2, A3, A4] {
        assert_eq!(site.count(path), 1, "{path} not fetched again");
    }
    assert_eq!(site.count_under("/private/"), 0);

    let app = TestApp::builder()
        .data(data)
        .config(|c| c.demo = false)
        .start()
        .await;
    let mut article_of = HashMap::new();
    for (path, title) in [
        (A1, "全市光伏装机容量再创新高"),
        (A2, "新能源汽车产业发展行动方案印发"),
        (A3, "老城区供暖改造工程完工"),
        (A4, "全市新建充电桩五千个"),
    ] {
        // The old address answers 301 to the article.
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY, "{path}");
        let to = r.headers()[LOCATION].to_str().unwrap().to_string();
        assert!(to.starts_with("/articles/"), "{to}");
        let (status, doc) = app.page(&to).await;
        assert_eq!(status, StatusCode::OK, "{to}");
        assert_eq!(texts(&doc, "h1"), [title], "{path}");
        article_of.insert(path, doc);
    }
    assert_eq!(
        texts(&article_of[A1], ".article-body table tr").len(),
        3,
        "the table keeps its rows"
    );
    let a2 = &article_of[A2];
    let src = attr(a2, ".article-body img[alt='生产线']", "src").expect("the picture");
    assert!(src.starts_with("/uploads/"), "{src}");
    let r = app.get(&src).await;
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = attr(a2, "a[href^='/attachments/']", "href").expect("the attachment");
    let r = app.get(&pdf).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    // Never fetched, never imported.
    let (_, found) = app.page("/search?q=内部通知").await;
    assert_eq!(article_link(&found, "内部通知"), None);
    let (_, found) = app.page("/search?q=充电桩").await;
    assert!(article_link(&found, "全市新建充电桩五千个").is_some());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_crawl_stores_nothing_and_keeps_no_state() {
    let offsite = Served::start(|_| HashMap::new()).await;
    let site = Served::start(|base| old_site(base, &offsite)).await;
    let data = tempfile::tempdir().unwrap();
    let (stderr, report) = crawl(data.path(), &site, &["--dry-run"]);
    assert!(stderr.contains("dry run, nothing written"), "{stderr}");
    assert_eq!(report["dry_run"], true);
    let parsed = outcomes(&report)
        .into_iter()
        .filter(|(_, o)| o == "parsed")
        .count();
    assert_eq!(parsed, 4, "{report:#}");
    assert!(!data.path().join("crawl-state").exists());
    assert_eq!(site.count("/news/img/a.png"), 0, "no media fetched");
    // A real run afterwards still fetches every article.
    let (stderr, _) = crawl(data.path(), &site, &[]);
    assert!(stderr.contains("4 new"), "{stderr}");
    assert_eq!(site.count(A1), 2);
}

/// Ctrl-C in the middle: the page being read is finished and stored, the run stops and says so,
/// and the next run goes on with the rest.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_crawl_continues_where_it_stopped() {
    let offsite = Served::start(|_| HashMap::new()).await;
    let site = Served::start_gated(|base| old_site(base, &offsite), true).await;
    let data = tempfile::tempdir().unwrap();
    let report = data.path().join("crawl-report.json");
    let child = newsdesk_command(data.path())
        .args(["crawl", "--delay-ms", "5", "--report"])
        .arg(&report)
        .arg("--data")
        .arg(data.path())
        .arg(site.url("/news/list.html"))
        .arg(site.url("/sitemap.xml"))
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run newsdesk crawl");
    // The second list page is asked for and held: interrupt the crawl meanwhile.
    let asked = async {
        while site.count(GATED) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), asked)
        .await
        .expect("the crawl reaches the second list page");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    site.gate.add_permits(1);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("stopped (interrupted)"), "{stderr}");
    // A1 and A2 came before the second list page; A3 (linked from it) and A4 wait.
    assert!(stderr.contains("2 new, 0 updated, 0 failed"), "{stderr}");
    assert_eq!(site.count(A4), 0);
    assert_eq!(site.count(A3), 0);

    let (stderr, report) = crawl(data.path(), &site, &[]);
    assert!(stderr.contains("2 new, 0 updated, 0 failed"), "{stderr}");
    assert!(stderr.contains("crawl complete"), "{stderr}");
    assert_eq!(report["crawl"][0]["fetched"], 2, "{report:#}");
    for path in [A1, A2, A3, A4, GATED] {
        assert_eq!(site.count(path), 1, "{path} fetched once");
    }
}

/// Runs `newsdesk crawl` on `urls`: its exit status, stderr and JSON report (whatever the status).
fn crawl_urls(data: &std::path::Path, urls: &[String]) -> (i32, String, serde_json::Value) {
    let report = data.join("crawl-report.json");
    let out = newsdesk_command(data)
        .args(["crawl", "--delay-ms", "5", "--report"])
        .arg(&report)
        .arg("--data")
        .arg(data)
        .args(urls)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk crawl");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&report).unwrap_or_else(|e| panic!("no report ({e}): {stderr}")),
    )
    .unwrap();
    (out.status.code().unwrap_or(-1), stderr, report)
}

/// A site whose robots.txt answers `status`, with a page that must not be fetched.
async fn site_with_robots(status: &'static str) -> Served {
    Served::start(move |_| {
        let mut files: HashMap<String, (&'static str, Vec<u8>)> = HashMap::new();
        files.insert("/robots.txt".into(), (status, Vec::new()));
        files.insert(
            "/news/".into(),
            (
                "text/html",
                list("新闻", &[("/a.html", "某条新闻标题", "2024-01-01")], None).into_bytes(),
            ),
        );
        files
    })
    .await
}

/// Sites whose robots.txt answers 503 or 429 or that do not answer at all are entries of the
/// report, not fetched further; the site after them is still crawled and the report written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_that_cannot_be_crawled_does_not_stop_the_others() {
    let offsite = Served::start(|_| HashMap::new()).await;
    let site = Served::start(|base| old_site(base, &offsite)).await;
    let down = site_with_robots("status:503").await;
    let busy = site_with_robots("status:429").await;
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let data = tempfile::tempdir().unwrap();
    let urls = [
        down.url("/news/"),
        busy.url("/news/"),
        format!("http://{gone}/news/"),
        site.url("/news/list.html"),
        site.url("/sitemap.xml"),
    ];
    let (code, stderr, report) = crawl_urls(data.path(), &urls);
    assert_eq!(code, 1, "sites not crawled are failures: {stderr}");
    assert!(stderr.contains("4 new"), "{stderr}");
    let crawled = report["crawl"].as_array().unwrap();
    assert_eq!(crawled.len(), 4, "{report:#}");
    for (i, cause) in [(0, "503"), (1, "429"), (2, "cannot fetch")] {
        let stopped = crawled[i]["stopped"].as_str().unwrap_or_default();
        assert!(
            stopped.contains("robots.txt") && stopped.contains(cause),
            "{i}: {report:#}"
        );
    }
    assert_eq!(crawled[3]["stopped"], serde_json::Value::Null, "{report:#}");
    assert_eq!(report["summary"]["failed"], 3, "{report:#}");
    let refused = outcomes(&report)
        .into_iter()
        .filter(|(p, o)| p == "/robots.txt" && o == "refused")
        .count();
    assert_eq!(refused, 3, "{report:#}");
    for unknown in [&down, &busy] {
        assert_eq!(
            unknown.count("/news/"),
            0,
            "its rules unknown, nothing fetched"
        );
        assert_eq!(unknown.count("/robots.txt"), 1);
    }
    assert!(stderr.contains("crawl complete"), "{stderr}");
}

/// Redirects are in the report; an old dynamic address moved on the same site answers 301 to
/// the article it became, like the address it was imported from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_reported_and_old_dynamic_addresses_kept() {
    let site = Served::start(|base| {
        let mut files: HashMap<String, (&'static str, Vec<u8>)> = HashMap::new();
        let https = base.replacen("http://", "https://", 1);
        files.insert(
            "/news/list.html".into(),
            (
                "text/html",
                list(
                    "新闻列表",
                    &[
                        (
                            "/plus/view.php?aid=1",
                            "全市光伏装机容量再创新高",
                            "2024-03-01",
                        ),
                        (
                            "/secure.html",
                            "新能源汽车产业发展行动方案印发",
                            "2024-03-02",
                        ),
                    ],
                    None,
                )
                .into_bytes(),
            ),
        );
        files.insert(
            "/plus/view.php?aid=1".into(),
            ("status:301", b"/a/1.html".to_vec()),
        );
        files.insert(
            "/secure.html".into(),
            ("status:301", format!("{https}/secure.html").into_bytes()),
        );
        files.insert(
            "/a/1.html".into(),
            (
                "text/html",
                article(
                    "全市光伏装机容量再创新高",
                    "2024-03-01 09:30",
                    "utf-8",
                    "<p>今年以来全市光伏装机容量持续增长。</p><p>下一步将继续推进。</p>",
                )
                .into_bytes(),
            ),
        );
        files
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let (code, stderr, report) = crawl_urls(data.path(), &[site.url("/news/list.html")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 new"), "{stderr}");
    let pages = report["pages"].as_array().unwrap();
    let entry = |path: &str| {
        pages
            .iter()
            .find(|p| p["file"].as_str().unwrap().ends_with(path))
            .unwrap_or_else(|| panic!("{path}: {report:#}"))
    };
    let moved = entry("/plus/view.php?aid=1");
    assert_eq!(moved["outcome"], "followed", "{moved:#}");
    assert!(
        moved["reason"].as_str().unwrap().contains("redirects to")
            && moved["reason"].as_str().unwrap().contains("/a/1.html"),
        "{moved:#}"
    );
    let secure = entry("/secure.html");
    assert_eq!(secure["outcome"], "followed", "{secure:#}");
    let reason = secure["reason"].as_str().unwrap();
    assert!(
        reason.contains("https://") && reason.contains("another site"),
        "{reason}"
    );
    assert_eq!(entry("/a/1.html")["outcome"], "created", "{report:#}");
    assert_eq!(site.count("/a/1.html"), 1);

    let app = TestApp::builder()
        .data(data)
        .config(|c| c.demo = false)
        .start()
        .await;
    let r = app.get("/a/1.html").await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    let r = app.get("/plus/view.php?aid=1").await;
    assert_eq!(
        r.status(),
        StatusCode::MOVED_PERMANENTLY,
        "the old dynamic address"
    );
    assert_eq!(r.headers()[LOCATION].to_str().unwrap(), to);
    app.stop().await;
}

/// A picture on another port of the crawled host is another origin: not fetched (the crawled
/// site is trusted, not its whole host), while the site's own picture still arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_port_of_the_crawled_host_is_not_trusted() {
    let offsite = Served::start(|_| HashMap::new()).await;
    let site = Served::start(|base| old_site(base, &offsite)).await;
    let data = tempfile::tempdir().unwrap();
    let (stderr, report) = crawl(data.path(), &site, &[]);
    assert!(stderr.contains("4 new, 0 updated, 0 failed"), "{stderr}");
    assert_eq!(
        offsite.count("/admin.png"),
        0,
        "another port is never asked"
    );
    assert_eq!(site.count("/news/img/a.png"), 1, "the site's own picture");
    let a4 = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"].as_str().unwrap().ends_with(A4))
        .unwrap();
    assert!(
        a4["lost"].to_string().contains("/admin.png"),
        "the refused picture is named: {a4:#}"
    );
}

/// A page answering 503 is tried again at the end of the queue (after its Retry-After), up to
/// three times: one that recovers is imported, one that does not is refused saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_pages_are_tried_again_later() {
    let site = Served::start(|_| {
        let mut files: HashMap<String, (&'static str, Vec<u8>)> = HashMap::new();
        files.insert(
            "/news/list.html".into(),
            (
                "text/html",
                list(
                    "新闻列表",
                    &[
                        ("/a/ok.html", "全市光伏装机容量再创新高", "2024-03-01"),
                        (
                            "/a/down.html",
                            "新能源汽车产业发展行动方案印发",
                            "2024-03-02",
                        ),
                    ],
                    None,
                )
                .into_bytes(),
            ),
        );
        files.insert(
            "/a/ok.html".into(),
            (
                "flaky",
                article(
                    "全市光伏装机容量再创新高",
                    "2024-03-01 09:30",
                    "utf-8",
                    "<p>今年以来全市光伏装机容量持续增长。</p><p>下一步将继续推进。</p>",
                )
                .into_bytes(),
            ),
        );
        files.insert("/a/down.html".into(), ("status:503", Vec::new()));
        files
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let (code, stderr, report) = crawl_urls(data.path(), &[site.url("/news/list.html")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("1 new, 0 updated, 1 failed"), "{stderr}");
    assert_eq!(site.count("/a/ok.html"), 2, "tried again once");
    assert_eq!(site.count("/a/down.html"), 4, "tried again three times");
    let down = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"].as_str().unwrap().ends_with("/a/down.html"))
        .unwrap();
    assert_eq!(down["outcome"], "refused", "{down:#}");
    let reason = down["reason"].as_str().unwrap();
    assert!(
        reason.contains("503") && reason.contains("after 3 retries"),
        "{reason}"
    );
    assert_eq!(report["crawl"][0]["left"], 0, "{report:#}");
}
