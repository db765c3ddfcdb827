//! `federate_edit`: sends a local status's `Update` to its remote audience. Queued in the
//! transaction of the edit, so a crash after the commit cannot lose it; the document is built
//! when the job runs, from the status as it is then (a later edit simply sends the newer text).

use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::error::Error;
use crate::service;

pub const KIND: &str = "federate_edit";

pub fn payload(status_id: i64) -> Value {
    serde_json::json!({ "status_id": status_id })
}

#[tracing::instrument(skip_all, fields(status.id))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let Some(status_id) = payload.get("status_id").and_then(Value::as_i64) else {
        return Outcome::Fail("payload without status_id".into());
    };
    tracing::Span::current().record("status.id", status_id);
    match service::statuses::federate_update(state, status_id).await {
        // Deleted meanwhile: its Delete has gone out instead.
        Ok(()) | Err(Error::NotFound) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
