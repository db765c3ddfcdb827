//! Delivery throughput: one account with 10,000 remote followers spread over 1,000 hosts (each a
//! loopback listener with its own port, so each is its own host for the per-host limits and
//! connection pools), each host with one shared inbox. Every post becomes 1,000 signed
//! deliveries. Prints deliveries/s, the share of CPU time spent signing, peak memory, and, in
//! the same run, the raw RSA-2048 signing rate of `ring` (the fastest backend measured by
//! `cargo bench --bench signing`) on every core, which bounds what delivery could reach.
//!
//! Run: `cargo bench --bench delivery` (options: `-- --posts N --followers N --hosts N
//! --workers N`, or `ROOKERY_BENCH_POSTS` …). Uses `DATABASE_URL` if set, else a throwaway
//! PostgreSQL. The receivers count requests and do not verify signatures, so the machine's
//! cores go to the sender; the integration tests check the signatures.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::routing::post;
use axum::Router;
use rookery::app::AppState;
use rookery::config::Config;
use rookery::db::cluster::{Cluster, Lifetime};
use rookery::federation::signature::{self, SigningKey};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

#[path = "support/cpu.rs"]
mod cpu;

struct Settings {
    posts: usize,
    followers: usize,
    hosts: usize,
    workers: usize,
}

