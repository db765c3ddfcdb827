//! Fetching remote ActivityPub documents, treating every answer as hostile.
//!
//! - **SSRF guard**: the HTTP client resolves names through [`GuardedResolver`], which drops
//!   loopback, private, link-local, unique-local, multicast, unspecified and other special
//!   addresses (also in their IPv4-mapped and IPv4-compatible IPv6 forms), so the check holds
//!   for every address actually dialled, after any DNS rebinding. IP-literal URLs skip the
//!   resolver and are checked here before each request. `federation.allow_private_addresses`
//!   lifts the guard (tests, local multi-instance setups).
//! - **Redirects** are followed by hand, at most five, each hop checked again: its scheme and
//!   address, and its host against the caller's [`HostGate`] (the domain blocks and allowlist
//!   live above this module), so a redirect cannot lead a fetch to a refused domain.
//! - **Size**: bodies over 1 MiB are refused while they stream in.
//! - **Type**: only `application/activity+json`, or `application/ld+json` with the
//!   ActivityStreams profile, is an ActivityPub document (a JSON file someone uploaded to a
//!   host must not pass as an actor).
//! - **Origin**: a document's `id` must be on the origin (scheme, host and port) of the URL it
//!   finally came from; otherwise it is fetched again by its `id`, which must then match.
//!
//! The address guard is in [`address`], request signing in [`sign`], and fetches of what is
//! not an ActivityPub document (media files, web pages) in [`web`].

mod address;
mod sign;
mod web;

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

pub use address::{client, is_forbidden, GuardedResolver};
pub use sign::{KeySigner, SignRequest, Unsigned};
pub use web::{fetch_file, fetch_page, Page, PageLimits};

/// Largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Redirect hops followed.
pub const MAX_REDIRECTS: usize = 5;
/// What Rookery asks for.
pub const ACCEPT_ACTIVITY: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused address {0}: private, loopback or otherwise special")]
    ForbiddenAddress(String),
    #[error("invalid URL {0}")]
    InvalidUrl(String),
    #[error("scheme {0} is not allowed")]
    ForbiddenScheme(String),
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("answer {0}")]
    Status(u16),
    #[error("not an ActivityPub document (content type {0:?})")]
    NotActivityJson(String),
    #[error("unexpected content type {0:?}")]
    UnexpectedType(String),
    #[error("document larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    #[error("file larger than {0} bytes")]
    FileTooLarge(usize),
    #[error("malformed JSON: {0}")]
    Malformed(String),
    #[error("document id {id:?} is not on the origin it came from ({origin})")]
    OriginMismatch { id: String, origin: String },
    #[error("request failed: {0}")]
    Transport(String),
    #[error("refused host of {url}: {reason}")]
    RefusedHost { url: String, reason: String },
    #[error("whether the host may be asked could not be decided: {0}")]
    GateUnavailable(String),
}

impl FetchError {
    /// Worth trying again later (the remote may recover), as opposed to a refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Transport(_) | FetchError::GateUnavailable(_) => true,
            FetchError::Status(code) => *code >= 500 || *code == 429 || *code == 408,
            _ => false,
        }
    }
}

/// What a [`HostGate`] answers: `Ok(Some(reason))` to refuse a URL, `Err` when it cannot
/// decide now (the fetch fails as transient).
pub type GateAnswer<'a> = Pin<Box<dyn Future<Output = Result<Option<String>, String>> + Send + 'a>>;

/// Whether a fetch may ask a URL's host at all: the instance's domain blocks and allowlist,
/// which this module knows nothing about. Asked before every request a fetch makes (the first
/// URL, each redirect hop, a document fetched again by its id), so no hop reaches a host the
/// caller would have refused up front.
pub trait HostGate: Send + Sync {
    /// Why `url` must not be requested, if it must not.
    fn refusal<'a>(&'a self, url: &'a Url) -> GateAnswer<'a>;
}

/// What a fetch may do.
#[derive(Clone)]
pub struct FetchPolicy {
    pub allow_private: bool,
    /// Plain http is allowed only when Rookery itself runs on http (local use).
    pub allow_http: bool,
    /// Which hosts may be asked; `None` refuses none (tests, tools).
    pub hosts: Option<Arc<dyn HostGate>>,
}

impl fmt::Debug for FetchPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchPolicy")
            .field("allow_private", &self.allow_private)
            .field("allow_http", &self.allow_http)
            .field("hosts", &self.hosts.as_ref().map(|_| "gated"))
            .finish()
    }
}

