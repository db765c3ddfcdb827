//! Following across two Rookery instances on loopback with real signed deliveries: Follow,
//! Accept, locked-account approval, Reject, Undo; and inbox requests that must be refused.

use reqwest::StatusCode;
use rookery::federation::signature;
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, relationship, resolve};
use crate::helpers::{keys, TestApp, TestUser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_accept_and_undo_across_instances() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr)).await;

    let (status, rel) = a
        .post(
            &format!("/api/v1/accounts/{bob_on_a}/follow"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(
        rel["requested"], true,
        "pending until the remote side accepts"
    );
    eventually(&a, &b, "bob's Accept reaches alice", async || {
        relationship(&a, &alice, &bob_on_a).await["following"] == true
    })
    .await;

    // Bob's side: a remote follower, counted and notified.
    let (_, followers) = b
        .get(&format!("/api/v1/accounts/{}/followers", bob.id), None)
        .await;
    assert_eq!(followers[0]["acct"], format!("alice@{}", a.addr));
    let (_, me) = b
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["followers_count"], 1);
    let (_, notes) = b.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(notes[0]["type"], "follow");
    assert_eq!(notes[0]["account"]["acct"], format!("alice@{}", a.addr));
    let (_, mine) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(mine["following_count"], 1);
    // The Follow alice sent is retrievable at its id.
    let follow_activity = a
        .client
        .get(a.url("/users/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor");
    assert_eq!(follow_activity.status(), StatusCode::OK);

    // Undo.
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/unfollow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "the Undo reaches bob", async || {
        let (_, followers) = b
            .get(&format!("/api/v1/accounts/{}/followers", bob.id), None)
            .await;
        followers == json!([])
    })
    .await;
    let (_, me) = b
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["followers_count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_accounts_approve_or_reject_remote_followers() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = b.register("carol").await;
    let dave = b.register("dave").await;
    for user in [&carol, &dave] {
        b.client
            .patch(b.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&user.token)
            .json(&json!({"locked": true}))
            .send()
            .await
            .expect("lock");
    }
    let carol_on_a = resolve(&a, &alice, &format!("carol@{}", b.addr)).await;
    let dave_on_a = resolve(&a, &alice, &format!("dave@{}", b.addr)).await;
    a.post(
        &format!("/api/v1/accounts/{carol_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    a.post(
        &format!("/api/v1/accounts/{dave_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;

    // The requests arrive and wait.
    let mut alice_on_b = String::new();
    eventually(&a, &b, "the requests arrive", async || {
        let (_, requests) = b.get("/api/v1/follow_requests", Some(&carol.token)).await;
        match requests[0]["id"].as_str() {
            Some(id) => {
                alice_on_b = id.to_string();
                true
            }
            None => false,
        }
    })
    .await;
    assert_eq!(
        relationship(&a, &alice, &carol_on_a).await["requested"],
        true
    );

    let (status, _) = b
        .post(
            &format!("/api/v1/follow_requests/{alice_on_b}/authorize"),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "carol's approval reaches alice", async || {
        relationship(&a, &alice, &carol_on_a).await["following"] == true
    })
    .await;

    eventually(&a, &b, "dave's request arrives", async || {
        let (_, requests) = b.get("/api/v1/follow_requests", Some(&dave.token)).await;
        requests.as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    let (status, _) = b
        .post(
            &format!("/api/v1/follow_requests/{alice_on_b}/reject"),
            Some(&dave.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "dave's rejection reaches alice", async || {
        relationship(&a, &alice, &dave_on_a).await["requested"] == false
    })
    .await;
    assert_eq!(
        relationship(&a, &alice, &dave_on_a).await["following"],
        false
    );
}

#[tokio::test]
async fn the_inbox_refuses_what_it_cannot_verify() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    a.register("alice").await;
    b.register("bob").await;
    let alice_uri = a.url("/users/alice");
    let follow = json!({"id": format!("{alice_uri}#f1"), "type": "Follow", "actor": alice_uri, "object": b.url("/users/bob")});
    let body = serde_json::to_vec(&follow).expect("json");
    let inbox = url::Url::parse(&b.url("/inbox")).expect("url");
    let (host, target) = signature::host_and_target(&inbox).expect("host");
    let post = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let mut req = b
            .client
            .post(inbox.clone())
            .header("content-type", "application/activity+json")
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let signed_with =
        |pem: &str, key_id: &str, body: &[u8], date: chrono::DateTime<chrono::Utc>| {
            let key = signature::SigningKey::from_pem(pem).expect("key");
            let s = signature::sign_request(
                &key,
                key_id,
                "POST",
                &target,
                &host,
                &signature::http_date(date),
                Some(body),
                Some("application/activity+json"),
            );
            s.pairs()
                .map(|(k, v)| (k, v.to_string()))
                .collect::<Vec<_>>()
        };

    // Unsigned; malformed signature; an RFC 9421 signature only: 401.
    assert_eq!(
        post(vec![], body.clone()).await.expect("post").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(vec![("signature", "garbage".into())], body.clone())
            .await
            .expect("post")
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(
            vec![
                ("signature-input", "sig1=(\"@method\");keyid=\"x\"".into()),
                ("signature", "sig1=:AAAA:".into())
            ],
            body.clone()
        )
        .await
        .expect("post")
        .status(),
        StatusCode::UNAUTHORIZED
    );
    // Signed by a key that is not alice's, under alice's key id.
    let (stranger_pem, _) = keys::key_pair();
    let forged = signed_with(
        &stranger_pem,
        &format!("{alice_uri}#main-key"),
        &body,
        chrono::Utc::now(),
    );
    assert_eq!(
        post(forged, body.clone()).await.expect("post").status(),
        StatusCode::UNAUTHORIZED
    );
    // Alice's real key, but a stale date, a tampered body, or another actor in the activity.
    let alice_key = rookery::store::accounts::private_key(&a.state.db, alice_id(&a).await)
        .await
        .expect("db")
        .expect("key");
    let stale = signed_with(
        &alice_key.1,
        &alice_key.0,
        &body,
        chrono::Utc::now() - chrono::Duration::hours(13),
    );
    assert_eq!(
        post(stale, body.clone()).await.expect("post").status(),
        StatusCode::UNAUTHORIZED
    );
    let good = signed_with(&alice_key.1, &alice_key.0, &body, chrono::Utc::now());
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    assert_eq!(
        post(good.clone(), tampered).await.expect("post").status(),
        StatusCode::UNAUTHORIZED
    );
    let spoofed = json!({"id": format!("{}#x", b.url("/users/bob")), "type": "Follow", "actor": b.url("/users/bob"), "object": b.url("/users/bob")});
    let spoofed_body = serde_json::to_vec(&spoofed).expect("json");
    let spoof_signed = signed_with(
        &alice_key.1,
        &alice_key.0,
        &spoofed_body,
        chrono::Utc::now(),
    );
    assert_eq!(
        post(spoof_signed, spoofed_body)
            .await
            .expect("post")
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // Signed and valid, but malformed JSON: 400 (after verification).
    let junk = b"{not json".to_vec();
    let junk_signed = signed_with(&alice_key.1, &alice_key.0, &junk, chrono::Utc::now());
    assert_eq!(
        post(junk_signed, junk).await.expect("post").status(),
        StatusCode::BAD_REQUEST
    );
    // Nothing was stored: bob has no follower and no notification.
    b.drain_jobs().await;
    let (_, notes) = b
        .get(
            "/api/v1/notifications",
            Some(&b.register("zed").await.token),
        )
        .await;
    assert_eq!(notes, json!([]));
    // The genuine request is accepted.
    assert_eq!(
        post(good, body).await.expect("post").status(),
        StatusCode::ACCEPTED
    );
    // Oversized bodies are refused before anything else.
    let huge = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(
        post(vec![], huge).await.expect("post").status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

async fn alice_id(app: &TestApp) -> i64 {
    rookery::store::accounts::local_by_username(&app.state.db, "alice")
        .await
        .expect("db")
        .expect("alice")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_reach_remote_followers_and_deletes_follow() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let carol = b.register("carol").await;
    b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice", async || {
        relationship(&b, &bob, &alice_on_b).await["following"] == true
    })
    .await;
    // Carol is known on A only once someone resolves her.
    resolve(&a, &alice, &format!("carol@{}", b.addr)).await;

    let public = a
        .post_status(
            &alice,
            &format!("hello @bob@{} #Fediverse <b>bold</b>", b.addr),
            json!({}),
        )
        .await;
    let private = a
        .post_status(&alice, "for followers", json!({"visibility": "private"}))
        .await;
    let direct = a
        .post_status(
            &alice,
            &format!("@carol@{} a secret", b.addr),
            json!({"visibility": "direct"}),
        )
        .await;
    let uri = |v: &Value| v["uri"].as_str().expect("uri").to_string();
    let home_uris = async || -> Vec<String> {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|s| s["uri"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    eventually(&a, &b, "alice's posts reach bob's home", async || {
        let uris = home_uris().await;
        uris.contains(&uri(&public)) && uris.contains(&uri(&private))
    })
    .await;
    assert!(
        !home_uris().await.contains(&uri(&direct)),
        "a direct message to carol is not bob's"
    );

    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let seen = home
        .as_array()
        .expect("home")
        .iter()
        .find(|s| s["uri"] == public["uri"])
        .expect("public post")
        .clone();
    assert_eq!(seen["account"]["acct"], format!("alice@{}", a.addr));
    assert_eq!(seen["visibility"], "public");
    assert_eq!(seen["url"], public["url"]);
    assert!(seen["content"]
        .as_str()
        .expect("content")
        .contains("&lt;b&gt;bold&lt;/b&gt;"));
    assert_eq!(seen["tags"][0]["name"], "fediverse");
    assert_eq!(seen["mentions"][0]["acct"], "bob");
    let (_, private_seen) = b
        .get(
            &format!(
                "/api/v1/statuses?id[]={}",
                home.as_array()
                    .expect("home")
                    .iter()
                    .find(|s| s["uri"] == private["uri"])
                    .expect("private")["id"]
                    .as_str()
                    .expect("id")
            ),
            Some(&bob.token),
        )
        .await;
    assert_eq!(private_seen[0]["visibility"], "private");
    // Bob was mentioned, carol got the direct message.
    let (_, notes) = b
        .get("/api/v1/notifications?types[]=mention", Some(&bob.token))
        .await;
    assert_eq!(notes[0]["status"]["uri"], public["uri"]);
    let mut carols = Value::Null;
    eventually(&a, &b, "carol's direct message arrives", async || {
        carols = b
            .get("/api/v1/notifications?types[]=mention", Some(&carol.token))
            .await
            .1;
        carols.as_array().is_some_and(|l| !l.is_empty())
    })
    .await;
    assert_eq!(carols[0]["status"]["visibility"], "direct");
    // The public post is on B's public timeline (remote), the others are not.
    let (_, remote_tl) = b.get("/api/v1/timelines/public?remote=true", None).await;
    let remote_uris: Vec<&str> = remote_tl
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["uri"].as_str())
        .collect();
    assert_eq!(remote_uris, vec![uri(&public).as_str()]);

    // Deleting on A removes it on B.
    let res = a
        .client
        .delete(a.url(&format!(
            "/api/v1/statuses/{}",
            public["id"].as_str().expect("id")
        )))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), StatusCode::OK);
    eventually(&a, &b, "the delete reaches bob", async || {
        !home_uris().await.contains(&uri(&public))
    })
    .await;
    let (_, notes) = b
        .get("/api/v1/notifications?types[]=mention", Some(&bob.token))
        .await;
    assert_eq!(notes, json!([]), "the mention went with the status");
}

/// Two instances where bob (on B) follows alice (on A) and has received her post `text`:
/// (A, B, alice, bob, alice's id on B, the post on A, its id on B).
async fn followed_post(
    text: &str,
) -> (TestApp, TestApp, TestUser, TestUser, String, Value, String) {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice", async || {
        relationship(&b, &bob, &alice_on_b).await["following"] == true
    })
    .await;
    let post = a.post_status(&alice, text, json!({})).await;
    let mut copy_id = String::new();
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        match home
            .as_array()
            .and_then(|l| l.iter().find(|s| s["uri"] == post["uri"]))
        {
            Some(s) => {
                copy_id = s["id"].as_str().expect("id").to_string();
                true
            }
            None => false,
        }
    })
    .await;
    (a, b, alice, bob, alice_on_b, post, copy_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn likes_and_profile_updates_cross_over() {
    let (a, b, alice, bob, alice_on_b, post, copy_id) = followed_post("like this").await;

    // Bob's favourite on B becomes a Like on A: counted, notified.
    b.post(
        &format!("/api/v1/statuses/{copy_id}/favourite"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    let pid = post["id"].as_str().expect("id").to_string();
    eventually(&a, &b, "the Like reaches alice", async || {
        a.get(&format!("/api/v1/statuses/{pid}"), None).await.1["favourites_count"] == 1
    })
    .await;
    let (_, notes) = a.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(notes[0]["type"], "favourite");
    assert_eq!(notes[0]["account"]["acct"], format!("bob@{}", b.addr));
    b.post(
        &format!("/api/v1/statuses/{copy_id}/unfavourite"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "the Undo reaches alice", async || {
        a.get(&format!("/api/v1/statuses/{pid}"), None).await.1["favourites_count"] == 0
    })
    .await;

    // Alice renames herself: B's copy of her profile follows.
    a.client
        .patch(a.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .json(&json!({"display_name": "Alice Renamed"}))
        .send()
        .await
        .expect("patch");
    eventually(&a, &b, "the profile update reaches B", async || {
        b.get(&format!("/api/v1/accounts/{alice_on_b}"), None)
            .await
            .1["display_name"]
            == "Alice Renamed"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_boosts_count_and_notify() {
    let (a, b, alice, bob, _, post, copy_id) = followed_post("boost me").await;
    let pid = post["id"].as_str().expect("id").to_string();
    let (status, boost) = b
        .post(
            &format!("/api/v1/statuses/{copy_id}/reblog"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{boost}");
    eventually(&a, &b, "the Announce reaches alice", async || {
        a.get(&format!("/api/v1/statuses/{pid}"), None).await.1["reblogs_count"] == 1
    })
    .await;
    let (_, notes) = a
        .get("/api/v1/notifications?types[]=reblog", Some(&alice.token))
        .await;
    assert_eq!(notes[0]["account"]["acct"], format!("bob@{}", b.addr));
    let (_, by) = a
        .get(&format!("/api/v1/statuses/{pid}/reblogged_by"), None)
        .await;
    assert_eq!(by[0]["acct"], format!("bob@{}", b.addr));
    b.post(
        &format!("/api/v1/statuses/{copy_id}/unreblog"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "the Undo reaches alice", async || {
        a.get(&format!("/api/v1/statuses/{pid}"), None).await.1["reblogs_count"] == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_blocks_cross_over() {
    let (a, b, alice, bob, alice_on_b, post, copy_id) = followed_post("first words").await;
    // Alice edits: B's copy changes and keeps its history.
    let res = a
        .client
        .put(a.url(&format!(
            "/api/v1/statuses/{}",
            post["id"].as_str().expect("id")
        )))
        .bearer_auth(&alice.token)
        .json(&json!({"status": "second words"}))
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), StatusCode::OK);
    eventually(&a, &b, "the edit reaches B", async || {
        b.get(&format!("/api/v1/statuses/{copy_id}"), Some(&bob.token))
            .await
            .1["content"]
            .as_str()
            .is_some_and(|c| c.contains("second words"))
    })
    .await;
    let (_, copy) = b
        .get(&format!("/api/v1/statuses/{copy_id}"), Some(&bob.token))
        .await;
    assert!(copy["edited_at"].is_string());
    let (_, history) = b
        .get(
            &format!("/api/v1/statuses/{copy_id}/history"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(history.as_array().expect("history").len(), 2);
    assert!(history[0]["content"]
        .as_str()
        .expect("content")
        .contains("first words"));

    // Bob blocks alice: A learns of it, and bob's follow of alice ends there.
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr)).await;
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/block"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "the Block reaches A", async || {
        relationship(&a, &alice, &bob_on_a).await["blocked_by"] == true
    })
    .await;
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["followers_count"], 0);
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/unblock"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "the Undo(Block) reaches A", async || {
        relationship(&a, &alice, &bob_on_a).await["blocked_by"] == false
    })
    .await;
}
