//! Use-cases, one place per action. The faces (`api`, `federation`, `web`) and the jobs call
//! these; these call the store. Nothing here knows about HTTP requests or JSON shapes.

pub mod accounts;
pub mod cache;
pub mod conversations;
pub mod delivery;
pub mod emojis;
pub mod feeds;
pub mod inbound;
pub mod instance;
pub mod instance_actor;
pub mod lists;
pub mod markers;
pub mod media;
pub mod media_cache;
pub mod moderation;
pub mod notifications;
pub mod oauth;
pub mod published;
pub mod queue;
pub mod relationships;
pub mod remote;
pub mod scheduled;
pub mod search;
pub mod statuses;
pub mod streaming;
pub mod timelines;
pub mod views;
pub mod visibility;
