//! The test harness: a real Rookery on an ephemeral port, over a real PostgreSQL.
//!
//! [`TestApp`] runs an instance over a database of its own ([`database`]); people are signed
//! up through the service layer, with cheap keys ([`keys`]) and password hashes. What several
//! test files share lives here: [`federation`] (two or more instances, stub peers),
//! [`delivery`] (a remote server recording deliveries), [`media`] (uploads and images).

#![allow(dead_code)]

pub mod browser;
pub mod database;
pub mod delivery;
pub mod federation;
pub mod keys;
pub mod media;
pub mod sse;
pub mod web;

use std::net::SocketAddr;
use std::sync::{Arc, Once};

use reqwest::{Method, StatusCode};
use rookery::app::AppState;
use rookery::config::Config;
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;

pub use database::{database_url, fresh_database, TestDatabase};

/// The password of every person [`TestApp::register`] signs up.
pub const PASSWORD: &str = "correct horse battery";

/// The scopes of [`TestApp::register`]'s tokens.
pub const DEFAULT_SCOPES: &str = "read write follow push";

/// The scopes of [`TestApp::staff`]'s tokens.
pub const STAFF_SCOPES: &str = "read write follow admin:read admin:write";

/// With `ROOKERY_TEST_LOG` set to a tracing filter (`debug`, `rookery=trace,warn`…), every
/// instance's logs go to the test output: libtest shows them for failed tests, or for all with
/// `--nocapture`. Installed once per process, at the first instance.
fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("ROOKERY_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
                .with_test_writer()
                .try_init();
        }
    });
}

/// A browser: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the input `name` in a page (hidden fields: CSRF tokens, ids).
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end]
        .replace("&#43;", "+")
        .replace("&#x2b;", "+")
}

/// `s` as a URL query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A running instance; it stops when dropped, and its database goes with the last instance
/// using it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://{addr}`.
    pub base: String,
    pub state: AppState,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    pub db_options: PgConnectOptions,
    /// Shared with the instances of [`TestApp::spawn_sharing`]: dropped with the last of them.
    database: Arc<TestDatabase>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A signed-up person and their token.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// The account id.
    pub id: String,
    pub username: String,
    pub token: String,
}

/// A registered client app.
#[derive(Clone, Debug)]
pub struct TestClient {
    pub client_id: String,
    pub client_secret: String,
}

/// The configuration of [`TestApp::spawn`]: loopback federation allowed, no rate limits, one
/// job worker, and cheap password hashes.
pub fn test_config() -> Config {
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().expect("address");
    config.federation.allow_private_addresses = true;
    config.database.max_connections = 8;
    config.jobs.workers = 1;
    // Tests sign many people up from one address; the rate-limit tests set their own limits.
    config.rate_limits.registrations_per_ip = 0;
    config.rate_limits.api_per_ip = 0;
    config.rate_limits.api_per_token = 0;
    config.rate_limits.statuses_per_token = 0;
    config.rate_limits.inbox_per_host = 0;
    config.log.level = "warn".into();
    // argon2's least: the suite hashes a password for every account it makes.
    config.security.password_hash_memory_kib = 8;
    config.security.password_hash_passes = 1;
    config
}

