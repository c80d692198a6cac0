//! Replicas of `span-autolink serve` sharing one pointer index in Redis
//! (Debian's redis-server on a loopback port of its own): a producer
//! received by one replica links to its consumer received by another, in
//! either order; a Redis outage lets spans through unlinked and linking
//! resumes when Redis is back.

mod support;

use serde_json::{json, Value};
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::opentelemetry_proto::tonic::trace::v1::Span;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use support::redis_server::RedisServer;
use support::*;
use tokio::sync::mpsc;

const S3: &str = "aws.s3.object";
const DYNAMODB: &str = "aws.dynamodb.item";
const SECOND: u64 = 1_000_000_000;

fn redis() -> RedisServer {
    RedisServer::start(Path::new(env!("CARGO_TARGET_TMPDIR")), &[])
}

/// A replica forwarding to `forward`, holding spans with pointers 1 s.
fn replica(store: &str, namespace: &str, forward: &str) -> Server {
    Server::start(&[
        "--store",
        store,
        "--store-namespace",
        namespace,
        "--store-timeout",
        "0.5",
        "--forward",
        forward,
        "--wait",
        "1",
    ])
}

/// One hop: the producer span that wrote and the consumer span its event
/// reached, each in a trace of its own with a child span without pointers.
struct Hop {
    kind: &'static str,
    hash: String,
    producer: Span,
    consumer: Span,
}

fn ids(trace: u8, n: u8) -> (Vec<u8>, Vec<u8>) {
    let mut trace_id = vec![trace; 16];
    trace_id[15] = n;
    let mut span_id = vec![trace; 8];
    span_id[7] = n;
    (trace_id, span_id)
}

fn span(trace: u8, n: u8, start: u64, end: u64, links: Vec<(&str, &str, &str)>) -> Span {
    let (trace_id, span_id) = ids(trace, n);
    Span {
        trace_id,
        span_id,
        name: "op".to_owned(),
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        links: links
            .into_iter()
            .map(|(kind, dir, hash)| pointer_link(kind, dir, hash))
            .collect(),
        ..Default::default()
    }
}

fn hop(n: u8) -> Hop {
    let kind = if n % 2 == 0 { S3 } else { DYNAMODB };
    let hash = format!("{:032x}", 0xfeed_0000_u128 + n as u128);
    let end = T0 + n as u64 * SECOND;
    Hop {
        kind,
        producer: span(0x10, n, end - 1000, end, vec![(kind, "d", &hash)]),
        consumer: span(
            0x20,
            n,
            end + SECOND / 2,
            end + SECOND,
            vec![(kind, "u", &hash)],
        ),
        hash,
    }
}

/// The request a service would export: the pointer spans and a child
/// span without pointers for each.
fn request(spans: Vec<&Span>) -> Vec<u8> {
    let mut all = Vec::new();
    for s in spans {
        all.push(s.clone());
        let mut child = s.clone();
        child.span_id[0] ^= 0xff;
        child.parent_span_id = s.span_id.clone();
        child.links.clear();
        all.push(child);
    }
    otlp_body(all)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The link each hop should give, in the report's shape.
fn expected_link(hop: &Hop) -> Value {
    json!({"kind": hop.kind, "hash": hop.hash,
        "producer": {"trace_id": hex(&hop.producer.trace_id), "span_id": hex(&hop.producer.span_id)},
        "consumer": {"trace_id": hex(&hop.consumer.trace_id), "span_id": hex(&hop.consumer.span_id)}})
}

async fn links_of(client: &reqwest::Client, server: &Server, query: &str) -> Vec<Value> {
    let (status, text) = get_text(client, server, &format!("/links{query}")).await;
    assert_eq!(status, 200, "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    let mut links = report["links"].as_array().unwrap().clone();
    links.sort_by_key(|l| l.to_string());
    links
}

fn sorted(mut links: Vec<Value>) -> Vec<Value> {
    links.sort_by_key(|l| l.to_string());
    links
}

async fn send_ok(client: &reqwest::Client, server: &Server, body: Vec<u8>) {
    let response = post_otlp(client, server, body).await;
    assert_eq!(response.status(), 200, "an export failed");
}

/// What was forwarded, by span id (the last copy of each span), until
/// `done` holds for it or 15 s have passed.
async fn forwarded_until(
    rx: &mut mpsc::UnboundedReceiver<ExportTraceServiceRequest>,
    seen: &mut HashMap<Vec<u8>, Span>,
    done: impl Fn(&HashMap<Vec<u8>, Span>) -> bool,
) {
    let started = Instant::now();
    while !done(seen) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "forwarded so far: {} spans",
            seen.len()
        );
        if let Ok(Some(request)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
        {
            for s in spans(&request) {
                seen.insert(s.span_id.clone(), s.clone());
            }
        }
    }
}

/// The real (non-zero) links of a forwarded span: (mark, trace id, span id).
fn real_links(span: &Span) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    span.links
        .iter()
        .filter(|l| l.span_id.iter().any(|b| *b != 0))
        .map(|l| (mark(l).to_owned(), l.trace_id.clone(), l.span_id.clone()))
        .collect()
}

