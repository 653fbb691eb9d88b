//! JSON values and serde over them: how the widget reads a config, a stored consent, the outbox
//! and a language file, and writes what it stores and posts.
//!
//! The browser parses JSON text (`JSON.parse`, so no JSON parser is compiled into the wasm); the
//! widget copies the result into a [`Value`] and reads typed data out of it with [`from_value`].
//! One small deserializer then serves every type, where a deserializer over JS values (and a
//! second one that tracks paths) cost the widget about 40 KB of code. Reading a value also:
//! - names the path of the value that does not fit (`categories[2].services[0].cookies[0].duration`),
//!   so a broken config gets a precise error with no second pass;
//! - reports every field the type does not declare ([`from_value_reporting_unknown`]), so a
//!   misspelt config field is refused with all the others at once, not one per reload.
//!
//! Writing goes the other way: [`to_value`] then [`Value::to_json`], in Rust, so a page that
//! replaced `JSON.stringify` or polluted `Object.prototype.toJSON` cannot change what is stored
//! or posted.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};

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

/// Why a value could not be read as a type, or a type not written as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Where in the value, as `categories[2].services[0].id`; `.` for the value itself.
    pub path: String,
    /// What is wrong there, in serde's words (`invalid type: integer `5`, expected a string`).
    pub message: String,
    located: bool,
}

impl Error {
    /// Gives the error the path of `at`, unless a value deeper down already gave it its own.
    #[inline(never)]
    fn located_at(mut self, at: &Step<'_>) -> Self {
        if !self.located {
            self.located = true;
            self.path = at.path();
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.located {
            write!(f, "`{}`: {}", self.path, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error { path: String::new(), message: message.to_string(), located: false }
    }

    // serde's own wording, with the value named here rather than by `Unexpected`'s `Display`,
    // which would compile float formatting into the widget for a case Crumb never has.
    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        <Error as de::Error>::custom(format_args!("invalid type: {}, expected {expected}", Unexpected(unexpected)))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        <Error as de::Error>::custom(format_args!("invalid value: {}, expected {expected}", Unexpected(unexpected)))
    }
}

/// [`de::Unexpected`] in serde's words, except that a float is not written out.
struct Unexpected<'a>(de::Unexpected<'a>);

impl fmt::Display for Unexpected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use de::Unexpected::*;
        match self.0 {
            Bool(b) => write!(f, "boolean `{b}`"),
            Unsigned(n) => write!(f, "integer `{n}`"),
            Signed(n) => write!(f, "integer `{n}`"),
            Float(_) => f.write_str("a number with a fraction"),
            Char(c) => write!(f, "character `{c}`"),
            Str(s) => write!(f, "string `{s}`"),
            Unit => f.write_str("null"),
            Seq => f.write_str("an array"),
            Map => f.write_str("an object"),
            Other(other) => f.write_str(other),
            _ => f.write_str("a value of another kind"),
        }
    }
}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        <Error as de::Error>::custom(message)
    }
}

/// Reads a `T` out of `value`. Fields `T` does not declare are skipped.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    from_value_reporting_unknown(value).0
}

/// Reads a `T` out of `value`, and lists the fields `T` does not declare as `(path, name)` pairs,
/// in document order (those met before a type error, when there is one).
pub fn from_value_reporting_unknown<T: DeserializeOwned>(value: Value) -> (Result<T, Error>, Vec<(String, String)>) {
    let unknown = RefCell::new(Vec::new());
    let result = T::deserialize(Reader { value, at: &Step::Root, unknown: &unknown });
    (result.map_err(|e| e.located_at(&Step::Root)), unknown.into_inner())
}

/// Where a value sits, as a chain back to the root; written out only for an error or an unknown
/// field, so reading a valid value formats no path at all.
enum Step<'a> {
    Root,
    Member(&'a Step<'a>, &'a str),
    Item(&'a Step<'a>, usize),
}

