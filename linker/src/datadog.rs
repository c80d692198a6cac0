//! Datadog agent v0.4 payloads (msgpack and JSON), turned into OTLP so that
//! one writer and one pointer reader serve every input.
//!
//! A v0.4 payload is an array of traces, each an array of spans. Span links
//! arrive in the span's `span_links` field (64-bit halves, as dd-trace-py
//! and dd-trace-js write them in msgpack) or as JSON in meta
//! `_dd.span_links` (hex-string ids from dd-trace-py/js/java, numeric ids
//! from dd-trace-go and the Lambda extension).

use crate::error::{Error, ErrorCode};
use crate::model::{SpanId, TraceId};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    span, status, ResourceSpans, ScopeSpans, Span, Status,
};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashMap};

/// The meta key under which tracers write span links as JSON.
const META_SPAN_LINKS: &str = "_dd.span_links";
/// The meta key holding the high 64 bits of a 128-bit trace id, as hex.
const META_TRACE_ID_HIGH: &str = "_dd.p.tid";

#[derive(Deserialize, Default)]
#[serde(default)]
struct DdSpan {
    service: String,
    name: String,
    resource: String,
    trace_id: u64,
    span_id: u64,
    parent_id: u64,
    start: i64,
    duration: i64,
    error: i32,
    #[serde(deserialize_with = "null_as_default")]
    meta: BTreeMap<String, String>,
    #[serde(deserialize_with = "null_as_default")]
    metrics: BTreeMap<String, f64>,
    #[serde(rename = "type")]
    span_type: String,
    #[serde(deserialize_with = "null_as_default")]
    span_links: Vec<DdSpanLink>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DdSpanLink {
    trace_id: u64,
    trace_id_high: u64,
    span_id: u64,
    #[serde(deserialize_with = "null_as_default")]
    attributes: BTreeMap<String, String>,
    tracestate: String,
    flags: u32,
}

/// One entry of meta `_dd.span_links`.
#[derive(Deserialize)]
struct MetaSpanLink {
    trace_id: Id,
    #[serde(default)]
    trace_id_high: Option<Id>,
    span_id: Id,
    #[serde(default)]
    attributes: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    tracestate: Option<String>,
    #[serde(default)]
    flags: Option<u32>,
}

/// An id as tracers write it in `_dd.span_links`: a number, or hex text
/// (16 characters for 64 bits, 32 for a whole trace id).
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Number(u64),
    Text(String),
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

type Payload = Vec<Vec<DdSpan>>;

/// How deeply msgpack may nest: a payload needs a few levels, and
/// rmp-serde's own limit (1024) lets a body of nested maps recurse deeper
/// than a 2 MiB thread stack (serve's workers, the test threads) holds.
/// serde_json stops at 128 too.
const MSGPACK_MAX_DEPTH: usize = 128;

pub(crate) fn read_msgpack(input: &[u8]) -> Result<ExportTraceServiceRequest, Error> {
    let mut deserializer = rmp_serde::Deserializer::from_read_ref(input);
    deserializer.set_max_depth(MSGPACK_MAX_DEPTH);
    let payload = Payload::deserialize(&mut deserializer).map_err(|e| {
        Error::new(
            ErrorCode::DatadogInvalid,
            format!("the input is not a Datadog v0.4 msgpack payload ({e}); send an array of traces, each an array of spans"),
        )
    })?;
    Ok(to_otlp(payload))
}

pub(crate) fn read_json(input: &[u8]) -> Result<ExportTraceServiceRequest, Error> {
    let payload: Payload = serde_json::from_slice(input).map_err(|e| {
        Error::new(
            ErrorCode::DatadogInvalid,
            format!("the input is not a Datadog v0.4 JSON payload ({e}); send an array of traces, each an array of spans"),
        )
    })?;
    Ok(to_otlp(payload))
}

fn to_otlp(payload: Payload) -> ExportTraceServiceRequest {
    // The high half of a trace id is written once per chunk (on its first
    // span), so it is looked up by the low half for every span.
    let high_by_low: HashMap<u64, u64> = payload
        .iter()
        .flatten()
        .filter_map(|s| {
            let high = u64::from_str_radix(s.meta.get(META_TRACE_ID_HIGH)?, 16).ok()?;
            Some((s.trace_id, high))
        })
        .collect();
    let mut by_service: Vec<(String, Vec<Span>)> = Vec::new();
    for dd in payload.into_iter().flatten() {
        let high = high_by_low.get(&dd.trace_id).copied().unwrap_or(0);
        let service = dd.service.clone();
        let otlp = to_otlp_span(dd, high);
        match by_service.iter_mut().find(|(s, _)| *s == service) {
            Some((_, spans)) => spans.push(otlp),
            None => by_service.push((service, vec![otlp])),
        }
    }
    ExportTraceServiceRequest {
        resource_spans: by_service
            .into_iter()
            .map(|(service, spans)| ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![string_attribute("service.name", service)],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: "datadog".to_owned(),
                        ..Default::default()
                    }),
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            })
            .collect(),
    }
}

