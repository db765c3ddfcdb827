//! Polls: posting them (form and JSON), the Poll entity in statuses and on its own, voting and
//! its refusals, edits, scheduled polls, expiry with its notifications (also on streaming),
//! and polls across two Rookery instances and from captured peers' documents.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{actor, eventually, follow_remotely, post_signed, StubHost};
use crate::helpers::media::{jpeg, upload_ok};
use crate::helpers::{assert_shape, TestApp, TestUser};

/// Every field of Mastodon's Poll entity for a signed-in viewer.
const POLL_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("expires_at", "string|null"),
    ("expired", "boolean"),
    ("multiple", "boolean"),
    ("votes_count", "number"),
    ("voters_count", "number|null"),
    ("options", "array"),
    ("emojis", "array"),
    ("voted", "boolean"),
    ("own_votes", "array"),
];

/// Posts `text` with a poll of `options` (JSON), asserting it worked.
async fn post_poll(app: &TestApp, user: &TestUser, options: &[&str], extra: Value) -> Value {
    let mut poll = json!({ "options": options, "expires_in": 3600 });
    if let (Some(p), Some(e)) = (poll.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    app.post_status(user, "which?", json!({ "poll": poll }))
        .await
}

async fn vote(
    app: &TestApp,
    user: &TestUser,
    poll_id: &str,
    choices: Value,
) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/polls/{poll_id}/votes"),
        Some(&user.token),
        json!({ "choices": choices }),
    )
    .await
}

fn counts(poll: &Value) -> Vec<Value> {
    poll["options"]
        .as_array()
        .map(|o| o.iter().map(|o| o["votes_count"].clone()).collect())
        .unwrap_or_default()
}

