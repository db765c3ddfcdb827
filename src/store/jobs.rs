//! The job queue table (see the migration for its states). Jobs are stored as a `kind` and a
//! JSON `payload`; `service::queue::Job` is what they mean.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A claimed job's row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub max_attempts: i32,
    pub host: Option<String>,
    /// What `delivery_hosts` knew of `host` when the job was claimed: `None` when nothing is
    /// on record, else whether it is marked unavailable (read here so a delivery needs no
    /// query of its own).
    pub host_unavailable: Option<bool>,
    /// The shared body this job names (a delivery queued by a fan-out), if any.
    pub body_id: Option<i64>,
    /// That body, read with the claim unless the claimer said it already has it (see
    /// [`claim`]); `None` with a `body_id` then, or when the body is gone.
    pub body: Option<String>,
}

/// The channel a process listens on to hear of new jobs at once.
pub const CHANNEL: &str = "rookery_jobs";

/// A job to persist; `host` names the remote server it talks to (per-host limits).
pub struct NewJob<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub host: Option<&'a str>,
    /// `None`: the table's default.
    pub max_attempts: Option<i32>,
}

/// Persists a job (in the caller's transaction, so it exists exactly when the action that
/// caused it does) and wakes idle workers when that transaction commits.
pub async fn enqueue_for_host(
    db: &mut sqlx::PgConnection,
    job: &NewJob<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, run_at, host, max_attempts) \
         VALUES ($1, $2, $3, $4, $5, COALESCE($6, 10))",
    )
    .bind(job.id)
    .bind(job.kind)
    .bind(job.payload)
    .bind(job.run_at)
    .bind(job.host)
    .bind(job.max_attempts)
    .execute(&mut *db)
    .await?;
    wake_workers(db).await
}

/// Wakes idle workers when the caller's transaction commits.
async fn wake_workers(db: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(db)
        .await?;
    Ok(())
}

/// A body stored once for many jobs (see [`enqueue_many_for_hosts`]).
pub struct SharedBody<'a> {
    pub id: i64,
    pub body: &'a str,
}

/// Persists many jobs of one kind bound to hosts (a delivery's fan-out) in one statement, in
/// the caller's transaction, and wakes idle workers once when it commits. `jobs` holds each
/// job's id, host and payload. With `shared`, the body is stored once in `delivery_bodies`
/// by the same statement and every job names it by `body_id` (so the queue does not carry a
/// copy of it per job).
pub async fn enqueue_many_for_hosts(
    db: &mut sqlx::PgConnection,
    kind: &str,
    max_attempts: i32,
    run_at: DateTime<Utc>,
    shared: Option<SharedBody<'_>>,
    jobs: &[(i64, String, serde_json::Value)],
) -> Result<(), sqlx::Error> {
    if jobs.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = jobs.iter().map(|(id, _, _)| *id).collect();
    let hosts: Vec<&str> = jobs.iter().map(|(_, h, _)| h.as_str()).collect();
    let payloads: Vec<&serde_json::Value> = jobs.iter().map(|(_, _, p)| p).collect();
    // A data-modifying CTE always runs, whether or not the rest reads it: the body goes in
    // with its jobs, in one round trip.
    sqlx::query(
        "WITH body AS (INSERT INTO delivery_bodies (id, body) \
                       SELECT $7, $8 WHERE $7::bigint IS NOT NULL) \
         INSERT INTO jobs (id, kind, payload, run_at, host, max_attempts, body_id) \
         SELECT id, $1, payload, $2, host, $3, $7 \
         FROM UNNEST($4::bigint[], $5::text[], $6::jsonb[]) AS t(id, host, payload)",
    )
    .bind(kind)
    .bind(run_at)
    .bind(max_attempts)
    .bind(&ids)
    .bind(&hosts)
    .bind(&payloads)
    .bind(shared.as_ref().map(|b| b.id))
    .bind(shared.as_ref().map(|b| b.body))
    .execute(&mut *db)
    .await?;
    wake_workers(db).await
}

