//! The ActivityPub library that services call: the vocabulary (typed ActivityStreams in and
//! out), HTTP Signatures, fetching remote documents, conversion between documents and model
//! types, and handing activities to the delivery queue. It serves no requests: the
//! ActivityPub face (documents, inboxes, discovery) is `crate::activitypub`. Every remote
//! document is untrusted: verified, size-limited, parsed into strict types and origin-checked
//! before a service acts on it.

pub mod convert;
pub mod fetch;
pub mod moderation;
pub mod outbox;
pub mod remote_note;
pub mod signature;
pub mod vocab;
