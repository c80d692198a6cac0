//! Adding resolved links to the traces as real span links.

use crate::datadog::string_attribute;
use crate::matching::Resolution;
use crate::model::{SpanId, SpanRef, TraceId};
use crate::pointer::{pointer_of, PTR_HASH, PTR_KIND};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::span::Link;
use std::collections::HashMap;

/// The attribute that tells which way a resolved link points.
pub const LINK_ATTRIBUTE: &str = "span_autolink.link";

/// Which way a resolved link points, from the span that carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkMark {
    /// On the producer: the linked span was caused by this trace.
    Backward,
    /// On the consumer: the linked span caused this trace.
    Forward,
}

impl LinkMark {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMark::Backward => "backward",
            LinkMark::Forward => "forward",
        }
    }
}

/// Adds to every span of `requests` the resolved links it takes part in;
/// the zero-context pointer links stay where they are. Returns how many
/// links were added.
pub fn add_links(requests: &mut [ExportTraceServiceRequest], resolution: &Resolution) -> usize {
    let mut to_add: HashMap<SpanRef, Vec<Link>> = HashMap::new();
    for link in &resolution.links {
        let real = |other: SpanRef, mark: LinkMark| Link {
            trace_id: other.trace_id.0.to_vec(),
            span_id: other.span_id.0.to_vec(),
            attributes: vec![
                string_attribute(LINK_ATTRIBUTE, mark.as_str().to_owned()),
                string_attribute(PTR_KIND, link.kind.clone()),
                string_attribute(PTR_HASH, link.hash.clone()),
            ],
            ..Default::default()
        };
        to_add
            .entry(link.producer)
            .or_default()
            .push(real(link.consumer, LinkMark::Backward));
        to_add
            .entry(link.consumer)
            .or_default()
            .push(real(link.producer, LinkMark::Forward));
    }
    let mut added = 0;
    let spans = requests
        .iter_mut()
        .flat_map(|r| &mut r.resource_spans)
        .flat_map(|rs| &mut rs.scope_spans)
        .flat_map(|ss| &mut ss.spans);
    for span in spans {
        let (Some(trace_id), Some(span_id)) = (
            TraceId::from_slice(&span.trace_id),
            SpanId::from_slice(&span.span_id),
        ) else {
            continue;
        };
        if let Some(links) = to_add.get(&SpanRef { trace_id, span_id }) {
            for link in links {
                // Resolving output again adds nothing twice.
                if !span.links.contains(link) {
                    span.links.push(link.clone());
                    added += 1;
                }
            }
        }
    }
    added
}

/// The requests as OTLP JSON, one document per line.
pub fn to_json_lines(
    requests: &[ExportTraceServiceRequest],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    for request in requests {
        serde_json::to_writer(&mut *out, request)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Splits a request into the spans that carry no pointer and those that
/// carry one, each keeping its resource and scope.
pub fn partition_by_pointers(
    request: ExportTraceServiceRequest,
) -> (ExportTraceServiceRequest, ExportTraceServiceRequest) {
    let mut plain = ExportTraceServiceRequest::default();
    let mut pointed = ExportTraceServiceRequest::default();
    for mut rs in request.resource_spans {
        let scopes = std::mem::take(&mut rs.scope_spans);
        let (mut plain_rs, mut pointed_rs) = (rs.clone(), rs);
        for mut ss in scopes {
            let spans = std::mem::take(&mut ss.spans);
            let (with, without): (Vec<_>, Vec<_>) = spans
                .into_iter()
                .partition(|s| s.links.iter().any(|l| pointer_of(l).is_some()));
            for (spans, target) in [(without, &mut plain_rs), (with, &mut pointed_rs)] {
                if !spans.is_empty() {
                    let mut scope = ss.clone();
                    scope.spans = spans;
                    target.scope_spans.push(scope);
                }
            }
        }
        for (rs, target) in [(plain_rs, &mut plain), (pointed_rs, &mut pointed)] {
            if !rs.scope_spans.is_empty() {
                target.resource_spans.push(rs);
            }
        }
    }
    (plain, pointed)
}
