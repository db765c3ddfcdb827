//! Reads hand their connection to the next read without the pool's round trip, and only when
//! it is clean: what they hand on sees every later commit, is never more than the shelf
//! holds, goes back to the pool when the server goes quiet (so closing the pool is not kept
//! waiting), and a connection dropped mid-query is never handed on.

use std::time::Duration;

use rookery::db::kept::{KeptConnections, KEPT_FOR};
use serde_json::json;

use crate::helpers::TestApp;

async fn backend_pid(app: &TestApp) -> i32 {
    let mut conn = app.state.kept.acquire().await.expect("connection");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .expect("pid");
    conn.keep();
    pid
}

#[tokio::test]
async fn a_timeline_read_hands_its_connection_to_the_next() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    app.post_status(&bob, "first", json!({})).await;
    app.drain_jobs().await;
    // Posting read its status back through the shelf too.
    app.state.kept.release_all();

    let home = app.ids("/api/v1/timelines/home", Some(&alice.token)).await;
    assert_eq!(home.len(), 1);
    assert_eq!(app.state.kept.len(), 1, "the home read kept its connection");
    let pid = backend_pid(&app).await;
    assert_eq!(
        app.ids("/api/v1/timelines/public", None).await.len(),
        1,
        "a read on a kept connection"
    );
    assert_eq!(
        app.state.kept.len(),
        1,
        "reads take the kept one, not another"
    );
    assert_eq!(
        backend_pid(&app).await,
        pid,
        "the same connection went round"
    );

    // What the kept connection reads next includes what was committed meanwhile elsewhere:
    // no transaction or snapshot was left open on it.
    let second = app.post_status(&bob, "second", json!({})).await;
    app.drain_jobs().await;
    let home = app.ids("/api/v1/timelines/home", Some(&alice.token)).await;
    assert_eq!(home.first().map(String::as_str), second["id"].as_str());
    assert_eq!(home.len(), 2);
    // Inside a transaction `now()` stands still from one statement to the next.
    let mut conn = app.state.kept.acquire().await.expect("connection");
    let mut nows = Vec::new();
    for _ in 0..2 {
        let now: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&mut *conn)
            .await
            .expect("now");
        nows.push(now);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_ne!(
        nows[0], nows[1],
        "the kept connection is inside a transaction"
    );
    conn.keep();

    // Quiet: the pool gets it back.
    tokio::time::sleep(KEPT_FOR * 4).await;
    assert!(
        app.state.kept.is_empty(),
        "a kept connection outlived the quiet"
    );
}

#[tokio::test]
async fn the_shelf_holds_at_most_half_the_pool() {
    let app = TestApp::spawn_with(|c| c.database.max_connections = 6).await;
    let alice = app.register("alice").await;
    app.post_status(&alice, "hello", json!({})).await;
    let reads = (0..24).map(|_| app.get("/api/v1/timelines/public", Some(&alice.token)));
    for (status, body) in futures_util::future::join_all(reads).await {
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1));
    }
    // At most half: the bound is the point. (None at all is possible here: on a loaded
    // machine the sweeper may hand them all back before this line runs; that keeping happens
    // is the other tests' business.)
    let kept = app.state.kept.len();
    assert!(kept <= 3, "{kept} connections kept of 6");
    // Connections used straight from the pool are still there to be had.
    let direct: Vec<_> = futures_util::future::join_all((0..3).map(|_| app.state.db.acquire()))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("the pool still hands out connections");
    drop(direct);
}

#[tokio::test]
async fn a_connection_dropped_mid_query_is_never_handed_on() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/timelines/public", None).await;
    assert_eq!(app.state.kept.len(), 1);
    let mut conn = app.state.kept.acquire().await.expect("connection");
    assert!(app.state.kept.is_empty());
    let cut_short = tokio::time::timeout(
        Duration::from_millis(50),
        sqlx::query("SELECT pg_sleep(0.3)").execute(&mut *conn),
    )
    .await;
    assert!(
        cut_short.is_err(),
        "the query should still have been running"
    );
    drop(conn);
    assert!(
        app.state.kept.is_empty(),
        "a connection in an unknown state was kept"
    );
    // The next read gets a clean connection (the pool tested the dropped one first).
    let (status, body) = app.get("/api/v1/timelines/public", None).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(app.state.kept.len(), 1);
}

#[tokio::test]
async fn closing_the_pool_is_not_held_up_by_kept_connections() {
    let app = TestApp::spawn().await;
    // Kept directly: on a loaded machine the sweeper may hand a read's connection back before
    // the test looks.
    backend_pid(&app).await;
    assert_eq!(app.state.kept.len(), 1);
    // Left alone, the kept connection goes back after the quiet period. (The bound is generous:
    // a loaded machine slows every test; without the sweeper the close would never end.)
    tokio::time::timeout(KEPT_FOR * 20, app.state.db.close())
        .await
        .expect("the pool closed while a connection was kept");

    let app = TestApp::spawn().await;
    backend_pid(&app).await;
    assert_eq!(app.state.kept.len(), 1);
    app.state.kept.release_all();
    assert!(
        app.state.kept.is_empty(),
        "release_all left a connection kept"
    );
    tokio::time::timeout(KEPT_FOR * 20, app.state.db.close())
        .await
        .expect("release_all handed the kept connection back");
    // A closed pool's connections are not kept.
    assert!(app.state.kept.is_empty());
}

