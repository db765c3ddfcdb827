//! Telling remote servers about local status actions: likes, edits, deletes and unboosts.

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::outbox;
use crate::model::{Account, StatusView};
use crate::service::{delivery, views};
use crate::{id, store};

/// `actor`'s `Like` of the status at `uri`; its id is stable per (actor, status), so the
/// `Undo` names the same one.
pub(super) fn like_activity(actor: &Account, uri: &str) -> serde_json::Value {
    let digest = crate::crypto::sha256_hex(uri);
    serde_json::json!({
        "@context": crate::federation::vocab::context(),
        "id": format!("{}#likes/{}", actor.uri, &digest[..16]),
        "type": "Like",
        "actor": actor.uri,
        "object": uri,
    })
}

/// Tells the remote audience of a local status or boost that it is gone: `Delete` with a
/// `Tombstone`, or `Undo` of the `Announce`.
pub(super) async fn federate_removal(
    tx: &mut sqlx::PgConnection,
    actor: &Account,
    view: &StatusView,
) -> Result<()> {
    use crate::federation::convert;
    if !actor.is_local() {
        return Ok(());
    }
    let (activity, mentions) = match &view.reblog {
        Some(original) => {
            let announce = convert::announce(&view.status, actor, &original.status.uri);
            let undo = convert::undo(
                actor,
                serde_json::to_value(announce).map_err(|e| Error::Internal(e.into()))?,
            );
            (undo, Vec::new())
        }
        None => (
            serde_json::json!({
                "@context": crate::federation::vocab::context(),
                "id": format!("{}#delete", view.status.uri),
                "type": "Delete",
                "actor": actor.uri,
                "to": [crate::federation::vocab::PUBLIC],
                "object": { "id": view.status.uri, "type": "Tombstone" },
            }),
            view.mentions.clone(),
        ),
    };
    let mut inboxes =
        delivery::audience(&mut *tx, actor, &mentions, view.status.visibility).await?;
    // A boost's original author heard of it, and hears of its end.
    if let Some(original) = view.reblog.as_ref().filter(|o| !o.account.is_local()) {
        inboxes.push(delivery::inbox_of(&original.account));
    }
    delivery::deliver(&mut *tx, actor, &activity, &inboxes).await
}

/// Sends a local status as it is now (`Update` of the note) to its remote audience; run by
/// the `federate_edit` job that an edit queues. `NotFound` once the status is gone.
pub async fn federate_update(state: &AppState, status_id: i64) -> Result<()> {
    let status = store::statuses::by_id(&state.db, status_id)
        .await?
        .ok_or(Error::NotFound)?;
    let actor = store::accounts::by_id(&state.db, status.account_id)
        .await?
        .filter(Account::is_local)
        .ok_or(Error::NotFound)?;
    let actor = &actor;
    let view = views::one(state, Some(actor), status_id).await?;
    let mut tx = state.db.begin().await?;
    let inboxes =
        delivery::audience(&mut tx, actor, &view.mentions, view.status.visibility).await?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let parent = store::statuses::parent_uri(&mut *tx, &view.status).await?;
    let note = crate::federation::convert::note(&view, parent, &state.base_url());
    let update = outbox::with_context(serde_json::json!({
        "id": format!("{}#updates/{}", view.status.uri, id::next()),
        "type": "Update",
        "actor": actor.uri,
        "to": note.to.clone(),
        "cc": note.cc.clone(),
        "object": note,
    }))?;
    delivery::deliver(&mut tx, actor, &update, &inboxes).await?;
    tx.commit().await?;
    Ok(())
}
