//! Deleting an account: by its owner (`POST /api/v1/accounts/delete`, password confirmed),
//! gone at once here and, through the actor's `Delete`, on the servers that knew it; its data
//! removed by a job after the grace period; its username never given out again; and by an
//! administrator (`DELETE /api/v1/admin/accounts/:id`), audited.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely, try_resolve};
use crate::helpers::{TestApp, TestUser, PASSWORD};

async fn delete_own(app: &TestApp, user: &TestUser, password: Option<&str>) -> (StatusCode, Value) {
    let form: Vec<(&str, &str)> = password.map(|p| vec![("password", p)]).unwrap_or_default();
    app.post_form("/api/v1/accounts/delete", Some(&user.token), &form)
        .await
}

async fn count(app: &TestApp, sql: &str, id: &str) -> i64 {
    let id: i64 = id.parse().expect("id");
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

/// Whether `username` can sign in with the password grant.
async fn signs_in(app: &TestApp, username: &str) -> bool {
    let client = app.create_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (status, _) = app
        .token_grant(
            &client,
            &[
                ("grant_type", "password"),
                ("username", &format!("{username}@example.com")),
                ("password", PASSWORD),
            ],
        )
        .await;
    status == StatusCode::OK
}

/// Waits, without draining the queue (a deletion in its grace period leaves a job queued for
/// later), until the account's data is removed.
async fn purged(app: &TestApp, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(
        app,
        "SELECT count(*) FROM account_deletions WHERE account_id = $1 AND purged_at IS NOT NULL",
        id,
    )
    .await
        == 0
    {
        assert!(
            Instant::now() < deadline,
            "the account's data was not removed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn deleting_ones_account_needs_the_password() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (status, body) = delete_own(&app, &alice, Some("wrong horse")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string());
    let (status, _) = delete_own(&app, &alice, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let limited = app
        .register_with_scopes("limited", "read write:statuses")
        .await;
    let (status, _) = delete_own(&app, &limited, Some(PASSWORD)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post_form("/api/v1/accounts/delete", None, &[("password", PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Nothing happened.
    let (status, _) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(signs_in(&app, "alice").await);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM account_deletions WHERE account_id = $1",
            &alice.id
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_is_gone_here_and_on_the_servers_that_knew_it() {
    let a = TestApp::spawn_with(|c| c.portability.deletion_grace_hours = 0).await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let friend = a.register("friend").await;
    let bob = b.register("bob").await;
    // bob on B follows alice; alice follows bob back; a local friend follows her too.
    let alice_on_b = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    follow_remotely(&b, &a, &alice, &format!("bob@{}", b.addr)).await;
    a.follow(&friend, &alice).await;
    let post = a.post_status(&alice, "my last words", json!({})).await;
    let post_id = post["id"].as_str().expect("id").to_string();
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|l| l.iter().any(|s| s["uri"] == post["uri"]))
    })
    .await;

    let (status, body) = delete_own(&a, &alice, Some(PASSWORD)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // Gone here at once: signed out, cannot sign in, not found, nor her posts.
    let (status, _) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!signs_in(&a, "alice").await);
    let (status, _) = a
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&friend.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = a.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // B hears the actor's Delete and drops her and her posts.
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
    assert_eq!(me["followers_count"], 0);
    assert!(try_resolve(&b, &bob, &format!("alice@{}", a.addr))
        .await
        .is_none());

    // Without a grace period her data is gone, in the job's batches.
    purged(&a, &alice.id).await;
    for sql in [
        "SELECT count(*) FROM statuses WHERE account_id = $1",
        "SELECT count(*) FROM follows WHERE account_id = $1 OR target_account_id = $1",
        "SELECT count(*) FROM users WHERE account_id = $1",
    ] {
        assert_eq!(count(&a, sql, &alice.id).await, 0, "{sql}");
    }
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&friend.token))
        .await;
    assert_eq!(me["following_count"], 0, "the friend's counter follows");

    // The username stays taken.
    let again = rookery::service::accounts::register(
        &a.state,
        rookery::service::accounts::Registration {
            username: "alice".into(),
            email: "new-alice@example.com".into(),
            password: PASSWORD.into(),
            agreement: true,
            locale: None,
            reason: None,
            ip: None,
        },
    )
    .await;
    assert!(again.is_err(), "the username was given out again");
}

#[tokio::test]
async fn administrators_delete_suspended_accounts_and_can_undo_a_deletion_in_its_grace() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let boss = app.admin().await;
    let moddy = app.moderator().await;
    app.post_status(&alice, "still here, for a while", json!({}))
        .await;
    let statuses = "SELECT count(*) FROM statuses WHERE account_id = $1";

    // Deleted by herself: suspended at once, the data kept for the grace period.
    let (status, _) = delete_own(&app, &alice, Some(PASSWORD)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(count(&app, statuses, &alice.id).await, 1);
    assert!(!signs_in(&app, "alice").await);

    // An administrator restores her within the grace period by unsuspending.
    let (status, body) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/unsuspend", alice.id),
            Some(&boss.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(signs_in(&app, "alice").await);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM account_deletions WHERE account_id = $1",
            &alice.id
        )
        .await,
        0
    );

    // Deleting data is for suspended accounts, and for administrators.
    let path = format!("/api/v1/admin/accounts/{}", alice.id);
    let (status, _) = app
        .request(Method::DELETE, &path, Some(&boss.token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "alice is not suspended");
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&moddy.token),
            json!({ "type": "suspend" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .request(Method::DELETE, &path, Some(&moddy.token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "moderators may not");
    let (status, _) = app
        .request(Method::DELETE, &path, Some(&bob.token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .request(Method::DELETE, &path, Some(&boss.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], "alice");
    assert_eq!(body["suspended"], true);

    // No grace for an administrator's deletion.
    purged(&app, &alice.id).await;
    assert_eq!(count(&app, statuses, &alice.id).await, 0);
    let (_, log) = app
        .get("/api/v1/admin/action_logs", Some(&boss.token))
        .await;
    let deleted = log
        .as_array()
        .expect("log")
        .iter()
        .find(|e| e["action"] == "delete")
        .unwrap_or_else(|| panic!("no delete in {log}"))
        .clone();
    assert_eq!(deleted["target_id"], alice.id.as_str());
    assert_eq!(deleted["account"]["id"], boss.id.as_str());
    // Gone for good: no unsuspending now.
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/unsuspend", alice.id),
            Some(&boss.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .request(
            Method::DELETE,
            "/api/v1/admin/accounts/12345",
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
