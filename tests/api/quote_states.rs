//! The rest of Mastodon 4.5's quotes: the states a viewer's own blocks and mutes give a quote
//! (`blocked_account`, `blocked_domain`, `muted_account`, with the quoted status still sent),
//! a quote whose original is gone (`deleted` to clients, a `Tombstone` to peers), and quotes
//! in scheduled statuses (checked when scheduled and again when published).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::{TestApp, TestUser};
use crate::scheduled_statuses::{in_minutes, settle, travel};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

async fn status(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let (code, body) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body
}

async fn act(app: &TestApp, user: &TestUser, method: Method, path: &str, body: Value) {
    let (code, res) = app
        .request(method, path, Some(&user.token), Some(body))
        .await;
    assert_eq!(code, StatusCode::OK, "{path}: {res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewers_own_blocks_and_mutes_show_in_the_quotes_state() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let original = app.post_status(&bob, "a heron", json!({})).await;
    let quoting = app
        .post_status(
            &alice,
            "look",
            json!({ "quoted_status_id": original["id"] }),
        )
        .await;
    let seen = |v: &Value| {
        (
            v["quote"]["state"].clone(),
            v["quote"]["quoted_status"]["id"].clone(),
        )
    };
    let shown = status(&app, &carol, &id(&quoting)).await;
    assert_eq!(seen(&shown), (json!("accepted"), original["id"].clone()));

    // Carol mutes bob: the quoted post comes with the reason to fold it.
    let bob_path = format!("/api/v1/accounts/{}", bob.id);
    act(
        &app,
        &carol,
        Method::POST,
        &format!("{bob_path}/mute"),
        json!({}),
    )
    .await;
    let shown = status(&app, &carol, &id(&quoting)).await;
    assert_eq!(
        seen(&shown),
        (json!("muted_account"), original["id"].clone()),
        "{shown}"
    );
    // Alice, who mutes nobody, sees it as before; a page of statuses says the same as one.
    assert_eq!(
        status(&app, &alice, &id(&quoting)).await["quote"]["state"],
        "accepted"
    );
    let (_, page) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&carol.token),
        )
        .await;
    assert_eq!(page[0]["quote"]["state"], "muted_account", "{page}");

    // Carol blocks bob (a block outranks the mute): still sent, with its state.
    act(
        &app,
        &carol,
        Method::POST,
        &format!("{bob_path}/block"),
        json!({}),
    )
    .await;
    let shown = status(&app, &carol, &id(&quoting)).await;
    assert_eq!(
        seen(&shown),
        (json!("blocked_account"), original["id"].clone()),
        "{shown}"
    );
    // The quoted post itself stays hidden from her outside the quote.
    let (code, _) = app
        .get(
            &format!("/api/v1/statuses/{}", id(&original)),
            Some(&carol.token),
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // Unblocked and unmuted: accepted again.
    act(
        &app,
        &carol,
        Method::POST,
        &format!("{bob_path}/unblock"),
        json!({}),
    )
    .await;
    act(
        &app,
        &carol,
        Method::POST,
        &format!("{bob_path}/unmute"),
        json!({}),
    )
    .await;
    assert_eq!(
        status(&app, &carol, &id(&quoting)).await["quote"]["state"],
        "accepted"
    );

    // Bob blocks carol: his post is not hers to see, whatever she thinks of him.
    let carol_path = format!("/api/v1/accounts/{}", carol.id);
    act(
        &app,
        &bob,
        Method::POST,
        &format!("{carol_path}/block"),
        json!({}),
    )
    .await;
    act(
        &app,
        &carol,
        Method::POST,
        &format!("{bob_path}/mute"),
        json!({}),
    )
    .await;
    let shown = status(&app, &carol, &id(&quoting)).await;
    assert_eq!(
        seen(&shown),
        (json!("unauthorized"), Value::Null),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_of_a_domain_the_viewer_hides_says_blocked_domain() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = a.register("carol").await;
    let bob = b.register("bob").await;
    follow_remotely(&b, &a, &alice, &format!("bob@{}", b.addr)).await;
    let original = b.post_status(&bob, "a heron", json!({})).await;
    let uri = original["uri"].as_str().expect("uri").to_string();
    let mut copy = None;
    eventually(&a, &b, "bob's post reaches a", async || {
        copy = sqlx::query_scalar::<_, i64>("SELECT id FROM statuses WHERE uri = $1")
            .bind(&uri)
            .fetch_optional(&a.state.db)
            .await
            .expect("query");
        copy.is_some()
    })
    .await;
    let copy = copy.expect("copy").to_string();
    let quoting = a
        .post_status(&alice, "look", json!({ "quoted_status_id": copy }))
        .await;
    let quoting_id = id(&quoting);
    eventually(&a, &b, "b accepts the quote", async || {
        status(&a, &carol, &quoting_id).await["quote"]["state"] == "accepted"
    })
    .await;
    let (code, _) = a
        .post(
            "/api/v1/domain_blocks",
            Some(&carol.token),
            json!({ "domain": b.addr }),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let shown = status(&a, &carol, &quoting_id).await;
    assert_eq!(shown["quote"]["state"], "blocked_domain", "{shown}");
    assert_eq!(shown["quote"]["quoted_status"]["id"], json!(copy));
    assert_eq!(
        status(&a, &alice, &quoting_id).await["quote"]["state"],
        "accepted"
    );
}

async fn note(app: &TestApp, uri: &str) -> Value {
    app.client
        .get(uri)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_of_a_deleted_post_is_deleted_and_federates_a_tombstone() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let original = app.post_status(&bob, "a heron", json!({})).await;
    let quoting = app
        .post_status(
            &alice,
            "look",
            json!({ "quoted_status_id": original["id"] }),
        )
        .await;
    let uri = quoting["uri"].as_str().expect("uri").to_string();
    let before = note(&app, &uri).await;
    assert_eq!(before["quote"], original["uri"]);
    assert_eq!(before["_misskey_quote"], original["uri"]);
    assert_eq!(before["quoteUri"], original["uri"]);
    let stamp = before["quoteAuthorization"].clone();
    assert!(stamp.is_string(), "{before}");

    let (code, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", id(&original)),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let shown = status(&app, &alice, &id(&quoting)).await;
    assert_eq!(shown["quote"]["state"], "deleted", "{shown}");
    assert_eq!(shown["quote"]["quoted_status"], Value::Null);
    // As Mastodon: `quote` a bare Tombstone, the older dialects' names gone, the stamp kept.
    let after = note(&app, &uri).await;
    assert_eq!(after["quote"], json!({ "type": "Tombstone" }), "{after}");
    assert!(after.get("_misskey_quote").is_none(), "{after}");
    assert!(after.get("quoteUri").is_none(), "{after}");
    assert_eq!(after["quoteAuthorization"], stamp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_fetched_after_its_quote_was_deleted_arrives_with_a_deleted_quote() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = a.register("bob").await;
    let dave = b.register("dave").await;
    let original = a.post_status(&bob, "a heron", json!({})).await;
    let quoting = a
        .post_status(
            &alice,
            "look",
            json!({ "quoted_status_id": original["id"] }),
        )
        .await;
    let (code, _) = a
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", id(&original)),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);

    // Dave's server first meets alice's note now, its `quote` a bare Tombstone.
    let uri = quoting["uri"].as_str().expect("uri");
    let (code, found) = b
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=statuses",
                crate::helpers::urlencode(uri)
            ),
            Some(&dave.token),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{found}");
    let fetched = &found["statuses"][0];
    assert_eq!(fetched["uri"], json!(uri), "{found}");
    assert_eq!(fetched["quote"]["state"], "deleted", "{fetched}");
    assert_eq!(fetched["quote"]["quoted_status"], Value::Null);
    let shown = status(&b, &dave, &id(fetched)).await;
    assert_eq!(shown["quote"]["state"], "deleted", "{shown}");
}

async fn scheduled_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM scheduled_statuses")
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

async fn schedule(app: &TestApp, user: &TestUser, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({ "status": "later", "scheduled_at": in_minutes(app, 30) });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post("/api/v1/statuses", Some(&user.token), body).await
}

async fn posted_by(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let (_, list) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", user.id),
            Some(&user.token),
        )
        .await;
    list.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_status_quotes_when_it_is_published() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let original = app.post_status(&bob, "a heron", json!({})).await;
    let hidden = app
        .post_status(&bob, "for my followers", json!({ "visibility": "private" }))
        .await;
    let closed = app
        .post_status(
            &bob,
            "mine alone",
            json!({ "quote_approval_policy": "nobody" }),
        )
        .await;

    // Refused now, as a post would be; nothing kept.
    for (extra, want) in [
        (
            json!({ "quoted_status_id": hidden["id"] }),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({ "quoted_status_id": "99999" }),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({ "quoted_status_id": closed["id"] }),
            StatusCode::FORBIDDEN,
        ),
        (
            json!({ "quoted_status_id": original["id"], "quote_approval_policy": "everyone" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (code, body) = schedule(&app, &alice, extra.clone()).await;
        assert_eq!(code, want, "{extra}: {body}");
    }
    assert_eq!(scheduled_rows(&app).await, 0);

    let (code, scheduled) = schedule(
        &app,
        &alice,
        json!({ "quoted_status_id": original["id"], "quote_approval_policy": "followers" }),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{scheduled}");
    assert_eq!(scheduled["params"]["quoted_status_id"], original["id"]);
    assert_eq!(scheduled["params"]["quote_approval_policy"], "followers");
    assert!(posted_by(&app, &alice).await.is_empty());

    travel(&app, 31).await;
    settle(&app).await;
    let posted = posted_by(&app, &alice).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0]["quote"]["state"], "accepted", "{}", posted[0]);
    assert_eq!(posted[0]["quote"]["quoted_status"]["id"], original["id"]);
    assert_eq!(
        posted[0]["quote_approval"]["automatic"],
        json!(["followers"])
    );
    assert_eq!(status(&app, &bob, &id(&original)).await["quotes_count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_quote_no_longer_allowed_is_dropped_when_due() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let first = app.post_status(&bob, "a heron", json!({})).await;
    let second = app.post_status(&bob, "an egret", json!({})).await;
    for quoted in [&first, &second] {
        let (code, body) =
            schedule(&app, &alice, json!({ "quoted_status_id": quoted["id"] })).await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    // The first is deleted, the second closed to quotes, before their time.
    let (code, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", id(&first)),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    act(
        &app,
        &bob,
        Method::PUT,
        &format!("/api/v1/statuses/{}/interaction_policy", id(&second)),
        json!({ "quote_approval_policy": "nobody" }),
    )
    .await;
    travel(&app, 31).await;
    settle(&app).await;
    assert!(
        posted_by(&app, &alice).await.is_empty(),
        "nothing published"
    );
    assert_eq!(
        scheduled_rows(&app).await,
        0,
        "both dropped, as Mastodon drops them"
    );
}
