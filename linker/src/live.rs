//! Pointers of a running service: each expires after a time to live, and
//! the number kept is capped, the oldest evicted first, so memory stays
//! bounded whatever arrives.

use crate::matching::{MatchOptions, Matcher, Resolution};
use crate::model::Span;

/// Limits of a [`LivePointers`].
#[derive(Clone, Copy, Debug)]
pub struct LiveLimits {
    /// How long a pointer is kept, in the caller's clock units (nanoseconds).
    pub ttl: u64,
    /// How many pointers are kept at most.
    pub cap: usize,
}

/// A [`Matcher`] whose pointers leave again, oldest first.
pub struct LivePointers {
    /// Keeps pointers in the order they arrived, with when they did.
    matcher: Matcher,
    limits: LiveLimits,
    expired: u64,
    evicted: u64,
}

impl LivePointers {
    pub fn new(options: MatchOptions, limits: LiveLimits) -> Self {
        LivePointers {
            matcher: Matcher::new(options),
            limits,
            expired: 0,
            evicted: 0,
        }
    }

    /// Adds a span's pointers arriving at `now` (a monotonic clock the
    /// caller keeps, in nanoseconds), evicting the oldest beyond the cap.
    pub fn add(&mut self, span: &Span, now: u64) {
        self.matcher.add_at(span, now);
        while self.matcher.len() > self.limits.cap {
            self.matcher.pop_oldest();
            self.evicted += 1;
        }
    }

    /// Forgets pointers older than the time to live.
    pub fn expire(&mut self, now: u64) {
        while self
            .matcher
            .oldest_at()
            .is_some_and(|at| now.saturating_sub(at) > self.limits.ttl)
        {
            self.matcher.pop_oldest();
            self.expired += 1;
        }
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    pub fn live(&self) -> usize {
        self.matcher.len()
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
    use crate::model::{Direction, PointerLink, SpanId, SpanRef, TraceId};

    /// Span `n` of a side: producer and consumer are different spans.
    fn span(n: u8, direction: Direction) -> Span {
        let side = match direction {
            Direction::Downstream => 0,
            Direction::Upstream => 0x80,
        };
        Span {
            id: SpanRef {
                trace_id: TraceId([n | side; 16]),
                span_id: SpanId([n | side; 8]),
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

    #[test]
    fn an_evicted_pointer_can_arrive_again() {
        let mut live = LivePointers::new(MatchOptions::default(), LiveLimits { ttl: 100, cap: 1 });
        live.add(&span(1, Direction::Downstream), 0);
        live.add(&span(2, Direction::Downstream), 0);
        live.add(&span(1, Direction::Downstream), 0);
        assert_eq!((live.live(), live.evicted()), (1, 2));
        live.add(&span(1, Direction::Upstream), 0);
        assert_eq!(
            live.resolution().links.len(),
            0,
            "the cap of 1 keeps only the newest"
        );
        let mut live = LivePointers::new(MatchOptions::default(), LiveLimits { ttl: 100, cap: 4 });
        for n in 1..=3 {
            live.add(&span(n, Direction::Downstream), 0);
            live.add(&span(n, Direction::Downstream), 0);
        }
        assert_eq!(live.live(), 3, "a span given twice counts once");
        for n in 1..=3 {
            live.add(&span(n, Direction::Upstream), 0);
        }
        assert_eq!((live.live(), live.evicted()), (4, 2));
        assert_eq!(live.resolution().links.len(), 1);
        assert_eq!(live.matcher().link_count(), 1);
    }

    #[test]
    fn a_consumer_arriving_before_its_producer_is_linked_when_it_comes() {
        let mut live = LivePointers::new(MatchOptions::default(), LiveLimits { ttl: 100, cap: 10 });
        live.add(&span(1, Direction::Upstream), 0);
        assert!(!live.matcher().is_resolved(&span(1, Direction::Upstream)));
        assert_eq!(live.resolution().unmatched.len(), 1);
        live.add(&span(1, Direction::Downstream), 50);
        assert!(live.matcher().is_resolved(&span(1, Direction::Upstream)));
        let resolution = live.resolution();
        assert_eq!(resolution.links.len(), 1);
        assert_eq!(
            resolution.links[0].consumer,
            span(1, Direction::Upstream).id
        );
        assert_eq!(
            resolution.links[0].producer,
            span(1, Direction::Downstream).id
        );
        assert!(resolution.unmatched.is_empty());
    }
}
