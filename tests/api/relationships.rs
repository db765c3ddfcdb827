//! Follows, follow requests, blocks, mutes, the Relationship entity and the account lists.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_shape, TestApp, TestUser, ACCOUNT_FIELDS};

/// Every field of Mastodon's Relationship entity.
const RELATIONSHIP_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("following", "boolean"),
    ("showing_reblogs", "boolean"),
    ("notifying", "boolean"),
    ("languages", "array|null"),
    ("followed_by", "boolean"),
    ("blocking", "boolean"),
    ("blocked_by", "boolean"),
    ("muting", "boolean"),
    ("muting_notifications", "boolean"),
    ("muting_expires_at", "string|null"),
    ("requested", "boolean"),
    ("requested_by", "boolean"),
    ("domain_blocking", "boolean"),
    ("endorsed", "boolean"),
    ("note", "string"),
];

fn num(id: &str) -> i64 {
    id.parse().expect("numeric id")
}

async fn post(app: &TestApp, path: &str, user: &TestUser) -> (StatusCode, Value) {
    app.post(path, Some(&user.token), json!({})).await
}

/// `(following_count, followers_count)` as the account entity shows them.
async fn counts(app: &TestApp, user: &TestUser) -> (i64, i64) {
    let (status, body) = app
        .get(&format!("/api/v1/accounts/{}", user.id), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["following_count"].as_i64().expect("following_count"),
        body["followers_count"].as_i64().expect("followers_count"),
    )
}

/// `viewer`'s relationship to `other`.
async fn relationship(app: &TestApp, viewer: &TestUser, other: &TestUser) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", other.id),
            Some(&viewer.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
    body[0].clone()
}

/// The notification types `recipient` holds from `from`, read straight from the database.
async fn notification_types(app: &TestApp, recipient: &TestUser, from: &TestUser) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT type FROM notifications WHERE account_id = $1 AND from_account_id = $2 ORDER BY type",
    )
    .bind(num(&recipient.id))
    .bind(num(&from.id))
    .fetch_all(&app.state.db)
    .await
    .expect("notifications")
}

/// What `source.follow_requests_count` should show (the store function is not wired into
/// verify_credentials yet).
async fn waiting_requests(app: &TestApp, user: &TestUser) -> i64 {
    rookery::store::relationships::count_follow_requests(&app.state.db, num(&user.id), 40)
        .await
        .expect("count")
}

async fn update_profile(app: &TestApp, user: &TestUser, body: Value) {
    let (status, body) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&user.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A GET that also returns the `Link` header.
async fn get_linked(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Value, Option<String>) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = res.json().await.expect("json body");
    (status, body, link)
}

/// The path and query of the link with this `rel` in a `Link` header.
fn link_path(app: &TestApp, link: &str, rel: &str) -> Option<String> {
    link.split(", ").find_map(|part| {
        let (url, params) = part.split_once(">; ")?;
        (params == format!("rel=\"{rel}\"")).then(|| {
            url.trim_start_matches('<')
                .trim_start_matches(&app.base)
                .to_string()
        })
    })
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_string())
        .collect()
}

/// A status by `author` made straight in the database (posting is not this file's subject).
async fn status_by(app: &TestApp, author: &TestUser, reblog_of: Option<i64>) -> i64 {
    let id = rookery::id::next();
    sqlx::query(
        "INSERT INTO statuses (id, uri, account_id, reblog_of_id, conversation_id, visibility, local) \
         VALUES ($1, $2, $3, $4, $1, 'public', true)",
    )
    .bind(id)
    .bind(format!("{}/statuses/{id}", app.base))
    .bind(num(&author.id))
    .bind(reblog_of)
    .execute(&app.state.db)
    .await
    .expect("insert status");
    id
}

async fn home_feed(app: &TestApp, owner: &TestUser) -> Vec<i64> {
    sqlx::query_scalar("SELECT status_id FROM home_feed WHERE account_id = $1 ORDER BY status_id")
        .bind(num(&owner.id))
        .fetch_all(&app.state.db)
        .await
        .expect("home feed")
}

