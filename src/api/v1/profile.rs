//! `/api/v1/profile/avatar` and `/api/v1/profile/header`.

use axum::extract::State;
use axum::routing::delete;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::CredentialAccount;
use crate::app::AppState;
use crate::error::Result;
use crate::model::media::ProfileImage;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/profile/avatar", delete(delete_avatar))
        .route("/api/v1/profile/header", delete(delete_header))
}

async fn remove(
    state: &AppState,
    auth: &Auth,
    which: ProfileImage,
) -> Result<Json<CredentialAccount>> {
    auth.require("write:accounts")?;
    let account = service::media::set_profile_image(state, &auth.account, which, None).await?;
    crate::api::v1::accounts::verify_credentials::own_account(state, account, &auth.user).await
}

/// `DELETE /api/v1/profile/avatar`: back to the default picture.
pub async fn delete_avatar(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CredentialAccount>> {
    remove(&state, &auth, ProfileImage::Avatar).await
}

/// `DELETE /api/v1/profile/header`
pub async fn delete_header(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CredentialAccount>> {
    remove(&state, &auth, ProfileImage::Header).await
}
