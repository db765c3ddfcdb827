//! The time as the delivery rules and scheduled statuses see it. A value in `AppState`, so
//! tests can move it forward (days of failures in a second) instead of sleeping; in production
//! it is the system clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// The system clock plus an offset that only tests change.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Now, as this clock tells it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// The system time at which this clock will read `at`: how a time by this clock is handed
    /// to the job queue, whose claims compare with the database's clock. The same instant in
    /// production, where the offset is zero.
    pub fn to_system(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        at - Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// A timestamp as Mastodon's API and ActivityPub documents write it:
/// `2024-01-02T03:04:05.678Z`.
pub fn timestamp(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}
