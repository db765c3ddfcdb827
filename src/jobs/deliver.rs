//! `deliver`: one activity, signed by its actor's key, POSTed to one inbox.
//!
//! What an answer means (Mastodon's rule: only 4xx other than 401, 408 and 429 are final):
//! - 2xx: delivered.
//! - 4xx other than 401, 408 and 429: a permanent refusal (the activity is not welcome, the
//!   inbox is gone): logged and not retried. The host is alive, though.
//! - 401 and 429: retried; the host is alive. 401 is what GoToSocial answers while it is
//!   still fetching the sender's key, 429 a rate limit.
//! - 408, 5xx, other codes, timeouts, connection errors: retried, and counted against the
//!   host (see `service::delivery`).
//!
//! A retried answer with a `Retry-After` (seconds or an HTTP date; at most a day) is tried
//! again then; otherwise with backoff (see [`super::retry_delay`] for the schedule: 20
//! attempts over about a week).
//!
//! Signing is RSA-2048 (about 0.6 ms of CPU): it runs on the signing threads
//! ([`signature::pool`]) so the runtime's core threads keep serving requests and other
//! deliveries meanwhile.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HOST, RETRY_AFTER};
use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::config::Config;
use crate::federation::fetch;
use crate::federation::signature::{self, SigningKey};
use crate::{service, store};

pub const KIND: &str = "deliver";

/// Attempts of one delivery: with the backoff of about attempts⁴ + 15 s (plus jitter of up to
/// a quarter), the last of 20 attempts comes about 6.5 to 8 days after the first.
pub const MAX_ATTEMPTS: i32 = 20;

/// The longest `Retry-After` honoured; a longer one is shortened to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// How much of an answer's body is read (and discarded) so the connection can be reused.
const MAX_DRAINED_BODY: usize = 64 * 1024;

/// Every `reason` label of the `rookery_deliveries` metric.
pub const REASONS: [&str; 11] = [
    "ok",
    "http_4xx",
    "http_401",
    "http_408",
    "http_429",
    "http_5xx",
    "http_other",
    "timeout",
    "connection",
    "host_unavailable",
    "invalid",
];

pub fn payload(signer_id: i64, inbox: &str, activity: &Value) -> Value {
    serde_json::json!({ "signer_id": signer_id, "inbox": inbox, "activity": activity })
}

/// A payload that also names the signer's key id, so a cached key needs no query. The
/// activity, already serialised (the bytes sent and digested), is stored once for the whole
/// fan-out and named by the job's `body_id` (see `store::jobs::enqueue_many_for_hosts`), so
/// the queue stays small and a worker neither parses it as JSON nor serialises it again.
pub fn payload_with_key(signer: &crate::model::Account, inbox: &str) -> Value {
    serde_json::json!({
        "signer_id": signer.id,
        "key_id": signer.public_key_id,
        "inbox": inbox,
    })
}

/// How often unused shared bodies are looked for.
const BODY_SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Every minute, removes the shared activity bodies that no job names any more and that are
/// older than a lease. Each process with workers runs it; the removal is idempotent.
pub fn spawn_body_sweep(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    super::spawn_periodic(state, BODY_SWEEP_EVERY, shutdown, |state| async move {
        let span = tracing::info_span!("delivery_body_sweep");
        match tracing::Instrument::instrument(sweep_bodies(&state), span).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(bodies = n, "removed delivered activity bodies"),
            Err(e) => tracing::warn!(error = %e, "removing delivered activity bodies"),
        }
    });
}

/// Removes the shared activity bodies no job names any more, once older than a lease (a
/// margin: a body is written with its jobs, so without them it is never needed again).
pub async fn sweep_bodies(state: &AppState) -> Result<u64, sqlx::Error> {
    let lease = chrono::Duration::seconds(state.config.jobs.lease_secs as i64);
    store::jobs::remove_unused_bodies(&state.db, state.clock.now() - lease).await
}

