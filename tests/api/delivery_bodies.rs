//! One stored body per fan-out: the deliver jobs of one activity name a single row of
//! `delivery_bodies`; each inbox still gets the very bytes signed for it; bodies go once no job
//! names them; deliveries queued in the older formats (body or activity in the payload) still
//! go out; a job whose body is missing fails for good at once. Jobs are queued with no workers
//! running, so the queue can be looked at first; then workers are started in the test.

use rookery::model::Account;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::delivery::{assert_signed_by, enqueue_payloads, wait_for, Answer, Stub};
use crate::helpers::{TestApp, TestUser};

async fn idle_app() -> TestApp {
    TestApp::spawn_with(|c| c.jobs.workers = 0).await
}

/// Starts a job runner on `app` (which has none); it runs until the sender is dropped.
fn start_workers(app: &TestApp) -> watch::Sender<bool> {
    let (stop, rx) = watch::channel(false);
    rookery::jobs::spawn_workers(&app.state, 4, rx);
    stop
}

async fn account(app: &TestApp, user: &TestUser) -> Account {
    rookery::store::accounts::by_id(&app.state.db, user.id.parse().expect("id"))
        .await
        .expect("query")
        .expect("account")
}

/// Queues `activity` from `user` to `inboxes` the way every delivery is queued.
async fn queue(app: &TestApp, user: &TestUser, activity: &Value, inboxes: &[String]) {
    let signer = account(app, user).await;
    let mut tx = app.state.db.begin().await.expect("tx");
    rookery::federation::outbox::deliver(&mut tx, &signer, activity, inboxes)
        .await
        .expect("queue");
    tx.commit().await.expect("commit");
}

fn activity(app: &TestApp, user: &TestUser, n: u32) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/users/{}/activities/{n}", app.base, user.username),
        "type": "Create",
        "actor": format!("{}/users/{}", app.base, user.username),
        "object": { "type": "Note", "content": format!("note {n} — ünïcode & \"quotes\"") },
    })
}

async fn body_ids(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM delivery_bodies ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .expect("bodies")
}

async fn sweep(app: &TestApp) -> u64 {
    rookery::jobs::deliver::sweep_bodies(&app.state)
        .await
        .expect("sweep")
}

