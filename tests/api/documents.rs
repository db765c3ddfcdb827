//! ActivityPub documents served: actors, notes, activities and collections, with content
//! negotiation against the HTML pages of the same URLs.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const AP: &str = "application/activity+json";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn fetch(app: &TestApp, url: &str, accept: &str) -> (StatusCode, Value, String) {
    let res = app
        .client
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("get");
    let status = res.status();
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ctype,
    )
}

#[tokio::test]
async fn actors_with_content_negotiation() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    app.client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .json(&json!({"display_name": "Alice", "note": "hi", "locked": true, "fields_attributes": [{"name": "Site", "value": "https://a.example"}]}))
        .send()
        .await
        .expect("patch");
    let actor_url = app.url("/users/alice");
    let (status, actor, ctype) = fetch(&app, &actor_url, AP).await;
    assert_eq!(status, StatusCode::OK, "{actor}");
    assert!(ctype.starts_with("application/activity+json"), "{ctype}");
    assert_eq!(
        actor["@context"][0],
        "https://www.w3.org/ns/activitystreams"
    );
    assert_eq!(actor["id"], actor_url);
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "alice");
    assert_eq!(actor["name"], "Alice");
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    assert_eq!(actor["inbox"], format!("{actor_url}/inbox"));
    assert_eq!(actor["endpoints"]["sharedInbox"], app.url("/inbox"));
    assert_eq!(actor["publicKey"]["id"], format!("{actor_url}#main-key"));
    assert_eq!(actor["publicKey"]["owner"], actor_url);
    assert!(actor["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("pem")
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(actor["attachment"][0]["type"], "PropertyValue");
    assert_eq!(actor["url"], app.url("/@alice"));
    for key in [
        "outbox",
        "followers",
        "following",
        "featured",
        "summary",
        "icon",
        "image",
        "published",
        "discoverable",
        "alsoKnownAs",
    ] {
        assert!(actor.get(key).is_some(), "{key} missing");
    }
    // The JSON-LD media type with the ActivityStreams profile works the same.
    let (status, again, _) = fetch(
        &app,
        &actor_url,
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    )
    .await;
    assert_eq!(
        (status, again["id"].clone()),
        (StatusCode::OK, actor["id"].clone())
    );
    // A browser is sent to the profile page, which is HTML.
    let res = app
        .client
        .get(&actor_url)
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/@alice");
    let (status, page, ctype) = fetch(&app, &app.url("/@alice"), "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    assert!(page.as_str().expect("html").contains("Alice"));
    let (_, via_profile, _) = fetch(&app, &app.url("/@alice"), AP).await;
    assert_eq!(via_profile["id"], actor_url);
    // Unknown accounts.
    assert_eq!(
        fetch(&app, &app.url("/users/nobody"), AP).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, &app.url("/@nobody"), "text/html").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, &app.url("/nobody"), "text/html").await.0,
        StatusCode::NOT_FOUND
    );

    // The instance actor signs fetches: an Application with a key, stable across requests.
    let (status, instance, _) = fetch(&app, &app.url("/actor"), AP).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(instance["type"], "Application");
    assert_eq!(instance["id"], app.url("/actor"));
    let (_, again, _) = fetch(&app, &app.url("/actor"), AP).await;
    assert_eq!(
        instance["publicKey"]["publicKeyPem"],
        again["publicKey"]["publicKeyPem"]
    );
    assert_eq!(
        fetch(&app, &app.url(&format!("/users/{}", app.addr)), AP)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn notes_activities_and_addressing() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let public = app
        .post_status(
            &alice,
            "hello @bob #Tag",
            json!({"language": "en", "spoiler_text": "cw"}),
        )
        .await;
    let unlisted = app
        .post_status(
            &alice,
            "quiet",
            json!({"visibility": "unlisted", "in_reply_to_id": public["id"]}),
        )
        .await;
    let private = app
        .post_status(&alice, "friends", json!({"visibility": "private"}))
        .await;
    let direct = app
        .post_status(&alice, "@bob psst", json!({"visibility": "direct"}))
        .await;
    let note_url = |s: &Value| s["uri"].as_str().expect("uri").to_string();
    let followers = app.url("/users/alice/followers");

    let (status, note, _) = fetch(&app, &note_url(&public), AP).await;
    assert_eq!(status, StatusCode::OK, "{note}");
    assert_eq!(note["type"], "Note");
    assert_eq!(note["attributedTo"], app.url("/users/alice"));
    assert_eq!(note["to"], json!([PUBLIC]));
    assert_eq!(note["cc"], json!([followers, app.url("/users/bob")]));
    assert_eq!(note["summary"], "cw");
    assert_eq!(note["sensitive"], true);
    assert_eq!(note["contentMap"]["en"], note["content"]);
    assert_eq!(note["url"], public["url"]);
    let tags = note["tag"].as_array().expect("tags");
    assert!(tags.iter().any(|t| t["type"] == "Mention"
        && t["href"] == app.url("/users/bob")
        && t["name"] == format!("@bob@{}", app.addr)));
    assert!(tags
        .iter()
        .any(|t| t["type"] == "Hashtag" && t["name"] == "#tag"));
    assert!(note["inReplyTo"].is_null());
    assert!(note["replies"]["id"].is_string());

    let (_, quiet, _) = fetch(&app, &note_url(&unlisted), AP).await;
    assert_eq!(quiet["to"], json!([followers]));
    assert_eq!(quiet["cc"], json!([PUBLIC]));
    assert_eq!(quiet["inReplyTo"], public["uri"]);
    // Followers-only and direct notes are not served without a verified, permitted signer.
    assert_eq!(
        fetch(&app, &note_url(&private), AP).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, &note_url(&direct), AP).await.0,
        StatusCode::NOT_FOUND
    );
    // The status page is the same id for browsers, and the Note under the Mastodon-style URL.
    let res = app
        .client
        .get(note_url(&public))
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    assert!(res.status().is_redirection());
    let (_, by_url, _) = fetch(&app, public["url"].as_str().expect("url"), AP).await;
    assert_eq!(by_url["id"], public["uri"]);

    // Activities are retrievable at their ids.
    let (status, create, _) = fetch(&app, &format!("{}/activity", note_url(&public)), AP).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(create["type"], "Create");
    assert_eq!(create["id"], format!("{}/activity", note_url(&public)));
    assert_eq!(create["object"]["id"], public["uri"]);
    assert_eq!(create["actor"], app.url("/users/alice"));
    let boost = app
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                public["id"].as_str().expect("id")
            ),
            Some(&bob.token),
            json!({}),
        )
        .await
        .1;
    let (status, announce, _) = fetch(&app, boost["uri"].as_str().expect("uri"), AP).await;
    assert_eq!(status, StatusCode::OK, "{announce}");
    assert_eq!(announce["type"], "Announce");
    assert_eq!(announce["object"], public["uri"]);
    // The boost is not a Note.
    let boost_note = boost["uri"]
        .as_str()
        .expect("uri")
        .trim_end_matches("/activity")
        .to_string();
    assert_eq!(fetch(&app, &boost_note, AP).await.0, StatusCode::NOT_FOUND);

    // Replies.
    let (_, replies, _) = fetch(
        &app,
        &format!("{}/replies?page=true", note_url(&public)),
        AP,
    )
    .await;
    assert_eq!(replies["orderedItems"], json!([unlisted["uri"]]));
    // Someone else's status under alice's path, and garbage ids.
    assert_eq!(
        fetch(
            &app,
            &app.url(&format!(
                "/users/bob/statuses/{}",
                public["id"].as_str().expect("id")
            )),
            AP
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, &app.url("/users/alice/statuses/abc"), AP)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn collections_page_and_count() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&bob, &alice).await;
    let mut posted = Vec::new();
    for i in 0..25 {
        posted.push(
            app.post_status(&alice, &format!("post {i}"), json!({}))
                .await,
        );
    }
    app.post_status(&alice, "secret", json!({"visibility": "private"}))
        .await;
    let (status, outbox, _) = fetch(&app, &app.url("/users/alice/outbox"), AP).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 26);
    let (_, page1, _) = fetch(&app, outbox["first"].as_str().expect("first"), AP).await;
    assert_eq!(page1["type"], "OrderedCollectionPage");
    let items = page1["orderedItems"].as_array().expect("items");
    assert_eq!(items.len(), 20);
    assert_eq!(items[0]["type"], "Create");
    assert_eq!(
        items[0]["object"]["id"], posted[24]["uri"],
        "newest public first, the private post left out"
    );
    let (_, page2, _) = fetch(&app, page1["next"].as_str().expect("next"), AP).await;
    assert_eq!(page2["orderedItems"].as_array().expect("items").len(), 5);

    let (_, followers, _) = fetch(&app, &app.url("/users/alice/followers"), AP).await;
    assert_eq!(followers["totalItems"], 1);
    let (_, page, _) = fetch(&app, followers["first"].as_str().expect("first"), AP).await;
    assert_eq!(page["orderedItems"], json!([app.url("/users/bob")]));
    let (_, following, _) = fetch(&app, &app.url("/users/bob/following?page=true"), AP).await;
    assert_eq!(following["orderedItems"], json!([app.url("/users/alice")]));
    // Hidden collections show only their size.
    app.client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .json(&json!({"hide_collections": true}))
        .send()
        .await
        .expect("patch");
    let (_, hidden, _) = fetch(&app, &app.url("/users/alice/followers?page=true"), AP).await;
    assert_eq!(hidden["totalItems"], 1);
    assert!(
        hidden.get("orderedItems").is_none() && hidden.get("first").is_none(),
        "{hidden}"
    );

    // Featured: pinned notes.
    app.post(
        &format!(
            "/api/v1/statuses/{}/pin",
            posted[3]["id"].as_str().expect("id")
        ),
        Some(&alice.token),
        json!({}),
    )
    .await;
    let (_, featured, _) = fetch(&app, &app.url("/users/alice/collections/featured"), AP).await;
    assert_eq!(featured["totalItems"], 1);
    assert_eq!(featured["orderedItems"][0]["id"], posted[3]["uri"]);
}
