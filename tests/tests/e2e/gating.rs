//! Gating journeys (issue 3): gated scripts run in document order through one queue, at most once
//! per page, `!category` on refusal, content added later handled by the MutationObserver; blocked
//! iframes and images show a translated placeholder whose "Load content" grants that one service.
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- gating::`.

use crumb_core::consent::Action;
use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT, BANNER_REJECT, EMBED, EMBED_HOST, EMBED_LOAD, EMBED_TEXT};
use crumb_e2e::{texts, wait_for, BrowserOptions, Shopper};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::key::Key;
use serde_json::{json, Value};

const CONFIG: &str = r#"{
  "site": "gating-test", "revision": 1, "language": "auto",
  "categories": [
    { "id": "necessary", "required": true },
    { "id": "analytics", "services": [
      { "id": "stats", "name": "Stats Co.", "cookies": [
        { "name": "_stats", "purpose": "Counts visits.", "duration": "1 year", "party": "third" } ] } ] },
    { "id": "marketing", "services": [
      { "id": "video", "name": "Video Player Inc.", "cookies": [
        { "name": "_video", "purpose": "Remembers what you watched.", "duration": "1 year", "party": "third" } ] },
      { "id": "ads", "name": "Ads Ltd." } ] }
  ]
}"#;

/// A host page with inline and external gated scripts interleaved, a `!analytics` one, a blocked
/// iframe and image, and CSS that would hide any light-DOM placeholder.
fn gating_page(shop: &Shopper) -> String {
    shop.server.script("gating/external.js", "window.__order.push('external:' + document.currentScript.getAttribute('data-extra'));");
    shop.server.page("gating/frame.html", "<!doctype html><title>frame</title><p id=frame>embedded</p>");
    shop.server.file(
        "gating/pixel.svg",
        "image/svg+xml",
        &[],
        "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10'/></svg>",
    );
    shop.server.page(
        "gating/page.html",
        &format!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gating</title>
<style>button, p {{ display: none !important; }} iframe, img {{ display: block; }}</style>
<script>window.__order = [];</script>
<script type="application/json" id="crumb-config">{CONFIG}</script>
<script src="/crumb/loader.js" data-endpoint="/api/consent"></script>
</head><body>
<h1>Gated content</h1>
<script type="text/plain" data-category="analytics">window.__order.push('inline-1');</script>
<script type="text/plain" data-category="analytics" data-service="stats" src="/p/gating/external.js" data-extra="kept"></script>
<script type="text/plain" data-category="analytics">window.__order.push('inline-2');</script>
<script type="text/plain" data-category="!analytics">window.__order.push('refused');</script>
<script type="text/plain" data-category="marketing">window.__order.push('marketing');</script>
<script type="text/plain" data-category="marketing" data-service="video">window.__order.push('video');</script>
<iframe id="video" data-src="/p/gating/frame.html" data-category="marketing" data-service="video" width="400" height="220" title="A video"></iframe>
<img id="pixel" data-src="/p/gating/pixel.svg" data-category="analytics" width="120" height="160" alt="">
</body></html>"#
        ),
    )
}

async fn order(shop: &Shopper) -> Vec<String> {
    shop.js("return window.__order || [];", vec![]).await
}

async fn wait_order(shop: &Shopper, expected: &[&str]) {
    wait_for!(shop, format!("window.__order to be {expected:?}"), {
        let now = order(shop).await;
        (now == expected).then_some(())
    });
}

/// Adds a gated inline script at the end of `<body>` from page JS.
async fn add_gated_script(shop: &Shopper, category: &str, marker: &str) {
    let _: Value = shop
        .js(
            "var s = document.createElement('script'); s.type = 'text/plain'; \
             s.setAttribute('data-category', arguments[0]); \
             s.textContent = 'window.__order.push(' + JSON.stringify(arguments[1]) + ');'; \
             document.body.appendChild(s); return null;",
            vec![json!(category), json!(marker)],
        )
        .await;
}

/// What the placeholder before the element `#id` shows: `{text, button, described, visible, width, height}`.
async fn placeholder(shop: &Shopper, id: &str) -> Value {
    shop.js(
        "var el = document.getElementById(arguments[0]); var host = el && el.previousElementSibling; \
         if (!host || host.localName !== arguments[3]) return null; \
         var root = host.shadowRoot; var p = root.querySelector(arguments[1]); \
         var b = root.querySelector(arguments[2]); \
         var r = host.getBoundingClientRect(); \
         var shown = function (e) { return !!e && e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none'; }; \
         return { text: p ? p.textContent : null, button: b ? b.textContent.trim() : null, \
                  described: b && p ? b.getAttribute('aria-describedby') === p.id : false, \
                  visible: shown(p) && shown(b), width: r.width, height: r.height, \
                  embed_hidden: getComputedStyle(el).display === 'none' };",
        vec![json!(id), json!(EMBED_TEXT), json!(EMBED_LOAD), json!(EMBED_HOST)],
    )
    .await
}

