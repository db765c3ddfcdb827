//! Remote statuses' attachments: recorded by their remote URLs when a note arrives, brought
//! up to date when it is edited, and queued for the remote media cache unless their domain's
//! media are rejected.

use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;
use crate::store::media::NewMedia;
use crate::{id, store};

/// A remote status's attachment as received in a note (a `Document`, `Image`…).
#[derive(Clone, Debug, Default)]
pub struct RemoteAttachment {
    pub url: String,
    pub media_type: Option<String>,
    pub name: Option<String>,
    pub blurhash: Option<String>,
    pub focal_point: Option<(f32, f32)>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// The sender's thumbnail of a video or audio file (`icon`).
    pub preview_url: Option<String>,
}

/// Applies a remote edit's attachments, in its transaction: known ones (by URL) take their new
/// place, description and focal point, new ones are recorded (and queued for the cache), and
/// those no longer sent are retired but kept for the history. Known ones that are not cached
/// (pruned, or sent while the cache was off) are queued again.
pub async fn update_remote(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    status_id: i64,
    author: &Account,
    attachments: &[RemoteAttachment],
) -> Result<()> {
    let known = store::media::all_for_status(&mut *tx, status_id).await?;
    let usable = usable_remote(state, attachments);
    let mut keep = Vec::new();
    for (position, a) in usable.enumerate() {
        match known
            .iter()
            .find(|m| m.remote_url.as_deref() == Some(a.url.as_str()) && !keep.contains(&m.id))
        {
            Some(m) => {
                store::media::place_remote(
                    &mut *tx,
                    m.id,
                    position as i16,
                    &remote_description(a),
                    a.focal_point.unwrap_or((0.0, 0.0)),
                    a.blurhash.as_deref().filter(|b| b.len() <= 100),
                )
                .await?;
                if m.file_key.is_none() && cacheable(state, author, &a.url).await? {
                    crate::service::media_cache::queue_attachment(tx, m.id).await?;
                }
                keep.push(m.id);
            }
            None => {
                let media_id = id::next();
                insert_remote(state, tx, media_id, status_id, author, position, a).await?;
                keep.push(media_id);
            }
        }
    }
    store::media::attach(tx, status_id, &keep).await?;
    Ok(())
}

/// Records the attachments of a remote status by their remote URLs, in the transaction that
/// stores the status, and queues their caching when the remote cache is on. Only http(s) URLs
/// are kept, and at most the configured number. Media of a `reject_media` domain are recorded
/// as `unknown` links to the remote file and never downloaded, as Mastodon does.
pub async fn record_remote(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    status_id: i64,
    author: &Account,
    attachments: &[RemoteAttachment],
) -> Result<()> {
    for (position, a) in usable_remote(state, attachments).enumerate() {
        let media_id = id::next();
        insert_remote(state, tx, media_id, status_id, author, position, a).await?;
    }
    Ok(())
}

/// The remote attachments worth recording: http(s) URLs only, at most the configured number.
fn usable_remote<'a>(
    state: &AppState,
    attachments: &'a [RemoteAttachment],
) -> impl Iterator<Item = &'a RemoteAttachment> {
    attachments
        .iter()
        .filter(|a| url::Url::parse(&a.url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
        .take(state.config.limits.max_media_attachments)
}

/// Records one remote attachment (see [`record_remote`]).
async fn insert_remote(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    media_id: i64,
    status_id: i64,
    author: &Account,
    position: usize,
    a: &RemoteAttachment,
) -> Result<()> {
    let rejected =
        crate::service::media_cache::rejected(state, author.domain.as_deref(), Some(&a.url))
            .await?;
    let kind = match a.media_type.as_deref().and_then(|t| t.split('/').next()) {
        _ if rejected => "unknown",
        Some("image") => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ => "unknown",
    };
    let description = remote_description(a);
    store::media::insert(
        &mut *tx,
        &NewMedia {
            id: media_id,
            account_id: author.id,
            status_id: Some(status_id),
            position: position as i16,
            kind,
            content_type: a.media_type.as_deref(),
            description: &description,
            focus: a.focal_point.unwrap_or((0.0, 0.0)),
            remote_url: Some(&a.url),
            preview_remote_url: a.preview_url.as_deref().filter(|u| {
                url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            }),
            blurhash: a.blurhash.as_deref().filter(|b| b.len() <= 100),
            width: a.width.filter(|w| *w > 0 && !rejected),
            height: a.height.filter(|h| *h > 0 && !rejected),
            processing: "done",
            upload: None,
        },
    )
    .await?;
    if !rejected && crate::service::media_cache::enabled(state) {
        crate::service::media_cache::queue_attachment(tx, media_id).await?;
    }
    Ok(())
}

/// Whether a remote file of `author`'s should be downloaded into the cache: the cache is on
/// and the author's domain's media are not rejected.
async fn cacheable(state: &AppState, author: &Account, url: &str) -> Result<bool> {
    Ok(crate::service::media_cache::enabled(state)
        && !crate::service::media_cache::rejected(state, author.domain.as_deref(), Some(url))
            .await?)
}

/// A remote attachment's alt text as plain text within Mastodon's limit.
fn remote_description(a: &RemoteAttachment) -> String {
    crate::content::sanitize::plain_text(a.name.as_deref().unwrap_or_default())
        .chars()
        .take(1500)
        .collect()
}
