//! The server through its router, against SQLite and PostgreSQL alike: records in and out,
//! validation, limits, content types, CORS, rate limit, reads behind the admin token, export,
//! admin page, retention; and the static files.

mod common;

use std::io::Read;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use crumb_server::{app, precompress, AllowedOrigin, AppState, IpMode, Settings};
use serde_json::{json, Value};
use sha2::Digest;

use common::*;

both_backends! {
    async fn a_record_is_stored_once(backend) {
        let s = server(backend).await;
        let first = post_json(&s.app, &valid_record()).await;
        assert_eq!(first.status, StatusCode::CREATED);
        assert_eq!(first.json(), json!({"stored": true}));

        let again = post_json(&s.app, &valid_record()).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json(), json!({"stored": false}));

        // The same instant written without milliseconds is the same decision.
        let mut same_instant = valid_record();
        same_instant["given_at"] = json!("2026-11-22T05:06:43Z");
        same_instant["updated_at"] = json!("2026-11-22T05:06:43.000Z");
        assert_eq!(post_json(&s.app, &same_instant).await.status, StatusCode::CREATED);
        same_instant["updated_at"] = json!("2026-11-22T05:06:43Z");
        assert_eq!(post_json(&s.app, &same_instant).await.json(), json!({"stored": false}));

        assert_eq!(s.count().await, 2);
        let state = s.state.clone();
        let history = tokio::task::spawn_blocking(move || state.records_for(ID)).await.unwrap().expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(serde_json::to_value(&history[0]).expect("json"), valid_record(), "the first received comes first");
    }

    async fn concurrent_copies_are_stored_once(backend) {
        let s = server_with(backend, Settings { rate_limit_per_minute: 0, ..Settings::default() }).await;
        // 50 distinct records, each posted 4 times at once (a retry racing a beacon, two tabs).
        let mut tasks = Vec::new();
        for copy in 0..4 {
            for n in 0..50 {
                let app = s.app.clone();
                tasks.push(tokio::spawn(async move {
                    let id = format!("{n:08}-0000-4000-8000-000000000000");
                    let _ = copy;
                    post_json(&app, &record(&id, "2026-11-20T10:00:00.000Z", "custom", n % 2 == 0, false)).await.status
                }));
            }
        }
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap() {
                StatusCode::CREATED => created += 1,
                StatusCode::OK => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(created, 50, "exactly one 201 per record");
        assert_eq!(s.count().await, 50);
    }

    async fn sendbeacon_text_plain_is_accepted(backend) {
        let s = server(backend).await;
        let reply = post(&s.app, "text/plain;charset=UTF-8", valid_record().to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        assert_eq!(s.count().await, 1);
        let reply = post(&s.app, "application/json; charset=utf-8", valid_record().to_string()).await;
        assert_eq!(reply.json(), json!({"stored": false}));
    }

    async fn other_content_types_are_415(backend) {
        let s = server(backend).await;
        let reply = post(&s.app, "application/xml", valid_record().to_string()).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(reply.error().contains("Content-Type"));
        let request =
            Request::post("/api/consent").header(header::ORIGIN, ORIGIN).body(Body::from(valid_record().to_string())).expect("request");
        assert_eq!(send(&s.app, request).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(s.count().await, 0);
    }

    async fn invalid_records_are_400_naming_the_field(backend) {
        let s = server(backend).await;
        let mut cases: Vec<(Value, &str)> = Vec::new();
        let mut edit = |field: &'static str, change: &dyn Fn(&mut Value)| {
            let mut record = valid_record();
            change(&mut record);
            cases.push((record, field));
        };
        edit("schema", &|r| r["schema"] = json!(2));
        edit("consent_id", &|r| r["consent_id"] = json!("short"));
        edit("consent_id", &|r| r["consent_id"] = json!("0f8fad5b'; DROP TABLE consent_records; --"));
        edit("ip", &|r| r["ip"] = json!("203.0.113.7"));
        edit("updated_at", &|r| r["updated_at"] = json!("2099-01-01T00:00:00.000Z"));
        edit("updated_at", &|r| r["updated_at"] = json!("yesterday"));
        edit("given_at", &|r| r["given_at"] = json!("2019-12-31T23:59:59.000Z"));
        edit("given_at", &|r| r["given_at"] = json!("2026-11-22T06:00:00.000Z"));
        edit("action", &|r| r["action"] = json!("accept_some"));
        edit("categories", &|r| r["categories"] = json!({"Analytics!": true}));
        edit("categories", &|r| r["categories"] = json!({}));
        edit("categories", &|r| r["categories"] = json!({"necessary": "yes"}));
        edit("services", &|r| r["services"] = json!({"a b": true}));
        edit("language", &|r| r["language"] = json!("english (UK)"));
        edit("url_path", &|r| r["url_path"] = json!("https://elsewhere.example/"));
        edit("url_path", &|r| r["url_path"] = json!(format!("/{}", "a".repeat(600))));
        edit("revision", &|r| r["revision"] = json!(-1));
        edit("gpc", &|r| r["gpc"] = json!("no"));
        edit("site", &|r| r["site"] = json!("shop<script>"));
        edit("site", &|r| {
            r.as_object_mut().expect("object").remove("site");
        });
        for (record, field) in cases {
            let reply = post_json(&s.app, &record).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{record}");
            let error = reply.error();
            assert!(error.contains(field), "error for `{field}` does not name it: {error}");
        }
        for body in ["", "not json", "[]", "null", "{\"schema\": 1}", &format!("{} {{}}", valid_record())] {
            let reply = post(&s.app, "application/json", body.to_owned()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
            assert!(!reply.error().is_empty());
        }
        assert_eq!(s.count().await, 0);
    }

    async fn bodies_over_16_kb_are_413(backend) {
        let s = server(backend).await;
        let mut record = valid_record();
        record["url_path"] = json!(format!("/{}", "a".repeat(17 * 1024)));
        let reply = post_json(&s.app, &record).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(!reply.error().is_empty());
        assert_eq!(s.count().await, 0);
    }

    async fn history_is_in_received_order_with_receipt_time_and_link(backend) {
        let s = server(backend).await;
        let mut later = valid_record();
        later["action"] = json!("withdraw");
        later["categories"] = json!({"necessary": true, "analytics": false});
        later["updated_at"] = json!("2026-11-22T06:00:00.000Z");
        let mut other = valid_record();
        other["consent_id"] = json!("11111111-2222-3333-4444-555555555555");
        // Posted out of `updated_at` order: the history follows the server's receipt, not the
        // times the sender chose.
        for record in [&later, &other, &valid_record()] {
            assert_eq!(post_json(&s.app, record).await.status, StatusCode::CREATED);
        }
        let reply = get_auth(&s.app, &format!("/api/consent/{ID}"), &bearer()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header(header::CACHE_CONTROL), Some("no-store"));
        let history = reply.json();
        let history = history.as_array().expect("an array");
        assert_eq!(history.len(), 2);
        for (n, (entry, sent)) in history.iter().zip([later, valid_record()]).enumerate() {
            let mut entry = entry.clone();
            let fields = entry.as_object_mut().unwrap();
            let received = fields.remove("received_at").expect("received_at added by the server");
            let seq = fields.remove("chain_seq").expect("the record's place in the site's chain");
            assert_eq!(seq, json!([1, 3][n]), "seq 2 is the other consent id's");
            assert!(fields.remove("prev_hash").is_some() && fields.remove("hash").is_some());
            assert!(crumb_core::time::parse_rfc3339(received.as_str().unwrap()).is_some(), "{received}");
            assert_eq!(entry.get("client_ip"), None, "no IP is kept by default");
            assert_eq!(entry, sent);
        }
        assert_eq!(s.count().await, 3);
    }

    async fn unknown_id_is_404(backend) {
        let s = server(backend).await;
        post_json(&s.app, &valid_record()).await;
        let reply = get_auth(&s.app, "/api/consent/99999999-2222-3333-4444-555555555555", &bearer()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(!reply.error().is_empty());
        assert_eq!(get_auth(&s.app, "/api/consent/bad%20id", &bearer()).await.status, StatusCode::BAD_REQUEST);
    }

    async fn reads_refuse_without_the_right_token(backend) {
        let s = server(backend).await;
        post_json(&s.app, &valid_record()).await;
        let reads = [format!("/api/consent/{ID}"), "/api/export?site=crumb-demo".to_owned(), "/admin".to_owned()];
        let wrong_basic = format!("Basic {}", base64(&format!("admin:{TOKEN}x")));
        let right_basic = format!("Basic {}", base64(&format!("anyone:{TOKEN}")));
        for uri in &reads {
            let reply = get(&s.app, uri, None).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri} without a token");
            assert!(reply.header(header::WWW_AUTHENTICATE).is_some_and(|v| v.starts_with("Basic")));
            assert!(reply.error().contains("admin token"), "{}", reply.error());
            for wrong in ["Bearer nope", "Bearer test-admin-token-012345678", &format!("Bearer {TOKEN}0"), &wrong_basic, "Basic ###", "Digest x"] {
                let reply = get_auth(&s.app, uri, wrong).await;
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri} with `{wrong}`");
                assert!(!reply.text().contains("necessary"), "no data leaks in a refusal");
            }
            assert_eq!(get_auth(&s.app, uri, &bearer()).await.status, StatusCode::OK, "{uri} with the token");
            assert_eq!(get_auth(&s.app, uri, &right_basic).await.status, StatusCode::OK, "{uri} with Basic");
        }
        // A server started without a token refuses every read, whatever is sent.
        let open = server_with(backend, Settings::default()).await;
        post_json(&open.app, &valid_record()).await;
        for uri in &reads {
            let reply = get_auth(&open.app, uri, &bearer()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri}");
            assert!(reply.error().contains("--admin-token"), "{}", reply.error());
        }
    }

    async fn export_streams_a_site_and_range_as_csv_and_json_lines(backend) {
        let s = server(backend).await;
        let inside = [
            record("aaaaaaaa-0000-4000-8000-000000000001", "2026-11-01T00:00:00.000Z", "accept_all", true, true),
            record("aaaaaaaa-0000-4000-8000-000000000002", "2026-11-15T12:30:00.000Z", "custom", true, false),
            record("aaaaaaaa-0000-4000-8000-000000000001", "2026-11-20T23:59:59.999Z", "withdraw", false, false),
        ];
        let mut outside = vec![
            record("aaaaaaaa-0000-4000-8000-000000000003", "2026-10-31T23:59:59.999Z", "reject_all", false, false),
            record("aaaaaaaa-0000-4000-8000-000000000004", "2026-11-21T00:00:00.000Z", "reject_all", false, false),
        ];
        let mut other_site = record("aaaaaaaa-0000-4000-8000-000000000005", "2026-11-10T00:00:00.000Z", "accept_all", true, true);
        other_site["site"] = json!("other-shop");
        outside.push(other_site);
        let mut tricky = record("aaaaaaaa-0000-4000-8000-000000000006", "2026-11-16T00:00:00.000Z", "custom", false, true);
        tricky["url_path"] = json!("/search?q=\"a,b\"");
        for r in inside.iter().chain(&outside).chain([&tricky]) {
            assert_eq!(post_json(&s.app, r).await.status, StatusCode::CREATED);
        }
        let reply = get_auth(&s.app, "/api/export?site=crumb-demo&from=2026-11-01&to=2026-11-20&format=jsonl", &bearer()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/x-ndjson"));
        let lines: Vec<Value> = reply.text().lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        assert_eq!(lines.len(), 4);
        let times: Vec<&str> = lines.iter().map(|l| l["updated_at"].as_str().unwrap()).collect();
        assert_eq!(times, ["2026-11-01T00:00:00.000Z", "2026-11-15T12:30:00.000Z", "2026-11-16T00:00:00.000Z", "2026-11-20T23:59:59.999Z"]);
        assert!(lines.iter().all(|l| l["received_at"].is_string() && l["site"] == "crumb-demo"));
        // Each line carries its link in the site's chain; the first record posted is seq 1.
        assert_eq!(lines[0]["chain_seq"], json!(1));
        assert_eq!(lines[0]["prev_hash"], json!(crumb_server::GENESIS));
        assert!(lines.iter().all(|l| l["hash"].as_str().is_some_and(|h| h.len() == 64) && l["chain_seq"].is_i64()));

        let reply = get_auth(&s.app, "/api/export?site=crumb-demo&from=2026-11-01&to=2026-11-20&format=csv", &bearer()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header(header::CONTENT_TYPE), Some("text/csv; charset=utf-8"));
        let text = reply.text();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(
            rows[0],
            "consent_id,site,revision,action,updated_at,given_at,received_at,language,gpc,url_path,categories,services,client_ip,chain_seq,prev_hash,hash"
        );
        assert_eq!(rows.len(), 5);
        assert!(rows[1].ends_with(&format!(",1,{},{}", crumb_server::GENESIS, lines[0]["hash"].as_str().unwrap())), "{}", rows[1]);
        assert!(rows[1].starts_with("aaaaaaaa-0000-4000-8000-000000000001,crumb-demo,1,accept_all,2026-11-01T00:00:00.000Z,"), "{}", rows[1]);
        assert!(rows[1].contains(",\"analytics=yes;marketing=yes;necessary=yes\","), "quoted: `;` splits cells in some spreadsheets: {}", rows[1]);
        assert!(rows[3].contains(",\"/search?q=\"\"a,b\"\"\","), "quoted per RFC 4180: {}", rows[3]);

        // Large exports arrive whole (several streamed chunks).
        for n in 0..300 {
            let r = record(&format!("bbbbbbbb-0000-4000-8000-{n:012}"), "2026-11-05T08:00:00.000Z", "accept_all", true, true);
            post_json(&s.app, &r).await;
        }
        let reply = get_auth(&s.app, "/api/export?site=crumb-demo&from=2026-11-05&to=2026-11-05&format=jsonl", &bearer()).await;
        assert_eq!(reply.text().lines().count(), 300);
        assert!(reply.body.len() > 3 * 16_384, "spans several chunks");

        // The last day there is: compared as a date, not as text (`10000-01-01` < `2026-…`).
        let reply = get_auth(&s.app, "/api/export?site=crumb-demo&from=2026-11-01&to=9999-12-31&format=jsonl", &bearer()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.text().lines().count(), 305, "every crumb-demo record from November on: 4, the one of the 21st, 300");

        for bad in ["/api/export", "/api/export?site=a%20b", "/api/export?site=crumb-demo&from=2026-13-01", "/api/export?site=crumb-demo&from=2026-11-02&to=2026-11-01", "/api/export?site=crumb-demo&format=xml"] {
            let reply = get_auth(&s.app, bad, &bearer()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(!reply.error().is_empty());
        }
    }

    async fn admin_page_shows_split_rates_and_a_chart(backend) {
        let s = server(backend).await;
        let now = crumb_core::time::to_rfc3339(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64);
        let yesterday = crumb_core::time::to_rfc3339(crumb_core::time::parse_rfc3339(&now).unwrap() - crumb_core::time::DAY_MS);
        let decisions = [("accept_all", true, true, &now), ("accept_all", true, true, &yesterday), ("reject_all", false, false, &now), ("custom", true, false, &now)];
        for (n, (action, analytics, marketing, at)) in decisions.into_iter().enumerate() {
            let r = record(&format!("cccccccc-0000-4000-8000-{n:012}"), at, action, analytics, marketing);
            assert_eq!(post_json(&s.app, &r).await.status, StatusCode::CREATED);
        }
        let reply = get_auth(&s.app, "/admin", &bearer()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header(header::CONTENT_TYPE), Some("text/html; charset=utf-8"));
        let csp = reply.header(header::CONTENT_SECURITY_POLICY).expect("a CSP").to_owned();
        assert!(csp.starts_with("default-src 'none'; style-src 'sha256-"), "{csp}");
        assert!(!csp.contains("unsafe") && !csp.contains("script-src"), "{csp}");
        let html = reply.text();
        assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"), "no script, nothing external");
        assert!(!html.contains(" style=\"") && !html.contains(" onclick"), "no inline style attributes nor handlers");
        assert!(html.contains("<svg") && html.contains("<rect"), "a chart");
        // The one <style> block is exactly what the CSP's hash allows, so browsers apply it.
        let style = html.split("<style>").nth(1).and_then(|rest| rest.split("</style>").next()).expect("a style block");
        let digest = sha2::Sha256::digest(style.as_bytes());
        assert!(csp.contains(&format!("'sha256-{}'", base64_bytes(&digest))), "{csp}");
        assert_eq!(html.matches("<style").count(), 1);
        assert!(html.contains("4 decisions on crumb-demo"), "{html}");
        assert!(html.contains("accept all</td><td>2</td><td>50.0 %"), "{html}");
        assert!(html.contains("reject all</td><td>1</td><td>25.0 %"), "{html}");
        assert!(html.contains("<td>analytics</td><td>3</td><td>4</td><td>75.0 %</td>"), "{html}");
        assert!(html.contains("<td>marketing</td><td>2</td><td>4</td><td>50.0 %</td>"), "{html}");
        // Two days: two stacks; today has three decisions in three colours.
        assert_eq!(html.matches("<rect x=").count(), 4, "{html}");
        assert_eq!(get_auth(&s.app, "/admin?site=%3Cb%3E", &bearer()).await.status, StatusCode::BAD_REQUEST);
    }

    async fn retention_deletes_records_older_than_n_months(backend) {
        let s = server_with(backend, Settings { retention_months: Some(6), admin_token: Some(TOKEN.to_owned()), ..Settings::default() }).await;
        // (consent id, updated_at by the browser's clock, received_at by the server's clock)
        let rows = [
            // Received before the cutoff (2026-05-22), and long out of force: goes.
            ("dddddddd-0000-4000-8000-000000000000", "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:01.000Z"),
            ("dddddddd-0000-4000-8000-000000000001", "2025-06-01T00:00:00.000Z", "2026-05-21T23:59:59.999Z"),
            // Received exactly 6 months ago: kept.
            ("dddddddd-0000-4000-8000-000000000002", "2026-05-22T00:00:00.000Z", "2026-05-22T00:00:00.000Z"),
            // A browser whose clock is years behind: updated "in 2020", received last week. Kept
            // (retention by updated_at deleted it).
            ("dddddddd-0000-4000-8000-000000000003", "2020-01-01T00:00:00.000Z", "2026-11-15T00:00:00.000Z"),
            // Received 8 months ago and still in force (updated within 395 days): the only proof
            // of a consent a browser still acts on. Kept.
            ("dddddddd-0000-4000-8000-000000000004", "2026-03-01T00:00:00.000Z", "2026-03-01T00:00:00.500Z"),
            // The same consent id decided twice before the cutoff: the older decision goes, the
            // newer one (in force) stays.
            ("dddddddd-0000-4000-8000-000000000005", "2026-02-01T00:00:00.000Z", "2026-02-01T00:00:00.100Z"),
            ("dddddddd-0000-4000-8000-000000000005", "2026-04-01T00:00:00.000Z", "2026-04-01T00:00:00.100Z"),
        ];
        let database = s.state.database().clone();
        tokio::task::spawn_blocking(move || {
            for (id, updated_at, received_at) in rows {
                let record: crumb_core::ConsentRecord = serde_json::from_value(record(id, updated_at, "accept_all", true, true)).unwrap();
                assert!(database.insert(&record, received_at, None).unwrap());
            }
        })
        .await
        .unwrap();
        let now = crumb_core::time::parse_rfc3339("2026-11-22T00:00:00.000Z").unwrap();
        let state = s.state.clone();
        let deleted = tokio::task::spawn_blocking(move || state.apply_retention(now)).await.unwrap().expect("retention");
        assert_eq!(deleted, 3);
        assert_eq!(s.count().await, 4);
        for kept in ["dddddddd-0000-4000-8000-000000000002", "dddddddd-0000-4000-8000-000000000003", "dddddddd-0000-4000-8000-000000000004"] {
            assert_eq!(get_auth(&s.app, &format!("/api/consent/{kept}"), &bearer()).await.status, StatusCode::OK, "{kept} is kept");
        }
        let newest = get_auth(&s.app, "/api/consent/dddddddd-0000-4000-8000-000000000005", &bearer()).await.json();
        assert_eq!(newest.as_array().map(Vec::len), Some(1));
        assert_eq!(newest[0]["updated_at"], "2026-04-01T00:00:00.000Z");
        // The chain still verifies: checked from where retention's deletions ended.
        let database = s.state.database().clone();
        let verdicts = tokio::task::spawn_blocking(move || database.verify_chain(None, &[])).await.unwrap().unwrap();
        assert_eq!(verdicts.len(), 1);
        assert!(verdicts[0].broken.is_none(), "{}", verdicts[0]);
        assert_eq!(verdicts[0].pruned_seq, 6, "the last record deleted was the 6th chained");
        assert_eq!(verdicts[0].kept_before_pruned, 3, "seq 3, 4 and 5 kept: recent, or in force");
        // Once out of force, a later run deletes them (seq 4, 5 and 7), and the chain still holds.
        let later = crumb_core::time::parse_rfc3339("2027-06-01T00:00:00.000Z").unwrap();
        let state = s.state.clone();
        assert_eq!(tokio::task::spawn_blocking(move || state.apply_retention(later)).await.unwrap().unwrap(), 3);
        let database = s.state.database().clone();
        let verdicts = tokio::task::spawn_blocking(move || database.verify_chain(None, &[])).await.unwrap().unwrap();
        assert!(verdicts[0].broken.is_none(), "{}", verdicts[0]);
        // Without the setting nothing goes.
        let keep = server(backend).await;
        post_json(&keep.app, &record("eeeeeeee-0000-4000-8000-000000000000", "2020-01-01T00:00:00.000Z", "accept_all", true, true)).await;
        let state = keep.state.clone();
        assert_eq!(tokio::task::spawn_blocking(move || state.apply_retention(now)).await.unwrap().unwrap(), 0);
        assert_eq!(keep.count().await, 1);
    }

    async fn cors_allows_listed_origins_per_site_only(backend) {
        let settings = Settings {
            allowed_origins: vec![AllowedOrigin { site: "crumb-demo".into(), origin: "https://shop.example".into() }],
            ..Settings::default()
        };
        let s = server_with(backend, settings).await;
        let post_with = |origin: &'static str, host: &'static str, record: Value| {
            let app = s.app.clone();
            async move {
                let request = Request::post("/api/consent")
                    .header(header::CONTENT_TYPE, "text/plain")
                    .header(header::ORIGIN, origin)
                    .header(header::HOST, host)
                    .body(Body::from(record.to_string()))
                    .unwrap();
                send(&app, request).await
            }
        };
        let reply = post_with("https://evil.example", "consent.example", valid_record()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(reply.error().contains("https://evil.example"), "{}", reply.error());
        assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
        let mut other_site = valid_record();
        other_site["site"] = json!("other-shop");
        let reply = post_with("https://shop.example", "consent.example", other_site).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "listed for crumb-demo only");
        assert_eq!(s.count().await, 0);

        let reply = post_with("https://shop.example", "consent.example", valid_record()).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("https://shop.example"));
        let mut second = valid_record();
        second["updated_at"] = json!("2026-11-22T05:07:00.000Z");
        let reply = post_with("http://consent.example", "consent.example", second.clone()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "the server's own origin (or a Host naming it) is no pass");
        let no_origin = Request::post("/api/consent")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(second.to_string()))
            .unwrap();
        let reply = send(&s.app, no_origin).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "no Origin: not a shopper's page");
        assert!(reply.error().contains("Origin"), "{}", reply.error());
        assert_eq!(s.count().await, 1);

        let preflight = |origin: &'static str| {
            let app = s.app.clone();
            async move {
                let request = Request::options("/api/consent")
                    .header(header::ORIGIN, origin)
                    .header(header::HOST, "consent.example")
                    .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                    .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
                    .body(Body::empty())
                    .unwrap();
                send(&app, request).await
            }
        };
        let reply = preflight("https://shop.example").await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("https://shop.example"));
        assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_HEADERS), Some("content-type"));
        let reply = preflight("https://evil.example").await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
        assert_eq!(s.count().await, 1);
    }

    async fn records_for_undeclared_sites_are_refused_and_never_reach_admin(backend) {
        // Traffic cannot create sites: an attacker posting for new site names (to fill /admin's
        // list, or to choose the site it shows first) gets 403 and leaves nothing.
        let s = server(backend).await;
        for site in ["aaa-first", "zzz", "crumb-demo2"] {
            let mut record = valid_record();
            record["site"] = json!(site);
            let reply = post_json(&s.app, &record).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{site}");
            assert!(reply.error().contains(&format!("site `{site}` is not declared")), "{}", reply.error());
        }
        assert_eq!(s.count().await, 0);
        assert_eq!(post_json(&s.app, &valid_record()).await.status, StatusCode::CREATED);
        let page = get_auth(&s.app, "/admin", &bearer()).await.text();
        assert!(!page.contains("aaa-first") && !page.contains("zzz"), "no undeclared site on /admin");
        assert!(page.contains("crumb-demo"), "the first declared site is shown");
    }

    async fn junk_category_names_do_not_crowd_the_admin_rates(backend) {
        // Any client can post records naming 200 made-up categories for a declared site.
        let s = server(backend).await;
        for n in 0..5 {
            let mut junk = record(&format!("0f8fad5b-d9cb-469f-a165-{n:012}"), "2026-11-22T05:06:43.123Z", "accept_all", true, true);
            let names: serde_json::Map<String, Value> = (0..200).map(|k| (format!("junk{n}x{k}"), json!(true))).collect();
            junk["categories"] = Value::Object(names);
            assert_eq!(post_json(&s.app, &junk).await.status, StatusCode::CREATED);
        }
        for n in 0..3 {
            let real = record(&format!("1f8fad5b-d9cb-469f-a165-{n:012}"), "2026-11-22T05:06:43.123Z", "custom", n == 0, false);
            assert_eq!(post_json(&s.app, &real).await.status, StatusCode::CREATED);
        }
        let page = get_auth(&s.app, "/admin?site=crumb-demo&from=2026-11-01&to=2026-11-30", &bearer()).await.text();
        let rows = page.split("<h2>Consent rate per category</h2>").nth(1).unwrap_or_default().matches("<tr><td>").count();
        assert!(rows <= 40, "{rows} category rows");
        for real in ["necessary", "analytics", "marketing"] {
            assert!(page.contains(&format!("<tr><td>{real}</td>")), "{real} is crowded out");
        }
        assert!(page.contains("963 more category names"), "the hidden ones are counted");
    }

    async fn admin_rollups_follow_every_insert_duplicate_and_deletion(backend) {
        // /admin reads per-day rollups kept by triggers; they must always equal what the records say.
        let s = server(backend).await;
        let actions = ["accept_all", "reject_all", "custom", "withdraw", "adopted"];
        for n in 0..40u32 {
            let day = 10 + n % 7;
            let at = format!("2026-11-{day:02}T{:02}:00:00.000Z", n % 24);
            let id = format!("2f8fad5b-d9cb-469f-a165-{n:012}");
            let mut r = record(&id, &at, actions[n as usize % 5], n % 3 == 0, n % 4 == 0);
            // Version 0 stands for a config written by hand: no `config_version` in the record.
            if n % 3 > 0 {
                r["config_version"] = json!(n % 3);
            }
            assert_eq!(post_json(&s.app, &r).await.status, StatusCode::CREATED);
            assert_eq!(post_json(&s.app, &r).await.status, StatusCode::OK, "a duplicate changes nothing");
        }
        let database = s.state.database().clone();
        let expected = |database: &crumb_server::Database| {
            let query = crumb_server::RangeQuery {
                site: "crumb-demo".into(),
                from: "2026-11-01T00:00:00.000Z".into(),
                to: "2026-12-01T00:00:00.000Z".into(),
            };
            let mut days = std::collections::BTreeMap::new();
            let mut categories = std::collections::BTreeMap::new();
            let mut versions = std::collections::BTreeMap::new();
            let mut version_categories = std::collections::BTreeMap::new();
            database
                .export(&query, &mut |stored| {
                    let version = i64::from(stored.record.config_version.unwrap_or(0));
                    *versions.entry((version, stored.record.action.as_str().to_owned())).or_insert(0i64) += 1;
                    for (category, granted) in &stored.record.categories {
                        let entry = version_categories.entry((version, category.clone())).or_insert((0i64, 0i64));
                        entry.0 += i64::from(*granted);
                        entry.1 += 1;
                    }
                    *days.entry((stored.record.updated_at[..10].to_owned(), stored.record.action.as_str().to_owned())).or_insert(0i64) += 1;
                    for (category, granted) in &stored.record.categories {
                        let entry = categories.entry(category.clone()).or_insert((0i64, 0i64));
                        entry.0 += i64::from(*granted);
                        entry.1 += 1;
                    }
                    true
                })
                .expect("export");
            let (rolled_days, rolled_categories) = database.day_stats(&query).expect("rollups");
            let rolled_days: std::collections::BTreeMap<_, _> = rolled_days.into_iter().map(|(d, a, n)| ((d, a), n)).collect();
            let rolled_categories: std::collections::BTreeMap<_, _> =
                rolled_categories.into_iter().map(|(c, g, n)| (c, (g, n))).collect();
            let (rolled_versions, rolled_version_categories) = database.version_stats("crumb-demo").expect("version rollups");
            let rolled_versions: std::collections::BTreeMap<_, _> = rolled_versions.into_iter().map(|(v, a, n)| ((v, a), n)).collect();
            let rolled_version_categories: std::collections::BTreeMap<_, _> =
                rolled_version_categories.into_iter().map(|(v, c, g, n)| ((v, c), (g, n))).collect();
            assert_eq!(rolled_versions, versions, "per config version");
            assert_eq!(rolled_version_categories, version_categories, "per config version and category");
            (days, categories, rolled_days, rolled_categories)
        };
        let check = |database: std::sync::Arc<crumb_server::Database>| async move {
            tokio::task::spawn_blocking(move || {
                let (days, categories, rolled_days, rolled_categories) = expected(&database);
                assert_eq!(rolled_days, days);
                assert_eq!(rolled_categories, categories);
                days.values().sum::<i64>()
            })
            .await
            .expect("check")
        };
        assert_eq!(check(database.clone()).await, 40);
        let page = get_auth(&s.app, "/admin?site=crumb-demo&from=2026-11-01&to=2026-11-30", &bearer()).await.text();
        let table = page.split("Consent rates by config version").nth(1).unwrap_or_default();
        let versions: Vec<&str> = table.split("<tr><td>").skip(1).map(|row| row.split('<').next().unwrap_or_default()).collect();
        assert_eq!(versions, ["2", "1", "0"], "newest version first");
        // Deletion (retention: here every record older than its newest in force, by a cutoff far
        // ahead) subtracts.
        let deleting = database.clone();
        let deleted = tokio::task::spawn_blocking(move || deleting.prune("9999-12-31T00:00:00.000Z", "2026-11-13T00:00:00.000Z")).await.unwrap().expect("delete");
        assert!(deleted > 0);
        assert_eq!(check(database).await, 40 - deleted as i64);
    }

    async fn a_server_with_no_site_declared_refuses_every_record(backend) {
        let mut s = server(backend).await;
        let state = AppState::with_settings(s.state.database().clone(), s.dir.path(), Settings::default());
        s.app = app(state);
        let reply = post_json(&s.app, &valid_record()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(s.count().await, 0);
    }

    async fn a_wildcard_origin_takes_any_subdomain_only(backend) {
        let settings = Settings {
            allowed_origins: vec![AllowedOrigin { site: "crumb-demo".into(), origin: "https://*.shop.example".into() }],
            rate_limit_per_minute: 0,
            ..Settings::default()
        };
        let s = server_with(backend, settings).await;
        let post_from_origin = |origin: &'static str, n: u32| {
            let app = s.app.clone();
            async move {
                let mut record = valid_record();
                record["updated_at"] = json!(format!("2026-11-22T05:07:{n:02}.000Z"));
                let request = Request::post("/api/consent")
                    .header(header::CONTENT_TYPE, "text/plain")
                    .header(header::ORIGIN, origin)
                    .body(Body::from(record.to_string()))
                    .unwrap();
                send(&app, request).await.status
            }
        };
        for (n, origin) in ["https://www.shop.example", "https://a.b.shop.example"].into_iter().enumerate() {
            assert_eq!(post_from_origin(origin, n as u32).await, StatusCode::CREATED, "{origin}");
        }
        for (n, origin) in [
            "https://shop.example",
            "http://www.shop.example",
            "https://www.shop.example:8443",
            "https://evilshop.example",
            "https://www.shop.example.evil",
            "https://.shop.example",
            "https://a..shop.example",
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(post_from_origin(origin, 10 + n as u32).await, StatusCode::FORBIDDEN, "{origin}");
        }
        assert_eq!(s.count().await, 2);
    }

    async fn rate_limit_is_per_client_with_429(backend) {
        let s = server_with(backend, Settings { rate_limit_per_minute: 5, ..Settings::default() }).await;
        for n in 0..5 {
            let r = record(&format!("ffffffff-0000-4000-8000-{n:012}"), "2026-11-20T10:00:00.000Z", "accept_all", true, true);
            assert_eq!(post_from(&s.app, "198.51.100.7:40000", &r).await.status, StatusCode::CREATED);
        }
        let r = record("ffffffff-0000-4000-8000-999999999999", "2026-11-20T10:00:00.000Z", "accept_all", true, true);
        let reply = post_from(&s.app, "198.51.100.7:40001", &r).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(reply.header(header::RETRY_AFTER).is_some_and(|v| v.parse::<u64>().unwrap() >= 1));
        assert!(!reply.error().is_empty());
        assert_eq!(post_from(&s.app, "198.51.100.8:40000", &r).await.status, StatusCode::CREATED, "another client is not limited");
        assert_eq!(s.count().await, 6);
    }

    async fn ip_is_kept_only_truncated_and_only_when_asked(backend) {
        let token = Some(TOKEN.to_owned());
        let s = server_with(backend, Settings { store_ip: IpMode::Truncated, admin_token: token.clone(), ..Settings::default() }).await;
        post_from(&s.app, "203.0.113.77:5000", &valid_record()).await;
        let v6 = record("12345678-0000-4000-8000-000000000000", "2026-11-20T10:00:00.000Z", "accept_all", true, true);
        post_from(&s.app, "[2001:db8:abcd:12:1:2:3:4]:5000", &v6).await;
        let reply = get_auth(&s.app, &format!("/api/consent/{ID}"), &bearer()).await;
        assert_eq!(reply.json()[0]["client_ip"], "203.0.113.0");
        let reply = get_auth(&s.app, "/api/consent/12345678-0000-4000-8000-000000000000", &bearer()).await;
        assert_eq!(reply.json()[0]["client_ip"], "2001:db8:abcd::");

        let off = server_with(backend, Settings { admin_token: token, ..Settings::default() }).await;
        post_from(&off.app, "203.0.113.77:5000", &valid_record()).await;
        let reply = get_auth(&off.app, &format!("/api/consent/{ID}"), &bearer()).await;
        assert_eq!(reply.json()[0].get("client_ip"), None);
        let csv = get_auth(&off.app, "/api/export?site=crumb-demo&format=csv", &bearer()).await.text();
        assert!(!csv.contains("203.0.113"), "{csv}");
    }

    async fn demo_data_fills_the_admin_chart_once(backend) {
        let s = server(backend).await;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        let database = s.state.database().clone();
        let inserted = tokio::task::spawn_blocking(move || crumb_server::demo::seed(&database, now)).await.unwrap().expect("seed");
        assert!(inserted > 900, "{inserted}");
        assert_eq!(s.count().await, inserted);
        let database = s.state.database().clone();
        let again = tokio::task::spawn_blocking(move || crumb_server::demo::seed(&database, now)).await.unwrap().expect("seed");
        assert_eq!(again, 0, "a site with records is left alone");
        let html = get_auth(&s.app, "/admin", &bearer()).await.text();
        assert!(html.contains(&format!("{inserted} decisions on crumb-demo")), "{html}");
        assert!(html.matches("<rect x=").count() >= 60, "30 days of stacked bars");
    }

    async fn records_survive_reopening_the_database(backend) {
        let s = server(backend).await;
        assert_eq!(post_json(&s.app, &valid_record()).await.status, StatusCode::CREATED);
        let database = s.reopen_database().await;
        let settings = Settings { allowed_origins: test_sites(), ..Settings::default() };
        let reopened = app(AppState::with_settings(database, s.state.site_dir(), settings));
        assert_eq!(post_json(&reopened, &valid_record()).await.status, StatusCode::OK, "still there after a restart");
    }
}

