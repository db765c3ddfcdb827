//! The `rookery` binary itself: configuration checks, admin commands, database creation, and
//! the private PostgreSQL cluster's life (shared, stopped by the last process, recovered).

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{database_url, fresh_database, TestApp};

fn rookery() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rookery"));
    // Only what each test sets reaches the child.
    for (key, _) in std::env::vars() {
        if key.starts_with("ROOKERY_") || key == "DATABASE_URL" || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("ROOKERY_LOG__LEVEL", "warn");
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn config_check_prints_redacted_configuration() {
    let out = rookery()
        .args(["config", "check"])
        .env(
            "ROOKERY_DATABASE__URL",
            "postgres://u:hunter2@db.example/rookery",
        )
        .env("ROOKERY_DOMAIN", "social.example")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("domain = \"social.example\""), "{stdout}");
    assert!(
        stdout.contains("REDACTED") && !stdout.contains("hunter2"),
        "{stdout}"
    );

    // Plain DATABASE_URL is honoured when ROOKERY_DATABASE__URL is not set.
    let out = rookery()
        .args(["config", "check"])
        .env("DATABASE_URL", "postgres://plain@db.example/x")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("postgres://plain@db.example/x"));
}

#[test]
fn config_check_names_the_invalid_key() {
    for (key, value, named) in [
        ("ROOKERY_REGISTRATIONS", "sometimes", "registrations"),
        ("ROOKERY_PROTOCOL", "gopher", "protocol"),
        ("ROOKERY_DOMAIN", "https://social.example/", "domain"),
        ("ROOKERY_LISTEN", "not-an-address", "listen"),
        ("ROOKERY_DATABASE__URL", "mysql://x/y", "database.url"),
        (
            "ROOKERY_DATABASE__MAX_CONNECTIONS",
            "0",
            "database.max_connections",
        ),
        (
            "ROOKERY_FEDERATION__ALLOW_PRIVATE_ADDRESSES",
            "perhaps",
            "allow_private_addresses",
        ),
        ("ROOKERY_NO_SUCH_KEY", "1", "no_such_key"),
    ] {
        let out = rookery()
            .args(["config", "check"])
            .env(key, value)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{key}={value} was accepted");
        assert!(text(&out).contains(named), "{key}={value}: {}", text(&out));
    }
}

#[test]
fn config_file_then_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rookery.toml");
    std::fs::write(
        &file,
        "registrations = \"approval\"\n[instance]\ntitle = \"From a file\"\n",
    )
    .expect("write");
    let out = rookery()
        .args(["--config", file.to_str().expect("path"), "config", "check"])
        .env("ROOKERY_INSTANCE__TITLE", "From the environment")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("registrations = \"approval\""), "{stdout}");
    assert!(stdout.contains("From the environment"), "{stdout}");

    let out = rookery()
        .args(["--config", "/nonexistent/rookery.toml", "config", "check"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out).contains("/nonexistent/rookery.toml"));
}

