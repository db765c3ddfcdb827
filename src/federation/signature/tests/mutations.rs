//! One mutation per signed part: any single change to what was signed must fail, as must
//! dates outside the window and headers dropped from the list.

use super::*;

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
