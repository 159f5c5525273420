//! Connections kept for the reads of an article page's render, outside the pool.
//!
//! sqlx pings a connection every time it goes back to its pool, in a task of its own: one more
//! round trip to the database's thread (SQLite) or server (PostgreSQL) for every query. A cold
//! article render is one read, so that ping was as many hand-offs between threads as the read
//! itself, the largest cost left in it (`bench/cold-render.sh`). These connections never go back
//! to a pool: a render takes a free one for its reads, or the pool's when all are busy.

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
