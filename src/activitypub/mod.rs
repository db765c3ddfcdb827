//! The ActivityPub face: what other servers request from this one. Discovery (WebFinger,
//! host-meta, NodeInfo), actor and object documents and collections, the inboxes, and the
//! verification of signed requests. Handlers verify and parse at the edge, call services and
//! render; the vocabulary, signatures and fetching they use are the library in
//! `crate::federation`.

pub mod authorized;
pub mod discovery;
pub mod documents;
pub mod inbox;
pub mod signed;

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(discovery::routes())
        .merge(documents::routes())
        .merge(inbox::routes())
}
