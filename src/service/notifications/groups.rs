//! Grouped notifications (Mastodon 4.3's `/api/v2/notifications`): favourites and boosts of
//! one status, and follows, within a span of hours, shown as one group with a count and
//! sample senders. Every notification carries its group key from the moment it is stored
//! (see [`super::notify`]); here pages of groups are read back, one query for the page and
//! one for what its groups hold.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{views_on, NotificationFilter, NotificationView};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::notification::{shown_group_key, GroupData};
use crate::model::{Account, NotificationType, Page};
use crate::service::relationships::{AccountPage, ListedAccount};
use crate::store;
use crate::store::notifications::GroupScope;

/// How many senders a group names.
pub const SAMPLE_ACCOUNTS: i64 = 8;

/// Which groups to read: the filter of single notifications, and the types grouped (all
/// groupable ones when empty; names that are not groupable are ignored).
#[derive(Default)]
pub struct GroupFilter {
    pub notifications: NotificationFilter,
    pub grouped_types: Vec<String>,
}

impl GroupFilter {
    fn grouped_types(&self) -> Vec<String> {
        NotificationType::GROUPABLE
            .iter()
            .map(|t| t.as_str().to_string())
            .filter(|t| self.grouped_types.is_empty() || self.grouped_types.contains(t))
            .collect()
    }
}

/// Where a group's notifications lie within a page.
pub struct PageData {
    /// The group's oldest notification within the page.
    pub min_id: i64,
    /// Its newest within the page.
    pub max_id: i64,
    pub latest_at: DateTime<Utc>,
}

/// One group as its owner sees it.
pub struct GroupView {
    pub group_key: String,
    pub notifications_count: i64,
    pub most_recent_notification_id: i64,
    /// The senders of its newest notifications, newest first, as the account cache holds
    /// them (so their JSON can be kept between answers).
    pub sample_accounts: Vec<Arc<Account>>,
    /// Present when the group was read as part of a page.
    pub page: Option<PageData>,
    /// Its newest notification in the page, with its status or report (shared by the group).
    pub latest: NotificationView,
}

/// A page of groups, newest first, with the ids of its first and last representative
/// notifications for paging.
pub struct GroupPage {
    pub groups: Vec<GroupView>,
    pub cursors: Option<(i64, i64)>,
}

/// A page of `owner`'s notification groups. `page.limit` counts groups. Groups whose latest
/// notification is about a status the owner may no longer see are left out, as on v1.
pub async fn page(
    state: &AppState,
    owner: &Account,
    filter: &GroupFilter,
    page: &Page,
) -> Result<GroupPage> {
    let types = filter.notifications.allowed_types(owner);
    let grouped_types = filter.grouped_types();
    let scope = GroupScope {
        account_id: owner.id,
        types: &types,
        from_account: filter.notifications.account_id,
        grouped_types: &grouped_types,
        include_filtered: filter.notifications.include_filtered,
    };
    // One connection for the whole page, handed back without sqlx's return round trip.
    let mut conn = state.kept.acquire().await?;
    let rows = store::notifications::group_page(&mut conn, &scope, page).await?;
    let cursors = rows.first().zip(rows.last()).map(|(f, l)| (f.id, l.id));
    let Some((newest, oldest)) = cursors else {
        conn.keep();
        return Ok(GroupPage {
            groups: Vec::new(),
            cursors: None,
        });
    };
    // The range the page covers, as Mastodon computes it: an incomplete page is the last
    // one in its direction, so it reaches to the bound asked for (or to the end).
    let (lowest, highest) = if (rows.len() as i64) < page.limit {
        if page.ascending() {
            (Some(oldest), page.max_id.map(|m| m - 1))
        } else {
            (page.lower().map(|s| s + 1), Some(newest))
        }
    } else {
        (Some(oldest), Some(newest))
    };
    let range = Range {
        lowest,
        highest,
        paged: true,
    };
    let groups = assemble(state, &mut conn, owner, rows, &grouped_types, range).await?;
    conn.keep();
    Ok(GroupPage { groups, cursors })
}

/// The notifications a group's figures are taken over: ids in `lowest..=highest`
/// (unbounded where `None`); `paged` when the group was read as part of a page.
struct Range {
    lowest: Option<i64>,
    highest: Option<i64>,
    paged: bool,
}

