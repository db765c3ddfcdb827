//! `process_inbox`: what a verified activity from a remote actor does here. Unknown types are
//! accepted and ignored.

use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::federation::inbox::allowed_while_suspended;
use crate::federation::remote_note::{id_of, note_from, own_note};
use crate::federation::signed::{self, Standing};
use crate::model::Account;
use crate::service::relationships::{self, FollowOptions};
use crate::store;

pub const KIND: &str = "process_inbox";

pub fn payload(signer_id: i64, activity: &Value) -> Value {
    serde_json::json!({ "signer_id": signer_id, "activity": activity })
}

#[tracing::instrument(skip_all, fields(activity.kind))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let (Some(signer_id), Some(activity)) = (
        payload.get("signer_id").and_then(Value::as_i64),
        payload.get("activity"),
    ) else {
        return Outcome::Fail("malformed inbox payload".into());
    };
    let kind = activity.get("type").and_then(Value::as_str).unwrap_or("");
    tracing::Span::current().record("activity.kind", kind);
    let signer = match store::accounts::by_id(&state.db, signer_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Outcome::Done,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    // The inbox checked the signer when the activity arrived; a moderator may have suspended
    // it (or its domain) while the activity waited in the queue.
    match signed::standing(state, &signer).await {
        Ok(Standing::Welcome) => {}
        Ok(Standing::Suspended) if allowed_while_suspended(kind) => {}
        Ok(standing) => {
            tracing::info!(
                actor = %signer.uri,
                ?standing,
                "dropped an activity: its actor may no longer act here"
            );
            return Outcome::Done;
        }
        Err(e) => return Outcome::Retry(e.to_string()),
    }
    let result = match kind {
        "Follow" => follow(state, &signer, activity).await,
        "Accept" => answered(state, &signer, activity, true).await,
        "Reject" => answered(state, &signer, activity, false).await,
        "Undo" => undo(state, &signer, activity).await,
        "Create" => create(state, &signer, activity).await,
        "Like" => like(state, &signer, activity, true).await,
        "Announce" => announce(state, &signer, activity).await,
        "Block" => block(state, &signer, activity, true).await,
        "Update" => update(state, &signer, activity).await,
        "Delete" => delete(state, &signer, activity).await,
        "Flag" => crate::service::moderation::reports::receive_flag(state, &signer, activity).await,
        _ => Ok(()),
    };
    match result {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(Error::Internal(e)) => Outcome::Retry(e.to_string()),
        Err(Error::Unavailable(e)) => Outcome::Retry(e),
        // Refused for a reason that will not change (blocked, invalid): dropped.
        Err(e) => {
            tracing::info!(error = %e, "activity refused");
            Outcome::Done
        }
    }
}

async fn local_by_uri(state: &AppState, uri: Option<&str>) -> Result<Account, Error> {
    match store::accounts::by_uri(&state.db, uri.ok_or(Error::NotFound)?).await? {
        Some(a) if a.is_local() => Ok(a),
        _ => Err(Error::NotFound),
    }
}

/// A remote actor follows a local account.
async fn follow(state: &AppState, signer: &Account, activity: &Value) -> Result<(), Error> {
    let target = local_by_uri(state, id_of(activity.get("object"))).await?;
    let options = FollowOptions {
        uri: id_of(Some(activity)).map(str::to_string),
        ..FollowOptions::default()
    };
    relationships::follow(state, signer, target.id, options).await?;
    Ok(())
}

