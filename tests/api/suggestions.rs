//! Finding people: endorsements (featured profiles, the relationship's `endorsed`), follow
//! suggestions from real signals with their exclusions and dismissals, and the profile
//! directory.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_shape, TestApp, TestUser};

fn usernames(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| a["username"].as_str().expect("username").to_string())
        .collect()
}

async fn post(app: &TestApp, who: &TestUser, path: &str) -> (StatusCode, Value) {
    app.post(path, Some(&who.token), json!({})).await
}

#[tokio::test]
async fn endorsements_need_a_follow_and_show_on_the_profile() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let erin = app.register("erin").await;

    // Not followed: refused with Mastodon's message, nothing stored.
    let (status, err) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/endorse", bob.id),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(
        err["error"],
        "Validation failed: You must be already following the person you want to endorse"
    );
    app.follow(&alice, &bob).await;
    app.follow(&alice, &carol).await;
    app.follow(&alice, &dave).await;
    let (status, rel) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/endorse", bob.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["endorsed"], true);
    assert_eq!(rel["id"], bob.id.as_str());
    // Idempotent; the older name works the same.
    let (status, _) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/endorse", bob.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, rel) = post(&app, &alice, &format!("/api/v1/accounts/{}/pin", carol.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rel["endorsed"], true);
    let (status, _) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/endorse", dave.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, rels) = app
        .get(
            &format!(
                "/api/v1/accounts/relationships?id[]={}&id[]={}",
                bob.id, erin.id
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(rels[0]["endorsed"], true);
    assert_eq!(rels[1]["endorsed"], false);

    // Newest first, paged by Link header.
    let (_, mine) = app.get("/api/v1/endorsements", Some(&alice.token)).await;
    assert_eq!(usernames(&mine), vec!["dave", "carol", "bob"]);
    let res = app
        .client
        .get(app.url("/api/v1/endorsements?limit=2"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("request");
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .expect("a Link header")
        .to_string();
    let page: Value = res.json().await.expect("json");
    assert_eq!(usernames(&page), vec!["dave", "carol"]);
    let next = link
        .split(", ")
        .find(|p| p.ends_with("rel=\"next\""))
        .and_then(|p| p.split_once(">; "))
        .map(|(url, _)| {
            url.trim_start_matches('<')
                .trim_start_matches(&app.base)
                .to_string()
        })
        .expect("next");
    let (_, rest) = app.get(&next, Some(&alice.token)).await;
    assert_eq!(usernames(&rest), vec!["bob"]);

    // Public on the profile; another's endorsements are theirs.
    let (status, theirs) = app
        .get(&format!("/api/v1/accounts/{}/endorsements", alice.id), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(usernames(&theirs), vec!["dave", "carol", "bob"]);
    let (_, bobs) = app.get("/api/v1/endorsements", Some(&bob.token)).await;
    assert_eq!(bobs, json!([]));
    let (status, _) = app.get("/api/v1/accounts/999999/endorsements", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Unendorsing, and unfollowing, end it.
    let (status, rel) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/unendorse", bob.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rel["endorsed"], false);
    let (status, _) = post(&app, &alice, &format!("/api/v1/accounts/{}/unpin", dave.id)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/unfollow", carol.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = app.get("/api/v1/endorsements", Some(&alice.token)).await;
    assert_eq!(mine, json!([]));

    // Unknown accounts, yourself, and scopes.
    let (status, _) = post(&app, &alice, "/api/v1/accounts/999999/endorse").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/endorse", alice.id),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = post(
        &app,
        &reader,
        &format!("/api/v1/accounts/{}/endorse", bob.id),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let writer = app.register_with_scopes("writer", "write:statuses").await;
    let (status, _) = app.get("/api/v1/endorsements", Some(&writer.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v1/endorsements", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn suggestions_come_from_real_signals_and_leave_out_the_excluded() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let friend = app.register("friend").await;
    let fof = app.register("fof").await;
    let popular = app.register("popular").await;
    let blocked = app.register("blocked").await;
    let muted = app.register("muted").await;
    let hidden = app.register("hidden").await;
    let boss = app.admin().await;
    let picked = app.register("picked").await;

    // friend follows fof: a friend of a friend for alice.
    app.follow(&alice, &friend).await;
    app.follow(&friend, &fof).await;
    // popular is followed by many locals.
    for who in [&friend, &fof, &blocked, &muted, &hidden] {
        app.follow(who, &popular).await;
    }
    // blocked and muted would be popular too.
    for who in [&friend, &fof, &popular] {
        app.follow(who, &blocked).await;
        app.follow(who, &muted).await;
        app.follow(who, &hidden).await;
    }
    // Staff feature picked.
    app.follow(&boss, &picked).await;
    let (status, body) = post(
        &app,
        &boss,
        &format!("/api/v1/accounts/{}/endorse", picked.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = post(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/block", blocked.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(&app, &alice, &format!("/api/v1/accounts/{}/mute", muted.id)).await;
    assert_eq!(status, StatusCode::OK);
    // hidden does not want to be discovered.
    let (status, body) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&hidden.token),
            Some(json!({ "discoverable": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, found) = app.get("/api/v2/suggestions", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_shape(
        &found[0],
        &[
            ("source", "string"),
            ("sources", "array"),
            ("account", "object"),
        ],
    );
    let accounts: Vec<String> = found
        .as_array()
        .expect("list")
        .iter()
        .map(|s| {
            s["account"]["username"]
                .as_str()
                .expect("username")
                .to_string()
        })
        .collect();
    // Staff picks first, then friends of friends, then the most followed.
    assert_eq!(accounts[0], "picked", "{found}");
    assert!(
        found[0]["sources"]
            .as_array()
            .expect("sources")
            .contains(&json!("featured")),
        "{found}"
    );
    assert_eq!(found[0]["source"], "staff");
    assert_eq!(accounts[1], "popular", "{found}");
    let sources = found[1]["sources"].as_array().expect("sources");
    assert!(sources.contains(&json!("friends_of_friends")), "{found}");
    assert!(sources.contains(&json!("most_followed")), "{found}");
    assert!(accounts.contains(&"fof".to_string()), "{accounts:?}");
    for never in ["alice", "friend", "blocked", "muted", "hidden"] {
        assert!(
            !accounts.contains(&never.to_string()),
            "{never} in {accounts:?}"
        );
    }
    // v1: the accounts alone; limit.
    let (status, v1) = app
        .get("/api/v1/suggestions?limit=2", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(usernames(&v1), vec!["picked", "popular"]);

    // Dismissed: never again. Unknown ids are fine too, as Mastodon answers.
    let (status, body) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/suggestions/{}", popular.id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({}));
    for unknown in ["999999", "nonsense"] {
        let (status, _) = app
            .request(
                Method::DELETE,
                &format!("/api/v1/suggestions/{unknown}"),
                Some(&alice.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, v1) = app.get("/api/v1/suggestions", Some(&alice.token)).await;
    assert!(!usernames(&v1).contains(&"popular".to_string()), "{v1}");
    // Following one takes it out.
    app.follow(&alice, &picked).await;
    let (_, v1) = app.get("/api/v1/suggestions", Some(&alice.token)).await;
    assert!(!usernames(&v1).contains(&"picked".to_string()), "{v1}");

    // Scopes and sign-in.
    let writer = app.register_with_scopes("writer", "write:statuses").await;
    let (status, _) = app.get("/api/v2/suggestions", Some(&writer.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v2/suggestions", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_directory_lists_discoverable_people_by_activity_or_age() {
    let app = TestApp::spawn().await;
    let old = app.register("old").await;
    let quiet = app.register("quiet").await;
    let hidden = app.register("hidden").await;
    let fresh = app.register("fresh").await;
    let (status, _) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&hidden.token),
            Some(json!({ "discoverable": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.post_status(&fresh, "first", json!({})).await;
    app.post_status(&old, "latest", json!({})).await;

    let (status, active) = app.get("/api/v1/directory", None).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    let names = usernames(&active);
    assert!(!names.contains(&"hidden".to_string()), "{names:?}");
    assert_eq!(&names[..2], &["old", "fresh"], "most recently active first");
    assert!(names.contains(&"quiet".to_string()));

    let (_, newest) = app
        .get("/api/v1/directory?order=new&local=true", None)
        .await;
    assert_eq!(usernames(&newest), vec!["fresh", "quiet", "old"]);
    let (_, page) = app
        .get("/api/v1/directory?order=new&offset=1&limit=1", None)
        .await;
    assert_eq!(usernames(&page), vec!["quiet"]);

    // A viewer does not see whom they block.
    let (status, _) = post(&app, &quiet, &format!("/api/v1/accounts/{}/block", old.id)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = app.get("/api/v1/directory", Some(&quiet.token)).await;
    assert!(!usernames(&seen).contains(&"old".to_string()));

    let (status, err) = app.get("/api/v1/directory?order=popular", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let writer = app.register_with_scopes("writer", "write:statuses").await;
    let (status, _) = app.get("/api/v1/directory", Some(&writer.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
