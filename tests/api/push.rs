//! Web Push (issue 20): `/api/v1/push/subscription` over HTTP, and pushes as a push service on
//! loopback receives them (a small server of the test's own: Rookery never plays that part),
//! decrypted with the subscriber's keys in both encodings, their VAPID tokens verified with
//! the instance's public key.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely, resolve};
use crate::helpers::{TestApp, TestUser};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// One request a push service received.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A push service on loopback: records what is POSTed to it and answers with `status`.
#[derive(Clone)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<Mutex<u16>>,
    origin: String,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let receiver = Receiver {
            received: Arc::default(),
            status: Arc::new(Mutex::new(201)),
            origin,
        };
        let router = Router::new()
            .route("/push/{id}", post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        receiver
    }

    fn endpoint(&self, id: &str) -> String {
        format!("{}/push/{id}", self.origin)
    }

    fn answer(&self, status: u16) {
        *self.status.lock().expect("lock") = status;
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> AxumStatus {
    r.received.lock().expect("lock").push(Received {
        headers,
        body: body.to_vec(),
    });
    AxumStatus::from_u16(*r.status.lock().expect("lock")).unwrap_or(AxumStatus::CREATED)
}

/// A subscriber's keys, as a browser's push manager makes them.
struct Keys {
    components: ece::EcKeyComponents,
    auth: [u8; 16],
}

impl Keys {
    fn new() -> Keys {
        let (pair, auth) = ece::generate_keypair_and_auth_secret().expect("keys");
        Keys {
            components: pair.raw_components().expect("components"),
            auth,
        }
    }

    fn p256dh(&self) -> String {
        B64.encode(self.components.public_key())
    }

    fn auth(&self) -> String {
        B64.encode(self.auth)
    }
}

fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header in {:?}", r.headers))
}

/// The value of `name=` in a header of `;`- or `,`-separated parameters.
fn param<'a>(value: &'a str, name: &str) -> &'a str {
    value
        .split([';', ','])
        .map(str::trim)
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {value:?}"))
}

/// Decrypts a push with the subscriber's keys, by the encoding it says it has.
fn decrypt(r: &Received, keys: &Keys) -> Value {
    let plain = match header(r, "content-encoding") {
        "aes128gcm" => ece::decrypt(&keys.components, &keys.auth, &r.body).expect("aes128gcm"),
        "aesgcm" => {
            let dh = B64
                .decode(param(header(r, "crypto-key"), "dh"))
                .expect("dh");
            let salt = B64
                .decode(param(header(r, "encryption"), "salt"))
                .expect("salt");
            let block = ece::legacy::AesGcmEncryptedBlock::new(&dh, &salt, 4096, r.body.clone())
                .expect("block");
            ece::legacy::decrypt_aesgcm(&keys.components, &keys.auth, &block).expect("aesgcm")
        }
        other => panic!("unexpected encoding {other}"),
    };
    serde_json::from_slice(&plain).expect("JSON payload")
}

/// Checks the VAPID token of a push against the instance's public key; returns its claims.
fn verify_vapid(r: &Received, receiver: &Receiver, server_key: &str) -> Value {
    let authorization = header(r, "authorization");
    let token = match header(r, "content-encoding") {
        "aes128gcm" => {
            let rest = authorization
                .strip_prefix("vapid ")
                .unwrap_or_else(|| panic!("{authorization}"));
            assert_eq!(param(rest, "k"), server_key, "k names the instance's key");
            param(rest, "t").to_string()
        }
        _ => {
            let crypto_key = header(r, "crypto-key");
            assert_eq!(param(crypto_key, "p256ecdsa"), server_key);
            authorization
                .strip_prefix("WebPush ")
                .unwrap_or_else(|| panic!("{authorization}"))
                .to_string()
        }
    };
    let public = B64.decode(server_key).expect("server key");
    let key = jsonwebtoken::DecodingKey::from_ec_der(&public);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[receiver.origin.as_str()]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(&token, &key, &validation)
        .expect("a valid VAPID signature")
        .claims;
    let exp = claims["exp"].as_i64().expect("exp");
    let now = chrono::Utc::now().timestamp();
    assert!(
        exp > now && exp <= now + 24 * 3600,
        "exp within a day: {claims}"
    );
    claims
}

