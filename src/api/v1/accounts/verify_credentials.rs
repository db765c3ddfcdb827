//! `GET /api/v1/accounts/verify_credentials`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::CredentialAccount;
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, User};
use crate::service;

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
    own_account(&state, auth.account.clone(), &auth.user).await
}

/// The caller's own account as every endpoint about it answers: with where it moved to and
/// its pending follow requests counted.
pub(crate) async fn own_account(
    state: &AppState,
    account: Account,
    user: &User,
) -> Result<Json<CredentialAccount>> {
    let account = service::moves::with_moved(state, account).await?;
    let requests = service::relationships::pending_requests(
        state,
        &account,
        crate::api::entities::account::FOLLOW_REQUESTS_SHOWN,
    )
    .await?;
    Ok(Json(CredentialAccount::render(
        &account,
        user,
        requests,
        &state.base_url(),
    )))
}
