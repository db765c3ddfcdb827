//! Deliveries by hand: a stub remote server whose actors follow local accounts with signed
//! `Follow`s and whose inboxes record every POST and answer as a test scripts, checks of what
//! it received, and `deliver` jobs queued directly.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use reqwest::StatusCode;
use rookery::federation::signature::{self, SigningKey, VerifyingKey};
use serde_json::{json, Value};

use super::{TestApp, TestUser};

/// What the stub answers to the next POST.
#[derive(Clone, Debug)]
pub enum Answer {
    Status(u16),
    /// 429 with this `Retry-After` value.
    TooMany(String),
    /// This status with this `Retry-After` value.
    Later(u16, String),
    /// Never answers (until the client gives up).
    Hang,
}

/// One POST the stub received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

#[derive(Default)]
struct StubState {
    base: String,
    public_pem: String,
    received: Vec<Received>,
    script: VecDeque<Answer>,
    default: Option<Answer>,
    /// Activity ids being handled now, and whether one ever arrived while already in flight.
    in_flight: HashSet<String>,
    overlapped: Vec<String>,
    hold: Duration,
}

/// A remote server: actors at `/users/:name` (shared inbox `/inbox` unless the name starts with
/// `solo`), recording inboxes.
#[derive(Clone)]
pub struct Stub {
    pub addr: SocketAddr,
    pub base: String,
    key: SigningKey,
    state: Arc<Mutex<StubState>>,
}

impl Stub {
    /// Starts serving on a free loopback port.
    pub async fn start() -> Stub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        let (private_pem, public_pem) = tokio::task::spawn_blocking(super::keys::key_pair)
            .await
            .expect("join");
        let key = SigningKey::from_pem(&private_pem).expect("key");
        let state = Arc::new(Mutex::new(StubState {
            base: base.clone(),
            public_pem,
            ..StubState::default()
        }));
        let app = Router::new()
            .route("/users/{name}", get(actor))
            .route("/.well-known/webfinger", get(webfinger))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Stub {
            addr,
            base,
            key,
            state,
        }
    }

    /// The id of this server's actor `name`.
    pub fn actor_url(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    /// Answers the next POSTs with these, in order, then with the default.
    pub fn script(&self, answers: &[Answer]) {
        self.lock().script.extend(answers.iter().cloned());
    }

    /// What to answer when the script is used up (202 unless set).
    pub fn answer_always(&self, answer: Answer) {
        self.lock().default = Some(answer);
    }

    /// Each POST takes this long to answer (to see overlaps).
    pub fn hold(&self, d: Duration) {
        self.lock().hold = d;
    }

    /// Every POST received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Received activities of `kind`.
    pub fn of_type(&self, kind: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.json()["type"] == kind)
            .collect()
    }

    /// Ids of activities that arrived again while their earlier delivery was still in flight.
    pub fn overlapped(&self) -> Vec<String> {
        self.lock().overlapped.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StubState> {
        self.state.lock().expect("stub state")
    }

    /// POSTs `activity` from `name` to `app`'s shared inbox, signed with this server's key.
    pub async fn send(&self, app: &TestApp, name: &str, activity: Value) -> StatusCode {
        self.send_as_if_to(app, name, activity, None).await
    }

    /// As [`Stub::send`], but signed for `host` (and sent with that `Host` header) when given:
    /// a request made for another server, replayed to `app`.
    pub async fn send_as_if_to(
        &self,
        app: &TestApp,
        name: &str,
        activity: Value,
        host: Option<&str>,
    ) -> StatusCode {
        let body = serde_json::to_vec(&activity).expect("json");
        let url = url::Url::parse(&app.url("/inbox")).expect("url");
        let (own, target) = signature::host_and_target(&url).expect("host");
        let host = host.map_or(own, str::to_string);
        let signed = signature::sign_request(
            &self.key,
            &format!("{}#main-key", self.actor_url(name)),
            "POST",
            &target,
            &host,
            &signature::http_date(Utc::now()),
            Some(&body),
            Some("application/activity+json"),
        );
        let mut req = app
            .client
            .post(url)
            .header("host", host)
            .header("content-type", "application/activity+json")
            .body(body);
        for (k, v) in signed.pairs() {
            req = req.header(k, v);
        }
        req.send().await.expect("send").status()
    }

    /// `name` here follows `user` on `app` (a signed Follow), and the follow is in place.
    pub async fn follow(&self, app: &TestApp, name: &str, user: &TestUser) {
        let actor = self.actor_url(name);
        let status = self
            .send(
                app,
                name,
                json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{actor}#follows/{}", user.username),
                    "type": "Follow",
                    "actor": actor,
                    "object": format!("{}/users/{}", app.base, user.username),
                }),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        // The Accept is the last thing the follow causes: once here, the follow is in place.
        wait_for(app, "the follow to be accepted", async || {
            self.accepted(&actor)
        })
        .await;
    }

    fn accepted(&self, actor: &str) -> bool {
        self.of_type("Accept")
            .iter()
            .any(|a| a.json()["object"]["actor"] == actor)
    }
}

