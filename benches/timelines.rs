//! Timeline load benchmark: the home, list and public timelines served by the real app, over a
//! seeded database of realistic size, and the raw rate of the bare home-feed query for
//! comparison.
//!
//! ```sh
//! cargo bench --bench timelines                                  # defaults
//! cargo bench --bench timelines -- --statuses 200000 --seconds 5 # smaller, quicker
//! ```
//!
//! Settings (command-line flags after `--` win over the environment):
//!
//! | flag           | environment                | default   | meaning                                |
//! |----------------|----------------------------|-----------|----------------------------------------|
//! | `--accounts N` | `ROOKERY_BENCH_ACCOUNTS`   | 10000     | local accounts                         |
//! | `--statuses N` | `ROOKERY_BENCH_STATUSES`   | 1000000   | public statuses, over the last 30 days |
//! | `--seconds S`  | `ROOKERY_BENCH_SECONDS`    | 10        | measured seconds per scenario          |
//! | `--warmup S`   | `ROOKERY_BENCH_WARMUP`     | 1         | unmeasured seconds before each one     |
//! | `--clients N`  | `ROOKERY_BENCH_CLIENTS`    | 8         | concurrent client tasks                |
//! | `--hold`       | `ROOKERY_BENCH_HOLD=1`     | off       | keep app and database up until Ctrl-C  |
//! |                |                            |           | (to run EXPLAIN ANALYZE on the data)   |
//!
//! Without `DATABASE_URL` a throwaway PostgreSQL cluster is started in the temporary folder
//! (`<tmp>/rookery-bench-<pid>`, stopped and removed at the end); with it, a fresh database
//! `rookery_bench_…` is created on that server (the role needs `CREATEDB`) and dropped at the
//! end. The server, its pool and the load generator share this process and its tokio runtime.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::Utc;
use serde::de::IgnoredAny;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/db.rs"]
mod db;
#[path = "support/in_process.rs"]
mod in_process;
#[path = "support/runner.rs"]
mod runner;
use db::DbServer;

/// The home-feed id query, exactly as `store::timelines::home_feed` runs it for a first page of
/// [`PAGE`] (the paging parameters `$2`–`$4` are bound but unused, as there).
const HOME_FEED_SQL: &str =
    "SELECT status_id FROM home_feed WHERE account_id = $1 ORDER BY status_id DESC LIMIT 20";

/// The bare feed query as the issue describes it: a page of statuses read from the
/// materialised feed, the `LIMIT` taken on `home_feed` in a subquery before the join. This is
/// the baseline of the HTTP/raw ratio; the id-only query above is printed beside it.
const HOME_PAGE_SQL: &str = "SELECT s.id, s.uri, s.url, s.account_id, s.in_reply_to_id, \
     s.reblog_of_id, s.text, s.content, s.spoiler_text, s.sensitive, s.visibility, s.language, \
     s.created_at, s.edited_at \
     FROM (SELECT status_id FROM home_feed WHERE account_id = $1 \
           AND ($2::bigint IS NULL OR status_id < $2) AND ($3::bigint IS NULL OR status_id > $3) \
           ORDER BY status_id DESC LIMIT $4) f \
     JOIN statuses s ON s.id = f.status_id ORDER BY s.id DESC";

/// Statuses per page, as requested from every endpoint.
const PAGE: usize = 20;
/// How many accounts each viewer follows.
const SMALL_FOLLOWS: i64 = 20;
const LARGE_FOLLOWS: i64 = 500;
/// Entries per home feed, as `store::feeds::FEED_CAP` keeps them.
const FEED_ENTRIES: i64 = 800;
const DAY_MS: i64 = 86_400_000;
/// Notifications of the 20-follows viewer, for the grouped-notifications scenario.
const NOTIFICATIONS: i64 = 10_000;
const PLACEHOLDER_PEM: &str =
    "-----BEGIN PUBLIC KEY-----\nbenchmark placeholder, not a key\n-----END PUBLIC KEY-----\n";

// ---------------------------------------------------------------------------------------------
// Settings

#[derive(Clone, Debug)]
struct Settings {
    accounts: i64,
    statuses: i64,
    seconds: f64,
    warmup: f64,
    clients: usize,
    hold: bool,
}

