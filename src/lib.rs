//! Rookery: a federated microblogging server speaking ActivityPub and the Mastodon client API.
//!
//! The map of the code is `docs/ARCHITECTURE.md`: faces (`api`, `activitypub`, `web`,
//! `jobs`) call `service`, which calls `store`; `model` holds the plain domain types.

pub mod activitypub;
pub mod announcements_cli;
pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod crypto;
pub mod db;
pub mod error;
pub mod federation;
pub mod id;
pub mod jobs;
pub mod media;
pub mod metrics;
pub mod model;
pub mod moderation_cli;
pub mod rate_limit;
pub mod service;
pub mod store;
pub mod streaming;
pub mod web;

use tracing_subscriber::EnvFilter;

/// The settings of the property tests of parsers that meet hostile input: enough cases to
/// find the usual mistakes while the suite stays quick, and no regression files written into
/// the tree (a case worth keeping becomes a named unit test).
#[cfg(test)]
pub(crate) fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// Installs the log subscriber the configuration asks for (RUST_LOG wins over `log.level`).
pub fn init_tracing(config: &config::Config) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match config.log.format {
        config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        config::LogFormat::Pretty => builder.try_init(),
    };
}
