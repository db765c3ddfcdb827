//! Media attachments (`media_attachments`) and the profile images of accounts.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::model::media::ProfileImage;
use crate::model::Media;

const COLUMNS: &str = "id, account_id, status_id, position, kind, content_type, file_key, \
     preview_key, file_size, width, height, preview_width, preview_height, blurhash, description, \
     focus_x, focus_y, remote_url, preview_remote_url, processing, file_meta, created_at, \
     scheduled_status_id";

/// A new attachment row.
pub struct NewMedia<'a> {
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    pub position: i16,
    pub kind: &'a str,
    pub content_type: Option<&'a str>,
    pub description: &'a str,
    pub focus: (f32, f32),
    pub remote_url: Option<&'a str>,
    pub preview_remote_url: Option<&'a str>,
    pub blurhash: Option<&'a str>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// `done`, or `pending` with the raw upload kept for the processing job.
    pub processing: &'a str,
    pub upload: Option<&'a [u8]>,
}

/// Stored files and what is known of them once processing is done.
pub struct Files<'a> {
    pub content_type: &'a str,
    pub file_key: &'a str,
    pub preview_key: Option<&'a str>,
    pub file_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub preview_width: Option<i32>,
    pub preview_height: Option<i32>,
    pub blurhash: Option<&'a str>,
    /// What the container of a video or audio file says.
    pub file_meta: Option<&'a serde_json::Value>,
}

/// Inserts an attachment.
pub async fn insert(db: impl PgExecutor<'_>, m: &NewMedia<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO media_attachments (id, account_id, status_id, position, kind, content_type, \
         description, focus_x, focus_y, remote_url, preview_remote_url, blurhash, width, height, \
         processing, upload) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(m.id)
    .bind(m.account_id)
    .bind(m.status_id)
    .bind(m.position)
    .bind(m.kind)
    .bind(m.content_type)
    .bind(m.description)
    .bind(m.focus.0)
    .bind(m.focus.1)
    .bind(m.remote_url)
    .bind(m.preview_remote_url)
    .bind(m.blurhash)
    .bind(m.width)
    .bind(m.height)
    .bind(m.processing)
    .bind(m.upload)
    .execute(db)
    .await?;
    Ok(())
}

/// Records the stored files of an attachment and marks it done; the raw upload is dropped.
pub async fn set_files(db: impl PgExecutor<'_>, id: i64, f: &Files<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE media_attachments SET content_type = $2, file_key = $3, preview_key = $4, \
         file_size = $5, width = $6, height = $7, preview_width = $8, preview_height = $9, \
         blurhash = $10, file_meta = $11, processing = 'done', upload = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(f.content_type)
    .bind(f.file_key)
    .bind(f.preview_key)
    .bind(f.file_size)
    .bind(f.width)
    .bind(f.height)
    .bind(f.preview_width)
    .bind(f.preview_height)
    .bind(f.blurhash)
    .bind(f.file_meta.map(sqlx::types::Json))
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces the preview of an attachment (a custom `thumbnail`), and its blurhash when one is
/// given; returns the key of the preview it replaces.
pub async fn set_preview(
    db: &mut PgConnection,
    id: i64,
    preview_key: &str,
    width: i32,
    height: i32,
    blurhash: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    let old: Option<String> =
        sqlx::query_scalar("SELECT preview_key FROM media_attachments WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *db)
            .await?
            .flatten();
    sqlx::query(
        "UPDATE media_attachments SET preview_key = $2, preview_width = $3, preview_height = $4, \
         blurhash = COALESCE($5, blurhash) WHERE id = $1",
    )
    .bind(id)
    .bind(preview_key)
    .bind(width)
    .bind(height)
    .bind(blurhash)
    .execute(&mut *db)
    .await?;
    Ok(old)
}

/// Marks a pending attachment as failed and drops its raw upload.
pub async fn set_failed(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE media_attachments SET processing = 'failed', upload = NULL WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The raw upload of a pending attachment, if it is still pending.
pub async fn pending_upload(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT upload FROM media_attachments WHERE id = $1 AND processing = 'pending' \
         AND upload IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// One attachment.
pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Media>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// These attachments, whoever owns them, in no particular order.
pub async fn by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<Media>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// The attachments of these statuses in one query, ordered by status and position.
pub async fn for_statuses(
    db: impl PgExecutor<'_>,
    status_ids: &[i64],
) -> Result<Vec<Media>, sqlx::Error> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE status_id = ANY($1) AND position >= 0 \
         ORDER BY status_id, position, id"
    ))
    .bind(status_ids)
    .fetch_all(db)
    .await
}

/// Every attachment a status has had, current ones (in order) first, then those edits
/// dropped.
pub async fn all_for_status(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<Vec<Media>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE status_id = $1 \
         ORDER BY position < 0, position, id"
    ))
    .bind(status_id)
    .fetch_all(db)
    .await
}

