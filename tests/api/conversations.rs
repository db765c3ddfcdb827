//! Direct-message conversations (`/api/v1/conversations`): one per set of participants and
//! viewer, read and unread, deleted for one participant only, paged by last status, and kept
//! current by direct messages from another instance.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, resolve};
use crate::helpers::{assert_shape, TestApp, TestUser};

async fn conversations(app: &TestApp, who: &TestUser) -> Vec<Value> {
    let (status, body) = app.get("/api/v1/conversations", Some(&who.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().cloned().expect("a list")
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn account_ids(conversation: &Value) -> Vec<String> {
    let mut ids: Vec<String> = conversation["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

async fn dm(app: &TestApp, from: &TestUser, text: &str, extra: Value) -> Value {
    let mut body = json!({ "visibility": "direct" });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post_status(from, text, body).await
}

#[tokio::test]
async fn a_direct_message_starts_a_conversation_for_each_participant() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;

    let first = dm(&app, &alice, "@bob hello", json!({})).await;
    let bobs = conversations(&app, &bob).await;
    assert_eq!(bobs.len(), 1);
    assert_shape(
        &bobs[0],
        &[
            ("id", "string"),
            ("unread", "boolean"),
            ("accounts", "array"),
            ("last_status", "object"),
        ],
    );
    assert_eq!(bobs[0]["unread"], true);
    assert_eq!(account_ids(&bobs[0]), vec![alice.id.clone()]);
    assert_eq!(bobs[0]["last_status"]["id"], first["id"]);

    // The author's own message leaves her copy read; the viewer is not among the accounts.
    let alices = conversations(&app, &alice).await;
    assert_eq!(alices.len(), 1);
    assert_eq!(alices[0]["unread"], false);
    assert_eq!(account_ids(&alices[0]), vec![bob.id.clone()]);
    assert_ne!(
        alices[0]["id"], bobs[0]["id"],
        "each participant has their own"
    );

    // Someone not in it has nothing; public and private posts start nothing.
    assert!(conversations(&app, &carol).await.is_empty());
    app.post_status(&alice, "@carol public", json!({})).await;
    app.post_status(&alice, "@carol private", json!({"visibility": "private"}))
        .await;
    assert!(conversations(&app, &carol).await.is_empty());

    // Bob answers in a new thread: the same people, so the same conversation, now read for
    // him and unread for alice.
    let answer = dm(&app, &bob, "@alice hi back", json!({})).await;
    let bobs_now = conversations(&app, &bob).await;
    assert_eq!(bobs_now.len(), 1);
    assert_eq!(bobs_now[0]["id"], bobs[0]["id"]);
    assert_eq!(bobs_now[0]["unread"], false);
    assert_eq!(bobs_now[0]["last_status"]["id"], answer["id"]);
    let alices_now = conversations(&app, &alice).await;
    assert_eq!(alices_now.len(), 1);
    assert_eq!(alices_now[0]["id"], alices[0]["id"]);
    assert_eq!(alices_now[0]["unread"], true);

    // Another set of people is another conversation, newest first.
    let group = dm(&app, &alice, "@bob @carol all of us", json!({})).await;
    let bobs_now = conversations(&app, &bob).await;
    assert_eq!(bobs_now.len(), 2);
    assert_eq!(bobs_now[0]["last_status"]["id"], group["id"]);
    let mut expected = vec![alice.id.clone(), carol.id.clone()];
    expected.sort();
    assert_eq!(account_ids(&bobs_now[0]), expected);
    assert_eq!(bobs_now[1]["id"], bobs[0]["id"]);
    let carols = conversations(&app, &carol).await;
    assert_eq!(carols.len(), 1);
    assert_eq!(carols[0]["unread"], true);
}

#[tokio::test]
async fn read_and_delete_are_the_viewers_own() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    dm(&app, &alice, "@bob hello", json!({})).await;
    let id = conversations(&app, &bob).await[0]["id"]
        .as_str()
        .expect("id")
        .to_string();

    // Someone else's conversation is not found, for reading and deleting alike.
    let (status, body) = app
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"], "Record not found");
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(conversations(&app, &bob).await[0]["unread"], true);
    for bad in ["nope", "-1", "99999999999999999999"] {
        let (status, _) = app
            .post(
                &format!("/api/v1/conversations/{bad}/read"),
                Some(&bob.token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }

    let (status, read) = app
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["id"], id.as_str());
    assert_eq!(read["unread"], false);
    assert_eq!(conversations(&app, &bob).await[0]["unread"], false);

    // Deleting hides it from bob only.
    let (status, body) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
    assert!(conversations(&app, &bob).await.is_empty());
    assert_eq!(conversations(&app, &alice).await.len(), 1);
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "already gone");

    // A new message among the same people brings it back, unread.
    let again = dm(&app, &alice, "@bob still there?", json!({})).await;
    let back = conversations(&app, &bob).await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["unread"], true);
    assert_eq!(back[0]["last_status"]["id"], again["id"]);
    assert_eq!(back[0]["last_status"]["content"], again["content"]);
}

#[tokio::test]
async fn deleting_the_last_status_falls_back_to_the_one_before() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let first = dm(&app, &alice, "@bob one", json!({})).await;
    let second = dm(&app, &alice, "@bob two", json!({})).await;
    assert_eq!(
        conversations(&app, &bob).await[0]["last_status"]["id"],
        second["id"]
    );
    for status in [&second, &first] {
        let (code, body) = app
            .request(
                Method::DELETE,
                &format!("/api/v1/statuses/{}", status["id"].as_str().expect("id")),
                Some(&alice.token),
                None,
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{body}");
        if status == &second {
            assert_eq!(
                conversations(&app, &bob).await[0]["last_status"]["id"],
                first["id"]
            );
        }
    }
    assert!(conversations(&app, &bob).await.is_empty());
    assert!(conversations(&app, &alice).await.is_empty());
}

#[tokio::test]
async fn pages_by_last_status_with_link_headers() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let mut others = Vec::new();
    for name in ["b1", "b2", "b3", "b4", "b5"] {
        let other = app.register(name).await;
        dm(&app, &other, "@alice hi", json!({})).await;
        others.push(other);
    }
    // The oldest conversation gets a new message and so moves to the top.
    let latest = dm(&app, &others[0], "@alice me again", json!({})).await;
    let all = conversations(&app, &alice).await;
    assert_eq!(all.len(), 5);
    assert_eq!(all[0]["last_status"]["id"], latest["id"]);
    assert_eq!(account_ids(&all[0]), vec![others[0].id.clone()]);

    let res = app
        .client
        .get(app.url("/api/v1/conversations?limit=2"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let link = res
        .headers()
        .get("link")
        .expect("a Link header")
        .to_str()
        .expect("text")
        .to_string();
    let page: Vec<Value> = res.json().await.expect("json");
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["id"], all[0]["id"]);
    assert_eq!(page[1]["id"], all[1]["id"]);
    // Cursors are last statuses' ids, not the conversations'.
    let oldest = page[1]["last_status"]["id"].as_str().expect("id");
    let newest = page[0]["last_status"]["id"].as_str().expect("id");
    assert!(link.contains(&format!("max_id={oldest}")), "{link}");
    assert!(link.contains(&format!("min_id={newest}")), "{link}");
    assert!(link.contains("limit=2"), "{link}");

    let next = app
        .ids(
            &format!("/api/v1/conversations?limit=2&max_id={oldest}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(next, vec![id(&all[2]), id(&all[3])]);
    let third = all[2]["last_status"]["id"].as_str().expect("id");
    let before = app
        .ids(
            &format!("/api/v1/conversations?min_id={third}&limit=1"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(before, vec![id(&all[1])]);
    let since = app
        .ids(
            &format!("/api/v1/conversations?since_id={third}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(since, vec![id(&all[0]), id(&all[1])]);
    // A limit beyond the most is clamped, a bad one is refused as Mastodon's params are.
    assert_eq!(
        app.ids("/api/v1/conversations?limit=500", Some(&alice.token))
            .await
            .len(),
        5
    );
    let (status, _) = app
        .get("/api/v1/conversations?limit=lots", Some(&alice.token))
        .await;
    assert!(status.is_client_error(), "{status}");
}

#[tokio::test]
async fn scopes_and_sign_in() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let reader = app.register_with_scopes("reader", "read:statuses").await;
    let (status, _) = app.get("/api/v1/conversations", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/v1/conversations", Some(&reader.token)).await;
    assert_eq!(status, StatusCode::OK);
    dm(&app, &alice, "@reader hi", json!({})).await;
    let id = conversations(&app, &reader).await[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, _) = app
        .post(
            &format!("/api/v1/conversations/{id}/read"),
            Some(&reader.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "needs write:conversations");
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            Some(&reader.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(conversations(&app, &reader).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_direct_message_starts_and_updates_a_conversation() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;

    let sent = dm(&a, &alice, &format!("@bob@{} psst", b.addr), json!({})).await;
    eventually(&a, &b, "bob has a conversation", async || {
        !conversations(&b, &bob).await.is_empty()
    })
    .await;
    let bobs = conversations(&b, &bob).await;
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0]["unread"], true);
    assert_eq!(bobs[0]["accounts"][0]["acct"], format!("alice@{}", a.addr));
    assert_eq!(bobs[0]["last_status"]["uri"], sent["uri"]);
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    assert_eq!(account_ids(&bobs[0]), vec![alice_on_b]);

    // Bob answers: read on his side, and unread again on alice's.
    let alices = conversations(&a, &alice).await;
    assert_eq!(alices[0]["unread"], false);
    let reply = dm(
        &b,
        &bob,
        &format!("@alice@{} hello", a.addr),
        json!({"in_reply_to_id": bobs[0]["last_status"]["id"]}),
    )
    .await;
    let bobs_now = conversations(&b, &bob).await;
    assert_eq!(bobs_now.len(), 1);
    assert_eq!(bobs_now[0]["id"], bobs[0]["id"]);
    assert_eq!(bobs_now[0]["unread"], false);
    eventually(&a, &b, "alice hears back", async || {
        conversations(&a, &alice).await[0]["last_status"]["uri"] == reply["uri"]
    })
    .await;
    let alices_now = conversations(&a, &alice).await;
    assert_eq!(alices_now.len(), 1);
    assert_eq!(alices_now[0]["id"], alices[0]["id"]);
    assert_eq!(alices_now[0]["unread"], true);
    assert_eq!(account_ids(&alices_now[0]).len(), 1);
}
