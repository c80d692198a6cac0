//! The service's state: the pointer index (in memory or shared), spans
//! held for their other side, and the counters `/metrics` shows.

use super::held::{Held, HeldSpans};
use super::sampling::PointerSampling;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::{
    add_links, partition_by_pointers, request_spans, Batch, IndexError, IndexStats, PointerIndex,
    Report, Resolution, Span, TraceId,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How the service behaves, from the command line.
#[derive(Clone, Copy, Debug)]
pub struct ServiceOptions {
    /// Spans held at most; beyond it the oldest go on unresolved.
    pub max_held: usize,
    /// How long spans with pointers wait for their other side; `None` when
    /// nothing is forwarded and so nothing is held.
    pub wait: Option<Duration>,
    /// Forward only the traces whose pointers `keep` at this rate.
    pub sample_pointers: Option<f64>,
    /// How long a trace's sampling decision is remembered.
    pub ttl: Duration,
}

/// What `/metrics` counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub spans: u64,
    pub pointers: u64,
    pub held_spans: u64,
    pub forwarded_spans: u64,
    /// Spans with pointers passed on without links because the index did not answer.
    pub unlinked_spans: u64,
    /// Spans dropped by pointer sampling.
    pub sampled_out_spans: u64,
    pub index: IndexStats,
}

struct Inner {
    held: HeldSpans,
    sampling: Option<PointerSampling>,
    spans: u64,
    pointers: u64,
    forwarded_spans: u64,
    unlinked_spans: u64,
}

pub struct Service<I> {
    options: ServiceOptions,
    index: I,
    started: Instant,
    /// The wall-clock time at `started`, in Unix nanoseconds: the index's
    /// clock counts from it, so that replicas started at different times
    /// agree on when a pointer was recorded, and never goes back.
    started_unix: u64,
    inner: Mutex<Inner>,
    /// Whether the index failed last time, so that an outage is logged once
    /// when it begins and once when it ends.
    index_failing: AtomicBool,
}

