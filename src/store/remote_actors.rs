//! Removing a remote actor that deleted itself, with the counters it contributed to.

use sqlx::PgConnection;

/// Deletes the remote account `account_id` and, through the foreign keys' cascades, its
/// statuses, boosts, favourites, follows, follow requests, blocks, mutes, mentions and
/// notifications. The counters those rows fed on other accounts and statuses are lowered
/// first, in the same transaction. Returns whether a remote account was deleted (a local id
/// is left alone).
pub async fn purge(conn: &mut PgConnection, account_id: i64) -> Result<bool, sqlx::Error> {
    let remote: Option<bool> = sqlx::query_scalar(
        "SELECT TRUE FROM accounts WHERE id = $1 AND domain IS NOT NULL FOR UPDATE",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    if remote.is_none() {
        return Ok(false);
    }
    let counters = [
        "UPDATE account_stats SET followers_count = GREATEST(followers_count - 1, 0) \
         WHERE account_id IN (SELECT target_account_id FROM follows WHERE account_id = $1)",
        "UPDATE account_stats SET following_count = GREATEST(following_count - 1, 0) \
         WHERE account_id IN (SELECT account_id FROM follows WHERE target_account_id = $1)",
        "UPDATE status_stats SET favourites_count = GREATEST(favourites_count - 1, 0) \
         WHERE status_id IN (SELECT status_id FROM favourites WHERE account_id = $1)",
        "UPDATE status_stats st SET reblogs_count = GREATEST(st.reblogs_count - r.n, 0) \
         FROM (SELECT reblog_of_id, count(*) AS n FROM statuses \
               WHERE account_id = $1 AND reblog_of_id IS NOT NULL GROUP BY reblog_of_id) r \
         WHERE st.status_id = r.reblog_of_id",
        "UPDATE status_stats st SET replies_count = GREATEST(st.replies_count - r.n, 0) \
         FROM (SELECT in_reply_to_id, count(*) AS n FROM statuses \
               WHERE account_id = $1 AND in_reply_to_id IS NOT NULL AND reblog_of_id IS NULL \
               GROUP BY in_reply_to_id) r \
         WHERE st.status_id = r.in_reply_to_id",
    ];
    for sql in counters {
        sqlx::query(sql)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM accounts WHERE id = $1 AND domain IS NOT NULL")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}
