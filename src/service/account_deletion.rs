//! Deleting a local account, by its owner (`POST /api/v1/accounts/delete`, password
//! confirmed) or by an administrator (`DELETE /api/v1/admin/accounts/:id`), through one path:
//!
//! 1. At once, in one transaction ([`begin`]): the account is suspended (invisible, its
//!    statuses and profile not found, its ActivityPub documents gone), its user disabled, its
//!    tokens and sessions revoked, and a `Delete` of the actor queued for every inbox that
//!    knows it (its followers' and the accounts it follows or asked to follow, shared inboxes
//!    where offered), through the durable delivery.
//! 2. After the grace period (`portability.deletion_grace_hours`, 30 days by default; an
//!    administrator's deletion: none), the `delete_account` job ([`purge`]) removes its data
//!    in batches: statuses through the status lifecycle (without a `Delete` each, as the
//!    actor's covers them), then relationships, reactions, notifications, lists, filters,
//!    uploads and files, archives, and the user.
//!
//! The account row stays, suspended and emptied, as the tombstone that keeps its username
//! from being registered again (as Mastodon keeps it). Within the grace period an
//! administrator can still restore the account by unsuspending it ([`undo`]).

use chrono::{Duration, Utc};
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::moderation as activities;
use crate::federation::outbox;
use crate::model::{Account, User};
use crate::service::queue::{self, Job, OfAccount};
use crate::service::{delivery, media, moderation, statuses};
use crate::store;
use crate::store::moderation::AccountMark;

/// Statuses removed by one run of the `delete_account` job (it queues the next run).
const STATUSES_PER_RUN: i64 = 200;

/// The owner deletes their own account, confirming with their password: 400 for a wrong one
/// (as GoToSocial answers).
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn delete_own(
    state: &AppState,
    owner: &Account,
    user: &User,
    password: &str,
) -> Result<()> {
    if password.is_empty() {
        return Err(Error::bad_request("A password is required"));
    }
    let hash = user.password_hash.clone();
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || crate::crypto::verify_password(&password, &hash))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    if !ok {
        return Err(Error::bad_request("Invalid password"));
    }
    let grace = Duration::hours(state.config.portability.deletion_grace_hours as i64);
    begin(state, owner, None, true, grace).await?;
    // The audit log shows who deleted what; here the account itself, by its owner.
    moderation::audit(
        &state.db,
        Some(owner),
        "delete",
        "Account",
        Some(owner.id),
        &owner.acct(),
        "deleted by its owner",
    )
    .await
}

/// A moderator (or the command line, `None`) deletes the data of a suspended account now, as
/// Mastodon's `DELETE /api/v1/admin/accounts/:id` does: a local account through the same path
/// as its owner's deletion, without a grace period; a remote one is removed here as when its
/// server deletes it. Written to the audit log. Returns the account as it was.
#[tracing::instrument(skip_all, fields(account.id = target_id))]
pub async fn delete_by_moderator(
    state: &AppState,
    moderator: Option<&Account>,
    target_id: i64,
) -> Result<Account> {
    let target = moderation::account(state, target_id).await?;
    moderation::may_act_on(moderator, &target)?;
    if !target.is_suspended() {
        return Err(Error::forbidden(
            "Only suspended accounts can have their data deleted",
        ));
    }
    if target.is_local() {
        begin(state, &target, moderator, false, Duration::zero()).await?;
    } else {
        let mut tx = state.db.begin().await?;
        store::remote_actors::purge(&mut tx, target.id).await?;
        tx.commit().await?;
    }
    moderation::audit(
        &state.db,
        moderator,
        "delete",
        "Account",
        Some(target.id),
        &target.acct(),
        "",
    )
    .await?;
    Ok(target)
}

