//! The returning visitor's plan: what a page view needs to apply a stored consent before the
//! widget's main part has arrived, without reading the config.
//!
//! Reading and checking the config is most of the main part's weight, and a returning visitor's
//! consented scripts should not wait for it. So whenever a consent is in force (stored after a
//! decision, or read and checked on a page view that asks nothing), the widget also stores its
//! plan (localStorage [`PLAN_KEY`]): a digest of the config text it checked the consent against,
//! a digest of the stored consent's exact text, and the Consent Mode signals that consent grants
//! under that config. On the next page view the small `apply` part (crates/crumb-apply) applies
//! the stored consent at once when [`Plan::holds`]: the same config text, the same stored text,
//! not expired. Anything else (a new config or revision, a consent changed on another subdomain,
//! a value edited by hand, no plan) and it does nothing: the main part then decides as it always
//! does. The plan never grants more than the stored consent it is tied to.

use crate::config::Config;
use crate::consent::Consent;
use crate::consent_mode::{consent_mode_signals, Signal};

/// The localStorage key holding the plan.
pub const PLAN_KEY: &str = "crumb_plan";

/// The plan format's version, the first field.
const PLAN_VERSION: &str = "p1";

/// A stored consent's plan (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// [`digest`] of the config text the consent was checked against.
    pub config: u64,
    /// [`digest`] of the stored consent's text, exactly as in localStorage.
    pub consent: u64,
    /// The Consent Mode signals the consent grants under that config (the others are denied).
    pub granted: Vec<Signal>,
}

/// A 64-bit FNV-1a digest of a text. Not a defence (whoever can write localStorage can write the
/// consent itself): it tells that a text is unchanged, so a changed config or consent is never
/// applied by a plan made for another.
pub fn digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

impl Plan {
    /// The plan of `consent`, stored as `consent_text`, in force under `config`, read from the
    /// config text whose [`digest`] is `config_digest`.
    pub fn new(config_digest: u64, config: &Config, consent: &Consent, consent_text: &str) -> Plan {
        let granted = consent_mode_signals(config, Some(consent)).into_iter().filter(|(_, granted)| *granted).map(|(s, _)| s).collect();
        Plan { config: config_digest, consent: digest(consent_text), granted }
    }

    /// The stored form: `p1 <config digest> <consent digest> <granted signals, comma-separated>`.
    pub fn encode(&self) -> String {
        let granted: Vec<&str> = self.granted.iter().map(|s| s.as_str()).collect();
        format!("{PLAN_VERSION} {:016x} {:016x} {}", self.config, self.consent, granted.join(","))
    }

    /// Reads a stored plan; `None` for anything that is not exactly what [`Plan::encode`] writes.
    pub fn decode(text: &str) -> Option<Plan> {
        let mut fields = text.split(' ');
        if fields.next()? != PLAN_VERSION {
            return None;
        }
        let hex = |field: &str| (field.len() == 16).then(|| u64::from_str_radix(field, 16).ok()).flatten();
        let config = hex(fields.next()?)?;
        let consent = hex(fields.next()?)?;
        let list = fields.next()?;
        if fields.next().is_some() {
            return None;
        }
        let mut granted = Vec::new();
        for name in list.split(',').filter(|_| !list.is_empty()) {
            let signal = Signal::ALL.into_iter().find(|s| s.as_str() == name)?;
            if granted.contains(&signal) {
                return None;
            }
            granted.push(signal);
        }
        Some(Plan { config, consent, granted })
    }

    /// Whether this plan applies the stored consent `consent` (read from `consent_text`) on a
    /// page whose config text is `config_text`, at `now` (epoch ms): both texts unchanged since
    /// the plan was made, and the consent not expired.
    pub fn holds(&self, config_text: &str, consent_text: &str, consent: &Consent, now: i64) -> bool {
        self.config == digest(config_text) && self.consent == digest(consent_text) && now < consent.expires_at
    }

    /// All seven signals with granted (`true`) or denied, in [`Signal::ALL`]'s order.
    pub fn signals(&self) -> Vec<(Signal, bool)> {
        Signal::ALL.iter().map(|s| (*s, self.granted.contains(s))).collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::map::Map;

    use super::*;
    use crate::parse_config;

    const CONFIG: &str = r#"{"site":"shop","revision":3,"categories":[
        {"id":"necessary","required":true},{"id":"analytics"},{"id":"marketing"}]}"#;

    fn consent(analytics: bool, marketing: bool) -> Consent {
        Consent {
            v: 1,
            id: "c-1234567890".to_owned(),
            categories: Map::from([
                ("necessary".to_owned(), true),
                ("analytics".to_owned(), analytics),
                ("marketing".to_owned(), marketing),
            ]),
            services: Map::new(),
            revision: 3,
            given_at: 1_000,
            updated_at: 2_000,
            expires_at: 10_000,
            language: "en".to_owned(),
        }
    }

    fn config() -> Config {
        match parse_config(&mut serde_json::Deserializer::from_str(CONFIG)) {
            Ok(config) => config,
            Err(errors) => panic!("{errors}"),
        }
    }

    #[test]
    fn a_plan_holds_for_the_same_texts_until_the_consent_expires() {
        let consent = consent(true, false);
        let plan = Plan::new(digest(CONFIG), &config(), &consent, "stored text");
        assert!(plan.holds(CONFIG, "stored text", &consent, 9_999));
        assert!(!plan.holds(CONFIG, "stored text", &consent, 10_000), "expired");
        assert!(!plan.holds(&CONFIG.replace("\"revision\":3", "\"revision\":4"), "stored text", &consent, 5_000), "a new config");
        assert!(!plan.holds(&format!("{CONFIG} "), "stored text", &consent, 5_000), "any change to the config text");
        assert!(!plan.holds(CONFIG, "stored text, edited", &consent, 5_000), "a stored consent changed since");
    }

    #[test]
    fn a_plan_grants_the_signals_of_its_consent_only() {
        let plan = Plan::new(digest(CONFIG), &config(), &consent(true, false), "t");
        assert_eq!(plan.granted, vec![Signal::AnalyticsStorage, Signal::SecurityStorage]);
        assert_eq!(plan.signals(), consent_mode_signals(&config(), Some(&consent(true, false))));
        let refused = Plan::new(digest(CONFIG), &config(), &consent(false, false), "t");
        assert_eq!(refused.granted, vec![Signal::SecurityStorage]);
    }

    #[test]
    fn a_plan_reads_back_what_it_wrote_and_nothing_else() {
        let plan = Plan::new(digest(CONFIG), &config(), &consent(true, true), "t");
        let text = plan.encode();
        assert!(text.starts_with("p1 "), "{text}");
        assert_eq!(Plan::decode(&text), Some(plan.clone()));
        let none = Plan { granted: Vec::new(), ..plan.clone() };
        assert_eq!(Plan::decode(&none.encode()), Some(none));
        let config = format!("{:016x}", plan.config);
        for bad in [
            String::new(),
            "p2 0000000000000000 0000000000000000 ".to_owned(),
            format!("p1 {config} 00 ad_storage"),
            format!("p1 {config} {config}"),
            format!("p1 {config} {config} ad_storage extra"),
            format!("p1 {config} {config} ad_storage,ad_storage"),
            format!("p1 {config} {config} all_storage"),
            format!("p1 {config} {config} ad_storage,"),
            format!("p1 {} {config} ", "g".repeat(16)),
        ] {
            assert_eq!(Plan::decode(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_digest_is_fnv1a_64() {
        // The reference values of FNV-1a 64.
        assert_eq!(digest(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(digest("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(digest("foobar"), 0x8594_4171_f739_67e8);
    }
}
