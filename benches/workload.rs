//! The real-instance workload of issue 23, end to end: the release `rookery` binary runs as its
//! own process with its own private PostgreSQL in a temporary data folder, is filled only
//! through its HTTP API (sign-ups, password sign-ins with the real argon2 cost, follows, posts
//! whose fan-out jobs run in the server), and is then driven by `wrk`, a separate load
//! generator, over keep-alive connections. Beside the rates it reads the server's and
//! PostgreSQL's CPU time, memory and proportional footprint from `/proc`. The reads run twice:
//! straight after the seeding, while its aftermath (autovacuum, checkpoints, the last jobs)
//! still shares the machine, and again once server and PostgreSQL have gone quiet.
//!
//! ```sh
//! cargo bench --bench workload            # the issue's workload
//! cargo bench --bench workload -- --accounts 20 --posts-per-account 10 --seconds 5
//! ```
//!
//! Options: `--seconds S` (each measured scenario, 20), `--warmup S` (2), `--accounts N`
//! (authors, 100; two viewers are added), `--posts-per-account N` (40), `--writers N` (16),
//! `--write-ops N` (operations per writer in each write scenario, 50), `--notifications N`
//! (notifications of the account whose grouped notifications are read, 10,000; 0 leaves the
//! scenario out), `--keep` (leave the server and its data folder running until Ctrl-C). Cargo
//! builds the `rookery` binary in the bench profile (release settings) for this bench: no
//! separate build step. `WORKLOAD_SERVER_BIN=<path>` measures another build of the server
//! instead (an older one, for before-and-after figures).
//!
//! Needs `wrk` (`apt-get install -y wrk`) and PostgreSQL's server binaries (as the server's
//! private cluster does). Linux only: everything measured comes from `/proc`.

#[path = "support/api.rs"]
mod api;
use api::{string, Api, AppCredentials, User};
#[path = "support/cpu.rs"]
#[allow(dead_code)]
mod cpu;
#[path = "support/workload_more.rs"]
mod more;
#[path = "support/runner.rs"]
mod runner;
#[path = "support/server.rs"]
mod server;
use server::{server_bin, Instance, NEVER};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

/// Another server binary to measure instead (an older build, for before/after figures).
const SERVER_BIN_VAR: &str = "WORKLOAD_SERVER_BIN";
/// Posting requests in flight at once while seeding, as in the issue.
const POSTING_CONCURRENCY: usize = 4;
/// Load-generator connections, as in the issue.
const CONNECTIONS: u32 = 8;
/// The home feed keeps this many newest entries (`store::feeds::FEED_CAP`).
const FEED_CAP: usize = 800;
const SAMPLE_EVERY: Duration = Duration::from_millis(200);
/// How long the instance is left alone after the seeding before its settled footprint is
/// taken: twice the pool's default idle timeout, which sqlx checks as often as it lasts.
const SETTLE: Duration = Duration::from_secs(40);

struct Options {
    seconds: u64,
    warmup: u64,
    accounts: usize,
    posts: usize,
    writers: usize,
    write_ops: usize,
    notifications: usize,
    keep: bool,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut o = Options {
            seconds: 20,
            warmup: 2,
            accounts: 100,
            posts: 40,
            writers: 16,
            write_ops: 50,
            notifications: 10_000,
            keep: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<usize> {
                let raw = match inline.clone() {
                    Some(v) => v,
                    None => args.next().ok_or_else(|| anyhow!("{name} needs a value"))?,
                };
                raw.parse()
                    .with_context(|| format!("{name} takes a whole number, not {raw:?}"))
            };
            match flag.as_str() {
                "--bench" => {}
                "--seconds" => o.seconds = value("--seconds")? as u64,
                "--warmup" => o.warmup = value("--warmup")? as u64,
                "--accounts" => o.accounts = value("--accounts")?,
                "--posts-per-account" => o.posts = value("--posts-per-account")?,
                "--writers" => o.writers = value("--writers")?,
                "--write-ops" => o.write_ops = value("--write-ops")?,
                "--notifications" => o.notifications = value("--notifications")?,
                "--keep" => o.keep = true,
                other => bail!(
                    "unknown option {other}; options: --seconds S --warmup S --accounts N \
                     --posts-per-account N --writers N --write-ops N --notifications N --keep"
                ),
            }
        }
        if o.accounts < 5 || o.posts == 0 || o.seconds == 0 {
            bail!("needs at least 5 accounts, 1 post per account and 1 second");
        }
        Ok(o)
    }
}

