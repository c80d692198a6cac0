//! What the rules note while the explainer traces them: each component as
//! it was given and where, next to the bytes that were hashed. The pointer
//! calls never trace, and builds without the `explain` feature compile the
//! notes out.

use crate::dynamodb::registry::KeySource;
use alloc::string::String;
use alloc::vec::Vec;

/// A key attribute value as the input gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given {
    /// Text: a string, a number's text, or base64 text of a binary value.
    Text(String),
    /// Raw bytes, as an SDK hands them over.
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// The table of the DynamoDB pointers that follow: `given` as the
    /// input wrote it (a name, a table ARN, a stream ARN), at `from`.
    Table {
        given: String,
        from: String,
        stream_arn: bool,
    },
    /// An S3 object key as the input gave it; `encoded` when it came from
    /// a notification or an EventBridge event (URL-encoded).
    ObjectKey {
        given: String,
        from: String,
        encoded: bool,
    },
    /// The bucket and the ETag of the S3 pointer that follows.
    Object {
        bucket_from: String,
        etag: String,
        etag_from: String,
    },
    /// A key attribute of the DynamoDB pointer that follows: its type
    /// (`S`, `N`, `B`), whether typed (`{"N": ...}`) or plain, as given.
    Attribute {
        name: String,
        kind: char,
        typed: bool,
        given: Given,
        from: String,
    },
    /// The key names a put on `table` used, where they came from, and the
    /// configuration's names when what DynamoDB said overrode them.
    KeyNames {
        table: String,
        names: Vec<String>,
        source: KeySource,
        overridden: Option<Vec<String>>,
    },
    /// A pointer was made from these components.
    #[cfg(feature = "explain")]
    Hashed(Vec<Vec<u8>>),
}

#[cfg(feature = "explain")]
impl Note {
    pub(crate) fn hashed(components: &[&[u8]]) -> Note {
        Note::Hashed(components.iter().map(|c| c.to_vec()).collect())
    }
}

#[cfg(feature = "explain")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Trace {
    pub notes: Vec<Note>,
}
