//! `run_import`: works through the rows of a CSV import that are due
//! ([`service::imports::run`]), each through the ordinary service functions; the service
//! queues the next run for rows it postponed. A failure of the run itself (the database) is
//! worth another try; a failed row is only that row's, kept in the import's report.

use super::Outcome;
use crate::app::AppState;
use crate::service;
use crate::service::queue::OfImport;

#[tracing::instrument(skip_all, fields(import.id = job.import_id))]
pub async fn run(state: &AppState, job: OfImport) -> Outcome {
    match service::imports::run(state, job.import_id).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
