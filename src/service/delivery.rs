//! The health of remote hosts, as deliveries see it.
//!
//! The rule (see README, "Delivery"): a host whose deliveries have failed without one success
//! for longer than `delivery.unavailable_after_days` (7 by default) is marked **unavailable**.
//! New deliveries to it are dropped when they would be queued (`federation::outbox::deliver`),
//! as are the ones already waiting. The mark goes as soon as the host is seen alive: a verified
//! inbound activity from it ([`heard_from`]), a successful fetch from it, or any answer to a
//! delivery (a 4xx answer is a refusal, but the host is up). Mastodon's rule is similar (failures
//! on 7 distinct days); counting from the first failure of an unbroken run is simpler to reason
//! about and gives the same result for a host that is down for good.

use chrono::{Duration, SubsecRound};

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Host};
use crate::{jobs, store};

/// How long a fetched profile is trusted before an inbound activity from it queues a refresh.
const REFRESH_AFTER_HOURS: i64 = 24;

/// The host key of a URL: `host:port` with the scheme's default port spelled out
/// ([`Host::with_port`]), so every caller names a server the same way.
pub fn host_of(url: &str) -> Option<String> {
    Host::parse_url(url)?.with_port()
}

/// [`host_of`] for a URL already parsed (a delivery parses its inbox once).
pub fn host_of_url(parsed: &url::Url) -> Option<String> {
    Host::of_url(parsed)?.with_port()
}

/// A delivery to `host` got an answer: the host is alive.
pub async fn answered(state: &AppState, host: &str) -> Result<()> {
    if store::delivery_hosts::clear(&state.db, host).await? {
        tracing::info!(delivery.host = %host, "host is reachable again");
    }
    Ok(())
}

/// A delivery to `host` failed (no answer, or a server error). Returns whether the host is
/// now unavailable; when it has just become so, its waiting deliveries are dropped.
pub async fn failed(state: &AppState, host: &str, error: &str) -> Result<bool> {
    // PostgreSQL keeps microseconds: compare like with like below.
    let now = state.clock.now().trunc_subsecs(6);
    let threshold = unavailable_after(state);
    let row =
        store::delivery_hosts::record_failure(&state.db, host, error, now, now - threshold).await?;
    let Some(since) = row.unavailable_since else {
        return Ok(false);
    };
    if since == now {
        let dropped =
            store::jobs::drop_pending_for_host(&state.db, jobs::deliver::KIND, host).await?;
        tracing::warn!(
            delivery.host = %host,
            failing_since = %row.failing_since,
            dropped,
            "host marked unavailable: its deliveries are dropped until it is seen alive"
        );
    }
    Ok(true)
}

/// What is known of `host`: `None` when it has no failures on record, else whether it is
/// unavailable. (One query before each delivery; a host with nothing on record needs no
/// clearing when it answers.)
pub async fn host_state(state: &AppState, host: &str) -> Result<Option<bool>> {
    Ok(store::delivery_hosts::state(&state.db, host).await?)
}

/// Whether deliveries to `host` are being dropped.
pub async fn is_unavailable(state: &AppState, host: &str) -> Result<bool> {
    Ok(store::delivery_hosts::is_unavailable(&state.db, host).await?)
}

/// A verified activity arrived from `account`: its host is alive (clears any mark), and a
/// profile fetched long ago is refreshed by a `fetch_remote` job. Errors are logged here: the
/// activity is accepted either way.
pub async fn heard_from(state: &AppState, account: &Account) {
    if let Some(host) = host_of(&account.uri) {
        if let Err(e) = answered(state, &host).await {
            tracing::warn!(error = %e, delivery.host = %host, "clearing a host's failures");
        }
    }
    let stale = account
        .fetched_at
        .is_none_or(|t| t < state.clock.now() - Duration::hours(REFRESH_AFTER_HOURS));
    if stale {
        if let Err(e) = jobs::fetch_remote::enqueue_actor_refresh(state, &account.uri).await {
            tracing::warn!(error = %e, actor.url = %account.uri, "queueing a profile refresh");
        }
    }
}

/// A fetch from `url` succeeded: its host is alive.
pub async fn fetched_from(state: &AppState, url: &str) {
    if let Some(host) = host_of(url) {
        if let Err(e) = answered(state, &host).await {
            tracing::warn!(error = %e, delivery.host = %host, "clearing a host's failures");
        }
    }
}

fn unavailable_after(state: &AppState) -> Duration {
    let days = state.config.delivery.unavailable_after_days;
    Duration::milliseconds((days * 86_400_000.0) as i64)
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_keys() {
        assert_eq!(
            host_of("https://Example.COM/inbox").as_deref(),
            Some("example.com:443")
        );
        assert_eq!(
            host_of("http://127.0.0.1:8081/inbox").as_deref(),
            Some("127.0.0.1:8081")
        );
        assert_eq!(
            host_of("http://x.example/").as_deref(),
            Some("x.example:80")
        );
        assert_eq!(host_of("not a url"), None);
    }
}
