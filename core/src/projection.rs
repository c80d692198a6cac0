//! Which parts of an input the rules read.
//!
//! Hosts hand over SDK objects that hold far more than the rules need (an
//! S3 `Body` stream, megabytes of item images). A host walks its objects
//! along a [`Projection`] and serializes only what it names, so nothing
//! else is ever read, copied or encoded. The projection is stated here,
//! beside the rules, and `tests/properties.rs` checks that the rules give
//! the same outcome on a projected input as on the whole one.

use crate::operation::{DynamoDbWrite, KeyNamesCall, Operation, Receive, S3Write};
use crate::value::Value;
use alloc::borrow::Cow;
use alloc::string::String;

#[derive(Debug, PartialEq, Eq)]
pub enum Projection {
    /// The whole value.
    All,
    /// Of an object, only these members (projected in turn); any other
    /// value is kept whole, so that the rules still see its type.
    Fields(&'static [(&'static str, Projection)]),
    /// Of a list, every element projected; any other value is kept whole.
    Each(&'static Projection),
}

use Projection::{All, Each, Fields};

/// What a call's request and response must carry.
#[derive(Debug, PartialEq, Eq)]
pub struct ResponseProjection {
    pub request: &'static Projection,
    pub response: &'static Projection,
}

const NOTHING: Projection = Fields(&[]);

// What says whether a call succeeded (`success.rs`), in every response:
// botocore's error shape and status, the JavaScript v2 SDK's `error`, the
// v3 SDK's status. Of an error only its presence matters.
const ERROR: (&str, Projection) = ("Error", NOTHING);
const V2_ERROR: (&str, Projection) = ("error", NOTHING);
const STATUS: (&str, Projection) = ("ResponseMetadata", Fields(&[("HTTPStatusCode", All)]));
const V3_STATUS: (&str, Projection) = ("$metadata", Fields(&[("httpStatusCode", All)]));

