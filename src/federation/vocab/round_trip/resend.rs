//! `resend` rebuilds, from what the inbound types read of a document, the document Rookery's
//! outbound types would write. For Rookery's own documents that must be the document itself;
//! for a peer's document of a kind Rookery also sends, it must read the same.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::documents::sent;
use crate::federation::vocab::inbound::{
    Attachment, Closed, Incoming, Object, PollOption as InOption, Reference, RemoteActor,
    Tag as InTag, ACTOR_TYPES,
};
use crate::federation::vocab::{
    Activity, ActivityObject, ActivityType, Actor, ApprovalRule, CollectionType, Document,
    Endpoints, Image, InteractionPolicy, Note, OrderedCollection, PollOption, PropertyValue,
    PublicKey, QuoteRef, Replies, Tag, Tombstone, Vote,
};

/// A time as Rookery writes it (milliseconds), or finer when the peer wrote it finer.
fn time(t: &DateTime<Utc>) -> String {
    use chrono::{SecondsFormat, Timelike};
    if t.nanosecond() % 1_000_000 == 0 {
        t.to_rfc3339_opts(SecondsFormat::Millis, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

pub(super) fn activity_type(kind: &str) -> Option<ActivityType> {
    use ActivityType::*;
    Some(match kind {
        "Create" => Create,
        "Update" => Update,
        "Delete" => Delete,
        "Like" => Like,
        "Announce" => Announce,
        "Follow" => Follow,
        "Accept" => Accept,
        "Reject" => Reject,
        "Undo" => Undo,
        "Block" => Block,
        "Flag" => Flag,
        "QuoteRequest" => QuoteRequest,
        _ => return None,
    })
}

fn collection_type(kind: &str) -> Option<CollectionType> {
    match kind {
        "OrderedCollection" => Some(CollectionType::OrderedCollection),
        "OrderedCollectionPage" => Some(CollectionType::OrderedCollectionPage),
        _ => None,
    }
}

/// Whether Rookery sends documents of this one's kind (and so it must round-trip).
pub(super) fn of_a_sent_kind(doc: &Value) -> bool {
    let kind_of = |v: &Value| {
        v.get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let kind = kind_of(doc);
    let object = doc.get("object").map(kind_of).unwrap_or_default();
    // A poll vote is a note with a `name` and no content: peers' carry more than Rookery's
    // own (whose golden document, `create-vote`, reads back below).
    let vote = doc
        .get("object")
        .is_some_and(|o| o.get("name").is_some() && o.get("content").is_none());
    let object_sent = object.is_empty()
        || (object == "Note" && !vote)
        || object == "Tombstone"
        || ACTOR_TYPES.contains(&object.as_str())
        || activity_type(&object).is_some();
    let sorted = !matches!(Incoming::parse(doc.clone()), Ok(Incoming::Unhandled(_)));
    (activity_type(&kind).is_some() && object_sent && sorted)
        || kind == "Note"
        || kind == "Tombstone"
        || (collection_type(&kind).is_some()
            && doc
                .get("orderedItems")
                .and_then(Value::as_array)
                .is_none_or(|items| items.iter().all(|i| i.is_string() || of_a_sent_kind(i))))
        || ACTOR_TYPES.contains(&kind.as_str())
}

fn resend_document(a: &Attachment) -> Option<Document> {
    Some(Document {
        kind: a.kind.clone().unwrap_or_else(|| "Document".into()),
        media_type: a.media_type.clone(),
        url: a.url.first()?.clone(),
        name: a.name.clone().or_else(|| a.summary.clone()),
        blurhash: a.blurhash.clone(),
        focal_point: a.focal_point,
        width: a.width,
        height: a.height,
        icon: a.icon.first().map(|u| Image::new(u.clone(), None)),
    })
}

fn resend_option(o: &InOption) -> Option<PollOption> {
    let votes = o.replies.as_ref()?.total_items?;
    Some(PollOption::new(o.name.clone()?, i64::try_from(votes).ok()?))
}

/// Whether an object is a poll vote: a note with a `name` and no content.
fn is_vote(o: &Object) -> bool {
    o.kind == "Note" && o.name.is_some() && o.content.is_none()
}

fn resend_vote(o: &Object) -> Option<Vote> {
    Some(Vote {
        id: o.id.clone()?,
        kind: "Note",
        name: o.name.clone()?,
        attributed_to: o.author()?.to_string(),
        in_reply_to: o.in_reply_to.as_ref().and_then(Reference::id)?.to_string(),
        to: o.to.first()?.clone(),
    })
}

fn resend_note(o: &Object) -> Option<Note> {
    let question = o.kind == "Question";
    if o.kind != "Note" && !question {
        return None;
    }
    Some(Note {
        id: o.id.clone()?,
        kind: if question { "Question" } else { "Note" },
        summary: o.summary.clone(),
        in_reply_to: o
            .in_reply_to
            .as_ref()
            .and_then(Reference::id)
            .map(Into::into),
        published: time(o.published.as_ref()?),
        updated: o.updated.as_ref().map(time),
        url: o.url.first().cloned(),
        attributed_to: o.author()?.to_string(),
        to: o.to.clone(),
        cc: o.cc.clone(),
        sensitive: o.sensitive.unwrap_or(false),
        content: o.html().to_string(),
        content_map: o.content_map.clone(),
        end_time: o.end_time.as_ref().map(time),
        closed: match &o.closed {
            Some(Closed::At(t)) => Some(time(t)),
            _ => None,
        },
        voters_count: o.voters_count.and_then(|n| i64::try_from(n).ok()),
        one_of: o.one_of.iter().filter_map(resend_option).collect(),
        any_of: o.any_of.iter().filter_map(resend_option).collect(),
        attachment: o.attachment.iter().filter_map(resend_document).collect(),
        tag: o
            .tag
            .iter()
            .filter_map(|t| match t {
                InTag::Mention {
                    href: Some(href),
                    name: Some(name),
                } => Some(Tag::Mention {
                    href: href.clone(),
                    name: name.clone(),
                }),
                InTag::Hashtag {
                    href: Some(href),
                    name: Some(name),
                } => Some(Tag::Hashtag {
                    href: href.clone(),
                    name: name.clone(),
                }),
                InTag::Emoji(e) => resend_emoji(e),
                _ => None,
            })
            .collect(),
        quote: match o.deleted_quote() {
            true => Some(QuoteRef::gone()),
            false => o
                .quote
                .as_ref()
                .and_then(|q| q.id())
                .map(|id| QuoteRef::Id(id.to_string())),
        },
        misskey_quote: o.misskey_quote.clone(),
        quote_uri: o.quote_uri.clone(),
        quote_authorization: o.quote_authorization.clone(),
        interaction_policy: o
            .interaction_policy
            .as_ref()
            .and_then(|p| p.can_quote.as_ref())
            .map(|q| InteractionPolicy {
                can_quote: ApprovalRule {
                    automatic_approval: q.automatic_approval.clone(),
                    manual_approval: q.manual_approval.clone(),
                },
            }),
        replies: o
            .replies
            .as_ref()
            .and_then(Reference::id)
            .map(|id| Replies::at(id.to_string())),
    })
}

fn resend_emoji(e: &crate::federation::vocab::inbound::Emoji) -> Option<Tag> {
    let icon = e.icon.as_ref()?;
    Some(Tag::Emoji {
        id: e.id.clone()?,
        name: e.name.clone()?,
        updated: time(e.updated.as_ref()?),
        icon: Image::new(icon.url.first()?.clone(), icon.media_type.clone()),
    })
}

fn resend_actor(a: &RemoteActor) -> Actor {
    Actor {
        id: a.id.clone(),
        kind: a.kind.clone(),
        preferred_username: a.preferred_username.clone(),
        name: a.name.clone(),
        summary: a.summary.clone(),
        url: a.url.first().cloned(),
        inbox: a.inbox.clone(),
        outbox: a.outbox.clone(),
        followers: a.followers.clone(),
        following: a.following.clone(),
        featured: a.featured.clone(),
        featured_tags: a.featured_tags.clone(),
        endpoints: a
            .endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.clone())
            .map(|shared_inbox| Endpoints { shared_inbox }),
        public_key: PublicKey {
            id: a.public_key.id.clone(),
            owner: a.public_key.owner.clone(),
            public_key_pem: a.public_key.public_key_pem.clone(),
        },
        manually_approves_followers: a.manually_approves_followers,
        discoverable: a.discoverable,
        indexable: a.indexable,
        memorial: a.memorial,
        published: a.published.as_ref().map(time),
        icon: a.icon.first().map(|u| Image::new(u.clone(), None)),
        image: a.image.first().map(|u| Image::new(u.clone(), None)),
        attachment: a
            .attachment
            .iter()
            .filter(|f| f.kind.as_deref() == Some("PropertyValue"))
            .filter_map(|f| Some(PropertyValue::new(f.name.clone()?, f.value.clone()?)))
            .collect(),
        also_known_as: a.also_known_as.clone(),
        attribution_domains: a.attribution_domains.clone(),
        moved_to: a.moved_to.clone(),
        tag: a
            .tag
            .iter()
            .filter_map(|t| match t {
                InTag::Emoji(e) => resend_emoji(e),
                _ => None,
            })
            .collect(),
    }
}

fn resend_tombstone(o: &Object) -> Option<Tombstone> {
    Some(Tombstone {
        former_type: o.former_type.clone(),
        deleted: o.deleted.as_ref().map(time),
        ..Tombstone::of(o.id.clone()?)
    })
}

/// An embedded object as Rookery would embed it; `actor` is the actor an `Update` carries.
fn resend_embedded(o: &Object, actor: Option<&RemoteActor>) -> Option<ActivityObject> {
    if ACTOR_TYPES.contains(&o.kind.as_str()) {
        return Some(ActivityObject::Actor(Box::new(resend_actor(actor?))));
    }
    match o.kind.as_str() {
        "Note" if is_vote(o) => Some(ActivityObject::Vote(Box::new(resend_vote(o)?))),
        "Note" | "Question" => Some(ActivityObject::Note(Box::new(resend_note(o)?))),
        "Tombstone" => Some(ActivityObject::Tombstone(resend_tombstone(o)?)),
        _ => Some(ActivityObject::Activity(Box::new(resend_activity(
            o, None,
        )?))),
    }
}

fn resend_activity(o: &Object, actor: Option<&RemoteActor>) -> Option<Activity> {
    let kind = activity_type(&o.kind)?;
    let object = match o.object.as_slice() {
        [Reference::Id(id)] if kind != ActivityType::Flag => ActivityObject::Id(id.clone()),
        [Reference::Object(embedded)] => resend_embedded(embedded, actor)?,
        several => ActivityObject::Ids(
            several
                .iter()
                .map(|r| r.id().map(str::to_string))
                .collect::<Option<_>>()?,
        ),
    };
    let listed = |l: &Vec<String>| (!l.is_empty()).then(|| l.clone());
    Some(Activity {
        published: o.published.as_ref().map(time),
        to: listed(&o.to),
        cc: listed(&o.cc),
        content: o.content.clone(),
        instrument: o
            .instrument
            .as_ref()
            .and_then(Reference::id)
            .map(Into::into),
        result: o.result.as_ref().and_then(Reference::id).map(Into::into),
        ..Activity::new(o.id.clone()?, kind, o.actor_id()?.to_string(), object)
    })
}

fn resend_item(r: &Reference) -> Option<Value> {
    match r {
        Reference::Id(id) => Some(Value::String(id.clone())),
        Reference::Object(o) => serde_json::to_value(resend_embedded(o, None)?).ok(),
    }
}

fn resend_collection(o: &Object) -> Option<OrderedCollection<Value>> {
    let items: Vec<Value> = o
        .ordered_items
        .iter()
        .map(resend_item)
        .collect::<Option<_>>()?;
    Some(OrderedCollection {
        id: o.id.clone()?,
        kind: collection_type(&o.kind)?,
        total_items: o.total_items.and_then(|n| i64::try_from(n).ok()),
        first: o.first.as_ref().and_then(Reference::id).map(Into::into),
        part_of: o.part_of.clone(),
        next: o.next.as_ref().and_then(Reference::id).map(Into::into),
        prev: None,
        ordered_items: (!items.is_empty()).then_some(items),
    })
}

/// The document Rookery would write with what the inbound types read of `doc`; `None` when
/// they read too little of it to write one.
pub(super) fn resend(doc: &Value) -> Option<Value> {
    let kind = doc.get("type").and_then(Value::as_str).unwrap_or("");
    if ACTOR_TYPES.contains(&kind) {
        let actor: RemoteActor = serde_json::from_value(doc.clone()).ok()?;
        return Some(sent(resend_actor(&actor)));
    }
    let object: Object = serde_json::from_value(doc.clone()).ok()?;
    match kind {
        "Note" | "Question" => Some(sent(resend_note(&object)?)),
        "Tombstone" => Some(sent(resend_tombstone(&object)?)),
        "QuoteAuthorization" => Some(sent(crate::federation::vocab::QuoteAuthorization {
            id: object.id.clone()?,
            kind: "QuoteAuthorization",
            attributed_to: object.author()?.to_string(),
            interacting_object: object.interacting_object.as_ref()?.id()?.to_string(),
            interaction_target: object.interaction_target.as_ref()?.id()?.to_string(),
        })),
        _ if collection_type(kind).is_some() => Some(sent(resend_collection(&object)?)),
        _ => match Incoming::parse(doc.clone()).ok()? {
            Incoming::Update(o, actor) => Some(sent(resend_activity(&o, actor.as_deref())?)),
            Incoming::Unhandled(_) => None,
            incoming => Some(sent(resend_activity(incoming.activity(), None)?)),
        },
    }
}

/// What the inbound types cannot tell apart, made equal: an empty audience and none, and the
/// media type of an image (Rookery learns it from the file it fetches).
pub(super) fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, v)| {
                    !(matches!(k.as_str(), "to" | "cc") && v.as_array().is_some_and(Vec::is_empty))
                })
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("icon" | "image", Value::Object(mut image)) => {
                            image.remove("mediaType");
                            Value::Object(image)
                        }
                        (_, v) => v,
                    };
                    (k, normalise(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        other => other,
    }
}
