//! The index in the process: [`LivePointers`] behind a lock.

use super::{IndexError, IndexStats, PointerIndex};
use crate::live::{LiveLimits, LivePointers};
use crate::matching::{MatchOptions, Resolution};
use crate::model::Span;
use std::future::{ready, Future};
use std::sync::{Mutex, MutexGuard};

pub struct MemoryIndex {
    live: Mutex<LivePointers>,
}

impl MemoryIndex {
    pub fn new(options: MatchOptions, limits: LiveLimits) -> Self {
        MemoryIndex {
            live: Mutex::new(LivePointers::new(options, limits)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, LivePointers> {
        // A panic while holding the lock leaves the pointers at worst stale,
        // never inconsistent enough to stop serving.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PointerIndex for MemoryIndex {
    fn record(
        &self,
        spans: &[Span],
        now: u64,
    ) -> impl Future<Output = Result<Resolution, IndexError>> + Send {
        let mut live = self.lock();
        spans.iter().for_each(|s| live.add(s, now));
        ready(Ok(live.matcher().resolution_of(spans)))
    }

    fn look_up(
        &self,
        spans: &[Span],
    ) -> impl Future<Output = Result<Resolution, IndexError>> + Send {
        ready(Ok(self.lock().matcher().resolution_of(spans)))
    }

    fn resolution(&self) -> impl Future<Output = Result<Resolution, IndexError>> + Send {
        ready(Ok(self.lock().resolution()))
    }

    fn expire(&self, now: u64) {
        self.lock().expire(now);
    }

    fn stats(&self) -> IndexStats {
        let live = self.lock();
        IndexStats {
            live_pointers: Some(live.live() as u64),
            links: Some(live.matcher().link_count() as u64),
            evicted: Some(live.evicted()),
            expired: Some(live.expired()),
            reachable: None,
            failures: None,
        }
    }
}
