//! `POST /api/v1/settings/move_followers`: FEP-7628's pull-mode move, in Mitra's shape. An
//! account that lists its old actor in its aliases uploads the old followers list; each
//! follower's server is sent a `Move` signed by this account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::params::ParamsWithFiles;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/settings/move_followers", post(move_followers))
}

#[derive(Deserialize)]
pub struct MoveFollowersParams {
    /// The old actor's id.
    #[serde(default, deserialize_with = "de::opt_string")]
    from_actor_id: Option<String>,
    /// The followers export, as text (or as a file part of the same name).
    #[serde(default, deserialize_with = "de::opt_string")]
    followers_csv: Option<String>,
}

/// `POST /api/v1/settings/move_followers`: 202 with how many followers will be sent the
/// `Move` and which lines were not account addresses.
pub async fn move_followers(
    State(state): State<AppState>,
    auth: Auth,
    body: ParamsWithFiles<MoveFollowersParams>,
) -> Result<(StatusCode, Json<Value>)> {
    auth.require("write:accounts")?;
    let mut csv = body.params.followers_csv;
    for file in body.files {
        if file.field != "followers_csv" {
            return Err(Error::invalid(
                &file.field,
                "ERR_INVALID",
                "is not a file this endpoint accepts",
            ));
        }
        csv =
            Some(String::from_utf8(file.data.to_vec()).map_err(|_| {
                Error::invalid("followers_csv", "ERR_INVALID", "must be UTF-8 text")
            })?);
    }
    let report = service::moves::pull_move(
        &state,
        &auth.account,
        body.params.from_actor_id.as_deref().unwrap_or_default(),
        csv.as_deref().unwrap_or_default(),
    )
    .await?;
    let invalid: Vec<Value> = report
        .invalid
        .iter()
        .map(|(line, why)| json!({ "line": line, "error": why }))
        .collect();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "followers": report.followers, "invalid_lines": invalid })),
    ))
}
