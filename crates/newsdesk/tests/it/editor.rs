//! The rich-text editor's server side over HTTP: HTML bodies (from the admin form and the API)
//! sanitized by the public page's rules, the automatic summary (paragraph text only, automatic
//! until an editor writes one), the first-line indent setting, and a cover image that is also in
//! the body shown once. The paste itself is tested in Chromium (browser/editor-paste.test.mjs).

use newsdesk::domain::Role;
use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::newsroom::{Session, add_user, login, png, upload};
use crate::support::{TestApp, attr, texts};

/// Office and WeChat markup as a paste that skipped the editor's cleaning (an API client) would
/// send it, with hostile bits.
const JUNK_HTML: &str = r#"<h2 onclick="x()" class="title" style="font-family:黑体">一、总体要求</h2>
<p class=MsoNormal style='text-indent:21.0pt;mso-char-indent-count:2.0'><span style='font-family:仿宋;mso-ascii-font-family:"Times New Roman"'>到2025年，装机规模达到</span><b><span lang=EN-US>300</span></b><span>万千瓦以上。</span></p>
<table class=MsoTableGrid border=1 style='border-collapse:collapse;mso-yfti-tbllook:1184'>
 <tr><td width=184 style='width:138.25pt;mso-border-alt:solid'><p class=MsoNormal>项目</p></td><td><p>规模</p></td></tr>
 <tr><td><p>合肥储能电站</p></td><td><p>200兆瓦</p></td></tr>
</table>
<section style="margin:0"><p style="color:rgb(255,0,0)"><font face="宋体" color="red">第二段</font><img src="https://mmbiz.qpic.cn/x/640" onerror="alert(1)" style="width:677px" class="rich_pages"></p></section>
<script>alert(1)</script><p><a href="javascript:alert(1)">链接</a></p>"#;

fn count(doc: &Html, selector: &str) -> usize {
    doc.select(&Selector::parse(selector).unwrap()).count()
}

/// Public page checks shared by the admin and API paths.
fn assert_clean_structure(doc: &Html) {
    assert_eq!(texts(doc, ".article-body h2"), vec!["一、总体要求"]);
    assert_eq!(count(doc, ".article-body table tr"), 2);
    assert_eq!(count(doc, ".article-body table td"), 4);
    assert_eq!(
        texts(doc, ".article-body td"),
        vec!["项目", "规模", "合肥储能电站", "200兆瓦"]
    );
    assert_eq!(count(doc, ".article-body b"), 1);
    for junk in [
        "[style]",
        "[class]",
        "[onclick]",
        "[onerror]",
        "span",
        "font",
        "script",
        "[lang]",
    ] {
        assert_eq!(count(doc, &format!(".article-body {junk}")), 0, "{junk}");
    }
    let body = doc
        .select(&Selector::parse(".article-body").unwrap())
        .next()
        .unwrap()
        .inner_html();
    assert!(
        !body.contains("mso-") && !body.contains("javascript"),
        "{body}"
    );
    assert_eq!(
        attr(doc, ".article-body img", "src").as_deref(),
        Some("https://mmbiz.qpic.cn/x/640")
    );
}

