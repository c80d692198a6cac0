//! The index in Redis (one server or a Redis Cluster), shared by replicas
//! of `serve` so that a producer and a consumer received by different
//! replicas still meet.
//!
//! One sorted set per pointer, `NAMESPACE:KIND:HASH`, whose members are
//! the sides that carry it, each scored by when it was first recorded
//! (microseconds since the Unix epoch, by the recording replica's clock).
//! A member is 33 bytes: `d` or `u`, the trace id (16 bytes), the span id
//! (8) and the producer span's end or the consumer's change time (Unix
//! nanoseconds, 8 bytes big-endian); a span's second and later pointer
//! of one kind, hash and direction (two stream records of one item) adds
//! its ordinal (2 bytes, from 1). Nothing else of a span is stored.
//! Binary rather than hex keeps members under Redis's 64-byte limit for
//! the compact listpack encoding (a hex member is twice the size and turns
//! the set into a skiplist that takes about four times the memory).
//!
//! As in memory, every side leaves the time to live after it was first
//! recorded, whatever else arrives for the pointer: each exchange removes
//! the members scored older than that before it adds and reads, all in
//! one pipeline. Adding is `ZADD NX`, so a retried export keeps its first
//! record and its first time. Each write also sets the key to expire the
//! time to live after it, so a pointer nobody touches again leaves by
//! itself. A key therefore holds at most the sides recorded within one
//! time to live, however often its object or item is written. The sides
//! read back go to the same matching rule as the in-memory index.
//!
//! A store that fails or times out is dropped at once and reopened in the
//! background; until then every call answers an error without waiting,
//! so the service passes spans through instead of blocking.

use super::{IndexError, IndexStats, PointerIndex};
use crate::matching::{
    resolve, with_ordinals, Consumer, MatchOptions, PointerKey, Producer, Resolution, Sides,
};
use crate::model::{Direction, Span, SpanId, SpanRef, TraceId};
use futures_util::future::try_join_all;
use redis::aio::MultiplexedConnection;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{AsyncConnectionConfig, Client, Pipeline, RedisError, RedisResult};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

/// How often a store that stopped answering is tried again.
const RECONNECT_EVERY: Duration = Duration::from_millis(250);
/// Keys read per round trip when listing every pointer.
const SCAN_BATCH: usize = 1000;

/// Where the store is and how keys are named.
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// `redis://HOST:PORT[/DB]` for one server, `redis+cluster://HOST:PORT[,HOST:PORT...]`
    /// for a Redis Cluster (any of its nodes).
    pub url: String,
    /// Prefix of every key, so that pipelines can share a server.
    pub namespace: String,
    /// How long each side of a pointer is kept after it was first recorded.
    pub ttl: Duration,
    /// How long one exchange with the store may take before it counts as failed.
    pub timeout: Duration,
    pub match_options: MatchOptions,
}

enum Target {
    Single(Client),
    Cluster(ClusterClient),
}

#[derive(Clone)]
enum Connection {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

/// The writes and the read of one pointer's sorted set.
struct KeyExchange {
    key: String,
    /// Members to add (see [`member`]).
    writes: Vec<Vec<u8>>,
}

/// When an exchange happens, in the sorted sets' scores (microseconds
/// since the Unix epoch), and how long a key is kept after a write.
#[derive(Clone, Copy, Debug)]
struct Moment {
    /// The score of what is written now.
    now: u64,
    /// Members scored below this are older than the time to live.
    oldest: u64,
    ttl_millis: u64,
}

struct Shared {
    target: Target,
    connection: RwLock<Option<Connection>>,
    failures: AtomicU64,
    timeout: Duration,
}

pub struct RedisIndex {
    shared: Arc<Shared>,
    options: RedisOptions,
    /// The latest time given to [`PointerIndex::expire`] or
    /// [`PointerIndex::record`] (Unix nanoseconds): reads leave out the
    /// sides older than the time to live at that time, as the in-memory
    /// index has forgotten them by then.
    clock: AtomicU64,
    reconnect: tokio::task::JoinHandle<()>,
}

impl RedisIndex {
    /// Opens the store named by `options.url`, trying once to connect; when
    /// the store does not answer the index starts unreachable and keeps
    /// trying in the background. Fails only for a URL that names no store.
    /// Must be called inside a Tokio runtime.
    pub async fn connect(options: RedisOptions) -> Result<Self, IndexError> {
        let target = target(&options)?;
        let shared = Arc::new(Shared {
            target,
            connection: RwLock::new(None),
            failures: AtomicU64::new(0),
            timeout: options.timeout,
        });
        if let Ok(connection) = shared.open().await {
            shared.set(Some(connection));
        }
        let reconnect = tokio::spawn(reconnect(Arc::downgrade(&shared)));
        Ok(RedisIndex {
            shared,
            options,
            clock: AtomicU64::new(0),
            reconnect,
        })
    }

