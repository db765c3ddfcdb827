//! Attachments through edits: `media_ids` and `media_attributes[]` on PUT /api/v1/statuses,
//! the attachments of each version in /history, and the same arriving as `Update(Note)` on
//! another instance.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::media::{jpeg, spawn_media, upload};
use crate::helpers::TestApp;

fn descriptions(version: &Value) -> Vec<String> {
    version["media_attachments"]
        .as_array()
        .expect("media_attachments")
        .iter()
        .map(|m| m["description"].as_str().unwrap_or("").to_string())
        .collect()
}

fn remote_urls(version: &Value) -> Vec<Value> {
    version["media_attachments"]
        .as_array()
        .expect("media_attachments")
        .iter()
        .map(|m| m["remote_url"].clone())
        .collect()
}

async fn history(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let (status, h) = app
        .get(&format!("/api/v1/statuses/{id}/history"), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    h.as_array().expect("list").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_change_attachments_and_history_shows_each_version() {
    let (a, _da) = spawn_media(|_| {}).await;
    let (b, _db) = spawn_media(|_| {}).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let _ = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;

    let (_, m1) = upload(&a, &alice, jpeg(300, 200), &[("description", "first")]).await;
    let (_, m2) = upload(&a, &alice, jpeg(200, 300), &[("description", "second")]).await;
    let post = a
        .post_status(&alice, "v0", json!({ "media_ids": [m1["id"]] }))
        .await;
    let id = post["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/statuses/{id}");
    // Each version reaches B before the next is made (see v1 below): an Update that overtakes
    // the Create makes B fetch the note as it is by then, and B's copy starts a version late.
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array()
            .is_some_and(|l| l.iter().any(|s| s["uri"] == post["uri"]))
    })
    .await;

    // A description over the limit in media_attributes: 422, nothing changes.
    let (status, body) = a
        .request(
            Method::PUT,
            &path,
            Some(&alice.token),
            Some(json!({
                "status": "never",
                "media_ids": [m1["id"]],
                "media_attributes": [{ "id": m1["id"], "description": "x".repeat(1501) }],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].is_string());
    let (status, body) = a
        .request(
            Method::PUT,
            &path,
            Some(&alice.token),
            Some(json!({
                "status": "never",
                "media_ids": [m1["id"]],
                "media_attributes": [{ "id": m1["id"], "focus": "2,0" }],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(history(&a, &id, &alice.token).await.len(), 1);

    // v1: a second attachment, and a new description of the first (as a form, the way
    // Rails-minded clients send it).
    let res = a
        .client
        .put(a.url(&path))
        .bearer_auth(&alice.token)
        .form(&[
            ("status", "v1"),
            ("media_ids[]", m1["id"].as_str().expect("id")),
            ("media_ids[]", m2["id"].as_str().expect("id")),
            ("media_attributes[][id]", m1["id"].as_str().expect("id")),
            ("media_attributes[][description]", "first, better"),
            ("media_attributes[][focus]", "0.5,-0.5"),
        ])
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), StatusCode::OK);
    let v1: Value = res.json().await.expect("json");
    assert_eq!(descriptions(&v1), ["first, better", "second"]);
    assert_eq!(
        v1["media_attachments"][0]["meta"]["focus"],
        json!({ "x": 0.5, "y": -0.5 })
    );

    // v1 reaches B before v2 is made: two Updates of one note may arrive out of order on a
    // loaded machine (a retried delivery or inbox job), and then B rightly drops the older one
    // as stale, leaving its copy a version short of what this test counts.
    eventually(&a, &b, "the first edit reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array().is_some_and(|l| {
            l.iter().any(|s| {
                s["uri"] == post["uri"] && s["content"].as_str().is_some_and(|c| c.contains("v1"))
            })
        })
    })
    .await;

    // v2: only the second.
    let (status, v2) = a
        .request(
            Method::PUT,
            &path,
            Some(&alice.token),
            Some(json!({ "status": "v2", "media_ids": [m2["id"]] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v2}");
    assert_eq!(descriptions(&v2), ["second"]);

    let h = history(&a, &id, &alice.token).await;
    assert_eq!(h.len(), 3);
    assert_eq!(descriptions(&h[0]), ["first"]);
    assert_eq!(descriptions(&h[1]), ["first, better", "second"]);
    assert_eq!(descriptions(&h[2]), ["second"]);
    assert_eq!(h[0]["media_attachments"][0]["id"], m1["id"]);
    assert_eq!(h[0]["media_attachments"][0]["url"], m1["url"]);
    // The dropped attachment is still served for the history, and is nobody's to reuse.
    let (status, _) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "again", "media_ids": [m1["id"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // B received each Update(Note): its copy changed attachments, its history matches.
    let mut copy_id = String::new();
    eventually(&a, &b, "the last edit reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        match home
            .as_array()
            .and_then(|l| l.iter().find(|s| s["uri"] == post["uri"]))
        {
            Some(s) if s["content"].as_str().is_some_and(|c| c.contains("v2")) => {
                copy_id = s["id"].as_str().expect("id").to_string();
                true
            }
            _ => false,
        }
    })
    .await;
    let (_, copy) = b
        .get(&format!("/api/v1/statuses/{copy_id}"), Some(&bob.token))
        .await;
    assert_eq!(descriptions(&copy), ["second"]);
    assert_eq!(remote_urls(&copy), [m2["url"].clone()]);
    let h = history(&b, &copy_id, &bob.token).await;
    assert_eq!(h.len(), 3, "{h:?}");
    assert_eq!(descriptions(&h[0]), ["first"]);
    assert_eq!(remote_urls(&h[0]), [m1["url"].clone()]);
    assert_eq!(descriptions(&h[1]), ["first, better", "second"]);
    assert_eq!(
        h[1]["media_attachments"][0]["meta"]["focus"],
        json!({ "x": 0.5, "y": -0.5 })
    );
    assert_eq!(remote_urls(&h[1]), [m1["url"].clone(), m2["url"].clone()]);
    assert_eq!(descriptions(&h[2]), ["second"]);
    // The attachment known from v1 is the same one in v2 (matched by URL, not duplicated).
    assert_eq!(
        h[1]["media_attachments"][1]["id"],
        h[2]["media_attachments"][0]["id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_whose_edit_dropped_every_attachment_is_not_media_only() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let (_, m) = upload(&app, &alice, jpeg(100, 100), &[]).await;
    let post = app
        .post_status(&alice, "with", json!({ "media_ids": [m["id"]] }))
        .await;
    let only_media = format!("/api/v1/accounts/{}/statuses?only_media=true", alice.id);
    assert_eq!(
        app.ids(&only_media, None).await,
        [post["id"].as_str().expect("id")]
    );
    let (status, edited) = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{}", post["id"].as_str().expect("id")),
            Some(&alice.token),
            Some(json!({ "status": "without", "media_ids": [] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["media_attachments"], json!([]));
    assert!(app.ids(&only_media, None).await.is_empty());
    let h = history(&app, post["id"].as_str().expect("id"), &alice.token).await;
    assert_eq!(h[0]["media_attachments"][0]["id"], m["id"]);
    assert_eq!(h[1]["media_attachments"], json!([]));
}
