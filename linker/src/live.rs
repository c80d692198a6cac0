//! Pointers of a running service: each expires after a time to live, and
//! the number kept is capped, the oldest evicted first, so memory stays
//! bounded whatever arrives.

use crate::matching::{MatchOptions, Matcher, PointerKey, Resolution};
use crate::model::{Direction, Span, SpanRef};
use std::collections::VecDeque;

/// Limits of a [`LivePointers`].
#[derive(Clone, Copy, Debug)]
pub struct LiveLimits {
    /// How long a pointer is kept, in the caller's clock units (nanoseconds).
    pub ttl: u64,
    /// How many pointers are kept at most.
    pub cap: usize,
}

struct Arrival {
    at: u64,
    span: SpanRef,
    key: PointerKey,
    direction: Direction,
}

/// A [`Matcher`] whose pointers leave again, oldest first.
pub struct LivePointers {
    matcher: Matcher,
    limits: LiveLimits,
    arrivals: VecDeque<Arrival>,
    expired: u64,
    evicted: u64,
}

impl LivePointers {
    pub fn new(options: MatchOptions, limits: LiveLimits) -> Self {
        LivePointers {
            matcher: Matcher::new(options),
            limits,
            arrivals: VecDeque::new(),
            expired: 0,
            evicted: 0,
        }
    }

    /// Adds a span's pointers arriving at `now` (a monotonic clock the
    /// caller keeps, in nanoseconds), evicting the oldest beyond the cap.
    pub fn add(&mut self, span: &Span, now: u64) {
        for (key, direction) in self.matcher.add_new(span) {
            self.arrivals.push_back(Arrival {
                at: now,
                span: span.id,
                key,
                direction,
            });
        }
        while self.arrivals.len() > self.limits.cap {
            self.pop_oldest();
            self.evicted += 1;
        }
    }

    /// Forgets pointers older than the time to live.
    pub fn expire(&mut self, now: u64) {
        while self
            .arrivals
            .front()
            .is_some_and(|a| now.saturating_sub(a.at) > self.limits.ttl)
        {
            self.pop_oldest();
            self.expired += 1;
        }
    }

    fn pop_oldest(&mut self) {
        if let Some(a) = self.arrivals.pop_front() {
            self.matcher.remove(a.span, &a.key, a.direction);
        }
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    pub fn live(&self) -> usize {
        self.arrivals.len()
    }

    pub fn expired(&self) -> u64 {
        self.expired
    }

    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    pub fn resolution(&self) -> Resolution {
        self.matcher.resolution()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PointerLink, SpanId, TraceId};

    fn span(n: u8, direction: Direction) -> Span {
        Span {
            id: SpanRef {
                trace_id: TraceId([n; 16]),
                span_id: SpanId([n; 8]),
            },
            start_unix_nanos: 10,
            end_unix_nanos: 20,
            pointers: vec![PointerLink {
                kind: "aws.s3.object".into(),
                direction,
                hash: format!("{n:032x}"),
                change_time: None,
            }],
        }
    }

    #[test]
    fn the_oldest_pointers_are_evicted_beyond_the_cap() {
        let mut live = LivePointers::new(MatchOptions::default(), LiveLimits { ttl: 100, cap: 2 });
        for n in 1..=3 {
            live.add(&span(n, Direction::Downstream), 0);
        }
        assert_eq!((live.live(), live.evicted()), (2, 1));
        // The first span's pointer is gone: its consumer finds no producer.
        live.add(&span(1, Direction::Upstream), 0);
        assert!(!live.matcher().is_resolved(&span(1, Direction::Upstream)));
        assert!(live.matcher().is_resolved(&span(3, Direction::Upstream)));
        assert_eq!((live.live(), live.evicted()), (2, 2));
    }

    #[test]
    fn pointers_expire_after_the_ttl() {
        let mut live = LivePointers::new(MatchOptions::default(), LiveLimits { ttl: 100, cap: 10 });
        live.add(&span(1, Direction::Downstream), 0);
        live.add(&span(2, Direction::Downstream), 50);
        live.expire(120);
        assert_eq!((live.live(), live.expired()), (1, 1));
        live.add(&span(2, Direction::Upstream), 120);
        assert!(live.matcher().is_resolved(&span(2, Direction::Upstream)));
        assert_eq!(live.resolution().links.len(), 1);
    }
}
