//! Pairing consumer pointers with producer pointers (SPEC section 10).
//!
//! The same object or item can be written many times, so a consumer
//! pointer is paired with exactly one producer: the one whose write is
//! closest to the consumer's change time among those that ended no later
//! than that time plus the allowed clock skew, or else the earliest-ending
//! one. A producer keeps every consumer that chose it.
//!
//! [`resolve`] is that rule, whichever store kept a pointer's sides: the
//! [`Matcher`] here (in the process, for `link` and for `serve`'s
//! in-memory index) or Redis (`index/redis.rs`).

use crate::model::{Direction, PointerLink, Span, SpanRef};
use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;

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
    /// The links of `links` whose producer ended more than the skew away
    /// from the consumer's change time: a write of the same object or item
    /// that has not arrived yet (a producer's exporter often sends later
    /// than the consumer's) may end closer and take the consumer, so a
    /// service waits for it before passing the consumer on. Sorted.
    pub unsettled: Vec<Link>,
}

pub(crate) const NO_PRODUCER: &str = "no span carries the d pointer of this kind and hash; the producer's trace is missing from the input or its tracer emits no pointers";
pub(crate) const NO_CONSUMER: &str = "no span carries the u pointer of this kind and hash; the consumer's trace is missing from the input or its event reached no traced handler";
pub(crate) const NOT_CHOSEN: &str = "every consumer of this pointer chose another write of the same object or item, closer to its change time";

/// A pointer's identity as text: both sides of a hop carry the same kind
/// and hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PointerKey {
    pub(crate) kind: String,
    pub(crate) hash: String,
}

#[cfg(feature = "redis")]
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

/// The producers and consumers of one pointer, wherever they are kept. One
/// span can be on a side more than once: a Lambda batch holding an item's
/// INSERT and MODIFY is one consumer span with two records.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sides {
    pub(crate) producers: Vec<Producer>,
    pub(crate) consumers: Vec<Consumer>,
}

/// Each pointer of a span with which of the span's pointers of the same
/// kind, hash and direction it is (0 for the first). Every store keeps a
/// pointer once per span and ordinal, so a span given twice counts once
/// and a span's two records of one item count twice.
pub(crate) fn with_ordinals(span: &Span) -> impl Iterator<Item = (&PointerLink, u16)> {
    span.pointers.iter().enumerate().map(|(i, pointer)| {
        let earlier = span.pointers[..i]
            .iter()
            .filter(|p| {
                p.direction == pointer.direction && p.kind == pointer.kind && p.hash == pointer.hash
            })
            .count();
        (pointer, u16::try_from(earlier).unwrap_or(u16::MAX))
    })
}

/// Pairs the sides of each pointer (SPEC section 10): the one rule, whichever
/// store kept the sides.
pub(crate) fn resolve<K, S>(
    options: &MatchOptions,
    pointers: impl IntoIterator<Item = (K, S)>,
) -> Resolution
where
    K: Borrow<PointerKey>,
    S: Borrow<Sides>,
{
    let mut resolution = Resolution::default();
    for (key, sides) in pointers {
        resolve_pointer(options, key.borrow(), sides.borrow(), &mut resolution);
    }
    // A span with two records of one pointer can give the same link or
    // unmatched pointer twice.
    resolution.links.sort();
    resolution.links.dedup();
    resolution.unmatched.sort();
    resolution.unmatched.dedup();
    resolution.unsettled.sort();
    resolution.unsettled.dedup();
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
        let Some(producer) = choose(options, &sides.producers, consumer) else {
            out.unmatched
                .push(unmatched(consumer.span, Direction::Upstream, NO_PRODUCER));
            continue;
        };
        chosen.insert(producer.span);
        let link = Link {
            producer: producer.span,
            consumer: consumer.span,
            kind: key.kind.clone(),
            hash: key.hash.clone(),
        };
        if producer.end.abs_diff(consumer.change_time) > options.skew_nanos {
            out.unsettled.push(link.clone());
        }
        out.links.push(link);
    }
    out.unmatched.extend(
        sides
            .producers
            .iter()
            .filter(|p| !chosen.contains(&p.span))
            .map(|p| unmatched(p.span, Direction::Downstream, NOT_CHOSEN)),
    );
}

/// The producer of a consumer (its change time `c`), never the consumer's
/// own span. Ties go to the earlier end, then the smaller ids, so the
/// answer does not depend on input order.
fn choose<'a>(
    options: &MatchOptions,
    producers: &'a [Producer],
    consumer: &Consumer,
) -> Option<&'a Producer> {
    let c = consumer.change_time;
    let latest_end = c.saturating_add(options.skew_nanos);
    // A span that carries both sides (a handler rewriting the object that
    // triggered it) did not cause itself.
    let others = || producers.iter().filter(|p| p.span != consumer.span);
    let in_time = others()
        .filter(|p| p.end <= latest_end)
        .min_by_key(|p| (p.end.abs_diff(c), p.end, p.span));
    in_time.or_else(|| others().min_by_key(|p| (p.end, p.span)))
}

