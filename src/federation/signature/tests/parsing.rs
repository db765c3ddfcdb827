//! Reading `Signature` headers: what Mastodon and others send, and hostile input.

use super::*;

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
