//! The durable job queue and its workers. Anything that can wait or must be retried is a job:
//! persisted in the transaction of the action that caused it, claimed by a worker under a
//! lease, retried with backoff, removed when done. Any number of processes may run workers
//! against one database. One file per job kind.

pub mod deliver;
pub mod fanout;
pub mod inbox;
pub mod media;

use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use serde_json::Value;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::app::AppState;
use crate::error::Result;
use crate::{id, store};

/// How long a claimed job is reserved for its worker before others may take it over.
const LEASE_SECS: i64 = 300;

/// Queues a job in the caller's transaction.
pub async fn enqueue(db: &mut sqlx::PgConnection, kind: &str, payload: Value) -> Result<()> {
    store::jobs::enqueue(db, id::next(), kind, &payload, Utc::now()).await?;
    Ok(())
}

/// What one attempt of a job came to.
pub enum Outcome {
    Done,
    /// Worth another try later.
    Retry(String),
    /// Never going to work: give up now.
    Fail(String),
}

async fn run(state: &AppState, job: &store::jobs::Job) -> Outcome {
    match job.kind.as_str() {
        fanout::KIND => fanout::run(state, &job.payload).await,
        deliver::KIND => deliver::run(state, &job.payload).await,
        inbox::KIND => inbox::run(state, &job.payload).await,
        media::KIND => media::run(state, &job.payload).await,
        other => Outcome::Fail(format!("unknown job kind {other:?}")),
    }
}

/// Backoff after `attempts` failures: about attempts⁴ + 15 seconds, with jitter.
fn retry_delay(attempts: i32) -> Duration {
    let base = (attempts.max(1) as u64).pow(4) + 15;
    let jitter = rand::thread_rng().gen_range(0..=base / 4 + 1);
    Duration::from_secs(base + jitter)
}

/// Runs jobs until `shutdown` turns true: wakes on NOTIFY, and polls every second in case a
/// notification was missed or a lease expired.
pub async fn worker(state: AppState, name: String, mut shutdown: watch::Receiver<bool>) {
    let mut listener = match PgListener::connect_with(&state.db).await {
        Ok(mut l) => match l.listen(store::jobs::CHANNEL).await {
            Ok(()) => Some(l),
            Err(_) => None,
        },
        Err(_) => None,
    };
    loop {
        if *shutdown.borrow() {
            return;
        }
        let claimed = match store::jobs::claim(&state.db, &name, 8, LEASE_SECS).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs");
                Vec::new()
            }
        };
        let idle = claimed.is_empty();
        for job in claimed {
            let span = tracing::info_span!("job", job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts);
            let outcome = tracing::Instrument::instrument(run(&state, &job), span.clone()).await;
            let _entered = span.enter();
            let result = match outcome {
                Outcome::Done => store::jobs::complete(&state.db, job.id).await,
                Outcome::Retry(why) if job.attempts < job.max_attempts => {
                    tracing::warn!(error = %why, "job failed; will retry");
                    let at = Utc::now()
                        + chrono::Duration::from_std(retry_delay(job.attempts)).unwrap_or_default();
                    store::jobs::fail(&state.db, job.id, &why, Some(at)).await
                }
                Outcome::Retry(why) | Outcome::Fail(why) => {
                    tracing::error!(error = %why, "job failed for good");
                    store::jobs::fail(&state.db, job.id, &why, None).await
                }
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "recording a job's outcome");
            }
        }
        if idle {
            let wait = async {
                match listener.as_mut() {
                    Some(l) => {
                        let _ = tokio::time::timeout(Duration::from_secs(1), l.recv()).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(1)).await,
                }
            };
            tokio::select! {
                _ = wait => {},
                _ = shutdown.changed() => {},
            }
        }
    }
}

/// Starts `count` workers; they stop when `shutdown` turns true.
pub fn spawn_workers(
    state: &AppState,
    count: usize,
    shutdown: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    if count > 0 {
        media::spawn_cleanup(state, shutdown.clone());
    }
    (0..count)
        .map(|i| {
            let name = format!("{}/{}/{i}", hostname(), std::process::id());
            tokio::spawn(worker(state.clone(), name, shutdown.clone()))
        })
        .collect()
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "rookery".into())
}
