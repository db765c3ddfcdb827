//! `/api/v1/announcements` and `/:id/dismiss`: the administrators' announcements as each
//! user reads them; `reactions.rs` serves `/:id/reactions/:name`.

pub mod reactions;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::announcement::Announcement;
use crate::api::params::Query;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::announcements;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/announcements", get(index))
        .route("/api/v1/announcements/{id}/dismiss", post(dismiss))
        .merge(reactions::routes())
}

#[derive(Deserialize)]
pub struct IndexParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    with_dismissed: Option<bool>,
}

/// `GET /api/v1/announcements`: published announcements, oldest first; those the caller
/// dismissed only `with_dismissed`.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<IndexParams>,
) -> Result<Json<Vec<Announcement>>> {
    let list =
        announcements::published(&state, &auth.account, q.with_dismissed.unwrap_or(false)).await?;
    let base = state.base_url();
    Ok(Json(
        list.iter()
            .map(|a| Announcement::render(a, Some(auth.account.id), &base))
            .collect(),
    ))
}

/// `POST /api/v1/announcements/:id/dismiss`: marks it read.
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require("write:accounts")?;
    announcements::dismiss(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(json!({})))
}
