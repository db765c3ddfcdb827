//! The routes of the client API: every URL a handler file under `src/api/` registers answers
//! on a running server (none is left out of the merge), and representative URLs answer as
//! clients expect.

use std::path::Path;

use reqwest::{Method, StatusCode};

use crate::helpers::TestApp;

/// One `.route(path, methods)` call found in the source.
#[derive(Debug)]
struct Route {
    file: String,
    path: String,
    methods: Vec<Method>,
}

/// The `.route(…)` calls of every file under `dir`, read from the source: a handler module that
/// registers a URL in its `routes()` but is not merged shows up as a URL that is not served.
fn routes_in(dir: &Path, found: &mut Vec<Route>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read source directory")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            routes_in(&path, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read source file");
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            let call = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = call
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("closing parenthesis of .route(");
            let args = &call[..end];
            let quoted = args.split('"').nth(1).expect("a path literal");
            let methods = ["get", "post", "put", "patch", "delete"]
                .into_iter()
                .filter(|m| {
                    args.match_indices(&format!("{m}("))
                        .any(|(i, _)| i == 0 || !args.as_bytes()[i - 1].is_ascii_alphanumeric())
                })
                .map(|m| Method::from_bytes(m.to_uppercase().as_bytes()).expect("method"))
                .collect();
            found.push(Route {
                file: path.display().to_string(),
                path: quoted.to_string(),
                methods,
            });
            rest = &call[end..];
        }
    }
}

/// A URL for a route pattern: path parameters become an id that names nothing.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| match segment {
            "{hashtag}" => "rookery",
            s if s.starts_with('{') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the router had nothing for this request: under `/api/` its 404 carries the
/// `x-rookery-unrouted` header (the body is Mastodon's `{"error": …}`, as a handler's 404);
/// elsewhere axum's own 404 has an empty body (every handler's 404 has a JSON one); a 405
/// means the path exists for other methods only.
async fn unrouted(res: reqwest::Response) -> bool {
    match res.status() {
        StatusCode::METHOD_NOT_ALLOWED => true,
        StatusCode::NOT_FOUND => {
            res.headers().contains_key(rookery::api::UNROUTED.as_str())
                || res.text().await.unwrap_or_default().trim().is_empty()
        }
        _ => false,
    }
}

#[tokio::test]
async fn every_route_registered_under_src_api_is_served() {
    let mut routes = Vec::new();
    routes_in(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api"),
        &mut routes,
    );
    // The reading of the source itself: it must find the API, not a handful of lines.
    assert!(routes.len() > 100, "only {} routes found", routes.len());
    for expected in [
        "/api/v1/accounts/{id}/follow",
        "/api/v1/accounts/relationships",
        "/api/v1/blocks",
        "/api/v1/mutes",
        "/api/v1/follow_requests",
        "/api/v1/statuses/{id}/favourite",
        "/api/v1/admin/reports",
        "/api/v2/search",
        "/oauth/token",
    ] {
        assert!(
            routes.iter().any(|r| r.path == expected),
            "{expected} is not registered under src/api"
        );
    }
    for route in &routes {
        assert!(
            !route.methods.is_empty(),
            "no method read for {} in {}",
            route.path,
            route.file
        );
    }

    let app = TestApp::spawn().await;
    let mut missing = Vec::new();
    for route in &routes {
        for method in &route.methods {
            let res = app
                .client
                .request(method.clone(), app.url(&concrete(&route.path)))
                .send()
                .await
                .expect("request");
            if unrouted(res).await {
                missing.push(format!("{method} {} ({})", route.path, route.file));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "registered but not served: {missing:#?}"
    );

    // The check itself can fail: a URL nobody registers is reported as unrouted…
    let res = app
        .client
        .get(app.url("/api/v1/no_such_endpoint"))
        .send()
        .await
        .expect("request");
    assert!(unrouted(res).await);
    // …and a handler's own 404 is not.
    let res = app
        .client
        .get(app.url("/api/v1/statuses/1"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!unrouted(res).await);
}

/// Unknown URLs under `/api/` answer as Mastodon does: 404 with `{"error":"Record not found"}`,
/// whatever the method; a known path with another method stays 405.
#[tokio::test]
async fn unknown_api_urls_are_not_found_in_json() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        (Method::GET, "/api/v1/no_such_endpoint"),
        (Method::POST, "/api/v2/nothing/here"),
        (Method::DELETE, "/api/v9/statuses"),
        (Method::GET, "/api/v1/accounts/1/no_such_action"),
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert!(res
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json")));
        let body: serde_json::Value = res.json().await.expect("a JSON body");
        assert_eq!(
            body,
            serde_json::json!({"error": "Record not found"}),
            "{path}"
        );
    }
    let res = app
        .client
        .delete(app.url("/api/v1/instance"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Outside /api/ nothing changes: the web's unknown pages are not the API's.
    let res = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers().get(rookery::api::UNROUTED.as_str()).is_none());
}

#[tokio::test]
async fn representative_urls_answer_as_before() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;

    // Public reads.
    for path in [
        "/api/v1/instance",
        "/api/v2/instance",
        "/api/v1/instance/rules",
        "/api/v1/timelines/public",
        "/api/v1/custom_emojis",
        "/.well-known/oauth-authorization-server",
    ] {
        let (status, body) = app.get(path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    }
    let (status, _) = app.get(&format!("/api/v1/accounts/{}", bob.id), None).await;
    assert_eq!(status, StatusCode::OK);

    // A person's URLs ask for a token, then answer with one.
    for path in [
        "/api/v1/accounts/verify_credentials",
        "/api/v1/blocks",
        "/api/v1/mutes",
        "/api/v1/follow_requests",
        "/api/v1/favourites",
        "/api/v1/bookmarks",
        "/api/v1/notifications",
        "/api/v1/timelines/home",
        "/api/v1/preferences",
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/domain_blocks",
        "/api/v1/markers?timeline[]=home",
    ] {
        let (status, _) = app.get(path, None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "GET {path} without a token"
        );
        let (status, body) = app.get(path, Some(&alice.token)).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    }
    let (status, body) = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["id"], bob.id.as_str());

    // Account-scoped actions live under /api/v1/accounts/:id/….
    let follow = format!("/api/v1/accounts/{}/follow", bob.id);
    let (status, _) = app.request(Method::POST, &follow, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .request(Method::POST, &follow, Some(&alice.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["following"], true);
    let (status, body) = app
        .get(&format!("/api/v1/accounts/{}/followers", bob.id), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["id"], alice.id.as_str());

    // Staff URLs answer 403 to a person who is not staff.
    let (status, _) = app.get("/api/v1/admin/accounts", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
