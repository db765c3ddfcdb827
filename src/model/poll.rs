//! Polls attached to statuses, and the votes cast on them.

use chrono::{DateTime, Utc};

/// One row of `polls`: a status's poll, local or remote.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Poll {
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    pub options: Vec<String>,
    /// Votes per option, in the order of `options`.
    pub votes: Vec<i64>,
    pub multiple: bool,
    pub hide_totals: bool,
    /// Distinct voters; `None` when a remote server does not say.
    pub voters_count: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// A remote poll: when its counts were last read from its server.
    pub fetched_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Poll {
    /// Whether voting has ended at `now`: closed, or past its end.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.closed_at.is_some() || self.expires_at.is_some_and(|end| end <= now)
    }

    /// All votes cast, over every option.
    pub fn votes_count(&self) -> i64 {
        self.votes.iter().sum()
    }

    /// Whether the counts per option may be shown at `now`: always, unless the author hid
    /// them until the end.
    pub fn shows_totals(&self, now: DateTime<Utc>) -> bool {
        !self.hide_totals || self.expired(now)
    }
}

/// A poll as one viewer sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct PollView {
    pub poll: Poll,
    /// The viewer's choices (option indexes); `None` when nobody is signed in.
    pub own_votes: Option<Vec<i32>>,
    /// Whether the viewer voted (the author counts as having voted, as on Mastodon); `None`
    /// when nobody is signed in.
    pub voted: Option<bool>,
    /// The enabled custom emoji of the author's domain written in the options.
    pub emojis: Vec<super::CustomEmoji>,
}

impl PollView {
    /// `poll` for `viewer` (an account id), who chose `own_votes`.
    pub fn of(poll: Poll, viewer: Option<i64>, own_votes: Vec<i32>) -> PollView {
        let voted = viewer.map(|v| v == poll.account_id || !own_votes.is_empty());
        PollView {
            own_votes: viewer.map(|_| own_votes),
            voted,
            poll,
            emojis: Vec::new(),
        }
    }
}