async fn wait_placeholder(shop: &Shopper, id: &str) -> Value {
    wait_for!(shop, format!("a visible placeholder before #{id}"), {
        let p = placeholder(shop, id).await;
        (p["visible"] == json!(true)).then_some(p)
    })
}

/// The "Load content" button of the placeholder before `#id`, as a WebDriver element.
async fn load_button(shop: &Shopper, id: &str) -> Element {
    let value: Value = shop
        .js(
            "var host = document.getElementById(arguments[0]).previousElementSibling; \
             return host.shadowRoot.querySelector(arguments[1]);",
            vec![json!(id), json!(EMBED_LOAD)],
        )
        .await;
    let object = value.as_object().expect("the Load content button");
    let reference = object.get("element-6066-11e4-a52e-4f735466cecf").and_then(Value::as_str).expect("an element reference");
    Element::from_element_id(shop.client().clone(), ElementRef::from(reference.to_owned()))
}

async fn attribute(shop: &Shopper, id: &str, name: &str) -> Option<String> {
    shop.js(
        "var el = document.getElementById(arguments[0]); return el ? el.getAttribute(arguments[1]) : null;",
        vec![json!(id), json!(name)],
    )
    .await
}

fn embed_text(language: &str, service: &str, category: &str) -> String {
    texts(language)["embed.text"].replace("{service}", service).replace("{category}", category)
}

// Accept all: inline and external gated scripts run in document order (the external one finishes
// before the next starts, its attributes copied), once each, together with one the page added
// before consent; one added after consent runs at once; `!analytics` never runs; the blocked
// iframe and image load and their placeholders go. A returning page runs each once again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gated_scripts_run_in_document_order_once_and_late_ones_too() {
    let shop = Shopper::new().await;
    let page = gating_page(&shop);
    shop.open_widget(&page).await;
    shop.wait_visible(BANNER).await;

    // Before consent: nothing ran or was fetched; the embeds wait behind translated placeholders
    // that the host page's `button, p { display: none !important }` cannot hide; the page's
    // `iframe, img { display: block }` does not show the empty embeds next to them.
    add_gated_script(&shop, "analytics", "late-before").await;
    let video = wait_placeholder(&shop, "video").await;
    assert_eq!(video["text"], json!(embed_text("en", "Video Player Inc.", "Marketing")), "{video}");
    assert_eq!(video["button"], json!(texts("en")["embed.load"]));
    assert_eq!(video["described"], json!(true), "the button is not described by the text: {video}");
    assert_eq!((video["width"].as_f64(), video["height"].as_f64()), (Some(400.0), Some(220.0)), "sized from width/height: {video}");
    assert_eq!(video["embed_hidden"], json!(true));
    let pixel = wait_placeholder(&shop, "pixel").await;
    // The image names no service and has no title, and its source is on this site: the category names it.
    assert_eq!(pixel["text"], json!(embed_text("en", "Analytics", "Analytics")), "{pixel}");
    // The widget is ready and shows its placeholders; the page has caught up since.
    shop.page_caught_up().await;
    assert_eq!(order(&shop).await, Vec::<String>::new(), "a gated script ran before consent");
    assert!(!shop.server.was_requested("/p/gating/external.js"), "the external gated script was fetched before consent");
    assert!(!shop.server.was_requested("/p/gating/frame.html") && !shop.server.was_requested("/p/gating/pixel.svg"));
    assert_eq!(attribute(&shop, "video", "src").await, None);

    shop.click(BANNER_ACCEPT).await;
    let expected = ["inline-1", "external:kept", "inline-2", "marketing", "video", "late-before"];
    wait_order(&shop, &expected).await;

    // Added after consent: runs at once, in the same queue.
    add_gated_script(&shop, "analytics", "late-after").await;
    add_gated_script(&shop, "!analytics", "late-refused").await;
    let mut expected_after = expected.to_vec();
    expected_after.push("late-after");
    wait_order(&shop, &expected_after).await;

    wait_for!(shop, "the iframe and image to load and their placeholders to go", {
        let done = attribute(&shop, "video", "src").await.as_deref() == Some("/p/gating/frame.html")
            && attribute(&shop, "pixel", "src").await.as_deref() == Some("/p/gating/pixel.svg")
            && placeholder(&shop, "video").await.is_null()
            && placeholder(&shop, "pixel").await.is_null();
        done.then_some(())
    });
    let hidden: bool = shop
        .js(
            "return ['video', 'pixel'].some(function (id) { return getComputedStyle(document.getElementById(id)).display === 'none'; });",
            vec![],
        )
        .await;
    assert!(!hidden, "an embed stayed hidden after it loaded");
    wait_for!(shop, "the iframe to be fetched", shop.server.was_requested("/p/gating/frame.html").then_some(()));

    shop.gating_caught_up("necessary").await;
    assert_eq!(order(&shop).await, expected_after, "a gated script ran twice, or a refused one ran");
    let fetched = shop.server.requests().iter().filter(|r| r.starts_with("GET /p/gating/external.js")).count();
    assert_eq!(fetched, 1, "the external gated script was fetched {fetched} times");

    // The next page view: each runs once again, in order, without asking.
    shop.reload_widget().await;
    wait_order(&shop, &expected[..5]).await;
    shop.gating_caught_up("necessary").await;
    assert_eq!(order(&shop).await, expected[..5].to_vec(), "a returning page ran a gated script twice");
    assert!(!shop.is_visible(BANNER).await);
    shop.assert_no_crash().await;
}

