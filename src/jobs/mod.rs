//! The durable job queue's runner. Anything that can wait or must be retried is a job
//! ([`service::queue::Job`]): queued by a service in the transaction of the action that caused
//! it, claimed here by a runner under a lease, retried with backoff, removed when done. Any
//! number of processes may run a runner against one database. One file per job kind says what
//! the kind does; the runner calls services only (`service::queue` for the queue itself).

pub mod account_deletion;
pub mod announcements;
pub mod archives;
pub mod cards;
pub mod deliver;
pub mod fetch_remote;
pub mod housekeeping;
pub mod imports;
pub mod inbox;
pub mod media;
pub mod media_cache;
pub mod moves;
pub mod polls;
pub mod scheduled;
pub mod statuses;
pub mod web_push;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::Rng;
use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;

use crate::app::AppState;
use crate::service::queue::{self, Claimed, Job, Kind};

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

/// Runs one job: the match that gives each kind its file.
async fn run(state: &AppState, job: &Job, claimed: &Claimed) -> Outcome {
    match job {
        Job::Deliver(delivery) => deliver::run(state, delivery, claimed).await,
        Job::Fanout(status) => statuses::fan_out(state, *status).await,
        Job::FederateEdit(status) => statuses::federate_edit(state, *status).await,
        Job::ProcessInbox(activity) => inbox::run(state, activity).await,
        Job::FetchRemote(fetch) => fetch_remote::run(state, fetch).await,
        Job::ProcessMedia(media) => media::run(state, *media).await,
        Job::CacheRemoteMedia(media) => media_cache::run(state, media).await,
        Job::PublishScheduled(post) => scheduled::run(state, *post).await,
        Job::RunImport(import) => imports::run(state, *import).await,
        Job::DeleteAccount(account) => account_deletion::run(state, *account).await,
        Job::FetchCard(status) => cards::run(state, *status).await,
        Job::MoveFollowers(of) => moves::move_followers(state, *of).await,
        Job::PullMove(pull) => moves::pull_move(state, pull).await,
        Job::WebPush(push) => web_push::run(state, *push).await,
        Job::ClosePoll(end) => polls::close(state, *end).await,
        Job::FederatePoll(poll) => polls::federate(state, *poll).await,
        Job::BuildArchive(of) => archives::build(state, *of).await,
        Job::ExpireArchive(of) => archives::expire(state, *of).await,
        Job::PublishAnnouncement(at) => announcements::publish(state, *at).await,
    }
}

/// A job whose stored form this version cannot read (an unknown kind, a payload of another
/// format): no attempt can change that, so it fails for good at once and is kept for an
/// administrator to look at, rather than retried until its attempts run out.
fn malformed(state: &AppState, claimed: &Claimed, why: &str) -> Outcome {
    if claimed.kind == Kind::Deliver.as_str() {
        state.metrics.delivery("failed", "invalid", None);
    }
    Outcome::Fail(why.to_string())
}

/// Backoff after `attempts` failures: attempts⁴ + 15 seconds, plus up to a quarter more as
/// jitter (so a host that comes back is not hit by every retry at once). The schedule, from
/// the first failure: 16 s, 31 s, 96 s, 4.5 min, 11 min, 22 min, 40 min, 69 min, 1.8 h, 2.8 h,
/// 4.1 h, 5.8 h, 7.9 h, 10.7 h, 14 h, 18 h, 23 h, 29 h, 36 h: a delivery's 20 attempts
/// (`queue::DELIVERY_ATTEMPTS`) span about 6.5 days without jitter and 7 to 8 with it, longer
/// than Mastodon's 16 attempts (about 3 days of the same formula), so a host down for under a
/// week gets everything. Other kinds stop after the table's default of 10 attempts (about 4
/// hours).
fn retry_delay(attempts: i32) -> Duration {
    let base = (attempts.max(1) as u64).pow(4) + 15;
    let jitter = rand::thread_rng().gen_range(0..=base / 4 + 1);
    Duration::from_secs(base + jitter)
}

/// Jobs claimed per query, at most.
const CLAIM_BATCH: usize = 32;

/// The least time between two claims while jobs run and less than a batch of slots is free.
const CLAIM_GAP: Duration = Duration::from_millis(10);

/// The longest an idle runner waits before looking at the queue again (a missed notification,
/// a lease that expired, a retry that came due).
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// A finished job waiting to be removed, with the slot it keeps taken until then.
type Finished = (i64, OwnedSemaphorePermit);

