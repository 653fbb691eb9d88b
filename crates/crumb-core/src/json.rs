//! JSON values, and typed data read out of them and written into them: how the widget reads a
//! config, a stored consent, the outbox and a language file, and writes what it stores and posts.
//!
//! The browser parses JSON text (`JSON.parse`, so no JSON parser is compiled into the wasm); the
//! widget copies the result into a [`Value`] and reads typed data out of it with [`from_value`],
//! through each type's [`FromJson`], written by hand over a few non-generic helpers ([`fields`],
//! [`variant`]): serde's derived readers cost the widget about 45 KB of generic code before
//! wasm-opt. Reading a value also:
//! - names the path of the value that does not fit (`categories[2].services[0].cookies[0].duration`),
//!   so a broken config gets a precise error with no second pass, in serde's words
//!   (`invalid type: integer `5`, expected a string`, `missing field `id``);
//! - reports every field the type does not declare ([`from_value_reporting_unknown`]), so a
//!   misspelt config field is refused with all the others at once, not one per reload.
//!
//! Writing goes the other way: [`ToJson`] then [`Value::to_json`], in Rust, so a page that
//! replaced `JSON.stringify` or polluted `Object.prototype.toJSON` cannot change what is stored
//! or posted. The host (server, `crumb prerender`, tests) reads JSON text
//! into a [`Value`] with `serde_json` and then reads types out of it the same way.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, Deserialize, Visitor};

use crate::map::Map;

/// A JSON value. An object keeps its members in document order.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number (JSON numbers are what JavaScript reads them as: `f64`).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, its members in order.
    Object(Vec<(String, Value)>),
}

/// Why a value could not be read as a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Where in the value, as `categories[2].services[0].id`; `.` for the value itself.
    pub path: String,
    /// What is wrong there, in serde's words (`invalid type: integer `5`, expected a string`).
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path, self.message)
    }
}

impl std::error::Error for Error {}

/// A type read out of a [`Value`] by hand, where serde's derived readers compiled about 45 KB of
/// generic code into the widget (a visitor per struct, a seed per field type). Each type asks for
/// the one kind of value it reads; anything else is refused with serde's words and the path.
pub trait FromJson: Sized {
    /// Reads `value`, which sits at `at`.
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error>;
}

/// Reads the value at `at` as a `T`: what each type's [`FromJson`] calls for its fields.
pub fn read<T: FromJson>(value: Value, at: &At<'_>) -> Result<T, Error> {
    T::from_json(value, at)
}

/// Reads a `T` out of `value`. Fields `T` does not declare are skipped (or refused, for a type
/// that does not take them).
pub fn from_value<T: FromJson>(value: Value) -> Result<T, Error> {
    from_value_reporting_unknown(value).0
}

/// Reads a `T` out of `value`, and lists the fields `T` does not declare as `(path, name)` pairs,
/// in document order (those met before a type error, when there is one).
pub fn from_value_reporting_unknown<T: FromJson>(value: Value) -> (Result<T, Error>, Vec<(String, String)>) {
    let unknown = RefCell::new(Vec::new());
    let result = T::from_json(value, &At { parent: None, step: Step::Root, unknown: &unknown });
    (result, unknown.into_inner())
}

/// Where a value sits, as a chain back to the root, and where the fields no type declares are
/// noted. A path is written out only for an error or an unknown field, so reading a valid value
/// formats no path at all.
pub struct At<'a> {
    parent: Option<&'a At<'a>>,
    step: Step<'a>,
    unknown: &'a RefCell<Vec<(String, String)>>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Member(&'a str),
    Item(usize),
}

impl<'a> At<'a> {
    /// The member `key` of the object at this place.
    pub fn member<'b>(&'b self, key: &'b str) -> At<'b> {
        At { parent: Some(self), step: Step::Member(key), unknown: self.unknown }
    }

