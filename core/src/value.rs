//! The JSON-like input every host converts into.
//!
//! Three things `serde_json::Value` cannot do and the rules need: raw bytes
//! (an SDK hands binary keys over as bytes), the exact text of a number (a
//! document client's `1.50` must stay `1.50` until it is canonicalised, and a
//! 38-digit number must not pass through a float), and members kept in input
//! order (pointers come out in request order).

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Nesting deeper than this is refused while reading, so that neither
/// reading nor dropping a value can exhaust the stack. DynamoDB allows 32
/// levels of nested attributes, which stays well under it even inside a
/// `BatchWriteItem` request.
pub const MAX_DEPTH: usize = 128;

/// The member name that marks raw bytes in JSON, which has no bytes type:
/// `{"$bytes": "<standard base64>"}`. Hosts that pass JSON text (the
/// import-free ABI, the conformance file) use it for SDK bytes.
pub const BYTES_MARKER: &str = "$bytes";

// serde_json with `arbitrary_precision` hands a number to a visitor as a
// one-member map under this name; it is how the exact text survives.
const SERDE_JSON_NUMBER: &str = "$serde_json::private::Number";

/// Strings and member names borrow from the input where they can (JSON
/// text without escapes), so reading a call costs few allocations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number's text as the input spelled it.
    Number(String),
    String(Cow<'a, str>),
    Bytes(Vec<u8>),
    Array(Vec<Value<'a>>),
    /// Members in input order. Lookups take the last of duplicate names,
    /// as `JSON.parse` and Python's `json` do.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// Reads JSON text (with the [`BYTES_MARKER`] convention).
    pub fn from_json(text: &'a [u8]) -> Result<Value<'a>, String> {
        let mut de = serde_json::Deserializer::from_slice(text);
        let value = Depth(0).deserialize(&mut de).map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
        Ok(value)
    }

    /// The same value, owning all its text.
    pub fn into_owned(self) -> Value<'static> {
        let owned = |s: Cow<'a, str>| Cow::Owned(s.into_owned());
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(n),
            Value::String(s) => Value::String(owned(s)),
            Value::Bytes(b) => Value::Bytes(b),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (owned(k), v.into_owned()))
                    .collect(),
            ),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Members with duplicate names collapsed to the last one, in the order
    /// of their last occurrence.
    pub fn members(&self) -> Option<Vec<(&str, &Value<'a>)>> {
        let Value::Object(members) = self else {
            return None;
        };
        let mut out: Vec<(&str, &Value<'a>)> = Vec::with_capacity(members.len());
        for (i, (name, value)) in members.iter().enumerate() {
            let later = members.get(i + 1..).unwrap_or_default();
            if !later.iter().any(|(k, _)| k == name) {
                out.push((name.as_ref(), value));
            }
        }
        Some(out)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The JSON type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Bytes(_) => "bytes",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        }
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Value<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Depth(0).deserialize(d)
    }
}

/// Reads one value at a known nesting depth.
#[derive(Clone, Copy)]
struct Depth(usize);

impl<'de> DeserializeSeed<'de> for Depth {
    type Value = Value<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value<'de>, D::Error> {
        if self.0 > MAX_DEPTH {
            return Err(de::Error::custom("input nests deeper than 128 levels"));
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Depth {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-like value")
    }

    fn visit_unit<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value<'de>, D::Error> {
        self.deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value<'de>, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value<'de>, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value<'de>, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value<'de>, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value<'de>, E> {
        // Display gives the shortest text that reads back as the same float
        // (never an exponent); NaN and infinities stay recognisably invalid.
        Ok(Value::Number(v.to_string()))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(String::from(v))))
    }
    fn visit_string<E>(self, v: String) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(v)))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value<'de>, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value<'de>, E> {
        Ok(Value::Bytes(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        let inner = Depth(self.0 + 1);
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        let inner = Depth(self.0 + 1);
        let mut members: Vec<(Cow<'de, str>, Value<'de>)> = Vec::new();
        while let Some(name) = map.next_key_seed(Name)? {
            if members.is_empty() && name == SERDE_JSON_NUMBER {
                return Ok(Value::Number(map.next_value::<String>()?));
            }
            let value = map.next_value_seed(inner)?;
            members.push((name, value));
        }
        Ok(bytes_marker(&members).unwrap_or(Value::Object(members)))
    }
}

/// A member name, borrowed from the input when it has no escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(String::from(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

fn bytes_marker<'de>(members: &[(Cow<'de, str>, Value<'de>)]) -> Option<Value<'de>> {
    match members {
        [(name, Value::String(text))] if name == BYTES_MARKER => {
            crate::base64::decode(text).map(Value::Bytes)
        }
        _ => None,
    }
}
