//! `process_inbox`: a verified activity from a remote actor ([`InboxActivity`]), parsed into
//! [`Incoming`] once, and handed to [`crate::service::inbound::receive_queued`], which checks
//! its signer's standing again (a suspension may have come while it waited).

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::federation::vocab::inbound::Incoming;
use crate::service::queue::InboxActivity;

#[tracing::instrument(skip_all, fields(activity.kind))]
pub async fn run(state: &AppState, job: &InboxActivity) -> Outcome {
    let incoming = match Incoming::parse(job.activity.clone()) {
        Ok(incoming) => incoming,
        Err(e) => return Outcome::Fail(format!("not an activity: {e}")),
    };
    let kind = incoming.activity().kind.clone();
    tracing::Span::current().record("activity.kind", kind.as_str());
    let result = crate::service::inbound::receive_queued(state, job.signer_id, &incoming).await;
    match result {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(Error::Internal(e)) => Outcome::Retry(e.to_string()),
        Err(Error::Unavailable(e)) => Outcome::Retry(e),
        // Refused for a reason that will not change (blocked, invalid): dropped.
        Err(e) => {
            tracing::info!(error = %e, "activity refused");
            Outcome::Done
        }
    }
}