    /// The item `index` of the array at this place.
    pub fn item(&self, index: usize) -> At<'_> {
        At { parent: Some(self), step: Step::Item(index), unknown: self.unknown }
    }

    /// This place, as `categories[2].services[0].id`; `.` for the root.
    pub fn path(&self) -> String {
        let mut path = String::new();
        self.write(&mut path);
        if path.is_empty() {
            path.push('.');
        }
        path
    }

    fn write(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write(out);
        }
        match self.step {
            Step::Root => {}
            Step::Member(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Item(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }

    /// An error at this place.
    #[inline(never)]
    pub fn error(&self, message: String) -> Error {
        Error { path: self.path(), message }
    }

    /// The error for a value of the wrong kind, in serde's words: `invalid type: integer `5`,
    /// expected a string`.
    #[inline(never)]
    pub fn refused(&self, value: &Value, expected: &str) -> Error {
        let found = match value {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => format!("boolean `{b}`"),
            Value::Number(n) => match whole(*n) {
                Some(n) => format!("integer `{n}`"),
                None => "a number with a fraction".to_owned(),
            },
            Value::String(s) => format!("string `{s}`"),
            Value::Array(_) => "an array".to_owned(),
            Value::Object(_) => "an object".to_owned(),
        };
        self.error(format!("invalid type: {found}, expected {expected}"))
    }

    #[inline(never)]
    fn note_unknown(&self, key: &str) {
        self.unknown.borrow_mut().push((self.member(key).path(), key.to_owned()));
    }
}

/// `n` as a whole number, if it is one JavaScript holds exactly.
fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() <= EXACT).then_some(n as i64)
}

/// A whole number between `min` and `max` (serde's words otherwise: `invalid value: integer
/// `-1`, expected u32`). Crumb's types hold whole numbers only, so a fraction is refused and no
/// float formatting is compiled into the widget for the message.
#[inline(never)]
fn integer(value: &Value, at: &At<'_>, expected: &str, min: i64, max: i64) -> Result<i64, Error> {
    match value {
        Value::Number(n) => match whole(*n) {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            Some(n) => Err(at.error(format!("invalid value: integer `{n}`, expected {expected}"))),
            None => Err(at.refused(value, expected)),
        },
        _ => Err(at.refused(value, expected)),
    }
}

impl FromJson for u32 {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
        integer(&value, at, "u32", 0, u32::MAX.into()).map(|n| n as u32)
    }
}

impl FromJson for i64 {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
        integer(&value, at, "i64", -(EXACT as i64), EXACT as i64)
    }
}

impl FromJson for bool {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(at.refused(&other, "a boolean")),
        }
    }
}

impl FromJson for String {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(at.refused(&other, "a string")),
        }
    }
}

impl FromJson for Value {
    fn from_json(value: Value, _at: &At<'_>) -> Result<Self, Error> {
        Ok(value)
    }
}

/// `null` is `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
        match value {
            Value::Null => Ok(None),
            value => T::from_json(value, at).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
        let mut read = Vec::new();
        items(value, at, &mut |index, item| {
            read.push(T::from_json(item, &at.item(index))?);
            Ok(())
        })?;
        Ok(read)
    }
}

/// Hands each item of the array `value` to `each`, with its index; refuses any other value.
#[inline(never)]
fn items(value: Value, at: &At<'_>, each: &mut dyn FnMut(usize, Value) -> Result<(), Error>) -> Result<(), Error> {
    match value {
        Value::Array(items) => items.into_iter().enumerate().try_for_each(|(index, item)| each(index, item)),
        other => Err(at.refused(&other, "a sequence")),
    }
}

/// Hands each member of the object `value` to `each`; refuses any other value as not `expected`.
#[inline(never)]
pub fn entries(value: Value, at: &At<'_>, expected: &str, each: &mut dyn FnMut(String, Value) -> Result<(), Error>) -> Result<(), Error> {
    match value {
        Value::Object(members) => members.into_iter().try_for_each(|(key, value)| each(key, value)),
        other => Err(at.refused(&other, expected)),
    }
}

/// A repeated key keeps its last value, as `JSON.parse` does.
impl<T: FromJson> FromJson for Map<T> {
    fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
        let mut read = Vec::new();
        entries(value, at, "an object", &mut |key, value| {
            let item = T::from_json(value, &at.member(&key))?;
            read.push((key, item));
            Ok(())
        })?;
        Ok(Map::from_entries(read))
    }
}

/// How a struct takes a member it does not declare.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// Noted as unknown ([`from_value_reporting_unknown`] lists it) and skipped.
    Noted,
    /// Refused, as serde's `deny_unknown_fields` does: for values Crumb wrote itself.
    Refused,
}

