//! Which AWS calls the rules read, however an SDK spells the service and
//! the operation: the writes that make a producer pointer, the reads of a
//! worker outside Lambda that make consumer pointers, and the DynamoDB
//! calls that show a table's key names (SPEC 9) without writing anything.

/// An S3 call that creates an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum S3Write {
    PutObject,
    CompleteMultipartUpload,
    CopyObject,
}

/// A DynamoDB call that writes items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DynamoDbWrite {
    PutItem,
    UpdateItem,
    DeleteItem,
    BatchWriteItem,
    TransactWriteItems,
}

/// A call whose output holds what a worker outside Lambda consumes: the
/// same notifications and changes a Lambda event would carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receive {
    /// SQS `ReceiveMessage`: message bodies, as an SQS record's `body`.
    SqsMessages,
    /// Kinesis `GetRecords`: record data, as a Kinesis record's `data`.
    KinesisRecords,
    /// DynamoDB Streams `GetRecords`: stream records, which name no table:
    /// the stream ARN comes with the request (`StreamArn`).
    StreamRecords,
    /// `GetRecords` of a caller that does not say which service answered:
    /// DynamoDB Streams records where the first record that is an object
    /// has `dynamodb`, Kinesis records otherwise. It has no spelling
    /// ([`Operation::parse`]); hosts name it by its code.
    AnyRecords,
}

/// A DynamoDB call that writes no item but shows a table's key names: in
/// the `KeySchema` of its response, or as the names of a `Key` in its
/// request (`registry.rs`). It gives no pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyNamesCall {
    CreateTable,
    DescribeTable,
    UpdateTable,
    /// Says that a table is gone, with whatever key names it had.
    DeleteTable,
    GetItem,
    BatchGetItem,
    TransactGetItems,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    S3(S3Write),
    DynamoDb(DynamoDbWrite),
    Receive(Receive),
    KeyNames(KeyNamesCall),
}

/// The services whose calls give pointers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    S3,
    DynamoDb,
    Sqs,
    Kinesis,
    DynamoDbStreams,
}

/// Every spelling SDKs and tracers use for a service, compared without
/// regard to ASCII case.
const SERVICES: [(&str, Service); 7] = [
    ("s3", Service::S3),
    ("dynamodb", Service::DynamoDb),
    ("sqs", Service::Sqs),
    ("kinesis", Service::Kinesis),
    // botocore's name, the JavaScript v3 SDK's service id, the endpoint prefix.
    ("dynamodbstreams", Service::DynamoDbStreams),
    ("dynamodb streams", Service::DynamoDbStreams),
    ("streams.dynamodb", Service::DynamoDbStreams),
];

const PUT: Operation = Operation::DynamoDb(DynamoDbWrite::PutItem);
const UPDATE: Operation = Operation::DynamoDb(DynamoDbWrite::UpdateItem);
const DELETE: Operation = Operation::DynamoDb(DynamoDbWrite::DeleteItem);
const BATCH: Operation = Operation::DynamoDb(DynamoDbWrite::BatchWriteItem);
const TRANSACT: Operation = Operation::DynamoDb(DynamoDbWrite::TransactWriteItems);
const GET: Operation = Operation::KeyNames(KeyNamesCall::GetItem);
const BATCH_GET: Operation = Operation::KeyNames(KeyNamesCall::BatchGetItem);
const TRANSACT_GET: Operation = Operation::KeyNames(KeyNamesCall::TransactGetItems);

/// Each service's calls by their API names.
const OPERATIONS: [(Service, &str, Operation); 26] = [
    (Service::S3, "PutObject", Operation::S3(S3Write::PutObject)),
    (
        Service::S3,
        "CompleteMultipartUpload",
        Operation::S3(S3Write::CompleteMultipartUpload),
    ),
    (
        Service::S3,
        "CopyObject",
        Operation::S3(S3Write::CopyObject),
    ),
    (Service::DynamoDb, "PutItem", PUT),
    (Service::DynamoDb, "UpdateItem", UPDATE),
    (Service::DynamoDb, "DeleteItem", DELETE),
    (Service::DynamoDb, "BatchWriteItem", BATCH),
    (Service::DynamoDb, "TransactWriteItems", TRANSACT),
    // The document clients' names for the same calls (JavaScript v2
    // `DocumentClient.put`, v3 `PutCommand` from `@aws-sdk/lib-dynamodb`),
    // whose plain values the key rules already read.
    (Service::DynamoDb, "Put", PUT),
    (Service::DynamoDb, "Update", UPDATE),
    (Service::DynamoDb, "Delete", DELETE),
    (Service::DynamoDb, "BatchWrite", BATCH),
    (Service::DynamoDb, "TransactWrite", TRANSACT),
    (
        Service::DynamoDb,
        "CreateTable",
        Operation::KeyNames(KeyNamesCall::CreateTable),
    ),
    (
        Service::DynamoDb,
        "DescribeTable",
        Operation::KeyNames(KeyNamesCall::DescribeTable),
    ),
    (
        Service::DynamoDb,
        "UpdateTable",
        Operation::KeyNames(KeyNamesCall::UpdateTable),
    ),
    (
        Service::DynamoDb,
        "DeleteTable",
        Operation::KeyNames(KeyNamesCall::DeleteTable),
    ),
    (Service::DynamoDb, "GetItem", GET),
    (Service::DynamoDb, "BatchGetItem", BATCH_GET),
    (Service::DynamoDb, "TransactGetItems", TRANSACT_GET),
    (Service::DynamoDb, "Get", GET),
    (Service::DynamoDb, "BatchGet", BATCH_GET),
    (Service::DynamoDb, "TransactGet", TRANSACT_GET),
    (
        Service::Sqs,
        "ReceiveMessage",
        Operation::Receive(Receive::SqsMessages),
    ),
    (
        Service::Kinesis,
        "GetRecords",
        Operation::Receive(Receive::KinesisRecords),
    ),
    (
        Service::DynamoDbStreams,
        "GetRecords",
        Operation::Receive(Receive::StreamRecords),
    ),
];

