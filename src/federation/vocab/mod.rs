//! Serde types of the ActivityStreams documents Rookery serves and sends, and (in
//! [`inbound`]) of those it receives.

pub mod inbound;
#[cfg(test)]
mod round_trip;

pub use inbound::{RemoteActor, RemoteKey};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The ActivityStreams public collection.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// The media type of ActivityPub documents.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// The `@context` Mastodon and JSON-LD processors accept, with the `toot:` and `schema:`
/// terms Rookery uses.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "memorial": "toot:memorial",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "blurhash": "toot:blurhash",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" }
        }
    ])
}

/// A document with its `@context` in front.
#[derive(Debug, Serialize)]
pub struct WithContext<T: Serialize> {
    #[serde(rename = "@context")]
    pub context: Value,
    #[serde(flatten)]
    pub document: T,
}

impl<T: Serialize> WithContext<T> {
    pub fn new(document: T) -> WithContext<T> {
        WithContext {
            context: context(),
            document,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: String,
    pub public_key_pem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Image {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "mediaType", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub url: String,
}

/// A profile field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub value: String,
}

/// A `Person` (or `Service`, `Application`, `Group`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub inbox: String,
    pub outbox: String,
    pub followers: String,
    pub following: String,
    pub featured: String,
    pub endpoints: Endpoints,
    pub public_key: PublicKey,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub memorial: bool,
    pub published: String,
    pub icon: Image,
    pub image: Image,
    pub attachment: Vec<PropertyValue>,
    pub also_known_as: Vec<String>,
    pub tag: Vec<Value>,
}

/// A `Mention` or `Hashtag` in a note's `tag`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagLink {
    #[serde(rename = "type")]
    pub kind: String,
    pub href: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
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
    pub content_map: Option<Value>,
    pub attachment: Vec<Value>,
    pub tag: Vec<TagLink>,
    pub replies: Value,
}

/// An activity wrapping an object (Create) or pointing at one (Announce).
#[derive(Debug, Clone, Serialize)]
pub struct Activity<O: Serialize> {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: String,
    pub published: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub object: O,
}

/// An `OrderedCollection` (summary with `first`) or one of its pages.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub total_items: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<Value>>,
}