// Reject all: only `!analytics` runs; the embeds keep their placeholders. "Load content" (by
// keyboard) grants that one service while its category stays off: the iframe loads, the script
// naming that service runs, the category's other content stays blocked; it is recorded as `custom`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusal_runs_negated_scripts_and_load_content_grants_one_service() {
    let shop = Shopper::new().await;
    let page = gating_page(&shop);
    shop.open_widget(&page).await;
    shop.click(BANNER_REJECT).await;
    wait_order(&shop, &["refused"]).await;
    let consent = shop.wait_stored_consent(0).await;
    wait_placeholder(&shop, "video").await;

    // Keyboard: focus the button and press Enter.
    let button = load_button(&shop, "video").await;
    let _: Value = shop.js("arguments[0].focus(); return null;", vec![json!(button)]).await;
    shop.press(Key::Enter).await;

    wait_for!(shop, "the iframe to load after Load content", {
        (attribute(&shop, "video", "src").await.as_deref() == Some("/p/gating/frame.html")).then_some(())
    });
    wait_order(&shop, &["refused", "video"]).await;
    wait_for!(shop, "the video placeholder to go", placeholder(&shop, "video").await.is_null().then_some(()));
    let focused: Option<String> = shop.js("return document.activeElement ? document.activeElement.id : null;", vec![]).await;
    assert_eq!(focused.as_deref(), Some("video"), "focus did not move to the loaded iframe");

    let after = shop.wait_stored_consent(consent.updated_at).await;
    assert_eq!(after.id, consent.id);
    assert!(!after.granted("marketing"), "Load content switched the whole category on: {after:?}");
    assert_eq!(after.services.get("video"), Some(&true));
    assert_eq!(after.services.get("ads"), Some(&false));
    let records = shop.wait_records(&consent.id, 2).await;
    assert_eq!(records[1].action, Action::Custom);
    assert_eq!(records[1].services.get("video"), Some(&true));
    assert_eq!(records[1].categories.get("marketing"), Some(&false));

    // The image (analytics, no service) still waits; the marketing-wide script never ran.
    shop.gating_caught_up("necessary").await;
    assert_eq!(order(&shop).await, ["refused", "video"]);
    assert!(!placeholder(&shop, "pixel").await.is_null(), "the analytics image lost its placeholder");
    assert_eq!(attribute(&shop, "pixel", "src").await, None);

    // A returning page keeps the service: the iframe loads without a placeholder.
    shop.reload_widget().await;
    wait_order(&shop, &["refused", "video"]).await;
    wait_for!(shop, "the iframe to load on the returning page", {
        (attribute(&shop, "video", "src").await.is_some() && placeholder(&shop, "video").await.is_null()).then_some(())
    });
    shop.assert_no_crash().await;
}

