//! A person's own settings beyond the profile: reading preferences and the password.

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::User;
use crate::{crypto, store};

use super::accounts::check_password;

/// Changes `user`'s reading preferences (`reading:expand:media` is one of `default`,
/// `show_all`, `hide_all`).
pub async fn set_reading_preferences(
    state: &AppState,
    user: &User,
    prefs: &crate::model::user::ReadingPreferences,
) -> Result<()> {
    if !matches!(
        prefs.expand_media.as_str(),
        "default" | "show_all" | "hide_all"
    ) {
        return Err(Error::invalid(
            "reading:expand:media",
            "ERR_INCLUSION",
            "is not included in the list",
        ));
    }
    store::users::set_reading_preferences(&state.db, user.id, prefs).await?;
    Ok(())
}

/// Changes a signed-in person's password after checking the current one: every other
/// session and app token is revoked (the session `keep_token_id` stays), as are sign-ins
/// waiting for a second factor.
#[tracing::instrument(skip_all, fields(user.id = user.id))]
pub async fn change_password(
    state: &AppState,
    user: &User,
    current: &str,
    new: &str,
    keep_token_id: i64,
) -> Result<()> {
    let hash = user.password_hash.clone();
    let given = current.to_string();
    let right = tokio::task::spawn_blocking(move || crypto::verify_password(&given, &hash))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    if !right {
        return Err(Error::invalid(
            "current_password",
            "ERR_INVALID",
            "is invalid",
        ));
    }
    let mut v = Validation::default();
    check_password(&mut v, new);
    v.finish()?;
    let for_hash = new.to_string();
    let cost = state.config.security.password_cost();
    let hash = tokio::task::spawn_blocking(move || crypto::hash_password_with(&for_hash, cost))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    let mut tx = state.db.begin().await?;
    store::users::set_password_hash(&mut *tx, user.id, &hash).await?;
    store::oauth::revoke_all_for_user_except(&mut *tx, user.id, keep_token_id).await?;
    store::oauth::delete_sessions_of(&mut *tx, user.id).await?;
    tx.commit().await?;
    Ok(())
}
