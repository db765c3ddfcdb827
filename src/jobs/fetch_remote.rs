//! `fetch_remote`: fetches a remote document in the background and stores what it describes.
//! Today that is an actor ([`FetchRemote::Actor`]): a profile refreshed after an activity
//! arrived from an account whose copy is stale (queued by `service::queue::refresh_actor`). A
//! 404/410 or a document that is not a usable actor is a permanent failure; an unreachable host
//! is retried with backoff.

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::service;
use crate::service::queue::FetchRemote;

#[tracing::instrument(skip_all, fields(fetch.url))]
pub async fn run(state: &AppState, job: &FetchRemote) -> Outcome {
    let FetchRemote::Actor { url } = job;
    tracing::Span::current().record("fetch.url", url.as_str());
    match service::remote::fetch_actor(state, url).await {
        Ok(_) => Outcome::Done,
        Err(Error::Unavailable(why)) => Outcome::Retry(why),
        Err(Error::Internal(e)) => Outcome::Retry(e.to_string()),
        Err(other) => Outcome::Fail(other.to_string()),
    }
}
