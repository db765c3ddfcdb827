//! `/authorize_interaction`: the page remote "follow" buttons lead to (the WebFinger
//! `subscribe` template): sign in, then follow an account or see a post.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::federation::{eventually, relationship};
use crate::helpers::{browser, hidden, urlencode, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_then_follow_or_see_a_post() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let post = b.post_status(&bob, "hello from bob", json!({})).await;
    let browser = browser();
    let page = |uri: &str| format!("{}/authorize_interaction?uri={}", a.base, urlencode(uri));
    let bob_handle = format!("acct:bob@{}", b.addr);

    // Missing uri: 400. Not signed in: the sign-in form.
    let res = browser
        .get(a.url("/authorize_interaction"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = browser.get(page(&bob_handle)).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.expect("html");
    assert!(html.contains("Sign in to interact"), "{html}");
    let csrf = hidden(&html, "csrf_token");

    let submit = |fields: Vec<(&'static str, String)>| {
        browser
            .post(a.url("/authorize_interaction"))
            .form(&fields)
            .send()
    };
    // A forged form (no matching CSRF token) and a wrong password are refused.
    let res = submit(vec![
        ("csrf_token", "x".repeat(32)),
        ("uri", bob_handle.clone()),
        ("action", "sign_in".into()),
        ("login", "alice".into()),
        ("password", "correct horse battery".into()),
    ])
    .await
    .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = submit(vec![
        ("csrf_token", csrf.clone()),
        ("uri", bob_handle.clone()),
        ("action", "sign_in".into()),
        ("login", "alice".into()),
        ("password", "wrong".into()),
    ])
    .await
    .expect("post");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Signed in: back to the page, which now offers to follow bob.
    let res = submit(vec![
        ("csrf_token", csrf.clone()),
        ("uri", bob_handle.clone()),
        ("action", "sign_in".into()),
        ("login", "alice".into()),
        ("password", "correct horse battery".into()),
    ])
    .await
    .expect("post");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/authorize_interaction?uri={}", urlencode(&bob_handle))
    );
    let html = browser
        .get(page(&bob_handle))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(html.contains(&format!("Follow @bob@{}", b.addr)), "{html}");
    assert!(html.contains("Signed in as <strong>@alice</strong>"));
    let account_id = hidden(&html, "account_id");

    let res = submit(vec![
        ("csrf_token", csrf.clone()),
        ("uri", bob_handle.clone()),
        ("action", "follow".into()),
        ("account_id", account_id.clone()),
    ])
    .await
    .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("follow request was sent") || html.contains("following this account"),
        "{html}"
    );
    eventually(&a, &b, "alice follows bob", async || {
        relationship(&a, &alice, &account_id).await["following"] == true
    })
    .await;

    // A post by its URL: fetched and shown, sanitised.
    let html = browser
        .get(page(post["uri"].as_str().expect("uri")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&format!("A post by @bob@{}", b.addr)),
        "{html}"
    );
    assert!(html.contains("hello from bob"));
    // Nothing there: 404 with an explanation.
    let res = browser
        .get(page(&b.url("/users/nobody")))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Following needs the session: another browser cannot, even with a token of its own.
    let stranger = browser_with_csrf(&a, &bob_handle).await;
    let res = stranger
        .0
        .post(a.url("/authorize_interaction"))
        .form(&[
            ("csrf_token", stranger.1.as_str()),
            ("uri", bob_handle.as_str()),
            ("action", "follow"),
            ("account_id", account_id.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn browser_with_csrf(app: &TestApp, uri: &str) -> (reqwest::Client, String) {
    let b = browser();
    let html = b
        .get(format!(
            "{}/authorize_interaction?uri={}",
            app.base,
            urlencode(uri)
        ))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    let csrf = hidden(&html, "csrf_token");
    (b, csrf)
}