fn main() -> ExitCode {
    runner::main("workload", Some(2), Options::parse(), |o| async move {
        run(&o).await
    })
}

async fn run(opts: &Options) -> Result<()> {
    let wrk = which("wrk").ok_or_else(|| {
        anyhow!("wrk is not installed: `apt-get install -y wrk` (it is the load generator)")
    })?;
    // Stopped, with its cluster, and its folder removed when dropped, whatever happens.
    let mut instance = Instance::start("workload", server_bin(SERVER_BIN_VAR))?;
    let base = instance.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(120))
        .build()?;
    let api = Api {
        client,
        base: base.clone(),
    };
    let t = Instant::now();
    instance
        .wait_until_up(&api.client, Duration::from_secs(180))
        .await?;
    let postmaster = instance.postmaster()?;
    println!(
        "server: {} (pid {}), private PostgreSQL pid {postmaster}, up in {:.1} s",
        server_bin(SERVER_BIN_VAR),
        instance.pid(),
        t.elapsed().as_secs_f64()
    );
    println!("data folder: {}", instance.dir.display());
    println!(
        "settings differing from the defaults: domain/listen 127.0.0.1:{}, data_dir (temporary); \
         rate limits registrations_per_ip, sign_ins_per_ip, api_per_ip, api_per_token and \
         statuses_per_token = {NEVER} (they would refuse the seeding and the load from one \
         address; kept on, not 0, so each request still pays for the limiter)",
        instance.port
    );

    // Seeding, through the API only.
    let seeded = seed(&api, opts).await?;
    let server = instance.pid();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_rss = rss_kib(server).unwrap_or(0);
    let idle = footprint(server, postmaster);
    println!(
        "idle after seeding: server RSS {}, server + PostgreSQL PSS {} ({} processes); load \
         average {}",
        mib(idle_rss),
        mib(idle.pss_kib),
        idle.processes,
        loadavg()
    );

    // Issue 18's scenarios: an account with many notifications, seeded after the idle figure
    // (which stays the issue's workload alone) and before the instance settles, so that the
    // reads, as the issue ran them, follow a settled instance whatever was seeded. (Seeded
    // after the settling, the 10,000 favourites left the pool's connections each holding the
    // plans and catalog caches of the write path, about 12 MiB apiece against 5 for a
    // reader's, and under wrk's load none of them went idle long enough to be closed.)
    let notified = if opts.notifications > 0 {
        Some(
            more::notified_account(&api, &seeded.app, &seeded.authors, opts.notifications)
                .await?
                .0,
        )
    } else {
        None
    };

    // The pool closes connections left idle (`database.idle_timeout_secs`, checked as often):
    // the footprint of the instance left alone a while after the seeding's bursts.
    tokio::time::sleep(SETTLE).await;
    let settled_rss = rss_kib(server).unwrap_or(0);
    let settled = footprint(server, postmaster);
    println!(
        "idle {} s after the last of the seeding: server RSS {}, server + PostgreSQL PSS {} ({} \
         processes)",
        SETTLE.as_secs(),
        mib(settled_rss),
        mib(settled.pss_kib),
        settled.processes
    );

    let list_path = format!("/api/v1/timelines/list/{}?limit=20", seeded.list);

    // Reads, from wrk.
    let mut scenarios = vec![
        (
            "home, dense viewer (follows all authors)",
            "/api/v1/timelines/home?limit=20",
            &seeded.dense.token,
        ),
        (
            "public",
            "/api/v1/timelines/public?limit=20",
            &seeded.dense.token,
        ),
        (
            "home, sparse viewer (follows 5)",
            "/api/v1/timelines/home?limit=20",
            &seeded.sparse.token,
        ),
        (
            "list of half the authors (dense viewer's)",
            list_path.as_str(),
            &seeded.dense.token,
        ),
    ];
    if let Some(notified) = &notified {
        scenarios.push((
            "grouped notifications (10,000 of them)",
            "/api/v2/notifications?limit=20",
            &notified.token,
        ));
    }
    // The reads, first straight after the seeding (as the issue ran them, with the seeding's
    // aftermath still at work: autovacuum, checkpoints, the last jobs), then again once the
    // instance has gone quiet, as a running instance usually is between bursts of writes.
    println!("reads straight after the seeding:");
    let reads = read_scenarios(&api, &wrk, &base, opts, &scenarios, (server, postmaster)).await?;
    let waited = wait_until_quiet(server, postmaster).await?;
    println!(
        "reads once the instance is quiet (server + PostgreSQL under {QUIET_SHARE} of a core \
         for {} s in a row; {waited:.0} s after the first reads):",
        QUIET_FOR.as_secs()
    );
    let reads_quiet =
        read_scenarios(&api, &wrk, &base, opts, &scenarios, (server, postmaster)).await?;

    // Writes, from concurrent API clients: with cache invalidations coalesced (as served),
    // then, the same server restarted with `cache.coalesce_invalidation = false`, announcing
    // every changed row on its own as before migration `coalesced_invalidation`.
    let writers = sign_up_writers(&api, opts, &seeded).await?;
    println!("writes, invalidations coalesced (as served):");
    let writes = write_scenarios(&api, opts, &seeded, &writers, 0, (server, postmaster)).await?;
    let mut writes_per_row = Vec::new();
    if !writers.is_empty() {
        instance.restart(&[("ROOKERY_CACHE__COALESCE_INVALIDATION", "false")])?;
        instance
            .wait_until_up(&api.client, Duration::from_secs(180))
            .await
            .context("after the restart")?;
        let ids = (instance.pid(), instance.postmaster()?);
        println!(
            "restarted the server (pid {}) with cache.coalesce_invalidation = false; writes, \
             every changed row announced on its own (as before 20261204090001):",
            ids.0
        );
        writes_per_row = write_scenarios(&api, opts, &seeded, &writers, 1, ids).await?;
    }

    println!();
    println!(
        "== summary ({} authors × {} posts) ==",
        opts.accounts, opts.posts
    );
    println!(
        "seeding: {} sign-ups + sign-ins in {:.1} s; {} posts created and fanned out in {:.1} s \
         (requests done in {:.1} s)",
        opts.accounts + 2,
        seeded.signup_secs,
        seeded.posts,
        seeded.processed_secs,
        seeded.posting_secs
    );
    println!(
        "{:<42} {:>9} {:>10} {:>10} {:>11} {:>11} {:>10} {:>10} {:>7}",
        "scenario", "req/s", "p50", "p99", "server/req", "pg/req", "RSS peak", "PSS peak", "failed"
    );
    let labelled = reads
        .iter()
        .map(|r| ("", r))
        .chain(reads_quiet.iter().map(|r| (", quiet", r)));
    for (when, r) in labelled {
        println!(
            "{:<42} {:>9.0} {:>10} {:>10} {:>11} {:>11} {:>10} {:>10} {:>7}",
            format!("{}{when}", r.name),
            r.rate,
            ms(r.p50_ms),
            ms(r.p99_ms),
            us(r.server_us),
            us(r.pg_us),
            mib(r.peak.rss_kib),
            mib(r.peak.pss_kib),
            r.failures
        );
    }
    println!(
        "idle after seeding: server RSS {}, server + PostgreSQL PSS {} ({} processes); {} s \
         after the last of the seeding: {}, {} ({} processes)",
        mib(idle_rss),
        mib(idle.pss_kib),
        idle.processes,
        SETTLE.as_secs(),
        mib(settled_rss),
        mib(settled.pss_kib),
        settled.processes
    );
    let labelled = writes
        .iter()
        .map(|w| ("coalesced", w))
        .chain(writes_per_row.iter().map(|w| ("per row (before)", w)));
    for (how, w) in labelled {
        println!(
            "{:<42} {:>9.0} ops/s  p50 {}  p99 {}  server {}/op  pg {}/op  errors {}",
            format!("{} by {} writers, {how}", w.name, opts.writers),
            w.rate,
            ms(w.p50_ms),
            ms(w.p99_ms),
            us(w.server_us),
            us(w.pg_us),
            w.errors
        );
    }

    if opts.keep {
        println!(
            "--keep: the server stays up at {base} (dense viewer token {}); Ctrl-C stops it",
            seeded.dense.token
        );
        let _ = tokio::signal::ctrl_c().await;
    }
    Ok(())
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

