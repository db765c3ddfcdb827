//! Hostile request shapes: parameters nested past any client's needs, too many of them, JSON
//! nested past the parser's limit. Each is a 400 in Mastodon's error shape, and the server
//! goes on serving (a stack overflow here would abort the whole test process).

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

/// `a[b][b]…[b]=1` with `levels` brackets, as one query or form pair.
fn nested_key(levels: usize) -> String {
    format!("a{}=1", "[b]".repeat(levels))
}

async fn assert_bad_request(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert!(body["error"].is_string(), "{body}");
}

async fn assert_still_serving(app: &TestApp) {
    let (status, _) = app.get("/api/v1/instance", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn deeply_nested_parameters_are_refused_not_fatal() {
    let app = TestApp::spawn().await;
    // The attack as found: a 9 KB query string on a public endpoint, no token.
    let response = app
        .client
        .get(app.url(&format!("/api/v1/timelines/public?{}", nested_key(3000))))
        .send()
        .await
        .expect("request");
    assert_bad_request(response).await;
    assert_still_serving(&app).await;

    // The same in a form body, before any client is authenticated.
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=password&{}", nested_key(3000)))
        .send()
        .await
        .expect("request");
    assert_bad_request(response).await;

    // And in a multipart field name.
    let form = reqwest::multipart::Form::new().text(format!("a{}", "[b]".repeat(3000)), "1");
    let response = app
        .client
        .post(app.url("/api/v1/apps"))
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_bad_request(response).await;
    assert_still_serving(&app).await;

    // Nesting that clients really send still works.
    let (status, _) = app
        .get(
            "/api/v1/timelines/public?limit=2&exclude_types[]=a&x[0][name]=y",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn too_many_parameters_are_refused() {
    let app = TestApp::spawn().await;
    let query: Vec<String> = (0..5000).map(|i| format!("k{i}=1")).collect();
    let response = app
        .client
        .get(app.url(&format!("/api/v1/timelines/public?{}", query.join("&"))))
        .send()
        .await
        .expect("request");
    assert_bad_request(response).await;
    assert_still_serving(&app).await;
}

#[tokio::test]
async fn deeply_nested_json_is_refused() {
    let app = TestApp::spawn().await;
    let depth = 100_000;
    let body = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
    let response = app
        .client
        .post(app.url("/api/v1/apps"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_bad_request(response).await;
    assert_still_serving(&app).await;
}