async fn queue_empty(app: &TestApp) -> bool {
    rookery::store::jobs::pending_count(&app.state.db)
        .await
        .expect("count")
        == 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_stored_body_is_delivered_to_every_inbox() {
    let app = idle_app().await;
    let alice = app.register("alice").await;
    let (one, two) = (Stub::start().await, Stub::start().await);
    let inboxes = vec![
        format!("{}/inbox", one.base),
        format!("{}/users/solo_dave/inbox", one.base),
        format!("{}/inbox", two.base),
    ];
    let sent = activity(&app, &alice, 1);
    queue(&app, &alice, &sent, &inboxes).await;

    // One body for the three jobs, which name it and carry no copy of it.
    let bodies: Vec<(i64, String)> = sqlx::query_as("SELECT id, body FROM delivery_bodies")
        .fetch_all(&app.state.db)
        .await
        .expect("bodies");
    assert_eq!(bodies.len(), 1, "one stored body per fan-out");
    let (body_id, stored) = &bodies[0];
    assert_eq!(serde_json::from_str::<Value>(stored).expect("JSON"), sent);
    let jobs: Vec<(Option<i64>, Value)> =
        sqlx::query_as("SELECT body_id, payload FROM jobs WHERE kind = 'deliver' ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .expect("jobs");
    assert_eq!(jobs.len(), 3);
    for (named, payload) in &jobs {
        assert_eq!(*named, Some(*body_id));
        assert!(payload.get("body").is_none() && payload.get("activity").is_none());
    }

    let _workers = start_workers(&app);
    wait_for(&app, "every inbox gets the activity", async || {
        one.received().len() == 2 && two.received().len() == 1 && queue_empty(&app).await
    })
    .await;
    let mut paths = Vec::new();
    for r in one.received().iter().chain(two.received().iter()) {
        assert_eq!(
            r.body.as_ref(),
            stored.as_bytes(),
            "the stored bytes are sent"
        );
        assert_signed_by(&app, &alice, r).await;
        paths.push(r.path.clone());
    }
    paths.sort();
    assert_eq!(paths, ["/inbox", "/inbox", "/users/solo_dave/inbox"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_removed_once_no_job_names_them_and_not_before() {
    let app = idle_app().await;
    let alice = app.register("alice").await;
    let (up, gone) = (Stub::start().await, Stub::start().await);
    gone.answer_always(Answer::Status(410));
    let (up_inbox, gone_inbox) = (format!("{}/inbox", up.base), format!("{}/inbox", gone.base));

    // A: one delivery that succeeds, one refused for good (its failed job is kept). B: one
    // that succeeds. C: its jobs removed by hand at once.
    queue(
        &app,
        &alice,
        &activity(&app, &alice, 1),
        &[up_inbox.clone(), gone_inbox],
    )
    .await;
    queue(
        &app,
        &alice,
        &activity(&app, &alice, 2),
        std::slice::from_ref(&up_inbox),
    )
    .await;
    queue(
        &app,
        &alice,
        &activity(&app, &alice, 3),
        std::slice::from_ref(&up_inbox),
    )
    .await;
    let ids = body_ids(&app).await;
    assert_eq!(ids.len(), 3);
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    sqlx::query("DELETE FROM jobs WHERE body_id = $1")
        .bind(c)
        .execute(&app.state.db)
        .await
        .expect("remove C's jobs");

    assert_eq!(sweep(&app).await, 0, "a body younger than a lease is kept");
    assert_eq!(body_ids(&app).await, [a, b, c]);

    let lease = app.state.config.jobs.lease_secs as i64;
    app.state
        .clock
        .advance(chrono::Duration::seconds(lease + 1));
    assert_eq!(sweep(&app).await, 1, "C has no jobs left");
    assert_eq!(
        body_ids(&app).await,
        [a, b],
        "waiting jobs keep their bodies"
    );

    let _workers = start_workers(&app);
    wait_for(&app, "the deliveries to finish", async || {
        up.received().len() == 2 && !gone.received().is_empty() && queue_empty(&app).await
    })
    .await;
    assert_eq!(sweep(&app).await, 1, "B's only job is done");
    assert_eq!(body_ids(&app).await, [a], "a failed job keeps its body");

    // An administrator clears the failed jobs: nothing names A any more.
    sqlx::query("DELETE FROM jobs WHERE state = 'failed'")
        .execute(&app.state.db)
        .await
        .expect("clear failed");
    assert_eq!(sweep(&app).await, 1);
    assert!(body_ids(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_queued_in_the_older_formats_still_go_out() {
    let app = idle_app().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    let inbox = format!("{}/inbox", stub.base);
    let signer = account(&app, &alice).await;
    let (first, second) = (activity(&app, &alice, 1), activity(&app, &alice, 2));
    let serialised = serde_json::to_string(&second).expect("JSON");
    let payloads = [
        // The first format: the activity as JSON.
        rookery::jobs::deliver::payload(signer.id, &inbox, &first),
        // The second: the serialised activity as `body`, with the key id.
        json!({
            "signer_id": signer.id,
            "key_id": signer.public_key_id,
            "inbox": inbox,
            "body": serialised,
        }),
    ];
    enqueue_payloads(&app, &inbox, &payloads).await;

    let _workers = start_workers(&app);
    wait_for(&app, "both deliveries", async || {
        stub.received().len() == 2 && queue_empty(&app).await
    })
    .await;
    let mut got: Vec<Value> = Vec::new();
    for r in stub.received() {
        assert_signed_by(&app, &alice, &r).await;
        got.push(r.json());
    }
    got.sort_by_key(|v| v["id"].as_str().unwrap_or_default().to_string());
    assert_eq!(got, [first, second]);
    let second_sent = stub
        .received()
        .into_iter()
        .find(|r| r.json()["id"] == got[1]["id"])
        .expect("second");
    assert_eq!(second_sent.body.as_ref(), serialised.as_bytes());
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(left, 0, "done jobs are removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_body_is_gone_fails_at_once() {
    let app = idle_app().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    let inbox = format!("{}/inbox", stub.base);
    queue(
        &app,
        &alice,
        &activity(&app, &alice, 1),
        std::slice::from_ref(&inbox),
    )
    .await;
    sqlx::query("DELETE FROM delivery_bodies")
        .execute(&app.state.db)
        .await
        .expect("lose the body");

    let _workers = start_workers(&app);
    wait_for(&app, "the job to fail", async || queue_empty(&app).await).await;
    let jobs: Vec<(String, i32, Option<String>)> =
        sqlx::query_as("SELECT state, attempts, last_error FROM jobs WHERE kind = 'deliver'")
            .fetch_all(&app.state.db)
            .await
            .expect("jobs");
    assert_eq!(jobs.len(), 1);
    let (state, attempts, error) = &jobs[0];
    assert_eq!(state, "failed", "given up, not retried");
    assert_eq!(*attempts, 1);
    assert!(
        error.as_deref().unwrap_or_default().contains("is gone"),
        "{error:?}"
    );
    assert!(stub.received().is_empty(), "nothing was sent");

    // The worker goes on with the next delivery.
    queue(&app, &alice, &activity(&app, &alice, 2), &[inbox]).await;
    wait_for(&app, "the next delivery", async || {
        stub.received().len() == 1 && queue_empty(&app).await
    })
    .await;
    assert_eq!(
        stub.received()[0].json()["object"]["content"],
        activity(&app, &alice, 2)["object"]["content"]
    );
}
