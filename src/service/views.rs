//! Turning status ids into everything a client shows — authors, boosted originals, mentions,
//! tags, the viewer's own flags — in a fixed handful of queries per page, however long it
//! is, and dropping what the viewer may not see.

use std::collections::{HashMap, HashSet};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, StatusView};
use crate::service::visibility::{may_see, Viewer};
use crate::store;
use crate::store::statuses::StatusRow;

/// The statuses with these ids that `viewer` may see, as views, in the order given: three
/// queries (four when boosts are among them), whatever the number of ids.
pub async fn hydrate(
    state: &AppState,
    viewer: Option<&Account>,
    ids: &[i64],
) -> Result<Vec<StatusView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let viewer_id = viewer.map(|v| v.id);
    let mut conn = state.db.acquire().await?;
    let mut rows: HashMap<i64, StatusRow> = store::statuses::rows_for(&mut *conn, ids, viewer_id)
        .await?
        .into_iter()
        .map(|r| (r.status.id, r))
        .collect();
    let originals: Vec<i64> = rows
        .values()
        .filter_map(|r| r.status.reblog_of_id)
        .filter(|id| !rows.contains_key(id))
        .collect();
    if !originals.is_empty() {
        for r in store::statuses::rows_for(&mut *conn, &originals, viewer_id).await? {
            rows.insert(r.status.id, r);
        }
    }
    let mut account_ids: HashSet<i64> = rows.values().map(|r| r.status.account_id).collect();
    account_ids.extend(rows.values().flat_map(|r| r.mention_ids.iter().copied()));
    let account_ids: Vec<i64> = account_ids.into_iter().collect();
    let accounts: HashMap<i64, Account> = store::accounts::by_ids(&mut *conn, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();

    let mut rules = Viewer {
        account_id: viewer_id,
        suspended: accounts
            .values()
            .filter(|a| a.is_suspended())
            .map(|a| a.id)
            .collect(),
        ..Viewer::default()
    };
    if let Some(v) = viewer {
        let authors: Vec<i64> = rows.values().map(|r| r.status.account_id).collect();
        let all_ids: Vec<i64> = rows.keys().copied().collect();
        let (follows, blocked, mentioned) =
            store::statuses::visibility_facts(&mut conn, v.id, &authors, &all_ids).await?;
        rules.follows = follows.into_iter().collect();
        rules.blocked = blocked.into_iter().collect();
        rules.mentioned_in = mentioned.into_iter().collect();
    }
    let all_ids: Vec<i64> = rows.keys().copied().collect();
    let mut media: HashMap<i64, Vec<crate::model::Media>> = HashMap::new();
    for m in crate::service::media::with_urls(
        state,
        store::media::for_statuses(&mut *conn, &all_ids).await?,
    ) {
        if let Some(status_id) = m.status_id {
            media.entry(status_id).or_default().push(m);
        }
    }
    drop(conn);

    let view_of = |row: &StatusRow| -> Option<StatusView> {
        if !may_see(&rules, &row.status) {
            return None;
        }
        Some(StatusView {
            account: accounts.get(&row.status.account_id)?.clone(),
            mentions: row
                .mention_ids
                .iter()
                .filter_map(|id| accounts.get(id).cloned())
                .collect(),
            tags: row.tag_names.clone(),
            media: media.get(&row.status.id).cloned().unwrap_or_default(),
            reblog: None,
            viewer: viewer.map(|_| row.flags()),
            status: row.status.clone(),
        })
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(row) = rows.get(id) else { continue };
        let Some(mut view) = view_of(row) else {
            continue;
        };
        if let Some(original_id) = row.status.reblog_of_id {
            match rows.get(&original_id).and_then(view_of) {
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
