//! The in-process caches of statuses and accounts never serve what a committed change has
//! made stale: not in the process that made the change, not in another process on the same
//! database, not after a change made in SQL by hand, and not for long after a rolled-back one.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestUser};

async fn status(app: &TestApp, id: &str, viewer: &TestUser) -> Value {
    let (code, body) = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&viewer.token))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body
}

async fn home(app: &TestApp, viewer: &TestUser) -> Vec<Value> {
    let (code, body) = app.get("/api/v1/timelines/home", Some(&viewer.token)).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body.as_array().expect("a list").clone()
}

/// Rewrites a status's HTML directly in the database, as a tool or an operator might.
async fn set_content(db: impl sqlx::PgExecutor<'_>, id: i64, html: &str) {
    sqlx::query("UPDATE statuses SET content = $2 WHERE id = $1")
        .bind(id)
        .bind(html)
        .execute(db)
        .await
        .expect("update");
}

#[tokio::test]
async fn writes_in_one_process_are_read_at_once_in_another() {
    let app = TestApp::spawn().await;
    let other = app.spawn_sharing().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.follow(&alice, &bob).await;
    let posted = app.post_status(&bob, "first words", json!({})).await;
    let id = posted["id"].as_str().expect("id").to_string();

    // Both processes have read (and cached) the status and its author.
    for process in [&app, &other] {
        assert_eq!(status(process, &id, &alice).await["favourites_count"], 0);
        assert_eq!(home(process, &alice).await.len(), 1);
    }

    // Counters and the reader's own flags, written through one process and read at once
    // through the other, many times over so a lagging eviction would show.
    for round in 0..10 {
        let (writer, reader) = if round % 2 == 0 {
            (&app, &other)
        } else {
            (&other, &app)
        };
        for (action, count, flag) in [("favourite", 1, true), ("unfavourite", 0, false)] {
            let (code, body) = writer
                .post(
                    &format!("/api/v1/statuses/{id}/{action}"),
                    Some(&alice.token),
                    json!({}),
                )
                .await;
            assert_eq!(code, StatusCode::OK, "{body}");
            let seen = status(reader, &id, &alice).await;
            assert_eq!(seen["favourites_count"], count, "round {round} {action}");
            assert_eq!(seen["favourited"], flag, "round {round} {action}");
        }
    }

    // An edit, then the author's profile and counters.
    let (code, body) = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob.token),
            Some(json!({ "status": "second thoughts" })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let seen = status(&other, &id, &alice).await;
    assert!(
        seen["content"]
            .as_str()
            .is_some_and(|c| c.contains("second thoughts")),
        "{seen}"
    );
    assert!(seen["edited_at"].is_string(), "{seen}");

    let (code, body) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&bob.token),
            Some(json!({ "display_name": "Robert" })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        home(&other, &alice).await[0]["account"]["display_name"],
        "Robert"
    );
    app.post_status(&bob, "more words", json!({})).await;
    assert_eq!(
        status(&other, &id, &alice).await["account"]["statuses_count"],
        2
    );

    // Deleted through one process: gone from the other.
    let (code, body) = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, _) = other
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice.token))
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn changes_made_in_sql_and_rolled_back_ones_are_handled() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let posted = app.post_status(&bob, "as written", json!({})).await;
    let id = posted["id"].as_str().expect("id").to_string();
    let numeric: i64 = id.parse().expect("numeric id");
    assert!(status(&app, &id, &alice).await["content"]
        .as_str()
        .is_some_and(|c| c.contains("as written")));

    // Anyone writing to the database directly is heard like the app itself.
    set_content(&app.state.db, numeric, "<p>changed by hand</p>").await;
    assert_eq!(
        status(&app, &id, &alice).await["content"],
        "<p>changed by hand</p>"
    );

    // A change announced behind a long queue of other announcements: the reader waits until
    // its process has heard it rather than serve the entry it still holds.
    sqlx::query(
        "SELECT pg_notify('rookery_cache', 'm ' || g || ' 0') FROM generate_series(1, 100000) g",
    )
    .execute(&app.state.db)
    .await
    .expect("backlog");
    set_content(&app.state.db, numeric, "<p>behind a queue</p>").await;
    assert_eq!(
        status(&app, &id, &alice).await["content"],
        "<p>behind a queue</p>"
    );
    set_content(&app.state.db, numeric, "<p>changed by hand</p>").await;

    // A rolled-back change takes an epoch that is never announced: the next read must not
    // wait for it forever, nor give up the cache for good.
    let mut tx = app.state.db.begin().await.expect("begin");
    set_content(&mut *tx, numeric, "<p>never committed</p>").await;
    tx.rollback().await.expect("rollback");
    assert_eq!(
        status(&app, &id, &alice).await["content"],
        "<p>changed by hand</p>"
    );

    // The cache is still in use afterwards: a change made with the triggers switched off
    // (nothing announced) is not seen, because the status is served from memory. A read on
    // a heavily loaded machine may give up on the cache (no marker within its wait) and read
    // the database, which then holds the unannounced text; so a few tries, each from an
    // announced and cached state.
    let mut from_memory = false;
    for _ in 0..5 {
        set_content(&app.state.db, numeric, "<p>changed by hand</p>").await;
        status(&app, &id, &alice).await;
        unannounced(
            &app,
            "UPDATE statuses SET content = '<p>unannounced</p>' WHERE id = $1",
            numeric,
        )
        .await;
        if status(&app, &id, &alice).await["content"] == "<p>changed by hand</p>" {
            from_memory = true;
            break;
        }
    }
    assert!(from_memory, "the status was never served from memory");
}

