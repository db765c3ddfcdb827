//! Account, CredentialAccount, Field, Role.

use std::sync::Arc;

use serde::Serialize;
use serde_json::value::RawValue;

use super::datetime;
use crate::model::{self, Role as UserRole, User};

#[derive(Debug, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub group: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    /// A date (`2024-05-01`), not a timestamp.
    pub last_status_at: Option<String>,
    pub hide_collections: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noindex: Option<bool>,
    /// The custom emoji of the name, bio and fields.
    pub emojis: Vec<super::emoji::CustomEmoji>,
    /// Local accounts only; absent for remote ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<AccountRole>>,
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<Account>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memorial: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AccountRole {
    pub id: String,
    pub name: String,
    pub color: String,
}

/// The signed-in user's own account, with the `source` of what they typed and their role.
#[derive(Debug, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

#[derive(Debug, Serialize)]
pub struct Source {
    pub privacy: &'static str,
    pub sensitive: bool,
    pub language: String,
    pub note: String,
    pub fields: Vec<Field>,
    pub follow_requests_count: i64,
    pub hide_collections: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub attribution_domains: Vec<String>,
    /// Who may quote new posts by default (Mastodon 4.5).
    pub quote_policy: &'static str,
    /// The account's aliases (its actor's `alsoKnownAs`), as GoToSocial shows them; absent
    /// when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_known_as_uris: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub color: String,
    pub permissions: String,
    pub highlighted: bool,
}

pub use crate::model::account::{default_avatar, default_header};

impl Account {
    /// Renders an account (local accounts carry their user's role badge).
    pub fn render(a: &model::Account, base_url: &str) -> Account {
        let role = a.role();
        let suspended = a.is_suspended();
        let avatar = a
            .avatar_url
            .clone()
            .unwrap_or_else(|| default_avatar(base_url));
        let header = a
            .header_url
            .clone()
            .unwrap_or_else(|| default_header(base_url));
        let created = a
            .created_at
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(a.created_at);
        Account {
            id: a.id.to_string(),
            username: a.username.clone(),
            acct: a.acct(),
            display_name: if suspended {
                String::new()
            } else {
                a.display_name.clone()
            },
            locked: a.locked,
            bot: a.bot || matches!(a.actor_type.as_str(), "Application" | "Service"),
            discoverable: Some(a.discoverable && !suspended),
            indexable: a.indexable && !suspended,
            group: a.actor_type == "Group",
            created_at: datetime(&created),
            note: if suspended {
                String::new()
            } else {
                a.note.clone()
            },
            url: a.profile_url().to_string(),
            uri: a.uri.clone(),
            avatar_static: avatar.clone(),
            avatar,
            header_static: header.clone(),
            header,
            followers_count: a.stats.followers_count,
            following_count: a.stats.following_count,
            statuses_count: a.stats.statuses_count,
            last_status_at: a
                .stats
                .last_status_at
                .map(|t| t.date_naive().format("%Y-%m-%d").to_string()),
            hide_collections: Some(a.hide_collections),
            noindex: a.is_local().then_some(!a.indexable),
            emojis: if suspended {
                Vec::new()
            } else {
                super::emoji::CustomEmoji::list(&a.emojis)
            },
            roles: a.is_local().then(|| match role {
                Some(r @ (UserRole::Admin | UserRole::Moderator)) if !suspended => {
                    vec![role_badge(r)]
                }
                _ => Vec::new(),
            }),
            fields: if suspended {
                Vec::new()
            } else {
                a.fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        value: f.value.clone(),
                        verified_at: f.verified_at.as_ref().map(datetime),
                    })
                    .collect()
            },
            moved: a
                .moved_to
                .as_deref()
                .map(|to| Box::new(Account::render(to, base_url))),
            suspended: suspended.then_some(true),
            limited: a.silenced_at.is_some().then_some(true),
            memorial: a.memorial.then_some(true),
        }
    }
}

/// The most `source.follow_requests_count` says (Mastodon counts up to 40).
pub const FOLLOW_REQUESTS_SHOWN: i64 = 40;

