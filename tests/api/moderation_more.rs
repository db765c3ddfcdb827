//! Moderation, second part: moderators' notifications (`admin.report`, `admin.sign_up`) over
//! the REST API and the streaming API, re-federation of unsuspended accounts, and the v1
//! keyword filters mapped onto v2 filters.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::follows::{eventually, resolve};
use crate::helpers::{assert_shape, TestApp, TestUser, ACCOUNT_FIELDS};

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

/// `who`'s notifications of `kind`.
async fn notifications_of(app: &TestApp, who: &TestUser, kind: &str) -> Vec<Value> {
    let (status, list) = app
        .get(
            &format!("/api/v1/notifications?types[]={kind}"),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().expect("list").clone()
}

/// The first `notification` event on a server-sent-event stream, within ten seconds.
async fn next_notification(res: &mut reqwest::Response) -> Value {
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(start) = buf.find("event: notification\n") {
            let rest = &buf[start..];
            if let Some(end) = rest.find("\n\n") {
                let data: String = rest[..end]
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return serde_json::from_str(&data).expect("notification JSON");
            }
        }
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .expect("a notification in time")
            .expect("read")
            .expect("stream open");
        buf.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_are_notified_of_reports_and_sign_ups() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let moddy = staff(&a, "moddy", rookery::model::Role::Moderator).await;
    let boss = staff(&a, "boss", rookery::model::Role::Admin).await;
    let alice = a.register("alice").await;
    let troll = a.register("troll").await;
    let bob = b.register("bob").await;
    let mut stream = a
        .client
        .get(a.url("/api/v1/streaming/user/notification"))
        .bearer_auth(&moddy.token)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);

    let post = a.post_status(&troll, "trolling", json!({})).await;
    let (status, report) = a
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": troll.id, "status_ids": [post["id"]], "comment": "mean", "category": "spam" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");

    // Moderators and admins hear of it, on the stream too; the reporter and users do not.
    let streamed = next_notification(&mut stream).await;
    assert_eq!(streamed["type"], "admin.report");
    assert_eq!(streamed["report"]["id"], report["id"]);
    for who in [&moddy, &boss] {
        let list = notifications_of(&a, who, "admin.report").await;
        assert_eq!(list.len(), 1, "{list:?}");
        let n = &list[0];
        assert_shape(
            n,
            &[
                ("id", "string"),
                ("type", "string"),
                ("group_key", "string"),
                ("created_at", "string"),
                ("account", "object"),
                ("report", "object"),
            ],
        );
        assert!(n.get("status").is_none(), "{n}");
        assert_eq!(n["account"]["id"], alice.id.as_str());
        assert_shape(&n["report"], REPORT_FIELDS);
        assert_shape(&n["report"]["target_account"], ACCOUNT_FIELDS);
        assert_eq!(n["report"]["id"], report["id"]);
        assert_eq!(n["report"]["comment"], "mean");
        assert_eq!(n["report"]["category"], "spam");
        assert_eq!(n["report"]["status_ids"], json!([post["id"]]));
        assert_eq!(n["report"]["target_account"]["id"], troll.id.as_str());
        let id = n["id"].as_str().expect("id");
        let (status, one) = a
            .get(&format!("/api/v1/notifications/{id}"), Some(&who.token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(one["report"]["id"], report["id"]);
    }
    for who in [&alice, &troll] {
        let (_, all) = a.get("/api/v1/notifications", Some(&who.token)).await;
        assert!(
            all.as_array()
                .expect("list")
                .iter()
                .all(|n| !n["type"].as_str().unwrap_or("").starts_with("admin.")),
            "{all}"
        );
    }

    // A report forwarded from another server arrives as a Flag and is announced the same way,
    // from B's instance actor.
    let troll_on_b = resolve(&b, &bob, &format!("troll@{}", a.addr)).await;
    let (status, _) = b
        .post(
            "/api/v1/reports",
            Some(&bob.token),
            json!({ "account_id": troll_on_b, "comment": "from afar", "forward": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "the Flag reaches A's moderators", async || {
        notifications_of(&a, &moddy, "admin.report").await.len() == 2
    })
    .await;
    let list = notifications_of(&a, &moddy, "admin.report").await;
    assert_eq!(list[0]["report"]["comment"], "from afar");
    assert_eq!(list[0]["account"]["acct"], format!("{}@{}", b.addr, b.addr));
    assert_eq!(list[0]["report"]["target_account"]["id"], troll.id.as_str());

    // Sign-ups too (alice's, troll's, and now newbie's, newest first); a demoted moderator
    // no longer sees moderators' notifications.
    let newbie = a.register("newbie").await;
    let signups = notifications_of(&a, &boss, "admin.sign_up").await;
    assert_eq!(signups.len(), 3, "{signups:?}");
    assert_eq!(signups[0]["account"]["id"], newbie.id.as_str());
    assert!(signups[0].get("report").is_none());
    rookery::service::accounts::set_role(&a.state, "moddy", rookery::model::Role::User)
        .await
        .expect("demote");
    assert!(notifications_of(&a, &moddy, "admin.report")
        .await
        .is_empty());
    let old = list[0]["id"].as_str().expect("id");
    let (status, _) = a
        .get(&format!("/api/v1/notifications/{old}"), Some(&moddy.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = a
        .get(
            "/api/v1/notifications?types[]=admin.nonsense",
            Some(&boss.token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsuspending_a_local_account_brings_it_back_on_remote_servers() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let moddy = staff(&a, "moddy", rookery::model::Role::Moderator).await;
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
                crate::oauth::urlencode(&format!("alice@{}", a.addr))
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
        crate::follows::relationship(&b, &bob, back).await["following"] == true
    })
    .await;
}

const FILTER_V1_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("phrase", "string"),
    ("context", "array"),
    ("expires_at", "string|null"),
    ("irreversible", "boolean"),
    ("whole_word", "boolean"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_filters_map_onto_v2_filters() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let reader = app.register_with_scopes("reader", "read").await;
    app.follow(&bob, &alice).await;
    app.get("/api/v1/timelines/home", Some(&bob.token)).await;

    // Bad input: the right field named, nothing stored.
    for (body, field) in [
        (json!({ "context": ["home"] }), "phrase"),
        (json!({ "phrase": "  ", "context": ["home"] }), "phrase"),
        (json!({ "phrase": "x" }), "context"),
        (
            json!({ "phrase": "x", "context": ["everywhere"] }),
            "context",
        ),
        (
            json!({ "phrase": "x", "context": ["home"], "expires_in": "soon" }),
            "expires_in",
        ),
        (
            json!({ "phrase": "x", "context": ["home"], "expires_in": -1 }),
            "expires_in",
        ),
        (
            json!({ "phrase": "x", "context": ["home"], "irreversible": "maybe" }),
            "irreversible",
        ),
    ] {
        let (status, err) = app
            .post("/api/v1/filters", Some(&bob.token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["error"].is_string(), "{err}");
        assert!(err["details"][field].is_array(), "{body}: {err}");
    }
    let (status, _) = app
        .post(
            "/api/v1/filters",
            None,
            json!({ "phrase": "x", "context": ["home"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .post(
            "/api/v1/filters",
            Some(&reader.token),
            json!({ "phrase": "x", "context": ["home"] }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/filters", Some(&bob.token)).await.1,
        json!([])
    );
    assert_eq!(
        app.get("/api/v2/filters", Some(&bob.token)).await.1,
        json!([])
    );

    // A warning filter as JSON, an irreversible one as a form (Rails brackets).
    let (status, warn) = app
        .post(
            "/api/v1/filters",
            Some(&bob.token),
            json!({ "phrase": "spoilers", "context": ["home", "public"], "whole_word": true, "expires_in": 3600 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{warn}");
    assert_shape(&warn, FILTER_V1_FIELDS);
    assert_eq!(warn["phrase"], "spoilers");
    assert_eq!(warn["irreversible"], false);
    assert!(warn["expires_at"].is_string());
    let (status, hide) = app
        .post_form(
            "/api/v1/filters",
            Some(&bob.token),
            &[
                ("phrase", "crypto"),
                ("context[]", "home"),
                ("context[]", "notifications"),
                ("irreversible", "true"),
                ("whole_word", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hide}");
    assert_eq!(hide["irreversible"], true);
    assert_eq!(hide["whole_word"], false);
    assert_eq!(hide["context"], json!(["home", "notifications"]));
    assert_eq!(hide["expires_at"], Value::Null);

    // Each is a v2 filter titled by its phrase, with the phrase as its one keyword.
    let (_, v2) = app.get("/api/v2/filters", Some(&bob.token)).await;
    let v2 = v2.as_array().expect("list").clone();
    assert_eq!(v2.len(), 2);
    let hide_v2 = v2.iter().find(|f| f["title"] == "crypto").expect("crypto");
    assert_eq!(hide_v2["filter_action"], "hide");
    assert_eq!(hide_v2["keywords"][0]["id"], hide["id"]);
    assert_eq!(hide_v2["keywords"][0]["keyword"], "crypto");
    assert_eq!(hide_v2["keywords"][0]["whole_word"], false);
    let warn_v2 = v2
        .iter()
        .find(|f| f["title"] == "spoilers")
        .expect("spoilers");
    assert_eq!(warn_v2["filter_action"], "warn");

    // They filter like v2 filters: the irreversible one hides, the other warns.
    app.post_status(&alice, "cryptocurrency tips", json!({}))
        .await;
    app.post_status(&alice, "no spoilers here", json!({})).await;
    app.drain_jobs().await;
    let (_, home) = app.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let home = home.as_array().expect("home").clone();
    assert_eq!(home.len(), 1, "{home:?}");
    assert_eq!(home[0]["filtered"][0]["filter"]["title"], "spoilers");
    assert_eq!(
        home[0]["filtered"][0]["keyword_matches"],
        json!(["spoilers"])
    );

    // Listed and shown; others' filters are not found.
    let (_, list) = app.get("/api/v1/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().expect("list").len(), 2);
    let id = hide["id"].as_str().expect("id");
    let (status, shown) = app
        .get(&format!("/api/v1/filters/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, hide);
    for path in [
        format!("/api/v1/filters/{id}"),
        "/api/v1/filters/12345".into(),
        "/api/v1/filters/nope".into(),
    ] {
        let (status, _) = app.get(&path, Some(&alice.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/filters/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Updating changes the keyword and its filter.
    let (status, updated) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{id}"),
            Some(&bob.token),
            Some(json!({ "phrase": "bitcoin", "context": ["public"], "irreversible": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["id"], hide["id"]);
    assert_eq!(updated["phrase"], "bitcoin");
    assert_eq!(updated["context"], json!(["public"]));
    assert_eq!(updated["irreversible"], false);
    assert_eq!(updated["whole_word"], false);
    let (status, err) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{id}"),
            Some(&bob.token),
            Some(json!({ "context": ["nowhere"] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (_, v2) = app.get("/api/v2/filters", Some(&bob.token)).await;
    let moved = v2
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["keywords"][0]["id"] == hide["id"])
        .expect("filter")
        .clone();
    assert_eq!(moved["title"], "bitcoin");
    assert_eq!(moved["context"], json!(["public"]));
    assert_eq!(moved["filter_action"], "warn");

    // A v2 filter with two keywords shows as two v1 filters, whose shared settings cannot be
    // changed through one of them; their phrases can.
    let (status, multi) = app
        .post(
            "/api/v2/filters",
            Some(&bob.token),
            json!({ "title": "sports", "context": ["home"], "keywords_attributes": [{ "keyword": "football" }, { "keyword": "tennis" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{multi}");
    let (_, list) = app.get("/api/v1/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().expect("list").len(), 4);
    let football = multi["keywords"][0]["id"].as_str().expect("id").to_string();
    let tennis = multi["keywords"][1]["id"].as_str().expect("id").to_string();
    let (status, err) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{football}"),
            Some(&bob.token),
            Some(json!({ "context": ["public"] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, renamed) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{football}"),
            Some(&bob.token),
            Some(json!({ "phrase": "soccer", "context": ["home"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["phrase"], "soccer");
    let multi_id = multi["id"].as_str().expect("id");
    let (_, after) = app
        .get(&format!("/api/v2/filters/{multi_id}"), Some(&bob.token))
        .await;
    assert_eq!(after["title"], "sports");
    assert_eq!(after["context"], json!(["home"]));

    // Deleting one of two keywords keeps the filter; deleting the last removes it.
    for kid in [&football, &tennis] {
        let (status, body) = app
            .request(
                Method::DELETE,
                &format!("/api/v1/filters/{kid}"),
                Some(&bob.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({}));
        let (status, _) = app
            .get(&format!("/api/v2/filters/{multi_id}"), Some(&bob.token))
            .await;
        let expected = if kid == &football {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected);
    }
    let (_, list) = app.get("/api/v1/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().expect("list").len(), 2);
}
