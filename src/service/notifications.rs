//! Notifications: recorded here, one rule set for every cause (see
//! [`store::notifications::insert`]), and read back for the API.

pub mod groups;
pub mod policy;

use sqlx::{PgConnection, PgExecutor};

use crate::error::Result;
use crate::model::notification_policy::PolicyAction;
use crate::model::{notification, NotificationType};
use crate::{id, store};

/// Notifies `recipient` that `from` did something (`kind`, about `status_id`). Nothing
/// happens for remote recipients, one's own actions, blocked or notification-muted senders,
/// suspended senders, and senders on a domain the recipient hides. Then the recipient's
/// notification policy (see [`policy`]) accepts it, drops it, or records it filtered: kept
/// in a request for its sender, neither streamed nor pushed.
///
/// `db` is a connection: a transaction's (`&mut *tx`, then streaming clients hear of the
/// notification when it commits) or one taken from the pool.
pub async fn notify(
    mut db: impl std::ops::DerefMut<Target = PgConnection>,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
) -> Result<()> {
    if recipient == from {
        return Ok(());
    }
    let Some(action) = policy::judge(&mut db, recipient, from, kind, status_id).await? else {
        return Ok(());
    };
    let filtered = match action {
        PolicyAction::Drop => return Ok(()),
        PolicyAction::Filter => true,
        PolicyAction::Accept => false,
    };
    let id = id::next();
    // Filtered notifications join no group (as on Mastodon): they would otherwise count in
    // groups the recipient sees.
    let group_key = match kind.group_prefix(status_id).filter(|_| !filtered) {
        Some(prefix) => Some(group_key_for(&mut db, recipient, &prefix).await?),
        None => None,
    };
    let recorded = store::notifications::insert(
        &mut *db,
        id,
        recipient,
        from,
        kind,
        status_id,
        group_key.as_deref(),
        filtered,
    )
    .await?;
    if !recorded {
        return Ok(());
    }
    if filtered {
        store::notification_policies::record_request(
            &mut *db,
            id::next(),
            recipient,
            from,
            status_id,
        )
        .await?;
    } else {
        crate::service::streaming::notification_created(&mut *db, id, recipient).await?;
        crate::service::push::notification_created(&mut db, id, recipient, kind).await?;
    }
    Ok(())
}

/// Tells `recipient` that the poll of status `status_id`, by `author`, has ended (`poll`;
/// the author too, unlike other causes). Streaming clients hear of it when `db`'s
/// transaction commits.
pub async fn notify_poll_ended(
    db: &mut PgConnection,
    recipient: i64,
    author: i64,
    status_id: i64,
) -> Result<()> {
    let id = id::next();
    if store::notifications::insert_poll_ended(&mut *db, id, recipient, author, status_id).await? {
        crate::service::streaming::notification_created(&mut *db, id, recipient).await?;
    }
    Ok(())
}

/// The group a new notification with `prefix` joins: the one of the recipient's latest
/// notification with that prefix if it started less than
/// [`notification::GROUP_SPAN_HOURS`] ago, else a new one starting this hour. Two
/// notifications arriving at once may start two groups; hour buckets keep that rare and
/// harmless.
async fn group_key_for(db: &mut PgConnection, recipient: i64, prefix: &str) -> Result<String> {
    let hour = chrono::Utc::now().timestamp().div_euclid(3600);
    let candidates: Vec<String> = notification::group_buckets(hour)
        .map(|bucket| notification::group_key(prefix, bucket))
        .collect();
    Ok(
        store::notifications::latest_group_key(&mut *db, recipient, &candidates)
            .await?
            .unwrap_or_else(|| notification::group_key(prefix, hour)),
    )
}

/// Tells the moderators and admins that `from` filed a report (`admin.report`, with
/// `report_id`) or signed up (`admin.sign_up`). Streaming clients hear of it when `db`'s
/// transaction commits.
pub async fn notify_staff(
    mut db: impl std::ops::DerefMut<Target = PgConnection>,
    from: i64,
    kind: NotificationType,
    report_id: Option<i64>,
) -> Result<()> {
    for recipient in store::notifications::staff_recipients(&mut *db, from).await? {
        let id = id::next();
        if store::notifications::insert_for_staff(&mut *db, id, recipient, from, kind, report_id)
            .await?
        {
            crate::service::streaming::notification_created(&mut *db, id, recipient).await?;
            crate::service::push::notification_created(&mut db, id, recipient, kind).await?;
        }
    }
    Ok(())
}

