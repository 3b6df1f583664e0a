//! Where the current time comes from.

use std::sync::atomic::{AtomicI64, Ordering};

use super::{Instant, LocalDay};

/// The source of "now". Services hold an `Arc<dyn Clock>`; nothing else may read the system time
/// (clippy's `disallowed_methods` enforces it), so expiries, SLA clocks and schedules can be
/// tested with a [`ManualClock`].
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;

    /// The current day in Shanghai.
    fn today(&self) -> LocalDay {
        self.now().local_day()
    }
}

/// The real wall clock.
#[derive(Copy, Clone, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one sanctioned reading of the system time.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> Instant {
        Instant::from_timestamp(jiff::Timestamp::now())
    }
}

/// A clock that only moves when told to, for tests. Shareable (`Arc<ManualClock>` coerces to
/// `Arc<dyn Clock>`); updates are visible to every holder.
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Instant) -> ManualClock {
        ManualClock { micros: AtomicI64::new(start.0) }
    }

    /// Moves the clock to `at` (backwards too).
    pub fn set(&self, at: Instant) {
        self.micros.store(at.0, Ordering::SeqCst);
    }

    /// Moves the clock forward by `seconds` (backwards if negative); saturates.
    pub fn advance_seconds(&self, seconds: i64) {
        let _ = self.micros.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| Some(Instant(m).plus_seconds(seconds).0));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        Instant(self.micros.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Instant::parse("2026-11-22 08:00").unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start);
        clock.advance_seconds(90);
        assert_eq!(clock.now(), start.plus_seconds(90));
        clock.advance_seconds(-30);
        assert_eq!(clock.now(), start.plus_minutes(1));
        clock.set(Instant(0));
        assert_eq!(clock.now(), Instant(0));
        clock.set(Instant(i64::MAX - 1));
        clock.advance_seconds(10);
        assert_eq!(clock.now(), Instant(i64::MAX));
    }

    #[test]
    fn today_follows_shanghai_midnight() {
        let clock = ManualClock::new(Instant::parse("2026-11-22 23:59:59").unwrap());
        assert_eq!(clock.today().to_string(), "2026-11-22");
        clock.advance_seconds(1);
        assert_eq!(clock.today().to_string(), "2026-11-23");
    }

    #[test]
    fn usable_behind_arc_dyn_clock() {
        let manual = Arc::new(ManualClock::new(Instant(1_000_000)));
        let shared: Arc<dyn Clock> = manual.clone();
        manual.advance_seconds(1);
        assert_eq!(shared.now(), Instant(2_000_000));
        let handle = std::thread::spawn(move || shared.now());
        assert_eq!(handle.join().unwrap(), Instant(2_000_000));
    }

    #[test]
    fn system_clock_is_after_2025() {
        let now = SystemClock.now();
        assert!(now > Instant::parse("2025-01-01T00:00:00Z").unwrap(), "{now}");
    }
}
