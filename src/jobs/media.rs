//! `process_media`: finishes an upload that `POST /api/v2/media` left for later (a large
//! image); and, hourly, the removal of uploads never attached to a status and the pruning of
//! the remote media cache.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use super::Outcome;
use crate::app::AppState;
use crate::service;

pub const KIND: &str = "process_media";

pub fn payload(media_id: i64) -> Value {
    serde_json::json!({ "media_id": media_id })
}

#[tracing::instrument(skip_all, fields(media.id))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let Some(media_id) = payload.get("media_id").and_then(Value::as_i64) else {
        return Outcome::Fail("payload without media_id".into());
    };
    tracing::Span::current().record("media.id", media_id);
    match service::media::process_pending(state, media_id).await {
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
