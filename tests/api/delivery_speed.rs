//! The queue's cheaper paths keep their promises: a claim removes the finished jobs it is
//! handed (and neither counts them against their host nor claims them again), and jobs that
//! are running, now missing from the indexes of waiting jobs, still keep their shared body and
//! still count as queued for their document. Jobs are queued with no workers running and
//! claimed by hand, so each step can be looked at.

use chrono::Utc;
use rookery::store::jobs::{self, NewJob, SharedBody};
use serde_json::json;

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

    let first = jobs::claim(&mut claimer, "w", 10, 300, per_host, &[])
        .await
        .expect("claim");
    let first: Vec<i64> = first.iter().map(|j| j.id).collect();
    assert_eq!(first, queued[..2], "two at once for one host, oldest first");
    let none = jobs::claim(&mut claimer, "w", 10, 300, per_host, &[])
        .await
        .expect("claim");
    assert!(none.is_empty(), "the host is at its limit");

    // The first is finished: removed by the claim, and no longer counted against its host.
    let next = jobs::claim(&mut claimer, "w", 10, 300, per_host, &first[..1])
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
    let last = jobs::claim(&mut claimer, "w", 10, 300, per_host, &first[1..])
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
    let claimed = jobs::claim(&mut claimer, "w", 10, 300, 4, &[])
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
        &[(job_id, HOST.to_string(), json!({}))],
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
    let claimed = jobs::claim(&mut claimer, "w", 10, 300, 4, &[])
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].body.as_deref(), Some("{}"));
    assert_eq!(sweep().await, 0, "a running job keeps its body");

    jobs::claim(&mut claimer, "w", 10, 300, 4, &[job_id])
        .await
        .expect("claim");
    assert_eq!(sweep().await, 1, "no job names it any more");
}
