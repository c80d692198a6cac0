//! The JSON-like input every host converts into.
//!
//! Three things `serde_json::Value` cannot do and the rules need: raw bytes
//! (an SDK hands binary keys over as bytes), the exact text of a number (a
//! document client's `1.50` must stay `1.50` until it is canonicalised, and a
//! 38-digit number must not pass through a float), and members kept in input
//! order (pointers come out in request order).

use alloc::borrow::ToOwned;
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's text as the input spelled it.
    Number(String),
    String(String),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// Members in input order. Lookups take the last of duplicate names,
    /// as `JSON.parse` and Python's `json` do.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// Reads JSON text (with the [`BYTES_MARKER`] convention).
    pub fn from_json(text: &[u8]) -> Result<Value, String> {
        let mut de = serde_json::Deserializer::from_slice(text);
        let value = Depth(0).deserialize(&mut de).map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
        Ok(value)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
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

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Members with duplicate names collapsed to the last one, in the order
    /// of their last occurrence.
    pub fn members(&self) -> Option<Vec<(&str, &Value)>> {
        let Value::Object(members) = self else {
            return None;
        };
        let mut out: Vec<(&str, &Value)> = Vec::with_capacity(members.len());
        for (i, (name, value)) in members.iter().enumerate() {
            let later = members.get(i + 1..).unwrap_or_default();
            if !later.iter().any(|(k, _)| k == name) {
                out.push((name.as_str(), value));
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

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Depth(0).deserialize(d)
    }
}

/// Reads one value at a known nesting depth.
#[derive(Clone, Copy)]
struct Depth(usize);

impl<'de> DeserializeSeed<'de> for Depth {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.0 > MAX_DEPTH {
            return Err(de::Error::custom("input nests deeper than 128 levels"));
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Depth {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-like value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // Display gives the shortest text that reads back as the same float
        // (never an exponent); NaN and infinities stay recognisably invalid.
        Ok(Value::Number(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = Depth(self.0 + 1);
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = Depth(self.0 + 1);
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.is_empty() && name == SERDE_JSON_NUMBER {
                return Ok(Value::Number(map.next_value::<String>()?));
            }
            let value = map.next_value_seed(inner)?;
            members.push((name, value));
        }
        Ok(bytes_marker(&members).unwrap_or(Value::Object(members)))
    }
}

fn bytes_marker(members: &[(String, Value)]) -> Option<Value> {
    match members {
        [(name, Value::String(text))] if name == BYTES_MARKER => {
            crate::base64::decode(text).map(Value::Bytes)
        }
        _ => None,
    }
}
