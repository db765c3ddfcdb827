//! Hashtags: looking them up and creating them, their uses by day, the hashtags people
//! follow and those profiles feature. (Which statuses carry which tag is kept with the
//! statuses: `statuses_tags`.)

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::model::{FeaturedTag, Page, Tag};

const TAG_COLUMNS: &str = "t.id, t.name, t.trendable, t.reviewed_at";

/// The hashtag named `name`, case-insensitively.
pub async fn by_name(db: impl PgExecutor<'_>, name: &str) -> Result<Option<Tag>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TAG_COLUMNS} FROM tags t WHERE lower(t.name) = lower($1)"
    ))
    .bind(name)
    .fetch_optional(db)
    .await
}

/// The hashtags with these ids, in no particular order.
pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<Tag>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TAG_COLUMNS} FROM tags t WHERE t.id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// The hashtags named `names` (case-insensitively), in no particular order.
pub async fn by_names(db: impl PgExecutor<'_>, names: &[String]) -> Result<Vec<Tag>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TAG_COLUMNS} FROM tags t \
         WHERE lower(t.name) = ANY(SELECT lower(n) FROM unnest($1::text[]) n)"
    ))
    .bind(names)
    .fetch_all(db)
    .await
}

/// The hashtag named `name`, created (with id `new_id`) if nobody used it yet.
pub async fn find_or_create(
    db: &mut sqlx::PgConnection,
    new_id: i64,
    name: &str,
) -> Result<Tag, sqlx::Error> {
    sqlx::query("INSERT INTO tags (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(new_id)
        .bind(name)
        .execute(&mut *db)
        .await?;
    by_name(&mut *db, name)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Uses of `tags` by day since `since` (a UTC midnight): (tag, day, statuses, distinct
/// accounts), for public and unlisted original statuses of accounts not suspended. Days
/// without use are absent.
pub async fn uses_by_day(
    db: impl PgExecutor<'_>,
    tags: &[i64],
    since: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT st.tag_id, \
         date_trunc('day', s.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, \
         count(*) AS uses, count(DISTINCT s.account_id) AS accounts \
         FROM statuses_tags st JOIN statuses s ON s.id = st.status_id \
         JOIN accounts a ON a.id = s.account_id AND a.suspended_at IS NULL \
         WHERE st.tag_id = ANY($1) AND s.created_at >= $2 \
         AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL \
         GROUP BY 1, 2",
    )
    .bind(tags)
    .bind(since)
    .fetch_all(db)
    .await
}

/// Which of `tags` `account` follows.
pub async fn followed_among(
    db: impl PgExecutor<'_>,
    account: i64,
    tags: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT tag_id FROM tag_follows WHERE account_id = $1 AND tag_id = ANY($2)")
        .bind(account)
        .bind(tags)
        .fetch_all(db)
        .await
}

/// Which of `tags` `account` features on their profile.
pub async fn featured_among(
    db: impl PgExecutor<'_>,
    account: i64,
    tags: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT tag_id FROM featured_tags WHERE account_id = $1 AND tag_id = ANY($2)",
    )
    .bind(account)
    .bind(tags)
    .fetch_all(db)
    .await
}

/// `account` follows `tag` (again: nothing changes).
pub async fn follow(
    db: impl PgExecutor<'_>,
    id: i64,
    account: i64,
    tag: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tag_follows (id, account_id, tag_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account)
    .bind(tag)
    .execute(db)
    .await?;
    Ok(())
}

/// `account` no longer follows `tag`; whether they did.
pub async fn unfollow(
    db: impl PgExecutor<'_>,
    account: i64,
    tag: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM tag_follows WHERE account_id = $1 AND tag_id = $2")
        .bind(account)
        .bind(tag)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A page of the hashtags `account` follows, newest follow first: (follow id, tag).
pub async fn followed_page(
    db: impl PgExecutor<'_>,
    account: i64,
    page: &Page,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT f.id, f.tag_id FROM tag_follows f WHERE f.account_id = $1 \
         AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3) \
         ORDER BY f.id {} LIMIT $4",
        page.order()
    );
    let rows = sqlx::query_as(&sql)
        .bind(account)
        .bind(page.max_id)
        .bind(page.lower())
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    Ok(page.finish(rows))
}

/// The featured tags of `account` (with `id` only that one), oldest first, each with the
/// account's public and unlisted statuses carrying it.
async fn featured_where(
    db: impl PgExecutor<'_>,
    account: i64,
    id: Option<i64>,
) -> Result<Vec<FeaturedTag>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.id, f.account_id, f.tag_id, t.name, \
         (SELECT count(*) FROM statuses_tags st JOIN statuses s ON s.id = st.status_id \
          WHERE st.tag_id = f.tag_id AND s.account_id = f.account_id \
          AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL) AS statuses_count, \
         (SELECT max(s.created_at) FROM statuses_tags st JOIN statuses s ON s.id = st.status_id \
          WHERE st.tag_id = f.tag_id AND s.account_id = f.account_id \
          AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL) AS last_status_at \
         FROM featured_tags f JOIN tags t ON t.id = f.tag_id \
         WHERE f.account_id = $1 AND ($2::bigint IS NULL OR f.id = $2) ORDER BY f.id",
    )
    .bind(account)
    .bind(id)
    .fetch_all(db)
    .await
}

