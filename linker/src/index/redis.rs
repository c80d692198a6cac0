//! The index in Redis (one server or a Redis Cluster), shared by replicas
//! of `serve` so that a producer and a consumer received by different
//! replicas still meet.
//!
//! One Redis hash per pointer, `NAMESPACE:KIND:HASH`, whose fields are the
//! spans that carry it: `d:TRACE:SPAN` holds the producer span's end,
//! `u:TRACE:SPAN` the consumer's change time (Unix nanoseconds, decimal);
//! a span's second and later pointer of one kind, hash and direction (two
//! stream records of one item) is `u:TRACE:SPAN:N`, N counting from 1.
//! Nothing else of a span is stored. Every write sets the key to expire
//! after the time to live, so a pointer leaves when neither side has been
//! seen for that long. The sides read back go to the same matching rule
//! as the in-memory index.
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
use std::collections::HashMap;
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
    /// How long a pointer is kept after its last write.
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

/// The writes and the read of one pointer's hash.
struct KeyExchange {
    key: String,
    /// Fields to set, with their values.
    writes: Vec<(String, u64)>,
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
    ttl_seconds: u64,
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
            ttl_seconds: options.ttl.as_secs().max(1),
            options,
            reconnect,
        })
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

    /// Writes and reads the hashes of these pointers, one round trip per
    /// request on one server, in parallel per key on a cluster (whose
    /// pipelines must stay within one slot).
    async fn exchange(
        &self,
        keys: Vec<PointerKey>,
        writes: HashMap<PointerKey, Vec<(String, u64)>>,
    ) -> Result<Resolution, IndexError> {
        let mut writes = writes;
        let exchanges: Vec<KeyExchange> = keys
            .iter()
            .map(|k| KeyExchange {
                key: self.key(k),
                writes: writes.remove(k).unwrap_or_default(),
            })
            .collect();
        let ttl = self.ttl_seconds;
        let fields = self
            .shared
            .run(move |connection| connection.exchange(exchanges, ttl))
            .await?;
        Ok(self.resolve(keys.into_iter().zip(fields)))
    }

    fn resolve(
        &self,
        read: impl Iterator<Item = (PointerKey, Vec<(String, String)>)>,
    ) -> Resolution {
        let sides: Vec<(PointerKey, Sides)> = read
            .map(|(key, fields)| (key, sides_of(&fields)))
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
        _now: u64,
    ) -> impl Future<Output = Result<Resolution, IndexError>> + Send {
        let mut writes: HashMap<PointerKey, Vec<(String, u64)>> = HashMap::new();
        let mut keys = Vec::new();
        for span in spans {
            for (pointer, ordinal) in with_ordinals(span) {
                let key = PointerKey::of(pointer);
                let value = match pointer.direction {
                    Direction::Downstream => Producer::of(span).end,
                    Direction::Upstream => Consumer::of(span, pointer).change_time,
                };
                let entry = writes.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    Vec::new()
                });
                // As in memory, a span counts once per pointer of a kind,
                // hash and direction and its ordinal.
                let name = field(pointer.direction, span.id, ordinal);
                if !entry.iter().any(|(n, _)| *n == name) {
                    entry.push((name, value));
                }
            }
        }
        self.exchange(keys, writes)
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
        self.exchange(keys, HashMap::new())
    }

    async fn resolution(&self) -> Result<Resolution, IndexError> {
        let pattern = format!("{}:*", glob_escape(&self.options.namespace));
        let names = self
            .shared
            .run(move |connection| connection.scan(pattern))
            .await?;
        let keys: Vec<PointerKey> = names.iter().filter_map(|n| self.pointer_key(n)).collect();
        let mut read = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(SCAN_BATCH) {
            let exchanges = chunk
                .iter()
                .map(|k| KeyExchange {
                    key: self.key(k),
                    writes: Vec::new(),
                })
                .collect();
            let fields = self
                .shared
                .run(move |connection| connection.exchange(exchanges, 0))
                .await?;
            read.extend(chunk.iter().cloned().zip(fields));
        }
        Ok(self.resolve(read.into_iter()))
    }

    fn expire(&self, _now: u64) {}

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
    /// Sets the fields of each exchange (refreshing the key's expiry) and
    /// reads every field back.
    async fn exchange(
        self,
        exchanges: Vec<KeyExchange>,
        ttl_seconds: u64,
    ) -> RedisResult<Vec<Vec<(String, String)>>> {
        if exchanges.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Connection::Single(mut connection) => {
                let mut pipe = redis::pipe();
                for exchange in &exchanges {
                    add_exchange(&mut pipe, exchange, ttl_seconds);
                }
                pipe.query_async(&mut connection).await
            }
            Connection::Cluster(connection) => {
                let each = exchanges.iter().map(|exchange| {
                    let mut connection = connection.clone();
                    let mut pipe = redis::pipe();
                    add_exchange(&mut pipe, exchange, ttl_seconds);
                    async move {
                        let (fields,): (Vec<(String, String)>,) =
                            pipe.query_async(&mut connection).await?;
                        Ok::<_, RedisError>(fields)
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

fn add_exchange(pipe: &mut Pipeline, exchange: &KeyExchange, ttl_seconds: u64) {
    if !exchange.writes.is_empty() {
        pipe.cmd("HSET").arg(&exchange.key);
        for (field, value) in &exchange.writes {
            pipe.arg(field).arg(value);
        }
        pipe.ignore();
        pipe.cmd("EXPIRE")
            .arg(&exchange.key)
            .arg(ttl_seconds)
            .ignore();
    }
    pipe.cmd("HGETALL").arg(&exchange.key);
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

fn field(direction: Direction, span: SpanRef, ordinal: u16) -> String {
    let (dir, trace, span) = (direction.as_str(), span.trace_id, span.span_id);
    match ordinal {
        0 => format!("{dir}:{trace}:{span}"),
        n => format!("{dir}:{trace}:{span}:{n}"),
    }
}

/// The sides of one pointer from its hash's fields; fields that are not
/// ours are skipped.
fn sides_of(fields: &[(String, String)]) -> Sides {
    let mut sides = Sides::default();
    for (name, value) in fields {
        let Some((direction, span, time)) = parse_field(name, value) else {
            continue;
        };
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

fn parse_field(name: &str, value: &str) -> Option<(Direction, SpanRef, u64)> {
    let mut parts = name.split(':');
    let direction = Direction::parse(parts.next()?)?;
    let trace_id = TraceId::from_slice(&hex::decode(parts.next()?).ok()?)?;
    let span_id = SpanId::from_slice(&hex::decode(parts.next()?).ok()?)?;
    if let Some(ordinal) = parts.next() {
        ordinal.parse::<u16>().ok().filter(|n| *n > 0)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some((
        direction,
        SpanRef { trace_id, span_id },
        value.parse().ok()?,
    ))
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
    fn fields_name_the_direction_and_the_span() {
        let span = SpanRef {
            trace_id: TraceId([0xab; 16]),
            span_id: SpanId([0x01; 8]),
        };
        let name = field(Direction::Upstream, span, 0);
        assert_eq!(name, format!("u:{}:{}", "ab".repeat(16), "01".repeat(8)));
        assert_eq!(
            parse_field(&name, "42"),
            Some((Direction::Upstream, span, 42))
        );
        let second = field(Direction::Upstream, span, 1);
        assert_eq!(second, format!("{name}:1"));
        assert_eq!(
            parse_field(&second, "43"),
            Some((Direction::Upstream, span, 43))
        );
        assert_eq!(parse_field("x:00:00", "1"), None);
        assert_eq!(parse_field(&name, "soon"), None);
        assert_eq!(parse_field(&format!("{name}:0"), "1"), None);
        assert_eq!(parse_field(&format!("{name}:1:2"), "1"), None);
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