impl Settings {
    fn load() -> Result<Settings> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut accounts = env("ROOKERY_BENCH_ACCOUNTS").unwrap_or_else(|| "10000".into());
        let mut statuses = env("ROOKERY_BENCH_STATUSES").unwrap_or_else(|| "1000000".into());
        let mut seconds = env("ROOKERY_BENCH_SECONDS").unwrap_or_else(|| "10".into());
        let mut warmup = env("ROOKERY_BENCH_WARMUP").unwrap_or_else(|| "1".into());
        let mut clients = env("ROOKERY_BENCH_CLIENTS").unwrap_or_else(|| "8".into());
        let mut hold = env("ROOKERY_BENCH_HOLD").is_some_and(|v| v != "0");

        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String> {
                match inline.clone() {
                    Some(v) => Ok(v),
                    None => args.next().with_context(|| format!("{name} needs a value")),
                }
            };
            match flag.as_str() {
                // cargo bench passes `--bench` to harness-less benchmarks.
                "--bench" => {}
                "--accounts" => accounts = value("--accounts")?,
                "--statuses" => statuses = value("--statuses")?,
                "--seconds" => seconds = value("--seconds")?,
                "--warmup" => warmup = value("--warmup")?,
                "--clients" => clients = value("--clients")?,
                "--hold" => hold = true,
                "-h" | "--help" => {
                    println!(
                        "cargo bench --bench timelines -- [--accounts N] [--statuses N] \
                         [--seconds S] [--warmup S] [--clients N] [--hold]\n\
                         (or ROOKERY_BENCH_ACCOUNTS, _STATUSES, _SECONDS, _WARMUP, _CLIENTS, \
                         _HOLD=1; DATABASE_URL to use an existing server)"
                    );
                    std::process::exit(0);
                }
                other => bail!("unknown argument {other:?} (try --help)"),
            }
        }

        let int = |name: &str, v: &str| -> Result<i64> {
            v.replace('_', "")
                .parse::<i64>()
                .with_context(|| format!("{name} must be an integer, not {v:?}"))
        };
        let float = |name: &str, v: &str| -> Result<f64> {
            v.parse::<f64>()
                .with_context(|| format!("{name} must be a number, not {v:?}"))
        };
        let settings = Settings {
            accounts: int("accounts", &accounts)?,
            statuses: int("statuses", &statuses)?,
            seconds: float("seconds", &seconds)?,
            warmup: float("warmup", &warmup)?,
            clients: int("clients", &clients)?.try_into().unwrap_or(0),
            hold,
        };
        if settings.accounts < LARGE_FOLLOWS + 2 {
            bail!(
                "accounts must be at least {} (two viewers and the {LARGE_FOLLOWS} accounts one follows)",
                LARGE_FOLLOWS + 2
            );
        }
        if settings.statuses < 10 * FEED_ENTRIES {
            bail!("statuses must be at least {}", 10 * FEED_ENTRIES);
        }
        if settings.seconds <= 0.0 || settings.warmup < 0.0 || settings.clients == 0 {
            bail!("seconds must be positive, warmup not negative, clients at least 1");
        }
        Ok(settings)
    }
}

// ---------------------------------------------------------------------------------------------
// Entry point

fn main() -> std::process::ExitCode {
    runner::main("timelines bench", None, Settings::load(), run)
}

async fn run(settings: Settings) -> Result<()> {
    let started = Instant::now();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "timelines bench: {} accounts, {} statuses, {} s per scenario (+{} s warm-up), \
         {} clients, {workers} runtime threads shared by server and load generator",
        settings.accounts, settings.statuses, settings.seconds, settings.warmup, settings.clients
    );

    // 1. Database server and a fresh, migrated database.
    let db = db::FreshDatabase::create("rookery_bench").await?;
    let outcome = bench(&settings, &db.server, &db.options).await;
    db.dispose().await;
    println!("total run time {:.1} s", started.elapsed().as_secs_f64());
    outcome
}

