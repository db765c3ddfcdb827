//! `GET /api/v1/accounts/relationships`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::relationship::Relationship;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/relationships", get(relationships))
}

#[derive(Deserialize)]
pub struct RelationshipsParams {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    with_suspended: Option<bool>,
}

/// `GET /api/v1/accounts/relationships?id[]=…`: unknown and malformed ids are skipped.
pub async fn relationships(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RelationshipsParams>,
) -> Result<Json<Vec<Relationship>>> {
    auth.require_any(&["read:follows", "follow"])?;
    let ids: Vec<i64> =
        q.id.iter()
            .filter_map(|raw| crate::id::parse(raw.trim()))
            .collect();
    let found = rel::relationships(
        &state,
        &auth.account,
        &ids,
        q.with_suspended.unwrap_or(false),
    )
    .await?;
    Ok(Json(found.iter().map(Relationship::render).collect()))
}
