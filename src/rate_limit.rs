//! Fixed-window request counters kept in this process's memory, keyed by a bucket name and a
//! caller key (an IP address, a token). With several processes behind a load balancer each
//! keeps its own counts, so the effective limit is the per-process limit times the processes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::{Error, RateLimitInfo};

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(&'static str, String), Window>>,
}

struct Window {
    started: DateTime<Utc>,
    count: u32,
}

impl RateLimiter {
    /// Counts one request of `key` in `bucket`; `Err(RateLimited)` once more than `limit`
    /// arrived in the current window. A `limit` of 0 disables the check.
    pub fn hit(
        &self,
        bucket: &'static str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateLimitInfo, Error> {
        let now = Utc::now();
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::hours(1));
        if limit == 0 {
            return Ok(RateLimitInfo {
                limit: u32::MAX,
                remaining: u32::MAX,
                reset: now + window,
            });
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, w| w.started + window > now);
        }
        let entry = windows.entry((bucket, key.to_string())).or_insert(Window {
            started: now,
            count: 0,
        });
        if entry.started + window <= now {
            entry.started = now;
            entry.count = 0;
        }
        entry.count += 1;
        let info = RateLimitInfo {
            limit,
            remaining: limit.saturating_sub(entry.count),
            reset: entry.started + window,
        };
        if entry.count > limit {
            Err(Error::RateLimited(info))
        } else {
            Ok(info)
        }
    }
}

/// The middleware of the general limits: every `/api/` and `/oauth/` request counts against
/// its token (or, without a valid one, its IP address), posting and media uploads count again
/// in stricter buckets, and inbox POSTs count per remote host. Answers carry Mastodon's
/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` headers of the general bucket; a request
/// over a limit gets 429 with the headers of the bucket it exceeded.
pub async fn middleware(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let checked = match check(&state, &mut request).await {
        Ok(info) => info,
        Err(refused) => return refused.into_response(),
    };
    let mut response = next.run(request).await;
    if let Some(info) = checked {
        // A handler's own (stricter) limit, such as sign-ins, keeps its headers.
        if !response.headers().contains_key("x-ratelimit-limit") {
            info.apply(response.headers_mut());
        }
    }
    response
}

async fn check(
    state: &crate::app::AppState,
    request: &mut axum::extract::Request,
) -> Result<Option<RateLimitInfo>, Error> {
    let limits = &state.config.rate_limits;
    let path = request.uri().path().to_string();
    let post = request.method() == axum::http::Method::POST;
    let ip = crate::api::auth::client_ip(
        request.extensions(),
        request.headers(),
        &state.config.trusted_proxies,
    );
    let secs = Duration::from_secs;
    if post && (path == "/inbox" || (path.starts_with("/users/") && path.ends_with("/inbox"))) {
        let host = request
            .headers()
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .and_then(signature_host)
            .unwrap_or_default();
        // The host is as yet unverified: counting it together with the sending address keeps
        // a forger from spending a real host's allowance.
        let key = format!("{host}@{ip}");
        state.limiter.hit(
            "inbox",
            &key,
            limits.inbox_per_host,
            secs(limits.inbox_window_secs),
        )?;
        return Ok(None);
    }
    if !(path.starts_with("/api/") || path.starts_with("/oauth/")) {
        return Ok(None);
    }
    let (key, limit) = match verified_token(state, request).await {
        Some(hash) => (format!("t:{hash}"), limits.api_per_token),
        None => (format!("ip:{ip}"), limits.api_per_ip),
    };
    let info = state
        .limiter
        .hit("api", &key, limit, secs(limits.api_window_secs))?;
    if post && path == "/api/v1/statuses" {
        state.limiter.hit(
            "statuses",
            &key,
            limits.statuses_per_token,
            secs(limits.statuses_window_secs),
        )?;
    }
    if post && (path == "/api/v1/media" || path == "/api/v2/media") {
        state.limiter.hit(
            "media",
            &key,
            limits.media_per_token,
            secs(limits.media_window_secs),
        )?;
    }
    Ok((limit > 0).then_some(info))
}

/// The hash of the request's bearer token if the token is valid; `None` without one or for
/// one that is not, which then counts against the address: a bucket per token sent, unchecked,
/// would give anyone a fresh allowance with every made-up token.
///
/// A token in the token cache costs nothing more. Any other is read from the database here, as
/// the handler would read it, and handed on to the handler (`api::auth::VerifiedToken`), so a
/// valid one still costs one read; an invalid one costs its read before its address's
/// allowance, as it did in the handler before.
async fn verified_token(
    state: &crate::app::AppState,
    request: &mut axum::extract::Request,
) -> Option<String> {
    let token = crate::api::auth::bearer_token_in(request.headers(), request.uri())?;
    let hash = crate::crypto::sha256_hex(&token);
    if state.cache.holds_token(&hash) {
        return Some(hash);
    }
    match crate::service::oauth::authenticate(state, &token).await {
        Ok(principal) => {
            request
                .extensions_mut()
                .insert(crate::api::auth::VerifiedToken {
                    hash: hash.clone(),
                    principal,
                });
            Some(hash)
        }
        Err(Error::Unauthorized(_)) => None,
        Err(e) => {
            // The handler meets the same failure and answers it; the address counts meanwhile.
            tracing::debug!(error = %e, "token not verified for the rate limit");
            None
        }
    }
}

/// The host of the `keyId` in a `Signature` header.
fn signature_host(header: &str) -> Option<String> {
    let start = header.find("keyId=\"")? + 7;
    let rest = &header[start..];
    let key_id = &rest[..rest.find('"')?];
    crate::service::moderation::domains::host_of(key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key() {
        let l = RateLimiter::default();
        let w = Duration::from_secs(60);
        assert_eq!(l.hit("b", "k", 2, w).map(|i| i.remaining).ok(), Some(1));
        assert_eq!(l.hit("b", "k", 2, w).map(|i| i.remaining).ok(), Some(0));
        assert!(l.hit("b", "k", 2, w).is_err());
        assert!(l.hit("b", "other", 2, w).is_ok());
        assert!(l.hit("b", "k", 0, w).is_ok());
    }

    #[test]
    fn key_id_hosts() {
        assert_eq!(
            signature_host(
                r#"keyId="https://a.example:8443/actor#main-key",headers="(request-target)""#
            )
            .as_deref(),
            Some("a.example:8443")
        );
        assert_eq!(signature_host("garbage"), None);
    }
}
