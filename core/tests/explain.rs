//! The explainer: every silent case of issue 21 explained, the rule each
//! conformance case marked `differs` names (from the case's own note), and
//! a generated corpus of producer/consumer pairs with one perturbed
//! component, where the perturbation says which rule must be named.

mod common;

use base64::Engine as _;
use common::Rng;
use serde_json::{json, Value as Json};
use span_autolink::explain::{
    Comparison, DatadogRule, KeyNameSource, Library, ReasonCode, Report, Rule,
};
use span_autolink::{
    compare, explain_call, explain_event, explain_response, Config, KeyRegistry, Value,
};

fn call(service: &str, operation: &str, request: Json, response: Json) -> Report {
    call_with(service, operation, request, response, json!({}))
}

fn call_with(
    service: &str,
    operation: &str,
    request: Json,
    response: Json,
    config: Json,
) -> Report {
    let request = request.to_string();
    let response = response.to_string();
    let config = config.to_string();
    let request = Value::from_host_json(request.as_bytes()).unwrap();
    let response = Value::from_host_json(response.as_bytes()).unwrap();
    let config = Config::from_json(&config);
    explain_response(
        service,
        operation,
        &request,
        &response,
        &config,
        KeyNameSource::Option,
        &mut KeyRegistry::new(),
    )
}

fn event(event: Json) -> Report {
    let text = event.to_string();
    explain_event(&Value::from_host_json(text.as_bytes()).unwrap())
}

fn reason(report: &Report) -> &span_autolink::explain::Reason {
    report
        .reasons
        .first()
        .unwrap_or_else(|| panic!("no reason in {report:#?}"))
}

fn s3_record(key: &str) -> Json {
    json!({
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-01T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "photos"}, "object": {"key": key, "size": 3, "eTag": "0123abcd"}}
    })
}

fn stream_record(table: &str, partition: &str, keys: Json) -> Json {
    json!({
        "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {"Keys": keys, "SequenceNumber": "1", "SizeBytes": 1, "StreamViewType": "KEYS_ONLY"},
        "eventSourceARN": format!("arn:{partition}:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-01-01T00:00:00.000")
    })
}

// -- the silent cases of issue 21 ---------------------------------------------

#[test]
fn service_with_a_space_or_another_spelling() {
    for service in ["s3 ", "AmazonS3", "S3Client", "aws-s3"] {
        let report = call(
            service,
            "PutObject",
            json!({"Bucket": "b", "Key": "k"}),
            json!({"ETag": "\"e\""}),
        );
        assert!(report.pointers.is_empty());
        let r = reason(&report);
        assert_eq!(r.code, ReasonCode::ServiceUnknown, "{service}");
        assert_eq!(r.suggestion.as_deref(), Some("s3"), "{service}");
        assert!(r.message.contains("did you mean \"s3\"?"), "{}", r.message);
    }
    let r = call("dynamo", "PutItem", json!({}), json!({}));
    assert_eq!(reason(&r).suggestion.as_deref(), Some("dynamodb"));
}

#[test]
fn misspelt_operation_and_operations_that_write_nothing() {
    let r = call(
        "s3",
        "PutObjekt",
        json!({"Bucket": "b", "Key": "k"}),
        json!({"ETag": "\"e\""}),
    );
    assert_eq!(reason(&r).code, ReasonCode::OperationUnknown);
    assert_eq!(reason(&r).suggestion.as_deref(), Some("PutObject"));
    let r = call("dynamodb", "UpdateItems", json!({}), json!({}));
    assert_eq!(reason(&r).suggestion.as_deref(), Some("UpdateItem"));
    for (service, operation) in [
        ("s3", "GetObject"),
        ("s3", "GetObjectCommand"),
        ("dynamodb", "Query"),
    ] {
        let r = call(service, operation, json!({}), json!({}));
        assert_eq!(
            reason(&r).code,
            ReasonCode::OperationWritesNothing,
            "{operation}"
        );
        assert!(
            reason(&r).message.contains("makes no pointer"),
            "{}",
            reason(&r).message
        );
    }
}

