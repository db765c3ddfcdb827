//! Integration tests: the real server on an ephemeral port over a real PostgreSQL.

mod accounts;
mod cli;
mod delivery;
mod documents;
mod federation;
mod fetch;
mod fixtures;
mod follows;
mod helpers;
mod instance;
mod interact;
mod media;
mod media_cache;
mod media_edits;
mod media_meta;
mod media_thumbnails;
mod moderation;
mod oauth;
mod relationships;
mod remote;
mod signed_fetch;
mod statuses;
mod streaming;
mod threads;
mod visibility;
