//! What Rookery sends, checked two ways: against the documents it sent before the outbound
//! vocabulary was typed (tests/fixtures/rookery/, so that no peer sees a change), and read
//! back through Rookery's own inbound parser (every field read equals the field sent).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use super::{OrderedCollection, Tombstone, WithContext};
use crate::federation::{convert, moderation};
use crate::model::{Account, Media, ProfileField, Status, StatusView, Visibility};

const BASE: &str = "https://rookery.example";

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000 + secs, 0)
        .single()
        .unwrap_or_default()
}

fn local(username: &str) -> Account {
    let uri = format!("{BASE}/users/{username}");
    Account {
        id: 1,
        username: username.into(),
        display_name: format!("{username} of the rookery"),
        note: "<p>I keep birds</p>".into(),
        fields: vec![ProfileField {
            name: "Site".into(),
            value: "<a href=\"https://birds.example\">birds.example</a>".into(),
            value_source: "https://birds.example".into(),
            verified_at: None,
        }],
        locked: true,
        discoverable: true,
        indexable: false,
        actor_type: "Person".into(),
        header_url: Some(format!("{BASE}/system/headers/{username}.png")),
        url: Some(format!("{BASE}/@{username}")),
        inbox_url: format!("{uri}/inbox"),
        outbox_url: format!("{uri}/outbox"),
        followers_url: format!("{uri}/followers"),
        following_url: format!("{uri}/following"),
        featured_url: format!("{uri}/collections/featured"),
        public_key_id: format!("{uri}#main-key"),
        public_key_pem: "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----\n".into(),
        also_known_as: vec!["https://old.example/users/alice".into()],
        created_at: at(0),
        updated_at: at(0),
        uri,
        ..Account::default()
    }
}

fn remote(username: &str, domain: &str) -> Account {
    let uri = format!("https://{domain}/users/{username}");
    Account {
        id: 2,
        username: username.into(),
        domain: Some(domain.into()),
        actor_type: "Person".into(),
        inbox_url: format!("{uri}/inbox"),
        shared_inbox_url: Some(format!("https://{domain}/inbox")),
        followers_url: format!("{uri}/followers"),
        uri,
        ..Account::default()
    }
}

