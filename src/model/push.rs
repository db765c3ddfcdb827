//! Web Push subscriptions: where a person's app wants notifications pushed (RFC 8030), with
//! the keys to encrypt them for it (RFC 8291) and which ones it wants.

use chrono::{DateTime, Utc};

/// The alert types a subscription may ask for (`data[alerts][…]`): every type Rookery
/// notifies of, and `poll`, which Mastodon clients send and Rookery keeps though it sends no
/// poll notifications yet. Other names are ignored, as Mastodon ignores them.
pub const ALERT_TYPES: [&str; 12] = [
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "quote",
    "quoted_update",
];

/// Whose notifications are pushed (`data[policy]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushPolicy {
    /// Everyone's.
    All,
    /// Only from accounts the recipient follows.
    Followed,
    /// Only from accounts that follow the recipient.
    Follower,
    /// No one's.
    None,
}

impl PushPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PushPolicy::All => "all",
            PushPolicy::Followed => "followed",
            PushPolicy::Follower => "follower",
            PushPolicy::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Option<PushPolicy> {
        [
            PushPolicy::All,
            PushPolicy::Followed,
            PushPolicy::Follower,
            PushPolicy::None,
        ]
        .into_iter()
        .find(|p| p.as_str() == raw)
    }
}

/// One access token's push subscription.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PushSubscription {
    pub id: i64,
    pub access_token_id: i64,
    pub account_id: i64,
    pub endpoint: String,
    /// The subscriber's P-256 public key, base64url (an uncompressed point, 65 bytes).
    pub key_p256dh: String,
    /// The subscriber's authentication secret, base64url (16 bytes).
    pub key_auth: String,
    /// RFC 8291 (`aes128gcm`) rather than the legacy `aesgcm` encoding.
    pub standard: bool,
    /// The alert types switched on.
    pub alerts: Vec<String>,
    /// As stored (the table checks it is one of [`PushPolicy`]'s); read with [`Self::policy`].
    pub policy: String,
    /// The token the subscription belongs to, which the payload carries.
    pub access_token: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PushSubscription {
    /// The policy; `none` for a stored value this version does not know (pushing nothing is
    /// the safe reading).
    pub fn policy(&self) -> PushPolicy {
        PushPolicy::parse(&self.policy).unwrap_or(PushPolicy::None)
    }

    /// Whether notifications of type `kind` are wanted.
    pub fn wants(&self, kind: &str) -> bool {
        self.alerts.iter().any(|a| a == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_and_unknown_ones_are_refused() {
        for p in ["all", "followed", "follower", "none"] {
            assert_eq!(PushPolicy::parse(p).map(PushPolicy::as_str), Some(p));
        }
        assert_eq!(PushPolicy::parse("everyone"), None);
    }
}
