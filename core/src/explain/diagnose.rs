//! Why an input gave nothing: the shape it resembles most and what it
//! lacks. The pointer calls stay silent on unrelated input (most events a
//! Lambda sees are not their business); the explainer says which silent
//! case an input is.

use super::report::{ExplainedPointer, Reason, ReasonCode};
use crate::fields::optional_str;
use crate::operation::{operation_names, service_names, Operation};
use crate::outcome::{Outcome, Quoted};
use crate::value::Value;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Real operations of the services span-autolink reads that write no
/// object or item, or whose result no consumer is told about.
const WRITES_NOTHING: &[(&str, &str)] = &[
    ("s3", "GetObject"),
    ("s3", "HeadObject"),
    ("s3", "ListObjects"),
    ("s3", "ListObjectsV2"),
    ("s3", "DeleteObject"),
    ("s3", "DeleteObjects"),
    ("s3", "CreateMultipartUpload"),
    ("s3", "UploadPart"),
    ("s3", "UploadPartCopy"),
    ("s3", "AbortMultipartUpload"),
    ("s3", "CreateBucket"),
    ("s3", "HeadBucket"),
    ("s3", "ListBuckets"),
    ("s3", "PutBucketNotificationConfiguration"),
    ("dynamodb", "GetItem"),
    ("dynamodb", "BatchGetItem"),
    ("dynamodb", "Query"),
    ("dynamodb", "Scan"),
    ("dynamodb", "TransactGetItems"),
    ("dynamodb", "ExecuteStatement"),
    ("dynamodb", "BatchExecuteStatement"),
    ("dynamodb", "ExecuteTransaction"),
    ("dynamodb", "CreateTable"),
    ("dynamodb", "DescribeTable"),
    ("dynamodb", "UpdateTable"),
    ("dynamodb", "DeleteTable"),
    ("dynamodb", "ListTables"),
    ("dynamodb", "Get"),
    ("dynamodb", "Query"),
    ("dynamodb", "Scan"),
    ("sqs", "SendMessage"),
    ("sqs", "SendMessageBatch"),
    ("sqs", "DeleteMessage"),
    ("kinesis", "PutRecord"),
    ("kinesis", "PutRecords"),
];

fn reason(code: ReasonCode, at: &str, message: String) -> Reason {
    Reason {
        code,
        at: at.to_string(),
        message,
        resembles: None,
        missing: Vec::new(),
        suggestion: None,
    }
}

pub(super) fn see_issues() -> Reason {
    reason(
        ReasonCode::SeeIssues,
        "",
        String::from("the issues say why each write or record gave no pointer"),
    )
}