#[tokio::test]
async fn follow_and_unfollow_keep_counters_exact() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;

    let (status, body) = post(&app, &format!("/api/v1/accounts/{}/follow", bob.id), &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shape(&body, RELATIONSHIP_FIELDS);
    assert_eq!(body["id"], bob.id.as_str());
    assert_eq!(body["following"], true);
    assert_eq!(body["showing_reblogs"], true);
    assert_eq!(body["notifying"], false);
    assert_eq!(body["languages"], Value::Null);
    assert_eq!(body["requested"], false);
    assert_eq!(counts(&app, &alice).await, (1, 0));
    assert_eq!(counts(&app, &bob).await, (0, 1));
    assert_eq!(notification_types(&app, &bob, &alice).await, ["follow"]);

    // Following again changes the options, not the counters (a form body, as most apps send).
    let (status, body) = app
        .post_form(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            &[
                ("reblogs", "false"),
                ("notify", "1"),
                ("languages[]", "en"),
                ("languages[]", "de"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["following"], true);
    assert_eq!(body["showing_reblogs"], false);
    assert_eq!(body["notifying"], true);
    assert_eq!(body["languages"], json!(["en", "de"]));
    assert_eq!(counts(&app, &alice).await, (1, 0));
    assert_eq!(counts(&app, &bob).await, (0, 1));
    assert_eq!(notification_types(&app, &bob, &alice).await, ["follow"]);

    // Options left out stay as they were; an empty language list means all languages.
    let (_, body) = app
        .post(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            json!({"languages": []}),
        )
        .await;
    assert_eq!(body["showing_reblogs"], false);
    assert_eq!(body["notifying"], true);
    assert_eq!(body["languages"], Value::Null);

    let from_bob = relationship(&app, &bob, &alice).await;
    assert_eq!(from_bob["followed_by"], true);
    assert_eq!(from_bob["following"], false);

    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/unfollow", bob.id),
        &alice,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shape(&body, RELATIONSHIP_FIELDS);
    assert_eq!(body["following"], false);
    assert_eq!(body["showing_reblogs"], false);
    assert_eq!(counts(&app, &alice).await, (0, 0));
    assert_eq!(counts(&app, &bob).await, (0, 0));
    // The follow's notification goes with it.
    assert!(notification_types(&app, &bob, &alice).await.is_empty());

    // Unfollowing again changes nothing and does not drive counters below zero.
    let (status, _) = post(
        &app,
        &format!("/api/v1/accounts/{}/unfollow", bob.id),
        &alice,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts(&app, &bob).await, (0, 0));
    assert_eq!(counts(&app, &alice).await, (0, 0));
}

#[tokio::test]
async fn concurrent_follows_count_once() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let path = format!("/api/v1/accounts/{}/follow", bob.id);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(&alice.token)
            .json(&json!({}));
        tasks.push(tokio::spawn(async move {
            request.send().await.map(|r| r.status())
        }));
    }
    for task in tasks {
        let status = task.await.expect("task").expect("request");
        assert_eq!(status, StatusCode::OK);
    }
    // And both directions at once.
    let back = format!("/api/v1/accounts/{}/follow", alice.id);
    let (a, b) = tokio::join!(
        app.post(&back, Some(&bob.token), json!({})),
        app.post(&path, Some(&alice.token), json!({}))
    );
    assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK));
    assert_eq!(counts(&app, &alice).await, (1, 1));
    assert_eq!(counts(&app, &bob).await, (1, 1));
}

