//! The consent record v1 posted to the endpoint, and the checks the server applies to it.

use crate::map::Map;

use serde::{Deserialize, Serialize};

use crate::json::{self, read, At, FromJson, ToJson, Unknown, Value};

use crate::consent::Action;
use crate::ids::{is_consent_id, is_id, is_site_id};
use crate::time::{parse_rfc3339, DAY_MS, EARLIEST_MS};

/// The version of the record's shape, sent as `schema`; the server refuses any other.
pub const RECORD_SCHEMA: u32 = 1;
/// Longest `url_path` kept.
pub const MAX_PATH: usize = 512;
const MAX_ENTRIES: usize = 200;

/// One decision, as proof of consent (GDPR Art. 7(1)). No IP, no user agent: the server decides
/// what it may keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRecord {
    /// Always [`RECORD_SCHEMA`].
    pub schema: u32,
    /// The consent's id (8-64 letters, digits or `-`), the same for every decision until a reset.
    pub consent_id: String,
    /// The config's `site` (1-100 letters, digits, `.`, `_` or `-`).
    pub site: String,
    /// The config `revision` the shopper decided on.
    pub revision: u32,
    /// What the shopper did.
    pub action: Action,
    /// Every category by id, granted (`true`) or refused: 1-200 of them.
    pub categories: Map<bool>,
    /// Every service by id, granted or refused: at most 200.
    #[serde(default)]
    pub services: Map<bool>,
    /// The language the widget was showing: a code of 1-16 letters, digits or `-`.
    pub language: String,
    /// Whether the browser sent Global Privacy Control when the shopper decided.
    pub gpc: bool,
    /// RFC 3339 UTC: when this consent id was first given.
    pub given_at: String,
    /// RFC 3339 UTC: when this decision was made; with `consent_id` it identifies the record.
    pub updated_at: String,
    /// The path of the page the shopper decided on: starts with `/`, at most [`MAX_PATH`] bytes,
    /// no control characters.
    pub url_path: String,
    /// The consent's secret ([`crate::proof`]), proving that the browser that made the consent id
    /// sent the record. Posted, checked by the server and never stored: records read back from
    /// the log have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The hosted config's version the shopper decided under (the config's `config_version`, set
    /// by crumb-server when it serves a published config); absent for a config written by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_version: Option<u32>,
}

/// The widget reads its outbox with this; the server reads what it receives with serde's derived
/// reader. Both refuse a field the record does not have (`records_read_the_same_on_both_sides`).
impl FromJson for ConsentRecord {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, json::Error> {
        const FIELDS: &[&str] = &[
            "schema",
            "consent_id",
            "site",
            "revision",
            "action",
            "categories",
            "services",
            "language",
            "gpc",
            "given_at",
            "updated_at",
            "url_path",
            "secret",
            "config_version",
        ];
        let required =
            &["schema", "consent_id", "site", "revision", "action", "categories", "language", "gpc", "given_at", "updated_at", "url_path"];
        let mut record = ConsentRecord {
            schema: 0,
            consent_id: String::new(),
            site: String::new(),
            revision: 0,
            action: Action::Custom,
            categories: Map::new(),
            services: Map::new(),
            language: String::new(),
            gpc: false,
            given_at: String::new(),
            updated_at: String::new(),
            url_path: String::new(),
            secret: None,
            config_version: None,
        };
        json::fields(value, at, "struct ConsentRecord", FIELDS, required, Unknown::Refused, &mut |field, value, at| {
            match field {
                0 => record.schema = read(value, at)?,
                1 => record.consent_id = read(value, at)?,
                2 => record.site = read(value, at)?,
                3 => record.revision = read(value, at)?,
                4 => record.action = read(value, at)?,
                5 => record.categories = read(value, at)?,
                6 => record.services = read(value, at)?,
                7 => record.language = read(value, at)?,
                8 => record.gpc = read(value, at)?,
                9 => record.given_at = read(value, at)?,
                10 => record.updated_at = read(value, at)?,
                11 => record.url_path = read(value, at)?,
                12 => record.secret = Some(read(value, at)?),
                _ => record.config_version = read(value, at)?,
            }
            Ok(())
        })?;
        Ok(record)
    }
}

/// Written as serde writes it (the server's `serde_json` reads it back).
impl ToJson for ConsentRecord {
    fn to_value(&self) -> Value {
        let mut fields = vec![
            ("schema", self.schema.to_value()),
            ("consent_id", self.consent_id.to_value()),
            ("site", self.site.to_value()),
            ("revision", self.revision.to_value()),
            ("action", self.action.to_value()),
            ("categories", self.categories.to_value()),
            ("services", self.services.to_value()),
            ("language", self.language.to_value()),
            ("gpc", self.gpc.to_value()),
            ("given_at", self.given_at.to_value()),
            ("updated_at", self.updated_at.to_value()),
            ("url_path", self.url_path.to_value()),
        ];
        if let Some(secret) = &self.secret {
            fields.push(("secret", secret.to_value()));
        }
        if let Some(version) = self.config_version {
            fields.push(("config_version", version.to_value()));
        }
        json::object(fields)
    }
}

