//! The outbox policy: bound and dedupe, what an HTTP status means, the retry schedule.

use crumb_core::json::{from_value, ToJson};
use crumb_core::outbox::{delivery, endpoint_problem, push_bounded, same_record, Backoff, Delivery, Entry, OUTBOX_CAP};
use crumb_core::ConsentRecord;

/// The `n`th decision of one consent (a distinct `updated_at` each).
fn record(n: usize) -> ConsentRecord {
    let text = format!(
        r#"{{"schema":1,"consent_id":"0f8fad5b-d9cb-469f-a165-70867728950e","site":"s","revision":1,"action":"custom",
            "categories":{{"necessary":true}},"language":"en","gpc":false,"given_at":"2026-01-01T00:00:00.000Z",
            "updated_at":"2026-01-01T{:02}:{:02}:{:02}.000Z","url_path":"/"}}"#,
        n / 3600,
        n / 60 % 60,
        n % 60
    );
    serde_json::from_str(&text).unwrap()
}

const ENDPOINT: &str = "https://shop.example/api/consent";

/// The `n`th decision, made on a page that posts to [`ENDPOINT`].
fn entry(n: usize) -> Entry {
    Entry { endpoint: Some(ENDPOINT.to_owned()), record: record(n) }
}

#[test]
fn the_outbox_keeps_the_first_and_the_newest_and_names_what_it_drops() {
    let mut list = Vec::new();
    for n in 0..OUTBOX_CAP {
        assert!(push_bounded(&mut list, entry(n)).is_empty());
    }
    assert!(push_bounded(&mut list, entry(5)).is_empty(), "a copy is not queued twice");
    assert_eq!(list.len(), OUTBOX_CAP);
    let dropped = push_bounded(&mut list, entry(OUTBOX_CAP));
    assert_eq!(dropped, vec![entry(1)]);
    assert_eq!(list.len(), OUTBOX_CAP);
    assert_eq!(list[0], entry(0), "the first record stays");
    assert_eq!(list[OUTBOX_CAP - 1], entry(OUTBOX_CAP), "the newest record stays");
    assert_eq!(push_bounded(&mut list, entry(OUTBOX_CAP + 1)), vec![entry(2)]);
}

#[test]
fn an_over_full_outbox_read_back_is_cut_down_to_the_cap_in_one_go() {
    // An outbox written by an older widget with a larger cap.
    let mut list: Vec<_> = (0..OUTBOX_CAP + 5).map(entry).collect();
    let dropped = push_bounded(&mut list, entry(OUTBOX_CAP + 5));
    assert_eq!(dropped, (1..=6).map(entry).collect::<Vec<_>>());
    assert_eq!(list.len(), OUTBOX_CAP);
    assert_eq!(list[0], entry(0));
    assert_eq!(list.last(), Some(&entry(OUTBOX_CAP + 5)));
}

#[test]
fn copies_are_the_same_consent_id_and_update_time() {
    let a = record(1);
    let mut other_action = a.clone();
    other_action.url_path = "/elsewhere".into();
    assert!(same_record(&a, &other_action));
    assert!(!same_record(&a, &record(2)));
    let mut other_id = a.clone();
    other_id.consent_id = "1f8fad5b-d9cb-469f-a165-70867728950e".into();
    assert!(!same_record(&a, &other_id));
    let mut list = vec![Entry { endpoint: None, record: a }];
    assert!(push_bounded(&mut list, Entry { endpoint: None, record: other_action }).is_empty());
    assert_eq!(list.len(), 1, "the copy already queued is kept, not the new one");
    assert_eq!(list[0].record.url_path, "/");
}

/// The outbox is shared by every page of the origin: an entry remembers the endpoint it was made
/// for, and a page delivers only those (and an older outbox's bare records, as before).
#[test]
fn an_entry_is_delivered_only_by_a_page_posting_to_its_endpoint() {
    assert!(entry(1).for_endpoint(ENDPOINT));
    assert!(!entry(1).for_endpoint("https://shop.example/other/consent"));
    assert!(!entry(1).for_endpoint("https://log.example/api/consent"));
    let legacy = Entry { endpoint: None, record: record(1) };
    assert!(legacy.for_endpoint(ENDPOINT) && legacy.for_endpoint("https://log.example/api/consent"));
}

