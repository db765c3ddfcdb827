//! The connection pool, migrations, and where the database comes from: the configured URL, or
//! the private cluster under `data_dir` (see [`cluster`]).

pub mod cluster;
pub mod kept;

use std::str::FromStr;
use std::time::Duration;

use anyhow::{anyhow, Context};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use crate::config::{CacheConfig, Config};
use cluster::{Cluster, Lifetime};

/// Migrations compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database a process uses, and the private cluster behind it if there is one.
pub struct Database {
    pub pool: PgPool,
    pub cluster: Option<Cluster>,
}

/// Where to connect, before a pool exists.
pub fn connect_options(config: &Config) -> anyhow::Result<(PgConnectOptions, Option<Cluster>)> {
    if config.database.url.is_empty() {
        let private = &config.database.private;
        let sizing = cluster::Sizing {
            shared_buffers_mib: private.shared_buffers_mib,
            max_connections: private.max_connections,
            work_mem_kib: private.work_mem_kib,
            maintenance_work_mem_mib: private.maintenance_work_mem_mib,
            autovacuum_workers: private.autovacuum_workers,
        };
        let cluster = Cluster::ensure_running_sized(
            &config.data_dir.join("postgres"),
            Lifetime::Detached,
            Some(sizing),
        )?;
        let options = cluster_options(&cluster, "rookery");
        Ok((options, Some(cluster)))
    } else {
        let options = PgConnectOptions::from_str(&config.database.url)
            .with_context(|| "invalid `database.url`".to_string())?;
        Ok((options, None))
    }
}

/// Connection options for a database of a private cluster.
pub fn cluster_options(cluster: &Cluster, database: &str) -> PgConnectOptions {
    PgConnectOptions::new()
        .socket(&cluster.socket_dir)
        .port(cluster.port)
        .username(cluster::SUPERUSER)
        .database(database)
}

/// Opens the pool (creating the database if needed) and applies migrations.
pub async fn open(config: &Config) -> anyhow::Result<Database> {
    let (options, cluster) = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || connect_options(&config)).await??
    };
    let options = announcing(options, &config.cache);
    let limits = PoolLimits {
        max_connections: config.database.max_connections,
        min_connections: config.database.min_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_secs),
        idle_timeout: Duration::from_secs(config.database.idle_timeout_secs),
        max_lifetime: Duration::from_secs(config.database.max_lifetime_secs),
    };
    let pool = open_pool_with(options, &limits).await?;
    MIGRATOR
        .run(&pool)
        .await
        .context("applying database migrations")?;
    Ok(Database { pool, cluster })
}

/// `options` for a process with the caches `cache`. A process without any has nobody to tell
/// of its changes: its sessions say so (`rookery.cache_invalidation = off`) and the triggers
/// of migration `coalesced_invalidation` announce nothing for them, which also spares each of
/// its writes the database-wide lock a transaction that notifies takes at commit. Every
/// process sharing a database reads the same configuration, so none of them has caches that
/// such a process would leave stale.
pub fn announcing(options: PgConnectOptions, cache: &CacheConfig) -> PgConnectOptions {
    if cache.statuses == 0 && cache.accounts == 0 && cache.tokens == 0 {
        options.options([("rookery.cache_invalidation", "off")])
    } else if !cache.coalesce_invalidation {
        // Migration `per_row_invalidation`: each changed row announced alone, as before.
        options.options([("rookery.cache_invalidation", "per_row")])
    } else {
        options
    }
}

/// How many connections a pool holds and for how long (`[database]`).
pub struct PoolLimits {
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout: Duration,
    /// An idle connection is closed after this (down to `min_connections`): each is a
    /// PostgreSQL process of several MiB, and a burst should not leave them all open.
    pub idle_timeout: Duration,
    /// A connection is replaced after this: a backend's catalog caches and plans only grow.
    pub max_lifetime: Duration,
}

/// A pool on `options` holding up to `max_connections`, with sqlx's idle and lifetime limits,
/// creating its database first when it does not exist.
pub async fn open_pool(
    options: PgConnectOptions,
    max_connections: u32,
    acquire_timeout_secs: u64,
) -> anyhow::Result<PgPool> {
    let limits = PoolLimits {
        max_connections,
        min_connections: 0,
        acquire_timeout: Duration::from_secs(acquire_timeout_secs),
        idle_timeout: Duration::from_secs(600),
        max_lifetime: Duration::from_secs(1800),
    };
    open_pool_with(options, &limits).await
}

/// A pool on `options` within `limits`, creating its database first when it does not exist.
pub async fn open_pool_with(
    options: PgConnectOptions,
    limits: &PoolLimits,
) -> anyhow::Result<PgPool> {
    let options = options
        .application_name(&application_name())
        .log_statements(tracing::log::LevelFilter::Trace)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    ensure_database_exists(&options).await?;
    let pool = PgPoolOptions::new()
        .max_connections(limits.max_connections)
        .min_connections(limits.min_connections)
        .acquire_timeout(limits.acquire_timeout)
        .idle_timeout(limits.idle_timeout)
        .max_lifetime(limits.max_lifetime)
        // sqlx pings every connection it hands out by default: a round trip per query, about
        // a third of a timeline request's. A connection busy within the last minute is
        // trusted (one that died is dropped on its first error); an idle one is still checked.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > IDLE_BEFORE_PING {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options.clone())
        .await
        .map_err(|e| unreachable_error(&options, e))?;
    Ok(pool)
}

/// How long a pooled connection may sit idle before it is pinged on its way out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(60);

/// Every connection names its process, so a process can tell whether others still use a
/// shared private cluster before it stops it.
fn application_name() -> String {
    format!("rookery/{}", std::process::id())
}

async fn ensure_database_exists(options: &PgConnectOptions) -> anyhow::Result<()> {
    match PgConnection::connect_with(options).await {
        Ok(conn) => {
            let _ = conn.close().await;
            Ok(())
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {
            let name = options.get_database().unwrap_or("rookery").to_string();
            let mut admin = PgConnection::connect_with(&options.clone().database("postgres"))
                .await
                .map_err(|e| unreachable_error(options, e))?;
            tracing::info!(database = %name, "creating the database");
            let created = sqlx::query(&format!("CREATE DATABASE {}", quote_ident(&name)))
                .execute(&mut admin)
                .await;
            let _ = admin.close().await;
            match created {
                Ok(_) => Ok(()),
                // Another process created it first.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => Ok(()),
                Err(e) => Err(anyhow!("cannot create the database {name:?}: {e}")),
            }
        }
        Err(e) => Err(unreachable_error(options, e)),
    }
}

fn unreachable_error(options: &PgConnectOptions, e: sqlx::Error) -> anyhow::Error {
    let host = options.get_host();
    let port = options.get_port();
    anyhow!("cannot connect to PostgreSQL at {host}:{port}: {e}")
}

/// Quotes an SQL identifier (database names are not bindable parameters).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// On a clean shutdown, the last Rookery process using the private cluster stops it. Others
/// still connected (a second `serve`, a `worker`) keep it running.
pub async fn release(db: Database) {
    let Some(cluster) = db.cluster else {
        db.pool.close().await;
        return;
    };
    let others: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE application_name LIKE 'rookery/%' AND application_name <> $1",
    )
    .bind(application_name())
    .fetch_one(&db.pool)
    .await
    .unwrap_or(1);
    db.pool.close().await;
    if others == 0 {
        tracing::info!("stopping the private PostgreSQL cluster");
        if let Err(e) = tokio::task::spawn_blocking(move || cluster.stop()).await {
            tracing::warn!(error = %e, "stopping PostgreSQL");
        }
    }
}
