//! Connections kept for the reads of an article page's render, outside the pool.
//!
//! sqlx pings a connection every time it goes back to its pool, in a task of its own: one more
//! round trip to the database's thread (SQLite) or server (PostgreSQL) for every query. A cold
//! article render is one read, so that ping was as many hand-offs between threads as the read
//! itself, the largest cost left in it (`bench/cold-render.sh`). These connections never go back
//! to a pool: a render takes a free one for its reads, or the pool's when all are busy.
//! PostgreSQL keeps two ([`KeptReaders`]). On SQLite even the hand-off to a connection's thread
//! cost as much as the read, so its link reads run on the request's thread ([`InlineReaders`]).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{ConnectOptions, Connection, Database, Pool};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

/// How long opening or closing a kept connection may take (the PostgreSQL pool's wait for a
/// connection is as long).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Connections opened on first use with the pool's own options, and again after a read failed
/// on them (a restarted server must not leave a broken connection lent forever). Clones share
/// them, as clones of a pool share its connections.
pub(crate) struct KeptReaders<DB: Database> {
    slots: Arc<[Slot<DB::Connection>]>,
}

impl<DB: Database> Clone for KeptReaders<DB> {
    fn clone(&self) -> Self {
        Self {
            slots: Arc::clone(&self.slots),
        }
    }
}

impl<DB: Database> std::fmt::Debug for KeptReaders<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptReaders")
            .field("count", &self.slots.len())
            .finish()
    }
}

struct Slot<C> {
    conn: Mutex<Option<C>>,
    /// A read on it failed: closed and opened again on its next use.
    failed: AtomicBool,
}

/// A connection for a page's reads: a kept one, or the pool's.
pub(crate) enum ReadConn<'a, DB: Database> {
    Kept {
        conn: MappedMutexGuard<'a, DB::Connection>,
        failed: &'a AtomicBool,
    },
    Pooled(PoolConnection<DB>),
}

impl<DB: Database> KeptReaders<DB> {
    /// `count` connections, none open yet.
    pub(crate) fn new(count: usize) -> Self {
        let slots = (0..count)
            .map(|_| Slot {
                conn: Mutex::new(None),
                failed: AtomicBool::new(false),
            })
            .collect();
        Self { slots }
    }

    /// A free kept connection (opened now if it is not yet, with `pool`'s options), else one of
    /// `pool`'s.
    pub(crate) async fn get(&self, pool: &Pool<DB>) -> Result<ReadConn<'_, DB>, sqlx::Error> {
        // A closed store's reads fail as the pool's do.
        let slots = if pool.is_closed() {
            &[][..]
        } else {
            &self.slots[..]
        };
        for slot in slots {
            let Ok(mut held) = slot.conn.try_lock() else {
                continue;
            };
            if slot.failed.swap(false, Ordering::AcqRel) {
                // A broken connection may not close cleanly; it is dropped either way.
                if let Some(conn) = held.take() {
                    let _ = tokio::time::timeout(CONNECT_TIMEOUT, conn.close()).await;
                }
            }
            if held.is_none() {
                // Bounded like the pool's own wait for a connection: a database that does not
                // answer fails the request, it does not hang it.
                match tokio::time::timeout(CONNECT_TIMEOUT, pool.connect_options().connect()).await
                {
                    Ok(Ok(conn)) => *held = Some(conn),
                    Ok(Err(e)) => {
                        tracing::warn!("opening a connection for page reads: {e}");
                        break;
                    }
                    Err(_) => {
                        tracing::warn!("opening a connection for page reads: no answer in 10 s");
                        break;
                    }
                }
            }
            if let Ok(conn) = MutexGuard::try_map(held, Option::as_mut) {
                return Ok(ReadConn::Kept {
                    conn,
                    failed: &slot.failed,
                });
            }
        }
        Ok(ReadConn::Pooled(pool.acquire().await?))
    }
}

impl<DB: Database> KeptReaders<DB> {
    /// Closes the kept connections, with the pool when the store closes (reads then fail as
    /// the closed pool's do).
    pub(crate) async fn close(&self) {
        for slot in self.slots.iter() {
            if let Some(conn) = slot.conn.lock().await.take() {
                let _ = tokio::time::timeout(CONNECT_TIMEOUT, conn.close()).await;
            }
        }
    }
}

impl<DB: Database> ReadConn<'_, DB> {
    /// Whether it is a kept connection (not the pool's).
    pub(crate) fn is_kept(&self) -> bool {
        matches!(self, Self::Kept { .. })
    }

    /// Marks the connection after a failed read: a kept one is opened again on its next use (the
    /// pool checks its own when they go back).
    pub(crate) fn failed(&self) {
        if let Self::Kept { failed, .. } = self {
            failed.store(true, Ordering::Release);
        }
    }
}

impl<DB: Database> Deref for ReadConn<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        match self {
            Self::Kept { conn, .. } => conn,
            Self::Pooled(conn) => conn,
        }
    }
}

impl<DB: Database> DerefMut for ReadConn<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Self::Kept { conn, .. } => conn,
            Self::Pooled(conn) => conn,
        }
    }
}

