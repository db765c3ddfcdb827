//! All SQL lives here, one file per aggregate. Functions take any executor (pool, connection or
//! transaction) so services decide what runs in one transaction, and return `model` types.
//!
//! Queries are checked at run time rather than with `sqlx::query!`: every query runs in the
//! integration tests against a real PostgreSQL, and the build needs no database or offline
//! query data.

pub mod accounts;
pub mod feeds;
pub mod jobs;
pub mod markers;
pub mod notifications;
pub mod oauth;
pub mod relationships;
pub mod statuses;
pub mod users;

/// The constraint a unique violation names, if `e` is one: services turn it into a 422.
pub fn unique_violation(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            Some(db.constraint().unwrap_or_default().to_string())
        }
        _ => None,
    }
}

/// Whether the database answers (readiness checks).
pub async fn ping(db: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(db)
        .await
        .map(|_| ())
}
