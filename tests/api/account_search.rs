//! Finding accounts: `GET /api/v1/accounts/search` (prefixes of names, handles and display
//! names, ranking, `following`, `resolve` across instances, limits), several accounts at once
//! (`GET /api/v1/accounts?id[]=`), private notes in relationships, and familiar followers.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, relationship};
use crate::helpers::{TestApp, TestUser};

async fn search(app: &TestApp, who: &TestUser, query: &str) -> Vec<String> {
    let (status, body) = app
        .get(
            &format!("/api/v1/accounts/search?{query}"),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body.as_array()
        .unwrap_or_else(|| panic!("{query}: not a list: {body}"))
        .iter()
        .map(|a| a["username"].as_str().expect("username").to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn names(list: &[&str]) -> Vec<String> {
    sorted(list.iter().map(|s| s.to_string()).collect())
}

async fn set_display_name(app: &TestApp, who: &TestUser, name: &str) {
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&who.token)
        .json(&json!({ "display_name": name }))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
}

async fn suspend(app: &TestApp, id: &str) {
    let m = app.moderator().await;
    let (status, body) = app
        .post(
            &format!("/api/v1/admin/accounts/{id}/action"),
            Some(&m.token),
            json!({ "type": "suspend", "text": "testing" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn search_matches_prefixes_and_ranks_handle_then_follows() {
    let app = TestApp::spawn().await;
    let viewer = app.register("viewer").await;
    let anna = app.register("anna").await;
    let annabelle = app.register("annabelle").await;
    let bob = app.register("bob").await;
    let carl = app.register("carl").await;
    let dave = app.register("dave").await;
    let gone = app.register("annex").await;
    set_display_name(&app, &bob, "Anne Hall").await;
    set_display_name(&app, &carl, "The Anne").await;
    set_display_name(&app, &dave, "Joanne").await;
    suspend(&app, &gone.id).await;
    app.follow(&viewer, &annabelle).await;

    // Username, display name and a word of it; not the middle of a word; not the suspended.
    let found = search(&app, &viewer, "q=ann").await;
    assert_eq!(
        sorted(found.clone()),
        names(&["anna", "annabelle", "bob", "carl"])
    );
    // Followed accounts first.
    assert_eq!(found[0], "annabelle");
    // The exact handle beats a followed account; `@` and the local domain are ignored.
    assert_eq!(search(&app, &viewer, "q=anna").await[0], "anna");
    assert_eq!(search(&app, &viewer, "q=%40anna").await[0], "anna");
    let local_handle = crate::helpers::urlencode(&format!("anna@{}", app.addr));
    assert_eq!(
        search(&app, &viewer, &format!("q={local_handle}")).await[0],
        "anna"
    );
    assert_eq!(search(&app, &viewer, "q=ANNA").await[0], "anna");
    // Only followed accounts.
    assert_eq!(
        search(&app, &viewer, "q=ann&following=true").await,
        vec!["annabelle".to_string()]
    );
    assert!(search(&app, &viewer, "q=bob&following=true")
        .await
        .is_empty());
    // Limits and offsets page through the same order.
    assert_eq!(search(&app, &viewer, "q=ann&limit=2").await, found[..2]);
    assert_eq!(
        search(&app, &viewer, "q=ann&limit=2&offset=1").await,
        found[1..3]
    );
    assert!(search(&app, &viewer, "q=ann&offset=10").await.is_empty());
    assert_eq!(search(&app, &viewer, "q=ann&limit=500").await, found);
    assert_eq!(search(&app, &viewer, "q=ann&limit=0").await.len(), 1);
    // LIKE's wildcards are plain characters.
    assert!(search(&app, &viewer, "q=%25").await.is_empty());
    assert!(search(&app, &viewer, "q=_nna").await.is_empty());
    // Someone blocked either way is not found.
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", anna.id),
            Some(&viewer.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!search(&app, &viewer, "q=ann")
        .await
        .contains(&"anna".to_string()));
    assert!(!search(&app, &anna, "q=view")
        .await
        .contains(&"viewer".to_string()));
}

#[tokio::test]
async fn search_refuses_bad_input() {
    let app = TestApp::spawn().await;
    let viewer = app.register("viewer").await;
    let no_scope = app.register_with_scopes("other", "write:statuses").await;
    for (query, expected) in [
        ("", StatusCode::BAD_REQUEST),
        ("q=", StatusCode::BAD_REQUEST),
        ("q=%20%40", StatusCode::BAD_REQUEST),
        ("q=a&offset=-1", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, body) = app
            .get(
                &format!("/api/v1/accounts/search?{query}"),
                Some(&viewer.token),
            )
            .await;
        assert_eq!(status, expected, "{query}: {body}");
        assert!(body["error"].is_string(), "{query}: {body}");
    }
    let (status, _) = app
        .get(
            "/api/v1/accounts/search?q=a&limit=many",
            Some(&viewer.token),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let (status, _) = app.get("/api/v1/accounts/search?q=a", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .get("/api/v1/accounts/search?q=a", Some(&no_scope.token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_resolves_a_remote_handle() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bobby").await;
    set_display_name(&b, &bob, "Bobby Remote").await;
    let handle = crate::helpers::urlencode(&format!("bobby@{}", b.addr));

    // Unknown here, and not looked up unless asked.
    assert!(search(&a, &alice, &format!("q={handle}")).await.is_empty());
    let (status, found) = a
        .get(
            &format!("/api/v1/accounts/search?q={handle}&resolve=true"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["acct"], format!("bobby@{}", b.addr));
    assert_eq!(found[0]["display_name"], "Bobby Remote");
    let bob_on_a = found[0]["id"].as_str().expect("id").to_string();

    // Known now: found by name and display name without resolving; but not among those
    // alice follows until she does.
    assert_eq!(search(&a, &alice, "q=bob").await, vec!["bobby".to_string()]);
    assert_eq!(
        search(&a, &alice, "q=remote").await,
        vec!["bobby".to_string()]
    );
    assert!(search(
        &a,
        &alice,
        &format!("q={handle}&resolve=true&following=true")
    )
    .await
    .is_empty());
    let (status, _) = a
        .post(
            &format!("/api/v1/accounts/{bob_on_a}/follow"),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(&a, &b, "the follow is accepted", async || {
        relationship(&a, &alice, &bob_on_a).await["following"] == true
    })
    .await;
    assert_eq!(
        search(
            &a,
            &alice,
            &format!("q={handle}&resolve=true&following=true")
        )
        .await,
        vec!["bobby".to_string()]
    );

    // A handle nobody answers for is no error, just nothing found.
    let nobody = crate::helpers::urlencode(&format!("nobody@{}", b.addr));
    assert!(search(&a, &alice, &format!("q={nobody}&resolve=true"))
        .await
        .is_empty());
}

#[tokio::test]
async fn several_accounts_by_id() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let gone = app.register("gone").await;
    suspend(&app, &gone.id).await;
    let path = format!(
        "/api/v1/accounts?id[]={}&id[]=123456789&id[]=nope&id[]={}&id[]={}&id[]={}",
        bob.id, alice.id, bob.id, gone.id
    );
    // Public, as a single account is.
    for token in [None, Some(alice.token.as_str())] {
        let (status, body) = app.get(&path, token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let ids: Vec<&str> = body
            .as_array()
            .expect("list")
            .iter()
            .map(|a| a["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids, vec![bob.id.as_str(), alice.id.as_str()]);
        assert_eq!(body[0]["username"], "bob");
    }
    let (status, body) = app.get("/api/v1/accounts", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!([]));
    let many: String = (1..=41).map(|i| format!("id[]={i}&")).collect();
    let (status, body) = app.get(&format!("/api/v1/accounts?{many}"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn private_notes_show_in_the_relationship_of_their_writer() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let reader = app.register_with_scopes("reader", "read").await;
    let note = |who: &TestUser, id: &str, body: Value| {
        let path = format!("/api/v1/accounts/{id}/note");
        let token = who.token.clone();
        let app = &app;
        async move { app.post(&path, Some(&token), body).await }
    };

    let (status, rel) = note(&alice, &bob.id, json!({"comment": "met at the café"})).await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["id"], bob.id.as_str());
    assert_eq!(rel["note"], "met at the café");
    assert_eq!(
        relationship(&app, &alice, &bob.id).await["note"],
        "met at the café"
    );
    // Private: bob's side knows nothing of it.
    assert_eq!(relationship(&app, &bob, &alice.id).await["note"], "");

    // Too long is refused and changes nothing; a form body works too.
    let (status, body) = note(&alice, &bob.id, json!({"comment": "x".repeat(2001)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        relationship(&app, &alice, &bob.id).await["note"],
        "met at the café"
    );
    let (status, rel) = app
        .post_form(
            &format!("/api/v1/accounts/{}/note", bob.id),
            Some(&alice.token),
            &[("comment", "replaced")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["note"], "replaced");

    // Empty (or missing) clears it.
    let (status, rel) = note(&alice, &bob.id, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["note"], "");
    assert_eq!(relationship(&app, &alice, &bob.id).await["note"], "");

    for id in ["123456789", "nope"] {
        let (status, _) = note(&alice, id, json!({"comment": "hi"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
    }
    let (status, _) = note(&reader, &bob.id, json!({"comment": "hi"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/note", bob.id),
            None,
            json!({"comment": "hi"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn familiar_followers_are_followed_accounts_that_follow() {
    let app = TestApp::spawn().await;
    let me = app.register("me").await;
    let target = app.register("target").await;
    let other = app.register("other").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let eve = app.register("eve").await;
    app.follow(&me, &carol).await;
    app.follow(&me, &dave).await;
    app.follow(&carol, &target).await;
    app.follow(&eve, &target).await; // I do not follow eve
    app.follow(&dave, &other).await;

    let (status, body) = app
        .get(
            &format!(
                "/api/v1/accounts/familiar_followers?id[]={}&id[]={}&id[]=123456789&id[]=nope",
                target.id, other.id
            ),
            Some(&me.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = body.as_array().expect("list");
    assert_eq!(list.len(), 3, "{body}");
    assert_eq!(list[0]["id"], target.id.as_str());
    assert_eq!(list[0]["accounts"].as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["accounts"][0]["id"], carol.id.as_str());
    assert_eq!(list[1]["id"], other.id.as_str());
    assert_eq!(list[1]["accounts"][0]["id"], dave.id.as_str());
    assert_eq!(list[2]["id"], "123456789");
    assert_eq!(list[2]["accounts"], json!([]));

    let many: String = (1..=41).map(|i| format!("id[]={i}&")).collect();
    let (status, _) = app
        .get(
            &format!("/api/v1/accounts/familiar_followers?{many}"),
            Some(&me.token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .get(
            &format!("/api/v1/accounts/familiar_followers?id[]={}", target.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
