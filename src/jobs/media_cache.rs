//! `cache_remote_media`: downloads a remote attachment, avatar or header into local storage
//! (see `service::media_cache`). Never done in the inbox request: a slow or large remote file
//! costs a worker, not a peer's delivery.

use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::model::media::ProfileImage;
use crate::service::media_cache::{self, Cached};

pub const KIND: &str = "cache_remote_media";

/// The payload for an attachment.
pub fn attachment(media_id: i64) -> Value {
    serde_json::json!({ "media_id": media_id })
}

/// The payload for an account's avatar or header, as long as it still shows `url`.
pub fn profile(account_id: i64, which: ProfileImage, url: &str) -> Value {
    let which = match which {
        ProfileImage::Avatar => "avatar",
        ProfileImage::Header => "header",
    };
    serde_json::json!({ "account_id": account_id, "which": which, "url": url })
}

#[tracing::instrument(skip_all, fields(media.id, account.id))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let result = if let Some(media_id) = payload.get("media_id").and_then(Value::as_i64) {
        tracing::Span::current().record("media.id", media_id);
        media_cache::cache_attachment(state, media_id).await
    } else {
        let account_id = payload.get("account_id").and_then(Value::as_i64);
        let which = match payload.get("which").and_then(Value::as_str) {
            Some("avatar") => Some(ProfileImage::Avatar),
            Some("header") => Some(ProfileImage::Header),
            _ => None,
        };
        let url = payload.get("url").and_then(Value::as_str);
        let (Some(account_id), Some(which), Some(url)) = (account_id, which, url) else {
            return Outcome::Fail("payload without media_id or account_id, which and url".into());
        };
        tracing::Span::current().record("account.id", account_id);
        media_cache::cache_profile_image(state, account_id, which, url).await
    };
    match result {
        Ok(Cached::Stored) => Outcome::Done,
        Ok(Cached::Skipped(why)) => Outcome::Dropped(why),
        Ok(Cached::Transient(why)) => Outcome::Retry(why),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
