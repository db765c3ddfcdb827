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

// ---------------------------------------------------------------------------------------------
// Keys

// Backend choice, by measurement. `cargo bench --bench signing` on the project machine (2-core
// AMD EPYC with AVX-512 IFMA), RSA-2048 PKCS#1 v1.5 SHA-256, operations per second on one core,
// best of 3 rounds (both cores: twice as much for every backend):
//
//   backend                                   sign    verify
//   ring 0.17 (chosen)                       1,776    48,119
//   rsa 0.9 (unblinded `sign`)                 647     5,492
//   rsa 0.9 (blinded `sign_with_rng`)          541        --
//   aws-lc-rs 1.19 (scratch crate)           4,150    55,774
//   aws-lc-rs, AVX-512 IFMA masked off       1,704        --   (OPENSSL_ia32cap=:~0x200000)
//   rsa 0.10 (scratch crate)                   435    15,799
//
// ring signs 2.7x (blinded: 3.3x) and verifies 8.8x as fast as rsa 0.9, its private-key arithmetic
// is constant-time (rsa 0.9's is not: RUSTSEC-2023-0071, the Marvin attack), and it is already
// compiled and linked for rustls/reqwest, so it adds nothing to the build. aws-lc-rs signs 2.3x
// faster still on this CPU, but only through its AVX-512 IFMA code path (masked off, it equals
// ring, as the issue measured), and it would add a C build (aws-lc-sys) and a second crypto library
// to the binary; at 1,776/s a signature costs 0.56 ms of one core, small beside the network round
// trip of the delivery it signs. The backend is private to `SigningKey` and `VerifyingKey`:
// switching is a change to this file only. The `rsa` crate still reads the PEM (once per key) and
// generates keys in `crate::crypto`.

/// A private RSA key ready to sign, parsed once from PEM and kept in parsed form, so signing
/// never re-parses. RSASSA-PKCS1-v1_5 with SHA-256, computed by `ring` in constant time (see the
/// measurements above this type).
///
/// Cloning is cheap (an `Arc`); the key is `Send + Sync`. `Debug` never prints key material.
#[derive(Clone)]
pub struct SigningKey {
    pair: Arc<ring::rsa::KeyPair>,
}

impl SigningKey {
    /// Parses a private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`, what `crate::crypto`
    /// generates) or PKCS#1 (`BEGIN RSA PRIVATE KEY`). The key must be 2048 to 4096 bits.
    ///
    /// The key signs a test message once here, so that a key whose parts do not belong
    /// together is refused now rather than failing every signature later.
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let pem = pem.trim();
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| SignatureError::InvalidKey("not an RSA private key in PEM"))?;
        // Normalised to the unencrypted PKCS#8 v1 document ring reads.
        let der = private
            .to_pkcs8_der()
            .map_err(|_| SignatureError::InvalidKey("the private key cannot be re-encoded"))?;
        let pair = ring::rsa::KeyPair::from_pkcs8(der.as_bytes()).map_err(|_| {
            SignatureError::InvalidKey("the private key is refused (it must be 2048 to 4096 bits)")
        })?;
        let mut scratch = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            b"rookery key self-test",
            &mut scratch,
        )
        .map_err(|_| SignatureError::InvalidKey("the private key cannot sign"))?;
        Ok(Self {
            pair: Arc::new(pair),
        })
    }

    /// The RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (deterministic: the same key and
    /// message always give the same bytes).
    ///
    /// # Panics
    ///
    /// Only if the hardware computes wrongly: ring checks every signature against the public
    /// key and refuses to release a faulty one, and [`SigningKey::from_pem`] already proved
    /// that this key signs correctly.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0u8; self.pair.public().modulus_len()];
        // The random source is unused by PKCS#1 v1.5 padding (ring only draws from it for PSS
        // salts), so signing stays free of I/O.
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("RSA signing failed although the key passed its self-test (hardware fault?)");
        signature
    }

    /// The public half, for verifying this key's own signatures (tests, benchmarks).
    pub fn verifying_key(&self) -> VerifyingKey {
        let components: ring::rsa::PublicKeyComponents<Vec<u8>> = self.pair.public().into();
        VerifyingKey {
            components: Arc::new(components),
        }
    }

    /// The size of the public modulus, in bits, rounded up to whole bytes (2048 for the keys
    /// `crate::crypto` generates).
    pub fn bits(&self) -> usize {
        self.pair.public().modulus_len() * 8
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// A public RSA key ready to verify, parsed once from PEM. Cheap to clone, `Send + Sync`.
///
/// Verification uses ring's `RSA_PKCS1_2048_8192_SHA256`: moduli of 2048 to 8192 bits, any
/// public exponent of at least 3.
#[derive(Clone, Debug)]
pub struct VerifyingKey {
    /// Big-endian modulus and exponent, without leading zeros.
    components: Arc<ring::rsa::PublicKeyComponents<Vec<u8>>>,
}

impl VerifyingKey {
    /// Parses a public key from PEM: SPKI (`BEGIN PUBLIC KEY`, what Mastodon and most servers
    /// publish as `publicKeyPem`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`, which some servers
    /// publish). Keys under 2048 or over 8192 bits are refused.
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let pem = pem.trim();
        let public = rsa::RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|_| SignatureError::InvalidKey("not an RSA public key in PEM"))?;
        let bits = public.n().bits();
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(SignatureError::InvalidKey(
                "the public key must be 2048 to 8192 bits",
            ));
        }
        Ok(Self {
            components: Arc::new(ring::rsa::PublicKeyComponents {
                n: public.n().to_bytes_be(),
                e: public.e().to_bytes_be(),
            }),
        })
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 `signature` of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        self.components
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                message,
                signature,
            )
            .map_err(|_| SignatureError::BadSignature)
    }

    /// The size of the public modulus, in bits.
    pub fn bits(&self) -> usize {
        // `n` has no leading zero bytes; count the bits of its first byte exactly.
        match self.components.n.first() {
            Some(first) => (self.components.n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
            None => 0,
        }
    }
}

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
// Parsing

/// The signature algorithm named by the `algorithm` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// `rsa-sha256`: what Mastodon and most servers send.
    RsaSha256,
    /// `hs2019`: "derive the algorithm from the key"; for the RSA keys of the fediverse this is
    /// RSASSA-PKCS1-v1_5 SHA-256 too. An absent `algorithm` parameter means this, as in
    /// Mastodon.
    Hs2019,
}

/// A parsed `Signature` header. Build it with [`parse_signature_header`]; every field has been
/// checked for form (not for truth: that is [`verify_request`]'s job).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureParams {
    key_id: String,
    algorithm: Algorithm,
    headers: Vec<String>,
    signature: Vec<u8>,
    created: Option<String>,
    expires: Option<String>,
}

impl SignatureParams {
    /// The `keyId`: normally the URL of the signer's key (`https://host/users/alice#main-key`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The signed header names, lowercase, in signing order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The `created` parameter (Unix seconds, digits only), if any.
    pub fn created(&self) -> Option<&str> {
        self.created.as_deref()
    }

    /// The `expires` parameter (Unix seconds, possibly with a fraction), if any.
    pub fn expires(&self) -> Option<&str> {
        self.expires.as_deref()
    }

    fn covers(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h == name)
    }
}

