//! `make bench-redis`: `span-autolink serve` replicas sharing a pointer
//! index in Redis, fed by a loopback load generator (OTLP protobuf, 512
//! spans a request, 10% with pointers, each producer's consumer in the
//! next request, so on the next replica):
//!
//! - spans per second for one, two and three replicas with Redis against
//!   one in-memory replica, in the same run, interleaved, medians of five;
//!   where the CPU goes (replicas, Redis, the load generator) and what one
//!   Redis exchange costs;
//! - the cost per span with 10^4, 10^5 and 10^6 live pointers, for Redis
//!   and for memory (medians of three);
//! - Redis memory per live pointer.
//!
//! Usage: span-autolink-bench-redis BINARY DIR [REQUESTS]

mod load;
mod measure;
#[path = "../../../linker/tests/common/redis_server.rs"]
mod redis_server;

use load::{bodies, post_all, Run, BATCH};
use measure::{load_average, own_cpu, process_cpu, redis_cpu};
use redis_server::RedisServer;
use span_autolink_linker::{
    Direction, MatchOptions, PointerIndex, PointerLink, RedisIndex, RedisOptions, Span, SpanId,
    SpanRef, TraceId,
};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Rounds of the throughput set-ups, interleaved; medians are reported.
const RUNS: usize = 5;
/// Runs at each number of live pointers; medians are reported.
const LIVE_RUNS: usize = 3;
const NAMESPACE: &str = "bench";

struct Replica {
    child: Child,
    base: String,
}