impl<I: PointerIndex> Service<I> {
    pub fn new(options: ServiceOptions, index: I) -> Self {
        Service {
            options,
            index,
            started: Instant::now(),
            started_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, nanos),
            inner: Mutex::new(Inner {
                held: HeldSpans::default(),
                sampling: options
                    .sample_pointers
                    .map(|rate| PointerSampling::new(rate, nanos(options.ttl), options.max_held)),
                spans: 0,
                pointers: 0,
                forwarded_spans: 0,
                unlinked_spans: 0,
            }),
            index_failing: AtomicBool::new(false),
        }
    }

    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    /// `now` on the index's clock.
    fn index_time(&self, now: Duration) -> u64 {
        self.started_unix.saturating_add(nanos(now))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves counters at worst stale,
        // never inconsistent enough to stop serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The index's answer, or `None` (logged when an outage begins) when it
    /// did not answer: the spans then go on without links.
    fn observe(&self, answer: Result<Resolution, IndexError>) -> Option<Resolution> {
        match answer {
            Ok(resolution) => {
                if self.index_failing.swap(false, Ordering::Relaxed) {
                    eprintln!("span-autolink: store_available: the pointer store answers again; linking resumes");
                }
                Some(resolution)
            }
            Err(e) => {
                if !self.index_failing.swap(true, Ordering::Relaxed) {
                    eprintln!("span-autolink: {e}; spans with pointers pass through unlinked until it answers again");
                }
                None
            }
        }
    }

    /// Takes in a decoded request body; returns what is to be forwarded now:
    /// spans without pointers, spans carrying only consumer pointers that all
    /// found their producer, and spans whose pointers could not be looked up.
    pub async fn ingest(&self, batch: Batch) -> Vec<ExportTraceServiceRequest> {
        let now = self.now();
        self.index.expire(self.index_time(now));
        let pointed: Vec<Span> = batch
            .requests
            .iter()
            .flat_map(request_spans)
            .filter(|s| !s.pointers.is_empty())
            .collect();
        let resolution = if pointed.is_empty() {
            Some(Resolution::default())
        } else {
            self.observe(self.index.record(&pointed, self.index_time(now)).await)
        };

        let mut inner = self.lock();
        let inner = &mut *inner;
        inner.spans += batch.span_count() as u64;
        inner.pointers += pointed.iter().map(|s| s.pointers.len() as u64).sum::<u64>();
        if let Some(sampling) = &mut inner.sampling {
            sampling.decide(&pointed, nanos(now));
        }
        match &resolution {
            Some(resolution) => inner.held.notify(resolution, |spans| {
                // As below: a trace dropped so far may still be kept.
                inner
                    .sampling
                    .as_ref()
                    .is_none_or(|s| s.keeps_every_trace(spans))
            }),
            None => inner.unlinked_spans += pointed.len() as u64,
        }
        let Some(wait) = self.options.wait else {
            return Vec::new();
        };
        let deadline = now + wait;
        let mut out = Vec::new();
        for request in batch.requests {
            let (plain, mut with) = partition_by_pointers(request);
            if !plain.resource_spans.is_empty() {
                if inner.sampling.is_some() {
                    // Held for the wait so that a pointer of the same trace
                    // arriving meanwhile decides their fate too.
                    inner.held.hold(Held::plain(plain, deadline));
                } else {
                    out.push(plain);
                }
            }
            if with.resource_spans.is_empty() {
                continue;
            }
            match &resolution {
                None => out.push(with),
                Some(resolution) => {
                    let spans: Vec<Span> = request_spans(&with)
                        .filter(|s| !s.pointers.is_empty())
                        .collect();
                    let held = Held::pointed(with, spans, resolution, deadline);
                    // A trace pointer sampling would drop now may still be
                    // kept by a pointer of it arriving within the wait.
                    let kept = inner
                        .sampling
                        .as_ref()
                        .is_none_or(|s| s.keeps_every_trace(held.spans()));
                    if held.is_linked() && kept {
                        with = held.into_request();
                        add_links(std::slice::from_mut(&mut with), resolution);
                        out.push(with);
                    } else {
                        inner.held.hold(held);
                    }
                }
            }
        }
        inner.finish(out)
    }

    /// Releases what is due (its wait is over, it holds only consumers
    /// whose pointers all found their producer, or the cap on held spans is
    /// reached), asking the index once more for their links; with `all`,
    /// everything held (shutdown).
    pub async fn release(&self, all: bool) -> Vec<ExportTraceServiceRequest> {
        let now = self.now();
        self.index.expire(self.index_time(now));
        let due = self.lock().held.take_due(now, all, self.options.max_held);
        if due.is_empty() {
            return Vec::new();
        }
        let spans: Vec<Span> = due.iter().flat_map(|h| h.spans().iter().cloned()).collect();
        let looked_up = if spans.is_empty() {
            None
        } else {
            self.observe(self.index.look_up(&spans).await)
        };
        let out = match looked_up {
            Some(resolution) => {
                let mut requests: Vec<_> = due.into_iter().map(Held::into_request).collect();
                add_links(&mut requests, &resolution);
                requests
            }
            // The links found while the spans were held.
            None => due.into_iter().map(Held::into_linked_request).collect(),
        };
        self.lock().finish(out)
    }

    /// `/links`: everything the index knows (the fleet's, with a shared
    /// index), or what concerns one trace.
    pub async fn report(&self, trace_id: Option<TraceId>) -> Result<String, IndexError> {
        let resolution = self.index.resolution().await?;
        Ok(match trace_id {
            Some(id) => Report::for_trace(&resolution, id).to_json(),
            None => Report::new(&resolution).to_json(),
        })
    }

    pub fn counters(&self) -> Counters {
        let index = self.index.stats();
        let inner = self.lock();
        Counters {
            spans: inner.spans,
            pointers: inner.pointers,
            held_spans: inner.held.span_count() as u64,
            forwarded_spans: inner.forwarded_spans,
            unlinked_spans: inner.unlinked_spans,
            sampled_out_spans: inner.sampling.as_ref().map_or(0, |s| s.dropped_spans()),
            index,
        }
    }
}

impl Inner {
    /// Applies pointer sampling to what goes on, and counts it.
    fn finish(&mut self, out: Vec<ExportTraceServiceRequest>) -> Vec<ExportTraceServiceRequest> {
        let out = match &mut self.sampling {
            Some(sampling) => out.into_iter().filter_map(|r| sampling.filter(r)).collect(),
            None => out,
        };
        self.forwarded_spans += out.iter().map(request_span_count).sum::<u64>();
        out
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

pub fn request_span_count(request: &ExportTraceServiceRequest) -> u64 {
    request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .map(|ss| ss.spans.len() as u64)
        .sum()
}
