//! Media use-cases: uploading (processed at once or by a job), describing, attaching to
//! statuses, and freeing files nobody uses any more. What edits do to attachments is in
//! [`edits`], remote statuses' attachments in [`remote`], avatars and headers in [`profile`].

mod edits;
mod profile;
mod remote;

pub use edits::{
    apply_attributes, check_attributes, edit_versions, snapshot_for_edit, AttributeChange,
    MediaAttributes,
};
pub use profile::{prepare_profile_image, set_profile_image, ProfileImageFile};
pub use remote::{record_remote, update_remote, RemoteAttachment};

use bytes::Bytes;
use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::media::process::{self, ImageRole};
use crate::media::{self as files, Kind, ProcessError, Sniffed};
use crate::model::{Account, Media};
use crate::service::queue::{self, Job, OfMedia};
use crate::store::media::{Files, NewMedia};
use crate::{id, store};

/// How an upload should be processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Before answering (`POST /api/v1/media`).
    Now,
    /// Before answering when cheap, otherwise in a job (`POST /api/v2/media`).
    Later,
}

/// What a client sends with a file.
#[derive(Debug, Default)]
pub struct UploadMeta {
    pub description: Option<String>,
    pub focus: Option<String>,
    /// A custom preview image (`thumbnail`), for video and audio above all.
    pub thumbnail: Option<Bytes>,
}

/// A checked and processed custom preview, not stored yet.
pub struct Thumbnail {
    image: process::Encoded,
    blurhash: Option<String>,
}

/// Checks and processes a `thumbnail`: an image (422 for anything else, whatever it claims
/// to be), scaled like a preview, metadata stripped. Nothing is stored.
pub async fn prepare_thumbnail(state: &AppState, bytes: Bytes) -> Result<Thumbnail> {
    let sniffed = check_file(state, "thumbnail", &bytes)?;
    if sniffed.kind() != Kind::Image {
        return Err(Error::invalid(
            "thumbnail",
            "ERR_INVALID",
            "content type is invalid: send a JPEG, PNG, GIF or WebP image",
        ));
    }
    let role = ImageRole::Thumbnail {
        pixels: state.config.media.preview_pixels,
    };
    let p = process_blocking(state, "thumbnail", bytes, sniffed, role).await?;
    Ok(Thumbnail {
        image: p.original,
        blurhash: p.blurhash,
    })
}

/// Fills in the public URLs of attachments (local files through the storage backend, remote
/// ones as received).
pub fn with_urls(state: &AppState, mut media: Vec<Media>) -> Vec<Media> {
    for m in &mut media {
        fill_urls(state, m);
    }
    media
}

fn fill_urls(state: &AppState, m: &mut Media) {
    m.url = m
        .file_key
        .as_deref()
        .map(|k| state.media.url(k))
        .or_else(|| m.remote_url.clone());
    m.preview_url = m
        .preview_key
        .as_deref()
        .map(|k| state.media.url(k))
        .or_else(|| m.preview_remote_url.clone())
        .or_else(|| m.remote_url.clone().filter(|_| m.kind == "image"));
}

fn one_with_url(state: &AppState, mut m: Media) -> Media {
    fill_urls(state, &mut m);
    m
}

/// Parses Mastodon's focus `"x,y"`, each within -1.0..=1.0.
pub fn parse_focus(raw: &str) -> Result<(f32, f32)> {
    let bad = || {
        Error::invalid(
            "focus",
            "ERR_INVALID",
            "must be two numbers from -1 to 1, as \"x,y\"",
        )
    };
    let (x, y) = raw.split_once(',').ok_or_else(bad)?;
    let x: f32 = x.trim().parse().map_err(|_| bad())?;
    let y: f32 = y.trim().parse().map_err(|_| bad())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok((x, y))
}

fn check_description(state: &AppState, description: &str) -> Result<()> {
    let limit = state.config.media.description_characters;
    if description.chars().count() > limit {
        return Err(Error::invalid(
            "description",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {limit} characters)"),
        ));
    }
    Ok(())
}