#[tokio::test]
async fn relationship_entity_has_every_field() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;

    let plain = relationship(&app, &alice, &bob).await;
    assert_shape(&plain, RELATIONSHIP_FIELDS);
    assert_eq!(
        plain,
        json!({"id": bob.id, "following": false, "showing_reblogs": false, "notifying": false,
               "languages": null, "followed_by": false, "blocking": false, "blocked_by": false,
               "muting": false, "muting_notifications": false, "muting_expires_at": null,
               "requested": false, "requested_by": false, "domain_blocking": false,
               "endorsed": false, "note": ""})
    );

    // With every nullable field filled.
    app.post(
        &format!("/api/v1/accounts/{}/follow", bob.id),
        Some(&alice.token),
        json!({"languages": ["fr"]}),
    )
    .await;
    let (status, muted) = app
        .post(
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            json!({"duration": 600}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{muted}");
    assert_shape(&muted, RELATIONSHIP_FIELDS);
    let full = relationship(&app, &alice, &bob).await;
    assert_shape(&full, RELATIONSHIP_FIELDS);
    assert_eq!(full["languages"], json!(["fr"]));
    assert!(full["muting_expires_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z') && t.contains('T')));
}

#[tokio::test]
async fn locked_account_gets_a_follow_request_that_can_be_authorized() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let carol = app.register("carol").await;
    update_profile(&app, &carol, json!({"locked": true})).await;

    let (status, body) = app
        .post(
            &format!("/api/v1/accounts/{}/follow", carol.id),
            Some(&alice.token),
            json!({"reblogs": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["following"], false);
    assert_eq!(body["requested"], true);
    // The request's options show before it is accepted, as on Mastodon.
    assert_eq!(body["showing_reblogs"], false);
    assert_eq!(counts(&app, &carol).await, (0, 0));
    assert_eq!(
        notification_types(&app, &carol, &alice).await,
        ["follow_request"]
    );
    assert_eq!(
        relationship(&app, &carol, &alice).await["requested_by"],
        true
    );
    assert_eq!(waiting_requests(&app, &carol).await, 1);

    // Asking again changes the request, and notifies nobody twice.
    let (_, body) = app
        .post(
            &format!("/api/v1/accounts/{}/follow", carol.id),
            Some(&alice.token),
            json!({"notify": true}),
        )
        .await;
    assert_eq!(body["requested"], true);
    assert_eq!(body["notifying"], true);
    assert_eq!(body["showing_reblogs"], false);
    assert_eq!(
        notification_types(&app, &carol, &alice).await,
        ["follow_request"]
    );

    let (status, list) = app.get("/api/v1/follow_requests", Some(&carol.token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), [alice.id.as_str()]);
    assert_shape(&list[0], ACCOUNT_FIELDS);

    let (status, body) = post(
        &app,
        &format!("/api/v1/follow_requests/{}/authorize", alice.id),
        &carol,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shape(&body, RELATIONSHIP_FIELDS);
    assert_eq!(body["id"], alice.id.as_str());
    assert_eq!(body["followed_by"], true);
    assert_eq!(body["requested_by"], false);
    let from_alice = relationship(&app, &alice, &carol).await;
    assert_eq!(from_alice["following"], true);
    assert_eq!(from_alice["requested"], false);
    // The request's options carried over to the follow.
    assert_eq!(from_alice["showing_reblogs"], false);
    assert_eq!(from_alice["notifying"], true);
    assert_eq!(counts(&app, &alice).await, (1, 0));
    assert_eq!(counts(&app, &carol).await, (0, 1));
    // The request's notification is withdrawn; Mastodon then notifies the follow.
    assert_eq!(notification_types(&app, &carol, &alice).await, ["follow"]);
    let (_, list) = app.get("/api/v1/follow_requests", Some(&carol.token)).await;
    assert_eq!(list, json!([]));
    assert_eq!(waiting_requests(&app, &carol).await, 0);

    // Nothing left to authorize.
    let (status, body) = post(
        &app,
        &format!("/api/v1/follow_requests/{}/authorize", alice.id),
        &carol,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"error": "Record not found"}));
}

#[tokio::test]
async fn follow_requests_can_be_rejected_or_withdrawn() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    update_profile(&app, &carol, json!({"locked": "1"})).await;
    for user in [&alice, &bob] {
        let (_, body) = post(&app, &format!("/api/v1/accounts/{}/follow", carol.id), user).await;
        assert_eq!(body["requested"], true);
    }

    let (status, body) = post(
        &app,
        &format!("/api/v1/follow_requests/{}/reject", alice.id),
        &carol,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["requested_by"], false);
    assert_eq!(body["followed_by"], false);
    assert!(notification_types(&app, &carol, &alice).await.is_empty());
    assert_eq!(relationship(&app, &alice, &carol).await["requested"], false);
    assert_eq!(counts(&app, &carol).await, (0, 0));
    let (status, _) = post(
        &app,
        &format!("/api/v1/follow_requests/{}/reject", alice.id),
        &carol,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bob withdraws his request by unfollowing; its notification goes too.
    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/unfollow", carol.id),
        &bob,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["requested"], false);
    assert!(notification_types(&app, &carol, &bob).await.is_empty());
    let (_, list) = app.get("/api/v1/follow_requests", Some(&carol.token)).await;
    assert_eq!(list, json!([]));

    // Unknown requesters.
    for path in [
        "/api/v1/follow_requests/123456/authorize",
        "/api/v1/follow_requests/nope/reject",
    ] {
        let (status, body) = post(&app, path, &carol).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, json!({"error": "Record not found"}));
    }
}

#[tokio::test]
async fn follow_requests_list_pages_with_link_header() {
    let app = TestApp::spawn().await;
    let carol = app.register("carol").await;
    update_profile(&app, &carol, json!({"locked": true})).await;
    let mut requesters = Vec::new();
    for name in ["r1", "r2", "r3"] {
        let user = app.register(name).await;
        post(
            &app,
            &format!("/api/v1/accounts/{}/follow", carol.id),
            &user,
        )
        .await;
        requesters.push(user);
    }
    let (status, page, link) =
        get_linked(&app, "/api/v1/follow_requests?limit=2", Some(&carol.token)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        ids(&page),
        [requesters[2].id.as_str(), requesters[1].id.as_str()]
    );
    let link = link.expect("a Link header");
    let next = link_path(&app, &link, "next").expect("next link");
    assert!(next.starts_with("/api/v1/follow_requests?"), "{next}");
    assert!(next.contains("limit=2"), "{next}");
    assert!(link_path(&app, &link, "prev").is_some(), "{link}");
    let (_, page, _) = get_linked(&app, &next, Some(&carol.token)).await;
    assert_eq!(ids(&page), [requesters[0].id.as_str()]);
}

#[tokio::test]
async fn followers_and_following_lists_page_and_respect_hidden_collections() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let mut fans = Vec::new();
    for name in ["f1", "f2", "f3"] {
        let user = app.register(name).await;
        let (status, _) = post(&app, &format!("/api/v1/accounts/{}/follow", bob.id), &user).await;
        assert_eq!(status, StatusCode::OK);
        fans.push(user);
    }
    post(
        &app,
        &format!("/api/v1/accounts/{}/follow", fans[0].id),
        &bob,
    )
    .await;

    // Public: no token needed. Newest follow first.
    let path = format!("/api/v1/accounts/{}/followers", bob.id);
    let (status, all, _) = get_linked(&app, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(
        ids(&all),
        [
            fans[2].id.as_str(),
            fans[1].id.as_str(),
            fans[0].id.as_str()
        ]
    );
    assert_shape(&all[0], ACCOUNT_FIELDS);

    // One at a time, following the Link header.
    let mut seen = Vec::new();
    let mut next = Some(format!("{path}?limit=1"));
    while let Some(url) = next.take() {
        let (status, page, link) = get_linked(&app, &url, Some(&fans[0].token)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        if page.as_array().is_some_and(Vec::is_empty) {
            break;
        }
        assert_eq!(page.as_array().map(Vec::len), Some(1), "{page}");
        seen.extend(ids(&page));
        next = link.and_then(|l| link_path(&app, &l, "next"));
        assert!(seen.len() <= 3, "paging does not end: {seen:?}");
    }
    assert_eq!(seen, ids(&all));

    // `prev` from the last page leads back to newer entries.
    let (_, page, link) = get_linked(&app, &format!("{path}?limit=1&max_id=1"), None).await;
    assert_eq!(page, json!([]));
    assert!(link.is_none());
    let (_, last, link) = get_linked(&app, &format!("{path}?limit=2"), None).await;
    assert_eq!(ids(&last).len(), 2);
    let prev = link_path(&app, &link.expect("link"), "prev").expect("prev");
    let (_, newer, _) = get_linked(&app, &prev, None).await;
    assert_eq!(newer, json!([]));

    let following = format!("/api/v1/accounts/{}/following", bob.id);
    let (status, list, _) = get_linked(&app, &following, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&list), [fans[0].id.as_str()]);
    let (_, list, _) = get_linked(
        &app,
        &format!("/api/v1/accounts/{}/following", fans[1].id),
        None,
    )
    .await;
    assert_eq!(ids(&list), [bob.id.as_str()]);

    // Hidden collections: empty for everyone but the owner.
    update_profile(&app, &bob, json!({"hide_collections": true})).await;
    for url in [&path, &following] {
        let (status, list, _) = get_linked(&app, url, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list, json!([]), "{url}");
        let (_, list, _) = get_linked(&app, url, Some(&fans[1].token)).await;
        assert_eq!(list, json!([]), "{url}");
        let (_, list, _) = get_linked(&app, url, Some(&bob.token)).await;
        assert!(!ids(&list).is_empty(), "{url}");
    }
    // Counters are not hidden.
    assert_eq!(counts(&app, &bob).await, (1, 3));

    // Unknown and malformed accounts.
    for url in [
        "/api/v1/accounts/99999/followers",
        "/api/v1/accounts/x/following",
    ] {
        let (status, body) = app.get(url, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
        assert_eq!(body, json!({"error": "Record not found"}));
    }
}

#[tokio::test]
async fn follower_lists_leave_out_suspended_and_blocked_accounts() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let f1 = app.register("f1").await;
    let f2 = app.register("f2").await;
    let viewer = app.register("viewer").await;
    for user in [&f1, &f2] {
        post(&app, &format!("/api/v1/accounts/{}/follow", bob.id), user).await;
    }
    sqlx::query("UPDATE accounts SET suspended_at = now() WHERE id = $1")
        .bind(num(&f1.id))
        .execute(&app.state.db)
        .await
        .expect("suspend");
    let path = format!("/api/v1/accounts/{}/followers", bob.id);
    let (_, list) = app.get(&path, None).await;
    assert_eq!(ids(&list), [f2.id.as_str()]);
    // A viewer does not see accounts they block.
    post(&app, &format!("/api/v1/accounts/{}/block", f2.id), &viewer).await;
    let (_, list) = app.get(&path, Some(&viewer.token)).await;
    assert_eq!(list, json!([]));
    // Nor the lists of someone who blocks them.
    post(&app, &format!("/api/v1/accounts/{}/block", viewer.id), &bob).await;
    let (_, list) = app.get(&path, Some(&viewer.token)).await;
    assert_eq!(list, json!([]));
    let (_, list) = app.get(&path, None).await;
    assert_eq!(ids(&list), [f2.id.as_str()]);
}

#[tokio::test]
async fn block_removes_follows_both_ways_and_forbids_following() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    update_profile(&app, &carol, json!({"locked": true})).await;
    post(&app, &format!("/api/v1/accounts/{}/follow", bob.id), &alice).await;
    post(&app, &format!("/api/v1/accounts/{}/follow", alice.id), &bob).await;
    post(
        &app,
        &format!("/api/v1/accounts/{}/follow", carol.id),
        &alice,
    )
    .await;
    assert_eq!(counts(&app, &alice).await, (1, 1));
    assert_eq!(counts(&app, &bob).await, (1, 1));
    assert_eq!(notification_types(&app, &alice, &bob).await, ["follow"]);
    assert_eq!(
        notification_types(&app, &carol, &alice).await,
        ["follow_request"]
    );

    let (status, body) = post(&app, &format!("/api/v1/accounts/{}/block", bob.id), &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shape(&body, RELATIONSHIP_FIELDS);
    assert_eq!(body["blocking"], true);
    assert_eq!(body["following"], false);
    assert_eq!(body["followed_by"], false);
    assert_eq!(counts(&app, &alice).await, (0, 0));
    assert_eq!(counts(&app, &bob).await, (0, 0));
    assert!(notification_types(&app, &alice, &bob).await.is_empty());
    assert!(notification_types(&app, &bob, &alice).await.is_empty());
    let from_bob = relationship(&app, &bob, &alice).await;
    assert_eq!(from_bob["blocked_by"], true);
    assert_eq!(from_bob["following"], false);

    // Neither may follow the other now.
    for (who, whom) in [(&bob, &alice), (&alice, &bob)] {
        let (status, body) = post(&app, &format!("/api/v1/accounts/{}/follow", whom.id), who).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body, json!({"error": "This action is not allowed"}));
    }
    assert_eq!(counts(&app, &bob).await, (0, 0));

    // Blocking a locked account withdraws one's pending request to it.
    let (_, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/block", carol.id),
        &alice,
    )
    .await;
    assert_eq!(body["requested"], false);
    assert!(notification_types(&app, &carol, &alice).await.is_empty());

    // Blocking twice is fine.
    let (status, _) = post(&app, &format!("/api/v1/accounts/{}/block", bob.id), &alice).await;
    assert_eq!(status, StatusCode::OK);
    let (status, list, _) = get_linked(&app, "/api/v1/blocks", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), [carol.id.as_str(), bob.id.as_str()]);
    assert_shape(&list[0], ACCOUNT_FIELDS);

    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/unblock", bob.id),
        &alice,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["blocking"], false);
    let (_, list) = app.get("/api/v1/blocks", Some(&alice.token)).await;
    assert_eq!(ids(&list), [carol.id.as_str()]);
    // Unblocking does not bring follows back, but following works again.
    assert_eq!(counts(&app, &bob).await, (0, 0));
    let (status, body) = post(&app, &format!("/api/v1/accounts/{}/follow", alice.id), &bob).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(counts(&app, &alice).await, (0, 1));
}

