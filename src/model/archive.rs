//! Full account archives: one ZIP file of an account's posts, media, profile, favourites and
//! bookmarks, made in the background and offered for download for a while.

use chrono::{DateTime, Utc};

/// Where an archive is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveState {
    /// Asked for, not made yet.
    Pending,
    /// Made: its file can be downloaded until it expires.
    Ready,
    /// Could not be made; another may be asked for at once.
    Failed,
}

impl ArchiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveState::Pending => "pending",
            ArchiveState::Ready => "ready",
            ArchiveState::Failed => "failed",
        }
    }

    /// A stored state (an unknown one reads as failed: nothing can be downloaded).
    pub fn parse(raw: &str) -> ArchiveState {
        match raw {
            "pending" => ArchiveState::Pending,
            "ready" => ArchiveState::Ready,
            _ => ArchiveState::Failed,
        }
    }
}

/// One archive of one account.
#[derive(Clone, Debug)]
pub struct Archive {
    pub id: i64,
    pub account_id: i64,
    pub state: ArchiveState,
    /// The file's key in the media storage, once made.
    pub file_key: Option<String>,
    /// The file's size in bytes, once made.
    pub file_size: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}
