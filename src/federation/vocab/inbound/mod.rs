//! ActivityStreams documents as peers send them, parsed once at the edge into types.
//!
//! Servers differ in how they spell the same thing: one value or a list (Fedify collapses
//! one-item lists), an id or the embedded object, `as:Public` or the full public URI, a `url`
//! as a string, a `Link` or a list of both, `contentMap` beside or instead of `content`. These
//! types absorb the differences so that no code past the edge reads a `serde_json::Value`
//! key by key. They are lenient field by field, as Mastodon is: a field of an unexpected shape
//! is read as absent rather than failing the whole document; what a document must have to be
//! acted on (an id, an actor, an object) is checked where it is acted on.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

use super::PUBLIC;
use crate::model::host::is_web_url;

/// Whether an audience entry names the public collection, in any of its spellings.
pub fn is_public(entry: &str) -> bool {
    matches!(entry, PUBLIC | "as:Public" | "Public")
}

/// `T` if the value has its shape; `None` (not an error) otherwise.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// One value or a list of them, as a list; items of another shape are left out.
fn one_or_many<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        one => serde_json::from_value(one).into_iter().collect(),
    })
}

/// The ids in an audience or reference list: strings, or objects with an `id`.
fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let refs: Vec<Reference> = one_or_many(d)?;
    Ok(refs
        .into_iter()
        .filter_map(|r| r.id().map(str::to_string))
        .collect())
}

/// The web links of a `url`-like value: a string, a `Link` (its `href`), an `Image` (its
/// `url`), or a list of them; only absolute http(s) URLs are kept.
fn web_links<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    fn collect(value: Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) if is_web_url(&s) => out.push(s),
            Value::Array(items) => items.into_iter().for_each(|i| collect(i, out)),
            Value::Object(mut map) => {
                if let Some(inner) = map.remove("href").or_else(|| map.remove("url")) {
                    // A link inside a link is as deep as servers go.
                    if !inner.is_object() {
                        collect(inner, out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(Value::deserialize(d)?, &mut out);
    Ok(out)
}

/// A reference to an object: its id, or the object embedded.
#[derive(Debug, Clone)]
pub enum Reference {
    Id(String),
    Object(Box<Object>),
}

impl Reference {
    /// The referenced object's id, when it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Reference::Id(id) => Some(id),
            Reference::Object(o) => o.id.as_deref(),
        }
    }

    /// The embedded object, when the reference carries one.
    pub fn object(&self) -> Option<&Object> {
        match self {
            Reference::Id(_) => None,
            Reference::Object(o) => Some(o),
        }
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(id) => Ok(Reference::Id(id)),
            object @ Value::Object(_) => serde_json::from_value(object)
                .map(|o| Reference::Object(Box::new(o)))
                .map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom("neither an id nor an object")),
        }
    }
}

/// An entry of `tag`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Tag {
    Mention {
        #[serde(default, deserialize_with = "lenient")]
        href: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        name: Option<String>,
    },
    Hashtag {
        #[serde(default, deserialize_with = "lenient")]
        name: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        href: Option<String>,
    },
    Emoji(Box<Emoji>),
    /// A link to another object (FEP-e232), as quotes are tagged.
    Link {
        #[serde(default, deserialize_with = "lenient")]
        href: Option<String>,
        #[serde(default, rename = "mediaType", deserialize_with = "lenient")]
        media_type: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        name: Option<String>,
    },
    #[serde(other)]
    Other,
}

/// A custom emoji (`toot:Emoji`).
#[derive(Debug, Clone, Deserialize)]
pub struct Emoji {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub icon: Option<Attachment>,
    #[serde(default, deserialize_with = "lenient")]
    pub updated: Option<DateTime<Utc>>,
}

/// A media attachment (`Document`, `Image`, `Video`, `Audio`), or an emoji's icon.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(default, rename = "type", deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "web_links")]
    pub url: Vec<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub media_type: Option<String>,
    /// Alt text (Mastodon sends it as `name`, some servers as `summary`).
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub blurhash: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub width: Option<u32>,
    #[serde(default, deserialize_with = "lenient")]
    pub height: Option<u32>,
    #[serde(default, deserialize_with = "lenient")]
    pub focal_point: Option<(f32, f32)>,
    #[serde(default, deserialize_with = "web_links")]
    pub icon: Vec<String>,
}

