//! Streaming benchmark: memory per idle WebSocket connection, and the latency from
//! `POST /api/v1/statuses` to delivery of the `update` event on many subscribed connections.
//!
//! ```sh
//! cargo bench --bench streaming                                    # defaults
//! cargo bench --bench streaming -- --idle 2000 --subscribed 200 --posts 20   # quicker
//! ```
//!
//! | flag             | default | meaning                                                   |
//! |------------------|---------|-----------------------------------------------------------|
//! | `--idle N`       | 10000   | idle `user`-stream WebSockets (signed in) held open        |
//! | `--subscribed N` | 1000    | `public`-stream WebSockets that each receive every post    |
//! | `--posts N`      | 50      | statuses posted, one after another, for the latency sample |
//!
//! The server runs in a child process (this executable, re-run with `--serve`), so its memory
//! is measured alone (`VmRSS` of the child before and after the idle connections); the
//! clients run in this process. Both raise `RLIMIT_NOFILE` to its hard limit. Without
//! `DATABASE_URL` a throwaway PostgreSQL cluster is started in the temporary folder and
//! removed at the end. Server, clients and PostgreSQL share the machine: on a busy machine the
//! latency figures are an upper bound.

use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use rookery::app::AppState;
use rookery::config::Config;
use rookery::db::cluster::{Cluster, Lifetime};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

struct Settings {
    idle: usize,
    subscribed: usize,
    posts: usize,
}