#[tokio::test]
async fn mute_with_duration_and_notifications_then_unmute() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;

    let (status, body) = app
        .post_form(
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            &[("notifications", "false"), ("duration", "3600")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_shape(&body, RELATIONSHIP_FIELDS);
    assert_eq!(body["muting"], true);
    assert_eq!(body["muting_notifications"], false);
    let until = body["muting_expires_at"]
        .as_str()
        .expect("muting_expires_at");
    let until = chrono::DateTime::parse_from_rfc3339(until).expect("a timestamp");
    let left = until
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!((3500..=3600).contains(&left), "{left}");
    // Bob sees nothing of it.
    assert_eq!(relationship(&app, &bob, &alice).await["muting"], false);

    let (status, list, _) = get_linked(&app, "/api/v1/mutes", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), [bob.id.as_str()]);
    let mut fields = ACCOUNT_FIELDS.to_vec();
    fields.push(("mute_expires_at", "string|null"));
    assert_shape(&list[0], &fields);
    assert!(list[0]["mute_expires_at"].is_string());

    // Muting again without options: notifications hidden too, for ever.
    let (_, body) = post(&app, &format!("/api/v1/accounts/{}/mute", bob.id), &alice).await;
    assert_eq!(body["muting"], true);
    assert_eq!(body["muting_notifications"], true);
    assert_eq!(body["muting_expires_at"], Value::Null);
    let (_, list) = app.get("/api/v1/mutes", Some(&alice.token)).await;
    assert_eq!(list[0]["mute_expires_at"], Value::Null);

    let (status, body) = post(&app, &format!("/api/v1/accounts/{}/unmute", bob.id), &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["muting"], false);
    assert_eq!(body["muting_notifications"], false);
    let (_, list) = app.get("/api/v1/mutes", Some(&alice.token)).await;
    assert_eq!(list, json!([]));

    // An expired mute is no mute: not in the relationship, not in the list, and it lets
    // notifications through again.
    app.post(
        &format!("/api/v1/accounts/{}/mute", bob.id),
        Some(&alice.token),
        json!({"duration": 60}),
    )
    .await;
    sqlx::query("UPDATE mutes SET expires_at = now() - interval '1 minute' WHERE account_id = $1")
        .bind(num(&alice.id))
        .execute(&app.state.db)
        .await
        .expect("expire the mute");
    let now = relationship(&app, &alice, &bob).await;
    assert_eq!(now["muting"], false);
    assert_eq!(now["muting_expires_at"], Value::Null);
    let (_, list) = app.get("/api/v1/mutes", Some(&alice.token)).await;
    assert_eq!(list, json!([]));
    post(&app, &format!("/api/v1/accounts/{}/follow", alice.id), &bob).await;
    assert_eq!(notification_types(&app, &alice, &bob).await, ["follow"]);
}

