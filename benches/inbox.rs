//! Inbox throughput: signed `Create(Note)` activities from many simulated remote actors POSTed
//! to the shared inbox of the real app, counted when they are verified, persisted (202) and
//! processed (the note stored by the `process_inbox` job); and, for comparison, the raw rate
//! of signature verification on the same machine.
//!
//! ```sh
//! cargo bench --bench inbox                                    # defaults
//! cargo bench --bench inbox -- --activities 5000 --clients 16  # longer run
//! ```
//!
//! | flag             | environment                 | default | meaning                           |
//! |------------------|-----------------------------|---------|-----------------------------------|
//! | `--actors N`     | `ROOKERY_BENCH_ACTORS`      | 200     | simulated remote actors           |
//! | `--keys K`       | `ROOKERY_BENCH_KEYS`        | 16      | distinct RSA-2048 keys among them |
//! | `--activities M` | `ROOKERY_BENCH_ACTIVITIES`  | 2000    | activities POSTed                 |
//! | `--clients C`    | `ROOKERY_BENCH_CLIENTS`     | 8       | concurrent senders                |
//! | `--workers W`    | `ROOKERY_BENCH_WORKERS`     | 2       | job workers (`jobs.workers`)      |
//! | `--seconds S`    | `ROOKERY_BENCH_SECONDS`     | 2       | seconds of raw verification       |
//!
//! The actors are stored beforehand through `service::remote::store_as` (their keys and
//! WebFinger-confirmed handles known, as for peers already seen), on 10 fake domains; keys are shared round-robin because
//! generating thousands of RSA keys takes longer than the run and verification costs the same
//! whichever key it uses. Every request is signed before the clock starts (signing is the
//! senders' cost). Without `DATABASE_URL` a throwaway PostgreSQL is started in the temporary
//! folder and removed at the end. Server, workers and load generator share this process: on a
//! shared machine the figures are noisy, run it twice.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::Utc;
use rookery::federation::signature::{self, SigningKey, VerifyingKey};
use serde_json::json;
use sqlx::postgres::PgConnectOptions;

#[path = "support/db.rs"]
mod db;
#[path = "support/in_process.rs"]
mod in_process;
#[path = "support/runner.rs"]
mod runner;

struct Settings {
    actors: usize,
    keys: usize,
    activities: usize,
    clients: usize,
    workers: usize,
    seconds: f64,
}

impl Settings {
    fn load() -> Result<Settings> {
        let mut s = Settings {
            actors: env("ROOKERY_BENCH_ACTORS")?.unwrap_or(200),
            keys: env("ROOKERY_BENCH_KEYS")?.unwrap_or(16),
            activities: env("ROOKERY_BENCH_ACTIVITIES")?.unwrap_or(2000),
            clients: env("ROOKERY_BENCH_CLIENTS")?.unwrap_or(8),
            workers: env("ROOKERY_BENCH_WORKERS")?.unwrap_or(2),
            seconds: env("ROOKERY_BENCH_SECONDS")?.unwrap_or(2.0),
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            if flag == "--bench" {
                continue;
            }
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--actors" => s.actors = value.parse()?,
                "--keys" => s.keys = value.parse()?,
                "--activities" => s.activities = value.parse()?,
                "--clients" => s.clients = value.parse()?,
                "--workers" => s.workers = value.parse()?,
                "--seconds" => s.seconds = value.parse()?,
                other => bail!("unknown flag {other}"),
            }
        }
        if s.actors == 0 || s.keys == 0 || s.activities == 0 || s.clients == 0 || s.workers == 0 {
            bail!("every count must be at least 1");
        }
        Ok(s)
    }
}

fn env<T: FromStr>(name: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{name}={v}: {e}")),
        Err(_) => Ok(None),
    }
}

fn main() -> std::process::ExitCode {
    runner::main("inbox bench", None, Settings::load(), run)
}

async fn run(settings: Settings) -> Result<()> {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "inbox bench: {} activities from {} actors ({} keys), {} clients, {} job workers; \
         load average {}",
        settings.activities,
        settings.actors,
        settings.keys,
        settings.clients,
        settings.workers,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let db = db::FreshDatabase::create("rookery_bench").await?;
    let outcome = bench(&settings, &db.options).await;
    db.dispose().await;
    outcome
}

/// One simulated remote actor.
struct Actor {
    uri: String,
    key_id: String,
    key: usize,
}

