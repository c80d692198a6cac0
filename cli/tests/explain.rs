//! `span-autolink pointers`, `event` and `explain`, run as a user runs
//! them: exit status, text and `--json` output.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_span-autolink");

fn file(test: &str, name: &str, content: &Value) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(test);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let text = match content {
        Value::String(raw) => raw.clone(),
        other => other.to_string(),
    };
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str], files: &[&PathBuf]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).args(files);
    command.env_remove("DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS");
    command.env_remove("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS");
    command.output().unwrap()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

fn text_of(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn s3_record(key: &str, etag: &str) -> Value {
    json!({
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-01T12:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "photo-uploads"}, "object": {"key": key, "size": 1, "eTag": etag}}
    })
}

fn stream_record(table: &str, keys: Value) -> Value {
    json!({
        "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {"Keys": keys, "SequenceNumber": "1", "SizeBytes": 1, "StreamViewType": "KEYS_ONLY"},
        "eventSourceARN": format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-01-01T00:00:00.000")
    })
}

fn s3_put(key: &str) -> Value {
    json!({"service": "s3", "operation": "PutObject",
           "request": {"Bucket": "photo-uploads", "Key": key},
           "response": {"ETag": "\"9b2cf535f27731c974343645a3985328\""}})
}

#[test]
fn silent_calls_are_explained() {
    let cases = [
        ("s3 ", "PutObject", "service_unknown", Some("s3")),
        ("AmazonS3", "PutObject", "service_unknown", Some("s3")),
        ("s3", "PutObjekt", "operation_unknown", Some("PutObject")),
        ("s3", "GetObject", "operation_writes_nothing", None),
    ];
    for (service, operation, code, suggestion) in cases {
        let mut call = s3_put("a.txt");
        call["service"] = json!(service);
        call["operation"] = json!(operation);
        let path = file("silent_calls", "call.json", &call);
        let output = run(&["pointers", "--json"], &[&path]);
        assert_eq!(output.status.code(), Some(1), "{service} {operation}");
        let report = json_of(&output);
        assert_eq!(report["pointers"], json!([]));
        assert_eq!(report["reasons"][0]["code"], code, "{report:#}");
        assert_eq!(report["reasons"][0]["suggestion"].as_str(), suggestion);
        // and for people
        let text = text_of(&run(&["pointers"], &[&path]));
        assert!(text.contains(code), "{text}");
    }
}

