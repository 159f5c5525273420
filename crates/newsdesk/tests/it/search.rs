//! Search: the index following every write, relevance on the demo content plus generated articles,
//! word (not character) matching, hostile input over HTTP, the JSON API, a damaged index, reindex.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use newsdesk::content::Articles;
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat};
use newsdesk::search::{ParsedQuery, SearchIndex, SearchQuery, SearchResults, SortOrder};
use newsdesk::store::Store;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{TestApp, texts};

const SEED_TITLE: &str = "合肥丨携手打造新能源与智能网联汽车世界级产业集群";

/// Store and index over a fresh data folder, written through [`Articles`] as the app does.
async fn articles(data: &Path) -> Articles {
    let store: Arc<dyn Store> = crate::support::open_store_at(data).await;
    let index = SearchIndex::open_or_rebuild(data, store.as_ref())
        .await
        .unwrap();
    Articles::new(store, Arc::new(index))
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: ParsedQuery::parse(text),
        channel: None,
        from: None,
        until: None,
        sort: SortOrder::Relevance,
        page: 1,
        per_page: 10,
    }
}

fn search(a: &Articles, text: &str) -> SearchResults {
    a.index().search(&query(text)).unwrap()
}

fn titles(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.title.as_str()).collect()
}

fn article(slug: &str, title: &str, body: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: title.into(),
        author: None,
        source: None,
        channel_slug: "news".into(),
        tags: vec!["测试".into()],
        summary: body.chars().take(40).collect(),
        summary_auto: true,
        body_format: BodyFormat::Markdown,
        body_html: newsdesk::render::body_html(BodyFormat::Markdown, body),
        body_source: body.into(),
        status: ArticleStatus::Published,
        published_at: Some(Utc::now() - TimeDelta::hours(1)),
        views: 0,
        import_key: None,
    }
}

#[tokio::test]
async fn the_index_follows_every_write_at_once() {
    let data = tempfile::tempdir().unwrap();
    let a = articles(data.path()).await;
    a.store().upsert_channel("要闻", "news", 0).await.unwrap();

    // Import: found right after.
    let seed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/good/seed-article-hefei-nev-2024.txt");
    let (saved, _) = newsdesk::import::import_file(&a, &seed, "news", chrono_tz::Asia::Shanghai)
        .await
        .unwrap();
    let id = saved.id();
    assert_eq!(titles(&search(&a, "充换电网络")), vec![SEED_TITLE]);

    // Unpublish: gone; publish again: back.
    a.set_status(id, ArticleStatus::Draft).await.unwrap();
    assert!(search(&a, "充换电网络").hits.is_empty());
    a.set_status(id, ArticleStatus::Published).await.unwrap();
    assert_eq!(search(&a, "充换电网络").total, 1);

    // Edit: the new words are found, the old ones no longer.
    let mut edited = article(
        "edited",
        "光伏治沙项目开工",
        "库布其沙漠光伏治沙项目今日开工。",
    );
    // The store updates by import key, so the second save below edits rather than duplicates.
    edited.import_key = Some("edited".into());
    a.save(&edited).await.unwrap();
    assert_eq!(titles(&search(&a, "光伏治沙")), vec!["光伏治沙项目开工"]);
    edited.title = "储能电站并网发电".into();
    edited.body_source = "国内首座钠离子储能电站并网发电。".into();
    edited.body_html = newsdesk::render::body_html(BodyFormat::Markdown, &edited.body_source);
    edited.summary = edited.body_source.clone();
    let edited_id = a.save(&edited).await.unwrap().id();
    assert!(search(&a, "光伏治沙").hits.is_empty());
    assert_eq!(titles(&search(&a, "钠离子")), vec!["储能电站并网发电"]);

    // Delete: gone.
    a.delete(edited_id).await.unwrap();
    assert!(search(&a, "钠离子").hits.is_empty());

    // Scheduled for later: indexed, but not returned before its time.
    let mut later = article("later", "明日发布的氢能规划", "氢能产业发展中长期规划。");
    later.published_at = Some(Utc::now() + TimeDelta::days(1));
    a.save(&later).await.unwrap();
    assert!(search(&a, "氢能").hits.is_empty());
    assert_eq!(a.index().num_docs(), 2);

    // A fresh open of the same folder agrees with the store: no rebuild needed, same results.
    drop(a);
    let reopened = articles(data.path()).await;
    assert_eq!(search(&reopened, "充换电网络").total, 1);
}

