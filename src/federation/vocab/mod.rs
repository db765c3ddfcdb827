//! The ActivityStreams vocabulary as serde types: [`outbound`] the documents Rookery serves
//! and sends, [`inbound`] those it receives. The two are kept in step by the round-trip tests:
//! every document Rookery writes reads back through the inbound types unchanged.

pub mod inbound;
pub mod outbound;
mod quote_vocab;
#[cfg(test)]
mod round_trip;

pub use inbound::{RemoteActor, RemoteKey};
pub use outbound::{
    Activity, ActivityObject, ActivityType, Actor, ApprovalRule, CollectionType, Context, Document,
    Endpoints, Image, InteractionPolicy, Note, OrderedCollection, PollOption, PropertyValue,
    PublicKey, QuoteAuthorization, QuoteRef, Replies, Tag, TagCollection, Tombstone, Vote,
    WithContext,
};

/// The ActivityStreams public collection.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// The media type of ActivityPub documents.
pub const ACTIVITY_JSON: &str = "application/activity+json";
