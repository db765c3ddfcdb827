//! Turning status ids into everything a client shows — authors, boosted originals, mentions,
//! tags, the viewer's own flags — in a fixed handful of queries per page, however long it
//! is, and dropping what the viewer may not see.

use std::collections::{HashMap, HashSet};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Status, StatusView, ViewerFlags};
use crate::service::visibility::{may_see, Viewer};
use crate::store;

/// The statuses with these ids that `viewer` may see, as views, in the order given.
pub async fn hydrate(
    state: &AppState,
    viewer: Option<&Account>,
    ids: &[i64],
) -> Result<Vec<StatusView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = state.db.acquire().await?;
    let mut statuses: HashMap<i64, Status> = store::statuses::by_ids(&mut *conn, ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let originals: Vec<i64> = statuses
        .values()
        .filter_map(|s| s.reblog_of_id)
        .filter(|id| !statuses.contains_key(id))
        .collect();
    if !originals.is_empty() {
        for s in store::statuses::by_ids(&mut *conn, &originals).await? {
            statuses.insert(s.id, s);
        }
    }
    let all_ids: Vec<i64> = statuses.keys().copied().collect();
    let mentions = store::statuses::mentions_of(&mut *conn, &all_ids).await?;
    let tags = store::statuses::tags_of(&mut *conn, &all_ids).await?;

    let mut account_ids: HashSet<i64> = statuses.values().map(|s| s.account_id).collect();
    account_ids.extend(mentions.iter().map(|(_, a)| *a));
    let account_ids: Vec<i64> = account_ids.into_iter().collect();
    let accounts: HashMap<i64, Account> = store::accounts::by_ids(&mut *conn, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();

    let mut rules = Viewer {
        account_id: viewer.map(|v| v.id),
        suspended: accounts
            .values()
            .filter(|a| a.is_suspended())
            .map(|a| a.id)
            .collect(),
        ..Viewer::default()
    };
    let mut flags: HashMap<i64, ViewerFlags> = HashMap::new();
    if let Some(v) = viewer {
        let authors: Vec<i64> = statuses.values().map(|s| s.account_id).collect();
        let (follows, blocked, mentioned) =
            store::statuses::visibility_facts(&mut conn, v.id, &authors, &all_ids).await?;
        rules.follows = follows.into_iter().collect();
        rules.blocked = blocked.into_iter().collect();
        rules.mentioned_in = mentioned.into_iter().collect();
        flags = store::statuses::viewer_flags(&mut *conn, v.id, &all_ids)
            .await?
            .into_iter()
            .map(|f| (f.status_id, f))
            .collect();
    }
    drop(conn);

    let mut mentions_by_status: HashMap<i64, Vec<Account>> = HashMap::new();
    for (status_id, account_id) in &mentions {
        if let Some(a) = accounts.get(account_id) {
            mentions_by_status
                .entry(*status_id)
                .or_default()
                .push(a.clone());
        }
    }
    let mut tags_by_status: HashMap<i64, Vec<String>> = HashMap::new();
    for (status_id, name) in tags {
        tags_by_status.entry(status_id).or_default().push(name);
    }

    let view_of = |status: &Status| -> Option<StatusView> {
        if !may_see(&rules, status) {
            return None;
        }
        Some(StatusView {
            account: accounts.get(&status.account_id)?.clone(),
            mentions: mentions_by_status
                .get(&status.id)
                .cloned()
                .unwrap_or_default(),
            tags: tags_by_status.get(&status.id).cloned().unwrap_or_default(),
            reblog: None,
            viewer: viewer.map(|_| flags.get(&status.id).copied().unwrap_or_default()),
            status: status.clone(),
        })
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(status) = statuses.get(id) else {
            continue;
        };
        let Some(mut view) = view_of(status) else {
            continue;
        };
        if let Some(original_id) = status.reblog_of_id {
            match statuses.get(&original_id).and_then(view_of) {
                Some(original) => view.reblog = Some(Box::new(original)),
                None => continue,
            }
        }
        out.push(view);
    }
    Ok(out)
}

/// One status as `viewer` sees it, or 404 (also when they may not see it: a 403 would
/// confirm it exists).
pub async fn one(state: &AppState, viewer: Option<&Account>, id: i64) -> Result<StatusView> {
    hydrate(state, viewer, &[id])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}