// ---------------------------------------------------------------------------------------------
// The client API, as an app would use it.

impl Api {
    async fn sign_up_many(
        &self,
        app: &Arc<AppCredentials>,
        names: Vec<String>,
        concurrency: usize,
    ) -> Result<Vec<User>> {
        let names = Arc::new(names);
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (api, app, names, next) = (self.clone(), app.clone(), names.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut made = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(name) = names.get(i) else {
                        return Ok::<_, anyhow::Error>(made);
                    };
                    made.push((i, api.sign_up(&app, name).await?));
                }
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        all.sort_by_key(|(i, _)| *i);
        Ok(all.into_iter().map(|(_, u)| u).collect())
    }

    async fn follow(&self, who: &User, whom: &User) -> Result<()> {
        self.json(
            self.post(&format!("/api/v1/accounts/{}/follow", whom.id), &who.token),
            "following",
        )
        .await?;
        Ok(())
    }

    async fn post_status(&self, who: &User, text: &str) -> Result<String> {
        let status = self
            .json(
                self.post("/api/v1/statuses", &who.token)
                    .form(&[("status", text)]),
                "posting",
            )
            .await?;
        string(&status, "id")
    }

    /// Status ids on the first `pages` pages of 40 of a home timeline.
    async fn home_ids(&self, who: &User, pages: usize) -> Result<HashSet<String>> {
        let mut ids = HashSet::new();
        let mut max_id: Option<String> = None;
        for _ in 0..pages {
            let path = match &max_id {
                Some(m) => format!("/api/v1/timelines/home?limit=40&max_id={m}"),
                None => "/api/v1/timelines/home?limit=40".to_string(),
            };
            let page = self
                .json(self.get(&path, &who.token), "home timeline")
                .await?;
            let items = page.as_array().cloned().unwrap_or_default();
            let Some(last) = items.last() else { break };
            max_id = Some(string(last, "id")?);
            for s in &items {
                ids.insert(string(s, "id")?);
            }
        }
        Ok(ids)
    }

