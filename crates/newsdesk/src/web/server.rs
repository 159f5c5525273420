//! The accept loop: every connection is served by hyper's HTTP/1 with limits that keep slow or
//! silent clients from holding the server (axum's own `serve` has none).
//!
//! - No request in flight (headers never finished — slowloris — or an idle keep-alive): hyper's
//!   header read timeout closes the connection after [`ConnectionLimits::idle_timeout`].
//! - A request body whose next part does not arrive within [`ConnectionLimits::body_timeout`]
//!   fails the request (and hyper then closes the connection, its body unread).
//! - A response the client stops reading: when a write has made no progress for
//!   [`ConnectionLimits::write_stall_timeout`], the connection is dropped, and with it the response
//!   body and whatever it holds (a target export's slot).
//! - At most `max_connections` at once, below the open-file limit so the database, the search index
//!   and uploads keep their files. At the limit the connection idle longest is closed to make room,
//!   as nginx reuses keep-alive connections, so silent connections cannot lock everyone out.
//!
//! Every connection has a [`Conn`] in a registry the accept loop consults: requests in flight,
//! last activity, whether a write is blocked, and a close signal.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// How long a connection may sit without a request in flight, a request body may pause, or a
/// response write may make no progress, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Limits on connections (see the module documentation).
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections open at once; `None` derives it from the open-file limit
    /// ([`default_max_connections`]).
    pub max_connections: Option<usize>,
    /// Time allowed for a request's headers, counted from the connection's start or the end of its
    /// previous response (covers idle keep-alive connections too).
    pub idle_timeout: Duration,
    /// Longest pause between two parts of a request body.
    pub body_timeout: Duration,
    /// Longest time a response write may make no progress (the client stopped reading).
    pub write_stall_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: None,
            idle_timeout: DEFAULT_TIMEOUT,
            body_timeout: DEFAULT_TIMEOUT,
            write_stall_timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Connections allowed with the process's open-file limit: its soft limit less a reserve for the
/// database, the search index's segments and uploads (a quarter, at least 256).
pub fn default_max_connections() -> usize {
    #[cfg(unix)]
    let soft = match rlimit::getrlimit(rlimit::Resource::NOFILE) {
        Ok((soft, _hard)) => soft,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-file limit; assuming 1024");
            1024
        }
    };
    #[cfg(not(unix))]
    let soft = 1024;
    max_connections_for(soft)
}

fn max_connections_for(open_files: u64) -> usize {
    // "Unlimited" is a huge number: other limits (memory, ports) bind long before.
    let open_files = open_files.min(1 << 20);
    let reserve = (open_files / 4).max(256);
    let max = open_files
        .saturating_sub(reserve)
        .max(open_files / 2)
        .max(1);
    usize::try_from(max).unwrap_or(usize::MAX)
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, closes connections
/// with no request in flight and waits for the requests in flight to finish.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let max = limits
        .max_connections
        .unwrap_or_else(default_max_connections)
        .max(1);
    tracing::info!(
        max_connections = max,
        idle_timeout_s = limits.idle_timeout.as_secs_f32(),
        "connection limits"
    );
    let registry = Arc::new(Registry::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    'accept: loop {
        // At the limit: close the connection idle longest; if every one is busy, wait for one to
        // finish (requests are bounded by their own timeouts) rather than take more files.
        while !registry.make_room(max) {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
                () = &mut shutdown => break 'accept,
            }
        }
        let accepted = tokio::select! {
            r = listener.accept() => r,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of files or memory (EMFILE, ENFILE, ENOMEM): spinning would only burn the
                // CPU the connections being served need. Wait a moment and try again.
                tracing::warn!(error = %e, "accepting a connection failed; retrying shortly");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => {}
                    () = &mut shutdown => break,
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let registered = Registered {
            conn: registry.add(),
            registry: registry.clone(),
        };
        tokio::spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            registered,
            limits.clone(),
            stop_rx.clone(),
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let mut open = registry.open.subscribe();
    let _ = open.wait_for(|n| *n == 0).await;
}

/// Errors of one connection that came and went before it was accepted: accept the next.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    registered: Registered,
    limits: Arc<ConnectionLimits>,
    mut stop: watch::Receiver<bool>,
) {
    let conn = registered.conn.clone();
    let body_timeout = limits.body_timeout;
    let in_service = conn.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let guard = InFlight::start(in_service.clone());
        let mut req = req.map(|b| Body::new(TimeoutBody::new(body_timeout, b)));
        // Handlers read the client's address (`ClientIp`) from here, as with axum's `serve`.
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let response = app.oneshot(req).await?;
            // The request counts as in flight until its body is sent (or dropped).
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Tracked {
                    inner: body,
                    _guard: guard,
                })
            }))
        }
    });
    let io = TokioIo::new(Watched {
        inner: stream,
        conn: conn.clone(),
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                break;
            }
            () = conn.close.notified() => {
                tracing::debug!(%peer, "closing the connection idle longest to make room");
                break;
            }
            () = write_stalled(&conn, limits.write_stall_timeout) => {
                tracing::info!(%peer, "closing a connection whose client stopped reading");
                break;
            }
            _ = stop.changed(), if !draining => {
                if conn.in_flight.load(Ordering::Acquire) == 0 {
                    break;
                }
                // Finish the requests in flight, then close.
                connection.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}

/// Completes once a write has been blocked for `limit`.
async fn write_stalled(conn: &Conn, limit: Duration) {
    loop {
        let since = conn.write_blocked_since.load(Ordering::Acquire);
        let wait = if since == 0 {
            limit
        } else {
            let blocked = Duration::from_millis(conn.now_ms().saturating_sub(since - 1));
            if blocked >= limit {
                return;
            }
            limit - blocked
        };
        tokio::time::sleep(wait).await;
    }
}

/// The open connections.
struct Registry {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    /// Connections told to close that have not yet.
    closing: AtomicUsize,
    /// Open connections, watched by the shutdown drain.
    open: watch::Sender<usize>,
    epoch: Instant,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            conns: Mutex::default(),
            next_id: AtomicU64::new(0),
            closing: AtomicUsize::new(0),
            open: watch::Sender::new(0),
            epoch: Instant::now(),
        }
    }
}

