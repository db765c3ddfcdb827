//! Statuses, timelines, notifications and markers.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_shape, TestApp, ACCOUNT_FIELDS, STATUS_FIELDS};

fn with_fields(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields = STATUS_FIELDS.to_vec();
    fields.extend_from_slice(extra);
    fields
}

#[tokio::test]
async fn posting_renders_and_shapes_a_status() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let status = app
        .post_status(
            &alice,
            "Hello @bob and @nobody! See https://example.com/a/very/long/path/that/keeps/going #Rust #rookery\n\nSecond <b>para</b>",
            json!({"language": "en", "spoiler_text": "cw"}),
        )
        .await;
    assert_shape(
        &status,
        &with_fields(&[("application", "object"), ("pinned", "boolean")]),
    );
    assert_shape(&status["account"], ACCOUNT_FIELDS);
    let content = status["content"].as_str().expect("content");
    assert!(content.starts_with("<p>Hello "), "{content}");
    assert!(content.contains("class=\"u-url mention\""), "{content}");
    assert!(
        content.contains("@nobody"),
        "unknown mention stays text: {content}"
    );
    assert!(
        content.contains("rel=\"nofollow noopener noreferrer\""),
        "{content}"
    );
    assert!(content.contains("class=\"mention hashtag\""), "{content}");
    assert!(
        content.contains("</p><p>Second &lt;b&gt;para&lt;/b&gt;</p>"),
        "{content}"
    );
    assert_eq!(status["mentions"][0]["acct"], "bob");
    assert_eq!(status["mentions"][0]["id"], bob.id.as_str());
    let tags: Vec<&str> = status["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tags, vec!["rookery", "rust"]);
    assert_eq!(
        status["sensitive"], true,
        "a content warning makes a status sensitive"
    );
    assert_eq!(status["spoiler_text"], "cw");
    assert_eq!(status["visibility"], "public");
    assert_eq!(status["application"]["name"], "Test client");
    assert_eq!(
        status["url"],
        format!("{}/@alice/{}", app.base, status["id"].as_str().expect("id"))
    );

    // Anyone may read a public status; others do not see the application.
    let (code, seen) = app
        .get(
            &format!("/api/v1/statuses/{}", status["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        seen.get("favourited").is_none(),
        "no viewer flags without a viewer"
    );
    assert!(seen.get("application").is_none());

    // Bob was notified of the mention.
    let (_, notes) = app.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(notes[0]["type"], "mention");
    assert_eq!(notes[0]["status"]["id"], status["id"]);
    assert_shape(
        &notes[0],
        &[
            ("id", "string"),
            ("type", "string"),
            ("group_key", "string"),
            ("created_at", "string"),
            ("account", "object"),
            ("status", "object"),
        ],
    );
    // Counters: statuses_count and last_status_at.
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["statuses_count"], 1);
    assert!(me["last_status_at"].as_str().expect("date").len() == 10);
}

#[tokio::test]
async fn posting_rejects_bad_input_and_stores_nothing() {
    let app = TestApp::spawn_with(|c| c.limits.status_characters = 100).await;
    let alice = app.register("alice").await;
    let long_url = format!("https://example.com/{}", "a".repeat(300));
    // A long URL counts as 23 characters.
    app.post_status(&alice, &format!("{} {long_url}", "x".repeat(70)), json!({}))
        .await;
    for (body, expected) in [
        (json!({"status": ""}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"status": "   "}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"status": "x".repeat(101)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"status": "x".repeat(90), "spoiler_text": "y".repeat(20)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"status": "hi", "visibility": "everyone"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"status": "hi", "language": "english"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"status": "hi", "media_ids": ["1"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"status": "hi", "poll": {"options": ["a"], "expires_in": 600}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"status": "hi", "sensitive": "very"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"status": ["hi"]}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"status": "hi", "in_reply_to_id": "99999999"}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"status": "hi", "in_reply_to_id": "abc"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (code, res) = app
            .post("/api/v1/statuses", Some(&alice.token), body.clone())
            .await;
        assert_eq!(code, expected, "{body} → {res}");
        assert!(res["error"].is_string(), "{res}");
    }
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["statuses_count"], 1, "only the valid post was stored");
    // No token, a read-only token.
    assert_eq!(
        app.post("/api/v1/statuses", None, json!({"status": "x"}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let reader = app.register_with_scopes("reader", "read").await;
    assert_eq!(
        app.post(
            "/api/v1/statuses",
            Some(&reader.token),
            json!({"status": "x"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn idempotency_key_returns_the_first_status() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let send = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&alice.token)
            .header("idempotency-key", key)
            .json(&json!({"status": "once"}))
            .send()
    };
    let first: Value = send("k1").await.expect("post").json().await.expect("json");
    let again: Value = send("k1").await.expect("post").json().await.expect("json");
    let other: Value = send("k2").await.expect("post").json().await.expect("json");
    assert_eq!(first["id"], again["id"]);
    assert_ne!(first["id"], other["id"]);
}

#[tokio::test]
async fn delete_edit_history_and_source() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let status = app.post_status(&alice, "first #draft", json!({})).await;
    let id = status["id"].as_str().expect("id");

    // Someone else may neither edit nor delete it.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&bob.token)
        .json(&json!({"status": "hacked"}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&bob.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{id}/source"), Some(&bob.token))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    let res = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&alice.token)
        .json(&json!({"status": "second @bob", "spoiler_text": "edited"}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::OK);
    let edited: Value = res.json().await.expect("json");
    assert!(edited["edited_at"].is_string());
    assert!(edited["content"]
        .as_str()
        .expect("content")
        .contains("second"));
    assert_eq!(edited["tags"], json!([]));
    let (_, history) = app
        .get(&format!("/api/v1/statuses/{id}/history"), None)
        .await;
    let history = history.as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert!(history[0]["content"].as_str().expect("c").contains("first"));
    assert!(history[1]["content"]
        .as_str()
        .expect("c")
        .contains("second"));
    assert_shape(
        &history[0],
        &[
            ("content", "string"),
            ("spoiler_text", "string"),
            ("sensitive", "boolean"),
            ("created_at", "string"),
            ("account", "object"),
            ("poll", "null"),
            ("media_attachments", "array"),
            ("emojis", "array"),
        ],
    );
    let (_, source) = app
        .get(&format!("/api/v1/statuses/{id}/source"), Some(&alice.token))
        .await;
    assert_eq!(
        source,
        json!({"id": id, "text": "second @bob", "spoiler_text": "edited"})
    );
    // The newly mentioned account was notified.
    let (_, notes) = app
        .get("/api/v1/notifications?types[]=mention", Some(&bob.token))
        .await;
    assert_eq!(notes.as_array().expect("list").len(), 1);
    // Bad edits change nothing.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&alice.token)
        .json(&json!({"status": ""}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Delete answers with the source text, for redrafting; then it is gone.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), StatusCode::OK);
    let deleted: Value = res.json().await.expect("json");
    assert_eq!(deleted["text"], "second @bob");
    assert!(deleted.get("content").is_none());
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{id}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["statuses_count"], 0);
    // The mention notification went with the status.
    let (_, notes) = app.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(notes, json!([]));
}

#[tokio::test]
async fn favourites_boosts_bookmarks_pins_and_mutes() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let status = app.post_status(&alice, "like me", json!({})).await;
    let id = status["id"].as_str().expect("id").to_string();
    let act = |user: &crate::helpers::TestUser, action: &str| {
        let url = app.url(&format!("/api/v1/statuses/{id}/{action}"));
        let token = user.token.clone();
        let client = app.client.clone();
        async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("post");
            let code = res.status();
            (code, res.json::<Value>().await.expect("json"))
        }
    };

    let (code, s) = act(&bob, "favourite").await;
    assert_eq!(
        (
            code,
            s["favourited"].as_bool(),
            s["favourites_count"].as_i64()
        ),
        (StatusCode::OK, Some(true), Some(1))
    );
    let (_, s) = act(&bob, "favourite").await;
    assert_eq!(s["favourites_count"], 1, "favouriting twice counts once");
    let (_, who) = app
        .get(&format!("/api/v1/statuses/{id}/favourited_by"), None)
        .await;
    assert_eq!(who[0]["username"], "bob");

    let (code, boost) = act(&bob, "reblog").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(boost["reblog"]["id"], id.as_str());
    assert_eq!(boost["reblog"]["reblogs_count"], 1);
    assert_eq!(boost["reblog"]["reblogged"], true);
    assert!(boost["url"].is_null());
    let (_, again) = act(&bob, "reblog").await;
    assert_eq!(
        again["id"], boost["id"],
        "boosting twice returns the first boost"
    );
    let (_, who) = app
        .get(&format!("/api/v1/statuses/{id}/reblogged_by"), None)
        .await;
    assert_eq!(who[0]["username"], "bob");
    // Acting on the boost acts on the original.
    let (_, via_boost) = app
        .get(
            &format!("/api/v1/statuses/{}", boost["id"].as_str().expect("id")),
            Some(&bob.token),
        )
        .await;
    assert_eq!(via_boost["reblog"]["favourited"], true);

    let (_, notes) = app.get("/api/v1/notifications", Some(&alice.token)).await;
    let kinds: Vec<&str> = notes
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    assert_eq!(kinds, vec!["reblog", "favourite"]);

    let (_, s) = act(&bob, "unreblog").await;
    assert_eq!(
        (
            s["id"].as_str(),
            s["reblogs_count"].as_i64(),
            s["reblogged"].as_bool()
        ),
        (Some(id.as_str()), Some(0), Some(false))
    );
    let (_, s) = act(&bob, "unfavourite").await;
    assert_eq!(
        (s["favourites_count"].as_i64(), s["favourited"].as_bool()),
        (Some(0), Some(false))
    );
    let (_, notes) = app.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(
        notes,
        json!([]),
        "undone actions withdraw their notifications"
    );

    let (_, s) = act(&bob, "bookmark").await;
    assert_eq!(s["bookmarked"], true);
    assert_eq!(
        app.ids("/api/v1/bookmarks", Some(&bob.token)).await,
        vec![id.clone()]
    );
    let (_, s) = act(&bob, "unbookmark").await;
    assert_eq!(s["bookmarked"], false);
    assert!(app
        .ids("/api/v1/bookmarks", Some(&bob.token))
        .await
        .is_empty());

    let (_, s) = act(&bob, "favourite").await;
    assert_eq!(s["favourited"], true);
    assert_eq!(
        app.ids("/api/v1/favourites", Some(&bob.token)).await,
        vec![id.clone()]
    );

    // Pins: only one's own public or unlisted posts, five at most.
    assert_eq!(act(&bob, "pin").await.0, StatusCode::FORBIDDEN);
    let (code, s) = act(&alice, "pin").await;
    assert_eq!((code, s["pinned"].as_bool()), (StatusCode::OK, Some(true)));
    let private = app
        .post_status(&alice, "secret", json!({"visibility": "private"}))
        .await;
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/statuses/{}/pin",
            private["id"].as_str().expect("id")
        )))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("pin");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for i in 0..4 {
        let s = app
            .post_status(&alice, &format!("pin {i}"), json!({}))
            .await;
        let res = app
            .client
            .post(app.url(&format!(
                "/api/v1/statuses/{}/pin",
                s["id"].as_str().expect("id")
            )))
            .bearer_auth(&alice.token)
            .send()
            .await
            .expect("pin");
        assert_eq!(res.status(), StatusCode::OK);
    }
    let sixth = app.post_status(&alice, "one too many", json!({})).await;
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/statuses/{}/pin",
            sixth["id"].as_str().expect("id")
        )))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("pin");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let pinned = app
        .ids(
            &format!("/api/v1/accounts/{}/statuses?pinned=true", alice.id),
            None,
        )
        .await;
    assert_eq!(pinned.len(), 5);
    let (_, s) = act(&alice, "unpin").await;
    assert_eq!(s["pinned"], false);

    // Muting a conversation stops its notifications.
    let (_, s) = act(&alice, "mute").await;
    assert_eq!(s["muted"], true);
    app.post_status(&bob, "@alice replying", json!({"in_reply_to_id": id}))
        .await;
    let (_, notes) = app
        .get("/api/v1/notifications?types[]=mention", Some(&alice.token))
        .await;
    assert_eq!(notes, json!([]));
    let (_, s) = act(&alice, "unmute").await;
    assert_eq!(s["muted"], false);

    // Unknown statuses.
    for action in ["favourite", "reblog", "bookmark", "pin", "mute"] {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/statuses/123456/{action}")))
            .bearer_auth(&bob.token)
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
}