/// Why a call gave nothing, or would give nothing as it is written.
pub(super) fn response(
    service: &str,
    operation: &str,
    parsed: Option<Operation>,
    request: &Value,
    response: &Value,
) -> Vec<Reason> {
    let mut out = Vec::new();
    match parsed {
        None => out.push(call_name(service, operation)),
        Some(Operation::KeyNames(_)) => {
            let bare = operation.strip_suffix("Command").unwrap_or(operation);
            out.push(reason(
                ReasonCode::OperationWritesNothing,
                "operation",
                format!(
                    "{bare} makes no pointer: of the dynamodb calls only {} give pointers; it shows its tables' key names, which later puts use (SPEC 9)",
                    operation_names("dynamodb").collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        Some(_) => {}
    }
    for (what, value) in [("request", request), ("response", response)] {
        if let Some(r) = not_object(value, what) {
            out.push(r);
        }
    }
    out
}

fn call_name(service: &str, operation: &str) -> Reason {
    let known = service_names().find(|name| name.eq_ignore_ascii_case(service));
    let Some(known) = known else {
        let mut r = reason(
            ReasonCode::ServiceUnknown,
            "service",
            format!(
                "{} is not a service span-autolink knows (s3, dynamodb, sqs, kinesis, dynamodbstreams)",
                Quoted(service)
            ),
        );
        if let Some(guess) = closest(service, service_names(), normalize_service) {
            r.message = format!("{}; did you mean {}?", r.message, Quoted(guess));
            r.suggestion = Some(guess.to_string());
        }
        return r;
    };
    let bare = operation.strip_suffix("Command").unwrap_or(operation);
    if let Some((_, name)) = WRITES_NOTHING
        .iter()
        .find(|(s, name)| s.eq_ignore_ascii_case(known) && name.eq_ignore_ascii_case(bare))
    {
        let makers: Vec<&str> = operation_names(known).collect();
        return reason(
            ReasonCode::OperationWritesNothing,
            "operation",
            format!(
                "{name} makes no pointer: of the {known} calls only {} give pointers",
                makers.join(", ")
            ),
        );
    }
    let mut r = reason(
        ReasonCode::OperationUnknown,
        "operation",
        format!(
            "{} is not a {known} call that gives pointers ({})",
            Quoted(operation),
            operation_names(known).collect::<Vec<_>>().join(", ")
        ),
    );
    if let Some(guess) = closest(bare, operation_names(known), |s| s.to_ascii_lowercase()) {
        r.message = format!("{}; did you mean {}?", r.message, Quoted(guess));
        r.suggestion = Some(guess.to_string());
    }
    r
}

fn normalize_service(name: &str) -> String {
    let lower: String = name
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase();
    let lower = lower.strip_prefix("amazon").unwrap_or(&lower);
    let lower = lower.strip_prefix("aws").unwrap_or(lower);
    let lower = lower.strip_suffix("client").unwrap_or(lower);
    lower.to_string()
}

/// The candidate nearest to `given` once both are normalized: equal, or
/// within two edits.
fn closest<'c>(
    given: &str,
    candidates: impl Iterator<Item = &'c str>,
    normalize: impl Fn(&str) -> String,
) -> Option<&'c str> {
    let given = normalize(given);
    candidates
        .map(|c| (edits(&given, &normalize(c)), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, for "did you mean" on short names.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let cost = usize::from(ca != *cb);
            let value = (diagonal + cost).min(above + 1).min(left + 1);
            diagonal = above;
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = value;
            }
        }
    }
    row.last().copied().unwrap_or_default()
}

/// Text or another value where an object belongs.
fn not_object(value: &Value, what: &str) -> Option<Reason> {
    match value {
        Value::Object(_) => None,
        Value::String(text) if looks_like_json_object(text) => {
            let mut r = reason(
                ReasonCode::TextNotObject,
                what,
                format!(
                    "the {what} is a string holding JSON text, where an object was expected: parse it first (JSON.parse, json.loads)"
                ),
            );
            r.resembles = Some(format!("the {what} as JSON text"));
            Some(r)
        }
        other => Some(reason(
            ReasonCode::NotAnObject,
            what,
            format!(
                "the {what} is {}, where an object was expected",
                other.type_name()
            ),
        )),
    }
}

fn looks_like_json_object(text: &str) -> bool {
    text.trim_start().starts_with('{') && Value::from_json(text.as_bytes()).is_ok()
}

/// Why an event, or parts of it, gave nothing.
pub(super) fn event(
    event: &Value,
    pointers: &[ExplainedPointer],
    outcome: &Outcome,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if let Some(r) = not_object(event, "event") {
        let mut r = r;
        if let Value::String(text) = event {
            if let Ok(inner) = Value::from_json(text.as_bytes()) {
                let inner_pointers = crate::pointers_for_event(&inner).pointers.len();
                r.suggestion = Some(format!(
                    "parsed, the same event gives {inner_pointers} pointer(s)"
                ));
            }
        } else if let Value::Array(items) = event {
            if items.iter().any(|item| item.get("eventSource").is_some()) {
                r.message = format!(
                    "{}: a list of records, where a Lambda event is an object whose Records hold them",
                    r.message
                );
                r.suggestion = Some(String::from("{\"Records\": [...]}"));
            }
        }
        out.push(r);
        return out;
    }
    event_shape(event, "", pointers, outcome, 0, &mut out);
    out
}

/// Whether a pointer, or an issue, came from the part of the input at `at`.
fn accounted(at: &str, pointers: &[ExplainedPointer], outcome: &Outcome) -> bool {
    let under = |from: &str| from.starts_with(at) && from.get(at.len()..at.len() + 1) != Some("[");
    pointers
        .iter()
        .any(|p| p.components.iter().any(|c| under(&c.from)))
        || outcome.issues.iter().any(|i| under(&i.message))
}

fn event_shape(
    event: &Value,
    at: &str,
    pointers: &[ExplainedPointer],
    outcome: &Outcome,
    depth: usize,
    out: &mut Vec<Reason>,
) {
    let field = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    if let Some(messages) = event.get("Messages").and_then(Value::as_array) {
        if messages
            .iter()
            .any(|m| m.get("Body").is_some() || m.get("ReceiptHandle").is_some())
        {
            let mut r = reason(
                ReasonCode::SdkOutputAsEvent,
                at,
                String::from(
                    "this is the output of SQS ReceiveMessage, not a Lambda event: explain it as the call sqs ReceiveMessage (span-autolink pointers CALL.json, pointersForResponse / pointers_for_response)",
                ),
            );
            r.resembles = Some(String::from("the output of SQS ReceiveMessage"));
            r.suggestion = Some(String::from("{\"service\": \"sqs\", \"operation\": \"ReceiveMessage\", \"request\": {}, \"response\": THIS}"));
            out.push(r);
            return;
        }
    }
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        single_event(event, at, out);
        return;
    };
    if records.is_empty() {
        out.push(reason(
            ReasonCode::NoRecords,
            &field("Records"),
            String::from("Records is empty: there is nothing to point at"),
        ));
        return;
    }
    if event.get("NextShardIterator").is_some() {
        let mut r = reason(
            ReasonCode::SdkOutputAsEvent,
            at,
            String::from(
                "this is the output of a GetRecords call (Kinesis or DynamoDB Streams), not a Lambda event: explain it as that call (kinesis GetRecords, or dynamodbstreams GetRecords with StreamArn in the request)",
            ),
        );
        r.resembles = Some(String::from("the output of GetRecords"));
        out.push(r);
        return;
    }
    for (i, record) in records.iter().enumerate() {
        let record_at = format!("{}[{i}]", field("Records"));
        if accounted(&record_at, pointers, outcome) {
            continue;
        }
        record_shape(record, &record_at, pointers, outcome, depth, out);
    }
}

