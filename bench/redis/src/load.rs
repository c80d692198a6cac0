//! The load: OTLP protobuf requests of 512 spans, 10% of them carrying a
//! pointer, posted by concurrent clients round-robin to the replicas.

use prost::Message;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use span_autolink_linker::opentelemetry_proto::tonic::trace::v1::{
    span::Link, ResourceSpans, ScopeSpans, Span,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const BATCH: usize = 512;
/// One span in ten carries a pointer: of every twenty, the first a
/// producer's and the eleventh a consumer's.
pub const POINTER_EVERY: usize = 10;
const PAIR_EVERY: usize = 2 * POINTER_EVERY;
/// Clients posting at once.
pub const CLIENTS: usize = 8;
pub const T0: u64 = 1_767_225_600_000_000_000;

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

fn pointer(dir: &str, hash: u128) -> Link {
    Link {
        trace_id: vec![0; 16],
        span_id: vec![0; 8],
        attributes: vec![
            string("link.kind", "span-pointer"),
            string("ptr.kind", "aws.s3.object"),
            string("ptr.dir", dir),
            string("ptr.hash", &format!("{hash:032x}")),
        ],
        ..Default::default()
    }
}

/// `requests` request bodies; span ids and pointer hashes start at `first`
/// so that runs do not meet each other's pointers. A producer in request
/// `i` has its consumer in request `i + 1`, which goes to the next replica.
pub fn bodies(first: u64, requests: usize, pointers_only: bool) -> Vec<Vec<u8>> {
    (0..requests)
        .map(|r| {
            let spans = (0..BATCH)
                .map(|i| {
                    let n = first + (r * BATCH + i) as u64;
                    let start = T0 + n * 1000;
                    // With `pointers_only`, every span: producers and consumers alternate.
                    let (every, consumer_at) = if pointers_only {
                        (2, 1)
                    } else {
                        (PAIR_EVERY, POINTER_EVERY)
                    };
                    let pair = (first as u128) << 64 | (r * BATCH + i) as u128;
                    let links = match i % every {
                        0 => vec![pointer("d", pair)],
                        // The consumer of the producer one request earlier.
                        slot if slot == consumer_at && r > 0 => {
                            vec![pointer("u", pair - (consumer_at + BATCH) as u128)]
                        }
                        _ => Vec::new(),
                    };
                    Span {
                        trace_id: (n as u128 + 1).to_be_bytes().to_vec(),
                        span_id: (n + 1).to_be_bytes().to_vec(),
                        name: "GET /items".to_owned(),
                        kind: 2,
                        start_time_unix_nano: start,
                        end_time_unix_nano: start + 500,
                        attributes: vec![string("http.method", "GET")],
                        links,
                        ..Default::default()
                    }
                })
                .collect();
            ExportTraceServiceRequest {
                resource_spans: vec![ResourceSpans {
                    resource: None,
                    scope_spans: vec![ScopeSpans {
                        spans,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            }
            .encode_to_vec()
        })
        .collect()
}

/// What one load run measured.
pub struct Run {
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Run {
    pub fn spans_per_second(&self) -> f64 {
        (self.latencies.len() * BATCH) as f64 / self.elapsed.as_secs_f64()
    }

    pub fn p99(&self) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted
            .get(sorted.len() * 99 / 100)
            .copied()
            .unwrap_or_default()
    }
}

/// Posts every body once, `CLIENTS` at a time, body `i` to replica
/// `i % replicas.len()`.
pub async fn post_all(replicas: &[String], bodies: Arc<Vec<Vec<u8>>>) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, bodies, client) = (next.clone(), bodies.clone(), client.clone());
            let urls: Vec<String> = replicas.iter().map(|r| format!("{r}/v1/traces")).collect();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let sent = Instant::now();
                    let response = client
                        .post(&urls[i % urls.len()])
                        .header("content-type", "application/x-protobuf")
                        .body(body.clone())
                        .send()
                        .await
                        .expect("the replica answers");
                    assert!(response.status().is_success(), "{}", response.status());
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.expect("a client finished"));
    }
    Run {
        elapsed: started.elapsed(),
        latencies,
    }
}
