#![allow(dead_code)] // each fuzz target uses one of the two entry points

// The fuzzed entry points, shared by the fuzz targets and by the corpus
// replay in core/tests/fuzz_corpus.rs, so both exercise the same code.
//
// Beyond "no panic, no hang": every hash is well formed, and the rules give
// the same outcome on the projection of an input as on the whole input
// (what hosts rely on when they serialize only the projection).

use span_autolink::{
    pointers_for_event, pointers_for_response, projection, Config, Operation, Outcome, Value,
};

const OPERATIONS: [(&str, &str); 12] = [
    ("s3", "PutObject"),
    ("s3", "CompleteMultipartUpload"),
    ("s3", "CopyObject"),
    ("dynamodb", "PutItem"),
    ("dynamodb", "UpdateItem"),
    ("dynamodb", "DeleteItem"),
    ("dynamodb", "BatchWriteItem"),
    ("dynamodb", "TransactWriteItems"),
    ("sqs", "ReceiveMessage"),
    ("kinesis", "GetRecords"),
    ("dynamodbstreams", "GetRecords"),
    ("sqs", "SendMessage"),
];

fn well_formed(outcome: &Outcome) {
    for p in &outcome.pointers {
        assert!(
            p.hash.as_str().len() == 32 && p.hash.as_str().bytes().all(|b| b.is_ascii_hexdigit())
        );
    }
}

/// JSON text of a Lambda event.
pub fn event(data: &[u8]) {
    let Ok(event) = Value::from_json(data) else {
        return;
    };
    let whole = pointers_for_event(&event);
    well_formed(&whole);
    assert_eq!(pointers_for_event(&projection::EVENT.apply(&event)), whole);
}

/// One byte choosing the operation, then JSON text of
/// `{"request": ..., "response": ..., "config": ...}`.
pub fn response(data: &[u8]) {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    let Ok(call) = Value::from_host_json(json) else {
        return;
    };
    let (service, operation) = OPERATIONS[usize::from(which) % OPERATIONS.len()];
    let null = Value::Null;
    let config = Config::from_value(call.get("config").unwrap_or(&null));
    let request = call.get("request").unwrap_or(&null);
    let response = call.get("response").unwrap_or(&null);
    let whole = pointers_for_response(service, operation, request, response, &config);
    well_formed(&whole);
    if let Some(op) = Operation::parse(service, operation) {
        let p = op.projection();
        let projected = pointers_for_response(
            service,
            operation,
            &p.request.apply(request),
            &p.response.apply(response),
            &config,
        );
        assert_eq!(projected, whole);
    } else {
        assert_eq!(whole, Outcome::new());
    }
}
