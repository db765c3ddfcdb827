//! Rate limits: 429 with headers and recovery, posts and inbox POSTs limited apart; whom the
//! API rate limits count: valid tokens, and otherwise client addresses, which are taken from
//! forwarding headers only when a trusted proxy sends them.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

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

#[tokio::test]
async fn rate_limits_answer_429_with_headers_and_recover() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limits.api_per_ip = 10;
        c.rate_limits.api_per_token = 20;
        c.rate_limits.api_window_secs = 1;
        c.rate_limits.statuses_per_token = 2;
        c.rate_limits.statuses_window_secs = 60;
        c.rate_limits.inbox_per_host = 2;
        c.rate_limits.inbox_window_secs = 60;
    })
    .await;
    // Sign-ups count against the IP too: wait for a fresh window after them.
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let get = |token: Option<&str>| {
        let mut req = app.client.get(app.url("/api/v1/instance"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    for remaining in (0..10).rev() {
        let res = get(None).await.expect("get");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "x-ratelimit-limit"), "10");
        assert_eq!(header(&res, "x-ratelimit-remaining"), remaining.to_string());
        assert!(chrono::DateTime::parse_from_rfc3339(&header(&res, "x-ratelimit-reset")).is_ok());
    }
    let res = get(None).await.expect("get");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&res, "x-ratelimit-remaining"), "0");
    let reset =
        chrono::DateTime::parse_from_rfc3339(&header(&res, "x-ratelimit-reset")).expect("reset");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "Too many requests");
    // Tokens have their own allowance, apart from the address's.
    let res = get(Some(&alice.token)).await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-ratelimit-limit"), "20");

    // After the window, the address may call again.
    let wait = (reset.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    let res = get(None).await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-ratelimit-remaining"), "9");

    // Posting is limited more strictly; the refused post is not stored.
    app.post_status(&bob, "one", json!({})).await;
    app.post_status(&bob, "two", json!({})).await;
    let (status, _) = app
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({ "status": "three" }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["statuses_count"], 2);

    // Inbox POSTs are counted per remote host (and address), before anything else.
    let post_inbox = || {
        app.client
            .post(app.url("/inbox"))
            .header(
                "signature",
                r#"keyId="http://noisy.example/actor#main-key",signature="x""#,
            )
            .header("content-type", "application/activity+json")
            .body("{}")
            .send()
    };
    for _ in 0..2 {
        let status = post_inbox().await.expect("post").status();
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(
        post_inbox().await.expect("post").status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
