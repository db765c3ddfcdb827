//! The materialised home feed.

use sqlx::PgExecutor;

/// How many entries a home feed keeps per owner; older ones are trimmed.
pub const FEED_CAP: i64 = 800;

/// Adds one status to the home feeds of `owners`.
pub async fn insert_for(
    db: impl PgExecutor<'_>,
    owners: &[i64],
    status_id: i64,
    author_id: i64,
    origin_author_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id, origin_author_id) \
         SELECT owner, $2, $3, $4 FROM unnest($1::bigint[]) AS owner ON CONFLICT DO NOTHING",
    )
    .bind(owners)
    .bind(status_id)
    .bind(author_id)
    .bind(origin_author_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Copies `author`'s recent statuses into `owner`'s feed (after a follow). Boosts only when
/// `with_reblogs`; direct statuses never; nothing while `author` is in one of `owner`'s
/// exclusive lists.
pub async fn merge_author(
    db: impl PgExecutor<'_>,
    owner: i64,
    author: i64,
    with_reblogs: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id, origin_author_id) \
         SELECT $1, s.id, s.account_id, o.account_id FROM statuses s \
         LEFT JOIN statuses o ON o.id = s.reblog_of_id \
         WHERE s.account_id = $2 AND s.visibility <> 'direct' AND s.imported_from IS NULL \
         AND ($3 OR s.reblog_of_id IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM lists xl JOIN list_accounts xa ON xa.list_id = xl.id \
                         WHERE xl.account_id = $1 AND xl.exclusive AND xa.account_id = $2) \
         ORDER BY s.id DESC LIMIT 100 ON CONFLICT DO NOTHING",
    )
    .bind(owner)
    .bind(author)
    .bind(with_reblogs)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes from `owner`'s feed what `author` wrote or boosted, and boosts of `author`'s posts.
pub async fn unmerge_author(
    db: impl PgExecutor<'_>,
    owner: i64,
    author: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM home_feed WHERE account_id = $1 AND (author_id = $2 OR origin_author_id = $2)",
    )
    .bind(owner)
    .bind(author)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes from `owner`'s feed what `author` wrote or boosted (they joined an exclusive list).
pub async fn remove_authored_by(
    db: impl PgExecutor<'_>,
    owner: i64,
    author: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2")
        .bind(owner)
        .bind(author)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes `booster`'s boosts from `owner`'s feed (a follow changed to `reblogs: false`).
pub async fn remove_reblogs_by(
    db: impl PgExecutor<'_>,
    owner: i64,
    booster: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2 AND origin_author_id IS NOT NULL",
    )
    .bind(owner)
    .bind(booster)
    .execute(db)
    .await?;
    Ok(())
}

/// What fan-out needs to know about a status.
pub struct FanOut<'a> {
    pub status_id: i64,
    pub author_id: i64,
    /// For a boost: the original's author.
    pub origin_author_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub language: Option<&'a str>,
    pub direct: bool,
    pub conversation_id: i64,
}

