//! `newsdesk migrate-store`: copies a site's SQLite database into an empty PostgreSQL database,
//! table by table, keeping ids, in one PostgreSQL transaction (all or nothing), then checks that
//! every table holds as many rows as the source and reports the counts.
//!
//! The source is read in one SQLite read transaction (a consistent snapshot even if something
//! still writes), in rowid order and in pages, so memory stays flat whatever the site's size. The
//! target gets its migrations first; this module knows both schemas' column lists but holds no
//! domain logic. Not copied: `content_version` (the target's own counter) and `index_changes`
//! (the target's triggers write its own while the rows go in; nodes build their search index
//! afresh on a new database anyway).

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection, QueryBuilder, Row, SqliteConnection};

use crate::store::{PgStore, SqliteStore, redact_url};

/// Rows read from SQLite and written to PostgreSQL per statement. 500 rows of the widest table
/// (articles, 21 columns) stay far below PostgreSQL's 65,535 bind parameters.
const BATCH: i64 = 500;

/// How a column is read from SQLite and written to PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// INTEGER → BIGINT.
    Int,
    /// REAL → DOUBLE PRECISION.
    Real,
    /// TEXT → TEXT.
    Text,
    /// RFC 3339 TEXT → TIMESTAMPTZ.
    Time,
    /// INTEGER 0/1 → BOOLEAN.
    Bool,
    /// `YYYY-MM-DD` TEXT → DATE.
    Date,
    /// TEXT COLLATE NOCASE → TEXT stored lower-cased (PostgreSQL has no NOCASE; its store
    /// lower-cases the name typed before it writes or compares).
    Lower,
}

/// One table to copy: its columns (the same names in both schemas) and how a row is named in
/// messages.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// Columns that identify a row in error messages (none: the SQLite rowid).
    key: &'static [&'static str],
    /// Whether `id` is an identity column whose sequence must move past the copied ids.
    identity: bool,
    /// Appended to the INSERT.
    on_conflict: &'static str,
}

use Kind::{Bool, Date, Int, Lower, Real, Text, Time};

