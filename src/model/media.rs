//! A media attachment: a local upload (files in storage) or a remote status's attachment
//! (remote URLs).

use chrono::{DateTime, Utc};

/// One row of `media_attachments`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Media {
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    pub position: i16,
    /// `image`, `video`, `audio` or `unknown`.
    pub kind: String,
    pub content_type: Option<String>,
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    pub file_size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub preview_width: Option<i32>,
    pub preview_height: Option<i32>,
    pub blurhash: Option<String>,
    pub description: String,
    pub focus_x: f32,
    pub focus_y: f32,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    /// `done`, `pending` or `failed`.
    pub processing: String,
    /// What the container of a video or audio file says (duration, frame rate…).
    pub file_meta: Option<sqlx::types::Json<serde_json::Value>>,
    pub created_at: DateTime<Utc>,
    /// The scheduled status this upload is reserved for, until it is published or cancelled.
    pub scheduled_status_id: Option<i64>,
    /// Public URLs of the stored files, filled in by the service from the storage backend.
    #[sqlx(skip)]
    pub url: Option<String>,
    #[sqlx(skip)]
    pub preview_url: Option<String>,
}

impl Media {
    pub fn is_ready(&self) -> bool {
        self.processing == "done"
    }
}

/// Which profile image of an account: its avatar or its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileImage {
    Avatar,
    Header,
}
