//! Local users: the sign-in side of a local account.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub approved: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub locale: String,
    pub registration_reason: Option<String>,
    #[sqlx(try_from = "String")]
    pub default_privacy: Visibility,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
    /// Who may quote new posts unless the post says (`source[quote_policy]`).
    #[sqlx(try_from = "String")]
    pub default_quote_policy: super::QuotePolicy,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// When the user last read their home feed (see `store::feeds`).
    pub feed_active_at: Option<DateTime<Utc>>,
}

impl User {
    /// Why this user may not act now, if they may not: the message clients show.
    pub fn login_refusal(&self) -> Option<&'static str> {
        if self.disabled {
            Some("Your login is currently disabled")
        } else if !self.approved {
            Some("Your login is currently pending approval")
        } else if self.confirmed_at.is_none() {
            Some("Your login is missing a confirmed e-mail address")
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw.to_ascii_lowercase().as_str() {
            "user" => Some(Role::User),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Role::parse(&value).ok_or_else(|| format!("unknown role {value:?}"))
    }
}

/// Who may see a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    pub fn parse(raw: &str) -> Option<Visibility> {
        match raw {
            "public" => Some(Visibility::Public),
            "unlisted" => Some(Visibility::Unlisted),
            "private" => Some(Visibility::Private),
            "direct" => Some(Visibility::Direct),
            _ => None,
        }
    }
}

impl TryFrom<String> for Visibility {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Visibility::parse(&value).ok_or_else(|| format!("unknown visibility {value:?}"))
    }
}

/// How a user reads: Mastodon's `reading:*` preferences.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReadingPreferences {
    /// `default` (hide sensitive media), `show_all` or `hide_all`.
    pub expand_media: String,
    /// Open content warnings without a click.
    pub expand_spoilers: bool,
    /// Play animated GIFs without hovering.
    pub autoplay_gifs: bool,
}
