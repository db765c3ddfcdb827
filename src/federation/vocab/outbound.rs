//! ActivityStreams documents as Rookery writes them: what it serves (actors, notes,
//! collections, tombstones) and what it delivers (activities).
//!
//! The shapes are Mastodon's, since Mastodon is what most peers were written against: the same
//! `@context`, the same fields, `null` where Mastodon writes `null` (a note's `summary`,
//! `inReplyTo`, `url`, `updated`, `contentMap`; an attachment's `name` and `blurhash`) and
//! nothing where it writes nothing. Every document Rookery produces is built from these types
//! (in `federation::convert` and `federation::moderation`) and is checked against its inbound
//! twin in `vocab::inbound`: what is sent must read back the same.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

pub use super::quote_vocab::{ApprovalRule, InteractionPolicy, QuoteAuthorization, QuoteRef};

/// The `@context` of every document Rookery sends: ActivityStreams, the security vocabulary
/// (`publicKey`), and the `toot:`, `schema:` and `as:` terms Mastodon defines, so that JSON-LD
/// processors and Mastodon read the extensions as Mastodon's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context;

/// How a term of the context expands.
#[derive(Debug, Clone, Copy)]
enum Term {
    /// A plain alias (`"sensitive": "as:sensitive"`).
    Alias(&'static str),
    /// A term whose values are ids (`{"@id": …, "@type": "@id"}`).
    Link(&'static str),
    /// A term whose value is an ordered list (`{"@container": "@list", "@id": …}`).
    List(&'static str),
}

const CONTEXT_URLS: [&str; 2] = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
];

const TERMS: [(&str, Term); 32] = [
    (
        "manuallyApprovesFollowers",
        Term::Alias("as:manuallyApprovesFollowers"),
    ),
    ("sensitive", Term::Alias("as:sensitive")),
    ("Hashtag", Term::Alias("as:Hashtag")),
    ("toot", Term::Alias("http://joinmastodon.org/ns#")),
    ("featured", Term::Link("toot:featured")),
    ("featuredTags", Term::Link("toot:featuredTags")),
    ("discoverable", Term::Alias("toot:discoverable")),
    ("indexable", Term::Alias("toot:indexable")),
    ("memorial", Term::Alias("toot:memorial")),
    ("votersCount", Term::Alias("toot:votersCount")),
    ("schema", Term::Alias("http://schema.org#")),
    ("PropertyValue", Term::Alias("schema:PropertyValue")),
    ("value", Term::Alias("schema:value")),
    ("alsoKnownAs", Term::Link("as:alsoKnownAs")),
    ("attributionDomains", Term::Link("toot:attributionDomains")),
    ("movedTo", Term::Link("as:movedTo")),
    ("blurhash", Term::Alias("toot:blurhash")),
    ("focalPoint", Term::List("toot:focalPoint")),
    ("Emoji", Term::Alias("toot:Emoji")),
    // Quote posts (FEP-044f, and the older dialects sent beside it), as Mastodon 4.5 names
    // them, with GoToSocial's interaction policies.
    ("quote", Term::Link("https://w3id.org/fep/044f#quote")),
    ("quoteUri", Term::Alias("http://fedibird.com/ns#quoteUri")),
    (
        "_misskey_quote",
        Term::Alias("https://misskey-hub.net/ns#_misskey_quote"),
    ),
    (
        "quoteAuthorization",
        Term::Link("https://w3id.org/fep/044f#quoteAuthorization"),
    ),
    (
        "QuoteRequest",
        Term::Alias("https://w3id.org/fep/044f#QuoteRequest"),
    ),
    (
        "QuoteAuthorization",
        Term::Alias("https://w3id.org/fep/044f#QuoteAuthorization"),
    ),
    ("gts", Term::Alias("https://gotosocial.org/ns#")),
    ("interactionPolicy", Term::Link("gts:interactionPolicy")),
    ("canQuote", Term::Link("gts:canQuote")),
    ("automaticApproval", Term::Link("gts:automaticApproval")),
    ("manualApproval", Term::Link("gts:manualApproval")),
    ("interactingObject", Term::Link("gts:interactingObject")),
    ("interactionTarget", Term::Link("gts:interactionTarget")),
];

impl Serialize for Term {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Term::Alias(iri) => s.serialize_str(iri),
            Term::Link(iri) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("@id", iri)?;
                map.serialize_entry("@type", "@id")?;
                map.end()
            }
            Term::List(iri) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("@container", "@list")?;
                map.serialize_entry("@id", iri)?;
                map.end()
            }
        }
    }
}

