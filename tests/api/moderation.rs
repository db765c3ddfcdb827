//! Moderation end to end: the admin API (staff only), account suspension and silence (and a
//! lifted suspension re-federated), sign-ups waiting for approval, domain blocks and allowlist
//! mode across two instances, CSV import and export of blocks, and the admin command line.
//! Reports and rules are in reports.rs; what people hide for themselves in filters.rs.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, resolve, try_resolve};
use crate::helpers::{assert_shape, TestApp, TestUser, ACCOUNT_FIELDS};

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
    let m = app.moderator().await;

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
    let boss = app.admin().await;
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
    let m = app.moderator().await;
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
    let m = app.moderator().await;
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
    let m = a.moderator().await;
    b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let alice_on_b = try_resolve(&b, &bob, &format!("alice@{}", a.addr))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsuspending_a_local_account_brings_it_back_on_remote_servers() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let moddy = a.moderator().await;
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
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

    let (status, _) = a
        .post(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&moddy.token),
            json!({ "type": "suspend" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "the Delete of alice reaches B", async || {
        b.get(&format!("/api/v1/accounts/{alice_on_b}"), None)
            .await
            .0
            == StatusCode::NOT_FOUND
    })
    .await;
    let alice_uri = a.url("/users/alice");
    let known_on_b = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM accounts WHERE uri = $1")
            .bind(&alice_uri)
            .fetch_one(&b.state.db)
            .await
            .expect("count")
    };
    assert_eq!(known_on_b().await, 0, "B dropped alice on the Delete");

    let (status, restored) = a
        .post(
            &format!("/api/v1/admin/accounts/{}/unsuspend", alice.id),
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["suspended"], false);
    // The Update of the actor reaches B, which fetches alice again and shows her.
    eventually(&a, &b, "B knows alice again", async || {
        known_on_b().await == 1
    })
    .await;
    let (_, found) = b
        .get(
            &format!(
                "/api/v2/search?q={}&type=accounts",
                crate::helpers::urlencode(&format!("alice@{}", a.addr))
            ),
            Some(&bob.token),
        )
        .await;
    let back = found["accounts"][0]["id"]
        .as_str()
        .expect("alice is found on B");
    let (status, account) = b.get(&format!("/api/v1/accounts/{back}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(account["acct"], format!("alice@{}", a.addr));
    // And she can be followed again.
    b.post(
        &format!("/api/v1/accounts/{back}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice again", async || {
        crate::helpers::federation::relationship(&b, &bob, back).await["following"] == true
    })
    .await;
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
    let boss = a.admin().await;
    a.get("/api/v1/timelines/home", Some(&alice.token)).await;
    let bob_on_a = try_resolve(&a, &alice, &format!("bob@{}", b.addr))
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
    rookery::service::delivery::deliver(
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
        try_resolve(&a, &alice, &format!("someone@{}", b.addr)).await,
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
    let boss = a.admin().await;
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
    let bob_on_a = try_resolve(&a, &alice, &format!("bob@{}", b.addr))
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
    let boss = a.admin().await;

    // A cannot look B up, and B's Follow is refused at A's inbox.
    assert_eq!(
        try_resolve(&a, &alice, &format!("bob@{}", b.addr)).await,
        None
    );
    let alice_on_b = try_resolve(&b, &bob, &format!("alice@{}", a.addr))
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
    assert!(try_resolve(&a, &alice, &format!("bob@{}", b.addr))
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

#[tokio::test]
async fn mastodon_blocklist_csv_imports_and_exports() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
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

/// Runs `rookery admin <args>` against `app`'s database; its output (it must succeed).
pub fn cli(app: &TestApp, args: &[&str]) -> String {
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
    let m = app.moderator().await;
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
