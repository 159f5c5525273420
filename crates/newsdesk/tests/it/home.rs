//! The home page as a portal (issue 14): 头条 and 焦点图 from the editors' flags, 置顶 first in the
//! latest list, 热门 from the views per day of the last 7 days, cover thumbnails with `srcset` and
//! sizes, fallbacks when nothing is flagged, and nothing that is not public (draft, scheduled,
//! trashed) anywhere on it.

use chrono::{Days, Utc};
use newsdesk::domain::Role;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::newsroom::{PASSWORD, add_user, login, png, upload};
use crate::support::{TestApp, attr, texts};

/// An API token of a new editor.
async fn token(app: &TestApp) -> String {
    let store = crate::support::open_store_at(app.data_path()).await;
    let user = newsdesk::auth::create_user(store.as_ref(), "home-robot", Role::Editor, PASSWORD)
        .await
        .unwrap();
    newsdesk::auth::create_api_token(store.as_ref(), &user, "home")
        .await
        .unwrap()
        .1
}

async fn api(app: &TestApp, token: &str, method: &str, path: &str, body: Value) -> Value {
    let r = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .header("authorization", format!("Bearer {token}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// Creates an article with `fields` (title, flags, cover…) over the API and publishes it (at
/// `publish_at` when given: in the future it is scheduled); returns (id, public path).
async fn publish(
    app: &TestApp,
    token: &str,
    fields: Value,
    publish_at: Option<&str>,
) -> (i64, String) {
    let mut body = json!({"channel": "storage", "body": "储能行业正文第一段。"});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    let a = api(app, token, "POST", "/api/v1/articles", body).await;
    let id = a["id"].as_i64().unwrap();
    let at = publish_at.map_or(json!({}), |t| json!({"publish_at": t}));
    let p = api(
        app,
        token,
        "POST",
        &format!("/api/v1/articles/{id}/publish"),
        at,
    )
    .await;
    (id, format!("/articles/{}", p["slug"].as_str().unwrap()))
}

/// Creates a draft; returns its id.
async fn draft(app: &TestApp, token: &str, fields: Value) -> i64 {
    let mut body = json!({"channel": "storage", "body": "草稿正文。"});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    api(app, token, "POST", "/api/v1/articles", body).await["id"]
        .as_i64()
        .unwrap()
}

/// Every article headline a reader can follow from the page.
fn all_link_texts(doc: &Html) -> String {
    let a = Selector::parse("a").unwrap();
    doc.select(&a)
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn flags_choose_the_headline_and_the_carousel_and_pinned_articles_come_first() {
    let app = TestApp::start().await;
    let token = token(&app).await;
    add_user(&app, "home-chief", Role::Admin).await;
    let chief = login(&app, "home-chief").await;
    let r = upload(&chief, "cover.png", &png(1200, 675)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cover = r.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();

    // Back-dated, so the newest articles are not simply the flagged ones.
    publish(
        &app,
        &token,
        json!({"title": "置顶的旧通知", "pinned": true}),
        Some("2020-01-02T00:00:00Z"),
    )
    .await;
    let (_, headline) = publish(
        &app,
        &token,
        json!({"title": "今日头条：储能新政发布", "headline": true, "cover_image": cover}),
        Some("2024-06-01T00:00:00Z"),
    )
    .await;
    for (title, at) in [
        ("焦点一：示范项目并网", "2024-05-21T00:00:00Z"),
        ("焦点二：电站巡检", "2024-05-20T00:00:00Z"),
    ] {
        publish(
            &app,
            &token,
            json!({"title": title, "featured": true, "cover_image": cover}),
            Some(at),
        )
        .await;
    }
    publish(&app, &token, json!({"title": "普通新闻：最新一条"}), None).await;
    // Flagged but not public: a draft, a scheduled article and a trashed one.
    draft(
        &app,
        &token,
        json!({"title": "草稿头条", "headline": true, "featured": true, "pinned": true}),
    )
    .await;
    let next_year = (Utc::now() + Days::new(365)).to_rfc3339();
    publish(
        &app,
        &token,
        json!({"title": "定时头条", "headline": true, "featured": true, "pinned": true}),
        Some(&next_year),
    )
    .await;
    let (trashed, _) = publish(
        &app,
        &token,
        json!({"title": "回收站头条", "headline": true, "featured": true, "pinned": true}),
        None,
    )
    .await;
    let r = chief
        .post(&format!("/admin/articles/{trashed}/trash"), &[])
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());

    let (status, doc) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    // 头条: the newest flagged one, large, with its cover.
    assert_eq!(
        texts(&doc, ".headline .headline-title"),
        vec!["今日头条：储能新政发布"]
    );
    assert_eq!(
        attr(&doc, ".headline-title a", "href").as_deref(),
        Some(headline.as_str())
    );
    assert_eq!(
        attr(&doc, ".headline img", "src").as_deref(),
        Some(cover.as_str())
    );
    // 焦点图: the featured ones (the demo's too, after them), never the headline again.
    let slides = texts(&doc, ".slides .slide-caption");
    assert_eq!(
        &slides[..2],
        ["焦点一：示范项目并网", "焦点二：电站巡检"],
        "{slides:?}"
    );
    assert!(!slides.iter().any(|s| s.contains("今日头条")), "{slides:?}");
    // Numbered links reach every slide without script.
    let dots = Selector::parse(".slide-dots a").unwrap();
    let targets: Vec<String> = doc
        .select(&dots)
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert_eq!(targets.len(), slides.len());
    for t in &targets {
        let id = t.trim_start_matches('#');
        assert!(
            attr(&doc, &format!(".slides li#{id}"), "id").is_some(),
            "{t}"
        );
    }
    // 置顶 first (ours is years older than the rest; the demo has one too), marked; then the
    // newest first.
    let latest = texts(&doc, ".primary .card-title");
    let mut pinned = latest[..2].to_vec();
    pinned.sort();
    assert_eq!(
        pinned,
        ["多部门发文促进新能源汽车消费", "置顶的旧通知"],
        "{latest:?}"
    );
    assert_eq!(texts(&doc, ".primary .card .pin"), vec!["置顶", "置顶"]);
    assert_eq!(latest[2], "普通新闻：最新一条", "{latest:?}");
    assert_eq!(
        latest.iter().filter(|t| *t == "置顶的旧通知").count(),
        1,
        "listed once: {latest:?}"
    );
    // Nothing that is not public, anywhere on the page.
    let shown = all_link_texts(&doc);
    for hidden in ["草稿头条", "定时头条", "回收站头条"] {
        assert!(!shown.contains(hidden), "{hidden} is on the home page");
    }
    app.stop().await;
}

#[tokio::test]
async fn thumbnails_come_from_covers_with_srcset_sizes_and_dimensions() {
    // The demo content has covers (stored as uploads, with variants) and flags.
    let app = TestApp::start().await;
    let (status, doc) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&doc, ".headline .kicker"), vec!["头条"]);
    assert!(texts(&doc, ".slides .slide").len() >= 2);
    let imgs = Selector::parse("main img").unwrap();
    let imgs: Vec<_> = doc.select(&imgs).collect();
    assert!(imgs.len() >= 5, "{} images", imgs.len());
    let mut lazy = 0;
    for img in &imgs {
        let v = img.value();
        let src = v.attr("src").unwrap();
        let width: u32 = v.attr("width").unwrap().parse().unwrap();
        let height: u32 = v.attr("height").unwrap().parse().unwrap();
        assert!(width > 0 && height > 0, "{src}");
        assert_eq!(
            v.attr("alt"),
            Some(""),
            "{src}: decorative beside its linked title"
        );
        let srcset = v
            .attr("srcset")
            .unwrap_or_else(|| panic!("{src} has no srcset"));
        assert!(v.attr("sizes").is_some(), "{src}");
        // The 480 px variant first, then the original at its width.
        let candidates: Vec<&str> = srcset.split(", ").collect();
        assert!(candidates[0].ends_with(" 480w"), "{srcset}");
        assert_eq!(
            candidates.last().copied(),
            Some(format!("{src} {width}w").as_str())
        );
        for c in candidates {
            let url = c.split(' ').next().unwrap();
            let r = app.get(url).await;
            assert_eq!(r.status(), StatusCode::OK, "{url}");
            assert!(
                r.headers()[CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("image/"),
                "{url}"
            );
        }
        if v.attr("loading") == Some("lazy") {
            lazy += 1;
        }
    }
    // The 头条's picture loads first; pictures further down wait until they are near.
    assert_eq!(
        attr(&doc, ".headline img", "fetchpriority").as_deref(),
        Some("high")
    );
    assert!(attr(&doc, ".headline img", "loading").is_none());
    assert!(lazy >= imgs.len() - 2, "{lazy} of {} lazy", imgs.len());
    assert!(texts(&doc, ".channel-box .box-lead-title").len() >= 3);
    // The demo pages carry 浏览量 from their old site, so 热门 has something to rank at once.
    assert_eq!(texts(&doc, ".hot-list a").len(), 7);
    // The carousel's script is an addition, loaded only with a carousel to drive.
    assert!(attr(&doc, "script[src^='/static/home.js']", "defer").is_some());
    app.stop().await;
}

#[tokio::test]
async fn hot_ranks_the_views_of_the_last_seven_days_of_public_articles() {
    let app = TestApp::start().await;
    let token = token(&app).await;
    add_user(&app, "hot-chief", Role::Admin).await;
    let chief = login(&app, "hot-chief").await;
    let (old, _) = publish(&app, &token, json!({"title": "上月爆款"}), None).await;
    let (week, _) = publish(&app, &token, json!({"title": "本周热文"}), None).await;
    let (today, _) = publish(&app, &token, json!({"title": "今日热文"}), None).await;
    let (trashed, _) = publish(&app, &token, json!({"title": "已删热文"}), None).await;
    let (withdrawn, _) = publish(&app, &token, json!({"title": "已撤热文"}), None).await;
    let draft_id = draft(&app, &token, json!({"title": "草稿热文"})).await;

    // Views per day as the counter's flush writes them (days in the site's zone).
    let store = crate::support::open_store_at(app.data_path()).await;
    let tz = store.site_settings().await.unwrap().tz();
    let day = |ago: u64| {
        (Utc::now().with_timezone(&tz).date_naive() - Days::new(ago))
            .format("%Y-%m-%d")
            .to_string()
    };
    store.add_views(&day(10), &[(old, 900)]).await.unwrap();
    store.add_views(&day(7), &[(old, 800)]).await.unwrap();
    store
        .add_views(&day(6), &[(week, 30), (old, 1)])
        .await
        .unwrap();
    store.add_views(&day(2), &[(week, 12)]).await.unwrap();
    store
        .add_views(
            &day(0),
            &[
                (today, 40),
                (trashed, 500),
                (withdrawn, 400),
                (draft_id, 300),
            ],
        )
        .await
        .unwrap();
    let r = chief
        .post(&format!("/admin/articles/{trashed}/trash"), &[])
        .await;
    assert!(r.status().is_redirection());
    api(
        &app,
        &token,
        "POST",
        &format!("/api/v1/articles/{withdrawn}/unpublish"),
        json!({}),
    )
    .await;

    let (_, doc) = app.page("/").await;
    assert_eq!(texts(&doc, "#hot-title .section-note"), vec!["近 7 天"]);
    // 今日 40, 本周 30 + 12 = 42, 上月 only 1 within the 7 days (day 6 … today).
    assert_eq!(
        texts(&doc, ".hot-list a"),
        vec!["本周热文", "今日热文", "上月爆款"]
    );
    assert_eq!(texts(&doc, ".hot-views"), vec!["42 次", "40 次", "1 次"]);
    app.stop().await;
}

#[tokio::test]
async fn without_flags_the_newest_articles_stand_in() {
    // Views land between two looks at the home page here; a cached home shows them within
    // `LISTING_FRESH_FOR` (a minute), so this test looks without the page cache.
    let app = TestApp::builder()
        .config(|c| {
            c.demo = false;
            c.page_cache_bytes = 0;
        })
        .start()
        .await;
    let token = token(&app).await;
    add_user(&app, "plain-chief", Role::Admin).await;
    let chief = login(&app, "plain-chief").await;
    // An empty site: no 头条, no carousel, no 热门, and still a page.
    let (status, doc) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&doc, ".headline").is_empty());
    assert!(texts(&doc, ".focus").is_empty());
    assert!(texts(&doc, ".hot").is_empty());
    assert_eq!(texts(&doc, ".empty"), vec!["暂无文章。"]);

    let store = crate::support::open_store_at(app.data_path()).await;
    store.upsert_channel("储能", "storage", 0).await.unwrap();
    let r = upload(&chief, "c.png", &png(800, 450)).await;
    let cover = r.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    publish(
        &app,
        &token,
        json!({"title": "有图的旧闻", "cover_image": cover}),
        Some("2024-01-01T00:00:00Z"),
    )
    .await;
    publish(
        &app,
        &token,
        json!({"title": "有图的新闻", "cover_image": cover}),
        Some("2024-02-01T00:00:00Z"),
    )
    .await;
    publish(&app, &token, json!({"title": "无图的最新消息"}), None).await;
    // A cover address no page may show (not http(s) or a path here) counts as none.
    publish(
        &app,
        &token,
        json!({"title": "封面地址无效", "cover_image": "javascript:alert(1)"}),
        Some("2023-06-01T00:00:00Z"),
    )
    .await;
    let (_, doc) = app.page("/").await;
    // 头条: the newest article with a cover; the carousel: the other ones with covers.
    assert_eq!(texts(&doc, ".headline-title"), vec!["有图的新闻"]);
    assert_eq!(texts(&doc, ".slide-caption"), vec!["有图的旧闻"]);
    // One slide: no numbers and no script to drive it.
    assert!(texts(&doc, ".slide-dots").is_empty());
    assert!(attr(&doc, "script[src^='/static/home.js']", "src").is_none());
    // An article without a cover is listed without a picture.
    assert_eq!(
        texts(&doc, ".primary .card-title"),
        vec!["无图的最新消息", "有图的新闻", "有图的旧闻", "封面地址无效"]
    );
    assert!(!doc.html().contains("javascript:"));
    assert_eq!(texts(&doc, ".primary .card.has-thumb .card-title").len(), 2);
    // 热门 without any views counted yet: nothing to rank, no box.
    assert!(texts(&doc, ".hot").is_empty());
    // Views carried over (an imported page's count) but none in the last 7 days: the newest
    // articles by their total, saying so.
    let old = store
        .list_published(
            None,
            newsdesk::domain::PageRequest {
                page: 1,
                per_page: 5,
            },
        )
        .await
        .unwrap()
        .items;
    store
        .add_views("2000-01-01", &[(old[2].id, 5), (old[1].id, 9)])
        .await
        .unwrap();
    let (_, doc) = app.page("/").await;
    assert_eq!(
        texts(&doc, "#hot-title .section-note"),
        vec!["最新文章累计浏览"]
    );
    assert_eq!(texts(&doc, ".hot-list a"), vec!["有图的新闻", "有图的旧闻"]);
    assert_eq!(texts(&doc, ".hot-views"), vec!["9 次", "5 次"]);
    app.stop().await;
}
