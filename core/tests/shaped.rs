//! Properties over AWS-shaped input: real event and request templates with
//! seeded perturbations (members dropped, retyped, added), so that generated
//! input reaches every rule, not only the first type check.

mod common;

use common::Rng;
use proptest::prelude::*;
use span_autolink::{
    pointers_for_event, pointers_for_response, projection, Config, Operation, Outcome, Value,
};

fn fixture_events() -> Vec<Value<'static>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/samples/events");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            Value::from_host_json(&std::fs::read(f).unwrap())
                .unwrap()
                .into_owned()
        })
        .collect()
}

fn calls() -> Vec<(String, String, Value<'static>, Value<'static>)> {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/samples/producers.json"
    ))
    .unwrap();
    let producers = Value::from_host_json(&text).unwrap().into_owned();
    let mut out = Vec::new();
    for call in producers.get("calls").unwrap().as_array().unwrap() {
        let s = |n: &str| call.get(n).unwrap().as_str().unwrap().to_owned();
        out.push((
            s("service"),
            s("operation"),
            call.get("request").unwrap().clone(),
            call.get("response").unwrap().clone(),
        ));
    }
    let j = |t: &str| Value::from_host_json(t.as_bytes()).unwrap().into_owned();
    out.push((
        "s3".into(),
        "CopyObject".into(),
        j(r#"{"Bucket":"b","Key":"k","CopySource":"a/k"}"#),
        j(r#"{"CopyObjectResult":{"ETag":"\"e\""}}"#),
    ));
    out.push((
        "dynamodb".into(),
        "BatchWriteItem".into(),
        j(r#"{"RequestItems":{"orders":[{"PutRequest":{"Item":{"customerId":{"S":"a"},"orderId":{"N":"1"}}}},{"DeleteRequest":{"Key":{"customerId":{"S":"b"},"orderId":{"N":"2"}}}}],"blobs":[{"DeleteRequest":{"Key":{"blobId":{"B":"AAE="}}}}]}}"#),
        j(r#"{"UnprocessedItems":{"orders":[{"DeleteRequest":{"Key":{"customerId":{"S":"b"},"orderId":{"N":"2"}}}}]}}"#),
    ));
    out.push((
        "dynamodb".into(),
        "TransactWriteItems".into(),
        j(r#"{"TransactItems":[{"Put":{"TableName":"orders","Item":{"customerId":{"S":"a"},"orderId":{"N":"1"}}}},{"Update":{"TableName":"orders","Key":{"customerId":{"S":"a"},"orderId":{"N":"2"}}}},{"Delete":{"TableName":"blobs","Key":{"blobId":{"B":"AAE="}}}},{"ConditionCheck":{"TableName":"orders","Key":{}}}]}"#),
        j("{}"),
    ));
    out
}

const ODD: &[&str] = &[
    "",
    "%",
    "%zz",
    "%FF",
    "1e999999999",
    "NaN",
    "-",
    "\"x\"",
    "é",
    "AAE",
    "arn:aws:dynamodb:::table/",
    "{",
    "INSERT",
    "ObjectCreated:Put",
    "aws:s3",
];

fn odd_value(rng: &mut Rng) -> Value<'static> {
    match rng.below(8) {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => Value::Number(ODD[rng.below(ODD.len() as u64) as usize].into()),
        3 => Value::Array(vec![]),
        4 => Value::Object(vec![]),
        5 => Value::Bytes(vec![0xff, 0]),
        _ => Value::String(ODD[rng.below(ODD.len() as u64) as usize].into()),
    }
}

fn perturb(value: &Value<'_>, rng: &mut Rng, rate: u64) -> Value<'static> {
    match value {
        Value::Object(members) => {
            let mut out = Vec::new();
            for (k, v) in members {
                match rng.below(rate) {
                    0 => {}                                                // dropped
                    1 => out.push((k.to_string().into(), odd_value(rng))), // retyped
                    _ => out.push((k.to_string().into(), perturb(v, rng, rate))),
                }
            }
            if rng.below(rate) == 0 {
                out.push(("noise".into(), odd_value(rng)));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| perturb(v, rng, rate)).collect()),
        Value::String(s) if rng.below(rate * 2) == 0 => {
            // Strings that hold JSON (message bodies) get perturbed inside.
            match Value::from_host_json(s.as_bytes()) {
                Ok(inner @ Value::Object(_)) => {
                    Value::String(to_json(&perturb(&inner, rng, rate)).into())
                }
                _ => odd_value(rng),
            }
        }
        other => other.clone().into_owned(),
    }
}

fn to_json(v: &Value) -> String {
    fn j(v: &Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => n
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => s.clone().into(),
            Value::Bytes(_) => serde_json::Value::Null,
            Value::Array(a) => a.iter().map(j).collect(),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (k.to_string(), j(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
    j(v).to_string()
}

fn config() -> Config {
    Config::from_json(r#"{"orders":["customerId","orderId"],"blobs":["blobId"]}"#)
}

fn check(outcome: &Outcome) {
    for p in &outcome.pointers {
        assert_eq!(p.hash.as_str().len(), 32);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn shaped_events(which in 0usize..9, seed in 1u64.., rate in 3u64..30) {
        let events = fixture_events();
        let event = perturb(&events[which % events.len()], &mut Rng(seed), rate);
        let whole = pointers_for_event(&event);
        check(&whole);
        prop_assert_eq!(pointers_for_event(&projection::EVENT.apply(&event)), whole);
    }

    #[test]
    fn shaped_responses(which in 0usize..10, seed in 1u64.., rate in 3u64..30) {
        let calls = calls();
        let (service, operation, request, response) = &calls[which % calls.len()];
        let mut rng = Rng(seed);
        let request = perturb(request, &mut rng, rate);
        let response = perturb(response, &mut rng, rate);
        let config = config();
        let whole = pointers_for_response(service, operation, &request, &response, &config);
        check(&whole);
        let p = Operation::parse(service, operation).unwrap().projection();
        let projected = pointers_for_response(service, operation, &p.request.apply(&request), &p.response.apply(&response), &config);
        prop_assert_eq!(projected, whole);
    }
}

/// Unperturbed, every template gives pointers: the generator starts from
/// input the rules accept.
#[test]
fn templates_give_pointers() {
    for event in fixture_events()
        .iter()
        .filter(|e| e.get("Records").is_some() || e.get("source").is_some())
    {
        assert!(!pointers_for_event(event).pointers.is_empty());
    }
    for (service, operation, request, response) in calls() {
        let outcome = pointers_for_response(&service, &operation, &request, &response, &config());
        assert!(
            !outcome.pointers.is_empty(),
            "{operation}: {:?}",
            outcome.issues
        );
    }
}
