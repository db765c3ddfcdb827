//! Whom the API rate limits count: valid tokens, and otherwise client addresses, which are
//! taken from forwarding headers only when a trusted proxy sends them.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A bucket per token sent would give a fresh allowance with every made-up token: only a valid
/// token has its own, whether the token cache knows it yet or not.
#[tokio::test]
async fn made_up_bearer_tokens_count_against_the_address() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limits.api_per_ip = 8;
        c.rate_limits.api_per_token = 50;
    })
    .await;
    // Set-up requests count against the loopback address, not the one the calls below come from.
    let alice = app.register("alice").await;
    const CALLER: &str = "198.51.100.20";

    let create_app = |bearer: String| {
        app.client
            .post(app.url("/api/v1/apps"))
            .bearer_auth(bearer)
            .header("x-forwarded-for", CALLER)
            .json(&json!({ "client_name": "flood", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob" }))
            .send()
    };
    for _ in 0..8 {
        let res = create_app(rookery::crypto::random_token(32))
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            header(&res, "x-ratelimit-limit"),
            "8",
            "the address's bucket"
        );
    }
    let res = create_app(rookery::crypto::random_token(32))
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    // A made-up token on an endpoint that checks it: still refused as invalid, and counted
    // against a (fresh) address.
    let res = app
        .client
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth("made-up")
        .header("x-forwarded-for", "198.51.100.21")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&res, "x-ratelimit-limit"), "8");

    // Valid tokens from the exhausted address have their own allowance: one used before, and
    // one never seen (read from the database, not the token cache).
    let client = app
        .create_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let fresh = app.password_token(&client, "alice", "read").await;
    for token in [&alice.token, &fresh] {
        let res = app
            .client
            .get(app.url("/api/v1/accounts/verify_credentials"))
            .bearer_auth(token)
            .header("x-forwarded-for", CALLER)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            header(&res, "x-ratelimit-limit"),
            "50",
            "the token's bucket"
        );
    }
}

/// `X-Forwarded-For` and `X-Real-IP` are anyone's to send: they count only from a trusted
/// proxy, and then only as far as trusted proxies vouch for them.
#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    // Nothing trusted: every request from here is this machine's, whatever it claims.
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec![];
        c.rate_limits.api_per_ip = 3;
    })
    .await;
    let get = |name: &'static str, value: String| {
        app.client
            .get(app.url("/api/v1/instance"))
            .header(name, value)
            .send()
    };
    for n in 0..3 {
        let res = get("x-forwarded-for", format!("203.0.113.{n}"))
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = get("x-forwarded-for", "203.0.113.9".into())
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = get("x-real-ip", "203.0.113.10".into()).await.expect("get");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    // Behind two proxies (this machine, then one in 10/8): the client is the right-most
    // address that is not a trusted proxy, whatever the next proxy's address or what the
    // client wrote further left.
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec![
            "127.0.0.1".parse().expect("address"),
            "10.0.0.0/8".parse().expect("block"),
        ];
        c.rate_limits.api_per_ip = 3;
    })
    .await;
    let get = |forwarded: &str| {
        app.client
            .get(app.url("/api/v1/instance"))
            .header("x-forwarded-for", forwarded)
            .send()
    };
    for proxy in ["10.0.0.1", "10.0.0.2", "10.9.9.9"] {
        let res = get(&format!("198.51.100.7, {proxy}")).await.expect("get");
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = get("198.51.100.7, 10.0.0.3").await.expect("get");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "one client");
    let res = get("6.6.6.6, 198.51.100.8, 10.0.0.1").await.expect("get");
    assert_eq!(res.status(), StatusCode::OK, "another client");
    assert_eq!(header(&res, "x-ratelimit-remaining"), "2");
    let res = get("7.7.7.7, 198.51.100.8").await.expect("get");
    assert_eq!(header(&res, "x-ratelimit-remaining"), "1", "the same one");
}