fn assert_linked_in_forwarded(seen: &HashMap<Vec<u8>, Span>, hop: &Hop) {
    let producer = &seen[&hop.producer.span_id];
    assert_eq!(
        real_links(producer),
        vec![(
            "backward".to_owned(),
            hop.consumer.trace_id.clone(),
            hop.consumer.span_id.clone()
        )],
        "producer of hop {}",
        hop.hash
    );
    let consumer = &seen[&hop.consumer.span_id];
    assert_eq!(
        real_links(consumer),
        vec![(
            "forward".to_owned(),
            hop.producer.trace_id.clone(),
            hop.producer.span_id.clone()
        )],
        "consumer of hop {}",
        hop.hash
    );
    // The zero-context pointer links stay.
    assert_eq!(producer.links.len(), 2);
    assert_eq!(consumer.links.len(), 2);
}

async fn metrics(client: &reqwest::Client, server: &Server) -> String {
    get_text(client, server, "/metrics").await.1
}

/// Hops 1..=n: for the first half the producers go to `a` before the
/// consumers go to `b`, for the rest the consumers first. Every link must
/// then be in `/links` of each of `replicas` and in the forwarded OTLP.
async fn link_across(
    a: &Server,
    b: &Server,
    replicas: &[&Server],
    rx: &mut mpsc::UnboundedReceiver<ExportTraceServiceRequest>,
    n: u8,
) -> Vec<Hop> {
    let client = reqwest::Client::new();
    let hops: Vec<Hop> = (1..=n).map(hop).collect();
    let (early, late) = hops.split_at(n as usize / 2);
    let producers = |hops: &[Hop]| request(hops.iter().map(|h| &h.producer).collect());
    let consumers = |hops: &[Hop]| request(hops.iter().map(|h| &h.consumer).collect());
    send_ok(&client, a, producers(early)).await;
    send_ok(&client, b, consumers(early)).await;
    send_ok(&client, b, consumers(late)).await;
    send_ok(&client, a, producers(late)).await;

    let expected = sorted(hops.iter().map(expected_link).collect());
    for replica in replicas {
        assert_eq!(links_of(&client, replica, "").await, expected);
    }
    // Every span goes on, the pointer spans with their links: the side
    // that arrived second at once, the first at the end of its wait.
    let mut seen = HashMap::new();
    forwarded_until(rx, &mut seen, |seen| seen.len() == 4 * hops.len()).await;
    for hop in &hops {
        assert_linked_in_forwarded(&seen, hop);
    }
    hops
}

