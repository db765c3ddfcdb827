//! Media attachments (`media_attachments`) and the profile images of accounts: attachments
//! here, what earlier versions of a status showed in [`edits`], the remote media cache in
//! [`cache`], avatars and headers in [`profile`].

mod cache;
mod edits;
mod profile;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, PgExecutor, Postgres};

use crate::model::Media;

pub use cache::{
    cache_entries, cache_total, cached_domains, cached_of_domain, make_unknown, set_cached,
    uncache, CacheEntry,
};
pub use edits::{edit_snapshots, snapshot_for_edit, EditMedia};
pub use profile::{
    profile_cached, put_profile_cache, remove_profile_cache, set_profile_image, swap_profile_url,
};

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

impl<'a> Files<'a> {
    /// Binds the files as the next ten parameters, in this order: `content_type`, `file_key`,
    /// `preview_key`, `file_size`, `width`, `height`, `preview_width`, `preview_height`,
    /// `blurhash`, `file_meta`.
    fn bind<'q>(&self, query: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments>
    where
        'a: 'q,
    {
        query
            .bind(self.content_type)
            .bind(self.file_key)
            .bind(self.preview_key)
            .bind(self.file_size)
            .bind(self.width)
            .bind(self.height)
            .bind(self.preview_width)
            .bind(self.preview_height)
            .bind(self.blurhash)
            .bind(self.file_meta.map(sqlx::types::Json))
    }
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
    f.bind(
        sqlx::query(
            "UPDATE media_attachments SET content_type = $2, file_key = $3, preview_key = $4, \
         file_size = $5, width = $6, height = $7, preview_width = $8, preview_height = $9, \
         blurhash = $10, file_meta = $11, processing = 'done', upload = NULL WHERE id = $1",
        )
        .bind(id),
    )
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
