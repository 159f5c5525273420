//! Article pages that lead on (issue 14): 相关文章 (similar content from the search index, then
//! shared tags, then the channel), 上一篇/下一篇 within the channel — both right after another
//! article is published, though pages are cached — tags linking to `/tags/{name}`, share markup
//! (copy link, Weibo, the WeChat QR card), 返回顶部; the 量化目标 panel after the lead paragraph and
//! folded; one search box on the search page; `/targets` in the navigation; the filing badge.

use chrono::{TimeZone, Utc};
use newsdesk::domain::{ArticleInput, ArticleStatus, ArticleSummary, BodyFormat, Role};
use newsdesk::store::{ReadingLinks, StoreError};
use reqwest::StatusCode;
use scraper::Html;
use serde_json::{Value, json};

use crate::newsroom::PASSWORD;
use crate::support::{TestApp, article_link, attr, texts};

const WECHAT_UA: &str = "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) \
     Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) \
     WindowsWechat(0x63090a13) XWEB/8555";

async fn api_token(app: &TestApp) -> String {
    let store = crate::support::open_store_at(app.data_path()).await;
    let user = newsdesk::auth::create_user(store.as_ref(), "reader-desk", Role::Admin, PASSWORD)
        .await
        .unwrap();
    newsdesk::auth::create_api_token(store.as_ref(), &user, "reading")
        .await
        .unwrap()
        .1
}