impl CredentialAccount {
    /// `follow_requests_count`: the follow requests waiting for the account.
    pub fn render(
        account: &model::Account,
        user: &User,
        follow_requests_count: i64,
        base_url: &str,
    ) -> CredentialAccount {
        CredentialAccount {
            account: Account::render(account, base_url),
            source: Source {
                privacy: user.default_privacy.as_str(),
                sensitive: user.default_sensitive,
                language: user.default_language.clone().unwrap_or_default(),
                note: account.note_source.clone(),
                fields: account
                    .fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        value: f.value_source.clone(),
                        verified_at: f.verified_at.as_ref().map(datetime),
                    })
                    .collect(),
                follow_requests_count,
                hide_collections: Some(account.hide_collections),
                discoverable: Some(account.discoverable),
                indexable: account.indexable,
                attribution_domains: account.attribution_domains.clone(),
                quote_policy: user.default_quote_policy.as_str(),
                also_known_as_uris: account.also_known_as.clone(),
            },
            role: full_role(user.role),
        }
    }
}

fn role_badge(role: UserRole) -> AccountRole {
    let full = full_role(role);
    AccountRole {
        id: full.id,
        name: full.name,
        color: full.color,
    }
}

/// Mastodon's built-in roles, with their permission bits.
pub fn full_role(role: UserRole) -> Role {
    match role {
        UserRole::User => Role {
            id: "-99".into(),
            name: String::new(),
            color: String::new(),
            permissions: "65536".into(),
            highlighted: false,
        },
        UserRole::Moderator => Role {
            id: "1".into(),
            name: "Moderator".into(),
            color: String::new(),
            // Dashboard, reports, users, audit log, invite.
            permissions: (0x4u64 | 0x8 | 0x10 | 0x80 | 0x200 | 0x400 | 0x10000).to_string(),
            highlighted: true,
        },
        UserRole::Admin => Role {
            id: "3".into(),
            name: "Admin".into(),
            color: String::new(),
            permissions: "1".into(),
            highlighted: true,
        },
    }
}

/// An account inside another entity: rendered for this answer, or JSON kept from an earlier
/// one (see [`RenderedAccounts`]). Serialises the same either way.
#[derive(Debug)]
pub enum AccountJson {
    Fresh(Box<Account>),
    Kept(Arc<RawValue>),
}

impl Serialize for AccountJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AccountJson::Fresh(account) => account.serialize(serializer),
            AccountJson::Kept(json) => json.as_ref().serialize(serializer),
        }
    }
}

impl AccountJson {
    pub fn render(account: &model::Account, base_url: &str) -> AccountJson {
        AccountJson::Fresh(Box::new(Account::render(account, base_url)))
    }
}

/// Accounts' JSON kept between answers: an author appears in many statuses of many pages,
/// and rendering one is a good part of a timeline's cost. An entry is used only while the
/// account it was rendered from is the very one the accounts cache still holds (`Arc`
/// identity): that cache drops an account on any change, so its JSON goes with it.
pub struct RenderedAccounts {
    kept: Option<quick_cache::sync::Cache<i64, KeptAccount>>,
}

/// The account an entry was rendered from, and its JSON.
type KeptAccount = (Arc<model::Account>, Arc<RawValue>);

impl RenderedAccounts {
    /// Room for `capacity` accounts (0: nothing is kept).
    pub fn new(capacity: usize) -> RenderedAccounts {
        RenderedAccounts {
            kept: (capacity > 0).then(|| quick_cache::sync::Cache::new(capacity)),
        }
    }

    /// `account` as JSON, kept for the next answer.
    pub fn get(&self, account: &Arc<model::Account>, base_url: &str) -> AccountJson {
        let Some(kept) = &self.kept else {
            return AccountJson::render(account, base_url);
        };
        if let Some((from, json)) = kept.get(&account.id) {
            if Arc::ptr_eq(&from, account) {
                return AccountJson::Kept(json);
            }
        }
        let rendered = Account::render(account, base_url);
        match serde_json::value::to_raw_value(&rendered) {
            Ok(json) => {
                let json: Arc<RawValue> = Arc::from(json);
                kept.insert(account.id, (account.clone(), json.clone()));
                AccountJson::Kept(json)
            }
            Err(_) => AccountJson::Fresh(Box::new(rendered)),
        }
    }
}
