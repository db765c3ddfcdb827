//! Post import (`POST /api/v1/import` with `type=posts`): an archive of an account's posts,
//! as Mastodon exports it (a zip of `outbox.json`, `actor.json` and `media_attachments/…`;
//! Rookery's own archives are laid out the same), becomes the uploader's statuses.
//!
//! The upload is spooled to a file, then checked and its outbox read at once, as a stream
//! ([`start`]): an archive that is no zip, hides a path outside itself, is a bomb or has no
//! readable outbox is refused whole (422); every item of the outbox becomes one row of the
//! import, holding the post as an [`ArchivedPost`], or failed with why when it is not one to
//! import (a boost, a direct message, someone else's, not an activity). The durable
//! `run_import` job then works through the rows ([`run`]), oldest post first so that a
//! thread's start is there before its replies, a few at a time: it uploads the post's media
//! from the archive through the media pipeline and stores the post through the status
//! lifecycle's quiet import. A row is done once its status exists, and a post already
//! imported by this account (same original id) is not made again, so a job cut short, or the
//! same archive uploaded twice, imports each post once.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::archive::{self, Archive, ArchiveActor, Index, Limits, Refused, Spool};
use super::{record, RowOutcome};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::vocab::inbound::{is_public, Object, Tag};
use crate::model::import::{Import, ImportKind, ImportMode};
use crate::model::{Account, Visibility};
use crate::service::queue::{self, Job, OfImport};
use crate::service::{media, statuses};
use crate::{id, store};

/// Posts imported by one run of the job before it makes way for other jobs.
const POSTS_PER_RUN: i64 = 20;

/// Rows sent from the outbox reader to the database at a time.
const ROW_BATCH: usize = 200;

/// One post of an archive, as stored with its row until it is imported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArchivedPost {
    pub original_id: String,
    pub url: Option<String>,
    /// RFC 3339 in UTC with milliseconds: one width, so the stored text sorts as the time.
    pub published: String,
    pub in_reply_to: Option<String>,
    pub html: String,
    pub summary: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub visibility: Visibility,
    pub mentions: Vec<String>,
    pub tags: Vec<String>,
    pub media: Vec<ArchivedMedia>,
}

/// An attachment of an archived post: its file in the archive and what the author said of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArchivedMedia {
    pub entry: String,
    pub description: Option<String>,
    pub focus: Option<(f32, f32)>,
}

/// What the outbox's items are read against.
struct Context {
    actor: ArchiveActor,
    index: Index,
    max_media: usize,
    max_posts: usize,
}

/// Starts importing the archive in `upload` into `owner`'s account: 422 for an archive that
/// cannot be imported at all, else 202 with the import, whose posts a job imports.
#[tracing::instrument(skip_all, fields(account.id = owner.id, upload.bytes = upload.len()))]
pub async fn start(state: &AppState, owner: &Account, upload: Spool) -> Result<Import> {
    if upload.is_empty() {
        return Err(Error::invalid("data", "ERR_BLANK", "is empty"));
    }
    let import_id = id::next();
    let path = archive::path_of(state, import_id);
    upload.keep_as(&path).await?;
    match read(state, owner, import_id, &path).await {
        Ok(()) => super::get(state, owner, import_id).await,
        Err(e) => {
            archive::remove(&path).await;
            Err(e)
        }
    }
}

