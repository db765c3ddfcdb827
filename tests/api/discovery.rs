//! Discovery: WebFinger, host-meta and NodeInfo, over real HTTP.

use reqwest::header::{HeaderMap, ACCEPT, ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, ORIGIN};
use reqwest::{Method, StatusCode};
use rookery::api::entities::instance::SOURCE_URL;
use rookery::config::RegistrationMode;
use serde_json::{json, Value};

use crate::helpers::{assert_shape, TestApp};

const JRD: &str = "application/jrd+json; charset=utf-8";
const PROFILE_PAGE: &str = "http://webfinger.net/rel/profile-page";

/// `GET /.well-known/webfinger?resource=…`, the resource encoded as a client would.
async fn webfinger(app: &TestApp, resource: &str) -> (StatusCode, HeaderMap, Value) {
    get_with_query(app, &[("resource", resource)]).await
}

async fn get_with_query(app: &TestApp, query: &[(&str, &str)]) -> (StatusCode, HeaderMap, Value) {
    let res = app
        .client
        .get(app.url("/.well-known/webfinger"))
        .query(query)
        .send()
        .await
        .expect("request");
    into_parts(res).await
}

async fn into_parts(res: reqwest::Response) -> (StatusCode, HeaderMap, Value) {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn domain(app: &TestApp) -> String {
    app.addr.to_string()
}

fn num(id: &str) -> i64 {
    id.parse().expect("numeric id")
}

/// Mastodon's JRD for the local account `username`.
fn account_jrd(app: &TestApp, username: &str) -> Value {
    let base = &app.base;
    json!({
        "subject": format!("acct:{username}@{}", domain(app)),
        "aliases": [format!("{base}/@{username}"), format!("{base}/users/{username}")],
        "links": [
            { "rel": PROFILE_PAGE, "type": "text/html", "href": format!("{base}/@{username}") },
            { "rel": "self", "type": "application/activity+json", "href": format!("{base}/users/{username}") },
            { "rel": "http://ostatus.org/schema/1.0/subscribe", "template": format!("{base}/authorize_interaction?uri={{uri}}") },
        ],
    })
}

#[tokio::test]
async fn webfinger_acct_answers_like_mastodon() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let (status, headers, body) = webfinger(&app, &format!("acct:alice@{}", domain(&app))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type(&headers), JRD);
    assert_eq!(body, account_jrd(&app, "alice"));
}

#[tokio::test]
async fn webfinger_accepts_the_handle_forms_clients_send() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let d = domain(&app);
    for resource in [
        format!("alice@{d}"),
        format!("@alice@{d}"),
        format!("acct:ALICE@{d}"),
        format!("ACCT:Alice@{d}"),
        format!(" acct:alice@{d} "),
    ] {
        let (status, _, body) = webfinger(&app, &resource).await;
        assert_eq!(status, StatusCode::OK, "{resource}: {body}");
        // The subject carries the stored spelling, whatever was asked.
        assert_eq!(body, account_jrd(&app, "alice"), "{resource}");
    }
}

#[tokio::test]
async fn webfinger_resolves_actor_and_profile_urls() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let base = &app.base;
    for resource in [
        format!("{base}/users/alice"),
        format!("{base}/@alice"),
        format!("{base}/users/Alice"),
        format!("{base}/users/alice/"),
    ] {
        let (status, headers, body) = webfinger(&app, &resource).await;
        assert_eq!(status, StatusCode::OK, "{resource}: {body}");
        assert_eq!(content_type(&headers), JRD);
        assert_eq!(body, account_jrd(&app, "alice"), "{resource}");
    }
}

#[tokio::test]
async fn webfinger_knows_the_instance_actor() {
    let app = TestApp::spawn().await;
    let d = domain(&app);
    let base = &app.base;
    let expected = json!({
        "subject": format!("acct:{d}@{d}"),
        "aliases": [format!("{base}/actor")],
        "links": [
            { "rel": PROFILE_PAGE, "type": "text/html", "href": format!("{base}/about") },
            { "rel": "self", "type": "application/activity+json", "href": format!("{base}/actor") },
            { "rel": "http://ostatus.org/schema/1.0/subscribe", "template": format!("{base}/authorize_interaction?uri={{uri}}") },
        ],
    });
    for resource in [
        format!("acct:{d}@{d}"),
        format!("{d}@{d}"),
        format!("{base}/actor"),
        format!("{base}/"),
    ] {
        let (status, headers, body) = webfinger(&app, &resource).await;
        assert_eq!(status, StatusCode::OK, "{resource}: {body}");
        assert_eq!(content_type(&headers), JRD);
        assert_eq!(body, expected, "{resource}");
    }
}

