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

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, LOCATION};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

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

/// Whether an address is one a server on the internet should never make Rookery call.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return forbidden_v4(v4);
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site local (deprecated) fec0::/10
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                // NAT64, well-known 64:ff9b::/96 and local-use 64:ff9b:1::/48 alike: a
                // translator could reach any IPv4 address, so the whole /32 is refused.
                || (seg[0] == 0x0064 && seg[1] == 0xff9b)
                || seg[0] == 0x2002 // 6to4 can embed a private v4
        }
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
/// (`::ffff:0:a.b.c.d`, SIIT, RFC 2765) or IPv4-compatible (`::a.b.c.d`) IPv6 address.
/// (NAT64 and 6to4 prefixes are refused whole by [`is_forbidden`].)
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = v6.segments();
    let mapped = seg[..5].iter().all(|s| *s == 0) && seg[5] == 0xffff;
    // A translator on the path turns these into the IPv4 address itself.
    let translated = seg[..4].iter().all(|s| *s == 0) && seg[4] == 0xffff && seg[5] == 0;
    let compatible = seg[..6].iter().all(|s| *s == 0) && !(seg[6] == 0 && seg[7] <= 1);
    if mapped || translated || compatible {
        let [a, b] = seg[6].to_be_bytes();
        let [c, d] = seg[7].to_be_bytes();
        Some(Ipv4Addr::new(a, b, c, d))
    } else {
        None
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved
}

/// A DNS resolver that never returns a forbidden address.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || !is_forbidden(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(FetchError::ForbiddenAddress(host))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The client every outgoing federation request goes through.
pub fn client(user_agent: &str, allow_private: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .build()
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

/// Adds headers to a request, e.g. an HTTP signature for the final URL.
pub trait SignRequest: Send + Sync {
    fn headers_for(&self, url: &Url) -> HeaderMap;
}

/// No signature.
pub struct Unsigned;

impl SignRequest for Unsigned {
    fn headers_for(&self, _url: &Url) -> HeaderMap {
        HeaderMap::new()
    }
}

/// Signs each GET with an account's key (draft-cavage, `(request-target) host date`), as
/// Mastodon signs its fetches; servers in authorized-fetch mode and GoToSocial require it.
#[derive(Clone)]
pub struct KeySigner {
    pub key: super::signature::SigningKey,
    pub key_id: String,
}

impl SignRequest for KeySigner {
    fn headers_for(&self, url: &Url) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let Some((host, target)) = super::signature::host_and_target(url) else {
            return headers;
        };
        let date = super::signature::http_date(chrono::Utc::now());
        let signed = super::signature::sign_request(
            &self.key,
            &self.key_id,
            "GET",
            &target,
            &host,
            &date,
            None,
            None,
        );
        for (name, value) in signed.pairs() {
            if let Ok(value) = reqwest::header::HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        headers
    }
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
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
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

/// GETs a media file (an attachment, an avatar) unsigned, as Mastodon does, with the same
/// address guard and redirect rules as documents, refusing bodies over `max_bytes` while they
/// stream in. The type is not taken from the answer: the caller sniffs the bytes.
pub async fn fetch_file(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    url: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let (_, mut response) = get_following_redirects(policy, url, |u| {
        client
            .get(u.clone())
            .header(ACCEPT, "image/*, video/*, audio/*, */*;q=0.5")
    })
    .await?;
    if response
        .content_length()
        .is_some_and(|l| l > max_bytes as u64)
    {
        return Err(FetchError::FileTooLarge(max_bytes));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::FileTooLarge(max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How much a [`fetch_page`] may take: what to ask for and accept, and its limits.
#[derive(Clone, Debug)]
pub struct PageLimits {
    pub accept: &'static str,
    /// Whether an answer's `Content-Type` is acceptable.
    pub accepts: fn(&str) -> bool,
    pub max_redirects: usize,
    pub max_bytes: usize,
    /// For the whole fetch, redirects included.
    pub timeout: Duration,
}

/// A fetched page: the URL it finally came from, its type and its body.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// GETs a web page (not an ActivityPub document: link previews) unsigned, with the address
/// guard, at most `limits.max_redirects` redirects (each hop checked again), an accepted type
/// only, the body refused past `limits.max_bytes`, and everything over within
/// `limits.timeout`.
pub async fn fetch_page(
    client: &reqwest::Client,
    policy: &FetchPolicy,
    url: &str,
    limits: &PageLimits,
) -> Result<Page, FetchError> {
    let work = async {
        let (final_url, mut response) =
            get_within_redirects(policy, url, limits.max_redirects, |u| {
                client
                    .get(u.clone())
                    .header(ACCEPT, limits.accept)
                    .timeout(limits.timeout)
            })
            .await?;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if !(limits.accepts)(&content_type) {
            return Err(FetchError::UnexpectedType(content_type));
        }
        if response
            .content_length()
            .is_some_and(|l| l > limits.max_bytes as u64)
        {
            return Err(FetchError::FileTooLarge(limits.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > limits.max_bytes {
                return Err(FetchError::FileTooLarge(limits.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Page {
            url: final_url,
            content_type,
            body,
        })
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| FetchError::Transport(format!("no answer within {:?}", limits.timeout)))?
}

/// Reads a body, giving up as soon as it passes [`MAX_DOCUMENT_BYTES`].
pub async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
    if response
        .content_length()
        .is_some_and(|l| l as usize > MAX_DOCUMENT_BYTES)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
    fn forbidden_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::ffff:169.254.169.254",
            "ff02::1",
            "2002:7f00:1::",
        ] {
            assert!(
                is_forbidden(bad.parse().expect("ip")),
                "{bad} should be forbidden"
            );
        }
        for good in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert!(
                !is_forbidden(good.parse().expect("ip")),
                "{good} should be allowed"
            );
        }
    }

    #[test]
    fn translated_and_nat64_addresses_are_forbidden() {
        // SIIT's IPv4-translated form embeds the address like the mapped form does.
        for bad in [
            "::ffff:0:127.0.0.1",
            "::ffff:0:10.0.0.1",
            "::ffff:0:169.254.169.254",
            "::ffff:0:192.168.0.1",
            "::ffff:0:0.0.0.0",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::5db8:d822",
            "64:ff9b:1::a00:1",
            "64:ff9b:1:ffff::1",
        ] {
            let ip: IpAddr = bad.parse().expect("ip");
            assert!(is_forbidden(ip), "{bad} should be forbidden");
        }
        assert_eq!(
            embedded_v4("::ffff:0:93.184.216.34".parse().expect("ip")),
            Some(Ipv4Addr::new(93, 184, 216, 34))
        );
        assert!(!is_forbidden("::ffff:0:93.184.216.34".parse().expect("ip")));
        let strict = FetchPolicy {
            allow_private: false,
            allow_http: false,
            hosts: None,
        };
        let url = Url::parse("https://[::ffff:0:7f00:1]/users/a").expect("url");
        assert!(matches!(
            check_url(&url, &strict),
            Err(FetchError::ForbiddenAddress(_))
        ));
    }

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
