//! The Redis store against the in-memory one: the same spans recorded in
//! the same order give the same links and unmatched pointers. Runs against
//! Debian's redis-server on a loopback port of its own.
#![cfg(feature = "redis")]

mod common;

use common::numbers::Numbers;
use common::redis_server::RedisServer;
use common::*;
use span_autolink_linker::{
    read, Direction, LiveLimits, MatchOptions, MemoryIndex, PointerIndex, PointerLink, RedisIndex,
    RedisOptions, Span, SpanId, SpanRef, TraceId,
};
use std::path::Path;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(600);

fn redis() -> RedisServer {
    RedisServer::start(Path::new(env!("CARGO_TARGET_TMPDIR")), &[])
}

async fn redis_index(server: &RedisServer, namespace: &str, options: MatchOptions) -> RedisIndex {
    let index = RedisIndex::connect(RedisOptions {
        url: server.url(),
        namespace: namespace.to_owned(),
        ttl: TTL,
        timeout: Duration::from_secs(2),
        match_options: options,
    })
    .await
    .unwrap();
    assert_eq!(index.stats().reachable, Some(true));
    index
}

fn memory_index(options: MatchOptions) -> MemoryIndex {
    MemoryIndex::new(
        options,
        LiveLimits {
            ttl: u64::MAX,
            cap: usize::MAX,
        },
    )
}

fn with_pointers(spans: Vec<Span>) -> Vec<Span> {
    spans
        .into_iter()
        .filter(|s| !s.pointers.is_empty())
        .collect()
}

/// Records each request in both stores, in order, and holds every answer
/// (the answer to each write, the look-up of all spans, the whole
/// resolution) to be the same.
async fn replay(name: &str, redis: &RedisIndex, requests: &[Vec<Span>], options: MatchOptions) {
    let memory = memory_index(options);
    for (i, spans) in requests.iter().enumerate() {
        let from_redis = redis.record(spans, 0).await.unwrap();
        let from_memory = memory.record(spans, 0).await.unwrap();
        assert_eq!(from_redis, from_memory, "{name}: answer to request {i}");
    }
    let all: Vec<Span> = requests.iter().flatten().cloned().collect();
    assert_eq!(
        redis.look_up(&all).await.unwrap(),
        memory.look_up(&all).await.unwrap(),
        "{name}: look-up"
    );
    let whole = redis.resolution().await.unwrap();
    assert_eq!(
        whole,
        memory.resolution().await.unwrap(),
        "{name}: resolution"
    );
}

#[tokio::test]
async fn the_matching_cases_give_the_same_links_through_redis() {
    let server = redis();
    for (n, (name, documents, skew)) in common::cases::all().into_iter().enumerate() {
        let options = MatchOptions { skew_nanos: skew };
        let index = redis_index(&server, &format!("case-{n}"), options).await;
        let requests: Vec<Vec<Span>> = documents
            .iter()
            .map(|d| with_pointers(read(d).unwrap().spans()))
            .collect();
        replay(name, &index, &requests, options).await;
        // Something was matched at all: the cases are not vacuous.
        let whole = index.resolution().await.unwrap();
        assert!(
            !whole.links.is_empty() || !whole.unmatched.is_empty(),
            "{name}"
        );
    }
}

/// Spans over a few pointers: several writes and several consumers of
/// each, times within a few skews of each other, some consumers with a
/// change time, a few spans carrying two pointers, split into requests.
fn generated(seed: u64) -> Vec<Vec<Span>> {
    let mut numbers = Numbers(seed);
    let hashes: Vec<String> = (0..6)
        .map(|_| format!("{:032x}", numbers.next() as u128 * 3))
        .collect();
    let mut spans = Vec::new();
    for n in 0..60u64 {
        let mut pointers = Vec::new();
        for _ in 0..1 + numbers.below(4) / 3 {
            let direction = if numbers.below(2) == 0 {
                Direction::Downstream
            } else {
                Direction::Upstream
            };
            let change_time = (direction == Direction::Upstream && numbers.below(2) == 0)
                .then(|| T0 + numbers.below(20 * SECOND));
            pointers.push(PointerLink {
                kind: [S3, DYNAMODB][numbers.below(2) as usize].to_owned(),
                direction,
                hash: hashes[numbers.below(hashes.len() as u64) as usize].clone(),
                change_time,
            });
        }
        let start = T0 + numbers.below(20 * SECOND);
        spans.push(Span {
            id: SpanRef {
                trace_id: TraceId::from_halves(seed, n),
                span_id: SpanId::from_u64(n + 1),
            },
            start_unix_nanos: start,
            end_unix_nanos: start + numbers.below(3 * SECOND),
            pointers,
        });
    }
    let mut requests = Vec::new();
    while !spans.is_empty() {
        let take = (1 + numbers.below(8) as usize).min(spans.len());
        requests.push(spans.drain(..take).collect());
    }
    requests
}

#[tokio::test]
async fn generated_spans_give_the_same_links_through_redis() {
    let server = redis();
    let options = MatchOptions::default();
    for seed in 1..=40 {
        let index = redis_index(&server, &format!("generated-{seed}"), options).await;
        let requests = generated(seed);
        replay(&format!("seed {seed}"), &index, &requests, options).await;
    }
}

#[tokio::test]
async fn keys_hold_only_ids_and_times_and_expire_within_their_namespace() {
    let server = redis();
    let options = MatchOptions::default();
    let index = redis_index(&server, "team-a", options).await;
    let spans = with_pointers(read(&common::cases::one_pair()).unwrap().spans());
    let answer = index.record(&spans, 0).await.unwrap();
    assert_eq!(answer.links.len(), 1);

    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert_eq!(keys, vec![format!("team-a:{S3}:{HASH_A}")]);
    let ttl: i64 = redis::cmd("TTL")
        .arg(&keys[0])
        .query(&mut connection)
        .unwrap();
    assert!(ttl > 0 && ttl <= TTL.as_secs() as i64, "{ttl}");
    let fields: Vec<(String, String)> = redis::cmd("HGETALL")
        .arg(&keys[0])
        .query(&mut connection)
        .unwrap();
    let mut fields = fields;
    fields.sort();
    assert_eq!(
        fields,
        vec![
            (format!("d:{}:{}", trace(1), span(1)), (T0 + 1).to_string()),
            (format!("u:{}:{}", trace(2), span(2)), T0.to_string()),
        ]
    );

    // Another namespace on the same server sees nothing of it.
    let other = redis_index(&server, "team-b", options).await;
    let resolution = other.resolution().await.unwrap();
    assert!(resolution.links.is_empty() && resolution.unmatched.is_empty());
    assert_eq!(index.resolution().await.unwrap().links.len(), 1);
}

#[tokio::test]
async fn an_outage_fails_calls_at_once_and_the_index_reconnects_by_itself() {
    let mut server = redis();
    let options = MatchOptions::default();
    let index = redis_index(&server, "outage", options).await;
    let spans = with_pointers(read(&common::cases::one_pair()).unwrap().spans());

    server.stop();
    // The first call finds the connection gone; the next ones do not wait.
    assert!(index.record(&spans, 0).await.is_err());
    let started = Instant::now();
    for _ in 0..100 {
        let error = index.record(&spans, 0).await.unwrap_err();
        assert_eq!(error.code, "store_unavailable");
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(index.stats().reachable, Some(false));
    assert!(index.stats().failures.unwrap() >= 101);

    server.restart();
    let started = Instant::now();
    while index.stats().reachable != Some(true) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no reconnection"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(index.record(&spans, 0).await.unwrap().links.len(), 1);
}
