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

/// The statuses with these ids that `viewer` may see, as views, in the order given: two
/// queries (statuses with boosted originals, flags and relationship facts; then their authors
/// and mentioned accounts), whatever the number of ids, and one more each only when the page
/// needs it: attachments, the viewer's keyword filters, follows of silenced authors.
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
    let rows: HashMap<i64, StatusRow> = store::statuses::rows_for(&mut *conn, ids, viewer_id)
        .await?
        .into_iter()
        .map(|r| (r.status.id, r))
        .collect();
    let mut account_ids: HashSet<i64> = rows.values().map(|r| r.status.account_id).collect();
    account_ids.extend(rows.values().flat_map(|r| r.mention_ids.iter().copied()));
    let account_ids: Vec<i64> = account_ids.into_iter().collect();
    let accounts: HashMap<i64, Account> = store::accounts::by_ids(&mut *conn, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    drop(conn);

    let mut rules = Viewer {
        account_id: viewer_id,
        suspended: accounts
            .values()
            .filter(|a| a.is_suspended())
            .map(|a| a.id)
            .collect(),
        silenced: accounts
            .values()
            .filter(|a| a.silenced_at.is_some())
            .map(|a| a.id)
            .collect(),
        ..Viewer::default()
    };
    if let Some(me) = viewer_id {
        // The rows tell whether the viewer follows the authors of followers-only posts; a
        // silenced author's public posts need the same answer.
        let silenced: Vec<i64> = rules.silenced.iter().copied().collect();
        if !silenced.is_empty() {
            let mut conn = state.db.acquire().await?;
            let (follows, _, _) =
                store::statuses::visibility_facts(&mut conn, me, &silenced, &[]).await?;
            rules.follows.extend(follows);
        }
        for row in rows.values() {
            let author = row.status.account_id;
            if row.follows_author {
                rules.follows.insert(author);
            }
            if row.blocks_either_way {
                rules.blocked.insert(author);
            }
            if row.mention_ids.contains(&me) {
                rules.mentioned_in.insert(row.status.id);
            }
        }
    }
    // Attachments only for the statuses that have some (the rows say which): most pages of
    // text cost no query for them.
    let with_media: Vec<i64> = rows
        .values()
        .filter(|r| r.has_media)
        .map(|r| r.status.id)
        .collect();
    let mut media: HashMap<i64, Vec<crate::model::Media>> = HashMap::new();
    if !with_media.is_empty() {
        let found = store::media::for_statuses(&state.db, &with_media).await?;
        for m in crate::service::media::with_urls(state, found) {
            if let Some(status_id) = m.status_id {
                media.entry(status_id).or_default().push(m);
            }
        }
    }

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
            filtered: Vec::new(),
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
    if rows.values().any(|r| r.viewer_has_filters) {
        crate::service::moderation::filters::apply(state, viewer, &mut out).await?;
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