/// Withdraws the notification of an undone action (unfavourite, unboost, cancelled request).
pub async fn withdraw(
    db: impl PgExecutor<'_>,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
) -> Result<()> {
    store::notifications::delete_cause(db, recipient, from, kind, status_id).await?;
    Ok(())
}

use crate::app::AppState;
use crate::error::Error;
use crate::model::moderation::Report;
use crate::model::notification::Notification;
use crate::model::{Account, Page, StatusView};
use std::collections::HashMap;
use std::sync::Arc;

/// A notification with what it is about.
pub struct NotificationView {
    pub notification: Notification,
    pub account: Account,
    pub status: Option<StatusView>,
    /// The report of an `admin.report`, with its target.
    pub report: Option<(Report, Account)>,
}

/// Which notifications to list.
#[derive(Default)]
pub struct NotificationFilter {
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub account_id: Option<i64>,
    /// Whether notifications the policy filtered are listed too.
    pub include_filtered: bool,
}

impl NotificationFilter {
    /// The types `owner` may read that this filter lets through. Names Rookery does not know
    /// are ignored (as Mastodon ignores them): `types` naming only such types selects nothing.
    pub fn allowed_types(&self, owner: &Account) -> Vec<String> {
        // Moderators' notifications stay with those who still moderate.
        let staff = owner.role() >= Some(crate::model::Role::Moderator);
        NotificationType::ALL
            .iter()
            .filter(|t| staff || !t.is_admin())
            .map(|t| t.as_str().to_string())
            .filter(|t| self.types.is_empty() || self.types.contains(t))
            .filter(|t| !self.exclude_types.contains(t))
            .collect()
    }
}

/// A page of `owner`'s notifications, with its raw paging ids. Notifications whose status
/// the owner may no longer see (or whose sender is gone), and those about a status one of
/// the owner's `hide` filters hides in the `notifications` context, are left out (as on
/// Mastodon, and as the stream leaves them out).
pub async fn list(
    state: &AppState,
    owner: &Account,
    filter: &NotificationFilter,
    page: &Page,
) -> Result<(Vec<NotificationView>, Option<(i64, i64)>)> {
    let types = filter.allowed_types(owner);
    let rows = store::notifications::list(
        &state.db,
        owner.id,
        &types,
        filter.account_id,
        filter.include_filtered,
        page,
    )
    .await?;
    let cursors = rows.first().zip(rows.last()).map(|(f, l)| (f.id, l.id));
    let mut views = views_of(state, owner, rows).await?;
    views.retain(|v| {
        !v.status.as_ref().is_some_and(|s| {
            crate::service::moderation::filters::hidden_in(&s.filtered, "notifications")
        })
    });
    Ok((views, cursors))
}

pub(crate) async fn views_of(
    state: &AppState,
    owner: &Account,
    rows: Vec<Notification>,
) -> Result<Vec<NotificationView>> {
    let mut conn = state.kept.acquire().await?;
    let (views, _) = views_on(state, &mut conn, owner, rows, &[]).await?;
    conn.keep();
    Ok(views)
}

