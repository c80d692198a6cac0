//! Primary keys: which attributes, in which order, encoded how (SPEC 4).

use super::number::{self, NumberError};
use crate::issue::IssueCode;
use crate::outcome::{Outcome, Path, Quoted};
use crate::pointer::{Direction, PointerKind};
use crate::trace::{Given, Note};
use crate::value::Value;
use alloc::borrow::Cow;
use alloc::format;

/// The pointer of the item whose key attributes are `attributes`
/// (name, value, where the value sits), in any order.
pub(crate) fn item_pointer(
    table: &str,
    attributes: &mut [(&str, &Value, Path<'_>)],
    direction: Direction,
    at: &Path<'_>,
    out: &mut Outcome,
) {
    // Key names in ascending order of their UTF-8 bytes, which is `str`'s order.
    attributes.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let kind = PointerKind::DynamoDbItem;
    match &*attributes {
        [(k1, v1, at1)] => {
            let Some(v1) = encode_value(v1, at1, out) else {
                return;
            };
            note_attributes(attributes, out);
            out.pointer(
                kind,
                direction,
                &[table.as_bytes(), k1.as_bytes(), &v1, b"", b""],
            );
        }
        [(k1, v1, at1), (k2, v2, at2)] => {
            let Some(v1) = encode_value(v1, at1, out) else {
                return;
            };
            let Some(v2) = encode_value(v2, at2, out) else {
                return;
            };
            note_attributes(attributes, out);
            let components = [table.as_bytes(), k1.as_bytes(), &v1, k2.as_bytes(), &v2];
            out.pointer(kind, direction, &components);
        }
        _ => wrong_attribute_count(attributes.len(), at, out),
    }
}

/// Notes each key attribute as given, for the explainer.
fn note_attributes(attributes: &[(&str, &Value, Path<'_>)], out: &mut Outcome) {
    if !out.tracing() {
        return;
    }
    for (name, value, at) in attributes {
        let (kind, typed, given) = match value {
            Value::String(s) => ('S', false, Given::Text(s.as_ref().into())),
            Value::Number(n) => ('N', false, Given::Text(n.as_ref().into())),
            Value::Bytes(b) => ('B', false, Given::Bytes(b.clone())),
            Value::Object(members) => match members.as_slice() {
                [(t, Value::String(s))] => (
                    t.chars().next().unwrap_or('S'),
                    true,
                    Given::Text(s.as_ref().into()),
                ),
                [(_, Value::Bytes(b))] => ('B', true, Given::Bytes(b.clone())),
                _ => continue,
            },
            _ => continue,
        };
        out.note(|| Note::Attribute {
            name: (*name).into(),
            kind,
            typed,
            given,
            from: format!("{at}"),
        });
    }
}

/// The pointer of the item whose key is a whole `Key` map (UpdateItem,
/// DeleteItem, a stream record's `dynamodb.Keys`).
pub(crate) fn key_map_pointer<'v>(
    table: &str,
    key: &'v Value<'v>,
    direction: Direction,
    at: &Path<'_>,
    out: &mut Outcome,
) {
    if !matches!(key, Value::Object(_)) {
        return;
    }
    // A key has at most two attributes: two are kept, and the count alone
    // reports a key with more.
    let mut kept: [Option<(&str, &Value)>; 2] = [None, None];
    let mut count = 0;
    for member in key.distinct_members() {
        if let Some(slot) = kept.get_mut(count) {
            *slot = Some(member);
        }
        count += 1;
    }
    let path = |(name, value): (&'v str, &'v Value<'v>)| (name, value, at.field(name));
    match kept {
        [Some(a), None] => item_pointer(table, &mut [path(a)], direction, at, out),
        [Some(a), Some(b)] if count == 2 => {
            item_pointer(table, &mut [path(a), path(b)], direction, at, out)
        }
        _ => wrong_attribute_count(count, at, out),
    }
}

fn wrong_attribute_count(count: usize, at: &Path<'_>, out: &mut Outcome) {
    out.issue(
        IssueCode::KeyAttributeCount,
        at,
        format_args!("a primary key has one or two attributes, this one has {count}"),
    );
}

/// The bytes hashed for one key value: `S` as UTF-8, `N` as canonical text,
/// `B` raw. Typed (`{"S": "x"}`) or plain as document clients pass them.
fn encode_value<'v>(
    value: &'v Value<'v>,
    at: &Path<'_>,
    out: &mut Outcome,
) -> Option<Cow<'v, [u8]>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s.as_bytes())),
        Value::Number(text) => number(text, at, out),
        Value::Bytes(b) => Some(Cow::Borrowed(b)),
        Value::Object(members) => match members.as_slice() {
            [(t, Value::String(s))] if t == "S" => Some(Cow::Borrowed(s.as_bytes())),
            [(t, Value::String(text))] if t == "N" => number(text, &at.field("N"), out),
            [(t, Value::Bytes(b))] if t == "B" => Some(Cow::Borrowed(b)),
            [(t, Value::String(text))] if t == "B" => match crate::base64::decode(text) {
                Some(bytes) => Some(Cow::Owned(bytes)),
                None => {
                    out.issue(
                        IssueCode::BinaryInvalid,
                        &at.field("B"),
                        format_args!("a binary key value given as text must be standard base64"),
                    );
                    None
                }
            },
            _ => unsupported(value, at, out),
        },
        _ => unsupported(value, at, out),
    }
}

fn number<'v>(text: &'v str, at: &Path<'_>, out: &mut Outcome) -> Option<Cow<'v, [u8]>> {
    match number::canonical(text) {
        Ok(Cow::Borrowed(same)) => Some(Cow::Borrowed(same.as_bytes())),
        Ok(Cow::Owned(canonical)) => Some(Cow::Owned(canonical.into_bytes())),
        Err(NumberError::Invalid) => {
            let shown = Quoted(text);
            out.issue(
                IssueCode::NumberInvalid,
                at,
                format_args!("{shown} is not a decimal number"),
            );
            None
        }
        Err(NumberError::OutOfRange) => {
            let shown = Quoted(text);
            out.issue(
                IssueCode::NumberOutOfRange,
                at,
                format_args!(
                    "{shown} is outside what DynamoDB stores (38 significant digits, magnitude 1e-130 to below 1e126)"
                ),
            );
            None
        }
    }
}

fn unsupported<T>(value: &Value, at: &Path<'_>, out: &mut Outcome) -> Option<T> {
    out.issue(
        IssueCode::KeyValueType,
        at,
        format_args!(
            "a key value must be {{\"S\": text}}, {{\"N\": text}}, {{\"B\": bytes}} or a plain string, number or bytes; found {}",
            value.type_name()
        ),
    );
    None
}
