//! The span model the matcher works on, independent of the format a span
//! was read from.

use std::fmt;

/// A 16-byte trace id (Datadog's 64-bit ids take the high half from
/// `_dd.p.tid` or `trace_id_high`, zero otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SpanId(pub [u8; 8]);

impl TraceId {
    /// From Datadog's two 64-bit halves.
    pub fn from_halves(high: u64, low: u64) -> Self {
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        TraceId(bytes)
    }

    /// From an OTLP id; `None` unless it is exactly 16 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(TraceId)
    }
}

impl SpanId {
    pub fn from_u64(id: u64) -> Self {
        SpanId(id.to_be_bytes())
    }

    /// From an OTLP id; `None` unless it is exactly 8 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(SpanId)
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Which span of a span's trace: the pair the report and the links name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SpanRef {
    pub trace_id: TraceId,
    pub span_id: SpanId,
}

/// The direction of a pointer (SPEC section 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// `d`: the span wrote the object or item (producer).
    Downstream,
    /// `u`: the span was triggered by it (consumer).
    Upstream,
}

impl Direction {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "d" => Some(Direction::Downstream),
            "u" => Some(Direction::Upstream),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Downstream => "d",
            Direction::Upstream => "u",
        }
    }
}

/// One pointer a span carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PointerLink {
    pub kind: String,
    pub direction: Direction,
    pub hash: String,
    /// When the consumer's event says the object or item changed (integer
    /// Unix nanoseconds, attribute `span_autolink.change_time`).
    pub change_time: Option<u64>,
}

/// A span as the matcher sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub id: SpanRef,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    pub pointers: Vec<PointerLink>,
}
