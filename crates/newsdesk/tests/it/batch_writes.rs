//! Imports write a chunk of articles in one transaction (`Store::upsert_articles`): all of the
//! chunk or none of it, and an article the store refuses costs only itself. Runs on both backends.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use newsdesk::content::Articles;
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat, TargetFilter};
use newsdesk::search::SearchIndex;
use newsdesk::store::{Store, StoreError};
use newsdesk::targets::Extraction;

use crate::support::TestApp;

fn input(slug: &str, key: &str, body: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: format!("批量写入报道{slug}"),
        author: None,
        source: None,
        channel_slug: "news".into(),
        tags: vec!["储能".into(), format!("标签{slug}")],
        summary: String::new(),
        summary_auto: true,
        body_format: BodyFormat::Markdown,
        body_html: newsdesk::render::body_html(BodyFormat::Markdown, body),
        body_source: body.into(),
        status: ArticleStatus::Published,
        published_at: Some(Utc::now() - TimeDelta::hours(1)),
        views: 0,
        import_key: Some(key.into()),
    }
}

async fn articles(app: &TestApp) -> Articles {
    let store: Arc<dyn Store> = app.open_store().await;
    store.upsert_channel("要闻", "news", 0).await.unwrap();
    let index = SearchIndex::open_or_rebuild(app.data_path(), store.as_ref())
        .await
        .unwrap();
    Articles::new(store, Arc::new(index))
}

