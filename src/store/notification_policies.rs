//! The notification policy, the facts it decides on, its requests and the senders a user
//! let through.

use sqlx::{PgExecutor, Row};

use crate::model::notification_policy::{
    NotificationPolicy, NotificationRequest, PolicyAction, PolicySummary, SenderRow,
    MAX_MEANINGFUL_COUNT,
};
use crate::model::Page;

fn action(row: &sqlx::postgres::PgRow, column: &str) -> Result<PolicyAction, sqlx::Error> {
    let raw: String = row.try_get(column)?;
    PolicyAction::parse(&raw).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown policy action {raw:?}").into(),
    })
}

/// The policy of a local account: `None` when `account_id` is not local (remote accounts are
/// never notified), its defaults when it never set one.
pub async fn of_local(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Option<NotificationPolicy>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.for_not_following, p.for_not_followers, p.for_new_accounts, \
         p.for_private_mentions, p.for_limited_accounts, p.account_id IS NOT NULL AS stored \
         FROM accounts a LEFT JOIN notification_policies p ON p.account_id = a.id \
         WHERE a.id = $1 AND a.domain IS NULL",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if !row.try_get::<bool, _>("stored")? {
        return Ok(Some(NotificationPolicy::default()));
    }
    Ok(Some(NotificationPolicy {
        for_not_following: action(&row, "for_not_following")?,
        for_not_followers: action(&row, "for_not_followers")?,
        for_new_accounts: action(&row, "for_new_accounts")?,
        for_private_mentions: action(&row, "for_private_mentions")?,
        for_limited_accounts: action(&row, "for_limited_accounts")?,
    }))
}

/// Stores `account_id`'s policy.
pub async fn save(
    db: impl PgExecutor<'_>,
    account_id: i64,
    policy: &NotificationPolicy,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_policies (account_id, for_not_following, for_not_followers, \
         for_new_accounts, for_private_mentions, for_limited_accounts) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id) DO UPDATE SET \
         for_not_following = EXCLUDED.for_not_following, \
         for_not_followers = EXCLUDED.for_not_followers, \
         for_new_accounts = EXCLUDED.for_new_accounts, \
         for_private_mentions = EXCLUDED.for_private_mentions, \
         for_limited_accounts = EXCLUDED.for_limited_accounts, updated_at = now()",
    )
    .bind(account_id)
    .bind(policy.for_not_following.as_str())
    .bind(policy.for_not_followers.as_str())
    .bind(policy.for_new_accounts.as_str())
    .bind(policy.for_private_mentions.as_str())
    .bind(policy.for_limited_accounts.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// The facts about `from` as seen by `recipient`; `None` when `from` does not exist.
pub async fn sender(
    db: impl PgExecutor<'_>,
    recipient: i64,
    from: i64,
) -> Result<Option<SenderRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2) AS followed, \
         (SELECT created_at FROM follows WHERE account_id = $2 AND target_account_id = $1) AS follower_since, \
         a.created_at, a.silenced_at IS NOT NULL AS limited, \
         EXISTS (SELECT 1 FROM notification_permissions WHERE account_id = $1 AND from_account_id = $2) AS permitted \
         FROM accounts a WHERE a.id = $2",
    )
    .bind(recipient)
    .bind(from)
    .fetch_optional(db)
    .await
}

/// Whether `status_id` is a direct status that answers no direct status of `recipient`
/// mentioning `sender` in the 100 posts up its thread (Mastodon's private mention that is
/// "not in response").
pub async fn unsolicited_private_mention(
    db: impl PgExecutor<'_>,
    status_id: i64,
    recipient: i64,
    sender: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "WITH RECURSIVE up (id, in_reply_to_id, answered, depth, path) AS ( \
             SELECT p.id, p.in_reply_to_id, \
                    (p.account_id = $2 AND p.visibility = 'direct' AND EXISTS \
                        (SELECT 1 FROM mentions m WHERE m.status_id = p.id AND m.account_id = $3)), \
                    0, ARRAY[p.id] \
             FROM statuses s JOIN statuses p ON p.id = s.in_reply_to_id WHERE s.id = $1 \
           UNION ALL \
             SELECT p.id, p.in_reply_to_id, \
                    (p.account_id = $2 AND p.visibility = 'direct' AND EXISTS \
                        (SELECT 1 FROM mentions m WHERE m.status_id = p.id AND m.account_id = $3)), \
                    up.depth + 1, up.path || p.id \
             FROM up JOIN statuses p ON p.id = up.in_reply_to_id \
             WHERE NOT up.answered AND up.depth < 100 AND NOT p.id = ANY(up.path) \
         ) \
         SELECT EXISTS (SELECT 1 FROM statuses WHERE id = $1 AND visibility = 'direct') \
            AND NOT EXISTS (SELECT 1 FROM up WHERE answered)",
    )
    .bind(status_id)
    .bind(recipient)
    .bind(sender)
    .fetch_one(db)
    .await
}