#[tokio::test]
async fn home_timeline_follows_boosts_and_filters() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    // Alice reads her home once (her feed becomes active), then follows Bob.
    assert!(app
        .ids("/api/v1/timelines/home", Some(&alice.token))
        .await
        .is_empty());
    let before = app.post_status(&bob, "before the follow", json!({})).await;
    app.follow(&alice, &bob).await;
    let own = app.post_status(&alice, "my own", json!({})).await;
    let after = app.post_status(&bob, "after the follow", json!({})).await;
    let private = app
        .post_status(&bob, "followers only", json!({"visibility": "private"}))
        .await;
    let stranger = app.post_status(&carol, "not followed", json!({})).await;
    let reply_to_stranger = app
        .post_status(&bob, "@carol hi", json!({"in_reply_to_id": stranger["id"]}))
        .await;
    let boost = app
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                stranger["id"].as_str().expect("id")
            ),
            Some(&bob.token),
            json!({}),
        )
        .await
        .1;
    app.drain_jobs().await;

    let home = app.ids("/api/v1/timelines/home", Some(&alice.token)).await;
    let id = |v: &Value| v["id"].as_str().expect("id").to_string();
    assert_eq!(
        home,
        vec![id(&boost), id(&private), id(&after), id(&own), id(&before)],
        "replies to strangers stay out"
    );
    assert!(!home.contains(&id(&reply_to_stranger)));
    assert!(!home.contains(&id(&stranger)));

    // Pagination: Link header, max_id, min_id, since_id.
    let res = app
        .client
        .get(app.url("/api/v1/timelines/home?limit=2"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.headers()["content-type"], "application/json");
    let link = res.headers()["link"].to_str().expect("link").to_string();
    assert!(
        link.contains(&format!("max_id={}", id(&private))) && link.contains("rel=\"next\""),
        "{link}"
    );
    assert!(
        link.contains(&format!("min_id={}", id(&boost))) && link.contains("rel=\"prev\""),
        "{link}"
    );
    let page2 = app
        .ids(
            &format!("/api/v1/timelines/home?limit=2&max_id={}", id(&private)),
            Some(&alice.token),
        )
        .await;
    assert_eq!(page2, vec![id(&after), id(&own)]);
    let newer = app
        .ids(
            &format!("/api/v1/timelines/home?limit=2&min_id={}", id(&own)),
            Some(&alice.token),
        )
        .await;
    assert_eq!(newer, vec![id(&private), id(&after)]);
    let since = app
        .ids(
            &format!("/api/v1/timelines/home?limit=2&since_id={}", id(&own)),
            Some(&alice.token),
        )
        .await;
    assert_eq!(since, vec![id(&boost), id(&private)]);

    // reblogs: false hides Bob's boosts; muting Bob hides him; unfollowing removes him.
    app.post(
        &format!("/api/v1/accounts/{}/follow", bob.id),
        Some(&alice.token),
        json!({"reblogs": false}),
    )
    .await;
    assert!(!app
        .ids("/api/v1/timelines/home", Some(&alice.token))
        .await
        .contains(&id(&boost)));
    app.post(
        &format!("/api/v1/accounts/{}/mute", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&alice.token)).await,
        vec![id(&own)]
    );
    app.post(
        &format!("/api/v1/accounts/{}/unmute", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    let newest = app.post_status(&bob, "back again", json!({})).await;
    app.drain_jobs().await;
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&alice.token)).await[0],
        id(&newest)
    );
    app.post(
        &format!("/api/v1/accounts/{}/unfollow", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&alice.token)).await,
        vec![id(&own)]
    );

    assert_eq!(
        app.get("/api/v1/timelines/home", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn stale_home_feeds_are_rebuilt() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    // Alice has not read her feed for weeks: fan-out skips her.
    sqlx::query(
        "UPDATE users SET feed_active_at = now() - interval '30 days' WHERE account_id = $1",
    )
    .bind(alice.id.parse::<i64>().expect("id"))
    .execute(&app.state.db)
    .await
    .expect("age the feed");
    let post = app
        .post_status(&bob, "while you were away", json!({}))
        .await;
    app.drain_jobs().await;
    let home = app.ids("/api/v1/timelines/home", Some(&alice.token)).await;
    assert_eq!(home, vec![post["id"].as_str().expect("id").to_string()]);
}

#[tokio::test]
async fn public_tag_and_account_timelines() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let a1 = app.post_status(&alice, "hello #Rust", json!({})).await;
    let a2 = app
        .post_status(
            &alice,
            "unlisted #rust #async",
            json!({"visibility": "unlisted"}),
        )
        .await;
    let b1 = app
        .post_status(&bob, "bob on #rust and #async", json!({}))
        .await;
    let reply = app
        .post_status(&bob, "@alice reply", json!({"in_reply_to_id": a1["id"]}))
        .await;
    let b_boost = app
        .post(
            &format!("/api/v1/statuses/{}/reblog", a1["id"].as_str().expect("id")),
            Some(&bob.token),
            json!({}),
        )
        .await
        .1;
    let id = |v: &Value| v["id"].as_str().expect("id").to_string();

    let public = app.ids("/api/v1/timelines/public", None).await;
    assert_eq!(
        public,
        vec![id(&b1), id(&a1)],
        "public originals only, no replies to others, no boosts, no unlisted"
    );
    assert_eq!(
        app.ids("/api/v1/timelines/public?local=true", None)
            .await
            .len(),
        2
    );
    assert!(app
        .ids("/api/v1/timelines/public?remote=true", None)
        .await
        .is_empty());
    assert!(app
        .ids("/api/v1/timelines/public?only_media=true", None)
        .await
        .is_empty());

    assert_eq!(
        app.ids("/api/v1/timelines/tag/rust", None).await,
        vec![id(&b1), id(&a1)]
    );
    assert_eq!(
        app.ids("/api/v1/timelines/tag/RUST", None).await.len(),
        2,
        "tags match case-insensitively"
    );
    assert_eq!(
        app.ids("/api/v1/timelines/tag/rust?all[]=async", None)
            .await,
        vec![id(&b1)]
    );
    assert_eq!(
        app.ids("/api/v1/timelines/tag/rust?none[]=async", None)
            .await,
        vec![id(&a1)]
    );
    assert_eq!(
        app.ids("/api/v1/timelines/tag/nothing?any[]=async", None)
            .await,
        vec![id(&b1)]
    );

    let bobs = app
        .ids(&format!("/api/v1/accounts/{}/statuses", bob.id), None)
        .await;
    assert_eq!(bobs, vec![id(&b_boost), id(&reply), id(&b1)]);
    assert_eq!(
        app.ids(
            &format!("/api/v1/accounts/{}/statuses?exclude_replies=true", bob.id),
            None
        )
        .await,
        vec![id(&b_boost), id(&b1)]
    );
    assert_eq!(
        app.ids(
            &format!("/api/v1/accounts/{}/statuses?exclude_reblogs=true", bob.id),
            None
        )
        .await,
        vec![id(&reply), id(&b1)]
    );
    assert_eq!(
        app.ids(
            &format!("/api/v1/accounts/{}/statuses?tagged=async", alice.id),
            None
        )
        .await,
        vec![id(&a2)]
    );
    assert_eq!(
        app.get("/api/v1/accounts/999999/statuses", None).await.0,
        StatusCode::NOT_FOUND
    );

    // Replies count; the thread reads both ways.
    let (_, original) = app
        .get(&format!("/api/v1/statuses/{}", id(&a1)), None)
        .await;
    assert_eq!(original["replies_count"], 1);
    let (_, ctx) = app
        .get(&format!("/api/v1/statuses/{}/context", id(&reply)), None)
        .await;
    assert_eq!(ctx["ancestors"][0]["id"], id(&a1).as_str());
    let (_, ctx) = app
        .get(&format!("/api/v1/statuses/{}/context", id(&a1)), None)
        .await;
    assert_eq!(ctx["descendants"][0]["id"], id(&reply).as_str());

    // Several at once.
    let many = app
        .ids(
            &format!(
                "/api/v1/statuses?id[]={}&id[]={}&id[]=999",
                id(&a1),
                id(&b1)
            ),
            None,
        )
        .await;
    assert_eq!(many, vec![id(&a1), id(&b1)]);
}

