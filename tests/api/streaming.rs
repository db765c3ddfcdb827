//! The streaming API with real clients: server-sent events over reqwest, WebSockets over
//! tokio-tungstenite, events caused through the REST API (and through a second process).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::sse::EventStream as Sse;
use crate::helpers::{assert_shape, TestApp, TestUser};

const WAIT: Duration = Duration::from_secs(10);
/// How long silence is awaited when checking that nothing arrives.
const QUIET: Duration = Duration::from_millis(1500);

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket client.
struct Ws(WsStream);

fn ws_url(app: &TestApp, query: &str) -> String {
    format!("ws://{}/api/v1/streaming{query}", app.addr)
}

impl Ws {
    async fn open(app: &TestApp, query: &str, token: Option<&str>) -> Ws {
        let mut req = ws_url(app, query).into_client_request().expect("request");
        if let Some(t) = token {
            req.headers_mut().insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {t}")).expect("header"),
            );
        }
        let (ws, res) = tokio_tungstenite::connect_async(req)
            .await
            .expect("upgrade");
        assert_eq!(res.status(), 101);
        Ws(ws)
    }

    async fn send(&mut self, v: Value) {
        self.0
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
        // Subscriptions are not acknowledged (as in Mastodon): let the server read it.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// The next JSON text message, pings skipped; `None` on silence or close.
    async fn next(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.0.next())
                .await
                .ok()??;
            match msg.ok()? {
                Message::Text(t) => return Some(serde_json::from_str(t.as_str()).expect("JSON")),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next event: (stream, event, payload as sent: a string).
    async fn expect(&mut self, event: &str) -> (Value, String) {
        let msg = self
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("no {event}"));
        assert_eq!(msg["event"], event, "{msg}");
        let payload = msg["payload"]
            .as_str()
            .unwrap_or_else(|| panic!("payload is a string: {msg}"))
            .to_string();
        (msg["stream"].clone(), payload)
    }
}

fn status_id(payload: &str) -> String {
    let v: Value = serde_json::from_str(payload).expect("status JSON");
    v["id"].as_str().expect("id").to_string()
}

async fn delete(app: &TestApp, user: &TestUser, id: &str) {
    let (status, body) = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn sse_user_stream_gets_posts_edits_deletes_and_notifications() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let mut user = Sse::open(&app, "/api/v1/streaming/user", Some(&alice.token)).await;

    let posted = app.post_status(&bob, "hello #streams", json!({})).await;
    let id = posted["id"].as_str().expect("id").to_string();
    let status = user.expect_json("update").await;
    assert_eq!(status["id"], id.as_str());
    assert_eq!(status["account"]["id"], bob.id.as_str());
    // Rendered for alice, as the home timeline would: her own flags are there.
    assert_eq!(status["favourited"], false);
    assert_eq!(status["content"], posted["content"]);

    app.edit_status(&bob, &id, "hello again").await;
    let edited = user.expect_json("status.update").await;
    assert_eq!(edited["id"], id.as_str());
    assert!(edited["content"]
        .as_str()
        .expect("content")
        .contains("hello again"));
    assert!(edited["edited_at"].is_string());

    // A mention: the post in her feed, and a notification.
    let mention = app.post_status(&bob, "@alice look", json!({})).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (event, data) = user.next(WAIT).await.expect("event");
        seen.push((event, serde_json::from_str::<Value>(&data).expect("JSON")));
    }
    let note = seen
        .iter()
        .find(|(e, _)| e == "notification")
        .map(|(_, v)| v.clone())
        .expect("notification");
    assert_eq!(note["type"], "mention");
    assert_eq!(note["status"]["id"], mention["id"]);
    assert_shape(
        &note,
        &[
            ("id", "string"),
            ("type", "string"),
            ("group_key", "string"),
            ("created_at", "string"),
            ("account", "object"),
            ("status", "object"),
        ],
    );
    assert!(seen
        .iter()
        .any(|(e, v)| e == "update" && v["id"] == mention["id"]));

    delete(&app, &bob, &id).await;
    let gone = user.expect("delete").await;
    assert_eq!(gone, id, "the payload of delete is the bare id");

    // A follow is a notification on the notification-only stream too.
    let carol = app.register("carol").await;
    let mut notes = Sse::open(
        &app,
        "/api/v1/streaming/user/notification",
        Some(&alice.token),
    )
    .await;
    app.follow(&carol, &alice).await;
    let follow = notes.expect_json("notification").await;
    assert_eq!(follow["type"], "follow");
    assert_eq!(follow["account"]["id"], carol.id.as_str());
    // Posts never reach the notification-only stream.
    app.post_status(&bob, "not a notification", json!({})).await;
    app.drain_jobs().await;
    assert!(notes.next(QUIET).await.is_none());
}

