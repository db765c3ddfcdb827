//! The database side of the in-process caches (`service::cache`): the channel their
//! invalidations arrive on, and the epoch that tells a process whether it has heard of every
//! change committed so far. The triggers that notify are in the `cache_invalidation`
//! migration.

use sqlx::PgExecutor;

/// The channel every change to a cached row is announced on, as `"<kind> <id>,… <epoch>"`:
/// one announcement per statement and kind, all of a transaction's with one epoch
/// (migration `coalesced_invalidation`).
pub const CHANNEL: &str = "rookery_cache";

/// The epoch now: the number the latest announced change took (0 before the first).
macro_rules! cache_epoch {
    () => {
        "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rookery_cache_epoch)"
    };
}
pub(crate) use cache_epoch;

/// The epoch now, alone (for readers with no other query to carry it).
pub async fn epoch(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concat!("SELECT ", cache_epoch!()))
        .fetch_one(db)
        .await
}

/// Announces a marker with an epoch of its own and returns that epoch. A listener that hears
/// it has heard every change committed before it, so a process behind the epoch it read can
/// catch up even when the change it is waiting for was rolled back and will never come.
pub async fn mark(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT e FROM (SELECT nextval('rookery_cache_epoch') AS e) n, \
         LATERAL (SELECT pg_notify($1, 'm 0 ' || n.e)) x",
    )
    .bind(CHANNEL)
    .fetch_one(db)
    .await
}
