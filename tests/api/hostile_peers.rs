//! Remote servers that lie: a note whose `url` names another server's status, links in
//! schemes a browser would run, relative links, a birth date in the year 7000, a host spelled
//! with a trailing dot to slip past a block. The liars are stubs (Rookery never sends such
//! documents); the victims are real instances exchanging signed requests.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{actor, eve, post_signed};
use crate::helpers::{TestApp, TestUser};

/// A public Create of a note by eve at `path` on her host; `note` adds or replaces fields.
fn create_note(host: &str, path: &str, note: Value) -> Value {
    let eve = format!("http://{host}/users/eve");
    let mut object = json!({
        "id": format!("http://{host}{path}"),
        "type": "Note",
        "attributedTo": eve,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": "<p>hello</p>",
        "published": "2026-12-01T10:00:00Z",
    });
    if let (Some(base), Value::Object(extra)) = (object.as_object_mut(), note) {
        base.extend(extra);
    }
    json!({
        "id": format!("http://{host}{path}/activity"),
        "type": "Create",
        "actor": eve,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": object,
    })
}

/// What `who` finds for `q` with `resolve=true`.
async fn search(app: &TestApp, who: &TestUser, q: &str, kind: &str) -> Value {
    let (status, found) = app
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type={kind}",
                crate::helpers::urlencode(q)
            ),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_cannot_squat_another_servers_status_by_its_url() {
    let a = TestApp::spawn().await;
    let v = TestApp::spawn().await;
    let bob = a.register("bob").await;
    let vic = v.register("vic").await;
    let genuine = v.post_status(&vic, "the genuine post", json!({})).await;
    let vic_uri = genuine["uri"].as_str().expect("uri");

    // Eve's note claims vic's status id as its web address, and arrives first.
    let (_stub, host, eve_signs) = eve(|_| {}).await;
    let squat = create_note(
        &host,
        "/notes/squat",
        json!({ "url": vic_uri, "content": "<p>squatter</p>" }),
    );
    assert_eq!(
        post_signed(&a, &eve_signs, &squat).await,
        StatusCode::ACCEPTED
    );
    a.drain_jobs().await;

    // Eve's note is stored, without the borrowed address.
    let found = search(&a, &bob, &format!("http://{host}/notes/squat"), "statuses").await;
    let eves = &found["statuses"][0];
    assert!(
        eves["content"].as_str().unwrap_or("").contains("squatter"),
        "{found}"
    );
    assert_ne!(eves["url"], json!(vic_uri), "{eves}");

    // Vic's URI still means vic's status: fetched from vic's server, not answered by eve's.
    let found = search(&a, &bob, vic_uri, "statuses").await;
    let status = &found["statuses"][0];
    assert_eq!(status["uri"], json!(vic_uri), "{found}");
    assert!(
        status["content"]
            .as_str()
            .unwrap_or("")
            .contains("the genuine post"),
        "{found}"
    );
    assert_eq!(found["statuses"].as_array().map(Vec::len), Some(1));

    // A url on the note's own origin is kept.
    let own = create_note(
        &host,
        "/notes/own",
        json!({ "url": format!("http://{host}/@eve/own") }),
    );
    assert_eq!(
        post_signed(&a, &eve_signs, &own).await,
        StatusCode::ACCEPTED
    );
    a.drain_jobs().await;
    let found = search(&a, &bob, &format!("http://{host}/notes/own"), "statuses").await;
    assert_eq!(
        found["statuses"][0]["url"],
        json!(format!("http://{host}/@eve/own")),
        "{found}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_from_peers_are_web_links_only() {
    let a = TestApp::spawn().await;
    let bob = a.register("bob").await;
    let (_stub, host, eve_signs) = eve(|doc| {
        doc["url"] = json!("javascript:alert(document.cookie)");
        doc["icon"] = json!({ "type": "Image", "url": "javascript:alert(1)" });
    })
    .await;
    let eve_uri = format!("http://{host}/users/eve");
    let found = search(&a, &bob, &eve_uri, "accounts").await;
    let account = &found["accounts"][0];
    assert_eq!(account["url"], json!(eve_uri), "{found}");
    assert!(!account.to_string().contains("javascript"), "{account}");

    // A local post mentioning her links to her id, not to the script.
    let post = a
        .post_status(&bob, &format!("hi @eve@{host}"), json!({}))
        .await;
    let content = post["content"].as_str().expect("content");
    assert!(
        content.contains(&format!("href=\"{eve_uri}\"")),
        "{content}"
    );
    assert!(!content.contains("javascript"), "{content}");

    // Her note's url in a script scheme, and relative links in its HTML, are dropped.
    let note = create_note(
        &host,
        "/notes/links",
        json!({
            "url": "javascript:alert(2)",
            "content": "<p><a href=\"/oauth/authorize?client_id=x\">sign in</a> \
                        <a href=\"//evil.example/phish\">more</a> \
                        <a href=\"http://ok.example/\">fine</a></p>",
        }),
    );
    assert_eq!(
        post_signed(&a, &eve_signs, &note).await,
        StatusCode::ACCEPTED
    );
    a.drain_jobs().await;
    let found = search(&a, &bob, &format!("http://{host}/notes/links"), "statuses").await;
    let status = &found["statuses"][0];
    let content = status["content"].as_str().expect("content");
    assert!(!status.to_string().contains("javascript"), "{status}");
    assert!(!content.contains("/oauth/authorize"), "{content}");
    assert!(!content.contains("//evil.example"), "{content}");
    assert!(content.contains("href=\"http://ok.example/\""), "{content}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_far_future_birth_date_leaves_the_account_manageable() {
    let a = TestApp::spawn().await;
    let bob = a.register_with_scopes("bob", "read write follow").await;
    let boss = a.admin().await;
    let (_stub, host, _) = eve(|doc| {
        doc["published"] = json!("7000-01-01T00:00:00Z");
    })
    .await;
    let found = search(&a, &bob, &format!("http://{host}/users/eve"), "accounts").await;
    let id = found["accounts"][0]["id"].as_str().expect("id").to_string();
    assert!(id.parse::<i64>().is_ok_and(|n| n > 0), "{id}");

    let (status, account) = a
        .get(&format!("/api/v1/accounts/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    let created = account["created_at"].as_str().expect("created_at");
    assert!(created < "2100", "{created}");
    for action in ["mute", "block"] {
        let (status, body) = a
            .post(
                &format!("/api/v1/accounts/{id}/{action}"),
                Some(&bob.token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    let (status, body) = a
        .post(
            "/api/v1/reports",
            Some(&bob.token),
            json!({ "account_id": id, "comment": "spam" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = a
        .post(
            &format!("/api/v1/admin/accounts/{id}/action"),
            Some(&boss.token),
            json!({ "type": "suspend" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trailing_dot_does_not_slip_past_a_domain_block() {
    let a = TestApp::spawn().await;
    a.register("alice").await;
    let boss = a.admin().await;
    let (stub, host, _) = eve(|_| {}).await;
    let port = host.rsplit_once(':').map(|(_, p)| p).expect("port");
    let (status, block) = a
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&boss.token),
            json!({ "domain": "localhost", "severity": "suspend" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{block}");

    // The same server, spelled with and without the root's dot and in capitals.
    for spelling in ["localhost", "localhost.", "LocalHost."] {
        let (_, forger) = actor(&format!("{spelling}:{port}"), "/users/eve", "eve");
        let follow = json!({
            "id": format!("http://{spelling}:{port}/follows/1"),
            "type": "Follow",
            "actor": format!("http://{spelling}:{port}/users/eve"),
            "object": a.url("/users/alice"),
        });
        assert_eq!(
            post_signed(&a, &forger, &follow).await,
            StatusCode::FORBIDDEN,
            "{spelling}"
        );
    }
    let (status, found) = a
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=accounts",
                crate::helpers::urlencode(&format!("http://localhost.:{port}/users/eve"))
            ),
            Some(&boss.token),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{found}");
    assert!(stub.hits().is_empty(), "{:?}", stub.hits());
}
