//! Deleted local accounts (`account_deletions`), the inboxes their `Delete` goes to, and the
//! removal of what remains of them once their statuses are gone.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A deletion: when the data goes, and when it went.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Deletion {
    pub account_id: i64,
    pub by_owner: bool,
    pub purge_after: DateTime<Utc>,
    pub purged_at: Option<DateTime<Utc>>,
}

/// Records a deletion; deleting again keeps the earlier of the two removal times.
pub async fn insert(
    db: impl PgExecutor<'_>,
    account_id: i64,
    moderator_id: Option<i64>,
    by_owner: bool,
    purge_after: DateTime<Utc>,
) -> Result<Deletion, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO account_deletions (account_id, moderator_id, by_owner, purge_after) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id) DO UPDATE SET \
         purge_after = LEAST(account_deletions.purge_after, EXCLUDED.purge_after), \
         moderator_id = COALESCE(EXCLUDED.moderator_id, account_deletions.moderator_id) \
         RETURNING account_id, by_owner, purge_after, purged_at",
    )
    .bind(account_id)
    .bind(moderator_id)
    .bind(by_owner)
    .bind(purge_after)
    .fetch_one(db)
    .await
}

/// The deletion of `account_id`, if it was deleted.
pub async fn get(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Option<Deletion>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, by_owner, purge_after, purged_at FROM account_deletions \
         WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await
}

/// Forgets a deletion whose data is still there (an administrator restored the account).
pub async fn cancel(db: impl PgExecutor<'_>, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM account_deletions WHERE account_id = $1 AND purged_at IS NULL")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Every inbox (shared where offered) of the remote accounts that know `account_id`: its
/// followers, the accounts it follows, and follow requests either way.
pub async fn known_inboxes(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT COALESCE(NULLIF(a.shared_inbox_url, ''), a.inbox_url) FROM accounts a \
         WHERE a.domain IS NOT NULL AND a.suspended_at IS NULL AND a.inbox_url <> '' \
         AND a.id IN (SELECT account_id FROM follows WHERE target_account_id = $1 \
                      UNION SELECT target_account_id FROM follows WHERE account_id = $1 \
                      UNION SELECT account_id FROM follow_requests WHERE target_account_id = $1 \
                      UNION SELECT target_account_id FROM follow_requests WHERE account_id = $1)",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// Removes everything of local account `account_id` but its statuses (removed before, one by
/// one, through the status lifecycle) and its row: relationships both ways with the counters
/// they fed, reactions, notifications, lists, filters, markers, feeds, imports, uploads, its
/// user (with its tokens and sessions); its profile is emptied. The row stays, suspended, as
/// the tombstone that keeps the username taken; its key stays for the deliveries of its
/// `Delete` still under way. Returns the keys of media files to free and the URLs of its
/// avatar and header.
pub async fn purge_rest(
    conn: &mut PgConnection,
    account_id: i64,
) -> Result<(Vec<String>, Vec<String>), sqlx::Error> {
    let steps = [
        "UPDATE account_stats SET followers_count = GREATEST(followers_count - 1, 0) \
         WHERE account_id IN (SELECT target_account_id FROM follows WHERE account_id = $1)",
        "UPDATE account_stats SET following_count = GREATEST(following_count - 1, 0) \
         WHERE account_id IN (SELECT account_id FROM follows WHERE target_account_id = $1)",
        "UPDATE status_stats SET favourites_count = GREATEST(favourites_count - 1, 0) \
         WHERE status_id IN (SELECT status_id FROM favourites WHERE account_id = $1)",
        "DELETE FROM favourites WHERE account_id = $1",
        "DELETE FROM bookmarks WHERE account_id = $1",
        "DELETE FROM status_pins WHERE account_id = $1",
        "DELETE FROM conversation_mutes WHERE account_id = $1",
        "DELETE FROM idempotency_keys WHERE account_id = $1",
        "DELETE FROM follows WHERE account_id = $1 OR target_account_id = $1",
        "DELETE FROM follow_requests WHERE account_id = $1 OR target_account_id = $1",
        "DELETE FROM blocks WHERE account_id = $1 OR target_account_id = $1",
        "DELETE FROM mutes WHERE account_id = $1 OR target_account_id = $1",
        "DELETE FROM notifications WHERE account_id = $1 OR from_account_id = $1",
        "DELETE FROM markers WHERE account_id = $1",
        "DELETE FROM home_feed WHERE account_id = $1",
        "DELETE FROM list_accounts WHERE account_id = $1",
        "DELETE FROM lists WHERE account_id = $1",
        "DELETE FROM user_domain_blocks WHERE account_id = $1",
        "DELETE FROM filters WHERE account_id = $1",
        "DELETE FROM account_conversations WHERE account_id = $1",
        "DELETE FROM account_notes WHERE account_id = $1 OR target_account_id = $1",
        "DELETE FROM imports WHERE account_id = $1",
        "DELETE FROM users WHERE account_id = $1",
        "UPDATE account_stats SET statuses_count = 0, following_count = 0, followers_count = 0 \
         WHERE account_id = $1",
        "UPDATE account_deletions SET purged_at = now() WHERE account_id = $1",
    ];
    // Uploads (unattached, or of scheduled posts) go before the scheduled posts they hold.
    let media: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "DELETE FROM media_attachments WHERE account_id = $1 RETURNING file_key, preview_key",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM scheduled_statuses WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    for sql in steps {
        sqlx::query(sql)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    let images: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT avatar_url, header_url FROM accounts WHERE id = $1 AND domain IS NULL",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE accounts SET display_name = '', note = '', note_source = '', fields = '[]', \
         avatar_url = NULL, header_url = NULL, also_known_as = '{}', discoverable = FALSE, \
         indexable = FALSE, locked = FALSE, updated_at = now() \
         WHERE id = $1 AND domain IS NULL",
    )
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    let keys = media
        .into_iter()
        .flat_map(|(a, b)| [a, b])
        .flatten()
        .collect();
    let images = images
        .map(|(a, h)| [a, h].into_iter().flatten().collect())
        .unwrap_or_default();
    Ok((keys, images))
}
