//! One push message: the JSON Mastodon sends (its `Web::NotificationSerializer`), encrypted
//! for the subscriber with the `ece` crate (RFC 8291 `aes128gcm` for a standard subscription,
//! the legacy `aesgcm` draft encoding for the others, as Mastodon 4.4 chooses), with VAPID
//! authorization (RFC 8292) and the headers of RFC 8030.

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::content::sanitize::text_with_breaks;
use crate::crypto::{VapidClaims, VapidKey};
use crate::error::{Error, Result};
use crate::model::push::PushSubscription;
use crate::service::notifications::NotificationView;

/// How long a push service keeps a message for an unreachable device, in seconds (Mastodon's
/// 48 hours).
pub const TTL_SECS: u64 = 48 * 3600;

/// Every push is of normal urgency, as Mastodon sends them.
pub const URGENCY: &str = "normal";

/// How long a VAPID token is valid: RFC 8292 allows 24 hours at most, and push services
/// refuse tokens that claim more against their own clock, so half of that.
const VAPID_VALIDITY_SECS: i64 = 12 * 3600;

/// The body is cut to this many characters (Rails' `truncate(…, length: 140)`).
const BODY_CHARACTERS: usize = 140;

/// What the subscriber's app decrypts: Mastodon's push payload, field for field, except that
/// the notification id is a string, as every id is in Rookery's JSON (they do not fit in a
/// JavaScript number).
#[derive(Debug, Serialize)]
pub struct Payload {
    pub access_token: String,
    pub preferred_locale: String,
    pub notification_id: String,
    pub notification_type: String,
    pub icon: String,
    pub title: String,
    pub body: String,
}

impl Payload {
    /// The payload for `view`, pushed to `subscription`.
    pub fn of(
        state: &AppState,
        subscription: &PushSubscription,
        view: &NotificationView,
        preferred_locale: String,
    ) -> Payload {
        let from = &view.account;
        let name = match from.display_name.trim() {
            "" => from.username.as_str(),
            shown => shown,
        };
        let kind = view.notification.kind.as_str();
        let text = match &view.status {
            Some(s) if !s.status.spoiler_text.trim().is_empty() => s.status.spoiler_text.clone(),
            Some(s) => s.status.content.clone(),
            None => from.note.clone(),
        };
        Payload {
            access_token: subscription.access_token.clone(),
            preferred_locale,
            notification_id: view.notification.id.to_string(),
            notification_type: kind.to_string(),
            icon: from
                .avatar_url
                .clone()
                .unwrap_or_else(|| crate::model::account::default_avatar(&state.base_url())),
            title: title(kind, name),
            body: truncate(&text_with_breaks(&text), BODY_CHARACTERS),
        }
    }
}

/// The title, in the words of Mastodon's English `notification_mailer.<type>.subject`.
pub fn title(kind: &str, name: &str) -> String {
    match kind {
        "mention" => format!("You were mentioned by {name}"),
        "status" => format!("{name} just posted"),
        "reblog" => format!("{name} boosted your post"),
        "follow" => format!("{name} is now following you"),
        "follow_request" => format!("Pending follower: {name}"),
        "favourite" => format!("{name} favorited your post"),
        "poll" => format!("A poll by {name} has ended"),
        "update" => format!("{name} edited a post"),
        "admin.sign_up" => format!("{name} signed up"),
        "admin.report" => format!("{name} submitted a report"),
        "quote" => format!("{name} quoted your post"),
        "quoted_update" => format!("{name} edited a post you have quoted"),
        _ => format!("New notification from {name}"),
    }
}

/// `text` cut to `max` characters, the last three of them `...` when cut (Rails' `truncate`).
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{kept}...")
}

/// The `Topic` (RFC 8030 §5.4) of a notification: a push service keeps only the latest
/// undelivered message of a topic, so notifications that Rookery groups (favourites and boosts
/// of one status, follows) replace each other while the device is away, and the others each
/// have their own. 32 characters of the base64url alphabet, as the header allows.
pub fn topic(notification_id: i64, group_key: Option<&str>) -> String {
    let key = match group_key {
        Some(group) => format!("group:{group}"),
        None => format!("notification:{notification_id}"),
    };
    let digest = Sha256::digest(key.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..24])
}

