//! Documents read back: Rookery's own, and peers' of the kinds Rookery sends, written again
//! from what the inbound types read and compared with what was read.

use serde_json::Value;

use super::documents::{documents, stable};
use super::resend::{activity_type, normalise, of_a_sent_kind, resend};
use crate::federation::vocab::inbound::{
    Incoming, Object, Reference, RemoteActor, Tag as InTag, ACTOR_TYPES,
};

/// Every document Rookery writes is read back by its inbound types field for field: written
/// again from what was read, it is the same document.
#[test]
fn every_document_rookery_writes_reads_back_as_written() {
    for (name, doc) in documents() {
        let again = resend(&doc).unwrap_or_else(|| panic!("{name} is read back"));
        assert_eq!(
            normalise(stable(again)),
            normalise(stable(doc)),
            "{name} reads back as written"
        );
    }
}

fn to_id(reference: &mut Option<Reference>) {
    if let Some(Reference::Object(o)) = reference {
        *reference = o.id.clone().map(Reference::Id);
    }
}

/// What Rookery's documents carry of an object as read: no `quoteUrl`, names or targets
/// (Rookery sends none), no poll fields (peers' `Question`s and votes are not compared here;
/// Rookery's own read back whole above), one `url`, one author, a content always written out,
/// linked objects by id, and only the attachments, mentions and hashtags it can write.
fn mask(o: &mut Object) {
    // Pleroma and Akkoma name the author of a note `actor` too; Lemmy repeats a note's tags
    // on its `Create`. Rookery writes neither.
    if activity_type(&o.kind).is_none() {
        o.actor = None;
    } else {
        o.tag.clear();
    }
    to_id(&mut o.actor);
    to_id(&mut o.in_reply_to);
    to_id(&mut o.replies);
    to_id(&mut o.first);
    to_id(&mut o.next);
    o.target = None;
    o.name = None;
    o.quote_url = None;
    // Only who may quote is written of an interaction policy.
    o.interaction_policy = o
        .interaction_policy
        .take()
        .filter(|p| p.can_quote.is_some());
    o.instrument = None;
    o.result = None;
    o.interacting_object = None;
    o.interaction_target = None;
    o.one_of.clear();
    o.any_of.clear();
    o.end_time = None;
    o.closed = None;
    o.voters_count = None;
    o.items.clear();
    o.content = Some(o.html().to_string());
    o.sensitive = Some(o.sensitive.unwrap_or(false));
    o.url.truncate(1);
    o.attributed_to.truncate(1);
    mask_tags(&mut o.tag);
    o.attachment.retain(|a| !a.url.is_empty());
    for a in &mut o.attachment {
        a.url.truncate(1);
        a.icon.truncate(1);
        a.name = a.name.take().or(a.summary.take());
        a.kind.get_or_insert_with(|| "Document".into());
    }
    for r in o.object.iter_mut().chain(o.ordered_items.iter_mut()) {
        if let Reference::Object(embedded) = r {
            mask(embedded);
        }
    }
}

/// The tags Rookery can write: mentions and hashtags with both fields, complete custom emoji
/// (an `Image` icon at one URL, and nothing else).
fn mask_tags(tags: &mut Vec<InTag>) {
    tags.retain(|t| match t {
        InTag::Mention {
            href: Some(_),
            name: Some(_),
        }
        | InTag::Hashtag {
            href: Some(_),
            name: Some(_),
        } => true,
        InTag::Emoji(e) => {
            e.id.is_some()
                && e.name.is_some()
                && e.updated.is_some()
                && e.icon.as_ref().is_some_and(|i| !i.url.is_empty())
        }
        _ => false,
    });
    for t in tags.iter_mut() {
        if let InTag::Emoji(e) = t {
            if let Some(icon) = e.icon.as_mut() {
                icon.url.truncate(1);
                *icon = crate::federation::vocab::inbound::Attachment {
                    kind: Some("Image".into()),
                    url: std::mem::take(&mut icon.url),
                    media_type: icon.media_type.take(),
                    ..Default::default()
                };
            }
        }
    }
}

/// What Rookery's actor documents carry of an actor as read.
fn mask_actor(a: &mut RemoteActor) {
    // An actor's tags are its custom emoji (Misskey's hashtags of interests are not kept).
    mask_tags(&mut a.tag);
    a.tag.retain(|t| matches!(t, InTag::Emoji(_)));
    a.url.truncate(1);
    a.icon.truncate(1);
    a.image.truncate(1);
    a.attachment.retain(|f| {
        f.kind.as_deref() == Some("PropertyValue") && f.name.is_some() && f.value.is_some()
    });
    if a.endpoints
        .as_ref()
        .is_some_and(|e| e.shared_inbox.is_none())
    {
        a.endpoints = None;
    }
}

/// Everything the inbound types read of `doc` that Rookery's documents can carry.
fn read(doc: &Value) -> String {
    let kind = doc.get("type").and_then(Value::as_str).unwrap_or("");
    if ACTOR_TYPES.contains(&kind) {
        let mut actor: RemoteActor = serde_json::from_value(doc.clone()).expect("an actor");
        mask_actor(&mut actor);
        return format!("{actor:#?}");
    }
    let mut object: Object = serde_json::from_value(doc.clone()).expect("an object");
    mask(&mut object);
    let mut read = format!("{object:#?}");
    if let Ok(Incoming::Update(_, Some(mut actor))) = Incoming::parse(doc.clone()) {
        mask_actor(&mut actor);
        read.push_str(&format!("{actor:#?}"));
    }
    read
}

/// The documents other servers wrote: captured (tests/fixtures/peers/) and from their
/// documented shapes (tests/fixtures/activitypub/).
fn peer_documents() -> Vec<(String, Value)> {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs = vec![fixtures.join("activitypub")];
    for entry in std::fs::read_dir(fixtures.join("peers"))
        .expect("peers")
        .flatten()
    {
        dirs.push(entry.path());
    }
    let mut found = Vec::new();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        for file in std::fs::read_dir(&dir).expect("a directory").flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("readable");
                let name = path
                    .strip_prefix(&fixtures)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                found.push((name, serde_json::from_str(&text).expect("JSON")));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Every document of another server of a kind Rookery also sends can be written again by
/// Rookery's outbound types from what its inbound types read, and reads back the same.
#[test]
fn peers_documents_of_the_kinds_rookery_sends_round_trip() {
    let mut checked = Vec::new();
    let mut differ = Vec::new();
    for (name, doc) in peer_documents() {
        if doc.get("@context").is_none() || !of_a_sent_kind(&doc) {
            continue;
        }
        let again = resend(&doc).unwrap_or_else(|| panic!("{name}: Rookery can write it"));
        let (before, after) = (read(&doc), read(&again));
        let changed: Vec<String> = before
            .lines()
            .zip(after.lines())
            .filter(|(b, a)| b != a)
            .map(|(b, a)| format!("{b} became {a}"))
            .take(3)
            .collect();
        if before != after {
            differ.push(format!("{name}: {changed:?}"));
        }
        checked.push(name);
    }
    assert!(differ.is_empty(), "read differently: {differ:#?}");
    assert!(
        checked.len() >= 60,
        "{} round-tripped: {checked:?}",
        checked.len()
    );
}
