//! The instance actor: the `Application` that represents this server itself and signs the
//! fetches it makes (GoToSocial and others require signed fetches).

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::Account;
use crate::{crypto, id, store};

/// The instance actor, created with a fresh key pair the first time it is needed.
pub async fn get(state: &AppState) -> Result<Account> {
    let uri = format!("{}/actor", state.base_url());
    if let Some(actor) = store::accounts::by_uri(&state.db, &uri).await? {
        return Ok(actor);
    }
    let (private_pem, public_pem) = tokio::task::spawn_blocking(crypto::generate_rsa_keypair)
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let mut conn = state.db.acquire().await?;
    Ok(store::accounts::ensure_instance_actor(
        &mut conn,
        id::next(),
        &state.config.domain,
        &state.base_url(),
        &public_pem,
        &private_pem,
    )
    .await?)
}
