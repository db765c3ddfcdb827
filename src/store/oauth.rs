//! OAuth apps, authorization codes, access tokens (browser sessions among them: tokens of the
//! built-in web app) and sign-ins awaiting a second factor. Secrets are stored
//! only as SHA-256 hashes; callers hash before they ask.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};

use crate::model::{Account, App, AuthCode, TokenGrant, User};

pub struct NewApp<'a> {
    pub id: i64,
    pub name: &'a str,
    pub website: Option<&'a str>,
    pub redirect_uris: &'a [String],
    pub scopes: &'a [String],
    pub client_id: &'a str,
    pub client_secret_hash: &'a str,
}

pub async fn insert_app(db: impl PgExecutor<'_>, new: &NewApp<'_>) -> Result<App, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id, \
         client_secret_hash) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
    )
    .bind(new.id)
    .bind(new.name)
    .bind(new.website)
    .bind(new.redirect_uris)
    .bind(new.scopes)
    .bind(new.client_id)
    .bind(new.client_secret_hash)
    .fetch_one(db)
    .await
}

pub async fn app_by_client_id(
    db: impl PgExecutor<'_>,
    client_id: &str,
) -> Result<Option<App>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM oauth_apps WHERE client_id = $1")
        .bind(client_id)
        .fetch_optional(db)
        .await
}

