//! What the explainer answers: plain data, the same in every host (the
//! packages return it as objects, the command prints it or writes it as
//! JSON with the `serde` feature).

use alloc::string::String;
use alloc::vec::Vec;

#[cfg(feature = "serde")]
use serde::Serialize;

/// Which side of a hop an input is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "snake_case"))]
pub enum Side {
    /// An AWS call that writes (a producer span).
    Producer,
    /// A Lambda event, or what a worker received (a consumer span).
    Consumer,
}

impl Side {
    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Producer => "producer",
            Side::Consumer => "consumer",
        }
    }
}

/// What was done to an input to get the bytes that were hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "snake_case"))]
pub enum Rule {
    /// Hashed as given.
    AsGiven,
    /// An S3 key from a notification or EventBridge event, URL-decoded
    /// (form encoding: `+` is a space, `%XX` a byte).
    UrlDecoded,
    /// One pair of double quotes removed from an ETag.
    QuotesRemoved,
    /// A DynamoDB number written as DynamoDB stores it (`1.50` -> `1.5`).
    NumberCanonical,
    /// A DynamoDB binary value given as base64 text, decoded to its bytes.
    BinaryFromBase64,
    /// A DynamoDB binary value given as bytes, hashed as they are.
    BinaryRaw,
    /// A table ARN reduced to the table's name.
    TableFromArn,
    /// The table's name, read from a stream ARN.
    TableFromStreamArn,
    /// Key attribute names from the key-name configuration, in UTF-8 byte
    /// order.
    KeyNameConfigured,
    /// Key attribute names DynamoDB itself showed in an earlier call (a
    /// `KeySchema`, a `Key` it accepted; SPEC 9), in UTF-8 byte order.
    KeyNameLearned,
    /// Key attribute names as the `Key` map or the record's `Keys` give
    /// them, in UTF-8 byte order.
    KeyNameGiven,
    /// The empty second key attribute of a table with only a partition key.
    NoSortKey,
}

impl Rule {
    pub const fn as_str(self) -> &'static str {
        match self {
            Rule::AsGiven => "as_given",
            Rule::UrlDecoded => "url_decoded",
            Rule::QuotesRemoved => "quotes_removed",
            Rule::NumberCanonical => "number_canonical",
            Rule::BinaryFromBase64 => "binary_from_base64",
            Rule::BinaryRaw => "binary_raw",
            Rule::TableFromArn => "table_from_arn",
            Rule::TableFromStreamArn => "table_from_stream_arn",
            Rule::KeyNameConfigured => "key_name_configured",
            Rule::KeyNameLearned => "key_name_learned",
            Rule::KeyNameGiven => "key_name_given",
            Rule::NoSortKey => "no_sort_key",
        }
    }

    /// For people.
    pub const fn describe(self) -> &'static str {
        match self {
            Rule::AsGiven => "as given",
            Rule::UrlDecoded => "URL-decoded",
            Rule::QuotesRemoved => "quotes removed",
            Rule::NumberCanonical => "number made canonical",
            Rule::BinaryFromBase64 => "binary decoded from base64",
            Rule::BinaryRaw => "raw bytes",
            Rule::TableFromArn => "ARN reduced to a table name",
            Rule::TableFromStreamArn => "table name from the stream ARN",
            Rule::KeyNameConfigured => "key name from the configuration",
            Rule::KeyNameLearned => "key name learned from DynamoDB",
            Rule::KeyNameGiven => "key name as given",
            Rule::NoSortKey => "no sort key",
        }
    }
}