/// A remote account accepted (or rejected) a local account's follow request.
async fn answered(
    state: &AppState,
    signer: &Account,
    activity: &Value,
    accepted: bool,
) -> Result<(), Error> {
    let follow = activity.get("object");
    // The embedded Follow names the local follower; a bare id is looked up among requests.
    let follower = match follow.and_then(|f| f.get("actor")).and_then(Value::as_str) {
        Some(uri) => local_by_uri(state, Some(uri)).await?,
        None => {
            let uri = id_of(follow).ok_or(Error::NotFound)?;
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

async fn undo(state: &AppState, signer: &Account, activity: &Value) -> Result<(), Error> {
    let object = activity.get("object");
    let kind = object.and_then(|o| o.get("type")).and_then(Value::as_str);
    match kind {
        Some("Like") => like(state, signer, object.unwrap_or(&Value::Null), false).await,
        Some("Block") => block(state, signer, object.unwrap_or(&Value::Null), false).await,
        Some("Announce") => {
            let uri = id_of(object).ok_or(Error::NotFound)?;
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
        Some("Follow") => {
            let target = local_by_uri(state, id_of(object.and_then(|o| o.get("object")))).await?;
            relationships::unfollow(state, signer, target.id).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `Create` of a note: only by its author, with an id on the author's origin.
async fn create(state: &AppState, signer: &Account, activity: &Value) -> Result<(), Error> {
    let Some(object) = activity.get("object").filter(|o| o.is_object()) else {
        return Ok(());
    };
    let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
    if !matches!(kind, "Note" | "Article" | "Page" | "Question") {
        return Ok(());
    }
    let uri = own_note(object, signer)?;
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

/// `Delete` of a note (by id or Tombstone), or of the signing actor itself.
async fn delete(state: &AppState, signer: &Account, activity: &Value) -> Result<(), Error> {
    let Some(uri) = id_of(activity.get("object")) else {
        return Ok(());
    };
    if uri == signer.uri {
        return crate::service::remote::delete_actor(state, signer).await;
    }
    crate::service::statuses::delete_remote(state, signer, uri).await
}

/// A remote account's favourite (`Like`) of a local status, or its withdrawal.
async fn like(state: &AppState, signer: &Account, activity: &Value, on: bool) -> Result<(), Error> {
    let id = store::statuses::id_by_uri(
        &state.db,
        id_of(activity.get("object")).ok_or(Error::NotFound)?,
    )
    .await?
    .ok_or(Error::NotFound)?;
    if on {
        crate::service::statuses::favourite(state, signer, id).await?;
    } else {
        crate::service::statuses::unfavourite(state, signer, id).await?;
    }
    Ok(())
}

/// `Update` of the signer's own actor: the profile is refreshed from the embedded document.
/// (Edits of notes come with the rest of the note handling.)
async fn update(state: &AppState, signer: &Account, activity: &Value) -> Result<(), Error> {
    let Some(object) = activity.get("object").filter(|o| o.is_object()) else {
        return Ok(());
    };
    if matches!(
        object.get("type").and_then(Value::as_str),
        Some("Note" | "Article" | "Page" | "Question")
    ) {
        let uri = own_note(object, signer)?;
        let note = note_from(object, signer, uri);
        return crate::service::statuses::edit_remote(state, signer, &note).await;
    }
    if id_of(Some(object)) != Some(signer.uri.as_str()) {
        return Ok(());
    }
    let actor: crate::federation::vocab::RemoteActor = serde_json::from_value(object.clone())
        .map_err(|e| Error::unprocessable(format!("not an actor: {e}")))?;
    crate::service::remote::store_actor(state, &actor).await?;
    Ok(())
}

/// A remote boost of a status: known here, or fetched from its own origin.
async fn announce(state: &AppState, signer: &Account, activity: &Value) -> Result<(), Error> {
    let Some(announce_uri) = id_of(Some(activity)) else {
        return Ok(());
    };
    // An embedded copy is never trusted: an unknown original is fetched from its own origin.
    let object = id_of(activity.get("object")).ok_or(Error::NotFound)?;
    let original = crate::service::remote::fetch_note(state, object, 1).await?;
    let public = |key: &str| {
        activity.get(key).is_some_and(|v| match v {
            Value::String(s) => s == crate::federation::vocab::PUBLIC,
            Value::Array(items) => items
                .iter()
                .any(|i| i.as_str() == Some(crate::federation::vocab::PUBLIC)),
            _ => false,
        })
    };
    let visibility = if public("to") {
        "public"
    } else if public("cc") {
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
async fn block(
    state: &AppState,
    signer: &Account,
    activity: &Value,
    on: bool,
) -> Result<(), Error> {
    let target = local_by_uri(state, id_of(activity.get("object"))).await?;
    if on {
        relationships::block(state, signer, target.id).await?;
    } else {
        relationships::unblock(state, signer, target.id).await?;
    }
    Ok(())
}
