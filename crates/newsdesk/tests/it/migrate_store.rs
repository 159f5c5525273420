//! `newsdesk migrate-store`: a real SQLite site (demo content, an account that signed in, a failed
//! login, an API token, an upload, articles published and edited through the API) copied by the
//! real binary into a new PostgreSQL database, compared table by table and column by column.
//!
//! Needs the PostgreSQL test cluster (`NEWSDESK_TEST_POSTGRES`, `.ci/postgres`); skipped with a
//! message when it is unreachable, unless `NEWSDESK_REQUIRE_POSTGRES=1`.

use std::io::Cursor;
use std::path::Path;
use std::process::Output;

use chrono::{DateTime, Utc};
use newsdesk::domain::Role;
use newsdesk::store::SqliteStore;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use scraper::Html;
use sqlx::{Connection, PgConnection, Row, SqliteConnection};

use crate::support::{TestApp, attr, cookie_value, create_postgres_database, postgres_cluster_url};

const PASSWORD: &str = "correct horse battery staple";

/// The tables migrate-store copies (`content_version` and `index_changes` are the target's own).
const TABLES: [&str; 19] = [
    "channels",
    "articles",
    "article_revisions",
    "tags",
    "article_tags",
    "settings",
    "article_targets",
    "users",
    "sessions",
    "login_attempts",
    "login_devices",
    "api_tokens",
    "audit_log",
    "images",
    "attachments",
    "article_attachments",
    "search_stamps",
    "redirects",
    "page_stamps",
];

/// The test cluster's admin URL, or `None` (with the reason printed) when it is unreachable and
/// PostgreSQL is not required.
async fn postgres_cluster() -> Option<String> {
    let admin = postgres_cluster_url();
    match PgConnection::connect(&admin).await {
        Ok(conn) => {
            conn.close().await.ok();
            Some(admin)
        }
        Err(e) if std::env::var("NEWSDESK_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!(
                "NEWSDESK_REQUIRE_POSTGRES=1 but the PostgreSQL test cluster is unreachable: {e}"
            )
        }
        Err(e) => {
            eprintln!(
                "skipped: the PostgreSQL test cluster ({admin}) is unreachable ({e}); start it \
                 with .ci/postgres, or set NEWSDESK_TEST_POSTGRES"
            );
            None
        }
    }
}

/// Drops a database this module created (only when its test passed: a failure leaves it to look at).
async fn drop_database(admin: &str, url: &str) {
    let (_, name) = url.rsplit_once('/').unwrap();
    let mut conn = PgConnection::connect(admin).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
}