impl Registry {
    fn add(&self) -> Arc<Conn> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            epoch: self.epoch,
            in_flight: AtomicUsize::new(0),
            last_active: AtomicU64::new(0),
            write_blocked_since: AtomicU64::new(0),
            closing: AtomicBool::new(false),
            close: Notify::new(),
        });
        conn.touch();
        let mut conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        conns.insert(id, conn.clone());
        self.open.send_replace(conns.len());
        conn
    }

    fn remove(&self, conn: &Conn) {
        let mut conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        conns.remove(&conn.id);
        if conn.closing.load(Ordering::Acquire) {
            self.closing.fetch_sub(1, Ordering::AcqRel);
        }
        self.open.send_replace(conns.len());
    }

    /// True when another connection may be accepted: fewer than `max` are open (not counting
    /// those already told to close), or the one idle longest has just been told to close.
    fn make_room(&self, max: usize) -> bool {
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        if conns
            .len()
            .saturating_sub(self.closing.load(Ordering::Acquire))
            < max
        {
            return true;
        }
        let idlest = conns
            .values()
            .filter(|c| {
                c.in_flight.load(Ordering::Acquire) == 0 && !c.closing.load(Ordering::Acquire)
            })
            // Ties (same millisecond) go to the connection accepted first.
            .min_by_key(|c| (c.last_active.load(Ordering::Acquire), c.id));
        let Some(victim) = idlest else {
            return false;
        };
        victim.closing.store(true, Ordering::Release);
        self.closing.fetch_add(1, Ordering::AcqRel);
        victim.close.notify_one();
        true
    }
}

/// One connection's state.
struct Conn {
    id: u64,
    epoch: Instant,
    /// Requests whose response has not been sent yet.
    in_flight: AtomicUsize,
    /// Start of the last request or end of the last response, in ms since `epoch`.
    last_active: AtomicU64,
    /// When the current write started waiting for the client, in ms since `epoch` plus one;
    /// 0 while writes go through.
    write_blocked_since: AtomicU64,
    /// Told to close to make room.
    closing: AtomicBool,
    close: Notify,
}

impl Conn {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.last_active.store(self.now_ms(), Ordering::Release);
    }

    fn write_result<T>(&self, poll: &Poll<T>) {
        if poll.is_pending() {
            if self.write_blocked_since.load(Ordering::Relaxed) == 0 {
                self.write_blocked_since
                    .store(self.now_ms() + 1, Ordering::Release);
            }
        } else {
            self.write_blocked_since.store(0, Ordering::Release);
        }
    }
}

/// Takes a connection out of the registry when it is dropped: its task ended, however it ended.
struct Registered {
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.remove(&self.conn);
    }
}

/// A request in flight on a connection, from its headers until its response body is done.
struct InFlight(Arc<Conn>);

impl InFlight {
    fn start(conn: Arc<Conn>) -> Self {
        conn.in_flight.fetch_add(1, Ordering::AcqRel);
        conn.touch();
        Self(conn)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted as in flight until it is dropped.
struct Tracked {
    inner: Body,
    _guard: InFlight,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, noting when writes wait for a client that does not read.
struct Watched {
    inner: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.conn.write_result(&poll);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.conn.write_result(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_limit_leaves_files_for_the_database_and_index() {
        assert_eq!(max_connections_for(1024), 768);
        assert_eq!(max_connections_for(4096), 3072);
        assert_eq!(max_connections_for(300), 150);
        assert_eq!(max_connections_for(u64::MAX), 786_432);
    }

    #[test]
    fn at_the_limit_the_connection_idle_longest_is_told_to_close() {
        let registry = Registry::default();
        let old = registry.add();
        std::thread::sleep(Duration::from_millis(5));
        let busy_older = registry.add();
        let _request = InFlight::start(busy_older.clone());
        std::thread::sleep(Duration::from_millis(5));
        let _newer = registry.add();
        // Busy since before `old` went idle? It still is not evictable: a request is in flight.
        busy_older
            .last_active
            .store(0, std::sync::atomic::Ordering::Release);
        assert!(registry.make_room(4));
        assert!(registry.make_room(3));
        assert!(old.closing.load(Ordering::Acquire));
        assert!(!busy_older.closing.load(Ordering::Acquire));
        // `old` is on its way out, so there is room for one; the next needs another eviction.
        assert!(registry.make_room(3));
        registry.remove(&old);
        assert_eq!(*registry.open.borrow(), 2);
    }
}