/// Checks an upload's real type and size: 422 for what is not an accepted image, video or
/// audio file (whatever its name or declared type says), 413 above the limit of its kind.
pub fn check_file(state: &AppState, field: &str, bytes: &[u8]) -> Result<Sniffed> {
    let sniffed = files::sniff(bytes).ok_or_else(|| {
        Error::invalid(
            field,
            "ERR_INVALID",
            "content type is invalid: send a JPEG, PNG, GIF or WebP image, or a video or audio file",
        )
    })?;
    let m = &state.config.media;
    let limit = match sniffed.kind() {
        Kind::Image => m.image_size_limit,
        Kind::Video => m.video_size_limit,
        Kind::Audio => m.audio_size_limit,
    };
    if bytes.len() > limit {
        return Err(Error::PayloadTooLarge(format!(
            "File is too large: the limit for {} files is {limit} bytes",
            sniffed.kind().as_str()
        )));
    }
    Ok(sniffed)
}

fn refused(field: &str, e: ProcessError) -> Error {
    match e {
        ProcessError::TooManyPixels { .. } => {
            Error::invalid(field, "ERR_TOO_LARGE", format!("is refused: {e}"))
        }
        other => Error::invalid(field, "ERR_INVALID", format!("is refused: {other}")),
    }
}

/// Processes an image off the async runtime.
pub(crate) async fn process_blocking(
    state: &AppState,
    field: &str,
    bytes: Bytes,
    sniffed: Sniffed,
    role: ImageRole,
) -> Result<process::Processed> {
    let limit = state.config.media.image_matrix_limit;
    tokio::task::spawn_blocking(move || process::process_image(&bytes, sniffed, limit, role))
        .await
        .map_err(|e| Error::internal(format!("image processing panicked: {e}")))?
        .map_err(|e| refused(field, e))
}

pub(crate) fn attachment_role(state: &AppState) -> ImageRole {
    ImageRole::Attachment {
        original_pixels: state.config.media.original_pixels,
        preview_pixels: state.config.media.preview_pixels,
    }
}

/// Stores a processed image or an unchanged video/audio file; returns what to record.
pub(crate) async fn store_files(
    state: &AppState,
    bytes: &Bytes,
    sniffed: Sniffed,
    processed: Option<process::Processed>,
) -> Result<StoredFiles> {
    let (original, preview, blurhash) = match processed {
        Some(p) => (p.original, p.preview, p.blurhash),
        None => (
            process::Encoded {
                bytes: bytes.to_vec(),
                format: sniffed,
                width: 0,
                height: 0,
            },
            Some(process::placeholder()),
            None,
        ),
    };
    let file_key = files::key_for(&original.bytes, original.format.extension());
    put(state, &file_key, &original.bytes).await?;
    let preview_stored = match preview {
        Some(p) => {
            let key = files::key_for(&p.bytes, p.format.extension());
            put(state, &key, &p.bytes).await?;
            Some((key, p.width, p.height, p.bytes.len() as i64))
        }
        None => None,
    };
    let (mut width, mut height) = (original.width, original.height);
    let mut file_meta = None;
    if sniffed.kind() != Kind::Image {
        let copy = bytes.clone();
        let probed = tokio::task::spawn_blocking(move || files::probe::probe(&copy, sniffed))
            .await
            .unwrap_or_default();
        if let Some(m) = probed {
            (width, height) = (m.width.unwrap_or(0), m.height.unwrap_or(0));
            file_meta = Some(m.to_json(bytes.len()));
        }
    }
    let dims = |w: u32, h: u32| (w > 0 && h > 0).then_some((w as i32, h as i32));
    let preview_bytes = preview_stored.as_ref().map_or(0, |p| p.3);
    Ok(StoredFiles {
        stored_bytes: original.bytes.len() as i64 + preview_bytes,
        content_type: original.format.mime(),
        file_key,
        file_size: original.bytes.len() as i64,
        original: dims(width, height),
        preview: preview_stored,
        blurhash,
        file_meta,
    })
}

pub(crate) struct StoredFiles {
    /// The original's and the preview's bytes together.
    pub stored_bytes: i64,
    content_type: &'static str,
    file_key: String,
    file_size: i64,
    original: Option<(i32, i32)>,
    preview: Option<(String, u32, u32, i64)>,
    blurhash: Option<String>,
    /// What the container of a video or audio file says (Mastodon's `meta`).
    file_meta: Option<serde_json::Value>,
}

