//! Pointer sampling as a tail-sampling stage (`serve --sample-pointers
//! RATE`): a trace that holds a pointer goes on when the core's
//! `keep(hash, rate)` holds for one of its pointers and is dropped
//! otherwise, so both sides of a hop, which carry the same hash, are kept
//! or dropped together. Traces without pointers pass as they are.

use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::{Span, TraceId};
use std::collections::{HashMap, VecDeque};

pub struct PointerSampling {
    rate: f64,
    /// Whether each trace seen with a pointer is kept.
    decisions: HashMap<TraceId, bool>,
    /// When each decision was first made, oldest first, to forget it after
    /// the time to live or beyond the cap.
    made: VecDeque<(u64, TraceId)>,
    ttl: u64,
    cap: usize,
    dropped_spans: u64,
}

impl PointerSampling {
    pub fn new(rate: f64, ttl: u64, cap: usize) -> Self {
        PointerSampling {
            rate,
            decisions: HashMap::new(),
            made: VecDeque::new(),
            ttl,
            cap: cap.max(1),
            dropped_spans: 0,
        }
    }

    /// Decides for the traces of these spans (all carrying pointers), at
    /// `now` (nanoseconds of the caller's monotonic clock). A trace is kept
    /// once any of its pointers is.
    pub fn decide(&mut self, spans: &[Span], now: u64) {
        while self
            .made
            .front()
            .is_some_and(|(at, _)| now.saturating_sub(*at) > self.ttl)
            || self.made.len() > self.cap
        {
            if let Some((_, trace)) = self.made.pop_front() {
                self.decisions.remove(&trace);
            }
        }
        for span in spans {
            let keep = span
                .pointers
                .iter()
                .any(|p| span_autolink::keep(&p.hash, self.rate));
            match self.decisions.get_mut(&span.id.trace_id) {
                Some(kept) => *kept |= keep,
                None => {
                    self.decisions.insert(span.id.trace_id, keep);
                    self.made.push_back((now, span.id.trace_id));
                }
            }
        }
    }

    /// Whether the traces of these spans are all kept so far.
    pub fn keeps_every_trace(&self, spans: &[Span]) -> bool {
        spans
            .iter()
            .all(|s| self.decisions.get(&s.id.trace_id).copied().unwrap_or(true))
    }

    /// The request without the spans of dropped traces; `None` when nothing is left.
    pub fn filter(
        &mut self,
        mut request: ExportTraceServiceRequest,
    ) -> Option<ExportTraceServiceRequest> {
        for rs in &mut request.resource_spans {
            for ss in &mut rs.scope_spans {
                let before = ss.spans.len();
                ss.spans.retain(|span| {
                    TraceId::from_slice(&span.trace_id)
                        .and_then(|id| self.decisions.get(&id))
                        .copied()
                        .unwrap_or(true)
                });
                self.dropped_spans += (before - ss.spans.len()) as u64;
            }
            rs.scope_spans.retain(|ss| !ss.spans.is_empty());
        }
        request
            .resource_spans
            .retain(|rs| !rs.scope_spans.is_empty());
        (!request.resource_spans.is_empty()).then_some(request)
    }

    pub fn dropped_spans(&self) -> u64 {
        self.dropped_spans
    }
}