impl Step<'_> {
    /// `categories[2].services[0].id`; `.` for the root.
    fn path(&self) -> String {
        let mut path = String::new();
        self.write(&mut path);
        if path.is_empty() {
            path.push('.');
        }
        path
    }

    fn write(&self, out: &mut String) {
        match self {
            Step::Root => {}
            Step::Member(parent, key) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Item(parent, index) => {
                parent.write(out);
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
}

/// A deserializer over one value, at `at`. An error a visitor returns is located by the caller
/// that made this reader (the root, or the array or object holding the value), which also
/// catches a type that refuses its value after reading it (a duration's text).
struct Reader<'a> {
    value: Value,
    at: &'a Step<'a>,
    unknown: &'a RefCell<Vec<(String, String)>>,
}

/// JSON numbers as serde's integer types expect them. Crumb's types hold whole numbers only, so
/// a number with a fraction is refused here (with the path and the type expected) and no float
/// formatting is compiled into the widget for the error message.
fn visit_number<'de, V: Visitor<'de>>(reader: Reader<'_>, n: f64, visitor: V) -> Result<V::Value, Error> {
    if n.fract() != 0.0 || !n.is_finite() {
        Err(reader.refused(&visitor))
    } else if n >= 0.0 {
        visitor.visit_u64(n as u64)
    } else {
        visitor.visit_i64(n as i64)
    }
}

/// Every integer type reads a number as [`visit_number`] hands it over (the visitor checks the range).
macro_rules! numbers_as_u64 {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_u64(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Reader<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(self, n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_items(items, self.at, self.unknown, visitor),
            Value::Object(members) => visit_members(members, self.at, self.unknown, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.value == Value::Null {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::String(variant) => visitor.visit_enum(variant.into_deserializer()),
            _ => Err(self.refused(&"a string naming one of the variants")),
        }
    }

    /// Serde reads a member the type does not declare as an ignored value: note its path.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.note_unknown();
        visitor.visit_unit()
    }

    // Each type asks for the one kind of value it reads; anything else is refused here, once,
    // instead of through every visitor's every `visit_*` method (about 1 KB of wasm per type).
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(b),
            _ => Err(self.refused(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_string(s),
            _ => Err(self.refused(&visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Number(n) => visit_number(self, n, visitor),
            _ => Err(self.refused(&visitor)),
        }
    }

    numbers_as_u64!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_u8 deserialize_u16 deserialize_u32);

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(items) => visit_items(items, self.at, self.unknown, visitor),
            _ => Err(self.refused(&visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(members) => visit_members(members, self.at, self.unknown, visitor),
            _ => Err(self.refused(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.refused(&visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

impl Reader<'_> {
    /// The error for a value of the wrong kind: serde's own words, at this value's path.
    #[inline(never)]
    fn refused(&self, expected: &dyn de::Expected) -> Error {
        <Error as de::Error>::invalid_type(self.value.unexpected(), expected).located_at(self.at)
    }

    #[inline(never)]
    fn note_unknown(&self) {
        if let Step::Member(_, key) = self.at {
            self.unknown.borrow_mut().push((self.at.path(), (*key).to_owned()));
        }
    }
}

fn visit_items<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    at: &Step<'_>,
    unknown: &RefCell<Vec<(String, String)>>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = Items { items: items.into_iter(), next: 0, at, unknown };
    let value = visitor.visit_seq(&mut access)?;
    access.end()?;
    Ok(value)
}

fn visit_members<'de, V: Visitor<'de>>(
    members: Vec<(String, Value)>,
    at: &Step<'_>,
    unknown: &RefCell<Vec<(String, String)>>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = Members { members: members.into_iter(), pending: None, at, unknown };
    let value = visitor.visit_map(&mut access)?;
    access.end()?;
    Ok(value)
}

impl Value {
    /// What serde calls this value in an error message.
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Number(n) if n.fract() != 0.0 || !n.is_finite() => de::Unexpected::Other("a number with a fraction"),
            Value::Number(n) if *n >= 0.0 => de::Unexpected::Unsigned(*n as u64),
            Value::Number(n) => de::Unexpected::Signed(*n as i64),
            Value::String(s) => de::Unexpected::Str(s),
            Value::Array(_) => de::Unexpected::Seq,
            Value::Object(_) => de::Unexpected::Map,
        }
    }
}

struct Items<'a, 'u> {
    items: std::vec::IntoIter<Value>,
    next: usize,
    at: &'a Step<'a>,
    unknown: &'u RefCell<Vec<(String, String)>>,
}

impl Items<'_, '_> {
    #[inline(never)]
    fn end(&self) -> Result<(), Error> {
        match self.items.len() {
            0 => Ok(()),
            left => Err(<Error as de::Error>::custom(format_args!("{left} more items than expected"))),
        }
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some(value) = self.items.next() else { return Ok(None) };
        let at = Step::Item(self.at, self.next);
        self.next += 1;
        seed.deserialize(Reader { value, at: &at, unknown: self.unknown }).map(Some).map_err(|e| e.located_at(&at))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Members<'a, 'u> {
    members: std::vec::IntoIter<(String, Value)>,
    pending: Option<(String, Value)>,
    at: &'a Step<'a>,
    unknown: &'u RefCell<Vec<(String, String)>>,
}

impl Members<'_, '_> {
    #[inline(never)]
    fn end(&self) -> Result<(), Error> {
        match self.members.len() {
            0 => Ok(()),
            left => Err(<Error as de::Error>::custom(format_args!("{left} more members than expected"))),
        }
    }
}

impl<'de> de::MapAccess<'de> for Members<'_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.members.next() {
            Some((key, value)) => {
                self.pending = Some((key.clone(), value));
                seed.deserialize(de::value::StringDeserializer::<Error>::new(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (key, value) = self.pending.take().ok_or_else(|| <Error as de::Error>::custom("a value asked for before its key"))?;
        let at = Step::Member(self.at, &key);
        seed.deserialize(Reader { value, at: &at, unknown: self.unknown }).map_err(|e| e.located_at(&at))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

/// The largest whole number JavaScript holds exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Writes `value` as a [`Value`]. Map keys must be strings; numbers must be whole and within
/// ±2^53 (what JavaScript holds exactly): Crumb's types hold nothing else, and writing a fraction
/// would compile float formatting into the widget.
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    value.serialize(Writer)
}

struct Writer;

/// An array or object being written.
pub struct Collect {
    items: Vec<Value>,
    members: Vec<(String, Value)>,
    key: Option<String>,
    variant: Option<&'static str>,
}

impl Collect {
    fn new(variant: Option<&'static str>) -> Self {
        Collect { items: Vec::new(), members: Vec::new(), key: None, variant }
    }

    fn wrap(variant: Option<&'static str>, value: Value) -> Value {
        match variant {
            Some(name) => Value::Object(vec![(name.to_owned(), value)]),
            None => value,
        }
    }

    fn array(self) -> Value {
        Collect::wrap(self.variant, Value::Array(self.items))
    }

    fn object(self) -> Value {
        Collect::wrap(self.variant, Value::Object(self.members))
    }
}

impl ser::Serializer for Writer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Collect;
    type SerializeTuple = Collect;
    type SerializeTupleStruct = Collect;
    type SerializeTupleVariant = Collect;
    type SerializeMap = Collect;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Collect;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        self.serialize_f64(v as f64)
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        self.serialize_f64(v as f64)
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        if v.fract() == 0.0 && v.abs() <= EXACT {
            Ok(Value::Number(v))
        } else {
            Err(<Error as ser::Error>::custom("only whole numbers within ±2^53 are written"))
        }
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(Value::String(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        Ok(Value::Array(v.iter().map(|b| Value::Number((*b).into())).collect()))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Value, Error> {
        Ok(Value::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        Ok(Collect::wrap(Some(variant), value.serialize(self)?))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Collect, Error> {
        Ok(Collect::new(None))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Collect, Error> {
        Ok(Collect::new(None))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Collect, Error> {
        Ok(Collect::new(None))
    }
    fn serialize_tuple_variant(self, _name: &'static str, _index: u32, variant: &'static str, _len: usize) -> Result<Collect, Error> {
        Ok(Collect::new(Some(variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Collect, Error> {
        Ok(Collect::new(None))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Collect, Error> {
        Ok(Collect::new(None))
    }
    fn serialize_struct_variant(self, _name: &'static str, _index: u32, variant: &'static str, _len: usize) -> Result<Collect, Error> {
        Ok(Collect::new(Some(variant)))
    }
}

impl ser::SerializeSeq for Collect {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.items.push(to_value(value)?);
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.array())
    }
}

impl ser::SerializeTuple for Collect {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.array())
    }
}

impl ser::SerializeTupleStruct for Collect {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.array())
    }
}

impl ser::SerializeTupleVariant for Collect {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.array())
    }
}

impl ser::SerializeMap for Collect {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        match to_value(key)? {
            Value::String(key) => {
                self.key = Some(key);
                Ok(())
            }
            _ => Err(<Error as ser::Error>::custom("a map key must be a string")),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().ok_or_else(|| <Error as ser::Error>::custom("a map value written before its key"))?;
        self.members.push((key, to_value(value)?));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.object())
    }
}

impl ser::SerializeStruct for Collect {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.members.push((key.to_owned(), to_value(value)?));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.object())
    }
}

impl ser::SerializeStructVariant for Collect {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.object())
    }
}

impl Value {
    /// The value as JSON text: compact, and with whole numbers only (see [`to_value`]).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            // What Crumb writes holds whole numbers only ([`to_value`] refuses a fraction): one
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
    use std::collections::BTreeMap;

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[derive(Debug, PartialEq, serde::Deserialize, serde::Serialize)]
    struct Inner {
        id: String,
        #[serde(default)]
        n: Option<u32>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize, serde::Serialize)]
    struct Outer {
        items: Vec<Inner>,
        flags: BTreeMap<String, bool>,
        #[serde(default)]
        mode: Mode,
        at: i64,
    }

    #[derive(Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        #[default]
        Quiet,
        Loud,
    }

    #[test]
    fn reads_types_and_writes_them_back_the_same() {
        let text = r#"{"items":[{"id":"a","n":3},{"id":"b","n":null}],"flags":{"x":true,"y":false},"mode":"loud","at":-1795324003123}"#;
        let outer: Outer = from_value(value(text)).unwrap();
        assert_eq!(outer.items[0], Inner { id: "a".into(), n: Some(3) });
        assert_eq!(outer.items[1].n, None);
        assert_eq!(outer.mode, Mode::Loud);
        assert_eq!(outer.at, -1_795_324_003_123);
        assert_eq!(to_value(&outer).unwrap().to_json(), text);
    }

    #[test]
    fn a_type_error_names_its_path_and_the_unknown_fields_before_it() {
        let text = r#"{"extra":1,"items":[{"id":"a","colour":"red"},{"id":5}],"flags":{},"at":0}"#;
        let (result, unknown) = from_value_reporting_unknown::<Outer>(value(text));
        let error = result.unwrap_err();
        assert_eq!(error.path, "items[1].id");
        assert_eq!(error.message, "invalid type: integer `5`, expected a string");
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
        assert!(error.message.contains("unknown variant `shout`"), "{}", error.message);
        let error = from_value::<Outer>(value(r#"{"items":[],"flags":{"x":1},"at":0}"#)).unwrap_err();
        assert_eq!(error.path, "flags.x");
        let error = from_value::<Outer>(value("[]")).unwrap_err();
        assert_eq!(error.path, ".");
        let error = from_value::<u32>(value("5000000000")).unwrap_err();
        assert!(error.message.contains("5000000000"), "{}", error.message);
    }

    #[test]
    fn a_value_refused_after_reading_is_located_at_itself() {
        struct Even;
        impl<'de> Deserialize<'de> for Even {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Even, D::Error> {
                match u32::deserialize(d)? {
                    n if n % 2 == 0 => Ok(Even),
                    n => Err(de::Error::custom(format_args!("{n} is odd"))),
                }
            }
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Holder {
            evens: Vec<Even>,
        }
        let error = from_value::<Holder>(value(r#"{"evens":[2,3]}"#)).err().unwrap();
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
        assert!(to_value(&0.5f64).is_err() && to_value(&u64::MAX).is_err());
        assert_eq!(to_value(&-1_795_324_003_123i64), Ok(Value::Number(-1_795_324_003_123.0)));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        let v = value(r#"{"a":1,"b":2,"a":3}"#);
        assert_eq!(v, Value::Object(vec![("a".into(), Value::Number(3.0)), ("b".into(), Value::Number(2.0))]));
        assert_eq!(v.get("a"), Some(&Value::Number(3.0)));
    }
}