/// The hashtags `account` features, oldest first.
pub async fn featured_of(
    db: impl PgExecutor<'_>,
    account: i64,
) -> Result<Vec<FeaturedTag>, sqlx::Error> {
    featured_where(db, account, None).await
}

/// `account`'s featured tag `id`.
pub async fn featured(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> Result<Option<FeaturedTag>, sqlx::Error> {
    Ok(featured_where(db, account, Some(id)).await?.pop())
}

/// How many hashtags `account` features.
pub async fn count_featured(db: impl PgExecutor<'_>, account: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM featured_tags WHERE account_id = $1")
        .bind(account)
        .fetch_one(db)
        .await
}

/// `account` features `tag`; the id of the featured tag (an existing one's if it was
/// featured already).
pub async fn feature(
    db: impl PgExecutor<'_>,
    id: i64,
    account: i64,
    tag: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO featured_tags (id, account_id, tag_id) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, tag_id) DO UPDATE SET account_id = EXCLUDED.account_id \
         RETURNING id",
    )
    .bind(id)
    .bind(account)
    .bind(tag)
    .fetch_one(db)
    .await
}

/// `account` stops featuring the featured tag `id`; whether it was theirs.
pub async fn unfeature(
    db: impl PgExecutor<'_>,
    account: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM featured_tags WHERE account_id = $1 AND id = $2")
        .bind(account)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// `account` stops featuring `tag`.
pub async fn unfeature_tag(
    db: impl PgExecutor<'_>,
    account: i64,
    tag: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM featured_tags WHERE account_id = $1 AND tag_id = $2")
        .bind(account)
        .bind(tag)
        .execute(db)
        .await?;
    Ok(())
}

/// The hashtags `account` used most in their recent statuses (the last `recent`), most
/// used first, leaving out those already featured.
pub async fn most_used_unfeatured(
    db: impl PgExecutor<'_>,
    account: i64,
    recent: i64,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT st.tag_id FROM (SELECT id FROM statuses WHERE account_id = $1 \
           AND reblog_of_id IS NULL ORDER BY id DESC LIMIT $2) s \
         JOIN statuses_tags st ON st.status_id = s.id \
         WHERE NOT EXISTS (SELECT 1 FROM featured_tags f WHERE f.account_id = $1 AND f.tag_id = st.tag_id) \
         GROUP BY st.tag_id ORDER BY count(*) DESC, max(s.id) DESC LIMIT $3",
    )
    .bind(account)
    .bind(recent)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Records a moderator's review of `tag` for trends.
pub async fn review(db: impl PgExecutor<'_>, tag: i64, trendable: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tags SET trendable = $2, reviewed_at = now() WHERE id = $1")
        .bind(tag)
        .bind(trendable)
        .execute(db)
        .await?;
    Ok(())
}

/// `account` features exactly `tags` (a remote account's, as its server lists them): the
/// others it featured go, new ones get the ids `new_ids` (one per tag).
pub async fn replace_featured(
    db: &mut sqlx::PgConnection,
    account: i64,
    tags: &[i64],
    new_ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM featured_tags WHERE account_id = $1 AND NOT (tag_id = ANY($2))")
        .bind(account)
        .bind(tags)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO featured_tags (id, account_id, tag_id) \
         SELECT n.id, $1, n.tag_id FROM unnest($2::bigint[], $3::bigint[]) AS n(id, tag_id) \
         ON CONFLICT (account_id, tag_id) DO NOTHING",
    )
    .bind(account)
    .bind(new_ids)
    .bind(tags)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// How many public original posts carry the hashtag `tag_id`, leaving out those of suspended
/// and silenced authors (what a hashtag timeline may show anyone).
pub async fn count_public_statuses(
    db: impl PgExecutor<'_>,
    tag_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM statuses_tags st JOIN statuses s ON s.id = st.status_id \
         WHERE st.tag_id = $1 AND s.visibility = 'public' AND s.reblog_of_id IS NULL \
         AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id \
           AND (a.suspended_at IS NOT NULL OR a.silenced_at IS NOT NULL))",
    )
    .bind(tag_id)
    .fetch_one(db)
    .await
}
