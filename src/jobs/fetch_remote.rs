//! `fetch_remote`: fetches a remote document in the background and stores what it describes:
//! an actor ([`FetchRemote::Actor`]), a profile refreshed after an activity arrived from an
//! account whose copy is stale (queued by `service::queue::refresh_actor`); or a note's poll
//! ([`FetchRemote::Poll`]) whose counts were stale when someone viewed it (queued by
//! `service::queue::refresh_poll`); or the hashtags a remote account features
//! ([`FetchRemote::FeaturedTags`], queued when its actor is stored). A 404/410 or a document that is not usable is a permanent
//! failure; an unreachable host is retried with backoff.

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::service;
use crate::service::queue::FetchRemote;

#[tracing::instrument(skip_all, fields(fetch.url))]
pub async fn run(state: &AppState, job: &FetchRemote) -> Outcome {
    let fetched = match job {
        FetchRemote::Actor { url } => {
            tracing::Span::current().record("fetch.url", url.as_str());
            service::remote::fetch_actor(state, url).await.map(|_| ())
        }
        FetchRemote::Poll { url } => {
            tracing::Span::current().record("fetch.url", url.as_str());
            service::polls::refresh_remote(state, url).await
        }
        FetchRemote::FeaturedTags { account_id, url } => {
            tracing::Span::current().record("fetch.url", url.as_str());
            service::featured_tags::sync_remote(state, *account_id, url).await
        }
    };
    match fetched {
        Ok(()) => Outcome::Done,
        Err(Error::Unavailable(why)) => Outcome::Retry(why),
        Err(Error::Internal(e)) => Outcome::Retry(e.to_string()),
        Err(other) => Outcome::Fail(other.to_string()),
    }
}
