//! Issue 12, connections on a real socket with raw TCP clients: a client that stops reading a big
//! answer is dropped after the write timeout, and beyond the connection cap new connections are
//! answered 503 and closed while the held ones keep being served. No fixed sleep decides a
//! result: each test waits (with a generous deadline) for the event it expects. The answers come
//! from the site folder and `/api/health`, which do not depend on the database kind: SQLite only.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use crumb_server::{serve_with, ServeLimits, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use common::*;

/// Longest a test waits for what it expects; far above the timeouts it configures.
const DEADLINE: Duration = Duration::from_secs(30);

async fn listen(s: &Server, limits: ServeLimits) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let app = s.app.clone();
    tokio::spawn(async move { serve_with(listener, app, limits, std::future::pending()).await });
    address
}

fn settings() -> Settings {
    Settings { rate_limit_per_minute: 0, ..Settings::default() }
}

const HEALTH: &[u8] = b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
const HEALTH_AND_CLOSE: &[u8] = b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/// One `GET /api/health` on a fresh connection: the whole answer (empty when the server closed the
/// connection without one, or reset it).
async fn health(address: SocketAddr) -> String {
    let Ok(mut stream) = TcpStream::connect(address).await else { return String::new() };
    if stream.write_all(HEALTH_AND_CLOSE).await.is_err() {
        return String::new();
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Asks `/api/health` on fresh connections until one is answered 200, or the deadline passes.
async fn served_again(address: SocketAddr) -> bool {
    tokio::time::timeout(DEADLINE, async {
        while !health(address).await.starts_with("HTTP/1.1 200") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .is_ok()
}

/// One request on a kept-alive connection; its answer (a short one, read until its body ends).
async fn ask_again(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTH).await.expect("write");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&answer).ends_with("ok") {
        match tokio::time::timeout(DEADLINE, stream.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_a_big_answer_is_dropped() {
    let s = server_with(Backend::Sqlite, settings()).await;
    let size = 64 * 1024 * 1024;
    std::fs::write(s.state.site_dir().join("big.bin"), vec![b'x'; size]).expect("write");
    // One connection at a time: the next client is served only once the stuck one is dropped.
    let limits = ServeLimits { header_timeout: Duration::from_secs(30), write_timeout: Duration::from_secs(1), max_connections: 1 };
    let address = listen(&s, limits).await;

    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small receive buffer");
    let mut stuck = socket.connect(address).await.expect("connect");
    stuck.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    // The stuck client reads nothing while the server writes; the slot comes free only when the
    // server gives up on it.
    assert!(served_again(address).await, "the connection of a client that stopped reading was not dropped");

    let mut received = Vec::new();
    let _ = tokio::time::timeout(DEADLINE, stuck.read_to_end(&mut received)).await.expect("the stuck connection is closed");
    // What the kernel had buffered still arrives (or nothing, if the close came as a reset).
    assert!(
        received.is_empty() || received.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&received[..received.len().min(100)])
    );
    assert!(received.len() < size, "the answer was cut off ({} of {size} bytes)", received.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_cap_new_connections_are_closed_and_held_ones_stay() {
    let s = server_with(Backend::Sqlite, settings()).await;
    let limits = ServeLimits { header_timeout: Duration::from_secs(30), write_timeout: Duration::from_secs(30), max_connections: 2 };
    let address = listen(&s, limits).await;

    // Two kept-alive connections, each answered once: both are being served.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        assert!(ask_again(&mut stream).await.starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    for attempt in 0..5 {
        let answer = health(address).await;
        assert!(!answer.contains("200 OK"), "attempt {attempt} over the cap was served: {answer}");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 503"), "{answer}");
    }
    for stream in &mut held {
        assert!(ask_again(stream).await.starts_with("HTTP/1.1 200"), "a held connection keeps being served");
    }
    // One held connection goes: a new client is served again.
    drop(held.pop());
    assert!(served_again(address).await, "a slot came free");
}