#[tokio::test]
async fn websocket_public_hashtag_and_multiplexing() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let alice = app.register("alice").await;
    // Anonymous, subscribed through the URL.
    let mut public = Ws::open(&app, "?stream=public", None).await;
    // Signed in, subscribed by messages.
    let mut multi = Ws::open(&app, "", Some(&alice.token)).await;
    multi
        .send(json!({ "type": "subscribe", "stream": "hashtag", "tag": "Rust" }))
        .await;
    multi
        .send(json!({ "type": "subscribe", "stream": "public:local" }))
        .await;

    let unlisted = app
        .post_status(&bob, "quiet #rust", json!({ "visibility": "unlisted" }))
        .await;
    let posted = app.post_status(&bob, "loud #rust", json!({})).await;
    let (stream, payload) = public.expect("update").await;
    assert_eq!(stream, json!(["public"]));
    assert_eq!(status_id(&payload), posted["id"].as_str().expect("id"));
    // Public streams carry no viewer's flags, as Mastodon's anonymous payload.
    let status: Value = serde_json::from_str(&payload).expect("JSON");
    assert!(status.get("favourited").is_none());
    assert_ne!(unlisted["id"], posted["id"]);

    let mut got = Vec::new();
    for _ in 0..2 {
        let (stream, payload) = multi.expect("update").await;
        assert_eq!(status_id(&payload), posted["id"].as_str().expect("id"));
        got.push(stream);
    }
    got.sort_by_key(|v| v.to_string());
    assert_eq!(
        got,
        vec![json!(["hashtag", "rust"]), json!(["public:local"])]
    );

    // Unsubscribed from the hashtag: only public:local remains.
    multi
        .send(json!({ "type": "unsubscribe", "stream": "hashtag", "tag": "rust" }))
        .await;
    let second = app.post_status(&bob, "again #rust", json!({})).await;
    let (stream, payload) = multi.expect("update").await;
    assert_eq!(stream, json!(["public:local"]));
    assert_eq!(status_id(&payload), second["id"].as_str().expect("id"));
    assert!(multi.next(QUIET).await.is_none());

    // Edits and deletes reach public streams too.
    app.edit_status(&bob, second["id"].as_str().expect("id"), "edited #rust")
        .await;
    let _ = public.expect("update").await;
    let (_, payload) = public.expect("status.update").await;
    assert_eq!(status_id(&payload), second["id"].as_str().expect("id"));
    delete(&app, &bob, second["id"].as_str().expect("id")).await;
    let (stream, payload) = public.expect("delete").await;
    assert_eq!(stream, json!(["public"]));
    assert_eq!(payload, second["id"].as_str().expect("id"));
}

#[tokio::test]
async fn private_posts_never_reach_public_streams_or_non_followers() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let follower = app.register("follower").await;
    let stranger = app.register("stranger").await;
    let blocked = app.register("blocked").await;
    app.follow(&follower, &bob).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/accounts/{}/block", blocked.id),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut public = Ws::open(&app, "?stream=public", Some(&stranger.token)).await;
    let mut blocked_public = Ws::open(&app, "?stream=public", Some(&blocked.token)).await;
    let mut stranger_home = Sse::open(&app, "/api/v1/streaming/user", Some(&stranger.token)).await;
    let mut follower_home = Sse::open(&app, "/api/v1/streaming/user", Some(&follower.token)).await;

    let private = app
        .post_status(&bob, "followers only", json!({ "visibility": "private" }))
        .await;
    let got = follower_home.expect_json("update").await;
    assert_eq!(got["id"], private["id"]);
    assert_eq!(got["visibility"], "private");

    // A public marker after it: the first thing the others see must be the marker.
    let marker = app.post_status(&bob, "for everyone", json!({})).await;
    let (_, payload) = public.expect("update").await;
    assert_eq!(status_id(&payload), marker["id"].as_str().expect("id"));
    app.drain_jobs().await;
    assert!(stranger_home.next(QUIET).await.is_none());
    // Whom the author blocks sees nothing of theirs, not even public posts.
    assert!(blocked_public.next(QUIET).await.is_none());
}