#[tokio::test]
async fn mutes_with_notifications_silence_follow_notifications() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    post(&app, &format!("/api/v1/accounts/{}/mute", bob.id), &alice).await;
    post(&app, &format!("/api/v1/accounts/{}/follow", alice.id), &bob).await;
    assert!(notification_types(&app, &alice, &bob).await.is_empty());
    // The follow itself happened.
    assert_eq!(counts(&app, &alice).await, (0, 1));
}

#[tokio::test]
async fn relationships_for_several_ids() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    post(
        &app,
        &format!("/api/v1/accounts/{}/follow", carol.id),
        &alice,
    )
    .await;

    let (status, body) = app
        .get(
            &format!(
                "/api/v1/accounts/relationships?id[]={}&id[]=424242&id[]={}&id[]=abc&id[]={}",
                carol.id, bob.id, carol.id
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), [carol.id.as_str(), bob.id.as_str()]);
    for r in body.as_array().expect("list") {
        assert_shape(r, RELATIONSHIP_FIELDS);
    }
    assert_eq!(body[0]["following"], true);
    assert_eq!(body[1]["following"], false);

    // `id=` alone, and JSON-less forms of it.
    let (_, body) = app
        .get(
            &format!("/api/v1/accounts/relationships?id={}", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(ids(&body), [bob.id.as_str()]);
    let (_, body) = app
        .get("/api/v1/accounts/relationships", Some(&alice.token))
        .await;
    assert_eq!(body, json!([]));
    // Oneself: all false.
    let me = relationship(&app, &alice, &alice).await;
    assert_eq!(me["following"], false);

    // Suspended accounts only when asked for.
    sqlx::query("UPDATE accounts SET suspended_at = now() WHERE id = $1")
        .bind(num(&bob.id))
        .execute(&app.state.db)
        .await
        .expect("suspend");
    let path = format!("/api/v1/accounts/relationships?id[]={}", bob.id);
    let (_, body) = app.get(&path, Some(&alice.token)).await;
    assert_eq!(body, json!([]));
    let (_, body) = app
        .get(&format!("{path}&with_suspended=true"), Some(&alice.token))
        .await;
    assert_eq!(ids(&body), [bob.id.as_str()]);
}

#[tokio::test]
async fn remove_from_followers() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    post(&app, &format!("/api/v1/accounts/{}/follow", alice.id), &bob).await;
    assert_eq!(counts(&app, &alice).await, (0, 1));
    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/remove_from_followers", bob.id),
        &alice,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["followed_by"], false);
    assert_eq!(counts(&app, &alice).await, (0, 0));
    assert_eq!(counts(&app, &bob).await, (0, 0));
    assert!(notification_types(&app, &alice, &bob).await.is_empty());
}