/// The VAPID key `/api/v2/instance` advertises.
async fn server_key(app: &TestApp) -> String {
    let (status, instance) = app.get("/api/v2/instance", None).await;
    assert_eq!(status, StatusCode::OK);
    instance["configuration"]["vapid"]["public_key"]
        .as_str()
        .expect("vapid key")
        .to_string()
}

/// Subscribes `token` to `endpoint` with `keys`, every alert on unless `data` says otherwise.
async fn subscribe(
    app: &TestApp,
    token: &str,
    endpoint: &str,
    keys: &Keys,
    standard: bool,
    data: Value,
) -> Value {
    let mut alerts = json!({
        "mention": true, "status": true, "reblog": true, "follow": true,
        "follow_request": true, "favourite": true, "poll": true, "update": true,
    });
    let mut data = data;
    if let (Some(a), Some(given)) = (
        alerts.as_object_mut(),
        data.get("alerts").and_then(Value::as_object),
    ) {
        a.extend(given.clone());
    }
    data["alerts"] = alerts;
    let (status, body) = app
        .post(
            "/api/v1/push/subscription",
            Some(token),
            json!({
                "subscription": {
                    "endpoint": endpoint,
                    "keys": { "p256dh": keys.p256dh(), "auth": keys.auth() },
                    "standard": standard,
                },
                "data": data,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Runs the queue until `receiver` has `n` pushes (fifteen seconds at most), then returns them.
async fn pushes(app: &TestApp, receiver: &Receiver, n: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        app.drain_jobs().await;
        let got = receiver.received();
        if got.len() >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "{} of {n} pushes", got.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A second token of `user` (each token holds its own subscription).
async fn another_token(app: &TestApp, user: &TestUser) -> (crate::helpers::TestClient, String) {
    let client = app
        .create_client("read write follow push", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let token = app
        .password_token(&client, &user.username, "read write follow push")
        .await;
    (client, token)
}

async fn subscription_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM web_push_subscriptions")
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_token_subscribes_reads_changes_and_unsubscribes() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let receiver = Receiver::start().await;
    let keys = Keys::new();
    let key = server_key(&app).await;
    let raw = B64.decode(&key).expect("base64url");
    assert_eq!((raw.len(), raw[0]), (65, 4), "an uncompressed P-256 point");

    let (status, none) = app.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{none}");

    let created = subscribe(
        &app,
        &bob.token,
        &receiver.endpoint("a"),
        &keys,
        true,
        json!({ "alerts": { "favourite": false }, "policy": "followed" }),
    )
    .await;
    assert!(created["id"].is_string(), "{created}");
    assert_eq!(created["endpoint"], receiver.endpoint("a"));
    assert_eq!(created["standard"], true);
    assert_eq!(created["server_key"], key);
    assert_eq!(created["policy"], "followed");
    let alerts = created["alerts"].as_object().expect("alerts");
    for kind in [
        "mention",
        "status",
        "reblog",
        "follow",
        "follow_request",
        "favourite",
        "poll",
        "update",
        "admin.sign_up",
        "admin.report",
        "quote",
        "quoted_update",
    ] {
        assert!(alerts[kind].is_boolean(), "{kind} in {created}");
    }
    assert_eq!(alerts["mention"], true);
    // Not asked for: off, as Mastodon answers.
    assert_eq!(alerts["quote"], false);
    assert_eq!(alerts["favourite"], false);
    assert_eq!(alerts["admin.sign_up"], false);

    let (status, shown) = app.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, created);

    // PUT changes the alerts and policy given, and nothing else.
    let (status, changed) = app
        .request(
            Method::PUT,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({ "data": { "alerts": { "favourite": true, "mention": false }, "policy": "all" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["alerts"]["favourite"], true);
    assert_eq!(changed["alerts"]["mention"], false);
    assert_eq!(changed["alerts"]["follow"], true);
    assert_eq!(changed["policy"], "all");
    assert_eq!(changed["endpoint"], receiver.endpoint("a"));
    let (status, refused) = app
        .request(
            Method::PUT,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({ "policy": "friends" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // A form body, as most clients send it; POST replaces the token's subscription. Unknown
    // alert types are ignored.
    let (p256dh, auth) = (keys.p256dh(), keys.auth());
    let endpoint_b = receiver.endpoint("b");
    let (status, replaced) = app
        .post_form(
            "/api/v1/push/subscription",
            Some(&bob.token),
            &[
                ("subscription[endpoint]", endpoint_b.as_str()),
                ("subscription[keys][p256dh]", p256dh.as_str()),
                ("subscription[keys][auth]", auth.as_str()),
                ("data[alerts][admin.sign_up]", "true"),
                ("data[alerts][mention]", "1"),
                ("data[alerts][quote]", "true"),
                ("data[policy]", "none"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_ne!(replaced["id"], created["id"]);
    assert_eq!(replaced["endpoint"], endpoint_b);
    assert_eq!(replaced["standard"], false);
    assert_eq!(replaced["policy"], "none");
    assert_eq!(replaced["alerts"]["admin.sign_up"], true);
    assert_eq!(replaced["alerts"]["mention"], true);
    assert_eq!(replaced["alerts"]["favourite"], false);
    // A Mastodon 4.5 alert, asked for.
    assert_eq!(replaced["alerts"]["quote"], true, "{replaced}");
    assert_eq!(replaced["alerts"]["quoted_update"], false, "{replaced}");
    assert_eq!(subscription_rows(&app).await, 1, "one per token");

    let (status, gone) = app
        .request(
            Method::DELETE,
            "/api/v1/push/subscription",
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!((status, gone), (StatusCode::OK, json!({})));
    let (status, _) = app.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .request(
            Method::PUT,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({ "data": { "alerts": { "mention": true } } })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Apps are told the key too (Application's deprecated vapid_key).
    let (status, registered) = app
        .post(
            "/api/v1/apps",
            None,
            json!({ "client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read push" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(registered["vapid_key"], key);
}

#[tokio::test]
async fn the_push_scope_is_needed_and_bad_subscriptions_are_refused() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let no_push = app.register_with_scopes("carol", "read write follow").await;
    let receiver = Receiver::start().await;
    let keys = Keys::new();
    let good = json!({
        "subscription": {
            "endpoint": receiver.endpoint("x"),
            "keys": { "p256dh": keys.p256dh(), "auth": keys.auth() },
        },
    });

    for method in [Method::POST, Method::GET, Method::PUT, Method::DELETE] {
        let body = (method != Method::GET).then(|| good.clone());
        let (status, res) = app
            .request(
                method.clone(),
                "/api/v1/push/subscription",
                Some(&no_push.token),
                body.clone(),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{method} without push: {res}"
        );
        let (status, _) = app
            .request(method.clone(), "/api/v1/push/subscription", None, body)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} without a token");
    }
    // An app's own token speaks for no one.
    let app_token = app.app_token("read push").await;
    let (status, _) = app
        .post("/api/v1/push/subscription", Some(&app_token), good.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let mut off_curve = B64.decode(keys.p256dh()).expect("key");
    off_curve[64] ^= 1;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        f(&mut body);
        body
    };
    let bad = [
        ("no subscription", json!({})),
        (
            "ftp endpoint",
            with(&|b| b["subscription"]["endpoint"] = json!("ftp://127.0.0.1/x")),
        ),
        (
            "http off loopback",
            with(&|b| b["subscription"]["endpoint"] = json!("http://push.example/x")),
        ),
        (
            "no URL",
            with(&|b| b["subscription"]["endpoint"] = json!("not a url")),
        ),
        (
            "p256dh not base64",
            with(&|b| b["subscription"]["keys"]["p256dh"] = json!("!!!")),
        ),
        (
            "p256dh off the curve",
            with(&|b| b["subscription"]["keys"]["p256dh"] = json!(B64.encode(&off_curve))),
        ),
        (
            "p256dh compressed",
            with(&|b| b["subscription"]["keys"]["p256dh"] = json!(B64.encode([2u8; 33]))),
        ),
        (
            "auth of 10 bytes",
            with(&|b| b["subscription"]["keys"]["auth"] = json!(B64.encode([1u8; 10]))),
        ),
        (
            "no auth",
            with(&|b| b["subscription"]["keys"]["auth"] = Value::Null),
        ),
        (
            "unknown policy",
            with(&|b| b["data"] = json!({ "policy": "friends" })),
        ),
        (
            "alert not a boolean",
            with(&|b| b["data"] = json!({ "alerts": { "mention": "maybe" } })),
        ),
        (
            "alerts not a map",
            with(&|b| b["data"] = json!({ "alerts": ["mention"] })),
        ),
    ];
    for (what, body) in bad {
        let (status, res) = app
            .post("/api/v1/push/subscription", Some(&bob.token), body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {res}");
        assert!(res["error"].is_string(), "{what}: {res}");
    }
    assert_eq!(subscription_rows(&app).await, 0, "nothing stored");

    // Plain http to loopback only where private addresses are allowed (tests, local setups).
    let strict = TestApp::spawn_with(|c| c.federation.allow_private_addresses = false).await;
    let dave = strict.register("dave").await;
    let (status, res) = strict
        .post("/api/v1/push/subscription", Some(&dave.token), good.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    let https_private = with(&|b| b["subscription"]["endpoint"] = json!("https://10.0.0.1/push"));
    let (status, res) = strict
        .post(
            "/api/v1/push/subscription",
            Some(&dave.token),
            https_private,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    let public = with(&|b| b["subscription"]["endpoint"] = json!("https://push.example/x"));
    let (status, res) = strict
        .post("/api/v1/push/subscription", Some(&dave.token), public)
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
}

#[tokio::test]
async fn mentions_favourites_and_follows_are_pushed_in_both_encodings() {
    let app = TestApp::spawn_with(|c| c.instance.contact_email = "admin@example.com".into()).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let (_, legacy_token) = another_token(&app, &bob).await;
    let receiver = Receiver::start().await;
    let key = server_key(&app).await;
    let (standard_keys, legacy_keys) = (Keys::new(), Keys::new());
    subscribe(
        &app,
        &bob.token,
        &receiver.endpoint("std"),
        &standard_keys,
        true,
        json!({}),
    )
    .await;
    subscribe(
        &app,
        &legacy_token,
        &receiver.endpoint("old"),
        &legacy_keys,
        false,
        json!({}),
    )
    .await;

    let post = app
        .post_status(&alice, "hello @bob, a <b>bold</b> & long note", json!({}))
        .await;
    let got = pushes(&app, &receiver, 2).await;
    let (_, listed) = app.get("/api/v1/notifications", Some(&bob.token)).await;
    let mention_id = listed[0]["id"].as_str().expect("notification").to_string();
    assert_eq!(listed[0]["type"], "mention");
    let mut seen = BTreeMap::new();
    for r in &got {
        assert_eq!(header(r, "ttl"), "172800");
        assert_eq!(header(r, "urgency"), "normal");
        let topic = header(r, "topic");
        assert_eq!(topic.len(), 32, "{topic}");
        assert!(topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(header(r, "content-type"), "application/octet-stream");
        let (keys, token) = match header(r, "content-encoding") {
            "aes128gcm" => (&standard_keys, &bob.token),
            "aesgcm" => {
                assert!(param(header(r, "encryption"), "salt").len() >= 22);
                (&legacy_keys, &legacy_token)
            }
            other => panic!("{other}"),
        };
        let payload = decrypt(r, keys);
        assert_eq!(payload["access_token"], *token, "{payload}");
        assert_eq!(payload["preferred_locale"], "en");
        assert_eq!(payload["notification_id"], mention_id);
        assert_eq!(payload["notification_type"], "mention");
        assert_eq!(payload["title"], "You were mentioned by alice");
        let body = payload["body"].as_str().expect("body");
        assert!(body.starts_with("hello @bob, a "), "{body}");
        assert!(
            body.contains("& long note") && !body.contains("&amp;"),
            "{body}"
        );
        assert!(payload["icon"]
            .as_str()
            .is_some_and(|i| i.starts_with("http")));
        let claims = verify_vapid(r, &receiver, &key);
        assert_eq!(claims["sub"], "mailto:admin@example.com");
        seen.insert(header(r, "content-encoding").to_string(), true);
    }
    assert_eq!(seen.len(), 2, "one push in each encoding");

    // A favourite and a follow arrive too, with Mastodon's titles.
    let (status, _) = app
        .post(
            &format!(
                "/api/v1/statuses/{}/favourite",
                post["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let bobs = app.post_status(&bob, "bob's own words", json!({})).await;
    app.post(
        &format!(
            "/api/v1/statuses/{}/favourite",
            bobs["id"].as_str().expect("id")
        ),
        Some(&alice.token),
        json!({}),
    )
    .await;
    app.follow(&alice, &bob).await;
    let got = pushes(&app, &receiver, 6).await;
    let payloads: Vec<Value> = got[2..]
        .iter()
        .filter(|r| header(r, "content-encoding") == "aes128gcm")
        .map(|r| decrypt(r, &standard_keys))
        .collect();
    let titles: Vec<&str> = payloads
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert!(titles.contains(&"alice favorited your post"), "{titles:?}");
    assert!(titles.contains(&"alice is now following you"), "{titles:?}");
    let favourite = payloads
        .iter()
        .find(|p| p["notification_type"] == "favourite")
        .expect("a favourite push");
    assert_eq!(favourite["body"], "bob's own words");
}

#[tokio::test]
async fn notifications_from_another_instance_are_pushed() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let bob = a.register("bob").await;
    let carol = b.register("carol").await;
    let receiver = Receiver::start().await;
    let keys = Keys::new();
    subscribe(
        &a,
        &bob.token,
        &receiver.endpoint("bob"),
        &keys,
        true,
        json!({}),
    )
    .await;
    let handle = format!("bob@{}", a.addr);
    follow_remotely(&a, &b, &carol, &handle).await;
    resolve(&b, &carol, &handle).await;
    b.post_status(&carol, &format!("hi @{handle}"), json!({}))
        .await;
    eventually(&a, &b, "two pushes from afar", async || {
        receiver.received().len() >= 2
    })
    .await;
    let payloads: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| decrypt(r, &keys))
        .collect();
    let kinds: Vec<&str> = payloads
        .iter()
        .filter_map(|p| p["notification_type"].as_str())
        .collect();
    assert!(
        kinds.contains(&"follow") && kinds.contains(&"mention"),
        "{kinds:?}"
    );
    let mention = payloads
        .iter()
        .find(|p| p["notification_type"] == "mention")
        .expect("mention");
    assert_eq!(mention["title"], "You were mentioned by carol");
    assert!(
        mention["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("hi @bob")),
        "{mention}"
    );
}

#[tokio::test]
async fn alerts_and_policies_decide_what_is_pushed() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let receiver = Receiver::start().await;
    let keys = Keys::new();
    subscribe(
        &app,
        &bob.token,
        &receiver.endpoint("bob"),
        &keys,
        true,
        json!({ "alerts": { "favourite": false } }),
    )
    .await;
    let own = app.post_status(&bob, "favourite me", json!({})).await;
    app.post(
        &format!(
            "/api/v1/statuses/{}/favourite",
            own["id"].as_str().expect("id")
        ),
        Some(&alice.token),
        json!({}),
    )
    .await;
    app.post_status(&alice, "@bob one", json!({})).await;
    let got = pushes(&app, &receiver, 1).await;
    app.drain_jobs().await;
    let kinds: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| decrypt(r, &keys)["notification_type"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("mention")], "no favourite push");
    assert_eq!(got.len(), 1);

    // `followed`: only from accounts bob follows.
    let (status, _) = app
        .request(
            Method::PUT,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({ "data": { "policy": "followed" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.follow(&bob, &carol).await;
    app.post_status(&alice, "@bob two, from a stranger", json!({}))
        .await;
    app.post_status(&carol, "@bob three, from a friend", json!({}))
        .await;
    let got = pushes(&app, &receiver, 2).await;
    app.drain_jobs().await;
    assert_eq!(
        receiver.received().len(),
        2,
        "alice's mention is not pushed"
    );
    let last = decrypt(&got[1], &keys);
    assert!(
        last["body"].as_str().is_some_and(|b| b.contains("three")),
        "{last}"
    );

    // `follower`: only from accounts that follow bob.
    app.request(
        Method::PUT,
        "/api/v1/push/subscription",
        Some(&bob.token),
        Some(json!({ "data": { "policy": "follower" } })),
    )
    .await;
    app.post_status(&carol, "@bob four, carol does not follow bob", json!({}))
        .await;
    app.follow(&alice, &bob).await;
    app.post_status(&alice, "@bob five, from a follower", json!({}))
        .await;
    let got = pushes(&app, &receiver, 4).await;
    app.drain_jobs().await;
    let bodies: Vec<String> = got[2..]
        .iter()
        .map(|r| {
            decrypt(r, &keys)["title"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(receiver.received().len(), 4, "{bodies:?}");
    assert!(
        bodies.contains(&"alice is now following you".to_string()),
        "{bodies:?}"
    );
    assert!(
        bodies.contains(&"You were mentioned by alice".to_string()),
        "{bodies:?}"
    );

    // `none`: nothing.
    app.request(
        Method::PUT,
        "/api/v1/push/subscription",
        Some(&bob.token),
        Some(json!({ "data": { "policy": "none" } })),
    )
    .await;
    app.post_status(&alice, "@bob six", json!({})).await;
    app.drain_jobs().await;
    assert_eq!(receiver.received().len(), 4);
}

#[tokio::test]
async fn a_gone_endpoint_or_a_revoked_token_ends_the_subscription() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let receiver = Receiver::start().await;
    let keys = Keys::new();
    // Bob subscribes, the push service answers `code` to the push of a mention: the
    // subscription as it stands after that.
    let answered = |code: u16, standard: bool, text: &'static str, pushed: usize| {
        let (app, receiver, keys, alice, bob) = (&app, &receiver, &keys, &alice, &bob);
        async move {
            receiver.answer(code);
            subscribe(
                app,
                &bob.token,
                &receiver.endpoint("bob"),
                keys,
                standard,
                json!({}),
            )
            .await;
            app.post_status(alice, text, json!({})).await;
            pushes(app, receiver, pushed).await;
        }
    };
    answered(410, true, "@bob are you there", 1).await;
    app.drain_jobs().await;
    let (status, _) = app.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "410 unsubscribes");

    answered(404, false, "@bob still?", 2).await;
    app.drain_jobs().await;
    let (status, _) = app.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "404 unsubscribes");

    // A refusal of another kind gives up on that message, and keeps the subscription.
    answered(400, true, "@bob hm", 3).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let failed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'web_push' AND state = 'failed'",
        )
        .fetch_one(&app.state.db)
        .await
        .expect("count");
        if failed == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the 400 is given up on");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _) = app.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::OK);

    // A busy push service (5xx, 429) is tried again later, with the queue's backoff.
    receiver.answer(503);
    app.post_status(&alice, "@bob busy?", json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let waiting: Option<String> = sqlx::query_scalar(
            "SELECT last_error FROM jobs WHERE kind = 'web_push' AND state = 'pending' \
             AND attempts = 1 AND run_at > now()",
        )
        .fetch_optional(&app.state.db)
        .await
        .expect("job");
        if let Some(why) = waiting {
            assert!(why.contains("503"), "{why}");
            break;
        }
        assert!(Instant::now() < deadline, "the 503 is to be retried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tries = receiver.received().len();
    receiver.answer(201);
    sqlx::query("UPDATE jobs SET run_at = now() WHERE kind = 'web_push' AND state = 'pending'")
        .execute(&app.state.db)
        .await
        .expect("due now");
    let got = pushes(&app, &receiver, tries + 1).await;
    assert!(decrypt(&got[tries], &keys)["body"]
        .as_str()
        .is_some_and(|b| b.contains("busy?")));

    // Revoking a token takes its subscription with it.
    let (client, token) = another_token(&app, &bob).await;
    subscribe(
        &app,
        &token,
        &receiver.endpoint("two"),
        &keys,
        true,
        json!({}),
    )
    .await;
    assert_eq!(subscription_rows(&app).await, 2);
    let (status, _) = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.client_secret.as_str()),
                ("token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        subscription_rows(&app).await,
        1,
        "the revoked token's is gone"
    );
    let before = receiver.received().len();
    app.post_status(&alice, "@bob after the revocation", json!({}))
        .await;
    let got = pushes(&app, &receiver, before + 1).await;
    app.drain_jobs().await;
    assert_eq!(
        receiver.received().len(),
        before + 1,
        "only the live token's"
    );
    let payload = decrypt(&got[before], &keys);
    assert_eq!(payload["access_token"], bob.token);

    // A suspension signs bob out everywhere, and so unsubscribes him.
    let admin = app.admin().await;
    let (status, res) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/action", bob.id),
            Some(&admin.token),
            json!({ "type": "suspend", "text": "push test" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(subscription_rows(&app).await, 0);
}

#[tokio::test]
async fn the_vapid_key_is_kept_across_restarts_unless_configured() {
    let first = TestApp::spawn().await;
    let key = server_key(&first).await;
    let again = first.spawn_sharing().await;
    drop(first);
    assert_eq!(
        server_key(&again).await,
        key,
        "the same key after a restart"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM vapid_keys")
        .fetch_one(&again.state.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);

    // Mastodon's VAPID_PRIVATE_KEY, given in the configuration, is used instead.
    let scalar = B64.encode([9u8; 32]);
    let expected = rookery::crypto::VapidKey::from_config(&scalar)
        .expect("key")
        .public_key_base64();
    let configured = TestApp::spawn_with(|c| c.push.vapid_private_key = scalar.clone()).await;
    assert_eq!(server_key(&configured).await, expected);
    assert_ne!(expected, key);
}