#[tokio::test]
async fn direct_stream_gets_conversations_of_participants_only() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let mut alice_direct = Sse::open(&app, "/api/v1/streaming/direct", Some(&alice.token)).await;
    let mut carol_direct = Ws::open(&app, "?stream=direct", Some(&carol.token)).await;
    let mut public = Ws::open(&app, "?stream=public", None).await;

    let dm = app
        .post_status(&bob, "@alice psst", json!({ "visibility": "direct" }))
        .await;
    let conversation = alice_direct.expect_json("conversation").await;
    assert_shape(
        &conversation,
        &[
            ("id", "string"),
            ("unread", "boolean"),
            ("accounts", "array"),
            ("last_status", "object"),
        ],
    );
    assert_eq!(conversation["unread"], true);
    assert_eq!(conversation["last_status"]["id"], dm["id"]);
    assert_eq!(conversation["accounts"][0]["id"], bob.id.as_str());
    assert_eq!(conversation["accounts"].as_array().map(Vec::len), Some(1));
    // The same conversation, by the same id, as the REST list shows.
    let (_, listed) = app.get("/api/v1/conversations", Some(&alice.token)).await;
    assert_eq!(listed[0]["id"], conversation["id"]);
    assert_eq!(listed[0]["unread"], conversation["unread"]);
    assert_eq!(listed[0]["accounts"], conversation["accounts"]);

    app.drain_jobs().await;
    assert!(carol_direct.next(QUIET).await.is_none());
    assert!(public.next(Duration::from_millis(200)).await.is_none());

    delete(&app, &bob, dm["id"].as_str().expect("id")).await;
    assert_eq!(
        alice_direct.expect("delete").await,
        dm["id"].as_str().expect("id")
    );
}