impl Operation {
    /// Every operation, each at the place of its [`code`](Operation::code).
    pub const ALL: [Operation; 19] = [
        Operation::S3(S3Write::PutObject),
        Operation::S3(S3Write::CompleteMultipartUpload),
        Operation::S3(S3Write::CopyObject),
        PUT,
        UPDATE,
        DELETE,
        BATCH,
        TRANSACT,
        Operation::Receive(Receive::SqsMessages),
        Operation::Receive(Receive::KinesisRecords),
        Operation::Receive(Receive::StreamRecords),
        Operation::KeyNames(KeyNamesCall::CreateTable),
        Operation::KeyNames(KeyNamesCall::DescribeTable),
        Operation::KeyNames(KeyNamesCall::UpdateTable),
        Operation::KeyNames(KeyNamesCall::DeleteTable),
        GET,
        BATCH_GET,
        TRANSACT_GET,
        Operation::Receive(Receive::AnyRecords),
    ];

    /// Whether the call can give a pointer; the others only teach a
    /// table's key names ([`Operation::KeyNames`]).
    pub fn gives_pointers(self) -> bool {
        !matches!(self, Operation::KeyNames(_))
    }

    /// Whether the call reads or teaches the key names of DynamoDB tables
    /// ([`KeyRegistry`](crate::KeyRegistry)): every DynamoDB call the rules
    /// read. A host that keeps several instances sends these to one, so
    /// that what one call taught serves the next.
    pub fn uses_key_names(self) -> bool {
        matches!(self, Operation::DynamoDb(_) | Operation::KeyNames(_))
    }

    /// A number for the operation, for hosts that name a call once and
    /// then send the number instead of the service and operation names.
    pub fn code(self) -> u8 {
        let at = Operation::ALL.iter().position(|o| *o == self);
        // Every operation is in ALL (the test `codes` checks it).
        at.and_then(|at| u8::try_from(at).ok()).unwrap_or(u8::MAX)
    }

    /// The operation of a [`code`](Operation::code).
    pub fn from_code(code: u8) -> Option<Operation> {
        Operation::ALL.get(usize::from(code)).copied()
    }

    /// `service` in any case (`s3`, `S3`, `dynamodb`, `DynamoDB`,
    /// `DynamoDB Streams`); `operation` as the API (`PutObject`), the
    /// JavaScript v2 SDK (`putObject`) or the v3 SDK (`PutObjectCommand`)
    /// spells it, and the DynamoDB document clients' names (`put`,
    /// `PutCommand`). Anything else is no call the rules read: `None`.
    pub fn parse(service: &str, operation: &str) -> Option<Operation> {
        let (_, service) = SERVICES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(service))?;
        let name = operation.strip_suffix("Command").unwrap_or(operation);
        let mut chars = name.chars();
        let first = chars.next()?.to_ascii_uppercase();
        let rest = chars.as_str();
        OPERATIONS
            .iter()
            .find(|(s, api_name, _)| {
                let mut c = api_name.chars();
                s == service && c.next() == Some(first) && c.as_str() == rest
            })
            .map(|(_, _, operation)| *operation)
    }
}

/// Every service name [`Operation::parse`] accepts (for "did you mean").
pub fn service_names() -> impl Iterator<Item = &'static str> {
    SERVICES.iter().map(|(name, _)| *name)
}