/// Opens (or refreshes) the request holding `from`'s filtered notifications to `recipient`,
/// remembering `status_id` as its latest status when given.
pub async fn record_request(
    db: impl PgExecutor<'_>,
    id: i64,
    recipient: i64,
    from: i64,
    status_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_requests (id, account_id, from_account_id, last_status_id) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, from_account_id) DO UPDATE SET \
         last_status_id = COALESCE(EXCLUDED.last_status_id, notification_requests.last_status_id), \
         updated_at = now()",
    )
    .bind(id)
    .bind(recipient)
    .bind(from)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The requests a user sees: those still holding a filtered notification, from senders that
/// are not suspended.
const PENDING: &str = "r.account_id = $1 \
     AND EXISTS (SELECT 1 FROM notifications n WHERE n.account_id = r.account_id \
                 AND n.from_account_id = r.from_account_id AND n.filtered) \
     AND NOT EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = r.from_account_id AND fa.suspended_at IS NOT NULL)";

fn request_columns() -> String {
    format!(
        "r.id, r.account_id, r.from_account_id, r.last_status_id, r.created_at, r.updated_at, \
         (SELECT count(*) FROM (SELECT 1 FROM notifications n WHERE n.account_id = r.account_id \
          AND n.from_account_id = r.from_account_id AND n.filtered LIMIT {MAX_MEANINGFUL_COUNT}) c) \
         AS notifications_count"
    )
}

/// A page of `account_id`'s pending requests, newest first.
pub async fn requests(
    db: impl PgExecutor<'_>,
    account_id: i64,
    page: &Page,
) -> Result<Vec<NotificationRequest>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM notification_requests r WHERE {PENDING} \
         AND ($2::bigint IS NULL OR r.id < $2) AND ($3::bigint IS NULL OR r.id > $3) \
         ORDER BY r.id {} LIMIT $4",
        request_columns(),
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

/// One of `account_id`'s pending requests.
pub async fn request(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> Result<Option<NotificationRequest>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {} FROM notification_requests r WHERE {PENDING} AND r.id = $2",
        request_columns()
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The senders of those of `ids` that are `account_id`'s pending requests.
pub async fn request_senders(
    db: impl PgExecutor<'_>,
    account_id: i64,
    ids: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT r.from_account_id FROM notification_requests r WHERE {PENDING} AND r.id = ANY($2)"
    ))
    .bind(account_id)
    .bind(ids)
    .fetch_all(db)
    .await
}

/// Requests waiting and their notifications, each counted up to the meaningful maximum.
pub async fn summary(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<PolicySummary, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT count(*) AS pending_requests_count, \
                COALESCE(sum(notifications_count), 0)::bigint AS pending_notifications_count \
         FROM (SELECT {} FROM notification_requests r WHERE {PENDING} \
               ORDER BY r.id DESC LIMIT {MAX_MEANINGFUL_COUNT}) p",
        request_columns()
    ))
    .bind(account_id)
    .fetch_one(db)
    .await
}

/// Lets `from`'s notifications to `account_id` through from now on, and moves the filtered
/// ones into the normal list. Returns how many were moved.
pub async fn accept_sender(
    db: &mut sqlx::PgConnection,
    account_id: i64,
    from: i64,
) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_permissions (account_id, from_account_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(from)
    .execute(&mut *db)
    .await?;
    let moved = sqlx::query(
        "UPDATE notifications SET filtered = FALSE \
         WHERE account_id = $1 AND from_account_id = $2 AND filtered",
    )
    .bind(account_id)
    .bind(from)
    .execute(&mut *db)
    .await?;
    delete_request(&mut *db, account_id, from).await?;
    Ok(moved.rows_affected())
}

/// Drops `from`'s filtered notifications to `account_id` and their request.
pub async fn dismiss_sender(
    db: &mut sqlx::PgConnection,
    account_id: i64,
    from: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND filtered",
    )
    .bind(account_id)
    .bind(from)
    .execute(&mut *db)
    .await?;
    delete_request(&mut *db, account_id, from).await
}

async fn delete_request(
    db: impl PgExecutor<'_>,
    account_id: i64,
    from: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notification_requests WHERE account_id = $1 AND from_account_id = $2")
        .bind(account_id)
        .bind(from)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether every accepted sender's notifications are in the normal list: none is still
/// filtered.
pub async fn merged(db: impl PgExecutor<'_>, account_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM notification_permissions p JOIN notifications n \
         ON n.account_id = p.account_id AND n.from_account_id = p.from_account_id AND n.filtered \
         WHERE p.account_id = $1)",
    )
    .bind(account_id)
    .fetch_one(db)
    .await
}
