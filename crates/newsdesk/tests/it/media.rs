//! Media (issue 13): remote images fetched on save from a local HTTP server the test starts (ok,
//! 404, not an image, too large, redirected), internal addresses refused by default, attachments
//! (upload, list under the article, download with the Chinese name, type refusal), and the image
//! library (alt text, search, delete refused while in use). Runs on SQLite and PostgreSQL.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use scraper::Html;

use crate::newsroom::{PASSWORD, add_user, png};
use crate::support::{TestApp, attr, cookie_value, texts};

/// A signed-in browser.
struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

async fn sign_in<'a>(app: &'a TestApp, name: &str) -> Browser<'a> {
    add_user(app, name, Role::Editor).await;
    let page = app.get("/admin/login").await;
    let login_csrf = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    let r = app
        .client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={login_csrf}"))
        .form(&[
            ("name", name),
            ("password", PASSWORD),
            ("_csrf", &login_csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers().contains_key(SET_COOKIE));
    let token = cookie_value(&r, "newsdesk_session").unwrap();
    let mut b = Browser {
        app,
        cookie: format!("newsdesk_session={token}"),
        csrf: String::new(),
    };
    let (_, doc) = b.page("/admin/articles").await;
    b.csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();
    b
}

impl Browser<'_> {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.app
            .client
            .get(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> (StatusCode, Html) {
        let r = self.get(path).await;
        let status = r.status();
        (status, Html::parse_document(&r.text().await.unwrap()))
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &self.csrf));
        self.app
            .client
            .post(self.app.url(path))
            .header(COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Posts one file as multipart field `file`, the CSRF token in the query (as the forms do).
    async fn upload(&self, path: &str, name: &str, bytes: &[u8], json: bool) -> reqwest::Response {
        let (content_type, body) = multipart_body(name, bytes);
        let mut req = self
            .app
            .client
            .post(self.app.url(&format!("{path}?_csrf={}", self.csrf)))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, content_type)
            .body(body);
        if json {
            req = req.header("accept", "application/json");
        }
        req.send().await.unwrap()
    }

    /// Creates an article; returns the response (a redirect, or the editor page with a report).
    async fn create(&self, title: &str, body: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut fields = vec![
            ("title", title),
            ("channel", "nev"),
            ("body", body),
            ("action", "publish"),
        ];
        fields.extend_from_slice(extra);
        self.post("/admin/articles", &fields).await
    }
}