#[tokio::test]
async fn producers_on_one_replica_and_consumers_on_another_link_in_either_order() {
    let redis = redis();
    let (url, mut rx) = receiver().await;
    let store = redis.url();
    let a = replica(&store, "pipeline", &url);
    let b = replica(&store, "pipeline", &url);
    let c = replica(&store, "pipeline", &url);
    let client = reqwest::Client::new();

    let hops = link_across(&a, &b, &[&a, &b, &c], &mut rx, 8).await;
    let one = &hops[6];
    assert_eq!(
        links_of(
            &client,
            &c,
            &format!("?trace_id={}", hex(&one.consumer.trace_id))
        )
        .await,
        vec![expected_link(one)]
    );

    for replica in [&a, &b] {
        let text = metrics(&client, replica).await;
        assert_eq!(metric(&text, "span_autolink_store_up"), 1);
        assert_eq!(metric(&text, "span_autolink_unlinked_spans_total"), 0);
        assert_eq!(metric(&text, "span_autolink_held_spans"), 0);
    }
    // A pipeline in another namespace of the same server sees none of it.
    let other = replica(&store, "other-pipeline", &url);
    assert_eq!(links_of(&client, &other, "").await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_redis_outage_lets_spans_through_and_linking_resumes() {
    let mut redis = redis();
    let (url, mut rx) = receiver().await;
    let store = redis.url();
    let a = replica(&store, "outage", &url);
    let b = replica(&store, "outage", &url);
    let client = reqwest::Client::new();
    let mut seen = HashMap::new();

    let before = hop(1);
    send_ok(&client, &a, request(vec![&before.producer])).await;
    send_ok(&client, &b, request(vec![&before.consumer])).await;
    forwarded_until(&mut rx, &mut seen, |seen| seen.len() == 4).await;
    assert_linked_in_forwarded(&seen, &before);

    redis.stop();
    let during = hop(2);
    send_ok(&client, &a, request(vec![&during.producer])).await;
    send_ok(&client, &b, request(vec![&during.consumer])).await;
    // Both sides go on without waiting for a link, and without one.
    forwarded_until(&mut rx, &mut seen, |seen| seen.len() == 8).await;
    assert!(real_links(&seen[&during.producer.span_id]).is_empty());
    assert!(real_links(&seen[&during.consumer.span_id]).is_empty());
    for replica in [&a, &b] {
        let text = metrics(&client, replica).await;
        assert_eq!(metric(&text, "span_autolink_store_up"), 0);
        assert_eq!(metric(&text, "span_autolink_unlinked_spans_total"), 1);
        assert!(metric(&text, "span_autolink_store_failures_total") >= 1);
        assert!(replica.logged("span-autolink: store_"), "{:?}", replica.log);
    }
    let (status, text) = get_text(&client, &a, "/links").await;
    assert_eq!(status, 503, "{text}");
    assert!(text.starts_with("store_"), "{text}");

    redis.restart();
    let started = Instant::now();
    for replica in [&a, &b] {
        while metric(&metrics(&client, replica).await, "span_autolink_store_up") != 1 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no reconnection"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let after = hop(3);
    send_ok(&client, &b, request(vec![&after.consumer])).await;
    send_ok(&client, &a, request(vec![&after.producer])).await;
    forwarded_until(&mut rx, &mut seen, |seen| seen.len() == 12).await;
    assert_linked_in_forwarded(&seen, &after);
    // The restarted server saved nothing: only the hop after the outage.
    for replica in [&a, &b] {
        assert_eq!(
            links_of(&client, replica, "").await,
            vec![expected_link(&after)]
        );
        assert!(replica.logged("store_available"), "{:?}", replica.log);
    }
}

#[tokio::test]
async fn replicas_share_a_redis_cluster() {
    let nodes = support::redis_server::cluster(Path::new(env!("CARGO_TARGET_TMPDIR")), 3);
    let store = format!(
        "redis+cluster://{}",
        nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect::<Vec<_>>()
            .join(",")
    );
    let (url, mut rx) = receiver().await;
    let a = replica(&store, "cluster", &url);
    let b = replica(&store, "cluster", &url);

    link_across(&a, &b, &[&a, &b], &mut rx, 12).await;
    // The pointers are spread over the shards, not kept on one.
    let holding = nodes.iter().filter(|n| n.cli(&["dbsize"]) != "0").count();
    assert!(holding >= 2, "pointers on {holding} of 3 shards");
}

#[tokio::test]
async fn a_replica_started_while_redis_is_down_serves_and_connects_later() {
    // A port nothing listens on yet.
    let port = support::redis_server::free_port();
    let (url, mut rx) = receiver().await;
    let store = format!("redis://127.0.0.1:{port}");
    let a = replica(&store, "late", &url);
    assert!(a.logged("store_unavailable"), "{:?}", a.log);
    let client = reqwest::Client::new();
    let early = hop(1);
    send_ok(&client, &a, request(vec![&early.producer, &early.consumer])).await;
    let mut seen = HashMap::new();
    forwarded_until(&mut rx, &mut seen, |seen| seen.len() == 4).await;
    assert!(real_links(&seen[&early.producer.span_id]).is_empty());
    assert_eq!(
        metric(
            &metrics(&client, &a).await,
            "span_autolink_unlinked_spans_total"
        ),
        2
    );

    let _redis = RedisServer::start_on(Path::new(env!("CARGO_TARGET_TMPDIR")), port);
    let started = Instant::now();
    while metric(&metrics(&client, &a).await, "span_autolink_store_up") != 1 {
        assert!(started.elapsed() < Duration::from_secs(10), "no connection");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let later = hop(2);
    send_ok(&client, &a, request(vec![&later.producer, &later.consumer])).await;
    forwarded_until(&mut rx, &mut seen, |seen| seen.len() == 8).await;
    assert_linked_in_forwarded(&seen, &later);
}

/// Now in microseconds since the Unix epoch, the unit of the sides' scores.
fn unix_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

#[tokio::test]
async fn replicas_record_sides_at_the_wall_clock_time_they_share() {
    // A side leaves the TTL after it was recorded, by whichever replica
    // reads it: replicas started at different times must agree on when
    // that was, so it is counted from the Unix epoch, not from the start.
    let redis = redis();
    let (url, _rx) = receiver().await;
    let a = replica(&redis.url(), "clock", &url);
    let client = reqwest::Client::new();
    let one = hop(1);
    let before = unix_micros();
    send_ok(&client, &a, request(vec![&one.producer])).await;
    let after = unix_micros();
    let key = format!("clock:{}:{}", one.kind, one.hash);
    // The member is binary; its score is the last line.
    let answer = redis.cli(&["zrange", &key, "0", "-1", "withscores"]);
    let score: u64 = answer.lines().last().unwrap().parse().unwrap();
    // A second either way for the monotonic and the wall clock drifting apart.
    assert!(
        before - 1_000_000 <= score && score <= after + 1_000_000,
        "recorded at {score}, sent between {before} and {after}"
    );
}

#[tokio::test]
async fn an_object_written_again_and_again_keeps_only_its_writes_within_the_ttl() {
    // The same object written every 100 ms for three times the time to
    // live, through two replicas: its key must hold the writes of the last
    // time to live only, not every write since it was first seen.
    let redis = redis();
    let (url, _rx) = receiver().await;
    let store = redis.url();
    let replicas: Vec<Server> = (0..2)
        .map(|_| {
            Server::start(&[
                "--store",
                &store,
                "--store-namespace",
                "hot",
                "--forward",
                &url,
                "--ttl",
                "1",
                "--wait",
                "0",
            ])
        })
        .collect();
    let client = reqwest::Client::new();
    let hash = format!("{:032x}", 0xb0b_u128);
    let key = format!("hot:{S3}:{hash}");
    let writes = 30u8;
    let mut held = Vec::new();
    for n in 0..writes {
        let end = T0 + n as u64 * SECOND / 10;
        let producer = span(0x30, n, end - 1000, end, vec![(S3, "d", &hash)]);
        send_ok(&client, &replicas[n as usize % 2], request(vec![&producer])).await;
        held.push(redis.cli(&["zcard", &key]).parse::<usize>().unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Writes at least 100 ms apart: 11 fit in one second, one more for the
    // replicas' clocks and their receiving times differing by a little.
    let most = held.iter().copied().max().unwrap();
    assert!(most <= 12, "the key held {most} writes: {held:?}");
    // It did fill up to that: the writes of the last second are kept.
    assert!(held[writes as usize - 1] >= 8, "{held:?}");
}
