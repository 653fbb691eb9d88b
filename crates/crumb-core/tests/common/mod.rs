//! Shared fixtures: the demo shop's config, read from index.html exactly as the widget reads it.

#![allow(dead_code)]

use crumb_core::{parse_config, Config, ConfigErrors, Effect};
use serde_json::Value;

pub const NOW: i64 = 1_795_324_003_123; // 2026-11-22T05:06:43.123Z
pub const DAY: i64 = 86_400_000;

/// The JSON inside `<script type="application/json" id="crumb-config">` of the demo page.
pub fn demo_config_json() -> Value {
    let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../index.html")).expect("index.html");
    let start = html.find(r#"id="crumb-config">"#).expect("config element") + r#"id="crumb-config">"#.len();
    let end = start + html[start..].find("</script>").expect("end of config");
    serde_json::from_str(&html[start..end]).expect("demo config is JSON")
}

pub fn parse(value: Value) -> Result<Config, ConfigErrors> {
    parse_config(value)
}

pub fn demo_config() -> Config {
    parse(demo_config_json()).expect("demo config is valid")
}

/// Each effect's kind, in order (`store`, `forget`, `cookies`, `storage`, `run`, `signal`, `send`).
pub fn effect_kinds(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .map(|e| match e {
            Effect::StoreConsent(_) => "store",
            Effect::ForgetConsent => "forget",
            Effect::ClearCookies(_) => "cookies",
            Effect::ClearStorage(_) => "storage",
            Effect::RunScripts => "run",
            Effect::UpdateConsentMode(_) => "signal",
            Effect::SendRecord(_) => "send",
        })
        .collect()
}

/// The names (or patterns) of the cookies the effects erase, in order.
pub fn erased_cookies(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ClearCookies(specs) => Some(specs.iter().map(|s| s.label().to_owned())),
            _ => None,
        })
        .flatten()
        .collect()
}
