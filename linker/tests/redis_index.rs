//! The Redis store against the in-memory one: the same spans arriving at
//! the same times give the same links and unmatched pointers, including
//! once sides have outlived the time to live. Runs against Debian's
//! redis-server on a loopback port of its own.
#![cfg(feature = "redis")]

mod common;

use common::numbers::Numbers;
use common::redis_server::RedisServer;
use common::*;
use span_autolink_linker::{
    read, Direction, LiveLimits, MatchOptions, MemoryIndex, PointerIndex, PointerLink, RedisIndex,
    RedisOptions, Resolution, Span, SpanId, SpanRef, TraceId,
};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const TTL: Duration = Duration::from_secs(600);
/// The clock the tests give both indexes (Unix nanoseconds): arrival times
/// are the test's, not the machine's. Redis's own key expiry runs on real
/// time, so each test's time to live outlasts the test.
const NOW: u64 = 1_800_000_000 * SECOND;
const MILLISECOND: u64 = SECOND / 1000;

fn redis() -> RedisServer {
    RedisServer::start(Path::new(env!("CARGO_TARGET_TMPDIR")), &[])
}

async fn redis_index(
    server: &RedisServer,
    namespace: &str,
    options: MatchOptions,
    ttl: Duration,
) -> RedisIndex {
    let index = RedisIndex::connect(RedisOptions {
        url: server.url(),
        namespace: namespace.to_owned(),
        ttl,
        timeout: Duration::from_secs(2),
        match_options: options,
    })
    .await
    .unwrap();
    assert_eq!(index.stats().reachable, Some(true));
    index
}

