//! Hourly housekeeping that no request triggers: home feeds trimmed to their cap (fan-out
//! only adds to them) and spent OAuth authorization codes deleted once they are old.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::AppState;
use crate::service;

/// Starts the hourly housekeeping. Each process with workers runs it; both tasks are
/// idempotent, so several processes at once do no harm.
pub fn spawn(state: &AppState, shutdown: watch::Receiver<bool>) {
    super::spawn_periodic(
        state,
        Duration::from_secs(3600),
        shutdown,
        |state| async move {
            let span = tracing::info_span!("feed_trim");
            match tracing::Instrument::instrument(service::feeds::trim_all(&state), span).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, "trimmed home feeds"),
                Err(e) => tracing::warn!(error = %e, "trimming home feeds"),
            }
            let span = tracing::info_span!("oauth_code_purge");
            match tracing::Instrument::instrument(service::oauth::purge_old_codes(&state), span)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(codes = n, "deleted old authorization codes"),
                Err(e) => tracing::warn!(error = %e, "deleting old authorization codes"),
            }
        },
    );
}