#[tokio::test]
async fn webfinger_filters_links_by_rel() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let resource = format!("acct:alice@{}", domain(&app));
    let (status, _, body) =
        get_with_query(&app, &[("resource", resource.as_str()), ("rel", "self")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["links"],
        json!([{ "rel": "self", "type": "application/activity+json", "href": format!("{}/users/alice", app.base) }])
    );
    assert_eq!(body["subject"], format!("acct:alice@{}", domain(&app)));
    let (_, _, body) = get_with_query(
        &app,
        &[
            ("resource", resource.as_str()),
            ("rel", "self"),
            ("rel", PROFILE_PAGE),
        ],
    )
    .await;
    let rels: Vec<&str> = body["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert_eq!(rels, [PROFILE_PAGE, "self"]);
    let (_, _, body) =
        get_with_query(&app, &[("resource", resource.as_str()), ("rel", "nope")]).await;
    assert_eq!(body["links"], json!([]));
}

#[tokio::test]
async fn webfinger_is_404_for_what_is_not_here() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let suspended = app.register("mallory").await;
    sqlx::query("UPDATE accounts SET suspended_at = now() WHERE id = $1")
        .bind(num(&suspended.id))
        .execute(&app.state.db)
        .await
        .expect("suspend");
    let d = domain(&app);
    let base = &app.base;
    let port = app.addr.port();
    for resource in [
        format!("acct:nobody@{d}"),
        "acct:alice@other.example".to_string(),
        "acct:alice@127.0.0.1".to_string(),
        format!("acct:alice@{d}@other.example"),
        format!("acct:mallory@{d}"),
        format!("{base}/users/mallory"),
        format!("{base}/users/nobody"),
        format!("{base}/users/alice/outbox"),
        format!("{base}/@alice@other.example"),
        format!("{base}/about"),
        format!("http://other.example:{port}/users/alice"),
        format!("https://{d}/users/alice"),
    ] {
        let (status, _, body) = webfinger(&app, &resource).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{resource}: {body}");
    }
    // Alice herself is still found: the 404s are about the resources, not the server.
    let (status, _, _) = webfinger(&app, &format!("acct:{}@{d}", alice.username)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn webfinger_is_400_without_a_usable_resource() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let (status, _, body) = get_with_query(&app, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string(), "{body}");
    for query in [
        vec![("resource", "")],
        vec![("resource", "   ")],
        vec![("rel", "self")],
        vec![("resource", "alice")],
        vec![("resource", "acct:alice")],
        vec![("resource", "https://[::1")],
    ] {
        let (status, _, body) = get_with_query(&app, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query:?}: {body}");
    }
}

#[tokio::test]
async fn webfinger_may_be_read_from_any_origin() {
    let app = TestApp::spawn().await;
    app.register("alice").await;
    let url = app.url("/.well-known/webfinger");
    let resource = format!("acct:alice@{}", domain(&app));
    // RFC 7033 §5: every answer carries `Access-Control-Allow-Origin: *`, with or without
    // an Origin header, found or not.
    for (resource, expected) in [
        (resource.as_str(), StatusCode::OK),
        ("acct:nobody@nowhere.example", StatusCode::NOT_FOUND),
    ] {
        for origin in [None, Some("https://elk.example")] {
            let mut req = app.client.get(&url).query(&[("resource", resource)]);
            if let Some(o) = origin {
                req = req.header(ORIGIN, o);
            }
            let res = req.send().await.expect("request");
            assert_eq!(res.status(), expected);
            assert_eq!(
                res.headers()
                    .get(ACCESS_CONTROL_ALLOW_ORIGIN)
                    .and_then(|v| v.to_str().ok()),
                Some("*"),
                "{resource} from {origin:?}"
            );
        }
    }
    // A browser's preflight is answered too.
    let res = app
        .client
        .request(Method::OPTIONS, &url)
        .header(ORIGIN, "https://elk.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("preflight");
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        res.headers()
            .get(ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
}

#[tokio::test]
async fn host_meta_points_to_webfinger() {
    let app = TestApp::spawn().await;
    let template = format!("{}/.well-known/webfinger?resource={{uri}}", app.base);

    let res = app
        .client
        .get(app.url("/.well-known/host-meta"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        content_type(res.headers()),
        "application/xrd+xml; charset=utf-8"
    );
    let xml = res.text().await.expect("body");
    assert_eq!(
        xml,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
             <Link rel=\"lrdd\" template=\"{template}\"/>\n\
             </XRD>\n"
        )
    );

    let expected = json!({ "links": [{ "rel": "lrdd", "template": template }] });
    let (status, headers, body) = into_parts(
        app.client
            .get(app.url("/.well-known/host-meta.json"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), JRD);
    assert_eq!(body, expected);

    // A client that accepts only JSON gets the JSON form from the XRD address.
    let (status, headers, body) = into_parts(
        app.client
            .get(app.url("/.well-known/host-meta"))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), JRD);
    assert_eq!(body, expected);
}

#[tokio::test]
async fn nodeinfo_index_links_both_schemas() {
    let app = TestApp::spawn().await;
    let (status, headers, body) = into_parts(
        app.client
            .get(app.url("/.well-known/nodeinfo"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type(&headers).starts_with("application/json"),
        "{headers:?}"
    );
    assert_eq!(
        body,
        json!({ "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{}/nodeinfo/2.0", app.base) },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{}/nodeinfo/2.1", app.base) },
        ]})
    );
    // The links work.
    for link in body["links"].as_array().expect("links") {
        let res = app
            .client
            .get(link["href"].as_str().expect("href"))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::OK);
    }
}

/// Sets when a user signed up and last signed in.
async fn last_seen_days_ago(app: &TestApp, account_id: &str, days: i32) {
    sqlx::query(
        "UPDATE users SET created_at = now() - make_interval(days => $2), \
         last_sign_in_at = now() - make_interval(days => $2) WHERE account_id = $1",
    )
    .bind(num(account_id))
    .bind(days)
    .execute(&app.state.db)
    .await
    .expect("backdate");
}

#[tokio::test]
async fn nodeinfo_documents_have_exact_shapes_and_real_counts() {
    let app = TestApp::spawn_with(|c| {
        c.instance.title = "Rookery Test".into();
        c.instance.description = "Where the tests live.".into();
    })
    .await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let erin = app.register("erin").await;
    let frank = app.register("frank").await;

    // Alice posts three statuses, one followers-only; Bob posts one and boosts Alice's.
    let first = app.post_status(&alice, "one", json!({})).await;
    app.post_status(&alice, "two", json!({})).await;
    app.post_status(&alice, "three", json!({"visibility": "private"}))
        .await;
    app.post_status(&bob, "hello", json!({})).await;
    let (status, boost) = app
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                first["id"].as_str().expect("id")
            ),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{boost}");

    // Carol was last seen 100 days ago, Dave 400 days ago; Erin is suspended and Frank
    // waits for approval: neither of those two counts.
    last_seen_days_ago(&app, &carol.id, 100).await;
    last_seen_days_ago(&app, &dave.id, 400).await;
    sqlx::query("UPDATE accounts SET suspended_at = now() WHERE id = $1")
        .bind(num(&erin.id))
        .execute(&app.state.db)
        .await
        .expect("suspend");
    sqlx::query("UPDATE users SET approved = FALSE WHERE account_id = $1")
        .bind(num(&frank.id))
        .execute(&app.state.db)
        .await
        .expect("unapprove");

    let usage = json!({
        "users": { "total": 4, "activeMonth": 2, "activeHalfyear": 3 },
        "localPosts": 4,
    });
    let metadata = json!({
        "nodeName": "Rookery Test",
        "nodeDescription": "Where the tests live.",
        "upstream": { "name": "mastodon", "version": "4.5.0" },
    });
    let version = env!("CARGO_PKG_VERSION");

    for (schema, software) in [
        ("2.0", json!({ "name": "rookery", "version": version })),
        (
            "2.1",
            json!({ "name": "rookery", "version": version, "repository": SOURCE_URL, "homepage": SOURCE_URL }),
        ),
    ] {
        let (status, headers, body) = into_parts(
            app.client
                .get(app.url(&format!("/nodeinfo/{schema}")))
                .send()
                .await
                .expect("request"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            content_type(&headers),
            format!(
                "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{schema}#\""
            )
        );
        assert_shape(
            &body,
            &[
                ("version", "string"),
                ("software", "object"),
                ("protocols", "array"),
                ("services", "object"),
                ("openRegistrations", "boolean"),
                ("usage", "object"),
                ("metadata", "object"),
            ],
        );
        assert_eq!(
            body,
            json!({
                "version": schema,
                "software": software,
                "protocols": ["activitypub"],
                "services": { "inbound": [], "outbound": [] },
                "openRegistrations": true,
                "usage": usage,
                "metadata": metadata,
            }),
            "{schema}"
        );
    }

    // The same counts as the Mastodon API's instance endpoints.
    let (_, v1) = app.get("/api/v1/instance", None).await;
    assert_eq!(v1["stats"]["user_count"], 4);
    assert_eq!(v1["stats"]["status_count"], 4);
    let (_, v2) = app.get("/api/v2/instance", None).await;
    assert_eq!(v2["usage"]["users"]["active_month"], 2);
}

#[tokio::test]
async fn nodeinfo_of_an_empty_closed_instance() {
    let app = TestApp::spawn_with(|c| c.registrations = RegistrationMode::Closed).await;
    for schema in ["2.0", "2.1"] {
        let (status, body) = app.get(&format!("/nodeinfo/{schema}"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["openRegistrations"], false);
        assert_eq!(
            body["usage"],
            json!({ "users": { "total": 0, "activeMonth": 0, "activeHalfyear": 0 }, "localPosts": 0 })
        );
        assert_eq!(body["metadata"]["nodeName"], "Rookery");
        assert_eq!(body["metadata"]["upstream"]["name"], "mastodon");
    }
    // Approval mode still lets people sign up.
    let app = TestApp::spawn_with(|c| c.registrations = RegistrationMode::Approval).await;
    let (_, body) = app.get("/nodeinfo/2.1", None).await;
    assert_eq!(body["openRegistrations"], true);
}
