//! Golden values, round trips, and one mutation per signed part.
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

    fn verify_with(&self, key: &VerifyingKey, now: DateTime<Utc>) -> Result<(), SignatureError> {
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
    let crlf = VerifyingKey::from_pem(&format!("\n {}\n", PUBLIC_A_PKCS1.replace('\n', "\r\n")))
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