/// A poll's option (a `Note` with a `name` and its `replies.totalItems`).
#[derive(Debug, Clone, Deserialize)]
pub struct PollOption {
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub replies: Option<CollectionSummary>,
}

/// What Rookery reads of a collection referred to by an object: its size.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionSummary {
    #[serde(default, deserialize_with = "lenient")]
    pub total_items: Option<u64>,
}

/// Any ActivityStreams object or activity: a `Note`, a `Question`, a `Person`, a `Create`, a
/// `Follow`… Every field a kind of object may carry is here, each optional; what a kind must
/// have is checked where that kind is acted on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    /// The first of its types (JSON-LD allows several; servers send one).
    #[serde(default, rename = "type", deserialize_with = "first_type")]
    pub kind: String,

    // Activities.
    #[serde(default, deserialize_with = "lenient")]
    pub actor: Option<Reference>,
    /// What the activity acts on: usually one object, several for a `Flag`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub object: Vec<Reference>,
    #[serde(default, deserialize_with = "lenient")]
    pub target: Option<Reference>,

    // Addressing.
    #[serde(default, deserialize_with = "ids")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "ids")]
    pub cc: Vec<String>,

    // Notes and their kin.
    #[serde(default, deserialize_with = "ids")]
    pub attributed_to: Vec<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub content_map: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub sensitive: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub in_reply_to: Option<Reference>,
    #[serde(default, deserialize_with = "lenient")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "web_links")]
    pub url: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub tag: Vec<Tag>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub attachment: Vec<Attachment>,
    /// A note's replies collection (its id, or the collection embedded).
    #[serde(default, deserialize_with = "lenient")]
    pub replies: Option<Reference>,

    // Tombstones.
    #[serde(default, deserialize_with = "lenient")]
    pub former_type: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub deleted: Option<DateTime<Utc>>,

    // Collections and their pages.
    #[serde(default, deserialize_with = "lenient")]
    pub total_items: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub first: Option<Reference>,
    #[serde(default, deserialize_with = "lenient")]
    pub next: Option<Reference>,
    #[serde(default, deserialize_with = "lenient")]
    pub part_of: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub ordered_items: Vec<Reference>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub items: Vec<Reference>,

    // Quotes, in the dialects peers speak (FEP-044f, Fedibird, Misskey).
    /// FEP-044f's `quote`: the quoted object's id, the object, or a bare `Tombstone` once the
    /// quoted object is deleted (as Mastodon writes it).
    #[serde(default, deserialize_with = "lenient")]
    pub quote: Option<Reference>,
    #[serde(default, deserialize_with = "lenient")]
    pub quote_uri: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub quote_url: Option<String>,
    #[serde(default, rename = "_misskey_quote", deserialize_with = "lenient")]
    pub misskey_quote: Option<String>,
    /// The quoted author's `QuoteAuthorization` stamping this quote (FEP-044f).
    #[serde(default, deserialize_with = "lenient")]
    pub quote_authorization: Option<String>,
    /// Who may quote (GoToSocial's `interactionPolicy`, as Mastodon 4.5 sends it).
    #[serde(default, deserialize_with = "lenient")]
    pub interaction_policy: Option<InteractionPolicy>,
    /// A `QuoteRequest`'s quoting note (its id, or the note embedded).
    #[serde(default, deserialize_with = "lenient")]
    pub instrument: Option<Reference>,
    /// An `Accept`'s result: the `QuoteAuthorization` it grants.
    #[serde(default, deserialize_with = "lenient")]
    pub result: Option<Reference>,
    /// A `QuoteAuthorization`'s quoting note and quoted note.
    #[serde(default, deserialize_with = "lenient")]
    pub interacting_object: Option<Reference>,
    #[serde(default, deserialize_with = "lenient")]
    pub interaction_target: Option<Reference>,

    // Polls (`Question`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub one_of: Vec<PollOption>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub any_of: Vec<PollOption>,
    #[serde(default, deserialize_with = "lenient")]
    pub end_time: Option<DateTime<Utc>>,
    /// When (or, in some dialects, whether) a poll closed.
    #[serde(default, deserialize_with = "lenient")]
    pub closed: Option<Closed>,
    #[serde(default, deserialize_with = "lenient")]
    pub voters_count: Option<u64>,

    // Actors.
    #[serde(default, deserialize_with = "lenient")]
    pub preferred_username: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub inbox: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub also_known_as: Vec<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub moved_to: Option<String>,
}