/// A multipart body with one file in the field `file`: (content type, body).
fn multipart_body(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----newsdesk-media-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn id_from_location(r: &reqwest::Response) -> i64 {
    let location = r.headers()[LOCATION].to_str().unwrap();
    location
        .trim_start_matches("/admin/articles/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The test's own image host on 127.0.0.1, counting the requests it gets.
struct ImageHost {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl ImageHost {
    async fn start() -> Self {
        use axum::http::StatusCode as S;
        use axum::routing::get;
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let app = axum::Router::new()
            .route(
                "/photos/ok.png",
                get(|| async { ([(CONTENT_TYPE, "image/png")], png(900, 450)) }),
            )
            .route(
                "/photos/second.png",
                get(|| async { ([(CONTENT_TYPE, "image/png")], png(300, 200)) }),
            )
            .route("/photos/missing.png", get(|| async { S::NOT_FOUND }))
            .route(
                "/photos/page.jpg",
                get(|| async {
                    (
                        [(CONTENT_TYPE, "image/jpeg")],
                        "<html><body>登录后查看</body></html>",
                    )
                }),
            )
            .route(
                "/photos/big.png",
                get(|| async { ([(CONTENT_TYPE, "image/png")], vec![0_u8; 300_000]) }),
            )
            .route(
                // Too large, and without a Content-Length to say so up front.
                "/photos/stream.png",
                get(|| async {
                    let chunks = (0..30).map(|_| Ok::<_, std::io::Error>(vec![0_u8; 10_000]));
                    axum::body::Body::from_stream(futures::stream::iter(chunks))
                }),
            )
            .route(
                "/photos/loop",
                get(|| async { axum::response::Redirect::temporary("/photos/loop") }),
            )
            .route(
                "/photos/moved",
                get(|| async { axum::response::Redirect::temporary("/photos/second.png") }),
            )
            .layer(axum::middleware::from_fn(
                move |req: axum::extract::Request, next: axum::middleware::Next| {
                    let counter = counter.clone();
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        next.run(req).await
                    }
                },
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, hits, task }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for ImageHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn textarea_body(doc: &Html) -> String {
    texts(doc, "textarea[name=body]").concat()
}

#[tokio::test]
async fn remote_images_become_ours_and_the_ones_that_cannot_are_reported() {
    let host = ImageHost::start().await;
    let app = TestApp::builder()
        .config(|c| {
            c.remote_images_allow_private = true;
            c.max_upload_bytes = 200_000;
        })
        .start()
        .await;
    let b = sign_in(&app, "media-editor").await;

    let ok = host.url("/photos/ok.png");
    let body = format!(
        "导语。\n\n![现场]({ok})\n\n![缺失]({missing})\n\n![网页]({page})\n\n![太大]({big})\n\n\
         <p><img alt=\"转载\" src=\"{moved}\"></p>\n\n再次引用：![现场]({ok})\n\n\
         ![流]({stream})\n\n![循环]({looping})",
        missing = host.url("/photos/missing.png"),
        page = host.url("/photos/page.jpg"),
        big = host.url("/photos/big.png"),
        moved = host.url("/photos/moved"),
        stream = host.url("/photos/stream.png"),
        looping = host.url("/photos/loop"),
    );
    let r = b
        .create("外链图片的报道", &body, &[("cover_image", &ok)])
        .await;
    // Saved, and the editor shows what stayed remote instead of redirecting it away.
    assert_eq!(r.status(), StatusCode::OK);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let failed = texts(&doc, ".remote-failures .remote-url");
    assert_eq!(failed.len(), 5, "{failed:?}");
    let reasons = texts(&doc, ".remote-failures .remote-reason");
    assert_eq!(
        reasons.iter().filter(|r| r.contains("图片超过")).count(),
        2,
        "the announced and the streamed oversize image: {reasons:?}"
    );
    let reasons = reasons.join("|");
    assert!(reasons.contains("HTTP 404"), "{reasons}");
    assert!(reasons.contains("不支持的文件类型"), "{reasons}");
    assert!(reasons.contains("重定向次数过多"), "{reasons}");
    let saved = textarea_body(&doc);
    // Fetched images now point at our uploads (both uses of the same one, and the redirected
    // one); the failed ones are kept as written, not dropped.
    assert!(!saved.contains(&ok), "{saved}");
    assert_eq!(saved.matches("](/uploads/").count(), 2, "{saved}");
    assert!(saved.contains("src=\"/uploads/"), "{saved}");
    assert!(saved.contains(&host.url("/photos/missing.png")));
    assert!(saved.contains(&host.url("/photos/big.png")));
    let cover = attr(&doc, "input[name=cover_image]", "value").unwrap();
    assert!(
        cover.starts_with("/uploads/") && cover.ends_with("_900x450.png"),
        "{cover}"
    );

    // The public page shows our copies with their variants.
    let public = attr(&doc, ".page-head a[target=_blank]", "href").unwrap();
    let (status, page) = app.page(&public).await;
    assert_eq!(status, StatusCode::OK);
    let srcs: Vec<String> = page
        .select(&scraper::Selector::parse(".article-body img").unwrap())
        .filter_map(|e| e.value().attr("src").map(str::to_string))
        .collect();
    assert!(
        srcs.iter()
            .any(|s| s.starts_with("/uploads/") && s.ends_with("_900x450.png")),
        "{srcs:?}"
    );
    let local = srcs.iter().find(|s| s.starts_with("/uploads/")).unwrap();
    assert_eq!(app.get(local).await.status(), StatusCode::OK);
    assert!(attr(&page, ".article-body img[srcset]", "srcset").is_some_and(|s| s.contains("480w")));

    // The fetched images are in the library under their remote names.
    let (_, library) = b.page("/admin/images").await;
    let names = texts(&library, ".image-name");
    assert!(names.contains(&"ok.png".to_string()), "{names:?}");
    assert!(names.contains(&"second.png".to_string()), "{names:?}");

    // The API reports the same way.
    let r = b.post("/admin/tokens", &[("name", "媒体测试")]).await;
    let doc = Html::parse_document(&r.text().await.unwrap());
    let token = texts(&doc, "#new-token")[0].clone();
    let r = app
        .client
        .post(app.url("/api/v1/articles"))
        .header("authorization", format!("Bearer {token}"))
        .json(&serde_json::json!({
            "title": "接口外链图片", "channel": "nev",
            "body": format!("![a]({ok})\n\n![b]({})", host.url("/photos/missing.png")),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let j: serde_json::Value = r.json().await.unwrap();
    let failures = j["remote_image_failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{j}");
    assert_eq!(failures[0]["url"], host.url("/photos/missing.png"));
    assert!(failures[0]["reason"].as_str().unwrap().contains("404"));
    assert!(j["body"].as_str().unwrap().contains("](/uploads/"), "{j}");
    // A save whose images are all ours redirects as before.
    let r = b.create("本站图片", "![本站](/uploads/x.png)", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.stop().await;
}

#[tokio::test]
async fn remote_images_on_internal_addresses_are_refused_by_default() {
    let host = ImageHost::start().await;
    let app = TestApp::start().await;
    let b = sign_in(&app, "media-ssrf").await;
    let body = format!(
        "![内网]({})\n\n![元数据](http://169.254.169.254/latest/meta-data)\n\n![本机](http://localhost:{}/photos/ok.png)",
        host.url("/photos/ok.png"),
        host.addr.port()
    );
    let r = b.create("内网图片", &body, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let reasons = texts(&doc, ".remote-failures .remote-reason");
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons.iter().all(|r| r.contains("内部网络")),
        "{reasons:?}"
    );
    // Not one request reached the internal server.
    assert_eq!(host.hits.load(Ordering::SeqCst), 0);
    assert!(textarea_body(&doc).contains(&host.url("/photos/ok.png")));
    app.stop().await;
}

/// A small "DOCX": a ZIP laid out as Word writes one (`[Content_Types].xml`, `_rels/.rels`,
/// then `word/…` entries).
fn docx() -> Vec<u8> {
    fn entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        e.extend_from_slice(b"PK\x03\x04");
        e.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        e.extend_from_slice(&0_u32.to_le_bytes()); // CRC (not checked by the sniffer)
        e.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        e.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        e.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
        e.extend_from_slice(&0_u16.to_le_bytes());
        e.extend_from_slice(name.as_bytes());
        e.extend_from_slice(data);
        e
    }
    let mut z = entry("[Content_Types].xml", b"<Types/>");
    z.extend(entry("_rels/.rels", b"<Relationships/>"));
    z.extend(entry("word/document.xml", b"<w:document/>"));
    z.extend(entry("word/styles.xml", b"<w:styles/>"));
    z.extend_from_slice(b"PK\x05\x06");
    z.extend_from_slice(&[0; 18]);
    z
}

#[tokio::test]
async fn attachments_are_sniffed_listed_in_order_and_downloaded_under_their_chinese_names() {
    let app = TestApp::builder()
        .config(|c| c.max_attachment_bytes = 64 * 1024)
        .start()
        .await;
    let b = sign_in(&app, "media-files").await;
    let r = b.create("关于印发规划的通知", "正文。", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_from_location(&r);
    let path = format!("/admin/articles/{id}/attachments");

    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let r = b.upload(&path, "附件1：十四五规划.pdf", &pdf, false).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let r = b.upload(&path, "附件2：名单.docx", &docx(), false).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );

    // Named .pdf, but an HTML page (or a program): the bytes decide.
    let r = b
        .upload(
            &path,
            "通知.pdf",
            b"<html><script>alert(1)</script></html>",
            false,
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("不支持的附件类型"));
    let r = b
        .upload(&path, "setup.zip", b"MZ\x90\x00\x03program", false)
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Over the limit.
    let mut large = b"%PDF-1.4\n".to_vec();
    large.resize(70 * 1024, b'x');
    let r = b.upload(&path, "大文件.pdf", &large, false).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The editor lists them in order.
    let (_, editor) = b.page(&format!("/admin/articles/{id}")).await;
    assert_eq!(
        texts(&editor, ".attachment-list li a"),
        ["附件1：十四五规划.pdf", "附件2：名单.docx"]
    );

    // The public page lists them under the article with kind and size.
    let public = attr(&editor, ".page-head a[target=_blank]", "href").unwrap();
    let (_, page) = app.page(&public).await;
    let names = texts(&page, ".attachments li a");
    assert_eq!(names, ["附件1：十四五规划.pdf", "附件2：名单.docx"]);
    let meta = texts(&page, ".attachments li .meta").join("|");
    assert!(meta.contains("PDF") && meta.contains(" B"), "{meta}");
    assert!(meta.contains("DOCX"), "{meta}");

    // Download: the bytes, the sniffed type, and the Chinese name kept safely.
    let href = attr(&page, ".attachments li a", "href").unwrap();
    assert!(
        href.starts_with("/attachments/") && href.ends_with(".pdf"),
        "{href}"
    );
    let r = app.get(&href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/pdf");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains(
            "filename*=UTF-8''%E9%99%84%E4%BB%B61%EF%BC%9A%E5%8D%81%E5%9B%9B%E4%BA%94%E8%A7%84%E5%88%92.pdf"
        ),
        "{disposition}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    // Names outside the scheme never reach the store.
    assert_eq!(
        app.get("/attachments/..%2Fnewsdesk.db").await.status(),
        StatusCode::NOT_FOUND
    );

    // Taken off the article: gone from the page (the cached page too), the others stay in order.
    let first_id = editor
        .select(&scraper::Selector::parse(".attachment-list form").unwrap())
        .next()
        .and_then(|f| f.value().attr("action").map(str::to_string))
        .unwrap();
    let r = b.post(&first_id, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.page(&public).await;
    assert_eq!(texts(&page, ".attachments li a"), ["附件2：名单.docx"]);
    // Through the publishing API: the same checks, the list in the article's JSON.
    let r = b.post("/admin/tokens", &[("name", "附件接口")]).await;
    let doc = Html::parse_document(&r.text().await.unwrap());
    let auth = format!("Bearer {}", texts(&doc, "#new-token")[0]);
    let api_upload = |name: &'static str, bytes: Vec<u8>, auth: Option<String>| {
        let app = &app;
        async move {
            let (content_type, body) = multipart_body(name, &bytes);
            let mut req = app
                .client
                .post(app.url(&format!("/api/v1/articles/{id}/attachments")))
                .header(CONTENT_TYPE, content_type)
                .body(body);
            if let Some(auth) = auth {
                req = req.header("authorization", auth);
            }
            req.send().await.unwrap()
        }
    };
    let r = api_upload("统计表.pdf", pdf.clone(), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = api_upload(
        "统计表.pdf",
        b"GIF89a not a pdf".to_vec(),
        Some(auth.clone()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let j: serde_json::Value = r.json().await.unwrap();
    assert!(
        j["error"].as_str().unwrap().contains("不支持的附件类型"),
        "{j}"
    );
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend_from_slice(&[0; 40]);
    let r = api_upload("材料.zip", zip, Some(auth.clone())).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (j["name"].as_str(), j["kind"].as_str()),
        (Some("材料.zip"), Some("ZIP"))
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/articles/{id}")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    let j: serde_json::Value = r.json().await.unwrap();
    let names: Vec<&str> = j["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["附件2：名单.docx", "材料.zip"]);

    // Each change is in the article's audit log.
    let store = crate::support::open_store_at(app.data_path()).await;
    let actions: Vec<String> = store
        .list_audit(
            Some(id),
            newsdesk::domain::PageRequest {
                page: 1,
                per_page: 20,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.as_str() == "add_attachment")
            .count(),
        3,
        "{actions:?}"
    );
    assert!(
        actions.contains(&"remove_attachment".to_string()),
        "{actions:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_image_library_edits_alt_text_searches_and_refuses_to_delete_images_in_use() {
    let app = TestApp::start().await;
    let b = sign_in(&app, "media-library").await;
    let upload = |name: &'static str, w: u32| {
        let b = &b;
        async move {
            let r = b.upload("/admin/images", name, &png(w, 300), true).await;
            assert_eq!(r.status(), StatusCode::OK);
            let j: serde_json::Value = r.json().await.unwrap();
            j["url"].as_str().unwrap().to_string()
        }
    };
    let used = upload("会场.png", 1000).await;
    let unused = upload("备用.png", 700).await;

    let (_, library) = b.page("/admin/images").await;
    let id_of = |doc: &Html, url: &str| -> String {
        doc.select(&scraper::Selector::parse(".library-image").unwrap())
            .find(|li| {
                li.select(&scraper::Selector::parse("img").unwrap())
                    .next()
                    .and_then(|i| i.value().attr("src"))
                    == Some(url)
            })
            .and_then(|li| li.value().attr("data-id").map(str::to_string))
            .unwrap()
    };
    let used_id = id_of(&library, &used);
    let unused_id = id_of(&library, &unused);

    // Alt text, then search by it and by name.
    let r = b
        .post(
            &format!("/admin/images/{used_id}/alt"),
            &[("alt", "省新能源汽车推进会现场")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, found) = b.page("/admin/images?q=推进会").await;
    assert_eq!(texts(&found, ".image-name"), ["会场.png"]);
    assert_eq!(
        attr(&found, ".library-image input[name=alt]", "value").as_deref(),
        Some("省新能源汽车推进会现场")
    );
    let (_, found) = b.page("/admin/images?q=备用").await;
    assert_eq!(texts(&found, ".image-name"), ["备用.png"]);
    let (_, found) = b.page("/admin/images?q=100%25_").await;
    assert!(texts(&found, ".image-name").is_empty());

    // In use in a body (or as a cover): the delete is refused, naming the article.
    let r = b
        .create("推进会召开", &format!("![会场]({used})"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post(&format!("/admin/images/{used_id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("推进会召开"));
    assert_eq!(app.get(&used).await.status(), StatusCode::OK);
    let r = b
        .create("封面文章", "无图正文。", &[("cover_image", &unused)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cover_article = id_from_location(&r);
    let r = b
        .post(&format!("/admin/images/{unused_id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // A published article's edit waits for 更新发布; while that staged edit names the image, it
    // is in use too. Once no article (nor staged edit) names it, it goes, files and all.
    let edit = |body: String, action: &'static str| {
        let b = &b;
        async move {
            let (_, editor) = b.page(&format!("/admin/articles/{cover_article}")).await;
            let version = attr(&editor, "input[name=version]", "value").unwrap();
            let r = b
                .post(
                    &format!("/admin/articles/{cover_article}"),
                    &[
                        ("title", "封面文章"),
                        ("channel", "nev"),
                        ("format", "markdown"),
                        ("body", &body),
                        ("cover_image", ""),
                        ("version", &version),
                        ("action", action),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    };
    edit("无图正文。".to_string(), "publish").await;
    edit(format!("无图正文。\n\n![备用]({unused})"), "save").await;
    let r = b
        .post(&format!("/admin/images/{unused_id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "a staged edit uses it");
    edit("无图正文。".to_string(), "publish").await;
    let r = b
        .post(&format!("/admin/images/{unused_id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&unused).await.status(), StatusCode::NOT_FOUND);
    let (_, library) = b.page("/admin/images").await;
    assert_eq!(texts(&library, ".image-name"), ["会场.png"]);
    app.stop().await;
}

/// Backs up the site of `app` (with the S3 environment `s3` gives, if any), restores it into a
/// new folder and returns that folder.
fn backup_and_restore(app: &TestApp, s3: Option<(&str, &str)>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("site.tar");
    let mut cmd = crate::support::newsdesk_command(app.data_path());
    if let Some((endpoint, url)) = s3 {
        cmd.env("NEWSDESK_UPLOADS_URL", url)
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "newsdesk-test")
            .env("AWS_SECRET_ACCESS_KEY", "newsdesk-test-secret")
            .env("AWS_REGION", "us-east-1");
    }
    let out = cmd
        .env("RUST_LOG", "warn")
        .arg("backup")
        .arg(&archive)
        .arg("--data")
        .arg(app.data_path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = tempfile::tempdir().unwrap();
    let out = crate::support::newsdesk_command(restored.path())
        .env("RUST_LOG", "warn")
        .arg("restore")
        .arg(&archive)
        .arg("--data")
        .arg(restored.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    restored
}

/// Uploads a PDF onto a new published article; returns the article's public path and the
/// attachment's download path.
async fn article_with_pdf(b: &Browser<'_>, pdf: &[u8]) -> (String, String) {
    let r = b.create("附件备份", "正文。", &[]).await;
    let id = id_from_location(&r);
    let r = b
        .upload(
            &format!("/admin/articles/{id}/attachments"),
            "名单.pdf",
            pdf,
            false,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, editor) = b.page(&format!("/admin/articles/{id}")).await;
    let public = attr(&editor, ".page-head a[target=_blank]", "href").unwrap();
    let href = attr(&editor, ".attachment-list li a", "href").unwrap();
    (public, href)
}

#[tokio::test]
async fn a_backup_carries_attachments_from_the_folder_and_from_a_bucket() {
    if crate::support::on_postgres() {
        eprintln!("skipped on PostgreSQL: `newsdesk backup` archives SQLite sites");
        return;
    }
    let pdf = b"%PDF-1.7\nbackup test\n%%EOF\n".to_vec();
    let app = TestApp::start().await;
    let b = sign_in(&app, "media-backup").await;
    let (public, href) = article_with_pdf(&b, &pdf).await;
    let restored = backup_and_restore(&app, None);
    app.stop().await;
    let app = TestApp::builder().data(restored).start().await;
    let (_, page) = app.page(&public).await;
    assert_eq!(texts(&page, ".attachments li a"), ["名单.pdf"]);
    let r = app.get(&href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    app.stop().await;

    // The same from a site whose uploads are in a bucket: the attachment is downloaded into the
    // archive beside the images.
    let Some(endpoint) = crate::object_store::endpoint("media bucket backup") else {
        return;
    };
    let url = format!(
        "s3://{}/{}",
        crate::object_store::BUCKET,
        crate::object_store::unique_prefix("media-backup")
    );
    let (e, u) = (endpoint.clone(), url.clone());
    let app = TestApp::builder()
        .config(move |c| {
            c.uploads_url = Some(u);
            c.uploads_s3_options = crate::object_store::s3_options(&e);
        })
        .start()
        .await;
    let b = sign_in(&app, "media-bucket").await;
    let (_, href) = article_with_pdf(&b, &pdf).await;
    let restored = backup_and_restore(&app, Some((&endpoint, &url)));
    app.stop().await;
    let name = href.trim_start_matches("/attachments/");
    assert_eq!(
        std::fs::read(restored.path().join("uploads").join(name)).unwrap(),
        pdf
    );
}