/// The demo content plus `generated` synthetic articles, indexed.
async fn demo_plus_generated(data: &Path, generated: u64) -> Articles {
    let a = articles(data).await;
    assert!(newsdesk::demo::load_on_first_start(&a).await.unwrap());
    newsdesk::corpus::Generator::new(42)
        .write_store(a.store(), generated, |_| {})
        .await
        .unwrap();
    a.index().rebuild(a.store(), |_| {}).await.unwrap();
    a
}

#[tokio::test]
async fn the_seed_article_ranks_in_the_top_three() {
    let data = tempfile::tempdir().unwrap();
    let a = demo_plus_generated(data.path(), 400).await;
    for (q, within) in [
        ("新能源汽车", 3),
        ("充换电网络", 3),
        ("智能网联", 3),
        ("合肥 新能源", 3),
        ("\"新能源汽车产量\"", 3),
    ] {
        let mut wide = query(q);
        wide.per_page = 20;
        let r = a.index().search(&wide).unwrap();
        eprintln!(
            "{q}: {:?}",
            r.hits
                .iter()
                .map(|h| (h.title.as_str(), h.score))
                .collect::<Vec<_>>()
        );
        let top: Vec<&str> = titles(&r).into_iter().take(within).collect();
        assert!(
            top.contains(&SEED_TITLE),
            "{q}: top {within} were {top:?} of {}",
            r.total
        );
    }
    // The seed won against real competition: many generated articles match the broad query.
    assert!(search(&a, "新能源汽车").total >= 50);
    // The phrase is stricter than its words: every phrase hit is also a hit of the words.
    let phrase = search(&a, "\"新能源汽车产量\"").total;
    let words = search(&a, "新能源汽车 产量").total;
    assert!(
        phrase >= 1 && phrase <= words,
        "phrase {phrase}, words {words}"
    );

    // Highlighting: matched words marked, the rest escaped text.
    let r = search(&a, "充换电网络");
    let seed = r.hits.iter().find(|h| h.title == SEED_TITLE).unwrap();
    assert!(
        seed.snippet_html.contains("<mark>"),
        "{}",
        seed.snippet_html
    );
    assert!(!seed.snippet_html.contains("<p>"), "{}", seed.snippet_html);
}

#[tokio::test]
async fn each_further_mention_in_a_body_counts() {
    // Bodies are scored without length normalization: a long report that names the word four
    // times is more about it than a brief that names it once, and each mention adds less than the
    // one before (BM25 with k1 = 1.2, b = 0).
    let data = tempfile::tempdir().unwrap();
    let a = articles(data.path()).await;
    a.store().upsert_channel("要闻", "news", 0).await.unwrap();
    let filler = "各地区各部门认真贯彻落实决策部署，推动经济社会持续健康发展。";
    let mention = "多地加快钙钛矿电池中试线建设。";
    for (slug, mentions, filler_times) in [("brief", 1, 2), ("note", 2, 8), ("report", 4, 40)] {
        let body = format!(
            "{}{}",
            filler.repeat(filler_times),
            mention.repeat(mentions)
        );
        a.save(&article(slug, &format!("{slug} 一则消息"), &body))
            .await
            .unwrap();
    }
    let r = search(&a, "钙钛矿");
    let order: Vec<&str> = r.hits.iter().map(|h| h.slug.as_str()).collect();
    assert_eq!(order, ["report", "note", "brief"]);
    let ratio = r.hits[0].score / r.hits[2].score;
    // Plain BM25 without normalization gives 4 mentions 1.57× the score of one; with the body's
    // true average length in the formula it was about 1.2×.
    assert!(ratio > 1.4, "four mentions score {ratio:.2}× one");
}

