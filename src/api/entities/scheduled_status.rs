//! ScheduledStatus: a status waiting for its time, with the parameters it will be posted with.

use serde::Serialize;
use serde_json::Value;

use super::datetime;
use super::media::MediaAttachment;
use crate::model::ScheduledView;

#[derive(Debug, Serialize)]
pub struct ScheduledStatus {
    pub id: String,
    pub scheduled_at: String,
    pub params: ScheduledParams,
    pub media_attachments: Vec<MediaAttachment>,
}

/// `params`: what the status will be posted with, as Mastodon keeps them (`null` for what the
/// client did not send).
#[derive(Debug, Serialize)]
pub struct ScheduledParams {
    pub text: String,
    pub poll: Option<Value>,
    pub media_ids: Option<Vec<String>>,
    pub sensitive: Option<bool>,
    pub spoiler_text: Option<String>,
    pub visibility: &'static str,
    /// An integer, as Mastodon documents it.
    pub in_reply_to_id: Option<i64>,
    pub language: Option<String>,
    pub application_id: Option<i64>,
    /// The status it will quote (Mastodon 4.5), and who may quote it.
    pub quoted_status_id: Option<String>,
    pub quote_approval_policy: Option<String>,
    /// Always `null`: the status is scheduled once.
    pub scheduled_at: Option<String>,
    /// Always `null`: Mastodon does not pass the key on to the publication.
    pub idempotency: Option<String>,
    pub with_rate_limit: bool,
}

impl ScheduledStatus {
    pub fn render(view: &ScheduledView) -> ScheduledStatus {
        let s = &view.scheduled;
        ScheduledStatus {
            id: s.id.to_string(),
            scheduled_at: datetime(&s.scheduled_at),
            params: ScheduledParams {
                text: s.text.clone(),
                poll: s.poll.as_ref().map(|p| p.0.clone()),
                media_ids: Some(s.media_ids.iter().map(i64::to_string).collect())
                    .filter(|ids: &Vec<String>| !ids.is_empty()),
                sensitive: s.sensitive,
                spoiler_text: s.spoiler_text.clone(),
                visibility: s.visibility.as_str(),
                in_reply_to_id: s.in_reply_to_id,
                language: s.language.clone(),
                application_id: s.application_id,
                quoted_status_id: s.quoted_status_id.map(|i| i.to_string()),
                quote_approval_policy: s.quote_approval_policy.clone(),
                scheduled_at: None,
                idempotency: None,
                with_rate_limit: false,
            },
            media_attachments: view.media.iter().map(MediaAttachment::render).collect(),
        }
    }
}
