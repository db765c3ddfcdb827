//! Smaller parts of the client API: deleting an unattached upload, statuses in v2 filters,
//! `/oauth/userinfo`, and values that used to be fixed (a relationship's `domain_blocking`,
//! `source.follow_requests_count`, the `reading:*` preferences, the API level).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{relationship, resolve};
use crate::helpers::media::{jpeg, spawn_media, upload_ok};
use crate::helpers::TestApp;

#[tokio::test]
async fn unattached_uploads_can_be_deleted_and_attached_ones_not() {
    let (app, _dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let loose = upload_ok(&app, &alice, jpeg(8, 8)).await;
    let used = upload_ok(&app, &alice, jpeg(9, 9)).await;
    app.post_status(
        &alice,
        "with a picture",
        json!({ "media_ids": [used["id"]] }),
    )
    .await;
    let delete = async |token: &str, id: &str| {
        app.request(
            Method::DELETE,
            &format!("/api/v1/media/{id}"),
            Some(token),
            None,
        )
        .await
    };
    let loose_id = loose["id"].as_str().expect("id");
    let (status, _) = delete(&bob.token, loose_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not bob's");
    let (status, body) = delete(&alice.token, used["id"].as_str().expect("id")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].is_string());
    let (status, _) = delete(&alice.token, "nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = delete(&reader.token, loose_id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) = delete(&alice.token, loose_id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
    let (status, _) = app
        .get(&format!("/api/v1/media/{loose_id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "gone");
    let (status, _) = app
        .get(
            &format!("/api/v1/media/{}", used["id"].as_str().expect("id")),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the attached one stays");
}

#[tokio::test]
async fn filters_name_statuses_and_match_them() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let post = app.post_status(&bob, "an ordinary post", json!({})).await;
    let post_id = post["id"].as_str().expect("id").to_string();
    let hidden = app
        .post_status(&bob, "for bob's eyes", json!({ "visibility": "direct" }))
        .await;
    let (status, filter) = app
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({ "title": "this one", "context": ["home", "public"], "filter_action": "warn" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filter}");
    let filter_id = filter["id"].as_str().expect("id").to_string();
    let path = format!("/api/v2/filters/{filter_id}/statuses");

    // Bad inputs: nothing, a status alice may not see, someone else's filter.
    for (body, expected) in [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "status_id": hidden["id"] }), StatusCode::NOT_FOUND),
        (json!({ "status_id": "123" }), StatusCode::NOT_FOUND),
    ] {
        let (status, res) = app.post(&path, Some(&alice.token), body).await;
        assert_eq!(status, expected, "{res}");
    }
    let (status, _) = app
        .post(&path, Some(&bob.token), json!({ "status_id": post_id }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not bob's filter");

    let (status, added) = app
        .post(&path, Some(&alice.token), json!({ "status_id": post_id }))
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["status_id"], post_id.as_str());
    let (status, again) = app
        .post(&path, Some(&alice.token), json!({ "status_id": post_id }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    let (_, list) = app.get(&path, Some(&alice.token)).await;
    assert_eq!(list, json!([added.clone()]));
    let fs_id = added["id"].as_str().expect("id").to_string();
    let (status, one) = app
        .get(
            &format!("/api/v2/filters/statuses/{fs_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one, added);
    let (status, _) = app
        .get(
            &format!("/api/v2/filters/statuses/{fs_id}"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, f) = app
        .get(&format!("/api/v2/filters/{filter_id}"), Some(&alice.token))
        .await;
    assert_eq!(f["statuses"], json!([added.clone()]));

    // The status now carries the filter, with the status matched.
    let (_, seen) = app
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&alice.token))
        .await;
    assert_eq!(seen["filtered"][0]["filter"]["id"], filter_id.as_str());
    assert_eq!(
        seen["filtered"][0]["status_matches"],
        json!([post_id.clone()])
    );

    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v2/filters/statuses/{fs_id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = app
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&alice.token))
        .await;
    assert_eq!(seen["filtered"], json!([]));
    let (status, _) = app
        .get(
            &format!("/api/v2/filters/statuses/{fs_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn userinfo_gives_the_claims_of_profile_tokens() {
    let app = TestApp::spawn().await;
    let alice = app.register_with_scopes("alice", "profile").await;
    let (status, info) = app.get("/oauth/userinfo", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["iss"], format!("{}/", app.base));
    assert_eq!(info["sub"], format!("{}/users/alice", app.base));
    assert_eq!(info["preferred_username"], "alice");
    assert_eq!(info["profile"], format!("{}/@alice", app.base));
    assert!(info["picture"]
        .as_str()
        .expect("picture")
        .starts_with("http"));
    assert!(info["name"].is_string());
    let (status, again) = app
        .post("/oauth/userinfo", Some(&alice.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, info);
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = app.get("/oauth/userinfo", Some(&reader.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/oauth/userinfo", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, meta) = app
        .get("/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(
        meta["userinfo_endpoint"],
        format!("{}/oauth/userinfo", app.base)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relationships_know_domain_blocks() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let local = a.register("local").await;
    b.register("bob").await;
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr)).await;
    assert_eq!(
        relationship(&a, &alice, &bob_on_a).await["domain_blocking"],
        false
    );
    let (status, _) = a
        .post(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            json!({ "domain": b.addr.to_string() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        relationship(&a, &alice, &bob_on_a).await["domain_blocking"],
        true
    );
    assert_eq!(
        relationship(&a, &alice, &local.id).await["domain_blocking"],
        false
    );
    let (status, _) = a
        .request(
            Method::DELETE,
            "/api/v1/domain_blocks",
            Some(&alice.token),
            Some(json!({ "domain": b.addr.to_string() })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        relationship(&a, &alice, &bob_on_a).await["domain_blocking"],
        false
    );
}

#[tokio::test]
async fn credentials_count_waiting_follow_requests() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let count = async || -> Value {
        let (status, me) = app
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        assert_eq!(status, StatusCode::OK);
        me["source"]["follow_requests_count"].clone()
    };
    assert_eq!(count().await, 0);
    let (status, _) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({ "locked": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for who in [&bob, &carol] {
        app.post(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&who.token),
            json!({}),
        )
        .await;
    }
    assert_eq!(count().await, 2);
    app.post(
        &format!("/api/v1/follow_requests/{}/authorize", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    assert_eq!(count().await, 1);
    let (_, updated) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({ "note": "hi" })),
        )
        .await;
    assert_eq!(updated["source"]["follow_requests_count"], 1);
}

#[tokio::test]
async fn reading_preferences_are_the_stored_ones() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (status, prefs) = app.get("/api/v1/preferences", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(prefs["reading:expand:media"], "default");
    assert_eq!(prefs["reading:expand:spoilers"], false);
    assert_eq!(prefs["reading:autoplay:gifs"], false);
    let id: i64 = alice.id.parse().expect("id");
    sqlx::query(
        "UPDATE users SET reading_expand_media = 'show_all', reading_expand_spoilers = TRUE, \
         reading_autoplay_gifs = TRUE WHERE account_id = $1",
    )
    .bind(id)
    .execute(&app.state.db)
    .await
    .expect("store preferences");
    let (_, prefs) = app.get("/api/v1/preferences", Some(&alice.token)).await;
    assert_eq!(prefs["reading:expand:media"], "show_all");
    assert_eq!(prefs["reading:expand:spoilers"], true);
    assert_eq!(prefs["reading:autoplay:gifs"], true);
}

#[tokio::test]
async fn the_api_level_matches_the_version_reported() {
    let app = TestApp::spawn().await;
    let (_, v2) = app.get("/api/v2/instance", None).await;
    let (_, v1) = app.get("/api/v1/instance", None).await;
    // Mastodon 4.5 is API level 7, the level from which clients offer quoting; what levels
    // 3 to 7 add is checked in `api_levels`, what 1 and 2 added below.
    assert!(v2["version"]
        .as_str()
        .expect("version")
        .starts_with("4.5.0 "));
    assert_eq!(v2["api_versions"]["mastodon"], 7);
    assert_eq!(v1["version"], v2["version"]);
    let alice = app.register("alice").await;
    for path in ["/api/v2/notifications", "/api/v2/notifications/policy"] {
        let (status, _) = app.get(path, Some(&alice.token)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}
