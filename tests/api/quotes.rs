//! Quote posts (Mastodon 4.5, FEP-044f): quoting local statuses (accepted at once, refused by
//! policy or visibility), the Quote entity and its states, quotes listed and revoked, the
//! policy changed, notifications; across two Rookery instances (requested, accepted,
//! rejected, revoked); by hand with a peer that approves manually; Misskey's quotes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eve, eventually, follow_remotely, post_signed};
use crate::helpers::{TestApp, TestUser};

async fn quote(app: &TestApp, user: &TestUser, quoted: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({ "status": "look at this", "quoted_status_id": quoted });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post("/api/v1/statuses", Some(&user.token), body).await
}

async fn status(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let (code, body) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body
}

async fn notifications(app: &TestApp, user: &TestUser, kind: &str) -> Vec<Value> {
    let (code, list) = app
        .get(
            &format!("/api/v1/notifications?types[]={kind}"),
            Some(&user.token),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{list}");
    list.as_array().cloned().unwrap_or_default()
}

/// The local id on `app` of the status with ActivityPub id `uri`.
async fn local_id(app: &TestApp, uri: &str) -> Option<String> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM statuses WHERE uri = $1")
        .bind(uri)
        .fetch_optional(&app.state.db)
        .await
        .expect("query")
        .map(|id| id.to_string())
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_quote_is_accepted_listed_notified_and_revoked() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let original = app.post_status(&bob, "herons are tall", json!({})).await;
    assert_eq!(
        original["quote_approval"],
        json!({ "automatic": ["public"], "manual": [], "current_user": "automatic" })
    );
    assert_eq!(original["quote"], Value::Null);
    assert_eq!(original["quotes_count"], 0);

    let (code, quoting) = quote(&app, &alice, &id(&original), json!({})).await;
    assert_eq!(code, StatusCode::OK, "{quoting}");
    assert_eq!(quoting["quote"]["state"], "accepted", "{quoting}");
    assert_eq!(quoting["quote"]["quoted_status"]["id"], original["id"]);
    assert_eq!(
        quoting["quote"]["quoted_status"]["content"],
        original["content"]
    );
    // Bob's view of his own status: counted, and whose quote it is.
    let shown = status(&app, &bob, &id(&original)).await;
    assert_eq!(shown["quotes_count"], 1);
    let quotes = notifications(&app, &bob, "quote").await;
    assert_eq!(quotes.len(), 1, "{quotes:?}");
    assert_eq!(quotes[0]["status"]["id"], quoting["id"]);
    assert_eq!(quotes[0]["account"]["id"], json!(alice.id));

    // Listed for bob alone.
    let (code, list) = app
        .get(
            &format!("/api/v1/statuses/{}/quotes", id(&original)),
            Some(&bob.token),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"], quoting["id"]);
    let (code, _) = app
        .get(
            &format!("/api/v1/statuses/{}/quotes", id(&original)),
            Some(&alice.token),
        )
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);

    // Bob edits his post: alice, who quoted it, hears of it.
    app.edit_status(&bob, &id(&original), "herons are very tall")
        .await;
    let updates = notifications(&app, &alice, "quoted_update").await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    // As on Mastodon, the notification carries alice's quote, not the edited post.
    assert_eq!(updates[0]["status"]["id"], quoting["id"]);
    assert_eq!(updates[0]["account"]["id"], json!(bob.id));

    // Bob revokes: alice's post shows it, nobody may revoke for him.
    let revoke = format!(
        "/api/v1/statuses/{}/quotes/{}/revoke",
        id(&original),
        id(&quoting)
    );
    let (code, _) = app.post(&revoke, Some(&alice.token), json!({})).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, revoked) = app.post(&revoke, Some(&bob.token), json!({})).await;
    assert_eq!(code, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["id"], quoting["id"]);
    assert_eq!(revoked["quote"]["state"], "revoked", "{revoked}");
    assert_eq!(revoked["quote"]["quoted_status"], Value::Null);
    assert_eq!(status(&app, &bob, &id(&original)).await["quotes_count"], 0);

    // Quoted again, then deleted: the quote reads `deleted`.
    let (_, again) = quote(&app, &alice, &id(&original), json!({})).await;
    let (code, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", id(&original)),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    app.drain_jobs().await;
    let after = status(&app, &alice, &id(&again)).await;
    assert_eq!(after["quote"]["state"], "deleted", "{after}");
    assert_eq!(after["quote"]["quoted_status"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_are_refused_by_visibility_and_policy() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.follow(&alice, &carol).await;

    // A post alice cannot see, or that does not exist: 404.
    let hidden = app
        .post_status(&bob, "for my followers", json!({ "visibility": "private" }))
        .await;
    let (code, body) = quote(&app, &alice, &id(&hidden), json!({})).await;
    assert_eq!(code, StatusCode::NOT_FOUND, "{body}");
    assert!(body["error"].is_string());
    let (code, _) = quote(&app, &alice, "123456789", json!({})).await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // Another's followers-only post she sees: not quotable (422).
    let private = app
        .post_status(&carol, "between us", json!({ "visibility": "private" }))
        .await;
    assert_eq!(private["quote_approval"]["automatic"], json!([]));
    assert_eq!(private["quote_approval"]["current_user"], "automatic");
    let (code, body) = quote(&app, &alice, &id(&private), json!({})).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // One's own followers-only post: in a followers-only post only, never publicly.
    let (code, body) = quote(&app, &carol, &id(&private), json!({})).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (code, body) = quote(
        &app,
        &carol,
        &id(&private),
        json!({ "visibility": "private" }),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["quote"]["state"], "accepted");

    // Policies: nobody (403 to others, fine for the author), followers.
    let (code, body) = app
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({ "status": "mine", "quote_approval_policy": "whoever" }),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let closed = app
        .post_status(&bob, "mine", json!({ "quote_approval_policy": "nobody" }))
        .await;
    assert_eq!(closed["quote_approval"]["automatic"], json!([]));
    let seen = status(&app, &alice, &id(&closed)).await;
    assert_eq!(seen["quote_approval"]["current_user"], "denied");
    let (code, body) = quote(&app, &alice, &id(&closed), json!({})).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    let (code, _) = quote(&app, &bob, &id(&closed), json!({})).await;
    assert_eq!(code, StatusCode::OK);
    let followers = app
        .post_status(
            &carol,
            "fans",
            json!({ "quote_approval_policy": "followers" }),
        )
        .await;
    assert_eq!(
        followers["quote_approval"]["automatic"],
        json!(["followers"])
    );
    let (code, _) = quote(&app, &alice, &id(&followers), json!({})).await;
    assert_eq!(code, StatusCode::OK, "alice follows carol");
    let (code, _) = quote(&app, &bob, &id(&followers), json!({})).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "bob does not");

    // The policy changed afterwards: by its author only, checked.
    let path = format!("/api/v1/statuses/{}/interaction_policy", id(&closed));
    let (code, _) = app
        .request(
            Method::PUT,
            &path,
            Some(&alice.token),
            Some(json!({ "quote_approval_policy": "public" })),
        )
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, body) = app
        .request(
            Method::PUT,
            &path,
            Some(&bob.token),
            Some(json!({ "quote_approval_policy": "everyone" })),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (code, opened) = app
        .request(
            Method::PUT,
            &path,
            Some(&bob.token),
            Some(json!({ "quote_approval_policy": "public" })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{opened}");
    assert_eq!(opened["quote_approval"]["automatic"], json!(["public"]));
    let (code, _) = quote(&app, &alice, &id(&closed), json!({})).await;
    assert_eq!(code, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_across_instances_are_requested_accepted_rejected_and_revoked() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let carol = b.register("carol").await;
    follow_remotely(&b, &a, &alice, &format!("bob@{}", b.addr)).await;
    // Carol on b follows alice, so alice's quote reaches b's timelines too.
    follow_remotely(&a, &b, &carol, &format!("alice@{}", a.addr)).await;
    let original = b.post_status(&bob, "a heron", json!({})).await;
    let uri = original["uri"].as_str().expect("uri").to_string();
    let mut copy = None;
    eventually(&a, &b, "bob's post reaches a", async || {
        copy = local_id(&a, &uri).await;
        copy.is_some()
    })
    .await;
    let copy = copy.expect("copy");

    // Alice quotes her copy: pending while b is asked, accepted once b stamps it.
    let (code, quoting) = quote(&a, &alice, &copy, json!({})).await;
    assert_eq!(code, StatusCode::OK, "{quoting}");
    assert_eq!(quoting["quote"]["state"], "pending", "{quoting}");
    assert_eq!(quoting["quote"]["quoted_status"], Value::Null);
    let quoting_id = id(&quoting);
    eventually(&a, &b, "b accepts the quote", async || {
        status(&a, &alice, &quoting_id).await["quote"]["state"] == "accepted"
    })
    .await;
    let accepted = status(&a, &alice, &quoting_id).await;
    assert_eq!(accepted["quote"]["quoted_status"]["uri"], json!(uri));
    let notified = notifications(&b, &bob, "quote").await;
    assert_eq!(notified.len(), 1, "{notified:?}");
    let quoting_uri = quoting["uri"].as_str().expect("uri").to_string();
    assert_eq!(notified[0]["status"]["uri"], json!(quoting_uri));
    // On b, alice's post is a quote of bob's, accepted; listed for bob.
    let on_b = local_id(&b, &quoting_uri).await.expect("on b");
    let there = status(&b, &carol, &on_b).await;
    assert_eq!(there["quote"]["state"], "accepted", "{there}");
    assert_eq!(there["quote"]["quoted_status"]["id"], original["id"]);
    let (_, listed) = b
        .get(
            &format!("/api/v1/statuses/{}/quotes", id(&original)),
            Some(&bob.token),
        )
        .await;
    assert_eq!(listed[0]["uri"], json!(quoting_uri), "{listed}");
    // The stamp b serves names the quote and the quoted post.
    let stamp: String = sqlx::query_scalar("SELECT approval_uri FROM quotes WHERE status_id = $1")
        .bind(quoting_id.parse::<i64>().expect("id"))
        .fetch_one(&a.state.db)
        .await
        .expect("stamp");
    assert!(
        stamp.starts_with(&b.url("/users/bob/quote_authorizations/")),
        "{stamp}"
    );
    let doc: Value = a
        .client
        .get(&stamp)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["type"], "QuoteAuthorization");
    assert_eq!(doc["interactingObject"], json!(quoting_uri));
    assert_eq!(doc["interactionTarget"], json!(uri));

    // Bob revokes it on b: a hears, the stamp is gone.
    let (code, revoked) = b
        .post(
            &format!("/api/v1/statuses/{}/quotes/{on_b}/revoke", id(&original)),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["quote"]["state"], "revoked");
    eventually(&a, &b, "a hears of the revocation", async || {
        status(&a, &alice, &quoting_id).await["quote"]["state"] == "revoked"
    })
    .await;
    let code = a.client.get(&stamp).send().await.expect("get").status();
    assert_eq!(code, StatusCode::NOT_FOUND);

    // A post b no longer lets anyone quote, while a's copy still says it may: rejected.
    let closing = b.post_status(&bob, "another heron", json!({})).await;
    let closing_uri = closing["uri"].as_str().expect("uri").to_string();
    let mut closing_copy = None;
    eventually(&a, &b, "the second post reaches a", async || {
        closing_copy = local_id(&a, &closing_uri).await;
        closing_copy.is_some()
    })
    .await;
    sqlx::query("UPDATE statuses SET quote_policy = 'nobody' WHERE uri = $1")
        .bind(&closing_uri)
        .execute(&b.state.db)
        .await
        .expect("policy");
    let (code, refused) = quote(&a, &alice, &closing_copy.expect("copy"), json!({})).await;
    assert_eq!(code, StatusCode::OK, "{refused}");
    let refused_id = id(&refused);
    eventually(&a, &b, "b rejects the quote", async || {
        status(&a, &alice, &refused_id).await["quote"]["state"] == "rejected"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_approving_by_hand_leaves_the_quote_pending_until_it_accepts() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (stub, host, eve_signs) = eve(|_| {}).await;
    let eve_uri = format!("http://{host}/users/eve");
    let note_uri = format!("http://{host}/notes/1");
    stub.serve(
        "/notes/1",
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": note_uri,
            "type": "Note",
            "attributedTo": eve_uri,
            "content": "<p>ask me first</p>",
            "published": "2026-12-01T00:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "interactionPolicy": { "canQuote": {
                "automaticApproval": [eve_uri],
                "manualApproval": ["https://www.w3.org/ns/activitystreams#Public"],
            }},
        }),
    );
    let (code, found) = app
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=statuses",
                crate::helpers::urlencode(&note_uri)
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{found}");
    let copy = id(&found["statuses"][0]);
    let seen = status(&app, &alice, &copy).await;
    assert_eq!(
        seen["quote_approval"],
        json!({ "automatic": [], "manual": ["public"], "current_user": "manual" })
    );

    let (code, quoting) = quote(&app, &alice, &copy, json!({})).await;
    assert_eq!(code, StatusCode::OK, "{quoting}");
    assert_eq!(quoting["quote"]["state"], "pending");
    app.drain_jobs().await;
    assert!(
        stub.hits().iter().any(|h| h == "/users/eve/inbox"),
        "asked eve"
    );
    let request: String = sqlx::query_scalar("SELECT activity_uri FROM quotes")
        .fetch_one(&app.state.db)
        .await
        .expect("request");
    assert_eq!(
        status(&app, &alice, &id(&quoting)).await["quote"]["state"],
        "pending"
    );

    // Eve accepts by hand, with a stamp naming something else first: still pending.
    let quoting_uri = quoting["uri"].as_str().expect("uri").to_string();
    let stamp = format!("http://{host}/users/eve/stamps/1");
    let mut doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": stamp,
        "type": "QuoteAuthorization",
        "attributedTo": eve_uri,
        "interactingObject": format!("{quoting_uri}-not"),
        "interactionTarget": note_uri,
    });
    stub.serve("/users/eve/stamps/1", doc.clone());
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{eve_uri}#accepts/1"),
        "type": "Accept",
        "actor": eve_uri,
        "object": request,
        "result": stamp,
    });
    assert_eq!(
        post_signed(&app, &eve_signs, &accept).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    assert_eq!(
        status(&app, &alice, &id(&quoting)).await["quote"]["state"],
        "pending"
    );
    doc["interactingObject"] = json!(quoting_uri);
    stub.serve("/users/eve/stamps/1", doc);
    assert_eq!(
        post_signed(&app, &eve_signs, &accept).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    let accepted = status(&app, &alice, &id(&quoting)).await;
    assert_eq!(accepted["quote"]["state"], "accepted", "{accepted}");
    assert_eq!(accepted["quote"]["quoted_status"]["id"], json!(copy));

    // Eve withdraws it by deleting the stamp.
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{stamp}#delete"),
        "type": "Delete",
        "actor": eve_uri,
        "object": stamp,
    });
    assert_eq!(
        post_signed(&app, &eve_signs, &delete).await,
        StatusCode::ACCEPTED
    );
    app.drain_jobs().await;
    assert_eq!(
        status(&app, &alice, &id(&quoting)).await["quote"]["state"],
        "revoked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misskey_quotes_of_local_posts_are_shown_as_quotes() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let original = app.post_status(&alice, "quote me", json!({})).await;
    let closed = app
        .post_status(
            &alice,
            "not me",
            json!({ "quote_approval_policy": "nobody" }),
        )
        .await;
    let (_, host, eve_signs) = eve(|_| {}).await;
    let eve_uri = format!("http://{host}/users/eve");
    for (n, quoted, link) in [
        (1, &original, false),
        (2, &closed, false),
        (3, &original, true),
    ] {
        let target = quoted["uri"].as_str().expect("uri");
        let mut note = json!({
            "id": format!("http://{host}/notes/{n}"),
            "type": "Note",
            "attributedTo": eve_uri,
            "content": format!("<p>nice</p><p class=\"quote-inline\">RE: {target}</p>"),
            "published": "2026-12-01T00:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        });
        if link {
            note["tag"] = json!([{
                "type": "Link",
                "mediaType": "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
                "href": target,
                "name": format!("RE: {target}"),
            }]);
        } else {
            note["_misskey_quote"] = json!(target);
            note["quoteUrl"] = json!(target);
        }
        let create = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("http://{host}/notes/{n}/activity"),
            "type": "Create",
            "actor": eve_uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": note,
        });
        assert_eq!(
            post_signed(&app, &eve_signs, &create).await,
            StatusCode::ACCEPTED
        );
    }
    app.drain_jobs().await;
    let shown = async |n: u32| -> Value {
        let id = local_id(&app, &format!("http://{host}/notes/{n}"))
            .await
            .expect("stored");
        status(&app, &alice, &id).await
    };
    let first = shown(1).await;
    assert_eq!(first["quote"]["state"], "accepted", "{first}");
    assert_eq!(first["quote"]["quoted_status"]["id"], original["id"]);
    assert!(first["content"]
        .as_str()
        .expect("content")
        .contains("quote-inline"));
    let second = shown(2).await;
    assert_eq!(
        second["quote"]["state"], "pending",
        "not approved: {second}"
    );
    let third = shown(3).await;
    assert_eq!(
        third["quote"]["quoted_status"]["id"], original["id"],
        "{third}"
    );
    assert_eq!(notifications(&app, &alice, "quote").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_of_a_remote_post_deleted_afterwards_reads_deleted() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    follow_remotely(&b, &a, &alice, &format!("bob@{}", b.addr)).await;
    let original = b.post_status(&bob, "a passing heron", json!({})).await;
    let uri = original["uri"].as_str().expect("uri").to_string();
    let mut copy = None;
    eventually(&a, &b, "bob's post reaches a", async || {
        copy = local_id(&a, &uri).await;
        copy.is_some()
    })
    .await;
    let (code, quoting) = quote(&a, &alice, &copy.expect("copy"), json!({})).await;
    assert_eq!(code, StatusCode::OK, "{quoting}");
    let quoting_id = id(&quoting);
    eventually(&a, &b, "b accepts the quote", async || {
        status(&a, &alice, &quoting_id).await["quote"]["state"] == "accepted"
    })
    .await;

    let (code, _) = b
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", id(&original)),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    eventually(&a, &b, "a hears of the deletion", async || {
        status(&a, &alice, &quoting_id).await["quote"]["state"] == "deleted"
    })
    .await;
    let after = status(&a, &alice, &quoting_id).await;
    assert_eq!(after["quote"]["quoted_status"], Value::Null, "{after}");
    assert_eq!(local_id(&a, &uri).await, None, "the copy is gone");
}
