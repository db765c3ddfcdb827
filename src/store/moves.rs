//! Account moves: aliases (`alsoKnownAs`), the moved mark (`movedTo`), the moves local
//! accounts made, and the relationships a move carries over (followers, lists, blocks, mutes).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::relationship::Follow;

/// Sets a local account's aliases (its actor's `alsoKnownAs`).
pub async fn set_aliases(
    db: impl PgExecutor<'_>,
    account: i64,
    aliases: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET also_known_as = $2, updated_at = now() WHERE id = $1 AND domain IS NULL",
    )
    .bind(account)
    .bind(aliases)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks `account` as moved to `target` (or not moved, with `None`).
pub async fn set_moved_to(
    db: impl PgExecutor<'_>,
    account: i64,
    target: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET moved_to_account_id = $2, updated_at = now() WHERE id = $1")
        .bind(account)
        .bind(target)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks a remote account as moved to the account with ActivityPub id `target_uri`, if that
/// account is known here; with `None`, or an unknown target, the mark goes.
pub async fn set_remote_moved_to_uri(
    db: impl PgExecutor<'_>,
    account: i64,
    target_uri: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET moved_to_account_id = \
         (SELECT t.id FROM accounts t WHERE t.uri = $2 AND t.id <> $1) \
         WHERE id = $1 AND domain IS NOT NULL",
    )
    .bind(account)
    .bind(target_uri)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a move out of a local account.
pub async fn insert_move(
    db: impl PgExecutor<'_>,
    id: i64,
    account: i64,
    target_uri: &str,
    target: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_moves (id, account_id, target_uri, target_account_id) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(account)
    .bind(target_uri)
    .bind(target)
    .execute(db)
    .await?;
    Ok(())
}

/// When `account` last moved away, if it ever did.
pub async fn last_move_at(
    db: impl PgExecutor<'_>,
    account: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(created_at) FROM account_moves WHERE account_id = $1")
        .bind(account)
        .fetch_one(db)
        .await
}

/// Up to `limit` follows of `origin` by local accounts, oldest first, after the follow id
/// `after` (pages of a migration).
pub async fn local_follows_of(
    db: impl PgExecutor<'_>,
    origin: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Follow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.id, f.account_id, f.target_account_id, f.show_reblogs, f.notify, f.languages, \
         f.uri, f.created_at FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain IS NULL AND a.suspended_at IS NULL \
         AND ($2::bigint IS NULL OR f.id > $2) ORDER BY f.id LIMIT $3",
    )
    .bind(origin)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Local accounts that block `origin` but not `target`.
pub async fn local_blockers_of(
    db: impl PgExecutor<'_>,
    origin: i64,
    target: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT b.account_id FROM blocks b JOIN accounts a ON a.id = b.account_id \
         WHERE b.target_account_id = $1 AND a.domain IS NULL AND b.account_id <> $2 \
         AND NOT EXISTS (SELECT 1 FROM blocks o WHERE o.account_id = b.account_id AND o.target_account_id = $2) \
         ORDER BY b.id",
    )
    .bind(origin)
    .bind(target)
    .fetch_all(db)
    .await
}

/// A mute of a moving account, to carry over: who mutes, whether notifications are hidden
/// too, and until when.
#[derive(Debug, sqlx::FromRow)]
pub struct MuteOf {
    pub account_id: i64,
    pub hide_notifications: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Local accounts whose mute of `origin` is in force and who do not mute `target` yet.
pub async fn local_mutes_of(
    db: impl PgExecutor<'_>,
    origin: i64,
    target: i64,
) -> Result<Vec<MuteOf>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.account_id, m.hide_notifications, m.expires_at FROM mutes m \
         JOIN accounts a ON a.id = m.account_id \
         WHERE m.target_account_id = $1 AND a.domain IS NULL AND m.account_id <> $2 \
         AND (m.expires_at IS NULL OR m.expires_at > now()) \
         AND NOT EXISTS (SELECT 1 FROM mutes o WHERE o.account_id = m.account_id AND o.target_account_id = $2 \
                         AND (o.expires_at IS NULL OR o.expires_at > now())) \
         ORDER BY m.id",
    )
    .bind(origin)
    .bind(target)
    .fetch_all(db)
    .await
}

/// Puts `target` into every list of `owner` that holds `origin` (a follower keeps their lists
/// when the one they follow moves); returns those lists.
pub async fn copy_list_memberships(
    db: &mut PgConnection,
    owner: i64,
    origin: i64,
    target: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO list_accounts (list_id, account_id) \
         SELECT la.list_id, $3 FROM list_accounts la JOIN lists l ON l.id = la.list_id \
         WHERE l.account_id = $1 AND la.account_id = $2 \
         ON CONFLICT DO NOTHING RETURNING list_id",
    )
    .bind(owner)
    .bind(origin)
    .bind(target)
    .fetch_all(db)
    .await
}

/// Copies the private notes accounts keep on `origin` to `target`, as Mastodon's `MoveWorker`
/// does: each begins with `preface` on a line of its own (left out when the note would grow
/// past `max_chars`); a note already kept on `target` gets the copy in front of it, three line
/// breaks apart (left as it is when that would be too long). A note that already holds its
/// copy (a retried job) is left alone. Returns how many notes were written.
pub async fn copy_notes(
    db: impl PgExecutor<'_>,
    origin: i64,
    target: i64,
    preface: &str,
    max_chars: i32,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO account_notes (account_id, target_account_id, comment) \
         SELECT n.account_id, $2, \
                CASE WHEN char_length($3 || E'\\n' || n.comment) <= $4 \
                     THEN $3 || E'\\n' || n.comment ELSE n.comment END \
         FROM account_notes n WHERE n.target_account_id = $1 AND n.account_id <> $2 \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET \
           comment = CASE \
             WHEN char_length(EXCLUDED.comment || E'\\n\\n\\n' || account_notes.comment) <= $4 \
             THEN EXCLUDED.comment || E'\\n\\n\\n' || account_notes.comment \
             ELSE account_notes.comment END, \
           updated_at = now() \
         WHERE position(EXCLUDED.comment IN account_notes.comment) = 0",
    )
    .bind(origin)
    .bind(target)
    .bind(preface)
    .bind(max_chars)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