/// An object's `interactionPolicy`, of which Rookery reads who may quote.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionPolicy {
    #[serde(default, deserialize_with = "lenient")]
    pub can_quote: Option<ApprovalRule>,
}

/// Who is approved at once, and whose interaction waits for the author.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRule {
    #[serde(default, deserialize_with = "ids")]
    pub automatic_approval: Vec<String>,
    #[serde(default, deserialize_with = "ids")]
    pub manual_approval: Vec<String>,
}

/// `closed` on a `Question`: a time, or (Misskey, Pleroma) a flag.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Closed {
    At(DateTime<Utc>),
    Flag(bool),
}

fn first_type<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let kinds: Vec<String> = one_or_many(d)?;
    Ok(kinds.into_iter().next().unwrap_or_default())
}

impl Object {
    /// Whether the object is addressed to the public collection (in `to` or `cc`).
    pub fn is_public(&self) -> bool {
        self.to.iter().chain(&self.cc).any(|a| is_public(a))
    }

    /// The actor's id (`actor`), for activities.
    pub fn actor_id(&self) -> Option<&str> {
        self.actor.as_ref().and_then(Reference::id)
    }

    /// The activity's (first) object.
    pub fn object(&self) -> Option<&Reference> {
        self.object.first()
    }

    /// The id of the activity's object.
    pub fn object_id(&self) -> Option<&str> {
        self.object().and_then(Reference::id)
    }

    /// The activity's object, when it is embedded.
    pub fn embedded(&self) -> Option<&Object> {
        self.object().and_then(Reference::object)
    }

    /// The author's id (the first of `attributedTo`).
    pub fn author(&self) -> Option<&str> {
        self.attributed_to.first().map(String::as_str)
    }

    /// The HTML of the object: `content`, else the first entry of `contentMap`.
    pub fn html(&self) -> &str {
        self.content
            .as_deref()
            .or_else(|| {
                self.content_map
                    .as_ref()?
                    .values()
                    .next()
                    .map(String::as_str)
            })
            .unwrap_or("")
    }

    /// The language of the content, from `contentMap`'s key.
    pub fn language(&self) -> Option<&str> {
        self.content_map.as_ref()?.keys().next().map(String::as_str)
    }

    /// The URI of the object quoted, in whichever dialect the peer spoke: FEP-044f's
    /// `quote`, Fedibird's `quoteUri`, Misskey's `_misskey_quote`, `quoteUrl`, or a FEP-e232
    /// `Link` tag to an ActivityStreams object.
    pub fn quoted(&self) -> Option<&str> {
        self.quote
            .as_ref()
            .and_then(Reference::id)
            .or(self.quote_uri.as_deref())
            .or(self.misskey_quote.as_deref())
            .or(self.quote_url.as_deref())
            .or_else(|| {
                self.tag.iter().find_map(|t| match t {
                    Tag::Link {
                        href: Some(href),
                        media_type: Some(kind),
                        ..
                    } if is_activity_media_type(kind) => Some(href.as_str()),
                    _ => None,
                })
            })
    }

    /// Whether `quote` is a `Tombstone`: the note quoted something since deleted (Mastodon's
    /// `deleted_quote?`).
    pub fn deleted_quote(&self) -> bool {
        matches!(&self.quote, Some(Reference::Object(o)) if o.kind == "Tombstone")
    }

