//! What trends are computed from: recent public activity of accounts that may be discovered,
//! and the moderators' reviews of trending statuses. (Hashtags keep their review on the
//! `tags` row: `store::tags::review`.)

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// The statuses that may feed trends, as SQL conditions on `s` (the status) and `a` (its
/// author): public originals written here (not imported from an archive), not sensitive nor
/// behind a content warning, by discoverable
/// accounts neither suspended nor silenced.
const ELIGIBLE: &str = "s.visibility = 'public' AND s.reblog_of_id IS NULL AND NOT s.sensitive \
     AND s.imported_from IS NULL \
     AND s.spoiler_text = '' AND a.discoverable AND a.suspended_at IS NULL AND a.silenced_at IS NULL";

/// A hashtag's recent use: distinct accounts in the last day (`observed`) and per day over
/// the six days before (`baseline`), and when it was last used.
#[derive(Debug, sqlx::FromRow)]
pub struct TagActivity {
    pub tag_id: i64,
    pub observed: i64,
    pub baseline: f64,
    pub last_used: DateTime<Utc>,
    pub trendable: Option<bool>,
}

/// The use of every hashtag used in eligible statuses of the last week (statuses from
/// `since_id` on, which is the week's first id).
pub async fn tag_activity(
    db: impl PgExecutor<'_>,
    since_id: i64,
) -> Result<Vec<TagActivity>, sqlx::Error> {
    let sql = format!(
        "SELECT u.tag_id, \
         count(DISTINCT u.account_id) FILTER (WHERE u.created_at > now() - interval '1 day') AS observed, \
         (count(DISTINCT (u.account_id, u.day)) FILTER (WHERE u.created_at <= now() - interval '1 day'))::float8 / 6.0 \
           AS baseline, \
         max(u.created_at) AS last_used, t.trendable \
         FROM (SELECT st.tag_id, s.account_id, s.created_at, date_trunc('day', s.created_at) AS day \
               FROM statuses_tags st JOIN statuses s ON s.id = st.status_id \
               JOIN accounts a ON a.id = s.account_id \
               WHERE s.id >= $1 AND s.created_at > now() - interval '7 days' AND {ELIGIBLE}) u \
         JOIN tags t ON t.id = u.tag_id \
         GROUP BY u.tag_id, t.trendable"
    );
    sqlx::query_as(&sql).bind(since_id).fetch_all(db).await
}

/// A recent status's interactions (boosts and favourites) and age.
#[derive(Debug, sqlx::FromRow)]
pub struct StatusActivity {
    pub status_id: i64,
    pub interactions: i64,
    pub created_at: DateTime<Utc>,
    pub trendable: Option<bool>,
}

/// Eligible statuses from `since_id` on (no replies) with at least `threshold` boosts and
/// favourites.
pub async fn status_activity(
    db: impl PgExecutor<'_>,
    since_id: i64,
    threshold: i64,
) -> Result<Vec<StatusActivity>, sqlx::Error> {
    let sql = format!(
        "SELECT s.id AS status_id, (ss.reblogs_count + ss.favourites_count) AS interactions, \
         s.created_at, r.trendable \
         FROM statuses s JOIN status_stats ss ON ss.status_id = s.id \
         JOIN accounts a ON a.id = s.account_id \
         LEFT JOIN status_trend_reviews r ON r.status_id = s.id \
         WHERE s.id >= $1 AND s.in_reply_to_id IS NULL AND {ELIGIBLE} \
         AND ss.reblogs_count + ss.favourites_count >= $2"
    );
    sqlx::query_as(&sql)
        .bind(since_id)
        .bind(threshold)
        .fetch_all(db)
        .await
}

/// Records a moderator's review of `status` for trends.
pub async fn review_status(
    db: impl PgExecutor<'_>,
    status: i64,
    trendable: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO status_trend_reviews (status_id, trendable) VALUES ($1, $2) \
         ON CONFLICT (status_id) DO UPDATE SET trendable = EXCLUDED.trendable, reviewed_at = now()",
    )
    .bind(status)
    .bind(trendable)
    .execute(db)
    .await?;
    Ok(())
}

/// A fetched card's recent sharing: distinct accounts whose eligible statuses linked it in
/// the last day (`observed`) and per day over the six days before (`baseline`), and when it
/// was last shared.
#[derive(Debug, sqlx::FromRow)]
pub struct LinkActivity {
    pub card_id: i64,
    pub observed: i64,
    pub baseline: f64,
    pub last_used: DateTime<Utc>,
    pub trendable: Option<bool>,
}

/// The sharing of every card that eligible statuses of the last week linked (statuses from
/// `since_id` on), counted as hashtags are.
pub async fn link_activity(
    db: impl PgExecutor<'_>,
    since_id: i64,
) -> Result<Vec<LinkActivity>, sqlx::Error> {
    let sql = format!(
        "SELECT u.card_id, \
         count(DISTINCT u.account_id) FILTER (WHERE u.created_at > now() - interval '1 day') AS observed, \
         (count(DISTINCT (u.account_id, u.day)) FILTER (WHERE u.created_at <= now() - interval '1 day'))::float8 / 6.0 \
           AS baseline, \
         max(u.created_at) AS last_used, c.trendable \
         FROM (SELECT spc.card_id, s.account_id, s.created_at, date_trunc('day', s.created_at) AS day \
               FROM status_preview_cards spc JOIN statuses s ON s.id = spc.status_id \
               JOIN accounts a ON a.id = s.account_id \
               WHERE s.id >= $1 AND s.created_at > now() - interval '7 days' AND {ELIGIBLE}) u \
         JOIN preview_cards c ON c.id = u.card_id AND c.ok \
         GROUP BY u.card_id, c.trendable"
    );
    sqlx::query_as(&sql).bind(since_id).fetch_all(db).await
}

/// Shares of `cards` by day since `since` (a UTC midnight): (card, day, statuses, distinct
/// accounts), for eligible statuses. Days without shares are absent.
pub async fn link_uses_by_day(
    db: impl PgExecutor<'_>,
    cards: &[i64],
    since: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>, i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT spc.card_id, \
         date_trunc('day', s.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, \
         count(*) AS uses, count(DISTINCT s.account_id) AS accounts \
         FROM status_preview_cards spc JOIN statuses s ON s.id = spc.status_id \
         JOIN accounts a ON a.id = s.account_id \
         WHERE spc.card_id = ANY($1) AND s.created_at >= $2 AND {ELIGIBLE} \
         GROUP BY 1, 2"
    );
    sqlx::query_as(&sql)
        .bind(cards)
        .bind(since)
        .fetch_all(db)
        .await
}

/// Records a moderator's review of card `card` for trends; false when there is no such card.
pub async fn review_link(
    db: impl PgExecutor<'_>,
    card: i64,
    trendable: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE preview_cards SET trendable = $2, trend_reviewed_at = now() WHERE id = $1 AND ok",
    )
    .bind(card)
    .bind(trendable)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
