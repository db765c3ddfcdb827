//! Several instances, and peers that are stubs: waiting for two instances' queues, finding
//! and following accounts across instances, stub hosts serving documents of their choosing,
//! and activities signed as their servers would sign them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode as AxumStatus, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use reqwest::StatusCode;
use rookery::federation::fetch::KeySigner;
use rookery::federation::signature::{self, SigningKey};
use serde_json::{json, Value};

use super::{TestApp, TestUser};

/// Runs both instances' queues until `check` holds (fifteen seconds at most).
pub async fn eventually(
    a: &TestApp,
    b: &TestApp,
    what: &str,
    mut check: impl AsyncFnMut() -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        a.drain_jobs().await;
        b.drain_jobs().await;
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `who` on `app` looks `handle` up (resolving it), if it is found: its local id there.
pub async fn try_resolve(app: &TestApp, who: &TestUser, handle: &str) -> Option<String> {
    let (_, found) = app
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=accounts",
                super::urlencode(handle)
            ),
            Some(&who.token),
        )
        .await;
    found["accounts"][0]["id"].as_str().map(str::to_string)
}

/// `who` on `app` looks `handle` up (resolving it) and returns its local id there.
pub async fn resolve(app: &TestApp, who: &TestUser, handle: &str) -> String {
    let (status, found) = app
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=accounts",
                super::urlencode(handle)
            ),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["accounts"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{handle} not resolved: {found}"))
        .to_string()
}

/// `follower` on `b` follows `handle` (an account of `a`), and waits until `a` has accepted;
/// returns the account's id on `b`.
pub async fn follow_remotely(
    a: &TestApp,
    b: &TestApp,
    follower: &TestUser,
    handle: &str,
) -> String {
    let id = resolve(b, follower, handle).await;
    let (status, body) = b
        .post(
            &format!("/api/v1/accounts/{id}/follow"),
            Some(&follower.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(a, b, "the remote follow is accepted", async || {
        relationship(b, follower, &id).await["following"] == true
    })
    .await;
    id
}

/// `who`'s relationship on `app` to the account with id `id` there.
pub async fn relationship(app: &TestApp, who: &TestUser, id: &str) -> Value {
    let (_, rel) = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(&who.token),
        )
        .await;
    rel[0].clone()
}

/// A stub host, for peers that lie (behaviour Rookery itself never shows): documents by path,
/// WebFinger answers by resource, and a log of every path asked for.
#[derive(Clone, Default)]
pub struct StubHost {
    docs: Arc<Mutex<HashMap<String, Value>>>,
    fingers: Arc<Mutex<HashMap<String, Value>>>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl StubHost {
    /// Starts serving on a free loopback port; returns the host and its `host:port`.
    pub async fn start() -> (StubHost, String) {
        let stub = StubHost::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let host = listener.local_addr().expect("addr").to_string();
        let router = Router::new()
            .route("/.well-known/webfinger", get(finger))
            .fallback(document)
            .with_state(stub.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (stub, host)
    }

    /// Serves `doc` as ActivityPub JSON at `path`.
    pub fn serve(&self, path: &str, doc: Value) {
        self.docs.lock().expect("lock").insert(path.into(), doc);
    }

    /// WebFinger for `acct` answers `subject` with a `self` link to `href`.
    pub fn finger(&self, acct: &str, subject: &str, href: &str) {
        self.fingers.lock().expect("lock").insert(
            format!("acct:{acct}"),
            json!({
                "subject": format!("acct:{subject}"),
                "links": [{ "rel": "self", "type": "application/activity+json", "href": href }],
            }),
        );
    }

    /// WebFinger for `acct` answers `jrd` as it is.
    pub fn finger_doc(&self, acct: &str, jrd: Value) {
        self.fingers
            .lock()
            .expect("lock")
            .insert(format!("acct:{acct}"), jrd);
    }

    /// Every path asked for so far, in order.
    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("lock").clone()
    }
}

async fn finger(
    State(stub): State<StubHost>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    stub.hits
        .lock()
        .expect("lock")
        .push("/.well-known/webfinger".into());
    let resource = q.get("resource").cloned().unwrap_or_default();
    match stub.fingers.lock().expect("lock").get(&resource) {
        Some(jrd) => (
            [(header::CONTENT_TYPE, "application/jrd+json")],
            jrd.to_string(),
        )
            .into_response(),
        None => AxumStatus::NOT_FOUND.into_response(),
    }
}

async fn document(State(stub): State<StubHost>, uri: Uri) -> Response {
    stub.hits.lock().expect("lock").push(uri.path().into());
    match stub.docs.lock().expect("lock").get(uri.path()) {
        Some(doc) => (
            [(header::CONTENT_TYPE, "application/activity+json")],
            doc.to_string(),
        )
            .into_response(),
        None => AxumStatus::NOT_FOUND.into_response(),
    }
}

/// A Person at `http://{host}{path}` calling itself `username`, with a fresh key; returns
/// the document and a signer for its key.
pub fn actor(host: &str, path: &str, username: &str) -> (Value, KeySigner) {
    let (private, public) = super::keys::key_pair();
    let id = format!("http://{host}{path}");
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": username,
        "name": format!("{username} (stub)"),
        "inbox": format!("{id}/inbox"),
        "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public },
    });
    let signer = KeySigner {
        key: SigningKey::from_pem(&private).expect("key"),
        key_id: format!("{id}#main-key"),
    };
    (doc, signer)
}