/// Adds a status to the home feeds of the author's local followers who read their feed in the
/// last two weeks (others get theirs rebuilt when they return), as Mastodon filters a home
/// feed: boosts only from follows that show them; replies to others only for followers of
/// the one replied to; direct messages only for those mentioned; the follow's languages; never
/// from or of an account the follower blocks or mutes, nor in a muted conversation; never
/// from a member of one of the follower's exclusive lists.
pub async fn fan_out(db: impl PgExecutor<'_>, s: &FanOut<'_>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id, origin_author_id) \
         SELECT f.account_id, $1, $2, $3 FROM follows f \
         JOIN users u ON u.account_id = f.account_id AND u.feed_active_at > now() - interval '14 days' \
         WHERE f.target_account_id = $2 \
         AND ($3::bigint IS NULL OR f.show_reblogs) \
         AND (NOT $6 OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = $1 AND m.account_id = f.account_id)) \
         AND ($4::bigint IS NULL OR $4 = $2 OR f.account_id = $4 \
              OR EXISTS (SELECT 1 FROM follows f2 WHERE f2.account_id = f.account_id AND f2.target_account_id = $4)) \
         AND (f.languages IS NULL OR $5::text IS NULL OR $5 = ANY(f.languages)) \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = f.account_id AND b.target_account_id IN ($2, COALESCE($3, $2))) \
                                                  OR (b.account_id = COALESCE($3, $2) AND b.target_account_id = f.account_id)) \
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = f.account_id AND m.target_account_id IN ($2, COALESCE($3, $2)) \
                         AND (m.expires_at IS NULL OR m.expires_at > now())) \
         AND NOT EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = f.account_id AND c.conversation_id = $7) \
         AND NOT EXISTS (SELECT 1 FROM lists xl JOIN list_accounts xa ON xa.list_id = xl.id \
                         WHERE xl.account_id = f.account_id AND xl.exclusive AND xa.account_id = $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(s.status_id)
    .bind(s.author_id)
    .bind(s.origin_author_id)
    .bind(s.in_reply_to_account_id)
    .bind(s.language)
    .bind(s.direct)
    .bind(s.conversation_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// What keeps a status of `author` (SQL on `au`, the author's `accounts` row) out of the home
/// feed of `owner` who follows one of its hashtags: blocks either way, mutes, the owner's
/// domain blocks, a muted conversation, a suspended author, and a silenced one the owner
/// does not follow (as Mastodon filters hashtag followers' feeds).
fn not_hidden_from_tag_follower(owner: &str, status: &str) -> String {
    format!(
        "au.suspended_at IS NULL \
         AND (au.silenced_at IS NULL OR EXISTS (SELECT 1 FROM follows sf WHERE sf.account_id = {owner} AND sf.target_account_id = au.id)) \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = {owner} AND b.target_account_id = au.id) \
                                                  OR (b.account_id = au.id AND b.target_account_id = {owner})) \
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = {owner} AND m.target_account_id = au.id \
                         AND (m.expires_at IS NULL OR m.expires_at > now())) \
         AND NOT EXISTS (SELECT 1 FROM user_domain_blocks d WHERE d.account_id = {owner} \
                         AND au.domain IS NOT NULL AND rookery_domain_covered(au.domain, d.domain)) \
         AND NOT EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = {owner} \
                         AND c.conversation_id = {status}.conversation_id)"
    )
}

/// Adds a public original status to the home feeds of the local people who follow one of its
/// hashtags and read their feed in the last two weeks, unless they hide its author
/// ([`not_hidden_from_tag_follower`]). The author's own feed is left to the author's rules.
pub async fn fan_out_to_tag_followers(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "INSERT INTO home_feed (account_id, status_id, author_id, origin_author_id) \
         SELECT DISTINCT tf.account_id, s.id, s.account_id, NULL::bigint FROM statuses s \
         JOIN accounts au ON au.id = s.account_id \
         JOIN statuses_tags st ON st.status_id = s.id \
         JOIN tag_follows tf ON tf.tag_id = st.tag_id AND tf.account_id <> s.account_id \
         JOIN users u ON u.account_id = tf.account_id AND u.feed_active_at > now() - interval '14 days' \
         WHERE s.id = $1 AND s.visibility = 'public' AND s.reblog_of_id IS NULL AND {} \
         ON CONFLICT DO NOTHING",
        not_hidden_from_tag_follower("tf.account_id", "s")
    );
    let done = sqlx::query(&sql).bind(status_id).execute(db).await?;
    Ok(done.rows_affected())
}

/// Takes out of `owner`'s feed what only `tag` brought there: statuses carrying it whose
/// author `owner` does not follow, which mention no one of theirs and carry no other tag
/// they follow (call after the follow of `tag` is gone).
pub async fn unmerge_tag(db: impl PgExecutor<'_>, owner: i64, tag: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM home_feed h WHERE h.account_id = $1 AND h.origin_author_id IS NULL \
         AND h.author_id <> $1 \
         AND EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = h.status_id AND st.tag_id = $2) \
         AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $1 AND f.target_account_id = h.author_id) \
         AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = h.status_id AND m.account_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM statuses_tags st2 JOIN tag_follows tf ON tf.tag_id = st2.tag_id \
                         AND tf.account_id = $1 WHERE st2.status_id = h.status_id)",
    )
    .bind(owner)
    .bind(tag)
    .execute(db)
    .await?;
    Ok(())
}

/// Local followers of `author` who asked to be notified of their posts.
pub async fn notify_followers(
    db: impl PgExecutor<'_>,
    author: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id AND a.domain IS NULL \
         WHERE f.target_account_id = $1 AND f.notify",
    )
    .bind(author)
    .fetch_all(db)
    .await
}

