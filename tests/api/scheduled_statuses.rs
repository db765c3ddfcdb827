//! Scheduled statuses: `POST /api/v1/statuses` with `scheduled_at`, the
//! `/api/v1/scheduled_statuses` endpoints, and their publication by the `publish_scheduled` job
//! at their time.
//!
//! Time is moved, not waited for: [`travel`] moves the app's clock (what the five-minute rule
//! reads) and, by as much, the queue's view of time, by moving waiting jobs' `run_at` earlier
//! (the queue compares with the database's clock, which a test cannot move). A job therefore
//! becomes due exactly when the time it was queued for has been travelled past.

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{arrived, follow_remotely};
use crate::helpers::media::{jpeg, upload_ok};
use crate::helpers::{assert_shape, TestApp, TestUser};

/// Moves time forward by `minutes` for the app and for its job queue.
pub(crate) async fn travel(app: &TestApp, minutes: i64) {
    let by = chrono::Duration::minutes(minutes);
    app.state.clock.advance(by);
    sqlx::query("UPDATE jobs SET run_at = run_at - $1 WHERE state = 'pending'")
        .bind(by)
        .execute(&app.state.db)
        .await
        .expect("move the queue's time");
}

/// `minutes` from now by the app's clock, as a client writes it.
pub(crate) fn in_minutes(app: &TestApp, minutes: i64) -> String {
    let at = app.state.clock.now() + chrono::Duration::minutes(minutes);
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Waits (twenty seconds at most) until no job is due or running: every job whose time has
/// come has run. Jobs waiting for a later time are left waiting.
pub(crate) async fn settle(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE state = 'running' \
             OR (state = 'pending' AND run_at <= now())",
        )
        .fetch_one(&app.state.db)
        .await
        .expect("count jobs");
        if busy == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "due jobs still waiting after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits (twenty seconds at most) until `check` holds.
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `user`'s statuses as anyone reads them, newest first.
async fn statuses_of(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let (status, list) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", user.id),
            Some(&user.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().expect("a list").clone()
}

/// Every status row of `user`, whatever its visibility.
async fn status_rows(app: &TestApp, user: &TestUser) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM statuses WHERE account_id = $1")
        .bind(user.id.parse::<i64>().expect("id"))
        .fetch_one(&app.state.db)
        .await
        .expect("count statuses")
}

async fn scheduled_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM scheduled_statuses")
        .fetch_one(&app.state.db)
        .await
        .expect("count scheduled")
}

/// Schedules `extra` (with `status` = `text`) at `at`; asserts it worked.
async fn schedule(app: &TestApp, user: &TestUser, text: &str, at: &str, extra: Value) -> Value {
    let mut body = json!({ "status": text, "scheduled_at": at });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, res) = app.post("/api/v1/statuses", Some(&user.token), body).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    res
}

const SCHEDULED_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("scheduled_at", "string"),
    ("params", "object"),
    ("media_attachments", "array"),
];