#[tokio::test]
async fn words_are_matched_not_characters() {
    // 和服 (kimono) is a word; in 产业和服务业 (industry and services) its two characters meet only
    // across a word boundary: 产业 / 和 / 服务业. A character n-gram index holds the bigram 和服
    // for this text and would return it for 和服; a word index must not.
    let text = "推动新能源汽车产业和服务业融合发展，完善售后服务体系。";
    let bigrams: Vec<String> = text
        .chars()
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w.iter().collect())
        .collect();
    assert!(
        bigrams.iter().any(|b| b == "和服"),
        "the n-gram false positive exists"
    );

    let data = tempfile::tempdir().unwrap();
    let a = articles(data.path()).await;
    a.store().upsert_channel("要闻", "news", 0).await.unwrap();
    a.save(&article("services", "产业与服务融合", text))
        .await
        .unwrap();
    assert!(
        search(&a, "和服").hits.is_empty(),
        "和服 must not match 产业和服务业"
    );
    assert_eq!(search(&a, "服务业").total, 1);
    assert_eq!(search(&a, "新能源汽车 服务").total, 1);
}

/// GET a search URL (path and query written raw, so invalid encodings reach the server as is).
async fn raw_get(app: &TestApp, path_and_query: &str) -> (StatusCode, String) {
    let url = reqwest::Url::parse(&app.url(path_and_query)).unwrap();
    let r = app.client.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn hostile_queries_get_results_or_a_chinese_message_never_a_500() {
    let app = TestApp::start().await;
    let long = "新能源".repeat(400);
    let cases: Vec<String> = vec![
        "%22%E6%96%B0%E8%83%BD%E6%BA%90".into(), // unbalanced quote
        "AND%20OR%20NOT%20(%20)%20%3A%20%5E%20~%20*%20%3F".into(),
        "title%3A%E5%90%88%E8%82%A5%5E2%20-%E6%B1%BD%E8%BD%A6~".into(),
        "%E6%96%B0%E8%83%BD%E6%BA%90*%20%E5%85%89%E4%BC%8F?".into(),
        long.clone(),
        "%F0%9F%98%80%F0%9F%9A%97".into(), // emoji only
        "%E6%96%B0%E8%83%BD%E6%BA%90%F0%9F%9A%97".into(),
        "%E4%B8".into(), // a cut-off UTF-8 sequence
        "%ZZ%".into(),
        "%00%01%7F".into(),
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(),
        "".into(),
        "%20%20%20".into(),
        "\"\"\"\"".into(),
    ];
    for q in &cases {
        for base in ["/search", "/api/v1/search"] {
            let (status, body) = raw_get(&app, &format!("{base}?q={q}")).await;
            assert!(
                status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                "{base} q={q}: {status}"
            );
            if base == "/search" {
                assert!(
                    !body.contains("<script>alert"),
                    "{base} q={q}: unescaped input"
                );
            }
            if status == StatusCode::BAD_REQUEST {
                assert!(
                    body.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{base} q={q}: no Chinese message in {body}"
                );
            }
        }
    }
    let bad_params = [
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&page=99999999999999999999",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&page=4294967296",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&page=101",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&page=-1",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&page=abc",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&page=50",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&from=2024-02-30",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&from=yesterday&to=%E4%B8",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&from=2025-01-01&to=2024-01-01",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&from=99999-01-01",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&channel=%27%20OR%201%3D1",
        "q=%E6%96%B0%E8%83%BD%E6%BA%90&sort=drop",
        "q=a&q=b",
        "q[]=x",
    ];
    for params in bad_params {
        for base in ["/search", "/api/v1/search"] {
            let (status, body) = raw_get(&app, &format!("{base}?{params}")).await;
            assert!(
                status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                "{base}?{params}: {status} {body}"
            );
        }
    }
    // Specific answers.
    let (status, body) = raw_get(&app, "/api/v1/search?q=%E6%96%B0&from=2024-02-30").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["code"], "bad_request");
    assert!(json["error"].as_str().unwrap().contains("起始日期"));

    let (status, doc) = app
        .page(&format!("/search?q={}", "新能源".repeat(400)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&doc, ".notice")[0].contains("搜索词过长"));
    app.stop().await;
}

