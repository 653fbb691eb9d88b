//! The tamper-evident log (issue 12), on SQLite and PostgreSQL alike: a clean chain verifies;
//! a row edited, deleted or moved by hand is found and named; a duplicate does not move the
//! chain; concurrent inserts (threads, and two handles as two servers would have) make one
//! unbroken chain; digests kept elsewhere catch a chain rewritten consistently; history pages.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use common::*;
use crumb_core::ConsentRecord;
use crumb_server::{BreakKind, Database, DigestEntry, SiteVerdict};
use serde_json::Value;

/// A database and a second, raw connection to it to tamper with.
struct Fixture {
    database: Option<Database>,
    raw: Raw,
    dir: tempfile::TempDir,
    /// Dropped last (the pool first).
    _scratch: Option<ScratchPostgres>,
}

enum Raw {
    Sqlite(PathBuf),
    Postgres(Box<postgres::Config>),
}

impl Fixture {
    fn new(backend: Backend) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("consent.sqlite3");
                Fixture { database: Some(Database::open_sqlite(&path).unwrap()), raw: Raw::Sqlite(path), dir, _scratch: None }
            }
            Backend::Postgres => {
                let scratch = ScratchPostgres::create();
                let database = Database::open_postgres_config(scratch.config.clone()).unwrap();
                Fixture { database: Some(database), raw: Raw::Postgres(Box::new(scratch.config.clone())), dir, _scratch: Some(scratch) }
            }
        }
    }

    fn db(&self) -> &Database {
        self.database.as_ref().unwrap()
    }

    /// Another handle on the same database: what a second server process has.
    fn second_handle(&self) -> Database {
        match &self.raw {
            Raw::Sqlite(path) => Database::open_sqlite(path).unwrap(),
            Raw::Postgres(config) => Database::open_postgres_config(config.as_ref().clone()).unwrap(),
        }
    }

    /// Runs SQL by hand, as someone with access to the database would.
    fn tamper(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(path) => rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap(),
            Raw::Postgres(config) => config.connect(postgres::NoTls).unwrap().batch_execute(sql).unwrap(),
        }
    }

    fn verify(&self) -> SiteVerdict {
        self.verify_with(&[])
    }

    fn verify_with(&self, digests: &[DigestEntry]) -> SiteVerdict {
        let mut verdicts = self.db().verify_chain(Some("crumb-demo"), digests).unwrap();
        assert_eq!(verdicts.len(), 1);
        verdicts.remove(0)
    }
}

fn consent_id(n: usize) -> String {
    format!("aaaaaaaa-0000-4000-8000-{n:012}")
}

fn a_record(n: usize, updated_at: &str) -> ConsentRecord {
    serde_json::from_value(record(&consent_id(n), updated_at, "accept_all", true, false)).unwrap()
}

/// Five records, seq 1 to 5, received a minute apart.
fn five(fixture: &Fixture) {
    for n in 1..=5 {
        let at = format!("2026-11-20T10:0{n}:00.000Z");
        let link = fixture.db().insert_linked(&a_record(n, &at), &at, (n == 2).then_some("203.0.113.0")).unwrap().unwrap();
        assert_eq!(link.chain_seq, n as i64);
    }
}

fn broken(verdict: &SiteVerdict) -> (BreakKind, i64, Option<String>) {
    let broken = verdict.broken.as_ref().unwrap_or_else(|| panic!("expected a break: {verdict}"));
    (broken.kind, broken.seq, broken.consent_id.clone())
}

macro_rules! both {
    ($(fn $name:ident($backend:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                fn run($backend: Backend) $body
                #[test]
                fn sqlite() { run(Backend::Sqlite) }
                #[test]
                fn postgres() { run(Backend::Postgres) }
            }
        )*
    };
}

