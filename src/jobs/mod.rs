//! The durable job queue and its workers. Anything that can wait or must be retried is a job:
//! persisted in the transaction of the action that caused it, claimed by a worker under a
//! lease, retried with backoff, removed when done. Any number of processes may run workers
//! against one database. One file per job kind.

pub mod deliver;
pub mod fanout;
pub mod federate_edit;
pub mod fetch_remote;
pub mod inbox;
pub mod media;
pub mod media_cache;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use serde_json::Value;
use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};

use crate::app::AppState;
use crate::error::Result;
use crate::{id, store};

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
    /// Worth another try, but not before this long (a `Retry-After`).
    RetryAt(String, Duration),
    /// Never going to work: give up now (kept as `failed` for inspection).
    Fail(String),
    /// Not worth doing any more (its host is unavailable): removed like a done job.
    Dropped(String),
}

/// The kinds of job this version runs.
pub const KINDS: &[&str] = &[
    fanout::KIND,
    federate_edit::KIND,
    deliver::KIND,
    inbox::KIND,
    fetch_remote::KIND,
    media::KIND,
    media_cache::KIND,
];

async fn run(state: &AppState, job: &store::jobs::Job) -> Outcome {
    match job.kind.as_str() {
        fanout::KIND => fanout::run(state, &job.payload).await,
        federate_edit::KIND => federate_edit::run(state, &job.payload).await,
        deliver::KIND => deliver::run(state, job).await,
        inbox::KIND => inbox::run(state, &job.payload).await,
        fetch_remote::KIND => fetch_remote::run(state, &job.payload).await,
        media::KIND => media::run(state, &job.payload).await,
        media_cache::KIND => media_cache::run(state, &job.payload).await,
        other => Outcome::Fail(format!("unknown job kind {other:?}")),
    }
}

/// Backoff after `attempts` failures: attempts⁴ + 15 seconds, plus up to a quarter more as
/// jitter (so a host that comes back is not hit by every retry at once). The schedule, from
/// the first failure: 16 s, 31 s, 96 s, 4.5 min, 11 min, 22 min, 40 min, 69 min, 1.8 h, 2.8 h,
/// 4.1 h, 5.8 h, 7.9 h, 10.7 h, 14 h, 18 h, 23 h, 29 h, 36 h: a delivery's 20 attempts
/// (`deliver::MAX_ATTEMPTS`) span about 6.5 days without jitter and 7 to 8 with it, longer than
/// Mastodon's 16 attempts (about 3 days of the same formula), so a host down for under a week
/// gets everything. Other kinds stop after the table's default of 10 attempts (about 4 hours).
fn retry_delay(attempts: i32) -> Duration {
    let base = (attempts.max(1) as u64).pow(4) + 15;
    let jitter = rand::thread_rng().gen_range(0..=base / 4 + 1);
    Duration::from_secs(base + jitter)
}

/// Jobs claimed per query, at most.
const CLAIM_BATCH: usize = 32;

/// The least time between two claims while jobs run and less than a batch of slots is free.
const CLAIM_GAP: Duration = Duration::from_millis(10);

/// A finished job waiting to be removed, with the slot it keeps taken until then.
type Finished = (i64, OwnedSemaphorePermit);

/// Shared delivery bodies kept by a job runner, most recent last: a fan-out's jobs are claimed
/// in order, so a handful covers the fan-outs under way.
const KEPT_BODIES: usize = 8;

/// Gives each claimed job that names a shared body the bytes of that body: read with this
/// claim (and kept for the next ones) or kept from an earlier one. A body is never changed
/// once written, so a kept copy is as good as a fresh one.
fn attach_bodies(jobs: &mut [store::jobs::Job], kept: &mut Vec<(i64, bytes::Bytes)>) {
    for job in jobs {
        let Some(id) = job.body_id else { continue };
        if let Some(body) = job.body.take() {
            let body = bytes::Bytes::from(body);
            kept.retain(|(k, _)| *k != id);
            if kept.len() >= KEPT_BODIES {
                kept.remove(0);
            }
            kept.push((id, body.clone()));
            job.shared_body = Some(body);
        } else {
            job.shared_body = kept.iter().find(|(k, _)| *k == id).map(|(_, b)| b.clone());
        }
    }
}

