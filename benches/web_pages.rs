//! Public page benchmark: the server time of a profile page (`/@alice`) and a thread page of
//! an account with 40 posts (text, content warnings, hashtags, mentions, custom-free
//! emoji-less links, a poll, five pinned), made through the client API as people make them.
//!
//! ```sh
//! cargo bench --bench web_pages                     # 2000 requests per page
//! cargo bench --bench web_pages -- --requests 500
//! ```
//!
//! Requests are sent one at a time over loopback by a client in the same process, so the
//! time of each is the server's time plus the loopback round trip: an upper bound of the
//! server time. The CPU time of this process (server and client together) per request is
//! printed beside it, and that of PostgreSQL when the bench started its own. Without `DATABASE_URL` a throwaway PostgreSQL cluster is started (see
//! `benches/support/db.rs`).

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Value};

#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/db.rs"]
mod db;
#[path = "support/in_process.rs"]
mod in_process;
#[path = "support/runner.rs"]
mod runner;

const POSTS: usize = 40;
const PINNED: usize = 5;

fn main() -> std::process::ExitCode {
    runner::main("web_pages bench", None, requests(), |requests| async move {
        let db = db::FreshDatabase::create("rookery_bench_web").await?;
        let outcome = bench(&db.options, db.postmaster(), requests).await;
        db.dispose().await;
        outcome
    })
}

/// `--requests N`: requests per page measured (2,000).
fn requests() -> Result<usize> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--requests") {
        Some(at) => args
            .get(at + 1)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("--requests needs a number")),
        None => Ok(2000),
    }
}

async fn bench(
    db_options: &sqlx::postgres::PgConnectOptions,
    postmaster: Option<i32>,
    requests: usize,
) -> Result<()> {
    let (listener, mut config) = in_process::bind().await?;
    let addr = config.listen;
    config.database.max_connections = 8;
    config.jobs.workers = 1;
    config.rate_limits.api_per_ip = 0;
    config.rate_limits.api_per_token = 0;
    config.rate_limits.statuses_per_token = 0;
    config.security.password_hash_memory_kib = 8;
    config.security.password_hash_passes = 1;
    let state = in_process::state(&config, db_options).await?;
    let served = in_process::Served::start(listener, &state);
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;

    // Alice and bob, signed up through the service; their posts through the API.
    let token = |username: &'static str| {
        let state = state.clone();
        async move {
            use rookery::service::{accounts, oauth};
            let app = oauth::create_app(
                &state,
                "bench",
                vec![rookery::model::oauth::OOB_REDIRECT_URI.into()],
                "read write",
                None,
            )
            .await?;
            let (user, _) = accounts::register(
                &state,
                accounts::Registration {
                    username: username.into(),
                    email: format!("{username}@example.com"),
                    password: "correct horse battery".into(),
                    agreement: true,
                    locale: Some("en".into()),
                    reason: None,
                    ip: None,
                },
            )
            .await?;
            let scopes = rookery::model::Scopes::parse("read write")
                .map_err(|e| anyhow::anyhow!("scopes: {e}"))?;
            let token = oauth::issue_token(&state, app.app.id, Some(user.id), scopes)
                .await
                .map_err(|e| anyhow::anyhow!("token: {e:?}"))?;
            anyhow::Ok(token.access_token)
        }
    };
    let alice = token("alice").await?;
    let bob = token("bob").await?;
    let post = |token: String, body: Value| {
        let client = client.clone();
        let url = format!("{base}/api/v1/statuses");
        async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await?;
            if !res.status().is_success() {
                bail!("posting: {} {}", res.status(), res.text().await?);
            }
            Ok(res.json::<Value>().await?)
        }
    };
    let patched = client
        .patch(format!("{base}/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice)
        .json(&json!({
            "display_name": "Alice Benchmark",
            "note": "Writes about #birds and https://alice.example, every day.",
            "fields_attributes": [
                {"name": "Site", "value": "https://alice.example"},
                {"name": "Pronouns", "value": "she/her"}
            ]
        }))
        .send()
        .await?;
    if !patched.status().is_success() {
        bail!("profile: {}", patched.status());
    }
    let mut ids = Vec::new();
    for n in 0..POSTS {
        let body = match n % 5 {
            0 => {
                json!({"status": format!("Post {n} about #birds and #rust, see https://example.com/{n}")})
            }
            1 => {
                json!({"status": format!("Post {n}: a longer one.\n\nWith paragraphs, @bob, and more text to render & escape <here>.")})
            }
            2 => {
                json!({"status": format!("Post {n} behind a warning"), "spoiler_text": "spoilers"})
            }
            3 => {
                json!({"status": format!("Poll {n}"), "poll": {"options": ["yes", "no", "maybe"], "expires_in": 86400}})
            }
            _ => json!({"status": format!("Post {n}, short")}),
        };
        let s = post(alice.clone(), body).await?;
        ids.push(s["id"].as_str().unwrap_or_default().to_string());
    }
    for id in ids.iter().take(PINNED) {
        let res = client
            .post(format!("{base}/api/v1/statuses/{id}/pin"))
            .bearer_auth(&alice)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("pinning: {}", res.status());
        }
    }
    let middle = ids[POSTS / 2].clone();
    for n in 0..10 {
        post(
            bob.clone(),
            json!({"status": format!("@alice reply {n}"), "in_reply_to_id": middle}),
        )
        .await?;
    }

    println!(
        "web_pages bench: alice has {POSTS} posts ({PINNED} pinned); {requests} requests per page, one at a time"
    );
    for (name, path) in [
        (
            "profile /@alice (20 posts + 5 pinned)",
            "/@alice".to_string(),
        ),
        (
            "profile /@alice?limit=40 (40 + 5 pinned)",
            "/@alice?limit=40".to_string(),
        ),
        (
            "thread /@alice/:id (10 replies)",
            format!("/@alice/{middle}"),
        ),
        ("feed /@alice.rss (20 items)", "/@alice.rss".to_string()),
    ] {
        let url = format!("{base}{path}");
        let first = client.get(&url).send().await?;
        if !first.status().is_success() {
            bail!("{path}: {}", first.status());
        }
        let bytes = first.bytes().await?.len();
        for _ in 0..50 {
            client.get(&url).send().await?.bytes().await?;
        }
        let cpu_before = cpu::process_seconds();
        let db_before = postmaster.and_then(cpu::postgres_seconds);
        let mut times = Vec::with_capacity(requests);
        let t0 = Instant::now();
        for _ in 0..requests {
            let t = Instant::now();
            let res = client.get(&url).send().await?;
            res.bytes().await?;
            times.push(t.elapsed());
        }
        let total = t0.elapsed();
        let cpu = match (cpu_before, cpu::process_seconds()) {
            (Some(a), Some(b)) => format!("{:.2} ms", (b - a) * 1000.0 / requests as f64),
            _ => "n/a".into(),
        };
        let db_cpu = match (db_before, postmaster.and_then(cpu::postgres_seconds)) {
            (Some(a), Some(b)) => format!("{:.2} ms", (b - a) * 1000.0 / requests as f64),
            _ => "n/a".into(),
        };
        times.sort();
        let pct = |p: f64| {
            times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
        };
        println!(
            "{name:42} {bytes:>7} B  median {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  mean {:.2} ms  cpu/req {cpu} (+ PostgreSQL {db_cpu})",
            pct(0.5),
            pct(0.95),
            pct(0.99),
            total.as_secs_f64() * 1000.0 / requests as f64,
        );
    }
    served.stop().await;
    Ok(())
}
