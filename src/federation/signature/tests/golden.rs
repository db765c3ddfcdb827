//! Golden values computed independently with OpenSSL, the key forms Rookery reads, and round trips.

use super::*;

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
