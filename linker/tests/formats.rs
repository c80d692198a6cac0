//! Each input format, built with its own crate's types or written as its
//! documentation describes it, read and linked; and the OTLP JSON output.

mod common;

use common::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{span::Link, ResourceSpans, ScopeSpans, Span};
use prost::Message;
use serde_json::{json, Value};
use span_autolink_linker::{
    add_links, read, read_as, to_json_lines, Batch, Direction, Format, MatchOptions, Matcher,
    Report,
};

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

fn proto_pointer(dir: &str, change_time: Option<i64>) -> Link {
    let mut attributes = vec![
        string("link.kind", "span-pointer"),
        string("ptr.kind", DYNAMODB),
        string("ptr.dir", dir),
        string("ptr.hash", HASH_A),
    ];
    if let Some(t) = change_time {
        attributes.push(KeyValue {
            key: "span_autolink.change_time".to_owned(),
            value: Some(AnyValue {
                value: Some(any_value::Value::IntValue(t)),
            }),
        });
    }
    Link {
        trace_id: vec![0; 16],
        span_id: vec![0; 8],
        attributes,
        ..Default::default()
    }
}

fn proto_request(spans: Vec<Span>) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn resolve(inputs: &[&[u8]]) -> (Batch, span_autolink_linker::Resolution) {
    let mut batch = Batch::default();
    for input in inputs {
        batch.extend(read(input).unwrap());
    }
    let resolution = Matcher::new(MatchOptions::default()).resolve(&batch.spans());
    (batch, resolution)
}

#[test]
fn otlp_protobuf_producer_and_consumer_link() {
    let producer = Span {
        trace_id: vec![0x11; 16],
        span_id: vec![0x22; 8],
        start_time_unix_nano: T0,
        end_time_unix_nano: T0 + 100,
        links: vec![proto_pointer("d", None)],
        ..Default::default()
    };
    let consumer = Span {
        trace_id: vec![0x33; 16],
        span_id: vec![0x44; 8],
        start_time_unix_nano: T0 + 5 * SECOND,
        end_time_unix_nano: T0 + 6 * SECOND,
        links: vec![proto_pointer("u", Some(T0 as i64))],
        ..Default::default()
    };
    let input = proto_request(vec![consumer, producer]);
    assert_eq!(Format::detect(&input), Some(Format::OtlpProtobuf));
    let (batch, resolution) = resolve(&[&input]);
    assert_eq!(batch.spans()[0].pointers[0].change_time, Some(T0));
    assert_eq!(resolution.links.len(), 1);
    let link = &resolution.links[0];
    assert_eq!(link.producer.trace_id.to_string(), "11".repeat(16));
    assert_eq!(link.producer.span_id.to_string(), "22".repeat(8));
    assert_eq!(link.consumer.trace_id.to_string(), "33".repeat(16));
    assert_eq!(link.consumer.span_id.to_string(), "44".repeat(8));
}

/// A Datadog v0.4 span as the agent API documents it (ids as 64-bit
/// unsigned integers, start and duration in nanoseconds).
fn dd_span(trace_id: u64, span_id: u64, start: u64, duration: u64) -> Value {
    json!({
        "service": "consumer-fn", "name": "aws.lambda", "resource": "handler",
        "trace_id": trace_id, "span_id": span_id, "parent_id": 0,
        "start": start, "duration": duration, "error": 0,
        "meta": {"span.kind": "consumer"}, "metrics": {"_sampling_priority_v1": 1},
        "type": "serverless",
    })
}

fn dd_pointer_attributes(dir: &str) -> Value {
    json!({"link.kind": "span-pointer", "ptr.kind": S3, "ptr.dir": dir, "ptr.hash": HASH_A})
}

#[test]
fn datadog_msgpack_span_links_field() {
    let mut producer = dd_span(7, 8, T0, 100);
    producer["meta"]["_dd.p.tid"] = json!("6789abcd00000000");
    producer["span_links"] = json!([{
        "trace_id": 0, "trace_id_high": 0, "span_id": 0,
        "attributes": dd_pointer_attributes("d"), "flags": 0,
    }]);
    let mut consumer = dd_span(9, 10, T0 + SECOND, 100);
    consumer["span_links"] = json!([{
        "trace_id": 0, "span_id": 0,
        "attributes": {"link.kind": "span-pointer", "ptr.kind": S3, "ptr.dir": "u",
                       "ptr.hash": HASH_A, "span_autolink.change_time": T0.to_string()},
    }]);
    let input = msgpack(&json!([[producer], [consumer]]));
    assert_eq!(Format::detect(&input), Some(Format::DatadogMsgpack));
    let (batch, resolution) = resolve(&[&input]);
    assert_eq!(batch.spans()[1].pointers[0].change_time, Some(T0));
    assert_eq!(resolution.links.len(), 1);
    let link = &resolution.links[0];
    assert_eq!(
        link.producer.trace_id.to_string(),
        "6789abcd000000000000000000000007"
    );
    assert_eq!(link.producer.span_id.to_string(), "0000000000000008");
    assert_eq!(
        link.consumer.trace_id.to_string(),
        "00000000000000000000000000000009"
    );
    assert_eq!(link.consumer.span_id.to_string(), "000000000000000a");
}

