//! How far a process has heard the database's cache announcements.
//!
//! Epochs come from a sequence, taken when a transaction first announces a change, but
//! transactions commit (and PostgreSQL delivers their announcements) in commit order, which is
//! not epoch order: a transaction holding epoch 7 may commit after one holding 8. So having
//! heard 8 says nothing of 7. A reader who saw epoch `E` in the database may trust the caches
//! once every epoch up to `E` is heard: the *contiguous* prefix, not the highest epoch heard.
//!
//! Some epochs are never heard: their transaction rolled back. A reader stuck behind such a
//! gap asks for a marker and trusts what it hears after it (see `Cache::catch_up`); the gap
//! itself is given up as rolled back once it has stood for [`GAP_GIVEN_UP`], or once too many
//! epochs wait behind it, so that readers stop paying for markers.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long a missing epoch may hold the prefix back before it is taken as rolled back. A
/// transaction that announced a change and commits later than this is heard all the same; only
/// a reader in the moment between its commit and its announcement may read a stale entry.
pub const GAP_GIVEN_UP: Duration = Duration::from_secs(5);
/// How many heard epochs may wait behind a gap before it is given up whatever its age.
const MAX_AHEAD: usize = 4096;

/// The epochs heard: every one up to `prefix`, and those in `ahead`.
#[derive(Debug, Default)]
pub struct Progress {
    prefix: i64,
    ahead: BTreeSet<i64>,
    /// Since when the lowest gap has held the prefix back.
    stuck_since: Option<Instant>,
    /// Whether anything was heard since the start or the last reconnection.
    started: bool,
}

impl Progress {
    /// Every epoch up to this one is heard (or given up).
    pub fn prefix(&self) -> i64 {
        self.prefix
    }

    /// The listener (re)connected and missed what came before: the first epoch it hears
    /// settles what came before it (the caches were cleared meanwhile).
    pub fn restart(&mut self) {
        self.started = false;
    }

    /// Records an announcement's epoch (a marker's too) heard at `now`.
    pub fn hear(&mut self, epoch: i64, now: Instant) {
        if !self.started {
            self.started = true;
            self.prefix = self.prefix.max(epoch - 1);
            self.ahead.retain(|e| *e > self.prefix);
        }
        if epoch > self.prefix {
            self.ahead.insert(epoch);
        }
        while let Some(&first) = self.ahead.first() {
            if first > self.prefix + 1 {
                break;
            }
            self.ahead.pop_first();
            self.prefix = self.prefix.max(first);
        }
        if self.ahead.is_empty() {
            self.stuck_since = None;
            return;
        }
        let since = *self.stuck_since.get_or_insert(now);
        if now.duration_since(since) >= GAP_GIVEN_UP || self.ahead.len() > MAX_AHEAD {
            // The missing epochs are taken as rolled back.
            if let Some(&last) = self.ahead.last() {
                self.prefix = last;
            }
            self.ahead.clear();
            self.stuck_since = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(p: &mut Progress, epochs: &[i64], now: Instant) -> i64 {
        for e in epochs {
            p.hear(*e, now);
        }
        p.prefix()
    }

    #[test]
    fn an_epoch_heard_early_waits_for_the_ones_before_it() {
        let now = Instant::now();
        let mut p = Progress::default();
        assert_eq!(
            heard(&mut p, &[10], now),
            10,
            "the first epoch settles the past"
        );
        // 12 commits before 11: having heard 12 does not say 11 is heard.
        assert_eq!(heard(&mut p, &[12], now), 10);
        assert_eq!(
            heard(&mut p, &[12, 12], now),
            10,
            "a repeated epoch changes nothing"
        );
        assert_eq!(heard(&mut p, &[11], now), 12);
        assert_eq!(
            heard(&mut p, &[9], now),
            12,
            "an old epoch does not go back"
        );
    }

    #[test]
    fn a_gap_is_given_up_after_a_while_or_when_too_much_waits_behind_it() {
        let start = Instant::now();
        let mut p = Progress::default();
        heard(&mut p, &[1, 3], start);
        assert_eq!(p.prefix(), 1);
        assert_eq!(heard(&mut p, &[4], start + GAP_GIVEN_UP / 2), 1);
        assert_eq!(heard(&mut p, &[5], start + GAP_GIVEN_UP), 5);
        // Many epochs behind one gap.
        let mut p = Progress::default();
        heard(&mut p, &[1], start);
        let many: Vec<i64> = (3..3 + MAX_AHEAD as i64 + 1).collect();
        assert_eq!(heard(&mut p, &many, start), 2 + MAX_AHEAD as i64 + 1);
    }

    #[test]
    fn a_reconnection_settles_what_it_missed() {
        let now = Instant::now();
        let mut p = Progress::default();
        heard(&mut p, &[1, 2, 5], now);
        assert_eq!(p.prefix(), 2);
        p.restart();
        assert_eq!(heard(&mut p, &[9], now), 9);
    }
}
