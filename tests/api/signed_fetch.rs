//! Signed GETs: Rookery signs its fetches with the instance actor, serves followers-only and
//! direct notes only to permitted signers, answers 410 for deleted notes, and in
//! authorized-fetch mode refuses unsigned ActivityPub GETs.

use reqwest::StatusCode;
use rookery::federation::fetch::{self, FetchError, Fetched, KeySigner, Unsigned};
use rookery::federation::signature::SigningKey;
use serde_json::json;

use crate::helpers::federation::{eventually, relationship, resolve};
use crate::helpers::{keys, TestApp, TestUser};

const AS_JSON: &str = "application/activity+json";

/// A signer for `username`'s key on `app`, as that instance would sign.
async fn signer_of(app: &TestApp, username: &str) -> KeySigner {
    let account = rookery::store::accounts::local_by_username(&app.state.db, username)
        .await
        .expect("db")
        .expect("account");
    let (key_id, pem) = rookery::store::accounts::private_key(&app.state.db, account.id)
        .await
        .expect("db")
        .expect("key");
    KeySigner {
        key: SigningKey::from_pem(&pem).expect("key"),
        key_id,
    }
}

/// GETs `url` from `from`'s HTTP client, signed by `signer` (or not).
async fn get_as(
    from: &TestApp,
    signer: Option<&KeySigner>,
    url: &str,
) -> Result<Fetched, FetchError> {
    let policy = from.state.fetch_policy();
    match signer {
        Some(s) => fetch::fetch_document(&from.state.http, &policy, s, url).await,
        None => fetch::fetch_document(&from.state.http, &policy, &Unsigned, url).await,
    }
}

fn status_of(result: &Result<Fetched, FetchError>) -> u16 {
    match result {
        Ok(_) => 200,
        Err(FetchError::Status(code)) => *code,
        Err(e) => panic!("unexpected fetch error {e}"),
    }
}

