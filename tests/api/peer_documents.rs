//! Actor and note documents shaped like those of Mastodon, GoToSocial, Akkoma/Pleroma and
//! Misskey (tests/fixtures/activitypub/, written from their documented shapes) are parsed,
//! checked and stored as the inbox and fetcher would; activities of those shapes delivered to
//! the inbox are acted on, or counted when Rookery does not act on their kind.

use rookery::federation::remote_note::{note_from, own_note};
use rookery::federation::signature::VerifyingKey;
use rookery::federation::vocab::inbound::Object;
use rookery::federation::vocab::RemoteActor;
use rookery::model::{Account, Visibility};
use serde_json::Value;

use crate::helpers::TestApp;

fn typed(document: Value) -> Object {
    serde_json::from_value(document).expect("an object")
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/activitypub/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

async fn store_actor(app: &TestApp, name: &str) -> Account {
    let document = fixture(name);
    let actor: RemoteActor = serde_json::from_value(document).expect("actor parses");
    VerifyingKey::from_pem(&actor.public_key.public_key_pem).expect("key usable");
    // The fixtures' hosts do not exist: their handles are taken as WebFinger would confirm them.
    let handle = rookery::service::remote::Handle {
        username: actor.preferred_username.clone(),
        domain: rookery::service::moderation::domains::host_of(&actor.id).expect("host"),
    };
    rookery::service::remote::store_as(&app.state, &actor, &handle)
        .await
        .expect("actor stored")
}

/// The note stored from the fixture `name` by `author`, as the inbox stores it.
async fn store_note(
    app: &TestApp,
    name: &str,
    author: &Account,
) -> (
    rookery::service::statuses::RemoteNote,
    rookery::model::Status,
) {
    let object: Object = serde_json::from_value(fixture(name)).expect("a note");
    let uri = own_note(&object, author).expect("the author's own note");
    let note = note_from(&object, author, uri);
    let check = note_from(&object, author, uri);
    rookery::service::statuses::receive_remote(&app.state, author, note)
        .await
        .expect("note stored");
    let id = rookery::store::statuses::id_by_uri_or_url(&app.state.db, uri)
        .await
        .expect("db")
        .expect("stored");
    let status = rookery::store::statuses::by_id(&app.state.db, id)
        .await
        .expect("db")
        .expect("status");
    (check, status)
}

fn assert_clean(html: &str) {
    for bad in ["<script", "onerror", "alert("] {
        assert!(!html.contains(bad), "{bad} survived in {html}");
    }
}

#[tokio::test]
async fn mastodon_documents() {
    let app = TestApp::spawn().await;
    let alice = store_actor(&app, "mastodon_actor").await;
    assert_eq!(alice.username, "alice");
    assert_eq!(alice.domain.as_deref(), Some("mastodon.example"));
    assert_eq!(alice.display_name, "Alice :blobcat:");
    assert_clean(&alice.note);
    assert!(alice.note.contains("#<span>rust</span>"));
    assert!(!alice.locked);
    assert!(alice.discoverable);
    assert_eq!(
        alice.url.as_deref(),
        Some("https://mastodon.example/@alice")
    );
    assert_eq!(
        alice.shared_inbox_url.as_deref(),
        Some("https://mastodon.example/inbox")
    );
    assert_eq!(
        alice.featured_url,
        "https://mastodon.example/users/alice/collections/featured"
    );
    assert_eq!(
        alice.public_key_id,
        "https://mastodon.example/users/alice#main-key"
    );
    assert_eq!(
        alice.avatar_url.as_deref(),
        Some("https://files.mastodon.example/accounts/avatars/alice.png")
    );
    assert_eq!(
        alice.header_url.as_deref(),
        Some("https://files.mastodon.example/accounts/headers/alice.jpg")
    );
    assert_eq!(
        alice.also_known_as,
        vec!["https://old.example/users/alice".to_string()]
    );
    assert_eq!(alice.fields.len(), 1);
    assert_eq!(alice.fields[0].name, "Website");
    assert!(alice.fields[0]
        .value
        .contains("href=\"https://alice.example\""));
    assert_eq!(alice.created_at.to_rfc3339(), "2022-11-05T00:00:00+00:00");

    let (note, status) = store_note(&app, "mastodon_note", &alice).await;
    assert_eq!(note.visibility, Visibility::Public);
    assert_eq!(
        note.mentions,
        vec!["https://gts.example/users/bob".to_string()]
    );
    assert_eq!(note.tags, vec!["#Rust".to_string()]);
    assert_eq!(note.language.as_deref(), Some("en"));
    assert_eq!(note.in_reply_to, None);
    assert_eq!(status.visibility, Visibility::Public);
    assert_eq!(
        status.url.as_deref(),
        Some("https://mastodon.example/@alice/113000000000000001")
    );
    assert!(!status.sensitive);
    assert_eq!(status.spoiler_text, "");
    assert_clean(&status.content);
    assert!(status.content.contains("look at"));
    let tags = rookery::store::statuses::tags_of(&app.state.db, &[status.id])
        .await
        .expect("db");
    assert_eq!(
        format!("{tags:?}").to_lowercase().matches("rust").count(),
        1,
        "{tags:?}"
    );

    // Someone else's note under alice's name is refused.
    let mut forged = fixture("mastodon_note");
    forged["attributedTo"] = Value::String("https://mastodon.example/users/mallory".into());
    assert!(own_note(&typed(forged), &alice).is_err());
    let mut elsewhere = fixture("mastodon_note");
    elsewhere["id"] = Value::String("https://evil.example/users/alice/statuses/1".into());
    assert!(own_note(&typed(elsewhere), &alice).is_err());
}

#[tokio::test]
async fn gotosocial_documents() {
    let app = TestApp::spawn().await;
    let bob = store_actor(&app, "gotosocial_actor").await;
    assert_eq!(bob.username, "bob");
    assert_eq!(bob.domain.as_deref(), Some("gts.example"));
    assert!(bob.locked, "GoToSocial accounts are locked by default");
    assert_eq!(bob.shared_inbox_url, None, "no shared inbox advertised");
    assert_eq!(bob.public_key_id, "https://gts.example/users/bob/main-key");
    assert_eq!(bob.fields[0].name, "pronouns");
    assert_eq!(bob.fields[0].value, "he/him");
    assert_eq!(bob.url.as_deref(), Some("https://gts.example/@bob"));

    // `to` and `cc` as single strings, a single `tag` object, a content warning, a reply.
    let (note, status) = store_note(&app, "gotosocial_note", &bob).await;
    assert_eq!(note.visibility, Visibility::Private);
    assert_eq!(
        note.mentions,
        vec!["https://mastodon.example/users/alice".to_string()]
    );
    assert_eq!(
        note.in_reply_to.as_deref(),
        Some("https://mastodon.example/users/alice/statuses/113000000000000001")
    );
    assert_eq!(status.visibility, Visibility::Private);
    assert!(status.sensitive);
    assert_eq!(status.spoiler_text, "cw: greetings");
    assert_clean(&status.content);
}

#[tokio::test]
async fn akkoma_documents() {
    let app = TestApp::spawn().await;
    // Its key is PKCS#1 ("BEGIN RSA PUBLIC KEY"), which must work as well as SPKI.
    let carol = store_actor(&app, "akkoma_actor").await;
    assert!(carol.public_key_pem.contains("BEGIN RSA PUBLIC KEY"));
    assert_eq!(carol.username, "carol");
    assert_eq!(carol.display_name, "Carol bold", "names are plain text");
    assert_eq!(
        carol.shared_inbox_url.as_deref(),
        Some("https://akkoma.example/inbox")
    );
    assert_eq!(
        carol.avatar_url.as_deref(),
        Some("https://akkoma.example/media/carol.png")
    );
    assert!(!carol.discoverable);

    // Addressed to one person only: direct. `sensitive: null`, microsecond timestamps.
    let (note, status) = store_note(&app, "akkoma_note", &carol).await;
    assert_eq!(note.visibility, Visibility::Direct);
    assert_eq!(
        note.mentions,
        vec!["https://mastodon.example/users/alice".to_string()]
    );
    assert_eq!(status.visibility, Visibility::Direct);
    assert!(!status.sensitive);
    assert_eq!(
        status.created_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "2026-11-20T12:00:00"
    );
    assert!(status.content.contains("just between us"));
}

#[tokio::test]
async fn misskey_documents() {
    let app = TestApp::spawn().await;
    let dave = store_actor(&app, "misskey_actor").await;
    assert_eq!(dave.username, "dave");
    assert_eq!(dave.domain.as_deref(), Some("misskey.example"));
    assert_eq!(dave.uri, "https://misskey.example/users/9xyz0abc12");
    assert_eq!(dave.url.as_deref(), Some("https://misskey.example/@dave"));
    assert_eq!(dave.header_url, None, "a null image is no header");
    assert_eq!(
        dave.avatar_url.as_deref(),
        Some("https://misskey.example/files/dave-avatar")
    );
    assert_eq!(
        dave.shared_inbox_url.as_deref(),
        Some("https://misskey.example/inbox")
    );
    assert_eq!(dave.fields[0].name, "Homepage");

    // Followers in `to`, Public in `cc`: unlisted. The MFM source stays out; the HTML is used.
    let (note, status) = store_note(&app, "misskey_note", &dave).await;
    assert_eq!(note.visibility, Visibility::Unlisted);
    assert_eq!(note.tags, vec!["#misskey".to_string()]);
    assert_eq!(status.visibility, Visibility::Unlisted);
    assert!(status.content.contains("hello"));
    assert_clean(&status.content);
}

/// The documented activity `name`, as if `eve` (the stub actor at `eve_uri`) had sent it as
/// her `n`th activity about `object`.
fn sent_by_eve(name: &str, eve_uri: &str, n: usize, object: &str) -> Value {
    let mut doc = fixture(name);
    doc["id"] = Value::String(format!("{eve_uri}/activities/{n}"));
    doc["actor"] = Value::String(eve_uri.to_string());
    match doc.get_mut("object") {
        Some(Value::Object(embedded)) => {
            embedded.insert("id".into(), format!("{eve_uri}/objects/{n}").into());
            if embedded.contains_key("attributedTo") {
                embedded.insert("attributedTo".into(), eve_uri.into());
            }
        }
        Some(reference) => *reference = Value::String(object.to_string()),
        None => {}
    }
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_activities_are_acted_on_or_counted() {
    let a = TestApp::spawn().await;
    let alice = a.register("alice").await;
    let post = a
        .post_status(&alice, "a heron", serde_json::json!({}))
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let (_stub, host, eve_signs) = crate::helpers::federation::eve(|_| {}).await;
    let eve_uri = format!("http://{host}/users/eve");
    // Akkoma's emoji reaction is a favourite, and its Undo withdraws it.
    let id = post["id"].as_str().expect("id");
    let react = sent_by_eve("akkoma_emoji_react", &eve_uri, 100, &uri);
    assert_eq!(
        crate::helpers::federation::post_signed(&a, &eve_signs, &react).await,
        reqwest::StatusCode::ACCEPTED
    );
    a.drain_jobs().await;
    let (_, seen) = a.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert_eq!(seen["favourites_count"], 1, "{seen}");
    let undo = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{eve_uri}/activities/101"),
        "type": "Undo",
        "actor": eve_uri,
        "object": react,
    });
    crate::helpers::federation::post_signed(&a, &eve_signs, &undo).await;
    a.drain_jobs().await;
    let (_, seen) = a.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert_eq!(seen["favourites_count"], 0, "{seen}");
    let names = [
        // Misskey's reactions are likes, and Akkoma's and Pleroma's emoji reactions count as
        // likes too: one favourite (eve's).
        "misskey_like_reaction",
        "akkoma_emoji_react",
        "akkoma_emoji_react_custom",
        // Nothing Rookery does: counted.
        "akkoma_chat_message",
        "lemmy_announce_create_page",
        "lemmy_announce_like",
    ];
    for (n, name) in names.into_iter().enumerate() {
        let activity = sent_by_eve(name, &eve_uri, n, &uri);
        assert_eq!(
            crate::helpers::federation::post_signed(&a, &eve_signs, &activity).await,
            reqwest::StatusCode::ACCEPTED,
            "{name}"
        );
    }
    a.drain_jobs().await;
    let (_, seen) = a.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert_eq!(seen["favourites_count"], 1, "{seen}");
    assert_eq!(a.state.metrics.activities_unhandled("EmojiReact"), 0);
    // A Create of a chat message and a community's Announce of activities.
    assert_eq!(a.state.metrics.activities_unhandled("other"), 3);
}
