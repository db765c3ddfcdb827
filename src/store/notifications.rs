//! Notifications.

use sqlx::PgExecutor;

use crate::model::notification::{shown_group_key, GroupData, Notification};
use crate::model::{NotificationType, Page};

/// The condition every notification meets: neither side blocks the other, and the
/// recipient has not muted the sender's notifications (SQL, over the two given columns or
/// parameters).
fn not_blocked_or_muted(recipient: &str, from: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM blocks WHERE (account_id = {recipient} AND target_account_id = {from}) \
                                            OR (account_id = {from} AND target_account_id = {recipient})) \
         AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = {recipient} AND target_account_id = {from} \
                         AND hide_notifications AND (expires_at IS NULL OR expires_at > now()))"
    )
}

/// Records a notification unless the rules say no: only local recipients, never for one's
/// own actions, never between accounts where either blocks the other, never from an account
/// the recipient muted with notifications, a suspended account or a domain the recipient
/// hides. A repeated cause does not notify twice. A `filtered` one is kept aside (see
/// `notification_policies`). Returns whether one was recorded.
#[expect(
    clippy::too_many_arguments,
    reason = "one column each; a struct would only rename them"
)]
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: i64,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
    group_key: Option<&str>,
    filtered: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, group_key, filtered) \
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE $2 <> $3 \
         AND EXISTS (SELECT 1 FROM accounts WHERE id = $2 AND domain IS NULL) \
         AND {} \
         AND NOT EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = $3 AND (fa.suspended_at IS NOT NULL \
             OR (fa.domain IS NOT NULL AND EXISTS (SELECT 1 FROM user_domain_blocks ud \
                 WHERE ud.account_id = $2 AND rookery_domain_covered(fa.domain, ud.domain))))) \
         ON CONFLICT DO NOTHING",
        not_blocked_or_muted("$2", "$3")
    ))
    .bind(id)
    .bind(recipient)
    .bind(from)
    .bind(kind.as_str())
    .bind(status_id)
    .bind(group_key)
    .bind(filtered)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a `poll` notification (a poll `from` wrote has ended) for `recipient`, local: the
/// author hears of their own poll, a voter unless they block or muted the author.
pub async fn insert_poll_ended(
    db: impl PgExecutor<'_>,
    id: i64,
    recipient: i64,
    from: i64,
    status_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id) \
         SELECT $1, $2, $3, 'poll', $4 \
         WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $2 AND domain IS NULL) \
         AND ($2 = $3 OR {}) ON CONFLICT DO NOTHING",
        not_blocked_or_muted("$2", "$3")
    ))
    .bind(id)
    .bind(recipient)
    .bind(from)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The key of `account_id`'s newest notification whose group key is one of `keys` (the
/// groups a new notification may still join).
pub async fn latest_group_key(
    db: impl PgExecutor<'_>,
    account_id: i64,
    keys: &[String],
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT group_key FROM notifications WHERE account_id = $1 AND group_key = ANY($2) \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(keys)
    .fetch_optional(db)
    .await
}

/// The local moderators and admins who hear of `from`'s reports and sign-ups: those who can
/// sign in, except `from` itself and those who block it, are blocked by it or muted its
/// notifications. Unlike other causes, a silenced or hidden sender does not keep moderators
/// from hearing of it.
pub async fn staff_recipients(db: impl PgExecutor<'_>, from: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT u.account_id FROM users u JOIN accounts a ON a.id = u.account_id \
         WHERE u.role IN ('moderator', 'admin') AND NOT u.disabled AND a.suspended_at IS NULL \
         AND u.account_id <> $1 AND {}",
        not_blocked_or_muted("u.account_id", "$1")
    ))
    .bind(from)
    .fetch_all(db)
    .await
}

