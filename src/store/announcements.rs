//! Announcements, who dismissed them, and reactions to them.

use sqlx::PgExecutor;

use crate::model::announcement::{Announcement, ReactionCount};

const COLUMNS: &str = "id, text, content, mention_ids, tags, status_ids, starts_at, ends_at, \
     all_day, published_at, created_at, updated_at";

/// Every announcement, drafts and scheduled ones included, newest first.
pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<Announcement>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM announcements ORDER BY id DESC"
    ))
    .fetch_all(db)
    .await
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Announcement>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM announcements WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The announcements people see now, oldest published first (as Mastodon lists them);
/// without those `account_id` dismissed unless `with_dismissed`.
pub async fn published(
    db: impl PgExecutor<'_>,
    account_id: i64,
    with_dismissed: bool,
) -> Result<Vec<Announcement>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM announcements a WHERE published_at <= now() \
         AND ($2 OR NOT EXISTS (SELECT 1 FROM announcement_dismissals d \
                                WHERE d.announcement_id = a.id AND d.account_id = $1)) \
         ORDER BY published_at, id"
    ))
    .bind(account_id)
    .bind(with_dismissed)
    .fetch_all(db)
    .await
}

/// Which of `ids` `account_id` dismissed.
pub async fn dismissed_of(
    db: impl PgExecutor<'_>,
    account_id: i64,
    ids: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT announcement_id FROM announcement_dismissals \
         WHERE account_id = $1 AND announcement_id = ANY($2)",
    )
    .bind(account_id)
    .bind(ids)
    .fetch_all(db)
    .await
}

/// The reactions to each of `ids`, oldest emoji first, with whether `account_id` is among
/// each emoji's reactors.
pub async fn reactions(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    account_id: Option<i64>,
) -> Result<Vec<ReactionCount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT announcement_id, name, count(*) AS count, \
                COALESCE(bool_or(account_id = $2), FALSE) AS me \
         FROM announcement_reactions WHERE announcement_id = ANY($1) \
         GROUP BY announcement_id, name ORDER BY announcement_id, min(created_at), name",
    )
    .bind(ids)
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// Inserts or replaces an announcement.
pub async fn save(db: impl PgExecutor<'_>, a: &Announcement) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO announcements (id, text, content, mention_ids, tags, status_ids, starts_at, \
         ends_at, all_day, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, content = EXCLUDED.content, \
         mention_ids = EXCLUDED.mention_ids, tags = EXCLUDED.tags, status_ids = EXCLUDED.status_ids, \
         starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, all_day = EXCLUDED.all_day, \
         published_at = EXCLUDED.published_at, updated_at = EXCLUDED.updated_at",
    )
    .bind(a.id)
    .bind(&a.text)
    .bind(&a.content)
    .bind(&a.mention_ids)
    .bind(&a.tags)
    .bind(&a.status_ids)
    .bind(a.starts_at)
    .bind(a.ends_at)
    .bind(a.all_day)
    .bind(a.published_at)
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM announcements WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn dismiss(db: impl PgExecutor<'_>, id: i64, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO announcement_dismissals (announcement_id, account_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The distinct emoji an announcement has collected.
pub async fn reaction_names(db: impl PgExecutor<'_>, id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT name FROM announcement_reactions WHERE announcement_id = $1",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

/// Records `account_id`'s reaction; returns whether it is new.
pub async fn add_reaction(
    db: impl PgExecutor<'_>,
    id: i64,
    account_id: i64,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO announcement_reactions (announcement_id, account_id, name) \
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(name)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes `account_id`'s reaction; returns whether there was one.
pub async fn remove_reaction(
    db: impl PgExecutor<'_>,
    id: i64,
    account_id: i64,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM announcement_reactions WHERE announcement_id = $1 AND account_id = $2 AND name = $3",
    )
    .bind(id)
    .bind(account_id)
    .bind(name)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many reacted to an announcement with `name`.
pub async fn reaction_count(
    db: impl PgExecutor<'_>,
    id: i64,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM announcement_reactions WHERE announcement_id = $1 AND name = $2",
    )
    .bind(id)
    .bind(name)
    .fetch_one(db)
    .await
}