/// Checks a URL before requesting it: scheme, and (for IP literals, which skip the resolver)
/// the address.
pub fn check_url(url: &Url, policy: &FetchPolicy) -> Result<(), FetchError> {
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        other => return Err(FetchError::ForbiddenScheme(other.to_string())),
    }
    let host = url
        .host()
        .ok_or_else(|| FetchError::InvalidUrl(url.to_string()))?;
    if !policy.allow_private {
        let literal = match host {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(_) => None,
        };
        if let Some(ip) = literal.filter(|ip| is_forbidden(*ip)) {
            return Err(FetchError::ForbiddenAddress(ip.to_string()));
        }
    }
    Ok(())
}

/// Asks the policy's [`HostGate`], if it has one, whether `url`'s host may be requested.
pub async fn check_host(url: &Url, policy: &FetchPolicy) -> Result<(), FetchError> {
    let Some(gate) = &policy.hosts else {
        return Ok(());
    };
    match gate.refusal(url).await {
        Ok(None) => Ok(()),
        Ok(Some(reason)) => Err(FetchError::RefusedHost {
            url: url.to_string(),
            reason,
        }),
        Err(e) => Err(FetchError::GateUnavailable(e)),
    }
}

/// The origin of a URL: scheme, host and port (instances on one machine differ only by port;
/// `Url::domain()` is `None` for IP literals, so it must not be used for this).
pub fn origin(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// Whether an `application/activity+json` or ActivityStreams `application/ld+json` type.
pub fn is_activity_json(content_type: &str) -> bool {
    let lower = content_type.to_ascii_lowercase();
    let essence = lower.split(';').next().unwrap_or("").trim();
    essence == "application/activity+json"
        || (essence == "application/ld+json"
            && lower.contains("https://www.w3.org/ns/activitystreams"))
}

/// Whether a WebFinger `self` link's type names an ActivityPub document.
pub fn is_activity_json_or_plain(content_type: &str) -> bool {
    is_activity_json(content_type)
        || content_type
            .trim()
            .eq_ignore_ascii_case("application/ld+json")
}

/// Whether a WebFinger answer's type (JRD, or plain JSON as some servers send).
pub fn is_jrd(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/jrd+json" || essence == "application/json"
}

/// A fetched document and the URL it finally came from.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: Url,
    pub document: Value,
}

/// GETs an ActivityPub document with every check above.
pub async fn fetch_document(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    signer: &dyn SignRequest,
    url: &str,
) -> Result<Fetched, FetchError> {
    let fetched = fetch_once(client, policy, signer, url).await?;
    let Some(id) = id_of(&fetched.document) else {
        return Err(FetchError::Malformed("the document has no id".into()));
    };
    let id_url = Url::parse(&id).map_err(|_| FetchError::InvalidUrl(id.clone()))?;
    if origin(&id_url) == origin(&fetched.url) {
        return Ok(fetched);
    }
    // The document claims to live elsewhere: ask that origin for it, once.
    let again = fetch_once(client, policy, signer, &id).await?;
    if id_of(&again.document).as_deref() != Some(id.as_str())
        || origin(&again.url) != origin(&id_url)
    {
        return Err(FetchError::OriginMismatch {
            id,
            origin: origin(&fetched.url),
        });
    }
    Ok(again)
}

/// A document's `id`, read through a type like every other field of a remote document.
fn id_of(document: &Value) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Identified {
        id: Option<String>,
    }
    Identified::deserialize(document).ok()?.id
}

async fn fetch_once(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    signer: &dyn SignRequest,
    url: &str,
) -> Result<Fetched, FetchError> {
    fetch_json(
        client,
        policy,
        signer,
        url,
        ACCEPT_ACTIVITY,
        is_activity_json,
    )
    .await
}

/// GETs a JSON document of a type `accepts` allows (WebFinger's JRD, NodeInfo), with the same
/// guard, redirect and size rules as ActivityPub documents but no origin rule.
pub async fn fetch_json(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    signer: &dyn SignRequest,
    url: &str,
    accept: &str,
    accepts: fn(&str) -> bool,
) -> Result<Fetched, FetchError> {
    let (current, response) = get_following_redirects(policy, url, |u| {
        client
            .get(u.clone())
            .header(ACCEPT, accept)
            .headers(signer.headers_for(u))
    })
    .await?;
    let content_type = content_type(&response);
    if !accepts(&content_type) {
        return Err(FetchError::NotActivityJson(content_type));
    }
    let body = read_limited(response).await?;
    let document: Value =
        serde_json::from_slice(&body).map_err(|e| FetchError::Malformed(e.to_string()))?;
    if !document.is_object() {
        return Err(FetchError::Malformed("not a JSON object".into()));
    }
    Ok(Fetched {
        url: current,
        document,
    })
}

