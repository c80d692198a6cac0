//! Lambda events: recognising what triggered the function, and unwrapping
//! the deliveries that carry an S3 notification or a DynamoDB change
//! (SPEC section 4b). Anything unrelated gives nothing, silently: most
//! events a Lambda sees are not pointers' business.

use crate::dynamodb::consumer::{kinesis_change, stream_record};
use crate::fields::optional_str;
use crate::outcome::{Outcome, Path};
use crate::s3::consumer::{eventbridge_event, notification_record};
use crate::time::{unix_nanos, Unit};
use crate::value::Value;

/// Real deliveries wrap at most twice (S3 -> SNS -> SQS); one more level
/// of slack, and no message can make the work grow without bound.
const MAX_WRAPPING: usize = 3;

pub(crate) fn event_pointers(event: &Value, out: &mut Outcome) {
    event_at(event, &Path::Root, 0, out);
}

fn event_at(event: &Value, at: &Path<'_>, wrapping: usize, out: &mut Outcome) {
    if let Some(records) = event.get("Records").and_then(Value::as_array) {
        let records_at = at.field("Records");
        for (i, record) in records.iter().enumerate() {
            record_at(record, &records_at.index(i), wrapping, out);
        }
    } else if optional_str(event, "source") == Some("aws.s3")
        && optional_str(event, "detail-type") == Some("Object Created")
    {
        eventbridge_event(event, at, out);
    } else if optional_str(event, "Type") == Some("Notification") {
        // An SNS envelope, as SQS receives it from an SNS subscription
        // without raw message delivery.
        message(event, "Message", at, wrapping, out);
    }
}

fn record_at(record: &Value, at: &Path<'_>, wrapping: usize, out: &mut Outcome) {
    let source =
        optional_str(record, "eventSource").or_else(|| optional_str(record, "EventSource"));
    match source {
        Some("aws:s3") => notification_record(record, at, out),
        Some("aws:dynamodb") => stream_record(record, at, out),
        Some("aws:sqs") => message(record, "body", at, wrapping, out),
        Some("aws:sns") => {
            if let Some(sns) = record.get("Sns") {
                message(sns, "Message", &at.field("Sns"), wrapping, out);
            }
        }
        Some("aws:kinesis") => {
            if let Some(kinesis) = record.get("kinesis") {
                let arrival = kinesis
                    .get("approximateArrivalTimestamp")
                    .and_then(|t| unix_nanos(t, Unit::Seconds));
                let kinesis_at = at.field("kinesis");
                kinesis_data(kinesis, "data", &kinesis_at, arrival, out);
            }
        }
        _ => {}
    }
}

/// The data of a Kinesis record (base64 text, or bytes as an SDK returns
/// them), when it is a DynamoDB change delivered through Kinesis Data
/// Streams; `arrival` is when the record reached the stream.
pub(crate) fn kinesis_data(
    record: &Value,
    field: &str,
    at: &Path<'_>,
    arrival: Option<u64>,
    out: &mut Outcome,
) {
    let decoded;
    let bytes = match record.get(field) {
        Some(Value::Bytes(bytes)) => bytes.as_slice(),
        Some(Value::String(text)) => match crate::base64::decode(text) {
            Some(bytes) => {
                decoded = bytes;
                decoded.as_slice()
            }
            None => return,
        },
        _ => return,
    };
    if let Ok(change) = Value::from_json(bytes) {
        kinesis_change(&change, &at.field(field), arrival, out);
    }
}

/// A message body that may itself be an event: JSON text of an S3
/// notification, an SNS envelope or an EventBridge event. A body that is
/// not JSON is some other application's message.
pub(crate) fn message(
    carrier: &Value,
    field: &str,
    at: &Path<'_>,
    wrapping: usize,
    out: &mut Outcome,
) {
    if wrapping >= MAX_WRAPPING {
        return;
    }
    let Some(text) = optional_str(carrier, field) else {
        return;
    };
    // Cheap refusal of the common case: plain-text or non-object messages.
    if !text.trim_start().starts_with('{') {
        return;
    }
    if let Ok(inner) = Value::from_json(text.as_bytes()) {
        event_at(&inner, &at.field(field), wrapping + 1, out);
    }
}
