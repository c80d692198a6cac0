//! Consumers outside Lambda: a worker that polls SQS or reads a stream
//! gets the same pointers from what the SDK returns as a Lambda would from
//! its event, record by record.

use crate::dynamodb::consumer::stream_record_of;
use crate::event::{kinesis_data, message};
use crate::fields::{required_str, sdk_output};
use crate::operation::Receive;
use crate::outcome::{Outcome, Path};
use crate::time::{unix_nanos, Unit};
use crate::value::Value;

pub(crate) fn response_pointers(
    receive: Receive,
    request: &Value,
    response: &Value,
    out: &mut Outcome,
) {
    let root = Path::Root;
    let response_at = root.field("response");
    match receive {
        Receive::SqsMessages => {
            let messages_at = response_at.field("Messages");
            for (i, m) in records(response, "Messages").iter().enumerate() {
                message(m, "Body", &messages_at.index(i), 0, out);
            }
        }
        Receive::KinesisRecords => {
            let records_at = response_at.field("Records");
            for (i, record) in records(response, "Records").iter().enumerate() {
                let arrival = record
                    .get("ApproximateArrivalTimestamp")
                    .and_then(|t| unix_nanos(t, Unit::Seconds));
                kinesis_data(record, "Data", &records_at.index(i), arrival, out);
            }
        }
        Receive::AnyRecords => {
            let first = records(response, "Records")
                .iter()
                .find(|r| matches!(r, Value::Object(_)));
            // Absent and null are the same to every rule (a projected
            // input cannot tell them apart).
            let streams = first
                .and_then(|r| r.get("dynamodb"))
                .is_some_and(|d| !d.is_null());
            let named = if streams {
                Receive::StreamRecords
            } else {
                Receive::KinesisRecords
            };
            response_pointers(named, request, response, out);
        }
        Receive::StreamRecords => {
            let records = records(response, "Records");
            if records.is_empty() {
                return;
            }
            let request_at = root.field("request");
            // GetRecords names only a shard iterator; the caller says
            // which stream it reads.
            let Some(arn) = required_str(request, "StreamArn", &request_at, out) else {
                return;
            };
            let arn_at = request_at.field("StreamArn");
            let records_at = response_at.field("Records");
            for (i, record) in records.iter().enumerate() {
                stream_record_of(arn, &arn_at, record, &records_at.index(i), out);
            }
        }
    }
}

/// The list `field` of an SDK's output, or nothing.
fn records<'v>(response: &'v Value<'v>, field: &str) -> &'v [Value<'v>] {
    sdk_output(response, field)
        .get(field)
        .and_then(Value::as_array)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{pointers_for_operation, Config, Operation};
    use alloc::format;

    fn outcome(receive: Receive, request: &str, response: &str) -> Outcome {
        let request = Value::from_host_json(request.as_bytes()).unwrap();
        let response = Value::from_host_json(response.as_bytes()).unwrap();
        pointers_for_operation(
            Operation::Receive(receive),
            &request,
            &response,
            &Config::new(),
        )
    }

    const ARN: &str = r#"{"StreamArn": "arn:aws:dynamodb:us-east-1:1:table/orders/stream/x"}"#;
    const STREAM_RECORD: &str = r#"{"eventName": "INSERT", "dynamodb": {"Keys": {"id": {"S": "a"}}, "ApproximateCreationDateTime": 1}}"#;
    // A Kinesis record whose data is a DynamoDB change of the table `users`.
    const KINESIS_RECORD: &str = r#"{"Data": "eyJ0YWJsZU5hbWUiOiJ1c2VycyIsImV2ZW50TmFtZSI6IklOU0VSVCIsImR5bmFtb2RiIjp7IktleXMiOnsiaWQiOnsiUyI6IngifX19fQ==", "ApproximateArrivalTimestamp": 2}"#;

    /// Which service answered a GetRecords is told by its first record
    /// that is an object: `dynamodb` there makes them stream records.
    #[test]
    fn any_records_are_told_apart_by_the_first_object_record() {
        let cases = [
            (
                format!(r#"{{"Records": [{STREAM_RECORD}]}}"#),
                Receive::StreamRecords,
            ),
            (
                format!(r#"{{"Records": [{KINESIS_RECORD}]}}"#),
                Receive::KinesisRecords,
            ),
            // Items that are not objects do not count.
            (
                format!(r#"{{"Records": [7, [], {STREAM_RECORD}]}}"#),
                Receive::StreamRecords,
            ),
            // Only the first object record counts.
            (
                format!(r#"{{"Records": [{KINESIS_RECORD}, {STREAM_RECORD}]}}"#),
                Receive::KinesisRecords,
            ),
            // The JavaScript v2 SDK's response holds the output under `data`.
            (
                format!(r#"{{"data": {{"Records": [{STREAM_RECORD}]}}}}"#),
                Receive::StreamRecords,
            ),
            // Null is absent.
            (
                r#"{"Records": [{"dynamodb": null, "Data": "AA=="}]}"#.into(),
                Receive::KinesisRecords,
            ),
            (r#"{"Records": []}"#.into(), Receive::KinesisRecords),
        ];
        for (response, named) in cases {
            let any = outcome(Receive::AnyRecords, ARN, &response);
            assert_eq!(any, outcome(named, ARN, &response), "{response}");
        }
        // Each service's records give a pointer of their own (so that the
        // comparisons above compare something).
        let stream = format!(r#"{{"Records": [{STREAM_RECORD}]}}"#);
        let kinesis = format!(r#"{{"Records": [{KINESIS_RECORD}]}}"#);
        assert_eq!(outcome(Receive::AnyRecords, ARN, &stream).pointers.len(), 1);
        assert_eq!(
            outcome(Receive::AnyRecords, "{}", &kinesis).pointers.len(),
            1
        );
        assert_ne!(
            outcome(Receive::AnyRecords, ARN, &stream),
            outcome(Receive::KinesisRecords, ARN, &stream)
        );
    }
}
