//! Reading an input of any supported format into OTLP requests, and the
//! matcher's spans out of them.

use crate::datadog;
use crate::error::{Error, ErrorCode};
use crate::format::Format;
use crate::model::{Span, SpanId, SpanRef, TraceId};
use crate::otlp;
use crate::pointer::pointer_of;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

/// Traces read from one or more inputs, kept as OTLP requests so that they
/// can be written back with the resolved links added.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    pub requests: Vec<ExportTraceServiceRequest>,
}

impl Batch {
    /// Adds the traces of another input.
    pub fn extend(&mut self, other: Batch) {
        self.requests.extend(other.requests);
    }

    /// Every span with a valid trace and span id, as the matcher sees it.
    pub fn spans(&self) -> Vec<Span> {
        self.requests.iter().flat_map(request_spans).collect()
    }

    pub fn span_count(&self) -> usize {
        self.requests
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .map(|ss| ss.spans.len())
            .sum()
    }
}

/// The spans of one request.
pub fn request_spans(request: &ExportTraceServiceRequest) -> impl Iterator<Item = Span> + '_ {
    request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .filter_map(|span| {
            let id = SpanRef {
                trace_id: TraceId::from_slice(&span.trace_id)?,
                span_id: SpanId::from_slice(&span.span_id)?,
            };
            Some(Span {
                id,
                start_unix_nanos: span.start_time_unix_nano,
                end_unix_nanos: span.end_time_unix_nano,
                pointers: span.links.iter().filter_map(pointer_of).collect(),
            })
        })
}

/// Reads an input whose format is told from its content.
pub fn read(input: &[u8]) -> Result<Batch, Error> {
    let format = Format::detect(input).ok_or_else(|| {
        Error::new(
            ErrorCode::FormatUnknown,
            "the input is neither OTLP (JSON or protobuf) nor a Datadog v0.4 payload (msgpack or JSON); give traces in one of these formats",
        )
    })?;
    match read_as(input, format) {
        Err(e) if format == Format::OtlpJson && Format::may_be_protobuf(input) => {
            read_as(input, Format::OtlpProtobuf).map_err(|_| e)
        }
        other => other,
    }
}

/// Reads an input whose format is known (an HTTP request's content type).
pub fn read_as(input: &[u8], format: Format) -> Result<Batch, Error> {
    let requests = match format {
        Format::OtlpJson => otlp::read_json(input)?,
        Format::OtlpProtobuf => vec![otlp::read_protobuf(input)?],
        Format::DatadogMsgpack => vec![datadog::read_msgpack(input)?],
        Format::DatadogJson => vec![datadog::read_json(input)?],
    };
    Ok(Batch { requests })
}