/// Why a received record was refused: the first bad field found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid consent record: `{field}` {problem}")]
pub struct RecordError {
    /// The field's name in the record (`url_path`).
    pub field: &'static str,
    /// What is wrong with it (`is in the future`).
    pub problem: &'static str,
}

fn fail(field: &'static str, problem: &'static str) -> Result<(), RecordError> {
    Err(RecordError { field, problem })
}

impl ConsentRecord {
    /// Checks a record received from the network; `now` bounds its dates.
    pub fn validate(&self, now: i64) -> Result<(), RecordError> {
        if self.schema != RECORD_SCHEMA {
            return fail("schema", "must be 1");
        }
        if !is_consent_id(&self.consent_id) {
            return fail("consent_id", "must be 8-64 letters, digits or `-`");
        }
        if !is_site_id(&self.site) {
            return fail("site", "must be 1-100 letters, digits, `.`, `_` or `-`");
        }
        if self.categories.is_empty() || self.categories.len() > MAX_ENTRIES || !self.categories.keys().all(|k| is_id(k)) {
            return fail("categories", "must name 1-200 categories by id");
        }
        if self.services.len() > MAX_ENTRIES || !self.services.keys().all(|k| is_id(k)) {
            return fail("services", "must name at most 200 services by id");
        }
        if self.language.is_empty() || self.language.len() > 16 || !self.language.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return fail("language", "must be a language code");
        }
        if self.secret.as_deref().is_some_and(|s| !crate::proof::is_secret(s)) {
            return fail("secret", "must be 32 lowercase hex digits");
        }
        if self.url_path.len() > MAX_PATH || !self.url_path.starts_with('/') || self.url_path.chars().any(char::is_control) {
            return fail("url_path", "must be a path of at most 512 characters, without control characters");
        }
        let given = parse_rfc3339(&self.given_at);
        let updated = parse_rfc3339(&self.updated_at);
        let (Some(given), Some(updated)) = (given, updated) else {
            return fail("updated_at", "must be RFC 3339 UTC (`2026-11-22T05:06:43.123Z`)");
        };
        if given < EARLIEST_MS || updated < given {
            return fail("given_at", "must not be before 2020 nor after `updated_at`");
        }
        if updated > now + DAY_MS {
            return fail("updated_at", "is in the future");
        }
        Ok(())
    }

    /// `updated_at` in epoch milliseconds (after [`validate`](Self::validate) it is present).
    pub fn updated_ms(&self) -> Option<i64> {
        parse_rfc3339(&self.updated_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ConsentRecord {
        serde_json::from_str(
            r#"{"schema":1,"consent_id":"0f8fad5b-d9cb-469f-a165-70867728950e","site":"crumb-demo","revision":1,
                "action":"custom","categories":{"necessary":true},"language":"en","gpc":false,
                "given_at":"2026-11-22T05:06:43.123Z","updated_at":"2026-11-22T05:06:43.123Z","url_path":"/"}"#,
        )
        .unwrap()
    }

    const NOW: i64 = 1_795_400_000_000;

    /// The widget (`FromJson`) and the server (serde's derive) read a record text the same way:
    /// the same record, or both refuse it.
    #[test]
    fn records_read_the_same_on_both_sides() {
        let valid = serde_json::to_value(record()).unwrap();
        let mut cases = vec![valid.clone()];
        for (field, replacement) in [
            ("services", None),
            ("services", Some(serde_json::json!({"ga4": false}))),
            ("extra", Some(serde_json::json!(1))),
            ("action", Some(serde_json::json!("accept_everything"))),
            ("revision", Some(serde_json::json!(-1))),
            ("revision", Some(serde_json::json!(1.5))),
            ("gpc", Some(serde_json::json!("no"))),
            ("site", None),
            ("categories", Some(serde_json::json!([]))),
        ] {
            let mut case = valid.clone();
            match replacement {
                Some(value) => case[field] = value,
                None => drop(case.as_object_mut().unwrap().remove(field)),
            }
            cases.push(case);
        }
        for case in cases {
            let server = serde_json::from_value::<ConsentRecord>(case.clone()).ok();
            let value = <json::Value as Deserialize>::deserialize(case.clone()).unwrap();
            let widget = json::from_value::<ConsentRecord>(value).ok();
            assert_eq!(widget, server, "{case}");
        }
    }

    #[test]
    fn a_valid_record_passes() {
        assert_eq!(record().validate(NOW), Ok(()));
    }

    /// A field's name and a change that breaks it.
    type BadField = (&'static str, fn(&mut ConsentRecord));

    #[test]
    fn each_bad_field_is_named() {
        let cases: [BadField; 7] = [
            ("url_path", |r| r.url_path = "/a\nSet-Cookie: x".into()),
            ("url_path", |r| r.url_path = "relative".into()),
            ("site", |r| r.site = String::new()),
            ("language", |r| r.language = "en_GB!".into()),
            ("categories", |r| r.categories.clear()),
            ("categories", |r| _ = r.categories.insert("4analytics".into(), true)),
            ("updated_at", |r| r.updated_at = "2099-01-01T00:00:00Z".into()),
        ];
        for (field, edit) in cases {
            let mut r = record();
            edit(&mut r);
            assert_eq!(r.validate(NOW).map_err(|e| e.field), Err(field));
        }
    }
}
