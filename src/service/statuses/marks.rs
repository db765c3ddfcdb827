//! Marks a viewer puts on statuses (bookmarks, pins, muted conversations) and what only
//! their author reads of them (the source text, the history of edits).

use super::{own_status, target, MAX_PINS};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Status, StatusView, Visibility};
use crate::service::{media, views};
use crate::{id, store};

/// Bookmarks (`on`) or un-bookmarks a status.
pub async fn bookmark(state: &AppState, actor: &Account, id: i64, on: bool) -> Result<StatusView> {
    let view = target(state, actor, id).await?;
    if on {
        store::reactions::set_mark(
            &state.db,
            store::reactions::Mark::Bookmark,
            id::next(),
            actor.id,
            view.status.id,
        )
        .await?;
    } else {
        store::reactions::clear_mark(
            &state.db,
            store::reactions::Mark::Bookmark,
            actor.id,
            view.status.id,
        )
        .await?;
    }
    views::one(state, Some(actor), view.status.id).await
}

/// Pins (`on`) or unpins one's own public or unlisted status; five at most.
pub async fn pin(state: &AppState, actor: &Account, id: i64, on: bool) -> Result<StatusView> {
    let status = own_status(state, actor, id).await?;
    if on {
        if status.is_reblog()
            || !matches!(status.visibility, Visibility::Public | Visibility::Unlisted)
        {
            return Err(Error::unprocessable(
                "Validation failed: Only your own public or unlisted posts can be pinned",
            ));
        }
        let mut tx = state.db.begin().await?;
        let pinned = store::statuses::viewer_flags(&mut *tx, actor.id, &[status.id]).await?;
        if !pinned.first().is_some_and(|f| f.pinned) {
            if store::reactions::count_pins(&mut *tx, actor.id).await? >= MAX_PINS {
                return Err(Error::unprocessable(
                    "Validation failed: You have already pinned the maximum number of posts",
                ));
            }
            store::reactions::set_mark(
                &mut *tx,
                store::reactions::Mark::Pin,
                id::next(),
                actor.id,
                status.id,
            )
            .await?;
        }
        tx.commit().await?;
    } else {
        store::reactions::clear_mark(&state.db, store::reactions::Mark::Pin, actor.id, status.id)
            .await?;
    }
    views::one(state, Some(actor), status.id).await
}

/// Mutes (`on`) or unmutes the conversation of a status: no more notifications from it.
pub async fn mute_conversation(
    state: &AppState,
    actor: &Account,
    id: i64,
    on: bool,
) -> Result<StatusView> {
    let view = target(state, actor, id).await?;
    if on {
        store::reactions::mute_conversation(&state.db, actor.id, view.status.conversation_id)
            .await?;
    } else {
        store::reactions::unmute_conversation(&state.db, actor.id, view.status.conversation_id)
            .await?;
    }
    views::one(state, Some(actor), view.status.id).await
}

/// The text of one's own status as it was typed, for editing. A status the caller may see
/// but did not write is forbidden, not missing: it exists for them.
pub async fn source(state: &AppState, actor: &Account, id: i64) -> Result<Status> {
    let view = views::one(state, Some(actor), id).await?;
    if view.status.account_id != actor.id {
        return Err(Error::forbidden("This action is not allowed"));
    }
    Ok(view.status)
}

/// The versions of a status, oldest first, the current one last, with the attachments each
/// earlier version had.
pub async fn history(
    state: &AppState,
    viewer: Option<&Account>,
    id: i64,
) -> Result<(
    StatusView,
    Vec<crate::model::StatusEdit>,
    Vec<Vec<crate::model::Media>>,
)> {
    let view = views::one(state, viewer, id).await?;
    let mut edits = store::statuses::edits(&state.db, view.status.id).await?;
    let domain = view.account.domain.as_deref();
    let mut emojis = crate::service::emojis::for_statuses(
        &state.db,
        edits.iter().enumerate().map(|(i, e)| {
            (
                i as i64,
                domain,
                [e.content.as_str(), e.spoiler_text.as_str()],
            )
        }),
    )
    .await?;
    for (i, edit) in edits.iter_mut().enumerate() {
        edit.emojis = emojis.remove(&(i as i64)).unwrap_or_default();
    }
    let media = media::edit_versions(state, view.status.id).await?;
    Ok((view, edits, media))
}