/// The terms of [`Context`], as one JSON object.
struct Terms;

impl Serialize for Terms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(TERMS.len()))?;
        for (name, term) in &TERMS {
            map.serialize_entry(name, term)?;
        }
        map.end()
    }
}

impl Serialize for Context {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(CONTEXT_URLS.len() + 1))?;
        for url in CONTEXT_URLS {
            seq.serialize_element(url)?;
        }
        seq.serialize_element(&Terms)?;
        seq.end()
    }
}

/// A document with the `@context` in front: what is served or delivered at the top level
/// (embedded documents carry none).
#[derive(Debug, Clone, Serialize)]
pub struct WithContext<T: Serialize> {
    #[serde(rename = "@context")]
    pub context: Context,
    #[serde(flatten)]
    pub document: T,
}

impl<T: Serialize> WithContext<T> {
    pub fn new(document: T) -> WithContext<T> {
        WithContext {
            context: Context,
            document,
        }
    }
}

/// An actor's key, by which peers check its signatures.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: String,
    pub public_key_pem: String,
}

/// An actor's `endpoints`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: String,
}

/// An `Image`: an avatar, a header, a video's thumbnail, an emoji's icon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "mediaType", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub url: String,
}

impl Image {
    /// An image at `url` of the given media type.
    pub fn new(url: String, media_type: Option<String>) -> Image {
        Image {
            kind: "Image",
            media_type,
            url,
        }
    }
}

/// A profile field (`schema:PropertyValue`); `value` is HTML.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub value: String,
}

impl PropertyValue {
    pub fn new(name: String, value: String) -> PropertyValue {
        PropertyValue {
            kind: "PropertyValue",
            name,
            value,
        }
    }
}

/// An actor: a `Person`, a `Service` (bots), an `Application` (the instance actor), a
/// `Group`. Rookery fills every field; those other servers may leave out are optional so that
/// the same type can write any actor the inbound side reads.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub inbox: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followers: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featured: Option<String>,
    /// The hashtags featured on the profile (Mastodon's `toot:featuredTags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featured_tags: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manually_approves_followers: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indexable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memorial: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The avatar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<Image>,
    /// The header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Profile fields.
    pub attachment: Vec<PropertyValue>,
    pub also_known_as: Vec<String>,
    /// Websites allowed to credit the actor as an author (Mastodon 4.4).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attribution_domains: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// Custom emoji of the name, bio and fields.
    pub tag: Vec<Tag>,
}

/// An entry of a note's `tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum Tag {
    /// An account mentioned: its id, and `@user@host`.
    Mention { href: String, name: String },
    /// A hashtag: its page here, and `#name`.
    Hashtag { href: String, name: String },
    /// A custom emoji (`toot:Emoji`), as Mastodon sends it: its id, `:shortcode:`, when its
    /// image last changed, and the image.
    Emoji {
        id: String,
        name: String,
        updated: String,
        icon: Image,
    },
}

/// A media attachment, as Mastodon sends it: a `Document` with alt text in `name`, the
/// blurhash, the focal point of an image, its size, and a video's own thumbnail in `icon`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    #[serde(rename = "type")]
    pub kind: String,
    pub media_type: Option<String>,
    pub url: String,
    /// Alt text; `null` when there is none.
    pub name: Option<String>,
    pub blurhash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal_point: Option<(f32, f32)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<Image>,
}