#[tokio::test]
async fn search_page_shows_results_filters_and_empty_states() {
    let app = TestApp::start().await;

    // Every page has the search box in its header, but the search page, whose own form is its
    // one search box (issue 14: two boxes came before any result on a phone).
    let (_, doc) = app.page("/search").await;
    assert!(texts(&doc, "header form[role=search]").is_empty());
    assert_eq!(
        crate::support::attr(&doc, "main form[role=search]", "action").as_deref(),
        Some("/search")
    );
    for path in ["/", "/channels/nev"] {
        let (_, doc) = app.page(path).await;
        assert_eq!(
            crate::support::attr(&doc, "header form[role=search]", "action").as_deref(),
            Some("/search"),
            "{path}"
        );
        assert_eq!(texts(&doc, "header form[role=search] label").len(), 1);
    }

    let (status, doc) = app.page("/search?q=充换电网络").await;
    assert_eq!(status, StatusCode::OK);
    let titles = texts(&doc, ".search-hit .card-title");
    assert!(titles.contains(&SEED_TITLE.to_string()), "{titles:?}");
    assert!(texts(&doc, ".search-count")[0].contains("找到"));
    let marks = texts(&doc, ".search-hit .snippet mark");
    assert!(marks.concat().contains("充换电网络"), "{marks:?}");
    assert!(!texts(&doc, ".search-hit time").is_empty());
    assert!(!texts(&doc, ".search-hit .tag").is_empty());

    // Channel filter and date range.
    let (_, doc) = app.page("/search?q=新能源&channel=solar").await;
    for channel in texts(&doc, ".search-hit .tag") {
        assert_eq!(channel, "光伏");
    }
    let (_, doc) = app
        .page("/search?q=充换电网络&from=2024-02-08&to=2024-02-08")
        .await;
    assert!(texts(&doc, ".search-hit .card-title").contains(&SEED_TITLE.to_string()));
    let (_, doc) = app
        .page("/search?q=充换电网络&from=2024-02-09&to=2024-12-31")
        .await;
    assert!(!texts(&doc, ".search-hit .card-title").contains(&SEED_TITLE.to_string()));

    // Newest first.
    let (_, doc) = app.page("/search?q=新能源&sort=newest").await;
    let times = texts(&doc, ".search-hit time");
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);

    // Empty query and no results: a Chinese explanation and recent articles.
    let (status, doc) = app.page("/search?q=").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&doc, ".search-empty")[0].contains("请输入"));
    assert!(!texts(&doc, ".suggestions .card-title").is_empty());
    let (status, doc) = app.page("/search?q=量子引力").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&doc, ".search-none")[0].contains("没有找到"));
    assert!(!texts(&doc, ".suggestions .card-title").is_empty());
    app.stop().await;
}

#[tokio::test]
async fn api_returns_the_same_results_as_json() {
    let app = TestApp::start().await;
    let r = app.get("/api/v1/search?q=智能网联").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let json: Value = r.json().await.unwrap();
    assert_eq!(json["query"], "智能网联");
    assert_eq!(json["page"], 1);
    let results = json["results"].as_array().unwrap();
    assert_eq!(json["total"].as_u64().unwrap() as usize, results.len());
    let seed = results
        .iter()
        .find(|h| h["title"] == SEED_TITLE)
        .expect("seed in results");
    assert!(seed["url"].as_str().unwrap().starts_with("/articles/"));
    assert_eq!(seed["channel"]["slug"], "nev");
    assert!(
        seed["published_at"]
            .as_str()
            .unwrap()
            .starts_with("2024-02-08T02:21:00")
    );
    assert!(seed["snippet_html"].as_str().unwrap().contains("<mark>"));

    // The page lists the same articles in the same order.
    let (_, doc) = app.page("/search?q=智能网联").await;
    let page_titles = texts(&doc, ".search-hit .card-title");
    let api_titles: Vec<String> = results
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(page_titles, api_titles);

    let r = app.get("/api/v1/search?q=").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let json: Value = r.json().await.unwrap();
    assert_eq!(json["code"], "bad_request");
    assert!(json["error"].as_str().unwrap().contains("搜索词"));
    app.stop().await;
}

