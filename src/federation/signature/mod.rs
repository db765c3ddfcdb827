//! HTTP Signatures (draft-cavage-http-signatures-12 as Mastodon uses it): pure functions.
//!
//! This module signs outgoing requests and verifies incoming ones, and nothing else: it does no
//! I/O and never reads the clock (the current time is always a parameter), so everything here is
//! deterministic and unit-tested. Fetching a remote actor's key, deciding which account a
//! `keyId` belongs to, refetching a stale key and answering 401 are the callers' jobs
//! (`federation::fetch`, the inbox, the delivery job).
//!
//! * Signing: [`SigningKey`] (parsed once from PEM) and [`sign_request`], which returns the
//!   `Date`, `Digest` and `Signature` header values to send; [`host_and_target`] gives the
//!   `Host` and request target reqwest will send for a URL, and [`http_date`] the `Date`.
//! * Verifying: [`parse_signature_header`] gives the `keyId` to look up; the caller fetches that
//!   key as a [`VerifyingKey`] and calls [`verify_request`], which enforces the rules Mastodon
//!   enforces (see its documentation). Every [`SignatureError`] means "answer 401".
//!
//! RSA keys are generated and stored by `crate::crypto` (`rsa` crate, PKCS#8 / SPKI PEM); the
//! RSA arithmetic for signing and verifying is `ring`'s (see [`SigningKey`] for why).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use axum::http::HeaderMap;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

/// How far in the future a signature's date may be (clock skew), as in Mastodon.
pub const CLOCK_SKEW: TimeDelta = TimeDelta::hours(1);
/// How old a signature's date may be, as in Mastodon's `EXPIRATION_WINDOW_LIMIT`.
pub const MAX_AGE: TimeDelta = TimeDelta::hours(12);
/// The longest `Signature` header accepted. An 8192-bit RSA signature is 1,368 base64
/// characters; the rest is a URL and a short list of header names.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 8 * 1024;