/// One process's job runner: claims due jobs and runs up to `concurrency` of them at once
/// (each in its own task), never more than `delivery.per_host_concurrency` per remote host
/// (counted in the database, across processes). Wakes on NOTIFY, when a job finishes, and
/// every second. Stops claiming when `shutdown` turns true (or its sender is gone, or the pool
/// closes), and returns once the jobs in hand are finished.
///
/// Finished jobs are removed by the next claim, in the same statement (see
/// [`queue::Claimer::claim`]): while busy that is one statement every [`CLAIM_GAP`] at most
/// for both, where a separate removal cost PostgreSQL a round trip and a commit for every few
/// jobs (measured with `cargo bench --bench delivery`). A job keeps its slot until its removal
/// is written, so the jobs a crash can leave to run twice are never more than `concurrency`.
pub async fn worker(
    state: AppState,
    name: String,
    concurrency: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut runner = Runner::new(state, name, concurrency).await;
    loop {
        if stopping(&shutdown, &runner.state) {
            break;
        }
        runner.collect_finished();
        let free = runner.free_slots();
        if let Some(pause) = runner.batching_pause(free) {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {},
                _ = shutdown.changed() => {},
            }
            continue;
        }
        let claimed = runner.claim(free).await;
        // A full batch suggests more is due: claim again at once while slots are free.
        let more = free > 0 && claimed.len() == free;
        runner.start(claimed).await;
        if more && runner.slots.available_permits() > 0 {
            continue;
        }
        runner.idle(&mut shutdown).await;
    }
    runner.finish().await;
}

/// The runner's state between rounds of [`worker`].
struct Runner {
    state: AppState,
    concurrency: usize,
    /// One permit per job running or finished but not yet removed.
    slots: Arc<Semaphore>,
    /// Told when a job was not finished (it failed): its slot is free at once, worth a claim.
    failed: Arc<Notify>,
    claimer: queue::Claimer,
    wakeups: queue::Wakeups,
    tasks: tokio::task::JoinSet<()>,
    done_tx: mpsc::UnboundedSender<Finished>,
    done_rx: mpsc::UnboundedReceiver<Finished>,
    /// Finished jobs, to be removed by the next claim.
    finished: Vec<Finished>,
    last_claim: Instant,
}

impl Runner {
    async fn new(state: AppState, name: String, concurrency: usize) -> Runner {
        let concurrency = concurrency.max(1);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Runner {
            claimer: queue::Claimer::new(&state, name),
            wakeups: queue::Wakeups::listen(&state).await,
            state,
            concurrency,
            slots: Arc::new(Semaphore::new(concurrency)),
            failed: Arc::new(Notify::new()),
            tasks: tokio::task::JoinSet::new(),
            done_tx,
            done_rx,
            finished: Vec::new(),
            last_claim: Instant::now(),
        }
    }

    /// Reaps the tasks that ended and takes in the jobs they finished.
    fn collect_finished(&mut self) {
        while self.tasks.try_join_next().is_some() {}
        while let Ok(f) = self.done_rx.try_recv() {
            self.finished.push(f);
        }
    }

    /// How many jobs the next claim may take: the free slots, and those of finished jobs,
    /// which come free with the claim that removes them; at most a batch.
    fn free_slots(&self) -> usize {
        (self.slots.available_permits() + self.finished.len()).min(CLAIM_BATCH)
    }

    /// While jobs run, a slot or two freeing up waits a moment for others, so a busy runner
    /// claims in batches rather than one query per finished job: how long to wait, if at all.
    fn batching_pause(&self, free: usize) -> Option<Duration> {
        let open = self.slots.available_permits() + self.finished.len();
        let busy = open < self.concurrency;
        let since = self.last_claim.elapsed();
        let small = free > 0 && free < CLAIM_BATCH.min(self.concurrency);
        (busy && small && since < CLAIM_GAP).then(|| CLAIM_GAP - since)
    }

    /// Claims up to `free` jobs, removing the finished ones in the same statement (their
    /// slots are then free for the jobs just claimed). After an error nothing was removed
    /// either: they go with the next claim.
    async fn claim(&mut self, free: usize) -> Vec<Claimed> {
        self.last_claim = Instant::now();
        if free == 0 {
            return Vec::new();
        }
        let ids: Vec<i64> = self.finished.iter().map(|(id, _)| *id).collect();
        match self.claimer.claim(&self.state, free, &ids).await {
            Ok(claimed) => {
                self.finished.clear();
                claimed
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs");
                Vec::new()
            }
        }
    }