impl TestApp {
    /// An instance with [`test_config`].
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// An instance whose configuration `adjust` may change first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config();
        adjust(&mut config);
        TestApp::start(config, None).await
    }

    /// A second process of this instance (same domain, same database, its own server, pool,
    /// workers and streaming listener), as replicas behind a load balancer run.
    pub async fn spawn_sharing(&self) -> TestApp {
        let mut config = (*self.state.config).clone();
        config.listen = "127.0.0.1:0".parse().expect("address");
        TestApp::start(config, Some(self.database.clone())).await
    }

    async fn start(mut config: Config, shared: Option<Arc<TestDatabase>>) -> TestApp {
        init_logging();
        keys::warm_up();
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local address");
        if shared.is_none() {
            config.domain = addr.to_string();
        }
        config.listen = addr;
        let database = match shared {
            Some(database) => database,
            None => Arc::new(fresh_database().await),
        };
        let db_options = rookery::db::announcing(database.options.clone(), &config.cache);
        let pool = rookery::db::open_pool(db_options.clone(), config.database.max_connections, 10)
            .await
            .expect("pool");
        let mut state = AppState::new(pool, config.clone()).expect("state");
        state.key_pairs = keys::key_pairs();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (stop_workers, workers_rx) = tokio::sync::watch::channel(false);
        rookery::jobs::spawn_workers(&state, config.jobs.workers, workers_rx);
        // As `app::serve` does before it serves (it runs in the task below, after this
        // returns): the cache listener is live before the first request.
        state.cache.start(&state.db).await.expect("cache listener");
        let serving = state.clone();
        tokio::spawn(async move {
            let _ = rookery::app::serve(listener, serving, async {
                let _ = rx.await;
            })
            .await;
            let _ = stop_workers.send(true);
        });
        TestApp {
            addr,
            base: format!("http://{addr}"),
            state,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            db_options,
            database,
            shutdown: Some(tx),
        }
    }

    /// Waits until the job queue is empty (fan-out done), up to thirty seconds: the whole
    /// suite runs in parallel on two cores in CI, where a federation round trip can be slow.
    /// The ends of polls and of archives and scheduled announcements, queued for their
    /// time, are not waited for.
    pub async fn drain_jobs(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let pending: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE state IN ('pending', 'running') \
                 AND NOT (kind IN ('close_poll', 'expire_archive', 'publish_announcement') \
                 AND state = 'pending' AND run_at > now())",
            )
            .fetch_one(&self.state.db)
            .await
            .expect("count jobs");
            if pending == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "jobs still pending after 30 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The absolute URL of `path` on this instance.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with an optional bearer token and JSON body; returns status and JSON.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    /// `GET path`, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::GET, path, token, None).await
    }

    /// `POST path` with a JSON body, with a bearer token if given.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// Sends a form body (as most Mastodon clients do).
    pub async fn post_form(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.client.post(self.url(path)).form(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Registers an app with these scopes.
    pub async fn create_client(&self, scopes: &str, redirect_uri: &str) -> TestClient {
        let (status, body) = self
            .post(
                "/api/v1/apps",
                None,
                json!({ "client_name": "Test client", "redirect_uris": redirect_uri, "scopes": scopes }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        TestClient {
            client_id: body["client_id"].as_str().expect("client_id").to_string(),
            client_secret: body["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        }
    }

    /// `POST /oauth/token` as `client` (its id and secret added to `fields`).
    pub async fn token_grant(
        &self,
        client: &TestClient,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut form = vec![
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
        ];
        form.extend_from_slice(fields);
        self.post_form("/oauth/token", None, &form).await
    }

    /// An app token (client credentials) with these scopes.
    pub async fn app_token(&self, scopes: &str) -> String {
        let client = self
            .create_client(scopes, "urn:ietf:wg:oauth:2.0:oob")
            .await;
        let (status, body) = self
            .token_grant(
                &client,
                &[("grant_type", "client_credentials"), ("scope", scopes)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().expect("token").to_string()
    }

    /// Signs up `username` (confirmed and approved, as open registrations leave them) with a
    /// token for `read write follow push`.
    pub async fn register(&self, username: &str) -> TestUser {
        self.register_with_scopes(username, DEFAULT_SCOPES).await
    }

    /// Signs up `username` with a token limited to `scopes`: what `POST /api/v1/accounts`
    /// leaves behind (the same services, without the HTTP round trips), then, for other scopes
    /// than the default, a sign-in with the password grant through an app of those scopes.
    /// accounts.rs and oauth.rs test those endpoints themselves.
    pub async fn register_with_scopes(&self, username: &str, scopes: &str) -> TestUser {
        use rookery::service::{accounts, oauth};
        let client = oauth::create_app(
            &self.state,
            "Test client",
            vec![rookery::model::oauth::OOB_REDIRECT_URI.into()],
            scopes,
            None,
        )
        .await
        .expect("create an app");
        let (user, account) = accounts::register(
            &self.state,
            accounts::Registration {
                username: username.into(),
                email: format!("{username}@example.com"),
                password: PASSWORD.into(),
                agreement: true,
                locale: Some("en".into()),
                reason: None,
                ip: Some("127.0.0.1".into()),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("sign up {username}: {e}"));
        assert!(
            user.login_refusal().is_none(),
            "{username} may not sign in: are registrations open?"
        );
        let token = if scopes == DEFAULT_SCOPES {
            let scopes = rookery::model::Scopes::parse(scopes).expect("scopes");
            oauth::issue_token(&self.state, client.app.id, Some(user.id), scopes)
                .await
                .map_err(oauth::OAuthError::from)
        } else {
            oauth::password_grant(&self.state, &client.app, username, PASSWORD, Some(scopes)).await
        }
        .unwrap_or_else(|e| panic!("a token for {username}: {e:?}"));
        TestUser {
            id: account.id.to_string(),
            username: username.to_string(),
            token: token.access_token,
        }
    }

    /// Signs up `username` with [`STAFF_SCOPES`] and gives them `role`.
    pub async fn staff(&self, username: &str, role: rookery::model::Role) -> TestUser {
        let user = self.register_with_scopes(username, STAFF_SCOPES).await;
        rookery::service::accounts::set_role(&self.state, username, role)
            .await
            .expect("set role");
        user
    }

    /// An administrator, `boss`.
    pub async fn admin(&self) -> TestUser {
        self.staff("boss", rookery::model::Role::Admin).await
    }

    /// A moderator, `moddy`.
    pub async fn moderator(&self) -> TestUser {
        self.staff("moddy", rookery::model::Role::Moderator).await
    }
}

impl TestApp {
    /// A token for a registered user through `client`, with the password grant (so the
    /// client may revoke it).
    pub async fn password_token(
        &self,
        client: &TestClient,
        username: &str,
        scopes: &str,
    ) -> String {
        let (status, body) = self
            .token_grant(
                client,
                &[
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", PASSWORD),
                    ("scope", scopes),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().expect("token").to_string()
    }
}

impl TestApp {
    /// Posts a status as `user` with these extra parameters; asserts it worked.
    pub async fn post_status(&self, user: &TestUser, text: &str, extra: Value) -> Value {
        let mut body = json!({ "status": text });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let (status, res) = self.post("/api/v1/statuses", Some(&user.token), body).await;
        assert_eq!(status, StatusCode::OK, "{res}");
        res
    }

    /// `author` edits status `id` to say `text`; asserts it worked.
    pub async fn edit_status(&self, author: &TestUser, id: &str, text: &str) {
        let (status, body) = self
            .request(
                Method::PUT,
                &format!("/api/v1/statuses/{id}"),
                Some(&author.token),
                Some(json!({ "status": text })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// `follower` follows `target` through the API.
    pub async fn follow(&self, follower: &TestUser, target: &TestUser) {
        let (status, res) = self
            .post(
                &format!("/api/v1/accounts/{}/follow", target.id),
                Some(&follower.token),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{res}");
    }

    /// The ids of a status list, in order.
    pub async fn ids(&self, path: &str, token: Option<&str>) -> Vec<String> {
        let (status, res) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {res}");
        res.as_array()
            .unwrap_or_else(|| panic!("{path} is not a list: {res}"))
            .iter()
            .map(|s| s["id"].as_str().expect("id").to_string())
            .collect()
    }
}

/// Asserts that `value` has exactly these keys with these JSON types ("string", "number",
/// "boolean", "array", "object", "null", or alternatives joined with `|`).
pub fn assert_shape(value: &Value, fields: &[(&str, &str)]) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"));
    for (key, kinds) in fields {
        let actual = match object.get(*key) {
            None => panic!("missing field {key:?} in {value}"),
            Some(v) => kind(v),
        };
        assert!(
            kinds.split('|').any(|k| k == actual),
            "field {key:?} is {actual}, expected {kinds}: {value}"
        );
    }
    for key in object.keys() {
        assert!(
            fields.iter().any(|(k, _)| k == key),
            "unexpected field {key:?} in {value}"
        );
    }
}

/// The JSON type of `v`, as [`assert_shape`] names it.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every field of Mastodon's Account entity for a local account.
pub const ACCOUNT_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("username", "string"),
    ("acct", "string"),
    ("display_name", "string"),
    ("locked", "boolean"),
    ("bot", "boolean"),
    ("discoverable", "boolean|null"),
    ("indexable", "boolean"),
    ("group", "boolean"),
    ("created_at", "string"),
    ("note", "string"),
    ("url", "string"),
    ("uri", "string"),
    ("avatar", "string"),
    ("avatar_static", "string"),
    ("header", "string"),
    ("header_static", "string"),
    ("followers_count", "number"),
    ("following_count", "number"),
    ("statuses_count", "number"),
    ("last_status_at", "string|null"),
    ("hide_collections", "boolean|null"),
    ("noindex", "boolean|null"),
    ("emojis", "array"),
    ("roles", "array"),
    ("fields", "array"),
];

/// Every field of Mastodon's Status entity as a signed-in viewer receives it.
pub const STATUS_FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("uri", "string"),
    ("created_at", "string"),
    ("account", "object"),
    ("content", "string"),
    ("visibility", "string"),
    ("sensitive", "boolean"),
    ("spoiler_text", "string"),
    ("media_attachments", "array"),
    ("mentions", "array"),
    ("tags", "array"),
    ("emojis", "array"),
    ("reblogs_count", "number"),
    ("favourites_count", "number"),
    ("replies_count", "number"),
    ("url", "string|null"),
    ("in_reply_to_id", "string|null"),
    ("in_reply_to_account_id", "string|null"),
    ("reblog", "object|null"),
    ("poll", "null"),
    ("card", "null"),
    ("language", "string|null"),
    ("edited_at", "string|null"),
    ("favourited", "boolean"),
    ("reblogged", "boolean"),
    ("muted", "boolean"),
    ("bookmarked", "boolean"),
    ("filtered", "array"),
    ("quote", "object|null"),
    ("quote_approval", "object"),
    ("quotes_count", "number"),
];
