//! Reach: feeds, sitemaps, robots.txt, share metadata, JSON-LD, the article QR code and WeChat's
//! in-app browser, all over HTTP.

use chrono::{Duration, Utc};
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat, FeedContent};
use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::support::{TestApp, article_link, attr, texts};

const SEED_TITLE: &str = "合肥丨携手打造新能源与智能网联汽车世界级产业集群";
/// The demo site's base URL (the default setting), from which absolute URLs are made.
const BASE: &str = "http://127.0.0.1:8080";
const WECHAT_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN";
/// Demo content: articles, and pages: home + 5 channels, 11 tags, the 专题 index and its one
/// 专题, 3 single pages.
const DEMO_ARTICLES: usize = 8;
const DEMO_PAGES: usize = 6 + 11 + 2 + 3;

async fn seed_path(app: &TestApp) -> String {
    let (_, doc) = app.page("/channels/nev").await;
    article_link(&doc, SEED_TITLE).expect("seed article listed")
}

async fn xml(app: &TestApp, path: &str) -> (reqwest::header::HeaderMap, String) {
    let r = app.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let headers = r.headers().clone();
    (headers, r.text().await.unwrap())
}

/// Texts of all elements named `name` (namespace `ns`, or none) in an XML document.
fn xml_texts(doc: &roxmltree::Document<'_>, ns: Option<&str>, name: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.tag_name().name() == name && n.tag_name().namespace() == ns)
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

fn article_input(slug: &str, title: &str, published: chrono::DateTime<Utc>) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: title.into(),
        author: None,
        source: None,
        channel_slug: "solar".into(),
        tags: vec![],
        summary: "摘要".into(),
        summary_auto: true,
        body_format: BodyFormat::Html,
        body_source: "<p>正文</p>".into(),
        body_html: "<p>正文</p>".into(),
        status: ArticleStatus::Published,
        published_at: Some(published),
        views: 0,
        import_key: None,
    }
}

