//! "Follow from your server" between two Rookery instances: the visitor's server is found
//! over WebFinger, its `subscribe` template is followed, and its `/authorize_interaction`
//! shows the account (with Follow) or the post, fetched over federation. Bad handles and
//! bad templates end on the form with a clear error, never on a redirect.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::federation::{eventually, relationship, StubHost};
use crate::helpers::web::WebSession;
use crate::helpers::{hidden, urlencode, TestApp};

/// Asks `a`'s `/remote_interaction` to send `server` on for `uri`.
async fn ask(a: &TestApp, uri: &str, server: &str) -> (StatusCode, Option<String>, String) {
    let res = a
        .client
        .get(a.url("/remote_interaction"))
        .query(&[("uri", uri), ("server", server)])
        .send()
        .await
        .expect("get");
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, location, res.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_follows_and_opens_from_their_own_rookery() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let actor = format!("{}/users/alice", a.base);

    // The profile page offers the form with the actor's id.
    let profile = WebSession::anonymous(&a).get("/@alice").await;
    assert!(profile.body.contains("action=\"/remote_interaction\""));
    assert_eq!(hidden(&profile.body, "uri"), actor);

    // B advertises its template, for accounts and for the server itself.
    let (_, jrd) = b
        .get(
            &format!(
                "/.well-known/webfinger?resource={}",
                urlencode(&format!("acct:bob@{}", b.addr))
            ),
            None,
        )
        .await;
    let template = format!("{}/authorize_interaction?uri={{uri}}", b.base);
    assert!(
        jrd["links"]
            .as_array()
            .expect("links")
            .iter()
            .any(|l| l["rel"] == "http://ostatus.org/schema/1.0/subscribe"
                && l["template"] == template.as_str()),
        "{jrd}"
    );

    let expected = format!("{}/authorize_interaction?uri={}", b.base, urlencode(&actor));
    for server in [
        format!("bob@{}", b.addr),
        format!("@bob@{}", b.addr),
        b.addr.to_string(),
    ] {
        let (status, location, body) = ask(&a, &actor, &server).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{server}: {body}");
        assert_eq!(location.as_deref(), Some(expected.as_str()), "{server}");
    }

    // On B, signed in: the account, resolved over federation, with Follow; following works.
    let web = WebSession::sign_in(&b, "bob").await;
    let path = expected.trim_start_matches(&b.base).to_string();
    let page = web.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!("Follow @alice@{}", a.addr)),
        "{}",
        page.body
    );
    let account_id = hidden(&page.body, "account_id");
    let csrf = hidden(&page.body, "csrf_token");
    let followed = web
        .post_raw(
            "/authorize_interaction",
            &[
                ("csrf_token", csrf.as_str()),
                ("uri", actor.as_str()),
                ("account_id", account_id.as_str()),
                ("action", "follow"),
            ],
        )
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.body);
    eventually(&a, &b, "bob follows alice", async || {
        relationship(&b, &bob, &account_id).await["following"] == true
    })
    .await;

    // A post: sent on the same way, shown on B with a link to open it where it was posted.
    let (_, post) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": "a post to open elsewhere" }),
        )
        .await;
    let post_uri = post["uri"].as_str().expect("uri").to_string();
    let (status, location, body) = ask(&a, &post_uri, &format!("bob@{}", b.addr)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.expect("location");
    let page = web.get(location.trim_start_matches(&b.base)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("a post to open elsewhere"),
        "{}",
        page.body
    );
    assert!(page.body.contains("View it where it was posted"));
}

#[tokio::test]
async fn bad_handles_and_templates_end_on_the_form() {
    let a = TestApp::spawn().await;
    a.register("alice").await;
    let actor = format!("{}/users/alice", a.base);
    let (stub, host) = StubHost::start().await;
    let jrd = |template: Option<&str>| {
        let mut links = vec![
            json!({ "rel": "self", "type": "application/activity+json", "href": format!("http://{host}/users/x") }),
        ];
        if let Some(t) = template {
            links.push(json!({ "rel": "http://ostatus.org/schema/1.0/subscribe", "template": t }));
        }
        json!({ "subject": "acct:x@stub", "links": links })
    };
    stub.finger_doc(&format!("plain@{host}"), jrd(None));
    stub.finger_doc(
        &format!("private@{host}"),
        jrd(Some("http://10.0.0.7/authorize_interaction?uri={uri}")),
    );
    stub.finger_doc(
        &format!("script@{host}"),
        jrd(Some("javascript:alert(document.cookie)//{uri}")),
    );
    stub.finger_doc(
        &format!("elsewhere@{host}"),
        jrd(Some("http://127.0.0.1:9/authorize_interaction?uri={uri}")),
    );
    stub.finger_doc(
        &format!("noplace@{host}"),
        jrd(Some("https://their.example/no-uri")),
    );

    for (who, status, words) in [
        ("nobody", StatusCode::NOT_FOUND, "No account by that name"),
        (
            "plain",
            StatusCode::UNPROCESSABLE_ENTITY,
            "does not say where",
        ),
        (
            "private",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsafe address",
        ),
        ("script", StatusCode::UNPROCESSABLE_ENTITY, "unsafe address"),
        (
            "elsewhere",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsafe address",
        ),
        (
            "noplace",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsafe address",
        ),
    ] {
        let (got, location, body) = ask(&a, &actor, &format!("{who}@{host}")).await;
        assert_eq!(got, status, "{who}: {body}");
        assert_eq!(location, None, "{who} is not sent anywhere");
        assert!(body.contains(words), "{who}: {body}");
        assert!(body.contains("name=\"server\""), "{who}: the form again");
    }
    // A server that does not answer at all.
    let (got, location, body) = ask(&a, &actor, "bob@127.0.0.1:9").await;
    assert_eq!(got, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(location, None);
    // Not a handle, and nothing of this server's.
    let (got, _, _) = ask(&a, &actor, "not a server/at all").await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    let (got, _, _) = ask(&a, "https://elsewhere.example/x", "bob@their.example").await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
}
