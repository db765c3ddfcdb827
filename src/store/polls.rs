//! Polls and their votes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::{Account, Poll};

const COLUMNS: &str = "id, status_id, account_id, options, votes, multiple, hide_totals, \
     voters_count, expires_at, closed_at, fetched_at, updated_at";

/// A poll to store with its status.
pub struct NewPoll<'a> {
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    pub options: &'a [String],
    /// Votes per option (zeros for a new local poll).
    pub votes: &'a [i64],
    pub multiple: bool,
    pub hide_totals: bool,
    pub voters_count: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When a remote poll's counts were read; `None` for a local one.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// Stores a poll.
pub async fn insert(db: impl PgExecutor<'_>, p: &NewPoll<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO polls (id, status_id, account_id, options, votes, multiple, hide_totals, \
         voters_count, expires_at, closed_at, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(p.id)
    .bind(p.status_id)
    .bind(p.account_id)
    .bind(p.options)
    .bind(p.votes)
    .bind(p.multiple)
    .bind(p.hide_totals)
    .bind(p.voters_count)
    .bind(p.expires_at)
    .bind(p.closed_at)
    .bind(p.fetched_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The poll with this id.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Poll>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM polls WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The poll with this id, locked until the caller's transaction ends (votes on one poll are
/// counted one after the other).
pub async fn lock(db: &mut PgConnection, id: i64) -> Result<Option<Poll>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM polls WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The poll of a status.
pub async fn by_status(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<Option<Poll>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM polls WHERE status_id = $1"))
        .bind(status_id)
        .fetch_optional(db)
        .await
}

/// The polls of these statuses.
pub async fn for_statuses(
    db: impl PgExecutor<'_>,
    status_ids: &[i64],
) -> Result<Vec<Poll>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM polls WHERE status_id = ANY($1)"
    ))
    .bind(status_ids)
    .fetch_all(db)
    .await
}

/// `account_id`'s choices on these polls, as (poll id, choice) in the order of the options.
pub async fn choices_of(
    db: impl PgExecutor<'_>,
    account_id: i64,
    poll_ids: &[i64],
) -> Result<Vec<(i64, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT poll_id, choice FROM poll_votes WHERE account_id = $1 AND poll_id = ANY($2) \
         ORDER BY poll_id, choice",
    )
    .bind(account_id)
    .bind(poll_ids)
    .fetch_all(db)
    .await
}

/// Whether `account_id` voted on the poll.
pub async fn has_voted(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    account_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM poll_votes WHERE poll_id = $1 AND account_id = $2)",
    )
    .bind(poll_id)
    .bind(account_id)
    .fetch_one(db)
    .await
}

/// One vote to record.
pub struct NewVote<'a> {
    pub id: i64,
    pub choice: i32,
    pub uri: Option<&'a str>,
}