/// A reader asks for a cache marker when the epoch its query saw is not heard yet (a
/// transaction holding it has not committed, or the process just started), and it holds a
/// connection while it does. Asked through another connection of the pool, the marker waited
/// for the pool's acquire timeout (10 s here) whenever every other connection was busy, as
/// under a burst of readers who each hold one: a freshly started server under load answered
/// nothing for seconds. Through the reader's own connection it needs none.
#[tokio::test]
async fn a_reader_holding_the_pools_last_connection_gets_its_marker_at_once() {
    let app = TestApp::spawn_with(|c| c.database.max_connections = 3).await;
    let mut reader = app.state.db.acquire().await.expect("connection");
    // Every other connection the pool will give (its listeners hold some).
    let mut busy = Vec::new();
    while let Ok(Ok(conn)) =
        tokio::time::timeout(Duration::from_millis(500), app.state.db.acquire()).await
    {
        busy.push(conn);
    }
    // An epoch nobody announces, as one taken by a transaction still open.
    let epoch: i64 = sqlx::query_scalar("SELECT nextval('rookery_cache_epoch')")
        .fetch_one(&mut *reader)
        .await
        .expect("epoch");
    // Far above a marker's time even on a loaded machine, below the pool's acquire timeout.
    let trusted = tokio::time::timeout(
        Duration::from_secs(8),
        app.state.cache.catch_up(&mut reader, epoch),
    )
    .await
    .expect("the reader waited for a second connection");
    assert!(
        trusted,
        "the marker was heard, so the caches may be trusted"
    );
    drop(busy);
    drop(reader);

    // The gap left behind holds no later reader up either.
    let alice = app.register("alice").await;
    let (status, body) = app.get("/api/v1/timelines/home", Some(&alice.token)).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
}

/// A pool on the test's database with no connection open yet.
async fn fresh_pool(app: &TestApp) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect_lazy_with((*app.state.db.connect_options()).clone())
}

async fn pid_of(conn: &mut sqlx::PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(conn)
        .await
        .expect("pid")
}

#[tokio::test]
async fn readers_beyond_the_limit_wait_for_a_connection_to_come_back() {
    let app = TestApp::spawn().await;
    // A pool of its own, with no idle connection a reader could take instead, and a wait no
    // loaded machine outlasts: the third reader can only get its connection from the first.
    let kept =
        KeptConnections::with_reader_wait(fresh_pool(&app).await, 2, Duration::from_secs(60));
    let mut first = kept.acquire().await.expect("first");
    let mut second = kept.acquire().await.expect("second");
    let first_pid = pid_of(&mut first).await;
    assert_ne!(pid_of(&mut second).await, first_pid);

    let waiting = tokio::spawn({
        let kept = kept.clone();
        async move {
            let mut third = kept.acquire().await.expect("third");
            let pid = pid_of(&mut third).await;
            third.keep();
            pid
        }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(
        !waiting.is_finished(),
        "a third reader went past a limit of two"
    );
    first.keep();
    assert_eq!(
        waiting.await.expect("the third reader"),
        first_pid,
        "the third reader took the connection that came back"
    );
    second.keep();
    kept.release_all();
}

#[tokio::test]
async fn a_reader_past_the_limit_gets_a_connection_from_the_pool_after_the_wait() {
    let app = TestApp::spawn().await;
    let kept = KeptConnections::new(fresh_pool(&app).await, 1);
    let mut held = kept.acquire().await.expect("held");
    let held_pid = pid_of(&mut held).await;
    // A second connection asked for while the only reader's is held (which readers must not
    // do) comes from the pool once the wait is over, rather than never.
    let mut other = tokio::time::timeout(Duration::from_secs(10), kept.acquire())
        .await
        .expect("no deadlock")
        .expect("a connection");
    assert_ne!(pid_of(&mut other).await, held_pid);
    assert_eq!(kept.in_use(), 2);
    // A connection dropped (not kept) counts as back, as a kept one does.
    drop(other);
    drop(held);
    assert_eq!(kept.in_use(), 0);
    let next = kept.acquire().await.expect("a connection");
    assert_eq!(kept.in_use(), 1);
    next.keep();
    assert_eq!((kept.in_use(), kept.len()), (0, 1));
    kept.release_all();
}

#[tokio::test]
async fn a_burst_with_a_token_not_yet_cached_opens_no_more_backends_than_readers_hold() {
    let app = TestApp::spawn_with(|c| {
        c.database.max_connections = 16;
        c.database.min_connections = 0;
        c.database.idle_timeout_secs = 1;
        // However slow this machine is now, the burst's readers wait for each other.
        c.database.reader_wait_ms = 60_000;
    })
    .await;
    let alice = app.register("alice").await;
    // What the set-up opened closes (the pool checks as often as the timeout).
    app.state.kept.release_all();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = app.state.db.size() as usize;
    // The token has never been used over HTTP: every request of the burst looks it up.
    let reads = (0..24).map(|_| app.get("/api/v1/timelines/public", Some(&alice.token)));
    for (status, body) in futures_util::future::join_all(reads).await {
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    }
    let opened = (app.state.db.size() as usize).saturating_sub(before);
    let readers = KeptConnections::readers_for(16);
    assert!(
        opened <= readers,
        "the burst opened {opened} connections; readers hold {readers} at most"
    );
}

#[tokio::test]
async fn a_reader_past_the_limit_takes_a_connection_idle_in_the_pool_without_waiting() {
    let app = TestApp::spawn().await;
    let pool = fresh_pool(&app).await;
    let kept = KeptConnections::with_reader_wait(pool.clone(), 1, Duration::from_secs(60));
    let held = kept.acquire().await.expect("held");
    // A connection a write used, back in the pool: opening none, the reader may have it.
    drop(pool.acquire().await.expect("a write's connection"));
    while pool.num_idle() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let other = tokio::time::timeout(Duration::from_secs(10), kept.acquire())
        .await
        .expect("the idle connection, not a wait for the held one")
        .expect("a connection");
    assert_eq!(pool.size(), 2, "no connection was opened for the reader");
    drop(other);
    drop(held);
}
