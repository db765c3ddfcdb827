//! `/api/v1/featured_tags`: the hashtags the caller features on their profile (ten at most),
//! and `/suggestions`, those they use most and do not feature yet.

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::Auth;
use crate::api::entities::tag::FeaturedTag;
use crate::api::entities::Tag;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::tags;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/featured_tags", get(index).post(create))
        .route("/api/v1/featured_tags/suggestions", get(suggestions))
        .route("/api/v1/featured_tags/{id}", delete(destroy))
}

const READ: &str = "read:accounts";
const WRITE: &str = "write:accounts";

/// `GET /api/v1/featured_tags`
pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<FeaturedTag>>> {
    auth.require(READ)?;
    let featured = tags::featured_tags(&state, &auth.account).await?;
    Ok(Json(FeaturedTag::render_all(&featured, &auth.account)))
}

#[derive(Deserialize)]
pub struct FeatureParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    name: Option<String>,
}

/// `POST /api/v1/featured_tags` with `name`: a missing or invalid name, a tag featured
/// already and an eleventh are refused (422).
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<FeatureParams>,
) -> Result<Json<FeaturedTag>> {
    auth.require(WRITE)?;
    let name = p
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Error::invalid("name", "ERR_BLANK", "can't be blank"))?;
    let featured = tags::create_featured(&state, &auth.account, &name).await?;
    Ok(Json(FeaturedTag::render(&featured, &auth.account)))
}

/// `DELETE /api/v1/featured_tags/:id`: an empty object; another's is not found.
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    auth.require(WRITE)?;
    tags::delete_featured(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/featured_tags/suggestions`: Tag entities.
pub async fn suggestions(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<Tag>>> {
    auth.require(READ)?;
    let suggested = tags::featured_suggestions(&state, &auth.account).await?;
    Ok(Json(Tag::render_all(&suggested, &state.base_url())))
}
