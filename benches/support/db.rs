//! The PostgreSQL server a benchmark runs against: a throwaway private cluster in the
//! temporary folder, or the `DATABASE_URL` server, with a fresh database created on it and
//! dropped at the end. Shared by the benches through `#[path]`.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, Result};
use rookery::db::cluster::{Cluster, Lifetime};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

pub struct DbServer {
    /// Options for the server's maintenance database.
    pub options: PgConnectOptions,
    pub cluster: Option<Cluster>,
    pub dir: Option<PathBuf>,
}

impl DbServer {
    pub async fn start() -> Result<DbServer> {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            let options = PgConnectOptions::from_str(&url)
                .context("DATABASE_URL is not a valid PostgreSQL URL")?;
            println!("database: the server of DATABASE_URL");
            return Ok(DbServer {
                options: quiet(options),
                cluster: None,
                dir: None,
            });
        }
        let dir = bench_cluster_dir();
        let t = Instant::now();
        let cluster = {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || {
                Cluster::ensure_running(&dir, Lifetime::TiedToProcess)
            })
            .await
            .context("starting PostgreSQL")??
        };
        println!(
            "database: throwaway PostgreSQL in {} (started in {:.1} s)",
            dir.display(),
            t.elapsed().as_secs_f64()
        );
        Ok(DbServer {
            options: quiet(rookery::db::cluster_options(&cluster, "postgres")),
            cluster: Some(cluster),
            dir: Some(dir),
        })
    }

    pub async fn create_database(&self, name: &str) -> Result<()> {
        let mut admin = PgConnection::connect_with(&self.options)
            .await
            .context("connecting to the database server")?;
        sqlx::raw_sql(&format!(
            "CREATE DATABASE {}",
            rookery::db::quote_ident(name)
        ))
        .execute(&mut admin)
        .await
        .with_context(|| format!("creating the database {name}"))?;
        let _ = admin.close().await;
        Ok(())
    }

    /// Drops the database (on a shared server) or stops and removes the throwaway cluster.
    pub async fn dispose(&self, name: &str) {
        match (&self.cluster, &self.dir) {
            (Some(cluster), Some(dir)) => {
                let cluster = cluster.clone();
                let dir = dir.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    if let Err(e) = cluster.stop() {
                        eprintln!("stopping PostgreSQL: {e:#}");
                    }
                    let _ = std::fs::remove_dir_all(&dir);
                })
                .await;
            }
            _ => {
                let dropped = async {
                    let mut admin = PgConnection::connect_with(&self.options).await?;
                    sqlx::raw_sql(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        rookery::db::quote_ident(name)
                    ))
                    .execute(&mut admin)
                    .await?;
                    admin.close().await
                };
                if let Err(e) = dropped.await {
                    eprintln!("dropping the benchmark database {name}: {e}");
                }
            }
        }
    }
}

/// A database server with a fresh, migrated database on it, named `<prefix>_<pid>_<random>`: what a
/// bench runs against, then gives back with [`FreshDatabase::dispose`].
pub struct FreshDatabase {
    pub server: DbServer,
    pub name: String,
    /// Options for the fresh database.
    pub options: PgConnectOptions,
}

impl FreshDatabase {
    pub async fn create(prefix: &str) -> Result<FreshDatabase> {
        let server = DbServer::start().await?;
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            rookery::crypto::random_token(6)
                .to_ascii_lowercase()
                .replace(['-', '_'], "x")
        );
        server.create_database(&name).await?;
        let options = server.options.clone().database(&name);
        let pool = rookery::db::open_pool(options.clone(), 2, 30).await?;
        rookery::db::MIGRATOR
            .run(&pool)
            .await
            .context("migrating the benchmark database")?;
        pool.close().await;
        Ok(FreshDatabase {
            server,
            name,
            options,
        })
    }

    /// The throwaway cluster's postmaster; `None` on the `DATABASE_URL` server.
    #[allow(dead_code)]
    pub fn postmaster(&self) -> Option<i32> {
        self.server.cluster.as_ref().map(|c| c.pid)
    }

    pub async fn dispose(self) {
        self.server.dispose(&self.name).await;
    }
}

/// Seeding statements are slow by design: no slow-statement warnings for them.
pub fn quiet(options: PgConnectOptions) -> PgConnectOptions {
    options.disable_statement_logging()
}

/// `<tmp>/rookery-bench-<pid>`; folders of earlier runs whose process is gone are removed.
pub fn bench_cluster_dir() -> PathBuf {
    let tmp = std::env::temp_dir();
    if let Ok(entries) = std::fs::read_dir(&tmp) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(pid) = name
                .strip_prefix("rookery-bench-")
                .and_then(|p| p.parse::<u32>().ok())
            {
                if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }
    tmp.join(format!("rookery-bench-{}", std::process::id()))
}
