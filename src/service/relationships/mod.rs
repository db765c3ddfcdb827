//! Follows, follow requests, blocks and mutes: every action that changes how two accounts
//! relate, with its side effects (counters, notifications, home feeds) in the same
//! transaction, and the lists and Relationship views of them.
//!
//! These are the functions federation will call too (an incoming `Follow`, `Accept`, `Block`
//! arrives as the same action), so nothing here assumes the actor is local: feed changes are
//! made only for local owners, notifications only reach local recipients.
//!
//! Follows and follow requests are here, blocks and mutes in [`blocks`], the paged lists of
//! accounts (followers, following, blocks, mutes, requests, familiar followers) in [`lists`].

mod blocks;
mod lists;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::{convert, outbox};
use crate::model::{Account, NotificationType};
use crate::service::{delivery, feeds, notifications};
use crate::store::relationships::NewFollow;
use crate::{id, store};

pub use crate::model::relationship::Relationship;
pub use blocks::{block, mute, unblock, unmute};
pub use lists::{
    blocks, familiar_followers, follow_requests, followers, following, mutes, pending_requests,
    FAMILIAR_MAX,
};
pub(crate) use lists::{collections_visible, resolve};

/// Mastodon's answer when a follow is refused (blocks, a moved account).
fn not_allowed() -> Error {
    Error::forbidden("This action is not allowed")
}

/// The options of a follow; `None` keeps what an existing follow has (or the default for a new
/// one: reblogs shown, no notifications, all languages). `Some(vec![])` means all languages.
#[derive(Debug, Default)]
pub struct FollowOptions {
    pub reblogs: Option<bool>,
    pub notify: Option<bool>,
    pub languages: Option<Vec<String>>,
    /// The ActivityPub id of a remote actor's `Follow`.
    pub uri: Option<String>,
}

/// How to mute: hide notifications too (Mastodon's default), and for how long.
#[derive(Debug)]
pub struct MuteOptions {
    pub notifications: bool,
    /// Seconds; `None` or `0`: until unmuted.
    pub duration: Option<i64>,
}

/// One account of a paged list, and when its mute ends (mute lists only).
#[derive(Debug)]
pub struct ListedAccount {
    pub account: Account,
    pub mute_expires_at: Option<DateTime<Utc>>,
}

/// A page of accounts, newest relationship first, with the paging ids (of the relationship
/// rows) of its first and last entry.
#[derive(Debug, Default)]
pub struct AccountPage {
    pub accounts: Vec<ListedAccount>,
    pub cursors: Option<(i64, i64)>,
}

/// The account with this id as the actor may see it: unknown or suspended accounts are not
/// found.
async fn visible(state: &AppState, id: i64) -> Result<Account> {
    crate::service::accounts::visible_account(state, id).await
}

/// `viewer`'s relationship to one account that exists.
pub(crate) async fn relationship_to(
    state: &AppState,
    viewer: i64,
    target: i64,
) -> Result<Relationship> {
    store::relationships::relationships(&state.db, viewer, &[target], true)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)
}

/// `viewer`'s relationships to these accounts, in the order asked, each once; unknown
/// accounts are skipped, and suspended ones unless `with_suspended`.
#[tracing::instrument(skip_all, fields(account.id = viewer.id, ids = ids.len()))]
pub async fn relationships(
    state: &AppState,
    viewer: &Account,
    ids: &[i64],
    with_suspended: bool,
) -> Result<Vec<Relationship>> {
    let mut seen = HashSet::new();
    let unique: Vec<i64> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    if unique.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store::relationships::relationships(&state.db, viewer.id, &unique, with_suspended).await?)
}

/// Checks the languages of a follow: codes as `service::accounts::is_language_code` accepts
/// them, blanks dropped; an empty list means all languages.
fn languages(raw: Option<Vec<String>>) -> Result<Option<Option<Vec<String>>>> {
    let Some(list) = raw else {
        return Ok(None);
    };
    let mut codes: Vec<String> = Vec::new();
    for code in list.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if !crate::service::accounts::is_language_code(code) {
            return Err(Error::invalid(
                "languages",
                "ERR_INCLUSION",
                format!("is not included in the list: {code:?}"),
            ));
        }
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_string());
        }
    }
    Ok(Some((!codes.is_empty()).then_some(codes)))
}

