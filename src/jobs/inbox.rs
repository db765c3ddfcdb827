//! `process_inbox`: a verified activity from a remote actor, parsed into [`Incoming`] once,
//! and handed to [`crate::service::inbound::receive_queued`], which checks its signer's standing
//! again (a suspension may have come while it waited).

use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::federation::vocab::inbound::Incoming;

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
    let result = crate::service::inbound::receive_queued(state, signer_id, &incoming).await;
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
