//! `/admin/sites/{site}`: the configurator's shell page (the app itself is
//! crates/crumb-configurator, tested in the browser). Run against both databases, as every
//! integration test is, though the page reads none.

mod common;

use axum::http::{header, StatusCode};

use common::*;

both_backends! {
    async fn the_configurator_shell_names_its_site_under_a_strict_csp(backend) {
        let s = server(backend).await;
        let reply = get_auth(&s.app, "/admin/sites/crumb-demo", &bearer()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header(header::CONTENT_TYPE), Some("text/html; charset=utf-8"));
        assert_eq!(reply.header(header::CACHE_CONTROL), Some("no-store"));
        let csp = reply.header(header::CONTENT_SECURITY_POLICY).expect("a CSP").to_owned();
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("style-src 'self'"), "{csp}");
        assert!(csp.contains("frame-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let html = reply.text();
        assert!(html.contains(r#"<main id="configurator" data-site="crumb-demo">"#), "{html}");
        assert!(html.contains(r#"<script type="module" src="/configurator/start.js"></script>"#), "{html}");
        assert!(html.contains(r#"<link rel="stylesheet" href="/configurator/configurator.css">"#), "{html}");
        assert!(!html.contains(" style=") && !html.contains("<style") && html.matches("<script").count() == 1, "{html}");
    }

    async fn an_undeclared_site_is_404_and_no_credentials_get_no_page(backend) {
        let s = server(backend).await;
        assert_eq!(get_auth(&s.app, "/admin/sites/not-declared", &bearer()).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get_auth(&s.app, "/admin/sites/%3Cb%3E", &bearer()).await.status, StatusCode::NOT_FOUND);
        let anonymous = get(&s.app, "/admin/sites/crumb-demo", None).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "a browser is sent to sign in");
        assert_eq!(anonymous.header(header::LOCATION), Some("/admin/login?next=/admin/sites/crumb-demo"));
        assert!(!anonymous.text().contains("data-site"));
    }
}
