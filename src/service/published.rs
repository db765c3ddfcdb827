//! What this instance publishes about its own accounts to peers, read for the ActivityPub
//! documents: outbox pages, follower and following lists, public replies, pinned notes, the
//! tombstones of deleted notes, and the `Follow`s an account sent. Who may read them is the
//! documents' own concern (`activitypub::authorized`).

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::Account;
use crate::store;

/// When the local note at `uri` was deleted, if it was.
pub async fn deleted_at(state: &AppState, uri: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(store::tombstones::deleted_at(&state.db, uri).await?)
}

/// The ids of the public and unlisted replies to a status, at most `limit`.
pub async fn public_reply_uris(
    state: &AppState,
    status_id: i64,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(store::statuses::public_reply_uris(&state.db, status_id, limit).await?)
}

/// A page of an account's outbox (its public posts and boosts), newest first.
pub async fn outbox_page(
    state: &AppState,
    account_id: i64,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<i64>> {
    Ok(store::statuses::outbox_page(&state.db, account_id, max_id, limit).await?)
}

/// A page of the ids of an account's followers (or of those it follows), with the cursor
/// of each row.
pub async fn follow_uris(
    state: &AppState,
    account_id: i64,
    followers: bool,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    Ok(store::accounts::follow_uris(&state.db, account_id, followers, max_id, limit).await?)
}

/// The ids of an account's pinned statuses, newest pin first.
pub async fn pinned_ids(state: &AppState, account_id: i64) -> Result<Vec<i64>> {
    Ok(store::statuses::pinned_ids(&state.db, account_id).await?)
}

/// The account that `follower`'s follow (or follow request) `follow_id` is for; `NotFound`
/// unless `follower` sent it.
pub async fn sent_follow(state: &AppState, follower: &Account, follow_id: i64) -> Result<Account> {
    let (account_id, target_id) = store::relationships::follow_or_request(&state.db, follow_id)
        .await?
        .ok_or(Error::NotFound)?;
    if account_id != follower.id {
        return Err(Error::NotFound);
    }
    store::accounts::by_id(&state.db, target_id)
        .await?
        .ok_or(Error::NotFound)
}
