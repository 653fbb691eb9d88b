//! The identifier rules and Crumb's own names, written once: the config, the widget, the record
//! check and crumb-server all call these functions, so a category the config refuses is refused
//! by the server too.

/// The localStorage key holding the consent in force.
pub const STORAGE_KEY: &str = "crumb";
/// The localStorage key holding consent records not yet delivered.
pub const OUTBOX_KEY: &str = "crumb_outbox";
/// The localStorage key holding this browser's consent secret (`crumb_core::proof`): never in a
/// cookie.
pub const SECRET_KEY: &str = "crumb_key";
/// The cookie mirroring the consent for servers and subdomains.
pub const CONSENT_COOKIE: &str = "crumb_consent";
/// The `dataLayer` event pushed after every decision and on every returning page load.
pub const DATALAYER_EVENT: &str = "crumb_consent";

/// Whether a localStorage key or cookie name is Crumb's own (`crumb`, `crumb_*`): never erased
/// as a service's, and refused as a service's cookie or storage name in a config.
pub fn is_own_name(name: &str) -> bool {
    name == STORAGE_KEY || name.starts_with("crumb_")
}

/// A category or service id: 1-40 characters of lowercase letters, digits, `_` and `-`,
/// starting with a letter (`analytics`, `ga4`, `meta-pixel`).
pub fn is_id(text: &str) -> bool {
    (1..=40).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && text.as_bytes()[0].is_ascii_lowercase()
}

/// A site id: 1-100 characters of letters, digits, `.`, `_` and `-` (`my-shop`, `shop.example.com`).
pub fn is_site_id(text: &str) -> bool {
    (1..=100).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A consent id: 8-64 characters of letters, digits and `-` (a UUID v4 from the widget).
pub fn is_consent_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_start_with_a_letter() {
        for good in ["a", "analytics", "ga4", "meta-pixel", "x_y", &"a".repeat(40)] {
            assert!(is_id(good), "{good}");
        }
        for bad in ["", "4ga", "-x", "_x", "Analytics", "a b", "a.b", &"a".repeat(41)] {
            assert!(!is_id(bad), "{bad}");
        }
    }

    #[test]
    fn site_ids() {
        for good in ["s", "my-shop", "shop.example.com", "Shop_1", &"a".repeat(100)] {
            assert!(is_site_id(good), "{good}");
        }
        for bad in ["", "a b", "a/b", "ä", &"a".repeat(101)] {
            assert!(!is_site_id(bad), "{bad}");
        }
    }

    #[test]
    fn consent_ids() {
        assert!(is_consent_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!is_consent_id("short"));
        assert!(!is_consent_id("0f8fad5b d9cb"));
        assert!(!is_consent_id(&"a".repeat(65)));
    }

    #[test]
    fn own_names() {
        for own in [STORAGE_KEY, OUTBOX_KEY, CONSENT_COOKIE, "crumb_x"] {
            assert!(is_own_name(own), "{own}");
        }
        for other in ["crumbs", "_crumb", "ga", ""] {
            assert!(!is_own_name(other), "{other}");
        }
    }
}
