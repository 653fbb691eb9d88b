//! Accessibility beyond what axe checks, in real headless Chromium: reflow at 400 % zoom
//! (WCAG 1.4.10: 320 x 256 CSS px), switches in forced-colours mode (Windows High Contrast),
//! the switches' non-text contrast in both colour schemes (WCAG 1.4.11), and accessible names
//! that contain the visible text (WCAG 2.5.3).
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- a11y::`.

use crumb_audit::buttons::{contrast_ratio, Rgba};
use crumb_e2e::selectors::{switch, BANNER, BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_REJECT, BANNER_TITLE, PREFS};
use crumb_e2e::{wait_for, Shopper};
use serde_json::{json, Value};

const OPTIONAL: [&str; 3] = ["preferences", "analytics", "marketing"];

/// The viewport of a 1280 x 1024 screen at 400 % zoom.
async fn zoomed_400(shop: &Shopper) {
    let metrics = json!({ "width": 320, "height": 256, "deviceScaleFactor": 1, "mobile": false });
    shop.browser.cdp("Emulation.setDeviceMetricsOverride", metrics).await.unwrap_or_else(|e| panic!("{e}"));
}

async fn emulate_media(shop: &Shopper, features: Value) {
    shop.browser.cdp("Emulation.setEmulatedMedia", json!({ "features": features })).await.unwrap_or_else(|e| panic!("{e}"));
}

/// Scrolls `selector` into view inside its scrolling box and reports whether it is then wholly
/// inside the viewport and is what a tap at its centre hits (nothing covers it).
async fn reachable(shop: &Shopper, selector: &str) -> Value {
    shop.in_shadow(
        "var el = root.querySelector(arguments[0]); if (!el) return { found: false }; \
         el.scrollIntoView({ block: 'nearest', inline: 'nearest' }); \
         var r = el.getBoundingClientRect(); \
         var inside = r.height > 0 && r.top >= -0.5 && r.left >= -0.5 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5; \
         var hit = root.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
         return { found: true, inside: inside, hit: !!hit && (hit === el || el.contains(hit)), \
                  rect: [Math.round(r.top), Math.round(r.left), Math.round(r.bottom), Math.round(r.right)], \
                  viewport: [innerWidth, innerHeight] };",
        vec![json!(selector)],
    )
    .await
}

fn assert_reachable(what: &str, report: &Value) {
    assert_eq!(report["found"], json!(true), "{what} not found");
    assert_eq!(report["inside"], json!(true), "{what} cannot be scrolled wholly into the 320 x 256 viewport: {report}");
    assert_eq!(report["hit"], json!(true), "{what} is covered by something else at 320 x 256: {report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a11y_at_400_percent_zoom_the_banner_and_every_switch_can_be_reached() {
    let shop = Shopper::new().await;
    zoomed_400(&shop).await;
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;

    // The banner fits the viewport and opens at its top: the title shows without scrolling.
    let banner: Value = shop
        .in_shadow(
            "var b = root.querySelector(arguments[0]), t = root.querySelector(arguments[1]); \
             var r = b.getBoundingClientRect(), tr = t.getBoundingClientRect(); \
             return { top: r.top, bottom: r.bottom, height: innerHeight, scrollTop: b.scrollTop, titleTop: tr.top };",
            vec![json!(BANNER), json!(BANNER_TITLE)],
        )
        .await;
    let number = |key: &str| banner[key].as_f64().unwrap_or(f64::NAN);
    assert!(number("top") >= 0.0 && number("bottom") <= number("height"), "the banner overflows the viewport: {banner}");
    assert!(number("titleTop") >= number("top"), "the title starts above the banner's top: {banner}");

    for (what, selector) in
        [("the title", BANNER_TITLE), ("Accept all", BANNER_ACCEPT), ("Reject all", BANNER_REJECT), ("Customize", BANNER_CUSTOMIZE)]
    {
        assert_reachable(what, &reachable(&shop, selector).await);
    }

    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    for category in OPTIONAL {
        let selector = switch(category);
        assert_reachable(&format!("the {category} switch"), &reachable(&shop, &selector).await);
        let before = shop.attr(&selector, "aria-checked").await;
        shop.click(&selector).await;
        let after = shop.attr(&selector, "aria-checked").await;
        assert_ne!(before, after, "the {category} switch did not toggle at 320 x 256");
    }
    assert_reachable("the necessary switch", &reachable(&shop, &switch("necessary")).await);
    shop.assert_no_crash().await;
}

/// Colours of every switch's track and thumb, and of the dialog behind them, as `rgb(…)` text,
/// once the switches' colour transitions have ended.
async fn switch_colours(shop: &Shopper) -> Vec<Value> {
    wait_for!(
        shop,
        "the switches' transitions to end",
        shop.in_shadow::<bool>("return root.getAnimations().length === 0;", vec![]).await.then_some(())
    );
    shop.in_shadow(
        "var dialog = root.querySelector('.crumb-dialog'); \
         return Array.from(root.querySelectorAll('button[role=switch]')).map(function (s) { \
           var track = getComputedStyle(s.querySelector('.crumb-switch-track')); \
           var thumb = getComputedStyle(s.querySelector('.crumb-switch-thumb')); \
           return { category: s.dataset.category, on: s.getAttribute('aria-checked'), \
                    track: track.backgroundColor, border: track.borderTopColor, borderWidth: parseFloat(track.borderTopWidth), \
                    thumb: thumb.backgroundColor, surface: getComputedStyle(dialog).backgroundColor }; });",
        vec![],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a11y_in_forced_colours_every_switch_and_its_state_stay_visible() {
    let shop = Shopper::new().await;
    emulate_media(&shop, json!([{ "name": "forced-colors", "value": "active" }])).await;
    shop.open_widget("/").await;
    shop.click(BANNER_CUSTOMIZE).await;
    shop.wait_visible(PREFS).await;
    // One optional category on, so both states are on screen.
    shop.click(&switch("analytics")).await;
    let forced: bool = shop.js("return matchMedia('(forced-colors: active)').matches;", vec![]).await;
    assert!(forced, "forced colours are not emulated");

    let colours = switch_colours(&shop).await;
    assert_eq!(colours.len(), 4, "{colours:?}");
    let states: Vec<&str> = colours.iter().filter_map(|c| c["on"].as_str()).collect();
    assert!(states.contains(&"true") && states.contains(&"false"), "{colours:?}");
    for c in &colours {
        // The thumb differs from its track, and the track has an edge that differs from the
        // surface, so the control's shape and its state can be seen.
        assert_ne!(c["thumb"], c["track"], "a thumb vanishes into its track in forced colours: {c}");
        let edged = c["borderWidth"].as_f64().unwrap_or(0.0) >= 1.0 && c["border"] != c["surface"];
        assert!(edged || c["track"] != c["surface"], "a switch's track vanishes into the dialog in forced colours: {c}");
    }
    // On and off look different.
    let on = colours.iter().find(|c| c["on"] == json!("true") && c["category"] != json!("necessary")).expect("a switch on");
    let off = colours.iter().find(|c| c["on"] == json!("false")).expect("a switch off");
    assert!(on["track"] != off["track"] || on["thumb"] != off["thumb"], "on and off look the same: {on} {off}");
    shop.assert_no_crash().await;
}

/// An opaque computed colour (crumb-audit reads colours and computes contrast as the WCAG does).
fn rgb(text: &Value) -> Rgba {
    let text = text.as_str().unwrap_or_default();
    let colour = Rgba::parse(text).unwrap_or_else(|| panic!("not a colour: {text}"));
    assert_eq!(colour.a, 1.0, "not an opaque colour: {text}");
    colour
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a11y_switch_thumb_and_track_contrast_is_at_least_3_to_1_in_both_schemes() {
    for scheme in ["light", "dark"] {
        let shop = Shopper::new().await;
        emulate_media(&shop, json!([{ "name": "prefers-color-scheme", "value": scheme }])).await;
        shop.open_widget("/").await;
        shop.click(BANNER_CUSTOMIZE).await;
        shop.wait_visible(PREFS).await;
        shop.click(&switch("analytics")).await;
        for c in switch_colours(&shop).await {
            let (track, thumb, surface) = (rgb(&c["track"]), rgb(&c["thumb"]), rgb(&c["surface"]));
            if c["category"] == json!("necessary") {
                // Locked on and disabled: WCAG 1.4.11 exempts inactive components.
                continue;
            }
            let thumb_ratio = contrast_ratio(thumb, track);
            assert!(thumb_ratio >= 3.0, "{scheme}: thumb against track {thumb_ratio:.2}:1 (needs 3:1): {c}");
            let track_ratio = contrast_ratio(track, surface);
            assert!(track_ratio >= 3.0, "{scheme}: track against the dialog {track_ratio:.2}:1 (needs 3:1): {c}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a11y_accessible_names_contain_the_visible_text() {
    let shop = Shopper::new().await;
    shop.open_widget("/").await;
    shop.wait_visible(BANNER).await;
    let mut checked = 0;
    for (part, opens) in [(BANNER, Some(BANNER_CUSTOMIZE)), (PREFS, None)] {
        let controls = shop.shadow_all(&format!("{part} button, {part} a[href], {part} summary")).await;
        for control in controls {
            let visible: String = shop
                .js(
                    "return (arguments[0].innerText || '').replace(/\\s+/g, ' ').trim();",
                    vec![serde_json::to_value(&control).expect("element")],
                )
                .await;
            if visible.is_empty() {
                continue;
            }
            let label = shop.browser.computed_label(&control).await.unwrap_or_else(|e| panic!("{e}"));
            let normalised = label.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                normalised.to_lowercase().contains(&visible.to_lowercase()),
                "accessible name `{normalised}` lacks the visible text `{visible}`"
            );
            checked += 1;
        }
        if let Some(button) = opens {
            shop.click(button).await;
            shop.wait_visible(PREFS).await;
        }
    }
    assert!(checked >= 8, "only {checked} controls with visible text were checked");
    // The locked switch says it is always on, as its visible text does.
    let necessary = shop.shadow(&switch("necessary")).await.expect("the necessary switch");
    let label = shop.browser.computed_label(&necessary).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(label.contains("Necessary") && label.contains("Always on"), "{label}");
}