#[test]
fn entries_read_back_as_written_and_an_older_outbox_still_reads() {
    let written = entry(3).to_value().to_json();
    assert!(written.starts_with(r#"{"endpoint":"https://shop.example/api/consent","record":{"schema":1,"#), "{written}");
    let value: crumb_core::json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(from_value::<Entry>(value).unwrap(), entry(3));
    // What an older widget stored: a list of bare records.
    let old = format!("[{}]", record(4).to_value().to_json());
    let value: crumb_core::json::Value = serde_json::from_str(&old).unwrap();
    assert_eq!(from_value::<Vec<Entry>>(value).unwrap(), vec![Entry { endpoint: None, record: record(4) }]);
    // A wrapped entry is read strictly: an unknown member or a broken record is an error.
    for bad in [
        r#"{"endpoint":"/a","record":{},"extra":1}"#.to_owned(),
        r#"{"endpoint":"/a","record":{"schema":1}}"#.to_owned(),
        format!(r#"{{"endpoint":7,"record":{}}}"#, record(1).to_value().to_json()),
    ] {
        let value: crumb_core::json::Value = serde_json::from_str(&bad).unwrap();
        assert!(from_value::<Entry>(value).is_err(), "{bad}");
    }
}

#[test]
fn entries_for_other_endpoints_wait_within_the_cap() {
    let mut list = Vec::new();
    for n in 0..OUTBOX_CAP {
        let other = Entry { endpoint: Some("https://shop.example/b2b/consent".to_owned()), record: record(n) };
        assert!(push_bounded(&mut list, other).is_empty());
    }
    let dropped = push_bounded(&mut list, entry(OUTBOX_CAP));
    assert_eq!(dropped.len(), 1, "the cap counts every page's entries");
    assert_eq!(list.len(), OUTBOX_CAP);
    assert_eq!(list.iter().filter(|e| e.for_endpoint(ENDPOINT)).count(), 1);
}

#[test]
fn statuses_deliver_refuse_or_retry() {
    assert_eq!(delivery(None), Delivery::Retry, "network error");
    for ok in [200, 201, 202, 204, 299] {
        assert_eq!(delivery(Some(ok)), Delivery::Delivered, "{ok}");
    }
    for later in [408, 425, 429, 500, 502, 503, 504, 599] {
        assert_eq!(delivery(Some(later)), Delivery::Retry, "{later}");
    }
    for refused in [400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 499] {
        assert_eq!(delivery(Some(refused)), Delivery::Refused(refused), "{refused}");
    }
    // Not understood: kept and retried rather than lost.
    for odd in [0, 100, 101, 199, 300, 301, 304, 308, 399, 600, 999] {
        assert_eq!(delivery(Some(odd)), Delivery::Retry, "{odd}");
    }
}

#[test]
fn retries_wait_two_seconds_then_double_up_to_a_minute() {
    let mut backoff = Backoff::new();
    let waits: Vec<i32> = (0..8).map(|_| backoff.next_delay()).collect();
    assert_eq!(waits, [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    backoff.reset();
    assert_eq!(backoff.next_delay(), Backoff::FIRST_MS);
    assert_eq!(backoff.next_delay(), 4_000);
    assert_eq!(Backoff::default(), Backoff::new());
}

#[test]
fn an_endpoint_problem_names_the_endpoint_the_origin_and_the_likely_cause() {
    let (endpoint, origin) = ("https://log.example/api/consent", "https://shop.example");
    let cors = endpoint_problem(None, endpoint, origin, "shop");
    for part in [endpoint, origin, "no answer: origin not allowed?", "`--allow-origin shop=https://shop.example`", "stay in the outbox"] {
        assert!(cors.contains(part), "no {part:?} in {cors}");
    }
    let refused = endpoint_problem(Some(403), endpoint, origin, "shop");
    assert!(refused.contains("HTTP 403") && refused.contains("--allow-origin") && refused.contains("dropped"), "{refused}");
    assert!(endpoint_problem(Some(404), endpoint, origin, "shop").contains("no consent endpoint there"));
    let failed = endpoint_problem(Some(503), endpoint, origin, "shop");
    assert!(failed.contains("(HTTP 503): the server failed") && failed.contains("retried") && !failed.contains("--allow"), "{failed}");
    assert!(endpoint_problem(Some(429), endpoint, origin, "shop").contains("asks to wait"));
}
