//! What a verified activity from a peer does here: the federated twin of the client API's
//! actions. Each kind of activity ends in the same service function as the local action
//! (a `Like` in `statuses::favourite`, a `Follow` in `relationships::follow`, a `Create` in
//! the status lifecycle…), so counters, notifications, feeds and streaming cannot drift apart.
//! The activity arrives typed ([`Incoming`]) and its signer verified; this checks what the
//! signer may act on (its own notes, local accounts) and acts.

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::moderation::parse_flag;
use crate::federation::remote_note::{note_from, own_note};
use crate::federation::vocab::inbound::{is_public, Incoming, Object, NOTE_TYPES};
use crate::federation::vocab::RemoteActor;
use crate::model::Account;
use crate::service::moderation::domains;
use crate::service::relationships::{self, FollowOptions};
use crate::store;

/// Acts on an activity that waited in the queue, signed by the account `signer_id`: the
/// signer is read again, and so is its standing, since a moderator may have suspended it (or
/// its domain) while the activity waited. `NotFound` when the signer is gone.
pub async fn receive_queued(state: &AppState, signer_id: i64, incoming: &Incoming) -> Result<()> {
    let signer = store::accounts::by_id(&state.db, signer_id)
        .await?
        .ok_or(Error::NotFound)?;
    let kind = incoming.activity().kind.as_str();
    match standing(state, &signer).await? {
        Standing::Welcome => {}
        Standing::Suspended if allowed_while_suspended(kind) => {}
        standing => {
            tracing::info!(
                actor = %signer.uri,
                ?standing,
                "dropped an activity: its actor may no longer act here"
            );
            return Ok(());
        }
    }
    receive(state, &signer, incoming).await
}

/// Acts on `incoming`, sent and signed by `signer`. `NotFound` when it concerns nothing known
/// here; a type Rookery does not act on is counted and left alone.
#[tracing::instrument(skip_all, fields(account.id = signer.id))]
pub async fn receive(state: &AppState, signer: &Account, incoming: &Incoming) -> Result<()> {
    match incoming {
        Incoming::Follow(a) => follow(state, signer, a).await,
        Incoming::Accept(a) => answered(state, signer, a, true).await,
        Incoming::Reject(a) => answered(state, signer, a, false).await,
        Incoming::Undo(a) => undo(state, signer, a).await,
        Incoming::Create(a) => create(state, signer, a).await,
        Incoming::Like(a) => like(state, signer, a, true).await,
        Incoming::Announce(a) => announce(state, signer, a).await,
        Incoming::Block(a) => block(state, signer, a, true).await,
        Incoming::Update(a, actor) => update(state, signer, a, actor.as_deref()).await,
        Incoming::Delete(a) => delete(state, signer, a).await,
        Incoming::Move(a) => crate::service::moves::receive_move(state, signer, a).await,
        Incoming::QuoteRequest(a) => {
            crate::service::quotes::receive_request(state, signer, a).await
        }
        Incoming::Flag(a) => {
            crate::service::moderation::reports::receive_flag(state, signer, &parse_flag(a)).await
        }
        Incoming::Unhandled(a) => {
            state.metrics.activity_unhandled(&a.kind);
            tracing::debug!(activity.kind = %a.kind, "an activity of a type not acted on");
            Ok(())
        }
    }
}

/// Whether a verified signer may act here now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Nothing stands against it.
    Welcome,
    /// A moderator suspended its account (alone, or with its whole domain).
    Suspended,
    /// Its domain is one this instance does not federate with (a suspending block, or
    /// allowlist mode without an allow), for this reason.
    Refused(&'static str),
}

/// The [`Standing`] of a remote account as of now (read again by the job that processes an
/// activity, since a moderator may have acted since it arrived).
pub async fn standing(state: &AppState, account: &Account) -> Result<Standing, Error> {
    let refusal = match &account.domain {
        Some(domain) => domains::refusal(state, domain).await?,
        None => domains::refusal_for_url(state, &account.uri).await?,
    };
    if let Some(why) = refusal {
        return Ok(Standing::Refused(why));
    }
    if account.is_suspended() {
        return Ok(Standing::Suspended);
    }
    Ok(Standing::Welcome)
}