// The demo shop's video embed, for a Dutch shopper: a Dutch placeholder with the iframe's title,
// following Crumb.setLanguage; Accept all loads the stand-in player.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_shop_video_placeholder_is_translated_and_loads_on_accept() {
    let shop = Shopper::with_browser(BrowserOptions::languages(&["nl"])).await;
    shop.open_widget("/").await;
    let id: String =
        shop.js("var f = document.querySelector('iframe[data-src=\"/demo/video.html\"]'); f.id = 'demo-video'; return f.id;", vec![]).await;
    let shown = wait_placeholder(&shop, &id).await;
    let nl = texts("nl");
    assert_eq!(shown["text"], json!(embed_text("nl", "Demo Video", &nl["category.marketing.title"])), "{shown}");
    assert_eq!(shown["button"], json!(nl["embed.load"]));
    assert!(!shop.server.was_requested("/demo/video.html"));

    // Crumb.setLanguage switches the placeholder along with the banner.
    let _: Value = shop.js("Crumb.setLanguage('zh'); return null;", vec![]).await;
    let zh = texts("zh");
    let expected = embed_text("zh", "Demo Video", &zh["category.marketing.title"]);
    wait_for!(shop, "the placeholder to switch to Chinese", {
        let shown = placeholder(&shop, &id).await;
        (shown["text"] == json!(expected) && shown["button"] == json!(zh["embed.load"])).then_some(())
    });
    // In Arabic the placeholder reads right to left, like the banner.
    let _: Value = shop.js("Crumb.setLanguage('ar'); return null;", vec![]).await;
    let ar = texts("ar");
    let expected = embed_text("ar", "Demo Video", &ar["category.marketing.title"]);
    wait_for!(shop, "the placeholder in Arabic, right to left", {
        let shown = placeholder(&shop, &id).await;
        let dir: Option<String> = shop
            .js("return document.getElementById(arguments[0]).previousElementSibling.shadowRoot.querySelector(arguments[1]).getAttribute('dir');", vec![json!(id), json!(EMBED)])
            .await;
        (shown["text"] == json!(expected) && dir.as_deref() == Some("rtl")).then_some(())
    });
    shop.click(BANNER_ACCEPT).await;
    wait_for!(shop, "the demo video to load", shop.server.was_requested("/demo/video.html").then_some(()));
    wait_for!(shop, "the demo video placeholder to go", placeholder(&shop, &id).await.is_null().then_some(()));
    shop.assert_no_crash().await;
}

// Under a strict CSP with a nonce: a gated inline script carrying the nonce runs (the nonce is
// copied to the running copy), one without it is refused by the browser, the external one from
// 'self' runs, and neither the placeholders nor the gating cause a CSP violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gated_scripts_keep_their_nonce_under_a_strict_csp() {
    let shop = Shopper::new().await;
    shop.server.script("csp/external.js", "window.__order.push('external');");
    shop.server.page("csp/frame.html", "<!doctype html><title>frame</title><p>embedded</p>");
    let csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-r4nd0m'; style-src 'self'";
    let page = shop.server.file(
        "csp/page.html",
        "text/html; charset=utf-8",
        &[("Content-Security-Policy", csp)],
        &format!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CSP</title>
<script nonce="r4nd0m">window.__order = []; window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {{
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
}});</script>
<script type="application/json" id="crumb-config">{CONFIG}</script>
<script src="/crumb/loader.js" data-endpoint="/api/consent"></script>
</head><body>
<script type="text/plain" data-category="analytics" nonce="r4nd0m">window.__order.push('with-nonce');</script>
<script type="text/plain" data-category="analytics" src="/p/csp/external.js"></script>
<script type="text/plain" data-category="analytics">window.__order.push('without-nonce');</script>
<iframe id="video" data-src="/p/csp/frame.html" data-category="marketing" data-service="video" width="300" height="200"></iframe>
</body></html>"#
        ),
    );
    shop.open_widget(&page).await;
    wait_placeholder(&shop, "video").await;
    let violations: Vec<String> = shop.js("return window.__violations;", vec![]).await;
    assert!(violations.is_empty(), "CSP violations before consent: {violations:?}");

    shop.click(BANNER_ACCEPT).await;
    wait_order(&shop, &["with-nonce", "external"]).await;
    wait_for!(shop, "the iframe to load", {
        (attribute(&shop, "video", "src").await.as_deref() == Some("/p/csp/frame.html")).then_some(())
    });
    wait_for!(shop, "the browser to refuse the gated script without the nonce", {
        let violations: Vec<String> = shop.js("return window.__violations;", vec![]).await;
        (!violations.is_empty()).then_some(violations)
    });
    // The refusal above came from the last script of the queue; let any later event arrive.
    shop.page_caught_up().await;
    assert_eq!(order(&shop).await, ["with-nonce", "external"], "a script without the nonce ran under CSP");
    let violations: Vec<String> = shop.js("return window.__violations;", vec![]).await;
    assert_eq!(violations.len(), 1, "only the script without a nonce may be refused: {violations:?}");
    assert!(violations[0].starts_with("script-src"), "{violations:?}");
    shop.assert_no_crash().await;
}

