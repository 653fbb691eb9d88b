//! Hosted configs (issue 13), through the router, against SQLite and PostgreSQL alike: publish and
//! serve (ETag, 304, CORS per site, Vary), drafts per caller, publishing from an old base (409,
//! the draft kept), two publishes at once, errors named by path (422), rollback, diff, import of
//! the demo shops' inline configs, the snippet's escaping, the draft size cap, the preview sink.
//!
//! Roles: today one `--admin-token` is caller `admin`, a publisher. The role tests are kept in
//! functions of their own (`roles_…`) so named tokens (viewer, editor) slot in beside them.

mod common;

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use crumb_server::database::ConfigDraft;
use crumb_server::{app, AllowedOrigin, AppState, Settings};
use serde_json::{json, Value};
use sha2::Digest;

use common::*;

const SITE: &str = "crumb-demo";

/// A valid config for [`SITE`]: necessary with one cookie, analytics with one service.
fn config() -> Value {
    json!({
        "site": SITE,
        "revision": 1,
        "policy_url": "/privacy",
        "categories": [
            {"id": "necessary", "required": true, "services": [
                {"id": "shop", "name": "Shop", "cookies": [
                    {"name": "session", "purpose": "Keeps your cart", "duration": "session", "party": "first"}
                ]}
            ]},
            {"id": "analytics", "services": [
                {"id": "stats", "name": "Stats", "cookies": [
                    {"name": "_stats", "purpose": "Counts visits", "duration": "1 year", "party": "first"}
                ]}
            ]}
        ]
    })
}

fn admin(method: Method, uri: &str, body: Option<&Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri).header(header::AUTHORIZATION, bearer());
    match body {
        Some(body) => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request")
}

async fn admin_get(app: &Router, uri: &str) -> Reply {
    send(app, admin(Method::GET, uri, None)).await
}

async fn save_draft(app: &Router, config: &Value, based_on: i64) -> Reply {
    send(app, admin(Method::PUT, &format!("/api/admin/sites/{SITE}/draft"), Some(&json!({"config": config, "based_on": based_on})))).await
}

async fn publish(app: &Router, based_on: i64, note: &str) -> Reply {
    send(app, admin(Method::POST, &format!("/api/admin/sites/{SITE}/publish"), Some(&json!({"based_on": based_on, "note": note})))).await
}

/// Saves `config` as the draft and publishes it; returns the publish answer (201 expected).
async fn save_and_publish(app: &Router, config: &Value, based_on: i64) -> Value {
    let saved = save_draft(app, config, based_on).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let published = publish(app, based_on, "test").await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
    published.json()
}

async fn served(app: &Router, site: &str, origin: Option<&str>, if_none_match: Option<&str>) -> Reply {
    let mut request = Request::get(format!("/api/sites/{site}/config"));
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    send(app, request.body(Body::empty()).expect("request")).await
}

fn assert_no_store(reply: &Reply, what: &str) {
    assert_eq!(reply.header(header::CACHE_CONTROL), Some("no-store"), "{what}: {}", reply.text());
}

