//! What the cache invalidation triggers announce (migration `coalesced_invalidation`): one
//! announcement per statement and kind naming each changed row once, one epoch per
//! transaction, and nothing at all from a process that runs without caches; and, turned off
//! for measuring, one announcement per row.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use sqlx::postgres::PgListener;

use crate::helpers::TestApp;

/// `(kind, ids, epoch)` of every announcement heard up to a marker made after the changes.
async fn heard_until_marker(
    app: &TestApp,
    listener: &mut PgListener,
) -> Vec<(String, Vec<i64>, i64)> {
    let marker = rookery::store::cache::mark(&app.state.db)
        .await
        .expect("marker");
    let mut heard = Vec::new();
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), listener.recv())
            .await
            .expect("the marker arrives")
            .expect("notification");
        let mut parts = n.payload().split(' ');
        let kind = parts.next().expect("kind").to_string();
        let ids: Vec<i64> = parts
            .next()
            .expect("ids")
            .split(',')
            .map(|id| id.parse().expect("an id"))
            .collect();
        let epoch: i64 = parts.next().expect("epoch").parse().expect("a number");
        if kind == "m" && epoch == marker {
            return heard;
        }
        heard.push((kind, ids, epoch));
    }
}

/// The announcements naming one of `statuses` or `account`.
fn mine(
    heard: Vec<(String, Vec<i64>, i64)>,
    statuses: &[i64],
    account: i64,
) -> Vec<(String, Vec<i64>, i64)> {
    heard
        .into_iter()
        .filter(|(kind, ids, _)| match kind.as_str() {
            "s" => ids.iter().any(|id| statuses.contains(id)),
            "a" => ids.contains(&account),
            _ => false,
        })
        .collect()
}

async fn listen(app: &TestApp) -> PgListener {
    let mut listener = PgListener::connect_with(&app.state.db)
        .await
        .expect("listener");
    listener
        .listen(rookery::store::cache::CHANNEL)
        .await
        .expect("listen");
    listener
}

#[tokio::test]
async fn a_statement_announces_each_row_once_and_a_transaction_takes_one_epoch() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let mut ids = Vec::new();
    for text in ["one", "two", "three"] {
        let posted = app.post_status(&alice, text, json!({})).await;
        ids.push(
            posted["id"]
                .as_str()
                .expect("id")
                .parse::<i64>()
                .expect("numeric"),
        );
    }
    let account: i64 = alice.id.parse().expect("numeric");
    let mut listener = listen(&app).await;

    // One statement changing three statuses: one announcement naming the three.
    sqlx::query("UPDATE statuses SET content = content || ' ' WHERE account_id = $1")
        .bind(account)
        .execute(&app.state.db)
        .await
        .expect("update");
    // (Jobs of the posts may still be announcing their own changes: only the ones naming
    // these rows are looked at.)
    let heard = mine(heard_until_marker(&app, &mut listener).await, &ids, account);
    assert_eq!(heard.len(), 1, "{heard:?}");
    let (kind, announced, _) = &heard[0];
    assert_eq!(kind, "s");
    assert_eq!(
        announced.iter().copied().collect::<BTreeSet<_>>(),
        ids.iter().copied().collect::<BTreeSet<_>>()
    );

    // A transaction: the same status changed by two statements is announced once, and the
    // account's change carries the same epoch.
    let mut tx = app.state.db.begin().await.expect("begin");
    for _ in 0..2 {
        sqlx::query("UPDATE statuses SET content = content || ' ' WHERE id = $1")
            .bind(ids[0])
            .execute(&mut *tx)
            .await
            .expect("update");
    }
    sqlx::query("UPDATE accounts SET note = note || ' ' WHERE id = $1")
        .bind(account)
        .execute(&mut *tx)
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    let heard = mine(heard_until_marker(&app, &mut listener).await, &ids, account);
    let kinds: Vec<(&str, &[i64])> = heard
        .iter()
        .map(|(k, ids, _)| (k.as_str(), ids.as_slice()))
        .collect();
    assert_eq!(
        kinds,
        [("s", &ids[..1]), ("a", &[account][..])],
        "{heard:?}"
    );
    assert_eq!(
        heard[0].2, heard[1].2,
        "one epoch per transaction: {heard:?}"
    );

    // The process's own cache still follows: the status it serves is the changed one.
    let (code, body) = app
        .get(&format!("/api/v1/statuses/{}", ids[0]), Some(&alice.token))
        .await;
    assert_eq!(code, reqwest::StatusCode::OK, "{body}");
    sqlx::query("UPDATE statuses SET content = '<p>rewritten</p>' WHERE id = $1")
        .bind(ids[0])
        .execute(&app.state.db)
        .await
        .expect("update");
    let (_, body) = app
        .get(&format!("/api/v1/statuses/{}", ids[0]), Some(&alice.token))
        .await;
    assert_eq!(body["content"], "<p>rewritten</p>");
}

#[tokio::test]
async fn a_process_without_caches_announces_nothing() {
    let app = TestApp::spawn_with(|c| {
        c.cache.statuses = 0;
        c.cache.accounts = 0;
        c.cache.tokens = 0;
    })
    .await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let posted = app.post_status(&alice, "hello", json!({})).await;
    let id = posted["id"].as_str().expect("id");
    let mut listener = listen(&app).await;

    // Posting, favouriting and following change counters of statuses and accounts: all
    // through the API of a process whose sessions announce nothing.
    app.post_status(&bob, "hi there", json!({})).await;
    let (code, body) = app
        .post(
            &format!("/api/v1/statuses/{id}/favourite"),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(code, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["favourites_count"], 1);
    let (code, body) = app
        .post(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(code, reqwest::StatusCode::OK, "{body}");
    let heard = heard_until_marker(&app, &mut listener).await;
    assert!(heard.is_empty(), "announced without caches: {heard:?}");
}

/// With `cache.coalesce_invalidation = false` (migration `per_row_invalidation`, for
/// measuring the coalescing) every changed row is announced on its own with a fresh epoch,
/// as before, and the process's caches still follow every change.
#[tokio::test]
async fn per_row_announcements_name_each_row_alone_and_caches_follow() {
    let app = TestApp::spawn_with(|c| c.cache.coalesce_invalidation = false).await;
    let alice = app.register("alice").await;
    let mut ids = Vec::new();
    for text in ["one", "two"] {
        let posted = app.post_status(&alice, text, json!({})).await;
        ids.push(
            posted["id"]
                .as_str()
                .expect("id")
                .parse::<i64>()
                .expect("numeric"),
        );
    }
    let account: i64 = alice.id.parse().expect("numeric");
    let (code, body) = app
        .get(&format!("/api/v1/statuses/{}", ids[0]), Some(&alice.token))
        .await;
    assert_eq!(code, reqwest::StatusCode::OK, "{body}");
    let mut listener = listen(&app).await;

    sqlx::query("UPDATE statuses SET content = '<p>rewritten</p>' WHERE account_id = $1")
        .bind(account)
        .execute(&app.state.db)
        .await
        .expect("update");
    let heard = mine(heard_until_marker(&app, &mut listener).await, &ids, account);
    assert_eq!(heard.len(), 2, "one announcement per row: {heard:?}");
    assert!(heard
        .iter()
        .all(|(kind, named, _)| kind == "s" && named.len() == 1));
    assert_ne!(heard[0].2, heard[1].2, "a fresh epoch each: {heard:?}");

    let (_, body) = app
        .get(&format!("/api/v1/statuses/{}", ids[0]), Some(&alice.token))
        .await;
    assert_eq!(body["content"], "<p>rewritten</p>");
}
