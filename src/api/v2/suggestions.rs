//! `GET /api/v2/suggestions`: accounts to follow, each with why (`sources`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::tag::Suggestion;
use crate::api::params::Query;
use crate::api::v1::suggestions::{SuggestionParams, READ};
use crate::app::AppState;
use crate::error::Result;
use crate::service::suggestions;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v2/suggestions", get(index))
}

/// `GET /api/v2/suggestions`: 40 by default, 80 at most.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SuggestionParams>,
) -> Result<Json<Vec<Suggestion>>> {
    auth.require(READ)?;
    let found = suggestions::for_viewer(&state, &auth.account, q.limit()).await?;
    let base = state.base_url();
    Ok(Json(
        found.iter().map(|s| Suggestion::render(s, &base)).collect(),
    ))
}