#[tokio::test]
async fn feeds_carry_the_articles_and_are_linked_from_the_pages() {
    let app = TestApp::start().await;
    let seed = format!("{BASE}{}", seed_path(&app).await);

    let (headers, rss) = xml(&app, "/feed.xml").await;
    assert_eq!(
        headers["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    let doc = roxmltree::Document::parse(&rss).unwrap();
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    let links = xml_texts(&doc, None, "link");
    assert_eq!(links[0], format!("{BASE}/"));
    assert!(links.contains(&seed), "{links:?}");
    assert_eq!(xml_texts(&doc, None, "item").len(), DEMO_ARTICLES);
    // Full content by default, in Beijing time.
    let content = xml_texts(
        &doc,
        Some("http://purl.org/rss/1.0/modules/content/"),
        "encoded",
    );
    assert!(
        content
            .iter()
            .any(|c| c.contains("力争新能源汽车产量突破120万辆"))
    );
    assert!(
        xml_texts(&doc, None, "pubDate").contains(&"Thu, 8 Feb 2024 10:21:00 +0800".to_string())
    );

    let (headers, atom) = xml(&app, "/atom.xml").await;
    assert_eq!(
        headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let doc = roxmltree::Document::parse(&atom).unwrap();
    assert_eq!(doc.root_element().tag_name().namespace(), Some(ATOM));
    assert!(xml_texts(&doc, Some(ATOM), "id").contains(&seed));
    assert!(
        xml_texts(&doc, Some(ATOM), "published").contains(&"2024-02-08T10:21:00+08:00".to_string())
    );

    // A channel's feeds hold its articles only.
    let (_, nev) = xml(&app, "/channels/nev/feed.xml").await;
    let (_, solar) = xml(&app, "/channels/solar/atom.xml").await;
    assert!(nev.contains(SEED_TITLE));
    assert!(!solar.contains(SEED_TITLE));
    assert_eq!(
        app.get("/channels/none/feed.xml").await.status(),
        StatusCode::NOT_FOUND
    );

    // Every page links the site's feeds; a channel page its own too.
    let (_, home) = app.page("/").await;
    let feeds = |doc: &Html| -> Vec<(String, String)> {
        let sel = Selector::parse("link[rel=alternate]").unwrap();
        doc.select(&sel)
            .map(|e| {
                let v = e.value();
                (
                    v.attr("type").unwrap().to_string(),
                    v.attr("href").unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        feeds(&home),
        vec![
            ("application/rss+xml".into(), "/feed.xml".into()),
            ("application/atom+xml".into(), "/atom.xml".into())
        ]
    );
    let (_, channel) = app.page("/channels/nev").await;
    assert!(feeds(&channel).contains(&(
        "application/rss+xml".to_string(),
        "/channels/nev/feed.xml".to_string()
    )));
    assert!(feeds(&channel).contains(&(
        "application/atom+xml".to_string(),
        "/channels/nev/atom.xml".to_string()
    )));
}

#[tokio::test]
async fn feeds_answer_conditional_gets_with_304() {
    let app = TestApp::start().await;
    for path in [
        "/feed.xml",
        "/atom.xml",
        "/channels/nev/feed.xml",
        "/sitemap.xml",
    ] {
        let r = app.get(path).await;
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let last_modified = r
            .headers()
            .get("last-modified")
            .map(|v| v.to_str().unwrap().to_string());
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
        let changed = app
            .client
            .get(app.url(path))
            .header("if-none-match", "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), StatusCode::OK, "{path}");
        if let Some(lm) = last_modified {
            let since = app
                .client
                .get(app.url(path))
                .header("if-modified-since", &lm)
                .send()
                .await
                .unwrap();
            assert_eq!(since.status(), StatusCode::NOT_MODIFIED, "{path}");
            let earlier = app
                .client
                .get(app.url(path))
                .header("if-modified-since", "Mon, 01 Jan 2024 00:00:00 GMT")
                .send()
                .await
                .unwrap();
            assert_eq!(earlier.status(), StatusCode::OK, "{path}");
        } else {
            assert_ne!(path, "/feed.xml", "feeds carry Last-Modified");
        }
    }
}

#[tokio::test]
async fn feeds_carry_summaries_only_when_the_site_says_so() {
    let data = tempfile::tempdir().unwrap();
    {
        let store = crate::support::open_store_at(data.path()).await;
        let mut site = store.site_settings().await.unwrap();
        site.feed_content = FeedContent::Summary;
        store.save_site_settings(&site).await.unwrap();
    }
    let app = TestApp::builder().data(data).start().await;
    let (_, rss) = xml(&app, "/feed.xml").await;
    assert!(
        !rss.contains("content:encoded>"),
        "full content in a summary feed"
    );
    assert!(!rss.contains("力争新能源汽车产量突破120万辆"));
    let (_, atom) = xml(&app, "/atom.xml").await;
    let doc = roxmltree::Document::parse(&atom).unwrap();
    assert!(xml_texts(&doc, Some(ATOM), "content").is_empty());
    assert_eq!(xml_texts(&doc, Some(ATOM), "entry").len(), DEMO_ARTICLES);
}

#[tokio::test]
async fn robots_points_at_sitemaps_that_list_every_public_page() {
    let app = TestApp::start().await;
    let r = app.get("/robots.txt").await;
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    let robots = r.text().await.unwrap();
    assert!(
        robots.contains(&format!("Sitemap: {BASE}/sitemap.xml\n")),
        "{robots}"
    );
    assert!(robots.contains(&format!("Sitemap: {BASE}/sitemap-news.xml\n")));

    let seed = format!("{BASE}{}", seed_path(&app).await);
    let (headers, body) = xml(&app, "/sitemap.xml").await;
    assert_eq!(headers["content-type"], "application/xml; charset=utf-8");
    let doc = roxmltree::Document::parse(&body).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "urlset");
    assert_eq!(doc.root_element().tag_name().namespace(), Some(SITEMAP));
    let locs = xml_texts(&doc, Some(SITEMAP), "loc");
    assert_eq!(locs.len(), DEMO_ARTICLES + DEMO_PAGES);
    assert!(locs.iter().all(|l| l.starts_with(BASE)));
    for expected in [format!("{BASE}/"), format!("{BASE}/channels/solar"), seed] {
        assert!(locs.contains(&expected), "{expected} missing");
    }
    assert!(
        xml_texts(&doc, Some(SITEMAP), "lastmod")
            .iter()
            .all(|t| t.ends_with("+08:00"))
    );
}

#[tokio::test]
async fn the_news_sitemap_lists_the_last_two_days() {
    let app = TestApp::start().await;
    let store = app.open_store().await;
    let now = Utc::now();
    store
        .upsert_article(
            &article_input("fresh", "新鲜 <快讯> & 动态", now - Duration::hours(3)),
            &Default::default(),
        )
        .await
        .unwrap();
    store
        .upsert_article(
            &article_input("stale", "三天前", now - Duration::days(3)),
            &Default::default(),
        )
        .await
        .unwrap();
    store
        .upsert_article(
            &article_input("future", "明天", now + Duration::days(1)),
            &Default::default(),
        )
        .await
        .unwrap();
    let (_, body) = xml(&app, "/sitemap-news.xml").await;
    let doc = roxmltree::Document::parse(&body).unwrap();
    let news = "http://www.google.com/schemas/sitemap-news/0.9";
    assert_eq!(
        xml_texts(&doc, Some(SITEMAP), "loc"),
        vec![format!("{BASE}/articles/fresh")]
    );
    assert_eq!(
        xml_texts(&doc, Some(news), "title"),
        vec!["新鲜 <快讯> & 动态"]
    );
    assert_eq!(xml_texts(&doc, Some(news), "name"), vec!["能源资讯网"]);
    assert!(xml_texts(&doc, Some(news), "publication_date")[0].ends_with("+08:00"));
}

/// All `<loc>`s of a sitemap document and its root element's name.
async fn sitemap_locs(app: &TestApp, path: &str) -> (String, Vec<String>) {
    let (_, body) = xml(app, path).await;
    let doc = roxmltree::Document::parse(&body).unwrap();
    (
        doc.root_element().tag_name().name().to_string(),
        xml_texts(&doc, Some(SITEMAP), "loc"),
    )
}

#[tokio::test]
async fn the_sitemap_becomes_an_index_past_its_limit() {
    let app = TestApp::builder().sitemap_max_urls(3).start().await;
    let (root, parts) = sitemap_locs(&app, "/sitemap.xml").await;
    assert_eq!(root, "sitemapindex");
    let expected_parts = 1 + DEMO_ARTICLES.div_ceil(3);
    assert_eq!(parts.len(), expected_parts, "{parts:?}");
    assert_eq!(parts[0], format!("{BASE}/sitemaps/pages.xml"));
    let mut all = Vec::new();
    for part in &parts {
        let path = part.strip_prefix(BASE).unwrap();
        let (root, locs) = sitemap_locs(&app, path).await;
        assert_eq!(root, "urlset");
        assert!(
            path == "/sitemaps/pages.xml" || locs.len() <= 3,
            "{path}: {locs:?}"
        );
        all.extend(locs);
    }
    let (_, unsplit) = sitemap_locs(&TestApp::start().await, "/sitemap.xml").await;
    all.sort();
    let mut unsplit = unsplit;
    unsplit.sort();
    assert_eq!(
        all, unsplit,
        "the parts hold exactly the pages of the whole"
    );
    let past = format!("/sitemaps/articles-{}.xml", expected_parts);
    for path in [
        past.as_str(),
        "/sitemaps/articles-0.xml",
        "/sitemaps/other.xml",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_urls_is_where_the_sitemap_splits() {
    let app = TestApp::start().await;
    let store = app.open_store().await;
    let published = Utc::now() - Duration::days(10);
    // Exactly 50,000 URLs: one sitemap.
    let fill = 50_000 - DEMO_ARTICLES - DEMO_PAGES;
    for i in 0..fill {
        store
            .upsert_article(
                &article_input(&format!("gen-{i}"), "生成的文章", published),
                &Default::default(),
            )
            .await
            .unwrap();
    }
    let (root, locs) = sitemap_locs(&app, "/sitemap.xml").await;
    assert_eq!((root.as_str(), locs.len()), ("urlset", 50_000));
    // One more: an index of the pages and the articles.
    store
        .upsert_article(
            &article_input("gen-last", "生成的文章", published),
            &Default::default(),
        )
        .await
        .unwrap();
    let (root, parts) = sitemap_locs(&app, "/sitemap.xml").await;
    assert_eq!(root, "sitemapindex");
    assert_eq!(
        parts,
        vec![
            format!("{BASE}/sitemaps/pages.xml"),
            format!("{BASE}/sitemaps/articles-1.xml")
        ]
    );
    let (_, articles) = sitemap_locs(&app, "/sitemaps/articles-1.xml").await;
    assert_eq!(articles.len(), 50_000 - DEMO_PAGES + 1);
}

#[tokio::test]
async fn article_pages_carry_share_metadata_and_news_article_json_ld() {
    let app = TestApp::start().await;
    let path = seed_path(&app).await;
    let url = format!("{BASE}{path}");
    let (_, doc) = app.page(&path).await;
    let meta = |p: &str| attr(&doc, &format!("meta[property='{p}']"), "content");
    assert_eq!(attr(&doc, "link[rel=canonical]", "href"), Some(url.clone()));
    assert_eq!(meta("og:title").as_deref(), Some(SEED_TITLE));
    assert_eq!(meta("og:type").as_deref(), Some("article"));
    assert_eq!(meta("og:url"), Some(url.clone()));
    assert!(!meta("og:description").unwrap().is_empty());
    let image = meta("og:image").unwrap();
    assert_eq!(image, format!("{BASE}/static/share.png"));
    assert_eq!(meta("og:image:width").as_deref(), Some("300"));
    // WeChat's link preview reads schema.org microdata.
    assert_eq!(
        attr(&doc, "meta[itemprop=name]", "content").as_deref(),
        Some(SEED_TITLE)
    );
    assert_eq!(
        attr(&doc, "meta[itemprop=image]", "content"),
        Some(image.clone())
    );
    assert!(attr(&doc, "meta[itemprop=description]", "content").is_some());
    let png = app.get(image.strip_prefix(BASE).unwrap()).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));

    let ld = texts(&doc, "script[type='application/ld+json']");
    assert_eq!(ld.len(), 1);
    let ld: serde_json::Value = serde_json::from_str(&ld[0]).unwrap();
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], SEED_TITLE);
    assert_eq!(ld["datePublished"], "2024-02-08T10:21:00+08:00");
    assert!(ld["dateModified"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(ld["publisher"]["name"], "能源资讯网");
    assert_eq!(ld["author"][0]["name"], "能源资讯网");
    assert_eq!(ld["image"][0]["url"], image);
    assert_eq!(ld["mainEntityOfPage"]["@id"], url);
    // Without a WeChat account there is no share script.
    assert!(attr(&doc, "script[src*='wechat-share']", "src").is_none());
}

#[tokio::test]
async fn the_qr_code_decodes_to_the_article_url() {
    let app = TestApp::start().await;
    let path = seed_path(&app).await;
    let (_, doc) = app.page(&path).await;
    assert_eq!(
        texts(&doc, ".share-qr figcaption"),
        vec!["微信扫一扫 在手机上阅读"]
    );
    let sel = Selector::parse(".share-qr svg").unwrap();
    let svg = doc.select(&sel).next().expect("a QR code").html();
    assert!(attr(&doc, ".share-qr svg", "aria-label").is_some());
    assert_eq!(decode_qr(&svg), format!("{BASE}{path}"));
}

/// Rasterizes an SVG QR code at 8 pixels per unit and reads it.
fn decode_qr(svg: &str) -> String {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).unwrap();
    let scale = 8.0;
    let size = tree.size();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "small sizes"
    )]
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let width = w as usize;
    let data = pixmap.data();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, h as usize, |x, y| {
        data[(y * width + x) * 4]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn wechat_gets_the_phone_layout_without_a_qr_code() {
    let app = TestApp::start().await;
    let path = seed_path(&app).await;
    let desktop = app.get(&path).await;
    assert!(
        desktop.headers()["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("user-agent")
    );
    let r = app
        .client
        .get(app.url(&path))
        .header("user-agent", WECHAT_UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(texts(&doc, "h1"), vec![SEED_TITLE]);
    assert!(
        texts(&doc, ".share-qr").is_empty(),
        "QR code shown inside WeChat"
    );
    assert_eq!(attr(&doc, "html", "class").as_deref(), Some("wechat"));
    for page in ["/", "/channels/nev"] {
        let r = app
            .client
            .get(app.url(page))
            .header("user-agent", WECHAT_UA)
            .send()
            .await
            .unwrap();
        assert!(r.headers()["vary"].to_str().unwrap().contains("user-agent"));
        let doc = Html::parse_document(&r.text().await.unwrap());
        assert_eq!(
            attr(&doc, "html", "class").as_deref(),
            Some("wechat"),
            "{page}"
        );
    }
    // Nothing WeChat-specific is served without an account.
    let api = app
        .get("/api/v1/wechat/jssdk-config?url=http%3A%2F%2F127.0.0.1%3A8080%2F")
        .await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}
