//! Every kind of document Rookery serves or sends, built from model values, by fixture name.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::federation::vocab::{OrderedCollection, Tombstone, WithContext};
use crate::federation::{convert, moderation};
use crate::model::{
    Account, CustomEmoji, Media, Poll, PollView, ProfileField, Status, StatusView, Visibility,
};

pub(super) const BASE: &str = "https://rookery.example";

pub(super) fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000 + secs, 0)
        .single()
        .unwrap_or_default()
}

/// A local custom emoji.
pub(super) fn emoji(id: i64, shortcode: &str, content_type: &str) -> CustomEmoji {
    CustomEmoji {
        id,
        shortcode: shortcode.into(),
        domain: None,
        uri: None,
        image_url: format!("{BASE}/system/media/{shortcode}.png"),
        static_url: format!("{BASE}/system/media/{shortcode}-static.png"),
        remote_url: None,
        content_type: content_type.into(),
        file_size: 1000,
        disabled: false,
        visible_in_picker: true,
        category: None,
        image_updated_at: at(5),
    }
}

pub(super) fn local(username: &str) -> Account {
    let uri = format!("{BASE}/users/{username}");
    Account {
        id: 1,
        username: username.into(),
        display_name: format!("{username} of the rookery :heron:"),
        emojis: vec![emoji(11, "heron", "image/png")],
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
        attribution_domains: vec!["birds.example".into()],
        created_at: at(0),
        updated_at: at(0),
        uri,
        ..Account::default()
    }
}