fn to_otlp_span(mut dd: DdSpan, trace_id_high: u64) -> Span {
    let mut links: Vec<span::Link> = dd.span_links.iter().map(field_link).collect();
    if let Some(text) = dd.meta.remove(META_SPAN_LINKS) {
        // A link already in `span_links` is not added a second time.
        for link in meta_links(&text) {
            if !links.contains(&link) {
                links.push(link);
            }
        }
    }
    let kind = match dd.meta.get("span.kind").map(String::as_str) {
        Some("internal") => span::SpanKind::Internal,
        Some("server") => span::SpanKind::Server,
        Some("client") => span::SpanKind::Client,
        Some("producer") => span::SpanKind::Producer,
        Some("consumer") => span::SpanKind::Consumer,
        _ => span::SpanKind::Unspecified,
    };
    let status = if dd.error != 0 {
        Some(Status {
            message: dd.meta.get("error.message").cloned().unwrap_or_default(),
            code: status::StatusCode::Error as i32,
        })
    } else {
        None
    };
    let mut attributes = vec![string_attribute("resource.name", dd.resource)];
    if !dd.span_type.is_empty() {
        attributes.push(string_attribute("span.type", dd.span_type));
    }
    attributes.extend(dd.meta.into_iter().map(|(k, v)| string_attribute(&k, v)));
    attributes.extend(dd.metrics.into_iter().map(|(k, v)| KeyValue {
        key: k,
        value: Some(AnyValue {
            value: Some(any_value::Value::DoubleValue(v)),
        }),
    }));
    let start = u64::try_from(dd.start).unwrap_or(0);
    let end = start.saturating_add(u64::try_from(dd.duration).unwrap_or(0));
    Span {
        trace_id: TraceId::from_halves(trace_id_high, dd.trace_id).0.to_vec(),
        span_id: SpanId::from_u64(dd.span_id).0.to_vec(),
        parent_span_id: if dd.parent_id == 0 {
            Vec::new()
        } else {
            SpanId::from_u64(dd.parent_id).0.to_vec()
        },
        name: dd.name,
        kind: kind as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes,
        links,
        status,
        ..Default::default()
    }
}

fn field_link(link: &DdSpanLink) -> span::Link {
    span::Link {
        trace_id: TraceId::from_halves(link.trace_id_high, link.trace_id)
            .0
            .to_vec(),
        span_id: SpanId::from_u64(link.span_id).0.to_vec(),
        trace_state: link.tracestate.clone(),
        attributes: link
            .attributes
            .iter()
            .map(|(k, v)| string_attribute(k, v.clone()))
            .collect(),
        dropped_attributes_count: 0,
        flags: link.flags,
    }
}

/// The links in meta `_dd.span_links`; an entry that is not a link (or text
/// that is not JSON) is skipped, as the tracers' own readers skip it.
fn meta_links(text: &str) -> Vec<span::Link> {
    let entries: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|entry| serde_json::from_value::<MetaSpanLink>(entry).ok())
        .filter_map(|link| {
            let trace_id = match (&link.trace_id, &link.trace_id_high) {
                (Id::Text(text), _) if text.len() == 32 => {
                    TraceId(hex::decode(text).ok()?.try_into().ok()?)
                }
                (low, high) => {
                    let high = match high {
                        Some(id) => id_u64(id)?,
                        None => 0,
                    };
                    TraceId::from_halves(high, id_u64(low)?)
                }
            };
            Some(span::Link {
                trace_id: trace_id.0.to_vec(),
                span_id: SpanId::from_u64(id_u64(&link.span_id)?).0.to_vec(),
                trace_state: link.tracestate.unwrap_or_default(),
                attributes: link
                    .attributes
                    .into_iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => string_attribute(&k, s),
                        other => string_attribute(&k, other.to_string()),
                    })
                    .collect(),
                dropped_attributes_count: 0,
                flags: link.flags.unwrap_or(0),
            })
        })
        .collect()
}

fn id_u64(id: &Id) -> Option<u64> {
    match id {
        Id::Number(n) => Some(*n),
        Id::Text(text) if text.len() <= 16 => u64::from_str_radix(text, 16).ok(),
        Id::Text(_) => None,
    }
}

pub(crate) fn string_attribute(key: &str, value: String) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value)),
        }),
    }
}