/// Every table with content, in reference order (a row's references are copied before it).
const TABLES: &[Table] = &[
    Table {
        name: "channels",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("slug", Text),
            ("position", Int),
            ("parent_id", Int),
            ("description", Text),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "articles",
        columns: &[
            ("id", Int),
            ("slug", Text),
            ("title", Text),
            ("author", Text),
            ("source", Text),
            ("channel_id", Int),
            ("summary", Text),
            ("body_format", Text),
            ("body_source", Text),
            ("body_html", Text),
            ("status", Text),
            ("published_at", Time),
            ("views", Int),
            ("import_key", Text),
            ("created_at", Time),
            ("updated_at", Time),
            ("version", Int),
            ("deleted_at", Time),
            ("cover_image", Text),
            ("flag_featured", Bool),
            ("flag_pinned", Bool),
            ("flag_headline", Bool),
            ("seo_title", Text),
            ("seo_keywords", Text),
            ("seo_description", Text),
            ("summary_auto", Bool),
            // No foreign key: the revision it names is copied after the articles.
            ("pending_revision_id", Int),
            ("review_comment", Text),
            ("editor", Text),
            ("notice_issuer", Text),
            ("notice_number", Text),
            ("notice_written_on", Date),
            ("source_url", Text),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "redirects",
        columns: &[("path", Text), ("article_id", Int), ("channel_id", Int)],
        key: &["path"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "tags",
        columns: &[("id", Int), ("name", Text), ("slug", Text)],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "article_tags",
        columns: &[("article_id", Int), ("tag_id", Int)],
        key: &["article_id", "tag_id"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "settings",
        columns: &[("key", Text), ("value", Text)],
        key: &["key"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "article_targets",
        columns: &[
            ("article_id", Int),
            ("position", Int),
            ("start_char", Int),
            ("end_char", Int),
            ("text", Text),
            ("indicator", Text),
            ("value", Real),
            ("value_max", Real),
            ("unit", Text),
            ("comparator", Text),
            ("kind", Text),
            ("aspirational", Bool),
            ("sector", Text),
            ("region", Text),
            ("year", Int),
            ("value_base", Real),
            ("unit_base", Text),
            ("record", Text),
            ("indicator_key", Text),
            ("hidden", Bool),
            ("origin", Text),
        ],
        key: &["article_id", "position"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "article_documents",
        columns: &[
            ("article_id", Int),
            ("kind", Text),
            ("issuer", Text),
            ("region", Text),
            ("year", Int),
            ("first_year", Int),
            ("covers", Text),
        ],
        key: &["article_id"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("role", Text),
            // Copied as it is: users sign in with the same passwords.
            ("password_hash", Text),
            ("disabled", Bool),
            ("created_at", Time),
            ("default_author", Text),
            ("default_source", Text),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "sessions",
        columns: &[
            ("token_hash", Text),
            ("user_id", Int),
            ("csrf_token", Text),
            ("created_at", Time),
            ("expires_at", Time),
            ("last_seen_at", Time),
            ("ip", Text),
            ("user_agent", Text),
        ],
        // Not the token hash: named by rowid, so no credential reaches a terminal or log.
        key: &[],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "login_attempts",
        columns: &[
            ("id", Int),
            ("account", Lower),
            ("client", Text),
            ("at", Time),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "login_devices",
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("token_hash", Text),
            ("created_at", Time),
            ("expires_at", Time),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "api_tokens",
        columns: &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            // Hashed, copied as it is: API tokens keep working.
            ("token_hash", Text),
            ("created_at", Time),
            ("last_used_at", Time),
            ("revoked_at", Time),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "audit_log",
        columns: &[
            ("id", Int),
            ("at", Time),
            ("user_id", Int),
            ("user_name", Text),
            ("action", Text),
            ("article_id", Int),
            ("article_title", Text),
            ("detail", Text),
            ("ip", Text),
            ("subject_kind", Text),
            ("subject_id", Int),
            ("subject_label", Text),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "topics",
        columns: &[
            ("id", Int),
            ("slug", Text),
            ("title", Text),
            ("intro", Text),
            ("cover_image", Text),
            ("position", Int),
            ("created_at", Time),
            ("updated_at", Time),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "topic_articles",
        columns: &[("topic_id", Int), ("article_id", Int), ("position", Int)],
        key: &["topic_id", "article_id"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "pages",
        columns: &[
            ("id", Int),
            ("slug", Text),
            ("title", Text),
            ("body_format", Text),
            ("body_source", Text),
            ("body_html", Text),
            ("show_in_footer", Bool),
            ("show_in_nav", Bool),
            ("position", Int),
            ("updated_at", Time),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "article_views_daily",
        columns: &[("article_id", Int), ("day", Text), ("views", Int)],
        key: &["article_id", "day"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "site_push_queue",
        columns: &[
            ("article_id", Int),
            ("generation", Int),
            ("attempts", Int),
            ("next_at", Time),
            ("claimed_until", Time),
            ("last_error", Text),
        ],
        key: &["article_id"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "images",
        columns: &[
            ("id", Int),
            ("file_name", Text),
            ("original_name", Text),
            ("mime", Text),
            ("width", Int),
            ("height", Int),
            ("bytes", Int),
            ("uploaded_by", Int),
            ("created_at", Time),
            ("alt", Text),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "attachments",
        columns: &[
            ("id", Int),
            ("file_name", Text),
            ("original_name", Text),
            ("mime", Text),
            ("bytes", Int),
            ("uploaded_by", Int),
            ("created_at", Time),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "article_attachments",
        columns: &[
            ("article_id", Int),
            ("attachment_id", Int),
            ("position", Int),
        ],
        key: &["article_id", "attachment_id"],
        identity: false,
        on_conflict: "",
    },
    // Copied last, over the rows the target's triggers made while articles and tag links went in
    // (one per copied article, with counts of their own): the source's stamps win. Skipping them
    // instead would lose the stamps of purged articles (rows outlive their article) and restart
    // every stamp near 1, so an index built from the SQLite site and pointed at the new database
    // could hold an old document whose stamp happens to equal the new one and never be corrected.
    // With the stamps as they were, such an index is exactly as current as it was on SQLite.
    Table {
        name: "article_revisions",
        columns: &[
            ("id", Int),
            ("article_id", Int),
            ("number", Int),
            ("created_at", Time),
            ("user_id", Int),
            ("user_name", Text),
            ("title", Text),
            ("summary", Text),
            ("body_format", Text),
            ("body_source", Text),
            ("kind", Text),
            ("note", Text),
            ("fields", Text),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "target_corrections",
        columns: &[
            ("id", Int),
            ("article_id", Int),
            ("action", Text),
            ("match_text", Text),
            ("match_value", Real),
            ("match_unit", Text),
            ("text", Text),
            ("indicator", Text),
            ("value", Real),
            ("value_max", Real),
            ("unit", Text),
            ("comparator", Text),
            ("kind", Text),
            ("aspirational", Bool),
            ("year", Int),
            ("user_id", Int),
            ("user_name", Text),
            ("at", Time),
        ],
        key: &["id"],
        identity: true,
        on_conflict: "",
    },
    Table {
        name: "document_corrections",
        columns: &[
            ("article_id", Int),
            ("kind", Text),
            ("issuer", Text),
            ("region", Text),
            ("year", Int),
            ("panel", Text),
            ("user_id", Int),
            ("user_name", Text),
            ("at", Time),
        ],
        key: &["article_id"],
        identity: false,
        on_conflict: "",
    },
    Table {
        name: "search_stamps",
        columns: &[("article_id", Int), ("stamp", Int)],
        key: &["article_id"],
        identity: false,
        on_conflict: " ON CONFLICT (article_id) DO UPDATE SET stamp = EXCLUDED.stamp",
    },
    // Last: the triggers of the tables above have already made rows, which these replace.
    Table {
        name: "page_stamps",
        columns: &[("article_id", Int), ("stamp", Int)],
        key: &["article_id"],
        identity: false,
        on_conflict: " ON CONFLICT (article_id) DO UPDATE SET stamp = EXCLUDED.stamp",
    },
];

/// The tables `migrate-store` copies, in the order it copies them.
pub fn table_names() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|t| t.name)
}

/// A value on its way from SQLite to PostgreSQL.
#[derive(Debug)]
enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
    Bool(Option<bool>),
    Date(Option<chrono::NaiveDate>),
}

/// A row read from SQLite: its rowid, its name in messages, its values in column order.
struct SourceRow {
    rowid: i64,
    label: String,
    values: Vec<Value>,
}

/// What a migration copied.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Rows per table, in copy order (equal in source and target: checked before commit).
    pub tables: Vec<(&'static str, i64)>,
}

impl Summary {
    /// Rows copied in all.
    pub fn total(&self) -> i64 {
        self.tables.iter().map(|t| t.1).sum()
    }
}

/// Copies the SQLite site in `data_dir` into the empty PostgreSQL database at `url`.
/// `progress(done, total)` is called after each batch, with rows copied so far.
pub async fn migrate(
    data_dir: &Path,
    url: &str,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<Summary> {
    let shown = redact_url(url);
    let source = SqliteStore::open_existing(data_dir).await?;
    let target = PgStore::open(url).await?;
    let mut src = source
        .pool()
        .begin()
        .await
        .context("starting a read transaction on the SQLite database")?;
    let mut dst = target
        .pool()
        .begin()
        .await
        .with_context(|| format!("starting a transaction on {shown}"))?;

    for table in TABLES {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", table.name);
        let taken: bool = sqlx::query_scalar(&sql)
            .fetch_one(&mut *dst)
            .await
            .with_context(|| format!("reading table {} of {shown}", table.name))?;
        if taken {
            bail!(
                "PostgreSQL database {shown} is not empty: table {} already has rows; \
                 migrate-store copies into an empty database only",
                table.name
            );
        }
    }

    // Counts first: the first read fixes the snapshot every later read sees.
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let sql = format!("SELECT count(*) FROM {}", table.name);
        let n: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&mut *src)
            .await
            .with_context(|| format!("counting rows of SQLite table {}", table.name))?;
        counts.push((table.name, n));
    }
    let total = u64::try_from(counts.iter().map(|c| c.1).sum::<i64>()).unwrap_or(0);

    let mut done = 0u64;
    progress(done, total);
    for table in TABLES {
        copy_table(table, &mut src, &mut dst, |n| {
            done += n;
            progress(done, total);
        })
        .await?;
    }

    for table in TABLES.iter().filter(|t| t.identity) {
        // Past the largest id copied, so new rows do not collide with copied ones. Articles also
        // past every id with a search stamp: such ids were used by articles since purged, and a
        // reused id must not inherit their history.
        let max = if table.name == "articles" {
            "SELECT greatest((SELECT max(id) FROM articles), \
             (SELECT max(article_id) FROM search_stamps), 0)"
                .to_string()
        } else {
            format!("SELECT coalesce(max(id), 0) FROM {}", table.name)
        };
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{0}', 'id'), greatest(m, 1), m > 0) \
             FROM ({max}) AS t(m)",
            table.name
        );
        sqlx::query(&sql)
            .execute(&mut *dst)
            .await
            .with_context(|| format!("moving the id sequence of {} past its rows", table.name))?;
    }

    for &(name, expected) in &counts {
        let sql = format!("SELECT count(*) FROM {name}");
        let copied: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&mut *dst)
            .await
            .with_context(|| format!("counting rows of table {name} in {shown}"))?;
        if copied != expected {
            bail!(
                "table {name}: {copied} row(s) in PostgreSQL but {expected} in SQLite; nothing \
                 was committed"
            );
        }
    }
    dst.commit()
        .await
        .with_context(|| format!("committing the copy into {shown}"))?;
    src.rollback().await.ok();
    Ok(Summary { tables: counts })
}

/// Copies one table, page by page in rowid order.
async fn copy_table(
    table: &Table,
    src: &mut SqliteConnection,
    dst: &mut PgConnection,
    mut copied: impl FnMut(u64),
) -> anyhow::Result<()> {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.0).collect();
    // `rowid` first: for tables keyed by an INTEGER PRIMARY KEY it is that id.
    let select = format!(
        "SELECT rowid, {} FROM {} WHERE rowid > ? ORDER BY rowid LIMIT ?",
        columns.join(", "),
        table.name
    );
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(&select)
            .bind(after)
            .bind(BATCH)
            .fetch_all(&mut *src)
            .await
            .with_context(|| format!("reading SQLite table {}", table.name))?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last
            .try_get(0)
            .with_context(|| format!("reading SQLite table {}", table.name))?;
        let batch = rows
            .iter()
            .map(|r| read_row(table, r))
            .collect::<anyhow::Result<Vec<_>>>()?;
        insert_batch(table, &batch, dst).await?;
        copied(batch.len() as u64);
    }
}

/// Decodes one SQLite row into values for PostgreSQL.
fn read_row(table: &Table, row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<SourceRow> {
    let rowid: i64 = row.try_get(0)?;
    let mut values = Vec::with_capacity(table.columns.len());
    for (i, &(column, kind)) in table.columns.iter().enumerate() {
        let at = i + 1;
        let value = match kind {
            Int => row.try_get(at).map(Value::Int),
            Real => row.try_get(at).map(Value::Real),
            Text => row.try_get(at).map(Value::Text),
            Lower => row
                .try_get::<Option<String>, _>(at)
                .map(|s| Value::Text(s.map(|s| s.to_lowercase()))),
            Time => row.try_get(at).map(Value::Time),
            Bool => row.try_get(at).map(Value::Bool),
            Date => row.try_get(at).map(Value::Date),
        };
        match value {
            Ok(v) => values.push(v),
            Err(e) => {
                // The label needs the key values, which may be what failed: name the rowid.
                bail!(
                    "table {} row with rowid {rowid}: column {column} cannot be read as {kind:?}: \
                     {e}",
                    table.name
                )
            }
        }
    }
    let label = row_label(table, rowid, &values);
    Ok(SourceRow {
        rowid,
        label,
        values,
    })
}

/// How a row is named in messages: `id 5`, `article_id 3, tag_id 2`, `rowid 7`.
fn row_label(table: &Table, rowid: i64, values: &[Value]) -> String {
    if table.key.is_empty() {
        return format!("rowid {rowid}");
    }
    let parts: Vec<String> = table
        .key
        .iter()
        .filter_map(|k| {
            let i = table.columns.iter().position(|c| c.0 == *k)?;
            let shown = match &values[i] {
                Value::Int(Some(n)) => n.to_string(),
                Value::Text(Some(s)) => format!("{s:?}"),
                _ => "NULL".to_string(),
            };
            Some(format!("{k} {shown}"))
        })
        .collect();
    parts.join(", ")
}

/// Inserts `rows` in one statement inside a savepoint. If PostgreSQL refuses it, the rows go in
/// one by one to find the row at fault, whose table and key the error names; the caller's
/// transaction then stops and nothing is committed.
async fn insert_batch(
    table: &Table,
    rows: &[SourceRow],
    dst: &mut PgConnection,
) -> anyhow::Result<()> {
    let mut savepoint = dst.begin().await?;
    match insert(table, rows).build().execute(&mut *savepoint).await {
        Ok(_) => {
            savepoint.commit().await?;
            return Ok(());
        }
        Err(_) => savepoint.rollback().await?,
    }
    for row in rows {
        let mut savepoint = dst.begin().await?;
        if let Err(e) = insert(table, std::slice::from_ref(row))
            .build()
            .execute(&mut *savepoint)
            .await
        {
            savepoint.rollback().await.ok();
            bail!(
                "copying table {} row {} (SQLite rowid {}) into PostgreSQL: {e}",
                table.name,
                row.label,
                row.rowid
            );
        }
        savepoint.commit().await?;
    }
    Ok(())
}

/// `INSERT INTO table (columns) VALUES (…), (…) [ON CONFLICT …]` for `rows`.
fn insert<'a>(table: &Table, rows: &'a [SourceRow]) -> QueryBuilder<'a, sqlx::Postgres> {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.0).collect();
    let mut q = QueryBuilder::new(format!(
        "INSERT INTO {} ({}) ",
        table.name,
        columns.join(", ")
    ));
    q.push_values(rows, |mut b, row| {
        for v in &row.values {
            match v {
                Value::Int(x) => b.push_bind(*x),
                Value::Real(x) => b.push_bind(*x),
                Value::Text(x) => b.push_bind(x.as_deref()),
                Value::Time(x) => b.push_bind(*x),
                Value::Bool(x) => b.push_bind(*x),
                Value::Date(x) => b.push_bind(*x),
            };
        }
    });
    q.push(table.on_conflict);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every copied table's columns are the PostgreSQL schema's, and every table of the schema
    /// is copied or left out on purpose: a new migration that adds a column or table fails here
    /// until migrate-store learns it.
    /// The PostgreSQL migrations after the first, in order.
    const LATER_MIGRATIONS: &[&str] = &[
        include_str!("../migrations/postgres/0002_target_values.sql"),
        include_str!("../migrations/postgres/0003_policy_documents.sql"),
        include_str!("../migrations/postgres/0004_policy_corrections.sql"),
        include_str!("../migrations/postgres/0007_desk_fields.sql"),
        include_str!("../migrations/postgres/0009_audit_views.sql"),
        include_str!("../migrations/postgres/0014_site_push.sql"),
        include_str!("../migrations/postgres/0005_rich_text.sql"),
        include_str!("../migrations/postgres/0006_revisions_review.sql"),
        include_str!("../migrations/postgres/0008_media.sql"),
        include_str!("../migrations/postgres/0012_pages.sql"),
        include_str!("../migrations/postgres/0015_import.sql"),
        include_str!("../migrations/postgres/0016_channel_redirects.sql"),
        include_str!("../migrations/postgres/0019_page_stamps.sql"),
    ];

    #[test]
    fn tables_cover_the_postgres_schema() {
        // Tables created by any migration count, in the order they were created.
        let schema: String = std::iter::once(include_str!("../migrations/postgres/0001_init.sql"))
            .chain(LATER_MIGRATIONS.iter().copied())
            .collect::<Vec<_>>()
            .join("\n");
        let schema = schema.as_str();
        let mut created: Vec<&str> = schema
            .lines()
            .filter_map(|l| l.strip_prefix("CREATE TABLE "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        created.sort_unstable();
        let mut expected: Vec<&str> = table_names()
            .chain(["content_version", "index_changes"])
            .collect();
        expected.sort_unstable();
        assert_eq!(created, expected);
        for table in TABLES {
            let start = schema
                .find(&format!("CREATE TABLE {} (", table.name))
                .unwrap();
            let body = &schema[start..];
            let body = &body[..body.find("\n);").unwrap()];
            let defined: Vec<&str> = body
                .lines()
                .skip(1)
                .filter_map(|l| l.split_whitespace().next())
                .filter(|w| !w.starts_with("--") && *w != "PRIMARY")
                .collect();
            // Columns added by later migrations, in their order.
            let alter = format!("ALTER TABLE {} ADD COLUMN ", table.name);
            let added = LATER_MIGRATIONS
                .iter()
                .flat_map(|m| m.lines())
                .filter_map(|l| l.strip_prefix(alter.as_str()))
                .filter_map(|l| l.split_whitespace().next());
            let defined: Vec<&str> = defined.into_iter().chain(added).collect();
            let ours: Vec<&str> = table.columns.iter().map(|c| c.0).collect();
            assert_eq!(ours, defined, "columns of {}", table.name);
        }
    }
}