#[tokio::test]
async fn home_feed_follows_the_relationships() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let by_carol = status_by(&app, &carol, None).await;
    let by_bob = status_by(&app, &bob, None).await;
    let boost = status_by(&app, &bob, Some(by_carol)).await;

    post(&app, &format!("/api/v1/accounts/{}/follow", bob.id), &alice).await;
    assert_eq!(home_feed(&app, &alice).await, [by_bob, boost]);

    // Boosts hidden: the boost leaves.
    app.post(
        &format!("/api/v1/accounts/{}/follow", bob.id),
        Some(&alice.token),
        json!({"reblogs": false}),
    )
    .await;
    assert_eq!(home_feed(&app, &alice).await, [by_bob]);

    // Mute and unmute.
    post(&app, &format!("/api/v1/accounts/{}/mute", bob.id), &alice).await;
    assert!(home_feed(&app, &alice).await.is_empty());
    post(&app, &format!("/api/v1/accounts/{}/unmute", bob.id), &alice).await;
    assert_eq!(home_feed(&app, &alice).await, [by_bob]);

    post(
        &app,
        &format!("/api/v1/accounts/{}/unfollow", bob.id),
        &alice,
    )
    .await;
    assert!(home_feed(&app, &alice).await.is_empty());

    // Blocks clear both feeds.
    post(&app, &format!("/api/v1/accounts/{}/follow", bob.id), &alice).await;
    post(&app, &format!("/api/v1/accounts/{}/follow", alice.id), &bob).await;
    let by_alice = status_by(&app, &alice, None).await;
    post(
        &app,
        &format!("/api/v1/accounts/{}/unfollow", alice.id),
        &bob,
    )
    .await;
    post(&app, &format!("/api/v1/accounts/{}/follow", alice.id), &bob).await;
    assert_eq!(home_feed(&app, &bob).await, [by_alice]);
    assert!(!home_feed(&app, &alice).await.is_empty());
    post(&app, &format!("/api/v1/accounts/{}/block", alice.id), &bob).await;
    assert!(home_feed(&app, &alice).await.is_empty());
    assert!(home_feed(&app, &bob).await.is_empty());

    // Authorizing a request merges the feed too.
    let dave = app.register("dave").await;
    update_profile(&app, &dave, json!({"locked": true})).await;
    let by_dave = status_by(&app, &dave, None).await;
    post(
        &app,
        &format!("/api/v1/accounts/{}/follow", dave.id),
        &carol,
    )
    .await;
    assert!(home_feed(&app, &carol).await.is_empty());
    post(
        &app,
        &format!("/api/v1/follow_requests/{}/authorize", carol.id),
        &dave,
    )
    .await;
    assert_eq!(home_feed(&app, &carol).await, [by_dave]);
}

