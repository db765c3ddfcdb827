//! Reports filed by local users: which statuses they may attach.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

/// Reporting a status one may not see answers exactly as reporting one that does not exist,
/// so reports cannot probe for direct or followers-only posts; nothing is stored.
#[tokio::test]
async fn reports_attach_only_statuses_the_reporter_can_see() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let secret = app
        .post_status(&bob, "@carol our secret", json!({ "visibility": "direct" }))
        .await;
    let private = app
        .post_status(&bob, "followers only", json!({ "visibility": "private" }))
        .await;
    let public = app.post_status(&bob, "hello world", json!({})).await;
    let app = &app;
    let report = |token: &str, status: &serde_json::Value| {
        let body = json!({ "account_id": bob.id, "status_ids": [status], "comment": "bad" });
        let token = token.to_string();
        async move { app.post("/api/v1/reports", Some(&token), body).await }
    };

    // A status id that never existed.
    let (status, not_found) = report(&alice.token, &json!("1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{not_found}");
    for hidden in [&secret["id"], &private["id"]] {
        let (status, body) = report(&alice.token, hidden).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}: {body}");
        assert_eq!(body, not_found, "indistinguishable from a missing status");
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM reports")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored");

    // What the reporter sees may be attached: a public post, or the direct message to carol.
    let (status, filed) = report(&alice.token, &public["id"]).await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(filed["status_ids"], json!([public["id"]]));
    let (status, filed) = report(&carol.token, &secret["id"]).await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(filed["status_ids"], json!([secret["id"]]));
}

/// People block, then report: the reporter's own block does not hide the statuses they
/// report. A block by the reported account does, as on Mastodon.
#[tokio::test]
async fn blocking_first_does_not_stop_a_report() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let abuse = app.post_status(&bob, "something abusive", json!({})).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, filed) = app
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({ "account_id": bob.id, "status_ids": [abuse["id"]], "comment": "abuse" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(filed["status_ids"], json!([abuse["id"]]));

    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", carol.id),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            "/api/v1/reports",
            Some(&carol.token),
            json!({ "account_id": bob.id, "status_ids": [abuse["id"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
