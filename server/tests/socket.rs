//! The server on a real socket with raw TCP clients: slow-loris headers, trickled bodies and a
//! 10 MB body are cut off, while other clients keep being served. Against both databases.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use crumb_server::{serve, Settings};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::*;

/// Serves `s.app` with the slow-client limits of `settings`; returns the address.
async fn listen(s: &Server, header_timeout: Duration) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let app = s.app.clone();
    tokio::spawn(async move { serve(listener, app, header_timeout, std::future::pending()).await });
    address
}

fn settings() -> Settings {
    Settings { rate_limit_per_minute: 0, body_timeout: Duration::from_secs(1), ..Settings::default() }
}

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends `request` on a fresh connection and reads the whole answer.
async fn exchange(address: SocketAddr, request: Vec<u8>) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(&request).await.expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

fn post_request(body: &str) -> Vec<u8> {
    format!(
        "POST /api/consent HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A well-behaved client posting the `n`th record: the answer's status line.
async fn honest_post(address: SocketAddr, n: usize) -> String {
    let record = record(&format!("99999999-0000-4000-8000-{n:012}"), "2026-11-20T10:00:00.000Z", "accept_all", true, true);
    let response = exchange(address, post_request(&record.to_string())).await;
    response.lines().next().unwrap_or_default().to_owned()
}

/// Writes `prefix`, then one byte of `drip` every 100 ms until the server closes the connection
/// or `drip` runs out. Returns (server closed it, what the server answered).
async fn trickle(address: SocketAddr, prefix: &[u8], drip: &[u8]) -> (bool, String) {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(prefix).await.expect("write");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    for byte in drip {
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return (true, String::from_utf8_lossy(&answer).into_owned()),
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            },
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if stream.write_all(&[*byte]).await.is_err() {
                    let _ = stream.read_to_end(&mut answer).await;
                    return (true, String::from_utf8_lossy(&answer).into_owned());
                }
            }
        }
    }
    (false, String::from_utf8_lossy(&answer).into_owned())
}

both_backends! {
    async fn slow_loris_headers_are_cut_off_and_others_served(backend) {
        let s = server_with(backend, settings()).await;
        let address = listen(&s, HEADER_TIMEOUT).await;
        // Ten clients that never finish their headers (one header byte every 100 ms, for up to
        // 30 s; the limit is 1 s).
        let drip = b"X-Slow: a\r\n".repeat(28);
        let attackers: Vec<_> = (0..10)
            .map(|_| {
                let drip = drip.clone();
                tokio::spawn(async move { trickle(address, b"POST /api/consent HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\n", &drip).await })
            })
            .collect();
        for n in 0..5 {
            assert!(honest_post(address, n).await.starts_with("HTTP/1.1 201"), "an honest client is served meanwhile");
        }
        for attacker in attackers {
            let (closed, _) = attacker.await.expect("attacker");
            assert!(closed, "the server closed a connection whose headers never ended");
        }
        assert_eq!(s.count().await, 5);
    }

    async fn trickled_bodies_get_408_and_others_are_served(backend) {
        let s = server_with(backend, settings()).await;
        let address = listen(&s, HEADER_TIMEOUT).await;
        let body = valid_record().to_string();
        let head = format!(
            "POST /api/consent HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let attackers: Vec<_> = (0..5)
            .map(|_| {
                let (head, body) = (head.clone(), body.clone());
                tokio::spawn(async move { trickle(address, head.as_bytes(), body.as_bytes()).await })
            })
            .collect();
        for n in 0..5 {
            assert!(honest_post(address, n).await.starts_with("HTTP/1.1 201"));
        }
        for attacker in attackers {
            let (closed, answer) = attacker.await.expect("attacker");
            assert!(closed, "a trickled body is not waited for forever");
            assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
            assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
        }
        assert_eq!(s.count().await, 5, "no trickled record was stored");
    }

    async fn ten_megabyte_bodies_are_413_and_others_are_served(backend) {
        let s = server_with(backend, settings()).await;
        let address = listen(&s, HEADER_TIMEOUT).await;
        let big = tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await.expect("connect");
            let head = "POST /api/consent HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n";
            stream.write_all(head.as_bytes()).await.expect("write");
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            // The server may stop reading (and close) long before 10 MB: write errors are expected.
            while sent < 10 * 1024 * 1024 && stream.write_all(&chunk).await.is_ok() {
                sent += chunk.len();
            }
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer).await;
            String::from_utf8_lossy(&answer).into_owned()
        });
        let mut chunked = b"POST /api/consent HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for _ in 0..17 {
            chunked.extend_from_slice(b"400\r\n");
            chunked.extend_from_slice(&[b' '; 0x400]);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let response = exchange(address, chunked).await;
        assert!(response.starts_with("HTTP/1.1 413"), "a chunked body announcing no length is limited too: {response}");
        for n in 0..5 {
            assert!(honest_post(address, n).await.starts_with("HTTP/1.1 201"));
        }
        let answer = big.await.expect("big client");
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert_eq!(s.count().await, 5);
        let mut too_long = valid_record();
        too_long["url_path"] = json!(format!("/{}", "a".repeat(20_000)));
        assert!(exchange(address, post_request(&too_long.to_string())).await.starts_with("HTTP/1.1 413"));
    }

    async fn shutdown_stops_accepting_and_returns(backend) {
        let s = server_with(backend, settings()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(serve(listener, s.app.clone(), HEADER_TIMEOUT, async {
            let _ = stopped.await;
        }));
        assert!(honest_post(address, 0).await.starts_with("HTTP/1.1 201"));
        stop.send(()).expect("signal");
        served.await.expect("serve task").expect("serve returns Ok");
        assert!(TcpStream::connect(address).await.is_err(), "no longer listening");
        assert_eq!(s.count().await, 1);
    }
}