async fn editor_token(app: &TestApp, s: &Session<'_>) -> String {
    let _ = app;
    let r = s.post("/admin/tokens", &[("name", "稿件系统")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = Html::parse_document(&r.text().await.unwrap());
    texts(&doc, "#new-token")[0].clone()
}

#[tokio::test]
async fn html_bodies_are_sanitized_by_the_public_pages_rules_from_the_form_and_the_api() {
    let app = TestApp::start().await;
    add_user(&app, "yan", Role::Editor).await;
    let s = login(&app, "yan").await;

    // The admin form, with the format the editor's switch sends.
    let r = s
        .post(
            "/admin/articles",
            &[
                ("title", "表单的富文本"),
                ("channel", "nev"),
                ("format", "html"),
                ("body", JUNK_HTML),
                ("action", "publish"),
            ],
        )
        .await;
    // The WeChat picture's host cannot be reached from the test: the article is saved, and the
    // editor page (not a redirect) lists the picture that stayed remote.
    assert_eq!(r.status(), StatusCode::OK);
    let editor = Html::parse_document(&r.text().await.unwrap());
    assert!(
        editor.html().contains("https://mmbiz.qpic.cn/x/640"),
        "the picture that stayed remote is reported"
    );
    assert_eq!(
        attr(&editor, "#body-format option[selected]", "value").as_deref(),
        Some("html")
    );
    let url = attr(&editor, ".page-head a[target=_blank]", "href").unwrap();
    let (status, doc) = app.page(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert_clean_structure(&doc);

    // The API, with body_format html.
    let token = editor_token(&app, &s).await;
    let r = app
        .client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "title": "接口的富文本", "channel": "nev", "body": JUNK_HTML, "body_format": "html"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["body_format"], "html");
    assert_eq!(a["body"], JUNK_HTML, "the body is kept as written");
    let body_html = a["body_html"].as_str().unwrap();
    assert!(
        !body_html.contains("style=") && !body_html.contains("<script"),
        "{body_html}"
    );
    // Paragraph text only: no heading, no table cells, no spaces where <b> and <span> met it.
    assert_eq!(
        a["summary"],
        "到2025年，装机规模达到300万千瓦以上。第二段链接"
    );
    assert_eq!(a["summary_auto"], true);
    let id = a["id"].as_i64().unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/articles/{id}/publish")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    let (_, doc) = app.page(a["url"].as_str().unwrap()).await;
    assert_clean_structure(&doc);

    // Markdown stays available in the API, and an unknown format is refused by name.
    let r = app
        .client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "title": "接口的 Markdown", "channel": "nev", "body": "## 标题\n\n正文**加粗**。",
            "body_format": "markdown"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["body_format"], "markdown");
    assert_eq!(a["summary"], "正文加粗。");
    let r = app
        .client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "title": "格式不对", "channel": "nev", "body": "x", "body_format": "docx"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("body_format"), "{e}");
}

/// The editor page's summary field as a browser would send it back, and its placeholder.
async fn summary_field(s: &Session<'_>, id: i64) -> (String, String) {
    let (_, doc) = s.page(&format!("/admin/articles/{id}")).await;
    let value = texts(&doc, "textarea[name=summary]")
        .first()
        .cloned()
        .unwrap_or_default();
    let placeholder = attr(&doc, "textarea[name=summary]", "placeholder").unwrap_or_default();
    (value, placeholder)
}

