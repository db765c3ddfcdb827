//! Relationships between accounts: follows, follow requests, and how two accounts stand.

use chrono::{DateTime, Utc};

/// A follow or a pending follow request (both tables have the same columns).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Follow {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub show_reblogs: bool,
    pub notify: bool,
    /// Only statuses in these languages reach the follower's home feed; `None` for all.
    pub languages: Option<Vec<String>>,
    /// The ActivityPub id of the `Follow` activity, when there is one.
    pub uri: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What one account (the viewer) has to do with another, every side of it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Relationship {
    /// The other account.
    pub id: i64,
    pub following: bool,
    /// From the follow, else from the pending request.
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<DateTime<Utc>>,
    pub requested: bool,
    pub requested_by: bool,
    /// The viewer's private note on the account (empty when none).
    pub note: String,
    /// The viewer hides the account's domain (a user domain block covering it).
    pub domain_blocking: bool,
    /// The viewer features the account on their profile.
    pub endorsed: bool,
}
