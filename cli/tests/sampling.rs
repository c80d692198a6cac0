//! `serve --sample-pointers RATE` as a tail-sampling stage over 2,000
//! generated hops: a linked pair survives whole about `RATE` of the time,
//! where traces sampled independently keep it about `RATE * RATE` of the
//! time. Expectations are binomial bounds worked out here; which hops
//! survive is never computed by the test.

mod support;

use span_autolink_linker::opentelemetry_proto::tonic::trace::v1::Span;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::numbers::Numbers;
use support::*;

const HOPS: usize = 2000;
/// Traces that carry no pointer, which pass whatever the rate.
const PLAIN: usize = 200;
const BATCH: usize = 100;

/// A trace: a root span and a child; the pointer, if any, on `carrier`.
struct Trace {
    root: Span,
    child: Span,
}

impl Trace {
    fn new(numbers: &mut Numbers, pointer: Option<(&str, &str)>, on_root: bool) -> Trace {
        let trace_id = numbers.bytes(16);
        let span = |span_id: Vec<u8>, parent: Vec<u8>| Span {
            trace_id: trace_id.clone(),
            span_id,
            parent_span_id: parent,
            name: "op".to_owned(),
            start_time_unix_nano: T0,
            end_time_unix_nano: T0 + 1000,
            ..Default::default()
        };
        let root = span(numbers.bytes(8), Vec::new());
        let mut child = span(numbers.bytes(8), root.span_id.clone());
        let mut root = root;
        if let Some((dir, hash)) = pointer {
            let link = pointer_link("aws.s3.object", dir, hash);
            // A producer's S3 call is a child span; a consumer's handler is the root.
            if on_root {
                root.links.push(link);
            } else {
                child.links.push(link);
            }
        }
        Trace { root, child }
    }

    fn spans(&self) -> [&Span; 2] {
        [&self.root, &self.child]
    }

    fn id(&self) -> &[u8] {
        &self.root.trace_id
    }
}

struct Hop {
    producer: Trace,
    consumer: Trace,
}

fn generate(seed: u64) -> (Vec<Hop>, Vec<Trace>) {
    let mut numbers = Numbers(seed);
    let hops = (0..HOPS)
        .map(|_| {
            let hash = format!("{:016x}{:016x}", numbers.next(), numbers.next());
            Hop {
                producer: Trace::new(&mut numbers, Some(("d", &hash)), false),
                consumer: Trace::new(&mut numbers, Some(("u", &hash)), true),
            }
        })
        .collect();
    let plain = (0..PLAIN)
        .map(|_| Trace::new(&mut numbers, None, false))
        .collect();
    (hops, plain)
}

/// Head sampling at the tracer, each trace on its own: OpenTelemetry's
/// TraceIdRatioBased keeps a trace when the last 8 bytes of its id, as a
/// big-endian number, are below `rate * 2^64`.
fn head_sampled(trace: &Trace, rate: f64) -> bool {
    let low = u64::from_be_bytes(trace.id()[8..].try_into().unwrap());
    (low as f64) < rate * 18_446_744_073_709_551_616.0
}

