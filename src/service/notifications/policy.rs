//! The notification policy (Mastodon 4.3): what happens to notifications from senders the
//! recipient does not follow, that do not follow them, that are new or limited, and to
//! unsolicited private mentions. Filtered notifications wait in a request per sender; the
//! recipient accepts it (its notifications join the normal list, and the sender is let
//! through from then on) or dismisses it (its notifications are dropped).

use std::collections::HashMap;

use chrono::Utc;
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::notification_policy::{
    NotificationPolicy, NotificationRequest, PolicyAction, PolicySummary, SenderFacts,
};
use crate::model::{Account, NotificationType, Page, StatusView};
use crate::store;

/// What `recipient`'s policy does with a notification of `kind` from `from` about
/// `status_id`; `None` when the recipient is not local or the sender does not exist (nothing
/// is recorded then).
pub(super) async fn judge(
    db: &mut PgConnection,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
) -> Result<Option<PolicyAction>> {
    let Some(policy) = store::notification_policies::of_local(&mut *db, recipient).await? else {
        return Ok(None);
    };
    if !kind.filterable() {
        return Ok(Some(PolicyAction::Accept));
    }
    let Some(sender) = store::notification_policies::sender(&mut *db, recipient, from).await?
    else {
        return Ok(None);
    };
    let unsolicited_private_mention = match (kind, status_id) {
        (NotificationType::Mention, Some(status)) => {
            store::notification_policies::unsolicited_private_mention(
                &mut *db, status, recipient, from,
            )
            .await?
        }
        _ => false,
    };
    let facts = SenderFacts {
        followed: sender.followed,
        follower_since: sender.follower_since,
        sender_created_at: sender.created_at,
        sender_limited: sender.limited,
        permitted: sender.permitted,
        unsolicited_private_mention,
    };
    Ok(Some(policy.decide(kind, &facts, Utc::now())))
}

/// `owner`'s policy and what waits in it.
pub async fn get(state: &AppState, owner: &Account) -> Result<(NotificationPolicy, PolicySummary)> {
    let policy = store::notification_policies::of_local(&state.db, owner.id)
        .await?
        .unwrap_or_default();
    let summary = store::notification_policies::summary(&state.db, owner.id).await?;
    Ok((policy, summary))
}

/// Changes to a policy: the criteria given, the others kept.
#[derive(Default)]
pub struct PolicyChange {
    pub for_not_following: Option<PolicyAction>,
    pub for_not_followers: Option<PolicyAction>,
    pub for_new_accounts: Option<PolicyAction>,
    pub for_private_mentions: Option<PolicyAction>,
    pub for_limited_accounts: Option<PolicyAction>,
}

/// Applies `change` to `owner`'s policy (it applies to notifications from now on) and
/// returns the result.
pub async fn update(
    state: &AppState,
    owner: &Account,
    change: PolicyChange,
) -> Result<(NotificationPolicy, PolicySummary)> {
    let mut tx = state.db.begin().await?;
    let mut policy = store::notification_policies::of_local(&mut *tx, owner.id)
        .await?
        .ok_or(Error::NotFound)?;
    let fields = [
        (&mut policy.for_not_following, change.for_not_following),
        (&mut policy.for_not_followers, change.for_not_followers),
        (&mut policy.for_new_accounts, change.for_new_accounts),
        (
            &mut policy.for_private_mentions,
            change.for_private_mentions,
        ),
        (
            &mut policy.for_limited_accounts,
            change.for_limited_accounts,
        ),
    ];
    for (field, new) in fields {
        if let Some(new) = new {
            *field = new;
        }
    }
    store::notification_policies::save(&mut *tx, owner.id, &policy).await?;
    tx.commit().await?;
    let summary = store::notification_policies::summary(&state.db, owner.id).await?;
    Ok((policy, summary))
}

/// A request as its owner sees it: its sender and latest status.
pub struct RequestView {
    pub request: NotificationRequest,
    pub account: Account,
    /// `None` when it had none, or the owner may no longer see it.
    pub last_status: Option<StatusView>,
}

/// A page of `owner`'s pending requests with their raw paging ids.
pub async fn requests(
    state: &AppState,
    owner: &Account,
    page: &Page,
) -> Result<(Vec<RequestView>, Option<(i64, i64)>)> {
    let rows = store::notification_policies::requests(&state.db, owner.id, page).await?;
    let cursors = rows.first().zip(rows.last()).map(|(f, l)| (f.id, l.id));
    Ok((views(state, owner, rows).await?, cursors))
}

/// One of `owner`'s pending requests; another's, or one with nothing left, is not found.
pub async fn request(state: &AppState, owner: &Account, id: i64) -> Result<RequestView> {
    let row = store::notification_policies::request(&state.db, owner.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    views(state, owner, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

async fn views(
    state: &AppState,
    owner: &Account,
    rows: Vec<NotificationRequest>,
) -> Result<Vec<RequestView>> {
    let account_ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let accounts: HashMap<i64, Account> = store::accounts::by_ids(&state.db, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let status_ids: Vec<i64> = rows.iter().filter_map(|r| r.last_status_id).collect();
    let statuses: HashMap<i64, StatusView> =
        crate::service::views::hydrate(state, Some(owner), &status_ids)
            .await?
            .into_iter()
            .map(|v| (v.status.id, v))
            .collect();
    Ok(rows
        .into_iter()
        .filter_map(|request| {
            let account = accounts.get(&request.from_account_id)?.clone();
            let last_status = request
                .last_status_id
                .and_then(|id| statuses.get(&id).cloned());
            Some(RequestView {
                request,
                account,
                last_status,
            })
        })
        .collect())
}

/// Accepts `owner`'s requests `ids`: their notifications join the normal list and their
/// senders are let through from now on. With `strict`, an id that is not a pending request
/// of `owner` is not found (one request); otherwise such ids are skipped (several at once,
/// as Mastodon).
pub async fn accept(state: &AppState, owner: &Account, ids: &[i64], strict: bool) -> Result<()> {
    let mut tx = state.db.begin().await?;
    let senders = store::notification_policies::request_senders(&mut *tx, owner.id, ids).await?;
    if strict && senders.is_empty() {
        return Err(Error::NotFound);
    }
    let accepted = !senders.is_empty();
    for from in senders {
        store::notification_policies::accept_sender(&mut tx, owner.id, from).await?;
    }
    if accepted {
        crate::service::streaming::notifications_merged(&mut *tx, owner.id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Dismisses `owner`'s requests `ids`: their filtered notifications are dropped. `strict` as
/// for [`accept`].
pub async fn dismiss(state: &AppState, owner: &Account, ids: &[i64], strict: bool) -> Result<()> {
    let mut tx = state.db.begin().await?;
    let senders = store::notification_policies::request_senders(&mut *tx, owner.id, ids).await?;
    if strict && senders.is_empty() {
        return Err(Error::NotFound);
    }
    for from in senders {
        store::notification_policies::dismiss_sender(&mut tx, owner.id, from).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the notifications of every accepted request are in `owner`'s normal list.
/// Rookery moves them within the accepting request, so a client polling this after an
/// accept finds them merged.
pub async fn merged(state: &AppState, owner: &Account) -> Result<bool> {
    Ok(store::notification_policies::merged(&state.db, owner.id).await?)
}
