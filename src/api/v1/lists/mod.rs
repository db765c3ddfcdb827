//! `/api/v1/lists` and `/api/v1/lists/:id`: a user's lists; `accounts.rs` serves their
//! members (`/:id/accounts`).

pub mod accounts;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::list::List;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::lists::{self, ListInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/lists", get(index).post(create))
        .route("/api/v1/lists/{id}", get(show).put(update).delete(destroy))
        .merge(accounts::routes())
}

pub(crate) const READ: &str = "read:lists";
pub(crate) const WRITE: &str = "write:lists";

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    replies_policy: Option<String>,
    #[serde(default)]
    exclusive: Option<Value>,
}

impl ListParams {
    fn input(self) -> Result<ListInput> {
        Ok(ListInput {
            title: self.title,
            replies_policy: self.replies_policy,
            exclusive: de::flag_in("exclusive", self.exclusive.as_ref())?,
        })
    }
}

/// `GET /api/v1/lists`
pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<List>>> {
    auth.require(READ)?;
    Ok(Json(List::render_all(
        &lists::all(&state, &auth.account).await?,
    )))
}

/// `GET /api/v1/lists/:id`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<List>> {
    auth.require(READ)?;
    let list = lists::get(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(List::render(&list)))
}

/// `POST /api/v1/lists`
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<ListParams>,
) -> Result<Json<List>> {
    auth.require(WRITE)?;
    let list = lists::create(&state, &auth.account, p.input()?).await?;
    Ok(Json(List::render(&list)))
}

/// `PUT /api/v1/lists/:id`
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<ListParams>,
) -> Result<Json<List>> {
    auth.require(WRITE)?;
    let list = lists::update(&state, &auth.account, path_id(&id)?, p.input()?).await?;
    Ok(Json(List::render(&list)))
}

/// `DELETE /api/v1/lists/:id`: an empty object, as Mastodon answers.
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require(WRITE)?;
    lists::delete(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(json!({})))
}
