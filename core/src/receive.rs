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
