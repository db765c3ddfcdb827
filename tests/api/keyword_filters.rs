//! Keyword filters that hide apply wherever their context says, decided once in the service
//! layer: hashtag timelines (`public`), threads (`thread`) and account timelines (`account`),
//! as well as home and public.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

fn ids(page: &Value) -> Vec<String> {
    page.as_array()
        .map(|p| {
            p.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn hide_filters_apply_to_tags_threads_and_accounts() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let root = app
        .post_status(&alice, "a thread about #birds", json!({}))
        .await;
    let root_id = root["id"].as_str().expect("id").to_string();
    let spoiler = app
        .post_status(
            &alice,
            "the dragon dies #birds",
            json!({ "in_reply_to_id": root_id }),
        )
        .await;
    let kept = app
        .post_status(
            &alice,
            "a calm reply #birds",
            json!({ "in_reply_to_id": root_id }),
        )
        .await;
    let spoiler_id = spoiler["id"].as_str().expect("id").to_string();
    let kept_id = kept["id"].as_str().expect("id").to_string();

    let (status, filter) = app
        .post(
            "/api/v2/filters",
            Some(&bob.token),
            json!({ "title": "Spoilers", "context": ["public", "thread", "account"],
                    "filter_action": "hide", "keywords_attributes": [{ "keyword": "dragon" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filter}");

    let (_, tagged) = app
        .get("/api/v1/timelines/tag/birds", Some(&bob.token))
        .await;
    assert!(!ids(&tagged).contains(&spoiler_id), "{tagged}");
    assert!(ids(&tagged).contains(&kept_id));
    let (_, context) = app
        .get(
            &format!("/api/v1/statuses/{root_id}/context"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        ids(&context["descendants"]),
        vec![kept_id.clone()],
        "{context}"
    );
    let (_, statuses) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&bob.token),
        )
        .await;
    assert!(!ids(&statuses).contains(&spoiler_id), "{statuses}");
    assert!(ids(&statuses).contains(&kept_id));

    // Someone without the filter, and the author, see everything.
    let (_, tagged) = app.get("/api/v1/timelines/tag/birds", None).await;
    assert!(ids(&tagged).contains(&spoiler_id));
    let (_, context) = app
        .get(
            &format!("/api/v1/statuses/{root_id}/context"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(ids(&context["descendants"]).len(), 2);
}