/// Removes the shared bodies created before `before` that no job names any more (their
/// deliveries are done or dropped); returns how many. Bodies are written with their jobs, so
/// one without jobs will never be needed again; `before` only spares the newest from the work.
/// Waiting and failed jobs are looked up through their partial index, running ones (few)
/// through the lease index: a claim does not add an entry to a body index (see the
/// `delivery_speed` migration).
pub async fn remove_unused_bodies(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM delivery_bodies b WHERE b.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.body_id = b.id \
                         AND j.body_id IS NOT NULL AND j.state <> 'running') \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.body_id = b.id AND j.state = 'running')",
    )
    .bind(before)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A connection of its own for a worker's claims, planned to read the queue in `run_at` order
/// whatever the statistics say. After a burst of enqueues the table's statistics still
/// describe the near-empty queue of the last analyze; PostgreSQL then plans a bitmap scan
/// that reads and sorts every due job on each claim (quadratic over a burst, and a prepared
/// statement keeps that plan). With bitmap and sequential scans discouraged for this session
/// alone, each claim walks the `run_at` index and stops after a batch.
pub async fn claimer(pool: &sqlx::PgPool) -> Result<sqlx::PgConnection, sqlx::Error> {
    use sqlx::{ConnectOptions, Executor};
    let mut conn = pool.connect_options().connect().await?;
    conn.execute("SET enable_bitmapscan = off; SET enable_seqscan = off")
        .await?;
    Ok(conn)
}

/// Claims up to `limit` due jobs for `worker` under a lease of `lease_secs`: pending jobs whose
/// time has come, and running jobs whose worker's lease ran out (it died). Concurrent workers
/// never claim the same job (`FOR UPDATE SKIP LOCKED`).
///
/// Jobs bound to a host are claimed only while fewer than `per_host` jobs for that host are
/// running (live leases), counting the ones this claim takes: a slow host's backlog waits
/// while other hosts' jobs go ahead. Two processes claiming at the same instant can each see
/// the same count, so across processes the limit may be overshot by the number of claimers;
/// within a process (one claimer) it is exact.
///
/// Expired leases and due jobs are looked up separately, each through its own partial index
/// in index order, so a claim reads a few rows however long the queue is (an `OR` of the two
/// made PostgreSQL read and sort every pending job on every claim). Only the chosen jobs are
/// locked (a row lock writes to its page); the lock re-reads each row's newest version and
/// checks it is still claimable, so a job another worker claimed meanwhile is skipped. The
/// chosen ids are handed on as arrays (`= ANY (ARRAY(...))`), which can only be index lookups:
/// as a join, stale statistics could plan them as a scan of the whole table.
///
/// The same statement removes the jobs in `finished` (this worker's finished jobs, as
/// [`complete`] does): one round trip and one commit instead of two, and the slots those jobs
/// kept are refilled at once. They are left out of the per-host counts and of the expired
/// leases, so they are neither counted nor claimed while being removed.
///
/// Bodies named in `known_bodies` (the claimer keeps them from earlier claims) are not read
/// again: a fan-out's jobs share one body and are claimed a batch at a time, and reading it
/// once per job copied a kilobyte or two per job out of PostgreSQL and through the client.
pub async fn claim(
    db: impl PgExecutor<'_>,
    worker: &str,
    limit: i64,
    lease_secs: i64,
    per_host: i64,
    finished: &[i64],
    known_bodies: &[i64],
) -> Result<Vec<Job>, sqlx::Error> {
    sqlx::query_as(
        "WITH gone AS (DELETE FROM jobs WHERE id = ANY ($5)), \
         busy AS (SELECT host, count(*) AS n FROM jobs \
                  WHERE state = 'running' AND locked_until >= now() AND host IS NOT NULL \
                  AND id <> ALL ($5) \
                  GROUP BY host), \
         expired AS (SELECT id, host, run_at FROM jobs \
                     WHERE state = 'running' AND locked_until < now() AND id <> ALL ($5) \
                     ORDER BY locked_until LIMIT $2), \
         due AS (SELECT id, host, run_at FROM jobs \
                 WHERE state = 'pending' AND run_at <= now() \
                 AND (host IS NULL OR host NOT IN (SELECT host FROM busy WHERE n >= $4)) \
                 ORDER BY run_at LIMIT $2 * 2), \
         candidates AS (SELECT * FROM expired UNION ALL SELECT * FROM due), \
         ranked AS (SELECT c.id, c.host, c.run_at, COALESCE(b.n, 0) AS n, \
                           row_number() OVER (PARTITION BY c.host ORDER BY c.run_at) AS rn \
                    FROM candidates c LEFT JOIN busy b ON b.host = c.host), \
         chosen AS (SELECT id FROM ranked WHERE host IS NULL OR n + rn <= $4 \
                    ORDER BY run_at LIMIT $2), \
         locked AS (SELECT id FROM jobs WHERE id = ANY (ARRAY(SELECT id FROM chosen)) \
                    AND ((state = 'pending' AND run_at <= now()) \
                         OR (state = 'running' AND locked_until < now())) \
                    FOR UPDATE SKIP LOCKED) \
         UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
         locked_until = now() + make_interval(secs => $3) \
         WHERE id = ANY (ARRAY(SELECT id FROM locked)) \
         RETURNING id, kind, payload, attempts, max_attempts, host, \
         (SELECT d.unavailable_since IS NOT NULL FROM delivery_hosts d WHERE d.host = jobs.host) \
           AS host_unavailable, \
         body_id, CASE WHEN body_id = ANY ($6) THEN NULL \
                       ELSE (SELECT b.body FROM delivery_bodies b WHERE b.id = jobs.body_id) END \
           AS body",
    )
    .bind(worker)
    .bind(limit)
    .bind(lease_secs as f64)
    .bind(per_host)
    .bind(finished)
    .bind(known_bodies)
    .fetch_all(db)
    .await
}

