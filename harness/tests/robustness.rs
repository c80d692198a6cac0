//! No input can break the module: every hostile input gives pointers or
//! issues within a fixed fuel budget and a bounded memory, and the instance
//! answers the next call correctly. Runs against the exact files the
//! packages ship.

use serde_json::{json, Value};
use span_autolink_harness::host::{Host, InPlace, Limits};
use std::path::PathBuf;

/// Fuel one call may use, whatever the input (up to Lambda's 6 MB payload
/// and 10 MB strings); measured needs are printed by `bounds_are_reported`.
const FUEL_BUDGET: u64 = 4_000_000_000;
/// Linear memory may never exceed this, whatever the input.
const MEMORY_BOUND: usize = 128 << 20;

const PUT_OBJECT: &str = r#"{"service":"s3","operation":"PutObject","request":{"Bucket":"some-bucket","Key":"some-key.data"},"response":{"ETag":"\"ab12ef34\""}}"#;
const EXPECTED: &str = "p aws.s3.object d e721375466d4116ab551213fdea08413\n";

fn shipped() -> Vec<(PathBuf, &'static str)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    vec![
        (
            root.join("bindings/python/span_autolink/span_autolink.wasm"),
            "py-package",
        ),
        (
            root.join("bindings/js/pkg/span_autolink_bg.wasm"),
            "js-package",
        ),
    ]
}

fn hosts() -> Vec<(String, Host)> {
    shipped()
        .into_iter()
        .map(|(path, target)| {
            let limits = Limits {
                fuel_per_call: FUEL_BUDGET,
                memory_bytes: MEMORY_BOUND,
            };
            let host = Host::load(&path, target, limits).unwrap_or_else(|e| panic!("{e}"));
            (path.display().to_string(), host)
        })
        .collect()
}

/// Calls, then proves the instance still answers correctly.
fn survives(host: &mut Host, export: &str, input: &[u8], what: &str) -> u64 {
    let answer = host
        .call(export, input)
        .unwrap_or_else(|t| panic!("{what}: trapped instead of answering: {}", t.0));
    for line in answer.output.lines() {
        assert!(
            line.starts_with("p ") || line.starts_with("i ") || line.starts_with("t "),
            "{what}: bad line {line:?}"
        );
    }
    assert!(
        host.memory_bytes() <= MEMORY_BOUND,
        "{what}: memory {}",
        host.memory_bytes()
    );
    let next = host
        .call("sa_pointers_for_response", PUT_OBJECT.as_bytes())
        .expect("next call");
    assert_eq!(
        next.output, EXPECTED,
        "{what}: the next call answered wrongly"
    );
    answer.fuel_used
}

fn event(records: Vec<Value>) -> Vec<u8> {
    json!({ "Records": records }).to_string().into_bytes()
}

fn s3_record(key: &str) -> Value {
    json!({"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
           "s3": {"bucket": {"name": "b"}, "object": {"key": key, "eTag": "e"}}})
}

fn stream_record(keys: Value) -> Value {
    json!({"eventSource": "aws:dynamodb", "eventName": "INSERT",
           "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/t/stream/x", "dynamodb": {"Keys": keys, "NewImage": keys}})
}

fn update(key: Value) -> Vec<u8> {
    json!({"service": "dynamodb", "operation": "UpdateItem", "request": {"TableName": "t", "Key": key}, "response": {}})
        .to_string()
        .into_bytes()
}