/// Parses a `Signature` header value (draft-cavage §4.1): comma-separated `name=value`
/// parameters, values quoted (with `\` escapes) or bare tokens, optional whitespace around
/// `=` and `,`, and an old `Signature ` prefix tolerated as Mastodon does.
///
/// `keyId` and `signature` (base64, padding optional) are required; `algorithm` must be
/// `rsa-sha256` or `hs2019` (absent means `hs2019`, as in Mastodon); `headers` defaults to
/// `date` for `rsa-sha256` and to `(created)` for `hs2019` (draft-cavage-12 and Mastodon);
/// `created`/`expires` must be Unix times. Parameter names are matched case-insensitively; an
/// unknown parameter is ignored, a repeated one refused.
pub fn parse_signature_header(value: &str) -> Result<SignatureParams, SignatureError> {
    if value.len() > MAX_SIGNATURE_HEADER_LEN {
        return Err(SignatureError::Malformed("the header is too long"));
    }
    let value = value.trim_matches(is_ows);
    if value.is_empty() {
        return Err(SignatureError::Missing);
    }
    let value = value.strip_prefix("Signature ").unwrap_or(value);

    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut created = None;
    let mut expires = None;
    let mut seen: Vec<String> = Vec::new();

    for (name, param) in Params::new(value) {
        let param = param?;
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(SignatureError::Malformed("a parameter is repeated"));
        }
        let slot = match lower.as_str() {
            "keyid" => &mut key_id,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "signature" => &mut signature,
            "created" => &mut created,
            "expires" => &mut expires,
            _ => {
                seen.push(lower);
                continue;
            }
        };
        *slot = Some(param);
        seen.push(lower);
    }

    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or(SignatureError::Malformed("keyId is missing"))?
        .into_owned();

    let algorithm = match algorithm.as_deref() {
        None => Algorithm::Hs2019,
        Some(a) if a.eq_ignore_ascii_case("rsa-sha256") => Algorithm::RsaSha256,
        Some(a) if a.eq_ignore_ascii_case("hs2019") => Algorithm::Hs2019,
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(truncate(other))),
    };

    let headers: Vec<String> = match headers.as_deref() {
        None => vec![match algorithm {
            Algorithm::RsaSha256 => "date".to_owned(),
            Algorithm::Hs2019 => "(created)".to_owned(),
        }],
        Some(list) => list
            .split_ascii_whitespace()
            .map(|h| {
                let h = h.to_ascii_lowercase();
                let valid = match h.as_str() {
                    "(request-target)" | "(created)" | "(expires)" => true,
                    other => other.bytes().all(is_tchar),
                };
                if valid {
                    Ok(h)
                } else {
                    Err(SignatureError::Malformed(
                        "headers names an unknown header form",
                    ))
                }
            })
            .collect::<Result<_, _>>()?,
    };
    if headers.is_empty() {
        return Err(SignatureError::Malformed("headers is empty"));
    }

    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or(SignatureError::Malformed("signature is missing"))?;
    let signature = LENIENT_BASE64
        .decode(signature.as_bytes())
        .map_err(|_| SignatureError::Malformed("signature is not base64"))?;
    if signature.is_empty() {
        return Err(SignatureError::Malformed("signature is empty"));
    }

    let created = created.map(|c| c.into_owned());
    if let Some(c) = &created {
        if c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SignatureError::Malformed("created is not a Unix time"));
        }
    }
    let expires = expires.map(|e| e.into_owned());
    if let Some(e) = &expires {
        let (whole, fraction) = e.split_once('.').unwrap_or((e, "0"));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(SignatureError::Malformed("expires is not a Unix time"));
        }
    }

    Ok(SignatureParams {
        key_id,
        algorithm,
        headers,
        signature,
        created,
        expires,
    })
}

/// Optional whitespace (RFC 9110 OWS/BWS).
fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A token character (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Attacker-chosen text, shortened for error messages and logs.
fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Iterates over `name=value` parameters; stops after the first error.
struct Params<'a> {
    rest: &'a str,
    failed: bool,
}

