//! Endorsements: the accounts a person features on their profile, which must be accounts
//! they follow (Mastodon's rule). Ending the follow ends the endorsement (a trigger in the
//! store keeps that true whichever path ends it).

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Page};
use crate::service::relationships::{self, AccountPage, Relationship};
use crate::{id, store};

/// `actor` endorses `target_id`, an account they follow (again: nothing changes). Unknown
/// and suspended accounts are not found; one not followed is refused.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn endorse(state: &AppState, actor: &Account, target_id: i64) -> Result<Relationship> {
    let target = crate::service::accounts::visible_account(state, target_id).await?;
    let mut tx = state.db.begin().await?;
    if store::relationships::find_follow(&mut *tx, actor.id, target.id)
        .await?
        .is_none()
    {
        return Err(Error::unprocessable(
            "Validation failed: You must be already following the person you want to endorse",
        ));
    }
    store::endorsements::insert(&mut *tx, id::next(), actor.id, target.id).await?;
    tx.commit().await?;
    relationships::relationship_to(state, actor.id, target.id).await
}

/// `actor` no longer endorses `target_id`. Unknown and suspended accounts are not found.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn unendorse(state: &AppState, actor: &Account, target_id: i64) -> Result<Relationship> {
    let target = crate::service::accounts::visible_account(state, target_id).await?;
    store::endorsements::delete(&state.db, actor.id, target.id).await?;
    relationships::relationship_to(state, actor.id, target.id).await
}

/// A page of the accounts `owner` endorses.
pub async fn mine(state: &AppState, owner: &Account, page: &Page) -> Result<AccountPage> {
    let rows = store::endorsements::page(&state.db, owner.id, None, page).await?;
    relationships::resolve(state, rows).await
}

/// A page of the accounts `account_id` endorses, as `viewer` may see it: empty where the
/// owner hides their collections or blocks the viewer; unknown accounts are not found.
pub async fn of_account(
    state: &AppState,
    viewer: Option<&Account>,
    account_id: i64,
    page: &Page,
) -> Result<AccountPage> {
    let owner = crate::service::accounts::visible_account(state, account_id).await?;
    if !relationships::collections_visible(state, &owner, viewer).await? {
        return Ok(AccountPage::default());
    }
    let rows = store::endorsements::page(&state.db, owner.id, viewer.map(|v| v.id), page).await?;
    relationships::resolve(state, rows).await
}