fn hostile_inputs() -> Vec<(String, &'static str, Vec<u8>)> {
    let ev = "sa_pointers_for_event";
    let rs = "sa_pointers_for_response";
    let mut inputs: Vec<(String, &'static str, Vec<u8>)> = vec![
        ("empty input".into(), ev, vec![]),
        ("malformed JSON".into(), ev, b"{\"Records\": [".to_vec()),
        ("truncated UTF-8".into(), ev, b"{\"a\": \"\xe2\x82\"}".to_vec()),
        ("invalid UTF-8 in a key".into(), ev, event(vec![s3_record("ok")]).into_iter().map(|b| if b == b'k' { 0xff } else { b }).collect()),
        ("a lone surrogate escape".into(), ev, br#"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"\ud800","eTag":"e"}}}]}"#.to_vec()),
        ("malformed response call".into(), rs, b"[1,2".to_vec()),
        ("invalid base64".into(), rs, update(json!({"k": {"B": "***"}}))),
        ("invalid base64 in Kinesis data".into(), ev, event(vec![json!({"eventSource": "aws:kinesis", "kinesis": {"data": "%%%"}})])),
        ("invalid % escape".into(), ev, event(vec![s3_record("a%zzb")])),
        ("truncated % escape".into(), ev, event(vec![s3_record("abc%4")])),
        ("% escape to invalid UTF-8".into(), ev, event(vec![s3_record("%ff%fe")])),
        ("N 1e999999999".into(), rs, update(json!({"k": {"N": "1e999999999"}}))),
        ("N -".into(), rs, update(json!({"k": {"N": "-"}}))),
        ("N 1e".into(), rs, update(json!({"k": {"N": "1e"}}))),
        ("N of 10,000 digits".into(), rs, update(json!({"k": {"N": "9".repeat(10_000)}}))),
        ("N with a 10,000-digit exponent".into(), rs, update(json!({"k": {"N": format!("1e{}", "9".repeat(10_000))}}))),
        ("a 10 MB key".into(), ev, event(vec![s3_record(&"k".repeat(10 << 20))])),
        ("a 10 MB escaped key".into(), ev, event(vec![s3_record(&"%41".repeat((10 << 20) / 3))])),
        ("a 10 MB string key value".into(), rs, update(json!({"k": {"S": "s".repeat(10 << 20)}}))),
        ("a 10 MB SQS body".into(), ev, event(vec![json!({"eventSource": "aws:sqs", "body": format!("{{\"x\":\"{}\"}}", "y".repeat(10 << 20))})])),
        ("10,000-level nested arrays".into(), ev, format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
        ("10,000-level nested objects".into(), rs, format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes()),
        ("10,000-level nesting inside an SQS body".into(), ev, event(vec![json!({"eventSource": "aws:sqs", "body": format!("{}{}", "[".repeat(10_000), "]".repeat(10_000))})])),
        ("nested JSON messages 12 deep".into(), ev, {
            let mut body = json!({"Records": [s3_record("k")]}).to_string();
            for _ in 0..12 {
                body = json!({"Type": "Notification", "Message": body}).to_string();
            }
            event(vec![json!({"eventSource": "aws:sqs", "body": body})])
        }),
        ("a 10,000-record event".into(), ev, event((0..10_000).map(|i| stream_record(json!({"id": {"N": i.to_string()}}))).collect())),
    ];
    // A 6 MB event, Lambda's largest payload: stream records with images.
    let mut records = Vec::new();
    let mut size = 0;
    while size < 6 << 20 {
        let r = stream_record(
            json!({"pk": {"S": format!("customer-{size}")}, "sk": {"N": size.to_string()}, "blob": {"S": "x".repeat(400)}}),
        );
        size += r.to_string().len();
        records.push(r);
    }
    inputs.push(("a 6 MB stream event".into(), ev, event(records)));

    // Wrong types at every level of a valid event and a valid call.
    for (what, export, valid) in [
        ("S3 notification", ev, event(vec![s3_record("a+b")])),
        ("stream event", ev, event(vec![stream_record(json!({"id": {"S": "x"}, "n": {"N": "1"}}))])),
        ("PutObject call", rs, PUT_OBJECT.as_bytes().to_vec()),
        ("BatchWriteItem call", rs, json!({"service": "dynamodb", "operation": "BatchWriteItem", "request": {"RequestItems": {"t": [{"DeleteRequest": {"Key": {"id": {"B": "AAE="}}}}]}}, "response": {"UnprocessedItems": {}}}).to_string().into_bytes()),
    ] {
        let valid: Value = serde_json::from_slice(&valid).unwrap();
        for (path, wrong) in every_replacement(&valid) {
            inputs.push((format!("{what} with {} = {wrong}", path.join(".")), export, wrong_at(&valid, &path, &wrong).to_string().into_bytes()));
        }
    }
    inputs
}

/// Every path in `value`, each with every wrong-typed replacement.
fn every_replacement(value: &Value) -> Vec<(Vec<String>, Value)> {
    let wrongs = [
        json!(null),
        json!(true),
        json!(7),
        json!("text"),
        json!([]),
        json!({}),
        json!([{}]),
    ];
    let mut out = Vec::new();
    let mut stack = vec![(Vec::<String>::new(), value.clone())];
    while let Some((path, v)) = stack.pop() {
        if !path.is_empty() {
            for w in &wrongs {
                out.push((path.clone(), w.clone()));
            }
        }
        match v {
            Value::Object(m) => m
                .into_iter()
                .for_each(|(k, v)| stack.push(([path.clone(), vec![k]].concat(), v))),
            Value::Array(a) => a
                .into_iter()
                .enumerate()
                .for_each(|(i, v)| stack.push(([path.clone(), vec![i.to_string()]].concat(), v))),
            _ => {}
        }
    }
    out
}

fn wrong_at(value: &Value, path: &[String], wrong: &Value) -> Value {
    let mut v = value.clone();
    let mut slot = &mut v;
    for part in path {
        slot = match slot {
            Value::Object(m) => m.get_mut(part).unwrap(),
            Value::Array(a) => &mut a[part.parse::<usize>().unwrap()],
            _ => unreachable!(),
        };
    }
    *slot = wrong.clone();
    v
}

#[test]
fn hostile_inputs_are_answered_within_bounds() {
    let inputs = hostile_inputs();
    for (module, mut host) in hosts() {
        let mut most_fuel = (0, String::new());
        for (what, export, input) in &inputs {
            let fuel = survives(&mut host, export, input, what);
            if fuel > most_fuel.0 {
                most_fuel = (fuel, what.clone());
            }
        }
        println!(
            "{module}: {} hostile inputs answered; most fuel {} ({}) of a {FUEL_BUDGET} budget; memory {} MiB of a {} MiB bound",
            inputs.len(),
            most_fuel.0,
            most_fuel.1,
            host.memory_bytes() >> 20,
            MEMORY_BOUND >> 20
        );
    }
}

#[test]
fn unbounded_work_would_show() {
    // The limits are live: a budget far below what a large input needs
    // traps, and the host recovers with a fresh instance.
    for (path, target) in shipped() {
        let mut host = Host::load(
            &path,
            target,
            Limits {
                fuel_per_call: 100_000,
                memory_bytes: MEMORY_BOUND,
            },
        )
        .unwrap();
        let big = event(
            (0..1_000)
                .map(|i| stream_record(json!({"id": {"N": i.to_string()}})))
                .collect(),
        );
        traps_then_recovers(
            &mut host,
            &big,
            &format!("{}: 100k fuel for 1,000 records", path.display()),
        );

        let mut host = Host::load(
            &path,
            target,
            Limits {
                fuel_per_call: FUEL_BUDGET,
                memory_bytes: 4 << 20,
            },
        )
        .unwrap();
        let huge = event(vec![s3_record(&"k".repeat(8 << 20))]);
        traps_then_recovers(
            &mut host,
            &huge,
            &format!("{}: 8 MB in 4 MiB", path.display()),
        );
    }
}

/// The event must exhaust the limits (trap), and the host must answer the
/// next call correctly.
fn traps_then_recovers(host: &mut Host, event: &[u8], what: &str) {
    assert!(
        host.call("sa_pointers_for_event", event).is_err(),
        "{what}: did not trap"
    );
    let next = host
        .call("sa_pointers_for_response", PUT_OBJECT.as_bytes())
        .expect("next call");
    assert_eq!(next.output, EXPECTED, "{what}: wrong answer after the trap");
}

#[test]
fn a_forced_trap_leaves_a_working_host() {
    for (_, mut host) in hosts() {
        host.configure(r#"{"t": ["id"]}"#).unwrap();
        let trapped = host.trap();
        assert!(trapped.0.contains("unreachable"), "{}", trapped.0);
        let put = json!({"service": "dynamodb", "operation": "PutItem", "request": {"TableName": "t", "Item": {"id": {"S": "x"}}}, "response": {}});
        let answer = host
            .call("sa_pointers_for_response", put.to_string().as_bytes())
            .unwrap();
        assert!(
            answer.output.starts_with("p aws.dynamodb.item d "),
            "configuration lost after the trap: {}",
            answer.output
        );
    }
}

#[test]
fn growing_the_input_keeps_what_was_written() {
    for (module, mut host) in hosts() {
        // From a pooled small block to a large one, then large to larger.
        let small = b"{\"a\":1}";
        assert_eq!(host.grow_input(small, 300).unwrap(), small, "{module}");
        let first: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        for grown in [5001, 70_000, 3_000_000] {
            let kept = host.grow_input(&first, grown).unwrap();
            assert!(
                kept == first,
                "{module}: growing to {grown} lost input bytes"
            );
        }
    }
}

#[test]
fn a_million_calls_do_not_grow_memory() {
    let calls: usize = std::env::var("LEAK_CHECK_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let stream = event(
        (0..3)
            .map(|i| stream_record(json!({"id": {"N": format!("{i}.50")}})))
            .collect(),
    );
    let inputs: [(&str, &[u8]); 3] = [
        ("sa_pointers_for_response", PUT_OBJECT.as_bytes()),
        ("sa_pointers_for_event", &stream),
        ("sa_pointers_for_response", b"{\"service\":\"dynamodb\",\"operation\":\"PutItem\",\"request\":{\"TableName\":\"t\",\"Item\":{}}}"),
    ];
    for (module, mut host) in hosts() {
        let warm_up = 10_000;
        let mut after_warm_up = 0;
        // The hot-path protocol of ABI.md: one module call per call once
        // the buffers have their size.
        let mut buffers = InPlace::default();
        for i in 0..calls {
            let (export, input) = inputs[i % inputs.len()];
            let answer = host.call_in_place(export, input, &mut buffers).unwrap();
            if i % inputs.len() == 0 {
                assert_eq!(answer.output, EXPECTED, "call {i}");
            }
            if i + 1 == warm_up {
                after_warm_up = host.memory_bytes();
            }
        }
        let end = host.memory_bytes();
        println!(
            "{module}: {calls} calls in place ({} module calls), memory {after_warm_up} bytes after warm-up, {end} at the end",
            buffers.module_calls
        );
        assert!(
            buffers.module_calls < calls as u64 + 10,
            "{module}: the buffers moved: {} module calls for {calls} calls",
            buffers.module_calls
        );
        assert_eq!(
            end, after_warm_up,
            "{module}: memory grew from {after_warm_up} to {end} bytes"
        );
    }
}

/// Work per input byte stays bounded however wide a key map is: a record
/// of tens of thousands of key members (anyone who can write to a stream
/// can send one) costs no more per byte than an ordinary event. The
/// duplicate search over key maps was pairwise (quadratic) before.
#[test]
fn wide_maps_cost_linear_work() {
    // Fuel (roughly, instructions) one input byte may take. An ordinary
    // stream event takes a few hundred; a quadratic search over 60,000
    // members takes hundreds of thousands.
    const FUEL_PER_BYTE: u64 = 2_000;
    let wide = |n: usize| -> serde_json::Map<String, Value> {
        (0..n)
            .map(|i| (format!("k{i}"), json!({"S": "v"})))
            .collect()
    };
    let mut inputs: Vec<(String, &str, Vec<u8>)> = vec![(
        "an ordinary stream event".into(),
        "sa_pointers_for_event",
        event(
            (0..1_000)
                .map(|i| stream_record(json!({"id": {"N": i.to_string()}})))
                .collect(),
        ),
    )];
    for n in [1_000, 60_000] {
        inputs.push((
            format!("a stream record with {n} key members"),
            "sa_pointers_for_event",
            event(vec![stream_record(Value::Object(wide(n)))]),
        ));
        inputs.push((
            format!("a Key of {n} members"),
            "sa_pointers_for_response",
            update(Value::Object(wide(n))),
        ));
        let tables: serde_json::Map<String, Value> = (0..n)
            .map(|i| {
                (
                    format!("t{i}"),
                    json!([{"DeleteRequest": {"Key": {"id": {"S": "x"}}}}]),
                )
            })
            .collect();
        let batch = json!({"service": "dynamodb", "operation": "BatchWriteItem",
            "request": {"RequestItems": tables}, "response": {}});
        inputs.push((
            format!("RequestItems of {n} tables"),
            "sa_pointers_for_response",
            batch.to_string().into_bytes(),
        ));
    }
    for (module, mut host) in hosts() {
        for (what, export, input) in &inputs {
            let fuel = survives(&mut host, export, input, what);
            let per_byte = fuel / input.len() as u64;
            println!("{module}: {what}: {per_byte} fuel a byte");
            assert!(
                per_byte <= FUEL_PER_BYTE,
                "{module}: {what} took {per_byte} fuel a byte"
            );
        }
    }
}
