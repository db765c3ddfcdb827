//! The JSON shapes Mastodon clients receive, field for field as Mastodon documents them
//! (names, types, and `null` where Mastodon sends `null`). Conversions from `model` types live
//! beside each shape.

pub mod account;
pub mod announcement;
pub mod application;
pub mod card;
pub mod conversation;
pub mod emoji;
pub mod instance;
pub mod list;
pub mod media;
pub mod moderation;
pub mod notification;
pub mod notification_policy;
pub mod poll;
pub mod portability;
pub mod push;
pub mod relationship;
pub mod scheduled_status;
pub mod status;
pub mod tag;

pub use account::{Account, CredentialAccount};
pub use poll::Poll;
pub use scheduled_status::ScheduledStatus;
pub use status::Status;
pub use tag::Tag;

pub use crate::clock::timestamp as datetime;
