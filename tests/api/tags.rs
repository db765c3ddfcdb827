//! Hashtags: the Tag entity with its real history, following tags (their posts in home, local
//! and from a second instance, not from hidden authors), followed tags paged by Link header,
//! featuring tags (both APIs, the limit of ten), and the bad inputs of each.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::{assert_shape, TestApp, TestUser};

async fn home(app: &TestApp, who: &TestUser) -> Vec<String> {
    app.ids("/api/v1/timelines/home", Some(&who.token)).await
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

async fn get_with_link(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value, String) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, res.json().await.expect("json"), link)
}

/// The path and query of the link with this `rel`.
fn link_path(app: &TestApp, link: &str, rel: &str) -> String {
    link.split(", ")
        .find_map(|part| {
            let (url, params) = part.split_once(">; ")?;
            (params == format!("rel=\"{rel}\"")).then(|| {
                url.trim_start_matches('<')
                    .trim_start_matches(&app.base)
                    .to_string()
            })
        })
        .unwrap_or_else(|| panic!("no {rel} in {link}"))
}

#[tokio::test]
async fn a_tag_shows_its_real_history_and_the_viewers_follow() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.post_status(&alice, "one #Caturday", json!({})).await;
    app.post_status(&alice, "two #caturday", json!({})).await;
    app.post_status(&bob, "three #CATURDAY", json!({})).await;
    // Not counted: private posts.
    app.post_status(&bob, "hidden #caturday", json!({ "visibility": "private" }))
        .await;

    let (status, tag) = app.get("/api/v1/tags/caturday", None).await;
    assert_eq!(status, StatusCode::OK, "{tag}");
    assert_shape(
        &tag,
        &[
            ("id", "string"),
            ("name", "string"),
            ("url", "string"),
            ("history", "array"),
        ],
    );
    // Named as first written, linked in lower case.
    assert_eq!(tag["name"], "Caturday");
    assert_eq!(tag["url"], format!("{}/tags/caturday", app.base));
    let history = tag["history"].as_array().expect("history");
    assert_eq!(history.len(), 7);
    assert_eq!(history[0]["uses"], "3", "{tag}");
    assert_eq!(history[0]["accounts"], "2", "{tag}");
    let today: i64 = history[0]["day"]
        .as_str()
        .expect("day")
        .parse()
        .expect("unix");
    assert_eq!(today % 86_400, 0);
    assert_eq!(
        history[1]["day"],
        (today - 86_400).to_string(),
        "days go back one at a time"
    );
    for day in &history[1..] {
        assert_eq!(day["uses"], "0");
        assert_eq!(day["accounts"], "0");
    }

    // Signed in: following and featuring, false until asked.
    let (_, mine) = app.get("/api/v1/tags/Caturday", Some(&alice.token)).await;
    assert_eq!(mine["following"], false);
    assert_eq!(mine["featuring"], false);
    let (status, followed) = app
        .post(
            "/api/v1/tags/caturday/follow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{followed}");
    assert_eq!(followed["following"], true);
    // Idempotent, as since Mastodon 4.1.
    let (status, again) = app
        .post(
            "/api/v1/tags/caturday/follow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let (_, seen) = app.get("/api/v1/tags/caturday", Some(&alice.token)).await;
    assert_eq!(seen["following"], true);
    let (_, by_bob) = app.get("/api/v1/tags/caturday", Some(&bob.token)).await;
    assert_eq!(by_bob["following"], false);

    // Search answers with the same entity.
    let (_, found) = app
        .get("/api/v2/search?q=%23cat&type=hashtags", Some(&alice.token))
        .await;
    assert_eq!(found["hashtags"][0]["following"], true, "{found}");
    assert_eq!(found["hashtags"][0]["history"][0]["uses"], "3");

    let (status, unfollowed) = app
        .post(
            "/api/v1/tags/caturday/unfollow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{unfollowed}");
    assert_eq!(unfollowed["following"], false);

    // Unknown and impossible tags are not found; following an impossible name is refused,
    // without a token it is unauthorised, with a token lacking the scope forbidden.
    let (status, err) = app.get("/api/v1/tags/neverused", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    assert_eq!(err["error"], "Record not found");
    let (status, _) = app.get("/api/v1/tags/no%20way", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad in ["12345", "a-b", "x%20y"] {
        let (status, err) = app
            .post(
                &format!("/api/v1/tags/{bad}/follow"),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {err}");
        assert!(err["error"].is_string());
    }
    let (status, _) = app.get("/api/v1/tags/12345", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post("/api/v1/tags/caturday/follow", None, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, err) = app
        .post(
            "/api/v1/tags/caturday/follow",
            Some(&reader.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    let (status, _) = app.get("/api/v1/followed_tags", Some(&reader.token)).await;
    assert_eq!(status, StatusCode::OK);
    let writer = app.register_with_scopes("writer", "write:statuses").await;
    let (status, _) = app.get("/api/v1/followed_tags", Some(&writer.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v1/followed_tags", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn followed_tags_are_paged_newest_follow_first() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    for name in ["first", "second", "third"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/tags/{name}/follow"),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, all, _) = get_with_link(&app, "/api/v1/followed_tags", &alice.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&all), vec!["third", "second", "first"]);
    assert_eq!(all[0]["following"], true);

    let (_, page, link) = get_with_link(&app, "/api/v1/followed_tags?limit=2", &alice.token).await;
    assert_eq!(names(&page), vec!["third", "second"]);
    let next = link_path(&app, &link, "next");
    assert!(next.contains("limit=2"), "{next}");
    let (_, rest, link) = get_with_link(&app, &next, &alice.token).await;
    assert_eq!(names(&rest), vec!["first"]);
    let prev = link_path(&app, &link, "prev");
    let (_, back, _) = get_with_link(&app, &prev, &alice.token).await;
    assert_eq!(names(&back), vec!["third", "second"]);

    // Another's follows are their own.
    let bob = app.register("bob").await;
    let (_, none) = app.get("/api/v1/followed_tags", Some(&bob.token)).await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn posts_with_a_followed_tag_enter_home_unless_their_author_is_hidden() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let (status, _) = app
        .post(
            "/api/v1/tags/rustlang/follow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Reading home keeps alice's feed maintained by fan-out.
    assert!(home(&app, &alice).await.is_empty());

    let tagged = id_of(&app.post_status(&bob, "hello #RustLang", json!({})).await);
    let untagged = id_of(&app.post_status(&bob, "hello world", json!({})).await);
    let unlisted = id_of(
        &app.post_status(&bob, "quiet #rustlang", json!({ "visibility": "unlisted" }))
            .await,
    );
    app.drain_jobs().await;
    let feed = home(&app, &alice).await;
    assert!(feed.contains(&tagged), "{feed:?}");
    assert!(!feed.contains(&untagged), "{feed:?}");
    assert!(!feed.contains(&unlisted), "only public posts: {feed:?}");

    // Muted and blocked authors stay out.
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/mute", carol.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let muted = id_of(
        &app.post_status(&carol, "#rustlang from carol", json!({}))
            .await,
    );
    let dave = app.register("dave").await;
    let (status, _) = app
        .post(
            &format!("/api/v1/accounts/{}/block", alice.id),
            Some(&dave.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let blocking = id_of(
        &app.post_status(&dave, "#rustlang from dave", json!({}))
            .await,
    );
    app.drain_jobs().await;
    let feed = home(&app, &alice).await;
    assert!(!feed.contains(&muted), "{feed:?}");
    assert!(!feed.contains(&blocking), "{feed:?}");

    // Unfollowing the tag takes out what only it brought.
    let (status, _) = app
        .post(
            "/api/v1/tags/rustlang/unfollow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!home(&app, &alice).await.contains(&tagged));
    let later = id_of(&app.post_status(&bob, "more #rustlang", json!({})).await);
    app.drain_jobs().await;
    assert!(!home(&app, &alice).await.contains(&later));
}

#[tokio::test]
async fn a_rebuilt_home_feed_has_the_followed_tags_posts() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let (status, _) = app
        .post(
            "/api/v1/tags/gardening/follow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Alice has never read her feed: fan-out skips it, the rebuild on her return fills it.
    let tagged = id_of(&app.post_status(&bob, "#gardening today", json!({})).await);
    app.drain_jobs().await;
    assert!(home(&app, &alice).await.contains(&tagged));
}

#[tokio::test]
async fn a_remote_post_with_a_followed_tag_reaches_home() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let bob = a.register("bob").await;
    let alice = b.register("alice").await;
    let carol = b.register("carol").await;
    // Carol's follow brings bob's posts to b; alice only follows the tag.
    follow_remotely(&a, &b, &carol, &format!("bob@{}", a.addr)).await;
    let (status, _) = b
        .post(
            "/api/v1/tags/fediverse/follow",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(home(&b, &alice).await.is_empty());
    let untagged = a.post_status(&bob, "no tag here", json!({})).await;
    let tagged = a.post_status(&bob, "hello #Fediverse", json!({})).await;
    let uri = tagged["uri"].as_str().expect("uri").to_string();
    eventually(
        &a,
        &b,
        "bob's tagged post reaches alice's home",
        async || {
            let (_, page) = b.get("/api/v1/timelines/home", Some(&alice.token)).await;
            page.as_array()
                .is_some_and(|p| p.iter().any(|s| s["uri"] == uri.as_str()))
        },
    )
    .await;
    let (_, page) = b.get("/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(
        !page
            .as_array()
            .expect("page")
            .iter()
            .any(|s| s["uri"] == untagged["uri"]),
        "{page}"
    );
    // The remote use counts in the tag's history on b.
    let (_, tag) = b.get("/api/v1/tags/fediverse", None).await;
    assert_eq!(tag["history"][0]["uses"], "1", "{tag}");
}

#[tokio::test]
async fn featured_tags_are_listed_counted_limited_and_owned() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.post_status(&alice, "#photo one", json!({})).await;
    let last = app.post_status(&alice, "#photo two", json!({})).await;
    app.post_status(&alice, "#photo secret", json!({ "visibility": "direct" }))
        .await;
    app.post_status(&bob, "#photo by bob", json!({})).await;
    app.post_status(&alice, "#sketch and #sketch", json!({}))
        .await;

    // Suggestions: the tags alice used, most used first.
    let (status, suggested) = app
        .get("/api/v1/featured_tags/suggestions", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{suggested}");
    assert_eq!(names(&suggested), vec!["photo", "sketch"]);
    assert_shape(
        &suggested[0],
        &[
            ("id", "string"),
            ("name", "string"),
            ("url", "string"),
            ("history", "array"),
            ("following", "boolean"),
            ("featuring", "boolean"),
        ],
    );

    let (status, featured) = app
        .post(
            "/api/v1/featured_tags",
            Some(&alice.token),
            json!({ "name": "#photo" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{featured}");
    assert_shape(
        &featured,
        &[
            ("id", "string"),
            ("name", "string"),
            ("url", "string"),
            ("statuses_count", "number"),
            ("last_status_at", "string"),
        ],
    );
    assert_eq!(featured["name"], "photo");
    assert_eq!(featured["statuses_count"], 2, "public and unlisted only");
    assert_eq!(featured["last_status_at"], last["created_at"]);
    assert_eq!(
        featured["url"],
        format!("{}/@alice/tagged/photo", app.base),
        "{featured}"
    );
    let photo = id_of(&featured);
    // Featured already: 422; suggestions no longer offer it.
    let (status, err) = app
        .post(
            "/api/v1/featured_tags",
            Some(&alice.token),
            json!({ "name": "photo" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (_, suggested) = app
        .get("/api/v1/featured_tags/suggestions", Some(&alice.token))
        .await;
    assert_eq!(names(&suggested), vec!["sketch"]);

    // The 4.4 API features too, idempotently, and says so on the Tag.
    let (status, tag) = app
        .post("/api/v1/tags/sketch/feature", Some(&alice.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{tag}");
    assert_eq!(tag["featuring"], true);
    let (status, _) = app
        .post("/api/v1/tags/sketch/feature", Some(&alice.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = app.get("/api/v1/featured_tags", Some(&alice.token)).await;
    assert_eq!(names(&mine), vec!["photo", "sketch"]);
    // Public on the profile.
    let (status, theirs) = app
        .get(
            &format!("/api/v1/accounts/{}/featured_tags", alice.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&theirs), vec!["photo", "sketch"]);
    let (_, none) = app
        .get(&format!("/api/v1/accounts/{}/featured_tags", bob.id), None)
        .await;
    assert_eq!(none, json!([]));
    let (status, _) = app.get("/api/v1/accounts/999999/featured_tags", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, tag) = app
        .post(
            "/api/v1/tags/sketch/unfeature",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tag["featuring"], false);

    // Ten at most: the eleventh is refused, nothing stored.
    for n in 0..9 {
        let (status, body) = app
            .post(
                "/api/v1/featured_tags",
                Some(&alice.token),
                json!({ "name": format!("topic{n}") }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, err) = app
        .post(
            "/api/v1/featured_tags",
            Some(&alice.token),
            json!({ "name": "onetoomany" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, err) = app
        .post(
            "/api/v1/tags/onetoomany/feature",
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (_, mine) = app.get("/api/v1/featured_tags", Some(&alice.token)).await;
    assert_eq!(mine.as_array().expect("list").len(), 10);

    // Bad names, others' featured tags, wrong scopes.
    for body in [
        json!({}),
        json!({ "name": "" }),
        json!({ "name": "no way" }),
        json!({ "name": "42" }),
    ] {
        let (status, err) = app
            .post("/api/v1/featured_tags", Some(&bob.token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
    }
    let (_, bobs) = app.get("/api/v1/featured_tags", Some(&bob.token)).await;
    assert_eq!(bobs, json!([]));
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/featured_tags/{photo}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .request(
            Method::DELETE,
            "/api/v1/featured_tags/notanid",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reader = app.register_with_scopes("reader", "read").await;
    let (status, _) = app
        .post(
            "/api/v1/featured_tags",
            Some(&reader.token),
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post("/api/v1/tags/x/feature", Some(&reader.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/featured_tags/{photo}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({}));
    let (_, mine) = app.get("/api/v1/featured_tags", Some(&alice.token)).await;
    assert!(!names(&mine).contains(&"photo".to_string()));
}