pub async fn app_by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<App>, sqlx::Error> {
    sqlx::query_as("SELECT * FROM oauth_apps WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub struct NewCode<'a> {
    pub code_hash: &'a str,
    pub app_id: i64,
    pub user_id: i64,
    pub scopes: &'a [String],
    pub redirect_uri: &'a str,
    pub redirect_uri_given: bool,
    pub code_challenge: Option<&'a str>,
    pub code_challenge_method: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_code(db: impl PgExecutor<'_>, new: &NewCode<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oauth_authorization_codes (code_hash, app_id, user_id, scopes, redirect_uri, \
         redirect_uri_given, code_challenge, code_challenge_method, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new.code_hash)
    .bind(new.app_id)
    .bind(new.user_id)
    .bind(new.scopes)
    .bind(new.redirect_uri)
    .bind(new.redirect_uri_given)
    .bind(new.code_challenge)
    .bind(new.code_challenge_method)
    .bind(new.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// What asking to redeem a code found.
pub enum CodeClaim {
    /// Not used before: it is now, whatever the exchange's outcome.
    Fresh(AuthCode),
    /// Used before: this is a second redemption.
    Spent(AuthCode),
    Unknown,
}

macro_rules! code_columns {
    () => {
        "app_id, user_id, scopes, redirect_uri, redirect_uri_given, code_challenge, \
         code_challenge_method, expires_at"
    };
}

/// Marks a code used: a code is good for one exchange, whatever its outcome. The code's row
/// stays locked until `conn`'s transaction ends, so a concurrent redemption waits for it and
/// then finds it [`CodeClaim::Spent`], with the tokens of the first one committed.
pub async fn claim_code(
    conn: &mut PgConnection,
    code_hash: &str,
) -> Result<CodeClaim, sqlx::Error> {
    let fresh: Option<AuthCode> = sqlx::query_as(concat!(
        "UPDATE oauth_authorization_codes SET used_at = now() \
         WHERE code_hash = $1 AND used_at IS NULL RETURNING ",
        code_columns!()
    ))
    .bind(code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(code) = fresh {
        return Ok(CodeClaim::Fresh(code));
    }
    let spent: Option<AuthCode> = sqlx::query_as(concat!(
        "SELECT ",
        code_columns!(),
        " FROM oauth_authorization_codes WHERE code_hash = $1"
    ))
    .bind(code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(spent.map_or(CodeClaim::Unknown, CodeClaim::Spent))
}

/// Revokes every token descended from the code with this hash: the one its exchange issued
/// and those refreshed from it. Returns how many were still valid.
pub async fn revoke_tokens_of_code(
    db: impl PgExecutor<'_>,
    code_hash: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE authorization_code_hash = $1 AND revoked_at IS NULL",
    )
    .bind(code_hash)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub struct NewToken<'a> {
    pub id: i64,
    pub token_hash: &'a str,
    pub refresh_token_hash: Option<&'a str>,
    pub app_id: i64,
    pub user_id: Option<i64>,
    pub scopes: &'a [String],
    /// The code whose exchange issues this token.
    pub authorization_code_hash: Option<&'a str>,
    /// The token this one replaces (a refresh): it inherits that token's code.
    pub refreshed_from: Option<i64>,
}

pub async fn insert_token(
    db: impl PgExecutor<'_>,
    new: &NewToken<'_>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO oauth_tokens (id, token_hash, refresh_token_hash, app_id, user_id, scopes, \
         authorization_code_hash) VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::text, \
         (SELECT authorization_code_hash FROM oauth_tokens WHERE id = $8::bigint))) \
         RETURNING created_at",
    )
    .bind(new.id)
    .bind(new.token_hash)
    .bind(new.refresh_token_hash)
    .bind(new.app_id)
    .bind(new.user_id)
    .bind(new.scopes)
    .bind(new.authorization_code_hash)
    .bind(new.refreshed_from)
    .fetch_one(db)
    .await
}

/// The unrevoked token a refresh token belongs to.
pub async fn grant_by_refresh_hash(
    db: impl PgExecutor<'_>,
    refresh_hash: &str,
) -> Result<Option<TokenGrant>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id AS token_id, app_id, user_id, scopes, created_at FROM oauth_tokens \
         WHERE refresh_token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(refresh_hash)
    .fetch_optional(db)
    .await
}

/// Revokes one token; `false` when it was already revoked (a concurrent refresh won).
pub async fn revoke_token(db: impl PgExecutor<'_>, token_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(token_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The token (access or refresh) with this hash, whatever its state: (id, app id).
pub async fn token_owner(
    db: impl PgExecutor<'_>,
    hash: &str,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, app_id FROM oauth_tokens WHERE token_hash = $1 OR refresh_token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(db)
    .await
}

/// Revokes every token of a user (password reset, suspension).
pub async fn revoke_all_for_user(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Starts a sign-in awaiting its second factor.
pub async fn insert_challenge(
    db: impl PgExecutor<'_>,
    id_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_challenges (id_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Counts a try at an unexpired challenge with fewer than `max_attempts` tries, and returns
/// its user; `None` when there is no such challenge (it is then spent).
pub async fn try_challenge(
    db: impl PgExecutor<'_>,
    id_hash: &str,
    max_attempts: i32,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE sign_in_challenges SET attempts = attempts + 1 \
         WHERE id_hash = $1 AND expires_at > now() AND attempts < $2 RETURNING user_id",
    )
    .bind(id_hash)
    .bind(max_attempts)
    .fetch_optional(db)
    .await
}

pub async fn delete_challenge(db: impl PgExecutor<'_>, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends a user's sign-ins in progress (those awaiting a second factor); their sessions are
/// tokens, revoked by [`revoke_all_for_user`].
pub async fn delete_sessions_of(db: impl PgExecutor<'_>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every token of a user but one (a password change keeps the session it came from).
pub async fn revoke_all_for_user_except(
    db: impl PgExecutor<'_>,
    user_id: i64,
    keep_token_id: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(keep_token_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A user's unrevoked token and the app it was issued to, for the settings' list of apps and
/// sessions.
#[derive(Debug, Clone, FromRow)]
pub struct UserToken {
    pub id: i64,
    pub app_id: i64,
    pub app_name: String,
    pub app_website: Option<String>,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A user's unrevoked tokens, newest first.
pub async fn tokens_of_user(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<Vec<UserToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, t.app_id, a.name AS app_name, a.website AS app_website, t.scopes, \
         t.created_at, t.last_used_at FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id \
         WHERE t.user_id = $1 AND t.revoked_at IS NULL ORDER BY t.id DESC LIMIT 500",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Revokes one of a user's tokens; `false` when it is not theirs or already revoked.
pub async fn revoke_token_of_user(
    db: impl PgExecutor<'_>,
    user_id: i64,
    token_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(token_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes all of a user's tokens of one app (the settings' "revoke" of an authorized app).
pub async fn revoke_app_of_user(
    db: impl PgExecutor<'_>,
    user_id: i64,
    app_id: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE app_id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(app_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A valid token with its user and account (none for an app's own token): everything a
/// request's authentication needs, in one query.
pub struct TokenOwner {
    pub grant: TokenGrant,
    pub user: Option<User>,
    pub account: Option<Account>,
}

fn user_from_prefixed(row: &PgRow) -> Result<User, sqlx::Error> {
    let text = |name: &str| -> Result<String, sqlx::Error> { row.try_get(name) };
    let decode = |name: &str, raw: String| sqlx::Error::ColumnDecode {
        index: name.to_string(),
        source: format!("unexpected value {raw:?}").into(),
    };
    let role = text("u_role")?;
    let privacy = text("u_default_privacy")?;
    let quote_policy = text("u_default_quote_policy")?;
    Ok(User {
        id: row.try_get("u_id")?,
        account_id: row.try_get("u_account_id")?,
        email: text("u_email")?,
        password_hash: text("u_password_hash")?,
        role: crate::model::Role::parse(&role).ok_or_else(|| decode("u_role", role.clone()))?,
        approved: row.try_get("u_approved")?,
        confirmed_at: row.try_get("u_confirmed_at")?,
        disabled: row.try_get("u_disabled")?,
        locale: text("u_locale")?,
        registration_reason: row.try_get("u_registration_reason")?,
        default_privacy: crate::model::Visibility::parse(&privacy)
            .ok_or_else(|| decode("u_default_privacy", privacy.clone()))?,
        default_sensitive: row.try_get("u_default_sensitive")?,
        default_language: row.try_get("u_default_language")?,
        default_quote_policy: crate::model::QuotePolicy::parse(&quote_policy)
            .ok_or_else(|| decode("u_default_quote_policy", quote_policy.clone()))?,
        created_at: row.try_get("u_created_at")?,
        last_sign_in_at: row.try_get("u_last_sign_in_at")?,
        feed_active_at: row.try_get("u_feed_active_at")?,
    })
}

/// The unrevoked token with this hash, and who it belongs to.
pub async fn token_owner_by_hash(
    db: impl PgExecutor<'_>,
    token_hash: &str,
) -> Result<Option<TokenOwner>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT t.id AS t_id, t.app_id AS t_app_id, t.user_id AS t_user_id, t.scopes AS t_scopes, \
         t.created_at AS t_created_at, u.id AS u_id, u.account_id AS u_account_id, u.email AS u_email, \
         u.password_hash AS u_password_hash, u.role AS u_role, u.approved AS u_approved, \
         u.confirmed_at AS u_confirmed_at, u.disabled AS u_disabled, u.locale AS u_locale, \
         u.registration_reason AS u_registration_reason, u.default_privacy AS u_default_privacy, \
         u.default_sensitive AS u_default_sensitive, u.default_language AS u_default_language, \
         u.default_quote_policy AS u_default_quote_policy, \
         u.created_at AS u_created_at, u.last_sign_in_at AS u_last_sign_in_at, \
         u.feed_active_at AS u_feed_active_at, ",
        account_columns!(),
        " FROM oauth_tokens t LEFT JOIN users u ON u.id = t.user_id \
         LEFT JOIN accounts a ON a.id = u.account_id LEFT JOIN account_stats s ON s.account_id = a.id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let grant = TokenGrant {
        token_id: row.try_get("t_id")?,
        app_id: row.try_get("t_app_id")?,
        user_id: row.try_get("t_user_id")?,
        scopes: row.try_get("t_scopes")?,
        created_at: row.try_get("t_created_at")?,
    };
    let (user, account) = match (
        grant.user_id,
        row.try_get::<Option<i64>, _>("u_id")?,
        row.try_get::<Option<i64>, _>("id")?,
    ) {
        (Some(_), Some(_), Some(_)) => (
            Some(user_from_prefixed(&row)?),
            Some(Account::from_row(&row)?),
        ),
        _ => (None, None),
    };
    Ok(Some(TokenOwner {
        grant,
        user,
        account,
    }))
}

/// Deletes authorization codes that expired before `before`, used or not. Returns how many.
pub async fn delete_codes_expired_before(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM oauth_authorization_codes WHERE expires_at < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
