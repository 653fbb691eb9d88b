//! Serving a router over TCP with hyper directly, so slow clients can be cut off: a request's
//! headers must arrive within `header_timeout` (slow-loris; also the longest an idle keep-alive
//! connection is kept), an answer the client stops reading is given up after `write_timeout`
//! without progress, and at most `max_connections` connections are served at once. Each
//! connection knows its peer address (rate limit, optional truncated IP).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tower::ServiceExt;

use crate::ServerError;

/// How long a shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(10);

/// Connections served at once unless told otherwise (`--max-connections`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// How long an answer may make no progress because the client does not read it, unless told
/// otherwise (`--write-timeout`).
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a connection beyond the cap is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n";

/// How [`serve_with`] treats slow and numerous clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// A request's headers must arrive within this time (also the longest idle keep-alive).
    pub header_timeout: Duration,
    /// A connection whose answer makes no progress for this long (the client stopped reading) is
    /// closed.
    pub write_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed at once.
    pub max_connections: usize,
}

impl ServeLimits {
    /// `header_timeout` with the default write timeout and connection cap.
    pub fn new(header_timeout: Duration) -> ServeLimits {
        ServeLimits { header_timeout, write_timeout: DEFAULT_WRITE_TIMEOUT, max_connections: DEFAULT_MAX_CONNECTIONS }
    }
}

/// [`serve_with`] with `header_timeout` and the default write timeout and connection cap.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    serve_with(listener, app, ServeLimits::new(header_timeout), shutdown).await
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets requests in
/// flight finish (up to 10 s) and returns. Each connection gets `ConnectInfo<SocketAddr>`.
///
/// Beyond `max_connections`, a new connection is answered `503` with `Retry-After: 1` (when the
/// socket takes it without waiting) and closed at once, instead of waiting in the kernel's queue:
/// a client that holds many connections then delays nobody else's accept, the clients over the cap
/// learn it at once (the widget keeps the record and sends it again later), and the queue never
/// fills up to the point where the kernel drops connections silently.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    tokio::pin!(shutdown);
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let permits = Arc::new(Semaphore::new(limits.max_connections.clamp(1, Semaphore::MAX_PERMITS)));
    let mut last_busy_log: Option<Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    eprintln!("crumb-server: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            // Never waits: a full send buffer on a fresh socket just means no 503.
            let _ = stream.try_write(BUSY);
            drop(stream);
            if last_busy_log.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                eprintln!(
                    "crumb-server: {} connections open, the --max-connections cap: new connections are answered 503 (logged once a minute)",
                    limits.max_connections
                );
                last_busy_log = Some(Instant::now());
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let stream = WriteTimeout::new(stream, limits.write_timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors here are the client's (closed early, too slow): nothing to report.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => eprintln!("crumb-server: requests still running after {DRAIN:?}; stopping anyway"),
    }
    Ok(())
}

/// A socket whose writes fail with `TimedOut` once they have been waiting for the client (its
/// receive window full: it does not read) for `timeout` without any progress. Each write that
/// goes through starts the clock again, so a slow reader is served and a stopped one is not.
/// Nothing is allocated until a write first has to wait.
struct WriteTimeout {
    inner: TcpStream,
    timeout: Duration,
    stall: Option<Pin<Box<Sleep>>>,
    stalled: bool,
}

impl WriteTimeout {
    fn new(inner: TcpStream, timeout: Duration) -> WriteTimeout {
        WriteTimeout { inner, timeout, stall: None, stalled: false }
    }

    /// After the socket said `Pending`: starts the clock if it is not running, and says whether
    /// the time is up.
    fn poll_stall<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        if !self.stalled {
            self.stalled = true;
            let deadline = tokio::time::Instant::now() + self.timeout;
            match &mut self.stall {
                Some(sleep) => sleep.as_mut().reset(deadline),
                None => self.stall = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        let expired = self.stall.as_mut().is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready());
        if expired {
            Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading the answer")))
        } else {
            Poll::Pending
        }
    }

    fn progress<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending => self.poll_stall(cx),
            ready => {
                self.stalled = false;
                ready
            }
        }
    }
}

impl AsyncRead for WriteTimeout {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteTimeout {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress(cx, poll)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.progress(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.progress(cx, poll)
    }
}
