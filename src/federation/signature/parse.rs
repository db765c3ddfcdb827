//! Reading a `Signature` header into its parameters.

use super::*;

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
    pub(super) key_id: String,
    pub(super) algorithm: Algorithm,
    pub(super) headers: Vec<String>,
    pub(super) signature: Vec<u8>,
    pub(super) created: Option<String>,
    pub(super) expires: Option<String>,
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

    pub(super) fn covers(&self, name: &str) -> bool {
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
pub(super) fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A token character (RFC 9110 §5.6.2).
pub(super) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Attacker-chosen text, shortened for error messages and logs.
pub(super) fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Iterates over `name=value` parameters; stops after the first error.
pub(super) struct Params<'a> {
    pub(super) rest: &'a str,
    pub(super) failed: bool,
}

impl<'a> Params<'a> {
    pub(super) fn new(input: &'a str) -> Self {
        Self {
            rest: input,
            failed: false,
        }
    }

    pub(super) fn fail(
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
