//! The job queue table (see the migration for its states).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// The channel a process listens on to hear of new jobs at once.
pub const CHANNEL: &str = "rookery_jobs";

/// Persists a job (in the caller's transaction, so it exists exactly when the action that
/// caused it does) and wakes idle workers when that transaction commits.
pub async fn enqueue(
    db: &mut sqlx::PgConnection,
    id: i64,
    kind: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO jobs (id, kind, payload, run_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(kind)
        .bind(payload)
        .bind(run_at)
        .execute(&mut *db)
        .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Claims up to `limit` due jobs for `worker` under a lease of `lease_secs`: pending jobs whose
/// time has come, and running jobs whose worker's lease ran out (it died). Concurrent workers
/// never claim the same job (`FOR UPDATE SKIP LOCKED`).
pub async fn claim(
    db: impl PgExecutor<'_>,
    worker: &str,
    limit: i64,
    lease_secs: i64,
) -> Result<Vec<Job>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
         locked_until = now() + make_interval(secs => $3) \
         WHERE id IN (SELECT id FROM jobs WHERE (state = 'pending' AND run_at <= now()) \
                      OR (state = 'running' AND locked_until < now()) \
                      ORDER BY run_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING id, kind, payload, attempts, max_attempts",
    )
    .bind(worker)
    .bind(limit)
    .bind(lease_secs as f64)
    .fetch_all(db)
    .await
}

/// A done job is removed.
pub async fn complete(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// A failed attempt: back to pending at `retry_at`, or `failed` for good when `retry_at` is None.
pub async fn fail(
    db: impl PgExecutor<'_>,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET state = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, \
         run_at = COALESCE($3, run_at), last_error = $2, locked_by = NULL, locked_until = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Jobs waiting or running, by kind (for the admin and for tests that wait for a quiet queue).
pub async fn pending_count(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')")
        .fetch_one(db)
        .await
}
