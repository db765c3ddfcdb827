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
    /// together is refused now rather than failing every signature later. Loading therefore
    /// costs more than a signature (about 0.7 ms against 0.57 ms, `cargo bench --bench
    /// signing`): keep the parsed key (per account, per worker) instead of loading it for
    /// every request.
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
mod tests;
