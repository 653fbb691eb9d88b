//! Branding in real headless Chromium: the four layouts keep the three choices equal and the
//! page usable, the accent colours the buttons alike, the logo shows with its alternative text,
//! and a page's `::part()` rules reach the widget's parts (the three buttons all at once).
//!
//! Build first, then run: `trunk build --release && cargo test -p crumb-e2e -- branding::`.

use crumb_e2e::selectors::{BANNER, BANNER_ACCEPT, BANNER_CUSTOMIZE, BANNER_REJECT};
use crumb_e2e::{wait_for, Shopper};
use serde_json::{json, Value};

/// Geometry and looks of the banner and its three buttons, and what lies at a point of the page
/// outside the banner.
async fn measure(shop: &Shopper) -> Value {
    shop.in_shadow(
        "var b = root.querySelector(arguments[0]), r = b.getBoundingClientRect(); \
         var buttons = [arguments[1], arguments[2], arguments[3]].map(function (s) { \
           var e = root.querySelector(s), q = e.getBoundingClientRect(), c = getComputedStyle(e); \
           return { w: Math.round(q.width), h: Math.round(q.height), size: c.fontSize, weight: c.fontWeight, bg: c.backgroundColor, fg: c.color, radius: c.borderTopLeftRadius }; }); \
         return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, vw: document.documentElement.clientWidth, vh: innerHeight, buttons: buttons };",
        vec![json!(BANNER), json!(BANNER_ACCEPT), json!(BANNER_REJECT), json!(BANNER_CUSTOMIZE)],
    )
    .await
}

fn f(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(f64::NAN)
}

