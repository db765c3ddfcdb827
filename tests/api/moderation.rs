//! Moderation end to end: the admin API (staff only), account suspension and silence, domain
//! blocks and allowlist mode across two instances, reports forwarded as `Flag`, CSV import and
//! export, user-level domain blocks, filters, rules, and rate limits.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_shape, TestApp, TestUser, ACCOUNT_FIELDS};

use crate::follows::eventually;

/// `who` on `app` resolves `handle` and returns its local id there.
async fn resolve(app: &TestApp, who: &TestUser, handle: &str) -> Option<String> {
    let (_, found) = app
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=accounts",
                crate::oauth::urlencode(handle)
            ),
            Some(&who.token),
        )
        .await;
    found["accounts"][0]["id"].as_str().map(str::to_string)
}

/// A user of `role` whose token carries the admin scopes too.
async fn staff(app: &TestApp, name: &str, role: rookery::model::Role) -> TestUser {
    let user = app
        .register_with_scopes(name, "read write follow admin:read admin:write")
        .await;
    rookery::service::accounts::set_role(&app.state, name, role)
        .await
        .expect("set role");
    user
}

async fn moderator(app: &TestApp) -> TestUser {
    staff(app, "moddy", rookery::model::Role::Moderator).await
}

async fn admin(app: &TestApp) -> TestUser {
    staff(app, "boss", rookery::model::Role::Admin).await
}

const ADMIN_ACCOUNT_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("username", "string"),
    ("domain", "string|null"),
    ("created_at", "string"),
    ("email", "string|null"),
    ("ip", "string|null"),
    ("ips", "array"),
    ("locale", "string|null"),
    ("invite_request", "string|null"),
    ("role", "object|null"),
    ("confirmed", "boolean"),
    ("approved", "boolean"),
    ("disabled", "boolean"),
    ("silenced", "boolean"),
    ("suspended", "boolean"),
    ("sensitized", "boolean"),
    ("account", "object"),
    ("created_by_application_id", "string|null"),
    ("invited_by_account_id", "string|null"),
];

async fn act(app: &TestApp, staff: &TestUser, id: &str, kind: &str) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/admin/accounts/{id}/action"),
        Some(&staff.token),
        json!({ "type": kind, "text": format!("{kind} for testing") }),
    )
    .await
}

#[tokio::test]
async fn admin_api_is_for_staff_with_admin_scopes() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let eve = app
        .register_with_scopes("eve", "read write admin:read admin:write")
        .await;
    let m = moderator(&app).await;

    for path in [
        "/api/v1/admin/accounts",
        "/api/v1/admin/reports",
        "/api/v1/admin/domain_blocks",
        "/api/v1/admin/domain_allows",
        "/api/v1/admin/action_logs",
    ] {
        let (status, body) = app.get(path, Some(&eve.token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body["error"].is_string());
        let (status, _) = app.get(path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        let (status, body) = app.get(path, Some(&m.token)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, _) = act(&app, &eve, &alice.id, "silence").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A moderator whose token lacks the admin scopes is refused too.
    rookery::service::accounts::set_role(&app.state, "alice", rookery::model::Role::Moderator)
        .await
        .expect("role");
    let (status, _) = app.get("/api/v1/admin/accounts", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    rookery::service::accounts::set_role(&app.state, "alice", rookery::model::Role::User)
        .await
        .expect("role");

    // Admin::Account, field for field, and the v1 filters.
    let (status, one) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", alice.id),
            Some(&m.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_shape(&one, ADMIN_ACCOUNT_FIELDS);
    assert_shape(&one["account"], ACCOUNT_FIELDS);
    assert_eq!(one["email"], "alice@example.com");
    assert_eq!(one["role"]["permissions"], "65536");
    let (_, staff_only) = app
        .get("/api/v1/admin/accounts?staff=true", Some(&m.token))
        .await;
    let names: Vec<&str> = staff_only
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["username"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["moddy"]);
    let (_, by_name) = app
        .get("/api/v1/admin/accounts?username=ali", Some(&m.token))
        .await;
    assert_eq!(by_name[0]["id"], alice.id.as_str());

    // Bad input: unknown action, unknown account, malformed report id.
    let (status, body) = act(&app, &m, &alice.id, "obliterate").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = act(&app, &m, "12345", "silence").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&m.token),
            json!({ "type": "silence", "report_id": "nope" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Moderators cannot act on themselves or on admins.
    let (status, _) = act(&app, &m, &m.id, "silence").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let boss = admin(&app).await;
    let (status, _) = act(&app, &m, &boss.id, "suspend").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, alice_now) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", alice.id),
            Some(&m.token),
        )
        .await;
    assert_eq!(alice_now["silenced"], false, "nothing was stored");
}

#[tokio::test]
async fn suspension_signs_out_hides_and_is_audited() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let m = moderator(&app).await;
    let post = app.post_status(&alice, "hello", json!({})).await;
    let post_id = post["id"].as_str().expect("id");

    let (status, body) = act(&app, &m, &alice.id, "suspend").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));

    // Her token is revoked and she cannot sign in again.
    let (status, _) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let client = app.create_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (status, _) = app
        .token_grant(
            &client,
            &[
                ("grant_type", "password"),
                ("username", "alice@example.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    // Hidden everywhere.
    let (status, _) = app
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.ids("/api/v1/timelines/public", None).await.is_empty());
    let (status, _) = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Moderators still see her, suspended.
    let (_, seen) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", alice.id),
            Some(&m.token),
        )
        .await;
    assert_eq!(seen["suspended"], true);
    let (_, listed) = app
        .get("/api/v1/admin/accounts?suspended=true", Some(&m.token))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    // Unsuspend brings the posts back; the audit log has both, newest first, with reasons.
    let (status, back) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/unsuspend", alice.id),
            Some(&m.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_shape(&back, ADMIN_ACCOUNT_FIELDS);
    assert_eq!(back["suspended"], false);
    let (status, _) = app
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, log) = app.get("/api/v1/admin/action_logs", Some(&m.token)).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert_eq!(log[0]["action"], "unsuspend");
    assert_eq!(log[1]["action"], "suspend");
    assert_eq!(log[1]["human_identifier"], "alice");
    assert_eq!(log[1]["text"], "suspend for testing");
    assert_eq!(log[1]["account"]["username"], "moddy");

    // Disable: signed out, cannot act; enable lets her sign in again.
    let (status, _) = act(&app, &m, &alice.id, "disable").await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", alice.id),
            Some(&m.token),
        )
        .await;
    assert_eq!(seen["disabled"], true);
    let (status, back) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/enable", alice.id),
            Some(&m.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back["disabled"], false);

    // Sensitive and back.
    act(&app, &m, &bob.id, "sensitive").await;
    let (_, seen) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", bob.id),
            Some(&m.token),
        )
        .await;
    assert_eq!(seen["sensitized"], true);
    let (_, back) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/unsensitive", bob.id),
            Some(&m.token),
            json!({}),
        )
        .await;
    assert_eq!(back["sensitized"], false);
}