/// One of the byte strings joined by `|` and hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Component {
    /// `bucket`, `key`, `etag`; `table`, `key_name_1`, `value_1`, `key_name_2`, `value_2`.
    pub name: &'static str,
    /// The bytes hashed: their text when they are UTF-8, else lowercase hex.
    pub value: String,
    /// Whether `value` is hex of bytes that are not UTF-8.
    pub hex: bool,
    /// The input as given, when the rule changed it (`my+file.txt`,
    /// `1.50`, a table ARN, base64 text).
    pub given: Option<String>,
    /// Where in the input it was read (`Records[0].s3.object.key`).
    pub from: String,
    pub rule: Rule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ExplainedPointer {
    pub kind: &'static str,
    pub direction: &'static str,
    pub hash: String,
    pub components: Vec<Component>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ReportIssue {
    pub code: &'static str,
    pub message: String,
}

/// Why an input gave no pointer where one may have been meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "snake_case"))]
pub enum ReasonCode {
    /// The service is none that span-autolink reads.
    ServiceUnknown,
    /// The operation is none of the service's that give pointers.
    OperationUnknown,
    /// A real operation that writes nothing (GetObject, Query).
    OperationWritesNothing,
    /// Text where an object was expected (an event passed as JSON text).
    TextNotObject,
    /// Another value where an object was expected.
    NotAnObject,
    /// The output of an SDK call given as a Lambda event.
    SdkOutputAsEvent,
    /// A record without `eventSource`, which every Lambda record has.
    RecordWithoutEventSource,
    /// A record of a source that carries no S3 object or DynamoDB item.
    RecordSourceUnrelated,
    /// An S3 or stream record of an event that makes no pointer
    /// (`ObjectRemoved:*`, a stream `eventName` other than INSERT, MODIFY, REMOVE).
    EventNameIgnored,
    /// A message body (SQS, SNS) that is no event span-autolink reads.
    MessageUnrelated,
    /// `Records` is empty.
    NoRecords,
    /// An event of a shape span-autolink does not read.
    EventUnrelated,
    /// The issues say why.
    SeeIssues,
}

impl ReasonCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ReasonCode::ServiceUnknown => "service_unknown",
            ReasonCode::OperationUnknown => "operation_unknown",
            ReasonCode::OperationWritesNothing => "operation_writes_nothing",
            ReasonCode::TextNotObject => "text_not_object",
            ReasonCode::NotAnObject => "not_an_object",
            ReasonCode::SdkOutputAsEvent => "sdk_output_as_event",
            ReasonCode::RecordWithoutEventSource => "record_without_event_source",
            ReasonCode::RecordSourceUnrelated => "record_source_unrelated",
            ReasonCode::EventNameIgnored => "event_name_ignored",
            ReasonCode::MessageUnrelated => "message_unrelated",
            ReasonCode::NoRecords => "no_records",
            ReasonCode::EventUnrelated => "event_unrelated",
            ReasonCode::SeeIssues => "see_issues",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Reason {
    pub code: ReasonCode,
    /// Where in the input (`Records[0]`), empty for the whole input.
    pub at: String,
    pub message: String,
    /// The shape the input resembles most (`an SQS record`).
    pub resembles: Option<String>,
    /// What that shape has and the input lacks (`eventSource`).
    pub missing: Vec<String>,
    /// "Did you mean": the name, or the call, that would give pointers.
    pub suggestion: Option<String>,
}

/// Where a table's key attribute names came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "snake_case"))]
pub enum KeyNameSource {
    /// An environment variable (`DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS`, ...).
    Setting,
    /// The API option (`dynamodbPrimaryKeys`, `dynamodb_primary_keys`).
    Option,
    /// Learned from what DynamoDB said in the application's earlier calls
    /// (`KeySchema`, `Key` maps; SPEC 9).
    Learned,
    /// The write's own `Key` map (UpdateItem, DeleteItem, a delete request).
    Request,
    /// The stream record's `Keys`.
    Record,
}

impl KeyNameSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyNameSource::Setting => "setting",
            KeyNameSource::Option => "option",
            KeyNameSource::Learned => "learned",
            KeyNameSource::Request => "request",
            KeyNameSource::Record => "record",
        }
    }
}

/// The key attribute names one table's pointers were made with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct KeyNames {
    pub table: String,
    pub names: Vec<String>,
    pub source: KeyNameSource,
    /// For `learned` names, what showed them: `key_schema` (a CreateTable,
    /// UpdateTable or DescribeTable response) or `key` (the `Key` of a
    /// request DynamoDB accepted).
    pub learned_from: Option<&'static str>,
    /// False when they cannot be right for the item written (an item
    /// lacks one; the other side's keys differ).
    pub fits: bool,
    pub note: String,
}

/// A Datadog library whose behaviour the explainer knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub enum Library {
    #[cfg_attr(feature = "serde", serde(rename = "dd-trace-py"))]
    DdTracePy,
    #[cfg_attr(feature = "serde", serde(rename = "dd-trace-js"))]
    DdTraceJs,
    #[cfg_attr(feature = "serde", serde(rename = "datadog-lambda-python"))]
    DatadogLambdaPython,
    #[cfg_attr(feature = "serde", serde(rename = "datadog-lambda-js"))]
    DatadogLambdaJs,
}

impl Library {
    pub const fn as_str(self) -> &'static str {
        match self {
            Library::DdTracePy => "dd-trace-py",
            Library::DdTraceJs => "dd-trace-js",
            Library::DatadogLambdaPython => "datadog-lambda-python",
            Library::DatadogLambdaJs => "datadog-lambda-js",
        }
    }
}