/// Sends the traces to a fresh `serve` (with `--sample-pointers RATE` if
/// given) in batches, producers' and consumers' requests apart as two
/// services export them, and returns every span it forwarded, by span id,
/// once it has decided on all of them.
async fn through_serve(traces: &[&Trace], rate: Option<f64>) -> HashMap<Vec<u8>, Span> {
    let (url, mut rx) = receiver().await;
    let rate = rate.map(|r| r.to_string());
    // Long enough for the other side to arrive on a loaded machine; held
    // spans go on as soon as they are linked.
    let mut args = vec!["--forward", &url, "--wait", "5"];
    if let Some(rate) = &rate {
        args.extend(["--sample-pointers", rate]);
    }
    let server = Server::start(&args);
    let (client, sent) = (reqwest::Client::new(), traces.len() as u64 * 2);
    for batch in traces.chunks(BATCH) {
        let spans = batch.iter().flat_map(|t| t.spans()).cloned().collect();
        let response = post_otlp(&client, &server, otlp_body(spans)).await;
        assert_eq!(response.status(), 200);
    }
    let started = Instant::now();
    let forwarded = loop {
        let text = get_text(&client, &server, "/metrics").await.1;
        let forwarded = metric(&text, "span_autolink_forwarded_spans_total");
        let dropped = metric(&text, "span_autolink_sampled_out_spans_total");
        assert_eq!(metric(&text, "span_autolink_spans_total"), sent);
        if forwarded + dropped == sent && metric(&text, "span_autolink_held_spans") == 0 {
            break forwarded as usize;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut seen = HashMap::new();
    let mut received = 0;
    while received < forwarded {
        let request = next(&mut rx).await;
        for span in spans(&request) {
            received += 1;
            seen.insert(span.span_id.clone(), span.clone());
        }
    }
    seen
}

/// How a trace came through: whole, not at all, or in part (never right).
#[derive(Debug, PartialEq)]
enum Fate {
    Whole,
    Dropped,
    Partial,
}

fn fate(trace: &Trace, seen: &HashMap<Vec<u8>, Span>) -> Fate {
    match trace.spans().map(|s| seen.contains_key(&s.span_id)) {
        [true, true] => Fate::Whole,
        [false, false] => Fate::Dropped,
        _ => Fate::Partial,
    }
}

/// Whether the forwarded producer and consumer of a hop carry their links.
fn linked(hop: &Hop, seen: &HashMap<Vec<u8>, Span>) -> bool {
    let has = |carrier: &Span, other: &Span, way: &str| {
        seen[&carrier.span_id]
            .links
            .iter()
            .any(|l| l.span_id == other.span_id && mark(l) == way)
    };
    has(&hop.producer.child, &hop.consumer.root, "backward")
        && has(&hop.consumer.root, &hop.producer.child, "forward")
}

/// Hops whose two traces both came through whole, all of them linked.
fn whole_pairs(hops: &[Hop], seen: &HashMap<Vec<u8>, Span>) -> usize {
    let whole: Vec<&Hop> = hops
        .iter()
        .filter(|h| {
            fate(&h.producer, seen) == Fate::Whole && fate(&h.consumer, seen) == Fate::Whole
        })
        .collect();
    assert!(
        whole.iter().all(|h| linked(h, seen)),
        "a surviving pair without its links"
    );
    whole.len()
}

/// Pointer sampling through serve: the pairs kept whole, after checking
/// that every trace came through whole or not at all, that a producer is
/// kept exactly when its consumer is, and that traces without pointers
/// all passed.
async fn pointer_sampling(hops: &[Hop], plain: &[Trace], rate: f64) -> usize {
    let traces: Vec<&Trace> = hops
        .iter()
        .map(|h| &h.producer)
        .chain(hops.iter().map(|h| &h.consumer))
        .chain(plain)
        .collect();
    let seen = through_serve(&traces, Some(rate)).await;
    for hop in hops {
        let (producer, consumer) = (fate(&hop.producer, &seen), fate(&hop.consumer, &seen));
        assert_ne!(producer, Fate::Partial);
        assert_eq!(
            producer, consumer,
            "one side of a hop kept without the other"
        );
    }
    assert!(plain.iter().all(|t| fate(t, &seen) == Fate::Whole));
    whole_pairs(hops, &seen)
}

/// Independent head sampling of each trace, then serve without sampling:
/// the pairs kept whole.
async fn independent_sampling(hops: &[Hop], rate: f64) -> usize {
    let traces: Vec<&Trace> = hops
        .iter()
        .map(|h| &h.producer)
        .chain(hops.iter().map(|h| &h.consumer))
        .filter(|t| head_sampled(t, rate))
        .collect();
    let seen = through_serve(&traces, None).await;
    whole_pairs(hops, &seen)
}

/// Asserts `k` successes of `n` trials lie within four standard
/// deviations (plus one, for the tiny means) of a binomial with `p`.
fn assert_binomial(what: &str, k: usize, n: usize, p: f64) {
    let mean = n as f64 * p;
    let bound = 4.0 * (n as f64 * p * (1.0 - p)).sqrt() + 1.0;
    assert!(
        (k as f64 - mean).abs() <= bound,
        "{what}: {k} of {n}, expected {mean} +- {bound}"
    );
}

#[tokio::test]
async fn at_rate_a_tenth_pointer_sampling_keeps_ten_times_the_linked_pairs() {
    let (hops, plain) = generate(25);
    let rate = 0.1;
    let independent = independent_sampling(&hops, rate).await;
    let pointer = pointer_sampling(&hops, &plain, rate).await;
    // Independent: both sides with probability r * r = 1%.
    assert_binomial("independent", independent, HOPS, rate * rate);
    // Pointer: both sides together with probability r = 10%.
    assert_binomial("pointer", pointer, HOPS, rate);
}

/// The figures for the README: linked pairs kept whole at three rates.
/// `cargo test -p span-autolink-cli --test sampling -- --nocapture` prints them.
#[tokio::test]
async fn survival_of_linked_pairs_at_three_rates() {
    let (hops, plain) = generate(19);
    eprintln!("rate  independent         pointer");
    for rate in [0.01, 0.1, 0.5] {
        let independent = independent_sampling(&hops, rate).await;
        let pointer = pointer_sampling(&hops, &plain, rate).await;
        assert_binomial("independent", independent, HOPS, rate * rate);
        assert_binomial("pointer", pointer, HOPS, rate);
        eprintln!(
            "{rate:<5} {independent:>4} / {HOPS} ({:.2}%)  {pointer:>4} / {HOPS} ({:.2}%)",
            100.0 * independent as f64 / HOPS as f64,
            100.0 * pointer as f64 / HOPS as f64
        );
    }
}

/// A span of trace `trace` carrying an S3 pointer.
fn pointed(trace: u8, span: u8, dir: &str, hash: &str) -> Span {
    let mut span = Span {
        trace_id: vec![trace; 16],
        span_id: vec![span; 8],
        ..otlp_span(span, None)
    };
    span.links.push(pointer_link("aws.s3.object", dir, hash));
    span
}

#[tokio::test]
async fn a_consumer_linked_at_once_waits_for_a_kept_pointer_of_its_trace() {
    a_linked_consumer_waits_for_a_kept_pointer_of_its_trace(false).await;
}

#[tokio::test]
async fn a_consumer_linked_while_held_waits_for_a_kept_pointer_of_its_trace() {
    a_linked_consumer_waits_for_a_kept_pointer_of_its_trace(true).await;
}

async fn a_linked_consumer_waits_for_a_kept_pointer_of_its_trace(consumer_first: bool) {
    // At 0.5 the core keeps a hash whose last 14 hex digits are at least
    // 2^55: KEPT's are all f, DROPPED's all 0. Trace 5 consumes the
    // DROPPED hop (span 5) and then writes the KEPT object (span 6, in a
    // later request): it holds a pointer the rule keeps, so it goes on
    // whole. Trace 1, the other side of the dropped hop, goes nowhere.
    const KEPT: &str = "000000000000000000ffffffffffffff";
    const DROPPED: &str = "ffffffffffffffffff00000000000000";
    let (url, mut rx) = receiver().await;
    let server = Server::start(&["--forward", &url, "--wait", "2", "--sample-pointers", "0.5"]);
    let client = reqwest::Client::new();
    // The consumer linked at once, and linked by its producer coming later
    // (several of serve's ticks pass before trace 5's kept pointer comes).
    let (producer, consumer) = (pointed(1, 1, "d", DROPPED), pointed(5, 5, "u", DROPPED));
    let first = if consumer_first {
        [consumer, producer]
    } else {
        [producer, consumer]
    };
    for span in first.into_iter().chain([pointed(5, 6, "d", KEPT)]) {
        let response = post_otlp(&client, &server, otlp_body(vec![span])).await;
        assert_eq!(response.status(), 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut forwarded = Vec::new();
    while let Ok(Some(request)) = tokio::time::timeout(Duration::from_secs(4), rx.recv()).await {
        forwarded.extend(spans(&request).iter().map(|s| s.span_id[0]));
    }
    forwarded.sort();
    assert_eq!(forwarded, vec![5, 6]);
}