    /// The scenario's URL answers 200 with a full page, before wrk hammers it.
    async fn check_page(&self, path: &str, token: &str) -> Result<()> {
        let page = self.json(self.get(path, token), path).await?;
        let n = page.as_array().map(Vec::len).unwrap_or(0);
        if n != 20 {
            bail!("{path} answered {n} statuses, not 20");
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Seeding.

struct Seeded {
    app: Arc<AppCredentials>,
    /// The dense viewer's list of half the authors.
    list: String,
    authors: Vec<User>,
    dense: User,
    sparse: User,
    /// Every seeded status id, oldest first.
    statuses: Vec<String>,
    posts: usize,
    signup_secs: f64,
    posting_secs: f64,
    processed_secs: f64,
}

async fn seed(api: &Api, opts: &Options) -> Result<Seeded> {
    let app = Arc::new(api.register_app().await?);

    let t = Instant::now();
    let mut names: Vec<String> = (0..opts.accounts).map(|i| format!("author{i}")).collect();
    names.push("dense".into());
    names.push("sparse".into());
    let mut users = api.sign_up_many(&app, names, POSTING_CONCURRENCY).await?;
    let signup_secs = t.elapsed().as_secs_f64();
    let sparse = users.pop().ok_or_else(|| anyhow!("no sparse viewer"))?;
    let dense = users.pop().ok_or_else(|| anyhow!("no dense viewer"))?;
    let authors = users;
    println!(
        "signed up and signed in {} accounts in {signup_secs:.1} s ({:.0} ms each, {POSTING_CONCURRENCY} at a time)",
        authors.len() + 2,
        signup_secs * 1000.0 / (authors.len() + 2) as f64
    );

    // The viewers follow first, so the posts reach them by fan-out, as on a lived-in instance.
    let t = Instant::now();
    for a in &authors {
        api.follow(&dense, a).await?;
    }
    for a in authors.iter().take(5) {
        api.follow(&sparse, a).await?;
    }
    // Its list of half the authors, filled by the same fan-out as home.
    let list = more::make_list(api, &dense, &authors[..authors.len() / 2]).await?;
    println!(
        "the dense viewer followed {} authors (and listed {}), the sparse one 5, in {:.1} s",
        authors.len(),
        authors.len() / 2,
        t.elapsed().as_secs_f64()
    );

    // Posts interleaved across authors: round r, author a is post r * authors + a.
    let total = authors.len() * opts.posts;
    let authors_arc = Arc::new(authors.clone());
    let next = Arc::new(AtomicUsize::new(0));
    let made: Arc<Mutex<Vec<(usize, String)>>> = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..POSTING_CONCURRENCY {
        let (api, authors, next, made) =
            (api.clone(), authors_arc.clone(), next.clone(), made.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, anyhow::Error>(());
                }
                let author = &authors[i % authors.len()];
                let id = api.post_status(author, &words(i as u64, 200)).await?;
                made.lock().map_err(|_| anyhow!("poisoned"))?.push((i, id));
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    let posting_secs = t.elapsed().as_secs_f64();
    let mut made = std::mem::take(&mut *made.lock().map_err(|_| anyhow!("poisoned"))?);
    made.sort_by_key(|(i, _)| *i);
    let statuses: Vec<String> = made.into_iter().map(|(_, id)| id).collect();
    println!(
        "posted {total} statuses in {posting_secs:.1} s ({:.0}/s, {POSTING_CONCURRENCY} at a time)",
        total as f64 / posting_secs
    );

    // Fully processed: the sparse viewer's home holds every post of its 5 authors, and the
    // dense viewer's the newest ones its feed keeps.
    let sparse_want: HashSet<String> = statuses
        .iter()
        .enumerate()
        .filter(|(i, _)| i % authors.len() < 5)
        .map(|(_, id)| id.clone())
        .collect();
    let mut by_id: Vec<&String> = statuses.iter().collect();
    by_id.sort_by_key(|id| std::cmp::Reverse(id.parse::<i64>().unwrap_or(0)));
    let dense_want: HashSet<String> = by_id.into_iter().take(FEED_CAP).cloned().collect();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let sparse_has = api.home_ids(&sparse, sparse_want.len() / 40 + 2).await?;
        let dense_has = api.home_ids(&dense, dense_want.len() / 40 + 2).await?;
        let missing_sparse = sparse_want.difference(&sparse_has).count();
        let missing_dense = dense_want.difference(&dense_has).count();
        if missing_sparse == 0 && missing_dense == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "fan-out not done after 600 s: {missing_dense} missing from the dense viewer's \
                 home, {missing_sparse} from the sparse one's"
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let processed_secs = t.elapsed().as_secs_f64();
    println!(
        "all {total} posts in the viewers' home timelines {processed_secs:.1} s after the first \
         post ({:.0} posts/s until fully processed)",
        total as f64 / processed_secs
    );
    Ok(Seeded {
        app,
        list,
        authors,
        dense,
        sparse,
        posts: total,
        statuses,
        signup_secs,
        posting_secs,
        processed_secs,
    })
}

/// About `chars` characters of ordinary English words, the same for the same `seed`.
fn words(seed: u64, chars: usize) -> String {
    const WORDS: &[&str] = &[
        "the",
        "morning",
        "train",
        "was",
        "late",
        "again",
        "so",
        "I",
        "walked",
        "along",
        "river",
        "and",
        "watched",
        "ducks",
        "argue",
        "about",
        "bread",
        "coffee",
        "tastes",
        "better",
        "when",
        "someone",
        "else",
        "makes",
        "it",
        "finished",
        "reading",
        "a",
        "book",
        "on",
        "gardens",
        "tomatoes",
        "are",
        "finally",
        "turning",
        "red",
        "our",
        "cat",
        "has",
        "opinions",
        "weather",
        "today",
        "looks",
        "like",
        "rain",
        "but",
        "nobody",
        "believes",
        "forecast",
        "meeting",
        "ran",
        "long",
        "lunch",
        "short",
        "tried",
        "new",
        "recipe",
        "with",
        "lentils",
        "kids",
        "built",
        "fort",
        "out",
        "of",
        "cushions",
        "evening",
        "light",
        "over",
        "hills",
        "is",
        "something",
        "else",
        "bike",
        "needs",
        "tyre",
        "library",
        "quiet",
        "this",
        "week",
    ];
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    let mut out = String::with_capacity(chars + 16);
    while out.len() < chars {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
    }
    out.push('.');
    out
}

// ---------------------------------------------------------------------------------------------
// Measuring the server and its database from /proc.

/// Resident memory of a process (KiB).
fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&status, "VmRSS:")
}

/// Proportional set size of a process (KiB): its private pages plus its share of shared ones.
fn pss_kib(pid: i32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    kib_field(&rollup, "Pss:")
}

fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(name))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The postmaster and every process it started (backends, checkpointer, walwriter, …).
fn cluster_pids(postmaster: i32) -> Vec<i32> {
    let root = postmaster.to_string();
    let mut pids = vec![postmaster];
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Some((_, _, parent)) = cpu::ticks(&name) {
                if parent == root {
                    if let Ok(pid) = name.parse() {
                        pids.push(pid);
                    }
                }
            }
        }
    }
    pids
}