/// Done jobs are removed (a worker removes its own with its next [`claim`]; this is for
/// the last ones when it stops).
pub async fn complete(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM jobs WHERE id = ANY($1)")
        .bind(ids)
        .execute(db)
        .await?;
    Ok(())
}

/// A failed attempt: back to pending at `retry_at`, or `failed` for good when `retry_at` is None.
pub async fn fail(
    db: impl PgExecutor<'_>,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET state = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, \
         run_at = COALESCE($3, run_at), last_error = $2, locked_by = NULL, locked_until = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Jobs waiting or running, by kind (for the admin and for tests that wait for a quiet queue).
pub async fn pending_count(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')")
        .fetch_one(db)
        .await
}

/// Jobs by kind and state, with the oldest `run_at` of each group (`rookery admin queue`,
/// metrics).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueueDepth {
    pub kind: String,
    pub state: String,
    pub count: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// The queue's depth by kind and state.
pub async fn depth(db: impl PgExecutor<'_>) -> Result<Vec<QueueDepth>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, state, count(*) AS count, min(run_at) AS oldest FROM jobs \
         GROUP BY kind, state ORDER BY kind, state",
    )
    .fetch_all(db)
    .await
}

/// The oldest pending job that is already due (how far behind the workers are).
pub async fn oldest_due(db: impl PgExecutor<'_>) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("SELECT min(run_at) FROM jobs WHERE state = 'pending' AND run_at <= now()")
        .fetch_one(db)
        .await
}

/// Drops the waiting jobs of `kind` for `host` (a host just marked unavailable); returns how
/// many.
pub async fn drop_pending_for_host(
    db: impl PgExecutor<'_>,
    kind: &str,
    host: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM jobs WHERE kind = $1 AND host = $2 AND state = 'pending'")
        .bind(kind)
        .bind(host)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Whether a job of `kind` for `host` whose payload's `url` is `url` is waiting or running.
/// Two lookups, each matching one partial index: waiting jobs by host, running jobs by lease.
pub async fn waiting_with_url(
    db: impl PgExecutor<'_>,
    kind: &str,
    host: &str,
    url: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE host = $2 AND kind = $1 \
                        AND state = 'pending' AND payload->>'url' = $3) \
             OR EXISTS (SELECT 1 FROM jobs WHERE state = 'running' AND host = $2 \
                        AND kind = $1 AND payload->>'url' = $3)",
    )
    .bind(kind)
    .bind(host)
    .bind(url)
    .fetch_one(db)
    .await
}
