//! A request runs its handler at most once, and never for a token that is no longer good. Even
//! a GET may act (the home timeline marks its feed read, a search with `resolve=true` fetches
//! from other servers), so a token the cache holds is confirmed before the handler runs,
//! rather than after it with the request run again when the confirmation fails.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::routing::get;
use axum::Router;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{TestApp, TestUser};

/// SQL a stub runs against the instance's database (with an account id as `$1`) before it
/// answers a fetch.
type OnFetch = Option<(PgPool, &'static str, i64)>;

/// A remote server whose one actor, `ghost`, is never found; it counts the fetches.
struct Ghost {
    url: String,
    fetches: Arc<AtomicUsize>,
    on_fetch: Arc<Mutex<OnFetch>>,
}

async fn ghost() -> Ghost {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/users/ghost",
        listener.local_addr().expect("addr")
    );
    let fetches = Arc::new(AtomicUsize::new(0));
    let on_fetch: Arc<Mutex<OnFetch>> = Arc::default();
    let (count, hook) = (fetches.clone(), on_fetch.clone());
    let router = Router::new().route(
        "/users/ghost",
        get(move || {
            let (count, hook) = (count.clone(), hook.clone());
            async move {
                count.fetch_add(1, Ordering::SeqCst);
                let change = hook.lock().expect("hook").clone();
                if let Some((db, sql, id)) = change {
                    sqlx::query(sql)
                        .bind(id)
                        .execute(&db)
                        .await
                        .expect("change");
                }
                axum::http::StatusCode::NOT_FOUND
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ghost {
        url,
        fetches,
        on_fetch,
    }
}

/// `who` searches for `url` with `resolve=true`.
async fn resolve(app: &TestApp, who: &TestUser, url: &str) -> (StatusCode, serde_json::Value) {
    app.get(
        &format!(
            "/api/v2/search?q={}&resolve=true&type=accounts",
            crate::helpers::urlencode(url)
        ),
        Some(&who.token),
    )
    .await
}

fn id(user: &TestUser) -> i64 {
    user.id.parse().expect("numeric id")
}

async fn credentials(app: &TestApp, user: &TestUser) -> StatusCode {
    app.get("/api/v1/accounts/verify_credentials", Some(&user.token))
        .await
        .0
}

#[tokio::test]
async fn a_revoked_token_runs_no_handler() {
    let app = TestApp::spawn().await;
    let ghost = ghost().await;
    let erin = app.register("erin").await;
    let frank = app.register("frank").await;
    // Erin last read her home timeline two hours ago: reading it now would mark it read.
    sqlx::query(
        "UPDATE users SET feed_active_at = now() - interval '2 hours' WHERE account_id = $1",
    )
    .bind(id(&erin))
    .execute(&app.state.db)
    .await
    .expect("age the feed");
    // Both tokens are used, and so cached.
    for user in [&erin, &frank] {
        assert_eq!(credentials(&app, user).await, StatusCode::OK);
    }

    // Revoked behind a long queue of announcements, committed together so the listener gets
    // no head start: the requests below arrive while the cache still holds both tokens.
    let mut tx = app.state.db.begin().await.expect("begin");
    sqlx::query(
        "SELECT pg_notify('rookery_cache', 'm ' || g || ' 0') FROM generate_series(1, 200000) g",
    )
    .execute(&mut *tx)
    .await
    .expect("backlog");
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE user_id IN (SELECT id FROM users WHERE account_id = ANY($1))",
    )
    .bind(vec![id(&erin), id(&frank)])
    .execute(&mut *tx)
    .await
    .expect("revoke");
    tx.commit().await.expect("commit");

    let (home, search) = tokio::join!(
        app.get("/api/v1/timelines/home", Some(&erin.token)),
        resolve(&app, &frank, &ghost.url),
    );
    assert_eq!(home.0, StatusCode::UNAUTHORIZED, "{}", home.1);
    assert_eq!(search.0, StatusCode::UNAUTHORIZED, "{}", search.1);

    // Refused before the handlers ran: the feed is not marked read, nothing was fetched.
    let untouched: bool = sqlx::query_scalar(
        "SELECT feed_active_at < now() - interval '1 hour' FROM users WHERE account_id = $1",
    )
    .bind(id(&erin))
    .fetch_one(&app.state.db)
    .await
    .expect("feed");
    assert!(untouched, "a revoked token's request marked the feed read");
    assert_eq!(
        ghost.fetches.load(Ordering::SeqCst),
        0,
        "a revoked token's request fetched from another server"
    );
}

#[tokio::test]
async fn a_read_runs_once_when_its_account_changes_meanwhile() {
    let app = TestApp::spawn().await;
    let ghost = ghost().await;
    let grace = app.register("grace").await;
    assert_eq!(credentials(&app, &grace).await, StatusCode::OK);

    // While the search fetches, grace's account changes (as a new follower changes its
    // counters): the cached token is evicted, though it is still good.
    *ghost.on_fetch.lock().expect("hook") = Some((
        app.state.db.clone(),
        "UPDATE accounts SET note = note || '.' WHERE id = $1",
        id(&grace),
    ));
    let (code, found) = resolve(&app, &grace, &ghost.url).await;
    assert_eq!(code, StatusCode::OK, "{found}");
    assert_eq!(found["accounts"], json!([]));
    assert_eq!(
        ghost.fetches.load(Ordering::SeqCst),
        1,
        "one request, one fetch"
    );

    // The token is read afresh next time, and still good.
    *ghost.on_fetch.lock().expect("hook") = None;
    assert_eq!(credentials(&app, &grace).await, StatusCode::OK);
    let (code, found) = resolve(&app, &grace, &ghost.url).await;
    assert_eq!(code, StatusCode::OK, "{found}");
    assert_eq!(ghost.fetches.load(Ordering::SeqCst), 2);
}

/// The statements sqlx sends (it logs each at trace level, target `sqlx::query`), collected
/// on the current thread only: `#[tokio::test]` runs the test and the instance it spawned on
/// one thread, so what is collected is this test's alone.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        struct Summary(String);
        impl tracing::field::Visit for Summary {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "db.statement"
                    || (field.name() == "summary" && self.0.is_empty())
                {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut summary = Summary(String::new());
        event.record(&mut summary);
        self.0.lock().expect("statements").push(summary.0);
    }
}

/// What one request sends to PostgreSQL.
async fn statements_of(app: &TestApp, path: &str, token: &str) -> (StatusCode, Vec<String>) {
    use tracing_subscriber::layer::SubscriberExt;
    let seen = Statements::default();
    let collector = tracing::Dispatch::new(tracing_subscriber::registry().with(seen.clone()));
    // With a single dispatcher registered, tracing asks the default of whichever thread first
    // meets a callsite whom it interests, and keeps the answer: met first on another test's
    // thread (no subscriber there), sqlx's statement callsites would say "nobody" for good
    // (seen in full runs). A second registered dispatcher, never used, makes tracing ask every
    // registered one instead.
    let second = tracing::Dispatch::new(tracing_subscriber::registry());
    let guard = tracing::dispatcher::set_default(&collector);
    tracing::callsite::rebuild_interest_cache();
    let (code, _) = app.get(path, Some(token)).await;
    drop(guard);
    drop(second);
    let sent = seen.0.lock().expect("statements").clone();
    (code, sent)
}

#[tokio::test]
async fn a_cached_home_timeline_read_confirms_its_token_with_the_page_query() {
    let app = TestApp::spawn().await;
    let hana = app.register("hana").await;
    let ivan = app.register("ivan").await;
    app.follow(&hana, &ivan).await;
    app.post_status(&ivan, "one", json!({})).await;
    app.post_status(&ivan, "two", json!({})).await;
    app.drain_jobs().await;
    // The first reads rebuild and mark the feed and fill the caches.
    for _ in 0..2 {
        assert_eq!(
            app.ids("/api/v1/timelines/home", Some(&hana.token))
                .await
                .len(),
            2
        );
    }

    // The token's confirmation rides on the feed's query (it reads the cache epoch): the
    // page's ids and the viewer's own facts about them are all that is asked. Before, a
    // third statement read the epoch for the token alone.
    let (code, sent) = statements_of(&app, "/api/v1/timelines/home", &hana.token).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(sent.len(), 2, "statements of a cached home read: {sent:#?}");
    assert!(
        sent.iter().all(|s| !s.contains("oauth_tokens")),
        "the token was read from the database: {sent:#?}"
    );

    // Revoked: refused at once, by the same confirmation.
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE user_id IN (SELECT id FROM users WHERE account_id = $1)",
    )
    .bind(id(&hana))
    .execute(&app.state.db)
    .await
    .expect("revoke");
    let (code, body) = app.get("/api/v1/timelines/home", Some(&hana.token)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "The access token is invalid");
}

#[tokio::test]
async fn a_home_read_whose_cached_token_changed_reads_it_afresh() {
    let app = TestApp::spawn().await;
    let jun = app.register("jun").await;
    let kai = app.register("kai").await;
    app.follow(&jun, &kai).await;
    app.post_status(&kai, "hello", json!({})).await;
    app.drain_jobs().await;
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&jun.token))
            .await
            .len(),
        1
    );

    // Jun's account changes (as a new follower changes its counters): the cached token is
    // evicted though still good, so the read's confirmation fails and the token is read
    // afresh; the page is the same.
    sqlx::query("UPDATE accounts SET note = note || '.' WHERE id = $1")
        .bind(id(&jun))
        .execute(&app.state.db)
        .await
        .expect("change");
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&jun.token))
            .await
            .len(),
        1
    );

    // A user who may no longer sign in is refused once confirmed, as by any endpoint.
    assert_eq!(
        app.ids("/api/v1/timelines/home", Some(&jun.token))
            .await
            .len(),
        1
    );
    sqlx::query("UPDATE users SET disabled = true WHERE account_id = $1")
        .bind(id(&jun))
        .execute(&app.state.db)
        .await
        .expect("disable");
    let (code, body) = app.get("/api/v1/timelines/home", Some(&jun.token)).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
}