/// Records `account_id`'s votes on the poll; a choice already recorded is left alone.
/// Returns how many were new.
pub async fn insert_votes(
    db: &mut PgConnection,
    poll_id: i64,
    account_id: i64,
    votes: &[NewVote<'_>],
) -> Result<u64, sqlx::Error> {
    let mut added = 0;
    for v in votes {
        added += sqlx::query(
            "INSERT INTO poll_votes (id, poll_id, account_id, choice, uri) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (poll_id, account_id, choice) DO NOTHING",
        )
        .bind(v.id)
        .bind(poll_id)
        .bind(account_id)
        .bind(v.choice)
        .bind(v.uri)
        .execute(&mut *db)
        .await?
        .rows_affected();
    }
    Ok(added)
}

/// Counts a local poll's votes again from the votes recorded: per option, and its voters.
pub async fn recount(db: impl PgExecutor<'_>, poll_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE polls p SET votes = ARRAY(SELECT (SELECT count(*) FROM poll_votes v \
             WHERE v.poll_id = p.id AND v.choice = o.i - 1) \
           FROM generate_subscripts(p.options, 1) AS o(i) ORDER BY o.i), \
         voters_count = (SELECT count(DISTINCT v.account_id) FROM poll_votes v WHERE v.poll_id = p.id), \
         updated_at = now() WHERE p.id = $1",
    )
    .bind(poll_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Adds one local voter's `choices` to a remote poll's counts (its server's next report
/// replaces them).
pub async fn add_to_counts(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    choices: &[i32],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE polls p SET votes = ARRAY(SELECT p.votes[o.i] + \
             CASE WHEN (o.i - 1) = ANY($2) THEN 1 ELSE 0 END \
           FROM generate_subscripts(p.options, 1) AS o(i) ORDER BY o.i), \
         voters_count = p.voters_count + 1, updated_at = now() WHERE p.id = $1",
    )
    .bind(poll_id)
    .bind(choices)
    .execute(db)
    .await?;
    Ok(())
}

/// What an edit or a peer's report changes of a poll.
pub struct Revision<'a> {
    pub options: &'a [String],
    pub votes: &'a [i64],
    pub multiple: bool,
    pub hide_totals: bool,
    pub voters_count: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// Replaces what a poll says and counts.
pub async fn revise(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    r: &Revision<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE polls SET options = $2, votes = $3, multiple = $4, hide_totals = $5, \
         voters_count = $6, expires_at = $7, closed_at = $8, fetched_at = $9, updated_at = now() \
         WHERE id = $1",
    )
    .bind(poll_id)
    .bind(r.options)
    .bind(r.votes)
    .bind(r.multiple)
    .bind(r.hide_totals)
    .bind(r.voters_count)
    .bind(r.expires_at)
    .bind(r.closed_at)
    .bind(r.fetched_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Notes that a remote poll was just asked for again (whatever the answer), so views do not
/// queue another refresh before `refresh_after_secs` have passed.
pub async fn touch_fetched(db: impl PgExecutor<'_>, status_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE polls SET fetched_at = now() WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets every vote cast on a poll (its options changed).
pub async fn clear_votes(db: impl PgExecutor<'_>, poll_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM poll_votes WHERE poll_id = $1")
        .bind(poll_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes a status's poll (an edit dropped it), with its votes.
pub async fn delete_for_status(db: impl PgExecutor<'_>, status_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM polls WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Keeps the poll's options with the earlier version `edit_id` of its status.
pub async fn snapshot_for_edit(
    db: impl PgExecutor<'_>,
    edit_id: i64,
    status_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE status_edits SET poll_options = (SELECT options FROM polls WHERE status_id = $2) \
         WHERE id = $1",
    )
    .bind(edit_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Closes the poll if it is still open and still ends at `expires_at`; whether it did (so
/// only one of several runs of the expiry acts).
pub async fn close(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE polls SET closed_at = now(), updated_at = now() \
         WHERE id = $1 AND closed_at IS NULL AND expires_at = $2",
    )
    .bind(poll_id)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a local poll's new counts as waiting for their `Update`; whether it was not marked
/// already (then the caller queues the job that sends it).
pub async fn mark_update_due(db: impl PgExecutor<'_>, poll_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE polls SET update_due = true WHERE id = $1 AND NOT update_due")
        .bind(poll_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Clears the mark of [`mark_update_due`]: the counts as of now are being sent.
pub async fn clear_update_due(db: impl PgExecutor<'_>, poll_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE polls SET update_due = false WHERE id = $1")
        .bind(poll_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The accounts that voted on a poll: local ones (`local` true) or remote ones.
pub async fn voters(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    local: bool,
) -> Result<Vec<Account>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        account_columns!(),
        " FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id \
         WHERE a.id IN (SELECT v.account_id FROM poll_votes v WHERE v.poll_id = $1) \
         AND (a.domain IS NULL) = $2 ORDER BY a.id"
    ))
    .bind(poll_id)
    .bind(local)
    .fetch_all(db)
    .await
}
