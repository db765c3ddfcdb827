//! What trends are computed from: recent public activity of accounts that may be discovered,
//! and the moderators' reviews of trending statuses. (Hashtags keep their review on the
//! `tags` row: `store::tags::review`.)

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// The statuses that may feed trends, as SQL conditions on `s` (the status) and `a` (its
/// author): public originals, not sensitive nor behind a content warning, by discoverable
/// accounts neither suspended nor silenced.
const ELIGIBLE: &str = "s.visibility = 'public' AND s.reblog_of_id IS NULL AND NOT s.sensitive \
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
