//! Load generator for `POST /api/consent` (a benchmark tool, not a test): N keep-alive
//! connections each post records back to back for D seconds, every record with a unique
//! consent id derived from its own secret, as the widget sends them (so idempotency does not
//! collapse rows, and the proof is checked as for real traffic). At the deadline no new request starts and
//! the ones in flight are awaited, so "answered 2xx" is exact. Survives the server going away
//! (counts the errors, reconnects), which the fault script uses.
//!
//! cargo run --release -p crumb-server --example load -- --url http://127.0.0.1:8080 \
//!     --connections 64 --duration 60 [--tag run1] [--ids-out ok-ids.txt]
//! Prints one JSON line: requests, ok (2xx), non_2xx, errors, req/s, p50/p99 latency (ms).

use std::io::Write;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

struct Options {
    url: String,
    connections: usize,
    duration: Duration,
    tag: String,
    site: String,
    ids_out: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        url: "http://127.0.0.1:8080".into(),
        connections: 64,
        duration: Duration::from_secs(60),
        tag: format!("{:x}", std::process::id()),
        site: "crumb-bench".into(),
        ids_out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => options.url = value()?,
            "--connections" => options.connections = value()?.parse().map_err(|e| format!("--connections: {e}"))?,
            "--duration" => options.duration = Duration::from_secs(value()?.parse().map_err(|e| format!("--duration: {e}"))?),
            "--tag" => options.tag = value()?,
            "--site" => options.site = value()?,
            "--ids-out" => options.ids_out = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    // The run posts consent ids `{tag}-{worker:04}-{n:010}`: the server's own rule decides.
    if options.tag.is_empty() || !crumb_core::is_consent_id(&format!("{}-0000-0000000000", options.tag)) {
        return Err("--tag must be 1-48 letters, digits or `-` (it starts every consent id of the run)".into());
    }
    if !crumb_core::is_site_id(&options.site) {
        return Err(format!("--site `{}` is not a site id", options.site));
    }
    Ok(options)
}

#[derive(Default)]
struct Tally {
    ok_ids: Vec<String>,
    non_2xx: u64,
    errors: u64,
    latencies_us: Vec<u32>,
}

fn now_rfc3339() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    crumb_core::time::to_rfc3339(ms)
}

async fn connection(worker: usize, options: std::sync::Arc<Options>, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let authority = options.url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let at = now_rfc3339();
    let mut n: u64 = 0;
    'reconnect: while Instant::now() < deadline {
        let Ok(stream) = TcpStream::connect(&authority).await else {
            tally.errors += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await else {
            tally.errors += 1;
            continue;
        };
        tokio::spawn(conn);
        while Instant::now() < deadline {
            n += 1;
            // As a widget sends it: a consent id derived from its own secret, which the record carries.
            let secret = crumb_core::proof::hex(&crumb_core::proof::sha256(format!("{}-{worker}-{n}", options.tag).as_bytes())[..16]);
            let id = crumb_core::proof::consent_id_for(&secret);
            let body = format!(
                r#"{{"schema":1,"consent_id":"{id}","site":"{site}","revision":1,"action":"custom","categories":{{"necessary":true,"analytics":{a},"marketing":false}},"services":{{}},"language":"en","gpc":false,"given_at":"{at}","updated_at":"{at}","url_path":"/bench","secret":"{secret}"}}"#,
                site = options.site,
                a = n.is_multiple_of(2),
            );
            let request = hyper::Request::post("/api/consent")
                .header("host", &authority)
                .header("content-type", "application/json")
                .header("origin", "http://bench.example")
                .body(Full::new(Bytes::from(body)));
            let Ok(request) = request else { break 'reconnect };
            let started = Instant::now();
            match sender.send_request(request).await {
                Ok(response) => {
                    let status = response.status();
                    let _ = response.into_body().collect().await;
                    tally.latencies_us.push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    if status.is_success() {
                        tally.ok_ids.push(id);
                    } else {
                        tally.non_2xx += 1;
                    }
                }
                Err(_) => {
                    tally.errors += 1;
                    continue 'reconnect;
                }
            }
        }
    }
    tally
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[index.min(sorted.len() - 1)]) / 1000.0
}

#[tokio::main]
async fn main() {
    let options = match options() {
        Ok(options) => std::sync::Arc::new(options),
        Err(message) => {
            eprintln!("load: {message}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let deadline = started + options.duration;
    let tasks: Vec<_> = (0..options.connections).map(|worker| tokio::spawn(connection(worker, options.clone(), deadline))).collect();
    let mut total = Tally::default();
    for task in tasks {
        if let Ok(tally) = task.await {
            total.ok_ids.extend(tally.ok_ids);
            total.non_2xx += tally.non_2xx;
            total.errors += tally.errors;
            total.latencies_us.extend(tally.latencies_us);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    total.latencies_us.sort_unstable();
    let answered = total.latencies_us.len();
    if let Some(path) = &options.ids_out {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("--ids-out file"));
        for id in &total.ok_ids {
            writeln!(file, "{id}").expect("write ids");
        }
    }
    println!(
        "{{\"connections\":{},\"seconds\":{:.1},\"answered\":{},\"ok\":{},\"non_2xx\":{},\"errors\":{},\"rps\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2}}}",
        options.connections,
        elapsed,
        answered,
        total.ok_ids.len(),
        total.non_2xx,
        total.errors,
        answered as f64 / elapsed,
        percentile(&total.latencies_us, 0.50),
        percentile(&total.latencies_us, 0.99),
    );
}