impl Replica {
    fn start(binary: &Path, store: Option<&str>) -> Replica {
        let mut command = Command::new(binary);
        command.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--max-pointers",
            "4000000",
        ]);
        if let Some(store) = store {
            command.args(["--store", store, "--store-namespace", NAMESPACE]);
        }
        let mut child = command
            .stderr(Stdio::piped())
            .spawn()
            .expect("the span-autolink binary runs");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let mut line = String::new();
        let base = loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap_or(0) > 0, "serve exited");
            if let Some(address) = line.trim().strip_prefix("span-autolink: listening on ") {
                break format!("http://{address}");
            }
        };
        // Keep reading so that the replica never blocks on a full pipe.
        std::thread::spawn(move || for _ in stderr.lines() {});
        Replica { child, base }
    }

    fn cpu(&self) -> Duration {
        process_cpu(self.child.id())
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One measured load run and the CPU each part spent on it.
struct Measured {
    run: Run,
    replicas_cpu: Duration,
    redis_cpu: Duration,
    generator_cpu: Duration,
    redis_commands: f64,
}

impl Measured {
    fn per_span(&self, d: Duration) -> f64 {
        d.as_secs_f64() * 1e6 / (self.run.latencies.len() * BATCH) as f64
    }
}

struct Bench {
    binary: PathBuf,
    redis: RedisServer,
    connection: redis::Connection,
    /// First span id and pointer hash of the next bodies: no run meets
    /// another's pointers.
    next_id: u64,
    requests: usize,
}

impl Bench {
    fn bodies(&mut self, requests: usize, pointers_only: bool) -> Arc<Vec<Vec<u8>>> {
        let first = self.next_id;
        self.next_id += 1 << 32;
        Arc::new(bodies(first, requests, pointers_only))
    }

    fn flush(&mut self) {
        let _: () = redis::cmd("FLUSHALL")
            .query(&mut self.connection)
            .expect("Redis flushes");
    }

    /// Starts `count` replicas (Redis when `redis`), posts the bodies
    /// after a warm-up, and measures.
    async fn measure(&mut self, count: usize, redis: bool, prefill: usize) -> Measured {
        let store = redis.then(|| self.redis.url());
        let replicas: Vec<Replica> = (0..count)
            .map(|_| Replica::start(&self.binary, store.as_deref()))
            .collect();
        let urls: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
        if prefill > 0 && !redis {
            // The in-memory index is filled through its own API.
            let fill = self.bodies(prefill.div_ceil(BATCH), true);
            post_all(&urls, fill).await;
        }
        let warm = self.bodies(20, false);
        post_all(&urls, warm).await;
        let load = self.bodies(self.requests, false);

        let replicas_before: Duration = replicas.iter().map(Replica::cpu).sum();
        let redis_before = redis_cpu(&mut self.connection);
        let commands_before =
            measure::info(&mut self.connection, "stats", "total_commands_processed");
        let own_before = own_cpu();
        let run = post_all(&urls, load).await;
        Measured {
            replicas_cpu: replicas.iter().map(Replica::cpu).sum::<Duration>() - replicas_before,
            redis_cpu: redis_cpu(&mut self.connection).saturating_sub(redis_before),
            generator_cpu: own_cpu() - own_before,
            redis_commands: measure::info(
                &mut self.connection,
                "stats",
                "total_commands_processed",
            ) - commands_before,
            run,
        }
    }

    /// The index as a replica opens it, with serve's default time to live.
    async fn index(&self) -> RedisIndex {
        let index = RedisIndex::connect(RedisOptions {
            url: self.redis.url(),
            namespace: NAMESPACE.to_owned(),
            ttl: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            match_options: MatchOptions::default(),
        })
        .await
        .expect("the benchmark's Redis is a store");
        assert_eq!(index.stats().reachable, Some(true), "the index connects");
        index
    }

    /// `count` producer spans, each writing an object of its own.
    fn producers(&mut self, count: usize) -> Vec<Span> {
        let base = self.next_id;
        self.next_id += 1 << 32;
        (0..count as u64)
            .map(|i| Span {
                id: SpanRef {
                    trace_id: TraceId::from_halves(base, i),
                    span_id: SpanId::from_u64(i + 1),
                },
                start_unix_nanos: load::T0 + i,
                end_unix_nanos: load::T0 + i + 1000,
                pointers: vec![PointerLink {
                    kind: "aws.s3.object".to_owned(),
                    direction: Direction::Downstream,
                    hash: format!("{:032x}", (base as u128 + i as u128) | 1 << 127),
                    change_time: None,
                }],
            })
            .collect()
    }

    /// Records `count` live pointers (one producer each) through the index
    /// itself; returns Redis's used memory before and after.
    async fn fill(&mut self, count: usize) -> (f64, f64) {
        let before = measure::info(&mut self.connection, "memory", "used_memory");
        let index = self.index().await;
        for chunk in self.producers(count).chunks(10_000) {
            index
                .record(chunk, unix_now())
                .await
                .expect("Redis takes the pointers");
        }
        let after = measure::info(&mut self.connection, "memory", "used_memory");
        (before, after)
    }

    /// Stops the benchmark unless nearly every pointer key holds both sides
    /// (a producer's consumer comes one request later, so the last
    /// request's producers wait alone): the replicas really linked.
    fn check_paired(&mut self) {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{NAMESPACE}:*"))
            .query(&mut self.connection)
            .expect("Redis lists the keys");
        let mut pipe = redis::pipe();
        for key in &keys {
            pipe.cmd("ZCARD").arg(key);
        }
        let sides: Vec<u64> = pipe.query(&mut self.connection).expect("Redis answers");
        let paired = sides.iter().filter(|n| **n == 2).count();
        let expected = (self.requests + 19) * BATCH / load::POINTER_EVERY / 2;
        if keys.is_empty() || paired * 100 < expected * 95 {
            eprintln!(
                "only {paired} of {} pointer keys hold both sides; expected about {expected}",
                keys.len()
            );
            std::process::exit(1);
        }
    }

    /// The median time of the index's exchange for one request's pointers
    /// (51 of them: ZREMRANGEBYSCORE, ZADD, PEXPIRE and ZRANGE each),
    /// including building it and matching what it reads back.
    async fn exchange_round_trip(&mut self) -> Duration {
        let index = self.index().await;
        let mut times = Vec::new();
        for _ in 0..200 {
            let spans = self.producers(BATCH / load::POINTER_EVERY);
            let started = Instant::now();
            index
                .record(&spans, unix_now())
                .await
                .expect("Redis answers");
            times.push(started.elapsed());
        }
        times.sort();
        times[times.len() / 2]
    }
}

/// The clock a replica gives its index: Unix nanoseconds.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

#[derive(Clone, Copy)]
struct Row {
    spans_per_second: f64,
    p99_ms: f64,
    replicas_us: f64,
    redis_us: f64,
    generator_us: f64,
    commands_per_span: f64,
}

impl Row {
    /// Each column's median over the runs.
    fn median(rows: &[Row]) -> Row {
        let column = |f: fn(&Row) -> f64| {
            let mut values: Vec<f64> = rows.iter().map(f).collect();
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        Row {
            spans_per_second: column(|r| r.spans_per_second),
            p99_ms: column(|r| r.p99_ms),
            replicas_us: column(|r| r.replicas_us),
            redis_us: column(|r| r.redis_us),
            generator_us: column(|r| r.generator_us),
            commands_per_span: column(|r| r.commands_per_span),
        }
    }

    fn of(m: &Measured) -> Row {
        Row {
            spans_per_second: m.run.spans_per_second(),
            p99_ms: m.run.p99().as_secs_f64() * 1e3,
            replicas_us: m.per_span(m.replicas_cpu),
            redis_us: m.per_span(m.redis_cpu),
            generator_us: m.per_span(m.generator_cpu),
            commands_per_span: m.redis_commands / (m.run.latencies.len() * BATCH) as f64,
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: span-autolink-bench-redis BINARY DIR [REQUESTS]");
        std::process::exit(2);
    }
    let dir = PathBuf::from(&args[2]);
    std::fs::create_dir_all(&dir).expect("the benchmark directory can be created");
    let requests = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(600);
    let redis = RedisServer::start(&dir, &[]);
    let connection = redis::Client::open(redis.url())
        .and_then(|c| c.get_connection())
        .expect("the benchmark's Redis answers");
    let mut bench = Bench {
        binary: PathBuf::from(&args[1]),
        redis,
        connection,
        next_id: 1 << 40,
        requests,
    };
    println!(
        "load average at start: {}; {} CPUs; {requests} requests of {BATCH} spans a run, 10% with pointers, {} clients",
        load_average(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load::CLIENTS
    );

    // Throughput: the four set-ups interleaved, three rounds, medians.
    let setups: [(&str, usize, bool); 4] = [
        ("memory, 1 replica", 1, false),
        ("redis, 1 replica", 1, true),
        ("redis, 2 replicas", 2, true),
        ("redis, 3 replicas", 3, true),
    ];
    let mut rows: Vec<Vec<Row>> = vec![Vec::new(); setups.len()];
    let mut key_bytes = Vec::new();
    for _ in 0..RUNS {
        for (i, (_, count, redis)) in setups.iter().enumerate() {
            bench.flush();
            let before = measure::info(&mut bench.connection, "memory", "used_memory");
            let measured = bench.measure(*count, *redis, 0).await;
            if *redis {
                bench.check_paired();
                let keys: f64 = redis::cmd("DBSIZE")
                    .query(&mut bench.connection)
                    .unwrap_or(0.0);
                let after = measure::info(&mut bench.connection, "memory", "used_memory");
                key_bytes.push((after - before) / keys.max(1.0));
            }
            rows[i].push(Row::of(&measured));
        }
    }
    println!(
        "\n{:<20} {:>10} {:>7} {:>9} {:>7} {:>8} {:>8} {:>9}",
        "set-up", "spans/s", "ratio", "p99 ms", "serve", "redis", "loadgen", "cmds"
    );
    println!(
        "{:<20} {:>10} {:>7} {:>9} {:>7} {:>8} {:>8} {:>9}",
        "", "(median)", "to mem", "", "us/span", "us/span", "us/span", "/span"
    );
    let memory = Row::median(&rows[0]).spans_per_second;
    for (i, (name, _, _)) in setups.iter().enumerate() {
        let r = Row::median(&rows[i]);
        println!(
            "{name:<20} {:>10.0} {:>6.2}x {:>9.1} {:>7.2} {:>8.2} {:>8.2} {:>9.3}",
            r.spans_per_second,
            r.spans_per_second / memory,
            r.p99_ms,
            r.replicas_us,
            r.redis_us,
            r.generator_us,
            r.commands_per_span
        );
    }
    bench.flush();
    let round_trip = bench.exchange_round_trip().await;
    println!(
        "one Redis exchange for a request (51 pointers: ZREMRANGEBYSCORE, ZADD, PEXPIRE, ZRANGE each), from this process, median: {:.0} us",
        round_trip.as_secs_f64() * 1e6
    );
    key_bytes.sort_by(f64::total_cmp);
    let per_key = key_bytes[key_bytes.len() / 2];
    println!("Redis memory per pointer key holding both sides of a hop: {per_key:.0} bytes");

    // Cost per span against live pointers.
    println!(
        "\n{:<10} {:<7} {:>10} {:>9} {:>8} {:>8}",
        "live", "store", "spans/s", "p99 ms", "serve", "redis"
    );
    println!(
        "{:<10} {:<7} {:>10} {:>9} {:>8} {:>8}",
        "pointers", "", "", "", "us/span", "us/span"
    );
    for live in [10_000usize, 100_000, 1_000_000] {
        for redis in [false, true] {
            let mut runs = Vec::new();
            for _ in 0..LIVE_RUNS {
                bench.flush();
                if redis {
                    let (before, after) = bench.fill(live).await;
                    if live == 1_000_000 && runs.is_empty() {
                        println!(
                            "(Redis memory per live pointer, one side written: {:.0} bytes)",
                            (after - before) / live as f64
                        );
                    }
                }
                runs.push(Row::of(&bench.measure(1, redis, live).await));
            }
            let r = Row::median(&runs);
            println!(
                "{live:<10} {:<7} {:>10.0} {:>9.1} {:>8.2} {:>8.2}",
                if redis { "redis" } else { "memory" },
                r.spans_per_second,
                r.p99_ms,
                r.replicas_us,
                r.redis_us
            );
        }
    }
    println!("\nload average at end: {}", load_average());
}