/// An event without `Records`: EventBridge, an SNS envelope, a single record, or unrelated.
fn single_event(event: &Value, at: &str, out: &mut Vec<Reason>) {
    if let Some(source) = optional_str(event, "source") {
        let detail = optional_str(event, "detail-type").unwrap_or_default();
        let (code, message) = if source == "aws.s3" {
            (
                ReasonCode::EventNameIgnored,
                format!(
                    "an EventBridge event from S3 of detail-type {}: only \"Object Created\" makes a pointer",
                    Quoted(detail)
                ),
            )
        } else {
            (
                ReasonCode::EventUnrelated,
                format!(
                    "an EventBridge event from {}: only S3 \"Object Created\" events make pointers",
                    Quoted(source)
                ),
            )
        };
        let mut r = reason(code, at, message);
        r.resembles = Some(String::from("an EventBridge event"));
        out.push(r);
        return;
    }
    if optional_str(event, "Type").is_some() && event.get("Message").is_some() {
        let mut r = reason(
            ReasonCode::EventUnrelated,
            at,
            format!(
                "an SNS message of Type {}: only a Notification carries an event",
                Quoted(optional_str(event, "Type").unwrap_or_default())
            ),
        );
        r.resembles = Some(String::from("an SNS envelope"));
        out.push(r);
        return;
    }
    if event.get("eventSource").is_some()
        || event.get("s3").is_some()
        || event.get("dynamodb").is_some()
    {
        let mut r = reason(
            ReasonCode::EventUnrelated,
            at,
            String::from(
                "a single record given as the event: a Lambda event holds its records in a Records list",
            ),
        );
        r.resembles = Some(String::from("one record of an event"));
        r.missing = alloc::vec![String::from("Records")];
        r.suggestion = Some(String::from("{\"Records\": [THIS]}"));
        out.push(r);
        return;
    }
    let mut r = reason(
        ReasonCode::EventUnrelated,
        at,
        String::from(
            "no Records, no EventBridge event from S3 and no SNS envelope: an event of another trigger, which makes no pointer",
        ),
    );
    if event.get("httpMethod").is_some() || event.get("requestContext").is_some() {
        r.resembles = Some(String::from("an API Gateway request"));
    }
    out.push(r);
}

