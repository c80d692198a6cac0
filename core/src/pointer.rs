//! A span pointer and the span link that carries it (SPEC section 2).

use crate::hash::PointerHash;
use core::fmt;

/// What the pointer points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PointerKind {
    S3Object,
    DynamoDbItem,
}

impl PointerKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PointerKind::S3Object => "aws.s3.object",
            PointerKind::DynamoDbItem => "aws.dynamodb.item",
        }
    }
}

/// Which side of the hop the span is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The span wrote the object or item (producer).
    Downstream,
    /// The span was triggered by it (consumer).
    Upstream,
}

impl Direction {
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Downstream => "d",
            Direction::Upstream => "u",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pointer {
    pub kind: PointerKind,
    pub direction: Direction,
    pub hash: PointerHash,
    /// When the object or item changed, in Unix nanoseconds, where a
    /// consumer's event says (S3 `eventTime`, DynamoDB
    /// `ApproximateCreationDateTime`, Kinesis `approximateArrivalTimestamp`):
    /// a linker pairs each change with the write that made it.
    pub change_time: Option<u64>,
}

/// The value of the `link.kind` attribute on every span pointer link.
pub const LINK_KIND: &str = "span-pointer";

/// The extra link attribute (SPEC section 2 allows extra ones) that
/// carries [`Pointer::change_time`], as integer Unix nanoseconds.
pub const CHANGE_TIME_ATTRIBUTE: &str = "span_autolink.change_time";

impl Pointer {
    /// The four attributes of the span link (trace id and span id 0) that
    /// carries this pointer, in the order SPEC lists them.
    pub fn span_link_attributes(&self) -> [(&'static str, &str); 4] {
        [
            ("link.kind", LINK_KIND),
            ("ptr.kind", self.kind.as_str()),
            ("ptr.dir", self.direction.as_str()),
            ("ptr.hash", self.hash.as_str()),
        ]
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.kind.as_str(),
            self.direction.as_str(),
            self.hash
        )
    }
}
