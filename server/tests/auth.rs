//! Named admin tokens with roles, the browser sign-in and its cookie: what each role may read,
//! revocation (of a token and of its sessions), signing in and out, the same-origin check on
//! cookie-authenticated changes, `--admin-token` as before, `next` never leaving `/admin`, failed
//! sign-ins limited per address, and the token command line. Each test runs on SQLite and
//! PostgreSQL (`both_backends!`), so migration 7 runs on both.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use common::*;
use crumb_server::tokens::{run, TokenCommand, TokenOutput};
use crumb_server::{now_ms, Role, ServerError, Settings};

/// What a browser on the server's own sign-in page sends (`Host`, `Origin`, `Sec-Fetch-Site`).
const HOST: &str = "crumb.example";

async fn token_command(s: &Server, command: TokenCommand) -> Result<TokenOutput, ServerError> {
    let database = s.state.database().clone();
    tokio::task::spawn_blocking(move || run(&database, &command, now_ms())).await.expect("token task")
}

/// A new token `name` with `role`, as `crumb-server token add` prints it.
async fn add_token(s: &Server, name: &str, role: Role) -> String {
    let output = token_command(s, TokenCommand::Add { name: name.into(), role }).await.expect("token add");
    output.stdout.trim().to_owned()
}

fn form_value(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// `POST /admin/login` from the server's own page on `host`, with `token` and `next`, from `peer`.
async fn sign_in_from(s: &Server, host: &str, token: &str, next: Option<&str>, peer: Option<&str>) -> Reply {
    let mut body = format!("token={}", form_value(token));
    if let Some(next) = next {
        body.push_str(&format!("&next={}", form_value(next)));
    }
    let mut request = Request::post("/admin/login")
        .header(header::HOST, host)
        .header(header::ORIGIN, format!("https://{host}"))
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    if let Some(peer) = peer {
        request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().expect("peer")));
    }
    send(&s.app, request).await
}

async fn sign_in(s: &Server, token: &str, next: Option<&str>) -> Reply {
    sign_in_from(s, HOST, token, next, None).await
}

/// The session id a sign-in's `Set-Cookie` holds.
fn session_of(reply: &Reply) -> String {
    let cookie = reply.header(header::SET_COOKIE).expect("a Set-Cookie");
    let value = cookie.split(';').next().and_then(|pair| pair.strip_prefix("crumb_admin=")).expect("crumb_admin");
    value.to_owned()
}

/// A request carrying the session cookie, plus `extra` headers.
async fn with_cookie(s: &Server, method: Method, uri: &str, session: &str, extra: &[(&str, &str)]) -> Reply {
    let mut request =
        Request::builder().method(method).uri(uri).header(header::HOST, HOST).header(header::COOKIE, format!("crumb_admin={session}"));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    send(&s.app, request.body(Body::empty()).expect("request")).await
}

const SAME_ORIGIN: (&str, &str) = ("sec-fetch-site", "same-origin");

/// Every read, JSON API and page.
fn reads() -> [String; 4] {
    [
        format!("/api/consent/{ID}"),
        "/api/export?site=crumb-demo&format=jsonl".to_owned(),
        "/api/digest?site=crumb-demo".to_owned(),
        "/admin?site=crumb-demo".to_owned(),
    ]
}

