//! Trends: hashtags and statuses trend from real activity (three people using a new tag within
//! the hour, boosts and favourites), what may not trend stays out, and moderators' review
//! (rejecting; approving first where review is required).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_shape, TestApp, TestUser};

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_string())
        .collect()
}

async fn trending_tags(app: &TestApp) -> Vec<String> {
    let (status, body) = app.get("/api/v1/trends/tags", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    names(&body)
}

async fn trending_statuses(app: &TestApp) -> Vec<String> {
    let (status, body) = app.get("/api/v1/trends/statuses", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ids(&body)
}

async fn react(app: &TestApp, who: &TestUser, status: &str, action: &str) {
    let (code, body) = app
        .post(
            &format!("/api/v1/statuses/{status}/{action}"),
            Some(&who.token),
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

/// Five people: three to make a tag trend, two more to react.
async fn people(app: &TestApp) -> Vec<TestUser> {
    let mut out = Vec::new();
    for name in ["ann", "ben", "cat", "dan", "eve"] {
        out.push(app.register(name).await);
    }
    out
}

#[tokio::test]
async fn tags_and_statuses_trend_from_real_activity() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    assert!(trending_tags(&app).await.is_empty());

    // Three people use a new tag: it trends. Two people, or private and sensitive posts,
    // are not enough.
    for who in &p[..3] {
        app.post_status(who, "look at #Eclipse2026", json!({}))
            .await;
    }
    for who in &p[..2] {
        app.post_status(who, "#pairs only", json!({})).await;
    }
    app.post_status(
        &p[2],
        "#pairs in private",
        json!({ "visibility": "private" }),
    )
    .await;
    for who in &p[..2] {
        app.post_status(who, "#spoilers", json!({})).await;
    }
    app.post_status(&p[2], "#spoilers hidden", json!({ "sensitive": true }))
        .await;
    let tags = trending_tags(&app).await;
    assert_eq!(tags, vec!["Eclipse2026"]);
    let (_, body) = app.get("/api/v1/trends/tags", None).await;
    assert_shape(
        &body[0],
        &[
            ("id", "string"),
            ("name", "string"),
            ("url", "string"),
            ("history", "array"),
        ],
    );
    assert_eq!(body[0]["history"][0]["accounts"], "3");
    // The older name answers the same; a signed-in reader sees `following`.
    let (_, alias) = app.get("/api/v1/trends", Some(&p[0].token)).await;
    assert_eq!(names(&alias), vec!["Eclipse2026"]);
    assert_eq!(alias[0]["following"], false);
    // A fourth person on a second tag: the more unusual one ranks first.
    for who in &p {
        app.post_status(who, "#bigger news", json!({})).await;
    }
    assert_eq!(trending_tags(&app).await, vec!["bigger", "Eclipse2026"]);
    let (_, limited) = app.get("/api/v1/trends/tags?limit=1&offset=1", None).await;
    assert_eq!(names(&limited), vec!["Eclipse2026"]);

    // A status with boosts and favourites from three people trends; one with fewer, or a
    // reply, does not.
    let hot = app.post_status(&p[0], "hot take", json!({})).await;
    let hot = hot["id"].as_str().expect("id").to_string();
    let mild = app.post_status(&p[1], "mild take", json!({})).await;
    let mild = mild["id"].as_str().expect("id").to_string();
    react(&app, &p[1], &hot, "favourite").await;
    react(&app, &p[2], &hot, "favourite").await;
    react(&app, &p[3], &hot, "reblog").await;
    react(&app, &p[0], &mild, "favourite").await;
    react(&app, &p[2], &mild, "favourite").await;
    let trending = trending_statuses(&app).await;
    assert_eq!(trending, vec![hot.clone()]);
    let (_, body) = app.get("/api/v1/trends/statuses", Some(&p[4].token)).await;
    assert_eq!(body[0]["favourites_count"], 2);
    assert_eq!(body[0]["favourited"], false);
    react(&app, &p[3], &mild, "favourite").await;
    react(&app, &p[4], &mild, "reblog").await;
    assert_eq!(
        trending_statuses(&app).await,
        vec![mild.clone(), hot.clone()]
    );
    // A reader who mutes an author does not see their trending post.
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/mute", p[1].id),
            Some(&p[4].token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = app.get("/api/v1/trends/statuses", Some(&p[4].token)).await;
    assert_eq!(ids(&seen), vec![hot.clone()]);
    let (_, page) = app
        .get("/api/v1/trends/statuses?limit=1&offset=1", None)
        .await;
    assert_eq!(ids(&page), vec![hot.clone()]);
}

#[tokio::test]
async fn moderators_take_items_out_of_trends() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let moddy = app.moderator().await;
    for who in &p[..3] {
        app.post_status(who, "#unwelcome", json!({})).await;
    }
    let post = app.post_status(&p[0], "popular", json!({})).await;
    let post = post["id"].as_str().expect("id").to_string();
    for who in &p[1..4] {
        react(&app, who, &post, "favourite").await;
    }
    assert_eq!(trending_tags(&app).await, vec!["unwelcome"]);
    assert_eq!(trending_statuses(&app).await, vec![post.clone()]);

    let (status, review) = app
        .get("/api/v1/admin/trends/tags", Some(&moddy.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert_shape(
        &review[0],
        &[
            ("id", "string"),
            ("name", "string"),
            ("url", "string"),
            ("history", "array"),
            ("trendable", "boolean"),
            ("usable", "boolean"),
            ("requires_review", "boolean"),
        ],
    );
    assert_eq!(review[0]["trendable"], true);
    assert_eq!(review[0]["requires_review"], false);
    let tag = review[0]["id"].as_str().expect("id").to_string();

    let (status, rejected) = app
        .post(
            &format!("/api/v1/admin/trends/tags/{tag}/reject"),
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["trendable"], false);
    assert!(trending_tags(&app).await.is_empty());
    // Still listed for moderators, marked.
    let (_, review) = app
        .get("/api/v1/admin/trends/tags", Some(&moddy.token))
        .await;
    assert_eq!(review[0]["trendable"], false);

    let (status, body) = app
        .post(
            &format!("/api/v1/admin/trends/statuses/{post}/reject"),
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], post.as_str());
    assert!(trending_statuses(&app).await.is_empty());
    let (_, review) = app
        .get("/api/v1/admin/trends/statuses", Some(&moddy.token))
        .await;
    assert_eq!(ids(&review), vec![post.clone()]);
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/trends/statuses/{post}/approve"),
            Some(&moddy.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(trending_statuses(&app).await, vec![post.clone()]);

    // Users may not; unknown items are not found; a staff token needs the admin scopes.
    let (status, _) = app
        .get("/api/v1/admin/trends/tags", Some(&p[0].token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/trends/tags/{tag}/approve"),
            Some(&p[0].token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for path in [
        "/api/v1/admin/trends/tags/999999/approve",
        "/api/v1/admin/trends/statuses/999999/reject",
        "/api/v1/admin/trends/tags/nonsense/reject",
    ] {
        let (status, _) = app.post(path, Some(&moddy.token), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app.get("/api/v1/admin/trends/tags", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn with_review_required_only_approved_items_trend() {
    let app = TestApp::spawn_with(|c| c.trends.require_review = true).await;
    let p = people(&app).await;
    let boss = app.admin().await;
    for who in &p[..3] {
        app.post_status(who, "#awaiting review", json!({})).await;
    }
    let post = app.post_status(&p[0], "worth a look", json!({})).await;
    let post = post["id"].as_str().expect("id").to_string();
    for who in &p[1..4] {
        react(&app, who, &post, "reblog").await;
    }
    assert!(trending_tags(&app).await.is_empty());
    assert!(trending_statuses(&app).await.is_empty());

    let (status, review) = app
        .get("/api/v1/admin/trends/tags", Some(&boss.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert_eq!(names(&review), vec!["awaiting"]);
    assert_eq!(review[0]["requires_review"], true);
    assert_eq!(review[0]["trendable"], false);
    let tag = review[0]["id"].as_str().expect("id").to_string();
    let (status, approved) = app
        .post(
            &format!("/api/v1/admin/trends/tags/{tag}/approve"),
            Some(&boss.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["trendable"], true);
    assert_eq!(approved["requires_review"], false);
    assert_eq!(trending_tags(&app).await, vec!["awaiting"]);

    let (_, statuses) = app
        .get("/api/v1/admin/trends/statuses", Some(&boss.token))
        .await;
    assert_eq!(ids(&statuses), vec![post.clone()]);
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/trends/statuses/{post}/approve"),
            Some(&boss.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(trending_statuses(&app).await, vec![post]);
}
