//! `POST /api/v1/polls/:id/votes`

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Poll;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::polls;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/polls/{id}/votes", post(create))
}

#[derive(Deserialize)]
pub struct VoteParams {
    #[serde(default, deserialize_with = "de::string_list")]
    choices: Vec<String>,
}

/// `POST /api/v1/polls/:id/votes` with `choices[]` (option indexes).
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<VoteParams>,
) -> Result<Json<Poll>> {
    auth.require("write:statuses")?;
    let poll_id = path_id(&id)?;
    let choices = p
        .choices
        .iter()
        .map(|c| {
            c.trim()
                .parse::<i64>()
                .map_err(|_| Error::invalid("choices", "ERR_INVALID", "must be indexes of options"))
        })
        .collect::<Result<Vec<i64>>>()?;
    let view = polls::vote(&state, &auth.account, poll_id, &choices).await?;
    Ok(Json(Poll::render(&view)))
}
