//! Whom Rookery trusts: signed GETs from blocked domains refused before any key fetch, and
//! the reverse WebFinger check that decides an actor fetched by URL owns the acct it claims.
//! Lying hosts are tiny stubs (behaviour Rookery itself never produces); honest ones are real
//! instances.

use reqwest::StatusCode;
use rookery::federation::fetch::{self, FetchError, KeySigner};
use serde_json::{json, Value};

use crate::helpers::delivery;
use crate::helpers::federation::{actor, resolve, StubHost};
use crate::helpers::{TestApp, TestUser};

/// The status of a GET of `url` from `from`'s client, signed by `signer`.
async fn signed_get(from: &TestApp, signer: &KeySigner, url: &str) -> u16 {
    match fetch::fetch_document(&from.state.http, &from.state.fetch_policy(), signer, url).await {
        Ok(_) => 200,
        Err(FetchError::Status(code)) => code,
        Err(e) => panic!("unexpected fetch error {e}"),
    }
}

/// `who` on `app` searches for `q` with `resolve=true` and finds no account.
async fn assert_unresolved(app: &TestApp, who: &TestUser, q: &str) {
    let (status, found) = app
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=accounts",
                crate::helpers::urlencode(q)
            ),
            Some(&who.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["accounts"], json!([]), "{q}: {found}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_gets_from_refused_domains_fetch_no_key() {
    let (stub, host) = StubHost::start().await;
    let (eve, eve_signs) = actor(&host, "/users/eve", "eve");
    stub.serve("/users/eve", eve);
    stub.finger(
        &format!("eve@{host}"),
        &format!("eve@{host}"),
        &format!("http://{host}/users/eve"),
    );

    // Signatures checked lazily: a followers-only note asks who signs.
    let a = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let boss = a.admin().await;
    let private = a
        .post_status(&alice, "for followers", json!({"visibility": "private"}))
        .await;
    let private_uri = private["uri"].as_str().expect("uri");
    let (status, block) = a
        .post(
            "/api/v1/admin/domain_blocks",
            Some(&boss.token),
            json!({ "domain": host, "severity": "suspend" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{block}");
    assert_eq!(signed_get(&a, &eve_signs, private_uri).await, 403);
    assert!(stub.hits().is_empty(), "{:?}", stub.hits());

    // Authorized fetch in allowlist mode: every ActivityPub GET is checked up front.
    let c = TestApp::spawn_with(|c| {
        c.federation.authorized_fetch = true;
        c.moderation.allowlist_mode = true;
    })
    .await;
    c.register("carol").await;
    let carol_url = c.url("/users/carol");
    assert_eq!(signed_get(&c, &eve_signs, &carol_url).await, 403);
    assert!(stub.hits().is_empty(), "{:?}", stub.hits());
    let boss_c = c.admin().await;
    let (status, _) = c
        .post(
            "/api/v1/admin/domain_allows",
            Some(&boss_c.token),
            json!({ "domain": host }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Allowed now: the key is fetched and the signature verifies.
    assert_eq!(signed_get(&c, &eve_signs, &carol_url).await, 200);
    assert!(
        stub.hits().contains(&"/users/eve".to_string()),
        "{:?}",
        stub.hits()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actors_fetched_by_url_must_be_confirmed_by_webfinger() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    b.register("bob").await;

    // An honest instance: B's actor fetched by URL loops back through B's WebFinger.
    let bob_on_a = resolve(&a, &alice, &b.url("/users/bob")).await;
    let (_, bob) = a
        .get(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice.token))
        .await;
    assert_eq!(bob["acct"], format!("bob@{}", b.addr));

    // A lying host: its actor calls itself "bob", and its WebFinger sends bob@stub to
    // bob@B, whose WebFinger names B's real bob, not the stub's actor.
    let (stub, host) = StubHost::start().await;
    let (fake_bob, _) = actor(&host, "/users/bob", "bob");
    stub.serve("/users/bob", fake_bob);
    stub.finger(
        &format!("bob@{host}"),
        &format!("bob@{}", b.addr),
        &format!("http://{host}/users/bob"),
    );
    assert_unresolved(&a, &alice, &format!("http://{host}/users/bob")).await;

    // A spoofer on the stub claims "alice", whom the stub's WebFinger maps to another actor:
    // the spoofer is refused, and the real one gets the acct.
    let (mallory, _) = actor(&host, "/users/mallory", "alice");
    let (real_alice, _) = actor(&host, "/users/alice", "alice");
    stub.serve("/users/mallory", mallory);
    stub.serve("/users/alice", real_alice);
    stub.finger(
        &format!("alice@{host}"),
        &format!("alice@{host}"),
        &format!("http://{host}/users/alice"),
    );
    assert_unresolved(&a, &alice, &format!("http://{host}/users/mallory")).await;
    let spoofed: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts WHERE uri = $1")
        .bind(format!("http://{host}/users/mallory"))
        .fetch_one(&a.state.db)
        .await
        .expect("count");
    assert_eq!(spoofed, 0);
    let real_on_a = resolve(&a, &alice, &format!("alice@{host}")).await;
    let (_, real) = a
        .get(&format!("/api/v1/accounts/{real_on_a}"), Some(&alice.token))
        .await;
    assert_eq!(real["acct"], format!("alice@{host}"));
    let uri: String = sqlx::query_scalar("SELECT uri FROM accounts WHERE id = $1")
        .bind(real_on_a.parse::<i64>().expect("id"))
        .fetch_one(&a.state.db)
        .await
        .expect("uri");
    assert_eq!(uri, format!("http://{host}/users/alice"));

    // An actor whose host has no WebFinger at all is not taken either.
    let (nobody, _) = actor(&host, "/users/nobody", "nobody");
    stub.serve("/users/nobody", nobody);
    assert_unresolved(&a, &alice, &format!("http://{host}/users/nobody")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_domain_webfinger_names_the_account() {
    // Actors live on `social` (the stub serving documents); WebFinger for the handle
    // domain lives on `handle` (another stub), as with example.com / social.example.com.
    let (social, social_host) = StubHost::start().await;
    let (handle, handle_host) = StubHost::start().await;
    let actor_url = format!("http://{social_host}/users/dana");
    let (dana, _) = actor(&social_host, "/users/dana", "dana");
    social.serve("/users/dana", dana);
    // The actor's host sends dana@social to dana@handle; the handle domain confirms it.
    social.finger(
        &format!("dana@{social_host}"),
        &format!("dana@{handle_host}"),
        &actor_url,
    );
    handle.finger(
        &format!("dana@{handle_host}"),
        &format!("dana@{handle_host}"),
        &actor_url,
    );

    let a = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let by_url = resolve(&a, &alice, &actor_url).await;
    let (_, dana) = a
        .get(&format!("/api/v1/accounts/{by_url}"), Some(&alice.token))
        .await;
    assert_eq!(dana["acct"], format!("dana@{handle_host}"), "{dana}");
    // The handle finds the same account.
    let by_handle = resolve(&a, &alice, &format!("dana@{handle_host}")).await;
    assert_eq!(by_handle, by_url);

    // A handle domain whose WebFinger points elsewhere does not confirm the redirect.
    let (eve, _) = actor(&social_host, "/users/eve", "eve");
    social.serve("/users/eve", eve);
    social.finger(
        &format!("eve@{social_host}"),
        &format!("eve@{handle_host}"),
        &format!("http://{social_host}/users/eve"),
    );
    handle.finger(
        &format!("eve@{handle_host}"),
        &format!("eve@{handle_host}"),
        &format!("http://{social_host}/users/someone-else"),
    );
    assert_unresolved(&a, &alice, &format!("http://{social_host}/users/eve")).await;
}

/// A count on `app`'s database, with `$1` bound to `value`.
async fn count(app: &TestApp, sql: &str, value: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(value)
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}

/// The Follow, Create and Flag a remote `actor` sends to make itself heard by `alice`.
fn writes(actor: &str, alice: &str, n: u32) -> [Value; 3] {
    let note = format!("{actor}/statuses/{n}");
    [
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}#follows/{n}"),
            "type": "Follow",
            "actor": actor,
            "object": alice,
        }),
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note}/activity"),
            "type": "Create",
            "actor": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": actor,
                "content": format!("<p>post {n}</p>"),
                "published": "2026-01-01T00:00:00Z",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [alice],
                "tag": [{ "type": "Mention", "href": alice }],
            },
        }),
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}#flags/{n}"),
            "type": "Flag",
            "actor": actor,
            "object": [alice],
            "content": "a report",
        }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_actors_write_nothing() {
    // No workers at first: what the inbox persists stays visible in the queue.
    let app = TestApp::spawn_with(|c| c.jobs.workers = 0).await;
    let alice = app.register("alice").await;
    let alice_uri = app.url("/users/alice");
    let boss = app.admin().await;
    let stub = delivery::Stub::start().await;
    let mallory_uri = stub.actor_url("mallory");
    let mallory = rookery::service::remote::fetch_actor(&app.state, &mallory_uri)
        .await
        .expect("mallory is known")
        .id;
    let queued = async || {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'process_inbox'")
            .fetch_one(&app.state.db)
            .await
            .expect("count");
        n
    };

    // Sent while she is in good standing: queued, not yet processed.
    for activity in writes(&mallory_uri, &alice_uri, 1) {
        assert_eq!(
            stub.send(&app, "mallory", activity).await,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(queued().await, 3);

    let (status, body) = app
        .post(
            &format!("/api/v1/admin/accounts/{mallory}/action"),
            Some(&boss.token),
            json!({ "type": "suspend" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Suspended: accepted, as Mastodon answers, and nothing is persisted…
    for activity in writes(&mallory_uri, &alice_uri, 2) {
        assert_eq!(
            stub.send(&app, "mallory", activity).await,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(queued().await, 3, "nothing new is queued");
    // …except what only takes something back, which Mastodon also takes from her.
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{mallory_uri}/statuses/99#delete"),
        "type": "Delete",
        "actor": mallory_uri,
        "object": format!("{mallory_uri}/statuses/99"),
    });
    assert_eq!(
        stub.send(&app, "mallory", delete).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(queued().await, 4);

    // The activities queued before the suspension are dropped when their turn comes.
    let (_stop, workers) = tokio::sync::watch::channel(false);
    rookery::jobs::spawn_workers(&app.state, 1, workers);
    app.drain_jobs().await;
    let follows = "SELECT (SELECT count(*) FROM follows WHERE account_id = $1) \
                   + (SELECT count(*) FROM follow_requests WHERE account_id = $1)";
    let statuses = "SELECT count(*) FROM statuses WHERE account_id = $1";
    let reports = "SELECT count(*) FROM reports WHERE account_id = $1";
    assert_eq!(count(&app, follows, mallory).await, 0, "no follow");
    assert_eq!(count(&app, statuses, mallory).await, 0, "no status");
    assert_eq!(count(&app, reports, mallory).await, 0, "no report");

    // Lifting the suspension brings none of it back.
    let (status, body) = app
        .post(
            &format!("/api/v1/admin/accounts/{mallory}/unsuspend"),
            Some(&boss.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, followers) = app
        .get(
            &format!("/api/v1/accounts/{}/followers", alice.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(followers, json!([]));
    assert_eq!(count(&app, statuses, mallory).await, 0);
    assert_eq!(count(&app, reports, mallory).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_made_for_another_host_are_refused() {
    let app = TestApp::spawn_with(|c| c.jobs.workers = 0).await;
    let alice = app.register("alice").await;
    let stub = delivery::Stub::start().await;
    let actor = stub.actor_url("mallory");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}#follows/1"),
        "type": "Follow",
        "actor": actor,
        "object": app.url(&format!("/users/{}", alice.username)),
    });
    // Signed for another server (its Host), then replayed here.
    let elsewhere = stub.addr.to_string();
    for host in [elsewhere.as_str(), "social.example"] {
        let status = stub
            .send_as_if_to(&app, "mallory", follow.clone(), Some(host))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{host}");
    }
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'process_inbox'")
        .fetch_one(&app.state.db)
        .await
        .expect("count");
    assert_eq!(queued, 0, "nothing is stored");
    // The same activity signed for this instance is taken.
    assert_eq!(
        stub.send(&app, "mallory", follow).await,
        StatusCode::ACCEPTED
    );
}