fn memory_index(options: MatchOptions, ttl: Duration) -> MemoryIndex {
    MemoryIndex::new(
        options,
        LiveLimits {
            ttl: ttl.as_nanos() as u64,
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

fn connection(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

/// Whether `namespace` holds any key.
fn holds_keys(connection: &mut redis::Connection, namespace: &str) -> bool {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{namespace}:*"))
        .query(connection)
        .unwrap();
    !keys.is_empty()
}

/// Both indexes at `now`, as the service calls them: expire, then record.
async fn record_both(
    redis: &RedisIndex,
    memory: &MemoryIndex,
    spans: &[Span],
    now: u64,
) -> (Resolution, Resolution) {
    redis.expire(now);
    memory.expire(now);
    (
        redis.record(spans, now).await.unwrap(),
        memory.record(spans, now).await.unwrap(),
    )
}

/// Records each request, at its arrival time, in both stores with the same
/// time to live, in order, and holds every answer to be the same: the
/// answer to each write, then, at each of `after`, the look-up of all spans
/// and the whole resolution. Answers how many sides the in-memory index
/// let expire while the requests arrived.
async fn replay(
    name: &str,
    redis: &RedisIndex,
    arrivals: &[(u64, Vec<Span>)],
    options: MatchOptions,
    ttl: Duration,
    after: &[u64],
) -> u64 {
    let memory = memory_index(options, ttl);
    for (i, (at, spans)) in arrivals.iter().enumerate() {
        let (from_redis, from_memory) = record_both(redis, &memory, spans, *at).await;
        assert_eq!(from_redis, from_memory, "{name}: answer to request {i}");
    }
    let expired = memory.stats().expired.unwrap();
    let all: Vec<Span> = arrivals.iter().flat_map(|(_, s)| s).cloned().collect();
    for &now in after {
        redis.expire(now);
        memory.expire(now);
        assert_eq!(
            redis.look_up(&all).await.unwrap(),
            memory.look_up(&all).await.unwrap(),
            "{name}: look-up at {now}"
        );
        assert_eq!(
            redis.resolution().await.unwrap(),
            memory.resolution().await.unwrap(),
            "{name}: resolution at {now}"
        );
    }
    expired
}

#[tokio::test]
async fn the_matching_cases_give_the_same_links_through_redis() {
    let server = redis();
    for (n, (name, documents, skew)) in common::cases::all().into_iter().enumerate() {
        let options = MatchOptions { skew_nanos: skew };
        let index = redis_index(&server, &format!("case-{n}"), options, TTL).await;
        let arrivals: Vec<(u64, Vec<Span>)> = documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let at = NOW + i as u64 * SECOND;
                (at, with_pointers(read(d).unwrap().spans()))
            })
            .collect();
        let last = arrivals.last().unwrap().0;
        replay(name, &index, &arrivals, options, TTL, &[last]).await;
        // Something was matched at all: the cases are not vacuous.
        let whole = index.resolution().await.unwrap();
        assert!(
            !whole.links.is_empty() || !whole.unmatched.is_empty(),
            "{name}"
        );
    }
}

/// The time to live of the generated arrivals, which span a few of it.
const GENERATED_TTL: Duration = Duration::from_secs(60);

/// Spans over a few pointers: several writes and several consumers of
/// each, times within a few skews of each other, some consumers with a
/// change time, a few spans carrying two pointers, split into requests.
/// Requests arrive up to 20 s apart, so that sides outlive the time to
/// live while their pointer is still being written, and one in four is
/// followed by a retry of an earlier request (a retried export). Arrival
/// times are whole milliseconds: Redis keeps them to the microsecond.
fn generated(seed: u64) -> Vec<(u64, Vec<Span>)> {
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
    let mut arrivals: Vec<(u64, Vec<Span>)> = Vec::new();
    let mut at = NOW;
    while !spans.is_empty() {
        let take = (1 + numbers.below(8) as usize).min(spans.len());
        arrivals.push((at, spans.drain(..take).collect()));
        at += numbers.below(20_000) * MILLISECOND;
        if numbers.below(4) == 0 {
            let again = arrivals[numbers.below(arrivals.len() as u64) as usize]
                .1
                .clone();
            arrivals.push((at, again));
            at += numbers.below(20_000) * MILLISECOND;
        }
    }
    arrivals
}

#[tokio::test]
async fn generated_spans_give_the_same_links_through_redis() {
    let server = redis();
    let options = MatchOptions::default();
    let ttl = GENERATED_TTL.as_nanos() as u64;
    let mut connection = connection(&server);
    for seed in 1..=40 {
        let namespace = format!("generated-{seed}");
        let index = redis_index(&server, &namespace, options, GENERATED_TTL).await;
        let arrivals = generated(seed);
        let last = arrivals.last().unwrap().0;
        // Sides expired since the last write must be left out of reads too;
        // once the last side is older than the time to live, nothing is left.
        let after = [last, last + ttl / 2, last + ttl + MILLISECOND];
        let expired = replay(
            &format!("seed {seed}"),
            &index,
            &arrivals,
            options,
            GENERATED_TTL,
            &after,
        )
        .await;
        // Sides left while their pointers were still being written.
        assert!(expired > 0, "seed {seed}: nothing expired");
        assert!(
            !holds_keys(&mut connection, &namespace),
            "seed {seed}: keys left"
        );
    }
}

/// A producer span that wrote the item at second `n`, and the consumer
/// span its stream record reached, whose change time is 100 ms after.
fn write_and_record(n: u64) -> (Span, Span) {
    let pointer = |direction, change_time| PointerLink {
        kind: DYNAMODB.to_owned(),
        direction,
        hash: HASH_B.to_owned(),
        change_time,
    };
    let end = T0 + n * SECOND;
    let span = |side: u64, pointers| Span {
        id: SpanRef {
            trace_id: TraceId::from_halves(side, n),
            span_id: SpanId::from_u64(n + 1),
        },
        start_unix_nanos: end - SECOND / 100,
        end_unix_nanos: end,
        pointers,
    };
    (
        span(1, vec![pointer(Direction::Downstream, None)]),
        span(
            2,
            vec![pointer(Direction::Upstream, Some(end + SECOND / 10))],
        ),
    )
}

#[tokio::test]
async fn a_pointer_written_again_and_again_keeps_only_its_sides_within_the_ttl() {
    let server = redis();
    let options = MatchOptions::default();
    let ttl = Duration::from_secs(10);
    let index = redis_index(&server, "hot", options, ttl).await;
    let memory = memory_index(options, ttl);
    let mut connection = connection(&server);
    let key = format!("hot:{DYNAMODB}:{HASH_B}");

    // An item written every second for 120 s, its stream record handled
    // half a second after each write; every tenth second the export of the
    // write five seconds before is retried, which must not renew it.
    let mut recorded: Vec<u64> = Vec::new();
    for n in 0..120u64 {
        let (producer, consumer) = write_and_record(n);
        let at = NOW + n * SECOND;
        let mut requests = vec![(at, vec![producer]), (at + SECOND / 2, vec![consumer])];
        if n % 10 == 9 {
            requests.push((at + SECOND / 2, vec![write_and_record(n - 5).0]));
        }
        for (i, (at, spans)) in requests.into_iter().enumerate() {
            let (from_redis, from_memory) = record_both(&index, &memory, &spans, at).await;
            assert_eq!(from_redis, from_memory, "second {n}, request {i}");
            if i < 2 {
                recorded.push(at);
            }
            // The sides first recorded no longer than the time to live ago,
            // counted from the arrivals by hand.
            let live = recorded
                .iter()
                .filter(|r| at - **r <= ttl.as_nanos() as u64)
                .count();
            assert!(live <= 22, "{live}");
            let held: usize = redis::cmd("ZCARD")
                .arg(&key)
                .query(&mut connection)
                .unwrap();
            assert_eq!(held, live, "second {n}, request {i}");
            let answered = from_redis.links.len()
                + from_redis
                    .unmatched
                    .iter()
                    .filter(|u| u.direction == Direction::Upstream)
                    .count();
            let consumers = recorded
                .iter()
                .skip(1)
                .step_by(2)
                .filter(|r| at - **r <= ttl.as_nanos() as u64)
                .count();
            assert_eq!(answered, consumers, "second {n}, request {i}");
        }
    }
    // The consumers of seconds 109 to 119 are left, the writes of 110 to
    // 119: each consumer links to its own write, but that of second 109,
    // whose write has left, to the next one.
    index.expire(NOW + 119 * SECOND + SECOND / 2);
    let links: Vec<(SpanRef, SpanRef)> = index
        .resolution()
        .await
        .unwrap()
        .links
        .iter()
        .map(|l| (l.producer, l.consumer))
        .collect();
    let expected: Vec<(SpanRef, SpanRef)> = (109..120)
        .map(|n| (write_and_record(n.max(110)).0.id, write_and_record(n).1.id))
        .collect();
    let mut links = links;
    links.sort_by_key(|(_, c)| *c);
    let mut expected = expected;
    expected.sort_by_key(|(_, c)| *c);
    assert_eq!(links, expected);
}

#[tokio::test]
async fn keys_hold_only_ids_and_times_and_expire_within_their_namespace() {
    let server = redis();
    let options = MatchOptions::default();
    let index = redis_index(&server, "team-a", options, TTL).await;
    let spans = with_pointers(read(&common::cases::one_pair()).unwrap().spans());
    let answer = index.record(&spans, NOW).await.unwrap();
    assert_eq!(answer.links.len(), 1);

    let mut connection = connection(&server);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert_eq!(keys, vec![format!("team-a:{S3}:{HASH_A}")]);
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query(&mut connection)
        .unwrap();
    assert!(ttl > 0 && ttl <= TTL.as_millis() as i64, "{ttl}");
    let members: Vec<(Vec<u8>, f64)> = redis::cmd("ZRANGE")
        .arg(&keys[0])
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query(&mut connection)
        .unwrap();
    let mut members = members;
    members.sort_by(|a, b| a.0.cmp(&b.0));
    // Each side: its direction, trace id, span id and time (the producer's
    // end, the consumer's start), scored by when it was recorded, in
    // microseconds.
    let side = |direction: &str, n: u8, time: u64| {
        let mut member = direction.as_bytes().to_vec();
        member.extend(hex::decode(trace(n)).unwrap());
        member.extend(hex::decode(span(n)).unwrap());
        member.extend(time.to_be_bytes());
        (member, (NOW / 1000) as f64)
    };
    assert_eq!(members, vec![side("d", 1, T0 + 1), side("u", 2, T0)]);

    // Another namespace on the same server sees nothing of it.
    let other = redis_index(&server, "team-b", options, TTL).await;
    let resolution = other.resolution().await.unwrap();
    assert!(resolution.links.is_empty() && resolution.unmatched.is_empty());
    assert_eq!(index.resolution().await.unwrap().links.len(), 1);
}

#[tokio::test]
async fn a_key_leaves_by_itself_once_its_sides_have_outlived_the_ttl() {
    let server = redis();
    let ttl = Duration::from_millis(300);
    let index = redis_index(&server, "short", MatchOptions::default(), ttl).await;
    let spans = with_pointers(read(&common::cases::one_pair()).unwrap().spans());
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    index.record(&spans, now.as_nanos() as u64).await.unwrap();

    let mut connection = connection(&server);
    let key = format!("short:{S3}:{HASH_A}");
    let left: i64 = redis::cmd("PTTL").arg(&key).query(&mut connection).unwrap();
    assert!(left > 0 && left <= 300, "{left}");
    // Nothing touches the pointer again: Redis drops the key itself.
    std::thread::sleep(Duration::from_millis(500));
    assert!(!holds_keys(&mut connection, "short"));
}

#[tokio::test]
async fn an_outage_fails_calls_at_once_and_the_index_reconnects_by_itself() {
    let mut server = redis();
    let options = MatchOptions::default();
    let index = redis_index(&server, "outage", options, TTL).await;
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