fn status(author: &Account, id: i64, visibility: Visibility) -> Status {
    let uri = format!("{}/statuses/{id}", author.uri);
    Status {
        id,
        url: Some(format!("{BASE}/@{}/{id}", author.username)),
        uri,
        account_id: author.id,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: None,
        conversation_id: 1,
        text: String::new(),
        content: "<p>hello</p>".into(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility,
        language: None,
        local: true,
        application_id: None,
        created_at: at(60),
        edited_at: None,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        application_name: None,
        application_website: None,
    }
}

fn media(id: i64, kind: &str, content_type: &str) -> Media {
    Media {
        id,
        account_id: 1,
        status_id: None,
        position: 0,
        kind: kind.into(),
        content_type: Some(content_type.into()),
        file_key: None,
        preview_key: None,
        file_size: None,
        width: Some(640),
        height: Some(480),
        preview_width: None,
        preview_height: None,
        blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj".into()),
        description: String::new(),
        focus_x: 0.25,
        focus_y: -0.5,
        remote_url: None,
        preview_remote_url: None,
        processing: "done".into(),
        file_meta: None,
        created_at: at(30),
        url: Some(format!("{BASE}/system/media/{id}.bin")),
        preview_url: Some(format!("{BASE}/system/media/{id}-small.jpg")),
    }
}

fn view(status: Status, author: &Account) -> StatusView {
    StatusView {
        status,
        account: Arc::new(author.clone()),
        mentions: Vec::new(),
        tags: Vec::new(),
        media: Vec::new(),
        reblog: None,
        viewer: None,
        filtered: Vec::new(),
    }
}

/// A public reply with a content warning, a language, a mention, a hashtag, an image (alt
/// text, focal point) and a video (its own thumbnail), edited once.
fn rich_view() -> StatusView {
    let alice = local("alice");
    let bob = remote("bob", "mastodon.example");
    let mut s = status(&alice, 101, Visibility::Public);
    s.content = "<p>@bob look #Rust</p>".into();
    s.spoiler_text = "birds".into();
    s.sensitive = true;
    s.language = Some("en".into());
    s.edited_at = Some(at(120));
    let mut v = view(s, &alice);
    v.mentions = vec![Arc::new(bob)];
    v.tags = vec!["Rust".into()];
    let mut image = media(7, "image", "image/png");
    image.description = "a heron".into();
    let mut video = media(8, "video", "video/mp4");
    video.preview_key = Some("ab/cd/thumb.jpg".into());
    video.width = None;
    v.media = vec![image, video];
    v
}

/// A direct note to a local and a remote account, no language, no media.
fn direct_view() -> StatusView {
    let alice = local("alice");
    let mut s = status(&alice, 102, Visibility::Direct);
    s.content = "<p>psst</p>".into();
    let mut v = view(s, &alice);
    v.mentions = vec![
        Arc::new(remote("bob", "mastodon.example")),
        Arc::new(local("carol")),
    ];
    v
}

/// A boost of `original_uri` by alice with `visibility`.
fn boost(visibility: Visibility) -> Status {
    let alice = local("alice");
    let mut s = status(&alice, 103, visibility);
    s.reblog_of_id = Some(5);
    s.content = String::new();
    s.url = None;
    s
}

/// The parts of ids that are random (the time-sortable suffix of an `Accept`, an `Undo`, an
/// `Update`) written as `N`, so that documents compare.
fn stable(mut doc: Value) -> Value {
    if let Some(id) = doc.get("id").and_then(Value::as_str) {
        let kind = doc.get("type").and_then(Value::as_str).unwrap_or("");
        if matches!(kind, "Accept" | "Reject" | "Undo" | "Update") {
            if let Some((head, _)) = id.rsplit_once('/') {
                doc["id"] = Value::String(format!("{head}/N"));
            }
        }
    }
    doc
}

/// A document as served or delivered: with its `@context`, as JSON.
fn sent<T: serde::Serialize>(document: T) -> Value {
    serde_json::to_value(WithContext::new(document)).expect("serialises")
}

const BOB_NOTE: &str = "https://mastodon.example/users/bob/statuses/9";

/// Every kind of document Rookery serves or sends, by fixture name.
fn documents() -> Vec<(&'static str, Value)> {
    let alice = local("alice");
    let bob = remote("bob", "mastodon.example");
    let rich = rich_view();
    let direct = direct_view();
    let parent = Some(BOB_NOTE.to_string());
    let mut service = local("relay");
    service.actor_type = "Service".into();
    service.avatar_url = Some(format!("{BASE}/system/avatars/relay.png"));
    service.shared_inbox_url = None;
    service.fields = Vec::new();
    service.locked = false;
    service.memorial = true;
    let instance = local("rookery.example");
    let follow = convert::follow(&convert::follow_uri(&alice, 42), &alice, &bob);
    let announce = convert::announce(&boost(Visibility::Public), &alice, BOB_NOTE);
    let follow_of_bob = "https://mastodon.example/follows/3";
    vec![
        ("actor", sent(convert::actor(&alice, BASE))),
        ("actor-service", sent(convert::actor(&service, BASE))),
        ("note", sent(convert::note(&rich, parent.clone(), BASE))),
        ("note-direct", sent(convert::note(&direct, None, BASE))),
        (
            "create-note",
            sent(convert::create(&rich, parent.clone(), BASE)),
        ),
        (
            "create-note-direct",
            sent(convert::create(&direct, None, BASE)),
        ),
        (
            "update-note",
            sent(convert::update_note(&rich, parent.clone(), BASE)),
        ),
        ("update-person", sent(convert::update_actor(&alice, BASE))),
        (
            "delete-note",
            sent(convert::delete_note(&alice, &rich.status.uri)),
        ),
        ("delete-person", sent(moderation::delete_actor(&alice))),
        ("like", sent(convert::like(&alice, BOB_NOTE))),
        (
            "undo-like",
            sent(convert::undo(&alice, convert::like(&alice, BOB_NOTE))),
        ),
        ("announce", sent(announce.clone())),
        (
            "announce-private",
            sent(convert::announce(
                &boost(Visibility::Private),
                &alice,
                BOB_NOTE,
            )),
        ),
        (
            "undo-announce",
            sent(convert::undo(&alice, announce.clone())),
        ),
        ("follow", sent(follow.clone())),
        ("undo-follow", sent(convert::undo(&alice, follow))),
        (
            "accept-follow",
            sent(convert::accept_follow(&alice, follow_of_bob, &bob)),
        ),
        (
            "reject-follow",
            sent(convert::reject_follow(&alice, follow_of_bob, &bob)),
        ),
        ("block", sent(convert::block(&alice, &bob))),
        (
            "undo-block",
            sent(convert::undo(&alice, convert::block(&alice, &bob))),
        ),
        (
            "flag",
            sent(moderation::flag(
                &instance,
                12,
                &bob,
                &[BOB_NOTE.to_string()],
                "spam",
            )),
        ),
        (
            "tombstone",
            sent(Tombstone::deleted_note(
                rich.status.uri.clone(),
                crate::clock::timestamp(&at(600)),
            )),
        ),
        (
            "followers",
            sent(OrderedCollection::<String>::summary(
                alice.followers_url.clone(),
                3,
                Some(format!("{}?page=true", alice.followers_url)),
            )),
        ),
        (
            "followers-page",
            sent(OrderedCollection::page(
                format!("{}?page=true", alice.followers_url),
                alice.followers_url.clone(),
                3,
                Some(format!("{}?max_id=77", alice.followers_url)),
                vec![bob.uri.clone()],
            )),
        ),
        (
            "outbox-page",
            sent(OrderedCollection::page(
                format!("{}?page=true", alice.outbox_url),
                alice.outbox_url.clone(),
                2,
                None,
                vec![convert::create(&direct, None, BASE), announce],
            )),
        ),
        (
            "featured",
            sent(OrderedCollection::whole(
                alice.featured_url.clone(),
                vec![convert::note(&rich, parent, BASE)],
            )),
        ),
    ]
}

fn golden_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rookery")
}

/// Writes the documents as fixtures (`ROOKERY_BLESS=1 cargo test --lib bless -- --ignored`).
#[test]
#[ignore = "writes tests/fixtures/rookery/"]
fn bless() {
    if std::env::var_os("ROOKERY_BLESS").is_none() {
        return;
    }
    for (name, doc) in documents() {
        let text = serde_json::to_string_pretty(&stable(doc)).expect("serialises");
        std::fs::write(golden_dir().join(format!("{name}.json")), text + "\n").expect("written");
    }
}

fn golden(name: &str) -> Value {
    let path = golden_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).expect("JSON")
}

/// Peers see exactly the documents they saw before the outbound vocabulary was typed.
#[test]
fn documents_are_what_peers_have_always_read() {
    let documents = documents();
    assert_eq!(
        documents.len(),
        std::fs::read_dir(golden_dir()).expect("fixtures").count(),
        "one fixture per document"
    );
    for (name, doc) in documents {
        assert_eq!(stable(doc), golden(name), "{name}");
    }
}
