//! The databases of a test process.
//!
//! Each test process starts one throwaway PostgreSQL cluster (with the same code `rookery`
//! uses for its private cluster; the kernel stops it when the process exits), or uses the
//! server named by `DATABASE_URL`. A migrated template database is made once per process;
//! every test gets its own database cloned from it, so tests are isolated and run in parallel,
//! and the clone is dropped when the test is done with it.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use rookery::db::cluster::{Cluster, Lifetime};

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

/// A database of its own for one test, cloned from the migrated template; dropped when the
/// last clone of this value is.
pub struct TestDatabase {
    pub options: PgConnectOptions,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.options.get_database() {
            drop_later(name);
        }
    }
}

/// A new database for one test, cloned from the migrated template.
pub async fn fresh_database() -> TestDatabase {
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
    TestDatabase {
        options: server_options().database(&name),
    }
}

/// Has `name` dropped by the process's dropper thread. A test's own runtime may be shutting
/// down when its database goes (its last `TestApp` dropped at the end of the test), so the
/// dropper has a runtime and a connection of its own, and drops with `FORCE`: the servers and
/// job runners of the test may still hold connections until their runtime stops them.
fn drop_later(name: &str) {
    static DROPPER: OnceLock<Mutex<mpsc::Sender<String>>> = OnceLock::new();
    let sender = DROPPER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::Builder::new()
            .name("test-db-dropper".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the dropper");
                runtime.block_on(drop_each(rx));
            })
            .expect("start the dropper thread");
        Mutex::new(tx)
    });
    if let Ok(sender) = sender.lock() {
        let _ = sender.send(name.to_string());
    }
}

/// Drops every database named on `names`, as they come. A failure costs only disk space until
/// the process ends (and the cluster with it), so it is not a test failure.
async fn drop_each(names: mpsc::Receiver<String>) {
    let mut admin: Option<PgConnection> = None;
    while let Ok(name) = names.recv() {
        for _ in 0..3 {
            if admin.is_none() {
                admin = PgConnection::connect_with(&server_options()).await.ok();
            }
            let Some(conn) = admin.as_mut() else {
                continue;
            };
            match sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *conn)
                .await
            {
                Ok(_) => break,
                Err(e) => {
                    tracing::debug!(database = %name, error = %e, "test database not dropped");
                    admin = None;
                }
            }
        }
    }
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

#[tokio::test]
async fn a_database_goes_with_the_last_instance_using_it() {
    let app = super::TestApp::spawn().await;
    let sharing = app.spawn_sharing().await;
    let name = app.db_options.get_database().expect("name").to_string();
    let exists = async || {
        let mut admin = PgConnection::connect_with(&server_options())
            .await
            .expect("connect to the test server");
        let found: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("query");
        found == 1
    };
    drop(app);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(exists().await, "dropped while another instance used it");
    drop(sharing);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while exists().await {
        assert!(
            std::time::Instant::now() < deadline,
            "the database outlived its instances"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