    /// Runs each claimed job in a task of its own, holding a slot. A finished job keeps its
    /// slot until the claim that removes it; a failed one (its outcome already written)
    /// frees it at once.
    async fn start(&mut self, claimed: Vec<Claimed>) {
        for job in claimed {
            let Ok(permit) = self.slots.clone().acquire_owned().await else {
                break;
            };
            let (state, failed, done) = (
                self.state.clone(),
                self.failed.clone(),
                self.done_tx.clone(),
            );
            self.tasks.spawn(async move {
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
    }

    /// Waits for a reason to claim: a new job, a finished or failed one, shutdown, or
    /// [`IDLE_WAIT`].
    async fn idle(&mut self, shutdown: &mut watch::Receiver<bool>) {
        tokio::select! {
            _ = self.wakeups.wait(IDLE_WAIT) => {},
            Some(f) = self.done_rx.recv() => self.finished.push(f),
            _ = self.failed.notified() => {},
            _ = shutdown.changed() => {},
        }
    }

    /// Lets the jobs in hand finish and removes the finished ones: a job left behind would
    /// only run again when its lease runs out.
    async fn finish(mut self) {
        while self.tasks.join_next().await.is_some() {}
        drop(self.done_tx);
        while let Some(f) = self.done_rx.recv().await {
            self.finished.push(f);
        }
        if self.finished.is_empty() {
            return;
        }
        let ids: Vec<i64> = self.finished.iter().map(|(id, _)| *id).collect();
        if let Err(e) = queue::complete(&self.state, &ids).await {
            // Their leases run out and they run again: at least once, as promised.
            tracing::warn!(error = %e, jobs = ids.len(), "removing finished jobs");
        }
    }
}

/// Runs one claimed job and records its outcome, except removal of a finished job: returns
/// true when the job is finished (done or dropped) and should be removed.
async fn perform(state: &AppState, claimed: Claimed) -> bool {
    let span = tracing::info_span!(
        "job",
        job.id = claimed.id,
        job.kind = %claimed.kind,
        job.attempt = claimed.attempts
    );
    let outcome = match &claimed.job {
        Ok(job) => run(state, job, &claimed).instrument(span.clone()).await,
        Err(why) => span.in_scope(|| malformed(state, &claimed, why)),
    };
    record(state, &claimed, outcome).instrument(span).await
}

/// Writes down what an attempt came to: nothing yet for a finished job (its removal goes with
/// the next claim), a retry at the backoff's time (or the peer's `Retry-After`) while attempts
/// remain, else `failed` for good. Returns whether the job is finished.
async fn record(state: &AppState, claimed: &Claimed, outcome: Outcome) -> bool {
    let last_attempt = claimed.is_last_attempt();
    let (why, retry_in) = match outcome {
        Outcome::Done => return true,
        Outcome::Dropped(why) => {
            tracing::info!(reason = %why, "job dropped");
            return true;
        }
        Outcome::Retry(why) if !last_attempt => (why, Some(retry_delay(claimed.attempts))),
        Outcome::RetryAt(why, wait) if !last_attempt => (why, Some(wait)),
        Outcome::Retry(why) | Outcome::RetryAt(why, _) | Outcome::Fail(why) => (why, None),
    };
    let written = match retry_in {
        Some(wait) => {
            tracing::warn!(error = %why, retry_in_secs = wait.as_secs(), "job failed; will retry");
            state.metrics.job_retried(&claimed.kind);
            let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            queue::retry(state, claimed.id, &why, at).await
        }
        None => {
            tracing::error!(error = %why, "job failed for good");
            state.metrics.job_given_up(&claimed.kind);
            queue::give_up(state, claimed.id, &why).await
        }
    };
    if let Err(e) = written {
        tracing::warn!(error = %e, "recording a job's outcome");
    }
    false
}

/// How many jobs a `serve` process runs at once: `workers`, but no more than half the
/// connections its pool has left besides the two listeners, so that requests always find
/// connections while jobs are busy (jobs that each held a connection starved the requests
/// of a small pool: issue 23). At least one while `workers` asks for any.
pub fn fitting_the_pool(workers: usize, config: &crate::config::Config) -> usize {
    let usable = config.database.max_connections.saturating_sub(2) as usize;
    workers.min((usable / 2).max(1))
}

/// How many jobs a `rookery worker` process runs at once: `jobs.workers`, at least one (the
/// process exists to run jobs), capped by its pool as `serve`'s are ([`fitting_the_pool`]):
/// a job may hold a connection while it asks for another, so as many jobs as connections
/// would wait on each other until the acquire timeout, and the pool's two listeners and the
/// metrics endpoint need connections too.
pub fn worker_concurrency(config: &crate::config::Config) -> usize {
    fitting_the_pool(config.jobs.workers.max(1), config)
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
    housekeeping::spawn(state, shutdown.clone());
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

#[cfg(test)]
mod tests {
    use super::{fitting_the_pool, worker_concurrency};
    use crate::config::Config;

    #[test]
    fn jobs_take_at_most_half_the_pool_besides_the_listeners() {
        let mut config = Config::defaults();
        config.database.max_connections = 10;
        assert_eq!(fitting_the_pool(16, &config), 4);
        assert_eq!(fitting_the_pool(2, &config), 2);
        assert_eq!(fitting_the_pool(0, &config), 0, "none asked, none run");
        config.database.max_connections = 3;
        assert_eq!(fitting_the_pool(16, &config), 1, "one at least");
        config.database.max_connections = 42;
        assert_eq!(fitting_the_pool(16, &config), 16);
    }

    #[test]
    fn a_worker_process_caps_its_jobs_to_its_pool_too() {
        let mut config = Config::defaults();
        config.jobs.workers = 16;
        config.database.max_connections = 10;
        assert_eq!(worker_concurrency(&config), 4, "(10 - 2) / 2");
        config.database.max_connections = 42;
        assert_eq!(
            worker_concurrency(&config),
            16,
            "a large pool: all that were asked"
        );
        config.jobs.workers = 0;
        assert_eq!(worker_concurrency(&config), 1, "a worker runs one at least");
        config.jobs.workers = 8;
        config.database.max_connections = 2;
        assert_eq!(worker_concurrency(&config), 1, "a tiny pool: one");
    }
}
