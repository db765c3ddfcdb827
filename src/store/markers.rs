//! Timeline read markers.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Marker {
    pub timeline: String,
    pub last_read_id: i64,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

pub async fn get(
    db: impl PgExecutor<'_>,
    account_id: i64,
    timelines: &[String],
) -> Result<Vec<Marker>, sqlx::Error> {
    sqlx::query_as(
        "SELECT timeline, last_read_id, version, updated_at FROM markers \
         WHERE account_id = $1 AND timeline = ANY($2)",
    )
    .bind(account_id)
    .bind(timelines)
    .fetch_all(db)
    .await
}

/// Sets a marker, creating it at version 0 or bumping its version.
pub async fn set(
    db: impl PgExecutor<'_>,
    account_id: i64,
    timeline: &str,
    last_read_id: i64,
) -> Result<Marker, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO markers (account_id, timeline, last_read_id) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = $3, \
         version = markers.version + 1, updated_at = now() \
         RETURNING timeline, last_read_id, version, updated_at",
    )
    .bind(account_id)
    .bind(timeline)
    .bind(last_read_id)
    .fetch_one(db)
    .await
}
