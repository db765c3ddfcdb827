//! Accounts, local and remote.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An actor: a local account (domain `None`) or a remote one.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    /// Sanitised HTML.
    pub note: String,
    pub note_source: String,
    #[sqlx(json)]
    pub fields: Vec<ProfileField>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub actor_type: String,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub uri: String,
    pub url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: String,
    pub followers_url: String,
    pub following_url: String,
    pub featured_url: String,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub also_known_as: Vec<String>,
    /// Websites allowed to credit the account as an author (`attribution_domains`).
    pub attribution_domains: Vec<String>,
    pub moved_to_account_id: Option<i64>,
    /// The ActivityPub id of the account it moved to (read with the row, from
    /// `moved_to_account_id`).
    #[sqlx(default)]
    pub moved_to_uri: Option<String>,
    /// The account it moved to, when the service that loaded this one fetched it for display
    /// (`service::moves::with_moved`); `None` otherwise, even for a moved account.
    #[sqlx(skip)]
    pub moved_to: Option<Box<Account>>,
    pub memorial: bool,
    pub suspended_at: Option<DateTime<Utc>>,
    pub silenced_at: Option<DateTime<Utc>>,
    pub sensitized_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fetched_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub stats: AccountStats,
    /// The role of the local user behind the account; `None` for remote accounts.
    pub user_role: Option<String>,
    /// The enabled custom emoji of its domain written in its name, bio and fields.
    #[sqlx(json)]
    pub emojis: Vec<super::CustomEmoji>,
}

#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct AccountStats {
    pub statuses_count: i64,
    pub following_count: i64,
    pub followers_count: i64,
    pub last_status_at: Option<DateTime<Utc>>,
}

/// One name/value pair of a profile. `value` is HTML; `value_source` what the owner typed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub value_source: String,
    #[serde(default)]
    pub verified_at: Option<DateTime<Utc>>,
}

/// The image shown for an account without an avatar, served by the web face.
pub fn default_avatar(base_url: &str) -> String {
    format!("{base_url}/avatars/original/missing.png")
}

/// The image shown for an account without a header, served by the web face.
pub fn default_header(base_url: &str) -> String {
    format!("{base_url}/headers/original/missing.png")
}

impl Account {
    /// Whether a page on `host` may credit this account as its author: its
    /// `attribution_domains` name the host or a domain above it (Mastodon's
    /// `can_be_attributed_from?`).
    pub fn may_be_credited_from(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = host.as_str();
        loop {
            if self.attribution_domains.iter().any(|d| d == rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, above)) if !above.is_empty() => rest = above,
                _ => return false,
            }
        }
    }

    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// `alice` for a local account, `alice@remote.example` for a remote one.
    pub fn acct(&self) -> String {
        match &self.domain {
            None => self.username.clone(),
            Some(domain) => format!("{}@{}", self.username, domain),
        }
    }

    /// The role of the local user behind this account.
    pub fn role(&self) -> Option<crate::model::Role> {
        self.user_role
            .as_deref()
            .and_then(crate::model::Role::parse)
    }

    /// Whether the account moved away (its `movedTo` is set).
    pub fn has_moved(&self) -> bool {
        self.moved_to_account_id.is_some()
    }

    pub fn is_suspended(&self) -> bool {
        self.suspended_at.is_some()
    }

    /// The profile's web address: its `url` when that is an http(s) link, else its
    /// ActivityPub id. Remote URLs are checked when stored; checking again here keeps a link
    /// with another scheme from ever reaching a page or a client.
    pub fn profile_url(&self) -> &str {
        self.url
            .as_deref()
            .filter(|u| crate::model::host::is_web_url(u))
            .unwrap_or(&self.uri)
    }
}
