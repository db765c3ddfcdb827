//! `delete_account`: removes a deleted local account's data once its grace period is over,
//! a batch per run ([`service::account_deletion::purge`] queues the next batch itself). An
//! account whose deletion was undone meanwhile (unsuspended by an administrator) is left
//! alone.

use super::Outcome;
use crate::app::AppState;
use crate::service;
use crate::service::queue::OfAccount;

#[tracing::instrument(skip_all, fields(account.id = job.account_id))]
pub async fn run(state: &AppState, job: OfAccount) -> Outcome {
    match service::account_deletion::purge(state, job.account_id).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
