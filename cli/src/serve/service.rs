//! The service's state: live pointers, spans held for their other side,
//! and the counters `/metrics` shows.

use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::{
    add_links, partition_by_pointers, request_spans, Batch, LiveLimits, LivePointers, MatchOptions,
    Report, Resolution, Span, TraceId,
};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How the service behaves, from the command line.
#[derive(Clone, Copy, Debug)]
pub struct ServiceOptions {
    pub match_options: MatchOptions,
    pub ttl: Duration,
    pub max_pointers: usize,
    /// How long spans with pointers wait for their other side; `None` when
    /// nothing is forwarded and so nothing is held.
    pub wait: Option<Duration>,
}

/// Spans with pointers waiting to be forwarded.
struct Held {
    request: ExportTraceServiceRequest,
    spans: Vec<Span>,
    deadline: Duration,
}

/// What `/metrics` counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub spans: u64,
    pub pointers: u64,
    pub links: u64,
    pub live_pointers: u64,
    pub held_spans: u64,
    pub evicted: u64,
    pub expired: u64,
    pub forwarded_spans: u64,
}

struct Inner {
    live: LivePointers,
    held: VecDeque<Held>,
    held_spans: usize,
    spans: u64,
    pointers: u64,
    forwarded_spans: u64,
}

pub struct Service {
    options: ServiceOptions,
    started: Instant,
    inner: Mutex<Inner>,
}

impl Service {
    pub fn new(options: ServiceOptions) -> Self {
        Service {
            options,
            started: Instant::now(),
            inner: Mutex::new(Inner {
                live: LivePointers::new(
                    options.match_options,
                    LiveLimits {
                        ttl: u64::try_from(options.ttl.as_nanos()).unwrap_or(u64::MAX),
                        cap: options.max_pointers,
                    },
                ),
                held: VecDeque::new(),
                held_spans: 0,
                spans: 0,
                pointers: 0,
                forwarded_spans: 0,
            }),
        }
    }

    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves counters at worst stale,
        // never inconsistent enough to stop serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes in a decoded request body; returns what is to be forwarded now
    /// (the spans that carry no pointer).
    pub fn ingest(&self, batch: Batch) -> Vec<ExportTraceServiceRequest> {
        let now = self.now();
        let mut inner = self.lock();
        let clock = nanos(now);
        inner.live.expire(clock);
        let mut out = Vec::new();
        for request in batch.requests {
            let spans: Vec<Span> = request_spans(&request).collect();
            inner.spans += request_span_count(&request);
            for span in &spans {
                inner.pointers += span.pointers.len() as u64;
                inner.live.add(span, clock);
            }
            let Some(wait) = self.options.wait else {
                continue;
            };
            let (plain, pointed) = partition_by_pointers(request);
            if !plain.resource_spans.is_empty() {
                out.push(plain);
            }
            if !pointed.resource_spans.is_empty() {
                let spans: Vec<Span> = spans
                    .into_iter()
                    .filter(|s| !s.pointers.is_empty())
                    .collect();
                inner.held_spans += spans.len();
                inner.held.push_back(Held {
                    request: pointed,
                    spans,
                    deadline: now + wait,
                });
            }
        }
        // Held spans are released by the ticker, not here: checking every
        // held span on every request would cost more the more is held.
        inner.forwarded_spans += out.iter().map(request_span_count).sum::<u64>();
        out
    }

    /// Releases what is due (its wait is over, or it holds only consumers
    /// whose pointers all found their producer); with `all`, everything
    /// held (shutdown).
    pub fn release(&self, all: bool) -> Vec<ExportTraceServiceRequest> {
        let now = self.now();
        let mut inner = self.lock();
        inner.live.expire(nanos(now));
        let out = inner.release(now, self.options.max_pointers, all);
        inner.forwarded_spans += out.iter().map(request_span_count).sum::<u64>();
        out
    }

    pub fn report(&self, trace_id: Option<TraceId>) -> String {
        let resolution: Resolution = self.lock().live.resolution();
        match trace_id {
            Some(id) => Report::for_trace(&resolution, id).to_json(),
            None => Report::new(&resolution).to_json(),
        }
    }

    pub fn counters(&self) -> Counters {
        let inner = self.lock();
        Counters {
            spans: inner.spans,
            pointers: inner.pointers,
            links: inner.live.matcher().link_count() as u64,
            live_pointers: inner.live.live() as u64,
            held_spans: inner.held_spans as u64,
            evicted: inner.live.evicted(),
            expired: inner.live.expired(),
            forwarded_spans: inner.forwarded_spans,
        }
    }
}

impl Inner {
    fn release(
        &mut self,
        now: Duration,
        max_held: usize,
        all: bool,
    ) -> Vec<ExportTraceServiceRequest> {
        let mut out = Vec::new();
        let mut kept = VecDeque::new();
        while let Some(mut held) = self.held.pop_front() {
            // Beyond the cap, the oldest held spans go on unresolved rather
            // than grow memory.
            let over_cap = self.held_spans > max_held;
            let matcher = self.live.matcher();
            if all
                || over_cap
                || held.deadline <= now
                || held.spans.iter().all(|s| matcher.is_complete(s))
            {
                add_links(
                    std::slice::from_mut(&mut held.request),
                    &matcher.resolution_of(&held.spans),
                );
                self.held_spans -= held.spans.len();
                out.push(held.request);
            } else {
                kept.push_back(held);
            }
        }
        self.held = kept;
        out
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn request_span_count(request: &ExportTraceServiceRequest) -> u64 {
    request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len() as u64)
        .sum()
}
