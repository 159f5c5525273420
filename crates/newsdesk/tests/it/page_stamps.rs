//! Page stamps, on whichever backend the run uses: an article's stamp moves on with every change
//! to anything its page shows of it (the server keeps what it made of the article by stamp), and
//! with nothing else — not the view counter's flushes, not another article's save.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use newsdesk::domain::{ArticleInput, ArticleStatus, BodyFormat};
use newsdesk::store::Store;
use newsdesk::targets::Extraction;

use crate::support::open_store_at;

const POLICY: &str = "<p>合肥市人民政府关于印发新能源汽车产业发展行动计划的通知。</p>\
    <p>到2025年，全市新能源汽车产量力争突破120万辆，产业营收超过5000亿元。</p>";

fn input(slug: &str, tags: &[&str]) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: format!("页面戳测试 {slug}"),
        author: None,
        source: None,
        channel_slug: "policy".into(),
        tags: tags.iter().map(|t| (*t).to_string()).collect(),
        summary: String::new(),
        summary_auto: true,
        body_format: BodyFormat::Html,
        body_source: POLICY.into(),
        body_html: POLICY.into(),
        status: ArticleStatus::Published,
        published_at: Some(Utc::now() - TimeDelta::hours(1)),
        views: 0,
        import_key: Some(slug.into()),
    }
}

fn found(input: &ArticleInput) -> Extraction {
    newsdesk::targets::extract(
        &input.body_html,
        &policy::Meta {
            title: Some(&input.title),
            source: None,
            published_year: Some(2024),
        },
    )
}

async fn write(store: &Arc<dyn Store>, input: &ArticleInput) -> i64 {
    store
        .upsert_article(input, &found(input))
        .await
        .unwrap()
        .id()
}

/// The same database as the store's, for writes no store operation makes on its own (each
/// column of `articles`, one at a time).
enum Raw {
    Lite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    async fn open(dir: &std::path::Path) -> Self {
        match std::fs::read_to_string(dir.join("test-database-url")) {
            Ok(url) => Self::Pg(sqlx::PgPool::connect(&url).await.unwrap()),
            Err(_) => {
                let db = dir.join("newsdesk.db");
                let url = format!("sqlite://{}", db.display());
                Self::Lite(sqlx::SqlitePool::connect(&url).await.unwrap())
            }
        }
    }

    async fn execute(&self, sql: &str) {
        match self {
            Self::Lite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Self::Pg(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    async fn article_columns(&self) -> Vec<String> {
        match self {
            Self::Lite(pool) => {
                sqlx::query_scalar("SELECT name FROM pragma_table_info('articles')")
                    .fetch_all(pool)
                    .await
                    .unwrap()
            }
            Self::Pg(pool) => sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = 'articles'",
            )
            .fetch_all(pool)
            .await
            .unwrap(),
        }
    }
}

async fn stamp(store: &Arc<dyn Store>, slug: &str) -> i64 {
    let now = store.page_stamp(slug).await.unwrap();
    let page = store.article_page(slug).await.unwrap();
    assert_eq!(
        page.stamp, now.stamp,
        "the page's row and the narrow row agree"
    );
    now.stamp
}

#[tokio::test]
async fn every_column_of_an_article_but_its_views_moves_its_page_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store_at(dir.path()).await;
    store.upsert_channel("政策", "policy", 0).await.unwrap();
    let (a, b) = (input("stamp-a", &["新能源"]), input("stamp-b", &["新能源"]));
    let id = write(&store, &a).await;
    write(&store, &b).await;
    let raw = Raw::open(dir.path()).await;
    // Keep the article public whatever a column is set to: each is set to itself.
    let columns = raw.article_columns().await;
    assert!(columns.len() > 30, "{columns:?}");
    for column in columns
        .iter()
        .filter(|c| !["id", "views"].contains(&c.as_str()))
    {
        let (before, other) = (stamp(&store, &a.slug).await, stamp(&store, &b.slug).await);
        raw.execute(&format!(
            "UPDATE articles SET {column} = {column} WHERE id = {id}"
        ))
        .await;
        assert!(
            stamp(&store, &a.slug).await > before,
            "writing articles.{column} left the page stamp at {before}"
        );
        assert_eq!(
            stamp(&store, &b.slug).await,
            other,
            "another article's stamp moved"
        );
    }
    let before = stamp(&store, &a.slug).await;
    store
        .add_views(&Utc::now().format("%Y-%m-%d").to_string(), &[(id, 5)])
        .await
        .unwrap();
    raw.execute(&format!(
        "UPDATE articles SET views = views + 1 WHERE id = {id}"
    ))
    .await;
    assert_eq!(
        stamp(&store, &a.slug).await,
        before,
        "views moved the stamp"
    );
    assert_eq!(store.page_stamp(&a.slug).await.unwrap().views, 6);
}

#[tokio::test]
async fn what_a_page_shows_beside_the_article_moves_its_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store_at(dir.path()).await;
    store.upsert_channel("政策", "policy", 0).await.unwrap();
    let a = input("beside-a", &["新能源", "合肥"]);
    let id = write(&store, &a).await;
    let other = input("beside-b", &["储能"]);
    let other_id = write(&store, &other).await;
    let page = store.article_page(&a.slug).await.unwrap();
    assert!(!page.targets.is_empty(), "the policy text has targets");
    let raw = Raw::open(dir.path()).await;

