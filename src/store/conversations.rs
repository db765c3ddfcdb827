//! Direct-message conversations, one row per local participant and set of others
//! (`account_conversations`).

use sqlx::{PgConnection, PgExecutor};

use crate::model::{Conversation, Page};

const COLUMNS: &str = "id, account_id, participant_ids, last_status_id, unread";

/// Of `accounts`, the local ones (who keep conversations).
pub async fn local_among(
    db: impl PgExecutor<'_>,
    accounts: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE id = ANY($1) AND domain IS NULL ORDER BY id")
        .bind(accounts)
        .fetch_all(db)
        .await
}

/// Adds `status_id` to `account`'s conversation with `others` (sorted), starting it as `id`
/// if there is none; the latest status leaves it `unread` or not.
pub async fn add_status(
    db: &mut PgConnection,
    id: i64,
    account: i64,
    others: &[i64],
    status_id: i64,
    unread: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_conversations \
           (id, account_id, participant_ids, status_ids, last_status_id, unread) \
         VALUES ($1, $2, $3, ARRAY[$4::bigint], $4, $5) \
         ON CONFLICT (account_id, participant_ids) DO UPDATE SET \
           status_ids = array_append(account_conversations.status_ids, $4), \
           last_status_id = GREATEST(account_conversations.last_status_id, $4), \
           unread = CASE WHEN $4 >= account_conversations.last_status_id THEN $5 \
                    ELSE account_conversations.unread END",
    )
    .bind(id)
    .bind(account)
    .bind(others)
    .bind(status_id)
    .bind(unread)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes a deleted status out of every conversation holding it: each falls back to its
/// previous status, and one left without any is gone.
pub async fn remove_status(db: &mut PgConnection, status_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE account_conversations SET \
           status_ids = array_remove(status_ids, $1), \
           last_status_id = COALESCE( \
             (SELECT max(x) FROM unnest(array_remove(status_ids, $1)) AS x), last_status_id) \
         WHERE status_ids @> ARRAY[$1::bigint]",
    )
    .bind(status_id)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "DELETE FROM account_conversations \
         WHERE cardinality(status_ids) = 0 AND last_status_id = $1",
    )
    .bind(status_id)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// A page of `account`'s conversations, by last status, newest first.
pub async fn page(
    db: impl PgExecutor<'_>,
    account: i64,
    page: &Page,
) -> Result<Vec<Conversation>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM account_conversations WHERE account_id = $1 \
         AND ($2::bigint IS NULL OR last_status_id < $2) \
         AND ($3::bigint IS NULL OR last_status_id > $3) \
         ORDER BY last_status_id {} LIMIT $4",
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(account)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

/// `account`'s conversation `id`, if it is theirs.
pub async fn of_account(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> Result<Option<Conversation>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM account_conversations WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account)
    .fetch_optional(db)
    .await
}

/// The conversations of `accounts` that hold `status_id`.
pub async fn holding(
    db: impl PgExecutor<'_>,
    accounts: &[i64],
    status_id: i64,
) -> Result<Vec<Conversation>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM account_conversations \
         WHERE account_id = ANY($1) AND status_ids @> ARRAY[$2::bigint]"
    ))
    .bind(accounts)
    .bind(status_id)
    .fetch_all(db)
    .await
}

/// Marks `account`'s conversation read; false if it is not theirs.
pub async fn mark_read(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE account_conversations SET unread = false WHERE id = $1 AND account_id = $2",
    )
    .bind(id)
    .bind(account)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes `account`'s conversation (for them only); false if it is not theirs.
pub async fn delete(db: impl PgExecutor<'_>, account: i64, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM account_conversations WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
