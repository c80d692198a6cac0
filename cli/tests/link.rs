//! The `span-autolink link` command, run as a user runs it.

use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_span-autolink");
const HASH: &str = "e721375466d4116ab551213fdea08413";
const T0: u64 = 1_767_225_600_000_000_000;

fn dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(test);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An OTLP JSON document with one producer span (OTLP JSON encoding: hex
/// ids, decimal-string nanoseconds).
fn otlp_producer(span_id: &str, end: u64) -> String {
    json!({"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": span_id,
        "name": "S3.PutObject", "kind": 3,
        "startTimeUnixNano": (end - 1000).to_string(), "endTimeUnixNano": end.to_string(),
        "links": [{"traceId": "00000000000000000000000000000000", "spanId": "0000000000000000",
                   "attributes": [
                       {"key": "link.kind", "value": {"stringValue": "span-pointer"}},
                       {"key": "ptr.kind", "value": {"stringValue": "aws.s3.object"}},
                       {"key": "ptr.dir", "value": {"stringValue": "d"}},
                       {"key": "ptr.hash", "value": {"stringValue": HASH}}]}]
    }]}]}]})
    .to_string()
}

/// A Datadog v0.4 JSON payload with one consumer span.
fn datadog_consumer(start: u64) -> String {
    json!([[{
        "service": "thumbnailer", "name": "aws.lambda", "resource": "handler",
        "trace_id": 3, "span_id": 4, "parent_id": 0, "start": start, "duration": 1000,
        "meta": {"_dd.span_links": json!([{
            "trace_id": "00000000000000000000000000000000", "span_id": "0000000000000000",
            "attributes": {"link.kind": "span-pointer", "ptr.kind": "aws.s3.object",
                           "ptr.dir": "u", "ptr.hash": HASH}}]).to_string()},
    }]])
    .to_string()
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn links_an_otel_producer_file_to_a_datadog_consumer_from_stdin() {
    let dir = dir("link_mixed");
    let producer = dir.join("producer.json");
    std::fs::write(&producer, otlp_producer("b7ad6b7169203331", T0)).unwrap();
    let report = dir.join("report.json");
    let output = dir.join("out.json");
    let result = run(
        &[
            "link",
            "--report",
            report.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            producer.to_str().unwrap(),
            "-",
        ],
        datadog_consumer(T0 + 500_000_000).as_bytes(),
    );
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(
        report,
        json!({"links": [{"kind": "aws.s3.object", "hash": HASH,
            "producer": {"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331"},
            "consumer": {"trace_id": "00000000000000000000000000000003", "span_id": "0000000000000004"}}],
         "unmatched": []})
    );
    let text = std::fs::read_to_string(&output).unwrap();
    let documents: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(documents.len(), 2);
    let consumer_links = &documents[1]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["links"];
    assert_eq!(
        consumer_links[1]["traceId"],
        "0af7651916cd43dd8448eb211c80319c"
    );
    assert_eq!(
        consumer_links[1]["attributes"][0]["value"]["stringValue"],
        "forward"
    );
}

#[test]
fn skew_decides_between_two_writes() {
    // Writes ending 1.5 s after and 10 s before the consumer started.
    let dir = dir("link_skew");
    let late = dir.join("late.json");
    let early = dir.join("early.json");
    std::fs::write(&late, otlp_producer("00000000000000aa", T0 + 1_500_000_000)).unwrap();
    std::fs::write(
        &early,
        otlp_producer("00000000000000bb", T0 - 10_000_000_000),
    )
    .unwrap();
    let consumer = dir.join("consumer.json");
    std::fs::write(&consumer, datadog_consumer(T0)).unwrap();
    let producer_of = |skew: &str| {
        let report = dir.join(format!("report-{skew}.json"));
        let args = [
            "link",
            "--skew",
            skew,
            "--report",
            report.to_str().unwrap(),
            "-o",
            "/dev/null",
            late.to_str().unwrap(),
            early.to_str().unwrap(),
            consumer.to_str().unwrap(),
        ];
        assert!(run(&args, b"").status.success());
        let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        report["links"][0]["producer"]["span_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(producer_of("2"), "00000000000000aa");
    assert_eq!(producer_of("1"), "00000000000000bb");
}

#[test]
fn an_unreadable_input_fails_with_its_code_and_writes_nothing() {
    let result = run(&["link", "-"], b"plain text");
    assert!(!result.status.success());
    assert!(result.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.starts_with("span-autolink: format_unknown: -: "),
        "{stderr}"
    );

    let result = run(&["link", "/nonexistent/traces.json"], b"");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("input_unreadable"), "{stderr}");

    let result = run(&["link", "--skew", "soon", "-"], b"");
    assert!(!result.status.success());
    assert!(String::from_utf8_lossy(&result.stderr).contains("number of seconds"));
}