/// POSTs `activity` to `to`'s shared inbox, signed with `signer`'s key as its server would.
pub async fn post_signed(to: &TestApp, signer: &KeySigner, activity: &Value) -> StatusCode {
    let body = serde_json::to_vec(activity).expect("json");
    let inbox = url::Url::parse(&to.url("/inbox")).expect("url");
    let (host, target) = signature::host_and_target(&inbox).expect("host");
    let signed = signature::sign_request(
        &signer.key,
        &signer.key_id,
        "POST",
        &target,
        &host,
        &signature::http_date(chrono::Utc::now()),
        Some(&body),
        Some("application/activity+json"),
    );
    let mut req = to
        .client
        .post(inbox)
        .header("content-type", "application/activity+json")
        .body(body);
    for (k, v) in signed.pairs() {
        req = req.header(k, v);
    }
    req.send().await.expect("post").status()
}

/// A stub server with one actor, `eve`, whose document `adjust` may change; her handle is
/// confirmed over WebFinger.
pub async fn eve(adjust: impl FnOnce(&mut Value)) -> (StubHost, String, KeySigner) {
    let (stub, host) = StubHost::start().await;
    let (mut doc, signer) = actor(&host, "/users/eve", "eve");
    adjust(&mut doc);
    stub.serve("/users/eve", doc);
    stub.finger(
        &format!("eve@{host}"),
        &format!("eve@{host}"),
        &format!("http://{host}/users/eve"),
    );
    (stub, host, signer)
}

/// The status with ActivityPub id `uri` as `who` on `b` reads it, once it has reached their
/// home timeline from `a` (its jobs drained, so its media are settled).
pub async fn arrived(
    a: &TestApp,
    b: &TestApp,
    who: &TestUser,
    uri: &serde_json::Value,
) -> serde_json::Value {
    let mut id = None;
    eventually(a, b, "the post reaches its reader", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&who.token)).await;
        id = home
            .as_array()
            .and_then(|l| l.iter().find(|s| s["uri"] == *uri))
            .and_then(|s| s["id"].as_str().map(str::to_string));
        id.is_some()
    })
    .await;
    b.drain_jobs().await;
    let id = id.expect("id");
    b.get(&format!("/api/v1/statuses/{id}"), Some(&who.token))
        .await
        .1
}
