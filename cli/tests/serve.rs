//! `span-autolink serve` on a loopback port chosen at run time, driven by
//! a real HTTP client, forwarding to a test receiver.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;
use support::*;

/// A Datadog v0.4 span as the agent API documents it. Typed rather than
/// `serde_json::Value`, whose numbers serialise as maps when `cargo test
/// --workspace` turns on serde_json's `arbitrary_precision`.
#[derive(serde::Serialize)]
struct DatadogSpan {
    service: &'static str,
    name: &'static str,
    resource: &'static str,
    trace_id: u64,
    span_id: u64,
    parent_id: u64,
    start: u64,
    duration: u64,
    meta: BTreeMap<&'static str, &'static str>,
    span_links: Vec<DatadogSpanLink>,
}

#[derive(serde::Serialize)]
struct DatadogSpanLink {
    trace_id: u64,
    span_id: u64,
    attributes: BTreeMap<&'static str, &'static str>,
}

/// A Datadog v0.4 msgpack payload with one consumer span (ids 9).
fn datadog_consumer() -> Vec<u8> {
    let span = DatadogSpan {
        service: "fn",
        name: "aws.lambda",
        resource: "handler",
        trace_id: 9,
        span_id: 9,
        parent_id: 0,
        start: T0 + 500_000_000,
        duration: 1000,
        meta: BTreeMap::new(),
        span_links: vec![DatadogSpanLink {
            trace_id: 0,
            span_id: 0,
            attributes: BTreeMap::from([
                ("link.kind", "span-pointer"),
                ("ptr.kind", "aws.s3.object"),
                ("ptr.dir", "u"),
                ("ptr.hash", HASH),
            ]),
        }],
    };
    // Named: a v0.4 span is a map, not an array of fields.
    rmp_serde::to_vec_named(&vec![vec![span]]).unwrap()
}

/// An OTLP protobuf body already compressed (or meant to be) with gzip.
async fn post_gzip_otlp(
    client: &reqwest::Client,
    server: &Server,
    gzip: Vec<u8>,
) -> reqwest::Response {
    let request = client
        .post(server.url("/v1/traces"))
        .header("content-encoding", "gzip");
    send(client, request, "application/x-protobuf", gzip).await
}

async fn put_datadog(
    client: &reqwest::Client,
    server: &Server,
    body: Vec<u8>,
) -> reqwest::Response {
    let request = client.put(server.url("/v0.4/traces"));
    send(client, request, "application/msgpack", body).await
}

/// A refusal: its status, and a body that says what was wrong.
async fn assert_refused(response: reqwest::Response, status: u16, says: &str) {
    assert_eq!(response.status(), status);
    let body = response.text().await.unwrap();
    assert!(body.contains(says), "{body}");
}

#[tokio::test]
async fn links_an_otlp_producer_to_a_datadog_consumer() {
    let server = Server::start(&[]);
    let client = reqwest::Client::new();
    let response = post_otlp(
        &client,
        &server,
        otlp_body(vec![otlp_span(1, Some("d")), otlp_span(2, None)]),
    )
    .await;
    assert_eq!(response.status(), 200);
    let response = put_datadog(&client, &server, datadog_consumer()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "{\"rate_by_service\":{}}");

    let expected = json!({"links": [{"kind": "aws.s3.object", "hash": HASH,
        "producer": {"trace_id": "01".repeat(16), "span_id": "01".repeat(8)},
        "consumer": {"trace_id": format!("{:032x}", 9), "span_id": format!("{:016x}", 9)}}],
        "unmatched": []});
    let (status, links) = get_text(&client, &server, "/links").await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&links).unwrap(), expected);
    let (_, one) = get_text(&client, &server, &format!("/links?trace_id={:032x}", 9)).await;
    assert_eq!(serde_json::from_str::<Value>(&one).unwrap(), expected);
    let (_, none) = get_text(
        &client,
        &server,
        &format!("/links?trace_id={}", "02".repeat(16)),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&none).unwrap(),
        json!({"links": [], "unmatched": []})
    );

    let (_, metrics) = get_text(&client, &server, "/metrics").await;
    assert_eq!(metric(&metrics, "span_autolink_spans_total"), 3);
    assert_eq!(metric(&metrics, "span_autolink_pointers_total"), 2);
    assert_eq!(metric(&metrics, "span_autolink_links"), 1);
    assert_eq!(metric(&metrics, "span_autolink_held_spans"), 0);
}

