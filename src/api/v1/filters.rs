//! `/api/v1/filters` (and `/:id`): Mastodon's v1 keyword filters, one keyword each, kept for
//! older clients and mapped onto the v2 filters.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Auth;
use crate::api::entities::moderation::FilterV1;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::moderation::filters_v1::{self, FilterV1Input};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/filters", get(index).post(create))
        .route(
            "/api/v1/filters/{id}",
            get(show).put(update).delete(destroy),
        )
}

const READ: &[&str] = &["read:filters", "read"];
const WRITE: &[&str] = &["write:filters", "write"];

#[derive(Deserialize)]
pub struct FilterParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    phrase: Option<String>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    irreversible: Option<Value>,
    #[serde(default)]
    whole_word: Option<Value>,
    /// Absent: unchanged; empty or null: never expires; seconds otherwise.
    #[serde(default)]
    expires_in: Option<Value>,
}

impl FilterParams {
    fn input(self) -> Result<FilterV1Input> {
        Ok(FilterV1Input {
            phrase: self.phrase,
            context: self.context.as_ref().map(de::strings_in),
            irreversible: de::flag_in("irreversible", self.irreversible.as_ref())?,
            whole_word: de::flag_in("whole_word", self.whole_word.as_ref())?,
            expires_in: de::expires_in(self.expires_in)?,
        })
    }
}

pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<FilterV1>>> {
    auth.require_any(READ)?;
    let list = filters_v1::list(&state, &auth.account).await?;
    Ok(Json(list.iter().map(FilterV1::render).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<FilterV1>> {
    auth.require_any(READ)?;
    let f = filters_v1::get(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(FilterV1::render(&f)))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<FilterParams>,
) -> Result<Json<FilterV1>> {
    auth.require_any(WRITE)?;
    let f = filters_v1::create(&state, &auth.account, p.input()?).await?;
    Ok(Json(FilterV1::render(&f)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<FilterParams>,
) -> Result<Json<FilterV1>> {
    auth.require_any(WRITE)?;
    let f = filters_v1::update(&state, &auth.account, path_id(&id)?, p.input()?).await?;
    Ok(Json(FilterV1::render(&f)))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require_any(WRITE)?;
    filters_v1::delete(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}