/// Activities a suspended actor may still send, as on Mastodon: they withdraw or correct what
/// it did before (deleted posts, undone follows and favourites, refused follow requests, a
/// changed profile or key), so lifting the suspension brings back nothing it took back.
pub fn allowed_while_suspended(kind: &str) -> bool {
    matches!(kind, "Delete" | "Reject" | "Undo" | "Update")
}

async fn local_by_uri(state: &AppState, uri: Option<&str>) -> Result<Account> {
    match store::accounts::by_uri(&state.db, uri.ok_or(Error::NotFound)?).await? {
        Some(a) if a.is_local() => Ok(a),
        _ => Err(Error::NotFound),
    }
}

/// A remote actor follows a local account.
async fn follow(state: &AppState, signer: &Account, activity: &Object) -> Result<()> {
    let target = local_by_uri(state, activity.object_id()).await?;
    let options = FollowOptions {
        uri: activity.id.clone(),
        ..FollowOptions::default()
    };
    relationships::follow(state, signer, target.id, options).await?;
    Ok(())
}

/// A remote account accepted (or rejected) a local account's follow request, or its request
/// to quote.
async fn answered(
    state: &AppState,
    signer: &Account,
    activity: &Object,
    accepted: bool,
) -> Result<()> {
    // An answer to a local account's request to quote.
    if crate::service::quotes::receive_answer(state, signer, activity, accepted).await? {
        return Ok(());
    }
    // The embedded Follow names the local follower; a bare id is looked up among requests.
    let follower = match activity.embedded().and_then(Object::actor_id) {
        Some(uri) => local_by_uri(state, Some(uri)).await?,
        None => {
            let uri = activity.object_id().ok_or(Error::NotFound)?;
            let id = store::relationships::request_account_by_uri(&state.db, uri, signer.id)
                .await?
                .ok_or(Error::NotFound)?;
            store::accounts::by_id(&state.db, id)
                .await?
                .ok_or(Error::NotFound)?
        }
    };
    if accepted {
        relationships::authorize_request(state, signer, follower.id).await?;
    } else {
        relationships::reject_request(state, signer, follower.id).await?;
    }
    Ok(())
}