fn setting(args: &[String], name: &str, default: usize) -> Result<usize> {
    let flag = format!("--{name}");
    if let Some(i) = args.iter().position(|a| *a == flag) {
        let raw = args.get(i + 1).context("a value after the flag")?;
        return raw.parse().with_context(|| format!("{flag} {raw}"));
    }
    let env = format!("ROOKERY_BENCH_{}", name.to_ascii_uppercase());
    match std::env::var(&env) {
        Ok(raw) => raw.parse().with_context(|| format!("{env}={raw}")),
        Err(_) => Ok(default),
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let settings = (|| -> Result<Settings> {
        Ok(Settings {
            posts: setting(&args, "posts", 5)?,
            followers: setting(&args, "followers", 10_000)?,
            hosts: setting(&args, "hosts", 1_000)?,
            workers: setting(&args, "workers", 64)?,
        })
    })();
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            eprintln!("delivery bench: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("delivery bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings, cores)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("delivery bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings, cores: usize) -> Result<()> {
    println!(
        "delivery bench: {} followers on {} hosts, {} posts, {} jobs at once, {cores} cores",
        settings.followers, settings.hosts, settings.posts, settings.workers
    );
    let (server, cluster) = database_server().await?;
    let postmaster = cluster.as_ref().map(|(c, _)| c.pid);
    let outcome = bench(&settings, cores, &server, postmaster).await;
    if let Some((cluster, dir)) = cluster {
        let _ = tokio::task::spawn_blocking(move || {
            let _ = cluster.stop();
            let _ = std::fs::remove_dir_all(dir);
        })
        .await;
    }
    outcome
}

async fn bench(
    settings: &Settings,
    cores: usize,
    server: &PgConnectOptions,
    postmaster: Option<i32>,
) -> Result<()> {
    let name = format!("rookery_bench_delivery_{}", std::process::id());
    let mut admin = PgConnection::connect_with(server).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let _ = admin.close().await;
    let db_options = server.clone().database(&name);
    let mut conn = PgConnection::connect_with(&db_options).await?;
    rookery::db::MIGRATOR.run(&mut conn).await?;
    let _ = conn.close().await;

    // Receivers: one listener (host) per port, all served by one thread of their own so the
    // CPU they take can be told apart from the sender's.
    let received = Arc::new(AtomicU64::new(0));
    let (inboxes, receiver_thread) = receivers(settings.hosts, received.clone())?;

    // The instance, served in-process with its job runner.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut config = Config::defaults();
    config.domain = addr.to_string();
    config.listen = addr;
    config.federation.allow_private_addresses = true;
    config.jobs.workers = settings.workers;
    config.database.max_connections = 24;
    config.log.level = "error".into();
    rookery::init_tracing(&config);
    let pool =
        rookery::db::open_pool(db_options.clone(), config.database.max_connections, 30).await?;
    let state = AppState::new(pool.clone(), config.clone())?;
    let (_stop, workers_rx) = tokio::sync::watch::channel(false);
    rookery::jobs::spawn_workers(&state, config.jobs.workers, workers_rx);
    let serving = state.clone();
    tokio::spawn(async move {
        let _ = rookery::app::serve(listener, serving, std::future::pending()).await;
    });
    let base = format!("http://{addr}");

    let (author, token) = author(&state, &base).await?;
    let t = Instant::now();
    seed_followers(&pool, author, &inboxes, settings.followers).await?;
    // A live instance's tables have statistics; freshly seeded ones have none until autovacuum
    // comes by, and the audience query would be planned for a handful of followers.
    sqlx::query("ANALYZE").execute(&pool).await?;
    println!(
        "seeded {} remote followers in {:.1} s",
        settings.followers,
        t.elapsed().as_secs_f64()
    );

    let (raw, raw_cpu) = raw_signing_rate(cores).await?;
    let client = reqwest::Client::new();
    let expected = (settings.posts * settings.hosts) as u64;
    let signing_before = state.metrics.signing_seconds();
    let cpu_before = cpu::process_seconds();
    let receivers_before = thread_cpu_of(receiver_thread);
    let pg_before = postmaster.and_then(cpu::postgres_seconds);
    let started = Instant::now();
    for i in 0..settings.posts {
        let res = client
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(&token)
            .json(&json!({ "status": format!("benchmark post {i}") }))
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "posting: {}", res.status());
    }
    let mut last_report = Instant::now();
    loop {
        let done = received.load(Ordering::Relaxed);
        if done >= expected {
            break;
        }
        if last_report.elapsed() > Duration::from_secs(5) {
            println!("  … {done} of {expected} delivered");
            last_report = Instant::now();
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {done} of {expected} delivered after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let signing = state.metrics.signing_seconds() - signing_before;
    let cpu = cpu::process_seconds().map(|c| c - cpu_before.unwrap_or(0.0));
    let receivers_cpu = thread_cpu_of(receiver_thread)
        .zip(receivers_before)
        .map(|(after, before)| after - before);
    let pg_cpu = postmaster
        .and_then(cpu::postgres_seconds)
        .zip(pg_before)
        .map(|(after, before)| after - before);
    let rate = expected as f64 / elapsed;
    println!();
    println!(
        "delivered {expected} activities (1 per host per post) in {elapsed:.2} s: {rate:.0} deliveries/s"
    );
    println!(
        "signing: {signing:.2} s in signing calls (wall time on the signing threads, queueing excluded; inflated when the machine is oversubscribed) = {:.0}% of the run's {cores}-core capacity{}",
        100.0 * signing / (elapsed * cores as f64),
        match cpu {
            Some(c) => format!(
                "; the process used {c:.1} s of CPU ({:.0}% of it if signing ran unpreempted; PostgreSQL is another process, the receivers are in this one)",
                100.0 * signing / c
            ),
            None => String::new(),
        }
    );
    if let (Some(cpu), Some(pg), Some(rx)) = (cpu, pg_cpu, receivers_cpu) {
        // What each delivery costs in CPU, whatever else the machine is doing: the share of it
        // that is signing is the ratio a quiet machine's throughput would show.
        let per = |s: f64| 1e6 * s / expected as f64;
        let sign = 1e6 * raw_cpu;
        let sender = cpu - rx;
        println!(
            "CPU per delivery: {:.0} µs sending + {:.0} µs in PostgreSQL + {:.0} µs in the receivers = {:.0} µs; one raw signature costs {sign:.0} µs of CPU here: {:.0}% of all of it, {:.0}% of the sender's part (sending + PostgreSQL)",
            per(sender),
            per(pg),
            per(rx),
            per(cpu + pg),
            100.0 * sign / per(cpu + pg),
            100.0 * sign / per(sender + pg),
        );
    }
    println!(
        "raw RSA-2048 signing (ring, {cores} threads): {raw:.0} signatures/s; deliveries reach {:.0}% of it (target 70%)",
        100.0 * rate / raw
    );
    println!(
        "peak memory (this process, VmHWM): {}",
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&pool)
        .await?;
    println!("jobs left in the queue: {failures}");
    Ok(())
}

/// A local author with a token (password grant), as a client would have.
async fn author(state: &AppState, base: &str) -> Result<(i64, String)> {
    let (account, _) = rookery::service::accounts::create_by_admin(
        state,
        "author",
        "author@example.com",
        rookery::model::Role::User,
        Some("correct horse battery".into()),
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the author: {e}"))?;
    let client = reqwest::Client::new();
    let app: Value = client
        .post(format!("{base}/api/v1/apps"))
        .json(&json!({ "client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write" }))
        .send()
        .await?
        .json()
        .await?;
    let token: Value = client
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app["client_id"].as_str().unwrap_or_default()),
            (
                "client_secret",
                app["client_secret"].as_str().unwrap_or_default(),
            ),
            ("username", "author"),
            ("password", "correct horse battery"),
            ("scope", "read write"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("no access token")?
        .to_string();
    Ok((account.id, token))
}

/// `count` remote accounts spread evenly over `inboxes` (their shared inboxes), all following
/// `author`: set-based SQL.
async fn seed_followers(
    pool: &sqlx::PgPool,
    author: i64,
    inboxes: &[String],
    count: usize,
) -> Result<()> {
    let base_id = rookery::id::next();
    sqlx::query(
        "INSERT INTO accounts (id, username, domain, uri, inbox_url, shared_inbox_url, public_key_pem) \
         SELECT $1 + g, 'f' || g, split_part(($2::text[])[g % cardinality($2::text[]) + 1], '/', 3), \
                replace(($2::text[])[g % cardinality($2::text[]) + 1], '/inbox', '/users/f' || g), \
                replace(($2::text[])[g % cardinality($2::text[]) + 1], '/inbox', '/users/f' || g || '/inbox'), \
                ($2::text[])[g % cardinality($2::text[]) + 1], '' \
         FROM generate_series(1, $3) g",
    )
    .bind(base_id)
    .bind(inboxes)
    .bind(count as i64)
    .execute(pool)
    .await
    .context("seeding accounts")?;
    sqlx::query(
        "INSERT INTO follows (id, account_id, target_account_id) \
         SELECT $1 + g, $1 + g, $2 FROM generate_series(1, $3) g",
    )
    .bind(base_id)
    .bind(author)
    .bind(count as i64)
    .execute(pool)
    .await
    .context("seeding follows")?;
    sqlx::query(
        "INSERT INTO account_stats (account_id, followers_count) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO UPDATE SET followers_count = EXCLUDED.followers_count",
    )
    .bind(author)
    .bind(count as i64)
    .execute(pool)
    .await
    .context("counting followers")?;
    Ok(())
}

/// Signatures per second from `threads` threads signing a delivery-sized signing string with
/// `ring` for two seconds.
/// The loopback receivers: `hosts` listeners, each one host with a shared inbox that counts
/// what it receives and answers 202, served by a thread of their own. Returns the inbox URLs
/// and the thread's id.
fn receivers(hosts: usize, received: Arc<AtomicU64>) -> Result<(Vec<String>, i32)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(anyhow::Error::from(e)));
                return;
            }
        };
        runtime.block_on(async move {
            let mut inboxes = Vec::with_capacity(hosts);
            for _ in 0..hosts {
                let bound = async {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                    let url = format!("http://{}/inbox", listener.local_addr()?);
                    anyhow::Ok((listener, url))
                };
                let (listener, url) = match bound.await {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                inboxes.push(url);
                let counter = received.clone();
                let app = Router::new().route(
                    "/inbox",
                    post(move |_body: axum::body::Bytes| {
                        let counter = counter.clone();
                        async move {
                            counter.fetch_add(1, Ordering::Relaxed);
                            axum::http::StatusCode::ACCEPTED
                        }
                    }),
                );
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
            }
            // SAFETY: gettid has no preconditions.
            let tid = unsafe { libc::gettid() };
            let _ = tx.send(Ok((inboxes, tid)));
            std::future::pending::<()>().await;
        });
    });
    rx.recv().context("the receivers' thread died")?
}

