//! Local users (sign-in credentials, role, state and posting preferences).

use sqlx::PgExecutor;

use crate::model::{Role, User, Visibility};

macro_rules! select_users {
    () => {
        "SELECT u.id, u.account_id, u.email, u.password_hash, u.role, u.approved, \
         u.confirmed_at, u.disabled, u.locale, u.registration_reason, u.default_privacy, \
         u.default_sensitive, u.default_language, u.created_at, u.last_sign_in_at, u.feed_active_at, \
         u.default_quote_policy \
         FROM users u "
    };
}

pub struct NewUser<'a> {
    pub id: i64,
    pub account_id: i64,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub approved: bool,
    pub locale: &'a str,
    pub reason: Option<&'a str>,
    pub sign_up_ip: Option<&'a str>,
}

/// Creates a user. Fails with a unique violation on `users_email_key` for a taken e-mail.
/// Without a mailer, addresses count as confirmed at sign-up.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewUser<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, account_id, email, password_hash, role, approved, confirmed_at, \
         locale, registration_reason, sign_up_ip) VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8, $9)",
    )
    .bind(new.id)
    .bind(new.account_id)
    .bind(new.email)
    .bind(new.password_hash)
    .bind(new.role.as_str())
    .bind(new.approved)
    .bind(new.locale)
    .bind(new.reason)
    .bind(new.sign_up_ip)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(select_users!(), "WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_account_id(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(select_users!(), "WHERE u.account_id = $1"))
        .bind(account_id)
        .fetch_optional(db)
        .await
}

/// The user signing in with `login`: an e-mail address or a local username.
pub async fn by_login(db: impl PgExecutor<'_>, login: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_users!(),
        "JOIN accounts a ON a.id = u.account_id \
         WHERE lower(u.email) = lower($1) OR (a.domain IS NULL AND lower(a.username) = lower($1)) \
         LIMIT 1"
    ))
    .bind(login)
    .fetch_optional(db)
    .await
}

/// The user of a local account, by username.
pub async fn by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(
        select_users!(),
        "JOIN accounts a ON a.id = u.account_id \
         WHERE a.domain IS NULL AND lower(a.username) = lower($1)"
    ))
    .bind(username)
    .fetch_optional(db)
    .await
}

pub async fn set_approved(
    db: impl PgExecutor<'_>,
    id: i64,
    approved: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET approved = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(approved)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_role(db: impl PgExecutor<'_>, id: i64, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(role.as_str())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    db: impl PgExecutor<'_>,
    id: i64,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_posting_defaults(
    db: impl PgExecutor<'_>,
    id: i64,
    privacy: Visibility,
    sensitive: bool,
    language: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET default_privacy = $2, default_sensitive = $3, default_language = $4, \
         updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(privacy.as_str())
    .bind(sensitive)
    .bind(language)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets who may quote the user's new posts unless a post says.
pub async fn set_default_quote_policy(
    db: impl PgExecutor<'_>,
    id: i64,
    policy: crate::model::QuotePolicy,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET default_quote_policy = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(policy.as_str())
        .execute(db)
        .await?;
    Ok(())
}

/// A user's reading preferences (their stored defaults until they change them).
pub async fn reading_preferences(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<crate::model::user::ReadingPreferences>, sqlx::Error> {
    sqlx::query_as(
        "SELECT reading_expand_media AS expand_media, reading_expand_spoilers AS expand_spoilers, \
         reading_autoplay_gifs AS autoplay_gifs FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Stores a user's reading preferences.
pub async fn set_reading_preferences(
    db: impl PgExecutor<'_>,
    id: i64,
    prefs: &crate::model::user::ReadingPreferences,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET reading_expand_media = $2, reading_expand_spoilers = $3, \
         reading_autoplay_gifs = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(&prefs.expand_media)
    .bind(prefs.expand_spoilers)
    .bind(prefs.autoplay_gifs)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a sign-in: the user's latest, and their presence in this week's activity.
pub async fn touch_sign_in(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH touched AS (UPDATE users SET last_sign_in_at = now() WHERE id = $1 RETURNING id) \
         INSERT INTO login_activity (week, user_id) \
         SELECT date_trunc('week', now() AT TIME ZONE 'UTC')::date, id FROM touched \
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// The users behind these accounts (local accounts only appear).
pub async fn by_account_ids(
    db: impl PgExecutor<'_>,
    account_ids: &[i64],
) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as(concat!(select_users!(), "WHERE u.account_id = ANY($1)"))
        .bind(account_ids)
        .fetch_all(db)
        .await
}
