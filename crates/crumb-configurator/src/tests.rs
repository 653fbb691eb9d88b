//! Component tests in headless Chromium (wasm-bindgen-test): the editor is mounted offline (no
//! server: no autosave, no preview render, no fetch) over a given draft, into a container of its
//! own that each test removes. Nothing on the page's globals is replaced.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use crate::editor::{page, Editor};

wasm_bindgen_test_configure!(run_in_browser);

/// An editor over `config` (JSON text), mounted in a fresh container; dropped, it unmounts and
/// removes the container.
struct Mounted {
    container: HtmlElement,
    handle: Option<Box<dyn std::any::Any>>,
    editor: Editor,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        drop(self.handle.take());
        self.container.remove();
    }
}

fn mount(config: &str) -> Mounted {
    let document = web_sys::window().unwrap().document().unwrap();
    let container: HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&container).unwrap();
    let draft = crate::api::parse(config).expect("test config is JSON");
    let editor_slot = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = editor_slot.clone();
    let handle = leptos::mount::mount_to(container.clone(), move || {
        let ed = Editor::new("shop".into(), draft.clone(), 0, false);
        slot.set(Some(ed));
        page(ed).into_any()
    });
    Mounted { container, handle: Some(Box::new(handle)), editor: editor_slot.get().expect("the editor was made") }
}

async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn by_id(id: &str) -> Element {
    web_sys::window().unwrap().document().unwrap().get_element_by_id(id).unwrap_or_else(|| panic!("no #{id}"))
}

fn input_value(id: &str) -> String {
    by_id(id).dyn_into::<HtmlInputElement>().unwrap().value()
}

const BAD_DURATION: &str = r#"{"site": "shop", "revision": 1, "categories": [
    {"id": "analytics", "services": [{"id": "ga", "name": "Google Analytics",
        "cookies": [{"name": "_ga", "purpose": "Counts visits", "duration": "forever", "party": "first"}]}]},
    {"id": "necessary", "required": true}]}"#;

#[wasm_bindgen_test]
async fn an_invalid_duration_is_shown_at_its_field_and_publish_is_off() {
    let mounted = mount(BAD_DURATION);
    tick().await;
    let id = "categories-0-services-0-cookies-0-duration";
    let field = by_id(id);
    assert_eq!(field.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(field.get_attribute("aria-describedby").as_deref(), Some("categories-0-services-0-cookies-0-duration-error"));
    let error = by_id(&format!("{id}-error"));
    assert!(error.text_content().unwrap_or_default().starts_with("Error: "), "{:?}", error.text_content());
    // Next to the input: in the same field, right after it.
    assert_eq!(field.next_element_sibling().map(|e| e.id()), Some(format!("{id}-error")));
    // A field without an error is not flagged.
    assert_eq!(by_id("categories-0-id").get_attribute("aria-invalid"), None);
    // The summary links to the field, and publishing is off.
    let summary = by_id("error-list").inner_html();
    assert!(summary.contains(&format!("href=\"#{id}\"")), "{summary}");
    assert!(by_id("publish-button").has_attribute("disabled"));

    // Fixing it clears the error.
    let input: HtmlInputElement = field.dyn_into().unwrap();
    input.set_value("2 years");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    tick().await;
    assert_eq!(by_id(id).get_attribute("aria-invalid"), None);
    assert!(mounted.editor.errors.get_untracked().is_empty(), "{:?}", mounted.editor.errors.get_untracked());
    drop(mounted);
}

#[wasm_bindgen_test]
async fn move_up_reorders_the_categories_and_keeps_focus_on_the_moved_one() {
    let mounted = mount(
        r#"{"site": "shop", "revision": 1, "categories": [
            {"id": "necessary", "required": true}, {"id": "analytics"}, {"id": "marketing"}]}"#,
    );
    tick().await;
    by_id("categories-2-up").dyn_into::<HtmlElement>().unwrap().click();
    tick().await;
    assert_eq!(input_value("categories-0-id"), "necessary");
    assert_eq!(input_value("categories-1-id"), "marketing");
    assert_eq!(input_value("categories-2-id"), "analytics");
    let focused = web_sys::window().unwrap().document().unwrap().active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("categories-1-up"));
    let ids: Vec<String> = (0..3)
        .map(|i| {
            mounted.editor.draft.with_untracked(|d| crate::model::text(d, &crate::model::Path::root().key("categories").index(i).key("id")))
        })
        .collect();
    assert_eq!(ids, ["necessary", "marketing", "analytics"]);
    drop(mounted);
}

#[wasm_bindgen_test]
async fn completeness_counts_site_texts_per_language() {
    let mounted = mount(
        r#"{"site": "shop", "revision": 1, "languages": ["en", "nl"], "fallback": "en",
            "texts": {"nl": {"banner.title": "Privacy", "action.accept_all": "Alles"}},
            "categories": [{"id": "necessary", "required": true},
              {"id": "analytics", "services": [{"id": "ga", "name": {"en": "Analytics", "nl": "Analyse"},
                "description": "Counts visits",
                "cookies": [{"name": "_ga", "purpose": {"en": "Counts"}, "duration": "session", "party": "first"}]}]}]}"#,
    );
    tick().await;
    let cell = |language: &str, class: &str| {
        by_id(&format!("completeness-{language}")).query_selector(&format!(".{class}")).unwrap().unwrap().text_content().unwrap_or_default()
    };
    assert_eq!(cell("en", "site-texts"), "3 of 3");
    assert_eq!(cell("en", "status"), "Complete");
    assert_eq!(cell("nl", "site-texts"), "1 of 3");
    assert_eq!(cell("nl", "status"), "Missing 2");
    assert_eq!(cell("nl", "overridden"), "2");
    // Writing the purpose in Dutch counts at once.
    mounted.editor.edit(|d| {
        let purpose =
            crate::model::Path::root().key("categories").index(1).key("services").index(0).key("cookies").index(0).key("purpose").key("nl");
        crate::model::set(d, &purpose, Some(crumb_core::json::Value::String("Telt".into())));
    });
    tick().await;
    assert_eq!(cell("nl", "site-texts"), "2 of 3");
    // The description, one text so far, is written per language: an input per offered language.
    by_id("categories-1-services-0-description-per-language").dyn_into::<HtmlElement>().unwrap().click();
    tick().await;
    assert_eq!(input_value("categories-1-services-0-description-en"), "Counts visits");
    let dutch: HtmlInputElement = by_id("categories-1-services-0-description-nl").dyn_into().unwrap();
    dutch.set_value("Telt bezoeken");
    dutch.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    tick().await;
    assert_eq!(cell("nl", "site-texts"), "3 of 3");
    assert_eq!(cell("nl", "status"), "Complete");
    drop(mounted);
}