#[test]
fn raw_receive_message_output_as_an_event() {
    let body = json!({"Records": [s3_record("a.txt")]}).to_string();
    let r = event(json!({"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "Body": body}]}));
    assert!(r.pointers.is_empty());
    assert_eq!(reason(&r).code, ReasonCode::SdkOutputAsEvent);
    assert!(reason(&r).message.contains("ReceiveMessage"));
}

#[test]
fn records_without_event_source() {
    let body = json!({"Records": [s3_record("a.txt")]}).to_string();
    let r = event(json!({"Records": [{"messageId": "m", "receiptHandle": "r", "body": body}]}));
    assert_eq!(reason(&r).code, ReasonCode::RecordWithoutEventSource);
    assert_eq!(reason(&r).resembles.as_deref(), Some("an SQS record"));
    assert_eq!(reason(&r).missing, ["eventSource"]);
    assert_eq!(reason(&r).at, "Records[0]");

    let mut record = s3_record("a.txt");
    record.as_object_mut().unwrap().remove("eventSource");
    let r = event(json!({"Records": [s3_record("b.txt"), record]}));
    assert_eq!(r.pointers.len(), 1);
    assert_eq!(
        reason(&r).resembles.as_deref(),
        Some("an S3 notification record")
    );
    assert_eq!(reason(&r).at, "Records[1]");
    assert_eq!(
        reason(&r).suggestion.as_deref(),
        Some("\"eventSource\": \"aws:s3\"")
    );
}

#[test]
fn event_passed_as_json_text() {
    let text = json!({"Records": [s3_record("a.txt")]}).to_string();
    let r = event(Json::String(text));
    assert_eq!(reason(&r).code, ReasonCode::TextNotObject);
    assert!(reason(&r)
        .suggestion
        .as_deref()
        .unwrap()
        .contains("gives 1 pointer"));
    let r = call(
        "s3",
        "PutObject",
        Json::String(json!({"Bucket": "b", "Key": "k"}).to_string()),
        json!({"ETag": "\"e\""}),
    );
    assert_eq!(reason(&r).code, ReasonCode::TextNotObject);
    assert_eq!(reason(&r).at, "request");
}

#[test]
fn unrelated_records_and_bodies() {
    let mut removed = s3_record("a.txt");
    removed["eventName"] = json!("ObjectRemoved:Delete");
    assert_eq!(
        reason(&event(json!({"Records": [removed]}))).code,
        ReasonCode::EventNameIgnored
    );
    let sqs = json!({"Records": [{"eventSource": "aws:sqs", "body": "hello"}]});
    assert_eq!(reason(&event(sqs)).code, ReasonCode::MessageUnrelated);
    let test_event =
        json!({"Records": [{"eventSource": "aws:sqs", "body": "{\"Event\": \"s3:TestEvent\"}"}]});
    assert!(reason(&event(test_event)).message.contains("s3:TestEvent"));
    assert_eq!(
        reason(&event(json!({"Records": []}))).code,
        ReasonCode::NoRecords
    );
    let single = event(s3_record("a.txt"));
    assert_eq!(reason(&single).missing, ["Records"]);
    let api = event(json!({"httpMethod": "GET", "requestContext": {}}));
    assert_eq!(
        reason(&api).resembles.as_deref(),
        Some("an API Gateway request")
    );
}

#[test]
fn one_key_name_for_a_table_keyed_by_two() {
    let put = call_with(
        "dynamodb",
        "PutItem",
        json!({"TableName": "orders", "Item": {"pk": {"S": "c-1"}, "sk": {"N": "2"}}}),
        json!({}),
        json!({"orders": ["pk"]}),
    );
    assert_eq!(put.pointers.len(), 1);
    let names = &put.key_names[0];
    assert_eq!(
        (names.names.as_slice(), names.source),
        (&["pk".to_string()][..], KeyNameSource::Option)
    );
    assert!(names.note.contains("\"sk\""), "{}", names.note);
    let stream = event(
        json!({"Records": [stream_record("orders", "aws", json!({"pk": {"S": "c-1"}, "sk": {"N": "2"}}))]}),
    );
    let c = compare(put, stream);
    assert!(!c.meet);
    let d = c.pairs[0].difference.as_ref().unwrap();
    assert_eq!((d.name, d.rule), ("key_name_2", "key_names"));
    assert!(d.message.contains("option"), "{}", d.message);
}

#[test]
fn components_and_rules() {
    let r = event(json!({"Records": [s3_record("dir/my+file%2B1.txt")]}));
    let key = &r.pointers[0].components[1];
    assert_eq!(
        (key.value.as_str(), key.rule),
        ("dir/my file+1.txt", Rule::UrlDecoded)
    );
    assert_eq!(key.given.as_deref(), Some("dir/my+file%2B1.txt"));
    assert_eq!(key.from, "Records[0].s3.object.key");
    let put = call(
        "s3",
        "PutObject",
        json!({"Bucket": "b", "Key": "k"}),
        json!({"ETag": "\"ab\""}),
    );
    let etag = &put.pointers[0].components[2];
    assert_eq!(
        (etag.value.as_str(), etag.rule),
        ("ab", Rule::QuotesRemoved)
    );
    let bin = call(
        "dynamodb",
        "DeleteItem",
        json!({"TableName": "arn:aws:dynamodb:us-east-1:1:table/blobs", "Key": {"id": {"B": {"$bytes": "AP8="}}, "n": {"N": "007"}}}),
        json!({}),
    );
    let c = &bin.pointers[0].components;
    assert_eq!(
        (c[0].value.as_str(), c[0].rule),
        ("blobs", Rule::TableFromArn)
    );
    assert_eq!(
        (
            c[1].value.as_str(),
            c[2].value.as_str(),
            c[2].rule,
            c[2].hex
        ),
        ("id", "00ff", Rule::BinaryRaw, true)
    );
    assert_eq!(
        (c[3].value.as_str(), c[4].value.as_str(), c[4].rule),
        ("n", "7", Rule::NumberCanonical)
    );
    assert_eq!(c[4].given.as_deref(), Some("007"));
}

// -- conformance cases marked `differs` -----------------------------------------

/// The rule each `differs` case's note names, read from the note by hand.
fn expected_rule(name: &str) -> &'static [DatadogRule] {
    use DatadogRule::*;
    match name {
        n if n.starts_with("config_") => &[ConfigDroppedWhole],
        "ddb_batch_write_one_bad_write_others_kept" => &[BatchDroppedWhole],
        "ddb_batch_write_table_arn_key"
        | "ddb_put_item_table_arn_uses_configured_name"
        | "ddb_transact_table_arn" => &[TableArnNotReduced],
        n if n.starts_with("ddb_table_arn_")
            && !n.contains("other_service")
            && !n.contains("without_table") =>
        {
            &[TableArnNotReduced]
        }
        "ddb_table_arn_other_service"
        | "ddb_table_arn_without_table_resource"
        | "ddb_table_name_empty" => &[TableNameNotChecked],
        "ddb_binary_key_put_item_raw_bytes" | "ddb_plain_bytes_put_item" => &[BinaryInItemIgnored],
        n if n.starts_with("ddb_binary_key_") || n.starts_with("ddb_stream_binary_key") => {
            &[BinaryAsText]
        }
        "ddb_document_client_command" | "ddb_document_client_put" => &[OperationNameUnknown],
        n if n.starts_with("ddb_number_") || n.starts_with("ddb_plain_number") => {
            &[NumberAsWritten]
        }
        "ddb_put_item_non_canonical_number"
        | "ddb_stream_non_canonical_number"
        | "ddb_stream_number_out_of_range"
        | "ddb_transact_bad_number_other_kept" => &[NumberAsWritten],
        "ddb_stream_aws_cn_partition" | "ddb_stream_aws_us_gov_partition" => {
            &[StreamPartitionAwsOnly]
        }
        // an aws-cn table with a binary key: either is the note's reason
        "fixture_dynamodb_stream_binary_key" => &[StreamPartitionAwsOnly, BinaryAsText],
        "ddb_stream_unknown_event_name" => &[EventNameNotChecked],
        n if n.starts_with("failed_") => &[SuccessNotChecked],
        "fixture_s3_notification" | "s3_event_bad_record_others_kept" => &[KeyNotUrlDecoded],
        n if n.starts_with("s3_event_key_") => &[KeyNotUrlDecoded],
        "s3_put_object_etag_empty" => &[EtagNotChecked],
        "s3_copy_object_to_access_point" => &[AccessPointAsBucket],
        n if n.starts_with("s3_put_object_bucket_access_point_") => &[AccessPointAsBucket],
        // a delete or condition check in the same call shows the put's key names
        n if n.starts_with("registry_") => &[KeyNamesNotLearned],
        other => panic!("no rule written down for the differs case {other}"),
    }
}

fn explain_case(case: &Json) -> Report {
    let host = |v: &Json| v.to_string();
    if case["kind"] == "event" {
        let text = host(&case["event"]);
        return explain_event(&Value::from_host_json(text.as_bytes()).unwrap());
    }
    let request = host(&case["request"]);
    let response = host(&case["response"]);
    let config = match (&case["config"], &case["config_text"]) {
        (Json::Null, Json::String(text)) => Config::from_json(text),
        (Json::Null, _) => Config::new(),
        (config, _) => Config::from_json(config.to_string()),
    };
    explain_response(
        case["service"].as_str().unwrap(),
        case["operation"].as_str().unwrap(),
        &Value::from_host_json(request.as_bytes()).unwrap(),
        &Value::from_host_json(response.as_bytes()).unwrap(),
        &config,
        KeyNameSource::Option,
        &mut KeyRegistry::new(),
    )
}

fn conformance_cases() -> Json {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/cases.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn differs_cases_name_the_rule_of_their_note() {
    let cases = conformance_cases();
    let mut checked = 0;
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !matches!(case["kind"].as_str(), Some("response" | "event")) {
            continue;
        }
        let report = explain_case(case);
        // The Python libraries are the ones conformance checks as oracles.
        let python = report
            .datadog
            .iter()
            .find(|a| matches!(a.library, Library::DdTracePy | Library::DatadogLambdaPython))
            .unwrap();
        match case["datadog"].as_str() {
            Some("differs") => {
                let want = expected_rule(name);
                assert!(!python.agrees, "{name}: {python:#?}");
                assert!(
                    python.divergences.iter().any(|d| want.contains(&d.rule)),
                    "{name}: want one of {want:?}, got {:#?}",
                    python.divergences
                );
                checked += 1;
            }
            Some("agrees") => assert!(python.agrees, "{name}: {python:#?}"),
            _ => {}
        }
    }
    assert!(checked >= 80, "{checked}");
}

// -- a generated corpus of pairs with one perturbed component -------------------

/// Words and picks from the shared generator.
trait Draw {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str;
    fn word(&mut self) -> String;
}

impl Draw for Rng {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn word(&mut self) -> String {
        (0..3 + self.next() % 8)
            .map(|_| (b'a' + (self.next() % 26) as u8) as char)
            .collect()
    }
}

/// `application/x-www-form-urlencoded`, as S3 writes keys in notifications.
fn form_encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn pair(producer: Report, consumer: Report) -> Comparison {
    compare(producer, consumer)
}

#[test]
fn perturbed_pairs_are_explained_by_their_perturbation() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..200 {
        let table = rng.word();
        let id = rng.word();
        match round % 5 {
            // key encoding: the notification's key is the raw key, not form-encoded
            0 => {
                let key = format!("{} {}+{}.txt", rng.word(), rng.word(), rng.word());
                let put = call(
                    "s3",
                    "PutObject",
                    json!({"Bucket": "photos", "Key": key}),
                    json!({"ETag": "\"0123abcd\""}),
                );
                let good = event(json!({"Records": [s3_record(&form_encode(&key))]}));
                assert!(pair(put.clone(), good).meet, "{key}");
                let bad = event(json!({"Records": [s3_record(&key)]}));
                let c = pair(put, bad);
                assert!(!c.meet);
                let d = c.pairs[0].difference.as_ref().unwrap();
                assert_eq!((d.name, d.rule), ("key", "url_decoded"), "{key}");
            }
            // number spelling: written 1.50 / 007 / 1e2, the stream shows DynamoDB's text
            1 => {
                let (written, stored) = *[
                    ("1.50", "1.5"),
                    ("007", "7"),
                    ("1e2", "100"),
                    ("-0.0", "0"),
                    ("2.5E-3", "0.0025"),
                ]
                .get((rng.next() % 5) as usize)
                .unwrap();
                let put = call(
                    "dynamodb",
                    "UpdateItem",
                    json!({"TableName": table, "Key": {"id": {"N": written}}}),
                    json!({}),
                );
                let stream = event(
                    json!({"Records": [stream_record(&table, "aws", json!({"id": {"N": stored}}))]}),
                );
                let value = &put.pointers[0].components[2];
                assert_eq!(
                    (value.rule, value.value.as_str()),
                    (Rule::NumberCanonical, stored)
                );
                let c = pair(put, stream);
                assert!(c.meet);
                let py = &c.datadog[0];
                assert!(!py.meet);
                let theirs = &c.producer.datadog[0];
                assert_eq!(theirs.divergences[0].rule, DatadogRule::NumberAsWritten);
            }
            // binary form: bytes written, base64 text in the stream
            2 => {
                let bytes: Vec<u8> = (0..1 + rng.next() % 12).map(|_| rng.next() as u8).collect();
                let b64 = base64_of(&bytes);
                let put = call(
                    "dynamodb",
                    "DeleteItem",
                    json!({"TableName": table, "Key": {"id": {"B": {"$bytes": b64}}}}),
                    json!({}),
                );
                let stream = event(
                    json!({"Records": [stream_record(&table, "aws", json!({"id": {"B": b64}}))]}),
                );
                assert_eq!(
                    stream.pointers[0].components[2].rule,
                    Rule::BinaryFromBase64
                );
                assert_eq!(put.pointers[0].components[2].rule, Rule::BinaryRaw);
                let c = pair(put, stream);
                assert!(c.meet);
                let lambda = c
                    .consumer
                    .datadog
                    .iter()
                    .find(|a| a.library == Library::DatadogLambdaPython)
                    .unwrap();
                assert!(lambda
                    .divergences
                    .iter()
                    .any(|d| d.rule == DatadogRule::BinaryAsText));
            }
            // table ARN: TableName given as an ARN
            3 => {
                let partition = rng.pick(&["aws", "aws-cn", "aws-us-gov"]);
                let arn = format!("arn:{partition}:dynamodb:us-east-1:123456789012:table/{table}");
                let put = call(
                    "dynamodb",
                    "UpdateItem",
                    json!({"TableName": arn, "Key": {"id": {"S": id}}}),
                    json!({}),
                );
                assert_eq!(put.pointers[0].components[0].rule, Rule::TableFromArn);
                let stream = event(
                    json!({"Records": [stream_record(&table, partition, json!({"id": {"S": id}}))]}),
                );
                let c = pair(put, stream);
                assert!(c.meet);
                assert!(c.producer.datadog.iter().all(|a| a
                    .divergences
                    .iter()
                    .any(|d| d.rule == DatadogRule::TableArnNotReduced)));
            }
            // key names: one configured where the table has two
            _ => {
                let other = format!("{}_sk", rng.word());
                let put = call_with(
                    "dynamodb",
                    "PutItem",
                    json!({"TableName": table, "Item": {"id": {"S": id}, other.clone(): {"S": "x"}}}),
                    json!({}),
                    json!({table.clone(): ["id"]}),
                );
                let stream = event(
                    json!({"Records": [stream_record(&table, "aws", json!({"id": {"S": id}, other: {"S": "x"}}))]}),
                );
                let c = pair(put, stream);
                assert!(!c.meet);
                assert_eq!(c.pairs[0].difference.as_ref().unwrap().rule, "key_names");
            }
        }
    }
}

fn base64_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

// -- key names learned from the application's calls (SPEC 9) ----------------------

fn json_value(json: &Json) -> String {
    json.to_string()
}

/// `span-autolink pointers` on a call file: `calls` are the calls before.
fn call_file(file: Json) -> Report {
    let config = match &file["config"] {
        Json::Null => Config::new(),
        config => Config::from_json(config.to_string()),
    };
    call_file_with(file, config)
}

fn call_file_with(file: Json, config: Config) -> Report {
    let text = json_value(&file);
    explain_call(
        &Value::from_host_json(text.as_bytes()).unwrap(),
        &config,
        KeyNameSource::Option,
    )
}

fn describe_table(table: &str, schema: &[(&str, &str)]) -> Json {
    let schema: Vec<Json> = schema
        .iter()
        .map(|(name, role)| json!({"AttributeName": name, "KeyType": role}))
        .collect();
    json!({
        "service": "dynamodb", "operation": "DescribeTable",
        "request": {"TableName": table},
        "response": {"Table": {"TableName": table, "KeySchema": schema, "TableStatus": "ACTIVE"}}
    })
}

fn put_on(table: &str, item: Json) -> Json {
    json!({"service": "dynamodb", "operation": "PutItem",
           "request": {"TableName": table, "Item": item}, "response": {}})
}

#[test]
fn learned_from_a_key_schema() {
    let mut file = put_on(
        "orders",
        json!({"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}, "total": {"N": "3"}}),
    );
    file["calls"] = json!([describe_table(
        "orders",
        &[("customerId", "HASH"), ("orderId", "RANGE")]
    )]);
    let put = call_file(file.clone());
    assert_eq!(put.pointers.len(), 1, "{put:#?}");
    let names = &put.key_names[0];
    assert_eq!(
        (
            names.names.clone(),
            names.source,
            names.learned_from,
            names.fits
        ),
        (
            vec!["customerId".to_string(), "orderId".to_string()],
            KeyNameSource::Learned,
            Some("key_schema"),
            true
        )
    );
    assert!(names.note.contains("KeySchema"), "{}", names.note);
    let rules: Vec<Rule> = put.pointers[0]
        .components
        .iter()
        .filter(|c| c.name.starts_with("key_name"))
        .map(|c| c.rule)
        .collect();
    assert_eq!(rules, [Rule::KeyNameLearned, Rule::KeyNameLearned]);
    // No tracer learns: with no key-name setting, neither gives a pointer.
    for answer in &put.datadog {
        assert!(answer.pointers.is_empty() && !answer.agrees, "{answer:#?}");
        assert!(
            answer
                .divergences
                .iter()
                .any(|d| d.rule == DatadogRule::KeyNamesNotLearned),
            "{answer:#?}"
        );
    }
    // The stream record of the same item meets it.
    let stream = event(json!({"Records": [stream_record(
        "orders",
        "aws",
        json!({"customerId": {"S": "c-1001"}, "orderId": {"N": "42"}})
    )]}));
    let c = compare(put, stream);
    assert!(c.meet, "{c:#?}");
    // Without the call before, the put says why it made nothing.
    file["calls"] = json!([]);
    let alone = call_file(file);
    assert!(alone.pointers.is_empty());
    assert!(!alone.key_names[0].fits);
    assert!(alone.issues[0].code == "table_not_configured");
}

#[test]
fn learned_from_a_key_dynamodb_accepted() {
    let mut file = put_on("users", json!({"id": {"S": "u-1"}, "name": {"S": "Ada"}}));
    file["calls"] = json!([{
        "service": "dynamodb", "operation": "GetItem",
        "request": {"TableName": "users", "Key": {"id": {"S": "u-0"}}},
        "response": {"Item": {"id": {"S": "u-0"}}}
    }]);
    let put = call_file(file.clone());
    assert_eq!(put.pointers.len(), 1, "{put:#?}");
    let names = &put.key_names[0];
    assert_eq!(
        (names.source, names.learned_from, names.names.clone()),
        (KeyNameSource::Learned, Some("key"), vec!["id".to_string()])
    );
    // A read that failed teaches nothing.
    file["calls"][0]["response"] = json!({"$metadata": {"httpStatusCode": 400}});
    let failed = call_file(file);
    assert!(failed.pointers.is_empty(), "{failed:#?}");
}

#[test]
fn learned_names_override_a_contradicting_option() {
    let mut file = put_on("orders", json!({"pk": {"S": "a"}, "sk": {"N": "1"}}));
    file["calls"] = json!([describe_table("orders", &[("pk", "HASH"), ("sk", "RANGE")])]);
    file["config"] = json!({"orders": ["pk"]});
    let put = call_file(file);
    assert_eq!(put.pointers.len(), 1);
    assert_eq!(put.issues[0].code, "key_config_conflict");
    let learned = put
        .key_names
        .iter()
        .find(|k| k.source == KeyNameSource::Learned)
        .unwrap();
    assert_eq!(learned.names, ["pk", "sk"]);
    assert!(learned.fits);
    let option = put
        .key_names
        .iter()
        .find(|k| k.source == KeyNameSource::Option)
        .unwrap();
    assert_eq!(
        (option.names.as_slice(), option.fits),
        (&["pk".to_string()][..], false)
    );
    assert!(
        option.note.contains("key_config_conflict"),
        "{}",
        option.note
    );
    // The tracers hash the option's one name.
    let py = put
        .datadog
        .iter()
        .find(|a| a.library == Library::DdTracePy)
        .unwrap();
    assert_eq!(py.pointers[0].components, ["orders", "pk", "a", "", ""]);
    assert!(py
        .divergences
        .iter()
        .any(|d| d.rule == DatadogRule::KeyNamesNotLearned));
}

/// A put keyed by learned names that makes no pointer still says which
/// names it used; they cannot be right when the item lacks one.
#[test]
fn learned_names_of_a_put_without_a_pointer() {
    let cases = [
        (json!({"pk": {"S": "a"}}), "key_attribute_missing", false),
        (
            json!({"pk": {"S": "a"}, "sk": {"N": 1.5}}),
            "key_value_type",
            true,
        ),
    ];
    for (item, code, fits) in cases {
        let mut file = put_on("orders", item);
        file["calls"] = json!([describe_table("orders", &[("pk", "HASH"), ("sk", "RANGE")])]);
        let put = call_file(file);
        assert!(put.pointers.is_empty());
        assert_eq!(put.issues[0].code, code);
        let names = &put.key_names[0];
        assert_eq!(
            (names.source, names.learned_from, names.fits),
            (KeyNameSource::Learned, Some("key_schema"), fits),
            "{code}"
        );
        assert_eq!(names.names, ["pk", "sk"]);
        assert_eq!(reason(&put).code, ReasonCode::SeeIssues);
    }
}

#[test]
fn a_call_that_only_teaches() {
    let report = call_file(describe_table("orders", &[("pk", "HASH"), ("sk", "RANGE")]));
    assert!(report.pointers.is_empty());
    let r = reason(&report);
    assert_eq!(r.code, ReasonCode::OperationWritesNothing);
    assert!(r.message.contains("key names"), "{}", r.message);
    assert!(!r.message.contains("GetItem,"), "{}", r.message);
    let names = &report.key_names[0];
    assert_eq!(
        (names.table.as_str(), names.source, names.learned_from),
        ("orders", KeyNameSource::Learned, Some("key_schema"))
    );
    assert_eq!(names.names, ["pk", "sk"]);
}

/// Every sequence case of conformance (key names learned from calls, SPEC
/// 9), each call explained after the calls before it: the explainer gives
/// the case's pointers and issues, and where a case says the Datadog
/// libraries differ on a put that span-autolink keys by learned names,
/// the explainer names the rule.
#[test]
fn conformance_sequences() {
    let cases = conformance_cases();
    let mut learned = 0;
    let mut sequences = 0;
    for case in cases["cases"].as_array().unwrap() {
        if case["kind"] != "sequence" {
            continue;
        }
        sequences += 1;
        let name = case["name"].as_str().unwrap();
        let calls = case["calls"].as_array().unwrap();
        for (i, step) in calls.iter().enumerate() {
            let mut file = step.clone();
            file["calls"] = Json::Array(calls[..i].to_vec());
            let config = match (&case["config"], &case["config_text"]) {
                (Json::Null, Json::String(text)) => Config::from_json(text),
                (Json::Null, _) => Config::new(),
                (config, _) => Config::from_json(config.to_string()),
            };
            let report = call_file_with(file, config);
            let hashes: Vec<&str> = report.pointers.iter().map(|p| p.hash.as_str()).collect();
            let want: Vec<&str> = step["expect"]["pointers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["hash"].as_str().unwrap())
                .collect();
            assert_eq!(hashes, want, "{name} call {i}: {report:#?}");
            let codes: Vec<&str> = report.issues.iter().map(|i| i.code).collect();
            let want: Vec<&str> = step["expect"]["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap())
                .collect();
            assert_eq!(codes, want, "{name} call {i}: {report:#?}");
            let by_learned = report
                .key_names
                .iter()
                .any(|k| k.source == KeyNameSource::Learned && k.fits)
                && !report.pointers.is_empty();
            if by_learned && case["datadog"] == "differs" {
                for answer in &report.datadog {
                    if !answer.agrees {
                        assert!(
                            !answer.divergences.is_empty(),
                            "{name} call {i}: {answer:#?}"
                        );
                    }
                }
                learned += 1;
            }
        }
    }
    assert!(sequences >= 20 && learned >= 10, "{sequences} {learned}");
}
