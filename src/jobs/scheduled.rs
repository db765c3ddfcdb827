//! `publish_scheduled`: a scheduled status whose time has come becomes a status, through the
//! ordinary posting path ([`service::scheduled::publish`]). Queued when it was scheduled (or
//! rescheduled) to run at its time, so a worker that starts after that time (the server was
//! down) publishes it at once. A job whose status was cancelled, rescheduled or already
//! published is done without doing anything; one that can no longer be published (its reply
//! target is gone) is dropped, as Mastodon drops it.

use super::Outcome;
use crate::app::AppState;
use crate::service;
use crate::service::queue::ScheduledPost;
use crate::service::scheduled::Publication;

#[tracing::instrument(skip_all, fields(scheduled_status.id = job.scheduled_status_id))]
pub async fn run(state: &AppState, job: ScheduledPost) -> Outcome {
    match service::scheduled::publish(state, job.scheduled_status_id, job.scheduled_at).await {
        Ok(Publication::Published(status_id)) => {
            tracing::info!(status.id = status_id, "scheduled status published");
            Outcome::Done
        }
        Ok(Publication::Gone) => Outcome::Done,
        Ok(Publication::Dropped(why)) => Outcome::Dropped(why),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
