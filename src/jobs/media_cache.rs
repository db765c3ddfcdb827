//! `cache_remote_media`: downloads a remote attachment, avatar, header or custom emoji into
//! local storage
//! (see `service::media_cache`). Never done in the inbox request: a slow or large remote file
//! costs a worker, not a peer's delivery.

use super::Outcome;
use crate::app::AppState;
use crate::model::media::ProfileImage;
use crate::service::media_cache::{self, Cached};
use crate::service::queue::CacheRemoteMedia;

#[tracing::instrument(skip_all, fields(media.id, account.id))]
pub async fn run(state: &AppState, job: &CacheRemoteMedia) -> Outcome {
    let span = tracing::Span::current();
    let result = match job {
        CacheRemoteMedia::Attachment { media_id } => {
            span.record("media.id", media_id);
            media_cache::cache_attachment(state, *media_id).await
        }
        CacheRemoteMedia::Avatar { account_id, url } => {
            span.record("account.id", account_id);
            media_cache::cache_profile_image(state, *account_id, ProfileImage::Avatar, url).await
        }
        CacheRemoteMedia::Header { account_id, url } => {
            span.record("account.id", account_id);
            media_cache::cache_profile_image(state, *account_id, ProfileImage::Header, url).await
        }
        CacheRemoteMedia::Emoji { emoji_id, url } => {
            media_cache::cache_emoji(state, *emoji_id, url).await
        }
    };
    match result {
        Ok(Cached::Stored) => Outcome::Done,
        Ok(Cached::Skipped(why)) => Outcome::Dropped(why),
        Ok(Cached::Transient(why)) => Outcome::Retry(why),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
