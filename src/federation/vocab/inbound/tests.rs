//! Every document captured from GoToSocial and Fedify, and those written from other
//! servers' documented shapes, parsed into the inbound types.

use super::*;

/// Every document captured from a peer (tests/fixtures/peers/<software>/) and every one
/// written from a server's documented shapes (tests/fixtures/activitypub/), as
/// `(name, document)`.
fn captured() -> Vec<(String, Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peers");
    let mut found = Vec::new();
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures/peers")
        .flatten()
        .map(|d| d.path())
        .collect();
    dirs.push(root.join("../activitypub"));
    for dir in dirs {
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("readable");
                let name = path
                    .strip_prefix(&root)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                found.push((name, serde_json::from_str(&text).expect("JSON")));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn fixture(name: &str) -> Object {
    let (_, doc) = captured()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no fixture {name}"));
    serde_json::from_value(doc).expect("parses")
}

fn embedded(activity: &Object) -> &Object {
    activity.embedded().expect("an embedded object")
}

#[test]
fn every_captured_document_parses() {
    let all = captured();
    assert!(all.len() > 90, "{} fixtures", all.len());
    for (name, doc) in all {
        let is_activity_streams = doc.get("@context").is_some();
        let parsed: Result<Object, _> = serde_json::from_value(doc);
        assert!(parsed.is_ok(), "{name}: {parsed:?}");
        if is_activity_streams {
            let object = parsed.unwrap_or_default();
            assert!(!object.kind.is_empty(), "{name} has a type");
            assert!(object.id.is_some(), "{name} has an id");
        }
    }
}

#[test]
fn every_captured_activity_is_sorted() {
    for (name, doc) in captured() {
        let kind = doc
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let activity_kinds = [
            "Follow", "Accept", "Reject", "Undo", "Create", "Update", "Delete", "Like", "Announce",
            "Block", "Flag",
        ];
        if !activity_kinds.contains(&kind.as_str()) {
            continue;
        }
        // A Create of a chat message or an Announce of an activity is nothing Rookery does.
        let carries_no_status = matches!(kind.as_str(), "Create" | "Announce")
            && doc
                .get("object")
                .and_then(|o| o.get("type"))
                .and_then(Value::as_str)
                .is_some_and(|t| !NOTE_TYPES.contains(&t));
        match Incoming::parse(doc) {
            Ok(Incoming::Unhandled(_)) if carries_no_status => {}
            Ok(Incoming::Unhandled(o)) => panic!("{name}: {} left unhandled", o.kind),
            Ok(o) if carries_no_status => {
                panic!("{name}: {} taken for a status", o.activity().kind)
            }
            Ok(Incoming::Update(o, actor)) => {
                let of_actor = o
                    .embedded()
                    .is_some_and(|e| ACTOR_TYPES.contains(&e.kind.as_str()));
                assert_eq!(of_actor, actor.is_some(), "{name}: the actor is read");
            }
            Ok(_) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn collapsed_lists_and_public_spellings() {
    // Fedify sends one-item lists as single values.
    let create = fixture("fedify-2.3.6/create-note.json");
    assert!(create.is_public());
    let note = embedded(&create);
    assert!(note.is_public());
    assert_eq!(note.author(), Some("http://127.0.0.1:18241/users/zoe"));
    let mut compacted = Object {
        to: vec!["as:Public".into()],
        ..Object::default()
    };
    assert!(compacted.is_public());
    compacted.to = vec!["Public".into()];
    assert!(compacted.is_public());
    compacted.to = vec!["https://example.com/Public".into()];
    assert!(!compacted.is_public());
}

#[test]
fn notes_of_both_peers() {
    let direct = embedded(&fixture("gotosocial-0.20/create-note-direct.json")).clone();
    assert!(!direct.is_public());
    assert!(direct
        .tag
        .iter()
        .any(|t| matches!(t, Tag::Mention { href: Some(_), .. })));
    let warned = fixture("gotosocial-0.20/note-content-warning.json");
    assert!(warned.summary.as_deref().is_some_and(|s| !s.is_empty()));
    let attached = fixture("gotosocial-0.20/note-attachment.json");
    let image = attached.attachment.first().expect("an attachment");
    assert_eq!(image.kind.as_deref(), Some("Image"));
    assert!(!image.url.is_empty());
    let reply = fixture("gotosocial-0.20/note-reply.json");
    assert!(reply.in_reply_to.as_ref().and_then(Reference::id).is_some());
    assert!(reply.published.is_some());
    assert!(!fixture("gotosocial-0.20/note-public.json")
        .html()
        .is_empty());
}

#[test]
fn polls_emoji_quotes_and_moves() {
    let poll = fixture("gotosocial-0.20/question.json");
    assert_eq!(poll.kind, "Question");
    assert!(poll.one_of.len() + poll.any_of.len() >= 2);
    assert!(poll
        .one_of
        .iter()
        .chain(&poll.any_of)
        .all(|o| o.name.is_some()));
    let multiple = embedded(&fixture("fedify-2.3.6/create-question-multiple.json")).clone();
    assert!(!multiple.any_of.is_empty());
    let closed = embedded(&fixture("gotosocial-0.20/update-question-closed.json")).clone();
    assert!(closed.closed.is_some() || closed.end_time.is_some());

    for name in [
        "gotosocial-0.20/create-note-emoji.json",
        "fedify-2.3.6/create-note-emoji.json",
    ] {
        let note = embedded(&fixture(name)).clone();
        let emoji = note.tag.iter().find_map(|t| match t {
            Tag::Emoji(e) => Some(e),
            _ => None,
        });
        let emoji = emoji.unwrap_or_else(|| panic!("{name} has an emoji"));
        assert!(
            emoji.name.as_deref().is_some_and(|n| n.starts_with(':')),
            "{name}"
        );
        assert!(
            emoji.icon.as_ref().is_some_and(|i| !i.url.is_empty()),
            "{name}"
        );
    }

    let quote = embedded(&fixture("fedify-2.3.6/create-note-quote.json")).clone();
    assert_eq!(
        quote.quoted(),
        Some("http://127.0.0.1:18240/users/rec/statuses/1796283061299")
    );
    assert!(quote.tag.iter().any(|t| matches!(t, Tag::Link { .. })));

    for name in ["gotosocial-0.20/move.json", "fedify-2.3.6/move.json"] {
        let moved = fixture(name);
        assert_eq!(moved.kind, "Move");
        assert!(moved.object_id().is_some(), "{name}");
        assert!(
            moved.target.as_ref().and_then(Reference::id).is_some(),
            "{name}"
        );
    }
    let target = fixture("fedify-2.3.6/actor-person-move-target.json");
    assert!(!target.also_known_as.is_empty());
    for name in [
        "fedify-2.3.6/actor-person.json",
        "fedify-2.3.6/actor-person-moved.json",
        "gotosocial-0.20/actor-person.json",
        "gotosocial-0.20/actor-person-moved.json",
        "gotosocial-0.20/actor-instance.json",
    ] {
        let (_, doc) = captured()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no fixture {name}"));
        let actor: RemoteActor =
            serde_json::from_value(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(ACTOR_TYPES.contains(&actor.kind.as_str()), "{name}");
        assert!(
            actor.public_key.public_key_pem.contains("PUBLIC KEY"),
            "{name}"
        );
    }
    let (_, doc) = captured()
        .into_iter()
        .find(|(n, _)| n == "gotosocial-0.20/actor-person-moved.json")
        .unwrap_or_default();
    let moved: RemoteActor = serde_json::from_value(doc).expect("parses");
    assert!(moved.moved_to.is_some());
    assert!(fixture("fedify-2.3.6/actor-person-moved.json")
        .moved_to
        .is_some());
}

#[test]
fn webfinger_answers() {
    for name in [
        "gotosocial-0.20/webfinger.json",
        "gotosocial-0.20/webfinger-by-actor-url.json",
        "fedify-2.3.6/webfinger.json",
    ] {
        let (_, doc) = captured()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no fixture {name}"));
        let jrd: Jrd = serde_json::from_value(doc).expect("parses");
        assert!(
            jrd.subject
                .as_deref()
                .is_some_and(|s| s.starts_with("acct:")),
            "{name}"
        );
        assert!(
            jrd.self_link(|t| t.starts_with("application/activity+json"))
                .is_some(),
            "{name}"
        );
    }
}

#[test]
fn embedded_and_referenced_objects() {
    let undo = fixture("gotosocial-0.20/undo-announce.json");
    let announce = embedded(&undo);
    assert_eq!(announce.kind, "Announce");
    assert!(announce.object_id().is_some());
    let accept = fixture("fedify-2.3.6/accept-follow.json");
    assert!(accept.object_id().is_some());
    let delete = fixture("gotosocial-0.20/delete-note.json");
    assert!(
        delete.object_id().is_some(),
        "GoToSocial deletes by bare URI"
    );
}

/// The activities written from Mastodon's, Misskey's, Akkoma's and Lemmy's documented shapes
/// are each sorted as what they ask of Rookery: what it does not do is `Unhandled` (counted),
/// never an error.
#[test]
fn documented_activities_are_sorted() {
    let sorted = |name: &str| -> &'static str {
        let (_, doc) = captured()
            .into_iter()
            .find(|(n, _)| n.ends_with(&format!("activitypub/{name}.json")))
            .unwrap_or_else(|| panic!("no fixture {name}"));
        match Incoming::parse(doc).unwrap_or_else(|e| panic!("{name}: {e}")) {
            Incoming::Follow(_) => "Follow",
            Incoming::Accept(_) => "Accept",
            Incoming::Reject(_) => "Reject",
            Incoming::Undo(_) => "Undo",
            Incoming::Create(_) => "Create",
            Incoming::Update(_, _) => "Update",
            Incoming::Delete(_) => "Delete",
            Incoming::Like(_) => "Like",
            Incoming::Announce(_) => "Announce",
            Incoming::Block(_) => "Block",
            Incoming::Flag(_) => "Flag",
            Incoming::Move(_) => "Move",
            Incoming::QuoteRequest(_) => "QuoteRequest",
            Incoming::Unhandled(_) => "Unhandled",
        }
    };
    for (name, expected) in [
        ("mastodon_create", "Create"),
        ("mastodon_update", "Update"),
        ("mastodon_delete", "Delete"),
        ("mastodon_delete_actor", "Delete"),
        ("mastodon_like", "Like"),
        ("mastodon_announce", "Announce"),
        ("mastodon_follow", "Follow"),
        ("mastodon_accept", "Accept"),
        ("mastodon_undo", "Undo"),
        ("mastodon_undo_follow", "Undo"),
        ("mastodon_block", "Block"),
        ("mastodon_flag", "Flag"),
        ("mastodon_move", "Move"),
        ("mastodon_create_question", "Create"),
        ("misskey_like_reaction", "Like"),
        ("misskey_like_unicode", "Like"),
        // Emoji reactions are favourites, as Misskey's reaction `Like`s are.
        ("akkoma_emoji_react", "Like"),
        ("akkoma_emoji_react_custom", "Like"),
        ("akkoma_chat_message", "Unhandled"),
        ("lemmy_announce_create_page", "Unhandled"),
        ("lemmy_announce_like", "Unhandled"),
        ("lemmy_create_note", "Create"),
    ] {
        assert_eq!(sorted(name), expected, "{name}");
    }
}

/// What the documented shapes carry reads as they mean it: Mastodon's poll, media and
/// report, Misskey's quote and reaction, Lemmy's community, post and comment.
#[test]
fn documented_objects_read_as_meant() {
    let at = |name: &str| fixture(&format!("../activitypub/{name}.json"));
    let create = at("mastodon_create");
    let note = embedded(&create);
    assert_eq!(note.language(), Some("en"));
    assert_eq!(note.summary.as_deref(), Some("cw: birds"));
    let image = note.attachment.first().expect("an image");
    assert_eq!(image.focal_point, Some((0.0, 0.3)));
    assert!(image.blurhash.is_some());
    let poll = embedded(&at("mastodon_create_question")).clone();
    assert_eq!(poll.one_of.len(), 2);
    assert_eq!(poll.voters_count, Some(3));
    assert_eq!(
        poll.one_of[0].replies.as_ref().and_then(|r| r.total_items),
        Some(2)
    );
    let moved = at("mastodon_move");
    assert_eq!(
        moved.target.as_ref().and_then(Reference::id),
        Some("https://new.example/users/alice")
    );
    let flag = at("mastodon_flag");
    assert_eq!(flag.object.len(), 2);

    let quote = at("misskey_note_quote");
    assert_eq!(
        quote.quoted(),
        Some("https://mastodon.example/users/alice/statuses/113000000000000001")
    );
    let reaction = at("misskey_like_reaction");
    assert_eq!(reaction.content.as_deref(), Some(":blobcat:"));
    assert!(reaction.tag.iter().any(|t| matches!(t, Tag::Emoji(_))));
    let react = at("akkoma_emoji_react");
    assert_eq!(react.kind, "EmojiReact");
    assert_eq!(react.content.as_deref(), Some("🧡"));

    let (_, group) = captured()
        .into_iter()
        .find(|(n, _)| n.ends_with("activitypub/lemmy_group.json"))
        .expect("the Lemmy community");
    let group: RemoteActor = serde_json::from_value(group).expect("a Group actor");
    assert_eq!(group.kind, "Group");
    assert_eq!(group.preferred_username, "birding");
    assert!(group.endpoints.and_then(|e| e.shared_inbox).is_some());
    let page = at("lemmy_page");
    assert!(NOTE_TYPES.contains(&page.kind.as_str()));
    assert_eq!(page.name.as_deref(), Some("First heron of the season"));
    assert!(page.is_public());
    let relayed = at("lemmy_announce_create_page");
    assert_eq!(embedded(embedded(&relayed)).kind, "Page");
    let comment = at("lemmy_note_comment");
    assert_eq!(
        comment.in_reply_to.as_ref().and_then(Reference::id),
        Some("https://lemmy.example/post/4211")
    );
    assert!(comment
        .tag
        .iter()
        .any(|t| matches!(t, Tag::Mention { href: Some(_), .. })));
}

/// Fedify's `QuoteRequest` (its quoting note embedded as `instrument`) and stamped note are
/// read as FEP-044f means them; the older dialects are read as quotes too, as legacy ones.
#[test]
fn quote_requests_stamps_and_dialects_are_read() {
    const QUOTED: &str = "http://127.0.0.1:18240/users/rec/statuses/1796283061299";
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/peers/fedify-2.3.6/quote-request.json"),
    )
    .expect("fixture");
    let request = Incoming::parse(serde_json::from_str(&text).expect("JSON")).expect("parsed");
    let Incoming::QuoteRequest(request) = request else {
        panic!("sorted as a QuoteRequest: {request:?}");
    };
    assert_eq!(request.object_id(), Some(QUOTED));
    let instrument = request.instrument.as_ref().expect("instrument");
    assert_eq!(
        instrument.id(),
        Some("http://127.0.0.1:18241/users/zoe/notes/8")
    );
    let note = instrument.object().expect("embedded");
    assert_eq!(note.quoted(), Some(QUOTED));
    assert!(!note.legacy_quote());

    let stamped = fixture("fedify-2.3.6/note-quote.json");
    assert_eq!(
        stamped.quote_authorization.as_deref(),
        Some("http://127.0.0.1:18240/users/rec/quote_authorizations/1796283475569")
    );
    let update = embedded(&fixture(
        "fedify-2.3.6/update-note-quote-authorization.json",
    ))
    .clone();
    assert!(update.quote_authorization.is_some());

    let read = |doc: serde_json::Value| -> Object { serde_json::from_value(doc).expect("object") };
    let misskey = read(serde_json::json!({ "type": "Note", "_misskey_quote": QUOTED }));
    assert_eq!(misskey.quoted(), Some(QUOTED));
    assert!(misskey.legacy_quote());
    let linked = read(serde_json::json!({ "type": "Note", "tag": [
        { "type": "Link", "mediaType": "text/html", "href": "https://elsewhere.example/" },
        { "type": "Link", "mediaType": "application/activity+json", "href": QUOTED },
    ]}));
    assert_eq!(linked.quoted(), Some(QUOTED));
    let plain = read(serde_json::json!({ "type": "Note", "tag": [
        { "type": "Link", "mediaType": "text/html", "href": QUOTED },
    ]}));
    assert_eq!(plain.quoted(), None, "a link to a web page is no quote");
    let tombstone = read(serde_json::json!({ "type": "Note", "quote": { "type": "Tombstone" } }));
    assert_eq!(tombstone.quoted(), None);
    assert!(
        tombstone.deleted_quote(),
        "Mastodon's quote of a deleted post"
    );
    assert!(!tombstone.legacy_quote());
    assert!(!note.deleted_quote());
    let policy = read(
        serde_json::json!({ "type": "Note", "interactionPolicy": { "canQuote": {
            "automaticApproval": "https://www.w3.org/ns/activitystreams#Public",
            "manualApproval": [],
        }}}),
    );
    let can_quote = policy
        .interaction_policy
        .and_then(|p| p.can_quote)
        .expect("canQuote");
    assert_eq!(
        can_quote.automatic_approval,
        vec!["https://www.w3.org/ns/activitystreams#Public".to_string()]
    );
}
