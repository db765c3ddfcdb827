//! `fetch_card`: the preview card of the page a status links (see `service::cards`). A page
//! that gives no card is not retried: the status simply shows none.

use super::Outcome;
use crate::app::AppState;
use crate::service::cards::{self, Fetched};
use crate::service::queue::OfStatus;

/// How long to wait for another job fetching the same page.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn run(state: &AppState, job: OfStatus) -> Outcome {
    match cards::fetch_for_status(state, job.status_id).await {
        Ok(Fetched::Shown) => Outcome::Done,
        Ok(Fetched::Nothing(why)) => Outcome::Dropped(why),
        Ok(Fetched::Busy) => Outcome::RetryAt("another job fetches this page".into(), BUSY_WAIT),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
