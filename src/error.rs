//! The widget's one error type and its reporter: problems go to the console, never to a panic.

use std::fmt;

use crumb_core::json_bounds::cap_message;
use crumb_core::{ConfigErrors, StoredError};
use wasm_bindgen::JsValue;

#[derive(Debug)]
pub enum CrumbError {
    /// No config element or `data-config` URL was found, or it is not JSON.
    ConfigMissing(String),
    /// The config is JSON but not a valid Crumb config.
    Config(ConfigErrors),
    /// The stored consent could not be used; the shopper is asked again.
    Stored(StoredError),
    /// localStorage or cookies are blocked; the choice lives in memory for this page.
    StorageBlocked,
    /// A browser API failed.
    Browser(String),
    /// A part of the widget (a wasm module loaded on demand) could not be fetched.
    PartMissing,
}

impl fmt::Display for CrumbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrumbError::ConfigMissing(why) => write!(f, "no usable config: {why}"),
            CrumbError::Config(errors) => write!(f, "{errors}"),
            CrumbError::Stored(error) => write!(f, "{error}; asking again"),
            CrumbError::StorageBlocked => f.write_str("storage is blocked; the choice is kept for this page only"),
            CrumbError::Browser(what) => write!(f, "browser API failed: {what}"),
            CrumbError::PartMissing => {
                f.write_str("a part of the widget could not be loaded (see the network error above); nothing optional runs")
            }
        }
    }
}

impl From<ConfigErrors> for CrumbError {
    fn from(errors: ConfigErrors) -> Self {
        CrumbError::Config(errors)
    }
}

#[cfg(feature = "split")]
impl From<wasm_split_helpers::SplitLoaderError> for CrumbError {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        CrumbError::PartMissing
    }
}

impl From<StoredError> for CrumbError {
    fn from(error: StoredError) -> Self {
        CrumbError::Stored(error)
    }
}

/// Text of a thrown JS value, for messages.
pub fn js_text(value: &JsValue) -> String {
    value.as_string().or_else(|| js_sys::Error::from(value.clone()).message().as_string()).unwrap_or_else(|| "unknown error".to_owned())
}

impl From<JsValue> for CrumbError {
    fn from(value: JsValue) -> Self {
        CrumbError::Browser(js_text(&value))
    }
}

/// Reports an error: config errors and failures as `console.error`, degraded modes as `console.warn`.
pub fn report(problem: &CrumbError) {
    match problem {
        CrumbError::Config(_) | CrumbError::ConfigMissing(_) | CrumbError::Browser(_) | CrumbError::PartMissing => {
            error(&problem.to_string())
        }
        CrumbError::Stored(_) | CrumbError::StorageBlocked => warn(&problem.to_string()),
    }
}

/// `console.error("Crumb: …")`: something failed that the site owner should fix.
pub fn error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(&format!("Crumb: {}", cap_message(message, MAX_MESSAGE))));
}

/// `console.warn("Crumb: …")`: the widget runs, in a degraded way the site owner should know of.
pub fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("Crumb: {}", cap_message(message, MAX_MESSAGE))));
}

/// The longest console message: every config error of a big config fits; an echoed 5 MB value
/// does not.
const MAX_MESSAGE: usize = 4_000;