#[tokio::test]
async fn bad_requests_get_a_4xx_with_a_sentence_and_change_nothing() {
    let server = Server::start(&["--max-body", "1000"]);
    let client = reqwest::Client::new();
    let request = client.post(server.url("/v1/traces"));
    let wrong_type = send(&client, request, "text/plain", b"hello".to_vec()).await;
    assert_refused(
        wrong_type,
        415,
        "content_type_unsupported: content type `text/plain`",
    )
    .await;

    let undecodable = post_otlp(&client, &server, vec![0x0a, 0x05, 0x01]).await;
    assert_refused(undecodable, 400, "otlp_protobuf_invalid: ").await;

    let not_datadog = put_datadog(&client, &server, vec![0x91, 0xc1]).await;
    assert_eq!(not_datadog.status(), 400);

    let oversized = post_otlp(
        &client,
        &server,
        otlp_body(vec![otlp_span(1, Some("d")); 20]),
    )
    .await;
    assert_refused(oversized, 413, "larger than 1000 bytes").await;

    let corrupt = post_gzip_otlp(&client, &server, b"not gzip".to_vec()).await;
    assert_refused(corrupt, 400, "body_unreadable: ").await;

    let (status, text) = get_text(&client, &server, "/links?trace_id=xyz").await;
    assert_eq!(status, 400);
    assert!(text.starts_with("trace_id_invalid: "), "{text}");

    let (_, metrics) = get_text(&client, &server, "/metrics").await;
    assert_eq!(metric(&metrics, "span_autolink_spans_total"), 0);
}

#[tokio::test]
async fn gzip_bodies_are_read_as_the_collector_sends_them() {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let server = Server::start(&[]);
    let client = reqwest::Client::new();
    let mut gzip = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&otlp_body(vec![otlp_span(1, Some("d"))]))
        .unwrap();
    let response = post_gzip_otlp(&client, &server, gzip.finish().unwrap()).await;
    assert_eq!(response.status(), 200);
    let (_, metrics) = get_text(&client, &server, "/metrics").await;
    assert_eq!(metric(&metrics, "span_autolink_pointers_total"), 1);
}

#[tokio::test]
async fn the_cap_on_live_pointers_evicts_the_oldest() {
    let server = Server::start(&["--max-pointers", "1"]);
    let client = reqwest::Client::new();
    post_otlp(&client, &server, otlp_body(vec![otlp_span(1, Some("d"))])).await;
    post_otlp(&client, &server, otlp_body(vec![otlp_span(2, Some("d"))])).await;
    let (_, metrics) = get_text(&client, &server, "/metrics").await;
    assert_eq!(metric(&metrics, "span_autolink_live_pointers"), 1);
    assert_eq!(metric(&metrics, "span_autolink_evicted_total"), 1);
}

#[tokio::test]
async fn forwards_plain_spans_at_once_and_pointer_spans_with_their_links() {
    let (url, mut rx) = receiver().await;
    let server = Server::start(&["--forward", &url, "--wait", "2"]);
    let client = reqwest::Client::new();
    post_otlp(
        &client,
        &server,
        otlp_body(vec![otlp_span(1, Some("d")), otlp_span(2, None)]),
    )
    .await;
    let plain = next(&mut rx).await;
    assert_eq!(spans(&plain).len(), 1);
    assert_eq!(spans(&plain)[0].span_id, vec![2; 8]);

    // The consumer has its producer: it goes on at once, linked. The
    // producer waits out its 2 s, as another consumer may still come. Had
    // the consumer waited too, the producer, held first, would come first.
    put_datadog(&client, &server, datadog_consumer()).await;
    let forwarded = next(&mut rx).await;
    let consumer = spans(&forwarded)[0];
    assert_eq!(consumer.span_id, 9u64.to_be_bytes().to_vec());
    assert_eq!(consumer.links.len(), 2);
    assert_eq!(consumer.links[1].trace_id, vec![1; 16]);
    assert_eq!(mark(&consumer.links[1]), "forward");

    let forwarded = next(&mut rx).await;
    let producer = spans(&forwarded)[0];
    assert_eq!(producer.span_id, vec![1; 8]);
    assert_eq!(producer.links.len(), 2);
    assert_eq!(producer.links[1].span_id, 9u64.to_be_bytes().to_vec());
    assert_eq!(mark(&producer.links[1]), "backward");
}

