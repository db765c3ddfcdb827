//! Featured hashtags across instances, as Mastodon federates them: the actor names a
//! `featuredTags` collection of `Hashtag`s (served at `/users/:name/collections/tags`), and a
//! server storing a remote actor reads it, so `GET /api/v1/accounts/:id/featured_tags`
//! answers for remote accounts too; what a peer lists that is not a hashtag, or lives on
//! another origin, is not taken.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{eve, eventually, resolve};
use crate::helpers::TestApp;

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

async fn activity_json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .get(app.url(path))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn featured_tags_are_served_and_read_from_remote_actors() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    for name in ["photo", "Sketch"] {
        let (status, body) = a
            .post(
                "/api/v1/featured_tags",
                Some(&alice.token),
                json!({ "name": name }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // The actor names the collection, with its term in the context.
    let (status, actor) = activity_json(&a, "/users/alice").await;
    assert_eq!(status, StatusCode::OK);
    let collection_url = a.url("/users/alice/collections/tags");
    assert_eq!(actor["featuredTags"], collection_url.as_str(), "{actor}");
    assert!(
        actor["@context"].to_string().contains("toot:featuredTags"),
        "{}",
        actor["@context"]
    );
    let (status, collection) = activity_json(&a, "/users/alice/collections/tags").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(collection["id"], collection_url.as_str());
    assert_eq!(collection["type"], "Collection");
    assert_eq!(collection["totalItems"], 2);
    assert_eq!(
        collection["items"],
        json!([
            { "type": "Hashtag", "href": a.url("/@alice/tagged/photo"), "name": "#photo" },
            { "type": "Hashtag", "href": a.url("/@alice/tagged/sketch"), "name": "#Sketch" },
        ]),
        "{collection}"
    );
    let (status, _) = activity_json(&a, "/users/nobody/collections/tags").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // b stores alice when bob looks her up, and reads her featured tags.
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    let path = format!("/api/v1/accounts/{alice_on_b}/featured_tags");
    eventually(&a, &b, "alice's featured tags reach b", async || {
        let (_, tags) = b.get(&path, Some(&bob.token)).await;
        names(&tags) == ["photo", "Sketch"]
    })
    .await;
    let (_, tags) = b.get(&path, None).await;
    assert_eq!(
        tags[0]["url"],
        a.url("/@alice/tagged/photo").as_str(),
        "{tags}"
    );

    // She stops featuring one and features another: the next refresh of her actor follows.
    let (_, mine) = a.get("/api/v1/featured_tags", Some(&alice.token)).await;
    let sketch = mine[1]["id"].as_str().expect("id").to_string();
    let (status, _) = a
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/featured_tags/{sketch}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = a
        .post("/api/v1/tags/cats/feature", Some(&alice.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    rookery::service::remote::fetch_actor(&b.state, &a.url("/users/alice"))
        .await
        .expect("refresh alice");
    eventually(
        &a,
        &b,
        "the refresh replaces the featured tags",
        async || {
            let (_, tags) = b.get(&path, None).await;
            names(&tags) == ["photo", "cats"]
        },
    )
    .await;
}

#[tokio::test]
async fn what_a_peer_lists_that_is_no_hashtag_of_its_own_is_not_featured() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    let (stub, host, _) = eve(|doc| {
        let id = doc["id"].as_str().expect("id").to_string();
        doc["featuredTags"] = json!(format!("{id}/collections/tags"));
    })
    .await;
    // Paged as some servers page it: the first page embedded, then a next page by id; among
    // its entries a mention, a name that is no hashtag, a duplicate, and eleven good names
    // (ten are taken).
    let base = format!("http://{host}/users/eve/collections/tags");
    let mut first: Vec<Value> = vec![
        json!({ "type": "Mention", "name": "#mention", "href": "http://x.example" }),
        json!({ "type": "Hashtag", "name": "#not a tag" }),
        json!({ "type": "Hashtag", "name": "#One" }),
        json!({ "type": "Hashtag", "name": "one" }),
    ];
    for n in 2..=6 {
        first.push(json!({ "type": "Hashtag", "name": format!("#t{n}") }));
    }
    stub.serve(
        "/users/eve/collections/tags",
        json!({ "id": base, "type": "OrderedCollection", "first": {
            "type": "OrderedCollectionPage",
            "orderedItems": first,
            "next": format!("{base}/2"),
        }}),
    );
    let second: Vec<Value> = (7..=12)
        .map(|n| json!({ "type": "Hashtag", "name": format!("#t{n}") }))
        .collect();
    stub.serve(
        "/users/eve/collections/tags/2",
        json!({ "id": format!("{base}/2"), "type": "OrderedCollectionPage", "orderedItems": second }),
    );
    let eve_id = resolve(&app, &bob, &format!("eve@{host}")).await;
    app.drain_jobs().await;
    let (status, tags) = app
        .get(&format!("/api/v1/accounts/{eve_id}/featured_tags"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{tags}");
    let mut expected = vec!["One".to_string()];
    expected.extend((2..=10).map(|n| format!("t{n}")));
    assert_eq!(names(&tags), expected);

    // A collection on another origin is not hers to name: nothing is fetched from it, and
    // what she featured stays.
    let (other, other_host) = crate::helpers::federation::StubHost::start().await;
    other.serve(
        "/tags",
        json!({ "id": format!("http://{other_host}/tags"), "type": "Collection",
                "items": [{ "type": "Hashtag", "name": "#foreign" }] }),
    );
    let actor_url = format!("http://{host}/users/eve");
    let mut moved: Value = reqwest::get(&actor_url)
        .await
        .expect("get eve")
        .json()
        .await
        .expect("eve's document");
    moved["featuredTags"] = json!(format!("http://{other_host}/tags"));
    stub.serve("/users/eve", moved);
    rookery::service::remote::fetch_actor(&app.state, &actor_url)
        .await
        .expect("refresh eve");
    app.drain_jobs().await;
    assert!(other.hits().is_empty(), "{:?}", other.hits());
    let (_, tags) = app
        .get(&format!("/api/v1/accounts/{eve_id}/featured_tags"), None)
        .await;
    assert_eq!(names(&tags), expected);
}
