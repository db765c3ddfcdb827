//! Scheduled statuses (`scheduled_statuses`): statuses waiting for their time. The uploads a
//! scheduled status reserves are in `store::media` (`reserve`, `for_scheduled`).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::model::{Page, ScheduledStatus, Visibility};

const COLUMNS: &str = "id, account_id, scheduled_at, text, spoiler_text, sensitive, visibility, \
     in_reply_to_id, language, media_ids, poll, application_id, quoted_status_id, \
     quote_approval_policy, created_at";

/// A scheduled status to store.
pub struct NewScheduled<'a> {
    pub id: i64,
    pub account_id: i64,
    pub scheduled_at: DateTime<Utc>,
    pub text: &'a str,
    pub spoiler_text: Option<&'a str>,
    pub sensitive: Option<bool>,
    pub visibility: Visibility,
    pub in_reply_to_id: Option<i64>,
    pub language: Option<&'a str>,
    pub media_ids: &'a [i64],
    pub poll: Option<&'a serde_json::Value>,
    pub application_id: Option<i64>,
    pub idempotency_key: Option<&'a str>,
    pub quoted_status_id: Option<i64>,
    pub quote_approval_policy: Option<&'a str>,
}

/// Stores a scheduled status.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewScheduled<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO scheduled_statuses (id, account_id, scheduled_at, text, spoiler_text, \
         sensitive, visibility, in_reply_to_id, language, media_ids, poll, application_id, \
         idempotency_key, quoted_status_id, quote_approval_policy) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(new.id)
    .bind(new.account_id)
    .bind(new.scheduled_at)
    .bind(new.text)
    .bind(new.spoiler_text)
    .bind(new.sensitive)
    .bind(new.visibility.as_str())
    .bind(new.in_reply_to_id)
    .bind(new.language)
    .bind(new.media_ids)
    .bind(new.poll)
    .bind(new.application_id)
    .bind(new.idempotency_key)
    .bind(new.quoted_status_id)
    .bind(new.quote_approval_policy)
    .execute(db)
    .await?;
    Ok(())
}

/// Serialises the scheduling of one account's statuses until the caller's transaction ends,
/// so the limits counted in it hold however many requests arrive at once. `NO KEY UPDATE`
/// does not hold up the rows that refer to the account meanwhile.
pub async fn lock_account(db: impl PgExecutor<'_>, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// One of `account_id`'s scheduled statuses.
pub async fn by_id(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> Result<Option<ScheduledStatus>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM scheduled_statuses WHERE id = $1 AND account_id = $2"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(db)
    .await
}

/// A scheduled status, whoever's (for the job that publishes it).
pub async fn by_id_any(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<ScheduledStatus>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM scheduled_statuses WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The scheduled status `account_id` created with the `Idempotency-Key` `key` since `since`.
pub async fn by_idempotency_key(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
    since: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM scheduled_statuses WHERE account_id = $1 AND idempotency_key = $2 \
         AND created_at >= $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(key)
    .bind(since)
    .fetch_optional(db)
    .await
}

/// A page of `account_id`'s scheduled statuses, newest (by id) first.
pub async fn page(
    db: impl PgExecutor<'_>,
    account_id: i64,
    page: &Page,
) -> Result<Vec<ScheduledStatus>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM scheduled_statuses WHERE account_id = $1 \
         AND ($2::bigint IS NULL OR id < $2) AND ($3::bigint IS NULL OR id > $3) \
         ORDER BY id {} LIMIT $4",
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

/// How many scheduled statuses `account_id` has waiting.
pub async fn count(db: impl PgExecutor<'_>, account_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM scheduled_statuses WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(db)
        .await
}

/// How many of `account_id`'s scheduled statuses are due in `[from, to)`, leaving `except`
/// out (the one being rescheduled).
pub async fn count_between(
    db: impl PgExecutor<'_>,
    account_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    except: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM scheduled_statuses WHERE account_id = $1 \
         AND scheduled_at >= $2 AND scheduled_at < $3 AND ($4::bigint IS NULL OR id <> $4)",
    )
    .bind(account_id)
    .bind(from)
    .bind(to)
    .bind(except)
    .fetch_one(db)
    .await
}

/// Moves one of `account_id`'s scheduled statuses to `at`; false when there is no such one.
pub async fn reschedule(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE scheduled_statuses SET scheduled_at = $3 WHERE id = $1 AND account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes one of `account_id`'s scheduled statuses (its uploads are freed); false when there
/// is no such one.
pub async fn delete(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM scheduled_statuses WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the scheduled status `id` for publication, if it is still due at `at` (not cancelled,
/// not rescheduled): deletes it and says whether it was there. In the transaction that
/// creates its status, so only one publication can take it: a second one waits for the first
/// to commit and then finds nothing.
pub async fn take(
    db: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM scheduled_statuses WHERE id = $1 AND scheduled_at = $2")
        .bind(id)
        .bind(at)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