#[tokio::test]
async fn a_held_producer_gets_every_consumer_that_comes_within_its_wait() {
    let (url, mut rx) = receiver().await;
    let server = Server::start(&["--forward", &url, "--wait", "3"]);
    let client = reqwest::Client::new();
    post_otlp(&client, &server, otlp_body(vec![otlp_span(1, Some("d"))])).await;
    // One upload, two queues: an OpenTelemetry and a Datadog consumer.
    post_otlp(&client, &server, otlp_body(vec![otlp_span(3, Some("u"))])).await;
    // Several of serve's ticks pass before the second consumer comes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    put_datadog(&client, &server, datadog_consumer()).await;
    let mut backward = Vec::new();
    for _ in 0..3 {
        let request = next(&mut rx).await;
        for span in spans(&request) {
            if span.span_id == vec![1; 8] {
                backward = span
                    .links
                    .iter()
                    .filter(|l| mark(l) == "backward")
                    .map(|l| l.span_id.clone())
                    .collect();
            }
        }
    }
    backward.sort();
    assert_eq!(backward, vec![9u64.to_be_bytes().to_vec(), vec![3; 8]]);
}

#[tokio::test]
async fn sigterm_flushes_held_spans() {
    let (url, mut rx) = receiver().await;
    let mut server = Server::start(&["--forward", &url, "--wait", "600"]);
    let client = reqwest::Client::new();
    post_otlp(&client, &server, otlp_body(vec![otlp_span(1, Some("d"))])).await;
    let (_, metrics) = get_text(&client, &server, "/metrics").await;
    assert_eq!(metric(&metrics, "span_autolink_held_spans"), 1);
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let flushed = next(&mut rx).await;
    assert_eq!(spans(&flushed)[0].span_id, vec![1; 8]);
    let exit = tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success());
}

/// The span ids of a span's resolved links with this mark.
fn marked(
    span: &span_autolink_linker::opentelemetry_proto::tonic::trace::v1::Span,
    how: &str,
) -> Vec<Vec<u8>> {
    span.links
        .iter()
        .filter(|l| mark(l) == how)
        .map(|l| l.span_id.clone())
        .collect()
}

#[tokio::test]
async fn a_consumer_waits_for_its_own_write_when_only_an_older_one_has_come() {
    // The object was written ten minutes ago (span 1) and again just
    // before the event (span 2), whose export comes after the consumer's
    // (span 3), as a producer's batch exporter often does. SPEC 10: among
    // producers that ended by c + 2 s, the one ending closest to c = the
    // consumer's start: span 2 (0.1 s before), not span 1 (600 s before).
    let (url, mut rx) = receiver().await;
    let server = Server::start(&["--forward", &url, "--wait", "2"]);
    let client = reqwest::Client::new();
    let c = T0 + 600_000_000_000;
    let mut consumer = otlp_span(3, Some("u"));
    consumer.start_time_unix_nano = c;
    consumer.end_time_unix_nano = c + 1000;
    let mut newer = otlp_span(2, Some("d"));
    newer.start_time_unix_nano = c - 500_000_000;
    newer.end_time_unix_nano = c - 100_000_000;
    post_otlp(&client, &server, otlp_body(vec![otlp_span(1, Some("d"))])).await;
    post_otlp(&client, &server, otlp_body(vec![consumer])).await;
    post_otlp(&client, &server, otlp_body(vec![newer])).await;
    let mut got = BTreeMap::new();
    for _ in 0..3 {
        let request = next(&mut rx).await;
        for span in spans(&request) {
            got.insert(
                span.span_id[0],
                (marked(span, "forward"), marked(span, "backward")),
            );
        }
    }
    assert_eq!(
        got[&3],
        (vec![vec![2; 8]], vec![]),
        "the consumer's producer"
    );
    assert_eq!(got[&2], (vec![], vec![vec![3; 8]]), "the newer write");
    assert_eq!(got[&1], (vec![], vec![]), "the older write");
}
