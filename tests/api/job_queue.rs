//! The job queue's stored formats: a job this version cannot read (an unknown kind, a payload
//! of another format) fails for good at its first attempt, and the runner goes on; the
//! `one_job_format` migration rewrites what earlier versions queued into today's formats,
//! losing nothing, and changes nothing when run again. Jobs are queued with no workers running,
//! so the queue can be looked at first.

use chrono::Utc;
use rookery::service::queue::Job;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::helpers::delivery::{rewrite_older_formats, wait_for, Stub};
use crate::helpers::TestApp;

async fn idle_app() -> TestApp {
    TestApp::spawn_with(|c| c.jobs.workers = 0).await
}

/// Queues a job as stored, whatever its kind and payload; returns its id.
async fn queue_raw(app: &TestApp, kind: &str, payload: Value) -> i64 {
    let id = rookery::id::next();
    let mut conn = app.state.db.acquire().await.expect("connection");
    rookery::store::jobs::enqueue_for_host(
        &mut conn,
        &rookery::store::jobs::NewJob {
            id,
            kind,
            payload: &payload,
            run_at: Utc::now() - chrono::Duration::seconds(1),
            host: None,
            max_attempts: None,
        },
    )
    .await
    .expect("enqueue");
    id
}

/// A job's row: (kind, payload, state, attempts, last error, body id).
type Row = (String, Value, String, i32, Option<String>, Option<i64>);

async fn row(app: &TestApp, id: i64) -> Row {
    sqlx::query_as(
        "SELECT kind, payload, state, attempts, last_error, body_id FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.state.db)
    .await
    .expect("job")
}

async fn all_rows(app: &TestApp) -> Vec<(i64, Row)> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM jobs ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .expect("ids");
    let mut rows = Vec::new();
    for id in ids {
        rows.push((id, row(app, id).await));
    }
    rows
}

async fn body(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT body FROM delivery_bodies WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.state.db)
        .await
        .expect("body")
}