/// The `replies` collection of a note: its id and an empty first page pointing at the
/// replies themselves, as Mastodon embeds it.
#[derive(Debug, Clone, Serialize)]
pub struct Replies {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub first: RepliesPage,
}

/// The first page embedded in [`Replies`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepliesPage {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub next: String,
    pub part_of: String,
    pub items: Vec<String>,
}

impl Replies {
    /// The replies collection at `id`, served by `activitypub::documents::replies`.
    pub fn at(id: String) -> Replies {
        Replies {
            first: RepliesPage {
                kind: "CollectionPage",
                next: format!("{id}?page=true"),
                part_of: id.clone(),
                items: Vec::new(),
            },
            id,
            kind: "Collection",
        }
    }
}

/// A status as a `Note`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The content warning.
    pub summary: Option<String>,
    pub in_reply_to: Option<String>,
    pub published: String,
    pub updated: Option<String>,
    pub url: Option<String>,
    pub attributed_to: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub sensitive: bool,
    pub content: String,
    /// The content again, under its language.
    pub content_map: Option<BTreeMap<String, String>>,
    /// A poll's end (a `Question`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// When a poll was closed (a `Question` whose voting has ended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    /// A poll's distinct voters (a `Question`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters_count: Option<i64>,
    /// The options of a single-choice poll.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<PollOption>,
    /// The options of a multiple-choice poll.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<PollOption>,
    pub attachment: Vec<Document>,
    pub tag: Vec<Tag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<Replies>,
    /// The status quoted (FEP-044f), and again under the older dialects' names (those only
    /// while the quoted status exists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<QuoteRef>,
    #[serde(rename = "_misskey_quote", skip_serializing_if = "Option::is_none")]
    pub misskey_quote: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_uri: Option<String>,
    /// The quoted author's stamp, once the quote is accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_authorization: Option<String>,
    /// Who may quote it (always written by Rookery; absent only when read from a peer
    /// that wrote none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction_policy: Option<InteractionPolicy>,
}

/// An option of a poll, as Mastodon sends it: a `Note` with its title as `name` and its votes
/// as the size of its `replies`.
#[derive(Debug, Clone, Serialize)]
pub struct PollOption {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub replies: VoteCount,
}

/// The votes of a [`PollOption`]: a `Collection` known by its size alone.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteCount {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub total_items: i64,
}

impl PollOption {
    /// The option titled `name`, with `votes` votes.
    pub fn new(name: String, votes: i64) -> PollOption {
        PollOption {
            kind: "Note",
            name,
            replies: VoteCount {
                kind: "Collection",
                total_items: votes,
            },
        }
    }
}

/// A vote on a remote poll, as Mastodon casts one: a `Note` named for the option chosen, in
/// reply to the `Question`, for its author alone.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vote {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub attributed_to: String,
    pub in_reply_to: String,
    pub to: String,
}

/// What is left of a deleted object, served with 410 Gone or embedded in a `Delete`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
}

impl Tombstone {
    /// The bare tombstone a `Delete` carries.
    pub fn of(id: String) -> Tombstone {
        Tombstone {
            id,
            kind: "Tombstone",
            former_type: None,
            deleted: None,
        }
    }

    /// A deleted note at `id`, deleted at `deleted` (an ActivityStreams timestamp).
    pub fn deleted_note(id: String, deleted: String) -> Tombstone {
        Tombstone {
            former_type: Some("Note".into()),
            deleted: Some(deleted),
            ..Tombstone::of(id)
        }
    }
}

/// The types of activities Rookery sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ActivityType {
    Create,
    Update,
    Delete,
    Like,
    Announce,
    Follow,
    Accept,
    Reject,
    Undo,
    Block,
    Flag,
    Move,
    QuoteRequest,
}

