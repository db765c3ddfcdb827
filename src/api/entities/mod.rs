//! The JSON shapes Mastodon clients receive, field for field as Mastodon documents them
//! (names, types, and `null` where Mastodon sends `null`). Conversions from `model` types live
//! beside each shape.

pub mod account;
pub mod application;
pub mod conversation;
pub mod instance;
pub mod media;
pub mod moderation;
pub mod notification;
pub mod relationship;
pub mod status;

pub use account::{Account, CredentialAccount};
pub use status::Status;

use chrono::{DateTime, SecondsFormat, Utc};

/// Mastodon's timestamp format: `2024-01-02T03:04:05.678Z`.
pub fn datetime(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}