both_backends! {
    async fn a_published_config_is_served_with_etag_cache_and_cors(backend) {
        let mut settings = Settings { admin_token: Some(TOKEN.to_owned()), rate_limit_per_minute: 0, ..Settings::default() };
        settings.allowed_origins = vec![
            AllowedOrigin { site: SITE.into(), origin: ORIGIN.into() },
            AllowedOrigin { site: SITE.into(), origin: "https://*.shops.example".into() },
            AllowedOrigin { site: "other-shop".into(), origin: "https://other.example".into() },
        ];
        let s = server_with(backend, settings).await;

        // Nothing published yet; an undeclared site is not there at all.
        let none = served(&s.app, SITE, Some(ORIGIN), None).await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
        assert!(none.error().contains("no config is published"), "{}", none.text());
        assert_eq!(none.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(ORIGIN), "the site owner's page can read why");
        let undeclared = served(&s.app, "nobody", Some(ORIGIN), None).await;
        assert_eq!(undeclared.status, StatusCode::NOT_FOUND);
        assert!(undeclared.error().contains("not declared"), "{}", undeclared.text());
        assert_eq!(undeclared.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);

        let published = save_and_publish(&s.app, &config(), 0).await;
        assert_eq!(published["version"], 1);

        let reply = served(&s.app, SITE, Some(ORIGIN), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let body = reply.json();
        assert_eq!(body["config_version"], 1);
        assert_eq!(body["site"], SITE);
        assert_eq!(body["revision"], 1);
        assert_eq!(body["categories"], config()["categories"]);
        assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/json"));
        assert_eq!(reply.header(header::CACHE_CONTROL), Some("public, max-age=60, stale-while-revalidate=600"));
        assert_eq!(reply.header(header::VARY), Some("origin"));
        assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
        assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(ORIGIN));
        // The widget reads it as it reads an inline config.
        crumb_core::parse_config(&mut serde_json::Deserializer::from_slice(&reply.body)).expect("the served config is valid");

        let etag = reply.header(header::ETAG).expect("an ETag").to_owned();
        let digest = sha2::Sha256::digest(&reply.body);
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        assert_eq!(etag, format!("\"1-{hex}\""));

        // Revalidation: 304 with no body, same validators; a list and a weak tag match too.
        for tag in [etag.clone(), format!("\"0-x\", W/{etag}"), "*".to_owned()] {
            let again = served(&s.app, SITE, Some(ORIGIN), Some(&tag)).await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{tag}");
            assert!(again.body.is_empty());
            assert_eq!(again.header(header::ETAG), Some(etag.as_str()));
            assert_eq!(again.header(header::VARY), Some("origin"));
            assert_eq!(again.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(ORIGIN));
        }
        assert_eq!(served(&s.app, SITE, Some(ORIGIN), Some("\"1-0000000000000000\"")).await.status, StatusCode::OK);

        // CORS: a subdomain by the wildcard; not the bare domain, not another site's origin, not
        // a stranger; no Origin at all (a server fetching it) gets the body without CORS.
        let sub = served(&s.app, SITE, Some("https://eu.shops.example"), None).await;
        assert_eq!(sub.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("https://eu.shops.example"));
        for origin in ["https://shops.example", "https://other.example", "https://evil.example", "http://shop.example", "null"] {
            let reply = served(&s.app, SITE, Some(origin), None).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None, "{origin}");
            assert_eq!(reply.header(header::VARY), Some("origin"), "{origin}: a cache keys on Origin");
            assert_eq!(reply.body, sub.body, "same bytes for everyone");
        }
        let bare = served(&s.app, SITE, None, None).await;
        assert_eq!((bare.status, bare.header(header::ACCESS_CONTROL_ALLOW_ORIGIN)), (StatusCode::OK, None));

        // A new version: a new ETag, the new number.
        let mut changed = config();
        changed["policy_url"] = json!("/privacy-2");
        save_and_publish(&s.app, &changed, 1).await;
        let newer = served(&s.app, SITE, Some(ORIGIN), Some(&etag)).await;
        assert_eq!(newer.status, StatusCode::OK);
        assert_eq!(newer.json()["config_version"], 2);
        assert_eq!(newer.json()["policy_url"], "/privacy-2");
        assert!(newer.header(header::ETAG).is_some_and(|tag| tag.starts_with("\"2-")));
    }

    async fn the_admin_lists_sites_versions_and_one_version(backend) {
        let s = server(backend).await;
        let sites = admin_get(&s.app, "/api/admin/sites").await;
        assert_no_store(&sites, "sites");
        assert_eq!(sites.json(), json!([
            {"site": "crumb-demo", "version": null, "published_at": null},
            {"site": "other-shop", "version": null, "published_at": null},
            {"site": "-2-3", "version": null, "published_at": null},
        ]));
        save_and_publish(&s.app, &config(), 0).await;
        let mut changed = config();
        changed["policy_url"] = json!("/privacy-2");
        save_and_publish(&s.app, &changed, 1).await;

        let sites = admin_get(&s.app, "/api/admin/sites").await.json();
        assert_eq!(sites[0]["version"], 2);
        assert!(sites[0]["published_at"].is_string());
        assert_eq!(sites[1]["version"], Value::Null);

        let versions = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/versions")).await;
        assert_no_store(&versions, "versions");
        let versions = versions.json();
        assert_eq!(versions.as_array().map(Vec::len), Some(2));
        assert_eq!(versions[0]["version"], 2, "newest first");
        assert_eq!(versions[1]["version"], 1);
        assert_eq!(versions[0]["based_on"], 1);
        assert_eq!(versions[0]["published_by"], "admin");
        assert_eq!(versions[0]["note"], "test");
        assert_eq!(versions[0]["renewal"], false);

        let one = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/versions/1")).await;
        assert_no_store(&one, "one version");
        assert_eq!(one.json()["config"]["policy_url"], "/privacy");
        assert!(one.json()["config"].get("config_version").is_none(), "stored without config_version");
        for (uri, status) in [
            (format!("/api/admin/sites/{SITE}/versions/3"), StatusCode::NOT_FOUND),
            (format!("/api/admin/sites/{SITE}/versions/x"), StatusCode::BAD_REQUEST),
            ("/api/admin/sites/nobody/versions".to_owned(), StatusCode::NOT_FOUND),
            ("/api/admin/sites/nobody/draft".to_owned(), StatusCode::NOT_FOUND),
        ] {
            let reply = admin_get(&s.app, &uri).await;
            assert_eq!(reply.status, status, "{uri}");
            assert_no_store(&reply, &uri);
            assert!(!reply.error().is_empty());
        }
    }

    async fn a_draft_is_kept_per_caller_and_may_be_invalid(backend) {
        let s = server(backend).await;
        // Nothing saved, nothing published: a starter config, based on nothing.
        let starter = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/draft")).await;
        assert_eq!(starter.status, StatusCode::OK);
        assert_no_store(&starter, "draft");
        let starter = starter.json();
        assert_eq!(starter["based_on"], 0);
        assert_eq!(starter["updated_at"], Value::Null);
        assert_eq!(starter["config"]["site"], SITE);
        assert_eq!(starter["config"]["revision"], 1);
        let ids: Vec<&str> = starter["config"]["categories"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["necessary", "analytics", "marketing"]);
        assert_eq!(starter["errors"], json!([]), "the starter config is valid");
        assert_eq!(starter["assessment"], Value::Null);

        // Any JSON is kept as it was sent (members in order), errors listed by path.
        let broken_text = r#"{"site":"crumb-demo","revision":1,"zeta":1,"alpha":2.5,"categories":[{"id":"Bad Id"}]}"#;
        let broken: Value = serde_json::from_str(broken_text).unwrap();
        let saved = send(&s.app, Request::put(format!("/api/admin/sites/{SITE}/draft"))
            .header(header::AUTHORIZATION, bearer()).header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(r#"{{"config": {broken_text}, "based_on": 0}}"#))).unwrap()).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_no_store(&saved, "saved draft");
        assert!(saved.text().contains(broken_text), "order and numbers kept: {}", saved.text());
        let paths: Vec<String> = saved.json()["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect();
        assert!(paths.contains(&"zeta".to_owned()) && paths.contains(&"categories[0].id".to_owned()), "{paths:?}");
        let again = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/draft")).await.json();
        assert_eq!(again["config"], broken);
        assert!(again["updated_at"].is_string());
        // Not even an object: still kept.
        let odd = save_draft(&s.app, &json!(["not", "a", "config"]), 0).await;
        assert_eq!(odd.status, StatusCode::OK);
        assert_eq!(odd.json()["errors"][0]["path"], ".");
        // The body must be JSON with config and based_on.
        let bad = send(&s.app, Request::put(format!("/api/admin/sites/{SITE}/draft"))
            .header(header::AUTHORIZATION, bearer()).header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"config\": {")).unwrap()).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_no_store(&bad, "bad body");
        let form = send(&s.app, Request::put(format!("/api/admin/sites/{SITE}/draft"))
            .header(header::AUTHORIZATION, bearer()).header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(json!({"config": {}, "based_on": 0}).to_string())).unwrap()).await;
        assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "a cross-site form cannot send JSON");

        // One draft per (site, caller): another caller's draft is theirs alone.
        let state = s.state.clone();
        tokio::task::spawn_blocking(move || {
            let draft = |author: &str, comment: &str| ConfigDraft {
                site: SITE.into(), author: author.into(), config: json!({"comment": comment}).to_string(), based_on: 0,
                updated_at: "2026-12-01T00:00:00.000Z".into(),
            };
            state.database().save_config_draft(&draft("alice", "alice's")).unwrap();
            state.database().save_config_draft(&draft("bob", "bob's")).unwrap();
            state.database().save_config_draft(&draft("alice", "alice's second")).unwrap();
            assert_eq!(state.database().config_draft(SITE, "alice").unwrap().unwrap().config, json!({"comment": "alice's second"}).to_string());
            assert_eq!(state.database().config_draft(SITE, "bob").unwrap().unwrap().config, json!({"comment": "bob's"}).to_string());
            assert_eq!(state.database().config_draft("other-shop", "bob").unwrap(), None);
        }).await.unwrap();
        let mine = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/draft")).await.json();
        assert_eq!(mine["config"], json!(["not", "a", "config"]), "admin's own draft");

        // With something published and no draft: the latest version as a new draft.
        let other = "/api/admin/sites/other-shop/draft";
        let mut theirs = config();
        theirs["site"] = json!("other-shop");
        let saved = send(&s.app, admin(Method::PUT, other, Some(&json!({"config": theirs, "based_on": 0})))).await;
        assert_eq!(saved.status, StatusCode::OK);
        let published = send(&s.app, admin(Method::POST, "/api/admin/sites/other-shop/publish", Some(&json!({"based_on": 0})))).await;
        assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
        let fresh = admin_get(&s.app, other).await.json();
        assert_eq!((fresh["based_on"].clone(), fresh["updated_at"].clone()), (json!(1), Value::Null));
        assert_eq!(fresh["config"]["categories"], config()["categories"]);
        assert_eq!(fresh["assessment"]["renew"], false);
    }

    async fn a_publish_from_an_old_base_is_refused_and_the_draft_kept(backend) {
        let s = server(backend).await;
        save_and_publish(&s.app, &config(), 0).await;
        let mut mine = config();
        mine["policy_url"] = json!("/mine");
        assert_eq!(save_draft(&s.app, &mine, 0).await.status, StatusCode::OK);
        let refused = publish(&s.app, 0, "from before version 1").await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
        assert_no_store(&refused, "409");
        assert_eq!(refused.json()["latest"], 1);
        assert!(refused.error().contains("draft is kept"), "{}", refused.text());
        let draft = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/draft")).await.json();
        assert_eq!(draft["config"], mine, "the draft stays");
        assert_eq!(admin_get(&s.app, &format!("/api/admin/sites/{SITE}/versions")).await.json().as_array().map(Vec::len), Some(1));
        // From the latest base it goes through, and the published draft is gone.
        let published = publish(&s.app, 1, "mine").await;
        assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
        assert_no_store(&published, "201");
        assert_eq!(published.json()["version"], 2);
        let next = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/draft")).await.json();
        assert_eq!((next["based_on"].clone(), next["updated_at"].clone()), (json!(2), Value::Null));
        // A base from the future is refused as well.
        assert_eq!(save_draft(&s.app, &mine, 2).await.status, StatusCode::OK);
        assert_eq!(publish(&s.app, 7, "").await.status, StatusCode::CONFLICT);
        // Publishing needs a saved draft.
        let none = send(&s.app, admin(Method::POST, "/api/admin/sites/other-shop/publish", Some(&json!({"based_on": 0})))).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn two_servers_publishing_from_one_base_store_one_version(backend) {
        let s = server(backend).await;
        // A second server on the same database (same file, or the same PostgreSQL database).
        let settings = Settings { admin_token: Some(TOKEN.to_owned()), rate_limit_per_minute: 0, allowed_origins: test_sites(), ..Settings::default() };
        let second = app(AppState::with_settings(s.reopen_database().await, s.dir.path(), settings));
        save_and_publish(&s.app, &config(), 0).await;
        for round in 0..5 {
            let mut draft = config();
            draft["policy_url"] = json!(format!("/round-{round}"));
            assert_eq!(save_draft(&s.app, &draft, round + 1).await.status, StatusCode::OK);
            let (a, b) = tokio::join!(publish(&s.app, round + 1, "a"), publish(&second, round + 1, "b"));
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "round {round}: {} / {}", a.text(), b.text());
            let loser = if a.status == StatusCode::CONFLICT { &a } else { &b };
            assert_eq!(loser.json()["latest"], round + 2);
        }
        let versions = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/versions")).await.json();
        assert_eq!(versions.as_array().map(Vec::len), Some(6), "one version per round");

        // What one server serves follows the other's publish within a second.
        assert_eq!(served(&s.app, SITE, None, None).await.json()["config_version"], 6);
        let mut later = config();
        later["policy_url"] = json!("/later");
        assert_eq!(save_draft(&second, &later, 6).await.status, StatusCode::OK);
        assert_eq!(publish(&second, 6, "on the second server").await.status, StatusCode::CREATED);
        assert_eq!(served(&second, SITE, None, None).await.json()["config_version"], 7, "at once where it was published");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let seen = served(&s.app, SITE, None, None).await.json();
        assert_eq!((seen["config_version"].clone(), seen["policy_url"].clone()), (json!(7), json!("/later")));

        // And at the store: two inserts of one number, one lands.
        let (one, two) = (s.state.database().clone(), s.reopen_database().await);
        let version = |by: &str| crumb_server::database::ConfigVersion {
            site: "other-shop".into(), version: 1, config: "{}".into(), revision: 1, published_at: "2026-12-01T00:00:00.000Z".into(),
            published_by: by.into(), note: String::new(), based_on: 0, renewal: false, shown: "{}".into(),
        };
        let (a, b) = (version("a"), version("b"));
        let first = tokio::task::spawn_blocking(move || one.publish_config(&a, None).unwrap());
        let second = tokio::task::spawn_blocking(move || two.publish_config(&b, None).unwrap());
        let outcomes = [first.await.unwrap(), second.await.unwrap()];
        let stored = outcomes.iter().filter(|o| matches!(o, crumb_server::database::Published::Stored(_))).count();
        assert_eq!(stored, 1, "{outcomes:?}");
        assert!(outcomes.contains(&crumb_server::database::Published::Stale { latest: 1 }), "{outcomes:?}");
    }

    async fn an_invalid_draft_is_refused_with_each_error_at_its_path(backend) {
        let s = server(backend).await;
        let mut bad = config();
        bad["categories"][0]["services"][0]["cookies"][0]["duration"] = json!("forever");
        let saved = save_draft(&s.app, &bad, 0).await;
        assert_eq!(saved.json()["errors"][0]["path"], "categories[0].services[0].cookies[0].duration");
        let refused = publish(&s.app, 0, "").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_no_store(&refused, "422");
        let errors = refused.json()["errors"].clone();
        assert_eq!(errors[0]["path"], "categories[0].services[0].cookies[0].duration");
        assert!(errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(!refused.error().is_empty());
        // Several broken rules come at once.
        let mut worse = config();
        worse["expiry_days"] = json!(9999);
        worse["categories"][1]["services"][0]["id"] = json!("Not An Id");
        save_draft(&s.app, &worse, 0).await;
        let refused = publish(&s.app, 0, "").await.json();
        let paths: Vec<&str> = refused["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
        assert!(paths.contains(&"expiry_days") && paths.contains(&"categories[1].services[0].id"), "{paths:?}");
        assert_eq!(served(&s.app, SITE, None, None).await.status, StatusCode::NOT_FOUND, "nothing published");
        // The site is forced: a draft naming another site publishes as this one.
        let mut elsewhere = config();
        elsewhere["site"] = json!("someone-else");
        elsewhere["config_version"] = json!(99);
        save_and_publish(&s.app, &elsewhere, 0).await;
        let body = served(&s.app, SITE, None, None).await.json();
        assert_eq!((body["site"].clone(), body["config_version"].clone()), (json!(SITE), json!(1)));
    }

    async fn revisions_follow_the_core_and_rollback_makes_a_new_version(backend) {
        let s = server(backend).await;
        let v1 = save_and_publish(&s.app, &config(), 0).await;
        assert_eq!((v1["revision"].clone(), v1["renewal"].clone()), (json!(1), json!(false)));
        // A wording fix: nobody is asked again.
        let mut typo = config();
        typo["categories"][1]["services"][0]["cookies"][0]["purpose"] = json!("Counts visits to the shop");
        let v2 = save_and_publish(&s.app, &typo, 1).await;
        assert_eq!((v2["version"].clone(), v2["revision"].clone(), v2["renewal"].clone()), (json!(2), json!(1), json!(false)));
        // A new category: everyone is asked again; the draft's own revision does not matter.
        let mut wider = typo.clone();
        wider["revision"] = json!(1);
        wider["categories"].as_array_mut().unwrap().push(json!({"id": "marketing", "services": []}));
        let draft = save_draft(&s.app, &wider, 2).await.json();
        assert_eq!(draft["assessment"]["renew"], true, "{draft}");
        let v3 = save_and_publish(&s.app, &wider, 2).await;
        assert_eq!((v3["revision"].clone(), v3["renewal"].clone()), (json!(2), json!(true)));
        // Asked for by the marketer.
        save_draft(&s.app, &wider, 3).await;
        let asked = send(&s.app, admin(Method::POST, &format!("/api/admin/sites/{SITE}/publish"),
            Some(&json!({"based_on": 3, "note": "ask again", "ask_again": true})))).await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
        assert_eq!((asked.json()["revision"].clone(), asked.json()["renewal"].clone()), (json!(3), json!(true)));

        // Rollback to version 1: a new version 5 with version 1's categories, revision never lower.
        let rollback = |version: i64, based_on: i64| admin(Method::POST, &format!("/api/admin/sites/{SITE}/rollback"),
            Some(&json!({"version": version, "based_on": based_on, "note": ""})));
        let stale = send(&s.app, rollback(1, 3)).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(send(&s.app, rollback(9, 4)).await.status, StatusCode::NOT_FOUND);
        let back = send(&s.app, rollback(1, 4)).await;
        assert_eq!(back.status, StatusCode::CREATED, "{}", back.text());
        assert_no_store(&back, "rollback");
        let back = back.json();
        assert_eq!((back["version"].clone(), back["based_on"].clone()), (json!(5), json!(4)));
        assert_eq!(back["note"], "Rollback to version 1");
        assert!(back["revision"].as_i64().unwrap() >= 3, "revisions never go down: {back}");
        let served = served(&s.app, SITE, None, None).await.json();
        assert_eq!(served["config_version"], 5);
        assert_eq!(served["categories"], config()["categories"]);
        assert_eq!(served["revision"], back["revision"]);
        // Rollback left drafts alone.
        assert_eq!(admin_get(&s.app, &format!("/api/admin/sites/{SITE}/draft")).await.json()["based_on"], 5);
    }

    async fn the_diff_names_each_difference_and_what_it_means(backend) {
        let s = server(backend).await;
        save_and_publish(&s.app, &config(), 0).await;
        let mut wider = config();
        wider["policy_url"] = json!("/privacy-2");
        wider["categories"].as_array_mut().unwrap().push(json!({"id": "marketing", "services": []}));
        save_and_publish(&s.app, &wider, 1).await;
        let reply = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/diff?from=1&to=2")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_no_store(&reply, "diff");
        let diff = reply.json();
        assert_eq!((diff["from"].clone(), diff["to"].clone()), (json!(1), json!(2)));
        assert_eq!(diff["assessment"]["renew"], true);
        let changes = diff["changes"].as_array().unwrap();
        let policy = changes.iter().find(|c| c["path"] == "policy_url").expect("policy_url differs");
        assert_eq!((policy["before"].clone(), policy["after"].clone()), (json!("/privacy"), json!("/privacy-2")));
        assert!(changes.iter().any(|c| c["path"].as_str().is_some_and(|p| p.contains("categories"))), "{changes:?}");
        assert!(!changes.iter().any(|c| c["path"] == "config_version"), "config_version is not stored");
        assert_eq!(admin_get(&s.app, &format!("/api/admin/sites/{SITE}/diff?from=2&to=2")).await.json()["changes"], json!([]));
        assert_eq!(admin_get(&s.app, &format!("/api/admin/sites/{SITE}/diff?from=1")).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(admin_get(&s.app, &format!("/api/admin/sites/{SITE}/diff?from=1&to=3")).await.status, StatusCode::NOT_FOUND);
    }

    async fn each_demo_shops_inline_config_imports(backend) {
        let s = server(backend).await;
        let demos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/demo");
        let mut imported = 0;
        for entry in std::fs::read_dir(&demos).unwrap() {
            let page = entry.unwrap().path().join("index.html");
            let Ok(html) = std::fs::read_to_string(&page) else { continue };
            if !html.contains("crumb-config") {
                continue;
            }
            let reply = import(&s.app, &html).await;
            assert_eq!(reply.status, StatusCode::OK, "{}: {}", page.display(), reply.text());
            assert_no_store(&reply, "import");
            let draft = reply.json();
            assert_eq!(draft["config"]["site"], SITE, "{}: the site is forced", page.display());
            assert_eq!(draft["errors"], json!([]), "{}: the demo's config is valid", page.display());
            assert_eq!(draft["based_on"], 0);
            assert!(draft["updated_at"].is_string(), "saved as the caller's draft");
            // Same categories as the page's own element.
            let own = inline_config(&html);
            assert_eq!(draft["config"]["categories"], own["categories"], "{}", page.display());
            imported += 1;
        }
        assert!(imported >= 5, "the five shop demos (found {imported})");
        // The last import is the caller's draft, and it publishes.
        assert_eq!(publish(&s.app, 0, "imported").await.status, StatusCode::CREATED);

        // Attribute order and quoting vary; `<\/` inside the element reads as `</`.
        let page = "<!doctype html><html><head><SCRIPT id='crumb-config' data-x=\"a>b\" type=application/json>\n\
            {\"site\": \"x\", \"revision\": 1, \"comment\": \"<\\/script> is fine\", \"categories\": [{\"id\": \"analytics\"}]}\n\
            </script></head></html>";
        let draft = import(&s.app, page).await.json();
        assert_eq!(draft["config"]["comment"], "</script> is fine");
        assert_eq!(draft["config"]["site"], SITE);
        assert_eq!(draft["based_on"], 1);
        // Plain JSON text.
        let draft = import(&s.app, &config().to_string()).await;
        assert_eq!((draft.status, draft.json()["errors"].clone()), (StatusCode::OK, json!([])));
        // Anything else: 422 with a clear message.
        for text in ["", "<html><body>no config here</body></html>", "<script id=\"crumb-configs\">{}</script>", "{not json", "[1, 2]", "hello"] {
            let reply = import(&s.app, text).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{text:?}: {}", reply.text());
            assert_no_store(&reply, "422 import");
            assert!(reply.error().len() > 20, "{}", reply.text());
        }
    }

    async fn the_snippet_cannot_be_broken_out_of(backend) {
        let s = server(backend).await;
        let mut hostile = config();
        hostile["comment"] = json!("</script><script>alert(1)</script><!-- & \u{2028}");
        hostile["categories"][1]["services"][0]["name"] = json!("Stats </SCRIPT><img src=x onerror=alert(2)>");
        save_and_publish(&s.app, &hostile, 0).await;
        let reply = send(&s.app, Request::get(format!("/api/admin/sites/{SITE}/snippet"))
            .header(header::AUTHORIZATION, bearer()).header(header::HOST, "consent.example:8443").body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_no_store(&reply, "snippet");
        assert_eq!(reply.header(header::CONTENT_TYPE), Some("text/plain; charset=utf-8"));
        let snippet = reply.text();
        // Exactly two elements, each closed once; the config's own `<` never appears raw.
        assert_eq!(snippet.to_ascii_lowercase().matches("</script").count(), 2, "{snippet}");
        assert_eq!(snippet.matches('<').count(), 4, "{snippet}");
        let config_text = inline_text(&snippet);
        assert!(!config_text.contains('<'), "{config_text}");
        let config: Value = serde_json::from_str(config_text).expect("the inline config is JSON");
        assert_eq!(config["comment"], hostile["comment"]);
        assert_eq!(config["config_version"], 1);
        assert_eq!(config, served(&s.app, SITE, None, None).await.json(), "the config as served");
        assert!(snippet.contains(r#"<script src="http://consent.example:8443/crumb/loader.js" data-endpoint="http://consent.example:8443/api/consent" async></script>"#), "{snippet}");

        // A Host that is not a plain host name is not echoed: relative paths instead.
        let odd = send(&s.app, Request::get(format!("/api/admin/sites/{SITE}/snippet?version=1"))
            .header(header::AUTHORIZATION, bearer()).header(header::HOST, "a\"><script>").body(Body::empty()).unwrap()).await;
        assert!(odd.text().contains(r#"<script src="/crumb/loader.js" data-endpoint="/api/consent" async>"#), "{}", odd.text());
        assert_eq!(admin_get(&s.app, &format!("/api/admin/sites/{SITE}/snippet?version=2")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(admin_get(&s.app, "/api/admin/sites/other-shop/snippet").await.status, StatusCode::NOT_FOUND);
    }

    async fn the_snippet_names_the_public_origin_when_set(backend) {
        let settings = Settings {
            admin_token: Some(TOKEN.to_owned()), rate_limit_per_minute: 0,
            public_origin: Some("https://consent.example".into()), ..Settings::default()
        };
        let s = server_with(backend, settings).await;
        save_and_publish(&s.app, &config(), 0).await;
        let reply = send(&s.app, Request::get(format!("/api/admin/sites/{SITE}/snippet"))
            .header(header::AUTHORIZATION, bearer()).header(header::HOST, "127.0.0.1:8080").body(Body::empty()).unwrap()).await;
        assert!(reply.text().contains(r#"src="https://consent.example/crumb/loader.js" data-endpoint="https://consent.example/api/consent""#), "{}", reply.text());
    }

    async fn a_draft_is_at_most_256_kib(backend) {
        let s = server(backend).await;
        let mut big = config();
        big["comment"] = json!("x".repeat(256 * 1024));
        let reply = save_draft(&s.app, &big, 0).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text());
        assert_no_store(&reply, "413");
        assert!(reply.error().contains("limit"), "{}", reply.text());
        // Just under the cap is fine.
        let mut fits = config();
        fits["comment"] = json!("x".repeat(250 * 1024));
        assert_eq!(save_draft(&s.app, &fits, 0).await.status, StatusCode::OK);
        // An import too, and a body past the request limit.
        assert_eq!(import(&s.app, &big.to_string()).await.status, StatusCode::PAYLOAD_TOO_LARGE);
        let huge = json!({"config": "y".repeat(2 * 1024 * 1024), "based_on": 0});
        let reply = send(&s.app, admin(Method::PUT, &format!("/api/admin/sites/{SITE}/draft"), Some(&huge))).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        // The kept draft is the one that fit.
        let kept = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/draft")).await.json();
        assert_eq!(kept["config"]["comment"].as_str().map(str::len), Some(250 * 1024));
    }

    async fn the_preview_sink_keeps_nothing(backend) {
        let s = server(backend).await;
        let reply = send(&s.app, Request::post("/api/admin/preview/consent")
            .header(header::CONTENT_TYPE, "application/json").body(Body::from(valid_record().to_string())).unwrap()).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert!(reply.body.is_empty());
        assert_no_store(&reply, "preview");
        assert_eq!(s.count().await, 0);
        let big = send(&s.app, Request::post("/api/admin/preview/consent").body(Body::from("x".repeat(64 * 1024))).unwrap()).await;
        assert!(big.status == StatusCode::NO_CONTENT || big.status == StatusCode::PAYLOAD_TOO_LARGE);
    }
}

// Roles. Today the only caller is `--admin-token` (`admin`, a publisher); named viewer and editor
// tokens come with issue 13's auth work, and their cases belong beside these.

/// Every admin route, with a body where it takes one.
fn admin_routes() -> Vec<(Method, String, Option<Value>)> {
    let at = |path: &str| format!("/api/admin/sites/{SITE}/{path}");
    vec![
        (Method::GET, "/api/admin/sites".to_owned(), None),
        (Method::GET, at("versions"), None),
        (Method::GET, at("versions/1"), None),
        (Method::GET, at("diff?from=1&to=1"), None),
        (Method::GET, at("draft"), None),
        (Method::PUT, at("draft"), Some(json!({"config": config(), "based_on": 0}))),
        (Method::POST, at("publish"), Some(json!({"based_on": 0}))),
        (Method::POST, at("rollback"), Some(json!({"version": 1, "based_on": 1}))),
        (Method::POST, at("import"), Some(json!({"text": config().to_string()}))),
        (Method::GET, at("snippet"), None),
    ]
}

both_backends! {
    async fn roles_without_credentials_every_admin_route_is_401(backend) {
        let s = server(backend).await;
        for (method, uri, body) in admin_routes() {
            for authorization in [None, Some("Bearer wrong-token-0123456789")] {
                let mut request = Request::builder().method(method.clone()).uri(&uri).header(header::CONTENT_TYPE, "application/json");
                if let Some(authorization) = authorization {
                    request = request.header(header::AUTHORIZATION, authorization);
                }
                let body = body.as_ref().map_or_else(Body::empty, |b| Body::from(b.to_string()));
                let reply = send(&s.app, request.body(body).unwrap()).await;
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
                assert_no_store(&reply, &uri);
            }
        }
        // Unknown sites are not revealed to strangers: 401 before 404.
        let reply = send(&s.app, Request::get("/api/admin/sites/nobody/versions").body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        let database = s.state.database().clone();
        let latest = tokio::task::spawn_blocking(move || database.latest_config_number(SITE).unwrap()).await.unwrap();
        assert_eq!(latest, 0, "nothing was published");
    }

    async fn roles_the_admin_token_is_a_publisher(backend) {
        let s = server(backend).await;
        for (method, uri, body) in admin_routes() {
            let reply = send(&s.app, admin(method.clone(), &uri, body.as_ref())).await;
            assert!(reply.status != StatusCode::UNAUTHORIZED && reply.status != StatusCode::FORBIDDEN, "{method} {uri}: {}", reply.text());
            assert_no_store(&reply, &uri);
        }
        let versions = admin_get(&s.app, &format!("/api/admin/sites/{SITE}/versions")).await.json();
        assert_eq!(versions[0]["published_by"], "admin", "the history names who published");
    }
}

async fn import(app: &Router, text: &str) -> Reply {
    send(app, admin(Method::POST, &format!("/api/admin/sites/{SITE}/import"), Some(&json!({"text": text})))).await
}

/// The text of the first `<script …>…</script>` in `html`.
fn inline_text(html: &str) -> &str {
    let start = html.find("<script").expect("a script element");
    let open_end = start + html[start..].find('>').expect("its tag ends");
    let close = open_end + html[open_end..].find("</script>").expect("it is closed");
    &html[open_end + 1..close]
}

/// A demo page's inline config, as the widget reads it.
fn inline_config(html: &str) -> Value {
    let start = html.find("id=\"crumb-config\"").expect("the config element");
    let text = inline_text(&html[html[..start].rfind("<script").unwrap()..]);
    serde_json::from_str(&text.replace("<\\/", "</")).expect("the demo's config is JSON")
}

both_backends! {
    async fn a_records_proof_view_shows_the_banner_of_its_config_version(backend) {
        // The proof of a consent names the hosted version it was given under and shows what that
        // version's banner said, in the record's language: the site's texts as published then.
        let s = server(backend).await;
        let i18n = s.dir.path().join("site/crumb/i18n");
        std::fs::create_dir_all(&i18n).expect("i18n dir");
        for language in ["en", "de"] {
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../www/i18n/{language}.json"));
            std::fs::copy(&source, i18n.join(format!("{language}.json"))).expect("copy a language file");
        }
        let mut first = config();
        first["texts"] = json!({"en": {"banner.title": "Cookies at the corner shop"}});
        save_and_publish(&s.app, &first, 0).await;
        let mut second = first.clone();
        second["texts"] = json!({"en": {"banner.title": "Cookies, revised"}, "de": {"banner.title": "Kekse im Laden"}});
        second["categories"].as_array_mut().unwrap().push(json!({"id": "marketing"}));
        save_and_publish(&s.app, &second, 1).await;

        // A later release changes the built-in texts: the proof still shows what was said then.
        std::fs::write(i18n.join("de.json"), r#"{"action.accept_all": "Changed later"}"#).expect("a later release");

        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let mut under_first = record(id, "2026-11-22T05:06:43.123Z", "accept_all", true, false);
        under_first["config_version"] = json!(1);
        under_first["categories"] = json!({"necessary": true, "analytics": true});
        let mut under_second = record(id, "2026-11-23T05:06:43.123Z", "reject_all", false, false);
        under_second["config_version"] = json!(2);
        under_second["language"] = json!("de");
        for r in [&under_first, &under_second] {
            assert_eq!(post_json(&s.app, r).await.status, StatusCode::CREATED);
        }
        let page = get_auth(&s.app, &format!("/admin/consents?id={id}"), &bearer()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.header(header::CONTENT_SECURITY_POLICY).is_some_and(|csp| csp.starts_with("default-src 'none'")));
        let html = page.text();
        let sections: Vec<&str> = html.split("<section class=\"shown\">").skip(1).collect();
        assert_eq!(sections.len(), 2, "{html}");
        assert!(sections[0].contains("config version 1 of crumb-demo"), "{}", sections[0]);
        assert!(sections[0].contains("Cookies at the corner shop"), "{}", sections[0]);
        assert!(sections[0].contains("Accept all") && !sections[0].contains("marketing"), "{}", sections[0]);
        assert!(sections[1].contains("config version 2 of crumb-demo"), "{}", sections[1]);
        assert!(sections[1].contains("Kekse im Laden") && sections[1].contains("Alle akzeptieren"), "{}", sections[1]);
        assert!(!html.contains("Changed later") && sections[1].contains("as they were when this version was published"), "{html}");
        assert!(sections[1].contains("<td>Marketing</td>") || sections[1].contains("<td>marketing</td>"), "{}", sections[1]);
        // The records, in received order, with the version each was given under.
        assert!(html.find("<td>accept_all</td><td>1</td><td>1</td>").is_some_and(|a| html.find("<td>reject_all</td>").is_some_and(|b| a < b)), "{html}");

        // Nobody without a token sees it; a browser is sent to sign in.
        let anonymous = get(&s.app, &format!("/admin/consents?id={id}"), None).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
        let unknown = get_auth(&s.app, "/admin/consents?id=1f8fad5b-d9cb-469f-a165-70867728950e", &bearer()).await.text();
        assert!(unknown.contains("No records for this consent id."));
        let junk = get_auth(&s.app, "/admin/consents?id=%3Cscript%3E", &bearer()).await.text();
        assert!(junk.contains("A consent id is 8-64") && !junk.contains("<script>"), "escaped: {junk}");
    }
}

both_backends! {
    async fn config_max_age_zero_has_every_page_view_revalidate(backend) {
        let settings = Settings { admin_token: Some(TOKEN.to_owned()), rate_limit_per_minute: 0, config_max_age: 0, ..Settings::default() };
        let s = server_with(backend, settings).await;
        save_and_publish(&s.app, &config(), 0).await;
        let reply = served(&s.app, SITE, None, None).await;
        assert_eq!(reply.header(header::CACHE_CONTROL), Some("public, no-cache"));
        let etag = reply.header(header::ETAG).expect("etag").to_owned();
        assert_eq!(served(&s.app, SITE, None, Some(&etag)).await.status, StatusCode::NOT_MODIFIED);
    }
}