async fn bench(
    settings: &Settings,
    server: &DbServer,
    db_options: &PgConnectOptions,
) -> Result<()> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    let (listener, mut config) = in_process::bind().await?;
    let addr = config.listen;
    config.database.max_connections = 16;
    config.jobs.workers = 0;
    // Eight clients on two tokens would meet Mastodon's 300 requests per five minutes at
    // once: the limits stay on (their cost is part of each request) but out of reach.
    config.rate_limits.api_per_ip = u32::MAX;
    config.rate_limits.api_per_token = u32::MAX;

    // 2. Seed.
    let seeded = seed(settings, db_options, &config.base_url()).await?;

    // 3. The app, in-process.
    let state = in_process::state(&config, db_options).await?;
    let served = in_process::Served::start(listener, &state);
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;

    let scenarios = [
        Scenario {
            name: "home, 20 follows",
            path: "/api/v1/timelines/home?limit=20".into(),
            token: Some(seeded.small.token.clone()),
            answer: Answer::Statuses,
        },
        Scenario {
            name: "home, 500 follows",
            path: "/api/v1/timelines/home?limit=20".into(),
            token: Some(seeded.large.token.clone()),
            answer: Answer::Statuses,
        },
        Scenario {
            name: "list, 100 members",
            path: format!("/api/v1/timelines/list/{}?limit=20", seeded.list_id),
            token: Some(seeded.large.token.clone()),
            answer: Answer::Statuses,
        },
        Scenario {
            name: "public, anonymous",
            path: "/api/v1/timelines/public?limit=20".into(),
            token: None,
            answer: Answer::Statuses,
        },
        Scenario {
            name: "public, signed in",
            path: "/api/v1/timelines/public?limit=20".into(),
            token: Some(seeded.small.token.clone()),
            answer: Answer::Statuses,
        },
        Scenario {
            name: "public, hiding 30",
            path: "/api/v1/timelines/public?limit=20".into(),
            token: Some(seeded.large.token.clone()),
            answer: Answer::Statuses,
        },
        Scenario {
            name: "grouped notifs, 10k",
            path: "/api/v2/notifications?limit=20".into(),
            token: Some(seeded.small.token.clone()),
            answer: Answer::Groups,
        },
    ];

    // One request each first: a broken endpoint is reported with its body, not as a rate.
    for s in &scenarios {
        let (status, body) = one_request(&client, &base, s).await?;
        match check_answer(s.answer, status, &body) {
            Ok(()) => {}
            Err(why) => println!(
                "WARNING: {} answers {status}: {why}\n  body: {}",
                s.name,
                truncate(&String::from_utf8_lossy(&body), 2000)
            ),
        }
    }

    // Only a throwaway cluster's processes are known, so only then is PostgreSQL's CPU told.
    let postmaster = server.cluster.as_ref().map(|c| c.pid);
    let rss_before = memory();
    let load_before = load_average();
    println!(
        "\nload: {} client tasks, a keep-alive HTTP/1.1 connection each (load average {load_before})",
        settings.clients
    );
    let mut results = Vec::new();
    for s in &scenarios {
        let r = drive_http(addr, s, settings, postmaster).await;
        println!(
            "  {:<22} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  errors {}",
            s.name, r.rate, r.p50, r.p99, r.max, r.errors
        );
        for sample in &r.samples {
            println!("    error sample: {sample}");
        }
        results.push((s.name, r));
    }
    let rss_after = memory();
    let load_after = load_average();

    // 4. The bare feed queries, on a pool of their own.
    let raw_pool = rookery::db::open_pool(db_options.clone(), settings.clients as u32, 30).await?;
    let owners = [seeded.small.account_id, seeded.large.account_id];
    let raw_ids = drive_sql(&raw_pool, HOME_FEED_SQL, &owners, settings, postmaster).await;
    let raw = drive_sql(&raw_pool, HOME_PAGE_SQL, &owners, settings, postmaster).await;
    for (name, r) in [("raw feed ids SQL", &raw_ids), ("raw feed page SQL", &raw)] {
        println!(
            "  {:<22} {:>8.0} q/s    p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  errors {}",
            name, r.rate, r.p50, r.p99, r.max, r.errors
        );
        for sample in &r.samples {
            println!("    error sample: {sample}");
        }
    }
    raw_pool.close().await;

    // 6. Report.
    println!("\n=== timelines benchmark ===");
    println!(
        "data: {} accounts, {} public statuses, home feeds of {} entries; seeding {:.1} s",
        settings.accounts, settings.statuses, seeded.feed_entries, seeded.seconds
    );
    println!(
        "{:<24} {:>10} {:>9} {:>9} {:>9} {:>8}   CPU µs each: this process + PostgreSQL",
        "scenario", "rate/s", "p50 ms", "p99 ms", "max ms", "errors",
    );
    let raw_rows = [
        ("raw feed ids (queries)", &raw_ids),
        ("raw feed page (queries)", &raw),
    ];
    for (name, r) in results.iter().map(|(n, r)| (*n, r)).chain(raw_rows) {
        let cpu = match r.cpu_us {
            Some((own, pg)) => format!("{own:.0} + {pg:.0} = {:.0}", own + pg),
            None => "-".into(),
        };
        println!(
            "{:<24} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>8}   {cpu}",
            name, r.rate, r.p50, r.p99, r.max, r.errors
        );
    }
    println!("\ntargets:");
    // A list's feed is read as the home feed is, so it is held to the same targets.
    for (name, r) in results
        .iter()
        .filter(|(n, _)| n.starts_with("home") || n.starts_with("list"))
    {
        let ratio = if raw.rate > 0.0 {
            r.rate / raw.rate
        } else {
            0.0
        };
        println!(
            "  {name:<18} p99 {:>6.2} ms < 15 ms: {:<4}   HTTP/raw page SQL {:>5.1}% >= 30%: {}",
            r.p99,
            pass(r.p99 < 15.0 && r.errors == 0),
            ratio * 100.0,
            pass(ratio >= 0.30 && r.errors == 0),
        );
    }
    println!(
        "\nsystem load average (1, 5, 15 min): before load {load_before} (other work on the \
         machine; above {workers} it competed with this run), after {load_after} (includes this \
         run's own load)"
    );
    println!(
        "RSS of this process (server + load generator + pools): before load {}, after HTTP \
         load {}, peak {}",
        mib(rss_before.rss_kib),
        mib(rss_after.rss_kib),
        mib(rss_after.hwm_kib)
    );

    if settings.hold {
        hold(server, db_options, &base, &seeded).await;
    }

    served.stop().await;
    state.kept.release_all();
    state.db.close().await;
    Ok(())
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

async fn hold(server: &DbServer, db: &PgConnectOptions, base: &str, seeded: &Seeded) {
    println!("\nholding (Ctrl-C ends): app at {base}");
    println!("  token, 20 follows:  {}", seeded.small.token);
    println!("  token, 500 follows: {}", seeded.large.token);
    match &server.cluster {
        Some(c) => println!(
            "  psql -h {} -p {} -U {} {}",
            c.socket_dir.display(),
            c.port,
            rookery::db::cluster::SUPERUSER,
            db.get_database().unwrap_or("?")
        ),
        None => println!(
            "  database {} on the DATABASE_URL server (dropped on Ctrl-C)",
            db.get_database().unwrap_or("?")
        ),
    }
    let _ = tokio::signal::ctrl_c().await;
}

// ---------------------------------------------------------------------------------------------
// Seeding

struct Viewer {
    account_id: i64,
    token: String,
}

struct Seeded {
    small: Viewer,
    large: Viewer,
    /// The 500-follows viewer's list of 100 of their follows.
    list_id: i64,
    feed_entries: i64,
    seconds: f64,
}

/// An account's id from its number (1-based): created one millisecond apart, 60 days ago.
fn account_id_sql(base_ms: i64, idx: &str) -> String {
    format!("((({base_ms}::bigint + {idx}) << 16) | (({idx}) % 65536))")
}

fn account_id(base_ms: i64, idx: i64) -> i64 {
    ((base_ms + idx) << 16) | (idx % 65536)
}

