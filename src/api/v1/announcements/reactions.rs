//! `PUT|DELETE /api/v1/announcements/:id/reactions/:name`: reacting with a Unicode emoji.

use axum::extract::{Path, State};
use axum::routing::put;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::announcements;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/announcements/{id}/reactions/{name}",
        put(add).delete(remove),
    )
}

/// `PUT …/reactions/:name`
pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>> {
    auth.require("write:favourites")?;
    announcements::react(&state, &auth.account, path_id(&id)?, &name).await?;
    Ok(Json(json!({})))
}

/// `DELETE …/reactions/:name`
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>> {
    auth.require("write:favourites")?;
    announcements::unreact(&state, &auth.account, path_id(&id)?, &name).await?;
    Ok(Json(json!({})))
}
