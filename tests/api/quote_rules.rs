//! Quote posts, the rest of Mastodon 4.5's rules: each user's default quote policy
//! (`source[quote_policy]`, `posting:default:quote_policy`), private mentions that nobody may
//! quote, refused quotes storing nothing, and quotes on the public status page.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestUser};

async fn count_statuses(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM statuses")
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

async fn count_quotes(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM quotes")
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

async fn quote(
    app: &TestApp,
    user: &TestUser,
    quoted: &Value,
    extra: Value,
) -> (StatusCode, Value) {
    let mut body = json!({ "status": "see this", "quoted_status_id": quoted["id"] });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post("/api/v1/statuses", Some(&user.token), body).await
}

async fn anonymous_page(app: &TestApp, path: &str) -> String {
    let res = app
        .client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.expect("body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_quote_policy_is_the_users_own() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let (code, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(me["source"]["quote_policy"], "public", "{me}");

    // A word Mastodon does not know: 422, nothing changed.
    let (code, body) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&bob.token),
            Some(json!({ "source": { "quote_policy": "manual" } })),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (code, me) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&bob.token),
            Some(json!({ "source": { "quote_policy": "followers" } })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{me}");
    assert_eq!(me["source"]["quote_policy"], "followers");
    let (_, prefs) = app.get("/api/v1/preferences", Some(&bob.token)).await;
    assert_eq!(
        prefs["posting:default:quote_policy"], "followers",
        "{prefs}"
    );

    // New posts take it unless they say otherwise; a private post is the author's alone.
    let post = app.post_status(&bob, "fans only", json!({})).await;
    assert_eq!(post["quote_approval"]["automatic"], json!(["followers"]));
    let open = app
        .post_status(&bob, "anyone", json!({ "quote_approval_policy": "public" }))
        .await;
    assert_eq!(open["quote_approval"]["automatic"], json!(["public"]));
    let private = app
        .post_status(
            &bob,
            "hush",
            json!({ "visibility": "private", "quote_approval_policy": "public" }),
        )
        .await;
    assert_eq!(private["quote_approval"]["automatic"], json!([]));

    // Its ActivityPub document says who may quote it, as Mastodon 4.5 writes it.
    let note: Value = app
        .client
        .get(open["uri"].as_str().expect("uri"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        note["interactionPolicy"],
        json!({ "canQuote": { "automaticApproval": ["https://www.w3.org/ns/activitystreams#Public"] } })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_quotes_store_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let dm = app
        .post_status(&bob, "@alice psst", json!({ "visibility": "direct" }))
        .await;
    let closed = app
        .post_status(&bob, "mine", json!({ "quote_approval_policy": "nobody" }))
        .await;
    let (statuses, quotes) = (count_statuses(&app).await, count_quotes(&app).await);

    // A private mention: by nobody, not even its author (422); seen by alice all the same.
    let (code, body) = quote(&app, &alice, &dm, json!({ "visibility": "direct" })).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].is_string(), "{body}");
    let (code, body) = quote(&app, &bob, &dm, json!({ "visibility": "direct" })).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Refused by policy (403), not an id (404), a boost of nothing.
    let (code, _) = quote(&app, &alice, &closed, json!({})).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = quote(&app, &alice, &json!({ "id": "not-an-id" }), json!({})).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(count_statuses(&app).await, statuses, "no status stored");
    assert_eq!(count_quotes(&app).await, quotes, "no quote stored");

    // Revoking: only the quoted author, only a quote of that post (4xx, nothing changed).
    let open = app.post_status(&bob, "open", json!({})).await;
    let (code, quoting) = quote(&app, &alice, &open, json!({})).await;
    assert_eq!(code, StatusCode::OK, "{quoting}");
    let revoke = |post: &Value| {
        format!(
            "/api/v1/statuses/{}/quotes/{}/revoke",
            post["id"].as_str().unwrap_or_default(),
            quoting["id"].as_str().unwrap_or_default()
        )
    };
    let (code, _) = app
        .post(&revoke(&open), Some(&alice.token), json!({}))
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = app
        .post(&revoke(&closed), Some(&bob.token), json!({}))
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let state: String = sqlx::query_scalar("SELECT state FROM quotes")
        .fetch_one(&app.state.db)
        .await
        .expect("state");
    assert_eq!(state, "accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_page_shows_its_quote_as_a_visitor_may_see_it() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let original = app
        .post_status(&bob, "herons <b>stand</b> still", json!({}))
        .await;
    let (_, quoting) = quote(&app, &alice, &original, json!({})).await;
    let quoting_page = format!("/@alice/{}", quoting["id"].as_str().expect("id"));
    let page = anonymous_page(&app, &quoting_page).await;
    assert!(page.contains("<blockquote class=\"quoted\""), "{page}");
    assert!(
        page.contains("herons &lt;b&gt;stand&lt;/b&gt; still"),
        "{page}"
    );
    assert!(page.contains(&format!("/@bob/{}", original["id"].as_str().expect("id"))));

    // Revoked: a note instead of the post.
    let (code, _) = app
        .post(
            &format!(
                "/api/v1/statuses/{}/quotes/{}/revoke",
                original["id"].as_str().expect("id"),
                quoting["id"].as_str().expect("id")
            ),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let page = anonymous_page(&app, &quoting_page).await;
    assert!(!page.contains("<blockquote class=\"quoted\""), "{page}");
    assert!(page.contains("removed this quote"), "{page}");

    // Quoted again, then the quoted post deleted: said so.
    let (_, again) = quote(&app, &alice, &original, json!({})).await;
    let (code, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", original["id"].as_str().expect("id")),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    app.drain_jobs().await;
    let page = anonymous_page(
        &app,
        &format!("/@alice/{}", again["id"].as_str().expect("id")),
    )
    .await;
    assert!(page.contains("The quoted post was deleted."), "{page}");
    assert!(!page.contains("herons &lt;b&gt;stand"), "{page}");
}
