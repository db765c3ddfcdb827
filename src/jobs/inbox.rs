//! `process_inbox`: a verified activity from a remote actor, parsed into [`Incoming`] once,
//! checked against its signer's standing (a suspension may have come while it waited), and
//! handed to [`crate::service::inbound::receive`].

use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::federation::inbox::allowed_while_suspended;
use crate::federation::signed::{self, Standing};
use crate::federation::vocab::inbound::Incoming;
use crate::store;

pub const KIND: &str = "process_inbox";

pub fn payload(signer_id: i64, activity: &Value) -> Value {
    serde_json::json!({ "signer_id": signer_id, "activity": activity })
}

/// The payload as queued by the inbox.
#[derive(serde::Deserialize)]
struct Payload {
    signer_id: i64,
    activity: Value,
}

#[tracing::instrument(skip_all, fields(activity.kind))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let Ok(Payload {
        signer_id,
        activity,
    }) = serde_json::from_value(payload.clone())
    else {
        return Outcome::Fail("malformed inbox payload".into());
    };
    let incoming = match Incoming::parse(activity) {
        Ok(incoming) => incoming,
        Err(e) => return Outcome::Fail(format!("not an activity: {e}")),
    };
    let kind = incoming.activity().kind.clone();
    tracing::Span::current().record("activity.kind", kind.as_str());
    let signer = match store::accounts::by_id(&state.db, signer_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Outcome::Done,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    // The inbox checked the signer when the activity arrived; a moderator may have suspended
    // it (or its domain) while the activity waited in the queue.
    match signed::standing(state, &signer).await {
        Ok(Standing::Welcome) => {}
        Ok(Standing::Suspended) if allowed_while_suspended(&kind) => {}
        Ok(standing) => {
            tracing::info!(
                actor = %signer.uri,
                ?standing,
                "dropped an activity: its actor may no longer act here"
            );
            return Outcome::Done;
        }
        Err(e) => return Outcome::Retry(e.to_string()),
    }
    let result = crate::service::inbound::receive(state, &signer, &incoming).await;
    match result {
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(Error::Internal(e)) => Outcome::Retry(e.to_string()),
        Err(Error::Unavailable(e)) => Outcome::Retry(e),
        // Refused for a reason that will not change (blocked, invalid): dropped.
        Err(e) => {
            tracing::info!(error = %e, "activity refused");
            Outcome::Done
        }
    }
}
