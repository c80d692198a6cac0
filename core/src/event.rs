//! Lambda events: recognising what triggered the function, and unwrapping
//! the deliveries that carry an S3 notification or a DynamoDB change
//! (SPEC section 4b). Anything unrelated gives nothing, silently: most
//! events a Lambda sees are not pointers' business.

use crate::dynamodb::consumer::{kinesis_change, stream_record};
use crate::fields::optional_str;
use crate::outcome::{Outcome, Path};
use crate::s3::consumer::{eventbridge_event, notification_record};
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
            let data = record
                .get("kinesis")
                .and_then(|k| optional_str(k, "data"))
                .and_then(crate::base64::decode);
            if let Some(change) = data
                .as_deref()
                .and_then(|bytes| Value::from_json(bytes).ok())
            {
                let kinesis_at = at.field("kinesis");
                kinesis_change(&change, &kinesis_at.field("data"), out);
            }
        }
        _ => {}
    }
}

/// A message body that may itself be an event: JSON text of an S3
/// notification, an SNS envelope or an EventBridge event. A body that is
/// not JSON is some other application's message.
fn message(carrier: &Value, field: &str, at: &Path<'_>, wrapping: usize, out: &mut Outcome) {
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