/// What an activity acts on: an id, several ids (a `Flag`), or the object embedded.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ActivityObject {
    Id(String),
    Ids(Vec<String>),
    Note(Box<Note>),
    Vote(Box<Vote>),
    Actor(Box<Actor>),
    Activity(Box<Activity>),
    Tombstone(Tombstone),
}

/// An activity. Only what its kind carries is written: `published`, `to` and `cc` where
/// Mastodon writes them (a `Create`, an `Announce`, an `Update`, a `Delete`), `content` for
/// the comment of a `Flag`.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ActivityType,
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    pub object: ActivityObject,
    /// Where a `Move` goes: the new actor's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A `QuoteRequest`'s quoting note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instrument: Option<String>,
    /// What an `Accept` of a `QuoteRequest` grants: the `QuoteAuthorization`'s id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl Activity {
    /// `actor`'s activity `id` of `kind` on `object`, addressed to no one in particular.
    pub fn new(id: String, kind: ActivityType, actor: String, object: ActivityObject) -> Activity {
        Activity {
            id,
            kind,
            actor,
            published: None,
            to: None,
            cc: None,
            content: None,
            object,
            target: None,
            instrument: None,
            result: None,
        }
    }

    /// The activity addressed to `to` and `cc`.
    pub fn addressed(self, to: Vec<String>, cc: Vec<String>) -> Activity {
        Activity {
            to: Some(to),
            cc: Some(cc),
            ..self
        }
    }

    /// The activity addressed to `to` alone (no `cc`).
    pub fn to(self, to: Vec<String>) -> Activity {
        Activity {
            to: Some(to),
            ..self
        }
    }

    /// The activity with its time of publication.
    pub fn published(self, published: String) -> Activity {
        Activity {
            published: Some(published),
            ..self
        }
    }
}

/// An unordered `Collection` served whole: the hashtags an actor features (`featuredTags`),
/// as Mastodon serves them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagCollection {
    pub id: String,
    /// Always `Collection`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub total_items: i64,
    pub items: Vec<Tag>,
}

impl TagCollection {
    /// The collection `id` holding every one of `items`.
    pub fn whole(id: String, items: Vec<Tag>) -> TagCollection {
        TagCollection {
            id,
            kind: "Collection",
            total_items: i64::try_from(items.len()).unwrap_or(i64::MAX),
            items,
        }
    }
}

/// The two kinds of ordered collections Rookery serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CollectionType {
    OrderedCollection,
    OrderedCollectionPage,
}

/// An `OrderedCollection` (its size and first page, or every item for short ones such as
/// `featured`) or one of its pages, of items `T` (ids, activities, notes).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection<T> {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: CollectionType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_items: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<T>>,
}

impl<T> OrderedCollection<T> {
    /// A collection's summary: its size, and where its first page is (none when hidden).
    pub fn summary(id: String, total_items: i64, first: Option<String>) -> OrderedCollection<T> {
        OrderedCollection {
            id,
            kind: CollectionType::OrderedCollection,
            total_items: Some(total_items),
            first,
            part_of: None,
            next: None,
            prev: None,
            ordered_items: None,
        }
    }

    /// A short collection served whole.
    pub fn whole(id: String, items: Vec<T>) -> OrderedCollection<T> {
        OrderedCollection {
            total_items: Some(i64::try_from(items.len()).unwrap_or(i64::MAX)),
            ordered_items: Some(items),
            ..OrderedCollection::summary(id, 0, None)
        }
    }

    /// The page `id` of the collection `part_of`, with the next page's id if there is one.
    pub fn page(
        id: String,
        part_of: String,
        total_items: i64,
        next: Option<String>,
        items: Vec<T>,
    ) -> OrderedCollection<T> {
        OrderedCollection {
            id,
            kind: CollectionType::OrderedCollectionPage,
            total_items: Some(total_items),
            first: None,
            part_of: Some(part_of),
            next,
            prev: None,
            ordered_items: Some(items),
        }
    }
}