async fn credentials(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.get("/api/v1/accounts/verify_credentials", Some(token))
        .await
}

/// Runs `sql` (with the account id as `$1`) without announcing anything: the triggers are
/// switched off for this session, as a replica's would be.
async fn unannounced(app: &TestApp, sql: &str, account_id: i64) {
    let mut conn = app.state.db.acquire().await.expect("connection");
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .expect("set");
    sqlx::query(sql)
        .bind(account_id)
        .execute(&mut *conn)
        .await
        .expect("unannounced change");
    sqlx::query("SET session_replication_role = DEFAULT")
        .execute(&mut *conn)
        .await
        .expect("reset");
}

#[tokio::test]
async fn whom_a_token_speaks_for_is_never_stale() {
    let app = TestApp::spawn().await;
    let other = app.spawn_sharing().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let client = app
        .create_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let token = app.password_token(&client, "alice", "read write").await;

    // Used, and so cached, in both processes.
    for process in [&app, &other] {
        for t in [&token, &alice.token, &bob.token] {
            assert_eq!(credentials(process, t).await.0, StatusCode::OK);
        }
    }

    // Revoked through one process: refused at once by both; alice's other token still works.
    let (code, body) = other
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    for process in [&app, &other] {
        assert_eq!(
            credentials(process, &token).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(credentials(process, &alice.token).await.0, StatusCode::OK);
    }

    // The account a token speaks for is read afresh after it changes, in either process.
    let (code, body) = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({ "display_name": "Alicia" })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        credentials(&other, &alice.token).await.1["display_name"],
        "Alicia"
    );

    // Suspended and disabled by hand in SQL: refused at once.
    let bob_id: i64 = bob.id.parse().expect("numeric id");
    sqlx::query("UPDATE accounts SET suspended_at = now() WHERE id = $1")
        .bind(bob_id)
        .execute(&app.state.db)
        .await
        .expect("suspend");
    let alice_id: i64 = alice.id.parse().expect("numeric id");
    sqlx::query("UPDATE users SET disabled = true WHERE account_id = $1")
        .bind(alice_id)
        .execute(&app.state.db)
        .await
        .expect("disable");
    for process in [&app, &other] {
        assert_eq!(
            credentials(process, &bob.token).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            credentials(process, &alice.token).await.0,
            StatusCode::FORBIDDEN
        );
    }

    // Revoked behind a long queue of announcements: a request whose token is cached waits for
    // its process to hear of the revocation (or reads the token from the database) before it
    // is served, rather than answer for a revoked token.
    let dave = app.register("dave").await;
    let erin = app.register("erin").await;
    for t in [&dave.token, &erin.token] {
        assert_eq!(credentials(&app, t).await.0, StatusCode::OK);
    }
    // Queue and revocation are committed together, so the listener gets no head start.
    let mut tx = app.state.db.begin().await.expect("begin");
    sqlx::query(
        "SELECT pg_notify('rookery_cache', 'm ' || g || ' 0') FROM generate_series(1, 100000) g",
    )
    .execute(&mut *tx)
    .await
    .expect("backlog");
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE user_id IN (SELECT id FROM users WHERE account_id = ANY($1))",
    )
    .bind(vec![
        dave.id.parse::<i64>().expect("numeric id"),
        erin.id.parse::<i64>().expect("numeric id"),
    ])
    .execute(&mut *tx)
    .await
    .expect("revoke");
    tx.commit().await.expect("commit");
    assert_eq!(
        credentials(&app, &dave.token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (code, _) = app.get("/api/v1/timelines/home", Some(&erin.token)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);

    // The cache is in use: a revocation nobody announces is not seen, because whom the token
    // speaks for is served from memory (a few tries, as for statuses above: under heavy load
    // a request may give up on the cache and ask the database).
    let mut from_memory = false;
    for attempt in 0..5 {
        let user = app.register(&format!("frank{attempt}")).await;
        assert_eq!(credentials(&app, &user.token).await.0, StatusCode::OK);
        unannounced(
            &app,
            "UPDATE oauth_tokens SET revoked_at = now() \
             WHERE user_id = (SELECT id FROM users WHERE account_id = $1)",
            user.id.parse().expect("numeric id"),
        )
        .await;
        if credentials(&app, &user.token).await.0 == StatusCode::OK {
            from_memory = true;
            break;
        }
    }
    assert!(
        from_memory,
        "the token's owner was never served from memory"
    );
}
