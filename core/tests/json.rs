//! The crate's JSON reader against an independent one: serde_json (with
//! `arbitrary_precision`, so numbers keep their text) feeding the same
//! `Value` shape. Both must accept the same texts and read the same values,
//! on the fuzzers' corpus, on every truncation of it, and on generated
//! token soups that hit the grammar's corners.

use proptest::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use span_autolink::Value;
use std::borrow::Cow;
use std::fmt;

/// serde_json's reading of `text`, or `None` where it refuses it.
fn reference(text: &[u8]) -> Option<Value<'static>> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = Reference.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(value)
}

// serde_json with `arbitrary_precision` hands a number over as a
// one-member map under this name.
const NUMBER: &str = "$serde_json::private::Number";

#[derive(Clone, Copy)]
struct Reference;

impl<'de> DeserializeSeed<'de> for Reference {
    type Value = Value<'static>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Reference {
    type Value = Value<'static>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Value::Bool(v))
    }
    // Integers that fit come this way; their text is the written one,
    // since JSON integers have no leading zeros or `+`.
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::String(Cow::Owned(v.to_owned())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Reference)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(Cow<'static, str>, Value<'static>)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.is_empty() && name == NUMBER {
                return Ok(Value::Number(Cow::Owned(map.next_value::<String>()?)));
            }
            members.push((Cow::Owned(name), map.next_value_seed(Reference)?));
        }
        // The `$bytes` marker, decoded with the base64 crate directly.
        if let [(name, Value::String(text))] = members.as_slice() {
            if name == "$bytes" {
                use base64::Engine as _;
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text.as_bytes())
                {
                    return Ok(Value::Bytes(bytes));
                }
            }
        }
        Ok(Value::Object(members))
    }
}

/// Our value with numbers spelled as serde_json's `arbitrary_precision`
/// re-spells them: `1E2` and `1e2` become `1e+2` (the digits are kept).
fn respelled(value: Value<'_>) -> Value<'static> {
    match value {
        Value::Number(n) => {
            let n = match n.find(['e', 'E']) {
                Some(i) if !n[i + 1..].starts_with(['+', '-']) => {
                    format!("{}e+{}", &n[..i], &n[i + 1..])
                }
                Some(i) => format!("{}e{}", &n[..i], &n[i + 1..]),
                None => n.into_owned(),
            };
            Value::Number(Cow::Owned(n))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(respelled).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), respelled(v)))
                .collect(),
        ),
        other => other.into_owned(),
    }
}

/// `text` with every `\\u` escape of a lone surrogate spelled `\\ufffd`:
/// serde_json refuses lone surrogates, ours reads them as U+FFFD (as
/// `JSON.parse` and a UTF-8 encoder make of them), so the reference reads
/// the text ours is meant to read.
fn lone_surrogates_replaced(text: &[u8]) -> Vec<u8> {
    let unit = |at: usize| -> Option<u32> {
        let escape = text.get(at..at + 6)?;
        if &escape[..2] != b"\\u" {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(&escape[2..]).ok()?, 16).ok()
    };
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        if text[at] != b'\\' {
            out.push(text[at]);
            at += 1;
            continue;
        }
        match unit(at) {
            Some(0xd800..=0xdbff)
                if unit(at + 6).is_some_and(|low| (0xdc00..=0xdfff).contains(&low)) =>
            {
                out.extend_from_slice(&text[at..at + 12]);
                at += 12;
            }
            Some(0xd800..=0xdfff) => {
                out.extend_from_slice(b"\\ufffd");
                at += 6;
            }
            _ => {
                // Any other escape: its two characters as they are.
                out.extend_from_slice(&text[at..(at + 2).min(text.len())]);
                at += 2;
            }
        }
    }
    out
}

/// Both readers give the same answer on `text`.
fn agree(text: &[u8]) -> Result<(), String> {
    // serde_json's private number marker as a member name is the one text
    // the reference cannot read faithfully (the reader before this one was
    // fooled by it too); ours reads it as the plain member it is.
    if text.windows(NUMBER.len()).any(|w| w == NUMBER.as_bytes()) {
        return Ok(());
    }
    let ours = Value::from_host_json(text).ok().map(respelled);
    let theirs = reference(&lone_surrogates_replaced(text));
    if ours == theirs {
        Ok(())
    } else {
        Err(format!(
            "{:?}: ours {ours:?}, serde_json {theirs:?}",
            String::from_utf8_lossy(text)
        ))
    }
}

#[test]
fn lone_surrogates_read_as_replacement_characters() {
    let v =
        Value::from_json(br#"["caf\udce9", "\ud83d\ude00", "\ud800\u0041", "\ud800"]"#).unwrap();
    let texts: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(texts, ["caf\u{fffd}", "\u{1f600}", "\u{fffd}A", "\u{fffd}"]);
}

fn corpus() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut files = Vec::new();
    for (target, skip) in [("event", 0), ("response", 1)] {
        for file in std::fs::read_dir(root.join(target)).unwrap() {
            let data = std::fs::read(file.unwrap().path()).unwrap();
            // Response inputs start with one byte that picks the operation.
            files.push(data.get(skip..).unwrap_or_default().to_vec());
        }
    }
    files
}