async fn step<F, T>(name: &str, work: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T>>,
{
    let t = Instant::now();
    let out = work.await.with_context(|| format!("seeding: {name}"))?;
    println!("  {name:<40} {:>7.1} s", t.elapsed().as_secs_f64());
    Ok(out)
}

async fn seed(settings: &Settings, db: &PgConnectOptions, base_url: &str) -> Result<Seeded> {
    let started = Instant::now();
    println!("seeding:");
    let mut conn = PgConnection::connect_with(db)
        .await
        .context("connecting to the benchmark database")?;
    // Every row is consistent by construction: skip the foreign-key triggers where allowed
    // (superuser; the throwaway cluster is), which roughly halves the insert time.
    let fk_off = sqlx::raw_sql("SET session_replication_role = replica")
        .execute(&mut conn)
        .await
        .is_ok();
    if !fk_off {
        println!("  (foreign-key checks stay on: not a superuser)");
    }
    sqlx::raw_sql(
        "SET synchronous_commit = off; SET maintenance_work_mem = '256MB'; SELECT setseed(0.42)",
    )
    .execute(&mut conn)
    .await
    .context("session settings")?;

    let now_ms = Utc::now().timestamp_millis();
    let accounts_base = now_ms - 60 * DAY_MS;
    let follows_base = now_ms - 45 * DAY_MS;
    let statuses_start = now_ms - 30 * DAY_MS;
    let statuses_span = 30 * DAY_MS - 60_000;
    let n = settings.accounts;
    let total = settings.statuses;

    // Accounts 1 and 2 are the viewers.
    step(&format!("{n} accounts"), async {
        let sql = format!(
            "INSERT INTO accounts (id, username, display_name, note, note_source, uri, url, \
               inbox_url, shared_inbox_url, outbox_url, followers_url, following_url, \
               featured_url, public_key_id, public_key_pem, private_key_pem, discoverable, \
               indexable, created_at, updated_at) \
             SELECT id, name, 'Bench user ' || i, '<p>Benchmark account ' || i || '</p>', \
               'Benchmark account ' || i, actor, $1 || '/@' || name, actor || '/inbox', \
               $1 || '/inbox', actor || '/outbox', actor || '/followers', actor || '/following', \
               actor || '/collections/featured', actor || '#main-key', $2, $2, true, true, \
               created, created \
             FROM (SELECT i, {id} AS id, 'bench' || i AS name, $1 || '/users/bench' || i AS actor, \
                          to_timestamp(({accounts_base}::bigint + i) / 1000.0) AS created \
                   FROM generate_series(1, $3::bigint) AS i) g",
            id = account_id_sql(accounts_base, "i")
        );
        sqlx::query(&sql)
            .bind(base_url)
            .bind(PLACEHOLDER_PEM)
            .bind(n)
            .execute(&mut conn)
            .await?;
        Ok(())
    })
    .await?;

    let app_id = rookery::id::next();
    step("OAuth app", async {
        sqlx::query(
            "INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id, \
             client_secret_hash) VALUES ($1, 'Rookery bench', NULL, \
             '{urn:ietf:wg:oauth:2.0:oob}', '{read,write}', $2, $3)",
        )
        .bind(app_id)
        .bind(rookery::crypto::random_token(32))
        .bind(rookery::crypto::sha256_hex(&rookery::crypto::random_token(
            32,
        )))
        .execute(&mut conn)
        .await?;
        Ok(())
    })
    .await?;

    // Statuses: ids `(millis << 16) | seq`, increasing with created_at, evenly spread over the
    // last 30 days; authors drawn uniformly; a status_stats row each.
    let t = Instant::now();
    let chunk = 100_000_i64;
    let statuses_sql = format!(
        "WITH src AS ( \
           SELECT g, ({statuses_start}::bigint + ((g - 1) * {statuses_span}::bigint) / {total}::bigint) AS ms, \
                  1 + floor(random() * {n})::bigint AS a \
           FROM generate_series($1::bigint, $2::bigint) AS g \
         ), ins AS ( \
           INSERT INTO statuses (id, uri, url, account_id, conversation_id, text, content, \
             visibility, language, local, application_id, created_at) \
           SELECT (ms << 16) | (g % 65536), \
                  $3 || '/users/bench' || a || '/statuses/' || ((ms << 16) | (g % 65536)), \
                  $3 || '/@bench' || a || '/' || ((ms << 16) | (g % 65536)), \
                  {author}, (ms << 16) | (g % 65536), \
                  'Benchmark status ' || g || ', the quick brown fox ' || md5(g::text), \
                  '<p>Benchmark status ' || g || ', the quick brown fox ' || md5(g::text) || '</p>', \
                  'public', 'en', true, $4, to_timestamp(ms / 1000.0) \
           FROM src RETURNING id \
         ) \
         INSERT INTO status_stats (status_id, replies_count, reblogs_count, favourites_count) \
         SELECT id, floor(random() ^ 4 * 5)::bigint, floor(random() ^ 4 * 10)::bigint, \
                floor(random() ^ 3 * 30)::bigint FROM ins",
        author = account_id_sql(accounts_base, "a")
    );
    let mut lo = 1_i64;
    while lo <= total {
        let hi = (lo + chunk - 1).min(total);
        sqlx::query(&statuses_sql)
            .bind(lo)
            .bind(hi)
            .bind(base_url)
            .bind(app_id)
            .execute(&mut conn)
            .await
            .context("seeding: statuses")?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "    statuses {hi:>9}/{total} {secs:>7.1} s ({:.0} rows/s)",
            hi as f64 / secs.max(0.001)
        );
        lo = hi + 1;
    }
    println!(
        "  {:<40} {:>7.1} s",
        format!("{total} statuses + status_stats"),
        t.elapsed().as_secs_f64()
    );

    // Viewer 1 follows 20 accounts, viewer 2 follows 500, evenly spread over accounts 3..n.
    step("follows", async {
        let sql = format!(
            "INSERT INTO follows (id, account_id, target_account_id, uri, created_at) \
             SELECT ({follows_base}::bigint + k) << 16, {viewer}, {target}, \
                    $1 || '/users/bench' || v || '/follows/' || t, \
                    to_timestamp(({follows_base}::bigint + k) / 1000.0) \
             FROM (SELECT v, t, row_number() OVER (ORDER BY v, t) AS k FROM ( \
                     SELECT w.v, 3 + (j * ($2::bigint - 2)) / w.cnt AS t \
                     FROM (VALUES (1::bigint, {SMALL_FOLLOWS}::bigint), (2, {LARGE_FOLLOWS})) AS w(v, cnt), \
                          LATERAL generate_series(0, w.cnt - 1) AS j) pairs) numbered",
            viewer = account_id_sql(accounts_base, "v"),
            target = account_id_sql(accounts_base, "t"),
        );
        sqlx::query(&sql)
            .bind(base_url)
            .bind(n)
            .execute(&mut conn)
            .await?;
        Ok(())
    })
    .await?;

    step("account_stats", async {
        sqlx::raw_sql(
            "INSERT INTO account_stats (account_id, statuses_count, following_count, \
               followers_count, last_status_at) \
             SELECT a.id, COALESCE(s.n, 0), COALESCE(fo.n, 0), COALESCE(fr.n, 0), s.last \
             FROM accounts a \
             LEFT JOIN (SELECT account_id, count(*) AS n, max(created_at) AS last \
                        FROM statuses GROUP BY account_id) s ON s.account_id = a.id \
             LEFT JOIN (SELECT account_id, count(*) AS n FROM follows GROUP BY account_id) fo \
                    ON fo.account_id = a.id \
             LEFT JOIN (SELECT target_account_id, count(*) AS n FROM follows \
                        GROUP BY target_account_id) fr ON fr.target_account_id = a.id",
        )
        .execute(&mut conn)
        .await?;
        Ok(())
    })
    .await?;

    // Users and tokens for the two viewers; their feeds count as read just now.
    let small = account_id(accounts_base, 1);
    let large = account_id(accounts_base, 2);
    let tokens = step("viewer users and tokens", async {
        let mut tokens = Vec::new();
        for (i, account) in [(1, small), (2, large)] {
            let user_id = rookery::id::next();
            sqlx::query(
                "INSERT INTO users (id, account_id, email, password_hash, role, approved, \
                 confirmed_at, locale, feed_active_at, created_at) \
                 VALUES ($1, $2, $3, '$argon2id$placeholder-not-a-hash', 'user', true, now(), \
                 'en', now(), now())",
            )
            .bind(user_id)
            .bind(account)
            .bind(format!("bench{i}@bench.invalid"))
            .execute(&mut conn)
            .await?;
            let token = rookery::crypto::random_token(32);
            sqlx::query(
                "INSERT INTO oauth_tokens (id, token_hash, app_id, user_id, scopes) \
                 VALUES ($1, $2, $3, $4, '{read,write}')",
            )
            .bind(rookery::id::next())
            .bind(rookery::crypto::sha256_hex(&token))
            .bind(app_id)
            .bind(user_id)
            .execute(&mut conn)
            .await?;
            tokens.push(token);
        }
        Ok(tokens)
    })
    .await?;

    // The 500-follows viewer also hides authors from their public timeline, as people do:
    // mutes and blocks (both ways) of authors they do not follow, among those who posted
    // last (so the page has to look past them), and a blocked domain.
    step("mutes, blocks and a domain block", async {
        sqlx::query(
            "WITH recent AS (SELECT s.account_id, max(s.id) AS last FROM statuses s \
                 WHERE s.account_id <> $1 AND s.account_id NOT IN \
                     (SELECT target_account_id FROM follows WHERE account_id = $1) \
                 GROUP BY s.account_id ORDER BY last DESC LIMIT 30), \
             ranked AS (SELECT account_id, row_number() OVER (ORDER BY last DESC) AS n FROM recent), \
             m AS (INSERT INTO mutes (id, account_id, target_account_id, hide_notifications) \
                   SELECT $1 + n, $1, account_id, true FROM ranked WHERE n <= 20), \
             b AS (INSERT INTO blocks (id, account_id, target_account_id) \
                   SELECT $1 + n, $1, account_id FROM ranked WHERE n > 20 AND n <= 25) \
             INSERT INTO blocks (id, account_id, target_account_id) \
             SELECT $1 + n, account_id, $1 FROM ranked WHERE n > 25",
        )
        .bind(large)
        .execute(&mut conn)
        .await?;
        sqlx::query(
            "INSERT INTO user_domain_blocks (id, account_id, domain) \
             VALUES ($1, $2, 'hidden.example')",
        )
        .bind(rookery::id::next())
        .bind(large)
        .execute(&mut conn)
        .await?;
        Ok(())
    })
    .await?;

    // Home feeds as fan-out leaves them: the newest entries of the owner and their follows.
    let feed_entries = step("home feeds (newest 800 each)", async {
        let mut entries = i64::MAX;
        for owner in [small, large] {
            let done = sqlx::query(
                "INSERT INTO home_feed (account_id, status_id, author_id, origin_author_id) \
                 SELECT $1, s.id, s.account_id, NULL FROM statuses s \
                 WHERE s.account_id = $1 \
                    OR s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = $1) \
                 ORDER BY s.id DESC LIMIT $2",
            )
            .bind(owner)
            .bind(FEED_ENTRIES)
            .execute(&mut conn)
            .await?;
            entries = entries.min(done.rows_affected() as i64);
        }
        Ok(entries)
    })
    .await?;

    // A list of 100 of the 500-follows viewer's follows, its feed as fan-out leaves it.
    let list_id = rookery::id::next();
    step("a list of 100 follows and its feed", async {
        sqlx::query("INSERT INTO lists (id, account_id, title) VALUES ($1, $2, 'bench')")
            .bind(list_id)
            .bind(large)
            .execute(&mut conn)
            .await?;
        sqlx::query(
            "INSERT INTO list_accounts (list_id, account_id) \
             SELECT $1, target_account_id FROM follows WHERE account_id = $2 \
             ORDER BY target_account_id LIMIT 100",
        )
        .bind(list_id)
        .bind(large)
        .execute(&mut conn)
        .await?;
        sqlx::query(
            "INSERT INTO list_feed (list_id, status_id, author_id, origin_author_id) \
             SELECT $1, s.id, s.account_id, NULL FROM statuses s \
             WHERE s.account_id IN (SELECT account_id FROM list_accounts WHERE list_id = $1) \
             ORDER BY s.id DESC LIMIT $2",
        )
        .bind(list_id)
        .bind(FEED_ENTRIES)
        .execute(&mut conn)
        .await?;
        Ok(())
    })
    .await?;

    // The 20-follows viewer's notifications, as a busy account has them: 10,000 over the
    // last 30 days from many senders, favourites and boosts of their newest posts, follows
    // and mentions, with group keys as `service::notifications::notify` computes them (one
    // group per hour and cause).
    step(&format!("{NOTIFICATIONS} notifications"), async {
        let sql = format!(
            "WITH mine AS (SELECT array_agg(id) AS ids FROM (SELECT id FROM statuses \
                 WHERE account_id = $1 ORDER BY id DESC LIMIT 50) m), \
             g AS (SELECT i, {sender} AS sender, \
                          ($2::bigint + i * ($3::bigint / $4::bigint)) AS at_ms, \
                          CASE WHEN i % 10 < 6 THEN 'favourite' WHEN i % 10 < 8 THEN 'reblog' \
                               WHEN i % 10 = 8 THEN 'follow' ELSE 'mention' END AS kind, \
                          (SELECT ids[1 + (i % 7) % cardinality(ids)] FROM mine) AS status_id \
                   FROM generate_series(1, $4::bigint) AS i) \
             INSERT INTO notifications (id, account_id, from_account_id, type, status_id, \
                                        created_at, group_key) \
             SELECT (at_ms << 16) | (i % 65536), $1, sender, kind, \
                    CASE WHEN kind = 'follow' THEN NULL ELSE status_id END, \
                    to_timestamp(at_ms / 1000.0), \
                    CASE WHEN kind IN ('favourite', 'reblog') \
                         THEN kind || '-' || status_id || '-' || (at_ms / 3600000) \
                         WHEN kind = 'follow' THEN 'follow-' || (at_ms / 3600000) END \
             FROM g WHERE sender <> $1 AND status_id IS NOT NULL ON CONFLICT DO NOTHING",
            sender = account_id_sql(accounts_base, &format!("(3 + (i * 7919) % ({n} - 2))"))
        );
        sqlx::query(&sql)
            .bind(small)
            .bind(statuses_start)
            .bind(statuses_span)
            .bind(NOTIFICATIONS)
            .execute(&mut conn)
            .await?;
        Ok(())
    })
    .await?;

    // VACUUM as well as ANALYZE: autovacuum would have set the visibility map and hint bits
    // of a steady-state database, and index-only scans depend on it.
    step("VACUUM ANALYZE", async {
        sqlx::raw_sql("VACUUM (ANALYZE)").execute(&mut conn).await?;
        Ok(())
    })
    .await?;
    // The seeding's dirty pages are written now rather than by the checkpointer during the
    // first scenario, where its writing competed with the measured requests for the cores.
    // Only a superuser (or `pg_checkpoint`) may ask; elsewhere the run goes on without it.
    if let Err(e) = step("CHECKPOINT", async {
        sqlx::raw_sql("CHECKPOINT").execute(&mut conn).await?;
        Ok(())
    })
    .await
    {
        println!("  (no checkpoint: {e:#})");
    }
    let _ = conn.close().await;

    let seconds = started.elapsed().as_secs_f64();
    println!("seeding done in {seconds:.1} s");
    let mut tokens = tokens.into_iter();
    let (Some(small_token), Some(large_token)) = (tokens.next(), tokens.next()) else {
        bail!("seeding made fewer than two tokens");
    };
    Ok(Seeded {
        small: Viewer {
            account_id: small,
            token: small_token,
        },
        large: Viewer {
            account_id: large,
            token: large_token,
        },
        list_id,
        feed_entries,
        seconds,
    })
}