/// The smallest RSA modulus accepted, in bits: ring's `RSA_PKCS1_2048_8192_SHA256` minimum.
/// Mastodon, GoToSocial and Pleroma generate 2048-bit keys; 1024-bit keys are refused.
const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted for verification, in bits (ring's maximum).
const MAX_RSA_BITS: usize = 8192;

/// Base64 as senders actually write it: the standard alphabet, padding optional.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a signature was refused. The inbox answers every variant with 401; the text is safe to
/// log and to send (it never contains key material, and attacker-chosen text is truncated).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The request carries no `Signature` header, or an empty one.
    #[error("the request is not signed")]
    Missing,
    /// The `Signature` header (or one of its parameters) is not well-formed.
    #[error("malformed signature: {0}")]
    Malformed(&'static str),
    /// The `algorithm` parameter is neither `rsa-sha256` nor `hs2019`.
    #[error("unsupported signature algorithm {0:?} (only rsa-sha256 and hs2019 are supported)")]
    UnsupportedAlgorithm(String),
    /// The signature does not cover a header or pseudo-header this server requires.
    #[error("the signature must cover {0}")]
    NotCovered(&'static str),
    /// A header named in the signature's `headers` list is absent from the request.
    #[error("the signed header {0} is missing from the request")]
    MissingHeader(String),
    /// The `Date` header or the `(created)`/`(expires)` value cannot be read as a time.
    #[error("the signature date cannot be parsed")]
    InvalidDate,
    /// The signature is dated more than an hour ahead, more than 12 hours ago, or has expired.
    #[error("the signed request date is outside the acceptable window")]
    DateOutOfWindow,
    /// The `Digest` header offers no SHA-256 digest, or not a well-formed one.
    #[error("the Digest header must carry a SHA-256 digest")]
    UnsupportedDigest,
    /// The `Digest` header does not match the body.
    #[error("the Digest header does not match the body")]
    DigestMismatch,
    /// The signature does not verify with the key. The caller may refetch the key once and
    /// try again, as Mastodon does, in case the actor rotated it.
    #[error("the signature does not verify")]
    BadSignature,
    /// A PEM key could not be used.
    #[error("unusable key: {0}")]
    InvalidKey(&'static str),
}

mod keys;
mod parse;
pub mod pool;

pub use keys::{SigningKey, VerifyingKey};
pub use parse::*;

// ---------------------------------------------------------------------------------------------
// Small helpers

/// A time as HTTP writes it (IMF-fixdate, RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Reads a `Date` header: IMF-fixdate, or any RFC 2822 date (`+0000` zones and the like).
fn parse_http_date(value: &str) -> Result<DateTime<Utc>, SignatureError> {
    DateTime::parse_from_rfc2822(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| SignatureError::InvalidDate)
}

/// The `Digest` header value for `body`: `SHA-256=<base64 of its SHA-256>`.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// Where [`verify_request`] and [`signing_string`] read request headers from.
///
/// `name` is always lowercase. An implementation returns `None` when the header is absent and
/// otherwise all its values, trimmed and joined by `", "` in the order received (draft-cavage
/// §2.3). It is implemented for [`HeaderMap`] and for closures
/// `Fn(&str) -> Option<String>` (write the argument type out: `|name: &str| …`).
///
/// With HTTP/2 the host arrives as the `:authority` pseudo-header, which is not in a
/// `HeaderMap`: an inbox serving HTTP/2 should answer `host` from the request URI's authority.
pub trait HeaderLookup {
    /// All values of the header `name`, or `None` when the request does not have it.
    fn header(&self, name: &str) -> Option<String>;
}

impl HeaderLookup for HeaderMap {
    fn header(&self, name: &str) -> Option<String> {
        let mut values = self.get_all(name).iter().peekable();
        values.peek()?;
        let joined = values
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
            .collect::<Vec<_>>()
            .join(", ");
        Some(joined)
    }
}

impl<F> HeaderLookup for F
where
    F: Fn(&str) -> Option<String>,
{
    fn header(&self, name: &str) -> Option<String> {
        self(name)
    }
}

// ---------------------------------------------------------------------------------------------
// Signing

/// The header values [`sign_request`] produced, to send with the request (alongside the
/// `Host` and `Content-Type` values that were passed to it, byte for byte).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders {
    /// The `Date` header value (the `date` passed in).
    pub date: String,
    /// The `Digest` header value, present when the request has a body.
    pub digest: Option<String>,
    /// The `Signature` header value.
    pub signature: String,
}

impl SignedHeaders {
    /// `(name, value)` pairs to add to the outgoing request.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            Some(("date", self.date.as_str())),
            self.digest.as_deref().map(|d| ("digest", d)),
            Some(("signature", self.signature.as_str())),
        ]
        .into_iter()
        .flatten()
    }
}

/// Signs a request the way Mastodon does.
///
/// `target` is the path and query exactly as sent (`/users/bob/inbox`, `/outbox?page=true`);
/// `host` is the `Host` header exactly as sent (with the port when it is not the scheme's
/// default, which is what reqwest sends); `date` is the `Date` header, normally
/// [`http_date`] of now. With a body, its `Digest` is computed and signed; with a
/// `content_type`, that header is signed too and must be sent with this exact value.
///
/// The signed headers are `(request-target) host date`, then `digest` with a body, then
/// `content-type` when given.
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one signed part of the request; a struct would only rename them"
)]
pub fn sign_request(
    key: &SigningKey,
    key_id: &str,
    method: &str,
    target: &str,
    host: &str,
    date: &str,
    body: Option<&[u8]>,
    content_type: Option<&str>,
) -> SignedHeaders {
    let digest = body.map(digest_header);

    // (name, value) in signing order; (request-target) first, as Mastodon sends it.
    let request_target = format!("{} {}", method.to_ascii_lowercase(), target);
    let mut signed: Vec<(&str, &str)> = vec![
        ("(request-target)", &request_target),
        ("host", host),
        ("date", date),
    ];
    if let Some(digest) = digest.as_deref() {
        signed.push(("digest", digest));
    }
    if let Some(content_type) = content_type {
        signed.push(("content-type", content_type));
    }
    let string = signed
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect::<Vec<_>>()
        .join("\n");
    let names = signed
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(" ");
    let signature = STANDARD.encode(key.sign(string.as_bytes()));

    SignedHeaders {
        date: date.to_owned(),
        digest,
        signature: format!(
            "keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
            escape_quoted(key_id),
            names,
            signature
        ),
    }
}

