//! The paged lists of accounts a relationship makes (followers, following, blocks, mutes,
//! follow requests), who may see them, and familiar followers.

use std::collections::{HashMap, HashSet};

use super::{visible, AccountPage, ListedAccount};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Page};
use crate::store;
use crate::store::relationships::Listed;

/// Loads the accounts of listed rows, keeping their order; rows whose account vanished are
/// dropped (the paging cursors still come from the rows).
pub(crate) async fn resolve(state: &AppState, rows: Vec<Listed>) -> Result<AccountPage> {
    let cursors = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => Some((first.cursor, last.cursor)),
        _ => None,
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let mut by_id: HashMap<i64, Account> = store::accounts::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let accounts = rows
        .into_iter()
        .filter_map(|row| {
            by_id.remove(&row.account_id).map(|account| ListedAccount {
                account,
                mute_expires_at: row.expires_at,
            })
        })
        .collect();
    Ok(AccountPage { accounts, cursors })
}

/// Whether `viewer` may see `owner`'s follower and following lists: not when the owner hides
/// them (except from the owner), nor when the owner blocks the viewer.
pub(crate) async fn collections_visible(
    state: &AppState,
    owner: &Account,
    viewer: Option<&Account>,
) -> Result<bool> {
    let is_owner = viewer.is_some_and(|v| v.id == owner.id);
    if owner.hide_collections && !is_owner {
        return Ok(false);
    }
    if let Some(v) = viewer.filter(|_| !is_owner) {
        if store::relationships::is_blocking(&state.db, owner.id, v.id).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Which of an account's two follow collections a page is of.
#[derive(Clone, Copy)]
enum Collection {
    Followers,
    Following,
}

/// A page of `account_id`'s followers or followed accounts, as `viewer` (if anyone is signed
/// in) may see it: empty when [`collections_visible`] says no.
async fn collection_page(
    state: &AppState,
    viewer: Option<&Account>,
    account_id: i64,
    page: &Page,
    which: Collection,
) -> Result<AccountPage> {
    let owner = visible(state, account_id).await?;
    if !collections_visible(state, &owner, viewer).await? {
        return Ok(AccountPage::default());
    }
    let viewer_id = viewer.map(|v| v.id);
    let rows = match which {
        Collection::Followers => {
            store::relationships::followers_page(&state.db, owner.id, viewer_id, page).await?
        }
        Collection::Following => {
            store::relationships::following_page(&state.db, owner.id, viewer_id, page).await?
        }
    };
    resolve(state, rows).await
}

/// A page of `account_id`'s followers as `viewer` (if anyone is signed in) may see it.
#[tracing::instrument(skip_all, fields(account.id = account_id))]
pub async fn followers(
    state: &AppState,
    viewer: Option<&Account>,
    account_id: i64,
    page: &Page,
) -> Result<AccountPage> {
    collection_page(state, viewer, account_id, page, Collection::Followers).await
}

/// A page of the accounts `account_id` follows, as `viewer` may see it.
#[tracing::instrument(skip_all, fields(account.id = account_id))]
pub async fn following(
    state: &AppState,
    viewer: Option<&Account>,
    account_id: i64,
    page: &Page,
) -> Result<AccountPage> {
    collection_page(state, viewer, account_id, page, Collection::Following).await
}

/// A page of the accounts `owner` blocks.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn blocks(state: &AppState, owner: &Account, page: &Page) -> Result<AccountPage> {
    let rows = store::relationships::blocks_page(&state.db, owner.id, page).await?;
    resolve(state, rows).await
}

/// A page of the accounts `owner` mutes (mutes in force), with when each mute ends.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn mutes(state: &AppState, owner: &Account, page: &Page) -> Result<AccountPage> {
    let rows = store::relationships::mutes_page(&state.db, owner.id, page).await?;
    resolve(state, rows).await
}

/// A page of the accounts waiting for `owner` to accept their follow request.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn follow_requests(
    state: &AppState,
    owner: &Account,
    page: &Page,
) -> Result<AccountPage> {
    let rows = store::relationships::requests_page(&state.db, owner.id, page).await?;
    resolve(state, rows).await
}

/// Follow requests waiting for `account`, counted up to `cap` (Mastodon shows at most 40).
pub async fn pending_requests(state: &AppState, account: &Account, cap: i64) -> Result<i64> {
    Ok(crate::store::relationships::count_follow_requests(&state.db, account.id, cap).await?)
}

/// The most accounts `familiar_followers` answers for at once.
pub const FAMILIAR_MAX: usize = 40;

/// For each of `ids` (in order, each once): the accounts `viewer` follows that follow it.
/// Unknown accounts get an empty list, as on Mastodon; more than [`FAMILIAR_MAX`] ids are
/// refused.
pub async fn familiar_followers(
    state: &AppState,
    viewer: &Account,
    ids: &[i64],
) -> Result<Vec<(i64, Vec<Account>)>> {
    let mut seen = HashSet::new();
    let unique: Vec<i64> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    if unique.len() > FAMILIAR_MAX {
        return Err(Error::unprocessable(format!(
            "Validation failed: At most {FAMILIAR_MAX} ids at once"
        )));
    }
    if unique.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_target: HashMap<i64, Vec<Account>> = HashMap::new();
    for (target, follower) in
        store::accounts::familiar_followers(&state.db, viewer.id, &unique).await?
    {
        by_target.entry(target).or_default().push(follower);
    }
    Ok(unique
        .into_iter()
        .map(|id| (id, by_target.remove(&id).unwrap_or_default()))
        .collect())
}
