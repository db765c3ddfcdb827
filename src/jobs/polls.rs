//! The jobs of polls:
//! - `close_poll`: a poll's end has come ([`service::polls::close`]). Queued when the poll was
//!   made (or its end edited) to run at its end, so a worker that starts after it (the server
//!   was down) closes it at once. It acts once: the poll is closed in the transaction that
//!   notifies its voters and queues the final `Update`, and a second run (or a run for an end
//!   edited since) finds nothing to do.
//! - `federate_poll`: a local poll's new counts, sent as one `Update(Question)` for all the
//!   votes of the last few seconds ([`service::polls::federate_counts`]).
//!
//! A poll deleted meanwhile is done with.

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::service;
use crate::service::queue::{OfPoll, PollEnd};

#[tracing::instrument(skip_all, fields(poll.id = job.poll_id))]
pub async fn close(state: &AppState, job: PollEnd) -> Outcome {
    match service::polls::close(state, job.poll_id, job.expires_at).await {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

#[tracing::instrument(skip_all, fields(poll.id = job.poll_id))]
pub async fn federate(state: &AppState, job: OfPoll) -> Outcome {
    match service::polls::federate_counts(state, job.poll_id).await {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
