//! `fetch_remote`: fetches a remote document in the background and stores what it describes.
//! Today that is an actor (`"type": "actor"`): a profile refreshed after an activity arrived
//! from an account whose copy is stale. A 404/410 or a document that is not a usable actor is
//! a permanent failure; an unreachable host is retried with backoff.

use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::{id, service, store};

pub const KIND: &str = "fetch_remote";

/// Attempts before a refresh is given up (the next activity from the actor queues another).
const MAX_ATTEMPTS: i32 = 5;

pub fn actor_payload(url: &str) -> Value {
    serde_json::json!({ "type": "actor", "url": url })
}

/// Queues a refresh of the actor at `url`, unless one is already waiting.
pub async fn enqueue_actor_refresh(state: &AppState, url: &str) -> Result<()> {
    let Some(host) = service::delivery::host_of(url) else {
        return Err(Error::unprocessable("Not a URL"));
    };
    let mut conn = state.db.acquire().await?;
    if store::jobs::waiting_with_url(&mut *conn, KIND, &host, url).await? {
        return Ok(());
    }
    store::jobs::enqueue_for_host(
        &mut conn,
        &store::jobs::NewJob {
            id: id::next(),
            kind: KIND,
            payload: &actor_payload(url),
            run_at: chrono::Utc::now(),
            host: Some(&host),
            max_attempts: Some(MAX_ATTEMPTS),
        },
    )
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(fetch.url))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let (Some("actor"), Some(url)) = (
        payload.get("type").and_then(Value::as_str),
        payload.get("url").and_then(Value::as_str),
    ) else {
        return Outcome::Fail("malformed fetch payload".into());
    };
    tracing::Span::current().record("fetch.url", url);
    match service::remote::fetch_actor(state, url).await {
        Ok(_) => Outcome::Done,
        Err(Error::Unavailable(why)) => Outcome::Retry(why),
        Err(Error::Internal(e)) => Outcome::Retry(e.to_string()),
        Err(other) => Outcome::Fail(other.to_string()),
    }
}
