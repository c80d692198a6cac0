//! The linker: resolves span pointers into real Backward and Forward links.
//!
//! A producer span (an S3 upload, a DynamoDB write) carries a pointer with
//! direction `d`, the consumer span it caused carries the same pointer with
//! direction `u`, both as span links with an all-zero span context that no
//! OpenTelemetry backend can display. This crate reads spans from OTLP
//! (JSON, protobuf) and Datadog agent payloads (msgpack, JSON), pairs each
//! consumer pointer with exactly one producer (SPEC section 10), and writes
//! the traces back with real links between the two spans.
//!
//! ```
//! use span_autolink_linker::{read, Matcher, MatchOptions};
//! let batch = read(br#"{"resourceSpans": []}"#).unwrap();
//! let resolution = Matcher::new(MatchOptions::default()).resolve(&batch.spans());
//! assert!(resolution.links.is_empty());
//! ```
#![forbid(unsafe_code)]

pub use opentelemetry_proto;

mod datadog;
mod error;
mod format;
mod index;
mod live;
mod matching;
mod model;
mod otlp;
mod pointer;
mod read;
mod report;
mod write;

pub use error::{Error, ErrorCode};
pub use format::Format;
pub use index::{IndexError, IndexStats, MemoryIndex, PointerIndex};
#[cfg(feature = "redis")]
pub use index::{RedisIndex, RedisOptions};
pub use live::{LiveLimits, LivePointers};
pub use matching::{Link, MatchOptions, Matcher, Resolution, Unmatched};
pub use model::{Direction, PointerLink, Span, SpanId, SpanRef, TraceId};
pub use read::{read, read_as, request_spans, Batch};
pub use report::Report;
pub use write::{add_links, partition_by_pointers, to_json_lines, LinkMark, LINK_ATTRIBUTE};