#[tokio::test]
async fn bad_inputs() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;

    for action in ["follow", "unfollow", "block", "unblock", "mute", "unmute"] {
        for id in ["987654321", "abc", "-1"] {
            let (status, body) =
                post(&app, &format!("/api/v1/accounts/{id}/{action}"), &alice).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{action} {id}: {body}");
            assert_eq!(body, json!({"error": "Record not found"}));
        }
    }

    // Following oneself: Mastodon's FollowService treats it as not found.
    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        &alice,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(counts(&app, &alice).await, (0, 0));
    // Blocking and muting oneself do nothing, as on Mastodon.
    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/block", alice.id),
        &alice,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["blocking"], false);
    let (status, body) = post(&app, &format!("/api/v1/accounts/{}/mute", alice.id), &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["muting"], false);

    // Parameters of the wrong type name the field.
    let cases: [(&str, Value, &str); 5] = [
        ("follow", json!({"reblogs": "maybe"}), "reblogs"),
        ("follow", json!({"notify": [1]}), "notify"),
        ("follow", json!({"languages": ["english"]}), "languages"),
        ("mute", json!({"duration": "x"}), "duration"),
        (
            "mute",
            json!({"notifications": "sometimes"}),
            "notifications",
        ),
    ];
    for (action, params, field) in cases {
        let (status, body) = app
            .post(
                &format!("/api/v1/accounts/{}/{action}", bob.id),
                Some(&alice.token),
                params.clone(),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{params}: {body}");
        assert!(body["details"][field].is_array(), "{params}: {body}");
        assert!(body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("Validation failed")));
    }
    let (status, body) = app
        .post_form(
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            &[("duration", "-5")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["details"]["duration"].is_array(), "{body}");
    // Nothing happened.
    let now = relationship(&app, &alice, &bob).await;
    assert_eq!(
        (now["following"].clone(), now["muting"].clone()),
        (json!(false), json!(false))
    );
}

