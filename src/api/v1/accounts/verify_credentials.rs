//! `GET /api/v1/accounts/verify_credentials`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::CredentialAccount;
use crate::app::AppState;
use crate::error::Result;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/accounts/verify_credentials",
        get(verify_credentials),
    )
}

/// `GET /api/v1/accounts/verify_credentials`: the caller's own account, with its source.
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CredentialAccount>> {
    auth.require_any(&["read:accounts", "profile"])?;
    let account = crate::service::moves::with_moved(&state, auth.account.clone()).await?;
    Ok(Json(CredentialAccount::render(
        &account,
        &auth.user,
        &state.base_url(),
    )))
}