/// The record shapes Lambda delivers, by the member that marks each.
const RECORD_SHAPES: &[(&str, &str, &str)] = &[
    ("s3", "an S3 notification record", "aws:s3"),
    ("dynamodb", "a DynamoDB stream record", "aws:dynamodb"),
    ("body", "an SQS record", "aws:sqs"),
    ("Sns", "an SNS record", "aws:sns"),
    ("kinesis", "a Kinesis record", "aws:kinesis"),
];

fn record_shape(
    record: &Value,
    at: &str,
    pointers: &[ExplainedPointer],
    outcome: &Outcome,
    depth: usize,
    out: &mut Vec<Reason>,
) {
    let source =
        optional_str(record, "eventSource").or_else(|| optional_str(record, "EventSource"));
    let Some(source) = source else {
        if record.get("Body").is_some() && record.get("ReceiptHandle").is_some() {
            let mut r = reason(
                ReasonCode::SdkOutputAsEvent,
                at,
                String::from("an SQS message as ReceiveMessage returns it (Body, ReceiptHandle), not a Lambda record: explain the ReceiveMessage call"),
            );
            r.resembles = Some(String::from("an SQS message from ReceiveMessage"));
            out.push(r);
            return;
        }
        let shape = RECORD_SHAPES
            .iter()
            .find(|(member, _, _)| record.get(member).is_some());
        let mut r = reason(
            ReasonCode::RecordWithoutEventSource,
            at,
            match shape {
                Some((_, what, source)) => format!(
                    "{what} without eventSource: Lambda always sets it ({}), and span-autolink reads a record by it",
                    Quoted(source)
                ),
                None => String::from("a record without eventSource, of no shape span-autolink reads"),
            },
        );
        if let Some((_, what, source)) = shape {
            r.resembles = Some(what.to_string());
            r.suggestion = Some(format!("\"eventSource\": \"{source}\""));
        }
        r.missing = alloc::vec![String::from("eventSource")];
        out.push(r);
        return;
    };
    let event_name = optional_str(record, "eventName");
    match source {
        "aws:s3" => {
            let mut r = reason(
                ReasonCode::EventNameIgnored,
                at,
                match event_name {
                    Some(name) => format!(
                        "an S3 record of {}: only ObjectCreated:* records make a pointer (a removal writes no object)",
                        Quoted(name)
                    ),
                    None => String::from("an S3 record without eventName: only ObjectCreated:* records make a pointer"),
                },
            );
            if event_name.is_none() {
                r.missing = alloc::vec![String::from("eventName")];
            }
            r.resembles = Some(String::from("an S3 notification record"));
            out.push(r);
        }
        "aws:dynamodb" => {
            let mut r = reason(
                ReasonCode::EventNameIgnored,
                at,
                format!(
                    "a stream record of eventName {}: only INSERT, MODIFY and REMOVE make a pointer",
                    Quoted(event_name.unwrap_or_default())
                ),
            );
            r.resembles = Some(String::from("a DynamoDB stream record"));
            out.push(r);
        }
        "aws:sqs" | "aws:sns" => {
            let (carrier, field, carrier_at) = if source == "aws:sqs" {
                (Some(record), "body", format!("{at}.body"))
            } else {
                (record.get("Sns"), "Message", format!("{at}.Sns.Message"))
            };
            message_shape(
                carrier.and_then(|c| optional_str(c, field)),
                &carrier_at,
                pointers,
                outcome,
                depth,
                out,
            );
        }
        "aws:kinesis" => {
            let mut r = reason(
                ReasonCode::MessageUnrelated,
                &format!("{at}.kinesis.data"),
                String::from("the Kinesis record's data is not a DynamoDB change (base64 of JSON with tableName, eventName and dynamodb.Keys): some other application's record"),
            );
            r.resembles = Some(String::from("a Kinesis record"));
            out.push(r);
        }
        other => {
            let mut r = reason(
                ReasonCode::RecordSourceUnrelated,
                at,
                format!(
                    "a record from {}, which carries no S3 object or DynamoDB item",
                    Quoted(other)
                ),
            );
            r.resembles = Some(format!("a record from {other}"));
            out.push(r);
        }
    }
}

