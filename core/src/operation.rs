//! Which AWS calls write something a pointer can name, however an SDK
//! spells the operation.

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    S3(S3Write),
    DynamoDb(DynamoDbWrite),
}

const S3_WRITES: [(&str, S3Write); 3] = [
    ("PutObject", S3Write::PutObject),
    ("CompleteMultipartUpload", S3Write::CompleteMultipartUpload),
    ("CopyObject", S3Write::CopyObject),
];

const DYNAMODB_WRITES: [(&str, DynamoDbWrite); 10] = [
    ("PutItem", DynamoDbWrite::PutItem),
    ("UpdateItem", DynamoDbWrite::UpdateItem),
    ("DeleteItem", DynamoDbWrite::DeleteItem),
    ("BatchWriteItem", DynamoDbWrite::BatchWriteItem),
    ("TransactWriteItems", DynamoDbWrite::TransactWriteItems),
    // The document clients' names for the same calls (JavaScript v2
    // `DocumentClient.put`, v3 `PutCommand` from `@aws-sdk/lib-dynamodb`),
    // whose plain values the key rules already read.
    ("Put", DynamoDbWrite::PutItem),
    ("Update", DynamoDbWrite::UpdateItem),
    ("Delete", DynamoDbWrite::DeleteItem),
    ("BatchWrite", DynamoDbWrite::BatchWriteItem),
    ("TransactWrite", DynamoDbWrite::TransactWriteItems),
];

impl Operation {
    /// Every operation, each at the place of its [`code`](Operation::code).
    pub const ALL: [Operation; 8] = [
        Operation::S3(S3Write::PutObject),
        Operation::S3(S3Write::CompleteMultipartUpload),
        Operation::S3(S3Write::CopyObject),
        Operation::DynamoDb(DynamoDbWrite::PutItem),
        Operation::DynamoDb(DynamoDbWrite::UpdateItem),
        Operation::DynamoDb(DynamoDbWrite::DeleteItem),
        Operation::DynamoDb(DynamoDbWrite::BatchWriteItem),
        Operation::DynamoDb(DynamoDbWrite::TransactWriteItems),
    ];

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

    /// `service` in any case (`s3`, `S3`, `dynamodb`, `DynamoDB`);
    /// `operation` as the API (`PutObject`), the JavaScript v2 SDK
    /// (`putObject`) or the v3 SDK (`PutObjectCommand`) spells it, and the
    /// DynamoDB document clients' names (`put`, `PutCommand`).
    /// Anything else writes nothing a pointer can name: `None`.
    pub fn parse(service: &str, operation: &str) -> Option<Operation> {
        let name = operation.strip_suffix("Command").unwrap_or(operation);
        let mut chars = name.chars();
        let first = chars.next()?.to_ascii_uppercase();
        let rest = chars.as_str();
        let is = |api_name: &str| {
            let mut c = api_name.chars();
            c.next() == Some(first) && c.as_str() == rest
        };
        if service.eq_ignore_ascii_case("s3") {
            S3_WRITES
                .iter()
                .find(|(n, _)| is(n))
                .map(|(_, w)| Operation::S3(*w))
        } else if service.eq_ignore_ascii_case("dynamodb") {
            DYNAMODB_WRITES
                .iter()
                .find(|(n, _)| is(n))
                .map(|(_, w)| Operation::DynamoDb(*w))
        } else {
            None
        }
    }
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
        assert_eq!(Operation::parse("dynamodb", "get"), None);
    }

    #[test]
    fn codes() {
        for (at, operation) in Operation::ALL.iter().enumerate() {
            // A repeated operation would get the place of its first entry.
            assert_eq!(usize::from(operation.code()), at);
            assert_eq!(Operation::from_code(operation.code()), Some(*operation));
        }
        // Every spelling parse accepts names an operation of ALL.
        for (service, names) in [
            ("s3", &S3_WRITES.map(|(n, _)| n)[..]),
            ("dynamodb", &DYNAMODB_WRITES.map(|(n, _)| n)[..]),
        ] {
            for name in names {
                let operation = Operation::parse(service, name).unwrap();
                assert!(Operation::ALL.contains(&operation), "{service} {name}");
            }
        }
        assert_eq!(Operation::from_code(8), None);
        assert_eq!(Operation::from_code(u8::MAX), None);
    }
}
