//! Fail-safe and agreement properties over generated input (SPEC 6).
//!
//! Arbitrary JSON values, biased towards the member names and values the
//! rules look for so that generated input reaches deep into every rule,
//! must never panic; producers and consumers built from the same object or
//! item must always meet.

use proptest::prelude::*;
use span_autolink::dynamodb::number::canonical;
use span_autolink::s3::key;
use span_autolink::{
    pointers_for_event, pointers_for_operation, pointers_for_response, projection, Config,
    Operation, Outcome, Value,
};

const NAMES: &[&str] = &[
    "Records",
    "eventSource",
    "EventSource",
    "eventName",
    "s3",
    "bucket",
    "name",
    "object",
    "key",
    "eTag",
    "etag",
    "body",
    "Sns",
    "Message",
    "kinesis",
    "data",
    "dynamodb",
    "Keys",
    "eventSourceARN",
    "tableName",
    "source",
    "detail-type",
    "detail",
    "Type",
    "TableName",
    "Key",
    "Item",
    "RequestItems",
    "PutRequest",
    "DeleteRequest",
    "TransactItems",
    "Put",
    "Update",
    "Delete",
    "ConditionCheck",
    "UnprocessedItems",
    "Bucket",
    "ETag",
    "CopyObjectResult",
    "S",
    "N",
    "B",
    "orders",
    "id",
    "$bytes",
    "Data",
    "Messages",
    "Body",
    "StreamArn",
];

const STRINGS: &[&str] = &[
    "aws:s3", "aws:sqs", "aws:sns", "aws:kinesis", "aws:dynamodb", "ObjectCreated:Put",
    "ObjectRemoved:Delete", "INSERT", "MODIFY", "REMOVE", "aws.s3", "Object Created", "Notification",
    "arn:aws:dynamodb:us-east-1:1:table/orders/stream/x", "arn:aws:dynamodb:us-east-1:1:table/orders",
    "orders", "\"abc\"", "abc-5", "a+b%20c", "%zz", "%FF", "1.50", "1e999999999", "-", "AAECAwT/",
    "not base64!", "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k\",\"eTag\":\"e\"}}}]}",
    "{\"Type\":\"Notification\",\"Message\":\"{}\"}",
    "eyJ0YWJsZU5hbWUiOiJ0IiwiZXZlbnROYW1lIjoiSU5TRVJUIiwiZHluYW1vZGIiOnsiS2V5cyI6eyJpZCI6eyJTIjoieCJ9fX19",
];

fn leaf() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        "[-+]?[0-9]{0,4}(\\.[0-9]{0,3})?([eE][-+]?[0-9]{1,4})?"
            .prop_map(|n| Value::Number(n.into())),
        prop::sample::select(STRINGS).prop_map(|s| Value::String(s.into())),
        any::<String>().prop_map(|s| Value::String(s.into())),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes),
    ]
}

fn json_value() -> impl Strategy<Value = Value<'static>> {
    leaf().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        4 => prop::sample::select(NAMES).prop_map(str::to_owned),
                        1 => any::<String>()
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|members| Value::Object(
                members.into_iter().map(|(k, v)| (k.into(), v)).collect()
            )),
        ]
    })
}

const OPERATIONS: &[(&str, &str)] = &[
    ("s3", "PutObject"),
    ("s3", "CompleteMultipartUpload"),
    ("s3", "CopyObject"),
    ("dynamodb", "PutItem"),
    ("dynamodb", "UpdateItem"),
    ("dynamodb", "DeleteItem"),
    ("dynamodb", "BatchWriteItem"),
    ("dynamodb", "TransactWriteItems"),
];

