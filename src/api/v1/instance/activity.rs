//! `GET /api/v1/instance/activity`: twelve weeks of local statuses, sign-ins and sign-ups,
//! this week first (404 when kept private).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::error::Result;
use crate::service::instance_pages;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/activity", get(index))
}

/// Each week as Mastodon sends it: every value a string, the week as a UNIX timestamp.
pub async fn index(State(state): State<AppState>) -> Result<Json<Vec<Value>>> {
    Ok(Json(
        instance_pages::activity(&state)
            .await?
            .iter()
            .map(|w| {
                json!({
                    "week": w.week.timestamp().to_string(),
                    "statuses": w.statuses.to_string(),
                    "logins": w.logins.to_string(),
                    "registrations": w.registrations.to_string(),
                })
            })
            .collect(),
    ))
}
