//! `POST /api/v1/accounts/:id/note`: the caller's private note on an account.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::relationship::Relationship;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/{id}/note", post(note))
}

#[derive(Deserialize)]
pub struct NoteParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
}

/// `POST /api/v1/accounts/:id/note`: sets the note (a missing or empty `comment` removes it)
/// and answers with the relationship that shows it.
pub async fn note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<NoteParams>,
) -> Result<Json<Relationship>> {
    auth.require("write:accounts")?;
    let relationship = rel::set_note(
        &state,
        &auth.account,
        path_id(&id)?,
        p.comment.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(Relationship::render(&relationship)))
}
