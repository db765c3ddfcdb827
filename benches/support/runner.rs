//! A bench's entry point: its work on a multi-threaded runtime, interrupted cleanly at Ctrl-C
//! (the work's future is dropped, so what it owns, a server process or a throwaway cluster,
//! is stopped by its `Drop`), with its error printed once. Shared by the benches through
//! `#[path]`.

use std::future::Future;
use std::process::ExitCode;

use anyhow::{anyhow, Result};

/// Runs `work` with the bench's settings to its end on a runtime of `threads` workers (the
/// machine's cores for `None`); settings that could not be read end it at once, with exit
/// code 2.
pub fn main<S, Fut>(
    name: &str,
    threads: Option<usize>,
    settings: Result<S>,
    work: impl FnOnce(S) -> Fut,
) -> ExitCode
where
    Fut: Future<Output = Result<()>>,
{
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{name}: {e:#}");
            return ExitCode::from(2);
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        builder.worker_threads(n);
    }
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{name}: cannot build the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        tokio::select! {
            r = work(settings) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name} failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
