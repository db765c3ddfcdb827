//! `publish_announcement`: a scheduled announcement whose time has come; readers' `user`
//! streams get its `announcement` event ([`service::announcements::went_live`]). Queued with
//! the announcement (created or rescheduled) to run at its time; one deleted, unpublished or
//! rescheduled since is done without a word.

use super::Outcome;
use crate::app::AppState;
use crate::service;
use crate::service::queue::AnnouncementAt;

#[tracing::instrument(skip_all, fields(announcement.id = job.announcement_id))]
pub async fn publish(state: &AppState, job: AnnouncementAt) -> Outcome {
    match service::announcements::went_live(state, job.announcement_id, job.published_at).await {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
