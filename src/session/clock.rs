//! Time source for session expiry.
//!
//! Expiry needs wall-clock milliseconds (they are written to disk/Redis and
//! compared after a restart or on another instance), yet tests must be able
//! to jump 31 minutes ahead without waiting. [`TokioClock`] gives both: it
//! reads the wall clock once and then advances with `tokio::time::Instant`,
//! which `tokio::time::pause()` / `advance()` control in tests.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Source of "now" in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The system wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        wall_clock_ms()
    }
}

/// Wall-clock time captured at creation plus the elapsed
/// `tokio::time::Instant` since then.
///
/// In production this tracks the wall clock (monotonically, so an NTP step
/// backwards does not make sessions look younger), and its values are
/// comparable across restarts. Under `tokio::time::pause()` it moves only
/// with `tokio::time::advance()`, which makes idle-expiry testable.
#[derive(Clone, Copy)]
pub struct TokioClock {
    base_ms: i64,
    base_instant: tokio::time::Instant,
}

impl TokioClock {
    /// Capture the current wall-clock time and tokio instant.
    pub fn new() -> Self {
        Self {
            base_ms: wall_clock_ms(),
            base_instant: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TokioClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioClock")
            .field("base_ms", &self.base_ms)
            .field("now_ms", &self.now_ms())
            .finish()
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> i64 {
        let elapsed = tokio::time::Instant::now().saturating_duration_since(self.base_instant);
        self.base_ms
            .saturating_add(i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
    }
}

fn wall_clock_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        // A clock set before 1970 is broken; 0 keeps arithmetic sane.
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }

    #[tokio::test]
    async fn tokio_clock_follows_paused_time() {
        let clock = TokioClock::new();
        let wall = SystemClock.now_ms();
        tokio::time::pause();
        let t0 = clock.now_ms();
        assert!((t0 - wall).abs() < 5_000, "starts near the wall clock");
        tokio::time::advance(Duration::from_secs(31 * 60)).await;
        let t1 = clock.now_ms();
        assert!(t1 - t0 >= 31 * 60 * 1000);
        assert!(t1 - t0 < 31 * 60 * 1000 + 1000);
    }
}
