//! Spans held for the other side of their pointers, oldest first. A span
//! carrying only consumer pointers goes on as soon as each has been linked
//! (which a later request, on this replica, may tell); a producer span
//! waits out its wait, since more consumers may come (one upload, several
//! queues), and takes note of each that does.

use super::service::request_span_count;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::{add_links, Direction, Link, Resolution, Span, SpanRef};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// One pointer of one held span.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Pending {
    span: SpanRef,
    kind: String,
    hash: String,
}

impl Pending {
    fn of(span: SpanRef, kind: &str, hash: &str) -> Self {
        Pending {
            span,
            kind: kind.to_owned(),
            hash: hash.to_owned(),
        }
    }
}

/// The consumer pointers whose producer may still change: they wait for
/// a write closer to their change time rather than go on at once.
fn unsettled_consumers(resolution: &Resolution) -> HashSet<Pending> {
    resolution
        .unsettled
        .iter()
        .map(|l| Pending::of(l.consumer, &l.kind, &l.hash))
        .collect()
}

/// One request's spans (or its spans without pointers, under pointer
/// sampling), waiting.
pub struct Held {
    request: ExportTraceServiceRequest,
    /// Its spans that carry pointers.
    spans: Vec<Span>,
    /// Its pointers that have no link yet.
    pending: HashSet<Pending>,
    /// Its pointers whose links are noted while it is held: the pending
    /// ones, and every producer pointer.
    watched: Vec<Pending>,
    /// Whether it carries a producer pointer, and so waits out its wait.
    waits_out: bool,
    /// The links found for its spans while held.
    links: Vec<Link>,
    deadline: Duration,
}

impl Held {
    /// Spans with pointers, with what `resolution` already linked.
    pub fn pointed(
        request: ExportTraceServiceRequest,
        spans: Vec<Span>,
        resolution: &Resolution,
        deadline: Duration,
    ) -> Self {
        let unsettled = unsettled_consumers(resolution);
        let linked: HashSet<(SpanRef, &str, &str)> = resolution
            .links
            .iter()
            .filter(|l| !unsettled.contains(&Pending::of(l.consumer, &l.kind, &l.hash)))
            .flat_map(|l| {
                [
                    (l.producer, l.kind.as_str(), l.hash.as_str()),
                    (l.consumer, l.kind.as_str(), l.hash.as_str()),
                ]
            })
            .collect();
        let pointers = || {
            spans
                .iter()
                .flat_map(|s| s.pointers.iter().map(move |p| (s.id, p)))
        };
        let pending: HashSet<Pending> = pointers()
            .filter(|(id, p)| !linked.contains(&(*id, p.kind.as_str(), p.hash.as_str())))
            .map(|(id, p)| Pending::of(id, &p.kind, &p.hash))
            .collect();
        let producers: HashSet<Pending> = pointers()
            .filter(|(_, p)| p.direction == Direction::Downstream)
            .map(|(id, p)| Pending::of(id, &p.kind, &p.hash))
            .collect();
        let waits_out = !producers.is_empty();
        let watched = pending.union(&producers).cloned().collect();
        let ids: HashSet<SpanRef> = spans.iter().map(|s| s.id).collect();
        let links = resolution
            .links
            .iter()
            .filter(|l| ids.contains(&l.producer) || ids.contains(&l.consumer))
            .cloned()
            .collect();
        Held {
            request,
            spans,
            pending,
            watched,
            waits_out,
            links,
            deadline,
        }
    }

    /// Spans without pointers: they only wait.
    pub fn plain(request: ExportTraceServiceRequest, deadline: Duration) -> Self {
        Held {
            request,
            spans: Vec::new(),
            pending: HashSet::new(),
            watched: Vec::new(),
            waits_out: false,
            links: Vec::new(),
            deadline,
        }
    }

    /// Whether it can go on before its wait is over: it carries only
    /// consumer pointers, and all of them are linked.
    pub fn is_linked(&self) -> bool {
        !self.spans.is_empty() && !self.waits_out && self.pending.is_empty()
    }

    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    pub fn into_request(self) -> ExportTraceServiceRequest {
        self.request
    }

    /// The request with the links found while it was held.
    pub fn into_linked_request(mut self) -> ExportTraceServiceRequest {
        let resolution = Resolution {
            links: self.links,
            ..Resolution::default()
        };
        add_links(std::slice::from_mut(&mut self.request), &resolution);
        self.request
    }
}

/// Everything held, in arrival order (which is deadline order: every
/// request waits as long).
#[derive(Default)]
pub struct HeldSpans {
    entries: BTreeMap<u64, Held>,
    next: u64,
    /// Which entry notes the links of each watched pointer.
    waiting: HashMap<Pending, u64>,
    /// Entries that can go on before their wait is over.
    ready: Vec<u64>,
    spans: usize,
}

impl HeldSpans {
    pub fn hold(&mut self, held: Held) {
        let id = self.next;
        self.next += 1;
        for pointer in &held.watched {
            self.waiting.insert(pointer.clone(), id);
        }
        self.spans += request_span_count(&held.request) as usize;
        self.entries.insert(id, held);
    }

    /// Takes note of links found since: held spans they complete become
    /// ready when `may_go` lets them, held producers gain the consumers
    /// that chose them.
    pub fn notify(&mut self, resolution: &Resolution, may_go: impl Fn(&[Span]) -> bool) {
        if self.waiting.is_empty() {
            return;
        }
        let unsettled = unsettled_consumers(resolution);
        for link in &resolution.links {
            for span in [link.producer, link.consumer] {
                let pointer = Pending::of(span, &link.kind, &link.hash);
                let Some(&id) = self.waiting.get(&pointer) else {
                    continue;
                };
                let Some(held) = self.entries.get_mut(&id) else {
                    continue;
                };
                if !held.links.contains(link) {
                    held.links.push(link.clone());
                }
                if held.waits_out || unsettled.contains(&pointer) {
                    continue;
                }
                self.waiting.remove(&pointer);
                if held.pending.remove(&pointer) && held.pending.is_empty() && may_go(&held.spans) {
                    self.ready.push(id);
                }
            }
        }
    }

    /// Removes and returns what is due at `now`: entries past their
    /// deadline, entries ready before it, the oldest beyond `max_spans`
    /// (they go on unresolved rather than grow memory), or everything with
    /// `all`.
    pub fn take_due(&mut self, now: Duration, all: bool, max_spans: usize) -> Vec<Held> {
        let mut due = Vec::new();
        for id in std::mem::take(&mut self.ready) {
            if let Some(held) = self.remove(id) {
                due.push(held);
            }
        }
        while let Some((&id, held)) = self.entries.first_key_value() {
            if !(all || held.deadline <= now || self.spans > max_spans) {
                break;
            }
            if let Some(held) = self.remove(id) {
                due.push(held);
            }
        }
        due
    }

    fn remove(&mut self, id: u64) -> Option<Held> {
        let held = self.entries.remove(&id)?;
        for pointer in &held.watched {
            if self.waiting.get(pointer) == Some(&id) {
                self.waiting.remove(pointer);
            }
        }
        self.spans -= request_span_count(&held.request) as usize;
        Some(held)
    }

    pub fn span_count(&self) -> usize {
        self.spans
    }
}
