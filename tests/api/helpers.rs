//! The test harness: a real Rookery on an ephemeral port, over a real PostgreSQL.
//!
//! Each test process starts one throwaway PostgreSQL cluster (with the same code `rookery`
//! uses for its private cluster; the kernel stops it when the process exits), or uses the
//! server named by `DATABASE_URL`. A migrated template database is made once per process;
//! every test gets its own database cloned from it, so tests are isolated and run in parallel.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;

use reqwest::{Method, StatusCode};
use rookery::app::AppState;
use rookery::config::Config;
use rookery::db::cluster::{Cluster, Lifetime};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

/// The database server of this test process.
fn server_options() -> PgConnectOptions {
    static BASE: OnceLock<Result<PgConnectOptions, String>> = OnceLock::new();
    let base = BASE.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return PgConnectOptions::from_str(&url).map_err(|e| e.to_string());
        }
        let dir = test_cluster_dir();
        let cluster =
            Cluster::ensure_running(&dir, Lifetime::TiedToProcess).map_err(|e| format!("{e:#}"))?;
        Ok(rookery::db::cluster_options(&cluster, "postgres"))
    });
    match base {
        Ok(options) => options.clone(),
        Err(e) => panic!("cannot start the test database: {e}"),
    }
}

/// `<tmp>/rookery-test-<pid>`; folders left by earlier runs whose process is gone are removed.
fn test_cluster_dir() -> PathBuf {
    let tmp = std::env::temp_dir();
    if let Ok(entries) = std::fs::read_dir(&tmp) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(pid) = name
                .strip_prefix("rookery-test-")
                .and_then(|p| p.parse::<u32>().ok())
            {
                if pid != std::process::id() && !PathBuf::from(format!("/proc/{pid}")).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }
    tmp.join(format!("rookery-test-{}", std::process::id()))
}

fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        rookery::crypto::random_token(6)
            .to_ascii_lowercase()
            .replace(['-', '_'], "x")
    )
}

/// The migrated template of this process.
async fn template_name() -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = unique_name("rookery_template");
            let mut admin = PgConnection::connect_with(&server_options())
                .await
                .expect("connect to the test server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create template database");
            admin.close().await.ok();
            let mut conn = PgConnection::connect_with(&server_options().database(&name))
                .await
                .expect("connect to the template");
            rookery::db::MIGRATOR
                .run(&mut conn)
                .await
                .expect("migrate the template");
            conn.close().await.ok();
            name
        })
        .await
        .clone()
}

/// A new database for one test, cloned from the migrated template.
pub async fn fresh_database() -> PgConnectOptions {
    let template = template_name().await;
    let name = unique_name("rookery_test");
    let mut admin = PgConnection::connect_with(&server_options())
        .await
        .expect("connect to the test server");
    // Concurrent clones of one template can briefly collide; try again.
    let mut attempt = 0;
    loop {
        match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 20 => {
                attempt += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("create test database: {e}"),
        }
    }
    admin.close().await.ok();
    server_options().database(&name)
}

/// A `postgres://` URL for a database of the test server, for child processes.
pub fn database_url(options: &PgConnectOptions) -> String {
    let db = options.get_database().unwrap_or("postgres");
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let mut u = url::Url::parse(&url).expect("DATABASE_URL is a URL");
        u.set_path(&format!("/{db}"));
        return u.to_string();
    }
    let socket = options
        .get_socket()
        .expect("the test cluster listens on a socket");
    format!(
        "postgres://{}@localhost:{}/{db}?host={}",
        rookery::db::cluster::SUPERUSER,
        options.get_port(),
        socket.display()
    )
}

/// A running instance.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub db_options: PgConnectOptions,
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
    config
}

impl TestApp {
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
        TestApp::start(config, Some(self.db_options.clone())).await
    }

    async fn start(mut config: Config, shared: Option<PgConnectOptions>) -> TestApp {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local address");
        if shared.is_none() {
            config.domain = addr.to_string();
        }
        config.listen = addr;
        let db_options = match shared {
            Some(options) => options,
            None => fresh_database().await,
        };
        let pool = rookery::db::open_pool(db_options.clone(), config.database.max_connections, 10)
            .await
            .expect("pool");
        let state = AppState::new(pool, config.clone()).expect("state");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (stop_workers, workers_rx) = tokio::sync::watch::channel(false);
        rookery::jobs::spawn_workers(&state, config.jobs.workers, workers_rx);
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
            shutdown: Some(tx),
        }
    }

    /// Waits until the job queue is empty (fan-out done), up to thirty seconds: the whole
    /// suite runs in parallel on two cores in CI, where a federation round trip can be slow.
    pub async fn drain_jobs(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let pending = rookery::store::jobs::pending_count(&self.state.db)
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

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::GET, path, token, None).await
    }

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

    /// Signs up `username` through the API and returns their token (scopes: read write follow push).
    pub async fn register(&self, username: &str) -> TestUser {
        self.register_with_scopes(username, "read write follow push")
            .await
    }

    /// Signs up `username`, then signs in with a token limited to `scopes`.
    pub async fn register_with_scopes(&self, username: &str, scopes: &str) -> TestUser {
        let app_token = self.app_token("read write follow push").await;
        let (status, body) = self
            .post(
                "/api/v1/accounts",
                Some(&app_token),
                json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": "correct horse battery",
                    "agreement": true,
                    "locale": "en",
                }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut token = body["access_token"].as_str().expect("token").to_string();
        let (status, me) = self
            .get("/api/v1/accounts/verify_credentials", Some(&token))
            .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        if scopes != "read write follow push" {
            let client = self
                .create_client(scopes, "urn:ietf:wg:oauth:2.0:oob")
                .await;
            token = self.password_token(&client, username, scopes).await;
        }
        TestUser {
            id: me["id"].as_str().expect("id").to_string(),
            username: username.to_string(),
            token,
        }
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
                    ("password", "correct horse battery"),
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
];