/// The `host` and `target` to pass to [`sign_request`] for a request to `url`, exactly as
/// reqwest will send them: the host with its port only when the port is not the scheme's
/// default (`[…]` around IPv6 addresses), and the path with `?query` when there is one (the
/// fragment is never sent). `None` for a URL without a host.
pub fn host_and_target(url: &url::Url) -> Option<(String, String)> {
    let host = url.host_str()?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    Some((host, target))
}

/// Escapes `"` and `\` for a quoted-string parameter value.
fn escape_quoted(value: &str) -> Cow<'_, str> {
    if value.contains(['"', '\\']) {
        let mut out = String::with_capacity(value.len() + 2);
        for c in value.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(value)
    }
}

/// The string that is signed (draft-cavage §2.3): one `name: value` line per entry of `names`,
/// joined by `\n`, without a trailing newline.
///
/// `(request-target)` is `<lowercase method> <target>`; `(created)` and `(expires)` are the
/// signature parameters of those names (`created`/`expires`), which must then be given; any
/// other name is read from `headers` (names are compared lowercase). A name whose value is
/// missing gives [`SignatureError::MissingHeader`].
pub fn signing_string<S: AsRef<str>>(
    names: &[S],
    method: &str,
    target: &str,
    created: Option<&str>,
    expires: Option<&str>,
    headers: &(impl HeaderLookup + ?Sized),
) -> Result<String, SignatureError> {
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        let name = name.as_ref().to_ascii_lowercase();
        if i > 0 {
            out.push('\n');
        }
        let value = match name.as_str() {
            "(request-target)" => format!("{} {}", method.to_ascii_lowercase(), target),
            "(created)" => created
                .ok_or_else(|| SignatureError::MissingHeader(name.clone()))?
                .to_owned(),
            "(expires)" => expires
                .ok_or_else(|| SignatureError::MissingHeader(name.clone()))?
                .to_owned(),
            other => headers
                .header(other)
                .ok_or_else(|| SignatureError::MissingHeader(truncate(other)))?,
        };
        out.push_str(&name);
        out.push_str(": ");
        out.push_str(&value);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Verifying

/// Verifies a signed request, enforcing what Mastodon enforces (app/lib/signed_request.rb),
/// in this order:
///
/// 1. **Coverage.** The signature must cover `(request-target)` and `host`; `date`, or with
///    `hs2019` `(created)`; and `digest` when the method is POST or the body is not empty.
///    `(created)`/`(expires)` with `rsa-sha256` are refused (draft-cavage §2.3).
/// 2. **Time.** Every covered time is checked against `now`: the `Date` header and `(created)`
///    may be at most [`CLOCK_SKEW`] (1 h) ahead and at most [`MAX_AGE`] (12 h) old; a covered
///    `(expires)` must not be more than [`CLOCK_SKEW`] in the past. Uncovered times are
///    ignored: they are not signed, so an attacker could set them.
/// 3. **Digest.** When `digest` is covered, the `Digest` header must offer `SHA-256=`
///    (name case-insensitive, other algorithms ignored) equal to the SHA-256 of `body`
///    (`None` counts as empty).
/// 4. **Signature.** The signing string is built from the request and checked with `key`.
///    With a `query`, `(request-target)` is tried as `path?query` first and then as `path`
///    alone, as Mastodon and GoToSocial do (older Mastodon versions signed without the query,
///    so in that form the query is not authenticated).
///
/// `method` is the request method (any case); `path` is the raw path as received (before any
/// normalisation, e.g. from axum's `OriginalUri`); `query` is the raw query without `?`.
/// Any header named by the signature and absent from `headers` is
/// [`SignatureError::MissingHeader`].
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one independent input of the check; the clock is one of them"
)]
pub fn verify_request(
    params: &SignatureParams,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &(impl HeaderLookup + ?Sized),
    body: Option<&[u8]>,
    key: &VerifyingKey,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    // 1. Coverage.
    let hs2019 = params.algorithm == Algorithm::Hs2019;
    for pseudo in ["(created)", "(expires)"] {
        if params.covers(pseudo) && !hs2019 {
            return Err(SignatureError::Malformed(
                "(created) and (expires) are only allowed with hs2019",
            ));
        }
    }
    if !params.covers("(request-target)") {
        return Err(SignatureError::NotCovered("(request-target)"));
    }
    if !params.covers("host") {
        return Err(SignatureError::NotCovered("host"));
    }
    if !params.covers("date") && !params.covers("(created)") {
        return Err(SignatureError::NotCovered("date"));
    }
    let has_body = body.is_some_and(|b| !b.is_empty());
    if (method.eq_ignore_ascii_case("POST") || has_body) && !params.covers("digest") {
        return Err(SignatureError::NotCovered("digest"));
    }

    // 2. Time.
    if params.covers("date") {
        let date = headers
            .header("date")
            .ok_or_else(|| SignatureError::MissingHeader("date".to_owned()))?;
        check_created(parse_http_date(&date)?, now)?;
    }
    if params.covers("(created)") {
        let created = params
            .created
            .as_deref()
            .ok_or_else(|| SignatureError::MissingHeader("(created)".to_owned()))?;
        check_created(unix_time(created)?, now)?;
    }
    if params.covers("(expires)") {
        let expires = params
            .expires
            .as_deref()
            .ok_or_else(|| SignatureError::MissingHeader("(expires)".to_owned()))?;
        // Written as `now - skew` so that a far-future value cannot overflow the arithmetic.
        if unix_time(expires)? < now - CLOCK_SKEW {
            return Err(SignatureError::DateOutOfWindow);
        }
    }

    // 3. Digest.
    if params.covers("digest") {
        let digest = headers
            .header("digest")
            .ok_or_else(|| SignatureError::MissingHeader("digest".to_owned()))?;
        check_digest(&digest, body.unwrap_or_default())?;
    }

    // 4. Signature, with the query string and then without it.
    let query = query.filter(|q| !q.is_empty());
    let targets = match query {
        Some(q) => vec![Cow::Owned(format!("{path}?{q}")), Cow::Borrowed(path)],
        None => vec![Cow::Borrowed(path)],
    };
    for target in targets {
        let string = signing_string(
            &params.headers,
            method,
            &target,
            params.created.as_deref(),
            params.expires.as_deref(),
            headers,
        )?;
        if key.verify(string.as_bytes(), &params.signature).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::BadSignature)
}