#[tokio::test]
async fn scopes_are_enforced() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let reader = app.register_with_scopes("reader", "read").await;
    let follower = app
        .register_with_scopes("follower", "write:follows read:follows")
        .await;
    let legacy = app.register_with_scopes("legacy", "follow").await;
    let profile_only = app.register_with_scopes("profile", "profile").await;

    // No token at all.
    let (status, body) = app
        .post(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            None,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    for path in ["/api/v1/blocks", "/api/v1/mutes", "/api/v1/follow_requests"] {
        assert_eq!(
            app.get(path, None).await.0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let (status, _) = app
        .get("/api/v1/accounts/relationships?id[]=1", Some("not-a-token"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Read-only: may look, not act.
    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        &reader,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        body,
        json!({"error": "This action is outside the authorized scopes"})
    );
    for action in ["block", "mute", "unfollow"] {
        let (status, _) = post(
            &app,
            &format!("/api/v1/accounts/{}/{action}", bob.id),
            &reader,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}");
    }
    for path in ["/api/v1/blocks", "/api/v1/mutes", "/api/v1/follow_requests"] {
        assert_eq!(
            app.get(path, Some(&reader.token)).await.0,
            StatusCode::OK,
            "{path}"
        );
    }

    // Granular scopes: follows yes, blocks and mutes no.
    let (status, body) = post(
        &app,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        &follower,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for action in ["block", "mute"] {
        let (status, _) = post(
            &app,
            &format!("/api/v1/accounts/{}/{action}", bob.id),
            &follower,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(
        app.get("/api/v1/blocks", Some(&follower.token)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", bob.id),
            Some(&follower.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A token without read:accounts may not read follower lists (they are public without one).
    let followers = format!("/api/v1/accounts/{}/followers", bob.id);
    assert_eq!(
        app.get(&followers, Some(&follower.token)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&followers, None).await.0, StatusCode::OK);

    // The legacy `follow` scope covers follows, blocks and mutes.
    for action in ["follow", "mute", "unmute", "block", "unblock"] {
        let (status, body) = post(
            &app,
            &format!("/api/v1/accounts/{}/{action}", bob.id),
            &legacy,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    for path in ["/api/v1/blocks", "/api/v1/mutes", "/api/v1/follow_requests"] {
        assert_eq!(
            app.get(path, Some(&legacy.token)).await.0,
            StatusCode::OK,
            "{path}"
        );
    }

    // `profile` alone reads none of this.
    let (status, _) = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", bob.id),
            Some(&profile_only.token),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An app's own token is not a person.
    let app_token = app.app_token("read write follow").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&app_token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body,
        json!({"error": "This method requires an authenticated user"})
    );
    // Only `follower` still follows bob (`legacy` blocked him after following).
    assert_eq!(counts(&app, &bob).await, (0, 1));
}