fn well_formed(outcome: &Outcome) {
    for p in &outcome.pointers {
        let h = p.hash.as_str();
        assert_eq!(h.len(), 32);
        assert!(h
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
    for i in &outcome.issues {
        assert!(!i.message.is_empty());
    }
}

/// S3's own encoding of a key in a notification, written independently of
/// the decoder: unreserved bytes as is, space as `+`, the rest as `%XX`.
fn form_encode(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A deliberately naive canonical form for numbers with small exponents:
/// expand the exponent by shifting the point, then trim zeros.
fn naive_canonical(negative: bool, int: &str, frac: &str, exp: i32) -> String {
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut point = int.len() as i64 + exp as i64;
    while point < 0 {
        digits.insert(0, b'0');
        point += 1;
    }
    while (digits.len() as i64) < point {
        digits.push(b'0');
    }
    let (i, f) = digits.split_at(point as usize);
    let i = std::str::from_utf8(i).unwrap().trim_start_matches('0');
    let f = std::str::from_utf8(f).unwrap().trim_end_matches('0');
    let body = match (i.is_empty(), f.is_empty()) {
        (true, true) => return "0".to_owned(),
        (true, false) => format!("0.{f}"),
        (false, true) => i.to_owned(),
        (false, false) => format!("{i}.{f}"),
    };
    if negative {
        format!("-{body}")
    } else {
        body
    }
}

fn wrap_s3(notification: &str, how: u8) -> String {
    let sqs = |body: &str| {
        serde_json::json!({"Records": [{"eventSource": "aws:sqs", "body": body}]}).to_string()
    };
    let sns_envelope =
        |m: &str| serde_json::json!({"Type": "Notification", "Message": m}).to_string();
    match how % 4 {
        0 => notification.to_owned(),
        1 => sqs(notification),
        2 => serde_json::json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": notification}}]}).to_string(),
        _ => sqs(&sns_envelope(notification)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn events_never_panic(event in json_value()) {
        well_formed(&pointers_for_event(&event));
        well_formed(&pointers_for_event(&Value::Object(vec![("Records".into(), Value::Array(vec![event]))])));
    }

    #[test]
    fn responses_never_panic(request in json_value(), response in json_value(), config in json_value(), op in 0..OPERATIONS.len()) {
        let (service, operation) = OPERATIONS[op];
        let config = Config::from_value(&config);
        well_formed(&pointers_for_response(service, operation, &request, &response, &config));
    }

    /// Hosts serialize only what the projections name; the rules must not
    /// notice the difference.
    #[test]
    fn projected_events_give_the_same_outcome(event in json_value()) {
        let projected = projection::EVENT.apply(&event);
        prop_assert_eq!(pointers_for_event(&projected), pointers_for_event(&event));
    }

    #[test]
    fn projected_responses_give_the_same_outcome(request in json_value(), response in json_value(), config in json_value(), op in 0..OPERATIONS.len()) {
        let (service, operation) = OPERATIONS[op];
        let config = Config::from_value(&config);
        let p = Operation::parse(service, operation).unwrap().projection();
        let whole = pointers_for_response(service, operation, &request, &response, &config);
        let projected = pointers_for_response(service, operation, &p.request.apply(&request), &p.response.apply(&response), &config);
        prop_assert_eq!(projected, whole);
    }

    /// Every operation, by its code, as the packages name calls.
    #[test]
    fn projected_calls_give_the_same_outcome(request in json_value(), response in json_value(), op in 0..Operation::ALL.len()) {
        let operation = Operation::ALL[op];
        let config = Config::new();
        let p = operation.projection();
        let whole = pointers_for_operation(operation, &request, &response, &config);
        let projected = pointers_for_operation(operation, &p.request.apply(&request), &p.response.apply(&response), &config);
        prop_assert_eq!(projected, whole);
    }

    #[test]
    fn json_text_never_panics(text in any::<String>()) {
        if let Ok(value) = Value::from_json(text.as_bytes()) {
            well_formed(&pointers_for_event(&value));
        }
        let _ = Config::from_json(&text);
    }

    #[test]
    fn numbers_never_panic_and_stay_bounded(text in any::<String>()) {
        if let Ok(n) = canonical(&text) {
            prop_assert!(n.len() <= 1 + 126 + 1 + 38);
            let again = canonical(&n);
            prop_assert_eq!(again.as_deref(), Ok(&*n));
        }
    }

    #[test]
    fn numbers_match_naive_expansion(
        negative in any::<bool>(),
        sign in prop::sample::select(&["", "+", "-"][..]),
        int in "[0-9]{0,12}",
        frac in "[0-9]{0,12}",
        exp in -40i32..40,
        exp_style in 0u8..3,
    ) {
        prop_assume!(!(int.is_empty() && frac.is_empty()));
        let negative = negative && sign != "+";
        let sign = if negative { "-" } else { sign.trim_start_matches('-') };
        let text = match exp_style {
            0 if exp == 0 => format!("{sign}{int}.{frac}"),
            0 | 1 => format!("{sign}{int}.{frac}e{exp}"),
            _ => format!("{sign}{int}.{frac}E{exp:+}"),
        };
        let expected = naive_canonical(negative, &int, &frac, exp);
        let got = canonical(&text).ok();
        prop_assert_eq!(got.as_deref(), Some(expected.as_str()), "{}", text);
    }

    // Integers without a point or an exponent, the commonest keys: the
    // shortcut for text that is canonical already must agree with the
    // expansion, leading zeros, signs and 38-digit limits included.
    #[test]
    fn integers_match_naive_expansion(
        negative in any::<bool>(),
        sign in prop::sample::select(&["", "+", "-"][..]),
        int in "0{0,2}[0-9]{1,40}",
    ) {
        let negative = negative && sign != "+";
        let sign = if negative { "-" } else { sign.trim_start_matches('-') };
        let text = format!("{sign}{int}");
        let significant = int.trim_start_matches('0').trim_end_matches('0').len();
        let expected = (significant <= 38).then(|| naive_canonical(negative, &int, "", 0));
        let got = canonical(&text).ok();
        prop_assert_eq!(got.as_deref(), expected.as_deref(), "{}", text);
    }

    #[test]
    fn keys_round_trip(k in any::<String>()) {
        let encoded = form_encode(&k);
        let decoded = key::decode(&encoded);
        prop_assert_eq!(decoded.as_deref(), Ok(k.as_str()));
    }

    #[test]
    fn key_decoding_never_panics(text in any::<String>()) {
        if let Ok(decoded) = key::decode(&text) {
            prop_assert!(decoded.len() <= text.len());
        }
    }

    /// The promise itself: an S3 upload and the notification it causes meet,
    /// whatever the key and however the notification is delivered.
    #[test]
    fn s3_producer_meets_consumer(
        bucket in "[a-z0-9][a-z0-9.-]{2,20}",
        k in any::<String>(),
        etag in "[0-9a-f]{32}(-[0-9]{1,3})?",
        how in any::<u8>(),
    ) {
        prop_assume!(!k.is_empty());
        let request = Value::Object(vec![("Bucket".into(), Value::String(bucket.clone().into())), ("Key".into(), Value::String(k.clone().into()))]);
        let response = Value::Object(vec![("ETag".into(), Value::String(format!("\"{etag}\"").into()))]);
        let produced = pointers_for_response("s3", "PutObject", &request, &response, &Config::new());
        let notification = serde_json::json!({"Records": [{
            "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": bucket}, "object": {"key": form_encode(&k), "eTag": etag}}
        }]}).to_string();
        let wrapped = wrap_s3(&notification, how);
        let event = Value::from_json(wrapped.as_bytes()).unwrap();
        let consumed = pointers_for_event(&event);
        prop_assert_eq!(produced.pointers.len(), 1);
        prop_assert_eq!(consumed.pointers.len(), 1);
        prop_assert_eq!(produced.pointers[0].hash, consumed.pointers[0].hash);
    }

    /// A DynamoDB write with a number spelled any way meets the stream
    /// record, which shows the number as DynamoDB stores it.
    #[test]
    fn dynamodb_producer_meets_consumer(
        pk in any::<String>(),
        int in "[1-9][0-9]{0,8}",
        frac in "[0-9]{0,6}",
        exp in -20i32..20,
        zeros in "0{0,3}",
        bytes in prop::collection::vec(any::<u8>(), 1..16),
        binary in any::<bool>(),
    ) {
        let written = format!("{zeros}{int}.{frac}e{exp}");
        let stored = naive_canonical(false, &int, &frac, exp);
        let (sort_written, sort_stored) = if binary {
            (Value::Object(vec![("B".into(), Value::Bytes(bytes.clone()))]),
             serde_json::json!({"B": base64_encode(&bytes)}))
        } else {
            (Value::Object(vec![("N".into(), Value::String(written.into()))]), serde_json::json!({"N": stored}))
        };
        let key = Value::Object(vec![
            ("sk".into(), sort_written),
            ("pk".into(), Value::Object(vec![("S".into(), Value::String(pk.clone().into()))])),
        ]);
        let request = Value::Object(vec![("TableName".into(), Value::String("arn:aws:dynamodb:us-east-1:123456789012:table/orders".into())), ("Key".into(), key)]);
        let produced = pointers_for_response("dynamodb", "UpdateItem", &request, &Value::Object(vec![]), &Config::new());
        let event = serde_json::json!({"Records": [{
            "eventSource": "aws:dynamodb", "eventName": "MODIFY",
            "eventSourceARN": "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000",
            "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": sort_stored}}
        }]}).to_string();
        let consumed = pointers_for_event(&Value::from_json(event.as_bytes()).unwrap());
        prop_assert_eq!(produced.pointers.len(), 1, "{:?}", produced.issues);
        prop_assert_eq!(consumed.pointers.len(), 1, "{:?}", consumed.issues);
        prop_assert_eq!(produced.pointers[0].hash, consumed.pointers[0].hash);
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Value::from_json(deep.as_bytes()).is_err());
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    assert!(Value::from_json(deep_objects.as_bytes()).is_err());
}

#[test]
fn huge_exponents_are_rejected_without_expanding() {
    // Expanding 1e999999999 would take a gigabyte; the answer must come at
    // once and the same for any exponent length.
    for text in [
        "1e999999999",
        "1e-999999999",
        "9.9e99999999999999999999999999999999999999",
    ] {
        assert_eq!(
            canonical(text),
            Err(span_autolink::dynamodb::number::NumberError::OutOfRange)
        );
    }
}

/// Members with duplicates collapsed, the obvious quadratic way: the
/// reference for `Value::distinct_members`.
fn distinct_by_pairs<'v>(members: &'v [(std::borrow::Cow<'v, str>, Value<'v>)]) -> Vec<&'v str> {
    members
        .iter()
        .enumerate()
        .filter(|(i, (name, _))| !members[i + 1..].iter().any(|(k, _)| k == name))
        .map(|(_, (name, _))| name.as_ref())
        .collect()
}

proptest! {
    /// The sorted search for duplicates that wide objects take gives the
    /// members the pairwise one does, in the same order, at every width.
    #[test]
    fn distinct_members_match_the_pairwise_search(
        names in prop::collection::vec("[a-e]{1,2}", 0..60)
    ) {
        let members: Vec<(std::borrow::Cow<'_, str>, Value<'_>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (std::borrow::Cow::Borrowed(n.as_str()), Value::Number(i.to_string().into())))
            .collect();
        let object = Value::Object(members.clone());
        let ours: Vec<&str> = object.distinct_members().map(|(name, _)| name).collect();
        prop_assert_eq!(&ours, &distinct_by_pairs(&members));
        // Each kept member carries the value of its last occurrence.
        for (name, value) in object.distinct_members() {
            prop_assert_eq!(Some(value), object.get(name));
        }
    }
}
