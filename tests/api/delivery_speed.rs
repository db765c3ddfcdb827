//! The queue's cheaper paths keep their promises: a claim removes the finished jobs it is
//! handed (and neither counts them against their host nor claims them again), and jobs that
//! are running, now missing from the indexes of waiting jobs, still keep their shared body and
//! still count as queued for their document; a body the claimer already has is not read
//! again, and what it sends is still the stored bytes. Jobs are queued with no workers running
//! and claimed by hand, so each step can be looked at.

use chrono::Utc;
use rookery::store::jobs::{self, NewJob, SharedBody};
use serde_json::json;

use crate::delivery::{assert_signed_by, wait_for, Stub};
use crate::helpers::TestApp;

const HOST: &str = "h.example:443";

async fn idle_app() -> TestApp {
    TestApp::spawn_with(|c| c.jobs.workers = 0).await
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
        rookery::jobs::deliver::sweep_bodies(&app.state)
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
    rookery::federation::outbox::deliver(&mut tx, &signer, &sent, &inboxes)
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