const PARAMS_FIELDS: &[(&str, &str)] = &[
    ("text", "string"),
    ("poll", "object|null"),
    ("media_ids", "array|null"),
    ("sensitive", "boolean|null"),
    ("spoiler_text", "string|null"),
    ("visibility", "string"),
    ("in_reply_to_id", "number|null"),
    ("language", "string|null"),
    ("application_id", "number|null"),
    ("quoted_status_id", "string|null"),
    ("quote_approval_policy", "string|null"),
    ("scheduled_at", "null"),
    ("idempotency", "null"),
    ("with_rate_limit", "boolean"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_less_than_five_minutes_ahead_or_bad_input_is_refused_and_nothing_stored() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let past = (app.state.clock.now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    for at in [in_minutes(&app, 4), in_minutes(&app, 0), past] {
        let (status, res) = app
            .post(
                "/api/v1/statuses",
                Some(&alice.token),
                json!({ "status": "later", "scheduled_at": at }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{at}: {res}");
        assert_eq!(
            res["error"], "Validation failed: Scheduled at date must be in the future",
            "{at}"
        );
    }
    let soon = in_minutes(&app, 10);
    for (body, expected) in [
        (
            json!({ "status": "x", "scheduled_at": "next tuesday" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "status": "", "scheduled_at": soon }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "status": "x".repeat(501), "scheduled_at": soon }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "status": "x", "visibility": "everyone", "scheduled_at": soon }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "status": "x", "language": "english", "scheduled_at": soon }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "status": "x", "media_ids": ["1"], "scheduled_at": soon }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // A bad poll is refused as for an immediate post (tests/api/polls.rs schedules good ones).
        (
            json!({ "status": "x", "poll": {"options": ["a"], "expires_in": 600},
                    "scheduled_at": soon }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "status": "x", "in_reply_to_id": "99999999", "scheduled_at": soon }),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, res) = app
            .post("/api/v1/statuses", Some(&alice.token), body.clone())
            .await;
        assert_eq!(status, expected, "{body} → {res}");
        assert!(res["error"].is_string(), "{res}");
    }
    assert_eq!(scheduled_rows(&app).await, 0, "nothing was scheduled");
    assert_eq!(status_rows(&app, &alice).await, 0, "nothing was posted");
    let (status, res) = app
        .request(
            Method::POST,
            "/api/v1/statuses",
            None,
            Some(json!({ "status": "x", "scheduled_at": soon })),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduling_answers_a_scheduled_status_posts_nothing_and_reserves_the_media() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let parent = app.post_status(&alice, "first", json!({})).await;
    let media = upload_ok(&app, &alice, jpeg(64, 48)).await;
    let at = in_minutes(&app, 60);
    let scheduled = schedule(
        &app,
        &alice,
        "later",
        &at,
        json!({
            "media_ids": [media["id"]],
            "spoiler_text": "cw",
            "visibility": "unlisted",
            "language": "fr",
            "in_reply_to_id": parent["id"],
        }),
    )
    .await;
    assert_shape(&scheduled, SCHEDULED_FIELDS);
    assert_shape(&scheduled["params"], PARAMS_FIELDS);
    let at: DateTime<Utc> = at.parse().expect("time");
    let answered: DateTime<Utc> = scheduled["scheduled_at"]
        .as_str()
        .expect("scheduled_at")
        .parse()
        .expect("a timestamp");
    assert_eq!(answered, at);
    let params = &scheduled["params"];
    assert_eq!(params["text"], "later");
    assert_eq!(params["media_ids"], json!([media["id"]]));
    assert_eq!(params["spoiler_text"], "cw");
    assert_eq!(params["visibility"], "unlisted");
    assert_eq!(params["language"], "fr");
    assert_eq!(params["sensitive"], Value::Null);
    assert_eq!(params["poll"], Value::Null);
    assert_eq!(
        params["in_reply_to_id"].as_i64().map(|i| i.to_string()),
        parent["id"].as_str().map(str::to_string)
    );
    assert!(params["application_id"].is_number(), "{params}");
    assert_eq!(scheduled["media_attachments"][0]["id"], media["id"]);
    assert_eq!(
        scheduled["media_attachments"].as_array().map(Vec::len),
        Some(1)
    );

    assert_eq!(
        status_rows(&app, &alice).await,
        1,
        "only the first post exists"
    );
    assert_eq!(statuses_of(&app, &alice).await.len(), 1);

    // Defaults: the author's visibility is kept; what was not sent is null.
    let plain = schedule(&app, &alice, "plain", &in_minutes(&app, 61), json!({})).await;
    assert_eq!(plain["params"]["visibility"], "public");
    assert_eq!(plain["params"]["media_ids"], Value::Null);
    assert_eq!(plain["params"]["spoiler_text"], Value::Null);
    assert_eq!(plain["params"]["in_reply_to_id"], Value::Null);

    // The upload is the scheduled status's: neither a post nor another schedule may take it.
    for body in [
        json!({ "status": "now", "media_ids": [media["id"]] }),
        json!({ "status": "also later", "media_ids": [media["id"]],
                "scheduled_at": in_minutes(&app, 90) }),
    ] {
        let (status, res) = app
            .post("/api/v1/statuses", Some(&alice.token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {res}");
        assert_eq!(
            res["details"]["media_ids"][0]["error"], "ERR_TAKEN",
            "{res}"
        );
    }
    assert_eq!(scheduled_rows(&app).await, 2);

    // The same Idempotency-Key within the hour answers the same scheduled status.
    let again = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&alice.token)
            .header("Idempotency-Key", key)
            .json(&json!({ "status": "once", "scheduled_at": in_minutes(&app, 120) }))
            .send()
    };
    let first: Value = again("k1").await.expect("send").json().await.expect("json");
    let second: Value = again("k1").await.expect("send").json().await.expect("json");
    assert_eq!(first["id"], second["id"]);
    assert!(first["id"].is_string(), "{first}");
    assert_eq!(scheduled_rows(&app).await, 3);

    // Cancelled, the upload is free again.
    let id = scheduled["id"].as_str().expect("id");
    let (status, res) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/scheduled_statuses/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res, json!({}));
    let post = app
        .post_status(&alice, "now", json!({ "media_ids": [media["id"]] }))
        .await;
    assert_eq!(post["media_attachments"][0]["id"], media["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_lists_reads_reschedules_and_cancels_only_ones_own() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let mallory = app.register("mallory").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let s = schedule(
            &app,
            &alice,
            &format!("s{n}"),
            &in_minutes(&app, 30 + n),
            json!({}),
        )
        .await;
        ids.push(s["id"].as_str().expect("id").to_string());
    }
    schedule(&app, &mallory, "hers", &in_minutes(&app, 30), json!({})).await;

    // Newest first, paged with a Link header.
    let res = app
        .client
        .get(app.url("/api/v1/scheduled_statuses?limit=2"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), StatusCode::OK);
    let link = res
        .headers()
        .get("link")
        .and_then(|l| l.to_str().ok())
        .expect("a Link header")
        .to_string();
    let page: Value = res.json().await.expect("json");
    let listed: Vec<&str> = page
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
    assert_shape(&page[0], SCHEDULED_FIELDS);
    assert!(link.contains(&format!("max_id={}", ids[1])), "{link}");
    assert!(link.contains(&format!("min_id={}", ids[2])), "{link}");
    let older = app
        .ids(
            &format!("/api/v1/scheduled_statuses?max_id={}", ids[1]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(older, [ids[0].clone()]);
    let newer = app
        .ids(
            &format!("/api/v1/scheduled_statuses?min_id={}&limit=1", ids[0]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(newer, [ids[1].clone()]);

    // One.
    let (status, one) = app
        .get(
            &format!("/api/v1/scheduled_statuses/{}", ids[0]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["params"]["text"], "s0");

    // Rescheduled: the new time, by the same five-minute rule.
    let later = in_minutes(&app, 600);
    let (status, moved) = app
        .request(
            Method::PUT,
            &format!("/api/v1/scheduled_statuses/{}", ids[0]),
            Some(&alice.token),
            Some(json!({ "scheduled_at": later })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let moved_to: DateTime<Utc> = moved["scheduled_at"]
        .as_str()
        .expect("at")
        .parse()
        .expect("t");
    assert_eq!(moved_to, later.parse::<DateTime<Utc>>().expect("t"));
    let (status, res) = app
        .request(
            Method::PUT,
            &format!("/api/v1/scheduled_statuses/{}", ids[0]),
            Some(&alice.token),
            Some(json!({ "scheduled_at": in_minutes(&app, 2) })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    let (_, still) = app
        .get(
            &format!("/api/v1/scheduled_statuses/{}", ids[0]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        still["scheduled_at"], moved["scheduled_at"],
        "a refused move changes nothing"
    );

    // Someone else's is not found, whatever the method.
    for (method, body) in [
        (Method::GET, None),
        (
            Method::PUT,
            Some(json!({ "scheduled_at": in_minutes(&app, 700) })),
        ),
        (Method::DELETE, None),
    ] {
        let (status, res) = app
            .request(
                method.clone(),
                &format!("/api/v1/scheduled_statuses/{}", ids[1]),
                Some(&mallory.token),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} → {res}");
        assert!(res["error"].is_string(), "{res}");
    }
    assert_eq!(
        app.ids("/api/v1/scheduled_statuses", Some(&mallory.token))
            .await
            .len(),
        1
    );
    for path in [
        "/api/v1/scheduled_statuses/abc",
        "/api/v1/scheduled_statuses/1",
    ] {
        assert_eq!(
            app.get(path, Some(&alice.token)).await.0,
            StatusCode::NOT_FOUND
        );
    }

    // Scopes: reading needs read:statuses, changing write:statuses.
    let reader = app.register_with_scopes("reader", "read:statuses").await;
    let s = scheduled_by_reader(&app, &reader).await;
    assert_eq!(
        app.get("/api/v1/scheduled_statuses", Some(&reader.token))
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/scheduled_statuses/{s}"),
            Some(&reader.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let writer = app.register_with_scopes("writer", "write:statuses").await;
    assert_eq!(
        app.get("/api/v1/scheduled_statuses", Some(&writer.token))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/scheduled_statuses", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Cancelled: gone.
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/scheduled_statuses/{}", ids[2]),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .get(
            &format!("/api/v1/scheduled_statuses/{}", ids[2]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/scheduled_statuses/{}", ids[2]),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.ids("/api/v1/scheduled_statuses", Some(&alice.token))
            .await
            .len(),
        2
    );
}

/// A scheduled status of `reader`, whose read-only token cannot schedule one: made through
/// the service, for the scope checks.
async fn scheduled_by_reader(app: &TestApp, reader: &TestUser) -> String {
    let (status, res) = app
        .post(
            "/api/v1/statuses",
            Some(&reader.token),
            json!({ "status": "x", "scheduled_at": in_minutes(app, 30) }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a read token cannot schedule: {res}"
    );
    let account = rookery::store::accounts::by_id(&app.state.db, reader.id.parse().expect("id"))
        .await
        .expect("query")
        .expect("account");
    let user = rookery::store::users::by_account_id(&app.state.db, account.id)
        .await
        .expect("query")
        .expect("user");
    let view = rookery::service::scheduled::schedule(
        &app.state,
        &account,
        &user,
        None,
        rookery::service::scheduled::ToSchedule {
            draft: rookery::service::statuses::Draft {
                text: "mine".into(),
                ..Default::default()
            },
            scheduled_at: app.state.clock.now() + chrono::Duration::minutes(30),
            poll: None,
        },
        None,
    )
    .await
    .expect("schedule");
    view.scheduled.id.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_total_and_daily_limits_hold() {
    let defaults = rookery::config::Config::defaults();
    assert_eq!(
        defaults.limits.scheduled_statuses, 300,
        "Mastodon's TOTAL_LIMIT"
    );
    assert_eq!(
        defaults.limits.scheduled_statuses_per_day, 25,
        "Mastodon's DAILY_LIMIT"
    );

    let app = TestApp::spawn_with(|c| {
        c.limits.scheduled_statuses = 3;
        c.limits.scheduled_statuses_per_day = 2;
    })
    .await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    // Noon of a day well ahead, so every time below falls on the same UTC day.
    let day = (app.state.clock.now() + chrono::Duration::days(3))
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .expect("noon")
        .and_utc();
    let at = |hours: i64| {
        (day + chrono::Duration::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    schedule(&app, &alice, "a", &at(0), json!({})).await;
    let second = schedule(&app, &alice, "b", &at(1), json!({})).await;
    let (status, res) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "c", "scheduled_at": at(2) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(
        res["error"],
        "Validation failed: You have exceeded the limit of 2 scheduled posts for today"
    );
    // Another person's day is their own.
    schedule(&app, &bob, "b1", &at(2), json!({})).await;
    // The next day has room; then the total is reached.
    let third = schedule(&app, &alice, "c", &at(24), json!({})).await;
    let (status, res) = app
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "d", "scheduled_at": at(48) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(
        res["error"],
        "Validation failed: You have exceeded the limit of 3 scheduled posts"
    );
    // Rescheduling within its own day is fine; into a full day is not.
    let (status, res) = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/scheduled_statuses/{}",
                second["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            Some(json!({ "scheduled_at": at(3) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    let (status, res) = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/scheduled_statuses/{}",
                third["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            Some(json!({ "scheduled_at": at(4) })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(scheduled_rows(&app).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_its_time_it_is_published_once_with_everything_kept_and_followers_elsewhere_get_it() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    // A second process of A: two runners compete for the job.
    let a2 = a.spawn_sharing().await;
    let alice = a.register("alice").await;
    let carol = a.register("carol").await;
    let bob = b.register("bob").await;
    a.follow(&carol, &alice).await;
    follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let parent = a.post_status(&alice, "a thread", json!({})).await;
    arrived(&a, &b, &bob, &parent["uri"]).await;
    let media = upload_ok(&a, &alice, jpeg(64, 48)).await;
    let scheduled = schedule(
        &a,
        &alice,
        "the sequel",
        &in_minutes(&a, 10),
        json!({
            "media_ids": [media["id"]],
            "spoiler_text": "spoilers",
            "visibility": "unlisted",
            "language": "fr",
            "in_reply_to_id": parent["id"],
        }),
    )
    .await;

    // Not before its time.
    travel(&a, 9).await;
    a2.state.clock.advance(chrono::Duration::minutes(9));
    settle(&a).await;
    assert_eq!(status_rows(&a, &alice).await, 1, "published early");

    travel(&a, 2).await;
    a2.state.clock.advance(chrono::Duration::minutes(2));
    until("the scheduled status is published", async || {
        status_rows(&a, &alice).await == 2
    })
    .await;
    settle(&a).await;
    assert_eq!(status_rows(&a, &alice).await, 2, "published once");
    assert_eq!(scheduled_rows(&a).await, 0);
    assert!(a
        .ids("/api/v1/scheduled_statuses", Some(&alice.token))
        .await
        .is_empty());
    let posted = statuses_of(&a, &alice).await[0].clone();
    assert_eq!(posted["content"], "<p>the sequel</p>");
    assert_eq!(posted["spoiler_text"], "spoilers");
    assert_eq!(
        posted["sensitive"], true,
        "a content warning makes it sensitive"
    );
    assert_eq!(posted["visibility"], "unlisted");
    assert_eq!(posted["language"], "fr");
    assert_eq!(posted["in_reply_to_id"], parent["id"]);
    assert_eq!(posted["media_attachments"][0]["id"], media["id"]);
    assert_ne!(posted["id"], scheduled["id"]);
    // The ordinary path: a local follower's home feed has it.
    let home = a.ids("/api/v1/timelines/home", Some(&carol.token)).await;
    assert!(
        home.contains(&posted["id"].as_str().expect("id").to_string()),
        "{home:?}"
    );

    // A follower on another instance receives it, as posted.
    let copy = arrived(&a, &b, &bob, &posted["uri"]).await;
    assert_eq!(copy["spoiler_text"], "spoilers");
    assert_eq!(copy["visibility"], "unlisted");
    assert_eq!(copy["language"], "fr");
    assert_eq!(copy["media_attachments"].as_array().map(Vec::len), Some(1));
    assert!(copy["in_reply_to_id"].is_string(), "{copy}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_twice_at_once_posts_one_status() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let scheduled = schedule(&app, &alice, "once", &in_minutes(&app, 30), json!({})).await;
    let id: i64 = scheduled["id"].as_str().expect("id").parse().expect("id");
    let at: DateTime<Utc> = scheduled["scheduled_at"]
        .as_str()
        .expect("at")
        .parse()
        .expect("t");
    use rookery::service::scheduled::{publish, Publication};
    // A job for another time (the status was rescheduled since) does nothing.
    let stale = publish(&app.state, id, at - chrono::Duration::minutes(1)).await;
    assert!(matches!(stale, Ok(Publication::Gone)), "{stale:?}");
    assert_eq!(status_rows(&app, &alice).await, 0);
    let (one, two) = tokio::join!(publish(&app.state, id, at), publish(&app.state, id, at));
    let outcomes = [one.expect("publish"), two.expect("publish")];
    let published = outcomes
        .iter()
        .filter(|o| matches!(o, Publication::Published(_)))
        .count();
    assert_eq!(published, 1, "{outcomes:?}");
    assert!(
        outcomes.iter().any(|o| matches!(o, Publication::Gone)),
        "{outcomes:?}"
    );
    assert_eq!(status_rows(&app, &alice).await, 1);
    let again = publish(&app.state, id, at).await;
    assert!(matches!(again, Ok(Publication::Gone)), "{again:?}");
    assert_eq!(status_rows(&app, &alice).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_due_while_no_worker_ran_is_published_when_one_starts() {
    let app = TestApp::spawn_with(|c| c.jobs.workers = 0).await;
    let alice = app.register("alice").await;
    schedule(&app, &alice, "while down", &in_minutes(&app, 10), json!({})).await;
    travel(&app, 60).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status_rows(&app, &alice).await, 0, "no worker ran");
    let (_stop, rx) = tokio::sync::watch::channel(false);
    rookery::jobs::spawn_workers(&app.state, 1, rx);
    until("the overdue status is published", async || {
        status_rows(&app, &alice).await == 1
    })
    .await;
    assert_eq!(
        statuses_of(&app, &alice).await[0]["content"],
        "<p>while down</p>"
    );
    assert_eq!(scheduled_rows(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_and_rescheduled_ones_do_not_publish_at_the_old_time() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let carol = app.register("carol").await;
    let cancelled = schedule(&app, &alice, "cancelled", &in_minutes(&app, 10), json!({})).await;
    let moved = schedule(&app, &alice, "moved", &in_minutes(&app, 10), json!({})).await;
    let target = app.post_status(&carol, "reply to me", json!({})).await;
    let orphan = schedule(
        &app,
        &alice,
        "orphan",
        &in_minutes(&app, 10),
        json!({ "in_reply_to_id": target["id"] }),
    )
    .await;
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!(
                "/api/v1/scheduled_statuses/{}",
                cancelled["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, res) = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/scheduled_statuses/{}",
                moved["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            Some(json!({ "scheduled_at": in_minutes(&app, 30) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    // The reply target is deleted meanwhile: Mastodon drops the scheduled reply.
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", target["id"].as_str().expect("id")),
            Some(&carol.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    travel(&app, 11).await;
    settle(&app).await;
    assert_eq!(
        status_rows(&app, &alice).await,
        0,
        "nothing at the old time"
    );
    let left = app
        .ids("/api/v1/scheduled_statuses", Some(&alice.token))
        .await;
    assert_eq!(
        left,
        [moved["id"].as_str().expect("id").to_string()],
        "the orphan is dropped"
    );
    let _ = orphan;

    travel(&app, 20).await;
    until("the moved status is published", async || {
        status_rows(&app, &alice).await == 1
    })
    .await;
    settle(&app).await;
    assert_eq!(status_rows(&app, &alice).await, 1);
    assert_eq!(
        statuses_of(&app, &alice).await[0]["content"],
        "<p>moved</p>"
    );
}
