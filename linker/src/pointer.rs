//! Recognising a pointer among a span's links (SPEC section 2).

use crate::model::{Direction, PointerLink};
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use opentelemetry_proto::tonic::trace::v1::span::Link;

pub(crate) const LINK_KIND: &str = "link.kind";
pub(crate) const SPAN_POINTER: &str = "span-pointer";
pub(crate) const PTR_KIND: &str = "ptr.kind";
pub(crate) const PTR_DIR: &str = "ptr.dir";
pub(crate) const PTR_HASH: &str = "ptr.hash";
pub(crate) const CHANGE_TIME: &str = "span_autolink.change_time";

/// The pointer a link carries: only a link with an all-zero (or empty) span
/// context and `link.kind = span-pointer` is one, and only when it names a
/// kind, a direction `d` or `u`, and a hash.
pub(crate) fn pointer_of(link: &Link) -> Option<PointerLink> {
    if !all_zero(&link.trace_id) || !all_zero(&link.span_id) {
        return None;
    }
    if text(&link.attributes, LINK_KIND)? != SPAN_POINTER {
        return None;
    }
    let kind = text(&link.attributes, PTR_KIND)?;
    let hash = text(&link.attributes, PTR_HASH)?;
    if kind.is_empty() || hash.is_empty() {
        return None;
    }
    Some(PointerLink {
        kind: kind.to_owned(),
        direction: Direction::parse(text(&link.attributes, PTR_DIR)?)?,
        hash: hash.to_owned(),
        change_time: change_time(&link.attributes),
    })
}

fn all_zero(id: &[u8]) -> bool {
    id.iter().all(|b| *b == 0)
}

fn value<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    // The first occurrence counts: extra attributes never override the four.
    attributes
        .iter()
        .find(|kv| kv.key == key)?
        .value
        .as_ref()?
        .value
        .as_ref()
}

fn text<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match value(attributes, key)? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

/// Integer Unix nanoseconds; Datadog attributes are strings, so the
/// decimal text of the integer is accepted too.
fn change_time(attributes: &[KeyValue]) -> Option<u64> {
    match value(attributes, CHANGE_TIME)? {
        any_value::Value::IntValue(n) => u64::try_from(*n).ok(),
        any_value::Value::StringValue(s) => s.parse().ok(),
        _ => None,
    }
}
