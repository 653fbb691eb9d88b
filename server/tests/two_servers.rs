//! Two crumb-server processes on one PostgreSQL database (issue 12, item 8): a load balancer sends
//! copies of the same records to both at once (a retry racing a beacon, two tabs), round-robin.
//! Every record is stored exactly once, and each gets exactly one 201 across the two servers.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use crumb_server::{app, AppState, Database, Settings};

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_store_each_record_once() {
    let scratch = tokio::task::spawn_blocking(ScratchPostgres::create).await.expect("scratch database");
    let site = tempfile::tempdir().expect("site dir");
    let mut servers = Vec::new();
    for _ in 0..2 {
        let config = scratch.config.clone();
        let database =
            tokio::task::spawn_blocking(move || Database::open_postgres_config(config).expect("open PostgreSQL")).await.expect("open task");
        let settings = Settings { allowed_origins: test_sites(), rate_limit_per_minute: 0, ..Settings::default() };
        servers.push(app(AppState::with_settings(Arc::new(database), site.path(), settings)));
    }
    // 200 distinct records, each sent 4 times, round-robin over the two servers.
    let mut tasks = Vec::new();
    let mut turn = 0;
    for copy in 0..4 {
        for n in 0..200 {
            let server = servers[turn % 2].clone();
            turn += 1;
            tasks.push(tokio::spawn(async move {
                let id = format!("{n:08}-0000-4000-8000-000000000000");
                let _ = copy;
                post_json(&server, &record(&id, "2026-11-20T10:00:00.000Z", "custom", n % 2 == 0, false)).await.status
            }));
        }
    }
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 200, "exactly one 201 per record across both servers");
    let config = scratch.config.clone();
    let count = tokio::task::spawn_blocking(move || Database::open_postgres_config(config).expect("open").count().expect("count"))
        .await
        .expect("count task");
    assert_eq!(count, 200, "each record stored once");
    drop(servers);
}
