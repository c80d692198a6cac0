//! Writes the seeds of the `decoders` fuzz target (fuzz/README.md): each
//! format the linker reads, written as its specification describes it
//! (not by the linker's writer), behind the selector byte the target reads
//! (0: told from the content, 1-4: named).
//!
//! cargo run -p span-autolink-linker --example seed_decoders -- fuzz/corpus/decoders

use prost::Message;
use serde_json::json;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, KeyValue,
};
use span_autolink_linker::opentelemetry_proto::tonic::trace::v1::{
    span::Link, ResourceSpans, ScopeSpans, Span,
};
use std::path::PathBuf;

const HASH: &str = "e721375466d4116ab551213fdea08413";
const T0: u64 = 1_767_225_600_000_000_000;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus/decoders".to_owned()),
    );
    std::fs::create_dir_all(&dir)?;
    let seeds: [(&str, u8, Vec<u8>); 7] = [
        ("otlp-json", 1, otlp_json()),
        (
            "otlp-json-lines",
            1,
            [otlp_json(), b"\n".to_vec(), otlp_json_numeric()].concat(),
        ),
        ("otlp-protobuf", 2, otlp_protobuf()),
        ("datadog-msgpack", 3, datadog_msgpack()),
        ("datadog-json", 4, datadog_json()),
        ("datadog-json-numeric-ids", 4, datadog_json_numeric_ids()),
        ("otlp-json-numeric", 1, otlp_json_numeric()),
    ];
    for (name, selector, body) in seeds {
        for (prefix, byte) in [("detected", 0), ("named", selector)] {
            let path = dir.join(format!("seed-{prefix}-{name}"));
            std::fs::write(path, [&[byte][..], &body].concat())?;
        }
    }
    Ok(())
}

fn pointer_json(dir: &str, change_time: Option<u64>) -> serde_json::Value {
    let mut attributes = vec![
        json!({"key": "link.kind", "value": {"stringValue": "span-pointer"}}),
        json!({"key": "ptr.kind", "value": {"stringValue": "aws.s3.object"}}),
        json!({"key": "ptr.dir", "value": {"stringValue": dir}}),
        json!({"key": "ptr.hash", "value": {"stringValue": HASH}}),
    ];
    if let Some(t) = change_time {
        attributes.push(
            json!({"key": "span_autolink.change_time", "value": {"intValue": t.to_string()}}),
        );
    }
    json!({"traceId": "00000000000000000000000000000000", "spanId": "0000000000000000",
           "attributes": attributes})
}

/// A producer and its consumer, in the OTLP JSON encoding (hex ids,
/// decimal-string nanoseconds).
fn otlp_json() -> Vec<u8> {
    json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "uploader"}}]},
        "scopeSpans": [{"scope": {"name": "@opentelemetry/instrumentation-aws-sdk", "version": "0.78.0"},
            "spans": [
                {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
                 "name": "S3.PutObject", "kind": 3,
                 "startTimeUnixNano": (T0 - 1000).to_string(), "endTimeUnixNano": T0.to_string(),
                 "attributes": [
                     {"key": "rpc.method", "value": {"stringValue": "PutObject"}},
                     {"key": "http.status_code", "value": {"intValue": "200"}},
                     {"key": "ratio", "value": {"doubleValue": 0.5}},
                     {"key": "ok", "value": {"boolValue": true}},
                     {"key": "list", "value": {"arrayValue": {"values": [{"stringValue": "a"}]}}}],
                 "links": [pointer_json("d", None)],
                 "status": {"code": 1}},
                {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                 "parentSpanId": "eee19b7ec3c1b173", "name": "thumbnailer", "kind": 2,
                 "startTimeUnixNano": (T0 + 5000).to_string(), "endTimeUnixNano": (T0 + 9000).to_string(),
                 "links": [pointer_json("u", Some(T0 - 500))]}]}]}]})
    .to_string()
    .into_bytes()
}

/// int64 fields as JSON numbers and an empty attribute value, which the
/// OTLP JSON encoding allows and opentelemetry-proto's mapping rejects.
fn otlp_json_numeric() -> Vec<u8> {
    json!({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203332",
         "startTimeUnixNano": T0, "endTimeUnixNano": T0 + 10,
         "attributes": [{"key": "empty", "value": {}}],
         "links": [pointer_json("d", None)]}]}]}]})
    .to_string()
    .into_bytes()
}

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

