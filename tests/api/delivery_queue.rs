//! The delivery queue. One stored body per fan-out: the deliver jobs of one activity name a
//! single row of `delivery_bodies`; each inbox still gets the very bytes signed for it; bodies
//! go once no job names them; deliveries queued in the older formats (body or activity in the
//! payload) still go out once the upgrade's migration has rewritten them; a job whose body is missing fails for good at once. And the queue's
//! cheaper paths keep their promises: a claim removes the finished jobs it is handed (and
//! neither counts them against their host nor claims them again), and jobs that are running,
//! now missing from the indexes of waiting jobs, still keep their shared body and still count
//! as queued for their document; a body the claimer already has is not read again, and what it
//! sends is still the stored bytes. Jobs are queued with no workers running, so the queue can
//! be looked at first; then workers are started in the test, or jobs are claimed by hand.

use chrono::Utc;
use rookery::model::Account;
use rookery::store::jobs::{self, NewJob, SharedBody};
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::helpers::delivery::{
    assert_signed_by, enqueue_payloads, rewrite_older_formats, wait_for, Answer, Stub,
};
use crate::helpers::{TestApp, TestUser};

const HOST: &str = "h.example:443";

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
    rookery::service::delivery::deliver(&mut tx, &signer, activity, inboxes)
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
    rookery::service::queue::sweep_bodies(&app.state)
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
        json!({ "signer_id": signer.id, "inbox": inbox, "activity": first }),
        // The second: the serialised activity as `body`, with the key id.
        json!({
            "signer_id": signer.id,
            "key_id": signer.public_key_id,
            "inbox": inbox,
            "body": serialised,
        }),
    ];
    enqueue_payloads(&app, &inbox, &payloads).await;
    // They were queued by an earlier version: the upgrade's migration rewrites them.
    rewrite_older_formats(&app).await;

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

async fn state_of(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.state.db)
        .await
        .expect("job state")
}

async fn queue_for_host(app: &TestApp, kind: &str, payload: serde_json::Value) -> i64 {
    let id = rookery::id::next();
    let mut conn = app.state.db.acquire().await.expect("connection");
    jobs::enqueue_for_host(
        &mut conn,
        &NewJob {
            id,
            kind,
            payload: &payload,
            run_at: Utc::now() - chrono::Duration::seconds(1),
            host: Some(HOST),
            max_attempts: None,
        },
    )
    .await
    .expect("enqueue");
    id
}

#[tokio::test]
async fn a_claim_removes_the_finished_jobs_it_is_handed() {
    let app = idle_app().await;
    let mut queued = Vec::new();
    for _ in 0..4 {
        queued.push(queue_for_host(&app, "deliver", json!({})).await);
    }
    let mut claimer = jobs::claimer(&app.state.db).await.expect("claimer");
    let per_host = 2;

    let first = jobs::claim(&mut claimer, "w", 10, 300, per_host, &[], &[])
        .await
        .expect("claim");
    let first: Vec<i64> = first.iter().map(|j| j.id).collect();
    assert_eq!(first, queued[..2], "two at once for one host, oldest first");
    let none = jobs::claim(&mut claimer, "w", 10, 300, per_host, &[], &[])
        .await
        .expect("claim");
    assert!(none.is_empty(), "the host is at its limit");

    // The first is finished: removed by the claim, and no longer counted against its host.
    let next = jobs::claim(&mut claimer, "w", 10, 300, per_host, &first[..1], &[])
        .await
        .expect("claim");
    assert_eq!(next.iter().map(|j| j.id).collect::<Vec<_>>(), [queued[2]]);
    assert_eq!(state_of(&app, first[0]).await, None, "removed");
    assert_eq!(state_of(&app, first[1]).await.as_deref(), Some("running"));

    // A finished job whose lease ran out meanwhile is removed, not claimed again.
    sqlx::query("UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1")
        .bind(first[1])
        .execute(&app.state.db)
        .await
        .expect("expire the lease");
    let last = jobs::claim(&mut claimer, "w", 10, 300, per_host, &first[1..], &[])
        .await
        .expect("claim");
    assert_eq!(last.iter().map(|j| j.id).collect::<Vec<_>>(), [queued[3]]);
    assert_eq!(state_of(&app, first[1]).await, None, "removed");
    assert_eq!(
        jobs::pending_count(&app.state.db).await.expect("count"),
        2,
        "the last two are running"
    );

    // Nothing left to claim: the finished ones still go.
    let empty = jobs::claim(
        &mut claimer,
        "w",
        10,
        300,
        per_host,
        &[queued[2], queued[3]],
        &[],
    )
    .await
    .expect("claim");
    assert!(empty.is_empty());
    assert_eq!(jobs::pending_count(&app.state.db).await.expect("count"), 0);
}