/// Puts a remote status's known attachment at `position` with what its author now says of it.
pub async fn place_remote(
    db: impl PgExecutor<'_>,
    id: i64,
    position: i16,
    description: &str,
    focus: (f32, f32),
    blurhash: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE media_attachments SET position = $2, description = $3, focus_x = $4, \
         focus_y = $5, blurhash = COALESCE(blurhash, $6) WHERE id = $1",
    )
    .bind(id)
    .bind(position)
    .bind(description)
    .bind(focus.0)
    .bind(focus.1)
    .bind(blurhash)
    .execute(db)
    .await?;
    Ok(())
}

/// Records, on the edit `edit_id`, the attachments `status_id` has now (ids, descriptions and
/// focal points, in order): what that earlier version showed.
pub async fn snapshot_for_edit(
    db: impl PgExecutor<'_>,
    edit_id: i64,
    status_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE status_edits SET media = COALESCE((\
           SELECT jsonb_agg(jsonb_build_object('id', id, 'description', description, \
                  'focus_x', focus_x, 'focus_y', focus_y) ORDER BY position, id) \
           FROM media_attachments WHERE status_id = $2 AND position >= 0), '[]'::jsonb) \
         WHERE id = $1",
    )
    .bind(edit_id)
    .bind(status_id)
    .execute(db)
    .await?;
    Ok(())
}

/// An attachment as an earlier version of a status showed it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct EditMedia {
    pub id: i64,
    pub description: String,
    pub focus_x: f32,
    pub focus_y: f32,
}

/// The attachments of each earlier version of a status, oldest first (the order of
/// `statuses::edits`).
pub async fn edit_snapshots(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<Vec<Vec<EditMedia>>, sqlx::Error> {
    let rows: Vec<sqlx::types::Json<Vec<EditMedia>>> =
        sqlx::query_scalar("SELECT media FROM status_edits WHERE status_id = $1 ORDER BY id")
            .bind(status_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Changes what is given of an attachment's description and focal point.
pub async fn update_some_meta(
    db: impl PgExecutor<'_>,
    id: i64,
    description: Option<&str>,
    focus: Option<(f32, f32)>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE media_attachments SET description = COALESCE($2, description), \
         focus_x = COALESCE($3, focus_x), focus_y = COALESCE($4, focus_y) WHERE id = $1",
    )
    .bind(id)
    .bind(description)
    .bind(focus.map(|f| f.0))
    .bind(focus.map(|f| f.1))
    .execute(db)
    .await?;
    Ok(())
}

/// Changes the description and focal point of an attachment.
pub async fn update_meta(
    db: impl PgExecutor<'_>,
    id: i64,
    description: &str,
    focus: (f32, f32),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE media_attachments SET description = $2, focus_x = $3, focus_y = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(description)
    .bind(focus.0)
    .bind(focus.1)
    .execute(db)
    .await?;
    Ok(())
}

/// Makes `ids` (in this order) the attachments of `status_id`, and retires the ones it had
/// that are no longer among them.
pub async fn attach(db: &mut PgConnection, status_id: i64, ids: &[i64]) -> Result<(), sqlx::Error> {
    // Dropped attachments stay with their status at position -1: the edit history still
    // shows them, and they go when the status goes (as on Mastodon).
    sqlx::query(
        "UPDATE media_attachments SET position = -1 \
         WHERE status_id = $1 AND position >= 0 AND NOT (id = ANY($2))",
    )
    .bind(status_id)
    .bind(ids)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "UPDATE media_attachments m SET status_id = $1, position = o.position - 1 \
         FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, position) WHERE m.id = o.id",
    )
    .bind(status_id)
    .bind(ids)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Reserves `ids` for the scheduled status `scheduled_id` (in the transaction that creates
/// it), in this order, those of them still free (not attached, not reserved); returns how
/// many were.
pub async fn reserve(
    db: impl PgExecutor<'_>,
    scheduled_id: i64,
    ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE media_attachments m SET scheduled_status_id = $1, position = o.position - 1 \
         FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, position) \
         WHERE m.id = o.id AND m.status_id IS NULL AND m.scheduled_status_id IS NULL",
    )
    .bind(scheduled_id)
    .bind(ids)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The attachments reserved for these scheduled statuses, ordered by scheduled status and
/// position.
pub async fn for_scheduled(
    db: impl PgExecutor<'_>,
    scheduled_ids: &[i64],
) -> Result<Vec<Media>, sqlx::Error> {
    if scheduled_ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM media_attachments WHERE scheduled_status_id = ANY($1) \
         ORDER BY scheduled_status_id, position, id"
    ))
    .bind(scheduled_ids)
    .fetch_all(db)
    .await
}

