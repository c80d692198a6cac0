//! DynamoDB consumer spans: the item whose change triggered the Lambda,
//! from a stream record or a change delivered through Kinesis.

use super::key::key_map_pointer;
use super::table::{stream_table, table_name};
use crate::fields::{optional_str, required_object, required_str};
use crate::issue::IssueCode;
use crate::outcome::{Outcome, Path, Quoted};
use crate::pointer::Direction;
use crate::time::{unix_nanos, Unit};
use crate::trace::Note;
use crate::value::Value;
use alloc::format;

fn is_item_change(record: &Value) -> bool {
    matches!(
        optional_str(record, "eventName"),
        Some("INSERT" | "MODIFY" | "REMOVE")
    )
}

/// One record of a DynamoDB Stream event (`eventSource` `aws:dynamodb`).
pub(crate) fn stream_record(record: &Value, at: &Path<'_>, out: &mut Outcome) {
    if !is_item_change(record) {
        return;
    }
    let Some(arn) = required_str(record, "eventSourceARN", at, out) else {
        return;
    };
    stream_record_of(arn, &at.field("eventSourceARN"), record, at, out);
}

/// A stream record of the stream `arn` (named by the record itself in a
/// Lambda event, by the caller for the records `GetRecords` returns).
pub(crate) fn stream_record_of(
    arn: &str,
    arn_at: &Path<'_>,
    record: &Value,
    at: &Path<'_>,
    out: &mut Outcome,
) {
    if !is_item_change(record) {
        return;
    }
    out.note(|| Note::Table {
        given: arn.into(),
        from: format!("{arn_at}"),
        stream_arn: true,
    });
    let Some(table) = stream_table(arn) else {
        out.issue(
            IssueCode::StreamArnInvalid,
            arn_at,
            format_args!(
                "{} is not a DynamoDB stream ARN (arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)",
                Quoted(arn)
            ),
        );
        return;
    };
    // Lambda events give seconds; SDKs a date, which hosts write as text.
    let created = record
        .get("dynamodb")
        .and_then(|d| d.get("ApproximateCreationDateTime"))
        .and_then(|t| unix_nanos(t, Unit::Seconds));
    let before = out.pointers.len();
    keys(table, record, at, out);
    out.stamp_since(before, created);
}

/// The data of a Kinesis record, when it is a DynamoDB change delivered
/// through Kinesis Data Streams: `tableName`, `eventName`, `dynamodb.Keys`.
/// Anything else on the stream is unrelated. The change's own time
/// (`dynamodb.ApproximateCreationDateTime`, in milliseconds unless
/// `ApproximateCreationDateTimePrecision` says microseconds) is preferred
/// to the record's `arrival` on the stream.
pub(crate) fn kinesis_change(
    change: &Value,
    at: &Path<'_>,
    arrival: Option<u64>,
    out: &mut Outcome,
) {
    let (Some(name), Some(Value::Object(_))) =
        (optional_str(change, "tableName"), change.get("dynamodb"))
    else {
        return;
    };
    if !is_item_change(change) {
        return;
    }
    out.note(|| Note::Table {
        given: name.into(),
        from: format!("{}", at.field("tableName")),
        stream_arn: false,
    });
    let Some(table) = table_name(name) else {
        out.issue(
            IssueCode::TableNameInvalid,
            &at.field("tableName"),
            format_args!("{} is not a table name", Quoted(name)),
        );
        return;
    };
    let dynamodb = change.get("dynamodb");
    let unit = match dynamodb
        .and_then(|d| d.get("ApproximateCreationDateTimePrecision"))
        .and_then(Value::as_str)
    {
        Some("MICROSECOND") => Unit::Microseconds,
        _ => Unit::Milliseconds,
    };
    let created = dynamodb
        .and_then(|d| d.get("ApproximateCreationDateTime"))
        .and_then(|t| unix_nanos(t, unit));
    let before = out.pointers.len();
    keys(table, change, at, out);
    out.stamp_since(before, created.or(arrival));
}

fn keys(table: &str, record: &Value, at: &Path<'_>, out: &mut Outcome) {
    let dynamodb_at = at.field("dynamodb");
    let Some(keys) = required_object(record, "dynamodb", at, out)
        .and_then(|dynamodb| required_object(dynamodb, "Keys", &dynamodb_at, out))
    else {
        return;
    };
    key_map_pointer(
        table,
        keys,
        Direction::Upstream,
        &dynamodb_at.field("Keys"),
        out,
    );
}
