//! Live events for Mastodon's streaming API, across processes.
//!
//! Services publish small [`Event`]s (ids only) with PostgreSQL `NOTIFY`, inside their
//! transaction so an event is heard only once its rows are committed. Every Rookery process
//! `LISTEN`s ([`Bus`]) and hands each event to [`dispatch`], which works out which of *its own*
//! connected subscribers it concerns, renders it for each of them with the same visibility,
//! block and mute rules as the REST timelines, and queues it on their bounded buffers. A
//! subscriber whose buffer is full is disconnected rather than waited for.
//!
//! This module knows nothing of HTTP: `api::v1::streaming` turns subscriptions into WebSocket
//! and server-sent-event connections.

mod bus;
mod dispatch;

pub use bus::{Bus, Subscription};

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;

use crate::model::{Status, Visibility};
use crate::store;

/// PostgreSQL refuses `NOTIFY` payloads of 8000 bytes or more; events stay well below.
const MAX_PAYLOAD: usize = 7900;

/// The most mentioned accounts a delete event carries (each id is at most 20 bytes).
const MAX_DELETE_MENTIONS: usize = 300;
/// Boosts whose deletion is announced with their original's; older ones are left to REST.
const MAX_BOOST_DELETES: i64 = 1000;

/// What crosses processes. Short field names: the payload limit is per event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "k")]
pub enum Event {
    /// A public original status was created: public and hashtag streams.
    #[serde(rename = "new")]
    Created { s: i64 },
    /// A status was added to home feeds (fan-out done): user and direct streams.
    #[serde(rename = "feed")]
    InFeeds { s: i64 },
    /// A status was edited: everywhere it was shown.
    #[serde(rename = "edit")]
    Edited { s: i64 },
    /// A status is gone; what is needed to know who saw it travels along, since its rows do
    /// not survive to be asked. `p`: it was on public streams; `l`: local; `d`: direct;
    /// `a`: author; `m`: mentioned accounts.
    #[serde(rename = "del")]
    Deleted {
        s: i64,
        a: i64,
        p: bool,
        l: bool,
        d: bool,
        m: Vec<i64>,
    },
    /// Notification `n` for local account `r`.
    #[serde(rename = "note")]
    Notified { n: i64, r: i64 },
    /// Local account `r` changed their keyword filters.
    #[serde(rename = "filt")]
    FiltersChanged { r: i64 },
}

async fn publish(db: impl PgExecutor<'_>, event: &Event) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    if payload.len() > MAX_PAYLOAD {
        // Cannot happen with the caps above; losing a live event beats failing the action.
        tracing::warn!(
            bytes = payload.len(),
            "streaming event too large; not published"
        );
        return Ok(());
    }
    store::streaming::publish(db, &payload).await
}

/// Whether a status belongs on the public streams, as on the public timeline: public, an
/// original, not a reply to someone else. (Silenced authors are checked when dispatching.)
fn is_broadcast(status: &Status) -> bool {
    status.visibility == Visibility::Public
        && status.reblog_of_id.is_none()
        && status
            .in_reply_to_account_id
            .is_none_or(|a| a == status.account_id)
}

/// Whether a status belongs on hashtag streams: public originals, replies included.
fn is_tag_broadcast(status: &Status) -> bool {
    status.visibility == Visibility::Public && status.reblog_of_id.is_none()
}

/// Announces a new original status (local or remote) to public and hashtag streams if it is
/// public. Call inside the transaction that creates it.
pub async fn status_created(
    db: impl PgExecutor<'_>,
    status_id: i64,
    visibility: Visibility,
) -> Result<(), sqlx::Error> {
    if visibility != Visibility::Public {
        return Ok(());
    }
    publish(db, &Event::Created { s: status_id }).await
}

/// Announces that a status reached home feeds (user streams) and, if direct, conversations.
pub async fn status_in_feeds(db: impl PgExecutor<'_>, status_id: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::InFeeds { s: status_id }).await
}

