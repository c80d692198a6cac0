//! Progress on standard error, only for runs long enough to need it.

use std::time::{Duration, Instant};

/// A run shorter than this prints nothing, so scripts over small files
/// see a quiet standard error.
const QUIET_FOR: Duration = Duration::from_secs(1);

pub struct Progress {
    started: Instant,
}

impl Progress {
    pub fn start() -> Self {
        Progress {
            started: Instant::now(),
        }
    }

    /// Prints the step once the run has taken longer than [`QUIET_FOR`].
    pub fn step(&self, what: impl FnOnce() -> String) {
        let elapsed = self.started.elapsed();
        if elapsed >= QUIET_FOR {
            eprintln!("span-autolink: {:.1} s: {}", elapsed.as_secs_f64(), what());
        }
    }
}