/// The body an OTLP/HTTP protobuf exporter posts: a producer and a consumer.
fn otlp_protobuf() -> Vec<u8> {
    let pointer = |dir: &str| Link {
        trace_id: vec![0; 16],
        span_id: vec![0; 8],
        attributes: vec![
            string("link.kind", "span-pointer"),
            string("ptr.kind", "aws.dynamodb.item"),
            string("ptr.dir", dir),
            string("ptr.hash", HASH),
            KeyValue {
                key: "span_autolink.change_time".to_owned(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::IntValue(T0 as i64)),
                }),
            },
        ],
        ..Default::default()
    };
    let span = |id: u8, dir: &str| Span {
        trace_id: vec![id; 16],
        span_id: vec![id; 8],
        name: "DynamoDB.PutItem".to_owned(),
        kind: 3,
        start_time_unix_nano: T0,
        end_time_unix_nano: T0 + 1000,
        attributes: vec![
            string("rpc.service", "DynamoDB"),
            KeyValue {
                key: "values".to_owned(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::ArrayValue(ArrayValue {
                        values: vec![AnyValue {
                            value: Some(any_value::Value::DoubleValue(1.5)),
                        }],
                    })),
                }),
            },
        ],
        links: vec![pointer(dir)],
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![span(1, "d"), span(2, "u")],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// A v0.4 payload as dd-trace-py writes it in msgpack: links in the
/// `span_links` field, the high trace id half in meta `_dd.p.tid`.
fn datadog_msgpack() -> Vec<u8> {
    use rmpv::Value;
    let map = |entries: Vec<(&str, Value)>| {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect(),
        )
    };
    let attributes = |dir: &str| {
        map(vec![
            ("link.kind", Value::from("span-pointer")),
            ("ptr.kind", Value::from("aws.s3.object")),
            ("ptr.dir", Value::from(dir)),
            ("ptr.hash", Value::from(HASH)),
        ])
    };
    let span = |id: u64, dir: &str| {
        map(vec![
            ("service", Value::from("svc")),
            ("name", Value::from("aws.request")),
            ("resource", Value::from("s3.putobject")),
            ("trace_id", Value::from(id)),
            ("span_id", Value::from(id + 100)),
            ("parent_id", Value::from(0)),
            ("start", Value::from(T0 as i64)),
            ("duration", Value::from(1000)),
            ("error", Value::from(0)),
            (
                "meta",
                map(vec![
                    ("_dd.p.tid", Value::from("6789abcd00000000")),
                    ("span.kind", Value::from("client")),
                ]),
            ),
            (
                "metrics",
                map(vec![("_sampling_priority_v1", Value::F64(1.0))]),
            ),
            ("type", Value::from("http")),
            (
                "span_links",
                Value::Array(vec![map(vec![
                    ("trace_id", Value::from(0)),
                    ("trace_id_high", Value::from(0)),
                    ("span_id", Value::from(0)),
                    ("attributes", attributes(dir)),
                    ("flags", Value::from(0)),
                ])]),
            ),
        ])
    };
    let payload = Value::Array(vec![
        Value::Array(vec![span(1, "d")]),
        Value::Array(vec![span(2, "u")]),
    ]);
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &payload).expect("writing to memory cannot fail");
    out
}

/// A v0.4 JSON payload with links in meta `_dd.span_links`, hex ids as
/// dd-trace-js writes them.
fn datadog_json() -> Vec<u8> {
    let links = |dir: &str| {
        json!([{"trace_id": "00000000000000000000000000000000", "span_id": "0000000000000000",
                "attributes": {"link.kind": "span-pointer", "ptr.kind": "aws.dynamodb.item",
                               "ptr.dir": dir, "ptr.hash": HASH,
                               "span_autolink.change_time": T0.to_string()}}])
        .to_string()
    };
    json!([[{"service": "writer", "name": "aws.request", "resource": "putItem",
             "trace_id": 11, "span_id": 12, "parent_id": 0, "start": T0, "duration": 10,
             "error": 0, "meta": {"_dd.span_links": links("d")}, "metrics": {}}],
           [{"service": "reader", "name": "aws.dynamodb", "resource": "stream",
             "trace_id": 21, "span_id": 22, "parent_id": 0, "start": T0 + 50, "duration": 10,
             "meta": {"_dd.span_links": links("u"), "span.kind": "consumer"}, "metrics": null}]])
    .to_string()
    .into_bytes()
}

/// Numeric ids in `_dd.span_links`, as dd-trace-go and the Lambda
/// extension write them.
fn datadog_json_numeric_ids() -> Vec<u8> {
    let links = json!([{"trace_id": 0, "trace_id_high": 0, "span_id": 0,
        "attributes": {"link.kind": "span-pointer", "ptr.kind": "aws.s3.object",
                       "ptr.dir": "u", "ptr.hash": HASH}, "flags": 1}])
    .to_string();
    json!([[{"service": "go", "name": "s3.event", "resource": "r", "trace_id": 31,
             "span_id": 32, "start": T0, "duration": 1, "error": 1,
             "meta": {"_dd.span_links": links, "error.message": "boom"}}]])
    .to_string()
    .into_bytes()
}