#[tokio::test]
async fn silenced_accounts_leave_public_timelines_but_not_followers_homes() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let m = moderator(&app).await;
    app.follow(&carol, &alice).await;
    app.get("/api/v1/timelines/home", Some(&carol.token)).await;
    let post = app.post_status(&alice, "loud", json!({})).await;
    let id = post["id"].as_str().expect("id").to_string();
    app.drain_jobs().await;
    assert_eq!(
        app.ids("/api/v1/timelines/public", None).await,
        vec![id.clone()]
    );

    let (status, _) = act(&app, &m, &alice.id, "silence").await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.ids("/api/v1/timelines/public", None).await.is_empty());
    assert!(app
        .ids("/api/v1/timelines/public", Some(&dave.token))
        .await
        .is_empty());
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&carol.token)).await,
        vec![id.clone()]
    );
    // Non-followers do not see her posts; followers do.
    let (status, _) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&dave.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&carol.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, account) = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await;
    assert_eq!(account["limited"], true);
    // Her favourites notify only those who follow her.
    app.follow(&alice, &carol).await;
    let carols = app.post_status(&carol, "carol's", json!({})).await;
    let daves = app.post_status(&dave, "dave's", json!({})).await;
    for s in [&carols, &daves] {
        let (status, _) = app
            .post(
                &format!(
                    "/api/v1/statuses/{}/favourite",
                    s["id"].as_str().expect("id")
                ),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, notes) = app
        .get(
            "/api/v1/notifications?types[]=favourite",
            Some(&carol.token),
        )
        .await;
    assert_eq!(notes.as_array().map(Vec::len), Some(1), "{notes}");
    let (_, notes) = app.get("/api/v1/notifications", Some(&dave.token)).await;
    assert_eq!(notes, json!([]));

    let (status, _) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/unsilence", alice.id),
            Some(&m.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(app
        .ids("/api/v1/timelines/public", None)
        .await
        .contains(&id));
}

#[tokio::test]
async fn approving_and_rejecting_sign_ups() {
    let app =
        TestApp::spawn_with(|c| c.registrations = rookery::config::RegistrationMode::Approval)
            .await;
    rookery::service::accounts::create_by_admin(
        &app.state,
        "moddy",
        "moddy@example.com",
        rookery::model::Role::Moderator,
        Some("correct horse battery".into()),
    )
    .await
    .expect("moderator");
    let client = app
        .create_client("admin:read admin:write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let m = TestUser {
        id: String::new(),
        username: "moddy".into(),
        token: app
            .password_token(&client, "moddy", "admin:read admin:write")
            .await,
    };
    let token = app.app_token("read write").await;
    for name in ["wanda", "xena"] {
        let (status, body) = app
            .post(
                "/api/v1/accounts",
                Some(&token),
                json!({ "username": name, "email": format!("{name}@example.com"), "password": "correct horse battery", "agreement": true, "locale": "en", "reason": "hi" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, pending) = app
        .get("/api/v1/admin/accounts?pending=true", Some(&m.token))
        .await;
    let pending = pending.as_array().expect("list").clone();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(pending[0]["approved"], false);
    assert_eq!(pending[0]["invite_request"], "hi");
    let (wanda, xena) = if pending[0]["username"] == "wanda" {
        (&pending[0], &pending[1])
    } else {
        (&pending[1], &pending[0])
    };
    let (status, ok) = app
        .post(
            &format!(
                "/api/v1/admin/accounts/{}/approve",
                wanda["id"].as_str().expect("id")
            ),
            Some(&m.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["approved"], true);
    // Approving twice is refused.
    let (status, _) = app
        .post(
            &format!(
                "/api/v1/admin/accounts/{}/approve",
                wanda["id"].as_str().expect("id")
            ),
            Some(&m.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let xena_id = xena["id"].as_str().expect("id");
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/accounts/{xena_id}/reject"),
            Some(&m.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .get(&format!("/api/v1/admin/accounts/{xena_id}"), Some(&m.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a rejected sign-up is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspending_a_local_account_deletes_it_on_remote_servers() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let m = moderator(&a).await;
    b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr))
        .await
        .expect("resolved");
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["followers_count"] == 1
    })
    .await;
    let post = a.post_status(&alice, "soon gone", json!({})).await;
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|l| l.iter().any(|s| s["uri"] == post["uri"]))
    })
    .await;

    let (status, _) = act(&a, &m, &alice.id, "suspend").await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "the Delete of alice reaches B", async || {
        let (status, _) = b.get(&format!("/api/v1/accounts/{alice_on_b}"), None).await;
        status == StatusCode::NOT_FOUND
    })
    .await;
    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert_eq!(home, json!([]));
    let (_, me) = b
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["following_count"], 0);
}

/// A count on `app`'s database, with `$1` bound to `value`.
async fn count(app: &TestApp, sql: &str, value: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(value)
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_domain_can_neither_deliver_nor_receive() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let boss = admin(&a).await;
    a.get("/api/v1/timelines/home", Some(&alice.token)).await;
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr))
        .await
        .expect("resolved");
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "alice follows bob", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["following_count"] == 1
    })
    .await;

    let (status, block) = a
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&boss.token),
            json!({ "domain": b.addr.to_string(), "severity": "suspend", "private_comment": "abuse", "public_comment": "spam" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{block}");
    assert_shape(
        &block,
        &[
            ("id", "string"),
            ("domain", "string"),
            ("digest", "string"),
            ("created_at", "string"),
            ("severity", "string"),
            ("reject_media", "boolean"),
            ("reject_reports", "boolean"),
            ("private_comment", "string|null"),
            ("public_comment", "string|null"),
            ("obfuscate", "boolean"),
        ],
    );
    // Follows are severed and the domain's accounts hidden.
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["following_count"], 0);
    let (status, _) = a.get(&format!("/api/v1/accounts/{bob_on_a}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // B still believes alice follows bob: its delivery of bob's post is refused with 403.
    let post = b.post_status(&bob, "let me in", json!({})).await;
    b.drain_jobs().await;
    a.drain_jobs().await;
    let failed: Vec<String> = sqlx::query_scalar(
        "SELECT last_error FROM jobs WHERE kind = 'deliver' AND state = 'failed'",
    )
    .fetch_all(&b.state.db)
    .await
    .expect("jobs");
    assert!(failed.iter().any(|e| e.contains("403")), "{failed:?}");
    let uri = post["uri"].as_str().expect("uri");
    assert_eq!(
        count(&a, "SELECT count(*) FROM statuses WHERE uri = $1", uri).await,
        0
    );

    // Nothing is queued for the domain: a delivery aimed at it is dropped at the outbox.
    let alice_account = rookery::store::accounts::local_by_username(&a.state.db, "alice")
        .await
        .expect("query")
        .expect("alice");
    let mut conn = a.state.db.acquire().await.expect("conn");
    rookery::federation::outbox::deliver(
        &mut conn,
        &alice_account,
        &json!({ "type": "Create" }),
        &[b.url("/inbox"), "https://elsewhere.example/inbox".into()],
    )
    .await
    .expect("deliver");
    drop(conn);
    let queued: Vec<Value> = sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'deliver'")
        .fetch_all(&a.state.db)
        .await
        .expect("jobs");
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0]["inbox"], "https://elsewhere.example/inbox");
    sqlx::query("DELETE FROM jobs")
        .execute(&a.state.db)
        .await
        .expect("clear");

    // Fetches are refused too: B's accounts cannot be resolved.
    assert_eq!(
        resolve(&a, &alice, &format!("someone@{}", b.addr)).await,
        None
    );

    // The public list, per configuration ("users" by default), with the public comment only.
    let (status, _) = a.get("/api/v1/instance/domain_blocks", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, list) = a
        .get("/api/v1/instance/domain_blocks", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_shape(
        &list[0],
        &[
            ("domain", "string"),
            ("digest", "string"),
            ("severity", "string"),
            ("comment", "string|null"),
        ],
    );
    assert_eq!(list[0]["comment"], "spam");

    // Lifting the block restores the accounts it hid.
    let id = block["id"].as_str().expect("id");
    let (status, _) = a
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/domain_blocks/{id}"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = a.get(&format!("/api/v1/accounts/{bob_on_a}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, log) = a.get("/api/v1/admin/action_logs", Some(&boss.token)).await;
    assert_eq!(log[0]["action"], "destroy_domain_block");
    assert_eq!(log[1]["action"], "create_domain_block");
    assert_eq!(log[1]["text"], "abuse");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silenced_domain_stays_out_of_public_timelines() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let boss = admin(&a).await;
    let (status, block) = a
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&boss.token),
            json!({ "domain": "127.0.0.1", "severity": "silence" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{block}");
    // The block names the host without a port: it covers every port, so accounts of B that
    // become known later are silenced on arrival.
    a.get("/api/v1/timelines/home", Some(&alice.token)).await;
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr))
        .await
        .expect("resolved");
    let (_, bob_seen) = a.get(&format!("/api/v1/accounts/{bob_on_a}"), None).await;
    assert_eq!(bob_seen["limited"], true, "{bob_seen}");
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "alice follows bob", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["following_count"] == 1
    })
    .await;
    let post = b.post_status(&bob, "quiet please", json!({})).await;
    eventually(&a, &b, "bob's post reaches alice's home", async || {
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        home.as_array()
            .is_some_and(|l| l.iter().any(|s| s["uri"] == post["uri"]))
    })
    .await;
    let (_, public) = a.get("/api/v1/timelines/public", None).await;
    assert_eq!(public, json!([]));

    // Bad input for blocks: blank, invalid, duplicate, unknown severity.
    for (body, field) in [
        (json!({}), "domain"),
        (json!({ "domain": "not a domain" }), "domain"),
        (json!({ "domain": "127.0.0.1" }), "domain"),
        (
            json!({ "domain": "x.example", "severity": "annihilate" }),
            "severity",
        ),
    ] {
        let (status, err) = a
            .post("/api/v1/admin/domain_blocks", Some(&boss.token), body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(err["details"][field].is_array(), "{err}");
    }
    let (_, all) = a
        .get("/api/v1/admin/domain_blocks", Some(&boss.token))
        .await;
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    // Update to noop lifts the silence.
    let id = block["id"].as_str().expect("id");
    let (status, updated) = a
        .request(
            Method::PUT,
            &format!("/api/v1/admin/domain_blocks/{id}"),
            Some(&boss.token),
            Some(json!({ "severity": "noop", "reject_reports": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["severity"], "noop");
    assert_eq!(updated["reject_reports"], true);
    let (_, bob_seen) = a.get(&format!("/api/v1/accounts/{bob_on_a}"), None).await;
    assert!(
        bob_seen
            .get("limited")
            .is_none_or(|l| l.is_null() || l == false),
        "{bob_seen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowlist_mode_refuses_instances_not_allowed() {
    let a = TestApp::spawn_with(|c| c.moderation.allowlist_mode = true).await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let boss = admin(&a).await;

    // A cannot look B up, and B's Follow is refused at A's inbox.
    assert_eq!(resolve(&a, &alice, &format!("bob@{}", b.addr)).await, None);
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr))
        .await
        .expect("resolved");
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    b.drain_jobs().await;
    a.drain_jobs().await;
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["followers_count"], 0);
    let failed: Vec<String> =
        sqlx::query_scalar("SELECT last_error FROM jobs WHERE state = 'failed'")
            .fetch_all(&b.state.db)
            .await
            .expect("jobs");
    assert!(failed.iter().any(|e| e.contains("403")), "{failed:?}");

    // Once allowed, B federates.
    let (status, allow) = a
        .post(
            "/api/v1/admin/domain_allows",
            Some(&boss.token),
            json!({ "domain": b.addr.to_string() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{allow}");
    assert_shape(
        &allow,
        &[
            ("id", "string"),
            ("domain", "string"),
            ("created_at", "string"),
        ],
    );
    let (status, _) = a
        .post(
            "/api/v1/admin/domain_allows",
            Some(&boss.token),
            json!({ "domain": b.addr.to_string() }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = a
        .post("/api/v1/admin/domain_allows", Some(&boss.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resolve(&a, &alice, &format!("bob@{}", b.addr))
        .await
        .is_some());
    // Bob's refused request is still pending on B; carl's goes through.
    let carl = b.register("carl").await;
    let (status, _) = b
        .post(
            &format!("/api/v1/accounts/{alice_on_b}/follow"),
            Some(&carl.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "carl's follow arrives", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["followers_count"] == 1
    })
    .await;
    let (_, list) = a
        .get("/api/v1/admin/domain_allows", Some(&boss.token))
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

const REPORT_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("action_taken", "boolean"),
    ("action_taken_at", "string|null"),
    ("category", "string"),
    ("comment", "string"),
    ("forwarded", "boolean"),
    ("created_at", "string"),
    ("status_ids", "array|null"),
    ("rule_ids", "array|null"),
    ("target_account", "object"),
];

const ADMIN_REPORT_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("action_taken", "boolean"),
    ("action_taken_at", "string|null"),
    ("category", "string"),
    ("comment", "string"),
    ("forwarded", "boolean"),
    ("created_at", "string"),
    ("updated_at", "string"),
    ("account", "object"),
    ("target_account", "object"),
    ("assigned_account", "object|null"),
    ("action_taken_by_account", "object|null"),
    ("statuses", "array"),
    ("rules", "array"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_forwarded_as_flags_and_handled_by_moderators() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let b_mod = moderator(&b).await;
    let a_mod = moderator(&a).await;
    // Bob's post reaches A through alice's follow.
    a.get("/api/v1/timelines/home", Some(&alice.token)).await;
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr))
        .await
        .expect("resolved");
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "alice follows bob", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["following_count"] == 1
    })
    .await;
    let post = b.post_status(&bob, "buy my pills", json!({})).await;
    let mut copy_id = String::new();
    eventually(&a, &b, "bob's post reaches alice", async || {
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        match home
            .as_array()
            .and_then(|l| l.iter().find(|s| s["uri"] == post["uri"]))
        {
            Some(s) => {
                copy_id = s["id"].as_str().expect("id").to_string();
                true
            }
            None => false,
        }
    })
    .await;

    // Bad reports: no account, unknown account, yourself, a status not by the target,
    // an unknown category, a comment too long, rules without the violation category.
    let own = a.post_status(&alice, "mine", json!({})).await;
    for (body, expected) in [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "account_id": "999" }), StatusCode::NOT_FOUND),
        (
            json!({ "account_id": alice.id }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "account_id": bob_on_a, "status_ids": [own["id"]] }),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({ "account_id": bob_on_a, "category": "boring" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "account_id": bob_on_a, "comment": "x".repeat(1001) }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "account_id": bob_on_a, "category": "spam", "rule_ids": ["1"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, err) = a
            .post("/api/v1/reports", Some(&alice.token), body.clone())
            .await;
        assert_eq!(status, expected, "{body}: {err}");
        assert!(err["error"].is_string());
    }
    let (_, none) = a.get("/api/v1/admin/reports", Some(&a_mod.token)).await;
    assert_eq!(none, json!([]), "nothing stored");

    let (status, report) = a
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob_on_a, "status_ids": [copy_id], "comment": "spam!", "category": "spam", "forward": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_shape(&report, REPORT_FIELDS);
    assert_eq!(report["forwarded"], true);
    assert_eq!(report["status_ids"], json!([copy_id]));
    assert_eq!(report["target_account"]["id"], bob_on_a.as_str());

    // A's moderators see it with the status.
    let (_, local) = a.get("/api/v1/admin/reports", Some(&a_mod.token)).await;
    assert_shape(&local[0], ADMIN_REPORT_FIELDS);
    assert_eq!(local[0]["statuses"][0]["id"], copy_id.as_str());
    assert_eq!(local[0]["account"]["username"], "alice");

    // The Flag arrives on B as a report about bob, from A's instance actor, with the post.
    let mut on_b = Value::Null;
    eventually(&a, &b, "the Flag arrives on B", async || {
        let (_, list) = b.get("/api/v1/admin/reports", Some(&b_mod.token)).await;
        on_b = list[0].clone();
        !on_b.is_null()
    })
    .await;
    assert_shape(&on_b, ADMIN_REPORT_FIELDS);
    assert_eq!(on_b["target_account"]["username"], "bob");
    assert_eq!(on_b["comment"], "spam!");
    assert_eq!(on_b["account"]["domain"], a.addr.to_string());
    assert_eq!(on_b["statuses"][0]["uri"], post["uri"]);

    // B's moderator works the report.
    let rid = on_b["id"].as_str().expect("id").to_string();
    let path = |step: &str| format!("/api/v1/admin/reports/{rid}/{step}");
    let (status, r) = b
        .post(&path("assign_to_self"), Some(&b_mod.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["assigned_account"]["username"], "moddy");
    let (_, r) = b
        .post(&path("unassign"), Some(&b_mod.token), json!({}))
        .await;
    assert!(r["assigned_account"].is_null());
    let (_, r) = b
        .post(&path("resolve"), Some(&b_mod.token), json!({}))
        .await;
    assert_eq!(r["action_taken"], true);
    assert_eq!(r["action_taken_by_account"]["username"], "moddy");
    let (_, open) = b.get("/api/v1/admin/reports", Some(&b_mod.token)).await;
    assert_eq!(open, json!([]));
    let (_, resolved) = b
        .get("/api/v1/admin/reports?resolved=true", Some(&b_mod.token))
        .await;
    assert_eq!(resolved.as_array().map(Vec::len), Some(1));
    let (_, r) = b.post(&path("reopen"), Some(&b_mod.token), json!({})).await;
    assert_eq!(r["action_taken"], false);
    // Acting on the account with the report resolves it.
    let bob_id = r["target_account"]["id"].as_str().expect("id").to_string();
    let (status, _) = b
        .post(
            &format!("/api/v1/admin/accounts/{bob_id}/action"),
            Some(&b_mod.token),
            json!({ "type": "silence", "report_id": rid, "text": "no spam" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, r) = b
        .get(&format!("/api/v1/admin/reports/{rid}"), Some(&b_mod.token))
        .await;
    assert_eq!(r["action_taken"], true);
    assert_eq!(r["target_account"]["silenced"], true);
    let (status, _) = b.get("/api/v1/admin/reports/1", Some(&b_mod.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = b
        .get(&format!("/api/v1/admin/reports/{rid}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn mastodon_blocklist_csv_imports_and_exports() {
    let app = TestApp::spawn().await;
    let boss = admin(&app).await;
    // As Mastodon's admin export writes it.
    let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
               spam.example,suspend,true,true,\"Spam, lots of it\",false\n\
               loud.example,silence,false,false,,true\n\
               media.example,noop,true,false,Bad media,false\n\
               not a domain,suspend,false,false,,false\n";
    let form = reqwest::multipart::Form::new().part(
        "data",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("blocks.csv"),
    );
    let res = app
        .client
        .post(app.url("/api/v1/admin/domain_blocks/import"))
        .bearer_auth(&boss.token)
        .multipart(form)
        .send()
        .await
        .expect("import");
    assert_eq!(res.status(), StatusCode::OK);
    let result: Value = res.json().await.expect("json");
    assert_eq!(
        result["created"],
        json!(["spam.example", "loud.example", "media.example"])
    );
    assert_eq!(result["errors"][0]["line"], 5);

    let (_, blocks) = app
        .get("/api/v1/admin/domain_blocks", Some(&boss.token))
        .await;
    let spam = blocks
        .as_array()
        .expect("list")
        .iter()
        .find(|b| b["domain"] == "spam.example")
        .expect("spam.example");
    assert_eq!(spam["severity"], "suspend");
    assert_eq!(spam["reject_media"], true);
    assert_eq!(spam["public_comment"], "Spam, lots of it");

    // Importing again creates nothing; a headerless list of domains works too.
    let (status, again) = app
        .post(
            "/api/v1/admin/domain_blocks/import",
            Some(&boss.token),
            json!({ "data": "spam.example\nnew.example\n" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["existing"], json!(["spam.example"]));
    assert_eq!(again["created"], json!(["new.example"]));
    let (status, _) = app
        .post(
            "/api/v1/admin/domain_blocks/import",
            Some(&boss.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let res = app
        .client
        .get(app.url("/api/v1/admin/domain_blocks/export"))
        .bearer_auth(&boss.token)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), StatusCode::OK);
    let exported = res.text().await.expect("text");
    assert!(exported.starts_with(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    ));
    assert!(
        exported.contains("spam.example,suspend,true,true,\"Spam, lots of it\",false\n"),
        "{exported}"
    );

    // Obfuscated domains are starred out in the public list.
    let app_public = &app;
    let (_, public) = app_public
        .get("/api/v1/instance/domain_blocks", Some(&boss.token))
        .await;
    assert!(
        public
            .as_array()
            .expect("list")
            .iter()
            .any(|b| b["domain"] == "lo*d.exa*ple"),
        "{public}"
    );
}

const FILTER_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("title", "string"),
    ("context", "array"),
    ("expires_at", "string|null"),
    ("filter_action", "string"),
    ("keywords", "array"),
    ("statuses", "array"),
];

#[tokio::test]
async fn keyword_filters_warn_and_hide() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&bob, &alice).await;
    app.get("/api/v1/timelines/home", Some(&bob.token)).await;

    // Bad filters are refused and nothing is stored.
    for (body, field) in [
        (json!({ "context": ["home"] }), "title"),
        (json!({ "title": "x", "context": [] }), "context"),
        (
            json!({ "title": "x", "context": ["everywhere"] }),
            "context",
        ),
        (
            json!({ "title": "x", "context": ["home"], "filter_action": "explode" }),
            "filter_action",
        ),
        (
            json!({ "title": "x", "context": ["home"], "expires_in": -5 }),
            "expires_in",
        ),
        (
            json!({ "title": "x", "context": ["home"], "keywords_attributes": [{ "keyword": "" }] }),
            "keywords.keyword",
        ),
    ] {
        let (status, err) = app
            .post("/api/v2/filters", Some(&bob.token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["details"][field].is_array(), "{err}");
    }
    let (status, body) = app
        .post(
            "/api/v2/filters",
            Some(&bob.token),
            json!({ "title": "x", "context": ["home"], "expires_in": "soon" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, none) = app.get("/api/v2/filters", Some(&bob.token)).await;
    assert_eq!(none, json!([]));

    // A warn filter (whole word) and a hide filter (substring), as a form would send them.
    let (status, warn) = app
        .post(
            "/api/v2/filters",
            Some(&bob.token),
            json!({ "title": "Spoilers", "context": ["home", "public"], "filter_action": "warn",
                    "keywords_attributes": [{ "keyword": "dragon", "whole_word": true }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{warn}");
    assert_shape(&warn, FILTER_FIELDS);
    assert_shape(
        &warn["keywords"][0],
        &[
            ("id", "string"),
            ("keyword", "string"),
            ("whole_word", "boolean"),
        ],
    );
    let (status, hide) = app
        .post_form(
            "/api/v2/filters",
            Some(&bob.token),
            &[
                ("title", "Crypto"),
                ("context[]", "home"),
                ("filter_action", "hide"),
                ("expires_in", "3600"),
                ("keywords_attributes[][keyword]", "coin"),
                ("keywords_attributes[][whole_word]", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hide}");
    assert!(hide["expires_at"].is_string());
    assert_eq!(hide["keywords"][0]["whole_word"], false);

    let dragon = app
        .post_status(&alice, "A Dragon appears!", json!({}))
        .await;
    let dragonfly = app.post_status(&alice, "a dragonfly", json!({})).await;
    let coin = app.post_status(&alice, "buy bitcoins now", json!({})).await;
    app.drain_jobs().await;

    let (_, home) = app.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let home = home.as_array().expect("list").clone();
    let ids: Vec<&str> = home.iter().map(|s| s["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        vec![
            dragonfly["id"].as_str().expect("id"),
            dragon["id"].as_str().expect("id")
        ],
        "the hide filter removes the coin post"
    );
    let warned = &home[1];
    assert_shape(
        &warned["filtered"][0],
        &[
            ("filter", "object"),
            ("keyword_matches", "array|null"),
            ("status_matches", "array|null"),
        ],
    );
    assert_eq!(warned["filtered"][0]["filter"]["title"], "Spoilers");
    assert_eq!(warned["filtered"][0]["filter"]["filter_action"], "warn");
    assert_eq!(warned["filtered"][0]["keyword_matches"], json!(["dragon"]));
    assert_eq!(
        home[0]["filtered"],
        json!([]),
        "whole word: dragonfly does not match"
    );
    // Where the hide filter's context does not apply, the status is marked, not removed.
    let (_, one) = app
        .get(
            &format!("/api/v1/statuses/{}", coin["id"].as_str().expect("id")),
            Some(&bob.token),
        )
        .await;
    assert_eq!(one["filtered"][0]["filter"]["filter_action"], "hide");
    // The author is never filtered.
    let (_, mine) = app
        .get(
            &format!("/api/v1/statuses/{}", coin["id"].as_str().expect("id")),
            Some(&alice.token),
        )
        .await;
    assert_eq!(mine["filtered"], json!([]));

    // Keywords: add, change, remove; the filter: update and delete; others' filters are 404.
    let hide_id = hide["id"].as_str().expect("id");
    let (status, kw) = app
        .post(
            &format!("/api/v2/filters/{hide_id}/keywords"),
            Some(&bob.token),
            json!({ "keyword": "nft" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{kw}");
    let kw_id = kw["id"].as_str().expect("id");
    let (_, kw) = app
        .request(
            Method::PUT,
            &format!("/api/v2/filters/keywords/{kw_id}"),
            Some(&bob.token),
            Some(json!({ "whole_word": false })),
        )
        .await;
    assert_eq!(kw["whole_word"], false);
    let (_, list) = app
        .get(
            &format!("/api/v2/filters/{hide_id}/keywords"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let (status, _) = app
        .get(&format!("/api/v2/filters/{hide_id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(
            &format!("/api/v2/filters/keywords/{kw_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v2/filters/keywords/{kw_id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, updated) = app
        .request(
            Method::PUT,
            &format!("/api/v2/filters/{hide_id}"),
            Some(&bob.token),
            Some(json!({ "filter_action": "warn", "expires_in": "" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["filter_action"], "warn");
    assert!(updated["expires_at"].is_null());
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&bob.token))
            .await
            .len(),
        3
    );
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v2/filters/{hide_id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = app.get("/api/v2/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_hide_domains_for_themselves() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = a.register("carol").await;
    let bob = b.register("bob").await;
    // Bob (on B) follows alice; alice sees his posts in the public timeline.
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr))
        .await
        .expect("resolved");
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["followers_count"] == 1
    })
    .await;
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr))
        .await
        .expect("resolved");
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "alice follows bob", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["following_count"] == 1
    })
    .await;
    let post = b.post_status(&bob, "from afar", json!({})).await;
    eventually(&a, &b, "bob's post reaches A", async || {
        let (_, public) = a
            .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
            .await;
        public
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["uri"] == post["uri"]))
    })
    .await;

    let (status, err) = a
        .post("/api/v1/domain_blocks", Some(&alice.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, err) = a
        .post(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            json!({ "domain": "not a domain" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, ok) = a
        .post(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            json!({ "domain": b.addr.to_string() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok, json!({}));
    let (_, list) = a.get("/api/v1/domain_blocks", Some(&alice.token)).await;
    assert_eq!(list, json!([b.addr.to_string()]));
    // Gone from her public timeline, not from carol's; her follower there is removed.
    let (_, public) = a
        .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
        .await;
    assert_eq!(public, json!([]));
    let (_, public) = a
        .get("/api/v1/timelines/public?remote=true", Some(&carol.token))
        .await;
    assert_eq!(public.as_array().map(Vec::len), Some(1));
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["followers_count"], 0);

    let (status, _) = a
        .request(
            Method::DELETE,
            "/api/v1/domain_blocks",
            Some(&alice.token),
            Some(json!({ "domain": b.addr.to_string() })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, public) = a
        .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
        .await;
    assert_eq!(public.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn rules_are_managed_by_admins_and_cited_by_reports() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let m = moderator(&app).await;
    let boss = admin(&app).await;
    let (_, none) = app.get("/api/v1/instance/rules", None).await;
    assert_eq!(none, json!([]));

    let (status, _) = app
        .post(
            "/api/v1/admin/rules",
            Some(&m.token),
            json!({ "text": "Be kind" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "rules are the admins'");
    let (status, err) = app
        .post(
            "/api/v1/admin/rules",
            Some(&boss.token),
            json!({ "text": " " }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, rule) = app
        .post(
            "/api/v1/admin/rules",
            Some(&boss.token),
            json!({ "text": "Be kind", "hint": "Really.", "priority": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    assert_shape(
        &rule,
        &[("id", "string"), ("text", "string"), ("hint", "string")],
    );
    app.post(
        "/api/v1/admin/rules",
        Some(&boss.token),
        json!({ "text": "No spam", "priority": 1 }),
    )
    .await;
    let (_, rules) = app.get("/api/v1/instance/rules", None).await;
    assert_eq!(rules[0]["text"], "No spam");
    assert_eq!(rules[1]["text"], "Be kind");

    // A report citing a rule is a violation report; moderators see the rule with it.
    let rule_id = rule["id"].as_str().expect("id");
    let (status, report) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob.id, "rule_ids": [rule_id], "comment": "rude" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["category"], "violation");
    assert_eq!(report["rule_ids"], json!([rule_id]));
    assert_eq!(report["forwarded"], false);
    let (_, list) = app.get("/api/v1/admin/reports", Some(&m.token)).await;
    assert_eq!(list[0]["rules"][0]["text"], "Be kind");
    let (status, _) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob.id, "rule_ids": ["123"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, changed) = app
        .request(
            Method::PUT,
            &format!("/api/v1/admin/rules/{rule_id}"),
            Some(&boss.token),
            Some(json!({ "text": "Be very kind" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["hint"], "Really.");
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/rules/{rule_id}"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, rules) = app.get("/api/v1/instance/rules", None).await;
    assert_eq!(rules.as_array().map(Vec::len), Some(1));
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
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

fn cli(app: &TestApp, args: &[&str]) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rookery"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ROOKERY_") || key == "DATABASE_URL" || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .env("ROOKERY_LOG__LEVEL", "warn")
        .env("ROOKERY_DOMAIN", app.addr.to_string())
        .env(
            "ROOKERY_DATABASE__URL",
            crate::helpers::database_url(&app.db_options),
        )
        .env("ROOKERY_JOBS__WORKERS", "0")
        .arg("admin")
        .args(args)
        .output()
        .expect("run rookery");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "rookery admin {args:?}: {text}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_cli_moderates() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let m = moderator(&app).await;
    let dir = tempfile::tempdir().expect("tmp");
    let csv = dir.path().join("blocks.csv");
    std::fs::write(
        &csv,
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         bad.example,suspend,false,true,Harassment,false\n\
         meh.example,silence,false,false,,false\n",
    )
    .expect("write");
    let out = cli(
        &app,
        &["domain-blocks", "import", csv.to_str().expect("path")],
    );
    assert!(out.contains("imported 2 blocks"), "{out}");
    let out = cli(
        &app,
        &[
            "domain-blocks",
            "add",
            "worse.example",
            "--severity",
            "suspend",
        ],
    );
    assert!(out.contains("blocked worse.example"), "{out}");
    let listed = cli(&app, &["domain-blocks", "list"]);
    assert!(
        listed.contains("bad.example\tsuspend\treject_media=false\treject_reports=true"),
        "{listed}"
    );
    let exported = dir.path().join("out.csv");
    cli(
        &app,
        &["domain-blocks", "export", exported.to_str().expect("path")],
    );
    let text = std::fs::read_to_string(&exported).expect("read");
    assert!(
        text.contains("meh.example,silence,false,false,,false"),
        "{text}"
    );
    cli(&app, &["domain-blocks", "remove", "worse.example"]);
    let (_, blocks) = app.get("/api/v1/admin/domain_blocks", Some(&m.token)).await;
    assert_eq!(blocks.as_array().map(Vec::len), Some(2));

    app.post(
        "/api/v1/reports",
        Some(&bob.token),
        json!({ "account_id": alice.id, "comment": "mean" }),
    )
    .await;
    let reports = cli(&app, &["reports"]);
    assert!(
        reports.contains("bob reported alice\tother\tmean"),
        "{reports}"
    );

    cli(&app, &["silence", "alice", "--reason", "calm down"]);
    cli(&app, &["suspend", "@alice"]);
    let (status, _) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    cli(&app, &["unsuspend", "alice"]);
    cli(&app, &["unsilence", "alice"]);
    let (_, seen) = app
        .get(
            &format!("/api/v1/admin/accounts/{}", alice.id),
            Some(&m.token),
        )
        .await;
    assert_eq!(seen["suspended"], false);
    assert_eq!(seen["silenced"], false);
    let audit = cli(&app, &["audit"]);
    for line in [
        "(cli)\tunsilence\tAccount alice",
        "(cli)\tsilence\tAccount alice\tcalm down",
        "(cli)\tcreate_domain_block\tDomainBlock bad.example",
    ] {
        assert!(audit.contains(line), "{line:?} in {audit}");
    }
    // Unknown accounts fail with a message.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rookery"))
        .env(
            "ROOKERY_DATABASE__URL",
            crate::helpers::database_url(&app.db_options),
        )
        .env("ROOKERY_LOG__LEVEL", "warn")
        .args(["admin", "suspend", "nobody"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such account"));
}
