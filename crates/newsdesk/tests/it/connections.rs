//! Slow and silent clients over raw TCP: connections without a request in flight are closed,
//! request bodies that stop arriving are cut, a full connection table makes room for new clients,
//! and readers that stop reading do not keep the export slots.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::TestApp;

/// Short limits so the tests are quick; the defaults are 20 s.
const LIMIT: Duration = Duration::from_secs(2);
/// Only guards against hangs: far above `LIMIT`, below the 30 s request timeout the old server
/// cut requests with.
const BOUND: Duration = Duration::from_secs(25);

/// Reads until the server closes the connection; everything it sent, or `None` if it was still
/// open after `bound`.
async fn read_until_closed(stream: &mut TcpStream, bound: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read).await.ok()?;
    Some(got)
}

#[tokio::test]
async fn slowloris_and_idle_keep_alive_connections_are_closed() {
    let app = TestApp::builder().connection_timeouts(LIMIT).start().await;

    // Headers begun and never finished.
    let mut slowloris = TcpStream::connect(app.addr).await.unwrap();
    slowloris
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1")
        .await
        .unwrap();
    // A connection that never says anything.
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    // A keep-alive connection left idle after one answered request.
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();

    let got = read_until_closed(&mut slowloris, BOUND).await;
    assert!(got.is_some(), "slowloris connection still open");
    assert!(
        read_until_closed(&mut silent, BOUND).await.is_some(),
        "silent connection still open"
    );
    let got = read_until_closed(&mut idle, BOUND)
        .await
        .expect("idle keep-alive connection still open");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    // Exactly one response: the connection was kept alive, then closed for idling.
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
    // The server itself is fine.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_body_that_stops_arriving_is_cut() {
    let app = TestApp::builder().connection_timeouts(LIMIT).start().await;
    let mut upload = TcpStream::connect(app.addr).await.unwrap();
    upload
        .write_all(
            b"POST /admin/login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n\
              name=admin&password=",
        )
        .await
        .unwrap();
    let got = read_until_closed(&mut upload, BOUND)
        .await
        .expect("connection with a stalled body still open");
    let text = String::from_utf8_lossy(&got);
    // Answered and closed by the body timeout, not by the 30 s request timeout (408).
    assert!(
        text.starts_with("HTTP/1.1 4") && !text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_full_connection_table_closes_the_idlest_to_let_new_clients_in() {
    // Idle connections are not closed by time here: only making room can close them.
    let app = TestApp::builder()
        .max_connections(50)
        .config(|c| c.connections.idle_timeout = Duration::from_secs(600))
        .start()
        .await;
    let mut silent = Vec::new();
    for _ in 0..60 {
        silent.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let health = tokio::time::timeout(BOUND, app.get("/healthz"))
        .await
        .expect("/healthz answered while the connection table is full");
    assert_eq!(health.status(), StatusCode::OK);
    // The oldest silent connections made room: 60 + 1 - 50 connections had to go, one of them
    // perhaps the harness's own idle keep-alive connection, older than all of these.
    let mut closed = 0;
    for s in &mut silent[..11] {
        if read_until_closed(s, BOUND).await.is_some() {
            closed += 1;
        }
    }
    assert!(closed >= 10, "{closed} of the 11 oldest closed");
    // The newest are still open: they were not idle longest.
    let mut newest = silent.pop().unwrap();
    let mut buf = [0u8; 1];
    let still_open = tokio::time::timeout(Duration::from_millis(200), newest.read(&mut buf))
        .await
        .is_err();
    assert!(still_open);
}

/// Imports enough articles with targets that a full export is far larger than what the sockets
/// between a non-reading client and the server can buffer.
fn big_export_data() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let out = crate::support::newsdesk_command(data.path())
        .args(["gen-corpus", "--count", "3000", "--data"])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run newsdesk gen-corpus");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    data
}

/// Requests `path` and never reads the answer, with a small receive buffer so the server's
/// writes block soon.
async fn request_and_never_read(app: &TestApp, path: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(app.addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    stream
}

#[tokio::test]
async fn readers_that_stop_reading_give_their_export_slots_back() {
    let app = TestApp::builder()
        .data(big_export_data())
        .connection_timeouts(LIMIT)
        .start()
        .await;
    let _a = request_and_never_read(&app, "/targets.csv").await;
    let _b = request_and_never_read(&app, "/targets.json").await;
    let status = || async { app.get("/targets.csv?sector=储能").await.status() };
    // Both slots are taken while their writes are blocked…
    let deadline = tokio::time::Instant::now() + BOUND;
    let mut last = status().await;
    while last != StatusCode::TOO_MANY_REQUESTS && tokio::time::Instant::now() < deadline {
        last = status().await;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "both exports under way"
    );
    // …until the stalled writes are given up on.
    let deadline = tokio::time::Instant::now() + BOUND;
    while last != StatusCode::OK && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        last = status().await;
    }
    assert_eq!(last, StatusCode::OK);
}