/// Marks `owner`'s feed as read now (at most once an hour, to spare writes on every read).
pub async fn touch_feed(db: impl PgExecutor<'_>, owner: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET feed_active_at = now() WHERE account_id = $1 \
         AND (feed_active_at IS NULL OR feed_active_at < now() - interval '1 hour')",
    )
    .bind(owner)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks `owner`'s feed as read now, unconditionally: fan-out writes to it from then on.
pub async fn mark_active(db: impl PgExecutor<'_>, owner: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET feed_active_at = now() WHERE account_id = $1")
        .bind(owner)
        .execute(db)
        .await?;
    Ok(())
}

/// Rebuilds `owner`'s feed from the statuses: their own and those of the accounts they follow,
/// with the same rules as fan-out (exclusive lists included), newest [`FEED_CAP`]. The feed
/// must already be marked active ([`mark_active`], committed), or a status fanned out while
/// this runs can be missed by both.
pub async fn rebuild(db: &mut sqlx::PgConnection, owner: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM home_feed WHERE account_id = $1")
        .bind(owner)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id, origin_author_id) \
         SELECT $1, s.id, s.account_id, o.account_id FROM statuses s \
         LEFT JOIN statuses o ON o.id = s.reblog_of_id \
         LEFT JOIN follows f ON f.account_id = $1 AND f.target_account_id = s.account_id \
         WHERE (s.account_id = $1 OR f.id IS NOT NULL) AND s.imported_from IS NULL \
         AND (s.visibility <> 'direct' OR s.account_id = $1 \
              OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = $1)) \
         AND (s.reblog_of_id IS NULL OR s.account_id = $1 OR f.show_reblogs) \
         AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id IN (s.account_id, $1) OR s.account_id = $1 \
              OR EXISTS (SELECT 1 FROM follows f2 WHERE f2.account_id = $1 AND f2.target_account_id = s.in_reply_to_account_id)) \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $1 AND b.target_account_id IN (s.account_id, COALESCE(o.account_id, s.account_id))) \
         AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = $1 AND m.target_account_id IN (s.account_id, COALESCE(o.account_id, s.account_id)) \
                         AND (m.expires_at IS NULL OR m.expires_at > now())) \
         AND NOT EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = $1 AND c.conversation_id = s.conversation_id) \
         AND NOT EXISTS (SELECT 1 FROM lists xl JOIN list_accounts xa ON xa.list_id = xl.id \
                         WHERE xl.account_id = $1 AND xl.exclusive AND xa.account_id = s.account_id) \
         ORDER BY s.id DESC LIMIT $2 ON CONFLICT DO NOTHING",
    )
    .bind(owner)
    .bind(FEED_CAP)
    .execute(&mut *db)
    .await?;
    // The public posts of the hashtags the owner follows, by the rules of their fan-out.
    let tagged = format!(
        "INSERT INTO home_feed (account_id, status_id, author_id, origin_author_id) \
         SELECT $1, s.id, s.account_id, NULL::bigint FROM statuses s \
         JOIN accounts au ON au.id = s.account_id \
         WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.account_id <> $1 AND s.imported_from IS NULL \
         AND EXISTS (SELECT 1 FROM statuses_tags st JOIN tag_follows tf ON tf.tag_id = st.tag_id \
                     WHERE st.status_id = s.id AND tf.account_id = $1) AND {} \
         ORDER BY s.id DESC LIMIT $2 ON CONFLICT DO NOTHING",
        not_hidden_from_tag_follower("$1", "s")
    );
    sqlx::query(&tagged)
        .bind(owner)
        .bind(FEED_CAP)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Trims every feed to its newest [`FEED_CAP`] entries. Fan-out only adds, so feeds grow
/// between rebuilds; only the feeds over the cap are ranked.
pub async fn trim_all(db: impl PgExecutor<'_>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM home_feed h USING ( \
           SELECT account_id, status_id FROM ( \
             SELECT account_id, status_id, row_number() OVER (PARTITION BY account_id ORDER BY status_id DESC) AS n \
             FROM home_feed WHERE account_id IN ( \
               SELECT account_id FROM home_feed GROUP BY account_id HAVING count(*) > $1)) ranked \
           WHERE n > $1) old \
         WHERE h.account_id = old.account_id AND h.status_id = old.status_id",
    )
    .bind(FEED_CAP)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
