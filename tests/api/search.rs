//! Search: remote accounts resolved across two Rookery instances on loopback (WebFinger, actor
//! fetch, storage), local hashtags and status URLs, and hostile actor documents from a stub
//! that Rookery itself would never serve.

use axum::http::header;
use axum::routing::get;
use axum::Router;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

#[tokio::test]
async fn search_resolves_a_remote_account_over_webfinger() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    a.client
        .patch(a.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .json(&json!({"display_name": "Alice of A", "note": "I live at https://a.example", "locked": true,
                      "fields_attributes": [{"name": "Home", "value": "https://a.example"}]}))
        .send()
        .await
        .expect("patch");
    let bob = b.register("bob").await;

    let handle = format!("@alice@{}", a.addr);
    let q = crate::helpers::urlencode(&handle);
    // Without resolve (or without signing in) nothing is fetched.
    let (_, none) = b
        .get(
            &format!("/api/v2/search?q={q}&type=accounts"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(none["accounts"], json!([]));
    let (_, anonymous) = b
        .get(&format!("/api/v2/search?q={q}&resolve=true"), None)
        .await;
    assert_eq!(anonymous["accounts"], json!([]));

    let (status, found) = b
        .get(
            &format!("/api/v2/search?q={q}&resolve=true"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let remote = &found["accounts"][0];
    assert_eq!(remote["acct"], format!("alice@{}", a.addr));
    assert_eq!(remote["username"], "alice");
    assert_eq!(remote["display_name"], "Alice of A");
    assert_eq!(remote["locked"], true);
    assert_eq!(remote["uri"], a.url("/users/alice"));
    assert_eq!(remote["url"], a.url("/@alice"));
    assert!(remote["note"]
        .as_str()
        .expect("note")
        .contains("href=\"https://a.example\""));
    assert_eq!(remote["fields"][0]["name"], "Home");
    assert!(
        remote.get("roles").is_none(),
        "remote accounts carry no roles"
    );
    assert!(remote.get("noindex").is_none());
    assert_eq!(found["statuses"], json!([]));
    assert_eq!(found["hashtags"], json!([]));

    // Now known: lookup and the account endpoint find it on B.
    let (status, looked) = b
        .get(
            &format!(
                "/api/v1/accounts/lookup?acct={}",
                crate::helpers::urlencode(&handle[1..])
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(looked["id"], remote["id"]);
    let (status, _) = b
        .get(
            &format!("/api/v1/accounts/{}", remote["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // By actor URL too; resolving again refreshes the same account.
    let (_, by_url) = b
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                crate::helpers::urlencode(&a.url("/users/alice"))
            ),
            Some(&bob.token),
        )
        .await;
    assert_eq!(by_url["accounts"][0]["id"], remote["id"]);

    // Unknown people and unreachable hosts give empty results, not errors.
    let (status, nobody) = b
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                crate::helpers::urlencode(&format!("nobody@{}", a.addr))
            ),
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        (status, nobody["accounts"].clone()),
        (StatusCode::OK, json!([]))
    );
    let (status, dead) = b
        .get(
            "/api/v2/search?q=someone%40127.0.0.1%3A9&resolve=true",
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        (status, dead["accounts"].clone()),
        (StatusCode::OK, json!([]))
    );
}

#[tokio::test]
async fn private_addresses_are_not_fetched_unless_allowed() {
    let a = TestApp::spawn().await;
    a.register("alice").await;
    let strict = TestApp::spawn_with(|c| c.federation.allow_private_addresses = false).await;
    let bob = strict.register("bob").await;
    let (status, found) = strict
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                crate::helpers::urlencode(&format!("alice@{}", a.addr))
            ),
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        (status, found["accounts"].clone()),
        (StatusCode::OK, json!([]))
    );
}

#[tokio::test]
async fn local_search_hashtags_and_status_urls() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    app.register("alfred").await;
    let post = app
        .post_status(&alice, "about #rustlang and #rusty", json!({}))
        .await;
    let (_, found) = app.get("/api/v2/search?q=al", Some(&alice.token)).await;
    let names: Vec<&str> = found["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["username"].as_str())
        .collect();
    assert_eq!(names, vec!["alice", "alfred"]);
    let (_, tags) = app
        .get("/api/v2/search?q=%23rust&type=hashtags", None)
        .await;
    let tags: Vec<&str> = tags["hashtags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tags, vec!["rusty", "rustlang"]);
    let (_, by_url) = app
        .get(
            &format!(
                "/api/v2/search?q={}",
                crate::helpers::urlencode(post["url"].as_str().expect("url"))
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(by_url["statuses"][0]["id"], post["id"]);
    assert_eq!(
        app.get("/api/v2/search?q=", None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v2/search?q=x&type=people", None).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn hostile_actor_documents() {
    // A stub "server" whose actors lie or carry hostile HTML.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let doc = move |id: String, key_owner: String, summary: &str| {
        json!({
            "id": id, "type": "Person", "preferredUsername": "mallory", "name": "<script>x</script>Mallory",
            "summary": summary, "inbox": format!("{id}/inbox"),
            "publicKey": {"id": format!("{key_owner}#main-key"), "owner": key_owner, "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}
        })
        .to_string()
    };
    let (b1, b2, b3, b4) = (base.clone(), base.clone(), base.clone(), base.clone());
    let router = Router::new()
        .route("/users/mallory", get(move || { let b = b1.clone(); async move { ([(header::CONTENT_TYPE, "application/activity+json")], doc(format!("{b}/users/mallory"), format!("{b}/users/mallory"), "<p onclick=\"steal()\">hi<script>alert(1)</script><a href=\"javascript:x\">click</a></p>")) } }))
        .route("/users/thief", get(move || { let b = b2.clone(); async move { ([(header::CONTENT_TYPE, "application/activity+json")], doc(format!("{b}/users/thief"), "http://127.0.0.1:9/users/victim".into(), "")) } }))
        .route("/users/notjson", get(move || { let _ = &b3; async move { ([(header::CONTENT_TYPE, "application/json")], "{}") } }))
        // Mallory's handle is confirmed over WebFinger, so only her document's content is on trial.
        .route("/.well-known/webfinger", get(move || { let b = b4.clone(); async move { ([(header::CONTENT_TYPE, "application/jrd+json")], json!({"subject": format!("acct:mallory@{}", b.trim_start_matches("http://")), "links": [{"rel": "self", "type": "application/activity+json", "href": format!("{b}/users/mallory")}]}).to_string()) } }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let search = |url: String| {
        let app = &app;
        let token = bob.token.clone();
        async move {
            app.get(
                &format!(
                    "/api/v2/search?q={}&resolve=true",
                    crate::helpers::urlencode(&url)
                ),
                Some(&token),
            )
            .await
            .1
        }
    };
    let found = search(format!("{base}/users/mallory")).await;
    let mallory: &Value = &found["accounts"][0];
    assert_eq!(mallory["display_name"], "Mallory", "{found}");
    let note = mallory["note"].as_str().expect("note");
    assert!(
        !note.contains("script") && !note.contains("onclick") && !note.contains("javascript"),
        "{note}"
    );
    // A key owned by someone else, or a plain JSON file, never becomes an account.
    assert_eq!(
        search(format!("{base}/users/thief")).await["accounts"],
        json!([])
    );
    assert_eq!(
        search(format!("{base}/users/notjson")).await["accounts"],
        json!([])
    );
}
