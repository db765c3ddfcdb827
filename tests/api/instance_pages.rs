//! The instance's pages: peers and weekly activity (and the configuration that hides them),
//! the texts administrators set through `PATCH /api/v1/instance` (extended description,
//! privacy policy, terms of service with their versions), languages and translation
//! languages.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::resolve;
use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_list_known_domains_unless_kept_private() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    b.register("bob").await;
    let (status, peers) = a.get("/api/v1/instance/peers", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(peers, json!([]));
    resolve(&a, &alice, &format!("bob@{}", b.addr)).await;
    let (_, peers) = a.get("/api/v1/instance/peers", None).await;
    assert_eq!(peers, json!([b.addr.to_string()]));

    let private = TestApp::spawn_with(|c| {
        c.instance.peers_api = false;
        c.instance.activity_api = false;
    })
    .await;
    for path in ["/api/v1/instance/peers", "/api/v1/instance/activity"] {
        let (status, body) = private.get(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "Record not found");
    }
}

#[tokio::test]
async fn activity_counts_this_weeks_statuses_sign_ins_and_sign_ups() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.post_status(&alice, "one", json!({})).await;
    app.post_status(&bob, "two", json!({})).await;
    let first = app.post_status(&bob, "three", json!({})).await;
    app.post(
        &format!(
            "/api/v1/statuses/{}/reblog",
            first["id"].as_str().expect("id")
        ),
        Some(&alice.token),
        json!({}),
    )
    .await;
    let client = app.create_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    app.password_token(&client, "alice", "read").await;
    let (status, weeks) = app.get("/api/v1/instance/activity", None).await;
    assert_eq!(status, StatusCode::OK, "{weeks}");
    let weeks = weeks.as_array().expect("weeks");
    assert_eq!(weeks.len(), 12);
    let this = &weeks[0];
    assert_eq!(this["statuses"], "3", "boosts are not statuses");
    assert_eq!(this["registrations"], "2");
    assert_eq!(this["logins"], "1");
    let week: i64 = this["week"]
        .as_str()
        .expect("week")
        .parse()
        .expect("number");
    let next: i64 = weeks[1]["week"]
        .as_str()
        .expect("week")
        .parse()
        .expect("number");
    assert_eq!(week - next, 7 * 24 * 3600);
    let monday = chrono::DateTime::from_timestamp(week, 0).expect("time");
    assert_eq!(chrono::Datelike::weekday(&monday), chrono::Weekday::Mon);
    assert!(weeks[1..].iter().all(|w| w["statuses"] == "0"));
}

#[tokio::test]
async fn administrators_set_the_instance_texts() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let alice = app.register("alice").await;

    // Unset: an empty extended description, no privacy policy nor terms.
    let (status, ext) = app.get("/api/v1/instance/extended_description", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ext, json!({ "updated_at": null, "content": "" }));
    for path in [
        "/api/v1/instance/privacy_policy",
        "/api/v1/instance/terms_of_service",
        "/api/v1/instance/terms_of_service/2025-01-01",
    ] {
        let (status, _) = app.get(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // Only administrators set them; bad input changes nothing.
    let patch = async |token: &str, body: Value| {
        app.request(Method::PATCH, "/api/v1/instance", Some(token), Some(body))
            .await
    };
    let (status, _) = patch(&alice.token, json!({ "description": "mine now" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = patch(
        &boss.token,
        json!({ "description": "ignored", "terms": "x", "terms_effective_date": "soon" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = patch(&boss.token, json!({ "terms": "  " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, ext) = app.get("/api/v1/instance/extended_description", None).await;
    assert_eq!(ext["content"], "");

    let (status, instance) = patch(
        &boss.token,
        json!({
            "description": "We are a small place.\n\nBe kind: https://example.com/rules",
            "privacy_policy": "We keep what you post.",
            "terms": "Old terms.",
            "terms_effective_date": "2020-01-01",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{instance}");
    assert!(instance["uri"].is_string());
    let (_, ext) = app.get("/api/v1/instance/extended_description", None).await;
    let content = ext["content"].as_str().expect("content");
    assert!(
        content.starts_with(
            "<p>We are a small place.</p><p>Be kind: <a href=\"https://example.com/rules\""
        ),
        "{content}"
    );
    assert!(ext["updated_at"].is_string());
    let (status, policy) = app.get("/api/v1/instance/privacy_policy", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(policy["content"], "<p>We keep what you post.</p>");
    assert!(policy["updated_at"].is_string());

    // Terms: the version in effect, the next one, and each by date.
    let (status, _) = patch(
        &boss.token,
        json!({ "terms": "New terms.", "terms_effective_date": "2099-06-01" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, current) = app.get("/api/v1/instance/terms_of_service", None).await;
    assert_eq!(
        current,
        json!({
            "effective_date": "2020-01-01",
            "effective": true,
            "content": "<p>Old terms.</p>",
            "succeeded_by": "2099-06-01",
        })
    );
    let (_, next) = app
        .get("/api/v1/instance/terms_of_service/2099-06-01", None)
        .await;
    assert_eq!(next["effective"], false);
    assert_eq!(next["succeeded_by"], Value::Null);
    for path in [
        "/api/v1/instance/terms_of_service/2021-01-01",
        "/api/v1/instance/terms_of_service/yesterday",
    ] {
        let (status, _) = app.get(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // Removing the privacy policy.
    patch(&boss.token, json!({ "privacy_policy": "" })).await;
    let (status, _) = app.get("/api/v1/instance/privacy_policy", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, log) = app
        .get("/api/v1/admin/action_logs", Some(&boss.token))
        .await;
    assert!(log
        .as_array()
        .expect("log")
        .iter()
        .any(|e| e["action"] == "update_instance"));
}

#[tokio::test]
async fn languages_and_translation_languages() {
    let app = TestApp::spawn().await;
    let (status, langs) = app.get("/api/v1/instance/languages", None).await;
    assert_eq!(status, StatusCode::OK);
    let langs = langs.as_array().expect("list");
    assert!(langs.len() > 180);
    assert!(langs.contains(&json!({ "code": "en", "name": "English" })));
    assert!(langs.contains(&json!({ "code": "ja", "name": "Japanese" })));
    let (status, translations) = app
        .get("/api/v1/instance/translation_languages", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(translations, json!({}), "no translation service");
}
