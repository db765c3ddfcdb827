//! `process_media`: finishes an upload that `POST /api/v2/media` left for later (a large
//! image); and, hourly, the removal of uploads never attached to a status and the pruning of
//! the remote media cache.

use std::time::Duration;

use tokio::sync::watch;

use super::Outcome;
use crate::app::AppState;
use crate::service;
use crate::service::queue::OfMedia;

#[tracing::instrument(skip_all, fields(media.id = job.media_id))]
pub async fn run(state: &AppState, job: OfMedia) -> Outcome {
    match service::media::process_pending(state, job.media_id).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// Every hour, removes unattached uploads older than `media.unattached_retention_hours`. Each
/// process with workers runs it; the removal is idempotent, so several at once do no harm.
pub fn spawn_cleanup(state: &AppState, shutdown: watch::Receiver<bool>) {
    super::spawn_periodic(
        state,
        Duration::from_secs(3600),
        shutdown,
        |state| async move {
            let span = tracing::info_span!("media_cleanup");
            match tracing::Instrument::instrument(service::media::remove_unattached(&state), span)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "removed unattached uploads"),
                Err(e) => tracing::warn!(error = %e, "removing unattached uploads"),
            }
            let span = tracing::info_span!("media_cache_prune");
            match tracing::Instrument::instrument(service::media_cache::prune(&state), span).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "pruned the remote media cache"),
                Err(e) => tracing::warn!(error = %e, "pruning the remote media cache"),
            }
        },
    );
}
