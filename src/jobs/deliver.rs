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
//!
//! The job's payload is [`Delivery`] (signer, key id, inbox); the activity is the body stored
//! once for its whole fan-out (`service::queue::enqueue_deliveries`), handed over with the
//! claim.

use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HOST, RETRY_AFTER};

use super::Outcome;
use crate::app::AppState;
use crate::config::Config;
use crate::federation::fetch;
use crate::federation::signature::{self, SignedHeaders, SigningKey};
use crate::service::delivery::{self, SignerKey};
use crate::service::queue::{self, Claimed, Delivery};

/// The longest `Retry-After` honoured; a longer one is shortened to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// How much of an answer's body is read (and discarded) so the connection can be reused.
const MAX_DRAINED_BODY: usize = 64 * 1024;

/// What deliveries are sent as.
const CONTENT_TYPE_AS: &str = "application/activity+json";

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

/// How often unused shared bodies are looked for.
const BODY_SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Every minute, removes the shared activity bodies that no job names any more and that are
/// older than a lease. Each process with workers runs it; the removal is idempotent.
pub fn spawn_body_sweep(state: &AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    super::spawn_periodic(state, BODY_SWEEP_EVERY, shutdown, |state| async move {
        let span = tracing::info_span!("delivery_body_sweep");
        match tracing::Instrument::instrument(queue::sweep_bodies(&state), span).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(bodies = n, "removed delivered activity bodies"),
            Err(e) => tracing::warn!(error = %e, "removing delivered activity bodies"),
        }
    });
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