    /// `now` (Unix nanoseconds) in the sorted sets' terms. A side recorded
    /// within the microsecond that starts the time to live is kept, never
    /// one still within it dropped.
    fn moment(&self, now: u64) -> Moment {
        let ttl = u64::try_from(self.options.ttl.as_nanos()).unwrap_or(u64::MAX);
        Moment {
            now: now / 1000,
            oldest: now.saturating_sub(ttl) / 1000,
            // The key outlives the newest side it holds, never the reverse.
            ttl_millis: ttl.div_ceil(1_000_000).max(1),
        }
    }

    fn key(&self, key: &PointerKey) -> String {
        format!("{}:{}:{}", self.options.namespace, key.kind, key.hash)
    }

    fn pointer_key(&self, redis_key: &str) -> Option<PointerKey> {
        let rest = redis_key.strip_prefix(&self.options.namespace)?;
        let (kind, hash) = rest.strip_prefix(':')?.rsplit_once(':')?;
        Some(PointerKey {
            kind: kind.to_owned(),
            hash: hash.to_owned(),
        })
    }

    /// Writes and reads the sorted sets of these pointers at `moment`, one
    /// round trip per request on one server, in parallel per key on a
    /// cluster (whose pipelines must stay within one slot).
    async fn exchange(
        &self,
        keys: Vec<PointerKey>,
        writes: HashMap<PointerKey, Vec<Vec<u8>>>,
        moment: Moment,
    ) -> Result<Resolution, IndexError> {
        let mut writes = writes;
        let exchanges: Vec<KeyExchange> = keys
            .iter()
            .map(|k| KeyExchange {
                key: self.key(k),
                writes: writes.remove(k).unwrap_or_default(),
            })
            .collect();
        let members = self
            .shared
            .run(move |connection| connection.exchange(exchanges, moment))
            .await?;
        Ok(self.resolve(keys.into_iter().zip(members)))
    }

    fn resolve(&self, read: impl Iterator<Item = (PointerKey, Vec<Vec<u8>>)>) -> Resolution {
        let sides: Vec<(PointerKey, Sides)> = read
            .map(|(key, members)| (key, sides_of(&members)))
            .filter(|(_, s)| !s.producers.is_empty() || !s.consumers.is_empty())
            .collect();
        resolve(
            &self.options.match_options,
            sides.iter().map(|(k, s)| (k, s)),
        )
    }
}

impl Drop for RedisIndex {
    fn drop(&mut self) {
        self.reconnect.abort();
    }
}

impl PointerIndex for RedisIndex {
    fn record(
        &self,
        spans: &[Span],
        now: u64,
    ) -> impl Future<Output = Result<Resolution, IndexError>> + Send {
        self.clock.fetch_max(now, Ordering::Relaxed);
        let mut writes: HashMap<PointerKey, Vec<Vec<u8>>> = HashMap::new();
        let mut keys = Vec::new();
        for span in spans {
            for (pointer, ordinal) in with_ordinals(span) {
                let key = PointerKey::of(pointer);
                let time = match pointer.direction {
                    Direction::Downstream => Producer::of(span).end,
                    Direction::Upstream => Consumer::of(span, pointer).change_time,
                };
                let entry = writes.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    Vec::new()
                });
                // As in memory, a span counts once per pointer of a kind,
                // hash and direction and its ordinal.
                let side = member(pointer.direction, span.id, ordinal, time);
                if !entry.iter().any(|m| same_side(m, &side)) {
                    entry.push(side);
                }
            }
        }
        self.exchange(keys, writes, self.moment(now))
    }

    fn look_up(
        &self,
        spans: &[Span],
    ) -> impl Future<Output = Result<Resolution, IndexError>> + Send {
        let mut keys: Vec<PointerKey> = spans
            .iter()
            .flat_map(|s| &s.pointers)
            .map(PointerKey::of)
            .collect();
        keys.sort_by(|a, b| (&a.kind, &a.hash).cmp(&(&b.kind, &b.hash)));
        keys.dedup();
        let moment = self.moment(self.clock.load(Ordering::Relaxed));
        self.exchange(keys, HashMap::new(), moment)
    }

    async fn resolution(&self) -> Result<Resolution, IndexError> {
        let pattern = format!("{}:*", glob_escape(&self.options.namespace));
        let names = self
            .shared
            .run(move |connection| connection.scan(pattern))
            .await?;
        let keys: Vec<PointerKey> = names.iter().filter_map(|n| self.pointer_key(n)).collect();
        let moment = self.moment(self.clock.load(Ordering::Relaxed));
        let mut read = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(SCAN_BATCH) {
            let exchanges = chunk
                .iter()
                .map(|k| KeyExchange {
                    key: self.key(k),
                    writes: Vec::new(),
                })
                .collect();
            let members = self
                .shared
                .run(move |connection| connection.exchange(exchanges, moment))
                .await?;
            read.extend(chunk.iter().cloned().zip(members));
        }
        Ok(self.resolve(read.into_iter()))
    }

    /// Sides older than the time to live at `now` leave Redis at the next
    /// exchange that touches their key, and no answer includes them.
    fn expire(&self, now: u64) {
        self.clock.fetch_max(now, Ordering::Relaxed);
    }

    fn stats(&self) -> IndexStats {
        IndexStats {
            reachable: Some(self.shared.connection().is_some()),
            failures: Some(self.shared.failures.load(Ordering::Relaxed)),
            ..IndexStats::default()
        }
    }
}