/// GETs `url` through the address guard, following at most [`MAX_REDIRECTS`] redirects (each
/// hop checked again, its host by the policy's [`HostGate`] too), and returns the final URL
/// with its successful answer. `request` builds the GET for each hop.
async fn get_following_redirects(
    policy: &FetchPolicy,
    url: &str,
    request: impl Fn(&Url) -> reqwest::RequestBuilder,
) -> Result<(Url, reqwest::Response), FetchError> {
    get_within_redirects(policy, url, MAX_REDIRECTS, request).await
}

/// [`get_following_redirects`] with at most `max_redirects` hops.
async fn get_within_redirects(
    policy: &FetchPolicy,
    url: &str,
    max_redirects: usize,
    request: impl Fn(&Url) -> reqwest::RequestBuilder,
) -> Result<(Url, reqwest::Response), FetchError> {
    let mut current = Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.to_string()))?;
    // A hop to the host just checked needs no second look (the gate may ask the database).
    let mut gated: Option<(String, Option<u16>)> = None;
    for _ in 0..=max_redirects {
        check_url(&current, policy)?;
        let host = (
            current.host_str().unwrap_or_default().to_ascii_lowercase(),
            current.port_or_known_default(),
        );
        if gated.as_ref() != Some(&host) {
            check_host(&current, policy).await?;
            gated = Some(host);
        }
        let response = request(&current).send().await.map_err(|e| classify(&e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or(FetchError::Status(status.as_u16()))?;
            current = current
                .join(location)
                .map_err(|_| FetchError::InvalidUrl(location.to_string()))?;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        return Ok((current, response));
    }
    Err(FetchError::TooManyRedirects)
}

/// Reads a body, giving up as soon as it passes [`MAX_DOCUMENT_BYTES`].
pub async fn read_limited(response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
    read_within(response, MAX_DOCUMENT_BYTES, || FetchError::TooLarge).await
}

/// Reads a body, failing with `too_large()` as soon as it announces or passes `max_bytes`,
/// so a hostile server cannot make Rookery hold more.
async fn read_within(
    mut response: reqwest::Response,
    max_bytes: usize,
    too_large: impl Fn() -> FetchError,
) -> Result<Vec<u8>, FetchError> {
    if response
        .content_length()
        .is_some_and(|l| l > max_bytes as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// An answer's `Content-Type` as sent; empty when it has none (or one that is not text).
fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn classify(e: &reqwest::Error) -> FetchError {
    // The resolver's refusal surfaces as a connect error whose source is our FetchError.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(FetchError::ForbiddenAddress(host)) = err.downcast_ref::<FetchError>() {
            return FetchError::ForbiddenAddress(host.clone());
        }
        source = err.source();
    }
    FetchError::Transport(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let strict = FetchPolicy {
            allow_private: false,
            allow_http: false,
            hosts: None,
        };
        let local = FetchPolicy {
            allow_private: true,
            allow_http: true,
            hosts: None,
        };
        let url = |s: &str| Url::parse(s).expect("url");
        assert!(check_url(&url("https://remote.example/users/a"), &strict).is_ok());
        assert!(matches!(
            check_url(&url("http://remote.example/"), &strict),
            Err(FetchError::ForbiddenScheme(_))
        ));
        assert!(matches!(
            check_url(&url("https://127.0.0.1/"), &strict),
            Err(FetchError::ForbiddenAddress(_))
        ));
        assert!(matches!(
            check_url(&url("https://[::ffff:10.0.0.1]/"), &strict),
            Err(FetchError::ForbiddenAddress(_))
        ));
        assert!(matches!(
            check_url(&url("file:///etc/passwd"), &local),
            Err(FetchError::ForbiddenScheme(_))
        ));
        assert!(check_url(&url("http://127.0.0.1:8080/"), &local).is_ok());
    }

    #[test]
    fn origins_and_types() {
        let a = Url::parse("http://127.0.0.1:8080/users/a").expect("url");
        let b = Url::parse("http://127.0.0.1:8081/users/a").expect("url");
        let c = Url::parse("http://127.0.0.1:8080/other").expect("url");
        assert_ne!(origin(&a), origin(&b));
        assert_eq!(origin(&a), origin(&c));
        assert_eq!(
            origin(&Url::parse("https://Host.example/x").expect("url")),
            "https://host.example:443"
        );
        assert!(is_activity_json("application/activity+json; charset=utf-8"));
        assert!(is_activity_json(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        ));
        assert!(!is_activity_json("application/ld+json"));
        assert!(!is_activity_json("application/json"));
        assert!(!is_activity_json("text/html"));
    }
}