#[test]
fn silent_events_are_explained() {
    let notification = json!({"Records": [s3_record("a.txt", "e1")]}).to_string();
    let mut s3_without_source = s3_record("a.txt", "e1");
    s3_without_source
        .as_object_mut()
        .unwrap()
        .remove("eventSource");
    let cases = [
        (
            json!({"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "Body": notification}]}),
            "sdk_output_as_event",
            "the output of SQS ReceiveMessage",
        ),
        (
            json!({"Records": [{"messageId": "m", "receiptHandle": "r", "body": notification}]}),
            "record_without_event_source",
            "an SQS record",
        ),
        (
            json!({"Records": [s3_without_source]}),
            "record_without_event_source",
            "an S3 notification record",
        ),
        (
            Value::String(json!(notification).to_string()),
            "text_not_object",
            "the event as JSON text",
        ),
    ];
    for (event, code, resembles) in cases {
        let path = file("silent_events", "event.json", &event);
        let output = run(&["event", "--json"], &[&path]);
        assert_eq!(output.status.code(), Some(1), "{code}");
        let report = json_of(&output);
        assert_eq!(report["reasons"][0]["code"], code, "{report:#}");
        assert_eq!(report["reasons"][0]["resembles"], resembles, "{report:#}");
        let text = text_of(&run(&["event"], &[&path]));
        assert!(text.contains(&format!("resembles {resembles}")), "{text}");
    }
}

#[test]
fn pointers_and_components() {
    let path = file(
        "pointers",
        "call.json",
        &s3_put("albums/summer 2026/IMG (1).jpg"),
    );
    let output = run(&["pointers"], &[&path]);
    assert_eq!(output.status.code(), Some(0));
    // The hash of bucket|key|etag, computed here by hand with sha256 below.
    let expected = hash(&[
        "photo-uploads",
        "albums/summer 2026/IMG (1).jpg",
        "9b2cf535f27731c974343645a3985328",
    ]);
    assert!(text_of(&output).contains(&format!("aws.s3.object d {expected}")));
    let explained = text_of(&run(&["pointers", "--explain"], &[&path]));
    assert!(explained.contains("quotes removed"), "{explained}");
    let event = file(
        "pointers",
        "event.json",
        &json!({"Records": [s3_record("albums/summer+2026/IMG+%281%29.jpg", "9b2cf535f27731c974343645a3985328")]}),
    );
    let report = json_of(&run(&["event", "--explain", "--json"], &[&event]));
    assert_eq!(report["pointers"][0]["hash"], expected);
    assert_eq!(
        report["pointers"][0]["components"][1]["rule"],
        "url_decoded"
    );
    assert_eq!(report["datadog"][0]["library"], "datadog-lambda-python");
    assert_eq!(
        report["datadog"][0]["divergences"][0]["rule"],
        "key_not_url_decoded"
    );
}

/// SPEC section 1, written out here rather than through the code under test.
fn hash(components: &[&str]) -> String {
    use std::fmt::Write as _;
    let digest = sha256(components.join("|").as_bytes());
    digest[..16].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn sha256(data: &[u8]) -> Vec<u8> {
    let output = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(data)?;
            child.wait_with_output()
        })
        .unwrap();
    let hex = String::from_utf8(output.stdout).unwrap();
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn explain_exit_status_and_the_first_difference() {
    // meet: the notification's key is URL-encoded as S3 writes it
    let producer = file("explain_pair", "producer.json", &s3_put("my file+1.txt"));
    let consumer = file(
        "explain_pair",
        "consumer.json",
        &json!({"Records": [s3_record("my+file%2B1.txt", "9b2cf535f27731c974343645a3985328")]}),
    );
    let output = run(&["explain"], &[&producer, &consumer]);
    assert_eq!(output.status.code(), Some(0), "{}", text_of(&output));
    let text = text_of(&output);
    assert!(text.contains("MEET"), "{text}");
    assert!(
        text.contains("key_not_url_decoded") || text.contains("URL-encoded text"),
        "{text}"
    );

    // do not meet: the object was written again (another ETag)
    let rewritten = file(
        "explain_pair",
        "rewritten.json",
        &json!({"Records": [s3_record("my+file%2B1.txt", "0000aaaa")]}),
    );
    let output = run(&["explain", "--json"], &[&producer, &rewritten]);
    assert_eq!(output.status.code(), Some(1));
    let comparison = json_of(&output);
    assert_eq!(comparison["meet"], false);
    assert_eq!(comparison["pairs"][0]["difference"]["name"], "etag");
    let text = text_of(&run(&["explain"], &[&producer, &rewritten]));
    let marked: Vec<&str> = text.lines().filter(|l| l.starts_with('>')).collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(marked[0].contains("etag"), "{text}");

    // key names: one configured for a table keyed by two
    let put = file(
        "explain_pair",
        "put.json",
        &json!({"service": "dynamodb", "operation": "PutItem",
        "request": {"TableName": "orders", "Item": {"pk": {"S": "c-1"}, "sk": {"N": "2"}}},
        "response": {}, "config": {"orders": ["pk"]}}),
    );
    let stream = file(
        "explain_pair",
        "stream.json",
        &json!({"Records": [stream_record("orders", json!({"pk": {"S": "c-1"}, "sk": {"N": "2"}}))]}),
    );
    let comparison = json_of(&run(&["explain", "--json"], &[&put, &stream]));
    assert_eq!(comparison["pairs"][0]["difference"]["rule"], "key_names");

    // unreadable input: 2
    let broken = file(
        "explain_pair",
        "broken.json",
        &Value::String("{not json".into()),
    );
    assert_eq!(
        run(&["explain"], &[&producer, &broken]).status.code(),
        Some(2)
    );
    let missing = PathBuf::from("/nonexistent/producer.json");
    assert_eq!(
        run(&["explain"], &[&missing, &consumer]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["pointers"], &[&consumer]).status.code(),
        Some(2),
        "an event is no call"
    );
}

#[test]
fn key_names_from_the_setting() {
    let put = file(
        "setting",
        "put.json",
        &json!({"service": "dynamodb", "operation": "PutItem",
        "request": {"TableName": "orders", "Item": {"pk": {"S": "c-1"}}}, "response": {}}),
    );
    let output = Command::new(BIN)
        .args(["pointers", "--json", "--explain"])
        .arg(&put)
        .env(
            "DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS",
            r#"{"orders": ["pk"]}"#,
        )
        .output()
        .unwrap();
    let report = json_of(&output);
    assert_eq!(report["key_names"][0]["source"], "setting");
    assert_eq!(report["key_names"][0]["names"], json!(["pk"]));
    let without = json_of(&run(&["pointers", "--json"], &[&put]));
    assert_eq!(without["issues"][0]["code"], "table_not_configured");
}

#[test]
fn key_names_learned_from_the_calls_before() {
    let describe = json!({"service": "dynamodb", "operation": "DescribeTable",
        "request": {"TableName": "orders"},
        "response": {"Table": {"TableName": "orders", "TableStatus": "ACTIVE", "KeySchema": [
            {"AttributeName": "customerId", "KeyType": "HASH"},
            {"AttributeName": "orderId", "KeyType": "RANGE"}]}}});
    let put = json!({"service": "dynamodb", "operation": "PutItem",
        "request": {"TableName": "orders",
                    "Item": {"customerId": {"S": "c-1001"}, "orderId": {"N": "42.0"}, "total": {"N": "3"}}},
        "response": {}, "calls": [describe]});
    let put = file("learned", "put.json", &put);
    let stream = file(
        "learned",
        "stream.json",
        &json!({"Records": [stream_record("orders", json!({"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}}))]}),
    );
    let output = run(&["pointers", "--json", "--explain"], &[&put]);
    assert_eq!(output.status.code(), Some(0), "{}", text_of(&output));
    let report = json_of(&output);
    assert_eq!(
        report["pointers"][0]["hash"],
        hash(&["orders", "customerId", "c-1001", "orderId", "42"])
    );
    let names = &report["key_names"][0];
    assert_eq!(names["source"], "learned");
    assert_eq!(names["learned_from"], "key_schema");
    assert_eq!(names["names"], json!(["customerId", "orderId"]));
    assert_eq!(names["fits"], true);
    assert_eq!(
        report["pointers"][0]["components"][1]["rule"],
        "key_name_learned"
    );
    // No Datadog tracer learns key names: no pointer, and the rule says so.
    assert_eq!(report["datadog"][0]["pointers"], json!([]));
    assert_eq!(
        report["datadog"][0]["divergences"][0]["rule"],
        "key_names_not_learned"
    );
    let text = text_of(&run(&["pointers", "--explain"], &[&put]));
    assert!(
        text.contains(r#""orders" ["customerId", "orderId"] from the learned (key_schema)"#),
        "{text}"
    );
    // Producer and consumer meet; the tracers' pair does not.
    let output = run(&["explain"], &[&put, &stream]);
    assert_eq!(output.status.code(), Some(0), "{}", text_of(&output));
    let comparison = json_of(&run(&["explain", "--json"], &[&put, &stream]));
    let hop = &comparison["datadog"][0];
    assert_eq!(hop["meet"], false, "{hop}");
}