/// Announces an edit (`status.update`).
pub async fn status_edited(db: impl PgExecutor<'_>, status_id: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::Edited { s: status_id }).await
}

/// Announces a deletion; call before the status's rows go, with its mentioned accounts. Its
/// boosts go with it, so their deletion is announced too (to the home streams that showed
/// them).
pub async fn status_deleted(
    db: &mut sqlx::PgConnection,
    status: &Status,
    mentioned: &[i64],
) -> Result<(), sqlx::Error> {
    let mut m: Vec<i64> = mentioned.to_vec();
    m.truncate(MAX_DELETE_MENTIONS);
    publish(
        &mut *db,
        &Event::Deleted {
            s: status.id,
            a: status.account_id,
            p: is_tag_broadcast(status),
            l: status.local,
            d: status.visibility == Visibility::Direct,
            m,
        },
    )
    .await?;
    if status.reblog_of_id.is_some() {
        return Ok(());
    }
    for (boost, booster, local) in
        store::streaming::boosts_of(&mut *db, status.id, MAX_BOOST_DELETES).await?
    {
        publish(
            &mut *db,
            &Event::Deleted {
                s: boost,
                a: booster,
                p: false,
                l: local,
                d: false,
                m: Vec::new(),
            },
        )
        .await?;
    }
    Ok(())
}

/// Announces a new notification for `recipient`.
pub async fn notification_created(
    db: impl PgExecutor<'_>,
    notification_id: i64,
    recipient: i64,
) -> Result<(), sqlx::Error> {
    publish(
        db,
        &Event::Notified {
            n: notification_id,
            r: recipient,
        },
    )
    .await
}

/// Tells `account`'s user streams that their keyword filters changed (`filters_changed`), so
/// clients reload them.
pub async fn filters_changed(db: impl PgExecutor<'_>, account: i64) -> Result<(), sqlx::Error> {
    publish(db, &Event::FiltersChanged { r: account }).await
}

/// A timeline a client can subscribe to, as Mastodon names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Home feed and notifications.
    User,
    /// Notifications only.
    UserNotification,
    /// `public`, `public:local`, `public:remote`, each optionally `:media`.
    Public {
        local: bool,
        remote: bool,
        media: bool,
    },
    /// `hashtag` / `hashtag:local`; the tag is kept lower-cased.
    Hashtag { tag: String, local: bool },
    /// Direct conversations.
    Direct,
}

/// Why a stream cannot be subscribed to, with the HTTP status Mastodon's streaming server
/// answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError {
    Unknown,
    MissingTag,
    MissingList,
    /// Lists are not implemented yet: no list can be found.
    NoSuchList,
    NeedsUser,
    Scope,
}

impl StreamError {
    pub fn status(&self) -> u16 {
        match self {
            StreamError::Unknown | StreamError::MissingTag | StreamError::MissingList => 400,
            StreamError::NoSuchList => 404,
            StreamError::NeedsUser => 401,
            StreamError::Scope => 403,
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            StreamError::Unknown => "Unknown stream type",
            StreamError::MissingTag => "Missing tag name parameter",
            StreamError::MissingList => "Missing list name parameter",
            StreamError::NoSuchList => "Record not found",
            StreamError::NeedsUser => "Missing access token",
            StreamError::Scope => "Access token does not have the required scopes",
        }
    }
}

