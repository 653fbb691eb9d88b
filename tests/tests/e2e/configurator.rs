//! Marketers change the banner without a developer (issue 13): the configurator at
//! `/admin/sites/{site}` in one headless Chromium, signed in with a token, and the demo shop
//! loading its config from crumb-server (`data-config="/api/sites/crumb-demo/config"`) in another,
//! both against one in-process crumb-server with SQLite. A publish is seen on the shopper's next
//! page view (`--config-max-age 0`).
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- configurator::`.

use crumb_e2e::browser::{Browser, BrowserOptions};
use crumb_e2e::selectors::{category_section, BANNER, BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_TITLE, PREFS, PREFS_REJECT};
use crumb_e2e::server::ADMIN_TOKEN;
use crumb_e2e::{texts, wait_for, Shopper, TestServer};
use fantoccini::key::Key;
use fantoccini::Locator;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

const SITE: &str = "crumb-demo";
const CONFIGURATOR: &str = "/admin/sites/crumb-demo";

/// A marketer: a browser of their own, signed in to the test server's admin with one token.
struct Marketer {
    browser: Browser,
    base: String,
}

impl Marketer {
    /// Signs in with `token` through `/admin/login` and opens the configurator, waiting until the
    /// draft has loaded (its first category's id field is there).
    async fn sign_in(server: &TestServer, token: &str) -> Marketer {
        let marketer = Marketer { browser: Browser::start(BrowserOptions::default()).await, base: server.base_url().to_owned() };
        marketer.goto(&format!("/admin/login?next={CONFIGURATOR}")).await;
        let field = marketer.find("input[name=token]").await;
        field.send_keys(token).await.expect("type the token");
        marketer.find("button[type=submit]").await.click().await.expect("sign in");
        marketer.wait_loaded().await;
        marketer
    }

    async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        if let Err(err) = self.browser.client.goto(&url).await {
            panic!("could not open {url}: {err}\n{}", self.diagnostics().await);
        }
    }

    /// The configurator shows the draft (its first category's id field exists).
    async fn wait_loaded(&self) {
        wait_for!(self, "the configurator to load the draft", {
            let loaded: bool = self.js("return !!document.getElementById('categories-0-id');", vec![]).await;
            loaded.then_some(())
        });
    }

    async fn reload(&self) {
        self.browser.client.refresh().await.expect("reload");
        self.wait_loaded().await;
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        wait_for!(self, format!("`{css}` to exist"), self.browser.client.find(Locator::Css(css)).await.ok())
    }

    async fn js<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> T {
        let value = self.browser.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"));
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("script result {value}: {e}\n{script}"))
    }

    /// Clicks the element with this id once it exists and is enabled.
    async fn click(&self, id: &str) {
        wait_for!(self, format!("#{id} to be enabled"), {
            let ready: bool = self.js("var e = document.getElementById(arguments[0]); return !!e && !e.disabled;", vec![json!(id)]).await;
            ready.then_some(())
        });
        self.find(&format!("#{id}")).await.click().await.unwrap_or_else(|e| panic!("click #{id}: {e}"));
    }

    /// Replaces the text of the input with this id, as typing would (select all, then type).
    async fn fill(&self, id: &str, text: &str) {
        let field = self.find(&format!("#{id}")).await;
        field.click().await.unwrap_or_else(|e| panic!("focus #{id}: {e}"));
        let select_all = format!("{}a", char::from(Key::Control));
        field.send_keys(&select_all).await.expect("select all");
        field.send_keys(&format!("{}{text}", char::from(Key::Backspace))).await.unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }

    /// A long text (a whole config) put into a textarea at once, with the `input` event typing
    /// would fire.
    async fn paste(&self, id: &str, text: &str) {
        let _: Value = self
            .js(
                "var e = document.getElementById(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('input', {bubbles: true})); return null;",
                vec![json!(id), json!(text)],
            )
            .await;
    }

    async fn text(&self, id: &str) -> String {
        self.js("var e = document.getElementById(arguments[0]); return e ? e.textContent : '';", vec![json!(id)]).await
    }

    async fn value(&self, id: &str) -> String {
        self.js("var e = document.getElementById(arguments[0]); return e ? e.value : '';", vec![json!(id)]).await
    }

    /// Waits until the text of the element with this id contains `needle`; gives the text.
    async fn wait_text(&self, id: &str, needle: &str) -> String {
        wait_for!(self, format!("#{id} to say `{needle}`"), {
            let text = self.text(id).await;
            text.contains(needle).then_some(text)
        })
    }

    /// Publishes the saved draft (the assessment must already say what it means) and waits for
    /// the new version's number.
    async fn publish(&self, version: u32) -> String {
        self.click("publish-button").await;
        self.click("publish-confirm").await;
        self.wait_text("publish-result", &format!("Published version {version} ")).await
    }

    /// The index of the category with this id in the configurator.
    async fn category_index(&self, id: &str) -> usize {
        wait_for!(self, format!("category `{id}` in the editor"), {
            let index: i64 = self
                .js(
                    "for (var i = 0; ; i++) { var e = document.getElementById('categories-' + i + '-id'); \
                     if (!e) return -1; if (e.value === arguments[0]) return i; }",
                    vec![json!(id)],
                )
                .await;
            usize::try_from(index).ok()
        })
    }

    /// A same-origin `fetch` from the configurator's page with its session cookie; gives the status.
    async fn fetch_status(&self, method: &str, path: &str, body: &Value) -> u16 {
        let script = "var done = arguments[arguments.length - 1]; \
                      fetch(arguments[1], {method: arguments[0], credentials: 'same-origin', \
                        headers: {'Content-Type': 'application/json'}, body: JSON.stringify(arguments[2])}) \
                      .then(function (r) { done(r.status); }, function () { done(0); });";
        let value = self.browser.client.execute_async(script, vec![json!(method), json!(path), body.clone()]).await.expect("fetch");
        value.as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0)
    }

    async fn diagnostics(&self) -> String {
        let url = self.browser.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        format!("marketer at {url}\nconsole:\n{}", self.browser.console_text().await)
    }
}

/// The demo shop's own config, as a marketer would paste it from the page into the import box.
fn demo_config_text(server: &TestServer) -> String {
    serde_json::to_string_pretty(&server.demo_config()).expect("config text")
}

/// A fresh server with hosted configs, the demo's config imported and published as version 1 by
/// the `--admin-token` holder, and that marketer's configurator open.
async fn published_demo() -> (Shopper, Marketer) {
    let server = TestServer::start_hosted().await;
    let marketer = Marketer::sign_in(&server, ADMIN_TOKEN).await;
    marketer.paste("import-text", &demo_config_text(&server)).await;
    marketer.click("import-submit").await;
    marketer.wait_text("import-result", "Imported").await;
    marketer.category_index("marketing").await;
    marketer.wait_text("assessment-words", "Nothing is published yet").await;
    marketer.publish(1).await;
    let shop = Shopper::with_server(server, BrowserOptions::default()).await;
    (shop, marketer)
}

/// The shopper's page: the demo shop with its config from crumb-server.
fn hosted_page(shop: &Shopper) -> String {
    shop.server.hosted_variant("hosted", SITE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_a_category_removed_and_published_asks_every_shopper_again_and_the_proof_shows_both_banners() {
    let (shop, marketer) = published_demo().await;
    let page = hosted_page(&shop);
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_ACCEPT).await;
    let first = shop.wait_stored_consent(0).await;
    let records = shop.wait_records(&first.id, 1).await;
    assert_eq!(records[0].config_version, Some(1), "the record names the version it was given under");
    assert!(first.categories.get("marketing") == Some(&true));

    // The marketer removes the marketing category: the core says everyone is asked again.
    let marketing = marketer.category_index("marketing").await;
    marketer.click(&format!("categories-{marketing}-remove")).await;
    let words = marketer.wait_text("assessment-words", "Every visitor will be asked again").await;
    assert!(words.contains("Every visitor will be asked again because:"), "{words}");
    let reasons = marketer.js::<String>("return document.querySelector('#assessment ul').textContent;", vec![]).await;
    assert!(reasons.contains("category `marketing` removed"), "{reasons}");
    let published = marketer.publish(2).await;
    assert!(published.contains("Every visitor will be asked again."), "{published}");

    // The shopper's next page view asks again, and marketing is gone.
    shop.reload_widget().await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    assert!(shop.shadow(&category_section("analytics")).await.is_some(), "analytics is still offered");
    assert!(shop.shadow(&category_section("marketing")).await.is_none(), "marketing is no longer offered");
    shop.click(PREFS_REJECT).await;
    let records = shop.wait_records(&first.id, 2).await;
    let last = records.last().expect("a second record");
    assert_eq!(last.config_version, Some(2));
    assert!(!last.categories.contains_key("marketing"), "{last:?}");

    // The proof view shows each record's version and what that version's banner said.
    marketer.goto(&format!("/admin/consents?id={}", first.id)).await;
    let proof: String = marketer.js("return document.body.textContent;", vec![]).await;
    let en = texts("en");
    assert!(proof.contains("config version 1 of crumb-demo") && proof.contains("config version 2 of crumb-demo"), "{proof}");
    assert!(proof.contains(&en["banner.title"]) && proof.contains(&en["action.reject_all"]), "{proof}");
    let sections: Vec<String> = marketer
        .js("return Array.from(document.querySelectorAll('section.shown')).map(function (s) { return s.textContent; });", vec![])
        .await;
    assert_eq!(sections.len(), 2, "{sections:?}");
    assert!(sections[0].contains("Marketing") && !sections[1].contains("Marketing"), "{sections:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_a_text_fix_publishes_without_asking_again() {
    let (shop, marketer) = published_demo().await;
    let page = hosted_page(&shop);
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    shop.click(BANNER_ACCEPT).await;
    let consent = shop.wait_stored_consent(0).await;

    marketer.fill("texts-en-banner-title", "Cookies at Crumb & Co.").await;
    marketer.wait_text("assessment-words", "No visitor is asked again").await;
    let published = marketer.publish(2).await;
    assert!(published.contains("No visitor is asked again."), "{published}");

    // The next page view keeps the consent (no banner); the banner, reopened, has the new words.
    shop.reload_widget().await;
    shop.page_caught_up().await;
    assert!(!shop.is_visible(BANNER).await, "a text fix must not ask again");
    assert_eq!(shop.stored_consent().await.map(|c| c.revision), Some(consent.revision));
    shop.in_shadow::<Value>("window.Crumb.show(); return null;", vec![]).await;
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.text(BANNER_TITLE).await.as_deref(), Some("Cookies at Crumb & Co."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_an_invalid_duration_is_shown_at_its_field_and_publish_is_off() {
    let (_shop, marketer) = published_demo().await;
    let analytics = marketer.category_index("analytics").await;
    let field = format!("categories-{analytics}-services-0-cookies-0-duration");
    marketer.fill(&field, "forever").await;
    let error = marketer.wait_text(&format!("{field}-error"), "Error").await;
    assert!(error.contains("duration") || error.contains("session"), "the message says what a duration is: {error}");
    let invalid: Option<String> =
        marketer.js("return document.getElementById(arguments[0]).getAttribute('aria-invalid');", vec![json!(field)]).await;
    assert_eq!(invalid.as_deref(), Some("true"));
    let described: String =
        marketer.js("return document.getElementById(arguments[0]).getAttribute('aria-describedby') || '';", vec![json!(field)]).await;
    assert!(described.split(' ').any(|id| id == format!("{field}-error")), "{described}");
    let disabled: bool = marketer.js("return document.getElementById('publish-button').disabled;", vec![]).await;
    assert!(disabled, "publish is off while the draft has an error");
    // The draft is still saved (nothing lost), and the server refuses to publish it.
    let status = marketer.fetch_status("POST", "/api/admin/sites/crumb-demo/publish", &json!({"based_on": 1, "note": ""})).await;
    assert_eq!(status, 422);

    marketer.fill(&field, "2 years").await;
    wait_for!(marketer, "the error to go and publish to come back", {
        let ok: bool = marketer
            .js(
                "return !document.getElementById('publish-button').disabled && \
                 !document.getElementById(arguments[0]).hasAttribute('aria-invalid');",
                vec![json!(field)],
            )
            .await;
        ok.then_some(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_rollback_restores_the_previous_banner() {
    let (shop, marketer) = published_demo().await;
    marketer.fill("texts-en-banner-title", "A title we regret").await;
    marketer.wait_text("assessment-words", "No visitor is asked again").await;
    marketer.publish(2).await;
    let page = hosted_page(&shop);
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.text(BANNER_TITLE).await.as_deref(), Some("A title we regret"));

    marketer.reload().await;
    marketer.click("rollback-1").await;
    marketer.wait_text("versions-result", "version 3 has the config of version 1").await;
    shop.reload_widget().await;
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.text(BANNER_TITLE).await, Some(texts("en")["banner.title"].clone()), "version 1's banner is back");
    let served: Value = shop
        .js_async(
            "var done = arguments[arguments.length - 1]; fetch('/api/sites/crumb-demo/config').then(function (r) { return r.json(); }).then(done);",
            vec![],
        )
        .await;
    assert_eq!(served["config_version"], json!(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_two_publishers_from_one_base_the_second_is_refused_and_keeps_the_draft() {
    let (shop, admin) = published_demo().await;
    drop(admin);
    let alice_token = shop.server.add_token("alice", "publisher").await;
    let bob_token = shop.server.add_token("bob", "publisher").await;
    let alice = Marketer::sign_in(&shop.server, &alice_token).await;
    let bob = Marketer::sign_in(&shop.server, &bob_token).await;

    alice.fill("texts-en-banner-title", "Alice's title").await;
    alice.wait_text("assessment-words", "No visitor is asked again").await;
    bob.fill("texts-en-banner-title", "Bob's title").await;
    bob.wait_text("assessment-words", "No visitor is asked again").await;
    alice.publish(2).await;

    bob.click("publish-button").await;
    bob.click("publish-confirm").await;
    let conflict = bob.wait_text("conflict", "since you started").await;
    assert!(conflict.contains("Version 2 was published by alice since you started; your draft is kept."), "{conflict}");
    assert_eq!(bob.text("publish-result").await, "", "nothing was published");

    // Bob's draft survives a reload: it is on the server, still based on version 1.
    bob.reload().await;
    assert_eq!(bob.value("texts-en-banner-title").await, "Bob's title");
    // He looks at what Alice changed, takes her version as his base, and publishes over it.
    bob.click("publish-button").await;
    bob.click("publish-confirm").await;
    bob.wait_text("conflict", "since you started").await;
    bob.click("conflict-diff").await;
    bob.wait_text("publish", "Alice's title").await;
    bob.click("conflict-rebase").await;
    bob.wait_text("publish-result", "based on version 2").await;
    bob.publish(3).await;
    let versions = bob.wait_text("versions-list", "Version 3").await;
    assert!(versions.contains("by bob") && versions.contains("by alice"), "the history names who published: {versions}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_the_preview_shows_the_draft_not_the_published_config() {
    let (shop, marketer) = published_demo().await;
    marketer.fill("texts-en-banner-title", "Draft, not yet published").await;
    marketer.wait_text("assessment-words", "No visitor is asked again").await;
    let title_in_preview = "var frame = document.getElementById('preview-frame'); \
        if (!frame || frame.getAttribute('data-ready') !== 'true') return null; \
        var host = frame.contentDocument && frame.contentDocument.getElementById('crumb-root'); \
        var root = host && host.shadowRoot; var title = root && root.querySelector('#crumb-banner-title'); \
        return title ? title.textContent : null;";
    let shown = wait_for!(marketer, "the preview to show the draft's title", {
        let title: Option<String> = marketer.js(title_in_preview, vec![]).await;
        title.filter(|t| t == "Draft, not yet published")
    });
    assert_eq!(shown, "Draft, not yet published");
    let console = marketer.browser.console_text().await;
    assert!(!console.contains("base href"), "the preview resolves its URLs against the configurator's address: {console}");
    // The preference center and the phone width are one click away.
    marketer.click("preview-phone").await;
    let phone: bool = marketer.js("return document.getElementById('preview-frame').classList.contains('preview-phone');", vec![]).await;
    assert!(phone);

    // Shoppers still get the published version.
    let page = hosted_page(&shop);
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;
    assert_eq!(shop.text(BANNER_TITLE).await, Some(texts("en")["banner.title"].clone()));
    assert_eq!(shop.server.count_records().await, 0, "the preview posts no record to the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_a_viewer_and_an_editor_cannot_publish() {
    let (shop, admin) = published_demo().await;
    drop(admin);
    let viewer = Marketer::sign_in(&shop.server, &shop.server.add_token("vera", "viewer").await).await;
    let editor = Marketer::sign_in(&shop.server, &shop.server.add_token("ed", "editor").await).await;
    let publish = json!({"based_on": 1, "note": "not allowed"});

    assert_eq!(viewer.fetch_status("PUT", "/api/admin/sites/crumb-demo/draft", &json!({"config": {}, "based_on": 1})).await, 403);
    assert_eq!(viewer.fetch_status("POST", "/api/admin/sites/crumb-demo/publish", &publish).await, 403);

    // The editor saves drafts, but publishing is refused with words the page shows.
    editor.fill("texts-en-banner-title", "An editor's idea").await;
    editor.wait_text("assessment-words", "No visitor is asked again").await;
    editor.click("publish-button").await;
    editor.click("publish-confirm").await;
    let refused = editor.wait_text("publish-result", "Not published").await;
    assert!(refused.contains("publisher"), "{refused}");
    assert_eq!(editor.fetch_status("POST", "/api/admin/sites/crumb-demo/publish", &publish).await, 403);
    assert_eq!(editor.fetch_status("POST", "/api/admin/sites/crumb-demo/rollback", &json!({"version": 1, "based_on": 1})).await, 403);
    let versions = editor.wait_text("versions-list", "Version 1").await;
    assert!(!versions.contains("Version 2"), "nothing was published: {versions}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configurator_passes_axe_and_works_by_keyboard() {
    let (_shop, marketer) = published_demo().await;
    let axe = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../node_modules/axe-core/axe.min.js"))
        .expect("node_modules/axe-core (npm ci installs it)");
    let _: Value = marketer.js(&format!("{axe}\n; return null;"), vec![]).await;
    let violations: Value = marketer
        .browser
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1]; \
             axe.run({exclude: [['#preview-frame']]}, {resultTypes: ['violations']}) \
               .then(function (r) { done(r.violations.map(function (v) { \
                 return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })); }, \
                 function (e) { done(['axe failed: ' + e]); });",
            vec![],
        )
        .await
        .expect("axe");
    assert_eq!(violations, json!([]), "axe-core violations in the configurator");

    // By keyboard alone: Tab reaches "Add a category", Enter adds one and moves focus into it.
    let before: usize = marketer
        .js("return Array.from(document.querySelectorAll('input[id]')).filter(function (e) { return /^categories-\\d+-id$/.test(e.id); }).length;", vec![])
        .await;
    let mut reached = false;
    for _ in 0..600 {
        let active: String = marketer.js("return document.activeElement ? document.activeElement.id : '';", vec![]).await;
        if active == "categories-add" {
            reached = true;
            break;
        }
        marketer.browser.client.active_element().await.expect("focus").send_keys(&char::from(Key::Tab).to_string()).await.expect("tab");
    }
    assert!(reached, "Tab never reached #categories-add\n{}", marketer.diagnostics().await);
    marketer.browser.client.active_element().await.expect("focus").send_keys(&char::from(Key::Enter).to_string()).await.expect("enter");
    let added = format!("categories-{before}-id");
    wait_for!(marketer, format!("focus in #{added}"), {
        let active: String = marketer.js("return document.activeElement ? document.activeElement.id : '';", vec![]).await;
        (active == added).then_some(())
    });
}