/// One process's job runner: claims due jobs and runs up to `concurrency` of them at once
/// (each in its own task), never more than `delivery.per_host_concurrency` per remote host
/// (counted in the database, across processes). Wakes on NOTIFY, when a job finishes, and
/// every second (a missed notification, a lease that expired, a retry that came due). Stops
/// claiming when `shutdown` turns true (or its sender is gone, or the pool closes), and returns
/// once the jobs in hand are finished.
///
/// Finished jobs are removed by the next claim, in the same statement (see
/// [`store::jobs::claim`]): while busy that is one statement every [`CLAIM_GAP`] at most for
/// both, where a separate removal cost PostgreSQL a round trip and a commit for every few
/// jobs (measured with `cargo bench --bench delivery`). A job keeps its slot until its removal
/// is written, so the jobs a crash can leave to run twice are never more than `concurrency`.
pub async fn worker(
    state: AppState,
    name: String,
    concurrency: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut listener = match PgListener::connect_with(&state.db).await {
        Ok(mut l) => match l.listen(store::jobs::CHANNEL).await {
            Ok(()) => Some(l),
            Err(_) => None,
        },
        Err(_) => None,
    };
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let failed = Arc::new(Notify::new());
    let lease = state.config.jobs.lease_secs as i64;
    let per_host = state.config.delivery.per_host_concurrency as i64;
    let concurrency = concurrency.max(1);
    let mut last_claim = std::time::Instant::now();
    let mut claimer: Option<sqlx::PgConnection> = None;
    let mut tasks = tokio::task::JoinSet::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
    let mut finished: Vec<Finished> = Vec::new();
    let mut bodies: Vec<(i64, bytes::Bytes)> = Vec::with_capacity(KEPT_BODIES);
    loop {
        if stopping(&shutdown, &state) {
            break;
        }
        while tasks.try_join_next().is_some() {}
        while let Ok(f) = done_rx.try_recv() {
            finished.push(f);
        }
        // Slots of finished jobs come free with the claim that removes them.
        let open = slots.available_permits() + finished.len();
        let free = open.min(CLAIM_BATCH);
        // While jobs run, a slot or two freeing up waits a moment for others, so a busy
        // worker claims in batches rather than one query per finished job.
        let busy = open < concurrency;
        let since = last_claim.elapsed();
        if busy && free > 0 && free < CLAIM_BATCH.min(concurrency) && since < CLAIM_GAP {
            tokio::select! {
                _ = tokio::time::sleep(CLAIM_GAP - since) => {},
                _ = shutdown.changed() => {},
            }
            continue;
        }
        last_claim = std::time::Instant::now();
        let claimed = if free == 0 {
            Vec::new()
        } else {
            if claimer.is_none() {
                match store::jobs::claimer(&state.db).await {
                    Ok(c) => claimer = Some(c),
                    Err(e) => tracing::warn!(error = %e, "connecting to claim jobs"),
                }
            }
            let ids: Vec<i64> = finished.iter().map(|(id, _)| *id).collect();
            let known: Vec<i64> = bodies.iter().map(|(id, _)| *id).collect();
            let claimed = match claimer.as_mut() {
                Some(c) => store::jobs::claim(c, &name, free as i64, lease, per_host, &ids, &known)
                    .await
                    .map(Some),
                None => Ok(None),
            };
            match claimed {
                Ok(Some(mut jobs)) => {
                    // Removed: their slots are free for the jobs just claimed.
                    finished.clear();
                    attach_bodies(&mut jobs, &mut bodies);
                    jobs
                }
                Ok(None) => Vec::new(),
                Err(e) => {
                    // Nothing was removed either: they go with the next claim.
                    tracing::warn!(error = %e, "claiming jobs");
                    // A broken connection is replaced on the next round.
                    claimer = None;
                    Vec::new()
                }
            }
        };
        // A full batch suggests more is due: claim again at once while slots are free.
        let more = free > 0 && claimed.len() == free;
        for job in claimed {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            let (state, failed, done) = (state.clone(), failed.clone(), done_tx.clone());
            tasks.spawn(async move {
                let id = job.id;
                if perform(&state, job).await {
                    // Dropped (slot freed) only if the runner is gone, i.e. on shutdown.
                    let _ = done.send((id, permit));
                } else {
                    drop(permit);
                    failed.notify_one();
                }
            });
        }
        if more && slots.available_permits() > 0 {
            continue;
        }
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
            Some(f) = done_rx.recv() => finished.push(f),
            _ = failed.notified() => {},
            _ = shutdown.changed() => {},
        }
    }
    while tasks.join_next().await.is_some() {}
    drop(done_tx);
    while let Some(f) = done_rx.recv().await {
        finished.push(f);
    }
    if !finished.is_empty() {
        let ids: Vec<i64> = finished.iter().map(|(id, _)| *id).collect();
        if let Err(e) = store::jobs::complete(&state.db, &ids).await {
            // Their leases run out and they run again: at least once, as promised.
            tracing::warn!(error = %e, jobs = ids.len(), "removing finished jobs");
        }
    }
}

