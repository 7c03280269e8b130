//! The one clock: "now" and Beijing local time.
//!
//! Every layer asks a [`Clock`] for the time instead of reading the system
//! clock, so tests move time (deadlines, claim expiry, escalations) instead
//! of sleeping. Committees live on Beijing time (UTC+8, no daylight saving);
//! storage keeps UTC, and the conversions between the two live here alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// China Standard Time, the local time of every community.
pub const BEIJING: UtcOffset = time::macros::offset!(+8);

/// Where "now" comes from: the system clock, moved by an offset that tests set.
///
/// Cheap to clone; clones share the offset, so a test that moves the clock
/// it gave the application moves the application's clock too.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Nanoseconds added to the system time (0 in production).
    offset_ns: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now, in UTC.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::nanoseconds(self.offset_ns.load(Ordering::Relaxed))
    }

    /// Now, on Beijing time.
    pub fn local_now(&self) -> OffsetDateTime {
        beijing(self.now())
    }

    /// Today's date in Beijing.
    pub fn today(&self) -> Date {
        self.local_now().date()
    }

    /// Moves this clock (and every clone of it) forward by `by` (backward if negative).
    pub fn advance(&self, by: Duration) {
        let ns = i64::try_from(by.whole_nanoseconds()).unwrap_or(if by.is_negative() { i64::MIN } else { i64::MAX });
        self.offset_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

/// A moment on Beijing time.
pub fn beijing(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(BEIJING)
}

/// A wall-clock time read in Beijing (a form's "2022-04-06 22:30").
pub fn from_beijing(t: PrimitiveDateTime) -> OffsetDateTime {
    t.assume_offset(BEIJING)
}

/// "2022-04-06 22:30", Beijing time.
pub fn minute_text(t: OffsetDateTime) -> String {
    let t = beijing(t);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// "22:30", Beijing time.
pub fn hour_minute_text(t: OffsetDateTime) -> String {
    let t = beijing(t);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Parses "2022-04-06 22:30" (or the browser's "2022-04-06T22:30") as Beijing time.
pub fn parse_minute(s: &str) -> Option<OffsetDateTime> {
    let local = s.trim().replace('T', " ");
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    PrimitiveDateTime::parse(&local, format).ok().map(from_beijing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_clock_moves_every_clone() {
        let clock = Clock::system();
        let other = clock.clone();
        let before = other.now();
        clock.advance(Duration::hours(3));
        let after = other.now();
        assert!(after - before >= Duration::hours(3));
        assert!(after - before < Duration::hours(3) + Duration::minutes(1));
    }

    #[test]
    fn beijing_is_eight_hours_ahead() {
        let t = parse_minute("2022-04-06 22:30").expect("parse");
        assert_eq!(t.to_offset(UtcOffset::UTC).hour(), 14);
        assert_eq!(minute_text(t), "2022-04-06 22:30");
        assert_eq!(hour_minute_text(t), "22:30");
        assert_eq!(parse_minute("2022-04-06T22:30"), Some(t));
        assert_eq!(parse_minute("tomorrow"), None);
    }
}
