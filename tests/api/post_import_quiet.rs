//! Imported posts are old posts: they stay out of the public timelines (federated and local),
//! the hashtag timelines and their streams, where ten thousand of them would bury what is
//! being written now, and they stay where a reader looks for one person's history: the
//! profile, the account's statuses, the ActivityPub outbox and the note itself, with the old
//! address recorded.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::federation::eventually;
use crate::helpers::sse::EventStream;
use crate::post_import::{archive, create, imported, profile, spawn, AP, OLD};

/// Ids of the statuses a timeline lists.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|l| {
            l.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_posts_stay_out_of_public_and_hashtag_timelines_and_streams() {
    let (app, _dir) = spawn(|_| {}).await;
    let alice = app.register("alice").await;
    let viewer = app.register("viewer").await;
    let streams = [
        "/api/v1/streaming/public",
        "/api/v1/streaming/public/local",
        "/api/v1/streaming/hashtag?tag=oldnews",
        "/api/v1/streaming/hashtag/local?tag=oldnews",
    ];
    let mut open = Vec::new();
    for path in streams {
        open.push((
            path,
            EventStream::open(&app, path, Some(&viewer.token)).await,
        ));
    }

    let items: Vec<Value> = (1..=3)
        .map(|n| {
            create(
                n,
                &format!("2019-05-0{n}T12:00:00Z"),
                &format!("<p>old post {n} #oldnews</p>"),
                |note| {
                    note["tag"] = json!([{"type": "Hashtag", "name": "#oldnews",
                        "href": format!("{OLD}/tags/oldnews")}]);
                },
            )
        })
        .collect();
    let report = imported(&app, &app, &alice, archive(&items, &[])).await;
    assert_eq!(report["imported_rows"], 3, "{report}");
    let imported_ids = ids(&json!(profile(&app, &alice).await));
    assert_eq!(imported_ids.len(), 3);

    // A post written now takes every path an imported one stays off.
    let fresh = app
        .post_status(&alice, "written now #oldnews", json!({}))
        .await;
    let fresh_id = fresh["id"].as_str().expect("id").to_string();
    eventually(
        &app,
        &app,
        "the new post is in the public timeline",
        async || ids(&app.get("/api/v1/timelines/public", None).await.1).contains(&fresh_id),
    )
    .await;
    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?local=true",
        "/api/v1/timelines/tag/oldnews",
        "/api/v1/timelines/tag/oldnews?local=true",
    ] {
        for token in [None, Some(viewer.token.as_str())] {
            let (status, list) = app.get(path, token).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{path}: {list}");
            assert_eq!(
                ids(&list),
                std::slice::from_ref(&fresh_id),
                "{path}: {list}"
            );
        }
    }
    // Every stream's first post is the new one: the imported ones were never streamed.
    for (path, stream) in &mut open {
        let update = stream.expect_json("update").await;
        assert_eq!(update["id"], fresh_id.as_str(), "{path}: {update}");
        assert!(
            stream.next(Duration::from_millis(300)).await.is_none(),
            "{path}: more than the new post"
        );
    }

    // Where a reader looks for alice's history, everything is there: her statuses (as
    // anyone sees them), tagged ones among them, her outbox and each note.
    let (_, statuses) = app
        .get(&format!("/api/v1/accounts/{}/statuses", alice.id), None)
        .await;
    assert_eq!(ids(&statuses).len(), 4, "{statuses}");
    let (_, tagged) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses?tagged=oldnews", alice.id),
            None,
        )
        .await;
    assert_eq!(ids(&tagged).len(), 4, "{tagged}");
    let ap_get = async |url: &str| -> Value {
        app.client
            .get(url)
            .header("accept", AP)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    };
    let outbox = ap_get(&app.url("/users/alice/outbox")).await;
    assert_eq!(outbox["totalItems"], 4, "{outbox}");
    let page = ap_get(outbox["first"].as_str().expect("first page")).await;
    let listed = page.to_string();
    for status in statuses.as_array().expect("statuses") {
        let uri = status["uri"].as_str().expect("uri");
        assert!(listed.contains(uri), "{uri} not in {page}");
        if status["id"] == fresh_id.as_str() {
            continue;
        }
        let note = ap_get(uri).await;
        assert_eq!(note["url"], status["url"], "{note}");
        assert!(
            note["url"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{OLD}/@alice/"))),
            "{note}"
        );
        assert!(
            note["published"]
                .as_str()
                .is_some_and(|p| p.starts_with("2019-05-0")),
            "{note}"
        );
    }
}
