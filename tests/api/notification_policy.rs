//! The notification policy and its requests (Mastodon 4.3): each criterion filtering and
//! dropping, for local senders and for a sender on another instance; requests listed,
//! accepted and dismissed one at a time and several at once; filtered notifications kept
//! off the streams; and notifications about statuses a `hide` filter hides.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, resolve};
use crate::helpers::sse::EventStream;
use crate::helpers::{TestApp, TestUser};

async fn set_policy(app: &TestApp, who: &TestUser, body: Value) -> Value {
    let (status, policy) = app
        .request(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&who.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    policy
}

/// Only this criterion set to `action`, the others accepting.
async fn only(app: &TestApp, who: &TestUser, criterion: &str, action: &str) {
    let mut body = json!({
        "for_not_following": "accept",
        "for_not_followers": "accept",
        "for_new_accounts": "accept",
        "for_private_mentions": "accept",
        "for_limited_accounts": "accept",
    });
    body[criterion] = json!(action);
    set_policy(app, who, body).await;
}

async fn favourite(app: &TestApp, who: &TestUser, status: &str) {
    let (code, body) = app
        .post(
            &format!("/api/v1/statuses/{status}/favourite"),
            Some(&who.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

/// The notifications `who` has from `from`: (listed, listed with `include_filtered`).
async fn seen_from(app: &TestApp, who: &TestUser, from: &str) -> (usize, usize) {
    app.drain_jobs().await;
    let count = async |extra: &str| {
        let (status, list) = app
            .get(
                &format!("/api/v1/notifications?account_id={from}{extra}"),
                Some(&who.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list.as_array().expect("list").len()
    };
    (count("").await, count("&include_filtered=true").await)
}

/// Moves an account's creation (and follows of it) into the past, as if it were old.
async fn age(app: &TestApp, account: &str, days: i32) {
    let id: i64 = account.parse().expect("id");
    sqlx::query("UPDATE accounts SET created_at = now() - make_interval(days => $2) WHERE id = $1")
        .bind(id)
        .bind(days)
        .execute(&app.state.db)
        .await
        .expect("age account");
}

async fn age_follows_of(app: &TestApp, follower: &str, days: i32) {
    let id: i64 = follower.parse().expect("id");
    sqlx::query(
        "UPDATE follows SET created_at = now() - make_interval(days => $2) WHERE account_id = $1",
    )
    .bind(id)
    .bind(days)
    .execute(&app.state.db)
    .await
    .expect("age follows");
}

#[tokio::test]
async fn the_policy_reads_changes_and_refuses_bad_values() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (status, policy) = app
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    assert_eq!(
        policy,
        json!({
            "for_not_following": "accept",
            "for_not_followers": "accept",
            "for_new_accounts": "accept",
            "for_private_mentions": "accept",
            "for_limited_accounts": "filter",
            "summary": { "pending_requests_count": 0, "pending_notifications_count": 0 },
        })
    );

    // A bad value refuses the whole change.
    let (status, body) = app
        .request(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&alice.token),
            Some(json!({ "for_not_following": "filter", "for_new_accounts": "maybe" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].is_string());
    assert!(body["details"]["for_new_accounts"].is_array(), "{body}");
    let (_, unchanged) = app
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(unchanged["for_not_following"], "accept");

    // Given criteria change, the others stay; form bodies work too.
    let changed = set_policy(&app, &alice, json!({ "for_not_following": "drop" })).await;
    assert_eq!(changed["for_not_following"], "drop");
    assert_eq!(changed["for_limited_accounts"], "filter");
    let res = app
        .client
        .patch(app.url("/api/v2/notifications/policy"))
        .bearer_auth(&alice.token)
        .form(&[("for_new_accounts", "filter")])
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
    let (_, now) = app
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(now["for_new_accounts"], "filter");
    assert_eq!(now["for_not_following"], "drop");

    // The v1 shape: booleans.
    let (status, v1) = app
        .get("/api/v1/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["filter_not_following"], true);
    assert_eq!(v1["filter_not_followers"], false);
    assert_eq!(v1["filter_new_accounts"], true);
    assert_eq!(v1["filter_private_mentions"], false);
    assert_eq!(v1["summary"]["pending_requests_count"], 0);
    let (status, v1) = app
        .request(
            Method::PATCH,
            "/api/v1/notifications/policy",
            Some(&alice.token),
            Some(json!({ "filter_not_following": false, "filter_private_mentions": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["filter_not_following"], false);
    assert_eq!(v1["filter_private_mentions"], true);
    let (_, v2) = app
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(v2["for_not_following"], "accept");
    assert_eq!(v2["for_private_mentions"], "filter");
    let (status, _) = app
        .request(
            Method::PATCH,
            "/api/v1/notifications/policy",
            Some(&alice.token),
            Some(json!({ "filter_not_following": "perhaps" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Scopes and sign-in.
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = app
        .request(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&reader.token),
            Some(json!({ "for_not_following": "filter" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v2/notifications/policy", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_criterion_filters_or_drops_local_senders() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let friend = app.register("friend").await;
    let stranger = app.register("stranger").await;
    let post = app.post_status(&alice, "hello", json!({})).await;
    let post_id = post["id"].as_str().expect("id").to_string();
    app.follow(&alice, &friend).await;
    app.follow(&friend, &alice).await;
    age(&app, &friend.id, 400).await;
    age(&app, &stranger.id, 400).await;
    age_follows_of(&app, &friend.id, 10).await;

    // Not following: the stranger's favourite is filtered, the friend's accepted.
    only(&app, &alice, "for_not_following", "filter").await;
    favourite(&app, &stranger, &post_id).await;
    favourite(&app, &friend, &post_id).await;
    assert_eq!(seen_from(&app, &alice, &stranger.id).await, (0, 1));
    assert_eq!(
        seen_from(&app, &alice, &friend.id).await,
        (2, 2),
        "the follow and the favourite"
    );
    let (_, policy) = app
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(policy["summary"]["pending_requests_count"], 1);
    assert_eq!(policy["summary"]["pending_notifications_count"], 1);

    // Dropped: nothing is recorded, not even filtered.
    let other = app.post_status(&alice, "again", json!({})).await;
    let other_id = other["id"].as_str().expect("id").to_string();
    only(&app, &alice, "for_not_following", "drop").await;
    favourite(&app, &stranger, &other_id).await;
    assert_eq!(seen_from(&app, &alice, &stranger.id).await, (0, 1));

    // Not followers: a follower of less than three days is not one yet.
    let fan = app.register("fan").await;
    age(&app, &fan.id, 400).await;
    app.follow(&fan, &alice).await;
    only(&app, &alice, "for_not_followers", "filter").await;
    favourite(&app, &fan, &post_id).await;
    assert_eq!(seen_from(&app, &alice, &fan.id).await, (0, 1));
    age_follows_of(&app, &fan.id, 4).await;
    favourite(&app, &fan, &other_id).await;
    assert_eq!(seen_from(&app, &alice, &fan.id).await, (1, 2));

    // New accounts: younger than thirty days.
    let newcomer = app.register("newcomer").await;
    app.follow(&alice, &newcomer).await;
    only(&app, &alice, "for_new_accounts", "drop").await;
    favourite(&app, &newcomer, &post_id).await;
    assert_eq!(seen_from(&app, &alice, &newcomer.id).await, (0, 0));
    age(&app, &newcomer.id, 31).await;
    favourite(&app, &newcomer, &other_id).await;
    assert_eq!(seen_from(&app, &alice, &newcomer.id).await, (1, 1));

    // Private mentions from strangers, unless they answer alice's own private mention.
    only(&app, &alice, "for_private_mentions", "filter").await;
    app.post_status(&stranger, "@alice psst", json!({"visibility": "direct"}))
        .await;
    let (listed, all) = seen_from(&app, &alice, &stranger.id).await;
    assert_eq!((listed, all), (0, 2), "the direct mention is filtered");
    app.post_status(&stranger, "@alice in public", json!({}))
        .await;
    assert_eq!(seen_from(&app, &alice, &stranger.id).await, (1, 3));
    let asked = app
        .post_status(
            &alice,
            "@stranger a question",
            json!({"visibility": "direct"}),
        )
        .await;
    app.post_status(
        &stranger,
        "@alice an answer",
        json!({"visibility": "direct", "in_reply_to_id": asked["id"]}),
    )
    .await;
    assert_eq!(seen_from(&app, &alice, &stranger.id).await, (2, 4));

    // Limited accounts the recipient does not follow.
    let moderator = app.moderator().await;
    let loud = app.register("loud").await;
    age(&app, &loud.id, 400).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/admin/accounts/{}/action", loud.id),
            Some(&moderator.token),
            json!({ "type": "silence" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    only(&app, &alice, "for_limited_accounts", "filter").await;
    favourite(&app, &loud, &post_id).await;
    assert_eq!(seen_from(&app, &alice, &loud.id).await, (0, 1));
    only(&app, &alice, "for_limited_accounts", "drop").await;
    favourite(&app, &loud, &other_id).await;
    assert_eq!(seen_from(&app, &alice, &loud.id).await, (0, 1));
    only(&app, &alice, "for_limited_accounts", "accept").await;
    app.post_status(&loud, "@alice hear me", json!({})).await;
    assert_eq!(seen_from(&app, &alice, &loud.id).await, (1, 2));

    // Edits of boosted posts are not the policy's to filter.
    only(&app, &alice, "for_not_following", "drop").await;
    let theirs = app.post_status(&stranger, "first draft", json!({})).await;
    let theirs_id = theirs["id"].as_str().expect("id").to_string();
    let (status, body) = app
        .post(
            &format!("/api/v1/statuses/{theirs_id}/reblog"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.edit_status(&stranger, &theirs_id, "second draft").await;
    app.drain_jobs().await;
    let (_, updates) = app
        .get("/api/v1/notifications?types[]=update", Some(&alice.token))
        .await;
    assert_eq!(updates.as_array().expect("list").len(), 1, "{updates}");
}

async fn request_of(app: &TestApp, who: &TestUser, from: &str) -> Value {
    let (status, list) = app
        .get("/api/v1/notifications/requests", Some(&who.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .expect("list")
        .iter()
        .find(|r| r["account"]["id"] == from)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn requests_are_listed_accepted_and_dismissed() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let erin = app.register("erin").await;
    only(&app, &alice, "for_not_following", "filter").await;
    let mut last = Value::Null;
    for sender in [&bob, &carol, &dave, &erin] {
        app.post_status(sender, "@alice one", json!({})).await;
        last = app.post_status(sender, "@alice two", json!({})).await;
    }
    app.drain_jobs().await;

    // The list: newest first, paged with a Link header.
    let res = app
        .client
        .get(app.url("/api/v1/notifications/requests?limit=2"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), StatusCode::OK);
    let link = res.headers()["link"].to_str().expect("link").to_string();
    assert!(
        link.contains("rel=\"next\"") && link.contains("max_id="),
        "{link}"
    );
    let page: Value = res.json().await.expect("json");
    let page = page.as_array().expect("list");
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["account"]["id"], erin.id.as_str());
    assert_eq!(page[0]["notifications_count"], "2");
    assert_eq!(page[0]["last_status"]["id"], last["id"]);
    for field in ["id", "created_at", "updated_at"] {
        assert!(page[0][field].is_string(), "{field}");
    }
    let (_, policy) = app
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(policy["summary"]["pending_requests_count"], 4);
    assert_eq!(policy["summary"]["pending_notifications_count"], 8);

    // One request; another's is not found.
    let bobs = request_of(&app, &alice, &bob.id).await;
    let bobs_id = bobs["id"].as_str().expect("id").to_string();
    let (status, one) = app
        .get(
            &format!("/api/v1/notifications/requests/{bobs_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["account"]["acct"], "bob");
    for path in [
        format!("/api/v1/notifications/requests/{bobs_id}"),
        "/api/v1/notifications/requests/nope".to_string(),
    ] {
        let (status, body) = app.get(&path, Some(&bob.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "Record not found");
    }
    let (status, _) = app
        .post(
            &format!("/api/v1/notifications/requests/{bobs_id}/accept"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not bob's request");

    // Accepting moves bob's notifications into the list and lets him through afterwards.
    let (status, _) = app
        .post(
            &format!("/api/v1/notifications/requests/{bobs_id}/accept"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, merged) = app
        .get("/api/v1/notifications/requests/merged", Some(&alice.token))
        .await;
    assert_eq!(merged, json!({ "merged": true }));
    assert_eq!(seen_from(&app, &alice, &bob.id).await, (2, 2));
    app.post_status(&bob, "@alice three", json!({})).await;
    assert_eq!(seen_from(&app, &alice, &bob.id).await, (3, 3));
    assert!(request_of(&app, &alice, &bob.id).await.is_null());
    let (status, _) = app
        .get(
            &format!("/api/v1/notifications/requests/{bobs_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an accepted request is gone");

    // Dismissing drops carol's notifications; she stays filtered.
    let carols = request_of(&app, &alice, &carol.id).await["id"].clone();
    let (status, _) = app
        .post(
            &format!(
                "/api/v1/notifications/requests/{}/dismiss",
                carols.as_str().expect("id")
            ),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen_from(&app, &alice, &carol.id).await, (0, 0));
    app.post_status(&carol, "@alice again", json!({})).await;
    assert_eq!(seen_from(&app, &alice, &carol.id).await, (0, 1));

    // Several at once: unknown and foreign ids are skipped; bad input refused.
    let daves = request_of(&app, &alice, &dave.id).await["id"].clone();
    let erins = request_of(&app, &alice, &erin.id).await["id"].clone();
    for (body, why) in [
        (json!({}), "no id"),
        (json!({ "id": ["abc"] }), "malformed id"),
    ] {
        let (status, res) = app
            .post(
                "/api/v1/notifications/requests/accept",
                Some(&alice.token),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {res}");
    }
    assert_eq!(
        seen_from(&app, &alice, &dave.id).await,
        (0, 2),
        "nothing changed"
    );
    let (status, _) = app
        .post(
            "/api/v1/notifications/requests/accept",
            Some(&bob.token),
            json!({ "id": [daves] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "skipped, as Mastodon");
    assert_eq!(
        seen_from(&app, &alice, &dave.id).await,
        (0, 2),
        "not bob's to accept"
    );
    let res = app
        .client
        .post(app.url("/api/v1/notifications/requests/accept"))
        .bearer_auth(&alice.token)
        .form(&[("id[]", daves.as_str().expect("id")), ("id[]", "123")])
        .send()
        .await
        .expect("accept");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(seen_from(&app, &alice, &dave.id).await, (2, 2));
    let (status, _) = app
        .post(
            "/api/v1/notifications/requests/dismiss",
            Some(&alice.token),
            json!({ "id": [erins] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen_from(&app, &alice, &erin.id).await, (0, 0));
    let (_, policy) = app
        .get("/api/v2/notifications/policy", Some(&alice.token))
        .await;
    assert_eq!(
        policy["summary"]["pending_requests_count"], 1,
        "carol's new one"
    );

    // Scopes.
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = app
        .post(
            "/api/v1/notifications/requests/dismiss",
            Some(&reader.token),
            json!({ "id": ["1"] }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn filtered_notifications_are_not_streamed() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let friend = app.register("friend").await;
    let stranger = app.register("stranger").await;
    app.follow(&alice, &friend).await;
    only(&app, &alice, "for_not_following", "filter").await;
    let post = app.post_status(&alice, "hello", json!({})).await;
    let post_id = post["id"].as_str().expect("id").to_string();
    let mut stream = EventStream::open(
        &app,
        "/api/v1/streaming/user/notification",
        Some(&alice.token),
    )
    .await;
    favourite(&app, &stranger, &post_id).await;
    favourite(&app, &friend, &post_id).await;
    let data = stream.expect("notification").await;
    let n: Value = serde_json::from_str(&data).expect("json");
    assert_eq!(
        n["account"]["id"],
        friend.id.as_str(),
        "the stranger's came first but was filtered"
    );
    assert!(stream.next(Duration::from_millis(1500)).await.is_none());

    // Accepting the stranger's request merges: clients hear they should reload.
    let (_, requests) = app
        .get("/api/v1/notifications/requests", Some(&alice.token))
        .await;
    let (status, _) = app
        .post(
            &format!(
                "/api/v1/notifications/requests/{}/accept",
                requests[0]["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stream.expect("notifications_merged").await, "1");
}

#[tokio::test]
async fn hide_filters_drop_notifications_from_the_v1_list() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let (status, body) = app
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({
                "title": "spoilers",
                "context": ["notifications"],
                "filter_action": "hide",
                "keywords_attributes": [{ "keyword": "finale" }],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.post_status(&bob, "@alice the finale was great", json!({}))
        .await;
    app.post_status(&bob, "@alice lunch?", json!({})).await;
    app.drain_jobs().await;
    let (_, list) = app.get("/api/v1/notifications", Some(&alice.token)).await;
    let texts: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|n| n["status"]["content"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(texts.len(), 1, "{list}");
    assert!(texts[0].contains("lunch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_on_another_instance_meets_the_same_policy() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    only(&a, &alice, "for_not_following", "filter").await;
    resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    b.post_status(&bob, &format!("@alice@{} hi from afar", a.addr), json!({}))
        .await;
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr)).await;
    let mut request = Value::Null;
    eventually(
        &a,
        &b,
        "bob's mention is filtered into a request",
        async || {
            request = request_of(&a, &alice, &bob_on_a).await;
            !request.is_null()
        },
    )
    .await;
    assert_eq!(request["account"]["acct"], format!("bob@{}", b.addr));
    assert_eq!(request["notifications_count"], "1");
    assert!(request["last_status"]["content"]
        .as_str()
        .expect("content")
        .contains("hi from afar"));
    assert_eq!(seen_from(&a, &alice, &bob_on_a).await, (0, 1));
    let (status, _) = a
        .post(
            &format!(
                "/api/v1/notifications/requests/{}/accept",
                request["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen_from(&a, &alice, &bob_on_a).await, (1, 1));

    // Dropping: a second remote sender leaves nothing behind.
    let carol = b.register("carol").await;
    only(&a, &alice, "for_not_following", "drop").await;
    b.post_status(&carol, &format!("@alice@{} hello", a.addr), json!({}))
        .await;
    let carol_on_a = resolve(&a, &alice, &format!("carol@{}", b.addr)).await;
    eventually(&a, &b, "carol's status arrives", async || {
        let (_, statuses) = a
            .get(
                &format!("/api/v1/accounts/{carol_on_a}/statuses"),
                Some(&alice.token),
            )
            .await;
        statuses.as_array().is_some_and(|s| !s.is_empty())
    })
    .await;
    assert_eq!(seen_from(&a, &alice, &carol_on_a).await, (0, 0));
}
