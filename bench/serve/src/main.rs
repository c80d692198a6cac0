//! `make bench-serve`: `span-autolink serve` fed over loopback by a load
//! generator posting OTLP protobuf batches of 512 spans, as the
//! OpenTelemetry exporters' batch processors send them.
//!
//! Three runs, each against a fresh server:
//! - receive: 10% of spans carry pointers (a producer and its consumer in
//!   every 20 spans), nothing forwarded: spans per second and request
//!   latency (median, p99);
//! - forward: the same with `--forward` (and `--wait 1`) to a sink in this
//!   process, which counts what arrives: the same figures, and when the
//!   last span arrived;
//! - memory: every span carries a pointer no other span resolves, until
//!   the server holds 1,000,000 live pointers: its resident set size.
//!
//! Usage: span-autolink-bench-serve BINARY [SPANS]

use axum::body::Bytes;
use prost::Message;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, InstrumentationScope, KeyValue,
};
use span_autolink_linker::opentelemetry_proto::tonic::resource::v1::Resource;
use span_autolink_linker::opentelemetry_proto::tonic::trace::v1::{
    span::Link, status, ResourceSpans, ScopeSpans, Span, Status,
};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Spans per request: the batch span processors' default export size.
const BATCH: usize = 512;
/// Two spans in every 20 (10%) carry a pointer: a producer and its consumer.
const POINTER_EVERY: usize = 20;
/// Requests in flight at once, as several exporting services would keep.
const CONCURRENCY: usize = 8;
/// Live pointers for the memory run: the default `--max-pointers`.
const LIVE_POINTERS: usize = 1_000_000;
const T0: u64 = 1_767_225_600_000_000_000;
/// How long the forward run waits for the sink to get every span.
const DRAIN: Duration = Duration::from_secs(60);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: span-autolink-bench-serve BINARY [SPANS]");
        std::process::exit(2);
    }
    let binary = args[1].clone();
    let spans: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the load generator");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average before: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let failed = runtime.block_on(async {
        let mut failed = false;
        let bodies = mixed_batches(spans);
        let total: usize = bodies.iter().map(|b| b.1).sum();
        println!(
            "{} requests of {BATCH} spans ({:.1} MiB of OTLP protobuf), {CONCURRENCY} in flight",
            bodies.len(),
            bodies.iter().map(|b| b.0.len()).sum::<usize>() as f64 / 1048576.0
        );

        let server = Server::start(&binary, &[]);
        let run = post_all(&server.base, &bodies).await;
        run.print("receive", total);
        failed |= run.errors > 0;
        let metrics = server.metrics().await;
        failed |= !expect_metric(&metrics, "span_autolink_spans_total", total as u64);
        failed |= !expect_metric(&metrics, "span_autolink_links", (total / POINTER_EVERY) as u64);
        drop(server);

        let (sink_url, received) = sink().await;
        // Producers wait out --wait for more consumers: 1 s here, not 10.
        let server = Server::start(&binary, &["--forward", &sink_url, "--wait", "1"]);
        let run = post_all(&server.base, &bodies).await;
        run.print("forward", total);
        failed |= run.errors > 0;
        let deadline = Instant::now() + DRAIN;
        while received.load(Ordering::Relaxed) < total as u64 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let got = received.load(Ordering::Relaxed);
        println!(
            "forward:  all {got} of {total} spans at the sink {:.2} s after the first request ({:.0} spans/s end to end)",
            run.started.elapsed().as_secs_f64(),
            got as f64 / run.started.elapsed().as_secs_f64()
        );
        failed |= got != total as u64;
        drop(server);
        drop(bodies);

        let bodies = pointer_batches(LIVE_POINTERS);
        let server = Server::start(&binary, &[]);
        let rss_idle = server.rss_kib();
        let run = post_all(&server.base, &bodies).await;
        failed |= run.errors > 0;
        let metrics = server.metrics().await;
        failed |= !expect_metric(
            &metrics,
            "span_autolink_live_pointers",
            LIVE_POINTERS as u64,
        );
        println!(
            "memory:   {LIVE_POINTERS} live pointers: RSS {:.1} MiB (peak {:.1} MiB, {:.1} MiB before any request); {:.0} spans/s while filling",
            server.rss_kib() as f64 / 1024.0,
            server.peak_rss_kib() as f64 / 1024.0,
            rss_idle as f64 / 1024.0,
            LIVE_POINTERS as f64 / run.elapsed.as_secs_f64(),
        );
        failed
    });
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average after: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    if failed {
        std::process::exit(1);
    }
}

fn expect_metric(metrics: &str, name: &str, expected: u64) -> bool {
    let value = metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok());
    if value != Some(expected) {
        eprintln!("{name} is {value:?}, expected {expected}");
        return false;
    }
    true
}

/// One `span-autolink serve` on a loopback port the system picks.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(binary: &str, args: &[&str]) -> Server {
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stderr(Stdio::piped())
            .spawn()
            .expect("the span-autolink binary runs");
        let mut line = String::new();
        BufReader::new(child.stderr.as_mut().expect("piped"))
            .read_line(&mut line)
            .expect("serve prints its address");
        let address = line
            .trim()
            .strip_prefix("span-autolink: listening on ")
            .unwrap_or_else(|| panic!("serve said {line:?}"))
            .to_owned();
        Server {
            child,
            base: format!("http://{address}"),
        }
    }

    async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.base))
            .await
            .expect("/metrics answers")
            .text()
            .await
            .expect("/metrics is text")
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| {
                l.strip_prefix(field)?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    }

    fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one run measured.
