//! Registration in each mode, credentials, profile edits, lookup, and their bad inputs.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_shape, TestApp, ACCOUNT_FIELDS};
use rookery::config::RegistrationMode;

fn signup(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@example.com"),
        "password": "correct horse battery",
        "agreement": true,
        "locale": "en",
    })
}

#[tokio::test]
async fn open_registration_gives_a_working_token() {
    let app = TestApp::spawn().await;
    let token = app.app_token("read write").await;
    let (status, body) = app
        .post("/api/v1/accounts", Some(&token), signup("alice"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shape(
        &body,
        &[
            ("access_token", "string"),
            ("token_type", "string"),
            ("scope", "string"),
            ("created_at", "number"),
            ("refresh_token", "string"),
        ],
    );
    assert_eq!(body["scope"], "read write");
    let user_token = body["access_token"].as_str().expect("token");
    let (status, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(user_token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "alice");
    assert_eq!(me["acct"], "alice");
    assert_eq!(me["url"], format!("{}/@alice", app.base));
    assert_eq!(me["uri"], format!("{}/users/alice", app.base));

    // Form-encoded sign-up, as Mastodon.py sends it, with agreement spelled "1".
    let (status, body) = app
        .post_form(
            "/api/v1/accounts",
            Some(&token),
            &[
                ("username", "bob"),
                ("email", "bob@example.com"),
                ("password", "hunter2hunter2"),
                ("agreement", "1"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Without an app token there is no sign-up.
    assert_eq!(
        app.post("/api/v1/accounts", None, signup("carol")).await.0,
        StatusCode::UNAUTHORIZED
    );
    // An app token without write scope.
    let read_only = app.app_token("read").await;
    assert_eq!(
        app.post("/api/v1/accounts", Some(&read_only), signup("carol"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn registration_validation() {
    let app = TestApp::spawn_with(|c| c.rate_limits.registrations_per_ip = 0).await;
    let token = app.app_token("read write").await;
    app.register("alice").await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (signup("Alice"), "username", "ERR_TAKEN"),
        (
            json!({"username": "alice2", "email": "alice@example.com", "password": "correct horse battery", "agreement": true}),
            "email",
            "ERR_TAKEN",
        ),
        (
            json!({"username": "ALICE2", "email": "ALICE@EXAMPLE.COM", "password": "correct horse battery", "agreement": true}),
            "email",
            "ERR_TAKEN",
        ),
        (signup("admin"), "username", "ERR_RESERVED"),
        (signup("Root"), "username", "ERR_RESERVED"),
        (signup("bad name"), "username", "ERR_INVALID"),
        (signup("dots.are.bad"), "username", "ERR_INVALID"),
        (signup("émile"), "username", "ERR_INVALID"),
        (signup(&"a".repeat(31)), "username", "ERR_TOO_LONG"),
        (
            json!({"email": "x@example.com", "password": "correct horse battery", "agreement": true}),
            "username",
            "ERR_BLANK",
        ),
        (
            json!({"username": "dave", "email": "not-an-email", "password": "correct horse battery", "agreement": true}),
            "email",
            "ERR_INVALID",
        ),
        (
            json!({"username": "dave", "email": "dave@example.com", "password": "short", "agreement": true}),
            "password",
            "ERR_TOO_SHORT",
        ),
        (
            json!({"username": "dave", "email": "dave@example.com", "password": "x".repeat(73), "agreement": true}),
            "password",
            "ERR_TOO_LONG",
        ),
        (
            json!({"username": "dave", "email": "dave@example.com", "password": "correct horse battery"}),
            "agreement",
            "ERR_ACCEPTED",
        ),
        (
            json!({"username": "dave", "email": "dave@example.com", "password": "correct horse battery", "agreement": true, "locale": "klingon"}),
            "locale",
            "ERR_INCLUSION",
        ),
        (
            json!({"username": "dave", "email": "dave@example.com", "password": "correct horse battery", "agreement": "perhaps"}),
            "agreement",
            "ERR_INVALID",
        ),
        (
            json!({"username": 42.5, "email": "dave@example.com", "password": "correct horse battery", "agreement": {"a": 1}}),
            "agreement",
            "ERR_INVALID",
        ),
    ];
    for (body, field, code) in cases {
        let (status, res) = app
            .post("/api/v1/accounts", Some(&token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {res}");
        assert_eq!(res["details"][field][0]["error"], code, "{body} → {res}");
    }
    // Several errors at once are all reported.
    let (_, res) = app
        .post(
            "/api/v1/accounts",
            Some(&token),
            json!({"username": "", "password": "x"}),
        )
        .await;
    for field in ["username", "email", "password", "agreement"] {
        assert!(
            res["details"].get(field).is_some(),
            "{field} missing in {res}"
        );
    }
    // Nothing was stored: only alice exists.
    let (_, found) = app.get("/api/v1/accounts/lookup?acct=dave", None).await;
    assert_eq!(found["error"], "Record not found");
}

#[tokio::test]
async fn approval_mode_keeps_new_accounts_pending() {
    let app = TestApp::spawn_with(|c| c.registrations = RegistrationMode::Approval).await;
    let token = app.app_token("read write").await;
    let (status, body) = app
        .post("/api/v1/accounts", Some(&token), json!({"username": "pat", "email": "pat@example.com", "password": "correct horse battery", "agreement": true, "reason": "I like birds"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user_token = body["access_token"].as_str().expect("token").to_string();
    let (status, res) = app
        .get("/api/v1/accounts/verify_credentials", Some(&user_token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(res["error"], "Your login is currently pending approval");
    let (_, instance) = app.get("/api/v2/instance", None).await;
    assert_eq!(instance["registrations"]["approval_required"], true);

    rookery::service::accounts::approve(&app.state, "pat")
        .await
        .expect("approve");
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&user_token))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn closed_mode_refuses_sign_ups() {
    let app = TestApp::spawn_with(|c| c.registrations = RegistrationMode::Closed).await;
    let token = app.app_token("read write").await;
    let (status, res) = app
        .post("/api/v1/accounts", Some(&token), signup("nobody"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(res["error"].is_string());
    let (_, instance) = app.get("/api/v2/instance", None).await;
    assert_eq!(instance["registrations"]["enabled"], false);
    let (_, v1) = app.get("/api/v1/instance", None).await;
    assert_eq!(v1["registrations"], false);
}

#[tokio::test]
async fn registration_is_rate_limited_per_ip() {
    let app = TestApp::spawn_with(|c| c.rate_limits.registrations_per_ip = 2).await;
    let token = app.app_token("read write").await;
    let post = |name: &'static str, ip: &'static str| {
        app.client
            .post(app.url("/api/v1/accounts"))
            .bearer_auth(&token)
            .header("x-forwarded-for", ip)
            .json(&signup(name))
            .send()
    };
    assert_eq!(
        post("one", "203.0.113.5").await.expect("send").status(),
        StatusCode::OK
    );
    assert_eq!(
        post("two", "203.0.113.5").await.expect("send").status(),
        StatusCode::OK
    );
    let limited = post("three", "203.0.113.5").await.expect("send");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["x-ratelimit-limit"], "2");
    assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
    assert!(limited.headers().get("x-ratelimit-reset").is_some());
    assert_eq!(
        limited.json::<Value>().await.expect("json")["error"],
        "Too many requests"
    );
    // Another address is not limited, and the limited request stored nothing.
    assert_eq!(
        post("three", "198.51.100.7").await.expect("send").status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn credential_account_shape() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (status, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut fields: Vec<(&str, &str)> = ACCOUNT_FIELDS.to_vec();
    fields.push(("source", "object"));
    fields.push(("role", "object"));
    assert_shape(&me, &fields);
    assert_shape(
        &me["source"],
        &[
            ("privacy", "string"),
            ("sensitive", "boolean"),
            ("language", "string"),
            ("note", "string"),
            ("fields", "array"),
            ("follow_requests_count", "number"),
            ("hide_collections", "boolean|null"),
            ("discoverable", "boolean|null"),
            ("indexable", "boolean"),
            ("attribution_domains", "array"),
            ("quote_policy", "string"),
        ],
    );
    assert_shape(
        &me["role"],
        &[
            ("id", "string"),
            ("name", "string"),
            ("color", "string"),
            ("permissions", "string"),
            ("highlighted", "boolean"),
        ],
    );
    assert!(me["created_at"]
        .as_str()
        .expect("date")
        .ends_with("T00:00:00.000Z"));
    assert_eq!(
        me["avatar"],
        format!("{}/avatars/original/missing.png", app.base)
    );
    // The default avatar is really served.
    let res = app
        .client
        .get(me["avatar"].as_str().expect("url"))
        .send()
        .await
        .expect("avatar");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
}

#[tokio::test]
async fn update_credentials_json_form_and_multipart() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let patch = |body: Value| {
        app.client
            .patch(app.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&alice.token)
            .json(&body)
            .send()
    };
    let res = patch(json!({
        "display_name": "Alice A.",
        "note": "Hi <b>there</b>\nsee https://alice.example",
        "locked": true,
        "bot": "false",
        "fields_attributes": [{"name": "Site", "value": "https://alice.example"}, {"name": "Pronouns", "value": "she/her"}],
        "source": {"privacy": "unlisted", "sensitive": true, "language": "fr"}
    }))
    .await
    .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["display_name"], "Alice A.");
    assert_eq!(me["locked"], true);
    let note = me["note"].as_str().expect("note");
    assert!(note.contains("&lt;b&gt;there&lt;/b&gt;"), "{note}");
    assert!(note.contains("<a href=\"https://alice.example\""), "{note}");
    assert_eq!(
        me["source"]["note"],
        "Hi <b>there</b>\nsee https://alice.example"
    );
    assert_eq!(me["source"]["privacy"], "unlisted");
    assert_eq!(me["source"]["sensitive"], true);
    assert_eq!(me["source"]["language"], "fr");
    assert_eq!(me["fields"][0]["name"], "Site");
    assert!(me["fields"][0]["value"]
        .as_str()
        .expect("value")
        .contains("<a href"));
    assert_eq!(me["source"]["fields"][0]["value"], "https://alice.example");
    assert_eq!(me["fields"][1]["value"], "she/her");

    // Rails-style form keys, as Mastodon.py and most apps send them.
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .form(&[
            ("display_name", "Form Alice"),
            ("fields_attributes[0][name]", "Only"),
            ("fields_attributes[0][value]", "field"),
            ("source[privacy]", "private"),
            ("locked", "0"),
        ])
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["display_name"], "Form Alice");
    assert_eq!(me["fields"].as_array().expect("fields").len(), 1);
    assert_eq!(me["source"]["privacy"], "private");
    assert_eq!(me["locked"], false);
    // Unchanged parts stay.
    assert_eq!(me["source"]["language"], "fr");

    // Multipart text fields.
    let form = reqwest::multipart::Form::new()
        .text("display_name", "Multipart Alice")
        .text("bot", "true");
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.expect("json");
    assert_eq!(
        (me["display_name"].as_str(), me["bot"].as_bool()),
        (Some("Multipart Alice"), Some(true))
    );

    // The public view shows the change.
    let (_, public) = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await;
    assert_eq!(public["display_name"], "Multipart Alice");
    assert_shape(&public, ACCOUNT_FIELDS);
}

#[tokio::test]
async fn update_credentials_rejects_bad_input_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let patch = |body: Value| {
        app.client
            .patch(app.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&alice.token)
            .json(&body)
            .send()
    };
    let five_fields: Vec<Value> = (0..5)
        .map(|i| json!({"name": format!("n{i}"), "value": "v"}))
        .collect();
    for (body, field) in [
        (
            json!({"display_name": "x".repeat(31), "note": "fine"}),
            "display_name",
        ),
        (json!({"note": "x".repeat(501)}), "note"),
        (json!({"fields_attributes": five_fields}), "fields"),
        (
            json!({"fields_attributes": [{"name": "x".repeat(256), "value": "v"}]}),
            "fields",
        ),
        (json!({"source": {"privacy": "secret"}}), "source.privacy"),
        (json!({"source": {"privacy": "direct"}}), "source.privacy"),
        (
            json!({"source": {"language": "english"}}),
            "source.language",
        ),
        (json!({"locked": "sometimes"}), "locked"),
        (json!({"bot": [true]}), "bot"),
        (json!({"fields_attributes": "nope"}), "fields_attributes"),
        (json!({"display_name": {"a": 1}}), "display_name"),
    ] {
        let res = patch(body.clone()).await.expect("patch");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let err: Value = res.json().await.expect("json");
        assert!(
            err["details"].get(field).is_some(),
            "{field} not named: {err}"
        );
    }
    // Malformed JSON.
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Image uploads are not accepted yet: a clear refusal, not a silent drop.
    let form = reqwest::multipart::Form::new()
        .text("display_name", "New")
        .part(
            "avatar",
            reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("a.png"),
        );
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing changed.
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["display_name"], "");
    assert_eq!(me["note"], "");
    assert_eq!(me["locked"], false);
}

#[tokio::test]
async fn lookup_and_show() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    for acct in ["alice", "@alice", "ALICE", &format!("alice@{}", app.addr)] {
        let (status, body) = app
            .get(
                &format!(
                    "/api/v1/accounts/lookup?acct={}",
                    crate::helpers::urlencode(acct)
                ),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{acct}: {body}");
        assert_eq!(body["id"], alice.id.as_str());
        assert_shape(&body, ACCOUNT_FIELDS);
    }
    let (status, body) = app.get("/api/v1/accounts/lookup?acct=nobody", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("Record not found"))
    );
    assert_eq!(
        app.get("/api/v1/accounts/lookup?acct=bob@elsewhere.example", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/accounts/lookup", None).await.0,
        StatusCode::BAD_REQUEST
    );

    let (status, body) = app
        .get(
            &format!("/api/v1/accounts/{}", alice.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["username"], "alice");
    for bad in ["999999", "abc", "-1", "1.5"] {
        assert_eq!(
            app.get(&format!("/api/v1/accounts/{bad}"), None).await.0,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    // An invalid token is an error even where a token is optional.
    assert_eq!(
        app.get(&format!("/api/v1/accounts/{}", alice.id), Some("bad"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}
