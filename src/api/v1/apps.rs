//! `POST /api/v1/apps` and `GET /api/v1/apps/verify_credentials`

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::AppAuth;
use crate::api::de;
use crate::api::entities::application::Application;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::Result;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/apps", post(create))
        .route("/api/v1/apps/verify_credentials", get(verify_credentials))
}

#[derive(Deserialize)]
pub struct CreateApp {
    #[serde(default, deserialize_with = "de::opt_string")]
    client_name: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scopes: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    website: Option<String>,
}

/// `POST /api/v1/apps`: registers a client; the only answer that shows its secret.
pub async fn create(
    State(state): State<AppState>,
    Params(p): Params<CreateApp>,
) -> Result<Json<Application>> {
    let created = service::oauth::create_app(
        &state,
        p.client_name.as_deref().unwrap_or(""),
        p.redirect_uris,
        p.scopes.as_deref().unwrap_or("read"),
        p.website.as_deref(),
    )
    .await?;
    let vapid_key = service::push::vapid_public_key(&state).await?;
    Ok(Json(Application::with_credentials(
        &created.app,
        &created.client_secret,
        vapid_key,
    )))
}

/// `GET /api/v1/apps/verify_credentials`: the app a token belongs to.
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: AppAuth,
) -> Result<Json<Application>> {
    let app = service::oauth::app_by_id(&state, auth.0.grant.app_id).await?;
    let vapid_key = service::push::vapid_public_key(&state).await?;
    Ok(Json(Application::render(&app, vapid_key)))
}
