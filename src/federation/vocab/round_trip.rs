//! What Rookery sends, checked two ways: against the documents it sent before the outbound
//! vocabulary was typed (tests/fixtures/rookery/, so that no peer sees a change), and read
//! back through Rookery's own inbound parser (every field read equals the field sent).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

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
        public_key_pem: "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----\n"
            .into(),
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

/// Every kind of document Rookery serves or sends, by fixture name.
fn documents() -> Vec<(&'static str, Value)> {
    let alice = local("alice");
    let bob = remote("bob", "mastodon.example");
    let rich = rich_view();
    let direct = direct_view();
    let parent = Some("https://mastodon.example/users/bob/statuses/9".to_string());
    let context = crate::federation::vocab::context();
    let with_context = |doc: Value| -> Value {
        let mut doc = doc;
        if let Some(map) = doc.as_object_mut() {
            map.insert("@context".into(), context.clone());
        }
        doc
    };
    let to_value = |doc: Value| with_context(doc);
    let ser = |v: Result<Value, serde_json::Error>| v.expect("serialises");

    let rich_note = ser(serde_json::to_value(convert::note(&rich, parent.clone(), BASE)));
    let like = {
        let uri = "https://mastodon.example/users/bob/statuses/9";
        let digest = crate::crypto::sha256_hex(uri);
        json!({
            "@context": context.clone(),
            "id": format!("{}#likes/{}", alice.uri, &digest[..16]),
            "type": "Like",
            "actor": alice.uri,
            "object": uri,
        })
    };
    let block = {
        let digest = crate::crypto::sha256_hex(&bob.uri);
        json!({
            "@context": context.clone(),
            "id": format!("{}#blocks/{}", alice.uri, &digest[..16]),
            "type": "Block",
            "actor": alice.uri,
            "object": bob.uri,
        })
    };
    let follow_uri = convert::follow_uri(&alice, 42);
    let follow = convert::follow(&follow_uri, &alice, &bob);
    let announce_public = ser(serde_json::to_value(convert::announce(
        &boost(Visibility::Public),
        &alice,
        "https://mastodon.example/users/bob/statuses/9",
    )));
    let announce_private = ser(serde_json::to_value(convert::announce(
        &boost(Visibility::Private),
        &alice,
        "https://mastodon.example/users/bob/statuses/9",
    )));
    let update_note = to_value(json!({
        "id": format!("{}#updates/{}", rich.status.uri, crate::id::next()),
        "type": "Update",
        "actor": alice.uri,
        "to": rich_note["to"].clone(),
        "cc": rich_note["cc"].clone(),
        "object": rich_note.clone(),
    }));
    let actor = ser(serde_json::to_value(convert::actor(&alice, BASE)));
    let update_actor = to_value(json!({
        "id": format!("{}#updates/{}", alice.uri, crate::id::next()),
        "type": "Update",
        "actor": alice.uri,
        "to": [crate::federation::vocab::PUBLIC],
        "object": actor.clone(),
    }));
    let delete_note = json!({
        "@context": context.clone(),
        "id": format!("{}#delete", rich.status.uri),
        "type": "Delete",
        "actor": alice.uri,
        "to": [crate::federation::vocab::PUBLIC],
        "object": { "id": rich.status.uri, "type": "Tombstone" },
    });
    let mut service = local("relay");
    service.actor_type = "Service".into();
    service.avatar_url = Some(format!("{BASE}/system/avatars/relay.png"));
    service.shared_inbox_url = None;
    service.fields = Vec::new();
    service.locked = false;
    service.memorial = true;
    let tombstone = to_value(json!({
        "id": rich.status.uri,
        "type": "Tombstone",
        "formerType": "Note",
        "deleted": crate::clock::timestamp(&at(600)),
    }));
    let collection = |c: crate::federation::vocab::Collection| {
        ser(serde_json::to_value(crate::federation::vocab::WithContext::new(c)))
    };
    let followers = collection(crate::federation::vocab::Collection {
        id: alice.followers_url.clone(),
        kind: "OrderedCollection",
        total_items: 3,
        first: Some(format!("{}?page=true", alice.followers_url)),
        part_of: None,
        next: None,
        prev: None,
        ordered_items: None,
    });
    let followers_page = collection(crate::federation::vocab::Collection {
        id: format!("{}?page=true", alice.followers_url),
        kind: "OrderedCollectionPage",
        total_items: 3,
        first: None,
        part_of: Some(alice.followers_url.clone()),
        next: Some(format!("{}?max_id=77", alice.followers_url)),
        prev: None,
        ordered_items: Some(vec![Value::String(bob.uri.clone())]),
    });
    let outbox_page = collection(crate::federation::vocab::Collection {
        id: format!("{}?page=true", alice.outbox_url),
        kind: "OrderedCollectionPage",
        total_items: 2,
        first: None,
        part_of: Some(alice.outbox_url.clone()),
        next: None,
        prev: None,
        ordered_items: Some(vec![
            ser(serde_json::to_value(convert::create(&direct, None, BASE))),
            announce_public.clone(),
        ]),
    });
    let featured = collection(crate::federation::vocab::Collection {
        id: alice.featured_url.clone(),
        kind: "OrderedCollection",
        total_items: 1,
        first: None,
        part_of: None,
        next: None,
        prev: None,
        ordered_items: Some(vec![rich_note.clone()]),
    });
    let instance = local("rookery.example");
    vec![
        ("actor", with_context(actor)),
        (
            "actor-service",
            with_context(ser(serde_json::to_value(convert::actor(&service, BASE)))),
        ),
        ("note", with_context(rich_note.clone())),
        (
            "note-direct",
            with_context(ser(serde_json::to_value(convert::note(&direct, None, BASE)))),
        ),
        (
            "create-note",
            with_context(ser(serde_json::to_value(convert::create(
                &rich,
                parent.clone(),
                BASE,
            )))),
        ),
        (
            "create-note-direct",
            with_context(ser(serde_json::to_value(convert::create(
                &direct, None, BASE,
            )))),
        ),
        ("update-note", update_note),
        ("update-person", update_actor),
        ("delete-note", delete_note),
        ("delete-person", moderation::delete_actor(&alice)),
        ("like", like.clone()),
        ("undo-like", convert::undo(&alice, like)),
        ("announce", with_context(announce_public.clone())),
        ("announce-private", with_context(announce_private)),
        ("undo-announce", convert::undo(&alice, announce_public)),
        ("follow", follow.clone()),
        ("undo-follow", convert::undo(&alice, follow)),
        (
            "accept-follow",
            convert::answer_follow("Accept", &alice, "https://mastodon.example/follows/3", &bob),
        ),
        (
            "reject-follow",
            convert::answer_follow("Reject", &alice, "https://mastodon.example/follows/3", &bob),
        ),
        ("block", block.clone()),
        ("undo-block", convert::undo(&alice, block)),
        (
            "flag",
            moderation::flag(
                &instance,
                12,
                &bob,
                &["https://mastodon.example/users/bob/statuses/9".to_string()],
                "spam",
            ),
        ),
        ("tombstone", tombstone),
        ("followers", followers),
        ("followers-page", followers_page),
        ("outbox-page", outbox_page),
        ("featured", featured),
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