// ---------------------------------------------------------------------------------------------
// Load

struct Scenario {
    name: &'static str,
    path: String,
    token: Option<String>,
    /// What a good answer is: a list of statuses, or a page of notification groups.
    answer: Answer,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Statuses,
    Groups,
}

#[derive(Default)]
struct Outcome {
    rate: f64,
    /// CPU (µs) per request or query in the measured phase: this process (server, load
    /// generator, pools) and PostgreSQL.
    cpu_us: Option<(f64, f64)>,
    p50: f64,
    p99: f64,
    max: f64,
    errors: u64,
    samples: Vec<String>,
}

/// What one task saw: latencies (µs) of the answered requests, errors, a few error samples.
#[derive(Default)]
struct TaskLog {
    latencies: Vec<u64>,
    errors: u64,
    samples: Vec<String>,
}

impl TaskLog {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.samples.len() < 3 {
            self.samples.push(what);
        }
    }
}

fn summarise(logs: Vec<TaskLog>, elapsed: Duration) -> Outcome {
    let mut all: Vec<u64> = Vec::new();
    let mut errors = 0;
    let mut samples = Vec::new();
    for log in logs {
        all.extend(log.latencies);
        errors += log.errors;
        for s in log.samples {
            if samples.len() < 3 && !samples.contains(&s) {
                samples.push(s);
            }
        }
    }
    all.sort_unstable();
    let pct = |q: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let rank = ((q * all.len() as f64).ceil() as usize).clamp(1, all.len());
        all[rank - 1] as f64 / 1000.0
    };
    Outcome {
        rate: all.len() as f64 / elapsed.as_secs_f64(),
        cpu_us: None,
        p50: pct(0.50),
        p99: pct(0.99),
        max: all.last().map(|m| *m as f64 / 1000.0).unwrap_or(0.0),
        errors,
        samples,
    }
}