/// Removes the attachments of a status; returns the keys of their files.
pub async fn delete_for_status(
    db: impl PgExecutor<'_>,
    status_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "DELETE FROM media_attachments WHERE status_id = $1 RETURNING file_key, preview_key",
    )
    .bind(status_id)
    .fetch_all(db)
    .await?;
    Ok(flatten_keys(rows))
}

/// Removes unattached attachments created before `before`; returns the keys of their files.
pub async fn delete_unattached_before(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "DELETE FROM media_attachments WHERE status_id IS NULL AND created_at < $1 \
         AND scheduled_status_id IS NULL RETURNING file_key, preview_key",
    )
    .bind(before)
    .fetch_all(db)
    .await?;
    Ok(flatten_keys(rows))
}

/// Removes `account_id`'s attachment `id` if no status or scheduled status holds it; returns
/// the keys of its files, or `None` when nothing was removed.
pub async fn delete_unattached(
    db: impl PgExecutor<'_>,
    id: i64,
    account_id: i64,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    let rows: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "DELETE FROM media_attachments WHERE id = $1 AND account_id = $2 AND status_id IS NULL \
         AND scheduled_status_id IS NULL RETURNING file_key, preview_key",
    )
    .bind(id)
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok((!rows.is_empty()).then(|| flatten_keys(rows)))
}

fn flatten_keys(rows: Vec<(Option<String>, Option<String>)>) -> Vec<String> {
    let mut keys: Vec<String> = rows
        .into_iter()
        .flat_map(|(a, b)| [a, b])
        .flatten()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Whether any attachment or profile image still refers to the file under `key` (equal
/// uploads share one file).
pub async fn key_in_use(db: impl PgExecutor<'_>, key: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM media_attachments WHERE file_key = $1 OR preview_key = $1) \
         OR EXISTS (SELECT 1 FROM profile_image_cache WHERE file_key = $1) \
         OR EXISTS (SELECT 1 FROM preview_cards WHERE image_key = $1) \
         OR EXISTS (SELECT 1 FROM custom_emojis WHERE file_key = $1 OR static_key = $1) \
         OR EXISTS (SELECT 1 FROM accounts WHERE avatar_url LIKE '%/' || $1 \
                    OR header_url LIKE '%/' || $1)",
    )
    .bind(key)
    .fetch_one(db)
    .await
}

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
    let done = sqlx::query(
        "UPDATE media_attachments SET kind = $2, content_type = $3, file_key = $4, \
         preview_key = $5, file_size = $6, width = COALESCE($7, width), \
         height = COALESCE($8, height), preview_width = $9, preview_height = $10, \
         blurhash = COALESCE($11, blurhash), cached_at = now(), cached_bytes = $12, \
         file_meta = COALESCE($13, file_meta) \
         WHERE id = $1 AND remote_url IS NOT NULL AND file_key IS NULL",
    )
    .bind(id)
    .bind(kind)
    .bind(f.content_type)
    .bind(f.file_key)
    .bind(f.preview_key)
    .bind(f.file_size)
    .bind(f.width)
    .bind(f.height)
    .bind(f.preview_width)
    .bind(f.preview_height)
    .bind(f.blurhash)
    .bind(cached_bytes)
    .bind(f.file_meta.map(sqlx::types::Json))
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