impl<'a> Params<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            rest: input,
            failed: false,
        }
    }

    fn fail(
        &mut self,
        why: &'static str,
    ) -> Option<(&'a str, Result<Cow<'a, str>, SignatureError>)> {
        self.failed = true;
        Some(("", Err(SignatureError::Malformed(why))))
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = (&'a str, Result<Cow<'a, str>, SignatureError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let rest = self.rest;
        let name_len = rest.bytes().take_while(|b| is_tchar(*b)).count();
        if name_len == 0 {
            return self.fail("expected a parameter name");
        }
        let (name, rest) = rest.split_at(name_len);
        let rest = rest.trim_start_matches(is_ows);
        let Some(rest) = rest.strip_prefix('=') else {
            return self.fail("expected = after a parameter name");
        };
        let rest = rest.trim_start_matches(is_ows);

        let (value, rest) = if let Some(quoted) = rest.strip_prefix('"') {
            let mut value: Option<String> = None; // allocated only when there are escapes
            let mut end = None;
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    '\\' => {
                        let Some((_, escaped)) = chars.next() else {
                            break;
                        };
                        value
                            .get_or_insert_with(|| quoted[..i].to_owned())
                            .push(escaped);
                    }
                    c if c.is_control() && c != '\t' => {
                        return self.fail("a control character in a quoted value");
                    }
                    c => {
                        if let Some(v) = value.as_mut() {
                            v.push(c);
                        }
                    }
                }
            }
            let Some(end) = end else {
                return self.fail("an unterminated quoted value");
            };
            let value = match value {
                Some(v) => Cow::Owned(v),
                None => Cow::Borrowed(&quoted[..end]),
            };
            (value, &quoted[end + 1..])
        } else {
            let len = rest.bytes().take_while(|b| is_tchar(*b)).count();
            if len == 0 {
                return self.fail("expected a parameter value");
            }
            (Cow::Borrowed(&rest[..len]), &rest[len..])
        };

        let rest = rest.trim_start_matches(is_ows);
        if rest.is_empty() {
            self.rest = rest;
        } else if let Some(after_comma) = rest.strip_prefix(',') {
            let after_comma = after_comma.trim_start_matches(is_ows);
            if after_comma.is_empty() {
                return self.fail("a trailing comma");
            }
            self.rest = after_comma;
        } else {
            return self.fail("expected a comma between parameters");
        }
        Some((name, Ok(value)))
    }
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
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};

    // Fixtures. The keys were generated once with OpenSSL 3 (`openssl genpkey -algorithm RSA
    // -pkeyopt rsa_keygen_bits:2048`, then `openssl rsa -traditional` / `-RSAPublicKey_out` for
    // the PKCS#1 forms) and serve only these tests. The golden signatures were computed with
    // `openssl dgst -sha256 -sign`, independently of this module.

    const KEY_ID: &str = "https://rookery.example/users/alice#main-key";
    const HOST: &str = "remote.example";
    /// 2024-03-09T12:00:00Z, the frozen "now" of every test.
    const NOW_UNIX: i64 = 1_709_985_600;
    const DATE: &str = "Sat, 09 Mar 2024 12:00:00 GMT";
    const CONTENT_TYPE: &str = "application/activity+json";
    const BODY: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","actor":"https://rookery.example/users/alice","object":"https://remote.example/users/bob"}"#;
    const BODY_DIGEST: &str = "SHA-256=XVYfaaHG4/koIyik7SOH5TUos2s4Ps62d6QtbFvTT4Q=";

    const POST_SIGNING_STRING: &str = "(request-target): post /users/bob/inbox\n\
        host: remote.example\n\
        date: Sat, 09 Mar 2024 12:00:00 GMT\n\
        digest: SHA-256=XVYfaaHG4/koIyik7SOH5TUos2s4Ps62d6QtbFvTT4Q=\n\
        content-type: application/activity+json";
    const POST_SIGNATURE: &str = "SuWU6nRhRmVGmvouLDoRHePjHugIB3FNSw5paJ8Sn2qzV6NOAmwPnLYoQzYOttmQ9aLTyE8XLMg5CGVxxG/j3yAZ5zgEJ6Mj65eK2MW59faMikXqdQDpBNFuXQ51FyLVhQ7MjCNgeu9CNRBclPd7EUvubz4raXOJBhpD9hPUvuEBTKZazu3u6oLLRvWe/kliQ/zGLGPcRvXPbMl+M1XXIDkPB98S5/bUY1U7kd3tK0x2ay21ygmjLq0pkoMDPPXICovIHxUbmHaIC2qFPPPUjhXxPTPFGrhfaCiZg1i9NMb8vAuZkbTXUa8y5rCWUm40UZIfJaCPEtxB0B6CkWhP+w==";

    const GET_SIGNING_STRING: &str = "(request-target): get /users/bob\n\
        host: remote.example\n\
        date: Sat, 09 Mar 2024 12:00:00 GMT";
    const GET_SIGNATURE: &str = "1bacyOc8QvP6yS0Mt66G2JigpF8YL7koLg4ThXa5KAcACwiKTdAzz7LyXNfQSiZ7YZ0zD6Lj1zXzriaXw6E2ZikkeERXLXSEmr5ODpq1eJP+FXP4qTr1Lxu2htPQNwwzSoa+lUDw7CzVm/B4itlXHcsO72HZurriD2CIZWYwYMIDnZY2MDp0X2DhyZn0Lhq90P3EKKNk0PMZ59xjCGeJtRij2xtIOPOEW7KFZeILzL6yCZIw26/BiCg6JdVQsWW3eyxkRcf8ecrQdNYznswnnU4ZRqCe98toAXUDDGCn/HKBsaI+SfvWfCdnTBCYUtnsP9EIKG2smb6SyRmoyLV3Pw==";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(NOW_UNIX, 0).expect("a valid timestamp")
    }

    fn key_a() -> SigningKey {
        SigningKey::from_pem(KEY_A_PKCS8).expect("key A parses")
    }

    fn public_a() -> VerifyingKey {
        VerifyingKey::from_pem(PUBLIC_A_SPKI).expect("public key A parses")
    }

    /// A request as the inbox sees it.
    #[derive(Clone, Debug)]
    struct Request {
        method: String,
        path: String,
        query: Option<String>,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    }

    impl Request {
        fn set(&mut self, name: &str, value: &str) {
            self.headers.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                HeaderValue::from_str(value).expect("a header value"),
            );
        }

        fn remove(&mut self, name: &str) {
            self.headers.remove(name);
        }

        fn signature_header(&self) -> String {
            self.headers
                .get("signature")
                .and_then(|v| v.to_str().ok())
                .expect("a Signature header")
                .to_owned()
        }

        /// Replaces `from` by `to` in the Signature header.
        fn edit_signature(&mut self, from: &str, to: &str) {
            let edited = self.signature_header().replace(from, to);
            assert_ne!(
                edited,
                self.signature_header(),
                "the edit must change something"
            );
            self.set("signature", &edited);
        }

        fn target(&self) -> String {
            match &self.query {
                Some(q) => format!("{}?{q}", self.path),
                None => self.path.clone(),
            }
        }

        fn verify_with(
            &self,
            key: &VerifyingKey,
            now: DateTime<Utc>,
        ) -> Result<(), SignatureError> {
            let params = parse_signature_header(&self.signature_header())?;
            verify_request(
                &params,
                &self.method,
                &self.path,
                self.query.as_deref(),
                &self.headers,
                self.body.as_deref(),
                key,
                now,
            )
        }

        fn verify(&self) -> Result<(), SignatureError> {
            self.verify_with(&public_a(), now())
        }

        /// Signs this request anew with key A over `names`, with extra parameters.
        fn resign(
            &mut self,
            names: &[&str],
            algorithm: &str,
            created: Option<&str>,
            expires: Option<&str>,
        ) {
            let string = signing_string(
                names,
                &self.method,
                &self.target(),
                created,
                expires,
                &self.headers,
            )
            .expect("the signing string builds");
            let signature = STANDARD.encode(key_a().sign(string.as_bytes()));
            let mut header = format!(
                "keyId=\"{KEY_ID}\",algorithm=\"{algorithm}\",headers=\"{}\"",
                names.join(" ")
            );
            if let Some(c) = created {
                header.push_str(&format!(",created={c}"));
            }
            if let Some(e) = expires {
                header.push_str(&format!(",expires={e}"));
            }
            header.push_str(&format!(",signature=\"{signature}\""));
            self.set("signature", &header);
        }
    }

    /// Signs a request with key A through [`sign_request`] and returns it as received.
    fn signed(
        method: &str,
        path: &str,
        query: Option<&str>,
        date: &str,
        body: Option<&[u8]>,
    ) -> Request {
        let mut request = Request {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers: HeaderMap::new(),
            body: body.map(<[u8]>::to_vec),
        };
        let content_type = body.map(|_| CONTENT_TYPE);
        let signed = sign_request(
            &key_a(),
            KEY_ID,
            method,
            &request.target(),
            HOST,
            date,
            body,
            content_type,
        );
        request.set("host", HOST);
        if let Some(ct) = content_type {
            request.set("content-type", ct);
        }
        for (name, value) in signed.pairs() {
            request.set(name, value);
        }
        request
    }

    fn post() -> Request {
        signed("POST", "/users/bob/inbox", None, DATE, Some(BODY))
    }

    fn get() -> Request {
        signed("GET", "/users/bob", None, DATE, None)
    }

    // --- Golden values --------------------------------------------------------------------

    #[test]
    fn golden_post() {
        let headers = sign_request(
            &key_a(),
            KEY_ID,
            "POST",
            "/users/bob/inbox",
            HOST,
            DATE,
            Some(BODY),
            Some(CONTENT_TYPE),
        );
        assert_eq!(headers.date, DATE);
        assert_eq!(headers.digest.as_deref(), Some(BODY_DIGEST));
        assert_eq!(
            headers.signature,
            format!(
                "keyId=\"{KEY_ID}\",algorithm=\"rsa-sha256\",\
                 headers=\"(request-target) host date digest content-type\",\
                 signature=\"{POST_SIGNATURE}\""
            )
        );
        let request = post();
        let string = signing_string(
            &["(request-target)", "host", "date", "digest", "content-type"],
            "POST",
            "/users/bob/inbox",
            None,
            None,
            &request.headers,
        );
        assert_eq!(string.as_deref(), Ok(POST_SIGNING_STRING));
        assert_eq!(
            STANDARD.encode(key_a().sign(POST_SIGNING_STRING.as_bytes())),
            POST_SIGNATURE
        );
        assert_eq!(request.verify(), Ok(()));
    }

    #[test]
    fn golden_get() {
        let headers = sign_request(
            &key_a(),
            KEY_ID,
            "GET",
            "/users/bob",
            HOST,
            DATE,
            None,
            None,
        );
        assert_eq!(headers.digest, None);
        assert_eq!(
            headers.signature,
            format!(
                "keyId=\"{KEY_ID}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",\
                 signature=\"{GET_SIGNATURE}\""
            )
        );
        assert_eq!(
            headers.pairs().collect::<Vec<_>>(),
            vec![("date", DATE), ("signature", headers.signature.as_str())]
        );
        let request = get();
        let string = signing_string(
            &["(request-target)", "host", "date"],
            "GET",
            "/users/bob",
            None,
            None,
            &request.headers,
        );
        assert_eq!(string.as_deref(), Ok(GET_SIGNING_STRING));
        assert_eq!(request.verify(), Ok(()));
    }

    #[test]
    fn pkcs1_private_key_signs_identically() {
        let pkcs1 = SigningKey::from_pem(KEY_A_PKCS1).expect("PKCS#1 key A parses");
        assert_eq!(
            STANDARD.encode(pkcs1.sign(POST_SIGNING_STRING.as_bytes())),
            POST_SIGNATURE
        );
        assert_eq!(
            STANDARD.encode(pkcs1.sign(GET_SIGNING_STRING.as_bytes())),
            GET_SIGNATURE
        );
        assert_eq!(pkcs1.bits(), 2048);
    }

    #[test]
    fn verifies_with_spki_and_pkcs1_public_keys() {
        let spki = VerifyingKey::from_pem(PUBLIC_A_SPKI).expect("SPKI parses");
        let pkcs1 = VerifyingKey::from_pem(PUBLIC_A_PKCS1).expect("PKCS#1 parses");
        // CRLF line endings and surrounding whitespace, as some servers publish them.
        let crlf =
            VerifyingKey::from_pem(&format!("\n {}\n", PUBLIC_A_PKCS1.replace('\n', "\r\n")))
                .expect("PKCS#1 with CRLF parses");
        let derived = key_a().verifying_key();
        for key in [&spki, &pkcs1, &crlf, &derived] {
            assert_eq!(key.bits(), 2048);
            assert_eq!(post().verify_with(key, now()), Ok(()));
            assert_eq!(get().verify_with(key, now()), Ok(()));
            let golden = STANDARD.decode(POST_SIGNATURE).expect("base64");
            assert_eq!(key.verify(POST_SIGNING_STRING.as_bytes(), &golden), Ok(()));
        }
    }

    #[test]
    fn keys_from_the_crypto_module_round_trip() {
        let (private_pem, public_pem) = crate::crypto::generate_rsa_keypair().expect("a key pair");
        let key = SigningKey::from_pem(&private_pem).expect("generated private key parses");
        let public = VerifyingKey::from_pem(&public_pem).expect("generated public key parses");
        let signed = sign_request(&key, KEY_ID, "GET", "/users/bob", HOST, DATE, None, None);
        let params = parse_signature_header(&signed.signature).expect("parses");
        let headers = |name: &str| match name {
            "host" => Some(HOST.to_owned()),
            "date" => Some(signed.date.clone()),
            _ => None,
        };
        assert_eq!(
            verify_request(
                &params,
                "GET",
                "/users/bob",
                None,
                &headers,
                None,
                &public,
                now()
            ),
            Ok(())
        );
        assert_eq!(
            verify_request(
                &params,
                "GET",
                "/users/bob",
                None,
                &headers,
                None,
                &public_a(),
                now()
            ),
            Err(SignatureError::BadSignature)
        );
    }

    // --- Round trips ----------------------------------------------------------------------

    #[test]
    fn round_trip_with_a_closure_and_odd_method_case() {
        let body = b"{}";
        let signed = sign_request(
            &key_a(),
            KEY_ID,
            "post",
            "/inbox",
            "rookery.test:8080",
            DATE,
            Some(body),
            None,
        );
        let params = parse_signature_header(&signed.signature).expect("parses");
        assert_eq!(params.key_id(), KEY_ID);
        assert_eq!(params.algorithm(), Algorithm::RsaSha256);
        assert_eq!(
            params.headers(),
            ["(request-target)", "host", "date", "digest"]
        );
        let headers = |name: &str| match name {
            "host" => Some("rookery.test:8080".to_owned()),
            "date" => Some(signed.date.clone()),
            "digest" => signed.digest.clone(),
            _ => None,
        };
        assert_eq!(
            verify_request(
                &params,
                "POST",
                "/inbox",
                None,
                &headers,
                Some(body),
                &public_a(),
                now()
            ),
            Ok(())
        );
    }

    #[test]
    fn key_ids_with_quotes_are_escaped_and_round_trip() {
        let signed = sign_request(
            &key_a(),
            r#"https://x.example/a"b\c"#,
            "GET",
            "/",
            HOST,
            DATE,
            None,
            None,
        );
        assert!(signed
            .signature
            .starts_with(r#"keyId="https://x.example/a\"b\\c","#));
        let params = parse_signature_header(&signed.signature).expect("parses");
        assert_eq!(params.key_id(), r#"https://x.example/a"b\c"#);
    }

    #[test]
    fn multiple_header_values_are_joined() {
        let mut request = get();
        request
            .headers
            .append("x-multi", HeaderValue::from_static("a"));
        request
            .headers
            .append("x-multi", HeaderValue::from_static(" b "));
        let string = signing_string(&["X-Multi"], "GET", "/", None, None, &request.headers);
        assert_eq!(string.as_deref(), Ok("x-multi: a, b"));
        request.resign(
            &["(request-target)", "host", "date", "x-multi"],
            "rsa-sha256",
            None,
            None,
        );
        assert_eq!(request.verify(), Ok(()));
    }

    // --- Mutations: any single change must fail ---------------------------------------------

    #[test]
    fn mutated_method_fails() {
        let mut request = post();
        request.method = "PUT".to_owned();
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
        let mut request = get();
        request.method = "HEAD".to_owned();
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
    }

    #[test]
    fn mutated_path_fails() {
        for path in [
            "/users/bob/inbox/",
            "/users/BOB/inbox",
            "/inbox",
            "/users/bob/inbox%20",
        ] {
            let mut request = post();
            request.path = path.to_owned();
            assert_eq!(
                request.verify(),
                Err(SignatureError::BadSignature),
                "{path}"
            );
        }
    }

    #[test]
    fn mutated_query_fails() {
        let mut request = signed("GET", "/users/bob/outbox", Some("page=true"), DATE, None);
        assert_eq!(request.verify(), Ok(()));
        request.query = Some("page=false".to_owned());
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
        request.query = None;
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
    }

    #[test]
    fn mutated_host_fails() {
        let mut request = post();
        request.set("host", "evil.example");
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
        request.remove("host");
        assert_eq!(
            request.verify(),
            Err(SignatureError::MissingHeader("host".to_owned()))
        );
    }

    #[test]
    fn mutated_date_fails() {
        let mut request = post();
        request.set("date", "Sat, 09 Mar 2024 12:00:01 GMT");
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
        request.set("date", "yesterday");
        assert_eq!(request.verify(), Err(SignatureError::InvalidDate));
        request.remove("date");
        assert_eq!(
            request.verify(),
            Err(SignatureError::MissingHeader("date".to_owned()))
        );
    }

    #[test]
    fn date_13_hours_old_is_refused() {
        let date = http_date(now() - TimeDelta::hours(13));
        let request = signed("POST", "/users/bob/inbox", None, &date, Some(BODY));
        assert_eq!(request.verify(), Err(SignatureError::DateOutOfWindow));
        // The same request was fine when it was young.
        assert_eq!(
            request.verify_with(&public_a(), now() - TimeDelta::hours(12)),
            Ok(())
        );
    }

    #[test]
    fn date_2_hours_ahead_is_refused() {
        let date = http_date(now() + TimeDelta::hours(2));
        let request = signed("GET", "/users/bob", None, &date, None);
        assert_eq!(request.verify(), Err(SignatureError::DateOutOfWindow));
    }

    #[test]
    fn window_edges_are_accepted() {
        for offset in [
            TimeDelta::hours(-12),
            TimeDelta::hours(1),
            TimeDelta::zero(),
        ] {
            let request = signed("GET", "/users/bob", None, &http_date(now() + offset), None);
            assert_eq!(request.verify(), Ok(()), "{offset}");
        }
        for offset in [
            TimeDelta::hours(-12) - TimeDelta::seconds(1),
            TimeDelta::hours(1) + TimeDelta::seconds(1),
        ] {
            let request = signed("GET", "/users/bob", None, &http_date(now() + offset), None);
            assert_eq!(
                request.verify(),
                Err(SignatureError::DateOutOfWindow),
                "{offset}"
            );
        }
    }

    #[test]
    fn rfc2822_dates_with_numeric_zones_are_read() {
        let mut request = get();
        request.set("date", "Sat, 09 Mar 2024 13:00:00 +0100");
        request.resign(
            &["(request-target)", "host", "date"],
            "rsa-sha256",
            None,
            None,
        );
        assert_eq!(request.verify(), Ok(()));
    }

    #[test]
    fn mutated_digest_header_fails() {
        let mut request = post();
        request.set("digest", &digest_header(b"something else"));
        assert_eq!(request.verify(), Err(SignatureError::DigestMismatch));
    }

    #[test]
    fn mutated_body_fails() {
        let mut request = post();
        let mut body = BODY.to_vec();
        body[10] ^= 1;
        request.body = Some(body.clone());
        assert_eq!(request.verify(), Err(SignatureError::DigestMismatch));
        request.body = None;
        assert_eq!(request.verify(), Err(SignatureError::DigestMismatch));
        // Body and Digest changed together: the digest is signed, so the signature breaks.
        request.body = Some(body.clone());
        request.set("digest", &digest_header(&body));
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
    }

    #[test]
    fn digest_name_is_case_insensitive_and_other_algorithms_are_ignored() {
        let mut request = post();
        let value = BODY_DIGEST.trim_start_matches("SHA-256=");
        request.set("digest", &format!("SHA-512=AAAA, sha-256={value}"));
        request.resign(
            &["(request-target)", "host", "date", "digest"],
            "rsa-sha256",
            None,
            None,
        );
        assert_eq!(request.verify(), Ok(()));
    }

    #[test]
    fn digest_without_sha256_is_refused() {
        let mut request = post();
        for digest in [
            "SHA-512=AAAA",
            "SHA-256=",
            "SHA-256=!!!",
            "SHA-256=AAAA",
            "garbage",
        ] {
            request.set("digest", digest);
            assert_eq!(
                request.verify(),
                Err(SignatureError::UnsupportedDigest),
                "{digest}"
            );
        }
        request.remove("digest");
        assert_eq!(
            request.verify(),
            Err(SignatureError::MissingHeader("digest".to_owned()))
        );
    }

    #[test]
    fn a_body_needs_a_signed_digest() {
        // A GET with a body but no digest.
        let mut request = get();
        request.body = Some(b"payload".to_vec());
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("digest")));
        // A POST always needs one, even with an empty body (as in Mastodon).
        let mut request = signed("POST", "/inbox", None, DATE, None);
        request.resign(
            &["(request-target)", "host", "date"],
            "rsa-sha256",
            None,
            None,
        );
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("digest")));
        // An empty POST with a signed digest of the empty body is fine.
        let request = signed("POST", "/inbox", None, DATE, Some(b""));
        assert_eq!(request.verify(), Ok(()));
    }

    #[test]
    fn dropping_host_from_the_header_list_fails() {
        let mut request = post();
        request.edit_signature("(request-target) host date", "(request-target) date");
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("host")));
        // Honestly signed without host: still refused.
        request.resign(
            &["(request-target)", "date", "digest"],
            "rsa-sha256",
            None,
            None,
        );
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("host")));
    }

    #[test]
    fn dropping_date_from_the_header_list_fails() {
        let mut request = get();
        request.edit_signature("host date", "host");
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("date")));
        request.resign(&["(request-target)", "host"], "rsa-sha256", None, None);
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("date")));
    }

    #[test]
    fn dropping_digest_from_the_header_list_fails() {
        let mut request = post();
        request.edit_signature("date digest content-type", "date content-type");
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("digest")));
        request.resign(
            &["(request-target)", "host", "date", "content-type"],
            "rsa-sha256",
            None,
            None,
        );
        assert_eq!(request.verify(), Err(SignatureError::NotCovered("digest")));
    }

    #[test]
    fn dropping_request_target_from_the_header_list_fails() {
        let mut request = post();
        request.edit_signature("(request-target) host", "host");
        assert_eq!(
            request.verify(),
            Err(SignatureError::NotCovered("(request-target)"))
        );
        request.resign(&["host", "date", "digest"], "rsa-sha256", None, None);
        assert_eq!(
            request.verify(),
            Err(SignatureError::NotCovered("(request-target)"))
        );
    }

    #[test]
    fn reordering_the_header_list_fails() {
        let mut request = get();
        request.edit_signature("(request-target) host date", "host (request-target) date");
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
    }

    #[test]
    fn key_id_pointing_at_another_key_fails() {
        let other = VerifyingKey::from_pem(PUBLIC_B_SPKI).expect("key B parses");
        let mut request = post();
        request.edit_signature(KEY_ID, "https://remote.example/users/mallory#main-key");
        let params = parse_signature_header(&request.signature_header()).expect("parses");
        assert_eq!(
            params.key_id(),
            "https://remote.example/users/mallory#main-key"
        );
        // The caller resolves that keyId to key B, which did not sign.
        assert_eq!(
            request.verify_with(&other, now()),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            get().verify_with(&other, now()),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn mutated_signature_fails() {
        let mut request = get();
        let mut bytes = STANDARD.decode(GET_SIGNATURE).expect("base64");
        bytes[100] ^= 0x01;
        request.edit_signature(GET_SIGNATURE, &STANDARD.encode(&bytes));
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
        // Truncated: a signature of the wrong length.
        request.set(
            "signature",
            &get().signature_header().replace(GET_SIGNATURE, "AAAA"),
        );
        assert_eq!(request.verify(), Err(SignatureError::BadSignature));
    }

    #[test]
    fn unsupported_algorithms_are_refused() {
        for algorithm in [
            "hmac-sha256",
            "rsa-sha512",
            "rsa-sha1",
            "ecdsa-sha256",
            "ed25519",
            "",
        ] {
            let mut request = get();
            request.edit_signature(
                "algorithm=\"rsa-sha256\"",
                &format!("algorithm=\"{algorithm}\""),
            );
            assert_eq!(
                request.verify(),
                Err(SignatureError::UnsupportedAlgorithm(algorithm.to_owned())),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn hs2019_is_accepted() {
        // The algorithm is not part of the signing string: Mastodon's rsa-sha256 signature
        // labelled hs2019 (what several servers send) verifies the same way.
        let mut request = post();
        request.edit_signature("algorithm=\"rsa-sha256\"", "algorithm=\"hs2019\"");
        assert_eq!(request.verify(), Ok(()));
        // So does one without an algorithm parameter (hs2019 by default, as in Mastodon).
        let mut request = get();
        request.edit_signature("algorithm=\"rsa-sha256\",", "");
        let params = parse_signature_header(&request.signature_header()).expect("parses");
        assert_eq!(params.algorithm(), Algorithm::Hs2019);
        assert_eq!(request.verify(), Ok(()));
    }

    #[test]
    fn hs2019_created_and_expires_are_checked() {
        let created = (NOW_UNIX - 60).to_string();
        let expires = (NOW_UNIX + 300).to_string();
        let names = [
            "(request-target)",
            "(created)",
            "(expires)",
            "host",
            "digest",
        ];
        let mut request = post();
        request.remove("date");
        request.resign(&names, "hs2019", Some(&created), Some(&expires));
        let params = parse_signature_header(&request.signature_header()).expect("parses");
        assert_eq!(params.created(), Some(created.as_str()));
        assert_eq!(params.expires(), Some(expires.as_str()));
        assert_eq!(request.verify(), Ok(()));

        // A changed (created) value breaks the signature.
        let mut forged = request.clone();
        forged.edit_signature(
            &format!("created={created}"),
            &format!("created={}", NOW_UNIX - 61),
        );
        assert_eq!(forged.verify(), Err(SignatureError::BadSignature));

        // Expired more than the clock skew ago.
        let late = now() + TimeDelta::seconds(300) + CLOCK_SKEW + TimeDelta::seconds(1);
        assert_eq!(
            request.verify_with(&public_a(), late),
            Err(SignatureError::DateOutOfWindow)
        );
        // Created too long ago, or too far ahead.
        assert_eq!(
            request.verify_with(&public_a(), now() + TimeDelta::hours(13)),
            Err(SignatureError::DateOutOfWindow)
        );
        assert_eq!(
            request.verify_with(&public_a(), now() - TimeDelta::hours(2)),
            Err(SignatureError::DateOutOfWindow)
        );

        // (created) listed but the parameter absent.
        let mut missing = request.clone();
        missing.edit_signature(&format!(",created={created}"), "");
        assert_eq!(
            missing.verify(),
            Err(SignatureError::MissingHeader("(created)".to_owned()))
        );

        // A fractional expires is accepted.
        let mut fraction = post();
        fraction.resign(
            &["(request-target)", "host", "date", "digest", "(expires)"],
            "hs2019",
            None,
            Some(&format!("{expires}.5")),
        );
        assert_eq!(fraction.verify(), Ok(()));
    }

    #[test]
    fn created_and_expires_are_refused_with_rsa_sha256() {
        let created = NOW_UNIX.to_string();
        let mut request = post();
        request.resign(
            &["(request-target)", "(created)", "host", "date", "digest"],
            "rsa-sha256",
            Some(&created),
            None,
        );
        assert!(matches!(
            request.verify(),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn unsigned_created_is_ignored() {
        // A `created` parameter outside the signed list cannot rescue an old Date.
        let date = http_date(now() - TimeDelta::hours(13));
        let mut request = signed("GET", "/users/bob", None, &date, None);
        request.edit_signature(
            "algorithm=\"rsa-sha256\"",
            &format!("algorithm=\"hs2019\",created={NOW_UNIX}"),
        );
        assert_eq!(request.verify(), Err(SignatureError::DateOutOfWindow));
    }

    #[test]
    fn query_string_is_checked_in_both_forms() {
        // Signed with the query (current Mastodon, GoToSocial): verifies.
        let with = signed(
            "GET",
            "/users/bob/outbox",
            Some("page=true&min_id=1"),
            DATE,
            None,
        );
        assert_eq!(with.verify(), Ok(()));
        // Signed without it (older Mastodon) while the request has one: verifies too.
        let mut without = signed("GET", "/users/bob/outbox", None, DATE, None);
        without.query = Some("page=true".to_owned());
        assert_eq!(without.verify(), Ok(()));
        // An empty query is no query.
        let mut empty = signed("GET", "/users/bob/outbox", None, DATE, None);
        empty.query = Some(String::new());
        assert_eq!(empty.verify(), Ok(()));
        // The path still counts in the fallback form.
        without.path = "/users/bob/followers".to_owned();
        assert_eq!(without.verify(), Err(SignatureError::BadSignature));
    }

    #[test]
    fn signed_headers_missing_from_the_request_are_refused() {
        let mut request = get();
        request.set("x-custom", "1");
        request.set("accept", "");
        request.resign(
            &["(request-target)", "host", "date", "accept", "x-custom"],
            "rsa-sha256",
            None,
            None,
        );
        assert_eq!(request.verify(), Ok(()), "an empty value is still a value");
        request.remove("x-custom");
        assert_eq!(
            request.verify(),
            Err(SignatureError::MissingHeader("x-custom".to_owned()))
        );
    }

    // --- Parsing ----------------------------------------------------------------------------

    #[test]
    fn parses_mastodon_headers() {
        let header = format!(
            "keyId=\"{KEY_ID}\",algorithm=\"rsa-sha256\",\
             headers=\"(request-target) host date digest content-type\",\
             signature=\"{POST_SIGNATURE}\""
        );
        let params = parse_signature_header(&header).expect("parses");
        assert_eq!(params.key_id(), KEY_ID);
        assert_eq!(params.algorithm(), Algorithm::RsaSha256);
        assert_eq!(
            params.headers(),
            ["(request-target)", "host", "date", "digest", "content-type"]
        );
        assert_eq!(
            params.signature(),
            STANDARD.decode(POST_SIGNATURE).expect("base64")
        );
        assert_eq!(params.created(), None);
        assert_eq!(params.expires(), None);
    }

    #[test]
    fn parsing_tolerates_whitespace_tokens_escapes_case_and_the_old_prefix() {
        let unpadded = GET_SIGNATURE.trim_end_matches('=');
        let header = format!(
            "Signature keyId = \"a\\\"b\" ,\talgorithm=hs2019, Headers=\"(Request-Target)  HOST\tdate\", \
             signature=\"{unpadded}\", unknown=\"ignored\", created=1709985600, expires=1709985900.25"
        );
        let params = parse_signature_header(&header).expect("parses");
        assert_eq!(params.key_id(), "a\"b");
        assert_eq!(params.algorithm(), Algorithm::Hs2019);
        assert_eq!(params.headers(), ["(request-target)", "host", "date"]);
        assert_eq!(
            params.signature(),
            STANDARD.decode(GET_SIGNATURE).expect("base64")
        );
        assert_eq!(params.created(), Some("1709985600"));
        assert_eq!(params.expires(), Some("1709985900.25"));
    }

    #[test]
    fn headers_parameter_defaults() {
        let rsa = parse_signature_header("keyId=\"k\",algorithm=\"rsa-sha256\",signature=\"AAAA\"")
            .expect("parses");
        assert_eq!(rsa.headers(), ["date"]);
        let hs = parse_signature_header("keyId=\"k\",signature=\"AAAA\"").expect("parses");
        assert_eq!(hs.headers(), ["(created)"]);
        // Either default is too weak for this server.
        let request = get();
        let weak = parse_signature_header(&format!(
            "keyId=\"k\",algorithm=\"rsa-sha256\",signature=\"{GET_SIGNATURE}\""
        ))
        .expect("parses");
        assert_eq!(
            verify_request(
                &weak,
                "GET",
                "/users/bob",
                None,
                &request.headers,
                None,
                &public_a(),
                now()
            ),
            Err(SignatureError::NotCovered("(request-target)"))
        );
    }

    #[test]
    fn hostile_headers_are_refused_without_panicking() {
        let long = "a".repeat(MAX_SIGNATURE_HEADER_LEN + 1);
        let huge_key = format!(
            "keyId=\"{}\",signature=\"AAAA\"",
            "k".repeat(MAX_SIGNATURE_HEADER_LEN)
        );
        let cases: Vec<(&str, SignatureError)> = vec![
            ("", SignatureError::Missing),
            ("   \t ", SignatureError::Missing),
            (&long, SignatureError::Malformed("the header is too long")),
            (
                &huge_key,
                SignatureError::Malformed("the header is too long"),
            ),
            (
                "keyId=\"abc",
                SignatureError::Malformed("an unterminated quoted value"),
            ),
            (
                "keyId=\"abc\\",
                SignatureError::Malformed("an unterminated quoted value"),
            ),
            (
                "keyId=\"abc\",signature=\"AAAA",
                SignatureError::Malformed("an unterminated quoted value"),
            ),
            (
                "keyId=abc\",signature=\"AAAA\"",
                SignatureError::Malformed("expected a comma between parameters"),
            ),
            (
                "keyId=\"k\" signature=\"AAAA\"",
                SignatureError::Malformed("expected a comma between parameters"),
            ),
            (
                "keyId=\"k\",signature=\"AAAA\",",
                SignatureError::Malformed("a trailing comma"),
            ),
            (
                "keyId=\"k\",,signature=\"AAAA\"",
                SignatureError::Malformed("expected a parameter name"),
            ),
            (
                "=\"k\"",
                SignatureError::Malformed("expected a parameter name"),
            ),
            (
                "keyId",
                SignatureError::Malformed("expected = after a parameter name"),
            ),
            (
                "keyId=",
                SignatureError::Malformed("expected a parameter value"),
            ),
            (
                "keyId=,signature=\"AAAA\"",
                SignatureError::Malformed("expected a parameter value"),
            ),
            (
                "keyId=\"a\nb\",signature=\"AAAA\"",
                SignatureError::Malformed("a control character in a quoted value"),
            ),
            (
                "keyId=\"k\",keyId=\"l\",signature=\"AAAA\"",
                SignatureError::Malformed("a parameter is repeated"),
            ),
            (
                "keyId=\"k\",KEYID=\"l\",signature=\"AAAA\"",
                SignatureError::Malformed("a parameter is repeated"),
            ),
            (
                "keyId=\"k\",x=1,x=2,signature=\"AAAA\"",
                SignatureError::Malformed("a parameter is repeated"),
            ),
            (
                "signature=\"AAAA\"",
                SignatureError::Malformed("keyId is missing"),
            ),
            (
                "keyId=\"\",signature=\"AAAA\"",
                SignatureError::Malformed("keyId is missing"),
            ),
            (
                "keyId=\"k\"",
                SignatureError::Malformed("signature is missing"),
            ),
            (
                "keyId=\"k\",signature=\"\"",
                SignatureError::Malformed("signature is missing"),
            ),
            (
                "keyId=\"k\",signature=\"not base64!\"",
                SignatureError::Malformed("signature is not base64"),
            ),
            (
                "keyId=\"k\",signature=\"A\"",
                SignatureError::Malformed("signature is not base64"),
            ),
            (
                "keyId=\"k\",signature=\"====\"",
                SignatureError::Malformed("signature is not base64"),
            ),
            (
                "keyId=\"k\",headers=\"\",signature=\"AAAA\"",
                SignatureError::Malformed("headers is empty"),
            ),
            (
                "keyId=\"k\",headers=\"(foo) date\",signature=\"AAAA\"",
                SignatureError::Malformed("headers names an unknown header form"),
            ),
            (
                "keyId=\"k\",headers=\"da:te\",signature=\"AAAA\"",
                SignatureError::Malformed("headers names an unknown header form"),
            ),
            (
                "keyId=\"k\",created=\"-1\",signature=\"AAAA\"",
                SignatureError::Malformed("created is not a Unix time"),
            ),
            (
                "keyId=\"k\",created=\"\",signature=\"AAAA\"",
                SignatureError::Malformed("created is not a Unix time"),
            ),
            (
                "keyId=\"k\",expires=1.,signature=\"AAAA\"",
                SignatureError::Malformed("expires is not a Unix time"),
            ),
            (
                "keyId=\"k\",expires=soon,signature=\"AAAA\"",
                SignatureError::Malformed("expires is not a Unix time"),
            ),
            (
                "keyId=\"k\",algorithm=\"\u{e9}\",signature=\"AAAA\"",
                SignatureError::UnsupportedAlgorithm("\u{e9}".to_owned()),
            ),
            (
                "\u{0}\u{1}\u{2}",
                SignatureError::Malformed("expected a parameter name"),
            ),
            (
                "\u{e9}\u{e9}=\u{1f600}",
                SignatureError::Malformed("expected a parameter name"),
            ),
            (
                "k=\u{1f600}",
                SignatureError::Malformed("expected a parameter value"),
            ),
        ];
        for (header, expected) in cases {
            assert_eq!(parse_signature_header(header), Err(expected), "{header:?}");
        }
        // A long attacker-chosen algorithm name is truncated in the error.
        let long_algorithm = format!(
            "keyId=\"k\",algorithm=\"{}\",signature=\"AAAA\"",
            "x".repeat(1000)
        );
        match parse_signature_header(&long_algorithm) {
            Err(SignatureError::UnsupportedAlgorithm(name)) => assert_eq!(name.len(), 64),
            other => panic!("unexpected {other:?}"),
        }
        // A large far-future created/expires does not overflow the time arithmetic.
        let mut request = post();
        request.resign(
            &["(request-target)", "host", "date", "digest", "(expires)"],
            "hs2019",
            None,
            Some("99999999999"),
        );
        assert_eq!(request.verify(), Ok(()));
        request.resign(
            &["(request-target)", "host", "date", "digest", "(expires)"],
            "hs2019",
            None,
            Some("99999999999999999999"),
        );
        assert_eq!(request.verify(), Err(SignatureError::InvalidDate));
    }

    #[test]
    fn every_prefix_of_a_valid_header_is_handled() {
        let header = post().signature_header();
        for (end, _) in header.char_indices() {
            // Never panics; a strict prefix is either refused or (when cut inside the
            // signature) a shorter, wrong signature.
            if let Ok(params) = parse_signature_header(&header[..end]) {
                let request = post();
                assert!(verify_request(
                    &params,
                    "POST",
                    "/users/bob/inbox",
                    None,
                    &request.headers,
                    Some(BODY),
                    &public_a(),
                    now()
                )
                .is_err());
            }
        }
    }

    #[test]
    fn pseudo_random_garbage_never_panics() {
        // A fixed linear congruential generator: reproducible, no dependency.
        let alphabet: Vec<char> = concat!(
            "kKeyId=\"\\, \t()-signature=algorithm=headers=created=expires=",
            "AZaz09+/=\u{e9}\u{1f600}\u{0}\n"
        )
        .chars()
        .collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        let request = get();
        for _ in 0..20_000 {
            let len = next() % 80;
            let garbage: String = (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect();
            if let Ok(params) = parse_signature_header(&garbage) {
                let result = verify_request(
                    &params,
                    "GET",
                    "/users/bob",
                    Some("a"),
                    &request.headers,
                    None,
                    &public_a(),
                    now(),
                );
                assert!(result.is_err(), "{garbage:?}");
            }
        }
    }

    // --- Keys and helpers -------------------------------------------------------------------

    #[test]
    fn unusable_keys_are_refused() {
        let truncated = &KEY_A_PKCS8[..KEY_A_PKCS8.len() / 2];
        for pem in [
            "",
            "garbage",
            PUBLIC_A_SPKI,
            PUBLIC_A_PKCS1,
            truncated,
            KEY_1024_PKCS8,
        ] {
            assert!(
                matches!(
                    SigningKey::from_pem(pem),
                    Err(SignatureError::InvalidKey(_))
                ),
                "{pem}"
            );
        }
        for pem in [
            "",
            "garbage",
            KEY_A_PKCS8,
            KEY_A_PKCS1,
            &PUBLIC_A_SPKI[..200],
            PUBLIC_1024_SPKI,
        ] {
            assert!(
                matches!(
                    VerifyingKey::from_pem(pem),
                    Err(SignatureError::InvalidKey(_))
                ),
                "{pem}"
            );
        }
    }

    #[test]
    fn keys_are_cheap_shareable_and_do_not_print_secrets() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<SigningKey>();
        shareable::<VerifyingKey>();
        let key = key_a();
        let printed = format!("{key:?}");
        assert_eq!(printed, "SigningKey { bits: 2048, .. }");
        let clone = key.clone();
        assert!(Arc::ptr_eq(&key.pair, &clone.pair));
    }

    #[test]
    fn host_and_target_match_what_is_sent() {
        let cases = [
            (
                "https://remote.example/users/bob/inbox",
                "remote.example",
                "/users/bob/inbox",
            ),
            (
                "https://remote.example:443/inbox#frag",
                "remote.example",
                "/inbox",
            ),
            (
                "http://127.0.0.1:8080/outbox?page=true&x=%20",
                "127.0.0.1:8080",
                "/outbox?page=true&x=%20",
            ),
            ("http://[::1]:3000", "[::1]:3000", "/"),
            ("https://Remote.EXAMPLE/a b", "remote.example", "/a%20b"),
        ];
        for (url, host, target) in cases {
            let url = url::Url::parse(url).expect("a URL");
            assert_eq!(
                host_and_target(&url),
                Some((host.to_owned(), target.to_owned())),
                "{url}"
            );
        }
        let no_host = url::Url::parse("data:text/plain,hello").expect("a URL");
        assert_eq!(host_and_target(&no_host), None);
    }

    #[test]
    fn http_date_and_digest_helpers() {
        assert_eq!(http_date(now()), DATE);
        let single_digit_day = DateTime::from_timestamp(784_111_777, 0).expect("a valid timestamp");
        assert_eq!(http_date(single_digit_day), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date(DATE), Ok(now()));
        assert_eq!(
            digest_header(b""),
            "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(digest_header(BODY), BODY_DIGEST);
    }

    // --- Key fixtures -------------------------------------------------------------------

    /// Key A, private, PKCS#8 (the form `crate::crypto` stores).
    const KEY_A_PKCS8: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDeWyFHMPfIGvPV
lfzyeJM6VS6dETnWCbX4FzZ9oABY0nV8G7dCUS2qXPyxTVeopNwGn35MV3gsS2Jw
iT2CWd41CvdLH3lVI/v+OTgDU+/p4Lquh+R8Nxh2jkXPHXdg0pRBJEgYrYkxmjtc
306gJhrcAKrN5sE4hlr6m+g1hyGan57ibrBl2/ABD7zLAm6UhoDcAN+4Ujyx6g49
15PIEebRyeE99VUdImYQODlYYtqXqrif3bsDcSn0s4u+3HJSAgLerwYvudF1I6gA
RYlZEz79ZI19MXQ1Xqi92fIDgTgCEi0GNmvMYF5ox078+tbzERquln2JJTZJPvES
lWZnifJ1AgMBAAECggEAAL4kr7sb5MekRLR2I8Lf2QbI+6jU/OBLmDskSTSkM6fA
++EQJ7ujhP6/sFbuDJ0/spJMpsl3Awzdv2WnS9zBfNi0cpmLEKFTZD9sLrn/IpSd
LbE8rpE04XaAXgdUQKxLZvv4Sq7PtxeeYaUe+zLNYv/p53tWbg99f89OrgPCyrmt
WDYipXvSI9J2r0pZVHt/JCf8Dmh9orC7AEWiHG7vX4t4qiSL71XeCIwt6b9GjNp5
TkLTfODNbqr6+S2L9NnnBs5mlTlLhdNe8BGh2XGQ1g38Ebibwv1qi3cKzTKCu4es
HpJw+kqtvdhsNGoSYhEDwhmxfhq1O/0Ja45k2IY4QQKBgQD4ohVA2QD43d+IAWr6
GKDABWMzqg35zaQELOch+G41vQLBLHprsP23XwflgySRHa44OCun/Sf1wGr4qpP6
rEUIFesN3nhu/0TE5XBtDJ3RkUdFy1xIevvr2KliRIMJzcUR7fxzZTD9s3w4Ptqb
JgHA93oRTh6tk2MW+nqpVeh4NQKBgQDk8bsmIQRVmAG2+bE8WvejCPKYNDeKsfOR
a7Pex39G4nsQia5GPCMU6zcAA8xpGB5sQCv8LWngVbaf888VPs0zpUgL20oPx49z
NKwVGJ4Hcl2llx5gI2xYRXcxbVrW8H12BYrkiw78TpWUQN9G2JTE32oULYmx5ZWZ
qy2pL/VZQQKBgQCVYFvAgB+zZSm8/o0VAOLjOtlk2tBWupPF5mxe3nDoXExhXqWW
OdnU54VJAMdhYCGhqS2hWdk+LoKWL3WEbydyOijkRjq5BSh92xL2kVPn6o6Vgh5J
dYoRIjRx05Oeuj+iDAdWFP+gDMuexzRzbhwzoPt3liWcRyaLUaWMQw7N2QKBgB33
TemltK2HYeITOJGPzo32Y9psK0DqHdlQ4ZAtSIl8p2L4wmjLAkSArQhBdwXidEjy
9U7imtMUJP02qko7mBxEa/OxVjZOhoYrxMJWIIkU/RDpgL5QpKPBI+LCT3uGqsVB
4HYdhW6c0pM/EnpxareCDp5pf3ZbeINOloFol5KBAoGBAJ1AFxzIrvRJwqE1a+ku
bggGTblvfNoTAt/NcArSg9BTuiSUkAqf92rRHhyXWl05WA5JvsXmuv6fMmMb4V9y
Gaym6ZQzEeFdOSTXSBygBZ6QE/gCR6b7Bkb2ytr31mifdOOStspIIbyl+1XHniO4
sFMipIoqiqNtkuEEyWh+4wY+
-----END PRIVATE KEY-----
";

    /// Key A, private, PKCS#1.
    const KEY_A_PKCS1: &str = "\
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEA3lshRzD3yBrz1ZX88niTOlUunRE51gm1+Bc2faAAWNJ1fBu3
QlEtqlz8sU1XqKTcBp9+TFd4LEticIk9glneNQr3Sx95VSP7/jk4A1Pv6eC6rofk
fDcYdo5Fzx13YNKUQSRIGK2JMZo7XN9OoCYa3ACqzebBOIZa+pvoNYchmp+e4m6w
ZdvwAQ+8ywJulIaA3ADfuFI8seoOPdeTyBHm0cnhPfVVHSJmEDg5WGLal6q4n927
A3Ep9LOLvtxyUgIC3q8GL7nRdSOoAEWJWRM+/WSNfTF0NV6ovdnyA4E4AhItBjZr
zGBeaMdO/PrW8xEarpZ9iSU2ST7xEpVmZ4nydQIDAQABAoIBAAC+JK+7G+THpES0
diPC39kGyPuo1PzgS5g7JEk0pDOnwPvhECe7o4T+v7BW7gydP7KSTKbJdwMM3b9l
p0vcwXzYtHKZixChU2Q/bC65/yKUnS2xPK6RNOF2gF4HVECsS2b7+Equz7cXnmGl
HvsyzWL/6ed7Vm4PfX/PTq4Dwsq5rVg2IqV70iPSdq9KWVR7fyQn/A5ofaKwuwBF
ohxu71+LeKoki+9V3giMLem/RozaeU5C03zgzW6q+vkti/TZ5wbOZpU5S4XTXvAR
odlxkNYN/BG4m8L9aot3Cs0ygruHrB6ScPpKrb3YbDRqEmIRA8IZsX4atTv9CWuO
ZNiGOEECgYEA+KIVQNkA+N3fiAFq+higwAVjM6oN+c2kBCznIfhuNb0CwSx6a7D9
t18H5YMkkR2uODgrp/0n9cBq+KqT+qxFCBXrDd54bv9ExOVwbQyd0ZFHRctcSHr7
69ipYkSDCc3FEe38c2Uw/bN8OD7amyYBwPd6EU4erZNjFvp6qVXoeDUCgYEA5PG7
JiEEVZgBtvmxPFr3owjymDQ3irHzkWuz3sd/RuJ7EImuRjwjFOs3AAPMaRgebEAr
/C1p4FW2n/PPFT7NM6VIC9tKD8ePczSsFRieB3JdpZceYCNsWEV3MW1a1vB9dgWK
5IsO/E6VlEDfRtiUxN9qFC2JseWVmastqS/1WUECgYEAlWBbwIAfs2UpvP6NFQDi
4zrZZNrQVrqTxeZsXt5w6FxMYV6lljnZ1OeFSQDHYWAhoaktoVnZPi6Cli91hG8n
cjoo5EY6uQUofdsS9pFT5+qOlYIeSXWKESI0cdOTnro/ogwHVhT/oAzLnsc0c24c
M6D7d5YlnEcmi1GljEMOzdkCgYAd903ppbSth2HiEziRj86N9mPabCtA6h3ZUOGQ
LUiJfKdi+MJoywJEgK0IQXcF4nRI8vVO4prTFCT9NqpKO5gcRGvzsVY2ToaGK8TC
ViCJFP0Q6YC+UKSjwSPiwk97hqrFQeB2HYVunNKTPxJ6cWq3gg6eaX92W3iDTpaB
aJeSgQKBgQCdQBccyK70ScKhNWvpLm4IBk25b3zaEwLfzXAK0oPQU7oklJAKn/dq
0R4cl1pdOVgOSb7F5rr+nzJjG+FfchmspumUMxHhXTkk10gcoAWekBP4Akem+wZG
9sra99Zon3TjkrbKSCG8pftVx54juLBTIqSKKoqjbZLhBMlofuMGPg==
-----END RSA PRIVATE KEY-----
";

    /// Key A, public, SPKI.
    const PUBLIC_A_SPKI: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3lshRzD3yBrz1ZX88niT
OlUunRE51gm1+Bc2faAAWNJ1fBu3QlEtqlz8sU1XqKTcBp9+TFd4LEticIk9glne
NQr3Sx95VSP7/jk4A1Pv6eC6rofkfDcYdo5Fzx13YNKUQSRIGK2JMZo7XN9OoCYa
3ACqzebBOIZa+pvoNYchmp+e4m6wZdvwAQ+8ywJulIaA3ADfuFI8seoOPdeTyBHm
0cnhPfVVHSJmEDg5WGLal6q4n927A3Ep9LOLvtxyUgIC3q8GL7nRdSOoAEWJWRM+
/WSNfTF0NV6ovdnyA4E4AhItBjZrzGBeaMdO/PrW8xEarpZ9iSU2ST7xEpVmZ4ny
dQIDAQAB
-----END PUBLIC KEY-----
";

    /// Key A, public, PKCS#1.
    const PUBLIC_A_PKCS1: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA3lshRzD3yBrz1ZX88niTOlUunRE51gm1+Bc2faAAWNJ1fBu3QlEt
qlz8sU1XqKTcBp9+TFd4LEticIk9glneNQr3Sx95VSP7/jk4A1Pv6eC6rofkfDcY
do5Fzx13YNKUQSRIGK2JMZo7XN9OoCYa3ACqzebBOIZa+pvoNYchmp+e4m6wZdvw
AQ+8ywJulIaA3ADfuFI8seoOPdeTyBHm0cnhPfVVHSJmEDg5WGLal6q4n927A3Ep
9LOLvtxyUgIC3q8GL7nRdSOoAEWJWRM+/WSNfTF0NV6ovdnyA4E4AhItBjZrzGBe
aMdO/PrW8xEarpZ9iSU2ST7xEpVmZ4nydQIDAQAB
-----END RSA PUBLIC KEY-----
";

    /// Another key, public, SPKI.
    const PUBLIC_B_SPKI: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv5Pyd/Kk3oEqCu69AuY6
a/s03n53oTIPpqCdlAonR42VKjbGAEfEIRXoW0ndPijrXxEGPddtt0vEtHo364mX
/aPHlVhOmgOEceosepfrhmS+gFex5TSsKd3R68O7Y/kT1r9BLwCfIAwimM2hGcbm
5Y4YBQq896WtHd7M3wKx6uGOk2uOyXKPC2J2hU+LDPfcpns33KzRFN5HzKyrnQO2
1Dka0T1xFTQDbX7gEjSHkwFvOkIWPnpfdhXzqRfXO6TYe5QUULAVG59DrrLuWJGE
XD46Gc8Y6ycEz1zuLuWCLeD0GFonANHnZ5ZyfZpnTRhWiyUQQQqms3RWzvT3wugc
cwIDAQAB
-----END PUBLIC KEY-----
";

    /// A 1024-bit key, private: too small.
    const KEY_1024_PKCS8: &str = "\
-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAOFA4eO67YBh5Br1
Wlnlk6P7jRZHOjS3LtZuFbr4Ai6yVgY/Sa4qenezY7AWhdxj8Qlpb6gWK0qphpe+
/jH9q+gYYYqcjDioGFkfnp7W0OcNvAFJLun9mXT4v5NjU7DJ4nFWW5gumGgI8ssC
E4s7Latu3glRYTTZRezkZTNecZFXAgMBAAECgYBrWkLOCA6c+wp9lqVi5rlAk+if
z358FTmrVHfizcQsgS3ieFMjQHdxiPtftrxBVxhPRgLC9x3WzYip1YrMRHuiktFf
Nex5wyfej6oysgnAkeeu05KdFBtGfCjCO3spPBMz/1KYgqVP2WRjCtM/RKbfKepR
IW87jARh4wujbDGjUQJBAPbOlTjS3FyQGZk0U3F0eSUYLHeHl58T14Bkk/d8g9qT
lXyFZl9gLKKVdiKUcwZUAER6Zmc7HWtZPdlkoyC3wysCQQDppMbfq2WTf3KfvDiC
jV89iLqMTU5IGCAfRN1jgHQy4+oK3Iov4xX8lSCvpQrMXS+xDpWGKypFOQpSDPwr
hYSFAkB98Y9eTuPabEJT1srZ84i6cCqI2G175OEsiKalPSn/yR4YS+6grvA4CzMc
lEpaKVV1nExTU2xA0mpoXB2OXZe/AkEAxBFgRxEZc7bPJRcZwQ0MMKJOEjFJkRyV
0EfFFZwVZyN2I1lBqcACkm0++cchkbBdtlLLzcTpex/L9mEpOQiZ1QJALimFX7N+
IaWPGVAtHqxo0eT+VwgwMj5LFJ377sThWIKOetAdQXdXROdXvLfC34gwwNRz/20c
qZo52oSyIBcQxQ==
-----END PRIVATE KEY-----
";

    /// The 1024-bit key, public: too small.
    const PUBLIC_1024_SPKI: &str = "\
-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDhQOHjuu2AYeQa9VpZ5ZOj+40W
Rzo0ty7WbhW6+AIuslYGP0muKnp3s2OwFoXcY/EJaW+oFitKqYaXvv4x/avoGGGK
nIw4qBhZH56e1tDnDbwBSS7p/Zl0+L+TY1OwyeJxVluYLphoCPLLAhOLOy2rbt4J
UWE02UXs5GUzXnGRVwIDAQAB
-----END PUBLIC KEY-----
";
}