/// A page served with a strict nonce + 'strict-dynamic' policy (the loader's tag carries the
/// nonce, as the strict-CSP recipe says), the page's own gated scripts carrying the nonce, and
/// markup injected into it (a comment field, say) that tries to have the widget run code: gated
/// scripts without the nonce (one from another origin, one inline) and an iframe whose data-src
/// is a `javascript:` URL. `gating` is the config's `gating` section, if any.
fn strict_dynamic_page(shop: &Shopper, name: &str, gating: Option<Value>) -> String {
    shop.server.script("strict/page.js", "window.__ran.push('page-external');");
    shop.server.script("strict/other-origin.js", "window.__ran.push('injected-other-origin');");
    let mut config: Value = serde_json::from_str(CONFIG).expect("the test config");
    if let Some(gating) = gating {
        config["gating"] = gating;
    }
    // Another origin than the page's (127.0.0.1): the same server, by another host name.
    let other_origin = shop.server.url("/p/strict/other-origin.js").replace("127.0.0.1", "localhost");
    let csp = "script-src 'nonce-r4nd0m' 'strict-dynamic' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";
    shop.server.file(
        &format!("strict/{name}.html"),
        "text/html; charset=utf-8",
        &[("Content-Security-Policy", csp)],
        &format!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>strict-dynamic</title>
<script nonce="r4nd0m">window.__ran = []; window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {{ window.__violations.push(e.violatedDirective + ' ' + e.blockedURI); }});</script>
<script type="application/json" id="crumb-config">{config}</script>
<script src="/crumb/loader.js" nonce="r4nd0m" data-endpoint="/api/consent"></script>
</head><body>
<script type="text/plain" data-category="analytics" nonce="r4nd0m">window.__ran.push('page-inline');</script>
<script type="text/plain" data-category="analytics" nonce="r4nd0m" src="/p/strict/page.js"></script>
<div class="comment">
<script type="text/plain" data-category="necessary" src="{other_origin}"></script>
<script type="text/plain" data-category="analytics">window.__ran.push('injected-inline');</script>
<iframe id="injected-frame" data-src=" JavaScript:parent.__ran.push('injected-frame')" data-category="analytics" data-placeholder="false"></iframe>
</div>
<script type="text/plain" data-category="analytics" nonce="r4nd0m">window.__ran.push('page-last');</script>
</body></html>"#
        ),
    )
}

async fn ran(shop: &Shopper) -> Vec<String> {
    shop.js("return window.__ran;", vec![]).await
}

/// Accepts all, then waits for the page's last gated script: the queue runs in document order,
/// so everything gated before it has run, or been refused, by then.
async fn accept_and_wait_for_the_last_page_script(shop: &Shopper) {
    shop.click(BANNER_ACCEPT).await;
    wait_for!(shop, "the page's last gated script to run", ran(shop).await.iter().any(|r| r == "page-last").then_some(()));
    shop.page_caught_up().await;
}