pub(super) fn remote(username: &str, domain: &str) -> Account {
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

pub(super) fn status(author: &Account, id: i64, visibility: Visibility) -> Status {
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

pub(super) fn media(id: i64, kind: &str, content_type: &str) -> Media {
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
        scheduled_status_id: None,
        url: Some(format!("{BASE}/system/media/{id}.bin")),
        preview_url: Some(format!("{BASE}/system/media/{id}-small.jpg")),
    }
}

pub(super) fn view(status: Status, author: &Account) -> StatusView {
    StatusView {
        status,
        account: Arc::new(author.clone()),
        mentions: Vec::new(),
        tags: Vec::new(),
        media: Vec::new(),
        poll: None,
        reblog: None,
        viewer: None,
        filtered: Vec::new(),
        card: None,
        emojis: Vec::new(),
        quote_policy: Some(crate::model::QuotePolicy::Public),
        quote_approval: crate::model::quote::QuoteApproval::Automatic,
        quote: None,
        quotes_count: 0,
    }
}

/// A public poll of alice's: open (ending far ahead) with two options, or (`closed`) a
/// multiple-choice one that has ended.
pub(super) fn poll_view(closed: bool) -> StatusView {
    let alice = local("alice");
    let mut s = status(&alice, 104, Visibility::Public);
    s.content = "<p>Best wader?</p>".into();
    s.language = Some("en".into());
    let mut v = view(s, &alice);
    v.poll = Some(PollView::of(
        Poll {
            id: 5,
            status_id: 104,
            account_id: alice.id,
            options: vec!["heron".into(), "egret".into()],
            votes: vec![2, 1],
            multiple: closed,
            hide_totals: false,
            voters_count: Some(if closed { 2 } else { 3 }),
            expires_at: Some(at(if closed { 3_600 } else { 2_000_000_000 })),
            closed_at: closed.then(|| at(3_600)),
            fetched_at: None,
            updated_at: at(60),
        },
        None,
        Vec::new(),
    ));
    v
}

/// A public reply with a content warning, a language, a mention, a hashtag, an image (alt
/// text, focal point) and a video (its own thumbnail), edited once.
pub(super) fn rich_view() -> StatusView {
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
    v.emojis = vec![
        emoji(12, "blob_gif", "image/gif"),
        emoji(11, "heron", "image/png"),
    ];
    let mut image = media(7, "image", "image/png");
    image.description = "a heron".into();
    let mut video = media(8, "video", "video/mp4");
    video.preview_key = Some("ab/cd/thumb.jpg".into());
    video.width = None;
    v.media = vec![image, video];
    v
}

/// `quote_view` after the quoted note was deleted: its `quote` is a Tombstone.
fn deleted_quote_view() -> StatusView {
    let mut v = quote_view();
    if let Some(q) = v.quote.as_mut() {
        q.state = crate::model::QuoteState::Deleted;
        q.quoted_status_id = None;
        q.quoted_url = None;
    }
    v
}

/// A public note of alice's quoting bob's, its quote accepted (bob's stamp), which only her
/// followers may quote in turn.
pub(super) fn quote_view() -> StatusView {
    let alice = local("alice");
    let mut s = status(&alice, 103, Visibility::Public);
    s.content = "<p>look at this</p>".into();
    let mut v = view(s, &alice);
    v.quote_policy = Some(crate::model::QuotePolicy::Followers);
    v.quote = Some(crate::model::QuoteView {
        state: crate::model::QuoteState::Accepted,
        quoted: None,
        quoted_status_id: Some(9),
        quoted_uri: BOB_NOTE.into(),
        quoted_url: Some("https://mastodon.example/@bob/9".into()),
        approval_uri: Some("https://mastodon.example/users/bob/quote_authorizations/5".into()),
        barrier: None,
    });
    v
}

/// A direct note to a local and a remote account, no language, no media.
pub(super) fn direct_view() -> StatusView {
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
pub(super) fn boost(visibility: Visibility) -> Status {
    let alice = local("alice");
    let mut s = status(&alice, 103, visibility);
    s.reblog_of_id = Some(5);
    s.content = String::new();
    s.url = None;
    s
}

/// The parts of ids that are random (the time-sortable suffix of an `Accept`, an `Undo`, an
/// `Update`) written as `N`, so that documents compare.
pub(super) fn stable(mut doc: Value) -> Value {
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
pub(super) fn sent<T: serde::Serialize>(document: T) -> Value {
    serde_json::to_value(WithContext::new(document)).expect("serialises")
}

pub(super) const BOB_NOTE: &str = "https://mastodon.example/users/bob/statuses/9";

/// Every kind of document Rookery serves or sends, by fixture name.
pub(super) fn documents() -> Vec<(&'static str, Value)> {
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
            "question",
            sent(convert::note(&poll_view(false), None, BASE)),
        ),
        (
            "create-question-closed",
            sent(convert::create(&poll_view(true), None, BASE)),
        ),
        (
            "create-vote",
            sent(convert::poll_vote(
                &alice,
                &format!("{}#votes/77", alice.uri),
                BOB_NOTE,
                &bob.uri,
                "heron",
            )),
        ),
        (
            "create-note",
            sent(convert::create(&rich, parent.clone(), BASE)),
        ),
        (
            "create-note-direct",
            sent(convert::create(&direct, None, BASE)),
        ),
        (
            "create-note-quote",
            sent(convert::create(&quote_view(), None, BASE)),
        ),
        (
            // The quoted note deleted since: `quote` a Tombstone, as Mastodon writes it.
            "create-note-quote-deleted",
            sent(convert::create(&deleted_quote_view(), None, BASE)),
        ),
        (
            "quote-request",
            sent(convert::quote_request(
                &format!("{}/quote_requests/5", alice.uri),
                &alice.uri,
                BOB_NOTE,
                &format!("{}/statuses/103", alice.uri),
            )),
        ),
        (
            "accept-quote-request",
            sent(convert::answer_quote_request(
                &alice,
                5,
                convert::quote_request(
                    "https://mastodon.example/users/bob/quote_requests/5",
                    &bob.uri,
                    &format!("{}/statuses/101", alice.uri),
                    "https://mastodon.example/users/bob/statuses/10",
                ),
                Some(convert::quote_authorization_uri(&alice, 5)),
            )),
        ),
        (
            "quote-authorization",
            sent(convert::quote_authorization(
                &alice,
                5,
                "https://mastodon.example/users/bob/statuses/10",
                &format!("{}/statuses/101", alice.uri),
            )),
        ),
        (
            "delete-quote-authorization",
            sent(convert::revoke_quote(
                &alice,
                &convert::quote_authorization_uri(&alice, 5),
            )),
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