/// Step 1: suspends and signs out `target`, sends its actor's `Delete` to every inbox that
/// knows it, and queues the removal of its data after `grace`.
async fn begin(
    state: &AppState,
    target: &Account,
    moderator: Option<&Account>,
    by_owner: bool,
    grace: Duration,
) -> Result<()> {
    if target.actor_type == "Application" {
        return Err(Error::forbidden("The instance actor cannot be deleted"));
    }
    let mut tx = state.db.begin().await?;
    if !target.is_suspended() {
        store::moderation::set_mark(
            &mut *tx,
            target.id,
            AccountMark::Suspended,
            Some(Utc::now()),
        )
        .await?;
    }
    store::moderation::set_disabled(&mut *tx, target.id, true).await?;
    if let Some(user) = store::users::by_account_id(&mut *tx, target.id).await? {
        store::oauth::revoke_all_for_user(&mut *tx, user.id).await?;
        store::oauth::delete_sessions_of(&mut *tx, user.id).await?;
    }
    let deletion = store::account_deletions::insert(
        &mut *tx,
        target.id,
        moderator.map(|m| m.id),
        by_owner,
        Utc::now() + grace,
    )
    .await?;
    if deletion.purged_at.is_none() {
        let inboxes = store::account_deletions::known_inboxes(&mut *tx, target.id).await?;
        let delete = outbox::with_context(activities::delete_actor(target))?;
        delivery::deliver(&mut tx, target, &delete, &inboxes).await?;
        let job = Job::DeleteAccount(OfAccount {
            account_id: target.id,
        });
        queue::enqueue_at(&mut tx, &job, deletion.purge_after).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Step 2, one run of the `delete_account` job: removes a batch of the account's statuses
/// and queues the next run, or, when none is left, everything else. Nothing happens to an
/// account whose deletion was undone, whose data is gone already, or whose time has not come
/// (a later job for the same account is queued for then).
#[tracing::instrument(skip_all, fields(account.id = account_id))]
pub async fn purge(state: &AppState, account_id: i64) -> Result<()> {
    let Some(deletion) = store::account_deletions::get(&state.db, account_id).await? else {
        return Ok(());
    };
    if deletion.purged_at.is_some() || deletion.purge_after > Utc::now() {
        return Ok(());
    }
    let Some(account) = store::accounts::by_id(&state.db, account_id).await? else {
        return Ok(());
    };
    if !account.is_local() || !account.is_suspended() {
        return Ok(());
    }
    let batch = store::statuses::newest_of_account(&state.db, account.id, STATUSES_PER_RUN).await?;
    let full = batch.len() as i64 == STATUSES_PER_RUN;
    for status in &batch {
        match statuses::remove_of_deleted_account(state, &account, status).await {
            Ok(()) | Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    if full {
        let mut conn = state.db.acquire().await?;
        queue::enqueue(&mut conn, &Job::DeleteAccount(OfAccount { account_id })).await?;
        return Ok(());
    }
    crate::service::archives::remove_of_account(state, account.id).await?;
    let mut tx = state.db.begin().await?;
    let (keys, images) = store::account_deletions::purge_rest(&mut tx, account.id).await?;
    tx.commit().await?;
    let mut keys = keys;
    keys.extend(
        images
            .iter()
            .filter_map(|url| url.rsplit('/').next())
            .filter(|key| crate::media::is_key(key))
            .map(str::to_string),
    );
    media::free_files(state, keys).await;
    tracing::info!(account.id = account.id, "deleted account's data removed");
    Ok(())
}

/// An administrator unsuspends `account_id`: a deletion still in its grace period is undone
/// (its user enabled again); one whose data is gone cannot be (422). Call in the unsuspending
/// transaction.
pub async fn undo(db: &mut PgConnection, account_id: i64) -> Result<()> {
    let Some(deletion) = store::account_deletions::get(&mut *db, account_id).await? else {
        return Ok(());
    };
    if deletion.purged_at.is_some() {
        return Err(Error::unprocessable(
            "This account was deleted and cannot be restored",
        ));
    }
    store::account_deletions::cancel(&mut *db, account_id).await?;
    store::moderation::set_disabled(&mut *db, account_id, false).await?;
    Ok(())
}

/// Whether `account_id` was deleted (by its owner or a moderator), in its grace period or
/// after.
pub async fn is_deleted(state: &AppState, account_id: i64) -> Result<bool> {
    Ok(store::account_deletions::get(&state.db, account_id)
        .await?
        .is_some())
}