/// Runs one claimed job and records its outcome, except removal of a finished job: returns
/// true when the job is finished (done or dropped) and should be removed.
async fn perform(state: &AppState, job: store::jobs::Job) -> bool {
    let span = tracing::info_span!("job", job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts);
    let outcome = tracing::Instrument::instrument(run(state, &job), span.clone()).await;
    let _entered = span.enter();
    let last_attempt = job.attempts >= job.max_attempts;
    let retry = |why: String, wait: Duration| {
        tracing::warn!(error = %why, retry_in_secs = wait.as_secs(), "job failed; will retry");
        state.metrics.job_retried(&job.kind);
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        (why, Some(at))
    };
    let result = match outcome {
        Outcome::Done => return true,
        Outcome::Dropped(why) => {
            tracing::info!(reason = %why, "job dropped");
            return true;
        }
        Outcome::Retry(why) if !last_attempt => {
            let (why, at) = retry(why, retry_delay(job.attempts));
            store::jobs::fail(&state.db, job.id, &why, at).await
        }
        Outcome::RetryAt(why, wait) if !last_attempt => {
            let (why, at) = retry(why, wait);
            store::jobs::fail(&state.db, job.id, &why, at).await
        }
        Outcome::Retry(why) | Outcome::RetryAt(why, _) | Outcome::Fail(why) => {
            tracing::error!(error = %why, "job failed for good");
            state.metrics.job_given_up(&job.kind);
            store::jobs::fail(&state.db, job.id, &why, None).await
        }
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "recording a job's outcome");
    }
    false
}

/// Starts this process's job runner with `count` jobs at once (none when 0); it stops when
/// `shutdown` turns true.
pub fn spawn_workers(
    state: &AppState,
    count: usize,
    shutdown: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    if count == 0 {
        return Vec::new();
    }
    media::spawn_cleanup(state, shutdown.clone());
    deliver::spawn_body_sweep(state, shutdown.clone());
    let name = format!("{}/{}", hostname(), std::process::id());
    vec![tokio::spawn(worker(state.clone(), name, count, shutdown))]
}

/// Runs `task` every `period` (the first time at once) until `shutdown` turns true: the
/// housekeeping each process with workers does. Each run logs its own outcome.
pub fn spawn_periodic<F, Fut>(
    state: &AppState,
    period: Duration,
    mut shutdown: watch::Receiver<bool>,
    task: F,
) where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown.changed() => {}
            }
            if stopping(&shutdown, &state) {
                return;
            }
            task(state.clone()).await;
        }
    });
}

/// Whether background work should stop: shutdown was asked for, or happened without being
/// asked for (the sender is gone, or the pool was closed). Either of the latter would
/// otherwise make every wait return at once, and the loop spin.
fn stopping(shutdown: &watch::Receiver<bool>, state: &AppState) -> bool {
    *shutdown.borrow() || shutdown.has_changed().is_err() || state.db.is_closed()
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "rookery".into())
}