#[test]
fn datadog_json_meta_span_links_with_hex_and_numeric_ids() {
    // dd-trace-py/js/java write hex strings, dd-trace-go numbers.
    let mut producer = dd_span(u64::MAX, 1, T0, 100);
    producer["meta"]["_dd.span_links"] = json!(json!([{
        "trace_id": "00000000000000000000000000000000", "span_id": "0000000000000000",
        "attributes": dd_pointer_attributes("d"),
    }])
    .to_string());
    let mut consumer = dd_span(5, 2, T0 + SECOND, 100);
    consumer["meta"]["_dd.span_links"] = json!(json!([{
        "trace_id": 0, "trace_id_high": 0, "span_id": 0,
        "attributes": dd_pointer_attributes("u"),
    }])
    .to_string());
    let input = serde_json::to_vec(&json!([[producer, consumer]])).unwrap();
    assert_eq!(Format::detect(&input), Some(Format::DatadogJson));
    let (batch, resolution) = resolve(&[&input]);
    let spans = batch.spans();
    assert_eq!(spans[0].pointers[0].direction, Direction::Downstream);
    assert_eq!(spans[1].pointers[0].direction, Direction::Upstream);
    assert_eq!(resolution.links.len(), 1);
    assert_eq!(
        resolution.links[0].producer.trace_id.to_string(),
        "0000000000000000ffffffffffffffff"
    );
    assert_eq!(
        resolution.links[0].consumer.span_id.to_string(),
        "0000000000000002"
    );
}

#[test]
fn a_pointer_in_both_span_links_and_meta_is_one_link() {
    let mut producer = dd_span(1, 1, T0, 100);
    producer["span_links"] =
        json!([{"trace_id": 0, "span_id": 0, "attributes": dd_pointer_attributes("d")}]);
    producer["meta"]["_dd.span_links"] = json!(json!([{
        "trace_id": "00000000000000000000000000000000", "span_id": "0000000000000000",
        "attributes": dd_pointer_attributes("d"),
    }])
    .to_string());
    let batch = read(&serde_json::to_vec(&json!([[producer]])).unwrap()).unwrap();
    let span = &batch.requests[0].resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.links.len(), 1);
    assert!(span.attributes.iter().all(|kv| kv.key != "_dd.span_links"));
}

