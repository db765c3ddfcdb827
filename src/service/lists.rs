//! Lists: a user's named subsets of the accounts they follow, each with its own feed.
//!
//! A list's feed is materialised like the home feed: filled by the fan-out of new statuses
//! (`statuses::fanout`, by the same rules plus the list's replies policy), with a member's
//! recent posts copied in when they are added and taken out when they leave. Members of an
//! exclusive list stay out of the owner's home feed. Only accounts the owner follows can be
//! members, so ending a follow takes the account out of the owner's lists.

use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::id;
use crate::model::{Account, List, Page, RepliesPolicy};
use crate::service::relationships::{AccountPage, ListedAccount};
use crate::store;

/// The most lists one account may have, as on Mastodon.
pub const MAX_LISTS: i64 = 50;

/// The longest title kept.
const MAX_TITLE_CHARS: usize = 256;

/// What a client sends to create or change a list; absent fields keep their value (or take
/// the default, on creation).
#[derive(Default)]
pub struct ListInput {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

fn valid_title(title: Option<&str>) -> Result<String> {
    let title = title.map(str::trim).unwrap_or("");
    if title.is_empty() {
        return Err(Error::unprocessable(
            "Validation failed: Title can't be blank",
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::unprocessable(format!(
            "Validation failed: Title is too long (maximum is {MAX_TITLE_CHARS} characters)"
        )));
    }
    Ok(title.to_string())
}

fn valid_policy(raw: Option<&str>, current: RepliesPolicy) -> Result<RepliesPolicy> {
    match raw {
        None => Ok(current),
        Some(raw) => RepliesPolicy::parse(raw.trim())
            .ok_or_else(|| Error::unprocessable(format!("'{raw}' is not a valid replies_policy"))),
    }
}

/// `owner`'s lists, oldest first.
pub async fn all(state: &AppState, owner: &Account) -> Result<Vec<List>> {
    Ok(store::lists::of_owner(&state.db, owner.id).await?)
}

/// `owner`'s list `id`; another's, or none: not found.
pub async fn get(state: &AppState, owner: &Account, id: i64) -> Result<List> {
    store::lists::owned(&state.db, owner.id, id)
        .await?
        .ok_or(Error::NotFound)
}

/// Creates a list for `owner`: a title is needed; the replies policy is `list` and the list
/// is not exclusive unless asked.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn create(state: &AppState, owner: &Account, input: ListInput) -> Result<List> {
    let title = valid_title(input.title.as_deref())?;
    let policy = valid_policy(input.replies_policy.as_deref(), RepliesPolicy::default())?;
    let mut tx = state.db.begin().await?;
    // Counted in the transaction that adds one; two concurrent creations may both pass, which
    // a cap of fifty can bear.
    if store::lists::count_of(&mut *tx, owner.id).await? >= MAX_LISTS {
        return Err(Error::unprocessable(format!(
            "Validation failed: You cannot have more than {MAX_LISTS} lists"
        )));
    }
    let list = store::lists::insert(
        &mut *tx,
        id::next(),
        owner.id,
        &title,
        policy,
        input.exclusive.unwrap_or(false),
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

/// Changes `owner`'s list `id`. A list that becomes exclusive takes its members' posts out of
/// the home feed; one that stops being exclusive brings them back.
#[tracing::instrument(skip_all, fields(account.id = owner.id, list.id = id))]
pub async fn update(state: &AppState, owner: &Account, id: i64, input: ListInput) -> Result<List> {
    let list = get(state, owner, id).await?;
    let title = match input.title.as_deref() {
        None => list.title.clone(),
        given => valid_title(given)?,
    };
    let policy = valid_policy(input.replies_policy.as_deref(), list.replies_policy)?;
    let exclusive = input.exclusive.unwrap_or(list.exclusive);
    let mut tx = state.db.begin().await?;
    let updated = store::lists::update(&mut *tx, list.id, &title, policy, exclusive).await?;
    if exclusive != list.exclusive {
        let members = store::lists::members(&mut *tx, list.id, None).await?;
        for member in members {
            if exclusive {
                store::feeds::remove_authored_by(&mut *tx, owner.id, member).await?;
            } else {
                rehome(&mut tx, owner.id, member).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes `owner`'s list `id` with its feed; an exclusive list's members come back home.
#[tracing::instrument(skip_all, fields(account.id = owner.id, list.id = id))]
pub async fn delete(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    let list = get(state, owner, id).await?;
    let mut tx = state.db.begin().await?;
    let members = store::lists::members(&mut *tx, list.id, None).await?;
    store::lists::delete(&mut *tx, list.id).await?;
    if list.exclusive {
        for member in members {
            rehome(&mut tx, owner.id, member).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Puts `member`'s recent posts back into `owner`'s home feed if `owner` still follows them
/// (the follow's options apply, and another exclusive list may still keep them out).
async fn rehome(db: &mut PgConnection, owner: i64, member: i64) -> Result<()> {
    if let Some(follow) = store::relationships::find_follow(&mut *db, owner, member).await? {
        store::feeds::merge_author(&mut *db, owner, member, follow.show_reblogs).await?;
    }
    Ok(())
}

/// A page of the members of `owner`'s list `id` (every member when `page` is `None`).
pub async fn members(
    state: &AppState,
    owner: &Account,
    id: i64,
    page: Option<&Page>,
) -> Result<AccountPage> {
    let list = get(state, owner, id).await?;
    let ids = store::lists::members(&state.db, list.id, page).await?;
    let found = store::accounts::by_ids(&state.db, &ids).await?;
    let accounts: Vec<ListedAccount> = ids
        .iter()
        .filter_map(|id| found.iter().find(|a| a.id == *id).cloned())
        .map(|account| ListedAccount {
            account,
            mute_expires_at: None,
        })
        .collect();
    Ok(AccountPage {
        accounts,
        // Members page by account id; without paging there is nothing to link to.
        cursors: page.and_then(|_| ids.first().copied().zip(ids.last().copied())),
    })
}

/// Adds `account_ids` to `owner`'s list `id`, all or none: each must be an account `owner`
/// follows (unknown ones are not found) and not a member yet, as on Mastodon. Their recent
/// posts join the list's feed; an exclusive list takes them out of the home feed.
#[tracing::instrument(skip_all, fields(account.id = owner.id, list.id = id))]
pub async fn add_members(
    state: &AppState,
    owner: &Account,
    id: i64,
    account_ids: &[i64],
) -> Result<()> {
    let list = get(state, owner, id).await?;
    let mut wanted: Vec<i64> = account_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let known = store::accounts::by_ids(&state.db, &wanted).await?;
    if wanted
        .iter()
        .any(|id| !known.iter().any(|a| a.id == *id && !a.is_suspended()))
    {
        return Err(Error::NotFound);
    }
    let mut tx = state.db.begin().await?;
    let followed = store::relationships::followed_among(&mut *tx, owner.id, &wanted).await?;
    if wanted.iter().any(|id| !followed.contains(id)) {
        return Err(Error::unprocessable(
            "Validation failed: Account must be followed",
        ));
    }
    if !store::lists::members_among(&mut *tx, list.id, &wanted)
        .await?
        .is_empty()
    {
        return Err(Error::unprocessable(
            "Validation failed: Account has already been taken",
        ));
    }
    store::lists::add_members(&mut *tx, list.id, &wanted).await?;
    for member in &wanted {
        store::lists::backfill(&mut *tx, &list, *member).await?;
        if list.exclusive {
            store::feeds::remove_authored_by(&mut *tx, owner.id, *member).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Removes `account_ids` from `owner`'s list `id` (non-members are ignored), with what they
/// wrote or boosted in its feed; leaving an exclusive list brings them back home.
#[tracing::instrument(skip_all, fields(account.id = owner.id, list.id = id))]
pub async fn remove_members(
    state: &AppState,
    owner: &Account,
    id: i64,
    account_ids: &[i64],
) -> Result<()> {
    let list = get(state, owner, id).await?;
    let mut tx = state.db.begin().await?;
    let removed = store::lists::remove_members(&mut *tx, list.id, account_ids).await?;
    for member in removed {
        store::lists::unmerge_member(&mut *tx, list.id, member).await?;
        if list.exclusive {
            rehome(&mut tx, owner.id, member).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// `owner`'s lists that have account `account_id` in them; an unknown account: not found.
pub async fn containing(state: &AppState, owner: &Account, account_id: i64) -> Result<Vec<List>> {
    let account = crate::service::accounts::visible_account(state, account_id).await?;
    Ok(store::lists::of_owner_containing(&state.db, owner.id, account.id).await?)
}

/// `owner` stopped following `target`: `target` leaves `owner`'s lists, with their posts.
/// (Call inside the transaction that ends the follow.)
pub async fn follow_ended(db: &mut PgConnection, owner: i64, target: i64) -> Result<()> {
    for list in store::lists::remove_from_all(&mut *db, owner, target).await? {
        store::lists::unmerge_member(&mut *db, list, target).await?;
    }
    Ok(())
}
