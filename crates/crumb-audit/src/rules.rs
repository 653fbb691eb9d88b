//! The rules the auditor checks: each with an id, a plain-language statement and its source.

use serde::Serialize;

/// One rule of the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable id, used in reports, the JSON for CI and the docs (`first-layer.equal-size`).
    pub id: &'static str,
    /// What must hold, in plain words.
    pub statement: &'static str,
    /// Where the rule comes from.
    pub source: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $statement:literal, $source:literal;)*) => {
        $(
            #[doc = $statement]
            pub const $name: Rule = Rule { id: $id, statement: $statement, source: $source };
        )*
        /// Every rule, in report order.
        pub const ALL: &[Rule] = &[$($name,)*];
    };
}

rules! {
    NO_COOKIES_BEFORE_CHOICE = "before-choice.no-cookies",
        "Before any choice, the site stores no non-essential cookie: after load, after scrolling three screens and after waiting idle.",
        "ePrivacy Directive Art. 5(3); ICO, cookie compliance checks (2025)";
    NO_STORAGE_BEFORE_CHOICE = "before-choice.no-storage",
        "Before any choice, the site writes no non-essential localStorage, sessionStorage or IndexedDB key.",
        "ePrivacy Directive Art. 5(3); EDPB Guidelines 2/2023 on the technical scope of Art. 5(3)";
    NO_TRACKERS_BEFORE_CHOICE = "before-choice.no-trackers",
        "Before any choice, the page makes no request to a known tracking host.",
        "ePrivacy Directive Art. 5(3); EDPB Guidelines 2/2023 (tracking pixels and URL tracking)";
    REJECT_ON_FIRST_LAYER = "first-layer.reject-present",
        "The first layer offers both accept and reject.",
        "EDPB cookie banner taskforce report (January 2023), 'no reject button on the first layer'; CNIL (2021)";
    REAL_BUTTONS = "first-layer.real-buttons",
        "Accept and reject are both buttons, not a link in running text.",
        "EDPB cookie banner taskforce report (2023), 'deceptive link design'";
    EQUAL_SIZE = "first-layer.equal-size",
        "Accept and reject are of comparable size (area ratio between 0.8 and 1.25).",
        "EDPB cookie banner taskforce report (2023), 'deceptive button colours and contrast'; CNIL (2020)";
    EQUAL_FONT = "first-layer.equal-font",
        "Accept and reject use the same font size and weight.",
        "EDPB cookie banner taskforce report (2023); CNIL guidelines (2020) on equal ease";
    BUTTON_CONTRAST = "first-layer.contrast",
        "The text of accept and of reject each has a contrast of at least 4.5:1 against its background.",
        "EDPB cookie banner taskforce report (2023), 'deceptive button contrast'; WCAG 2.2 SC 1.4.3";
    NO_PRETICKED = "preferences.no-preticked",
        "No optional category or service is switched on before the shopper does it.",
        "CJEU C-673/17 Planet49 (2019); GDPR Art. 4(11)";
    NECESSARY_LOCKED = "preferences.necessary-locked",
        "Strictly necessary cookies are shown as always on and cannot be switched.",
        "ePrivacy Directive Art. 5(3), second sentence";
    NOTHING_AFTER_REJECT = "reject.nothing-stored",
        "After reject all, nothing non-essential is stored or requested, also after a reload and on a second page.",
        "ICO, cookie compliance checks (2025); EDPB Guidelines 05/2020";
    REFUSAL_REMEMBERED = "reject.remembered",
        "A refusal is remembered for at least 6 months.",
        "CNIL guidelines (2020); Garante, cookie guidelines (2021)";
    REJECT_AS_EASY = "reject.as-easy-as-accept",
        "Rejecting takes no more clicks than accepting.",
        "GDPR Art. 7(3); EDPB cookie banner taskforce report (2023)";
    DECLARED_COOKIES = "accept.declared-cookies",
        "Every cookie and storage key set after accept all is declared in the banner's cookie table.",
        "GDPR Art. 13; CJEU Planet49 (duration and third-party access must be stated)";
    CONSENT_LIFETIME = "consent.lifetime",
        "The consent cookie lasts at most 13 months.",
        "CNIL guidelines (2020): consent renewed at most every 13 months";
    WITHDRAW_CONTROL = "withdraw.permanent-control",
        "After a choice, a permanent control reopens the choice and reaches reject all in at most 2 clicks.",
        "GDPR Art. 7(3); EDPB cookie banner taskforce report (2023)";
    CLOSE_IS_REFUSAL = "close.is-refusal",
        "A close button, if any, records a refusal.",
        "EDPB Guidelines 05/2020; CNIL (2020); Garante (2021)";
    CONSENT_MODE_DEFAULT = "consent-mode.default-denied",
        "A 'denied' Google Consent Mode default is in dataLayer before any request to a Google tag host.",
        "Google Consent Mode v2; ePrivacy Directive Art. 5(3)";
    CONSENT_MODE_UPDATE = "consent-mode.update",
        "A Consent Mode update follows the shopper's choice.",
        "Google Consent Mode v2";
    GPC_HONOURED = "gpc.honoured",
        "With Global Privacy Control on, sale and share stay off without a click and the banner says so; without it nothing is granted.",
        "CCPA regulations § 7025 (as amended 2026); Colorado Privacy Act rules 5.02";
    RECORD_POSTED = "crumb.records-posted",
        "A Crumb site posts a consent record with the fields the proof needs for each choice.",
        "GDPR Art. 7(1): the controller must be able to demonstrate consent";
}

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().find(|rule| rule.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_each_rule_has_words_and_a_source() {
        for (i, rule) in ALL.iter().enumerate() {
            assert!(ALL[..i].iter().all(|r| r.id != rule.id), "{} twice", rule.id);
            assert!(rule.statement.ends_with('.') && !rule.source.is_empty(), "{}", rule.id);
            assert_eq!(by_id(rule.id), Some(rule));
        }
        assert_eq!(by_id("no-such-rule"), None);
    }
}
