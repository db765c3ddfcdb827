//! Full account archives (issue 21): an account's posts with their media, its profile, its
//! favourites and bookmarks in one ZIP file laid out as Mastodon's archive is (the format is
//! written down in `docs/portability.md`), so that anything reading Mastodon archives reads
//! Rookery's.
//!
//! [`request`] records a pending archive and queues `build_archive` in the same transaction;
//! [`build`] (the job) writes the file a page at a time to a temporary file, streams it into
//! the media storage and queues `expire_archive` for a week later; [`expire`] removes it.
//! One archive a week per account; only its owner can download it.

mod build;
mod zipper;

use chrono::{DateTime, Duration, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::media::storage::ByteStream;
use crate::model::archive::{Archive, ArchiveState};
use crate::model::Account;
use crate::service::queue::{self, Job, OfArchive};
use crate::store;

pub use build::media_path;

/// How long an archive is offered, and how long before another may be asked for.
pub const KEPT_DAYS: i64 = 7;

/// `owner` asks for an archive: 422 if they asked for one in the last week that did not fail.
#[tracing::instrument(skip_all, fields(account.id = owner.id))]
pub async fn request(state: &AppState, owner: &Account) -> Result<Archive> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::archives::lock_requests(&mut *tx, owner.id).await?;
    if store::archives::requested_since(&mut *tx, owner.id, now - Duration::days(KEPT_DAYS)).await?
    {
        return Err(Error::unprocessable(
            "You can only request an archive once every 7 days",
        ));
    }
    let id = crate::id::next();
    store::archives::insert(&mut *tx, id, owner.id, now).await?;
    queue::enqueue(&mut tx, &Job::BuildArchive(OfArchive { archive_id: id })).await?;
    tx.commit().await?;
    tracing::info!(archive.id = id, "archive requested");
    Ok(Archive {
        id,
        account_id: owner.id,
        state: ArchiveState::Pending,
        file_key: None,
        file_size: None,
        created_at: now,
        finished_at: None,
        expires_at: None,
    })
}

/// Whether an archive can still be had: not expired (by the state's clock).
fn offered(state: &AppState, archive: &Archive) -> bool {
    archive
        .expires_at
        .is_none_or(|expires| expires > state.clock.now())
}

/// `owner`'s newest archive, unless it expired.
pub async fn latest(state: &AppState, owner: &Account) -> Result<Archive> {
    store::archives::latest(&state.db, owner.id)
        .await?
        .filter(|a| offered(state, a))
        .ok_or(Error::NotFound)
}

/// A ready archive's file to download: its name, its size and its bytes. Not found unless it
/// is `owner`'s, ready and not expired.
pub async fn download(
    state: &AppState,
    owner: &Account,
    id: i64,
) -> Result<(String, i64, ByteStream)> {
    let archive = store::archives::by_id(&state.db, id)
        .await?
        .filter(|a| a.account_id == owner.id && a.state == ArchiveState::Ready)
        .filter(|a| offered(state, a))
        .ok_or(Error::NotFound)?;
    let key = archive.file_key.ok_or(Error::NotFound)?;
    let stream = state
        .media
        .open(&key)
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .ok_or(Error::NotFound)?;
    Ok((key, archive.file_size.unwrap_or(0), stream))
}

/// The file name of an archive made at `at`: Mastodon's, with 16 random bytes, which also
/// keep its address in a public bucket unguessable.
fn file_key(at: DateTime<Utc>) -> String {
    format!(
        "archive-{}-{}.zip",
        at.format("%Y%m%d%H%M%S"),
        hex::encode(rand::random::<[u8; 16]>())
    )
}

/// The `build_archive` job: makes the archive `archive_id` if it is still pending. A failure
/// marks it failed (its owner may ask again at once) rather than retrying for hours while
/// they wait.
#[tracing::instrument(skip_all, fields(archive.id = archive_id))]
pub async fn build(state: &AppState, archive_id: i64) -> Result<()> {
    let Some(archive) = store::archives::by_id(&state.db, archive_id).await? else {
        return Ok(());
    };
    if archive.state != ArchiveState::Pending {
        return Ok(());
    }
    let owner = store::accounts::by_id(&state.db, archive.account_id).await?;
    let Some(owner) = owner.filter(|a| a.is_local() && !a.is_suspended()) else {
        store::archives::mark_failed(&state.db, archive_id, state.clock.now()).await?;
        return Ok(());
    };
    // A path of this run's own: a run that outlives its job's lease may meet a second one.
    let path = std::env::temp_dir().join(format!(
        "rookery-archive-{archive_id}-{}.zip",
        crate::id::next()
    ));
    let made = make(state, &owner, path.clone()).await;
    if let Err(e) = tokio::fs::remove_file(&path).await {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(error = %e, path = %path.display(), "removing a temporary archive");
        }
    }
    match made {
        Ok((key, size)) => {
            let finished = state.clock.now();
            let expires = finished + Duration::days(KEPT_DAYS);
            let mut tx = state.db.begin().await?;
            if !store::archives::mark_ready(&mut *tx, archive_id, &key, size, finished, expires)
                .await?
            {
                drop(tx);
                tracing::info!("archive made twice: this copy is removed");
                if let Err(e) = state.media.delete(&key).await {
                    tracing::warn!(error = %e, key, "removing a second copy of an archive");
                }
                return Ok(());
            }
            let expire = Job::ExpireArchive(OfArchive { archive_id });
            queue::enqueue_at(&mut tx, &expire, state.clock.to_system(expires)).await?;
            tx.commit().await?;
            tracing::info!(bytes = size, "archive made");
        }
        Err(e) => {
            tracing::error!(error = %e, "making an archive failed");
            store::archives::mark_failed(&state.db, archive_id, state.clock.now()).await?;
        }
    }
    Ok(())
}

/// Writes the archive of `owner` to `path`, then into the storage: its key and size.
async fn make(
    state: &AppState,
    owner: &Account,
    path: std::path::PathBuf,
) -> Result<(String, i64)> {
    let mut zip = zipper::Zipper::create(path);
    let written = build::write(state, owner, &mut zip).await;
    let finished = zip.finish().await;
    written?;
    let (path, size) = finished?;
    let key = file_key(state.clock.now());
    state
        .media
        .put_file(&key, &path)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    Ok((key, i64::try_from(size).unwrap_or(i64::MAX)))
}

/// The `expire_archive` job: removes the archive `archive_id` and its file once its week is
/// over.
#[tracing::instrument(skip_all, fields(archive.id = archive_id))]
pub async fn expire(state: &AppState, archive_id: i64) -> Result<()> {
    let Some(archive) = store::archives::by_id(&state.db, archive_id).await? else {
        return Ok(());
    };
    if offered(state, &archive) {
        return Ok(());
    }
    if let Some(key) = &archive.file_key {
        state
            .media
            .delete(key)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
    }
    store::archives::delete(&state.db, archive_id).await?;
    tracing::info!("expired archive removed");
    Ok(())
}

/// Removes every archive of `account_id` and its file (its data is being deleted).
pub async fn remove_of_account(state: &AppState, account_id: i64) -> Result<()> {
    let keys = store::archives::delete_of_account(&state.db, account_id).await?;
    for key in keys {
        if let Err(e) = state.media.delete(&key).await {
            tracing::warn!(error = %e, key, "removing a deleted account's archive");
        }
    }
    Ok(())
}