impl Stream {
    /// Parses Mastodon's stream name with its `tag` or `list` parameter.
    pub fn parse(name: &str, tag: Option<&str>, list: Option<&str>) -> Result<Stream, StreamError> {
        let tag = || {
            tag.map(|t| t.trim().trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty())
                .ok_or(StreamError::MissingTag)
        };
        Ok(match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public"
            | "public:media"
            | "public:local"
            | "public:local:media"
            | "public:remote"
            | "public:remote:media" => Stream::Public {
                local: name.starts_with("public:local"),
                remote: name.starts_with("public:remote"),
                media: name.ends_with(":media"),
            },
            "hashtag" => Stream::Hashtag {
                tag: tag()?,
                local: false,
            },
            "hashtag:local" => Stream::Hashtag {
                tag: tag()?,
                local: true,
            },
            "direct" => Stream::Direct,
            "list" => {
                return Err(match list.map(str::trim).filter(|l| !l.is_empty()) {
                    None => StreamError::MissingList,
                    Some(_) => StreamError::NoSuchList,
                })
            }
            _ => return Err(StreamError::Unknown),
        })
    }

    /// Whether the stream needs a signed-in person (public ones do not).
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            Stream::User | Stream::UserNotification | Stream::Direct
        )
    }

    /// The scope (or a broader one) a token needs, as Mastodon checks: `read:notifications`
    /// for notifications only, `read:statuses` for the rest.
    pub fn scope(&self) -> &'static str {
        match self {
            Stream::UserNotification => "read:notifications",
            _ => "read:statuses",
        }
    }

    /// The `stream` array of a WebSocket message: `["hashtag", "rust"]`, `["user"]`.
    pub fn label(&self) -> Vec<String> {
        match self {
            Stream::User => vec!["user".into()],
            Stream::UserNotification => vec!["user:notification".into()],
            Stream::Public {
                local,
                remote,
                media,
            } => {
                let mut name = String::from("public");
                if *local {
                    name.push_str(":local");
                } else if *remote {
                    name.push_str(":remote");
                }
                if *media {
                    name.push_str(":media");
                }
                vec![name]
            }
            Stream::Hashtag { tag, local } => vec![
                if *local { "hashtag:local" } else { "hashtag" }.into(),
                tag.clone(),
            ],
            Stream::Direct => vec!["direct".into()],
        }
    }
}

/// One event for one subscriber: Mastodon's `event` name, its `payload` (a JSON document as
/// a string, or a bare id for `delete`) and the stream it came through.
#[derive(Debug, Clone)]
pub struct Frame {
    pub event: &'static str,
    pub payload: Arc<str>,
    pub stream: Arc<Stream>,
}

impl Frame {
    /// The WebSocket text message: `{"stream":[…],"event":"update","payload":"{…}"}`.
    pub fn to_websocket_text(&self) -> String {
        serde_json::json!({
            "stream": self.stream.label(),
            "event": self.event,
            "payload": &*self.payload,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_small() {
        let e = Event::Deleted {
            s: i64::MAX,
            a: i64::MAX,
            p: true,
            l: false,
            d: false,
            m: vec![i64::MAX; MAX_DELETE_MENTIONS],
        };
        let text = serde_json::to_string(&e).expect("serialise");
        assert!(text.len() < MAX_PAYLOAD, "{} bytes", text.len());
        assert_eq!(serde_json::from_str::<Event>(&text).expect("parse"), e);
        let n: Event = serde_json::from_str(r#"{"k":"note","n":5,"r":7}"#).expect("parse");
        assert_eq!(n, Event::Notified { n: 5, r: 7 });
    }

    #[test]
    fn stream_names() {
        assert_eq!(Stream::parse("user", None, None), Ok(Stream::User));
        assert_eq!(
            Stream::parse("hashtag:local", Some("#Rust"), None),
            Ok(Stream::Hashtag {
                tag: "rust".into(),
                local: true
            })
        );
        assert_eq!(
            Stream::parse("hashtag", None, None),
            Err(StreamError::MissingTag)
        );
        assert_eq!(
            Stream::parse("list", Some("x"), Some("12")),
            Err(StreamError::NoSuchList)
        );
        assert_eq!(Stream::parse("nope", None, None), Err(StreamError::Unknown));
        let s = Stream::parse("public:remote:media", None, None).expect("parse");
        assert_eq!(s.label(), vec!["public:remote:media".to_string()]);
        assert_eq!(
            Stream::parse("hashtag", Some("Rust"), None)
                .expect("parse")
                .label(),
            vec!["hashtag".to_string(), "rust".to_string()]
        );
    }
}
