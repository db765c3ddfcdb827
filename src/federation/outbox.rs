//! Handing activities to the delivery queue: one function, one `deliver` job per distinct
//! inbox, persisted in the caller's transaction so the activity exists exactly when the action
//! that caused it does.

use serde_json::Value;
use sqlx::PgConnection;

use crate::error::Result;
use crate::jobs;
use crate::model::Account;

/// Queues `activity`, signed by `signer`, for each of `inboxes`: one `deliver` job per distinct
/// inbox (duplicates, empty and unparsable ones dropped), none for hosts marked unavailable
/// (`service::delivery`). Every delivery is queued here, so this is the one place to decide
/// that a host gets nothing.
pub async fn deliver(
    db: &mut PgConnection,
    signer: &Account,
    activity: &Value,
    inboxes: &[String],
) -> Result<()> {
    let inboxes = &crate::service::moderation::domains::deliverable(db, inboxes).await?;
    let mut seen = std::collections::HashSet::new();
    let mut targets: Vec<(&str, String)> = Vec::new();
    for inbox in inboxes.iter().map(String::as_str).filter(|i| !i.is_empty()) {
        if !seen.insert(inbox) {
            continue;
        }
        match crate::service::delivery::host_of(inbox) {
            Some(host) => targets.push((inbox, host)),
            None => tracing::info!(inbox, "not delivering to an inbox that is not a URL"),
        }
    }
    if targets.is_empty() {
        return Ok(());
    }
    let hosts: Vec<String> = targets.iter().map(|(_, h)| h.clone()).collect();
    let unavailable = crate::store::delivery_hosts::unavailable_among(&mut *db, &hosts).await?;
    // Serialised once and stored once: every job sends and signs these very bytes.
    let body = serde_json::to_string(activity).map_err(anyhow::Error::from)?;
    let jobs: Vec<(i64, String, Value)> = targets
        .into_iter()
        .filter(|(inbox, host)| {
            let skip = unavailable.contains(host);
            if skip {
                tracing::debug!(inbox, "not delivering to an unavailable host");
            }
            !skip
        })
        .map(|(inbox, host)| {
            let payload = jobs::deliver::payload_with_key(signer, inbox);
            (crate::id::next(), host, payload)
        })
        .collect();
    crate::store::jobs::enqueue_many_for_hosts(
        db,
        jobs::deliver::KIND,
        jobs::deliver::MAX_ATTEMPTS,
        chrono::Utc::now(),
        Some(crate::store::jobs::SharedBody {
            id: crate::id::next(),
            body: &body,
        }),
        &jobs,
    )
    .await?;
    Ok(())
}

/// Where to deliver to a remote account: its shared inbox when it has one.
pub fn inbox_of(account: &Account) -> String {
    account
        .shared_inbox_url
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| account.inbox_url.clone())
}

/// The inboxes a status goes to: the author's remote followers (not for direct messages)
/// and every mentioned remote account.
pub async fn audience(
    db: &mut PgConnection,
    author: &Account,
    mentions: &[std::sync::Arc<Account>],
    visibility: crate::model::Visibility,
) -> Result<Vec<String>> {
    let mut inboxes = if visibility == crate::model::Visibility::Direct {
        Vec::new()
    } else {
        crate::store::accounts::remote_follower_inboxes(&mut *db, author.id).await?
    };
    inboxes.extend(
        mentions
            .iter()
            .filter(|m| !m.is_local())
            .map(|m| inbox_of(m)),
    );
    Ok(inboxes)
}

/// An activity with its `@context`, ready to send.
pub fn with_context<T: serde::Serialize>(activity: T) -> Result<Value> {
    serde_json::to_value(crate::federation::vocab::WithContext::new(activity))
        .map_err(|e| crate::error::Error::Internal(e.into()))
}