// Issue 12: with `gating.require_nonce`, markup injected into a strict-dynamic page cannot have
// the widget run it after Accept all (the widget's scripts are trusted by 'strict-dynamic'): only
// the page's own gated scripts, which carry its nonce, run; the injected ones are never even
// requested, and each is named once in a console warning. The javascript: iframe never loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_nonce_keeps_injected_gated_markup_inert_under_strict_dynamic() {
    let shop = Shopper::new().await;
    let page = strict_dynamic_page(&shop, "nonce-required", Some(json!({"require_nonce": true})));
    shop.open_widget(&page).await;
    accept_and_wait_for_the_last_page_script(&shop).await;
    assert_eq!(ran(&shop).await, ["page-inline", "page-external", "page-last"], "injected gated markup ran");
    assert!(!shop.server.was_requested("/p/strict/other-origin.js"), "the injected other-origin script was fetched");
    assert_eq!(attribute(&shop, "injected-frame", "src").await, None, "the javascript: iframe was given its URL");
    let warnings: Vec<String> =
        shop.browser.console().await.into_iter().map(|e| e.message).filter(|m| m.contains("Crumb: gated ")).collect();
    assert_eq!(warnings.len(), 3, "one warning per injected element: {warnings:#?}");
    assert_eq!(warnings.iter().filter(|w| w.contains("gating.require_nonce")).count(), 2, "{warnings:#?}");
    assert!(
        warnings.iter().any(|w| w.contains("Crumb: gated iframe#injected-frame not run") && w.contains("JavaScript:")),
        "{warnings:#?}"
    );
    let violations: Vec<String> = shop.js("return window.__violations;", vec![]).await;
    assert!(violations.is_empty(), "CSP violations: {violations:?}");
    shop.assert_no_crash().await;
}

// The same page without the switch shows the gadget it closes: under 'strict-dynamic' the
// injected gated scripts run, because the widget re-creates them (so the test above proves
// something). The javascript: iframe stays inert with the switch off too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_require_nonce_strict_dynamic_trusts_revived_scripts_but_never_a_javascript_frame() {
    let shop = Shopper::new().await;
    let page = strict_dynamic_page(&shop, "nonce-not-required", None);
    shop.open_widget(&page).await;
    accept_and_wait_for_the_last_page_script(&shop).await;
    assert_eq!(
        ran(&shop).await,
        ["page-inline", "page-external", "injected-other-origin", "injected-inline", "page-last"],
        "the gadget the switch closes is no longer there: update docs/security.md"
    );
    assert_eq!(attribute(&shop, "injected-frame", "src").await, None, "the javascript: iframe was given its URL");
    let warnings: Vec<String> = shop
        .browser
        .console()
        .await
        .into_iter()
        .map(|e| e.message)
        .filter(|m| m.contains("Crumb: gated iframe#injected-frame not run"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    shop.assert_no_crash().await;
}

// Without any CSP, a `javascript:` or `data:` data-src or gated src never runs once its category
// is allowed (before the fix the widget set the iframe's src and revived the data: script).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_and_data_urls_in_gated_markup_never_run() {
    let shop = Shopper::new().await;
    let page = shop.server.page(
        "gated-urls.html",
        &format!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gated URLs</title>
<script>window.__ran = [];</script>
<script type="application/json" id="crumb-config">{CONFIG}</script>
<script src="/crumb/loader.js" data-endpoint="/api/consent"></script>
</head><body>
<iframe id="js-frame" data-src="javascript:parent.__ran.push('js-frame')" data-category="analytics" data-placeholder="false"></iframe>
<iframe id="tab-frame" data-src="java&#9;script:parent.__ran.push('tab-frame')" data-category="marketing"></iframe>
<script type="text/plain" data-category="analytics" src="data:text/javascript,window.__ran.push('data-script')"></script>
<iframe id="fine-frame" data-src="/p/gated-frame.html" data-category="marketing"></iframe>
<script type="text/plain" data-category="analytics">window.__ran.push('page-last');</script>
</body></html>"#
        ),
    );
    shop.server.page("gated-frame.html", "<!doctype html><title>frame</title><p>embedded</p>");
    shop.open_widget(&page).await;
    // A refused embed offers no "Load content" either (once the fine one has its placeholder).
    wait_placeholder(&shop, "fine-frame").await;
    assert!(placeholder(&shop, "tab-frame").await.is_null(), "a placeholder offers to load a javascript: URL");
    accept_and_wait_for_the_last_page_script(&shop).await;
    wait_for!(shop, "the fine iframe to load", {
        (attribute(&shop, "fine-frame", "src").await.as_deref() == Some("/p/gated-frame.html")).then_some(())
    });
    assert_eq!(ran(&shop).await, ["page-last"]);
    for frame in ["js-frame", "tab-frame"] {
        assert_eq!(attribute(&shop, frame, "src").await, None, "{frame} was given its URL");
        assert_eq!(attribute(&shop, frame, "data-crumb-state").await.as_deref(), Some("refused"), "{frame}");
    }
    shop.assert_no_crash().await;
}
