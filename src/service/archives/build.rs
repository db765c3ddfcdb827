//! Making an archive: `outbox.json`, the media files, `likes.json`, `bookmarks.json`,
//! `actor.json` with the avatar and header, in this order and in the layout of Mastodon's
//! archive (`BackupService`), written through [`Zipper`] a page of statuses at a time.

use serde::Serialize;

use super::zipper::Zipper;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::convert;
use crate::federation::vocab::{
    Activity, ActivityObject, Actor, CollectionType, Context, Document, Image, WithContext,
};
use crate::model::{Account, Media, StatusView};
use crate::service::{statuses, views};
use crate::store;
use crate::store::archives::Reaction;

/// Statuses (or reactions) read and written per page.
const PAGE: i64 = 100;

/// The opening of an `OrderedCollection` file; its `orderedItems` follow, then `totalItems`
/// (written last, so that it counts exactly what was written).
#[derive(Serialize)]
struct CollectionHead<'a> {
    #[serde(rename = "@context")]
    context: Context,
    id: &'a str,
    #[serde(rename = "type")]
    kind: CollectionType,
}

/// The actor as the archive holds it: its collections named by the files beside it.
#[derive(Serialize)]
struct ArchivedActor {
    #[serde(flatten)]
    actor: Actor,
    likes: &'static str,
    bookmarks: &'static str,
}

/// An attached file to copy into the archive: its path there and its storage key.
struct MediaFile {
    path: String,
    key: String,
}

/// Where Mastodon's archives put an attachment's file: `media_attachments/files/`, the id in
/// groups of three digits (at least nine digits), `original/`, the file's name.
pub fn media_path(media_id: i64, key: &str) -> String {
    let digits = format!("{:09}", media_id.max(0));
    let groups: Vec<&str> = digits
        .as_bytes()
        .chunks(3)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!(
        "media_attachments/files/{}/original/{key}",
        groups.join("/")
    )
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Internal(e.into()))
}

/// Writes the opening of a collection file: everything up to the first item.
async fn open_collection(zip: &mut Zipper, id: &str) -> Result<()> {
    zip.entry(id, true).await?;
    let mut head = json(&CollectionHead {
        context: Context,
        id,
        kind: CollectionType::OrderedCollection,
    })?;
    // The object is reopened to carry on with the items: the head ends with its `}`.
    head.pop();
    head.extend_from_slice(b",\"orderedItems\":[");
    zip.write(head).await
}

async fn close_collection(zip: &mut Zipper, total: u64) -> Result<()> {
    zip.write(format!("],\"totalItems\":{total}}}").into_bytes())
        .await
}

/// Writes the whole archive of `owner` into `zip`.
pub async fn write(state: &AppState, owner: &Account, zip: &mut Zipper) -> Result<()> {
    let media = outbox(state, owner, zip).await?;
    for file in &media {
        copy_file(state, zip, &file.key, &file.path).await?;
    }
    reactions(state, owner, zip, Reaction::Favourites, "likes.json").await?;
    reactions(state, owner, zip, Reaction::Bookmarks, "bookmarks.json").await?;
    actor(state, owner, zip).await
}

/// `outbox.json`: a `Create` of every status (an `Announce` of every boost), oldest first.
/// Returns the attached files it names.
async fn outbox(state: &AppState, owner: &Account, zip: &mut Zipper) -> Result<Vec<MediaFile>> {
    let base = state.base_url();
    open_collection(zip, "outbox.json").await?;
    let mut files = Vec::new();
    let mut written: u64 = 0;
    let mut after = 0;
    loop {
        let ids = store::archives::status_ids(&state.db, owner.id, after, PAGE).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = last;
        // Seen as their author sees them: every visibility.
        for view in views::hydrate(state, Some(owner), &ids).await? {
            let activity = match &view.reblog {
                Some(original) => convert::announce(&view.status, owner, &original.status.uri),
                None => create(state, &view, &base, &mut files).await?,
            };
            let mut bytes = if written == 0 { Vec::new() } else { vec![b','] };
            bytes.extend(json(&activity)?);
            zip.write(bytes).await?;
            written += 1;
        }
    }
    close_collection(zip, written).await?;
    Ok(files)
}