/// Which pointer, as the [`Matcher`] keeps it. A kind the matcher has a
/// number for and a hash of 32 lowercase hex digits (every tracer's) are
/// kept in 24 bytes with no allocation, since a service keeps a million of
/// them; anything else is kept as text. One text always gives the same key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum CompactKey {
    Compact { kind: u8, hash: [u8; 16] },
    Text(Box<(String, String)>),
}

/// The 16 bytes of a hash written as 32 lowercase hex digits.
fn lowercase_hex_16(text: &str) -> Option<[u8; 16]> {
    if text.len() != 32 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut bytes = [0; 16];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(bytes)
}

/// Kinds get a number in the order they are first seen, up to this many;
/// later ones are kept as text, so that no input grows the table without end.
const KIND_NUMBERS: usize = 255;

/// One pointer of one span, in the order pointers arrived.
#[derive(Clone, Debug)]
struct Entry {
    span: SpanRef,
    key: CompactKey,
    /// A producer's span end; a consumer's change time, or else its span's start.
    time: u64,
    /// When it arrived, in the caller's clock (for [`crate::LivePointers`]).
    at: u64,
    /// The next entry with the same key (its id, see [`Ids`]), or its own id.
    next: u32,
    /// Which of the span's pointers with this key and direction it is.
    ordinal: u16,
    direction: Direction,
}

/// The entries of one key, oldest first, and how many of each direction.
#[derive(Clone, Copy, Debug)]
struct Chain {
    head: u32,
    tail: u32,
    producers: u32,
    consumers: u32,
}

/// Entry ids count up from 0 in arrival order; only the oldest entry ever
/// leaves, so the live ones are consecutive and an id is kept in 32 bits
/// (modulo 2^32) while fewer than 2^32 entries are live.
#[derive(Default)]
struct Ids {
    /// The id of `entries[0]`, modulo 2^32.
    first: u32,
}

impl Ids {
    fn index(&self, id: u32) -> usize {
        id.wrapping_sub(self.first) as usize
    }

    fn id(&self, index: usize) -> u32 {
        self.first.wrapping_add(index as u32)
    }
}

/// The pointers of every span added so far, by kind and hash, in the order
/// they arrived: the store in the process.
pub struct Matcher {
    options: MatchOptions,
    kinds: Vec<String>,
    entries: VecDeque<Entry>,
    ids: Ids,
    chains: HashMap<CompactKey, Chain>,
    /// A span seen twice (an input given twice, a retried export) counts
    /// once: the fingerprints of (span, key, direction, ordinal) of the
    /// live entries. 64-bit and keyed at random per matcher, so no input
    /// can aim for a collision; one by chance (odds about n^2 / 2^65 for n
    /// live pointers) would drop the later pointer, never make a wrong link.
    seen: HashSet<u64>,
    fingerprints: RandomState,
}

impl Matcher {
    pub fn new(options: MatchOptions) -> Self {
        Matcher {
            options,
            kinds: Vec::new(),
            entries: VecDeque::new(),
            ids: Ids::default(),
            chains: HashMap::new(),
            seen: HashSet::new(),
            fingerprints: RandomState::new(),
        }
    }

    /// Adds the spans and resolves everything added so far.
    pub fn resolve(mut self, spans: &[Span]) -> Resolution {
        spans.iter().for_each(|s| self.add(s));
        self.resolution()
    }

    /// Adds one span's pointers.
    pub fn add(&mut self, span: &Span) {
        self.add_at(span, 0);
    }

    /// Adds one span's pointers, arriving at `at`; returns how many were new.
    pub(crate) fn add_at(&mut self, span: &Span, at: u64) -> usize {
        let mut added = 0;
        for (pointer, ordinal) in with_ordinals(span) {
            let key = self.intern(&pointer.kind, &pointer.hash);
            if !self
                .seen
                .insert(self.fingerprint(span.id, &key, pointer.direction, ordinal))
            {
                continue;
            }
            let time = match pointer.direction {
                Direction::Downstream => Producer::of(span).end,
                Direction::Upstream => Consumer::of(span, pointer).change_time,
            };
            let id = self.ids.id(self.entries.len());
            let chain = self.chains.entry(key.clone()).or_insert(Chain {
                head: id,
                tail: id,
                producers: 0,
                consumers: 0,
            });
            match pointer.direction {
                Direction::Downstream => chain.producers += 1,
                Direction::Upstream => chain.consumers += 1,
            }
            let previous = std::mem::replace(&mut chain.tail, id);
            if previous != id {
                let index = self.ids.index(previous);
                self.entries[index].next = id;
            }
            self.entries.push_back(Entry {
                span: span.id,
                key,
                time,
                at,
                next: id,
                ordinal,
                direction: pointer.direction,
            });
            added += 1;
        }
        added
    }

    /// How many pointers are kept.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// When the oldest pointer kept arrived.
    pub(crate) fn oldest_at(&self) -> Option<u64> {
        self.entries.front().map(|e| e.at)
    }

