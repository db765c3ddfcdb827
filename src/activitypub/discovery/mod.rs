//! Discovery: how other servers and tools find this instance and its accounts before they
//! speak ActivityPub to it.
//!
//! - `GET /.well-known/webfinger` (RFC 7033): `acct:` handles and actor URLs to actor ids.
//! - `GET /.well-known/host-meta` (RFC 6415) and `/.well-known/host-meta.json`: where
//!   WebFinger lives, for older peers.
//! - `GET /.well-known/nodeinfo`, `/nodeinfo/2.0`, `/nodeinfo/2.1`: software, protocols and
//!   usage, for crawlers and for clients that detect the server kind (megalodon).
//!
//! Handlers only parse, call one service and render; the documents' wire types live beside
//! them. Nothing here writes SQL or knows about other faces. Browsers may read all of it from
//! any origin: the application's CORS layer answers `Access-Control-Allow-Origin: *`, as
//! RFC 7033 §5 asks.

mod host_meta;
mod nodeinfo;
mod webfinger;

use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::config::Config;

/// `application/jrd+json`, the media type of WebFinger and host-meta JSON documents.
pub const JRD_CONTENT_TYPE: &str = "application/jrd+json; charset=utf-8";

/// The id of the instance actor, the account-less actor that speaks for the whole instance
/// (it signs fetches, for one). Its WebFinger handle is `acct:{domain}@{domain}`, as on
/// Mastodon.
pub fn instance_actor_uri(config: &Config) -> String {
    format!("{}/actor", config.base_url())
}

/// The routes of discovery, merged into the federation router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger::show))
        .route("/.well-known/host-meta", get(host_meta::show))
        .route("/.well-known/host-meta.json", get(host_meta::show_json))
        .route("/.well-known/nodeinfo", get(nodeinfo::index))
        .route("/nodeinfo/2.0", get(nodeinfo::show_2_0))
        .route("/nodeinfo/2.1", get(nodeinfo::show_2_1))
}
