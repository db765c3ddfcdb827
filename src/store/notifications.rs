//! Notifications.

use sqlx::PgExecutor;

use crate::model::notification::Notification;
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
/// the recipient muted with notifications. A repeated cause does not notify twice. Returns
/// whether one was recorded.
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: i64,
    recipient: i64,
    from: i64,
    kind: NotificationType,
    status_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id) \
         SELECT $1, $2, $3, $4, $5 WHERE $2 <> $3 \
         AND EXISTS (SELECT 1 FROM accounts WHERE id = $2 AND domain IS NULL) \
         AND {} \
         AND NOT EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = $3 AND (fa.suspended_at IS NOT NULL \
             OR (fa.silenced_at IS NOT NULL AND $4 <> 'follow_request' AND NOT EXISTS \
                 (SELECT 1 FROM follows ff WHERE ff.account_id = $2 AND ff.target_account_id = $3)) \
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
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
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

/// A page of a user's notifications, filtered by type and sender.
pub async fn list(
    db: impl PgExecutor<'_>,
    account_id: i64,
    types: &[String],
    from_account: Option<i64>,
    page: &Page,
) -> Result<Vec<Notification>, sqlx::Error> {
    let sql = format!(
        "SELECT id, account_id, from_account_id, type, status_id, report_id, created_at FROM notifications \
         WHERE account_id = $1 AND type = ANY($2) AND ($3::bigint IS NULL OR from_account_id = $3) \
         AND ($4::bigint IS NULL OR id < $4) AND ($5::bigint IS NULL OR id > $5) \
         ORDER BY id {} LIMIT $6",
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(types)
        .bind(from_account)
        .bind(page.max_id)
        .bind(page.lower())
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
        "SELECT id, account_id, from_account_id, type, status_id, report_id, created_at FROM notifications \
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

/// Notifications newer than `after` (the read marker), counted up to `cap`.
pub async fn count_unread(
    db: impl PgExecutor<'_>,
    account_id: i64,
    after: Option<i64>,
    cap: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM notifications WHERE account_id = $1 \
         AND ($2::bigint IS NULL OR id > $2) LIMIT $3) n",
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