const S3_OBJECT: Projection = Fields(&[("Bucket", All), ("Key", All)]);
const ETAG: Projection = Fields(&[
    ("ETag", All),
    ("data", Fields(&[("ETag", All)])),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);
const COPY_RESULT: Projection = Fields(&[
    ("CopyObjectResult", Fields(&[("ETag", All)])),
    (
        "data",
        Fields(&[("CopyObjectResult", Fields(&[("ETag", All)]))]),
    ),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);
/// A response of which the rules read nothing but whether it succeeded.
const SUCCESS: Projection = Fields(&[ERROR, V2_ERROR, STATUS, V3_STATUS]);

const PUT: Projection = Fields(&[("TableName", All), ("Item", All)]);
const KEYED: Projection = Fields(&[("TableName", All), ("Key", All)]);
const BATCH: Projection = Fields(&[("RequestItems", All)]);
const UNPROCESSED: Projection = Fields(&[
    ("UnprocessedItems", All),
    ("data", Fields(&[("UnprocessedItems", All)])),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);
const TRANSACT: Projection = Fields(&[(
    "TransactItems",
    Each(&Fields(&[
        ("Put", PUT),
        ("Update", KEYED),
        ("Delete", KEYED),
        // It writes nothing; its `Key` shows the table's key names.
        ("ConditionCheck", KEYED),
    ])),
)]);

// The calls that show a table's key names (SPEC 9): `KeySchema` in a
// table description, or the names of a request's `Key`.
const KEY_SCHEMA: Projection = Each(&Fields(&[("AttributeName", All), ("KeyType", All)]));
const TABLE: Projection = Fields(&[("TableName", All), ("KeySchema", KEY_SCHEMA)]);
const TABLE_DESCRIPTION: Projection = Fields(&[
    ("TableDescription", TABLE),
    ("data", Fields(&[("TableDescription", TABLE)])),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);
const DESCRIBED_TABLE: Projection = Fields(&[
    ("Table", TABLE),
    ("data", Fields(&[("Table", TABLE)])),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);
// `RequestItems` maps table names to `{Keys, ...}`: names no projection can list.
const BATCH_GET: Projection = Fields(&[("RequestItems", All)]);
const TRANSACT_GET: Projection = Fields(&[("TransactItems", Each(&Fields(&[("Get", KEYED)])))]);

const SQS_MESSAGES: Projection = Each(&Fields(&[("Body", All)]));
const RECEIVED_MESSAGES: Projection = Fields(&[
    ("Messages", SQS_MESSAGES),
    ("data", Fields(&[("Messages", SQS_MESSAGES)])),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);
const KINESIS_RECORDS: Projection = Each(&Fields(&[
    ("Data", All),
    ("ApproximateArrivalTimestamp", All),
]));
const RECEIVED_KINESIS_RECORDS: Projection = Fields(&[
    ("Records", KINESIS_RECORDS),
    ("data", Fields(&[("Records", KINESIS_RECORDS)])),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);
const STREAM_ARN: Projection = Fields(&[("StreamArn", All)]);
const STREAM_RECORDS: Projection = Each(&Fields(&[
    ("eventName", All),
    (
        "dynamodb",
        Fields(&[("Keys", All), ("ApproximateCreationDateTime", All)]),
    ),
]));
const RECEIVED_STREAM_RECORDS: Projection = Fields(&[
    ("Records", STREAM_RECORDS),
    ("data", Fields(&[("Records", STREAM_RECORDS)])),
    ERROR,
    V2_ERROR,
    STATUS,
    V3_STATUS,
]);

const S3_OBJECT_FIELDS: Projection = Fields(&[
    ("bucket", Fields(&[("name", All)])),
    (
        "object",
        Fields(&[("key", All), ("eTag", All), ("etag", All)]),
    ),
]);

/// Every field the event rules read, at every level of wrapping that is
/// still an object (wrapped messages are text and travel whole).
pub const EVENT: Projection = Fields(&[
    (
        "Records",
        Each(&Fields(&[
            ("eventSource", All),
            ("EventSource", All),
            ("eventName", All),
            ("eventSourceARN", All),
            ("eventTime", All),
            ("s3", S3_OBJECT_FIELDS),
            (
                "dynamodb",
                Fields(&[("Keys", All), ("ApproximateCreationDateTime", All)]),
            ),
            ("body", All),
            ("Sns", Fields(&[("Message", All)])),
            (
                "kinesis",
                Fields(&[("data", All), ("approximateArrivalTimestamp", All)]),
            ),
        ])),
    ),
    ("source", All),
    ("time", All),
    ("detail-type", All),
    ("detail", S3_OBJECT_FIELDS),
    ("Type", All),
    ("Message", All),
]);

impl Operation {
    /// What the rules read of this call's request and response.
    pub fn projection(self) -> ResponseProjection {
        let (request, response) = match self {
            Operation::S3(S3Write::PutObject | S3Write::CompleteMultipartUpload) => {
                (&S3_OBJECT, &ETAG)
            }
            Operation::S3(S3Write::CopyObject) => (&S3_OBJECT, &COPY_RESULT),
            Operation::DynamoDb(DynamoDbWrite::PutItem) => (&PUT, &SUCCESS),
            Operation::DynamoDb(DynamoDbWrite::UpdateItem | DynamoDbWrite::DeleteItem) => {
                (&KEYED, &SUCCESS)
            }
            Operation::DynamoDb(DynamoDbWrite::BatchWriteItem) => (&BATCH, &UNPROCESSED),
            Operation::DynamoDb(DynamoDbWrite::TransactWriteItems) => (&TRANSACT, &SUCCESS),
            Operation::Receive(Receive::SqsMessages) => (&NOTHING, &RECEIVED_MESSAGES),
            Operation::Receive(Receive::KinesisRecords) => (&NOTHING, &RECEIVED_KINESIS_RECORDS),
            Operation::Receive(Receive::StreamRecords) => (&STREAM_ARN, &RECEIVED_STREAM_RECORDS),
            Operation::KeyNames(
                KeyNamesCall::CreateTable | KeyNamesCall::UpdateTable | KeyNamesCall::DeleteTable,
            ) => (&NOTHING, &TABLE_DESCRIPTION),
            Operation::KeyNames(KeyNamesCall::DescribeTable) => (&NOTHING, &DESCRIBED_TABLE),
            Operation::KeyNames(KeyNamesCall::GetItem) => (&KEYED, &SUCCESS),
            Operation::KeyNames(KeyNamesCall::BatchGetItem) => (&BATCH_GET, &SUCCESS),
            Operation::KeyNames(KeyNamesCall::TransactGetItems) => (&TRANSACT_GET, &SUCCESS),
        };
        ResponseProjection { request, response }
    }
}

impl Projection {
    /// The value with only what this projection names.
    pub fn apply<'a>(&self, value: &Value<'a>) -> Value<'a> {
        match (self, value) {
            (Fields(fields), Value::Object(_)) => {
                let kept = value
                    .distinct_members()
                    .filter_map(|(name, v)| {
                        let (_, inner) = fields.iter().find(|(f, _)| *f == name)?;
                        Some((Cow::Owned(String::from(name)), inner.apply(v)))
                    })
                    .collect();
                Value::Object(kept)
            }
            (Each(inner), Value::Array(items)) => {
                Value::Array(items.iter().map(|v| inner.apply(v)).collect())
            }
            _ => value.clone(),
        }
    }

    /// The projection as JSON for hosts: `true` for the whole value, an
    /// object of member projections, or a one-element list for "each
    /// element".
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            All => out.push_str("true"),
            Each(inner) => {
                out.push('[');
                inner.write_json(out);
                out.push(']');
            }
            Fields(fields) => {
                out.push('{');
                let mut first = true;
                for (name, inner) in fields.iter() {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    // Member names here are plain ASCII without quotes or escapes.
                    out.push('"');
                    out.push_str(name);
                    out.push_str("\":");
                    inner.write_json(out);
                }
                out.push('}');
            }
        }
    }
}
