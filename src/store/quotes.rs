//! Quotes of statuses and who may quote a status.

use sqlx::{PgConnection, PgExecutor};

use crate::model::quote::{Quote, QuotePolicy, QuoteState};
use crate::model::Page;

const COLUMNS: &str = "id, status_id, account_id, quoted_status_id, quoted_account_id, \
     quoted_uri, state, activity_uri, approval_uri, legacy";

/// A quote to store with its quoting status.
pub struct NewQuote<'a> {
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    pub quoted_status_id: Option<i64>,
    pub quoted_account_id: Option<i64>,
    pub quoted_uri: &'a str,
    pub state: QuoteState,
    pub activity_uri: Option<&'a str>,
    pub approval_uri: Option<&'a str>,
    pub legacy: bool,
}

pub async fn insert(db: &mut PgConnection, q: &NewQuote<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quotes (id, status_id, account_id, quoted_status_id, quoted_account_id, \
         quoted_uri, state, activity_uri, approval_uri, legacy) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(q.id)
    .bind(q.status_id)
    .bind(q.account_id)
    .bind(q.quoted_status_id)
    .bind(q.quoted_account_id)
    .bind(q.quoted_uri)
    .bind(q.state.as_str())
    .bind(q.activity_uri)
    .bind(q.approval_uri)
    .bind(q.legacy)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Sets who may quote a status.
pub async fn set_policy(
    db: impl PgExecutor<'_>,
    status_id: i64,
    policy: Option<QuotePolicy>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE statuses SET quote_policy = $2 WHERE id = $1")
        .bind(status_id)
        .bind(policy.map(QuotePolicy::as_str))
        .execute(db)
        .await?;
    Ok(())
}

/// The quote of the quoting status `status_id`.
pub async fn of_status(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<Option<Quote>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quotes WHERE status_id = $1"
    ))
    .bind(status_id)
    .fetch_optional(db)
    .await
}

/// The quote asked for with the `QuoteRequest` `uri`.
pub async fn by_activity(db: impl PgExecutor<'_>, uri: &str) -> Result<Option<Quote>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quotes WHERE activity_uri = $1"
    ))
    .bind(uri)
    .fetch_optional(db)
    .await
}

/// The quote stamped by the `QuoteAuthorization` `uri`.
pub async fn by_approval(db: impl PgExecutor<'_>, uri: &str) -> Result<Option<Quote>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM quotes WHERE approval_uri = $1"
    ))
    .bind(uri)
    .fetch_optional(db)
    .await
}

/// The quote with this id.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Quote>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM quotes WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Moves a quote to `state`, with its stamp (kept when `None`) and the quoted status once
/// known. Whether a row changed.
pub async fn set_state(
    db: impl PgExecutor<'_>,
    id: i64,
    state: QuoteState,
    approval_uri: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE quotes SET state = $2, approval_uri = COALESCE($3, approval_uri), \
         updated_at = now() WHERE id = $1 AND state <> $2",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(approval_uri)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Records the quoted status of a quote once it is known here.
pub async fn set_quoted(
    db: impl PgExecutor<'_>,
    id: i64,
    quoted_status_id: i64,
    quoted_account_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE quotes SET quoted_status_id = $2, quoted_account_id = $3, updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(quoted_status_id)
    .bind(quoted_account_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks every quote of `quoted_status_id` deleted, as it is about to go. Returns them.
pub async fn mark_deleted(
    db: impl PgExecutor<'_>,
    quoted_status_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE quotes SET state = 'deleted', updated_at = now() \
         WHERE quoted_status_id = $1 RETURNING status_id",
    )
    .bind(quoted_status_id)
    .fetch_all(db)
    .await
}

/// The local accounts whose accepted quotes quote `quoted_status_id`, with their quoting
/// statuses.
pub async fn local_quoters(
    db: impl PgExecutor<'_>,
    quoted_status_id: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT q.account_id, q.status_id FROM quotes q JOIN accounts a ON a.id = q.account_id \
         WHERE q.quoted_status_id = $1 AND q.state = 'accepted' AND a.domain IS NULL",
    )
    .bind(quoted_status_id)
    .fetch_all(db)
    .await
}

/// A page of the accepted quotes of a status: (quote id, quoting status id).
pub async fn accepted_of(
    db: impl PgExecutor<'_>,
    quoted_status_id: i64,
    page: &Page,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    super::timelines::id_pairs(
        db,
        "SELECT q.id, q.status_id FROM quotes q \
         WHERE q.quoted_status_id = $1 AND q.state = 'accepted'",
        "q.id",
        quoted_status_id,
        page,
    )
    .await
}

/// Records the `QuoteRequest` a quote was asked with.
pub async fn set_activity(
    db: impl PgExecutor<'_>,
    id: i64,
    activity_uri: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE quotes SET activity_uri = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(activity_uri)
        .execute(db)
        .await?;
    Ok(())
}

/// How `viewer` stands towards the author of a quoted status.
#[derive(Debug, sqlx::FromRow)]
pub struct QuotedAuthorStanding {
    pub status_id: i64,
    pub author_id: i64,
    /// The author blocks the viewer.
    pub blocked_by: bool,
    /// The viewer blocks the author.
    pub blocking: bool,
    /// The viewer hides the author's domain.
    pub domain_blocking: bool,
    /// The viewer mutes the author (a mute that has not expired).
    pub muting: bool,
}

/// For each of the quoted statuses `status_ids`, how `viewer` stands towards its author.
pub async fn quoted_author_standing(
    db: impl PgExecutor<'_>,
    viewer: i64,
    status_ids: &[i64],
) -> Result<Vec<QuotedAuthorStanding>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id AS status_id, a.id AS author_id, \
         EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id \
                 AND b.target_account_id = $1) AS blocked_by, \
         EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $1 \
                 AND b.target_account_id = a.id) AS blocking, \
         (a.domain IS NOT NULL AND EXISTS (SELECT 1 FROM user_domain_blocks d \
                 WHERE d.account_id = $1 AND lower(d.domain) = lower(a.domain))) AS domain_blocking, \
         EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $1 AND m.target_account_id = a.id \
                 AND (m.expires_at IS NULL OR m.expires_at > now())) AS muting \
         FROM statuses s JOIN accounts a ON a.id = s.account_id \
         WHERE s.id = ANY($2) AND a.id <> $1",
    )
    .bind(viewer)
    .bind(status_ids)
    .fetch_all(db)
    .await
}
