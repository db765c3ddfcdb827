//! Keys and the helpers that shape what is signed.

use super::*;

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