/// Creates and publishes an article at `at`; returns its page path.
async fn publish(app: &TestApp, token: &str, article: Value, at: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(token)
        .json(&article)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let a: Value = r.json().await.unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/articles/{}/publish", a["id"])))
        .bearer_auth(token)
        .json(&json!({"publish_at": at}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    format!("/articles/{}", a["slug"].as_str().unwrap())
}

/// The page at `path` as a reader with `user_agent` gets it.
async fn text_as(app: &TestApp, path: &str, user_agent: &str) -> String {
    let r = app
        .client
        .get(app.url(path))
        .header("user-agent", user_agent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

async fn page_as(app: &TestApp, path: &str, user_agent: &str) -> Html {
    Html::parse_document(&text_as(app, path, user_agent).await)
}

fn hrefs(doc: &Html, selector: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect()
}

#[tokio::test]
async fn articles_lead_on_to_related_and_neighbours_kept_current_through_the_cache() {
    let app = TestApp::start().await;
    let token = api_token(&app).await;
    // A channel of its own, so the demo's articles are not its neighbours.
    crate::support::open_store_at(app.data_path())
        .await
        .upsert_channel("阅读测试", "reading-test", 99)
        .await
        .unwrap();
    let body = "钙钛矿叠层电池量产线在合肥投产。钙钛矿叠层电池的转换效率超过百分之二十六，\
                钙钛矿叠层组件的量产良率持续提升，叠层电池量产线年产能达到一吉瓦。";
    // Three articles in one channel, in publish order; one elsewhere about the same thing.
    let first = publish(
        &app,
        &token,
        json!({"title": "钙钛矿叠层电池量产线投产", "channel": "reading-test", "body": body, "tags": ["钙钛矿", "量产"]}),
        "2021-03-01T02:00:00Z",
    )
    .await;
    let middle = publish(
        &app,
        &token,
        json!({"title": "屋顶光伏备案办法发布", "channel": "reading-test", "body": "备案办法明确了屋顶项目的申报流程。", "tags": ["量产"]}),
        "2021-03-02T02:00:00Z",
    )
    .await;
    let last = publish(
        &app,
        &token,
        json!({"title": "光伏扶贫电站巡检", "channel": "reading-test", "body": "巡检队走访了扶贫电站。"}),
        "2021-03-03T02:00:00Z",
    )
    .await;
    // Shown before an article like it exists: its words that no other article had then must
    // still find the one published next.
    page_as(&app, &first, "test").await;
    let similar = publish(
        &app,
        &token,
        json!({"title": "储能企业布局钙钛矿", "channel": "storage", "body": body}),
        "2021-02-01T02:00:00Z",
    )
    .await;

    // 上一篇/下一篇 in the channel, by publish time.
    let doc = page_as(&app, &middle, "test").await;
    assert_eq!(hrefs(&doc, ".prev-next a.prev[rel=prev]"), [first.as_str()]);
    assert_eq!(hrefs(&doc, ".prev-next a.next[rel=next]"), [last.as_str()]);
    assert_eq!(texts(&doc, ".prev-next a.prev .label"), ["上一篇"]);

    // 相关文章: the article with the same content from another channel (the index), the one
    // sharing a tag; never the article itself, each once.
    let doc = page_as(&app, &first, "test").await;
    let related = hrefs(&doc, ".related .related-list a");
    assert_eq!(texts(&doc, ".related h2"), ["相关文章"]);
    assert!(related.contains(&similar), "{related:?}");
    assert!(related.contains(&middle), "{related:?}");
    assert!(!related.contains(&first), "{related:?}");
    assert!(related.len() <= 6);
    let mut unique = related.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), related.len(), "{related:?}");
    // The index's similar article comes before those only sharing the channel.
    assert_eq!(related.first(), Some(&similar), "{related:?}");
    assert!(hrefs(&doc, ".prev-next a.prev").is_empty());

    // Tags are links to their pages.
    let mut tags: Vec<(String, String)> = hrefs(&doc, ".tags a.tag[rel=tag]")
        .into_iter()
        .zip(texts(&doc, ".tags a.tag[rel=tag]"))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            ("/tags/%E9%87%8F%E4%BA%A7".to_string(), "量产".to_string()),
            (
                "/tags/%E9%92%99%E9%92%9B%E7%9F%BF".to_string(),
                "钙钛矿".to_string()
            ),
        ]
    );

    // Share: copy link (the canonical URL), Weibo with the URL and headline, the QR card, 返回顶部.
    let canonical = attr(&doc, "link[rel=canonical]", "href").unwrap();
    assert_eq!(
        attr(&doc, ".reading-tools .copy-link", "data-url").as_deref(),
        Some(canonical.as_str())
    );
    let weibo = attr(&doc, ".reading-tools a.share-weibo", "href").unwrap();
    let weibo = reqwest::Url::parse(&weibo).unwrap();
    assert_eq!(weibo.host_str(), Some("service.weibo.com"));
    let pairs: Vec<(String, String)> = weibo.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("url".into(), canonical.clone())),
        "{pairs:?}"
    );
    assert!(pairs.contains(&("title".into(), "钙钛矿叠层电池量产线投产".into())));
    assert_eq!(texts(&doc, ".share-wechat summary"), ["分享到微信"]);
    assert!(attr(&doc, ".share-wechat .share-qr svg", "aria-label").is_some());
    assert_eq!(hrefs(&doc, ".back-top a"), ["#top"]);
    assert!(
        attr(&doc, "script[src^='/static/reading.js']", "defer").is_some(),
        "the tools' script"
    );
    // In WeChat: no QR card (the reader is on the phone), the rest stays.
    let doc = page_as(&app, &first, WECHAT_UA).await;
    assert!(texts(&doc, ".share-wechat").is_empty());
    assert!(attr(&doc, ".reading-tools .copy-link", "data-url").is_some());

    // The last article has no 下一篇 yet; publishing a newer one in the channel gives it one at
    // once, though its page was cached: every article write moves the pages' content version.
    let doc = page_as(&app, &last, "test").await;
    assert!(hrefs(&doc, ".prev-next a.next").is_empty());
    assert_eq!(hrefs(&doc, ".prev-next a.prev"), [middle.as_str()]);
    let newest = publish(
        &app,
        &token,
        json!({"title": "光伏组件回收试点", "channel": "reading-test", "body": "试点回收退役组件。"}),
        "2021-03-04T02:00:00Z",
    )
    .await;
    let doc = page_as(&app, &last, "test").await;
    assert_eq!(hrefs(&doc, ".prev-next a.next"), [newest.as_str()]);

    // Moved to another channel, its page leads on in that channel at once: what it leads on to
    // is asked of the article as it was last shown while its change is being noticed.
    let slug = last.trim_start_matches("/articles/");
    let store = crate::support::open_store_at(app.data_path()).await;
    let id = store.page_stamp(slug).await.unwrap().id;
    let current: Value = app
        .client
        .get(app.url(&format!("/api/v1/articles/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .put(app.url(&format!("/api/v1/articles/{id}")))
        .bearer_auth(&token)
        .json(&json!({"title": "光伏扶贫电站巡检", "channel": "storage",
            "body": "巡检队走访了扶贫电站。", "version": current["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    // A published article's change is staged until 更新发布.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/articles/{id}/publish")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let doc = page_as(&app, &last, "test").await;
    assert_eq!(
        texts(&doc, ".crumbs a").last().map(String::as_str),
        Some("储能")
    );
    let neighbours = hrefs(&doc, ".prev-next a");
    assert!(
        !neighbours.is_empty(),
        "the storage channel has older articles"
    );
    for old in [&first, &middle, &newest] {
        assert!(!neighbours.contains(old), "{neighbours:?}");
    }
    app.stop().await;
}

/// An article page's text as a reader with `user_agent` gets it, its live 浏览量 left out.
async fn page_text(app: &TestApp, path: &str, user_agent: &str) -> String {
    let text = text_as(app, path, user_agent).await;
    let count = "<span class=\"views-count\">";
    let at = text.find(count).expect("a 浏览量") + count.len();
    let digits = text[at..].find('<').unwrap();
    format!("{}{}", &text[..at], &text[at + digits..])
}

/// With the page cache off every request renders: the page around an article's links is kept
/// per version of the article and look of the site, so rendered again it is the same page, a
/// reader in WeChat gets their own, and a change of the chrome (a new channel in the
/// navigation) shows at once, the links still in their place.
#[tokio::test]
async fn the_page_kept_around_the_links_is_the_whole_page_and_follows_the_chrome() {
    let app = TestApp::builder()
        .config(|c| c.page_cache_bytes = 0)
        .start()
        .await;
    let (_, home) = app.page("/").await;
    let seed = article_link(&home, "合肥丨携手打造新能源与智能网联汽车世界级产业集群")
        .expect("seed article on the home page");
    let first = page_text(&app, &seed, "test").await;
    assert!(first.contains("<h2 id=\"related-heading\""), "相关文章");
    assert!(first.contains("class=\"share-wechat\""), "the QR card");
    assert!(!first.contains("reading-links"), "the mark is replaced");
    assert!(first.trim_end().ends_with("</html>"));
    assert_eq!(page_text(&app, &seed, "test").await, first);
    let wechat = page_text(&app, &seed, WECHAT_UA).await;
    assert!(
        !wechat.contains("class=\"share-wechat\""),
        "no QR card in WeChat"
    );
    assert!(wechat.contains("<h2 id=\"related-heading\""));
    assert_eq!(page_text(&app, &seed, WECHAT_UA).await, wechat);
    assert_eq!(page_text(&app, &seed, "test").await, first);

    // A channel added by another process: the server follows the database's content version.
    crate::support::open_store_at(app.data_path())
        .await
        .upsert_channel("氢能", "hydrogen-kept", 98)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let changed = loop {
        let page = page_text(&app, &seed, "test").await;
        if page.contains("href=\"/channels/hydrogen-kept\"") {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new channel never showed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let related = |page: &str| {
        let start = page.find("<section class=\"related\"").expect("相关文章");
        let end = start + page[start..].find("</section>").unwrap();
        page[start..end].to_string()
    };
    assert_eq!(related(&changed), related(&first));
    app.stop().await;
}

#[tokio::test]
async fn the_targets_panel_follows_the_lead_folded_and_the_chrome_is_fixed() {
    let app = TestApp::start().await;
    let (_, home) = app.page("/").await;
    let seed = article_link(&home, "合肥丨携手打造新能源与智能网联汽车世界级产业集群")
        .expect("seed article on the home page");
    for ua in ["test", WECHAT_UA] {
        let doc = page_as(&app, &seed, ua).await;
        // The lead paragraph, then the panel, then the rest of the text.
        let order: Vec<String> = {
            let sel = scraper::Selector::parse(".article > *").unwrap();
            doc.select(&sel)
                .map(|e| e.value().attr("class").unwrap_or_default().to_string())
                .collect()
        };
        let lead = order
            .iter()
            .position(|c| c.contains("article-lead"))
            .unwrap();
        let panel = order.iter().position(|c| c == "targets-panel").unwrap();
        assert_eq!(panel, lead + 1, "{order:?}");
        assert!(order[panel + 1].starts_with("article-body"), "{order:?}");
        assert_eq!(texts(&doc, ".article-lead p").len(), 1);
        // Folded: never `open` from the server (wide screens unfold it with CSS, not in WeChat).
        assert!(attr(&doc, ".targets-panel details", "open").is_none());
        let class = attr(&doc, ".targets-panel details", "class").unwrap_or_default();
        assert_eq!(class.contains("wide-open"), ua == "test", "{ua}: {class}");
        // Every target still links to its marked clause.
        for href in hrefs(&doc, ".targets-panel .indicator-cell a:not(.compare-link)") {
            let id = href.trim_start_matches('#');
            assert_eq!(
                texts(&doc, &format!(".article-body mark#{id}")).len(),
                1,
                "{id}"
            );
        }
    }

    // /targets in the navigation; the public-security number with its badge.
    let (_, doc) = app.page(&seed).await;
    assert_eq!(hrefs(&doc, "nav.channels a[href='/targets']"), ["/targets"]);
    assert_eq!(
        attr(&doc, "footer a.psb img.psb-badge", "src")
            .unwrap()
            .split('?')
            .next(),
        Some("/static/psb-badge.svg")
    );
    let badge = app.get("/static/psb-badge.svg").await;
    assert_eq!(badge.status(), StatusCode::OK);
    assert_eq!(badge.headers()["content-type"], "image/svg+xml");

    // The search page has one search box (its own), filters folded after it.
    let (_, doc) = app.page("/search?q=%E6%96%B0%E8%83%BD%E6%BA%90").await;
    assert_eq!(texts(&doc, "input[type=search]").len(), 1);
    assert_eq!(attr(&doc, "input[type=search]", "id").as_deref(), Some("q"));
    assert!(attr(&doc, "details.more-filters", "open").is_none());
    assert!(attr(&doc, "details.more-filters select#channel", "name").is_some());
    assert!(!texts(&doc, ".search-hit").is_empty());
    let (_, doc) = app
        .page("/search?q=%E6%96%B0%E8%83%BD%E6%BA%90&sort=newest&channel=nev")
        .await;
    assert_eq!(
        texts(&doc, "details.more-filters summary"),
        ["筛选与排序（已选 2 项）"]
    );
    // Other pages keep the header's box.
    let (_, doc) = app.page("/").await;
    assert_eq!(
        attr(&doc, "input[type=search]", "id").as_deref(),
        Some("site-search")
    );
    app.stop().await;
}

fn input(slug: &str, channel: &str, tags: &[&str], day: u32, summary: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: format!("标题 {slug}"),
        author: None,
        source: None,
        channel_slug: channel.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        summary: summary.into(),
        summary_auto: false,
        body_format: BodyFormat::Html,
        body_source: "<p>正文</p>".into(),
        body_html: "<p>正文</p>".into(),
        status: ArticleStatus::Published,
        published_at: Utc.with_ymd_and_hms(2020, 1, day, 2, 0, 0).single(),
        views: i64::from(day),
        import_key: None,
    }
}

/// The store's lists behind 相关文章 and 上一篇/下一篇, on whichever backend the suite uses: each
/// list in its order, the article itself never in them, unpublished ones left out, and every
/// column as written (summaries with quotes, backslashes and line breaks included).
#[tokio::test]
async fn the_store_reads_each_list_in_order_with_every_column() {
    let app = TestApp::start().await;
    let store = crate::support::open_store_at(app.data_path()).await;
    store
        .upsert_channel("链接测试", "links-test", 98)
        .await
        .unwrap();
    let tricky = "带\"引号\"、反斜杠\\和\n换行的摘要";
    let mut ids = std::collections::HashMap::new();
    for (slug, channel, tags, day, summary) in [
        ("links-a", "links-test", &["甲", "乙"][..], 1, "一"),
        ("links-b", "links-test", &["甲"][..], 2, tricky),
        ("links-c", "links-test", &["甲", "乙"][..], 3, "三"),
        ("links-d", "links-test", &[][..], 4, "四"),
        ("links-e", "solar", &["乙"][..], 5, "五"),
    ] {
        let id = store
            .upsert_article(
                &input(slug, channel, tags, day, summary),
                &Default::default(),
            )
            .await
            .unwrap()
            .id();
        ids.insert(slug, id);
    }
    let mut draft = input("links-draft", "links-test", &["甲", "乙"], 6, "草稿");
    draft.status = ArticleStatus::Draft;
    let draft = store
        .upsert_article(&draft, &Default::default())
        .await
        .unwrap()
        .id();

    let article = store.article_page("links-c").await.unwrap().article;
    let similar = [ids["links-e"], draft, ids["links-a"], article.id];
    let links = store.reading_links(&article, &similar, 6).await.unwrap();
    let slugs =
        |list: &[ArticleSummary]| -> Vec<String> { list.iter().map(|a| a.slug.clone()).collect() };
    assert_eq!(
        links.previous.as_ref().map(|a| a.slug.as_str()),
        Some("links-b")
    );
    assert_eq!(
        links.next.as_ref().map(|a| a.slug.as_str()),
        Some("links-d")
    );
    // Most shared tags first, then newest.
    assert_eq!(slugs(&links.by_tags), ["links-a", "links-e", "links-b"]);
    assert_eq!(slugs(&links.in_channel), ["links-d", "links-b", "links-a"]);
    // As the index ranked them; the draft and the article itself left out.
    assert_eq!(slugs(&links.similar), ["links-e", "links-a"]);

    let b = links.previous.unwrap();
    assert_eq!(b.id, ids["links-b"]);
    assert_eq!(b.title, "标题 links-b");
    assert_eq!(b.summary, tricky);
    assert_eq!(b.channel_name, "链接测试");
    assert_eq!(b.channel_slug, "links-test");
    assert_eq!(
        b.published_at,
        Utc.with_ymd_and_hms(2020, 1, 2, 2, 0, 0).single()
    );
    assert_eq!(b.views, 2);

    // The page stamp and the links in one read: the same as each read alone, whichever slug is
    // asked (a render asks the slug's stamp with the links of the article it kept for it).
    let stamp = store.page_stamp("links-d").await.unwrap();
    let (read, both) = store
        .page_stamp_and_links("links-d", &article, &similar, 6)
        .await
        .unwrap();
    assert_eq!(read, stamp);
    assert_eq!(read.id, ids["links-d"]);
    let lists = |l: &ReadingLinks| {
        [
            slugs(l.previous.as_slice()),
            slugs(l.next.as_slice()),
            slugs(&l.by_tags),
            slugs(&l.in_channel),
            slugs(&l.similar),
        ]
    };
    let alone = store.reading_links(&article, &similar, 6).await.unwrap();
    assert_eq!(lists(&both), lists(&alone));
    assert_eq!(both.previous.unwrap().summary, tricky);
    // No public article at the slug: not found, whatever the links would be.
    for slug in ["links-draft", "links-none"] {
        let err = store
            .page_stamp_and_links(slug, &article, &similar, 6)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{slug}: {err:?}");
    }
    app.stop().await;
}

/// The connections kept for article pages' reads, outside the pool, are opened again when the
/// database has cut them, as a restarted PostgreSQL does: the read that finds one cut is asked
/// again of the pool, and the page is served. (On SQLite a connection is a thread of the server,
/// which nothing cuts.)
#[tokio::test]
async fn pages_are_served_after_the_database_cut_the_connections_kept_for_them() {
    if !crate::support::on_postgres() {
        return;
    }
    // Every request renders, so each reads the store.
    let app = TestApp::builder()
        .config(|c| c.page_cache_bytes = 0)
        .start()
        .await;
    let (_, home) = app.page("/").await;
    let link = attr(&home, "main a[href^='/articles/']", "href").expect("a demo article");
    for _ in 0..3 {
        let (status, _) = app.page(&link).await;
        assert_eq!(status, StatusCode::OK);
    }
    let url = crate::support::database_for(app.data_path()).await.unwrap();
    let database = url.rsplit('/').next().unwrap().to_string();
    let mut admin =
        <sqlx::PgConnection as sqlx::Connection>::connect(&crate::support::postgres_cluster_url())
            .await
            .unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!cut.is_empty(), "the server had connections to cut");
    for _ in 0..3 {
        let (status, doc) = app.page(&link).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(texts(&doc, "h1.article-title").len(), 1);
    }
    app.stop().await;
}