    /// Whether the quote is written in a dialect older than FEP-044f (no `quote`), whose
    /// servers ask for no approval.
    pub fn legacy_quote(&self) -> bool {
        self.quote.is_none()
    }
}

/// Whether a `Link`'s media type names an ActivityStreams document (FEP-e232).
fn is_activity_media_type(kind: &str) -> bool {
    let kind = kind.to_ascii_lowercase();
    kind.starts_with("application/activity+json")
        || (kind.starts_with("application/ld+json")
            && kind.contains("https://www.w3.org/ns/activitystreams"))
}

/// A remote actor as received: strict where Rookery depends on it (id, type, username, inbox,
/// key), lenient where servers differ.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteActor {
    pub id: String,
    #[serde(rename = "type", deserialize_with = "first_type")]
    pub kind: String,
    pub preferred_username: String,
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "web_links")]
    pub url: Vec<String>,
    pub inbox: String,
    #[serde(default, deserialize_with = "lenient")]
    pub outbox: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub followers: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub following: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub featured: Option<String>,
    /// The collection of the hashtags it features (`toot:featuredTags`).
    #[serde(default, deserialize_with = "lenient")]
    pub featured_tags: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub endpoints: Option<ActorEndpoints>,
    pub public_key: RemoteKey,
    #[serde(default, deserialize_with = "lenient")]
    pub manually_approves_followers: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub discoverable: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub indexable: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub memorial: Option<bool>,
    /// The avatar.
    #[serde(default, deserialize_with = "web_links")]
    pub icon: Vec<String>,
    /// The header image.
    #[serde(default, deserialize_with = "web_links")]
    pub image: Vec<String>,
    /// Profile fields (`PropertyValue`) among other attachments.
    #[serde(default, deserialize_with = "one_or_many")]
    pub attachment: Vec<ActorAttachment>,
    #[serde(default, deserialize_with = "ids")]
    pub also_known_as: Vec<String>,
    /// Websites allowed to credit the actor as an author (Mastodon's `attributionDomains`).
    #[serde(default, deserialize_with = "ids")]
    pub attribution_domains: Vec<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub moved_to: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub published: Option<DateTime<Utc>>,
    /// Custom emoji of the name, bio and fields (`Emoji`), among other tags.
    #[serde(default, deserialize_with = "one_or_many")]
    pub tag: Vec<Tag>,
}

/// An actor's `endpoints`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorEndpoints {
    #[serde(default, deserialize_with = "lenient")]
    pub shared_inbox: Option<String>,
}

/// An actor's public key.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteKey {
    pub id: String,
    pub owner: String,
    pub public_key_pem: String,
}

/// An entry of an actor's `attachment`: a profile field when it is a `PropertyValue`.
#[derive(Debug, Clone, Deserialize)]
pub struct ActorAttachment {
    #[serde(default, rename = "type", deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub value: Option<String>,
}

/// A WebFinger answer (JRD), as far as Rookery reads it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Jrd {
    #[serde(default, deserialize_with = "lenient")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub links: Vec<JrdLink>,
}

/// A link of a JRD.
#[derive(Debug, Clone, Deserialize)]
pub struct JrdLink {
    #[serde(default, deserialize_with = "lenient")]
    pub rel: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub href: Option<String>,
    /// A URI template (RFC 6570 level 1), as OStatus `subscribe` links carry.
    #[serde(default, deserialize_with = "lenient")]
    pub template: Option<String>,
}

impl Jrd {
    /// The `href` of the `self` link whose type `is_actor_type` accepts.
    pub fn self_link(&self, is_actor_type: impl Fn(&str) -> bool) -> Option<&str> {
        self.links
            .iter()
            .find(|l| {
                l.rel.as_deref() == Some("self") && l.kind.as_deref().is_some_and(&is_actor_type)
            })
            .and_then(|l| l.href.as_deref())
    }

    /// The `template` of the first link of relation `rel` that has one.
    pub fn template(&self, rel: &str) -> Option<&str> {
        self.links
            .iter()
            .filter(|l| l.rel.as_deref() == Some(rel))
            .find_map(|l| l.template.as_deref())
    }
}