async fn notifications_of(app: &TestApp, user: &TestUser, kind: &str) -> Vec<Value> {
    let (status, list) = app
        .get(
            &format!("/api/v1/notifications?types[]={kind}"),
            Some(&user.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_is_posted_and_shown_field_for_field() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&bob, &alice).await;
    let status = post_poll(&app, &alice, &["heron", "egret"], json!({})).await;
    let poll = &status["poll"];
    assert_shape(poll, POLL_FIELDS);
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["expired"], false);
    assert_eq!(poll["votes_count"], 0);
    assert_eq!(
        poll["voters_count"],
        Value::Null,
        "null for a single-choice poll"
    );
    assert_eq!(
        poll["options"],
        json!([{ "title": "heron", "votes_count": 0 }, { "title": "egret", "votes_count": 0 }])
    );
    assert_eq!(poll["voted"], true, "the author counts as having voted");
    assert_eq!(poll["own_votes"], json!([]));
    let expires: chrono::DateTime<chrono::Utc> = poll["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("time");
    let ahead = expires - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::seconds(3500) && ahead <= chrono::Duration::seconds(3600),
        "{ahead}"
    );
    let poll_id = poll["id"].as_str().expect("id");

    // On its own, for the author, someone else, and nobody.
    let (code, own) = app
        .get(&format!("/api/v1/polls/{poll_id}"), Some(&alice.token))
        .await;
    assert_eq!(code, StatusCode::OK, "{own}");
    assert_eq!(&own, poll);
    let (_, bobs) = app
        .get(&format!("/api/v1/polls/{poll_id}"), Some(&bob.token))
        .await;
    assert_eq!(
        (bobs["voted"].clone(), bobs["own_votes"].clone()),
        (json!(false), json!([]))
    );
    let (code, anonymous) = app.get(&format!("/api/v1/polls/{poll_id}"), None).await;
    assert_eq!(code, StatusCode::OK, "{anonymous}");
    assert!(anonymous.get("voted").is_none() && anonymous.get("own_votes").is_none());
    assert_eq!(anonymous["options"], poll["options"]);
    let (code, _) = app.get("/api/v1/polls/12345", Some(&bob.token)).await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // Wherever the status is rendered: the status itself, the home timeline.
    let id = status["id"].as_str().expect("id");
    let (_, shown) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&bob.token))
        .await;
    assert_eq!(shown["poll"]["id"], poll["id"]);
    app.drain_jobs().await;
    let (_, home) = app.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert_eq!(home[0]["poll"]["options"], poll["options"], "{home}");

    // The form spelling, with a multiple-choice poll whose totals are hidden.
    let (code, formed) = app
        .post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[
                ("status", "pick any"),
                ("poll[options][]", "a"),
                ("poll[options][]", "b"),
                ("poll[options][]", "c"),
                ("poll[expires_in]", "600"),
                ("poll[multiple]", "true"),
                ("poll[hide_totals]", "1"),
            ],
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{formed}");
    let formed = &formed["poll"];
    assert_eq!(formed["multiple"], true);
    assert_eq!(
        formed["voters_count"], 0,
        "a number for a multiple-choice poll"
    );
    assert_eq!(
        counts(formed),
        [Value::Null, Value::Null, Value::Null],
        "hidden"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instance_tells_the_poll_limits() {
    let app = TestApp::spawn_with(|c| c.polls.max_options = 6).await;
    let (_, v2) = app.get("/api/v2/instance", None).await;
    let (_, v1) = app.get("/api/v1/instance", None).await;
    for polls in [&v2["configuration"]["polls"], &v1["configuration"]["polls"]] {
        assert_eq!(
            polls,
            &json!({
                "max_options": 6,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2_629_746,
            })
        );
    }
    let defaults = rookery::config::Config::defaults();
    assert_eq!(defaults.polls.max_options, 4, "Mastodon's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_polls_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let media = upload_ok(&app, &alice, jpeg(16, 16)).await;
    let poll =
        |options: Value, expires_in: Value| json!({ "options": options, "expires_in": expires_in });
    for body in [
        json!({ "status": "x", "poll": poll(json!(["only"]), json!(600)) }),
        json!({ "status": "x", "poll": poll(json!(["a", " "]), json!(600)) }),
        json!({ "status": "x", "poll": poll(json!(["a", "b", "c", "d", "e"]), json!(600)) }),
        json!({ "status": "x", "poll": poll(json!(["a", "b".repeat(51)]), json!(600)) }),
        json!({ "status": "x", "poll": poll(json!(["a", "a"]), json!(600)) }),
        json!({ "status": "x", "poll": poll(json!(["a", "b"]), json!(299)) }),
        json!({ "status": "x", "poll": poll(json!(["a", "b"]), json!(2_629_747)) }),
        json!({ "status": "x", "poll": { "options": ["a", "b"] } }),
        json!({ "status": "x", "poll": poll(json!(["a", "b"]), json!("soon")) }),
        json!({ "status": "x", "poll": poll(json!(["a", "b"]), json!(600)), "media_ids": [media["id"]] }),
        json!({ "status": "", "poll": poll(json!(["a", "b"]), json!(600)) }),
    ] {
        let (code, res) = app
            .post("/api/v1/statuses", Some(&alice.token), body.clone())
            .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {res}");
        assert!(res["error"].is_string(), "{res}");
    }
    let (code, res) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "x", "poll": poll(json!(["a", "b".repeat(50)]), json!(300)) }),
        )
        .await;
    assert_eq!(
        code,
        StatusCode::OK,
        "the limits themselves are fine: {res}"
    );
    let (_, statuses) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        statuses.as_array().map(Vec::len),
        Some(1),
        "only the good one: {statuses}"
    );
    let polls: i64 = sqlx::query_scalar("SELECT count(*) FROM polls")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(polls, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn votes_are_counted_once_and_bad_votes_refused() {
    let app = TestApp::spawn_with(|c| c.polls.min_expiration = 1).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let single = post_poll(&app, &alice, &["heron", "egret", "stork"], json!({})).await;
    let id = single["poll"]["id"].as_str().expect("id").to_string();

    for (who, choices, expected) in [
        (&bob, json!([3]), StatusCode::UNPROCESSABLE_ENTITY),
        (&bob, json!([-1]), StatusCode::UNPROCESSABLE_ENTITY),
        (&bob, json!(["x"]), StatusCode::UNPROCESSABLE_ENTITY),
        (&bob, json!([]), StatusCode::UNPROCESSABLE_ENTITY),
        (&bob, json!([0, 1]), StatusCode::UNPROCESSABLE_ENTITY),
        (&alice, json!([0]), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (code, res) = vote(&app, who, &id, choices.clone()).await;
        assert_eq!(code, expected, "{choices} → {res}");
        assert!(res["error"].is_string(), "{res}");
    }
    let (code, voted) = vote(&app, &bob, &id, json!([1])).await;
    assert_eq!(code, StatusCode::OK, "{voted}");
    assert_shape(&voted, POLL_FIELDS);
    assert_eq!(voted["voted"], true);
    assert_eq!(voted["own_votes"], json!([1]));
    assert_eq!(voted["votes_count"], 1);
    assert_eq!(counts(&voted), [json!(0), json!(1), json!(0)]);
    // No second vote, whatever it chooses.
    for again in [json!([1]), json!([2])] {
        let (code, res) = vote(&app, &bob, &id, again).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    }
    // The form spelling.
    let (code, res) = app
        .post_form(
            &format!("/api/v1/polls/{id}/votes"),
            Some(&carol.token),
            &[("choices[]", "1")],
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{res}");
    assert_eq!(res["votes_count"], 2);
    let (_, seen) = app
        .get(
            &format!("/api/v1/statuses/{}", single["id"].as_str().expect("id")),
            Some(&alice.token),
        )
        .await;
    assert_eq!(counts(&seen["poll"]), [json!(0), json!(2), json!(0)]);
    let (code, _) = vote(&app, &bob, "4242", json!([0])).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, _) = app
        .post(
            &format!("/api/v1/polls/{id}/votes"),
            None,
            json!({ "choices": [0] }),
        )
        .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);

    // Several choices on a multiple-choice poll, counted once per voter.
    let multiple = post_poll(&app, &alice, &["a", "b", "c"], json!({ "multiple": true })).await;
    let mid = multiple["poll"]["id"].as_str().expect("id").to_string();
    let (code, res) = vote(&app, &bob, &mid, json!([0, 2, 2])).await;
    assert_eq!(code, StatusCode::OK, "{res}");
    assert_eq!(res["own_votes"], json!([0, 2]));
    assert_eq!(
        (res["votes_count"].clone(), res["voters_count"].clone()),
        (json!(2), json!(1))
    );
    let (code, _) = vote(&app, &bob, &mid, json!([1])).await;
    assert_eq!(
        code,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no second vote on any poll"
    );

    // Hidden totals stay hidden until the end, from the voters too.
    let hidden = post_poll(
        &app,
        &alice,
        &["a", "b"],
        json!({ "hide_totals": true, "expires_in": 2 }),
    )
    .await;
    let hid = hidden["poll"]["id"].as_str().expect("id").to_string();
    let (_, res) = vote(&app, &bob, &hid, json!([0])).await;
    assert_eq!(counts(&res), [Value::Null, Value::Null]);
    assert_eq!(res["votes_count"], 1);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (code, res) = vote(&app, &carol, &hid, json!([1])).await;
    assert_eq!(
        code,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an ended poll: {res}"
    );
    let (_, ended) = app
        .get(&format!("/api/v1/polls/{hid}"), Some(&carol.token))
        .await;
    assert_eq!(ended["expired"], true);
    assert_eq!(counts(&ended), [json!(1), json!(0)], "shown once ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_on_a_status_you_cannot_see_is_not_found() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let stranger = app.register("stranger").await;
    let friend = app.register("friend").await;
    app.follow(&friend, &alice).await;
    let poll = json!({ "options": ["a", "b"], "expires_in": 600 });
    let private = app
        .post_status(
            &alice,
            "friends only",
            json!({ "visibility": "private", "poll": poll }),
        )
        .await;
    let id = private["poll"]["id"].as_str().expect("id");
    let (code, _) = app
        .get(&format!("/api/v1/polls/{id}"), Some(&stranger.token))
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, _) = app.get(&format!("/api/v1/polls/{id}"), None).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, res) = vote(&app, &stranger, id, json!([0])).await;
    assert_eq!(code, StatusCode::NOT_FOUND, "{res}");
    let (code, res) = vote(&app, &friend, id, json!([0])).await;
    assert_eq!(code, StatusCode::OK, "{res}");
    assert_eq!(res["votes_count"], 1, "the stranger's vote was not counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_the_options_resets_the_votes_and_history_keeps_them() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let status = post_poll(&app, &alice, &["a", "b"], json!({})).await;
    let id = status["id"].as_str().expect("id").to_string();
    let poll_id = status["poll"]["id"].as_str().expect("id").to_string();
    vote(&app, &bob, &poll_id, json!([0])).await;
    let edit = |options: Value| json!({ "status": "which now?", "poll": { "options": options, "expires_in": 7200 } });
    let put = |body: Value| {
        let app = &app;
        let token = alice.token.clone();
        let id = id.clone();
        async move {
            app.request(
                Method::PUT,
                &format!("/api/v1/statuses/{id}"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    // The same options: the votes stay, the end moves.
    let (code, same) = put(edit(json!(["a", "b"]))).await;
    assert_eq!(code, StatusCode::OK, "{same}");
    assert_eq!(counts(&same["poll"]), [json!(1), json!(0)]);
    assert_eq!(same["poll"]["id"], json!(poll_id));
    // New options: the votes are gone, and bob may vote again.
    let (code, changed) = put(edit(json!(["a", "b", "c"]))).await;
    assert_eq!(code, StatusCode::OK, "{changed}");
    assert_eq!(counts(&changed["poll"]), [json!(0), json!(0), json!(0)]);
    let (_, bobs) = app
        .get(&format!("/api/v1/polls/{poll_id}"), Some(&bob.token))
        .await;
    assert_eq!(bobs["voted"], false);
    let (code, _) = vote(&app, &bob, &poll_id, json!([2])).await;
    assert_eq!(code, StatusCode::OK);
    // A bad poll on an edit changes nothing.
    let (code, _) = put(edit(json!(["only"]))).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, history) = app
        .get(
            &format!("/api/v1/statuses/{id}/history"),
            Some(&alice.token),
        )
        .await;
    let options: Vec<Value> = history
        .as_array()
        .expect("history")
        .iter()
        .map(|v| v["poll"]["options"].clone())
        .collect();
    assert_eq!(
        options,
        [
            json!([{ "title": "a" }, { "title": "b" }]),
            json!([{ "title": "a" }, { "title": "b" }]),
            json!([{ "title": "a" }, { "title": "b" }, { "title": "c" }]),
        ],
        "{history}"
    );
    // An edit without a poll removes it.
    let (code, plain) = put(json!({ "status": "no poll after all" })).await;
    assert_eq!(code, StatusCode::OK, "{plain}");
    assert_eq!(plain["poll"], Value::Null);
    let (code, _) = app
        .get(&format!("/api/v1/polls/{poll_id}"), Some(&bob.token))
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_poll_is_kept_and_published() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let at = (app.state.clock.now() + chrono::Duration::minutes(10)).to_rfc3339();
    let (code, scheduled) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "later", "scheduled_at": at,
                    "poll": { "options": ["a", "b"], "expires_in": 600, "multiple": true } }),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{scheduled}");
    assert_eq!(
        scheduled["params"]["poll"],
        json!({ "options": ["a", "b"], "expires_in": 600, "multiple": true, "hide_totals": false })
    );
    let (code, res) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "later", "scheduled_at": at,
                    "poll": { "options": ["a"], "expires_in": 600 } }),
        )
        .await;
    assert_eq!(
        code,
        StatusCode::UNPROCESSABLE_ENTITY,
        "checked when scheduled: {res}"
    );

    let id: i64 = scheduled["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("number");
    let when: chrono::DateTime<chrono::Utc> = scheduled["scheduled_at"]
        .as_str()
        .expect("at")
        .parse()
        .expect("time");
    let published = rookery::service::scheduled::publish(&app.state, id, when)
        .await
        .expect("publish");
    let rookery::service::scheduled::Publication::Published(status_id) = published else {
        panic!("not published: {published:?}");
    };
    let (_, status) = app
        .get(&format!("/api/v1/statuses/{status_id}"), Some(&alice.token))
        .await;
    assert_eq!(status["poll"]["multiple"], true, "{status}");
    assert_eq!(
        status["poll"]["options"],
        json!([{ "title": "a", "votes_count": 0 }, { "title": "b", "votes_count": 0 }])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_poll_notifies_its_author_and_voters_once() {
    let app = TestApp::spawn_with(|c| c.polls.min_expiration = 1).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let status = post_poll(&app, &alice, &["a", "b"], json!({ "expires_in": 3 })).await;
    let poll_id = status["poll"]["id"].as_str().expect("id").to_string();
    vote(&app, &bob, &poll_id, json!([1])).await;
    let listening = {
        let app_url = app.url("");
        let token = bob.token.clone();
        let client = app.client.clone();
        tokio::spawn(async move {
            let probe = TestAppProbe {
                client,
                base: app_url,
            };
            probe.wait_for_poll_notification(&token).await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        app.drain_jobs().await;
        if !notifications_of(&app, &bob, "poll").await.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bob was never told the poll ended"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let told = notifications_of(&app, &bob, "poll").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["status"]["id"], status["id"]);
    assert_eq!(told[0]["account"]["id"], json!(alice.id));
    assert_eq!(told[0]["status"]["poll"]["expired"], true);
    let own = notifications_of(&app, &alice, "poll").await;
    assert_eq!(own.len(), 1, "the author hears of her own poll");
    assert!(
        notifications_of(&app, &carol, "poll").await.is_empty(),
        "carol did not vote"
    );
    assert!(listening.await.expect("task"), "pushed on streaming");

    // Once: the job running again for the same end does nothing more.
    let expires: chrono::DateTime<chrono::Utc> = status["poll"]["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("time");
    rookery::service::polls::close(&app.state, poll_id.parse().expect("id"), expires)
        .await
        .expect("close again");
    app.drain_jobs().await;
    assert_eq!(notifications_of(&app, &bob, "poll").await.len(), 1);
    assert_eq!(notifications_of(&app, &alice, "poll").await.len(), 1);
}

/// A bare client for a background task (the `TestApp` stays with the test).
struct TestAppProbe {
    client: reqwest::Client,
    base: String,
}

impl TestAppProbe {
    async fn wait_for_poll_notification(&self, token: &str) -> bool {
        let res = self
            .client
            .get(format!("{}/api/v1/streaming/user/notification", self.base))
            .bearer_auth(token)
            .send()
            .await;
        let Ok(mut res) = res else { return false };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
        let mut buf = String::new();
        loop {
            let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, res.chunk()).await else {
                return false;
            };
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                if block.contains("event: notification") && block.contains("\"type\":\"poll\"") {
                    return true;
                }
            }
        }
    }
}

/// The status with ActivityPub id `uri` on `app`, as `who` sees it.
async fn copy_of(app: &TestApp, who: &TestUser, uri: &str) -> Option<Value> {
    let id = rookery::store::statuses::id_by_uri(&app.state.db, uri)
        .await
        .expect("query")?;
    let (code, status) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&who.token))
        .await;
    (code == StatusCode::OK).then_some(status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_poll_voted_on_from_another_instance_gets_its_counts_back() {
    let fast = |c: &mut rookery::config::Config| c.polls.update_delay_secs = 1;
    let a = TestApp::spawn_with(fast).await;
    let b = TestApp::spawn_with(fast).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let carol = b.register("carol").await;
    let dave = a.register("dave").await;
    follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let status = post_poll(&a, &alice, &["heron", "egret"], json!({})).await;
    let uri = status["uri"].as_str().expect("uri").to_string();
    let local_poll = status["poll"]["id"].as_str().expect("id").to_string();

    // The poll arrives as a poll, with its options and end.
    let mut copy = None;
    eventually(&a, &b, "the poll reaches bob", async || {
        copy = copy_of(&b, &bob, &uri).await;
        copy.is_some()
    })
    .await;
    let copy = copy.expect("copy");
    assert_eq!(copy["poll"]["options"], status["poll"]["options"], "{copy}");
    assert_eq!(copy["poll"]["expires_at"], status["poll"]["expires_at"]);
    assert_eq!(copy["poll"]["voted"], false);
    let remote_poll = copy["poll"]["id"].as_str().expect("id").to_string();

    // Bob votes on his copy: counted there at once, and sent to alice's server.
    let (code, res) = vote(&b, &bob, &remote_poll, json!([1])).await;
    assert_eq!(code, StatusCode::OK, "{res}");
    assert_eq!(res["own_votes"], json!([1]));
    assert_eq!(counts(&res), [json!(0), json!(1)]);
    let (code, _) = vote(&b, &bob, &remote_poll, json!([0])).await;
    assert_eq!(
        code,
        StatusCode::UNPROCESSABLE_ENTITY,
        "once on a remote poll too"
    );
    eventually(&a, &b, "alice's server counts bob's vote", async || {
        let (_, p) = a
            .get(&format!("/api/v1/polls/{local_poll}"), Some(&alice.token))
            .await;
        counts(&p) == [json!(0), json!(1)]
    })
    .await;
    // The vote is no status anywhere.
    let (_, alices) = a
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(alices.as_array().map(Vec::len), Some(1), "{alices}");
    let statuses_on_a: i64 = sqlx::query_scalar("SELECT count(*) FROM statuses")
        .fetch_one(&a.state.db)
        .await
        .expect("count");
    assert_eq!(statuses_on_a, 1, "only the poll itself");

    // A vote on alice's server goes back to bob's as an Update of the Question, which is no
    // edit there.
    let (code, _) = vote(&a, &dave, &local_poll, json!([0])).await;
    assert_eq!(code, StatusCode::OK);
    eventually(&a, &b, "the new counts reach bob's server", async || {
        let (_, p) = b
            .get(&format!("/api/v1/polls/{remote_poll}"), Some(&carol.token))
            .await;
        counts(&p) == [json!(1), json!(1)] && p["votes_count"] == 2
    })
    .await;
    let (_, p) = b
        .get(&format!("/api/v1/polls/{remote_poll}"), Some(&bob.token))
        .await;
    assert_eq!(p["own_votes"], json!([1]), "bob's own vote is still his");
    let copy = copy_of(&b, &bob, &uri).await.expect("copy");
    assert_eq!(copy["edited_at"], Value::Null, "counts are no edit: {copy}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_poll_that_ends_tells_its_local_voters() {
    let fast = |c: &mut rookery::config::Config| {
        c.polls.update_delay_secs = 1;
        c.polls.min_expiration = 1;
    };
    let a = TestApp::spawn_with(fast).await;
    let b = TestApp::spawn_with(fast).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let status = post_poll(&a, &alice, &["yes", "no"], json!({ "expires_in": 12 })).await;
    let uri = status["uri"].as_str().expect("uri").to_string();
    let mut copy = None;
    eventually(&a, &b, "the poll reaches bob", async || {
        copy = copy_of(&b, &bob, &uri).await;
        copy.is_some()
    })
    .await;
    let remote_poll = copy.expect("copy")["poll"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (code, res) = vote(&b, &bob, &remote_poll, json!([0])).await;
    assert_eq!(code, StatusCode::OK, "{res}");
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        a.drain_jobs().await;
        b.drain_jobs().await;
        let bob_told = !notifications_of(&b, &bob, "poll").await.is_empty();
        let alice_told = !notifications_of(&a, &alice, "poll").await.is_empty();
        let (_, p) = b
            .get(&format!("/api/v1/polls/{remote_poll}"), Some(&bob.token))
            .await;
        if bob_told && alice_told && p["expired"] == true && counts(&p) == [json!(1), json!(0)] {
            break;
        }
        assert!(Instant::now() < deadline, "the end was not heard of: {p}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let told = notifications_of(&b, &bob, "poll").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["status"]["uri"], json!(uri));
}

/// A stub server at `host` with the actor `path` (`username`); the fixture `name` read with
/// its own server's base replaced by the stub's.
fn captured(name: &str, from_base: &str, host: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/peers")
        .join(name);
    let text = std::fs::read_to_string(path).expect("fixture");
    serde_json::from_str(&text.replace(from_base, &format!("http://{host}"))).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captured_questions_and_votes_are_understood() {
    let app = TestApp::spawn_with(|c| c.polls.update_delay_secs = 1).await;
    let alice = app.register("alice").await;
    let (stub, host) = StubHost::start().await;
    let (zoe, zoe_key) = actor(&host, "/users/zoe", "zoe");
    stub.serve("/users/zoe", zoe);
    stub.finger(
        &format!("zoe@{host}"),
        &format!("zoe@{host}"),
        &format!("http://{host}/users/zoe"),
    );
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();

    // Fedify's Create(Question), then its Update with a vote counted.
    let mut create = captured(
        "fedify-2.3.6/create-question.json",
        "http://127.0.0.1:18241",
        &host,
    );
    create["object"]["endTime"] = json!(future);
    let code = post_signed(&app, &zoe_key, &create).await;
    assert_eq!(code, StatusCode::ACCEPTED);
    app.drain_jobs().await;
    let uri = create["object"]["id"].as_str().expect("id").to_string();
    let shown = copy_of(&app, &alice, &uri).await.expect("stored");
    let poll = &shown["poll"];
    assert_shape(poll, POLL_FIELDS);
    let titles: Vec<&str> = poll["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["title"].as_str())
        .collect();
    assert_eq!(titles, ["alpha", "beta", "gamma"]);
    assert_eq!(poll["expired"], false);
    let mut update = captured(
        "fedify-2.3.6/update-question.json",
        "http://127.0.0.1:18241",
        &host,
    );
    update["object"]["endTime"] = json!(future);
    assert_eq!(
        post_signed(&app, &zoe_key, &update).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    let shown = copy_of(&app, &alice, &uri).await.expect("stored");
    assert_eq!(
        counts(&shown["poll"]),
        [json!(0), json!(1), json!(0)],
        "{shown}"
    );

    // GoToSocial's: a multiple-choice poll, its counts, and its closing.
    let (tester, tester_key) = actor(&host, "/users/tester", "tester");
    stub.serve("/users/tester", tester);
    stub.finger(
        &format!("tester@{host}"),
        &format!("tester@{host}"),
        &format!("http://{host}/users/tester"),
    );
    let gts = "http://127.0.0.1:8080";
    let mut multiple = captured("gotosocial-0.20/create-question-multiple.json", gts, &host);
    multiple["object"]["endTime"] = json!(future);
    assert_eq!(
        post_signed(&app, &tester_key, &multiple).await,
        StatusCode::ACCEPTED
    );
    let closed = captured("gotosocial-0.20/update-question-closed.json", gts, &host);
    let mut created_closed = closed.clone();
    created_closed["type"] = json!("Create");
    created_closed["id"] = json!(format!(
        "{}#create",
        closed["object"]["id"].as_str().expect("id")
    ));
    assert_eq!(
        post_signed(&app, &tester_key, &created_closed).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    let multi = copy_of(&app, &alice, multiple["object"]["id"].as_str().expect("id"))
        .await
        .expect("stored");
    assert_eq!(multi["poll"]["multiple"], true);
    let ended = copy_of(&app, &alice, closed["object"]["id"].as_str().expect("id"))
        .await
        .expect("stored");
    assert_eq!(ended["poll"]["expired"], true, "{ended}");
    let (code, _) = vote(
        &app,
        &alice,
        ended["poll"]["id"].as_str().expect("id"),
        json!([0]),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);

    // GoToSocial's vote on a local poll: counted once, for an option that exists.
    let local = post_poll(&app, &alice, &["red", "blue"], json!({})).await;
    let local_uri = local["uri"].as_str().expect("uri");
    let mut vote_doc = captured("gotosocial-0.20/create-note-poll-vote.json", gts, &host);
    vote_doc["object"]["inReplyTo"] = json!(local_uri);
    assert_eq!(
        post_signed(&app, &tester_key, &vote_doc).await,
        StatusCode::ACCEPTED
    );
    let mut again = vote_doc.clone();
    again["id"] = json!(format!("{}-again", vote_doc["id"].as_str().expect("id")));
    again["object"]["id"] = json!(format!(
        "{}-again",
        vote_doc["object"]["id"].as_str().expect("id")
    ));
    again["object"]["name"] = json!("red");
    assert_eq!(
        post_signed(&app, &tester_key, &again).await,
        StatusCode::ACCEPTED
    );
    let mut missing = vote_doc.clone();
    missing["object"]["name"] = json!("green");
    missing["actor"] = json!(format!("http://{host}/users/zoe"));
    missing["object"]["attributedTo"] = json!(format!("http://{host}/users/zoe"));
    missing["id"] = json!(format!("http://{host}/users/zoe#votes/1/activity"));
    missing["object"]["id"] = json!(format!("http://{host}/users/zoe#votes/1"));
    assert_eq!(
        post_signed(&app, &zoe_key, &missing).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    let (_, counted) = app
        .get(
            &format!(
                "/api/v1/polls/{}",
                local["poll"]["id"].as_str().expect("id")
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        counts(&counted),
        [json!(0), json!(1)],
        "one vote, for blue: {counted}"
    );
    assert_eq!(counted["votes_count"], 1);
    let (_, alices) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        alices.as_array().map(Vec::len),
        Some(1),
        "votes are no statuses"
    );
}