/// CPU time (s) of one thread of this process.
fn thread_cpu_of(tid: i32) -> Option<f64> {
    Some(cpu::ticks(&format!("self/task/{tid}"))?.0 / 100.0)
}

/// CPU time of the calling thread (s).
fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Signatures per second on `threads` threads, and the CPU time one signature takes (which,
/// unlike the rate, does not depend on what else the machine is running).
async fn raw_signing_rate(threads: usize) -> Result<(f64, f64)> {
    let (private_pem, _) =
        tokio::task::spawn_blocking(rookery::crypto::generate_rsa_keypair).await??;
    let key = SigningKey::from_pem(&private_pem).map_err(|e| anyhow::anyhow!("{e}"))?;
    let body = vec![b'x'; 1500];
    let date = signature::http_date(chrono::Utc::now());
    let run = Duration::from_secs(2);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (key, body, date) = (key.clone(), body.clone(), date.clone());
            std::thread::spawn(move || {
                let start = Instant::now();
                let cpu_start = thread_cpu_seconds();
                let mut n = 0u64;
                while start.elapsed() < run {
                    let _ = signature::sign_request(
                        &key,
                        "https://example.com/users/a#main-key",
                        "POST",
                        "/inbox",
                        "example.com",
                        &date,
                        Some(&body),
                        Some("application/activity+json"),
                    );
                    n += 1;
                }
                (
                    n as f64 / start.elapsed().as_secs_f64(),
                    n,
                    thread_cpu_seconds() - cpu_start,
                )
            })
        })
        .collect();
    let (mut total, mut count, mut cpu) = (0.0, 0, 0.0);
    for h in handles {
        let (rate, n, spent) = h
            .join()
            .map_err(|_| anyhow::anyhow!("a signing thread panicked"))?;
        total += rate;
        count += n;
        cpu += spent;
    }
    Ok((total, cpu / count.max(1) as f64))
}

fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kib as f64 / 1024.0))
}

/// The database server: `DATABASE_URL`'s, or a throwaway cluster tied to this process.
async fn database_server() -> Result<(PgConnectOptions, Option<(Cluster, PathBuf)>)> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let options = PgConnectOptions::from_str(&url).context("DATABASE_URL")?;
        return Ok((options.disable_statement_logging(), None));
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("rookery-bench-delivery-{}", std::process::id()));
    let cluster = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || Cluster::ensure_running(&dir, Lifetime::TiedToProcess))
            .await
            .context("starting PostgreSQL")??
    };
    let options = rookery::db::cluster_options(&cluster, "postgres").disable_statement_logging();
    Ok((options, Some((cluster, dir))))
}