/// Where a Datadog library parts from SPEC on an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "snake_case"))]
pub enum DatadogRule {
    /// Hashes the URL-encoded key of a notification as it is.
    KeyNotUrlDecoded,
    /// Hashes a number as written, not as DynamoDB stores it (or one
    /// that is no number, or out of DynamoDB's range).
    NumberAsWritten,
    /// Hashes a binary value given as base64 text as that text.
    BinaryAsText,
    /// Hashes binary bytes as their UTF-8 rendering (U+FFFD for bytes
    /// that are not UTF-8).
    BinaryAsUtf8,
    /// Gives no pointer for a put whose key holds bytes.
    BinaryInItemIgnored,
    /// Hashes a table ARN whole (and looks a put's key names up by it).
    TableArnNotReduced,
    /// Hashes a table name that is no table name (empty, a foreign ARN).
    TableNameNotChecked,
    /// Reads only stream ARNs of the `aws` partition.
    StreamPartitionAwsOnly,
    /// Does not check a stream record's `eventName`.
    EventNameNotChecked,
    /// Hashes an ETag that is empty.
    EtagNotChecked,
    /// Hashes an access point given as the bucket, which no notification
    /// names.
    AccessPointAsBucket,
    /// Reads only direct S3 and stream records, not deliveries through
    /// SQS, SNS, EventBridge or Kinesis.
    WrappedDeliveryIgnored,
    /// Knows only the API's operation names, not the document clients'.
    OperationNameUnknown,
    /// Gives no consumer pointer for what a worker receives outside Lambda.
    ReceiveNotRead,
    /// Drops the whole key-name configuration for one invalid entry.
    ConfigDroppedWhole,
    /// Drops every pointer of a batch for one write it cannot hash.
    BatchDroppedWhole,
    /// Makes pointers for a call that did not succeed.
    SuccessNotChecked,
    /// Reads no plain (document client) key values.
    PlainValuesIgnored,
    /// Takes a put's key names from its configuration only, never from
    /// what DynamoDB said in earlier calls.
    KeyNamesNotLearned,
}

impl DatadogRule {
    pub const fn as_str(self) -> &'static str {
        match self {
            DatadogRule::KeyNotUrlDecoded => "key_not_url_decoded",
            DatadogRule::NumberAsWritten => "number_as_written",
            DatadogRule::BinaryAsText => "binary_as_text",
            DatadogRule::BinaryAsUtf8 => "binary_as_utf8",
            DatadogRule::BinaryInItemIgnored => "binary_in_item_ignored",
            DatadogRule::TableArnNotReduced => "table_arn_not_reduced",
            DatadogRule::TableNameNotChecked => "table_name_not_checked",
            DatadogRule::StreamPartitionAwsOnly => "stream_partition_aws_only",
            DatadogRule::EventNameNotChecked => "event_name_not_checked",
            DatadogRule::EtagNotChecked => "etag_not_checked",
            DatadogRule::AccessPointAsBucket => "access_point_as_bucket",
            DatadogRule::WrappedDeliveryIgnored => "wrapped_delivery_ignored",
            DatadogRule::OperationNameUnknown => "operation_name_unknown",
            DatadogRule::ReceiveNotRead => "receive_not_read",
            DatadogRule::ConfigDroppedWhole => "config_dropped_whole",
            DatadogRule::BatchDroppedWhole => "batch_dropped_whole",
            DatadogRule::SuccessNotChecked => "success_not_checked",
            DatadogRule::PlainValuesIgnored => "plain_values_ignored",
            DatadogRule::KeyNamesNotLearned => "key_names_not_learned",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Divergence {
    pub rule: DatadogRule,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct DatadogPointer {
    pub hash: String,
    /// The components that library joins and hashes, shown as in [`Component::value`].
    pub components: Vec<String>,
}

/// What one Datadog library would hash for the same input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct LibraryAnswer {
    pub library: Library,
    pub pointers: Vec<DatadogPointer>,
    /// Whether its hashes are span-autolink's, in the same order.
    pub agrees: bool,
    /// Where it parts from SPEC on this input.
    pub divergences: Vec<Divergence>,
}

/// The explanation of one input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Report {
    pub side: Side,
    /// What the input was taken for (`s3 PutObject`, `a Lambda event`).
    pub input: String,
    pub pointers: Vec<ExplainedPointer>,
    pub issues: Vec<ReportIssue>,
    pub reasons: Vec<Reason>,
    pub key_names: Vec<KeyNames>,
    pub datadog: Vec<LibraryAnswer>,
}

/// Where a producer pointer and a consumer pointer part.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Difference {
    /// The index of the first component that differs.
    pub component: usize,
    pub name: &'static str,
    pub producer: String,
    pub consumer: String,
    /// The rule behind the difference: a [`Rule`] without which the values
    /// would meet (`url_decoded`, ...), `key_names` when the sides hash
    /// different key attributes, `different_data` when the inputs differ.
    pub rule: &'static str,
    pub message: String,
}

/// A producer pointer next to the consumer pointer it meets or is closest to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Pair {
    /// Indexes into each report's `pointers`.
    pub producer: Option<usize>,
    pub consumer: Option<usize>,
    pub meet: bool,
    pub difference: Option<Difference>,
}

/// Whether a Datadog producer library and consumer library meet.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct DatadogHop {
    pub producer: Library,
    pub consumer: Library,
    pub meet: bool,
    pub message: String,
}

/// The explanation of a producer and a consumer side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Comparison {
    /// Whether some producer pointer and some consumer pointer meet.
    pub meet: bool,
    pub producer: Report,
    pub consumer: Report,
    pub pairs: Vec<Pair>,
    pub datadog: Vec<DatadogHop>,
    pub message: String,
}