async fn actor(State(state): State<Arc<Mutex<StubState>>>, Path(name): Path<String>) -> Response {
    let (base, pem) = {
        let s = state.lock().expect("stub");
        (s.base.clone(), s.public_pem.clone())
    };
    let id = format!("{base}/users/{name}");
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "inbox": format!("{id}/inbox"),
        "followers": format!("{id}/followers"),
        "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem },
    });
    if !name.starts_with("solo") {
        doc["endpoints"] = json!({ "sharedInbox": format!("{base}/inbox") });
    }
    (
        [("content-type", "application/activity+json")],
        doc.to_string(),
    )
        .into_response()
}

/// Confirms every `acct:name@host` of this server as its actor `/users/name` (Rookery checks
/// an actor's handle over WebFinger before it trusts it).
async fn webfinger(
    State(state): State<Arc<Mutex<StubState>>>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let base = state.lock().expect("stub").base.clone();
    let host = base.trim_start_matches("http://");
    let resource = q.get("resource").cloned().unwrap_or_default();
    let Some(name) = resource
        .strip_prefix("acct:")
        .and_then(|a| a.strip_suffix(&format!("@{host}")))
    else {
        return AxumStatus::NOT_FOUND.into_response();
    };
    (
        [("content-type", "application/jrd+json")],
        json!({
            "subject": resource,
            "links": [{ "rel": "self", "type": "application/activity+json", "href": format!("{base}/users/{name}") }],
        })
        .to_string(),
    )
        .into_response()
}

async fn inbox(
    State(state): State<Arc<Mutex<StubState>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let activity_id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_string))
        .unwrap_or_default();
    let (answer, hold) = {
        let mut s = state.lock().expect("stub");
        s.received.push(Received {
            path: uri.path().to_string(),
            headers,
            body,
            at: Instant::now(),
        });
        if !s.in_flight.insert(activity_id.clone()) {
            s.overlapped.push(activity_id.clone());
        }
        let answer = s
            .script
            .pop_front()
            .or_else(|| s.default.clone())
            .unwrap_or(Answer::Status(202));
        (answer, s.hold)
    };
    if !hold.is_zero() {
        tokio::time::sleep(hold).await;
    }
    let response = match answer {
        Answer::Status(code) => AxumStatus::from_u16(code)
            .unwrap_or(AxumStatus::INTERNAL_SERVER_ERROR)
            .into_response(),
        Answer::TooMany(after) => {
            (AxumStatus::TOO_MANY_REQUESTS, [("retry-after", after)]).into_response()
        }
        Answer::Later(code, after) => (
            AxumStatus::from_u16(code).unwrap_or(AxumStatus::INTERNAL_SERVER_ERROR),
            [("retry-after", after)],
        )
            .into_response(),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            AxumStatus::ACCEPTED.into_response()
        }
    };
    state.lock().expect("stub").in_flight.remove(&activity_id);
    response
}

/// Polls `check` until it holds (fifteen seconds at most).
pub async fn wait_for(_app: &TestApp, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Checks a received delivery's signature with `user`'s public key, as a receiver would.
pub async fn assert_signed_by(app: &TestApp, user: &TestUser, r: &Received) {
    let account = rookery::store::accounts::by_id(&app.state.db, user.id.parse().expect("id"))
        .await
        .expect("query")
        .expect("account");
    let key = VerifyingKey::from_pem(&account.public_key_pem).expect("public key");
    let raw = r.headers["signature"].to_str().expect("signature header");
    let params = signature::parse_signature_header(raw).expect("parse");
    assert_eq!(params.key_id(), account.public_key_id);
    signature::verify_request(
        &params,
        "POST",
        &r.path,
        None,
        &r.headers,
        Some(&r.body),
        &key,
        Utc::now(),
    )
    .expect("the signature verifies with the sender's key");
    assert_eq!(r.headers["content-type"], "application/activity+json");
}

/// Queues one `deliver` job to `inbox` per payload as given, in one transaction: how the
/// tests queue jobs the way earlier versions did.
pub async fn enqueue_payloads(app: &TestApp, inbox: &str, payloads: &[Value]) {
    let host = rookery::service::delivery::host_of(inbox).expect("host");
    let mut tx = app.state.db.begin().await.expect("tx");
    for payload in payloads {
        rookery::store::jobs::enqueue_for_host(
            &mut tx,
            &rookery::store::jobs::NewJob {
                id: rookery::id::next(),
                kind: rookery::service::queue::Kind::Deliver.as_str(),
                payload,
                run_at: Utc::now(),
                host: Some(&host),
                max_attempts: Some(rookery::service::queue::DELIVERY_ATTEMPTS),
            },
        )
        .await
        .expect("enqueue");
    }
    tx.commit().await.expect("commit");
}

/// The migration that rewrites jobs queued in earlier formats into today's, run again (it
/// already ran when the database was made, before the test queued anything): what an upgrade
/// does to the jobs an older version left in the queue. Running it twice changes nothing.
pub const ONE_JOB_FORMAT: &str =
    include_str!("../../../migrations/20261203000201_one_job_format.sql");

/// Runs [`ONE_JOB_FORMAT`] on `app`'s database.
pub async fn rewrite_older_formats(app: &TestApp) {
    sqlx::raw_sql(ONE_JOB_FORMAT)
        .execute(&app.state.db)
        .await
        .expect("the one_job_format migration");
}
