//! The queries of the streaming API: publishing an event with `NOTIFY`, listening for them,
//! and the facts that decide which of a process's connected subscribers an event reaches.

use sqlx::postgres::PgListener;
use sqlx::{PgExecutor, PgPool};

/// The PostgreSQL channel every Rookery process listens on for streaming events.
const CHANNEL: &str = "rookery_streaming";

/// A connection of its own that `LISTEN`s on [`CHANNEL`]; it is listening when this returns.
/// It reconnects by itself after a lost connection (what was sent meanwhile is lost).
pub async fn listener(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Publishes `payload` on [`CHANNEL`]. Inside a transaction PostgreSQL delivers it at commit,
/// so listeners never hear of rows they cannot read yet (and nothing of a rolled-back one).
pub async fn publish(db: impl PgExecutor<'_>, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(db)
        .await?;
    Ok(())
}

/// Which of `owners` have `status_id` in their home feed.
pub async fn home_feed_owners(
    db: impl PgExecutor<'_>,
    status_id: i64,
    owners: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM home_feed WHERE status_id = $1 AND account_id = ANY($2)",
    )
    .bind(status_id)
    .bind(owners)
    .fetch_all(db)
    .await
}

/// How `viewers` stand towards one author: (viewers blocking or blocked by the author,
/// viewers muting the author), one query for any number of viewers.
pub async fn standing(
    db: impl PgExecutor<'_>,
    author: i64,
    viewers: &[i64],
) -> Result<(Vec<i64>, Vec<i64>), sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT 'b', CASE WHEN account_id = $1 THEN target_account_id ELSE account_id END FROM blocks \
         WHERE (account_id = $1 AND target_account_id = ANY($2)) OR (target_account_id = $1 AND account_id = ANY($2)) \
         UNION ALL \
         SELECT 'm', account_id FROM mutes WHERE target_account_id = $1 AND account_id = ANY($2) \
         AND (expires_at IS NULL OR expires_at > now())",
    )
    .bind(author)
    .bind(viewers)
    .fetch_all(db)
    .await?;
    let (mut blocked, mut muting) = (Vec::new(), Vec::new());
    for (kind, id) in rows {
        if kind == "b" {
            blocked.push(id);
        } else {
            muting.push(id);
        }
    }
    Ok((blocked, muting))
}

/// Which of `viewers` follow `author`.
pub async fn followers_among(
    db: impl PgExecutor<'_>,
    author: i64,
    viewers: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM follows WHERE target_account_id = $1 AND account_id = ANY($2)",
    )
    .bind(author)
    .bind(viewers)
    .fetch_all(db)
    .await
}

/// The boosts of a status (id, booster, local), newest first, at most `limit`: they vanish
/// with it, and the streams that showed them are told.
pub async fn boosts_of(
    db: impl PgExecutor<'_>,
    status_id: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, bool)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, account_id, local FROM statuses WHERE reblog_of_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(status_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
