//! The server run inside a bench's own process, on a fresh database of `db.rs`: bound to a
//! free local port, with its job workers, and stopped at the end. Shared by the in-process
//! benches through `#[path]`.

use std::time::Duration;

use anyhow::{Context, Result};
use rookery::app::AppState;
use rookery::config::Config;
use sqlx::postgres::PgConnectOptions;
use tokio::net::TcpListener;

/// A listener on a free port of 127.0.0.1 and the default configuration naming it (the
/// seeded URLs carry the instance's domain, so the address comes first), logging warnings.
pub async fn bind() -> Result<(TcpListener, Config)> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding 127.0.0.1:0")?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let mut config = Config::defaults();
    config.listen = addr;
    config.domain = addr.to_string();
    config.log.level = "warn".into();
    Ok((listener, config))
}

/// The app's state on a pool sized by `config`, tracing set up as `config` says.
pub async fn state(config: &Config, db: &PgConnectOptions) -> Result<AppState> {
    rookery::init_tracing(config);
    let pool = rookery::db::open_pool(
        db.clone(),
        config.database.max_connections,
        config.database.acquire_timeout_secs,
    )
    .await?;
    AppState::new(pool, config.clone()).context("building the app state")
}

/// The server answering on `listener`, with `state`'s configured job workers.
pub struct Served {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl Served {
    pub fn start(listener: TcpListener, state: &AppState) -> Served {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (stop_workers, workers_rx) = tokio::sync::watch::channel(false);
        rookery::jobs::spawn_workers(state, state.config.jobs.workers, workers_rx);
        let serving = state.clone();
        let task = tokio::spawn(async move {
            let served = rookery::app::serve(listener, serving, async {
                let _ = stopped.await;
            })
            .await;
            let _ = stop_workers.send(true);
            served
        });
        Served { stop, task }
    }

    /// Stops serving and the workers; says so if that fails or takes over 10 s.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(Duration::from_secs(10), self.task).await {
            Ok(Ok(Err(e))) => println!("server ended with an error: {e:#}"),
            Ok(Err(e)) => println!("server task failed: {e}"),
            Err(_) => println!("server did not stop within 10 s"),
            Ok(Ok(Ok(()))) => {}
        }
    }
}
