//! PostgreSQL implementation of [`NewsroomStore`]. A child module of `postgres`, so it shares that
//! module's row types and error mapping.
//!
//! The same behaviour as `sqlite_newsroom`, for several nodes on one database: where SQLite's
//! single writer made a read-then-write decision safe, this takes a row or advisory lock first, or
//! makes the decision and the write one statement.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, Postgres};
use tracing::instrument;

use super::{ARTICLE_COLUMNS, PgStore, channel_id, db_time, insert_article, on_write, other};
use crate::domain::{
    ApiToken, ArticleFilter, ArticleInput, ArticleListItem, ArticleStatus, AuditEntry, Channel,
    EditableArticle, ImageRecord, Page, PageRequest, Role, TagCount, User,
};
use crate::domain::{AuditFilter, SessionInfo};
use crate::store::newsroom::{
    AttemptCount, AuditEvent, LoginReservation, NewImage, NewsroomStore, STALE, SessionRecord,
    UserCredentials,
};
use crate::store::rows::{
    AUDIT_COLUMNS, AuditRow, EditableRow, ImageRow, ListRow, SESSION_COLUMNS, SessionRow, TokenRow,
    UserRow,
};
use crate::store::{StoreError, StoreResult};
use crate::targets::Extraction;

type Tx = sqlx::Transaction<'static, Postgres>;

/// First keys of the two-key advisory locks `reserve_login_attempt` takes (a key space apart from
/// the one-key locks sqlx's migrator uses): attempts on one account, and attempts from one client.
const LOGIN_ACCOUNT_LOCK: i32 = 0x6E64_4C01;
const LOGIN_CLIENT_LOCK: i32 = 0x6E64_4C02;

const USER_COLUMNS: &str = "u.id, u.name, u.role, u.disabled, u.created_at";

const IMAGE_COLUMNS: &str =
    "id, file_name, original_name, mime, width, height, bytes, created_at FROM images";

/// The ids of the articles carrying tag `tag_id`.
async fn tagged_articles(tx: &mut Tx, tag_id: i64) -> StoreResult<Vec<i64>> {
    sqlx::query_scalar("SELECT article_id FROM article_tags WHERE tag_id = $1")
        .bind(tag_id)
        .fetch_all(&mut **tx)
        .await
        .map_err(other)
}

