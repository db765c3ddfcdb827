//! Across three instances: a thread whose root is fetched from its own origin, remote mentions
//! resolved over WebFinger when posting, boosts of unknown notes fetched from their origin,
//! and a remote actor deleting itself.

use reqwest::StatusCode;
use rookery::federation::signature;
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely, post_signed};
use crate::helpers::{TestApp, TestUser};

/// The local id on `app` of the status at `uri`, resolving it.
async fn resolve_status(app: &TestApp, who: &TestUser, uri: &str) -> Value {
    let (status, found) = app
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=statuses",
                crate::helpers::urlencode(uri)
            ),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["statuses"][0].clone()
}

async fn drain_all(apps: &[&TestApp]) {
    for app in apps {
        app.drain_jobs().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_across_three_instances() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let c = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let dave = a.register("dave").await;
    let bob = b.register("bob").await;
    let carol = c.register("carol").await;
    // Carol (C) follows bob (B); alice (A) follows bob too. Nobody on C knows A.
    follow_remotely(&b, &c, &carol, &format!("bob@{}", b.addr)).await;
    follow_remotely(&b, &a, &alice, &format!("bob@{}", b.addr)).await;

    // Alice posts; bob finds her post by its URL and replies to it.
    let root = a.post_status(&alice, "the root", json!({})).await;
    let root_on_b = resolve_status(&b, &bob, root["uri"].as_str().expect("uri")).await;
    assert_eq!(root_on_b["content"], root["content"]);
    let reply = b
        .post_status(
            &bob,
            &format!("@alice@{} a reply", a.addr),
            json!({"in_reply_to_id": root_on_b["id"]}),
        )
        .await;

    // C gets bob's reply (a reply to someone carol does not follow stays out of her home
    // timeline, as on Mastodon); C fetched the root from A so the thread is whole there.
    let mut reply_on_c = String::new();
    for _ in 0..100 {
        drain_all(&[&a, &b, &c]).await;
        let reply_uri = reply["uri"].as_str().expect("uri");
        if let Some(id) = rookery::store::statuses::id_by_uri_or_url(&c.state.db, reply_uri)
            .await
            .expect("db")
        {
            reply_on_c = id.to_string();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!reply_on_c.is_empty(), "the reply reached carol");
    let (_, context) = c
        .get(
            &format!("/api/v1/statuses/{reply_on_c}/context"),
            Some(&carol.token),
        )
        .await;
    assert_eq!(context["ancestors"][0]["uri"], root["uri"], "{context}");
    assert_eq!(
        context["ancestors"][0]["account"]["acct"],
        format!("alice@{}", a.addr)
    );

    // Alice was mentioned: notified on A, and the reply threads under her post there.
    let (_, notes) = a
        .get("/api/v1/notifications?types[]=mention", Some(&alice.token))
        .await;
    assert_eq!(notes[0]["status"]["uri"], reply["uri"], "{notes}");
    let (_, context) = a
        .get(
            &format!(
                "/api/v1/statuses/{}/context",
                root["id"].as_str().expect("id")
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(context["descendants"][0]["uri"], reply["uri"]);

    // Carol answers and mentions dave on A, whom C has never seen: resolved over WebFinger
    // when posting, linked, tagged, and delivered to him.
    let answer = c
        .post_status(
            &carol,
            &format!("@bob@{} @dave@{} welcome", b.addr, a.addr),
            json!({"in_reply_to_id": reply_on_c}),
        )
        .await;
    assert_eq!(
        answer["mentions"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
    assert!(answer["content"]
        .as_str()
        .expect("html")
        .contains(&format!("href=\"{}\"", a.url("/@dave"))));
    let mut dave_notified = Value::Null;
    for _ in 0..100 {
        drain_all(&[&a, &b, &c]).await;
        let (_, notes) = a
            .get("/api/v1/notifications?types[]=mention", Some(&dave.token))
            .await;
        if notes.as_array().is_some_and(|l| !l.is_empty()) {
            dave_notified = notes[0].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        dave_notified["status"]["uri"], answer["uri"],
        "dave was mentioned"
    );
    // A had never seen the reply's parent's parent chain beyond what it holds: it is whole.
    let answer_on_a = dave_notified["status"]["id"].as_str().expect("id");
    let (_, context) = a
        .get(
            &format!("/api/v1/statuses/{answer_on_a}/context"),
            Some(&dave.token),
        )
        .await;
    let ancestors: Vec<&Value> = context["ancestors"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| &s["uri"])
        .collect();
    assert_eq!(ancestors, vec![&root["uri"], &reply["uri"]]);

    // Bob boosts carol's answer: A has it, but a boost of a note A has never seen is fetched
    // from C. Carol posts a fresh note that only B and C know, and bob boosts it.
    let fresh = c.post_status(&carol, "only on C", json!({})).await;
    let fresh_on_b = resolve_status(&b, &bob, fresh["uri"].as_str().expect("uri")).await;
    let (status, _) = b
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                fresh_on_b["id"].as_str().expect("id")
            ),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut boosted = Value::Null;
    for _ in 0..100 {
        drain_all(&[&a, &b, &c]).await;
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        if let Some(s) = home
            .as_array()
            .and_then(|l| l.iter().find(|s| s["reblog"]["uri"] == fresh["uri"]))
        {
            boosted = s.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        boosted["reblog"]["content"], fresh["content"],
        "fetched from C"
    );
    assert_eq!(
        boosted["reblog"]["account"]["acct"],
        format!("carol@{}", c.addr)
    );
    assert_eq!(boosted["account"]["acct"], format!("bob@{}", b.addr));
}

/// POSTs `activity` to `to`'s shared inbox signed with `username`'s key on `from`.
async fn signed_post(from: &TestApp, username: &str, to: &TestApp, activity: &Value) -> StatusCode {
    let account = rookery::store::accounts::local_by_username(&from.state.db, username)
        .await
        .expect("db")
        .expect("account");
    let (key_id, pem) = rookery::store::accounts::private_key(&from.state.db, account.id)
        .await
        .expect("db")
        .expect("key");
    let signer = rookery::federation::fetch::KeySigner {
        key: signature::SigningKey::from_pem(&pem).expect("key"),
        key_id,
    };
    post_signed(to, &signer, activity).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_remote_actor_leaves_nothing_behind() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    b.register("mallory").await;
    let alice_on_b = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let bob_on_a = follow_remotely(&b, &a, &alice, &format!("bob@{}", b.addr)).await;
    let post = a.post_status(&alice, "like me", json!({})).await;
    let post_on_b = resolve_status(&b, &bob, post["uri"].as_str().expect("uri")).await;
    b.post(
        &format!(
            "/api/v1/statuses/{}/favourite",
            post_on_b["id"].as_str().expect("id")
        ),
        Some(&bob.token),
        json!({}),
    )
    .await;
    b.post_status(&bob, "bob's own post", json!({})).await;
    let post_id = post["id"].as_str().expect("id").to_string();
    eventually(&a, &b, "bob's favourite and post reach A", async || {
        let (_, s) = a
            .get(&format!("/api/v1/statuses/{post_id}"), Some(&alice.token))
            .await;
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        s["favourites_count"] == 1
            && home
                .as_array()
                .is_some_and(|l| l.iter().any(|s| s["account"]["id"] == bob_on_a.as_str()))
    })
    .await;
    let alice_path = format!("/api/v1/accounts/{}", alice.id);
    let (_, before) = a.get(&alice_path, Some(&alice.token)).await;
    assert_eq!(before["followers_count"], 1);
    assert_eq!(before["following_count"], 1);
    let bob_uri = b.url("/users/bob");

    // Mallory cannot delete bob: a Delete of someone else's actor changes nothing.
    let forged = json!({"id": format!("{}#delete", b.url("/users/mallory")), "type": "Delete", "actor": b.url("/users/mallory"), "object": bob_uri});
    assert_eq!(
        signed_post(&b, "mallory", &a, &forged).await,
        StatusCode::ACCEPTED
    );
    // Nor can an activity claim bob as actor while mallory signs it.
    let spoofed = json!({"id": format!("{bob_uri}#delete"), "type": "Delete", "actor": bob_uri, "object": bob_uri});
    assert_eq!(
        signed_post(&b, "mallory", &a, &spoofed).await,
        StatusCode::UNAUTHORIZED
    );
    a.drain_jobs().await;
    let (status, _) = a
        .get(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "bob is still there");

    // Bob deletes himself: his account, post, favourite, follows and notifications go.
    let delete = json!({"id": format!("{bob_uri}#delete"), "type": "Delete", "actor": bob_uri, "object": bob_uri, "to": ["https://www.w3.org/ns/activitystreams#Public"]});
    assert_eq!(
        signed_post(&b, "bob", &a, &delete).await,
        StatusCode::ACCEPTED
    );
    a.drain_jobs().await;
    let (status, _) = a
        .get(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, after) = a.get(&alice_path, Some(&alice.token)).await;
    assert_eq!(after["followers_count"], 0);
    assert_eq!(after["following_count"], 0);
    let (_, s) = a
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&alice.token))
        .await;
    assert_eq!(s["favourites_count"], 0);
    let (_, notes) = a.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(notes, json!([]));
    let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(
        home.as_array()
            .expect("list")
            .iter()
            .all(|s| s["account"]["id"] != bob_on_a.as_str()),
        "{home}"
    );
    let (_, found) = a
        .get(
            &format!("/api/v2/search?q={}&type=accounts", "bob"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(found["accounts"], json!([]));
    let _ = alice_on_b;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announce_cannot_vouch_for_another_origin() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let c = TestApp::spawn().await;
    a.register("alice").await;
    b.register("mallory").await;
    let carol = c.register("carol").await;
    let genuine = c
        .post_status(&carol, "what carol really wrote", json!({}))
        .await;
    let genuine_uri = genuine["uri"].as_str().expect("uri");
    let mallory = b.url("/users/mallory");

    // Mallory boosts carol's note but embeds a forged copy of it: A fetches it from C instead.
    let forged = json!({
        "id": format!("{mallory}/statuses/1/activity"), "type": "Announce", "actor": mallory,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"id": genuine_uri, "type": "Note", "attributedTo": c.url("/users/carol"),
                   "content": "<p>words put in carol's mouth</p>",
                   "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    });
    assert_eq!(
        signed_post(&b, "mallory", &a, &forged).await,
        StatusCode::ACCEPTED
    );
    // And a boost of a note that does not exist on C leaves nothing behind.
    let missing = json!({
        "id": format!("{mallory}/statuses/2/activity"), "type": "Announce", "actor": mallory,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"id": c.url("/users/carol/statuses/4242"), "type": "Note",
                   "attributedTo": c.url("/users/carol"), "content": "<p>never said</p>"}
    });
    assert_eq!(
        signed_post(&b, "mallory", &a, &missing).await,
        StatusCode::ACCEPTED
    );
    drain_all(&[&a, &b, &c]).await;

    let id = rookery::store::statuses::id_by_uri_or_url(&a.state.db, genuine_uri)
        .await
        .expect("db")
        .expect("the original was fetched from C");
    let stored = rookery::store::statuses::by_id(&a.state.db, id)
        .await
        .expect("db")
        .expect("status");
    assert!(
        stored.content.contains("what carol really wrote"),
        "{}",
        stored.content
    );
    assert!(!stored.content.contains("mouth"));
    assert!(rookery::store::statuses::id_by_uri_or_url(
        &a.state.db,
        &c.url("/users/carol/statuses/4242")
    )
    .await
    .expect("db")
    .is_none());
    assert!(rookery::store::statuses::id_by_uri_or_url(
        &a.state.db,
        &format!("{mallory}/statuses/2/activity")
    )
    .await
    .expect("db")
    .is_none());
}