#[tokio::test]
async fn a_running_job_is_still_queued_for_its_document() {
    let app = idle_app().await;
    let url = "https://h.example/users/someone";
    let waiting = async || {
        jobs::waiting_with_url(&app.state.db, "fetch_remote", HOST, url)
            .await
            .expect("query")
    };
    assert!(!waiting().await);
    let id = queue_for_host(&app, "fetch_remote", json!({ "url": url })).await;
    assert!(waiting().await, "pending");
    let mut claimer = jobs::claimer(&app.state.db).await.expect("claimer");
    let claimed = jobs::claim(&mut claimer, "w", 10, 300, 4, &[], &[])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert!(waiting().await, "running");
    assert!(
        !jobs::waiting_with_url(
            &app.state.db,
            "fetch_remote",
            HOST,
            "https://h.example/other"
        )
        .await
        .expect("query"),
        "another document"
    );
    jobs::fail(&app.state.db, id, "gave up", None)
        .await
        .expect("fail");
    assert!(!waiting().await, "failed for good");
}

#[tokio::test]
async fn a_running_delivery_keeps_its_body() {
    let app = idle_app().await;
    let body_id = rookery::id::next();
    let job_id = rookery::id::next();
    let other_id = rookery::id::next();
    let mut conn = app.state.db.acquire().await.expect("connection");
    jobs::enqueue_many_for_hosts(
        &mut conn,
        "deliver",
        20,
        Utc::now() - chrono::Duration::seconds(1),
        Some(SharedBody {
            id: body_id,
            body: "{}",
        }),
        &[
            (job_id, HOST.to_string(), json!({})),
            (other_id, "other.example:443".to_string(), json!({})),
        ],
    )
    .await
    .expect("enqueue");
    drop(conn);
    let lease = app.state.config.jobs.lease_secs as i64;
    app.state
        .clock
        .advance(chrono::Duration::seconds(lease + 1));
    let sweep = async || {
        rookery::service::queue::sweep_bodies(&app.state)
            .await
            .expect("sweep")
    };
    assert_eq!(sweep().await, 0, "a waiting job keeps its body");

    let mut claimer = jobs::claimer(&app.state.db).await.expect("claimer");
    let claimed = jobs::claim(&mut claimer, "w", 1, 300, 4, &[], &[])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, job_id);
    assert_eq!(claimed[0].body.as_deref(), Some("{}"));
    assert_eq!(sweep().await, 0, "a running job keeps its body");

    // A claimer that already has the body is not sent it again.
    let claimed = jobs::claim(&mut claimer, "w", 1, 300, 4, &[job_id], &[body_id])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, other_id);
    assert_eq!(claimed[0].body_id, Some(body_id));
    assert_eq!(claimed[0].body, None);
    assert_eq!(sweep().await, 0, "a running job keeps its body");

    jobs::claim(&mut claimer, "w", 10, 300, 4, &[other_id], &[])
        .await
        .expect("claim");
    assert_eq!(sweep().await, 1, "no job names it any more");
}

/// One host taking one delivery at a time: its deliveries of one body go out over several
/// claims, the later ones without a copy of the body, and each still sends the stored bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_kept_from_an_earlier_claim_is_sent_whole() {
    let app = TestApp::spawn_with(|c| {
        c.jobs.workers = 0;
        c.delivery.per_host_concurrency = 1;
    })
    .await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    let inboxes: Vec<String> = (0..4)
        .map(|i| format!("{}/users/u{i}/inbox", stub.base))
        .collect();
    let signer = rookery::store::accounts::by_id(&app.state.db, alice.id.parse().expect("id"))
        .await
        .expect("query")
        .expect("account");
    let sent = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/users/alice/activities/1", app.base),
        "type": "Create",
        "actor": format!("{}/users/alice", app.base),
        "object": { "type": "Note", "content": "ünïcode & \"quotes\"" },
    });
    let mut tx = app.state.db.begin().await.expect("tx");
    rookery::service::delivery::deliver(&mut tx, &signer, &sent, &inboxes)
        .await
        .expect("queue");
    tx.commit().await.expect("commit");
    let stored: String = sqlx::query_scalar("SELECT body FROM delivery_bodies")
        .fetch_one(&app.state.db)
        .await
        .expect("body");

    let (_stop, rx) = tokio::sync::watch::channel(false);
    rookery::jobs::spawn_workers(&app.state, 4, rx);
    wait_for(&app, "every inbox gets the activity", async || {
        stub.received().len() == 4 && jobs::pending_count(&app.state.db).await.expect("count") == 0
    })
    .await;
    let mut paths = Vec::new();
    for r in stub.received() {
        assert_eq!(
            r.body.as_ref(),
            stored.as_bytes(),
            "the stored bytes are sent"
        );
        assert_signed_by(&app, &alice, &r).await;
        paths.push(r.path.clone());
    }
    paths.sort();
    assert_eq!(
        paths,
        inboxes
            .iter()
            .map(|i| i.trim_start_matches(&stub.base).to_string())
            .collect::<Vec<_>>()
    );
}