/// Builds the views of groups represented by `rows` (one notification each), counting
/// their notifications within `range`. Three queries whatever the page's size: the groups'
/// figures, then (with the caches warm) the viewer's facts about the statuses, the senders
/// and sample accounts coming from the caches timelines use.
async fn assemble(
    state: &AppState,
    conn: &mut PgConnection,
    owner: &Account,
    rows: Vec<crate::model::notification::Notification>,
    grouped_types: &[String],
    range: Range,
) -> Result<Vec<GroupView>> {
    let Range {
        lowest,
        highest,
        paged,
    } = range;
    let grouped = |n: &crate::model::notification::Notification| {
        n.group_key
            .clone()
            .filter(|_| grouped_types.contains(&n.kind))
    };
    let keys: Vec<String> = rows.iter().filter_map(grouped).collect();
    let data: HashMap<String, GroupData> = if keys.is_empty() {
        HashMap::new()
    } else {
        store::notifications::groups_data(
            &mut *conn,
            owner.id,
            &keys,
            lowest,
            highest,
            SAMPLE_ACCOUNTS,
        )
        .await?
        .into_iter()
        .map(|d| (d.group_key.clone(), d))
        .collect()
    };
    let sample_ids: Vec<i64> = data
        .values()
        .flat_map(|d| d.sample_account_ids.iter().copied())
        .collect();
    let keyed: Vec<(Option<String>, i64)> = rows.iter().map(|n| (grouped(n), n.id)).collect();
    let (views, samples) = views_on(state, conn, owner, rows, &sample_ids).await?;
    // The views follow the rows' order, without those that cannot be shown.
    let mut views = views.into_iter().peekable();
    Ok(keyed
        .into_iter()
        .filter_map(|(key, id)| {
            let latest = views.next_if(|v| v.notification.id == id)?;
            let n = &latest.notification;
            let group = match key.and_then(|k| data.get(&k)) {
                Some(d) => GroupView {
                    group_key: d.group_key.clone(),
                    notifications_count: d.notifications_count,
                    most_recent_notification_id: d.most_recent_id.unwrap_or(n.id),
                    sample_accounts: d
                        .sample_account_ids
                        .iter()
                        .filter_map(|a| samples.get(a).cloned())
                        .collect(),
                    page: paged.then(|| PageData {
                        min_id: d.page_min_id.unwrap_or(n.id),
                        max_id: d.most_recent_id.unwrap_or(n.id),
                        latest_at: d.latest_at.unwrap_or(n.created_at),
                    }),
                    latest,
                },
                None => GroupView {
                    group_key: shown_group_key(n.id, None),
                    notifications_count: 1,
                    most_recent_notification_id: n.id,
                    // The cache's own entry, unless the view changed it (a move's `moved`).
                    sample_accounts: vec![match samples.get(&n.from_account_id) {
                        Some(a) if n.kind != NotificationType::Move.as_str() => a.clone(),
                        _ => Arc::new(latest.account.clone()),
                    }],
                    page: paged.then_some(PageData {
                        min_id: n.id,
                        max_id: n.id,
                        latest_at: n.created_at,
                    }),
                    latest,
                },
            };
            Some(group)
        })
        .collect())
}

/// A group key as clients send it: `ungrouped-<id>` names one notification, anything else a
/// group.
enum Key<'a> {
    Single(i64),
    Group(&'a str),
}

fn parse_key(key: &str) -> Result<Key<'_>> {
    match key.strip_prefix("ungrouped-") {
        Some(id) => crate::id::parse(id).map(Key::Single).ok_or(Error::NotFound),
        None if key.is_empty() => Err(Error::NotFound),
        None => Ok(Key::Group(key)),
    }
}

/// One of `owner`'s groups, counted over all its notifications.
pub async fn get(state: &AppState, owner: &Account, key: &str) -> Result<GroupView> {
    let row = match parse_key(key)? {
        Key::Single(id) => super::get(state, owner, id).await?.notification,
        Key::Group(key) => store::notifications::latest_in_group(&state.db, owner.id, key)
            .await?
            .filter(|n| {
                owner.role() >= Some(crate::model::Role::Moderator)
                    || !NotificationType::parse(&n.kind).is_some_and(NotificationType::is_admin)
            })
            .ok_or(Error::NotFound)?,
    };
    let grouped = GroupFilter::default().grouped_types();
    let range = Range {
        lowest: None,
        highest: None,
        paged: false,
    };
    let mut conn = state.kept.acquire().await?;
    let mut group = assemble(state, &mut conn, owner, vec![row], &grouped, range).await?;
    conn.keep();
    group.pop().ok_or(Error::NotFound)
}

/// The senders of a group's notifications, newest first, paged by notification id.
pub async fn accounts(
    state: &AppState,
    owner: &Account,
    key: &str,
    page: &Page,
) -> Result<AccountPage> {
    let rows = match parse_key(key)? {
        Key::Single(id) => {
            let single = super::get(state, owner, id).await?;
            let inside = page.max_id.is_none_or(|m| id < m) && page.lower().is_none_or(|l| id > l);
            if inside {
                vec![single.notification]
            } else {
                Vec::new()
            }
        }
        Key::Group(key) => {
            if store::notifications::latest_in_group(&state.db, owner.id, key)
                .await?
                .is_none()
            {
                return Err(Error::NotFound);
            }
            store::notifications::group_members(&state.db, owner.id, key, page).await?
        }
    };
    let cursors = rows.first().zip(rows.last()).map(|(f, l)| (f.id, l.id));
    let ids: Vec<i64> = rows.iter().map(|n| n.from_account_id).collect();
    let mut by_id: HashMap<i64, Account> = store::accounts::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let accounts = ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|account| ListedAccount {
            account,
            mute_expires_at: None,
        })
        .collect();
    Ok(AccountPage { accounts, cursors })
}

/// Deletes every notification of one of `owner`'s groups; a group they do not have is not
/// found.
pub async fn dismiss(state: &AppState, owner: &Account, key: &str) -> Result<()> {
    match parse_key(key)? {
        Key::Single(id) => super::dismiss(state, owner, id).await,
        Key::Group(key) => {
            if store::notifications::dismiss_group(&state.db, owner.id, key).await? == 0 {
                return Err(Error::NotFound);
            }
            Ok(())
        }
    }
}

/// Groups with a notification after the read marker, counted up to `limit` (100 unless
/// asked, 1,000 at most).
pub async fn unread_count(
    state: &AppState,
    owner: &Account,
    filter: &GroupFilter,
    limit: Option<i64>,
) -> Result<i64> {
    let cap = limit.unwrap_or(100).clamp(1, 1000);
    let marker = store::markers::get(&state.db, owner.id, &["notifications".to_string()]).await?;
    let after = marker.first().map(|m| m.last_read_id);
    let types = filter.notifications.allowed_types(owner);
    let grouped_types = filter.grouped_types();
    let scope = GroupScope {
        account_id: owner.id,
        types: &types,
        from_account: filter.notifications.account_id,
        grouped_types: &grouped_types,
        include_filtered: filter.notifications.include_filtered,
    };
    Ok(store::notifications::count_unread_groups(&state.db, &scope, after, cap).await?)
}