async fn one_request(
    client: &reqwest::Client,
    base: &str,
    s: &Scenario,
) -> Result<(reqwest::StatusCode, bytes::Bytes)> {
    let mut req = client.get(format!("{base}{}", s.path));
    if let Some(t) = &s.token {
        req = req.bearer_auth(t);
    }
    let res = req
        .send()
        .await
        .with_context(|| format!("{}: request failed", s.name))?;
    let status = res.status();
    let body = res
        .bytes()
        .await
        .with_context(|| format!("{}: reading the body", s.name))?;
    Ok((status, body))
}

/// 200 with a JSON list of exactly [`PAGE`] statuses.
fn check_page(status: reqwest::StatusCode, body: &[u8]) -> std::result::Result<(), String> {
    if status != reqwest::StatusCode::OK {
        return Err(format!(
            "status {status}: {}",
            truncate(&String::from_utf8_lossy(body), 300)
        ));
    }
    match serde_json::from_slice::<Vec<IgnoredAny>>(body) {
        Ok(list) if list.len() == PAGE => Ok(()),
        Ok(list) => Err(format!("{} statuses instead of {PAGE}", list.len())),
        Err(e) => Err(format!("not a JSON list: {e}")),
    }
}

/// The full check of an answer of this kind.
fn check_answer(
    answer: Answer,
    status: reqwest::StatusCode,
    body: &[u8],
) -> std::result::Result<(), String> {
    match answer {
        Answer::Statuses => check_page(status, body),
        Answer::Groups => check_groups(status, body),
    }
}