both_backends! {
    async fn every_role_reads_and_an_unknown_token_reads_nothing(backend) {
        let s = server(backend).await;
        assert_eq!(post_json(&s.app, &valid_record()).await.status, StatusCode::CREATED);
        for role in Role::ALL {
            let token = add_token(&s, &format!("{role}-1"), role).await;
            for uri in reads() {
                let reply = get_auth(&s.app, &uri, &format!("Bearer {token}")).await;
                assert_eq!(reply.status, StatusCode::OK, "{role} reads {uri}");
                let basic = format!("Basic {}", base64(&format!("anyone:{token}")));
                assert_eq!(get_auth(&s.app, &uri, &basic).await.status, StatusCode::OK, "{role} reads {uri} with Basic");
            }
            let page = get_auth(&s.app, "/admin", &format!("Bearer {token}")).await.text();
            assert!(page.contains(&format!("{role}-1 ({role})")), "the page names the caller");
        }
        let unknown = format!("Bearer crumb_{}", "0".repeat(64));
        for uri in reads() {
            let reply = get_auth(&s.app, &uri, &unknown).await;
            if uri.starts_with("/admin") {
                assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
            } else {
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri}");
                assert!(reply.header(header::WWW_AUTHENTICATE).is_some_and(|v| v.starts_with("Basic")));
                assert!(!reply.text().contains("necessary"), "no data leaks in a refusal");
            }
        }
    }

    async fn a_named_token_works_on_a_server_without_admin_token(backend) {
        let s = server_with(backend, Settings { rate_limit_per_minute: 0, ..Settings::default() }).await;
        post_json(&s.app, &valid_record()).await;
        let reply = get_auth(&s.app, &format!("/api/consent/{ID}"), "Bearer x").await;
        assert!(reply.error().contains("token add"), "nothing set up: the refusal says how: {}", reply.error());
        let token = add_token(&s, "vera", Role::Viewer).await;
        assert_eq!(get_auth(&s.app, &format!("/api/consent/{ID}"), &format!("Bearer {token}")).await.status, StatusCode::OK);
        let wrong = get_auth(&s.app, &format!("/api/consent/{ID}"), "Bearer x").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.error().contains("not valid"), "{}", wrong.error());
        let missing = get(&s.app, &format!("/api/consent/{ID}"), None).await;
        assert!(missing.error().contains("admin token"), "{}", missing.error());
    }

    async fn a_revoked_token_and_its_sessions_stop_working(backend) {
        let s = server(backend).await;
        post_json(&s.app, &valid_record()).await;
        let token = add_token(&s, "eve@shop.example", Role::Publisher).await;
        let other = add_token(&s, "olga", Role::Viewer).await;
        let session = session_of(&sign_in(&s, &token, None).await);
        let other_session = session_of(&sign_in(&s, &other, None).await);
        let history = format!("/api/consent/{ID}");
        assert_eq!(get_auth(&s.app, &history, &format!("Bearer {token}")).await.status, StatusCode::OK);
        assert_eq!(with_cookie(&s, Method::GET, &history, &session, &[]).await.status, StatusCode::OK);

        let revoked = token_command(&s, TokenCommand::Revoke { name: "eve@shop.example".into() }).await.expect("revoke");
        assert!(revoked.note.contains("1 sign-in sessions ended"), "{}", revoked.note);
        assert_eq!(get_auth(&s.app, &history, &format!("Bearer {token}")).await.status, StatusCode::UNAUTHORIZED);
        let basic = format!("Basic {}", base64(&format!("eve:{token}")));
        assert_eq!(get_auth(&s.app, &history, &basic).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(with_cookie(&s, Method::GET, &history, &session, &[]).await.status, StatusCode::UNAUTHORIZED);
        let page = with_cookie(&s, Method::GET, "/admin", &session, &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "the page sends the browser to sign in again");
        let again = sign_in(&s, &token, None).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED, "a revoked token cannot sign in");
        assert!(again.header(header::SET_COOKIE).is_none());
        // Others are untouched.
        assert_eq!(with_cookie(&s, Method::GET, &history, &other_session, &[]).await.status, StatusCode::OK);
        assert_eq!(get_auth(&s.app, &history, &format!("Bearer {other}")).await.status, StatusCode::OK);
        // The name stays taken: a new token under it would inherit its history.
        let reused = token_command(&s, TokenCommand::Add { name: "eve@shop.example".into(), role: Role::Viewer }).await;
        assert!(reused.is_err_and(|e| e.to_string().contains("exists already")));
        let again = token_command(&s, TokenCommand::Revoke { name: "eve@shop.example".into() }).await.expect("revoke again");
        assert!(again.note.contains("revoked already"), "{}", again.note);
        assert!(token_command(&s, TokenCommand::Revoke { name: "nobody".into() }).await.is_err());
    }

    async fn a_browser_signs_in_and_out_with_the_session_cookie(backend) {
        let s = server(backend).await;
        post_json(&s.app, &valid_record()).await;
        let token = add_token(&s, "ed", Role::Editor).await;

        let redirect = get(&s.app, "/admin?site=crumb-demo&from=2026-11-01", None).await;
        assert_eq!(redirect.status, StatusCode::SEE_OTHER);
        let location = redirect.header(header::LOCATION).expect("Location").to_owned();
        assert_eq!(location, "/admin/login?next=/admin%3Fsite%3Dcrumb-demo%26from%3D2026-11-01");

        let form = get(&s.app, &location, None).await;
        assert_eq!(form.status, StatusCode::OK);
        let html = form.text();
        assert!(html.contains("method=\"post\" action=\"/admin/login\"") && html.contains("type=\"password\" name=\"token\""));
        assert!(html.contains("name=\"next\" value=\"/admin?site=crumb-demo&amp;from=2026-11-01\""), "{html}");
        assert!(!html.contains("<script") && !html.contains("style=\""), "no script, no inline style attribute");
        let csp = form.header(header::CONTENT_SECURITY_POLICY).expect("a CSP");
        assert!(csp.starts_with("default-src 'none'") && csp.contains("form-action 'self'") && !csp.contains("unsafe"), "{csp}");
        assert_eq!(form.header(header::CACHE_CONTROL), Some("no-store"));
        assert_eq!(form.header(header::X_FRAME_OPTIONS), Some("DENY"));

        let wrong = sign_in(&s, "crumb_not-a-token", Some("/admin?site=crumb-demo")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.header(header::SET_COOKIE).is_none());
        assert!(wrong.text().contains("That token is not valid.") && !wrong.text().contains("crumb_not-a-token"), "plain, no echo");
        assert!(wrong.header(header::CONTENT_TYPE).is_some_and(|v| v.starts_with("text/html")));

        let signed_in = sign_in(&s, &token, Some("/admin?site=crumb-demo&from=2026-11-01")).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        assert_eq!(signed_in.header(header::LOCATION), Some("/admin?site=crumb-demo&from=2026-11-01"));
        let cookie = signed_in.header(header::SET_COOKIE).expect("Set-Cookie").to_owned();
        let session = session_of(&signed_in);
        assert_eq!(session.len(), 64, "256 bits in hex");
        assert!(session.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(cookie, format!("crumb_admin={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure"));
        assert_ne!(session, session_of(&sign_in(&s, &token, None).await), "every sign-in gets a new id");

        let page = with_cookie(&s, Method::GET, "/admin?site=crumb-demo", &session, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("ed (editor)") && page.text().contains("action=\"/admin/logout\""));
        assert_eq!(with_cookie(&s, Method::GET, &format!("/api/consent/{ID}"), &session, &[]).await.status, StatusCode::OK);
        let forged = "f".repeat(64);
        assert_eq!(with_cookie(&s, Method::GET, &format!("/api/consent/{ID}"), &forged, &[]).await.status, StatusCode::UNAUTHORIZED);

        if backend == Backend::Sqlite {
            // The database keeps hashes only: neither the token nor the session id is in it.
            let file = std::fs::read(s.dir.path().join("data/consent.sqlite3")).expect("database file");
            let wal = std::fs::read(s.dir.path().join("data/consent.sqlite3-wal")).unwrap_or_default();
            for secret in [token.as_str(), session.as_str()] {
                for bytes in [&file, &wal] {
                    assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} stored in clear");
                }
            }
        }

        let out = with_cookie(&s, Method::POST, "/admin/logout", &session, &[SAME_ORIGIN]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.header(header::LOCATION), Some("/admin/login"));
        assert_eq!(out.header(header::SET_COOKIE), Some("crumb_admin=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure"));
        assert_eq!(with_cookie(&s, Method::GET, &format!("/api/consent/{ID}"), &session, &[]).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(with_cookie(&s, Method::GET, "/admin", &session, &[]).await.status, StatusCode::SEE_OTHER);
    }

    async fn the_cookie_is_secure_except_over_plain_http_to_this_machine(backend) {
        let s = server(backend).await;
        let token = add_token(&s, "dev", Role::Viewer).await;
        for host in ["127.0.0.1:8080", "localhost:8080", "[::1]:8080"] {
            let reply = sign_in_from(&s, host, &token, None, None).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{host}");
            assert!(!reply.header(header::SET_COOKIE).expect("cookie").contains("Secure"), "{host}");
        }
        for host in ["crumb.example", "10.0.0.5:8080"] {
            let reply = sign_in_from(&s, host, &token, None, None).await;
            assert!(reply.header(header::SET_COOKIE).expect("cookie").ends_with("; Secure"), "{host}");
        }
    }

    async fn a_cross_site_cookie_post_is_refused(backend) {
        let s = server(backend).await;
        let token = add_token(&s, "pat", Role::Publisher).await;
        let session = session_of(&sign_in(&s, &token, None).await);
        let history = format!("/api/consent/{ID}");
        post_json(&s.app, &valid_record()).await;
        let cross_site: [&[(&str, &str)]; 6] = [
            &[],
            &[("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")],
            &[("sec-fetch-site", "same-site"), ("origin", "https://blog.crumb.example")],
            &[("origin", "https://evil.example")],
            &[("origin", "null")],
            &[("sec-fetch-site", "cross-site"), ("origin", "https://crumb.example")],
        ];
        for extra in cross_site {
            let reply = with_cookie(&s, Method::POST, "/admin/logout", &session, extra).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{extra:?}");
            assert!(reply.header(header::SET_COOKIE).is_none(), "{extra:?}");
            assert_eq!(with_cookie(&s, Method::GET, &history, &session, &[]).await.status, StatusCode::OK, "still signed in");
        }
        // A page of this server, by Origin alone (a browser without Sec-Fetch-Site).
        let reply = with_cookie(&s, Method::POST, "/admin/logout", &session, &[("origin", "https://crumb.example")]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(with_cookie(&s, Method::GET, &history, &session, &[]).await.status, StatusCode::UNAUTHORIZED);

        // Signing in is a change too: another site's page cannot sign a browser in as someone else.
        let request = Request::post("/admin/login")
            .header(header::HOST, HOST)
            .header(header::ORIGIN, "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .expect("request");
        let reply = send(&s.app, request).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(reply.header(header::SET_COOKIE).is_none());
    }

    async fn the_admin_token_still_reads_and_signs_in_as_admin(backend) {
        let s = server(backend).await;
        post_json(&s.app, &valid_record()).await;
        for uri in reads() {
            assert_eq!(get_auth(&s.app, &uri, &bearer()).await.status, StatusCode::OK, "{uri}");
        }
        let signed_in = sign_in(&s, TOKEN, None).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        assert_eq!(signed_in.header(header::LOCATION), Some("/admin"));
        let session = session_of(&signed_in);
        let page = with_cookie(&s, Method::GET, "/admin", &session, &[]).await;
        assert!(page.text().contains("admin (publisher)"), "{}", page.text());
        // The same database under a server without --admin-token: the admin's sessions end.
        let state = crumb_server::AppState::with_settings(s.state.database().clone(), s.dir.path(), Settings::default());
        let without = crumb_server::app(state);
        let request = Request::get(format!("/api/consent/{ID}")).header(header::COOKIE, format!("crumb_admin={session}")).body(Body::empty());
        assert_eq!(send(&without, request.expect("request")).await.status, StatusCode::UNAUTHORIZED);
        // `admin` is --admin-token's name: no named token takes it; revoking it ends its sessions.
        assert!(token_command(&s, TokenCommand::Add { name: "admin".into(), role: Role::Viewer }).await.is_err());
        let ended = token_command(&s, TokenCommand::Revoke { name: "admin".into() }).await.expect("revoke admin");
        assert!(ended.note.contains("1 sign-in sessions"), "{}", ended.note);
        assert_eq!(with_cookie(&s, Method::GET, "/admin", &session, &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(get_auth(&s.app, "/admin", &bearer()).await.status, StatusCode::OK, "the token itself still works");
    }

    async fn next_never_leaves_admin(backend) {
        let s = server(backend).await;
        for (next, expected) in [
            ("//evil.example", "/admin"),
            ("https://evil.example", "/admin"),
            ("/admin/../x", "/admin"),
            ("/admin/%2e%2e/x", "/admin"),
            ("/admin//evil.example", "/admin"),
            ("/\\evil.example", "/admin"),
            ("/api/export?site=crumb-demo", "/admin"),
            ("/administrator", "/admin"),
            ("/admin/sites/crumb-demo?tab=texts", "/admin/sites/crumb-demo?tab=texts"),
        ] {
            let reply = sign_in(&s, TOKEN, Some(next)).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{next}");
            assert_eq!(reply.header(header::LOCATION), Some(expected), "{next}");
            let form = get(&s.app, &format!("/admin/login?next={}", form_value(next)), None).await.text();
            assert!(form.contains(&format!("name=\"next\" value=\"{}\"", expected.replace('&', "&amp;"))), "{next}");
        }
    }

    async fn failed_sign_ins_are_limited_per_address(backend) {
        let s = server(backend).await;
        let (attacker, neighbour) = (Some("198.51.100.7:40000"), Some("198.51.100.8:40000"));
        for n in 0..10 {
            let reply = sign_in_from(&s, HOST, &format!("guess-{n}"), None, attacker).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {n}");
        }
        let blocked = sign_in_from(&s, HOST, TOKEN, None, attacker).await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "even the right token waits");
        assert!(blocked.header(header::SET_COOKIE).is_none());
        assert!(blocked.header(header::RETRY_AFTER).is_some_and(|v| v.parse::<u64>().is_ok_and(|s| (1..=6).contains(&s))));
        assert_eq!(sign_in_from(&s, HOST, TOKEN, None, neighbour).await.status, StatusCode::SEE_OTHER, "another address signs in");
        // Successful sign-ins spend nothing.
        for _ in 0..20 {
            assert_eq!(sign_in_from(&s, HOST, TOKEN, None, neighbour).await.status, StatusCode::SEE_OTHER);
        }
    }

    async fn the_token_command_adds_lists_and_revokes(backend) {
        let s = server(backend).await;
        let empty = token_command(&s, TokenCommand::List).await.expect("list");
        assert!(empty.stdout.is_empty() && empty.note.contains("no admin tokens"));
        let added = token_command(&s, TokenCommand::Add { name: "ci.bot".into(), role: Role::Viewer }).await.expect("add");
        let token = added.stdout.trim().to_owned();
        assert!(token.starts_with("crumb_") && token.len() == 70, "{token}");
        assert_eq!(added.stdout, format!("{token}\n"), "only the token on stdout");
        assert!(added.note.contains("ci.bot") && added.note.contains("viewer") && !added.note.contains(&token));
        add_token(&s, "alice@shop.example", Role::Publisher).await;
        token_command(&s, TokenCommand::Revoke { name: "ci.bot".into() }).await.expect("revoke");
        let list = token_command(&s, TokenCommand::List).await.expect("list").stdout;
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), 3, "{list}");
        assert!(lines[0].starts_with("NAME") && lines[0].contains("ROLE") && lines[0].contains("CREATED") && lines[0].contains("REVOKED"));
        assert!(lines[1].starts_with("alice@shop.example") && lines[1].contains("publisher") && lines[1].ends_with('-'), "{list}");
        assert!(lines[2].starts_with("ci.bot") && lines[2].contains("viewer") && lines[2].trim_end().ends_with('Z'), "revoked at: {list}");
        assert!(!list.contains(&token) && !list.contains("crumb_"), "never a token");
        assert!(!list.split_whitespace().any(|word| word.len() == 64 && word.bytes().all(|b| b.is_ascii_hexdigit())), "never a hash");
        for bad in ["", "two words", "a/b", &"x".repeat(65)] {
            let refused = token_command(&s, TokenCommand::Add { name: bad.to_owned(), role: Role::Viewer }).await;
            assert!(matches!(refused, Err(ServerError::Usage(_))), "{bad:?}");
        }
    }
}

fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8) | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `require` is synchronous and may run on an async worker, where the blocking PostgreSQL client
/// must not: on a current-thread runtime (no `block_in_place`) it reads on a thread of its own.
async fn named_tokens_on_a_current_thread_runtime(backend: Backend) {
    let s = server(backend).await;
    post_json(&s.app, &valid_record()).await;
    let token = add_token(&s, "cora", Role::Viewer).await;
    let session = session_of(&sign_in(&s, &token, None).await);
    assert_eq!(get_auth(&s.app, &format!("/api/consent/{ID}"), &format!("Bearer {token}")).await.status, StatusCode::OK);
    assert_eq!(with_cookie(&s, Method::GET, "/admin", &session, &[]).await.status, StatusCode::OK);
    assert_eq!(get(&s.app, &format!("/api/consent/{ID}"), None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "current_thread")]
async fn named_tokens_on_a_current_thread_runtime_sqlite() {
    named_tokens_on_a_current_thread_runtime(Backend::Sqlite).await;
}

#[tokio::test(flavor = "current_thread")]
async fn named_tokens_on_a_current_thread_runtime_postgres() {
    named_tokens_on_a_current_thread_runtime(Backend::Postgres).await;
}