/// Records a moderators' notification (see [`staff_recipients`] for who gets one); returns
/// whether it was recorded (a repeated cause is not).
pub async fn insert_for_staff(
    db: impl PgExecutor<'_>,
    id: i64,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    report_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, account_id, from_account_id, type, report_id) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(recipient)
    .bind(from)
    .bind(kind.as_str())
    .bind(report_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The condition on a notification's `filtered` (of `{alias}filtered`): those the policy
/// filtered only when asked for.
fn shown(include_filtered: bool, alias: &str) -> String {
    if include_filtered {
        "TRUE".to_string()
    } else {
        format!("NOT {alias}filtered")
    }
}

/// A page of a user's notifications, filtered by type and sender, without those the
/// notification policy filtered unless `include_filtered`.
pub async fn list(
    db: impl PgExecutor<'_>,
    account_id: i64,
    types: &[String],
    from_account: Option<i64>,
    include_filtered: bool,
    page: &Page,
) -> Result<Vec<Notification>, sqlx::Error> {
    let sql = format!(
        "SELECT id, account_id, from_account_id, type, status_id, report_id, created_at, group_key FROM notifications \
         WHERE account_id = $1 AND type = ANY($2) AND ($3::bigint IS NULL OR from_account_id = $3) \
         AND id < $4 AND id > $5 AND {} \
         ORDER BY id {} LIMIT $6",
        shown(include_filtered, ""),
        page.order()
    );
    // Bounds always bound (the widest when absent), so the statement is planned once.
    let rows = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(types)
        .bind(from_account)
        .bind(page.max_id.unwrap_or(i64::MAX))
        .bind(page.lower().unwrap_or(i64::MIN))
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

pub async fn by_id(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> Result<Option<Notification>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, account_id, from_account_id, type, status_id, report_id, created_at, group_key FROM notifications \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn dismiss(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn clear(db: impl PgExecutor<'_>, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Notifications newer than `after` (the read marker), counted up to `cap`; filtered ones
/// are not.
pub async fn count_unread(
    db: impl PgExecutor<'_>,
    account_id: i64,
    after: Option<i64>,
    cap: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM notifications WHERE account_id = $1 \
         AND ($2::bigint IS NULL OR id > $2) AND NOT filtered LIMIT $3) n",
    )
    .bind(account_id)
    .bind(after)
    .bind(cap)
    .fetch_one(db)
    .await
}

/// Removes the notifications one account caused another (after a block).
pub async fn delete_between(
    db: impl PgExecutor<'_>,
    recipient: i64,
    from: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2")
        .bind(recipient)
        .bind(from)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes the notification of one cause (an undone favourite, boost or follow request).
pub async fn delete_cause(
    db: impl PgExecutor<'_>,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3 \
         AND COALESCE(status_id, 0) = COALESCE($4, 0)",
    )
    .bind(recipient)
    .bind(from)
    .bind(kind.as_str())
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Which of a user's notifications a grouped read looks at: those of `types`, from
/// `from_account` if given, never from suspended senders.
pub struct GroupScope<'a> {
    pub account_id: i64,
    pub types: &'a [String],
    pub from_account: Option<i64>,
    /// The types whose notifications are grouped by their key; others stand alone.
    pub grouped_types: &'a [String],
    /// Whether notifications the policy filtered are read too.
    pub include_filtered: bool,
}

/// The conditions of a [`GroupScope`] on `notifications n`, over parameters `$1` (account),
/// `$2` (types), `$3` (sender).
fn scope_sql(scope: &GroupScope<'_>) -> String {
    format!(
        "n.account_id = $1 AND n.type = ANY($2) \
         AND ($3::bigint IS NULL OR n.from_account_id = $3) AND {} \
         AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = n.from_account_id AND sa.suspended_at IS NOT NULL)",
        shown(scope.include_filtered, "n.")
    )
}

/// The key a notification is grouped by in a read grouping the types in `$4`.
const SHOWN_KEY: &str = "CASE WHEN n.group_key IS NOT NULL AND n.type = ANY($4) \
     THEN n.group_key ELSE 'ungrouped-' || n.id END";

/// Notifications read per round trip while walking to a page of groups: a page of 20 groups
/// usually lies within its newest few dozen notifications.
fn window_rows(groups: i64) -> i64 {
    (groups * 4).clamp(8, 400)
}

/// A page of groups: for each of up to `page.limit` distinct groups, newest first, its
/// newest notification within the page's bounds. The account's notifications are read in
/// windows from the page's bound on (usually one), and each group is represented by the
/// first of its notifications met, as Mastodon's walk over notifications does; only a run of
/// notifications of groups already met (one much-favourited status) takes another window.
pub async fn group_page(
    conn: &mut sqlx::PgConnection,
    scope: &GroupScope<'_>,
    page: &Page,
) -> Result<Vec<Notification>, sqlx::Error> {
    let ascending = page.ascending();
    let window = window_rows(page.limit);
    let mut below = page.max_id.unwrap_or(i64::MAX);
    let mut above = page.lower().unwrap_or(i64::MIN);
    let mut seen = std::collections::HashSet::new();
    let mut picked = Vec::new();
    'windows: loop {
        // A function, so its plan is always the generic one (see its migration).
        let rows: Vec<Notification> = sqlx::query_as(
            "SELECT id, account_id, from_account_id, type, status_id, report_id, created_at, \
             group_key FROM rookery_notification_window($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(scope.account_id)
        .bind(scope.types)
        .bind(scope.from_account)
        .bind(scope.include_filtered)
        .bind(below)
        .bind(above)
        .bind(!ascending)
        .bind(window)
        .fetch_all(&mut *conn)
        .await?;
        let full = rows.len() as i64 == window;
        if let Some(last) = rows.last() {
            if ascending {
                above = last.id;
            } else {
                below = last.id;
            }
        }
        for n in rows {
            let grouped = n
                .group_key
                .as_deref()
                .filter(|_| scope.grouped_types.contains(&n.kind));
            if seen.insert(shown_group_key(n.id, grouped)) {
                picked.push(n);
                if picked.len() as i64 >= page.limit {
                    break 'windows;
                }
            }
        }
        if !full {
            break;
        }
    }
    Ok(page.finish(picked))
}

/// What each group of `keys` holds among `account_id`'s notifications with ids in
/// `lowest..=highest` (unbounded where `None`): its newest notification, sample senders,
/// count, oldest notification and newest time. Suspended senders are not counted. The count
/// and bounds come from the group index alone (`notifications_group_idx` holds the sender),
/// the samples from its first entries, and only the newest notification's time from the
/// table; one call of `rookery_notification_groups`, a function so that its plan is always
/// the generic one.
pub async fn groups_data(
    db: impl PgExecutor<'_>,
    account_id: i64,
    keys: &[String],
    lowest: Option<i64>,
    highest: Option<i64>,
    samples: i64,
) -> Result<Vec<GroupData>, sqlx::Error> {
    sqlx::query_as(
        "SELECT group_key, most_recent_id, sample_account_ids, notifications_count, \
         page_min_id, latest_at FROM rookery_notification_groups($1, $2, $3, $4, $5)",
    )
    .bind(account_id)
    .bind(keys)
    .bind(lowest.unwrap_or(i64::MIN))
    .bind(highest.unwrap_or(i64::MAX))
    .bind(samples)
    .fetch_all(db)
    .await
}

/// The newest of `account_id`'s notifications in group `key` whose sender is not suspended.
pub async fn latest_in_group(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
) -> Result<Option<Notification>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.report_id, \
         n.created_at, n.group_key FROM notifications n \
         WHERE n.account_id = $1 AND n.group_key = $2 AND NOT EXISTS (SELECT 1 FROM accounts sa \
             WHERE sa.id = n.from_account_id AND sa.suspended_at IS NOT NULL) \
         ORDER BY n.id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(key)
    .fetch_optional(db)
    .await
}

/// A page of the notifications in group `key`, paged by notification id, suspended senders
/// left out.
pub async fn group_members(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
    page: &Page,
) -> Result<Vec<Notification>, sqlx::Error> {
    let sql = format!(
        "SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.report_id, \
         n.created_at, n.group_key FROM notifications n \
         WHERE n.account_id = $1 AND n.group_key = $2 AND NOT EXISTS (SELECT 1 FROM accounts sa \
             WHERE sa.id = n.from_account_id AND sa.suspended_at IS NOT NULL) \
         AND ($3::bigint IS NULL OR n.id < $3) AND ($4::bigint IS NULL OR n.id > $4) \
         ORDER BY n.id {} LIMIT $5",
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(key)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

/// Deletes `account_id`'s notifications in group `key`; returns how many there were.
pub async fn dismiss_group(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND group_key = $2")
        .bind(account_id)
        .bind(key)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// The groups with a notification newer than `after` (the read marker), counted up to `cap`.
pub async fn count_unread_groups(
    db: impl PgExecutor<'_>,
    scope: &GroupScope<'_>,
    after: Option<i64>,
    cap: i64,
) -> Result<i64, sqlx::Error> {
    let scope_sql = scope_sql(scope);
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM (SELECT DISTINCT {SHOWN_KEY} FROM notifications n \
         WHERE {scope_sql} AND n.id > $5 LIMIT $6) g"
    ))
    .bind(scope.account_id)
    .bind(scope.types)
    .bind(scope.from_account)
    .bind(scope.grouped_types)
    .bind(after.unwrap_or(i64::MIN))
    .bind(cap)
    .fetch_one(db)
    .await
}