both! {
    fn a_clean_log_verifies_and_a_duplicate_does_not_move_it(backend) {
        let f = Fixture::new(backend);
        five(&f);
        let verdict = f.verify();
        assert!(verdict.broken.is_none(), "{verdict}");
        assert_eq!((verdict.records, verdict.head_seq), (5, 5));
        let head = verdict.head_hash.clone();
        // The same decision again: nothing stored, the chain does not move.
        let at = "2026-11-20T10:03:00.000Z";
        assert_eq!(f.db().insert_linked(&a_record(3, at), "2026-11-21T00:00:00.000Z", None).unwrap(), None);
        assert!(!f.db().insert(&a_record(3, at), "2026-11-21T00:00:00.000Z", None).unwrap());
        let again = f.verify();
        assert!(again.broken.is_none(), "{again}");
        assert_eq!((again.head_seq, again.head_hash), (5, head));
        // Another site has its own chain, from seq 1.
        let mut other: Value = record(&consent_id(9), at, "accept_all", true, false);
        other["site"] = "other-shop".into();
        let other: ConsentRecord = serde_json::from_value(other).unwrap();
        assert_eq!(f.db().insert_linked(&other, at, None).unwrap().unwrap().chain_seq, 1);
        let all = f.db().verify_chain(None, &[]).unwrap();
        assert_eq!(all.iter().map(|v| (v.site.as_str(), v.head_seq, v.broken.is_none())).collect::<Vec<_>>(), [("crumb-demo", 5, true), ("other-shop", 1, true)]);
    }

    fn an_edited_record_is_named(backend) {
        let f = Fixture::new(backend);
        five(&f);
        f.tamper("UPDATE consent_records SET record = replace(record, 'accept_all', 'reject_all') WHERE chain_seq = 3");
        assert_eq!(broken(&f.verify()), (BreakKind::Edited, 3, Some(consent_id(3))));
    }

    fn an_edited_action_is_named(backend) {
        let f = Fixture::new(backend);
        five(&f);
        f.tamper("UPDATE consent_records SET action = 'reject_all' WHERE chain_seq = 2");
        let verdict = f.verify();
        assert_eq!(broken(&verdict), (BreakKind::Edited, 2, Some(consent_id(2))));
        assert!(verdict.to_string().contains("BROKEN at seq 2"), "{verdict}");
    }

    fn a_deleted_middle_row_is_a_gap(backend) {
        let f = Fixture::new(backend);
        five(&f);
        f.tamper("DELETE FROM consent_records WHERE chain_seq = 3");
        let verdict = f.verify();
        assert_eq!(broken(&verdict), (BreakKind::Deleted, 3, None));
        assert!(verdict.to_string().contains("seq 3 missing"), "{verdict}");
    }

    fn a_deleted_last_row_is_found_by_the_head(backend) {
        let f = Fixture::new(backend);
        five(&f);
        f.tamper("DELETE FROM consent_records WHERE chain_seq = 5");
        assert_eq!(broken(&f.verify()), (BreakKind::Deleted, 5, None));
    }

    fn swapped_rows_are_reordered(backend) {
        let f = Fixture::new(backend);
        five(&f);
        f.tamper(
            "UPDATE consent_records SET chain_seq = -1 WHERE chain_seq = 2;
             UPDATE consent_records SET chain_seq = 2 WHERE chain_seq = 4;
             UPDATE consent_records SET chain_seq = 4 WHERE chain_seq = -1;",
        );
        let verdict = f.verify();
        assert_eq!(broken(&verdict), (BreakKind::Reordered, 2, Some(consent_id(4))));
        // The row now at seq 2 was chained after the row now at seq 3 (its neighbour before the swap).
        assert!(verdict.to_string().contains("links to the row now at seq 3"), "{verdict}");
    }

    fn a_consistent_rewrite_is_caught_by_a_kept_digest(backend) {
        let f = Fixture::new(backend);
        five(&f);
        let digests = f.db().digest("crumb-demo", "2026-01-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z").unwrap();
        assert_eq!(digests.len(), 1, "one day");
        assert_eq!((digests[0].day.as_str(), digests[0].seq), ("2026-11-20", 5));
        assert!(f.verify_with(&digests).broken.is_none());
        // Someone drops the last record and moves the head back: a chain that holds together.
        f.tamper(
            "DELETE FROM consent_records WHERE chain_seq = 5;
             UPDATE chain_heads SET seq = 4, hash = (SELECT hash FROM consent_records WHERE chain_seq = 4) WHERE site = 'crumb-demo';",
        );
        assert!(f.verify().broken.is_none(), "without digests the truncation holds together");
        let verdict = f.verify_with(&digests);
        assert_eq!(broken(&verdict).0, BreakKind::Digest, "{verdict}");
        assert_eq!(broken(&verdict).1, 5);
    }

    fn concurrent_inserts_make_one_chain(backend) {
        let f = Fixture::new(backend);
        let handles = [Arc::new(f.second_handle()), Arc::new(f.second_handle())];
        let threads: Vec<_> = (0..6)
            .map(|t| {
                let database = handles[t % 2].clone();
                std::thread::spawn(move || {
                    for n in 0..40 {
                        let at = format!("2026-11-20T10:{:02}:{:02}.000Z", t, n);
                        let record = a_record(t * 1000 + n, &at);
                        assert!(database.insert(&record, &at, None).unwrap());
                        // Every thread also posts one duplicate of its own.
                        if n == 7 {
                            assert!(!database.insert(&record, &at, None).unwrap());
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(handles);
        let verdict = f.verify();
        assert!(verdict.broken.is_none(), "{verdict}");
        assert_eq!((verdict.records, verdict.head_seq), (240, 240));
    }
}

/// A long history reads back in pages, in received order, and the chain holds.
#[test]
fn history_and_verify_after_many_records_on_sqlite() {
    let f = Fixture::new(Backend::Sqlite);
    // 250 decisions of one consent id; the browser's clock runs backwards, the server's forwards.
    for n in 0..250 {
        let updated_at = format!("2026-11-19T{:02}:{:02}:00.000Z", 23 - n / 60, 59 - n % 60);
        let received_at = format!("2026-11-20T10:{:02}:{:02}.000Z", n / 60, n % 60);
        assert!(f.db().insert(&a_record(1, &updated_at), &received_at, None).unwrap());
    }
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let (page, next) = f.db().history_page(&consent_id(1), after.as_ref(), 100).unwrap();
        assert!(page.len() <= 100);
        seen.extend(page);
        pages += 1;
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (250, 3));
    assert!(seen.windows(2).all(|w| w[0].received_at < w[1].received_at), "received order");
    assert_eq!(f.db().history(&consent_id(1)).unwrap(), seen);
    assert!(f.verify().broken.is_none());
}

both_backends! {
    async fn history_is_paged_in_received_order(backend) {
        let s = server(backend).await;
        let database = s.state.database().clone();
        tokio::task::spawn_blocking(move || {
            for n in 0..230usize {
                // updated_at runs backwards: the order the sender chose is not the order shown.
                let updated_at = format!("2026-11-19T{:02}:{:02}:00.000Z", 23 - n / 60, 59 - n % 60);
                let received_at = format!("2026-11-21T10:{:02}:{:02}.000Z", n / 60, n % 60);
                let record: ConsentRecord = serde_json::from_value(record(ID, &updated_at, "custom", n % 2 == 0, false)).unwrap();
                assert!(database.insert(&record, &received_at, None).unwrap());
            }
        })
        .await
        .unwrap();
        let mut uri = format!("/api/consent/{ID}");
        let mut received = Vec::new();
        let mut pages = 0;
        loop {
            let reply = get_auth(&s.app, &uri, &bearer()).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            let page = reply.json();
            let page = page.as_array().unwrap();
            pages += 1;
            assert!(page.len() <= 100, "the default page is 100");
            received.extend(page.iter().map(|r| r["received_at"].as_str().unwrap().to_owned()));
            assert!(page.iter().all(|r| r["chain_seq"].is_i64() && r["hash"].is_string()));
            match reply.header(header::LINK) {
                Some(link) => {
                    let cursor = reply.header(header::HeaderName::from_static("x-next-cursor")).unwrap();
                    assert!(link.contains(cursor), "{link}");
                    uri = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
                }
                None => break,
            }
        }
        assert_eq!((received.len(), pages), (230, 3));
        assert!(received.windows(2).all(|w| w[0] < w[1]), "in received order");
        let small = get_auth(&s.app, &format!("/api/consent/{ID}?limit=7"), &bearer()).await;
        assert_eq!(small.json().as_array().unwrap().len(), 7);
        for bad in ["?limit=0", "?limit=1001", "?limit=x", "?after=nope", "?after=2026-11-21T10:00:00.000Z~x"] {
            let reply = get_auth(&s.app, &format!("/api/consent/{ID}{bad}"), &bearer()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        }
        // Past the last page: an empty page, not a 404.
        let past = get_auth(&s.app, &format!("/api/consent/{ID}?after=2030-01-01T00:00:00.000Z~1"), &bearer()).await;
        assert_eq!((past.status, past.text()), (StatusCode::OK, "[]".to_owned()));
    }

    async fn the_digest_names_each_days_last_link(backend) {
        let s = server(backend).await;
        let database = s.state.database().clone();
        tokio::task::spawn_blocking(move || {
            for (n, received_at) in ["2026-11-20T09:00:00.000Z", "2026-11-20T23:59:59.999Z", "2026-11-21T00:00:00.000Z", "2026-11-23T12:00:00.000Z"].iter().enumerate() {
                assert!(database.insert(&a_record(n, received_at), received_at, None).unwrap());
            }
        })
        .await
        .unwrap();
        let reply = get_auth(&s.app, "/api/digest?site=crumb-demo&from=2026-11-01&to=2026-11-30", &bearer()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/x-ndjson"));
        let days: Vec<DigestEntry> = reply.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(days.iter().map(|d| (d.day.as_str(), d.seq)).collect::<Vec<_>>(), [("2026-11-20", 2), ("2026-11-21", 3), ("2026-11-23", 4)]);
        let database = s.state.database().clone();
        let verdicts = tokio::task::spawn_blocking(move || database.verify_chain(None, &days)).await.unwrap().unwrap();
        assert!(verdicts[0].broken.is_none() && verdicts[0].digests_checked == 3, "{}", verdicts[0]);
        assert_eq!(get(&s.app, "/api/digest?site=crumb-demo", None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(get_auth(&s.app, "/api/digest", &bearer()).await.status, StatusCode::BAD_REQUEST);
    }
}

/// The `verify` and `digest` commands of the binary: exit status and what they print.
#[test]
fn the_verify_and_digest_commands() {
    let f = Fixture::new(Backend::Sqlite);
    five(&f);
    let Raw::Sqlite(path) = &f.raw else { unreachable!() };
    let path = path.to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_crumb-server")).args(args).output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (code, out) = run(&["verify", "--database", &path]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("site crumb-demo: ok, 5 records, head seq 5 hash "), "{out}");

    let (code, digest) = run(&["digest", "--database", &path, "--site", "crumb-demo", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert_eq!(code, Some(0));
    let entry: DigestEntry = serde_json::from_str(digest.trim()).unwrap();
    assert_eq!((entry.day.as_str(), entry.seq), ("2026-11-20", 5));
    let kept = f.dir.path().join("kept.jsonl");
    std::fs::write(&kept, &digest).unwrap();
    assert_eq!(run(&["verify", "--database", &path, "--digest", kept.to_str().unwrap()]).0, Some(0));

    // The last record dropped and the head moved back: only the kept digest notices.
    f.tamper(
        "DELETE FROM consent_records WHERE chain_seq = 5;
         UPDATE chain_heads SET seq = 4, hash = (SELECT hash FROM consent_records WHERE chain_seq = 4);",
    );
    assert_eq!(run(&["verify", "--database", &path]).0, Some(0));
    let (code, out) = run(&["verify", "--database", &path, "--digest", kept.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("BROKEN at seq 5") && out.contains("Digest"), "{out}");
    f.tamper("UPDATE consent_records SET record = replace(record, '\"gpc\":false', '\"gpc\":true') WHERE chain_seq = 2");
    let (code, out) = run(&["verify", "--database", &path]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("BROKEN at seq 2 (consent id {})", consent_id(2))), "{out}");
}
