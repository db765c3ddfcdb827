//! Full account archives (`account_archives`), and the reads that fill one: every status of
//! the account in order, and the statuses it favourited and bookmarked, a page at a time.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::model::archive::{Archive, ArchiveState};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    account_id: i64,
    state: String,
    file_key: Option<String>,
    file_size: Option<i64>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl From<Row> for Archive {
    fn from(r: Row) -> Archive {
        Archive {
            id: r.id,
            account_id: r.account_id,
            state: ArchiveState::parse(&r.state),
            file_key: r.file_key,
            file_size: r.file_size,
            created_at: r.created_at,
            finished_at: r.finished_at,
            expires_at: r.expires_at,
        }
    }
}

const COLUMNS: &str =
    "id, account_id, state, file_key, file_size, created_at, finished_at, expires_at";

/// Records a pending archive of `account_id`.
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: i64,
    account_id: i64,
    created_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO account_archives (id, account_id, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(account_id)
        .bind(created_at)
        .execute(db)
        .await?;
    Ok(())
}

/// The archive `id`.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Archive>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM account_archives WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Archive::from))
}

/// The newest archive of `account_id`.
pub async fn latest(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Option<Archive>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM account_archives WHERE account_id = $1 ORDER BY id DESC LIMIT 1"
    ))
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Archive::from))
}

/// Whether `account_id` asked for an archive since `since` that did not fail.
pub async fn requested_since(
    db: impl PgExecutor<'_>,
    account_id: i64,
    since: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM account_archives WHERE account_id = $1 \
         AND state <> 'failed' AND created_at > $2)",
    )
    .bind(account_id)
    .bind(since)
    .fetch_one(db)
    .await
}

/// The archive `id` is made: its file, size, and until when it is offered. False when it was
/// not pending any more (another run of its job, whose lease ran out, got there first).
pub async fn mark_ready(
    db: impl PgExecutor<'_>,
    id: i64,
    file_key: &str,
    file_size: i64,
    finished_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE account_archives SET state = 'ready', file_key = $2, file_size = $3, \
         finished_at = $4, expires_at = $5 WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .bind(file_key)
    .bind(file_size)
    .bind(finished_at)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The archive `id` could not be made.
pub async fn mark_failed(
    db: impl PgExecutor<'_>,
    id: i64,
    finished_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE account_archives SET state = 'failed', finished_at = $2 \
         WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .bind(finished_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets the archive `id`; its file's key, if it had one, for the caller to remove.
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> Result<Option<String>, sqlx::Error> {
    let key: Option<Option<String>> =
        sqlx::query_scalar("DELETE FROM account_archives WHERE id = $1 RETURNING file_key")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(key.flatten())
}

/// Forgets every archive of `account_id` (its data is being removed); their files' keys.
pub async fn delete_of_account(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let keys: Vec<Option<String>> =
        sqlx::query_scalar("DELETE FROM account_archives WHERE account_id = $1 RETURNING file_key")
            .bind(account_id)
            .fetch_all(db)
            .await?;
    Ok(keys.into_iter().flatten().collect())
}

/// How many statuses (boosts included) `account_id` has, counted now.
pub async fn count_statuses(db: impl PgExecutor<'_>, account_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM statuses WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(db)
        .await
}

/// A page of the ids of every status and boost of `account_id`, of every visibility, oldest
/// first, after `after`.
pub async fn status_ids(
    db: impl PgExecutor<'_>,
    account_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM statuses WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(account_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Which of an account's reactions a page reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    Favourites,
    Bookmarks,
}

/// A page of the statuses `account_id` favourited (or bookmarked), oldest first after the
/// reaction `after`: each reaction's id and the status's URI.
pub async fn reacted_uris(
    db: impl PgExecutor<'_>,
    account_id: i64,
    which: Reaction,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let table = match which {
        Reaction::Favourites => "favourites",
        Reaction::Bookmarks => "bookmarks",
    };
    sqlx::query_as(&format!(
        "SELECT r.id, s.uri FROM {table} r JOIN statuses s ON s.id = r.status_id \
         WHERE r.account_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3"
    ))
    .bind(account_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How many statuses `account_id` favourited (or bookmarked).
pub async fn count_reacted(
    db: impl PgExecutor<'_>,
    account_id: i64,
    which: Reaction,
) -> Result<i64, sqlx::Error> {
    let table = match which {
        Reaction::Favourites => "favourites",
        Reaction::Bookmarks => "bookmarks",
    };
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {table} r JOIN statuses s ON s.id = r.status_id \
         WHERE r.account_id = $1"
    ))
    .bind(account_id)
    .fetch_one(db)
    .await
}

/// Holds the archive requests of `account_id` until the transaction ends, so two requests at
/// once cannot both find none in the last week.
pub async fn lock_requests(db: impl PgExecutor<'_>, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('account_archives'), $1::int)")
        .bind((account_id % i64::from(i32::MAX)) as i32)
        .execute(db)
        .await?;
    Ok(())
}
