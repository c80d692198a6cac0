//! The report: every resolved link and every unmatched pointer, as JSON.

use crate::matching::Resolution;
use crate::model::SpanRef;
use serde::Serialize;

#[derive(Serialize)]
struct SpanJson {
    trace_id: String,
    span_id: String,
}

impl From<SpanRef> for SpanJson {
    fn from(span: SpanRef) -> Self {
        SpanJson {
            trace_id: span.trace_id.to_string(),
            span_id: span.span_id.to_string(),
        }
    }
}

#[derive(Serialize)]
struct LinkJson<'a> {
    kind: &'a str,
    hash: &'a str,
    producer: SpanJson,
    consumer: SpanJson,
}

#[derive(Serialize)]
struct UnmatchedJson<'a> {
    span: SpanJson,
    kind: &'a str,
    hash: &'a str,
    direction: &'static str,
    reason: &'static str,
}

/// The report's JSON shape, borrowed from a resolution.
#[derive(Serialize)]
pub struct Report<'a> {
    links: Vec<LinkJson<'a>>,
    unmatched: Vec<UnmatchedJson<'a>>,
}

impl<'a> Report<'a> {
    pub fn new(resolution: &'a Resolution) -> Self {
        Report {
            links: resolution
                .links
                .iter()
                .map(|l| LinkJson {
                    kind: &l.kind,
                    hash: &l.hash,
                    producer: l.producer.into(),
                    consumer: l.consumer.into(),
                })
                .collect(),
            unmatched: resolution
                .unmatched
                .iter()
                .map(|u| UnmatchedJson {
                    span: u.span.into(),
                    kind: &u.kind,
                    hash: &u.hash,
                    direction: u.direction.as_str(),
                    reason: u.reason,
                })
                .collect(),
        }
    }

    /// Only what concerns one trace: links with either side in it, and its
    /// unmatched pointers.
    pub fn for_trace(resolution: &'a Resolution, trace_id: crate::TraceId) -> Self {
        let hex = trace_id.to_string();
        let mut report = Report::new(resolution);
        report
            .links
            .retain(|l| l.producer.trace_id == hex || l.consumer.trace_id == hex);
        report.unmatched.retain(|u| u.span.trace_id == hex);
        report
    }

    pub fn to_json(&self) -> String {
        // Only strings and string-keyed structs: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
