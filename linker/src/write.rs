//! Adding resolved links to the traces as real span links.

use crate::datadog::string_attribute;
use crate::matching::Resolution;
use crate::model::{SpanId, SpanRef, TraceId};
use crate::pointer::{pointer_of, PTR_HASH, PTR_KIND};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
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
        if has_non_finite(request) {
            let mut request = request.clone();
            non_finite_as_text(&mut request);
            serde_json::to_writer(&mut *out, &request)?;
        } else {
            serde_json::to_writer(&mut *out, request)?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

// JSON has no number for NaN or an infinity (serde_json would write `null`,
// which no OTLP reader takes for a double), so such an attribute value is
// written as the text the protobuf JSON mapping uses for it.

fn has_non_finite(request: &ExportTraceServiceRequest) -> bool {
    fn within(value: &AnyValue) -> bool {
        match &value.value {
            Some(any_value::Value::DoubleValue(d)) => !d.is_finite(),
            Some(any_value::Value::ArrayValue(array)) => array.values.iter().any(within),
            Some(any_value::Value::KvlistValue(list)) => list
                .values
                .iter()
                .filter_map(|kv| kv.value.as_ref())
                .any(within),
            _ => false,
        }
    }
    let lists = request.resource_spans.iter().flat_map(|rs| {
        let resource = rs.resource.iter().map(|r| &r.attributes);
        let scopes = rs.scope_spans.iter().flat_map(|ss| {
            let scope = ss.scope.iter().map(|s| &s.attributes);
            let spans = ss.spans.iter().flat_map(|span| {
                let events = span.events.iter().map(|e| &e.attributes);
                let links = span.links.iter().map(|l| &l.attributes);
                std::iter::once(&span.attributes).chain(events).chain(links)
            });
            scope.chain(spans)
        });
        resource.chain(scopes)
    });
    lists
        .flatten()
        .filter_map(|kv| kv.value.as_ref())
        .any(within)
}

fn non_finite_as_text(request: &mut ExportTraceServiceRequest) {
    fn as_text(value: &mut AnyValue) {
        match &mut value.value {
            Some(any_value::Value::DoubleValue(d)) if !d.is_finite() => {
                let text = if d.is_nan() {
                    "NaN"
                } else if *d > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                };
                value.value = Some(any_value::Value::StringValue(text.to_owned()));
            }
            Some(any_value::Value::ArrayValue(array)) => array.values.iter_mut().for_each(as_text),
            Some(any_value::Value::KvlistValue(list)) => attributes(&mut list.values),
            _ => {}
        }
    }
    fn attributes(list: &mut [KeyValue]) {
        list.iter_mut()
            .filter_map(|kv| kv.value.as_mut())
            .for_each(as_text);
    }
    for rs in &mut request.resource_spans {
        if let Some(resource) = &mut rs.resource {
            attributes(&mut resource.attributes);
        }
        for ss in &mut rs.scope_spans {
            if let Some(scope) = &mut ss.scope {
                attributes(&mut scope.attributes);
            }
            for span in &mut ss.spans {
                attributes(&mut span.attributes);
                span.events
                    .iter_mut()
                    .for_each(|e| attributes(&mut e.attributes));
                span.links
                    .iter_mut()
                    .for_each(|l| attributes(&mut l.attributes));
            }
        }
    }
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
