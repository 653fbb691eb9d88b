//! Checks the harness itself against a tiny page (no built widget needed): server, variants, the
//! endpoint switch, chromedriver, shadow-root lookups, real clicks and keys, cookies, storage,
//! dataLayer, the console log and browser languages.

use crumb_e2e::{wait_for, BrowserOptions, Shopper, TestServer};
use fantoccini::key::Key;
use serde_json::{json, Value};

const PAGE: &str = r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>harness</title>
<script type="application/json" id="crumb-config">{"site": "smoke", "revision": 1}</script>
<script>
  console.error("smoke: early error before load");
  console.warn("smoke: early warning");
  window.dataLayer = [];
  (function () { function gtag() { dataLayer.push(arguments); } gtag('consent', 'default', { ad_storage: 'denied' }); })();
  document.cookie = "smoke_cookie=1; path=/";
  localStorage.setItem("crumb_outbox", "[{\"consent_id\":\"x\"}]");
</script></head>
<body>
  <a href="#" id="first">first</a>
  <script>
    var host = document.createElement('div');
    host.id = 'crumb-root';
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<div data-crumb-part="banner" role="dialog"><h2 id="crumb-banner-title">Hello  shadow</h2>' +
      '<button data-action="accept-all">A</button><button data-action="reject-all">R</button>' +
      '<button data-action="hidden" hidden>H</button></div>';
    root.querySelector('[data-action="accept-all"]').addEventListener('click', function () {
      document.documentElement.setAttribute('data-demo-analytics', '1');
    });
    root.querySelector('[data-action="reject-all"]').addEventListener('keydown', function (e) {
      if (e.key === ' ') document.documentElement.setAttribute('data-demo-ads', 'space');
    });
    window.Crumb = { ready: true };
    document.languagesSeen = JSON.stringify(navigator.languages);
  </script>
</body></html>"##;

async fn smoke_server() -> (TestServer, tempfile::TempDir) {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), PAGE).unwrap();
    std::fs::create_dir_all(site.path().join("demo")).unwrap();
    std::fs::write(site.path().join("demo/x.js"), "window.x = 1;").unwrap();
    (TestServer::start_with_site(site.path().to_path_buf()).await, site)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_drives_a_page_with_an_open_shadow_root() {
    let (server, _site) = smoke_server().await;
    let variant = server.variant("rev2", |config| config["revision"] = json!(2));
    assert_eq!(server.demo_config()["site"], "smoke");
    let shop = Shopper::with_server(server, BrowserOptions::default()).await;

    shop.open_widget("/").await;
    assert!(shop.server.was_requested("/"));
    assert_eq!(shop.text("#crumb-banner-title").await.as_deref(), Some("Hello shadow"));
    assert!(shop.is_visible("[data-action=\"accept-all\"]").await);
    assert!(!shop.is_visible("[data-action=\"hidden\"]").await);
    assert!(!shop.is_visible("[data-action=\"absent\"]").await);
    assert_eq!(shop.attr("[data-crumb-part=\"banner\"]", "role").await.as_deref(), Some("dialog"));
    assert_eq!(shop.shadow_all("button").await.len(), 3);

    // A real click inside the shadow root.
    shop.click("[data-action=\"accept-all\"]").await;
    wait_for!(shop, "the click handler", (shop.gated_runs().await.analytics.as_deref() == Some("1")).then_some(()));

    // Real keys: focus stays on the clicked button; Tab moves to the next; Space reaches it.
    let focus = shop.focus().await;
    assert!(focus.in_shadow && focus.in_banner, "{focus:?}");
    assert_eq!(focus.action.as_deref(), Some("accept-all"));
    shop.press(Key::Tab).await;
    assert_eq!(shop.focus().await.action.as_deref(), Some("reject-all"));
    shop.press(Key::Space).await;
    assert_eq!(shop.gated_runs().await.ads.as_deref(), Some("space"));
    shop.press_shift_tab().await;
    assert_eq!(shop.focus().await.action.as_deref(), Some("accept-all"));
    shop.press_shift_tab().await;
    let focus = shop.focus().await;
    assert!(!focus.in_shadow && focus.element.contains("first"), "{focus:?}");

    // Storage, cookies, dataLayer.
    assert_eq!(shop.outbox().await, vec![json!({"consent_id": "x"})]);
    assert!(shop.stored_consent().await.is_none());
    assert!(shop.cookie_names().await.contains("smoke_cookie"));
    let consent_mode = shop.consent_mode().await;
    assert_eq!(consent_mode.len(), 1);
    assert_eq!(consent_mode[0].0, "default");
    assert_eq!(consent_mode[0].1["ad_storage"], "denied");

    // The console, including what was logged before the load event.
    let console = shop.browser.console().await;
    assert!(console.iter().any(|e| e.level == "SEVERE" && e.message.contains("smoke: early error before load")), "{console:?}");
    assert!(console.iter().any(|e| e.level == "WARNING" && e.message.contains("smoke: early warning")), "{console:?}");

    // The endpoint switch.
    let post = "var done = arguments[arguments.length - 1]; \
                fetch('/api/consent', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }) \
                  .then(function (r) { done(r.status); }, function (e) { done(String(e)); });";
    shop.server.set_endpoint_up(false);
    assert_eq!(shop.client().execute_async(post, vec![]).await.unwrap(), json!(503));
    assert_eq!(shop.server.refused_posts(), 1);
    shop.server.set_endpoint_up(true);
    let status: Value = shop.client().execute_async(post, vec![]).await.unwrap();
    assert_ne!(status, json!(503), "with the switch up the real endpoint answers");
    assert_eq!(shop.server.count_records().await, 0);

    // A page variant with an edited config.
    shop.open(&variant).await;
    let config: Value = shop.js("return JSON.parse(document.getElementById('crumb-config').textContent);", vec![]).await;
    assert_eq!(config, json!({"site": "smoke", "revision": 2}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_sets_the_browser_languages() {
    let (server, _site) = smoke_server().await;
    let shop = Shopper::with_server(server, BrowserOptions::languages(&["nl"])).await;
    shop.open_widget("/").await;
    let languages: Vec<String> = shop.js("return Array.from(navigator.languages);", vec![]).await;
    assert_eq!(languages.first().map(String::as_str), Some("nl"), "navigator.languages = {languages:?}");
    let accept: String = shop.js("return navigator.language;", vec![]).await;
    assert!(accept.starts_with("nl"), "navigator.language = {accept}");
}
