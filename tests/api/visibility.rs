//! The visibility matrix: every kind of viewer × every visibility × every way of reaching a
//! status. A private or direct status, or anything across a block, must never reach someone
//! who may not see it, and the answer is a 404 (never a 403 that would confirm it exists).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestUser};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Author,
    Follower,
    Mentioned,
    Stranger,
    BlockedByAuthor,
    BlockingAuthor,
}

const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

/// The rule, stated once for the test.
fn may_see(who: Who, visibility: &str) -> bool {
    match who {
        Who::Author | Who::Mentioned => true,
        Who::Follower => visibility != "direct",
        Who::Anonymous | Who::Stranger => matches!(visibility, "public" | "unlisted"),
        Who::BlockedByAuthor | Who::BlockingAuthor => false,
    }
}

#[tokio::test]
async fn visibility_matrix() {
    let app = TestApp::spawn().await;
    let author = app.register("author").await;
    let follower = app.register("follower").await;
    let mentioned = app.register("mentioned").await;
    let stranger = app.register("stranger").await;
    let blocked = app.register("blocked").await;
    let blocking = app.register("blocking").await;
    // Everyone's feed is active; the follower follows first, so fan-out reaches them.
    for u in [
        &author, &follower, &mentioned, &stranger, &blocked, &blocking,
    ] {
        app.get("/api/v1/timelines/home", Some(&u.token)).await;
    }
    app.follow(&follower, &author).await;
    app.follow(&blocked, &author).await;
    app.follow(&blocking, &author).await;
    app.post(
        &format!("/api/v1/accounts/{}/block", blocked.id),
        Some(&author.token),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/accounts/{}/block", author.id),
        Some(&blocking.token),
        json!({}),
    )
    .await;

    let mut statuses: Vec<(&str, String, String)> = Vec::new();
    for visibility in VISIBILITIES {
        let s = app
            .post_status(
                &author,
                &format!("@mentioned a {visibility} post"),
                json!({"visibility": visibility}),
            )
            .await;
        // The author's own public reply, to reach the status as a thread ancestor.
        let reply = app
            .post_status(
                &author,
                "and a reply",
                json!({"visibility": "public", "in_reply_to_id": s["id"]}),
            )
            .await;
        statuses.push((
            visibility,
            s["id"].as_str().expect("id").into(),
            reply["id"].as_str().expect("id").into(),
        ));
    }
    app.drain_jobs().await;

    let viewers: Vec<(Who, Option<&TestUser>)> = vec![
        (Who::Anonymous, None),
        (Who::Author, Some(&author)),
        (Who::Follower, Some(&follower)),
        (Who::Mentioned, Some(&mentioned)),
        (Who::Stranger, Some(&stranger)),
        (Who::BlockedByAuthor, Some(&blocked)),
        (Who::BlockingAuthor, Some(&blocking)),
    ];
    let contains = |list: &Value, id: &str| {
        list.as_array()
            .is_some_and(|l| l.iter().any(|s| s["id"] == id || s["reblog"]["id"] == id))
    };
    let mut wrong: Vec<String> = Vec::new();
    let mut check = |who: Who, visibility: &str, endpoint: &str, expected: bool, actual: bool| {
        if expected != actual {
            wrong.push(format!(
                "{who:?} × {visibility} × {endpoint}: expected {expected}, got {actual}"
            ));
        }
    };

    for (who, user) in &viewers {
        let token = user.map(|u| u.token.as_str());
        let public = app.get("/api/v1/timelines/public", token).await.1;
        let profile = app
            .get(&format!("/api/v1/accounts/{}/statuses", author.id), token)
            .await
            .1;
        let home = match user {
            Some(u) => app.get("/api/v1/timelines/home", Some(&u.token)).await.1,
            None => json!([]),
        };
        for (visibility, id, reply) in &statuses {
            let sees = may_see(*who, visibility);
            let (code, _) = app.get(&format!("/api/v1/statuses/{id}"), token).await;
            check(*who, visibility, "GET status", sees, code == StatusCode::OK);
            if !sees {
                check(
                    *who,
                    visibility,
                    "GET status is 404",
                    true,
                    code == StatusCode::NOT_FOUND,
                );
            }
            let (_, many) = app.get(&format!("/api/v1/statuses?id[]={id}"), token).await;
            check(
                *who,
                visibility,
                "GET statuses?id[]",
                sees,
                contains(&many, id),
            );
            let (_, ctx) = app
                .get(&format!("/api/v1/statuses/{reply}/context"), token)
                .await;
            check(
                *who,
                visibility,
                "context ancestors",
                sees,
                contains(&ctx["ancestors"], id),
            );
            check(
                *who,
                visibility,
                "account statuses",
                sees && *visibility != "direct",
                contains(&profile, id),
            );
            check(
                *who,
                visibility,
                "public timeline",
                sees && *visibility == "public",
                contains(&public, id),
            );
            let in_home = matches!(who, Who::Author)
                || (matches!(who, Who::Follower) && *visibility != "direct");
            check(
                *who,
                visibility,
                "home timeline",
                in_home,
                contains(&home, id),
            );
            let (code, _) = app
                .get(&format!("/api/v1/statuses/{id}/favourited_by"), token)
                .await;
            check(
                *who,
                visibility,
                "favourited_by",
                sees,
                code == StatusCode::OK,
            );
            let (code, _) = app
                .get(&format!("/api/v1/statuses/{id}/history"), token)
                .await;
            check(*who, visibility, "history", sees, code == StatusCode::OK);
        }
    }

    // Acting on a status needs seeing it; an invisible one is a 404.
    for (who, user) in &viewers {
        let Some(user) = user else { continue };
        for (visibility, id, _) in &statuses {
            let sees = may_see(*who, visibility);
            let (code, _) = app
                .post(
                    &format!("/api/v1/statuses/{id}/favourite"),
                    Some(&user.token),
                    json!({}),
                )
                .await;
            check(*who, visibility, "favourite", sees, code == StatusCode::OK);
            if !sees {
                check(
                    *who,
                    visibility,
                    "favourite is 404",
                    true,
                    code == StatusCode::NOT_FOUND,
                );
            }
            let (code, _) = app
                .post(
                    "/api/v1/statuses",
                    Some(&user.token),
                    json!({"status": "re", "in_reply_to_id": id}),
                )
                .await;
            check(*who, visibility, "reply", sees, code == StatusCode::OK);
            let (code, _) = app
                .post(
                    &format!("/api/v1/statuses/{id}/reblog"),
                    Some(&user.token),
                    json!({}),
                )
                .await;
            // Private and direct posts cannot be boosted by others (the author may boost
            // their own followers-only post).
            let boostable = sees
                && (matches!(*visibility, "public" | "unlisted")
                    || (*visibility == "private" && *who == Who::Author));
            check(
                *who,
                visibility,
                "reblog",
                boostable,
                code == StatusCode::OK,
            );
            let expected_refusal = if sees {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::NOT_FOUND
            };
            if !boostable {
                check(
                    *who,
                    visibility,
                    "reblog refusal code",
                    true,
                    code == expected_refusal,
                );
            }
        }
    }

    // Nobody can reach an invisible status through a boost either: the stranger sees the
    // follower's boost of the public post, but boosts of the rest do not exist.
    let (_, stranger_view) = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", follower.id),
            Some(&stranger.token),
        )
        .await;
    for (visibility, id, _) in &statuses {
        let through_boost = stranger_view
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["reblog"]["id"] == id.as_str()));
        check(
            Who::Stranger,
            visibility,
            "via follower's boost",
            matches!(*visibility, "public" | "unlisted"),
            through_boost,
        );
    }
    assert!(
        wrong.is_empty(),
        "visibility leaks or over-hiding:\n{}",
        wrong.join("\n")
    );
}

