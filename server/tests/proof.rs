//! Only the shopper's browser can extend a consent's history (crumb_core::proof): the attacks of
//! issue 12 against `POST /api/consent`, on SQLite and PostgreSQL. An attacker here knows the
//! consent id (it is in a JS-readable cookie sent with every request) but not the secret, which
//! stays in the shopper's localStorage.

mod common;

use axum::http::StatusCode;
use crumb_core::proof::consent_id_for;
use serde_json::{json, Value};

use common::*;

const SECRET: &str = "5f0c6a1e9b2d4c7f8a3e1d0b6c9f2a4e";
const OTHER: &str = "0123456789abcdef0123456789abcdef";
/// An id from before secrets (UUID v4).
const OLD_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn with_secret(mut record: Value, secret: Option<&str>) -> Value {
    if let Some(secret) = secret {
        record["secret"] = json!(secret);
    }
    record
}

async fn history(s: &Server, id: &str) -> Vec<Value> {
    let reply = get_auth(&s.app, &format!("/api/consent/{id}"), &bearer()).await;
    match reply.status {
        StatusCode::NOT_FOUND => Vec::new(),
        _ => reply.json().as_array().cloned().unwrap_or_default(),
    }
}

both_backends! {
    async fn nobody_without_the_secret_writes_into_a_derived_ids_history(backend) {
        let s = server(backend).await;
        let id = consent_id_for(SECRET);
        let genuine = with_secret(record(&id, "2026-11-22T05:06:43.123Z", "reject_all", false, false), Some(SECRET));
        assert_eq!(post_json(&s.app, &genuine).await.status, StatusCode::CREATED);

        // Forged: granting everything, sorted before, after and at the very instant of the real one.
        for (updated_at, secret) in [
            ("2026-11-22T05:06:43.124Z", None),
            ("2026-11-22T05:06:43.124Z", Some(OTHER)),
            ("2026-11-21T00:00:00.000Z", None),
            ("2026-11-22T05:06:43.123Z", Some(OTHER)),
        ] {
            let forged = with_secret(record(&id, updated_at, "accept_all", true, true), secret);
            let reply = post_json(&s.app, &forged).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{forged}");
            assert!(reply.error().contains("secret"), "{}", reply.error());
        }
        let kept = history(&s, &id).await;
        assert_eq!(kept.len(), 1, "only the shopper's record: {kept:?}");
        assert_eq!(kept[0]["action"], "reject_all");
        assert_eq!(kept[0].get("secret"), None, "the secret is never stored nor shown");

        // The shopper goes on.
        let later = with_secret(record(&id, "2026-11-22T06:00:00.000Z", "accept_all", true, false), Some(SECRET));
        assert_eq!(post_json(&s.app, &later).await.status, StatusCode::CREATED);
        assert_eq!(history(&s, &id).await.len(), 2);
    }

    async fn nobody_registers_a_pending_id_ahead_of_the_shopper(backend) {
        // The id is in the cookie at once; the first record may wait in the outbox. An attacker
        // posting first for that id (any secret, or none) cannot take it.
        let s = server(backend).await;
        let id = consent_id_for(SECRET);
        for secret in [None, Some(OTHER)] {
            let first = with_secret(record(&id, "2026-11-22T05:00:00.000Z", "accept_all", true, true), secret);
            assert_eq!(post_json(&s.app, &first).await.status, StatusCode::FORBIDDEN);
        }
        let genuine = with_secret(record(&id, "2026-11-22T05:00:00.000Z", "reject_all", false, false), Some(SECRET));
        assert_eq!(post_json(&s.app, &genuine).await.status, StatusCode::CREATED, "the pending key is still free");
        assert_eq!(history(&s, &id).await[0]["action"], "reject_all");
    }

    async fn an_id_from_before_secrets_keeps_working_until_its_browser_registers_one(backend) {
        let s = server(backend).await;
        let old = |at: &str, action: &str, secret: Option<&str>| with_secret(record(OLD_ID, at, action, action == "accept_all", false), secret);
        // As before secrets: no secret, kept.
        assert_eq!(post_json(&s.app, &old("2026-11-20T10:00:00.000Z", "accept_all", None)).await.status, StatusCode::CREATED);
        // The widget's next decision sends a secret: registered with this record.
        assert_eq!(post_json(&s.app, &old("2026-11-21T10:00:00.000Z", "reject_all", Some(SECRET))).await.status, StatusCode::CREATED);
        // From then on, without it or with another: refused.
        for secret in [None, Some(OTHER)] {
            let reply = post_json(&s.app, &old("2026-11-21T11:00:00.000Z", "accept_all", secret)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{secret:?}");
        }
        assert_eq!(post_json(&s.app, &old("2026-11-22T10:00:00.000Z", "custom", Some(SECRET))).await.status, StatusCode::CREATED);
        let kept: Vec<String> = history(&s, OLD_ID).await.iter().map(|r| r["action"].as_str().unwrap_or_default().to_owned()).collect();
        assert_eq!(kept, ["accept_all", "reject_all", "custom"]);
    }

    async fn two_secrets_racing_for_an_old_id_leave_one_holder(backend) {
        let s = server(backend).await;
        let mut tasks = Vec::new();
        for n in 0..16 {
            let app = s.app.clone();
            let secret = format!("{n:032x}");
            tasks.push(tokio::spawn(async move {
                let at = format!("2026-11-22T05:00:{n:02}.000Z");
                let reply = post_json(&app, &with_secret(record(OLD_ID, &at, "custom", false, false), Some(&secret))).await;
                (secret, reply.status)
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            let (secret, status) = task.await.expect("task");
            match status {
                StatusCode::CREATED => winners.push(secret),
                StatusCode::FORBIDDEN => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one secret holds the id: {winners:?}");
        assert_eq!(history(&s, OLD_ID).await.len(), 1);
    }

    async fn a_malformed_secret_is_a_400_naming_it(backend) {
        let s = server(backend).await;
        let reply = post_json(&s.app, &with_secret(valid_record(), Some("not-hex"))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.error().contains("`secret`"), "{}", reply.error());
        assert_eq!(s.count().await, 0);
    }
}
