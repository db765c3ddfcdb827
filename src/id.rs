//! Time-sortable 64-bit ids, as Mastodon makes them: milliseconds since the Unix epoch in the
//! high 48 bits, 16 low bits that keep ids made in the same millisecond distinct and increasing
//! within a process. Ids are `BIGINT` in the database and strings in JSON (JavaScript clients
//! cannot hold 64-bit integers), and their order is creation order, so `max_id`/`since_id`
//! pagination is a plain comparison.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use rand::Rng;

static LAST: AtomicU64 = AtomicU64::new(0);

/// A new id for "now": strictly greater than every id this process made before.
pub fn next() -> i64 {
    let base = (Utc::now().timestamp_millis().max(0) as u64) << 16;
    let fresh = base | rand::thread_rng().gen_range(0..0x8000u64);
    loop {
        let last = LAST.load(Ordering::Relaxed);
        // Same millisecond as the previous id (or a burst that ran ahead): count up from it,
        // so ids from one process never go backwards. The random start keeps two processes
        // from colliding in the same millisecond.
        let candidate = if last >= base { last + 1 } else { fresh };
        if LAST
            .compare_exchange(last, candidate, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            return candidate as i64;
        }
    }
}

static AT_SEQ: AtomicU64 = AtomicU64::new(0);

/// The latest moment an id can carry: the high 48 bits hold milliseconds, and the sign bit
/// must stay clear (about the year 6429).
const MAX_MILLIS: i64 = i64::MAX >> 16;

/// An id for a past moment (a remote object keeps its publication time in its id).
///
/// Always positive: a moment before 1970 takes the first millisecond after it, one past what
/// 48 bits hold takes the last, so no timestamp a peer sends can make an id that the API
/// refuses to parse. Callers bound remote timestamps with [`remote_time`] first.
///
/// Many servers publish whole seconds, so a burst of remote posts shares one millisecond: the
/// low bits count up from a random point per process rather than being drawn at random, which
/// would collide after a few hundred.
pub fn at(when: DateTime<Utc>) -> i64 {
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| rand::thread_rng().gen_range(0..0x10000u64));
    let base = (when.timestamp_millis().clamp(1, MAX_MILLIS) as u64) << 16;
    let low = AT_SEQ.fetch_add(1, Ordering::Relaxed).wrapping_add(start) & 0xFFFF;
    (base | low) as i64
}

/// A timestamp from a remote document (`published`, `updated`), bounded to what can date a
/// local record: not before 1970 and not after `now`.
pub fn remote_time(when: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    when.clamp(DateTime::UNIX_EPOCH, now)
}

/// The smallest id that could have been made at `when`: a bound for time-based queries.
pub fn floor_at(when: DateTime<Utc>) -> i64 {
    ((when.timestamp_millis().clamp(0, MAX_MILLIS) as u64) << 16) as i64
}

/// Parses an id from its string form; `None` for anything that is not a positive integer.
pub fn parse(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_one_past_moment_do_not_collide() {
        let when = Utc::now() - chrono::Duration::days(3);
        let ids: std::collections::HashSet<i64> = (0..10_000).map(|_| at(when)).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| *id >= floor_at(when)));
    }

    #[test]
    fn any_moment_makes_a_positive_id() {
        let far_future = DateTime::parse_from_rfc3339("7000-01-01T00:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let far_past = DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        for when in [
            far_future,
            far_past,
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::MIN_UTC,
        ] {
            assert!(at(when) > 0, "{when}");
            assert!(parse(&at(when).to_string()).is_some());
        }
        let now = Utc::now();
        assert_eq!(remote_time(far_future, now), now);
        assert_eq!(remote_time(far_past, now), DateTime::UNIX_EPOCH);
    }

    #[test]
    fn ids_increase_and_carry_time() {
        let now = Utc::now();
        let mut prev = 0;
        for _ in 0..100_000 {
            let id = next();
            assert!(id > prev);
            prev = id;
        }
        assert!((prev as u64) >> 16 >= now.timestamp_millis() as u64);
        assert!(floor_at(now) <= at(now));
        assert!(at(now) < floor_at(now + chrono::Duration::milliseconds(1)));
    }

    #[test]
    fn parsing() {
        assert_eq!(parse("123"), Some(123));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("abc"), None);
        assert_eq!(parse(""), None);
    }
}