#[test]
fn corpus_and_its_truncations_read_alike() {
    let files = corpus();
    assert!(files.len() > 1000);
    let mut accepted = 0;
    for data in &files {
        agree(data).unwrap();
        accepted += usize::from(Value::from_json(data).is_ok());
        // Cut at a handful of places: inside strings, escapes, numbers.
        for cut in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89] {
            if let Some(prefix) = data.get(..data.len().saturating_sub(cut)) {
                agree(prefix).unwrap();
            }
        }
    }
    // The corpus holds both kinds; both must have been exercised.
    assert!(
        accepted > 100 && accepted < files.len(),
        "{accepted} of {}",
        files.len()
    );
}

#[test]
fn nesting_is_read_to_128_levels_and_no_deeper() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(Value::from_json(nested(128).as_bytes()).is_ok());
    assert!(Value::from_json(nested(129).as_bytes()).is_err());
    let objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    assert!(Value::from_json(objects(128).as_bytes()).is_ok());
    assert!(Value::from_json(objects(129).as_bytes()).is_err());
    // Refused without recursing through the rest.
    assert!(Value::from_json(nested(1_000_000).as_bytes()).is_err());
}

#[test]
fn strings_borrow_unless_escaped() {
    let v = Value::from_json(br#"{"plain": "abc", "escaped": "a\"b", "n": 1.50}"#).unwrap();
    assert!(matches!(
        v.get("plain"),
        Some(Value::String(Cow::Borrowed("abc")))
    ));
    assert!(matches!(v.get("escaped"), Some(Value::String(Cow::Owned(s))) if s == "a\"b"));
    assert!(matches!(
        v.get("n"),
        Some(Value::Number(Cow::Borrowed("1.50")))
    ));
}

/// Pieces of JSON, valid and not, whose concatenations cover the grammar.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\n",
    "\t",
    "\r",
    "\u{b}",
    "\"",
    "\"a\"",
    "\"$bytes\"",
    "\"AAEC\"",
    "\"AAE\"",
    "\"a b/c\\\"d\\\\e\\/f\"",
    "\"\\b\\f\\n\\r\\t\"",
    "\"\\u00e9\\u4e2D\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\ud800\\u0041\"",
    "\"\\u12\"",
    "\"\\x\"",
    "\"\u{1}\"",
    "\"\u{7f}é中😀\"",
    "\"abcdefghijklmnopqrstuvwxyz0123456789\"",
    "\\",
    "0",
    "-0",
    "1",
    "007",
    "-",
    "1.",
    "1.50",
    ".5",
    "1e2",
    "1E+2",
    "1e-2",
    "1e",
    "-1.5e300",
    "12345678901234567890123456789012345678901",
    "true",
    "false",
    "null",
    "tru",
    "nul",
    "NaN",
    "Infinity",
    "\u{feff}",
    "/",
    "'a'",
];

fn soup() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0..TOKENS.len(), 0..24)
        .prop_map(|picks| picks.into_iter().flat_map(|i| TOKENS[i].bytes()).collect())
}

/// Valid JSON values, shaped like what hosts send.
fn document() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,5})?([eE][-+]?[0-9]{1,3})?",
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        "[a-zA-Z0-9+/]{0,12}={0,2}".prop_map(|b| format!("{{\"$bytes\":\"{b}\"}}")),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(("[a-z$]{0,6}", inner), 0..6).prop_map(|m| {
                let members: Vec<String> = m
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\" : {v}"))
                    .collect();
                format!("{{ {} }}", members.join(", "))
            }),
        ]
    })
    .prop_map(String::into_bytes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn token_soups_read_alike(text in soup()) {
        prop_assert!(agree(&text).is_ok(), "{}", agree(&text).unwrap_err());
    }

    #[test]
    fn documents_read_alike(text in document(), cut in 0usize..8) {
        prop_assert!(Value::from_json(&text).is_ok());
        prop_assert!(agree(&text).is_ok(), "{}", agree(&text).unwrap_err());
        let prefix = &text[..text.len().saturating_sub(cut)];
        prop_assert!(agree(prefix).is_ok(), "{}", agree(prefix).unwrap_err());
    }

    #[test]
    fn arbitrary_bytes_read_alike(text in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert!(agree(&text).is_ok(), "{}", agree(&text).unwrap_err());
    }
}

#[test]
fn a_member_named_like_serde_json_internals_is_a_member() {
    let v = Value::from_json(br#"{"$serde_json::private::Number": "1"}"#).unwrap();
    assert_eq!(
        v.get("$serde_json::private::Number")
            .and_then(Value::as_str),
        Some("1")
    );
}