    /// Forgets the oldest pointer.
    pub(crate) fn pop_oldest(&mut self) {
        let Some(entry) = self.entries.pop_front() else {
            return;
        };
        let id = self.ids.first;
        self.ids.first = self.ids.first.wrapping_add(1);
        let fingerprint = self.fingerprint(entry.span, &entry.key, entry.direction, entry.ordinal);
        self.seen.remove(&fingerprint);
        // The oldest entry is the head of its key's chain.
        if let Some(chain) = self.chains.get_mut(&entry.key) {
            match entry.direction {
                Direction::Downstream => chain.producers -= 1,
                Direction::Upstream => chain.consumers -= 1,
            }
            if entry.next == id {
                self.chains.remove(&entry.key);
            } else {
                chain.head = entry.next;
            }
        }
    }

    /// How many links [`Matcher::resolution`] would give, without building
    /// them: every consumer of a pointer that has a producer is one.
    pub fn link_count(&self) -> usize {
        self.chains
            .values()
            .filter(|chain| chain.producers > 0)
            .map(|chain| chain.consumers as usize)
            .sum()
    }

    /// Whether every pointer of the span has its other side.
    pub fn is_resolved(&self, span: &Span) -> bool {
        span.pointers.iter().all(|p| {
            self.key(&p.kind, &p.hash)
                .and_then(|key| self.chains.get(&key))
                .is_some_and(|chain| match p.direction {
                    Direction::Downstream => chain.consumers > 0,
                    Direction::Upstream => chain.producers > 0,
                })
        })
    }

    /// The links and unmatched pointers of the kinds and hashes these spans carry.
    pub fn resolution_of(&self, spans: &[Span]) -> Resolution {
        let keys: HashSet<CompactKey> = spans
            .iter()
            .flat_map(|s| &s.pointers)
            .filter_map(|p| self.key(&p.kind, &p.hash))
            .collect();
        self.resolution_over(keys.iter())
    }

    /// Every link and unmatched pointer among the spans added so far.
    pub fn resolution(&self) -> Resolution {
        self.resolution_over(self.chains.keys())
    }

    fn resolution_over<'a>(&self, keys: impl Iterator<Item = &'a CompactKey>) -> Resolution {
        let pointers = keys.filter_map(|key| {
            let chain = self.chains.get(key)?;
            Some((self.pointer_key(key), self.sides(chain)))
        });
        resolve(&self.options, pointers)
    }

    /// The key of a kind and hash, numbering the kind if it is new.
    fn intern(&mut self, kind: &str, hash: &str) -> CompactKey {
        if self.kinds.len() < KIND_NUMBERS && !self.kinds.iter().any(|k| k == kind) {
            self.kinds.push(kind.to_owned());
        }
        // With the kind numbered (or the table full), `key` always answers.
        self.key(kind, hash)
            .unwrap_or_else(|| CompactKey::Text(Box::new((kind.to_owned(), hash.to_owned()))))
    }

    /// The key a pointer of this kind and hash was added under; `None` when
    /// its kind was never seen, so no such pointer was added.
    fn key(&self, kind: &str, hash: &str) -> Option<CompactKey> {
        let number = self.kinds.iter().position(|k| k == kind);
        match (number, lowercase_hex_16(hash)) {
            (Some(kind), Some(hash)) => Some(CompactKey::Compact {
                kind: kind as u8,
                hash,
            }),
            (None, Some(_)) if self.kinds.len() < KIND_NUMBERS => None,
            _ => Some(CompactKey::Text(Box::new((
                kind.to_owned(),
                hash.to_owned(),
            )))),
        }
    }

    fn pointer_key(&self, key: &CompactKey) -> PointerKey {
        match key {
            CompactKey::Compact { kind, hash } => PointerKey {
                kind: self.kinds[*kind as usize].clone(),
                hash: hex::encode(hash),
            },
            CompactKey::Text(text) => PointerKey {
                kind: text.0.clone(),
                hash: text.1.clone(),
            },
        }
    }

    fn fingerprint(
        &self,
        span: SpanRef,
        key: &CompactKey,
        direction: Direction,
        ordinal: u16,
    ) -> u64 {
        self.fingerprints.hash_one((span, key, direction, ordinal))
    }

    /// The sides of one chain, each oldest first.
    fn sides(&self, chain: &Chain) -> Sides {
        let mut sides = Sides {
            producers: Vec::with_capacity(chain.producers as usize),
            consumers: Vec::with_capacity(chain.consumers as usize),
        };
        let mut id = chain.head;
        loop {
            let entry = &self.entries[self.ids.index(id)];
            match entry.direction {
                Direction::Downstream => sides.producers.push(Producer {
                    span: entry.span,
                    end: entry.time,
                }),
                Direction::Upstream => sides.consumers.push(Consumer {
                    span: entry.span,
                    change_time: entry.time,
                }),
            }
            if entry.next == id {
                return sides;
            }
            id = entry.next;
        }
    }
}