async fn save(s: &Session<'_>, id: i64, body: &str, summary: &str) {
    let version = s.version(id).await;
    let r = s
        .post(
            &format!("/admin/articles/{id}"),
            &[
                ("title", "摘要测试"),
                ("channel", "nev"),
                ("format", "markdown"),
                ("body", body),
                ("summary", summary),
                ("version", &version),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "save refused");
}

async fn description(app: &TestApp, s: &Session<'_>, id: i64) -> String {
    let (_, editor) = s.page(&format!("/admin/articles/{id}")).await;
    let url = attr(&editor, ".page-head a[target=_blank]", "href").unwrap();
    let (_, doc) = app.page(&url).await;
    attr(&doc, "meta[name=description]", "content").unwrap()
}

#[tokio::test]
async fn the_summary_stays_automatic_until_an_editor_writes_one() {
    let app = TestApp::start().await;
    add_user(&app, "qin", Role::Editor).await;
    let s = login(&app, "qin").await;
    let r = s
        .post(
            "/admin/articles",
            &[
                ("title", "摘要测试"),
                ("channel", "nev"),
                ("format", "markdown"),
                (
                    "body",
                    "## 一、背景\n\n第一段**加粗**文字，\n换行继续。\n\n| 表头 | 列 |\n|---|---|\n| 单元格 | 值 |\n",
                ),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = location
        .trim_start_matches("/admin/articles/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        description(&app, &s, id).await,
        "第一段加粗文字，换行继续。"
    );

    // The editor shows the automatic summary as a hint, not as typed text, so saving the page as
    // it came keeps the summary automatic and it follows the new body.
    let (value, placeholder) = summary_field(&s, id).await;
    assert_eq!(value, "");
    assert_eq!(placeholder, "自动摘要：第一段加粗文字，换行继续。");
    save(&s, id, "改写后的第一段。", &value).await;
    assert_eq!(description(&app, &s, id).await, "改写后的第一段。");

    // An API client that sends back what it read (the automatic text) keeps it automatic too.
    let token = editor_token(&app, &s).await;
    let a: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/articles/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a["summary_auto"], true);
    let r = app
        .client
        .put(app.url(&format!("/api/v1/articles/{id}")))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "title": "摘要测试", "channel": "nev", "body": "接口改写的段落。",
            "summary": a["summary"], "version": a["version"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The article is published, so the edit waits for 更新发布 (publish) before it shows.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/articles/{id}/publish")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(a["summary"], "接口改写的段落。");
    assert_eq!(a["summary_auto"], true);

    // Written by an editor: kept, whatever the body becomes, and shown as typed text.
    save(&s, id, "又一次改写。", "编辑写的摘要").await;
    save(&s, id, "再改一次正文。", "编辑写的摘要").await;
    assert_eq!(description(&app, &s, id).await, "编辑写的摘要");
    assert_eq!(summary_field(&s, id).await.0, "编辑写的摘要");

    // Cleared: automatic again.
    save(&s, id, "最后的正文。", "").await;
    assert_eq!(description(&app, &s, id).await, "最后的正文。");
    assert_eq!(summary_field(&s, id).await.0, "");
}

#[tokio::test]
async fn first_line_indent_is_a_site_setting_applied_by_css() {
    let app = TestApp::start().await;
    add_user(&app, "boss", Role::Admin).await;
    let s = login(&app, "boss").await;
    let r = s
        .post(
            "/admin/articles",
            &[
                ("title", "缩进测试"),
                ("channel", "nev"),
                ("format", "html"),
                ("body", "<p>\u{3000}\u{3000}正文段落。</p>"),
                ("action", "publish"),
            ],
        )
        .await;
    let edit = r.headers()["location"].to_str().unwrap().to_string();
    let (_, editor) = s.page(&edit).await;
    let url = attr(&editor, ".page-head a[target=_blank]", "href").unwrap();
    let (_, doc) = app.page(&url).await;
    assert_eq!(count(&doc, ".article-body"), 1);
    assert_eq!(count(&doc, ".article-body.indent-first-line"), 0);

    let settings = [
        ("site_name", "测试站"),
        ("base_url", "http://127.0.0.1:8080"),
        ("timezone", "Asia/Shanghai"),
    ];
    let mut on = settings.to_vec();
    on.push(("indent_first_line", "1"));
    assert_eq!(
        s.post("/admin/settings", &on).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, doc) = app.page(&url).await;
    assert_eq!(count(&doc, ".article-body.indent-first-line"), 1);
    let (_, form) = s.page("/admin/settings").await;
    assert_eq!(count(&form, "input[name=indent_first_line][checked]"), 1);
    let (_, editor) = s.page(&edit).await;
    assert_eq!(count(&editor, "textarea#body[data-indent]"), 1);
    let css = app.get("/static/style.css").await.text().await.unwrap();
    assert!(css.contains(".article-body.indent-first-line > p"));

    // An unticked checkbox is absent from the form: off again.
    assert_eq!(
        s.post("/admin/settings", &settings).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, doc) = app.page(&url).await;
    assert_eq!(count(&doc, ".article-body.indent-first-line"), 0);
}

#[tokio::test]
async fn an_image_that_is_both_cover_and_in_the_body_shows_once() {
    let app = TestApp::start().await;
    add_user(&app, "tu", Role::Editor).await;
    let s = login(&app, "tu").await;
    let up: serde_json::Value = upload(&s, "a.png", &png(800, 600))
        .await
        .json()
        .await
        .unwrap();
    let image = up["url"].as_str().unwrap().to_string();
    let up: serde_json::Value = upload(&s, "b.png", &png(640, 480))
        .await
        .json()
        .await
        .unwrap();
    let other = up["url"].as_str().unwrap().to_string();

    let (s, app) = (&s, &app);
    let publish = |cover: String| {
        let body = format!("<p>正文。</p><img src=\"{image}\" alt=\"图\">");
        async move {
            let r = s
                .post(
                    "/admin/articles",
                    &[
                        ("title", "封面测试"),
                        ("channel", "nev"),
                        ("format", "html"),
                        ("body", &body),
                        ("cover_image", &cover),
                        ("action", "publish"),
                    ],
                )
                .await;
            let edit = r.headers()["location"].to_str().unwrap().to_string();
            let (_, editor) = s.page(&edit).await;
            let url = attr(&editor, ".page-head a[target=_blank]", "href").unwrap();
            app.page(&url).await.1
        }
    };
    let doc = publish(image.clone()).await;
    assert_eq!(count(&doc, ".article-cover"), 0, "not again above the text");
    assert_eq!(count(&doc, ".article-body img"), 1);
    let doc = publish(other.clone()).await;
    assert_eq!(
        attr(&doc, ".article-cover img", "src").as_deref(),
        Some(other.as_str())
    );
    assert_eq!(count(&doc, ".article-body img"), 1);
}
