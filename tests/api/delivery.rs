//! Durable delivery against receiver stubs on loopback: small axum apps that serve actors,
//! record every POST, and answer 202, 500, 429, 410, 404 or hang, as each test asks. The stub's
//! actors follow local accounts with real signed `Follow`s, so fan-out and addressing are the
//! real thing. Retries are brought forward by moving `run_at` rather than by sleeping, and the
//! days a host must fail for are skipped with the app's clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::delivery::{assert_signed_by, wait_for, Answer, Stub};
use crate::helpers::{database_url, TestApp, TestUser};

/// (state, attempts, last_error, seconds until run_at) of every `deliver` job.
async fn deliver_jobs(app: &TestApp) -> Vec<(String, i32, Option<String>, f64)> {
    sqlx::query_as(
        "SELECT state, attempts, last_error, EXTRACT(EPOCH FROM run_at - now())::float8 \
         FROM jobs WHERE kind = 'deliver' ORDER BY id",
    )
    .fetch_all(&app.state.db)
    .await
    .expect("jobs")
}

/// Brings every waiting retry forward to now.
async fn fast_forward(app: &TestApp) {
    sqlx::query("UPDATE jobs SET run_at = now() WHERE state = 'pending'")
        .execute(&app.state.db)
        .await
        .expect("fast-forward");
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(|c| {
        c.jobs.workers = 8;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_signed_once_per_shared_inbox() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let one = Stub::start().await;
    let two = Stub::start().await;
    one.follow(&app, "bob", &alice).await;
    one.follow(&app, "carol", &alice).await;
    two.follow(&app, "solo_dave", &alice).await;
    let accepts = one.of_type("Accept").len();
    assert_eq!(accepts, 2, "each follow is accepted");

    let status = app.post_status(&alice, "hello fediverse", json!({})).await;
    let uri = status["uri"].as_str().expect("uri").to_string();
    wait_for(&app, "both hosts get the post", async || {
        !one.of_type("Create").is_empty() && !two.of_type("Create").is_empty()
    })
    .await;
    app.drain_jobs().await;

    // Bob and Carol share an inbox: one delivery there; Dave has only his own inbox.
    let creates = one.of_type("Create");
    assert_eq!(creates.len(), 1, "one delivery per shared inbox");
    assert_eq!(creates[0].path, "/inbox");
    assert_eq!(creates[0].json()["object"]["id"], uri.as_str());
    assert_signed_by(&app, &alice, &creates[0]).await;
    let to_dave = two.of_type("Create");
    assert_eq!(to_dave.len(), 1);
    assert_eq!(to_dave[0].path, "/users/solo_dave/inbox");
    assert_signed_by(&app, &alice, &to_dave[0]).await;
    assert!(deliver_jobs(&app).await.is_empty(), "done jobs are removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_only_and_direct_go_to_their_audience() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let followers = Stub::start().await;
    let stranger = Stub::start().await;
    followers.follow(&app, "bob", &alice).await;
    // Known to the instance, but not a follower.
    rookery::service::remote::fetch_actor(&app.state, &stranger.actor_url("solo_eve"))
        .await
        .expect("fetch eve");

    app.post_status(&alice, "for followers", json!({ "visibility": "private" }))
        .await;
    wait_for(&app, "the follower host gets it", async || {
        !followers.of_type("Create").is_empty()
    })
    .await;
    app.drain_jobs().await;
    assert_eq!(followers.of_type("Create").len(), 1);
    assert!(stranger.of_type("Create").is_empty(), "no follower there");

    let eve = format!("@solo_eve@{}", stranger.addr);
    app.post_status(
        &alice,
        &format!("{eve} just you"),
        json!({ "visibility": "direct" }),
    )
    .await;
    wait_for(&app, "eve gets the direct message", async || {
        !stranger.of_type("Create").is_empty()
    })
    .await;
    app.drain_jobs().await;
    let direct = stranger.of_type("Create");
    assert_eq!(direct.len(), 1);
    assert_eq!(direct[0].path, "/users/solo_eve/inbox");
    assert_signed_by(&app, &alice, &direct[0]).await;
    assert_eq!(
        followers.of_type("Create").len(),
        1,
        "followers do not get a direct message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_after_a_server_error_then_delivered() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    stub.script(&[Answer::Status(500)]);
    app.post_status(&alice, "try again", json!({})).await;

    wait_for(&app, "the failed attempt is rescheduled", async || {
        deliver_jobs(&app)
            .await
            .first()
            .is_some_and(|j| j.1 == 1 && j.0 == "pending")
    })
    .await;
    let (_, _, error, wait) = deliver_jobs(&app).await.remove(0);
    assert!(error.is_some_and(|e| e.contains("500")));
    assert!(
        (14.0..=40.0).contains(&wait),
        "first retry after about 16 s, not {wait}"
    );
    let hosts = rookery::store::delivery_hosts::all(&app.state.db)
        .await
        .expect("hosts");
    assert_eq!(hosts.len(), 1, "the host is in backoff");
    assert!(hosts[0].unavailable_since.is_none());

    fast_forward(&app).await;
    wait_for(&app, "the retry is delivered", async || {
        stub.of_type("Create").len() == 2 && deliver_jobs(&app).await.is_empty()
    })
    .await;
    assert_signed_by(&app, &alice, &stub.of_type("Create")[1]).await;
    assert!(
        rookery::store::delivery_hosts::all(&app.state.db)
            .await
            .expect("hosts")
            .is_empty(),
        "a success clears the host's failures"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    stub.script(&[Answer::TooMany("2".into())]);
    app.post_status(&alice, "slow down", json!({})).await;

    wait_for(
        &app,
        "the rate-limited attempt is rescheduled",
        async || {
            deliver_jobs(&app)
                .await
                .first()
                .is_some_and(|j| j.1 == 1 && j.0 == "pending")
        },
    )
    .await;
    let (_, _, error, wait) = deliver_jobs(&app).await.remove(0);
    assert!(error.is_some_and(|e| e.contains("429")));
    assert!(
        wait <= 2.5,
        "retried after Retry-After (2 s), not the backoff: {wait}"
    );
    // Being rate limited is not a failing host.
    assert!(rookery::store::delivery_hosts::all(&app.state.db)
        .await
        .expect("hosts")
        .is_empty());

    wait_for(&app, "the second attempt", async || {
        stub.of_type("Create").len() == 2 && deliver_jobs(&app).await.is_empty()
    })
    .await;
    let creates = stub.of_type("Create");
    let gap = creates[1].at - creates[0].at;
    assert!(gap >= Duration::from_millis(1500), "waited {gap:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_is_retried_then_delivered() {
    // GoToSocial answers 401 while it is still fetching the sender's key.
    let app = spawn().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    stub.script(&[Answer::Status(401)]);
    let status = app.post_status(&alice, "are you ready?", json!({})).await;

    wait_for(&app, "the refused attempt is rescheduled", async || {
        deliver_jobs(&app)
            .await
            .first()
            .is_some_and(|j| j.1 == 1 && j.0 == "pending")
    })
    .await;
    let (_, _, error, _) = deliver_jobs(&app).await.remove(0);
    assert!(error.is_some_and(|e| e.contains("401")));
    // The host answered: it is alive, not failing.
    assert!(rookery::store::delivery_hosts::all(&app.state.db)
        .await
        .expect("hosts")
        .is_empty());

    fast_forward(&app).await;
    wait_for(&app, "the retry is delivered", async || {
        stub.of_type("Create").len() == 2 && deliver_jobs(&app).await.is_empty()
    })
    .await;
    let creates = stub.of_type("Create");
    assert_eq!(creates[1].json()["object"]["id"], status["uri"]);
    assert_signed_by(&app, &alice, &creates[1]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_on_every_retried_answer() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    for (code, after) in [(503, "2"), (401, "120")] {
        stub.script(&[Answer::Later(code, after.into())]);
        app.post_status(&alice, &format!("after {code}"), json!({}))
            .await;
        wait_for(&app, "the attempt is rescheduled", async || {
            deliver_jobs(&app)
                .await
                .first()
                .is_some_and(|j| j.1 == 1 && j.0 == "pending")
        })
        .await;
        let (_, _, error, wait) = deliver_jobs(&app).await.remove(0);
        assert!(error.is_some_and(|e| e.contains(&code.to_string())));
        let after: f64 = after.parse().expect("seconds");
        assert!(
            (after - 1.0..=after + 0.5).contains(&wait),
            "{code}: retried after Retry-After ({after} s), not the backoff: {wait}"
        );
        fast_forward(&app).await;
        wait_for(&app, "the retry is delivered", async || {
            deliver_jobs(&app).await.is_empty()
        })
        .await;
    }
    assert_eq!(stub.of_type("Create").len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_and_not_found_are_not_retried() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let gone = Stub::start().await;
    let missing = Stub::start().await;
    gone.follow(&app, "bob", &alice).await;
    missing.follow(&app, "carol", &alice).await;
    gone.answer_always(Answer::Status(410));
    missing.answer_always(Answer::Status(404));
    app.post_status(&alice, "anyone there?", json!({})).await;

    wait_for(&app, "both attempts end", async || {
        let jobs = deliver_jobs(&app).await;
        jobs.len() == 2 && jobs.iter().all(|j| j.0 == "failed")
    })
    .await;
    for (state, attempts, error, _) in deliver_jobs(&app).await {
        assert_eq!((state.as_str(), attempts), ("failed", 1));
        let error = error.unwrap_or_default();
        assert!(error.contains("410") || error.contains("404"), "{error}");
    }
    fast_forward(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(gone.of_type("Create").len(), 1, "410 is not retried");
    assert_eq!(missing.of_type("Create").len(), 1, "404 is not retried");
    // The hosts answered: they are alive, not in backoff.
    assert!(rookery::store::delivery_hosts::all(&app.state.db)
        .await
        .expect("hosts")
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_times_out_and_is_retried() {
    let app = TestApp::spawn_with(|c| {
        c.jobs.workers = 8;
        c.delivery.timeout_secs = 1.0;
    })
    .await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    stub.script(&[Answer::Hang]);
    let started = Instant::now();
    app.post_status(&alice, "are you there", json!({})).await;

    wait_for(&app, "the hanging attempt gives up", async || {
        deliver_jobs(&app)
            .await
            .first()
            .is_some_and(|j| j.1 == 1 && j.0 == "pending")
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let (_, _, error, _) = deliver_jobs(&app).await.remove(0);
    assert!(error.unwrap_or_default().contains("timed out"));
    fast_forward(&app).await;
    wait_for(&app, "the retry is delivered", async || {
        stub.of_type("Create").len() == 2 && deliver_jobs(&app).await.is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_dead_host_is_skipped_until_it_is_heard_from() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    stub.answer_always(Answer::Status(503));

    app.post_status(&alice, "one", json!({})).await;
    wait_for(&app, "the first failure", async || {
        stub.of_type("Create").len() == 1
    })
    .await;
    wait_for(&app, "it is recorded", async || {
        deliver_jobs(&app)
            .await
            .first()
            .is_some_and(|j| j.0 == "pending" && j.1 == 1)
    })
    .await;

    // Six days of failures: still in backoff.
    app.state.clock.advance(chrono::Duration::days(6));
    app.post_status(&alice, "two", json!({})).await;
    wait_for(&app, "the second failure", async || {
        stub.of_type("Create").len() == 2
    })
    .await;
    wait_for(&app, "both are waiting", async || {
        let jobs = deliver_jobs(&app).await;
        jobs.len() == 2 && jobs.iter().all(|j| j.0 == "pending" && j.1 == 1)
    })
    .await;
    let host = rookery::service::delivery::host_of(&stub.base).expect("host");
    assert!(
        !rookery::service::delivery::is_unavailable(&app.state, &host)
            .await
            .expect("q")
    );

    // Past seven days: the next failure marks it unavailable and drops what waits for it.
    app.state.clock.advance(chrono::Duration::days(2));
    app.post_status(&alice, "three", json!({})).await;
    wait_for(&app, "the third failure", async || {
        stub.of_type("Create").len() == 3
    })
    .await;
    wait_for(&app, "the host's deliveries are dropped", async || {
        deliver_jobs(&app).await.is_empty()
    })
    .await;
    assert!(
        rookery::service::delivery::is_unavailable(&app.state, &host)
            .await
            .expect("q")
    );

    // New deliveries are not even queued.
    app.post_status(&alice, "four", json!({})).await;
    app.drain_jobs().await;
    assert!(deliver_jobs(&app).await.is_empty());
    assert_eq!(stub.of_type("Create").len(), 3);

    // The host comes back and sends a signed activity: the mark goes, deliveries resume.
    stub.answer_always(Answer::Status(202));
    stub.follow(&app, "carol", &alice).await;
    assert!(
        !rookery::service::delivery::is_unavailable(&app.state, &host)
            .await
            .expect("q")
    );
    let status = app.post_status(&alice, "five", json!({})).await;
    wait_for(&app, "delivered again", async || {
        stub.of_type("Create")
            .iter()
            .any(|c| c.json()["object"]["id"] == status["uri"])
    })
    .await;
    // The activity came from an account fetched "8 days ago": a refresh was queued and done.
    app.drain_jobs().await;
    let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'failed'")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(failed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_actor_is_refreshed_in_the_background() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    let before: chrono::DateTime<Utc> =
        sqlx::query_scalar("UPDATE accounts SET fetched_at = now() - interval '2 days', display_name = 'old' WHERE uri = $1 RETURNING fetched_at")
            .bind(stub.actor_url("bob"))
            .fetch_one(&app.state.db)
            .await
            .expect("age bob");
    let status = stub
        .send(
            &app,
            "bob",
            json!({
                "id": format!("{}#undo-nothing", stub.actor_url("bob")),
                "type": "Undo",
                "actor": stub.actor_url("bob"),
                "object": { "type": "Like", "object": format!("{}/nothing", app.base) },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    wait_for(&app, "bob's profile is fetched again", async || {
        let after: Option<chrono::DateTime<Utc>> =
            sqlx::query_scalar("SELECT fetched_at FROM accounts WHERE uri = $1")
                .bind(stub.actor_url("bob"))
                .fetch_one(&app.state.db)
                .await
                .expect("bob");
        after.is_some_and(|a| a > before)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_slow_host_does_not_hold_up_the_others() {
    let app = TestApp::spawn_with(|c| {
        c.jobs.workers = 8;
        c.delivery.per_host_concurrency = 2;
        c.delivery.timeout_secs = 5.0;
    })
    .await;
    let alice = app.register("alice").await;
    let slow = Stub::start().await;
    let fast = Stub::start().await;
    slow.follow(&app, "bob", &alice).await;
    fast.follow(&app, "carol", &alice).await;
    slow.answer_always(Answer::Hang);
    for i in 0..6 {
        app.post_status(&alice, &format!("post {i}"), json!({}))
            .await;
    }
    wait_for(&app, "the fast host gets all six", async || {
        fast.of_type("Create").len() == 6
    })
    .await;
    assert!(
        slow.of_type("Create").len() <= 2,
        "at most two at once to one host: {}",
        slow.of_type("Create").len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_behind_a_token_and_on_their_own_address() {
    let app = TestApp::spawn_with(|c| {
        c.jobs.workers = 4;
        c.metrics.token = "s3cret".into();
    })
    .await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    stub.script(&[Answer::Status(500)]);
    app.post_status(&alice, "count me", json!({})).await;
    wait_for(&app, "the failure", async || {
        deliver_jobs(&app)
            .await
            .first()
            .is_some_and(|j| j.1 == 1 && j.0 == "pending")
    })
    .await;

    let res = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("wrong")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("s3cret")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.expect("text");
    for line in [
        "rookery_jobs_queued{kind=\"deliver\",state=\"pending\"} 1",
        "rookery_deliveries_total{result=\"delivered\",reason=\"ok\"} 1",
        "rookery_deliveries_total{result=\"retry\",reason=\"http_5xx\"} 1",
        "rookery_jobs_retried_total{kind=\"deliver\"} 1",
        "rookery_delivery_hosts_failing 1",
        "rookery_delivery_duration_seconds_count 2",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }

    // Without a token the main address has no /metrics; `metrics.listen` serves it alone.
    let plain = TestApp::spawn().await;
    let (status, _) = plain.get("/metrics", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut state = plain.state.clone();
    let mut config = (*state.config).clone();
    config.metrics.listen = format!("127.0.0.1:{port}");
    state.config = Arc::new(config);
    tokio::spawn(rookery::metrics::serve_separately(
        state,
        std::future::pending(),
    ));
    let url = format!("http://127.0.0.1:{port}/metrics");
    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        if let Ok(res) = plain.client.get(&url).send().await {
            assert_eq!(res.status(), StatusCode::OK);
            break res.text().await.expect("text");
        }
        assert!(Instant::now() < deadline, "metrics address never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(text.contains("rookery_jobs_queued"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// The real binary: crash safety, several processes, `admin queue`.

fn rookery_worker(app: &TestApp, workers: usize, lease_secs: u64) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rookery"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ROOKERY_") || key == "DATABASE_URL" || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.arg("worker")
        .env("ROOKERY_DATABASE__URL", database_url(&app.db_options))
        .env("ROOKERY_DOMAIN", &app.state.config.domain)
        .env("ROOKERY_FEDERATION__ALLOW_PRIVATE_ADDRESSES", "true")
        .env("ROOKERY_JOBS__WORKERS", workers.to_string())
        .env("ROOKERY_JOBS__LEASE_SECS", lease_secs.to_string())
        .env("ROOKERY_DELIVERY__TIMEOUT_SECS", "2")
        .env(
            "ROOKERY_DELIVERY__PER_HOST_CONCURRENCY",
            workers.to_string(),
        )
        .env("ROOKERY_DATABASE__MAX_CONNECTIONS", "8")
        .env("ROOKERY_LOG__LEVEL", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start rookery worker")
}

/// Queues `count` deliveries of distinct activities from `user` to `stub`'s shared inbox, in
/// one transaction.
async fn enqueue_many(app: &TestApp, user: &TestUser, stub: &Stub, count: usize) {
    use rookery::service::queue::{enqueue_deliveries, Delivery};
    let inbox = format!("{}/inbox", stub.base);
    let host = rookery::service::delivery::host_of(&inbox).expect("host");
    let signer = rookery::store::accounts::by_id(&app.state.db, user.id.parse().expect("id"))
        .await
        .expect("query")
        .expect("account");
    let mut tx = app.state.db.begin().await.expect("tx");
    for i in 0..count {
        let activity = json!({
            "id": format!("{}/users/{}/test-activities/{i}", app.base, user.username),
            "type": "Create",
            "actor": format!("{}/users/{}", app.base, user.username),
        });
        let delivery = Delivery {
            signer_id: signer.id,
            key_id: signer.public_key_id.clone(),
            inbox: inbox.clone(),
        };
        enqueue_deliveries(
            &mut tx,
            &activity.to_string(),
            vec![(delivery, host.clone())],
        )
        .await
        .expect("enqueue");
    }
    tx.commit().await.expect("commit");
}

fn counts(stub: &Stub) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for r in stub.received() {
        *seen
            .entry(r.json()["id"].as_str().unwrap_or_default().to_string())
            .or_insert(0) += 1;
    }
    seen
}

async fn wait_all(app: &TestApp, stub: &Stub, count: usize, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let pending = rookery::store::jobs::pending_count(&app.state.db)
            .await
            .expect("count");
        if counts(stub).len() == count && pending == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} delivered, {pending} jobs left",
            counts(stub).len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_worker_loses_nothing() {
    const JOBS: usize = 1000;
    const CONCURRENCY: usize = 8;
    let app = TestApp::spawn_with(|c| c.jobs.workers = 0).await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.hold(Duration::from_millis(5));
    enqueue_many(&app, &alice, &stub, JOBS).await;

    let mut first = rookery_worker(&app, CONCURRENCY, 3);
    let deadline = Instant::now() + Duration::from_secs(60);
    while counts(&stub).len() < JOBS / 3 {
        assert!(Instant::now() < deadline, "the worker delivers nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
    let _ = first.wait();
    let at_kill = counts(&stub).len();
    assert!(at_kill < JOBS, "killed mid-way ({at_kill} delivered)");

    let mut second = rookery_worker(&app, CONCURRENCY, 3);
    wait_all(&app, &stub, JOBS, Duration::from_secs(120)).await;
    let _ = second.kill();
    let _ = second.wait();

    let seen = counts(&stub);
    assert_eq!(seen.len(), JOBS, "every delivery arrived at least once");
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= CONCURRENCY,
        "{duplicates} duplicates; at most the {CONCURRENCY} in flight at the kill"
    );
    let sample = stub.received().pop().expect("one");
    assert_signed_by(&app, &alice, &sample).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_share_the_queue() {
    const JOBS: usize = 400;
    let app = TestApp::spawn_with(|c| c.jobs.workers = 0).await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.hold(Duration::from_millis(10));
    enqueue_many(&app, &alice, &stub, JOBS).await;

    let mut one = rookery_worker(&app, 6, 30);
    let mut two = rookery_worker(&app, 6, 30);
    wait_all(&app, &stub, JOBS, Duration::from_secs(120)).await;
    let _ = one.kill();
    let _ = two.kill();
    let _ = one.wait();
    let _ = two.wait();

    assert!(
        stub.overlapped().is_empty(),
        "delivered concurrently twice: {:?}",
        stub.overlapped()
    );
    let seen = counts(&stub);
    assert_eq!(seen.len(), JOBS);
    assert!(seen.values().all(|n| *n == 1), "no job ran twice");
}

/// A process whose pool is closed under its job runner (shutdown order gone wrong, or a test
/// dropping its database) must not leave the runner spinning: from then on its listener
/// answers at once with an error, and every round would claim again.
#[tokio::test]
async fn the_job_runner_stops_when_its_pool_closes() {
    let app = TestApp::spawn_with(|c| c.jobs.workers = 0).await;
    let (_still_running, rx) = tokio::sync::watch::channel(false);
    let runners = rookery::jobs::spawn_workers(&app.state, 2, rx);
    assert_eq!(runners.len(), 1);
    // Let it listen and claim once before the pool goes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(runners.iter().all(|r| !r.is_finished()));
    app.state.db.close().await;
    for runner in runners {
        tokio::time::timeout(Duration::from_secs(30), runner)
            .await
            .expect("the job runner stopped after its pool closed")
            .expect("the job runner did not panic");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_queue_shows_depth_and_failing_hosts() {
    let app = spawn().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    stub.follow(&app, "bob", &alice).await;
    stub.answer_always(Answer::Status(502));
    app.post_status(&alice, "queued", json!({})).await;
    wait_for(&app, "the failure", async || {
        deliver_jobs(&app)
            .await
            .first()
            .is_some_and(|j| j.1 == 1 && j.0 == "pending")
    })
    .await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rookery"))
        .args(["admin", "queue"])
        .env("ROOKERY_DATABASE__URL", database_url(&app.db_options))
        .env("ROOKERY_LOG__LEVEL", "error")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("deliver"), "{text}");
    assert!(text.contains("pending"), "{text}");
    let host = rookery::service::delivery::host_of(&stub.base).expect("host");
    assert!(text.contains(&host), "{text}");
    assert!(text.contains("backoff"), "{text}");
    assert!(text.contains("502"), "{text}");
}
