//! The ActivityPub face: discovery (WebFinger, host-meta, NodeInfo), actors and objects,
//! inboxes, HTTP Signatures, and fetching remote documents. Every remote document is
//! untrusted: verified, size-limited, parsed into strict types and origin-checked before the
//! service layer sees it.

pub mod authorized;
pub mod convert;
pub mod discovery;
pub mod documents;
pub mod fetch;
pub mod inbox;
pub mod moderation;
pub mod outbox;
pub mod remote_note;
pub mod signature;
pub mod signed;
pub mod vocab;

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(discovery::routes())
        .merge(documents::routes())
        .merge(inbox::routes())
}
