//! The remote media cache: local copies of remote attachments, and what they take.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::{flatten_keys, Files};
use crate::model::media::ProfileImage;

/// Records the local copies of a remote attachment (the remote cache): its files, what
/// processing found, and the bytes they take. Returns false (and changes nothing) when the
/// attachment is gone or already cached, so the caller frees what it stored.
pub async fn set_cached(
    db: impl PgExecutor<'_>,
    id: i64,
    kind: &str,
    f: &Files<'_>,
    cached_bytes: i64,
) -> Result<bool, sqlx::Error> {
    let done = f
        .bind(
            sqlx::query(
                "UPDATE media_attachments SET content_type = $2, file_key = $3, \
                 preview_key = $4, file_size = $5, width = COALESCE($6, width), \
                 height = COALESCE($7, height), preview_width = $8, preview_height = $9, \
                 blurhash = COALESCE($10, blurhash), file_meta = COALESCE($11, file_meta), \
                 kind = $12, cached_at = now(), cached_bytes = $13 \
                 WHERE id = $1 AND remote_url IS NOT NULL AND file_key IS NULL",
            )
            .bind(id),
        )
        .bind(kind)
        .bind(cached_bytes)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the local copies of a cached remote attachment (it falls back to its remote URL);
/// returns the keys of the files to free.
pub async fn uncache(db: impl PgExecutor<'_>, id: i64) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "UPDATE media_attachments m SET file_key = NULL, preview_key = NULL, cached_at = NULL, \
         cached_bytes = NULL, preview_width = NULL, preview_height = NULL \
         FROM (SELECT id, file_key, preview_key FROM media_attachments \
               WHERE id = $1 AND remote_url IS NOT NULL FOR UPDATE) old \
         WHERE m.id = old.id RETURNING old.file_key, old.preview_key",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(flatten_keys(rows))
}

/// One entry of the remote media cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheEntry {
    Attachment(i64),
    Profile(i64, ProfileImage),
    /// A remote custom emoji's image and its static version.
    Emoji(i64),
}

/// Cached remote files cached before `before`, oldest first, at most `limit`, with the bytes
/// each takes.
pub async fn cache_entries(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(CacheEntry, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, DateTime<Utc>)> = sqlx::query_as(
        "(SELECT 'attachment', id, COALESCE(cached_bytes, 0), cached_at FROM media_attachments \
          WHERE cached_at < $1 ORDER BY cached_at LIMIT $2) \
         UNION ALL (SELECT which, account_id, bytes, cached_at FROM profile_image_cache \
          WHERE cached_at < $1 ORDER BY cached_at LIMIT $2) \
         UNION ALL (SELECT 'emoji', id, COALESCE(cached_bytes, 0), cached_at FROM custom_emojis \
          WHERE cached_at < $1 ORDER BY cached_at LIMIT $2) \
         ORDER BY 4 LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(what, id, bytes, _)| {
            let entry = match what.as_str() {
                "avatar" => CacheEntry::Profile(id, ProfileImage::Avatar),
                "header" => CacheEntry::Profile(id, ProfileImage::Header),
                "emoji" => CacheEntry::Emoji(id),
                _ => CacheEntry::Attachment(id),
            };
            (entry, bytes)
        })
        .collect())
}

/// The domains of the accounts whose files are in the remote media cache.
pub async fn cached_domains(db: impl PgExecutor<'_>) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT a.domain FROM media_attachments m JOIN accounts a ON a.id = m.account_id \
         WHERE m.cached_at IS NOT NULL AND a.domain IS NOT NULL \
         UNION SELECT a.domain FROM profile_image_cache p JOIN accounts a ON a.id = p.account_id \
         WHERE a.domain IS NOT NULL \
         UNION SELECT domain FROM custom_emojis WHERE cached_at IS NOT NULL AND domain IS NOT NULL",
    )
    .fetch_all(db)
    .await
}

/// Every cached file of the accounts of `domain`.
pub async fn cached_of_domain(
    db: impl PgExecutor<'_>,
    domain: &str,
) -> Result<Vec<CacheEntry>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT 'attachment', m.id FROM media_attachments m JOIN accounts a ON a.id = m.account_id \
         WHERE m.cached_at IS NOT NULL AND a.domain = $1 \
         UNION ALL SELECT p.which, p.account_id FROM profile_image_cache p \
         JOIN accounts a ON a.id = p.account_id WHERE a.domain = $1 \
         UNION ALL SELECT 'emoji', id FROM custom_emojis WHERE cached_at IS NOT NULL AND domain = $1",
    )
    .bind(domain)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(what, id)| match what.as_str() {
            "avatar" => CacheEntry::Profile(id, ProfileImage::Avatar),
            "header" => CacheEntry::Profile(id, ProfileImage::Header),
            "emoji" => CacheEntry::Emoji(id),
            _ => CacheEntry::Attachment(id),
        })
        .collect())
}

/// Makes a remote attachment an `unknown` link to its remote file (its domain's media are
/// rejected).
pub async fn make_unknown(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE media_attachments SET kind = 'unknown', width = NULL, height = NULL, \
         file_meta = NULL WHERE id = $1 AND remote_url IS NOT NULL",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// The bytes the remote media cache takes.
pub async fn cache_total(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (SELECT COALESCE(sum(cached_bytes), 0) FROM media_attachments \
                 WHERE cached_at IS NOT NULL)::bigint \
              + (SELECT COALESCE(sum(bytes), 0) FROM profile_image_cache)::bigint \
              + (SELECT COALESCE(sum(cached_bytes), 0) FROM custom_emojis \
                 WHERE cached_at IS NOT NULL)::bigint",
    )
    .fetch_one(db)
    .await
}
