//! Activities from peers as they really spell them, dispatched on their type: a boost
//! addressed to the compacted `as:Public` is public, and a type Rookery does not act on is
//! counted and left alone.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{eve, post_signed};
use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_boost_to_the_compacted_public_is_public() {
    let a = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = a.register("bob").await;
    let post = a.post_status(&alice, "boost me", json!({})).await;
    let (_stub, host, eve_signs) = eve(|_| {}).await;
    let eve_uri = format!("http://{host}/users/eve");
    for (n, public) in ["as:Public", "Public"].into_iter().enumerate() {
        let announce = json!({
            "id": format!("{eve_uri}/announces/{n}"),
            "type": "Announce",
            "actor": eve_uri,
            "published": "2026-12-03T08:00:00Z",
            "to": public,
            "cc": format!("{eve_uri}/followers"),
            "object": post["uri"],
        });
        assert_eq!(
            post_signed(&a, &eve_signs, &announce).await,
            StatusCode::ACCEPTED
        );
    }
    a.drain_jobs().await;
    let (_, found) = a
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=accounts",
                crate::helpers::urlencode(&eve_uri)
            ),
            Some(&bob.token),
        )
        .await;
    let eve_id = found["accounts"][0]["id"]
        .as_str()
        .expect("eve")
        .to_string();
    // Anonymous readers see only public statuses of an account.
    let (status, statuses) = a
        .get(&format!("/api/v1/accounts/{eve_id}/statuses"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let boosts: Vec<&Value> = statuses
        .as_array()
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    assert!(!boosts.is_empty(), "{statuses}");
    for boost in boosts {
        assert_eq!(boost["visibility"], "public", "{boost}");
        assert_eq!(boost["reblog"]["uri"], post["uri"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_not_acted_on_are_counted() {
    let a = TestApp::spawn().await;
    a.register("alice").await;
    let (_stub, host, eve_signs) = eve(|_| {}).await;
    let eve_uri = format!("http://{host}/users/eve");
    for (n, kind) in ["Listen", "Listen", "SomethingNew"].into_iter().enumerate() {
        let activity = json!({
            "id": format!("{eve_uri}/activities/{n}"),
            "type": kind,
            "actor": eve_uri,
            "object": a.url("/users/alice"),
        });
        assert_eq!(
            post_signed(&a, &eve_signs, &activity).await,
            StatusCode::ACCEPTED
        );
    }
    a.drain_jobs().await;
    assert_eq!(a.state.metrics.activities_unhandled("Listen"), 2);
    assert_eq!(a.state.metrics.activities_unhandled("other"), 1);
    assert_eq!(a.state.metrics.activities_unhandled("SomethingNew"), 0);
}
