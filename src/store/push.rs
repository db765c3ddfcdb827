//! Web Push: the instance's VAPID key and the push subscriptions of access tokens.

use sqlx::PgExecutor;

use crate::model::push::PushSubscription;

const COLUMNS: &str = "id, access_token_id, account_id, endpoint, key_p256dh, key_auth, standard, \
     alerts, policy, access_token, created_at, updated_at";

/// The stored VAPID private key (PKCS#8 DER), if one was made.
pub async fn vapid_key(db: impl PgExecutor<'_>) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT private_key FROM vapid_keys")
        .fetch_optional(db)
        .await
}

/// Stores `private_key` unless a key is stored already, and returns the stored one: of two
/// processes making a key at once, both end up with the first.
pub async fn keep_vapid_key(
    db: impl PgExecutor<'_>,
    private_key: &[u8],
) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH made AS (INSERT INTO vapid_keys (private_key) VALUES ($1) \
         ON CONFLICT (only_one) DO NOTHING RETURNING private_key) \
         SELECT private_key FROM made UNION ALL SELECT private_key FROM vapid_keys LIMIT 1",
    )
    .bind(private_key)
    .fetch_one(db)
    .await
}

/// What a new subscription holds.
pub struct NewSubscription<'a> {
    pub id: i64,
    pub access_token_id: i64,
    pub account_id: i64,
    pub endpoint: &'a str,
    pub key_p256dh: &'a str,
    pub key_auth: &'a str,
    pub standard: bool,
    pub alerts: &'a [String],
    pub policy: &'a str,
    pub access_token: &'a str,
}

/// Stores the token's subscription, replacing the one it had (one per token).
pub async fn replace(
    db: impl PgExecutor<'_>,
    new: &NewSubscription<'_>,
) -> Result<PushSubscription, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO web_push_subscriptions (id, access_token_id, account_id, endpoint, \
         key_p256dh, key_auth, standard, alerts, policy, access_token) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (access_token_id) DO UPDATE SET id = $1, account_id = $3, endpoint = $4, \
         key_p256dh = $5, key_auth = $6, standard = $7, alerts = $8, policy = $9, \
         access_token = $10, created_at = now(), updated_at = now() \
         RETURNING {COLUMNS}"
    ))
    .bind(new.id)
    .bind(new.access_token_id)
    .bind(new.account_id)
    .bind(new.endpoint)
    .bind(new.key_p256dh)
    .bind(new.key_auth)
    .bind(new.standard)
    .bind(new.alerts)
    .bind(new.policy)
    .bind(new.access_token)
    .fetch_one(db)
    .await
}

/// The subscription of an access token.
pub async fn by_token(
    db: impl PgExecutor<'_>,
    access_token_id: i64,
) -> Result<Option<PushSubscription>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM web_push_subscriptions WHERE access_token_id = $1"
    ))
    .bind(access_token_id)
    .fetch_optional(db)
    .await
}

/// A subscription by id, if its token is still valid.
pub async fn by_id(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<PushSubscription>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM web_push_subscriptions w WHERE id = $1 AND EXISTS \
         (SELECT 1 FROM oauth_tokens t WHERE t.id = w.access_token_id AND t.revoked_at IS NULL)"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Changes what a token's subscription asks for.
pub async fn update_data(
    db: impl PgExecutor<'_>,
    access_token_id: i64,
    alerts: &[String],
    policy: &str,
) -> Result<Option<PushSubscription>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE web_push_subscriptions SET alerts = $2, policy = $3, updated_at = now() \
         WHERE access_token_id = $1 RETURNING {COLUMNS}"
    ))
    .bind(access_token_id)
    .bind(alerts)
    .bind(policy)
    .fetch_optional(db)
    .await
}

/// Removes a token's subscription; `false` when it had none.
pub async fn delete_of_token(
    db: impl PgExecutor<'_>,
    access_token_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM web_push_subscriptions WHERE access_token_id = $1")
        .bind(access_token_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes a subscription the push service says is gone.
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM web_push_subscriptions WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The subscriptions of `account_id` that want notifications of `kind`.
pub async fn wanting(
    db: impl PgExecutor<'_>,
    account_id: i64,
    kind: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM web_push_subscriptions WHERE account_id = $1 AND $2 = ANY(alerts) \
         AND policy <> 'none'",
    )
    .bind(account_id)
    .bind(kind)
    .fetch_all(db)
    .await
}
