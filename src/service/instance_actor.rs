//! The instance actor: the `Application` that represents this server itself and signs the
//! fetches it makes (GoToSocial and others require signed fetches).

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::fetch::KeySigner;
use crate::federation::signature::SigningKey;
use crate::model::Account;
use crate::{id, store};

/// The instance actor, created with a fresh key pair the first time it is needed.
pub async fn get(state: &AppState) -> Result<Account> {
    let uri = format!("{}/actor", state.base_url());
    if let Some(actor) = store::accounts::by_uri(&state.db, &uri).await? {
        return Ok(actor);
    }
    let key_pairs = state.key_pairs.clone();
    let (private_pem, public_pem) = tokio::task::spawn_blocking(move || key_pairs.next())
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

/// What signs this server's outgoing GETs: the instance actor's key, parsed once and kept in
/// the state's key cache.
pub async fn signer(state: &AppState) -> Result<KeySigner> {
    let actor = get(state).await?;
    let cached = state
        .signing_keys
        .lock()
        .ok()
        .and_then(|keys| keys.get(&actor.id).cloned());
    let key = match cached {
        Some(key) => key,
        None => {
            let (_, pem) = store::accounts::private_key(&state.db, actor.id)
                .await?
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("the instance actor has no key")))?;
            let key = SigningKey::from_pem(&pem).map_err(|e| Error::Internal(e.into()))?;
            if let Ok(mut keys) = state.signing_keys.lock() {
                keys.insert(actor.id, key.clone());
            }
            key
        }
    };
    Ok(KeySigner {
        key,
        key_id: actor.public_key_id,
    })
}
