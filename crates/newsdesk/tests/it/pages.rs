//! Public pages of the demo site, checked as parsed HTML.

use reqwest::StatusCode;

use crate::support::{TestApp, article_link, attr, texts};

const SEED_TITLE: &str = "合肥丨携手打造新能源与智能网联汽车世界级产业集群";

async fn seed_path(app: &TestApp) -> String {
    let (status, home) = app.page("/channels/nev").await;
    assert_eq!(status, StatusCode::OK);
    article_link(&home, SEED_TITLE).expect("seed article listed in its channel")
}

#[tokio::test]
async fn seed_article_page_shows_the_article() {
    let app = TestApp::start().await;
    let path = seed_path(&app).await;
    let (status, doc) = app.page(&path).await;
    assert_eq!(status, StatusCode::OK);

    assert_eq!(attr(&doc, "html", "lang").as_deref(), Some("zh-CN"));
    assert!(attr(&doc, "meta[name=viewport]", "content").is_some());
    assert_eq!(texts(&doc, "h1"), vec![SEED_TITLE]);
    assert!(texts(&doc, "title")[0].starts_with(SEED_TITLE));

    // Publish time in Beijing time, machine-readable with its offset.
    assert_eq!(texts(&doc, ".article-meta time"), vec!["2024-02-08 10:21"]);
    assert_eq!(
        attr(&doc, ".article-meta time", "datetime").as_deref(),
        Some("2024-02-08T10:21:00+08:00")
    );
    // The seed has empty 作者 and 来源: no empty labels.
    let meta = texts(&doc, ".article-meta").join(" ");
    assert!(!meta.contains("作者"), "empty author label shown: {meta}");
    assert!(!meta.contains("来源"), "empty source label shown: {meta}");
    assert!(meta.contains("浏览量"));

    // Body: the four numbered items as a list, the heading, the paragraphs.
    let items = texts(&doc, ".article-body ol > li");
    assert_eq!(items.len(), 4, "{items:?}");
    assert!(items[0].starts_with("实施消费促进行动"));
    assert!(items[1].ends_with("力争新能源汽车产量突破120万辆。"));
    assert!(texts(&doc, ".article-body h2").contains(&"二、2024年工作安排".to_string()));
    let paragraphs = texts(&doc, ".article-body p");
    assert!(paragraphs.len() > 30, "{} paragraphs", paragraphs.len());
    assert!(
        paragraphs
            .iter()
            .any(|p| p.contains("地区生产总值增长6%左右"))
    );
    // No site chrome inside the article.
    let body = texts(&doc, ".article-body").join("");
    for chrome in ["手机网站", "微信网站", "版权所有", "京ICP备", "中企动力"] {
        assert!(!body.contains(chrome), "{chrome} in body");
    }
}

#[tokio::test]
async fn every_page_has_the_filing_footer() {
    let app = TestApp::start().await;
    let seed = seed_path(&app).await;
    for path in ["/", "/channels/solar", seed.as_str(), "/no-such-page"] {
        let (_, doc) = app.page(path).await;
        let footer = texts(&doc, "footer").join(" ");
        assert!(
            footer.contains("版权所有") && footer.contains("北京国能赢创能源信息技术有限公司"),
            "{path}: {footer}"
        );
        let icp = attr(&doc, "footer a[href^='https://beian.miit.gov.cn']", "href");
        assert_eq!(icp.as_deref(), Some("https://beian.miit.gov.cn/"), "{path}");
        assert_eq!(
            texts(&doc, "footer a[href^='https://beian.miit.gov.cn']"),
            vec!["京ICP备17037723号"]
        );
        let psb = attr(&doc, "footer a.psb", "href").expect("public-security link");
        let url = reqwest::Url::parse(&psb).unwrap();
        assert!(
            url.query_pairs().any(|(_, v)| v == "11010802025013"),
            "{path}: number not in the query of {psb}"
        );
        assert_eq!(
            texts(&doc, "footer a.psb"),
            vec!["京公网安备 11010802025013号"]
        );
    }
}

#[tokio::test]
async fn home_and_channels_list_articles_newest_first() {
    let app = TestApp::start().await;
    let (status, home) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    let nav = texts(&home, "nav.channels a");
    for name in ["首页", "新能源汽车", "光伏", "储能", "充换电", "政策法规"] {
        assert!(
            nav.contains(&name.to_string()),
            "{name} missing from {nav:?}"
        );
    }
    assert!(article_link(&home, SEED_TITLE).is_some());

    let (status, solar) = app.page("/channels/solar").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&solar, "h1"), vec!["光伏"]);
    let times: Vec<_> = texts(&solar, ".article-list time");
    assert!(times.len() >= 2);
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "channel page not newest first");
    assert!(
        texts(&solar, ".article-list .card-title")
            .iter()
            .all(|t| !t.contains("合肥"))
    );
}

#[tokio::test]
async fn unknown_pages_get_the_chinese_404() {
    let app = TestApp::start().await;
    for path in [
        "/no-such-page",
        "/articles/no-such-article",
        "/channels/none",
        "/channels/solar?page=99",
    ] {
        let (status, doc) = app.page(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(texts(&doc, "h1"), vec!["页面不存在"], "{path}");
        assert_eq!(attr(&doc, "html", "lang").as_deref(), Some("zh-CN"));
    }
    // A malformed page number is read as the first page, not an error.
    assert_eq!(
        app.get("/channels/solar?page=abc").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn static_assets_are_served_with_cache_headers() {
    let app = TestApp::start().await;
    let (_, home) = app.page("/").await;
    let css = attr(&home, "link[rel=stylesheet]", "href").unwrap();
    let r = app.get(&css).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        app.get("/static/../newsdesk.db").await.status(),
        StatusCode::NOT_FOUND
    );
}