#[tokio::test]
async fn admin_commands_act_on_the_database() {
    let app = TestApp::spawn().await;
    let url = database_url(&app.db_options);
    let run = |args: &[&str]| {
        rookery()
            .args(args)
            .env("ROOKERY_DATABASE__URL", &url)
            .output()
            .expect("run")
    };

    let out = run(&[
        "admin",
        "create-account",
        "--username",
        "root_user",
        "--email",
        "root@example.com",
        "--role",
        "admin",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password")
        .to_string();

    // The printed password signs in; the account is an admin.
    let client = app
        .create_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let sign_in = |password: String| {
        let client = client.clone();
        let app = &app;
        async move {
            app.token_grant(
                &client,
                &[
                    ("grant_type", "password"),
                    ("username", "root_user"),
                    ("password", &password),
                ],
            )
            .await
        }
    };
    let (status, token) = sign_in(password.clone()).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let token = token["access_token"].as_str().expect("token").to_string();
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["role"]["name"], "Admin");

    // Duplicates and reserved names fail with a message and a non-zero exit.
    let out = run(&[
        "admin",
        "create-account",
        "--username",
        "ROOT_USER",
        "--email",
        "other@example.com",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("taken"), "{}", text(&out));
    let out = run(&[
        "admin",
        "create-account",
        "--username",
        "admin",
        "--email",
        "x@example.com",
    ]);
    assert!(!out.status.success());
    let out = run(&[
        "admin",
        "create-account",
        "--username",
        "someone",
        "--email",
        "s@example.com",
        "--role",
        "emperor",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("emperor"));

    // set-role
    let out = run(&["admin", "set-role", "root_user", "moderator"]);
    assert!(out.status.success(), "{}", text(&out));
    let (_, me) = app
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["role"]["name"], "Moderator");
    assert!(!run(&["admin", "set-role", "nobody_here", "admin"])
        .status
        .success());

    // reset-password: old sessions end, the old password fails, the new one works.
    let out = run(&["admin", "reset-password", "root_user"]);
    assert!(out.status.success(), "{}", text(&out));
    let new_password = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.split(": ").nth(1).map(str::to_string))
        .expect("new password");
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sign_in(password).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(sign_in(new_password).await.0, StatusCode::OK);
}

#[tokio::test]
async fn admin_approve_lets_a_pending_user_in() {
    let app =
        TestApp::spawn_with(|c| c.registrations = rookery::config::RegistrationMode::Approval)
            .await;
    let app_token = app.app_token("read write").await;
    let (status, body) = app
        .post(
            "/api/v1/accounts",
            Some(&app_token),
            serde_json::json!({"username": "waiting", "email": "w@example.com", "password": "correct horse battery", "agreement": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().expect("token").to_string();
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let out = rookery()
        .args(["admin", "approve", "waiting"])
        .env("ROOKERY_DATABASE__URL", database_url(&app.db_options))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn migrate_creates_a_missing_database() {
    let existing = fresh_database().await;
    let url = database_url(&existing.options);
    let missing = url.replacen(
        existing.options.get_database().expect("name"),
        &format!("{}_new", existing.options.get_database().expect("name")),
        1,
    );
    let out = rookery()
        .arg("migrate")
        .env("ROOKERY_DATABASE__URL", &missing)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    // Running again is a no-op.
    let out = rookery()
        .arg("migrate")
        .env("ROOKERY_DATABASE__URL", &missing)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));

    let out = rookery()
        .arg("migrate")
        .env(
            "ROOKERY_DATABASE__URL",
            "postgres://rookery@127.0.0.1:1/nothing",
        )
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out).contains("127.0.0.1:1"), "{}", text(&out));
}

/// A free TCP port on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    fn start(data_dir: &std::path::Path) -> Server {
        let port = free_port();
        let child = rookery()
            .arg("serve")
            .env("ROOKERY_DATA_DIR", data_dir)
            .env("ROOKERY_LISTEN", format!("127.0.0.1:{port}"))
            .env("ROOKERY_DOMAIN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn serve");
        let server = Server { child, port };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(res) =
                probe::blocking_get(&format!("http://127.0.0.1:{}/health/ready", self.port))
            {
                if res == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("rookery serve did not become ready");
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), signal)
            .expect("signal");
    }

    fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait")
    }

    /// The exit status, or a panic if the process is still running after `limit`.
    fn wait_within(mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {limit:?} after the signal"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny blocking GET for the lifecycle test (which runs outside any async runtime).
mod probe {
    pub fn blocking_get(url: &str) -> std::io::Result<u16> {
        use std::io::{Read, Write};
        let rest = url.strip_prefix("http://").unwrap_or(url);
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut stream = std::net::TcpStream::connect(host)?;
        write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }
}

fn postmaster_pid(data_dir: &std::path::Path) -> Option<i32> {
    let text = std::fs::read_to_string(data_dir.join("postgres/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false)
}

fn wait_gone(pid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The private cluster: made on first start, shared with the admin CLI and a second server,
/// left running (and reused) after a crash, recovered after PostgreSQL itself is killed, and
/// stopped by the last process on a clean shutdown.
#[test]
fn private_cluster_lifecycle() {
    use nix::sys::signal::Signal;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");

    let first = Server::start(&data);
    let pg = postmaster_pid(&data).expect("cluster started");
    // The admin CLI uses the running cluster.
    let out = rookery()
        .args([
            "admin",
            "create-account",
            "--username",
            "kept",
            "--email",
            "kept@example.com",
            "--password",
            "correct horse battery",
        ])
        .env("ROOKERY_DATA_DIR", &data)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(postmaster_pid(&data), Some(pg));
    // A second server shares it; the first one's clean exit leaves it running for the second.
    let second = Server::start(&data);
    assert_eq!(postmaster_pid(&data), Some(pg));
    first.signal(Signal::SIGTERM);
    assert!(first.wait().success());
    assert!(
        alive(pg),
        "the cluster stopped while a second server used it"
    );
    assert_eq!(
        probe::blocking_get(&format!(
            "http://127.0.0.1:{}/api/v1/accounts/lookup?acct=kept",
            second.port
        ))
        .expect("get"),
        200
    );

    // A crash (kill -9) of Rookery leaves PostgreSQL running; the next start reuses it.
    second.signal(Signal::SIGKILL);
    let _ = second.wait();
    assert!(alive(pg));
    let third = Server::start(&data);
    assert_eq!(postmaster_pid(&data), Some(pg));

    // PostgreSQL killed too: the next start recovers the cluster, data intact.
    third.signal(Signal::SIGKILL);
    let _ = third.wait();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pg), Signal::SIGKILL).expect("kill postgres");
    assert!(wait_gone(pg));
    let fourth = Server::start(&data);
    let new_pg = postmaster_pid(&data).expect("restarted");
    assert_ne!(new_pg, pg);
    assert_eq!(
        probe::blocking_get(&format!(
            "http://127.0.0.1:{}/api/v1/accounts/lookup?acct=kept",
            fourth.port
        ))
        .expect("get"),
        200
    );

    // The last process to leave stops the cluster, promptly, though a read has just kept a
    // connection aside (closing the pool waits for every connection taken from it).
    assert_eq!(
        probe::blocking_get(&format!(
            "http://127.0.0.1:{}/api/v1/timelines/public",
            fourth.port
        ))
        .expect("get"),
        200
    );
    fourth.signal(Signal::SIGTERM);
    assert!(fourth.wait_within(Duration::from_secs(20)).success());
    assert!(wait_gone(new_pg), "the cluster was left running");
}

#[tokio::test]
async fn admin_announcements_commands_write_what_users_read() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let url = database_url(&app.db_options);
    let run = |args: &[&str]| {
        let mut all = vec!["admin", "announcements"];
        all.extend_from_slice(args);
        rookery()
            .args(&all)
            .env("ROOKERY_DATABASE__URL", &url)
            .output()
            .expect("run")
    };
    let created_id = |out: &Output| {
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .nth(1)
            .expect("id")
            .to_string()
    };
    let out = run(&["create", "--text", "Maintenance tonight"]);
    assert!(out.status.success(), "{}", text(&out));
    let live = created_id(&out);
    let out = run(&["create", "--text", "a draft", "--draft"]);
    assert!(out.status.success(), "{}", text(&out));
    let draft = created_id(&out);
    let out = run(&[
        "create",
        "--text",
        "later",
        "--scheduled-at",
        "2099-01-01T00:00:00Z",
        "--starts-at",
        "2099-01-02",
        "--ends-at",
        "2099-01-03",
        "--all-day",
        "true",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("scheduled 2099-01-01"),
        "{}",
        text(&out)
    );

    let (_, listed) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["id"], live.as_str());
    assert_eq!(listed[0]["content"], "<p>Maintenance tonight</p>");
    let out = run(&["list"]);
    assert!(out.status.success(), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(listing.lines().count(), 3, "{listing}");
    assert!(
        listing.contains(&format!("{draft}  draft  a draft")),
        "{listing}"
    );

    // Publishing the draft and editing the live one show at once; deleting takes it away.
    let out = run(&["update", &draft, "--publish", "--text", "now public"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&["delete", &live]);
    assert!(out.status.success(), "{}", text(&out));
    let (_, listed) = app.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["id"], draft.as_str());
    assert_eq!(listed[0]["content"], "<p>now public</p>");

    // Bad input: a message and a non-zero exit, nothing stored.
    let bad_input: [&[&str]; 6] = [
        &["create", "--text", "  "],
        &[
            "create",
            "--text",
            "x",
            "--starts-at",
            "tomorrow",
            "--ends-at",
            "2099-01-01",
        ],
        &["create", "--text", "x", "--starts-at", "2099-01-02"],
        &["update", "12345", "--text", "gone"],
        &["update", "not-an-id", "--text", "x"],
        &["delete", live.as_str()],
    ];
    for bad in bad_input {
        let out = run(bad);
        assert!(!out.status.success(), "{bad:?} succeeded: {}", text(&out));
        assert!(!text(&out).trim().is_empty(), "{bad:?} gave no message");
    }
    let out = run(&["list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    // Each action is in the audit log.
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM admin_action_logs WHERE action LIKE '%announcement'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap_or(-1);
    assert_eq!(logged, 5);
}

#[tokio::test]
async fn admin_instance_texts_sets_what_the_instance_pages_show() {
    let app = TestApp::spawn().await;
    let url = database_url(&app.db_options);
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write");
        path.to_str().expect("path").to_string()
    };
    let about = write("about.md", "We talk about birds.");
    let privacy = write("privacy.md", "We keep little.");
    let terms = write("terms.md", "Be kind.");
    let run = |args: &[&str]| {
        let mut all = vec!["admin", "instance-texts"];
        all.extend_from_slice(args);
        rookery()
            .args(&all)
            .env("ROOKERY_DATABASE__URL", &url)
            .output()
            .expect("run")
    };
    let out = run(&[
        "--extended-description",
        &about,
        "--privacy-policy",
        &privacy,
        "--terms",
        &terms,
        "--terms-effective-date",
        "2020-01-01",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let (_, about) = app.get("/api/v1/instance/extended_description", None).await;
    assert!(
        about["content"]
            .as_str()
            .is_some_and(|c| c.contains("birds")),
        "{about}"
    );
    let (status, privacy) = app.get("/api/v1/instance/privacy_policy", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        privacy["content"]
            .as_str()
            .is_some_and(|c| c.contains("little")),
        "{privacy}"
    );
    let (status, tos) = app.get("/api/v1/instance/terms_of_service", None).await;
    assert_eq!(status, StatusCode::OK, "{tos}");
    assert_eq!(tos["effective_date"], "2020-01-01");
    assert!(
        tos["content"].as_str().is_some_and(|c| c.contains("kind")),
        "{tos}"
    );

    // Nothing to do, an unreadable file, a bad date: a message, a failure, nothing changed.
    for bad in [
        &[][..],
        &["--privacy-policy", "/nonexistent/policy.md"][..],
        &["--terms", terms.as_str(), "--terms-effective-date", "soon"][..],
    ] {
        let out = run(bad);
        assert!(!out.status.success(), "{bad:?}: {}", text(&out));
        assert!(!text(&out).trim().is_empty());
    }
    let (_, privacy) = app.get("/api/v1/instance/privacy_policy", None).await;
    assert!(privacy["content"]
        .as_str()
        .is_some_and(|c| c.contains("little")));
}