/// `actor` follows `target_id`. A locked or remote target, or a silenced actor, gets a follow
/// request (and a local target a `follow_request` notification); otherwise the follow starts
/// at once: counted, notified, and the target's recent posts merged into a local actor's home
/// feed. Following again changes the options of the follow or of the pending request.
/// Yourself, unknown and suspended accounts are not found (as Mastodon answers); blocks
/// either way and moved accounts are refused.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn follow(
    state: &AppState,
    actor: &Account,
    target_id: i64,
    options: FollowOptions,
) -> Result<Relationship> {
    let wanted_languages = languages(options.languages)?;
    if actor.is_local() && actor.has_moved() {
        return Err(Error::forbidden(
            "This account has moved; it can no longer follow anyone",
        ));
    }
    let target = visible(state, target_id).await?;
    if target.id == actor.id {
        return Err(Error::NotFound);
    }
    if target.moved_to_account_id.is_some() {
        return Err(not_allowed());
    }
    let mut tx = state.db.begin().await?;
    if store::relationships::blocked_either_way(&mut *tx, actor.id, target.id).await? {
        return Err(not_allowed());
    }
    if let Some(existing) = store::relationships::find_follow(&mut *tx, actor.id, target.id).await?
    {
        let show_reblogs = options.reblogs.unwrap_or(existing.show_reblogs);
        let notify = options.notify.unwrap_or(existing.notify);
        let langs = wanted_languages.unwrap_or(existing.languages);
        store::relationships::update_follow(
            &mut *tx,
            existing.id,
            show_reblogs,
            notify,
            langs.as_deref(),
        )
        .await?;
        if existing.show_reblogs && !show_reblogs && actor.is_local() {
            feeds::hide_reblogs_of(&mut tx, actor.id, target.id).await?;
        }
        // A remote server that follows again (it lost the follow, say on a Delete of the
        // actor before an unsuspension) is accepted again at once, as Mastodon does.
        if let (Some(uri), false) = (&options.uri, actor.is_local()) {
            let accept = outbox::with_context(convert::accept_follow(&target, uri, actor))?;
            delivery::deliver(&mut tx, &target, &accept, &[delivery::inbox_of(actor)]).await?;
        }
    } else if let Some(existing) =
        store::relationships::find_request(&mut *tx, actor.id, target.id).await?
    {
        let langs = wanted_languages.unwrap_or(existing.languages);
        store::relationships::update_request(
            &mut *tx,
            existing.id,
            options.reblogs.unwrap_or(existing.show_reblogs),
            options.notify.unwrap_or(existing.notify),
            langs.as_deref(),
        )
        .await?;
    } else {
        let langs = wanted_languages.flatten();
        let new_id = id::next();
        // A local account following a remote one gets an activity id served at that URL.
        let follow_uri = match &options.uri {
            Some(uri) => Some(uri.clone()),
            None if actor.is_local() && !target.is_local() => {
                Some(convert::follow_uri(actor, new_id))
            }
            None => None,
        };
        let new = NewFollow {
            id: new_id,
            account_id: actor.id,
            target_account_id: target.id,
            show_reblogs: options.reblogs.unwrap_or(true),
            notify: options.notify.unwrap_or(false),
            languages: langs.as_deref(),
            uri: follow_uri.as_deref(),
        };
        if target.locked || !target.is_local() || actor.silenced_at.is_some() {
            // A remote target answers the delivered Follow with Accept or Reject.
            if store::relationships::insert_request(&mut *tx, &new).await? {
                notifications::notify(
                    &mut *tx,
                    target.id,
                    actor.id,
                    NotificationType::FollowRequest,
                    None,
                )
                .await?;
                if let (Some(uri), true) = (&follow_uri, actor.is_local() && !target.is_local()) {
                    let activity = outbox::with_context(convert::follow(uri, actor, &target))?;
                    delivery::deliver(&mut tx, actor, &activity, &[delivery::inbox_of(&target)])
                        .await?;
                }
            }
        } else if start_follow(&mut tx, actor, target.id, &new).await? {
            notifications::notify(
                &mut *tx,
                target.id,
                actor.id,
                NotificationType::Follow,
                None,
            )
            .await?;
            // A remote follower of an unlocked local account is accepted at once.
            if let (Some(uri), false) = (&follow_uri, actor.is_local()) {
                let accept = outbox::with_context(convert::accept_follow(&target, uri, actor))?;
                delivery::deliver(&mut tx, &target, &accept, &[delivery::inbox_of(actor)]).await?;
            }
        }
    }
    tx.commit().await?;
    tracing::info!("followed");
    relationship_to(state, actor.id, target.id).await
}

