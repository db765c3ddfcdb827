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

/// mimalloc for every binary linking Rookery (the server, its tests and benches, so they
/// measure what runs). Under glibc's allocator a page of grouped notifications spent about
/// a third of the server's CPU in malloc: arena locks contended as tokio moved requests
/// between workers (a block freed on another thread than the one that allocated it), and
/// large answers faulted fresh pages in each time the heap had been trimmed. mimalloc keeps
/// a heap per thread and frees across threads without a lock. How it gives memory back is
/// set by `tune_allocator`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Has the allocator give memory back to the system as soon as it is free (issue 23), before
/// anything is allocated: mimalloc reserves its first arena at the first allocation, which
/// comes before `main`, and an arena keeps the commit policy it was reserved with. By default
/// mimalloc keeps a freed span for a second and gives it back only when the process next
/// allocates: after a burst of sign-ins (argon2, 19 MiB of working memory a hash) an idle
/// server stayed 170 MiB larger after 60 of them, until its next requests. And it commits its
/// arenas whole, which left the server about 10 MiB larger at rest than committing on demand.
#[cfg(target_os = "linux")]
extern "C" fn tune_allocator() {
    // Their numbers in mimalloc.h's `mi_option_e`, which keeps them across versions (a
    // retired option keeps its slot); libmimalloc-sys names neither for mimalloc 3.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting options is not thread-safe; this runs while the process is loaded,
    // before `main` and before any thread is started.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

/// Runs [`tune_allocator`] as the process is loaded, among the ELF initialisers (what a
/// constructor crate would do, in two lines).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static TUNE_ALLOCATOR: extern "C" fn() = tune_allocator;

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