/// `Undo` of a like, a block, a boost or a follow: the undone activity must be embedded (as
/// every server sends it), so its type is known.
async fn undo(state: &AppState, signer: &Account, activity: &Object) -> Result<()> {
    let Some(undone) = activity.embedded() else {
        return Ok(());
    };
    match undone.kind.as_str() {
        "Like" | "EmojiReact" => like(state, signer, undone, false).await,
        "Block" => block(state, signer, undone, false).await,
        "Announce" => {
            let uri = undone.id.as_deref().ok_or(Error::NotFound)?;
            let boost = store::statuses::id_by_uri(&state.db, uri)
                .await?
                .ok_or(Error::NotFound)?;
            let boost = store::statuses::by_id(&state.db, boost)
                .await?
                .ok_or(Error::NotFound)?;
            match (boost.account_id == signer.id, boost.reblog_of_id) {
                (true, Some(original)) => {
                    crate::service::statuses::unreblog(state, signer, original).await?;
                    Ok(())
                }
                _ => Err(Error::forbidden("only the booster may undo a boost")),
            }
        }
        "Follow" => {
            let target = local_by_uri(state, undone.object_id()).await?;
            relationships::unfollow(state, signer, target.id).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `Create` of a note: only by its author, with an id on the author's origin.
async fn create(state: &AppState, signer: &Account, activity: &Object) -> Result<()> {
    let Some(object) = activity
        .embedded()
        .filter(|o| NOTE_TYPES.contains(&o.kind.as_str()))
    else {
        return Ok(());
    };
    let uri = own_note(object, signer)?;
    if let Some((poll, name)) = vote_on_local_poll(state, object).await? {
        return crate::service::polls::receive_vote(state, signer, &poll, name, uri).await;
    }
    let note = note_from(object, signer, uri);
    if let Some(parent) = &note.in_reply_to {
        // A reply to something unknown here: fetch its thread first (best effort).
        if let Err(e) = crate::service::remote::fetch_note(
            state,
            parent,
            crate::service::remote::MAX_THREAD_FETCH_DEPTH,
        )
        .await
        {
            tracing::info!(error = %e, "the parent of a reply could not be fetched");
        }
    }
    crate::service::statuses::receive_remote(state, signer, note).await
}

/// A poll vote: a `Note` with a `name` (the option) and no content, in reply to a local poll
/// (Mastodon's test). Anything else, however named, is a note.
async fn vote_on_local_poll<'a>(
    state: &AppState,
    object: &'a Object,
) -> Result<Option<(crate::model::Poll, &'a str)>> {
    let (Some(name), Some(question)) = (
        object.name.as_deref(),
        object.in_reply_to.as_ref().and_then(|r| r.id()),
    ) else {
        return Ok(None);
    };
    if object.kind != "Note" || !object.html().trim().is_empty() {
        return Ok(None);
    }
    Ok(crate::service::polls::local_poll_at(state, question)
        .await?
        .map(|poll| (poll, name)))
}

/// `Delete` of a note (by id or Tombstone), or of the signing actor itself.
async fn delete(state: &AppState, signer: &Account, activity: &Object) -> Result<()> {
    let Some(uri) = activity.object_id() else {
        return Ok(());
    };
    if uri == signer.uri {
        return crate::service::remote::delete_actor(state, signer).await;
    }
    // A stamp of a quote, withdrawn by the quoted author.
    if crate::service::quotes::receive_revocation(state, signer, uri).await? {
        return Ok(());
    }
    crate::service::statuses::delete_remote(state, signer, uri).await
}

/// A remote account's favourite (`Like`, or an emoji reaction: `EmojiReact`, Misskey's
/// `Like` with a `_misskey_reaction`) of a local status, or its withdrawal. As on Mastodon,
/// a reaction is one favourite whatever its emoji.
async fn like(state: &AppState, signer: &Account, activity: &Object, on: bool) -> Result<()> {
    let id = store::statuses::id_by_uri(&state.db, activity.object_id().ok_or(Error::NotFound)?)
        .await?
        .ok_or(Error::NotFound)?;
    if on {
        crate::service::statuses::favourite(state, signer, id).await?;
    } else {
        crate::service::statuses::unfavourite(state, signer, id).await?;
    }
    Ok(())
}

/// `Update` of one of the signer's notes (an edit), or of the signer's own actor (its profile,
/// refreshed from the embedded document).
async fn update(
    state: &AppState,
    signer: &Account,
    activity: &Object,
    actor: Option<&RemoteActor>,
) -> Result<()> {
    let Some(object) = activity.embedded() else {
        return Ok(());
    };
    if NOTE_TYPES.contains(&object.kind.as_str()) {
        let uri = own_note(object, signer)?;
        let note = note_from(object, signer, uri);
        return crate::service::statuses::edit_remote(state, signer, &note).await;
    }
    match actor {
        Some(actor) if actor.id == signer.uri => {
            crate::service::remote::store_actor(state, actor).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A remote boost of a status: known here, or fetched from its own origin.
async fn announce(state: &AppState, signer: &Account, activity: &Object) -> Result<()> {
    let Some(announce_uri) = activity.id.as_deref() else {
        return Ok(());
    };
    // An embedded copy is never trusted: an unknown original is fetched from its own origin.
    let object = activity.object_id().ok_or(Error::NotFound)?;
    let original = crate::service::remote::fetch_note(state, object, 1).await?;
    let visibility = if activity.to.iter().any(|a| is_public(a)) {
        "public"
    } else if activity.cc.iter().any(|a| is_public(a)) {
        "unlisted"
    } else {
        "private"
    };
    crate::service::statuses::reblog_as(
        state,
        signer,
        original,
        Some(visibility),
        Some(announce_uri),
    )
    .await?;
    Ok(())
}

/// A remote account blocks (or unblocks) a local one.
async fn block(state: &AppState, signer: &Account, activity: &Object, on: bool) -> Result<()> {
    let target = local_by_uri(state, activity.object_id()).await?;
    if on {
        relationships::block(state, signer, target.id).await?;
    } else {
        relationships::unblock(state, signer, target.id).await?;
    }
    Ok(())
}