#[tokio::test]
async fn a_damaged_or_missing_index_is_rebuilt_at_start() {
    let app = TestApp::start().await;
    let data = app.stop().await;
    let index = data.path().join(newsdesk::search::INDEX_DIR);

    // Garbage over every file of the index.
    for entry in std::fs::read_dir(&index).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::write(&path, b"\x00garbage\xff{not json").unwrap();
        }
    }
    let app = TestApp::builder().data(data).start().await;
    let (status, doc) = app.page("/search?q=充换电网络").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&doc, ".search-hit .card-title").contains(&SEED_TITLE.to_string()));
    let data = app.stop().await;

    // No index at all.
    std::fs::remove_dir_all(&index).unwrap();
    let app = TestApp::builder().data(data).start().await;
    let (status, doc) = app.page("/search?q=智能网联").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&doc, ".search-hit .card-title").contains(&SEED_TITLE.to_string()));
    let data = app.stop().await;

    // An index whose text was cut by another word list: same articles, other words, so it is
    // rebuilt rather than half-matched.
    let meta_path = index.join("meta.json");
    let payload = |meta: &serde_json::Value| meta["payload"].as_str().map(str::to_string);
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    let current = payload(&meta).expect("commits carry the analyzer's fingerprint");
    meta["payload"] = "jieba analyzer 1, energy words 000000".into();
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let app = TestApp::builder().data(data).start().await;
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    assert_eq!(
        payload(&meta),
        Some(current),
        "rebuilt with this build's analyzer"
    );
    let (status, doc) = app.page("/search?q=充换电").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&doc, ".search-hit .card-title").contains(&SEED_TITLE.to_string()));
    app.stop().await;
}

/// Runs the binary with `args`, which name the data folder (`--data DIR`).
fn newsdesk(args: &[&str]) -> std::process::Output {
    let data = args
        .windows(2)
        .find(|w| w[0] == "--data")
        .map(|w| std::path::Path::new(w[1]))
        .expect("--data DIR");
    crate::support::newsdesk_command(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk")
}

#[tokio::test]
async fn reindex_and_import_commands_keep_a_running_server_in_step() {
    let app = TestApp::start().await;
    let data = app.data_path().to_str().unwrap().to_string();

    // `newsdesk import` while the server runs: the server sees the new article shortly after.
    let pages = tempfile::tempdir().unwrap();
    std::fs::write(
        pages.path().join("page.txt"),
        "钙钛矿叠层电池效率创纪录\n\n作者:\n来源:\n2024/03/01 09:30\n浏览量:\n\n钙钛矿叠层电池转换效率再创新高。\n",
    )
    .unwrap();
    let out = newsdesk(&[
        "import",
        "--data",
        &data,
        "--channel",
        "solar",
        pages.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut found = false;
    for _ in 0..50 {
        let json: Value = app
            .get("/api/v1/search?q=钙钛矿")
            .await
            .json()
            .await
            .unwrap();
        if json["total"] == 1 {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "the server did not see the imported article");
    let data_dir = app.stop().await;

    // `newsdesk reindex` rebuilds from the store.
    let out = newsdesk(&["reindex", "--data", data_dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("indexed 9 article(s)"), "{stderr}");
    let app = TestApp::builder().data(data_dir).start().await;
    let json: Value = app
        .get("/api/v1/search?q=钙钛矿")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["total"], 1);
    app.stop().await;
}