fn settings() -> Result<Settings> {
    let mut s = Settings {
        idle: 10_000,
        subscribed: 1_000,
        posts: 50,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || -> Result<usize> {
            args.next()
                .with_context(|| format!("{arg} needs a value"))?
                .parse()
                .with_context(|| format!("{arg} needs a number"))
        };
        match arg.as_str() {
            "--idle" => s.idle = value()?,
            "--subscribed" => s.subscribed = value()?,
            "--posts" => s.posts = value()?,
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(s)
}

fn raise_nofile() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
    limit.rlim_cur
}

fn main() -> std::process::ExitCode {
    raise_nofile();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("streaming bench: cannot build the tokio runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let serve_url = std::env::args().skip_while(|a| a != "--serve").nth(1);
    let outcome = match serve_url {
        Some(url) => runtime.block_on(serve(url)),
        None => match settings() {
            Ok(s) => runtime.block_on(run(s)),
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("streaming bench failed: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The child: a Rookery server on an ephemeral port; prints `LISTEN <addr>`.
async fn serve(database_url: String) -> Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut config = Config::defaults();
    config.listen = addr;
    config.domain = addr.to_string();
    config.database.max_connections = 16;
    config.jobs.workers = 1;
    config.rate_limits.registrations_per_ip = 0;
    config.log.level = "warn".into();
    rookery::init_tracing(&config);
    let pool = rookery::db::open_pool(
        PgConnectOptions::from_str(&database_url)?,
        config.database.max_connections,
        30,
    )
    .await?;
    let state = AppState::new(pool, config.clone())?;
    let (_stop, workers_rx) = tokio::sync::watch::channel(false);
    rookery::jobs::spawn_workers(&state, config.jobs.workers, workers_rx);
    println!("LISTEN {addr}");
    rookery::app::serve(listener, state, std::future::pending()).await
}

async fn run(s: Settings) -> Result<()> {
    let started = Instant::now();
    println!(
        "streaming bench: {} idle connections, {} subscribed, {} posts; RLIMIT_NOFILE {}; load {}",
        s.idle,
        s.subscribed,
        s.posts,
        raise_nofile(),
        load_average()
    );
    // Database.
    let (options, cluster, dir) = match std::env::var("DATABASE_URL") {
        Ok(url) => (PgConnectOptions::from_str(&url)?, None, None),
        Err(_) => {
            let dir = std::env::temp_dir().join(format!("rookery-bench-{}", std::process::id()));
            let d = dir.clone();
            let cluster = tokio::task::spawn_blocking(move || {
                Cluster::ensure_running(&d, Lifetime::TiedToProcess)
            })
            .await??;
            let options = rookery::db::cluster_options(&cluster, "postgres");
            (options, Some(cluster), Some(dir))
        }
    };
    let name = format!("rookery_bench_streaming_{}", std::process::id());
    let mut admin = PgConnection::connect_with(&options).await?;
    sqlx::raw_sql(&format!(
        "CREATE DATABASE {}",
        rookery::db::quote_ident(&name)
    ))
    .execute(&mut admin)
    .await?;
    let db = options.clone().database(&name);
    {
        let mut conn = PgConnection::connect_with(&db).await?;
        rookery::db::MIGRATOR.run(&mut conn).await?;
    }
    let url = match std::env::var("DATABASE_URL") {
        Ok(u) => {
            let mut u = url::Url::parse(&u)?;
            u.set_path(&format!("/{name}"));
            u.to_string()
        }
        Err(_) => format!(
            "postgres://{}@localhost:{}/{name}?host={}",
            rookery::db::cluster::SUPERUSER,
            db.get_port(),
            db.get_socket()
                .context("the throwaway cluster listens on a socket")?
                .display()
        ),
    };

    let outcome = measure(&s, &url).await;

    let _ = sqlx::raw_sql(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        rookery::db::quote_ident(&name)
    ))
    .execute(&mut admin)
    .await;
    if let (Some(cluster), Some(dir)) = (cluster, dir) {
        let _ = tokio::task::spawn_blocking(move || {
            let _ = cluster.stop();
            let _ = std::fs::remove_dir_all(dir);
        })
        .await;
    }
    println!("total run time {:.1} s", started.elapsed().as_secs_f64());
    outcome
}

async fn measure(s: &Settings, database_url: &str) -> Result<()> {
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .arg("--serve")
        .arg(database_url)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the server process")?;
    let pid = child.id().context("server pid")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next_line()
            .await?
            .context("the server exited before listening")?;
        if let Some(a) = line.strip_prefix("LISTEN ") {
            break a.to_string();
        }
    };
    // Keep reading what the server prints, so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let poster = register(&http, &base, "poster").await?;
    let reader = register(&http, &base, "reader").await?;

    // Warm the server: its bus listener starts with the first stream.
    let warm = connect(&addr, "?stream=public", None).await?;
    drop(warm);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);

    // 1. Idle connections.
    let t = Instant::now();
    let idle: Vec<_> = futures_util::stream::iter(0..s.idle)
        .map(|_| connect(&addr, "?stream=user", Some(&reader)))
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let connect_secs = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    let per = match (before, after) {
        (Some(b), Some(a)) if s.idle > 0 => {
            format!("{:.1} KiB", a.saturating_sub(b) as f64 / s.idle as f64)
        }
        _ => "n/a".into(),
    };
    println!(
        "idle: {} signed-in `user` WebSockets opened in {connect_secs:.1} s; server RSS {} -> {} \
         = {per} per connection",
        idle.len(),
        mib(before),
        mib(after)
    );

    // 2. Latency on subscribed connections, with the idle ones still open.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    let subscribed: Vec<_> = futures_util::stream::iter(0..s.subscribed)
        .map(|_| connect(&addr, "?stream=public", None))
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let mut readers = Vec::new();
    for mut ws in subscribed {
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(text) = msg {
                    if let Some(id) = status_id(text.as_str()) {
                        let _ = tx.send((id, Instant::now()));
                    }
                }
            }
        }));
    }
    drop(tx);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut latencies: Vec<f64> = Vec::with_capacity(s.posts * s.subscribed);
    let mut post_ms = Vec::new();
    let mut missing = 0usize;
    for n in 0..s.posts {
        let t0 = Instant::now();
        let res = http
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(&poster)
            .json(&json!({ "status": format!("benchmark post {n} #bench") }))
            .send()
            .await?;
        post_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        let body: Value = res.json().await?;
        let id: i64 = body["id"]
            .as_str()
            .and_then(|i| i.parse().ok())
            .with_context(|| format!("posting: {body}"))?;
        let mut got = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while got < s.subscribed {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((seen, at))) if seen == id => {
                    latencies.push(at.duration_since(t0).as_secs_f64() * 1000.0);
                    got += 1;
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        missing += s.subscribed - got;
    }
    latencies.sort_by(f64::total_cmp);
    post_ms.sort_by(f64::total_cmp);
    println!(
        "latency POST -> `update` on {} `public` WebSockets ({} posts, {} deliveries, {missing} \
         missing): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; the POST itself p50 {:.1} ms",
        s.subscribed,
        s.posts,
        latencies.len(),
        pct(&latencies, 0.50),
        pct(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
        pct(&post_ms, 0.50),
    );
    println!(
        "server RSS at the end {}; load {}",
        mib(rss_kib(pid)),
        load_average()
    );
    for r in readers {
        r.abort();
    }
    drop(idle);
    let _ = child.kill().await;
    Ok(())
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: &str, query: &str, token: Option<&str>) -> Result<Ws> {
    let mut url = format!("ws://{addr}/api/v1/streaming{query}");
    if let Some(t) = token {
        url.push_str(&format!("&access_token={t}"));
    }
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .context("opening a WebSocket")?;
    Ok(ws)
}

/// The status id of an `update` message, without parsing the whole of it.
fn status_id(text: &str) -> Option<i64> {
    const KEY: &str = r#"{\"id\":\""#;
    let start = text.find(KEY)? + KEY.len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

async fn register(http: &reqwest::Client, base: &str, username: &str) -> Result<String> {
    let app: Value = http
        .post(format!("{base}/api/v1/apps"))
        .json(&json!({ "client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write" }))
        .send()
        .await?
        .json()
        .await?;
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app["client_id"].as_str().unwrap_or_default()),
            (
                "client_secret",
                app["client_secret"].as_str().unwrap_or_default(),
            ),
            ("scope", "read write"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let account: Value = http
        .post(format!("{base}/api/v1/accounts"))
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .json(&json!({
            "username": username,
            "email": format!("{username}@example.com"),
            "password": "correct horse battery",
            "agreement": true,
            "locale": "en",
        }))
        .send()
        .await?
        .json()
        .await?;
    account["access_token"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("registering {username}: {account}"))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn mib(kib: Option<u64>) -> String {
    match kib {
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
        None => "n/a".into(),
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}
