//! `GET /api/v1/suggestions` (the accounts of `/api/v2/suggestions`, as Mastodon's deprecated
//! form answers) and `DELETE /api/v1/suggestions/:account_id`.

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::Account;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::suggestions;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/suggestions", get(index))
        .route("/api/v1/suggestions/{account_id}", delete(dismiss))
}

/// Suggestions are read with `read` (or `read:accounts`).
pub(crate) const READ: &str = "read:accounts";

#[derive(Deserialize)]
pub struct SuggestionParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub limit: Option<i64>,
}

impl SuggestionParams {
    /// 40 by default, 80 at most.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(40).clamp(1, 80)
    }
}

/// `GET /api/v1/suggestions`: accounts only.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<SuggestionParams>,
) -> Result<Json<Vec<Account>>> {
    auth.require(READ)?;
    let found = suggestions::for_viewer(&state, &auth.account, q.limit()).await?;
    let base = state.base_url();
    Ok(Json(
        found
            .iter()
            .map(|s| Account::render(&s.account, &base))
            .collect(),
    ))
}

/// `DELETE /api/v1/suggestions/:account_id`: an empty object, whatever the id (as Mastodon).
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
) -> Result<Json<Value>> {
    auth.require_any(&[READ, "write:accounts"])?;
    if let Some(id) = crate::id::parse(account_id.trim()) {
        suggestions::dismiss(&state, &auth.account, id).await?;
    }
    Ok(Json(json!({})))
}
