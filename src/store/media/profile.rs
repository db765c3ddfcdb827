//! Avatars and headers: a local account's image URLs, and the cached copies of remote ones
//! (`profile_image_cache`).

use sqlx::{PgConnection, PgExecutor};

use crate::model::media::ProfileImage;

/// Sets (or with `None` clears) a local account's avatar or header URL; returns the old one.
pub async fn set_profile_image(
    db: &mut PgConnection,
    account_id: i64,
    which: ProfileImage,
    url: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    let column = match which {
        ProfileImage::Avatar => "avatar_url",
        ProfileImage::Header => "header_url",
    };
    let old: Option<String> = sqlx::query_scalar(&format!(
        "SELECT {column} FROM accounts WHERE id = $1 FOR UPDATE"
    ))
    .bind(account_id)
    .fetch_optional(&mut *db)
    .await?
    .flatten();
    sqlx::query(&format!(
        "UPDATE accounts SET {column} = $2, updated_at = now() WHERE id = $1"
    ))
    .bind(account_id)
    .bind(url)
    .execute(&mut *db)
    .await?;
    Ok(old)
}

fn which_str(which: ProfileImage) -> &'static str {
    match which {
        ProfileImage::Avatar => "avatar",
        ProfileImage::Header => "header",
    }
}

/// The cached copy of a remote account's avatar or header: the remote URL it came from and
/// its file key.
pub async fn profile_cached(
    db: impl PgExecutor<'_>,
    account_id: i64,
    which: ProfileImage,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT remote_url, file_key FROM profile_image_cache WHERE account_id = $1 AND which = $2",
    )
    .bind(account_id)
    .bind(which_str(which))
    .fetch_optional(db)
    .await
}

/// Records the cached copy of a remote avatar or header; returns the key it replaces.
pub async fn put_profile_cache(
    db: &mut PgConnection,
    account_id: i64,
    which: ProfileImage,
    remote_url: &str,
    file_key: &str,
    bytes: i64,
) -> Result<Option<String>, sqlx::Error> {
    let old: Option<String> = sqlx::query_scalar(
        "SELECT file_key FROM profile_image_cache WHERE account_id = $1 AND which = $2 FOR UPDATE",
    )
    .bind(account_id)
    .bind(which_str(which))
    .fetch_optional(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO profile_image_cache (account_id, which, remote_url, file_key, bytes) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, which) DO UPDATE SET \
         remote_url = EXCLUDED.remote_url, file_key = EXCLUDED.file_key, bytes = EXCLUDED.bytes, \
         cached_at = now()",
    )
    .bind(account_id)
    .bind(which_str(which))
    .bind(remote_url)
    .bind(file_key)
    .bind(bytes)
    .execute(&mut *db)
    .await?;
    Ok(old)
}

/// Forgets the cached copy of an avatar or header; returns its remote URL and file key.
pub async fn remove_profile_cache(
    db: impl PgExecutor<'_>,
    account_id: i64,
    which: ProfileImage,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM profile_image_cache WHERE account_id = $1 AND which = $2 \
         RETURNING remote_url, file_key",
    )
    .bind(account_id)
    .bind(which_str(which))
    .fetch_optional(db)
    .await
}

/// Sets an account's avatar or header URL only if it is still `expected`; returns whether
/// it was.
pub async fn swap_profile_url(
    db: impl PgExecutor<'_>,
    account_id: i64,
    which: ProfileImage,
    expected: &str,
    url: &str,
) -> Result<bool, sqlx::Error> {
    let column = match which {
        ProfileImage::Avatar => "avatar_url",
        ProfileImage::Header => "header_url",
    };
    let done = sqlx::query(&format!(
        "UPDATE accounts SET {column} = $3 WHERE id = $1 AND {column} = $2"
    ))
    .bind(account_id)
    .bind(expected)
    .bind(url)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