fn target(options: &RedisOptions) -> Result<Target, IndexError> {
    let invalid = |e: RedisError| {
        IndexError {
        code: "store_url_invalid",
        message: format!(
            "`{}` names no Redis store ({e}); give redis://HOST:PORT or redis+cluster://HOST:PORT[,HOST:PORT...]",
            options.url
        ),
    }
    };
    if let Some(nodes) = options.url.strip_prefix("redis+cluster://") {
        let nodes: Vec<String> = nodes
            .split(',')
            .map(|n| format!("redis://{}", n.trim_end_matches('/')))
            .collect();
        let client = ClusterClient::builder(nodes)
            .connection_timeout(options.timeout)
            .response_timeout(options.timeout)
            // A failure is answered at once: the service passes the spans
            // through rather than wait for retries.
            .retries(0)
            .build()
            .map_err(invalid)?;
        Ok(Target::Cluster(client))
    } else {
        Ok(Target::Single(
            Client::open(options.url.as_str()).map_err(invalid)?,
        ))
    }
}

async fn reconnect(shared: Weak<Shared>) {
    let mut interval = tokio::time::interval(RECONNECT_EVERY);
    loop {
        interval.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if shared.connection().is_none() {
            if let Ok(connection) = shared.open().await {
                shared.set(Some(connection));
            }
        }
    }
}

impl Shared {
    fn connection(&self) -> Option<Connection> {
        self.connection
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, connection: Option<Connection>) {
        *self.connection.write().unwrap_or_else(|e| e.into_inner()) = connection;
    }

    async fn open(&self) -> RedisResult<Connection> {
        let opening = async {
            match &self.target {
                Target::Single(client) => {
                    let config = AsyncConnectionConfig::new()
                        .set_connection_timeout(self.timeout)
                        .set_response_timeout(self.timeout);
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await
                        .map(Connection::Single)
                }
                Target::Cluster(client) => {
                    client.get_async_connection().await.map(Connection::Cluster)
                }
            }
        };
        match tokio::time::timeout(self.timeout, opening).await {
            Ok(result) => result,
            Err(_) => Err(RedisError::from(std::io::Error::from(
                std::io::ErrorKind::TimedOut,
            ))),
        }
    }

    /// Runs one exchange; a failure drops the connection so that the next
    /// calls answer at once until the background task has reopened it.
    async fn run<T, F, Fut>(&self, exchange: F) -> Result<T, IndexError>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let Some(connection) = self.connection() else {
            self.failures.fetch_add(1, Ordering::Relaxed);
            return Err(IndexError {
                code: "store_unavailable",
                message: "the Redis store is not connected; reconnecting in the background".into(),
            });
        };
        let failed = match tokio::time::timeout(self.timeout, exchange(connection)).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => IndexError {
                code: "store_failed",
                message: format!("the Redis store answered an error ({e}); check that it runs and has memory left"),
            },
            Err(_) => IndexError {
                code: "store_timeout",
                message: format!(
                    "the Redis store did not answer within {} ms; check its load and the network",
                    self.timeout.as_millis()
                ),
            },
        };
        self.set(None);
        self.failures.fetch_add(1, Ordering::Relaxed);
        Err(failed)
    }
}