/// Records a follow with its counters and, for a local follower, merges the target's posts
/// into their home feed. Returns whether the follow is new.
async fn start_follow(
    db: &mut PgConnection,
    follower: &Account,
    target: i64,
    new: &NewFollow<'_>,
) -> Result<bool> {
    let inserted = store::relationships::insert_follow(&mut *db, new).await?;
    if inserted && follower.is_local() {
        feeds::follow_started(&mut *db, follower.id, target, new.show_reblogs).await?;
    }
    Ok(inserted)
}

/// Ends `actor`'s follow of `target` (with its counters, its `follow` notification, the
/// target's posts in the actor's home feed and their place in the actor's lists), and cancels a pending request (with its
/// notification). Not following is fine.
async fn end_follow(
    db: &mut PgConnection,
    actor: &Account,
    target_account: &Account,
) -> Result<()> {
    end_follow_telling(db, actor, target_account, true).await
}

/// [`end_follow`], telling a remote target with an `Undo` only when `tell`.
async fn end_follow_telling(
    db: &mut PgConnection,
    actor: &Account,
    target_account: &Account,
    tell: bool,
) -> Result<()> {
    let target = target_account.id;
    let ended = store::relationships::delete_follow(&mut *db, actor.id, target).await?;
    let pending = store::relationships::find_request(&mut *db, actor.id, target).await?;
    // A remote account is told with an Undo of the Follow it was sent.
    if tell && actor.is_local() && !target_account.is_local() {
        let uri = ended
            .as_ref()
            .or(pending.as_ref())
            .and_then(|f| f.uri.clone());
        if let Some(uri) = uri {
            let undo = outbox::with_context(convert::undo(
                actor,
                convert::follow(&uri, actor, target_account),
            ))?;
            delivery::deliver(
                &mut *db,
                actor,
                &undo,
                &[delivery::inbox_of(target_account)],
            )
            .await?;
        }
    }
    if ended.is_some() {
        notifications::withdraw(&mut *db, target, actor.id, NotificationType::Follow, None).await?;
        if actor.is_local() {
            feeds::stop_seeing(&mut *db, actor.id, target).await?;
            crate::service::lists::follow_ended(&mut *db, actor.id, target).await?;
        }
    }
    if store::relationships::delete_request(&mut *db, actor.id, target)
        .await?
        .is_some()
    {
        notifications::withdraw(
            &mut *db,
            target,
            actor.id,
            NotificationType::FollowRequest,
            None,
        )
        .await?;
    }
    Ok(())
}

/// `actor` stops following `target_id`, or withdraws their pending request.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn unfollow(state: &AppState, actor: &Account, target_id: i64) -> Result<Relationship> {
    let target = visible(state, target_id).await?;
    let mut tx = state.db.begin().await?;
    end_follow(&mut tx, actor, &target).await?;
    tx.commit().await?;
    relationship_to(state, actor.id, target.id).await
}

/// `actor` stops following `target_id` as [`unfollow`] does, but tells no one: the target's
/// server is gone (a pull-mode move), and an `Undo` would only wait in the queue for it.
#[tracing::instrument(skip_all, fields(account.id = actor.id, target.id = target_id))]
pub async fn forget_follow(state: &AppState, actor: &Account, target_id: i64) -> Result<()> {
    let target = visible(state, target_id).await?;
    let mut tx = state.db.begin().await?;
    end_follow_telling(&mut tx, actor, &target, false).await?;
    tx.commit().await?;
    Ok(())
}