/// Public and hashtag pages are filled past the authors a viewer cannot or will not see (muted,
/// blocked, blocking): the database leaves them out before the limit is taken, so a page of one
/// still holds the newest status the viewer may see.
#[tokio::test]
async fn public_pages_fill_past_hidden_authors() {
    let app = TestApp::spawn().await;
    let viewer = app.register("viewer").await;
    let shown = app.register("shown").await;
    let kept = app
        .post_status(&shown, "still here #garden", json!({}))
        .await;
    let kept_id = kept["id"].as_str().expect("id").to_string();
    let muted = app.register("muted").await;
    let blocked = app.register("blocked").await;
    let blocking = app.register("blocking").await;
    let act = |who: &TestUser, what: &str, target: &TestUser, body: Value| {
        let path = format!("/api/v1/accounts/{}/{what}", target.id);
        let token = who.token.clone();
        let app = &app;
        async move {
            let (status, answer) = app.post(&path, Some(&token), body).await;
            assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        }
    };
    act(&viewer, "mute", &muted, json!({})).await;
    act(&viewer, "block", &blocked, json!({})).await;
    act(&blocking, "block", &viewer, json!({})).await;
    for who in [&muted, &blocked, &blocking] {
        app.post_status(who, "newer #garden", json!({})).await;
    }

    for path in [
        "/api/v1/timelines/public?limit=1",
        "/api/v1/timelines/tag/garden?limit=1",
    ] {
        assert_eq!(
            app.ids(path, Some(&viewer.token)).await,
            vec![kept_id.clone()],
            "{path}"
        );
        // Others still see the newest.
        assert_ne!(
            app.ids(path, Some(&shown.token)).await,
            vec![kept_id.clone()],
            "{path}"
        );
    }
    // A mute that has run out hides nothing.
    act(&viewer, "unmute", &muted, json!({})).await;
    act(&viewer, "mute", &muted, json!({ "duration": 1 })).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let page = app
        .ids("/api/v1/timelines/public?limit=3", Some(&viewer.token))
        .await;
    assert_eq!(page.len(), 2, "the muted author's post is back: {page:?}");
}
