//! The jobs of account moves (`service::moves`):
//! - `move_followers`: an account moved (out of here, or a `Move` arrived): its local
//!   followers follow the new account, blocks and mutes carry over, 100 followers a job (each
//!   queues the next batch). Each follower is done on its own, so a retry resumes where the
//!   last attempt stopped.
//! - `pull_move`: a pull-mode `Move` (FEP-7628) sent to the followers an account uploaded,
//!   200 addresses a job.

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::service;
use crate::service::queue::{MoveOf, PullMove};

#[tracing::instrument(skip_all, fields(origin.id = job.origin_id, target.id = job.target_id))]
pub async fn move_followers(state: &AppState, job: MoveOf) -> Outcome {
    match service::moves::move_followers(state, job).await {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

#[tracing::instrument(skip_all, fields(account.id = job.account_id))]
pub async fn pull_move(state: &AppState, job: &PullMove) -> Outcome {
    match service::moves::send_pull_move(state, job).await {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(e @ (Error::Internal(_) | Error::Unavailable(_))) => Outcome::Retry(e.to_string()),
        Err(e) => Outcome::Dropped(e.to_string()),
    }
}