#[test]
fn otel_producer_links_to_datadog_consumer_and_the_output_carries_both_sides() {
    let producer = otlp_document(vec![pointer_span(1, T0, T0 + 100, S3, "d", HASH_A, None)]);
    let mut consumer = dd_span(0x2a, 0x2b, T0 + SECOND, 100);
    consumer["meta"]["_dd.p.tid"] = json!("00000000000000aa");
    consumer["span_links"] =
        json!([{"trace_id": 0, "span_id": 0, "attributes": dd_pointer_attributes("u")}]);
    let consumer = msgpack(&json!([[consumer]]));
    let (mut batch, resolution) = resolve(&[&producer, &consumer]);
    assert_eq!(resolution.links.len(), 1);

    assert_eq!(add_links(&mut batch.requests, &resolution), 2);
    // Adding the same resolution again adds nothing.
    assert_eq!(add_links(&mut batch.requests, &resolution), 0);
    let mut out = Vec::new();
    to_json_lines(&batch.requests, &mut out).unwrap();
    let documents: Vec<Value> = serde_json::Deserializer::from_slice(&out)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let producer_links = &documents[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["links"];
    let consumer_links = &documents[1]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["links"];
    assert_eq!(producer_links.as_array().unwrap().len(), 2);
    assert_eq!(consumer_links.as_array().unwrap().len(), 2);
    // The zero-context pointer stays first; the real link follows.
    assert_eq!(
        producer_links[0]["traceId"],
        "00000000000000000000000000000000"
    );
    assert_eq!(
        producer_links[1]["traceId"],
        "00000000000000aa000000000000002a"
    );
    assert_eq!(producer_links[1]["spanId"], "000000000000002b");
    assert_eq!(consumer_links[1]["traceId"], trace(1));
    assert_eq!(consumer_links[1]["spanId"], span(1));
    let attributes = |link: &Value| -> Vec<(String, String)> {
        link["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|kv| {
                (
                    kv["key"].as_str().unwrap().to_owned(),
                    kv["value"]["stringValue"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let expected = |mark: &str| {
        vec![
            ("span_autolink.link".to_owned(), mark.to_owned()),
            ("ptr.kind".to_owned(), S3.to_owned()),
            ("ptr.hash".to_owned(), HASH_A.to_owned()),
        ]
    };
    assert_eq!(attributes(&producer_links[1]), expected("backward"));
    assert_eq!(attributes(&consumer_links[1]), expected("forward"));
    // The times are OTLP JSON's decimal strings.
    assert_eq!(
        documents[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["endTimeUnixNano"],
        json!((T0 + 100).to_string())
    );
}

#[test]
fn report_lists_links_and_unmatched_pointers() {
    let document = otlp_document(vec![
        pointer_span(2, T0, T0 + 100, S3, "d", HASH_A, None),
        pointer_span(1, T0 + SECOND, T0 + 2 * SECOND, S3, "u", HASH_A, None),
        pointer_span(3, T0, T0 + 100, DYNAMODB, "u", HASH_B, None),
    ]);
    let (_, resolution) = resolve(&[&document]);
    let report: Value = serde_json::from_str(&Report::new(&resolution).to_json()).unwrap();
    assert_eq!(
        report["links"],
        json!([{
            "kind": S3, "hash": HASH_A,
            "producer": {"trace_id": trace(2), "span_id": span(2)},
            "consumer": {"trace_id": trace(1), "span_id": span(1)},
        }])
    );
    let unmatched = &report["unmatched"][0];
    assert_eq!(
        unmatched["span"],
        json!({"trace_id": trace(3), "span_id": span(3)})
    );
    assert_eq!(unmatched["kind"], DYNAMODB);
    assert_eq!(unmatched["hash"], HASH_B);
    assert_eq!(unmatched["direction"], "u");
    assert!(unmatched["reason"]
        .as_str()
        .unwrap()
        .ends_with("emits no pointers"));
}

#[test]
fn collector_file_exporter_lines_are_read() {
    let mut lines = otlp_document(vec![pointer_span(1, T0, T0 + 1, S3, "d", HASH_A, None)]);
    lines.push(b'\n');
    lines.extend(otlp_document(vec![pointer_span(
        2,
        T0,
        T0 + 1,
        S3,
        "u",
        HASH_A,
        None,
    )]));
    lines.push(b'\n');
    let (batch, resolution) = resolve(&[&lines]);
    assert_eq!(batch.requests.len(), 2);
    assert_eq!(resolution.links.len(), 1);
}

#[test]
fn undecodable_inputs_name_their_format() {
    let error = read(b"not traces").unwrap_err();
    assert_eq!(error.code.as_str(), "format_unknown");
    let error = read(&[0x91, 0xc1]).unwrap_err();
    assert_eq!(error.code.as_str(), "datadog_invalid");
    let error = read(b"[{\"x\": 1}]").unwrap_err();
    assert_eq!(error.code.as_str(), "datadog_invalid");
    let error = read(&[0x0a, 0x05, 0x01]).unwrap_err();
    assert_eq!(error.code.as_str(), "otlp_protobuf_invalid");
}

#[test]
fn deeply_nested_msgpack_is_refused_not_a_stack_overflow() {
    // Found by the decoders fuzz target: maps nested thousands deep in a
    // span field the reader skips recursed past a 2 MiB thread stack (this
    // test's, and serve's workers'). One span `{"x": {"x": ... nil}}`.
    let depth = 20_000;
    let mut input = vec![0x91, 0x91];
    for _ in 0..depth {
        input.extend_from_slice(&[0x81, 0xa1, b'x']);
    }
    input.push(0xc0);
    let error = read_as(&input, Format::DatadogMsgpack).unwrap_err();
    assert_eq!(error.code.as_str(), "datadog_invalid");
    assert!(error.message.contains("depth"), "{}", error.message);
    // A span with a few levels of nesting still reads.
    let mut input = vec![0x91, 0x91, 0x82, 0xa7];
    input.extend_from_slice(b"span_id");
    input.push(0x07);
    input.extend_from_slice(&[0xa1, b'x']);
    for _ in 0..20 {
        input.extend_from_slice(&[0x81, 0xa1, b'x']);
    }
    input.push(0xc0);
    assert_eq!(
        read_as(&input, Format::DatadogMsgpack)
            .unwrap()
            .spans()
            .len(),
        1
    );
}

#[test]
fn nan_and_infinities_are_written_as_text_that_reads_back() {
    // Found by the decoders fuzz target: serde_json wrote `null` for a NaN
    // metric, and `link`'s own output could not be read again.
    use rmpv::Value as M;
    let span = M::Map(vec![
        (M::from("trace_id"), M::from(1)),
        (M::from("span_id"), M::from(2)),
        (
            M::from("metrics"),
            M::Map(vec![
                (M::from("nan"), M::F64(f64::NAN)),
                (M::from("up"), M::F64(f64::INFINITY)),
                (M::from("down"), M::F64(f64::NEG_INFINITY)),
                (M::from("one"), M::F64(1.5)),
            ]),
        ),
    ]);
    let mut body = Vec::new();
    rmpv::encode::write_value(&mut body, &M::Array(vec![M::Array(vec![span])])).unwrap();
    let batch = read(&body).unwrap();
    let mut out = Vec::new();
    to_json_lines(&batch.requests, &mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    for value in [
        r#""stringValue":"NaN""#,
        r#""stringValue":"Infinity""#,
        r#""stringValue":"-Infinity""#,
        r#""doubleValue":1.5"#,
    ] {
        assert!(text.contains(value), "{value} in {text}");
    }
    assert_eq!(read(&out).unwrap().spans(), batch.spans());
}
