//! Delivery to peers, as a service: who gets an activity ([`audience`], [`inbox_of`]), the one
//! function that queues it ([`deliver`]: one `deliver` job per distinct inbox, in the caller's
//! transaction), the key a delivery is signed with ([`signing_key`]), and the health of remote
//! hosts as deliveries see it. The job that sends is `jobs::deliver`.
//!
//! The rule (see docs/DELIVERY.md): a host whose deliveries have failed without one success
//! for longer than `delivery.unavailable_after_days` (7 by default) is marked **unavailable**.
//! New deliveries to it are dropped when they would be queued ([`deliver`]), as are the ones
//! already waiting. The mark goes as soon as the host is seen alive: a verified
//! inbound activity from it ([`heard_from`]), a successful fetch from it, or any answer to a
//! delivery (a 4xx answer is a refusal, but the host is up). Mastodon's rule is similar (failures
//! on 7 distinct days); counting from the first failure of an unbroken run is simpler to reason
//! about and gives the same result for a host that is down for good.

use chrono::{Duration, SubsecRound};
use serde_json::Value;
use sqlx::PgConnection;

use crate::app::AppState;
use crate::error::Result;
use crate::federation::signature::SigningKey;
use crate::model::{Account, Host, Visibility};
use crate::service::queue;
use crate::store;

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

/// Queues `activity`, signed by `signer`, for each of `inboxes`: one `deliver` job per distinct
/// inbox (duplicates, empty and unparsable ones dropped), none for domains that refuse our
/// deliveries (domain blocks) or for hosts marked unavailable. Every delivery is queued here,
/// so this is the one place to decide that a host gets nothing. The jobs are persisted in the
/// caller's transaction, so the activity goes out exactly when the action that caused it is
/// committed.
pub async fn deliver(
    db: &mut PgConnection,
    signer: &Account,
    activity: &Value,
    inboxes: &[String],
) -> Result<()> {
    let targets = targets(db, inboxes).await?;
    let targets = without_unavailable_hosts(db, targets).await?;
    if targets.is_empty() {
        return Ok(());
    }
    // Serialised once and stored once: every job sends and signs these very bytes.
    let body = serde_json::to_string(activity).map_err(anyhow::Error::from)?;
    let deliveries = targets
        .into_iter()
        .map(|(inbox, host)| {
            let delivery = queue::Delivery {
                signer_id: signer.id,
                key_id: signer.public_key_id.clone(),
                inbox,
            };
            (delivery, host)
        })
        .collect();
    queue::enqueue_deliveries(db, &body, deliveries).await
}

/// The inboxes worth a delivery, each with its host: the ones the domain policy lets through,
/// each once, and only URLs.
async fn targets(db: &mut PgConnection, inboxes: &[String]) -> Result<Vec<(String, String)>> {
    let inboxes = crate::service::moderation::domains::deliverable(db, inboxes).await?;
    let mut seen = std::collections::HashSet::new();
    let mut targets = Vec::new();
    for inbox in inboxes.into_iter().filter(|i| !i.is_empty()) {
        if !seen.insert(inbox.clone()) {
            continue;
        }
        match host_of(&inbox) {
            Some(host) => targets.push((inbox, host)),
            None => tracing::info!(inbox, "not delivering to an inbox that is not a URL"),
        }
    }
    Ok(targets)
}

/// `targets` less those on hosts marked unavailable: queueing for them would only fill the
/// queue with jobs that are dropped when claimed.
async fn without_unavailable_hosts(
    db: &mut PgConnection,
    targets: Vec<(String, String)>,
) -> Result<Vec<(String, String)>> {
    if targets.is_empty() {
        return Ok(targets);
    }
    let hosts: Vec<String> = targets.iter().map(|(_, h)| h.clone()).collect();
    let unavailable = store::delivery_hosts::unavailable_among(&mut *db, &hosts).await?;
    Ok(targets
        .into_iter()
        .filter(|(inbox, host)| {
            let skip = unavailable.contains(host);
            if skip {
                tracing::debug!(inbox, "not delivering to an unavailable host");
            }
            !skip
        })
        .collect())
}

/// Where to deliver to a remote account: its shared inbox when it has one.
pub fn inbox_of(account: &Account) -> String {
    account
        .shared_inbox_url
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| account.inbox_url.clone())
}

/// The inboxes a status goes to: the author's remote followers (not for direct messages)
/// and every mentioned remote account.
pub async fn audience(
    db: &mut PgConnection,
    author: &Account,
    mentions: &[std::sync::Arc<Account>],
    visibility: Visibility,
) -> Result<Vec<String>> {
    let mut inboxes = if visibility == Visibility::Direct {
        Vec::new()
    } else {
        store::accounts::remote_follower_inboxes(&mut *db, author.id).await?
    };
    inboxes.extend(
        mentions
            .iter()
            .filter(|m| !m.is_local())
            .map(|m| inbox_of(m)),
    );
    Ok(inboxes)
}

/// The key a delivery is signed with.
pub enum SignerKey {
    /// The key id to name in the signature, and the parsed private key.
    Ready(String, SigningKey),
    /// The signer has no usable key: the delivery can never be signed.
    Unusable(String),
}

/// The key of `signer_id` for a delivery that names `key_id`: from the state's key cache
/// (parsing a PEM costs more than the query), else read and parsed once and kept there.
pub async fn signing_key(state: &AppState, signer_id: i64, key_id: &str) -> Result<SignerKey> {
    let cached = |state: &AppState| {
        state
            .signing_keys
            .lock()
            .ok()
            .and_then(|keys| keys.get(&signer_id).cloned())
    };
    if let Some(key) = cached(state) {
        return Ok(SignerKey::Ready(key_id.to_string(), key));
    }
    let Some((key_id, pem)) = store::accounts::private_key(&state.db, signer_id).await? else {
        return Ok(SignerKey::Unusable("the signing account has no key".into()));
    };
    // Another delivery may have parsed it meanwhile.
    if let Some(key) = cached(state) {
        return Ok(SignerKey::Ready(key_id, key));
    }
    match SigningKey::from_pem(&pem) {
        Ok(key) => {
            if let Ok(mut keys) = state.signing_keys.lock() {
                keys.insert(signer_id, key.clone());
            }
            Ok(SignerKey::Ready(key_id, key))
        }
        Err(e) => Ok(SignerKey::Unusable(format!("unusable signing key: {e}"))),
    }
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
        let dropped = queue::drop_deliveries_to(state, host).await?;
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
        if let Err(e) = queue::refresh_actor(state, &account.uri).await {
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

/// Every failing host, unavailable ones first, then by how long they have been failing
/// (`rookery admin queue`, metrics).
pub async fn failing_hosts(db: &sqlx::PgPool) -> Result<Vec<store::delivery_hosts::FailingHost>> {
    Ok(store::delivery_hosts::all(db).await?)
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
