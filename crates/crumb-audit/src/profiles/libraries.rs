//! Profiles of the open-source banners the auditor knows besides Crumb, each read from the
//! library's own markup (the version named in the repository's package.json) and checked against
//! it in headless Chromium (tests/audit/libs/ has a page per library).

use super::{some, Profile};

/// orestbida's cookieconsent (npm `vanilla-cookieconsent`, 3.1.0).
///
/// Markup: everything lives in `<div id="cc-main">`. The first layer is `.cm` (`role="dialog"`)
/// with `button.cm__btn` elements told apart by `data-role`: `all` (accept all), `necessary`
/// (reject all) and `show` (open the preferences). An X, `button.cm__btn--close`, exists only when
/// the site sets `consentModal.closeIconLabel` (box layout); it accepts only the necessary
/// category. The preference center `.pm` is built on first open (`lazyHtmlGeneration`), so its
/// toggles and cookie tables are not in the document before `settings` is clicked. Its footer has
/// `button.pm__btn` with `data-role` `all`, `necessary` and `save`; each category is an
/// `input.section__toggle[type=checkbox]` whose `value` is the category name (a read-only category
/// is `disabled` and checked; a service inside a category has its own checkbox). Cookie tables are
/// `table.pm__section-table` with one `tbody tr.pm__table-tr` a row, the name in the first cell;
/// a category's description (table included) is `#<category>-desc`, so the necessary rows are
/// those under `#necessary-desc` (the category name the documentation uses).
///
/// Stable hooks: `#cc-main`, the `.cm`/`.pm` block classes, `data-role` on the buttons,
/// `.section__toggle`, `.pm__table-tr`, and the `data-cc="show-preferencesModal"` attribute the
/// library binds on any page element.
///
/// Withdraw: the library draws no control after a choice; its documentation asks the site to add
/// one, any element with `data-cc="show-preferencesModal"`, which the library binds. The profile
/// looks for that hook: a site that added none has no permanent control, and fails the rule.
///
/// The choice is the cookie `cc_cookie` (182 days by default; `useLocalStorage` would move it to
/// localStorage under the same name).
pub fn cookieconsent() -> Profile {
    Profile {
        name: "cookieconsent".into(),
        detect: "#cc-main".into(),
        banner: "#cc-main .cm".into(),
        accept: r#"#cc-main .cm .cm__btn[data-role="all"]"#.into(),
        reject: some(r#"#cc-main .cm .cm__btn[data-role="necessary"]"#),
        settings: some(r#"#cc-main .cm .cm__btn[data-role="show"]"#),
        close: some("#cc-main .cm .cm__btn--close"),
        prefs: some("#cc-main .pm"),
        prefs_accept: some(r#"#cc-main .pm .pm__btn[data-role="all"]"#),
        prefs_reject: some(r#"#cc-main .pm .pm__btn[data-role="necessary"]"#),
        prefs_save: some(r#"#cc-main .pm .pm__btn[data-role="save"]"#),
        toggles: some(r#"#cc-main .pm input[type="checkbox"]"#),
        necessary: some("#cc-main .pm input.section__toggle[disabled]"),
        withdraw: some(r#"[data-cc="show-preferencesModal"]"#),
        cookie_rows: some("#cc-main .pm .pm__table-body .pm__table-tr"),
        necessary_rows: some("#cc-main .pm #necessary-desc .pm__table-tr"),
        own_keys: vec!["cc_cookie".into()],
        ready: None,
    }
}

/// Klaro (npm `klaro`, 0.7.22).
///
/// Markup (React, rendered into `<div id="klaro">` — the id is the config's `elementID` — around a
/// `div.klaro`, the config's `stylePrefix`): the first layer is `div#klaro-cookie-notice.cookie-notice`
/// (`cookie-notice-hidden` once a choice exists). Its buttons are `button.cm-btn.cm-btn-success`
/// (accept: "accept all" when the config's `acceptAll` is on, else "accept the defaults") and
/// `button.cm-btn.cn-decline` (decline, absent with `hideDeclineAll`); the preferences open from
/// `a.cn-learn-more` ("Let me choose"), or `button.cm-btn-lern-more` with `noticeAsModal`. The
/// notice has no close button. The second layer is `div.cookie-modal > div.cm-modal` with a close
/// X (`button.hide`) and, in `.cm-footer-buttons`, `button.cm-btn-decline`, `button.cm-btn-accept`
/// ("Accept selected", the save) and `button.cm-btn-accept-all`. Each purpose and service is an
/// `input.cm-list-input[type=checkbox]` (class `required`, disabled and checked, for a required
/// one) followed by its `label.cm-list-label`; the inputs are visually hidden (the label draws the
/// switch), so the necessary part is the required input's label.
///
/// Stable hooks: the `klaro` class, `cookie-notice`, `cn-decline`, `cn-learn-more`, `cm-modal`,
/// the `cm-btn-*` button classes, `cm-list-input` and `required`.
///
/// Withdraw: none by default. Klaro draws no control after a choice; the site must call
/// `klaro.show()` from its own link. (Reopened after a choice, the modal shows only "Save": no
/// decline or accept-all button.)
///
/// Cookie rows: none. A service's `cookies` patterns are only used to delete cookies on
/// withdrawal; Klaro shows no list of cookie names.
///
/// The choice is the cookie `klaro` (the config's `storageName`/`cookieName`; 120 days unless
/// `cookieExpiresAfterDays` says otherwise).
pub fn klaro() -> Profile {
    Profile {
        name: "klaro".into(),
        detect: ".klaro".into(),
        banner: ".klaro .cookie-notice:not(.cookie-notice-hidden)".into(),
        accept: ".klaro .cookie-notice .cn-buttons .cm-btn-success".into(),
        reject: some(".klaro .cookie-notice .cn-decline"),
        settings: some(".klaro .cookie-notice .cn-learn-more, .klaro .cookie-notice .cm-btn-lern-more"),
        close: None,
        prefs: some(".klaro .cookie-modal .cm-modal"),
        prefs_accept: some(".klaro .cm-modal .cm-btn-accept-all"),
        prefs_reject: some(".klaro .cm-modal .cm-btn-decline"),
        prefs_save: some(".klaro .cm-modal .cm-btn-accept"),
        toggles: some(".klaro .cm-modal input.cm-list-input"),
        necessary: some(".klaro .cm-modal input.cm-list-input.required + label.cm-list-label"),
        withdraw: None,
        cookie_rows: None,
        necessary_rows: None,
        own_keys: vec!["klaro".into()],
        ready: None,
    }
}

/// tarteaucitron (npm `tarteaucitronjs`, 1.34.0).
///
/// Markup: everything lives in `div#tarteaucitronRoot`. The first layer (orientation `middle`,
/// `top` or `bottom`) is `div#tarteaucitronAlertBig` with `button#tarteaucitronPersonalize2`
/// (accept all), `button#tarteaucitronAllDenied2` (deny all, with `DenyAllCta`) and
/// `button#tarteaucitronCloseAlert` ("Personalize", opens the panel); an X,
/// `button#tarteaucitronCloseCross`, is added only with `closePopup: true`. The panel is
/// `div#tarteaucitron` with `button#tarteaucitronAllAllowed`, `button#tarteaucitronAllDenied` and
/// `button#tarteaucitronSaveButton` (added 100 ms after the panel). Each service is a
/// `li.tarteaucitronLine` with an Allow and a Deny button (`.tarteaucitronAllow`,
/// `.tarteaucitronDeny`), its state in `aria-pressed`; the Allow button is the toggle. The
/// mandatory-cookies line (`#tarteaucitronServices_mandatory`, with `mandatory: true`) has a
/// disabled Allow and an enabled Deny that the stylesheet shrinks to nothing; what shows is its
/// text "…cookies necessary for its proper functioning which cannot be deactivated", the label
/// this profile uses. After a choice, `#tarteaucitronIcon` holds `button#tarteaucitronManager`
/// (with `showIcon`, the default), which reopens the panel (with `showAlertSmall` the small bar
/// has a button with the same id).
///
/// Stable hooks: the `tarteaucitron…` ids above and the `tarteaucitronAllow`/`tarteaucitronDeny`
/// classes.
///
/// Cookie rows: none. The panel shows how many cookies a service has, not their names; the
/// optional cookie list (`cookieslist`) lists whatever cookies the document has at that moment,
/// which declares nothing.
///
/// The choice is the cookie `tarteaucitron` (the config's `cookieName`; 365 days), written on the
/// first visit already (services at `wait`).
pub fn tarteaucitron() -> Profile {
    Profile {
        name: "tarteaucitron".into(),
        detect: "#tarteaucitronRoot".into(),
        banner: "#tarteaucitronAlertBig".into(),
        accept: "#tarteaucitronAlertBig #tarteaucitronPersonalize2".into(),
        reject: some("#tarteaucitronAlertBig #tarteaucitronAllDenied2"),
        settings: some("#tarteaucitronAlertBig #tarteaucitronCloseAlert"),
        close: some("#tarteaucitronAlertBig #tarteaucitronCloseCross"),
        prefs: some("#tarteaucitron"),
        prefs_accept: some("#tarteaucitronAllAllowed"),
        prefs_reject: some("#tarteaucitronAllDenied"),
        prefs_save: some("#tarteaucitronSaveButton"),
        toggles: some("#tarteaucitronServices li.tarteaucitronLine .tarteaucitronAllow"),
        necessary: some("#tarteaucitronServices_mandatory .tarteaucitronH3"),
        withdraw: some("#tarteaucitronManager"),
        cookie_rows: None,
        necessary_rows: None,
        own_keys: vec!["tarteaucitron".into()],
        ready: None,
    }
}
