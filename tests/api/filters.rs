//! What people hide for themselves: keyword filters that warn or hide (v2, and v1 mapped onto
//! v2), hiding wherever their context says, decided once in the service layer (home, public
//! and hashtag timelines, threads, account timelines); and whole domains.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::federation::{eventually, try_resolve};
use crate::helpers::{assert_shape, TestApp};

const FILTER_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("title", "string"),
    ("context", "array"),
    ("expires_at", "string|null"),
    ("filter_action", "string"),
    ("keywords", "array"),
    ("statuses", "array"),
];

#[tokio::test]
async fn keyword_filters_warn_and_hide() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&bob, &alice).await;
    app.get("/api/v1/timelines/home", Some(&bob.token)).await;

    // Bad filters are refused and nothing is stored.
    for (body, field) in [
        (json!({ "context": ["home"] }), "title"),
        (json!({ "title": "x", "context": [] }), "context"),
        (
            json!({ "title": "x", "context": ["everywhere"] }),
            "context",
        ),
        (
            json!({ "title": "x", "context": ["home"], "filter_action": "explode" }),
            "filter_action",
        ),
        (
            json!({ "title": "x", "context": ["home"], "expires_in": -5 }),
            "expires_in",
        ),
        (
            json!({ "title": "x", "context": ["home"], "keywords_attributes": [{ "keyword": "" }] }),
            "keywords.keyword",
        ),
    ] {
        let (status, err) = app
            .post("/api/v2/filters", Some(&bob.token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["details"][field].is_array(), "{err}");
    }
    let (status, body) = app
        .post(
            "/api/v2/filters",
            Some(&bob.token),
            json!({ "title": "x", "context": ["home"], "expires_in": "soon" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, none) = app.get("/api/v2/filters", Some(&bob.token)).await;
    assert_eq!(none, json!([]));

    // A warn filter (whole word) and a hide filter (substring), as a form would send them.
    let (status, warn) = app
        .post(
            "/api/v2/filters",
            Some(&bob.token),
            json!({ "title": "Spoilers", "context": ["home", "public"], "filter_action": "warn",
                    "keywords_attributes": [{ "keyword": "dragon", "whole_word": true }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{warn}");
    assert_shape(&warn, FILTER_FIELDS);
    assert_shape(
        &warn["keywords"][0],
        &[
            ("id", "string"),
            ("keyword", "string"),
            ("whole_word", "boolean"),
        ],
    );
    let (status, hide) = app
        .post_form(
            "/api/v2/filters",
            Some(&bob.token),
            &[
                ("title", "Crypto"),
                ("context[]", "home"),
                ("filter_action", "hide"),
                ("expires_in", "3600"),
                ("keywords_attributes[][keyword]", "coin"),
                ("keywords_attributes[][whole_word]", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hide}");
    assert!(hide["expires_at"].is_string());
    assert_eq!(hide["keywords"][0]["whole_word"], false);

    let dragon = app
        .post_status(&alice, "A Dragon appears!", json!({}))
        .await;
    let dragonfly = app.post_status(&alice, "a dragonfly", json!({})).await;
    let coin = app.post_status(&alice, "buy bitcoins now", json!({})).await;
    app.drain_jobs().await;

    let (_, home) = app.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let home = home.as_array().expect("list").clone();
    let ids: Vec<&str> = home.iter().map(|s| s["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        vec![
            dragonfly["id"].as_str().expect("id"),
            dragon["id"].as_str().expect("id")
        ],
        "the hide filter removes the coin post"
    );
    let warned = &home[1];
    assert_shape(
        &warned["filtered"][0],
        &[
            ("filter", "object"),
            ("keyword_matches", "array|null"),
            ("status_matches", "array|null"),
        ],
    );
    assert_eq!(warned["filtered"][0]["filter"]["title"], "Spoilers");
    assert_eq!(warned["filtered"][0]["filter"]["filter_action"], "warn");
    assert_eq!(warned["filtered"][0]["keyword_matches"], json!(["dragon"]));
    assert_eq!(
        home[0]["filtered"],
        json!([]),
        "whole word: dragonfly does not match"
    );
    // Where the hide filter's context does not apply, the status is marked, not removed.
    let (_, one) = app
        .get(
            &format!("/api/v1/statuses/{}", coin["id"].as_str().expect("id")),
            Some(&bob.token),
        )
        .await;
    assert_eq!(one["filtered"][0]["filter"]["filter_action"], "hide");
    // The author is never filtered.
    let (_, mine) = app
        .get(
            &format!("/api/v1/statuses/{}", coin["id"].as_str().expect("id")),
            Some(&alice.token),
        )
        .await;
    assert_eq!(mine["filtered"], json!([]));

    // Keywords: add, change, remove; the filter: update and delete; others' filters are 404.
    let hide_id = hide["id"].as_str().expect("id");
    let (status, kw) = app
        .post(
            &format!("/api/v2/filters/{hide_id}/keywords"),
            Some(&bob.token),
            json!({ "keyword": "nft" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{kw}");
    let kw_id = kw["id"].as_str().expect("id");
    let (_, kw) = app
        .request(
            Method::PUT,
            &format!("/api/v2/filters/keywords/{kw_id}"),
            Some(&bob.token),
            Some(json!({ "whole_word": false })),
        )
        .await;
    assert_eq!(kw["whole_word"], false);
    let (_, list) = app
        .get(
            &format!("/api/v2/filters/{hide_id}/keywords"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let (status, _) = app
        .get(&format!("/api/v2/filters/{hide_id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(
            &format!("/api/v2/filters/keywords/{kw_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v2/filters/keywords/{kw_id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, updated) = app
        .request(
            Method::PUT,
            &format!("/api/v2/filters/{hide_id}"),
            Some(&bob.token),
            Some(json!({ "filter_action": "warn", "expires_in": "" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["filter_action"], "warn");
    assert!(updated["expires_at"].is_null());
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&bob.token))
            .await
            .len(),
        3
    );
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v2/filters/{hide_id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = app.get("/api/v2/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

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

const FILTER_V1_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("phrase", "string"),
    ("context", "array"),
    ("expires_at", "string|null"),
    ("irreversible", "boolean"),
    ("whole_word", "boolean"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_filters_map_onto_v2_filters() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let reader = app.register_with_scopes("reader", "read").await;
    app.follow(&bob, &alice).await;
    app.get("/api/v1/timelines/home", Some(&bob.token)).await;

    // Bad input: the right field named, nothing stored.
    for (body, field) in [
        (json!({ "context": ["home"] }), "phrase"),
        (json!({ "phrase": "  ", "context": ["home"] }), "phrase"),
        (json!({ "phrase": "x" }), "context"),
        (
            json!({ "phrase": "x", "context": ["everywhere"] }),
            "context",
        ),
        (
            json!({ "phrase": "x", "context": ["home"], "expires_in": "soon" }),
            "expires_in",
        ),
        (
            json!({ "phrase": "x", "context": ["home"], "expires_in": -1 }),
            "expires_in",
        ),
        (
            json!({ "phrase": "x", "context": ["home"], "irreversible": "maybe" }),
            "irreversible",
        ),
    ] {
        let (status, err) = app
            .post("/api/v1/filters", Some(&bob.token), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(err["error"].is_string(), "{err}");
        assert!(err["details"][field].is_array(), "{body}: {err}");
    }
    let (status, _) = app
        .post(
            "/api/v1/filters",
            None,
            json!({ "phrase": "x", "context": ["home"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .post(
            "/api/v1/filters",
            Some(&reader.token),
            json!({ "phrase": "x", "context": ["home"] }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/filters", Some(&bob.token)).await.1,
        json!([])
    );
    assert_eq!(
        app.get("/api/v2/filters", Some(&bob.token)).await.1,
        json!([])
    );

    // A warning filter as JSON, an irreversible one as a form (Rails brackets).
    let (status, warn) = app
        .post(
            "/api/v1/filters",
            Some(&bob.token),
            json!({ "phrase": "spoilers", "context": ["home", "public"], "whole_word": true, "expires_in": 3600 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{warn}");
    assert_shape(&warn, FILTER_V1_FIELDS);
    assert_eq!(warn["phrase"], "spoilers");
    assert_eq!(warn["irreversible"], false);
    assert!(warn["expires_at"].is_string());
    let (status, hide) = app
        .post_form(
            "/api/v1/filters",
            Some(&bob.token),
            &[
                ("phrase", "crypto"),
                ("context[]", "home"),
                ("context[]", "notifications"),
                ("irreversible", "true"),
                ("whole_word", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hide}");
    assert_eq!(hide["irreversible"], true);
    assert_eq!(hide["whole_word"], false);
    assert_eq!(hide["context"], json!(["home", "notifications"]));
    assert_eq!(hide["expires_at"], Value::Null);

    // Each is a v2 filter titled by its phrase, with the phrase as its one keyword.
    let (_, v2) = app.get("/api/v2/filters", Some(&bob.token)).await;
    let v2 = v2.as_array().expect("list").clone();
    assert_eq!(v2.len(), 2);
    let hide_v2 = v2.iter().find(|f| f["title"] == "crypto").expect("crypto");
    assert_eq!(hide_v2["filter_action"], "hide");
    assert_eq!(hide_v2["keywords"][0]["id"], hide["id"]);
    assert_eq!(hide_v2["keywords"][0]["keyword"], "crypto");
    assert_eq!(hide_v2["keywords"][0]["whole_word"], false);
    let warn_v2 = v2
        .iter()
        .find(|f| f["title"] == "spoilers")
        .expect("spoilers");
    assert_eq!(warn_v2["filter_action"], "warn");

    // They filter like v2 filters: the irreversible one hides, the other warns.
    app.post_status(&alice, "cryptocurrency tips", json!({}))
        .await;
    app.post_status(&alice, "no spoilers here", json!({})).await;
    app.drain_jobs().await;
    let (_, home) = app.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let home = home.as_array().expect("home").clone();
    assert_eq!(home.len(), 1, "{home:?}");
    assert_eq!(home[0]["filtered"][0]["filter"]["title"], "spoilers");
    assert_eq!(
        home[0]["filtered"][0]["keyword_matches"],
        json!(["spoilers"])
    );

    // Listed and shown; others' filters are not found.
    let (_, list) = app.get("/api/v1/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().expect("list").len(), 2);
    let id = hide["id"].as_str().expect("id");
    let (status, shown) = app
        .get(&format!("/api/v1/filters/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, hide);
    for path in [
        format!("/api/v1/filters/{id}"),
        "/api/v1/filters/12345".into(),
        "/api/v1/filters/nope".into(),
    ] {
        let (status, _) = app.get(&path, Some(&alice.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/filters/{id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Updating changes the keyword and its filter.
    let (status, updated) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{id}"),
            Some(&bob.token),
            Some(json!({ "phrase": "bitcoin", "context": ["public"], "irreversible": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["id"], hide["id"]);
    assert_eq!(updated["phrase"], "bitcoin");
    assert_eq!(updated["context"], json!(["public"]));
    assert_eq!(updated["irreversible"], false);
    assert_eq!(updated["whole_word"], false);
    let (status, err) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{id}"),
            Some(&bob.token),
            Some(json!({ "context": ["nowhere"] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (_, v2) = app.get("/api/v2/filters", Some(&bob.token)).await;
    let moved = v2
        .as_array()
        .expect("list")
        .iter()
        .find(|f| f["keywords"][0]["id"] == hide["id"])
        .expect("filter")
        .clone();
    assert_eq!(moved["title"], "bitcoin");
    assert_eq!(moved["context"], json!(["public"]));
    assert_eq!(moved["filter_action"], "warn");

    // A v2 filter with two keywords shows as two v1 filters, whose shared settings cannot be
    // changed through one of them; their phrases can.
    let (status, multi) = app
        .post(
            "/api/v2/filters",
            Some(&bob.token),
            json!({ "title": "sports", "context": ["home"], "keywords_attributes": [{ "keyword": "football" }, { "keyword": "tennis" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{multi}");
    let (_, list) = app.get("/api/v1/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().expect("list").len(), 4);
    let football = multi["keywords"][0]["id"].as_str().expect("id").to_string();
    let tennis = multi["keywords"][1]["id"].as_str().expect("id").to_string();
    let (status, err) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{football}"),
            Some(&bob.token),
            Some(json!({ "context": ["public"] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, renamed) = app
        .request(
            Method::PUT,
            &format!("/api/v1/filters/{football}"),
            Some(&bob.token),
            Some(json!({ "phrase": "soccer", "context": ["home"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["phrase"], "soccer");
    let multi_id = multi["id"].as_str().expect("id");
    let (_, after) = app
        .get(&format!("/api/v2/filters/{multi_id}"), Some(&bob.token))
        .await;
    assert_eq!(after["title"], "sports");
    assert_eq!(after["context"], json!(["home"]));

    // Deleting one of two keywords keeps the filter; deleting the last removes it.
    for kid in [&football, &tennis] {
        let (status, body) = app
            .request(
                Method::DELETE,
                &format!("/api/v1/filters/{kid}"),
                Some(&bob.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({}));
        let (status, _) = app
            .get(&format!("/api/v2/filters/{multi_id}"), Some(&bob.token))
            .await;
        let expected = if kid == &football {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected);
    }
    let (_, list) = app.get("/api/v1/filters", Some(&bob.token)).await;
    assert_eq!(list.as_array().expect("list").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_hide_domains_for_themselves() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let carol = a.register("carol").await;
    let bob = b.register("bob").await;
    // Bob (on B) follows alice; alice sees his posts in the public timeline.
    let alice_on_b = try_resolve(&b, &bob, &format!("alice@{}", a.addr))
        .await
        .expect("resolved");
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["followers_count"] == 1
    })
    .await;
    let bob_on_a = try_resolve(&a, &alice, &format!("bob@{}", b.addr))
        .await
        .expect("resolved");
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "alice follows bob", async || {
        let (_, me) = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        me["following_count"] == 1
    })
    .await;
    let post = b.post_status(&bob, "from afar", json!({})).await;
    eventually(&a, &b, "bob's post reaches A", async || {
        let (_, public) = a
            .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
            .await;
        public
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["uri"] == post["uri"]))
    })
    .await;

    let (status, err) = a
        .post("/api/v1/domain_blocks", Some(&alice.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, err) = a
        .post(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            json!({ "domain": "not a domain" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, ok) = a
        .post(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            json!({ "domain": b.addr.to_string() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok, json!({}));
    let (_, list) = a.get("/api/v1/domain_blocks", Some(&alice.token)).await;
    assert_eq!(list, json!([b.addr.to_string()]));
    // Gone from her public timeline, not from carol's; her follower there is removed.
    let (_, public) = a
        .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
        .await;
    assert_eq!(public, json!([]));
    let (_, public) = a
        .get("/api/v1/timelines/public?remote=true", Some(&carol.token))
        .await;
    assert_eq!(public.as_array().map(Vec::len), Some(1));
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me["followers_count"], 0);

    let (status, _) = a
        .request(
            Method::DELETE,
            "/api/v1/domain_blocks",
            Some(&alice.token),
            Some(json!({ "domain": b.addr.to_string() })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, public) = a
        .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
        .await;
    assert_eq!(public.as_array().map(Vec::len), Some(1));
}