#[derive(Clone, Copy, Default)]
struct Footprint {
    pss_kib: u64,
    rss_kib: u64,
    processes: usize,
}

/// PSS of the server and its whole cluster, and the server's RSS.
fn footprint(server: i32, postmaster: i32) -> Footprint {
    let mut pids = cluster_pids(postmaster);
    pids.push(server);
    Footprint {
        pss_kib: pids.iter().filter_map(|p| pss_kib(*p)).sum(),
        rss_kib: rss_kib(server).unwrap_or(0),
        processes: pids.len(),
    }
}

/// Samples the footprint every 200 ms until stopped; keeps the peaks.
struct Sampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Footprint>,
}

impl Sampler {
    fn start(server: i32, postmaster: i32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut peak = Footprint::default();
            while !flag.load(Ordering::Relaxed) {
                let now = footprint(server, postmaster);
                peak.pss_kib = peak.pss_kib.max(now.pss_kib);
                peak.rss_kib = peak.rss_kib.max(now.rss_kib);
                peak.processes = peak.processes.max(now.processes);
                std::thread::sleep(SAMPLE_EVERY);
            }
            peak
        });
        Sampler { stop, task }
    }

    async fn stop(self) -> Footprint {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or_default()
    }
}

/// CPU seconds of the server process (all its threads) and of the cluster.
#[derive(Clone, Copy)]
struct Cpu {
    server: f64,
    pg: f64,
}

