//! Fixed-window request counters kept in this process's memory, keyed by a bucket name and a
//! caller key (an IP address, a token). With several processes behind a load balancer each
//! keeps its own counts, so the effective limit is the per-process limit times the processes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::{Error, RateLimitInfo};

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(&'static str, String), Window>>,
}

struct Window {
    started: DateTime<Utc>,
    count: u32,
}

impl RateLimiter {
    /// Counts one request of `key` in `bucket`; `Err(RateLimited)` once more than `limit`
    /// arrived in the current window. A `limit` of 0 disables the check.
    pub fn hit(
        &self,
        bucket: &'static str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateLimitInfo, Error> {
        let now = Utc::now();
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::hours(1));
        if limit == 0 {
            return Ok(RateLimitInfo {
                limit: u32::MAX,
                remaining: u32::MAX,
                reset: now + window,
            });
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, w| w.started + window > now);
        }
        let entry = windows.entry((bucket, key.to_string())).or_insert(Window {
            started: now,
            count: 0,
        });
        if entry.started + window <= now {
            entry.started = now;
            entry.count = 0;
        }
        entry.count += 1;
        let info = RateLimitInfo {
            limit,
            remaining: limit.saturating_sub(entry.count),
            reset: entry.started + window,
        };
        if entry.count > limit {
            Err(Error::RateLimited(info))
        } else {
            Ok(info)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key() {
        let l = RateLimiter::default();
        let w = Duration::from_secs(60);
        assert_eq!(l.hit("b", "k", 2, w).map(|i| i.remaining).ok(), Some(1));
        assert_eq!(l.hit("b", "k", 2, w).map(|i| i.remaining).ok(), Some(0));
        assert!(l.hit("b", "k", 2, w).is_err());
        assert!(l.hit("b", "other", 2, w).is_ok());
        assert!(l.hit("b", "k", 0, w).is_ok());
    }
}