/// [`views_of`] on a connection the caller holds, reading the senders, the statuses and the
/// accounts `extra` (a group's sample accounts) through the caches timelines use, in the
/// statuses' one query for the viewer's facts; returns the accounts read beside the views.
/// The views keep the rows' order, leaving out those that cannot be shown (a suspended
/// sender, a status the owner may no longer see).
pub(crate) async fn views_on(
    state: &AppState,
    conn: &mut PgConnection,
    owner: &Account,
    rows: Vec<Notification>,
    extra: &[i64],
) -> Result<(Vec<NotificationView>, HashMap<i64, Arc<Account>>)> {
    let report_ids: Vec<i64> = rows.iter().filter_map(|n| n.report_id).collect();
    let reports: HashMap<i64, Report> = if report_ids.is_empty() {
        HashMap::new()
    } else {
        store::moderation::reports_by_ids(&mut *conn, &report_ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect()
    };
    let account_ids: Vec<i64> = rows
        .iter()
        .map(|n| n.from_account_id)
        .chain(reports.values().map(|r| r.target_account_id))
        .chain(extra.iter().copied())
        .collect();
    let status_ids: Vec<i64> = rows.iter().filter_map(|n| n.status_id).collect();
    let (statuses, read) = crate::service::views::hydrate_with_accounts(
        state,
        conn,
        Some(owner),
        &status_ids,
        &account_ids,
    )
    .await?;
    let mut statuses: HashMap<i64, StatusView> =
        statuses.into_iter().map(|v| (v.status.id, v)).collect();
    let mut accounts: HashMap<i64, Account> = rows
        .iter()
        .map(|n| n.from_account_id)
        .chain(reports.values().map(|r| r.target_account_id))
        .filter_map(|id| read.get(&id).map(|a| (id, Account::clone(a))))
        .collect();
    // A `move` notification shows where its account went (the account's `moved`).
    for n in rows
        .iter()
        .filter(|n| n.kind == NotificationType::Move.as_str())
    {
        if let Some(a) = accounts.remove(&n.from_account_id) {
            let a = crate::service::moves::with_moved(state, a).await?;
            accounts.insert(a.id, a);
        }
    }
    // Each view owns its account and status: one met for the last time is moved out of its
    // map rather than copied (a page's views name each status and sender about once).
    let mut status_uses = Uses::default();
    let mut account_uses = Uses::default();
    for n in &rows {
        account_uses.add(n.from_account_id);
        if let Some(id) = n.status_id {
            status_uses.add(id);
        }
        if let Some(report) = n.report_id.and_then(|id| reports.get(&id)) {
            account_uses.add(report.target_account_id);
        }
    }
    let views = rows
        .into_iter()
        .filter_map(|n| {
            let report = n.report_id.and_then(|id| reports.get(&id));
            let account = account_uses.take(&mut accounts, n.from_account_id);
            let target = report.and_then(|r| account_uses.take(&mut accounts, r.target_account_id));
            let status = n.status_id.map(|id| status_uses.take(&mut statuses, id));
            let account = account.filter(|a| !a.is_suspended())?;
            let status = match status {
                Some(found) => Some(found?),
                None => None,
            };
            let report = match n.report_id {
                Some(_) => Some((report?.clone(), target?)),
                None => None,
            };
            Some(NotificationView {
                notification: n,
                account,
                status,
                report,
            })
        })
        .collect();
    Ok((views, read))
}

/// How many more times each id is asked for: the last time, its value is moved out of the
/// map it is in rather than cloned.
#[derive(Default)]
struct Uses(HashMap<i64, usize>);

impl Uses {
    fn add(&mut self, id: i64) {
        *self.0.entry(id).or_default() += 1;
    }

    fn take<V: Clone>(&mut self, values: &mut HashMap<i64, V>, id: i64) -> Option<V> {
        let left = self.0.get_mut(&id)?;
        *left = left.saturating_sub(1);
        if *left == 0 {
            values.remove(&id)
        } else {
            values.get(&id).cloned()
        }
    }
}

pub async fn get(state: &AppState, owner: &Account, id: i64) -> Result<NotificationView> {
    let row = store::notifications::by_id(&state.db, owner.id, id)
        .await?
        .filter(|n| {
            owner.role() >= Some(crate::model::Role::Moderator)
                || !NotificationType::parse(&n.kind).is_some_and(NotificationType::is_admin)
        })
        .ok_or(Error::NotFound)?;
    views_of(state, owner, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

pub async fn dismiss(state: &AppState, owner: &Account, id: i64) -> Result<()> {
    if store::notifications::dismiss(&state.db, owner.id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

pub async fn clear(state: &AppState, owner: &Account) -> Result<()> {
    store::notifications::clear(&state.db, owner.id).await?;
    Ok(())
}

/// Notifications after the read marker, counted up to `limit` (100 unless asked, 1,000 at
/// most: a badge needs no exact count past that).
pub async fn unread_count(state: &AppState, owner: &Account, limit: Option<i64>) -> Result<i64> {
    let cap = limit.unwrap_or(100).clamp(1, 1000);
    let marker = store::markers::get(&state.db, owner.id, &["notifications".to_string()]).await?;
    let after = marker.first().map(|m| m.last_read_id);
    Ok(store::notifications::count_unread(&state.db, owner.id, after, cap).await?)
}