/// The `Conflict` for a save based on an old version, or `NotFound` if the article is gone.
async fn stale_or_missing(tx: &mut Tx, id: i64) -> StoreError {
    let current: Result<Option<i64>, _> =
        sqlx::query_scalar("SELECT version FROM articles WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await;
    match current {
        Ok(Some(v)) => StoreError::Conflict {
            what: format!("{STALE}: article {id} is now at version {v}"),
        },
        Ok(None) => StoreError::NotFound,
        Err(e) => other(e),
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(words: &str) -> String {
    let mut out = String::from("%");
    for c in words.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Which earlier attempts [`attempts_before`] counts.
#[derive(Clone, Copy)]
enum Attempts<'a> {
    Pair { account: &'a str, client: &'a str },
    Client(&'a str),
    Account(&'a str),
}

/// Earlier attempts (rows before `before_id` since `since`) of `which`.
async fn attempts_before(
    tx: &mut Tx,
    which: Attempts<'_>,
    since: DateTime<Utc>,
    before_id: i64,
) -> StoreResult<AttemptCount> {
    let condition = match which {
        Attempts::Pair { .. } => "account = lower($3) AND client = $4",
        Attempts::Client(_) => "client = $3",
        Attempts::Account(_) => "account = lower($3)",
    };
    let sql = format!(
        "SELECT count(*), max(at) FROM login_attempts WHERE at >= $1 AND id < $2 AND {condition}"
    );
    let query = sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(&sql)
        .bind(since)
        .bind(before_id);
    let query = match which {
        Attempts::Pair { account, client } => query.bind(account).bind(client),
        Attempts::Client(client) => query.bind(client),
        Attempts::Account(account) => query.bind(account),
    };
    let (count, last_at) = query.fetch_one(&mut **tx).await.map_err(other)?;
    Ok(AttemptCount { count, last_at })
}

/// Ends an account's sessions, revokes its live API tokens and forgets its device cookies.
async fn lock_out(tx: &mut Tx, user_id: i64) -> StoreResult<()> {
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM login_devices WHERE user_id = $1",
    ] {
        sqlx::query(sql)
            .bind(user_id)
            .execute(&mut **tx)
            .await
            .map_err(other)?;
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(db_time(Utc::now()))
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    Ok(())
}

fn one_row(result: sqlx::postgres::PgQueryResult) -> StoreResult<()> {
    if result.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[async_trait]
impl NewsroomStore for PgStore {
    #[instrument(skip_all)]
    async fn create_user(&self, name: &str, role: Role, password_hash: &str) -> StoreResult<User> {
        // A name taken in any letter case breaks the unique index on lower(name): `Conflict`.
        let row: UserRow = sqlx::query_as(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, name, role, disabled, created_at",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(db_time(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(on_write)?;
        row.try_into()
    }

    #[instrument(skip_all)]
    async fn user_credentials(&self, name: &str) -> StoreResult<UserCredentials> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE lower(u.name) = lower($1)"
        );
        let row: Option<(UserRow, String)> = sqlx::query(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?
            .map(|r| {
                use sqlx::Row;
                Ok::<_, sqlx::Error>((UserRow::from_row(&r)?, r.try_get("password_hash")?))
            })
            .transpose()
            .map_err(other)?;
        let (user, password_hash) = row.ok_or(StoreError::NotFound)?;
        Ok(UserCredentials {
            user: user.try_into()?,
            password_hash,
        })
    }

    #[instrument(skip_all)]
    async fn list_users(&self) -> StoreResult<Vec<User>> {
        // SQLite sorts by the NOCASE name; lower(name) is unique, so this is a total order.
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users u ORDER BY lower(u.name) COLLATE \"C\"");
        let rows: Vec<UserRow> = sqlx::query_as(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.into_iter().map(User::try_from).collect()
    }

    #[instrument(skip_all)]
    async fn count_users(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(other)
    }

    #[instrument(skip_all)]
    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        one_row(
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(other)?,
        )?;
        // Whoever knew the old password is signed out everywhere and loses the account's API
        // tokens (made with a session they may have had) and its device cookies.
        lock_out(&mut tx, user_id).await?;
        tx.commit().await.map_err(other)
    }

    #[instrument(skip_all)]
    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        one_row(
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(other)?,
        )?;
        if disabled {
            // For good: enabling the account again brings none of this back.
            lock_out(&mut tx, user_id).await?;
        }
        tx.commit().await.map_err(other)
    }

    #[instrument(skip_all)]
    async fn set_user_role(&self, user_id: i64, role: Role) -> StoreResult<()> {
        one_row(
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(user_id)
                .execute(&self.pool)
                .await
                .map_err(other)?,
        )
    }

    #[instrument(skip_all)]
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
        ip: &str,
        user_agent: &str,
    ) -> StoreResult<()> {
        let now = db_time(Utc::now());
        let mut tx = self.write_tx().await?;
        // Sign-ins are rare: a good moment to forget expired sessions.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, \
             last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now)
        .bind(db_time(expires_at))
        .bind(ip)
        .bind(user_agent)
        .execute(&mut *tx)
        .await
        .map_err(on_write)?;
        tx.commit().await.map_err(other)
    }

    #[instrument(skip_all)]
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<SessionRecord> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at, \
             coalesce(s.last_seen_at, s.created_at) AS last_seen_at FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(db_time(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?
            .ok_or(StoreError::NotFound)?;
        use sqlx::Row;
        let user = UserRow::from_row(&row).map_err(other)?;
        Ok(SessionRecord {
            user: user.try_into()?,
            csrf_token: row.try_get("csrf_token").map_err(other)?,
            expires_at: row.try_get("expires_at").map_err(other)?,
            last_seen_at: row.try_get("last_seen_at").map_err(other)?,
        })
    }

    #[instrument(skip_all)]
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(db_time(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn list_sessions(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionInfo>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY coalesce(last_seen_at, created_at) DESC, created_at DESC"
        );
        let rows: Vec<SessionRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(db_time(now))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        Ok(rows.into_iter().map(SessionInfo::from).collect())
    }

    #[instrument(skip_all)]
    async fn delete_other_sessions(&self, user_id: i64, keep: &str) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected())
    }

    #[instrument(skip_all)]
    async fn set_own_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep: &str,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        one_row(
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(other)?,
        )?;
        // Whoever knew the old password is signed out everywhere else, and their browsers lose
        // the device cookie that let them skip other clients' login throttling.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query("DELETE FROM login_devices WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.commit().await.map_err(other)
    }

    #[instrument(skip_all)]
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn reserve_login_attempt(
        &self,
        account: &str,
        client: &str,
        at: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> StoreResult<LoginReservation> {
        let since = db_time(since);
        let mut tx = self.write_tx().await?;
        // SQLite's single writer made each attempt's insert and counts one step. Here attempts on
        // the same account, or from the same client, wait for each other on these locks (held to
        // the commit), whichever node takes them, so each counts every earlier one. Always the
        // account's first, then the client's: no two attempts can wait for each other.
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext(lower($2)))")
            .bind(LOGIN_ACCOUNT_LOCK)
            .bind(account)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(LOGIN_CLIENT_LOCK)
            .bind(client)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        // Old rows of any account: skipping rows another attempt is deleting, so two such
        // deletes never wait for each other (nor deadlock on rows taken in different orders).
        sqlx::query(
            "DELETE FROM login_attempts WHERE id IN \
             (SELECT id FROM login_attempts WHERE at < $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind(since)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO login_attempts (account, client, at) VALUES (lower($1), $2, $3) \
             RETURNING id",
        )
        .bind(account)
        .bind(client)
        .bind(db_time(at))
        .fetch_one(&mut *tx)
        .await
        .map_err(other)?;
        let pair = attempts_before(&mut tx, Attempts::Pair { account, client }, since, id).await?;
        let by_client = attempts_before(&mut tx, Attempts::Client(client), since, id).await?;
        let by_account = attempts_before(&mut tx, Attempts::Account(account), since, id).await?;
        tx.commit().await.map_err(other)?;
        Ok(LoginReservation {
            id,
            pair,
            client: by_client,
            account: by_account,
        })
    }

    #[instrument(skip_all)]
    async fn release_login_attempt(&self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_attempts WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn clear_login_attempts(&self, account: &str, client: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_attempts WHERE account = lower($1) AND client = $2")
            .bind(account)
            .bind(client)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn login_device(
        &self,
        token_hash: &str,
        account: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "SELECT d.id FROM login_devices d JOIN users u ON u.id = d.user_id \
             WHERE d.token_hash = $1 AND lower(u.name) = lower($2) AND d.expires_at > $3",
        )
        .bind(token_hash)
        .bind(account)
        .bind(db_time(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(other)
    }

    #[instrument(skip_all)]
    async fn create_login_device(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let now = db_time(Utc::now());
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM login_devices WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        let id = sqlx::query_scalar(
            "INSERT INTO login_devices (user_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .bind(db_time(expires_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(on_write)?;
        tx.commit().await.map_err(other)?;
        Ok(id)
    }

    #[instrument(skip_all)]
    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(db_time(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(on_write)
    }

    #[instrument(skip_all)]
    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT t.id, t.user_id, u.name AS user_name, t.name, t.created_at, t.last_used_at, \
             t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE $1::BIGINT IS NULL OR t.user_id = $1 \
             ORDER BY t.revoked_at IS NOT NULL, t.id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows
            .into_iter()
            .map(|r| ApiToken {
                id: r.id,
                user_id: r.user_id,
                user_name: r.user_name,
                name: r.name,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                revoked_at: r.revoked_at,
            })
            .collect())
    }

    #[instrument(skip_all)]
    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<()> {
        one_row(
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) \
                 WHERE id = $2 AND ($3::BIGINT IS NULL OR user_id = $3)",
            )
            .bind(db_time(Utc::now()))
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await
            .map_err(other)?,
        )
    }

    #[instrument(skip_all)]
    async fn user_by_api_token(&self, token_hash: &str) -> StoreResult<User> {
        let user_id: i64 = sqlx::query_scalar(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
             AND revoked_at IS NULL RETURNING user_id",
        )
        .bind(db_time(Utc::now()))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?
        .ok_or(StoreError::NotFound)?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND NOT u.disabled");
        let row: UserRow = sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?
            .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    #[instrument(skip_all)]
    async fn list_articles_for_editing(
        &self,
        filter: &ArticleFilter,
        page: PageRequest,
    ) -> StoreResult<Page<ArticleListItem>> {
        let mut conditions = vec![
            if filter.trashed {
                "a.deleted_at IS NOT NULL"
            } else {
                "a.deleted_at IS NULL"
            }
            .to_string(),
        ];
        // Placeholders are numbered in the order the values are bound below.
        let mut params = 0;
        let mut next = || {
            params += 1;
            format!("${params}")
        };
        if filter.status.is_some() {
            conditions.push(format!("a.status = {}", next()));
        }
        if filter.channel.is_some() {
            conditions.push(format!("c.slug = {}", next()));
        }
        if filter.author.is_some() {
            conditions.push(format!("a.author = {}", next()));
        }
        if filter.query.is_some() {
            // ILIKE: SQLite's LIKE ignores the case of ASCII letters.
            let p = next();
            conditions.push(format!(
                "(a.title ILIKE {p} ESCAPE '\\' OR a.summary ILIKE {p} ESCAPE '\\')"
            ));
        }
        let (limit, offset) = (next(), next());
        let wheres = conditions.join(" AND ");
        let from = format!("FROM articles a JOIN channels c ON c.id = a.channel_id WHERE {wheres}");
        let order = filter.sort.order_by();
        let list_sql = format!(
            "SELECT a.id, a.slug, a.title, a.author, c.name AS channel_name, c.slug AS channel_slug, \
             a.status, a.published_at, a.updated_at, a.deleted_at, a.version, a.views, \
             a.flag_featured, a.flag_pinned, a.flag_headline {from} {order} \
             LIMIT {limit} OFFSET {offset}"
        );
        let count_sql = format!("SELECT count(*) {from}");
        let pattern = filter.query.as_deref().map(like_pattern);
        macro_rules! bind_filters {
            ($q:expr) => {{
                let mut q = $q;
                if let Some(s) = filter.status {
                    q = q.bind(s.as_str());
                }
                if let Some(c) = &filter.channel {
                    q = q.bind(c);
                }
                if let Some(a) = &filter.author {
                    q = q.bind(a);
                }
                if let Some(p) = &pattern {
                    q = q.bind(p);
                }
                q
            }};
        }
        let rows: Vec<ListRow> = bind_filters!(sqlx::query_as::<_, ListRow>(&list_sql))
            .bind(i64::from(page.per_page))
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let total: i64 = bind_filters!(sqlx::query_scalar::<_, i64>(&count_sql))
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        let items = rows
            .into_iter()
            .map(|r| {
                let status = ArticleStatus::parse(&r.status).ok_or_else(|| {
                    StoreError::Other(anyhow::anyhow!("article {}: unknown status", r.id))
                })?;
                Ok(ArticleListItem {
                    flags: r.flags(),
                    views: r.views,
                    id: r.id,
                    slug: r.slug,
                    title: r.title,
                    author: r.author,
                    channel_name: r.channel_name,
                    channel_slug: r.channel_slug,
                    status,
                    published_at: r.published_at,
                    updated_at: r.updated_at,
                    deleted_at: r.deleted_at,
                    version: r.version,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, total })
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn editable_article(&self, id: i64) -> StoreResult<EditableArticle> {
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS}, a.version, a.deleted_at \
             FROM articles a JOIN channels c ON c.id = a.channel_id WHERE a.id = $1"
        );
        let row: EditableRow = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?
            .ok_or(StoreError::NotFound)?;
        let tags = self.tags_of(id).await?;
        let article = row.article.into_article(tags)?;
        Ok(EditableArticle {
            cover_image: article.cover_image.clone(),
            article,
            version: row.version,
            deleted_at: row.deleted_at,
        })
    }

    #[instrument(skip_all, fields(article.slug = %input.slug))]
    async fn create_article(
        &self,
        input: &ArticleInput,
        cover_image: Option<&str>,
        found: &Extraction,
    ) -> StoreResult<i64> {
        let now = db_time(Utc::now());
        let mut tx = self.write_tx().await?;
        let channel_id = channel_id(&mut tx, &input.channel_slug).await?;
        let id = insert_article(&mut tx, input, channel_id, cover_image, now).await?;
        self.finish_article_write(tx, id, input, found).await?;
        Ok(id)
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn update_article(
        &self,
        id: i64,
        expected_version: i64,
        input: &ArticleInput,
        cover_image: Option<&str>,
        found: &Extraction,
    ) -> StoreResult<i64> {
        let now = db_time(Utc::now());
        let mut tx = self.write_tx().await?;
        let channel_id = channel_id(&mut tx, &input.channel_slug).await?;
        // The version check and the write are one statement: two saves from the same version
        // cannot both succeed (the second waits for the first's row lock, then finds the row at
        // the next version and changes nothing).
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE articles SET slug = $1, title = $2, author = $3, source = $4, \
             channel_id = $5, summary = $6, body_format = $7, body_source = $8, body_html = $9, \
             status = $10, published_at = $11, cover_image = $12, updated_at = $13, \
             version = version + 1, summary_auto = $16 \
             WHERE id = $14 AND version = $15 RETURNING version",
        )
        .bind(&input.slug)
        .bind(&input.title)
        .bind(&input.author)
        .bind(&input.source)
        .bind(channel_id)
        .bind(&input.summary)
        .bind(input.body_format.as_str())
        .bind(&input.body_source)
        .bind(&input.body_html)
        .bind(input.status.as_str())
        .bind(input.published_at.map(db_time))
        .bind(cover_image)
        .bind(now)
        .bind(id)
        .bind(expected_version)
        .bind(input.summary_auto)
        .fetch_optional(&mut *tx)
        .await
        .map_err(on_write)?;
        let Some(version) = version else {
            return Err(stale_or_missing(&mut tx, id).await);
        };
        self.finish_article_write(tx, id, input, found).await?;
        Ok(version)
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn set_article_status(
        &self,
        id: i64,
        expected_version: Option<i64>,
        status: ArticleStatus,
        published_at: Option<DateTime<Utc>>,
    ) -> StoreResult<i64> {
        let mut tx = self.write_tx().await?;
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE articles SET status = $1, published_at = $2, updated_at = $3, \
             version = version + 1 \
             WHERE id = $4 AND ($5::BIGINT IS NULL OR version = $5) AND deleted_at IS NULL \
             RETURNING version",
        )
        .bind(status.as_str())
        .bind(published_at.map(db_time))
        .bind(db_time(Utc::now()))
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        let Some(version) = version else {
            return Err(stale_or_missing(&mut tx, id).await);
        };
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(version)
    }

    #[instrument(skip_all, fields(article.id = id))]
    async fn set_article_trashed(&self, id: i64, trashed: bool) -> StoreResult<()> {
        let now = db_time(Utc::now());
        // Trashing also unpublishes, so no public query (feeds, search, sitemap) can show a
        // trashed article whatever it filters on; a restored article comes back as a draft.
        let query = if trashed {
            sqlx::query(
                "UPDATE articles SET deleted_at = $1, status = 'draft', updated_at = $1, \
                 version = version + 1 WHERE id = $2 AND deleted_at IS NULL",
            )
        } else {
            sqlx::query(
                "UPDATE articles SET deleted_at = NULL, status = 'draft', updated_at = $1, \
                 version = version + 1 WHERE id = $2 AND deleted_at IS NOT NULL",
            )
        };
        let done = one_row(
            query
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(other)?,
        );
        self.touch();
        done
    }

    #[instrument(skip_all)]
    async fn purge_trash(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done =
            sqlx::query("DELETE FROM articles WHERE deleted_at IS NOT NULL AND deleted_at < $1")
                .bind(db_time(before))
                .execute(&self.pool)
                .await
                .map_err(other)?;
        if done.rows_affected() > 0 {
            self.touch();
        }
        Ok(done.rows_affected())
    }

    #[instrument(skip_all)]
    async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<(i64, String)>> {
        // Every node runs the scheduler: each due article is published (and reported, so audited)
        // by exactly one. Rows another node is publishing are skipped, not waited for; the
        // outer conditions are checked again on the locked rows.
        let due: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE articles SET status = 'published', version = version + 1, updated_at = $1 \
             WHERE id IN (SELECT id FROM articles WHERE status = 'scheduled' \
             AND published_at <= $1 AND deleted_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED) \
             AND status = 'scheduled' AND published_at <= $1 AND deleted_at IS NULL \
             RETURNING id, title",
        )
        .bind(db_time(now))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        if !due.is_empty() {
            self.touch();
        }
        Ok(due)
    }

    #[instrument(skip_all)]
    async fn article_authors(&self) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT DISTINCT author COLLATE \"C\" FROM articles \
             WHERE author IS NOT NULL AND author != '' ORDER BY 1 LIMIT 500",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(other)
    }

    #[instrument(skip_all)]
    async fn insert_audit(&self, e: &AuditEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, user_name, action, article_id, article_title, \
             detail, ip, subject_kind, subject_id, subject_label) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(db_time(Utc::now()))
        .bind(e.user_id)
        .bind(&e.user_name)
        .bind(&e.action)
        .bind(e.article_id)
        .bind(&e.article_title)
        .bind(&e.detail)
        .bind(&e.ip)
        .bind(&e.subject_kind)
        .bind(e.subject_id)
        .bind(&e.subject_label)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn search_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        fn conditions<'a>(q: &mut sqlx::QueryBuilder<'a, Postgres>, f: &'a AuditFilter) {
            q.push(" WHERE TRUE");
            if let Some(id) = f.article_id {
                q.push(" AND article_id = ").push_bind(id);
            }
            if let Some(name) = &f.user_name {
                q.push(" AND user_name = ").push_bind(name);
            }
            if let Some(action) = &f.action {
                q.push(" AND action = ").push_bind(action);
            }
            if let Some(kind) = &f.subject_kind {
                q.push(" AND subject_kind = ").push_bind(kind);
            }
            if let Some(from) = f.from {
                q.push(" AND at >= ").push_bind(db_time(from));
            }
            if let Some(until) = f.until {
                q.push(" AND at < ").push_bind(db_time(until));
            }
        }
        let mut q = sqlx::QueryBuilder::new(format!("SELECT {AUDIT_COLUMNS} FROM audit_log"));
        conditions(&mut q, filter);
        q.push(" ORDER BY at DESC, id DESC LIMIT ")
            .push_bind(i64::from(page.per_page))
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<AuditRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let mut q = sqlx::QueryBuilder::new("SELECT count(*) FROM audit_log");
        conditions(&mut q, filter);
        let total: i64 = q
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(Page {
            items: rows.into_iter().map(AuditEntry::from).collect(),
            total,
        })
    }

    #[instrument(skip_all)]
    async fn add_image(&self, image: &NewImage<'_>) -> StoreResult<ImageRecord> {
        sqlx::query(
            "INSERT INTO images (file_name, original_name, mime, width, height, bytes, \
             uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (file_name) DO NOTHING",
        )
        .bind(image.file_name)
        .bind(image.original_name)
        .bind(image.mime)
        .bind(image.width)
        .bind(image.height)
        .bind(image.bytes)
        .bind(image.uploaded_by)
        .bind(db_time(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(on_write)?;
        let sql = format!("SELECT {IMAGE_COLUMNS} WHERE file_name = $1");
        let row: ImageRow = sqlx::query_as(&sql)
            .bind(image.file_name)
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(row.into())
    }

    #[instrument(skip_all)]
    async fn list_images(&self, page: PageRequest) -> StoreResult<Page<ImageRecord>> {
        let sql = format!("SELECT {IMAGE_COLUMNS} ORDER BY id DESC LIMIT $1 OFFSET $2");
        let rows: Vec<ImageRow> = sqlx::query_as(&sql)
            .bind(i64::from(page.per_page))
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM images")
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(Page {
            items: rows.into_iter().map(ImageRecord::from).collect(),
            total,
        })
    }

    #[instrument(skip_all)]
    async fn update_channel(
        &self,
        id: i64,
        name: &str,
        slug: &str,
        position: i64,
    ) -> StoreResult<(Channel, Vec<i64>)> {
        let mut tx = self.write_tx().await?;
        // The updated row stays locked to the commit, so no article can move into the channel
        // (its insert or update waits for the lock) between this and the list below.
        let row: (i64, String, String, i64) = sqlx::query_as(
            "UPDATE channels SET name = $1, slug = $2, position = $3 WHERE id = $4 \
             RETURNING id, name, slug, position",
        )
        .bind(name)
        .bind(slug)
        .bind(position)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(on_write)?
        .ok_or(StoreError::NotFound)?;
        let articles = sqlx::query_scalar("SELECT id FROM articles WHERE channel_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(other)?;
        tx.commit().await.map_err(other)?;
        self.touch();
        let channel = Channel {
            id: row.0,
            name: row.1,
            slug: row.2,
            position: row.3,
            ..Channel::default()
        };
        Ok((channel, articles))
    }

    #[instrument(skip_all)]
    async fn delete_channel(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        // Locking the channel first holds off articles joining it (their writes wait for the
        // lock), so the count below is the one the delete sees.
        sqlx::query("SELECT id FROM channels WHERE id = $1 FOR UPDATE")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        let in_use: i64 = sqlx::query_scalar("SELECT count(*) FROM articles WHERE channel_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(other)?;
        if in_use > 0 {
            return Err(StoreError::Conflict {
                what: format!("该栏目下还有 {in_use} 篇文章（含回收站），请先移走或删除它们"),
            });
        }
        one_row(
            sqlx::query("DELETE FROM channels WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(on_write)?,
        )?;
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(())
    }

    #[instrument(skip_all)]
    async fn list_tags(&self) -> StoreResult<Vec<TagCount>> {
        let rows: Vec<(i64, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT t.id, t.name, t.slug, count(atg.article_id) FROM tags t \
             LEFT JOIN article_tags atg ON atg.tag_id = t.id GROUP BY t.id \
             ORDER BY t.name COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, slug, articles)| TagCount {
                id,
                name,
                slug,
                articles,
            })
            .collect())
    }

    #[instrument(skip_all)]
    async fn update_tag(
        &self,
        id: i64,
        name: &str,
        slug: Option<Option<&str>>,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.tag_write_tx().await?;
        // Holds off articles taking the tag (their inserts wait for the lock) until the commit,
        // so the list below is complete and a merge moves every article.
        sqlx::query("SELECT id FROM tags WHERE id = $1 FOR UPDATE")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        let articles = tagged_articles(&mut tx, id).await?;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(other)?;
        match existing {
            Some(target) if target != id => {
                // Renaming onto an existing tag merges the two.
                sqlx::query(
                    "INSERT INTO article_tags (article_id, tag_id) \
                     SELECT article_id, $1 FROM article_tags WHERE tag_id = $2 \
                     ON CONFLICT DO NOTHING",
                )
                .bind(target)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
                sqlx::query("DELETE FROM tags WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(other)?;
                // The merged tag's address lives on in the survivor when it has none of its own.
                if let Some(Some(slug)) = slug {
                    sqlx::query("UPDATE tags SET slug = $1 WHERE id = $2 AND slug IS NULL")
                        .bind(slug)
                        .bind(target)
                        .execute(&mut *tx)
                        .await
                        .map_err(on_write)?;
                }
            }
            _ => one_row(
                sqlx::query(
                    "UPDATE tags SET name = $1, slug = CASE WHEN $2 THEN $3 ELSE slug END \
                     WHERE id = $4",
                )
                .bind(name)
                .bind(slug.is_some())
                .bind(slug.flatten())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(on_write)?,
            )?,
        }
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(articles)
    }

    #[instrument(skip_all)]
    async fn delete_tag(&self, id: i64) -> StoreResult<Vec<i64>> {
        let mut tx = self.tag_write_tx().await?;
        sqlx::query("SELECT id FROM tags WHERE id = $1 FOR UPDATE")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        let articles = tagged_articles(&mut tx, id).await?;
        one_row(
            sqlx::query("DELETE FROM tags WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(other)?,
        )?;
        tx.commit().await.map_err(other)?;
        self.touch();
        Ok(articles)
    }
}

/// Several nodes on one database: two stores (two pools, as two servers have) racing. Run with
/// `NEWSDESK_TEST_BACKEND=postgres` (cluster at `NEWSDESK_TEST_POSTGRES`, default the one
/// `.ci/postgres` starts); without it they do nothing, like the SQLite-only tests on PostgreSQL.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use sqlx::Connection;

    use super::*;

    /// Two stores on a new database of the test cluster, and the database's name.
    async fn two_nodes() -> Option<(PgStore, PgStore, String)> {
        if std::env::var("NEWSDESK_TEST_BACKEND").as_deref() != Ok("postgres") {
            return None;
        }
        let admin = std::env::var("NEWSDESK_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:54329/postgres".to_string());
        let name = format!(
            "newsdesk_test_unit_{}_{}",
            std::process::id(),
            rand::random::<u32>()
        );
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        let a = PgStore::open(&url).await.unwrap();
        let b = PgStore::open(&url).await.unwrap();
        Some((a, b, name))
    }

    async fn drop_database(a: PgStore, b: PgStore, name: &str) {
        a.pool.close().await;
        b.pool.close().await;
        let admin = std::env::var("NEWSDESK_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:54329/postgres".to_string());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut conn)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn each_due_article_is_published_by_exactly_one_node() {
        let Some((a, b, name)) = two_nodes().await else {
            return;
        };
        let due = Utc::now() - chrono::Duration::minutes(1);
        sqlx::query("INSERT INTO channels (name, slug) VALUES ('要闻', 'news')")
            .execute(&a.pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO articles (slug, title, channel_id, body_format, body_source, body_html, \
             status, published_at, created_at, updated_at) \
             SELECT 'a' || n, '文章' || n, (SELECT id FROM channels), 'markdown', '', '', \
             'scheduled', $1, $1, $1 FROM generate_series(1, 200) n",
        )
        .bind(due)
        .execute(&a.pool)
        .await
        .unwrap();
        let mut runs = Vec::new();
        for i in 0..16 {
            let node = if i % 2 == 0 { a.clone() } else { b.clone() };
            runs.push(tokio::spawn(async move {
                node.publish_due(Utc::now()).await.unwrap()
            }));
        }
        let mut published = Vec::new();
        for run in runs {
            published.extend(run.await.unwrap().into_iter().map(|(id, _)| id));
        }
        let distinct: BTreeSet<i64> = published.iter().copied().collect();
        assert_eq!(published.len(), 200, "each article reported once");
        assert_eq!(distinct.len(), 200);
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT version FROM articles WHERE status = 'published'")
                .fetch_all(&a.pool)
                .await
                .unwrap();
        assert_eq!(versions, vec![2], "each article published once");
        drop_database(a, b, &name).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_login_attempts_on_several_nodes_each_count_the_earlier_ones() {
        let Some((a, b, name)) = two_nodes().await else {
            return;
        };
        let now = Utc::now();
        let since = now - chrono::Duration::minutes(15);
        // One account (in any letter case) from many addresses, and one address on many
        // accounts: the n-th attempt sees exactly n-1 earlier ones, whichever node took it.
        let mut runs = Vec::new();
        for i in 0..24 {
            let node = if i % 2 == 0 { a.clone() } else { b.clone() };
            runs.push(tokio::spawn(async move {
                let account = if i % 3 == 0 { "Wang" } else { "wang" };
                let by_account = node
                    .reserve_login_attempt(account, &format!("10.0.0.{i}"), now, since)
                    .await
                    .unwrap();
                let by_client = node
                    .reserve_login_attempt(&format!("user{i}"), "10.9.9.9", now, since)
                    .await
                    .unwrap();
                (by_account.account.count, by_client.client.count)
            }));
        }
        let mut accounts = BTreeSet::new();
        let mut clients = BTreeSet::new();
        for run in runs {
            let (account, client) = run.await.unwrap();
            accounts.insert(account);
            clients.insert(client);
        }
        let expected: BTreeSet<i64> = (0..24).collect();
        assert_eq!(accounts, expected, "per-account counts");
        assert_eq!(clients, expected, "per-client counts");
        drop_database(a, b, &name).await;
    }

    #[tokio::test]
    async fn a_name_taken_in_another_letter_case_is_a_conflict() {
        let Some((a, b, name)) = two_nodes().await else {
            return;
        };
        a.create_user("Chen", Role::Admin, "hash").await.unwrap();
        let again = b.create_user("chen", Role::Editor, "hash").await;
        assert!(
            matches!(again, Err(StoreError::Conflict { .. })),
            "{again:?}"
        );
        let found = b.user_credentials("CHEN").await.unwrap();
        assert_eq!(found.user.name, "Chen");
        drop_database(a, b, &name).await;
    }
}