/// A request for the push service: where, with which headers, carrying what.
#[derive(Debug)]
pub struct PushRequest {
    pub endpoint: url::Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// Encrypts `payload` for `subscription` and signs the request with `key`; `contact` is the
/// VAPID `sub` (a mailto: or https: URI).
pub fn request(
    subscription: &PushSubscription,
    endpoint: url::Url,
    key: &VapidKey,
    contact: &str,
    payload: &Payload,
    topic: &str,
) -> Result<PushRequest> {
    let internal = |what: &str, e: &dyn std::fmt::Display| Error::internal(format!("{what}: {e}"));
    let json = serde_json::to_vec(payload).map_err(|e| internal("payload", &e))?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let p256dh = b64
        .decode(&subscription.key_p256dh)
        .map_err(|e| internal("stored p256dh", &e))?;
    let auth = b64
        .decode(&subscription.key_auth)
        .map_err(|e| internal("stored auth", &e))?;
    let claims = VapidClaims {
        aud: endpoint.origin().ascii_serialization(),
        exp: chrono::Utc::now().timestamp() + VAPID_VALIDITY_SECS,
        sub: contact.to_string(),
    };
    let token = key.token(&claims).map_err(Error::Internal)?;
    let mut headers = vec![
        ("Content-Type", "application/octet-stream".to_string()),
        ("TTL", TTL_SECS.to_string()),
        ("Urgency", URGENCY.to_string()),
        ("Topic", topic.to_string()),
    ];
    let body = if subscription.standard {
        let body = ece::encrypt(&p256dh, &auth, &json).map_err(|e| internal("aes128gcm", &e))?;
        headers.push(("Content-Encoding", "aes128gcm".to_string()));
        headers.push((
            "Authorization",
            format!("vapid t={token}, k={}", key.public_key_base64()),
        ));
        body
    } else {
        let block = ece::legacy::encrypt_aesgcm(&p256dh, &auth, &json)
            .map_err(|e| internal("aesgcm", &e))?;
        headers.push(("Content-Encoding", "aesgcm".to_string()));
        // `Crypto-Key` carries the sender's key (`dh`) and the VAPID key (`p256ecdsa`), the
        // draft VAPID form the `WebPush` authorization goes with.
        for (name, value) in block.headers(Some(key.public_key())) {
            headers.push((name, value));
        }
        headers.push(("Authorization", format!("WebPush {token}")));
        b64.decode(block.body())
            .map_err(|e| internal("aesgcm body", &e))?
    };
    Ok(PushRequest {
        endpoint,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_plain_and_cut_as_rails_cuts() {
        assert_eq!(
            text_with_breaks("<p>Hi <span class=\"h-card\"><a href=\"x\">@<span>bob</span></a></span> &amp; co</p><p>2nd</p>"),
            "Hi @bob & co\n\n2nd"
        );
        assert_eq!(text_with_breaks("a<br>b &lt;3"), "a\nb <3");
        let long = "x".repeat(200);
        let cut = truncate(&long, 140);
        assert_eq!(cut.chars().count(), 140);
        assert!(cut.ends_with("..."));
        assert_eq!(truncate("short", 140), "short");
    }

    #[test]
    fn titles_follow_mastodon() {
        assert_eq!(title("favourite", "Al"), "Al favorited your post");
        assert_eq!(title("mention", "Al"), "You were mentioned by Al");
        assert_eq!(title("follow", "Al"), "Al is now following you");
    }

    #[test]
    fn topics_are_short_and_shared_by_a_group() {
        let a = topic(1, Some("favourite-7-100"));
        assert_eq!(a.len(), 32);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(a, topic(2, Some("favourite-7-100")));
        assert_ne!(topic(1, None), topic(2, None));
    }
}
