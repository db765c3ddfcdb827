//! The Mastodon API level Rookery reports (4.5.0, `api_versions.mastodon` 7) and what levels 3
//! to 6 add on the way to quotes: `attribution_domains` (3, stored, checked and federated as
//! the actor's `attributionDomains`), `delete_media` and media deletion (4), the `blur` filter
//! action (5), featuring hashtags (6).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::resolve;
use crate::helpers::media::{files_in, jpeg, spawn_media, upload_ok};
use crate::helpers::{TestApp, TestUser};

async fn set_domains(app: &TestApp, user: &TestUser, domains: Value) -> (StatusCode, Value) {
    app.request(
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&user.token),
        Some(json!({ "attribution_domains": domains })),
    )
    .await
}

async fn stored_domains(app: &TestApp, username: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT attribution_domains FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_one(&app.state.db)
        .await
        .expect("domains")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_level_up_to_quotes_is_served() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let (_, v2) = app.get("/api/v2/instance", None).await;
    assert!(v2["version"]
        .as_str()
        .expect("version")
        .starts_with("4.5.0 "));
    assert_eq!(v2["api_versions"]["mastodon"], 7);
    let (_, nodeinfo) = app.get("/nodeinfo/2.1", None).await;
    assert_eq!(nodeinfo["metadata"]["upstream"]["version"], "4.5.0");

    // 3: attribution domains.
    let (code, me) = set_domains(&app, &alice, json!(["blog.example"])).await;
    assert_eq!(code, StatusCode::OK, "{me}");
    assert_eq!(me["source"]["attribution_domains"], json!(["blog.example"]));
    // 4: an upload no status uses is deleted; an unknown one is not found.
    let (code, _) = app
        .request(
            Method::DELETE,
            "/api/v1/media/1234",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    // 5: the blur action.
    let (code, filter) = app
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({ "title": "birds", "context": ["home"], "filter_action": "blur",
                    "keywords_attributes": [{ "keyword": "heron" }] }),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{filter}");
    assert_eq!(filter["filter_action"], "blur");
    // 6: featuring a hashtag.
    let (code, tag) = app
        .post("/api/v1/tags/herons/feature", Some(&alice.token), json!({}))
        .await;
    assert_eq!(code, StatusCode::OK, "{tag}");
    assert_eq!(tag["featuring"], true, "{tag}");
    // 7: quoting.
    let original = app.post_status(&bob, "a heron", json!({})).await;
    let quoting = app
        .post_status(
            &alice,
            "look",
            json!({ "quoted_status_id": original["id"] }),
        )
        .await;
    assert_eq!(quoting["quote"]["state"], "accepted", "{quoting}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribution_domains_are_checked_as_mastodon_checks_them() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    // Schemes and a leading `*.` are dropped, names lower-cased, repeats kept once.
    let (code, me) = set_domains(
        &app,
        &alice,
        json!([
            "blog.example",
            " https://News.Example ",
            "*.paper.example",
            "blog.example",
            ""
        ]),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{me}");
    let want = json!(["blog.example", "news.example", "paper.example"]);
    assert_eq!(me["source"]["attribution_domains"], want);
    let (_, again) = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(again["source"]["attribution_domains"], want);

    // Each bad list: 422 naming the field, and nothing changed.
    let long_label = format!("{}.example", "a".repeat(64));
    let too_many: Vec<String> = (0..101).map(|i| format!("site{i}.example")).collect();
    for bad in [
        json!(["not a domain"]),
        json!(["blog.example/path"]),
        json!(["someone@blog.example"]),
        json!(["blog.example:8080"]),
        json!(["under_score.example"]),
        json!([long_label]),
        json!(too_many),
    ] {
        let (code, body) = set_domains(&app, &alice, bad.clone()).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(
            body["details"]["attribution_domains"].is_array(),
            "{bad}: {body}"
        );
        assert_eq!(
            stored_domains(&app, "alice").await,
            vec![
                "blog.example".to_string(),
                "news.example".into(),
                "paper.example".into()
            ]
        );
    }
    // A hundred is the most; a form's empty entry clears them.
    let hundred: Vec<String> = (0..100).map(|i| format!("site{i}.example")).collect();
    let (code, me) = set_domains(&app, &alice, json!(hundred)).await;
    assert_eq!(code, StatusCode::OK, "{me}");
    assert_eq!(stored_domains(&app, "alice").await.len(), 100);
    let (code, me) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({ "attribution_domains": [""] })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{me}");
    assert_eq!(me["source"]["attribution_domains"], json!([]));
    // Not sent: left as it is.
    set_domains(&app, &alice, json!(["blog.example"])).await;
    let (_, me) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({ "display_name": "Alice" })),
        )
        .await;
    assert_eq!(me["source"]["attribution_domains"], json!(["blog.example"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribution_domains_federate_as_the_actors_attribution_domains() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    set_domains(&a, &alice, json!(["blog.example", "news.example"])).await;
    let actor: Value = a
        .client
        .get(a.url("/users/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        actor["attributionDomains"],
        json!(["blog.example", "news.example"])
    );
    let context = actor["@context"].to_string();
    assert!(context.contains("toot:attributionDomains"), "{context}");

    // Read by the other instance, kept with the account.
    resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT attribution_domains FROM accounts WHERE username = 'alice'")
            .fetch_one(&b.state.db)
            .await
            .expect("domains");
    assert_eq!(
        stored,
        vec!["blog.example".to_string(), "news.example".into()]
    );
}

async fn post_with_media(app: &TestApp, user: &TestUser) -> (Value, Value) {
    let media = upload_ok(app, user, jpeg(64, 48)).await;
    let status = app
        .post_status(user, "a heron", json!({ "media_ids": [media["id"]] }))
        .await;
    (status, media)
}

async fn media_row(app: &TestApp, id: &Value) -> Option<Option<i64>> {
    let id: i64 = id.as_str().expect("id").parse().expect("number");
    sqlx::query_scalar("SELECT status_id FROM media_attachments WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.state.db)
        .await
        .expect("row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_media_removes_the_files_at_once_and_only_for_the_author() {
    let (app, dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let (status, media) = post_with_media(&app, &alice).await;
    let files = files_in(dir.path());
    assert!(files > 0);

    // Someone else's status: refused, nothing removed.
    let path = format!(
        "/api/v1/statuses/{}?delete_media=true",
        status["id"].as_str().expect("id")
    );
    let (code, _) = app
        .request(Method::DELETE, &path, Some(&bob.token), None)
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(files_in(dir.path()), files);
    let (code, _) = app
        .request(
            Method::DELETE,
            &path.replace("true", "maybe"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(files_in(dir.path()), files);

    let (code, deleted) = app
        .request(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(code, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["media_attachments"][0]["id"], media["id"]);
    assert_eq!(media_row(&app, &media["id"]).await, None);
    assert_eq!(files_in(dir.path()), 0, "the files went with the status");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_delete_media_the_attachments_stay_for_a_redraft() {
    let (app, dir) = spawn_media(|_| {}).await;
    let alice = app.register("alice").await;
    let (status, media) = post_with_media(&app, &alice).await;
    let files = files_in(dir.path());
    let path = format!("/api/v1/statuses/{}", status["id"].as_str().expect("id"));
    let (code, deleted) = app
        .request(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(code, StatusCode::OK, "{deleted}");
    // Detached, kept with its files, and attachable again: delete and redraft.
    assert_eq!(media_row(&app, &media["id"]).await, Some(None));
    assert_eq!(files_in(dir.path()), files);
    let redraft = app
        .post_status(
            &alice,
            "a heron, again",
            json!({ "media_ids": [media["id"]] }),
        )
        .await;
    assert_eq!(redraft["media_attachments"][0]["id"], media["id"]);
    // `delete_media=false` is the same as leaving it out.
    let path = format!(
        "/api/v1/statuses/{}?delete_media=false",
        redraft["id"].as_str().expect("id")
    );
    let (code, _) = app
        .request(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(media_row(&app, &media["id"]).await, Some(None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blur_filter_keeps_the_status_and_says_blur() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let (code, body) = app
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({ "title": "x", "context": ["home"], "filter_action": "smudge",
                    "keywords_attributes": [{ "keyword": "heron" }] }),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (code, filter) = app
        .post(
            "/api/v2/filters",
            Some(&alice.token),
            json!({ "title": "birds", "context": ["home"], "filter_action": "blur",
                    "keywords_attributes": [{ "keyword": "heron" }] }),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{filter}");
    let posted = app.post_status(&bob, "a heron at dawn", json!({})).await;
    app.drain_jobs().await;
    let (code, home) = app.get("/api/v1/timelines/home", Some(&alice.token)).await;
    assert_eq!(code, StatusCode::OK);
    let shown = home
        .as_array()
        .and_then(|l| l.iter().find(|s| s["id"] == posted["id"]))
        .cloned()
        .expect("a blurred status stays in the timeline");
    assert_eq!(shown["filtered"][0]["filter"]["filter_action"], "blur");
    assert_eq!(shown["filtered"][0]["keyword_matches"], json!(["heron"]));
    // Changed to `hide`, it leaves the timeline.
    let (code, _) = app
        .request(
            Method::PUT,
            &format!("/api/v2/filters/{}", filter["id"].as_str().expect("id")),
            Some(&alice.token),
            Some(json!({ "filter_action": "hide" })),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (_, home) = app.get("/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(!home
        .as_array()
        .expect("list")
        .iter()
        .any(|s| s["id"] == posted["id"]));
}
