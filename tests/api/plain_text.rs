//! Names, field names, content warnings and poll options are plain text: a `&` or a `<` typed
//! on one instance reaches the other instance's clients as typed, never as `&amp;`, and the
//! public profile escapes it exactly once. (Tags in names from peers are dropped: see
//! `search::hostile_actor_documents`.)

use serde_json::{json, Value};

use crate::helpers::federation::{eventually, follow_remotely};
use crate::helpers::TestApp;

const NAME: &str = "Tom & Jerry <3";
const FIELD: &str = "Q&A, 1 < 2";
const CW: &str = "cw & a < b";
const OPTION: &str = "yes & no";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_text_crosses_instances_as_typed() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    let res = a
        .client
        .patch(a.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .json(&json!({"display_name": NAME, "fields_attributes": [{"name": FIELD, "value": "x & y"}]}))
        .send()
        .await
        .expect("patch");
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["display_name"], NAME, "{me}");
    assert_eq!(me["fields"][0]["name"], FIELD, "{me}");
    assert_eq!(me["source"]["fields"][0]["name"], FIELD, "{me}");
    assert_eq!(me["source"]["fields"][0]["value"], "x & y", "{me}");

    let actor: Value = a
        .client
        .get(a.url("/users/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert_eq!(actor["name"], NAME, "{actor}");
    assert_eq!(actor["attachment"][0]["name"], FIELD, "{actor}");

    let id = follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let (_, there) = b
        .get(&format!("/api/v1/accounts/{id}"), Some(&bob.token))
        .await;
    assert_eq!(there["display_name"], NAME, "{there}");
    assert_eq!(there["fields"][0]["name"], FIELD, "{there}");

    let post = a
        .post_status(
            &alice,
            "a question",
            json!({"spoiler_text": CW, "poll": {"options": [OPTION, "maybe"], "expires_in": 3600}}),
        )
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let mut copy = Value::Null;
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        copy = home
            .as_array()
            .and_then(|h| h.iter().find(|s| s["uri"] == uri.as_str()).cloned())
            .unwrap_or_default();
        !copy.is_null()
    })
    .await;
    assert_eq!(copy["spoiler_text"], CW, "{copy}");
    assert_eq!(copy["poll"]["options"][0]["title"], OPTION, "{copy}");
    assert_eq!(copy["account"]["display_name"], NAME, "{copy}");

    // The public profile page escapes the plain text once.
    let page = a
        .client
        .get(a.url("/@alice"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Tom &amp; Jerry &lt;3"), "{page}");
    assert!(page.contains("Q&amp;A, 1 &lt; 2"), "{page}");
    assert!(!page.contains("&amp;amp;"), "{page}");
}

/// The SQL of migration plain_text_edits_and_cards, run again below on rows written as
/// Rookery wrote them before plain_text (a migrated test database has no such rows).
const CONVERSION: &str =
    include_str!("../../migrations/20261206040001_plain_text_edits_and_cards.sql");

/// Earlier versions of a peer's status keep its content warning and poll options as sent, and
/// ones stored escaped before (with cards built from an oEmbed answer then) read as plain text
/// once the migration has turned them back; a value that cannot be escaped is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_versions_and_cards_read_as_plain_text() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let bob = b.register("bob").await;
    follow_remotely(&a, &b, &bob, &format!("alice@{}", a.addr)).await;
    let post = a
        .post_status(
            &alice,
            "a question",
            json!({"spoiler_text": CW, "poll": {"options": [OPTION, "maybe"], "expires_in": 3600}}),
        )
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let mut id = String::new();
    eventually(&a, &b, "the post reaches bob", async || {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        id = home
            .as_array()
            .and_then(|h| h.iter().find(|s| s["uri"] == uri.as_str()))
            .and_then(|s| s["id"].as_str())
            .unwrap_or_default()
            .to_string();
        !id.is_empty()
    })
    .await;
    a.edit_status(
        &alice,
        post["id"].as_str().expect("id"),
        "a question, edited",
    )
    .await;
    let history_path = format!("/api/v1/statuses/{id}/history");
    let mut history = Value::Null;
    eventually(&a, &b, "the edit reaches bob", async || {
        history = b.get(&history_path, Some(&bob.token)).await.1;
        history.as_array().is_some_and(|h| h.len() == 2)
    })
    .await;
    // Stored as sent.
    assert_eq!(history[0]["spoiler_text"], CW, "{history}");
    assert_eq!(
        history[0]["poll"]["options"][0]["title"], OPTION,
        "{history}"
    );

    // The same version as stored before plain_text (dated before it ran), a later one whose
    // CW was typed with an entity in it, and a video card from an oEmbed answer of then.
    let status_id: i64 = id.parse().expect("id");
    let before_plain_text =
        "(SELECT installed_on FROM _sqlx_migrations WHERE version = 20261205050001)";
    sqlx::query(&format!(
        "UPDATE status_edits SET spoiler_text = 'cw &amp; a &lt; b', \
           poll_options = ARRAY['yes &amp; no', 'maybe'], \
           id = (floor(extract(epoch FROM {before_plain_text}) * 1000)::bigint - 1000) << 16 \
         WHERE status_id = $1"
    ))
    .bind(status_id)
    .execute(&b.state.db)
    .await
    .expect("an old edit");
    sqlx::query(
        "INSERT INTO status_edits (id, status_id, content, spoiler_text, sensitive, created_at) \
         VALUES ((floor(extract(epoch FROM now()) * 1000)::bigint << 16) + 1, $1, '<p>x</p>', \
                 'typed &amp; kept', true, now())",
    )
    .bind(status_id)
    .execute(&b.state.db)
    .await
    .expect("a later edit");
    sqlx::query(&format!(
        "WITH card AS (INSERT INTO preview_cards (id, url, ok, type, title, author_name, \
             author_url, provider_name, authors, fetched_at) \
           VALUES (4242, 'https://video.example/watch/1', true, 'video', 'Tom &amp; Jerry &lt;3', \
             'A &amp; B', 'https://video.example/a', 'Tube &amp; Co', \
             '[{{\"name\": \"A &amp; B\", \"url\": \"https://video.example/a\"}}]', \
             {before_plain_text} - interval '1 minute') RETURNING id) \
         INSERT INTO status_preview_cards (status_id, card_id) SELECT $1, id FROM card"
    ))
    .bind(status_id)
    .execute(&b.state.db)
    .await
    .expect("an old card");
    let history = b.get(&history_path, Some(&bob.token)).await.1;
    assert_eq!(history[0]["spoiler_text"], "cw &amp; a &lt; b", "{history}");
    let (_, status) = b
        .get(&format!("/api/v1/statuses/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status["card"]["title"], "Tom &amp; Jerry &lt;3", "{status}");

    sqlx::raw_sql(CONVERSION)
        .execute(&b.state.db)
        .await
        .expect("the migration's SQL");
    let history = b.get(&history_path, Some(&bob.token)).await.1;
    assert_eq!(history.as_array().map(Vec::len), Some(3), "{history}");
    assert_eq!(history[0]["spoiler_text"], CW, "{history}");
    assert_eq!(
        history[0]["poll"]["options"][0]["title"], OPTION,
        "{history}"
    );
    assert_eq!(
        history[0]["poll"]["options"][1]["title"], "maybe",
        "{history}"
    );
    assert_eq!(history[1]["spoiler_text"], "typed &amp; kept", "{history}");
    let (_, status) = b
        .get(&format!("/api/v1/statuses/{id}"), Some(&bob.token))
        .await;
    let card = &status["card"];
    assert_eq!(card["title"], "Tom & Jerry <3", "{status}");
    assert_eq!(card["author_name"], "A & B", "{status}");
    assert_eq!(card["provider_name"], "Tube & Co", "{status}");
    assert_eq!(card["authors"][0]["name"], "A & B", "{status}");
    assert_eq!(
        card["authors"][0]["url"], "https://video.example/a",
        "{status}"
    );
}
