//! Imported statuses (`statuses.imported_from`) and the rows of post imports, worked through
//! in the order the posts were first published.

use sqlx::{PgConnection, PgExecutor};

use super::imports::DueRow;

/// The status `account_id` imported from the post whose original id is `original`.
pub async fn imported_status(
    db: impl PgExecutor<'_>,
    account_id: i64,
    original: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM statuses WHERE account_id = $1 AND imported_from = $2")
        .bind(account_id)
        .bind(original)
        .fetch_optional(db)
        .await
}

/// Marks a status just created as imported from the post `original`. A second import of the
/// same post by the same account violates `statuses_imported_from_key`.
pub async fn mark_imported(
    db: &mut PgConnection,
    status_id: i64,
    original: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE statuses SET imported_from = $2 WHERE id = $1")
        .bind(status_id)
        .bind(original)
        .execute(db)
        .await?;
    Ok(())
}

/// Up to `limit` pending rows of a post import, oldest post first (a reply is published after
/// what it answers, so a thread is imported from its start), then in file order. `published`
/// is stored in one RFC 3339 form (UTC), so its text sorts as its time.
pub async fn due_posts(
    db: impl PgExecutor<'_>,
    import_id: i64,
    limit: i64,
) -> Result<Vec<DueRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT line, data, attempts FROM import_rows \
         WHERE import_id = $1 AND state = 'pending' AND data IS NOT NULL \
         AND next_attempt_at <= now() ORDER BY data->>'published', line LIMIT $2",
    )
    .bind(import_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
