//! The jobs that finish a status change away from the request that made it, both with an
//! [`OfStatus`] payload:
//! - `fanout`: the part of posting that can wait ([`service::statuses::fan_out`]): home feeds,
//!   followers' notifications and delivery to peers, so a post with many followers returns at
//!   once.
//! - `federate_edit`: a local status's `Update` to its remote audience
//!   ([`service::statuses::federate_update`]). Queued in the transaction of the edit, so a
//!   crash after the commit cannot lose it; the document is built when the job runs, from the
//!   status as it is then (a later edit simply sends the newer text).
//!
//! A status deleted meanwhile is done with: its `Delete` has gone out instead.

use super::Outcome;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service;
use crate::service::queue::OfStatus;

#[tracing::instrument(skip_all, fields(status.id = job.status_id))]
pub async fn fan_out(state: &AppState, job: OfStatus) -> Outcome {
    outcome(service::statuses::fan_out(state, job.status_id).await)
}

#[tracing::instrument(skip_all, fields(status.id = job.status_id))]
pub async fn federate_edit(state: &AppState, job: OfStatus) -> Outcome {
    outcome(service::statuses::federate_update(state, job.status_id).await)
}

/// Done, or done with because the status is gone; anything else is worth another try.
fn outcome(result: Result<()>) -> Outcome {
    match result {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