/// The HTTP client for deliveries: the fetcher's SSRF-guarded resolver, `delivery.*`
/// timeouts, idle connections kept for reuse (one host usually gets many deliveries in a row).
pub fn client(user_agent: &str, config: &Config) -> reqwest::Result<reqwest::Client> {
    let d = &config.delivery;
    reqwest::Client::builder()
        .user_agent(user_agent)
        .dns_resolver(std::sync::Arc::new(fetch::GuardedResolver {
            allow_private: config.federation.allow_private_addresses,
        }))
        .no_proxy()
        .connect_timeout(Duration::from_secs_f64(d.connect_timeout_secs))
        .timeout(Duration::from_secs_f64(d.timeout_secs))
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(d.per_host_concurrency.max(1))
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Delivers the job's activity. The host's standing comes with the claimed job when the job is
/// bound to the inbox's host; otherwise it is read here.
#[tracing::instrument(skip_all, fields(inbox))]
pub async fn run(state: &AppState, job: &store::jobs::Job) -> Outcome {
    let payload = &job.payload;
    let started = Instant::now();
    let (Some(signer_id), Some(inbox)) = (
        payload.get("signer_id").and_then(Value::as_i64),
        payload.get("inbox").and_then(Value::as_str),
    ) else {
        return invalid(state, "malformed delivery payload".into());
    };
    // The shared body named by `body_id` since fan-outs store the activity once; before
    // that, `body` (serialised) or `activity` (JSON) in the payload.
    let body = match (
        job.body_id,
        &job.shared_body,
        payload.get("body"),
        payload.get("activity"),
    ) {
        (Some(_), Some(body), _, _) => body.clone(),
        // Removed while a job still named it (by hand, or a bug): retrying cannot help.
        (Some(id), None, _, _) => return invalid(state, format!("activity body {id} is gone")),
        (None, _, Some(Value::String(body)), _) => bytes::Bytes::from(body.clone()),
        (None, _, None, Some(activity)) => match serde_json::to_vec(activity) {
            Ok(b) => bytes::Bytes::from(b),
            Err(e) => return invalid(state, e.to_string()),
        },
        _ => return invalid(state, "malformed delivery payload".into()),
    };
    tracing::Span::current().record("inbox", inbox);
    let Ok(url) = url::Url::parse(inbox) else {
        return invalid(state, format!("invalid inbox URL {inbox}"));
    };
    let Some(host) = service::delivery::host_of_url(&url) else {
        return invalid(state, format!("invalid inbox URL {inbox}"));
    };
    let standing = if job.host.as_deref() == Some(host.as_str()) {
        Ok(job.host_unavailable)
    } else {
        service::delivery::host_state(state, &host).await
    };
    let on_record = match standing {
        Ok(None) => false,
        Ok(Some(false)) => true,
        Ok(Some(true)) => {
            state.metrics.delivery("dropped", "host_unavailable", None);
            return Outcome::Dropped(format!("{host} is marked unavailable"));
        }
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let key_id = payload.get("key_id").and_then(Value::as_str);
    let key = match signing_key(state, signer_id, key_id).await {
        Ok(k) => k,
        Err(outcome) => return outcome,
    };
    if let Err(e) = fetch::check_url(&url, &state.fetch_policy()) {
        return invalid(state, e.to_string());
    }
    let Some((host_header, target)) = signature::host_and_target(&url) else {
        return invalid(state, "inbox URL without a host".into());
    };
    let content_type = "application/activity+json";
    let (key_id, key) = key;
    let date = signature::http_date(Utc::now());
    let signing = {
        let (host_header, body) = (host_header.clone(), body.clone());
        signature::pool::run(move || {
            let began = Instant::now();
            let signed = signature::sign_request(
                &key,
                &key_id,
                "POST",
                &target,
                &host_header,
                &date,
                Some(&body),
                Some(content_type),
            );
            (signed, began.elapsed())
        })
    };
    let Some((signed, took)) = signing.await else {
        return Outcome::Retry("signing failed".into());
    };
    state.metrics.signed(took.as_secs_f64());
    let mut request = state
        .delivery_http
        .post(url)
        .header(HOST, host_header)
        .header(CONTENT_TYPE, content_type)
        .body(body);
    for (name, value) in signed.pairs() {
        request = request.header(name, value);
    }
    let answer = request.send().await;
    let seconds = Some(started.elapsed().as_secs_f64());
    let response = match answer {
        Ok(r) => r,
        Err(e) => {
            let reason = if e.is_timeout() {
                "timeout"
            } else {
                "connection"
            };
            return host_failed(state, &host, reason, seconds, describe(&e)).await;
        }
    };
    let code = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    drain(response).await;
    let outcome = match code {
        200..=299 => {
            state.metrics.delivery("delivered", "ok", seconds);
            host_answered(state, &host, on_record).await;
            Outcome::Done
        }
        401 | 429 => {
            let (reason, why) = if code == 401 {
                ("http_401", format!("not authorized yet (401) by {host}"))
            } else {
                ("http_429", format!("rate limited (429) by {host}"))
            };
            state.metrics.delivery("retry", reason, seconds);
            host_answered(state, &host, on_record).await;
            Outcome::Retry(why)
        }
        408 => {
            host_failed(
                state,
                &host,
                "http_408",
                seconds,
                format!("answered {code}"),
            )
            .await
        }
        400..=499 => {
            state.metrics.delivery("failed", "http_4xx", seconds);
            host_answered(state, &host, on_record).await;
            Outcome::Fail(format!("refused with {code}"))
        }
        500..=599 => {
            host_failed(
                state,
                &host,
                "http_5xx",
                seconds,
                format!("answered {code}"),
            )
            .await
        }
        _ => {
            host_failed(
                state,
                &host,
                "http_other",
                seconds,
                format!("answered {code}"),
            )
            .await
        }
    };
    match (outcome, retry_after) {
        (Outcome::Retry(why), Some(wait)) => Outcome::RetryAt(why, wait),
        (outcome, _) => outcome,
    }
}

fn invalid(state: &AppState, why: String) -> Outcome {
    state.metrics.delivery("failed", "invalid", None);
    Outcome::Fail(why)
}

/// The signer's key id and parsed key: from the cache when the payload names the key id
/// (no query), else read and parsed once.
async fn signing_key(
    state: &AppState,
    signer_id: i64,
    key_id: Option<&str>,
) -> Result<(String, SigningKey), Outcome> {
    if let Some(key_id) = key_id {
        let cached = state
            .signing_keys
            .lock()
            .ok()
            .and_then(|keys| keys.get(&signer_id).cloned());
        if let Some(k) = cached {
            return Ok((key_id.to_string(), k));
        }
    }
    let signer = match store::accounts::private_key(&state.db, signer_id).await {
        Ok(Some(found)) => found,
        Ok(None) => return Err(invalid(state, "the signing account has no key".into())),
        Err(e) => return Err(Outcome::Retry(e.to_string())),
    };
    let cached = state
        .signing_keys
        .lock()
        .ok()
        .and_then(|keys| keys.get(&signer_id).cloned());
    if let Some(k) = cached {
        return Ok((signer.0, k));
    }
    match SigningKey::from_pem(&signer.1) {
        Ok(k) => {
            if let Ok(mut keys) = state.signing_keys.lock() {
                keys.insert(signer_id, k.clone());
            }
            Ok((signer.0, k))
        }
        Err(e) => Err(invalid(state, format!("unusable signing key: {e}"))),
    }
}

/// The host answered: forget its failures, if it had any on record when the attempt began.
async fn host_answered(state: &AppState, host: &str, on_record: bool) {
    if !on_record {
        return;
    }
    if let Err(e) = service::delivery::answered(state, host).await {
        tracing::warn!(error = %e, "recording a host's answer");
    }
}

async fn host_failed(
    state: &AppState,
    host: &str,
    reason: &'static str,
    seconds: Option<f64>,
    why: String,
) -> Outcome {
    match service::delivery::failed(state, host, &why).await {
        Ok(true) => {
            state
                .metrics
                .delivery("dropped", "host_unavailable", seconds);
            Outcome::Dropped(format!("{why}; {host} is now unavailable"))
        }
        Ok(false) => {
            state.metrics.delivery("retry", reason, seconds);
            Outcome::Retry(why)
        }
        Err(e) => {
            state.metrics.delivery("retry", reason, seconds);
            Outcome::Retry(format!("{why} (and recording it failed: {e})"))
        }
    }
}

/// An error with its causes ("operation timed out", "connection refused").
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Reads a little of the answer so the connection returns to the pool; a large body is cut
/// off (the connection is then closed, which is fine).
async fn drain(mut response: reqwest::Response) {
    let mut read = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > MAX_DRAINED_BODY {
            return;
        }
    }
}

/// `Retry-After` as a wait from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3),
/// between zero and [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: chrono::DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = (at.with_timezone(&Utc) - now)
        .to_std()
        .unwrap_or(Duration::ZERO);
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 00:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Tue, 24 Nov 2026 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("9999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
