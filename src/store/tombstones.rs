//! Tombstones of deleted local statuses (written by the `statuses_tombstone` trigger, so every
//! delete path leaves one): their URLs answer 410 Gone.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// When the local status with this URI was deleted, if it was.
pub async fn deleted_at(
    db: impl PgExecutor<'_>,
    uri: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("SELECT deleted_at FROM tombstones WHERE uri = $1")
        .bind(uri)
        .fetch_optional(db)
        .await
}
