//! Two-factor sign-in: each user's TOTP secret and recovery codes (as SHA-256 hashes).

use sqlx::{FromRow, PgExecutor};

/// A user's TOTP set-up, in force once `enabled`.
#[derive(Debug, Clone, FromRow)]
pub struct TwoFactor {
    pub user_id: i64,
    pub secret: String,
    pub enabled: bool,
    pub last_used_step: i64,
}

pub async fn get(db: impl PgExecutor<'_>, user_id: i64) -> Result<Option<TwoFactor>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, secret, enabled_at IS NOT NULL AS enabled, last_used_step \
         FROM two_factor WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Starts (or restarts) a set-up with a new secret; does nothing when two-factor sign-in is
/// already in force. Returns whether the secret was stored.
pub async fn begin(
    db: impl PgExecutor<'_>,
    user_id: i64,
    secret: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO two_factor (user_id, secret) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, last_used_step = 0 \
         WHERE two_factor.enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(secret)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that a code of time step `step` was accepted, unless one of that step or a later
/// one was already: `false` then (a replayed code).
pub async fn use_step(
    db: impl PgExecutor<'_>,
    user_id: i64,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE two_factor SET last_used_step = $2 WHERE user_id = $1 AND last_used_step < $2",
    )
    .bind(user_id)
    .bind(step)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_enabled(db: impl PgExecutor<'_>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE two_factor SET enabled_at = now() WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes the set-up and the recovery codes.
pub async fn delete(db: &mut sqlx::PgConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM two_factor_recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query("DELETE FROM two_factor WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Replaces a user's recovery codes.
pub async fn replace_recovery_codes(
    db: &mut sqlx::PgConnection,
    user_id: i64,
    hashes: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM two_factor_recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO two_factor_recovery_codes (user_id, code_hash) \
         SELECT $1, h FROM UNNEST($2::text[]) AS h",
    )
    .bind(user_id)
    .bind(hashes)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Spends an unused recovery code; `false` when there is none with this hash.
pub async fn use_recovery_code(
    db: impl PgExecutor<'_>,
    user_id: i64,
    code_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE two_factor_recovery_codes SET used_at = now() \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(code_hash)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many recovery codes are left unused.
pub async fn recovery_codes_left(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM two_factor_recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
}