#[tokio::test]
async fn health_is_ok() {
    let s = server(Backend::Sqlite).await;
    let reply = get(&s.app, "/api/health", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, b"ok");
}

fn base64(text: &str) -> String {
    base64_bytes(text.as_bytes())
}

fn base64_bytes(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn write_site(site: &Path) -> String {
    let script = "console.log('crumb');\n".repeat(200);
    std::fs::write(site.join("index.html"), "<!doctype html><title>shop</title>").expect("write");
    std::fs::write(site.join("app.js"), &script).expect("write");
    std::fs::write(site.join("app_bg.wasm"), [0u8, 97, 115, 109, 1, 0, 0, 0].repeat(100)).expect("write");
    std::fs::create_dir_all(site.join("i18n")).expect("dir");
    std::fs::write(site.join("i18n/en.json"), r#"{"title":"Cookies"}"#).expect("write");
    std::fs::write(site.join("logo.png"), [0x89, b'P', b'N', b'G']).expect("write");
    script
}

#[tokio::test]
async fn precompressed_files_are_served_when_accepted() {
    let s = server(Backend::Sqlite).await;
    let site = s.state.site_dir().to_owned();
    let script = write_site(&site);
    let report = precompress(&site).expect("precompress");
    assert_eq!((report.files, report.written), (4, 8));
    assert!(site.join("i18n/en.json.br").is_file() && site.join("app.js.gz").is_file());
    assert!(!site.join("logo.png.br").exists());
    assert_eq!(precompress(&site).expect("again").written, 0, "fresh files are not rewritten");

    let reply = get(&s.app, "/app.js", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::CONTENT_ENCODING), Some("br"));
    assert_eq!(reply.header(header::VARY), Some("accept-encoding"));
    assert!(reply.header(header::CONTENT_TYPE).is_some_and(|t| t.contains("javascript")));
    let mut decoded = String::new();
    brotli::Decompressor::new(&reply.body[..], 4096).read_to_string(&mut decoded).expect("brotli");
    assert_eq!(decoded, script);
    assert!(reply.body.len() < script.len() / 10);

    let reply = get(&s.app, "/app.js", Some("gzip")).await;
    assert_eq!(reply.header(header::CONTENT_ENCODING), Some("gzip"));
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&reply.body[..]).read_to_string(&mut decoded).expect("gzip");
    assert_eq!(decoded, script);

    let reply = get(&s.app, "/app.js", None).await;
    assert_eq!(reply.header(header::CONTENT_ENCODING), None);
    assert_eq!(reply.body, script.as_bytes());

    let reply = get(&s.app, "/app_bg.wasm", Some("br")).await;
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/wasm"));
    assert_eq!(reply.header(header::CONTENT_ENCODING), Some("br"));
}

#[tokio::test]
async fn documents_are_revalidated() {
    let s = server(Backend::Sqlite).await;
    let site = s.state.site_dir().to_owned();
    write_site(&site);
    let index = get(&s.app, "/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.header(header::CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html")));
    assert_eq!(index.header(header::CACHE_CONTROL), Some("no-cache"));
    assert_eq!(index.body, b"<!doctype html><title>shop</title>");
    let json = get(&s.app, "/i18n/en.json", None).await;
    assert_eq!(json.header(header::CACHE_CONTROL), Some("no-cache"));
    let script = get(&s.app, "/app.js", None).await;
    assert_eq!(script.header(header::CACHE_CONTROL), None);
    assert_eq!(get(&s.app, "/missing.js", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&s.app, "/../Cargo.toml", None).await.status, StatusCode::NOT_FOUND);
}
