//! Lists: named subsets of the accounts a user follows, each with a feed of its own.

use chrono::{DateTime, Utc};

/// Which replies a list's feed shows (Mastodon's `replies_policy`). Replies to the list's
/// owner are always shown, and a reply to oneself is no reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RepliesPolicy {
    /// Replies to any account the owner follows.
    Followed,
    /// Replies to the list's members.
    #[default]
    List,
    /// No replies to others.
    None,
}

impl RepliesPolicy {
    /// The policy named as Mastodon names it.
    pub fn parse(raw: &str) -> Option<RepliesPolicy> {
        match raw {
            "followed" => Some(RepliesPolicy::Followed),
            "list" => Some(RepliesPolicy::List),
            "none" => Some(RepliesPolicy::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RepliesPolicy::Followed => "followed",
            RepliesPolicy::List => "list",
            RepliesPolicy::None => "none",
        }
    }
}

impl TryFrom<String> for RepliesPolicy {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RepliesPolicy::parse(&value).ok_or_else(|| format!("unknown replies policy {value:?}"))
    }
}

/// A list, owned by one local account.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct List {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub replies_policy: RepliesPolicy,
    /// Members' posts stay out of the owner's home feed.
    pub exclusive: bool,
    pub created_at: DateTime<Utc>,
}