#[tokio::test]
async fn a_chunk_is_written_whole_or_not_at_all() {
    let app = TestApp::start().await;
    let a = articles(&app).await;
    let store = a.store();
    let taken = input("taken", "key-taken", "已有的报道。");
    store
        .upsert_article(&taken, &Extraction::default())
        .await
        .unwrap();
    let before = store.count_articles().await.unwrap();

    // The second article wants a slug another article has: the whole chunk is refused.
    let fresh = input("fresh", "key-fresh", "新的报道。");
    let clash = input("taken", "key-other", "另一篇报道。");
    let none = Extraction::default();
    let err = store
        .upsert_articles(&[(&fresh, &none), (&clash, &none)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(store.count_articles().await.unwrap(), before);
    assert!(store.published_article("fresh").await.is_err());

    // Without it, both land, with their tags.
    let second = input("second", "key-second", "第二篇报道。");
    let done = store
        .upsert_articles(&[(&fresh, &none), (&second, &none)])
        .await
        .unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(store.count_articles().await.unwrap(), before + 2);
    let article = store.published_article("second").await.unwrap();
    assert_eq!(article.id, done[1].id());
    assert_eq!(article.tags.len(), 2, "{:?}", article.tags);
}

#[tokio::test]
async fn a_refused_article_costs_only_itself() {
    let app = TestApp::start().await;
    let a = articles(&app).await;
    a.save(&input("taken", "key-taken", "已有的报道。"))
        .await
        .unwrap();
    let inputs = [
        input("one", "key-one", "第一篇报道，储能电站并网。"),
        input("taken", "key-clash", "抢占了别人的地址。"),
        input("three", "key-three", "第三篇报道，储能电站并网。"),
    ];
    let outcomes = a.save_all(&inputs).await;
    assert!(outcomes[0].is_ok(), "{:?}", outcomes[0]);
    assert!(
        matches!(outcomes[1], Err(StoreError::Conflict { .. })),
        "{:?}",
        outcomes[1]
    );
    assert!(outcomes[2].is_ok(), "{:?}", outcomes[2]);
    drop(a);
    let data = app.stop().await;
    // The server started on the same data shows both, searchable.
    let app = TestApp::builder().data(data).start().await;
    for slug in ["one", "three"] {
        assert_eq!(app.get(&format!("/articles/{slug}")).await.status(), 200);
    }
    let found: serde_json::Value = app
        .get("/api/v1/search?q=储能电站并网")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"].as_u64(), Some(2), "{found}");
}

#[tokio::test]
async fn every_target_of_a_long_document_is_kept_in_order() {
    let app = TestApp::start().await;
    let a = articles(&app).await;
    // More targets than one INSERT statement takes.
    let body: String = (1..=230)
        .map(|i| format!("力争到2027年，第{i}号园区光伏装机容量达到{i}万千瓦。\n\n"))
        .collect();
    let saved = a
        .save(&input("long", "key-long", &body))
        .await
        .unwrap()
        .id();
    let found = a.store().article_by_id(saved).await.unwrap();
    let stored = a
        .store()
        .list_targets(&TargetFilter {
            article_id: Some(found.id),
            each_occurrence: true,
            ..TargetFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 230);
    let values: Vec<f64> = stored.iter().map(|t| t.value).collect();
    let want: Vec<f64> = (1..=230).map(f64::from).collect();
    assert_eq!(values, want);
}

#[tokio::test]
async fn a_chunk_is_read_back_in_one_go_as_each_alone() {
    use newsdesk::domain::Role;
    use newsdesk::domain::{DocumentCorrection, Panel};
    let app = TestApp::start().await;
    let a = articles(&app).await;
    let store = a.store();
    let none = Extraction::default();
    let mut draft = input("draft", "key-draft", "草稿。");
    draft.status = ArticleStatus::Draft;
    let mut later = input("later", "key-later", "定时发布。");
    later.published_at = Some(Utc::now() + TimeDelta::days(1));
    let mut ids = Vec::new();
    for article in [
        input("one", "key-one", "第一篇。"),
        input("two", "key-two", "第二篇。"),
        draft,
        later,
    ] {
        ids.push(store.upsert_article(&article, &none).await.unwrap().id());
    }

    // By id: every status, each as `article_by_id` reads it (tags included); unknown ids left out.
    let mut asked = ids.clone();
    asked.push(ids.iter().max().unwrap() + 100);
    let mut read = store.articles_by_ids(&asked).await.unwrap();
    read.sort_by_key(|a| a.id);
    assert_eq!(
        read.len(),
        4,
        "every stored article, the unknown id left out"
    );
    for article in &read {
        let alone = store.article_by_id(article.id).await.unwrap();
        assert_eq!(json(article), json(&alone));
        assert_eq!(
            article.tags.len(),
            2,
            "{}: {:?}",
            article.slug,
            article.tags
        );
    }
    assert!(store.articles_by_ids(&[]).await.unwrap().is_empty());

    // By slug: only what the public sees, each as `published_article` reads it.
    let public = store
        .published_articles(&["one", "two", "draft", "later", "missing"])
        .await
        .unwrap();
    let mut slugs: Vec<&str> = public.iter().map(|a| a.slug.as_str()).collect();
    slugs.sort_unstable();
    assert_eq!(slugs, ["one", "two"]);
    for article in &public {
        let alone = store.published_article(&article.slug).await.unwrap();
        assert_eq!(json(article), json(&alone));
    }

    // Corrected imports: only the keys of articles editors corrected.
    let user = newsdesk::auth::create_user(store, "batch-reader", Role::Editor, "长密码-batch-1")
        .await
        .unwrap();
    let doc = DocumentCorrection {
        panel: Panel::On,
        ..DocumentCorrection::default()
    };
    store
        .save_document_correction(ids[1], &doc, &user)
        .await
        .unwrap();
    let corrected = store
        .corrected_imports(&["key-one", "key-two", "key-none"])
        .await
        .unwrap();
    assert_eq!(corrected, [("key-two".to_string(), ids[1])]);
    assert!(store.corrected_imports(&[]).await.unwrap().is_empty());
}

fn json(article: &newsdesk::domain::Article) -> serde_json::Value {
    serde_json::to_value(article).unwrap()
}

#[tokio::test]
async fn an_import_and_tag_actions_on_its_tags_never_deadlock() {
    // An article write locks the content version, then its tags. A bulk "tag these articles"
    // that took the tag first and the content version second could deadlock with an import
    // holding the content version and coming to that tag (PostgreSQL then aborts one).
    let app = TestApp::start().await;
    let a = articles(&app).await;
    let store = a.store();
    let none = Extraction::default();
    let before = store.count_articles().await.unwrap();
    // Articles to tag, one per tagging: each adds a link, so each bumps the content version.
    let seed: Vec<i64> = {
        let first: Vec<ArticleInput> = (0..25)
            .map(|n| input(&format!("seed-{n}"), &format!("key-seed-{n}"), "已有。"))
            .collect();
        let items: Vec<(&ArticleInput, &Extraction)> = first.iter().map(|i| (i, &none)).collect();
        let done = store.upsert_articles(&items).await.unwrap();
        done.iter().map(|u| u.id()).collect()
    };
    // Tag actions lock the tag row; renaming and re-addressing one does too.
    store.tag_articles(&seed[..1], "乙").await.unwrap();
    let yi = store.tag_by_segment("乙").await.unwrap().id;
    for round in 0..5 {
        let chunk: Vec<ArticleInput> = (0..20)
            .map(|n| {
                let slug = format!("r{round}-{n}");
                let mut i = input(&slug, &format!("key-{slug}"), "共享标签的报道。");
                i.tags = vec![["甲", "乙"][n % 2].to_string()];
                i
            })
            .collect();
        let items: Vec<(&ArticleInput, &Extraction)> = chunk.iter().map(|i| (i, &none)).collect();
        let tag_them = async {
            for k in 0..5 {
                store
                    .tag_articles(&seed[round * 5 + k..][..1], "乙")
                    .await?;
                let address = format!("yi-{round}-{k}");
                store.update_tag(yi, "乙", Some(Some(&address))).await?;
                tokio::task::yield_now().await;
            }
            Ok::<_, StoreError>(())
        };
        let (import, tagging) = tokio::join!(store.upsert_articles(&items), tag_them);
        import.unwrap_or_else(|e| panic!("round {round}, the import: {e}"));
        tagging.unwrap_or_else(|e| panic!("round {round}, tagging: {e}"));
    }
    assert_eq!(store.count_articles().await.unwrap(), before + 125);
}

#[tokio::test]
async fn chunks_sharing_tags_in_opposite_orders_never_deadlock() {
    // Each chunk takes its tags before its first article: article by article, chunk A would hold
    // 甲 and wait for 乙 while chunk B holds 乙 and waits for 甲 (PostgreSQL then aborts one).
    let app = TestApp::start().await;
    let a = articles(&app).await;
    let store = a.store();
    let none = Extraction::default();
    let tagged = |slug: String, tag: &str| {
        let mut i = input(&slug, &format!("key-{slug}"), "共享标签的报道。");
        i.tags = vec![tag.to_string()];
        i
    };
    let before = store.count_articles().await.unwrap();
    for round in 0..5 {
        let chunk = |prefix: &str, tags: [&str; 2]| -> Vec<ArticleInput> {
            (0..20)
                .map(|n| tagged(format!("{prefix}{round}-{n}"), tags[n % 2]))
                .collect()
        };
        let first = chunk("a", ["甲", "乙"]);
        let second = chunk("b", ["乙", "甲"]);
        let one: Vec<(&ArticleInput, &Extraction)> = first.iter().map(|i| (i, &none)).collect();
        let two: Vec<(&ArticleInput, &Extraction)> = second.iter().map(|i| (i, &none)).collect();
        let (x, y) = tokio::join!(store.upsert_articles(&one), store.upsert_articles(&two));
        x.unwrap_or_else(|e| panic!("round {round}, first chunk: {e}"));
        y.unwrap_or_else(|e| panic!("round {round}, second chunk: {e}"));
    }
    assert_eq!(store.count_articles().await.unwrap(), before + 200);
}
