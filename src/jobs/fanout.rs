//! `fanout`: the part of posting that can wait ([`service::statuses::fan_out`]): home feeds,
//! followers' notifications and delivery to peers. Runs in a worker so a post with many
//! followers returns at once.

use serde_json::Value;

use super::Outcome;
use crate::app::AppState;
use crate::service;

pub const KIND: &str = "fanout";

pub fn payload(status_id: i64) -> Value {
    serde_json::json!({ "status_id": status_id })
}

#[tracing::instrument(skip_all, fields(status.id))]
pub async fn run(state: &AppState, payload: &Value) -> Outcome {
    let Some(status_id) = payload.get("status_id").and_then(Value::as_i64) else {
        return Outcome::Fail("payload without status_id".into());
    };
    tracing::Span::current().record("status.id", status_id);
    match service::statuses::fan_out(state, status_id).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