/// Delivers the claimed job's activity to `delivery.inbox`.
#[tracing::instrument(skip_all, fields(inbox = %delivery.inbox))]
pub async fn run(state: &AppState, delivery: &Delivery, job: &Claimed) -> Outcome {
    match attempt(state, delivery, job).await {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// One attempt, step by step. `Err` is an attempt that ended before anything was sent: the
/// job cannot work (invalid), is not wanted any more (its host is unavailable), or hit a
/// passing trouble of ours (a query, the signing threads).
async fn attempt(state: &AppState, delivery: &Delivery, job: &Claimed) -> Result<Outcome, Outcome> {
    let started = Instant::now();
    let body = shared_body(state, job)?;
    let (url, host) = inbox(state, &delivery.inbox)?;
    let on_record = standing(state, job, &host).await?;
    let (key_id, key) = signer(state, delivery).await?;
    let (host_header, target) = request_target(state, &url)?;
    let signed = sign(
        state,
        key,
        key_id,
        host_header.clone(),
        target,
        body.clone(),
    )
    .await?;
    let answer = send(state, url, host_header, body, &signed).await;
    let seconds = Some(started.elapsed().as_secs_f64());
    Ok(conclude(state, &host, on_record, answer, seconds).await)
}

/// The bytes to send: the body stored once for the fan-out, which the job names. Without it
/// (removed while a job still named it, by hand or by a bug) retrying cannot help.
fn shared_body(state: &AppState, job: &Claimed) -> Result<Bytes, Outcome> {
    match (job.body_id, &job.body) {
        (Some(_), Some(body)) => Ok(body.clone()),
        (Some(id), None) => Err(invalid(state, format!("activity body {id} is gone"))),
        (None, _) => Err(invalid(state, "a delivery without a body".into())),
    }
}

/// The inbox as a URL, and its host key (what failures are counted against).
fn inbox(state: &AppState, inbox: &str) -> Result<(url::Url, String), Outcome> {
    let url = url::Url::parse(inbox).ok();
    let host = url.as_ref().and_then(delivery::host_of_url);
    match (url, host) {
        (Some(url), Some(host)) => Ok((url, host)),
        _ => Err(invalid(state, format!("invalid inbox URL {inbox}"))),
    }
}

/// Whether the host has failures on record (then an answer must clear them). An unavailable
/// host gets nothing: the delivery is dropped. The standing comes with the claimed job when
/// the job is bound to the inbox's host; otherwise it is read here.
async fn standing(state: &AppState, job: &Claimed, host: &str) -> Result<bool, Outcome> {
    let standing = if job.host.as_deref() == Some(host) {
        Ok(job.host_unavailable)
    } else {
        delivery::host_state(state, host).await
    };
    match standing {
        Ok(None) => Ok(false),
        Ok(Some(false)) => Ok(true),
        Ok(Some(true)) => {
            state.metrics.delivery("dropped", "host_unavailable", None);
            Err(Outcome::Dropped(format!("{host} is marked unavailable")))
        }
        Err(e) => Err(Outcome::Retry(e.to_string())),
    }
}

/// The signer's key id and parsed key (cached by the service).
async fn signer(state: &AppState, d: &Delivery) -> Result<(String, SigningKey), Outcome> {
    match delivery::signing_key(state, d.signer_id, &d.key_id).await {
        Ok(SignerKey::Ready(key_id, key)) => Ok((key_id, key)),
        Ok(SignerKey::Unusable(why)) => Err(invalid(state, why)),
        Err(e) => Err(Outcome::Retry(e.to_string())),
    }
}

/// The `Host` header and the request target to sign, once the URL passes the fetch policy
/// (no private addresses unless allowed, http(s) only): an inbox a peer named is untrusted.
fn request_target(state: &AppState, url: &url::Url) -> Result<(String, String), Outcome> {
    if let Err(e) = fetch::check_url(url, &state.fetch_policy()) {
        return Err(invalid(state, e.to_string()));
    }
    signature::host_and_target(url).ok_or_else(|| invalid(state, "inbox URL without a host".into()))
}

/// Signs the POST on the signing threads ([`signature::pool`]): RSA-2048 costs about 0.6 ms of
/// CPU, which the runtime's core threads should spend serving requests and other deliveries.
async fn sign(
    state: &AppState,
    key: SigningKey,
    key_id: String,
    host_header: String,
    target: String,
    body: Bytes,
) -> Result<SignedHeaders, Outcome> {
    let date = signature::http_date(Utc::now());
    let signing = signature::pool::run(move || {
        let began = Instant::now();
        let signed = signature::sign_request(
            &key,
            &key_id,
            "POST",
            &target,
            &host_header,
            &date,
            Some(&body),
            Some(CONTENT_TYPE_AS),
        );
        (signed, began.elapsed())
    });
    let Some((signed, took)) = signing.await else {
        return Err(Outcome::Retry("signing failed".into()));
    };
    state.metrics.signed(took.as_secs_f64());
    Ok(signed)
}

/// What the inbox answered: its status code and `Retry-After`, if any.
struct Answer {
    code: u16,
    retry_after: Option<Duration>,
}

/// POSTs the signed activity, and reads a little of the answer so the connection can be
/// reused.
async fn send(
    state: &AppState,
    url: url::Url,
    host_header: String,
    body: Bytes,
    signed: &SignedHeaders,
) -> Result<Answer, reqwest::Error> {
    let mut request = state
        .delivery_http
        .post(url)
        .header(HOST, host_header)
        .header(CONTENT_TYPE, CONTENT_TYPE_AS)
        .body(body);
    for (name, value) in signed.pairs() {
        request = request.header(name, value);
    }
    let response = request.send().await?;
    let code = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    drain(response).await;
    Ok(Answer { code, retry_after })
}

/// What an answer means, by Mastodon's rule (see the module's doc).
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Delivered,
    /// Refused for good; the host is alive.
    Refused,
    /// Worth another try; the host is alive. With the metric's reason.
    Later(&'static str),
    /// Worth another try, and counted against the host. With the metric's reason.
    HostFailed(&'static str),
}

fn verdict(code: u16) -> Verdict {
    match code {
        200..=299 => Verdict::Delivered,
        401 => Verdict::Later("http_401"),
        429 => Verdict::Later("http_429"),
        408 => Verdict::HostFailed("http_408"),
        400..=499 => Verdict::Refused,
        500..=599 => Verdict::HostFailed("http_5xx"),
        _ => Verdict::HostFailed("http_other"),
    }
}

/// Turns the answer (or the failure to get one) into the job's outcome, and tells the host's
/// record and the metrics. A retry honours the answer's `Retry-After`.
async fn conclude(
    state: &AppState,
    host: &str,
    on_record: bool,
    answer: Result<Answer, reqwest::Error>,
    seconds: Option<f64>,
) -> Outcome {
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            let reason = if e.is_timeout() {
                "timeout"
            } else {
                "connection"
            };
            return host_failed(state, host, reason, seconds, describe(&e)).await;
        }
    };
    let code = answer.code;
    let outcome = match verdict(code) {
        Verdict::Delivered => {
            state.metrics.delivery("delivered", "ok", seconds);
            host_answered(state, host, on_record).await;
            Outcome::Done
        }
        Verdict::Refused => {
            state.metrics.delivery("failed", "http_4xx", seconds);
            host_answered(state, host, on_record).await;
            Outcome::Fail(format!("refused with {code}"))
        }
        Verdict::Later(reason) => {
            let why = if code == 401 {
                format!("not authorized yet (401) by {host}")
            } else {
                format!("rate limited ({code}) by {host}")
            };
            state.metrics.delivery("retry", reason, seconds);
            host_answered(state, host, on_record).await;
            Outcome::Retry(why)
        }
        Verdict::HostFailed(reason) => {
            let why = format!("answered {code}");
            host_failed(state, host, reason, seconds, why).await
        }
    };
    match (outcome, answer.retry_after) {
        (Outcome::Retry(why), Some(wait)) => Outcome::RetryAt(why, wait),
        (outcome, _) => outcome,
    }
}

/// A delivery that can never work: counted, and failed for good.
fn invalid(state: &AppState, why: String) -> Outcome {
    state.metrics.delivery("failed", "invalid", None);
    Outcome::Fail(why)
}

/// The host answered: forget its failures, if it had any on record when the attempt began.
async fn host_answered(state: &AppState, host: &str, on_record: bool) {
    if !on_record {
        return;
    }
    if let Err(e) = delivery::answered(state, host).await {
        tracing::warn!(error = %e, "recording a host's answer");
    }
}

/// The host did not answer usefully: counted against it; once it is unavailable the delivery
/// is dropped rather than retried.
async fn host_failed(
    state: &AppState,
    host: &str,
    reason: &'static str,
    seconds: Option<f64>,
    why: String,
) -> Outcome {
    match delivery::failed(state, host, &why).await {
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

    /// Mastodon's rule: only 4xx other than 401, 408 and 429 are final; 408, 5xx and codes
    /// outside the classes count against the host.
    #[test]
    fn what_answers_mean() {
        for code in [200, 201, 202, 204, 299] {
            assert_eq!(verdict(code), Verdict::Delivered, "{code}");
        }
        for code in [400, 403, 404, 410, 422, 499] {
            assert_eq!(verdict(code), Verdict::Refused, "{code}");
        }
        assert_eq!(verdict(401), Verdict::Later("http_401"));
        assert_eq!(verdict(429), Verdict::Later("http_429"));
        assert_eq!(verdict(408), Verdict::HostFailed("http_408"));
        for code in [500, 502, 503, 599] {
            assert_eq!(verdict(code), Verdict::HostFailed("http_5xx"), "{code}");
        }
        for code in [100, 301, 304, 600] {
            assert_eq!(verdict(code), Verdict::HostFailed("http_other"), "{code}");
        }
    }
}
