//! `/api/v1/admin/rules`: the instance's rules, managed by administrators.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::admin;
use crate::api::auth::Auth;
use crate::api::entities::moderation::Rule;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::moderation::rules::{self, RuleInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/rules", get(index).post(create))
        .route(
            "/api/v1/admin/rules/{id}",
            get(show).put(update).delete(destroy),
        )
}

#[derive(Deserialize)]
pub struct RuleParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    hint: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    priority: Option<i64>,
}

impl RuleParams {
    fn input(self) -> RuleInput {
        RuleInput {
            text: self.text,
            hint: self.hint,
            priority: self
                .priority
                .map(|p| p.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
        }
    }
}

pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<Rule>>> {
    admin(&auth, "admin:read")?;
    Ok(Json(
        rules::all(&state).await?.iter().map(Rule::render).collect(),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Rule>> {
    admin(&auth, "admin:read")?;
    let rule = rules::get(&state, path_id(&id)?).await?;
    Ok(Json(Rule::render(&rule)))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<RuleParams>,
) -> Result<Json<Rule>> {
    admin(&auth, "admin:write")?;
    let rule = rules::create(&state, Some(&auth.account), &p.input()).await?;
    Ok(Json(Rule::render(&rule)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<RuleParams>,
) -> Result<Json<Rule>> {
    admin(&auth, "admin:write")?;
    let rule = rules::update(&state, Some(&auth.account), path_id(&id)?, &p.input()).await?;
    Ok(Json(Rule::render(&rule)))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    admin(&auth, "admin:write")?;
    rules::delete(&state, Some(&auth.account), path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}
