//! `/admin` on a big log (a benchmark tool, not a test; issue 12, item 8): bulk-loads N records
//! (default 10 million) of one site over the last 365 days into a fresh PostgreSQL database,
//! builds the statistics rollups once, then times `GET /admin` (the default range: the last 30
//! days) through the real router, in process, and prints one JSON line with the median and p95.
//!
//! CRUMB_TEST_POSTGRES_URL=postgres://… cargo run --release -p crumb-server --example admin_bench -- \
//!     [--records 10000000] [--requests 20]
//! bench/admin/run.sh starts a throwaway PostgreSQL and runs it.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use crumb_server::{app, AllowedOrigin, AppState, Database, Settings};
use tower::ServiceExt;

const TOKEN: &str = "bench-admin-token-0123456789";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut records: u64 = 10_000_000;
    let mut requests: usize = 20;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--records" => records = value.parse()?,
            "--requests" => requests = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let url = std::env::var("CRUMB_TEST_POSTGRES_URL").map_err(|_| "CRUMB_TEST_POSTGRES_URL is not set")?;
    let name = "crumb_admin_bench";
    let (database, count, load_s, rollup_s) = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).map_err(|e| format!("{e:?}"))?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).map_err(|e| format!("{e:?}"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}")).map_err(|e| format!("{e:?}"))?;
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| e.to_string())?;
        config.dbname(name);
        let database = Database::open_postgres_config(config.clone()).map_err(|e| format!("{e:?}"))?;
        let mut client = config.connect(postgres::NoTls).map_err(|e| format!("{e:?}"))?;
        let started = Instant::now();
        // One statement, triggers off: a bulk load, not the intake path (bench/load measures that).
        client
            .batch_execute(&format!(
                "SET session_replication_role = replica;
                 INSERT INTO consent_records (consent_id, site, action, updated_at, received_at, record)
                 SELECT id, 'crumb-bench', action, at, at,
                        '{{\"schema\":1,\"consent_id\":\"' || id || '\",\"site\":\"crumb-bench\",\"revision\":1,\"action\":\"' || action ||
                        '\",\"categories\":{{\"analytics\":' || (g % 3 = 0)::text || ',\"marketing\":' || (g % 5 = 0)::text ||
                        ',\"necessary\":true,\"preferences\":' || (g % 2 = 0)::text || '}},\"services\":{{}},\"language\":\"en\",\"gpc\":false,' ||
                        '\"given_at\":\"' || at || '\",\"updated_at\":\"' || at || '\",\"url_path\":\"/\"}}'
                 FROM (SELECT g, lpad(to_hex(g), 8, '0') || '-0000-4000-8000-000000000000' AS id,
                              (ARRAY['accept_all','reject_all','custom','withdraw'])[1 + g % 4] AS action,
                              to_char((now() AT TIME ZONE 'UTC') - (g % 365) * interval '1 day' - (g % 86400) * interval '1 second',
                                      'YYYY-MM-DD\"T\"HH24:MI:SS\".000Z\"') AS at
                       FROM generate_series(1, {records}) AS g) AS r;
                 SET session_replication_role = DEFAULT;"
            ))
            .map_err(|e| format!("{e:?}"))?;
        let load_s = started.elapsed().as_secs_f64();
        let started = Instant::now();
        database.rebuild_stats().map_err(|e| format!("{e:?}"))?;
        client.batch_execute("VACUUM ANALYZE").map_err(|e| format!("{e:?}"))?;
        let rollup_s = started.elapsed().as_secs_f64();
        let count = database.count().map_err(|e| format!("{e:?}"))?;
        Ok((database, count, load_s, rollup_s))
    })
    .await??;
    let settings = Settings {
        admin_token: Some(TOKEN.to_owned()),
        allowed_origins: vec![AllowedOrigin { site: "crumb-bench".into(), origin: "http://bench.example".into() }],
        ..Settings::default()
    };
    let site = tempfile::tempdir()?;
    let router = app(AppState::with_settings(Arc::new(database), site.path(), settings));
    let mut times = Vec::new();
    for _ in 0..requests {
        let request = Request::get("/admin").header(header::AUTHORIZATION, format!("Bearer {TOKEN}")).body(Body::empty())?;
        let started = Instant::now();
        let response = router.clone().oneshot(request).await?;
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if status != StatusCode::OK || !String::from_utf8_lossy(&body).contains("decisions on crumb-bench") {
            return Err(format!("/admin answered {status}").into());
        }
    }
    times.sort_by(f64::total_cmp);
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{{\"records\": {count}, \"bulk_load_s\": {load_s:.1}, \"rollup_build_s\": {rollup_s:.1}, \"admin_requests\": {requests}, \
         \"admin_median_ms\": {:.1}, \"admin_p95_ms\": {:.1}, \"admin_max_ms\": {:.1}}}",
        p(0.5),
        p(0.95),
        p(1.0)
    );
    drop(router);
    Ok(())
}