/// Checks the archive and stores one row per item of its outbox, with the import and its
/// job, in one transaction.
async fn read(
    state: &AppState,
    owner: &Account,
    import_id: i64,
    path: &std::path::Path,
) -> Result<()> {
    let p = &state.config.portability;
    let limits = Limits {
        max_unpacked: p.archive_max_unpacked_bytes,
        max_entries: p.archive_max_entries,
    };
    let (max_media, max_posts) = (
        state.config.limits.max_media_attachments,
        p.archive_max_entries,
    );
    let (sender, mut rows) = tokio::sync::mpsc::channel::<Vec<store::imports::NewRow>>(4);
    let path = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || -> std::result::Result<usize, Refused> {
        let mut archive = Archive::open(&path, limits)?;
        let ctx = Context {
            actor: archive.actor()?,
            index: archive.index.clone(),
            max_media,
            max_posts,
        };
        let mut batch = Vec::with_capacity(ROW_BATCH);
        let mut over = false;
        let mut each = |line: usize, item: &RawValue| {
            if line > ctx.max_posts {
                over = true;
                return Err(format!("more than {} posts", ctx.max_posts));
            }
            batch.push(row(line, item, &ctx));
            if batch.len() == ROW_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(ROW_BATCH));
                sender
                    .blocking_send(full)
                    .map_err(|_| "the import was abandoned".to_string())?;
            }
            Ok(())
        };
        let count = archive.read_outbox(&mut each);
        let count = match count {
            Err(_) if over => return Err(Refused::TooManyPosts(ctx.max_posts)),
            other => other?,
        };
        if !batch.is_empty() && sender.blocking_send(batch).is_err() {
            return Err(Refused::Io("the import was abandoned".into()));
        }
        Ok(count)
    });
    let mut tx = state.db.begin().await?;
    store::imports::insert(
        &mut tx,
        import_id,
        owner.id,
        ImportKind::Posts,
        ImportMode::Merge,
        &[],
    )
    .await?;
    while let Some(batch) = rows.recv().await {
        store::imports::insert_rows(&mut tx, import_id, &batch).await?;
    }
    let count = reader
        .await
        .map_err(|e| Error::internal(format!("reading an archive panicked: {e}")))?
        .map_err(|refused| {
            let code = match refused {
                Refused::Io(_) => return Error::internal(format!("reading an archive: {refused}")),
                Refused::TooLarge(_) | Refused::TooManyEntries(_) | Refused::TooManyPosts(_) => {
                    "ERR_TOO_LARGE"
                }
                _ => "ERR_INVALID",
            };
            Error::invalid("data", code, refused.to_string())
        })?;
    if count == 0 {
        return Err(Error::invalid("data", "ERR_BLANK", "has no posts"));
    }
    queue::enqueue(&mut tx, &Job::RunImport(OfImport { import_id })).await?;
    tx.commit().await?;
    Ok(())
}