/// `actor` makes `follower_id` stop following them (Mastodon's "remove from followers").
#[tracing::instrument(skip_all, fields(account.id = actor.id, follower.id = follower_id))]
pub async fn remove_from_followers(
    state: &AppState,
    actor: &Account,
    follower_id: i64,
) -> Result<Relationship> {
    let follower = visible(state, follower_id).await?;
    let mut tx = state.db.begin().await?;
    end_follow(&mut tx, &follower, actor).await?;
    tx.commit().await?;
    relationship_to(state, actor.id, follower.id).await
}

/// `actor` accepts `requester_id`'s follow request: it becomes a follow with the request's
/// options (counted, merged into a local requester's home feed), the `follow_request`
/// notification is withdrawn and, as on Mastodon, `actor` gets a `follow` notification.
/// No such request: not found.
#[tracing::instrument(skip_all, fields(account.id = actor.id, requester.id = requester_id))]
pub async fn authorize_request(
    state: &AppState,
    actor: &Account,
    requester_id: i64,
) -> Result<Relationship> {
    let requester = visible(state, requester_id).await?;
    let mut tx = state.db.begin().await?;
    let request = take_request(&mut tx, actor, &requester, convert::accept_follow).await?;
    let new = NewFollow {
        id: id::next(),
        account_id: requester.id,
        target_account_id: actor.id,
        show_reblogs: request.show_reblogs,
        notify: request.notify,
        languages: request.languages.as_deref(),
        uri: request.uri.as_deref(),
    };
    if start_follow(&mut tx, &requester, actor.id, &new).await? {
        notifications::notify(
            &mut *tx,
            actor.id,
            requester.id,
            NotificationType::Follow,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    relationship_to(state, actor.id, requester.id).await
}

/// `actor` turns down `requester_id`'s follow request (and its notification goes). No such
/// request: not found.
#[tracing::instrument(skip_all, fields(account.id = actor.id, requester.id = requester_id))]
pub async fn reject_request(
    state: &AppState,
    actor: &Account,
    requester_id: i64,
) -> Result<Relationship> {
    let requester = visible(state, requester_id).await?;
    let mut tx = state.db.begin().await?;
    take_request(&mut tx, actor, &requester, convert::reject_follow).await?;
    tx.commit().await?;
    relationship_to(state, actor.id, requester.id).await
}

/// Removes `requester`'s follow request of `actor` and its notification and, when a remote
/// requester asked a local account, answers its `Follow` with `answer` (Accept or Reject).
async fn take_request(
    tx: &mut PgConnection,
    actor: &Account,
    requester: &Account,
    answer: fn(&Account, &str, &Account) -> crate::federation::vocab::Activity,
) -> Result<crate::model::relationship::Follow> {
    let request = store::relationships::delete_request(&mut *tx, requester.id, actor.id)
        .await?
        .ok_or(Error::NotFound)?;
    notifications::withdraw(
        &mut *tx,
        actor.id,
        requester.id,
        NotificationType::FollowRequest,
        None,
    )
    .await?;
    if !requester.is_local() && actor.is_local() {
        let uri = request
            .uri
            .clone()
            .unwrap_or_else(|| convert::follow_uri(requester, request.id));
        let activity = outbox::with_context(answer(actor, &uri, requester))?;
        delivery::deliver(tx, actor, &activity, &[delivery::inbox_of(requester)]).await?;
    }
    Ok(request)
}

/// The longest private note (Mastodon's limit).
const NOTE_MAX: usize = 2000;

/// Sets `viewer`'s private note on `target_id` (empty removes it); it shows in their
/// relationship only. Unknown and suspended accounts are not found.
#[tracing::instrument(skip_all, fields(account.id = viewer.id, target.id = target_id))]
pub async fn set_note(
    state: &AppState,
    viewer: &Account,
    target_id: i64,
    comment: &str,
) -> Result<Relationship> {
    let target = visible(state, target_id).await?;
    if comment.chars().count() > NOTE_MAX {
        return Err(Error::invalid(
            "comment",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {NOTE_MAX} characters)"),
        ));
    }
    store::relationships::set_note(&state.db, viewer.id, target.id, comment).await?;
    relationship_to(state, viewer.id, target.id).await
}
