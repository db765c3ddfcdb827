//! `build_archive` makes an account's full archive ([`service::archives::build`], which marks
//! an archive it could not make as failed itself); `expire_archive` removes one whose week is
//! over. A database or storage error is worth another try.

use super::Outcome;
use crate::app::AppState;
use crate::service;
use crate::service::queue::OfArchive;

#[tracing::instrument(skip_all, fields(archive.id = job.archive_id))]
pub async fn build(state: &AppState, job: OfArchive) -> Outcome {
    match service::archives::build(state, job.archive_id).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

#[tracing::instrument(skip_all, fields(archive.id = job.archive_id))]
pub async fn expire(state: &AppState, job: OfArchive) -> Outcome {
    match service::archives::expire(state, job.archive_id).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
