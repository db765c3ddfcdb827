//! The payload of each kind of [`Job`](super::Job) (the variant's struct, stored as the job's
//! JSON `payload`) and the kinds themselves as stored in the `kind` column. Re-exported by
//! `service::queue`, where services and the runner name them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::media::ProfileImage;

/// The kinds of job, as stored in the `kind` column (metrics and the admin list them all,
/// even when none is queued).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Deliver,
    Fanout,
    FederateEdit,
    ProcessInbox,
    FetchRemote,
    ProcessMedia,
    CacheRemoteMedia,
    PublishScheduled,
    RunImport,
    DeleteAccount,
    FetchCard,
    MoveFollowers,
    PullMove,
    WebPush,
    ClosePoll,
    FederatePoll,
    BuildArchive,
    ExpireArchive,
    PublishAnnouncement,
}

impl Kind {
    /// Every kind this version runs.
    pub const ALL: [Kind; 19] = [
        Kind::Deliver,
        Kind::Fanout,
        Kind::FederateEdit,
        Kind::ProcessInbox,
        Kind::FetchRemote,
        Kind::ProcessMedia,
        Kind::CacheRemoteMedia,
        Kind::PublishScheduled,
        Kind::RunImport,
        Kind::DeleteAccount,
        Kind::FetchCard,
        Kind::MoveFollowers,
        Kind::PullMove,
        Kind::WebPush,
        Kind::ClosePoll,
        Kind::FederatePoll,
        Kind::BuildArchive,
        Kind::ExpireArchive,
        Kind::PublishAnnouncement,
    ];

    /// The stored name (the serde tag of the matching [`Job`](super::Job) variant).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deliver => "deliver",
            Kind::Fanout => "fanout",
            Kind::FederateEdit => "federate_edit",
            Kind::ProcessInbox => "process_inbox",
            Kind::FetchRemote => "fetch_remote",
            Kind::ProcessMedia => "process_media",
            Kind::CacheRemoteMedia => "cache_remote_media",
            Kind::PublishScheduled => "publish_scheduled",
            Kind::RunImport => "run_import",
            Kind::DeleteAccount => "delete_account",
            Kind::FetchCard => "fetch_card",
            Kind::MoveFollowers => "move_followers",
            Kind::PullMove => "pull_move",
            Kind::WebPush => "web_push",
            Kind::ClosePoll => "close_poll",
            Kind::FederatePoll => "federate_poll",
            Kind::BuildArchive => "build_archive",
            Kind::ExpireArchive => "expire_archive",
            Kind::PublishAnnouncement => "publish_announcement",
        }
    }
}

/// The payload of a delivery: who signs and where to. `key_id` is the signer's key id at the
/// time of queueing, so a worker holding the parsed key in its cache needs no query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub signer_id: i64,
    pub key_id: String,
    pub inbox: String,
}

/// The payload of the jobs that work on one status (`fanout`, `federate_edit`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfStatus {
    pub status_id: i64,
}

/// The payload of `process_media`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfMedia {
    pub media_id: i64,
}

/// The payload of `process_inbox`: the activity as the inbox verified it (parsed into
/// `vocab::inbound::Incoming` when it runs) and the account whose signature vouched for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxActivity {
    pub signer_id: i64,
    pub activity: Value,
}

/// The payload of `fetch_remote`: what to fetch. Tagged by `type`, so other documents can
/// join actors without a new kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FetchRemote {
    /// An actor whose stored copy is stale.
    Actor { url: String },
    /// A known remote note whose poll counts are stale.
    Poll { url: String },
    /// The collection of the hashtags a remote account features (its actor's
    /// `featuredTags`), read when the actor is stored (`service::featured_tags`).
    FeaturedTags { account_id: i64, url: String },
}

/// The payload of `publish_scheduled`: which scheduled status, and the time it was scheduled
/// for when the job was queued. A job whose status was rescheduled since (a newer job carries
/// the new time) or cancelled does nothing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledPost {
    pub scheduled_status_id: i64,
    pub scheduled_at: DateTime<Utc>,
}

/// The payload of `publish_announcement`: which announcement, and the time it was to be
/// published when the job was queued (a rescheduled one has a newer job).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementAt {
    pub announcement_id: i64,
    pub published_at: DateTime<Utc>,
}

/// The payload of `run_import`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfImport {
    pub import_id: i64,
}

/// The payload of `delete_account`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfAccount {
    pub account_id: i64,
}

/// The payload of `move_followers`: the account that moved and the one it moved to.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MoveOf {
    pub origin_id: i64,
    pub target_id: i64,
    /// The old account's server is gone (a pull-mode move): old follows end without an
    /// `Undo` that nobody would receive.
    #[serde(default)]
    pub origin_gone: bool,
    /// Where the previous batch stopped (the last follow id it did); `None` for the first,
    /// which also carries blocks and mutes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
}

/// The payload of `pull_move`: the local account that sends the `Move`, the old actor it
/// moves from, and the old followers' addresses (`user@domain`) as uploaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullMove {
    pub account_id: i64,
    pub origin_uri: String,
    pub addresses: Vec<String>,
    /// Whether this job also moves the old actor's local followers (the first batch does).
    #[serde(default)]
    pub move_local: bool,
}

/// The payload of `web_push`: which notification, to which subscription. Whether it is still
/// wanted (the subscription, its alerts and policy, the notification) is decided when it runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebPush {
    pub subscription_id: i64,
    pub notification_id: i64,
}

/// The payload of `close_poll`: which poll, and the end it had when the job was queued. A job
/// whose poll was edited to end at another time since (a newer job carries it), or was closed
/// already, does nothing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PollEnd {
    pub poll_id: i64,
    pub expires_at: DateTime<Utc>,
}

/// The payload of `federate_poll`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfPoll {
    pub poll_id: i64,
}

/// The payload of `build_archive` and `expire_archive`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfArchive {
    pub archive_id: i64,
}

/// The payload of `cache_remote_media`: which file to copy, tagged by `which`. An avatar or
/// header is cached only while the account still shows `url`, a custom emoji only while it
/// still comes from `url`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "which", rename_all = "snake_case")]
pub enum CacheRemoteMedia {
    Attachment { media_id: i64 },
    Avatar { account_id: i64, url: String },
    Header { account_id: i64, url: String },
    Emoji { emoji_id: i64, url: String },
}

impl CacheRemoteMedia {
    /// The payload for an account's avatar or header.
    pub fn profile(account_id: i64, which: ProfileImage, url: &str) -> CacheRemoteMedia {
        let url = url.to_string();
        match which {
            ProfileImage::Avatar => CacheRemoteMedia::Avatar { account_id, url },
            ProfileImage::Header => CacheRemoteMedia::Header { account_id, url },
        }
    }
}
