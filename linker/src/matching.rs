//! Pairing consumer pointers with producer pointers (SPEC section 10).
//!
//! The same object or item can be written many times, so a consumer
//! pointer is paired with exactly one producer: the one whose write is
//! closest to the consumer's change time among those that ended no later
//! than that time plus the allowed clock skew, or else the earliest-ending
//! one. A producer keeps every consumer that chose it.

use crate::model::{Direction, PointerLink, Span, SpanRef};
use std::collections::{HashMap, HashSet};

/// How tolerant matching is of clocks that disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchOptions {
    /// How much later than the consumer's change time a producer span may
    /// end and still be its producer.
    pub skew_nanos: u64,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            skew_nanos: 2_000_000_000,
        }
    }
}

/// A resolved hop: the producer span wrote what the consumer span handled.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub producer: SpanRef,
    pub consumer: SpanRef,
    pub kind: String,
    pub hash: String,
}

/// A pointer that did not become a link, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unmatched {
    pub span: SpanRef,
    pub kind: String,
    pub hash: String,
    pub direction: Direction,
    pub reason: &'static str,
}

/// Every link and every unmatched pointer, each sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Sorted by producer, then consumer.
    pub links: Vec<Link>,
    /// Sorted by span, then kind and hash.
    pub unmatched: Vec<Unmatched>,
}

pub(crate) const NO_PRODUCER: &str = "no span carries the d pointer of this kind and hash; the producer's trace is missing from the input or its tracer emits no pointers";
pub(crate) const NO_CONSUMER: &str = "no span carries the u pointer of this kind and hash; the consumer's trace is missing from the input or its event reached no traced handler";
pub(crate) const NOT_CHOSEN: &str = "every consumer of this pointer chose another write of the same object or item, closer to its change time";

/// A pointer's identity: both sides of a hop carry the same kind and hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PointerKey {
    pub(crate) kind: String,
    pub(crate) hash: String,
}