async fn bench(settings: &Settings, db_options: &PgConnectOptions) -> Result<()> {
    let (listener, mut config) = in_process::bind().await?;
    let addr = config.listen;
    config.database.max_connections = 16;
    config.jobs.workers = settings.workers;
    let state = in_process::state(&config, db_options).await?;

    // Keys and actors, stored as if fetched before.
    let t = Instant::now();
    let mut keys = Vec::new();
    for _ in 0..settings.keys {
        let (private, public) = rookery::crypto::generate_rsa_keypair()?;
        keys.push((SigningKey::from_pem(&private)?, public));
    }
    let mut actors = Vec::new();
    for i in 0..settings.actors {
        let domain = format!("remote{}.example", i % 10);
        let uri = format!("https://{domain}/users/u{i}");
        let key = i % keys.len();
        let document = json!({
            "id": uri, "type": "Person", "preferredUsername": format!("u{i}"),
            "inbox": format!("{uri}/inbox"), "outbox": format!("{uri}/outbox"),
            "followers": format!("{uri}/followers"),
            "endpoints": {"sharedInbox": format!("https://{domain}/inbox")},
            "publicKey": {"id": format!("{uri}#main-key"), "owner": uri, "publicKeyPem": keys[key].1},
        });
        let actor = serde_json::from_value(document)?;
        let handle = rookery::service::remote::Handle {
            username: format!("u{i}"),
            domain: domain.clone(),
        };
        rookery::service::remote::store_as(&state, &actor, &handle)
            .await
            .map_err(|e| anyhow::anyhow!("storing an actor: {e}"))?;
        actors.push(Actor {
            key_id: format!("{uri}#main-key"),
            uri,
            key,
        });
    }
    println!(
        "seeded {} actors and {} keys in {:.1} s",
        actors.len(),
        keys.len(),
        t.elapsed().as_secs_f64()
    );

    // Every request signed up front.
    let inbox = url::Url::parse(&format!("http://{addr}/inbox"))?;
    let (host, target) = signature::host_and_target(&inbox).context("inbox host")?;
    let date = signature::http_date(Utc::now());
    let mut requests = Vec::with_capacity(settings.activities);
    for j in 0..settings.activities {
        let actor = &actors[j % actors.len()];
        let note = format!("{}/statuses/{j}", actor.uri);
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note}/activity"), "type": "Create", "actor": actor.uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{}/followers", actor.uri)],
            "object": {
                "id": note, "type": "Note", "attributedTo": actor.uri,
                "content": format!("<p>Hello number {j} from the benchmark, with a <a href=\"https://example.com\">link</a></p>"),
                // Distinct times, as real notes have: ids of remote notes are made from them.
                "published": (Utc::now() - chrono::TimeDelta::seconds(j as i64 + 1)).to_rfc3339(),
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [format!("{}/followers", actor.uri)],
            }
        });
        let body = serde_json::to_vec(&activity)?;
        let signed = signature::sign_request(
            &keys[actor.key].0,
            &actor.key_id,
            "POST",
            &target,
            &host,
            &date,
            Some(&body),
            Some("application/activity+json"),
        );
        requests.push((body, signed.digest.unwrap_or_default(), signed.signature));
    }

    let served = in_process::Served::start(listener, &state);

    // Load.
    let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..settings.clients {
        let (client, requests, next, refused) = (
            client.clone(),
            requests.clone(),
            next.clone(),
            refused.clone(),
        );
        let (inbox, host, date) = (inbox.clone(), host.clone(), date.clone());
        senders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, digest, sig)) = requests.get(i) else {
                    return;
                };
                let res = client
                    .post(inbox.clone())
                    .header("host", &host)
                    .header("date", &date)
                    .header("digest", digest)
                    .header("signature", sig)
                    .header("content-type", "application/activity+json")
                    .body(body.clone())
                    .send()
                    .await;
                if !res.is_ok_and(|r| r.status() == reqwest::StatusCode::ACCEPTED) {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for s in senders {
        s.await?;
    }
    let accepted_in = started.elapsed();
    loop {
        if rookery::store::jobs::pending_count(&state.db).await? == 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("jobs still pending after 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let processed_in = started.elapsed();

    // Every note must really be stored.
    let mut stored = 0usize;
    for j in 0..settings.activities {
        let actor = &actors[j % actors.len()];
        let note = format!("{}/statuses/{j}", actor.uri);
        if rookery::store::statuses::id_by_uri_or_url(&state.db, &note)
            .await?
            .is_some()
        {
            stored += 1;
        }
    }
    let n = settings.activities as f64;
    println!(
        "accepted (202) {} of {} in {:.2} s: {:.0} POSTs/s",
        settings.activities - refused.load(Ordering::Relaxed),
        settings.activities,
        accepted_in.as_secs_f64(),
        n / accepted_in.as_secs_f64()
    );
    println!(
        "end to end (verified, persisted, processed; {stored} notes stored) in {:.2} s: \
         {:.0} activities/s",
        processed_in.as_secs_f64(),
        stored as f64 / processed_in.as_secs_f64()
    );
    served.stop().await;

    // Raw verification of the same requests' signatures, one thread and all threads.
    let public = VerifyingKey::from_pem(&keys[0].1)?;
    let (body, digest, sig) = &requests[0];
    let params = signature::parse_signature_header(sig)?;
    let lookup = |name: &str| -> Option<String> {
        match name {
            "host" => Some(host.clone()),
            "date" => Some(date.clone()),
            "digest" => Some(digest.clone()),
            "content-type" => Some("application/activity+json".into()),
            _ => None,
        }
    };
    let verify_once = || {
        signature::verify_request(
            &params,
            "POST",
            &target,
            None,
            &lookup,
            Some(body),
            &public,
            Utc::now(),
        )
    };
    verify_once().map_err(|e| anyhow::anyhow!("the benchmark's own signature: {e}"))?;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    for t in [1, threads] {
        let deadline = Instant::now() + Duration::from_secs_f64(settings.seconds);
        let count = AtomicUsize::new(0);
        let begun = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..t {
                scope.spawn(|| {
                    while Instant::now() < deadline {
                        let _ = std::hint::black_box(verify_once());
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        println!(
            "raw signature verification (parse + digest + RSA-2048), {t} thread(s): {:.0}/s",
            count.load(Ordering::Relaxed) as f64 / begun.elapsed().as_secs_f64()
        );
    }
    if stored != settings.activities {
        bail!("only {stored} of {} notes were stored", settings.activities);
    }
    Ok(())
}
