//! The JSON API of crumb-server (`/api/admin/sites/{site}/…`), with `fetch` and the session
//! cookie (`credentials: "same-origin"`). JSON text is parsed by the browser (`JSON.parse`) and
//! copied into crumb-core's [`Value`], the way the widget reads its config; what is sent is
//! written by crumb-core ([`Value::to_json`]).

use crumb_core::config::ConfigError;
use crumb_core::json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// An answer: its HTTP status and its body (JSON as a [`Value`], else the text as a string).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body as JSON, or `Value::String` of the text when it is not JSON.
    pub body: Value,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body's `error`, or a sentence naming the status.
    pub fn error(&self) -> String {
        match self.body.get("error") {
            Some(Value::String(message)) => message.clone(),
            _ => match self.status {
                401 => "you are signed out; sign in again".to_owned(),
                403 => "your token may not do that".to_owned(),
                0 => "the server could not be reached".to_owned(),
                status => format!("the server answered {status}"),
            },
        }
    }
}

/// `/api/admin/sites/{site}` + `rest`.
pub fn site_url(site: &str, rest: &str) -> String {
    format!("/api/admin/sites/{}{rest}", String::from(js_sys::encode_uri_component(site)))
}

/// Sends a request; a failed connection is status 0.
pub async fn call(method: &str, url: &str, body: Option<&Value>) -> Answer {
    match send(method, url, body).await {
        Ok(answer) => answer,
        Err(_) => Answer { status: 0, body: Value::Null },
    }
}

async fn send(method: &str, url: &str, body: Option<&Value>) -> Result<Answer, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new()?;
    headers.set("Accept", "application/json")?;
    if let Some(body) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(&body.to_json()));
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    let body = match js_sys::JSON::parse(&text) {
        Ok(parsed) if !text.is_empty() => value_of(&parsed, 0),
        _ => Value::String(text),
    };
    Ok(Answer { status: response.status(), body })
}

/// JSON text parsed by the browser, as a [`Value`] (`None` when it is not JSON).
pub fn parse(text: &str) -> Option<Value> {
    js_sys::JSON::parse(text).ok().map(|parsed| value_of(&parsed, 0))
}

/// What `JSON.parse` gave, as a [`Value`]: own enumerable members only.
pub fn value_of(value: &JsValue, depth: usize) -> Value {
    if let Some(b) = value.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = value.as_f64() {
        Value::Number(n)
    } else if let Some(s) = value.as_string() {
        Value::String(s)
    } else if depth > crumb_core::json_bounds::MAX_DEPTH {
        Value::Null
    } else if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        Value::Array(array.iter().map(|item| value_of(&item, depth + 1)).collect())
    } else if value.is_object() {
        let object: &js_sys::Object = value.unchecked_ref();
        let entries = js_sys::Object::entries(object);
        let members = entries.iter().filter_map(|entry| {
            let entry: js_sys::Array = entry.dyn_into().ok()?;
            Some((entry.get(0).as_string()?, value_of(&entry.get(1), depth + 1)))
        });
        Value::Object(members.collect())
    } else {
        Value::Null
    }
}

/// The `errors` of an answer (`[{path, message}]`).
pub fn errors_of(body: &Value) -> Vec<ConfigError> {
    match body.get("errors") {
        Some(Value::Array(items)) => {
            items.iter().map(|e| ConfigError { path: string(e.get("path")), message: string(e.get("message")) }).collect()
        }
        _ => Vec::new(),
    }
}

/// A member as text ("" when it is not a string or a number).
pub fn string(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => format!("{}", *n as i64),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A member as a whole number.
pub fn number(value: Option<&Value>) -> Option<u32> {
    match value {
        Some(Value::Number(n)) if *n >= 0.0 && n.fract() == 0.0 && *n <= f64::from(u32::MAX) => Some(*n as u32),
        _ => None,
    }
}