impl PointerKey {
    pub(crate) fn of(pointer: &PointerLink) -> Self {
        PointerKey {
            kind: pointer.kind.clone(),
            hash: pointer.hash.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Producer {
    pub(crate) span: SpanRef,
    pub(crate) end: u64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Consumer {
    pub(crate) span: SpanRef,
    /// The pointer's change time, or else the consumer span's start.
    pub(crate) change_time: u64,
}

impl Producer {
    pub(crate) fn of(span: &Span) -> Self {
        Producer {
            span: span.id,
            end: span.end_unix_nanos,
        }
    }
}

impl Consumer {
    pub(crate) fn of(span: &Span, pointer: &PointerLink) -> Self {
        Consumer {
            span: span.id,
            change_time: pointer.change_time.unwrap_or(span.start_unix_nanos),
        }
    }
}

/// The producers and consumers of one pointer, wherever they are kept.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sides {
    pub(crate) producers: Vec<Producer>,
    pub(crate) consumers: Vec<Consumer>,
}

/// The pointers of every span added so far, by kind and hash.
pub struct Matcher {
    options: MatchOptions,
    pointers: HashMap<PointerKey, Sides>,
    /// A span seen twice (an input given twice, a retried export) counts once.
    seen: HashSet<(SpanRef, PointerKey, Direction)>,
}

impl Matcher {
    pub fn new(options: MatchOptions) -> Self {
        Matcher {
            options,
            pointers: HashMap::new(),
            seen: HashSet::new(),
        }
    }

    /// Adds the spans and resolves everything added so far.
    pub fn resolve(mut self, spans: &[Span]) -> Resolution {
        spans.iter().for_each(|s| self.add(s));
        self.resolution()
    }

    /// Adds one span's pointers.
    pub fn add(&mut self, span: &Span) {
        self.add_new(span);
    }

    /// Adds one span's pointers and returns those not seen before.
    pub(crate) fn add_new(&mut self, span: &Span) -> Vec<(PointerKey, Direction)> {
        let mut new = Vec::new();
        for pointer in &span.pointers {
            let key = PointerKey::of(pointer);
            if !self.seen.insert((span.id, key.clone(), pointer.direction)) {
                continue;
            }
            new.push((key.clone(), pointer.direction));
            let sides = self.pointers.entry(key).or_default();
            match pointer.direction {
                Direction::Downstream => sides.producers.push(Producer::of(span)),
                Direction::Upstream => sides.consumers.push(Consumer::of(span, pointer)),
            }
        }
        new
    }

    /// Forgets one pointer of one span.
    pub(crate) fn remove(&mut self, span: SpanRef, key: &PointerKey, direction: Direction) {
        self.seen.remove(&(span, key.clone(), direction));
        let Some(sides) = self.pointers.get_mut(key) else {
            return;
        };
        match direction {
            Direction::Downstream => sides.producers.retain(|p| p.span != span),
            Direction::Upstream => sides.consumers.retain(|c| c.span != span),
        }
        if sides.producers.is_empty() && sides.consumers.is_empty() {
            self.pointers.remove(key);
        }
    }

    /// How many links [`Matcher::resolution`] would give, without building
    /// them: every consumer of a pointer that has a producer is one.
    pub fn link_count(&self) -> usize {
        self.pointers
            .values()
            .filter(|sides| !sides.producers.is_empty())
            .map(|sides| sides.consumers.len())
            .sum()
    }

    /// Whether every pointer of the span has its other side.
    pub fn is_resolved(&self, span: &Span) -> bool {
        span.pointers.iter().all(|p| {
            let key = PointerKey::of(p);
            self.pointers
                .get(&key)
                .is_some_and(|sides| match p.direction {
                    Direction::Downstream => !sides.consumers.is_empty(),
                    Direction::Upstream => !sides.producers.is_empty(),
                })
        })
    }

    /// The links and unmatched pointers of the kinds and hashes these spans carry.
    pub fn resolution_of(&self, spans: &[Span]) -> Resolution {
        let keys: HashSet<PointerKey> = spans
            .iter()
            .flat_map(|s| &s.pointers)
            .map(PointerKey::of)
            .collect();
        self.resolution_over(keys.iter())
    }

    /// Every link and unmatched pointer among the spans added so far.
    pub fn resolution(&self) -> Resolution {
        self.resolution_over(self.pointers.keys())
    }

    fn resolution_over<'a>(&self, keys: impl Iterator<Item = &'a PointerKey>) -> Resolution {
        resolve(
            &self.options,
            keys.filter_map(|key| Some((key, self.pointers.get(key)?))),
        )
    }
}

/// Pairs the sides of each pointer (SPEC section 10): the one rule, whichever
/// store kept the sides.
pub(crate) fn resolve<'a>(
    options: &MatchOptions,
    pointers: impl Iterator<Item = (&'a PointerKey, &'a Sides)>,
) -> Resolution {
    let mut resolution = Resolution::default();
    for (key, sides) in pointers {
        resolve_pointer(options, key, sides, &mut resolution);
    }
    resolution.links.sort();
    resolution.unmatched.sort();
    resolution
}

fn resolve_pointer(options: &MatchOptions, key: &PointerKey, sides: &Sides, out: &mut Resolution) {
    let unmatched = |span: SpanRef, direction, reason| Unmatched {
        span,
        kind: key.kind.clone(),
        hash: key.hash.clone(),
        direction,
        reason,
    };
    let producers = sides.producers.iter().map(|p| p.span);
    let consumers = sides.consumers.iter().map(|c| c.span);
    if sides.producers.is_empty() || sides.consumers.is_empty() {
        let lonely = producers
            .map(|p| unmatched(p, Direction::Downstream, NO_CONSUMER))
            .chain(consumers.map(|c| unmatched(c, Direction::Upstream, NO_PRODUCER)));
        out.unmatched.extend(lonely);
        return;
    }
    let mut chosen = HashSet::new();
    for consumer in &sides.consumers {
        let Some(producer) = choose(options, &sides.producers, consumer.change_time) else {
            continue;
        };
        chosen.insert(producer.span);
        out.links.push(Link {
            producer: producer.span,
            consumer: consumer.span,
            kind: key.kind.clone(),
            hash: key.hash.clone(),
        });
    }
    out.unmatched.extend(
        sides
            .producers
            .iter()
            .filter(|p| !chosen.contains(&p.span))
            .map(|p| unmatched(p.span, Direction::Downstream, NOT_CHOSEN)),
    );
}

/// The producer of a consumer whose change time is `c`. Ties go to the
/// earlier end, then the smaller ids, so the answer does not depend on input
/// order.
fn choose<'a>(options: &MatchOptions, producers: &'a [Producer], c: u64) -> Option<&'a Producer> {
    let latest_end = c.saturating_add(options.skew_nanos);
    let in_time = producers
        .iter()
        .filter(|p| p.end <= latest_end)
        .min_by_key(|p| (p.end.abs_diff(c), p.end, p.span));
    in_time.or_else(|| producers.iter().min_by_key(|p| (p.end, p.span)))
}