impl StoredFiles {
    /// The keys of the stored files.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = vec![self.file_key.clone()];
        keys.extend(self.preview.as_ref().map(|p| p.0.clone()));
        keys
    }

    pub fn as_files(&self) -> Files<'_> {
        Files {
            content_type: self.content_type,
            file_key: &self.file_key,
            preview_key: self.preview.as_ref().map(|p| p.0.as_str()),
            file_size: self.file_size,
            width: self.original.map(|o| o.0),
            height: self.original.map(|o| o.1),
            preview_width: self.preview.as_ref().map(|p| p.1 as i32),
            preview_height: self.preview.as_ref().map(|p| p.2 as i32),
            blurhash: self.blurhash.as_deref(),
            file_meta: self.file_meta.as_ref(),
        }
    }
}

pub(crate) async fn put(state: &AppState, key: &str, bytes: &[u8]) -> Result<()> {
    state
        .media
        .put(key, bytes)
        .await
        .map_err(|e| Error::internal(format!("storing {key}: {e}")))
}

/// Uploads a file for a later status. Returns the attachment, which is still pending when it
/// was left to a job (`Mode::Later` and a large image).
#[tracing::instrument(skip_all, fields(account.id = account.id, upload.bytes = bytes.len()))]
pub async fn upload(
    state: &AppState,
    account: &Account,
    bytes: Bytes,
    meta: UploadMeta,
    mode: Mode,
) -> Result<Media> {
    let description = meta.description.unwrap_or_default();
    check_description(state, &description)?;
    let focus = match meta.focus.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(raw) => parse_focus(raw)?,
        None => (0.0, 0.0),
    };
    let sniffed = check_file(state, "file", &bytes)?;
    let thumbnail = match meta.thumbnail {
        Some(t) => Some(prepare_thumbnail(state, t).await?),
        None => None,
    };
    // A custom preview is applied at once, so the job never has to keep it.
    let mode = if thumbnail.is_some() { Mode::Now } else { mode };
    let media_id = id::next();
    let mut new = NewMedia {
        id: media_id,
        account_id: account.id,
        status_id: None,
        position: 0,
        kind: sniffed.kind().as_str(),
        content_type: Some(sniffed.mime()),
        description: description.trim(),
        focus,
        remote_url: None,
        preview_remote_url: None,
        blurhash: None,
        width: None,
        height: None,
        processing: "done",
        upload: None,
    };
    if sniffed.kind() == Kind::Image {
        // The header alone says whether this is a bomb, and whether it is worth a job.
        let (w, h) = process::dimensions(&bytes, sniffed).map_err(|e| refused("file", e))?;
        let pixels = u64::from(w) * u64::from(h);
        if pixels > state.config.media.image_matrix_limit {
            return Err(refused(
                "file",
                ProcessError::TooManyPixels {
                    width: w,
                    height: h,
                    limit: state.config.media.image_matrix_limit,
                },
            ));
        }
        if mode == Mode::Later && pixels > state.config.media.sync_pixels {
            new.processing = "pending";
            new.upload = Some(&bytes);
            let mut tx = state.db.begin().await?;
            store::media::insert(&mut *tx, &new).await?;
            queue::enqueue(&mut tx, &Job::ProcessMedia(OfMedia { media_id })).await?;
            tx.commit().await?;
            return own(state, account, media_id).await;
        }
    }
    let processed = match sniffed.kind() {
        Kind::Image => Some(
            process_blocking(
                state,
                "file",
                bytes.clone(),
                sniffed,
                attachment_role(state),
            )
            .await?,
        ),
        _ => None,
    };
    let processed = with_thumbnail(&bytes, sniffed, processed, thumbnail);
    let stored = store_files(state, &bytes, sniffed, processed).await?;
    let mut tx = state.db.begin().await?;
    store::media::insert(&mut *tx, &new).await?;
    store::media::set_files(&mut *tx, media_id, &stored.as_files()).await?;
    tx.commit().await?;
    own(state, account, media_id).await
}