async fn queue_empty(app: &TestApp) -> bool {
    rookery::store::jobs::pending_count(&app.state.db)
        .await
        .expect("count")
        == 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_this_version_cannot_read_fails_at_once() {
    let app = idle_app().await;
    let alice = app.register("alice").await;
    let stub = Stub::start().await;
    let unknown = queue_raw(&app, "reticulate_splines", json!({ "status_id": 1 })).await;
    let malformed = queue_raw(&app, "fanout", json!({ "status": 1 })).await;
    let not_json_object = queue_raw(&app, "process_media", json!("media 1")).await;
    // Parses, but names no body: no attempt can send it.
    let bodiless = queue_raw(
        &app,
        "deliver",
        json!({ "signer_id": 1, "key_id": "k", "inbox": format!("{}/inbox", stub.base) }),
    )
    .await;

    let (_stop, rx) = watch::channel(false);
    rookery::jobs::spawn_workers(&app.state, 2, rx);
    wait_for(&app, "the jobs to fail", async || queue_empty(&app).await).await;
    for (id, error) in [
        (unknown, "unknown variant `reticulate_splines`"),
        (malformed, "missing field `status_id`"),
        (not_json_object, "malformed job"),
        (bodiless, "a delivery without a body"),
    ] {
        let (kind, _, state, attempts, last_error, _) = row(&app, id).await;
        assert_eq!(state, "failed", "{kind}: given up, not retried");
        assert_eq!(attempts, 1, "{kind}");
        let last_error = last_error.unwrap_or_default();
        assert!(last_error.contains(error), "{kind}: {last_error}");
    }
    assert!(stub.received().is_empty(), "nothing was sent");

    // The runner goes on with the next job.
    let signer = rookery::store::accounts::by_id(&app.state.db, alice.id.parse().expect("id"))
        .await
        .expect("query")
        .expect("account");
    let mut tx = app.state.db.begin().await.expect("tx");
    rookery::service::delivery::deliver(
        &mut tx,
        &signer,
        &json!({ "type": "Create", "id": "https://x.example/1" }),
        &[format!("{}/inbox", stub.base)],
    )
    .await
    .expect("queue");
    tx.commit().await.expect("commit");
    wait_for(&app, "the next delivery", async || {
        stub.received().len() == 1 && queue_empty(&app).await
    })
    .await;
}

#[tokio::test]
async fn the_format_migration_rewrites_what_earlier_versions_queued() {
    let app = idle_app().await;
    let alice = app.register("alice").await;
    let signer = rookery::store::accounts::by_id(&app.state.db, alice.id.parse().expect("id"))
        .await
        .expect("query")
        .expect("account");
    let inbox = "https://peer.example/inbox";
    let activity = json!({
        "id": "https://r.example/users/alice/activities/1",
        "type": "Create",
        "actor": "https://r.example/users/alice",
        "object": { "type": "Note", "content": "ünïcode & \"quotes\"" },
    });
    // A serialised body keeps its bytes, whitespace and key order included.
    let serialised = "{\"type\":\"Create\",  \"id\":\"https://r.example/2\"}";

    // The first `deliver` format, the second, and the first with a signer that is gone.
    let as_json = queue_raw(
        &app,
        "deliver",
        json!({ "signer_id": signer.id, "inbox": inbox, "activity": activity }),
    )
    .await;
    let as_text = queue_raw(
        &app,
        "deliver",
        json!({ "signer_id": signer.id, "key_id": signer.public_key_id, "inbox": inbox,
                "body": serialised }),
    )
    .await;
    let orphan = queue_raw(
        &app,
        "deliver",
        json!({ "signer_id": 1, "inbox": inbox, "activity": activity }),
    )
    .await;
    let attachment = queue_raw(&app, "cache_remote_media", json!({ "media_id": 5 })).await;
    // Already in today's formats: left alone.
    let avatar = json!({ "which": "avatar", "account_id": 6, "url": "https://peer.example/a" });
    let avatar = queue_raw(&app, "cache_remote_media", avatar).await;
    let fanout = queue_raw(&app, "fanout", json!({ "status_id": 7 })).await;
    let mut tx = app.state.db.begin().await.expect("tx");
    rookery::service::delivery::deliver(&mut tx, &signer, &activity, &[inbox.to_string()])
        .await
        .expect("queue");
    tx.commit().await.expect("commit");
    let before = all_rows(&app).await;
    let current = before
        .iter()
        .find(|(_, r)| r.5.is_some())
        .map(|(id, _)| *id)
        .expect("today's delivery");

    rewrite_older_formats(&app).await;

    let today = json!({ "signer_id": signer.id, "key_id": signer.public_key_id, "inbox": inbox });
    for (id, sent) in [(as_json, None), (as_text, Some(serialised))] {
        let (_, payload, state, _, _, body_id) = row(&app, id).await;
        assert_eq!(payload, today, "{id}");
        assert_eq!(state, "pending");
        let body_id = body_id.expect("names a body");
        let stored = body(&app, body_id).await.expect("the body");
        match sent {
            Some(bytes) => assert_eq!(stored, bytes, "the very bytes"),
            None => assert_eq!(
                serde_json::from_str::<Value>(&stored).expect("JSON"),
                activity,
                "the same document"
            ),
        }
    }
    let (_, payload, state, _, last_error, _) = row(&app, orphan).await;
    assert_eq!(state, "failed", "its signer is gone");
    assert_eq!(
        last_error.as_deref(),
        Some("the signing account has no key")
    );
    assert_eq!(payload["key_id"], "");
    assert_eq!(
        row(&app, attachment).await.1,
        json!({ "which": "attachment", "media_id": 5 })
    );
    for id in [avatar, fanout, current] {
        let was = &before.iter().find(|(i, _)| *i == id).expect("was").1;
        assert_eq!(&row(&app, id).await, was, "untouched");
    }
    // Every job now reads as today's `Job`.
    let after = all_rows(&app).await;
    for (id, (kind, payload, ..)) in &after {
        let parsed = Job::from_stored(kind, payload.clone());
        assert!(parsed.is_ok(), "{id} {kind} {payload}: {parsed:?}");
    }

    // Again: nothing changes, no body is added.
    let bodies = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM delivery_bodies")
                .fetch_one(&db)
                .await
                .expect("count")
        }
    };
    let count = bodies(&app).await;
    assert_eq!(count, 4, "one per rewritten delivery, and the fan-out's");
    rewrite_older_formats(&app).await;
    assert_eq!(all_rows(&app).await, after);
    assert_eq!(bodies(&app).await, count);
}
