//! Instance metadata, preferences, custom emojis, health checks and HTTP conventions.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_shape, TestApp, ACCOUNT_FIELDS};

#[tokio::test]
async fn instance_v2_shape_and_truthful_configuration() {
    let app = TestApp::spawn_with(|c| {
        c.limits.status_characters = 777;
        c.instance.title = "Test Rookery".into();
        c.instance.contact_email = "admin@example.com".into();
    })
    .await;
    // With a trailing slash, as Mastodon.py asks.
    let (status, v2) = app.get("/api/v2/instance/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        &v2,
        &[
            ("domain", "string"),
            ("title", "string"),
            ("version", "string"),
            ("source_url", "string"),
            ("description", "string"),
            ("usage", "object"),
            ("thumbnail", "object"),
            ("icon", "array"),
            ("languages", "array"),
            ("configuration", "object"),
            ("registrations", "object"),
            ("api_versions", "object"),
            ("contact", "object"),
            ("rules", "array"),
        ],
    );
    assert_eq!(v2["domain"], app.addr.to_string());
    assert_eq!(v2["title"], "Test Rookery");
    let version = v2["version"].as_str().expect("version");
    let mastodon_level = version.split(' ').next().expect("level");
    assert!(
        mastodon_level.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{version}"
    );
    assert!(version.contains("Rookery"));
    assert_eq!(v2["api_versions"]["mastodon"], 7);
    assert_eq!(v2["configuration"]["statuses"]["max_characters"], 777);
    assert_eq!(
        v2["configuration"]["statuses"]["characters_reserved_per_url"],
        23
    );
    assert!(v2["configuration"]["urls"]["streaming"]
        .as_str()
        .expect("url")
        .starts_with("ws://"));
    assert!(v2["configuration"]["media_attachments"]["supported_mime_types"].is_array());
    assert!(v2["configuration"]["polls"]["max_options"].is_number());
    assert_shape(
        &v2["registrations"],
        &[
            ("enabled", "boolean"),
            ("approval_required", "boolean"),
            ("reason_required", "boolean"),
            ("message", "string|null"),
            ("url", "string|null"),
            ("min_age", "number|null"),
        ],
    );
    assert_eq!(v2["contact"]["email"], "admin@example.com");
    assert!(v2["contact"]["account"].is_null());
    assert_eq!(v2["usage"]["users"]["active_month"], 0);

    // The first admin becomes the contact account.
    rookery::service::accounts::create_by_admin(
        &app.state,
        "boss",
        "boss@example.com",
        rookery::model::Role::Admin,
        Some("correct horse battery".into()),
    )
    .await
    .expect("admin");
    let (_, v2) = app.get("/api/v2/instance", None).await;
    assert_eq!(v2["contact"]["account"]["username"], "boss");
    assert_eq!(v2["contact"]["account"]["roles"][0]["name"], "Admin");
    assert_shape(&v2["contact"]["account"], ACCOUNT_FIELDS);
    assert_eq!(v2["usage"]["users"]["active_month"], 1);
}

#[tokio::test]
async fn instance_v1_shape() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    app.post_status(&alice, "one", json!({})).await;
    app.post_status(&alice, "two", json!({"visibility": "private"}))
        .await;
    let (status, v1) = app.get("/api/v1/instance/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        &v1,
        &[
            ("uri", "string"),
            ("title", "string"),
            ("short_description", "string"),
            ("description", "string"),
            ("email", "string"),
            ("version", "string"),
            ("urls", "object"),
            ("stats", "object"),
            ("thumbnail", "string"),
            ("languages", "array"),
            ("registrations", "boolean"),
            ("approval_required", "boolean"),
            ("invites_enabled", "boolean"),
            ("configuration", "object"),
            ("contact_account", "object|null"),
            ("rules", "array"),
        ],
    );
    assert_eq!(v1["uri"], app.addr.to_string());
    assert_eq!(v1["stats"]["user_count"], 1);
    assert_eq!(v1["stats"]["status_count"], 2);
    assert!(v1["urls"]["streaming_api"].is_string());
    // The thumbnail it names is served.
    let res = app
        .client
        .get(v1["thumbnail"].as_str().expect("url"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn preferences_and_custom_emojis() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (status, prefs) = app.get("/api/v1/preferences", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape(
        &prefs,
        &[
            ("posting:default:visibility", "string"),
            ("posting:default:sensitive", "boolean"),
            ("posting:default:language", "string|null"),
            ("posting:default:quote_policy", "string"),
            ("reading:expand:media", "string"),
            ("reading:expand:spoilers", "boolean"),
            ("reading:autoplay:gifs", "boolean"),
        ],
    );
    assert_eq!(
        app.get("/api/v1/preferences", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, emojis) = app.get("/api/v1/custom_emojis", None).await;
    assert_eq!((status, emojis), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn health_cors_request_ids_and_errors() {
    let app = TestApp::spawn().await;
    let (status, live) = app.get("/health", None).await;
    assert_eq!(
        (status, live["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, ready) = app.get("/health/ready", None).await;
    assert_eq!(
        (status, ready["database"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    // Browsers may call the API from other origins (web clients).
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/instance"))
        .header("origin", "https://elk.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("preflight");
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let res = app
        .client
        .get(app.url("/api/v1/instance"))
        .header("origin", "https://elk.example")
        .send()
        .await
        .expect("get");
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(res.headers().get("x-request-id").is_some());

    // Unknown paths are 404s; compressed answers when asked.
    assert_eq!(
        app.get("/api/v1/nothing-here", None).await.0,
        StatusCode::NOT_FOUND
    );
    let res = app
        .client
        .get(app.url("/api/v2/instance"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("get");
    assert_eq!(res.headers()["content-encoding"], "gzip");

    // The front page is a real page.
    let res = app.client.get(app.url("/")).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("html").contains("Rookery"));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn_with(|c| c.limits.request_body_bytes = 4096).await;
    let res = app
        .client
        .post(app.url("/api/v1/apps"))
        .header("content-type", "application/json")
        .body(format!("{{\"client_name\": \"{}\"}}", "x".repeat(10_000)))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.json::<serde_json::Value>().await.expect("json")["error"].is_string());
}
