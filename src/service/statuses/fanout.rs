//! The part of posting that can wait: feeds (followers' and hashtag followers'), followers'
//! notifications, delivery to peers.

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, NotificationType, Visibility};
use crate::service::{delivery, notifications, views};
use crate::store;

/// The part of a new status (or boost) that can wait, run by the `fanout` job its creation
/// queued: it goes into its audience's home feeds and lists, followers who asked to hear of every post
/// are notified, and a local author's post is delivered to peers. A status deleted meanwhile
/// is left alone.
pub async fn fan_out(state: &AppState, status_id: i64) -> Result<()> {
    // Deleted meanwhile: nothing to do.
    let Some(status) = store::statuses::by_id(&state.db, status_id).await? else {
        return Ok(());
    };
    let origin_author = match status.reblog_of_id {
        Some(original) => store::statuses::by_id(&state.db, original)
            .await?
            .map(|o| o.account_id),
        None => None,
    };
    if status.reblog_of_id.is_some() && origin_author.is_none() {
        return Ok(());
    }
    let fan_out = store::feeds::FanOut {
        status_id,
        author_id: status.account_id,
        origin_author_id: origin_author,
        in_reply_to_account_id: status.in_reply_to_account_id,
        language: status.language.as_deref(),
        direct: status.visibility == Visibility::Direct,
        conversation_id: status.conversation_id,
    };
    let reached = store::feeds::fan_out(&state.db, &fan_out).await?;
    let lists = store::lists::fan_out(&state.db, &fan_out).await?;
    // People who follow one of its hashtags see a public post too, as on Mastodon.
    let tagged = store::feeds::fan_out_to_tag_followers(&state.db, status_id).await?;
    tracing::debug!(feeds = reached, lists, tagged, "fanned out");
    crate::service::streaming::status_in_feeds(&state.db, status_id).await?;
    let is_own_thread = status
        .in_reply_to_account_id
        .is_none_or(|a| a == status.account_id);
    if status.reblog_of_id.is_none() && is_own_thread && status.visibility != Visibility::Direct {
        for follower in store::feeds::notify_followers(&state.db, status.account_id).await? {
            notifications::notify(
                state.db.acquire().await?,
                follower,
                status.account_id,
                NotificationType::Status,
                Some(status.id),
            )
            .await?;
        }
    }
    if let Some(author) = store::accounts::by_id(&state.db, status.account_id).await? {
        if author.is_local() {
            federate(state, &author, status_id).await?;
        }
    }
    Ok(())
}

/// Sends a local status (`Create`) or boost (`Announce`) to its remote audience.
async fn federate(state: &AppState, author: &Account, status_id: i64) -> Result<()> {
    use crate::federation::{convert, outbox};
    let Ok(view) = views::one(state, Some(author), status_id).await else {
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    let (activity, inboxes) = match &view.reblog {
        Some(original) => {
            let announce = convert::announce(&view.status, author, &original.status.uri);
            let mut inboxes =
                delivery::audience(&mut tx, author, &[], view.status.visibility).await?;
            if !original.account.is_local() {
                inboxes.push(delivery::inbox_of(&original.account));
            }
            (outbox::with_context(announce)?, inboxes)
        }
        None => {
            let parent = store::statuses::parent_uri(&mut *tx, &view.status).await?;
            let create = convert::create(&view, parent, &state.base_url());
            let inboxes =
                delivery::audience(&mut tx, author, &view.mentions, view.status.visibility).await?;
            (outbox::with_context(create)?, inboxes)
        }
    };
    delivery::deliver(&mut tx, author, &activity, &inboxes).await?;
    tx.commit().await?;
    Ok(())
}
