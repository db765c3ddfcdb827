//! A status waiting for its time: what the client asked to post, checked when it was
//! scheduled, and published by a job at `scheduled_at`.

use chrono::{DateTime, Utc};

use crate::model::Visibility;

/// One row of `scheduled_statuses`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScheduledStatus {
    pub id: i64,
    pub account_id: i64,
    pub scheduled_at: DateTime<Utc>,
    pub text: String,
    /// As the client sent it (`None`: not sent).
    pub spoiler_text: Option<String>,
    /// As the client sent it (`None`: the author's default when it is published).
    pub sensitive: Option<bool>,
    /// The client's, or the author's default when it was scheduled.
    #[sqlx(try_from = "String")]
    pub visibility: Visibility,
    pub in_reply_to_id: Option<i64>,
    /// As the client sent it (`None`: the author's default when it is published).
    pub language: Option<String>,
    /// Its attachments, in order (reserved for it meanwhile).
    pub media_ids: Vec<i64>,
    /// The poll as the client sent it.
    pub poll: Option<sqlx::types::Json<serde_json::Value>>,
    /// The client application that scheduled it.
    pub application_id: Option<i64>,
    /// The status it quotes (the original of a boost the client named).
    pub quoted_status_id: Option<i64>,
    /// `quote_approval_policy` as the client sent it (`None`: the author's default when it is
    /// published).
    pub quote_approval_policy: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A scheduled status with the uploads reserved for it, in order.
#[derive(Clone, Debug)]
pub struct ScheduledView {
    pub scheduled: ScheduledStatus,
    pub media: Vec<crate::model::Media>,
}