#[tokio::test]
async fn notifications_api_and_markers() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let post = app.post_status(&alice, "notice me", json!({})).await;
    let pid = post["id"].as_str().expect("id");
    app.follow(&bob, &alice).await;
    app.post(
        &format!("/api/v1/statuses/{pid}/favourite"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    app.post_status(&bob, "@alice hello", json!({})).await;
    // Bob asks to be notified of Alice's posts.
    app.post(
        &format!("/api/v1/accounts/{}/follow", alice.id),
        Some(&bob.token),
        json!({"notify": true}),
    )
    .await;
    app.post_status(&alice, "for my subscribers", json!({}))
        .await;
    app.drain_jobs().await;
    let (_, bobs) = app.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(bobs[0]["type"], "status");

    let kinds = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .filter_map(|n| n["type"].as_str().map(str::to_string))
            .collect()
    };
    let (_, all) = app.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(kinds(&all), vec!["mention", "favourite", "follow"]);
    let (_, only) = app
        .get(
            "/api/v1/notifications?types[]=follow&types[]=mention",
            Some(&alice.token),
        )
        .await;
    assert_eq!(kinds(&only), vec!["mention", "follow"]);
    let (_, excluded) = app
        .get(
            "/api/v1/notifications?exclude_types[]=mention",
            Some(&alice.token),
        )
        .await;
    assert_eq!(kinds(&excluded), vec!["favourite", "follow"]);
    let (_, from) = app
        .get(
            &format!("/api/v1/notifications?account_id={}", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(from.as_array().expect("list").len(), 3);
    // A type Rookery does not know is ignored, as Mastodon ignores it: it selects nothing.
    let (code, bogus) = app
        .get("/api/v1/notifications?types[]=bogus", Some(&alice.token))
        .await;
    assert_eq!(code, StatusCode::OK, "{bogus}");
    assert_eq!(bogus, json!([]));

    let first = all[0]["id"].as_str().expect("id").to_string();
    let (code, one) = app
        .get(
            &format!("/api/v1/notifications/{first}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        (code, one["type"].as_str()),
        (StatusCode::OK, Some("mention"))
    );
    assert_eq!(
        app.get(&format!("/api/v1/notifications/{first}"), Some(&bob.token))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Unread count follows the marker.
    let (_, count) = app
        .get("/api/v1/notifications/unread_count", Some(&alice.token))
        .await;
    assert_eq!(count["count"], 3);
    let (code, markers) = app
        .post(
            "/api/v1/markers",
            Some(&alice.token),
            json!({"notifications": {"last_read_id": all[1]["id"]}}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{markers}");
    assert_shape(
        &markers["notifications"],
        &[
            ("last_read_id", "string"),
            ("version", "number"),
            ("updated_at", "string"),
        ],
    );
    let (_, count) = app
        .get("/api/v1/notifications/unread_count", Some(&alice.token))
        .await;
    assert_eq!(count["count"], 1);
    let (_, markers) = app
        .post_form(
            "/api/v1/markers",
            Some(&alice.token),
            &[("home[last_read_id]", pid)],
        )
        .await;
    assert_eq!(markers["home"]["version"], 0);
    let (_, markers) = app
        .post(
            "/api/v1/markers",
            Some(&alice.token),
            json!({"home": {"last_read_id": pid}}),
        )
        .await;
    assert_eq!(markers["home"]["version"], 1);
    let (_, got) = app
        .get(
            "/api/v1/markers?timeline[]=home&timeline[]=notifications",
            Some(&alice.token),
        )
        .await;
    assert_eq!(got["home"]["last_read_id"], pid);
    assert!(got["notifications"].is_object());
    assert_eq!(
        app.post(
            "/api/v1/markers",
            Some(&alice.token),
            json!({"home": {"last_read_id": "x"}})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post("/api/v1/markers", Some(&alice.token), json!({}))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );

    // Dismiss one, then clear.
    let (code, _) = app
        .post(
            &format!("/api/v1/notifications/{first}/dismiss"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        app.post(
            &format!("/api/v1/notifications/{first}/dismiss"),
            Some(&alice.token),
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    app.post("/api/v1/notifications/clear", Some(&alice.token), json!({}))
        .await;
    let (_, all) = app.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(all, json!([]));

    // Own actions and blocked accounts do not notify.
    app.post(
        &format!("/api/v1/statuses/{pid}/favourite"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/accounts/{}/block", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    let (code, _) = app
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "@alice are you there"}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (_, all) = app.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(all, json!([]));
}
