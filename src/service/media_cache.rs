//! The remote media cache (`media.remote_cache`): attachments of remote statuses, remote
//! avatars and headers, and remote custom emoji are downloaded by a job through the
//! SSRF-guarded fetcher, sniffed and processed like uploads, and served from local storage;
//! `remote_url` keeps the origin. Until a file is cached, when the cache is off, and after
//! pruning, clients get the remote URL.
//! Media of domains blocked with `reject_media` are never downloaded: their attachments are
//! `unknown` links to the remote file and their accounts show the default images, as on
//! Mastodon.

use bytes::Bytes;
use chrono::Utc;

use crate::app::AppState;
use crate::config::RemoteCache;
use crate::error::{Error, Result};
use crate::federation::fetch::{self, FetchError};
use crate::media::{self as files, Kind};
use crate::model::media::ProfileImage;
use crate::service::media as uploads;
use crate::service::moderation::domains;
use crate::service::queue::{self, CacheRemoteMedia, Job};
use crate::store;
use crate::store::media::CacheEntry;

/// What one attempt to cache a file came to.
#[derive(Debug)]
pub enum Cached {
    /// Stored locally and in use.
    Stored,
    /// Not cached, and trying again will not change that (why).
    Skipped(String),
    /// The remote did not answer usefully now; worth another try.
    Transient(String),
}

/// Whether the configuration asks for remote files to be cached.
pub fn enabled(state: &AppState) -> bool {
    state.config.media.remote_cache == RemoteCache::On
}

/// Whether media of the domain of `account_domain` or of `url`'s host must not be downloaded
/// (a domain block with `reject_media`, or a suspension).
pub async fn rejected(
    state: &AppState,
    account_domain: Option<&str>,
    url: Option<&str>,
) -> Result<bool> {
    if let Some(domain) = account_domain {
        if domains::rejects_media(state, domain).await? {
            return Ok(true);
        }
    }
    match url.and_then(domains::host_of) {
        Some(host) => domains::rejects_media(state, &host).await,
        None => Ok(false),
    }
}

/// Queues the caching of a remote attachment, in the transaction that records it.
pub async fn queue_attachment(tx: &mut sqlx::PgConnection, media_id: i64) -> Result<()> {
    let job = Job::CacheRemoteMedia(CacheRemoteMedia::Attachment { media_id });
    queue::enqueue(tx, &job).await
}

fn largest_file(state: &AppState) -> usize {
    let m = &state.config.media;
    m.image_size_limit
        .max(m.video_size_limit)
        .max(m.audio_size_limit)
}

fn cap(state: &AppState) -> Option<i64> {
    let cap = state.config.media.remote_cache_max_bytes;
    (cap > 0).then(|| i64::try_from(cap).unwrap_or(i64::MAX))
}

/// Media hosts are held to the media rule at every redirect hop: no host whose media is
/// rejected (`reject_media`, or suspended). The allowlist is not applied: allowed servers
/// keep their media on other hosts (CDNs, object storage).
struct MediaGate(AppState);