fn message_shape(
    text: Option<&str>,
    at: &str,
    pointers: &[ExplainedPointer],
    outcome: &Outcome,
    depth: usize,
    out: &mut Vec<Reason>,
) {
    let Some(text) = text else {
        let mut r = reason(
            ReasonCode::MessageUnrelated,
            at,
            String::from("the message has no text body"),
        );
        r.missing = alloc::vec![at.rsplit('.').next().unwrap_or_default().to_string()];
        out.push(r);
        return;
    };
    let parsed = Value::from_json(text.as_bytes());
    match parsed {
        Ok(inner @ Value::Object(_)) => {
            if optional_str(&inner, "Event") == Some("s3:TestEvent") {
                out.push(reason(
                    ReasonCode::MessageUnrelated,
                    at,
                    String::from("an s3:TestEvent, which S3 sends once when a notification is set up: no object was created"),
                ));
            } else if depth < 3 {
                let before = out.len();
                event_shape(&inner, at, pointers, outcome, depth + 1, out);
                if out.len() == before {
                    out.push(reason(
                        ReasonCode::MessageUnrelated,
                        at,
                        String::from("the message is JSON but holds no S3 notification, SNS envelope or EventBridge event"),
                    ));
                }
            }
        }
        _ => out.push(reason(
            ReasonCode::MessageUnrelated,
            at,
            format!(
                "the message {} is not a JSON object: some other application's message",
                Quoted(text)
            ),
        )),
    }
}

/// The table name a key-name issue's message quotes.
pub(super) fn quoted_table(message: &str) -> String {
    let after = message
        .find("table \"")
        .and_then(|at| message.get(at + 7..))
        .unwrap_or_default();
    after.split('"').next().unwrap_or_default().to_string()
}

/// The attribute names of the items a request puts into `table`.
pub(super) fn item_attribute_names(request: &Value, table: &str) -> Vec<String> {
    let mut items: Vec<&Value> = Vec::new();
    let is_table =
        |name: Option<&str>| name.and_then(crate::dynamodb::table::table_name) == Some(table);
    if is_table(optional_str(request, "TableName")) {
        items.extend(request.get("Item"));
    }
    for (name, writes) in request
        .get("RequestItems")
        .and_then(Value::members)
        .unwrap_or_default()
    {
        if is_table(Some(name)) {
            for write in writes.as_array().unwrap_or_default() {
                items.extend(write.get("PutRequest").and_then(|p| p.get("Item")));
            }
        }
    }
    for item in request
        .get("TransactItems")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        if let Some(put) = item.get("Put") {
            if is_table(optional_str(put, "TableName")) {
                items.extend(put.get("Item"));
            }
        }
    }
    let mut names: Vec<String> = Vec::new();
    for item in items {
        for (name, _) in item.distinct_members() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Attribute names people give sort keys.
pub(super) fn looks_like_sort_key(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "sk" | "sortkey" | "sort_key" | "rangekey" | "range_key" | "range" | "sort"
    ) || lower.ends_with("_sk")
        || lower.ends_with("sortkey")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(edits("putobjekt", "putobject"), 1);
        assert_eq!(edits("", "abc"), 3);
        assert_eq!(edits("abc", "abc"), 0);
        assert_eq!(normalize_service("AmazonS3"), "s3");
        assert_eq!(normalize_service("s3 "), "s3");
        assert_eq!(normalize_service("AWS.DynamoDB"), "dynamodb");
    }
}