fn assert_equal_buttons(what: &str, m: &Value) {
    let buttons = m["buttons"].as_array().expect("three buttons");
    for b in &buttons[1..] {
        for key in ["size", "weight", "bg", "fg", "radius"] {
            assert_eq!(b[key], buttons[0][key], "{what}: the three choices differ in {key}: {m}");
        }
        for key in ["w", "h"] {
            let (a, c) = (f(&buttons[0], key), f(b, key));
            assert!((a - c).abs() <= 1.0, "{what}: the three choices differ in {key}: {m}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branding_every_layout_keeps_the_choices_equal_and_the_page_usable() {
    let shop = Shopper::new().await;
    for style in ["box", "bar", "cloud", "popup"] {
        let path = shop.server.variant(&format!("layout-{style}"), |config| config["layout"] = json!({ "style": style }));
        shop.open_widget(&path).await;
        shop.wait_visible(BANNER).await;
        let layout: Option<String> = shop.in_shadow("return root.querySelector('.crumb').getAttribute('data-layout');", vec![]).await;
        assert_eq!(layout.as_deref(), Some(style));
        let m = measure(&shop).await;
        assert_equal_buttons(style, &m);
        assert!(f(&m, "top") >= 0.0 && f(&m, "bottom") <= f(&m, "vh") + 0.5, "{style}: the banner leaves the window: {m}");
        match style {
            "bar" => assert!(
                (f(&m, "width") - f(&m, "vw")).abs() <= 1.0 && f(&m, "bottom") >= f(&m, "vh") - 0.5,
                "bar: not full width at the edge: {m}"
            ),
            "popup" => {
                let middle = (f(&m, "top") + f(&m, "bottom")) / 2.0;
                assert!((middle - f(&m, "vh") / 2.0).abs() <= 2.0, "popup: not in the middle: {m}");
            }
            "cloud" => assert!(f(&m, "width") > 960.0 && f(&m, "width") <= 1100.0, "cloud: not a wide card: {m}"),
            _ => assert!(f(&m, "width") <= 960.0, "box: wider than the card: {m}"),
        }
        // No cookie wall: the page above the banner takes a click while the banner is up.
        let before: String = shop.js("return document.getElementById('cart-count').textContent;", vec![]).await;
        let hit: String = shop
            .js(
                "var b = document.querySelector('.add-to-cart'); b.scrollIntoView({ block: 'center' }); \
                 var r = b.getBoundingClientRect(), e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
                 return e ? e.className + '' : '';",
                vec![],
            )
            .await;
        if hit == "add-to-cart" {
            shop.click_page(".add-to-cart").await;
            wait_for!(
                shop,
                "the cart to count the click",
                (shop.js::<String>("return document.getElementById('cart-count').textContent;", vec![]).await != before).then_some(())
            );
        } else {
            // The product's button sits under the banner at this size: the page is still not
            // covered as a whole.
            let free: bool = shop.js("var e = document.elementFromPoint(5, 5); return !!e && e.id !== 'crumb-root';", vec![]).await;
            assert!(free, "{style}: the page is covered");
        }
    }
    shop.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branding_the_accent_colours_the_three_buttons_alike_and_a_light_one_is_kept_off_the_links() {
    let shop = Shopper::new().await;
    // A dark accent: buttons, links and switches.
    let path = shop.server.variant("accent-dark", |config| config["theme"] = json!({ "scheme": "light", "accent": "#0b3d91" }));
    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;
    let m = measure(&shop).await;
    assert_equal_buttons("#0b3d91", &m);
    assert_eq!(m["buttons"][0]["bg"], json!("rgb(11, 61, 145)"), "{m}");
    assert_eq!(m["buttons"][0]["fg"], json!("rgb(255, 255, 255)"), "{m}");
    let link: String = shop.in_shadow("return getComputedStyle(root.querySelector('.crumb-policy-link')).color;", vec![]).await;
    assert_eq!(link, "rgb(11, 61, 145)");

    // A light accent (1.4:1 on white): the buttons take it with black text, the links keep
    // Crumb's own accent, and the console says why.
    let path = shop.server.variant("accent-light", |config| config["theme"] = json!({ "scheme": "light", "accent": "#ffd400" }));
    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;
    let m = measure(&shop).await;
    assert_equal_buttons("#ffd400", &m);
    assert_eq!(m["buttons"][0]["bg"], json!("rgb(255, 212, 0)"), "{m}");
    assert_eq!(m["buttons"][0]["fg"], json!("rgb(0, 0, 0)"), "{m}");
    let link: String = shop.in_shadow("return getComputedStyle(root.querySelector('.crumb-policy-link')).color;", vec![]).await;
    assert_eq!(link, "rgb(26, 86, 219)", "a light accent reached the links");
    wait_for!(
        shop,
        "the accent warning",
        shop.browser.console_has("theme.accent `#ffd400` has 1.4:1 on the light background").await.then_some(())
    );
    shop.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branding_logo_shows_with_its_text_and_parts_reach_all_three_buttons() {
    let shop = Shopper::new().await;
    let logo = shop.server.file(
        "/logo.svg",
        "image/svg+xml",
        &[],
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="120" height="32" fill="#0b7a4b"/></svg>"##,
    );
    let config_logo = logo.clone();
    let path = shop.server.variant_html("logo-parts", move |html| {
        let mut config: Value = serde_json::from_str(crumb_e2e::server::config_text(html).expect("config")).expect("JSON");
        config["theme"] = json!({ "logo": { "src": config_logo, "alt": "Crumb & Co." } });
        let html = crumb_e2e::server::replace_config(html, &config.to_string()).expect("config replaced");
        // The site restyles the buttons through the one part they share.
        html.replacen(
            "</head>",
            "<style>#crumb-root::part(button) { border-radius: 0px; } #crumb-root::part(title) { letter-spacing: 2px; }</style></head>",
            1,
        )
    });
    shop.open_widget(&path).await;
    shop.wait_visible(BANNER).await;
    let image: Value = shop
        .in_shadow(
            "var img = root.querySelector('img.crumb-logo'); if (!img) return null; \
             return { alt: img.alt, part: img.getAttribute('part'), src: img.getAttribute('src'), complete: img.complete, width: img.naturalWidth };",
            vec![],
        )
        .await;
    assert_eq!(image["alt"], json!("Crumb & Co."), "{image}");
    assert_eq!(image["part"], json!("logo"), "{image}");
    wait_for!(
        shop,
        "the logo to load",
        shop.in_shadow::<bool>(
            "var img = root.querySelector('img.crumb-logo'); return !!img && img.complete && img.naturalWidth > 0;",
            vec![]
        )
        .await
        .then_some(())
    );
    let m = measure(&shop).await;
    assert_equal_buttons("::part(button)", &m);
    assert_eq!(m["buttons"][0]["radius"], json!("0px"), "the page's ::part(button) did not apply: {m}");
    let spacing: String = shop.in_shadow("return getComputedStyle(root.querySelector('#crumb-banner-title')).letterSpacing;", vec![]).await;
    assert_eq!(spacing, "2px");
    shop.assert_no_crash().await;
}