    let mut last = stamp(&store, &a.slug).await;
    macro_rules! moved {
        ($what:expr) => {{
            let now = stamp(&store, &a.slug).await;
            assert!(now > last, "{} left the page stamp at {last}", $what);
            last = now;
        }};
    }
    // Another article's save is not this page's change.
    write(&store, &input("beside-b", &["储能", "电池"])).await;
    assert_eq!(
        stamp(&store, &a.slug).await,
        last,
        "another article's save moved it"
    );

    // Targets: hidden by an editor, written again.
    raw.execute(&format!(
        "UPDATE article_targets SET hidden = NOT hidden WHERE article_id = {id}"
    ))
    .await;
    moved!("hiding its targets");
    raw.execute(&format!(
        "DELETE FROM article_targets WHERE article_id = {id}"
    ))
    .await;
    moved!("deleting its targets");
    write(&store, &a).await;
    moved!("saving it (its targets written again)");

    // Tags: a link, a tag's name, a tag's address.
    write(&store, &input("beside-a", &["新能源"])).await;
    moved!("dropping a tag");
    raw.execute("UPDATE tags SET name = '新能源汽车' WHERE name = '新能源'")
        .await;
    moved!("renaming its tag");
    raw.execute("UPDATE tags SET slug = 'nev' WHERE name = '新能源汽车'")
        .await;
    moved!("giving its tag an address");

    // Its channel's name and address; not its place in the menu, which the page does not show
    // (reordering channels must not rewrite every article's stamp).
    for set in ["name = '政策文件'", "slug = 'policies'"] {
        raw.execute(&format!(
            "UPDATE channels SET {set} WHERE slug IN ('policy', 'policies')"
        ))
        .await;
        moved!(set);
    }
    raw.execute("UPDATE channels SET position = 5 WHERE slug = 'policies'")
        .await;
    assert_eq!(
        stamp(&store, &a.slug).await,
        last,
        "reordering channels moved it"
    );

    // Document facts and the editors' corrections (the panel shown or not).
    raw.execute(&format!(
        "UPDATE article_documents SET issuer = '合肥市人民政府' WHERE article_id = {id}"
    ))
    .await;
    moved!("its document facts");
    raw.execute(&format!(
        "INSERT INTO document_corrections (article_id, panel, user_name, at) \
         VALUES ({id}, 'off', 'editor', '2026-12-01T00:00:00+00:00')"
    ))
    .await;
    moved!("a correction");
    raw.execute(&format!(
        "DELETE FROM document_corrections WHERE article_id = {id}"
    ))
    .await;
    moved!("the correction withdrawn");

    // Attachments: attached, renamed, detached.
    let file = store
        .add_attachment(&newsdesk::store::NewAttachment {
            file_name: "0123abcd.pdf",
            original_name: "行动计划.pdf",
            mime: "application/pdf",
            bytes: 1024,
            uploaded_by: None,
        })
        .await
        .unwrap();
    store.attach(id, file.id).await.unwrap();
    moved!("attaching a file");
    let shown = store.article_page(&a.slug).await.unwrap().attachments;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].original_name, "行动计划.pdf");
    raw.execute(&format!(
        "UPDATE attachments SET original_name = '行动计划（修订）.pdf' WHERE id = {}",
        file.id
    ))
    .await;
    moved!("renaming the attached file");
    store.detach(id, file.id).await.unwrap();
    moved!("detaching it");

    // The other article was written twice and never touched this one's stamp.
    assert_ne!(other_id, id);
    assert!(last > 1);
}
