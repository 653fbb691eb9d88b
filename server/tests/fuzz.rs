//! Property tests: no input panics record validation or the intake route, and whatever is
//! accepted is a valid record that survives storage unchanged.

mod common;

use axum::http::StatusCode;
use crumb_server::check_record;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use common::*;

const NOW: i64 = 1_795_000_000_000; // 2026-11-19

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const FIELDS: [&str; 13] = [
    "schema",
    "consent_id",
    "site",
    "revision",
    "action",
    "categories",
    "services",
    "language",
    "gpc",
    "given_at",
    "updated_at",
    "url_path",
    "extra",
];

/// A valid record with some fields replaced by arbitrary JSON or removed.
fn mutated_record() -> impl Strategy<Value = Value> {
    prop::collection::vec((0..FIELDS.len(), prop::option::of(any_json())), 0..4).prop_map(|edits| {
        let mut record = valid_record();
        for (field, value) in edits {
            let object = record.as_object_mut().expect("object");
            match value {
                Some(value) => object.insert(FIELDS[field].to_owned(), value),
                None => object.remove(FIELDS[field]),
            };
        }
        record
    })
}

/// Timestamps near the edges: odd formats, offsets, leap seconds, far past and future.
fn timestamp() -> impl Strategy<Value = String> {
    prop_oneof![
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,9})?(Z|[+-][0-9]{2}:[0-9]{2})?",
        "[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}T[0-9:.]{0,20}Z",
        ".{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = check_record(&body, NOW);
    }

    #[test]
    fn arbitrary_json_never_panics(value in any_json()) {
        prop_assert!(check_record(value.to_string().as_bytes(), NOW).is_err());
    }

    #[test]
    fn mutated_records_are_accepted_only_when_valid(record in mutated_record()) {
        if let Ok(parsed) = check_record(record.to_string().as_bytes(), NOW) {
            // Accepted: it is a valid record, and what is stored equals what was sent.
            prop_assert!(parsed.validate(NOW).is_ok());
            prop_assert_eq!(serde_json::to_value(&parsed).unwrap()["consent_id"].clone(), record["consent_id"].clone());
        }
    }

    #[test]
    fn odd_timestamps_never_panic(given in timestamp(), updated in timestamp()) {
        let mut record = valid_record();
        record["given_at"] = json!(given);
        record["updated_at"] = json!(updated);
        if let Ok(parsed) = check_record(record.to_string().as_bytes(), NOW) {
            prop_assert!(parsed.updated_ms().is_some_and(|ms| ms <= NOW + crumb_core::time::DAY_MS));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Through the router and SQLite: every answer is a 2xx or a 4xx with an error, never a 5xx.
    #[test]
    fn the_intake_route_never_fails_on_bad_input(
        record in mutated_record(),
        content_type in prop_oneof![Just("application/json".to_owned()), Just("text/plain;charset=UTF-8".to_owned()), "[ -~]{0,20}"],
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let s = server(Backend::Sqlite).await;
            let reply = post(&s.app, &content_type, record.to_string()).await;
            let status = reply.status;
            assert!(status == StatusCode::CREATED || status.is_client_error(), "{status} for {record}");
            if status.is_client_error() {
                assert!(!reply.error().is_empty());
            }
        });
    }
}