/// The API names of the calls of `service` that give pointers, without
/// the document clients' names; empty for a service [`Operation::parse`]
/// does not know.
pub fn operation_names(service: &str) -> impl Iterator<Item = &'static str> {
    let service = SERVICES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(service))
        .map(|(_, s)| *s);
    OPERATIONS
        .iter()
        .enumerate()
        .filter(move |(i, (s, _, operation))| {
            // The first name of an operation is its API name.
            let first = !OPERATIONS
                .get(..*i)
                .unwrap_or_default()
                .iter()
                .any(|(_, _, earlier)| earlier == operation);
            Some(*s) == service && first && operation.gives_pointers()
        })
        .map(|(_, (_, name, _))| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let put = Some(Operation::S3(S3Write::PutObject));
        assert_eq!(Operation::parse("s3", "PutObject"), put);
        assert_eq!(Operation::parse("S3", "putObject"), put);
        assert_eq!(Operation::parse("s3", "PutObjectCommand"), put);
        assert_eq!(Operation::parse("s3", "putobject"), None);
        assert_eq!(Operation::parse("s3", "GetObject"), None);
        assert_eq!(Operation::parse("s3", "Command"), None);
        assert_eq!(Operation::parse("s3", ""), None);
        assert_eq!(
            Operation::parse("DynamoDB", "transactWriteItems"),
            Some(Operation::DynamoDb(DynamoDbWrite::TransactWriteItems))
        );
        assert_eq!(Operation::parse("sqs", "PutItem"), None);
        let put_item = Some(Operation::DynamoDb(DynamoDbWrite::PutItem));
        assert_eq!(Operation::parse("dynamodb", "put"), put_item);
        assert_eq!(Operation::parse("dynamodb", "PutCommand"), put_item);
        assert_eq!(
            Operation::parse("dynamodb", "transactWrite"),
            Some(Operation::DynamoDb(DynamoDbWrite::TransactWriteItems))
        );
        assert_eq!(Operation::parse("s3", "put"), None);
        assert_eq!(
            Operation::parse("dynamodb", "get"),
            Some(Operation::KeyNames(KeyNamesCall::GetItem))
        );
        assert_eq!(
            Operation::parse("DynamoDB", "DescribeTableCommand"),
            Some(Operation::KeyNames(KeyNamesCall::DescribeTable))
        );
        assert_eq!(Operation::parse("dynamodb", "Query"), None);
        assert_eq!(Operation::parse("dynamodb", "scan"), None);
        assert_eq!(Operation::parse("s3", "GetItem"), None);
        let streams = Some(Operation::Receive(Receive::StreamRecords));
        assert_eq!(
            Operation::parse("DynamoDB Streams", "GetRecordsCommand"),
            streams
        );
        assert_eq!(Operation::parse("dynamodbstreams", "GetRecords"), streams);
        assert_eq!(
            Operation::parse("kinesis", "getRecords"),
            Some(Operation::Receive(Receive::KinesisRecords))
        );
        assert_eq!(
            Operation::parse("SQS", "ReceiveMessage"),
            Some(Operation::Receive(Receive::SqsMessages))
        );
        assert_eq!(Operation::parse("s3 ", "PutObject"), None);
        assert_eq!(Operation::parse("sqs", "SendMessage"), None);
    }

    #[test]
    fn codes() {
        for (at, operation) in Operation::ALL.iter().enumerate() {
            // A repeated operation would get the place of its first entry.
            assert_eq!(usize::from(operation.code()), at);
            assert_eq!(Operation::from_code(operation.code()), Some(*operation));
        }
        // Every spelling parse accepts names an operation of ALL.
        for (service, name, operation) in OPERATIONS {
            let (spelling, _) = SERVICES.iter().find(|(_, s)| *s == service).unwrap();
            assert_eq!(Operation::parse(spelling, name), Some(operation));
            assert!(Operation::ALL.contains(&operation), "{spelling} {name}");
        }
        assert_eq!(Operation::from_code(19), None);
        // Only its code names the GetRecords of either service.
        let any = Operation::Receive(Receive::AnyRecords);
        assert!(OPERATIONS.iter().all(|(_, _, o)| *o != any));
        assert!(any.gives_pointers() && !any.uses_key_names());
        let teaching = Operation::ALL
            .iter()
            .filter(|o| !o.gives_pointers())
            .count();
        assert_eq!(teaching, 7);
        let put_object = Operation::parse("s3", "PutObject").unwrap();
        assert!(!put_object.uses_key_names() && put_object.gives_pointers());
        let put_item = Operation::parse("dynamodb", "PutItem").unwrap();
        assert!(put_item.uses_key_names() && put_item.gives_pointers());
        let get_item = Operation::parse("dynamodb", "GetItem").unwrap();
        assert!(get_item.uses_key_names() && !get_item.gives_pointers());
        let stream = Operation::parse("dynamodbstreams", "GetRecords").unwrap();
        assert!(!stream.uses_key_names());
        assert_eq!(Operation::from_code(u8::MAX), None);
    }
}
