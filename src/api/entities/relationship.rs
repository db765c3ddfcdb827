//! Relationship, and the Account of a mute list (with `mute_expires_at`).

use serde::Serialize;

use super::{datetime, Account};
use crate::service::relationships::{ListedAccount, Relationship as Rel};

/// What the signed-in account has to do with another, as Mastodon's `REST::RelationshipSerializer`
/// sends it: every key always present.
#[derive(Debug, Serialize)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<String>,
    pub requested: bool,
    pub requested_by: bool,
    /// The viewer hides the account's domain.
    pub domain_blocking: bool,
    /// The viewer features the account on their profile.
    pub endorsed: bool,
    /// The viewer's private note on the account.
    pub note: String,
}

impl Relationship {
    pub fn render(r: &Rel) -> Relationship {
        Relationship {
            id: r.id.to_string(),
            following: r.following,
            showing_reblogs: r.showing_reblogs,
            notifying: r.notifying,
            languages: r.languages.clone(),
            followed_by: r.followed_by,
            blocking: r.blocking,
            blocked_by: r.blocked_by,
            muting: r.muting,
            muting_notifications: r.muting_notifications,
            muting_expires_at: r.muting_expires_at.as_ref().map(datetime),
            requested: r.requested,
            requested_by: r.requested_by,
            domain_blocking: r.domain_blocking,
            endorsed: r.endorsed,
            note: r.note.clone(),
        }
    }
}

/// An account in `GET /api/v1/mutes` (Mastodon's `REST::MutedAccountSerializer`).
#[derive(Debug, Serialize)]
pub struct MutedAccount {
    #[serde(flatten)]
    pub account: Account,
    pub mute_expires_at: Option<String>,
}

impl MutedAccount {
    pub fn render(listed: &ListedAccount, base_url: &str) -> MutedAccount {
        MutedAccount {
            account: Account::render(&listed.account, base_url),
            mute_expires_at: listed.mute_expires_at.as_ref().map(datetime),
        }
    }
}

/// Renders the accounts of a list.
pub fn accounts(list: &[ListedAccount], base_url: &str) -> Vec<Account> {
    list.iter()
        .map(|l| Account::render(&l.account, base_url))
        .collect()
}