#[tokio::test]
async fn events_cross_processes_through_the_database() {
    let app = TestApp::spawn().await;
    let other = app.spawn_sharing().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    // Alice is connected to the second process; Bob acts through the first.
    let mut home = Ws::open(&other, "?stream=user", Some(&alice.token)).await;
    let mut public = Sse::open(&other, "/api/v1/streaming/public", None).await;
    let posted = app.post_status(&bob, "across processes", json!({})).await;
    let (stream, payload) = home.expect("update").await;
    assert_eq!(stream, json!(["user"]));
    assert_eq!(status_id(&payload), posted["id"].as_str().expect("id"));
    let status = public.expect_json("update").await;
    assert_eq!(status["id"], posted["id"]);

    let (code, body) = app
        .post(
            &format!(
                "/api/v1/statuses/{}/favourite",
                posted["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    // …and the other way: bob listens on the first process, alice acts on the second.
    let mut bob_notes = Sse::open(
        &app,
        "/api/v1/streaming/user/notification",
        Some(&bob.token),
    )
    .await;
    let (code, body) = other
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                posted["id"].as_str().expect("id")
            ),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let note = bob_notes.expect_json("notification").await;
    assert_eq!(note["type"], "reblog");
    assert_eq!(note["account"]["id"], alice.id.as_str());
}

#[tokio::test]
async fn a_slow_consumer_is_dropped_without_stalling_others() {
    let app = TestApp::spawn_with(|c| c.streaming.client_buffer = 16).await;
    let bob = app.register("bob").await;
    let fast_user = app.register("fast").await;

    // The slow client reads nothing, through a tiny receive window.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(2048).expect("rcvbuf");
    let tcp = socket.connect(app.addr).await.expect("connect");
    let req = ws_url(&app, "?stream=public")
        .into_client_request()
        .expect("request");
    let (mut slow, _) = tokio_tungstenite::client_async(req, tcp)
        .await
        .expect("upgrade");
    let mut fast = Ws::open(&app, "?stream=public", Some(&fast_user.token)).await;
    assert_eq!(app.state.streaming.subscriber_count(), 2);

    let long = "streaming ".repeat(45);
    let posted = app.post_status(&bob, &long, json!({})).await;
    let id: i64 = posted["id"].as_str().expect("id").parse().expect("id");
    let (_, first) = fast.expect("update").await;
    assert_eq!(status_id(&first), id.to_string());
    // Many more events, as a busy instance has: republished straight onto the bus.
    let rounds = 1500;
    let publisher = {
        let db = app.state.db.clone();
        tokio::spawn(async move {
            for _ in 0..rounds {
                rookery::service::streaming::status_created(
                    &db,
                    id,
                    rookery::model::Visibility::Public,
                )
                .await
                .expect("publish");
            }
        })
    };
    for n in 0..rounds {
        let (_, payload) = fast.expect("update").await;
        assert_eq!(status_id(&payload), id.to_string(), "event {n}");
    }
    publisher.await.expect("publisher");
    assert_eq!(
        app.state.streaming.subscriber_count(),
        1,
        "the slow client is no longer subscribed"
    );
    // What reached the slow client's socket before it was dropped, then the end.
    let mut received = 0;
    loop {
        match tokio::time::timeout(WAIT, slow.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => received += 1,
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => break,
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("the slow client was not disconnected"),
        }
    }
    assert!(received < rounds, "{received} of {rounds}");
}

#[tokio::test]
async fn bad_tokens_missing_scopes_and_bad_streams_are_refused() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let writer = app.register_with_scopes("writer", "write").await;
    let notes_only = app
        .register_with_scopes("notesonly", "read:notifications")
        .await;
    let statuses_only = app
        .register_with_scopes("statusesonly", "read:statuses")
        .await;

    let get = |path: &'static str, token: Option<String>| {
        let app = &app;
        async move {
            let mut req = app.client.get(app.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("request");
            let status = res.status();
            if status == StatusCode::OK {
                return (status, Value::Null);
            }
            (status, res.json::<Value>().await.expect("JSON error"))
        }
    };
    let cases: Vec<(&'static str, Option<String>, StatusCode)> = vec![
        ("/api/v1/streaming/user", None, StatusCode::UNAUTHORIZED),
        (
            "/api/v1/streaming/user",
            Some("nonsense".into()),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/v1/streaming/public",
            Some("nonsense".into()),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "/api/v1/streaming/user",
            Some(writer.token.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/streaming/public",
            Some(writer.token.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/streaming/user",
            Some(notes_only.token.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/streaming/user/notification",
            Some(statuses_only.token.clone()),
            StatusCode::FORBIDDEN,
        ),
        ("/api/v1/streaming/direct", None, StatusCode::UNAUTHORIZED),
        ("/api/v1/streaming/hashtag", None, StatusCode::BAD_REQUEST),
        (
            "/api/v1/streaming/hashtag/local?tag=%20",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/streaming/list",
            Some(alice.token.clone()),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/streaming/list?list=1",
            Some(alice.token.clone()),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/streaming?stream=nope",
            None,
            StatusCode::BAD_REQUEST,
        ),
        ("/api/v1/streaming", None, StatusCode::BAD_REQUEST),
    ];
    for (path, token, expected) in cases {
        let (status, body) = get(path, token.clone()).await;
        assert_eq!(status, expected, "{path} with {token:?}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    // The narrower scopes are enough for their own streams.
    let ok: Vec<(&'static str, String)> = vec![
        (
            "/api/v1/streaming/user/notification",
            notes_only.token.clone(),
        ),
        ("/api/v1/streaming/user", statuses_only.token.clone()),
        ("/api/v1/streaming/public", statuses_only.token.clone()),
        ("/api/v1/streaming/hashtag?tag=rust", alice.token.clone()),
    ];
    for (path, token) in ok {
        let (status, body) = get(path, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }

    // WebSocket: a bad token or a refused stream fails the upgrade.
    for (query, status) in [
        ("?access_token=nonsense&stream=public", 401),
        ("?stream=user", 401),
        ("?stream=hashtag", 400),
    ] {
        match tokio_tungstenite::connect_async(ws_url(&app, query)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                assert_eq!(res.status(), status, "{query}")
            }
            other => panic!("{query}: {:?}", other.map(|(_, r)| r.status())),
        }
    }
    let writer_query = format!("?stream=user&access_token={}", writer.token);
    match tokio_tungstenite::connect_async(ws_url(&app, &writer_query)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("{:?}", other.map(|(_, r)| r.status())),
    }

    // Refused subscriptions on an open socket are answered with Mastodon's error message.
    let mut anonymous = Ws::open(&app, "", None).await;
    anonymous
        .send(json!({ "type": "subscribe", "stream": "user" }))
        .await;
    let err = anonymous.next(WAIT).await.expect("error message");
    assert_eq!(err["status"], 401, "{err}");
    assert!(err["error"].is_string());
    anonymous
        .send(json!({ "type": "subscribe", "stream": "hashtag" }))
        .await;
    assert_eq!(anonymous.next(WAIT).await.expect("error")["status"], 400);
    anonymous
        .send(json!({ "type": "subscribe", "stream": "list", "list": "1" }))
        .await;
    assert_eq!(anonymous.next(WAIT).await.expect("error")["status"], 404);
    anonymous.send(json!("not an object")).await;
    assert_eq!(anonymous.next(WAIT).await.expect("error")["status"], 400);
}

#[tokio::test]
async fn token_in_websocket_protocol_header_and_health_and_instance_urls() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let mut req = ws_url(&app, "?stream=user")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&alice.token).expect("header"),
    );
    let (ws, res) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    assert_eq!(
        res.headers()["sec-websocket-protocol"],
        alice.token.as_str(),
        "the protocol is echoed, as browsers require"
    );
    let mut ws = Ws(ws);
    let posted = app.post_status(&bob, "via protocol", json!({})).await;
    let (_, payload) = ws.expect("update").await;
    assert_eq!(status_id(&payload), posted["id"].as_str().expect("id"));

    // The access_token parameter works for server-sent events.
    let res = app
        .client
        .get(app.url(&format!(
            "/api/v1/streaming/user?access_token={}",
            alice.token
        )))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    drop(res);

    let res = app
        .client
        .get(app.url("/api/v1/streaming/health"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.expect("body"), "OK");

    let (_, v2) = app.get("/api/v2/instance", None).await;
    assert_eq!(
        v2["configuration"]["urls"]["streaming"],
        format!("ws://{}", app.addr)
    );
    let (_, v1) = app.get("/api/v1/instance", None).await;
    assert_eq!(v1["urls"]["streaming_api"], format!("ws://{}", app.addr));
}

#[tokio::test]
async fn streams_end_when_the_server_shuts_down() {
    let app = TestApp::spawn().await;
    let mut sse = Sse::open(&app, "/api/v1/streaming/public", None).await;
    let mut ws = Ws::open(&app, "?stream=public", None).await;
    let started = std::time::Instant::now();
    drop(app);
    assert!(sse.next_block(WAIT).await.is_none());
    assert!(ws.next(WAIT).await.is_none());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "streams ended by shutdown, not by the timeout"
    );
}

#[tokio::test]
async fn filter_changes_reach_the_owners_user_streams_only() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let mut mine = Sse::open(&app, "/api/v1/streaming/user", Some(&alice.token)).await;
    let mut theirs = Ws::open(&app, "?stream=user", Some(&bob.token)).await;

    let (status, filter) = app
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({ "title": "spoilers", "context": ["home"], "keywords_attributes": [{ "keyword": "finale" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filter}");
    let (event, data) = mine.next(WAIT).await.expect("an event");
    assert_eq!(event, "filters_changed");
    assert_eq!(data, "");

    let id = filter["id"].as_str().expect("id");
    let (status, _) = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v2/filters/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (event, _) = mine.next(WAIT).await.expect("an event");
    assert_eq!(event, "filters_changed");

    // Bob's stream heard nothing of alice's filters.
    assert!(theirs.next(Duration::from_millis(500)).await.is_none());
}

#[tokio::test]
async fn media_streams_carry_only_statuses_with_attachments() {
    let (app, _files) = crate::helpers::media::spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let mut media = Ws::open(&app, "?stream=public:media", None).await;
    let mut all = Ws::open(&app, "?stream=public", None).await;

    app.post_status(&alice, "words only", json!({})).await;
    let upload =
        crate::helpers::media::upload_ok(&app, &alice, crate::helpers::media::jpeg(64, 48)).await;
    let pictured = app
        .post_status(
            &alice,
            "a picture",
            json!({ "media_ids": [upload["id"].as_str().expect("id")] }),
        )
        .await;

    for expected in ["words only", "a picture"] {
        let frame = all.next(WAIT).await.expect("public update");
        assert!(frame["payload"]
            .as_str()
            .expect("payload")
            .contains(expected));
    }
    let frame = media.next(WAIT).await.expect("media update");
    assert_eq!(frame["event"], "update");
    let status: Value =
        serde_json::from_str(frame["payload"].as_str().expect("payload")).expect("JSON payload");
    assert_eq!(status["id"], pictured["id"]);
    assert_eq!(status["media_attachments"][0]["id"], upload["id"]);
    assert!(media.next(Duration::from_millis(500)).await.is_none());
}

#[tokio::test]
async fn deleting_a_boosted_post_deletes_the_boost_on_user_streams() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.follow(&carol, &bob).await;
    let post = app.post_status(&alice, "boost me", json!({})).await;
    let id = post["id"].as_str().expect("id").to_string();
    let mut home = Sse::open(&app, "/api/v1/streaming/user", Some(&carol.token)).await;
    let (status, boost) = app
        .post(
            &format!("/api/v1/statuses/{id}/reblog"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{boost}");
    let boost_id = boost["id"].as_str().expect("boost id").to_string();
    let shown = home.expect_json("update").await;
    assert_eq!(shown["id"], boost_id.as_str());

    delete(&app, &alice, &id).await;
    let (event, data) = home.next(WAIT).await.expect("delete of the boost");
    assert_eq!(
        (event.as_str(), data.as_str()),
        ("delete", boost_id.as_str())
    );
}

/// Creates a v2 keyword filter for `owner`; its id.
async fn filter(
    app: &TestApp,
    owner: &TestUser,
    keyword: &str,
    context: &[&str],
    action: &str,
) -> String {
    let (status, body) = app
        .post(
            "/api/v2/filters",
            Some(&owner.token),
            json!({ "title": keyword, "context": context, "filter_action": action,
                    "keywords_attributes": [{ "keyword": keyword }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().expect("filter id").to_string()
}

/// The next `update` (other events, such as `filters_changed`, skipped): (stream, status).
async fn next_update(ws: &mut Ws) -> (Value, Value) {
    loop {
        let msg = ws.next(WAIT).await.expect("an update");
        if msg["event"] == "update" {
            let payload = msg["payload"].as_str().expect("payload is a string");
            return (
                msg["stream"].clone(),
                serde_json::from_str(payload).expect("status JSON"),
            );
        }
    }
}

#[tokio::test]
async fn keyword_filters_hide_and_warn_on_user_streams() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.follow(&bob, &alice).await;
    app.follow(&carol, &alice).await;
    filter(&app, &bob, "coin", &["home"], "hide").await;
    filter(&app, &bob, "dragon", &["home"], "warn").await;
    // Hides in public timelines only: on the home stream the status is marked, not dropped.
    filter(&app, &bob, "eggplant", &["public"], "hide").await;
    let mut bobs = Ws::open(&app, "?stream=user", Some(&bob.token)).await;
    let mut carols = Ws::open(&app, "?stream=user", Some(&carol.token)).await;

    // One at a time, so the events are heard in this order.
    let mut posted = Vec::new();
    for text in ["buy coin now", "a dragon appears", "an eggplant", "marker"] {
        posted.push(app.post_status(&alice, text, json!({})).await);
        app.drain_jobs().await;
    }
    let id = |n: usize| posted[n]["id"].clone();

    let (_, dragon) = next_update(&mut bobs).await;
    assert_eq!(dragon["id"], id(1), "the coin post is hidden from bob");
    assert_eq!(dragon["filtered"][0]["filter"]["title"], "dragon");
    assert_eq!(dragon["filtered"][0]["filter"]["filter_action"], "warn");
    assert_eq!(dragon["filtered"][0]["keyword_matches"], json!(["dragon"]));
    let (_, eggplant) = next_update(&mut bobs).await;
    assert_eq!(eggplant["id"], id(2));
    assert_eq!(eggplant["filtered"][0]["filter"]["filter_action"], "hide");
    let (_, marker) = next_update(&mut bobs).await;
    assert_eq!(marker["id"], id(3));
    assert_eq!(marker["filtered"], json!([]));

    // Carol has no filters: she gets everything, unmarked.
    for n in 0..4 {
        let (_, status) = next_update(&mut carols).await;
        assert_eq!(status["id"], id(n));
        assert_eq!(status["filtered"], json!([]));
    }
}

#[tokio::test]
async fn keyword_filters_hide_and_warn_on_public_and_hashtag_streams() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let coin_filter = filter(&app, &bob, "coin", &["public"], "hide").await;
    filter(&app, &bob, "dragon", &["public"], "warn").await;
    // Hides on home only: on public streams the status is marked, not dropped.
    filter(&app, &bob, "eggplant", &["home"], "hide").await;
    let mut bobs = Ws::open(&app, "?stream=public", Some(&bob.token)).await;
    bobs.send(json!({ "type": "subscribe", "stream": "hashtag", "tag": "news" }))
        .await;
    let mut carols = Ws::open(&app, "?stream=public", Some(&carol.token)).await;
    let mut anonymous = Ws::open(&app, "?stream=hashtag&tag=news", None).await;

    let mut posted = Vec::new();
    for text in [
        "buy coin now #news",
        "a dragon appears #news",
        "an eggplant #news",
        "marker #news",
    ] {
        posted.push(app.post_status(&alice, text, json!({})).await);
    }
    let id = |n: usize| posted[n]["id"].clone();

    // Bob: each status on both of his streams, the coin post on neither.
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(next_update(&mut bobs).await);
    }
    for (n, (stream, status)) in got.iter().enumerate() {
        assert_eq!(status["id"], id(1 + n / 2), "{stream} {status}");
        match n / 2 {
            0 => {
                assert_eq!(status["filtered"][0]["filter"]["title"], "dragon");
                assert_eq!(status["filtered"][0]["filter"]["filter_action"], "warn");
                assert_eq!(status["filtered"][0]["keyword_matches"], json!(["dragon"]));
            }
            1 => assert_eq!(status["filtered"][0]["filter"]["filter_action"], "hide"),
            _ => assert!(status.get("filtered").is_none(), "{status}"),
        }
    }
    let mut streams: Vec<String> = got.iter().map(|(s, _)| s.to_string()).collect();
    streams.sort();
    streams.dedup();
    assert_eq!(streams, vec![r#"["hashtag","news"]"#, r#"["public"]"#]);

    // Carol (signed in, no filters) and an anonymous client get all four, unmarked.
    for ws in [&mut carols, &mut anonymous] {
        for n in 0..4 {
            let (_, status) = next_update(ws).await;
            assert_eq!(status["id"], id(n));
            assert!(status.get("filtered").is_none(), "{status}");
        }
    }

    // Once bob drops the hide filter, what it hid reaches him again.
    let (status, _) = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v2/filters/{coin_filter}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let again = app.post_status(&alice, "more coin #news", json!({})).await;
    for _ in 0..2 {
        let (_, status) = next_update(&mut bobs).await;
        assert_eq!(status["id"], again["id"]);
    }
}

#[tokio::test]
async fn notifications_about_statuses_filters_hide_are_not_streamed() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    filter(&app, &bob, "coin", &["notifications"], "hide").await;
    filter(&app, &bob, "dragon", &["notifications"], "warn").await;
    let mut bobs = Ws::open(&app, "?stream=user:notification", Some(&bob.token)).await;
    let mut carols = Ws::open(&app, "?stream=user:notification", Some(&carol.token)).await;

    let coin = app
        .post_status(&alice, "@bob @carol buy coin now", json!({}))
        .await;
    app.drain_jobs().await;
    let dragon = app
        .post_status(&alice, "@bob @carol a dragon appears", json!({}))
        .await;

    let (_, payload) = bobs.expect("notification").await;
    let note: Value = serde_json::from_str(&payload).expect("JSON");
    assert_eq!(
        note["status"]["id"], dragon["id"],
        "the coin mention is hidden"
    );
    assert_eq!(
        note["status"]["filtered"][0]["filter"]["filter_action"],
        "warn"
    );
    // Carol has no filters: both mentions reach her.
    for expected in [&coin, &dragon] {
        let (_, payload) = carols.expect("notification").await;
        let note: Value = serde_json::from_str(&payload).expect("JSON");
        assert_eq!(note["status"]["id"], expected["id"]);
    }
}
