//! Fixtures written as the formats' documentation describes them, never
//! produced by the linker's own writer.
#![allow(dead_code)]

pub mod cases;
pub mod numbers;
pub mod redis_server;

use serde_json::{json, Value};

pub const S3: &str = "aws.s3.object";
pub const DYNAMODB: &str = "aws.dynamodb.item";
pub const HASH_A: &str = "e721375466d4116ab551213fdea08413";
pub const HASH_B: &str = "0123456789abcdef0123456789abcdef";
pub const SECOND: u64 = 1_000_000_000;
/// 2026-01-01T00:00:00Z: any realistic Unix time in nanoseconds.
pub const T0: u64 = 1_767_225_600 * SECOND;

/// One pointer as an OTLP JSON link (OTLP JSON: hex ids, attribute values
/// as `{"stringValue": ...}` / `{"intValue": "<decimal>"}`).
pub fn otlp_pointer(kind: &str, dir: &str, hash: &str, change_time: Option<u64>) -> Value {
    let mut attributes = vec![
        json!({"key": "link.kind", "value": {"stringValue": "span-pointer"}}),
        json!({"key": "ptr.kind", "value": {"stringValue": kind}}),
        json!({"key": "ptr.dir", "value": {"stringValue": dir}}),
        json!({"key": "ptr.hash", "value": {"stringValue": hash}}),
    ];
    if let Some(t) = change_time {
        attributes.push(
            json!({"key": "span_autolink.change_time", "value": {"intValue": t.to_string()}}),
        );
    }
    json!({
        "traceId": "00000000000000000000000000000000",
        "spanId": "0000000000000000",
        "attributes": attributes,
    })
}

/// One OTLP JSON span.
pub fn otlp_span(trace_id: &str, span_id: &str, start: u64, end: u64, links: Vec<Value>) -> Value {
    json!({
        "traceId": trace_id,
        "spanId": span_id,
        "name": "span",
        "kind": 3,
        "startTimeUnixNano": start.to_string(),
        "endTimeUnixNano": end.to_string(),
        "links": links,
    })
}

/// One `{"resourceSpans": [...]}` document holding the spans.
pub fn otlp_document(spans: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
            "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}],
        }]
    }))
    .unwrap()
}

/// The 32-hex trace id of span `n` of a test.
pub fn trace(n: u8) -> String {
    format!("{:032x}", 0x1000_u128 + n as u128)
}

/// The 16-hex span id of span `n` of a test.
pub fn span(n: u8) -> String {
    format!("{:016x}", 0x100_u64 + n as u64)
}

/// Span `n` of a test, carrying one pointer.
pub fn pointer_span(
    n: u8,
    start: u64,
    end: u64,
    kind: &str,
    dir: &str,
    hash: &str,
    change_time: Option<u64>,
) -> Value {
    otlp_span(
        &trace(n),
        &span(n),
        start,
        end,
        vec![otlp_pointer(kind, dir, hash, change_time)],
    )
}

/// The msgpack encoding of a JSON value, as a tracer's msgpack encoder
/// writes it (integers as integers). Not `rmp_serde::to_vec(&value)`: with
/// serde_json's `arbitrary_precision` feature, which `cargo test
/// --workspace` turns on for the core's tests, a JSON number serialises as
/// a map.
pub fn msgpack(value: &Value) -> Vec<u8> {
    fn convert(value: &Value) -> rmpv::Value {
        match value {
            Value::Null => rmpv::Value::Nil,
            Value::Bool(b) => rmpv::Value::Boolean(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => rmpv::Value::from(u),
                (None, Some(i)) => rmpv::Value::from(i),
                (None, None) => rmpv::Value::from(n.as_f64().unwrap()),
            },
            Value::String(s) => rmpv::Value::from(s.as_str()),
            Value::Array(items) => rmpv::Value::Array(items.iter().map(convert).collect()),
            Value::Object(map) => rmpv::Value::Map(
                map.iter()
                    .map(|(k, v)| (rmpv::Value::from(k.as_str()), convert(v)))
                    .collect(),
            ),
        }
    }
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &convert(value)).unwrap();
    out
}
