//! Blocks and mutes: what each ends or hides, and undoing them.

use chrono::Utc;

use super::{end_follow, relationship_to, visible, MuteOptions, Relationship};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::{convert, outbox};
use crate::model::Account;
use crate::service::{delivery, feeds};
use crate::{id, store};

/// `actor` blocks `target_id`: follows and follow requests end both ways (counters fixed),
/// each leaves the other's home feed, and the notifications between them go. Blocking
/// yourself does nothing, as on Mastodon.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn block(state: &AppState, actor: &Account, target_id: i64) -> Result<Relationship> {
    let target = visible(state, target_id).await?;
    if target.id != actor.id {
        let mut tx = state.db.begin().await?;
        end_follow(&mut tx, actor, &target).await?;
        end_follow(&mut tx, &target, actor).await?;
        store::relationships::insert_block(&mut *tx, id::next(), actor.id, target.id).await?;
        if actor.is_local() && !target.is_local() {
            let block = outbox::with_context(convert::block(actor, &target))?;
            delivery::deliver(&mut tx, actor, &block, &[delivery::inbox_of(&target)]).await?;
        }
        for (owner, other) in [(actor, &target), (&target, actor)] {
            if owner.is_local() {
                feeds::stop_seeing(&mut tx, owner.id, other.id).await?;
            }
            store::notifications::delete_between(&mut *tx, owner.id, other.id).await?;
        }
        tx.commit().await?;
        tracing::info!("blocked");
    }
    relationship_to(state, actor.id, target.id).await
}

/// `actor` unblocks `target_id`.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn unblock(state: &AppState, actor: &Account, target_id: i64) -> Result<Relationship> {
    let target = visible(state, target_id).await?;
    let mut tx = state.db.begin().await?;
    store::relationships::delete_block(&mut *tx, actor.id, target.id).await?;
    if actor.is_local() && !target.is_local() {
        let undo = outbox::with_context(convert::undo(actor, convert::block(actor, &target)))?;
        delivery::deliver(&mut tx, actor, &undo, &[delivery::inbox_of(&target)]).await?;
    }
    tx.commit().await?;
    relationship_to(state, actor.id, target.id).await
}

/// The longest mute that is not "forever": a hundred years.
const MUTE_MAX_SECS: i64 = 100 * 365 * 24 * 3600;

/// `actor` mutes `target_id` (muting again replaces the options): the target leaves the
/// actor's home feed, and their notifications too unless `notifications` is false. Muting
/// yourself does nothing.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn mute(
    state: &AppState,
    actor: &Account,
    target_id: i64,
    options: MuteOptions,
) -> Result<Relationship> {
    let expires_at = match options.duration.unwrap_or(0) {
        0 => None,
        secs if !(1..=MUTE_MAX_SECS).contains(&secs) => {
            return Err(Error::invalid(
                "duration",
                "ERR_INVALID",
                format!("must be a number of seconds from 0 to {MUTE_MAX_SECS}"),
            ))
        }
        secs => Some(Utc::now() + chrono::Duration::seconds(secs)),
    };
    let target = visible(state, target_id).await?;
    if target.id != actor.id {
        let mut tx = state.db.begin().await?;
        store::relationships::upsert_mute(
            &mut *tx,
            id::next(),
            actor.id,
            target.id,
            options.notifications,
            expires_at,
        )
        .await?;
        if actor.is_local() {
            feeds::stop_seeing(&mut tx, actor.id, target.id).await?;
        }
        tx.commit().await?;
    }
    relationship_to(state, actor.id, target.id).await
}

/// `actor` unmutes `target_id`; if they follow the target, the target's posts come back into
/// their home feed.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn unmute(state: &AppState, actor: &Account, target_id: i64) -> Result<Relationship> {
    let target = visible(state, target_id).await?;
    let mut tx = state.db.begin().await?;
    if store::relationships::delete_mute(&mut *tx, actor.id, target.id).await? && actor.is_local() {
        if let Some(f) = store::relationships::find_follow(&mut *tx, actor.id, target.id).await? {
            feeds::follow_started(&mut tx, actor.id, target.id, f.show_reblogs).await?;
        }
    }
    tx.commit().await?;
    relationship_to(state, actor.id, target.id).await
}