/// The quick check of an answer of this kind.
fn quick_answer(
    answer: Answer,
    status: reqwest::StatusCode,
    body: &[u8],
) -> std::result::Result<(), String> {
    match answer {
        Answer::Statuses => quick_check(status, body),
        Answer::Groups
            if status == reqwest::StatusCode::OK
                && body.starts_with(b"{\"accounts\":[{")
                && body.ends_with(b"}]}") =>
        {
            Ok(())
        }
        Answer::Groups => check_groups(status, body),
    }
}

/// 200 with a grouped-notifications page of exactly [`PAGE`] groups.
fn check_groups(status: reqwest::StatusCode, body: &[u8]) -> std::result::Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Groups {
        notification_groups: Vec<IgnoredAny>,
    }
    if status != reqwest::StatusCode::OK {
        return Err(format!(
            "status {status}: {}",
            truncate(&String::from_utf8_lossy(body), 300)
        ));
    }
    match serde_json::from_slice::<Groups>(body) {
        Ok(page) if page.notification_groups.len() == PAGE => Ok(()),
        Ok(page) => Err(format!(
            "{} groups instead of {PAGE}",
            page.notification_groups.len()
        )),
        Err(e) => Err(format!("not a grouped-notifications page: {e}")),
    }
}

/// 200 with what looks like a non-empty JSON list.
fn quick_check(status: reqwest::StatusCode, body: &[u8]) -> std::result::Result<(), String> {
    if status == reqwest::StatusCode::OK && body.starts_with(b"[{") && body.ends_with(b"}]") {
        Ok(())
    } else {
        check_page(status, body)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Runs `body` in `clients` tasks for the warm-up, then again for the measured time.
async fn drive<F, Fut>(settings: &Settings, postmaster: Option<i32>, body: F) -> Outcome
where
    F: Fn(usize, Instant) -> Fut,
    Fut: std::future::Future<Output = TaskLog> + Send + 'static,
{
    if settings.warmup > 0.0 {
        let until = Instant::now() + Duration::from_secs_f64(settings.warmup);
        let tasks: Vec<_> = (0..settings.clients)
            .map(|i| tokio::spawn(body(i, until)))
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    }
    let cpu_before = cpu::process_seconds().zip(postmaster.and_then(cpu::postgres_seconds));
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(settings.seconds);
    let tasks: Vec<_> = (0..settings.clients)
        .map(|i| tokio::spawn(body(i, until)))
        .collect();
    let mut logs = Vec::new();
    for t in tasks {
        match t.await {
            Ok(log) => logs.push(log),
            Err(e) => {
                let mut log = TaskLog::default();
                log.error(format!("client task failed: {e}"));
                logs.push(log);
            }
        }
    }
    let elapsed = start.elapsed();
    let cpu_after = cpu::process_seconds().zip(postmaster.and_then(cpu::postgres_seconds));
    let mut outcome = summarise(logs, elapsed);
    let done = (outcome.rate * elapsed.as_secs_f64()).max(1.0);
    outcome.cpu_us = cpu_before
        .zip(cpu_after)
        .map(|((p0, g0), (p1, g1))| (1e6 * (p1 - p0) / done, 1e6 * (g1 - g0) / done));
    outcome
}

/// One bare HTTP/1.1 keep-alive connection per client task, as `wrk` drives a server: the load
/// generator shares the two cores with the server, so whatever a fuller client spends per
/// request (connection pool, URL parsing, timeouts) would be counted against the server.
async fn drive_http(
    addr: std::net::SocketAddr,
    s: &Scenario,
    settings: &Settings,
    postmaster: Option<i32>,
) -> Outcome {
    let authorization = s.token.as_ref().map(|t| {
        http::HeaderValue::from_str(&format!("Bearer {t}")).expect("a token is a header value")
    });
    let host = http::HeaderValue::from_str(&addr.to_string()).expect("an address is a host");
    let path = s.path.clone();
    let expected = s.answer;
    drive(settings, postmaster, |_, until| {
        let authorization = authorization.clone();
        let host = host.clone();
        let path = path.clone();
        async move {
            let mut log = TaskLog::default();
            let mut sender = match connect(addr).await {
                Ok(sender) => sender,
                Err(e) => {
                    log.error(format!("connect: {e:#}"));
                    return log;
                }
            };
            let mut sent: u64 = 0;
            while Instant::now() < until {
                sent += 1;
                let t = Instant::now();
                let mut req =
                    http::Request::get(path.as_str()).header(http::header::HOST, host.clone());
                if let Some(value) = &authorization {
                    req = req.header(http::header::AUTHORIZATION, value.clone());
                }
                let answer = match req.body(http_body_util::Empty::<bytes::Bytes>::new()) {
                    Ok(req) => send(&mut sender, req).await,
                    Err(e) => Err(anyhow::anyhow!("request: {e}")),
                };
                let elapsed = t.elapsed();
                match answer {
                    // Parsing every 30 KB page would spend the server's CPU on the load
                    // generator: one page in 64 is checked in full, the rest by status and
                    // shape.
                    Ok((status, body)) => match if sent % 64 == 1 {
                        check_answer(expected, status, &body)
                    } else {
                        quick_answer(expected, status, &body)
                    } {
                        Ok(()) => log.latencies.push(elapsed.as_micros() as u64),
                        Err(why) => log.error(why),
                    },
                    Err(e) => {
                        log.error(format!("transport: {e:#}"));
                        // The connection may be gone: the next request gets a new one.
                        match connect(addr).await {
                            Ok(fresh) => sender = fresh,
                            Err(_) => return log,
                        }
                    }
                }
            }
            log
        }
    })
    .await
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>;

async fn connect(addr: std::net::SocketAddr) -> Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

async fn send(
    sender: &mut Sender,
    req: http::Request<http_body_util::Empty<bytes::Bytes>>,
) -> Result<(reqwest::StatusCode, bytes::Bytes)> {
    use http_body_util::BodyExt;
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

async fn drive_sql(
    pool: &PgPool,
    sql: &'static str,
    owners: &[i64],
    settings: &Settings,
    postmaster: Option<i32>,
) -> Outcome {
    drive(settings, postmaster, |i, until| {
        let pool = pool.clone();
        let owner = owners[i % owners.len()];
        async move {
            let mut log = TaskLog::default();
            while Instant::now() < until {
                let t = Instant::now();
                let rows = sqlx::query(sql)
                    .bind(owner)
                    .bind(None::<i64>)
                    .bind(None::<i64>)
                    .bind(PAGE as i64)
                    .fetch_all(&pool)
                    .await;
                let elapsed = t.elapsed();
                match rows {
                    Ok(rows) if rows.len() == PAGE => {
                        log.latencies.push(elapsed.as_micros() as u64)
                    }
                    Ok(rows) => log.error(format!("{} rows instead of {PAGE}", rows.len())),
                    Err(e) => log.error(format!("query: {e}")),
                }
            }
            log
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Memory

#[derive(Default)]
struct Memory {
    rss_kib: Option<u64>,
    hwm_kib: Option<u64>,
}

/// This process's resident set now and at its peak, from `/proc/self/status`.
fn memory() -> Memory {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return Memory::default();
    };
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    Memory {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    }
}

/// The first three fields of `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

fn mib(kib: Option<u64>) -> String {
    match kib {
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
        None => "n/a".into(),
    }
}
