//! Finding people: follow suggestions (and the ones dismissed) and the profile directory.

use sqlx::PgExecutor;

/// Who may be shown to people who do not know them yet: discoverable, neither suspended nor
/// silenced, not moved away, and (local accounts) an approved user who is not disabled
/// (`a` is the account).
const DISCOVERABLE: &str = "a.discoverable AND a.suspended_at IS NULL AND a.silenced_at IS NULL \
     AND a.moved_to_account_id IS NULL \
     AND NOT EXISTS (SELECT 1 FROM users du WHERE du.account_id = a.id AND (NOT du.approved OR du.disabled))";

/// One suggested account and why: Mastodon's sources (`featured`, `friends_of_friends`,
/// `most_followed`, `most_interactions`).
#[derive(Debug, sqlx::FromRow)]
pub struct Suggested {
    pub account_id: i64,
    pub sources: Vec<String>,
}

/// Accounts to suggest `viewer` follow, best first: those local staff endorse, then those
/// followed by the most people `viewer` follows, then the local accounts with most local
/// followers, then those whose public posts of the last thirty days drew the most boosts and
/// favourites. Never `viewer`, nor accounts they follow or asked to follow, block, mute, are
/// blocked by or dismissed, nor any account not [`DISCOVERABLE`].
pub async fn suggestions(
    db: impl PgExecutor<'_>,
    viewer: i64,
    limit: i64,
) -> Result<Vec<Suggested>, sqlx::Error> {
    let sql = format!(
        "WITH candidates (id, source, weight) AS ( \
           SELECT e.target_account_id, 'featured', count(*)::float8 FROM endorsements e \
           JOIN users su ON su.account_id = e.account_id AND su.role IN ('moderator', 'admin') \
           GROUP BY 1 \
           UNION ALL \
           SELECT f2.target_account_id, 'friends_of_friends', count(*)::float8 FROM follows f1 \
           JOIN follows f2 ON f2.account_id = f1.target_account_id WHERE f1.account_id = $1 GROUP BY 1 \
           UNION ALL \
           (SELECT f.target_account_id, 'most_followed', count(*)::float8 FROM follows f \
            JOIN accounts fa ON fa.id = f.account_id AND fa.domain IS NULL \
            JOIN accounts ft ON ft.id = f.target_account_id AND ft.domain IS NULL \
            GROUP BY 1 ORDER BY 3 DESC LIMIT 200) \
           UNION ALL \
           (SELECT s.account_id, 'most_interactions', sum(ss.reblogs_count + ss.favourites_count)::float8 \
            FROM statuses s JOIN status_stats ss ON ss.status_id = s.id \
            WHERE s.created_at > now() - interval '30 days' AND s.visibility = 'public' \
            AND s.reblog_of_id IS NULL \
            GROUP BY 1 HAVING sum(ss.reblogs_count + ss.favourites_count) > 0 ORDER BY 3 DESC LIMIT 200)) \
         SELECT c.id AS account_id, array_agg(DISTINCT c.source) AS sources FROM candidates c \
         JOIN accounts a ON a.id = c.id \
         WHERE c.id <> $1 AND {DISCOVERABLE} \
         AND NOT EXISTS (SELECT 1 FROM follows x WHERE x.account_id = $1 AND x.target_account_id = c.id) \
         AND NOT EXISTS (SELECT 1 FROM follow_requests x WHERE x.account_id = $1 AND x.target_account_id = c.id) \
         AND NOT EXISTS (SELECT 1 FROM blocks x WHERE (x.account_id = $1 AND x.target_account_id = c.id) \
                         OR (x.account_id = c.id AND x.target_account_id = $1)) \
         AND NOT EXISTS (SELECT 1 FROM mutes x WHERE x.account_id = $1 AND x.target_account_id = c.id \
                         AND (x.expires_at IS NULL OR x.expires_at > now())) \
         AND NOT EXISTS (SELECT 1 FROM suggestion_dismissals x WHERE x.account_id = $1 AND x.target_account_id = c.id) \
         GROUP BY c.id \
         ORDER BY bool_or(c.source = 'featured') DESC, \
           COALESCE(max(c.weight) FILTER (WHERE c.source = 'friends_of_friends'), 0) DESC, \
           COALESCE(max(c.weight) FILTER (WHERE c.source = 'most_followed'), 0) DESC, \
           COALESCE(max(c.weight) FILTER (WHERE c.source = 'most_interactions'), 0) DESC, \
           c.id DESC \
         LIMIT $2"
    );
    sqlx::query_as(&sql)
        .bind(viewer)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// `viewer` does not want `target` suggested again.
pub async fn dismiss(db: impl PgExecutor<'_>, viewer: i64, target: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO suggestion_dismissals (account_id, target_account_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(viewer)
    .bind(target)
    .execute(db)
    .await?;
    Ok(())
}

/// What a page of the profile directory asks for.
pub struct DirectoryQuery {
    pub viewer: Option<i64>,
    pub local_only: bool,
    /// Newest profiles first, rather than the most recently active.
    pub newest: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A page of the profile directory: [`DISCOVERABLE`] people (no service actors), most
/// recently active or newest first; for a signed-in viewer, not those they block, mute, or
/// are blocked by.
pub async fn directory(
    db: impl PgExecutor<'_>,
    q: &DirectoryQuery,
) -> Result<Vec<i64>, sqlx::Error> {
    let order = if q.newest {
        "a.created_at DESC, a.id DESC"
    } else {
        "s.last_status_at DESC NULLS LAST, a.id DESC"
    };
    let sql = format!(
        "SELECT a.id FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id \
         WHERE {DISCOVERABLE} AND a.actor_type <> 'Application' \
         AND ($1 = FALSE OR a.domain IS NULL) \
         AND ($2::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM blocks x WHERE (x.account_id = $2 AND x.target_account_id = a.id) \
                                               OR (x.account_id = a.id AND x.target_account_id = $2))) \
         AND ($2::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM mutes x WHERE x.account_id = $2 AND x.target_account_id = a.id \
                                               AND (x.expires_at IS NULL OR x.expires_at > now()))) \
         ORDER BY {order} OFFSET $3 LIMIT $4"
    );
    sqlx::query_scalar(&sql)
        .bind(q.local_only)
        .bind(q.viewer)
        .bind(q.offset)
        .bind(q.limit)
        .fetch_all(db)
        .await
}
