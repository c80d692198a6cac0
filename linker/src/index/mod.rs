//! Where a running service keeps its pointers, behind one interface: in
//! the process (the default) or in Redis, shared by replicas of `serve`.
//! Every store hands its sides of a pointer to the same matching rule.

mod memory;
#[cfg(feature = "redis")]
mod redis;

use crate::matching::Resolution;
use crate::model::Span;
use std::fmt;
use std::future::Future;

#[cfg(feature = "redis")]
pub use self::redis::{RedisIndex, RedisOptions};
pub use memory::MemoryIndex;

/// A store that did not answer: a stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexError {
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for IndexError {}

/// What a store counts for `/metrics`; `None` where it cannot tell cheaply
/// (a shared store does not count the fleet's links on every scrape).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub live_pointers: Option<u64>,
    pub links: Option<u64>,
    pub evicted: Option<u64>,
    pub expired: Option<u64>,
    /// A remote store: whether it answers now.
    pub reachable: Option<bool>,
    /// A remote store: operations that failed or were not tried because it
    /// did not answer.
    pub failures: Option<u64>,
}

/// The pointers of a running service.
pub trait PointerIndex: Send + Sync + 'static {
    /// Records the pointers these spans carry, at `now`, and answers the
    /// links and unmatched pointers of their kinds and hashes as known after
    /// the write.
    ///
    /// `now` is the caller's clock in nanoseconds since the Unix epoch, and
    /// must never go back (for instance the wall-clock time at the caller's
    /// start plus the monotonic time since): a shared store compares the
    /// times of different replicas. Each side leaves the time to live after
    /// the first `now` it was recorded at.
    fn record(
        &self,
        spans: &[Span],
        now: u64,
    ) -> impl Future<Output = Result<Resolution, IndexError>> + Send;

    /// The links and unmatched pointers of the kinds and hashes these spans
    /// carry, as known now.
    fn look_up(
        &self,
        spans: &[Span],
    ) -> impl Future<Output = Result<Resolution, IndexError>> + Send;

    /// Every link and unmatched pointer the store holds.
    fn resolution(&self) -> impl Future<Output = Result<Resolution, IndexError>> + Send;

    /// Forgets the sides recorded longer than the time to live before `now`
    /// (the clock of [`PointerIndex::record`]): no answer includes them from
    /// then on.
    fn expire(&self, now: u64);

    fn stats(&self) -> IndexStats;
}
