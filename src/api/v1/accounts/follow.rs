//! `POST /api/v1/accounts/:id/follow` and `POST /api/v1/accounts/:id/unfollow`

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};

use crate::api::auth::Auth;
use crate::api::entities::relationship::Relationship;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships::{self as rel, FollowOptions};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts/{id}/follow", post(follow))
        .route("/api/v1/accounts/{id}/unfollow", post(unfollow))
}

const WRITE_FOLLOWS: &[&str] = &["write:follows", "follow"];

/// A list parameter whose absence differs from an empty list (`languages`).
fn opt_string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    de::string_list(d).map(Some)
}

#[derive(Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    notify: Option<bool>,
    #[serde(default, deserialize_with = "opt_string_list")]
    languages: Option<Vec<String>>,
}

/// `POST /api/v1/accounts/:id/follow` (also changes the options of a follow that exists)
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<FollowParams>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_FOLLOWS)?;
    let options = FollowOptions {
        reblogs: p.reblogs,
        notify: p.notify,
        languages: p.languages,
        uri: None,
    };
    let r = rel::follow(&state, &auth.account, path_id(&id)?, options).await?;
    Ok(Json(Relationship::render(&r)))
}

/// `POST /api/v1/accounts/:id/unfollow`
pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Relationship>> {
    auth.require_any(WRITE_FOLLOWS)?;
    let r = rel::unfollow(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Relationship::render(&r)))
}
