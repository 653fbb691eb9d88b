//! The CSS selectors the journeys use to find the widget's parts, in one place: inside the host
//! element's shadow root unless said otherwise. They follow the widget's stable hooks
//! (`data-crumb-part`, `data-action`, `data-category`, `data-service`, `data-cookie`), so a change
//! of markup is one edit here.

/// [`HOST`] as a literal, for `concat!` in the harness's own scripts.
macro_rules! host {
    () => {
        "#crumb-root"
    };
}
pub(crate) use host;

/// The widget's host element on the page (light DOM); its open shadow root holds the rest.
pub const HOST: &str = host!();

/// The widget's outer element inside the shadow root (carries `lang`, `dir` and the theme).
pub const WIDGET: &str = ".crumb";

/// The first layer: the banner.
pub const BANNER: &str = r#"[data-crumb-part="banner"]"#;
pub const BANNER_ACCEPT: &str = r#"[data-crumb-part="banner"] button[data-action="accept-all"]"#;
pub const BANNER_REJECT: &str = r#"[data-crumb-part="banner"] button[data-action="reject-all"]"#;
pub const BANNER_CUSTOMIZE: &str = r#"[data-crumb-part="banner"] button[data-action="customize"]"#;
/// The banner's title (what its `aria-labelledby` names).
pub const BANNER_TITLE: &str = "#crumb-banner-title";
/// The banner's link to the privacy policy.
pub const BANNER_POLICY_LINK: &str = r#"[data-crumb-part="banner"] a.crumb-policy-link"#;
/// The banner's Global Privacy Control notice.
pub const GPC_NOTICE: &str = r#"[data-crumb-part="banner"] p.crumb-gpc"#;
/// The Global Privacy Control notice, wherever in the widget.
pub const GPC_NOTICE_ANYWHERE: &str = "p.crumb-gpc";

/// The second layer: the preference center.
pub const PREFS: &str = r#"[data-crumb-part="preferences"]"#;
pub const PREFS_ACCEPT: &str = r#"[data-crumb-part="preferences"] button[data-action="accept-all"]"#;
pub const PREFS_REJECT: &str = r#"[data-crumb-part="preferences"] button[data-action="reject-all"]"#;
pub const PREFS_SAVE: &str = r#"[data-crumb-part="preferences"] button[data-action="save"]"#;
pub const PREFS_CLOSE: &str = r#"[data-crumb-part="preferences"] button[data-action="close"]"#;
/// The preference center's title and text (what its `aria-labelledby` and `aria-describedby` name).
pub const PREFS_TITLE: &str = "#crumb-prefs-title";
pub const PREFS_TEXT: &str = "#crumb-prefs-text";
/// The language switcher in the preference center.
pub const PREFS_LANGUAGE: &str = r#"[data-crumb-part="preferences"] select[data-crumb-part="language"]"#;

/// The debug panel's host on the page (light DOM, beside the widget's), with a shadow root of its
/// own; shown only on the site owner's machine or with `data-debug`.
pub const DEBUG_HOST: &str = "#crumb-debug";
/// In the debug panel's shadow root: one section per topic (the config's errors, the endpoint).
pub const DEBUG_PANEL: &str = r#"[data-crumb-part="debug"]"#;

/// The persistent reopen button.
pub const REOPEN: &str = r#"button[data-action="reopen"]"#;

/// A link on the host page (light DOM) that opens the preference center.
pub const PAGE_SETTINGS_LINK: &str = r#"[data-crumb="preferences"]"#;

/// The element name of an embed placeholder's host, placed right before the blocked embed.
pub const EMBED_HOST: &str = "crumb-embed";
/// In an embed placeholder's own shadow root: its text and its "Load content" button.
pub const EMBED: &str = ".crumb-embed";
pub const EMBED_TEXT: &str = ".crumb-embed-text";
pub const EMBED_LOAD: &str = r#"button[data-action="load-content"]"#;

/// A button of the banner by its `data-action` (`accept-all`, `reject-all`, `customize`).
pub fn banner_button(action: &str) -> String {
    format!(r#"{BANNER} button[data-action="{action}"]"#)
}

/// The on/off switch of a category in the preference center.
pub fn switch(category: &str) -> String {
    format!(r#"{PREFS} button[role="switch"][data-category="{category}"]"#)
}

/// Every category's section in the preference center, in order.
pub const CATEGORY_SECTIONS: &str = "section.crumb-category";

/// A category's section in the preference center.
pub fn category_section(category: &str) -> String {
    format!(r#"{CATEGORY_SECTIONS}[data-category="{category}"]"#)
}

/// The description of a category in the preference center.
pub fn category_text(category: &str) -> String {
    format!("#crumb-cat-{category}-text")
}

/// The title of a category's section.
pub fn category_title(category: &str) -> String {
    format!("{} .crumb-category-title", category_section(category))
}

/// The `<summary>` that opens a category's list of services and cookies.
pub fn category_services_summary(category: &str) -> String {
    format!("{} details.crumb-services > summary", category_section(category))
}

/// The cookie table of a category's services.
pub fn category_cookie_table(category: &str) -> String {
    format!("{} table.crumb-cookies", category_section(category))
}

/// A service's entry in the preference center.
pub fn service(id: &str) -> String {
    format!(r#"[data-service="{id}"]"#)
}

/// The cookie table of one service.
pub fn service_cookie_table(id: &str) -> String {
    format!("{} table.crumb-cookies", service(id))
}

/// A service's name in its entry.
pub fn service_name(id: &str) -> String {
    format!("{} .crumb-service-name", service(id))
}

/// Any cookie row of a cookie table (its `data-cookie` is the cookie's name or pattern).
pub const COOKIE_ROW: &str = "tr[data-cookie]";

/// The row of a cookie (by its name or pattern) in a cookie table.
pub fn cookie_row(label: &str) -> String {
    format!(r#"tr[data-cookie="{label}"]"#)
}

/// Every cookie row of every service (`tr[data-cookie]` in a service's cookie table).
pub const COOKIE_ROWS: &str = "[data-service] table.crumb-cookies tr[data-cookie]";