/// An inbound activity, sorted by what it asks of Rookery.
#[derive(Debug)]
pub enum Incoming {
    Follow(Object),
    Accept(Object),
    Reject(Object),
    Undo(Object),
    Create(Object),
    /// An `Update`; of an actor, with the actor document as Rookery stores actors.
    Update(Object, Option<Box<RemoteActor>>),
    Delete(Object),
    Like(Object),
    Announce(Object),
    Block(Object),
    Flag(Object),
    /// A `Move` of an actor (`object`) to another (`target`): sent by the old actor, or by the
    /// new one when the old server is gone (FEP-7628).
    Move(Object),
    /// A `QuoteRequest` (FEP-044f): an actor asks to quote a local status.
    QuoteRequest(Object),
    /// A type Rookery does not act on (yet), named for the logs and metrics; also a `Create`
    /// of an embedded object that is no status (Pleroma's `ChatMessage`), and an `Announce` of
    /// an embedded activity (a Lemmy community relaying its members' `Create`s and votes).
    Unhandled(Object),
}

/// The types of actors.
pub const ACTOR_TYPES: &[&str] = &["Person", "Service", "Application", "Group", "Organization"];

/// The types of objects that become statuses.
pub const NOTE_TYPES: &[&str] = &["Note", "Article", "Page", "Question"];

/// Whether an activity embeds an object that is not a status (a note, an article, a page, a
/// poll). An object given by id alone may still be one: it is fetched to find out.
fn carries_no_status(activity: &Object) -> bool {
    activity
        .embedded()
        .is_some_and(|o| !NOTE_TYPES.contains(&o.kind.as_str()))
}

impl Incoming {
    /// Parses an activity document and sorts it by its type.
    pub fn parse(document: Value) -> Result<Incoming, serde_json::Error> {
        let activity: Object = serde_json::from_value(document.clone())?;
        Ok(match activity.kind.as_str() {
            "Follow" => Incoming::Follow(activity),
            "Accept" => Incoming::Accept(activity),
            "Reject" => Incoming::Reject(activity),
            "Undo" => Incoming::Undo(activity),
            "Create" | "Announce" if carries_no_status(&activity) => Incoming::Unhandled(activity),
            "Create" => Incoming::Create(activity),
            "Update" => {
                let is_actor = activity
                    .embedded()
                    .is_some_and(|o| ACTOR_TYPES.contains(&o.kind.as_str()));
                let actor = if is_actor {
                    #[derive(Deserialize)]
                    struct Embedding {
                        object: RemoteActor,
                    }
                    serde_json::from_value::<Embedding>(document)
                        .ok()
                        .map(|e| Box::new(e.object))
                } else {
                    None
                };
                Incoming::Update(activity, actor)
            }
            "Delete" => Incoming::Delete(activity),
            // An emoji reaction (Pleroma, Akkoma) counts as a favourite, as Misskey's `Like`
            // with a `_misskey_reaction` does.
            "Like" | "EmojiReact" => Incoming::Like(activity),
            "Announce" => Incoming::Announce(activity),
            "Block" => Incoming::Block(activity),
            "Flag" => Incoming::Flag(activity),
            "Move" => Incoming::Move(activity),
            "QuoteRequest" => Incoming::QuoteRequest(activity),
            _ => Incoming::Unhandled(activity),
        })
    }

    /// The activity itself.
    pub fn activity(&self) -> &Object {
        match self {
            Incoming::Follow(a)
            | Incoming::Accept(a)
            | Incoming::Reject(a)
            | Incoming::Undo(a)
            | Incoming::Create(a)
            | Incoming::Update(a, _)
            | Incoming::Delete(a)
            | Incoming::Like(a)
            | Incoming::Announce(a)
            | Incoming::Block(a)
            | Incoming::Flag(a)
            | Incoming::Move(a)
            | Incoming::QuoteRequest(a)
            | Incoming::Unhandled(a) => a,
        }
    }
}

#[cfg(test)]
mod tests;
