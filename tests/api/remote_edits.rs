//! Remote edits: what an edit does on the author's instance it does on every instance that
//! holds a copy (newly mentioned people are told and may see the
//! post, new hashtags reach tag timelines), across two real instances.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::{TestApp, TestUser};

/// The status with ActivityPub id `uri` in `who`'s home timeline on `app`.
async fn in_home(app: &TestApp, who: &TestUser, uri: &str) -> Option<Value> {
    let (_, home) = app.get("/api/v1/timelines/home", Some(&who.token)).await;
    home.as_array()?.iter().find(|s| s["uri"] == uri).cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_edit_that_mentions_someone_reaches_them() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = b.register("carol").await;
    let bob = b.register("bob").await;
    follow_remotely(&a, &b, &carol, &format!("alice@{}", a.addr)).await;

    let post = a
        .post_status(
            &alice,
            "for my followers",
            json!({ "visibility": "private" }),
        )
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let mut copy = None;
    eventually(&a, &b, "the post reaches carol", async || {
        copy = in_home(&b, &carol, &uri).await;
        copy.is_some()
    })
    .await;
    let copy_id = copy
        .and_then(|c| c["id"].as_str().map(str::to_string))
        .expect("id");
    let (status, _) = b
        .get(&format!("/api/v1/statuses/{copy_id}"), Some(&bob.token))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "bob neither follows nor is mentioned"
    );

    let id = post["id"].as_str().expect("id");
    a.edit_status(
        &alice,
        id,
        &format!("for my followers, and @bob@{}", b.addr),
    )
    .await;
    eventually(&a, &b, "bob may see the edited post", async || {
        b.get(&format!("/api/v1/statuses/{copy_id}"), Some(&bob.token))
            .await
            .0
            == StatusCode::OK
    })
    .await;
    let (_, notes) = b.get("/api/v1/notifications", Some(&bob.token)).await;
    let mention = notes
        .as_array()
        .and_then(|n| n.iter().find(|n| n["type"] == "mention"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(mention["status"]["id"], json!(copy_id), "{notes}");
    assert_eq!(
        mention["account"]["acct"],
        json!(format!("alice@{}", a.addr))
    );

    // Carol, mentioned from the start of neither version, is not told of a mention.
    let (_, notes) = b.get("/api/v1/notifications", Some(&carol.token)).await;
    assert!(
        notes
            .as_array()
            .is_some_and(|n| n.iter().all(|n| n["type"] != "mention")),
        "{notes}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashtags_added_by_a_remote_edit_reach_tag_timelines() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = b.register("carol").await;
    follow_remotely(&a, &b, &carol, &format!("alice@{}", a.addr)).await;

    let post = a.post_status(&alice, "hello #first", json!({})).await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    eventually(&a, &b, "the post reaches carol", async || {
        in_home(&b, &carol, &uri).await.is_some()
    })
    .await;
    let tagged = async |tag: &str| -> Vec<Value> {
        let (_, page) = b.get(&format!("/api/v1/timelines/tag/{tag}"), None).await;
        page.as_array().cloned().unwrap_or_default()
    };
    assert_eq!(tagged("first").await.len(), 1);

    a.edit_status(&alice, post["id"].as_str().expect("id"), "hello #second")
        .await;
    let mut found = Vec::new();
    eventually(&a, &b, "the new tag is followed", async || {
        found = tagged("second").await;
        !found.is_empty()
    })
    .await;
    assert_eq!(found[0]["uri"], json!(uri));
    assert!(tagged("first").await.is_empty(), "the old tag is gone");
    assert_eq!(found[0]["tags"][0]["name"], json!("second"));
}
