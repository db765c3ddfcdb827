//! Follow suggestions from real signals (accounts local staff endorse, friends of friends,
//! the most-followed local accounts, accounts whose posts drew the most interactions), and
//! the suggestions a person dismissed. Never suggested: oneself, accounts followed or
//! requested, blocked either way, muted, dismissed, or not discoverable.

use std::collections::HashMap;

use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;
use crate::store;

/// One suggestion: the account and Mastodon's reasons for it (`sources`).
#[derive(Debug)]
pub struct Suggestion {
    pub account: Account,
    pub sources: Vec<String>,
}

/// Up to `limit` accounts to suggest `viewer` follow, best first.
#[tracing::instrument(skip_all, fields(account.id = viewer.id))]
pub async fn for_viewer(state: &AppState, viewer: &Account, limit: i64) -> Result<Vec<Suggestion>> {
    let rows = store::discovery::suggestions(&state.db, viewer.id, limit).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let mut found: HashMap<i64, Account> = store::accounts::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            found.remove(&row.account_id).map(|account| Suggestion {
                account,
                sources: row.sources,
            })
        })
        .collect())
}

/// `viewer` does not want `target_id` suggested again. Unknown accounts are fine (nothing is
/// kept), as Mastodon answers.
#[tracing::instrument(skip_all, fields(account.id = viewer.id, target.id = target_id))]
pub async fn dismiss(state: &AppState, viewer: &Account, target_id: i64) -> Result<()> {
    if store::accounts::by_id(&state.db, target_id)
        .await?
        .is_some()
    {
        store::discovery::dismiss(&state.db, viewer.id, target_id).await?;
    }
    Ok(())
}