impl fetch::HostGate for MediaGate {
    fn refusal<'a>(&'a self, url: &'a url::Url) -> fetch::GateAnswer<'a> {
        Box::pin(async move {
            match rejected(&self.0, None, Some(url.as_str())).await {
                Ok(true) => Ok(Some("media from this domain is rejected".to_string())),
                Ok(false) => Ok(None),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// Downloads a file, sorting failures into those worth retrying and those that are final.
async fn download(state: &AppState, url: &str, max: usize) -> std::result::Result<Vec<u8>, Cached> {
    let policy = fetch::FetchPolicy {
        hosts: Some(std::sync::Arc::new(MediaGate(state.clone()))),
        ..state.fetch_policy()
    };
    match fetch::fetch_file(&state.http, &policy, url, max).await {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.is_transient() => Err(Cached::Transient(e.to_string())),
        Err(e @ FetchError::FileTooLarge(_)) => Err(Cached::Skipped(e.to_string())),
        Err(e) => Err(Cached::Skipped(e.to_string())),
    }
}

/// Caches a remote attachment (the `cache_remote_media` job): downloads it, sniffs its real
/// type, processes an image like an upload (metadata stripped, preview, blurhash) or keeps a
/// video or audio file as it is, stores the files and points the attachment at them.
#[tracing::instrument(skip_all, fields(media.id = media_id))]
pub async fn cache_attachment(state: &AppState, media_id: i64) -> Result<Cached> {
    if !enabled(state) {
        return Ok(Cached::Skipped("the remote media cache is off".into()));
    }
    let Some(m) = store::media::by_id(&state.db, media_id).await? else {
        return Ok(Cached::Skipped("the attachment is gone".into()));
    };
    let Some(url) = m.remote_url.clone() else {
        return Ok(Cached::Skipped("not a remote attachment".into()));
    };
    if m.file_key.is_some() {
        return Ok(Cached::Skipped("already cached".into()));
    }
    let author = store::accounts::by_id(&state.db, m.account_id).await?;
    if rejected(
        state,
        author.as_ref().and_then(|a| a.domain.as_deref()),
        Some(&url),
    )
    .await?
    {
        return Ok(Cached::Skipped("media of this domain are rejected".into()));
    }
    let bytes = match download(state, &url, largest_file(state)).await {
        Ok(b) => Bytes::from(b),
        Err(outcome) => return Ok(outcome),
    };
    let sniffed = match uploads::check_file(state, "file", &bytes) {
        Ok(s) => s,
        Err(e) => return Ok(Cached::Skipped(format!("not cached: {e}"))),
    };
    let processed = if sniffed.kind() == Kind::Image {
        match uploads::process_blocking(
            state,
            "file",
            bytes.clone(),
            sniffed,
            uploads::attachment_role(state),
        )
        .await
        {
            Ok(p) => Some(p),
            Err(Error::Validation { message, .. }) => {
                return Ok(Cached::Skipped(format!("not cached: {message}")))
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    // A video's or an audio file's thumbnail from its sender becomes the local preview; one
    // that cannot be fetched or is no image leaves the placeholder.
    let preview_url = match m
        .preview_remote_url
        .as_deref()
        .filter(|_| processed.is_none())
    {
        Some(p) if !rejected(state, None, Some(p)).await? => Some(p),
        _ => None,
    };
    let thumbnail = match preview_url {
        Some(preview) => {
            match download(state, preview, state.config.media.image_size_limit).await {
                Ok(b) => uploads::prepare_thumbnail(state, Bytes::from(b)).await.ok(),
                Err(_) => None,
            }
        }
        None => None,
    };
    let processed = uploads::with_thumbnail(&bytes, sniffed, processed, thumbnail);
    let stored = uploads::store_files(state, &bytes, sniffed, processed).await?;
    let cached_bytes = stored.stored_bytes;
    let keys = stored.keys();
    if cap(state).is_some_and(|cap| cached_bytes > cap) {
        uploads::free_files(state, keys).await;
        return Ok(Cached::Skipped("larger than the whole cache".into()));
    }
    let recorded = store::media::set_cached(
        &state.db,
        media_id,
        sniffed.kind().as_str(),
        &stored.as_files(),
        cached_bytes,
    )
    .await?;
    if !recorded {
        uploads::free_files(state, keys).await;
        return Ok(Cached::Skipped("the attachment changed meanwhile".into()));
    }
    enforce_cap(state).await?;
    Ok(Cached::Stored)
}

/// After a remote actor was stored (in the same transaction): a `reject_media` domain's
/// avatar and header are dropped; a cached copy of an unchanged image is put back in place of
/// the remote URL the refresh wrote; a new image is queued for caching.
pub async fn remote_profile_stored(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    account_id: i64,
    domain: &str,
    avatar: Option<&str>,
    header: Option<&str>,
) -> Result<()> {
    let reject = domains::rejects_media(state, domain).await?;
    for (which, remote) in [
        (ProfileImage::Avatar, avatar),
        (ProfileImage::Header, header),
    ] {
        if reject {
            if remote.is_some() {
                store::media::set_profile_image(tx, account_id, which, None).await?;
            }
            continue;
        }
        let (Some(remote), true) = (remote, enabled(state)) else {
            continue;
        };
        match store::media::profile_cached(&mut *tx, account_id, which).await? {
            Some((cached_from, key)) if cached_from == remote => {
                let local = state.media.url(&key);
                store::media::swap_profile_url(&mut *tx, account_id, which, remote, &local).await?;
            }
            _ => {
                let job = CacheRemoteMedia::profile(account_id, which, remote);
                queue::enqueue(tx, &Job::CacheRemoteMedia(job)).await?;
            }
        }
    }
    Ok(())
}

/// Caches a remote avatar or header (the `cache_remote_media` job), cropped and resized as
/// local ones are, if the account still shows `url`.
#[tracing::instrument(skip_all, fields(account.id = account_id))]
pub async fn cache_profile_image(
    state: &AppState,
    account_id: i64,
    which: ProfileImage,
    url: &str,
) -> Result<Cached> {
    if !enabled(state) {
        return Ok(Cached::Skipped("the remote media cache is off".into()));
    }
    let Some(account) = store::accounts::by_id(&state.db, account_id).await? else {
        return Ok(Cached::Skipped("the account is gone".into()));
    };
    let current = match which {
        ProfileImage::Avatar => account.avatar_url.as_deref(),
        ProfileImage::Header => account.header_url.as_deref(),
    };
    if account.is_local() || current != Some(url) {
        return Ok(Cached::Skipped(
            "the account shows another image now".into(),
        ));
    }
    if rejected(state, account.domain.as_deref(), Some(url)).await? {
        return Ok(Cached::Skipped("media of this domain are rejected".into()));
    }
    let bytes = match download(state, url, state.config.media.image_size_limit).await {
        Ok(b) => Bytes::from(b),
        Err(outcome) => return Ok(outcome),
    };
    let image = match uploads::prepare_profile_image(state, which, bytes).await {
        Ok(image) => image.into_encoded(),
        Err(Error::Validation { message, .. }) | Err(Error::PayloadTooLarge(message)) => {
            return Ok(Cached::Skipped(format!("not cached: {message}")))
        }
        Err(e) => return Err(e),
    };
    let key = files::key_for(&image.bytes, image.format.extension());
    let size = image.bytes.len() as i64;
    if cap(state).is_some_and(|cap| size > cap) {
        return Ok(Cached::Skipped("larger than the whole cache".into()));
    }
    uploads::put(state, &key, &image.bytes).await?;
    let local = state.media.url(&key);
    let mut tx = state.db.begin().await?;
    if !store::media::swap_profile_url(&mut *tx, account_id, which, url, &local).await? {
        drop(tx);
        uploads::free_files(state, vec![key]).await;
        return Ok(Cached::Skipped("the account changed meanwhile".into()));
    }
    let old = store::media::put_profile_cache(&mut tx, account_id, which, url, &key, size).await?;
    tx.commit().await?;
    if let Some(old) = old.filter(|old| *old != key) {
        uploads::free_files(state, vec![old]).await;
    }
    enforce_cap(state).await?;
    Ok(Cached::Stored)
}

/// Caches a remote custom emoji's image (the `cache_remote_media` job) within the emoji size
/// and pixel limits, with its static version, if the emoji still comes from `url`.
#[tracing::instrument(skip_all, fields(emoji.id = emoji_id))]
pub async fn cache_emoji(state: &AppState, emoji_id: i64, url: &str) -> Result<Cached> {
    if !enabled(state) {
        return Ok(Cached::Skipped("the remote media cache is off".into()));
    }
    let Some(emoji) = store::emojis::by_id(&state.db, emoji_id).await? else {
        return Ok(Cached::Skipped("the emoji is gone".into()));
    };
    if emoji.remote_url.as_deref() != Some(url) {
        return Ok(Cached::Skipped("the emoji shows another image now".into()));
    }
    if rejected(state, emoji.domain.as_deref(), Some(url)).await? {
        return Ok(Cached::Skipped("media of this domain are rejected".into()));
    }
    let bytes = match download(state, url, state.config.media.emoji_size_limit).await {
        Ok(b) => Bytes::from(b),
        Err(outcome) => return Ok(outcome),
    };
    let stored = match crate::service::emojis::store_image(state, "image", bytes).await {
        Ok(s) => s,
        Err(Error::Validation { message, .. }) => {
            return Ok(Cached::Skipped(format!("not cached: {message}")))
        }
        Err(e) => return Err(e),
    };
    if cap(state).is_some_and(|cap| stored.files().file_size > cap) {
        uploads::free_files(state, stored.keys()).await;
        return Ok(Cached::Skipped("larger than the whole cache".into()));
    }
    if !crate::service::emojis::set_cached(state, &emoji, url, &stored).await? {
        uploads::free_files(state, stored.keys()).await;
        return Ok(Cached::Skipped("the emoji changed meanwhile".into()));
    }
    enforce_cap(state).await?;
    Ok(Cached::Stored)
}

/// Removes one cached file: an attachment falls back to its remote URL, an account to the
/// remote image it came from. With `reject`, (the domain's media are rejected now) the
/// attachment becomes an `unknown` link and the account shows the default image instead.
async fn evict(state: &AppState, entry: &CacheEntry, reject: bool) -> Result<()> {
    match entry {
        CacheEntry::Attachment(id) => {
            let mut tx = state.db.begin().await?;
            let keys = store::media::uncache(&mut *tx, *id).await?;
            if reject {
                store::media::make_unknown(&mut *tx, *id).await?;
            }
            tx.commit().await?;
            uploads::free_files(state, keys).await;
        }
        // A remote emoji has no `unknown` form: with `reject`, it shows its remote URL too.
        CacheEntry::Emoji(id) => {
            let keys = crate::service::emojis::uncache(state, *id).await?;
            uploads::free_files(state, keys).await;
        }
        CacheEntry::Profile(account_id, which) => {
            let mut tx = state.db.begin().await?;
            let removed = store::media::remove_profile_cache(&mut *tx, *account_id, *which).await?;
            if let Some((remote, key)) = &removed {
                let local = state.media.url(key);
                if reject {
                    store::media::set_profile_image(&mut tx, *account_id, *which, None).await?;
                } else {
                    store::media::swap_profile_url(&mut *tx, *account_id, *which, &local, remote)
                        .await?;
                }
            }
            tx.commit().await?;
            if let Some((_, key)) = removed {
                uploads::free_files(state, vec![key]).await;
            }
        }
    }
    Ok(())
}

const BATCH: i64 = 500;

/// Keeps the cache under `media.remote_cache_max_bytes`, removing the oldest files first.
/// Returns how many were removed.
pub async fn enforce_cap(state: &AppState) -> Result<usize> {
    let Some(cap) = cap(state) else {
        return Ok(0);
    };
    let mut total = store::media::cache_total(&state.db).await?;
    let mut removed = 0;
    while total > cap {
        let oldest = store::media::cache_entries(&state.db, Utc::now(), BATCH).await?;
        if oldest.is_empty() {
            break;
        }
        for (entry, bytes) in oldest {
            if total <= cap {
                break;
            }
            evict(state, &entry, false).await?;
            total -= bytes;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes cached remote files of domains whose media are rejected now (a domain block with
/// `reject_media` made after they were cached), then those older than
/// `media.remote_cache_retention_days`, then keeps the cache under its size cap. Returns how
/// many files were removed.
#[tracing::instrument(skip_all)]
pub async fn prune(state: &AppState) -> Result<usize> {
    let mut removed = 0;
    for domain in store::media::cached_domains(&state.db).await? {
        if domains::rejects_media(state, &domain).await? {
            for entry in store::media::cached_of_domain(&state.db, &domain).await? {
                evict(state, &entry, true).await?;
                removed += 1;
            }
        }
    }
    let days = state.config.media.remote_cache_retention_days;
    if days > 0 {
        let before = Utc::now() - chrono::Duration::days(i64::try_from(days).unwrap_or(36500));
        loop {
            let old = store::media::cache_entries(&state.db, before, BATCH).await?;
            if old.is_empty() {
                break;
            }
            for (entry, _) in &old {
                evict(state, entry, false).await?;
                removed += 1;
            }
        }
    }
    removed += enforce_cap(state).await?;
    Ok(removed)
}
