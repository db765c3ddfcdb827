//! What is known of remote hosts that deliveries failed to (`delivery_hosts`, see the
//! migration): a run of failures, and whether the host is marked unavailable.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A host with failed deliveries and no success since.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FailingHost {
    pub host: String,
    pub failing_since: DateTime<Utc>,
    pub last_failure_at: DateTime<Utc>,
    pub last_error: String,
    pub failures: i64,
    pub unavailable_since: Option<DateTime<Utc>>,
}

/// Records a failed delivery to `host` at `now`; the host becomes unavailable when its run of
/// failures began before `unavailable_before`. Returns the host's state afterwards.
pub async fn record_failure(
    db: impl PgExecutor<'_>,
    host: &str,
    error: &str,
    now: DateTime<Utc>,
    unavailable_before: DateTime<Utc>,
) -> Result<FailingHost, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO delivery_hosts AS d (host, failing_since, last_failure_at, last_error) \
         VALUES ($1, $3, $3, $2) \
         ON CONFLICT (host) DO UPDATE SET last_failure_at = $3, last_error = $2, \
             failures = d.failures + 1, \
             unavailable_since = COALESCE(d.unavailable_since, \
                 CASE WHEN d.failing_since < $4 THEN $3 END) \
         RETURNING host, failing_since, last_failure_at, last_error, failures, unavailable_since",
    )
    .bind(host)
    .bind(error)
    .bind(now)
    .bind(unavailable_before)
    .fetch_one(db)
    .await
}

/// Forgets a host's failures: it answered. Returns whether it had been marked unavailable.
pub async fn clear(db: impl PgExecutor<'_>, host: &str) -> Result<bool, sqlx::Error> {
    let was: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "DELETE FROM delivery_hosts WHERE host = $1 RETURNING unavailable_since",
    )
    .bind(host)
    .fetch_optional(db)
    .await?;
    Ok(matches!(was, Some(Some(_))))
}

/// What is recorded of `host`: `None` when nothing (it has not failed), else whether it is
/// marked unavailable.
pub async fn state(db: impl PgExecutor<'_>, host: &str) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar("SELECT unavailable_since IS NOT NULL FROM delivery_hosts WHERE host = $1")
        .bind(host)
        .fetch_optional(db)
        .await
}

/// Whether `host` is marked unavailable.
pub async fn is_unavailable(db: impl PgExecutor<'_>, host: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM delivery_hosts WHERE host = $1 \
         AND unavailable_since IS NOT NULL)",
    )
    .bind(host)
    .fetch_one(db)
    .await
}

/// Of `hosts`, those marked unavailable.
pub async fn unavailable_among(
    db: impl PgExecutor<'_>,
    hosts: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT host FROM delivery_hosts WHERE host = ANY($1) AND unavailable_since IS NOT NULL",
    )
    .bind(hosts)
    .fetch_all(db)
    .await
}

/// Every failing host, unavailable ones first, then by how long they have been failing.
pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<FailingHost>, sqlx::Error> {
    sqlx::query_as(
        "SELECT host, failing_since, last_failure_at, last_error, failures, unavailable_since \
         FROM delivery_hosts ORDER BY unavailable_since IS NULL, failing_since",
    )
    .fetch_all(db)
    .await
}