/// SQLite connections on which an article page's link reads run on the request's own thread.
///
/// A query on one of sqlx's SQLite connections is a message to that connection's thread and an
/// answer back: two thread switches, each a wake-up through the kernel, around a read of tens of
/// microseconds. After the pings were gone, those switches and sqlx's channel were still a
/// quarter of a cold article render's CPU (`perf`, `bench/cold-render.sh`). These connections
/// (rusqlite, over the same SQLite library as sqlx, so SQLite's own file locks know of both)
/// run the read where the request is; a render then blocks its thread for the read as it
/// does for the template. Only the narrow reads of [`super::ReadingStore`] whose row is a few
/// scalars run here; all busy, failed or closed: `None`, and the caller asks the pool.
pub(crate) struct InlineReaders {
    path: std::path::PathBuf,
    slots: Box<[std::sync::Mutex<Option<rusqlite::Connection>>]>,
    closed: AtomicBool,
}

impl std::fmt::Debug for InlineReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineReaders")
            .field("path", &self.path)
            .field("count", &self.slots.len())
            .finish()
    }
}

/// Prepared statements kept per inline connection: the link reads' text varies with the
/// article's number of tags (0–8) and similar articles, for each of the two reads.
const INLINE_STATEMENTS: usize = 32;

impl InlineReaders {
    /// `count` connections to the database file at `path`, opened on first use.
    pub(crate) fn new(path: std::path::PathBuf, count: usize) -> Self {
        Self {
            path,
            slots: (0..count).map(|_| std::sync::Mutex::new(None)).collect(),
            closed: AtomicBool::new(false),
        }
    }

    /// Reads the one row of `sql` (or none) with `params` on a free connection, on this thread.
    /// `None` when none is free or the read failed there (logged): the caller asks the pool,
    /// which waits and reports. A connection that failed otherwise than on a lock is opened
    /// again on its next use.
    pub(crate) fn query_row<T>(
        &self,
        sql: &str,
        params: &InlineParams,
        map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Option<Option<T>> {
        let mut held = self.slots.iter().find_map(|slot| match slot.try_lock() {
            Ok(held) => Some(held),
            // A read that panicked left its connection in an unknown state: drop it.
            Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                slot.clear_poison();
                let mut held = poisoned.into_inner();
                *held = None;
                Some(held)
            }
            Err(std::sync::TryLockError::WouldBlock) => None,
        })?;
        // Checked under the slot's lock: `close` empties each slot under it, so no connection
        // is opened after the store closed.
        if self.closed.load(Ordering::Acquire) {
            return None;
        }
        if held.is_none() {
            match self.open() {
                Ok(conn) => *held = Some(conn),
                Err(e) => {
                    tracing::warn!("opening a connection for inline page reads: {e}");
                    return None;
                }
            }
        }
        let conn = held.as_mut()?;
        let read = conn.prepare_cached(sql).and_then(|mut statement| {
            let mut rows = statement.query(rusqlite::params_from_iter(params.0.iter()))?;
            rows.next()?.map(map).transpose()
        });
        match read {
            Ok(row) => Some(row),
            Err(e) => {
                let locked = matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                );
                if locked {
                    // A rare lock in WAL mode (a checkpoint truncating the log): the pool waits.
                    tracing::debug!("an inline page read met a lock, asked of the pool: {e}");
                } else {
                    tracing::warn!("an inline page read failed, asked of the pool: {e}");
                    *held = None;
                }
                None
            }
        }
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Reads only; 1 MiB of pages like the server's pool connections; no waiting for a lock
        // on the request's thread (the pool's connections wait).
        conn.execute_batch("PRAGMA query_only = 1; PRAGMA cache_size = -1024;")?;
        // rusqlite waits 5 s for a lock by default.
        conn.busy_timeout(std::time::Duration::ZERO)?;
        conn.set_prepared_statement_cache_capacity(INLINE_STATEMENTS);
        Ok(conn)
    }

    /// Closes the connections with the store; reads then go to the closed pool, which refuses.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for slot in self.slots.iter() {
            let mut held = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            held.take();
        }
    }
}

/// The parameters of an inline read, bound in order as sqlx's `bind` would bind them (so
/// `bind_reading_links!` fills either): times as sqlx writes them to SQLite, RFC 3339 text.
#[derive(Debug, Default)]
pub(crate) struct InlineParams(Vec<rusqlite::types::Value>);

impl InlineParams {
    pub(crate) fn bind(mut self, value: impl Into<InlineParam>) -> Self {
        self.0.push(value.into().0);
        self
    }
}

/// A value [`InlineParams::bind`] takes.
pub(crate) struct InlineParam(rusqlite::types::Value);

impl From<i64> for InlineParam {
    fn from(v: i64) -> Self {
        Self(rusqlite::types::Value::Integer(v))
    }
}

impl From<&str> for InlineParam {
    fn from(v: &str) -> Self {
        Self(rusqlite::types::Value::Text(v.to_owned()))
    }
}

impl From<chrono::DateTime<chrono::Utc>> for InlineParam {
    fn from(v: chrono::DateTime<chrono::Utc>) -> Self {
        // sqlx's encoding of a `DateTime` for SQLite, which the stored times were written in.
        let text = v.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        Self(rusqlite::types::Value::Text(text))
    }
}

impl From<Option<chrono::DateTime<chrono::Utc>>> for InlineParam {
    fn from(v: Option<chrono::DateTime<chrono::Utc>>) -> Self {
        v.map_or(Self(rusqlite::types::Value::Null), Self::from)
    }
}

/// A store whose article pages' link reads can run inline ([`InlineReaders`]): SQLite's.
pub(crate) trait InlineReads {
    fn inline_readers(&self) -> Option<&InlineReaders> {
        None
    }
}
