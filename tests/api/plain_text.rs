//! Names, field names, content warnings and poll options are plain text: a `&` or a `<` typed
//! on one instance reaches the other instance's clients as typed, never as `&amp;`, and the
//! public profile escapes it exactly once. (Tags in names from peers are dropped: see
//! `search::hostile_actor_documents`.)

use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::TestApp;

const NAME: &str = "Tom & Jerry <3";
const FIELD: &str = "Q&A, 1 < 2";
const CW: &str = "cw & a < b";
const OPTION: &str = "yes & no";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_text_crosses_instances_as_typed() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let res = a
        .client
        .patch(a.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .json(&json!({"display_name": NAME, "fields_attributes": [{"name": FIELD, "value": "x & y"}]}))
        .send()
        .await
        .expect("patch");
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["display_name"], NAME, "{me}");
    assert_eq!(me["fields"][0]["name"], FIELD, "{me}");
    assert_eq!(me["source"]["fields"][0]["name"], FIELD, "{me}");
    assert_eq!(me["source"]["fields"][0]["value"], "x & y", "{me}");

    let actor: Value = a
        .client
        .get(a.url("/users/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert_eq!(actor["name"], NAME, "{actor}");
    assert_eq!(actor["attachment"][0]["name"], FIELD, "{actor}");

    let id = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let (_, there) = b
        .get(&format!("/api/v1/accounts/{id}"), Some(&bob.token))
        .await;
    assert_eq!(there["display_name"], NAME, "{there}");
    assert_eq!(there["fields"][0]["name"], FIELD, "{there}");

    let post = a
        .post_status(
            &alice,
            "a question",
            json!({"spoiler_text": CW, "poll": {"options": [OPTION, "maybe"], "expires_in": 3600}}),
        )
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let mut copy = Value::Null;
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        copy = home
            .as_array()
            .and_then(|h| h.iter().find(|s| s["uri"] == uri.as_str()).cloned())
            .unwrap_or_default();
        !copy.is_null()
    })
    .await;
    assert_eq!(copy["spoiler_text"], CW, "{copy}");
    assert_eq!(copy["poll"]["options"][0]["title"], OPTION, "{copy}");
    assert_eq!(copy["account"]["display_name"], NAME, "{copy}");

    // The public profile page escapes the plain text once.
    let page = a
        .client
        .get(a.url("/@alice"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Tom &amp; Jerry &lt;3"), "{page}");
    assert!(page.contains("Q&amp;A, 1 &lt; 2"), "{page}");
    assert!(!page.contains("&amp;amp;"), "{page}");
}