/// Bob and carol on B; bob follows alice on A (accepted); carol does not.
async fn alice_bob_and_carol() -> (TestApp, TestApp, TestUser, TestUser, TestUser) {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let carol = b.register("carol").await;
    let alice_on_b = resolve(&b, &bob, &format!("alice@{}", a.addr)).await;
    b.post(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "bob follows alice", async || {
        relationship(&b, &bob, &alice_on_b).await["following"] == true
    })
    .await;
    (a, b, alice, bob, carol)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_and_direct_notes_only_for_permitted_signers() {
    let (a, b, alice, _bob, _carol) = alice_bob_and_carol().await;
    let bob_signs = signer_of(&b, "bob").await;
    let carol_signs = signer_of(&b, "carol").await;

    let private = a
        .post_status(&alice, "for followers", json!({"visibility": "private"}))
        .await;
    let uri = private["uri"].as_str().expect("uri").to_string();
    // Anonymous and non-follower: as if it did not exist.
    assert_eq!(status_of(&get_as(&b, None, &uri).await), 404);
    assert_eq!(status_of(&get_as(&b, Some(&carol_signs), &uri).await), 404);
    assert_eq!(
        status_of(&get_as(&b, Some(&carol_signs), &format!("{uri}/activity")).await),
        404
    );
    // The follower gets the note, addressed to followers only.
    let note = get_as(&b, Some(&bob_signs), &uri).await.expect("note");
    assert_eq!(note.document["type"], "Note");
    assert_eq!(note.document["id"], uri.as_str());
    assert_eq!(
        note.document["to"],
        json!([a.url("/users/alice/followers")])
    );
    assert!(!note.document.to_string().contains("#Public"));
    let create = get_as(&b, Some(&bob_signs), &format!("{uri}/activity"))
        .await
        .expect("activity");
    assert_eq!(create.document["type"], "Create");
    assert_eq!(create.document["object"]["id"], uri.as_str());

    // Direct: only the mentioned carol, not the follower bob.
    let direct = a
        .post_status(
            &alice,
            &format!("psst @carol@{}", b.addr),
            json!({"visibility": "direct"}),
        )
        .await;
    let direct_uri = direct["uri"].as_str().expect("uri").to_string();
    assert_eq!(
        status_of(&get_as(&b, Some(&bob_signs), &direct_uri).await),
        404
    );
    let seen = get_as(&b, Some(&carol_signs), &direct_uri)
        .await
        .expect("direct note");
    assert_eq!(seen.document["to"], json!([b.url("/users/carol")]));

    // Forged: carol's key id with a key that is not hers is a 401, not the note.
    let (stranger, _) = keys::key_pair();
    let forged = KeySigner {
        key: SigningKey::from_pem(&stranger).expect("key"),
        key_id: carol_signs.key_id.clone(),
    };
    assert_eq!(
        status_of(&get_as(&b, Some(&forged), &direct_uri).await),
        401
    );
    // A signature that cannot be read, or an RFC 9421 one, is a 401 too.
    for (name, value) in [("signature", "garbage"), ("signature", "sig1=:AAAA:")] {
        let res = a
            .client
            .get(&direct_uri)
            .header("accept", AS_JSON)
            .header(name, value)
            .header("signature-input", "sig1=(\"@method\");keyid=\"x\"")
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }

    // Deleted: 410 with a Tombstone, for the follower and for anyone.
    let (status, _) = a
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{}", private["id"].as_str().expect("id")),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let res = a
        .client
        .get(&uri)
        .header("accept", AS_JSON)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::GONE);
    let tombstone: serde_json::Value = res.json().await.expect("json");
    assert_eq!(tombstone["type"], "Tombstone");
    assert_eq!(tombstone["id"], uri.as_str());
    assert_eq!(tombstone["formerType"], "Note");
    assert!(tombstone["deleted"].is_string());
    assert_eq!(status_of(&get_as(&b, Some(&bob_signs), &uri).await), 410);
    // A status that never existed stays a 404.
    assert_eq!(
        status_of(&get_as(&b, None, &a.url("/users/alice/statuses/12345")).await),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorized_fetch_requires_signed_gets() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn_with(|c| c.federation.authorized_fetch = true).await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let public = b.post_status(&bob, "hello", json!({})).await;
    let public_uri = public["uri"].as_str().expect("uri");

    // Unsigned ActivityPub GETs are refused; pages for browsers and the instance actor are not.
    let public_path = format!("/@bob/{}", public["id"].as_str().expect("id"));
    for path in [
        "/users/bob",
        "/@bob",
        public_path.as_str(),
        "/users/bob/outbox",
        "/users/bob/followers",
        "/users/bob/following",
        "/users/bob/collections/featured",
        "/users/bob/collections/tags",
    ] {
        let res = b
            .client
            .get(b.url(path))
            .header("accept", AS_JSON)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    assert_eq!(status_of(&get_as(&a, None, public_uri).await), 401);
    let res = b.client.get(b.url("/users/bob")).send().await.expect("get");
    assert!(
        res.status().is_redirection(),
        "browsers still get the profile"
    );
    let res = b
        .client
        .get(b.url("/actor"))
        .header("accept", AS_JSON)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK, "the instance actor is public");

    // Signed by A's instance actor (as A's fetcher does), everything is readable.
    let a_instance = rookery::service::instance_actor::signer(&a.state)
        .await
        .expect("signer");
    assert_eq!(a_instance.key_id, a.url("/actor#main-key"));
    let note = get_as(&a, Some(&a_instance), public_uri)
        .await
        .expect("note");
    assert_eq!(note.document["content"], public["content"]);

    // A resolves bob and follows him: every fetch A makes is signed.
    let bob_on_a = resolve(&a, &alice, &format!("bob@{}", b.addr)).await;
    a.post(
        &format!("/api/v1/accounts/{bob_on_a}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await;
    eventually(&a, &b, "alice follows bob", async || {
        relationship(&a, &alice, &bob_on_a).await["following"] == true
    })
    .await;

    // A signature by someone else's key under A's instance key id is refused.
    let (stranger, _) = keys::key_pair();
    let forged = KeySigner {
        key: SigningKey::from_pem(&stranger).expect("key"),
        key_id: a_instance.key_id.clone(),
    };
    assert_eq!(status_of(&get_as(&a, Some(&forged), public_uri).await), 401);
    // B's own users' keys cannot sign for remote requests to B.
    let bob_signs = signer_of(&b, "bob").await;
    assert_eq!(
        status_of(&get_as(&a, Some(&bob_signs), public_uri).await),
        401
    );
}
