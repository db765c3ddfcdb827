//! Direct-message conversations (Mastodon's `/api/v1/conversations`): each local participant
//! keeps one per set of other participants, kept current by every direct status, local or
//! federated, through [`record`] in the status lifecycle. The REST list and the `direct`
//! stream render the same [`ConversationView`].

use std::collections::{HashMap, HashSet};

use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Conversation, Page, StatusView};
use crate::service::views;
use crate::{id, store};

/// A conversation as its owner sees it.
pub struct ConversationView {
    pub id: i64,
    pub unread: bool,
    /// The other participants.
    pub accounts: Vec<Account>,
    /// `None` when the owner may no longer see it (its author blocked since, say).
    pub last_status: Option<StatusView>,
}

/// A page of conversations with its (newest, oldest) paging ids: last statuses' ids.
pub struct ConversationPage {
    pub conversations: Vec<ConversationView>,
    pub cursors: Option<(i64, i64)>,
}

/// Puts a new direct status into the conversations of its local participants (its author and
/// the mentioned), in the transaction that stores it: unread for everyone but the author.
/// A participant who blocks the author, or is blocked by them, is left out.
pub async fn record(
    tx: &mut PgConnection,
    author: i64,
    status_id: i64,
    mentions: &[i64],
) -> Result<()> {
    let mut participants: Vec<i64> = mentions.to_vec();
    participants.push(author);
    participants.sort_unstable();
    participants.dedup();
    for owner in store::conversations::local_among(&mut *tx, &participants).await? {
        if owner != author
            && store::relationships::blocked_either_way(&mut *tx, owner, author).await?
        {
            continue;
        }
        let others: Vec<i64> = participants
            .iter()
            .copied()
            .filter(|p| *p != owner)
            .collect();
        store::conversations::add_status(
            &mut *tx,
            id::next(),
            owner,
            &others,
            status_id,
            owner != author,
        )
        .await?;
    }
    Ok(())
}

/// Takes a status being deleted out of the conversations holding it.
pub async fn forget_status(tx: &mut PgConnection, status_id: i64) -> Result<()> {
    Ok(store::conversations::remove_status(tx, status_id).await?)
}

/// `viewer`'s conversations, by last status, newest first.
pub async fn list(state: &AppState, viewer: &Account, page: &Page) -> Result<ConversationPage> {
    let rows = store::conversations::page(&state.db, viewer.id, page).await?;
    let cursors = rows
        .first()
        .zip(rows.last())
        .map(|(f, l)| (f.last_status_id, l.last_status_id));
    Ok(ConversationPage {
        conversations: view(state, viewer, rows).await?,
        cursors,
    })
}

/// Marks `viewer`'s conversation `id` read; others' conversations are not found.
pub async fn mark_read(state: &AppState, viewer: &Account, id: i64) -> Result<ConversationView> {
    if !store::conversations::mark_read(&state.db, viewer.id, id).await? {
        return Err(Error::NotFound);
    }
    let row = store::conversations::of_account(&state.db, viewer.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    view(state, viewer, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Deletes `viewer`'s conversation `id` for them alone (the statuses stay).
pub async fn delete(state: &AppState, viewer: &Account, id: i64) -> Result<()> {
    if store::conversations::delete(&state.db, viewer.id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The conversations holding `status_id`, each as its owner (one of `owners`) sees it, by
/// owner: what the `direct` stream sends when the status arrives.
pub async fn holding(
    state: &AppState,
    owners: &[Account],
    status_id: i64,
) -> Result<HashMap<i64, ConversationView>> {
    let ids: Vec<i64> = owners.iter().map(|o| o.id).collect();
    let rows = store::conversations::holding(&state.db, &ids, status_id).await?;
    let mut out = HashMap::new();
    for row in rows {
        let Some(owner) = owners.iter().find(|o| o.id == row.account_id) else {
            continue;
        };
        if let Some(v) = view(state, owner, vec![row]).await?.pop() {
            out.insert(owner.id, v);
        }
    }
    Ok(out)
}

/// Views of `owner`'s conversations: participants and last statuses, in two queries.
async fn view(
    state: &AppState,
    owner: &Account,
    rows: Vec<Conversation>,
) -> Result<Vec<ConversationView>> {
    let account_ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| r.participant_ids.iter().copied())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let accounts: HashMap<i64, Account> = store::accounts::by_ids(&state.db, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let last_ids: Vec<i64> = rows.iter().map(|r| r.last_status_id).collect();
    let mut statuses: HashMap<i64, StatusView> = views::hydrate(state, Some(owner), &last_ids)
        .await?
        .into_iter()
        .map(|v| (v.status.id, v))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| ConversationView {
            id: row.id,
            unread: row.unread,
            accounts: row
                .participant_ids
                .iter()
                .filter_map(|p| accounts.get(p).cloned())
                .collect(),
            last_status: statuses.remove(&row.last_status_id),
        })
        .collect())
}
