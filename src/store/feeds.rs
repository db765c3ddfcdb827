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
/// `with_reblogs`; direct statuses never.
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
         WHERE s.account_id = $2 AND s.visibility <> 'direct' \
         AND ($3 OR s.reblog_of_id IS NULL) \
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
pub async fn unmerge_author(db: impl PgExecutor<'_>, owner: i64, author: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM home_feed WHERE account_id = $1 AND (author_id = $2 OR origin_author_id = $2)",
    )
    .bind(owner)
    .bind(author)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes `booster`'s boosts from `owner`'s feed (a follow changed to `reblogs: false`).
pub async fn remove_reblogs_by(db: impl PgExecutor<'_>, owner: i64, booster: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2 AND origin_author_id IS NOT NULL",
    )
    .bind(owner)
    .bind(booster)
    .execute(db)
    .await?;
    Ok(())
}
