//! Announcements: administrators create, schedule, edit and delete them (audited); users
//! list, dismiss and react to the published ones; user streams hear of each change.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::sse::EventStream;
use crate::helpers::TestApp;

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, a) = app
        .post("/api/v1/admin/announcements", Some(token), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    a
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|a| a["id"].as_str().expect("id"))
        .collect()
}

#[tokio::test]
async fn administrators_manage_announcements_and_users_read_them() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let moderator = app.moderator().await;
    let alice = app.register("alice").await;
    let post = app.post_status(&alice, "our launch party", json!({})).await;

    // Only administrators, with admin scopes, manage them; bad input stores nothing.
    for who in [&alice.token, &moderator.token] {
        let (status, _) = app
            .post(
                "/api/v1/admin/announcements",
                Some(who),
                json!({ "text": "nope" }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    for (body, field) in [
        (json!({ "text": "  " }), "text"),
        (json!({}), "text"),
        (
            json!({ "text": "x", "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z" }),
            "ends_at",
        ),
        (
            json!({ "text": "x", "starts_at": "2030-01-02T00:00:00Z" }),
            "ends_at",
        ),
        (
            json!({ "text": "x", "scheduled_at": "tomorrow" }),
            "scheduled_at",
        ),
        (json!({ "text": "x", "all_day": "perhaps" }), "all_day"),
    ] {
        let (status, body) = app
            .post("/api/v1/admin/announcements", Some(&boss.token), body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["details"][field].is_array(), "{field}: {body}");
    }
    let (_, none) = app
        .get("/api/v1/admin/announcements", Some(&boss.token))
        .await;
    assert_eq!(none, json!([]));

    // Published now, a draft, and one scheduled for later.
    let status_url = post["url"].as_str().expect("url");
    let now = create(
        &app,
        &boss.token,
        json!({
            "text": format!("Welcome @alice! Party on #Launch: {status_url}"),
            "starts_at": "2030-05-01",
            "ends_at": "2030-05-02",
            "all_day": true,
        }),
    )
    .await;
    let draft = create(
        &app,
        &boss.token,
        json!({ "text": "not yet", "published": false }),
    )
    .await;
    let later = create(
        &app,
        &boss.token,
        json!({ "text": "next year", "scheduled_at": "2099-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(now["published"], true);
    assert_eq!(draft["published"], false);
    assert_eq!(later["published"], false);
    assert_eq!(later["scheduled_at"], "2099-01-01T00:00:00.000Z");
    let (_, all) = app
        .get("/api/v1/admin/announcements", Some(&boss.token))
        .await;
    assert_eq!(all.as_array().expect("list").len(), 3);

    // Users see the published one, field for field.
    let (status, list) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), vec![now["id"].as_str().expect("id")]);
    let a = &list[0];
    let content = a["content"].as_str().expect("content");
    assert!(content.starts_with("<p>Welcome "), "{content}");
    assert!(content.contains("href="), "{content}");
    assert_eq!(a["starts_at"], "2030-05-01T00:00:00.000Z");
    assert_eq!(a["ends_at"], "2030-05-02T00:00:00.000Z");
    assert_eq!(a["all_day"], true);
    assert_eq!(a["published"], true);
    assert!(a["published_at"].is_string());
    assert!(a["updated_at"].is_string());
    assert_eq!(a["read"], false);
    assert_eq!(a["mentions"][0]["id"], alice.id.as_str());
    assert_eq!(a["mentions"][0]["acct"], "alice");
    assert_eq!(a["tags"][0]["name"], "launch");
    assert_eq!(a["statuses"][0]["id"], post["id"]);
    assert_eq!(a["emojis"], json!([]));
    assert_eq!(a["reactions"], json!([]));
    let (status, _) = app.get("/api/v1/announcements", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Dismissing marks it read and hides it unless asked for.
    let id = now["id"].as_str().expect("id");
    for (path, expected) in [
        (
            format!(
                "/api/v1/announcements/{}/dismiss",
                draft["id"].as_str().expect("id")
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/announcements/nope/dismiss".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/api/v1/announcements/{id}/dismiss"),
            StatusCode::OK,
        ),
    ] {
        let (status, body) = app.post(&path, Some(&alice.token), json!({})).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
    let (_, list) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(list, json!([]));
    let (_, list) = app
        .get(
            "/api/v1/announcements?with_dismissed=true",
            Some(&alice.token),
        )
        .await;
    assert_eq!(list[0]["read"], true);

    // Editing publishes the draft; deleting removes; both audited.
    let (status, edited) = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/admin/announcements/{}",
                draft["id"].as_str().expect("id")
            ),
            Some(&boss.token),
            Some(json!({ "text": "now it is", "published": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["published"], true);
    assert_eq!(edited["content"], "<p>now it is</p>");
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/announcements/{id}"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .get(
            &format!("/api/v1/admin/announcements/{id}"),
            Some(&boss.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app
        .get(
            "/api/v1/announcements?with_dismissed=true",
            Some(&alice.token),
        )
        .await;
    assert_eq!(ids(&list), vec![draft["id"].as_str().expect("id")]);
    let (_, log) = app
        .get("/api/v1/admin/action_logs", Some(&boss.token))
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "create_announcement",
        "update_announcement",
        "destroy_announcement",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn reactions_count_per_emoji_and_refuse_what_is_not_one() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let a = create(&app, &boss.token, json!({ "text": "hello" })).await;
    let id = a["id"].as_str().expect("id").to_string();
    let react = async |who: &str, method: Method, name: &str| {
        app.request(
            method,
            &format!(
                "/api/v1/announcements/{id}/reactions/{}",
                crate::helpers::urlencode(name)
            ),
            Some(who),
            None,
        )
        .await
        .0
    };
    assert_eq!(react(&alice.token, Method::PUT, "👍").await, StatusCode::OK);
    assert_eq!(
        react(&alice.token, Method::PUT, "👍").await,
        StatusCode::OK,
        "again: no change"
    );
    assert_eq!(react(&bob.token, Method::PUT, "👍").await, StatusCode::OK);
    assert_eq!(react(&bob.token, Method::PUT, "🎉").await, StatusCode::OK);
    for bad in ["thumbsup", ":blobcat:", "a👍"] {
        assert_eq!(
            react(&alice.token, Method::PUT, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
    let (_, list) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(
        list[0]["reactions"],
        json!([
            { "name": "👍", "count": 2, "me": true },
            { "name": "🎉", "count": 1, "me": false },
        ])
    );
    assert_eq!(
        react(&alice.token, Method::DELETE, "🎉").await,
        StatusCode::NOT_FOUND,
        "not hers"
    );
    assert_eq!(
        react(&alice.token, Method::DELETE, "👍").await,
        StatusCode::OK
    );
    let (_, list) = app.get("/api/v1/announcements", Some(&bob.token)).await;
    assert_eq!(
        list[0]["reactions"][0],
        json!({ "name": "👍", "count": 1, "me": true })
    );

    // Eight distinct emoji at most; an existing one may still be added to.
    for e in ["😀", "😁", "😂", "🤣", "😃", "😄"] {
        assert_eq!(
            react(&bob.token, Method::PUT, e).await,
            StatusCode::OK,
            "{e}"
        );
    }
    assert_eq!(
        react(&alice.token, Method::PUT, "🙃").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(react(&alice.token, Method::PUT, "😀").await, StatusCode::OK);

    // Scopes and unknown announcements.
    let reader = app.register_with_scopes("reader", "read").await;
    assert_eq!(
        react(&reader.token, Method::PUT, "👍").await,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .request(
            Method::PUT,
            "/api/v1/announcements/123/reactions/%F0%9F%91%8D",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn user_streams_hear_of_announcements_and_reactions() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let alice = app.register("alice").await;
    let mut stream = EventStream::open(&app, "/api/v1/streaming/user", Some(&alice.token)).await;
    let mut notifications_only = EventStream::open(
        &app,
        "/api/v1/streaming/user/notification",
        Some(&alice.token),
    )
    .await;

    let a = create(&app, &boss.token, json!({ "text": "live" })).await;
    let id = a["id"].as_str().expect("id").to_string();
    let event: Value = serde_json::from_str(&stream.expect("announcement").await).expect("json");
    assert_eq!(event["id"], id.as_str());
    assert_eq!(event["content"], "<p>live</p>");
    assert_eq!(event["read"], false);

    let (status, _) = app
        .request(
            Method::PUT,
            &format!("/api/v1/announcements/{id}/reactions/%E2%9D%A4%EF%B8%8F"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let event: Value =
        serde_json::from_str(&stream.expect("announcement.reaction").await).expect("json");
    assert_eq!(
        event,
        json!({ "name": "❤️", "count": 1, "announcement_id": id })
    );

    // A draft is not announced; deleting a published one is.
    create(
        &app,
        &boss.token,
        json!({ "text": "draft", "published": false }),
    )
    .await;
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/admin/announcements/{id}"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stream.expect("announcement.delete").await, id);
    assert!(stream.next(Duration::from_millis(1000)).await.is_none());
    assert!(notifications_only
        .next(Duration::from_millis(500))
        .await
        .is_none());
}

#[tokio::test]
async fn a_scheduled_announcement_is_streamed_when_its_time_comes() {
    let app = TestApp::spawn().await;
    let boss = app.admin().await;
    let alice = app.register("alice").await;
    let mut stream = EventStream::open(&app, "/api/v1/streaming/user", Some(&alice.token)).await;
    let soon = |secs: i64| {
        (chrono::Utc::now() + chrono::Duration::seconds(secs))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    // One rescheduled from two seconds to later: its first job must stay silent.
    let moved = create(
        &app,
        &boss.token,
        json!({ "text": "moved", "scheduled_at": soon(2) }),
    )
    .await;
    let (status, _) = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/admin/announcements/{}",
                moved["id"].as_str().expect("id")
            ),
            Some(&boss.token),
            Some(json!({ "scheduled_at": "2099-01-01T00:00:00Z" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let due = create(
        &app,
        &boss.token,
        json!({ "text": "due soon", "scheduled_at": soon(3) }),
    )
    .await;
    let id = due["id"].as_str().expect("id");
    let (_, listed) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    assert!(ids(&listed).is_empty(), "{listed}");
    // Nothing while it waits; then its event, once, and it is listed.
    assert!(stream.next(Duration::from_millis(1500)).await.is_none());
    let event: Value = serde_json::from_str(&stream.expect("announcement").await).expect("json");
    assert_eq!(event["id"], id, "{event}");
    assert_eq!(event["published"], true);
    let (_, listed) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(ids(&listed), vec![id]);
    assert!(stream.next(Duration::from_millis(1500)).await.is_none());
}

#[tokio::test]
async fn announcements_show_the_custom_emoji_they_use() {
    let (app, _media) = crate::helpers::media::spawn_media(|_| {}).await;
    let boss = app.admin().await;
    let alice = app.register("alice").await;
    rookery::service::emojis::create(
        &app.state,
        None,
        "blobcat",
        None,
        crate::helpers::media::png(32, 32).into(),
    )
    .await
    .expect("emoji");
    create(
        &app,
        &boss.token,
        json!({ "text": "hello :blobcat: and :nosuch:" }),
    )
    .await;
    let (_, listed) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    let emojis = &listed[0]["emojis"];
    assert_eq!(emojis.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(emojis[0]["shortcode"], "blobcat");
    assert!(emojis[0]["url"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(emojis[0]["static_url"].is_string());
    assert_eq!(emojis[0]["visible_in_picker"], true);
}