/// Puts a custom preview in place of the computed one (or of a video's placeholder); video
/// and audio take its blurhash too, images keep their own.
pub(crate) fn with_thumbnail(
    bytes: &Bytes,
    sniffed: Sniffed,
    processed: Option<process::Processed>,
    thumbnail: Option<Thumbnail>,
) -> Option<process::Processed> {
    let Some(t) = thumbnail else {
        return processed;
    };
    Some(match processed {
        Some(p) => process::Processed {
            preview: Some(t.image),
            ..p
        },
        None => process::Processed {
            original: process::Encoded {
                bytes: bytes.to_vec(),
                format: sniffed,
                width: 0,
                height: 0,
            },
            preview: Some(t.image),
            blurhash: t.blurhash,
        },
    })
}

/// Finishes a pending upload (the `process_media` job). A file that turns out to be corrupt
/// marks the attachment failed, which is final.
pub async fn process_pending(state: &AppState, media_id: i64) -> Result<()> {
    let Some(raw) = store::media::pending_upload(&state.db, media_id).await? else {
        return Ok(());
    };
    let bytes = Bytes::from(raw);
    let Some(sniffed) = files::sniff(&bytes) else {
        store::media::set_failed(&state.db, media_id).await?;
        return Ok(());
    };
    match process_blocking(
        state,
        "file",
        bytes.clone(),
        sniffed,
        attachment_role(state),
    )
    .await
    {
        Ok(processed) => {
            let stored = store_files(state, &bytes, sniffed, Some(processed)).await?;
            store::media::set_files(&state.db, media_id, &stored.as_files()).await?;
        }
        Err(Error::Validation { message, .. }) => {
            tracing::info!(media.id = media_id, error = %message, "upload refused by processing");
            store::media::set_failed(&state.db, media_id).await?;
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// One's own attachment (404 for anyone else's, so ids cannot be probed).
pub async fn own(state: &AppState, account: &Account, id: i64) -> Result<Media> {
    let media = store::media::by_id(&state.db, id)
        .await?
        .filter(|m| m.account_id == account.id)
        .ok_or(Error::NotFound)?;
    Ok(one_with_url(state, media))
}

/// Changes the description or focal point of one's attachment, attached or not.
pub async fn update(
    state: &AppState,
    account: &Account,
    id: i64,
    meta: UploadMeta,
) -> Result<Media> {
    let current = own(state, account, id).await?;
    let description = match meta.description {
        Some(d) => {
            check_description(state, &d)?;
            d.trim().to_string()
        }
        None => current.description.clone(),
    };
    let focus = match meta.focus.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(raw) => parse_focus(raw)?,
        None => (current.focus_x, current.focus_y),
    };
    let thumbnail = match meta.thumbnail {
        Some(t) => Some(prepare_thumbnail(state, t).await?),
        None => None,
    };
    let mut freed = Vec::new();
    let mut tx = state.db.begin().await?;
    store::media::update_meta(&mut *tx, id, &description, focus).await?;
    if let Some(t) = thumbnail {
        if current.remote_url.is_some() || !current.is_ready() {
            return Err(Error::invalid(
                "thumbnail",
                "ERR_INVALID",
                "can only be set on a processed upload of one's own",
            ));
        }
        let key = files::key_for(&t.image.bytes, t.image.format.extension());
        put(state, &key, &t.image.bytes).await?;
        let blurhash = t.blurhash.as_deref().filter(|_| current.kind != "image");
        let old = store::media::set_preview(
            &mut tx,
            id,
            &key,
            t.image.width as i32,
            t.image.height as i32,
            blurhash,
        )
        .await?;
        freed.extend(old.filter(|old| *old != key));
    }
    tx.commit().await?;
    free_files(state, freed).await;
    own(state, account, id).await
}

/// What uploads are being attached to, for [`check_attachable`]: a new status (or scheduled
/// status), a status being edited (its own attachments stay attachable to it), or a scheduled
/// status being published (the uploads reserved for it are its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachTo {
    New,
    Status(i64),
    Scheduled(i64),
}

/// Checks `media_ids` of a post or an edit: at most the configured number, each one's own,
/// processed, not attached to another status nor reserved by another scheduled status (`to`
/// says which one they may already belong to), and no video or audio together with anything
/// else (as Mastodon refuses). Returns the ids in order.
pub async fn check_attachable(
    state: &AppState,
    account: &Account,
    raw_ids: &[String],
    to: AttachTo,
) -> Result<Vec<i64>> {
    let (status_id, scheduled_id) = match to {
        AttachTo::New => (None, None),
        AttachTo::Status(id) => (Some(id), None),
        AttachTo::Scheduled(id) => (None, Some(id)),
    };
    if raw_ids.is_empty() {
        return Ok(Vec::new());
    }
    let max = state.config.limits.max_media_attachments;
    if raw_ids.len() > max {
        return Err(Error::invalid(
            "media_ids",
            "ERR_TOO_LONG",
            format!("are too many: at most {max} attachments per status"),
        ));
    }
    let mut ids = Vec::with_capacity(raw_ids.len());
    for raw in raw_ids {
        let id = crate::id::parse(raw.trim()).ok_or_else(unknown_media)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let found = store::media::by_ids(&state.db, &ids).await?;
    let mut kinds = Vec::new();
    for id in &ids {
        let m = found
            .iter()
            .find(|m| m.id == *id && m.account_id == account.id && m.remote_url.is_none())
            .ok_or_else(unknown_media)?;
        let taken = (m.status_id.is_some() && m.status_id != status_id)
            || (m.scheduled_status_id.is_some() && m.scheduled_status_id != scheduled_id);
        if taken {
            return Err(Error::invalid(
                "media_ids",
                "ERR_TAKEN",
                "include an attachment already used by another status",
            ));
        }
        if !m.is_ready() {
            return Err(Error::invalid(
                "media_ids",
                "ERR_INVALID",
                "include an attachment that is still processing or failed",
            ));
        }
        kinds.push(m.kind.as_str());
    }
    if kinds.len() > 1 && kinds.iter().any(|k| *k != "image") {
        return Err(Error::unprocessable(
            "Validation failed: Cannot attach a video or audio file to a post that already contains images",
        ));
    }
    Ok(ids)
}

fn unknown_media() -> Error {
    Error::invalid(
        "media_ids",
        "ERR_INVALID",
        "include an attachment that does not exist or is not yours",
    )
}

/// Attaches checked media to a status, in the transaction that posts or edits it.
pub async fn attach(tx: &mut sqlx::PgConnection, status_id: i64, ids: &[i64]) -> Result<()> {
    store::media::attach(tx, status_id, ids).await?;
    Ok(())
}

/// Removes the attachments of a status being deleted, in its transaction; returns the keys
/// of files to free with `free_files` once the transaction is committed.
pub async fn release_status(tx: &mut sqlx::PgConnection, status_id: i64) -> Result<Vec<String>> {
    Ok(store::media::delete_for_status(&mut *tx, status_id).await?)
}

/// Removes stored files that no attachment or profile image refers to any more. Failures are
/// logged, not returned: the rows are already gone, and a left-over file harms nobody.
pub async fn free_files(state: &AppState, keys: Vec<String>) {
    for key in keys {
        match store::media::key_in_use(&state.db, &key).await {
            Ok(false) => {
                if let Err(e) = state.media.delete(&key).await {
                    tracing::warn!(media.key = %key, error = %e, "removing a media file");
                }
            }
            Ok(true) => {}
            Err(e) => tracing::warn!(media.key = %key, error = %e, "checking a media file"),
        }
    }
}

/// Deletes one's own upload that no status (nor scheduled status) uses, with its files
/// (Mastodon 4.4): another's is not found, an attached one is refused (422).
pub async fn delete(state: &AppState, account: &Account, id: i64) -> Result<()> {
    let media = own(state, account, id).await?;
    if media.status_id.is_some() || media.scheduled_status_id.is_some() {
        return Err(Error::unprocessable(
            "Media attachment is currently used by a status",
        ));
    }
    // Attached meanwhile: the delete finds nothing to remove.
    let keys = store::media::delete_unattached(&state.db, id, account.id)
        .await?
        .ok_or_else(|| Error::unprocessable("Media attachment is currently used by a status"))?;
    free_files(state, keys).await;
    Ok(())
}

/// Removes uploads that were never attached within the retention period, with their files.
/// Returns how many files were looked at.
#[tracing::instrument(skip_all)]
pub async fn remove_unattached(state: &AppState) -> Result<usize> {
    let hours = state.config.media.unattached_retention_hours as i64;
    let before = Utc::now() - chrono::Duration::hours(hours);
    let keys = store::media::delete_unattached_before(&state.db, before).await?;
    let n = keys.len();
    free_files(state, keys).await;
    Ok(n)
}