/// The `Create` of a status, its attachments pointing at their files in the archive.
async fn create(
    state: &AppState,
    view: &StatusView,
    base: &str,
    files: &mut Vec<MediaFile>,
) -> Result<Activity> {
    let parent = statuses::parent_uri(state, &view.status).await?;
    let mut activity = convert::create(view, parent, base);
    if let ActivityObject::Note(note) = &mut activity.object {
        note.attachment = view
            .media
            .iter()
            .filter_map(|m| archived_document(m, files))
            .collect();
    }
    Ok(activity)
}

/// An attachment as the archive describes it; `None` for one without a stored file.
fn archived_document(m: &Media, files: &mut Vec<MediaFile>) -> Option<Document> {
    let key = m.file_key.clone()?;
    let mut document = convert::document(m)?;
    let path = media_path(m.id, &key);
    document.url = path.clone();
    // The thumbnail stays out: only the original is in the archive.
    document.icon = None;
    files.push(MediaFile { path, key });
    Some(document)
}

/// Copies the stored file `key` into the archive as `path`, a chunk at a time. A file missing
/// from the storage is left out (and logged), as Mastodon leaves it.
async fn copy_file(state: &AppState, zip: &mut Zipper, key: &str, path: &str) -> Result<bool> {
    use futures_util::StreamExt;
    let opened = state
        .media
        .open(key)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let Some(mut chunks) = opened else {
        tracing::warn!(key, "a file of the archive is missing from the storage");
        return Ok(false);
    };
    zip.entry(path, false).await?;
    while let Some(chunk) = chunks.next().await {
        zip.write(chunk.map_err(|e| Error::Internal(e.into()))?)
            .await?;
    }
    Ok(true)
}

/// `likes.json` or `bookmarks.json`: the URIs of the statuses, oldest reaction first.
async fn reactions(
    state: &AppState,
    owner: &Account,
    zip: &mut Zipper,
    which: Reaction,
    file: &str,
) -> Result<()> {
    open_collection(zip, file).await?;
    let mut written: u64 = 0;
    let mut after = 0;
    loop {
        let page = store::archives::reacted_uris(&state.db, owner.id, which, after, PAGE).await?;
        let Some((last, _)) = page.last() else {
            break;
        };
        after = *last;
        let mut bytes = Vec::new();
        for (_, uri) in &page {
            if written > 0 {
                bytes.push(b',');
            }
            bytes.extend(json(uri)?);
            written += 1;
        }
        zip.write(bytes).await?;
    }
    close_collection(zip, written).await
}

/// The storage key of a local account's own avatar or header, from its public URL (none for
/// the default pictures).
fn own_image_key(url: Option<&str>) -> Option<String> {
    url.and_then(|u| u.rsplit('/').next())
        .filter(|key| crate::media::is_key(key))
        .map(str::to_string)
}

/// `actor.json`, after the avatar and header files it names.
async fn actor(state: &AppState, owner: &Account, zip: &mut Zipper) -> Result<()> {
    let mut actor = convert::actor(owner, &state.base_url());
    actor.icon = None;
    actor.image = None;
    for (url, name) in [
        (owner.avatar_url.as_deref(), "avatar"),
        (owner.header_url.as_deref(), "header"),
    ] {
        let Some(key) = own_image_key(url) else {
            continue;
        };
        let ext = key.rsplit_once('.').map(|(_, e)| e).unwrap_or("bin");
        let file = format!("{name}.{ext}");
        if !copy_file(state, zip, &key, &file).await? {
            continue;
        }
        let mime = crate::media::Sniffed::from_extension(ext).map(|s| s.mime().to_string());
        let image = Some(Image::new(file, mime));
        if name == "avatar" {
            actor.icon = image;
        } else {
            actor.image = image;
        }
    }
    actor.outbox = Some("outbox.json".into());
    zip.entry("actor.json", true).await?;
    zip.write(json(&WithContext::new(ArchivedActor {
        actor,
        likes: "likes.json",
        bookmarks: "bookmarks.json",
    }))?)
    .await
}

#[cfg(test)]
mod tests {
    use super::media_path;

    #[test]
    fn media_paths_cut_the_id_in_threes() {
        assert_eq!(
            media_path(1, "ab.png"),
            "media_attachments/files/000/000/001/original/ab.png"
        );
        assert_eq!(
            media_path(113215566713591808, "k.jpg"),
            "media_attachments/files/113/215/566/713/591/808/original/k.jpg"
        );
    }
}