/// A signing time must be at most [`CLOCK_SKEW`] ahead of `now` and at most [`MAX_AGE`] old.
fn check_created(created: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SignatureError> {
    if created > now + CLOCK_SKEW || created < now - MAX_AGE {
        return Err(SignatureError::DateOutOfWindow);
    }
    Ok(())
}

/// Unix seconds (a fraction, allowed in `expires`, is dropped) as a time.
fn unix_time(value: &str) -> Result<DateTime<Utc>, SignatureError> {
    let whole = value.split_once('.').map_or(value, |(w, _)| w);
    let seconds: i64 = whole.parse().map_err(|_| SignatureError::InvalidDate)?;
    DateTime::from_timestamp(seconds, 0).ok_or(SignatureError::InvalidDate)
}

/// Compares the `SHA-256=` entry of a `Digest` header with the body's SHA-256.
fn check_digest(header: &str, body: &[u8]) -> Result<(), SignatureError> {
    let offered = header
        .split(',')
        .filter_map(|entry| entry.split_once('='))
        .find(|(algorithm, _)| algorithm.trim().eq_ignore_ascii_case("sha-256"))
        .map(|(_, value)| value.trim())
        .ok_or(SignatureError::UnsupportedDigest)?;
    let offered = LENIENT_BASE64
        .decode(offered.as_bytes())
        .map_err(|_| SignatureError::UnsupportedDigest)?;
    if offered.len() != 32 {
        return Err(SignatureError::UnsupportedDigest);
    }
    if offered.as_slice() != Sha256::digest(body).as_slice() {
        return Err(SignatureError::DigestMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