/// Reads the object `value` as a struct with `fields`: hands each declared member to `each` with
/// the field's index, in document order; a repeated field is refused, an undeclared one noted or
/// refused, and then the first of `required` not given (`missing field `id``). `expected` names
/// the struct in an error (`struct Config`). A type starts from its defaults and `each` sets what
/// the value gives, so no field needs an `Option` of its own.
#[inline(never)]
pub fn fields(
    value: Value,
    at: &At<'_>,
    expected: &str,
    fields: &[&str],
    required: &[&str],
    unknown: Unknown,
    each: &mut dyn FnMut(usize, Value, &At<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    // One bit per field: Crumb's structs have at most 16.
    debug_assert!(fields.len() <= 64);
    let mut seen = 0u64;
    entries(value, at, expected, &mut |key, value| match fields.iter().position(|field| *field == key) {
        Some(index) if seen & (1 << index) != 0 => Err(at.error(format!("duplicate field `{key}`"))),
        Some(index) => {
            seen |= 1 << index;
            each(index, value, &at.member(&key))
        }
        None if unknown == Unknown::Refused => Err(at.error(format!("unknown field `{key}`, expected {}", OneOf(fields)))),
        None => {
            at.note_unknown(&key);
            Ok(())
        }
    })?;
    let given = |name: &&str| fields.iter().position(|field| field == name).is_some_and(|i| seen & (1 << i) != 0);
    match required.iter().find(|name| !given(name)) {
        Some(name) => Err(at.error(format!("missing field `{name}`"))),
        None => Ok(()),
    }
}

/// Reads a string naming one of `names` (an enum's variants, as a config writes them) as its index.
#[inline(never)]
pub fn variant(value: Value, at: &At<'_>, names: &[&str]) -> Result<usize, Error> {
    match value {
        Value::String(name) => names
            .iter()
            .position(|known| *known == name)
            .ok_or_else(|| at.error(format!("unknown variant `{name}`, expected {}", OneOf(names)))),
        other => Err(at.refused(&other, "a string naming one of the variants")),
    }
}

/// serde's list of what was expected: `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
struct OneOf<'a>(&'a [&'a str]);

impl fmt::Display for OneOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "`{one}`"),
            [a, b] => write!(f, "`{a}` or `{b}`"),
            names => {
                f.write_str("one of ")?;
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{name}`")?;
                }
                Ok(())
            }
        }
    }
}

/// The largest whole number JavaScript holds exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

/// A type written into a [`Value`] by hand, the other half of [`FromJson`]: what the widget stores
/// and posts (a consent, its records) and hands the page (`getConsent()`, event details). The
/// host writes the same types with serde's `Serialize` (`serde_json`); tests hold the two to the
/// same text (`written_the_same_by_hand_and_by_serde`).
pub trait ToJson {
    /// The value of `self`.
    fn to_value(&self) -> Value;
}

/// The JSON object with `members`, in this order: how a struct writes itself.
pub fn object(members: Vec<(&str, Value)>) -> Value {
    Value::Object(members.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}

impl ToJson for str {
    fn to_value(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToJson for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToJson for u32 {
    fn to_value(&self) -> Value {
        Value::Number(f64::from(*self))
    }
}

/// Crumb's `i64`s are epoch milliseconds, well within what an `f64` holds exactly.
impl ToJson for i64 {
    fn to_value(&self) -> Value {
        Value::Number(*self as f64)
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(T::to_value).collect())
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_value(&self) -> Value {
        self.as_slice().to_value()
    }
}

/// An object with the map's keys, in the map's (sorted) order.
impl<T: ToJson> ToJson for Map<T> {
    fn to_value(&self) -> Value {
        Value::Object(self.iter().map(|(key, value)| (key.clone(), value.to_value())).collect())
    }
}

impl ToJson for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl Value {
    /// The value as JSON text: compact, and with whole numbers only (what Crumb writes holds
    /// nothing else, and writing a fraction would compile float formatting into the widget).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            // What Crumb writes holds whole numbers only: one
            // with a fraction, or one past what JavaScript holds exactly, is written as `null`.
            Value::Number(n) if n.fract() == 0.0 && n.abs() <= EXACT => out.push_str(&(*n as i64).to_string()),
            Value::Number(_) => out.push_str("null"),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// The member `key` of an object (the last one, if the object repeats it).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Other control characters, and the two line separators some JS contexts mind.
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let code = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((code >> shift) & 0xf) as usize] as char);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Reads a [`Value`] from any self-describing deserializer: `serde_json` on the host (the server,
/// `crumb prerender`, tests). A repeated object key keeps its last value, as `JSON.parse` does.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct ValueVisitor;

        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                Value::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value, E> {
                Ok(Value::String(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Value, E> {
                Ok(Value::String(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Value::Array(items))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut members: Vec<(String, Value)> = Vec::new();
                // Where each key is: a repeated one replaces its value in place (linear, not
                // quadratic, in an object with many keys).
                let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    match at.get(&key).and_then(|&i| members.get_mut(i)) {
                        Some(member) => member.1 = value,
                        None => {
                            at.insert(key.clone(), members.len());
                            members.push((key, value));
                        }
                    }
                }
                Ok(Value::Object(members))
            }
        }

        deserializer.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[derive(Debug, PartialEq)]
    struct Inner {
        id: String,
        n: Option<u32>,
    }

    impl FromJson for Inner {
        fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
            let mut inner = Inner { id: String::new(), n: None };
            fields(value, at, "struct Inner", &["id", "n"], &["id"], Unknown::Noted, &mut |field, v, at| {
                match field {
                    0 => inner.id = read(v, at)?,
                    _ => inner.n = read(v, at)?,
                }
                Ok(())
            })?;
            Ok(inner)
        }
    }

    #[derive(Debug, PartialEq)]
    struct Outer {
        items: Vec<Inner>,
        flags: Map<bool>,
        mode: Mode,
        at: i64,
    }

    impl FromJson for Outer {
        fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
            let mut outer = Outer { items: Vec::new(), flags: Map::new(), mode: Mode::Quiet, at: 0 };
            let (names, required) = (&["items", "flags", "mode", "at"], &["items", "flags", "at"]);
            fields(value, at, "struct Outer", names, required, Unknown::Noted, &mut |field, v, at| {
                match field {
                    0 => outer.items = read(v, at)?,
                    1 => outer.flags = read(v, at)?,
                    2 => outer.mode = read(v, at)?,
                    _ => outer.at = read(v, at)?,
                }
                Ok(())
            })?;
            Ok(outer)
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Mode {
        Quiet,
        Loud,
    }

    impl FromJson for Mode {
        fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
            Ok([Mode::Quiet, Mode::Loud][variant(value, at, &["quiet", "loud"])?])
        }
    }

    /// Like a config's record types: a field it does not have is refused.
    #[derive(Debug)]
    struct Strict {
        a: bool,
    }

    impl FromJson for Strict {
        fn from_json(value: Value, at: &At<'_>) -> Result<Self, Error> {
            let mut strict = Strict { a: false };
            fields(value, at, "struct Strict", &["a"], &["a"], Unknown::Refused, &mut |_, v, at| {
                strict.a = read(v, at)?;
                Ok(())
            })?;
            Ok(strict)
        }
    }

    #[test]
    fn reads_types_and_writes_them_back_the_same() {
        let text = r#"{"items":[{"id":"a","n":3},{"id":"b","n":null}],"flags":{"x":true,"y":false},"mode":"loud","at":-1795324003123}"#;
        let outer: Outer = from_value(value(text)).unwrap();
        assert_eq!(outer.items[0], Inner { id: "a".into(), n: Some(3) });
        assert_eq!(outer.items[1].n, None);
        assert_eq!(outer.mode, Mode::Loud);
        assert_eq!(outer.at, -1_795_324_003_123);
        let written = object(vec![
            ("items", Value::Array(outer.items.iter().map(|i| object(vec![("id", i.id.to_value()), ("n", i.n.to_value())])).collect())),
            ("flags", outer.flags.to_value()),
            ("mode", "loud".to_value()),
            ("at", outer.at.to_value()),
        ]);
        assert_eq!(written.to_json(), text);
    }

    #[test]
    fn a_type_error_names_its_path_and_the_unknown_fields_before_it() {
        let text = r#"{"extra":1,"items":[{"id":"a","colour":"red"},{"id":5}],"flags":{},"at":0}"#;
        let (result, unknown) = from_value_reporting_unknown::<Outer>(value(text));
        let error = result.unwrap_err();
        assert_eq!(error.path, "items[1].id");
        assert_eq!(error.message, "invalid type: integer `5`, expected a string");
        assert_eq!(error.to_string(), "`items[1].id`: invalid type: integer `5`, expected a string");
        assert_eq!(unknown, vec![("extra".to_owned(), "extra".to_owned()), ("items[0].colour".to_owned(), "colour".to_owned())]);
    }

    #[test]
    fn missing_fields_floats_and_bad_variants_are_located() {
        let error = from_value::<Outer>(value(r#"{"items":[{}],"flags":{},"at":0}"#)).unwrap_err();
        assert_eq!((error.path.as_str(), error.message.as_str()), ("items[0]", "missing field `id`"));
        let error = from_value::<Outer>(value(r#"{"items":[{"id":"a","n":1.5}],"flags":{},"at":0}"#)).unwrap_err();
        assert_eq!(error.path, "items[0].n");
        assert_eq!(error.message, "invalid type: a number with a fraction, expected u32");
        let error = from_value::<Outer>(value(r#"{"items":[],"flags":{},"at":0,"mode":"shout"}"#)).unwrap_err();
        assert_eq!(error.path, "mode");
        assert_eq!(error.message, "unknown variant `shout`, expected `quiet` or `loud`");
        let error = from_value::<Outer>(value(r#"{"items":[],"flags":{},"at":0,"mode":7}"#)).unwrap_err();
        assert_eq!(error.message, "invalid type: integer `7`, expected a string naming one of the variants");
        let error = from_value::<Outer>(value(r#"{"items":[],"flags":{"x":1},"at":0}"#)).unwrap_err();
        assert_eq!((error.path.as_str(), error.message.as_str()), ("flags.x", "invalid type: integer `1`, expected a boolean"));
        let error = from_value::<Outer>(value(r#"{"items":{},"flags":{},"at":0}"#)).unwrap_err();
        assert_eq!((error.path.as_str(), error.message.as_str()), ("items", "invalid type: an object, expected a sequence"));
        let error = from_value::<Outer>(value("[]")).unwrap_err();
        assert_eq!((error.path.as_str(), error.message.as_str()), (".", "invalid type: an array, expected struct Outer"));
        let error = from_value::<u32>(value("5000000000")).unwrap_err();
        assert_eq!(error.message, "invalid value: integer `5000000000`, expected u32");
        let error = from_value::<u32>(value("-1")).unwrap_err();
        assert_eq!(error.message, "invalid value: integer `-1`, expected u32");
        assert_eq!(from_value::<u32>(value("4294967295")), Ok(u32::MAX));
        assert!(from_value::<i64>(value("1e300")).is_err(), "past 2^53 a number is not exact");
        let error = from_value::<String>(value("null")).unwrap_err();
        assert_eq!(error.message, "invalid type: null, expected a string");
        assert_eq!(from_value::<Option<String>>(value("null")), Ok(None));
    }

    #[test]
    fn a_repeated_field_is_refused_and_a_strict_type_refuses_unknown_ones() {
        // serde_json's map keeps the last of a repeated key, so build the object by hand.
        let twice = Value::Object(vec![("a".into(), Value::Bool(true)), ("a".into(), Value::Bool(false))]);
        let error = from_value::<Strict>(twice).unwrap_err();
        assert_eq!((error.path.as_str(), error.message.as_str()), (".", "duplicate field `a`"));
        let error = from_value::<Strict>(value(r#"{"a":true,"b":1}"#)).unwrap_err();
        assert_eq!(error.message, "unknown field `b`, expected `a`");
        let (result, unknown) = from_value_reporting_unknown::<Strict>(value(r#"{"a":true}"#));
        assert!(result.unwrap().a && unknown.is_empty());
        assert_eq!(OneOf(&["a", "b", "c"]).to_string(), "one of `a`, `b`, `c`");
    }

    #[test]
    fn a_value_refused_after_reading_is_located_at_itself() {
        struct Even;
        impl FromJson for Even {
            fn from_json(value: Value, at: &At<'_>) -> Result<Even, Error> {
                match u32::from_json(value, at)? {
                    n if n % 2 == 0 => Ok(Even),
                    n => Err(at.error(format!("{n} is odd"))),
                }
            }
        }
        let error = from_value::<Map<Vec<Even>>>(value(r#"{"evens":[2,3]}"#)).err().unwrap();
        assert_eq!((error.path.as_str(), error.message.as_str()), ("evens[1]", "3 is odd"));
    }

    #[test]
    fn strings_are_escaped_and_odd_numbers_are_safe() {
        let v = Value::Array(vec![
            Value::String("a\"b\\c\n\u{1}\u{2028}é".into()),
            Value::Number(f64::NAN),
            Value::Number(0.5),
            Value::Number(-0.0),
            Value::Number(1e300),
            Value::Number(-9_007_199_254_740_992.0),
        ]);
        let text = v.to_json();
        assert_eq!(text, "[\"a\\\"b\\\\c\\n\\u0001\\u2028é\",null,null,0,null,-9007199254740992]");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back[0], "a\"b\\c\n\u{1}\u{2028}é");
        assert_eq!((-1_795_324_003_123i64).to_value().to_json(), "-1795324003123");
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        let v = value(r#"{"a":1,"b":2,"a":3}"#);
        assert_eq!(v, Value::Object(vec![("a".into(), Value::Number(3.0)), ("b".into(), Value::Number(2.0))]));
        assert_eq!(v.get("a"), Some(&Value::Number(3.0)));
    }
}