fn migrate_store(to: &str, data: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["migrate-store", "--to", to, "--data"])
        .arg(data)
        .env_remove("NEWSDESK_MIGRATE_TO")
        .env_remove("NEWSDESK_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk migrate-store")
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Signs in through the login form; returns the session cookie and the newsroom's CSRF token.
async fn sign_in(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    let page = app.get("/admin/login").await;
    let csrf_cookie = cookie_value(&page, "newsdesk_login_csrf").unwrap();
    let doc = Html::parse_document(&page.text().await.unwrap());
    let csrf = attr(&doc, "input[name=_csrf]", "value").unwrap();
    app.client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("newsdesk_login_csrf={csrf_cookie}"))
        .form(&[
            ("name", name),
            ("password", password),
            ("_csrf", &csrf),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap()
}

/// Fills a SQLite site with a row in every table, through the real server and store.
async fn build_site() -> tempfile::TempDir {
    // SQLite whatever backend the rest of the suite runs on: it is the source here.
    let app = TestApp::builder()
        .config(|c| c.database_url = None)
        .start()
        .await;
    let store = SqliteStore::open(app.data_path()).await.unwrap();
    let user = newsdesk::auth::create_user(&store, "Zhou", Role::Editor, PASSWORD)
        .await
        .unwrap();
    let (_, token) = newsdesk::auth::create_api_token(&store, &user, "稿件系统")
        .await
        .unwrap();

    // A failed attempt under another spelling (kept as a login_attempts row), then a sign-in
    // (a session and a device cookie).
    let r = sign_in(&app, "GHOST", "wrong password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = sign_in(&app, "zhou", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = format!(
        "newsdesk_session={}",
        cookie_value(&r, "newsdesk_session").unwrap()
    );
    let r = app
        .client
        .get(app.url("/admin/articles"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    let doc = Html::parse_document(&r.text().await.unwrap());
    let csrf = attr(&doc, "meta[name=csrf-token]", "content").unwrap();

    let boundary = "----migrate-store-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"照片.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png(640, 320));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = app
        .client
        .post(app.url("/admin/images"))
        .header(COOKIE, &session)
        .header("x-csrf-token", &csrf)
        .header("accept", "application/json")
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Through the publishing API: created, published, edited (audit log rows).
    let auth = format!("Bearer {token}");
    let r = app
        .client
        .post(app.url("/api/v1/articles"))
        .header("authorization", &auth)
        .json(&serde_json::json!({
            "title": "迁移前发布的文章", "channel": "solar", "author": "周记者",
            "body": "到2025年，光伏装机容量达到500万千瓦以上。", "tags": ["迁移", "光伏"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/articles/{id}/publish")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let a: serde_json::Value = r.json().await.unwrap();
    let r = app
        .client
        .put(app.url(&format!("/api/v1/articles/{id}")))
        .header("authorization", &auth)
        .json(&serde_json::json!({
            "title": "迁移前修改的文章", "channel": "solar", "author": "周记者",
            "body": "到2025年，光伏装机容量力争达到500万千瓦以上。", "tags": ["迁移", "光伏"],
            "version": a["version"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The edit of a published article is staged; 更新发布 makes it the article.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/articles/{id}/publish")))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // An attachment on the article (the media tables).
    let attachment = newsdesk::store::MediaStore::add_attachment(
        &store,
        &newsdesk::store::NewAttachment {
            file_name: "0123456789abcdef0123.pdf",
            original_name: "名单.pdf",
            mime: "application/pdf",
            bytes: 10,
            uploaded_by: Some(user.id),
        },
    )
    .await
    .unwrap();
    newsdesk::store::MediaStore::attach(&store, id, attachment.id)
        .await
        .unwrap();
    // Origin facts and an old path (issue 15).
    newsdesk::store::OriginStore::set_article_origin(
        &store,
        id,
        &newsdesk::domain::ArticleOrigin {
            editor: Some("王敏".into()),
            notice_issuer: Some("合肥市人民政府办公室".into()),
            notice_number: Some("合政办〔2024〕3号".into()),
            notice_written_on: chrono::NaiveDate::from_ymd_opt(2024, 2, 26),
            source_url: Some("http://old.gov.cn/plus/view.php?aid=7".into()),
        },
    )
    .await
    .unwrap();
    newsdesk::store::OriginStore::add_redirect(&store, "http://old.gov.cn/plus/view.php?aid=7", id)
        .await
        .unwrap();
    // And an old list page leading to a channel.
    let solar = newsdesk::store::Store::channel_by_slug(&store, "solar")
        .await
        .unwrap();
    newsdesk::store::OriginStore::add_channel_redirect(&store, "/plus/list.php?tid=3", solar.id)
        .await
        .unwrap();
    // A view, flushed to the database when the server stops.
    let url = a["url"].as_str().unwrap().to_string();
    assert_eq!(app.get(&url).await.status(), StatusCode::OK);
    drop(store);
    app.stop().await
}

async fn count_sqlite(db: &mut SqliteConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(db)
        .await
        .unwrap()
}

async fn count_pg(db: &mut PgConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(db)
        .await
        .unwrap()
}

/// An article's columns, times to the second, as both databases give them.
type ArticleRow = (
    Vec<Option<String>>,
    Vec<Option<i64>>,
    Vec<Option<DateTime<Utc>>>,
);

const ARTICLE_TEXT: &str = "slug, title, author, source, summary, body_format, body_source, \
                            body_html, status, import_key, cover_image, editor, notice_issuer, \
                            notice_number, source_url";
const ARTICLE_INTS: &str = "channel_id, views, version";
const ARTICLE_TIMES: &str = "published_at, created_at, updated_at, deleted_at";

fn article_row<R: Row>(row: &R) -> ArticleRow
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let texts = ARTICLE_TEXT.split(", ").count();
    let ints = ARTICLE_INTS.split(", ").count();
    let times = ARTICLE_TIMES.split(", ").count();
    (
        (0..texts).map(|i| row.get(i)).collect(),
        (texts..texts + ints).map(|i| row.get(i)).collect(),
        (texts + ints..texts + ints + times)
            .map(|i| {
                row.get::<Option<DateTime<Utc>>, _>(i)
                    .map(|t| DateTime::from_timestamp(t.timestamp(), 0).unwrap())
            })
            .collect(),
    )
}

/// A target: position, text, value, value_max, aspirational, region, year, sector.
type TargetRow = (
    i64,
    String,
    f64,
    Option<f64>,
    bool,
    Option<String>,
    Option<i64>,
    String,
);
const TARGET_COLUMNS: &str = "position, text, value, value_max, aspirational, region, year, sector";
const TAG_NAMES: &str = "SELECT t.name FROM tags t JOIN article_tags a ON a.tag_id = t.id \
                         WHERE a.article_id = $1 ORDER BY t.name";

#[tokio::test]
async fn an_sqlite_site_moves_to_postgres_with_every_row_and_column() {
    let Some(admin) = postgres_cluster().await else {
        return;
    };
    let data = build_site().await;
    let url = create_postgres_database(&admin).await;

    let out = migrate_store(&url, data.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("every table's count checked"), "{stdout}");

    let db_file = data.path().join(newsdesk::store::DB_FILE);
    let mut lite = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db_file.display()))
        .await
        .unwrap();
    let mut pg = PgConnection::connect(&url).await.unwrap();
    for table in TABLES {
        let n = count_sqlite(&mut lite, table).await;
        assert!(
            n > 0,
            "the source site has no {table} rows: the test covers nothing there"
        );
        assert_eq!(count_pg(&mut pg, table).await, n, "rows of {table}");
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>() == [table, &n.to_string()]),
            "summary line for {table}: {stdout}"
        );
    }

    // The edited article, column by column: times to the second, views, body, tags, targets.
    let id: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE title = '迁移前修改的文章'")
        .fetch_one(&mut lite)
        .await
        .unwrap();
    let select = format!(
        "SELECT {ARTICLE_TEXT}, {ARTICLE_INTS}, {ARTICLE_TIMES} FROM articles WHERE id = $1"
    );
    let from_lite = article_row(
        &sqlx::query(&select.replace("$1", "?"))
            .bind(id)
            .fetch_one(&mut lite)
            .await
            .unwrap(),
    );
    let from_pg = article_row(
        &sqlx::query(&select)
            .bind(id)
            .fetch_one(&mut pg)
            .await
            .unwrap(),
    );
    assert_eq!(from_pg, from_lite);
    assert_eq!(
        from_pg.0[11].as_deref(),
        Some("王敏"),
        "origin facts copied"
    );
    let written_on: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT notice_written_on FROM articles WHERE id = $1")
            .bind(id)
            .fetch_one(&mut pg)
            .await
            .unwrap();
    assert_eq!(written_on, chrono::NaiveDate::from_ymd_opt(2024, 2, 26));
    let redirect: String = sqlx::query_scalar("SELECT path FROM redirects WHERE article_id = $1")
        .bind(id)
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(redirect, "/plus/view.php?aid=7");
    let to_channel: String = sqlx::query_scalar(
        "SELECT c.slug FROM redirects r JOIN channels c ON c.id = r.channel_id \
         WHERE r.path = '/plus/list.php?tid=3' AND r.article_id IS NULL",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(to_channel, "solar");
    assert_eq!(
        from_lite.1[1],
        Some(1),
        "the view was counted before the copy"
    );
    assert!(from_lite.2[0].is_some(), "published");

    let tags_lite: Vec<String> = sqlx::query_scalar(&TAG_NAMES.replace("$1", "?"))
        .bind(id)
        .fetch_all(&mut lite)
        .await
        .unwrap();
    let tags_pg: Vec<String> = sqlx::query_scalar(TAG_NAMES)
        .bind(id)
        .fetch_all(&mut pg)
        .await
        .unwrap();
    assert_eq!(tags_lite, ["光伏", "迁移"]);
    assert_eq!(tags_pg, tags_lite);

    let targets = format!(
        "SELECT {TARGET_COLUMNS} FROM article_targets WHERE article_id = $1 ORDER BY position"
    );
    let targets_lite: Vec<TargetRow> = sqlx::query_as(&targets.replace("$1", "?"))
        .bind(id)
        .fetch_all(&mut lite)
        .await
        .unwrap();
    let targets_pg: Vec<TargetRow> = sqlx::query_as(&targets)
        .bind(id)
        .fetch_all(&mut pg)
        .await
        .unwrap();
    assert!(!targets_lite.is_empty(), "the article states a target");
    assert!(
        targets_lite.iter().any(|t| t.4),
        "力争: an aspirational target"
    );
    assert_eq!(targets_pg, targets_lite);
    // The booleans of every target, not just this article's.
    let aspirational_lite: i64 =
        sqlx::query_scalar("SELECT count(*) FROM article_targets WHERE aspirational = 1")
            .fetch_one(&mut lite)
            .await
            .unwrap();
    let aspirational_pg: i64 =
        sqlx::query_scalar("SELECT count(*) FROM article_targets WHERE aspirational")
            .fetch_one(&mut pg)
            .await
            .unwrap();
    assert_eq!(aspirational_pg, aspirational_lite);

    // Credentials as they were (same passwords and API tokens); the account typed lower-cased.
    let users_lite: Vec<(i64, String, String, bool)> =
        sqlx::query_as("SELECT id, name, password_hash, disabled FROM users ORDER BY id")
            .fetch_all(&mut lite)
            .await
            .unwrap();
    let users_pg: Vec<(i64, String, String, bool)> =
        sqlx::query_as("SELECT id, name, password_hash, disabled FROM users ORDER BY id")
            .fetch_all(&mut pg)
            .await
            .unwrap();
    assert_eq!(users_pg, users_lite);
    let tokens = "SELECT id, user_id, token_hash FROM api_tokens ORDER BY id";
    let tokens_lite: Vec<(i64, i64, String)> =
        sqlx::query_as(tokens).fetch_all(&mut lite).await.unwrap();
    let tokens_pg: Vec<(i64, i64, String)> =
        sqlx::query_as(tokens).fetch_all(&mut pg).await.unwrap();
    assert_eq!(tokens_pg, tokens_lite);
    let accounts: Vec<String> = sqlx::query_scalar("SELECT account FROM login_attempts")
        .fetch_all(&mut pg)
        .await
        .unwrap();
    assert_eq!(accounts, ["ghost"]);
    // Search and page stamps as the source had them (not the ones the target's triggers made).
    for table in ["search_stamps", "page_stamps"] {
        let stamps = format!("SELECT article_id, stamp FROM {table} ORDER BY article_id");
        let stamps_lite: Vec<(i64, i64)> =
            sqlx::query_as(&stamps).fetch_all(&mut lite).await.unwrap();
        let stamps_pg: Vec<(i64, i64)> = sqlx::query_as(&stamps).fetch_all(&mut pg).await.unwrap();
        assert_eq!(stamps_pg, stamps_lite, "{table}");
    }

    // The migrated database serves the site: a node with a new data folder builds its search
    // index from it, shows the edited article, and the copied account signs in with its password.
    {
        let url = url.clone();
        let node = TestApp::builder()
            .config(move |c| c.database_url = Some(url))
            .start()
            .await;
        let slug: String = sqlx::query_scalar("SELECT slug FROM articles WHERE id = $1")
            .bind(id)
            .fetch_one(&mut pg)
            .await
            .unwrap();
        let page = node.get(&format!("/articles/{slug}")).await;
        assert_eq!(page.status(), reqwest::StatusCode::OK);
        assert!(page.text().await.unwrap().contains("迁移前修改的文章"));
        let search = node.get("/search?q=迁移前修改").await.text().await.unwrap();
        assert!(
            search.contains(&format!("/articles/{slug}")),
            "found by search"
        );
        let r = sign_in(&node, "zhou", PASSWORD).await;
        assert_eq!(
            r.status(),
            reqwest::StatusCode::SEE_OTHER,
            "signs in as before"
        );
        node.stop().await;
    }

    // A second run into the same database is refused, naming a table that has rows, and
    // changes nothing.
    let out = migrate_store(&url, data.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("not empty") && stderr.contains("table channels"),
        "{stderr}"
    );
    assert_eq!(
        count_pg(&mut pg, "articles").await,
        count_sqlite(&mut lite, "articles").await
    );

    // New rows take ids past the copied ones.
    for (table, insert) in [
        (
            "channels",
            "INSERT INTO channels (name, slug) VALUES ('新频道', 'new-after-migration') RETURNING id",
        ),
        (
            "tags",
            "INSERT INTO tags (name) VALUES ('迁移后') RETURNING id",
        ),
        (
            "audit_log",
            "INSERT INTO audit_log (at, user_name, action) VALUES (now(), 'x', 'test') RETURNING id",
        ),
    ] {
        let max: i64 = sqlx::query_scalar(&format!("SELECT max(id) FROM {table}"))
            .fetch_one(&mut lite)
            .await
            .unwrap();
        let new: i64 = sqlx::query_scalar(insert).fetch_one(&mut pg).await.unwrap();
        assert!(
            new > max,
            "{table}: new id {new} after copied ids up to {max}"
        );
    }
    lite.close().await.ok();
    pg.close().await.ok();
    drop_database(&admin, &url).await;
}

#[tokio::test]
async fn a_folder_without_a_site_is_refused_and_the_database_left_untouched() {
    let Some(admin) = postgres_cluster().await else {
        return;
    };
    let url = create_postgres_database(&admin).await;
    let empty = tempfile::tempdir().unwrap();
    let out = migrate_store(&url, empty.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("holds no newsdesk database"), "{stderr}");
    assert!(
        !empty.path().join(newsdesk::store::DB_FILE).exists(),
        "no database created in the folder"
    );

    // Not a PostgreSQL URL: refused before anything is opened.
    let out = migrate_store("sqlite://elsewhere.db", empty.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres://"));
    drop_database(&admin, &url).await;
}

#[tokio::test]
async fn a_row_postgres_refuses_is_named_and_nothing_is_committed() {
    let Some(admin) = postgres_cluster().await else {
        return;
    };
    let app = TestApp::builder()
        .config(|c| c.database_url = None)
        .start()
        .await;
    let data = app.stop().await;
    // A tag link to a tag that does not exist: SQLite lets it in with foreign keys off (as any
    // old tool would write it); PostgreSQL's foreign key refuses it.
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(data.path().join(newsdesk::store::DB_FILE))
        .foreign_keys(false);
    let mut lite = sqlx::ConnectOptions::connect(&options).await.unwrap();
    let article: i64 = sqlx::query_scalar("SELECT max(id) FROM articles")
        .fetch_one(&mut lite)
        .await
        .unwrap();
    sqlx::query("INSERT INTO article_tags (article_id, tag_id) VALUES (?, 999999)")
        .bind(article)
        .execute(&mut lite)
        .await
        .unwrap();
    lite.close().await.ok();

    let url = create_postgres_database(&admin).await;
    let out = migrate_store(&url, data.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "table article_tags row article_id {article}, tag_id 999999"
        )),
        "{stderr}"
    );
    // All or nothing: the tables copied before the bad row were rolled back too.
    let mut pg = PgConnection::connect(&url).await.unwrap();
    for table in TABLES {
        assert_eq!(count_pg(&mut pg, table).await, 0, "rows left in {table}");
    }
    pg.close().await.ok();

    // A time SQLite holds as unreadable text: named by table, rowid and column.
    let mut lite = sqlx::ConnectOptions::connect(&options).await.unwrap();
    sqlx::query("DELETE FROM article_tags WHERE tag_id = 999999")
        .execute(&mut lite)
        .await
        .unwrap();
    sqlx::query("UPDATE articles SET updated_at = 'yesterday' WHERE id = ?")
        .bind(article)
        .execute(&mut lite)
        .await
        .unwrap();
    lite.close().await.ok();
    let out = migrate_store(&url, data.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "table articles row with rowid {article}: column updated_at"
        )),
        "{stderr}"
    );
    drop_database(&admin, &url).await;
}