impl Cpu {
    fn now(server: i32, postmaster: i32) -> Result<Cpu> {
        let (own, _, _) = cpu::ticks(&server.to_string())
            .ok_or_else(|| anyhow!("the server (pid {server}) is gone"))?;
        let pg = cpu::postgres_seconds(postmaster)
            .ok_or_else(|| anyhow!("PostgreSQL (pid {postmaster}) is gone"))?;
        Ok(Cpu {
            server: own / 100.0,
            pg,
        })
    }

    fn since(&self, before: &Cpu) -> Cpu {
        Cpu {
            server: self.server - before.server,
            pg: self.pg - before.pg,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reads, driven by wrk.

/// The share of one core that server and PostgreSQL together stay under for the instance to
/// count as quiet.
const QUIET_SHARE: f64 = 0.05;
/// How long they must stay under it.
const QUIET_FOR: Duration = Duration::from_secs(3);
/// How long to wait for quiet at most before reading anyway.
const QUIET_AT_MOST: Duration = Duration::from_secs(180);

/// Waits until server and PostgreSQL have used under [`QUIET_SHARE`] of a core for
/// [`QUIET_FOR`] in a row (or [`QUIET_AT_MOST`] has passed); returns the seconds waited.
async fn wait_until_quiet(server: i32, postmaster: i32) -> Result<f64> {
    let started = Instant::now();
    let mut calm_since: Option<Instant> = None;
    let mut last = Cpu::now(server, postmaster)?;
    while started.elapsed() < QUIET_AT_MOST {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = Cpu::now(server, postmaster)?;
        let used = now.since(&last);
        last = now;
        if used.server + used.pg < QUIET_SHARE {
            let since = *calm_since.get_or_insert_with(Instant::now);
            if since.elapsed() + Duration::from_secs(1) >= QUIET_FOR {
                return Ok(started.elapsed().as_secs_f64());
            }
        } else {
            calm_since = None;
        }
    }
    println!(
        "the instance did not go quiet within {} s; reading anyway",
        QUIET_AT_MOST.as_secs()
    );
    Ok(started.elapsed().as_secs_f64())
}

/// Each read scenario: checked, warmed up, then measured with wrk.
async fn read_scenarios(
    api: &Api,
    wrk: &Path,
    base: &str,
    opts: &Options,
    scenarios: &[(&'static str, &str, &String)],
    (server, postmaster): (i32, i32),
) -> Result<Vec<ReadResult>> {
    let mut reads = Vec::new();
    for &(name, path, token) in scenarios {
        if path.starts_with("/api/v2/notifications") {
            more::check_groups(api, path, token).await?;
        } else {
            api.check_page(path, token).await?;
        }
        let url = format!("{base}{path}");
        let header = format!("Authorization: Bearer {token}");
        if opts.warmup > 0 {
            wrk_run(wrk, &url, &header, opts.warmup, false).await?;
        }
        let sampler = Sampler::start(server, postmaster);
        let before = Cpu::now(server, postmaster)?;
        let out = wrk_run(wrk, &url, &header, opts.seconds, true).await?;
        let cpu = Cpu::now(server, postmaster)?.since(&before);
        let peak = sampler.stop().await;
        let result = ReadResult::from_wrk(name, &out, cpu, peak)?;
        result.print();
        reads.push(result);
    }

    Ok(reads)
}

async fn wrk_run(wrk: &Path, url: &str, header: &str, secs: u64, latency: bool) -> Result<String> {
    let mut cmd = tokio::process::Command::new(wrk);
    cmd.arg("-t2")
        .arg(format!("-c{CONNECTIONS}"))
        .arg(format!("-d{secs}s"))
        .arg("-H")
        .arg(header)
        // wrk's default of 2 s counted one slow answer on a loaded machine as a socket
        // error; the p99 shows the tail, and failures are counted, not fatal.
        .arg("--timeout")
        .arg("10s");
    if latency {
        cmd.arg("--latency");
    }
    let out = cmd.arg(url).output().await.context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "wrk failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(text)
}

struct ReadResult {
    name: &'static str,
    rate: f64,
    requests: u64,
    /// Non-2xx answers and socket errors (timeouts included) wrk counted.
    failures: u64,
    p50_ms: f64,
    p99_ms: f64,
    server_us: f64,
    pg_us: f64,
    peak: Footprint,
}

impl ReadResult {
    fn from_wrk(name: &'static str, out: &str, cpu: Cpu, peak: Footprint) -> Result<ReadResult> {
        let mut requests = None;
        let mut rate = None;
        let mut pct = HashMap::new();
        let mut failures = 0u64;
        for line in out.lines() {
            let t = line.trim();
            let mut parts = t.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some(p @ ("50%" | "99%")), Some(v)) => {
                    pct.insert(p, duration_ms(v)?);
                }
                (Some("Requests/sec:"), Some(v)) => rate = v.parse::<f64>().ok(),
                (Some(n), Some("requests")) => requests = n.parse::<u64>().ok(),
                _ => {}
            }
            if let Some(rest) = t.strip_prefix("Non-2xx or 3xx responses:") {
                failures += rest.trim().parse::<u64>().unwrap_or(0);
            }
            if let Some(rest) = t.strip_prefix("Socket errors:") {
                failures += rest
                    .split(',')
                    .filter_map(|f| f.split_whitespace().nth(1)?.parse::<u64>().ok())
                    .sum::<u64>();
            }
        }
        let (Some(requests), Some(rate), Some(p50), Some(p99)) =
            (requests, rate, pct.get("50%"), pct.get("99%"))
        else {
            bail!("cannot read wrk's report:\n{out}");
        };
        if failures > 0 {
            eprintln!("{name}: {failures} failed requests (counted, the run goes on):\n{out}");
        }
        let per = |s: f64| s * 1e6 / requests.max(1) as f64;
        Ok(ReadResult {
            name,
            rate,
            requests,
            failures,
            p50_ms: *p50,
            p99_ms: *p99,
            server_us: per(cpu.server),
            pg_us: per(cpu.pg),
            peak,
        })
    }

    fn print(&self) {
        println!(
            "{}: {:.0} req/s ({} requests, {} failed), p50 {}, p99 {}; CPU per request: \
             server {}, PostgreSQL {}; peak server RSS {}, peak server + PostgreSQL PSS {} ({} \
             processes); load average {}",
            self.name,
            self.rate,
            self.requests,
            self.failures,
            ms(self.p50_ms),
            ms(self.p99_ms),
            us(self.server_us),
            us(self.pg_us),
            mib(self.peak.rss_kib),
            mib(self.peak.pss_kib),
            self.peak.processes,
            loadavg()
        );
    }
}

/// wrk's durations: `850.00us`, `2.31ms`, `1.02s`.
fn duration_ms(v: &str) -> Result<f64> {
    let split = v
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| anyhow!("no unit in {v:?}"))?;
    let (n, unit) = v.split_at(split);
    let n: f64 = n.parse().with_context(|| format!("not a number: {v:?}"))?;
    Ok(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => bail!("unknown unit in {v:?}"),
    })
}

// ---------------------------------------------------------------------------------------------
// Writes: concurrent writers, each with its own account and token.

struct WriteResult {
    name: &'static str,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_us: f64,
    pg_us: f64,
    errors: usize,
}

#[derive(Clone, Copy)]
enum Write {
    Post,
    Favourite,
    Follow,
}

/// Signs up the concurrent writers (none when `--writers 0` or `--write-ops 0`).
async fn sign_up_writers(api: &Api, opts: &Options, seeded: &Seeded) -> Result<Vec<User>> {
    if opts.writers == 0 || opts.write_ops == 0 {
        return Ok(Vec::new());
    }
    let t = Instant::now();
    let names = (0..opts.writers).map(|i| format!("writer{i}")).collect();
    let writers = api
        .sign_up_many(&seeded.app, names, POSTING_CONCURRENCY)
        .await?;
    println!(
        "signed up and signed in {} writers in {:.1} s",
        writers.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(writers)
}

/// Posting, favouriting and following by `writers` at once. `round` (0, 1) picks other
/// statuses to favourite and other authors to follow in a second run on the same data, so
/// that no write of the second is a no-op repeat of the first.
async fn write_scenarios(
    api: &Api,
    opts: &Options,
    seeded: &Seeded,
    writers: &[User],
    round: usize,
    (server, postmaster): (i32, i32),
) -> Result<Vec<WriteResult>> {
    if writers.is_empty() {
        return Ok(Vec::new());
    }
    // Each round follows its own share of the authors.
    let share = (seeded.authors.len() / 2).max(1);
    let follows = opts.write_ops.min(share);
    let plan = [
        ("posting", Write::Post, opts.write_ops),
        ("favouriting", Write::Favourite, opts.write_ops),
        ("following", Write::Follow, follows),
    ];
    let statuses = Arc::new(seeded.statuses.clone());
    let authors = Arc::new(seeded.authors.clone());
    let mut results = Vec::new();
    for (name, kind, ops) in plan {
        let before = Cpu::now(server, postmaster)?;
        let t = Instant::now();
        let mut tasks = Vec::new();
        for (w, writer) in writers.iter().cloned().enumerate() {
            let first_author = round * share;
            let (api, statuses, authors) = (api.clone(), statuses.clone(), authors.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(ops);
                let mut errors = 0;
                for k in 0..ops {
                    let t = Instant::now();
                    let done = match kind {
                        Write::Post => api
                            .post_status(
                                &writer,
                                &words((round * 50_000_017 + w * 1_000_003 + k) as u64, 200),
                            )
                            .await
                            .map(drop),
                        Write::Favourite => {
                            // Each writer its own run of statuses, so favourites rarely repeat.
                            let id = &statuses[(w * 997 + k * 7 + round * 3) % statuses.len()];
                            api.json(
                                api.post(
                                    &format!("/api/v1/statuses/{id}/favourite"),
                                    &writer.token,
                                ),
                                "favouriting",
                            )
                            .await
                            .map(drop)
                        }
                        Write::Follow => {
                            let whom = &authors[(first_author + (w + k) % share) % authors.len()];
                            api.follow(&writer, whom).await
                        }
                    };
                    match done {
                        Ok(()) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                        Err(e) => {
                            if errors == 0 {
                                eprintln!("{e:#}");
                            }
                            errors += 1;
                        }
                    }
                }
                (latencies, errors)
            }));
        }
        let mut latencies = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (l, e) = task.await?;
            latencies.extend(l);
            errors += e;
        }
        let secs = t.elapsed().as_secs_f64();
        let cpu = Cpu::now(server, postmaster)?.since(&before);
        latencies.sort_by(f64::total_cmp);
        let q = |p: f64| {
            latencies
                .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        let done = latencies.len().max(1) as f64;
        let result = WriteResult {
            name,
            rate: latencies.len() as f64 / secs,
            p50_ms: q(0.5),
            p99_ms: q(0.99),
            server_us: cpu.server * 1e6 / done,
            pg_us: cpu.pg * 1e6 / done,
            errors,
        };
        println!(
            "{name}, {} writers × {ops}: {:.0} ops/s, p50 {}, p99 {}, CPU per op: server {}, \
             PostgreSQL {}; {errors} errors; load average {}",
            writers.len(),
            result.rate,
            ms(result.p50_ms),
            ms(result.p99_ms),
            us(result.server_us),
            us(result.pg_us),
            loadavg()
        );
        results.push(result);
    }
    Ok(results)
}

// ---------------------------------------------------------------------------------------------

/// The machine's load averages (1, 5, 15 minutes), printed with each figure: the bench
/// shares the machine with whatever else runs.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn ms(v: f64) -> String {
    format!("{v:.2} ms")
}

fn us(v: f64) -> String {
    format!("{v:.0} µs")
}
