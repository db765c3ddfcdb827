//! What accounts do to statuses: favourites (with their counter), bookmarks, pins and
//! conversation mutes.

use sqlx::{PgConnection, PgExecutor};

/// Favourites `status` for `account`; false if it already was.
pub async fn favourite(
    db: &mut PgConnection,
    id: i64,
    account_id: i64,
    status_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("INSERT INTO favourites (id, account_id, status_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(id)
        .bind(account_id)
        .bind(status_id)
        .execute(&mut *db)
        .await?;
    if done.rows_affected() == 1 {
        bump(db, "favourites_count", status_id, 1).await?;
    }
    Ok(done.rows_affected() == 1)
}

/// Removes a favourite; false if there was none.
pub async fn unfavourite(
    db: &mut PgConnection,
    account_id: i64,
    status_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM favourites WHERE account_id = $1 AND status_id = $2")
        .bind(account_id)
        .bind(status_id)
        .execute(&mut *db)
        .await?;
    if done.rows_affected() == 1 {
        bump(db, "favourites_count", status_id, -1).await?;
    }
    Ok(done.rows_affected() == 1)
}

async fn bump(
    db: &mut PgConnection,
    column: &'static str,
    status_id: i64,
    delta: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE status_stats SET {column} = GREATEST({column} + $2, 0) WHERE status_id = $1"
    ))
    .bind(status_id)
    .bind(delta)
    .execute(db)
    .await?;
    Ok(())
}

/// Bookmarks, pins: a row per (account, status).
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    Bookmark,
    Pin,
}

impl Mark {
    fn table(self) -> &'static str {
        match self {
            Mark::Bookmark => "bookmarks",
            Mark::Pin => "status_pins",
        }
    }
}

pub async fn set_mark(
    db: impl PgExecutor<'_>,
    mark: Mark,
    id: i64,
    account_id: i64,
    status_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO {} (id, account_id, status_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        mark.table()
    ))
    .bind(id)
    .bind(account_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn clear_mark(
    db: impl PgExecutor<'_>,
    mark: Mark,
    account_id: i64,
    status_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "DELETE FROM {} WHERE account_id = $1 AND status_id = $2",
        mark.table()
    ))
    .bind(account_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn count_pins(db: impl PgExecutor<'_>, account_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM status_pins WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(db)
        .await
}

pub async fn mute_conversation(
    db: impl PgExecutor<'_>,
    account_id: i64,
    conversation_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO conversation_mutes (account_id, conversation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(account_id)
        .bind(conversation_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn unmute_conversation(
    db: impl PgExecutor<'_>,
    account_id: i64,
    conversation_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM conversation_mutes WHERE account_id = $1 AND conversation_id = $2")
        .bind(account_id)
        .bind(conversation_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether `account` muted the conversation.
pub async fn conversation_muted(
    db: impl PgExecutor<'_>,
    account_id: i64,
    conversation_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = $1 AND conversation_id = $2)")
        .bind(account_id)
        .bind(conversation_id)
        .fetch_one(db)
        .await
}