struct Run {
    started: Instant,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

impl Run {
    fn print(&self, name: &str, spans: usize) {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let at = |q: f64| {
            sorted
                .get(((sorted.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        println!(
            "{name:<8}  {:.2} s  {:>8.0} spans/s  request latency median {:.2} ms, p99 {:.2} ms, max {:.2} ms  ({} errors)",
            self.elapsed.as_secs_f64(),
            spans as f64 / self.elapsed.as_secs_f64(),
            at(0.5).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3,
            at(1.0).as_secs_f64() * 1e3,
            self.errors
        );
    }
}

/// Posts every body, CONCURRENCY at a time, timing each request.
async fn post_all(base: &str, bodies: &[(Vec<u8>, usize)]) -> Run {
    let client = reqwest::Client::new();
    let url = format!("{base}/v1/traces");
    let next = Arc::new(AtomicUsize::new(0));
    // Bytes: each request shares its body instead of copying it.
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        bodies
            .iter()
            .map(|b| Bytes::copy_from_slice(&b.0))
            .collect(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, url, next, bodies) =
            (client.clone(), url.clone(), next.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    return (latencies, errors);
                };
                let sent = Instant::now();
                let answer = client
                    .post(&url)
                    .header("content-type", "application/x-protobuf")
                    .body(body.clone())
                    .send()
                    .await;
                let ok = match answer {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                if !ok {
                    errors += 1;
                }
            }
        }));
    }
    let mut run = Run {
        started,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        errors: 0,
    };
    for task in tasks {
        let (latencies, errors) = task.await.expect("a load task finishes");
        run.latencies.extend(latencies);
        run.errors += errors;
    }
    run.elapsed = started.elapsed();
    run
}

/// An OTLP/HTTP receiver that counts spans and keeps nothing.
async fn sink() -> (String, Arc<AtomicU64>) {
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: Bytes| {
            let counter = counter.clone();
            async move {
                if let Ok(request) = ExportTraceServiceRequest::decode(body) {
                    let spans: usize = request
                        .resource_spans
                        .iter()
                        .flat_map(|r| &r.scope_spans)
                        .map(|s| s.spans.len())
                        .sum();
                    counter.fetch_add(spans as u64, Ordering::Relaxed);
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the sink");
    let address = listener.local_addr().expect("the sink's address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}/v1/traces"), received)
}

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

fn pointer(n: usize, dir: &str) -> Link {
    Link {
        trace_id: vec![0; 16],
        span_id: vec![0; 8],
        attributes: vec![
            string("link.kind", "span-pointer"),
            string("ptr.kind", "aws.s3.object"),
            string("ptr.dir", dir),
            string("ptr.hash", &format!("{n:032x}")),
        ],
        ..Default::default()
    }
}

/// Span `i`: an HTTP server span as instrumentations write them, with the
/// given links.
fn span(i: usize, links: Vec<Link>) -> Span {
    let start = T0 + i as u64 * 1_000_000;
    Span {
        trace_id: (i as u128 + 1).to_be_bytes().to_vec(),
        span_id: (i as u64 + 1).to_be_bytes().to_vec(),
        parent_span_id: (i as u64 + 0x8000_0000).to_be_bytes().to_vec(),
        name: "GET /items".to_owned(),
        kind: 2,
        start_time_unix_nano: start,
        end_time_unix_nano: start + 500_000,
        attributes: vec![
            string("http.request.method", "GET"),
            string("url.path", "/items"),
            KeyValue {
                key: "http.response.status_code".to_owned(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::IntValue(200)),
                }),
            },
        ],
        links,
        status: Some(Status {
            message: String::new(),
            code: status::StatusCode::Ok as i32,
        }),
        ..Default::default()
    }
}

fn request(spans: Vec<Span>) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![string("service.name", "bench")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "bench".to_owned(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
    .encode_to_vec()
}

/// `spans` spans in batches; span `i` with `i % 20 == 0` is the producer of
/// pointer `i`, span `i + 10` its consumer.
fn mixed_batches(spans: usize) -> Vec<(Vec<u8>, usize)> {
    (0..spans)
        .step_by(BATCH)
        .map(|first| {
            let batch: Vec<Span> = (first..(first + BATCH).min(spans))
                .map(|i| {
                    let links = match i % POINTER_EVERY {
                        0 => vec![pointer(i, "d")],
                        10 => vec![pointer(i - 10, "u")],
                        _ => Vec::new(),
                    };
                    span(i, links)
                })
                .collect();
            let count = batch.len();
            (request(batch), count)
        })
        .collect()
}

/// `count` spans, each the producer of its own pointer.
fn pointer_batches(count: usize) -> Vec<(Vec<u8>, usize)> {
    (0..count)
        .step_by(BATCH)
        .map(|first| {
            let batch: Vec<Span> = (first..(first + BATCH).min(count))
                .map(|i| span(i, vec![pointer(i, "d")]))
                .collect();
            let n = batch.len();
            (request(batch), n)
        })
        .collect()
}