/// The files an item's attachments name. The inbound vocabulary keeps web links only, but an
/// archive names its files by their path inside it, so they are read here as written.
#[derive(Default, Deserialize)]
struct ItemFiles {
    #[serde(default)]
    object: Option<FilesOf>,
    #[serde(default)]
    attachment: Vec<FileRef>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FilesOf {
    Object(Box<ItemFiles>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct FileRef {
    #[serde(default)]
    url: Option<PathOf>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PathOf {
    Text(String),
    Other(serde::de::IgnoredAny),
}

impl ItemFiles {
    /// The paths of the post's attachments, in order (`None` where none is written).
    fn paths(self) -> Vec<Option<String>> {
        let files = match self.object {
            Some(FilesOf::Object(o)) => o.attachment,
            _ => self.attachment,
        };
        files
            .into_iter()
            .map(|f| match f.url {
                Some(PathOf::Text(t)) => Some(t),
                _ => None,
            })
            .collect()
    }
}

/// The row of the outbox's item at `line`: the post, or why it is not imported.
fn row(line: usize, item: &RawValue, ctx: &Context) -> store::imports::NewRow {
    let line = i32::try_from(line).unwrap_or(i32::MAX);
    let parsed = serde_json::from_str::<Object>(item.get());
    let (raw, outcome) = match parsed {
        Err(e) => (format!("item {line}"), Err(format!("Not an activity: {e}"))),
        Ok(activity) => {
            let raw = activity
                .embedded()
                .and_then(|o| o.id.clone())
                .or_else(|| activity.id.clone())
                .unwrap_or_else(|| format!("item {line}"));
            let paths = serde_json::from_str::<ItemFiles>(item.get())
                .unwrap_or_default()
                .paths();
            (raw, post_of(&activity, &paths, ctx))
        }
    };
    match outcome.and_then(|post| serde_json::to_value(post).map_err(|e| e.to_string())) {
        Ok(data) => store::imports::NewRow {
            line,
            raw,
            data: Some(data),
            error: None,
        },
        Err(why) => store::imports::NewRow {
            line,
            raw,
            data: None,
            error: Some(why),
        },
    }
}

/// The types of object imported as posts (a poll is imported as its text).
const POST_TYPES: [&str; 4] = ["Note", "Article", "Page", "Question"];

/// The post an outbox item carries, or why it is not imported.
fn post_of(
    activity: &Object,
    paths: &[Option<String>],
    ctx: &Context,
) -> std::result::Result<ArchivedPost, String> {
    let object = match activity.kind.as_str() {
        "Create" => activity
            .embedded()
            .ok_or("The post itself is not in the archive, only its id")?,
        "Announce" => return Err("Skipped: a boost (boosts are not imported)".into()),
        kind if POST_TYPES.contains(&kind) => activity,
        other => return Err(format!("Skipped: a {other}, not a post")),
    };
    if !POST_TYPES.contains(&object.kind.as_str()) {
        return Err(format!("Skipped: a {}, not a post", object.kind));
    }
    let original_id = object.id.clone().ok_or("The post has no id")?;
    if let (Some(owner), Some(author)) = (ctx.actor.id.as_deref(), object.author()) {
        if owner != author {
            return Err("Skipped: written by someone else".into());
        }
    }
    let visibility = visibility_of(object, ctx.actor.followers.as_deref());
    if visibility == Visibility::Direct {
        return Err("Skipped: a direct message (direct messages are not imported)".into());
    }
    let published: DateTime<Utc> = object
        .published
        .or(activity.published)
        .ok_or("The post has no publication date")?;
    let published = id::remote_time(published, Utc::now());
    let mut media = Vec::new();
    for (i, a) in object.attachment.iter().enumerate().take(ctx.max_media) {
        let url = paths
            .get(i)
            .and_then(Option::as_ref)
            .or(a.url.first())
            .ok_or("An attachment has no file")?;
        let entry = ctx
            .index
            .resolve(url)
            .ok_or_else(|| format!("Its attachment {url} is not in the archive"))?;
        media.push(ArchivedMedia {
            entry,
            description: a.name.clone().or_else(|| a.summary.clone()),
            focus: a.focal_point,
        });
    }
    let url = object
        .url
        .iter()
        .find(|u| crate::model::host::is_web_url(u))
        .cloned()
        .or_else(|| Some(original_id.clone()).filter(|u| crate::model::host::is_web_url(u)));
    Ok(ArchivedPost {
        url,
        published: published.to_rfc3339_opts(SecondsFormat::Millis, true),
        in_reply_to: object
            .in_reply_to
            .as_ref()
            .and_then(|r| r.id())
            .map(str::to_string),
        html: object.html().to_string(),
        summary: object.summary.clone().unwrap_or_default(),
        sensitive: object.sensitive.unwrap_or(false),
        language: object.language().map(str::to_string),
        visibility,
        mentions: object
            .tag
            .iter()
            .filter_map(|t| match t {
                Tag::Mention { href, .. } => href.clone(),
                _ => None,
            })
            .collect(),
        tags: object
            .tag
            .iter()
            .filter_map(|t| match t {
                Tag::Hashtag { name, .. } => name.clone(),
                _ => None,
            })
            .collect(),
        media,
        original_id,
    })
}

/// Visibility from addressing, as Mastodon reads it; followers-only is recognised by the
/// archive's followers collection (or, without `actor.json`, by a `…/followers` address).
/// Anything else is direct, so nothing becomes more visible than it was.
fn visibility_of(object: &Object, followers: Option<&str>) -> Visibility {
    let addressed = || object.to.iter().chain(&object.cc);
    if object.to.iter().any(|a| is_public(a)) {
        Visibility::Public
    } else if object.cc.iter().any(|a| is_public(a)) {
        Visibility::Unlisted
    } else if addressed().any(|a| match followers {
        Some(f) => a == f,
        None => a.ends_with("/followers"),
    }) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// One run of the `run_import` job for a post import: imports the next posts that are due,
/// then queues the next run, or finishes the import and removes its archive.
pub(super) async fn run(state: &AppState, owner: &Account, import: &Import) -> Result<()> {
    let due = store::post_imports::due_posts(&state.db, import.id, POSTS_PER_RUN).await?;
    let full = due.len() as i64 == POSTS_PER_RUN;
    let path = archive::path_of(state, import.id);
    let opened = if due.is_empty() {
        None
    } else {
        let limits = Limits {
            max_unpacked: state.config.portability.archive_max_unpacked_bytes,
            max_entries: state.config.portability.archive_max_entries,
        };
        let p = path.clone();
        tokio::task::spawn_blocking(move || Archive::open(&p, limits))
            .await
            .map_err(|e| Error::internal(format!("opening an archive panicked: {e}")))?
            .ok()
            .map(|a| Arc::new(Mutex::new(a)))
    };
    for row in due {
        let outcome = match serde_json::from_value::<ArchivedPost>(row.data.clone()) {
            Ok(post) => import_one(state, owner, opened.as_ref(), post).await,
            Err(e) => RowOutcome::Failed(format!("Unreadable row: {e}")),
        };
        record(state, import.id, &row, outcome).await?;
    }
    if super::next_run(state, import.id, full).await? {
        archive::remove(&path).await;
    }
    Ok(())
}

/// Imports one post: its media uploaded from the archive, then the status.
async fn import_one(
    state: &AppState,
    owner: &Account,
    archive: Option<&Arc<Mutex<Archive>>>,
    post: ArchivedPost,
) -> RowOutcome {
    let mut uploaded = Vec::new();
    let outcome = try_import(state, owner, archive, post, &mut uploaded).await;
    if !matches!(outcome, Ok(RowOutcome::Done)) {
        // Uploads of a post that was not made go with it.
        for media_id in uploaded {
            if let Err(e) = media::delete(state, owner, media_id).await {
                tracing::warn!(error = %e, media.id = media_id, "could not remove an upload");
            }
        }
    }
    outcome.unwrap_or_else(RowOutcome::from)
}

async fn try_import(
    state: &AppState,
    owner: &Account,
    archive: Option<&Arc<Mutex<Archive>>>,
    post: ArchivedPost,
    uploaded: &mut Vec<i64>,
) -> Result<RowOutcome> {
    if statuses::imported_status(state, owner, &post.original_id)
        .await?
        .is_some()
    {
        return Ok(RowOutcome::Done);
    }
    let published = DateTime::parse_from_rfc3339(&post.published)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| Error::unprocessable(format!("Unreadable date: {e}")))?;
    let parent = match &post.in_reply_to {
        Some(uri) => parent(state, owner, uri).await?,
        None => None,
    };
    for m in &post.media {
        let Some(archive) = archive else {
            return Ok(RowOutcome::Failed(
                "The archive is no longer here to read its media from".into(),
            ));
        };
        let bytes = match read_entry(state, archive, &m.entry).await? {
            Ok(bytes) => bytes,
            Err(why) => return Ok(RowOutcome::Failed(why)),
        };
        let meta = media::UploadMeta {
            description: m.description.clone(),
            focus: m.focus.map(|(x, y)| format!("{x},{y}")),
            thumbnail: None,
        };
        match media::upload(state, owner, bytes, meta, media::Mode::Now).await {
            Ok(uploaded_media) => uploaded.push(uploaded_media.id),
            Err(e @ (Error::Validation { .. } | Error::PayloadTooLarge(_))) => {
                return Ok(RowOutcome::Failed(format!("{}: {e}", m.entry)));
            }
            Err(e) => return Err(e),
        }
    }
    let imported = statuses::import_post(
        state,
        owner,
        statuses::ImportedPost {
            original_id: post.original_id,
            url: post.url,
            html: post.html,
            summary: post.summary,
            sensitive: post.sensitive,
            language: post.language,
            visibility: post.visibility,
            published,
            parent,
            mentions: post.mentions,
            tags: post.tags,
            media_ids: uploaded.clone(),
        },
    )
    .await?;
    if imported.is_none() {
        // Imported meanwhile by another run: this one's uploads are not needed.
        for media_id in uploaded.drain(..) {
            media::delete(state, owner, media_id).await?;
        }
    }
    Ok(RowOutcome::Done)
}

/// The status a post answers: one of the owner's imported posts (its thread), or a status
/// known here by its id.
async fn parent(
    state: &AppState,
    owner: &Account,
    uri: &str,
) -> Result<Option<crate::model::Status>> {
    let id = match statuses::imported_status(state, owner, uri).await? {
        Some(id) => Some(id),
        None => store::statuses::id_by_uri(&state.db, uri).await?,
    };
    Ok(match id {
        Some(id) => store::statuses::by_id(&state.db, id).await?,
        None => None,
    })
}

/// An attachment's file, read from the archive off the async runtime, up to the largest
/// upload the media pipeline takes.
async fn read_entry(
    state: &AppState,
    archive: &Arc<Mutex<Archive>>,
    entry: &str,
) -> Result<std::result::Result<Bytes, String>> {
    let m = &state.config.media;
    let max = m
        .image_size_limit
        .max(m.video_size_limit)
        .max(m.audio_size_limit) as u64;
    let (archive, entry) = (archive.clone(), entry.to_string());
    tokio::task::spawn_blocking(move || {
        let mut archive = archive
            .lock()
            .map_err(|_| "the archive reader failed".to_string())?;
        archive.read(&entry, max).map(Bytes::from)
    })
    .await
    .map_err(|e| Error::internal(format!("reading an archive panicked: {e}")))
}
