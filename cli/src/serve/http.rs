//! The HTTP endpoints: OTLP/HTTP traces, the Datadog agent's v0.4 traces,
//! `/links` and `/metrics`. A bad request gets a 4xx with a sentence and
//! changes nothing.

use super::metrics;
use super::service::Service;
use axum::body::{to_bytes, Body};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::LengthLimitError;
use serde::Deserialize;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::{read_as, Format, PointerIndex, TraceId};
use std::sync::Arc;
use tokio::sync::mpsc;
use tower_http::decompression::RequestDecompressionLayer;

pub struct AppState<I> {
    pub service: Arc<Service<I>>,
    pub forward: Option<mpsc::Sender<ExportTraceServiceRequest>>,
    pub max_body: usize,
}

pub fn router<I: PointerIndex>(state: Arc<AppState<I>>) -> Router {
    Router::new()
        .route("/v1/traces", post(otlp::<I>))
        .route("/v0.4/traces", post(datadog::<I>).put(datadog::<I>))
        .route("/links", get(links::<I>))
        .route("/metrics", get(metrics_text::<I>))
        .with_state(state)
        // The Collector's otlphttp exporter compresses with gzip by default;
        // the body limit applies to the decompressed bytes.
        .layer(RequestDecompressionLayer::new())
}

/// A request turned away: a 4xx status (503 when the store does not
/// answer), a stable code and a sentence.
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    sentence: String,
}

fn refuse(status: StatusCode, code: &'static str, sentence: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        sentence: sentence.into(),
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, format!("{}: {}\n", self.code, self.sentence)).into_response()
    }
}

/// The body formats one endpoint takes, by media type.
struct Accepts {
    what: &'static str,
    types: &'static [(&'static str, Format)],
}

const OTLP: Accepts = Accepts {
    what: "OTLP/HTTP",
    types: &[
        ("application/x-protobuf", Format::OtlpProtobuf),
        ("application/protobuf", Format::OtlpProtobuf),
        ("application/json", Format::OtlpJson),
    ],
};

const DATADOG: Accepts = Accepts {
    what: "a Datadog v0.4 payload",
    types: &[
        ("application/msgpack", Format::DatadogMsgpack),
        ("application/x-msgpack", Format::DatadogMsgpack),
        ("application/json", Format::DatadogJson),
        ("text/json", Format::DatadogJson),
    ],
};

impl Accepts {
    fn format(&self, headers: &HeaderMap) -> Result<Format, Refusal> {
        let media_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match self.types.iter().find(|(name, _)| *name == media_type) {
            Some((_, format)) => Ok(*format),
            None => Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type_unsupported",
                format!(
                    "content type `{media_type}` is not {}; send {} or {}",
                    self.what, self.types[0].0, self.types[2].0
                ),
            )),
        }
    }
}

async fn otlp<I: PointerIndex>(
    State(state): State<Arc<AppState<I>>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let format = OTLP.format(&headers)?;
    ingest(&state, body, format).await?;
    // An empty ExportTraceServiceResponse: no bytes in protobuf, `{}` in JSON.
    let (content_type, answer): (_, &[u8]) = match format {
        Format::OtlpJson => ("application/json", b"{}"),
        _ => ("application/x-protobuf", b""),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], answer).into_response())
}

async fn datadog<I: PointerIndex>(
    State(state): State<Arc<AppState<I>>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let format = DATADOG.format(&headers)?;
    ingest(&state, body, format).await?;
    // What the agent answers; tracers read their sampling rates from it.
    let answer = "{\"rate_by_service\":{}}";
    Ok(([(header::CONTENT_TYPE, "application/json")], answer).into_response())
}

async fn ingest<I: PointerIndex>(
    state: &AppState<I>,
    body: Body,
    format: Format,
) -> Result<(), Refusal> {
    let bytes = to_bytes(body, state.max_body).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.downcast_ref::<LengthLimitError>().is_some());
        if too_large {
            refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "the body is larger than {} bytes; send smaller batches",
                    state.max_body
                ),
            )
        } else {
            refuse(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                format!("the body could not be read ({e}); check its Content-Encoding and length"),
            )
        }
    })?;
    let batch = read_as(&bytes, format)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, e.code.as_str(), e.message))?;
    let out = state.service.ingest(batch).await;
    if let Some(queue) = &state.forward {
        for request in out {
            // A closed queue means shutdown has begun; the flush sends the rest.
            let _ = queue.send(request).await;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct LinksQuery {
    trace_id: Option<String>,
}

async fn links<I: PointerIndex>(
    State(state): State<Arc<AppState<I>>>,
    Query(query): Query<LinksQuery>,
) -> Result<Response, Refusal> {
    let trace_id = match query.trace_id.as_deref() {
        None => None,
        Some(text) => Some(hex_trace_id(text).ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "trace_id_invalid",
                format!("`{text}` is not a trace id; give 32 hex characters"),
            )
        })?),
    };
    let report = state.service.report(trace_id).await.map_err(|e| {
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            e.code,
            format!("{}; ask again when the store is back", e.message),
        )
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], report).into_response())
}

fn hex_trace_id(text: &str) -> Option<TraceId> {
    if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let value = u128::from_str_radix(text, 16).ok()?;
    Some(TraceId(value.to_be_bytes()))
}

async fn metrics_text<I: PointerIndex>(State(state): State<Arc<AppState<I>>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics::render(&state.service.counters()),
    )
        .into_response()
}