impl Connection {
    /// Removes the sides older than the time to live from each exchange's
    /// key, adds its members (refreshing the key's expiry) and reads every
    /// member back, oldest first.
    async fn exchange(
        self,
        exchanges: Vec<KeyExchange>,
        moment: Moment,
    ) -> RedisResult<Vec<Vec<Vec<u8>>>> {
        if exchanges.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Connection::Single(mut connection) => {
                let mut pipe = redis::pipe();
                for exchange in &exchanges {
                    add_exchange(&mut pipe, exchange, moment);
                }
                pipe.query_async(&mut connection).await
            }
            Connection::Cluster(connection) => {
                let each = exchanges.iter().map(|exchange| {
                    let mut connection = connection.clone();
                    let mut pipe = redis::pipe();
                    add_exchange(&mut pipe, exchange, moment);
                    async move {
                        let (members,): (Vec<Vec<u8>>,) = pipe.query_async(&mut connection).await?;
                        Ok::<_, RedisError>(members)
                    }
                });
                try_join_all(each).await
            }
        }
    }

    /// Every key matching `pattern`, over every primary of a cluster.
    async fn scan(self, pattern: String) -> RedisResult<Vec<String>> {
        let mut names = Vec::new();
        match self {
            Connection::Single(mut connection) => {
                let mut cursor = 0u64;
                loop {
                    let (next, mut batch): (u64, Vec<String>) = scan_command(cursor, &pattern)
                        .query_async(&mut connection)
                        .await?;
                    names.append(&mut batch);
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
            Connection::Cluster(mut connection) => {
                let nodes: String = redis::cmd("CLUSTER")
                    .arg("NODES")
                    .query_async(&mut connection)
                    .await?;
                for (host, port) in primaries(&nodes) {
                    let mut cursor = 0u64;
                    loop {
                        let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                            host: host.clone(),
                            port,
                        });
                        let answer = connection
                            .route_command(&scan_command(cursor, &pattern), routing)
                            .await?;
                        let (next, mut batch): (u64, Vec<String>) =
                            redis::from_redis_value(&answer)?;
                        names.append(&mut batch);
                        if next == 0 {
                            break;
                        }
                        cursor = next;
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }
}

fn add_exchange(pipe: &mut Pipeline, exchange: &KeyExchange, moment: Moment) {
    // Removing first: a retried export whose first record has just left is
    // recorded anew, as in memory.
    pipe.cmd("ZREMRANGEBYSCORE")
        .arg(&exchange.key)
        .arg("-inf")
        .arg(format!("({}", moment.oldest))
        .ignore();
    if !exchange.writes.is_empty() {
        pipe.cmd("ZADD").arg(&exchange.key).arg("NX");
        for member in &exchange.writes {
            pipe.arg(moment.now).arg(member);
        }
        pipe.ignore();
        pipe.cmd("PEXPIRE")
            .arg(&exchange.key)
            .arg(moment.ttl_millis)
            .ignore();
    }
    pipe.cmd("ZRANGE").arg(&exchange.key).arg(0).arg(-1);
}

fn scan_command(cursor: u64, pattern: &str) -> redis::Cmd {
    let mut command = redis::cmd("SCAN");
    command
        .arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(SCAN_BATCH);
    command
}

/// The primaries' addresses in `CLUSTER NODES` output
/// (`ID HOST:PORT@BUSPORT[,HOSTNAME] FLAGS ...`).
fn primaries(nodes: &str) -> Vec<(String, u16)> {
    nodes
        .lines()
        .filter_map(|line| {
            let mut columns = line.split_whitespace();
            let address = columns.nth(1)?;
            let flags = columns.next()?;
            if !flags.split(',').any(|f| f == "master") || flags.contains("fail") {
                return None;
            }
            let (host, port) = address.split(['@', ',']).next()?.rsplit_once(':')?;
            Some((host.to_owned(), port.parse().ok()?))
        })
        .collect()
}

/// The bytes of a member that name its side: direction and span.
const SIDE_LEN: usize = 1 + 16 + 8;
const MEMBER_LEN: usize = SIDE_LEN + 8;

/// A side as a sorted set's member: `d` or `u`, the trace and span ids,
/// then the time, big-endian, then the ordinal when it is not 0.
fn member(direction: Direction, span: SpanRef, ordinal: u16, time: u64) -> Vec<u8> {
    let mut member = Vec::with_capacity(MEMBER_LEN + 2);
    member.extend_from_slice(direction.as_str().as_bytes());
    member.extend_from_slice(&span.trace_id.0);
    member.extend_from_slice(&span.span_id.0);
    member.extend_from_slice(&time.to_be_bytes());
    if ordinal > 0 {
        member.extend_from_slice(&ordinal.to_be_bytes());
    }
    member
}

/// Whether two members name the same side: direction, span and ordinal.
fn same_side(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a[..SIDE_LEN] == b[..SIDE_LEN] && a[MEMBER_LEN..] == b[MEMBER_LEN..]
}

fn parse_member(member: &[u8]) -> Option<(Direction, SpanRef, u16, u64)> {
    let ordinal = match member.len() {
        MEMBER_LEN => 0,
        n if n == MEMBER_LEN + 2 => {
            Some(u16::from_be_bytes(member[MEMBER_LEN..].try_into().ok()?)).filter(|n| *n > 0)?
        }
        _ => return None,
    };
    let direction = Direction::parse(std::str::from_utf8(&member[..1]).ok()?)?;
    let trace_id = TraceId::from_slice(&member[1..17])?;
    let span_id = SpanId::from_slice(&member[17..SIDE_LEN])?;
    let time = u64::from_be_bytes(member[SIDE_LEN..MEMBER_LEN].try_into().ok()?);
    Some((direction, SpanRef { trace_id, span_id }, ordinal, time))
}

/// The sides of one pointer from its members, oldest first; members that
/// are not ours are skipped. A span recorded twice with different times
/// (not a retry, whose member is the same) counts once, by its first
/// record, as in memory; unlike memory, its second record stays once the
/// first has left, as `ZADD NX` compares whole members.
fn sides_of(members: &[Vec<u8>]) -> Sides {
    let mut sides = Sides::default();
    let mut seen = HashSet::new();
    for member in members {
        let Some((direction, span, ordinal, time)) = parse_member(member) else {
            continue;
        };
        if !seen.insert((direction, span, ordinal)) {
            continue;
        }
        match direction {
            Direction::Downstream => sides.producers.push(Producer { span, end: time }),
            Direction::Upstream => sides.consumers.push(Consumer {
                span,
                change_time: time,
            }),
        }
    }
    sides
}

/// `namespace` as a literal in a SCAN pattern.
fn glob_escape(namespace: &str) -> String {
    let mut out = String::with_capacity(namespace.len());
    for c in namespace.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_hold_the_direction_the_span_and_the_time() {
        let span = SpanRef {
            trace_id: TraceId([0xab; 16]),
            span_id: SpanId([0x01; 8]),
        };
        let member = member(Direction::Upstream, span, 0, 0x0102_0304_0506_0708);
        let mut expected = b"u".to_vec();
        expected.extend([0xab; 16]);
        expected.extend([0x01; 8]);
        expected.extend([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(member, expected);
        assert_eq!(
            parse_member(&member),
            Some((Direction::Upstream, span, 0, 0x0102_0304_0506_0708))
        );
        let second = super::member(Direction::Upstream, span, 1, 7);
        assert_eq!(second.len(), MEMBER_LEN + 2);
        assert_eq!(
            parse_member(&second),
            Some((Direction::Upstream, span, 1, 7))
        );
        assert!(!same_side(&member, &second));
        let mut zero = second.clone();
        zero[MEMBER_LEN + 1] = 0;
        assert_eq!(parse_member(&zero), None);
        let mut other = member.clone();
        other[0] = b'x';
        assert_eq!(parse_member(&other), None);
        assert_eq!(parse_member(&member[..MEMBER_LEN - 1]), None);
    }

    #[test]
    fn a_span_recorded_twice_counts_by_its_first_record() {
        let span = SpanRef {
            trace_id: TraceId([2; 16]),
            span_id: SpanId([3; 8]),
        };
        let members = [
            member(Direction::Downstream, span, 0, 20),
            member(Direction::Downstream, span, 0, 10),
            member(Direction::Upstream, span, 0, 30),
        ];
        let sides = sides_of(&members);
        assert_eq!(
            sides.producers.iter().map(|p| p.end).collect::<Vec<_>>(),
            vec![20]
        );
        assert_eq!(sides.consumers.len(), 1);
    }

    #[test]
    fn primaries_are_read_from_cluster_nodes() {
        let nodes = "\
07c3 127.0.0.1:30004@40004 slave e7d1 0 1 4 connected
e7d1 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460
67ed 127.0.0.1:30002@40002,node-2 master - 0 1 2 connected 5461-10922
292f 127.0.0.1:30003@40003 master,fail - 0 1 3 disconnected
";
        assert_eq!(
            primaries(nodes),
            vec![
                ("127.0.0.1".to_owned(), 30001),
                ("127.0.0.1".to_owned(), 30002)
            ]
        );
    }

    #[test]
    fn namespaces_are_literal_in_scan_patterns() {
        assert_eq!(glob_escape("team[a]*"), "team\\[a\\]\\*");
    }
}
