//! CSV exports (`/api/v1/exports/*.csv`) in Mastodon's formats, byte for byte, with their
//! headers and scopes, and `GET /api/v1/exports/stats`. Re-importing them on another instance
//! is in imports.rs.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestUser};

/// An export as served: status, Content-Type, Content-Disposition and body.
pub async fn export(
    app: &TestApp,
    token: Option<&str>,
    file: &str,
) -> (StatusCode, String, String, String) {
    let mut req = app.client.get(app.url(&format!("/api/v1/exports/{file}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = res.status();
    (
        status,
        content_type,
        disposition,
        res.text().await.expect("body"),
    )
}

/// The body of an export that must succeed.
pub async fn csv(app: &TestApp, user: &TestUser, file: &str) -> String {
    let (status, content_type, disposition, body) = export(app, Some(&user.token), file).await;
    assert_eq!(status, StatusCode::OK, "{file}: {body}");
    assert_eq!(content_type, "text/csv; charset=utf-8", "{file}");
    assert_eq!(disposition, format!("attachment; filename=\"{file}\""));
    body
}

async fn ok(app: &TestApp, user: &TestUser, path: &str, body: Value) -> Value {
    let (status, res) = app.post(path, Some(&user.token), body).await;
    assert_eq!(status, StatusCode::OK, "{path}: {res}");
    res
}

#[tokio::test]
async fn every_export_is_in_mastodons_format() {
    let app = TestApp::spawn().await;
    let d = app.addr.to_string();
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let eve = app.register("eve").await;
    let frank = app.register("frank").await;

    // Nothing yet: the headers alone, or nothing at all where Mastodon writes no header.
    assert_eq!(
        csv(&app, &alice, "following.csv").await,
        "Account address,Show boosts,Notify on new posts,Languages\n"
    );
    assert_eq!(csv(&app, &alice, "blocks.csv").await, "");
    assert_eq!(csv(&app, &alice, "lists.csv").await, "");

    let bob_post = app.post_status(&bob, "worth keeping", json!({})).await;
    ok(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        json!({ "reblogs": false, "notify": true, "languages": ["en", "de"] }),
    )
    .await;
    ok(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/follow", carol.id),
        json!({}),
    )
    .await;
    ok(
        &app,
        &dave,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        json!({}),
    )
    .await;
    ok(
        &app,
        &bob,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        json!({}),
    )
    .await;
    let list = ok(
        &app,
        &alice,
        "/api/v1/lists",
        json!({ "title": "Close, dear friends" }),
    )
    .await;
    ok(
        &app,
        &alice,
        &format!(
            "/api/v1/lists/{}/accounts",
            list["id"].as_str().expect("id")
        ),
        json!({ "account_ids": [bob.id, carol.id] }),
    )
    .await;
    ok(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/block", eve.id),
        json!({}),
    )
    .await;
    ok(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/mute", frank.id),
        json!({ "notifications": false }),
    )
    .await;
    ok(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/mute", dave.id),
        json!({}),
    )
    .await;
    ok(
        &app,
        &alice,
        "/api/v1/domain_blocks",
        json!({ "domain": "spam.example" }),
    )
    .await;
    ok(
        &app,
        &alice,
        &format!(
            "/api/v1/statuses/{}/bookmark",
            bob_post["id"].as_str().expect("id")
        ),
        json!({}),
    )
    .await;

    // Newest first, local accounts with this server's domain, languages quoted as one field.
    assert_eq!(
        csv(&app, &alice, "following.csv").await,
        format!(
            "Account address,Show boosts,Notify on new posts,Languages\n\
             carol@{d},true,false,\n\
             bob@{d},false,true,\"en, de\"\n"
        )
    );
    assert_eq!(
        csv(&app, &alice, "followers.csv").await,
        format!("Account address\nbob@{d}\ndave@{d}\n")
    );
    assert_eq!(
        csv(&app, &alice, "lists.csv").await,
        format!("\"Close, dear friends\",bob@{d}\n\"Close, dear friends\",carol@{d}\n")
    );
    assert_eq!(csv(&app, &alice, "blocks.csv").await, format!("eve@{d}\n"));
    assert_eq!(
        csv(&app, &alice, "mutes.csv").await,
        format!("Account address,Hide notifications\ndave@{d},true\nfrank@{d},false\n")
    );
    assert_eq!(
        csv(&app, &alice, "domain_blocks.csv").await,
        "spam.example\n"
    );
    assert_eq!(
        csv(&app, &alice, "bookmarks.csv").await,
        format!("{}\n", bob_post["uri"].as_str().expect("uri"))
    );
    // Each account's own: bob's export says nothing of alice's.
    assert_eq!(csv(&app, &bob, "blocks.csv").await, "");
    assert_eq!(
        csv(&app, &bob, "following.csv").await,
        format!(
            "Account address,Show boosts,Notify on new posts,Languages\nalice@{d},true,false,\n"
        )
    );

    let (status, stats) = app.get("/api/v1/exports/stats", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(
        stats,
        json!({
            "media_storage": "0B",
            "followers_count": 2,
            "following_count": 2,
            "statuses_count": 0,
            "lists_count": 1,
            "blocks_count": 1,
            "mutes_count": 2,
            "domain_blocks_count": 1,
            "bookmarks_count": 1,
        })
    );
}

#[tokio::test]
async fn exports_need_a_token_with_the_right_scope() {
    let app = TestApp::spawn().await;
    let (status, _, _, _) = export(&app, None, "following.csv").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/v1/exports/stats", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let reader = app.register_with_scopes("reader", "read:accounts").await;
    let (status, _) = app.get("/api/v1/exports/stats", Some(&reader.token)).await;
    assert_eq!(status, StatusCode::OK);
    for file in [
        "following.csv",
        "followers.csv",
        "lists.csv",
        "blocks.csv",
        "mutes.csv",
        "domain_blocks.csv",
        "bookmarks.csv",
    ] {
        let (status, _, _, body) = export(&app, Some(&reader.token), file).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{file}: {body}");
    }
    let follows = app.register_with_scopes("follows", "read:follows").await;
    let (status, _, _, _) = export(&app, Some(&follows.token), "following.csv").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get("/api/v1/exports/stats", Some(&follows.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _, _) = export(&app, None, "nothing.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
