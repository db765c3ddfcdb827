//! `GET /api/v1/accounts/:id/lists`: the caller's lists that have this account in them.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::list::List;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::lists;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/{id}/lists", get(index))
}

/// `GET /api/v1/accounts/:id/lists`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<List>>> {
    auth.require("read:lists")?;
    let found = lists::containing(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(List::render_all(&found)))
}
