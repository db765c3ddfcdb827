//! The admin API (`/api/v1/admin/…`): moderators and admins only, with `admin:read` /
//! `admin:write` scopes or their granular forms (`admin:read:accounts` …). Users get 403.

pub mod accounts;
pub mod action_logs;
pub mod announcements;
pub mod custom_emojis;
pub mod domain_allows;
pub mod domain_blocks;
pub mod reports;
pub mod rules;
pub mod trends;

use std::collections::HashMap;

use axum::Router;

use crate::api::auth::Auth;
use crate::api::entities::moderation::AdminLookup;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(accounts::routes())
        .merge(reports::routes())
        .merge(domain_blocks::routes())
        .merge(domain_allows::routes())
        .merge(action_logs::routes())
        .merge(rules::routes())
        .merge(announcements::routes())
        .merge(trends::routes())
        .merge(custom_emojis::routes())
}

/// 403 unless the caller is a moderator or an admin whose token grants `scope`.
pub fn staff(auth: &Auth, scope: &str) -> Result<()> {
    auth.require(scope)?;
    if auth.user.role < Role::Moderator {
        return Err(Error::forbidden("This action is not allowed"));
    }
    Ok(())
}

/// 403 unless the caller is an admin whose token grants `scope` (rules are the admins').
pub fn admin(auth: &Auth, scope: &str) -> Result<()> {
    auth.require(scope)?;
    if auth.user.role < Role::Admin {
        return Err(Error::forbidden("This action is not allowed"));
    }
    Ok(())
}

/// The `domain` a block or allow is for; 422 when it is missing or blank.
pub fn required_domain(domain: Option<String>) -> Result<String> {
    domain
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| Error::invalid("domain", "ERR_BLANK", "can't be blank"))
}

/// The accounts and users behind `ids`, in two queries.
pub async fn lookup(state: &AppState, ids: &[i64]) -> Result<AdminLookup> {
    let (accounts, users) = crate::service::accounts::with_users(state, ids).await?;
    Ok(AdminLookup {
        accounts: accounts.into_iter().map(|a| (a.id, a)).collect(),
        users: users
            .into_iter()
            .map(|u| (u.account_id, u))
            .collect::<HashMap<_, _>>(),
    })
}
